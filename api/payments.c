/* SPDX-License-Identifier: MIT */
/*
 * payments.c — handlers for payments (create with Idempotency-Key, read,
 * list, approve, cancel), recurring schedules and their materialisation,
 * and the PAY-19 surplus report.  Recoveries and debts are in debts.c.  Validate → authorise → call
 * internal/payments/service.c or store.c → render.  Payment runs are in
 * payment_runs.c.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "internal/http/headers.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/json/json.h"
#include "internal/payments/service.h"

#define CREATORS (PB_ROLE_CASEWORKER | PB_ROLE_FINANCE)
#define FINANCE PB_ROLE_FINANCE
#define MATERIALISERS (PB_ROLE_FINANCE | PB_ROLE_SERVICE)
#define REASON_MAX 1000
#define DESCRIPTION_MAX 500

static const char *const purposes[] = { "direct_payment", "services", "employment",
    "transport", "equipment", "other", NULL };
static const char *const frequencies[] = { "weekly", "four_weekly", "monthly",
    "quarterly", "termly", NULL };

/* Fields of a payment or schedule a client never sends. */
static const char *const payment_owned[] = { "id", "la", "budget_id", "status",
    "payee_name", "schedule_id", "run_id", "created_by", "approved_by", "approved_at",
    "cancelled_by", "cancel_reason", "exported_at", "settled_at", "failure_reason",
    "materialised_count", "last_materialised_due_date", "reissue_of", "reissued_as",
    "created_at", "updated_at", "version", NULL };

/* Idempotency-Key: 1 to 255 visible ASCII characters (0x21-0x7E). */
static int idempotency_key(struct pb_req *req, struct pb_resp *resp, const char **key)
{
	const char *k = pb_req_header(req, "Idempotency-Key");
	int ok = k != NULL && pb_http_valid_idempotency_key(k, strlen(k));
	struct pb_problem p;

	*key = k;
	if (ok)
		return 0;
	pb_problem_init(&p);
	pb_problem_field(&p, "Idempotency-Key", k ? "invalid" : "required",
	    "The Idempotency-Key header is required: 1 to 255 visible ASCII characters, "
	    "new for each payment (a retry sends the same one).");
	pb_resp_problem(resp, &p);
	return -1;
}

/* The element_id, payee_id and amount_pence members shared by payments
 * and schedules. */
static void read_target(const cJSON *body, char element[37], char payee[37],
    int64_t *amount, struct pb_problem *p)
{
	int present = 0;

	pb_json_get_uuid(body, "", "element_id", 1, element, &present, p);
	pb_json_get_uuid(body, "", "payee_id", 1, payee, &present, p);
	pb_json_get_pence(body, "", "amount_pence", 1, 1, amount, &present, p);
}

/* An optional {reason} body (actions). */
static int read_reason(struct pb_req *req, struct pb_resp *resp, int required,
    cJSON **body, const char **reason)
{
	static const char *const allowed[] = { "reason", NULL };
	struct pb_problem p;

	*reason = NULL;
	if (api_body(req, resp, !required, body))
		return -1;
	pb_problem_init(&p);
	pb_json_check_members(*body, "", allowed, NULL, &p);
	pb_json_get_string(*body, "", "reason", required, 1, REASON_MAX, reason, &p);
	if (p.err == PB_OK)
		return 0;
	pb_resp_problem(resp, &p);
	return -1;
}

/* Render *json (owned) or the error. */
static void answer(struct pb_resp *resp, enum pb_err err, const struct pb_problem *p,
    int status, char *json, const char *location)
{
	if (err)
		api_fail(resp, err, p);
	else
		api_json_text(resp, status, json, 0, location);
}

void api_payments_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "element_id", "payee_id", "amount_pence",
	    "purpose", "due_date", "description", NULL };
	struct pb_problem p;
	struct pb_pay_create_in in;
	struct pb_pay_idem idem;
	struct pb_pay_answer ans;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], payee[37];
	int idx = -1, present = 0;

	memset(&in, 0, sizeof(in));
	if (api_allow(req, resp, CREATORS) || api_id(req, resp, "id", budget) ||
	    idempotency_key(req, resp, &idem.key) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, payment_owned, &p);
	read_target(body, element, payee, &in.amount_pence, &p);
	if (pb_json_get_enum(body, "", "purpose", 1, purposes, &idx, &p) == PB_OK)
		in.purpose = (enum pb_pay_purpose)(idx + 1);
	pb_json_get_date(body, "", "due_date", 1, 0, &in.due_date, &present, &p);
	pb_json_get_string(body, "", "description", 1, 1, DESCRIPTION_MAX, &in.description, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		in.budget_id = budget;
		in.element_id = element;
		in.payee_id = payee;
		pb_pay_request_hash("POST", req->path, req->body, req->body_len, idem.request_hash);
		api_actor(req, &actor);
		enum pb_err err = pb_pay_create(db, &actor, &in, &idem, &p, &ans);
		answer(resp, err, &p, ans.status, ans.body, ans.location[0] ? ans.location : NULL);
		if (err == PB_OK && ans.replayed)
			pb_resp_header(resp, "Idempotent-Replayed", "true");
	}
	cJSON_Delete(body);
}

