/* SPDX-License-Identifier: MIT */
/*
 * test_date.c — unit tests for internal/core/date.c (table-driven, cmocka).
 *
 * Expected day numbers and weekdays were cross-checked against Python's
 * datetime (proleptic Gregorian).  The round-trip test walks every day in
 * the supported range [1900-01-01, 2200-12-31].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "internal/core/date.h"

/* Parse a literal that the test knows is valid. */
static int32_t D(const char *s)
{
	int32_t d = 0;

	assert_int_equal(pb_date_parse(s, strlen(s), &d), PB_OK);
	return d;
}

static void assert_date(int32_t day, const char *want)
{
	char buf[11];

	pb_date_format(day, buf);
	assert_string_equal(buf, want);
}

/* ---- known day numbers and weekdays ---------------------------------- */

static const struct {
	const char *s;
	int32_t day;
	int weekday;
} known[] = {
	{ "1970-01-01", 0, 4 },
	{ "1969-12-31", -1, 3 },
	{ "1900-01-01", -25567, 1 },
	{ "2000-03-01", 11017, 3 },
	{ "2024-02-29", 19782, 4 },
	{ "2200-12-31", 84370, 3 },
};

static void test_date_known_day_numbers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		int y, m, d;

		assert_int_equal(D(known[i].s), known[i].day);
		assert_int_equal(pb_date_weekday(known[i].day), known[i].weekday);
		assert_date(known[i].day, known[i].s);
		pb_date_to_ymd(known[i].day, &y, &m, &d);
		assert_int_equal(pb_date_from_ymd(y, m, d), known[i].day);
	}
}

static void test_date_roundtrip_whole_range(void **state)
{
	int32_t first = pb_date_from_ymd(PB_DATE_MIN_YEAR, 1, 1);
	int32_t last = pb_date_from_ymd(PB_DATE_MAX_YEAR, 12, 31);
	int32_t d;
	int py = PB_DATE_MIN_YEAR - 1, pm = 12, pd = 31;
	int wd = pb_date_weekday(first);

	(void)state;
	for (d = first; d <= last; d++) {
		char buf[11];
		int32_t back = -1;
		int y, m, md;

		pb_date_to_ymd(d, &y, &m, &md);
		/* consecutive days step through the calendar one by one */
		if (md == 1) {
			assert_int_equal(pd, pb_date_days_in_month(py, pm));
			assert_true((m == pm + 1 && y == py) ||
			    (m == 1 && pm == 12 && y == py + 1));
		} else {
			assert_int_equal(md, pd + 1);
			assert_int_equal(m, pm);
			assert_int_equal(y, py);
		}
		assert_true(pb_date_valid_ymd(y, m, md));
		assert_int_equal(pb_date_weekday(d), wd);
		wd = (wd + 1) % 7;
		pb_date_format(d, buf);
		assert_int_equal(pb_date_parse(buf, 10, &back), PB_OK);
		assert_int_equal(back, d);
		py = y;
		pm = m;
		pd = md;
	}
	assert_int_equal(py, PB_DATE_MAX_YEAR);
}

/* ---- parsing ------------------------------------------------------------ */

static const char *const bad_dates[] = {
	"2024-02-30", "2023-02-29", "2100-02-29", "2024-13-01", "2024-00-10",
	"2024-01-00", "2024-04-31", "2024-1-01", "2024/01/01", " 2024-01-01",
	"2024-01-01 ", "1899-12-31", "2201-01-01", "+024-01-01", "2024-01-0a",
	"", "2024-01-1", "20240101", "2024-01-01T00:00:00Z", "0000-01-01",
	"2024--1-01", "２０２４-01-01",
};

static void test_date_parse_rejects(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_dates) / sizeof(bad_dates[0]); i++) {
		int32_t out = 12345;

		assert_int_equal(pb_date_parse(bad_dates[i], strlen(bad_dates[i]), &out),
		    PB_EINVAL);
		assert_int_equal(out, 12345); /* untouched on failure */
	}
	assert_int_equal(pb_date_parse(NULL, 10, &(int32_t){0}), PB_EINVAL);
	assert_int_equal(pb_date_parse("2024-01-01", 10, NULL), PB_EINVAL);
}

