/* SPDX-License-Identifier: MIT */
/*
 * debts.c — handlers for money coming back from a direct-payment element
 * (PAY-18, PAY-19): recoveries recorded as already returned, debts raised
 * with written reasons and moved through their lifecycle (invoice, paid,
 * offset, write-off with a second person's approval, the family's one
 * review), and the unpaid bills and contingency finance records before a
 * surplus is recovered.  Validate → authorise → internal/payments (one
 * transaction each) → render.  Every move takes If-Match (optional; a
 * stale one is 412).
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/json/json.h"
#include "internal/payments/service.h"

#define FINANCE PB_ROLE_FINANCE
#define DECIDERS (PB_ROLE_FINANCE | PB_ROLE_APPROVER)
#define REVIEW_ASKERS (PB_ROLE_CASEWORKER | PB_ROLE_FAMILY)
#define REASON_MAX 1000
#define REFERENCE_MAX 100

/* {element_id, amount_pence, reason}: a recovery or a debt. */
static int read_claim(struct pb_req *req, struct pb_resp *resp, char budget[37],
    char element[37], int64_t *amount, const char **reason, cJSON **body)
{
	static const char *const allowed[] = { "element_id", "amount_pence", "reason", NULL };
	static const char *const owned[] = { "id", "budget_id", "recorded_on", "created_by",
	    "created_at", "status", "raised_pence", "owed_pence", "raised_on", "raised_by",
	    "method", "debt_id", "version", NULL };
	struct pb_problem p;
	int present = 0;

	if (api_allow(req, resp, FINANCE) || api_id(req, resp, "id", budget) ||
	    api_body(req, resp, 0, body))
		return -1;
	pb_problem_init(&p);
	pb_json_check_members(*body, "", allowed, owned, &p);
	pb_json_get_uuid(*body, "", "element_id", 1, element, &present, &p);
	pb_json_get_pence(*body, "", "amount_pence", 1, 1, amount, &present, &p);
	pb_json_get_string(*body, "", "reason", 1, 1, REASON_MAX, reason, &p);
	if (p.err == PB_OK)
		return 0;
	pb_resp_problem(resp, &p);
	return -1;
}

void api_recoveries_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char budget[37], element[37], id[37], loc[128], *json = NULL;
	int64_t amount = 0;

	if (read_claim(req, resp, budget, element, &amount, &reason, &body) == 0 &&
	    api_db(req, resp, &db) == 0) {
		pb_problem_init(&p);
		api_actor(req, &actor);
		enum pb_err err = pb_pay_recovery_create(db, &actor, budget, element, amount,
		    reason, pb_date_today(), &p, id, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/budgets/%s/recoveries/%s", budget, id);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
	cJSON_Delete(body);
}

void api_recoveries_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], id[37], *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "recovery_id", id) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_pay_recovery_get(db, &scope, budget, id, &json);
	api_reply(resp, err, NULL, json, 0);
}

/* --- debts ----------------------------------------------------------------------- */

void api_debts_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char budget[37], element[37], id[37], loc[96], *json = NULL;
	int64_t amount = 0;
	int version = 0;

	if (read_claim(req, resp, budget, element, &amount, &reason, &body) == 0 &&
	    api_db(req, resp, &db) == 0) {
		pb_problem_init(&p);
		api_actor(req, &actor);
		enum pb_err err = pb_debt_raise(db, &actor, budget, element, amount, reason,
		    pb_date_today(), &p, id, &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/debts/%s", id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

void api_debts_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_debt_get);
}

void api_budget_debts_list(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_debt_list_for_budget);
}

/* The body of each move: which members it takes and which are required. */
static void read_move(const cJSON *body, struct pb_debt_act_in *in, char payment[37],
    struct pb_problem *p)
{
	static const char *const with_reference[] = { "reference", NULL };
	static const char *const with_reason[] = { "reason", NULL };
	static const char *const with_payment[] = { "payment_id", NULL };
	static const char *const none[] = { NULL };
	static const char *const decision[] = { "outcome", "reason", "amount_pence", NULL };
	static const char *const outcomes[] = { "upheld", "reduced", "cancelled", NULL };
	int present = 0, idx = -1;

