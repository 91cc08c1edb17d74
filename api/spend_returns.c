/* SPDX-License-Identifier: MIT */
/*
 * spend_returns.c — handlers for monitoring direct payments: spend returns,
 * their evidence files, acceptance and queries, and the queues
 * (internal/monitoring/service.h).  The evidence upload is the one route
 * whose body is a file (PB_ROUTE_UPLOAD, up to 5 MiB, limited at the
 * head); its type is judged by content, never by Content-Type or name.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/core/text.h"
#include "internal/json/json.h"
#include "internal/monitoring/service.h"

#define RETURN_MAKERS (PB_ROLE_CASEWORKER | PB_ROLE_FAMILY)
#define RETURN_JUDGES PB_ROLE_CASEWORKER
#define MESSAGE_MAX 2000
#define FILE_NAME_MAX 120

/* The return's body: {period_start, period_end, opening_balance_pence,
 * closing_balance_pence, lines: [{spent_on, description, category,
 * amount_pence}]}; *lines malloc'd (the caller frees). */
static void read_return(const cJSON *body, struct pb_spend_return_in *in,
    struct pb_spend_line **lines, struct pb_problem *p)
{
	static const char *const allowed[] = { "period_start", "period_end",
	    "opening_balance_pence", "closing_balance_pence", "lines", NULL };
	static const char *const owned[] = { "id", "status", "evidence", "spent_pence",
	    "evidenced_pence", "not_agreed_pence", "version", NULL };
	static const char *const line_allowed[] = { "spent_on", "description", "category",
	    "amount_pence", NULL };
	int present = 0;

	*lines = NULL;
	pb_json_check_members(body, "", allowed, owned, p);
	pb_json_get_date(body, "", "period_start", 1, 0, &in->period_start, &present, p);
	pb_json_get_date(body, "", "period_end", 1, 0, &in->period_end, &present, p);
	pb_json_get_int(body, "", "opening_balance_pence", 1, 0, PB_SPEND_MAX_PENCE,
	    &in->opening_balance_pence, &present, p);
	pb_json_get_int(body, "", "closing_balance_pence", 1, 0, PB_SPEND_MAX_PENCE,
	    &in->closing_balance_pence, &present, p);
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "lines");
	if (a == NULL || !cJSON_IsArray(a)) {
		pb_problem_field(p, "lines", a ? "invalid_type" : "required",
		    "lines is an array of what was spent (it may be empty).");
		return;
	}
	int n = cJSON_GetArraySize(a);
	if (n > PB_SPEND_MAX_LINES) {
		pb_problem_field(p, "lines", "too_many", "A return holds at most %d lines.",
		    PB_SPEND_MAX_LINES);
		return;
	}
	*lines = calloc((size_t)n + 1, sizeof(**lines));
	if (*lines == NULL)
		abort();
	in->lines = *lines;
	in->nlines = (size_t)n;
	for (int i = 0; i < n; i++) {
		const cJSON *l = cJSON_GetArrayItem(a, i);
		struct pb_spend_line *out = &(*lines)[i];
		char pre[24];
		snprintf(pre, sizeof(pre), "lines[%d].", i);
		if (!cJSON_IsObject(l)) {
			pb_problem_field(p, pre, "invalid_type", "Each line is an object.");
			continue;
		}
		pb_json_check_members(l, pre, line_allowed, NULL, p);
		pb_json_get_date(l, pre, "spent_on", 1, 0, &out->spent_on, &present, p);
		pb_json_get_string(l, pre, "description", 1, 1, 200, &out->description, p);
		if (pb_json_get_string(l, pre, "category", 1, 1, 64, &out->category, p) == PB_OK &&
		    out->category != NULL && !pb_text_snake(out->category, 64)) {
			char f[40];
			snprintf(f, sizeof(f), "%scategory", pre);
			pb_problem_field(p, f, "invalid", "category is a service type such as "
			    "short_breaks (lower case, digits, underscores).");
		}
		pb_json_get_int(l, pre, "amount_pence", 1, 1, PB_SPEND_MAX_PENCE, &out->amount_pence,
		    &present, p);
	}
}

