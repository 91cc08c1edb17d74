/* SPDX-License-Identifier: MIT */
/*
 * pool.c — the connection pool (see db.h).
 *
 * The pool is split into shards, one per event-loop thread, so a
 * connection never crosses threads and no lock is taken on the hot path.
 * A shard lends its idle connections, opens new ones up to its share of
 * the pool size, and otherwise parks the asking task in a FIFO until a
 * connection comes back or the pool timeout passes (internal/core/wait.h:
 * outside a fiber nothing could come back, so that is an immediate
 * PB_EUNAVAILABLE).  A returned connection is handed straight to the
 * oldest waiter, so newcomers never overtake the queue and the wait is
 * first come, first served.  Totals for /metrics are atomics.
 */
#include "internal/db/conn_private.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/wait.h"
#include "internal/log/log.h"

struct waiter {
	void *task;
	struct pb_db *given;    /* handed over by a release */
	int queued;
	struct waiter *next;
};

struct shard {
	struct pb_db_pool *pool;
	int size;               /* this shard's share of the pool */
	int open;               /* connections that exist or are opening */
	int nidle;
	struct pb_db **idle;
	struct waiter *head, **tail;   /* parked acquirers, oldest first */
	struct pb_pipe *pipe;   /* the shard's shared read connection */
};

struct pb_db_pool {
	char *url;
	int size;
	int timeout_ms;
	int pooled;               /* behind a transaction-mode pooler */
	int nshards;
	struct shard *shards;
	atomic_int open, in_use, waiting;
	atomic_ullong waits, wait_us;   /* acquisitions that had to wait, and how long */
	struct pb_db_pool *owner;  /* a replica's pool: the primary pool it serves */
	struct pb_db_replica *replica;   /* reads that tolerate staleness (replica.c) */
};

static _Thread_local struct pb_db_pool *bound_pool;
static _Thread_local int bound_shard;

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);
	if (p == NULL)
		abort();
	return p;
}

struct pb_db_pool *pb_db_pool_new(const char *url, int size, int timeout_ms, int nshards,
    int pooled)
{
	struct pb_db_pool *pool = xcalloc(1, sizeof(*pool));

	if (nshards < 1)
		nshards = 1;
	pool->url = strdup(url);
	if (pool->url == NULL)
		abort();
	pool->size = size;
	pool->timeout_ms = timeout_ms;
	pool->pooled = pooled;
	pool->nshards = nshards;
	pool->shards = xcalloc((size_t)nshards, sizeof(*pool->shards));
	for (int i = 0; i < nshards; i++) {
		struct shard *s = &pool->shards[i];
		/* an even share, at least one connection each */
		s->size = size / nshards + (i < size % nshards);
		if (s->size < 1)
			s->size = 1;
		s->pool = pool;
		s->idle = xcalloc((size_t)s->size, sizeof(*s->idle));
		s->tail = &s->head;
		s->pipe = pb_pipe_new(&pool->open);
	}
	return pool;
}

void pb_db_pool_free(struct pb_db_pool *pool)
{
	if (pool == NULL)
		return;
	for (int i = 0; i < pool->nshards; i++) {
		struct shard *s = &pool->shards[i];
		for (int j = 0; j < s->nidle; j++)
			pb_db_close(s->idle[j]);
		free(s->idle);
		pb_pipe_free(s->pipe);
	}
	free(pool->shards);
	pb_db_replica_free(pool->replica);
	free(pool->url);
	free(pool);
}

void pb_db_pool_bind(struct pb_db_pool *pool, int shard)
{
	bound_pool = pool;
	bound_shard = pool != NULL && shard >= 0 && shard < pool->nshards ? shard : 0;
}

/* A replica's pool is bound with the primary pool it serves. */
static struct shard *my_shard(struct pb_db_pool *pool)
{
	const struct pb_db_pool *bound = pool->owner != NULL ? pool->owner : pool;
	return &pool->shards[bound_pool == bound ? bound_shard : 0];
}

static void unlink_waiter(struct shard *s, struct waiter *w)
{
	for (struct waiter **p = &s->head; *p != NULL; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			if (s->tail == &w->next)
				s->tail = p;
			return;
		}
}

/* A connection of s is gone (closed, or never opened): its slot is free. */
static void slot_freed(struct shard *s)
{
	s->open--;
	atomic_fetch_sub(&s->pool->open, 1);
}

/* The oldest parked acquirer, taken off the queue (NULL when none). */
static struct waiter *next_waiter(struct shard *s)
{
	struct waiter *w = s->head;

	if (w == NULL)
		return NULL;
	s->head = w->next;
	if (s->head == NULL)
		s->tail = &s->head;
	w->next = NULL;
	w->queued = 0;
	return w;
}

/* Park until woken or the deadline: a handed-over connection, or NULL
 * with *give_up set when the wait should end. */
static struct pb_db *park(struct shard *s, long long deadline, int *give_up)
{
	struct waiter w = { .task = pb_wait_self(), .queued = 1 };
	long long left = deadline - pb_wait_now_ms();

