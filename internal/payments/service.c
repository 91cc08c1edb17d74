/* SPDX-License-Identifier: MIT */
/*
 * service.c — the payment service's transactions (see service.h):
 * begin → lock → load facts → rules → store → audit + event → commit.
 *
 * Lock order (004_payments.sql): idempotency key, budget FOR SHARE,
 * element FOR UPDATE or payment FOR UPDATE, event counter last (audit).
 */
#include "internal/payments/service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/crypto.h>

#include "internal/audit/service.h"
#include "internal/budgets/service.h"
#include "internal/core/date.h"
#include "internal/core/digest.h"
#include "internal/core/duty.h"
#include "internal/core/uuid.h"
#include "internal/db/db.h"
#include "internal/eligibility/service.h"
#include "internal/json/output.h"
#include "internal/log/log.h"
#include "internal/payees/service.h"
#include "internal/payments/bacs18.h"
#include "internal/payments/export.h"
#include "internal/payments/store.h"

#define MAX_INSTALMENTS 1100          /* weekly for 20 years */
#define SURPLUS_MAX_ELEMENTS 64
#define CSV_MAX_BYTES (64u * 1024 * 1024)

/* The audit row and event of a change: changes = {"after": json,
 * "reason": reason?}, payload = json. */
static enum pb_err audit(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *entity_type, const char *id, const char *json,
    const char *reason)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "after", cJSON_Parse(json));
	if (reason != NULL)
		cJSON_AddStringToObject(c, "reason", reason);
	char *changes = pb_json_print(c);
	enum pb_err err = pb_audit_record(db, actor, action, entity_type, id, changes,
	    action, json);
	free(changes);
	return err;
}

void pb_pay_request_hash(const char *method, const char *path, const char *body,
    size_t body_len, char out[65])
{
	struct pb_bytes parts[5] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 }, { NULL, 0 },
	    { body, body_len } };

	if (method != NULL) {
		parts[0] = (struct pb_bytes){ method, strlen(method) };
		parts[1] = (struct pb_bytes){ "\n", 1 };
		parts[2] = (struct pb_bytes){ path, strlen(path) };
		parts[3] = (struct pb_bytes){ "\n", 1 };
	}
	pb_sha256_hex_parts(parts, 5, out);
}

/* --- facts ------------------------------------------------------------------- */

struct facts {
	struct pb_pay_budget_row b;
	struct pb_pay_element_row e;
	struct pb_pay_payee_row y;
	struct pb_pay_facts f;
};

/* Lock the budget (FOR SHARE) and, when lock_element, the element (FOR
 * UPDATE: its remaining is then final for this transaction), read the
 * payee and, for a direct payment, the recipient's contact facts now, and
 * fill x->f except amount, due date and purpose.  PB_ENOTFOUND for the
 * budget; an unknown payee is a field error; an element outside the
 * budget is left to pb_pay_check_create (element_in_budget = 0). */
static enum pb_err load_facts(struct pb_db *db, const char *la, const char *budget_id,
    const char *element_id, const char *payee_id, int lock_element, struct facts *x,
    struct pb_problem *p)
{
	struct pb_pay_facts *f = &x->f;

	memset(x, 0, sizeof(*x));
	enum pb_err err = pb_pay_store_budget_share(db, la, budget_id, &x->b);
	if (err)
		return err;
	err = lock_element ? pb_pay_store_element_lock(db, la, budget_id, element_id, &x->e)
	    : pb_pay_store_element(db, la, budget_id, element_id, &x->e);
	if (err && err != PB_ENOTFOUND)
		return err;
	f->element_in_budget = err == PB_OK;
	err = pb_pay_store_payee(db, la, payee_id, x->b.child_id, &x->y);
	if (err == PB_ENOTFOUND)
		return pb_problem_field(p, "payee_id", "not_found", "No such payee in this council.");
	if (err == PB_OK && f->element_in_budget && x->e.recipient_person_id[0])
		err = pb_elig_dp_recipient_load(db, la, x->b.child_id, x->e.recipient_person_id,
		    x->e.stream, PB_DATE_NONE, &f->recipient);
	if (err)
		return err;
	f->budget_status = x->b.status;
	f->period_start = x->b.period_start;
	f->period_end = x->b.period_end;
	f->plan_start = x->b.plan_start;
	f->plan_ceased_on = x->b.plan_ceased_on;
	f->arrangement = f->element_in_budget ? x->e.arrangement : PB_ARR_THIRD_PARTY;
	f->element_remaining_pence = x->e.allocated_pence - x->e.committed_pence -
	    x->e.spent_pence;
	f->element_payee_id = x->e.payee_id;
	f->agreement_signed = x->e.agreement_signed;
	f->school_premises = x->e.school_premises;
	f->head_teacher_agreed = x->e.head_teacher_agreed;
	f->head_teacher_withdrawn = x->e.head_teacher_withdrawn;
	f->head_teacher_withdrawn_on = x->e.head_teacher_withdrawn_on;
	f->pay11_exception = x->e.pay11_exception;
	f->stopped_rule = x->e.stopped_rule[0] ? x->e.stopped_rule : NULL;
	f->payee_id = payee_id;
	f->payee_kind = x->y.kind;
	f->payee_is_local_authority = x->y.is_local_authority;
	f->payee_person_id = x->y.person_id;
	f->payee_lives_with_child = x->y.lives_with_child;
	return PB_OK;
}

/* --- reads ---------------------------------------------------------------------- */

enum pb_err pb_pay_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_pay_store_payment_get(db, scope, id, json, version);
}

enum pb_err pb_pay_list_for_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json)
{
	enum pb_err err = pb_budget_visible(db, scope, budget_id);

	if (err)
		return err;
	return pb_pay_store_list(db, scope->la, budget_id, cursor, limit, json);
}

enum pb_err pb_pay_family_paid(struct pb_db *db, const char *la, const char *person_id,
    const char *cursor, int limit, char **json)
{
	return pb_pay_store_family_paid(db, la, person_id, cursor, limit, json);
}

enum pb_err pb_pay_schedule_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version)
{
	return pb_pay_store_schedule_get(db, scope, id, json, version);
}

enum pb_err pb_pay_recovery_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json)
{
	return pb_pay_store_recovery_get(db, scope, budget_id, id, json);
}

enum pb_err pb_pay_run_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version)
{
	return pb_pay_store_run_json(db, la, id, json, version);
}

/* --- create -------------------------------------------------------------------- */

/* Claim the key, or answer with the stored response.  *claimed = 1: the
 * transaction is open and the key is ours.  *claimed = 0: the transaction
 * is closed and out holds the replay (or the error says why not). */
static enum pb_err claim_key(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_idem *idem, struct pb_problem *p, struct pb_pay_answer *out,
    int *claimed)
{
	struct pb_pay_idem_row row;

	/* twice at most: a row purged between our insert and our read */
	for (int attempt = 0; attempt < 2; attempt++) {
		enum pb_err err = pb_db_begin(db);
		if (err == PB_OK)
			err = pb_pay_store_idem_claim(db, actor->la, idem->key,
			    idem->request_hash, actor->sub, claimed);
		if (err == PB_OK && *claimed)
			return PB_OK;
		if (err == PB_OK)
			err = pb_pay_store_idem_get(db, actor->la, idem->key, &row);
		pb_db_rollback(db);
		if (err == PB_ENOTFOUND)
			continue;
		if (err)
			return err;
		if (strcmp(row.request_hash, idem->request_hash) != 0) {
			free(row.body);
			return pb_problem_set(p, PB_EIDEMPOTENCY, NULL, "This Idempotency-Key "
			    "was already used for a different request; use a new key for a new "
			    "payment.");
		}
		out->status = row.status;
		out->body = row.body;
		snprintf(out->location, sizeof(out->location), "%s", row.location);
		out->replayed = 1;
		return PB_OK;
	}
	return PB_EUNAVAILABLE;
}

