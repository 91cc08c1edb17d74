/* SPDX-License-Identifier: MIT */
/*
 * service.c — the budgets service's transactions (see service.h):
 * begin → lock → load facts → rules → store → audit + event → commit.
 */
#include "internal/budgets/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal/audit/service.h"
#include "internal/budgets/section_j.h"
#include "internal/budgets/service_private.h"
#include "internal/budgets/store.h"
#include "internal/core/date.h"
#include "internal/core/duty.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/eligibility/service.h"
#include "internal/json/output.h"
#include "internal/payments/service.h"
#include "internal/records/service.h"

/* NULL for an empty id column ("" in a row struct). */
static const char *opt(const char *id)
{
	return id[0] ? id : NULL;
}

/* The overlap exclusion and the one-arrangement-per-service key both
 * surface as PB_ECONFLICT; say which in plain words. */
static enum pb_err explain_conflict(enum pb_err err, struct pb_problem *p)
{
	if (err == PB_ECONFLICT && p->err == PB_OK)
		pb_problem_set(p, PB_ECONFLICT, NULL, "The child already has an active budget "
		    "(draft, approved or suspended) for the same stream and service type "
		    "in an overlapping period.");
	return err;
}

/* The facts a budget's rules read, loaded inside the change's transaction
 * (so approval judges the plan, offer, request and contacts as they are
 * then, not as they were at creation). */
struct budget_facts {
	int32_t dob;
	int has_plan;
	struct pb_budget_plan_facts plan;
	int has_request;
	struct pb_elig_request_facts request;
	struct pb_elig_offer offer;
};

static enum pb_err load_budget_facts(struct pb_db *db, const char *la, const char *child_id,
    const char *plan_id, const char *request_id, const struct pb_budget_element_in *el,
    size_t n, struct budget_facts *bf, struct pb_problem *p)
{
	const char *types[PB_BUDGET_MAX_ELEMENTS];

	memset(bf, 0, sizeof(*bf));
	enum pb_err err = pb_rec_child_dob(db, la, child_id, &bf->dob);
	if (err == PB_ENOTFOUND)
		return pb_problem_field(p, "child_id", "not_found", "No such child in this council.");
	if (err == PB_OK && plan_id != NULL) {
		bf->has_plan = 1;
		err = pb_budget_store_plan(db, la, child_id, plan_id, &bf->plan);
		if (err == PB_ENOTFOUND)
			return pb_problem_field(p, "plan_id", "not_found",
			    "No such EHC plan for this child.");
	}
	if (err == PB_OK && request_id != NULL) {
		bf->has_request = 1;
		err = pb_elig_request_named(db, la, request_id, child_id, &bf->request, p);
	}
	for (size_t i = 0; i < n; i++)
		types[i] = el[i].service_type;
	if (err == PB_OK)
		err = pb_elig_offer_for(db, la, types, n, &bf->offer);
	return err;
}

/* ELIG-11 (the period ends by the age limit), ELIG-9/1/10/6 for each
 * element, then BUD-10 (the period inside the plan's life). */
static enum pb_err check_eligibility(const struct budget_facts *bf, int32_t start,
    int32_t end, const struct pb_budget_element_in *el, size_t n, struct pb_problem *p)
{
	enum pb_err err = pb_plan_check_age_limit(bf->dob, 0, end, "The budget's last day", p);

	for (size_t i = 0; i < n && err == PB_OK; i++) {
		struct pb_elig_budget_element e = { el[i].stream, el[i].service_type,
		    el[i].arrangement, bf->has_plan, bf->plan.status, bf->offer.items, bf->offer.n,
		    bf->has_request && pb_elig_request_names(&bf->request, el[i].stream,
		    el[i].service_type), bf->has_request && pb_elig_request_declines(&bf->request,
		    el[i].stream, el[i].service_type) };
		err = pb_elig_check_budget_element(&e, i, p);
	}
	if (err || !bf->has_plan)
		return err;
	if (bf->plan.ceased)
		return pb_problem_set(p, PB_ERULE, "BUD-10",
		    "The EHC plan has ceased; nothing is payable after cessation.");
	return pb_budget_check_period(start, end, bf->plan.start, bf->plan.ceased_on, p);
}

