/* SPDX-License-Identifier: MIT */
/*
 * payments/rules.c — pure payment rules (see rules.h and README.md).
 *
 * No I/O, no clock, no allocation, no floating point: facts in, verdict
 * out.  Rule ids from domain.md sit next to the code that enforces them.
 */
#include "internal/payments/rules.h"

#include <stdio.h>

#include <stdint.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/names.h"
#include "internal/core/text.h"

/* ---- string tables ---------------------------------------------------- */

/* Index i holds the spelling of enum value i; [0] is unused (no value 0). */
static const char *const status_names[] = {
	NULL, "pending_approval", "approved", "exported", "paid", "failed",
	"cancelled"
};
static const char *const action_names[] = {
	NULL, "approve", "cancel", "export", "paid", "failed"
};
static const char *const purpose_names[] = {
	NULL, "direct_payment", "services", "employment", "transport",
	"equipment", "other"
};
static const char *const frequency_names[] = {
	NULL, "weekly", "four_weekly", "monthly", "quarterly", "termly"
};

PB_NAMES_DEFINE(pb_pay_status_str, pb_pay_status_parse,
    enum pb_pay_status, status_names)

PB_NAMES_DEFINE(pb_pay_action_str, pb_pay_action_parse,
    enum pb_pay_action, action_names)

PB_NAMES_DEFINE(pb_pay_purpose_str, pb_pay_purpose_parse,
    enum pb_pay_purpose, purpose_names)

PB_NAMES_DEFINE(pb_pay_frequency_str, pb_pay_frequency_parse,
    enum pb_pay_frequency, frequency_names)

/* ---- lifecycle (domain.md §4) ------------------------------------------- */

enum pb_err pb_pay_transition(enum pb_pay_status from,
    enum pb_pay_action action, enum pb_pay_status *to, struct pb_problem *p)
{
	int next = 0; /* 0: refused */

	switch (action) {
	case PB_PAY_ACTION_APPROVE:
		if (from == PB_PAY_STATUS_PENDING_APPROVAL)
			next = PB_PAY_STATUS_APPROVED;
		break;
	case PB_PAY_ACTION_CANCEL:
		/* once exported the money is with the bank: only a result
		 * (paid/failed) or a recovery can follow */
		if (from == PB_PAY_STATUS_PENDING_APPROVAL ||
		    from == PB_PAY_STATUS_APPROVED)
			next = PB_PAY_STATUS_CANCELLED;
		break;
	case PB_PAY_ACTION_EXPORT:
		if (from == PB_PAY_STATUS_APPROVED)
			next = PB_PAY_STATUS_EXPORTED;
		break;
	case PB_PAY_ACTION_PAID:
		if (from == PB_PAY_STATUS_EXPORTED)
			next = PB_PAY_STATUS_PAID;
		break;
	case PB_PAY_ACTION_FAILED:
		if (from == PB_PAY_STATUS_EXPORTED)
			next = PB_PAY_STATUS_FAILED;
		break;
	}
	if (next == 0) {
		const char *a = pb_pay_action_str(action);
		const char *f = pb_pay_status_str(from);
		return pb_problem_set(p, PB_ETRANSITION, NULL,
		    "a payment that is %s cannot be %s",
		    f ? f : "in an unknown state",
		    action == PB_PAY_ACTION_APPROVE ? "approved" :
		    action == PB_PAY_ACTION_CANCEL ? "cancelled" :
		    action == PB_PAY_ACTION_EXPORT ? "exported" :
		    action == PB_PAY_ACTION_PAID ? "marked paid" :
		    action == PB_PAY_ACTION_FAILED ? "marked failed" :
		    a ? a : "changed");
	}
	if (to)
		*to = (enum pb_pay_status)next;
	return PB_OK;
}

int pb_pay_status_holds_commitment(enum pb_pay_status s)
{
	return s == PB_PAY_STATUS_PENDING_APPROVAL ||
	    s == PB_PAY_STATUS_APPROVED || s == PB_PAY_STATUS_EXPORTED;
}