/* The create after the key is claimed (the transaction is open): facts
 * under the locks, the rules, the insert, the stored answer, the audit
 * row.  reissue_of: the failed payment this one reissues (already locked),
 * or NULL. */
static enum pb_err create_claimed(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_create_in *in, const struct pb_pay_idem *idem,
    const char *reissue_of, struct pb_problem *p, struct pb_pay_answer *out, char id[37])
{
	struct facts x;
	int inserted = 0;

	enum pb_err err = load_facts(db, actor->la, in->budget_id, in->element_id, in->payee_id,
	    1, &x, p);
	if (err == PB_OK) {
		x.f.amount_pence = in->amount_pence;
		x.f.due_date = in->due_date;
		x.f.purpose = in->purpose;
		err = pb_pay_check_create(&x.f, p);
	}
	struct pb_pay_new row = { in->budget_id, in->element_id, in->payee_id,
	    in->amount_pence, in->purpose, in->description, in->due_date, actor->sub,
	    NULL, idem->key, reissue_of };
	if (err == PB_OK)
		err = pb_pay_store_insert(db, actor->la, &row, id, &inserted);
	if (err == PB_EFUNDS && p->err == PB_OK)
		pb_problem_set(p, PB_EFUNDS, "PAY-24",
		    "The payment exceeds the element's remaining funds.");
	if (err == PB_OK && reissue_of != NULL)
		err = pb_pay_store_mark_reissued(db, actor->la, reissue_of, id);
	if (err == PB_OK)
		err = pb_pay_store_payment_json(db, actor->la, id, &out->body, NULL);
	if (err == PB_OK) {
		out->status = 201;
		snprintf(out->location, sizeof(out->location), "/v1/payments/%s", id);
		err = pb_pay_store_idem_save(db, actor->la, idem->key, out->status, out->body,
		    out->location);
	}
	if (err == PB_OK)
		err = audit(db, actor, "payment.created", "payment", id, out->body, NULL);
	return err;
}

enum pb_err pb_pay_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_create_in *in, const struct pb_pay_idem *idem,
    struct pb_problem *p, struct pb_pay_answer *out)
{
	char id[37];
	int claimed = 0;

	memset(out, 0, sizeof(*out));
	enum pb_err err = claim_key(db, actor, idem, p, out, &claimed);
	if (err || !claimed)
		return err;
	err = create_claimed(db, actor, in, idem, NULL, p, out, id);
	return pb_db_finish_json(db, err, &out->body);
}

enum pb_err pb_pay_reissue(struct pb_db *db, const struct pb_actor *actor,
    const char *failed_id, int32_t due_date, const char *reason,
    const struct pb_pay_idem *idem, struct pb_problem *p, struct pb_pay_answer *out)
{
	struct pb_pay_payment_row old;
	struct pb_pay_budget_row b;
	char budget_id[37], id[37], *old_json = NULL, *desc = NULL;
	int claimed = 0;

	memset(out, 0, sizeof(*out));
	enum pb_err err = claim_key(db, actor, idem, p, out, &claimed);
	if (err || !claimed)
		return err;
	/* lock order: key, budget FOR SHARE, the failed payment, the element */
	err = pb_pay_store_payment_budget(db, actor->la, failed_id, budget_id);
	if (err == PB_OK)
		err = pb_pay_store_budget_share(db, actor->la, budget_id, &b);
	if (err == PB_OK)
		err = pb_pay_store_payment_lock(db, actor->la, failed_id, &old);
	if (err == PB_OK && old.status != PB_PAY_STATUS_FAILED)
		err = pb_problem_set(p, PB_ETRANSITION, NULL, "Only a failed payment is reissued; "
		    "this one is %s.", pb_pay_status_str(old.status));
	if (err == PB_OK)
		err = pb_pay_store_payment_json(db, actor->la, failed_id, &old_json, NULL);
	cJSON *o = old_json ? cJSON_Parse(old_json) : NULL;
	const cJSON *ras = cJSON_GetObjectItemCaseSensitive(o, "reissued_as");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "description");
	if (err == PB_OK && cJSON_IsString(ras))
		err = pb_problem_set(p, PB_ECONFLICT, NULL, "This payment was already reissued as "
		    "%s.", ras->valuestring);
	if (err == PB_OK && cJSON_IsString(d))
		desc = strdup(d->valuestring);
	if (err == PB_OK) {
		struct pb_pay_create_in in = { budget_id, old.element_id, old.payee_id,
		    old.amount_pence, old.purpose, due_date, desc };
		err = create_claimed(db, actor, &in, idem, failed_id, p, out, id);
	}
	if (err == PB_OK) {
		char *after = NULL;
		err = pb_pay_store_payment_json(db, actor->la, failed_id, &after, NULL);
		if (err == PB_OK)
			err = audit(db, actor, "payment.reissued", "payment", failed_id, after, reason);
		free(after);
	}
	cJSON_Delete(o);
	free(old_json);
	free(desc);
	return pb_db_finish_json(db, err, &out->body);
}

enum pb_err pb_pay_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_pay_filter *f, const char *cursor, int limit, char **json)
{
	return pb_pay_store_queue(db, scope->la, f, cursor, limit, json);
}

/* --- approve, cancel -------------------------------------------------------------- */

/* Approval judges the payment again with the facts as they are now (the
 * plan, the element, the recipient, the payee, the household): the
 * creation rules, without the funds its commitment already holds. */
static enum pb_err approval_rules(struct pb_db *db, const char *la,
    const struct pb_pay_payment_row *row, struct pb_problem *p)
{
	struct facts x;
	enum pb_err err = load_facts(db, la, row->budget_id, row->element_id, row->payee_id, 0,
	    &x, p);

	if (err)
		return err;
	x.f.amount_pence = row->amount_pence;
	x.f.due_date = row->due_date;
	x.f.purpose = row->purpose;
	x.f.committed = 1;
	return pb_pay_check_create(&x.f, p);
}

static enum pb_err act(struct pb_db *db, const struct pb_actor *actor, const char *id,
    enum pb_pay_action action, const char *reason, struct pb_problem *p, char **json)
{
	static const char *const events[] = { NULL, "payment.approved", "payment.cancelled" };
	struct pb_pay_payment_row row;
	struct pb_pay_budget_row b;
	enum pb_pay_status to;
	char budget_id[37];

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	/* take the budget first, as every writer of a budget's payments does
	 * (a cessation or stop locks the budget before its payments) */
	err = pb_pay_store_payment_budget(db, actor->la, id, budget_id);
	if (err == PB_OK)
		err = pb_pay_store_budget_share(db, actor->la, budget_id, &b);
	if (err == PB_OK)
		err = pb_pay_store_payment_lock(db, actor->la, id, &row);
	if (err == PB_OK && action == PB_PAY_ACTION_APPROVE)
		err = pb_duty_separate(row.created_by, actor->sub, "a payment must be approved",
		    "the person who created it", p);
	if (err == PB_OK)
		err = pb_pay_transition(row.status, action, &to, p);
	if (err == PB_OK && action == PB_PAY_ACTION_APPROVE)
		err = approval_rules(db, actor->la, &row, p);
	if (err == PB_OK)
		err = pb_pay_store_set_status(db, actor, id, to, reason);
	if (err == PB_OK)
		err = pb_pay_store_payment_json(db, actor->la, id, json, NULL);
	if (err == PB_OK)
		err = audit(db, actor, events[action], "payment", id, *json, reason);
	err = pb_db_finish_json(db, err, json);
	return err;
}

