/* SPDX-License-Identifier: MIT */
/*
 * payment_runs.c — handlers for payment runs: create (export the approved
 * payments due by a date), read, the finance CSV (the one place bank
 * details are shown in full, to finance only) and the bank's results.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/core/date.h"
#include "internal/json/json.h"
#include "internal/payments/service.h"

#define RUN_READERS (PB_ROLE_FINANCE | PB_ROLE_AUDITOR)
#define RESULTS_MAX 10000
#define FAILURE_REASON_MAX 500

void api_payment_runs_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "due_on_or_before", NULL };
	static const char *const owned[] = { "id", "payment_count", "total_pence", "created_by",
	    "created_at", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], loc[96], *json = NULL;
	int32_t due = 0;
	int present = 0;

	if (api_allow(req, resp, PB_ROLE_FINANCE) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	pb_json_get_date(body, "", "due_on_or_before", 1, 0, &due, &present, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_run_create(db, &actor, due, id, &json);
		if (err) {
			api_fail(resp, err, NULL);
		} else {
			snprintf(loc, sizeof(loc), "/v1/payment-runs/%s", id);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
	cJSON_Delete(body);
}

void api_payment_runs_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, RUN_READERS) || api_id(req, resp, "id", id) ||
	    api_db(req, resp, &db))
		return;
	enum pb_err err = pb_pay_run_get(db, req->principal.la, id, &json, &version);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, version, NULL);
}

/* ?format=csv|bacs18 (default csv) and, for bacs18, ?processing_date=
 * (YYYY-MM-DD, a weekday, required); what is wrong goes into p. */
static void export_query(struct pb_req *req, enum pb_pay_export_format *format, int32_t *day,
    struct pb_problem *p)
{
	static const char *const formats[] = { "csv", "bacs18", NULL };
	const char *f = pb_req_query(req, "format"), *d = pb_req_query(req, "processing_date");

	*format = PB_PAY_EXPORT_CSV;
	*day = PB_DATE_NONE;
	api_query_enum(f, "format", formats, p);
	if (f != NULL && strcmp(f, "bacs18") == 0)
		*format = PB_PAY_EXPORT_BACS18;
	if (*format == PB_PAY_EXPORT_CSV) {
		if (d != NULL)
			pb_problem_field(p, "processing_date", "not_allowed",
			    "processing_date is for format=bacs18 only.");
		return;
	}
	if (d == NULL) {
		pb_problem_field(p, "processing_date", "required",
		    "processing_date (YYYY-MM-DD) is required for format=bacs18.");
	} else if (pb_date_parse(d, strlen(d), day) != PB_OK) {
		pb_problem_field(p, "processing_date", "invalid",
		    "processing_date is a date (YYYY-MM-DD).");
	} else if (pb_date_weekday(*day) == 0 || pb_date_weekday(*day) == 6) {
		pb_problem_field(p, "processing_date", "weekend",
		    "processing_date must be a weekday: BACS does not process at weekends.");
	}
}

