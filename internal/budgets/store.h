/* SPDX-License-Identifier: MIT */
/*
 * budgets/store.h — the budgets service's SQL (and nothing else; private
 * to internal/budgets): budgets, their elements, status history, rule
 * exceptions, and the reads the rules need (plans, contacts, payees).
 *
 * Every function names the tenant (la) and filters every statement on it.
 * Functions never begin or end a transaction: service.c does, and calls
 * these inside it.  Strings in out-structs are copied into fixed buffers;
 * *json outputs are malloc'd (caller frees).  PB_ENOTFOUND when the row is
 * not there for this tenant; other errors come from pb_db_query.
 * Thread-safety: one struct pb_db per thread (db.h).
 */
#ifndef PB_BUDGETS_STORE_H
#define PB_BUDGETS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/budgets/family_view.h"
#include "internal/budgets/service.h"

/* A budget row, locked or read, with the fields the service decides on. */
struct pb_budget_row {
	char id[37], child_id[37], plan_id[37], request_id[37];   /* "" when none */
	enum pb_budget_status status;
	int32_t period_start, period_end;
	char created_by[128];
	int version;
};

/* An element row, as stored. */
struct pb_budget_element_row {
	char id[37];
	int position;
	enum pb_stream stream;
	char service_type[65];
	enum pb_arrangement arrangement;
	int stopped;                    /* PAY-16: status stopped */
	char recipient_person_id[37];   /* "" when none */
	char payee_id[37];              /* "" when none */
	int has_agreement;
	char agreed_provision[2001];
	int school_premises;
	int32_t signed_on, head_teacher_agreed_on;  /* PB_DATE_NONE */
	int32_t head_teacher_withdrawn_on;          /* PAY-6, or PB_DATE_NONE */
};

/* The EHC plan facts for BUD-10. */
struct pb_budget_plan_facts {
	enum pb_plan_status status;
	int ceased;
	int32_t start;             /* issued_on, else assessment_agreed_on, or NO_DATE */
	int32_t ceased_on;         /* or PB_DATE_NONE */
};

enum pb_err pb_budget_store_child_exists(struct pb_db *db, const char *la,
    const char *child_id);

/* The plan when it is this child's; PB_ENOTFOUND otherwise. */
enum pb_err pb_budget_store_plan(struct pb_db *db, const char *la,
    const char *child_id, const char *plan_id, struct pb_budget_plan_facts *out);

/* Fill the payee part of f (kind, person, council flag) from payee_id;
 * person_buf (37 bytes) backs f->payee_person_id. */
enum pb_err pb_budget_store_payee_facts(struct pb_db *db, const char *la,
    const char *payee_id, struct pb_budget_element_facts *f, char person_buf[37]);

/* indicative_budget_id (may be NULL): the indicative budget the draft
 * comes from (the foreign key holds it to the same child). */
enum pb_err pb_budget_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const char *plan_id,
    const char *request_id, const char *indicative_budget_id, int32_t period_start,
    int32_t period_end, enum pb_arrangement arrangement);

/* Insert element `position` of budget (copies child/period/status from the
 * budget row inside the statement).  id is written. */
enum pb_err pb_budget_store_insert_element(struct pb_db *db, const char *la,
    const char *budget_id, int position, const struct pb_budget_element_in *e,
    char id[37]);

/* Delete a draft's elements (and their exceptions). */
enum pb_err pb_budget_store_delete_elements(struct pb_db *db, const char *la,
    const char *budget_id);

/* Update period, arrangement (and bump version) of a budget. */
enum pb_err pb_budget_store_update(struct pb_db *db, const char *la,
    const char *id, int32_t period_start, int32_t period_end,
    enum pb_arrangement arrangement);

/* Set status (approved_by/at when approving), bump version. */
enum pb_err pb_budget_store_set_status(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_status status);

/* Bump version/updated_at (a change to an element or exception). */
enum pb_err pb_budget_store_touch(struct pb_db *db, const char *la, const char *id);

/* Append to budget_status_history (reason may be NULL). */
enum pb_err pb_budget_store_history(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_status status, const char *reason);

/* Lock the budget row (FOR UPDATE) and read it. */
enum pb_err pb_budget_store_lock(struct pb_db *db, const char *la,
    const char *id, struct pb_budget_row *out);

/* All elements of a budget, by position, into rows[0..cap). */
enum pb_err pb_budget_store_elements(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_budget_element_row *rows, size_t cap,
    size_t *n);

/* Write an element's agreement columns from a; a->outcomes NULL keeps
 * the stored outcomes. */
enum pb_err pb_budget_store_set_agreement(struct pb_db *db, const char *la,
    const char *element_id, const struct pb_budget_agreement *a);

