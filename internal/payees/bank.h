/* SPDX-License-Identifier: MIT */
/*
 * bank.h — UK bank details of a payee: validation, masking and encryption
 * at rest (AES-256-GCM via OpenSSL EVP) under PB_BANK_KEY.
 *
 * A sealed record is (key_id, 12-byte random nonce, ciphertext, 16-byte
 * tag).  The plaintext is "SSSSSS:AAAAAAAA" (sort code, account number);
 * the associated data is "<la>/<payee id>", so a ciphertext copied onto
 * another payee row (or council) fails to open.  key_id names the key
 * (a hash of it, never the key) so a later key rotation can tell which key
 * sealed a row.  Only the masked form (sort code, last four digits of the
 * account) is stored in plain columns and shown by the API; plaintext is
 * opened only for the finance export (payment runs).
 *
 * Never log or audit the plaintext.  Thread-safe: no shared state (each
 * call creates its own EVP context).
 */
#ifndef PB_PAYMENTS_BANK_H
#define PB_PAYMENTS_BANK_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"

#define PB_BANK_KEY_LEN 32
#define PB_BANK_NONCE_LEN 12
#define PB_BANK_TAG_LEN 16
#define PB_BANK_PLAIN_LEN 15          /* "SSSSSS:AAAAAAAA" */
#define PB_BANK_KEY_ID_LEN 16         /* hex characters */

struct pb_bank_sealed {
	char key_id[PB_BANK_KEY_ID_LEN + 1];
	unsigned char nonce[PB_BANK_NONCE_LEN];
	unsigned char ciphertext[PB_BANK_PLAIN_LEN];
	size_t ciphertext_len;
	unsigned char tag[PB_BANK_TAG_LEN];
};

/* 1 when s is exactly six ASCII digits (no separators), else 0. */
int pb_bank_valid_sort_code(const char *s);

/* 1 when s is exactly eight ASCII digits, else 0. */
int pb_bank_valid_account_number(const char *s);

/* The eight-digit form of a UK account number given with 6, 7 or 8
 * digits: shorter numbers take leading zeros, the rule UK banks and
 * Bacs use.  0 with out written; -1 for anything else (9- and 10-digit
 * numbers need the bank's own conversion, so they are refused). */
int pb_bank_normalise_account(const char *s, char out[9]);

/* Write the key's id into out (16 lower-case hex digits and a NUL): the
 * first 8 bytes of SHA-256("pb-bank-key-id:" || key).  Pure. */
void pb_bank_key_id(const unsigned char key[PB_BANK_KEY_LEN],
    char out[PB_BANK_KEY_ID_LEN + 1]);

/* Seal sort_code/account_number (validated above; PB_EINVAL otherwise)
 * for payee (la, payee_id) with a fresh random nonce.  PB_EINTERNAL when
 * OpenSSL fails (no output is then meaningful). */
enum pb_err pb_bank_seal(const unsigned char key[PB_BANK_KEY_LEN],
    const char *la, const char *payee_id, const char *sort_code,
    const char *account_number, struct pb_bank_sealed *out);

/* Open a sealed record of payee (la, payee_id).  On PB_OK writes the sort
 * code (6 digits + NUL) and account number (8 digits + NUL).  PB_EINVAL
 * when the key id differs from this key's, the tag does not verify (wrong
 * key, tampered data, or another payee's ciphertext) or the plaintext is
 * malformed; the outputs are then zeroed.  The caller should wipe the
 * outputs after use. */
enum pb_err pb_bank_open(const unsigned char key[PB_BANK_KEY_LEN],
    const char *la, const char *payee_id, const struct pb_bank_sealed *in,
    char sort_code[7], char account_number[9]);

/* Key rotation: open with whichever of key and old_key (NULL: none;
 * PB_BANK_KEY_OLD, decrypt-only) sealed the record, by its key id.  As
 * pb_bank_open otherwise; PB_EINVAL when neither key's id matches. */
enum pb_err pb_bank_open_either(const unsigned char key[PB_BANK_KEY_LEN],
    const unsigned char *old_key, const char *la, const char *payee_id,
    const struct pb_bank_sealed *in, char sort_code[7], char account_number[9]);

#endif