int pb_pay_status_is_spent(enum pb_pay_status s)
{
	return s == PB_PAY_STATUS_PAID;
}

int pb_pay_status_releases(enum pb_pay_status s)
{
	return s == PB_PAY_STATUS_FAILED || s == PB_PAY_STATUS_CANCELLED;
}

/* ---- schedules ---------------------------------------------------------- */

static int32_t min_day(void)
{
	return pb_date_from_ymd(PB_DATE_MIN_YEAR, 1, 1);
}

static int32_t max_day(void)
{
	return pb_date_from_ymd(PB_DATE_MAX_YEAR, 12, 31);
}

enum pb_err pb_pay_schedule_nth(int32_t start, enum pb_pay_frequency freq,
    int n, int32_t *out)
{
	const int64_t span_months =
	    12 * (int64_t)(PB_DATE_MAX_YEAR - PB_DATE_MIN_YEAR + 1);
	int64_t d;

	if (n < 0 || start < min_day() || start > max_day())
		return PB_EINVAL;
	switch (freq) {
	case PB_PAY_FREQ_WEEKLY:
		d = (int64_t)start + 7 * (int64_t)n;
		break;
	case PB_PAY_FREQ_FOUR_WEEKLY:
		d = (int64_t)start + 28 * (int64_t)n;
		break;
	case PB_PAY_FREQ_MONTHLY:
	case PB_PAY_FREQ_QUARTERLY: {
		/* from start each time: 31 Jan, 28/29 Feb, 31 Mar, ... */
		int64_t months = (int64_t)n *
		    (freq == PB_PAY_FREQ_QUARTERLY ? 3 : 1);
		if (months > span_months)
			return PB_EINVAL;
		d = pb_date_add_months(start, (int)months);
		break;
	}
	default:
		return PB_EINVAL;
	}
	if (d > max_day())
		return PB_EINVAL;
	*out = (int32_t)d;
	return PB_OK;
}

enum pb_err pb_pay_schedule_dates(int32_t start, int32_t end, int32_t until,
    enum pb_pay_frequency freq, int32_t *out, size_t cap, size_t *count)
{
	struct pb_pay_sched_spec spec = { start, end, freq, NULL, 0 };

	if (count != NULL)
		*count = 0;
	if (freq == PB_PAY_FREQ_TERMLY)
		return PB_EINVAL;    /* termly needs the terms: pb_pay_sched_dates */
	return pb_pay_sched_dates(&spec, until, out, cap, count);
}

enum pb_err pb_pay_sched_nth(const struct pb_pay_sched_spec *s, int n, int32_t *out)
{
	size_t k = 0;

	if (s == NULL || out == NULL || n < 0)
		return PB_EINVAL;
	if (s->freq != PB_PAY_FREQ_TERMLY)
		return pb_pay_schedule_nth(s->start, s->freq, n, out);
	if (s->terms == NULL && s->nterms > 0)
		return PB_EINVAL;
	while (k < s->nterms && s->terms[k] < s->start)
		k++;
	if ((size_t)n >= s->nterms - k)
		return PB_EINVAL;
	*out = s->terms[k + (size_t)n];
	return PB_OK;
}

enum pb_err pb_pay_sched_dates(const struct pb_pay_sched_spec *s, int32_t until,
    int32_t *out, size_t cap, size_t *count)
{
	int32_t limit = until;
	size_t k = 0;

	if (count == NULL || s == NULL || (out == NULL && cap > 0))
		return PB_EINVAL;
	*count = 0;
	if (pb_pay_frequency_str(s->freq) == NULL)
		return PB_EINVAL;
	if (s->end != PB_DATE_NONE && s->end < limit)
		limit = s->end;
	for (int n = 0; n < INT32_MAX; n++) {
		int32_t d;
		if (pb_pay_sched_nth(s, n, &d) != PB_OK)
			break;  /* past the calendar's (or the terms') end */
		if (d > limit)
			break;
		if (k == cap) {
			*count = k;
			return PB_EINVAL;
		}
		out[k++] = d;
	}
	*count = k;
	return PB_OK;
}

