/* SPDX-License-Identifier: MIT */
/*
 * payments/rules.h — the pure rules of payment disbursement (domain.md
 * PAY-*, §4 payment lifecycle) and schedule date arithmetic.
 *
 * Inputs are plain facts that service.c has already loaded (under the
 * element's row lock); outputs are an enum pb_err plus, on refusal, a
 * filled struct pb_problem naming the rule id.  This module must not do
 * I/O, read the clock, allocate, or include anything outside the C
 * standard library, internal/core and budgets/rules.h (a payment is made
 * from a budget element: the budget's status, arrangement and payee
 * kinds, and the payee rules PAY-10/BUD-2, are the budgets rules').
 *
 * Money is int64_t pence, never floating point; dates are int32_t day
 * numbers (internal/core/date.h).  Every function is reentrant and
 * thread-safe.  A `struct pb_problem *p` parameter may be NULL; when
 * non-NULL it is written only on refusal.
 */
#ifndef PB_PAYMENTS_RULES_H
#define PB_PAYMENTS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"
#include "internal/core/problem.h"
#include "internal/budgets/rules.h"

/* Zero is never a valid value of these enums (fail closed on zeroed facts). */
enum pb_pay_status {
	PB_PAY_STATUS_PENDING_APPROVAL = 1,
	PB_PAY_STATUS_APPROVED,
	PB_PAY_STATUS_EXPORTED,
	PB_PAY_STATUS_PAID,
	PB_PAY_STATUS_FAILED,
	PB_PAY_STATUS_CANCELLED
};

enum pb_pay_action {
	PB_PAY_ACTION_APPROVE = 1, /* pending_approval -> approved */
	PB_PAY_ACTION_CANCEL,      /* pending_approval|approved -> cancelled */
	PB_PAY_ACTION_EXPORT,      /* approved -> exported (payment run) */
	PB_PAY_ACTION_PAID,        /* exported -> paid (run result) */
	PB_PAY_ACTION_FAILED       /* exported -> failed (run result) */
};

enum pb_pay_purpose {
	PB_PAY_PURPOSE_DIRECT_PAYMENT = 1,
	PB_PAY_PURPOSE_SERVICES,
	PB_PAY_PURPOSE_EMPLOYMENT,
	PB_PAY_PURPOSE_TRANSPORT,
	PB_PAY_PURPOSE_EQUIPMENT,
	PB_PAY_PURPOSE_OTHER
};

enum pb_pay_frequency {
	PB_PAY_FREQ_WEEKLY = 1,
	PB_PAY_FREQ_FOUR_WEEKLY,
	PB_PAY_FREQ_MONTHLY,
	PB_PAY_FREQ_QUARTERLY,
	PB_PAY_FREQ_TERMLY         /* on the council's term start dates */
};

/*
 * String conversions.  *_str returns the wire spelling
 * ("pending_approval", "four_weekly", "organisation", ...) as a static
 * string, or NULL for a value outside the enum.  *_parse matches exactly
 * len bytes of s (no NUL needed, case-sensitive); PB_EINVAL (and *out
 * untouched) for anything else, including s == NULL.
 */
const char *pb_pay_status_str(enum pb_pay_status v);
enum pb_err pb_pay_status_parse(const char *s, size_t len,
    enum pb_pay_status *out);
const char *pb_pay_action_str(enum pb_pay_action v);
enum pb_err pb_pay_action_parse(const char *s, size_t len,
    enum pb_pay_action *out);
const char *pb_pay_purpose_str(enum pb_pay_purpose v);
enum pb_err pb_pay_purpose_parse(const char *s, size_t len,
    enum pb_pay_purpose *out);
const char *pb_pay_frequency_str(enum pb_pay_frequency v);
enum pb_err pb_pay_frequency_parse(const char *s, size_t len,
    enum pb_pay_frequency *out);

/*
 * pb_pay_transition — may `action` move a payment in status `from`
 * (pending_approval -> approved -> exported -> paid | failed; cancelled
 * from the first two)?  On PB_OK stores the new status in *to (to may be
 * NULL).  PB_ETRANSITION for anything else, unknown values included.
 * Note: recording the same result twice (paid on paid) is a refusal here;
 * the service makes POST .../results idempotent before asking.
 */
enum pb_err pb_pay_transition(enum pb_pay_status from,
    enum pb_pay_action action, enum pb_pay_status *to, struct pb_problem *p);

