/* SPDX-License-Identifier: MIT */
/*
 * variations.c — handlers for budget variations, budget versions and the
 * council's settings (internal/budgets/variations.h; docs/budgets.md).
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/budget_input.h"
#include "api/common.h"
#include "internal/budgets/variations.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/json/json.h"

#define REQUESTERS PB_ROLE_CASEWORKER
#define DECIDERS PB_ROLE_APPROVER
#define ASKERS (PB_ROLE_FAMILY | PB_ROLE_CASEWORKER)
#define APPLIERS (PB_ROLE_FINANCE | PB_ROLE_SERVICE)
#define SETTINGS_WRITERS PB_ROLE_ADMIN
#define REASON_MAX 2000
#define NOTICE_DAYS_MAX 365

static const char *const variation_server_owned[] = { "id", "budget_id", "status",
    "needs_notice", "lines", "requested_by", "requested_at", "decided_by", "decided_at",
    "notice_on", "takes_effect_on", "reconsideration", "applied_at", "applied_version",
    "version", NULL };

/* changes: [{element_id, allocated_pence}] into in. */
static void read_changes(const cJSON *body, struct pb_variation_in *in,
    char ids[][37], struct pb_problem *p)
{
	static const char *const allowed[] = { "element_id", "allocated_pence", NULL };
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "changes"), *o;
	char prefix[32];
	int present = 0;

	if (arr == NULL)
		return;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > PB_BUDGET_MAX_ELEMENTS) {
		pb_problem_field(p, "changes", "invalid", "changes must be an array of at most %d "
		    "{element_id, allocated_pence} objects.", PB_BUDGET_MAX_ELEMENTS);
		return;
	}
	cJSON_ArrayForEach(o, arr) {
		size_t i = in->nchanges++;
		snprintf(prefix, sizeof(prefix), "changes[%zu].", i);
		if (!cJSON_IsObject(o)) {
			snprintf(prefix, sizeof(prefix), "changes[%zu]", i);
			pb_problem_field(p, prefix, "invalid_type", "Each change must be an object.");
			continue;
		}
		pb_json_check_members(o, prefix, allowed, NULL, p);
		if (pb_json_get_uuid(o, prefix, "element_id", 1, ids[i], &present, p) == PB_OK)
			in->change_ids[i] = ids[i];
		pb_json_get_pence(o, prefix, "allocated_pence", 1, 0, &in->change_pence[i], &present,
		    p);
	}
}

/* end_elements: [element_id] into in. */
static void read_ends(const cJSON *body, struct pb_variation_in *in, char ids[][37],
    struct pb_problem *p)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "end_elements"), *o;
	char fld[32];

	if (arr == NULL)
		return;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > PB_BUDGET_MAX_ELEMENTS) {
		pb_problem_field(p, "end_elements", "invalid", "end_elements must be an array of at "
		    "most %d element ids.", PB_BUDGET_MAX_ELEMENTS);
		return;
	}
	cJSON_ArrayForEach(o, arr) {
		size_t i = in->nends++;
		snprintf(fld, sizeof(fld), "end_elements[%zu]", i);
		if (!cJSON_IsString(o) ||
		    pb_uuid_parse(o->valuestring, strlen(o->valuestring), ids[i]) != PB_OK)
			pb_problem_field(p, fld, "invalid", "Each entry is an element id (a UUID).");
		else
			in->end_ids[i] = ids[i];
	}
}

/* Per-request storage for a variation's input and the ids it names. */
struct variation_body {
	struct pb_variation_in in;
	struct api_element_ids add_ids;
	char change_ids[PB_BUDGET_MAX_ELEMENTS][37], end_ids[PB_BUDGET_MAX_ELEMENTS][37];
};

static void read_variation(const cJSON *body, struct variation_body *v, struct pb_problem *p)
{
	static const char *const allowed[] = { "reason", "effective_from", "changes",
	    "end_elements", "add_elements", NULL };
	struct pb_variation_in *in = &v->in;
	int present = 0;

	pb_json_check_members(body, "", allowed, variation_server_owned, p);
	pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &in->reason, p);
	pb_json_get_date(body, "", "effective_from", 1, 0, &in->effective_from, &present, p);
	read_changes(body, in, v->change_ids, p);
	read_ends(body, in, v->end_ids, p);
	api_budget_read_elements(body, "add_elements", 0, &in->add, &v->add_ids, p);
	size_t n = in->nchanges + in->nends + in->add.nelements;
	if (p->err == PB_OK && n == 0)
		pb_problem_field(p, "changes", "required", "A variation changes, ends or adds at "
		    "least one element (changes, end_elements, add_elements).");
	if (p->err == PB_OK && n > PB_BUDGET_MAX_ELEMENTS)
		pb_problem_field(p, "changes", "too_many", "A variation has at most %d lines.",
		    PB_BUDGET_MAX_ELEMENTS);
}

