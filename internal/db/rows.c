/* SPDX-License-Identifier: MIT */
/* rows.c — JSON-text results (see rows.h). */
#include "internal/db/rows.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/hex.h"
#include "internal/db/db.h"
#include "internal/json/output.h"

enum pb_err pb_db_one_json(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, char **json, int *version)
{
	PGresult *res = NULL;

	*json = NULL;
	enum pb_err err = pb_db_query(db, sql, nparams, params, &res);
	if (err)
		return err;
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return PB_ENOTFOUND;
	}
	*json = strdup(PQgetvalue(res, 0, 0));
	if (version != NULL)
		*version = PQnfields(res) > 1 ? (int)strtol(PQgetvalue(res, 0, 1), NULL, 10) : 0;
	PQclear(res);
	if (*json == NULL)
		abort();
	return PB_OK;
}

enum pb_err pb_db_list_json(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, int limit, char **json)
{
	PGresult *res = NULL;
	struct pb_buf b;

	*json = NULL;
	enum pb_err err = pb_db_query(db, sql, nparams, params, &res);
	if (err)
		return err;
	int n = PQntuples(res);
	int shown = n > limit ? limit : n;
	pb_buf_init(&b, PB_LIST_MAX_BYTES);
	pb_buf_add(&b, "{\"items\":[", 10);
	for (int i = 0; i < shown; i++) {
		if (i > 0)
			pb_buf_add(&b, ",", 1);
		if (pb_buf_add(&b, PQgetvalue(res, i, 0), (size_t)PQgetlength(res, i, 0)) != PB_OK) {
			PQclear(res);
			pb_buf_free(&b);
			return PB_EINTERNAL;
		}
	}
	pb_buf_add(&b, "],\"next_cursor\":", 16);
	if (n > limit && shown > 0 && PQnfields(res) > 1)
		pb_json_write_cstr(&b, PQgetvalue(res, shown - 1, 1));
	else
		pb_buf_add(&b, "null", 4);
	pb_buf_add(&b, "}", 1);
	PQclear(res);
	*json = pb_buf_take(&b, NULL);
	return PB_OK;
}

enum pb_err pb_db_one_row(struct pb_db *db, const char *sql, int nparams,
    const char *const *params, PGresult **res)
{
	enum pb_err err = pb_db_query(db, sql, nparams, params, res);

	if (err == PB_OK && PQntuples(*res) != 1) {
		PQclear(*res);
		*res = NULL;
		err = PB_ENOTFOUND;
	}
	return err;
}

int pb_db_col_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

int64_t pb_db_col_int64(const PGresult *res, int row, int col)
{
	const char *s = PQgetvalue(res, row, col);
	char *end;

	if (PQgetisnull(res, row, col) || *s == '\0')
		return 0;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' ? (int64_t)v : 0;
}

int32_t pb_db_col_date(const PGresult *res, int row, int col, int32_t absent)
{
	int32_t d;

	if (PQgetisnull(res, row, col) || pb_date_parse(PQgetvalue(res, row, col),
	    (size_t)PQgetlength(res, row, col), &d) != PB_OK)
		return absent;
	return d;
}

void pb_db_col_copy(const PGresult *res, int row, int col, char *dst, size_t n)
{
	snprintf(dst, n, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

const char *pb_db_date_param(int32_t day, char buf[11])
{
	if (day == PB_DATE_NONE)
		return NULL;
	pb_date_format(day, buf);
	return buf;
}

const char *pb_db_int_param(int64_t v, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)v);
	return buf;
}

void pb_db_bytea_text(const unsigned char *b, size_t n, char *out)
{
	out[0] = '\\';
	out[1] = 'x';
	pb_hex_encode(b, n, out + 2);
}

int pb_db_bytea_parse(const char *s, unsigned char *b, size_t n)
{
	if (s[0] != '\\' || s[1] != 'x')
		return -1;
	return pb_hex_decode(s + 2, b, n);
}
