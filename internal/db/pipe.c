/* SPDX-License-Identifier: MIT */
/*
 * pipe.c — the shared read connection of a pool shard (conn_private.h).
 *
 * A connection in libpq pipeline mode carries the one-statement reads of
 * every task of one loop thread that asked for a reader handle.  A read
 * is queued as a Parse (when the statement is new on this connection) and
 * a Bind/Execute.  The reads queued in one loop pass form a batch: the
 * first task to queue one defers itself to the end of the pass
 * (pb_wait_defer), then ends the batch with one Sync and one send, so
 * PostgreSQL answers the whole batch in one write.  Results arrive in the
 * order the reads were sent; each goes to the call that sent it.  An
 * error ends the batch on the server: the reads after it come back
 * PGRES_PIPELINE_ABORTED and are sent again in a later batch, so only the
 * failing read fails.
 *
 * No task owns the socket.  The call waiting for the oldest read is the
 * reader: it flushes, waits for the socket, hands out every complete
 * result (waking their tasks) and, once its own call is answered (and the
 * batch's Sync read), wakes the call now oldest to take the role over.
 * Calls live on their tasks' stacks: a task never leaves pb_pipe_query
 * before its call is answered or failed.
 *
 * A lost connection, a failed send or a reader's deadline (the same as a
 * query's: twice the statement timeout plus a second) fails every call in
 * flight with PB_EUNAVAILABLE and closes the connection once nobody waits
 * on it; the next pb_pipe_ready() opens a fresh one.
 */
#include "internal/db/conn_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/wait.h"
#include "internal/log/log.h"

/* Reads per batch at most: the server sends a batch's results only at its
 * Sync, so a long batch leaves this loop idle while it runs. */
#define BATCH_MAX 8

struct call;

/* One queued protocol step: a Parse or an Execute of a call, or the Sync
 * that ends a batch (call NULL: owned by the pipe, see sync_item). */
struct item {
	struct call *call;
	int parse;               /* a Parse of the call's statement */
	PGresult *res;           /* its last result so far */
	struct item *next;
};

/* One pb_pipe_query in flight. */
struct call {
	void *task;
	int pending;             /* items not yet answered */
	int failed;              /* lost with the connection */
	int aborted;             /* skipped after another read's error: resend */
	int reparse;             /* its Parse was skipped: send it again */
	PGresult *res;           /* the answer: the Execute's, or a failed Parse's */
	struct item items[2];    /* its Parse (when sent) and Execute */
};

struct pb_pipe {
	struct pb_db *db;        /* the connection; NULL until opened, after a loss */
	atomic_int *open;
	int opening;             /* a task is connecting it */
	int lost;                /* everything in flight failed: close it */
	int recycle;             /* lend no more; close once drained */
	char error[256];         /* why it was lost */
	int batch_open;          /* calls queued since the last Sync */
	int batch_due;           /* a task will end the batch this pass */
	struct call *reader;     /* the call reading the socket, if any */
	struct item *head, **tail;   /* sent, unanswered, oldest first */
	struct item *spare_syncs;    /* Sync items not in the queue */
};

struct pb_pipe *pb_pipe_new(atomic_int *open)
{
	struct pb_pipe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		abort();
	p->open = open;
	p->tail = &p->head;
	return p;
}

static void close_connection(struct pb_pipe *p)
{
	if (p->db == NULL)
		return;
	pb_db_close(p->db);
	p->db = NULL;
	p->lost = p->recycle = p->batch_open = 0;
	atomic_fetch_sub(p->open, 1);
}

void pb_pipe_free(struct pb_pipe *p)
{
	if (p == NULL)
		return;
	close_connection(p);
	while (p->spare_syncs != NULL) {
		struct item *it = p->spare_syncs;
		p->spare_syncs = it->next;
		free(it);
	}
	free(p);
}

/* A Sync item from the spare list (or new); back with put_sync. */
static struct item *sync_item(struct pb_pipe *p)
{
	struct item *it = p->spare_syncs;

	if (it != NULL)
		p->spare_syncs = it->next;
	else if ((it = malloc(sizeof(*it))) == NULL)
		abort();
	*it = (struct item){ 0 };
	return it;
}

static void put_sync(struct pb_pipe *p, struct item *it)
{
	PQclear(it->res);
	it->next = p->spare_syncs;
	p->spare_syncs = it;
}