/* Check elements[0..n) of a budget for child_id against BUD-2, PAY-10 and
 * the recipient rules (PAY-1/2/3/4/12, with the contact's facts now, on the
 * period's first day) and, when agreements != 0, the content of each
 * agreement sent (BUD-3).  Field errors are collected across elements; a
 * rule refusal stops at once. */
static enum pb_err check_elements(struct pb_db *db, const char *la,
    const char *child_id, int32_t start, const struct pb_budget_element_in *el, size_t n,
    int agreements, struct pb_problem *p)
{
	char person[37], fld[64];

	for (size_t i = 0; i < n; i++) {
		const struct pb_budget_element_in *e = &el[i];
		struct pb_budget_element_facts f;
		enum pb_err err = PB_OK;

		memset(&f, 0, sizeof(f));
		f.arrangement = e->arrangement;
		f.recipient_person_id = e->recipient_person_id;
		f.payee_id = e->payee_id;
		f.has_agreement = e->agreement.present;
		if (e->payee_id != NULL) {
			err = pb_budget_store_payee_facts(db, la, e->payee_id, &f, person);
			if (err == PB_ENOTFOUND) {
				snprintf(fld, sizeof(fld), "elements[%zu].payee_id", i);
				pb_problem_field(p, fld, "not_found", "No such payee in this council.");
				continue;
			}
		}
		if (err == PB_OK && e->recipient_person_id != NULL)
			err = pb_elig_dp_recipient_load(db, la, child_id, e->recipient_person_id,
			    e->stream, start, &f.recipient);
		if (err)
			return err;
		err = pb_budget_check_element(&f, i, p);
		if (err == PB_EINVAL)
			continue;
		if (err)
			return err;
		if (agreements && e->agreement.present) {
			const struct pb_budget_agreement_in *a = &e->agreement;
			struct pb_budget_agreement ag = {
				a->agreed_provision, a->outcomes, a->noutcomes,
				a->has_signed_on ? a->signed_on : PB_DATE_NONE,
				a->has_school_premises && a->school_premises,
				a->has_head_teacher_agreed_on ? a->head_teacher_agreed_on
				    : PB_DATE_NONE };
			pb_budget_check_agreement(&ag, i, p);
		}
	}
	return p->err;
}

/* Every rule a budget must satisfy at create, change and approval, with
 * the facts as they are now: one path for all three. */
static enum pb_err check_budget(struct pb_db *db, const char *la, const char *child_id,
    const char *plan_id, const char *request_id, int32_t start, int32_t end,
    const struct pb_budget_element_in *el, size_t n, int agreements, struct pb_problem *p)
{
	struct budget_facts *bf = calloc(1, sizeof(*bf));

	if (bf == NULL)
		abort();
	enum pb_err err = load_budget_facts(db, la, child_id, plan_id, request_id, el, n, bf, p);
	if (err == PB_OK)
		err = check_eligibility(bf, start, end, el, n, p);
	if (err == PB_OK)
		err = check_elements(db, la, child_id, start, el, n, agreements, p);
	free(bf);
	return err;
}

enum pb_err pb_budget_check_for(struct pb_db *db, const char *la,
    const struct pb_budget_row *b, const struct pb_budget_element_in *el, size_t n,
    int agreements, struct pb_problem *p)
{
	return check_budget(db, la, b->child_id, opt(b->plan_id), opt(b->request_id),
	    b->period_start, b->period_end, el, n, agreements, p);
}

static enum pb_err derive(const struct pb_budget_element_in *el, size_t n,
    enum pb_arrangement *out)
{
	enum pb_arrangement arr[PB_BUDGET_MAX_ELEMENTS];

	for (size_t i = 0; i < n && i < PB_BUDGET_MAX_ELEMENTS; i++)
		arr[i] = el[i].arrangement;
	return pb_budget_derive_arrangement(arr, n, out) == PB_OK ? PB_OK : PB_EINTERNAL;
}

static enum pb_err insert_elements(struct pb_db *db, const char *la,
    const char *budget_id, const struct pb_budget_element_in *el, size_t n)
{
	char eid[37];
	enum pb_err err = PB_OK;

	for (size_t i = 0; i < n && err == PB_OK; i++)
		err = pb_budget_store_insert_element(db, la, budget_id, (int)i, &el[i], eid);
	return err;
}

/* Fund a budget request (if given): it must be this child's and fundable
 * (ELIG-6); the eligibility service links it to the budget. */
