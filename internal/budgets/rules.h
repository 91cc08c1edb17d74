/* SPDX-License-Identifier: MIT */
/*
 * budgets/rules.h — the pure rules of a personal budget (domain.md BUD-*,
 * the budget-side PAY-* checks, §4 budget lifecycle).
 *
 * Inputs are plain facts that service.c has already loaded; outputs are an
 * enum pb_err plus, on refusal, a filled struct pb_problem naming the rule
 * id.  This module must not do I/O, read the clock, allocate, or include
 * anything outside the C standard library and internal/core.  Money is
 * int64_t pence; dates are int32_t day numbers (internal/core/date.h).
 *
 * Every function is reentrant and thread-safe (no state).  Wherever a
 * `struct pb_problem *p` parameter appears it may be NULL (the caller only
 * wants the verdict); when non-NULL it is written only on refusal.
 */
#ifndef PB_BUDGETS_RULES_H
#define PB_BUDGETS_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/date.h"
#include "internal/core/element.h"
#include "internal/core/err.h"
#include "internal/core/money.h"
#include "internal/core/problem.h"
#include "internal/eligibility/rules.h"
#include "internal/records/rules.h"

/* Largest total the arithmetic accepts; far above any real budget and low
 * enough that allocated - committed - spent cannot overflow. */
#define PB_BUDGET_MAX_TOTAL_PENCE (INT64_MAX / 4)

/* Enumerations.  Zero is never a valid value, so a zeroed facts struct is
 * refused rather than read as "draft" or "direct_payment" (fail closed). */
enum pb_budget_status {
	PB_BUDGET_STATUS_DRAFT = 1,
	PB_BUDGET_STATUS_APPROVED,
	PB_BUDGET_STATUS_SUSPENDED,
	PB_BUDGET_STATUS_CLOSED
};

enum pb_budget_action {
	PB_BUDGET_ACTION_APPROVE = 1,  /* draft -> approved */
	PB_BUDGET_ACTION_SUSPEND,      /* approved -> suspended */
	PB_BUDGET_ACTION_RESUME,       /* suspended -> approved */
	PB_BUDGET_ACTION_CLOSE         /* approved | suspended -> closed */
};

enum pb_budget_payee_kind {
	PB_BUDGET_PAYEE_INDIVIDUAL = 1,
	PB_BUDGET_PAYEE_ORGANISATION
};

/*
 * String conversions.  *_str returns the wire spelling ("draft",
 * "direct_payment", "social_care", ...) as a static string, or NULL for a
 * value outside the enum.  *_parse matches exactly len bytes of s (no NUL
 * needed, case-sensitive) and stores the value in *out; PB_EINVAL (and *out
 * untouched) for anything else, including s == NULL.
 */
const char *pb_budget_status_str(enum pb_budget_status v);
enum pb_err pb_budget_status_parse(const char *s, size_t len,
    enum pb_budget_status *out);
const char *pb_budget_action_str(enum pb_budget_action v);
enum pb_err pb_budget_action_parse(const char *s, size_t len,
    enum pb_budget_action *out);
const char *pb_budget_payee_kind_str(enum pb_budget_payee_kind v);
enum pb_err pb_budget_payee_kind_parse(const char *s, size_t len,
    enum pb_budget_payee_kind *out);

/*
 * pb_budget_transition_allowed — may `action` be applied to a budget in
 * status `from` (domain.md §4: draft -> approved <-> suspended -> closed)?
 * On PB_OK stores the resulting status in *to (to may be NULL).
 * Returns PB_ETRANSITION with a detail such as "cannot suspend a draft
 * budget" for an illegal move, including unknown status/action values.
 */
enum pb_err pb_budget_transition_allowed(enum pb_budget_status from,
    enum pb_budget_action action, enum pb_budget_status *to,
    struct pb_problem *p);

/*
 * pb_budget_derive_arrangement — the budget's overall arrangement: the
 * common arrangement when all n elements share one, else mixed.
 * Returns PB_EINVAL when n == 0, arr is NULL, or an element holds mixed or
 * an out-of-range value (elements are direct_payment, third_party or
 * notional); *out is written only on PB_OK.
 */
enum pb_err pb_budget_derive_arrangement(
    const enum pb_arrangement *arr, size_t n,
    enum pb_arrangement *out);

