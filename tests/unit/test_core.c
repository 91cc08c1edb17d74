/* SPDX-License-Identifier: MIT */
/* test_core.c — bounded buffer and configuration parsing from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal/config/config.h"
#include "internal/core/buf.h"
#include "internal/core/duty.h"
#include "internal/core/hex.h"
#include "internal/core/money.h"
#include "internal/core/text.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void test_buf_bounded(void **state)
{
	struct pb_buf b;
	size_t len;

	(void)state;
	pb_buf_init(&b, 10);
	assert_string_equal(pb_buf_str(&b), "");
	assert_int_equal(pb_buf_add(&b, "hello", 5), PB_OK);
	assert_int_equal(pb_buf_addf(&b, "%d", 12345), PB_OK);
	assert_int_equal(pb_buf_len(&b), 10);
	assert_int_equal(pb_buf_add(&b, "x", 1), PB_EINVAL);     /* over max */
	assert_string_equal(pb_buf_str(&b), "hello12345");       /* unchanged */
	char *s = pb_buf_take(&b, &len);
	assert_int_equal(len, 10);
	assert_string_equal(s, "hello12345");
	assert_int_equal(pb_buf_len(&b), 0);
	free(s);
	pb_buf_init(&b, 100000);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(pb_buf_addf(&b, "%04d,", i), PB_OK);
	assert_int_equal(pb_buf_len(&b), 5000);
	pb_buf_free(&b);
}