	switch (in->action) {
	case PB_DEBT_ACT_INVOICE:
	case PB_DEBT_ACT_PAY:
		pb_json_check_members(body, "", with_reference, NULL, p);
		pb_json_get_string(body, "", "reference", 0, 1, REFERENCE_MAX, &in->text, p);
		break;
	case PB_DEBT_ACT_OFFSET:
		pb_json_check_members(body, "", with_payment, NULL, p);
		if (pb_json_get_uuid(body, "", "payment_id", 1, payment, &present, p) == PB_OK)
			in->payment_id = payment;
		break;
	case PB_DEBT_ACT_WRITE_OFF_APPROVE:
		pb_json_check_members(body, "", none, NULL, p);
		break;
	case PB_DEBT_ACT_WRITE_OFF:
	case PB_DEBT_ACT_WRITE_OFF_REJECT:
	case PB_DEBT_ACT_REVIEW:
		pb_json_check_members(body, "", with_reason, NULL, p);
		pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &in->text, p);
		break;
	default:   /* the review's decision: outcome picks the action */
		pb_json_check_members(body, "", decision, NULL, p);
		pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &in->text, p);
		if (pb_json_get_enum(body, "", "outcome", 1, outcomes, &idx, p) == PB_OK)
			in->action = idx == 0 ? PB_DEBT_ACT_UPHOLD : idx == 1 ? PB_DEBT_ACT_REDUCE
			    : PB_DEBT_ACT_CANCEL;
		pb_json_get_pence(body, "", "amount_pence", in->action == PB_DEBT_ACT_REDUCE, 1,
		    &in->amount_pence, &present, p);
		if (present && idx >= 0 && in->action != PB_DEBT_ACT_REDUCE)
			pb_problem_field(p, "amount_pence", "not_allowed",
			    "amount_pence is sent only with outcome reduced.");
		break;
	}
}

static void move(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    enum pb_debt_action action)
{
	struct pb_debt_act_in in = { action, NULL, NULL, 0, -1 };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_scope scope;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], payment[37], *json = NULL;
	int version = 0, empty_ok = action != PB_DEBT_ACT_OFFSET && action != PB_DEBT_ACT_UPHOLD;

	if (api_write_open(req, resp, roles, "id", id, &in.if_match, empty_ok, &body))
		return;
	pb_problem_init(&p);
	read_move(body, &in, payment, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		api_scope(req, &scope);
		enum pb_err err = pb_debt_act(db, &actor, &scope, id, &in, pb_date_today(), &p,
		    &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_debts_invoice(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, FINANCE, PB_DEBT_ACT_INVOICE);
}

void api_debts_paid(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, FINANCE, PB_DEBT_ACT_PAY);
}

void api_debts_offset(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, FINANCE, PB_DEBT_ACT_OFFSET);
}

void api_debts_write_off(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, FINANCE, PB_DEBT_ACT_WRITE_OFF);
}

void api_debts_write_off_approve(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, DECIDERS, PB_DEBT_ACT_WRITE_OFF_APPROVE);
}

void api_debts_write_off_reject(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, DECIDERS, PB_DEBT_ACT_WRITE_OFF_REJECT);
}

void api_debts_review(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, REVIEW_ASKERS, PB_DEBT_ACT_REVIEW);
}

void api_debts_review_decision(struct pb_req *req, struct pb_resp *resp)
{
	/* UPHOLD stands for "the decision" until the body names the outcome */
	move(req, resp, DECIDERS, PB_DEBT_ACT_UPHOLD);
}

/* --- PAY-19 inputs ---------------------------------------------------------------- */

void api_surplus_inputs_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "element_id", "unpaid_bills_pence",
	    "contingency_pence", "note", NULL };
	static const char *const owned[] = { "id", "budget_id", "recorded_by", "recorded_at",
	    NULL };
	struct pb_pay_surplus_input in = { 0 };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], id[37], *json = NULL;
	int present = 0;

	if (api_allow(req, resp, FINANCE) || api_id(req, resp, "id", budget) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_uuid(body, "", "element_id", 1, element, &present, &p);
	pb_json_get_pence(body, "", "unpaid_bills_pence", 1, 0, &in.unpaid_bills_pence,
	    &present, &p);
	pb_json_get_pence(body, "", "contingency_pence", 1, 0, &in.contingency_pence,
	    &present, &p);
	pb_json_get_string(body, "", "note", 0, 1, REASON_MAX, &in.note, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		in.budget_id = budget;
		in.element_id = element;
		api_actor(req, &actor);
		enum pb_err err = pb_pay_surplus_input_create(db, &actor, &in, &p, id, &json);
		if (err)
			api_fail(resp, err, &p);
		else
			api_json_text(resp, 201, json, 0, NULL);
	}
	cJSON_Delete(body);
}
