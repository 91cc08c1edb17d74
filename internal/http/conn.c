/* SPDX-License-Identifier: MIT */
/* conn.c — the client connections of one event loop (see conn.h). */
#include "internal/http/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "internal/http/dispatch.h"
#include "internal/http/parser.h"
#include "internal/http/reply.h"
#include "internal/http/tasks.h"
#include "internal/log/log.h"

#define READ_CHUNK 16384
/* While a request is in flight, read at most one more request's worth. */
#define IN_CAP (PB_HTTP_MAX_HEADERS + PB_HTTP_MAX_BODY + READ_CHUNK)
#define LINGER_S 2
#define LINGER_MAX_BYTES (1024 * 1024)

struct conn {
	TAILQ_ENTRY(conn) link;        /* in set->all, least recently active first */
	TAILQ_ENTRY(conn) ready_link;  /* in set->ready while queued there */
	struct pb_conns *set;
	evutil_socket_t fd;
	struct event *rd, *wr, *timer;
	struct evbuffer *in, *out;
	struct pb_http_parser *parser; /* made at the first byte, kept after */
	const struct pb_http_msg *msg; /* the request in flight */
	size_t lingered;               /* bytes dropped while lingering */
	unsigned busy : 1;             /* a task is serving msg */
	unsigned reading : 1;          /* rd is added */
	unsigned writing : 1;          /* wr is added */
	unsigned closing : 1;          /* close once out is sent */
	unsigned lingering : 1;        /* write side shut, draining reads */
	unsigned gone : 1;             /* the peer closed or the socket failed */
	unsigned queued : 1;           /* on set->ready */
};

TAILQ_HEAD(conn_list, conn);

struct pb_conns {
	struct pb_conns_config cfg;
	struct conn_list all;
	struct conn_list ready;        /* to continue once the loop gets to them */
	size_t n;
	int draining;
	struct event *ready_ev;
	struct event *log_ev;
	int log_pending;
};

static void process(struct conn *c);
static void finish(struct conn *c);

/* --- timers ---------------------------------------------------------------- */

static void arm(struct conn *c, int seconds)
{
	struct timeval tv = { seconds, 0 };
	event_add(c->timer, &tv);
}

/* --- closing --------------------------------------------------------------- */

static void destroy(struct conn *c)
{
	struct pb_conns *s = c->set;

	if (c->queued)
		TAILQ_REMOVE(&s->ready, c, ready_link);
	TAILQ_REMOVE(&s->all, c, link);
	s->n--;
	event_free(c->rd);
	event_free(c->wr);
	event_free(c->timer);
	evbuffer_free(c->in);
	evbuffer_free(c->out);
	pb_http_parser_free(c->parser);
	evutil_closesocket(c->fd);
	free(c);
}

/* Close at once — or, with a task still serving it, as soon as it ends. */
static void close_now(struct conn *c)
{
	if (c->busy) {
		c->gone = 1;
		c->closing = 1;
		return;
	}
	destroy(c);
}

/* The answer is out and the connection ends: shut the write side and drop
 * what still comes for a moment, so the client reads the answer instead
 * of a reset. */
static void linger(struct conn *c)
{
	if (c->gone) {
		destroy(c);
		return;
	}
	c->lingering = 1;
	shutdown(c->fd, SHUT_WR);
	/* nothing more is parsed: a lingering connection holds no request
	 * memory (thousands of refused clients may linger at once) */
	pb_http_parser_free(c->parser);
	c->parser = NULL;
	evbuffer_drain(c->in, evbuffer_get_length(c->in));
	if (!c->reading) {
		event_add(c->rd, NULL);
		c->reading = 1;
	}
	arm(c, LINGER_S);
}

/* --- writing --------------------------------------------------------------- */

/* Write what out holds; the loop waits for the socket only for a rest.
 * Then, with nothing left, finish() decides what comes next. */
static void flush(struct conn *c)
{
	while (evbuffer_get_length(c->out) > 0) {
		int n = evbuffer_write(c->out, c->fd);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (!c->writing) {
				event_add(c->wr, NULL);
				c->writing = 1;
			}
			arm(c, c->set->cfg.timeout_s);   /* a client that does not read */
			return;
		}
		c->gone = 1;   /* EPIPE, ECONNRESET: nobody to answer */
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
	}
	if (c->writing) {
		event_del(c->wr);
		c->writing = 0;
	}
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	flush(c);
	if (!c->writing && !c->busy)
		finish(c);
}

static void flush_log_soon(struct pb_conns *s)
{
	if (!s->log_pending) {
		s->log_pending = 1;
		event_active(s->log_ev, EV_TIMEOUT, 1);
	}
}

static void send_answer(struct conn *c, const struct pb_dispatch_out *out, int minor,
    int keep_alive, struct pb_resp *resp)
{
	struct pb_http_reply_meta meta = { out->request_id, out->head, minor, keep_alive };

	if (!keep_alive)
		c->closing = 1;
	if (c->gone) {
		cJSON_Delete(resp->json);
		free(resp->raw);
		resp->json = NULL;
		resp->raw = NULL;
	} else if (pb_http_reply_render(c->out, &meta, resp) != 0) {
		c->gone = 1;
		c->closing = 1;
	} else {
		flush(c);
	}
	flush_log_soon(c->set);
}

