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

#include "internal/core/date.h"
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

/*
 * ELIG-11 (CFA s46, SENDR reg 46): the last day an EHC plan — and so any
 * personal budget — can run for a child born `dob`: the day before the
 * 25th birthday, or, when the council continues the plan, the end of the
 * academic year of the 25th birthday, never past the day before the 26th.
 */
int32_t pb_plan_last_day(int32_t dob, int continued_past_25);

/* PB_ERULE "ELIG-11" when `day` (a plan's issue, a budget's last day) is
 * after pb_plan_last_day(dob, continued); `what` names it in the detail. */
enum pb_err pb_plan_check_age_limit(int32_t dob, int continued_past_25, int32_t day,
    const char *what, struct pb_problem *p);

/*
 * PLAN-2: a plan is reviewed within 12 months of its issue, then of its
 * last review.  next_review_due must be on or before base + 12 months
 * (pb_date_add_months), base being last_review_on when there is one
 * (PB_DATE_NONE otherwise), else issued_on (PB_DATE_NONE: nothing to
 * check).  PB_ERULE "PLAN-2".
 */
enum pb_err pb_plan_check_review_due(int32_t issued_on, int32_t last_review_on,
    int32_t next_review_due, struct pb_problem *p);

/* The appeal window a notice to cease opens (SEND Tribunal: 2 months). */
#define PB_PLAN_APPEAL_MONTHS 2

/*
 * PLAN-5: a plan is maintained while an appeal against ceasing it can be
 * made.  Ceasing an issued or under-review plan needs the date the notice
 * to cease was given (has_notice = 0: PB_EINVAL on field
 * "cease_notice_on"), not after ceased_on, and ceased_on on or after the
 * end of the appeal window (notice + PB_PLAN_APPEAL_MONTHS months), else
 * PB_ERULE "PLAN-5".  A plan never issued (assessment_agreed) needs no
 * notice.  On PB_OK *window_ends is the window's last day, or
 * PB_DATE_NONE when there is none.
 */
enum pb_err pb_plan_check_cessation(enum pb_plan_status from, int has_notice,
    int32_t notice_on, int32_t ceased_on, int32_t *window_ends, struct pb_problem *p);

#endif