	*give_up = w.task == NULL || left <= 0;
	if (*give_up)
		return NULL;
	*s->tail = &w;
	s->tail = &w.next;
	atomic_fetch_add(&s->pool->waiting, 1);
	long long parked = pb_wait_now_ms();
	int woken = pb_wait_park((int)left);
	atomic_fetch_sub(&s->pool->waiting, 1);
	atomic_fetch_add(&s->pool->waits, 1);
	atomic_fetch_add(&s->pool->wait_us,
	    (unsigned long long)(pb_wait_now_ms() - parked) * 1000ULL);
	if (w.queued)
		unlink_waiter(s, &w);   /* still queued after a timeout */
	*give_up = w.given == NULL && !woken && pb_wait_now_ms() >= deadline;
	return w.given;
}

enum pb_err pb_db_acquire(struct pb_db_pool *pool, struct pb_db **out)
{
	struct shard *s = my_shard(pool);
	long long deadline = pb_wait_now_ms() + pool->timeout_ms;
	char err[256];
	int give_up = 0;

	*out = NULL;
	while (s->nidle == 0 && s->open >= s->size) {
		struct pb_db *db = park(s, deadline, &give_up);
		if (db != NULL) {
			*out = db;   /* counted in use by the release that gave it */
			return PB_OK;
		}
		if (give_up)
			return PB_EUNAVAILABLE;
	}
	/* an idle connection the server closed meanwhile (a restart, an
	 * administrator) is dropped here rather than failing its request */
	while (s->nidle > 0 && pb_db_dead_while_idle(s->idle[s->nidle - 1])) {
		pb_db_close(s->idle[--s->nidle]);
		slot_freed(s);
	}
	atomic_fetch_add(&pool->in_use, 1);
	if (s->nidle > 0) {
		*out = s->idle[--s->nidle];
		return PB_OK;
	}
	s->open++;
	atomic_fetch_add(&pool->open, 1);
	/* opening waits at most the pool timeout (2 s at least), this task only */
	if (pb_db_connect(pool->url, pool->timeout_ms, pool->pooled, out, err, sizeof(err)) !=
	    PB_OK) {
		pb_log(PB_LOG_WARN, "database connect failed: %s", err);
		slot_freed(s);
		atomic_fetch_sub(&pool->in_use, 1);
		struct waiter *w = next_waiter(s);
		if (w != NULL)
			pb_wait_wake(w->task);   /* the slot is free: let it try */
		return PB_EUNAVAILABLE;
	}
	pb_db_set_home(*out, s);
	return PB_OK;
}

enum pb_err pb_db_acquire_reader(struct pb_db_pool *pool, struct pb_db **out)
{
	struct shard *s = my_shard(pool);

	/* behind a transaction-mode pooler a pipeline's batches could land on
	 * different servers: readers are ordinary connections */
	if (pool->pooled || pb_wait_self() == NULL ||
	    !pb_pipe_ready(s->pipe, pool->url, pool->timeout_ms))
		return pb_db_acquire(pool, out);
	struct pb_db *db = xcalloc(1, sizeof(*db));
	db->fd = -1;
	db->pipe = s->pipe;
	db->timeout_ms = pool->timeout_ms;
	*out = db;
	return PB_OK;
}

void pb_db_pool_set_replica(struct pb_db_pool *pool, const char *url, int max_lag_ms)
{
	struct pb_db_pool *rp = pb_db_pool_new(url, pool->size, pool->timeout_ms, pool->nshards,
	    pool->pooled);

	rp->owner = pool;
	pool->replica = pb_db_replica_new(rp, max_lag_ms);
}

enum pb_err pb_db_acquire_stale(struct pb_db_pool *pool, int reader, struct pb_db **out)
{
	enum pb_err (*acquire)(struct pb_db_pool *, struct pb_db **) =
	    reader ? pb_db_acquire_reader : pb_db_acquire;

	if (pool->replica == NULL)
		return acquire(pool, out);
	struct pb_db_pool *rp = pb_db_replica_pick(pool->replica);
	int on_replica = rp != NULL && acquire(rp, out) == PB_OK;
	if (rp != NULL && !on_replica)
		pb_db_replica_failed(pool->replica);
	pb_db_replica_served(pool->replica, on_replica);
	return on_replica ? PB_OK : acquire(pool, out);
}

void pb_db_release(struct pb_db_pool *pool, struct pb_db *db)
{
	if (db == NULL)
		return;
	if (db->pipe != NULL) {
		free(db);   /* a reader handle: the connection is the pipe's */
		return;
	}
	/* a connection goes home, to its own shard (a replica's included) */
	struct shard *s = pb_db_home(db);
	if (s == NULL)
		s = my_shard(pool);
	pool = s->pool;
	int keep = pb_db_reusable(db);
	struct waiter *w = next_waiter(s);
	if (keep && w != NULL) {
		w->given = db;           /* stays in use, now the waiter's */
		pb_wait_wake(w->task);
		return;
	}
	atomic_fetch_sub(&pool->in_use, 1);
	if (keep) {
		s->idle[s->nidle++] = db;
	} else {
		pb_db_close(db);
		slot_freed(s);
	}
	if (w != NULL)
		pb_wait_wake(w->task);   /* a slot is free: it opens one */
}

void pb_db_pool_stats(struct pb_db_pool *pool, struct pb_db_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->size = pool->size;
	out->open = atomic_load(&pool->open);
	out->in_use = atomic_load(&pool->in_use);
	out->waiting = atomic_load(&pool->waiting);
	out->waits = atomic_load(&pool->waits);
	out->wait_seconds = (double)atomic_load(&pool->wait_us) / 1e6;
	pb_db_query_stats(&out->queries);
	if (pool->replica != NULL)
		pb_db_replica_stats(pool->replica, out);
}
