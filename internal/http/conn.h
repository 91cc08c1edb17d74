/* SPDX-License-Identifier: MIT */
/*
 * conn.h — the client connections of one event loop.
 *
 * Each accepted socket stays registered for reading with its loop for its
 * whole life (no epoll_ctl between requests).  Bytes go to the request
 * parser (parser.h) as they arrive; a complete request runs as a task
 * (tasks.h) through dispatch.h, and its answer is written at once, in one
 * writev, by the task that made it — the loop is asked to wait for the
 * socket only when the kernel takes less than all of it.  Pipelined
 * requests are served one after another, in order; while one is in flight
 * at most one more request's worth of bytes is read, then reading pauses.
 *
 * Deadlines (PB_HTTP_TIMEOUT): a request must be whole within the timeout
 * of its first byte (else 408), an idle keep-alive connection is closed
 * after the timeout, and so is one whose client does not read its answer.
 * An answer that closes the connection (an error, HTTP/1.0, Connection:
 * close, shutdown) is followed by a lingering close: the write side is
 * shut, and what the client still sends is read and dropped for a moment,
 * so the answer is not lost to a reset.
 *
 * At `cap` open connections the least recently active one that has no
 * request in flight is closed to admit a new one.  Not thread-safe: a set
 * and its connections belong to the thread running its event_base.
 */
#ifndef PB_HTTP_CONN_H
#define PB_HTTP_CONN_H

#include <stdatomic.h>
#include <stddef.h>

#include <event2/util.h>

struct event_base;
struct pb_dispatch;
struct pb_tasks;
struct pb_conns;

struct pb_conns_config {
	struct event_base *base;
	struct pb_tasks *tasks;           /* may be NULL: requests then block the loop */
	const struct pb_dispatch *dispatch;
	size_t cap;                       /* most open connections of this loop */
	int timeout_s;                    /* PB_HTTP_TIMEOUT */
	atomic_long *shed;                /* counts connections closed for new ones */
};

/* A set for one loop, or NULL on OOM.  The config is copied. */
struct pb_conns *pb_conns_new(const struct pb_conns_config *cfg);

/* Take an accepted non-blocking socket (closed here if it cannot be
 * served). */
void pb_conns_accept(struct pb_conns *s, evutil_socket_t fd);

/* Shutting down: connections with no request in flight close now (after
 * sending what they owe); the others close after their answer. */
void pb_conns_drain(struct pb_conns *s);

/* Open connections. */
size_t pb_conns_count(const struct pb_conns *s);

/* Close everything and free the set (the loop has stopped). */
void pb_conns_free(struct pb_conns *s);

#endif
