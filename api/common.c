/* SPDX-License-Identifier: MIT */
/* common.c — shared handler steps (see common.h). */
#include "api/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/uuid.h"
#include "internal/http/headers.h"
#include "internal/json/json.h"

int api_allow(struct pb_req *req, struct pb_resp *resp, unsigned roles)
{
	if (pb_principal_has(&req->principal, roles))
		return 0;
	pb_resp_error(resp, PB_EFORBIDDEN, "Your role does not allow this action.");
	return -1;
}

void api_scope(const struct pb_req *req, struct pb_scope *scope)
{
	scope->la = req->principal.la;
	scope->family_person_id = pb_principal_is_family_only(&req->principal)
	    ? req->principal.person_id : NULL;
}

void api_actor(const struct pb_req *req, struct pb_actor *actor)
{
	actor->la = req->principal.la;
	actor->sub = req->principal.sub;
	actor->request_id = req->request_id;
}

static int db_or_503(struct pb_resp *resp, enum pb_err err)
{
	if (err == PB_OK)
		return 0;
	pb_resp_error(resp, PB_EUNAVAILABLE, "The database is unavailable; try again shortly.");
	pb_resp_header(resp, "Retry-After", "1");
	return -1;
}

int api_db(struct pb_req *req, struct pb_resp *resp, struct pb_db **db)
{
	return db_or_503(resp, pb_req_db(req, db));
}

int api_db_reader(struct pb_req *req, struct pb_resp *resp, struct pb_db **db)
{
	return db_or_503(resp, pb_req_db_reader(req, db));
}

int api_db_stale(struct pb_req *req, struct pb_resp *resp, int reader, struct pb_db **db)
{
	return db_or_503(resp, pb_req_db_stale(req, reader, db));
}

int api_body(struct pb_req *req, struct pb_resp *resp, int allow_empty, cJSON **out)
{
	struct pb_problem p;

	*out = NULL;
	pb_problem_init(&p);
	if (req->body_len == 0 && allow_empty) {
		*out = cJSON_CreateObject();
		return 0;
	}
	if (pb_json_parse_strict(req->body, req->body_len, out, &p) != PB_OK) {
		pb_resp_problem(resp, &p);
		return -1;
	}
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		pb_problem_field(&p, "body", "invalid_type", "The body must be a JSON object.");
		pb_resp_problem(resp, &p);
		return -1;
	}
	return 0;
}

int api_id(struct pb_req *req, struct pb_resp *resp, const char *name, char out[37])
{
	const char *v = pb_req_param(req, name);

	if (v != NULL && pb_uuid_parse(v, strlen(v), out) == PB_OK)
		return 0;
	pb_resp_error(resp, PB_ENOTFOUND, "No such resource.");
	return -1;
}

static int bad_query(struct pb_resp *resp, const char *field, const char *msg)
{
	struct pb_problem p;

	pb_problem_init(&p);
	pb_problem_field(&p, field, "invalid", "%s", msg);
	pb_resp_problem(resp, &p);
	return -1;
}

int api_page(struct pb_req *req, struct pb_resp *resp, int *limit,
    char cursor_buf[37], const char **cursor)
{
	const char *l = pb_req_query(req, "limit");
	const char *c = pb_req_query(req, "cursor");

	*limit = API_PAGE_DEFAULT;
	*cursor = NULL;
	if (l != NULL) {
		char *end;
		errno = 0;
		long v = strtol(l, &end, 10);
		if (l[0] < '0' || l[0] > '9' || *end != '\0' || errno || v < 1 || v > API_PAGE_MAX)
			return bad_query(resp, "limit", "limit must be a whole number from 1 to 200.");
		*limit = (int)v;
	}
	if (c != NULL) {
		if (pb_uuid_parse(c, strlen(c), cursor_buf) != PB_OK)
			return bad_query(resp, "cursor", "cursor is not one this service issued.");
		*cursor = cursor_buf;
	}
	return 0;
}

void api_query_int(const char *v, const char *name, long min, long max, long *out,
    struct pb_problem *p)
{
	char *end;
	long x;

	if (v == NULL)
		return;
	errno = 0;
	x = strtol(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno || x < min || x > max)
		pb_problem_field(p, name, "invalid", "%s must be a whole number from %ld to %ld.",
		    name, min, max);
	else
		*out = x;
}

void api_query_uuid(const char *v, const char *name, const char *what, char out[37],
    struct pb_problem *p)
{
	if (v != NULL && pb_uuid_parse(v, strlen(v), out) != PB_OK)
		pb_problem_field(p, name, "invalid", "%s is %s (a UUID).", name, what);
}

void api_query_date(const char *v, const char *name, char out[11], struct pb_problem *p)
{
	int32_t d;

	if (v != NULL && pb_date_parse(v, strlen(v), &d) != PB_OK)
		pb_problem_field(p, name, "invalid", "%s is a date (YYYY-MM-DD).", name);
	else if (v != NULL)
		pb_date_format(d, out);
}