static enum pb_err fund_request(struct pb_db *db, const struct pb_actor *actor,
    const char *request_id, const char *child_id, const char *budget_id,
    struct pb_problem *p)
{
	if (request_id == NULL)
		return PB_OK;
	return pb_elig_request_link_budget(db, actor, request_id, child_id, budget_id, p);
}

/* Load the budget after a change; write its audit row and event, with
 * changes = {"before": before|null, "after": budget, "reason": reason}. */
enum pb_err pb_budget_record(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *action, const char *before, const char *reason,
    char **json, int *version)
{
	enum pb_err err = pb_budget_store_json(db, actor->la, id, json, version);
	if (err)
		return err;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "before", before ? cJSON_Parse(before) : cJSON_CreateNull());
	cJSON_AddItemToObject(c, "after", cJSON_Parse(*json));
	if (reason != NULL)
		cJSON_AddStringToObject(c, "reason", reason);
	char *changes = pb_json_print(c);
	err = pb_audit_record(db, actor, action, "budget", id, changes, action, *json);
	free(changes);
	return err;
}

enum pb_err pb_budget_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_budget_in *in, int32_t today, struct pb_problem *p,
    char id[37], char **json, int *version)
{
	enum pb_arrangement arr;

	(void)today;
	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = check_budget(db, actor->la, in->child_id, in->plan_id, in->request_id,
	    in->period_start, in->period_end, in->elements, in->nelements, 1, p);
	if (err == PB_OK)
		err = derive(in->elements, in->nelements, &arr);
	if (err)
		goto out;
	if (in->indicative_budget_id != NULL) {
		err = pb_budget_store_indicative_of_child(db, actor->la, in->indicative_budget_id,
		    in->child_id);
		if (err == PB_ENOTFOUND)
			err = pb_problem_field(p, "indicative_budget_id", "not_found",
			    "No such indicative budget for this child.");
		if (err)
			goto out;
	}
	pb_uuid_new(id);
	err = pb_budget_store_insert(db, actor, id, in->child_id, in->plan_id,
	    in->request_id, in->indicative_budget_id, in->period_start, in->period_end, arr);
	if (err == PB_OK)
		err = explain_conflict(insert_elements(db, actor->la, id, in->elements,
		    in->nelements), p);
	if (err == PB_OK)
		err = pb_budget_store_history(db, actor, id, PB_BUDGET_STATUS_DRAFT, NULL);
	if (err == PB_OK)
		err = fund_request(db, actor, in->request_id, in->child_id, id, p);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, id, "budget.created", NULL, NULL, json, version);
out:
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* The stored elements as element inputs (for re-checking at approval). */
void pb_budget_rows_to_inputs(const struct pb_budget_element_row *rows, size_t n,
    struct pb_budget_element_in *el)
{
	for (size_t i = 0; i < n; i++) {
		memset(&el[i], 0, sizeof(el[i]));
		el[i].arrangement = rows[i].arrangement;
		el[i].stream = rows[i].stream;
		el[i].service_type = rows[i].service_type;
		el[i].recipient_person_id = rows[i].recipient_person_id[0] ?
		    rows[i].recipient_person_id : NULL;
		el[i].payee_id = rows[i].payee_id[0] ? rows[i].payee_id : NULL;
		/* the stored agreement was checked when written */
	}
}

enum pb_err pb_budget_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_budget_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version)
{
	struct pb_budget_row b;
	struct pb_budget_element_row rows[PB_BUDGET_MAX_ELEMENTS];
	struct pb_budget_element_in old[PB_BUDGET_MAX_ELEMENTS];
	enum pb_arrangement arr;
	size_t n = 0;
	char *before = NULL;
	int v;