static void clear_env(void)
{
	static const char *const vars[] = { "DATABASE_URL", "PB_LISTEN", "PB_THREADS",
	    "PB_DB_POOL", "PB_JWT_ALG", "PB_JWT_SECRET", "PB_JWT_PUBLIC_KEY_FILE",
	    "PB_JWT_ISSUER", "PB_JWT_AUDIENCE", "PB_BANK_KEY", "PB_LOG_LEVEL",
	    "PB_SERVICES", NULL };
	for (int i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

static int load(unsigned needs, char *err)
{
	struct pb_config c;
	int rc = pb_config_load(&c, needs, err, 256);
	if (rc == 0)
		pb_config_free(&c);
	return rc;
}

static void test_config_defaults(void **state)
{
	struct pb_config c;
	char err[256];

	(void)state;
	clear_env();
	setenv("PB_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	assert_int_equal(pb_config_load(&c, PB_NEED_JWT | PB_NEED_DB, err, sizeof(err)), 0);
	assert_string_equal(c.listen_host, "127.0.0.1");
	assert_int_equal(c.listen_port, 8080);
	assert_int_equal(c.jwt_alg, PB_JWT_HS256);
	assert_string_equal(c.jwt_issuer, "pb-dev");
	assert_string_equal(c.jwt_audience, "personal-budgets");
	assert_int_equal(c.services, PB_SVC_ALL);
	assert_false(c.has_bank_key);
	assert_true(c.threads >= 1);
	pb_config_free(&c);
}

static void test_config_rejections(void **state)
{
	static const struct { const char *var, *val, *needle; } bad[] = {
		{ "PB_JWT_SECRET", "short", "PB_JWT_SECRET" },
		{ "PB_LISTEN", "nonsense", "PB_LISTEN" },
		{ "PB_LISTEN", "127.0.0.1:70000", "PB_LISTEN" },
		{ "PB_LISTEN", "127.0.0.1:", "PB_LISTEN" },
		{ "PB_THREADS", "0", "PB_THREADS" },
		{ "PB_THREADS", "2x", "PB_THREADS" },
		{ "PB_DB_POOL", "-1", "PB_DB_POOL" },
		{ "PB_JWT_ALG", "none", "PB_JWT_ALG" },
		{ "PB_JWT_ALG", "RS256", "PB_JWT_PUBLIC_KEY_FILE" },
		{ "PB_BANK_KEY", "abcd", "PB_BANK_KEY" },
		{ "PB_BANK_KEY", "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "PB_BANK_KEY" },
		{ "PB_LOG_LEVEL", "loud", "PB_LOG_LEVEL" },
		{ "PB_SERVICES", "budgets,bogus", "PB_SERVICES" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clear_env();
		setenv("PB_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
		setenv(bad[i].var, bad[i].val, 1);
		err[0] = '\0';
		assert_int_equal(load(PB_NEED_JWT | PB_NEED_DB, err), -1);
		if (strstr(err, bad[i].needle) == NULL)
			fail_msg("%s=%s: message \"%s\" lacks %s", bad[i].var, bad[i].val, err, bad[i].needle);
	}
	clear_env();
	assert_int_equal(load(PB_NEED_JWT, err), -1);            /* no secret */
	assert_non_null(strstr(err, "PB_JWT_SECRET"));
	assert_int_equal(load(PB_NEED_DB, err), 0);              /* migrate needs no secret */
}

static void test_config_values(void **state)
{
	struct pb_config c;
	char err[256];

	(void)state;
	clear_env();
	setenv("PB_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	setenv("PB_LISTEN", "[::1]:9090", 1);
	setenv("PB_SERVICES", "payments", 1);
	setenv("PB_BANK_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F", 1);
	assert_int_equal(pb_config_load(&c, PB_NEED_JWT, err, sizeof(err)), 0);
	assert_string_equal(c.listen_host, "::1");
	assert_int_equal(c.listen_port, 9090);
	assert_int_equal(c.services, PB_SVC_PAYMENTS);
	assert_true(c.has_bank_key);
	assert_int_equal(c.bank_key[0], 0);
	assert_int_equal(c.bank_key[31], 0x1f);
	pb_config_free(&c);
	clear_env();
}

static void test_config_secret_files(void **state)
{
	struct pb_config c;
	char err[256];
	char path[] = "/tmp/pb-test-secret-XXXXXX";

	(void)state;
	clear_env();
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdef0123456789abcdef-file\n", 38), 38);
	close(fd);
	setenv("PB_JWT_SECRET_FILE", path, 1);
	assert_int_equal(pb_config_load(&c, PB_NEED_JWT, err, sizeof(err)), 0);
	assert_int_equal(c.jwt_key_len, 37);                        /* newline dropped */
	assert_memory_equal(c.jwt_key, "0123456789abcdef0123456789abcdef-file", 37);
	pb_config_free(&c);
	setenv("PB_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	assert_int_equal(load(PB_NEED_JWT, err), -1);               /* both: ambiguous */
	assert_non_null(strstr(err, "not both"));
	unsetenv("PB_JWT_SECRET");
	setenv("PB_JWT_SECRET_FILE", "/nonexistent/secret", 1);
	assert_int_equal(load(PB_NEED_JWT, err), -1);
	assert_non_null(strstr(err, "PB_JWT_SECRET_FILE"));
	clear_env();
	unsetenv("PB_JWT_SECRET_FILE");
	setenv("PB_JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", 65), 65);
	close(fd);
	setenv("PB_BANK_KEY_FILE", path, 1);
	assert_int_equal(pb_config_load(&c, PB_NEED_JWT, err, sizeof(err)), 0);
	assert_true(c.has_bank_key);
	assert_int_equal(c.bank_key[31], 0x1f);
	pb_config_free(&c);
	unsetenv("PB_BANK_KEY_FILE");
	unlink(path);
	clear_env();
}

/* BUD-4 (Section J, for people) and the finance CSV (for files): one
 * formatter, two styles, integer arithmetic over the whole int64 range. */
static void test_money_format_both_styles(void **state)
{
	(void)state;
	static const struct {
		int64_t pence;
		const char *plain, *display;
	} t[] = {
		{0, "0.00", "\xc2\xa3" "0.00"},
		{1, "0.01", "\xc2\xa3" "0.01"},
		{5, "0.05", "\xc2\xa3" "0.05"},
		{10, "0.10", "\xc2\xa3" "0.10"},
		{99, "0.99", "\xc2\xa3" "0.99"},
		{100, "1.00", "\xc2\xa3" "1.00"},
		{12345, "123.45", "\xc2\xa3" "123.45"},
		{99999, "999.99", "\xc2\xa3" "999.99"},
		{100000, "1000.00", "\xc2\xa3" "1,000.00"},
		{123450, "1234.50", "\xc2\xa3" "1,234.50"},
		{-1, "-0.01", "-\xc2\xa3" "0.01"},
		{-1200, "-12.00", "-\xc2\xa3" "12.00"},
		{-12345, "-123.45", "-\xc2\xa3" "123.45"},
		{PB_MAX_PENCE, "1000000000.00", "\xc2\xa3" "1,000,000,000.00"},
		{INT64_MAX, "92233720368547758.07", "\xc2\xa3" "92,233,720,368,547,758.07"},
		{INT64_MIN, "-92233720368547758.08", "-\xc2\xa3" "92,233,720,368,547,758.08"},
	};
	char out[PB_MONEY_TEXT_MAX];

	for (size_t i = 0; i < NELEM(t); i++) {
		memset(out, 'x', sizeof(out));
		assert_int_equal(pb_money_format(t[i].pence, PB_MONEY_PLAIN, out), strlen(t[i].plain));
		assert_string_equal(out, t[i].plain);
		assert_int_equal(pb_money_format(t[i].pence, PB_MONEY_DISPLAY, out),
		    strlen(t[i].display));
		assert_string_equal(out, t[i].display);
	}
}

/* PAY-24 / SEPARATION_OF_DUTIES: one check for budgets, payments, panels. */
static void test_duty_maker_is_never_the_checker(void **state)
{
	(void)state;
	static const struct {
		const char *maker, *checker;
		enum pb_err want;
	} t[] = {
		{"caseworker-1", "approver-7", PB_OK},
		{"user-1", "user-1", PB_ESOD},
		{"user-1", "user-10", PB_OK},
		{"User-1", "user-1", PB_OK},
		{NULL, "a", PB_ESOD},
		{"a", NULL, PB_ESOD},
		{"", "a", PB_ESOD},
		{"a", "", PB_ESOD},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		assert_int_equal(pb_duty_separate(t[i].maker, t[i].checker, "a budget must be approved",
		    "the person who created it", &p), t[i].want);
		assert_int_equal(p.err, t[i].want);
		if (t[i].want == PB_ESOD)
			assert_non_null(strstr(p.detail, "a budget must be approved by someone other than"));
	}
	assert_int_equal(pb_duty_separate("a", "a", "x", "y", NULL), PB_ESOD);
}

static void test_hex_and_text(void **state)
{
	(void)state;
	unsigned char b[4] = { 0x00, 0x7f, 0xa5, 0xff }, back[4];
	char hex[9];

	pb_hex_encode(b, 4, hex);
	assert_string_equal(hex, "007fa5ff");
	assert_int_equal(pb_hex_decode("007FA5ff", back, 4), 0);
	assert_memory_equal(back, b, 4);
	assert_int_equal(pb_hex_decode("007fa5f", back, 4), -1);
	assert_int_equal(pb_hex_decode("007fa5ff0", back, 4), -1);
	assert_int_equal(pb_hex_decode("007fa5fg", back, 4), -1);
	assert_true(pb_text_present("x"));
	assert_false(pb_text_present(""));
	assert_false(pb_text_present(NULL));
	assert_true(pb_text_blank(" \t\r\n"));
	assert_true(pb_text_blank(NULL));
	assert_false(pb_text_blank(" x "));
	/* identifiers: service and entity types, audit actions */
	assert_true(pb_text_snake("short_breaks", 64));
	assert_true(pb_text_snake("a1_", 3));
	assert_false(pb_text_snake("a1_x", 3));
	assert_false(pb_text_snake("1abc", 64));
	assert_false(pb_text_snake("Short", 64));
	assert_false(pb_text_snake("a b", 64));
	assert_false(pb_text_snake("", 64));
	assert_false(pb_text_snake(NULL, 64));
	assert_true(pb_text_dotted("budget.variation_applied", 96));
	assert_true(pb_text_dotted("child", 96));
	assert_false(pb_text_dotted("child..x", 96));
	assert_false(pb_text_dotted(".child", 96));
	assert_false(pb_text_dotted("child.", 96));
	assert_false(pb_text_dotted("Child.Created", 96));
	assert_false(pb_text_dotted("ab.cd", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_bounded),
		cmocka_unit_test(test_money_format_both_styles),
		cmocka_unit_test(test_duty_maker_is_never_the_checker),
		cmocka_unit_test(test_hex_and_text),
		cmocka_unit_test(test_config_defaults),
		cmocka_unit_test(test_config_rejections),
		cmocka_unit_test(test_config_values),
		cmocka_unit_test(test_config_secret_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
