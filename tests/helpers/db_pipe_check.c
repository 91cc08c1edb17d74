/* SPDX-License-Identifier: MIT */
/*
 * db_pipe_check — drives the shared read connection (internal/db/pipe.c)
 * against a real PostgreSQL from real fibers on a libevent loop, the way
 * pbd's loop threads do, and checks what each task got back.  Run by
 * tests/integration/test_db_pipe.py:
 *
 *   db_pipe_check DATABASE_URL isolation|loss|fallback
 *
 * Prints "PASS <what>" or "FAIL <what>: <detail>" lines; exits 1 when
 * anything failed.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "internal/db/db.h"
#include "internal/http/tasks.h"

#define TIMEOUT_MS 1000
#define NTASKS 300

static struct pb_db_pool *pool;
static struct event_base *base;
static int failures;

static void result(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", what);
		return;
	}
	failures++;
	printf("FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void stop_loop(void *arg)
{
	(void)arg;
	event_base_loopbreak(base);
}

/* Run fn(i) for i in [0, n) as concurrent tasks on one loop, to the end. */
static void run_tasks(int n, void (*fn)(void *))
{
	struct pb_tasks *set = pb_tasks_new(base);

	pb_db_pool_bind(pool, 0);
	pb_tasks_on_idle(set, stop_loop, NULL);
	for (intptr_t i = 0; i < n; i++)
		if (pb_tasks_spawn(set, fn, (void *)i) != 0)
			result(0, "spawn", "task %d not spawned", (int)i);
	if (pb_tasks_running(set) > 0)
		event_base_dispatch(base);
	pb_tasks_free(set);
}

/* --- isolation: answers go to their senders; an error ends only its read -- */

static int pids[NTASKS];
static int wrong_answer, wrong_error, reads_ok, begin_refused;

static void isolation_task(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct pb_db *db;
	char num[16];
	const char *pp[] = { num };

	snprintf(num, sizeof(num), "%d", i);
	if (pb_db_acquire_reader(pool, &db) != PB_OK) {
		wrong_error++;
		return;
	}
	for (int round = 0; round < 3; round++) {
		PGresult *res = NULL;
		if (i % 10 == 3) {
			/* division by zero: this read fails, no other */
			enum pb_err e = pb_db_query(db, "SELECT 1 / ($1::int - $1::int)", 1, pp, &res);
			if (e != PB_EDB || strcmp(pb_db_sqlstate(db), "22012") != 0)
				wrong_error++;
			continue;
		}
		if (i == 17 && round == 0) {
			/* past the statement timeout: unavailable, alone */
			enum pb_err e = pb_db_query(db, "SELECT pg_sleep(1.5)", 0, NULL, &res);
			if (e != PB_EUNAVAILABLE || strcmp(pb_db_sqlstate(db), "57014") != 0)
				wrong_error++;
			continue;
		}
		enum pb_err e = pb_db_query(db,
		    "SELECT $1::int * 2 + 1, pg_backend_pid(), repeat('x', $1::int)", 1, pp, &res);
		if (e != PB_OK || PQntuples(res) != 1 || atoi(PQgetvalue(res, 0, 0)) != 2 * i + 1 ||
		    (int)strlen(PQgetvalue(res, 0, 2)) != i) {
			wrong_answer++;
		} else {
			reads_ok++;
			pids[i] = atoi(PQgetvalue(res, 0, 1));
		}
		PQclear(res);
	}
	if (i == 0 && pb_db_begin(db) == PB_EDB)
		begin_refused = 1;
	pb_db_release(pool, db);
}

static void pid_task(void *arg);

static void isolation(void)
{
	run_tasks(1, pid_task);   /* open it first: no read falls back to the pool */
	run_tasks(NTASKS, isolation_task);
	int expected = 0, pid = 0, same = 1;
	for (int i = 0; i < NTASKS; i++) {
		if (i % 10 == 3)
			continue;
		expected += i == 17 ? 2 : 3;
		if (pids[i] != 0 && pid == 0)
			pid = pids[i];
		if (pids[i] != 0 && pids[i] != pid)
			same = 0;
	}
	result(wrong_answer == 0 && reads_ok == expected, "every read answered to its sender",
	    "%d wrong answers, %d of %d reads right", wrong_answer, reads_ok, expected);
	result(wrong_error == 0, "failed reads fail alone with their own SQLSTATE",
	    "%d reads without the expected error", wrong_error);
	result(same && pid != 0, "the reads shared one connection", "backend pids differ");
	result(begin_refused, "a reader handle refuses a transaction", "pb_db_begin did not fail");
}