	(void)today;
	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_budget_store_lock(db, actor->la, id, &b);
	if (err == PB_OK && if_match >= 0 && if_match != b.version)
		err = PB_EPRECONDITION;
	if (err == PB_OK && b.status != PB_BUDGET_STATUS_DRAFT)
		err = pb_problem_set(p, PB_ETRANSITION, NULL,
		    "Only a draft budget can be changed; this one is %s.",
		    pb_budget_status_str(b.status));
	if (err)
		goto out;
	int32_t start = in->has_period_start ? in->period_start : b.period_start;
	int32_t end = in->has_period_end ? in->period_end : b.period_end;
	const struct pb_budget_element_in *el = in->elements;
	n = in->nelements;
	if (!in->has_elements) {
		err = pb_budget_store_elements(db, actor->la, id, rows, PB_BUDGET_MAX_ELEMENTS, &n);
		pb_budget_rows_to_inputs(rows, n, old);
		el = old;
	}
	if (err == PB_OK)
		err = check_budget(db, actor->la, b.child_id, opt(b.plan_id), opt(b.request_id),
		    start, end, el, n, in->has_elements, p);
	if (err == PB_OK)
		err = derive(el, n, &arr);
	if (err == PB_OK)
		err = pb_budget_store_json(db, actor->la, id, &before, &v);
	if (err == PB_OK && in->has_elements)
		err = pb_budget_store_delete_elements(db, actor->la, id);
	if (err == PB_OK)
		err = explain_conflict(pb_budget_store_update(db, actor->la, id, start, end, arr), p);
	if (err == PB_OK && in->has_elements)
		err = explain_conflict(insert_elements(db, actor->la, id, in->elements,
		    in->nelements), p);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, id, "budget.updated", before, NULL, json, version);
out:
	free(before);
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* Approval re-checks every rule of a budget with today's facts (the
 * plan, the offer, the request, the contacts, the payees: check_budget)
 * and a DP agreement on each direct payment (BUD-3). */
static enum pb_err approval_checks(struct pb_db *db, const char *la,
    const struct pb_budget_row *b, struct pb_problem *p)
{
	struct pb_budget_element_row rows[PB_BUDGET_MAX_ELEMENTS];
	struct pb_budget_element_in el[PB_BUDGET_MAX_ELEMENTS];
	size_t n = 0;

	enum pb_err err = pb_budget_store_elements(db, la, b->id, rows, PB_BUDGET_MAX_ELEMENTS, &n);
	if (err)
		return err;
	pb_budget_rows_to_inputs(rows, n, el);
	for (size_t i = 0; i < n; i++)
		el[i].agreement.present = rows[i].has_agreement;
	err = pb_budget_check_for(db, la, b, el, n, 0, p);
	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		if (rows[i].arrangement == PB_ARR_DIRECT_PAYMENT && !rows[i].has_agreement)
			return pb_problem_set(p, PB_ERULE, "BUD-3",
			    "Direct-payment element %zu has no agreement: Section J must state "
			    "the provision and the outcomes it is to meet.", i);
	return PB_OK;
}

enum pb_err pb_budget_act(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_budget_action action, const char *reason,
    struct pb_problem *p, char **json, int *version)
{
	static const char *const actions[] = { NULL, "budget.approved", "budget.suspended",
	    "budget.resumed", "budget.closed" };
	struct pb_budget_row b;
	enum pb_budget_status to;
	char *before = NULL;
	int v, cancelled = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_budget_store_lock(db, actor->la, id, &b);
	if (err == PB_OK)
		err = pb_budget_transition_allowed(b.status, action, &to, p);
	if (err == PB_OK && action == PB_BUDGET_ACTION_APPROVE) {
		err = pb_duty_separate(b.created_by, actor->sub, "a budget must be approved",
		    "the person who created it", p);
		if (err == PB_OK)
			err = approval_checks(db, actor->la, &b, p);
	}
	if (err == PB_OK)
		err = pb_budget_store_json(db, actor->la, id, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_set_status(db, actor, id, to);
	if (err == PB_OK)
		err = pb_budget_store_history(db, actor, id, to, reason);
	/* what the budget holds from approval on: its first version */
	if (err == PB_OK && action == PB_BUDGET_ACTION_APPROVE)
		err = pb_budget_store_version_add(db, actor, id, NULL, b.period_start, &v);
	/* payments hook: a suspended or closed budget pays nothing more */
	if (err == PB_OK && (to == PB_BUDGET_STATUS_CLOSED || to == PB_BUDGET_STATUS_SUSPENDED))
		err = pb_pay_cancel_open(db, actor, id, reason ? reason : "budget closed",
		    &cancelled);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, id, actions[action], before, reason, json, version);
	free(before);
	err = pb_db_finish_json(db, err, json);
	return err;
}

static const struct pb_budget_element_row *find_element(
    const struct pb_budget_element_row *rows, size_t n, const char *element_id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].id, element_id) == 0)
			return &rows[i];
	return NULL;
}