enum pb_err pb_pay_wind_down(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, int *cancelled, int *ended)
{
	char *payments = NULL, *schedules = NULL;
	enum pb_err err = pb_pay_store_cancel_wind_down(db, actor, w, &payments, cancelled);

	if (err == PB_OK && *cancelled > 0)
		err = pb_audit_record_many(db, actor, "payment.cancelled", "payment", payments);
	if (err == PB_OK)
		err = pb_pay_store_end_schedules(db, actor, w, &schedules, ended);
	if (err == PB_OK && *ended > 0)
		err = pb_audit_record_many(db, actor, "schedule.ended", "schedule", schedules);
	free(payments);
	free(schedules);
	return err;
}

enum pb_err pb_pay_cancel_open(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, int *count)
{
	char *entities = NULL;
	enum pb_err err = pb_pay_store_cancel_open(db, actor, budget_id, reason, &entities, count);

	if (err == PB_OK && *count > 0)
		err = pb_audit_record_many(db, actor, "payment.cancelled", "payment", entities);
	free(entities);
	return err;
}

enum pb_err pb_pay_approve(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, struct pb_problem *p, char **json)
{
	return act(db, actor, id, PB_PAY_ACTION_APPROVE, reason, p, json);
}

enum pb_err pb_pay_cancel(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, struct pb_problem *p, char **json)
{
	return act(db, actor, id, PB_PAY_ACTION_CANCEL, reason, p, json);
}

/* --- schedules ----------------------------------------------------------------- */

#define MAX_TERMS 600                 /* 6 a year for a century */
#define MAX_YEARS 200

/* The council's term dates (PAY-21), loaded for termly schedules. */
struct terms {
	int32_t starts[MAX_TERMS];
	int years[MAX_YEARS];
	size_t n, ny;
};

static struct terms *terms_new(void)
{
	struct terms *t = calloc(1, sizeof(*t));

	if (t == NULL)
		abort();
	return t;
}

/* The calendar of s (termly: on t's term starts; t may be NULL otherwise). */
static struct pb_pay_sched_spec spec_of(const struct pb_pay_schedule *s, const struct terms *t)
{
	struct pb_pay_sched_spec spec = { s->start_date, s->end_date, s->frequency,
	    t ? t->starts : NULL, t ? t->n : 0 };
	return spec;
}

/* The audit row and event of a schedule change: {"before", "after",
 * "reason"?}, payload after; *json gets the schedule after (and its
 * version). */
static enum pb_err audit_schedule(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *id, const char *before, const char *reason,
    char **json, int *version)
{
	enum pb_err err = pb_pay_store_schedule_json(db, actor->la, id, json, version);

	if (err)
		return err;
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToObject(c, "before", before ? cJSON_Parse(before) : cJSON_CreateNull());
	cJSON_AddItemToObject(c, "after", cJSON_Parse(*json));
	if (reason != NULL)
		cJSON_AddStringToObject(c, "reason", reason);
	char *changes = pb_json_print(c);
	err = pb_audit_record(db, actor, action, "schedule", id, changes, action, *json);
	free(changes);
	return err;
}

/* PAY-24 over the schedule's life: what s would still pay — its dates up
 * to the budget period's end not in have[0..nhave), within its cap — must
 * fit the element's remaining.  With cap_to_remaining the cap becomes
 * live + remaining (what it has made plus what the element holds) and the
 * check passes; s->cap_pence is updated either way.  A termly schedule
 * needs term dates for each year it touches (PAY-21). */
static enum pb_err check_projection(struct pb_db *db, const char *la,
    struct pb_pay_schedule *s, int32_t period_end, int64_t remaining, int64_t live,
    const int32_t *have, size_t nhave, int cap_to_remaining, struct pb_problem *p)
{
	struct terms *t = NULL;
	int64_t total = 0;
	size_t count = 0;
	int32_t last = s->end_date != PB_DATE_NONE && s->end_date < period_end ? s->end_date
	    : period_end;
	enum pb_err err = PB_OK;

	if (s->frequency == PB_PAY_FREQ_TERMLY) {
		t = terms_new();
		err = pb_pay_store_terms(db, la, t->starts, MAX_TERMS, &t->n, t->years, MAX_YEARS,
		    &t->ny);
		if (err == PB_OK)
			err = pb_pay_check_terms(s->start_date, last, t->years, t->ny, p);
	}
	struct pb_pay_sched_spec spec = spec_of(s, t);
	if (err == PB_OK)
		err = pb_pay_schedule_projected(&spec, last, s->amount_pence, have, nhave,
		    s->cap_pence >= 0 ? s->cap_pence - live : -1, &total, &count);
	free(t);
	if (err)
		return err;
	if (cap_to_remaining) {
		s->cap_pence = live + (remaining > 0 ? remaining : 0);
		return PB_OK;
	}
	if (total <= remaining)
		return PB_OK;
	pb_problem_value(p, "projected_total_pence", total);
	pb_problem_value(p, "remaining_pence", remaining);
	return pb_problem_set(p, PB_ERULE, "PAY-24", "The schedule would pay %lld pence in %zu "
	    "instalments up to its end, more than the %lld pence remaining on the element; "
	    "shorten it, lower the amount, or send cap_to_remaining: true.",
	    (long long)total, count, (long long)remaining);
}

enum pb_err pb_pay_schedule_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_schedule_in *in, struct pb_problem *p, char id[37],
    char **json)
{
	struct facts x;
	struct pb_pay_schedule s;

	*json = NULL;
	memset(&s, 0, sizeof(s));
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = load_facts(db, actor->la, in->budget_id, in->element_id, in->payee_id, 1, &x, p);
	if (err == PB_OK && x.f.element_in_budget &&
	    x.e.arrangement != PB_ARR_DIRECT_PAYMENT)
		err = pb_problem_field(p, "element_id", "not_direct_payment",
		    "Schedules are recurring direct payments: the element must be a direct payment.");
	if (err == PB_OK) {
		/* validated like its first instalment (PAY-21 schedules carry
		 * direct payments to the recipient); a capped one's first may be
		 * reduced to the remaining */
		x.f.amount_pence = in->amount_pence;
		if (in->cap_to_remaining && x.f.element_remaining_pence > 0 &&
		    x.f.element_remaining_pence < in->amount_pence)
			x.f.amount_pence = x.f.element_remaining_pence;
		x.f.due_date = in->start_date;
		x.f.purpose = PB_PAY_PURPOSE_DIRECT_PAYMENT;
		err = pb_pay_check_create(&x.f, p);
	}
	if (err == PB_OK && in->end_date != PB_DATE_NONE && in->end_date > x.b.period_end)
		err = pb_problem_set(p, PB_ERULE, "PAY-24",
		    "The schedule ends after the budget period.");
	if (err)
		goto out;
	pb_uuid_new(id);
	memcpy(s.id, id, 37);
	snprintf(s.budget_id, sizeof(s.budget_id), "%s", in->budget_id);
	snprintf(s.element_id, sizeof(s.element_id), "%s", in->element_id);
	snprintf(s.payee_id, sizeof(s.payee_id), "%s", in->payee_id);
	s.amount_pence = in->amount_pence;
	s.frequency = in->frequency;
	s.start_date = in->start_date;
	s.end_date = in->end_date;
	s.cap_pence = -1;
	err = check_projection(db, actor->la, &s, x.b.period_end, x.f.element_remaining_pence, 0,
	    NULL, 0, in->cap_to_remaining, p);
	if (err == PB_OK)
		err = pb_pay_store_schedule_insert(db, actor, &s, json);
	if (err == PB_OK)
		err = audit(db, actor, "schedule.created", "schedule", id, *json, NULL);
out:
	err = pb_db_finish_json(db, err, json);
	return err;
}

