/* SPDX-License-Identifier: MIT */
/*
 * db.h — PostgreSQL connection pool, parameterised queries, transactions.
 *
 * A pool holds up to `size` libpq connections, opened lazily, each with a
 * statement_timeout and lock_timeout of the pool timeout.  It is split in
 * `nshards` shards, one per event-loop thread (pb_db_pool_bind); a thread
 * only ever uses its own shard, so a connection never crosses threads.
 * Besides its `size` connections each shard keeps one shared read
 * connection in pipeline mode (pb_db_acquire_reader).
 * pb_db_acquire() waits at most the pool's timeout for a free connection,
 * then answers PB_EUNAVAILABLE; a connection that broke (or was left
 * inside a transaction) is closed on release and reopened by a later
 * acquire, so the pool heals by itself after the database restarts.
 *
 * Every wait (connect, query, a free connection) goes through
 * internal/core/wait.h: on a loop thread it suspends only the calling
 * fiber; elsewhere it blocks the thread.  All SQL goes through
 * pb_db_query() with $n parameters (text format); nothing here
 * concatenates input into SQL.  One struct pb_db is used by one task at a
 * time.
 */
#ifndef PB_DB_DB_H
#define PB_DB_DB_H

#include <stddef.h>

#include <libpq-fe.h>

#include "internal/core/err.h"

struct pb_db_pool;
struct pb_db;

/* Create a pool of `size` connections in `nshards` shards (each at least
 * one connection); none is opened yet.  Never NULL (aborts on OOM).  `url`
 * is copied.  pooled: the server is reached through a transaction-mode
 * pooler (PgBouncer): see pb_db_connect; no shared pipelined reader. */
struct pb_db_pool *pb_db_pool_new(const char *url, int size, int timeout_ms,
    int nshards, int pooled);

/* Make the calling thread use shard `shard` of pool (threads that never
 * bind use shard 0). */
void pb_db_pool_bind(struct pb_db_pool *pool, int shard);

/* Close every connection and free the pool.  No connection may be out. */
void pb_db_pool_free(struct pb_db_pool *pool);

/* Take a connection (opening it if needed).  PB_EUNAVAILABLE when none
 * frees up within the timeout or the database cannot be reached. */
enum pb_err pb_db_acquire(struct pb_db_pool *pool, struct pb_db **out);

/* Take a reader handle: pb_db_query on it runs one statement outside any
 * transaction on the shard's shared read connection, in libpq pipeline
 * mode together with the reads of the thread's other tasks (one send and
 * one receive for many requests under load).  For reads only: a read may
 * be answered from a newer snapshot than an earlier read of the same
 * handle, and pb_db_begin on it fails.  Off a loop thread, or while the
 * shared connection cannot be opened, this is pb_db_acquire.  Release it
 * with pb_db_release. */
enum pb_err pb_db_acquire_reader(struct pb_db_pool *pool, struct pb_db **out);

/* Send reads that tolerate staleness (pb_db_acquire_stale) to the
 * streaming replica at url (copied) while its replay lag is at most
 * max_lag_ms; its pool has the primary pool's size, timeout, shards and
 * pooler mode.  Call once, before serving. */
void pb_db_pool_set_replica(struct pb_db_pool *pool, const char *url, int max_lag_ms);

/* For a read that accepts data up to the pool's max lag old: a connection
 * to the replica (reader != 0: a reader handle, as pb_db_acquire_reader)
 * while its replay lag — measured by each loop thread in the background
 * every max_lag/4 (50 ms to 1 s) — plus the measurement's age is within
 * the bound; otherwise, or when the replica cannot be reached, or none is
 * configured, pb_db_acquire / pb_db_acquire_reader on the primary.  A
 * replica session is read-only: use it for reads only.  Give it back with
 * pb_db_release(pool, db). */
enum pb_err pb_db_acquire_stale(struct pb_db_pool *pool, int reader, struct pb_db **out);