void api_payments_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_pay_get);
}

/* A ?name= date (YYYY-MM-DD) into *day (PB_DATE_NONE when absent). */
static void query_date(struct pb_req *req, const char *name, int32_t *day,
    struct pb_problem *p)
{
	const char *v = pb_req_query(req, name);

	*day = PB_DATE_NONE;
	if (v != NULL && pb_date_parse(v, strlen(v), day) != PB_OK) {
		*day = PB_DATE_NONE;
		pb_problem_field(p, name, "invalid", "%s is a date (YYYY-MM-DD).", name);
	}
}

/* A ?name= UUID into buf; *out NULL when absent. */
static void query_uuid(struct pb_req *req, const char *name, char buf[37], const char **out,
    struct pb_problem *p)
{
	const char *v = pb_req_query(req, name);

	*out = NULL;
	if (v == NULL)
		return;
	if (pb_uuid_parse(v, strlen(v), buf) == PB_OK)
		*out = buf;
	else
		pb_problem_field(p, name, "invalid", "%s is an id (a UUID).", name);
}

/* GET /v1/payments?status=&due_before=&due_after=&budget_id=&payee_id=
 * &created_by=&limit=&cursor= (staff readers): finance's queues. */
void api_payments_list(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const statuses[] = { "pending_approval", "approved", "exported",
	    "paid", "failed", "cancelled", NULL };
	struct pb_problem p;
	struct pb_pay_filter f;
	struct pb_scope scope;
	struct pb_db *db;
	char cbuf[37], budget[37], payee[37], *json = NULL;
	const char *cursor;
	int limit = API_PAGE_DEFAULT, known = 0;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) ||
	    api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	memset(&f, 0, sizeof(f));
	f.status = pb_req_query(req, "status");
	for (int i = 0; f.status != NULL && statuses[i] != NULL; i++)
		known |= strcmp(f.status, statuses[i]) == 0;
	if (f.status != NULL && !known)
		pb_problem_field(&p, "status", "invalid", "status is one of pending_approval, "
		    "approved, exported, paid, failed, cancelled.");
	query_date(req, "due_before", &f.due_before, &p);
	query_date(req, "due_after", &f.due_after, &p);
	if (f.due_before != PB_DATE_NONE && f.due_after != PB_DATE_NONE &&
	    f.due_after > f.due_before)
		pb_problem_field(&p, "due_after", "invalid", "due_after cannot be after due_before.");
	query_uuid(req, "budget_id", budget, &f.budget_id, &p);
	query_uuid(req, "payee_id", payee, &f.payee_id, &p);
	f.created_by = pb_req_query(req, "created_by");
	if (f.created_by != NULL && (f.created_by[0] == '\0' || strlen(f.created_by) > 127))
		pb_problem_field(&p, "created_by", "invalid", "created_by is a user id (1 to 127 "
		    "characters).");
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_pay_list(db, &scope, &f, cursor, limit, &json);
	answer(resp, err, NULL, 200, json, NULL);
}

/* POST /v1/payments/{id}/reissue {due_date?, reason?} with Idempotency-Key
 * (caseworker, finance): a failed payment paid again as a new payment. */
void api_payments_reissue(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "due_date", "reason", NULL };
	struct pb_problem p;
	struct pb_pay_idem idem;
	struct pb_pay_answer ans;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char id[37];
	int32_t due = PB_DATE_NONE;
	int present = 0;

	if (api_allow(req, resp, CREATORS) || api_id(req, resp, "id", id) ||
	    idempotency_key(req, resp, &idem.key) || api_body(req, resp, 1, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, payment_owned, &p);
	pb_json_get_date(body, "", "due_date", 0, 0, &due, &present, &p);
	pb_json_get_string(body, "", "reason", 0, 1, REASON_MAX, &reason, &p);
	if (!present)
		due = pb_date_today();
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		pb_pay_request_hash("POST", req->path, req->body, req->body_len, idem.request_hash);
		api_actor(req, &actor);
		enum pb_err err = pb_pay_reissue(db, &actor, id, due, reason, &idem, &p, &ans);
		answer(resp, err, &p, ans.status, ans.body, ans.location[0] ? ans.location : NULL);
		if (err == PB_OK && ans.replayed)
			pb_resp_header(resp, "Idempotent-Replayed", "true");
	}
	cJSON_Delete(body);
}

