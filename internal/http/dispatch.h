/* SPDX-License-Identifier: MIT */
/*
 * dispatch.h — one parsed request to one response: the request context
 * handlers see (struct pb_req over a struct pb_http_msg), the route, the
 * media type, authentication and the per-caller rate limit, the handler,
 * then metrics and the access-log line.  No I/O of its own: conn.c feeds
 * it messages and sends what it answers.
 */
#ifndef PB_HTTP_DISPATCH_H
#define PB_HTTP_DISPATCH_H

#include "internal/http/http.h"
#include "internal/http/parser.h"

struct pb_ratelimit;

/* What every request of the process is served with (read-only once the
 * loops run; shared by them). */
struct pb_dispatch {
	const struct pb_config *cfg;
	struct pb_db_pool *pool;
	const struct pb_route *routes;
	size_t nroutes;
	struct pb_ratelimit *limiter;
};

/* What the connection needs to send the answer. */
struct pb_dispatch_out {
	char request_id[129];  /* the client's X-Request-Id when safe, else a new UUID */
	int head;              /* the request was HEAD: no body goes out */
	size_t body_limit;     /* pb_dispatch_vet_head: the route's body limit */
};

/* Serve msg: *resp is filled (status set; the caller renders and frees
 * it), the database connection taken by the handler is released, the
 * request is counted in the metrics and its access-log line is held (the
 * loop flushes held lines, see internal/log).  Runs in a task: it may wait
 * for PostgreSQL.  Never fails: every error is a problem response. */
void pb_dispatch_serve(const struct pb_dispatch *d, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out);

/* Vet a request whose head is complete and whose body is still to come
 * (msg->has_body, msg->body NULL), as pb_dispatch_serve would: the target,
 * the route and method, the media type and, on a route that is not
 * public, the bearer token — so that a body nobody may send here is
 * refused before a byte of it is read or buffered.  0: read the body on,
 * up to out->body_limit bytes (PB_HTTP_MAX_UPLOAD on a PB_ROUTE_UPLOAD
 * route, else PB_HTTP_MAX_BODY; nothing is counted yet); 1: *resp holds the refusal, counted and logged
 * like any answer; the caller sends it and closes (the body unread).  No
 * database, no rate-limit token: runs on the loop. */
int pb_dispatch_vet_head(const struct pb_dispatch *d, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out);

/* Answer a request the connection refused before it was whole — the
 * parser's verdict (status 400, 408, 413, 417, 431, 501, 503 or 505 with
 * its sentence): a problem response, counted and logged like any other.
 * msg may be NULL or partial (its X-Request-Id is used when present). */
void pb_dispatch_refuse(int status, const char *detail, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out);

#endif
