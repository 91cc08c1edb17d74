/* SPDX-License-Identifier: MIT */
/*
 * cache.c — a per-thread cache of verified tokens (see auth.h).
 *
 * Verifying a token costs a base64 decode, an HMAC (or an RSA/ECDSA
 * verify, far dearer), and two JSON parses.  Mobile apps send the same
 * token many times, so each thread keeps a small direct-mapped table keyed
 * by the SHA-256 of the token text: a hit is one hash and one memcmp.
 * Only tokens that passed every check are stored, and a hit is still
 * refused once `exp` (plus the leeway) has passed.  Nothing is shared
 * between threads, so no locks.
 */
#include "internal/auth/auth.h"

#include <string.h>

#include <openssl/sha.h>

#define CACHE_SLOTS 512

struct slot {
	unsigned char hash[SHA256_DIGEST_LENGTH];
	int used;
	struct pb_principal principal;
};

static _Thread_local struct slot cache[CACHE_SLOTS];

enum pb_err pb_auth_verify_cached(const struct pb_config *cfg, const char *token,
    size_t len, int64_t now, struct pb_principal *out, const char **why)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];

	if (len == 0 || len > PB_AUTH_MAX_TOKEN)
		return pb_auth_verify(cfg, token, len, now, out, why);
	SHA256((const unsigned char *)token, len, hash);
	unsigned idx = ((unsigned)hash[0] | (unsigned)hash[1] << 8) % CACHE_SLOTS;
	struct slot *s = &cache[idx];
	if (s->used && memcmp(s->hash, hash, sizeof(hash)) == 0) {
		if (s->principal.exp + PB_AUTH_LEEWAY_S > now) {
			*out = s->principal;
			if (why != NULL)
				*why = NULL;
			return PB_OK;
		}
		s->used = 0;
	}
	enum pb_err err = pb_auth_verify(cfg, token, len, now, out, why);
	if (err == PB_OK) {
		memcpy(s->hash, hash, sizeof(hash));
		s->principal = *out;
		s->used = 1;
	}
	return err;
}
