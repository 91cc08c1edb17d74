/* SPDX-License-Identifier: MIT */
/*
 * rows.h — reading resources that PostgreSQL renders as JSON text.
 *
 * Each resource has a pb_json(row) SQL function (migrations), so a read is
 * one query whose first column is the finished JSON document.  These helpers
 * hand that text to the caller without re-encoding it in C.
 */
#ifndef PB_DB_ROWS_H
#define PB_DB_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "internal/core/buf.h"
#include "internal/core/err.h"

struct pb_db;

#define PB_LIST_MAX_BYTES (8 * 1024 * 1024)

/* Run sql; column 0 of the first row is JSON text, optional column 1 an
 * integer version.  *json is malloc'd (caller frees); *version (if not
 * NULL) gets column 1 or 0.  PB_ENOTFOUND when there is no row. */
enum pb_err pb_db_one_json(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, char **json, int *version);

/* Run a list query that returns at most limit+1 rows of (json, cursor key)
 * and write {"items":[…],"next_cursor":…} into *json (malloc'd): when a
 * (limit+1)th row exists, next_cursor is the key of the limit-th row. */
enum pb_err pb_db_list_json(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, int limit, char **json);

/* Run sql and require exactly one row: PB_ENOTFOUND otherwise (nothing
 * returned).  On PB_OK *res is the result; the caller PQclear()s it. */
enum pb_err pb_db_one_row(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res);

/* Typed reads of one text-format column.  Never fail: a NULL or a value
 * that does not parse gives the stated fallback.  Pure (no I/O). */
int pb_db_col_bool(const PGresult *res, int row, int col);           /* 't' -> 1 */
int64_t pb_db_col_int64(const PGresult *res, int row, int col);      /* else 0 */
int32_t pb_db_col_date(const PGresult *res, int row, int col,
    int32_t absent);                                                   /* day number */
/* Copy the value (NULL -> "") into dst[0..n), truncating, NUL-terminated. */
void pb_db_col_copy(const PGresult *res, int row, int col, char *dst, size_t n);

/* Parameters in text form: a date as YYYY-MM-DD in buf, or NULL (SQL
 * NULL) for PB_DATE_NONE; an integer as decimal digits in buf.  Both
 * return buf's text for the params array.  Pure. */
const char *pb_db_date_param(int32_t day, char buf[11]);
const char *pb_db_int_param(int64_t v, char buf[24]);

/* bytea in PostgreSQL's text hex form: "\x" then two lower-case digits a
 * byte, NUL-terminated; out holds 2 * n + 3 bytes. */
void pb_db_bytea_text(const unsigned char *b, size_t n, char *out);

/* Parse "\x…" holding exactly n bytes into b; 0 on success, -1 else. */
int pb_db_bytea_parse(const char *s, unsigned char *b, size_t n);

#endif
