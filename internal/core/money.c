/* SPDX-License-Identifier: MIT */
/* money.c — pence as pounds (see money.h). */
#include "internal/core/money.h"

size_t pb_money_format(int64_t pence, enum pb_money_style style,
    char out[PB_MONEY_TEXT_MAX])
{
	char rev[PB_MONEY_TEXT_MAX];
	size_t n = 0, k = 0;
	int digits = 0, display = style == PB_MONEY_DISPLAY;
	/* magnitude in unsigned arithmetic so INT64_MIN is safe */
	uint64_t mag = pence < 0 ? (uint64_t)0 - (uint64_t)pence : (uint64_t)pence;
	uint64_t pounds = mag / 100;
	unsigned frac = (unsigned)(mag % 100);

	rev[n++] = (char)('0' + frac % 10);
	rev[n++] = (char)('0' + frac / 10);
	rev[n++] = '.';
	do {
		if (display && digits > 0 && digits % 3 == 0)
			rev[n++] = ',';
		rev[n++] = (char)('0' + (int)(pounds % 10));
		pounds /= 10;
		digits++;
	} while (pounds != 0);
	if (display) {
		rev[n++] = (char)0xA3;   /* reversed UTF-8 of U+00A3 */
		rev[n++] = (char)0xC2;
	}
	if (pence < 0)
		rev[n++] = '-';
	while (n > 0)
		out[k++] = rev[--n];
	out[k] = '\0';
	return k;
}
