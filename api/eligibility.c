/* SPDX-License-Identifier: MIT */
/*
 * eligibility.c — handlers for the eligibility service: the local offer,
 * the rule catalogue, eligibility checks and budget requests with their
 * lifecycle.  Validate → authorise → call internal/eligibility/service →
 * render.  Shapes are checked here (enums, service_type spelling, dates,
 * 1..8 distinct elements); existence, ownership and state in the service.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/eligibility/service.h"
#include "internal/json/json.h"

/* Who may run a check or make, review or withdraw a request (contract
 * role table; a family only for its own child, checked by the service). */
#define REQUESTERS (PB_ROLE_CASEWORKER | PB_ROLE_FAMILY)
#define REASON_MAX 2000
#define NOTES_MAX 2000


static const char *const server_owned[] = { "id", "la", "status", "outcome", "eligibility",
    "decision", "review", "withdrawal", "budget_id", "created_at", "created_by",
    "updated_at", "updated_by", "version", "basis", "source", NULL };

/* service_type: 1–64 bytes of [a-z0-9_]. */
static int service_type_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > PB_ELIG_SERVICE_TYPE_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void check_service_type(const char *s, const char *field, struct pb_problem *p)
{
	if (s != NULL && !service_type_ok(s))
		pb_problem_field(p, field, "invalid",
		    "must be 1 to 64 characters of a-z, 0-9 and _.");
}

/* elements: an array of 1..8 {stream, service_type, arrangement}, no two
 * with the same (stream, service_type).  Strings point into body. */
static void read_elements(const cJSON *body, struct pb_elig_check_in *in,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "stream", "service_type", "arrangement", NULL };
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "elements");
	char prefix[32], field[48];
	int n, i = 0;

	if (arr == NULL || cJSON_IsNull(arr)) {
		pb_problem_field(p, "elements", "required", "is required");
		return;
	}
	if (!cJSON_IsArray(arr)) {
		pb_problem_field(p, "elements", "invalid_type", "must be an array of elements");
		return;
	}
	n = cJSON_GetArraySize(arr);
	if (n < 1 || n > PB_ELIG_MAX_ELEMENTS) {
		pb_problem_field(p, "elements", n < 1 ? "too_short" : "too_long",
		    "must hold 1 to %d elements", PB_ELIG_MAX_ELEMENTS);
		return;
	}
	for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
		struct pb_elig_element *el = &in->elements[i];
		int s = 0, a = 0;

		snprintf(prefix, sizeof(prefix), "elements[%d].", i);
		if (pb_json_check_members(e, prefix, allowed, NULL, p) != PB_OK && !cJSON_IsObject(e))
			continue;
		pb_json_get_name(e, prefix, "stream", 1, pb_stream_names, PB_STREAM_NAMES, &s, p);
		pb_json_get_string(e, prefix, "service_type", 1, 1, PB_ELIG_SERVICE_TYPE_MAX,
		    &el->service_type, p);
		snprintf(field, sizeof(field), "%sservice_type", prefix);
		check_service_type(el->service_type, field, p);
		/* an element is never "mixed" (BUD-2: budget level only) */
		pb_json_get_name(e, prefix, "arrangement", 1, pb_arrangement_names,
		    PB_ELEMENT_ARRANGEMENTS, &a, p);
		el->stream = (enum pb_stream)s;
		el->arrangement = (enum pb_arrangement)a;
		if (s == 0 || el->service_type == NULL)
			continue;
		for (int j = 0; j < i; j++)
			if (in->elements[j].service_type != NULL &&
			    in->elements[j].stream == el->stream &&
			    strcmp(in->elements[j].service_type, el->service_type) == 0) {
				snprintf(field, sizeof(field), "elements[%d]", i);
				pb_problem_field(p, field, "duplicate",
				    "repeats the stream and service_type of elements[%d]", j);
				break;
			}
	}
	in->nelements = (size_t)n;
}

/* The fields a check and a request share. */
static void read_check_in(const cJSON *body, struct pb_elig_check_in *in,
    char child[37], char requester[37], struct pb_problem *p)
{
	int present;

	memset(in, 0, sizeof(*in));
	pb_json_get_uuid(body, "", "child_id", 1, child, &present, p);
	pb_json_get_uuid(body, "", "requester_person_id", 1, requester, &present, p);
	in->child_id = child;
	in->requester_person_id = requester;
	read_elements(body, in, p);
}

static void location(char *buf, size_t n, const char *prefix, const char *id)
{
	snprintf(buf, n, "%s/%s", prefix, id);
}

/* --- offer ------------------------------------------------------------------ */

