/* SPDX-License-Identifier: MIT */
/* hex.c — hex digits (see hex.h). */
#include "internal/core/hex.h"

void pb_hex_encode(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int pb_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int pb_hex_decode(const char *s, unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = pb_hex_digit(s[2 * i]), lo = hi < 0 ? -1 : pb_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (unsigned char)(hi * 16 + lo);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}
