/* SPDX-License-Identifier: MIT */
/*
 * server.c — per-thread evhttp loops, limits, routing, authentication and
 * the one place where a response is sent.
 *
 * Each of cfg->threads threads owns an event_base, an evhttp and a
 * listener on the shared port (SO_REUSEPORT): nothing of libevent crosses
 * threads.  Each request runs as a task (tasks.h): a fiber on its loop
 * thread, suspended while it waits for PostgreSQL through the loop's own
 * shard of the connection pool, so one loop keeps many queries in flight.
 * On shutdown a loop stops accepting, lets its running requests finish
 * (at most twice the database timeout), then exits.
 *
 * Every request is answered exactly once, by finish(): evhttp's own
 * limits answer with HTML only above PB_HTTP_HARD_MAX_BODY and for
 * malformed HTTP; every limit of the contract is enforced here and answered
 * with problem+json.
 */
#include "internal/http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netdb.h>

#include "internal/core/uuid.h"
#include "internal/http/ratelimit.h"
#include "internal/http/tasks.h"
#include "internal/http/testing.h"
#include "internal/db/db.h"
#include "internal/log/log.h"
#include "internal/metrics/metrics.h"

struct server;

struct worker {
	pthread_t thread;
	int index;
	struct server *srv;
	struct pb_tasks *tasks;     /* requests in flight on this loop */
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *stop_ev;
	int stopping;
	struct event *resume_ev;    /* re-enables the listener after EMFILE */
	size_t nopen;               /* open client connections of this loop */
	size_t open_cap;            /* at most this many: the LRU one is shed */
	TAILQ_HEAD(conn_list_, conn) open; /* least recently active first */
	size_t map_cap;             /* slots in map */
	struct conn **map;          /* bufferevent -> conn, open addressing */
	struct event *sweep_ev;     /* drops connections evhttp released */
	struct event *log_ev;       /* writes this pass's access-log lines */
	int log_pending;
};

struct server {
	const struct pb_config *cfg;
	struct pb_db_pool *pool;
	const struct pb_route *routes;
	size_t nroutes;
	int nworkers;
	struct worker *workers;
	atomic_long shed;           /* connections closed to admit new ones */
	int max_open;               /* PB_MAX_CONNECTIONS, within RLIMIT_NOFILE */
	struct pb_ratelimit *limiter;
	struct event_base *main_base; /* owns the signals; runs until a stop */
};

/* Server-private part of a request (pb_req.native). */
struct native {
	struct evhttp_request *ev;
	struct evkeyvalq query;
	int query_ok;
};

#define TOMBSTONE ((struct conn *)1)

/* --- connection tracking (for the connection cap) ---------------------- */

/*
 * Every accepted connection is counted from accept to close, whether or not
 * it ever sends a request.  evhttp builds each connection's bufferevent
 * through on_new_bev (evhttp_set_bevcb); we keep one extra reference to it
 * (bufferevent_incref), so when evhttp frees the connection the socket
 * stays ours until sweep() sees it released (its callbacks cleared) and
 * drops the last reference, which closes it.  Connections sit in an LRU
 * list: accept order, moved to the back on each request.  At the cap
 * (PB_MAX_CONNECTIONS shared evenly by the loops, within RLIMIT_NOFILE) the
 * front one — a flood socket, a slowloris, a long-idle keep-alive — is
 * closed exactly as a read timeout would close it, so a new client is
 * always admitted and descriptors stay bounded.
 *
 * (A pass-through bufferevent filter would see every byte, but evhttp 2.1
 * enables EV_WRITE only after queueing a reply and the 2.1 filter does not
 * flush on enable: replies stall.  Hence references, not a filter.)
 */
struct conn {
	TAILQ_ENTRY(conn) link;
	struct bufferevent *bev;
};

#define SWEEP_MS 200

static size_t slot_of(struct worker *w, const void *p)
{
	return ((uintptr_t)p >> 4) % w->map_cap;
}

