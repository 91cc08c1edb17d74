/* SPDX-License-Identifier: MIT */
/*
 * test_bacs18.c — unit tests for internal/payments/bacs18.c: the BACS
 * Standard 18 file, record by record (widths, each field's position, the
 * contra and the trailer's totals), the processing day bYYDDD, and the
 * mapping of awkward names to the BACS character set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/buf.h"
#include "internal/core/date.h"
#include "internal/payments/bacs18.h"

#define RUN "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"

static void expect_text(const char *in, const char *want)
{
	char out[PB_BACS_FIELD + 1];

	assert_int_equal(pb_bacs_text(in, out), strlen(want));
	assert_string_equal(out, want);
}

static void test_text_maps_awkward_names(void **state)
{
	(void)state;
	expect_text("O'Brien & Sons", "OBRIEN & SONS");
	expect_text("acme care ltd", "ACME CARE LTD");
	expect_text("Zo\xc3\xab Cr\xc3\xa9pin-M\xc3\xbcller", "ZOE CREPIN-MULLER");
	expect_text("Fran\xc3\xa7oise \xc3\x98stergaard", "FRANCOISE OSTERGAA");
	/* an emoji (4 bytes), a euro sign (3 bytes) and punctuation become spaces */
	expect_text("Care \xf0\x9f\x98\x80 Co \xe2\x82\xac" "5, Ltd.", "CARE CO 5 LTD.");
	expect_text("  Smith,   \"Jo\"  ", "SMITH JO");
	/* 40 characters cut to 18, no trailing space left by the cut */
	expect_text("Abcdefghijklmnopq rstuvwxyz0123456789ABC", "ABCDEFGHIJKLMNOPQ");
	expect_text("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", "");
	/* a broken UTF-8 sequence is one byte, never a read past the end */
	expect_text("A\xc3", "A");
	expect_text("x\xe2\x82", "X");
}

static void test_julian_day(void **state)
{
	char j[7];

	(void)state;
	pb_bacs_julian(pb_date_from_ymd(2026, 1, 1), j);
	assert_string_equal(j, " 26001");
	pb_bacs_julian(pb_date_from_ymd(2026, 12, 31), j);
	assert_string_equal(j, " 26365");
	pb_bacs_julian(pb_date_from_ymd(2028, 12, 31), j);
	assert_string_equal(j, " 28366");
}

/* Line i of the file (0-based) into out, without CRLF; its width. */
static size_t line_at(const char *f, int i, char *out, size_t cap)
{
	for (; i > 0; i--) {
		f = strstr(f, "\r\n");
		assert_non_null(f);
		f += 2;
	}
	const char *e = strstr(f, "\r\n");
	assert_non_null(e);
	size_t n = (size_t)(e - f);
	assert_true(n < cap);
	memcpy(out, f, n);
	out[n] = '\0';
	return n;
}

static void field(const char *line, int from, int to, const char *want)
{
	size_t n = (size_t)(to - from + 1);
	assert_int_equal(strlen(want), n);
	assert_memory_equal(line + from - 1, want, n);
}

static const struct pb_bacs_origin ORIGIN = { "123456", "401234", "87654321",
	"Exampleshire Council SEND", RUN, 0 };

