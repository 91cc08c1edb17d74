/* SPDX-License-Identifier: MIT */
/*
 * replica.c — when reads that tolerate staleness may go to the streaming
 * replica (see db.h, pb_db_acquire_stale).
 *
 * Each loop thread keeps its own measurement of the replica's replay lag,
 * so the decision takes no lock.  A measurement older than the refresh
 * interval starts a probe: one query on the replica, run as a background
 * task of the loop (pb_wait_spawn), so no request waits for it; requests
 * meanwhile decide on the last measurement.  The replica is used while
 * the measured lag plus the measurement's age is within PB_READ_MAX_LAG_MS:
 * by then replay can have fallen behind by no more than that.  A failed
 * probe (the replica is down, refused, not answering) sends reads to the
 * primary and waits before the next one: 1 s, doubling to 30 s.
 */
#include "internal/db/conn_private.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/wait.h"

#define PROBE_BACKOFF_MIN_MS 1000
#define PROBE_BACKOFF_MAX_MS 30000

struct pb_db_replica {
	struct pb_db_pool *pool;      /* connections to the replica */
	int max_lag_ms;
	int every_ms;                 /* how often a thread measures */
	atomic_llong lag_ms;          /* the latest measurement of any thread; -1 unknown */
	atomic_ullong served[2];      /* stale reads: [0] primary, [1] replica */
};

/* This thread's view of one replica. */
struct measure {
	const struct pb_db_replica *of;
	long long at;                 /* when measured (pb_wait_now_ms); 0 never */
	long long lag_ms;             /* -1: the probe failed */
	long long next_probe;         /* not before (after a failure) */
	int backoff_ms;
	int probing;
};

static _Thread_local struct measure mine;

/* Replay lag in milliseconds as the replica sees it: 0 when it has
 * replayed all the WAL it received (or is no standby at all), else the age
 * of the last transaction it replayed; NULL (unknown, so not used) when no
 * WAL receiver runs — a standby cut off from its primary cannot tell how
 * far behind it is. */
static const char LAG_SQL[] =
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN NOT EXISTS (SELECT 1 FROM pg_stat_wal_receiver) THEN NULL"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE greatest(0, (extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
    " * 1000)::bigint) END";

struct pb_db_replica *pb_db_replica_new(struct pb_db_pool *pool, int max_lag_ms)
{
	struct pb_db_replica *r = calloc(1, sizeof(*r));

	if (r == NULL)
		abort();
	r->pool = pool;
	r->max_lag_ms = max_lag_ms;
	r->every_ms = max_lag_ms / 4;
	if (r->every_ms < 50)
		r->every_ms = 50;
	if (r->every_ms > 1000)
		r->every_ms = 1000;
	atomic_init(&r->lag_ms, -1);
	return r;
}

void pb_db_replica_free(struct pb_db_replica *r)
{
	if (r == NULL)
		return;
	pb_db_pool_free(r->pool);
	free(r);
}

static struct measure *measure_of(const struct pb_db_replica *r)
{
	if (mine.of != r) {
		memset(&mine, 0, sizeof(mine));
		mine.of = r;
		mine.lag_ms = -1;
	}
	return &mine;
}

static void record(struct pb_db_replica *r, long long lag_ms)
{
	struct measure *m = measure_of(r);
	long long now = pb_wait_now_ms();

	m->probing = 0;
	m->at = now;
	m->lag_ms = lag_ms;
	atomic_store(&r->lag_ms, lag_ms);
	if (lag_ms >= 0) {
		m->backoff_ms = 0;
		return;
	}
	m->backoff_ms = m->backoff_ms == 0 ? PROBE_BACKOFF_MIN_MS
	    : m->backoff_ms >= PROBE_BACKOFF_MAX_MS / 2 ? PROBE_BACKOFF_MAX_MS : 2 * m->backoff_ms;
	m->next_probe = now + m->backoff_ms;
}

/* The probe task: one query on the replica. */
static void probe(void *arg)
{
	struct pb_db_replica *r = arg;
	struct pb_db *db = NULL;
	PGresult *res = NULL;
	long long lag = -1;

	if (pb_db_acquire_reader(r->pool, &db) == PB_OK &&
	    pb_db_query(db, LAG_SQL, 0, NULL, &res) == PB_OK && PQntuples(res) == 1 &&
	    !PQgetisnull(res, 0, 0))
		lag = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	pb_db_release(r->pool, db);
	record(r, lag);
}

struct pb_db_pool *pb_db_replica_pick(struct pb_db_replica *r)
{
	struct measure *m = measure_of(r);
	long long now = pb_wait_now_ms();

	if (!m->probing && now - m->at >= r->every_ms && now >= m->next_probe) {
		m->probing = pb_wait_spawn(probe, r) == 0;
		if (!m->probing)
			m->next_probe = now + PROBE_BACKOFF_MIN_MS;   /* no task now: later */
	}
	if (m->at == 0 || m->lag_ms < 0 || m->lag_ms + (now - m->at) > r->max_lag_ms)
		return NULL;
	return r->pool;
}

void pb_db_replica_failed(struct pb_db_replica *r)
{
	struct measure *m = measure_of(r);

	if (!m->probing)
		record(r, -1);   /* off until a probe finds it again */
}

void pb_db_replica_served(struct pb_db_replica *r, int on_replica)
{
	atomic_fetch_add(&r->served[on_replica != 0], 1);
}

void pb_db_replica_stats(struct pb_db_replica *r, struct pb_db_stats *out)
{
	struct pb_db_stats rs;

	out->replica = 1;
	out->replica_lag_ms = atomic_load(&r->lag_ms);
	out->stale_reads_primary = atomic_load(&r->served[0]);
	out->stale_reads_replica = atomic_load(&r->served[1]);
	pb_db_pool_stats(r->pool, &rs);
	out->replica_open = rs.open;
}
