/* SPDX-License-Identifier: MIT */
/*
 * budgets/allocation_json.h — an allocation scheme and an indicative
 * budget's inputs as JSON (docs/budgets.md "Indicative budgets"; openapi
 * AllocationSchemeIn, IndicativeBudgetIn), read into the calculators'
 * structs (allocation.h), and a calculation's lines written out.  One
 * reader for both ways a scheme arrives: the admin's request body (api/)
 * and the stored version (the service, to work a budget out under it).
 *
 * The readers record every field error in p (names as in the body, e.g.
 * "points.needs[1].points[0]") and return PB_EINVAL; strings in the
 * structs point into the cJSON tree (valid until cJSON_Delete).
 * Thread-safe (no state).
 */
#ifndef PB_BUDGETS_ALLOCATION_JSON_H
#define PB_BUDGETS_ALLOCATION_JSON_H

#include <cJSON.h>

#include "internal/budgets/allocation.h"

#define PB_ALLOC_NAME_MAX 200

/* A scheme version: {name, points?, transport?, short_breaks?}, every
 * member's range checked, then pb_alloc_scheme_check.  *name borrowed. */
enum pb_err pb_alloc_scheme_read(const cJSON *obj, struct pb_alloc_scheme *s,
    const char **name, struct pb_problem *p);

/* The inputs of POST /v1/indicative-budgets: needs[] ({need, level}),
 * transport ({route_tenth_miles, days_attended?}), short_breaks
 * ({weekday_hours, weekend_hours, weeks}); the other members of body
 * (child_id, scheme_version) are the caller's. */
enum pb_err pb_alloc_in_read(const cJSON *body, struct pb_alloc_in *in, struct pb_problem *p);

/* The element's lines as a JSON array [{rule, text, amount_pence|null}],
 * malloc'd (caller frees).  Aborts on OOM. */
char *pb_alloc_lines_json(const struct pb_alloc_element *e);

#endif