void api_payment_runs_export(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	struct pb_pay_export_out out;
	enum pb_pay_export_format format;
	int32_t day;
	char id[37], num[24], disp[112];

	if (api_allow(req, resp, PB_ROLE_FINANCE) || api_id(req, resp, "id", id))
		return;
	pb_problem_init(&p);
	export_query(req, &format, &day, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	api_actor(req, &actor);
	enum pb_err err = pb_pay_run_export(db, &actor,
	    req->cfg->has_bank_key ? req->cfg->bank_key : NULL,
	    req->cfg->has_bank_key_old ? req->cfg->bank_key_old : NULL, id, format, day, &p, &out);
	if (err) {
		api_fail(resp, err, &p);
		return;
	}
	int csv = format == PB_PAY_EXPORT_CSV;
	pb_resp_raw(resp, 200, csv ? "text/csv; charset=utf-8; header=present" :
	    "text/plain; charset=us-ascii", out.body, out.len);
	snprintf(num, sizeof(num), "%d", out.count);
	pb_resp_header(resp, "X-Payment-Count", num);
	snprintf(num, sizeof(num), "%lld", (long long)out.total_pence);
	pb_resp_header(resp, "X-Total-Pence", num);
	snprintf(num, sizeof(num), "%d", out.without_bank);
	pb_resp_header(resp, "X-Payments-Without-Bank-Details", num);
	snprintf(num, sizeof(num), "%lld", (long long)out.without_bank_pence);
	pb_resp_header(resp, "X-Without-Bank-Details-Pence", num);
	snprintf(disp, sizeof(disp), "attachment; filename=\"payment-run-%s.%s\"", id,
	    csv ? "csv" : "bacs18.txt");
	pb_resp_header(resp, "Content-Disposition", disp);
	pb_resp_header(resp, "X-Content-SHA256", out.sha256);
}

/* GET /v1/payment-runs?status=&limit=&cursor= (finance, auditor). */
void api_payment_runs_list(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const statuses[] = { "created", "sent", "reconciled", NULL };
	struct pb_problem p;
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor, *st = pb_req_query(req, "status");
	int limit = API_PAGE_DEFAULT, known = 0;

	if (api_allow(req, resp, RUN_READERS) || api_page(req, resp, &limit, cbuf, &cursor))
		return;
	for (int i = 0; st != NULL && statuses[i] != NULL; i++)
		known |= strcmp(st, statuses[i]) == 0;
	if (st != NULL && !known) {
		pb_problem_init(&p);
		pb_problem_field(&p, "status", "invalid", "status is created, sent or reconciled.");
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_pay_run_list(db, req->principal.la, st, cursor, limit, &json);
	api_reply(resp, err, NULL, json, 0);
}

void api_payment_runs_reconciliation(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char id[37], cbuf[37], *json = NULL;
	const char *cursor;
	int limit;

	if (api_allow(req, resp, RUN_READERS) || api_id(req, resp, "id", id) ||
	    api_page(req, resp, &limit, cbuf, &cursor) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_pay_run_reconciliation(db, req->principal.la, id, cursor, limit,
	    &json);
	api_reply(resp, err, NULL, json, 0);
}

/* sent {sent_on?, reference?, file_sha256?} | reconcile {}, If-Match honoured. */
static void move(struct pb_req *req, struct pb_resp *resp, int to_sent)
{
	static const char *const sent_allowed[] = { "sent_on", "reference", "file_sha256", NULL };
	static const char *const none[] = { NULL };
	struct pb_problem p;
	struct pb_pay_run_move_in in = { to_sent, PB_DATE_NONE, NULL, NULL, -1 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;
	int present = 0, version = 0;

	if (api_write_open(req, resp, PB_ROLE_FINANCE, "id", id, &in.if_match, 1, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", to_sent ? sent_allowed : none, NULL, &p);
	pb_json_get_date(body, "", "sent_on", 0, 0, &in.sent_on, &present, &p);
	if (!present)
		in.sent_on = pb_date_today();
	pb_json_get_string(body, "", "reference", 0, 1, 100, &in.reference, &p);
	pb_json_get_string(body, "", "file_sha256", 0, 64, 64, &in.file_sha256, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_run_move(db, &actor, id, &in, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_payment_runs_sent(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, 1);
}

void api_payment_runs_reconcile(struct pb_req *req, struct pb_resp *resp)
{
	move(req, resp, 0);
}

/* Per-request storage for the results as parsed. */
struct results {
	size_t n;
	struct pb_pay_result_in *in;
	char (*ids)[37];
};

static void read_result(const cJSON *o, size_t i, struct results *r, struct pb_problem *p)
{
	static const char *const allowed[] = { "payment_id", "outcome", "failure_reason", NULL };
	static const char *const outcomes[] = { "paid", "failed", NULL };
	char prefix[32], fld[64];
	int idx = -1, present = 0;

	snprintf(prefix, sizeof(prefix), "results[%zu].", i);
	if (!cJSON_IsObject(o)) {
		snprintf(fld, sizeof(fld), "results[%zu]", i);
		pb_problem_field(p, fld, "invalid_type", "Each result must be an object.");
		return;
	}
	pb_json_check_members(o, prefix, allowed, NULL, p);
	if (pb_json_get_uuid(o, prefix, "payment_id", 1, r->ids[i], &present, p) == PB_OK)
		r->in[i].payment_id = r->ids[i];
	if (pb_json_get_enum(o, prefix, "outcome", 1, outcomes, &idx, p) == PB_OK)
		r->in[i].outcome = idx == 0 ? PB_PAY_STATUS_PAID : PB_PAY_STATUS_FAILED;
	pb_json_get_string(o, prefix, "failure_reason", 0, 1, FAILURE_REASON_MAX,
	    &r->in[i].failure_reason, p);
	if (r->in[i].failure_reason != NULL && idx == 0) {
		snprintf(fld, sizeof(fld), "%sfailure_reason", prefix);
		pb_problem_field(p, fld, "not_allowed", "Only a failed payment has a failure_reason.");
	}
	for (size_t j = 0; j < i && r->in[i].payment_id != NULL; j++)
		if (r->in[j].payment_id != NULL && strcmp(r->in[j].payment_id, r->ids[i]) == 0) {
			snprintf(fld, sizeof(fld), "%spayment_id", prefix);
			pb_problem_field(p, fld, "duplicate", "Each payment appears once in results.");
			break;
		}
}

static void read_results(const cJSON *body, struct results *r, struct pb_problem *p)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "results");
	const cJSON *o;

	if (arr == NULL) {
		pb_problem_field(p, "results", "required", "results is required.");
		return;
	}
	int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : -1;
	if (n < 1 || n > RESULTS_MAX) {
		pb_problem_field(p, "results", "invalid",
		    "results must be an array of 1 to %d results.", RESULTS_MAX);
		return;
	}
	r->in = calloc((size_t)n, sizeof(*r->in));
	r->ids = calloc((size_t)n, sizeof(*r->ids));
	if (r->in == NULL || r->ids == NULL)
		abort();
	cJSON_ArrayForEach(o, arr) {
		if (p->err && p->nerrors >= PB_PROBLEM_MAX_ERRORS)
			break;
		read_result(o, r->n, r, p);
		r->n++;
	}
}

void api_payment_runs_results(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "results", NULL };
	struct pb_problem p;
	struct results r = { 0, NULL, NULL };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], *json = NULL;

	if (api_allow(req, resp, PB_ROLE_FINANCE) || api_id(req, resp, "id", id) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, NULL, &p);
	read_results(body, &r, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_run_results(db, &actor, id, r.in, r.n, &p, &json);
		api_reply(resp, err, &p, json, 0);
	}
	free(r.in);
	free(r.ids);
	cJSON_Delete(body);
}