enum pb_err pb_budget_lock_element(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_budget_row *b,
    struct pb_budget_element_row *rows, const struct pb_budget_element_row **e,
    struct pb_problem *p)
{
	size_t n = 0;
	enum pb_err err = pb_budget_store_lock(db, la, budget_id, b);

	if (err == PB_OK && b->status == PB_BUDGET_STATUS_CLOSED)
		return pb_problem_set(p, PB_ETRANSITION, NULL, "The budget is closed.");
	if (err == PB_OK)
		err = pb_budget_store_elements(db, la, budget_id, rows, PB_BUDGET_MAX_ELEMENTS, &n);
	if (err == PB_OK && (*e = find_element(rows, n, element_id)) == NULL)
		err = PB_ENOTFOUND;
	return err;
}

enum pb_err pb_budget_agreement_patch(struct pb_db *db,
    const struct pb_actor *actor, const char *budget_id, const char *element_id,
    const struct pb_budget_agreement_in *in, struct pb_problem *p, char **json,
    int *version)
{
	static const char *const kept[] = { "(kept)" };
	struct pb_budget_row b;
	struct pb_budget_element_row rows[PB_BUDGET_MAX_ELEMENTS];
	const struct pb_budget_element_row *e = NULL;
	char *before = NULL;
	int v;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_budget_lock_element(db, actor->la, budget_id, element_id, &b, rows, &e, p);
	if (err)
		goto out;
	if (e->arrangement != PB_ARR_DIRECT_PAYMENT) {
		err = pb_problem_set(p, PB_ECONFLICT, NULL,
		    "Only a direct-payment element has an agreement.");
		goto out;
	}
	if (b.status != PB_BUDGET_STATUS_DRAFT && (in->agreed_provision != NULL ||
	    in->has_outcomes || in->has_school_premises)) {
		err = pb_problem_set(p, PB_ETRANSITION, NULL,
		    "The agreed provision of an approved budget is fixed; only signed_on and "
		    "head_teacher_agreed_on can be recorded now.");
		goto out;
	}
	/* merge the patch onto the stored agreement */
	struct pb_budget_agreement a = {
		in->agreed_provision ? in->agreed_provision
		    : (e->has_agreement ? e->agreed_provision : NULL),
		in->has_outcomes ? in->outcomes : (e->has_agreement ? kept : NULL),
		in->has_outcomes ? in->noutcomes : (e->has_agreement ? 1 : 0),
		in->has_signed_on ? in->signed_on : e->signed_on,
		in->has_school_premises ? in->school_premises : e->school_premises,
		in->has_head_teacher_agreed_on ? in->head_teacher_agreed_on
		    : e->head_teacher_agreed_on };
	err = pb_budget_check_agreement(&a, (size_t)e->position, p);
	if (err)
		goto out;
	if (!in->has_outcomes)
		a.outcomes = NULL;   /* keep the stored ones */
	err = pb_budget_store_json(db, actor->la, budget_id, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_set_agreement(db, actor->la, element_id, &a);
	if (err == PB_OK)
		err = pb_budget_store_touch(db, actor->la, budget_id);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, budget_id, "budget.agreement_updated", before, NULL,
		    json, version);
out:
	free(before);
	err = pb_db_finish_json(db, err, json);
	return err;
}

enum pb_err pb_budget_exception_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const char *rule,
    const char *reason, struct pb_problem *p, char id[37], char **json)
{
	struct pb_budget_row b;
	struct pb_budget_element_row rows[PB_BUDGET_MAX_ELEMENTS];
	const struct pb_budget_element_row *e = NULL;

	*json = NULL;
	enum pb_err err = pb_budget_check_exception(rule, strlen(rule), reason, p);
	if (err)
		return err;
	err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_budget_lock_element(db, actor->la, budget_id, element_id, &b, rows, &e, p);
	if (err == PB_OK) {
		err = pb_budget_store_insert_exception(db, actor, budget_id, element_id,
		    rule, reason, id, json);
		if (err == PB_ECONFLICT)
			pb_problem_set(p, PB_ECONFLICT, NULL,
			    "An exception to %s is already recorded on this element.", rule);
	}
	if (err == PB_OK)
		err = pb_budget_store_touch(db, actor->la, budget_id);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "budget.exception_recorded", "budget",
		    budget_id, *json, "budget.exception_recorded", *json);
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* --- what a plan's cessation and a recipient's stop change ---------------------- */

