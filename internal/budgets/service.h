/* SPDX-License-Identifier: MIT */
/*
 * budgets/service.h — the budgets service: each write is one transaction
 * that loads the facts (under the budget's row lock), asks rules.c, writes
 * through store.c and records the audit row and event (internal/audit).
 *
 * Inputs are already shape-checked by api/ (types, enums, lengths); this
 * layer checks everything that needs the database and every domain rule.
 * On refusal the problem names the field or the rule; the return value is
 * the enum pb_err api/ maps to HTTP.  On PB_OK, *json is malloc'd JSON text
 * (the caller frees) and *version the budget's ETag counter.  `today` is
 * passed in (UTC day number) so the rules stay clock-free.
 * Thread-safety: one struct pb_db per thread.
 */
#ifndef PB_BUDGETS_SERVICE_H
#define PB_BUDGETS_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/budgets/family_view.h"
#include "internal/budgets/rules.h"
#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/records/service.h"

struct pb_db;

#define PB_BUDGET_MAX_ELEMENTS 12
#define PB_BUDGET_MAX_OUTCOMES 20

/* A direct-payment agreement as sent (create) or patched.  has_* = 0 means
 * "not given" (patch: unchanged).  Strings are borrowed. */
struct pb_budget_agreement_in {
	int present;
	const char *agreed_provision;
	int has_outcomes;
	size_t noutcomes;
	const char *outcomes[PB_BUDGET_MAX_OUTCOMES];
	int has_signed_on, has_school_premises, has_head_teacher_agreed_on;
	int32_t signed_on, head_teacher_agreed_on;
	int school_premises;
};

/* One element as sent; ids are canonical UUID text or NULL. */
struct pb_budget_element_in {
	enum pb_stream stream;
	const char *service_type;
	enum pb_arrangement arrangement;
	int64_t allocated_pence;
	const char *recipient_person_id;
	const char *payee_id;
	struct pb_budget_agreement_in agreement;
};


/* A budget as sent: create needs child_id, plan_id, both period dates
 * and elements; PATCH leaves child/plan/request NULL and may give any of
 * the period dates or a new element list (which replaces the old one). */
struct pb_budget_in {
	const char *child_id, *plan_id, *request_id;
	const char *indicative_budget_id;   /* create only: the child's indicative budget */
	int has_period_start, has_period_end;
	int32_t period_start, period_end;
	int has_elements;
	size_t nelements;
	struct pb_budget_element_in elements[PB_BUDGET_MAX_ELEMENTS];
};

/* POST /v1/budgets → draft.  Errors: PB_EINVAL (unknown child, plan,
 * payee, request or indicative budget of this child: field errors), PB_ERULE (BUD-10, PAY-1/2/4/10, BUD-2),
 * PB_ECONFLICT (overlaps an active budget, or the request cannot be
 * funded). */
enum pb_err pb_budget_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_budget_in *in, int32_t today, struct pb_problem *p,
    char id[37], char **json, int *version);

/* PATCH a draft (PB_ETRANSITION otherwise); if_match -1 for none. */
enum pb_err pb_budget_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_budget_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version);

/* approve | suspend | resume | close, with an optional reason (api/
 * requires it for suspend and close).  Approval re-checks BUD-10, every
 * element's rules and BUD-3 (each direct payment has its agreement), and
 * separation of duties (PB_ESOD).  Suspend and close cancel the budget's
 * unexported payments (pb_pay_cancel_open, in the same transaction). */
enum pb_err pb_budget_act(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_action action, const char *reason,
    struct pb_problem *p, char **json, int *version);

/* PATCH an element's agreement.  A draft may change every field; later
 * (approved, suspended) only signed_on and head_teacher_agreed_on. */
enum pb_err pb_budget_agreement_patch(struct pb_db *db,
    const struct pb_actor *actor, const char *budget_id, const char *element_id,
    const struct pb_budget_agreement_in *in, struct pb_problem *p, char **json,
    int *version);

