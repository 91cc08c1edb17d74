/* SPDX-License-Identifier: MIT */
/*
 * fuzz_headers.c — libFuzzer harness for the request-header parsers of
 * internal/http/headers.h.  Byte 0 picks the parser (even: If-Match, odd:
 * Idempotency-Key); the rest is the header value.
 *
 * If-Match: an accepted value is "*", or "N" / W/"N" with 1–9 digits, and
 * the version printed back as an ETag parses to the same version.
 * Idempotency-Key: the validator agrees with an independent reference
 * (1–255 bytes of 0x21–0x7E).
 */
// FUZZ_SOURCES: internal/http/headers.c
// FUZZ_LIBS:
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/http/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static int ref_key(const uint8_t *s, size_t n)
{
	if (n < 1 || n > 255)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const uint8_t *v = data + 1;
	size_t n = size - 1;

	if (data[0] & 1) {
		/* exact length, not NUL-terminated: ASan catches any over-read */
		char *k = malloc(n ? n : 1);
		REQUIRE(k != NULL);
		memcpy(k, v, n);
		REQUIRE(pb_http_valid_idempotency_key(n ? k : NULL, n) == ref_key(v, n));
		free(k);
		return 0;
	}
	/* header values are C strings (the parser refuses a NUL in one) */
	char *h = malloc(n + 1);
	REQUIRE(h != NULL);
	memcpy(h, v, n);
	h[n] = '\0';
	int version = 12345;
	int rc = pb_http_parse_if_match(h, &version);
	REQUIRE(rc == 0 || rc == -1);
	if (rc != 0) {
		REQUIRE(version == -1);
	} else if (version == -1) {
		REQUIRE(strcmp(h, "*") == 0);
	} else {
		char etag[32];
		int again = -7;
		REQUIRE(version >= 0 && version <= 999999999);
		const char *q = strncmp(h, "W/", 2) == 0 ? h + 2 : h;
		size_t qn = strlen(q);
		REQUIRE(qn >= 3 && qn <= 11 && q[0] == '"' && q[qn - 1] == '"');
		snprintf(etag, sizeof(etag), "\"%d\"", version);
		REQUIRE(pb_http_parse_if_match(etag, &again) == 0 && again == version);
	}
	/* traceparent: accepted only whole, and then the ids are its own bytes */
	char trace[33], parent[17];
	if (pb_http_parse_traceparent(h, trace, parent) == 0) {
		REQUIRE(strlen(h) == 55 && strlen(trace) == 32 && strlen(parent) == 16);
		REQUIRE(memcmp(h + 3, trace, 32) == 0 && memcmp(h + 36, parent, 16) == 0);
	}
	free(h);
	return 0;
}
