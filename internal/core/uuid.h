/* SPDX-License-Identifier: MIT */
/*
 * uuid.h — random (v4) UUIDs and strict parsing of the canonical form.
 * Thread-safe (getrandom(2)).
 */
#ifndef PB_CORE_UUID_H
#define PB_CORE_UUID_H

#include <stddef.h>

#include "internal/core/err.h"

/* Write a new random v4 UUID, lower-case, NUL-terminated, into out. */
void pb_uuid_new(char out[37]);

/* Accept exactly 36 chars "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex of
 * either case) in s[0..len); write the lower-case form to out. */
enum pb_err pb_uuid_parse(const char *s, size_t len, char out[37]);

#endif
