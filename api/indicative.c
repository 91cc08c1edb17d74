/* SPDX-License-Identifier: MIT */
/*
 * indicative.c — handlers for resource allocation: the council's
 * allocation scheme versions (admin publishes, staff read) and indicative
 * budgets (a caseworker makes one; staff and the child's family read it)
 * (internal/budgets/indicative.h).
 */
#include "api/handlers.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/common.h"
#include "internal/budgets/allocation_json.h"
#include "internal/budgets/indicative.h"
#include "internal/json/json.h"
#include "internal/json/output.h"

#define SCHEME_WRITERS PB_ROLE_ADMIN
#define SCHEME_READERS (PB_ROLE_CASEWORKER | PB_ROLE_APPROVER | PB_ROLE_PANEL | \
	PB_ROLE_ADMIN | PB_ROLE_AUDITOR)
#define INDICATIVE_WRITERS PB_ROLE_CASEWORKER
#define INDICATIVE_READERS (SCHEME_READERS | PB_ROLE_FAMILY)
#define VERSION_MAX 1000000

void api_schemes_create(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_alloc_scheme *s = calloc(1, sizeof(*s));
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *name = NULL;
	char id[37], loc[80], *json = NULL;
	int version = 0;

	if (s == NULL)
		abort();
	if (api_allow(req, resp, SCHEME_WRITERS) || api_body(req, resp, 0, &body))
		goto done;
	pb_problem_init(&p);
	if (pb_alloc_scheme_read(body, s, &name, &p) != PB_OK) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		/* the body holds only the scheme's own members now */
		char *definition = cJSON_PrintUnformatted(body);
		if (definition == NULL)
			abort();
		api_actor(req, &actor);
		enum pb_err err = pb_indicative_scheme_publish(db, &actor, definition, id, &json,
		    &version);
		free(definition);
		if (err) {
			api_fail(resp, err, NULL);
		} else {
			snprintf(loc, sizeof(loc), "/v1/allocation-schemes/%s", id);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
done:
	cJSON_Delete(body);
	free(s);
}

void api_schemes_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_problem p;
	struct pb_db *db;
	char cbuf[37], *json = NULL;
	const char *cursor;
	int limit = API_PAGE_DEFAULT;
	long version = 0;

	if (api_allow(req, resp, SCHEME_READERS) || api_page(req, resp, &limit, cbuf, &cursor))
		return;
	pb_problem_init(&p);
	api_query_int(pb_req_query(req, "version"), "version", 1, VERSION_MAX, &version, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
		return;
	}
	if (api_db(req, resp, &db))
		return;
	enum pb_err err = pb_indicative_scheme_list(db, req->principal.la, (int)version, cursor,
	    limit, &json);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, 0, NULL);
}

void api_schemes_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, SCHEME_READERS, "id", pb_indicative_scheme_get);
}

/* The calculators' members of body, as they were sent (kept with the result). */
static char *inputs_json(const cJSON *body)
{
	static const char *const members[] = { "needs", "transport", "short_breaks", NULL };
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		abort();
	for (size_t i = 0; members[i] != NULL; i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(body, members[i]);
		if (m != NULL)
			cJSON_AddItemToObject(o, members[i], cJSON_Duplicate(m, 1));
	}
	return pb_json_print(o);
}

void api_indicative_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "child_id", "scheme_version", "needs",
	    "transport", "short_breaks", NULL };
	static const char *const owned[] = { "id", "plan_id", "scheme_id", "inputs",
	    "elements", "total_pence", "rounding", "created_by", "created_at", NULL };
	struct pb_alloc_in *in = calloc(1, sizeof(*in));
	struct pb_indicative_in ind = { 0 };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char child[37], id[37], loc[80], *json = NULL, *inputs = NULL;
	int64_t version = 0;
	int present = 0;

	if (in == NULL)
		abort();
	if (api_allow(req, resp, INDICATIVE_WRITERS) || api_body(req, resp, 0, &body))
		goto done;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	if (pb_json_get_uuid(body, "", "child_id", 1, child, &present, &p) == PB_OK)
		ind.child_id = child;
	pb_json_get_int(body, "", "scheme_version", 0, 1, VERSION_MAX, &version, &present, &p);
	pb_alloc_in_read(body, in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		ind.scheme_version = (int)version;
		ind.in = in;
		ind.inputs_json = inputs = inputs_json(body);
		api_actor(req, &actor);
		enum pb_err err = pb_indicative_create(db, &actor, &ind, &p, id, &json);
		free(inputs);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/indicative-budgets/%s", id);
			api_json_text(resp, 201, json, 0, loc);
		}
	}
done:
	cJSON_Delete(body);
	free(in);
}

void api_indicative_get(struct pb_req *req, struct pb_resp *resp)
{
	api_get_by_id(req, resp, INDICATIVE_READERS, "id", pb_indicative_get);
}

void api_children_indicative(struct pb_req *req, struct pb_resp *resp)
{
	api_list(req, resp, INDICATIVE_READERS, "id", pb_indicative_list_for_child);
}
