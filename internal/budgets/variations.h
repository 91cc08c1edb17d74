/* SPDX-License-Identifier: MIT */
/*
 * budgets/variations.h — varying an approved budget (BUD-7, BUD-8, BUD-9;
 * docs/budgets.md "Variations").  Part of the budgets service's door: each
 * write is one transaction that locks the budget row, then the variation,
 * loads the facts, asks rules.c, writes through store.c and records the
 * audit row (entity budget_variation, before and after) and event.
 *
 * A variation is pending until an approver other than its requester
 * approves it.  Without a direct payment reduced or ended it is applied on
 * approval; with one, approval gives the written notice and it is applied
 * from takes_effect_on (pb_variation_apply_due), unless a reconsideration
 * asked for meanwhile overturns it.  Applying writes a budget version.
 *
 * On PB_OK *json is the variation (malloc'd; caller frees) and *version
 * its ETag counter.  if_match -1 for none.  `today` is a UTC day number.
 */
#ifndef PB_BUDGETS_VARIATIONS_H
#define PB_BUDGETS_VARIATIONS_H

#include "internal/budgets/service.h"

/* A variation as sent: new allocations, elements ended, elements added
 * (add.elements[0..add.nelements), as in a budget's create).  Strings
 * borrowed. */
struct pb_variation_in {
	const char *reason;
	int32_t effective_from;
	size_t nchanges;
	const char *change_ids[PB_BUDGET_MAX_ELEMENTS];
	int64_t change_pence[PB_BUDGET_MAX_ELEMENTS];
	size_t nends;
	const char *end_ids[PB_BUDGET_MAX_ELEMENTS];
	struct pb_budget_in add;
};

/* POST /v1/budgets/{id}/variations → pending.  PB_ETRANSITION (budget not
 * approved or suspended; a stopped element), PB_ECONFLICT (another in
 * progress), PB_EINVAL (fields), PB_ERULE (BUD-9; an added element's
 * rules).  id written. */
enum pb_err pb_variation_request(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const struct pb_variation_in *in, int32_t today,
    struct pb_problem *p, char id[37], char **json, int *version);

/* approve (PB_VARIATION_APPROVE) or reject (PB_VARIATION_REJECT, reason
 * required by api/) a pending variation; never by its requester (PB_ESOD).
 * Approval re-checks BUD-9 and added elements with today's facts. */
enum pb_err pb_variation_decide(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *id, enum pb_variation_action action,
    const char *reason, int if_match, int32_t today, struct pb_problem *p, char **json,
    int *version);

/* The family (scope: its own children) or a caseworker asks, once, for a
 * variation in notice to be reconsidered (BUD-8). */
enum pb_err pb_variation_ask(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *budget_id, const char *id,
    const char *reason, int if_match, struct pb_problem *p, char **json, int *version);

/* Decide a reconsideration: upheld (back to notice; applied at once when
 * its day has come) or overturned (withdrawn); never by the person who
 * approved the variation (PB_ESOD). */
enum pb_err pb_variation_reconsider(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *id, int upheld, const char *reason, int if_match,
    int32_t today, struct pb_problem *p, char **json, int *version);

/* POST /v1/budgets/{id}/elements/{element_id}/stop: stop a direct payment
 * (PAY-3, PAY-16, PAY-17) as a variation ending it, decided by the approver
 * who stops it: rule PAY-16 (its grounds) at once; PAY-17 after notice,
 * on effective_from or later, with one reconsideration.  On its day the
 * element is stopped under the rule: unexported payments due from then
 * cancelled, schedules ended, its allocation down to committed + spent.
 * PB_ENOTFOUND (no such element), PB_ETRANSITION (not an active direct
 * payment; budget not live), PB_EINVAL (ground not of the rule),
 * PB_ECONFLICT (another stop in progress).  *json the variation. */
struct pb_stop_in {
	const char *budget_id, *element_id, *rule, *reason;
	enum pb_stop_ground ground;
	int has_effective_from;
	int32_t effective_from;
};
enum pb_err pb_variation_stop(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_stop_in *in, int32_t today, struct pb_problem *p, char id[37], char **json,
    int *version);

/* POST /v1/budget-variations/apply-due: apply each variation of the
 * actor's council in notice whose day has come, one transaction each.
 * *json {"applied": [ids], "not_applied": [{variation_id, rule, detail}]}. */
enum pb_err pb_variation_apply_due(struct pb_db *db, const struct pb_actor *actor,
    int32_t today, char **json);

/* Reads in scope (family: own children only). */
enum pb_err pb_variation_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json, int *version);
enum pb_err pb_variation_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json);
enum pb_err pb_budget_versions(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, char **json);

/* What PATCH /v1/settings changes (validated by the caller): BUD-8 notice
 * days (0..365; -1 unchanged) and the council's BACS details for the
 * Standard 18 bank file (NULL unchanged): service user number (6 digits),
 * the sort code and account the contra debits (6 and 8 digits) and the
 * originator's name (1-18 of A-Z 0-9 . & / - and space). */
struct pb_settings_in {
	int dp_notice_days;         /* -1: unchanged */
	int spend_return_days;      /* -1: unchanged (PAY-20: 14..31) */
	const char *bacs_service_user_number, *bacs_sort_code, *bacs_account_number;
	const char *bacs_originator_name;
};

/* GET and PATCH /v1/settings: the council's settings.  *json malloc'd. */
enum pb_err pb_settings_get(struct pb_db *db, const char *la, char **json, int *version);
enum pb_err pb_settings_patch(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_settings_in *in, int if_match, char **json, int *version);

#endif
