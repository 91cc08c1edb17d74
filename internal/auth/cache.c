/* SPDX-License-Identifier: MIT */
/*
 * cache.c — a process-wide cache of verified tokens (see auth.h).
 *
 * Verifying a token costs a base64 decode, an HMAC (or an RSA/ECDSA
 * verify, far dearer), and two JSON parses.  Mobile apps send the same
 * token many times, so verified tokens are kept in a table keyed by the
 * SHA-256 of the token text: a hit is one hash and a few memcmps.  The
 * table is 8-way set-associative, CACHE_SETS × CACHE_WAYS = 16,384
 * entries (about 3.8 MB once full), so thousands of families' tokens in
 * rotation stay cached; a full set gives up its oldest entry.  It is
 * shared by the loop threads (a token is verified once, whichever loop
 * sees it first) under LOCK_STRIPES mutexes, each guarding every
 * LOCK_STRIPES-th set, held only to compare and copy.
 *
 * Only tokens that passed every check are stored, and a hit is still
 * refused once `exp` (plus the leeway) has passed.
 */
#include "internal/auth/auth.h"

#include <pthread.h>
#include <string.h>

#include <openssl/sha.h>

#define CACHE_SETS 2048
#define CACHE_WAYS 8
#define LOCK_STRIPES 64

struct slot {
	unsigned char hash[SHA256_DIGEST_LENGTH];
	int used;
	unsigned stamp;          /* insertion order within the set's stripe */
	struct pb_principal principal;
};

static struct slot cache[CACHE_SETS][CACHE_WAYS];
static pthread_mutex_t locks[LOCK_STRIPES];
static unsigned inserted[LOCK_STRIPES];
static pthread_once_t locks_once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
	for (int i = 0; i < LOCK_STRIPES; i++)
		pthread_mutex_init(&locks[i], NULL);
}

static int live(const struct slot *s, int64_t now)
{
	return s->used && s->principal.exp + PB_AUTH_LEEWAY_S > now;
}

/* The way to fill in `set`: a free or expired one, else the oldest. */
static struct slot *victim(struct slot *set, unsigned clock, int64_t now)
{
	struct slot *old = &set[0];

	for (int i = 0; i < CACHE_WAYS; i++) {
		if (!live(&set[i], now))
			return &set[i];
		if (clock - set[i].stamp > clock - old->stamp)
			old = &set[i];
	}
	return old;
}

/* Copy a live cached principal for hash into *out: 1 when found. */
static int lookup(struct slot *set, const unsigned char *hash, int64_t now,
    struct pb_principal *out)
{
	for (int i = 0; i < CACHE_WAYS; i++) {
		struct slot *s = &set[i];
		if (!s->used || memcmp(s->hash, hash, SHA256_DIGEST_LENGTH) != 0)
			continue;
		if (live(s, now)) {
			*out = s->principal;
			return 1;
		}
		s->used = 0;
	}
	return 0;
}

enum pb_err pb_auth_verify_cached(const struct pb_config *cfg, const char *token,
    size_t len, int64_t now, struct pb_principal *out, const char **why)
{
	unsigned char hash[SHA256_DIGEST_LENGTH];

	if (len == 0 || len > PB_AUTH_MAX_TOKEN)
		return pb_auth_verify(cfg, token, len, now, out, why);
	pthread_once(&locks_once, init_locks);
	SHA256((const unsigned char *)token, len, hash);
	unsigned idx = ((unsigned)hash[0] | (unsigned)hash[1] << 8) % CACHE_SETS;
	struct slot *set = cache[idx];
	pthread_mutex_t *mu = &locks[idx % LOCK_STRIPES];

	pthread_mutex_lock(mu);
	int hit = lookup(set, hash, now, out);
	pthread_mutex_unlock(mu);
	if (hit) {
		if (why != NULL)
			*why = NULL;
		return PB_OK;
	}
	enum pb_err err = pb_auth_verify(cfg, token, len, now, out, why);
	if (err == PB_OK) {
		pthread_mutex_lock(mu);
		unsigned *clock = &inserted[idx % LOCK_STRIPES];
		struct slot *s = victim(set, *clock, now);
		memcpy(s->hash, hash, sizeof(hash));
		s->principal = *out;
		s->stamp = (*clock)++;
		s->used = 1;
		pthread_mutex_unlock(mu);
	}
	return err;
}
