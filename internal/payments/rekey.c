/* SPDX-License-Identifier: MIT */
/* rekey.c — bank-key rotation of payees' sealed bank details (rekey.h). */
#include "internal/payments/rekey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal/db/db.h"
#include "internal/db/rows.h"

/* Re-seal one row under key; 1 rekeyed, 0 would not open, <0 error. */
static int rekey_row(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], PGresult *res, int i)
{
	struct pb_bank_sealed in, out;
	char sc[7], acct[9];
	char nonce[2 + 2 * PB_BANK_NONCE_LEN + 1], ct[2 + 2 * PB_BANK_PLAIN_LEN + 1];
	char tag[2 + 2 * PB_BANK_TAG_LEN + 1];
	const char *la = PQgetvalue(res, i, 0), *id = PQgetvalue(res, i, 1);
	int rc = 0;

	memset(&in, 0, sizeof(in));
	snprintf(in.key_id, sizeof(in.key_id), "%s", PQgetvalue(res, i, 2));
	in.ciphertext_len = PB_BANK_PLAIN_LEN;
	if (pb_db_bytea_parse(PQgetvalue(res, i, 3), in.nonce, PB_BANK_NONCE_LEN) != 0 ||
	    pb_db_bytea_parse(PQgetvalue(res, i, 4), in.ciphertext, PB_BANK_PLAIN_LEN) != 0 ||
	    pb_db_bytea_parse(PQgetvalue(res, i, 5), in.tag, PB_BANK_TAG_LEN) != 0 ||
	    pb_bank_open(old_key, la, id, &in, sc, acct) != PB_OK)
		return 0;
	if (pb_bank_seal(key, la, id, sc, acct, &out) != PB_OK) {
		rc = -1;
		goto out;
	}
	pb_db_bytea_text(out.nonce, PB_BANK_NONCE_LEN, nonce);
	pb_db_bytea_text(out.ciphertext, out.ciphertext_len, ct);
	pb_db_bytea_text(out.tag, PB_BANK_TAG_LEN, tag);
	const char *pp[] = { la, id, out.key_id, nonce, ct, tag, in.key_id };
	PGresult *u = NULL;
	if (pb_db_query(db, "UPDATE payees SET bank_key_id = $3, bank_nonce = $4::bytea,"
	    " bank_ciphertext = $5::bytea, bank_tag = $6::bytea"
	    " WHERE la = $1 AND id = $2 AND bank_key_id = $7", 7, pp, &u) != PB_OK)
		rc = -1;
	else
		rc = 1;
	PQclear(u);
out:
	OPENSSL_cleanse(sc, sizeof(sc));
	OPENSSL_cleanse(acct, sizeof(acct));
	OPENSSL_cleanse(&in, sizeof(in));
	OPENSSL_cleanse(&out, sizeof(out));
	return rc;
}

static enum pb_err count_key(struct pb_db *db, const char *kid, int equal, long *n)
{
	PGresult *res = NULL;
	const char *pp[] = { kid };
	enum pb_err err = pb_db_query(db, equal
	    ? "SELECT count(*) FROM payees WHERE bank_key_id = $1"
	    : "SELECT count(*) FROM payees WHERE bank_key_id IS NOT NULL AND bank_key_id <> $1",
	    1, pp, &res);
	if (err == PB_OK)
		*n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return err;
}

enum pb_err pb_bank_rekey(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], int batch,
    struct pb_rekey_report *out)
{
	char old_kid[PB_BANK_KEY_ID_LEN + 1], new_kid[PB_BANK_KEY_ID_LEN + 1];
	char after_la[32] = "", after_id[40] = "00000000-0000-0000-0000-000000000000";
	char lim[16];
	enum pb_err err = PB_OK;
	long not_new = 0, old_left = 0;

	memset(out, 0, sizeof(*out));
	pb_bank_key_id(old_key, old_kid);
	pb_bank_key_id(key, new_kid);
	snprintf(lim, sizeof(lim), "%d", batch > 0 ? batch : 500);
	for (;;) {
		PGresult *res = NULL;
		const char *pp[] = { old_kid, after_la, after_id, lim };
		int n, moved = 0;

		if ((err = pb_db_begin(db)) != PB_OK)
			return err;
		/* keyset order, so a row that will not open is passed, not retried */
		err = pb_db_query(db, "SELECT la, id, bank_key_id, bank_nonce, bank_ciphertext,"
		    " bank_tag FROM payees WHERE bank_key_id = $1 AND (la, id) > ($2, $3::uuid)"
		    " ORDER BY la, id LIMIT $4::int FOR UPDATE", 4, pp, &res);
		n = err == PB_OK ? PQntuples(res) : 0;
		for (int i = 0; err == PB_OK && i < n; i++) {
			int r = rekey_row(db, key, old_key, res, i);
			if (r < 0)
				err = PB_EDB;
			else if (r == 0)
				out->failed++;
			else
				moved++;
		}
		if (err == PB_OK && n > 0) {
			snprintf(after_la, sizeof(after_la), "%s", PQgetvalue(res, n - 1, 0));
			snprintf(after_id, sizeof(after_id), "%s", PQgetvalue(res, n - 1, 1));
		}
		PQclear(res);
		if (err != PB_OK) {
			pb_db_rollback(db);
			return err;
		}
		if ((err = pb_db_commit(db)) != PB_OK)
			return err;
		out->rekeyed += moved;
		if (n == 0)
			break;
		out->batches++;
	}
	if ((err = count_key(db, new_kid, 1, &out->current)) != PB_OK ||
	    (err = count_key(db, new_kid, 0, &not_new)) != PB_OK ||
	    (err = count_key(db, old_kid, 1, &old_left)) != PB_OK)
		return err;
	out->other = not_new - old_left;
	return PB_OK;
}