/* Open a change of schedule id: lock its budget (FOR SHARE), its element
 * (FOR UPDATE) and the schedule (FOR UPDATE), in that order (every writer
 * of a budget's money does), then If-Match, then the schedule must be
 * active.  *before is its JSON (malloc'd). */
static enum pb_err schedule_open(struct pb_db *db, const char *la, const char *id,
    int if_match, struct pb_pay_schedule *s, struct pb_pay_budget_row *b,
    struct pb_pay_element_row *e, char **before, struct pb_problem *p)
{
	enum pb_err err = pb_pay_store_schedule_read(db, la, id, s);

	*before = NULL;
	if (err == PB_OK)
		err = pb_pay_store_budget_share(db, la, s->budget_id, b);
	if (err == PB_OK)
		err = pb_pay_store_element_lock(db, la, s->budget_id, s->element_id, e);
	if (err == PB_OK)
		err = pb_pay_store_schedule_lock(db, la, id, s);
	if (err == PB_OK && if_match >= 0 && if_match != s->version)
		err = PB_EPRECONDITION;
	if (err == PB_OK && strcmp(s->status, "active") != 0)
		err = pb_problem_set(p, PB_ETRANSITION, NULL, "The schedule is %s; only an active "
		    "schedule can be changed or stopped.", s->status);
	if (err == PB_OK)
		err = pb_pay_store_schedule_json(db, la, id, before, NULL);
	return err;
}

/* Cancel the schedule's unexported instalments due after `after`, each
 * audited (payment.cancelled). */
static enum pb_err cancel_instalments_after(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t after, const char *reason)
{
	struct pb_pay_wind_down w = { NULL, NULL, after, after, reason, id };
	char *payments = NULL;
	int n = 0;
	enum pb_err err = pb_pay_store_cancel_wind_down(db, actor, &w, &payments, &n);

	if (err == PB_OK && n > 0)
		err = pb_audit_record_many(db, actor, "payment.cancelled", "payment", payments);
	free(payments);
	return err;
}

enum pb_err pb_pay_schedule_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_pay_schedule_patch *in, int if_match,
    struct pb_problem *p, char **json, int *version)
{
	struct pb_pay_schedule s;
	struct pb_pay_budget_row b;
	struct pb_pay_element_row e;
	int32_t *have = calloc(MAX_INSTALMENTS, sizeof(*have));
	size_t nhave = 0;
	int64_t live = 0;
	int settled = 0;
	char *before = NULL;

	*json = NULL;
	if (have == NULL)
		abort();
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = schedule_open(db, actor->la, id, if_match, &s, &b, &e, &before, p);
	if (err == PB_OK && in->has_amount)
		s.amount_pence = in->amount_pence;
	if (err == PB_OK && in->has_end) {
		s.end_date = in->end_date;
		if (s.end_date != PB_DATE_NONE && s.end_date < s.start_date)
			err = pb_problem_field(p, "end_date", "invalid",
			    "end_date cannot be before the schedule's start_date.");
		else if (s.end_date != PB_DATE_NONE && s.end_date > b.period_end)
			err = pb_problem_set(p, PB_ERULE, "PAY-24",
			    "The schedule ends after the budget period.");
	}
	if (err == PB_OK && in->has_end)
		err = pb_pay_store_schedule_money(db, actor->la, id, s.end_date, &live, &settled);
	if (err == PB_OK && settled > 0)
		err = pb_problem_set(p, PB_ECONFLICT, NULL, "%d instalment(s) due after the new "
		    "end date have already been exported; the end cannot be moved before them.",
		    settled);
	if (err == PB_OK && in->has_end && s.end_date != PB_DATE_NONE)
		err = cancel_instalments_after(db, actor, id, s.end_date, "schedule end date moved");
	/* the facts after the cancellations: the remaining they released, what
	 * the schedule has made */
	if (err == PB_OK)
		err = pb_pay_store_element_lock(db, actor->la, s.budget_id, s.element_id, &e);
	if (err == PB_OK)
		err = pb_pay_store_schedule_money(db, actor->la, id, PB_DATE_NONE, &live, &settled);
	if (err == PB_OK)
		err = pb_pay_store_schedule_dates(db, actor->la, id, have, MAX_INSTALMENTS, &nhave);
	if (err == PB_OK)
		err = check_projection(db, actor->la, &s, b.period_end,
		    e.allocated_pence - e.committed_pence - e.spent_pence, live, have, nhave,
		    in->cap_to_remaining, p);
	if (err == PB_OK)
		err = pb_pay_store_schedule_update(db, actor->la, &s);
	if (err == PB_OK)
		err = audit_schedule(db, actor, "schedule.updated", id, before, NULL, json, version);
	free(before);
	free(have);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_pay_schedule_stop(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, int32_t today, int if_match,
    struct pb_problem *p, char **json, int *version)
{
	struct pb_pay_schedule s;
	struct pb_pay_budget_row b;
	struct pb_pay_element_row e;
	char *before = NULL;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = schedule_open(db, actor->la, id, if_match, &s, &b, &e, &before, p);
	if (err == PB_OK)
		err = pb_pay_store_schedule_stop(db, actor, id, today, reason);
	if (err == PB_OK)
		err = cancel_instalments_after(db, actor, id, today, reason);
	if (err == PB_OK)
		err = audit_schedule(db, actor, "schedule.stopped", id, before, reason, json, version);
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_pay_schedule_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *status, const char *cursor, int limit, char **json)
{
	enum pb_err err = budget_id ? pb_budget_visible(db, scope, budget_id) : PB_OK;

	if (err)
		return err;
	return pb_pay_store_schedule_list(db, scope, budget_id, status, cursor, limit, json);
}

enum pb_err pb_pay_schedule_skips(struct pb_db *db, const struct pb_scope *scope,
    const char *id, const char *cursor, int limit, char **json)
{
	char *one = NULL;
	enum pb_err err = pb_pay_store_schedule_get(db, scope, id, &one, NULL);

	free(one);
	if (err)
		return err;
	return pb_pay_store_skips_list(db, scope->la, id, cursor, limit, json);
}

enum pb_err pb_pay_term_dates_put(struct pb_db *db, const struct pb_actor *actor, int year,
    const char *starts_json, int if_match, char **json, int *version)
{
	char *before = NULL, id[37];
	int have = 0;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_pay_store_term_year_lock(db, actor->la, year, &before, &have);
	if (err == PB_ENOTFOUND)
		err = PB_OK;              /* a new year: version 0 */
	if (err == PB_OK && if_match >= 0 && if_match != have)
		err = PB_EPRECONDITION;
	if (err == PB_OK)
		err = pb_pay_store_term_year_put(db, actor, year, starts_json, id, json, version);
	if (err == PB_OK) {
		char *changes = pb_audit_before_after(before, *json);
		err = pb_audit_record(db, actor, "term_dates.set", "term_dates", id, changes,
		    "term_dates.set", *json);
		free(changes);
	}
	free(before);
	return pb_db_finish_json(db, err, json);
}

enum pb_err pb_pay_term_dates_list(struct pb_db *db, const char *la, char **json)
{
	return pb_pay_store_term_list(db, la, json);
}

struct materialise {
	struct pb_db *db;
	const struct pb_actor *actor;
	int32_t until;
	int created;
	cJSON *payments, *skipped;
};

/* Report a skipped instalment in the answer and store it (schedule_skips). */
static enum pb_err skip(struct materialise *m, const char *schedule_id, int32_t due,
    enum pb_err err, const struct pb_problem *p)
{
	char d[11];
	const char *detail = p->detail[0] ? p->detail :
	    (p->nerrors > 0 ? p->errors[0].message : "refused");
	cJSON *it = cJSON_CreateObject();