static int in_dates(const int32_t *dates, size_t n, int32_t d)
{
	for (size_t i = 0; i < n; i++)
		if (dates[i] == d)
			return 1;
	return 0;
}

enum pb_err pb_pay_schedule_instalments(const struct pb_pay_sched_spec *s, int32_t last,
    int64_t amount_pence, const int32_t *have, size_t nhave, int64_t cap_left,
    pb_pay_instalment_fn *fn, void *arg)
{
	int32_t limit = last;
	int64_t sum = 0;

	if (s == NULL || fn == NULL || (have == NULL && nhave > 0) ||
	    amount_pence < 1 || amount_pence > PB_MAX_PENCE ||
	    pb_pay_frequency_str(s->freq) == NULL)
		return PB_EINVAL;
	if (s->end != PB_DATE_NONE && s->end < limit)
		limit = s->end;
	for (int n = 0; n < INT32_MAX; n++) {
		int32_t d;
		if (pb_pay_sched_nth(s, n, &d) != PB_OK || d > limit)
			break;
		if (in_dates(have, nhave, d))
			continue;
		int64_t a = amount_pence;
		if (cap_left >= 0 && a > cap_left - sum)
			a = cap_left - sum;          /* the last one reduced */
		if (a <= 0)
			break;                       /* the cap is reached */
		sum += a;
		if (fn(d, a, arg) != 0)
			break;
	}
	return PB_OK;
}

struct projected {
	int64_t sum;
	size_t k;
};

static int add_projected(int32_t d, int64_t amount, void *arg)
{
	struct projected *t = arg;

	(void)d;
	t->sum += amount;
	t->k++;
	if (t->sum > PB_MAX_PENCE) {
		t->sum = PB_MAX_PENCE + 1;           /* far more than any element */
		return 1;
	}
	return 0;
}

enum pb_err pb_pay_schedule_projected(const struct pb_pay_sched_spec *s, int32_t last,
    int64_t amount_pence, const int32_t *have, size_t nhave, int64_t cap_left,
    int64_t *total, size_t *count)
{
	struct projected t = { 0, 0 };

	if (total == NULL || count == NULL)
		return PB_EINVAL;
	enum pb_err err = pb_pay_schedule_instalments(s, last, amount_pence, have, nhave,
	    cap_left, add_projected, &t);
	if (err)
		return err;
	*total = t.sum;
	*count = t.k;
	return PB_OK;
}

int pb_pay_academic_year(int32_t day)
{
	int y, m, d;

	pb_date_to_ymd(day, &y, &m, &d);
	return m >= 8 ? y : y - 1;
}

enum pb_err pb_pay_check_terms(int32_t from, int32_t last, const int *years, size_t nyears,
    struct pb_problem *p)
{
	if (last < from || (years == NULL && nyears > 0))
		return PB_EINVAL;
	for (int y = pb_pay_academic_year(from); y <= pb_pay_academic_year(last); y++) {
		size_t i = 0;
		while (i < nyears && years[i] != y)
			i++;
		if (i == nyears)
			return pb_problem_set(p, PB_ERULE, "PAY-21", "A termly schedule is paid on the "
			    "council's term dates, and none are set for %d-%02d: set them with "
			    "PUT /v1/term-dates/%d-%02d first.", y, (y + 1) % 100, y, (y + 1) % 100);
	}
	return PB_OK;
}

enum pb_err pb_pay_check_term_starts(int year, const int32_t *starts, size_t n,
    struct pb_problem *p)
{
	char f[48];

	if (n < 1 || n > 6 || starts == NULL)
		return pb_problem_field(p, "term_starts", "invalid",
		    "term_starts lists the start date of each term: 1 to 6 dates.");
	for (size_t i = 0; i < n; i++) {
		snprintf(f, sizeof(f), "term_starts[%zu]", i);
		if (pb_pay_academic_year(starts[i]) != year)
			return pb_problem_field(p, f, "outside_year", "Each term of %d-%02d starts "
			    "between 1 August %d and 31 July %d.", year, (year + 1) % 100, year, year + 1);
		if (i > 0 && starts[i] <= starts[i - 1])
			return pb_problem_field(p, f, "not_ascending",
			    "Term start dates are listed in order, each after the last.");
	}
	return PB_OK;
}

