/* SPDX-License-Identifier: MIT */
/*
 * fuzz_date.c — libFuzzer harness for pb_date_parse.
 *
 * Anything accepted must be exactly 10 bytes, a year in range, and format
 * back to the very same text (so the accepted form is canonical).
 */
// FUZZ_SOURCES: internal/core/date.c internal/core/err.c
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int32_t day = 0;
	char back[11];
	int y, m, d;

	if (pb_date_parse((const char *)data, size, &day) != PB_OK)
		return 0;
	REQUIRE(size == 10);
	pb_date_format(day, back);
	REQUIRE(memcmp(back, data, 10) == 0 && back[10] == '\0');
	pb_date_to_ymd(day, &y, &m, &d);
	REQUIRE(y >= PB_DATE_MIN_YEAR && y <= PB_DATE_MAX_YEAR);
	REQUIRE(m >= 1 && m <= 12 && d >= 1 &&
	    d <= pb_date_days_in_month(y, m));
	REQUIRE(pb_date_from_ymd(y, m, d) == day);
	return 0;
}
