/* SPDX-License-Identifier: MIT */
/*
 * conn.c — one PostgreSQL connection: connect, prepared statements,
 * queries and transactions (see db.h).
 *
 * Every exchange is non-blocking libpq — send, flush, then consume input
 * until the result is complete — and every wait goes through pb_wait_fd()
 * (internal/core/wait.h).  On a loop thread that suspends only the calling
 * fiber, so other requests run while PostgreSQL works; elsewhere it is a
 * poll(2).  A wait that outlives the client-side deadline (twice the
 * statement timeout, plus a second) marks the connection broken: it
 * answers PB_EUNAVAILABLE and is closed when released.
 */
#include "internal/db/conn_private.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/core/wait.h"
#include "internal/log/log.h"

static void set_error(char *buf, size_t len, const char *msg)
{
	snprintf(buf, len, "%s", msg ? msg : "");
	char *nl = strchr(buf, '\n');
	if (nl != NULL)
		*nl = '\0';
}

void pb_db_set_error(struct pb_db *db, const char *msg)
{
	set_error(db->error, sizeof(db->error), msg);
}

/* Drive PQconnectPoll to the end within timeout_ms; 0 when connected. */
static int connect_poll(PGconn *conn, int timeout_ms)
{
	long long deadline = pb_wait_now_ms() + timeout_ms;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	for (;;) {
		if (st == PGRES_POLLING_OK)
			return 0;
		if (st == PGRES_POLLING_FAILED)
			return -1;
		long long left = deadline - pb_wait_now_ms();
		/* the socket may change between polls: ask for it each time */
		if (left <= 0 || !pb_wait_fd(PQsocket(conn),
		    st == PGRES_POLLING_READING ? PB_WAIT_READ : PB_WAIT_WRITE, (int)left))
			return -1;
		st = PQconnectPoll(conn);
	}
}

/* A server NOTICE or WARNING (e.g. "extension already exists, skipping"
 * during pbd migrate) as one JSON log line, never libpq's plain text on
 * stderr among them. */
static void log_notice(void *arg, const char *message)
{
	char msg[512];
	size_t n = 0;

	(void)arg;
	for (const char *s = message; *s && n < sizeof(msg) - 1; s++)
		msg[n++] = *s == '\n' ? ' ' : *s;
	while (n > 0 && msg[n - 1] == ' ')
		n--;
	msg[n] = '\0';
	const char *kv[] = { "notice", msg, NULL };
	pb_log_kv(PB_LOG_INFO, "postgres notice", kv);
}

enum pb_err pb_db_connect(const char *url, int timeout_ms, int pooled, struct pb_db **out,
    char *errbuf, size_t errlen)
{
	char options[64];
	const char *keys[] = { "dbname", "application_name", "options", NULL };
	const char *vals[] = { url, "pbd", options, NULL };

	if (pooled)
		keys[2] = NULL;   /* PgBouncer: "unsupported startup parameter: options" */

	snprintf(options, sizeof(options), "-c statement_timeout=%d -c lock_timeout=%d",
	    timeout_ms, timeout_ms);
	*out = NULL;
	PGconn *conn = PQconnectStartParams(keys, vals, 1);
	/* opening is bounded by the timeout, at least 2 s */
	int ok = conn != NULL && PQstatus(conn) != CONNECTION_BAD &&
	    connect_poll(conn, timeout_ms < 2000 ? 2000 : timeout_ms) == 0 &&
	    PQsetnonblocking(conn, 1) == 0;
	if (!ok) {
		if (errbuf != NULL)
			set_error(errbuf, errlen, conn ? PQerrorMessage(conn) : "out of memory");
		if (errbuf != NULL && errbuf[0] == '\0')
			set_error(errbuf, errlen, "timed out connecting");
		PQfinish(conn);
		return PB_EUNAVAILABLE;
	}
	PQsetNoticeProcessor(conn, log_notice, NULL);
	struct pb_db *db = calloc(1, sizeof(*db));
	if (db == NULL)
		abort();
	db->conn = conn;
	db->fd = PQsocket(conn);
	db->timeout_ms = timeout_ms;
	db->pooled = pooled;
	*out = db;
	return PB_OK;
}

void pb_db_close(struct pb_db *db)
{
	if (db == NULL)
		return;
	pb_wait_forget(db->fd);   /* before the descriptor can be reused */
	PQfinish(db->conn);
	free(db);
}

