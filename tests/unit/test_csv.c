/* SPDX-License-Identifier: MIT */
/*
 * test_csv.c — internal/core/csv: RFC 4180 cells (quoting, formula
 * defence, buffer limits) and fields (separators, the length cap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/csv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
/* Fail with the row's name so a table failure points at its case. */
#define ROW(cond, name) do { \
	if (!(cond)) \
		fail_msg("case \"%s\": %s", (name), #cond); \
} while (0)

static void test_csv_cell_rfc4180_and_formula_defence(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} t[] = {
		{"", ""},
		{"Jane Smith", "Jane Smith"},
		{"Smith, Jane", "\"Smith, Jane\""},
		{"The \"Best\" Care", "\"The \"\"Best\"\" Care\""},
		{"\"", "\"\"\"\""},
		{"line\nbreak", "\"line\nbreak\""},
		{"cr\rhere", "\"cr\rhere\""},
		{"=1+1", "'=1+1"},
		{"+44 1234", "'+44 1234"},
		{"-10", "'-10"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "\"'\rx\""},
		{"=HYPERLINK(\"http://x\",\"y\")",
		    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""},
		{"a=b", "a=b"},
		{"x-1", "x-1"},
		{" =1", " =1"},
		{"'already", "'already"},
		{"Zoë Ñúñez", "Zoë Ñúñez"},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		char out[128];
		size_t n = 999;
		ROW(pb_csv_cell(t[i].in, strlen(t[i].in), out, sizeof(out),
		    &n) == PB_OK, t[i].in);
		ROW(strcmp(out, t[i].want) == 0, t[i].in);
		ROW(n == strlen(t[i].want), t[i].in);
	}
	char out[8];
	size_t n = 9;
	/* NULL input with length 0 is an empty cell */
	assert_int_equal(pb_csv_cell(NULL, 0, out, sizeof(out), &n), PB_OK);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
	/* outlen may be NULL */
	assert_int_equal(pb_csv_cell("ab", 2, out, sizeof(out), NULL),
	    PB_OK);
	assert_string_equal(out, "ab");
	/* length-delimited input */
	assert_int_equal(pb_csv_cell("abcdef", 3, out, sizeof(out), &n),
	    PB_OK);
	assert_string_equal(out, "abc");
}

static void test_csv_cell_buffer_limits(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t cap;
		enum pb_err want;
	} t[] = {
		{"abc", 4, PB_OK},            /* exactly fits with NUL */
		{"abc", 3, PB_EINVAL},        /* no room for NUL */
		{"", 1, PB_OK},
		{"", 0, PB_EINVAL},
		{"a,b", 6, PB_OK},            /* "a,b" = 5 + NUL */
		{"a,b", 5, PB_EINVAL},
		{"\"", 5, PB_OK},             /* """" = 4 + NUL */
		{"\"", 4, PB_EINVAL},
		{"=1", 4, PB_OK},             /* '=1 = 3 + NUL */
		{"=1", 3, PB_EINVAL},
		{"=1,", 7, PB_OK},            /* "'=1," = 6 + NUL */
		{"=1,", 6, PB_EINVAL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		char out[16];
		size_t n = 99;
		memset(out, 'x', sizeof(out));
		ROW(pb_csv_cell(t[i].in, strlen(t[i].in), out, t[i].cap,
		    &n) == t[i].want, t[i].in);
		if (t[i].want == PB_EINVAL) {
			ROW(n == 0, t[i].in);
			/* nothing beyond cap touched; out is "" if cap > 0 */
			ROW(t[i].cap == 0 ? out[0] == 'x' : out[0] == '\0',
			    t[i].in);
			ROW(out[t[i].cap] == 'x', t[i].in);
		}
	}
	char out[8];
	/* embedded NUL refused */
	assert_int_equal(pb_csv_cell("a\0b", 3, out, sizeof(out), NULL),
	    PB_EINVAL);
	/* NULL output or NULL input with a length */
	assert_int_equal(pb_csv_cell("a", 1, NULL, 8, NULL), PB_EINVAL);
	assert_int_equal(pb_csv_cell(NULL, 1, out, sizeof(out), NULL),
	    PB_EINVAL);
}

static void test_csv_field_separators_and_cap(void **state)
{
	(void)state;
	struct pb_buf b;
	char big[PB_CSV_FIELD_MAX + 2];

	pb_buf_init(&b, 64);
	assert_int_equal(pb_csv_field(&b, "a,b", 0), PB_OK);
	assert_int_equal(pb_csv_field(&b, "=x", 0), PB_OK);
	assert_int_equal(pb_csv_field(&b, "", 1), PB_OK);
	assert_string_equal(pb_buf_str(&b), "\"a,b\",'=x,\r\n");
	pb_buf_free(&b);

	/* PB_CSV_FIELD_MAX bytes fit, one more is refused */
	pb_buf_init(&b, 4 * PB_CSV_FIELD_MAX);
	memset(big, 'x', sizeof(big));
	big[PB_CSV_FIELD_MAX] = '\0';
	assert_int_equal(pb_csv_field(&b, big, 1), PB_OK);
	assert_int_equal(pb_buf_len(&b), PB_CSV_FIELD_MAX + 2);
	big[PB_CSV_FIELD_MAX] = 'x';
	big[PB_CSV_FIELD_MAX + 1] = '\0';
	assert_int_equal(pb_csv_field(&b, big, 1), PB_EINVAL);
	pb_buf_free(&b);

	/* a full buffer refuses */
	pb_buf_init(&b, 4);
	assert_int_equal(pb_csv_field(&b, "abcd", 0), PB_EINVAL);
	pb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_cell_rfc4180_and_formula_defence),
		cmocka_unit_test(test_csv_cell_buffer_limits),
		cmocka_unit_test(test_csv_field_separators_and_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
