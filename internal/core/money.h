/* SPDX-License-Identifier: MIT */
/*
 * money.h — pence as pounds for people and for files, integer arithmetic
 * only (money is int64_t pence everywhere; never floating point).
 * Pure; thread-safe.
 */
#ifndef PB_CORE_MONEY_H
#define PB_CORE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"

/* Largest money value the API accepts for one amount (api-contract.md:
 * above 100,000,000,000 pence is a 400). */
#define PB_MAX_PENCE INT64_C(100000000000)

/* Every int64_t value (INT64_MIN included) fits, in either style. */
#define PB_MONEY_TEXT_MAX 40

enum pb_money_style {
	PB_MONEY_PLAIN = 1,     /* "1234.50", "-0.05": files (the finance CSV) */
	PB_MONEY_DISPLAY        /* "£1,234.50", "-£12.00": people (Section J) */
};

/* Write pence in `style` into out as a NUL-terminated string and return
 * its length in bytes ("£" is the UTF-8 bytes C2 A3). */
size_t pb_money_format(int64_t pence, enum pb_money_style style,
    char out[PB_MONEY_TEXT_MAX]);

/* Checked arithmetic for calculated amounts (the allocation calculators):
 * *out = a * b, a + b, or n / d rounded half-up (half a penny and more
 * goes up; n >= 0, d > 0).  PB_OK, or PB_EINVAL when the result would not
 * fit in int64_t (or, for the division, n < 0 or d <= 0); *out is then
 * untouched. */
enum pb_err pb_money_mul(int64_t a, int64_t b, int64_t *out);
enum pb_err pb_money_add(int64_t a, int64_t b, int64_t *out);
enum pb_err pb_money_div_half_up(int64_t n, int64_t d, int64_t *out);

#endif
