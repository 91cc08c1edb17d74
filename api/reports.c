/* SPDX-License-Identifier: MIT */
/*
 * reports.c — returns to the Department for Education: GET
 * /v1/reports/sen2 (REP-1), the SEN2 personal-budget counts on a census
 * date, as JSON or, with Accept: text/csv, as a CSV attachment.
 */
#include "api/handlers.h"

#include <stdio.h>
#include <string.h>

#include "api/common.h"
#include "internal/auth/auth.h"
#include "internal/core/date.h"
#include "internal/reports/service.h"

#define REPORT_READERS (PB_ROLE_AUDITOR | PB_ROLE_ADMIN)

/* GET /v1/reports/sen2?census_date=YYYY-MM-DD (auditor, admin). */
void api_reports_sen2(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const forms[] = { "application/json", "text/csv" };
	struct pb_problem p;
	struct pb_db *db;
	const char *d = pb_req_query(req, "census_date");
	char *body = NULL, disp[96], day[11];
	size_t len = 0;
	int32_t census;
	int csv;

	if (api_allow(req, resp, REPORT_READERS))
		return;
	pb_problem_init(&p);
	if (d == NULL)
		pb_problem_field(&p, "census_date", "required",
		    "census_date (YYYY-MM-DD), the day the return counts, is required.");
	else if (pb_date_parse(d, strlen(d), &census) != PB_OK)
		pb_problem_field(&p, "census_date", "invalid", "census_date is a date (YYYY-MM-DD).");
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_accept(req, resp, forms, 2, 1, &csv) || api_db_stale(req, resp, 1, &db))
		return;
	enum pb_err err = pb_report_sen2(db, req->principal.la, census,
	    csv ? PB_REPORT_CSV : PB_REPORT_JSON, &body, &len);
	if (err) {
		api_fail(resp, err, NULL);
		return;
	}
	if (!csv) {
		pb_resp_raw(resp, 200, "application/json", body, len);
		return;
	}
	pb_resp_raw(resp, 200, "text/csv; charset=utf-8; header=present", body, len);
	pb_date_format(census, day);
	snprintf(disp, sizeof(disp), "attachment; filename=\"sen2-%s-%s.csv\"", req->principal.la,
	    day);
	pb_resp_header(resp, "Content-Disposition", disp);
}
