/* SPDX-License-Identifier: MIT */
/* rules.c — EHC plan lifecycle (domain.md §4). Pure. */
#include "internal/records/rules.h"

#include "internal/core/names.h"

const char *const pb_plan_status_names[PB_PLAN_STATUS_NAMES] = { NULL,
    "assessment_agreed", "issued", "under_review", "ceased" };

const char *const pb_relationship_names[PB_RELATIONSHIP_NAMES] = { NULL, "parent",
    "carer", "young_person", "nominated_person", "representative" };

PB_NAMES_DEFINE(pb_plan_status_str, pb_plan_status_parse, enum pb_plan_status,
    pb_plan_status_names)
PB_NAMES_DEFINE(pb_relationship_str, pb_relationship_parse, enum pb_relationship,
    pb_relationship_names)

int pb_plan_initial_status_ok(enum pb_plan_status s)
{
	return s == PB_PLAN_ASSESSMENT_AGREED || s == PB_PLAN_ISSUED;
}

enum pb_err pb_plan_transition(enum pb_plan_status from, enum pb_plan_status to,
    struct pb_problem *p)
{
	int ok = 0;

	switch (from) {
	case PB_PLAN_ASSESSMENT_AGREED:
		ok = to == PB_PLAN_ISSUED || to == PB_PLAN_CEASED;
		break;
	case PB_PLAN_ISSUED:
		ok = to == PB_PLAN_UNDER_REVIEW || to == PB_PLAN_CEASED;
		break;
	case PB_PLAN_UNDER_REVIEW:
		ok = to == PB_PLAN_ISSUED || to == PB_PLAN_CEASED;
		break;
	case PB_PLAN_CEASED:
		ok = 0;
		break;
	}
	if (ok)
		return PB_OK;
	const char *f = pb_plan_status_str(from), *t = pb_plan_status_str(to);
	return pb_problem_set(p, PB_ETRANSITION, NULL, "An EHC plan cannot move from %s to %s.",
	    f ? f : "an unknown status", t ? t : "an unknown status");
}

int32_t pb_plan_last_day(int32_t dob, int continued_past_25)
{
	int32_t b25 = pb_date_birthday(dob, 25), b26 = pb_date_birthday(dob, 26);

	if (!continued_past_25)
		return b25 - 1;
	/* to 31 Aug of the academic year of the 25th birthday, capped at the
	 * day before the 26th (never binding with 1 Sept-31 Aug years, kept as
	 * the law's own backstop) */
	int32_t limit = pb_date_end_of_school_year(b25);
	return limit > b26 - 1 ? b26 - 1 : limit;
}

enum pb_err pb_plan_check_age_limit(int32_t dob, int continued_past_25, int32_t day,
    const char *what, struct pb_problem *p)
{
	char last[11];
	int32_t limit = pb_plan_last_day(dob, continued_past_25);

	if (day <= limit)
		return PB_OK;
	pb_date_format(limit, last);
	return pb_problem_set(p, PB_ERULE, "ELIG-11",
	    "%s is after %s, the last day an EHC plan can run for this young person "
	    "(the day before their 25th birthday)", what, last);
}

enum pb_err pb_plan_check_review_due(int32_t issued_on, int32_t last_review_on,
    int32_t next_review_due, struct pb_problem *p)
{
	int32_t base = last_review_on != PB_DATE_NONE ? last_review_on : issued_on;
	char latest[11];

	if (base == PB_DATE_NONE || next_review_due == PB_DATE_NONE)
		return PB_OK;
	int32_t limit = pb_date_add_months(base, 12);
	if (next_review_due <= limit)
		return PB_OK;
	pb_date_format(limit, latest);
	return pb_problem_set(p, PB_ERULE, "PLAN-2",
	    "an EHC plan is reviewed within 12 months of %s: next_review_due must be on or "
	    "before %s", last_review_on != PB_DATE_NONE ? "its last review" : "its issue",
	    latest);
}

enum pb_err pb_plan_check_cessation(enum pb_plan_status from, int has_notice,
    int32_t notice_on, int32_t ceased_on, int32_t *window_ends, struct pb_problem *p)
{
	char ends[11];

	*window_ends = PB_DATE_NONE;
	if (from != PB_PLAN_ISSUED && from != PB_PLAN_UNDER_REVIEW)
		return PB_OK;
	if (!has_notice)
		return pb_problem_field(p, "cease_notice_on", "required",
		    "Ceasing an issued plan needs the date the notice to cease was given: the "
		    "family may appeal within %d months and the plan is kept meanwhile (PLAN-5).",
		    PB_PLAN_APPEAL_MONTHS);
	if (notice_on > ceased_on)
		return pb_problem_field(p, "cease_notice_on", "invalid",
		    "cease_notice_on cannot be after ceased_on.");
	*window_ends = pb_date_add_months(notice_on, PB_PLAN_APPEAL_MONTHS);
	if (ceased_on >= *window_ends)
		return PB_OK;
	pb_date_format(*window_ends, ends);
	return pb_problem_set(p, PB_ERULE, "PLAN-5",
	    "the plan is maintained while an appeal can be made: it can cease on %s at the "
	    "earliest, when the appeal window of the notice ends", ends);
}
