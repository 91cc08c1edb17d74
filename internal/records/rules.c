/* SPDX-License-Identifier: MIT */
/* rules.c — EHC plan lifecycle (domain.md §4). Pure. */
#include "internal/records/rules.h"

#include <string.h>

const char *const pb_plan_status_names[] = { "assessment_agreed", "issued",
    "under_review", "ceased", NULL };

const char *const pb_relationship_names[] = { "parent", "carer",
    "young_person", "nominated_person", "representative", NULL };

int pb_plan_status_from_name(const char *name)
{
	for (int i = 0; pb_plan_status_names[i] != NULL; i++)
		if (strcmp(name, pb_plan_status_names[i]) == 0)
			return i;
	return -1;
}

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
	return pb_problem_set(p, PB_ETRANSITION, NULL,
	    "An EHC plan cannot move from %s to %s.", pb_plan_status_names[from],
	    pb_plan_status_names[to]);
}
