/* SPDX-License-Identifier: MIT */
/* dispatch.c — one parsed request to one response (see dispatch.h). */
#include "internal/http/dispatch.h"
#include "internal/http/headers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/http/ratelimit.h"
#include "internal/json/projection.h"
#include "internal/http/target.h"
#include "internal/http/testing.h"
#include "internal/log/log.h"
#include "internal/metrics/metrics.h"

/* Server-private part of a request (pb_req.native). */
struct native {
	const struct pb_http_msg *msg;
	struct pb_http_target target;
};

/* --- request accessors (http.h) ------------------------------------------- */

const char *pb_req_header(const struct pb_req *req, const char *name)
{
	const struct native *n = req->native;
	return n->msg ? pb_http_msg_field(n->msg, name) : NULL;
}

const char *pb_req_query(const struct pb_req *req, const char *name)
{
	const struct native *n = req->native;
	return pb_http_target_query(&n->target, name);
}

static enum pb_err req_db(struct pb_req *req, struct pb_db **out,
    enum pb_err (*acquire)(struct pb_db_pool *, struct pb_db **))
{
	if (req->db == NULL) {
		enum pb_err err = acquire(req->pool, &req->db);
		if (err)
			return err;
	}
	*out = req->db;
	return PB_OK;
}

enum pb_err pb_req_db(struct pb_req *req, struct pb_db **out)
{
	return req_db(req, out, pb_db_acquire);
}

enum pb_err pb_req_db_reader(struct pb_req *req, struct pb_db **out)
{
	return req_db(req, out, pb_db_acquire_reader);
}

static enum pb_err acquire_stale(struct pb_db_pool *pool, struct pb_db **out)
{
	return pb_db_acquire_stale(pool, 0, out);
}

static enum pb_err acquire_stale_reader(struct pb_db_pool *pool, struct pb_db **out)
{
	return pb_db_acquire_stale(pool, 1, out);
}

enum pb_err pb_req_db_stale(struct pb_req *req, int reader, struct pb_db **out)
{
	return req_db(req, out, reader ? acquire_stale_reader : acquire_stale);
}

/* --- helpers ------------------------------------------------------------- */

static const char *const method_names[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
    "HEAD", "OPTIONS" };
#define NMETHODS (sizeof(method_names) / sizeof(method_names[0]))

/* The method as a route bit and its metrics index; 0 for any other. */
static enum pb_method map_method(const char *name, int *index)
{
	for (size_t i = 0; name != NULL && i < NMETHODS; i++)
		if (strcmp(name, method_names[i]) == 0) {
			*index = (int)i;
			return (enum pb_method)(1u << i);
		}
	*index = 0;
	return 0;
}

/* A client-given request id is echoed only when it is 1–128 characters of
 * a safe set (it goes into logs and headers). */
static int valid_request_id(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++) {
		char c = s[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
		    c == ':'))
			return 0;
		if (n >= 128)
			return 0;
	}
	return n > 0;
}

static void take_request_id(const struct pb_http_msg *msg, struct pb_dispatch_out *out)
{
	const char *rid = msg ? pb_http_msg_field(msg, "X-Request-Id") : NULL;

	if (rid != NULL && valid_request_id(rid))
		memcpy(out->request_id, rid, strlen(rid) + 1);
	else
		pb_uuid_new(out->request_id);
}

static int is_json_content_type(const char *ct)
{
	if (ct == NULL)
		return 0;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	const char *rest = ct + n;
	while (*rest == ' ')
		rest++;
	return *rest == '\0' || *rest == ';';
}

/* Authenticate a /v1 request: 0 when req->principal is set. */
static int authenticate(const struct pb_dispatch *d, struct pb_req *req, struct pb_resp *resp)
{
	const char *h = pb_req_header(req, "Authorization");
	const char *why = "no bearer token";

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		const char *tok = h + 7;
		while (*tok == ' ')
			tok++;
		if (pb_auth_verify_cached(d->cfg, tok, strlen(tok), (int64_t)time(NULL),
		    &req->principal, &why) == PB_OK) {
			req->authenticated = 1;
			return 0;
		}
	}
	pb_resp_error(resp, PB_EUNAUTH, "A valid bearer token is required.");
	pb_resp_header(resp, "WWW-Authenticate", h == NULL ? "Bearer"
	    : "Bearer error=\"invalid_token\"");
	pb_log(PB_LOG_DEBUG, "authentication failed: %s", why);
	return -1;
}

