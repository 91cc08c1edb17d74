/* SPDX-License-Identifier: MIT */
/* test_headers.c — If-Match and Idempotency-Key parsing (internal/http/headers.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/http/headers.h"

static void test_if_match_absent_and_star(void **state)
{
	int v = 7;

	(void)state;
	assert_int_equal(pb_http_parse_if_match(NULL, &v), 0);
	assert_int_equal(v, -1);
	v = 7;
	assert_int_equal(pb_http_parse_if_match("*", &v), 0);
	assert_int_equal(v, -1);
}

static void test_if_match_versions(void **state)
{
	static const struct { const char *h; int v; } ok[] = {
		{ "\"1\"", 1 }, { "W/\"1\"", 1 }, { "\"42\"", 42 }, { "\"0\"", 0 },
		{ "\"007\"", 7 }, { "\"999999999\"", 999999999 }, { "W/\"123456789\"", 123456789 },
	};
	int v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		v = -5;
		assert_int_equal(pb_http_parse_if_match(ok[i].h, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
}

static void test_if_match_refused(void **state)
{
	static const char *const bad[] = {
		"", "1", "\"\"", "\"", "\"1", "1\"", "\"1a\"", "\"-1\"", "\"+1\"",
		"\" 1\"", "\"1 \"", "W/", "W/1", "w/\"1\"", "W/W/\"1\"", "**", " *",
		"\"1\", \"2\"", "\"1\",\"2\"", "\"1234567890\"", "\"9999999999\"",
		"W/\"1234567890\"", "\"2147483648\"", "'1'", "\"1\"x", "x\"1\"",
		"\"\xc2\xb9\"", "\"\t1\"",
	};
	int v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 5;
		assert_int_equal(pb_http_parse_if_match(bad[i], &v), -1);
		assert_int_equal(v, -1);
	}
}

static void test_if_match_long_value_bounded(void **state)
{
	char big[8192];
	int v;

	(void)state;
	memset(big, '9', sizeof(big));
	big[0] = '"';
	big[sizeof(big) - 2] = '"';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pb_http_parse_if_match(big, &v), -1);
	assert_int_equal(v, -1);
}

static void test_idempotency_key_valid(void **state)
{
	char k[PB_HTTP_IDEMPOTENCY_KEY_MAX + 1];

	(void)state;
	assert_int_equal(pb_http_valid_idempotency_key("a", 1), 1);
	assert_int_equal(pb_http_valid_idempotency_key("3f1c-9a/b:c=d", 13), 1);
	assert_int_equal(pb_http_valid_idempotency_key("!~", 2), 1);
	memset(k, 'x', sizeof(k));
	assert_int_equal(pb_http_valid_idempotency_key(k, PB_HTTP_IDEMPOTENCY_KEY_MAX), 1);
	assert_int_equal(pb_http_valid_idempotency_key(k, PB_HTTP_IDEMPOTENCY_KEY_MAX + 1), 0);
}

static void test_idempotency_key_refused(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "", 0 }, { "a b", 3 }, { " a", 2 }, { "a\t", 2 }, { "a\x7f", 2 },
		{ "a\0b", 3 }, { "\xc3\xa9", 2 }, { "a\r\nb", 4 }, { "\x1b[0m", 4 },
	};

	(void)state;
	assert_int_equal(pb_http_valid_idempotency_key(NULL, 0), 0);
	assert_int_equal(pb_http_valid_idempotency_key(NULL, 3), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pb_http_valid_idempotency_key(bad[i].s, bad[i].n), 0);
}

/* Accept: the offered types of the SEN2 return (JSON preferred) and of
 * Section J; each row the header and the index expected (-1: 406). */
static void test_accept_pick(void **state)
{
	(void)state;
	static const char *const sen2[] = { "application/json", "text/csv" };
	static const char *const sj[] = { "application/json", "text/plain" };
	static const struct {
		const char *h;
		int want_sen2, want_sj;
	} t[] = {
		{ NULL, 0, 0 },
		{ "", 0, 0 },
		{ "  ", 0, 0 },
		{ "*/*", 0, 0 },
		{ "application/json", 0, 0 },
		{ "text/csv", 1, -1 },
		{ "TEXT/CSV", 1, -1 },
		{ "text/csv; charset=utf-8", 1, -1 },
		{ "text/csv, application/json", 1, 0 },
		{ "application/json, text/csv", 0, 0 },
		{ "text/plain, application/json", 0, 1 },
		{ "text/*", 1, 1 },
		{ "*/*, text/csv", 1, 0 },         /* named beats a wildcard */
		{ "*/*, text/plain", 0, 1 },
		{ "text/*, */*;q=0.5", 1, 1 },
		{ "application/json;q=0.5, text/csv", 1, 0 },
		{ "application/json;q=0.5, text/csv;q=0.9", 1, 0 },
		{ "text/csv;q=0, */*", 0, 0 },
		{ "text/csv;q=0", -1, -1 },
		{ "application/xml", -1, -1 },
		{ "image/png, text/html", -1, -1 },
		{ "*/*;q=0", -1, -1 },
		{ "text/csv;q=1.5", -1, -1 },      /* not a qvalue: skipped */
		{ "text/csv;q=0.1234", -1, -1 },
		{ "text/csv;q=1.000", 1, -1 },
		{ "text/csv;q=0.001", 1, -1 },
		{ "text/csv ; q=0.8 , application/xml", 1, -1 },
		{ "garbage", -1, -1 },
		{ "*/csv", -1, -1 },               /* not a media range */
		{ "/", -1, -1 },
		{ "text/", -1, -1 },
		{ ",,,", -1, -1 },
		{ "application/json;q=0, text/csv;q=0.2", 1, -1 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int a = pb_http_accept_pick(t[i].h, sen2, 2);
		int b = pb_http_accept_pick(t[i].h, sj, 2);
		if (a != t[i].want_sen2 || b != t[i].want_sj)
			fail_msg("Accept \"%s\": got %d/%d, want %d/%d", t[i].h ? t[i].h : "(null)",
			    a, b, t[i].want_sen2, t[i].want_sj);
	}
}

static void test_traceparent(void **state)
{
	static const struct { const char *h; int ok; } t[] = {
		{ "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 1 },
		{ "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 1 },
		{ "00-00000000000000000000000000000000-00f067aa0ba902b7-01", 0 },  /* zero trace */
		{ "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", 0 },  /* zero span */
		{ "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", 0 },  /* upper case */
		{ "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0 },  /* version */
		{ "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", 0 },
		{ "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01", 0 },
		{ "", 0 },
	};
	char trace[33] = "", parent[17] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(pb_http_parse_traceparent(t[i].h, trace, parent) == 0, t[i].ok);
	assert_int_equal(pb_http_parse_traceparent(NULL, trace, parent), -1);
	assert_int_equal(pb_http_parse_traceparent(t[0].h, trace, parent), 0);
	assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
	assert_string_equal(parent, "00f067aa0ba902b7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_match_absent_and_star),
		cmocka_unit_test(test_if_match_versions),
		cmocka_unit_test(test_if_match_refused),
		cmocka_unit_test(test_if_match_long_value_bounded),
		cmocka_unit_test(test_idempotency_key_valid),
		cmocka_unit_test(test_idempotency_key_refused),
		cmocka_unit_test(test_accept_pick),
		cmocka_unit_test(test_traceparent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
