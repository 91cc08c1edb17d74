/* SPDX-License-Identifier: MIT */
/*
 * monitoring/rules.h — the pure rules of monitoring direct payments
 * (PAY-9, PAY-20; docs/monitoring.md): what a spend return must hold and
 * which of its lines are agreed provision.
 * No I/O; every amount integer pence.
 */
#ifndef PB_MONITORING_RULES_H
#define PB_MONITORING_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"
#include "internal/core/problem.h"

#define PB_SPEND_MAX_LINES 200
#define PB_SPEND_MAX_PENCE 100000000000LL   /* £1bn: any one figure */

struct pb_spend_line {
	int32_t spent_on;
	const char *description;   /* 1..200 bytes */
	const char *category;      /* snake identifier */
	int64_t amount_pence;      /* 1..PB_SPEND_MAX_PENCE */
};

struct pb_spend_return_in {
	int32_t period_start, period_end;
	int64_t opening_balance_pence, closing_balance_pence;
	const struct pb_spend_line *lines;
	size_t nlines;             /* 0..PB_SPEND_MAX_LINES */
};

/* An audit of a direct payment's account (docs/monitoring.md): the period
 * looked at, the balance seen, the spend found evidenced there that no
 * accepted return counts, and the findings (1..4000 bytes). */
struct pb_dp_audit_in {
	int32_t period_start, period_end;
	int64_t balance_seen_pence, evidenced_spend_pence;
	const char *findings;
};

/*
 * pb_spend_return_check — a return may be made for a period that has
 * ended (period_end on or before today), lies within the budget's period
 * [budget_start, budget_end], and each line falls within the return's
 * period.  PB_OK, or PB_EINVAL with the field named (period_end,
 * period_start, lines[i].spent_on).  The shapes of the fields (types,
 * lengths, ranges) are the caller's (api/).
 */
enum pb_err pb_spend_return_check(const struct pb_spend_return_in *in, int32_t budget_start,
    int32_t budget_end, int32_t today, struct pb_problem *p);

/* PAY-9: a line is agreed provision when its category is the direct
 * payment's agreed provision, its service type.  1 or 0. */
int pb_spend_line_agreed(const char *category, const char *service_type);

#endif
