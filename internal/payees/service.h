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

/* PATCH /v1/payees/{id}: fields left NULL are unchanged. */
struct pb_payee_patch {
	const char *name;
	const char *sort_code;            /* both NULL: bank details unchanged */
	const char *account_number;       /* eight digits (pb_bank_normalise_account) */
	int shared_account_confirmed;     /* the requester knows others share it */
};

/*
 * Change a payee (If-Match: if_match >= 0 must equal its version).  A new
 * name applies at once.  New bank details never do: they become the
 * payee's pending bank change (superseding an older pending one), shown
 * masked as "pending_bank_change", until someone in finance other than
 * the requester confirms it (pb_payee_bank_change_decide); payments and
 * the bank export keep the approved details meanwhile.  When another
 * payee of the council already has the same account, the change is
 * refused (PB_ECONFLICT on "bank.account_number", naming them) unless
 * shared_account_confirmed, and then recorded with them in shared_with.
 * Audited (payee.updated, before/after without bank details) with an
 * event.  Errors: PB_ENOTFOUND, PB_EPRECONDITION, PB_EINVAL (no bank key).
 */
enum pb_err pb_payee_patch(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const char *id, const struct pb_payee_patch *in,
    int if_match, struct pb_problem *p, char **json, int *version);

/*
 * Confirm (confirm != 0) or reject (with reason) the pending bank change
 * change_id of payee_id.  Confirming puts its details on the payee; the
 * confirmer must not be its requester (PB_ESOD, SEPARATION_OF_DUTIES).
 * A change no longer pending (confirmed, rejected, superseded) is
 * PB_ETRANSITION; an unknown one PB_ENOTFOUND.  Audited
 * (payee.bank_change_confirmed / payee.bank_change_rejected) with an event.
 */
enum pb_err pb_payee_bank_change_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *payee_id, const char *change_id, int confirm, const char *reason,
    struct pb_problem *p, char **json, int *version);

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
