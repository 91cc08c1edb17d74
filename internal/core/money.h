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

#endif