/* -1 (no socket): the next libpq call reports the failure. */
int pb_db_wait_socket(PGconn *c, int events, long long deadline)
{
	int fd = PQsocket(c);
	long long left = deadline - pb_wait_now_ms();

	if (fd < 0)
		return -1;
	return left > 0 && pb_wait_fd(fd, events, (int)left);
}

/* Wait for the reply to what was just sent: the last result (the caller
 * PQclear()s), or NULL with db->error set when the connection failed or
 * the deadline passed (then db->broken is set). */
static PGresult *await_result(struct pb_db *db)
{
	PGconn *c = db->conn;
	long long deadline = pb_db_reply_deadline(db);
	PGresult *last = NULL, *res;
	int r, w = 1;

	while ((r = PQflush(c)) == 1 &&
	    (w = pb_db_wait_socket(c, PB_WAIT_READ | PB_WAIT_WRITE, deadline)) > 0 &&
	    PQconsumeInput(c))
		;
	for (;;) {
		/* a failed flush or read leaves PQgetResult to report it */
		while (r == 0 && w > 0 && PQisBusy(c) &&
		    (w = pb_db_wait_socket(c, PB_WAIT_READ | PB_WAIT_KEEP, deadline)) > 0 &&
		    PQconsumeInput(c))
			;
		if (w == 0)
			goto timeout;
		if ((res = PQgetResult(c)) == NULL)
			break;
		PQclear(last);
		last = res;
		if (PQstatus(c) == CONNECTION_BAD)
			break;
	}
	if (last == NULL)
		pb_db_set_error(db, PQerrorMessage(c));
	if (PQstatus(c) == CONNECTION_BAD && db->fd >= 0) {
		/* libpq closed the socket just now: forget it before anything
		 * on this thread can be given the same descriptor number */
		pb_wait_forget(db->fd);
		db->fd = -1;
	}
	return last;
timeout:
	PQclear(last);
	db->broken = 1;
	pb_db_set_error(db, "timed out waiting for the database");
	return NULL;
}

long long pb_db_reply_deadline(const struct pb_db *db)
{
	return pb_wait_now_ms() + 2LL * db->timeout_ms + 1000;
}

enum pb_err pb_db_classify(struct pb_db *db, PGresult *res, int conn_ok)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	if (res != NULL)
		pb_db_set_error(db, PQresultErrorMessage(res));
	if (!conn_ok || state == NULL ||
	    strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0 ||
	    strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
		return PB_EUNAVAILABLE;
	/* a read-only session: a standby (after a failover, or a wrong URL) or
	 * a server in read-only mode.  Unavailable, and the connection is
	 * dropped so the next one finds the primary (target_session_attrs) */
	if (strcmp(state, "25006") == 0) {
		db->broken = 1;
		return PB_EUNAVAILABLE;
	}
	/* unique violation; exclusion violation (e.g. overlapping budgets) */
	if (strcmp(state, "23505") == 0 || strcmp(state, "23P01") == 0)
		return PB_ECONFLICT;
	return PB_EDB;
}

/* Index of sql's prepared statement on this connection, preparing it on
 * first use.  -1 when the cache is full or the statement cannot be
 * prepared (the caller runs it unprepared); -2 when preparing failed for
 * want of the database — a lock or statement timeout, a lost connection
 * — and *failed holds the result (or NULL): running it again unprepared
 * would only wait a second time.  SQL texts are string literals, so their
 * address identifies them. */
/* classify a result of db's own connection */
static enum pb_err classify(struct pb_db *db, PGresult *res)
{
	return pb_db_classify(db, res, !db->broken && PQstatus(db->conn) == CONNECTION_OK);
}

int pb_db_stmt_find(const struct pb_db *db, const char *sql)
{
	for (int i = 0; i < db->nstmts; i++)
		if (db->stmts[i] == sql)
			return i;
	return -1;
}

int pb_db_stmt_add(struct pb_db *db, const char *sql)
{
	if (db->nstmts >= PB_DB_STMT_CACHE)
		return -1;
	db->stmts[db->nstmts] = sql;
	return db->nstmts++;
}

static int prepared(struct pb_db *db, const char *sql, int nparams, PGresult **failed)
{
	char name[16];
	int found = pb_db_stmt_find(db, sql);

	if (found >= 0)
		return found;
	if (db->nstmts >= PB_DB_STMT_CACHE || db->broken || db->pooled)
		return -1;
	snprintf(name, sizeof(name), "s%d", db->nstmts);
	PGresult *res = NULL;
	if (PQsendPrepare(db->conn, name, sql, nparams, NULL))
		res = await_result(db);
	else
		pb_db_set_error(db, PQerrorMessage(db->conn));
	if (res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK) {
		PQclear(res);
		return pb_db_stmt_add(db, sql);
	}
	if (classify(db, res) == PB_EUNAVAILABLE) {
		*failed = res;
		return -2;
	}
	PQclear(res);
	return -1;
}

