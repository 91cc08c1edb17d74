/* SPDX-License-Identifier: MIT */
/*
 * date.h — calendar dates as day numbers, with the age facts the rules need.
 *
 * A date is an int32_t count of days since 1970-01-01 (proleptic Gregorian),
 * so comparisons and differences are plain integer arithmetic.  Everything
 * here is pure except pb_date_today().  Thread-safe.
 */
#ifndef PB_CORE_DATE_H
#define PB_CORE_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"

#define PB_DATE_MIN_YEAR 1900
#define PB_DATE_MAX_YEAR 2200

/* An optional date that is absent ("no ceased_on", "no first payment"). */
#define PB_DATE_NONE INT32_MIN

/* Parse exactly "YYYY-MM-DD" (len bytes, no NUL needed), a real calendar
 * date with year in [PB_DATE_MIN_YEAR, PB_DATE_MAX_YEAR].  PB_EINVAL else. */
enum pb_err pb_date_parse(const char *s, size_t len, int32_t *out);

/* Write "YYYY-MM-DD" and a NUL into out (11 bytes). */
void pb_date_format(int32_t day, char out[11]);

int32_t pb_date_from_ymd(int year, int month, int mday);
void pb_date_to_ymd(int32_t day, int *year, int *month, int *mday);

/* 0 = Sunday … 6 = Saturday. */
int pb_date_weekday(int32_t day);

int pb_date_is_leap(int year);
int pb_date_days_in_month(int year, int month);

/* Add months keeping the day of month, clamped to the month's last day
 * (31 Jan + 1 month = 28/29 Feb). */
int32_t pb_date_add_months(int32_t day, int months);

/* The date a person born on dob attains age `years`.  A 29 February
 * birthday is attained on 1 March in common years (Family Law Reform Act
 * 1969 s9: the anniversary's start; no 29 Feb exists, so the next day). */
int32_t pb_date_birthday(int32_t dob, int years);

/* Whole years of age on `on` (birthday counted as attained that day). */
int pb_date_age_on(int32_t dob, int32_t on);

/* Academic (school) year containing `day`: returns the calendar year in
 * which that school year started (1 Sept … 31 Aug). */
int pb_date_school_year(int32_t day);

/* End of compulsory school age: the last Friday of June of the school year
 * in which the child turns 16 (Education Act 1996 s8). */
int32_t pb_date_end_of_csa(int32_t dob);

/* 1 if (year, month, mday) is a real calendar date with year in
 * [PB_DATE_MIN_YEAR, PB_DATE_MAX_YEAR], else 0.  pb_date_from_ymd() expects
 * such a date; with anything else its result is unspecified (but defined). */
int pb_date_valid_ymd(int year, int month, int mday);

/* 31 August ending the school year that contains `day` (1 Sept … 31 Aug):
 * the "end of that academic year" of CFA s46 as this service reads it. */
int32_t pb_date_end_of_school_year(int32_t day);

/* Today's date in UTC (impure: reads the clock). */
int32_t pb_date_today(void);

#endif
