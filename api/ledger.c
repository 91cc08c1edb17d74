/* SPDX-License-Identifier: MIT */
/*
 * ledger.c — handlers for the council's finance codes per service type:
 * GET /v1/ledger-codes (finance, auditor, admin) and PUT
 * /v1/ledger-codes/{service_type} (finance; If-Match honoured, version 0
 * for a service type without codes).  internal/payments/ledger.h.
 */
#include "api/handlers.h"

#include <string.h>

#include "api/common.h"
#include "internal/core/text.h"
#include "internal/json/json.h"
#include "internal/payments/ledger.h"

#define LEDGER_READERS (PB_ROLE_FINANCE | PB_ROLE_AUDITOR | PB_ROLE_ADMIN)
#define LEDGER_WRITERS PB_ROLE_FINANCE

/* An element's service type: a-z first, then a-z 0-9 _, at most 64. */
static void get_code(const cJSON *body, const char *name, const char **out,
    struct pb_problem *p)
{
	pb_json_get_string(body, "", name, 1, 1, 12, out, p);
	if (*out != NULL && !pb_pay_ledger_code_ok(*out))
		pb_problem_field(p, name, "invalid", "%s must be 1 to 12 of A-Z and 0-9.", name);
}

void api_ledger_codes_put(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "cost_centre", "subjective_code", NULL };
	static const char *const owned[] = { "id", "service_type", "updated_by", "updated_at",
	    "version", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *type = pb_req_param(req, "service_type"), *cc = NULL, *sc = NULL;
	char *json = NULL;
	int if_match, version = 0;

	if (api_allow(req, resp, LEDGER_WRITERS) || api_if_match(req, resp, &if_match) ||
	    api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	if (!pb_text_snake(type, 64))
		pb_problem_field(&p, "service_type", "invalid",
		    "service_type must be a-z, then up to 63 of a-z, 0-9 and _.");
	pb_json_check_members(body, "", allowed, owned, &p);
	get_code(body, "cost_centre", &cc, &p);
	get_code(body, "subjective_code", &sc, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_pay_ledger_put(db, &actor, type, cc, sc, if_match, &json,
		    &version);
		api_reply(resp, err, NULL, json, version);
	}
	cJSON_Delete(body);
}

void api_ledger_codes_list(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char *json = NULL;

	if (api_allow(req, resp, LEDGER_READERS) || api_db(req, resp, &db))
		return;
	enum pb_err err = pb_pay_ledger_list(db, req->principal.la, &json);
	api_reply(resp, err, NULL, json, 0);
}
