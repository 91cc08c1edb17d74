/* SPDX-License-Identifier: MIT */
/*
 * rekey.h — bank-key rotation (`pbd rekey`): re-encrypt every payee's bank
 * details sealed under the previous key (PB_BANK_KEY_OLD) with the current
 * one (PB_BANK_KEY).
 *
 * Rows are taken in key order, `batch` at a time, each batch in its own
 * transaction with the rows locked (FOR UPDATE), so a crash loses at most
 * one uncommitted batch and serving replicas keep working throughout (they
 * open either key).  Idempotent: a second run finds nothing under the old
 * key.  Only bank columns change: no version bump, no audit row (the
 * details themselves do not change), plaintext wiped after each row.
 * Not thread-safe on one struct pb_db.
 */
#ifndef PB_PAYMENTS_REKEY_H
#define PB_PAYMENTS_REKEY_H

#include "internal/core/err.h"
#include "internal/payments/bank.h"

struct pb_db;

struct pb_rekey_report {
	long rekeyed;        /* moved from the old key to the current one */
	long current;        /* already under the current key (after the run) */
	long failed;         /* under the old key but would not open (left as is) */
	long other;          /* under a key that is neither (left as is) */
	long batches;        /* transactions committed */
};

enum pb_err pb_bank_rekey(struct pb_db *db, const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char old_key[PB_BANK_KEY_LEN], int batch,
    struct pb_rekey_report *out);

#endif