/* --- loss: the server ends the shared connection mid-flight -------------- */

static int lost_unavailable, lost_other, after_ok, pipe_pid, new_pid;

static int reader_pid(void)
{
	struct pb_db *db;
	PGresult *res = NULL;
	int pid = 0;

	if (pb_db_acquire_reader(pool, &db) == PB_OK &&
	    pb_db_query(db, "SELECT pg_backend_pid()", 0, NULL, &res) == PB_OK)
		pid = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	pb_db_release(pool, db);
	return pid;
}

static void loss_task(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct pb_db *db;
	PGresult *res = NULL;

	if (i == 0) {
		/* on a pool connection: end the shared one's session while
		 * the others' reads are queued on it */
		char pid[16];
		const char *pp[] = { pid };
		snprintf(pid, sizeof(pid), "%d", pipe_pid);
		if (pb_db_acquire(pool, &db) != PB_OK ||
		    pb_db_query(db, "SELECT pg_sleep(0.1), pg_terminate_backend($1::int)", 1, pp,
		    &res) != PB_OK)
			lost_other++;
		PQclear(res);
		pb_db_release(pool, db);
		return;
	}
	if (pb_db_acquire_reader(pool, &db) != PB_OK) {
		lost_other++;
		return;
	}
	enum pb_err e = pb_db_query(db, "SELECT pg_sleep(0.4)", 0, NULL, &res);
	if (e == PB_EUNAVAILABLE)
		lost_unavailable++;
	else
		lost_other++;
	PQclear(res);
	pb_db_release(pool, db);
}

static void after_task(void *arg)
{
	(void)arg;
	new_pid = reader_pid();
	after_ok = new_pid != 0;
}

static void pid_task(void *arg)
{
	(void)arg;
	pipe_pid = reader_pid();
}

static void loss(void)
{
	run_tasks(1, pid_task);
	run_tasks(21, loss_task);
	result(pipe_pid != 0 && lost_unavailable == 20 && lost_other == 0,
	    "reads in flight on a lost connection answer unavailable",
	    "%d unavailable, %d otherwise (pid %d)", lost_unavailable, lost_other, pipe_pid);
	run_tasks(1, after_task);
	result(after_ok && new_pid != pipe_pid, "the next read opens a fresh connection",
	    "after the loss: ok %d, pid %d (was %d)", after_ok, new_pid, pipe_pid);
}

/* --- fallback: off a loop thread a reader handle is a pool connection ---- */

static void fallback(void)
{
	struct pb_db *db;
	PGresult *res = NULL;

	enum pb_err e = pb_db_acquire_reader(pool, &db);
	int ok = e == PB_OK && pb_db_begin(db) == PB_OK &&
	    pb_db_query(db, "SELECT 41 + 1", 0, NULL, &res) == PB_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "42") == 0 && pb_db_commit(db) == PB_OK;
	PQclear(res);
	if (e == PB_OK)
		pb_db_release(pool, db);
	result(ok, "off a loop thread a reader is a pool connection", "query or transaction failed");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: db_pipe_check DATABASE_URL isolation|loss|fallback\n");
		return 2;
	}
	pool = pb_db_pool_new(argv[1], 2, TIMEOUT_MS, 1, 0);
	base = event_base_new();
	if (strcmp(argv[2], "isolation") == 0)
		isolation();
	else if (strcmp(argv[2], "loss") == 0)
		loss();
	else if (strcmp(argv[2], "fallback") == 0)
		fallback();
	else
		result(0, "arguments", "unknown check %s", argv[2]);
	pb_db_pool_free(pool);
	event_base_free(base);
	return failures ? 1 : 0;
}
