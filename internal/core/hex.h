/* SPDX-License-Identifier: MIT */
/*
 * hex.h — bytes as lower-case hex digits (digests, ETags, bytea text).
 * Pure; thread-safe.
 */
#ifndef PB_CORE_HEX_H
#define PB_CORE_HEX_H

#include <stddef.h>

/* Write 2 * n hex digits of b[0..n) and a NUL into out (2 * n + 1 bytes). */
void pb_hex_encode(const unsigned char *b, size_t n, char *out);

/* The value of one hex digit of either case, or -1. */
int pb_hex_digit(char c);

/* Parse exactly 2 * n hex digits (either case) of s, then its NUL, into
 * b[0..n); 0 on success, -1 for any other character or length. */
int pb_hex_decode(const char *s, unsigned char *b, size_t n);

#endif
