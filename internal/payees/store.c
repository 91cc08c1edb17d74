/* SPDX-License-Identifier: MIT */
/* store.c — SQL of payees and their sealed bank details (see store.h). */
#include "internal/payees/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/db/db.h"
#include "internal/db/rows.h"

#define HEX_NONCE (2 + 2 * PB_BANK_NONCE_LEN + 1)
#define HEX_CT (2 + 2 * PB_BANK_PLAIN_LEN + 1)
#define HEX_TAG (2 + 2 * PB_BANK_TAG_LEN + 1)

/* A payee's JSON for audit rows and events: no bank detail, masked or
 * not — only whether it has some and which change is pending. */
#define AUDIT_JSON "((pb_json(y)::jsonb - 'bank' - 'pending_bank_change')" \
	" || jsonb_build_object('has_bank', y.bank_sort_code IS NOT NULL," \
	" 'bank_change_id', y.bank_change_id," \
	" 'pending_bank_change_id', (SELECT c.id FROM payee_bank_changes c" \
	" WHERE c.la = y.la AND c.payee_id = y.id AND c.status = 'pending')))::text"

/* The sealed record as bytea text. */
struct sealed_text {
	char nonce[HEX_NONCE], ct[HEX_CT], tag[HEX_TAG];
};

static void seal_text(const struct pb_bank_sealed *s, struct sealed_text *t)
{
	pb_db_bytea_text(s->nonce, PB_BANK_NONCE_LEN, t->nonce);
	pb_db_bytea_text(s->ciphertext, s->ciphertext_len, t->ct);
	pb_db_bytea_text(s->tag, PB_BANK_TAG_LEN, t->tag);
}

/* Parse columns (key_id, nonce, ciphertext, tag) from col onwards; 0 on
 * success. */
static int parse_sealed(const PGresult *res, int row, int col, struct pb_bank_sealed *out)
{
	const char *ct = PQgetvalue(res, row, col + 2);

	memset(out, 0, sizeof(*out));
	pb_db_col_copy(res, row, col, out->key_id, sizeof(out->key_id));
	out->ciphertext_len = PB_BANK_PLAIN_LEN;
	if (strlen(ct) != 2 + 2 * PB_BANK_PLAIN_LEN ||
	    pb_db_bytea_parse(PQgetvalue(res, row, col + 1), out->nonce, PB_BANK_NONCE_LEN) ||
	    pb_db_bytea_parse(ct, out->ciphertext, PB_BANK_PLAIN_LEN) ||
	    pb_db_bytea_parse(PQgetvalue(res, row, col + 3), out->tag, PB_BANK_TAG_LEN))
		return -1;
	return 0;
}

enum pb_err pb_payee_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_payee_row *row, char **json, int *version)
{
	struct sealed_text t;
	const struct pb_bank_sealed *s = row->sealed;

	if (s != NULL)
		seal_text(s, &t);
	const char *pp[] = { actor->la, row->id, row->kind, row->name, row->person_id,
	    row->is_local_authority ? "true" : "false", s ? row->sort_code : NULL,
	    s ? row->last4 : NULL, s ? s->key_id : NULL, s ? t.nonce : NULL, s ? t.ct : NULL,
	    s ? t.tag : NULL, actor->sub };
	enum pb_err err = pb_db_one_json(db,
	    "INSERT INTO payees AS y (la, id, kind, name, person_id, is_local_authority,"
	    " bank_sort_code, bank_account_last4, bank_key_id, bank_nonce, bank_ciphertext,"
	    " bank_tag, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	    " $10::bytea, $11::bytea, $12::bytea, $13)"
	    " RETURNING pb_json(y)::text, y.version", 13, pp, json, version);
	memset(&t, 0, sizeof(t));
	return err;
}

enum pb_err pb_payee_store_audit_json(struct pb_db *db, const char *la,
    const char *id, char **json)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db,
	    "SELECT " AUDIT_JSON " FROM payees y WHERE y.la = $1 AND y.id = $2", 2, pp, json,
	    NULL);
}

enum pb_err pb_payee_store_lock(struct pb_db *db, const char *la, const char *id,
    char **audit_json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db,
	    "SELECT " AUDIT_JSON ", y.version FROM payees y WHERE y.la = $1 AND y.id = $2"
	    " FOR UPDATE", 2, pp, audit_json, version);
}

