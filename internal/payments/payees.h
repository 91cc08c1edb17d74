/* SPDX-License-Identifier: MIT */
/*
 * payees.h — payee records (POST/GET /v1/payees): who receives money from a
 * budget element, with bank details sealed by internal/payments/bank.h.
 *
 * Each write is one transaction with its audit row and event; audit and
 * event JSON never hold bank details (only "has_bank").  Every statement
 * filters on the tenant.  *json outputs are malloc'd (caller frees) and
 * show bank details masked ({sort_code, account_number_last4}).
 * Thread-safety: one struct pb_db per thread.
 */
#ifndef PB_PAYMENTS_PAYEES_H
#define PB_PAYMENTS_PAYEES_H

#include "internal/audit/audit.h"
#include "internal/core/problem.h"
#include "internal/payments/bank.h"

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
 * pb_bank_open(key, la, id, out, …). */
enum pb_err pb_payee_sealed_bank(struct pb_db *db, const char *la,
    const char *id, struct pb_bank_sealed *out, int *has_bank);

#endif
