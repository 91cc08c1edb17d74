/* SPDX-License-Identifier: MIT */
/*
 * names.h — enum values ↔ their API strings, from one table per enum.
 *
 * A table is an array of names indexed by enum value, with index 0 unused
 * (NULL): zero is never a valid value, so a zero-filled struct is refused
 * rather than read as the first name.  Pure; thread-safe.
 */
#ifndef PB_CORE_NAMES_H
#define PB_CORE_NAMES_H

#include <stddef.h>

#include "internal/core/err.h"

/* The name of value v, or NULL when v is 0 or out of range. */
const char *pb_names_get(const char *const *names, size_t n, int v);

/* The value whose name equals s[0..len) exactly, or 0 when none does
 * (s may be NULL). */
int pb_names_find(const char *const *names, size_t n, const char *s, size_t len);

/* Define the pair `const char *STR(TYPE v)` and
 * `enum pb_err PARSE(const char *s, size_t len, TYPE *out)` (PB_EINVAL for
 * an unknown name, *out untouched) over the static table TABLE. */
#define PB_NAMES_DEFINE(STR, PARSE, TYPE, TABLE)                               \
	const char *STR(TYPE v)                                                \
	{                                                                      \
		return pb_names_get(TABLE, sizeof(TABLE) / sizeof(TABLE[0]),   \
		    (int)v);                                                   \
	}                                                                      \
	enum pb_err PARSE(const char *s, size_t len, TYPE *out)                \
	{                                                                      \
		int i_ = pb_names_find(TABLE, sizeof(TABLE) / sizeof(TABLE[0]), \
		    s, len);                                                   \
		if (i_ == 0)                                                   \
			return PB_EINVAL;                                      \
		*out = (TYPE)i_;                                               \
		return PB_OK;                                                  \
	}

#endif
