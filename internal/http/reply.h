/* SPDX-License-Identifier: MIT */
/*
 * reply.h — a struct pb_resp as HTTP/1.1 bytes.
 *
 * pb_http_reply_render appends the status line, the headers every answer
 * carries (Date, X-Request-Id, the security headers, Cache-Control:
 * no-store unless the handler set its own, Content-Type, Content-Length,
 * Connection) and the body to `out`.  The body is added by reference
 * (evbuffer_add_reference: no copy) and freed when the buffer has sent it;
 * the response's json/raw are consumed either way.  HEAD answers carry
 * GET's Content-Length and no body; 1xx, 204 and 304 carry neither.
 * Thread-safe (the Date text is cached per thread).
 */
#ifndef PB_HTTP_REPLY_H
#define PB_HTTP_REPLY_H

#include "internal/http/http.h"

struct evbuffer;

struct pb_http_reply_meta {
	const char *request_id;   /* X-Request-Id (required) */
	int head;                 /* the request was HEAD */
	int minor;                /* HTTP/1.<minor> of the request */
	int keep_alive;           /* 0 adds Connection: close */
};

/* Render resp onto out.  0, or -1 when memory ran out (out may hold part
 * of the reply: the caller closes the connection). */
int pb_http_reply_render(struct evbuffer *out, const struct pb_http_reply_meta *meta,
    struct pb_resp *resp);

#endif