void api_variations_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct variation_body *v = calloc(1, sizeof(*v));
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], id[37], loc[160], *json = NULL;
	int version = 0;

	if (v == NULL)
		abort();
	if (api_allow(req, resp, REQUESTERS) || api_id(req, resp, "id", budget) ||
	    api_body(req, resp, 0, &body))
		goto done;
	pb_problem_init(&p);
	read_variation(body, v, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_variation_request(db, &actor, budget, &v->in, pb_date_today(),
		    &p, id, &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/budgets/%s/variations/%s", budget, id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
done:
	cJSON_Delete(body);
	free(v);
}

void api_variations_list(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_variation_list);
}

void api_variations_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "variation_id", id) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_variation_get(db, &scope, budget, id, &json, &version);
	api_reply(resp, err, NULL, json, version);
}

/* What every action on one variation reads first: roles, the two ids,
 * If-Match, and a body of `allowed` members with a reason (required
 * when reason_required).  Non-zero: answered already. */
struct action {
	char budget[37], id[37];
	int if_match;
	const char *reason;
	cJSON *body;
	struct pb_problem p;
};

static int action_open(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *const *allowed, int reason_required, struct action *a)
{
	memset(a, 0, sizeof(*a));
	if (api_allow(req, resp, roles) || api_id(req, resp, "id", a->budget) ||
	    api_id(req, resp, "variation_id", a->id) || api_if_match(req, resp, &a->if_match) ||
	    api_body(req, resp, !reason_required, &a->body))
		return -1;
	pb_problem_init(&a->p);
	pb_json_check_members(a->body, "", allowed, NULL, &a->p);
	pb_json_get_string(a->body, "", "reason", reason_required, 1, REASON_MAX, &a->reason,
	    &a->p);
	return 0;
}

static void decide(struct pb_req *req, struct pb_resp *resp, enum pb_variation_action action)
{
	static const char *const allowed[] = { "reason", NULL };
	struct action a;
	struct pb_actor actor;
	struct pb_db *db;
	char *json = NULL;
	int version = 0;

	if (action_open(req, resp, DECIDERS, allowed, action == PB_VARIATION_REJECT, &a) == 0) {
		if (a.p.err) {
			pb_resp_problem(resp, &a.p);
		} else if (api_db(req, resp, &db) == 0) {
			api_actor(req, &actor);
			enum pb_err err = pb_variation_decide(db, &actor, a.budget, a.id, action,
			    a.reason, a.if_match, pb_date_today(), &a.p, &json, &version);
			api_reply(resp, err, &a.p, json, version);
		}
	}
	cJSON_Delete(a.body);
}

void api_variations_approve(struct pb_req *req, struct pb_resp *resp)
{
	decide(req, resp, PB_VARIATION_APPROVE);
}

void api_variations_reject(struct pb_req *req, struct pb_resp *resp)
{
	decide(req, resp, PB_VARIATION_REJECT);
}

void api_variations_reconsideration(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "reason", NULL };
	struct action a;
	struct pb_actor actor;
	struct pb_scope scope;
	struct pb_db *db;
	char *json = NULL;
	int version = 0;

	if (action_open(req, resp, ASKERS, allowed, 1, &a) == 0) {
		if (a.p.err) {
			pb_resp_problem(resp, &a.p);
		} else if (api_db(req, resp, &db) == 0) {
			api_actor(req, &actor);
			api_scope(req, &scope);
			enum pb_err err = pb_variation_ask(db, &actor, &scope, a.budget, a.id, a.reason,
			    a.if_match, &a.p, &json, &version);
			api_reply(resp, err, &a.p, json, version);
		}
	}
	cJSON_Delete(a.body);
}

void api_variations_reconsideration_decision(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "outcome", "reason", NULL };
	static const char *const outcomes[] = { NULL, "upheld", "overturned" };
	struct action a;
	struct pb_actor actor;
	struct pb_db *db;
	char *json = NULL;
	int version = 0, outcome = 0;

	if (action_open(req, resp, DECIDERS, allowed, 1, &a) == 0) {
		pb_json_get_name(a.body, "", "outcome", 1, outcomes, 3, &outcome, &a.p);
		if (a.p.err) {
			pb_resp_problem(resp, &a.p);
		} else if (api_db(req, resp, &db) == 0) {
			api_actor(req, &actor);
			enum pb_err err = pb_variation_reconsider(db, &actor, a.budget, a.id,
			    outcome == 1, a.reason, a.if_match, pb_date_today(), &a.p, &json, &version);
			api_reply(resp, err, &a.p, json, version);
		}
	}
	cJSON_Delete(a.body);
}

/* POST /v1/budgets/{id}/elements/{element_id}/stop {rule, ground, reason,
 * effective_from?}: 201 with the stop (a variation) at its Location. */
