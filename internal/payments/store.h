/* SPDX-License-Identifier: MIT */
/*
 * payments/store.h — the payment service's SQL (and nothing else):
 * payments, idempotency keys, schedules, payment runs, recoveries, and the
 * facts pb_pay_check_create needs (budget, element, payee).
 *
 * Every function names the tenant (la) and filters every statement on it;
 * reads in a family scope add the contacts ownership test.  Functions
 * never begin or end a transaction: service.c does.  The *_lock functions
 * take row locks in the order of 004_payments.sql (budget FOR SHARE, then
 * element or payment FOR UPDATE).  Strings in out-structs are copied into
 * fixed buffers; *json outputs are malloc'd (caller frees).  PB_ENOTFOUND
 * when the row is not there for this tenant (or scope); other errors come
 * from pb_db_query.  Thread-safety: one struct pb_db per thread (db.h).
 */
#ifndef PB_PAYMENTS_STORE_H
#define PB_PAYMENTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "internal/payments/service.h"

/* The budget facts of a payment, read with the budget row FOR SHARE (a
 * concurrent suspend or close waits for us, and we for it). */
struct pb_pay_budget_row {
	char child_id[37];
	enum pb_budget_status status;
	int32_t period_start, period_end;
	int32_t plan_start, plan_ceased_on;     /* PB_DATE_NONE when none */
};
enum pb_err pb_pay_store_budget_share(struct pb_db *db, const char *la,
    const char *budget_id, struct pb_pay_budget_row *out);

/* An element of the budget, locked FOR UPDATE (its remaining is then
 * final for this transaction).  PB_ENOTFOUND when it is not one of the
 * budget's elements. */
struct pb_pay_element_row {
	enum pb_arrangement arrangement;
	enum pb_stream stream;
	int64_t allocated_pence, committed_pence, spent_pence;
	char payee_id[37];                      /* "" when none */
	char recipient_person_id[37];           /* "" when none */
	int agreement_signed, school_premises, head_teacher_agreed;
	int head_teacher_withdrawn;             /* PAY-6 withdrawal recorded */
	int32_t head_teacher_withdrawn_on;
	int pay11_exception;
	char stopped_rule[16];                  /* "" unless stopped (PAY-16) */
};
enum pb_err pb_pay_store_element_lock(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_element_row *out);
/* The same facts without the lock (approval holds no money of its own). */
enum pb_err pb_pay_store_element(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_element_row *out);

/* The payee facts, with lives_with_child for the child (PAY-11). */
struct pb_pay_payee_row {
	enum pb_budget_payee_kind kind;
	int is_local_authority;
	char person_id[37];                     /* "" for none */
	int lives_with_child;
};
enum pb_err pb_pay_store_payee(struct pb_db *db, const char *la,
    const char *payee_id, const char *child_id, struct pb_pay_payee_row *out);

/* A payment to insert (status pending_approval).  schedule_id and
 * idempotency_key may be NULL. */
struct pb_pay_new {
	const char *budget_id, *element_id, *payee_id;
	int64_t amount_pence;
	enum pb_pay_purpose purpose;
	const char *description;
	int32_t due_date;
	const char *created_by;
	const char *schedule_id;
	const char *idempotency_key;
	const char *reissue_of;       /* the failed payment this reissues, or NULL */
};

/* Insert a payment with a new id (written to id).  *inserted = 0 when the
 * schedule already has an instalment on that date (ON CONFLICT DO
 * NOTHING).  PB_EFUNDS when the BUD-9 constraint refuses it (the last
 * line of defence: the service checked the locked remaining first). */
enum pb_err pb_pay_store_insert(struct pb_db *db, const char *la,
    const struct pb_pay_new *in, char id[37], int *inserted);

/* A payment locked FOR UPDATE. */
struct pb_pay_payment_row {
	char budget_id[37], element_id[37], payee_id[37];
	enum pb_pay_status status;
	char created_by[128];
	int64_t amount_pence;
	enum pb_pay_purpose purpose;
	int32_t due_date;
};
enum pb_err pb_pay_store_payment_lock(struct pb_db *db, const char *la,
    const char *id, struct pb_pay_payment_row *out);

/* The budget a payment belongs to (no lock), to lock it first. */
enum pb_err pb_pay_store_payment_budget(struct pb_db *db, const char *la,
    const char *id, char budget_id[37]);

/* Move a payment to approved (approved_by/at = actor) or cancelled
 * (cancelled_by = actor, cancel_reason = reason, may be NULL). */
