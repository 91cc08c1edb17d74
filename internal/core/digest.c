/* SPDX-License-Identifier: MIT */
/*
 * digest.c — see digest.h.
 */
#include "internal/core/digest.h"

#include <stdlib.h>

#include <openssl/evp.h>

#include "internal/core/hex.h"

void pb_sha256_hex_parts(const struct pb_bytes *parts, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort();
	for (size_t i = 0; i < n; i++)
		if (parts[i].len > 0 && EVP_DigestUpdate(ctx, parts[i].data, parts[i].len) != 1)
			abort();
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		abort();   /* SHA-256 in memory cannot fail but for OOM */
	EVP_MD_CTX_free(ctx);
	pb_hex_encode(md, 32, out);
}

void pb_sha256_hex(const void *data, size_t len, char out[65])
{
	const struct pb_bytes one = { data, len };

	pb_sha256_hex_parts(&one, 1, out);
}
