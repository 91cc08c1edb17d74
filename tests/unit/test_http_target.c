/* SPDX-License-Identifier: MIT */
/* test_http_target.c — request-target → path and query (internal/http/target.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/http/target.h"

static void test_origin_form_and_query(void **state)
{
	struct pb_http_target t;
	const char *why, *field;

	(void)state;
	assert_int_equal(pb_http_target_parse("/v1/children?limit=5&q=a+b%2C&v123&&x=", &t, &why,
	    &field), 0);
	assert_string_equal(t.path, "/v1/children");
	assert_int_equal(t.nitems, 4);
	assert_string_equal(pb_http_target_query(&t, "limit"), "5");
	assert_string_equal(pb_http_target_query(&t, "q"), "a b,");
	assert_string_equal(pb_http_target_query(&t, "v123"), "");   /* a cache-buster */
	assert_string_equal(pb_http_target_query(&t, "x"), "");
	assert_null(pb_http_target_query(&t, "y"));
	pb_http_target_free(&t);
}

static void test_absolute_form(void **state)
{
	struct pb_http_target t;
	const char *why, *field;

	(void)state;
	assert_int_equal(pb_http_target_parse("http://h:8080/healthz?a=1", &t, &why, &field), 0);
	assert_string_equal(t.path, "/healthz");
	assert_string_equal(pb_http_target_query(&t, "a"), "1");
	pb_http_target_free(&t);
	assert_int_equal(pb_http_target_parse("HTTPS://h", &t, &why, &field), 0);
	assert_string_equal(t.path, "/");
	pb_http_target_free(&t);
}

static void test_refused_targets(void **state)
{
	static const char *const bad[] = {
		"*", "", "v1/children", "h:443", "ftp://h/x", "/x?a=%zz", "/x?a=%0", "/x?a=%00",
		"http://[::1/x",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pb_http_target t;
		const char *why = NULL, *field;
		if (pb_http_target_parse(bad[i], &t, &why, &field) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_non_null(why);
		pb_http_target_free(&t);
	}
}

static void test_too_many_items(void **state)
{
	char q[512] = "/x?";
	struct pb_http_target t;
	const char *why, *field;

	(void)state;
	for (int i = 0; i <= PB_HTTP_MAX_QUERY; i++)
		strcat(q, "a=1&");
	assert_int_equal(pb_http_target_parse(q, &t, &why, &field), -1);
	pb_http_target_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_form_and_query),
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_refused_targets),
		cmocka_unit_test(test_too_many_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
