/* SPDX-License-Identifier: MIT */
/*
 * schedules.c — handlers for a schedule's lifecycle after creation
 * (creation, reads by id and materialise are in payments.c): the list with
 * next_due, PATCH (amount, end date; If-Match), stop, the skipped
 * instalments, and the council's term dates that termly schedules are paid
 * on (PAY-21).  Validate → authorise → internal/payments/service.c → render.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/json/json.h"
#include "internal/json/output.h"
#include "internal/payments/service.h"

#define SCHEDULE_WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_FINANCE)
#define TERM_WRITERS (PB_ROLE_FINANCE | PB_ROLE_ADMIN)
#define REASON_MAX 1000

static const char *const statuses[] = { "active", "ended", "stopped", NULL };

/* GET /v1/schedules?budget_id=&status=&limit=&cursor= */
void api_schedules_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_scope scope;
	struct pb_db *db;
	char budget[37], cbuf[37], *json = NULL;
	const char *cursor, *b = pb_req_query(req, "budget_id"), *st = pb_req_query(req, "status");
	int limit = API_PAGE_DEFAULT, known = 0;

	if (api_allow(req, resp, API_READERS) || api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	if (b != NULL && pb_uuid_parse(b, strlen(b), budget) != PB_OK)
		pb_problem_field(&p, "budget_id", "invalid", "budget_id is a budget's id (a UUID).");
	for (int i = 0; st != NULL && statuses[i] != NULL; i++)
		known |= strcmp(st, statuses[i]) == 0;
	if (st != NULL && !known)
		pb_problem_field(&p, "status", "invalid", "status is active, ended or stopped.");
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = pb_pay_schedule_list(db, &scope, b ? budget : NULL, st, cursor, limit,
	    &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

/* PATCH /v1/schedules/{id} {amount_pence?, end_date? (null: open-ended),
 * cap_to_remaining?} with If-Match. */
void api_schedules_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "amount_pence", "end_date", "cap_to_remaining",
	    NULL };
	static const char *const owned[] = { "id", "budget_id", "element_id", "payee_id",
	    "frequency", "start_date", "status", "cap_pence", "next_due", "materialised_count",
	    "last_materialised_due_date", "instalments_total_pence", "skipped_count",
	    "stopped_on", "stopped_by", "stop_reason", "stopped_at", "created_by", "created_at",
	    "updated_at", "version", NULL };
	struct pb_problem p;
	struct pb_pay_schedule_patch in;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0, present = 0;

	memset(&in, 0, sizeof(in));
	in.end_date = PB_DATE_NONE;
	if (api_write_open(req, resp, SCHEDULE_WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_pence(body, "", "amount_pence", 0, 1, &in.amount_pence, &in.has_amount, &p);
	in.has_end = cJSON_GetObjectItemCaseSensitive(body, "end_date") != NULL;
	pb_json_get_date(body, "", "end_date", 0, 1, &in.end_date, &present, &p);
	pb_json_get_bool(body, "", "cap_to_remaining", 0, &in.cap_to_remaining, &present, &p);
	if (p.err == PB_OK && !in.has_amount && !in.has_end)
		pb_problem_field(&p, "", "empty", "Send amount_pence, end_date or both.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_schedule_patch(db, &actor, id, &in, if_match, &p, &json,
		    &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

/* POST /v1/schedules/{id}/stop {reason} (If-Match honoured when sent). */
void api_schedules_stop(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "reason", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char id[37], *json = NULL;
	int if_match, version = 0;

	if (api_write_open(req, resp, SCHEDULE_WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_schedule_stop(db, &actor, id, reason, pb_date_today(),
		    if_match, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_schedules_skipped(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, API_READERS, "id", pb_pay_schedule_skips);
}

/* --- term dates (PAY-21) ----------------------------------------------------------- */

void api_term_dates_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char *json = NULL;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_pay_term_dates_list(db, req->principal.la, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

/* "2026-27" → 2026; -1 for anything else. */
static int academic_year(const char *s)
{
	int y = 0;

	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (y < 2000 || y > 2199 || (s[5] - '0') * 10 + (s[6] - '0') != (y + 1) % 100)
		return -1;
	return y;
}

/* The term_starts member: dates into starts[0..6), *n of them. */
static void read_starts(const cJSON *body, int32_t starts[6], size_t *n, struct pb_problem *p)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "term_starts"), *it;
	char f[48];

	*n = 0;
	if (a == NULL) {
		pb_problem_field(p, "term_starts", "required", "term_starts is required.");
		return;
	}
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1 || cJSON_GetArraySize(a) > 6) {
		pb_problem_field(p, "term_starts", "invalid",
		    "term_starts is an array of 1 to 6 dates (YYYY-MM-DD).");
		return;
	}
	cJSON_ArrayForEach(it, a) {
		snprintf(f, sizeof(f), "term_starts[%zu]", *n);
		if (!cJSON_IsString(it) ||
		    pb_date_parse(it->valuestring, strlen(it->valuestring), &starts[*n]) != PB_OK) {
			pb_problem_field(p, f, "invalid_date", "must be a date written YYYY-MM-DD.");
			return;
		}
		(*n)++;
	}
}

/* PUT /v1/term-dates/{academic_year} {term_starts: [dates]} (If-Match to
 * replace a year knowingly). */
void api_term_dates_put(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "term_starts", NULL };
	static const char *const owned[] = { "id", "academic_year", "updated_by", "updated_at",
	    "version", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	int32_t starts[6];
	size_t n = 0;
	char *json = NULL;
	int if_match, version = 0;

	if (api_allow(req, resp, TERM_WRITERS) || api_if_match(req, resp, &if_match) ||
	    api_body(req, resp, 0, &body))
		return;
	int year = academic_year(pb_req_param(req, "academic_year"));
	pb_problem_init(&p);
	if (year < 0)
		pb_problem_field(&p, "academic_year", "invalid",
		    "The academic year is written like 2026-27 (from 1 August 2026 to 31 July 2027).");
	pb_json_check_members(body, "", allowed, owned, &p);
	read_starts(body, starts, &n, &p);
	if (p.err == PB_OK)
		pb_pay_check_term_starts(year, starts, n, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		/* printed from the parsed dates: exactly what was checked */
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < n; i++) {
			char d[11];
			pb_date_format(starts[i], d);
			cJSON_AddItemToArray(a, cJSON_CreateString(d));
		}
		char *starts_json = pb_json_print(a);
		api_actor(req, &actor);
		enum pb_err err = pb_pay_term_dates_put(db, &actor, year, starts_json, if_match, &json,
		    &version);
		free(starts_json);
		api_reply(resp, err, NULL, json, version);
	}
	cJSON_Delete(body);
}
