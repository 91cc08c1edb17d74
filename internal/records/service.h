/* SPDX-License-Identifier: MIT */
/*
 * records/service.h — core records (people, children, contacts, EHC
 * plans): the door api/ and the other services use.
 *
 * Every function takes the caller's tenant (actor->la or scope->la).
 * Writes are one transaction that also writes the audit row and event
 * (internal/audit).  Reads honour scope->family_person_id (ownership).  On
 * PB_OK, *json is the resource as JSON text (malloc'd; the caller frees)
 * and *version its ETag counter.  Inputs are already shape-checked by
 * api/; the database re-checks shapes.  Thread-safety: one struct pb_db
 * per task.
 */
#ifndef PB_RECORDS_SERVICE_H
#define PB_RECORDS_SERVICE_H

#include <stdint.h>

#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/records/rules.h"

struct pb_db;

struct pb_person_in {
	const char *given_name, *family_name, *email, *phone;  /* email/phone may be NULL */
};

struct pb_child_in {
	const char *given_name, *family_name;   /* NULL: unchanged (patch) */
	int has_dob;
	int32_t date_of_birth;
};

struct pb_contact_in {
	const char *person_id;
	enum pb_relationship relationship;
	int has_parental_responsibility;
	int lives_with_child;
	/* Optional facts for the eligibility rules (0 when not given): */
	int nominated_in_writing;   /* PBR reg 5(1)(c), ELIG-3, PAY-1 */
	int dp_excluded;            /* PAY-4 */
	int lacks_capacity;         /* ELIG-3, PAY-2 */
};

/* Plan fields; a has_* flag of 0 means "not given". */
struct pb_plan_in {
	int status;          /* enum pb_plan_status, or 0: not given */
	int has_assessment_agreed_on, has_issued_on, has_next_review_due, has_ceased_on;
	int32_t assessment_agreed_on, issued_on, next_review_due, ceased_on;
};

enum pb_err pb_rec_person_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_person_in *in, char id[37], char **json);
enum pb_err pb_rec_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* PB_OK when the person exists in la, else PB_ENOTFOUND. */
enum pb_err pb_rec_person_exists(struct pb_db *db, const char *la, const char *id);

enum pb_err pb_rec_child_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_child_in *in, char id[37], char **json, int *version);
enum pb_err pb_rec_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* cursor: NULL or the id after which to continue. */
enum pb_err pb_rec_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json);
/* if_match: -1 for none; a different current version → PB_EPRECONDITION. */
enum pb_err pb_rec_child_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, int if_match, char **json,
    int *version);
/* Ownership: PB_OK when the child exists in scope (family: is a contact). */
enum pb_err pb_rec_child_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id);

/* PB_ENOTFOUND when the child is not in the tenant; PB_EINVAL (field
 * person_id in p) when the person is not; PB_ECONFLICT when the person is
 * already a contact. */
enum pb_err pb_rec_contact_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_contact_in *in, struct pb_problem *p,
    char id[37], char **json);
/* One contact of a visible child. */
enum pb_err pb_rec_contact_get(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *contact_id, char **json);
enum pb_err pb_rec_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);

enum pb_err pb_rec_plan_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_plan_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version);
enum pb_err pb_rec_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);
/* A status change follows pb_plan_transition (PB_ETRANSITION in p). */
enum pb_err pb_rec_plan_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version);

#endif