/*
 * Facts about one element being created or updated.  Pointers are
 * borrowed NUL-terminated strings (NULL or "" means absent).  The payee
 * facts are read only when payee_id is present and the recipient facts
 * only when recipient_person_id is present; service.c resolves the ids
 * (an unknown id is its PB_ENOTFOUND / PB_EINVAL, not ours).
 */
struct pb_budget_element_facts {
	enum pb_arrangement arrangement;
	const char *recipient_person_id;
	const char *payee_id;
	int has_agreement;              /* an agreement object was sent */

	/* the payee record named by payee_id */
	enum pb_budget_payee_kind payee_kind;
	const char *payee_person_id;    /* individual payee's person, or NULL */
	int payee_is_local_authority;

	/* the recipient's contact record for this child, the element's
	 * stream and the day judged (PAY-1/2/3/4/12: eligibility/rules.h) */
	struct pb_elig_dp_recipient recipient;
};

/*
 * pb_budget_check_element — validate element number `index` (used in field
 * paths "elements[<index>].payee_id") against BUD-2 and the recipient/payee
 * rules.  Checks, stopping at the first kind that fails:
 *   1. arrangement is direct_payment, third_party or notional, else
 *      PB_EINVAL (field "elements[i].arrangement");
 *   2. required/forbidden fields, all collected as PB_EINVAL field errors:
 *      direct_payment needs recipient_person_id and payee_id; third_party
 *      needs payee_id and no recipient; notional takes neither; only a
 *      direct payment carries an agreement;
 *   3. PAY-10: a direct_payment or third_party payee is not the council;
 *   4. third_party: the payee is an organisation (BUD-2);
 *   5. direct_payment: the payee is an individual whose person is the
 *      recipient (PAY-1); then the recipient's standing now, by
 *      pb_elig_check_dp_recipient (PAY-3 consent, PAY-4 exclusion, PAY-2
 *      capacity, PAY-1 parent / young person / written nominee, PAY-12
 *      parental responsibility for social care) — the one function the
 *      eligibility check, budgets and payments all ask.
 * Rule failures return PB_ERULE with the rule id and a plain-English detail.
 */
enum pb_err pb_budget_check_element(const struct pb_budget_element_facts *f,
    size_t index, struct pb_problem *p);

/*
 * pb_budget_check_payee — who may hold an element's money: the payee of a
 * direct-payment or third-party element is never the council (PAY-10:
 * council services are notional), and a third party is an organisation
 * (BUD-2).  Asked at budget create and approve, and again for every
 * payment (payments/rules.c).  PB_OK for a notional element; PB_ERULE
 * with the rule id otherwise.
 */
enum pb_err pb_budget_check_payee(enum pb_arrangement arrangement,
    enum pb_budget_payee_kind kind, int is_local_authority, struct pb_problem *p);

/*
 * Direct-payment agreement (PAY-8, PAY-6, BUD-3).  Strings are borrowed;
 * optional dates are PB_DATE_NONE when absent.
 */
struct pb_budget_agreement {
	const char *agreed_provision;
	const char *const *outcomes;    /* noutcomes NUL-terminated strings */
	size_t noutcomes;
	int32_t signed_on;              /* or PB_DATE_NONE */
	int school_premises;
	int32_t head_teacher_agreed_on; /* or PB_DATE_NONE */
};

/*
 * pb_budget_check_agreement — validate the agreement of element `index`.
 * agreed_provision must be non-empty (PB_EINVAL "required") and at least
 * one non-empty outcome is needed (BUD-3: the outcomes the DP is to meet),
 * all collected as field errors under "elements[i].agreement.*".  A
 * head_teacher_agreed_on without school_premises is refused (PB_EINVAL) as
 * contradictory.  Missing signed_on / head-teacher dates are NOT errors
 * here: they may be recorded later and are enforced before paying
 * (PAY-8, PAY-6 in pb_pay_check_create).
 */
enum pb_err pb_budget_check_agreement(const struct pb_budget_agreement *a,
    size_t index, struct pb_problem *p);

