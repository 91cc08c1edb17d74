/* SPDX-License-Identifier: MIT */
/*
 * payments/bacs18.h — the bank file of a payment run in BACS Standard 18
 * (GET /v1/payment-runs/{id}/export?format=bacs18; docs/payments.md).
 *
 * Every record ends CRLF.  Labels (VOL1, HDR1, HDR2, UHL1, EOF1, EOF2,
 * UTL1) are 80 characters, as the standard's label records are; data
 * records (one credit per payment, transaction code 99, then one contra,
 * code 17, debiting the council's account for the total) are 100:
 *
 *   1-6 destination sort code   7-14 destination account   15 "0"
 *   16-17 transaction code      18-23 originating sort code
 *   24-31 originating account   32-35 spaces   36-46 amount, pence, 11 digits
 *   47-64 originator's name     65-82 reference   83-100 beneficiary name
 *
 * Text fields go through pb_bacs_text: upper case, only A-Z 0-9 . & / -
 * and space (Latin letters with accents lose them, an apostrophe is
 * dropped, anything else becomes a space, runs of spaces collapse), cut
 * to 18 characters.  The processing day is written bYYDDD (UHL1, and the
 * creation date of HDR1).
 *
 * Pure: no I/O, clock or database.  Same input, same bytes.  Thread-safe.
 */
#ifndef PB_PAYMENTS_BACS18_H
#define PB_PAYMENTS_BACS18_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/buf.h"
#include "internal/core/err.h"

#define PB_BACS_FIELD 18             /* names and references */
#define PB_BACS_DATA_LEN 100         /* a data record, without CRLF */
#define PB_BACS_LABEL_LEN 80         /* a label record, without CRLF */
#define PB_BACS_AMOUNT_MAX 99999999999LL  /* 11 digits: an amount, and the total */

/* The council's side of the file (council_settings); strings borrowed. */
struct pb_bacs_origin {
	const char *sun;             /* service user number, 6 digits */
	const char *sort_code;       /* 6 digits */
	const char *account;         /* 8 digits */
	const char *name;            /* originator's name (mapped, cut to 18) */
	const char *run_id;          /* the run, named in the contra record */
	int32_t processing_day;      /* a weekday */
};

/* One credit; strings borrowed. */
struct pb_bacs_credit {
	const char *sort_code;       /* 6 digits */
	const char *account;         /* 8 digits */
	const char *payee_name;      /* any UTF-8 */
	const char *reference;       /* e.g. pb_pay_reference's */
	int64_t amount_pence;        /* 1 .. 99 999 999 999 */
};

/* Map src (UTF-8, NUL-terminated) to BACS characters into out (at most
 * PB_BACS_FIELD characters, NUL-terminated, no leading or trailing
 * space).  Returns the length; 0 when nothing of src survives. */
size_t pb_bacs_text(const char *src, char out[PB_BACS_FIELD + 1]);

/* "bYYDDD" of day into out. */
void pb_bacs_julian(int32_t day, char out[7]);

/* The whole file of n credits into out.  PB_EINVAL for an origin field
 * or a credit's sort code / account not all digits of the right length,
 * an amount out of range, a payee name with no BACS character (*bad gets
 * the credit's index, else n), a total past 11 digits, or a full buffer;
 * the caller then discards out. */
enum pb_err pb_bacs18_file(struct pb_buf *out, const struct pb_bacs_origin *o,
    const struct pb_bacs_credit *c, size_t n, size_t *bad);

#endif