/* Per-caller (la/sub) token bucket; 1 when the request was refused. */
static int rate_limited(const struct pb_dispatch *d, struct pb_req *req, struct pb_resp *resp,
    const struct timespec *now)
{
	char key[160], retry[16];
	int after = 1;

	snprintf(key, sizeof(key), "%s/%s", req->principal.la, req->principal.sub);
	if (pb_ratelimit_take(d->limiter, key,
	    (double)now->tv_sec + (double)now->tv_nsec / 1e9, &after))
		return 0;
	pb_resp_error(resp, PB_ERATE, "Too many requests from this caller; slow down.");
	snprintf(retry, sizeof(retry), "%d", after);
	pb_resp_header(resp, "Retry-After", retry);
	return 1;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void account(int route, int midx, const char *method, const char *route_name,
    int status, const struct timespec *t0, const struct pb_req *req, const char *request_id)
{
	double secs = elapsed_s(t0);
	char trace[33], parent[17];
	int traced = req != NULL &&
	    pb_http_parse_traceparent(pb_req_header(req, "traceparent"), trace, parent) == 0;
	pb_metrics_observe(route, midx, status, secs);
	struct pb_access_entry e = {
		.request_id = request_id, .method = method, .route = route_name, .status = status,
		.duration_ms = secs * 1000.0,
		.sub = req && req->authenticated ? req->principal.sub : "",
		.la = req && req->authenticated ? req->principal.la : "",
		.trace_id = traced ? trace : NULL, .parent_id = traced ? parent : NULL,
	};
	pb_log_access(&e);
}

static const char *method_label(enum pb_method m, int midx)
{
	return m ? method_names[midx] : "OTHER";
}

/* The route for req, or -1 with the 404/405/501 answer in resp. */
static int route_of(const struct pb_dispatch *d, struct pb_req *req, struct pb_resp *resp)
{
	unsigned allow = 0;

	if (req->method == 0) {
		pb_resp_error(resp, PB_ENOTIMPLEMENTED, "This method is not implemented.");
		return -1;
	}
	int route = pb_router_match(d->routes, d->nroutes, req->method, req->path, req, &allow);
	if (route >= 0 && d->routes[route].service != 0 &&
	    !(d->routes[route].service & d->cfg->services))
		route = -1;   /* a switched-off service group does not exist here */
	if (route == -2) {
		char methods[96];
		pb_http_methods_string(allow, methods, sizeof(methods));
		pb_resp_error(resp, PB_EMETHOD, "This method is not allowed on this resource.");
		pb_resp_header(resp, "Allow", methods);
		return -1;
	}
	if (route < 0)
		pb_resp_error(resp, PB_ENOTFOUND, "No such resource.");
	return route;
}

/* Everything between the route and the handler; 0 when the handler may
 * run.  has_body: a body comes with the request; rate: take a rate-limit
 * token (not when only the head is vetted). */
static int admit(const struct pb_dispatch *d, const struct pb_route *r, struct pb_req *req,
    struct pb_resp *resp, const struct timespec *t0, int has_body, int rate)
{
	if ((req->method & (PB_POST | PB_PUT | PB_PATCH)) && has_body &&
	    !(r->flags & PB_ROUTE_UPLOAD) &&
	    !is_json_content_type(pb_req_header(req, "Content-Type"))) {
		pb_resp_error(resp, PB_EMEDIA, "Request bodies must be sent as application/json.");
		return -1;
	}
	if (!(r->flags & PB_ROUTE_PUBLIC) &&
	    (authenticate(d, req, resp) != 0 || (rate && rate_limited(d, req, resp, t0))))
		return -1;
	return 0;
}

/* --- serving ---------------------------------------------------------------- */

/* A family-only principal's answer is its family projection
 * (internal/json/projection.h) on every route but those that write one
 * themselves (PB_ROUTE_FAMILY_VIEW): one door, so a new route is covered. */
static void family_project(const struct pb_route *r, const struct pb_req *req,
    struct pb_resp *resp)
{
	char *text = NULL;

	if (!req->authenticated || !pb_principal_is_family_only(&req->principal) ||
	    (r->flags & PB_ROUTE_FAMILY_VIEW))
		return;
	if (resp->json != NULL) {
		pb_json_family_project(resp->json);
	} else if (resp->raw != NULL && resp->content_type != NULL &&
	    strcmp(resp->content_type, "application/json") == 0) {
		pb_json_family_project_text(resp->raw, resp->raw_len, &text);
		if (text != NULL) {
			free(resp->raw);
			resp->raw = text;
			resp->raw_len = strlen(text);
		}
	}
}

/* The request context over msg, its target parsed and its route matched:
 * 0 with *route set, or -1 with the answer in resp. */
static int prepare(const struct pb_dispatch *d, const struct pb_http_msg *msg,
    struct native *nat, struct pb_req *req, struct pb_resp *resp, struct pb_dispatch_out *out,
    int *route, int *midx)
{
	const char *why = NULL, *field = NULL;

	memset(nat, 0, sizeof(*nat));
	nat->msg = msg;
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->native = nat;
	req->cfg = d->cfg;
	req->pool = d->pool;
	take_request_id(msg, out);
	memcpy(req->request_id, out->request_id, sizeof(req->request_id));
	req->method = map_method(msg->method, midx);
	out->head = req->method == PB_HEAD;
	*route = -1;
	if (pb_http_target_parse(msg->target, &nat->target, &why, &field) != 0) {
		struct pb_problem p;
		pb_problem_init(&p);
		if (field != NULL)
			pb_problem_field(&p, field, "invalid", "%s", why);
		else
			pb_problem_set(&p, PB_EINVAL, NULL, "%s", why);
		pb_resp_problem(resp, &p);
		return -1;
	}
	req->path = nat->target.path;
	*route = route_of(d, req, resp);
	if (*route < 0)
		return -1;
	req->route = d->routes[*route].pattern;
	return 0;
}

void pb_dispatch_serve(const struct pb_dispatch *d, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out)
{
	struct timespec t0;
	struct native nat;
	struct pb_req req;
	int route, midx = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (prepare(d, msg, &nat, &req, resp, out, &route, &midx) == 0) {
		const struct pb_route *r = &d->routes[route];
		req.body = msg->body;
		req.body_len = msg->body_len;
		if (admit(d, r, &req, resp, &t0, req.body_len > 0, 1) == 0) {
			r->handler(&req, resp);
			if (resp->status == 0)
				pb_resp_error(resp, PB_EINTERNAL, "The handler produced no response.");
			family_project(r, &req, resp);
		}
	}
	if (req.db != NULL) {
		pb_db_release(d->pool, req.db);
		req.db = NULL;
	}
	account(route, midx, method_label(req.method, midx), route >= 0 ? req.route : "unmatched",
	    resp->status, &t0, &req, out->request_id);
	pb_http_target_free(&nat.target);
}

int pb_dispatch_vet_head(const struct pb_dispatch *d, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out)
{
	struct timespec t0;
	struct native nat;
	struct pb_req req;
	int route, midx = 0, refused = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	out->body_limit = PB_HTTP_MAX_BODY;
	if (prepare(d, msg, &nat, &req, resp, out, &route, &midx) == 0) {
		refused = admit(d, &d->routes[route], &req, resp, &t0, 1, 0) != 0;
		if (d->routes[route].flags & PB_ROUTE_UPLOAD)
			out->body_limit = PB_HTTP_MAX_UPLOAD;
	}
	if (refused)
		account(route, midx, method_label(req.method, midx),
		    route >= 0 ? req.route : "unmatched", resp->status, &t0, &req, out->request_id);
	pb_http_target_free(&nat.target);
	return refused;
}

static enum pb_err err_of_status(int status)
{
	switch (status) {
	case 408: return PB_ETIMEOUT;
	case 413: return PB_ETOOLARGE;
	case 417: return PB_EEXPECTATION;
	case 431: return PB_EHEADERS;
	case 501: return PB_ENOTIMPLEMENTED;
	case 503: return PB_EUNAVAILABLE;
	case 505: return PB_EVERSION;
	default: return PB_EBADREQUEST;
	}
}

void pb_dispatch_refuse(int status, const char *detail, const struct pb_http_msg *msg,
    struct pb_resp *resp, struct pb_dispatch_out *out)
{
	struct timespec t0;
	int midx = 0;
	enum pb_method m = msg != NULL ? map_method(msg->method, &midx) : 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(resp, 0, sizeof(*resp));
	take_request_id(msg, out);
	out->head = m == PB_HEAD;
	pb_resp_error(resp, err_of_status(status), detail);
	account(-1, midx, method_label(m, midx), "unparsed", resp->status, &t0, NULL,
	    out->request_id);
}

/* --- test support (testing.h) ---------------------------------------------- */

struct test_native {
	struct native nat;
	struct pb_http_msg msg;
};

int pb_req_init_for_test(struct pb_req *req, const struct pb_http_field *fields, int nfields,
    const char *query)
{
	struct test_native *t = calloc(1, sizeof(*t));
	const char *why, *field;
	char target[8200];

	memset(req, 0, sizeof(*req));
	if (t == NULL || nfields < 0 || nfields > PB_HTTP_MAX_FIELDS)
		return free(t), -1;
	for (int i = 0; i < nfields; i++)
		t->msg.fields[i] = fields[i];
	t->msg.nfields = nfields;
	t->nat.msg = &t->msg;
	req->native = &t->nat;
	snprintf(target, sizeof(target), "/%s%s", query ? "?" : "", query ? query : "");
	return pb_http_target_parse(target, &t->nat.target, &why, &field);
}

void pb_req_fini_for_test(struct pb_req *req)
{
	struct test_native *t = req->native;

	if (req->db != NULL) {
		pb_db_release(req->pool, req->db);
		req->db = NULL;
	}
	if (t != NULL) {
		pb_http_target_free(&t->nat.target);
		free(t);
	}
	req->native = NULL;
}

void pb_resp_free_for_test(struct pb_resp *resp)
{
	cJSON_Delete(resp->json);
	resp->json = NULL;
	free(resp->raw);
	resp->raw = NULL;
}