/* --- serving ----------------------------------------------------------------- */

/* Continue c on the loop, once the loop gets to it (after a task ends). */
static void queue(struct conn *c)
{
	struct pb_conns *s = c->set;

	if (!c->queued) {
		c->queued = 1;
		TAILQ_INSERT_TAIL(&s->ready, c, ready_link);
		event_active(s->ready_ev, EV_TIMEOUT, 1);
	}
}

static void run_request(void *arg)
{
	struct conn *c = arg;
	struct pb_resp resp;
	struct pb_dispatch_out out;

	pb_dispatch_serve(c->set->cfg.dispatch, c->msg, &resp, &out);
	send_answer(c, &out, c->msg->minor, c->msg->keep_alive && !c->set->draining, &resp);
	c->msg = NULL;
	pb_http_parser_next(c->parser);
	c->busy = 0;
	queue(c);
}

static void start_request(struct conn *c, const struct pb_http_msg *msg)
{
	struct pb_conns *s = c->set;

	event_del(c->timer);
	c->busy = 1;
	c->msg = msg;
	if (TAILQ_LAST(&s->all, conn_list) != c) {   /* most recently active */
		TAILQ_REMOVE(&s->all, c, link);
		TAILQ_INSERT_TAIL(&s->all, c, link);
	}
	if (pb_tasks_spawn(s->cfg.tasks, run_request, c) != 0)
		run_request(c);   /* no fiber: serve it blocking */
}

/* Send a refusal and close (what is left of the request stays unread). */
static void send_refusal(struct conn *c, const struct pb_dispatch_out *out, struct pb_resp *resp)
{
	event_del(c->timer);
	send_answer(c, out, 1, 0, resp);
	finish(c);
}

static void refuse(struct conn *c, const struct pb_http_error *err, const struct pb_http_msg *msg)
{
	struct pb_resp resp;
	struct pb_dispatch_out out;

	pb_dispatch_refuse(err->status, err->detail, msg, &resp, &out);
	send_refusal(c, &out, &resp);
}

/* A head whose body is to come: refused now (1) when nobody may send that
 * body here — no route, a wrong media type, no valid token, more bytes
 * than the route takes — so it is never read or buffered. */
static int refuse_head(struct conn *c, const struct pb_http_msg *msg)
{
	struct pb_resp resp;
	struct pb_dispatch_out out;

	struct pb_http_error err;

	if (pb_dispatch_vet_head(c->set->cfg.dispatch, msg, &resp, &out) != 0) {
		send_refusal(c, &out, &resp);
		return 1;
	}
	if (pb_http_parser_limit_body(c->parser, out.body_limit, &err) != 0) {
		refuse(c, &err, msg);
		return 1;
	}
	return 0;
}

static void send_continue(struct conn *c)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

	evbuffer_add(c->out, cont, sizeof(cont) - 1);
	flush(c);
}

/* Parse what has arrived, as far as the next complete request. */
static void process(struct conn *c)
{
	struct pb_http_error err = { 0, NULL };
	const struct pb_http_msg *msg;

	while (!c->busy && !c->closing && evbuffer_get_length(c->in) > 0) {
		struct evbuffer_iovec v;
		size_t used = 0;
		if (c->parser == NULL &&
		    (c->parser = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_UPLOAD)) == NULL) {
			close_now(c);
			return;
		}
		if (evbuffer_peek(c->in, -1, NULL, &v, 1) < 1)
			break;
		int fresh = !pb_http_parser_started(c->parser);
		enum pb_http_event ev = pb_http_parser_feed(c->parser, v.iov_base, v.iov_len,
		    &used, &msg, &err);
		if (fresh && pb_http_parser_started(c->parser))
			arm(c, c->set->cfg.timeout_s);   /* whole within the timeout of its first byte */
		if (ev == PB_HTTP_ERROR) {
			refuse(c, &err, msg);
			return;
		}
		evbuffer_drain(c->in, used);
		if (ev == PB_HTTP_HEAD) {
			if (refuse_head(c, msg))
				return;
			if (msg->expect_continue)
				send_continue(c);
		} else if (ev == PB_HTTP_REQUEST) {
			start_request(c, msg);
			return;
		}
	}
}

/* After an answer is out (or a read with nothing in flight): close, serve
 * the next pipelined request, or wait idle. */
static void finish(struct conn *c)
{
	if (c->busy || c->writing)
		return;
	if (c->gone) {
		destroy(c);
		return;
	}
	if (c->closing) {
		if (!c->lingering)
			linger(c);
		return;
	}
	process(c);
	if (c->busy || c->closing || c->writing)
		return;
	if (!c->reading) {
		event_add(c->rd, NULL);
		c->reading = 1;
	}
	if (c->parser == NULL || !pb_http_parser_started(c->parser))
		arm(c, c->set->cfg.timeout_s);   /* idle keep-alive */
}

