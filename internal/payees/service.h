/* SPDX-License-Identifier: MIT */
/*
 * payees/service.h — payee records (POST/GET /v1/payees): who receives
 * money from a budget element, with bank details sealed by bank.h; and
 * bank-key rotation (`pbd rekey`).
 *
 * Each write is one transaction with its audit row and event; audit and
 * event JSON never hold bank details (only "has_bank").  Every statement
 * filters on the tenant.  *json outputs are malloc'd (caller frees) and
 * show bank details masked ({sort_code, account_number_last4}).
 * Thread-safety: one struct pb_db per task.
 */
#ifndef PB_PAYEES_SERVICE_H
#define PB_PAYEES_SERVICE_H

#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/payees/bank.h"

struct pb_db;

struct pb_payee_in {
	const char *kind;                 /* "individual" | "organisation" */
	const char *name;
	const char *person_id;            /* NULL: none */
	int is_local_authority;
	const char *sort_code;            /* both NULL: no bank details */
	const char *account_number;
};

/* Create a payee.  bank_key is NULL when PB_BANK_KEY is not configured:
 * then bank details are refused (PB_EINVAL on field "bank").  An unknown
 * person_id is PB_EINVAL on "person_id".  id is written. */
enum pb_err pb_payee_create(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const struct pb_payee_in *in,
    struct pb_problem *p, char id[37], char **json, int *version);

enum pb_err pb_payee_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);

/* For the finance export: the sealed bank details of payee (la, id).
 * *has_bank = 0 (PB_OK) when the payee has none.  Open them with
 * pb_bank_open_either. */
enum pb_err pb_payee_sealed_bank(struct pb_db *db, const char *la,
    const char *id, struct pb_bank_sealed *out, int *has_bank);

/*
 * Bank-key rotation: re-encrypt every payee's bank details sealed under
 * old_key (PB_BANK_KEY_OLD) with key (PB_BANK_KEY).  Rows are taken in
 * key order, `batch` at a time, each batch in its own transaction with the
 * rows locked, so a crash loses at most one uncommitted batch and serving
 * replicas keep working throughout (they open either key).  Idempotent.
 * Only bank columns change: no version bump, no audit row (the details
 * themselves do not change); plaintext is wiped after each row.
 */
struct pb_payee_rekey_report {
	long rekeyed;        /* moved from the old key to the current one */
	long current;        /* already under the current key (after the run) */
	long failed;         /* under the old key but would not open (left as is) */
	long other;          /* under a key that is neither (left as is) */
	long batches;        /* transactions committed */
};
enum pb_err pb_payee_rekey(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], int batch,
    struct pb_payee_rekey_report *out);

#endif