/*
 * pb_budget_check_period — BUD-10.  PB_EINVAL (field "period_end") when
 * period_start > period_end; PB_ERULE "BUD-10" when the period starts
 * before plan_start or ends after plan_ceased_on.  Either plan bound may be
 * PB_DATE_NONE (no bound).  ceased_on is the plan's last day: a
 * period ending on it is inside the plan's life.
 */
enum pb_err pb_budget_check_period(int32_t period_start, int32_t period_end,
    int32_t plan_start, int32_t plan_ceased_on, struct pb_problem *p);

/* 1 if the inclusive ranges [a_start, a_end] and [b_start, b_end] share at
 * least one day, else 0.  Ranges with start > end are empty (0). */
int pb_budget_periods_overlap(int32_t a_start, int32_t a_end,
    int32_t b_start, int32_t b_end);

/* BUD-9 money of one element or of a whole budget. */
struct pb_budget_totals {
	int64_t allocated_pence;
	int64_t committed_pence;  /* payments created, not yet paid */
	int64_t spent_pence;      /* paid minus recovered */
	int64_t remaining_pence;  /* allocated - committed - spent */
};

/*
 * pb_budget_totals_compute — set t->remaining_pence from the other three.
 * PB_ERULE "BUD-9" (t unchanged) when any input is negative or above
 * PB_BUDGET_MAX_TOTAL_PENCE, or when the remainder would be negative.
 */
enum pb_err pb_budget_totals_compute(struct pb_budget_totals *t,
    struct pb_problem *p);

/*
 * pb_budget_totals_sum — *out = field-wise sum of n element totals, with
 * remaining recomputed.  Each element must itself satisfy BUD-9 and be
 * consistent (remaining == allocated - committed - spent); PB_ERULE
 * "BUD-9" otherwise or when a sum exceeds PB_BUDGET_MAX_TOTAL_PENCE.
 * n == 0 gives all zeros.  *out is written only on PB_OK.
 */
enum pb_err pb_budget_totals_sum(const struct pb_budget_totals *elems,
    size_t n, struct pb_budget_totals *out, struct pb_problem *p);

/*
 * pb_budget_totals_check — the full BUD-9 invariant: every element valid
 * and consistent, and *budget equal field by field to their sum.
 * PB_OK or PB_ERULE "BUD-9".
 */
enum pb_err pb_budget_totals_check(const struct pb_budget_totals *budget,
    const struct pb_budget_totals *elems, size_t n, struct pb_problem *p);

/*
 * pb_budget_next_review_due — PAY-14: a direct payment is reviewed within
 * 3 months of the first payment and at each plan review.  Candidates are
 * first_payment + 3 months (pb_date_add_months) and plan_next_review_due;
 * the earliest is returned and may be in the past: an overdue review stays
 * due until one is recorded (pb_agreement_next_review counts recorded
 * reviews).  Either input may be PB_DATE_NONE; returns PB_DATE_NONE when
 * there is no candidate.  The answer does not depend on the day it is asked.
 */
int32_t pb_budget_next_review_due(int32_t first_payment, int32_t plan_next_review_due);

/*
 * pb_budget_check_exception — may an approver record an exception to rule
 * `rule` (len bytes, e.g. "PAY-11") with `reason` (NUL-terminated)?
 * PB_OK only for PAY-11 (a household relative judged necessary) with a
 * non-blank reason.  PB_EINVAL (field "rule") for a string that is not a
 * rule id of domain.md, PB_EINVAL (field "reason") for a blank reason,
 * PB_ERULE with that rule id for a real rule that has no exception route.
 */
enum pb_err pb_budget_check_exception(const char *rule, size_t len,
    const char *reason, struct pb_problem *p);

/* 1 if `rule` (len bytes) names a rule that accepts a recorded exception
 * (today only "PAY-11"), else 0. */
int pb_budget_rule_accepts_exception(const char *rule, size_t len);

/* --- variations (BUD-7, BUD-8, BUD-9) -------------------------------------- */

/* A variation of an approved or suspended budget (migration 013). */
enum pb_variation_status {
	PB_VARIATION_PENDING = 1,        /* awaiting a second person's approval */
	PB_VARIATION_REJECTED,           /* terminal */
	PB_VARIATION_NOTICE,             /* approved, waiting for its day (a direct
	                                  * payment: the notice period, BUD-8) */
	PB_VARIATION_RECONSIDERATION,    /* the family asked; not applied meanwhile */
	PB_VARIATION_APPLIED,            /* terminal: the amounts changed */
	PB_VARIATION_WITHDRAWN           /* terminal: overturned on reconsideration */
};

