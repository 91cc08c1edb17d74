/* SPDX-License-Identifier: MIT */
/*
 * payments/service.h — the payment disbursement service: each write is one
 * transaction that takes its locks (004_payments.sql gives the order),
 * loads the facts, asks rules.c, writes through store.c and records the
 * audit row and event (internal/audit) before committing.
 *
 * Inputs are already shape-checked by api/ (types, enums, lengths); this
 * layer checks everything that needs the database and every domain rule.
 * On refusal the problem names the field or the rule and the return value
 * is the enum pb_err api/ maps to HTTP.  On PB_OK, *json is malloc'd JSON
 * text (the caller frees).  `today` is passed in (UTC day number) so the
 * rules stay clock-free.  Thread-safety: one struct pb_db per thread.
 */
#ifndef PB_PAYMENTS_SERVICE_H
#define PB_PAYMENTS_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/problem.h"
#include "internal/core/scope.h"
#include "internal/payments/rules.h"

struct pb_db;

/* POST /v1/budgets/{id}/payments as sent. */
struct pb_pay_create_in {
	const char *budget_id, *element_id, *payee_id;
	int64_t amount_pence;
	enum pb_pay_purpose purpose;
	int32_t due_date;
	const char *description;
};

/* The idempotency of one create: the client's key (1-255 visible ASCII,
 * checked by api/) and the hex SHA-256 of the canonical request. */
struct pb_pay_idem {
	const char *key;
	char request_hash[65];
};

/* The answer to a create, fresh or replayed.  body is malloc'd (caller
 * frees); replayed = 1 when it is the stored answer of an earlier request
 * with the same key and the same request. */
struct pb_pay_answer {
	int status;
	char *body;
	char location[160];
	int replayed;
};

/* request_hash = hex SHA-256 of "METHOD\nPATH\nBODY" (body as sent, byte
 * for byte).  Pure. */
void pb_pay_request_hash(const char *method, const char *path, const char *body,
    size_t body_len, char out[65]);

/* Create a payment (pending_approval) once per idempotency key.  The key
 * row is inserted first: a concurrent request with the same key waits on
 * its unique index, then replays the committed answer.  Same key with
 * another request → PB_EIDEMPOTENCY.  Only successful creations are
 * remembered (a refused request leaves no key behind).  Errors:
 * PB_ENOTFOUND (budget), PB_EINVAL (element or payee not found),
 * PB_ETRANSITION (budget not approved), PB_ERULE (rule id in p),
 * PB_EFUNDS (over the element's remaining: checked under the element's
 * row lock, and by the BUD-9 constraint as the last line). */
enum pb_err pb_pay_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_create_in *in, const struct pb_pay_idem *idem,
    struct pb_problem *p, struct pb_pay_answer *out);

/* POST /v1/payments/{id}/reissue: a new pending_approval payment of the
 * failed payment failed_id's element, payee, amount, purpose and
 * description due on due_date, made by the same path as pb_pay_create
 * (the same idempotency, facts, rules and funds check), with reissue_of =
 * failed_id; the failed one gets reissued_as (audit payment.reissued with
 * reason, may be NULL).  A payment not failed → PB_ETRANSITION; one
 * already reissued → PB_ECONFLICT.  Other errors as pb_pay_create. */
enum pb_err pb_pay_reissue(struct pb_db *db, const struct pb_actor *actor,
    const char *failed_id, int32_t due_date, const char *reason,
    const struct pb_pay_idem *idem, struct pb_problem *p, struct pb_pay_answer *out);

/* GET /v1/payments: la's payments matching every filter given (NULL /
 * PB_DATE_NONE: any), by (due_date, id) after the cursor payment. */
struct pb_pay_filter {
	const char *status, *budget_id, *payee_id, *created_by;
	int32_t due_before, due_after;         /* inclusive; PB_DATE_NONE: open */
};
/* GET /v1/payments: la's payments by (due_date, id), filtered; cursor is a payment id (NULL: first page). */
enum pb_err pb_pay_list(struct pb_db *db, const struct pb_scope *scope,
    const struct pb_pay_filter *f, const char *cursor, int limit, char **json);