static struct conn **map_find(struct worker *w, const struct bufferevent *bev)
{
	for (size_t i = 0, s = slot_of(w, bev); i < w->map_cap; i++, s = (s + 1) % w->map_cap) {
		if (w->map[s] == NULL)
			return NULL;
		if (w->map[s] != TOMBSTONE && w->map[s]->bev == bev)
			return &w->map[s];
	}
	return NULL;
}

static int map_add(struct worker *w, struct conn *c)
{
	for (size_t i = 0, s = slot_of(w, c->bev); i < w->map_cap; i++, s = (s + 1) % w->map_cap)
		if (w->map[s] == NULL || w->map[s] == TOMBSTONE) {
			w->map[s] = c;
			return 0;
		}
	return -1;
}

/* evhttp released it (bufferevent_free clears the callbacks)? */
static int released(struct bufferevent *bev)
{
	bufferevent_data_cb r = NULL, wr = NULL;
	bufferevent_event_cb e = NULL;

	bufferevent_getcb(bev, &r, &wr, &e, NULL);
	return r == NULL && wr == NULL && e == NULL;
}

static void conn_drop(struct worker *w, struct conn *c)
{
	struct conn **slot = map_find(w, c->bev);

	if (slot != NULL)
		*slot = TOMBSTONE;
	TAILQ_REMOVE(&w->open, c, link);
	w->nopen--;
	bufferevent_decref(c->bev);   /* the last reference: closes the socket */
	free(c);
}

static void sweep(struct worker *w)
{
	struct conn *c, *next;

	for (c = TAILQ_FIRST(&w->open); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (released(c->bev))
			conn_drop(w, c);
	}
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sweep(arg);
}

/* A request arrived on the connection: it is active, to the back. */
static void conn_touch(struct worker *w, struct evhttp_request *ev)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(ev);
	struct conn **slot = evcon ? map_find(w, evhttp_connection_get_bufferevent(evcon)) : NULL;

	if (slot != NULL && TAILQ_LAST(&w->open, conn_list_) != *slot) {
		TAILQ_REMOVE(&w->open, *slot, link);
		TAILQ_INSERT_TAIL(&w->open, *slot, link);
	}
}

static struct bufferevent *on_new_bev(struct event_base *base, void *arg)
{
	struct worker *w = arg;
	struct conn *c;

	if (w->nopen >= w->open_cap)
		sweep(w);
	/* shed the least recently active connections down to the cap */
	while (w->nopen >= w->open_cap && (c = TAILQ_FIRST(&w->open)) != NULL) {
		if (!released(c->bev))
			/* evhttp's read-timeout path: drops the connection */
			bufferevent_trigger_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
		conn_drop(w, c);
		atomic_fetch_add(&w->srv->shed, 1);
	}
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return bev;          /* untracked, or evhttp makes its own */
	c->bev = bev;
	if (map_add(w, c) != 0) {
		free(c);
		return bev;
	}
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&w->open, c, link);
	w->nopen++;
	return bev;
}

/* The worker whose loop runs on this thread (set in worker_main). */
static _Thread_local struct worker *this_worker;

/* accept(2) failed (EMFILE, ENFILE, ENOBUFS): pause instead of spinning.
 * The listener's user data is evhttp's (evhttp_bind_listener set it), not
 * ours: the worker is the one running this thread. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct worker *w = this_worker;
	struct timeval pause = { 0, 100 * 1000 };

	(void)arg;
	if (w == NULL || w->listener != l || w->stopping)
		return;
	evconnlistener_disable(w->listener);
	event_add(w->resume_ev, &pause);
	pb_log(PB_LOG_WARN, "accept failed (%m): listener paused for 100 ms");
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	sweep(w);
	if (!w->stopping)
		evconnlistener_enable(w->listener);
}

/* --- request accessors --------------------------------------------------- */

const char *pb_req_header(const struct pb_req *req, const char *name)
{
	const struct native *n = req->native;
	return evhttp_find_header(evhttp_request_get_input_headers(n->ev), name);
}

const char *pb_req_query(const struct pb_req *req, const char *name)
{
	struct native *n = req->native;
	return n->query_ok ? evhttp_find_header(&n->query, name) : NULL;
}