enum pb_err pb_pay_store_set_status(struct pb_db *db, const struct pb_actor *actor,
    const char *id, enum pb_pay_status to, const char *reason);

/* Reads: the payment as JSON for staff (no scope) and with a scope. */
enum pb_err pb_pay_store_payment_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version);
enum pb_err pb_pay_store_payment_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* A budget's payments (visibility checked by the caller). */
/* GET /v1/me/payments: one page of the payments paid to person_id's
 * family — direct payments to the element's payee, status paid, of the
 * children person_id is a contact of — newest due date first, as
 * {id, due_date, paid_on, amount_pence, status, description,
 * element_label, child {id, name}} (malloc'd *json). */
enum pb_err pb_pay_store_family_paid(struct pb_db *db, const char *la, const char *person_id,
    const char *cursor, int limit, char **json);

enum pb_err pb_pay_store_list(struct pb_db *db, const char *la,
    const char *budget_id, const char *cursor, int limit, char **json);

/* ---- idempotency keys ---- */

/* Insert (la, key) first in the transaction.  *claimed = 0 when the key
 * exists: a concurrent holder has committed by then (the insert waited
 * on the unique index), so pb_pay_store_idem_get sees its row. */
enum pb_err pb_pay_store_idem_claim(struct pb_db *db, const char *la,
    const char *key, const char *request_hash, const char *sub, int *claimed);

/* The stored answer for (la, key).  *body is malloc'd (caller frees);
 * location is "" when none.  PB_ENOTFOUND when the row is gone. */
struct pb_pay_idem_row {
	char request_hash[65];
	int status;
	char *body;
	char location[160];
};
enum pb_err pb_pay_store_idem_get(struct pb_db *db, const char *la,
    const char *key, struct pb_pay_idem_row *out);

/* Record the response of the transaction that claimed the key. */
enum pb_err pb_pay_store_idem_save(struct pb_db *db, const char *la,
    const char *key, int status, const char *body, const char *location);

/* Delete keys older than 24 hours (every la); *count deleted. */
enum pb_err pb_pay_store_idem_purge(struct pb_db *db, int *count);

/* ---- schedules ---- */

struct pb_pay_schedule {
	char id[37], budget_id[37], element_id[37], payee_id[37];
	int64_t amount_pence;
	enum pb_pay_frequency frequency;
	int32_t start_date, end_date;           /* end PB_DATE_NONE: open */
	char created_by[128];
	int64_t cap_pence;                      /* -1: no cap */
	int stopped;                            /* stopped_at is set */
	int version;
	char status[8];                         /* active | ended | stopped (reads) */
};

/* A schedule's row: plain, FOR UPDATE (PATCH, stop: after the budget and
 * the element) or FOR SHARE (materialise re-reads it under the element's
 * lock, so a stop that committed first is seen). */
enum pb_err pb_pay_store_schedule_read(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out);
enum pb_err pb_pay_store_schedule_lock(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out);
enum pb_err pb_pay_store_schedule_share(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_schedule *out);
/* The schedule as staff see it (no scope). */
enum pb_err pb_pay_store_schedule_json(struct pb_db *db, const char *la, const char *id,
    char **json, int *version);
/* Write amount_pence, end_date and cap_pence (-1: none) of s->id. */
enum pb_err pb_pay_store_schedule_update(struct pb_db *db, const char *la,
    const struct pb_pay_schedule *s);
/* Stop it (once: a stopped schedule is left as it is). */
enum pb_err pb_pay_store_schedule_stop(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t stopped_on, const char *reason);
/* *live_pence: the total of its instalments but cancelled and failed ones;
 * *settled_after: how many exported or paid ones are due after `after`
 * (0 when after is PB_DATE_NONE). */
enum pb_err pb_pay_store_schedule_money(struct pb_db *db, const char *la, const char *id,
    int32_t after, int64_t *live_pence, int *settled_after);
/* GET /v1/schedules: la's schedules (of budget_id, in status, when not
 * NULL) visible in scope, by (created_at, id), a page of limit. */
enum pb_err pb_pay_store_schedule_list(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *status, const char *cursor, int limit, char **json);

/* Skipped instalments: record (or, tried again, update) the reason of
 * (schedule, due); mark it resolved by the payment a later run made;
 * list a schedule's by (due_date, id). */
enum pb_err pb_pay_store_skip_record(struct pb_db *db, const char *la, const char *schedule_id,
    int32_t due, const char *reason, const char *rule, const char *detail);
enum pb_err pb_pay_store_skip_resolve(struct pb_db *db, const char *la, const char *schedule_id,
    int32_t due, const char *payment_id);
