/* SPDX-License-Identifier: MIT */
/*
 * changes.c — changing a payee: its name at once, its bank details only
 * with a second person's confirmation (service.h).  Each call is one
 * transaction: begin → lock the payee (If-Match) → checks → store →
 * audit + event → commit.
 */
#include "internal/payees/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal/audit/service.h"
#include "internal/core/duty.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/payees/store.h"

#define SHARED_MAX 8   /* other payees named when an account is shared */
#define SHARED_LEN (SHARED_MAX * 37 + 3)   /* "{id,id,…}" and its NUL */

/* The audit row and event of a payee change: {"before", "after"} without
 * bank details, payload after. */
static enum pb_err audit_change(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *id, const char *before)
{
	char *after = NULL;
	enum pb_err err = pb_payee_store_audit_json(db, actor->la, id, &after);

	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, after);
		err = pb_audit_record(db, actor, action, "payee", id, changes, action, after);
		free(changes);
	}
	free(after);
	return err;
}

/* The other payees of the council paid into (sort_code, account) — their
 * masked details match and their sealed ones open to the same number —
 * as a uuid[] literal into shared ("{}" when none); *n how many. */
static enum pb_err shared_account(struct pb_db *db, const unsigned char *bank_key,
    const char *la, const char *id, const char *sort_code, const char *account,
    char shared[SHARED_LEN], size_t *n)
{
	struct pb_payee_bank_row rows[SHARED_MAX];
	size_t nrows = 0, len = 1;
	enum pb_err err = pb_payee_store_same_masked_bank(db, la, id, sort_code, account + 4,
	    rows, SHARED_MAX, &nrows);

	*n = 0;
	shared[0] = '{';
	for (size_t i = 0; err == PB_OK && i < nrows; i++) {
		char sc[7], acct[9];
		/* a record that will not open under this key (sealed under a key
		 * being rotated out) is not compared */
		if (!rows[i].parsed ||
		    pb_bank_open(bank_key, la, rows[i].id, &rows[i].sealed, sc, acct) != PB_OK)
			continue;
		if (strcmp(acct, account) == 0)
			len += (size_t)snprintf(shared + len, SHARED_LEN - 1 - len, "%s%s",
			    (*n)++ ? "," : "", rows[i].id);
		OPENSSL_cleanse(acct, sizeof(acct));
	}
	snprintf(shared + len, SHARED_LEN - len, "}");
	OPENSSL_cleanse(rows, sizeof(rows));
	return err;
}

/* Record new bank details as the payee's pending change. */
static enum pb_err request_bank_change(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const char *id, const struct pb_payee_patch *in,
    struct pb_problem *p)
{
	struct pb_bank_sealed sealed;
	char shared[SHARED_LEN], change_id[37];
	size_t nshared = 0;
	enum pb_err err = shared_account(db, bank_key, actor->la, id, in->sort_code,
	    in->account_number, shared, &nshared);

	if (err)
		return err;
	if (nshared > 0 && !in->shared_account_confirmed) {
		pb_problem_field(p, "bank.account_number", "shared_account",
		    "Payee(s) %s of this council are already paid into this account; send"
		    " bank.shared_account_confirmed: true if that is intended.", shared);
		return pb_problem_set(p, PB_ECONFLICT, NULL,
		    "Another payee is paid into this account.");
	}
	pb_uuid_new(change_id);
	err = pb_bank_seal(bank_key, actor->la, id, in->sort_code, in->account_number, &sealed);
	if (err == PB_EINVAL)
		return pb_problem_field(p, "bank", "invalid",
		    "sort_code must be 6 digits and account_number 8 digits.");
	if (err == PB_OK) {
		struct pb_bank_change_row row = { change_id, id, in->sort_code,
		    in->account_number + 4, &sealed, shared };
		err = pb_payee_store_change_request(db, actor, &row);
	}
	OPENSSL_cleanse(&sealed, sizeof(sealed));
	return err;
}

enum pb_err pb_payee_patch(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const char *id, const struct pb_payee_patch *in,
    int if_match, struct pb_problem *p, char **json, int *version)
{
	char *before = NULL;

	*json = NULL;
	if (in->sort_code != NULL && bank_key == NULL)
		return pb_problem_field(p, "bank", "not_configured",
		    "bank details cannot be stored: PB_BANK_KEY is not configured");
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_payee_store_lock(db, actor->la, id, &before, version);
	if (err == PB_OK && if_match >= 0 && if_match != *version)
		err = PB_EPRECONDITION;
	if (err == PB_OK && in->name != NULL)
		err = pb_payee_store_set_name(db, actor->la, id, in->name);
	if (err == PB_OK && in->sort_code != NULL)
		err = request_bank_change(db, actor, bank_key, id, in, p);
	if (err == PB_OK)
		err = audit_change(db, actor, "payee.updated", id, before);
	if (err == PB_OK)
		err = pb_payee_store_get(db, actor->la, id, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_payee_bank_change_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *payee_id, const char *change_id, int confirm, const char *reason,
    struct pb_problem *p, char **json, int *version)
{
	char *before = NULL, status[16], requested_by[257];
	int locked_version = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	/* the payee first, as every change of it does: no lock-order cycle */
	err = pb_payee_store_lock(db, actor->la, payee_id, &before, &locked_version);
	if (err == PB_OK)
		err = pb_payee_store_change_lock(db, actor->la, payee_id, change_id, status,
		    requested_by);
	if (err == PB_OK && strcmp(status, "pending") != 0)
		err = pb_problem_set(p, PB_ETRANSITION, NULL,
		    "This bank change is already %s.", status);
	if (err == PB_OK && confirm)
		err = pb_duty_separate(requested_by, actor->sub,
		    "a change of bank details must be confirmed", "the person who requested it", p);
	if (err == PB_OK)
		err = pb_payee_store_change_decide(db, actor, payee_id, change_id,
		    confirm ? "confirmed" : "rejected", confirm ? NULL : reason);
	if (err == PB_OK)
		err = audit_change(db, actor, confirm ? "payee.bank_change_confirmed"
		    : "payee.bank_change_rejected", payee_id, before);
	if (err == PB_OK)
		err = pb_payee_store_get(db, actor->la, payee_id, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}
