/* SPDX-License-Identifier: MIT */
/*
 * payees.c — handlers for payees: who receives money from a budget element
 * (POST /v1/payees, GET and PATCH /v1/payees/{id}, and confirming or
 * rejecting a pending change of bank details).  Bank details are sealed
 * with PB_BANK_KEY and only ever shown masked; without the key they are
 * refused.  A change of bank details waits for a second person in finance.
 * Payees are always on (route group 0): budgets name them and payments pay
 * them, so either deployment needs them.
 */
#include "api/handlers.h"

#include <stdio.h>

#include "api/common.h"
#include "internal/json/json.h"
#include "internal/payees/rules.h"
#include "internal/payees/service.h"

#define PAYEE_WRITERS (PB_ROLE_CASEWORKER | PB_ROLE_FINANCE)
#define REASON_MAX_BYTES 2000

static const char *const kinds[] = { "individual", "organisation", NULL };

/* The "bank" member: {sort_code, account_number} and, for a change,
 * shared_account_confirmed.  account is the normalised eight digits. */
static void read_bank(const cJSON *body, int for_change, char account[9], const char **sort_code,
    int *shared_confirmed, struct pb_problem *p)
{
	static const char *const create_allowed[] = { "sort_code", "account_number", NULL };
	static const char *const change_allowed[] = { "sort_code", "account_number",
	    "shared_account_confirmed", NULL };
	static const char *const owned[] = { "account_number_last4", NULL };
	const cJSON *bank = cJSON_GetObjectItemCaseSensitive(body, "bank");
	const char *acct = NULL;
	int present = 0;

	if (bank == NULL)
		return;
	if (!cJSON_IsObject(bank)) {
		pb_problem_field(p, "bank", "invalid_type", "bank must be an object.");
		return;
	}
	pb_json_check_members(bank, "bank.", for_change ? change_allowed : create_allowed, owned, p);
	if (pb_json_get_string(bank, "bank.", "sort_code", 1, 1, 32, sort_code, p) == PB_OK &&
	    !pb_bank_valid_sort_code(*sort_code))
		pb_problem_field(p, "bank.sort_code", "invalid",
		    "sort_code is six digits with no separators, e.g. 402030.");
	if (pb_json_get_string(bank, "bank.", "account_number", 1, 1, 32, &acct, p) == PB_OK &&
	    pb_bank_normalise_account(acct, account) != 0)
		pb_problem_field(p, "bank.account_number", "invalid",
		    "account_number is 8 digits (6 or 7 digits are padded with leading zeros);"
		    " for a 9- or 10-digit number give the 8-digit form the bank uses for payments.");
	if (for_change)
		pb_json_get_bool(bank, "bank.", "shared_account_confirmed", 0, shared_confirmed,
		    &present, p);
}

/* The name member, checked for what must not reach a bank file. */
static void read_name(const cJSON *body, int required, const char **name, struct pb_problem *p)
{
	const char *why;

	if (pb_json_get_string(body, "", "name", required, 1, 200, name, p) == PB_OK &&
	    *name != NULL && (why = pb_payee_name_problem(*name)) != NULL)
		pb_problem_field(p, "name", "invalid", "%s", why);
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
	char person[37], id[37], loc[96], account[9] = "", *json = NULL;
	int kind = -1, present = 0, version = 0;

	if (api_allow(req, resp, PAYEE_WRITERS) || api_body(req, resp, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	if (pb_json_get_enum(body, "", "kind", 1, kinds, &kind, &p) == PB_OK)
		in.kind = kinds[kind];
	read_name(body, 1, &in.name, &p);
	if (pb_json_get_uuid(body, "", "person_id", 0, person, &present, &p) == PB_OK &&
	    present) {
		in.person_id = person;
		if (kind == 1)
			pb_problem_field(&p, "person_id", "not_allowed",
			    "An organisation is not linked to a person.");
	}
	pb_json_get_bool(body, "", "is_local_authority", 1, &in.is_local_authority, &present, &p);
	read_bank(body, 0, account, &in.sort_code, NULL, &p);
	if (in.sort_code != NULL)
		in.account_number = account;
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

void api_payees_patch(struct pb_req *req, struct pb_resp *resp)
{
	static const char *const allowed[] = { "name", "bank", NULL };
	static const char *const owned[] = { "id", "la", "kind", "person_id", "is_local_authority",
	    "pending_bank_change", "created_at", "updated_at", "version", "created_by", NULL };
	struct pb_problem p;
	struct pb_payee_patch in = { 0 };
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	char id[37], account[9] = "", *json = NULL;
	int if_match, version = 0;

	if (api_write_open(req, resp, PAYEE_WRITERS, "id", id, &if_match, 0, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", allowed, owned, &p);
	read_name(body, 0, &in.name, &p);
	read_bank(body, 1, account, &in.sort_code, &in.shared_account_confirmed, &p);
	if (in.sort_code != NULL)
		in.account_number = account;
	if (p.err == PB_OK && in.name == NULL && in.sort_code == NULL)
		pb_problem_field(&p, "", "empty", "Send name, bank or both.");
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_payee_patch(db, &actor,
		    req->cfg->has_bank_key ? req->cfg->bank_key : NULL, id, &in, if_match, &p,
		    &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

/* POST /v1/payees/{id}/bank-changes/{change_id}/confirm or /reject. */
static void decide_bank_change(struct pb_req *req, struct pb_resp *resp, int confirm)
{
	static const char *const allowed_confirm[] = { NULL };
	static const char *const allowed_reject[] = { "reason", NULL };
	struct pb_problem p;
	struct pb_actor actor;
	struct pb_db *db;
	cJSON *body = NULL;
	const char *reason = NULL;
	char id[37], change_id[37], *json = NULL;
	int version = 0;

	if (api_allow(req, resp, PB_ROLE_FINANCE) || api_id(req, resp, "id", id) ||
	    api_id(req, resp, "change_id", change_id) || api_body(req, resp, confirm, &body))
		return;
	pb_problem_init(&p);
	pb_json_check_members(body, "", confirm ? allowed_confirm : allowed_reject, NULL, &p);
	if (!confirm)
		pb_json_get_string(body, "", "reason", 1, 1, REASON_MAX_BYTES, &reason, &p);
	if (p.err) {
		pb_resp_problem(resp, &p);
	} else if (api_db(req, resp, &db) == 0) {
		api_actor(req, &actor);
		enum pb_err err = pb_payee_bank_change_decide(db, &actor, id, change_id, confirm,
		    reason, &p, &json, &version);
		api_reply(resp, err, &p, json, version);
	}
	cJSON_Delete(body);
}

void api_payees_bank_change_confirm(struct pb_req *req, struct pb_resp *resp)
{
	decide_bank_change(req, resp, 1);
}

void api_payees_bank_change_reject(struct pb_req *req, struct pb_resp *resp)
{
	decide_bank_change(req, resp, 0);
}
