/* SPDX-License-Identifier: MIT */
/*
 * monitoring/rules.c — see rules.h.
 */
#include "internal/monitoring/rules.h"

#include <stdio.h>
#include <string.h>

enum pb_err pb_spend_return_check(const struct pb_spend_return_in *in, int32_t budget_start,
    int32_t budget_end, int32_t today, struct pb_problem *p)
{
	if (in->period_end < in->period_start)
		return pb_problem_field(p, "period_end", "invalid",
		    "period_end is on or after period_start.");
	if (in->period_end > today)
		return pb_problem_field(p, "period_end", "in_future",
		    "A return is made for a period that has ended: period_end is today or earlier.");
	if (in->period_start < budget_start || in->period_end > budget_end)
		return pb_problem_field(p, in->period_start < budget_start ? "period_start" :
		    "period_end", "outside_budget", "The return's period lies within the budget's "
		    "period.");
	for (size_t i = 0; i < in->nlines; i++) {
		if (in->lines[i].spent_on < in->period_start || in->lines[i].spent_on > in->period_end) {
			char f[40];
			snprintf(f, sizeof(f), "lines[%zu].spent_on", i);
			return pb_problem_field(p, f, "outside_period",
			    "Each line's spent_on is a day of the return's period.");
		}
	}
	return PB_OK;
}

int pb_spend_line_agreed(const char *category, const char *service_type)
{
	return category != NULL && service_type != NULL && strcmp(category, service_type) == 0;
}
