/* SPDX-License-Identifier: MIT */
/*
 * uuid.c — v4 UUIDs from getrandom(2) and strict canonical-form parsing
 * (see uuid.h).  Each thread draws kernel randomness 512 bytes at a time
 * into its own buffer (one getrandom(2) per 32 UUIDs instead of one per
 * UUID: request ids are made on every request).  No locks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include "internal/core/uuid.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "internal/core/hex.h"

/* Fill buf from the kernel CSPRNG.  Failure (ENOSYS on a pre-3.17 kernel)
 * would mean ids collide, so it is fatal rather than silently weak. */
static void random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			abort();
		}
		got += (size_t)r;
	}
}

#define POOL_BYTES 512

void pb_uuid_new(char out[37])
{
	static _Thread_local unsigned char pool[POOL_BYTES];
	static _Thread_local size_t used = POOL_BYTES;
	unsigned char b[16];
	size_t o = 0;

	if (used + sizeof(b) > POOL_BYTES) {
		random_bytes(pool, POOL_BYTES);
		used = 0;
	}
	memcpy(b, pool + used, sizeof(b));
	memset(pool + used, 0, sizeof(b));   /* never hand out the same bytes twice */
	used += sizeof(b);
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);  /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);  /* RFC 4122 variant */
	/* 8-4-4-4-12 hex digits: byte groups of 4, 2, 2, 2, 6 */
	static const size_t group[] = { 4, 2, 2, 2, 6 };
	for (size_t g = 0, k = 0; g < 5; k += group[g++]) {
		if (g > 0)
			out[o++] = '-';
		pb_hex_encode(b + k, group[g], out + o);
		o += 2 * group[g];
	}
}

enum pb_err pb_uuid_parse(const char *s, size_t len, char out[37])
{
	out[0] = '\0';
	if (s == NULL || len != 36)
		return PB_EINVAL;
	for (size_t k = 0; k < 36; k++) {
		char c = s[k];
		if (k == 8 || k == 13 || k == 18 || k == 23) {
			if (c != '-')
				return PB_EINVAL;
			continue;
		}
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F')))
			return PB_EINVAL;
	}
	for (size_t k = 0; k < 36; k++) {
		char c = s[k];
		out[k] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	out[36] = '\0';
	return PB_OK;
}
