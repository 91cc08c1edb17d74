/* SPDX-License-Identifier: MIT */
/*
 * fuzz_jwt.c — libFuzzer harness for token verification.  Any input must be
 * refused (no key can sign it by chance) without a crash or leak; the
 * principal must come back zeroed.
 */
// FUZZ_SOURCES: internal/auth/jwt.c internal/core/uuid.c internal/core/hex.c internal/core/err.c
// FUZZ_LIBS: -ljwt -lcjson -lm
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal/auth/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pb_config cfg;
	static unsigned char key[] = "fuzz-secret-fuzz-secret-fuzz-secret-0123";
	struct pb_principal p;
	const char *why = NULL;

	cfg.jwt_alg = PB_JWT_HS256;
	cfg.jwt_key = key;
	cfg.jwt_key_len = sizeof(key) - 1;
	memcpy(cfg.jwt_issuer, "pb-dev", 7);
	memcpy(cfg.jwt_audience, "personal-budgets", 17);
	if (pb_auth_verify(&cfg, (const char *)data, size, 1800000000, &p, &why) == PB_OK)
		abort();   /* a forged token was accepted */
	if (why == NULL || p.sub[0] != '\0' || p.roles != 0)
		abort();
	return 0;
}
