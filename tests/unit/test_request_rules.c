/* SPDX-License-Identifier: MIT */
/*
 * test_request_rules.c — unit tests for the budget-request lifecycle in
 * internal/eligibility/rules.c (domain.md §4).
 *
 * The legal moves are listed once below; the exhaustive test walks every
 * (status, action) pair and requires the listed ones to succeed with the
 * listed target and every other pair to be PB_ETRANSITION.  Named tests
 * then spell out the journeys the API depends on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/eligibility/rules.h"

#define NSTATUS ((int)PB_ELIG_REQ_WITHDRAWN + 1)
#define NACTION ((int)PB_ELIG_ACT_BUDGET_LINKED + 1)

static const struct {
	enum pb_elig_request_status from;
	enum pb_elig_request_action action;
	enum pb_elig_request_status to;
} legal[] = {
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_APPROVE, PB_ELIG_REQ_APPROVED },
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_DECLINE, PB_ELIG_REQ_DECLINED },
	{ PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_WITHDRAW, PB_ELIG_REQ_WITHDRAWN },
	{ PB_ELIG_REQ_ELIGIBLE, PB_ELIG_ACT_WITHDRAW, PB_ELIG_REQ_WITHDRAWN },
	{ PB_ELIG_REQ_ELIGIBLE, PB_ELIG_ACT_BUDGET_LINKED, PB_ELIG_REQ_APPROVED },
	{ PB_ELIG_REQ_DECLINED, PB_ELIG_ACT_REQUEST_REVIEW, PB_ELIG_REQ_REVIEW_REQUESTED },
	{ PB_ELIG_REQ_REVIEW_REQUESTED, PB_ELIG_ACT_UPHOLD, PB_ELIG_REQ_UPHELD },
	{ PB_ELIG_REQ_REVIEW_REQUESTED, PB_ELIG_ACT_OVERTURN, PB_ELIG_REQ_OVERTURNED },
};

static int legal_index(int from, int action)
{
	for (size_t i = 0; i < sizeof(legal) / sizeof(legal[0]); i++)
		if ((int)legal[i].from == from && (int)legal[i].action == action)
			return (int)i;
	return -1;
}

static void test_request_every_move(void **state)
{
	(void)state;
	for (int f = 0; f < NSTATUS; f++)
		for (int a = 0; a < NACTION; a++) {
			enum pb_elig_request_status to = PB_ELIG_REQ_SUBMITTED;
			int k = legal_index(f, a);
			enum pb_err err = pb_elig_request_next((enum pb_elig_request_status)f,
			    (enum pb_elig_request_action)a, &to);
			if (k >= 0) {
				assert_int_equal(err, PB_OK);
				assert_int_equal(to, legal[k].to);
			} else {
				assert_int_equal(err, PB_ETRANSITION);
				assert_int_equal(to, PB_ELIG_REQ_SUBMITTED); /* untouched */
			}
		}
}

static void test_request_out_of_range_refused(void **state)
{
	enum pb_elig_request_status to = PB_ELIG_REQ_SUBMITTED;

	(void)state;
	assert_int_equal(pb_elig_request_next((enum pb_elig_request_status)99,
	    PB_ELIG_ACT_APPROVE, &to), PB_ETRANSITION);
	assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_PANEL_REFERRAL,
	    (enum pb_elig_request_action)99, &to), PB_ETRANSITION);
	assert_int_equal(pb_elig_request_next((enum pb_elig_request_status)-1,
	    PB_ELIG_ACT_WITHDRAW, &to), PB_ETRANSITION);
	assert_int_equal(to, PB_ELIG_REQ_SUBMITTED);
}

static void test_request_initial_from_outcome(void **state)
{
	(void)state;
	assert_int_equal(pb_elig_request_initial(PB_ELIG_ELIGIBLE), PB_ELIG_REQ_ELIGIBLE);
	assert_int_equal(pb_elig_request_initial(PB_ELIG_INELIGIBLE), PB_ELIG_REQ_INELIGIBLE);
	assert_int_equal(pb_elig_request_initial(PB_ELIG_PANEL_REFERRAL),
	    PB_ELIG_REQ_PANEL_REFERRAL);
	/* fail closed on garbage */
	assert_int_equal(pb_elig_request_initial((enum pb_elig_outcome)42),
	    PB_ELIG_REQ_INELIGIBLE);
}