/* ---- creating a payment ------------------------------------------------- */

static const char *budget_status_word(enum pb_budget_status s)
{
	switch (s) {
	case PB_BUDGET_STATUS_DRAFT:
		return "still a draft";
	case PB_BUDGET_STATUS_APPROVED:
		return "approved";
	case PB_BUDGET_STATUS_SUSPENDED:
		return "suspended";
	case PB_BUDGET_STATUS_CLOSED:
		return "closed";
	}
	return "in an unknown state";
}

static int valid_amount(int64_t a)
{
	return a > 0 && a <= PB_MAX_PENCE;
}

enum pb_err pb_pay_check_create(const struct pb_pay_facts *f,
    struct pb_problem *p)
{
	int dp = f->arrangement == PB_ARR_DIRECT_PAYMENT;
	int tp = f->arrangement == PB_ARR_THIRD_PARTY;

	/* 1. only an approved budget pays out: a state conflict (409), the
	 *    same request succeeds once the budget is resumed */
	if (f->budget_status != PB_BUDGET_STATUS_APPROVED)
		return pb_problem_set(p, PB_ETRANSITION, NULL,
		    "payments can only be made from an approved budget; "
		    "this one is %s", budget_status_word(f->budget_status));

	/* 2. the element must be one of this budget's */
	if (!f->element_in_budget)
		return pb_problem_field(p, "element_id", "not_found",
		    "the element is not part of this budget");
	if (!dp && !tp && f->arrangement != PB_ARR_NOTIONAL)
		return pb_problem_set(p, PB_EINTERNAL, NULL,
		    "the element has no known arrangement");
	/* PAY-10: a notional element's money stays with the council, which
	 * commissions the provision itself: it never reaches a bank file */
	if (f->arrangement == PB_ARR_NOTIONAL)
		return pb_problem_set(p, PB_ERULE, "PAY-10",
		    "a notional element's money is held and spent by the council; it is not "
		    "paid out (use a third-party element to pay a provider)");
	/* PAY-16: a stopped direct payment pays nothing more */
	if (f->stopped_rule != NULL)
		return pb_problem_set(p, PB_ERULE, f->stopped_rule,
		    "the direct payment has been stopped (%s): no more payments can be made "
		    "from it", f->stopped_rule);

	/* 3. PAY-24: amount > 0 (and within the API's money range) */
	if (!valid_amount(f->amount_pence))
		return pb_problem_field(p, "amount_pence", "invalid",
		    "amount_pence must be between 1 and %lld",
		    (long long)PB_MAX_PENCE);

	/* 4. PAY-24: due in the budget period; BUD-10: nothing payable
	 *    outside the plan's life (after cessation in particular) */
	if (f->due_date < f->period_start || f->due_date > f->period_end)
		return pb_problem_set(p, PB_ERULE, "PAY-24",
		    "the due date is outside the budget period");
	if ((f->plan_start != PB_DATE_NONE && f->due_date < f->plan_start) ||
	    (f->plan_ceased_on != PB_DATE_NONE &&
	    f->due_date > f->plan_ceased_on))
		return pb_problem_set(p, PB_ERULE, "BUD-10",
		    "the due date is outside the life of the EHC plan");

	/* 5. PAY-1: a direct payment goes only to its recipient's payee, and
	 *    only while the recipient qualifies (PAY-3/4/2/1/12, now) */
	if (dp && (!pb_text_present(f->element_payee_id) || !pb_text_present(f->payee_id) ||
	    strcmp(f->element_payee_id, f->payee_id) != 0))
		return pb_problem_set(p, PB_ERULE, "PAY-1",
		    "a direct-payment element pays only its own recipient's "
		    "payee");
	if (dp) {
		struct pb_elig_dp_recipient r = f->recipient;
		r.on = f->due_date;
		enum pb_err err = pb_elig_check_dp_recipient(&r, p);
		if (err)
			return err;
	}

