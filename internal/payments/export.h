/* SPDX-License-Identifier: MIT */
/*
 * payments/export.h — the finance CSV of a payment run (GET
 * /v1/payment-runs/{id}/export): RFC 4180, CRLF line ends, a header row,
 * then one row per payment:
 *
 *   run_id,payment_id,payee_name,sort_code,account_number,amount,reference,due_date,
 *   cost_centre,subjective_code
 *
 * amount is pounds with two decimals (pb_money_format); text cells go
 * through pb_csv_field (internal/core/csv.h: quoting, and a leading '
 * before = + - @ so a spreadsheet never runs a payee's name as a formula).  reference is
 * stable: "PB-" and the first 8 hex digits of the payment id, upper case
 * (BACS references are at most 18 characters).  cost_centre and
 * subjective_code are the payment's ledger codes ("" when it has none).
 *
 * Pure apart from the caller's buffer: no I/O, clock or database; the
 * caller decrypts bank details and frees them.  Same input, same bytes.
 * Thread-safe (no shared state).
 */
#ifndef PB_PAYMENTS_EXPORT_H
#define PB_PAYMENTS_EXPORT_H

#include <stdint.h>

#include "internal/core/buf.h"
#include "internal/core/err.h"

#define PB_PAY_REFERENCE_LEN 11      /* "PB-" + 8 hex digits */

/* One CSV row; strings are borrowed and NUL-terminated.  sort_code and
 * account_number are "" when the payee has no bank details. */
struct pb_pay_csv_row {
	const char *run_id;
	const char *payment_id;
	const char *payee_name;
	const char *sort_code;
	const char *account_number;
	int64_t amount_pence;
	int32_t due_date;
	const char *cost_centre;        /* "" when none */
	const char *subjective_code;    /* "" when none */
};

/* The stable payment reference for payment_id (a canonical UUID). */
void pb_pay_reference(const char *payment_id, char out[PB_PAY_REFERENCE_LEN + 1]);

/* Append the header row.  PB_EINVAL when out is full (its max). */
enum pb_err pb_pay_csv_header(struct pb_buf *out);

/* Append one row.  PB_EINVAL for a cell holding a NUL byte, an over-long
 * name (> 1000 bytes) or a full buffer; out may then hold a partial row,
 * so the caller discards the buffer on error. */
enum pb_err pb_pay_csv_row(struct pb_buf *out, const struct pb_pay_csv_row *r);

#endif