/*
 * Money effect of a status on its element (BUD-9): exactly one of these is
 * 1 for a valid status, all are 0 for an invalid one.
 *   holds_commitment: pending_approval, approved, exported -> committed_pence
 *   is_spent:         paid                                 -> spent_pence
 *   releases:         failed, cancelled                    -> neither
 */
int pb_pay_status_holds_commitment(enum pb_pay_status s);
int pb_pay_status_is_spent(enum pb_pay_status s);
int pb_pay_status_releases(enum pb_pay_status s);

/*
 * pb_pay_schedule_nth — the n-th due date (n >= 0; n = 0 is start) of a
 * schedule.  Each date is computed from start, not from the previous one,
 * so a monthly schedule from 31 Jan runs 31 Jan, 28/29 Feb, 31 Mar:
 *   weekly start+7n, four_weekly start+28n,
 *   monthly pb_date_add_months(start, n), quarterly add_months(start, 3n).
 * PB_EINVAL for n < 0, an unknown frequency, or a result beyond
 * PB_DATE_MAX_YEAR; *out is written only on PB_OK.
 */
enum pb_err pb_pay_schedule_nth(int32_t start, enum pb_pay_frequency freq,
    int n, int32_t *out);

/*
 * pb_pay_schedule_dates — every due date d of the schedule with
 * start <= d <= min(end, until), in order, into out[0..cap).  end may be
 * PB_DATE_NONE (open-ended).  *count gets the number written.
 * PB_OK when all fit (possibly zero dates); PB_EINVAL when more than cap
 * are due (the first cap are written, *count == cap) or on bad arguments.
 */
enum pb_err pb_pay_schedule_dates(int32_t start, int32_t end, int32_t until,
    enum pb_pay_frequency freq, int32_t *out, size_t cap, size_t *count);

/*
 * A schedule's calendar, whatever its frequency.  terms[0..nterms) are
 * the council's term start dates, ascending (termly only; ignored
 * otherwise).  end may be PB_DATE_NONE (open-ended).
 */
struct pb_pay_sched_spec {
	int32_t start, end;
	enum pb_pay_frequency freq;
	const int32_t *terms;
	size_t nterms;
};

/*
 * pb_pay_sched_nth — the n-th due date (n >= 0) of s, ignoring its end:
 * pb_pay_schedule_nth for the fixed frequencies; termly, the n-th term
 * start on or after s->start.  PB_EINVAL when there is none (past the
 * calendar, or past the last configured term) or on bad arguments.
 */
enum pb_err pb_pay_sched_nth(const struct pb_pay_sched_spec *s, int n, int32_t *out);

/*
 * pb_pay_sched_dates — pb_pay_schedule_dates for any frequency (termly
 * included): every due date of s in [start, min(end, until)], in order,
 * into out[0..cap); *count the number written; PB_EINVAL when more than
 * cap are due (the first cap written) or on bad arguments.
 */
enum pb_err pb_pay_sched_dates(const struct pb_pay_sched_spec *s, int32_t until,
    int32_t *out, size_t cap, size_t *count);

/*
 * pb_pay_schedule_instalments — the instalments the schedule would still
 * make, the one walk behind pb_pay_schedule_projected and the family
 * view's upcoming payments: for each due date d of s in
 * [start, min(end, last)] not in have[0..nhave) (the dates already
 * materialised, any status), in order, fn(d, amount, arg) with amount the
 * schedule's, the last one reduced so that all of them stay within
 * cap_left when cap_left >= 0 (-1: no cap); after the cap, none.  fn
 * returning non-zero stops the walk.  PB_EINVAL on bad arguments (amount
 * outside 1..PB_MAX_PENCE, fn NULL, unknown frequency).
 */
typedef int pb_pay_instalment_fn(int32_t due, int64_t amount_pence, void *arg);
enum pb_err pb_pay_schedule_instalments(const struct pb_pay_sched_spec *s, int32_t last,
    int64_t amount_pence, const int32_t *have, size_t nhave, int64_t cap_left,
    pb_pay_instalment_fn *fn, void *arg);

