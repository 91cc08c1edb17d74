/* SPDX-License-Identifier: MIT */
/*
 * pool.c — the connection pool and query helpers (see db.h).
 *
 * Connections are opened outside the pool lock so a slow or absent
 * database never blocks threads that only release.  A connection whose
 * status is bad, or that is still inside a transaction when released, is
 * closed: the next acquire opens a fresh one.
 */
#include "internal/db/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/log/log.h"

#define STMT_CACHE 256   /* prepared statements per connection */

struct pb_db {
	PGconn *conn;
	int in_tx;
	char sqlstate[6];
	char error[256];
	int nstmts;
	const char *stmts[STMT_CACHE];   /* SQL text pointer → statement "s<i>" */
};

struct pb_db_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *url;
	int size;
	int timeout_ms;
	int open;          /* connections that exist (idle or lent) or are opening */
	int in_use;
	int waiting;
	int nidle;
	struct pb_db **idle;
};

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (p == NULL)
		abort();
	return p;
}

struct pb_db_pool *pb_db_pool_new(const char *url, int size, int timeout_ms)
{
	struct pb_db_pool *pool = xcalloc(1, sizeof(*pool));

	pthread_mutex_init(&pool->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->cv, &ca);
	pthread_condattr_destroy(&ca);
	pool->url = strdup(url);
	if (pool->url == NULL)
		abort();
	pool->size = size;
	pool->timeout_ms = timeout_ms;
	pool->idle = xcalloc((size_t)size, sizeof(*pool->idle));
	return pool;
}

void pb_db_close(struct pb_db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db);
}

void pb_db_pool_free(struct pb_db_pool *pool)
{
	if (pool == NULL)
		return;
	for (int i = 0; i < pool->nidle; i++)
		pb_db_close(pool->idle[i]);
	free(pool->idle);
	free(pool->url);
	pthread_mutex_destroy(&pool->mu);
	pthread_cond_destroy(&pool->cv);
	free(pool);
}

enum pb_err pb_db_connect(const char *url, int timeout_ms, struct pb_db **out,
    char *errbuf, size_t errlen)
{
	char timeout[32], options[64];
	const char *keys[] = { "dbname", "connect_timeout", "options",
	    "application_name", NULL };
	const char *vals[] = { url, timeout, options, "pbd", NULL };

	/* connect_timeout is whole seconds, at least 2 (libpq treats 1 as 2). */
	snprintf(timeout, sizeof(timeout), "%d", timeout_ms / 1000 < 2 ? 2 : timeout_ms / 1000);
	snprintf(options, sizeof(options), "-c statement_timeout=%d -c lock_timeout=%d",
	    timeout_ms, timeout_ms);
	*out = NULL;
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		if (errbuf != NULL) {
			const char *m = conn ? PQerrorMessage(conn) : "out of memory";
			snprintf(errbuf, errlen, "%s", m);
			char *nl = strchr(errbuf, '\n');
			if (nl != NULL)
				*nl = '\0';
		}
		if (conn != NULL)
			PQfinish(conn);
		return PB_EUNAVAILABLE;
	}
	struct pb_db *db = xcalloc(1, sizeof(*db));
	db->conn = conn;
	*out = db;
	return PB_OK;
}