/* Record a rule exception (pb_budget_check_exception); *json is it. */
enum pb_err pb_budget_exception_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const char *rule,
    const char *reason, struct pb_problem *p, char id[37], char **json);

/*
 * PATCH /v1/plans/{id}: the records service changes the plan (transition,
 * ELIG-11, PLAN-2, PLAN-5), and when it ceases on D, in the same
 * transaction (PLAN-5, BUD-10, domain.md §5): every pending or approved
 * payment of the plan's budgets due after D is cancelled, their schedules
 * end on D, and every approved budget whose period runs past D is
 * suspended with the reason; exported payments due after D appear in the
 * plan's recovery_review.  Budgets are locked before their payments.
 */
enum pb_err pb_budget_plan_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version);

/*
 * PATCH /v1/children/{id}/contacts/{contact_id}: the records service
 * changes the contact's facts; when the change means its person may no
 * longer receive a direct payment (pb_elig_check_dp_recipient refuses:
 * consent withdrawn, excluded, lacks capacity, nomination or parental
 * responsibility lost), every live direct-payment element paid to them is
 * stopped as PAY-16 requires, in the same transaction: marked stopped
 * with the rule and a reason, its unexported payments cancelled and its
 * schedules ended today.
 */
enum pb_err pb_budget_contact_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const char *contact_id, const struct pb_contact_patch *in,
    int if_match, int32_t today, struct pb_problem *p, char **json, int *version);

/* Reads honouring scope (family: own children only); PB_ENOTFOUND when
 * not there or not visible. */
enum pb_err pb_budget_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* PB_OK when the budget exists in scope (for other services' reads). */
enum pb_err pb_budget_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *id);
enum pb_err pb_budget_list_for_child(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json);
/* GET /v1/budgets: the filters of the list; each NULL means "any".  Dates
 * are YYYY-MM-DD, already validated by api/. */
struct pb_budget_filter {
	const char *status;             /* draft | approved | suspended | closed */
	const char *child_id;
	const char *arrangement;        /* direct_payment | third_party | notional | mixed */
	const char *review_due_before;  /* the plan's next_review_due <= this day */
	const char *period_active_on;   /* period_start <= this day <= period_end */
};
/* One page of the la's budgets, oldest first (created_at, id); cursor is
 * the id of the last item of the page before.  A family scope sees only
 * its children's budgets.  *json: {"items":[…],"next_cursor"}. */
enum pb_err pb_budget_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_budget_filter *f, const char *cursor, int limit, char **json);
/* GET /v1/budgets/{id}/statement: a page of lines after line `cursor`. */
enum pb_err pb_budget_statement(struct pb_db *db, const struct pb_scope *scope,
    const char *id, const char *cursor, int limit, char **json);

/* GET /v1/budgets/{id}/section-j: *body is Section J as JSON text, or as
 * plain text when as_text (malloc'd, caller frees). */
enum pb_err pb_budget_section_j(struct pb_db *db, const struct pb_scope *scope,
    const char *id, int as_text, char **body);

/* GET /v1/me/budgets for a family's person_id: *json the document
 * (malloc'd) and its entity tag (pb_budget_family_etag), read together. */
enum pb_err pb_budget_family_view(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, char **json, char etag[PB_FAMILY_ETAG_LEN]);
/* Only the entity tag the view would have now: one index lookup, nothing
 * rendered (for If-None-Match). */
enum pb_err pb_budget_family_view_etag(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, char etag[PB_FAMILY_ETAG_LEN]);

/* GET /v1/reviews/due: the direct-payment reviews (PAY-13, PAY-14,
 * PAY-22) due on or before `before`, overdue first (by due date, then
 * element id); the page after element `cursor` (NULL: the first page; an
 * element no longer listed: an empty page).  First brings the council's
 * kept answers up to date (pb_agreement_next_review on what changed, in
 * its own transaction), then reads the page as an index range. */
enum pb_err pb_budget_reviews_due(struct pb_db *db, const char *la,
    int32_t today, int32_t before, const char *cursor, int limit, char **json);

#endif
