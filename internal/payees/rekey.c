/* SPDX-License-Identifier: MIT */
/* rekey.c — bank-key rotation of payees' sealed bank details (service.h). */
#include "internal/payees/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "internal/db/db.h"
#include "internal/payees/store.h"

/* Re-seal one row under key; 1 rekeyed, 0 would not open, <0 error. */
static int rekey_row(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], const struct pb_payee_sealed_row *r)
{
	struct pb_bank_sealed out;
	char sc[7], acct[9];
	int rc = 0;

	if (!r->parsed || pb_bank_open(old_key, r->la, r->id, &r->sealed, sc, acct) != PB_OK)
		return 0;
	if (pb_bank_seal(key, r->la, r->id, sc, acct, &out) != PB_OK)
		rc = -1;
	else
		rc = pb_payee_store_reseal(db, r->la, r->id, &out, r->sealed.key_id) == PB_OK ? 1 : -1;
	OPENSSL_cleanse(sc, sizeof(sc));
	OPENSSL_cleanse(acct, sizeof(acct));
	OPENSSL_cleanse(&out, sizeof(out));
	return rc;
}

enum pb_err pb_payee_rekey(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], int batch,
    struct pb_payee_rekey_report *out)
{
	char old_kid[PB_BANK_KEY_ID_LEN + 1], new_kid[PB_BANK_KEY_ID_LEN + 1];
	char after_la[16] = "", after_id[37] = "00000000-0000-0000-0000-000000000000";
	size_t cap = batch > 0 ? (size_t)batch : 500;
	struct pb_payee_sealed_row *rows = calloc(cap, sizeof(*rows));
	enum pb_err err = PB_OK;
	long not_new = 0, old_left = 0;

	memset(out, 0, sizeof(*out));
	if (rows == NULL)
		abort();
	pb_bank_key_id(old_key, old_kid);
	pb_bank_key_id(key, new_kid);
	for (;;) {
		size_t n = 0;
		int moved = 0;

		if ((err = pb_db_begin(db)) != PB_OK)
			break;
		err = pb_payee_store_sealed_batch(db, old_kid, after_la, after_id, rows, cap, &n);
		for (size_t i = 0; err == PB_OK && i < n; i++) {
			int r = rekey_row(db, key, old_key, &rows[i]);
			if (r < 0)
				err = PB_EDB;
			else if (r == 0)
				out->failed++;
			else
				moved++;
		}
		if (err == PB_OK && n > 0) {
			snprintf(after_la, sizeof(after_la), "%s", rows[n - 1].la);
			snprintf(after_id, sizeof(after_id), "%s", rows[n - 1].id);
		}
		OPENSSL_cleanse(rows, cap * sizeof(*rows));
		if ((err = pb_db_finish(db, err)) != PB_OK)
			break;
		out->rekeyed += moved;
		if (n == 0)
			break;
		out->batches++;
	}
	free(rows);
	if (err == PB_OK)
		err = pb_payee_store_count_key(db, new_kid, 1, &out->current);
	if (err == PB_OK)
		err = pb_payee_store_count_key(db, new_kid, 0, &not_new);
	if (err == PB_OK)
		err = pb_payee_store_count_key(db, old_kid, 1, &old_left);
	out->other = not_new - old_left;
	return err;
}