static void deadline_after(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

enum pb_err pb_db_acquire(struct pb_db_pool *pool, struct pb_db **out)
{
	struct timespec deadline;
	int must_open = 0;

	*out = NULL;
	deadline_after(&deadline, pool->timeout_ms);
	pthread_mutex_lock(&pool->mu);
	for (;;) {
		if (pool->nidle > 0) {
			*out = pool->idle[--pool->nidle];
			break;
		}
		if (pool->open < pool->size) {
			pool->open++;
			must_open = 1;
			break;
		}
		pool->waiting++;
		int rc = pthread_cond_timedwait(&pool->cv, &pool->mu, &deadline);
		pool->waiting--;
		if (rc == ETIMEDOUT) {
			pthread_mutex_unlock(&pool->mu);
			return PB_EUNAVAILABLE;
		}
	}
	pool->in_use++;
	pthread_mutex_unlock(&pool->mu);
	if (!must_open)
		return PB_OK;

	char err[256];
	/* Opening is bounded by connect_timeout; cap it to the pool's wait. */
	if (pb_db_connect(pool->url, pool->timeout_ms < 2000 ? pool->timeout_ms : 2000,
	    out, err, sizeof(err)) != PB_OK) {
		pb_log(PB_LOG_WARN, "database connect failed: %s", err);
		pthread_mutex_lock(&pool->mu);
		pool->open--;
		pool->in_use--;
		pthread_cond_signal(&pool->cv);
		pthread_mutex_unlock(&pool->mu);
		return PB_EUNAVAILABLE;
	}
	return PB_OK;
}

void pb_db_release(struct pb_db_pool *pool, struct pb_db *db)
{
	if (db == NULL)
		return;
	if (db->in_tx)
		pb_db_rollback(db);
	int broken = PQstatus(db->conn) != CONNECTION_OK ||
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE;
	if (broken) {
		pb_db_close(db);
		db = NULL;
	}
	pthread_mutex_lock(&pool->mu);
	pool->in_use--;
	if (db != NULL)
		pool->idle[pool->nidle++] = db;
	else
		pool->open--;
	pthread_cond_signal(&pool->cv);
	pthread_mutex_unlock(&pool->mu);
}

void pb_db_pool_stats(struct pb_db_pool *pool, struct pb_db_stats *out)
{
	pthread_mutex_lock(&pool->mu);
	out->size = pool->size;
	out->open = pool->open;
	out->in_use = pool->in_use;
	out->waiting = pool->waiting;
	pthread_mutex_unlock(&pool->mu);
}

static enum pb_err classify(struct pb_db *db, PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	snprintf(db->error, sizeof(db->error), "%s", msg ? msg : "");
	char *nl = strchr(db->error, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
	    strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return PB_EUNAVAILABLE;
	/* unique violation; exclusion violation (e.g. overlapping budgets) */
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
		return PB_ECONFLICT;
	return PB_EDB;
}

/* Index of sql's prepared statement on this connection, preparing it on
 * first use; -1 when the cache is full or preparing failed (then the
 * caller runs it unprepared).  SQL texts are string literals, so their
 * address identifies them. */
static int prepared(struct pb_db *db, const char *sql, int nparams)
{
	char name[16];

	for (int i = 0; i < db->nstmts; i++)
		if (db->stmts[i] == sql)
			return i;
	if (db->nstmts >= STMT_CACHE)
		return -1;
	snprintf(name, sizeof(name), "s%d", db->nstmts);
	PGresult *res = PQprepare(db->conn, name, sql, nparams, NULL);
	int ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok)
		return -1;
	db->stmts[db->nstmts] = sql;
	return db->nstmts++;
}

enum pb_err pb_db_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	PGresult *res;
	char name[16];

	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	int idx = prepared(db, sql, nparams);
	if (idx >= 0) {
		snprintf(name, sizeof(name), "s%d", idx);
		res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
	} else {
		res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	}
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		enum pb_err err = classify(db, res);
		if (err == PB_EDB || err == PB_EUNAVAILABLE)
			pb_log(PB_LOG_WARN, "sql failed (%s): %s", db->sqlstate, db->error);
		PQclear(res);
		return err;
	}
	if (out != NULL)
		*out = res;
	else
		PQclear(res);
	return PB_OK;
}

const char *pb_db_sqlstate(const struct pb_db *db)
{
	return db->sqlstate;
}

const char *pb_db_error(const struct pb_db *db)
{
	return db->error;
}

enum pb_err pb_db_begin(struct pb_db *db)
{
	enum pb_err err = pb_db_query(db, "BEGIN", 0, NULL, NULL);
	if (err == PB_OK)
		db->in_tx = 1;
	return err;
}

enum pb_err pb_db_commit(struct pb_db *db)
{
	enum pb_err err = pb_db_query(db, "COMMIT", 0, NULL, NULL);
	db->in_tx = 0;
	return err;
}

void pb_db_rollback(struct pb_db *db)
{
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQstatus(db->conn) == CONNECTION_OK) {
		PGresult *res = PQexec(db->conn, "ROLLBACK");
		PQclear(res);
	}
	db->in_tx = 0;
}

enum pb_err pb_db_finish(struct pb_db *db, enum pb_err err)
{
	if (err == PB_OK)
		return pb_db_commit(db);
	pb_db_rollback(db);
	return err;
}

enum pb_err pb_db_finish_json(struct pb_db *db, enum pb_err err, char **json)
{
	err = pb_db_finish(db, err);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

PGconn *pb_db_conn(struct pb_db *db)
{
	return db->conn;
}