/* Reads honouring scope (family: own children only); PB_ENOTFOUND when
 * the row is not there or not visible. */
enum pb_err pb_pay_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* A budget's payments by due date then id; cursor is a payment id of the
 * list (NULL: first page). */
enum pb_err pb_pay_list_for_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json);
/* GET /v1/me/payments: the payments paid to the family of person_id
 * (pb_pay_store_family_paid), newest first; cursor a payment id of the
 * list (NULL: first page). */
enum pb_err pb_pay_family_paid(struct pb_db *db, const char *la, const char *person_id,
    const char *cursor, int limit, char **json);
enum pb_err pb_pay_schedule_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_pay_recovery_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json);
/* Payment runs are finance's: staff of la only. */
enum pb_err pb_pay_run_get(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);

/* approve (finance; never the creator: PB_ESOD) and cancel; reason (may
 * be NULL) goes to the audit row, and for cancel onto the payment too.
 * PB_ETRANSITION for a move the lifecycle forbids. */
enum pb_err pb_pay_approve(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, struct pb_problem *p, char **json);
enum pb_err pb_pay_cancel(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, struct pb_problem *p, char **json);

/* POST /v1/budgets/{id}/schedules: validated like a payment (purpose
 * direct_payment, due date = start date) on direct-payment elements only;
 * an end date after the budget period is PAY-24.  The projected total
 * over [start, min(end, period end)] (pb_pay_schedule_projected) above
 * the element's remaining is PB_ERULE PAY-24 with projected_total_pence
 * and remaining_pence in p, unless cap_to_remaining: the schedule then
 * records cap_pence = remaining and never pays more in all.  Termly
 * schedules need term dates for every academic year they touch (PAY-21). */
struct pb_pay_schedule_in {
	const char *budget_id, *element_id, *payee_id;
	int64_t amount_pence;
	enum pb_pay_frequency frequency;
	int32_t start_date, end_date;           /* end PB_DATE_NONE: none */
	int cap_to_remaining;                   /* cap the total at the remaining */
};
enum pb_err pb_pay_schedule_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_schedule_in *in, struct pb_problem *p, char id[37],
    char **json);

/* PATCH /v1/schedules/{id}: a new amount (for instalments not yet
 * materialised) and/or end date (PB_DATE_NONE: open-ended) of an active
 * schedule (else PB_ETRANSITION), If-Match if_match >= 0 (else
 * PB_EPRECONDITION).  A new end cancels the unexported instalments due
 * after it (PB_ECONFLICT when an exported or paid one is); the projected
 * total of what is left is checked again as at creation (cap_to_remaining:
 * cap = what it has paid + the remaining).  schedule.updated with before
 * and after. */
struct pb_pay_schedule_patch {
	int has_amount, has_end;
	int64_t amount_pence;
	int32_t end_date;
	int cap_to_remaining;
};
enum pb_err pb_pay_schedule_patch(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_pay_schedule_patch *in, int if_match,
    struct pb_problem *p, char **json, int *version);

/* POST /v1/schedules/{id}/stop: an active schedule stops today (a stopped
 * or ended one: PB_ETRANSITION); nothing more is materialised from it and
 * its unexported instalments due after today are cancelled (payment.cancelled
 * each).  schedule.stopped with before, after and the reason. */
enum pb_err pb_pay_schedule_stop(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *reason, int32_t today, int if_match,
    struct pb_problem *p, char **json, int *version);

/* GET /v1/schedules?budget_id=&status= (either may be NULL), in scope. */
enum pb_err pb_pay_schedule_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *status, const char *cursor, int limit, char **json);

/* GET /v1/schedules/{id}/skipped: the instalments materialise skipped,
 * with their latest reason (resolved_payment_id once a later run made it). */