static void test_date_parse_accepts(void **state)
{
	static const char *const good[] = {
		"1900-01-01", "2200-12-31", "2000-02-29", "2024-02-29",
		"2023-12-31", "2024-04-30",
	};
	size_t i;
	int32_t d = 0;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(pb_date_parse(good[i], 10, &d), PB_OK);
		assert_date(d, good[i]);
	}
	/* length-delimited: no NUL needed, trailing bytes ignored */
	assert_int_equal(pb_date_parse("2024-05-06XYZ", 10, &d), PB_OK);
	assert_date(d, "2024-05-06");
	/* one byte short of a valid string */
	assert_int_equal(pb_date_parse("2024-05-06", 9, &d), PB_EINVAL);
}

/* ---- leap years and month lengths ------------------------------------- */

static void test_date_leap_and_month_lengths(void **state)
{
	static const struct { int y, leap; } leaps[] = {
		{ 1900, 0 }, { 2000, 1 }, { 2023, 0 }, { 2024, 1 },
		{ 2100, 0 }, { 2200, 0 }, { 2400, 1 }, { 1996, 1 },
	};
	static const struct { int y, m, n; } dims[] = {
		{ 2024, 2, 29 }, { 2023, 2, 28 }, { 1900, 2, 28 }, { 2000, 2, 29 },
		{ 2024, 1, 31 }, { 2024, 4, 30 }, { 2024, 6, 30 }, { 2024, 12, 31 },
		{ 2024, 0, 0 }, { 2024, 13, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(leaps) / sizeof(leaps[0]); i++)
		assert_int_equal(!!pb_date_is_leap(leaps[i].y), leaps[i].leap);
	for (i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
		assert_int_equal(pb_date_days_in_month(dims[i].y, dims[i].m), dims[i].n);
	assert_false(pb_date_valid_ymd(2023, 2, 29));
	assert_true(pb_date_valid_ymd(2024, 2, 29));
	assert_false(pb_date_valid_ymd(1899, 12, 31));
	assert_false(pb_date_valid_ymd(2201, 1, 1));
	assert_false(pb_date_valid_ymd(2024, 1, 0));
}

/* ---- add_months ------------------------------------------------------- */

static void test_date_add_months_clamped(void **state)
{
	static const struct { const char *from; int n; const char *want; } t[] = {
		{ "2024-01-31", 1, "2024-02-29" },
		{ "2023-01-31", 1, "2023-02-28" },
		{ "2024-03-31", -1, "2024-02-29" },
		{ "2024-05-31", 1, "2024-06-30" },
		{ "2024-12-15", 1, "2025-01-15" },
		{ "2024-01-15", -13, "2022-12-15" },
		{ "2024-01-15", 0, "2024-01-15" },
		{ "2024-02-29", 12, "2025-02-28" },
		{ "2024-02-29", 48, "2028-02-29" },
		{ "2024-08-31", 6, "2025-02-28" },
		{ "2024-01-01", -1, "2023-12-01" },
		{ "2024-01-01", 120, "2034-01-01" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_date(pb_date_add_months(D(t[i].from), t[i].n), t[i].want);
}

/* ---- birthdays and ages (29 February) -------------------------------- */

static void test_date_birthday_29_feb(void **state)
{
	static const struct { const char *dob; int years; const char *want; } t[] = {
		{ "2004-02-29", 1, "2005-03-01" },
		{ "2004-02-29", 4, "2008-02-29" },
		{ "2004-02-29", 16, "2020-02-29" },
		{ "2004-02-29", 25, "2029-03-01" },
		{ "2004-02-29", 96, "2100-03-01" }, /* 2100 is not leap */
		{ "2004-02-28", 1, "2005-02-28" },
		{ "2004-03-01", 1, "2005-03-01" },
		{ "2010-05-17", 0, "2010-05-17" },
		{ "2010-05-17", 18, "2028-05-17" },
		{ "2000-12-31", 26, "2026-12-31" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_date(pb_date_birthday(D(t[i].dob), t[i].years), t[i].want);
}

static void test_date_age_on_boundaries(void **state)
{
	static const struct { const char *dob, *on; int age; } t[] = {
		{ "2010-05-17", "2026-05-16", 15 },
		{ "2010-05-17", "2026-05-17", 16 },
		{ "2010-05-17", "2026-05-18", 16 },
		{ "2010-05-17", "2010-05-17", 0 },
		{ "2010-05-17", "2010-05-16", -1 },
		{ "2004-02-29", "2005-02-28", 0 },
		{ "2004-02-29", "2005-03-01", 1 },
		{ "2004-02-29", "2008-02-28", 3 },
		{ "2004-02-29", "2008-02-29", 4 },
		{ "2004-02-29", "2029-02-28", 24 },
		{ "2004-02-29", "2029-03-01", 25 },
		{ "2000-12-31", "2025-12-30", 24 },
		{ "2000-12-31", "2025-12-31", 25 },
		{ "2001-01-01", "2025-12-31", 24 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(pb_date_age_on(D(t[i].dob), D(t[i].on)), t[i].age);
}

/* ---- school years and end of compulsory school age -------------------- */

static void test_date_school_year(void **state)
{
	static const struct { const char *day; int sy; const char *end; } t[] = {
		{ "2024-08-31", 2023, "2024-08-31" },
		{ "2024-09-01", 2024, "2025-08-31" },
		{ "2025-01-01", 2024, "2025-08-31" },
		{ "2024-12-31", 2024, "2025-08-31" },
		{ "2025-06-30", 2024, "2025-08-31" },
		{ "1900-01-01", 1899, "1900-08-31" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(pb_date_school_year(D(t[i].day)), t[i].sy);
		assert_date(pb_date_end_of_school_year(D(t[i].day)), t[i].end);
	}
}

static void test_date_end_of_csa(void **state)
{
	static const struct { const char *dob, *end; } t[] = {
		/* 16 on 1 Sept 2024: school year 2024/25 -> June 2025 */
		{ "2008-09-01", "2025-06-27" },
		/* 16 on 31 Aug 2024: school year 2023/24 -> June 2024, which is
		 * before the birthday itself (EA 1996 s8(3)) */
		{ "2008-08-31", "2024-06-28" },
		{ "2008-12-31", "2025-06-27" },
		{ "2009-01-01", "2025-06-27" },
		{ "2008-07-15", "2024-06-28" },
		{ "2008-06-28", "2024-06-28" }, /* 16 on the last Friday itself */
		{ "2008-06-29", "2024-06-28" }, /* 16 the day after it */
		{ "2008-02-29", "2024-06-28" }, /* 29 Feb child */
		{ "2007-03-01", "2023-06-30" }, /* 30 June is the last Friday */
		{ "2006-10-10", "2023-06-30" },
		{ "2014-04-01", "2030-06-28" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int32_t end = pb_date_end_of_csa(D(t[i].dob));
		int y, m;

		assert_date(end, t[i].end);
		pb_date_to_ymd(end, &y, &m, NULL);
		assert_int_equal(pb_date_weekday(end), 5);
		assert_int_equal(m, 6);
		/* a week later is July: it really is the last Friday */
		pb_date_to_ymd(end + 7, NULL, &m, NULL);
		assert_int_equal(m, 7);
	}
}

static void test_date_today(void **state)
{
	time_t before = time(NULL);
	int32_t t = pb_date_today();
	time_t after = time(NULL);

	(void)state;
	assert_true(t >= (int32_t)(before / 86400));
	assert_true(t <= (int32_t)(after / 86400));
	assert_true(t > D("2024-01-01"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_known_day_numbers),
		cmocka_unit_test(test_date_roundtrip_whole_range),
		cmocka_unit_test(test_date_parse_rejects),
		cmocka_unit_test(test_date_parse_accepts),
		cmocka_unit_test(test_date_leap_and_month_lengths),
		cmocka_unit_test(test_date_add_months_clamped),
		cmocka_unit_test(test_date_birthday_29_feb),
		cmocka_unit_test(test_date_age_on_boundaries),
		cmocka_unit_test(test_date_school_year),
		cmocka_unit_test(test_date_end_of_csa),
		cmocka_unit_test(test_date_today),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
