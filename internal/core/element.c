/* SPDX-License-Identifier: MIT */
/* element.c — stream and arrangement names (see element.h). */
#include "internal/core/element.h"

#include "internal/core/names.h"

const char *const pb_stream_names[PB_STREAM_NAMES] = {
	NULL, "education", "social_care", "health"
};

const char *const pb_arrangement_names[PB_ARRANGEMENT_NAMES] = {
	NULL, "direct_payment", "third_party", "notional", "mixed"
};

PB_NAMES_DEFINE(pb_stream_str, pb_stream_parse, enum pb_stream, pb_stream_names)
PB_NAMES_DEFINE(pb_arrangement_str, pb_arrangement_parse, enum pb_arrangement,
    pb_arrangement_names)