static atomic_ullong n_queries, n_unavailable, n_conflicts, n_errors, query_us;

void pb_db_query_stats(struct pb_db_query_stats *out)
{
	out->queries = atomic_load(&n_queries);
	out->unavailable = atomic_load(&n_unavailable);
	out->conflicts = atomic_load(&n_conflicts);
	out->errors = atomic_load(&n_errors);
	out->seconds = (double)atomic_load(&query_us) / 1e6;
}

static enum pb_err run_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out);

enum pb_err pb_db_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum pb_err err = run_query(db, sql, nparams, params, out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	atomic_fetch_add(&n_queries, 1);
	atomic_fetch_add(&query_us, (unsigned long long)((t1.tv_sec - t0.tv_sec) * 1000000LL +
	    (t1.tv_nsec - t0.tv_nsec) / 1000));
	if (err == PB_EUNAVAILABLE)
		atomic_fetch_add(&n_unavailable, 1);
	else if (err == PB_ECONFLICT)
		atomic_fetch_add(&n_conflicts, 1);
	else if (err != PB_OK)
		atomic_fetch_add(&n_errors, 1);
	return err;
}

static enum pb_err run_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	char name[16];
	PGresult *res = NULL;
	int sent = 1;

	if (db->pipe != NULL)
		return pb_pipe_query(db, sql, nparams, params, out);
	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	int idx = prepared(db, sql, nparams, &res);
	if (idx >= 0) {
		snprintf(name, sizeof(name), "s%d", idx);
		sent = PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
		res = sent ? await_result(db) : NULL;
	} else if (idx == -1) {
		sent = !db->broken &&
		    PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
		res = sent ? await_result(db) : NULL;
	}
	if (!sent && !db->broken)
		pb_db_set_error(db, PQerrorMessage(db->conn));
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
	if (db->pipe != NULL) {
		/* a programming error: a reader handle runs single statements */
		pb_log(PB_LOG_ERROR, "pb_db_begin on a reader handle");
		return PB_EDB;
	}
	enum pb_err err = pb_db_query(db, "BEGIN", 0, NULL, NULL);
	if (err == PB_OK)
		db->in_tx = 1;
	if (err == PB_OK && db->pooled) {
		/* the startup options' timeouts, for this transaction (pb_db_connect) */
		char ms[24];
		const char *pp[] = { ms };
		snprintf(ms, sizeof(ms), "%d", db->timeout_ms);
		err = pb_db_query(db, "SELECT set_config('statement_timeout', $1, true),"
		    " set_config('lock_timeout', $1, true)", 1, pp, NULL);
	}
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
	if (!db->broken && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQsendQuery(db->conn, "ROLLBACK"))
		PQclear(await_result(db));
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

enum pb_err pb_db_exec_script(struct pb_db *db, const char *sql, char *err,
    size_t errlen)
{
	PGresult *res = PQexec(db->conn, sql);
	enum pb_err e = PQresultStatus(res) == PGRES_COMMAND_OK ? PB_OK : PB_EDB;

	if (e)
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return e;
}

int pb_db_read_only(struct pb_db *db)
{
	PGresult *res = NULL;

	if (pb_db_query(db, "SELECT pg_is_in_recovery()"
	    " OR current_setting('transaction_read_only') = 'on'", 0, NULL, &res) != PB_OK)
		return -1;
	int ro = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return ro;
}

int pb_db_reusable(struct pb_db *db)
{
	if (db->in_tx)
		pb_db_rollback(db);
	return !db->broken && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) == PQTRANS_IDLE;
}

int pb_db_dead_while_idle(struct pb_db *db)
{
	/* An idle session is sent nothing unasked except on its way out (the
	 * server's FATAL before it closes; the close itself may not have been
	 * read yet) or, rarely, a reported setting after a reload: either way
	 * a fresh connection is the safe answer. */
	if (db->fd >= 0 && pb_wait_stirred(db->fd))
		return 1;
	return PQstatus(db->conn) != CONNECTION_OK;
}

void pb_db_set_home(struct pb_db *db, void *home)
{
	db->home = home;
}

void *pb_db_home(const struct pb_db *db)
{
	return db->home;
}
