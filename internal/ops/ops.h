/* SPDX-License-Identifier: MIT */
/*
 * ops.h — the one door from cmd/ and api/ops.c to the database layer for
 * operations: the connection pool a daemon serves from, a standalone
 * connection for a command, migrations, seeds, readiness and pool gauges.
 * Domain work never goes through here: it goes through the services.
 * Thread-safety: as internal/db (one struct pb_db per task; the pool is
 * shared and sharded per loop).
 */
#ifndef PB_OPS_OPS_H
#define PB_OPS_OPS_H

#include <stddef.h>

#include "internal/config/config.h"
#include "internal/core/err.h"
#include "internal/metrics/metrics.h"

struct pb_db;
struct pb_db_pool;

/* The daemon's pool: cfg->db_pool connections in cfg->threads shards, none
 * opened yet.  Never NULL.  Free with pb_ops_pool_free (no connection out). */
struct pb_db_pool *pb_ops_pool_new(const struct pb_config *cfg);
void pb_ops_pool_free(struct pb_db_pool *pool);

/* Size, open, in use and waiting, for /metrics. */
void pb_ops_pool_metrics(struct pb_db_pool *pool, struct pb_metrics_pool *out);

/* A standalone connection to cfg->database_url for a command; on failure
 * writes a one-line reason to err.  Close with pb_ops_close (NULL ok). */
enum pb_err pb_ops_connect(const struct pb_config *cfg, struct pb_db **out,
    char *err, size_t errlen);
void pb_ops_close(struct pb_db *db);

/* The last database error, for a command's message (never to clients). */
const char *pb_ops_db_error(const struct pb_db *db);

/* Apply pending migrations; *applied how many, *version the schema after. */
enum pb_err pb_ops_migrate(struct pb_db *db, int *applied, int *version,
    char *err, size_t errlen);

/* 1 when the schema is at this binary's version, else 0 (writes why). */
int pb_ops_schema_current(struct pb_db *db, char *err, size_t errlen);

enum pb_ops_seed {
	PB_OPS_SEED_DEMO = 1,    /* the demo council E09000007 */
	PB_OPS_SEED_BENCH        /* the benchmark data set */
};

/* Run an embedded seed script (idempotent) on a migrated database. */
enum pb_err pb_ops_seed(struct pb_db *db, enum pb_ops_seed which, char *err,
    size_t errlen);

/* GET /readyz: db is the request's connection, or NULL when none could be
 * had.  ready = 1 when it answers, takes writes (not a standby, not
 * read-only) and its schema is at least the binary's version — a newer
 * schema is served too, so a rolling upgrade's migration (N+1) leaves the
 * pods of N ready and a rollback becomes ready (migrations stay backward
 * compatible for a release: expand, then contract; deploy/README.md);
 * else why says which (a static string). */
struct pb_ops_readiness {
	int ready;
	int schema_version;           /* -1 when unknown */
	int expected_schema_version;  /* the binary's: the oldest schema it runs on */
	int read_only;                /* 1: a standby or read-only session */
	const char *why;              /* NULL when ready */
};
void pb_ops_readiness(struct pb_db *db, struct pb_ops_readiness *out);

#endif
