/* SPDX-License-Identifier: MIT */
/* family_view.c — the family view document, written in C (see family_view.h). */
#include "internal/budgets/family_view.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal/core/buf.h"

#define FV_MAX_BYTES (4 * 1024 * 1024)

/* Append s as a JSON string: quotes, backslashes and control bytes
 * escaped; other bytes (UTF-8 from the database) as they are. */
static void add_str(struct pb_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	pb_buf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		pb_buf_add(b, run, (size_t)(s - run));
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			pb_buf_add(b, e, 2);
		} else {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			pb_buf_add(b, e, 6);
		}
		run = s + 1;
	}
	pb_buf_add(b, run, (size_t)(s - run));
	pb_buf_add(b, "\"", 1);
}

static void add_lit(struct pb_buf *b, const char *s)
{
	pb_buf_add(b, s, strlen(s));
}

static void add_key_str(struct pb_buf *b, const char *key, const char *v)
{
	add_lit(b, key);
	add_str(b, v);
}

static void add_key_int(struct pb_buf *b, const char *key, int64_t v)
{
	char num[24];

	add_lit(b, key);
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);
	pb_buf_add(b, num, (size_t)n);
}

/* A bigint column: 0 on success. */
static int col_i64(const PGresult *res, int row, int col, int64_t *out)
{
	const char *s = PQgetvalue(res, row, col);
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (PQgetisnull(res, row, col) || end == s || *end != '\0' || errno != 0)
		return -1;
	*out = v;
	return 0;
}

static const char *col(const PGresult *res, int row, int c)
{
	return PQgetvalue(res, row, c);
}

/* Write one item from rows [first, last); 0 on success. */
static int add_item(struct pb_buf *b, const PGresult *res, int first, int last)
{
	int64_t alloc = 0, comm = 0, spent = 0, a, c, s;

	/* An item is a few hundred bytes per element: stopping at half the
	 * bound means no later add can fail and truncate the document. */
	if (pb_buf_len(b) > FV_MAX_BYTES / 2)
		return -1;
	for (int r = first; r < last; r++) {
		if (PQgetisnull(res, r, PB_FV_ELEMENT_ID))
			continue;
		if (col_i64(res, r, PB_FV_ALLOCATED, &a) || col_i64(res, r, PB_FV_COMMITTED, &c) ||
		    col_i64(res, r, PB_FV_SPENT, &s))
			return -1;
		alloc += a;
		comm += c;
		spent += s;
	}
	add_key_str(b, "{\"child\":{\"id\":", col(res, first, PB_FV_CHILD_ID));
	add_key_str(b, ",\"given_name\":", col(res, first, PB_FV_GIVEN_NAME));
	add_key_str(b, "},\"budget_id\":", col(res, first, PB_FV_BUDGET_ID));
	add_key_str(b, ",\"period_start\":", col(res, first, PB_FV_PERIOD_START));
	add_key_str(b, ",\"period_end\":", col(res, first, PB_FV_PERIOD_END));
	add_key_str(b, ",\"status\":", col(res, first, PB_FV_STATUS));
	add_key_str(b, ",\"arrangement\":", col(res, first, PB_FV_ARRANGEMENT));
	add_key_int(b, ",\"allocated_pence\":", alloc);
	add_key_int(b, ",\"committed_pence\":", comm);
	add_key_int(b, ",\"spent_pence\":", spent);
	add_key_int(b, ",\"remaining_pence\":", alloc - comm - spent);
	add_lit(b, ",\"elements\":[");
	int n = 0;
	for (int r = first; r < last; r++) {
		if (PQgetisnull(res, r, PB_FV_ELEMENT_ID))
			continue;
		col_i64(res, r, PB_FV_ALLOCATED, &a);
		col_i64(res, r, PB_FV_COMMITTED, &c);
		col_i64(res, r, PB_FV_SPENT, &s);
		add_key_str(b, n++ ? ",{\"id\":" : "{\"id\":", col(res, r, PB_FV_ELEMENT_ID));
		add_key_str(b, ",\"stream\":", col(res, r, PB_FV_STREAM));
		add_key_str(b, ",\"service_type\":", col(res, r, PB_FV_SERVICE_TYPE));
		add_key_str(b, ",\"arrangement\":", col(res, r, PB_FV_ELEMENT_ARRANGEMENT));
		add_key_int(b, ",\"allocated_pence\":", a);
		add_key_int(b, ",\"committed_pence\":", c);
		add_key_int(b, ",\"spent_pence\":", s);
		add_key_int(b, ",\"remaining_pence\":", a - c - s);
		add_lit(b, "}");
	}
	add_lit(b, "],\"next_payment\":");
	if (PQgetisnull(res, first, PB_FV_NEXT_DUE)) {
		add_lit(b, "null}");
	} else {
		if (col_i64(res, first, PB_FV_NEXT_AMOUNT, &a))
			return -1;
		add_key_str(b, "{\"due_date\":", col(res, first, PB_FV_NEXT_DUE));
		add_key_int(b, ",\"amount_pence\":", a);
		add_lit(b, "}}");
	}
	return 0;
}

static void md5_hex(const char *data, size_t len, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, EVP_md5(), NULL) != 1 || n != 16)
		abort();   /* an in-memory digest fails only without memory */
	for (unsigned i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = '\0';
}

enum pb_err pb_budget_family_render(const PGresult *res, char **json, char etag[33])
{
	struct pb_buf b;
	size_t len = 0;

	*json = NULL;
	if (PQnfields(res) != PB_FV_NCOLS)
		return PB_EINTERNAL;
	pb_buf_init(&b, FV_MAX_BYTES);
	add_lit(&b, "{\"items\":[");
	int rows = PQntuples(res);
	for (int first = 0, last; first < rows; first = last) {
		const char *bid = col(res, first, PB_FV_BUDGET_ID);
		for (last = first + 1; last < rows &&
		    strcmp(col(res, last, PB_FV_BUDGET_ID), bid) == 0; last++)
			;
		if (first > 0)
			add_lit(&b, ",");
		if (add_item(&b, res, first, last) != 0) {
			pb_buf_free(&b);
			return PB_EINTERNAL;
		}
	}
	pb_buf_add(&b, "]}", 2);
	*json = pb_buf_take(&b, &len);
	md5_hex(*json, len, etag);
	return PB_OK;
}
