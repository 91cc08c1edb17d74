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

/* Lock payee (la, id) FOR UPDATE: its version and its audit JSON (as
 * pb_payee_store_audit_json; caller frees).  PB_ENOTFOUND when absent. */
enum pb_err pb_payee_store_lock(struct pb_db *db, const char *la, const char *id,
    char **audit_json, int *version);

/* Rename payee (la, id); bumps its version. */
enum pb_err pb_payee_store_set_name(struct pb_db *db, const char *la, const char *id,
    const char *name);

/* Up to cap other payees of la with bank details showing sort_code and
 * last4, with their sealed records (to compare the full numbers). */
struct pb_payee_bank_row {
	char id[37];
	int parsed;                    /* 0: the stored bytes are malformed */
	struct pb_bank_sealed sealed;
};
enum pb_err pb_payee_store_same_masked_bank(struct pb_db *db, const char *la,
    const char *except_id, const char *sort_code, const char *last4,
    struct pb_payee_bank_row *rows, size_t cap, size_t *n);

/* A requested change of a payee's bank details (sealed for the payee). */
struct pb_bank_change_row {
	const char *id, *payee_id, *sort_code, *last4;
	const struct pb_bank_sealed *sealed;
	const char *shared_with;       /* a uuid[] literal: "{…}" */
};

/* Supersede the payee's pending change (if any), record row as pending
 * and bump the payee's version (its pending change is part of it). */
enum pb_err pb_payee_store_change_request(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_bank_change_row *row);

/* Lock change (la, change_id) of payee_id FOR UPDATE: status and
 * requester.  PB_ENOTFOUND when no such change of that payee. */
enum pb_err pb_payee_store_change_lock(struct pb_db *db, const char *la,
    const char *payee_id, const char *change_id, char status[16], char requested_by[257]);

/* Decide a pending change ("confirmed" | "rejected", reason may be NULL
 * for a confirmation); a confirmation also puts its details on the payee
 * (bank_change_id names it) and bumps the payee's version. */
enum pb_err pb_payee_store_change_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *payee_id, const char *change_id, const char *status, const char *reason);

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