	/* 6, 7. PAY-10 (never the council itself) and BUD-2 (a third party
	 *    is an organisation): the budgets rule that chose the payee */
	enum pb_err err = pb_budget_check_payee(f->arrangement, f->payee_kind,
	    f->payee_is_local_authority, p);
	if (err)
		return err;

	if (dp) {
		/* 8a. PAY-8: signed agreement before any payment */
		if (!f->agreement_signed)
			return pb_problem_set(p, PB_ERULE, "PAY-8",
			    "the direct-payment agreement has not been "
			    "signed");
		/* 8b. PAY-6: provision on school premises needs the head
		 *     teacher's written agreement before paying */
		if (f->school_premises && !f->head_teacher_agreed)
			return pb_problem_set(p, PB_ERULE, "PAY-6",
			    "the provision is on school premises and the head "
			    "teacher's agreement is not recorded");
		/*     ... and nothing is paid for days after its withdrawal */
		if (f->school_premises && f->head_teacher_withdrawn &&
		    f->due_date >= f->head_teacher_withdrawn_on)
			return pb_problem_set(p, PB_ERULE, "PAY-6",
			    "the head teacher withdrew agreement to the provision on school "
			    "premises from before this payment's due date");
	}

	/* 9. PAY-11, decided by who is paid, whatever the payment is called:
	 *    a partner or relative in the child's household (the recipient
	 *    too) is paid nothing but the direct payment itself unless an
	 *    approver recorded that it is necessary */
	if (f->purpose != PB_PAY_PURPOSE_DIRECT_PAYMENT &&
	    f->payee_kind == PB_BUDGET_PAYEE_INDIVIDUAL &&
	    f->payee_lives_with_child && !f->pay11_exception)
		return pb_problem_set(p, PB_ERULE, "PAY-11",
		    "the payee lives with the child and cannot be paid for "
		    "%s unless an approver records that it is necessary",
		    pb_pay_purpose_str(f->purpose) ? pb_pay_purpose_str(f->purpose) : "this");

	/* 10. PAY-24 / BUD-9: never beyond what remains */
	if (!f->committed && f->amount_pence > f->element_remaining_pence)
		return pb_problem_set(p, PB_EFUNDS, "PAY-24",
		    "the payment of %lld pence exceeds the %lld pence "
		    "remaining on the element", (long long)f->amount_pence,
		    (long long)(f->element_remaining_pence < 0 ? 0 :
		    f->element_remaining_pence));
	return PB_OK;
}

enum pb_err pb_pay_check_recovery(int64_t amount_pence,
    int64_t element_spent_pence, struct pb_problem *p)
{
	return pb_pay_check_recoverable(amount_pence, element_spent_pence, 0, p);
}

enum pb_err pb_pay_check_recoverable(int64_t amount_pence, int64_t spent_pence,
    int64_t owed_pence, struct pb_problem *p)
{
	if (!valid_amount(amount_pence))
		return pb_problem_field(p, "amount_pence", "invalid",
		    "amount_pence must be between 1 and %lld",
		    (long long)PB_MAX_PENCE);
	if (spent_pence < 0)
		spent_pence = 0;
	if (owed_pence < 0)
		owed_pence = 0;
	/* PAY-18 / PAY-24: recover at most what was spent, less what open
	 * debts already claim (both at most PB_MAX_PENCE: no overflow) */
	if (amount_pence > spent_pence - owed_pence) {
		if (owed_pence == 0)
			return pb_problem_set(p, PB_ERULE, "PAY-24",
			    "cannot recover %lld pence: only %lld pence has "
			    "been spent from this element",
			    (long long)amount_pence, (long long)spent_pence);
		return pb_problem_set(p, PB_ERULE, "PAY-24",
		    "cannot recover %lld pence: %lld pence has been spent "
		    "from this element and %lld pence of it is already owed "
		    "on open debts", (long long)amount_pence,
		    (long long)spent_pence, (long long)owed_pence);
	}
	return PB_OK;
}

