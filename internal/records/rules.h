/* SPDX-License-Identifier: MIT */
/*
 * rules.h — pure rules for core records: EHC plan statuses and their
 * transitions (domain.md §4), contact relationships.  One names table per
 * enum (core/names.h): value 0 is unused, so a zeroed struct is never read
 * as a status.  No I/O.
 */
#ifndef PB_RECORDS_RULES_H
#define PB_RECORDS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/problem.h"

enum pb_plan_status {
	PB_PLAN_ASSESSMENT_AGREED = 1,
	PB_PLAN_ISSUED,
	PB_PLAN_UNDER_REVIEW,
	PB_PLAN_CEASED
};

/* The contact's relationship to the child.  A representative acts for a
 * young person lacking capacity (ELIG-3). */
enum pb_relationship {
	PB_REL_PARENT = 1,
	PB_REL_CARER,
	PB_REL_YOUNG_PERSON,
	PB_REL_NOMINATED_PERSON,
	PB_REL_REPRESENTATIVE
};

/* Names tables (index 0 unused) for pb_json_get_name. */
#define PB_PLAN_STATUS_NAMES 5
extern const char *const pb_plan_status_names[PB_PLAN_STATUS_NAMES];
#define PB_RELATIONSHIP_NAMES 6
extern const char *const pb_relationship_names[PB_RELATIONSHIP_NAMES];

/* API spellings; NULL outside the enum.  *_parse matches s[0..len)
 * exactly (PB_EINVAL, *out untouched, otherwise). */
const char *pb_plan_status_str(enum pb_plan_status v);
enum pb_err pb_plan_status_parse(const char *s, size_t len, enum pb_plan_status *out);
const char *pb_relationship_str(enum pb_relationship v);
enum pb_err pb_relationship_parse(const char *s, size_t len, enum pb_relationship *out);

/* Statuses a new plan may start in: assessment_agreed or issued. */
int pb_plan_initial_status_ok(enum pb_plan_status s);

/* PB_OK when `from` may move to `to`:
 *   assessment_agreed → issued | ceased
 *   issued ⇄ under_review; issued | under_review → ceased
 *   ceased is terminal; staying in the same status is not a transition.
 * Otherwise PB_ETRANSITION with a detail in p. */
enum pb_err pb_plan_transition(enum pb_plan_status from, enum pb_plan_status to,
    struct pb_problem *p);

#endif