#define PLAN_BUDGETS_MAX 64
#define STOPS_MAX 32

/* Suspend one locked, approved budget with the reason (no payment is
 * cancelled: provision before the cessation stays payable). */
static enum pb_err suspend_for(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason)
{
	char *before = NULL, *json = NULL;
	int v;

	enum pb_err err = pb_budget_store_json(db, actor->la, id, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_set_status(db, actor, id, PB_BUDGET_STATUS_SUSPENDED);
	if (err == PB_OK)
		err = pb_budget_store_history(db, actor, id, PB_BUDGET_STATUS_SUSPENDED, reason);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, id, "budget.suspended", before, reason, &json, &v);
	free(before);
	free(json);
	return err;
}

/* What a cessation on ceased_on stops, the plan's budgets already locked
 * (ids: the approved ones running past it). */
static enum pb_err plan_ceased(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, int32_t ceased_on, char (*ids)[37], size_t n)
{
	char day[11], reason[96];
	int cancelled = 0, ended = 0;

	pb_date_format(ceased_on, day);
	snprintf(reason, sizeof(reason), "EHC plan ceased on %s", day);
	struct pb_pay_wind_down w = { plan_id, NULL, ceased_on, ceased_on, reason, NULL };
	enum pb_err err = pb_pay_wind_down(db, actor, &w, &cancelled, &ended);
	for (size_t i = 0; i < n && err == PB_OK; i++)
		err = suspend_for(db, actor, ids[i], reason);
	return err;
}

enum pb_err pb_budget_plan_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *plan_id, const struct pb_plan_in *in, int if_match, int32_t today,
    struct pb_problem *p, char **json, int *version)
{
	struct pb_rec_plan_change chg;
	char (*ids)[37] = calloc(PLAN_BUDGETS_MAX, sizeof(*ids));
	size_t n = 0;
	int ceasing = in->status == PB_PLAN_CEASED;
	int32_t ceased_on = in->has_ceased_on ? in->ceased_on : today;

	*json = NULL;
	if (ids == NULL)
		abort();
	enum pb_err err = pb_db_begin(db);
	/* Lock order: the plan's budgets before anything takes the event
	 * counter (the plan's own audit row), as payment approvals and
	 * creations take a budget before it: no deadlock with them. */
	if (err == PB_OK && ceasing)
		err = pb_budget_store_lock_for_plan(db, actor->la, plan_id, ceased_on, ids,
		    PLAN_BUDGETS_MAX, &n);
	if (err == PB_OK)
		err = pb_rec_plan_patch_tx(db, actor, plan_id, in, if_match, today, p, json,
		    version, &chg);
	if (err == PB_OK && chg.ceased_on != PB_DATE_NONE) {
		err = plan_ceased(db, actor, plan_id, chg.ceased_on, ids, n);
		free(*json);
		*json = NULL;
		if (err == PB_OK)   /* recovery_review now reads the cessation's effects */
			err = pb_rec_plan_json(db, actor->la, plan_id, json, version);
	}
	free(ids);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_budget_stop_element_tx(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_budget_stop *s)
{
	char *before = NULL, *json = NULL;
	int v, cancelled = 0, ended = 0;

	enum pb_err err = pb_budget_store_json(db, actor->la, s->budget_id, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_stop_element(db, actor->la, s->element_id, s->rule, s->reason,
		    s->on);
	struct pb_pay_wind_down w = { NULL, s->element_id, s->after, s->on, s->reason, NULL };
	if (err == PB_OK)
		err = pb_pay_wind_down(db, actor, &w, &cancelled, &ended);
	if (err == PB_OK && s->release)
		err = pb_budget_store_element_release(db, actor->la, s->element_id);
	if (err == PB_OK && s->audit)
		err = pb_budget_record(db, actor, s->budget_id, "budget.element_stopped", before,
		    s->reason, &json, &v);
	free(before);
	free(json);
	return err;
}

/* Stop one direct-payment element (PAY-16): mark it, cancel what has not
 * left the council, end its schedules, audit it on its budget. */
static enum pb_err stop_element(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_budget_dp_row *r, const struct pb_problem *why, int32_t today)
{
	char reason[300];

	snprintf(reason, sizeof(reason), "Direct payment stopped (%s): %s", why->rule,
	    why->detail);
	struct pb_budget_stop s = { r->budget_id, r->element_id, why->rule, reason,
	    PB_DATE_NONE, today, 0, 1 };
	return pb_budget_stop_element_tx(db, actor, &s);
}

enum pb_err pb_budget_contact_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *child_id, const char *contact_id, const struct pb_contact_patch *in,
    int if_match, int32_t today, struct pb_problem *p, char **json, int *version)
{
	struct pb_rec_contact_facts after;
	struct pb_budget_dp_row rows[STOPS_MAX];
	char person[37];
	size_t n = 0;

	(void)p;   /* the contact's own checks are shape checks, done by api/ */
	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	/* the child's budgets first (a stop writes them and their payments),
	 * before the contact's audit row takes the event counter: the order
	 * every payment writer keeps */
	err = pb_rec_child_visible(db, &(struct pb_scope){ actor->la, NULL }, child_id);
	if (err == PB_OK)
		err = pb_budget_store_lock_child(db, actor->la, child_id);
	if (err == PB_OK)
		err = pb_rec_contact_patch_tx(db, actor, child_id, contact_id, in, if_match, json,
		    version, &after, person);
	if (err == PB_OK)
		err = pb_budget_store_lock_dp_of(db, actor->la, child_id, person, rows, STOPS_MAX, &n);
	for (size_t i = 0; i < n && err == PB_OK; i++) {
		struct pb_elig_dp_recipient r;
		struct pb_problem why;
		pb_problem_init(&why);
		err = pb_elig_dp_recipient_load(db, actor->la, child_id, person, rows[i].stream,
		    today, &r);
		if (err == PB_OK && pb_elig_check_dp_recipient(&r, &why) != PB_OK)
			err = stop_element(db, actor, &rows[i], &why, today);
	}
	return pb_db_finish_json(db, err, json);
}

/* --- reads ------------------------------------------------------------------ */

enum pb_err pb_budget_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_budget_store_get(db, scope, id, json, version);
}

