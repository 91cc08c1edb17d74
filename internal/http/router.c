/* SPDX-License-Identifier: MIT */
/*
 * router.c — matches a path against route patterns segment by segment.
 * Patterns are literal segments and {name} placeholders; no wildcards, no
 * regexes, no allocation.  Linear scan: the table is small.
 */
#include "internal/http/http.h"

#include <stdio.h>
#include <string.h>

/* Compare one pattern against path; fill params on success. */
static int match_one(const char *pattern, const char *path, struct pb_req *req)
{
	const char *p = pattern, *s = path;
	int np = 0;

	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return 0;
		p++;
		s++;
		const char *pe = strchr(p, '/'), *se = strchr(s, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);
		size_t sl = se ? (size_t)(se - s) : strlen(s);
		if (pl >= 2 && p[0] == '{' && p[pl - 1] == '}') {
			if (sl == 0 || sl >= sizeof(req->param_values[0]) ||
			    np >= PB_HTTP_MAX_PARAMS)
				return 0;
			if (req != NULL) {
				memcpy(req->param_values[np], s, sl);
				req->param_values[np][sl] = '\0';
				req->param_names[np] = p + 1; /* up to '}' */
			}
			np++;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			return 0;
		}
		p += pl;
		s += sl;
	}
	if (*p || *s)
		return 0;
	if (req != NULL)
		req->nparams = np;
	return 1;
}

int pb_router_match(const struct pb_route *routes, size_t nroutes,
    enum pb_method method, const char *path, struct pb_req *req,
    unsigned *allow)
{
	unsigned allowed = 0;
	enum pb_method want = method == PB_HEAD ? PB_GET : method;

	for (size_t i = 0; i < nroutes; i++) {
		if (!match_one(routes[i].pattern, path, NULL))
			continue;
		if (routes[i].methods & want) {
			match_one(routes[i].pattern, path, req);
			return (int)i;
		}
		allowed |= routes[i].methods;
	}
	if (allow != NULL)
		*allow = allowed;
	return allowed ? -2 : -1;
}

const char *pb_req_param(const struct pb_req *req, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < req->nparams; i++) {
		const char *pn = req->param_names[i];
		if (strncmp(pn, name, n) == 0 && pn[n] == '}')
			return req->param_values[i];
	}
	return NULL;
}

void pb_http_methods_string(unsigned methods, char *buf, size_t len)
{
	static const char *const names[] = { "GET", "POST", "PUT", "PATCH",
	    "DELETE", "HEAD", "OPTIONS" };
	size_t off = 0;

	buf[0] = '\0';
	if (methods & PB_GET)
		methods |= PB_HEAD;
	for (unsigned i = 0; i < 7; i++) {
		if (!(methods & (1u << i)))
			continue;
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", names[i]);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}