void api_budget_payments_list(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_pay_list_for_budget);
}

void api_me_payments(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor;
	int limit;

	if (!pb_principal_has(&req->principal, PB_ROLE_FAMILY) ||
	    req->principal.person_id[0] == '\0') {
		pb_resp_error(resp, PB_EFORBIDDEN, "Only a family token has its own payments.");
		return;
	}
	if (api_page(req, resp, &limit, cbuf, &cursor) || api_db_stale(req, resp, 1, &db))
		return;
	enum pb_err err = pb_pay_family_paid(db, req->principal.la, req->principal.person_id,
	    cursor, limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

/* approve | cancel with an optional {reason}. */
static void act(struct pb_req *req, struct pb_resp *resp, unsigned roles, int cancel)
{
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason;
	char id[37], *json = NULL;

	if (api_allow(req, resp, roles) || api_id(req, resp, "id", id) ||
	    read_reason(req, resp, 0, &body, &reason)) {
		cJSON_Delete(body);
		return;
	}
	if (api_db(req, resp, &db) == 0) {
		pb_problem_init(&p);
		api_actor(req, &actor);
		enum pb_err err = cancel ? pb_pay_cancel(db, &actor, id, reason, &p, &json)
		    : pb_pay_approve(db, &actor, id, reason, &p, &json);
		answer(resp, err, &p, 200, json, NULL);
	}
	cJSON_Delete(body);
}

void api_payments_approve(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, FINANCE, 0);
}

void api_payments_cancel(struct pb_req *req, struct pb_resp *resp)
{
	act(req, resp, CREATORS, 1);
}

/* --- schedules ----------------------------------------------------------------- */

void api_schedules_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "element_id", "payee_id", "amount_pence",
	    "frequency", "start_date", "end_date", "cap_to_remaining", NULL };
	struct pb_problem p;
	struct pb_pay_schedule_in in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], payee[37], id[37], loc[96], *json = NULL;
	int idx = -1, present = 0, has_end = 0;

	memset(&in, 0, sizeof(in));
	in.end_date = PB_DATE_NONE;
	if (api_allow(req, resp, CREATORS) || api_id(req, resp, "id", budget) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, payment_owned, &p);
	read_target(body, element, payee, &in.amount_pence, &p);
	if (pb_json_get_enum(body, "", "frequency", 1, frequencies, &idx, &p) == PB_OK)
		in.frequency = (enum pb_pay_frequency)(idx + 1);
	pb_json_get_date(body, "", "start_date", 1, 0, &in.start_date, &present, &p);
	pb_json_get_date(body, "", "end_date", 0, 1, &in.end_date, &has_end, &p);
	pb_json_get_bool(body, "", "cap_to_remaining", 0, &in.cap_to_remaining, &present, &p);
	if (!has_end)
		in.end_date = PB_DATE_NONE;
	else if (p.err == PB_OK && in.end_date < in.start_date)
		pb_problem_field(&p, "end_date", "invalid", "end_date cannot be before start_date.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		in.budget_id = budget;
		in.element_id = element;
		in.payee_id = payee;
		api_actor(req, &actor);
		enum pb_err err = pb_pay_schedule_create(db, &actor, &in, &p, id, &json);
		if (err == PB_OK)
			snprintf(loc, sizeof(loc), "/v1/schedules/%s", id);
		answer(resp, err, &p, 201, json, loc);
	}
	cJSON_Delete(body);
}

void api_schedules_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, API_READERS, "id", pb_pay_schedule_get);
}

void api_schedules_materialise(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "until", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char *json = NULL;
	int32_t until = 0;
	int present = 0;

	if (api_allow(req, resp, MATERIALISERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_date(body, "", "until", 1, 0, &until, &present, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_materialise(db, &actor, until, &json);
		answer(resp, err, NULL, 200, json, NULL);
	}
	cJSON_Delete(body);
}

/* --- recoveries, surplus --------------------------------------------------------- */

void api_budgets_surplus(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], *json = NULL;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_id(req, resp, "id", id) ||
	    api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_pay_surplus_report(db, &scope, id, NULL, req->cfg->surplus_weeks,
	    PB_SURPLUS_OVER, &json);
	answer(resp, err, NULL, 200, json, NULL);
}

/* GET /v1/budgets/{id}/dp-positions: every direct payment's position, for
 * staff and the budget's family. */
void api_budgets_dp_positions(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", id) ||
	    api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_pay_surplus_report(db, &scope, id, NULL, req->cfg->surplus_weeks,
	    PB_SURPLUS_ALL, &json);
	answer(resp, err, NULL, 200, json, NULL);
}