/* Apply actions in turn from `from`; returns the last status, or -1 at the
 * first refused move. */
static int walk(enum pb_elig_request_status from, const enum pb_elig_request_action *acts,
    size_t n)
{
	enum pb_elig_request_status s = from;

	for (size_t i = 0; i < n; i++)
		if (pb_elig_request_next(s, acts[i], &s) != PB_OK)
			return -1;
	return (int)s;
}

static void test_request_review_only_once(void **state)
{
	static const enum pb_elig_request_action twice[] = { PB_ELIG_ACT_DECLINE,
	    PB_ELIG_ACT_REQUEST_REVIEW, PB_ELIG_ACT_OVERTURN, PB_ELIG_ACT_REQUEST_REVIEW };
	static const enum pb_elig_request_action upheld_again[] = { PB_ELIG_ACT_DECLINE,
	    PB_ELIG_ACT_REQUEST_REVIEW, PB_ELIG_ACT_UPHOLD, PB_ELIG_ACT_REQUEST_REVIEW };
	static const enum pb_elig_request_action once[] = { PB_ELIG_ACT_DECLINE,
	    PB_ELIG_ACT_REQUEST_REVIEW, PB_ELIG_ACT_OVERTURN };

	(void)state;
	assert_int_equal(walk(PB_ELIG_REQ_PANEL_REFERRAL, once, 3), PB_ELIG_REQ_OVERTURNED);
	assert_int_equal(walk(PB_ELIG_REQ_PANEL_REFERRAL, twice, 4), -1);
	assert_int_equal(walk(PB_ELIG_REQ_PANEL_REFERRAL, upheld_again, 4), -1);
}

static void test_request_no_withdrawal_after_decision(void **state)
{
	enum pb_elig_request_status to;
	static const enum pb_elig_request_status decided[] = { PB_ELIG_REQ_INELIGIBLE,
	    PB_ELIG_REQ_APPROVED, PB_ELIG_REQ_DECLINED, PB_ELIG_REQ_REVIEW_REQUESTED,
	    PB_ELIG_REQ_UPHELD, PB_ELIG_REQ_OVERTURNED, PB_ELIG_REQ_WITHDRAWN };

	(void)state;
	for (size_t i = 0; i < sizeof(decided) / sizeof(decided[0]); i++)
		assert_int_equal(pb_elig_request_next(decided[i], PB_ELIG_ACT_WITHDRAW, &to),
		    PB_ETRANSITION);
}

static void test_request_panel_decides_only_referrals_and_reviews(void **state)
{
	enum pb_elig_request_status to;

	(void)state;
	/* eligible requests are approved by a budget, not by the panel */
	assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_ELIGIBLE, PB_ELIG_ACT_APPROVE, &to),
	    PB_ETRANSITION);
	assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_INELIGIBLE, PB_ELIG_ACT_APPROVE, &to),
	    PB_ETRANSITION);
	/* a review is answered with uphold/overturn, a referral with approve/decline */
	assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_REVIEW_REQUESTED,
	    PB_ELIG_ACT_APPROVE, &to), PB_ETRANSITION);
	assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_PANEL_REFERRAL, PB_ELIG_ACT_UPHOLD,
	    &to), PB_ETRANSITION);
	/* submitted never leaves the creating transaction: no action applies */
	for (int a = 0; a < NACTION; a++)
		assert_int_equal(pb_elig_request_next(PB_ELIG_REQ_SUBMITTED,
		    (enum pb_elig_request_action)a, &to), PB_ETRANSITION);
}

static void test_request_fundable(void **state)
{
	(void)state;
	for (int s = 0; s < NSTATUS; s++) {
		int want = s == PB_ELIG_REQ_ELIGIBLE || s == PB_ELIG_REQ_APPROVED ||
		    s == PB_ELIG_REQ_OVERTURNED;
		assert_int_equal(pb_elig_request_fundable((enum pb_elig_request_status)s), want);
	}
}

