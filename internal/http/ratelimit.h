/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h — per-caller token buckets (OWASP API4: unrestricted resource
 * consumption).
 *
 * Each key (la + "/" + sub) has a bucket of `burst` tokens refilled at
 * `rate` per second; a request takes one.  The table has a fixed number of
 * slots (no allocation after creation); when a key's probe window is full,
 * the least recently seen bucket there is reused, which can only ever
 * forgive a caller, never punish one wrongly.  Thread-safe (striped locks).
 */
#ifndef PB_HTTP_RATELIMIT_H
#define PB_HTTP_RATELIMIT_H

#include <stddef.h>

struct pb_ratelimit;

/* rate <= 0 disables limiting (pb_ratelimit_take always allows).  Never
 * NULL (aborts on OOM). */
struct pb_ratelimit *pb_ratelimit_new(double rate_per_s, double burst, size_t slots);
void pb_ratelimit_free(struct pb_ratelimit *rl);

/* Take a token for key at time now (seconds, monotonic).  Returns 1 when
 * allowed; 0 when refused, with *retry_after_s the whole seconds until a
 * token will be there (at least 1). */
int pb_ratelimit_take(struct pb_ratelimit *rl, const char *key, double now,
    int *retry_after_s);

#endif
