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

enum pb_err pb_rec_store_child_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, char **json, int *version);
enum pb_err pb_rec_store_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id);
enum pb_err pb_rec_store_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_store_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json);
/* The row FOR UPDATE as JSON, and its version. */
enum pb_err pb_rec_store_child_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* Fields of in that are given replace the stored ones; bumps version. */
enum pb_err pb_rec_store_child_update(struct pb_db *db, const char *la, const char *id,
    const struct pb_child_in *in, char **json, int *version);

enum pb_err pb_rec_store_contact_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const struct pb_contact_in *in, char **json);
enum pb_err pb_rec_store_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json);
enum pb_err pb_rec_store_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

/* A plan row; dates NULL when not set. */
struct pb_rec_plan_row {
	enum pb_plan_status status;
	const char *assessment_agreed_on, *issued_on, *next_review_due, *ceased_on;
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
/* FOR UPDATE: the JSON, version and status. */
enum pb_err pb_rec_store_plan_lock(struct pb_db *db, const char *la, const char *id,
    char **json, int *version, enum pb_plan_status *status);
enum pb_err pb_rec_store_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_store_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

#endif
