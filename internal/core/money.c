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

enum pb_err pb_money_mul(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return PB_EINVAL;
	*out = r;
	return PB_OK;
}

enum pb_err pb_money_add(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return PB_EINVAL;
	*out = r;
	return PB_OK;
}

enum pb_err pb_money_div_half_up(int64_t n, int64_t d, int64_t *out)
{
	if (n < 0 || d <= 0)
		return PB_EINVAL;
	/* q + 1 when the remainder is at least half of d; 2 * r < 2 * d
	 * cannot overflow as r < d <= INT64_MAX, compared as r >= d - r */
	int64_t q = n / d, r = n % d;
	*out = q + (r >= d - r ? 1 : 0);
	return PB_OK;
}