enum pb_err pb_req_db(struct pb_req *req, struct pb_db **out)
{
	if (req->db == NULL) {
		enum pb_err err = pb_db_acquire(req->pool, &req->db);
		if (err)
			return err;
	}
	*out = req->db;
	return PB_OK;
}

/* --- helpers ------------------------------------------------------------ */

static enum pb_method map_method(enum evhttp_cmd_type t, int *index)
{
	switch (t) {
	case EVHTTP_REQ_GET: *index = 0; return PB_GET;
	case EVHTTP_REQ_POST: *index = 1; return PB_POST;
	case EVHTTP_REQ_PUT: *index = 2; return PB_PUT;
	case EVHTTP_REQ_PATCH: *index = 3; return PB_PATCH;
	case EVHTTP_REQ_DELETE: *index = 4; return PB_DELETE;
	case EVHTTP_REQ_HEAD: *index = 5; return PB_HEAD;
	case EVHTTP_REQ_OPTIONS: *index = 6; return PB_OPTIONS;
	default: *index = 0; return 0;
	}
}

static const char *method_name(int index)
{
	static const char *const n[] = { "GET", "POST", "PUT", "PATCH", "DELETE",
	    "HEAD", "OPTIONS" };
	return index >= 0 && index < 7 ? n[index] : "OTHER";
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

static void free_cjson_text(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	cJSON_free((void *)data);
}

static void free_raw(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* Send resp on ev, exactly once; frees the body. */
static void send_response(struct pb_req *req, struct pb_resp *resp)
{
	struct native *n = req->native;
	struct evkeyvalq *h = evhttp_request_get_output_headers(n->ev);
	struct evbuffer *out = evhttp_request_get_output_buffer(n->ev);

	evhttp_add_header(h, "X-Request-Id", req->request_id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	int cache_set = 0;
	for (int i = 0; i < resp->nheaders; i++) {
		evhttp_add_header(h, resp->headers[i].name, resp->headers[i].value);
		cache_set |= strcasecmp(resp->headers[i].name, "Cache-Control") == 0;
	}
	/* personal data is never cached, unless a handler says otherwise
	 * (the static assets of /docs) */
	if (!cache_set)
		evhttp_add_header(h, "Cache-Control", "no-store");
	if (resp->json != NULL) {
		char *text = cJSON_PrintUnformatted(resp->json);
		cJSON_Delete(resp->json);
		resp->json = NULL;
		if (text == NULL) {
			resp->status = 500;
			evbuffer_add_printf(out, "{\"code\":\"INTERNAL\",\"status\":500}");
		} else {
			evbuffer_add_reference(out, text, strlen(text), free_cjson_text, NULL);
		}
	} else if (resp->raw != NULL) {
		evbuffer_add_reference(out, resp->raw, resp->raw_len, free_raw, NULL);
		resp->raw = NULL;
	}
	if (resp->status != 304 && resp->status != 204)
		evhttp_add_header(h, "Content-Type",
		    resp->content_type ? resp->content_type : "application/json");
	if (req->method == PB_HEAD) {
		/* evhttp 2.1 would send the body of a HEAD reply: keep only its
		 * length, as GET would have said it. */
		char len[32];
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(out));
		evbuffer_drain(out, evbuffer_get_length(out));
		evhttp_add_header(h, "Content-Length", len);
	}
	evhttp_send_reply(n->ev, resp->status, NULL, NULL);
}

static void problem(struct pb_resp *resp, enum pb_err err, const char *detail)
{
	pb_resp_error(resp, err, detail);
}

/* Authenticate a /v1 request: 0 when req->principal is set. */
static int authenticate(struct server *srv, struct pb_req *req, struct pb_resp *resp)
{
	const char *h = pb_req_header(req, "Authorization");
	const char *why = "no bearer token";

	if (h != NULL && strncasecmp(h, "Bearer ", 7) == 0) {
		const char *tok = h + 7;
		while (*tok == ' ')
			tok++;
		if (pb_auth_verify_cached(srv->cfg, tok, strlen(tok), (int64_t)time(NULL),
		    &req->principal, &why) == PB_OK) {
			req->authenticated = 1;
			return 0;
		}
	}
	problem(resp, PB_EUNAUTH, "A valid bearer token is required.");
	pb_resp_header(resp, "WWW-Authenticate", h == NULL ? "Bearer"
	    : "Bearer error=\"invalid_token\"");
	pb_log(PB_LOG_DEBUG, "authentication failed: %s", why);
	return -1;
}

/* Per-caller (la/sub) token bucket; 1 when the request was refused. */
static int rate_limited(struct server *srv, struct pb_req *req, struct pb_resp *resp,
    const struct timespec *now)
{
	char key[160], retry[16];
	int after = 1;

	snprintf(key, sizeof(key), "%s/%s", req->principal.la, req->principal.sub);
	if (pb_ratelimit_take(srv->limiter, key,
	    (double)now->tv_sec + (double)now->tv_nsec / 1e9, &after))
		return 0;
	problem(resp, PB_ERATE, "Too many requests from this caller; slow down.");
	snprintf(retry, sizeof(retry), "%d", after);
	pb_resp_header(resp, "Retry-After", retry);
	return 1;
}

/* Copy the body into a NUL-terminated buffer; 0 on success. */
static int read_body(struct evhttp_request *ev, struct pb_req *req,
    struct pb_resp *resp, char **owned)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(ev);
	size_t n = evbuffer_get_length(in);

	*owned = NULL;
	if (n > PB_HTTP_MAX_BODY) {
		problem(resp, PB_ETOOLARGE, "The request body is larger than 65536 bytes.");
		return -1;
	}
	char *b = malloc(n + 1);
	if (b == NULL) {
		problem(resp, PB_EUNAVAILABLE, "Out of memory.");
		return -1;
	}
	if (n > 0)
		evbuffer_copyout(in, b, n);
	b[n] = '\0';
	req->body = b;
	req->body_len = n;
	*owned = b;
	return 0;
}

/* %00 would decode to a NUL that silently cuts a value short: refuse it,
 * naming the parameter.  Returns 1 when it answered. */
static int refuse_encoded_nul(const char *q, struct pb_resp *resp)
{
	const char *hit = strcasestr(q, "%00");
	struct pb_problem p;
	char field[64];

	if (hit == NULL)
		return 0;
	const char *start = hit;
	while (start > q && start[-1] != '&')
		start--;
	size_t n = strcspn(start, "=&");
	if (n >= sizeof(field))
		n = sizeof(field) - 1;
	memcpy(field, start, n);
	field[n] = '\0';
	pb_problem_init(&p);
	pb_problem_field(&p, field, "invalid", "An encoded NUL (%%00) is not allowed in a query parameter.");
	pb_resp_problem(resp, &p);
	return 1;
}

static double elapsed_s(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* --- the request callback ------------------------------------------------ */

struct request_start {
	struct worker *w;
	struct evhttp_request *ev;
};

static void serve_request(void *arg)
{
	const struct request_start *start = arg;
	struct worker *w = start->w;
	struct evhttp_request *ev = start->ev;
	struct server *srv = w->srv;
	struct timespec t0;
	struct native nat = { .ev = ev };
	struct pb_req req;
	struct pb_resp resp;
	char *body = NULL;
	int route = -1, midx = 0;
	const char *route_name = "unmatched";

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.native = &nat;
	req.cfg = srv->cfg;
	req.pool = srv->pool;
	conn_touch(w, ev);

	const char *rid = pb_req_header(&req, "X-Request-Id");
	if (rid != NULL && valid_request_id(rid))
		memcpy(req.request_id, rid, strlen(rid) + 1);
	else
		pb_uuid_new(req.request_id);

	req.method = map_method(evhttp_request_get_command(ev), &midx);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || path[0] != '/') {
		problem(&resp, PB_EINVAL, "The request target must be an absolute path.");
		goto done;
	}
	req.path = path;
	const char *q = evhttp_uri_get_query(uri);
	if (q != NULL) {
		if (refuse_encoded_nul(q, &resp))
			goto done;
		if (evhttp_parse_query_str(q, &nat.query) != 0) {
			problem(&resp, PB_EINVAL, "The query string is malformed.");
			goto done;
		}
	} else {
		TAILQ_INIT(&nat.query);
	}
	nat.query_ok = 1;

	unsigned allow = 0;
	route = pb_router_match(srv->routes, srv->nroutes, req.method, path, &req, &allow);
	if (route >= 0 && srv->routes[route].service != 0 &&
	    !(srv->routes[route].service & srv->cfg->services))
		route = -1;   /* a switched-off service group does not exist here */
	if (route == -2) {
		char methods[96];
		pb_http_methods_string(allow, methods, sizeof(methods));
		problem(&resp, PB_EMETHOD, "This method is not allowed on this resource.");
		pb_resp_header(&resp, "Allow", methods);
		route = -1;
		goto done;
	}
	if (route < 0) {
		problem(&resp, PB_ENOTFOUND, "No such resource.");
		goto done;
	}
	const struct pb_route *r = &srv->routes[route];
	route_name = r->pattern;
	req.route = r->pattern;

	if (read_body(ev, &req, &resp, &body) != 0)
		goto done;
	if ((req.method & (PB_POST | PB_PUT | PB_PATCH)) && req.body_len > 0 &&
	    !is_json_content_type(pb_req_header(&req, "Content-Type"))) {
		problem(&resp, PB_EMEDIA, "Request bodies must be sent as application/json.");
		goto done;
	}
	if (!(r->flags & PB_ROUTE_PUBLIC) &&
	    (authenticate(srv, &req, &resp) != 0 || rate_limited(srv, &req, &resp, &t0)))
		goto done;

	r->handler(&req, &resp);
	if (resp.status == 0)
		problem(&resp, PB_EINTERNAL, "The handler produced no response.");
done:
	if (req.db != NULL) {
		pb_db_release(srv->pool, req.db);
		req.db = NULL;
	}
	if (nat.query_ok)
		evhttp_clear_headers(&nat.query);
	free(body);
	int status = resp.status;
	send_response(&req, &resp);
	double secs = elapsed_s(&t0);
	pb_metrics_observe(route, midx, status, secs);
	struct pb_access_entry e = {
		.request_id = req.request_id, .method = method_name(midx),
		.route = route_name, .status = status, .duration_ms = secs * 1000.0,
		.sub = req.authenticated ? req.principal.sub : "",
	};
	pb_log_access(&e);
	/* the lines of this loop pass go out together, at its end */
	if (!w->log_pending) {
		w->log_pending = 1;
		event_active(w->log_ev, EV_TIMEOUT, 1);
	}
}

static void on_log_flush(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	w->log_pending = 0;
	pb_log_flush();
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	struct request_start start = { .w = arg, .ev = ev };

	if (pb_tasks_spawn(start.w->tasks, serve_request, &start) != 0)
		serve_request(&start);   /* no fiber: serve it blocking */
}

/* --- threads, start-up and shutdown -------------------------------------- */

static void exit_soon(void *arg)
{
	struct worker *w = arg;
	struct timeval grace = { 0, 200 * 1000 };

	event_base_loopexit(w->base, &grace);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int ms = 2 * w->srv->cfg->db_timeout_ms + 1000;
	struct timeval limit = { ms / 1000, (ms % 1000) * 1000 };

	(void)fd;
	(void)what;
	w->stopping = 1;
	evconnlistener_disable(w->listener);
	if (pb_tasks_running(w->tasks) == 0) {
		exit_soon(w);
		return;
	}
	/* drain: exit when the last request finishes, or at the limit */
	pb_tasks_on_idle(w->tasks, exit_soon, w);
	event_base_loopexit(w->base, &limit);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	this_worker = w;
	w->tasks = pb_tasks_new(w->base);
	pb_db_pool_bind(w->srv->pool, w->index);
	pb_log_hold(1);
	if (w->tasks == NULL)
		pb_log(PB_LOG_WARN, "no task set: requests on this loop block it");
	event_base_dispatch(w->base);
	pb_log_hold(0);
	pb_tasks_free(w->tasks);
	w->tasks = NULL;
	return NULL;
}

static struct evconnlistener *bind_listener(struct event_base *base,
    const struct pb_config *cfg)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	if (getaddrinfo(cfg->listen_host, port, &hints, &ai) != 0 || ai == NULL)
		return NULL;
	struct evconnlistener *l = evconnlistener_new_bind(base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, 1024, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	return l;
}

static int worker_init(struct worker *w, struct server *srv)
{
	const struct pb_config *cfg = srv->cfg;
	struct timeval tv = { cfg->http_timeout_s, 0 };

	w->srv = srv;
	w->index = (int)(w - srv->workers);
	/* (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST saves one epoll_ctl per
	 * request but loses a socket whose descriptor number is closed and
	 * reused within one loop pass — exactly what shedding under a flood
	 * does: the fault test fault_slow_clients caught it.) */
	w->base = event_base_new();
	if (w->base == NULL)
		return -1;
	w->http = evhttp_new(w->base);
	w->listener = bind_listener(w->base, cfg);
	if (w->http == NULL || w->listener == NULL)
		return -1;
	evhttp_bind_listener(w->http, w->listener);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_max_body_size(w->http, PB_HTTP_HARD_MAX_BODY);
	evhttp_set_max_headers_size(w->http, PB_HTTP_MAX_HEADERS);
	evhttp_set_timeout_tv(w->http, &tv);
	evhttp_set_default_content_type(w->http, "application/json");
	evhttp_set_gencb(w->http, on_request, w);
	TAILQ_INIT(&w->open);
	w->open_cap = ((size_t)srv->max_open + (size_t)srv->nworkers - 1) / (size_t)srv->nworkers;
	w->map_cap = w->open_cap * 2 + 16;
	w->map = calloc(w->map_cap, sizeof(*w->map));
	evhttp_set_bevcb(w->http, on_new_bev, w);
	evconnlistener_set_error_cb(w->listener, on_accept_error);
	w->resume_ev = evtimer_new(w->base, on_resume, w);
	w->sweep_ev = event_new(w->base, -1, EV_PERSIST, on_sweep, w);
	struct timeval every = { 0, SWEEP_MS * 1000 };
	if (w->sweep_ev)
		event_add(w->sweep_ev, &every);
	w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
	w->log_ev = event_new(w->base, -1, 0, on_log_flush, w);
	return w->map && w->resume_ev && w->sweep_ev && w->stop_ev && w->log_ev ? 0 : -1;
}

static void worker_free(struct worker *w)
{
	if (w->stop_ev)
		event_free(w->stop_ev);
	if (w->resume_ev)
		event_free(w->resume_ev);
	if (w->sweep_ev)
		event_free(w->sweep_ev);
	if (w->log_ev)
		event_free(w->log_ev);
	if (w->http)
		evhttp_free(w->http);   /* frees the bound listener too */
	else if (w->listener)
		evconnlistener_free(w->listener);
	/* evhttp_free released every connection: drop our references */
	while (w->map && !TAILQ_EMPTY(&w->open))
		conn_drop(w, TAILQ_FIRST(&w->open));
	free(w->map);
	if (w->base)
		event_base_free(w->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;

	(void)what;
	pb_log(PB_LOG_INFO, "signal %d: shutting down", (int)sig);
	for (int i = 0; i < srv->nworkers; i++)
		event_active(srv->workers[i].stop_ev, EV_TIMEOUT, 0);
	if (srv->main_base != NULL)
		event_base_loopbreak(srv->main_base);
}

/* SIGHUP asks a daemon to reopen its log after rotation, or tells it the
 * terminal went away: neither is a reason to stop.  The log is stderr,
 * opened by whoever started pbd (and, when redirected to a file, written
 * with O_APPEND semantics by the shell or supervisor), so it is kept. */
static void on_hangup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	pb_log(PB_LOG_INFO, "SIGHUP: still serving; the log stays on stderr");
}

/* Process-wide dispositions before any thread starts, so no thread ever
 * sees a default action: SIGPIPE (a client went away mid-write), SIGUSR1
 * and SIGUSR2 (sent by tools and sidecars) are ignored; SIGHUP is ignored
 * until its handler is added on the main loop. */
static void ignore_stray_signals(void)
{
	static const int ignored[] = { SIGPIPE, SIGUSR1, SIGUSR2, SIGHUP };

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
}

/* How many client connections fit: PB_MAX_CONNECTIONS, after raising the
 * soft descriptor limit to the hard one, less a reserve for the pool, the
 * listeners and the process's own files. */
static int open_budget(const struct pb_config *cfg)
{
	struct rlimit rl;
	long reserve = 64 + (long)cfg->db_pool + 4L * cfg->threads;
	long budget = cfg->max_connections;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur - reserve < budget) {
			budget = (long)rl.rlim_cur - reserve;
			if (budget < cfg->threads)
				budget = cfg->threads;
			pb_log(PB_LOG_WARN, "PB_MAX_CONNECTIONS lowered to %ld to fit the descriptor "
			    "limit (RLIMIT_NOFILE %ld)", budget, (long)rl.rlim_cur);
		}
	}
	return (int)budget;
}

