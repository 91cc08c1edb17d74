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
	int consent_withdrawn;      /* PAY-3 */
};

/* A contact's facts the rules read (PATCH: has_* 0 = unchanged). */
struct pb_contact_patch {
	int has_parental_responsibility, has_lives_with_child, has_nominated_in_writing;
	int has_dp_excluded, has_lacks_capacity, has_consent_withdrawn;
	int parental_responsibility, lives_with_child, nominated_in_writing;
	int dp_excluded, lacks_capacity, consent_withdrawn;
};

/* A contact as the rules see it; found = 0 when the person is not one. */
struct pb_rec_contact_facts {
	int found;
	char id[37];
	enum pb_relationship relationship;
	int has_parental_responsibility, lives_with_child, nominated_in_writing;
	int dp_excluded, lacks_capacity, consent_withdrawn;
};

/* Plan fields; a has_* flag of 0 means "not given". */
struct pb_plan_in {
	int status;          /* enum pb_plan_status, or 0: not given */
	int has_assessment_agreed_on, has_issued_on, has_next_review_due, has_ceased_on;
	int has_cease_notice_on;
	int32_t assessment_agreed_on, issued_on, next_review_due, ceased_on, cease_notice_on;
};

/* What a plan change did, for the services whose rules it governs. */
struct pb_rec_plan_change {
	char child_id[37];
	enum pb_plan_status from, to;
	int32_t ceased_on;                  /* PB_DATE_NONE unless it ceased now */
};

enum pb_err pb_rec_person_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_person_in *in, char id[37], char **json);
enum pb_err pb_rec_person_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* PB_OK when the person exists in la, else PB_ENOTFOUND. */
enum pb_err pb_rec_person_exists(struct pb_db *db, const char *la, const char *id);
/* PATCH a person (given/family name, email, phone; NULL = unchanged). */
enum pb_err pb_rec_person_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_person_in *in, int if_match, char **json,
    int *version);

enum pb_err pb_rec_child_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_child_in *in, char id[37], char **json, int *version);
enum pb_err pb_rec_child_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* cursor: NULL or the id after which to continue. */
enum pb_err pb_rec_child_list(struct pb_db *db, const struct pb_scope *scope,
    const char *cursor, int limit, char **json);
/* A search of la's records: q (1..100 bytes, clean UTF-8) matches a full
 * name whatever its case and accents, as a part of it ("byr" finds
 * "Byron", "zoe" finds "Zoë") or a similar spelling (pg_trgm, "jonathon"
 * finds "Jonathan"); dob (children) and email (people, exact, any case)
 * must equal; with none, every record of la matches (id order).  Staff
 * only: api/ keeps family tokens out.  Best match first (a part of the
 * name scores 1), then id; cursor: the last row's id. */
struct pb_rec_search {
	const char *q;
	int has_dob;
	int32_t dob;
	const char *email;
};
enum pb_err pb_rec_child_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json);
enum pb_err pb_rec_person_search(struct pb_db *db, const char *la,
    const struct pb_rec_search *q, const char *cursor, int limit, char **json);
/* if_match: -1 for none; a different current version → PB_EPRECONDITION. */
enum pb_err pb_rec_child_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_child_in *in, int if_match, char **json,
    int *version);
/* The child's date of birth; PB_ENOTFOUND when not in la. */
enum pb_err pb_rec_child_dob(struct pb_db *db, const char *la, const char *child_id,
    int32_t *dob);
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
    const char *child_id, const char *contact_id, char **json, int *version);
enum pb_err pb_rec_contact_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);
/* The contact record of person_id for child_id (found = 0 when none). */
enum pb_err pb_rec_contact_facts(struct pb_db *db, const char *la, const char *child_id,
    const char *person_id, struct pb_rec_contact_facts *out);
/* INSIDE THE CALLER'S TRANSACTION: PATCH a contact's facts (If-Match on
 * its version), audited contact.updated with before/after; *after gets
 * the facts now and *person_id (37 bytes) the contact's person. */
enum pb_err pb_rec_contact_patch_tx(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const char *contact_id, const struct pb_contact_patch *in,
    int if_match, char **json, int *version, struct pb_rec_contact_facts *after,
    char person_id[37]);

enum pb_err pb_rec_plan_create(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const struct pb_plan_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version);
enum pb_err pb_rec_plan_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_rec_plan_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);
/* INSIDE THE CALLER'S TRANSACTION (the budgets service's
 * pb_budget_plan_patch, which applies what a cessation stops): a status
 * change follows pb_plan_transition (PB_ETRANSITION in p), ELIG-11 on
 * issue, PLAN-2 on the review date, PLAN-5 on cessation; audited; *chg
 * says what changed.  The plan row is locked until the caller commits. */
enum pb_err pb_rec_plan_patch_tx(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version, struct pb_rec_plan_change *chg);
/* The plan as JSON after the caller's changes (within its transaction). */
enum pb_err pb_rec_plan_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);

#endif
