/* SPDX-License-Identifier: MIT */
/*
 * http.h — what a handler sees of HTTP: a request context in, a response
 * out.  Handlers never call libevent (architecture decision 1); the server
 * (dispatch.c) fills struct pb_req, runs the handler in a task on its loop
 * thread, and conn.c renders struct pb_resp exactly once.
 *
 * Ownership: everything reachable from a pb_req is owned by the server and
 * valid only during the handler call.  A handler hands a cJSON body or a
 * malloc'd raw body to the response; the server frees it after sending.
 */
#ifndef PB_HTTP_HTTP_H
#define PB_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "internal/auth/auth.h"
#include "internal/config/config.h"
#include "internal/core/problem.h"

struct pb_db;
struct pb_db_pool;

#define PB_HTTP_MAX_BODY (64 * 1024)       /* contract limit → 413 */
#define PB_HTTP_MAX_UPLOAD (5 * 1024 * 1024) /* a PB_ROUTE_UPLOAD body → 413 */
#define PB_HTTP_MAX_HEADERS (8 * 1024)     /* the request head → 431 */
#define PB_HTTP_MAX_PARAMS 4
#define PB_HTTP_MAX_RESP_HEADERS 8

enum pb_method {
	PB_GET = 1 << 0, PB_POST = 1 << 1, PB_PUT = 1 << 2, PB_PATCH = 1 << 3,
	PB_DELETE = 1 << 4, PB_HEAD = 1 << 5, PB_OPTIONS = 1 << 6
};

struct pb_req {
	enum pb_method method;
	const char *path;
	const char *route;                 /* matched pattern, e.g. /v1/children/{id} */
	int nparams;
	const char *param_names[PB_HTTP_MAX_PARAMS];
	char param_values[PB_HTTP_MAX_PARAMS][65]; /* a segment of up to 64 bytes (a service_type) */
	const char *body;                  /* NUL-terminated copy, body_len bytes */
	size_t body_len;
	char request_id[129];
	struct pb_principal principal;     /* valid when authenticated */
	int authenticated;
	const struct pb_config *cfg;
	struct pb_db_pool *pool;
	struct pb_db *db;                  /* lazily acquired, see pb_req_db */
	void *native;                      /* server-private */
};

struct pb_resp_header {
	const char *name;                  /* static string */
	char value[256];
};

struct pb_resp {
	int status;
	cJSON *json;                       /* owned; rendered then deleted */
	char *raw;                         /* owned malloc'd body, or NULL */
	size_t raw_len;
	const char *content_type;          /* static; default application/json */
	int nheaders;
	struct pb_resp_header headers[PB_HTTP_MAX_RESP_HEADERS];
};

typedef void pb_handler_fn(struct pb_req *req, struct pb_resp *resp);

/* Route flags. */
#define PB_ROUTE_PUBLIC 0x1u   /* no token needed (operations endpoints) */
#define PB_ROUTE_UPLOAD 0x2u   /* the body is a file of any media type, up to
                                * PB_HTTP_MAX_UPLOAD; the handler judges it */
#define PB_ROUTE_FAMILY_VIEW 0x4u /* the handler writes a family projection itself
                                   * (a whitelist: the family view routes): not filtered again */

struct pb_route {
	unsigned methods;          /* enum pb_method bits */
	const char *pattern;       /* "/v1/children/{id}": {name} matches one segment */
	pb_handler_fn *handler;
	unsigned service;          /* PB_SVC_* group, 0 = always on */
	unsigned flags;
};

/* Request accessors (NULL when absent).  Header names are
 * case-insensitive.  Query values are percent-decoded. */
const char *pb_req_header(const struct pb_req *req, const char *name);
const char *pb_req_query(const struct pb_req *req, const char *name);
const char *pb_req_param(const struct pb_req *req, const char *name);

/* The request's database connection, acquired on first use and released by
 * the server after the handler.  PB_EUNAVAILABLE when none can be had. */
enum pb_err pb_req_db(struct pb_req *req, struct pb_db **out);

/* The same for a handler whose reads are single statements outside a
 * transaction: a reader handle (pb_db_acquire_reader, db.h) shared with
 * the loop's other readers.  A handler uses one of the two, not both. */
enum pb_err pb_req_db_reader(struct pb_req *req, struct pb_db **out);

/* For a handler that only reads and accepts data up to PB_READ_MAX_LAG_MS
 * old (lists, the family's view): the read replica's connection while it
 * is that fresh, else the primary's (pb_db_acquire_stale, db.h); reader as
 * pb_req_db_reader.  Never for a handler that writes, even an audit row. */
enum pb_err pb_req_db_stale(struct pb_req *req, int reader, struct pb_db **out);

/* Response helpers.  pb_resp_json takes ownership of body (may be NULL for
 * an empty body).  pb_resp_header copies value (truncated to 255 bytes). */
void pb_resp_json(struct pb_resp *resp, int status, cJSON *body);
void pb_resp_raw(struct pb_resp *resp, int status, const char *content_type,
    char *body, size_t len);
void pb_resp_header(struct pb_resp *resp, const char *name, const char *value);

/* Render a problem as application/problem+json with its status. */
void pb_resp_problem(struct pb_resp *resp, const struct pb_problem *p);

/* Shorthand: a problem with only an error and a detail sentence. */
void pb_resp_error(struct pb_resp *resp, enum pb_err err, const char *detail);

/* 1 once SIGTERM or SIGINT has asked the server to stop (it may still be
 * serving through PB_SHUTDOWN_DELAY): /readyz answers 503. */
int pb_server_draining(void);

/* HTTP status for an error (PB_EINVAL → 400 …). */
int pb_http_status_for(enum pb_err err);

/* The reason phrase of a status ("Not Found"), also the problem title. */
const char *pb_http_reason(int status);

/* Router: match method+path against routes.  Returns the index of the
 * matching route and fills req->params; -1 when no pattern matches the
 * path; -2 when patterns match but not the method (then *allow holds the
 * methods that would).  Segments longer than 64 bytes never match. */
int pb_router_match(const struct pb_route *routes, size_t nroutes,
    enum pb_method method, const char *path, struct pb_req *req,
    unsigned *allow);

/* "GET, POST" for a method mask, into buf. */
void pb_http_methods_string(unsigned methods, char *buf, size_t len);

/* Run the server until SIGTERM/SIGINT: cfg->threads event loops sharing
 * the listening port.  Returns 0 after a clean shutdown, -1 if it could
 * not start (message logged). */
int pb_http_serve(const struct pb_config *cfg, struct pb_db_pool *pool,
    const struct pb_route *routes, size_t nroutes);

#endif
