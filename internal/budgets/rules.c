/* SPDX-License-Identifier: MIT */
/*
 * budgets/rules.c — pure budget rules (see rules.h and README.md).
 *
 * No I/O, no clock, no allocation: facts in, verdict out.  Rule ids from
 * domain.md sit next to the code that enforces them.
 */
#include "internal/budgets/rules.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal/core/date.h"
#include "internal/core/names.h"
#include "internal/core/text.h"

/* ---- string tables ---------------------------------------------------- */

/* Index i holds the spelling of enum value i; [0] is unused (no value 0). */
static const char *const status_names[] = {
	NULL, "draft", "approved", "suspended", "closed"
};
static const char *const action_names[] = {
	NULL, "approve", "suspend", "resume", "close"
};
static const char *const payee_kind_names[] = {
	NULL, "individual", "organisation"
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

PB_NAMES_DEFINE(pb_budget_status_str, pb_budget_status_parse,
    enum pb_budget_status, status_names)

PB_NAMES_DEFINE(pb_budget_action_str, pb_budget_action_parse,
    enum pb_budget_action, action_names)

PB_NAMES_DEFINE(pb_budget_payee_kind_str, pb_budget_payee_kind_parse,
    enum pb_budget_payee_kind, payee_kind_names)

/* ---- lifecycle (domain.md §4) ------------------------------------------- */

enum pb_err pb_budget_transition_allowed(enum pb_budget_status from,
    enum pb_budget_action action, enum pb_budget_status *to,
    struct pb_problem *p)
{
	int next = 0; /* 0: refused */

	switch (action) {
	case PB_BUDGET_ACTION_APPROVE:
		if (from == PB_BUDGET_STATUS_DRAFT)
			next = PB_BUDGET_STATUS_APPROVED;
		break;
	case PB_BUDGET_ACTION_SUSPEND:
		if (from == PB_BUDGET_STATUS_APPROVED)
			next = PB_BUDGET_STATUS_SUSPENDED;
		break;
	case PB_BUDGET_ACTION_RESUME:
		if (from == PB_BUDGET_STATUS_SUSPENDED)
			next = PB_BUDGET_STATUS_APPROVED;
		break;
	case PB_BUDGET_ACTION_CLOSE:
		/* closed is terminal; a draft is discarded, not closed */
		if (from == PB_BUDGET_STATUS_APPROVED ||
		    from == PB_BUDGET_STATUS_SUSPENDED)
			next = PB_BUDGET_STATUS_CLOSED;
		break;
	}
	if (next == 0) {
		const char *a = pb_budget_action_str(action);
		const char *f = pb_budget_status_str(from);
		return pb_problem_set(p, PB_ETRANSITION, NULL,
		    "cannot %s a budget that is %s", a ? a : "change",
		    f ? f : "in an unknown state");
	}
	if (to)
		*to = (enum pb_budget_status)next;
	return PB_OK;
}

enum pb_err pb_budget_derive_arrangement(
    const enum pb_arrangement *arr, size_t n,
    enum pb_arrangement *out)
{
	if (arr == NULL || n == 0)
		return PB_EINVAL;
	enum pb_arrangement first = arr[0];
	int same = 1;
	for (size_t i = 0; i < n; i++) {
		if (arr[i] != PB_ARR_DIRECT_PAYMENT &&
		    arr[i] != PB_ARR_THIRD_PARTY &&
		    arr[i] != PB_ARR_NOTIONAL)
			return PB_EINVAL;
		if (arr[i] != first)
			same = 0;
	}
	*out = same ? first : PB_ARR_MIXED;
	return PB_OK;
}

/* ---- elements ----------------------------------------------------------- */

/* "elements[<i>].<name>" into buf (96 bytes, as struct pb_field_error). */
static const char *elem_field(char buf[96], size_t index, const char *name)
{
	/* hand-rolled to stay free of stdio */
	char digits[24];
	size_t nd = 0, k = 0;

	do {
		digits[nd++] = (char)('0' + (int)(index % 10));
		index /= 10;
	} while (index != 0 && nd < sizeof(digits));

	static const char pre[] = "elements[";
	for (size_t j = 0; pre[j] && k < 95; j++)
		buf[k++] = pre[j];
	while (nd > 0 && k < 95)
		buf[k++] = digits[--nd];
	if (k < 95)
		buf[k++] = ']';
	if (k < 95)
		buf[k++] = '.';
	for (size_t j = 0; name[j] && k < 95; j++)
		buf[k++] = name[j];
	buf[k] = '\0';
	return buf;
}

enum pb_err pb_budget_check_element(const struct pb_budget_element_facts *f,
    size_t index, struct pb_problem *p)
{
	char fld[96];
	int bad = 0;
	int has_recipient = pb_text_present(f->recipient_person_id);
	int has_payee = pb_text_present(f->payee_id);

	/* 1. element arrangement (BUD-2): never mixed at element level */
	if (f->arrangement != PB_ARR_DIRECT_PAYMENT &&
	    f->arrangement != PB_ARR_THIRD_PARTY &&
	    f->arrangement != PB_ARR_NOTIONAL)
		return pb_problem_field(p, elem_field(fld, index, "arrangement"),
		    "invalid", "arrangement must be direct_payment, "
		    "third_party or notional");

	/* 2. required and forbidden fields, all reported together */
	switch (f->arrangement) {
	case PB_ARR_DIRECT_PAYMENT:
		if (!has_recipient) {
			pb_problem_field(p, elem_field(fld, index, "recipient_person_id"),
			    "required", "a direct payment names its recipient");
			bad = 1;
		}
		if (!has_payee) {
			pb_problem_field(p, elem_field(fld, index, "payee_id"),
			    "required", "a direct payment names the payee "
			    "record that receives the money");
			bad = 1;
		}
		break;
	case PB_ARR_THIRD_PARTY:
		if (has_recipient) {
			pb_problem_field(p, elem_field(fld, index, "recipient_person_id"),
			    "not_allowed", "only a direct payment has a "
			    "recipient");
			bad = 1;
		}
		if (!has_payee) {
			pb_problem_field(p, elem_field(fld, index, "payee_id"),
			    "required", "a third-party arrangement names the "
			    "organisation that holds the money");
			bad = 1;
		}
		break;
	default: /* notional: the LA, school or ICB holds the money */
		if (has_recipient) {
			pb_problem_field(p, elem_field(fld, index, "recipient_person_id"),
			    "not_allowed", "a notional arrangement has no "
			    "recipient");
			bad = 1;
		}
		if (has_payee) {
			pb_problem_field(p, elem_field(fld, index, "payee_id"),
			    "not_allowed", "a notional arrangement has no "
			    "payee");
			bad = 1;
		}
		break;
	}
	if (f->has_agreement &&
	    f->arrangement != PB_ARR_DIRECT_PAYMENT) {
		pb_problem_field(p, elem_field(fld, index, "agreement"), "not_allowed",
		    "only a direct payment has an agreement");
		bad = 1;
	}
	if (bad)
		return PB_EINVAL;
	if (f->arrangement == PB_ARR_NOTIONAL)
		return PB_OK;

	/* 3, 4. PAY-10 and BUD-2: who may hold the money */
	enum pb_err err = pb_budget_check_payee(f->arrangement, f->payee_kind,
	    f->payee_is_local_authority, p);
	if (err || f->arrangement == PB_ARR_THIRD_PARTY)
		return err;

	/* 5. direct payment: paid to the recipient themself (PAY-1) */
	if (f->payee_kind != PB_BUDGET_PAYEE_INDIVIDUAL ||
	    !pb_text_present(f->payee_person_id) ||
	    strcmp(f->payee_person_id, f->recipient_person_id) != 0)
		return pb_problem_set(p, PB_ERULE, "PAY-1",
		    "a direct payment is paid to its recipient: the payee "
		    "must be an individual linked to the recipient");
	/* PAY-3, PAY-4, PAY-2, PAY-1, PAY-12: who may receive it, now */
	return pb_elig_check_dp_recipient(&f->recipient, p);
}

enum pb_err pb_budget_check_payee(enum pb_arrangement arrangement,
    enum pb_budget_payee_kind kind, int is_local_authority, struct pb_problem *p)
{
	if (arrangement == PB_ARR_NOTIONAL)
		return PB_OK;
	/* PAY-10: money handed out never goes back to the council */
	if (is_local_authority)
		return pb_problem_set(p, PB_ERULE, "PAY-10",
		    "the payee is the council itself; council services are "
		    "arranged as a notional budget, not a %s",
		    arrangement == PB_ARR_DIRECT_PAYMENT ?
		    "direct payment" : "third-party arrangement");
	/* BUD-2: a third party is an organisation holding the money */
	if (arrangement == PB_ARR_THIRD_PARTY &&
	    kind != PB_BUDGET_PAYEE_ORGANISATION)
		return pb_problem_set(p, PB_ERULE, "BUD-2",
		    "a third-party arrangement is paid to an organisation payee");
	return PB_OK;
}

enum pb_err pb_budget_check_agreement(const struct pb_budget_agreement *a,
    size_t index, struct pb_problem *p)
{
	char fld[96];
	int bad = 0;
	int any_outcome = 0;

	if (!pb_text_present(a->agreed_provision)) {
		pb_problem_field(p, elem_field(fld, index, "agreement.agreed_provision"),
		    "required", "say what provision the direct payment "
		    "secures");
		bad = 1;
	}
	for (size_t i = 0; a->outcomes != NULL && i < a->noutcomes; i++) {
		if (pb_text_present(a->outcomes[i]))
			any_outcome = 1;
	}
	if (!any_outcome) {
		/* BUD-3: Section J states the outcomes the DP is to meet */
		pb_problem_field(p, elem_field(fld, index, "agreement.outcomes"),
		    "required", "list at least one outcome the direct "
		    "payment is to meet");
		bad = 1;
	}
	if (!a->school_premises &&
	    a->head_teacher_agreed_on != PB_DATE_NONE) {
		pb_problem_field(p, elem_field(fld, index,
		    "agreement.head_teacher_agreed_on"), "not_allowed",
		    "a head teacher's agreement is only recorded for "
		    "provision on school premises");
		bad = 1;
	}
	return bad ? PB_EINVAL : PB_OK;
}

/* ---- periods (BUD-10) --------------------------------------------------- */

enum pb_err pb_budget_check_period(int32_t period_start, int32_t period_end,
    int32_t plan_start, int32_t plan_ceased_on, struct pb_problem *p)
{
	if (period_start > period_end)
		return pb_problem_field(p, "period_end", "invalid",
		    "period_end must not be before period_start");
	if (plan_start != PB_DATE_NONE && period_start < plan_start)
		return pb_problem_set(p, PB_ERULE, "BUD-10",
		    "the budget period starts before the EHC plan does");
	if (plan_ceased_on != PB_DATE_NONE && period_end > plan_ceased_on)
		return pb_problem_set(p, PB_ERULE, "BUD-10",
		    "the budget period runs past the date the EHC plan "
		    "ceased");
	return PB_OK;
}

int pb_budget_periods_overlap(int32_t a_start, int32_t a_end,
    int32_t b_start, int32_t b_end)
{
	if (a_start > a_end || b_start > b_end)
		return 0;
	return a_start <= b_end && b_start <= a_end;
}

/* ---- totals (BUD-9) ----------------------------------------------------- */

static int in_range(int64_t v)
{
	return v >= 0 && v <= PB_BUDGET_MAX_TOTAL_PENCE;
}

/* Remaining for valid inputs; cannot overflow given in_range(). */
static enum pb_err remaining_of(const struct pb_budget_totals *t,
    int64_t *rem, struct pb_problem *p)
{
	if (!in_range(t->allocated_pence) || !in_range(t->committed_pence) ||
	    !in_range(t->spent_pence))
		return pb_problem_set(p, PB_ERULE, "BUD-9",
		    "allocated, committed and spent must each be between 0 "
		    "and %lld pence", (long long)PB_BUDGET_MAX_TOTAL_PENCE);
	int64_t r = t->allocated_pence - t->committed_pence - t->spent_pence;
	if (r < 0)
		return pb_problem_set(p, PB_ERULE, "BUD-9",
		    "committed and spent (%lld pence) exceed the %lld pence "
		    "allocated", (long long)(t->committed_pence +
		    t->spent_pence), (long long)t->allocated_pence);
	*rem = r;
	return PB_OK;
}

enum pb_err pb_budget_totals_compute(struct pb_budget_totals *t,
    struct pb_problem *p)
{
	int64_t r = 0;
	enum pb_err err = remaining_of(t, &r, p);
	if (err)
		return err;
	t->remaining_pence = r;
	return PB_OK;
}

enum pb_err pb_budget_totals_sum(const struct pb_budget_totals *elems,
    size_t n, struct pb_budget_totals *out, struct pb_problem *p)
{
	struct pb_budget_totals s = {0, 0, 0, 0};

	if (n > 0 && elems == NULL)
		return pb_problem_set(p, PB_ERULE, "BUD-9", "no element totals given");
	for (size_t i = 0; i < n; i++) {
		int64_t r = 0;
		enum pb_err err = remaining_of(&elems[i], &r, p);
		if (err)
			return err;
		if (r != elems[i].remaining_pence)
			return pb_problem_set(p, PB_ERULE, "BUD-9",
			    "element %zu: remaining %lld pence should be "
			    "%lld", i, (long long)elems[i].remaining_pence,
			    (long long)r);
		/* each addend <= MAX_TOTAL = INT64_MAX/4: no overflow before
		 * the range check below trips */
		s.allocated_pence += elems[i].allocated_pence;
		s.committed_pence += elems[i].committed_pence;
		s.spent_pence += elems[i].spent_pence;
		if (!in_range(s.allocated_pence) ||
		    !in_range(s.committed_pence) || !in_range(s.spent_pence))
			return pb_problem_set(p, PB_ERULE, "BUD-9",
			    "the budget's totals are too large");
	}
	s.remaining_pence = s.allocated_pence - s.committed_pence -
	    s.spent_pence;
	*out = s;
	return PB_OK;
}

enum pb_err pb_budget_totals_check(const struct pb_budget_totals *budget,
    const struct pb_budget_totals *elems, size_t n, struct pb_problem *p)
{
	struct pb_budget_totals s;
	enum pb_err err = pb_budget_totals_sum(elems, n, &s, p);
	if (err)
		return err;
	if (budget->allocated_pence != s.allocated_pence ||
	    budget->committed_pence != s.committed_pence ||
	    budget->spent_pence != s.spent_pence ||
	    budget->remaining_pence != s.remaining_pence)
		return pb_problem_set(p, PB_ERULE, "BUD-9",
		    "the budget's totals are not the sum of its elements");
	return PB_OK;
}

/* ---- PAY-14 reviews ----------------------------------------------------- */

int32_t pb_budget_next_review_due(int32_t first_payment, int32_t plan_next_review_due)
{
	int32_t best = plan_next_review_due;

	if (first_payment != PB_DATE_NONE) {
		int32_t first_review = pb_date_add_months(first_payment, 3);
		if (best == PB_DATE_NONE || first_review < best)
			best = first_review;
	}
	return best;
}

int32_t pb_agreement_next_review(const struct pb_review_facts *f, const char **rule,
    const char **from)
{
	int32_t last = f->last_review, due;
	const char *r = "PAY-14", *b = "plan_review";

	if (f->first_payment == PB_DATE_NONE || (last != PB_DATE_NONE && last < f->first_payment))
		last = PB_DATE_NONE;   /* reviews count from the first payment */
	if (f->stream == PB_STREAM_HEALTH || (f->stream == PB_STREAM_SOCIAL_CARE && f->adult)) {
		r = f->stream == PB_STREAM_HEALTH ? "PAY-13" : "PAY-22";
		b = last == PB_DATE_NONE ? "first_payment" : "last_review";
		if (f->first_payment == PB_DATE_NONE)
			due = PB_DATE_NONE;
		else if (last == PB_DATE_NONE)
			due = pb_date_add_months(f->first_payment, r[5] == '3' ? 3 : 6);
		else
			due = pb_date_add_months(last, 12);
	} else if (last == PB_DATE_NONE) {
		due = pb_budget_next_review_due(f->first_payment, f->plan_next_review);
		if (f->first_payment != PB_DATE_NONE && due == pb_date_add_months(f->first_payment, 3))
			b = "first_payment";
	} else {
		due = f->plan_next_review != PB_DATE_NONE && f->plan_next_review > last ?
		    f->plan_next_review : PB_DATE_NONE;
	}
	if (rule)
		*rule = r;
	if (from)
		*from = b;
	return due;
}

int32_t pb_agreement_review_holds_until(const struct pb_review_facts *f)
{
	if (f->stream == PB_STREAM_SOCIAL_CARE && !f->adult && f->adult_on != PB_DATE_NONE &&
	    f->adult_on > f->today)
		return f->adult_on;
	return PB_DATE_NONE;
}

const char *const pb_review_check_names[PB_REVIEW_CHECKS + 1] = { "still_appropriate",
    "used_effectively", "sufficient", "pay5_conditions_met", "compliant", NULL };

enum pb_err pb_review_check_outcome(const char *outcome, const int checks[PB_REVIEW_CHECKS],
    struct pb_problem *p)
{
	char fld[48];

	if (outcome == NULL || (strcmp(outcome, "continue") != 0 && strcmp(outcome, "reduce") != 0 &&
	    strcmp(outcome, "stop") != 0))
		return pb_problem_field(p, "outcome", "invalid", "outcome is continue, reduce or stop.");
	if (strcmp(outcome, "continue") != 0)
		return PB_OK;
	for (int i = 0; i < PB_REVIEW_CHECKS; i++)
		if (!checks[i]) {
			snprintf(fld, sizeof(fld), "checks.%s", pb_review_check_names[i]);
			pb_problem_field(p, fld, "not_met", "This check is not met: the direct payment "
			    "cannot simply continue; the outcome is reduce or stop.");
			return pb_problem_set(p, PB_ERULE, "PAY-15", "a direct payment continues "
			    "unchanged after a review only when every review check is met");
		}
	return PB_OK;
}

/* ---- rule exceptions ---------------------------------------------------- */

/* Is s[0..len) a rule id that exists in domain.md ("PAY-11")? */
static int is_rule_id(const char *s, size_t len)
{
	static const struct {
		const char *prefix;
		int max;
	} families[] = {
		{"ELIG-", 12}, {"BUD-", 12}, {"PAY-", 24}, {"PLAN-", 5},
		{"REP-", 1},
	};

	if (s == NULL)
		return 0;
	for (size_t i = 0; i < NELEM(families); i++) {
		size_t pl = strlen(families[i].prefix);
		if (len <= pl || len > pl + 2 ||
		    memcmp(s, families[i].prefix, pl) != 0)
			continue;
		int v = 0;
		for (size_t k = pl; k < len; k++) {
			if (s[k] < '0' || s[k] > '9')
				return 0;
			v = v * 10 + (s[k] - '0');
		}
		if (s[pl] == '0')
			return 0;
		return v >= 1 && v <= families[i].max;
	}
	return 0;
}

int pb_budget_rule_accepts_exception(const char *rule, size_t len)
{
	/* PAY-11: a household relative may be paid when the LA/ICB records
	 * it as necessary.  No other rule in domain.md has such a route. */
	return rule != NULL && len == 6 && memcmp(rule, "PAY-11", 6) == 0;
}

enum pb_err pb_budget_check_exception(const char *rule, size_t len,
    const char *reason, struct pb_problem *p)
{
	if (!is_rule_id(rule, len))
		return pb_problem_field(p, "rule", "invalid",
		    "rule must be a rule id such as PAY-11");
	if (!pb_budget_rule_accepts_exception(rule, len)) {
		char id[16];
		memcpy(id, rule, len); /* len <= 7, checked by is_rule_id */
		id[len] = '\0';
		return pb_problem_set(p, PB_ERULE, id,
		    "rule %s has no exception route; only PAY-11 does", id);
	}
	if (pb_text_blank(reason))
		return pb_problem_field(p, "reason", "required",
		    "say why the exception is necessary");
	return PB_OK;
}

/* ---- variations (BUD-7, BUD-8, BUD-9) --------------------------------------- */

static const char *const variation_status_names[] = {
	NULL, "pending", "rejected", "notice", "reconsideration", "applied", "withdrawn"
};
static const char *const variation_kind_names[] = { NULL, "change", "add", "end" };

PB_NAMES_DEFINE(pb_variation_status_str, pb_variation_status_parse,
    enum pb_variation_status, variation_status_names)

PB_NAMES_DEFINE(pb_variation_kind_str, pb_variation_kind_parse,
    enum pb_variation_kind, variation_kind_names)

enum pb_err pb_variation_transition(enum pb_variation_status from,
    enum pb_variation_action action, int needs_notice, int asked_before,
    enum pb_variation_status *to, struct pb_problem *p)
{
	static const char *const verbs[] = { NULL, "approve", "reject",
	    "ask for a reconsideration of", "uphold", "overturn", "apply" };
	int next = 0;

	switch (action) {
	case PB_VARIATION_APPROVE:
		if (from == PB_VARIATION_PENDING)
			next = PB_VARIATION_NOTICE;
		break;
	case PB_VARIATION_REJECT:
		if (from == PB_VARIATION_PENDING)
			next = PB_VARIATION_REJECTED;
		break;
	case PB_VARIATION_ASK:
		if (from == PB_VARIATION_NOTICE && !needs_notice)
			return pb_problem_set(p, PB_ETRANSITION, "BUD-8", "only a variation that "
			    "reduces or ends a direct payment can be reconsidered");
		if (from == PB_VARIATION_NOTICE && asked_before)
			return pb_problem_set(p, PB_ECONFLICT, "BUD-8", "a reconsideration of this "
			    "variation has already been asked for and decided: BUD-8 allows one");
		if (from == PB_VARIATION_NOTICE)
			next = PB_VARIATION_RECONSIDERATION;
		break;
	case PB_VARIATION_UPHOLD:
		if (from == PB_VARIATION_RECONSIDERATION)
			next = PB_VARIATION_NOTICE;
		break;
	case PB_VARIATION_OVERTURN:
		if (from == PB_VARIATION_RECONSIDERATION)
			next = PB_VARIATION_WITHDRAWN;
		break;
	case PB_VARIATION_APPLY:
		if (from == PB_VARIATION_NOTICE)
			next = PB_VARIATION_APPLIED;
		break;
	}
	if (next == 0) {
		const char *f = pb_variation_status_str(from);
		const char *v = action >= PB_VARIATION_APPROVE && action <= PB_VARIATION_APPLY ?
		    verbs[action] : "change";
		return pb_problem_set(p, PB_ETRANSITION, NULL, "cannot %s a variation that is %s",
		    v, f ? f : "in an unknown state");
	}
	if (to)
		*to = (enum pb_variation_status)next;
	return PB_OK;
}

enum pb_err pb_variation_check_lines(const struct pb_variation_line *l, size_t n,
    int *needs_notice, int *reduces, struct pb_problem *p)
{
	enum pb_err err = PB_OK;

	*needs_notice = 0;
	*reduces = 0;
	for (size_t i = 0; i < n; i++) {
		const struct pb_variation_line *x = &l[i];
		const char *f = x->field ? x->field : "";
		int dp = x->arrangement == PB_ARR_DIRECT_PAYMENT;

		if (x->kind == PB_VARIATION_ADD)
			continue;   /* a new element: an increase, checked as at creation */
		if (x->stopped)
			return pb_problem_set(p, PB_ETRANSITION, NULL, "%s: the element is "
			    "stopped; it cannot be varied", f);
		if (x->kind == PB_VARIATION_END) {
			*needs_notice |= dp;
			*reduces = 1;
			continue;
		}
		if (x->new_allocated_pence == x->allocated_pence) {
			err = pb_problem_field(p, f, "unchanged", "The element is allocated this "
			    "amount already.");
			continue;
		}
		/* BUD-9: every figure is at most PB_BUDGET_MAX_TOTAL_PENCE: no overflow */
		if (x->new_allocated_pence < x->committed_pence + x->spent_pence) {
			pb_problem_field(p, f, "below_committed_and_spent", "At least %lld pence "
			    "(committed %lld + spent %lld).",
			    (long long)(x->committed_pence + x->spent_pence),
			    (long long)x->committed_pence, (long long)x->spent_pence);
			return pb_problem_set(p, PB_ERULE, "BUD-9", "an element's allocation cannot "
			    "go below what it has committed and spent");
		}
		*needs_notice |= dp && x->new_allocated_pence < x->allocated_pence;
		*reduces |= x->new_allocated_pence < x->allocated_pence;
	}
	return err;
}

int32_t pb_variation_takes_effect_on(int32_t effective_from, int32_t notice_on,
    int needs_notice, int reduces, int notice_days)
{
	int32_t earliest = notice_on + (needs_notice ? notice_days : 0);

	if (!reduces && !needs_notice)
		return notice_on;
	return effective_from > earliest ? effective_from : earliest;
}

/* ---- stopping a direct payment (PAY-3, PAY-16, PAY-17) ------------------------ */

const char *const pb_stop_ground_names[PB_STOP_GROUND_NAMES] = { NULL, "consent_withdrawn",
    "no_longer_qualifies", "not_used_for_agreed_provision", "adverse_impact",
    "inefficiency" };

PB_NAMES_DEFINE(pb_stop_ground_str, pb_stop_ground_parse, enum pb_stop_ground,
    pb_stop_ground_names)

const char *pb_stop_rule_of(enum pb_stop_ground g)
{
	if (g >= PB_STOP_CONSENT_WITHDRAWN && g <= PB_STOP_NOT_USED)
		return "PAY-16";
	if (g == PB_STOP_ADVERSE_IMPACT || g == PB_STOP_INEFFICIENCY)
		return "PAY-17";
	return NULL;
}

enum pb_err pb_stop_check(const char *rule, enum pb_stop_ground ground,
    enum pb_arrangement arrangement, int stopped, int *needs_notice, struct pb_problem *p)
{
	const char *r = pb_stop_rule_of(ground);

	*needs_notice = 0;
	if (r == NULL || rule == NULL || strcmp(r, rule) != 0)
		return pb_problem_field(p, "ground", "wrong_rule", "%s is a ground under %s: "
		    "PAY-16 (must stop, at once) is consent_withdrawn, no_longer_qualifies or "
		    "not_used_for_agreed_provision; PAY-17 (may stop, after notice) is "
		    "adverse_impact or inefficiency.", r ? pb_stop_ground_str(ground) : "this",
		    r ? r : "neither rule");
	if (arrangement != PB_ARR_DIRECT_PAYMENT)
		return pb_problem_set(p, PB_ETRANSITION, NULL, "only a direct payment is stopped "
		    "this way; another element is ended by a variation");
	if (stopped)
		return pb_problem_set(p, PB_ETRANSITION, NULL, "the direct payment is stopped "
		    "already");
	*needs_notice = ground == PB_STOP_ADVERSE_IMPACT || ground == PB_STOP_INEFFICIENCY;
	return PB_OK;
}
