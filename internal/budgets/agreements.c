/* SPDX-License-Identifier: MIT */
/*
 * agreements.c — the direct-payment agreement's reviews and the head
 * teacher's withdrawal (agreements.h): begin → lock the budget → checks →
 * store → audit + event → commit.
 */
#include "internal/budgets/agreements.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "internal/audit/service.h"
#include "internal/budgets/service_private.h"
#include "internal/budgets/store.h"
#include "internal/core/date.h"
#include "internal/db/db.h"
#include "internal/json/output.h"
#include "internal/payments/service.h"

/* The agreement document with its next review (rule from the row). */
static enum pb_err agreement_json(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, int32_t today, char **json)
{
	struct pb_budget_review_row row;
	struct pb_review_facts f;
	const char *rule = NULL, *from = NULL;
	char *doc = NULL, day[11];

	*json = NULL;
	enum pb_err err = pb_budget_store_review_row(db, scope, budget_id, element_id, &row);
	if (err == PB_OK)
		err = pb_budget_store_agreement_json(db, scope->la, element_id, &doc);
	if (err)
		return err;
	pb_budget_review_facts_of(&row, today, &f);
	int32_t due = pb_agreement_next_review(&f, &rule, &from);
	cJSON *o = cJSON_Parse(doc), *next = cJSON_CreateObject();
	free(doc);
	if (o == NULL || next == NULL)
		abort();
	if (due == PB_DATE_NONE) {
		cJSON_AddNullToObject(next, "due_date");
	} else {
		pb_date_format(due, day);
		cJSON_AddStringToObject(next, "due_date", day);
	}
	cJSON_AddStringToObject(next, "rule", rule);
	cJSON_AddStringToObject(next, "basis", from);
	cJSON_AddBoolToObject(next, "overdue", due != PB_DATE_NONE && due < today);
	cJSON_AddItemToObject(o, "next_review", next);
	*json = pb_json_print(o);
	return PB_OK;
}

enum pb_err pb_agreement_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, int32_t today, char **json)
{
	return agreement_json(db, scope, budget_id, element_id, today, json);
}

/* The element must be a live direct payment of a live budget. */
static enum pb_err live_dp(const struct pb_budget_row *b, const struct pb_budget_element_row *e,
    struct pb_problem *p)
{
	if (e->arrangement != PB_ARR_DIRECT_PAYMENT)
		return PB_ENOTFOUND;   /* only a direct payment has an agreement */
	if (b->status == PB_BUDGET_STATUS_DRAFT)
		return pb_problem_set(p, PB_ETRANSITION, NULL, "The budget is a draft: its "
		    "agreement is only proposed.");
	if (e->stopped)
		return pb_problem_set(p, PB_ETRANSITION, NULL, "The direct payment is stopped.");
	return PB_OK;
}

/* Begin, lock the budget and find its live direct payment element_id. */
static enum pb_err open_live_dp(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, struct pb_budget_row *b, struct pb_budget_element_row *rows,
    const struct pb_budget_element_row **e, struct pb_problem *p)
{
	enum pb_err err = pb_db_begin(db);

	if (err == PB_OK)
		err = pb_budget_lock_element(db, la, budget_id, element_id, b, rows, e, p);
	if (err == PB_OK)
		err = live_dp(b, *e, p);
	return err;
}