enum pb_err pb_payee_store_set_name(struct pb_db *db, const char *la, const char *id,
    const char *name)
{
	const char *pp[] = { la, id, name };
	return pb_db_query(db, "UPDATE payees SET name = $3, version = version + 1,"
	    " updated_at = now() WHERE la = $1 AND id = $2", 3, pp, NULL);
}

enum pb_err pb_payee_store_same_masked_bank(struct pb_db *db, const char *la,
    const char *except_id, const char *sort_code, const char *last4,
    struct pb_payee_bank_row *rows, size_t cap, size_t *n)
{
	PGresult *res = NULL;
	char lim[24];

	snprintf(lim, sizeof(lim), "%zu", cap);
	const char *pp[] = { la, except_id, sort_code, last4, lim };
	enum pb_err err = pb_db_query(db, "SELECT id, bank_key_id, bank_nonce, bank_ciphertext,"
	    " bank_tag FROM payees WHERE la = $1 AND id <> $2 AND bank_sort_code = $3"
	    " AND bank_account_last4 = $4 ORDER BY id LIMIT $5::int", 5, pp, &res);
	*n = 0;
	if (err)
		return err;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_payee_bank_row *r = &rows[(*n)++];
		pb_db_col_copy(res, i, 0, r->id, sizeof(r->id));
		r->parsed = parse_sealed(res, i, 1, &r->sealed) == 0;
	}
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_payee_store_change_request(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_bank_change_row *row)
{
	struct sealed_text t;
	const struct pb_bank_sealed *s = row->sealed;

	seal_text(s, &t);
	const char *pp[] = { actor->la, row->id, row->payee_id, row->sort_code, row->last4,
	    s->key_id, t.nonce, t.ct, t.tag, row->shared_with, actor->sub };
	/* the old pending change superseded first: one pending per payee */
	enum pb_err err = pb_db_query(db, "UPDATE payee_bank_changes SET status = 'superseded',"
	    " decided_by = $2, decided_at = now()"
	    " WHERE la = $1 AND payee_id = $3 AND status = 'pending'", 3,
	    (const char *const[]){ actor->la, actor->sub, row->payee_id }, NULL);
	if (err == PB_OK)
		err = pb_db_query(db,
		    "WITH bump AS (UPDATE payees SET version = version + 1, updated_at = now()"
		    "  WHERE la = $1 AND id = $3 RETURNING 1)"
		    " INSERT INTO payee_bank_changes (la, id, payee_id, bank_sort_code,"
		    "  bank_account_last4, bank_key_id, bank_nonce, bank_ciphertext, bank_tag,"
		    "  shared_with, requested_by)"
		    " SELECT $1, $2, $3, $4, $5, $6, $7::bytea, $8::bytea, $9::bytea, $10::uuid[],"
		    " $11 FROM bump", 11, pp, NULL);
	memset(&t, 0, sizeof(t));
	return err;
}

enum pb_err pb_payee_store_change_lock(struct pb_db *db, const char *la,
    const char *payee_id, const char *change_id, char status[16], char requested_by[257])
{
	PGresult *res = NULL;
	const char *pp[] = { la, payee_id, change_id };
	enum pb_err err = pb_db_one_row(db, "SELECT status, requested_by FROM payee_bank_changes"
	    " WHERE la = $1 AND payee_id = $2 AND id = $3 FOR UPDATE", 3, pp, &res);

	if (err)
		return err;
	pb_db_col_copy(res, 0, 0, status, 16);
	pb_db_col_copy(res, 0, 1, requested_by, 257);
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_payee_store_change_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *payee_id, const char *change_id, const char *status, const char *reason)
{
	const char *pp[] = { actor->la, payee_id, change_id, status, actor->sub, reason };
	enum pb_err err = pb_db_query(db, "UPDATE payee_bank_changes SET status = $4,"
	    " decided_by = $5, decided_at = now(), reason = $6"
	    " WHERE la = $1 AND payee_id = $2 AND id = $3 AND status = 'pending'", 6, pp, NULL);
	if (err)
		return err;
	if (strcmp(status, "confirmed") == 0)
		err = pb_db_query(db, "UPDATE payees y SET bank_sort_code = c.bank_sort_code,"
		    " bank_account_last4 = c.bank_account_last4, bank_key_id = c.bank_key_id,"
		    " bank_nonce = c.bank_nonce, bank_ciphertext = c.bank_ciphertext,"
		    " bank_tag = c.bank_tag, bank_change_id = c.id, version = y.version + 1,"
		    " updated_at = now() FROM payee_bank_changes c"
		    " WHERE y.la = $1 AND y.id = $2 AND c.la = y.la AND c.id = $3"
		    " AND c.payee_id = y.id AND c.status = 'confirmed'", 3, pp, NULL);
	else
		err = pb_db_query(db, "UPDATE payees SET version = version + 1, updated_at = now()"
		    " WHERE la = $1 AND id = $2", 2, pp, NULL);
	return err;
}