	pb_date_format(due, d);
	cJSON_AddStringToObject(it, "schedule_id", schedule_id);
	cJSON_AddStringToObject(it, "due_date", d);
	cJSON_AddStringToObject(it, "reason", pb_err_code(err));
	if (p->rule[0])
		cJSON_AddStringToObject(it, "rule", p->rule);
	else
		cJSON_AddNullToObject(it, "rule");
	cJSON_AddStringToObject(it, "detail", detail);
	cJSON_AddItemToArray(m->skipped, it);
	return pb_pay_store_skip_record(m->db, m->actor->la, schedule_id, due, pb_err_code(err),
	    p->rule, detail);
}

static int already(const int32_t *dates, size_t n, int32_t d)
{
	for (size_t i = 0; i < n; i++)
		if (dates[i] == d)
			return 1;
	return 0;
}

/* Is err a refusal of one instalment (reported), not a failure? */
static int refusal(enum pb_err err)
{
	return err == PB_EINVAL || err == PB_ETRANSITION || err == PB_ERULE ||
	    err == PB_EFUNDS;
}

/* Under the element's lock: the schedule as it is now (a stop or change
 * that committed first is seen), its terms when termly, what it has made
 * (dates, live total) and the dates due by until. */
static enum pb_err materialise_plan(struct materialise *m, const char *id, int32_t until,
    struct pb_pay_schedule *s, int32_t *due, size_t *ndue, int32_t *have, size_t *nhave,
    int64_t *live)
{
	struct terms *t = NULL;
	int settled = 0;
	enum pb_err err = pb_pay_store_schedule_share(m->db, m->actor->la, id, s);

	*ndue = 0;
	if (err || s->stopped)
		return err;
	if (s->frequency == PB_PAY_FREQ_TERMLY) {
		t = terms_new();
		err = pb_pay_store_terms(m->db, m->actor->la, t->starts, MAX_TERMS, &t->n, t->years,
		    MAX_YEARS, &t->ny);
	}
	struct pb_pay_sched_spec spec = spec_of(s, t);
	/* more than MAX_INSTALMENTS due: the first ones now, the rest on the
	 * next run */
	if (err == PB_OK && pb_pay_sched_dates(&spec, until, due, MAX_INSTALMENTS, ndue) != PB_OK &&
	    *ndue != MAX_INSTALMENTS)
		*ndue = 0;
	free(t);
	if (err == PB_OK)
		err = pb_pay_store_schedule_dates(m->db, m->actor->la, id, have, MAX_INSTALMENTS,
		    nhave);
	if (err == PB_OK)
		err = pb_pay_store_schedule_money(m->db, m->actor->la, id, PB_DATE_NONE, live,
		    &settled);
	return err;
}

/* One schedule, one transaction: every due instalment not yet there. */
static enum pb_err materialise_one(const struct pb_pay_schedule *listed, void *arg)
{
	struct materialise *m = arg;
	struct pb_db *db = m->db;
	struct pb_pay_schedule sc;
	const struct pb_pay_schedule *s = &sc;
	struct facts x;
	struct pb_problem p;
	int32_t *due = NULL, *have = NULL;
	size_t ndue = 0, nhave = 0;
	int64_t live = 0;
	char id[37];
	cJSON *made = cJSON_CreateArray();
	int made_n = 0;

	if (listed->start_date > m->until) {
		cJSON_Delete(made);
		return PB_OK;                  /* nothing due yet: no locks */
	}
	pb_problem_init(&p);
	due = calloc(MAX_INSTALMENTS, sizeof(*due));
	have = calloc(MAX_INSTALMENTS, sizeof(*have));
	if (due == NULL || have == NULL)
		abort();
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = load_facts(db, m->actor->la, listed->budget_id, listed->element_id,
		    listed->payee_id, 1, &x, &p);
	if (err == PB_OK)
		err = materialise_plan(m, listed->id,
		    m->until < x.b.period_end ? m->until : x.b.period_end, &sc, due, &ndue, have,
		    &nhave, &live);
	for (size_t i = 0; i < ndue && err == PB_OK; i++) {
		int inserted = 0;
		int64_t amount = s->amount_pence;
		if (already(have, nhave, due[i]))
			continue;
		pb_problem_init(&p);
		if (s->cap_pence >= 0 && amount > s->cap_pence - live)
			amount = s->cap_pence - live;    /* the last one reduced to the cap */
		if (amount <= 0) {
			pb_problem_set(&p, PB_ERULE, "PAY-24", "The schedule has paid its cap of %lld "
			    "pence.", (long long)s->cap_pence);
			err = skip(m, s->id, due[i], PB_ERULE, &p);
			continue;
		}
		x.f.amount_pence = amount;
		x.f.due_date = due[i];
		x.f.purpose = PB_PAY_PURPOSE_DIRECT_PAYMENT;
		enum pb_err r = pb_pay_check_create(&x.f, &p);
		if (refusal(r)) {
			err = skip(m, s->id, due[i], r, &p);
			continue;
		}
		struct pb_pay_new row = { s->budget_id, s->element_id, s->payee_id,
		    amount, PB_PAY_PURPOSE_DIRECT_PAYMENT, "scheduled direct payment",
		    due[i], s->created_by, s->id, NULL, NULL };
		err = r;
		if (err == PB_OK)
			err = pb_pay_store_insert(db, m->actor->la, &row, id, &inserted);
		if (err == PB_OK && inserted) {
			char *json = NULL;
			x.f.element_remaining_pence -= amount;
			live += amount;
			err = pb_pay_store_skip_resolve(db, m->actor->la, s->id, due[i], id);
			if (err == PB_OK)
				err = pb_pay_store_payment_json(db, m->actor->la, id, &json, NULL);
			if (err == PB_OK)
				err = audit(db, m->actor, "payment.created", "payment", id, json, NULL);
			free(json);
			cJSON_AddItemToArray(made, cJSON_CreateString(id));
			made_n++;
		}
	}
	if (refusal(err)) {
		/* the constraint refused what the locked check allowed (funds, a
		 * stop, the cap), or the schedule's facts themselves are refused
		 * (e.g. its payee): keep nothing of this schedule, store the
		 * skip on its own, carry on with the next */
		if (err == PB_EFUNDS)
			pb_problem_set(&p, PB_EFUNDS, "PAY-24", "The element's remaining funds ran out.");
		pb_db_rollback(db);
		made_n = 0;
		cJSON_Delete(made);
		made = cJSON_CreateArray();
		err = skip(m, listed->id, listed->start_date, err, &p);
	} else {
		err = pb_db_finish(db, err);
	}
	if (err == PB_OK && made_n > 0) {
		cJSON *it;
		m->created += made_n;
		while ((it = cJSON_DetachItemFromArray(made, 0)) != NULL)
			cJSON_AddItemToArray(m->payments, it);
	}
	cJSON_Delete(made);
	free(due);
	free(have);
	return err;
}

enum pb_err pb_pay_materialise(struct pb_db *db, const struct pb_actor *actor,
    int32_t until, char **json)
{
	struct materialise m = { db, actor, until, 0, cJSON_CreateArray(), cJSON_CreateArray() };

	*json = NULL;
	enum pb_err err = pb_pay_store_schedules(db, actor->la, materialise_one, &m);
	cJSON *o = cJSON_CreateObject();
	pb_json_add_int(o, "created", m.created);
	cJSON_AddItemToObject(o, "payments", m.payments);
	cJSON_AddItemToObject(o, "skipped", m.skipped);
	char *text = pb_json_print(o);
	if (err)
		free(text);
	else
		*json = text;
	return err;
}

struct councils {
	struct pb_db *db;
	const char *sub, *request_id;
	int32_t until;
	pb_pay_council_fn *fn;
	void *arg;
};

static enum pb_err materialise_council(const char *la, void *arg)
{
	struct councils *c = arg;
	struct pb_actor actor = { la, c->sub, c->request_id };
	char *json = NULL;

