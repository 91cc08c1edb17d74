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
