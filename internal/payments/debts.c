/* SPDX-License-Identifier: MIT */
/*
 * debts.c — recoveries as debts (PAY-18) and the PAY-19 inputs
 * (service.h).  Each call is one transaction: begin → budget FOR SHARE →
 * element (raise) or debt FOR UPDATE (If-Match) → rules → store (the
 * ledger triggers move the money) → audit {before, after} + event →
 * commit.  Lock order: 015_recovery_debts.sql.
 */
#include "internal/payments/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/audit/service.h"
#include "internal/budgets/service.h"
#include "internal/core/duty.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/payments/store.h"

/* The audit row {before, after} and the event of one change. */
static enum pb_err audit_change(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *id, const char *before,
    const char *after)
{
	char *changes = pb_audit_before_after(before, after);
	enum pb_err err = pb_audit_record(db, actor, action, entity_type, id, changes, action,
	    after);

	free(changes);
	return err;
}

/* Lock the budget (FOR SHARE) and its element (FOR UPDATE); an element
 * outside the budget is a field error, a non-direct-payment one PAY-18:
 * third-party and notional money never left the council's control. */
static enum pb_err lock_dp_element(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, struct pb_pay_element_row *e, struct pb_problem *p)
{
	struct pb_pay_budget_row b;
	enum pb_err err = pb_pay_store_budget_share(db, la, budget_id, &b);

	if (err == PB_OK) {
		err = pb_pay_store_element_lock(db, la, budget_id, element_id, e);
		if (err == PB_ENOTFOUND)
			err = pb_problem_field(p, "element_id", "not_found",
			    "The element is not part of this budget.");
	}
	if (err == PB_OK && e->arrangement != PB_ARR_DIRECT_PAYMENT)
		err = pb_problem_set(p, PB_ERULE, "PAY-18", "Only direct-payment money is "
		    "recovered from the family; this element is not a direct payment.");
	return err;
}

/* Begin, lock the direct-payment element and check (PAY-18 / PAY-24,
 * under the element's row lock) that amount_pence more can be claimed:
 * never more than its net spent less what open debts already owe. */
static enum pb_err begin_claim(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, int64_t amount_pence, struct pb_problem *p)
{
	struct pb_pay_element_row e;
	int64_t owed = 0;
	enum pb_err err = pb_db_begin(db);

	if (err)
		return err;
	err = lock_dp_element(db, la, budget_id, element_id, &e, p);
	if (err == PB_OK)
		err = pb_pay_store_element_owed(db, la, element_id, &owed);
	if (err == PB_OK)
		err = pb_pay_check_recoverable(amount_pence, e.spent_pence, owed, p);
	if (err)
		pb_db_rollback(db);
	return err;
}