	enum pb_err err = pb_pay_materialise(c->db, &actor, c->until, &json);
	if (err == PB_OK)
		c->fn(la, json, c->arg);
	free(json);
	return err;
}

enum pb_err pb_pay_materialise_councils(struct pb_db *db, const char *la,
    const char *sub, const char *request_id, int32_t until, pb_pay_council_fn *fn,
    void *arg)
{
	struct councils c = { db, sub, request_id, until, fn, arg };

	if (la != NULL)
		return materialise_council(la, &c);
	return pb_pay_store_schedule_las(db, materialise_council, &c);
}

enum pb_err pb_pay_idempotency_purge(struct pb_db *db, int *count)
{
	return pb_pay_store_idem_purge(db, count);
}

/* --- payment runs ----------------------------------------------------------------- */

/* An audit row and event (type = action) for each payment of run_id, or
 * only those in ids_json when it is not NULL, in one statement. */
static enum pb_err audit_run_payments(struct pb_db *db, const struct pb_actor *actor,
    const char *action, const char *run_id, const char *ids_json)
{
	char *entities = NULL;
	enum pb_err err = pb_pay_store_run_entities(db, actor->la, run_id, ids_json, &entities);

	if (err == PB_OK)
		err = pb_audit_record_many(db, actor, action, "payment", entities);
	free(entities);
	return err;
}

enum pb_err pb_pay_run_create(struct pb_db *db, const struct pb_actor *actor,
    int32_t due_on_or_before, char id[37], char **json)
{
	int count = 0;

	*json = NULL;
	pb_uuid_new(id);
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_pay_store_run_insert(db, actor, id, due_on_or_before);
	if (err == PB_OK)
		err = pb_pay_store_run_export(db, actor->la, id, due_on_or_before, &count);
	if (err == PB_OK && count > 0)
		err = audit_run_payments(db, actor, "payment.exported", id, NULL);
	if (err == PB_OK)
		err = pb_pay_store_run_json(db, actor->la, id, json, NULL);
	if (err == PB_OK)
		err = audit(db, actor, "payment_run.created", "payment_run", id, *json, NULL);
	err = pb_db_finish_json(db, err, json);
	return err;
}

static int cmp_settle(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pb_pay_settle_row *)elem)->id);
}

/* Decide each result against the locked rows; fill the change list and
 * the ids per outcome.  Field errors and conflicts go into p. */
static enum pb_err plan_results(const char *run_id, const struct pb_pay_result_in *results,
    size_t n, const struct pb_pay_settle_row *rows, size_t nrows, cJSON *changes,
    cJSON *paid, cJSON *failed, struct pb_problem *p)
{
	char fld[48];

	for (size_t i = 0; i < n; i++) {
		const struct pb_pay_result_in *r = &results[i];
		const struct pb_pay_settle_row *row = nrows ? bsearch(r->payment_id, rows, nrows,
		    sizeof(*rows), cmp_settle) : NULL;
		if (row == NULL || strcmp(row->run_id, run_id) != 0) {
			snprintf(fld, sizeof(fld), "results[%zu].payment_id", i);
			pb_problem_field(p, fld, "not_in_run", "Payment %s is not in this run.",
			    r->payment_id);
			continue;
		}
		if (row->status == r->outcome)
			continue;                        /* the same result again */
		enum pb_pay_action a = r->outcome == PB_PAY_STATUS_PAID ? PB_PAY_ACTION_PAID
		    : PB_PAY_ACTION_FAILED;
		if (p->err == PB_OK && pb_pay_transition(row->status, a, NULL, NULL) != PB_OK)
			return pb_problem_set(p, PB_ECONFLICT, NULL, "Payment %s is already %s; a "
			    "different result cannot be recorded.", r->payment_id,
			    pb_pay_status_str(row->status));
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "payment_id", r->payment_id);
		cJSON_AddStringToObject(c, "outcome", pb_pay_status_str(r->outcome));
		if (r->failure_reason != NULL)
			cJSON_AddStringToObject(c, "failure_reason", r->failure_reason);
		cJSON_AddItemToArray(changes, c);
		cJSON_AddItemToArray(r->outcome == PB_PAY_STATUS_PAID ? paid : failed,
		    cJSON_CreateString(r->payment_id));
	}
	return p->err;
}

enum pb_err pb_pay_run_results(struct pb_db *db, const struct pb_actor *actor,
    const char *run_id, const struct pb_pay_result_in *results, size_t n,
    struct pb_problem *p, char **json)
{
	struct pb_pay_settle_row *rows = calloc(n ? n : 1, sizeof(*rows));
	cJSON *ids = cJSON_CreateArray(), *changes = cJSON_CreateArray();
	cJSON *paid = cJSON_CreateArray(), *failed = cJSON_CreateArray();
	char *ids_json = NULL, *changes_json = NULL, *paid_json = NULL, *failed_json = NULL;
	size_t nrows = 0;

	*json = NULL;
	if (rows == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(results[i].payment_id));
	ids_json = pb_json_print(ids);
	enum pb_err err = pb_db_begin(db);
	if (err == PB_OK)
		err = pb_pay_store_run_lock(db, actor->la, run_id);
	if (err == PB_OK)
		err = pb_pay_store_settle_rows(db, actor->la, ids_json, rows, n, &nrows);
	if (err == PB_OK)
		err = plan_results(run_id, results, n, rows, nrows, changes, paid, failed, p);
	int nchanged = cJSON_GetArraySize(changes), npaid = cJSON_GetArraySize(paid);
	changes_json = pb_json_print(changes);
	paid_json = pb_json_print(paid);
	failed_json = pb_json_print(failed);
	if (err == PB_OK && nchanged > 0)
		err = pb_pay_store_settle(db, actor->la, run_id, changes_json);
	if (err == PB_OK && npaid > 0)
		err = audit_run_payments(db, actor, "payment.paid", run_id, paid_json);
	if (err == PB_OK && nchanged > npaid)
		err = audit_run_payments(db, actor, "payment.failed", run_id, failed_json);
	if (err == PB_OK)
		err = pb_pay_store_run_json(db, actor->la, run_id, json, NULL);
	err = pb_db_finish_json(db, err, json);
	free(rows);
	free(ids_json);
	free(changes_json);
	free(paid_json);
	free(failed_json);
	return err;
}

enum pb_err pb_pay_run_list(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json)
{
	return pb_pay_store_run_list(db, la, status, cursor, limit, json);
}

enum pb_err pb_pay_run_reconciliation(struct pb_db *db, const char *la, const char *id,
    const char *cursor, int limit, char **json)
{
	return pb_pay_store_run_reconciliation(db, la, id, cursor, limit, json);
}

/* The run locked, its move checked (from: the status it must have), the
 * move made, the run's document, audit row and event. */