/* --- events ------------------------------------------------------------------- */

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	char drop[4096];

	(void)what;
	if (c->lingering) {
		ssize_t n = recv(fd, drop, sizeof(drop), 0);
		if (n > 0 && (c->lingered += (size_t)n) < LINGER_MAX_BYTES)
			return;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		destroy(c);
		return;
	}
	if (c->busy && evbuffer_get_length(c->in) >= IN_CAP) {
		event_del(c->rd);   /* resumed by finish() */
		c->reading = 0;
		return;
	}
	int n = evbuffer_read(c->in, fd, READ_CHUNK);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF: the client sends no more (it may still read the answer to
		 * a request in flight); an error: it is gone */
		event_del(c->rd);
		c->reading = 0;
		c->closing = 1;
		c->gone |= n < 0;
		if (!c->busy && !c->writing)
			destroy(c);
		return;
	}
	if (!c->busy)
		finish(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	static const struct pb_http_error late = { 408,
	    "The request was not complete within the time allowed." };

	(void)fd;
	(void)what;
	if (c->busy)
		return;
	if (c->lingering || c->writing || c->closing || c->parser == NULL ||
	    !pb_http_parser_started(c->parser)) {
		destroy(c);   /* lingered enough, a client that does not read, or idle */
		return;
	}
	refuse(c, &late, NULL);
}

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct pb_conns *s = arg;
	struct conn *c;

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&s->ready)) != NULL) {
		TAILQ_REMOVE(&s->ready, c, ready_link);
		c->queued = 0;
		finish(c);
	}
}

static void on_log_flush(evutil_socket_t fd, short what, void *arg)
{
	struct pb_conns *s = arg;

	(void)fd;
	(void)what;
	s->log_pending = 0;
	pb_log_flush();
}

/* --- the set ------------------------------------------------------------------- */

struct pb_conns *pb_conns_new(const struct pb_conns_config *cfg)
{
	struct pb_conns *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	TAILQ_INIT(&s->all);
	TAILQ_INIT(&s->ready);
	s->ready_ev = event_new(cfg->base, -1, 0, on_ready, s);
	s->log_ev = event_new(cfg->base, -1, 0, on_log_flush, s);
	if (s->ready_ev == NULL || s->log_ev == NULL) {
		pb_conns_free(s);
		return NULL;
	}
	return s;
}

/* Make room for one more: close the least recently active connection that
 * has no request in flight.  0 when there is room. */
static int make_room(struct pb_conns *s)
{
	struct conn *c;

	if (s->n < s->cfg.cap)
		return 0;
	TAILQ_FOREACH(c, &s->all, link)
		if (!c->busy) {
			destroy(c);
			atomic_fetch_add(s->cfg.shed, 1);
			return 0;
		}
	return -1;
}

void pb_conns_accept(struct pb_conns *s, evutil_socket_t fd)
{
	struct conn *c = NULL;
	int one = 1;

	if (s->draining || make_room(s) != 0 || (c = calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->set = s;
	c->fd = fd;
	c->rd = event_new(s->cfg.base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wr = event_new(s->cfg.base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	c->timer = evtimer_new(s->cfg.base, on_timer, c);
	c->in = evbuffer_new();
	c->out = evbuffer_new();
	TAILQ_INSERT_TAIL(&s->all, c, link);
	s->n++;
	if (c->rd == NULL || c->wr == NULL || c->timer == NULL || c->in == NULL ||
	    c->out == NULL || event_add(c->rd, NULL) != 0) {
		if (c->rd == NULL || c->wr == NULL || c->timer == NULL) {
			/* destroy() needs every event: free what exists by hand */
			if (c->rd) event_free(c->rd);
			if (c->wr) event_free(c->wr);
			if (c->timer) event_free(c->timer);
			if (c->in) evbuffer_free(c->in);
			if (c->out) evbuffer_free(c->out);
			TAILQ_REMOVE(&s->all, c, link);
			s->n--;
			evutil_closesocket(fd);
			free(c);
		} else {
			destroy(c);
		}
		return;
	}
	c->reading = 1;
	arm(c, s->cfg.timeout_s);   /* a connection that never speaks */
}

void pb_conns_drain(struct pb_conns *s)
{
	struct conn *c, *next;

	s->draining = 1;
	for (c = TAILQ_FIRST(&s->all); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->busy)
			continue;   /* its answer carries Connection: close */
		c->closing = 1;
		if (!c->writing && !c->lingering)
			destroy(c);
	}
}

size_t pb_conns_count(const struct pb_conns *s)
{
	return s->n;
}

void pb_conns_free(struct pb_conns *s)
{
	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->all)) {
		struct conn *c = TAILQ_FIRST(&s->all);
		c->busy = 0;   /* the loop has stopped: an abandoned task never resumes */
		destroy(c);
	}
	if (s->ready_ev)
		event_free(s->ready_ev);
	if (s->log_ev)
		event_free(s->log_ev);
	free(s);
}
