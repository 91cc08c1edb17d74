/* SPDX-License-Identifier: MIT */
/*
 * element.h — the vocabulary of a personal budget's elements, shared by
 * eligibility (what is requested), budgets (what is agreed) and payments
 * (what is paid from): the stream an element belongs to and how its money
 * is held (domain.md BUD-2).  One table per enum (names.h): index 0 is
 * unused, so a zeroed struct is never read as "education".  Pure.
 */
#ifndef PB_CORE_ELEMENT_H
#define PB_CORE_ELEMENT_H

#include <stddef.h>

#include "internal/core/err.h"

enum pb_stream {
	PB_STREAM_EDUCATION = 1,
	PB_STREAM_SOCIAL_CARE,
	PB_STREAM_HEALTH
};

/* mixed is a budget-level value only: an element is never mixed. */
enum pb_arrangement {
	PB_ARR_DIRECT_PAYMENT = 1,
	PB_ARR_THIRD_PARTY,
	PB_ARR_NOTIONAL,
	PB_ARR_MIXED
};

/* The tables, for parsers that take one (pb_json_get_name): an element's
 * arrangement is any of the first PB_ELEMENT_ARRANGEMENTS entries. */
extern const char *const pb_stream_names[];
#define PB_STREAM_NAMES 4
extern const char *const pb_arrangement_names[];
#define PB_ARRANGEMENT_NAMES 5
#define PB_ELEMENT_ARRANGEMENTS 4       /* up to notional: no "mixed" */

/* "education", "social_care", "health" / "direct_payment", ..., "mixed";
 * NULL outside the enum.  *_parse matches s[0..len) exactly (PB_EINVAL,
 * *out untouched, otherwise). */
const char *pb_stream_str(enum pb_stream v);
enum pb_err pb_stream_parse(const char *s, size_t len, enum pb_stream *out);
const char *pb_arrangement_str(enum pb_arrangement v);
enum pb_err pb_arrangement_parse(const char *s, size_t len, enum pb_arrangement *out);

#endif