enum pb_err pb_pay_schedule_skips(struct pb_db *db, const struct pb_scope *scope,
    const char *id, const char *cursor, int limit, char **json);

/* PUT /v1/term-dates/{academic_year}: set (or replace, If-Match) the
 * council's term start dates of one academic year (shape checked by api/
 * with pb_pay_check_term_starts); starts_json is the JSON array of dates.
 * term_dates.set with before and after.  _list: every year. */
enum pb_err pb_pay_term_dates_put(struct pb_db *db, const struct pb_actor *actor, int year,
    const char *starts_json, int if_match, char **json, int *version);
enum pb_err pb_pay_term_dates_list(struct pb_db *db, const char *la, char **json);

/* Materialise every due instalment (<= until, inside the budget period)
 * of la's schedules not stopped, one transaction per schedule, each at
 * most once: the unique (la, schedule_id, due_date) index makes a second
 * run, or another replica's, insert nothing.  An instalment a rule refuses
 * (or that would exceed the remaining, or the schedule's cap, whose last
 * instalment is reduced to fit) is skipped, reported and stored
 * (schedule_skips); a later run tries it again.  Instalments are created_by the schedule's creator (so that
 * person cannot approve them).  *json = {created, payments: [ids],
 * skipped: [{schedule_id, due_date, reason, rule, detail}]}. */
enum pb_err pb_pay_materialise(struct pb_db *db, const struct pb_actor *actor,
    int32_t until, char **json);

/* `pbd materialise`: pb_pay_materialise for la, or for every council
 * with schedules when la is NULL, as actor `sub` with request_id; fn gets
 * each council's result document. */
typedef void pb_pay_council_fn(const char *la, const char *json, void *arg);
enum pb_err pb_pay_materialise_councils(struct pb_db *db, const char *la,
    const char *sub, const char *request_id, int32_t until, pb_pay_council_fn *fn,
    void *arg);

/* Forget idempotency keys older than 24 hours (every la); *count deleted. */
enum pb_err pb_pay_idempotency_purge(struct pb_db *db, int *count);

/* For the budgets service, INSIDE ITS TRANSACTION (neither begins nor
 * commits): cancel every payment of the budget not yet exported
 * (pending_approval, approved), releasing its commitment, each with an
 * audit row and a payment.cancelled event; reason goes on each payment.
 * *count how many. */
enum pb_err pb_pay_cancel_open(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, int *count);

/* For the budgets service, INSIDE ITS TRANSACTION: what stops when a plan
 * ceases (by plan_id, after = ceased_on) or a direct payment is stopped
 * (by element_id, after = PB_DATE_NONE: every unexported payment).  The
 * pending and approved payments due after `after` are cancelled (reason
 * on each, an audit row and payment.cancelled event each), and the
 * schedules end on end_on (an earlier end is kept; audit row and
 * schedule.ended event each).  Exactly one of plan_id, element_id. */
struct pb_pay_wind_down {
	const char *plan_id, *element_id;
	int32_t after, end_on;
	const char *reason;
	const char *schedule_id;   /* store only: one schedule's instalments */
};
enum pb_err pb_pay_wind_down(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, int *cancelled, int *ended);

/* POST /v1/payment-runs: export the approved payments due by the date
 * into a new run (possibly empty); id written. */
enum pb_err pb_pay_run_create(struct pb_db *db, const struct pb_actor *actor,
    int32_t due_on_or_before, char id[37], char **json);

/* GET /v1/payment-runs?status= (NULL: all), newest first; cursor a run id. */
enum pb_err pb_pay_run_list(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json);

/* GET /v1/payment-runs/{id}/reconciliation: the run's totals and a page of
 * its unpaid payments after `cursor` (store.h). */
enum pb_err pb_pay_run_reconciliation(struct pb_db *db, const char *la, const char *id,
    const char *cursor, int limit, char **json);