/* Record an exception; PB_ECONFLICT when the element already has one for
 * that rule.  *json is the exception. */
enum pb_err pb_budget_store_insert_exception(struct pb_db *db,
    const struct pb_actor *actor, const char *budget_id, const char *element_id,
    const char *rule, const char *reason, char id[37], char **json);

/* The budget as JSON (pb_json) for staff, no ownership test. */
enum pb_err pb_budget_store_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version);

/* Reads honouring scope (family: own children only). */
enum pb_err pb_budget_store_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_budget_store_list_for_child(struct pb_db *db,
    const struct pb_scope *scope, const char *child_id, const char *cursor,
    int limit, char **json);
/* GET /v1/budgets (service.h, pb_budget_list). */
enum pb_err pb_budget_store_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_budget_filter *f, const char *cursor, int limit, char **json);
enum pb_err pb_budget_store_statement(struct pb_db *db,
    const struct pb_scope *scope, const char *id, const char *cursor,
    int limit, char **json);
/* {"budget": pb_json(b), "child": {id, given_name, family_name}}. */
enum pb_err pb_budget_store_section_j_data(struct pb_db *db,
    const struct pb_scope *scope, const char *id, char **json);

/* The family view's rows of person_id (family_view.h) and the version of
 * its read model (0: none yet) in one query, handed to fn while they are
 * valid; fn's result is returned. */
typedef enum pb_err pb_budget_family_rows_fn(const struct pb_family_row *rows, size_t n,
    int64_t version, void *arg);
enum pb_err pb_budget_store_family_rows(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, pb_budget_family_rows_fn *fn, void *arg);
/* Only the version of person_id's read model (0: none yet). */
enum pb_err pb_budget_store_family_version(struct pb_db *db, const char *la,
    const char *person_id, int64_t *version);

/* PB_OK when the budget exists in scope (family: its child's contact). */
enum pb_err pb_budget_store_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *id);

/* The facts of one direct-payment element that its next review is
 * computed from (pb_budget_review_facts_of). */
struct pb_budget_review_row {
	char element_id[37], budget_id[37], child_id[37];
	char child_name[202];
	char stream[16], service_type[65];
	int32_t first_payment;          /* PB_DATE_NONE when none */
	int32_t plan_next_review_due;   /* PB_DATE_NONE when none (or no plan) */
	int32_t last_review;            /* the latest recorded review, or PB_DATE_NONE */
	int32_t date_of_birth;          /* the child's */
};

/* --- the kept answers of GET /v1/reviews/due (migration 022) ---------------- */

/* Inside the caller's transaction: take the council's review lock (one
 * refresh per council at a time), dequeue the direct-payment elements
 * whose kept answer is out of date (queued by migration 022's triggers, or
 * holds_until on or before today) — at most `max` of each kind, *taken
 * how many — and call fn with the facts of each one that is live (element
 * active, budget approved or suspended); stops on fn's non-zero.  Their
 * old answers are deleted; pb_budget_store_review_keep writes the new ones. */
enum pb_err pb_budget_store_review_stale(struct pb_db *db, const char *la, int32_t today,
    int max, int *taken, int (*fn)(const struct pb_budget_review_row *row, void *arg), void *arg);

/* Keep the answers in `answers` (a JSON array of {element_id, due_on,
 * rule, basis, holds_until}; dates YYYY-MM-DD or null) for council la. */
enum pb_err pb_budget_store_review_keep(struct pb_db *db, const char *la,
    const char *answers);

/* Refresh the planner's statistics of the kept answers, after a rebuild
 * (an upgrade, a large payment run), so the queue's plan is an index range
 * at once rather than after autovacuum's next pass. */
enum pb_err pb_budget_store_review_analyze(struct pb_db *db);

/* The page of live direct payments (element active, budget approved or
 * suspended) whose kept review falls on or before `before`, by due date
 * then element id, after element `cursor` (NULL: the first page): the
 * {"items":[…],"next_cursor":…} document in *json (malloc'd), each item
 * overdue when its date is before `today`. */
enum pb_err pb_budget_store_review_due_page(struct pb_db *db, const char *la,
    int32_t today, int32_t before, const char *cursor, int limit, char **json);

/* The same row for one direct-payment element of budget_id in scope. */
enum pb_err pb_budget_store_review_row(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, struct pb_budget_review_row *out);

/* The agreement document (pb_agreement_json, migration 016). */
enum pb_err pb_budget_store_agreement_json(struct pb_db *db, const char *la,
    const char *element_id, char **json);

/* Record a review of an element's agreement (id written); checks[] the
 * PAY-15 answers (enum pb_review_check order). */