void api_query_enum(const char *v, const char *name, const char *const *names,
    struct pb_problem *p)
{
	char list[256];
	size_t k = 0;
	int known = 0;

	for (int i = 0; v != NULL && names[i] != NULL; i++)
		known |= strcmp(v, names[i]) == 0;
	if (v == NULL || known)
		return;
	list[0] = '\0';
	for (int i = 0; names[i] != NULL && k < sizeof(list); i++)
		k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%s", i ? ", " : "", names[i]);
	pb_problem_field(p, name, "invalid", "%s is one of %s.", name, list);
}

int api_if_match(struct pb_req *req, struct pb_resp *resp, int *version)
{
	if (pb_http_parse_if_match(pb_req_header(req, "If-Match"), version) == 0)
		return 0;
	pb_resp_error(resp, PB_EPRECONDITION, "If-Match does not match the current version.");
	return -1;
}

int api_accept(struct pb_req *req, struct pb_resp *resp, const char *const offered[],
    size_t n, int strict, int *which)
{
	struct pb_problem p;
	char list[192] = "";
	size_t len = 0;

	pb_resp_header(resp, "Vary", "Accept");
	*which = pb_http_accept_pick(pb_req_header(req, "Accept"), offered, n);
	if (*which >= 0 || !strict) {
		*which = *which < 0 ? 0 : *which;
		return 0;
	}
	for (size_t i = 0; i < n && len < sizeof(list); i++) {
		int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "", offered[i]);
		len += w > 0 ? (size_t)w : 0;
	}
	pb_problem_init(&p);
	pb_problem_set(&p, PB_ENOTACCEPTABLE, NULL, "This resource is available as %s; "
	    "Accept allows none of them.", list);
	pb_resp_problem(resp, &p);
	return -1;
}

void api_fail(struct pb_resp *resp, enum pb_err err, const struct pb_problem *p)
{
	if (p != NULL && p->err != PB_OK) {
		pb_resp_problem(resp, p);
		return;
	}
	switch (err) {
	case PB_ENOTFOUND:
		pb_resp_error(resp, err, "No such resource.");
		break;
	case PB_EPRECONDITION:
		pb_resp_error(resp, err, "If-Match does not match the current version.");
		break;
	case PB_ECONFLICT:
		pb_resp_error(resp, err, "The request conflicts with the current state.");
		break;
	case PB_EUNAVAILABLE:
		pb_resp_error(resp, err, "The database is unavailable; try again shortly.");
		pb_resp_header(resp, "Retry-After", "1");
		break;
	default:
		pb_resp_error(resp, err == PB_OK ? PB_EINTERNAL : err,
		    "The request could not be completed.");
		break;
	}
}

void api_reply(struct pb_resp *resp, enum pb_err err, const struct pb_problem *p,
    char *json, int version)
{
	if (err) {
		free(json);
		api_fail(resp, err, p);
	} else {
		api_json_text(resp, 200, json, version, NULL);
	}
}

int api_write_open(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *param, char id[37], int *if_match, int allow_empty, cJSON **body)
{
	return api_allow(req, resp, roles) || api_id(req, resp, param, id) ||
	    api_if_match(req, resp, if_match) || api_body(req, resp, allow_empty, body);
}

void api_json_text(struct pb_resp *resp, int status, char *json, int version,
    const char *location)
{
	char etag[32];

	pb_resp_raw(resp, status, "application/json", json, strlen(json));
	if (version > 0) {
		snprintf(etag, sizeof(etag), "\"%d\"", version);
		pb_resp_header(resp, "ETag", etag);
	}
	if (location != NULL)
		pb_resp_header(resp, "Location", location);
}

void api_get_by_id(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *param, api_get_fn *get)
{
	struct pb_scope scope;
	struct pb_db *db;
	char id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, roles) || api_id(req, resp, param, id) ||
	    api_db(req, resp, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = get(db, &scope, id, &json, &version);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, version, NULL);
}

void api_list(struct pb_req *req, struct pb_resp *resp, unsigned roles,
    const char *parent_param, api_list_fn *list)
{
	struct pb_scope scope;
	struct pb_db *db;
	char parent[37], cbuf[37], *json = NULL;
	const char *cursor;
	int limit = API_PAGE_DEFAULT;

	if (api_allow(req, resp, roles) ||
	    (parent_param != NULL && api_id(req, resp, parent_param, parent)) ||
	    api_page(req, resp, &limit, cbuf, &cursor) || api_db_stale(req, resp, 0, &db))
		return;
	api_scope(req, &scope);
	enum pb_err err = list(db, &scope, parent_param ? parent : NULL, cursor, limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}