int pb_http_serve(const struct pb_config *cfg, struct pb_db_pool *pool,
    const struct pb_route *routes, size_t nroutes)
{
	struct server srv = { .cfg = cfg, .pool = pool, .routes = routes,
	    .nroutes = nroutes, .nworkers = cfg->threads };
	int rc = -1, started = 0;

	ignore_stray_signals();
	evthread_use_pthreads();
	srv.max_open = open_budget(cfg);
	srv.workers = calloc((size_t)srv.nworkers, sizeof(*srv.workers));
	srv.limiter = pb_ratelimit_new(cfg->rate_limit_rps, cfg->rate_limit_burst, 65536);
	struct event_base *main_base = event_base_new();
	if (srv.workers == NULL || main_base == NULL)
		goto out;
	for (int i = 0; i < srv.nworkers; i++)
		if (worker_init(&srv.workers[i], &srv) != 0) {
			pb_log(PB_LOG_ERROR, "cannot listen on %s:%d: %m", cfg->listen_host,
			    cfg->listen_port);
			goto out;
		}
	srv.main_base = main_base;
	struct event *sigint = evsignal_new(main_base, SIGINT, on_signal, &srv);
	struct event *sigterm = evsignal_new(main_base, SIGTERM, on_signal, &srv);
	struct event *sighup = evsignal_new(main_base, SIGHUP, on_hangup, &srv);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sighup, NULL);
	for (int i = 0; i < srv.nworkers; i++) {
		if (pthread_create(&srv.workers[i].thread, NULL, worker_main, &srv.workers[i]) != 0)
			break;
		started++;
	}
	pb_log(PB_LOG_INFO, "listening on %s:%d with %d threads", cfg->listen_host,
	    cfg->listen_port, started);
	if (started == srv.nworkers) {
		/* Returns when SIGTERM or SIGINT has told each worker to drain. */
		event_base_dispatch(main_base);
		rc = 0;
	} else {
		on_signal(SIGTERM, 0, &srv);
	}
	for (int i = 0; i < started; i++)
		pthread_join(srv.workers[i].thread, NULL);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	pb_log(PB_LOG_INFO, "stopped");
out:
	for (int i = 0; srv.workers && i < srv.nworkers; i++)
		worker_free(&srv.workers[i]);
	free(srv.workers);
	pb_ratelimit_free(srv.limiter);
	if (main_base)
		event_base_free(main_base);
	return rc;
}

/* --- test support (internal/http/testing.h) ------------------------------ */

int pb_req_init_for_test(struct pb_req *req, struct evhttp_request *ev,
    const char *query)
{
	struct native *n = calloc(1, sizeof(*n));

	memset(req, 0, sizeof(*req));
	if (n == NULL)
		return -1;
	n->ev = ev;
	TAILQ_INIT(&n->query);
	req->native = n;
	if (query != NULL && evhttp_parse_query_str(query, &n->query) != 0)
		return -1;
	n->query_ok = 1;
	return 0;
}

void pb_req_fini_for_test(struct pb_req *req)
{
	struct native *n = req->native;

	if (req->db != NULL) {
		pb_db_release(req->pool, req->db);
		req->db = NULL;
	}
	if (n != NULL) {
		evhttp_clear_headers(&n->query);
		free(n);
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