enum pb_err pb_pay_run_move(struct pb_db *db, const struct pb_actor *actor, const char *id,
    const struct pb_pay_run_move_in *in, struct pb_problem *p, char **json, int *version)
{
	struct pb_pay_run_row r;
	char *before = NULL;
	int sent = in->to_sent;

	*json = NULL;
	enum pb_err err = pb_db_begin(db);
	if (err)
		return err;
	err = pb_pay_store_run_lock_row(db, actor->la, id, &r);
	if (err == PB_OK)
		err = pb_pay_store_run_json(db, actor->la, id, &before, version);
	if (err == PB_OK && in->if_match >= 0 && in->if_match != *version)
		err = pb_problem_set(p, PB_EPRECONDITION, NULL, "The run has changed (version %d).",
		    *version);
	if (err == PB_OK && strcmp(r.status, sent ? "created" : "sent") != 0)
		err = pb_problem_set(p, PB_ETRANSITION, NULL, "A %s run cannot be %s.", r.status,
		    sent ? "marked sent" : "reconciled");
	if (err == PB_OK && sent && r.export_sha256[0] == '\0')
		err = pb_problem_set(p, PB_ECONFLICT, NULL, "Download the bank file "
		    "(GET /v1/payment-runs/%s/export) before marking it sent.", id);
	if (err == PB_OK && sent && in->file_sha256 != NULL &&
	    strcmp(in->file_sha256, r.export_sha256) != 0)
		err = pb_problem_field(p, "file_sha256", "mismatch", "The file sent is not the "
		    "latest one downloaded (sha256 %s).", r.export_sha256);
	if (err == PB_OK && !sent && r.outstanding > 0)
		err = pb_problem_set(p, PB_ECONFLICT, NULL, "%d payment(s) of this run have no "
		    "result yet; record them (POST /v1/payment-runs/%s/results) first.",
		    r.outstanding, id);
	if (err == PB_OK)
		err = sent ? pb_pay_store_run_mark_sent(db, actor, id, in->sent_on, in->reference)
		    : pb_pay_store_run_mark_reconciled(db, actor, id);
	if (err == PB_OK)
		err = pb_pay_store_run_json(db, actor->la, id, json, version);
	if (err == PB_OK) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddItemToObject(c, "before", cJSON_Parse(before));
		cJSON_AddItemToObject(c, "after", cJSON_Parse(*json));
		char *changes = pb_json_print(c);
		const char *action = sent ? "payment_run.sent" : "payment_run.reconciled";
		err = pb_audit_record(db, actor, action, "payment_run", id, changes, action, *json);
		free(changes);
	}
	free(before);
	return pb_db_finish_json(db, err, json);
}

/* One credit of a bank file, held until the file is written. */
struct bacs_line {
	char sort_code[7], account[9], ref[PB_PAY_REFERENCE_LEN + 1];
	char payee_name[201], payment_id[37];
	int64_t amount_pence;
};

struct export_ctx {
	struct pb_db *db;
	const char *la, *run_id;
	const unsigned char *bank_key;
	const unsigned char *bank_key_old;
	enum pb_pay_export_format format;
	struct pb_problem *p;
	struct pb_buf buf;
	struct bacs_line *bacs;          /* bacs18: the credits so far */
	size_t nbacs, capbacs;
	struct pb_pay_export_out *out;
};

/* The payee's bank details opened into sort_code and account ("" when it
 * has none). */
static enum pb_err open_bank(struct export_ctx *x, const struct pb_pay_run_line *l,
    char sort_code[7], char account[9])
{
	struct pb_bank_sealed sealed;
	int has_bank = 0;
	enum pb_err err = PB_OK;

	if (x->bank_key == NULL)
		return pb_problem_set(x->p, PB_EUNAVAILABLE, NULL, "Bank details cannot be "
		    "opened: PB_BANK_KEY is not configured on this deployment.");
	err = pb_payee_sealed_bank(x->db, x->la, l->payee_id, &sealed, &has_bank);
	if (err == PB_OK && has_bank &&
	    pb_bank_open_either(x->bank_key, x->bank_key_old, x->la, l->payee_id, &sealed,
	    sort_code, account)
	    != PB_OK) {
		pb_log(PB_LOG_ERROR, "bank details of payee %s do not open with this key",
		    l->payee_id);
		err = PB_EINTERNAL;
	}
	OPENSSL_cleanse(&sealed, sizeof(sealed));
	return err;
}

static enum pb_err bacs_add(struct export_ctx *x, const struct pb_pay_run_line *l,
    const char *sort_code, const char *account)
{
	if (x->nbacs == x->capbacs) {
		size_t cap = x->capbacs ? 2 * x->capbacs : 64;
		struct bacs_line *nb = calloc(cap, sizeof(*nb));
		if (nb == NULL)
			abort();
		if (x->nbacs > 0)
			memcpy(nb, x->bacs, x->nbacs * sizeof(*nb));
		OPENSSL_cleanse(x->bacs, x->capbacs * sizeof(*nb));
		free(x->bacs);
		x->bacs = nb;
		x->capbacs = cap;
	}
	struct bacs_line *b = &x->bacs[x->nbacs++];
	snprintf(b->sort_code, sizeof(b->sort_code), "%s", sort_code);
	snprintf(b->account, sizeof(b->account), "%s", account);
	snprintf(b->payee_name, sizeof(b->payee_name), "%s", l->payee_name);
	snprintf(b->payment_id, sizeof(b->payment_id), "%s", l->payment_id);
	pb_pay_reference(l->payment_id, b->ref);
	b->amount_pence = l->amount_pence;
	return PB_OK;
}

static enum pb_err export_line(const struct pb_pay_run_line *l, void *arg)
{
	struct export_ctx *x = arg;
	char sort_code[7] = "", account[9] = "";
	enum pb_err err = PB_OK;

	if (l->has_bank)
		err = open_bank(x, l, sort_code, account);
	int has_details = sort_code[0] != '\0';
	int in_file = x->format == PB_PAY_EXPORT_CSV || has_details;
	if (err == PB_OK && x->format == PB_PAY_EXPORT_CSV) {
		struct pb_pay_csv_row row = { x->run_id, l->payment_id, l->payee_name, sort_code,
		    account, l->amount_pence, l->due_date, l->cost_centre, l->subjective_code };
		err = pb_pay_csv_row(&x->buf, &row) == PB_OK ? PB_OK : PB_EINTERNAL;
	} else if (err == PB_OK && in_file) {
		err = bacs_add(x, l, sort_code, account);
	}
	OPENSSL_cleanse(sort_code, sizeof(sort_code));
	OPENSSL_cleanse(account, sizeof(account));
	if (in_file) {
		x->out->count++;
		x->out->total_pence += l->amount_pence;
	}
	if (!has_details) {
		x->out->without_bank++;
		x->out->without_bank_pence += l->amount_pence;
	}
	return err;
}

/* The bank file of the credits collected, under the council's settings. */
static enum pb_err bacs_write(struct export_ctx *x, int32_t processing_day)
{
	struct pb_pay_bacs_settings s;
	char name[PB_BACS_FIELD + 1];
	enum pb_err err = pb_pay_store_bacs_settings(x->db, x->la, &s);

	if (err)
		return err;
	if (s.sun[0] == '\0' || s.sort_code[0] == '\0' || s.account[0] == '\0' ||
	    s.name[0] == '\0')
		return pb_problem_set(x->p, PB_ECONFLICT, NULL, "The council's BACS details are "
		    "not configured: PATCH /v1/settings with bacs_service_user_number, "
		    "bacs_sort_code, bacs_account_number and bacs_originator_name first.");
	int64_t total = 0;
	for (size_t i = 0; i < x->nbacs; i++)
		total += x->bacs[i].amount_pence;
	if (x->nbacs == 0)
		return pb_problem_set(x->p, PB_ECONFLICT, NULL, "No payment of this run has bank "
		    "details, so there is no bank file to submit; the CSV lists them.");
	if (total > PB_BACS_AMOUNT_MAX)
		return pb_problem_set(x->p, PB_ECONFLICT, NULL, "This run's total is more than one "
		    "BACS file carries (11 digits of pence); pay it in smaller runs.");
	struct pb_bacs_credit *c = calloc(x->nbacs + 1, sizeof(*c));
	if (c == NULL)
		abort();
	for (size_t i = 0; i < x->nbacs; i++) {
		struct pb_bacs_credit ci = { x->bacs[i].sort_code, x->bacs[i].account,
		    x->bacs[i].payee_name, x->bacs[i].ref, x->bacs[i].amount_pence };
		c[i] = ci;
	}
	struct pb_bacs_origin o = { s.sun, s.sort_code, s.account, s.name, x->run_id,
	    processing_day };
	size_t bad = x->nbacs;
	if (pb_bacs18_file(&x->buf, &o, c, x->nbacs, &bad) != PB_OK)
		err = bad < x->nbacs && pb_bacs_text(x->bacs[bad].payee_name, name) == 0 ?
		    pb_problem_set(x->p, PB_ECONFLICT, NULL, "Payment %s: its "
		    "payee's name has no character a BACS file can carry (A-Z, 0-9, . & / - and "
		    "space); rename the payee first.", x->bacs[bad].payment_id) : PB_EINTERNAL;
	OPENSSL_cleanse(c, (x->nbacs + 1) * sizeof(*c));
	free(c);
	return err;
}