/* POST /v1/payment-runs/{id}/sent (to_sent = 1): created -> sent, only
 * after the file was downloaded (else PB_ECONFLICT); file_sha256 (may be
 * NULL) must be the latest download's (else PB_EINVAL on file_sha256);
 * the digest is then frozen.  POST .../reconcile (to_sent = 0): sent ->
 * reconciled when no payment waits for a result (else PB_ECONFLICT).
 * Another status → PB_ETRANSITION; if_match >= 0 and stale →
 * PB_EPRECONDITION.  payment_run.sent / payment_run.reconciled with
 * before and after.  *json, *version: the run. */
struct pb_pay_run_move_in {
	int to_sent;
	int32_t sent_on;             /* PB_DATE_NONE: unset */
	const char *reference;       /* may be NULL */
	const char *file_sha256;     /* may be NULL */
	int if_match;
};
enum pb_err pb_pay_run_move(struct pb_db *db, const struct pb_actor *actor, const char *id,
    const struct pb_pay_run_move_in *in, struct pb_problem *p, char **json, int *version);

/* POST /v1/payment-runs/{id}/results, idempotently: the same outcome
 * again is a no-op; another outcome for a settled payment → PB_ECONFLICT;
 * a payment not in the run → PB_EINVAL on results[i].payment_id.
 * All or nothing. */
struct pb_pay_result_in {
	const char *payment_id;
	enum pb_pay_status outcome;             /* PAID or FAILED */
	const char *failure_reason;             /* may be NULL */
};
enum pb_err pb_pay_run_results(struct pb_db *db, const struct pb_actor *actor,
    const char *run_id, const struct pb_pay_result_in *results, size_t n,
    struct pb_problem *p, char **json);

/* The formats of a run's file: the finance CSV (export.h, every payment)
 * and the BACS Standard 18 bank file (bacs18.h, only the payments whose
 * payee has bank details). */
enum pb_pay_export_format { PB_PAY_EXPORT_CSV, PB_PAY_EXPORT_BACS18 };

/* What a download gives: body malloc'd (len bytes; the caller frees,
 * after OPENSSL_cleanse: it holds bank details); count and total_pence
 * the control totals of the payments in the file; without_bank and
 * without_bank_pence the run's payments whose payee has no bank details
 * (in the CSV with empty bank cells, never in a bank file); sha256 the
 * file's hex digest. */
struct pb_pay_export_out {
	char *body;
	size_t len;
	int count, without_bank;
	int64_t total_pence, without_bank_pence;
	char sha256[65];
};

/* The run's file in format with bank details opened under bank_key (NULL
 * when PB_BANK_KEY is not set: PB_EUNAVAILABLE if any row needs it) or,
 * during a key rotation, bank_key_old (NULL when none).  processing_day
 * (a weekday, checked by the caller) is the BACS processing day, unused
 * for the CSV; a bank file needs the council's BACS settings (else
 * PB_ECONFLICT saying so) and payee names with a BACS character (else
 * PB_ECONFLICT naming the payment).  While the run is created the digest
 * is recorded as the latest download, whatever its format; once sent a
 * file that differs from the one sent (another format, another
 * processing day, a payee changed) is refused (PB_ECONFLICT).  Each
 * download given writes an audit row, payment_run.exported, by actor: the
 * format, the run's rows, total and digest (one transaction: no row, no
 * file).  Plaintext bank details are wiped after use. */
enum pb_err pb_pay_run_export(struct pb_db *db, const struct pb_actor *actor,
    const unsigned char *bank_key, const unsigned char *bank_key_old,
    const char *run_id, enum pb_pay_export_format format, int32_t processing_day,
    struct pb_problem *p, struct pb_pay_export_out *out);

/* POST /v1/budgets/{id}/recoveries (PAY-18): never more than the
 * element's net spent (pb_pay_check_recovery, under the element's row
 * lock; the spent_pence >= 0 CHECK is the last line).  Direct-payment
 * elements only (else PB_ERULE PAY-18).  id written. */
