/* SPDX-License-Identifier: MIT */
/* service.c — payee records and their sealed bank details (service.h). */
#include "internal/payees/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal/audit/service.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/payees/store.h"
#include "internal/records/service.h"

enum pb_err pb_payee_create(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const struct pb_payee_in *in,
    struct pb_problem *p, char id[37], char **json, int *version)
{
	struct pb_bank_sealed sealed;
	char last4[5] = "", *audit = NULL;
	int has_bank = in->sort_code != NULL;

	*json = NULL;
	memset(&sealed, 0, sizeof(sealed));
	if (has_bank && bank_key == NULL)
		return pb_problem_field(p, "bank", "not_configured",
		    "bank details cannot be stored: PB_BANK_KEY is not configured");
	pb_uuid_new(id);
	if (has_bank) {
		enum pb_err e = pb_bank_seal(bank_key, actor->la, id, in->sort_code,
		    in->account_number, &sealed);
		if (e == PB_EINVAL)
			return pb_problem_field(p, "bank", "invalid",
			    "sort_code must be 6 digits and account_number 8 digits.");
		if (e)
			return e;
		memcpy(last4, in->account_number + 4, 5);
	}
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	if (in->person_id != NULL) {
		err = pb_rec_person_exists(db, actor->la, in->person_id);
		if (err == PB_ENOTFOUND)
			err = pb_problem_field(p, "person_id", "not_found",
			    "No such person in this council.");
	}
	struct pb_payee_row row = { id, in->kind, in->name, in->person_id,
	    in->is_local_authority, in->sort_code, last4, has_bank ? &sealed : NULL };
	if (err == PB_OK)
		err = pb_payee_store_insert(db, actor, &row, json, version);
	/* the audit row and event never carry bank details, masked or not */
	if (err == PB_OK)
		err = pb_payee_store_audit_json(db, actor->la, id, &audit);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "payee.created", "payee", id, audit,
		    "payee.created", audit);
	free(audit);
	OPENSSL_cleanse(&sealed, sizeof(sealed));
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_payee_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	return pb_payee_store_get(db, la, id, json, version);
}

enum pb_err pb_payee_sealed_bank(struct pb_db *db, const char *la,
    const char *id, struct pb_bank_sealed *out, int *has_bank)
{
	return pb_payee_store_sealed(db, la, id, out, has_bank);
}
