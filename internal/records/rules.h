/* SPDX-License-Identifier: MIT */
/*
 * rules.h — pure rules for core records: EHC plan statuses and their
 * transitions (domain.md §4), contact relationships.  No I/O.
 */
#ifndef PB_RECORDS_RULES_H
#define PB_RECORDS_RULES_H

#include <stdint.h>

#include "internal/core/problem.h"

enum pb_plan_status {
	PB_PLAN_ASSESSMENT_AGREED,
	PB_PLAN_ISSUED,
	PB_PLAN_UNDER_REVIEW,
	PB_PLAN_CEASED
};

/* NULL-terminated names, indexed by enum pb_plan_status. */
extern const char *const pb_plan_status_names[];

/* NULL-terminated: parent, carer, young_person, nominated_person,
 * representative (ELIG-3: acts for a young person lacking capacity). */
extern const char *const pb_relationship_names[];

/* -1 when unknown. */
int pb_plan_status_from_name(const char *name);

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
