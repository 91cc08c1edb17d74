/* SPDX-License-Identifier: MIT */
/*
 * budgets/indicative.h — resource allocation (docs/budgets.md "Indicative
 * budgets"): the council's allocation scheme, published by an admin as
 * immutable numbered versions, and indicative budgets — what a child's
 * assessed needs come to under one version (allocation.h), kept with the
 * calculation line by line.  Part of the budgets service's door; each
 * write is one transaction (checks → store → audit + event).  *json is
 * malloc'd JSON text (the caller frees).  Thread-safety: one struct pb_db
 * per task.
 */
#ifndef PB_BUDGETS_INDICATIVE_H
#define PB_BUDGETS_INDICATIVE_H

#include "internal/budgets/allocation.h"
#include "internal/core/scope.h"

struct pb_db;

/* POST /v1/allocation-schemes: publish definition (JSON object text that
 * pb_alloc_scheme_read accepted) as the council's next version (1 for the
 * first); id written, *json the version.  Concurrent publishers each get a
 * number of their own. */
enum pb_err pb_indicative_scheme_publish(struct pb_db *db, const struct pb_actor *actor,
    const char *definition, char id[37], char **json, int *version);

/* GET /v1/allocation-schemes/{id} (staff; *version the version number). */
enum pb_err pb_indicative_scheme_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);

/* GET /v1/allocation-schemes: newest first; version > 0 lists only it. */
enum pb_err pb_indicative_scheme_list(struct pb_db *db, const char *la, int version,
    const char *cursor, int limit, char **json);

/* An indicative budget as asked for: the child, the scheme version (0:
 * the latest), the calculators' inputs and the same inputs as JSON object
 * text (kept with the result).  Borrowed. */
struct pb_indicative_in {
	const char *child_id;
	int scheme_version;
	const struct pb_alloc_in *in;
	const char *inputs_json;
};

/* POST /v1/indicative-budgets: work it out and keep it (id written, *json
 * it).  PB_EINVAL: unknown child ("child_id"), no such version
 * ("scheme_version"), inputs the scheme cannot price (pb_alloc_compute);
 * PB_ERULE ELIG-1: the child has no EHC plan, or only a ceased one (a
 * plan in preparation — assessment_agreed — is enough); PB_ERULE BUD-1,
 * BUD-11, BUD-12: pb_alloc_compute. */
enum pb_err pb_indicative_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_indicative_in *in, struct pb_problem *p, char id[37], char **json);

/* GET /v1/indicative-budgets/{id} and a child's list (family: its own
 * children only; PB_ENOTFOUND otherwise). */
enum pb_err pb_indicative_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_indicative_list_for_child(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

#endif