void api_elements_stop(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "rule", "ground", "reason", "effective_from", NULL };
	static const char *const rules[] = { "PAY-16", "PAY-17", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	struct pb_stop_in in = { 0 };
	cJSON *body = NULL;
	char budget[37], element[37], id[37], loc[160], *json = NULL;
	int version = 0, rule = -1, ground = 0;

	if (api_allow(req, resp, DECIDERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, variation_server_owned, &p);
	if (pb_json_get_enum(body, "", "rule", 1, rules, &rule, &p) == PB_OK && rule >= 0)
		in.rule = rules[rule];
	pb_json_get_name(body, "", "ground", 1, pb_stop_ground_names, PB_STOP_GROUND_NAMES,
	    &ground, &p);
	in.ground = (enum pb_stop_ground)ground;
	pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &in.reason, &p);
	pb_json_get_date(body, "", "effective_from", 0, 0, &in.effective_from,
	    &in.has_effective_from, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		in.budget_id = budget;
		in.element_id = element;
		enum pb_err err = pb_variation_stop(db, &actor, &in, pb_date_today(), &p, id, &json,
		    &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/budgets/%s/variations/%s", budget, id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

void api_variations_apply_due(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char *json = NULL;

	if (api_allow(req, resp, APPLIERS) || api_body(req, resp, 1, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_variation_apply_due(db, &actor, pb_date_today(), &json);
		api_reply(resp, err, NULL, json, 0);
	}
	cJSON_Delete(body);
}

void api_budgets_versions(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", budget) ||
	    api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_budget_versions(db, &scope, budget, &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_settings_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char *json = NULL;
	int version = 0;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_settings_get(db, req->principal.la, &json, &version);
	api_reply(resp, err, NULL, json, version);
}

/* A string of exactly n digits (the BACS numbers), named in the problem. */
static void get_digits(const cJSON *body, const char *name, size_t n, const char **out,
    struct pb_problem *p)
{
	pb_json_get_string(body, "", name, 0, n, n, out, p);
	for (size_t i = 0; *out != NULL && (*out)[i] != '\0'; i++)
		if ((*out)[i] < '0' || (*out)[i] > '9') {
			pb_problem_field(p, name, "invalid", "%s must be %zu digits.", name, n);
			*out = NULL;
			break;
		}
}

/* The originator's name as it stands in a BACS file: 1-18 of A-Z 0-9
 * . & / - and space, not starting with a space. */
static void get_bacs_name(const cJSON *body, const char **out, struct pb_problem *p)
{
	static const char name[] = "bacs_originator_name";

	pb_json_get_string(body, "", name, 0, 1, 18, out, p);
	for (size_t i = 0; *out != NULL && (*out)[i] != '\0'; i++) {
		char c = (*out)[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(".&/- ", c)) ||
		    (i == 0 && c == ' ')) {
			pb_problem_field(p, name, "invalid", "%s must be 1 to 18 of A-Z, 0-9, "
			    ". & / - and space (not first).", name);
			*out = NULL;
			break;
		}
	}
}

void api_settings_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "dp_notice_days", "spend_return_days",
	    "bacs_service_user_number", "bacs_sort_code", "bacs_account_number",
	    "bacs_originator_name", NULL };
	static const char *const owned[] = { "updated_by", "updated_at", "version", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_settings_in in = { -1, -1, NULL, NULL, NULL, NULL };
	struct pb_db *db;
	cJSON *body = NULL;
	char *json = NULL;
	int if_match, version = 0, present = 0, window = 0;
	int64_t days = 0, window_days = 0;

	if (api_allow(req, resp, SETTINGS_WRITERS) || api_if_match(req, resp, &if_match) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_int(body, "", "dp_notice_days", 0, 0, NOTICE_DAYS_MAX, &days, &present, &p);
	if (present)
		in.dp_notice_days = (int)days;
	/* PAY-20: evidence within 14 to 31 days */
	pb_json_get_int(body, "", "spend_return_days", 0, 14, 31, &window_days, &window, &p);
	if (window)
		in.spend_return_days = (int)window_days;
	get_digits(body, "bacs_service_user_number", 6, &in.bacs_service_user_number, &p);
	get_digits(body, "bacs_sort_code", 6, &in.bacs_sort_code, &p);
	get_digits(body, "bacs_account_number", 8, &in.bacs_account_number, &p);
	get_bacs_name(body, &in.bacs_originator_name, &p);
	if (!p.err && !present && !window && in.bacs_service_user_number == NULL &&
	    in.bacs_sort_code == NULL && in.bacs_account_number == NULL &&
	    in.bacs_originator_name == NULL)
		pb_problem_field(&p, "dp_notice_days", "required", "Give at least one setting "
		    "to change.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_settings_patch(db, &actor, &in, if_match, &json, &version);
		api_reply(resp, err, NULL, json, version);
	}
	cJSON_Delete(body);
}