enum pb_err pb_budget_visible(struct pb_db *db, const struct pb_scope *scope,
    const char *id)
{
	return pb_budget_store_visible(db, scope, id);
}

enum pb_err pb_budget_list_for_child(struct pb_db *db, const struct pb_scope *scope,
    const char *child_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_rec_child_visible(db, scope, child_id);

	if (err)
		return err;
	return pb_budget_store_list_for_child(db, scope, child_id, cursor, limit, json);
}

enum pb_err pb_budget_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_budget_filter *f, const char *cursor, int limit, char **json)
{
	return pb_budget_store_list(db, scope, f, cursor, limit, json);
}

enum pb_err pb_budget_statement(struct pb_db *db, const struct pb_scope *scope,
    const char *id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_budget_store_visible(db, scope, id);

	if (err)
		return err;
	return pb_budget_store_statement(db, scope, id, cursor, limit, json);
}

enum pb_err pb_budget_section_j(struct pb_db *db, const struct pb_scope *scope,
    const char *id, int as_text, char **body)
{
	char *data = NULL;
	cJSON *out = NULL;

	*body = NULL;
	enum pb_err err = pb_budget_store_section_j_data(db, scope, id, &data);
	if (err)
		return err;
	cJSON *tree = cJSON_Parse(data);
	free(data);
	err = tree ? pb_budget_section_j_render(tree, as_text ? NULL : &out,
	    as_text ? body : NULL) : PB_EINTERNAL;
	cJSON_Delete(tree);
	if (err == PB_OK && !as_text)
		*body = pb_json_print(out);
	return err;
}

struct family_doc {
	char **json;
	char *etag;
	const char *person_id;
	int32_t today;
};

static enum pb_err render_family(const struct pb_family_row *rows, size_t n, int64_t version,
    void *arg)
{
	struct family_doc *d = arg;

	pb_budget_family_etag(version, d->today, d->person_id, d->etag);
	return pb_budget_family_render(rows, n, d->today, d->json);
}

enum pb_err pb_budget_family_view(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, char **json, char etag[PB_FAMILY_ETAG_LEN])
{
	struct family_doc d = { json, etag, person_id, today };

	*json = NULL;
	return pb_budget_store_family_rows(db, la, person_id, today, render_family, &d);
}