enum pb_variation_action {
	PB_VARIATION_APPROVE = 1,        /* pending -> notice (applied when due) */
	PB_VARIATION_REJECT,             /* pending -> rejected */
	PB_VARIATION_ASK,                /* notice -> reconsideration, once */
	PB_VARIATION_UPHOLD,             /* reconsideration -> notice */
	PB_VARIATION_OVERTURN,           /* reconsideration -> withdrawn */
	PB_VARIATION_APPLY               /* notice -> applied */
};

enum pb_variation_kind {
	PB_VARIATION_CHANGE = 1,         /* a new allocation for an element */
	PB_VARIATION_ADD,                /* a new element */
	PB_VARIATION_END                 /* the element pays nothing more */
};

const char *pb_variation_status_str(enum pb_variation_status v);
enum pb_err pb_variation_status_parse(const char *s, size_t len,
    enum pb_variation_status *out);
const char *pb_variation_kind_str(enum pb_variation_kind v);
enum pb_err pb_variation_kind_parse(const char *s, size_t len,
    enum pb_variation_kind *out);

/*
 * pb_variation_transition — may `action` move a variation in `from`?
 * Approval moves it to notice (the service applies it at once when its
 * day has come).  Only a variation that needs notice may be reconsidered
 * (BUD-8; else PB_ETRANSITION), once: a second request (asked_before) is
 * PB_ECONFLICT; every other illegal move PB_ETRANSITION.  *to written on
 * PB_OK (may be NULL).
 */
enum pb_err pb_variation_transition(enum pb_variation_status from,
    enum pb_variation_action action, int needs_notice, int asked_before,
    enum pb_variation_status *to, struct pb_problem *p);

/* One line of a variation as the rules see it: the element's figures now
 * (change, end) and the new allocation (change, add).  field names the
 * request member for errors, e.g. "changes[0].allocated_pence". */
struct pb_variation_line {
	enum pb_variation_kind kind;
	enum pb_arrangement arrangement;
	int stopped;                     /* the element is stopped already */
	int64_t allocated_pence, committed_pence, spent_pence;
	int64_t new_allocated_pence;     /* change, add */
	const char *field;
};

/*
 * pb_variation_check_lines — BUD-9 and BUD-8 over a variation's lines:
 * a change or end of a stopped element is PB_ETRANSITION; a change to the
 * amount it has now is PB_EINVAL (field); a new allocation below the
 * element's committed + spent is PB_ERULE "BUD-9" (with the field).  On
 * PB_OK *needs_notice is 1 when a direct payment is reduced or ended
 * (BUD-8: written notice) and *reduces 1 when any element is reduced or
 * ended (an increase alone takes effect on approval).
 */
enum pb_err pb_variation_check_lines(const struct pb_variation_line *l, size_t n,
    int *needs_notice, int *reduces, struct pb_problem *p);

/*
 * pb_variation_takes_effect_on — the day a variation approved on
 * notice_on takes effect: an increase alone on approval (notice_on); one
 * that reduces or ends an element on effective_from but never before
 * approval and, when it needs notice (BUD-8: a direct payment), never
 * before notice_on + notice_days (0..365).
 */
int32_t pb_variation_takes_effect_on(int32_t effective_from, int32_t notice_on,
    int needs_notice, int reduces, int notice_days);

/* --- the direct-payment agreement's reviews (PAY-13, PAY-14, PAY-22) ---------- */

struct pb_review_facts {
	enum pb_stream stream;
	int adult;                  /* the child is 18 or over (PAY-22 for social care) */
	int32_t first_payment;      /* the first exported or paid payment, or PB_DATE_NONE */
	int32_t last_review;        /* the latest review recorded, or PB_DATE_NONE */
	int32_t plan_next_review;   /* the EHC plan's next review, or PB_DATE_NONE */
	int32_t today;
	int32_t adult_on;           /* the 18th birthday, or PB_DATE_NONE (unknown) */
};

