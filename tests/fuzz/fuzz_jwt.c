/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jwt.c — libFuzzer harness for token verification (auth/jwt.c and
 * the JWS reader auth/jws.c).
 *
 * Byte 0 picks the mode.  Odd: the rest is the token as sent; it must be
 * refused (no key signs it by chance) with a reason and a zeroed principal.
 * Even: the rest is "header\npayload", which the harness base64url-encodes
 * and signs with the configured key, so the JSON header and claims checks
 * behind the signature are reached; a token accepted then must have had an
 * exact "HS256" alg in its header and a principal with an ONS-shaped la and
 * a non-empty sub.  Any crash, leak or sanitizer report is a bug.
 */
// FUZZ_SOURCES: internal/auth/jwt.c internal/auth/jws.c internal/config/config.c internal/json/json.c internal/core/problem.c internal/core/date.c internal/core/uuid.c internal/core/hex.c internal/core/err.c
// FUZZ_LIBS: -ljwt -lcjson -lcrypto -lm
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "internal/auth/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

static unsigned char key[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";

/* base64url without padding of in[0..n) appended at out; returns the length. */
static size_t b64u(const unsigned char *in, size_t n, char *out)
{
	int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	size_t m = 0;

	for (int i = 0; i < len; i++) {
		char c = out[i];
		if (c == '=')
			break;
		out[m++] = c == '+' ? '-' : c == '/' ? '_' : c;
	}
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pb_config cfg;
	static char tok[3 * PB_AUTH_MAX_TOKEN];
	struct pb_principal p;
	const char *why = NULL;

	if (size < 1 || size > PB_AUTH_MAX_TOKEN)
		return 0;
	cfg.jwt_alg = PB_JWT_HS256;
	cfg.jwt_key = key;
	cfg.jwt_key_len = sizeof(key) - 1;
	memcpy(cfg.jwt_issuer, "pb-dev", 7);
	memcpy(cfg.jwt_audience, "personal-budgets", 17);
	const uint8_t *in = data + 1;
	size_t n = size - 1;

	if (data[0] & 1) {
		REQUIRE(pb_auth_verify(&cfg, (const char *)in, n, 1800000000, &p, &why) != PB_OK);
		REQUIRE(why != NULL && p.sub[0] == '\0' && p.roles == 0);
		return 0;
	}
	const uint8_t *nl = memchr(in, '\n', n);
	size_t hlen = nl ? (size_t)(nl - in) : n;
	const uint8_t *payload = nl ? nl + 1 : in + n;
	size_t plen = nl ? n - hlen - 1 : 0;
	size_t len = b64u(in, hlen, tok);
	tok[len++] = '.';
	len += b64u(payload, plen, tok + len);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	REQUIRE(HMAC(EVP_sha256(), key, (int)sizeof(key) - 1, (const unsigned char *)tok, len,
	    mac, &maclen) != NULL);
	tok[len++] = '.';
	len += b64u(mac, maclen, tok + len);
	if (pb_auth_verify(&cfg, tok, len, 1800000000, &p, &why) == PB_OK) {
		REQUIRE(why == NULL && memmem(in, hlen, "\"HS256\"", 7) != NULL);
		REQUIRE(pb_auth_valid_la(p.la) && p.sub[0] != '\0');
	} else {
		REQUIRE(why != NULL && p.sub[0] == '\0' && p.roles == 0);
	}
	return 0;
}