/* The audit row of a download of a bank file: who, when (the row's), the
 * format, the run, its rows and total, the file's digest (never its
 * contents). */
static enum pb_err audit_download(struct pb_db *db, const struct pb_actor *actor,
    const char *run_id, enum pb_pay_export_format format, int32_t processing_day,
    const struct pb_pay_export_out *out)
{
	char day[11];
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "format", format == PB_PAY_EXPORT_CSV ? "csv" : "bacs18");
	if (format == PB_PAY_EXPORT_BACS18) {
		pb_date_format(processing_day, day);
		cJSON_AddStringToObject(c, "processing_date", day);
	}
	pb_json_add_int(c, "rows", out->count);
	pb_json_add_int(c, "total_pence", out->total_pence);
	pb_json_add_int(c, "without_bank_details", out->without_bank);
	cJSON_AddStringToObject(c, "sha256", out->sha256);
	char *changes = pb_json_print(c);
	enum pb_err err = pb_audit_record(db, actor, "payment_run.exported", "payment_run", run_id,
	    changes, NULL, NULL);
	free(changes);
	return err;
}

enum pb_err pb_pay_run_export(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const unsigned char *bank_key_old,
    const char *run_id, enum pb_pay_export_format format, int32_t processing_day,
    struct pb_problem *p, struct pb_pay_export_out *out)
{
	const char *la = actor->la;
	struct export_ctx x = { db, la, run_id, bank_key, bank_key_old, format, p, { 0 }, NULL,
	    0, 0, out };
	char *run = NULL;

	memset(out, 0, sizeof(*out));
	/* one transaction: the file is given only once its audit row is kept */
	enum pb_err err = pb_db_begin(db);
	/* the run must exist (an empty run still has its header row) */
	if (err == PB_OK)
		err = pb_pay_store_run_json(db, la, run_id, &run, NULL);
	free(run);
	if (err)
		return pb_db_finish(db, err);
	pb_buf_init(&x.buf, CSV_MAX_BYTES);
	if (format == PB_PAY_EXPORT_CSV)
		err = pb_pay_csv_header(&x.buf) == PB_OK ? PB_OK : PB_EINTERNAL;
	if (err == PB_OK)
		err = pb_pay_store_run_lines(db, la, run_id, export_line, &x);
	if (err == PB_OK && format == PB_PAY_EXPORT_BACS18)
		err = bacs_write(&x, processing_day);
	if (x.bacs != NULL)
		OPENSSL_cleanse(x.bacs, x.capbacs * sizeof(*x.bacs));
	free(x.bacs);
	if (err) {
		pb_buf_free(&x.buf);
		return pb_db_finish(db, err);
	}
	out->body = pb_buf_take(&x.buf, &out->len);
	/* what was sent is what every later download gives: a sent run whose
	 * file would now differ (a payee renamed, new bank details, another
	 * format or processing day) is refused */
	pb_sha256_hex(out->body, out->len, out->sha256);
	int ok = 0;
	err = pb_pay_store_run_download(db, la, run_id, out->sha256, &ok);
	if (err == PB_OK && !ok)
		err = pb_problem_set(p, PB_ECONFLICT, NULL, "This run was sent to the bank with "
		    "another file; this one would differ (another format or processing date, or a "
		    "payee or bank details changed), so it is not given.  Download the file that "
		    "was sent, or pay any difference in a new run.");
	if (err == PB_OK)
		err = audit_download(db, actor, run_id, format, processing_day, out);
	err = pb_db_finish(db, err);
	if (err) {
		OPENSSL_cleanse(out->body, out->len);
		free(out->body);
		out->body = NULL;
	}
	return err;
}

/* --- recoveries, surplus ------------------------------------------------------------ */

enum pb_err pb_pay_surplus_report(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, int threshold_weeks,
    enum pb_pay_surplus_scope which, char **json)
{
	struct pb_pay_surplus_row rows[SURPLUS_MAX_ELEMENTS];
	size_t n = 0;

	*json = NULL;
	enum pb_err err = pb_budget_visible(db, scope, budget_id);
	if (err == PB_OK)
		err = pb_pay_store_surplus_rows(db, scope->la, budget_id, element_id, rows,
		    SURPLUS_MAX_ELEMENTS, &n);
	if (err)
		return err;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "budget_id", budget_id);
	pb_json_add_int(o, "threshold_weeks", threshold_weeks);
	cJSON *items = cJSON_AddArrayToObject(o, "items");
	for (size_t i = 0; i < n; i++) {
		const struct pb_pay_surplus_row *r = &rows[i];
		struct pb_pay_surplus_in in = { .allocated_pence = r->allocated_pence,
		    .period_start = r->period_start, .period_end = r->period_end,
		    .net_paid_pence = r->spent_pence, .evidenced_spend_pence = r->evidenced_pence,
		    .threshold_weeks = threshold_weeks,
		    .unpaid_bills_pence = r->unpaid_bills_pence,
		    .contingency_pence = r->contingency_pence, .owed_pence = r->owed_pence,
		    .stopped = r->stopped_rule[0] != 0 };
		struct pb_pay_surplus_out s;
		if (pb_pay_surplus(&in, &s) != PB_OK ||
		    (which == PB_SURPLUS_OVER && !s.over_threshold))
			continue;
		cJSON *it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "element_id", rows[i].element_id);
		cJSON_AddStringToObject(it, "service_type", rows[i].service_type);
		pb_json_add_int(it, "allocated_pence", rows[i].allocated_pence);
		pb_json_add_int(it, "spent_pence", rows[i].spent_pence);
		pb_json_add_int(it, "evidenced_spend_pence", r->evidenced_pence);
		pb_json_add_int(it, "weekly_rate_pence", s.weekly_rate_pence);
		pb_json_add_int(it, "held_pence", s.held_pence);
		pb_json_add_int(it, "threshold_pence", s.threshold_pence);
		pb_json_add_int(it, "surplus_pence", s.surplus_pence);
		cJSON_AddBoolToObject(it, "over_threshold", s.over_threshold);
		pb_json_add_int(it, "unpaid_bills_pence", r->unpaid_bills_pence);
		pb_json_add_int(it, "contingency_pence", r->contingency_pence);
		if (r->inputs_recorded_at[0])
			cJSON_AddStringToObject(it, "inputs_recorded_at", r->inputs_recorded_at);
		else
			cJSON_AddNullToObject(it, "inputs_recorded_at");
		pb_json_add_int(it, "available_pence", s.available_pence);
		pb_json_add_int(it, "owed_pence", r->owed_pence);
		pb_json_add_int(it, "proposed_recovery_pence", s.proposed_pence);
		if (r->stopped_rule[0])   /* PAY-16/17: everything held is proposed */
			cJSON_AddStringToObject(it, "stopped_rule", r->stopped_rule);
		else
			cJSON_AddNullToObject(it, "stopped_rule");
		cJSON_AddItemToArray(items, it);
	}
	*json = pb_json_print(o);
	return PB_OK;
}