/* ---- recovery debts (PAY-18) ---------------------------------------------- */

static const char *const debt_status_names[] = {
	NULL, "raised", "invoiced", "under_review", "write_off_pending", "paid",
	"written_off", "offset", "cancelled"
};
static const char *const debt_action_names[] = {
	NULL, "invoice", "pay", "offset", "write_off", "approve_write_off",
	"reject_write_off", "request_review", "uphold", "reduce", "cancel"
};

PB_NAMES_DEFINE(pb_debt_status_str, pb_debt_status_parse,
    enum pb_debt_status, debt_status_names)

const char *pb_debt_action_str(enum pb_debt_action v)
{
	return pb_names_get(debt_action_names,
	    sizeof(debt_action_names) / sizeof(debt_action_names[0]), (int)v);
}

int pb_debt_is_owed(enum pb_debt_status s)
{
	return s == PB_DEBT_RAISED || s == PB_DEBT_INVOICED ||
	    s == PB_DEBT_UNDER_REVIEW || s == PB_DEBT_WRITE_OFF_PENDING;
}

static int open_debt(enum pb_debt_status s)
{
	return s == PB_DEBT_RAISED || s == PB_DEBT_INVOICED;
}

static int prior_ok(enum pb_debt_status s)
{
	return s == PB_DEBT_RAISED || s == PB_DEBT_INVOICED;
}

enum pb_err pb_debt_transition(const struct pb_debt_state *s,
    enum pb_debt_action action, enum pb_debt_status *to, struct pb_problem *p)
{
	int next = 0; /* 0: refused */
	enum pb_debt_status from = s->status;

	switch (action) {
	case PB_DEBT_ACT_INVOICE:
		if (from == PB_DEBT_RAISED)
			next = PB_DEBT_INVOICED;
		break;
	case PB_DEBT_ACT_PAY:
		/* money that arrives while a write-off waits is still taken */
		if (open_debt(from) || from == PB_DEBT_WRITE_OFF_PENDING)
			next = PB_DEBT_PAID;
		break;
	case PB_DEBT_ACT_OFFSET:
		if (open_debt(from))
			next = PB_DEBT_OFFSET;
		break;
	case PB_DEBT_ACT_WRITE_OFF:
		if (open_debt(from))
			next = PB_DEBT_WRITE_OFF_PENDING;
		break;
	case PB_DEBT_ACT_WRITE_OFF_APPROVE:
		if (from == PB_DEBT_WRITE_OFF_PENDING)
			next = PB_DEBT_WRITTEN_OFF;
		break;
	case PB_DEBT_ACT_WRITE_OFF_REJECT:
		if (from == PB_DEBT_WRITE_OFF_PENDING && prior_ok(s->prior))
			next = s->prior;
		break;
	case PB_DEBT_ACT_REVIEW:
		/* PAY-18: the family may ask for a review once */
		if (s->review_requested && pb_debt_is_owed(from))
			return pb_problem_set(p, PB_ECONFLICT, "PAY-18",
			    "a review of this debt was already asked for; "
			    "it is reviewed once");
		if (open_debt(from))
			next = PB_DEBT_UNDER_REVIEW;
		break;
	case PB_DEBT_ACT_UPHOLD:
	case PB_DEBT_ACT_REDUCE:
		if (from == PB_DEBT_UNDER_REVIEW && prior_ok(s->prior))
			next = s->prior;
		break;
	case PB_DEBT_ACT_CANCEL:
		if (from == PB_DEBT_UNDER_REVIEW)
			next = PB_DEBT_CANCELLED;
		break;
	}
	if (next == 0) {
		const char *a = pb_debt_action_str(action);
		const char *f = pb_debt_status_str(from);
		return pb_problem_set(p, PB_ETRANSITION, NULL,
		    "a debt that is %s cannot %s", f ? f : "in an unknown state",
		    a ? a : "do that");
	}
	if (to)
		*to = (enum pb_debt_status)next;
	return PB_OK;
}