void api_offer_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_elig_offer_list(db, req->principal.la, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

void api_offer_put(struct pb_req *req, struct pb_resp *resp)
{
	/* a client sends back what GET returned: the server-owned members are
	 * accepted when they equal the current values (the service checks) */
	static const char *const allowed[] = { "stream", "offered", "direct_payment_allowed",
	    "label", "service_type", "source", "updated_by", "updated_at", "version", NULL };
	struct pb_problem p;
	struct pb_elig_offer_row in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *type = pb_req_param(req, "service_type");
	char *json = NULL;
	int stream = 0, present, if_match, version = 0;

	if (api_allow(req, resp, PB_ROLE_ADMIN) || api_if_match(req, resp, &if_match) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	memset(&in, 0, sizeof(in));
	if (!service_type_ok(type))
		check_service_type(type ? type : "", "service_type", &p);
	else
		snprintf(in.service_type, sizeof(in.service_type), "%s", type);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_name(body, "", "stream", 1, pb_stream_names, PB_STREAM_NAMES, &stream, &p);
	pb_json_get_bool(body, "", "offered", 1, &in.offered, &present, &p);
	pb_json_get_bool(body, "", "direct_payment_allowed", 1, &in.direct_payment_allowed,
	    &present, &p);
	/* label: optional, null for none — what a family reads (GET /v1/me/budgets) */
	if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(body, "label"))) {
		const char *label = NULL;
		pb_json_get_string(body, "", "label", 0, 1, sizeof(in.label) - 1, &label, &p);
		if (label != NULL)
			snprintf(in.label, sizeof(in.label), "%s", label);
	}
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		in.stream = (enum pb_stream)stream;
		api_actor(req, &actor);
		enum pb_err err = pb_elig_offer_put(db, &actor, &in, body, if_match, &p, &json,
		    &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

/* --- rules ------------------------------------------------------------------- */

static cJSON *rule_tree(const struct pb_elig_rule *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "statement", r->statement);
	cJSON_AddStringToObject(o, "source", r->source);
	cJSON_AddStringToObject(o, "kind", pb_elig_rule_kind_str(r->kind));
	cJSON_AddBoolToObject(o, "unconfirmed", r->unconfirmed);
	return o;
}

void api_rules_list(struct pb_req *req, struct pb_resp *resp)
{
	if (api_allow(req, resp, API_READERS))
		return;
	cJSON *doc = cJSON_CreateObject();
	cJSON *items = cJSON_AddArrayToObject(doc, "items");
	for (size_t i = 0; i < pb_elig_rule_catalogue_len; i++)
		cJSON_AddItemToArray(items, rule_tree(&pb_elig_rule_catalogue[i]));
	cJSON_AddNullToObject(doc, "next_cursor");
	pb_resp_json(resp, 200, doc);
}

void api_rules_get(struct pb_req *req, struct pb_resp *resp)
{
	const struct pb_elig_rule *r;

	if (api_allow(req, resp, API_READERS))
		return;
	r = pb_elig_rule_find(pb_req_param(req, "id"));
	if (r == NULL)
		pb_resp_error(resp, PB_ENOTFOUND, "No such rule.");
	else
		pb_resp_json(resp, 200, rule_tree(r));
}

/* --- checks ------------------------------------------------------------------ */

void api_checks_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "child_id", "requester_person_id", "elements",
	    "as_of", NULL };
	struct pb_problem p;
	struct pb_elig_check_in in;
	struct pb_scope scope;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], requester[37], id[37], loc[96], *json = NULL;
	int32_t today = pb_date_today();

	if (api_allow(req, resp, REQUESTERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	read_check_in(body, &in, child, requester, &p);
	if (pb_json_get_date(body, "", "as_of", 0, 0, &in.as_of, &in.has_as_of, &p) == PB_OK &&
	    in.has_as_of && in.as_of > today)
		pb_problem_field(&p, "as_of", "invalid", "as_of cannot be in the future.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_scope(req, &scope);
		api_actor(req, &actor);
		enum pb_err err = pb_elig_check_create(db, &scope, &actor, &in, today, &p, id, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			location(loc, sizeof(loc), "/v1/eligibility/checks", id);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
	cJSON_Delete(body);
}

void api_checks_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_elig_check_get);
}

/* --- budget requests ------------------------------------------------------------ */

void api_requests_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "child_id", "requester_person_id", "elements",
	    "notes", NULL };
	struct pb_problem p;
	struct pb_elig_check_in in;
	struct pb_scope scope;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *notes = NULL;
	char child[37], requester[37], id[37], loc[96], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, REQUESTERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	read_check_in(body, &in, child, requester, &p);
	pb_json_get_string(body, "", "notes", 0, 0, NOTES_MAX, &notes, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_scope(req, &scope);
		api_actor(req, &actor);
		enum pb_err err = pb_elig_request_create(db, &scope, &actor, &in, notes,
		    pb_date_today(), &p, id, &json, &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			location(loc, sizeof(loc), "/v1/budget-requests", id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

void api_requests_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_elig_request_get);
}

/* The shared tail of every action: body {allowed…} with `reason`
 * (required or not), then the service, then 200 with the request. */
static void request_action_body(struct pb_req *req, struct pb_resp *resp, const char *id,
    int if_match, const cJSON *body, int decision, enum pb_elig_request_action action,
    int reason_required);

static void request_action(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    int decision, enum pb_elig_request_action action, int reason_required)
{
	cJSON *body = NULL;
	char id[37];
	int if_match;

	if (api_write_open(req, resp, roles, "id", id, &if_match, !reason_required, &body))
		return;
	request_action_body(req, resp, id, if_match, body, decision, action, reason_required);
	cJSON_Delete(body);
}

static void request_action_body(struct pb_req *req, struct pb_resp *resp, const char *id,
    int if_match, const cJSON *body, int decision, enum pb_elig_request_action action,
    int reason_required)
{
	static const char *const with_decision[] = { "decision", "reason", NULL };
	static const char *const reason_only[] = { "reason", NULL };
	static const char *const decisions[] = { "approve", "decline", "uphold", "overturn", NULL };
	static const enum pb_elig_request_action decision_actions[] = { PB_ELIG_ACT_APPROVE,
	    PB_ELIG_ACT_DECLINE, PB_ELIG_ACT_UPHOLD, PB_ELIG_ACT_OVERTURN };
	struct pb_problem p;
	struct pb_scope scope;
	struct pb_actor actor;
	struct pb_db *db;
	const char *reason = NULL;
	char *json = NULL;
	int version = 0, d = -1;

	pb_problem_init(&p);
	pb_json_check_members(body, "", decision ? with_decision : reason_only, server_owned, &p);
	if (decision && pb_json_get_enum(body, "", "decision", 1, decisions, &d, &p) == PB_OK)
		action = decision_actions[d];
	pb_json_get_string(body, "", "reason", reason_required, 1, REASON_MAX, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_scope(req, &scope);
		api_actor(req, &actor);
		enum pb_err err = pb_elig_request_act(db, &scope, &actor, id, action, reason,
		    if_match, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
}

/* elements: 1..8 {stream, service_type, decision: approve|decline,
 * conditions?}, no (stream, service_type) twice.  Strings point into arr. */
static size_t read_decisions(const cJSON *arr, struct pb_elig_element_decision *d,
    struct pb_problem *p)
{
	static const char *const allowed[] = { "stream", "service_type", "decision", "conditions",
	    NULL };
	static const char *const verdicts[] = { "approve", "decline", NULL };
	char prefix[32], field[48];
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1, i = 0;

	if (n < 1 || n > PB_ELIG_MAX_ELEMENTS) {
		pb_problem_field(p, "elements", n < 0 ? "invalid_type" : n < 1 ? "too_short" :
		    "too_long", "must be an array of 1 to %d element decisions",
		    PB_ELIG_MAX_ELEMENTS);
		return 0;
	}
	memset(d, 0, sizeof(*d) * (size_t)n);
	for (const cJSON *e = arr->child; e != NULL; e = e->next, i++) {
		int s = 0, v = -1, present;

		snprintf(prefix, sizeof(prefix), "elements[%d].", i);
		if (pb_json_check_members(e, prefix, allowed, NULL, p) != PB_OK && !cJSON_IsObject(e))
			continue;
		pb_json_get_name(e, prefix, "stream", 1, pb_stream_names, PB_STREAM_NAMES, &s, p);
		pb_json_get_string(e, prefix, "service_type", 1, 1, PB_ELIG_SERVICE_TYPE_MAX,
		    &d[i].service_type, p);
		snprintf(field, sizeof(field), "%sservice_type", prefix);
		check_service_type(d[i].service_type, field, p);
		pb_json_get_enum(e, prefix, "decision", 1, verdicts, &v, p);
		pb_json_get_string(e, prefix, "conditions", 0, 1, REASON_MAX, &d[i].conditions, p);
		present = d[i].conditions != NULL;
		d[i].stream = (enum pb_stream)s;
		d[i].approve = v == 0;
		if (v == 1 && present) {
			snprintf(field, sizeof(field), "%sconditions", prefix);
			pb_problem_field(p, field, "invalid", "conditions attach to an approval only.");
		}
		for (int j = 0; j < i && s != 0 && d[i].service_type != NULL; j++)
			if (d[j].service_type != NULL && d[j].stream == d[i].stream &&
			    strcmp(d[j].service_type, d[i].service_type) == 0) {
				snprintf(field, sizeof(field), "elements[%d]", i);
				pb_problem_field(p, field, "duplicate",
				    "repeats the stream and service_type of elements[%d]", j);
				break;
			}
	}
	return (size_t)n;
}

/* {reason, elements: [...], decision?}: a referral decided per element; a
 * decision given as well must be the one the elements come to. */
static void decide_elements(struct pb_req *req, struct pb_resp *resp, const char *id,
    int if_match, const cJSON *body)
{
	static const char *const allowed[] = { "decision", "reason", "elements", NULL };
	static const char *const whole[] = { "approve", "decline", NULL };
	struct pb_elig_element_decision d[PB_ELIG_MAX_ELEMENTS];
	struct pb_problem p;
	struct pb_scope scope;
	struct pb_actor actor;
	struct pb_db *db;
	const char *reason = NULL;
	char *json = NULL;
	int version = 0, w = -1, any = 0;

	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, server_owned, &p);
	pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &reason, &p);
	size_t n = read_decisions(cJSON_GetObjectItemCaseSensitive(body, "elements"), d, &p);
	for (size_t i = 0; i < n; i++)
		any |= d[i].approve;
	if (pb_json_get_enum(body, "", "decision", 0, whole, &w, &p) == PB_OK && w >= 0 &&
	    n > 0 && w != (any ? 0 : 1))
		pb_problem_field(&p, "decision", "invalid",
		    "the elements come to %s: send that, or leave decision out.",
		    any ? "approve (at least one element approved)" : "decline (all declined)");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_scope(req, &scope);
		api_actor(req, &actor);
		enum pb_err err = pb_elig_request_decide(db, &scope, &actor, id, reason, d, n,
		    if_match, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
}

void api_requests_decision(struct pb_req *req, struct pb_resp *resp)
{
	cJSON *body = NULL;
	char id[37];
	int if_match;

	/* approve | decline a referral, whole or per element; uphold |
	 * overturn a review (panel) */
	if (api_write_open(req, resp, PB_ROLE_PANEL, "id", id, &if_match, 0, &body))
		return;
	if (cJSON_GetObjectItemCaseSensitive(body, "elements") != NULL)
		decide_elements(req, resp, id, if_match, body);
	else
		request_action_body(req, resp, id, if_match, body, 1, PB_ELIG_ACT_APPROVE, 1);
	cJSON_Delete(body);
}

static const char *const request_statuses[] = { "eligible", "ineligible", "panel_referral",
	"approved", "declined", "review_requested", "upheld", "overturned", "withdrawn", NULL };

/* 1 when s is a comma-separated list of request statuses. */
static int statuses_ok(const char *s)
{
	while (s != NULL) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		int known = 0;
		for (int i = 0; request_statuses[i] != NULL; i++)
			known |= strlen(request_statuses[i]) == n && strncmp(s, request_statuses[i], n) == 0;
		if (!known)
			return 0;
		s = c ? c + 1 : NULL;
	}
	return 1;
}

/* GET /v1/budget-requests?status=a,b&child_id=&limit=&cursor= */
void api_requests_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_scope scope;
	struct pb_db *db;
	char child[37], cbuf[37], *json = NULL;
	const char *cursor, *c = pb_req_query(req, "child_id"), *st = pb_req_query(req, "status");
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, API_READERS) || api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	api_query_uuid(c, "child_id", "a child's id", child, &p);
	if (st != NULL && !statuses_ok(st))
		pb_problem_field(&p, "status", "invalid",
		    "status is one or more (comma-separated) of eligible, ineligible, panel_referral,"
		    " approved, declined, review_requested, upheld, overturned, withdrawn.");
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_elig_request_list(db, &scope, st, c ? child : NULL, cursor, limit,
	    &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

void api_requests_review(struct pb_req *req, struct pb_resp *resp)
{
	request_action(req, resp, REQUESTERS, 0, PB_ELIG_ACT_REQUEST_REVIEW, 1);
}

void api_requests_withdraw(struct pb_req *req, struct pb_resp *resp)
{
	request_action(req, resp, REQUESTERS, 0, PB_ELIG_ACT_WITHDRAW, 0);
}