static void test_request_names(void **state)
{
	static const char *const statuses[] = { "submitted", "eligible", "ineligible",
	    "panel_referral", "approved", "declined", "review_requested", "upheld",
	    "overturned", "withdrawn" };
	static const char *const actions[] = { "approve", "decline", "request_review",
	    "uphold", "overturn", "withdraw", "budget_linked" };
	enum pb_elig_request_status st = PB_ELIG_REQ_SUBMITTED;

	(void)state;
	for (int s = 1; s < NSTATUS; s++) {
		const char *name = statuses[s - 1];
		assert_string_equal(pb_elig_request_status_str((enum pb_elig_request_status)s), name);
		assert_int_equal(pb_elig_request_status_parse(name, strlen(name), &st), PB_OK);
		assert_int_equal(st, s);
	}
	for (int a = 1; a < NACTION; a++) {
		enum pb_elig_request_action act = 0;
		const char *name = actions[a - 1];
		assert_string_equal(pb_elig_request_action_str((enum pb_elig_request_action)a), name);
		assert_int_equal(pb_elig_request_action_parse(name, strlen(name), &act), PB_OK);
		assert_int_equal(act, a);
	}
	assert_null(pb_elig_request_status_str((enum pb_elig_request_status)0));
	assert_null(pb_elig_request_status_str((enum pb_elig_request_status)NSTATUS));
	assert_null(pb_elig_request_action_str((enum pb_elig_request_action)NACTION));
	st = PB_ELIG_REQ_APPROVED;
	assert_int_equal(pb_elig_request_status_parse("Approved", 8, &st), PB_EINVAL);
	assert_int_equal(pb_elig_request_status_parse(NULL, 0, &st), PB_EINVAL);
	assert_int_equal(st, PB_ELIG_REQ_APPROVED);
}

/* Per-element panel decisions: one approval makes the request approved
 * (partly); none declines it. */
static void test_request_panel_action_per_element(void **state)
{
	static const int one[] = { 0, 1, 0 }, none[] = { 0, 0 }, all[] = { 1, 1 };

	(void)state;
	assert_int_equal(pb_elig_panel_action(one, 3), PB_ELIG_ACT_APPROVE);
	assert_int_equal(pb_elig_panel_action(all, 2), PB_ELIG_ACT_APPROVE);
	assert_int_equal(pb_elig_panel_action(none, 2), PB_ELIG_ACT_DECLINE);
	assert_int_equal(pb_elig_panel_action(one, 0), PB_ELIG_ACT_DECLINE);
}

/* ELIG-6: an element the panel declined is never funded from the request,
 * even when it is in the offer. */
static void test_request_declined_element_not_funded(void **state)
{
	struct pb_elig_budget_element e = { PB_STREAM_SOCIAL_CARE, "short_breaks",
	    PB_ARR_NOTIONAL, 0, PB_PLAN_ISSUED, pb_elig_default_offer,
	    PB_ELIG_DEFAULT_OFFER_LEN, 1, 0 };
	struct pb_problem p;

	(void)state;
	pb_problem_init(&p);
	assert_int_equal(pb_elig_check_budget_element(&e, 0, &p), PB_OK);
	e.request_declines_it = 1;
	assert_int_equal(pb_elig_check_budget_element(&e, 2, &p), PB_ERULE);
	assert_string_equal(p.rule, "ELIG-6");
	assert_non_null(strstr(p.detail, "elements[2]"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_every_move),
		cmocka_unit_test(test_request_out_of_range_refused),
		cmocka_unit_test(test_request_initial_from_outcome),
		cmocka_unit_test(test_request_review_only_once),
		cmocka_unit_test(test_request_no_withdrawal_after_decision),
		cmocka_unit_test(test_request_panel_decides_only_referrals_and_reviews),
		cmocka_unit_test(test_request_fundable),
		cmocka_unit_test(test_request_names),
		cmocka_unit_test(test_request_panel_action_per_element),
		cmocka_unit_test(test_request_declined_element_not_funded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
