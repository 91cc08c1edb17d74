/* SPDX-License-Identifier: MIT */
/*
 * target.h — a request-target (RFC 9112 §3.2) as the router and handlers
 * see it: the path, and the query as decoded name/value items.
 *
 * Origin-form ("/v1/children?limit=5") and absolute-form
 * ("http://host/v1/children") are accepted; the path is kept as sent (the
 * router matches raw segments).  Query items are split on '&'; an item
 * without '=' ("?v123", a cache-buster) is a name with an empty value;
 * names and values are percent-decoded with '+' as a space (libevent's
 * evhttp_uridecode).  Refused: a target that is neither form, a malformed
 * percent escape, an encoded NUL (%00, which would cut a value short), more
 * than PB_HTTP_MAX_QUERY items.  Pure and thread-safe.
 */
#ifndef PB_HTTP_TARGET_H
#define PB_HTTP_TARGET_H

#include <stddef.h>

#define PB_HTTP_MAX_QUERY 32

struct pb_http_query_item {
	char *name;     /* decoded, NUL-terminated */
	char *value;    /* decoded, "" when the item had no '=' */
};

struct pb_http_target {
	char *path;                 /* malloc'd, starts with '/' */
	int nitems;
	struct pb_http_query_item items[PB_HTTP_MAX_QUERY];
};

/* Split and decode `target` into *out (zeroed first).  0 on success; -1
 * with *why (static sentence) and *field (the offending query name, or
 * NULL; points into out, valid until pb_http_target_free) on refusal.
 * Free with pb_http_target_free in both cases. */
int pb_http_target_parse(const char *target, struct pb_http_target *out,
    const char **why, const char **field);

void pb_http_target_free(struct pb_http_target *t);

/* The value of the first query item named `name`, or NULL. */
const char *pb_http_target_query(const struct pb_http_target *t, const char *name);

#endif