/*
 * pb_agreement_next_review — when the agreement's next review is due
 * (PB_DATE_NONE: none scheduled), *rule (may be NULL) the rule that sets
 * it and *from (may be NULL) what it counts from ("first_payment",
 * "last_review" or "plan_review"):
 *   health (PAY-13): 3 months after the first payment, then within 12
 *     months of each review;
 *   social care for an adult (PAY-22): 6 months after the first payment,
 *     then within 12 months of each review;
 *   otherwise (PAY-14, SEN): with no review since the first payment,
 *     pb_budget_next_review_due; after one, the plan's next review when it
 *     falls after that review (an overdue one stays due).
 * A review recorded before the first payment does not count.  The date
 * may be in the past (overdue).
 */
int32_t pb_agreement_next_review(const struct pb_review_facts *f, const char **rule,
    const char **from);

/*
 * pb_agreement_review_holds_until — the first day after f->today on which
 * pb_agreement_next_review may answer differently for the same facts, or
 * PB_DATE_NONE when only a change of the facts can move it.  The day is
 * the only input that changes by itself, and only through f->adult: a
 * child's social care moves from PAY-14 to PAY-22 on the 18th birthday
 * (f->adult_on).  Callers that keep the answer (GET /v1/reviews/due)
 * recompute it on that day.
 */
int32_t pb_agreement_review_holds_until(const struct pb_review_facts *f);

/* PAY-15: the checks a review answers, in this order. */
enum pb_review_check {
	PB_REVIEW_STILL_APPROPRIATE,
	PB_REVIEW_USED_EFFECTIVELY,
	PB_REVIEW_SUFFICIENT,
	PB_REVIEW_PAY5_CONDITIONS_MET,
	PB_REVIEW_COMPLIANT,
	PB_REVIEW_CHECKS
};
/* The checks' names as the API spells them ([PB_REVIEW_CHECKS] NULL). */
extern const char *const pb_review_check_names[PB_REVIEW_CHECKS + 1];

/*
 * pb_review_check_outcome — PAY-15: a review whose outcome is "continue"
 * (the direct payment goes on unchanged) needs every check met; any
 * outcome may follow a met set.  PB_ERULE "PAY-15" naming the first unmet
 * check otherwise (field "checks.<name>"); PB_EINVAL for an unknown
 * outcome.  checks[i] is 1 (met) or 0.
 */
enum pb_err pb_review_check_outcome(const char *outcome, const int checks[PB_REVIEW_CHECKS],
    struct pb_problem *p);

/* --- stopping a direct payment (PAY-3, PAY-16, PAY-17) ----------------------- */

enum pb_stop_ground {
	PB_STOP_CONSENT_WITHDRAWN = 1,   /* PAY-3 / PAY-16: must stop */
	PB_STOP_NO_LONGER_QUALIFIES,     /* PAY-16 */
	PB_STOP_NOT_USED,                /* PAY-16: not used for the agreed provision */
	PB_STOP_ADVERSE_IMPACT,          /* PAY-17: may stop, with notice */
	PB_STOP_INEFFICIENCY             /* PAY-17 */
};

/* names[0] unused, names[1..PB_STOP_GROUND_NAMES) the spellings */
#define PB_STOP_GROUND_NAMES 6
extern const char *const pb_stop_ground_names[PB_STOP_GROUND_NAMES];
const char *pb_stop_ground_str(enum pb_stop_ground v);
enum pb_err pb_stop_ground_parse(const char *s, size_t len, enum pb_stop_ground *out);

/* The rule a ground stops a direct payment under: "PAY-16" (at once) or
 * "PAY-17" (after notice, with one reconsideration); NULL outside the enum. */
const char *pb_stop_rule_of(enum pb_stop_ground g);

/*
 * pb_stop_check — may element (arrangement, stopped) be stopped under
 * `rule` on `ground`?  The rule must be the ground's (PB_EINVAL on field
 * "ground" otherwise); only an active direct payment is stopped
 * (PB_ETRANSITION).  On PB_OK *needs_notice is 1 for PAY-17.
 */
enum pb_err pb_stop_check(const char *rule, enum pb_stop_ground ground,
    enum pb_arrangement arrangement, int stopped, int *needs_notice, struct pb_problem *p);

#endif