enum pb_err pb_budget_store_review_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int32_t reviewed_on, const char *basis,
    const char *outcome, const int checks[PB_REVIEW_CHECKS], const char *notes, char id[37]);

/* PAY-6: the head teacher's agreement withdrawn from day `on`. */
enum pb_err pb_budget_store_head_teacher_withdraw(struct pb_db *db, const char *la,
    const char *element_id, int32_t on, const char *reason);

/* ---- what a plan's cessation and a recipient's stop change ---- */

/* Lock (FOR UPDATE, in id order) the approved and suspended budgets of
 * plan_id; the approved ones whose period runs past `after` are written
 * to ids[0..cap) (*n). */
enum pb_err pb_budget_store_lock_for_plan(struct pb_db *db, const char *la,
    const char *plan_id, int32_t after, char (*ids)[37], size_t cap, size_t *n);

/* The live direct-payment elements (active, budget approved or suspended)
 * of child_id paid to recipient person_id, their budgets locked FOR UPDATE
 * (id order): element ids, budget ids and streams into rows. */
struct pb_budget_dp_row {
	char element_id[37], budget_id[37];
	enum pb_stream stream;
};
enum pb_err pb_budget_store_lock_dp_of(struct pb_db *db, const char *la,
    const char *child_id, const char *person_id, struct pb_budget_dp_row *rows,
    size_t cap, size_t *n);

/* Lock (FOR UPDATE, id order) every approved or suspended budget of a child. */
enum pb_err pb_budget_store_lock_child(struct pb_db *db, const char *la, const char *child_id);

/* Mark an element stopped (PAY-16) with the rule, a reason and the day;
 * bumps its budget's version. */
enum pb_err pb_budget_store_stop_element(struct pb_db *db, const char *la,
    const char *element_id, const char *rule, const char *reason, int32_t on);

/* --- variations (migration 013) ---------------------------------------------- */

/* An element's money and state, for a variation's rules. */
struct pb_budget_element_money {
	char id[37];
	int position;
	enum pb_arrangement arrangement;
	int stopped;
	int64_t allocated_pence, committed_pence, spent_pence;
};

/* Every element of a budget with its figures, by position. */
enum pb_err pb_budget_store_element_money(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_budget_element_money *rows, size_t cap, size_t *n);

/* A variation row, locked or read. */
struct pb_variation_row {
	char id[37], budget_id[37];
	enum pb_variation_status status;
	int needs_notice;
	int asked;                          /* a reconsideration was asked for */
	int32_t effective_from;
	int32_t takes_effect_on;            /* PB_DATE_NONE until approved */
	char stop_rule[8];                  /* "PAY-16", "PAY-17" or "" */
	char requested_by[257], decided_by[257];   /* "" when none */
	int version;
};

/* The council's notice period for reducing a direct payment (BUD-8):
 * council_settings.dp_notice_days, 28 when never set. */
enum pb_err pb_budget_store_notice_days(struct pb_db *db, const char *la, int *days);

/* Insert a pending variation (id written); stop_rule and stop_ground
 * (both or neither NULL) make it a stop of a direct payment. */
enum pb_err pb_budget_store_variation_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, int32_t effective_from, int needs_notice,
    const char *stop_rule, const char *stop_ground, char id[37]);

/* Insert line seq: kind change (element_id, old and new allocation), end
 * (element_id, old allocation) or add (element_id chosen here, *add the
 * element; old ignored). */
enum pb_err pb_budget_store_variation_line(struct pb_db *db, const char *la,
    const char *variation_id, int seq, enum pb_variation_kind kind, char element_id[37],
    int64_t old_pence, int64_t new_pence, const struct pb_budget_element_in *add);

/* Lock (FOR UPDATE) variation id of budget_id; PB_ENOTFOUND otherwise. */
enum pb_err pb_budget_store_variation_lock(struct pb_db *db, const char *la,
    const char *budget_id, const char *id, struct pb_variation_row *out);

/* A variation's lines: kinds[i], element ids, new allocations, and for
 * added elements their columns in added[0..*nadded) (position unused). */
struct pb_variation_lines {
	size_t n;
	enum pb_variation_kind kind[PB_BUDGET_MAX_ELEMENTS];
	char element_id[PB_BUDGET_MAX_ELEMENTS][37];
	int64_t new_pence[PB_BUDGET_MAX_ELEMENTS];
	size_t nadded;
	struct pb_budget_element_row added[PB_BUDGET_MAX_ELEMENTS];
};
enum pb_err pb_budget_store_variation_lines(struct pb_db *db, const char *la,
    const char *id, struct pb_variation_lines *out);

