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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_if_match_absent_and_star),
		cmocka_unit_test(test_if_match_versions),
		cmocka_unit_test(test_if_match_refused),
		cmocka_unit_test(test_if_match_long_value_bounded),
		cmocka_unit_test(test_idempotency_key_valid),
		cmocka_unit_test(test_idempotency_key_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
