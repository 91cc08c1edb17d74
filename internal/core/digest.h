/* SPDX-License-Identifier: MIT */
/*
 * digest.h — SHA-256 as lower-case hex (file digests, request hashes),
 * by OpenSSL's EVP interface.  Thread-safe; aborts only on OOM.
 */
#ifndef PB_CORE_DIGEST_H
#define PB_CORE_DIGEST_H

#include <stddef.h>

struct pb_bytes {
	const void *data;
	size_t len;
};

/* The SHA-256 of the n parts concatenated, as 64 hex digits and a NUL. */
void pb_sha256_hex_parts(const struct pb_bytes *parts, size_t n, char out[65]);

/* The SHA-256 of data[0..len), as 64 hex digits and a NUL. */
void pb_sha256_hex(const void *data, size_t len, char out[65]);

#endif
