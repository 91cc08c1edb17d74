/* SPDX-License-Identifier: MIT */
/*
 * headers.h — pure parsers of the request headers that carry client
 * state: If-Match (optimistic concurrency), Idempotency-Key (payment
 * creation) and Accept (content negotiation).  No libevent, no allocation, no I/O: each is a function of
 * its input bytes only, so it is unit-tested and fuzzed on its own
 * (tests/unit/test_headers.c, tests/fuzz/fuzz_headers.c).
 *
 * Reentrant and thread-safe.
 */
#ifndef PB_HTTP_HEADERS_H
#define PB_HTTP_HEADERS_H

#include <stddef.h>

/* Longest Idempotency-Key accepted (api-contract.md: 1–255 characters). */
#define PB_HTTP_IDEMPOTENCY_KEY_MAX 255

/* Largest version an ETag can name: at most 9 digits, so an int never
 * wraps. */
#define PB_HTTP_ETAG_MAX_DIGITS 9

/*
 * pb_http_valid_idempotency_key — 1 when s[0..n) is a usable
 * Idempotency-Key: 1 to 255 bytes, each visible ASCII (0x21–0x7E: no
 * space, no control character, no NUL, no byte ≥ 0x80); else 0.  s may
 * be NULL only with n == 0 (then 0).  The key is stored and compared
 * byte for byte, so there is no normalisation.
 */
int pb_http_valid_idempotency_key(const char *s, size_t n);

/*
 * pb_http_parse_if_match — parse an If-Match header value.
 *   NULL (absent) or "*"           → 0, *version = -1 (no precondition)
 *   "\"N\"" or "W/\"N\"", N of 1–9 ASCII digits → 0, *version = N
 *   anything else                  → -1, *version = -1 (the caller
 *                                    answers 412 PRECONDITION_FAILED)
 * h is a NUL-terminated header value as the server received it.
 */
int pb_http_parse_if_match(const char *h, int *version);

/*
 * pb_http_accept_pick — which of the n media types in offered[] (lower
 * case "type/subtype", the preferred first) answers an Accept header
 * value (RFC 9110 §12.5.1).  Each offered type takes the q of the most
 * specific range that matches it (type/subtype, then type/ *, then * / *;
 * case-insensitive; parameters other than q are ignored); the one with
 * the highest q > 0 wins; a tie goes to the type matched more
 * specifically, then to the range listed first in the header, then to the
 * earlier offered type.  A member that is not a
 * media range, or whose q is not a qvalue (0–1, at most three decimals),
 * is skipped.  Returns the index, 0 when h is NULL or blank (no
 * preference), or -1 when nothing offered is acceptable (406).
 */
int pb_http_accept_pick(const char *h, const char *const offered[], size_t n);

/*
 * pb_http_parse_traceparent — a W3C Trace Context `traceparent` value
 * (version 00): "00-" 32 lower-case hex (the trace id, not all zero) "-"
 * 16 lower-case hex (the caller's span, not all zero) "-" 2 hex (flags).
 * 0 with trace_id and parent_id written (NUL-terminated), or -1 (nothing
 * written) for NULL or any other value: an unknown or malformed header
 * is ignored, as the specification asks, never an error.
 */
int pb_http_parse_traceparent(const char *h, char trace_id[33], char parent_id[17]);

#endif
