/* SPDX-License-Identifier: MIT */
/* audit.c — the audit log and the domain events feed (read-only). */
#include "api/handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/audit/service.h"
#include "internal/core/date.h"
#include "internal/core/text.h"
#include "internal/core/uuid.h"

/* A non-negative decimal integer up to 18 digits, else -1. */
static long long parse_seq(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	return strtoll(s, NULL, 10);
}

static int bad_param(struct pb_resp *resp, const char *field, const char *msg)
{
	struct pb_problem p;
	pb_problem_init(&p);
	pb_problem_field(&p, field, "invalid", "%s", msg);
	pb_resp_problem(resp, &p);
	return -1;
}

/* ?limit= as in api_page but without a UUID cursor. */
static int read_limit(struct pb_req *req, struct pb_resp *resp, int *limit)
{
	const char *l = pb_req_query(req, "limit");
	long long v = l ? parse_seq(l) : API_PAGE_DEFAULT;
	if (v < 1 || v > API_PAGE_MAX)
		return bad_param(resp, "limit", "limit must be a whole number from 1 to 200.");
	*limit = (int)v;
	return 0;
}

/* ?from= / ?to=: a UTC day (YYYY-MM-DD). */
static int read_day(struct pb_req *req, struct pb_resp *resp, const char *name, int32_t *out)
{
	const char *v = pb_req_query(req, name);

	*out = PB_DATE_NONE;
	if (v != NULL && pb_date_parse(v, strlen(v), out) != PB_OK)
		return bad_param(resp, name, "a day as YYYY-MM-DD (UTC, inclusive).");
	return 0;
}

/* The filters of GET /v1/audit; non-zero: answered with a 400. */
static int read_filter(struct pb_req *req, struct pb_resp *resp, struct pb_audit_filter *f,
    char entity[37])
{
	const char *e = pb_req_query(req, "entity_id");

	memset(f, 0, sizeof(*f));
	f->actor = pb_req_query(req, "actor");
	f->action = pb_req_query(req, "action");
	f->entity_type = pb_req_query(req, "entity_type");
	if (e != NULL && pb_uuid_parse(e, strlen(e), entity) != PB_OK)
		return bad_param(resp, "entity_id", "entity_id must be a UUID.");
	f->entity_id = e ? entity : NULL;
	if (f->actor != NULL && (f->actor[0] == '\0' || strlen(f->actor) > 256))
		return bad_param(resp, "actor", "actor is a token's sub, 1 to 256 characters.");
	if (f->action != NULL && !pb_text_dotted(f->action, 96))
		return bad_param(resp, "action", "action is an audit action such as budget.approved.");
	if (f->entity_type != NULL && !pb_text_snake(f->entity_type, 64))
		return bad_param(resp, "entity_type", "entity_type is such as budget or payment.");
	if (read_day(req, resp, "from", &f->from) || read_day(req, resp, "to", &f->to))
		return -1;
	if (f->from != PB_DATE_NONE && f->to != PB_DATE_NONE && f->to < f->from)
		return bad_param(resp, "to", "to is on or after from.");
	return 0;
}

void api_audit_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	struct pb_audit_filter f;
	char entity[37], *json = NULL;
	const char *cursor = pb_req_query(req, "cursor");
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, PB_ROLE_AUDITOR | PB_ROLE_ADMIN) ||
	    read_limit(req, resp, &limit) || read_filter(req, resp, &f, entity))
		return;
	if (cursor != NULL && parse_seq(cursor) < 0) {
		bad_param(resp, "cursor", "cursor is not one this service issued.");
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_audit_list(db, req->principal.la, &f, cursor, limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

void api_events_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char *json = NULL;
	const char *after = pb_req_query(req, "after");
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, PB_ROLE_SERVICE | PB_ROLE_AUDITOR | PB_ROLE_ADMIN) ||
	    read_limit(req, resp, &limit))
		return;
	if (after != NULL && parse_seq(after) < 0) {
		bad_param(resp, "after", "after must be an event seq (a whole number).");
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_events_list(db, req->principal.la, after, limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}