enum pb_err pb_agreement_review_add(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, const struct pb_review_in *in,
    int32_t today, struct pb_problem *p, char id[37], char **json)
{
	struct pb_budget_row b;
	struct pb_budget_element_row *rows = calloc(PB_BUDGET_MAX_ELEMENTS, sizeof(*rows));
	const struct pb_budget_element_row *e = NULL;
	struct pb_budget_review_row row;
	struct pb_review_facts f;
	const struct pb_scope scope = { actor->la, NULL };
	const char *rule = "PAY-14";
	char *changes = NULL;

	*json = NULL;
	if (rows == NULL)
		abort();
	enum pb_err err = open_live_dp(db, actor->la, budget_id, element_id, &b, rows, &e, p);
	if (err == PB_OK)
		err = pb_review_check_outcome(in->outcome, in->checks, p);
	if (err == PB_OK && in->reviewed_on > today)
		err = pb_problem_field(p, "reviewed_on", "in_future", "A review is recorded once "
		    "it has been held: reviewed_on is today or earlier.");
	if (err == PB_OK)
		err = pb_budget_store_review_row(db, &scope, budget_id, element_id, &row);
	if (err == PB_OK) {
		pb_budget_review_facts_of(&row, today, &f);
		pb_agreement_next_review(&f, &rule, NULL);
		err = pb_budget_store_review_insert(db, actor, budget_id, element_id, in->reviewed_on,
		    in->requested ? "requested" : rule, in->outcome, in->checks, in->notes, id);
	}
	if (err == PB_OK)
		err = pb_budget_store_touch(db, actor->la, budget_id);
	if (err == PB_OK)
		err = agreement_json(db, &scope, budget_id, element_id, today, json);
	if (err == PB_OK) {
		changes = pb_audit_before_after(NULL, *json);
		err = pb_audit_record(db, actor, "budget.agreement_reviewed", "budget_element",
		    element_id, changes, "budget.agreement_reviewed", *json);
	}
	free(changes);
	free(rows);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_agreement_head_teacher_withdraw(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int32_t on, const char *reason,
    int32_t today, struct pb_problem *p, char **json)
{
	struct pb_budget_row b;
	struct pb_budget_element_row *rows = calloc(PB_BUDGET_MAX_ELEMENTS, sizeof(*rows));
	const struct pb_budget_element_row *e = NULL;
	char *before = NULL, *after = NULL, why[300];
	int v, cancelled = 0, ended = 0;

	*json = NULL;
	if (rows == NULL)
		abort();
	enum pb_err err = open_live_dp(db, actor->la, budget_id, element_id, &b, rows, &e, p);
	if (err == PB_OK && (!e->school_premises || e->head_teacher_agreed_on == PB_DATE_NONE))
		err = pb_problem_set(p, PB_ETRANSITION, "PAY-6", "The provision is not on school "
		    "premises with a head teacher's agreement recorded: there is nothing to withdraw.");
	if (err == PB_OK && e->head_teacher_withdrawn_on != PB_DATE_NONE)
		err = pb_problem_set(p, PB_ETRANSITION, "PAY-6", "The head teacher's agreement is "
		    "withdrawn already; record a new agreement date to restore it.");
	if (err == PB_OK && (on < e->head_teacher_agreed_on || on < b.period_start ||
	    on > b.period_end))
		err = pb_problem_field(p, "withdrawn_on", "invalid", "withdrawn_on is a day of the "
		    "budget's period, on or after the head teacher agreed.");
	if (err == PB_OK)
		err = pb_budget_store_json(db, actor->la, budget_id, &before, &v);
	if (err == PB_OK)
		err = pb_budget_store_head_teacher_withdraw(db, actor->la, element_id, on, reason);
	snprintf(why, sizeof(why), "Head teacher's agreement withdrawn (PAY-6): %s", reason);
	/* nothing for days from then on: payments due from `on` cancelled */
	struct pb_pay_wind_down w = { NULL, element_id, on - 1, on - 1, why, NULL };
	if (err == PB_OK)
		err = pb_pay_wind_down(db, actor, &w, &cancelled, &ended);
	if (err == PB_OK)
		err = pb_budget_record(db, actor, budget_id, "budget.head_teacher_agreement_withdrawn",
		    before, why, &after, &v);
	if (err == PB_OK)
		err = agreement_json(db, &(struct pb_scope){ actor->la, NULL }, budget_id,
		    element_id, today, json);
	free(before);
	free(after);
	free(rows);
	return pb_db_finish_json(db, err, json);
}
