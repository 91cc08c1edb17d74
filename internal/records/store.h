/* SPDX-License-Identifier: MIT */
/*
 * records/store.h — the SQL of core records (private to internal/records:
 * other code uses service.h).  Every statement names the tenant; reads in
 * a family scope add the contacts ownership test.  Never begins or ends a
 * transaction.  *json outputs are malloc'd (caller frees); PB_ENOTFOUND
 * when the row is not there for this tenant or scope.
 */
#ifndef PB_RECORDS_STORE_H
#define PB_RECORDS_STORE_H

#include <stdint.h>

#include "internal/records/service.h"

enum pb_err pb_rec_store_person_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_person_in *in, char **json);
enum pb_err pb_rec_store_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_store_person_exists(struct pb_db *db, const char *la, const char *id);
/* The row FOR UPDATE as JSON, and its version. */
enum pb_err pb_rec_store_person_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* Fields of in that are given (non-NULL) replace the stored ones. */
enum pb_err pb_rec_store_person_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_person_in *in, char **json, int *version);

enum pb_err pb_rec_store_child_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, char **json, int *version);
enum pb_err pb_rec_store_child_dob(struct pb_db *db, const char *la, const char *child_id,
    int32_t *dob);
enum pb_err pb_rec_store_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id);
enum pb_err pb_rec_store_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_store_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json);
/* Search children (q: name; dob) or people (q: name; email) of la, best
 * match first (see pb_rec_child_search). */
enum pb_err pb_rec_store_child_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json);
enum pb_err pb_rec_store_person_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json);
/* The row FOR UPDATE as JSON, and its version. */
enum pb_err pb_rec_store_child_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* Fields of in that are given replace the stored ones; bumps version. */
enum pb_err pb_rec_store_child_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_child_in *in, char **json, int *version);

enum pb_err pb_rec_store_contact_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const struct pb_contact_in *in, char **json);
enum pb_err pb_rec_store_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json, int *version);
enum pb_err pb_rec_store_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

enum pb_err pb_rec_store_contact_facts(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, struct pb_rec_contact_facts *out);
/* The contact FOR UPDATE: its JSON, version and person. */
enum pb_err pb_rec_store_contact_lock(struct pb_db *db, const char *la,
    const char *child_id, const char *contact_id, char **json, int *version,
    char person_id[37]);
/* Facts given in the patch replace the stored ones; bumps version. */
enum pb_err pb_rec_store_contact_update(struct pb_db *db, const char *la,
    const char *contact_id, const struct pb_contact_patch *in, char **json, int *version);

/* A plan row; dates NULL when not set. */
struct pb_rec_plan_row {
	enum pb_plan_status status;
	const char *assessment_agreed_on, *issued_on, *next_review_due, *ceased_on;
	const char *cease_notice_on, *appeal_window_ends_on;
};
/* The plan's facts the rules need, read with its row locked. */
struct pb_rec_plan_facts {
	char child_id[37];
	enum pb_plan_status status;
	int32_t issued_on, next_review_due, last_review_on;   /* PB_DATE_NONE */
};
enum pb_err pb_rec_store_plan_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const struct pb_rec_plan_row *row);
/* Dates given (non-NULL) replace the stored ones. */
enum pb_err pb_rec_store_plan_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_rec_plan_row *row);
/* Append a status change in force from `effective` (YYYY-MM-DD). */
enum pb_err pb_rec_store_plan_history(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, enum pb_plan_status status, const char *effective);
enum pb_err pb_rec_store_plan_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* FOR UPDATE: the JSON, version and facts (last_review_on: the day the
 * plan last entered under_review). */
enum pb_err pb_rec_store_plan_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version, struct pb_rec_plan_facts *facts);
enum pb_err pb_rec_store_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_store_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

#endif