enum pb_err pb_pay_recovery_create(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t today, struct pb_problem *p, char id[37],
    char **json);

/* What the surplus report lists. */
enum pb_pay_surplus_scope {
	PB_SURPLUS_OVER = 1,    /* GET /v1/budgets/{id}/surplus: only those over the threshold */
	PB_SURPLUS_ALL          /* GET /v1/budgets/{id}/dp-positions: every direct payment */
};

/* PAY-19: the budget's direct-payment elements (element_id non-NULL: only
 * that one) with what is held — paid, less recoveries, less the spend
 * evidenced by accepted spend returns and audits (migration 027) — against
 * threshold_weeks of funding, and the recovery proposed after the latest
 * unpaid bills and contingency finance recorded and what open debts
 * already claim; each item says whether it is over the threshold. */
enum pb_err pb_pay_surplus_report(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *element_id, int threshold_weeks,
    enum pb_pay_surplus_scope which, char **json);

/* POST /v1/budgets/{id}/surplus/inputs (PAY-19): record an element's
 * unpaid bills and the contingency the council allows, as at now
 * (append-only; the latest counts).  Direct-payment elements of the
 * budget only (else PB_EINVAL on element_id).  id written. */
struct pb_pay_surplus_input {
	const char *budget_id, *element_id;
	int64_t unpaid_bills_pence, contingency_pence;
	const char *note;                        /* may be NULL */
};
enum pb_err pb_pay_surplus_input_create(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_surplus_input *in, struct pb_problem *p, char id[37], char **json);

/* ---- recovery debts (debts.c) ---- */

/* POST /v1/budgets/{id}/debts (PAY-18): raise a debt with written
 * reasons on a direct-payment element (else PB_ERULE PAY-18), never more
 * than the element's net spent less what open debts already owe
 * (pb_pay_check_recoverable, under the element's row lock).  Nothing
 * returns to the element yet.  id, *json and *version written. */
enum pb_err pb_debt_raise(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t today, struct pb_problem *p, char id[37],
    char **json, int *version);

/* Reads honouring scope (family: own children only). */
enum pb_err pb_debt_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
enum pb_err pb_debt_list_for_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *cursor, int limit, char **json);

/* One move of a debt (rules.h pb_debt_action), as sent. */
struct pb_debt_act_in {
	enum pb_debt_action action;
	const char *text;            /* reference (invoice, pay) or reason
	                                (write_off, reject, review, decisions) */
	const char *payment_id;      /* offset: the payment to reduce */
	int64_t amount_pence;        /* reduce: what is owed after the review */
	int if_match;                /* the debt's version, or -1 */
};

/*
 * pb_debt_act — one transaction: budget FOR SHARE → debt FOR UPDATE
 * (If-Match: PB_EPRECONDITION when stale) → lifecycle (pb_debt_transition:
 * PB_ETRANSITION, a second review PB_ECONFLICT) → separation of duties
 * (PB_ESOD: a write-off approved by its requester; a review decided by
 * the one who asked for it or raised the debt) → the move:
 *   pay: one recovery row (method invoice) returns the amount to the
 *        element (spent_pence falls);
 *   offset: the payment (locked FOR UPDATE, checked by
 *        pb_debt_check_offset) is reduced by the debt and names it, and a
 *        recovery row (method offset) records it — the reduction is what
 *        returns the money, so totals count it once;
 *   write-off, review, decisions: the debt alone.
 * Then the audit row {before, after} and the event "debt.<action>".
 * scope: the caller's (a family may only ask for a review of its own
 * child's debt; others see PB_ENOTFOUND).  *json, *version written.
 */
enum pb_err pb_debt_act(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_scope *scope, const char *id, const struct pb_debt_act_in *in,
    int32_t today, struct pb_problem *p, char **json, int *version);

#endif