enum pb_err pb_pay_recovery_create(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t today, struct pb_problem *p, char id[37],
    char **json)
{
	*json = NULL;
	enum pb_err err = begin_claim(db, actor->la, budget_id, element_id, amount_pence, p);
	if (err)
		return err;
	pb_uuid_new(id);
	err = pb_pay_store_recovery_insert(db, actor, id, budget_id, element_id,
	    amount_pence, reason, today, json);
	if (err == PB_OK)
		err = audit_change(db, actor, "recovery.recorded", "recovery", id, NULL, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_debt_raise(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t today, struct pb_problem *p, char id[37],
    char **json, int *version)
{
	*json = NULL;
	enum pb_err err = begin_claim(db, actor->la, budget_id, element_id, amount_pence, p);
	if (err)
		return err;
	pb_uuid_new(id);
	err = pb_pay_store_debt_insert(db, actor, id, budget_id, element_id, amount_pence,
	    reason, today, json, version);
	if (err == PB_OK)
		err = audit_change(db, actor, "debt.raised", "debt", id, NULL, *json);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_debt_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_pay_store_debt_get(db, scope, id, json, version);
}

enum pb_err pb_debt_list_for_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_budget_visible(db, scope, budget_id);

	if (err)
		return err;
	return pb_pay_store_debt_list(db, scope->la, budget_id, cursor, limit, json);
}

/* The event (and audit action) of each move. */
static const char *event_of(enum pb_debt_action a)
{
	switch (a) {
	case PB_DEBT_ACT_INVOICE: return "debt.invoiced";
	case PB_DEBT_ACT_PAY: return "debt.paid";
	case PB_DEBT_ACT_OFFSET: return "debt.offset";
	case PB_DEBT_ACT_WRITE_OFF: return "debt.write_off_requested";
	case PB_DEBT_ACT_WRITE_OFF_APPROVE: return "debt.written_off";
	case PB_DEBT_ACT_WRITE_OFF_REJECT: return "debt.write_off_rejected";
	case PB_DEBT_ACT_REVIEW: return "debt.review_requested";
	case PB_DEBT_ACT_UPHOLD: return "debt.review_upheld";
	case PB_DEBT_ACT_REDUCE: return "debt.review_reduced";
	case PB_DEBT_ACT_CANCEL: return "debt.review_cancelled";
	}
	return "debt.changed";
}

/* Separation of duties: a write-off is approved, and a review decided,
 * by someone else. */
static enum pb_err duties(const struct pb_pay_debt_row *d, enum pb_debt_action a,
    const char *sub, struct pb_problem *p)
{
	enum pb_err err = PB_OK;

	if (a == PB_DEBT_ACT_WRITE_OFF_APPROVE)
		err = pb_duty_separate(d->write_off_requested_by, sub,
		    "a write-off must be approved", "the person who asked for it", p);
	if (a == PB_DEBT_ACT_UPHOLD || a == PB_DEBT_ACT_REDUCE || a == PB_DEBT_ACT_CANCEL) {
		err = pb_duty_separate(d->review_requested_by, sub,
		    "a review must be decided", "the person who asked for it", p);
		if (err == PB_OK)
			err = pb_duty_separate(d->raised_by, sub,
			    "a review must be decided", "the person who raised the debt", p);
	}
	return err;
}

/* Offset: lock the payment, check it, reduce it (audited as
 * payment.offset) and record the recovery row. */
static enum pb_err offset(struct pb_db *db, const struct pb_actor *actor, const char *debt_id,
    const struct pb_pay_debt_row *d, const char *payment_id, int32_t today,
    char recovery_id[37], struct pb_problem *p)
{
	struct pb_pay_offset_row q;
	char *before = NULL, *after = NULL;
	enum pb_err err = pb_pay_store_offset_payment_lock(db, actor->la, payment_id, &q);

	if (err == PB_ENOTFOUND)
		return pb_problem_field(p, "payment_id", "not_found", "No such payment.");
	if (err)
		return err;
	struct pb_debt_offset_facts f = { d->amount_pence, d->raised_on,
	    strcmp(q.element_id, d->element_id) == 0, q.status, q.in_run, q.has_offset,
	    q.amount_pence, q.due_date };
	err = pb_debt_check_offset(&f, p);
	if (err == PB_OK)
		err = pb_pay_store_payment_json(db, actor->la, payment_id, &before, NULL);
	if (err == PB_OK)
		err = pb_pay_store_payment_offset(db, actor->la, payment_id, debt_id,
		    d->amount_pence);
	if (err == PB_OK)
		err = pb_pay_store_payment_json(db, actor->la, payment_id, &after, NULL);
	if (err == PB_OK)
		err = audit_change(db, actor, "payment.offset", "payment", payment_id, before, after);
	if (err == PB_OK) {
		pb_uuid_new(recovery_id);
		err = pb_pay_store_debt_recovery_insert(db, actor, recovery_id, debt_id, "offset",
		    today);
	}
	free(before);
	free(after);
	return err;
}

enum pb_err pb_debt_act(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *id, const struct pb_debt_act_in *in,
    int32_t today, struct pb_problem *p, char **json, int *version)
{
	struct pb_pay_budget_row b;
	struct pb_pay_debt_row d;
	struct pb_pay_debt_move m = { in->action, 0, 0, in->text, 0, NULL, NULL };
	char budget_id[37], recovery_id[37], *before = NULL;

	*json = NULL;
	memset(&d, 0, sizeof(d));
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	/* the budget first, as every writer of its elements' money does */
	err = pb_pay_store_debt_budget(db, scope, id, budget_id);
	if (err == PB_OK)
		err = pb_pay_store_budget_share(db, actor->la, budget_id, &b);
	if (err == PB_OK)
		err = pb_pay_store_debt_lock(db, actor->la, id, &d, &before);
	if (err == PB_OK && in->if_match >= 0 && in->if_match != d.version)
		err = PB_EPRECONDITION;
	struct pb_debt_state st = { d.status, d.prior, d.review_requested };
	if (err == PB_OK)
		err = pb_debt_transition(&st, in->action, &m.to, p);
	if (err == PB_OK)
		err = duties(&d, in->action, actor->sub, p);
	if (err == PB_OK && in->action == PB_DEBT_ACT_REDUCE) {
		err = pb_debt_check_reduce(d.amount_pence, in->amount_pence, p);
		m.amount_pence = in->amount_pence;
	}
	/* a review or a write-off request remembers where it returns to */
	if (m.to == PB_DEBT_UNDER_REVIEW || m.to == PB_DEBT_WRITE_OFF_PENDING)
		m.prior = d.status;
	if (err == PB_OK && in->action == PB_DEBT_ACT_PAY) {
		pb_uuid_new(recovery_id);
		err = pb_pay_store_debt_recovery_insert(db, actor, recovery_id, id, "invoice",
		    today);
		m.recovery_id = recovery_id;
	}
	if (err == PB_OK && in->action == PB_DEBT_ACT_OFFSET) {
		err = offset(db, actor, id, &d, in->payment_id, today, recovery_id, p);
		m.recovery_id = recovery_id;
		m.payment_id = in->payment_id;
	}
	if (err == PB_OK)
		err = pb_pay_store_debt_move(db, actor, id, &m, json, version);
	if (err == PB_OK)
		err = audit_change(db, actor, event_of(in->action), "debt", id, before, *json);
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* --- PAY-19 inputs ------------------------------------------------------------- */

enum pb_err pb_pay_surplus_input_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_surplus_input *in, struct pb_problem *p, char id[37], char **json)
{
	struct pb_pay_element_row e;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = lock_dp_element(db, actor->la, in->budget_id, in->element_id, &e, p);
	if (err == PB_OK) {
		pb_uuid_new(id);
		err = pb_pay_store_surplus_input_insert(db, actor, id, in->budget_id,
		    in->element_id, in->unpaid_bills_pence, in->contingency_pence, in->note, json);
	}
	if (err == PB_OK)
		err = audit_change(db, actor, "surplus_input.recorded", "surplus_input", id, NULL,
		    *json);
	return pb_db_finish_json(db, err, json);
}
