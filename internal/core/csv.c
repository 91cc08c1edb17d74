/* SPDX-License-Identifier: MIT */
/* csv.c — RFC 4180 cells and fields (see csv.h). */
#include "internal/core/csv.h"

#include <stdint.h>
#include <string.h>

enum pb_err pb_csv_cell(const char *in, size_t len, char *out,
    size_t cap, size_t *outlen)
{
	int quote = 0, prefix = 0;
	size_t nquotes = 0, need, k = 0;

	if (outlen)
		*outlen = 0;
	if (cap > 0 && out != NULL)
		out[0] = '\0';
	if (out == NULL || (in == NULL && len > 0) || len > SIZE_MAX / 4)
		return PB_EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		if (c == '\0')
			return PB_EINVAL;
		if (c == ',' || c == '\r' || c == '\n')
			quote = 1;
		if (c == '"') {
			quote = 1;
			nquotes++;
		}
	}
	/* spreadsheets evaluate these as formulas (CSV injection) */
	if (len > 0 && (in[0] == '=' || in[0] == '+' || in[0] == '-' ||
	    in[0] == '@' || in[0] == '\t' || in[0] == '\r'))
		prefix = 1;

	need = len + nquotes + (quote ? 2u : 0u) + (prefix ? 1u : 0u);
	if (need >= cap)
		return PB_EINVAL;

	if (quote)
		out[k++] = '"';
	if (prefix)
		out[k++] = '\'';
	for (size_t i = 0; i < len; i++) {
		if (in[i] == '"')
			out[k++] = '"';
		out[k++] = in[i];
	}
	if (quote)
		out[k++] = '"';
	out[k] = '\0';
	if (outlen)
		*outlen = k;
	return PB_OK;
}

enum pb_err pb_csv_field(struct pb_buf *out, const char *s, int last)
{
	/* the worst case doubles every byte and adds quotes, a ' and the NUL */
	char esc[2 * PB_CSV_FIELD_MAX + 4];
	size_t n = strlen(s), len = 0;

	if (n > PB_CSV_FIELD_MAX || pb_csv_cell(s, n, esc, sizeof(esc), &len) != PB_OK ||
	    pb_buf_add(out, esc, len) != PB_OK)
		return PB_EINVAL;
	return last ? pb_buf_add(out, "\r\n", 2) : pb_buf_add(out, ",", 1);
}
