/* SPDX-License-Identifier: MIT */
/*
 * csv.h — RFC 4180 cells and fields for the files the service writes (the
 * finance CSV of a payment run, the SEN2 return): quoting, and a defence
 * against spreadsheet formula injection.  Lines end with CRLF.
 *
 * Pure apart from the caller's buffer: no I/O, clock or database.
 * Thread-safe (no shared state).
 */
#ifndef PB_CORE_CSV_H
#define PB_CORE_CSV_H

#include <stddef.h>

#include "internal/core/buf.h"
#include "internal/core/err.h"

/* Longest text accepted by pb_csv_field (bytes, before escaping). */
#define PB_CSV_FIELD_MAX 1000

/*
 * pb_csv_cell — one RFC 4180 cell.
 * in[0..len) is copied to out with:
 *   - formula-injection defence: a cell starting with = + - @ (or TAB or
 *     CR, as OWASP advises) gets a leading ' so spreadsheets read text;
 *   - quoting: the cell is wrapped in double quotes when it contains a
 *     comma, a double quote, CR or LF, and inner quotes are doubled.
 * The ' goes inside the quotes ("'=1,2").  Use this for text cells
 * (names, references), not for amounts from pb_money_format (a negative
 * amount would gain a ').
 * out gets a NUL terminator; *outlen (may be NULL) gets the length
 * without it.  PB_EINVAL when out cannot hold the result plus NUL
 * (out is then "" if cap > 0) or when in holds a NUL byte.
 */
enum pb_err pb_csv_cell(const char *in, size_t len, char *out,
    size_t cap, size_t *outlen);

/*
 * pb_csv_field — append the NUL-terminated text s to out as one cell
 * (pb_csv_cell) followed by its separator: "," or, when last, CRLF.
 * PB_EINVAL for text over PB_CSV_FIELD_MAX bytes or a full buffer; out
 * may then hold part of a row, so the caller discards it on error.
 */
enum pb_err pb_csv_field(struct pb_buf *out, const char *s, int last);

#endif
