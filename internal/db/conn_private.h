/* SPDX-License-Identifier: MIT */
/*
 * conn_private.h — what the pool (pool.c) and the shared read connection
 * (pipe.c) need of a connection (conn.c).  Not for use outside internal/db.
 */
#ifndef PB_DB_CONN_PRIVATE_H
#define PB_DB_CONN_PRIVATE_H

#include <stdatomic.h>

#include "internal/db/db.h"

#define PB_DB_STMT_CACHE 256   /* prepared statements per connection */

struct pb_pipe;

struct pb_db {
	PGconn *conn;            /* NULL for a reader handle (pipe != NULL) */
	int fd;                  /* its socket while connected, else -1 */
	void *home;              /* pool shard, when lent by a pool */
	struct pb_pipe *pipe;    /* a reader handle: queries go to this pipe */
	int timeout_ms;          /* server-side statement/lock timeout */
	int in_tx;
	int broken;              /* a wait timed out: never reuse */
	int pooled;              /* behind a transaction-mode pooler (pb_db_connect) */
	char sqlstate[6];
	char error[256];
	int nstmts;
	const char *stmts[PB_DB_STMT_CACHE];   /* SQL text pointer → statement "s<i>" */
};

/* 1 when db can go back to the pool: connected, outside any transaction
 * and never timed out mid-query.  Rolls back an open transaction first. */
int pb_db_reusable(struct pb_db *db);

/* 1 when an idle db must not be lent: the server sent it something while
 * it was idle (it is closing the session), or it is not connected. */
int pb_db_dead_while_idle(struct pb_db *db);

/* The pool shard a lent connection returns to. */
void pb_db_set_home(struct pb_db *db, void *home);
void *pb_db_home(const struct pb_db *db);

/* Record res's failure in db (SQLSTATE and message) and map it to an
 * error; conn_ok is 0 when the connection it came on is lost or broken.
 * res may be NULL (no result at all: unavailable). */
enum pb_err pb_db_classify(struct pb_db *db, PGresult *res, int conn_ok);

/* Copy msg's first line into db's error message. */
void pb_db_set_error(struct pb_db *db, const char *msg);

/* Wait until c's socket is ready for `events` (internal/core/wait.h) or
 * the deadline (pb_wait_now_ms clock) passes: 1 ready, 0 timed out, -1
 * no socket. */
int pb_db_wait_socket(PGconn *c, int events, long long deadline);

/* The deadline of a wait for a reply on db: twice its statement timeout
 * plus a second from now. */
long long pb_db_reply_deadline(const struct pb_db *db);

/* Index of sql among db's prepared statements, -1 when not prepared. */
int pb_db_stmt_find(const struct pb_db *db, const char *sql);

/* Take the next statement slot of db for sql (the caller prepares it as
 * "s<index>"); -1 when the cache is full. */
int pb_db_stmt_add(struct pb_db *db, const char *sql);

/* --- the shared read connection (pipe.c) ----------------------------------
 * One per pool shard: a connection in libpq pipeline mode on which the
 * one-statement reads of many tasks of one loop thread travel together.
 * Each read is sent with its own Sync, so an error ends only that read;
 * results come back in order and go to the task that sent each.  The
 * task waiting for the oldest read is the reader: it flushes, waits for
 * the socket and hands out every result that arrived, then passes the
 * role on.  Only tasks of a loop thread use it (pb_wait_self() != NULL). */

/* A pipe that opens its connection at the first pb_pipe_open(); `open`
 * counts its connection while open (for /metrics). Never NULL. */
struct pb_pipe *pb_pipe_new(atomic_int *open);
void pb_pipe_free(struct pb_pipe *p);   /* nothing may be in flight */

/* 1 when reads can be sent on p now, opening (or reopening after a loss)
 * its connection first if needed — this waits, this task only; 0 when
 * it cannot be opened or another task is opening it (use the pool). */
int pb_pipe_ready(struct pb_pipe *p, const char *url, int timeout_ms);

/* pb_db_query for a reader handle (db->pipe != NULL): same contract. */
enum pb_err pb_pipe_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res);

/* --- the read replica (replica.c) -----------------------------------------
 * Whether reads that tolerate staleness may go to the replica now, from
 * this loop thread's latest measurement of its replay lag. */
struct pb_db_replica;

/* Takes ownership of pool (the replica's connections). */
struct pb_db_replica *pb_db_replica_new(struct pb_db_pool *pool, int max_lag_ms);
void pb_db_replica_free(struct pb_db_replica *r);   /* and its pool */

/* The replica's pool when its lag is known to be within the bound, else
 * NULL; starts a background probe when the measurement is due. */
struct pb_db_pool *pb_db_replica_pick(struct pb_db_replica *r);

/* A connection to the replica could not be had: primary until the next probe. */
void pb_db_replica_failed(struct pb_db_replica *r);

/* Count a stale read served by the replica (on_replica) or the primary. */
void pb_db_replica_served(struct pb_db_replica *r, int on_replica);

/* Fill out's replica members. */
void pb_db_replica_stats(struct pb_db_replica *r, struct pb_db_stats *out);

#endif
