/* SPDX-License-Identifier: MIT */
/*
 * indicative.c — allocation schemes and indicative budgets (indicative.h):
 * begin → checks → the calculators → store → audit + event → commit.
 */
#include "internal/budgets/indicative.h"

#include <stdlib.h>

#include <cJSON.h>

#include "internal/audit/service.h"
#include "internal/budgets/allocation_json.h"
#include "internal/budgets/store.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/records/service.h"

enum pb_err pb_indicative_scheme_publish(struct pb_db *db, const struct pb_actor *actor,
    const char *definition, char id[37], char **json, int *version)
{
	char *changes = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = pb_budget_store_scheme_insert(db, actor, definition, id, version);
	if (err == PB_OK)
		err = pb_budget_store_scheme_get(db, actor->la, id, json, version);
	if (err == PB_OK) {
		changes = pb_audit_before_after(NULL, *json);
		err = pb_audit_record(db, actor, "allocation_scheme.published", "allocation_scheme",
		    id, changes, "allocation_scheme.published", *json);
	}
	free(changes);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_indicative_scheme_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_budget_store_scheme_get(db, scope->la, id, json, version);
}

enum pb_err pb_indicative_scheme_list(struct pb_db *db, const char *la, int version,
    const char *cursor, int limit, char **json)
{
	return pb_budget_store_scheme_list(db, la, version, cursor, limit, json);
}

/* The child is the council's and has a plan, maintained or in preparation
 * (ELIG-1); *plan_id gets it. */
static enum pb_err child_plan(struct pb_db *db, const char *la, const char *child_id,
    char plan_id[37], struct pb_problem *p)
{
	int ceased = 0;
	enum pb_err err = pb_budget_store_child_exists(db, la, child_id);

	if (err == PB_ENOTFOUND)
		return pb_problem_field(p, "child_id", "not_found", "No such child in this council.");
	if (err == PB_OK)
		err = pb_budget_store_child_plan(db, la, child_id, plan_id, &ceased);
	if (err == PB_ENOTFOUND)
		return pb_problem_set(p, PB_ERULE, "ELIG-1", "The child has no EHC plan: an "
		    "indicative budget is made for a plan being prepared or maintained.");
	if (err == PB_OK && ceased)
		return pb_problem_set(p, PB_ERULE, "ELIG-1", "The child's EHC plan has ceased: "
		    "the council no longer maintains it.");
	return err;
}

/* The scheme version asked for (0: the latest), read back into *s; *tree
 * holds the strings s points to (caller cJSON_Delete()s). */
static enum pb_err load_scheme(struct pb_db *db, const char *la, int version, char id[37],
    int *version_out, struct pb_alloc_scheme *s, cJSON **tree, struct pb_problem *p)
{
	struct pb_problem mine;
	const char *name = NULL;
	char *text = NULL;

	*tree = NULL;
	enum pb_err err = pb_budget_store_scheme_definition(db, la, version, id, version_out,
	    &text);
	if (err == PB_ENOTFOUND)
		return version == 0 ?
		    pb_problem_field(p, "scheme_version", "not_found", "The council has published "
		    "no allocation scheme yet.") :
		    pb_problem_field(p, "scheme_version", "not_found", "The council's allocation "
		    "scheme has no version %d.", version);
	if (err)
		return err;
	*tree = cJSON_Parse(text);
	free(text);
	pb_problem_init(&mine);
	/* stored only after the same reader accepted it */
	if (*tree == NULL || pb_alloc_scheme_read(*tree, s, &name, &mine) != PB_OK)
		return PB_EINTERNAL;
	return PB_OK;
}

/* The result's rows: the indicative budget, then each element with its lines. */
static enum pb_err store_result(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_indicative_in *in, const char *plan_id,
    const char *scheme_id, int version, const struct pb_alloc_result *r)
{
	enum pb_err err = pb_budget_store_indicative_insert(db, actor, id, in->child_id, plan_id,
	    scheme_id, version, in->inputs_json, r->total_pence);

	for (size_t i = 0; i < r->nelements && err == PB_OK; i++) {
		char *lines = pb_alloc_lines_json(&r->elements[i]);
		err = pb_budget_store_indicative_element(db, actor->la, id, (int)i,
		    r->elements[i].stream, r->elements[i].service_type, r->elements[i].pence, lines);
		free(lines);
	}
	return err;
}

enum pb_err pb_indicative_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_indicative_in *in, struct pb_problem *p, char id[37], char **json)
{
	struct pb_alloc_scheme *s = calloc(1, sizeof(*s));
	struct pb_alloc_result *r = calloc(1, sizeof(*r));
	const struct pb_scope staff = { actor->la, NULL };
	cJSON *tree = NULL;
	char plan_id[37], scheme_id[37], *changes = NULL;
	int version = 0;

	*json = NULL;
	if (s == NULL || r == NULL)
		abort();
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = child_plan(db, actor->la, in->child_id, plan_id, p);
	if (err == PB_OK)
		err = load_scheme(db, actor->la, in->scheme_version, scheme_id, &version, s, &tree, p);
	if (err == PB_OK)
		err = pb_alloc_compute(s, in->in, r, p);
	if (err == PB_OK) {
		pb_uuid_new(id);
		err = store_result(db, actor, id, in, plan_id, scheme_id, version, r);
	}
	if (err == PB_OK)
		err = pb_budget_store_indicative_get(db, &staff, id, json, NULL);
	if (err == PB_OK) {
		changes = pb_audit_before_after(NULL, *json);
		err = pb_audit_record(db, actor, "indicative_budget.created", "indicative_budget",
		    id, changes, "indicative_budget.created", *json);
	}
	free(changes);
	cJSON_Delete(tree);
	free(s);
	free(r);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_indicative_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_budget_store_indicative_get(db, scope, id, json, version);
}

enum pb_err pb_indicative_list_for_child(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_rec_child_visible(db, scope, child_id);

	if (err)
		return err;
	return pb_budget_store_indicative_list(db, scope, child_id, cursor, limit, json);
}