enum pb_err pb_payee_store_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	const char *pp[] = { la, id };
	return pb_db_one_json(db, "SELECT pb_json(y)::text, y.version FROM payees y"
	    " WHERE y.la = $1 AND y.id = $2", 2, pp, json, version);
}

enum pb_err pb_payee_store_sealed(struct pb_db *db, const char *la, const char *id,
    struct pb_bank_sealed *out, int *has_bank)
{
	PGresult *res = NULL;
	const char *pp[] = { la, id };

	memset(out, 0, sizeof(*out));
	*has_bank = 0;
	enum pb_err err = pb_db_one_row(db,
	    "SELECT bank_key_id, bank_nonce, bank_ciphertext, bank_tag FROM payees"
	    " WHERE la = $1 AND id = $2", 2, pp, &res);
	if (err)
		return err;
	if (!PQgetisnull(res, 0, 0)) {
		if (parse_sealed(res, 0, 0, out) != 0)
			err = PB_EINTERNAL;
		else
			*has_bank = 1;
	}
	PQclear(res);
	return err;
}

enum pb_err pb_payee_store_sealed_batch(struct pb_db *db, const char *key_id,
    const char *after_la, const char *after_id, struct pb_payee_sealed_row *rows,
    size_t cap, size_t *n)
{
	PGresult *res = NULL;
	char lim[24];

	snprintf(lim, sizeof(lim), "%zu", cap);
	const char *pp[] = { key_id, after_la, after_id, lim };
	/* keyset order, so a row that will not open is passed, not retried */
	enum pb_err err = pb_db_query(db, "SELECT la, id, bank_key_id, bank_nonce,"
	    " bank_ciphertext, bank_tag FROM payees WHERE bank_key_id = $1"
	    " AND (la, id) > ($2, $3::uuid) ORDER BY la, id LIMIT $4::int FOR UPDATE",
	    4, pp, &res);
	if (err)
		return err;
	*n = 0;
	for (int i = 0; i < PQntuples(res) && *n < cap; i++) {
		struct pb_payee_sealed_row *r = &rows[(*n)++];
		pb_db_col_copy(res, i, 0, r->la, sizeof(r->la));
		pb_db_col_copy(res, i, 1, r->id, sizeof(r->id));
		r->parsed = parse_sealed(res, i, 2, &r->sealed) == 0;
	}
	PQclear(res);
	return PB_OK;
}

enum pb_err pb_payee_store_reseal(struct pb_db *db, const char *la, const char *id,
    const struct pb_bank_sealed *sealed, const char *old_key_id)
{
	struct sealed_text t;

	seal_text(sealed, &t);
	const char *pp[] = { la, id, sealed->key_id, t.nonce, t.ct, t.tag, old_key_id };
	enum pb_err err = pb_db_query(db, "UPDATE payees SET bank_key_id = $3,"
	    " bank_nonce = $4::bytea, bank_ciphertext = $5::bytea, bank_tag = $6::bytea"
	    " WHERE la = $1 AND id = $2 AND bank_key_id = $7", 7, pp, NULL);
	memset(&t, 0, sizeof(t));
	return err;
}

enum pb_err pb_payee_store_count_key(struct pb_db *db, const char *key_id, int equal,
    long *n)
{
	PGresult *res = NULL;
	const char *pp[] = { key_id };
	enum pb_err err = pb_db_one_row(db, equal
	    ? "SELECT count(*) FROM payees WHERE bank_key_id = $1"
	    : "SELECT count(*) FROM payees WHERE bank_key_id IS NOT NULL AND bank_key_id <> $1",
	    1, pp, &res);
	if (err == PB_OK)
		*n = (long)pb_db_col_int64(res, 0, 0);
	PQclear(res);
	return err;
}