/* POST …/spend-returns (resubmit 0: the budget and element in the path) or
 * POST /v1/spend-returns/{id}/resubmit (resubmit 1): the same body. */
static void write_return(struct pb_req *req, struct pb_resp *resp, int resubmit)
{
	struct pb_problem p;
	struct pb_spend_return_in in = { 0 };
	struct pb_spend_line *lines = NULL;
	struct pb_actor actor;
	struct pb_scope scope;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], id[37], location[80], *json = NULL;

	if (api_allow(req, resp, RETURN_MAKERS) ||
	    (resubmit ? api_id(req, resp, "id", id) : (api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element))) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	read_return(body, &in, &lines, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		api_scope(req, &scope);
		enum pb_err err = resubmit ?
		    pb_spend_return_resubmit(db, &actor, &scope, id, &in, pb_date_today(), &p, &json) :
		    pb_spend_return_submit(db, &actor, &scope, budget, element, &in, pb_date_today(),
		    &p, id, &json);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(location, sizeof(location), "/v1/spend-returns/%s", id);
			api_json_text(resp, resubmit ? 200 : 201, json, 0, resubmit ? NULL : location);
		}
	}
	free(lines);
	cJSON_Delete(body);
}

void api_spend_returns_create(struct pb_req *req, struct pb_resp *resp)
{
	write_return(req, resp, 0);
}

void api_spend_returns_resubmit(struct pb_req *req, struct pb_resp *resp)
{
	write_return(req, resp, 1);
}

void api_spend_returns_query(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "message", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *message = NULL;
	char id[37], *json = NULL;

	if (api_allow(req, resp, RETURN_JUDGES) || api_id(req, resp, "id", id) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_string(body, "", "message", 1, 1, MESSAGE_MAX, &message, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_spend_return_query(db, &actor, id, message, &p, &json);
		api_reply(resp, err, &p, json, 0);
	}
	cJSON_Delete(body);
}

void api_spend_returns_accept(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const none[] = { NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;

	if (api_allow(req, resp, RETURN_JUDGES) || api_id(req, resp, "id", id) ||
	    api_body(req, resp, 1, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", none, NULL, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_spend_return_accept(db, &actor, id, &p, &json);
		api_reply(resp, err, &p, json, 0);
	}
	cJSON_Delete(body);
}

void api_spend_evidence_upload(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_scope scope;
	struct pb_db *db;
	const char *name = pb_req_query(req, "file_name");
	char id[37], evidence[37], *json = NULL;

	if (api_allow(req, resp, RETURN_MAKERS) || api_id(req, resp, "id", id))
		return;
	pb_problem_init(&p);
	if (name != NULL && (strlen(name) < 1 || strlen(name) > FILE_NAME_MAX ||
	    strpbrk(name, "\r\n\t") != NULL))
		pb_problem_field(&p, "file_name", "invalid", "file_name is 1 to %d characters.",
		    FILE_NAME_MAX);
	else if (req->body_len == 0)
		pb_problem_field(&p, "file", "required", "Send the file's bytes as the request "
		    "body (a PDF, JPEG or PNG file of at most 5 MiB).");
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	api_actor(req, &actor);
	api_scope(req, &scope);
	enum pb_err err = pb_spend_evidence_add(db, &actor, &scope, id, name,
	    (const unsigned char *)req->body, req->body_len, &p, evidence, &json);
	if (err) {
		api_fail(resp, err, &p);
	} else {
		char location[128];
		snprintf(location, sizeof(location), "/v1/spend-returns/%s/evidence/%s", id, evidence);
		api_json_text(resp, 201, json, 0, location);
	}
}

void api_spend_evidence_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], evidence[37], name[128], disposition[200];
	const char *media = NULL;
	unsigned char *data = NULL;
	size_t len = 0;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", id) ||
	    api_id(req, resp, "evidence_id", evidence) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_spend_evidence_get(db, &scope, id, evidence, &media, name, &data, &len);
	if (err) {
		api_fail(resp, err, NULL);
		return;
	}
	/* the media type proved on upload, always a download (every answer
	 * carries X-Content-Type-Options: nosniff) */
	pb_resp_raw(resp, 200, media, (char *)data, len);
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"", name);
	pb_resp_header(resp, "Content-Disposition", disposition);
	pb_resp_header(resp, "Cache-Control", "private, no-store");
}