/* Give a connection back.  Rolls back an open transaction; closes a broken
 * connection.  NULL is ignored. */
void pb_db_release(struct pb_db_pool *pool, struct pb_db *db);

/* Statements run on this process's connections (pb_db_query, pooled or
 * standalone; the pipelined reads count as their batches), failures by
 * kind, and their time. */
struct pb_db_query_stats {
	unsigned long long queries, unavailable, conflicts, errors;
	double seconds;
};
void pb_db_query_stats(struct pb_db_query_stats *out);

struct pb_db_stats {
	int size, open, in_use, waiting;
	unsigned long long waits;    /* acquisitions that waited for a connection */
	double wait_seconds;         /* and the time they waited */
	struct pb_db_query_stats queries;
	int replica;                 /* a read replica is configured; then: */
	long long replica_lag_ms;    /* its replay lag as last measured; -1 unknown */
	int replica_open;            /* connections open to it */
	unsigned long long stale_reads_replica, stale_reads_primary;
};
void pb_db_pool_stats(struct pb_db_pool *pool, struct pb_db_stats *out);

/* Run one statement with text parameters (NULL = SQL NULL).  `sql` must
 * have static storage (a string literal): each connection prepares it once
 * and finds it again by address.  On PB_OK *res
 * (when res != NULL) is a result the caller PQclear()s; otherwise nothing
 * is returned.  Errors: PB_EUNAVAILABLE for a lost connection or a
 * statement timeout; PB_ECONFLICT for a unique or exclusion violation; PB_EDB for any
 * other failure (the SQLSTATE is in pb_db_sqlstate()). */
enum pb_err pb_db_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res);

/* 1 when db's session cannot write (the server is a standby in recovery,
 * or the session is read-only), 0 when it can, -1 when it cannot tell. */
int pb_db_read_only(struct pb_db *db);

/* SQLSTATE of the last failed pb_db_query ("" if none). */
const char *pb_db_sqlstate(const struct pb_db *db);

/* Message of the last failure, for logs only (never sent to clients). */
const char *pb_db_error(const struct pb_db *db);

enum pb_err pb_db_begin(struct pb_db *db);
enum pb_err pb_db_commit(struct pb_db *db);
/* Roll back if a transaction is open; safe to call at any time. */
void pb_db_rollback(struct pb_db *db);

/* End a transaction begun with pb_db_begin: commit when err is PB_OK
 * (returning the commit's own result), else roll back and return err. */
enum pb_err pb_db_finish(struct pb_db *db, enum pb_err err);

/* pb_db_finish for a transaction that produced a document: on failure
 * *json is freed and set to NULL, so callers return one way only. */
enum pb_err pb_db_finish_json(struct pb_db *db, enum pb_err err, char **json);

/* The libpq connection, for the migration runner. */
PGconn *pb_db_conn(struct pb_db *db);

/* Run a multi-statement script (a seed) with the simple query protocol,
 * outside any transaction of ours (the script brings its own).  On
 * failure writes the server's message to err and returns PB_EDB. */
enum pb_err pb_db_exec_script(struct pb_db *db, const char *sql, char *err,
    size_t errlen);

/* Open one standalone connection (used by CLI subcommands).  The
 * statement and lock timeouts (timeout_ms) go as startup options; when
 * pooled (a transaction-mode pooler: PgBouncer refuses startup options and
 * hands each transaction any server connection) they go instead as SET
 * LOCAL in each transaction (pb_db_begin), statements are never prepared
 * by name (a name would not follow the next transaction to its server),
 * and single statements outside a transaction run under the role's or
 * the pooler's own timeout (deploy/README.md says what to set). */
enum pb_err pb_db_connect(const char *url, int timeout_ms, int pooled, struct pb_db **out,
    char *errbuf, size_t errlen);
void pb_db_close(struct pb_db *db);

#endif