enum pb_err pb_pay_store_skips_list(struct pb_db *db, const char *la, const char *schedule_id,
    const char *cursor, int limit, char **json);

/* Term dates (PAY-21).  pb_pay_store_terms: every term start of la in
 * date order into starts[0..cap) and the academic years configured,
 * ascending, into years[0..ycap).  _year_lock: one year FOR UPDATE
 * (PB_ENOTFOUND when not set).  _year_put: insert or replace a year's
 * starts (starts_json a JSON array of dates, in order); id, *json
 * (malloc'd) and *version of the row.  _list: {items, next_cursor: null}. */
enum pb_err pb_pay_store_terms(struct pb_db *db, const char *la, int32_t *starts, size_t cap,
    size_t *n, int *years, size_t ycap, size_t *ny);
enum pb_err pb_pay_store_term_year_lock(struct pb_db *db, const char *la, int year,
    char **json, int *version);
enum pb_err pb_pay_store_term_year_put(struct pb_db *db, const struct pb_actor *actor,
    int year, const char *starts_json, char id[37], char **json, int *version);
enum pb_err pb_pay_store_term_list(struct pb_db *db, const char *la, char **json);

enum pb_err pb_pay_store_schedule_insert(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_schedule *s, char **json);
enum pb_err pb_pay_store_schedule_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);

/* Calls fn for each schedule of la not stopped whose budget is not closed, ordered by
 * id (a stable order, so two materialisers lock elements alike).  A
 * non-PB_OK return from fn stops the walk and is returned. */
enum pb_err pb_pay_store_schedules(struct pb_db *db, const char *la,
    enum pb_err (*fn)(const struct pb_pay_schedule *s, void *arg), void *arg);

/* The due dates already materialised for a schedule, ascending, into
 * out[0..cap); *n the number written. */
enum pb_err pb_pay_store_schedule_dates(struct pb_db *db, const char *la,
    const char *schedule_id, int32_t *out, size_t cap, size_t *n);

/* Every la with at least one schedule, for `pbd materialise` without
 * --la: fn(la, arg); a non-PB_OK return stops and is returned. */
enum pb_err pb_pay_store_schedule_las(struct pb_db *db,
    enum pb_err (*fn)(const char *la, void *arg), void *arg);

/* Cancel the unexported payments a wind-down names (plan or element; due
 * after `after`, or all when PB_DATE_NONE) and end its schedules on end_on:
 * [{"id", "after"}] of each into *payments / *schedules (malloc'd). */
enum pb_err pb_pay_store_cancel_wind_down(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, char **payments, int *count);
enum pb_err pb_pay_store_end_schedules(struct pb_db *db, const struct pb_actor *actor,
    const struct pb_pay_wind_down *w, char **schedules, int *count);

/* GET /v1/payments (service.h struct pb_pay_filter). */
enum pb_err pb_pay_store_queue(struct pb_db *db, const char *la,
    const struct pb_pay_filter *f, const char *cursor, int limit, char **json);

/* The failed payment `old_id` is now reissued as new_id (the guard trigger
 * of 017 refuses anything else). */
enum pb_err pb_pay_store_mark_reissued(struct pb_db *db, const char *la,
    const char *old_id, const char *new_id);

/* ---- payment runs ---- */

/* la's runs newest first ((created_at, id) descending), status NULL: all. */
enum pb_err pb_pay_store_run_list(struct pb_db *db, const char *la, const char *status,
    const char *cursor, int limit, char **json);

/* The run FOR UPDATE: its status ("created", "sent", "reconciled"), its
 * recorded export digest ("" when none) and how many payments wait for a
 * result.  PB_ENOTFOUND when not la's. */
struct pb_pay_run_row {
	char status[16], export_sha256[65];
	int outstanding;
};
enum pb_err pb_pay_store_run_lock_row(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_run_row *out);

/* created -> sent (sent_on, reference may be NULL) and sent -> reconciled,
 * by actor; version moves. */
enum pb_err pb_pay_store_run_mark_sent(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t sent_on, const char *reference);
enum pb_err pb_pay_store_run_mark_reconciled(struct pb_db *db, const struct pb_actor *actor,
    const char *id);

/* GET /v1/payment-runs/{id}/reconciliation: {run_id, status, paid, failed,
 * outstanding, total: {count, total_pence}, items, next_cursor}: the
 * totals of the whole run; items the page of its failed and outstanding
 * payments (by due date, then id) after payment `cursor` (NULL: the
 * first), at most `limit`; next_cursor the last item's id when more
 * follow, else null. */