static void test_file_layout_and_totals(void **state)
{
	struct pb_buf b;
	struct pb_bacs_origin o = ORIGIN;
	const struct pb_bacs_credit c[] = {
		{ "123456", "01234567", "O'Brien & Sons", "PB-1A2B3C4D", 12345 },
		{ "654321", "00000001", "Zo\xc3\xab \xf0\x9f\x98\x80 Cr\xc3\xa9pin of a very long name",
		  "PB-2B3C4D5E", 5 },
	};
	char l[200];
	size_t bad = 99;

	(void)state;
	o.processing_day = pb_date_from_ymd(2026, 12, 7);   /* a Monday, day 341 */
	pb_buf_init(&b, 1 << 20);
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_OK);
	const char *f = pb_buf_str(&b);
	/* 4 labels, 2 credits, 1 contra, 3 labels */
	assert_int_equal(pb_buf_len(&b), 7 * (80 + 2) + 3 * (100 + 2));
	static const size_t widths[] = { 80, 80, 80, 80, 100, 100, 100, 80, 80, 80 };
	for (int i = 0; i < 10; i++)
		assert_int_equal(line_at(f, i, l, sizeof(l)), widths[i]);

	line_at(f, 0, l, sizeof(l));
	field(l, 1, 4, "VOL1");
	field(l, 42, 47, "123456");
	field(l, 80, 80, "1");
	line_at(f, 1, l, sizeof(l));
	field(l, 1, 4, "HDR1");
	field(l, 5, 12, "A123456S");
	field(l, 42, 47, " 26341");
	line_at(f, 2, l, sizeof(l));
	field(l, 1, 15, "HDR2F0200000100");
	line_at(f, 3, l, sizeof(l));
	field(l, 1, 10, "UHL1 26341");
	field(l, 29, 37, "1 DAILY  ");

	line_at(f, 4, l, sizeof(l));
	field(l, 1, 6, "123456");
	field(l, 7, 14, "01234567");
	field(l, 15, 17, "099");
	field(l, 18, 23, "401234");
	field(l, 24, 31, "87654321");
	field(l, 32, 35, "    ");
	field(l, 36, 46, "00000012345");
	field(l, 47, 64, "EXAMPLESHIRE COUNC");
	field(l, 65, 82, "PB-1A2B3C4D       ");
	field(l, 83, 100, "OBRIEN & SONS     ");
	line_at(f, 5, l, sizeof(l));
	field(l, 36, 46, "00000000005");
	field(l, 83, 100, "ZOE CREPIN OF A VE");

	/* the contra debits the council's account for the total */
	line_at(f, 6, l, sizeof(l));
	field(l, 1, 17, "40123487654321017");
	field(l, 36, 46, "00000012350");
	field(l, 47, 64, "PB RUN 0B6F1C2E   ");
	field(l, 65, 82, "CONTRA            ");
	line_at(f, 7, l, sizeof(l));
	field(l, 1, 4, "EOF1");
	line_at(f, 8, l, sizeof(l));
	field(l, 1, 4, "EOF2");
	line_at(f, 9, l, sizeof(l));
	field(l, 1, 44, "UTL1000000001235000000000123500000001" "0000002");
	assert_int_equal(bad, 2);

	/* the same input gives the same bytes */
	struct pb_buf b2;
	pb_buf_init(&b2, 1 << 20);
	assert_int_equal(pb_bacs18_file(&b2, &o, c, 2, &bad), PB_OK);
	assert_int_equal(pb_buf_len(&b2), pb_buf_len(&b));
	assert_memory_equal(pb_buf_str(&b2), f, pb_buf_len(&b));
	pb_buf_free(&b2);
	pb_buf_free(&b);
}

static void test_file_refuses_bad_input(void **state)
{
	struct pb_buf b;
	struct pb_bacs_origin o = ORIGIN;
	struct pb_bacs_credit c[] = {
		{ "123456", "01234567", "Acme", "PB-1", 100 },
		{ "123456", "01234567", "\xf0\x9f\x98\x80", "PB-2", 100 },
	};
	size_t bad = 0;

	(void)state;
	o.processing_day = pb_date_from_ymd(2026, 12, 7);
	pb_buf_init(&b, 1 << 20);
	/* a payee name with no BACS character: the index of its credit */
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_EINVAL);
	assert_int_equal(bad, 1);
	c[1].payee_name = "Bee";
	c[1].account = "1234567";
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_EINVAL);
	assert_int_equal(bad, 1);
	c[1].account = "12345678";
	c[0].amount_pence = 0;
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_EINVAL);
	assert_int_equal(bad, 0);
	c[0].amount_pence = 100;
	o.sun = "12345";
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_EINVAL);
	assert_int_equal(bad, 2);
	o.sun = "123456";
	/* a full buffer */
	pb_buf_free(&b);
	pb_buf_init(&b, 300);
	assert_int_equal(pb_bacs18_file(&b, &o, c, 2, &bad), PB_EINVAL);
	pb_buf_free(&b);
	/* an empty run is the labels and a zero contra */
	pb_buf_init(&b, 1 << 20);
	assert_int_equal(pb_bacs18_file(&b, &o, c, 0, &bad), PB_OK);
	assert_int_equal(pb_buf_len(&b), 7 * 82 + 102);
	pb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_maps_awkward_names),
		cmocka_unit_test(test_julian_day),
		cmocka_unit_test(test_file_layout_and_totals),
		cmocka_unit_test(test_file_refuses_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
