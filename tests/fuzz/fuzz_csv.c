/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv.c — libFuzzer harness for pb_csv_cell (internal/core/csv.h),
 * the cell escaping of the CSV files (the finance export, the SEN2
 * return).  Byte 0 picks the output capacity (0–255, or exactly enough);
 * the rest is the cell text.
 *
 * Asserts on success: the output fits (length < cap, NUL at the length);
 * read back with an RFC 4180 reader it is one cell equal to the input,
 * apart from a leading ' added exactly when the input starts with
 * = + - @ TAB or CR; a cell that holds , " CR or LF is quoted; the cell
 * as a spreadsheet sees it never starts with a formula character.  On
 * refusal: the input held a NUL or the output did not fit, and out is "".
 */
// FUZZ_SOURCES: internal/core/*.c
// FUZZ_LIBS: -lcrypto
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int formula_char(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	size_t big = 2 * len + 4;
	size_t cap = data[0] == 255 ? big : data[0];
	char *out = malloc(cap ? cap : 1);
	char *back = malloc(len + 2);
	size_t outlen = 777;
	int has_nul = memchr(in, '\0', len) != NULL;
	int special = 0;

	REQUIRE(out && back);
	for (size_t i = 0; i < len; i++)
		if (in[i] == ',' || in[i] == '"' || in[i] == '\r' || in[i] == '\n')
			special = 1;
	enum pb_err err = pb_csv_cell(len ? in : NULL, len, cap ? out : NULL, cap, &outlen);
	if (err != PB_OK) {
		REQUIRE(err == PB_EINVAL && outlen == 0);
		REQUIRE(cap == 0 || out[0] == '\0');
		REQUIRE(has_nul || cap == 0 || cap < big);
		goto done;
	}
	REQUIRE(!has_nul && cap > 0);
	REQUIRE(outlen < cap && out[outlen] == '\0' && strlen(out) == outlen);
	/* RFC 4180 reader for one cell */
	size_t k = 0, b = 0;
	int quoted = outlen > 0 && out[0] == '"';
	REQUIRE(quoted == special);
	if (quoted) {
		REQUIRE(outlen >= 2 && out[outlen - 1] == '"');
		for (k = 1; k < outlen - 1; k++) {
			if (out[k] == '"') {
				REQUIRE(k + 1 < outlen - 1 && out[k + 1] == '"');
				k++;
			}
			back[b++] = out[k];
		}
	} else {
		for (k = 0; k < outlen; k++) {
			REQUIRE(out[k] != '"' && out[k] != ',' && out[k] != '\n' && out[k] != '\r');
			back[b++] = out[k];
		}
	}
	/* what the spreadsheet sees first is never a formula */
	REQUIRE(b == 0 || !formula_char(back[0]));
	if (len > 0 && formula_char(in[0])) {
		REQUIRE(b == len + 1 && back[0] == '\'' && memcmp(back + 1, in, len) == 0);
	} else {
		REQUIRE(b == len && (len == 0 || memcmp(back, in, len) == 0));
	}
done:
	free(out);
	free(back);
	return 0;
}
