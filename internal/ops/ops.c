/* SPDX-License-Identifier: MIT */
/* ops.c — operations' door to the database (see ops.h). */
#include "internal/ops/ops.h"

#include <stdio.h>

#include "internal/db/db.h"
#include "internal/db/migrate.h"

extern const char pb_seed_demo_sql[];
extern const char pb_seed_bench_sql[];

struct pb_db_pool *pb_ops_pool_new(const struct pb_config *cfg)
{
	struct pb_db_pool *pool = pb_db_pool_new(cfg->database_url, cfg->db_pool,
	    cfg->db_timeout_ms, cfg->threads, cfg->db_pooled);

	if (cfg->database_read_url[0] != '\0')
		pb_db_pool_set_replica(pool, cfg->database_read_url, cfg->read_max_lag_ms);
	return pool;
}

void pb_ops_pool_free(struct pb_db_pool *pool)
{
	pb_db_pool_free(pool);
}

void pb_ops_pool_metrics(struct pb_db_pool *pool, struct pb_metrics_pool *out)
{
	struct pb_db_stats s;

	pb_db_pool_stats(pool, &s);
	out->size = s.size;
	out->open = s.open;
	out->in_use = s.in_use;
	out->waiting = s.waiting;
	out->waits = s.waits;
	out->wait_seconds = s.wait_seconds;
	out->queries = s.queries.queries;
	out->unavailable = s.queries.unavailable;
	out->conflicts = s.queries.conflicts;
	out->errors = s.queries.errors;
	out->query_seconds = s.queries.seconds;
	out->replica = s.replica;
	out->replica_lag_ms = s.replica_lag_ms;
	out->replica_open = s.replica_open;
	out->stale_reads_replica = s.stale_reads_replica;
	out->stale_reads_primary = s.stale_reads_primary;
}

enum pb_err pb_ops_connect(const struct pb_config *cfg, struct pb_db **out,
    char *err, size_t errlen)
{
	return pb_db_connect(cfg->database_url, cfg->db_timeout_ms, cfg->db_pooled, out, err,
	    errlen);
}

void pb_ops_close(struct pb_db *db)
{
	pb_db_close(db);
}

const char *pb_ops_db_error(const struct pb_db *db)
{
	return db ? pb_db_error(db) : "";
}

enum pb_err pb_ops_migrate(struct pb_db *db, int *applied, int *version,
    char *err, size_t errlen)
{
	enum pb_err e = pb_migrate_apply(db, applied, err, errlen);

	*version = pb_migrate_latest();
	return e;
}

int pb_ops_schema_current(struct pb_db *db, char *err, size_t errlen)
{
	int current = pb_migrate_current(db);

	/* at or past the binary's version, as /readyz: a newer schema stays
	 * compatible for a release (deploy/README.md) */
	if (current >= pb_migrate_latest())
		return 1;
	snprintf(err, errlen, current < 0 ? "cannot read the schema version: run `pbd migrate` first"
	    : "the schema is at version %d, this binary needs %d: run `pbd migrate` first",
	    current, pb_migrate_latest());
	return 0;
}

enum pb_err pb_ops_seed(struct pb_db *db, enum pb_ops_seed which, char *err,
    size_t errlen)
{
	if (!pb_ops_schema_current(db, err, errlen))
		return PB_EUNAVAILABLE;
	return pb_db_exec_script(db, which == PB_OPS_SEED_BENCH ? pb_seed_bench_sql
	    : pb_seed_demo_sql, err, errlen);
}

void pb_ops_readiness(struct pb_db *db, struct pb_ops_readiness *out)
{
	out->expected_schema_version = pb_migrate_latest();
	out->schema_version = db ? pb_migrate_current(db) : -1;
	out->why = NULL;
	out->read_only = 0;
	if (db == NULL || out->schema_version < 0) {
		out->why = "database unreachable";
	} else if (out->schema_version < out->expected_schema_version) {
		out->why = "schema is older than this binary's version: run pbd migrate";
	} else {
		out->read_only = pb_db_read_only(db);
		if (out->read_only != 0)
			out->why = out->read_only > 0 ? "connected to a read-only server (a standby?)" :
			    "database unreachable";
	}
	out->ready = out->why == NULL;
}
