/* SPDX-License-Identifier: MIT */
/* payees.c — payee records and their sealed bank details (payees.h). */
#include "internal/payments/payees.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/db/rows.h"

enum pb_err pb_payee_create(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const struct pb_payee_in *in,
    struct pb_problem *p, char id[37], char **json, int *version)
{
	struct pb_bank_sealed sealed;
	char nonce[2 + 2 * PB_BANK_NONCE_LEN + 1], ct[2 + 2 * PB_BANK_PLAIN_LEN + 1];
	char tag[2 + 2 * PB_BANK_TAG_LEN + 1], last4[5];
	PGresult *res = NULL;
	int has_bank = in->sort_code != NULL;
	char *audit = NULL;

	*json = NULL;
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
		pb_db_bytea_text(sealed.nonce, PB_BANK_NONCE_LEN, nonce);
		pb_db_bytea_text(sealed.ciphertext, sealed.ciphertext_len, ct);
		pb_db_bytea_text(sealed.tag, PB_BANK_TAG_LEN, tag);
		memcpy(last4, in->account_number + 4, 5);
	}
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	if (in->person_id != NULL) {
		const char *pq[] = { actor->la, in->person_id };
		err = pb_db_query(db, "SELECT 1 FROM people WHERE la = $1 AND id = $2", 2, pq, &res);
		if (err == PB_OK && PQntuples(res) != 1)
			err = pb_problem_field(p, "person_id", "not_found",
			    "No such person in this council.");
		PQclear(res);
	}
	const char *pp[] = { actor->la, id, in->kind, in->name, in->person_id,
	    in->is_local_authority ? "true" : "false",
	    has_bank ? in->sort_code : NULL, has_bank ? last4 : NULL,
	    has_bank ? sealed.key_id : NULL, has_bank ? nonce : NULL,
	    has_bank ? ct : NULL, has_bank ? tag : NULL, actor->sub };
	if (err == PB_OK)
		err = pb_db_one_json(db,
		    "INSERT INTO payees AS y (la, id, kind, name, person_id, is_local_authority,"
		    " bank_sort_code, bank_account_last4, bank_key_id, bank_nonce, bank_ciphertext,"
		    " bank_tag, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
		    " $10::bytea, $11::bytea, $12::bytea, $13)"
		    " RETURNING pb_json(y)::text, y.version", 13, pp, json, version);
	/* the audit row and event never carry bank details, masked or not */
	const char *pa[] = { actor->la, id };
	if (err == PB_OK)
		err = pb_db_one_json(db,
		    "SELECT ((pb_json(y)::jsonb - 'bank') || jsonb_build_object('has_bank',"
		    " y.bank_sort_code IS NOT NULL))::text FROM payees y"
		    " WHERE y.la = $1 AND y.id = $2", 2, pa, &audit, NULL);
	if (err == PB_OK)
		err = pb_audit_record(db, actor, "payee.created", "payee", id, audit,
		    "payee.created", audit);
	free(audit);
	OPENSSL_cleanse(&sealed, sizeof(sealed));
	if (err == PB_OK) {
		err = pb_db_commit(db);
	} else {
		pb_db_rollback(db);
	}
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

enum pb_err pb_payee_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(y)::text, y.version FROM payees y"
	    " WHERE y.la = $1 AND y.id = $2", 2, pp, json, version);
}

enum pb_err pb_payee_sealed_bank(struct pb_db *db, const char *la,
    const char *id, struct pb_bank_sealed *out, int *has_bank)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };

	memset(out, 0, sizeof(*out));
	*has_bank = 0;
	enum pb_err err = pb_db_query(db,
	    "SELECT bank_key_id, bank_nonce, bank_ciphertext, bank_tag FROM payees"
	    " WHERE la = $1 AND id = $2", 2, pp, &res);
	if (err)
		return err;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return PB_ENOTFOUND;
	}
	if (!PQgetisnull(res, 0, 0)) {
		const char *ct = PQgetvalue(res, 0, 2);
		size_t n = strlen(ct) >= 2 ? (strlen(ct) - 2) / 2 : 0;
		snprintf(out->key_id, sizeof(out->key_id), "%s", PQgetvalue(res, 0, 0));
		if (n != PB_BANK_PLAIN_LEN ||
		    pb_db_bytea_parse(PQgetvalue(res, 0, 1), out->nonce, PB_BANK_NONCE_LEN) ||
		    pb_db_bytea_parse(ct, out->ciphertext, n) ||
		    pb_db_bytea_parse(PQgetvalue(res, 0, 3), out->tag, PB_BANK_TAG_LEN)) {
			err = PB_EINTERNAL;
		} else {
			out->ciphertext_len = n;
			*has_bank = 1;
		}
	}
	PQclear(res);
	return err;
}