enum pb_err pb_pay_store_run_reconciliation(struct pb_db *db, const char *la,
    const char *id, const char *cursor, int limit, char **json);

/* A download of the run's file with digest sha256 (hex): recorded while
 * the run is created; *ok = 0 when the run was sent with another file. */
enum pb_err pb_pay_store_run_download(struct pb_db *db, const char *la, const char *id,
    const char *sha256, int *ok);

enum pb_err pb_pay_store_run_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, int32_t due_on_or_before);

/* Export every approved payment of la due on or before the run's date
 * that no run holds (FOR UPDATE SKIP LOCKED, ordered by id, so two runs
 * at once split the payments and never share one) into run id, and set
 * the run's control totals.  *count gets the number exported. */
enum pb_err pb_pay_store_run_export(struct pb_db *db, const char *la,
    const char *id, int32_t due_on_or_before, int *count);

enum pb_err pb_pay_store_run_lock(struct pb_db *db, const char *la, const char *id);
enum pb_err pb_pay_store_run_json(struct pb_db *db, const char *la,
    const char *id, char **json, int *version);

/* The current status and run of each payment id in ids_json (a JSON
 * array of UUID strings) found in la, locked FOR UPDATE in id order, into
 * rows[0..cap); ids not found are simply absent. */
struct pb_pay_settle_row {
	char id[37];
	enum pb_pay_status status;
	char run_id[37];                        /* "" when none */
};
enum pb_err pb_pay_store_settle_rows(struct pb_db *db, const char *la,
    const char *ids_json, struct pb_pay_settle_row *rows, size_t cap, size_t *n);

/* Apply outcomes: changes_json is [{payment_id, outcome, failure_reason}]
 * for exported payments of the run. */
enum pb_err pb_pay_store_settle(struct pb_db *db, const char *la,
    const char *run_id, const char *changes_json);

/* One row of the finance export, in (due_date, id) order. */
struct pb_pay_run_line {
	char payment_id[37], payee_id[37];
	char payee_name[201];
	int64_t amount_pence;
	int32_t due_date;
	int has_bank;
	char cost_centre[13], subjective_code[13];      /* "" when none */
};
/* Calls fn per payment of the run; a non-PB_OK return stops and is
 * returned. */
enum pb_err pb_pay_store_run_lines(struct pb_db *db, const char *la,
    const char *run_id, enum pb_err (*fn)(const struct pb_pay_run_line *l, void *arg),
    void *arg);

/* The payments of run_id, or only those in ids_json (a JSON array of ids)
 * when it is not NULL, as [{"id", "after": <payment>}] for
 * pb_audit_record_many.  *json malloc'd (caller frees). */
enum pb_err pb_pay_store_run_entities(struct pb_db *db, const char *la,
    const char *run_id, const char *ids_json, char **json);

/* Cancel the budget's pending and approved payments (cancelled_by actor,
 * cancel_reason reason); *entities is [{"id", "after"}] of those
 * cancelled (malloc'd) and *count their number. */
enum pb_err pb_pay_store_cancel_open(struct pb_db *db, const struct pb_actor *actor,
    const char *budget_id, const char *reason, char **entities, int *count);

/* ---- recoveries and surplus ---- */

enum pb_err pb_pay_store_recovery_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id,
    int64_t amount_pence, const char *reason, int32_t recorded_on, char **json);
enum pb_err pb_pay_store_recovery_get(struct pb_db *db, const struct pb_scope *scope,
    const char *budget_id, const char *id, char **json);

/* A recovery row of a settled debt (method "invoice" or "offset"). */
enum pb_err pb_pay_store_debt_recovery_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *debt_id, const char *method,
    int32_t recorded_on);

/* ---- recovery debts ---- */

/* What the element's open debts owe now (raised, invoiced, under review,
 * awaiting write-off).  Read after the element's row lock. */
enum pb_err pb_pay_store_element_owed(struct pb_db *db, const char *la,
    const char *element_id, int64_t *owed);

/* Raise a debt: *json its document, *version its version. */
enum pb_err pb_pay_store_debt_insert(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const char *budget_id, const char *element_id, int64_t amount_pence,
    const char *reason, int32_t raised_on, char **json, int *version);

/* A debt's budget, for the budget lock taken before the debt's.  With a
 * family scope, PB_ENOTFOUND unless the family may see the child. */
enum pb_err pb_pay_store_debt_budget(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char budget_id[37]);

/* A debt locked FOR UPDATE, with its document as it is (for the audit's
 * "before"; *before malloc'd, caller frees). */
