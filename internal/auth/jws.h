/* SPDX-License-Identifier: MIT */
/*
 * jws.h — a bearer token's JWS compact serialisation (RFC 7515), read
 * strictly and verified with OpenSSL.  Private to internal/auth.
 *
 * Why not libjwt's jwt_decode (Debian 12 ships libjwt 1.10): it refuses
 * any `typ` but "JWT", so RFC 9068 access tokens (`at+jwt`, what council
 * identity providers issue) cannot be read; it matches `alg` without case;
 * it ignores `crit`; its JSON reader (jansson) keeps the last of duplicate
 * claim names.  None of that can be switched off, and the versions with a
 * key callback (1.13+) are not packaged.  So the framing — three
 * base64url segments, two JSON texts — is read here, the JSON by the
 * API's own strict parser (internal/json), and the signature is checked by
 * OpenSSL's EVP interface (HMAC-SHA256, RSASSA-PKCS1-v1_5 SHA-256, ECDSA
 * P-256 SHA-256).  libjwt still signs development tokens (pbd token).
 */
#ifndef PB_AUTH_JWS_H
#define PB_AUTH_JWS_H

#include <stddef.h>

#include <cJSON.h>

#include "internal/config/config.h"
#include "internal/core/err.h"

/* Verify token[0..len) (NUL-free, at most PB_AUTH_MAX_TOKEN bytes: the
 * caller checks) with cfg's algorithm and key.  Accepted only when: it is
 * exactly three segments of base64url without padding; the header is a
 * strict JSON object whose `alg` is exactly the configured name ("HS256",
 * case and all), with no `crit` member at all (no extension is understood),
 * and whose `typ`, when present, is "JWT", "at+jwt" or "application/at+jwt"
 * (compared without case, as media types are); the signature verifies; the
 * claims are a strict JSON object (no duplicate names, integer numbers).
 * On PB_OK *claims is that object (caller cJSON_Delete()s).  On PB_EINVAL
 * *claims is NULL and *why names the failed check (a static string, safe to
 * log).  Thread-safe. */
enum pb_err pb_jws_verify(const struct pb_config *cfg, const char *token, size_t len,
    cJSON **claims, const char **why);

#endif