/*
 * pb_pay_schedule_projected — what the schedule would still pay (PAY-24:
 * a schedule never plans more than its element's remaining): amount for
 * each due date of s in [start, min(end, last)] that is not in
 * have[0..nhave) (the dates already materialised, any order), but no more
 * than cap_left in all when cap_left >= 0 (a capped schedule pays at most
 * its cap; -1: no cap).  *total the pence (saturating at PB_MAX_PENCE + 1,
 * so it never overflows), *count the instalments (a reduced last one
 * included, those past the cap not).  PB_EINVAL on bad arguments
 * (amount outside 1..PB_MAX_PENCE, NULL outputs, unknown frequency).
 */
enum pb_err pb_pay_schedule_projected(const struct pb_pay_sched_spec *s, int32_t last,
    int64_t amount_pence, const int32_t *have, size_t nhave, int64_t cap_left,
    int64_t *total, size_t *count);

/*
 * pb_pay_academic_year — the academic year a day falls in, by the year it
 * starts (1 August of Y to 31 July of Y+1 is Y).
 */
int pb_pay_academic_year(int32_t day);

/*
 * pb_pay_check_terms — PAY-21: a termly schedule paying from `from` to
 * `last` (inclusive) needs term dates for each academic year it touches.
 * years[0..nyears) are the academic years the council configured (any
 * order).  PB_ERULE "PAY-21" naming the first missing year (as
 * "2027-28") when one is missing; PB_EINVAL when last < from.
 */
enum pb_err pb_pay_check_terms(int32_t from, int32_t last, const int *years, size_t nyears,
    struct pb_problem *p);

/*
 * pb_pay_check_term_starts — the term start dates of academic year `year`
 * (1 Aug year .. 31 Jul year+1): 1..6 of them, strictly ascending, each
 * inside the year; else PB_EINVAL with a field error on term_starts[i]
 * (or term_starts).
 */
enum pb_err pb_pay_check_term_starts(int year, const int32_t *starts, size_t n,
    struct pb_problem *p);

/*
 * Facts for creating one payment (POST /v1/budgets/{id}/payments).
 * Strings are borrowed NUL-terminated ids (NULL or "" = absent).
 */
struct pb_pay_facts {
	/* the budget */
	enum pb_budget_status budget_status;
	int32_t period_start, period_end;
	/* the EHC plan's life (BUD-10); PB_DATE_NONE = no bound */
	int32_t plan_start;
	int32_t plan_ceased_on;         /* last day of the plan's life */

	/* the element */
	int element_in_budget;          /* element_id belongs to this budget */
	enum pb_arrangement arrangement;
	int64_t element_remaining_pence;
	const char *element_payee_id;   /* the element's own payee, if any */
	int agreement_signed;           /* agreement.signed_on present */
	int school_premises;            /* agreement.school_premises */
	int head_teacher_agreed;        /* agreement.head_teacher_agreed_on */
	int head_teacher_withdrawn;     /* PAY-6: the head teacher withdrew it */
	int32_t head_teacher_withdrawn_on;   /* from this day (when withdrawn) */
	int pay11_exception;            /* PAY-11 exception recorded */
	const char *stopped_rule;       /* PAY-16: the rule that stopped it, or NULL */
	/* a direct payment's recipient, judged on the due date (set .on) */
	struct pb_elig_dp_recipient recipient;

	/* the payee requested */
	const char *payee_id;
	enum pb_budget_payee_kind payee_kind;
	int payee_is_local_authority;
	const char *payee_person_id;    /* individual's person, or NULL */
	int payee_lives_with_child;     /* that person is a contact of the
	                                   child with lives_with_child */

	/* the request */
	int64_t amount_pence;
	int32_t due_date;
	enum pb_pay_purpose purpose;
	int committed;                  /* approving: the amount is already held */
};

