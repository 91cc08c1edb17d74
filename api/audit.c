/* SPDX-License-Identifier: MIT */
/* audit.c — the audit log and the domain events feed (read-only). */
#include "api/handlers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common.h"
#include "internal/audit/service.h"
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

void api_audit_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char entity[37], *json = NULL;
	const char *entity_id = NULL, *cursor = pb_req_query(req, "cursor");
	const char *e = pb_req_query(req, "entity_id");
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, PB_ROLE_AUDITOR | PB_ROLE_ADMIN) ||
	    read_limit(req, resp, &limit))
		return;
	if (e != NULL) {
		if (pb_uuid_parse(e, strlen(e), entity) != PB_OK) {
			bad_param(resp, "entity_id", "entity_id must be a UUID.");
			return;
		}
		entity_id = entity;
	}
	if (cursor != NULL && parse_seq(cursor) < 0) {
		bad_param(resp, "cursor", "cursor is not one this service issued.");
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_audit_list(db, req->principal.la, entity_id, cursor, limit, &json);
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
