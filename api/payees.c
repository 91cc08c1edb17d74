/* SPDX-License-Identifier: MIT */
/*
 * payees.c — handlers for payees: who receives money from a budget element
 * (POST /v1/payees, GET /v1/payees/{id}).  Bank details are sealed with
 * PB_BANK_KEY and only ever shown masked; without the key they are refused.
 * Payees are always on (route group 0): budgets name them and payments pay
 * them, so either deployment needs them.
 */
#include "api/handlers.h"

#include <stdio.h>

#include "api/common.h"
#include "internal/json/json.h"
#include "internal/payees/service.h"

#define PAYEE_WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_FINANCE)

static const char *const kinds[] = { "individual", "organisation", NULL };

static void read_bank(const cJSON *body, struct pb_payee_in *in, struct pb_problem *p)
{
	static const char *const allowed[] = { "sort_code", "account_number", NULL };
	static const char *const owned[] = { "account_number_last4", NULL };
	const cJSON *bank = cJSON_GetObjectItemCaseSensitive(body, "bank");

	if (bank == NULL)
		return;
	if (!cJSON_IsObject(bank)) {
		pb_problem_field(p, "bank", "invalid_type", "bank must be an object.");
		return;
	}
	pb_json_check_members(bank, "bank.", allowed, owned, p);
	if (pb_json_get_string(bank, "bank.", "sort_code", 1, 6, 6, &in->sort_code, p) == PB_OK &&
	    !pb_bank_valid_sort_code(in->sort_code))
		pb_problem_field(p, "bank.sort_code", "invalid",
		    "sort_code is six digits with no separators.");
	if (pb_json_get_string(bank, "bank.", "account_number", 1, 8, 8, &in->account_number, p)
	    == PB_OK && !pb_bank_valid_account_number(in->account_number))
		pb_problem_field(p, "bank.account_number", "invalid",
		    "account_number is eight digits.");
}

void api_payees_create(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "kind", "name", "person_id",
	    "is_local_authority", "bank", NULL };
	static const char *const owned[] = { "id", "la", "created_at", "updated_at",
	    "version", "created_by", NULL };
	struct pb_problem p;
	struct pb_payee_in in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char person[37], id[37], loc[96], *json = NULL;
	int kind = -1, present = 0, version = 0;

	if (api_allow(req, resp, PAYEE_WRITERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	if (pb_json_get_enum(body, "", "kind", 1, kinds, &kind, &p) == PB_OK)
		in.kind = kinds[kind];
	pb_json_get_string(body, "", "name", 1, 1, 200, &in.name, &p);
	if (pb_json_get_uuid(body, "", "person_id", 0, person, &present, &p) == PB_OK &&
	    present) {
		in.person_id = person;
		if (kind == 1)
			pb_problem_field(&p, "person_id", "not_allowed",
			    "An organisation is not linked to a person.");
	}
	pb_json_get_bool(body, "", "is_local_authority", 1, &in.is_local_authority, &present, &p);
	read_bank(body, &in, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_payee_create(db, &actor,
		    req->cfg->has_bank_key ? req->cfg->bank_key : NULL, &in, &p, id, &json,
		    &version);
		if (err) {
			api_fail(resp, err, &p);
		} else {
			snprintf(loc, sizeof(loc), "/v1/payees/%s", id);
			api_json_text(resp, 201, json, version, loc);
		}
	}
	cJSON_Delete(body);
}

void api_payees_get(struct pb_req *req, struct pb_resp *resp)
{
	struct pb_db *db;
	char id[37], *json = NULL;
	int version;

	if (api_allow(req, resp, PB_ROLES_STAFF_READ) || api_id(req, resp, "id", id) ||
	    api_db(req, resp, &db))
		return;
	enum pb_err err = pb_payee_get(db, req->principal.la, id, &json, &version);
	if (err)
		api_fail(resp, err, NULL);
	else
		api_json_text(resp, 200, json, version, NULL);
}