/*
 * pb_pay_check_create — may this payment be created (or, with
 * f->committed set, approved: the same rules on the facts as they are
 * then, without the funds test the commitment already passed)?  Stops at
 * the first refusal, in this order:
 *   1. budget approved, else PB_ETRANSITION (draft, suspended, closed:
 *      the budget's state, not a domain rule, blocks it; see README);
 *   2. element belongs to the budget, else PB_EINVAL field "element_id"
 *      (an element arrangement outside the enum is PB_EINTERNAL); a
 *      notional element's money is held by the council and is never a
 *      payment (PAY-10); a stopped element refuses with the rule that
 *      stopped it (PAY-16);
 *   3. 0 < amount <= PB_MAX_PENCE, else PB_EINVAL field "amount_pence";
 *   4. due date inside the budget period (PAY-24) and the plan's life
 *      (BUD-10), else PB_ERULE;
 *   5. a direct-payment element pays only its own payee (PAY-1), whose
 *      recipient still qualifies on the due date
 *      (pb_elig_check_dp_recipient: PAY-3/4/2/1/12);
 *   6, 7. the payee rule of budgets (pb_budget_check_payee: PAY-10, BUD-2);
 *   8. direct payment: signed agreement (PAY-8), then head-teacher
 *      agreement for provision on school premises (PAY-6);
 *   9. PAY-11, by who is paid: an individual who is a contact living with
 *      the child is paid for nothing but the direct payment itself unless
 *      an approver recorded the exception on the element;
 *  10. amount <= element remaining, else PB_EFUNDS with rule "PAY-24"
 *      (not when f->committed).
 * Step 10 is advisory: the store re-checks it under the row lock and the
 * database constraint is the last word (architecture.md decision 4).
 */
enum pb_err pb_pay_check_create(const struct pb_pay_facts *f,
    struct pb_problem *p);

/*
 * pb_pay_check_recovery — money clawed back from an element (PAY-18).
 * PB_EINVAL field "amount_pence" unless 0 < amount <= PB_MAX_PENCE;
 * PB_ERULE "PAY-24" when amount > element_spent_pence (spent = paid minus
 * already recovered): never recover more than was spent.
 */
enum pb_err pb_pay_check_recovery(int64_t amount_pence,
    int64_t element_spent_pence, struct pb_problem *p);

/* ---- recovery debts (PAY-18) ------------------------------------------- */

enum pb_debt_status {
	PB_DEBT_RAISED = 1,
	PB_DEBT_INVOICED,
	PB_DEBT_UNDER_REVIEW,
	PB_DEBT_WRITE_OFF_PENDING,
	PB_DEBT_PAID,
	PB_DEBT_WRITTEN_OFF,
	PB_DEBT_OFFSET,
	PB_DEBT_CANCELLED
};

enum pb_debt_action {
	PB_DEBT_ACT_INVOICE = 1,     /* raised -> invoiced */
	PB_DEBT_ACT_PAY,             /* raised|invoiced|write_off_pending -> paid */
	PB_DEBT_ACT_OFFSET,          /* raised|invoiced -> offset */
	PB_DEBT_ACT_WRITE_OFF,       /* raised|invoiced -> write_off_pending */
	PB_DEBT_ACT_WRITE_OFF_APPROVE, /* write_off_pending -> written_off */
	PB_DEBT_ACT_WRITE_OFF_REJECT,  /* write_off_pending -> prior */
	PB_DEBT_ACT_REVIEW,          /* raised|invoiced -> under_review, once */
	PB_DEBT_ACT_UPHOLD,          /* under_review -> prior */
	PB_DEBT_ACT_REDUCE,          /* under_review -> prior, amount lowered */
	PB_DEBT_ACT_CANCEL           /* under_review -> cancelled */
};

const char *pb_debt_status_str(enum pb_debt_status v);
enum pb_err pb_debt_status_parse(const char *s, size_t len,
    enum pb_debt_status *out);
const char *pb_debt_action_str(enum pb_debt_action v);

/* Still owed: raised, invoiced, under_review, write_off_pending. */
int pb_debt_is_owed(enum pb_debt_status s);

/* A debt's state as the transition needs it. */
struct pb_debt_state {
	enum pb_debt_status status;
	enum pb_debt_status prior;   /* where under_review / write_off_pending
	                                return; 0 otherwise */
	int review_requested;        /* a review was already asked for */
};

/*
 * pb_debt_transition — may `action` move the debt?  On PB_OK *to (may be
 * NULL) gets the new status.  Refusals: PB_ETRANSITION for a move the
 * lifecycle does not have (a settled debt, paying one under review, ...);
 * PB_ECONFLICT when a review is asked for a second time (once per debt,
 * PAY-18).  Unknown values are PB_ETRANSITION.
 */
enum pb_err pb_debt_transition(const struct pb_debt_state *s,
    enum pb_debt_action action, enum pb_debt_status *to, struct pb_problem *p);