enum pb_err pb_debt_check_offset(const struct pb_debt_offset_facts *f,
    struct pb_problem *p)
{
	if (!f->same_element)
		return pb_problem_field(p, "payment_id", "other_element",
		    "a debt is offset only against a payment of its own element");
	if ((f->payment_status != PB_PAY_STATUS_PENDING_APPROVAL &&
	    f->payment_status != PB_PAY_STATUS_APPROVED) || f->payment_in_run)
		return pb_problem_set(p, PB_ERULE, "PAY-18",
		    "only a payment not yet sent to the bank can be reduced "
		    "by an offset; this one is %s",
		    pb_pay_status_str(f->payment_status) ?
		    pb_pay_status_str(f->payment_status) : "not open");
	if (f->payment_due < f->raised_on)
		return pb_problem_set(p, PB_ERULE, "PAY-18",
		    "a debt is offset against a later payment: this one was "
		    "due before the debt was raised");
	if (f->payment_has_offset)
		return pb_problem_set(p, PB_ECONFLICT, NULL,
		    "this payment is already reduced by another debt");
	if (f->payment_pence <= f->debt_pence)
		return pb_problem_set(p, PB_ERULE, "PAY-18",
		    "the payment of %lld pence is not larger than the %lld "
		    "pence owed; offset it against a larger payment or "
		    "invoice the debt", (long long)f->payment_pence,
		    (long long)f->debt_pence);
	return PB_OK;
}

enum pb_err pb_debt_check_reduce(int64_t current_pence, int64_t new_pence,
    struct pb_problem *p)
{
	if (new_pence <= 0 || new_pence >= current_pence)
		return pb_problem_field(p, "amount_pence", "invalid",
		    "a reduced debt owes between 1 and %lld pence (less than "
		    "the %lld owed now); to nothing is outcome cancelled",
		    (long long)(current_pence - 1), (long long)current_pence);
	return PB_OK;
}

/* ---- PAY-19 surplus ----------------------------------------------------- */

static int money_ok(int64_t v)
{
	return v >= 0 && v <= PB_MAX_PENCE;
}

enum pb_err pb_pay_surplus(const struct pb_pay_surplus_in *in,
    struct pb_pay_surplus_out *out)
{
	struct pb_pay_surplus_out r;

	if (in->period_end < in->period_start ||
	    in->threshold_weeks < 1 || in->threshold_weeks > 52 ||
	    !money_ok(in->allocated_pence) || !money_ok(in->net_paid_pence) ||
	    !money_ok(in->evidenced_spend_pence) ||
	    !money_ok(in->unpaid_bills_pence) || !money_ok(in->contingency_pence) ||
	    !money_ok(in->owed_pence))
		return PB_EINVAL;

	/* days >= 1; allocated * 7 * 52 <= 3.7e13: no overflow */
	int64_t days = (int64_t)in->period_end - in->period_start + 1;
	r.weekly_rate_pence = in->allocated_pence * 7 / days;
	r.threshold_pence = in->stopped ? 0 : in->allocated_pence * 7 * in->threshold_weeks /
	    days;
	r.held_pence = in->net_paid_pence - in->evidenced_spend_pence;
	if (r.held_pence < 0)
		r.held_pence = 0;
	r.over_threshold = r.held_pence > r.threshold_pence;
	r.surplus_pence = r.over_threshold ?
	    r.held_pence - r.threshold_pence : 0;
	/* each term at most PB_MAX_PENCE: no overflow */
	r.available_pence = r.held_pence - in->unpaid_bills_pence -
	    in->contingency_pence;
	if (r.available_pence < 0)
		r.available_pence = 0;
	r.proposed_pence = r.available_pence - r.threshold_pence -
	    in->owed_pence;
	if (r.proposed_pence < 0)
		r.proposed_pence = 0;
	*out = r;
	return PB_OK;
}
