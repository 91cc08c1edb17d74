/* SPDX-License-Identifier: MIT */
/* migrate.c — applies embedded migrations (see migrate.h). */
#include "internal/db/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/db/db.h"

/* Arbitrary constant naming our advisory lock. */
#define MIGRATE_LOCK_KEY "7261731"

int pb_migrate_latest(void)
{
	return pb_migrations_count > 0 ? pb_migrations[pb_migrations_count - 1].version : 0;
}

int pb_migrate_current(struct pb_db *db)
{
	PGresult *res = NULL;

	if (pb_db_query(db, "SELECT coalesce(max(version), 0) FROM schema_migrations",
	    0, NULL, &res) != PB_OK)
		return -1;
	int v = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static enum pb_err apply_one(struct pb_db *db, const struct pb_migration *m,
    int *applied, char *errbuf, size_t errlen)
{
	char version[16];
	PGresult *res = NULL;
	const char *p1[] = { version };

	snprintf(version, sizeof(version), "%d", m->version);
	enum pb_err err = pb_db_begin(db);
	if (err)
		goto fail;
	err = pb_db_query(db, "SELECT 1 FROM schema_migrations WHERE version = $1",
	    1, p1, &res);
	if (err)
		goto fail;
	int done = PQntuples(res) > 0;
	PQclear(res);
	if (done) {
		pb_db_rollback(db);
		return PB_OK;
	}
	/* Multi-statement text: simple query protocol, no parameters. */
	res = PQexec(pb_db_conn(db), m->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(errbuf, errlen, "migration %s failed: %s", m->name,
		    PQresultErrorMessage(res));
		PQclear(res);
		pb_db_rollback(db);
		return PB_EDB;
	}
	PQclear(res);
	const char *p2[] = { version, m->name };
	err = pb_db_query(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
	    2, p2, NULL);
	if (err)
		goto fail;
	err = pb_db_commit(db);
	if (err)
		goto fail;
	(*applied)++;
	return PB_OK;
fail:
	snprintf(errbuf, errlen, "migration %s failed: %s", m->name, pb_db_error(db));
	pb_db_rollback(db);
	return err;
}

enum pb_err pb_migrate_apply(struct pb_db *db, int *applied, char *errbuf,
    size_t errlen)
{
	*applied = 0;
	/* Lock first: CREATE TABLE IF NOT EXISTS is not safe against a
	 * concurrent create (duplicate key in pg_type). */
	enum pb_err err = pb_db_query(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")",
	    0, NULL, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "CREATE TABLE IF NOT EXISTS schema_migrations ("
		    " version integer PRIMARY KEY, name text NOT NULL,"
		    " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL, NULL);
	if (err) {
		snprintf(errbuf, errlen, "cannot prepare migrations: %s", pb_db_error(db));
		pb_db_query(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
		return err;
	}
	for (int i = 0; i < pb_migrations_count && err == PB_OK; i++)
		err = apply_one(db, &pb_migrations[i], applied, errbuf, errlen);
	pb_db_query(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL, NULL);
	return err;
}
