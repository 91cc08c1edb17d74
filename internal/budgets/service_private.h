/* SPDX-License-Identifier: MIT */
/*
 * budgets/service_private.h — the steps of service.c that the domain's
 * other transactions (variations.c) share.  Each runs INSIDE the caller's
 * transaction (none begins or commits) with the budget row already locked.
 * Not for api/ or other domains.
 */
#ifndef PB_BUDGETS_SERVICE_PRIVATE_H
#define PB_BUDGETS_SERVICE_PRIVATE_H

#include "internal/budgets/service.h"
#include "internal/budgets/store.h"

/* Every rule elements el[0..n) must satisfy in budget b, with the facts as
 * they are now (ELIG-*, BUD-2, BUD-10, PAY-1/2/3/4/10/12 and, when
 * agreements, the content of each agreement sent: BUD-3).  Field errors
 * name "elements[i]". */
enum pb_err pb_budget_check_for(struct pb_db *db, const char *la,
    const struct pb_budget_row *b, const struct pb_budget_element_in *el, size_t n,
    int agreements, struct pb_problem *p);

/* The stored elements as element inputs (strings borrowed from rows). */
void pb_budget_rows_to_inputs(const struct pb_budget_element_row *rows, size_t n,
    struct pb_budget_element_in *el);

/* Load budget id after a change into *json (malloc'd) and *version, and
 * write its audit row and event `action` with {"before", "after",
 * "reason"} (before and reason may be NULL). */
enum pb_err pb_budget_record(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *action, const char *before, const char *reason,
    char **json, int *version);

/* Stop an element under `rule` with `reason` on day `on`: mark it, cancel
 * its unexported payments due after `after` (PB_DATE_NONE: all of them),
 * end its schedules on `on`; with release, its allocation drops to what
 * it has committed and spent; with audit, a budget.element_stopped audit
 * row and event on the budget. */
struct pb_budget_stop {
	const char *budget_id, *element_id, *rule, *reason;
	int32_t after, on;
	int release, audit;
};
enum pb_err pb_budget_stop_element_tx(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_budget_stop *s);

/* Lock budget_id (PB_ETRANSITION when closed) and find element_id among
 * its elements, read into rows[0..PB_BUDGET_MAX_ELEMENTS); *e points into
 * rows.  PB_ENOTFOUND when the budget has no such element. */
enum pb_err pb_budget_lock_element(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_budget_row *b,
    struct pb_budget_element_row *rows, const struct pb_budget_element_row **e,
    struct pb_problem *p);

/* The facts pb_agreement_next_review reads, from a review row, on `today`
 * (adult: the child is 18 or over then). */
void pb_budget_review_facts_of(const struct pb_budget_review_row *row, int32_t today,
    struct pb_review_facts *f);

#endif
