/* SPDX-License-Identifier: MIT */
/*
 * migrate.h — numbered SQL migrations compiled into the binary.
 *
 * internal/db/migrations/NNN_name.sql are embedded at build time
 * (deploy/embed-migrations.sh) into pb_migrations[], in order.  Applied
 * versions are recorded in schema_migrations; pb_migrate_apply() applies
 * the missing ones, each in its own transaction, under an advisory lock so
 * two processes migrating at once do not collide.
 */
#ifndef PB_DB_MIGRATE_H
#define PB_DB_MIGRATE_H

#include <stddef.h>

#include "internal/core/err.h"

struct pb_db;

struct pb_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct pb_migration pb_migrations[];
extern const int pb_migrations_count;

/* The newest version this binary knows. */
int pb_migrate_latest(void);

/* Apply pending migrations.  *applied gets how many were applied.  On error
 * writes a one-line reason to errbuf. */
enum pb_err pb_migrate_apply(struct pb_db *db, int *applied, char *errbuf,
    size_t errlen);

/* The newest applied version in the database (0 if none, -1 on error). */
int pb_migrate_current(struct pb_db *db);

#endif