/* Move a variation to `status`, bumping its version.  The decision
 * (approve/reject: by, reason, notice_on, takes_effect_on), the request
 * for reconsideration (by, reason) and its outcome (by, reason, outcome)
 * are written by the step that makes them, chosen by `status` and `from`
 * as pb_variation_transition allows; NULL or PB_DATE_NONE leaves a column. */
struct pb_variation_step {
	enum pb_variation_status from, to;
	const char *by, *reason;
	int32_t notice_on, takes_effect_on;
	int applied_version;                /* to applied */
};
enum pb_err pb_budget_store_variation_step(struct pb_db *db, const char *la,
    const char *id, const struct pb_variation_step *s);

/* Apply the change and add lines to the elements (new allocations, new
 * elements after the last position).  PB_EDB with SQLSTATE 23514 when an
 * allocation no longer covers committed + spent (BUD-9). */
enum pb_err pb_budget_store_variation_apply(struct pb_db *db, const char *la,
    const char *budget_id, const char *id);

/* An ended element keeps only what it has committed and spent. */
enum pb_err pb_budget_store_element_release(struct pb_db *db, const char *la,
    const char *element_id);

/* Record the budget's amounts now as its next version (variation_id NULL:
 * version 1, at approval); *version_no written. */
enum pb_err pb_budget_store_version_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *variation_id, int32_t effective_from,
    int *version_no);

/* Version 1 of a budget approved without one (loaded approved), its
 * amounts now; nothing when it has versions. */
enum pb_err pb_budget_store_version_first(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id);

/* The variations of la in notice whose day has come (takes_effect_on <=
 * today), of budgets not closed, oldest first: budget ids and variation
 * ids. */
enum pb_err pb_budget_store_variations_due(struct pb_db *db, const char *la, int32_t today,
    char (*budget_ids)[37], char (*ids)[37], size_t cap, size_t *n);

/* JSON reads of variations and versions (scope: family sees own only). */
enum pb_err pb_budget_store_variation_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version);
enum pb_err pb_budget_store_variation_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json, int *version);
enum pb_err pb_budget_store_variation_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json);
/* The council's settings as JSON (defaults when never set; version 0). */
enum pb_err pb_budget_store_settings_json(struct pb_db *db, const char *la, char **json,
    int *version);
/* Lock the council's settings row (created with the defaults when there is
 * none) and read its version. */
enum pb_err pb_budget_store_settings_lock(struct pb_db *db, const struct pb_actor *actor,
    int *version);
struct pb_settings_in;
/* Set the members of in that are given (variations.h); version + 1. */
enum pb_err pb_budget_store_settings_set(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_settings_in *in);

/* Every version of a budget, oldest first, as {items, next_cursor: null}. */
enum pb_err pb_budget_store_version_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, char **json);

/* ---- allocation schemes and indicative budgets (indicative.c) ---------- */

/* Publish the council's next scheme version: the counter row (locked until
 * the transaction ends, so concurrent publishers get one number each) and
 * the row holding definition (JSON object text).  id is written; *version
 * the number it got. */
enum pb_err pb_budget_store_scheme_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *definition, char id[37], int *version);
/* A scheme as JSON (pb_json) by id. */
enum pb_err pb_budget_store_scheme_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* Version `version` (0: the latest) of the council's scheme: its id, its
 * number and its definition text (malloc'd, caller frees). */
enum pb_err pb_budget_store_scheme_definition(struct pb_db *db, const char *la, int version,
    char id[37], int *version_out, char **definition);
/* A page of the council's versions, newest first; version > 0: only it. */
enum pb_err pb_budget_store_scheme_list(struct pb_db *db, const char *la, int version,
    const char *cursor, int limit, char **json);

/* The child's plan an indicative budget is made under: a plan not ceased
 * when there is one (the latest), else the latest ceased one (*ceased 1).
 * PB_ENOTFOUND: the child has no plan. */
enum pb_err pb_budget_store_child_plan(struct pb_db *db, const char *la,
    const char *child_id, char plan_id[37], int *ceased);

enum pb_err pb_budget_store_indicative_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *child_id, const char *plan_id, const char *scheme_id,
    int scheme_version, const char *inputs, int64_t total_pence);
/* Element `position` of indicative budget id, with its lines (JSON array text). */
enum pb_err pb_budget_store_indicative_element(struct pb_db *db, const char *la,
    const char *id, int position, enum pb_stream stream, const char *service_type,
    int64_t pence, const char *lines);
/* Reads honouring scope (family: its own children's only). */
enum pb_err pb_budget_store_indicative_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_budget_store_indicative_list(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);
/* PB_OK when indicative budget id is the council's and child_id's. */
enum pb_err pb_budget_store_indicative_of_child(struct pb_db *db, const char *la,
    const char *id, const char *child_id);

#endif