void api_spend_returns_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], *json = NULL;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", id) ||
	    api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_spend_return_get(db, &scope, id, &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_spend_returns_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], element[37], cbuf[37], *json = NULL;
	const char *cursor;
	int limit;

	if (api_allow(req, resp, API_READERS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) ||
	    api_page(req, resp, &limit, cbuf, &cursor) || api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_spend_return_list(db, &scope, budget, element, cursor, limit, &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_spend_returns_queue(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const statuses[] = { "submitted", "queried", "accepted", NULL };
	struct pb_problem p;
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor, *status = pb_req_query(req, "status");
	int limit;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) ||
	    api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	if (status != NULL)
		api_query_enum(status, "status", statuses, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_spend_return_queue(db, req->principal.la, status, cursor, limit,
	    &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_spend_returns_due(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor, *b = pb_req_query(req, "before");
	int limit;
	int32_t today = pb_date_today(), before = today + 30;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) ||
	    api_page(req, resp, &limit, cbuf, &cursor))
		return;
	if (b != NULL && pb_date_parse(b, strlen(b), &before) != PB_OK) {
		pb_problem_init(&p);
		pb_problem_field(&p, "before", "invalid_date", "before must be a date YYYY-MM-DD.");
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_spend_returns_due(db, req->principal.la, today, before, cursor, limit,
	    &json);
	api_reply(resp, err, NULL, json, 0);
}

/* --- audits of direct-payment accounts ---------------------------------------------- */

#define AUDITORS (PB_ROLE_CASEWORKER | PB_ROLE_FINANCE)
#define FINDINGS_MAX 4000

void api_dp_audits_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "period_start", "period_end", "balance_seen_pence",
	    "evidenced_spend_pence", "findings", NULL };
	static const char *const owned[] = { "id", "audited_by", "audited_at", NULL };
	struct pb_problem p;
	struct pb_dp_audit_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char budget[37], element[37], id[37], *json = NULL;
	int present = 0;

	if (api_allow(req, resp, AUDITORS) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_date(body, "", "period_start", 1, 0, &in.period_start, &present, &p);
	pb_json_get_date(body, "", "period_end", 1, 0, &in.period_end, &present, &p);
	pb_json_get_int(body, "", "balance_seen_pence", 1, 0, PB_SPEND_MAX_PENCE,
	    &in.balance_seen_pence, &present, &p);
	pb_json_get_int(body, "", "evidenced_spend_pence", 1, 0, PB_SPEND_MAX_PENCE,
	    &in.evidenced_spend_pence, &present, &p);
	pb_json_get_string(body, "", "findings", 1, 1, FINDINGS_MAX, &in.findings, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_dp_audit_record(db, &actor, budget, element, &in,
		    pb_date_today(), req->cfg->surplus_weeks, &p, id, &json);
		if (err)
			api_fail(resp, err, &p);
		else
			api_json_text(resp, 201, json, 0, NULL);
	}
	cJSON_Delete(body);
}

void api_dp_audits_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char budget[37], element[37], cbuf[37], *json = NULL;
	const char *cursor;
	int limit;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_id(req, resp, "id", budget) ||
	    api_id(req, resp, "element_id", element) ||
	    api_page(req, resp, &limit, cbuf, &cursor) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_dp_audit_list(db, req->principal.la, budget, element, cursor, limit,
	    &json);
	api_reply(resp, err, NULL, json, 0);
}
