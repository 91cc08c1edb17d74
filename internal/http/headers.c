/* SPDX-License-Identifier: MIT */
/* headers.c — If-Match and Idempotency-Key parsing (see headers.h). */
#include "internal/http/headers.h"

#include <string.h>

int pb_http_valid_idempotency_key(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > PB_HTTP_IDEMPOTENCY_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

int pb_http_parse_if_match(const char *h, int *version)
{
	*version = -1;
	if (h == NULL || strcmp(h, "*") == 0)
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	/* bounded scan: a well-formed value is at most 11 bytes */
	size_t n = strnlen(h, PB_HTTP_ETAG_MAX_DIGITS + 3);
	if (n < 3 || n > PB_HTTP_ETAG_MAX_DIGITS + 2 || h[0] != '"' || h[n - 1] != '"')
		return -1;
	int v = 0;
	for (size_t i = 1; i < n - 1; i++) {
		if (h[i] < '0' || h[i] > '9')
			return -1;
		v = v * 10 + (h[i] - '0');
	}
	*version = v;
	return 0;
}
