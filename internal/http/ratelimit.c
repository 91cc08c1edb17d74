/* SPDX-License-Identifier: MIT */
/* ratelimit.c — fixed-size table of token buckets (see ratelimit.h). */
#include "internal/http/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 160
#define PROBES 8
#define STRIPES 64

struct bucket {
	char key[KEY_MAX];
	double tokens;
	double last;      /* last refill time; 0 = empty slot */
};

struct pb_ratelimit {
	double rate, burst;
	size_t nslots;
	struct bucket *slots;
	pthread_mutex_t locks[STRIPES];
};

struct pb_ratelimit *pb_ratelimit_new(double rate_per_s, double burst, size_t slots)
{
	struct pb_ratelimit *rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		abort();
	rl->rate = rate_per_s;
	rl->burst = burst < 1 ? 1 : burst;
	rl->nslots = slots < STRIPES * PROBES ? STRIPES * PROBES : slots;
	rl->slots = calloc(rl->nslots, sizeof(*rl->slots));
	if (rl->slots == NULL)
		abort();
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&rl->locks[i], NULL);
	return rl;
}

void pb_ratelimit_free(struct pb_ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&rl->locks[i]);
	free(rl->slots);
	free(rl);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

int pb_ratelimit_take(struct pb_ratelimit *rl, const char *key, double now,
    int *retry_after_s)
{
	if (rl->rate <= 0)
		return 1;
	/* Probe windows never straddle stripes: a window is PROBES slots
	 * starting at a multiple of PROBES, and a stripe owns whole windows. */
	size_t windows = rl->nslots / PROBES;
	size_t w = (size_t)(fnv1a(key) % windows);
	pthread_mutex_t *lock = &rl->locks[w % STRIPES];
	struct bucket *win = &rl->slots[w * PROBES];
	struct bucket *b = NULL, *oldest = &win[0];

	pthread_mutex_lock(lock);
	for (int i = 0; i < PROBES; i++) {
		if (win[i].last != 0 && strncmp(win[i].key, key, KEY_MAX - 1) == 0) {
			b = &win[i];
			break;
		}
		if (win[i].last < oldest->last)
			oldest = &win[i];
	}
	if (b == NULL) {
		b = oldest;
		strncpy(b->key, key, KEY_MAX - 1);
		b->key[KEY_MAX - 1] = '\0';
		b->tokens = rl->burst;
		b->last = now;
	}
	b->tokens = fmin(rl->burst, b->tokens + (now - b->last) * rl->rate);
	b->last = now > 0 ? now : 1e-9;
	int ok = b->tokens >= 1.0;
	if (ok) {
		b->tokens -= 1.0;
	} else if (retry_after_s != NULL) {
		int s = (int)ceil((1.0 - b->tokens) / rl->rate);
		*retry_after_s = s < 1 ? 1 : s;
	}
	pthread_mutex_unlock(lock);
	return ok;
}
