/* SPDX-License-Identifier: MIT */
/* test_http_framing.c — CRLF and chunk framing scans (internal/http/framing.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/http/framing.h"

/* Scan text one byte at a time and at once; both must stop at the same
 * offset with the same verdict.  Returns that offset; *why as the scan set it. */
static size_t head_at(const char *text, const char **why)
{
	struct pb_head_scan whole = { 0 }, bytes = { 0 };
	size_t n = strlen(text), at = pb_head_scan(&whole, text, n, why), i = 0;
	const char *why_bytes = NULL;

	while (i < n) {
		size_t k = pb_head_scan(&bytes, text + i, 1, &why_bytes);
		if (k == 0)
			break;
		i += k;
		if (pb_head_scan_done(&bytes))
			break;
	}
	assert_int_equal(i, at);
	assert_int_equal(why_bytes == NULL, *why == NULL);
	assert_int_equal(pb_head_scan_done(&whole), pb_head_scan_done(&bytes));
	return at;
}

static size_t chunk_at(const char *text, const char **why)
{
	struct pb_chunk_scan whole = { 0 }, bytes = { 0 };
	size_t n = strlen(text), at = pb_chunk_scan(&whole, text, n, why), i = 0;
	const char *why_bytes = NULL;

	while (i < n && !pb_chunk_scan_done(&bytes)) {
		size_t k = pb_chunk_scan(&bytes, text + i, 1, &why_bytes);
		if (k == 0)
			break;
		i += k;
	}
	assert_int_equal(i, at);
	assert_int_equal(why_bytes == NULL, *why == NULL);
	return at;
}

static void test_head_ends_after_blank_line(void **state)
{
	const char *why;
	static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

	(void)state;
	assert_int_equal(head_at("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY", &why), sizeof(head) - 1);
	assert_null(why);
	/* blank lines before the request line do not end it */
	assert_int_equal(head_at("\r\n\r\nGET / HTTP/1.1\r\n\r\n", &why), 22);
	assert_null(why);
	/* an unfinished head is all taken */
	assert_int_equal(head_at("GET / HTTP/1.1\r\nHo", &why), 18);
	assert_null(why);
}

static void test_head_line_ends_are_crlf(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(head_at("GET / HTTP/1.1\nHost: a\r\n\r\n", &why), 14);
	assert_non_null(why);
	assert_int_equal(head_at("GET / HTTP/1.1\r\nHost: a\r\n\rX", &why), 26);
	assert_non_null(why);
	assert_int_equal(head_at("GET /\r/ HTTP/1.1\r\n\r\n", &why), 6);
	assert_non_null(why);
	assert_int_equal(head_at("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", &why), 22);
	assert_non_null(why);
	assert_int_equal(head_at("GET / HTTP/1.1\r\n Host: a\r\n\r\n", &why), 16);
	assert_non_null(why);
}

static void test_request_line_single_spaces(void **state)
{
	const char *why;

	(void)state;
	assert_int_equal(head_at("GET  / HTTP/1.1\r\n\r\n", &why), 4);
	assert_non_null(why);
	assert_int_equal(head_at("GET / HTTP/1.1 x\r\n\r\n", &why), 14);
	assert_non_null(why);
	assert_int_equal(head_at("GET\t/ HTTP/1.1\r\n\r\n", &why), 3);
	assert_non_null(why);
	assert_int_equal(head_at(" GET / HTTP/1.1\r\n\r\n", &why), 0);
	assert_non_null(why);
	/* fields may hold runs of blanks */
	assert_int_equal(head_at("GET / HTTP/1.1\r\nX:  a \t b\r\n\r\n", &why), 29);
	assert_null(why);
}

static void test_chunks_well_framed(void **state)
{
	const char *why;
	static const char body[] = "3\r\nabc\r\n10;x=1\r\n0123456789abcdef\r\n0\r\n\r\n";

	(void)state;
	assert_int_equal(chunk_at("3\r\nabc\r\n10;x=1\r\n0123456789abcdef\r\n0\r\n\r\nGET", &why),
	    sizeof(body) - 1);
	assert_null(why);
	/* chunk data may hold CR, LF and anything */
	assert_int_equal(chunk_at("4\r\n\r\n\r\n\r\n0\r\n\r\n", &why), 14);
	assert_null(why);
	assert_int_equal(chunk_at("3\r\nab", &why), 5);
	assert_null(why);
}

static void test_chunk_framing_refused(void **state)
{
	static const struct { const char *body; size_t at; } cases[] = {
		{ "3\r\nabcXY0\r\n\r\n", 6 },         /* data not followed by CRLF */
		{ "3\r\nabc\rX0\r\n\r\n", 7 },
		{ "3\rXabc\r\n0\r\n\r\n", 2 },        /* size line not ended by CRLF */
		{ "3\nabc\r\n0\r\n\r\n", 1 },
		{ "\r\n", 0 },                        /* no size */
		{ "g\r\n", 0 },
		{ "1;\001\r\na\r\n0\r\n\r\n", 2 },    /* control in an extension */
		{ "0\r\nX: y\r\n\r\n", 3 },           /* trailer field */
		{ "0\r\n\rX", 4 },                    /* last CRLF broken */
		{ "1000000000000000\r\n", 15 },        /* size overflow */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why;
		size_t at = chunk_at(cases[i].body, &why);
		if (why == NULL || at != cases[i].at)
			fail_msg("case %zu: stopped at %zu (%s), want %zu", i, at, why ? why : "no fault",
			    cases[i].at);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_ends_after_blank_line),
		cmocka_unit_test(test_head_line_ends_are_crlf),
		cmocka_unit_test(test_request_line_single_spaces),
		cmocka_unit_test(test_chunks_well_framed),
		cmocka_unit_test(test_chunk_framing_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