/*
 * pb_pay_check_recoverable — may amount_pence more be recovered (or raised
 * as a debt) from an element with spent_pence net spent (paid minus
 * already recovered) of which owed_pence is already owed by open debts?
 * PB_EINVAL field "amount_pence" unless 0 < amount <= PB_MAX_PENCE;
 * PB_ERULE "PAY-24" when amount > spent - owed, so every open debt can
 * still be paid back in full.
 */
enum pb_err pb_pay_check_recoverable(int64_t amount_pence, int64_t spent_pence,
    int64_t owed_pence, struct pb_problem *p);

/* An offset of a debt against one payment of its element. */
struct pb_debt_offset_facts {
	int64_t debt_pence;          /* what the debt owes now */
	int32_t raised_on;           /* the day the debt was raised */
	int same_element;            /* the payment is of the debt's element */
	enum pb_pay_status payment_status;
	int payment_in_run;          /* run_id set: it is with the bank */
	int payment_has_offset;      /* another debt is already offset on it */
	int64_t payment_pence;
	int32_t payment_due;
};

/*
 * pb_debt_check_offset — may the debt be offset against the payment (the
 * payment reduced by the whole debt)?  In order: the payment is of the
 * debt's element (PB_EINVAL field "payment_id"); not yet exported
 * (pending_approval or approved, no run), else PB_ERULE "PAY-18"; due on
 * or after the day the debt was raised ("a later payment", PAY-18); no
 * other offset on it (PB_ECONFLICT); and larger than the debt, so
 * something is still paid (PB_ERULE "PAY-18").
 */
enum pb_err pb_debt_check_offset(const struct pb_debt_offset_facts *f,
    struct pb_problem *p);

/*
 * pb_debt_check_reduce — a review reduces what is owed to new_pence:
 * 0 < new < current, else PB_EINVAL field "amount_pence" (to nothing is
 * outcome cancelled; to the same amount is upheld).
 */
enum pb_err pb_debt_check_reduce(int64_t current_pence, int64_t new_pence,
    struct pb_problem *p);

/* PAY-19 surplus check on one direct-payment element. */
struct pb_pay_surplus_in {
	int64_t allocated_pence;        /* element allocation for the period */
	int32_t period_start, period_end; /* inclusive budget period */
	int64_t net_paid_pence;         /* paid minus recovered (spent_pence) */
	int64_t evidenced_spend_pence;  /* spend the family has evidenced on
	                                   the provision; 0 if none returned */
	int threshold_weeks;            /* local policy, e.g. 8; 1..52 */
	int64_t unpaid_bills_pence;     /* bills the family still has to pay
	                                   from the money held (finance) */
	int64_t contingency_pence;      /* what the council lets it keep */
	int64_t owed_pence;             /* already raised as open debts */
	int stopped;                    /* the direct payment is stopped (PAY-16,
	                                   PAY-17): no funding is left to keep
	                                   weeks of, so the threshold is 0 */
};

struct pb_pay_surplus_out {
	int64_t weekly_rate_pence;      /* floor(allocated * 7 / days) */
	int64_t held_pence;             /* max(0, net_paid - evidenced) */
	int64_t threshold_pence;        /* floor(allocated*7*weeks / days) */
	int64_t surplus_pence;          /* held - threshold when over, else 0 */
	int over_threshold;             /* held > threshold */
	int64_t available_pence;        /* max(0, held - unpaid bills - contingency) */
	int64_t proposed_pence;         /* max(0, available - threshold - owed):
	                                   the recovery to propose */
};

/*
 * pb_pay_surplus — PAY-19: does the family hold more than threshold_weeks
 * of funding?  days = period_end - period_start + 1; the threshold is
 * computed in one integer step (allocated * 7 * weeks / days, rounded
 * down) so it does not inherit the weekly rate's rounding.  surplus_pence
 * is the amount above the threshold.  What is proposed for recovery
 * comes after unpaid bills and the contingency: available = held - bills -
 * contingency (not below 0), proposed = available - threshold - what open
 * debts already claim (not below 0).  A stopped direct payment has no
 * threshold: everything held beyond bills and contingency is proposed.
 * PB_EINVAL for a bad period, weeks outside 1..52, or money outside
 * 0..PB_MAX_PENCE; *out is written only on PB_OK.
 */
enum pb_err pb_pay_surplus(const struct pb_pay_surplus_in *in,
    struct pb_pay_surplus_out *out);

#endif
