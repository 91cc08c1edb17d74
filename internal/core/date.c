/* SPDX-License-Identifier: MIT */
/*
 * date.c — calendar arithmetic on day numbers (days since 1970-01-01,
 * proleptic Gregorian).
 *
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days,
 * which are exact for every year and need no tables.  Everything here is
 * pure integer arithmetic except pb_date_today(), which reads the clock.
 * No globals, no locale, no libc time zone state: thread-safe.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#endif

#include "internal/core/date.h"

#include <time.h>

/* Floor division and modulo for a positive divisor (C truncates to zero). */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b) != 0 && a < 0)
		q--;
	return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;                                   /* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;                                       /* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
	mp = (5 * doy + 2) / 153;                                     /* [0, 11] */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int pb_date_is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int pb_date_days_in_month(int year, int month)
{
	static const int dim[12] = { 31, 28, 31, 30, 31, 30,
	                             31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && pb_date_is_leap(year))
		return 29;
	return dim[month - 1];
}

int pb_date_valid_ymd(int year, int month, int mday)
{
	if (year < PB_DATE_MIN_YEAR || year > PB_DATE_MAX_YEAR)
		return 0;
	if (month < 1 || month > 12)
		return 0;
	return mday >= 1 && mday <= pb_date_days_in_month(year, month);
}

int32_t pb_date_from_ymd(int year, int month, int mday)
{
	return (int32_t)days_from_civil(year, month, mday);
}

void pb_date_to_ymd(int32_t day, int *year, int *month, int *mday)
{
	int64_t y, m, d;

	civil_from_days(day, &y, &m, &d);
	if (year)
		*year = (int)y;
	if (month)
		*month = (int)m;
	if (mday)
		*mday = (int)d;
}

enum pb_err pb_date_parse(const char *s, size_t len, int32_t *out)
{
	int v[8], i, k = 0;
	int year, month, mday;

	if (s == NULL || out == NULL || len != 10)
		return PB_EINVAL;
	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return PB_EINVAL;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return PB_EINVAL;
		v[k++] = s[i] - '0';
	}
	year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
	month = v[4] * 10 + v[5];
	mday = v[6] * 10 + v[7];
	if (!pb_date_valid_ymd(year, month, mday))
		return PB_EINVAL;
	*out = pb_date_from_ymd(year, month, mday);
	return PB_OK;
}

void pb_date_format(int32_t day, char out[11])
{
	int y, m, d;

	pb_date_to_ymd(day, &y, &m, &d);
	/* Only years 0000-9999 have a "YYYY" form; the API never produces
	 * others (parse caps them), so fold anything else into that range
	 * rather than overflow the buffer. */
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int pb_date_weekday(int32_t day)
{
	/* 1970-01-01 was a Thursday (4). */
	return (int)floor_mod((int64_t)day + 4, 7);
}

int32_t pb_date_add_months(int32_t day, int months)
{
	int y, m, d, dim;
	int64_t idx;

	pb_date_to_ymd(day, &y, &m, &d);
	idx = (int64_t)y * 12 + (m - 1) + months;
	y = (int)floor_div(idx, 12);
	m = (int)floor_mod(idx, 12) + 1;
	dim = pb_date_days_in_month(y, m);
	if (d > dim)
		d = dim;
	return pb_date_from_ymd(y, m, d);
}

int32_t pb_date_birthday(int32_t dob, int years)
{
	int y, m, d;

	pb_date_to_ymd(dob, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && !pb_date_is_leap(y)) {
		/* FLRA 1969 s9: attained at the start of the anniversary; in a
		 * common year that is 1 March. */
		m = 3;
		d = 1;
	}
	return pb_date_from_ymd(y, m, d);
}

int pb_date_age_on(int32_t dob, int32_t on)
{
	int by, oy, age;

	pb_date_to_ymd(dob, &by, NULL, NULL);
	pb_date_to_ymd(on, &oy, NULL, NULL);
	age = oy - by;
	if (on < pb_date_birthday(dob, age))
		age--;
	return age;
}

int pb_date_school_year(int32_t day)
{
	int y, m;

	pb_date_to_ymd(day, &y, &m, NULL);
	return m >= 9 ? y : y - 1;
}

int32_t pb_date_end_of_school_year(int32_t day)
{
	return pb_date_from_ymd(pb_date_school_year(day) + 1, 8, 31);
}

int32_t pb_date_end_of_csa(int32_t dob)
{
	/* The school year (1 Sept – 31 Aug) containing the 16th birthday ends
	 * in June of its second calendar year: a birthday in Sept–Dec of Y
	 * gives June Y+1, one in Jan–Aug of Y gives June Y.  A birthday
	 * between that last Friday and 31 Aug still counts for that June
	 * (Education Act 1996 s8(3)), so CSA can end before the birthday. */
	int june_year = pb_date_school_year(pb_date_birthday(dob, 16)) + 1;
	int32_t last = pb_date_from_ymd(june_year, 6, 30);
	int back = (pb_date_weekday(last) - 5 + 7) % 7; /* 5 = Friday */

	return last - back;
}

int32_t pb_date_today(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return (int32_t)floor_div((int64_t)now, 86400);
	return pb_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
