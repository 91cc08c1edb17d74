/* SPDX-License-Identifier: MIT */
/* test_ratelimit.c — token buckets: burst, refill, Retry-After, isolation, off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "internal/http/ratelimit.h"

static void test_burst_then_refuse_then_refill(void **state)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(2, 5, 1024);
	int after = 0;

	(void)state;
	for (int i = 0; i < 5; i++)
		assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 100.0, &after), 1);
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 100.0, &after), 0);
	assert_int_equal(after, 1);                 /* 2 per second: a token in 0.5 s */
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 100.6, &after), 1);
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 100.6, &after), 0);
	/* after a long pause the bucket is full again, never more than burst */
	for (int i = 0; i < 5; i++)
		assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 1000.0, &after), 1);
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/alice", 1000.0, &after), 0);
	pb_ratelimit_free(rl);
}

static void test_callers_are_independent(void **state)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(1, 1, 1024);
	(void)state;
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/a", 5.0, NULL), 1);
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/a", 5.0, NULL), 0);
	assert_int_equal(pb_ratelimit_take(rl, "E09000007/b", 5.0, NULL), 1);
	assert_int_equal(pb_ratelimit_take(rl, "E08000025/a", 5.0, NULL), 1);  /* other council */
	pb_ratelimit_free(rl);
}

static void test_slow_rate_retry_after(void **state)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(0.1, 1, 1024);   /* one per 10 s */
	int after = 0;
	(void)state;
	assert_int_equal(pb_ratelimit_take(rl, "x/y", 1.0, &after), 1);
	assert_int_equal(pb_ratelimit_take(rl, "x/y", 1.0, &after), 0);
	assert_int_equal(after, 10);
	pb_ratelimit_free(rl);
}

static void test_disabled(void **state)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(0, 1, 1024);
	(void)state;
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pb_ratelimit_take(rl, "x/y", 1.0, NULL), 1);
	pb_ratelimit_free(rl);
}

static void test_many_keys_stay_bounded(void **state)
{
	struct pb_ratelimit *rl = pb_ratelimit_new(1, 1, 512);
	char key[64];
	(void)state;
	/* far more callers than slots: every new caller is still served once */
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "E09000007/user-%d", i);
		assert_int_equal(pb_ratelimit_take(rl, key, 1.0 + i * 1e-6, NULL), 1);
	}
	pb_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refuse_then_refill),
		cmocka_unit_test(test_callers_are_independent),
		cmocka_unit_test(test_slow_rate_retry_after),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_many_keys_stay_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