enum pb_err pb_budget_family_view_etag(struct pb_db *db, const char *la,
    const char *person_id, int32_t today, char etag[PB_FAMILY_ETAG_LEN])
{
	int64_t version = 0;
	enum pb_err err = pb_budget_store_family_version(db, la, person_id, &version);

	if (err == PB_OK)
		pb_budget_family_etag(version, today, person_id, etag);
	return err;
}

/* --- reviews (PAY-14) ------------------------------------------------------ */

void pb_budget_review_facts_of(const struct pb_budget_review_row *row, int32_t today,
    struct pb_review_facts *f)
{
	memset(f, 0, sizeof(*f));
	if (pb_stream_parse(row->stream, strlen(row->stream), &f->stream) != PB_OK)
		f->stream = PB_STREAM_EDUCATION;
	f->adult_on = row->date_of_birth != PB_DATE_NONE ?
	    pb_date_birthday(row->date_of_birth, 18) : PB_DATE_NONE;
	f->adult = f->adult_on != PB_DATE_NONE && f->adult_on <= today;
	f->first_payment = row->first_payment;
	f->last_review = row->last_review;
	f->plan_next_review = row->plan_next_review_due;
	f->today = today;
}

/* A refresh keeping this many answers is a rebuild: statistics refreshed. */
#define REVIEW_REBUILD_ROWS 1000
/* Answers recomputed per transaction (well inside the statement timeout). */
#define REVIEW_BATCH 2000

struct review_keep {
	int32_t today;
	cJSON *answers;
};

static void add_date_or_null(cJSON *o, const char *name, int32_t day)
{
	char d[11];

	if (day == PB_DATE_NONE) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	pb_date_format(day, d);
	cJSON_AddStringToObject(o, name, d);
}

/* pb_budget_store_review_stale's callback: the rule's answer for one
 * element, to keep (nothing kept when there is none and none will come
 * with the day). */
static int keep_review(const struct pb_budget_review_row *row, void *arg)
{
	struct review_keep *k = arg;
	const char *rule = NULL, *from = NULL;
	struct pb_review_facts f;

	pb_budget_review_facts_of(row, k->today, &f);
	int32_t due = pb_agreement_next_review(&f, &rule, &from);
	int32_t until = pb_agreement_review_holds_until(&f);
	if (due == PB_DATE_NONE && until == PB_DATE_NONE)
		return 0;
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "element_id", row->element_id);
	add_date_or_null(a, "due_on", due);
	cJSON_AddStringToObject(a, "rule", rule);
	cJSON_AddStringToObject(a, "basis", from);
	add_date_or_null(a, "holds_until", until);
	cJSON_AddItemToArray(k->answers, a);
	return 0;
}

/* One batch: at most REVIEW_BATCH out-of-date answers recomputed and kept
 * in one transaction; *taken how many were dequeued. */
static enum pb_err refresh_batch(struct pb_db *db, const char *la, int32_t today, int *taken)
{
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	struct review_keep k = { today, cJSON_CreateArray() };
	err = pb_budget_store_review_stale(db, la, today, REVIEW_BATCH, taken, keep_review, &k);
	if (err == PB_OK && cJSON_GetArraySize(k.answers) > 0) {
		char *answers = pb_json_print(k.answers);
		k.answers = NULL;
		err = pb_budget_store_review_keep(db, la, answers);
		free(answers);
	}
	cJSON_Delete(k.answers);
	return pb_db_finish(db, err);
}

/* Bring the council's kept answers up to date, batch by batch, so no
 * transaction outlives the statement timeout however large the backlog
 * (an upgrade, a large payment run); a rebuild refreshes the statistics. */
static enum pb_err refresh_reviews_due(struct pb_db *db, const char *la, int32_t today)
{
	int taken = 0, total = 0;
	enum pb_err err;

	do {
		err = refresh_batch(db, la, today, &taken);
		total += taken;
	} while (err == PB_OK && taken == REVIEW_BATCH);
	if (err == PB_OK && total >= REVIEW_REBUILD_ROWS)
		err = pb_budget_store_review_analyze(db);
	return err;
}

enum pb_err pb_budget_reviews_due(struct pb_db *db, const char *la,
    int32_t today, int32_t before, const char *cursor, int limit, char **json)
{
	*json = NULL;
	enum pb_err err = refresh_reviews_due(db, la, today);
	if (err)
		return err;
	return pb_budget_store_review_due_page(db, la, today, before, cursor, limit, json);
}
