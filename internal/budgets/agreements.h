/* SPDX-License-Identifier: MIT */
/*
 * budgets/agreements.h — the direct-payment agreement's life (domain.md §4
 * "DP agreement"; PAY-6, PAY-13, PAY-14, PAY-22; docs/budgets.md
 * "Agreements"): its state (derived: migration 016), the reviews recorded
 * against it and when the next is due, and the head teacher's withdrawal
 * of agreement to provision on school premises.  Part of the budgets
 * service's door; each write is one transaction (lock the budget row →
 * checks → store → audit + event).  *json malloc'd; the caller frees.
 */
#ifndef PB_BUDGETS_AGREEMENTS_H
#define PB_BUDGETS_AGREEMENTS_H

#include "internal/budgets/service.h"

/* GET .../agreement: the agreement with "next_review": {"due_date",
 * "rule", "basis", "overdue"} (due_date null when none is scheduled).
 * PB_ENOTFOUND: no such direct-payment element in scope. */
enum pb_err pb_agreement_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, int32_t today, char **json);

/* A review held on reviewed_on (not after today) with an outcome
 * ("continue", "reduce", "stop") and notes; requested: held because the
 * family asked (PAY-14), else under the element's rule. */
struct pb_review_in {
	int32_t reviewed_on;
	const char *outcome, *notes;
	int checks[PB_REVIEW_CHECKS];   /* PAY-15 answers: 1 met, 0 not */
	int requested;
};

/* POST .../elements/{element_id}/reviews: record it (id written); *json
 * the agreement after.  PB_ETRANSITION: the budget is a draft or closed,
 * or the element stopped; PB_EINVAL: reviewed_on in the future; PB_ERULE
 * PAY-15: "continue" with a check not met. */
enum pb_err pb_agreement_review_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const struct pb_review_in *in,
    int32_t today, struct pb_problem *p, char id[37], char **json);

/* POST .../agreement/head-teacher-withdrawal: PAY-6 — the head teacher's
 * agreement withdrawn from day `on`: the element's unexported payments due
 * from then are cancelled and its schedules end the day before; payments
 * due from then are refused until a new agreement date is recorded (PATCH
 * .../agreement).  PB_ETRANSITION: not on school premises, no agreement
 * recorded, or withdrawn already; PB_EINVAL: `on` before the agreement or
 * outside the budget period. */
enum pb_err pb_agreement_head_teacher_withdraw(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int32_t on, const char *reason,
    int32_t today, struct pb_problem *p, char **json);

#endif
