/* SPDX-License-Identifier: MIT */
/* target.c — request-target → path and decoded query items (see target.h). */
#include "internal/http/target.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>

#include "internal/core/hex.h"

/* Every '%' in s[0..n) starts a two-hex-digit escape other than %00. */
static const char *check_escapes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= n || pb_hex_digit(s[i + 1]) < 0 || pb_hex_digit(s[i + 2]) < 0)
			return "A percent escape in the query is malformed.";
		if (s[i + 1] == '0' && s[i + 2] == '0')
			return "An encoded NUL (%00) is not allowed in a query parameter.";
		i += 2;
	}
	return NULL;
}

/* Decode s[0..n) ('+' is a space); NULL on OOM. */
static char *decode(const char *s, size_t n)
{
	char *raw = strndup(s, n);
	char *out = raw ? evhttp_uridecode(raw, 1, NULL) : NULL;

	free(raw);
	return out;
}

static int parse_query(const char *q, struct pb_http_target *t, const char **why,
    const char **field)
{
	while (*q != '\0') {
		size_t len = strcspn(q, "&");
		size_t name_len = strcspn(q, "=&");
		if (len > 0) {
			if (t->nitems == PB_HTTP_MAX_QUERY) {
				*why = "The query has too many parameters.";
				return -1;
			}
			struct pb_http_query_item *it = &t->items[t->nitems];
			it->name = decode(q, name_len);
			it->value = name_len < len ? decode(q + name_len + 1, len - name_len - 1)
			    : strdup("");
			if (it->name == NULL || it->value == NULL) {
				free(it->name);
				free(it->value);
				it->name = it->value = NULL;
				*why = "Out of memory.";
				return -1;
			}
			t->nitems++;
			if ((*why = check_escapes(q, len)) != NULL) {
				*field = it->name;
				return -1;
			}
		}
		q += len;
		if (*q == '&')
			q++;
	}
	return 0;
}

int pb_http_target_parse(const char *target, struct pb_http_target *out,
    const char **why, const char **field)
{
	const char *path = target, *query = NULL;
	struct evhttp_uri *uri = NULL;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	*field = NULL;
	if (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0) {
		/* absolute-form: the authority is Host's business, not the route's */
		uri = evhttp_uri_parse(target);
		path = uri ? evhttp_uri_get_path(uri) : NULL;
		query = uri ? evhttp_uri_get_query(uri) : NULL;
		if (path == NULL || path[0] == '\0')
			path = uri ? "/" : NULL;
	}
	if (path == NULL || path[0] != '/') {
		if (uri != NULL)   /* evhttp_uri_free does not take NULL */
			evhttp_uri_free(uri);
		*why = "The request target must be an absolute path.";
		return -1;
	}
	size_t plen = uri ? strlen(path) : strcspn(path, "?");
	if (uri == NULL && path[plen] == '?')
		query = path + plen + 1;
	out->path = strndup(path, plen);
	int rc = out->path == NULL ? (*why = "Out of memory.", -1)
	    : query != NULL ? parse_query(query, out, why, field) : 0;
	if (uri != NULL)
		evhttp_uri_free(uri);
	return rc;
}

void pb_http_target_free(struct pb_http_target *t)
{
	for (int i = 0; i < t->nitems; i++) {
		free(t->items[i].name);
		free(t->items[i].value);
	}
	free(t->path);
	memset(t, 0, sizeof(*t));
}

const char *pb_http_target_query(const struct pb_http_target *t, const char *name)
{
	for (int i = 0; i < t->nitems; i++)
		if (strcmp(t->items[i].name, name) == 0)
			return t->items[i].value;
	return NULL;
}