int pb_pipe_ready(struct pb_pipe *p, const char *url, int timeout_ms)
{
	char err[256];

	/* a connection lost or ended by the server while idle is replaced
	 * here rather than failing the read it would carry */
	if (p->db != NULL && p->head == NULL && p->reader == NULL &&
	    (p->lost || p->recycle || pb_db_dead_while_idle(p->db)))
		close_connection(p);
	if (p->db != NULL)
		return !p->lost && !p->recycle;
	if (p->opening)
		return 0;
	p->opening = 1;
	struct pb_db *db = NULL;
	enum pb_err e = pb_db_connect(url, timeout_ms, 0, &db, err, sizeof(err));
	p->opening = 0;
	if (e == PB_OK && PQenterPipelineMode(pb_db_conn(db)) != 1) {
		snprintf(err, sizeof(err), "%s", PQerrorMessage(pb_db_conn(db)));
		pb_db_close(db);
		e = PB_EUNAVAILABLE;
	}
	if (e != PB_OK) {
		pb_log(PB_LOG_WARN, "database connect failed (shared reads): %s", err);
		return 0;
	}
	p->db = db;
	atomic_fetch_add(p->open, 1);
	return 1;
}

/* The head item is answered: take it off and settle its call. */
static void item_done(struct pb_pipe *p)
{
	struct item *it = p->head;
	struct call *c = it->call;

	p->head = it->next;
	if (p->head == NULL)
		p->tail = &p->head;
	if (c == NULL) {
		put_sync(p, it);
		return;
	}
	ExecStatusType st = it->res ? PQresultStatus(it->res) : PGRES_FATAL_ERROR;
	if (st == PGRES_PIPELINE_ABORTED) {
		/* another read of the batch failed first: this one never ran */
		c->aborted = 1;
		c->reparse |= it->parse;
		PQclear(it->res);
	} else if (it->parse && st == PGRES_COMMAND_OK) {
		PQclear(it->res);
		c->reparse = 0;
	} else if (c->res == NULL) {
		c->res = it->res;   /* the answer, or the Parse's failure */
		if (it->parse) {
			/* the statement is unknown on this connection while its
			 * slot says otherwise: recycle the connection */
			p->recycle = 1;
		}
	} else {
		PQclear(it->res);   /* an Execute after its failed Parse */
	}
	it->res = NULL;
	if (--c->pending == 0)
		pb_wait_wake(c->task);   /* ignored for the running task */
}

/* Fail every call in flight (the connection is lost), waking their tasks
 * (a reader waiting on the socket too); the connection closes now unless
 * a reader is still to return from its wait. */
static void fail_all(struct pb_pipe *p, const char *why)
{
	snprintf(p->error, sizeof(p->error), "%s", why ? why : "");
	p->lost = 1;
	while (p->head != NULL) {
		struct item *it = p->head;
		p->head = it->next;
		if (it->call == NULL) {
			put_sync(p, it);
			continue;
		}
		PQclear(it->res);
		it->res = NULL;
		it->call->failed = 1;
		if (--it->call->pending == 0)
			pb_wait_wake(it->call->task);
	}
	p->tail = &p->head;
	p->batch_open = 0;
	if (p->reader == NULL)
		close_connection(p);
}

/* Hand out every complete result libpq holds: a call's step ends with a
 * NULL after its results, a Sync item with its PGRES_PIPELINE_SYNC. */
static void take_results(struct pb_pipe *p)
{
	PGconn *conn = pb_db_conn(p->db);

	while (p->head != NULL && !PQisBusy(conn)) {
		PGresult *res = PQgetResult(conn);
		if (PQstatus(conn) != CONNECTION_OK) {
			PQclear(res);
			return;   /* the reader fails everything */
		}
		if (res == NULL) {
			if (p->head->call == NULL)
				return;   /* nothing more for now */
			item_done(p);
			continue;
		}
		PQclear(p->head->res);
		p->head->res = res;
		if (p->head->call == NULL && PQresultStatus(res) == PGRES_PIPELINE_SYNC)
			item_done(p);
	}
}

/* As the reader: flush, wait and hand out results until `me` is answered
 * (or everything in flight failed). */
