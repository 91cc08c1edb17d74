/* SPDX-License-Identifier: MIT */
/*
 * payees/store.h — the SQL of payees (private to internal/payees).  Every
 * statement names the tenant but the rekey walk, which crosses councils
 * by design (one key per deployment).  Never begins or ends a transaction.
 */
#ifndef PB_PAYEES_STORE_H
#define PB_PAYEES_STORE_H

#include <stddef.h>

#include "internal/payees/service.h"

/* A payee row to insert; the sealed fields are NULL without bank details. */
struct pb_payee_row {
	const char *id, *kind, *name, *person_id;
	int is_local_authority;
	const char *sort_code, *last4;
	const struct pb_bank_sealed *sealed;
};

/* Insert and return the payee as the API shows it (masked). */
enum pb_err pb_payee_store_insert(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_payee_row *row, char **json, int *version);

/* The payee without any bank detail, with "has_bank": for audit rows. */
enum pb_err pb_payee_store_audit_json(struct pb_db *db, const char *la,
    const char *id, char **json);

enum pb_err pb_payee_store_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);

enum pb_err pb_payee_store_sealed(struct pb_db *db, const char *la, const char *id,
    struct pb_bank_sealed *out, int *has_bank);

/* One payee sealed under some key, for rotation. */
struct pb_payee_sealed_row {
	char la[16], id[37];
	int parsed;                    /* 0: the stored bytes are malformed */
	struct pb_bank_sealed sealed;
};

/* Lock (FOR UPDATE) up to cap rows sealed under key_id after (after_la,
 * after_id) in (la, id) order into rows; *n how many. */
enum pb_err pb_payee_store_sealed_batch(struct pb_db *db, const char *key_id,
    const char *after_la, const char *after_id, struct pb_payee_sealed_row *rows,
    size_t cap, size_t *n);

/* Replace the sealed bank details of (la, id) if still under old_key_id. */
enum pb_err pb_payee_store_reseal(struct pb_db *db, const char *la, const char *id,
    const struct pb_bank_sealed *sealed, const char *old_key_id);

/* How many payees are sealed under key_id (equal != 0) or under any other
 * key (equal == 0). */
enum pb_err pb_payee_store_count_key(struct pb_db *db, const char *key_id, int equal,
    long *n);

#endif
