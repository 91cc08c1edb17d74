/* SPDX-License-Identifier: MIT */
/*
 * agreements.c — handlers for a direct payment's agreement: its state and
 * next review, reviews, and the head teacher's withdrawal (PAY-6)
 * (internal/budgets/agreements.h).
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/common.h"
#include "internal/budgets/agreements.h"
#include "internal/core/date.h"
#include "internal/json/json.h"

#define AGREEMENT_WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_APPROVER)
#define NOTES_MAX 2000

void api_agreement_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], element[37], *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_agreement_get(db, &scope, budget, element, pb_date_today(), &json);
	api_reply(resp, err, NULL, json, 0);
}

/* roles, the two path ids and the body; non-zero: answered already */
static int open_write(struct pb_req *req, struct pb_resp *resp, char budget[37],
    char element[37], cJSON **body)
{
	return api_allow(req, resp, AGREEMENT_WRITERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) || api_body(req, resp, 0, body);
}

/* checks: {still_appropriate, used_effectively, sufficient,
 * pay5_conditions_met, compliant}, each a required boolean (PAY-15). */
static void read_checks(const cJSON *body, int checks[PB_REVIEW_CHECKS], struct pb_problem *p)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(body, "checks");
	int present = 0;

	if (c == NULL || !cJSON_IsObject(c)) {
		pb_problem_field(p, "checks", c ? "invalid_type" : "required", "checks is an object "
		    "answering each PAY-15 review check with true or false.");
		return;
	}
	pb_json_check_members(c, "checks.", pb_review_check_names, NULL, p);
	for (int i = 0; i < PB_REVIEW_CHECKS; i++)
		pb_json_get_bool(c, "checks.", pb_review_check_names[i], 1, &checks[i], &present, p);
}

void api_agreement_reviews_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "reviewed_on", "outcome", "checks", "notes",
	    "requested", NULL };
	static const char *const outcomes[] = { "continue", "reduce", "stop", NULL };
	static const char *const owned[] = { "id", "basis", "recorded_by", "recorded_at", NULL };
	struct pb_problem p;
	struct pb_review_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], id[37], *json = NULL;
	int present = 0, outcome = -1;

	if (open_write(req, resp, budget, element, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_date(body, "", "reviewed_on", 1, 0, &in.reviewed_on, &present, &p);
	if (pb_json_get_enum(body, "", "outcome", 1, outcomes, &outcome, &p) == PB_OK &&
	    outcome >= 0)
		in.outcome = outcomes[outcome];
	read_checks(body, in.checks, &p);
	pb_json_get_string(body, "", "notes", 1, 1, NOTES_MAX, &in.notes, &p);
	pb_json_get_bool(body, "", "requested", 0, &in.requested, &present, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_agreement_review_add(db, &actor, budget, element, &in,
		    pb_date_today(), &p, id, &json);
		if (err)
			api_fail(resp, err, &p);
		else
			api_json_text(resp, 201, json, 0, NULL);
	}
	cJSON_Delete(body);
}

void api_agreement_head_teacher_withdrawal(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "withdrawn_on", "reason", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char budget[37], element[37], *json = NULL;
	int present = 0;
	int32_t on = 0;

	if (open_write(req, resp, budget, element, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_date(body, "", "withdrawn_on", 1, 0, &on, &present, &p);
	pb_json_get_string(body, "", "reason", 1, 1, NOTES_MAX, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_agreement_head_teacher_withdraw(db, &actor, budget, element, on,
		    reason, pb_date_today(), &p, &json);
		api_reply(resp, err, &p, json, 0);
	}
	cJSON_Delete(body);
}