struct pb_pay_debt_row {
	char element_id[37];
	enum pb_debt_status status, prior;      /* prior 0 when none */
	int review_requested;
	int64_t amount_pence;
	int32_t raised_on;
	char raised_by[257], review_requested_by[257], write_off_requested_by[257];
	int version;
};
enum pb_err pb_pay_store_debt_lock(struct pb_db *db, const char *la, const char *id,
    struct pb_pay_debt_row *out, char **before);

/* One move of a debt.  text is the action's free text (invoice or
 * settlement reference, review or write-off reason, decision reason; may
 * be NULL); amount_pence the reduced amount (PB_DEBT_ACT_REDUCE only);
 * recovery_id / payment_id the settlement's rows (pay, offset; else
 * NULL).  prior is written as the debt's prior_status (0: none). */
struct pb_pay_debt_move {
	enum pb_debt_action action;
	enum pb_debt_status to, prior;
	const char *text;
	int64_t amount_pence;
	const char *recovery_id, *payment_id;
};
enum pb_err pb_pay_store_debt_move(struct pb_db *db, const struct pb_actor *actor,
    const char *id, const struct pb_pay_debt_move *m, char **json, int *version);

/* A debt's document within a scope (family: its own children only). */
enum pb_err pb_pay_store_debt_get(struct pb_db *db, const struct pb_scope *scope,
    const char *id, char **json, int *version);
/* One page of a budget's debts, oldest first (visibility checked by the
 * caller). */
enum pb_err pb_pay_store_debt_list(struct pb_db *db, const char *la,
    const char *budget_id, const char *cursor, int limit, char **json);

/* The payment an offset reduces, locked FOR UPDATE. */
struct pb_pay_offset_row {
	char element_id[37], budget_id[37];
	enum pb_pay_status status;
	int in_run, has_offset;
	int64_t amount_pence;
	int32_t due_date;
};
enum pb_err pb_pay_store_offset_payment_lock(struct pb_db *db, const char *la,
    const char *payment_id, struct pb_pay_offset_row *out);
/* Reduce the payment by the debt's amount and name the debt on it. */
enum pb_err pb_pay_store_payment_offset(struct pb_db *db, const char *la,
    const char *payment_id, const char *debt_id, int64_t offset_pence);

/* ---- PAY-19 inputs ---- */

/* Record the element's unpaid bills and contingency as at now. */
enum pb_err pb_pay_store_surplus_input_insert(struct pb_db *db,
    const struct pb_actor *actor, const char *id, const char *budget_id,
    const char *element_id, int64_t unpaid_bills_pence, int64_t contingency_pence,
    const char *note, char **json);

/* The direct-payment elements of a budget, for PAY-19 (visibility
 * checked by the caller), with the latest inputs finance recorded and
 * what open debts owe. */
struct pb_pay_surplus_row {
	char element_id[37];
	char service_type[65];
	int64_t allocated_pence, spent_pence;
	int32_t period_start, period_end;
	int64_t unpaid_bills_pence, contingency_pence, owed_pence;
	int64_t evidenced_pence;                /* accepted returns + audits (027) */
	char inputs_recorded_at[40];            /* "" when none recorded */
	char stopped_rule[8];                   /* the stopped DP's rule, "" when active */
};
enum pb_err pb_pay_store_surplus_rows(struct pb_db *db, const char *la,
    const char *budget_id, const char *element_id, struct pb_pay_surplus_row *rows,
    size_t cap, size_t *n);

#endif

/* ---- ledger codes (021_ledger_bacs.sql) ---- */

/* The codes of one service type, locked FOR UPDATE: *json (malloc'd,
 * caller frees) and *version; PB_ENOTFOUND when the council has none. */
enum pb_err pb_pay_store_ledger_lock(struct pb_db *db, const char *la,
    const char *service_type, char **json, int *version);
/* Insert or replace the codes of a service type (version + 1); the new
 * JSON into *json (malloc'd) and *version, its id into id. */
enum pb_err pb_pay_store_ledger_put(struct pb_db *db, const struct pb_actor *actor,
    const char *service_type, const char *cost_centre, const char *subjective_code,
    char id[37], char **json, int *version);
/* {"items": [...]} of the council's codes by service type (malloc'd). */
enum pb_err pb_pay_store_ledger_list(struct pb_db *db, const char *la, char **json);

/* The council's BACS details (council_settings); each "" when not set. */
struct pb_pay_bacs_settings {
	char sun[7], sort_code[7], account[9], name[19];
};
enum pb_err pb_pay_store_bacs_settings(struct pb_db *db, const char *la,
    struct pb_pay_bacs_settings *out);
