/* SPDX-License-Identifier: MIT */
/*
 * auth.h — JWT bearer tokens → principal; roles.
 *
 * pb_auth_verify() accepts a token only if: it is at most PB_AUTH_MAX_TOKEN
 * bytes; its JOSE header names exactly the configured algorithm (this
 * blocks "none" and HS256 signed with a public key), no `crit`, and a
 * `typ` of JWT or at+jwt when any (jws.h); its signature verifies with the
 * configured key; its claims hold no duplicate names; `exp` is an integer in the future (60 s
 * leeway); `nbf`, when present, is an integer not in the future (60 s);
 * `iss` equals the configured issuer; `aud` equals (or, as an array,
 * contains) the configured audience; `sub` is a non-empty string of at most
 * 127 bytes; `la` looks like an ONS local-authority code (E09000007);
 * `roles`, when present, is an array of strings; a `family` token carries a
 * `person_id` UUID.  Thread-safe.
 */
#ifndef PB_AUTH_AUTH_H
#define PB_AUTH_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "internal/config/config.h"
#include "internal/core/err.h"

#define PB_AUTH_MAX_TOKEN 4096
#define PB_AUTH_LEEWAY_S 60

enum pb_role {
	PB_ROLE_CASEWORKER = 1u << 0,
	PB_ROLE_PANEL      = 1u << 1,
	PB_ROLE_APPROVER   = 1u << 2,
	PB_ROLE_FINANCE    = 1u << 3,
	PB_ROLE_ADMIN      = 1u << 4,
	PB_ROLE_AUDITOR    = 1u << 5,
	PB_ROLE_FAMILY     = 1u << 6,
	PB_ROLE_SERVICE    = 1u << 7
};

/* Staff roles that may read a council's records. */
#define PB_ROLES_STAFF_READ (PB_ROLE_CASEWORKER | PB_ROLE_PANEL | \
	PB_ROLE_APPROVER | PB_ROLE_FINANCE | PB_ROLE_AUDITOR | PB_ROLE_ADMIN | \
	PB_ROLE_SERVICE)

struct pb_principal {
	char sub[128];
	char la[16];
	unsigned roles;        /* enum pb_role bits */
	char person_id[37];    /* "" unless given */
	int64_t exp;
};

/* Verify `token` (len bytes, need not be NUL-terminated) at time `now`
 * (seconds since the epoch).  PB_OK fills *out; otherwise returns
 * PB_EINVAL and *why names the failed check (static string, safe to log:
 * never contains the token). */
enum pb_err pb_auth_verify(const struct pb_config *cfg, const char *token,
    size_t len, int64_t now, struct pb_principal *out, const char **why);

/* Whether cfg's key can verify cfg's algorithm: a secret of 32 bytes or
 * more for HS256, a PEM public key of RSA (2048 bits or more) for RS256,
 * of EC P-256 for ES256.  PB_OK, or PB_EINVAL with *why (static string).
 * pbd serve refuses to start without it. */
enum pb_err pb_auth_check_key(const struct pb_config *cfg, const char **why);

/* pb_auth_verify through a process-wide cache of verified tokens (16,384
 * entries, thread-safe) keyed by the token's SHA-256: a token seen before
 * and not yet expired is accepted without verifying again.  The cache
 * assumes one configuration per process.  Same contract otherwise. */
enum pb_err pb_auth_verify_cached(const struct pb_config *cfg, const char *token,
    size_t len, int64_t now, struct pb_principal *out, const char **why);

/* Role name → bit (0 for an unknown name); bit → name (NULL if unknown). */
unsigned pb_role_from_name(const char *name);
const char *pb_role_name(unsigned role);

/* True when the principal holds any of the roles in `mask`. */
int pb_principal_has(const struct pb_principal *p, unsigned mask);

/* True when the principal's only data access is as a family (holds
 * family and no staff-read role). */
int pb_principal_is_family_only(const struct pb_principal *p);

struct pb_token_request {
	unsigned roles;
	const char *sub;
	const char *person_id;   /* NULL for none */
	const char *la;
	int64_t now;
	int64_t ttl_s;
};

/* Sign a development token with the HS256 secret in cfg.  On PB_OK *out is
 * a malloc'd NUL-terminated string the caller free()s. */
enum pb_err pb_auth_mint(const struct pb_config *cfg,
    const struct pb_token_request *rq, char **out);

/* "E09000007"-style code: one capital letter and eight digits. */
int pb_auth_valid_la(const char *la);

#endif