static void read_until_answered(struct pb_pipe *p, struct call *me)
{
	long long deadline = pb_db_reply_deadline(p->db);

	/* after its own answer the reader stays for the batch's Sync, which
	 * no call waits for */
	while ((me->pending > 0 || (p->head != NULL && p->head->call == NULL)) && !p->lost) {
		PGconn *conn = pb_db_conn(p->db);
		take_results(p);
		if (me->pending == 0 && (p->head == NULL || p->head->call != NULL))
			break;
		int r = PQflush(conn);
		int w = r < 0 ? -1 : pb_db_wait_socket(conn,
		    r == 1 ? PB_WAIT_READ | PB_WAIT_WRITE : PB_WAIT_READ | PB_WAIT_KEEP, deadline);
		if (p->lost)
			break;   /* failed meanwhile by a sender (it woke us) */
		if (w <= 0 || !PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
			const char *why = w == 0 ? "timed out waiting for the database"
			    : PQerrorMessage(conn);
			if (PQstatus(conn) == CONNECTION_BAD) {
				/* libpq closed the socket: forget it at once */
				pb_wait_forget(p->db->fd);
				p->db->fd = -1;
			}
			fail_all(p, why);
			break;
		}
	}
}

static void push(struct pb_pipe *p, struct item *it)
{
	it->next = NULL;
	*p->tail = it;
	p->tail = &it->next;
	it->call->pending++;
}

/* Queue sql's Parse (when new here, or skipped last time) and Execute;
 * 0 when libpq refused to queue them (the connection is failing). */
static int send_call(struct pb_pipe *p, struct call *c, const char *sql, int nparams,
    const char *const *params)
{
	PGconn *conn = pb_db_conn(p->db);
	char name[16];
	int idx = pb_db_stmt_find(p->db, sql), parse = c->reparse && idx >= 0;

	if (idx < 0 && (idx = pb_db_stmt_add(p->db, sql)) >= 0)
		parse = 1;
	snprintf(name, sizeof(name), "s%d", idx);
	if (parse) {
		if (!PQsendPrepare(conn, name, sql, nparams, NULL))
			return 0;
		c->items[0] = (struct item){ .call = c, .parse = 1 };
		push(p, &c->items[0]);
	}
	int sent = idx >= 0
	    ? PQsendQueryPrepared(conn, name, nparams, params, NULL, NULL, 0)
	    : PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (!sent)
		return 0;
	c->items[1] = (struct item){ .call = c };
	push(p, &c->items[1]);
	p->batch_open++;
	return 1;
}

/* End the open batch: one Sync and one send. */
static void end_batch(struct pb_pipe *p)
{
	PGconn *conn = pb_db_conn(p->db);

	if (p->lost || !p->batch_open)
		return;
	if (!PQpipelineSync(conn)) {
		fail_all(p, PQerrorMessage(conn));
		return;
	}
	p->batch_open = 0;
	struct item *it = sync_item(p);
	it->next = NULL;
	*p->tail = it;
	p->tail = &it->next;
	if (PQflush(conn) < 0)
		fail_all(p, PQerrorMessage(conn));
}

enum pb_err pb_pipe_query(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **out)
{
	struct pb_pipe *p = db->pipe;
	struct call me = { .task = pb_wait_self() };

	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	do {
		if (p->db == NULL || p->lost || me.task == NULL) {
			me.failed = 1;
			snprintf(p->error, sizeof(p->error), "the shared read connection was lost");
			break;
		}
		me.aborted = 0;
		if (!send_call(p, &me, sql, nparams, params)) {
			fail_all(p, PQerrorMessage(pb_db_conn(p->db)));
		} else if (p->batch_open >= BATCH_MAX) {
			end_batch(p);   /* the server answers a batch in one write */
		} else if (!p->batch_due) {
			/* the first read of this loop pass ends the batch after
			 * the pass, with the reads of every other request in it */
			p->batch_due = 1;
			pb_wait_defer();
			p->batch_due = 0;
			end_batch(p);
		}
		while (me.pending > 0) {
			if (p->reader != NULL || p->batch_due) {
				pb_wait_park(2 * db->timeout_ms + 2000);
				continue;
			}
			p->reader = &me;
			read_until_answered(p, &me);
			p->reader = NULL;
			if (p->head != NULL && p->head->call != NULL)
				pb_wait_wake(p->head->call->task);   /* the next reader */
			else if (p->lost)
				close_connection(p);
		}
	} while (me.aborted && !me.failed && me.res == NULL);
	ExecStatusType st = me.res ? PQresultStatus(me.res) : PGRES_FATAL_ERROR;
	if (me.failed || (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)) {
		if (me.res == NULL)
			pb_db_set_error(db, p->error);
		enum pb_err err = pb_db_classify(db, me.res, !me.failed);
		if (err == PB_EDB || err == PB_EUNAVAILABLE)
			pb_log(PB_LOG_WARN, "sql failed (%s): %s", db->sqlstate, db->error);
		PQclear(me.res);
		return err;
	}
	if (out != NULL)
		*out = me.res;
	else
		PQclear(me.res);
	return PB_OK;
}
