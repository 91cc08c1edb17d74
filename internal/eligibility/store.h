/* SPDX-License-Identifier: MIT */
/*
 * store.h — the eligibility service's SQL (private to internal/eligibility): the local offer, the facts a
 * check needs (child, contact, plan history), stored checks and budget
 * requests.
 *
 * Every function takes the tenant (la) and names it in every statement.
 * None of them begins or ends a transaction: service.c does, so a check,
 * its request, the audit rows and the events commit together.  Statements
 * are parameterised ($n); nothing is concatenated into SQL.  Errors are
 * pb_db_query()'s (PB_EUNAVAILABLE, PB_ECONFLICT, PB_EDB) plus
 * PB_ENOTFOUND where stated.  JSON out-parameters are malloc'd text the
 * caller frees; fixed-size out-structs are filled by value (no pointers
 * into a PGresult survive a call).  Thread-safety: one struct pb_db per
 * thread, as db.h says.
 */
#ifndef PB_ELIGIBILITY_STORE_H
#define PB_ELIGIBILITY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/eligibility/service.h"

/* The la's own offer rows, ordered by service_type: all of them (types ==
 * NULL) or those whose service_type is one of types[0..ntypes).  At most
 * max rows are written; *n gets how many. */
enum pb_err pb_elig_store_offer_load(struct pb_db *db, const char *la,
    const char *const *types, size_t ntypes, struct pb_elig_offer_row *rows,
    size_t max, size_t *n);

/* Lock the la's row for service_type (FOR UPDATE) into *row;
 * PB_ENOTFOUND when the la has none (the default, if any, holds). */
enum pb_err pb_elig_store_offer_lock(struct pb_db *db, const char *la,
    const char *service_type, struct pb_elig_offer_row *row);

/* How many rows the la has. */
enum pb_err pb_elig_store_offer_count(struct pb_db *db, const char *la, int *n);

/* Insert or update the la's row for in->service_type from in's stream and
 * flags (a new row gets a new id, version 1; an update bumps version), by
 * actor->sub.  *out gets the stored row. */
enum pb_err pb_elig_store_offer_upsert(struct pb_db *db,
    const struct pb_actor *actor, const struct pb_elig_offer_row *in,
    struct pb_elig_offer_row *out);


/* A request's status, child and requested elements. */
enum pb_err pb_elig_store_request_facts(struct pb_db *db, const char *la,
    const char *request_id, struct pb_elig_request_facts *out);

/* The child's most relevant EHC plan — the latest created that is not
 * ceased, else the latest created — and its newest
 * PB_ELIG_MAX_PLAN_HISTORY status changes.  plan_id[0] == '\0' and
 * *nhistory == 0 when the child has no plan. */
enum pb_err pb_elig_store_plan(struct pb_db *db, const char *la,
    const char *child_id, char plan_id[37],
    struct pb_elig_plan_event history[PB_ELIG_MAX_PLAN_HISTORY],
    size_t *nhistory);

/* Insert an eligibility check (result_json: {"elements":…,"basis":…}) and
 * return it as the API renders it. */
enum pb_err pb_elig_store_check_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *child_id,
    const char *requester_person_id, int32_t as_of, const char *outcome,
    const char *result_json, char **json);

/* A check (or, for pb_elig_store_request_get, a request) by id in the la,
 * and its child (for the caller's ownership test).  PB_ENOTFOUND when
 * absent.  *version is the request's ETag counter (may be NULL). */
enum pb_err pb_elig_store_check_get(struct pb_db *db, const char *la,
    const char *id, char child_id[37], char **json);
enum pb_err pb_elig_store_request_get(struct pb_db *db, const char *la,
    const char *id, char child_id[37], char **json, int *version);

enum pb_err pb_elig_store_request_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *child_id,
    const char *requester_person_id, const char *check_id,
    enum pb_elig_request_status status, const char *notes, char **json,
    int *version);

/* Lock a request (FOR UPDATE): its status, child, who decided it (""
 * when none) and current JSON (*before, malloc'd).  PB_ENOTFOUND when
 * absent. */
enum pb_err pb_elig_store_request_lock(struct pb_db *db, const char *la,
    const char *id, enum pb_elig_request_status *status, char child_id[37],
    char decided_by[128], int *version, char **before);

/* Record `action` moving the request to `to`: the decision, review or
 * withdrawal columns that action owns get reason (may be NULL for a
 * withdrawal), actor->sub and now(); BUDGET_LINKED records budget_id.
 * Bumps version; returns the new JSON and version. */
enum pb_err pb_elig_store_request_update(struct pb_db *db,
    const struct pb_actor *actor, const char *id,
    enum pb_elig_request_action action, enum pb_elig_request_status to,
    const char *reason, const char *budget_id, char **json, int *version);

/* One page of the la's requests with their papers (service.h,
 * pb_elig_request_list); scope->family_person_id limits it to a family's
 * children. */
enum pb_err pb_elig_store_request_list(struct pb_db *db, const struct pb_scope *scope,
    const char *statuses, const char *child_id, const char *cursor, int limit, char **json);

/* Store one element's panel decision by actor->sub (the guard trigger
 * refuses an element the request did not ask for, or a request not in
 * panel_referral: PB_ECONFLICT/PB_EDB). */
enum pb_err pb_elig_store_decision_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *request_id, const struct pb_elig_element_decision *d);

#endif
