/* SPDX-License-Identifier: MIT */
/*
 * test_payment_rules.c — unit tests for internal/payments/rules.c.
 *
 * Table-driven: each test walks a table of cases (pass and fail) for one
 * rule; rule ids from domain.md are in the test names.  Pure code, so no
 * database and no fixtures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/date.h"
#include "internal/payments/rules.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NO PB_DATE_NONE

/* Fail with the row's name so a table failure points at its case. */
#define ROW(cond, name) do { \
	if (!(cond)) \
		fail_msg("case \"%s\": %s", (name), #cond); \
} while (0)

/* YYYYMMDD as a day number; 0 is PB_DATE_NONE. */
static int32_t Dn(int ymd)
{
	if (ymd == 0)
		return NO;
	return pb_date_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

/* ---- strings ------------------------------------------------------------ */

static void test_pay_enum_strings_round_trip(void **state)
{
	(void)state;
	static const char *const st[] = {
		NULL, "pending_approval", "approved", "exported", "paid",
		"failed", "cancelled",
	};
	static const char *const pu[] = {
		NULL, "direct_payment", "services", "employment", "transport",
		"equipment", "other",
	};
	static const char *const fr[] = {
		NULL, "weekly", "four_weekly", "monthly", "quarterly", "termly",
	};
	static const char *const ac[] = {
		NULL, "approve", "cancel", "export", "paid", "failed",
	};
	static const char *const pk[] = {NULL, "individual", "organisation"};

	for (int i = 1; i < (int)NELEM(st); i++) {
		enum pb_pay_status v = 0;
		ROW(pb_pay_status_parse(st[i], strlen(st[i]), &v) == PB_OK &&
		    (int)v == i, st[i]);
		ROW(strcmp(pb_pay_status_str(v), st[i]) == 0, st[i]);
	}
	for (int i = 1; i < (int)NELEM(pu); i++) {
		enum pb_pay_purpose v = 0;
		ROW(pb_pay_purpose_parse(pu[i], strlen(pu[i]), &v) == PB_OK &&
		    (int)v == i, pu[i]);
		ROW(strcmp(pb_pay_purpose_str(v), pu[i]) == 0, pu[i]);
	}
	for (int i = 1; i < (int)NELEM(fr); i++) {
		enum pb_pay_frequency v = 0;
		ROW(pb_pay_frequency_parse(fr[i], strlen(fr[i]), &v) == PB_OK &&
		    (int)v == i, fr[i]);
		ROW(strcmp(pb_pay_frequency_str(v), fr[i]) == 0, fr[i]);
	}
	for (int i = 1; i < (int)NELEM(ac); i++) {
		enum pb_pay_action v = 0;
		ROW(pb_pay_action_parse(ac[i], strlen(ac[i]), &v) == PB_OK &&
		    (int)v == i, ac[i]);
		ROW(strcmp(pb_pay_action_str(v), ac[i]) == 0, ac[i]);
	}
	for (int i = 1; i < (int)NELEM(pk); i++) {
		enum pb_budget_payee_kind v = 0;
		ROW(pb_budget_payee_kind_parse(pk[i], strlen(pk[i]), &v) == PB_OK &&
		    (int)v == i, pk[i]);
		ROW(strcmp(pb_budget_payee_kind_str(v), pk[i]) == 0, pk[i]);
	}
}

static void test_pay_enum_strings_refuse_unknown(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "Pending_approval", "pending", "pending-approval", "paid ",
		"PAID", "fortnightly", "4_weekly", "annual",
	};
	for (size_t i = 0; i < NELEM(bad); i++) {
		enum pb_pay_status s = PB_PAY_STATUS_PAID;
		enum pb_pay_frequency f = PB_PAY_FREQ_WEEKLY;
		ROW(pb_pay_status_parse(bad[i], strlen(bad[i]), &s) == PB_EINVAL,
		    bad[i]);
		ROW(s == PB_PAY_STATUS_PAID, bad[i]);
		ROW(pb_pay_frequency_parse(bad[i], strlen(bad[i]), &f) ==
		    PB_EINVAL, bad[i]);
		ROW(f == PB_PAY_FREQ_WEEKLY, bad[i]);
	}
	enum pb_pay_purpose pu = 0;
	assert_int_equal(pb_pay_purpose_parse(NULL, 0, &pu), PB_EINVAL);
	assert_null(pb_pay_status_str(0));
	assert_null(pb_pay_status_str((enum pb_pay_status)7));
	assert_null(pb_pay_purpose_str((enum pb_pay_purpose)7));
	assert_null(pb_pay_frequency_str((enum pb_pay_frequency)6));
}

/* ---- lifecycle ---------------------------------------------------------- */

static void test_pay_lifecycle_transition_table(void **state)
{
	(void)state;
	static const char *const sname[] = {
		"?", "pending_approval", "approved", "exported", "paid",
		"failed", "cancelled",
	};
	/* want[from][action] (index 1..6, 1..5); 0 = refused */
	static const int want[7][6] = {
		[PB_PAY_STATUS_PENDING_APPROVAL] = {
			[PB_PAY_ACTION_APPROVE] = PB_PAY_STATUS_APPROVED,
			[PB_PAY_ACTION_CANCEL] = PB_PAY_STATUS_CANCELLED,
		},
		[PB_PAY_STATUS_APPROVED] = {
			[PB_PAY_ACTION_CANCEL] = PB_PAY_STATUS_CANCELLED,
			[PB_PAY_ACTION_EXPORT] = PB_PAY_STATUS_EXPORTED,
		},
		[PB_PAY_STATUS_EXPORTED] = {
			[PB_PAY_ACTION_PAID] = PB_PAY_STATUS_PAID,
			[PB_PAY_ACTION_FAILED] = PB_PAY_STATUS_FAILED,
		},
		/* paid, failed, cancelled are terminal */
	};
	int allowed = 0, refused = 0;

	for (int from = 0; from <= 6; from++) {
		for (int act = 0; act <= 5; act++) {
			struct pb_problem p;
			enum pb_pay_status to = 0;
			pb_problem_init(&p);
			enum pb_err err = pb_pay_transition(
			    (enum pb_pay_status)from, (enum pb_pay_action)act,
			    &to, &p);
			if (want[from][act]) {
				ROW(err == PB_OK && (int)to == want[from][act],
				    sname[from]);
				allowed++;
			} else {
				ROW(err == PB_ETRANSITION && to == 0 &&
				    p.err == PB_ETRANSITION &&
				    p.detail[0] != '\0', sname[from]);
				refused++;
			}
		}
	}
	assert_int_equal(allowed, 6);
	assert_int_equal(refused, 7 * 6 - 6);

	struct pb_problem p;
	pb_problem_init(&p);
	assert_int_equal(pb_pay_transition(PB_PAY_STATUS_EXPORTED,
	    PB_PAY_ACTION_CANCEL, NULL, &p), PB_ETRANSITION);
	assert_string_equal(p.detail,
	    "a payment that is exported cannot be cancelled");
}

static void test_BUD_9_status_money_effect(void **state)
{
	(void)state;
	static const struct {
		int status, commit, spent, release;
	} t[] = {
		{PB_PAY_STATUS_PENDING_APPROVAL, 1, 0, 0},
		{PB_PAY_STATUS_APPROVED, 1, 0, 0},
		{PB_PAY_STATUS_EXPORTED, 1, 0, 0},
		{PB_PAY_STATUS_PAID, 0, 1, 0},
		{PB_PAY_STATUS_FAILED, 0, 0, 1},
		{PB_PAY_STATUS_CANCELLED, 0, 0, 1},
		{0, 0, 0, 0},
		{99, 0, 0, 0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		enum pb_pay_status s = (enum pb_pay_status)t[i].status;
		const char *n = pb_pay_status_str(s) ? pb_pay_status_str(s) :
		    "invalid";
		ROW(pb_pay_status_holds_commitment(s) == t[i].commit, n);
		ROW(pb_pay_status_is_spent(s) == t[i].spent, n);
		ROW(pb_pay_status_releases(s) == t[i].release, n);
	}
}

/* ---- schedules ---------------------------------------------------------- */

/* PAY-24 over a schedule's life: the projected total, month-end clamping,
 * four-weekly in advance, termly, the dates already made, the cap. */
static void test_PAY_24_schedule_projected_total(void **state)
{
	(void)state;
	int64_t total = -1;
	size_t count = 0;

	/* the case: GBP 1,000 a week from 7 Sep 2026, no end, period
	 * to 31 Aug 2027: 52 instalments */
	struct pb_pay_sched_spec w = { Dn(20260907), NO, PB_PAY_FREQ_WEEKLY, NULL, 0 };
	assert_int_equal(pb_pay_schedule_projected(&w, Dn(20270831), 100000, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 52);
	assert_int_equal(total, 5200000);
	/* capped at 300,000: three instalments, nothing over */
	assert_int_equal(pb_pay_schedule_projected(&w, Dn(20270831), 100000, NULL, 0, 300000,
	    &total, &count), PB_OK);
	assert_int_equal(count, 3);
	assert_int_equal(total, 300000);
	/* a cap that does not divide: the last one reduced */
	assert_int_equal(pb_pay_schedule_projected(&w, Dn(20270831), 100000, NULL, 0, 250000,
	    &total, &count), PB_OK);
	assert_int_equal(count, 3);
	assert_int_equal(total, 250000);
	/* an end before the period's end bounds it; dates already made are not counted */
	struct pb_pay_sched_spec m = { Dn(20240131), Dn(20240531), PB_PAY_FREQ_MONTHLY, NULL, 0 };
	int32_t have[] = { Dn(20240131), Dn(20240229) };
	assert_int_equal(pb_pay_schedule_projected(&m, Dn(20241231), 1000, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 5);             /* 31 Jan, 29 Feb, 31 Mar, 30 Apr, 31 May */
	assert_int_equal(pb_pay_schedule_projected(&m, Dn(20241231), 1000, have, 2, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 3);
	assert_int_equal(total, 3000);
	/* the period's end before the schedule's: 31 Jan, 29 Feb only */
	assert_int_equal(pb_pay_schedule_projected(&m, Dn(20240330), 1000, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 2);
	/* four-weekly in advance: every 28 days from the start */
	struct pb_pay_sched_spec f = { Dn(20260907), NO, PB_PAY_FREQ_FOUR_WEEKLY, NULL, 0 };
	assert_int_equal(pb_pay_schedule_projected(&f, Dn(20270831), 30000, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 13);
	/* termly: the term starts on or after the start, up to the end */
	int32_t terms[] = { Dn(20250903), Dn(20260105), Dn(20260420), Dn(20260903),
	    Dn(20270105) };
	struct pb_pay_sched_spec t = { Dn(20251001), NO, PB_PAY_FREQ_TERMLY, terms, 5 };
	assert_int_equal(pb_pay_schedule_projected(&t, Dn(20260831), 5000, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_int_equal(count, 2);             /* 5 Jan, 20 Apr */
	assert_int_equal(total, 10000);
	int32_t out[8];
	size_t n = 0;
	assert_int_equal(pb_pay_sched_dates(&t, Dn(20271231), out, 8, &n), PB_OK);
	assert_int_equal(n, 4);
	assert_int_equal(out[0], Dn(20260105));
	assert_int_equal(out[3], Dn(20270105));
	assert_int_equal(pb_pay_schedule_dates(Dn(20251001), NO, Dn(20271231), PB_PAY_FREQ_TERMLY,
	    out, 8, &n), PB_EINVAL);        /* termly needs its terms */
	/* huge amounts saturate rather than overflow */
	struct pb_pay_sched_spec big = { Dn(20000101), NO, PB_PAY_FREQ_WEEKLY, NULL, 0 };
	assert_int_equal(pb_pay_schedule_projected(&big, Dn(22001231), PB_MAX_PENCE, NULL, 0, -1,
	    &total, &count), PB_OK);
	assert_true(total > PB_MAX_PENCE);
	/* bad arguments */
	assert_int_equal(pb_pay_schedule_projected(&w, Dn(20270831), 0, NULL, 0, -1, &total,
	    &count), PB_EINVAL);
	assert_int_equal(pb_pay_schedule_projected(NULL, Dn(20270831), 1, NULL, 0, -1, &total,
	    &count), PB_EINVAL);
}

static void test_PAY_21_term_dates(void **state)
{
	(void)state;
	struct pb_problem p;
	int years[] = { 2026 };
	int32_t ok[] = { Dn(20260903), Dn(20270105), Dn(20270419) };
	int32_t outside[] = { Dn(20260731) };
	int32_t unordered[] = { Dn(20270105), Dn(20260903) };

	assert_int_equal(pb_pay_academic_year(Dn(20260731)), 2025);
	assert_int_equal(pb_pay_academic_year(Dn(20260801)), 2026);
	assert_int_equal(pb_pay_check_terms(Dn(20260901), Dn(20270731), years, 1, NULL), PB_OK);
	pb_problem_init(&p);
	assert_int_equal(pb_pay_check_terms(Dn(20260901), Dn(20270831), years, 1, &p), PB_ERULE);
	assert_string_equal(p.rule, "PAY-21");
	assert_non_null(strstr(p.detail, "2027-28"));
	assert_int_equal(pb_pay_check_terms(Dn(20260901), Dn(20260801), years, 1, NULL), PB_EINVAL);
	assert_int_equal(pb_pay_check_term_starts(2026, ok, 3, NULL), PB_OK);
	pb_problem_init(&p);
	assert_int_equal(pb_pay_check_term_starts(2026, outside, 1, &p), PB_EINVAL);
	assert_string_equal(p.errors[0].field, "term_starts[0]");
	pb_problem_init(&p);
	assert_int_equal(pb_pay_check_term_starts(2026, unordered, 2, &p), PB_EINVAL);
	assert_string_equal(p.errors[0].field, "term_starts[1]");
	assert_int_equal(pb_pay_check_term_starts(2026, ok, 0, NULL), PB_EINVAL);
}

static void test_PAY_21_schedule_nth_dates(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int start, freq, n, want; /* want 0: PB_EINVAL */
	} t[] = {
		{"weekly n=0 is start", 20240105, PB_PAY_FREQ_WEEKLY, 0,
		    20240105},
		{"weekly n=1", 20240105, PB_PAY_FREQ_WEEKLY, 1, 20240112},
		{"weekly over leap day", 20240226, PB_PAY_FREQ_WEEKLY, 1,
		    20240304},
		{"weekly over year end", 20241230, PB_PAY_FREQ_WEEKLY, 1,
		    20250106},
		{"four-weekly n=1", 20240101, PB_PAY_FREQ_FOUR_WEEKLY, 1,
		    20240129},
		{"four-weekly n=13", 20240101, PB_PAY_FREQ_FOUR_WEEKLY, 13,
		    20241230},
		{"four-weekly over leap day", 20240205, PB_PAY_FREQ_FOUR_WEEKLY,
		    1, 20240304},
		{"monthly 31 Jan -> 29 Feb (leap)", 20240131,
		    PB_PAY_FREQ_MONTHLY, 1, 20240229},
		{"monthly 31 Jan -> 31 Mar (from start)", 20240131,
		    PB_PAY_FREQ_MONTHLY, 2, 20240331},
		{"monthly 31 Jan -> 30 Apr", 20240131, PB_PAY_FREQ_MONTHLY, 3,
		    20240430},
		{"monthly 31 Jan -> 28 Feb (common)", 20230131,
		    PB_PAY_FREQ_MONTHLY, 1, 20230228},
		{"monthly 29 Feb -> 29 Feb next leap", 20240229,
		    PB_PAY_FREQ_MONTHLY, 48, 20280229},
		{"monthly 29 Feb -> 28 Feb common", 20240229,
		    PB_PAY_FREQ_MONTHLY, 12, 20250228},
		{"monthly 2100 is not leap", 21000131, PB_PAY_FREQ_MONTHLY, 1,
		    21000228},
		{"monthly 2000 is leap", 20000131, PB_PAY_FREQ_MONTHLY, 1,
		    20000229},
		{"monthly over year end", 20241215, PB_PAY_FREQ_MONTHLY, 1,
		    20250115},
		{"quarterly 30 Nov -> 29 Feb", 20231130, PB_PAY_FREQ_QUARTERLY,
		    1, 20240229},
		{"quarterly 31 Aug -> 30 Nov", 20240831, PB_PAY_FREQ_QUARTERLY,
		    1, 20241130},
		{"quarterly n=4 is a year", 20240131, PB_PAY_FREQ_QUARTERLY, 4,
		    20250131},
		{"negative n", 20240101, PB_PAY_FREQ_WEEKLY, -1, 0},
		{"unknown frequency", 20240101, 0, 1, 0},
		{"frequency 9", 20240101, 9, 1, 0},
		{"weekly past 2200", 20240101, PB_PAY_FREQ_WEEKLY, 1000000, 0},
		{"monthly past 2200", 20240101, PB_PAY_FREQ_MONTHLY, 3000, 0},
		{"quarterly huge n", 20240101, PB_PAY_FREQ_QUARTERLY, INT32_MAX,
		    0},
		{"monthly huge n", 20240101, PB_PAY_FREQ_MONTHLY, INT32_MAX, 0},
		{"last day 2200", 22001201, PB_PAY_FREQ_MONTHLY, 1, 0},
		{"max day itself", 22001231, PB_PAY_FREQ_WEEKLY, 0, 22001231},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		int32_t out = -1;
		enum pb_err err = pb_pay_schedule_nth(Dn(t[i].start),
		    (enum pb_pay_frequency)t[i].freq, t[i].n, &out);
		if (t[i].want) {
			ROW(err == PB_OK, t[i].name);
			ROW(out == Dn(t[i].want), t[i].name);
		} else {
			ROW(err == PB_EINVAL, t[i].name);
			ROW(out == -1, t[i].name);
		}
	}
	int32_t out;
	assert_int_equal(pb_pay_schedule_nth(INT32_MIN, PB_PAY_FREQ_WEEKLY, 0,
	    &out), PB_EINVAL);
	assert_int_equal(pb_pay_schedule_nth(INT32_MAX, PB_PAY_FREQ_WEEKLY, 0,
	    &out), PB_EINVAL);
}

static void test_PAY_21_schedule_dates_in_window(void **state)
{
	(void)state;
	int32_t out[16];
	size_t n = 99;

	/* monthly from 31 Jan 2024 until 31 May: 31 Jan, 29 Feb, 31 Mar,
	 * 30 Apr, 31 May (until is inclusive) */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240131), NO, Dn(20240531),
	    PB_PAY_FREQ_MONTHLY, out, NELEM(out), &n), PB_OK);
	assert_int_equal(n, 5);
	assert_int_equal(out[1], Dn(20240229));
	assert_int_equal(out[4], Dn(20240531));

	/* end earlier than until: stops at end (inclusive) */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), Dn(20240122),
	    Dn(20241231), PB_PAY_FREQ_WEEKLY, out, NELEM(out), &n), PB_OK);
	assert_int_equal(n, 4);
	assert_int_equal(out[3], Dn(20240122));

	/* until earlier than end */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), Dn(20241231),
	    Dn(20240114), PB_PAY_FREQ_WEEKLY, out, NELEM(out), &n), PB_OK);
	assert_int_equal(n, 2);

	/* nothing due yet */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240201), NO, Dn(20240131),
	    PB_PAY_FREQ_MONTHLY, out, NELEM(out), &n), PB_OK);
	assert_int_equal(n, 0);

	/* exactly cap fits */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), NO, Dn(20240101) +
	    7 * 15, PB_PAY_FREQ_WEEKLY, out, 16, &n), PB_OK);
	assert_int_equal(n, 16);

	/* one more than cap: PB_EINVAL with the first cap written */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), NO, Dn(20240101) +
	    7 * 16, PB_PAY_FREQ_WEEKLY, out, 16, &n), PB_EINVAL);
	assert_int_equal(n, 16);
	assert_int_equal(out[15], Dn(20240101) + 7 * 15);

	/* zero capacity and nothing due is fine */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240201), NO, Dn(20240101),
	    PB_PAY_FREQ_WEEKLY, NULL, 0, &n), PB_OK);
	assert_int_equal(n, 0);

	/* quarterly over a leap year: 30 Nov, 29 Feb, 30 May, 30 Aug */
	assert_int_equal(pb_pay_schedule_dates(Dn(20231130), Dn(20240831),
	    Dn(20250101), PB_PAY_FREQ_QUARTERLY, out, NELEM(out), &n), PB_OK);
	assert_int_equal(n, 4);
	assert_int_equal(out[1], Dn(20240229));
	assert_int_equal(out[2], Dn(20240530));
	assert_int_equal(out[3], Dn(20240830));

	/* bad arguments */
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), NO, Dn(20240201),
	    (enum pb_pay_frequency)0, out, NELEM(out), &n), PB_EINVAL);
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), NO, Dn(20240201),
	    PB_PAY_FREQ_WEEKLY, NULL, 4, &n), PB_EINVAL);
	assert_int_equal(pb_pay_schedule_dates(Dn(20240101), NO, Dn(20240201),
	    PB_PAY_FREQ_WEEKLY, out, 4, NULL), PB_EINVAL);
}

/* ---- creating a payment ------------------------------------------------- */

static struct pb_pay_facts dp_ok(void)
{
	struct pb_pay_facts f;
	memset(&f, 0, sizeof(f));
	f.budget_status = PB_BUDGET_STATUS_APPROVED;
	f.period_start = Dn(20240401);
	f.period_end = Dn(20250331);
	f.plan_start = Dn(20230901);
	f.plan_ceased_on = NO;
	f.element_in_budget = 1;
	f.arrangement = PB_ARR_DIRECT_PAYMENT;
	f.element_remaining_pence = 100000;
	f.element_payee_id = "payee-mum";
	f.agreement_signed = 1;
	f.payee_id = "payee-mum";
	f.payee_kind = PB_BUDGET_PAYEE_INDIVIDUAL;
	f.payee_person_id = "person-mum";
	f.payee_lives_with_child = 1;
	f.amount_pence = 25000;
	f.due_date = Dn(20240501);
	f.purpose = PB_PAY_PURPOSE_DIRECT_PAYMENT;
	/* the recipient: the child's parent, with PR, able to manage */
	f.recipient.is_contact = 1;
	f.recipient.who.relationship = PB_REL_PARENT;
	f.recipient.who.has_parental_responsibility = 1;
	f.recipient.who.has_capacity = 1;
	f.recipient.who.able_to_manage = 1;
	f.recipient.stream = PB_STREAM_SOCIAL_CARE;
	f.recipient.child_dob = Dn(20140501);
	return f;
}

static struct pb_pay_facts tp_ok(void)
{
	struct pb_pay_facts f = dp_ok();
	f.arrangement = PB_ARR_THIRD_PARTY;
	f.element_payee_id = "payee-trust";
	f.agreement_signed = 0;
	f.payee_id = "payee-trust";
	f.payee_kind = PB_BUDGET_PAYEE_ORGANISATION;
	f.payee_person_id = NULL;
	f.payee_lives_with_child = 0;
	f.purpose = PB_PAY_PURPOSE_SERVICES;
	return f;
}

static struct pb_pay_facts notional_ok(void)
{
	struct pb_pay_facts f = tp_ok();
	f.arrangement = PB_ARR_NOTIONAL;
	f.element_payee_id = NULL;
	f.payee_id = "payee-council-transport";
	f.payee_is_local_authority = 1;
	return f;
}

/* Run pb_pay_check_create and compare error and rule id. */
static void expect_create(const struct pb_pay_facts *f, enum pb_err want,
    const char *rule, const char *name)
{
	struct pb_problem p;
	pb_problem_init(&p);
	enum pb_err err = pb_pay_check_create(f, &p);
	ROW(err == want, name);
	ROW(p.err == want, name);
	ROW(strcmp(p.rule, rule ? rule : "") == 0, name);
	if (want != PB_OK && want != PB_EINVAL)
		ROW(p.detail[0] != '\0', name);
	/* a NULL problem gives the same verdict */
	ROW(pb_pay_check_create(f, NULL) == want, name);
}

static void test_PAY_valid_payments_pass(void **state)
{
	(void)state;
	struct pb_pay_facts f = dp_ok();
	expect_create(&f, PB_OK, NULL, "direct payment");
	f = tp_ok();
	expect_create(&f, PB_OK, NULL, "third party");
	/* PAY-10: a notional element's money is the council's to spend, never a
	 * payment, whoever the payee */
	f = notional_ok();
	expect_create(&f, PB_ERULE, "PAY-10", "notional pays nobody");
	f.payee_is_local_authority = 0;
	expect_create(&f, PB_ERULE, "PAY-10", "notional pays no provider");
}

static void test_PAY_create_budget_must_be_approved(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int status;
		enum pb_err want;
	} t[] = {
		{"approved", PB_BUDGET_STATUS_APPROVED, PB_OK},
		{"draft", PB_BUDGET_STATUS_DRAFT, PB_ETRANSITION},
		{"suspended", PB_BUDGET_STATUS_SUSPENDED, PB_ETRANSITION},
		{"closed", PB_BUDGET_STATUS_CLOSED, PB_ETRANSITION},
		{"zeroed", 0, PB_ETRANSITION},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.budget_status = (enum pb_budget_status)t[i].status;
		expect_create(&f, t[i].want, NULL, t[i].name);
	}
}

static void test_PAY_element_must_belong_to_budget(void **state)
{
	(void)state;
	struct pb_pay_facts f = dp_ok();
	struct pb_problem p;

	f.element_in_budget = 0;
	pb_problem_init(&p);
	assert_int_equal(pb_pay_check_create(&f, &p), PB_EINVAL);
	assert_int_equal(p.nerrors, 1);
	assert_string_equal(p.errors[0].field, "element_id");

	f = dp_ok();
	f.arrangement = (enum pb_arrangement)0;
	assert_int_equal(pb_pay_check_create(&f, NULL), PB_EINTERNAL);
}

static void test_PAY_24_amount_must_be_positive(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t amount;
		enum pb_err want;
	} t[] = {
		{"one penny", 1, PB_OK},
		{"zero", 0, PB_EINVAL},
		{"minus one", -1, PB_EINVAL},
		{"int64 min", INT64_MIN, PB_EINVAL},
		{"api max", PB_MAX_PENCE, PB_OK},
		{"api max + 1", PB_MAX_PENCE + 1, PB_EINVAL},
		{"int64 max", INT64_MAX, PB_EINVAL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.amount_pence = t[i].amount;
		f.element_remaining_pence = PB_MAX_PENCE;
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_pay_check_create(&f, &p) == t[i].want, t[i].name);
		if (t[i].want == PB_EINVAL)
			ROW(p.nerrors == 1 && strcmp(p.errors[0].field,
			    "amount_pence") == 0, t[i].name);
	}
}

static void test_PAY_24_BUD_10_due_date_in_period_and_plan_life(void **state)
{
	(void)state;
	/* budget 1 Apr 2024 .. 31 Mar 2025 */
	static const struct {
		const char *name;
		int plan_start, ceased, due;
		enum pb_err want;
		const char *rule;
	} t[] = {
		{"first day of period", 20230901, 0, 20240401, PB_OK, NULL},
		{"last day of period", 20230901, 0, 20250331, PB_OK, NULL},
		{"leap day", 20230901, 0, 20240229, PB_ERULE, "PAY-24"},
		{"day before period", 20230901, 0, 20240331, PB_ERULE, "PAY-24"},
		{"day after period", 20230901, 0, 20250401, PB_ERULE, "PAY-24"},
		{"plan ceased, due on ceased day", 20230901, 20240630, 20240630,
		    PB_OK, NULL},
		{"plan ceased, due after", 20230901, 20240630, 20240701,
		    PB_ERULE, "BUD-10"},
		{"plan starts after due date", 20240601, 0, 20240501, PB_ERULE,
		    "BUD-10"},
		{"plan starts on due date", 20240501, 0, 20240501, PB_OK, NULL},
		{"no plan start known", 0, 0, 20240501, PB_OK, NULL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.plan_start = Dn(t[i].plan_start);
		f.plan_ceased_on = Dn(t[i].ceased);
		f.due_date = Dn(t[i].due);
		expect_create(&f, t[i].want, t[i].rule, t[i].name);
	}
}

static void test_PAY_1_direct_payment_pays_only_own_payee(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int arrangement;
		const char *own, *requested;
		enum pb_err want;
	} t[] = {
		{"dp own payee", PB_ARR_DIRECT_PAYMENT, "payee-mum",
		    "payee-mum", PB_OK},
		{"dp other payee", PB_ARR_DIRECT_PAYMENT, "payee-mum",
		    "payee-dad", PB_ERULE},
		{"dp element without payee", PB_ARR_DIRECT_PAYMENT, NULL,
		    "payee-mum", PB_ERULE},
		{"dp no payee requested", PB_ARR_DIRECT_PAYMENT,
		    "payee-mum", "", PB_ERULE},
		{"dp prefix of own id", PB_ARR_DIRECT_PAYMENT, "payee-mum",
		    "payee-mu", PB_ERULE},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.element_payee_id = t[i].own;
		f.payee_id = t[i].requested;
		expect_create(&f, t[i].want, t[i].want ? "PAY-1" : NULL,
		    t[i].name);
	}
	/* a third-party element may pay other organisations */
	struct pb_pay_facts f = tp_ok();
	f.payee_id = "payee-respite-centre";
	expect_create(&f, PB_OK, NULL, "tp other organisation");
}

static void test_PAY_10_refuses_council_payee(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int arrangement, is_la;
		enum pb_err want;
	} t[] = {
		{"dp council", PB_ARR_DIRECT_PAYMENT, 1, PB_ERULE},
		{"dp not council", PB_ARR_DIRECT_PAYMENT, 0, PB_OK},
		{"tp council", PB_ARR_THIRD_PARTY, 1, PB_ERULE},
		{"tp not council", PB_ARR_THIRD_PARTY, 0, PB_OK},
		{"notional council", PB_ARR_NOTIONAL, 1, PB_ERULE},
		{"notional not council", PB_ARR_NOTIONAL, 0, PB_ERULE},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f =
		    t[i].arrangement == PB_ARR_DIRECT_PAYMENT ? dp_ok() :
		    t[i].arrangement == PB_ARR_THIRD_PARTY ? tp_ok() :
		    notional_ok();
		f.payee_is_local_authority = t[i].is_la;
		expect_create(&f, t[i].want, t[i].want ? "PAY-10" : NULL,
		    t[i].name);
	}
}

static void test_BUD_2_third_party_pays_organisation(void **state)
{
	(void)state;
	struct pb_pay_facts f = tp_ok();
	f.payee_kind = PB_BUDGET_PAYEE_INDIVIDUAL;
	expect_create(&f, PB_ERULE, "BUD-2", "tp individual");
	f.payee_kind = (enum pb_budget_payee_kind)0;
	expect_create(&f, PB_ERULE, "BUD-2", "tp unknown kind");
	f.payee_kind = PB_BUDGET_PAYEE_ORGANISATION;
	expect_create(&f, PB_OK, NULL, "tp organisation");
}

static void test_PAY_8_direct_payment_needs_signed_agreement(void **state)
{
	(void)state;
	struct pb_pay_facts f = dp_ok();
	f.agreement_signed = 0;
	expect_create(&f, PB_ERULE, "PAY-8", "dp unsigned");
	f.agreement_signed = 1;
	expect_create(&f, PB_OK, NULL, "dp signed");
	/* not required of other arrangements */
	f = tp_ok();
	f.agreement_signed = 0;
	expect_create(&f, PB_OK, NULL, "tp has no agreement");
}

static void test_PAY_6_school_premises_needs_head_teacher(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int school, head;
		enum pb_err want;
	} t[] = {
		{"not on school premises", 0, 0, PB_OK},
		{"school, head teacher agreed", 1, 1, PB_OK},
		{"school, no head teacher", 1, 0, PB_ERULE},
		{"head teacher without school", 0, 1, PB_OK},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.school_premises = t[i].school;
		f.head_teacher_agreed = t[i].head;
		expect_create(&f, t[i].want, t[i].want ? "PAY-6" : NULL,
		    t[i].name);
	}
	/* PAY-8 is checked first: unsigned and no head teacher -> PAY-8 */
	struct pb_pay_facts f = dp_ok();
	f.agreement_signed = 0;
	f.school_premises = 1;
	expect_create(&f, PB_ERULE, "PAY-8", "unsigned school DP");
	/* a withdrawal: nothing due on or after its day */
	f = dp_ok();
	f.school_premises = 1;
	f.head_teacher_agreed = 1;
	f.head_teacher_withdrawn = 1;
	f.head_teacher_withdrawn_on = f.due_date + 1;
	expect_create(&f, PB_OK, NULL, "due the day before the withdrawal");
	f.head_teacher_withdrawn_on = f.due_date;
	expect_create(&f, PB_ERULE, "PAY-6", "due on the day of the withdrawal");
	f.school_premises = 0;
	expect_create(&f, PB_OK, NULL, "a withdrawal matters only on school premises");
}

static void test_PAY_11_household_relative_employment(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int kind, lives, purpose, exception;
		enum pb_err want;
	} t[] = {
		{"lives with child, employment", PB_BUDGET_PAYEE_INDIVIDUAL, 1,
		    PB_PAY_PURPOSE_EMPLOYMENT, 0, PB_ERULE},
		{"lives with child, employment, exception",
		    PB_BUDGET_PAYEE_INDIVIDUAL, 1, PB_PAY_PURPOSE_EMPLOYMENT, 1,
		    PB_OK},
		{"relative elsewhere, employment", PB_BUDGET_PAYEE_INDIVIDUAL, 0,
		    PB_PAY_PURPOSE_EMPLOYMENT, 0, PB_OK},
		/* decided by who is paid, not by what the payment is called */
		{"lives with child, services", PB_BUDGET_PAYEE_INDIVIDUAL, 1,
		    PB_PAY_PURPOSE_SERVICES, 0, PB_ERULE},
		{"lives with child, transport", PB_BUDGET_PAYEE_INDIVIDUAL, 1,
		    PB_PAY_PURPOSE_TRANSPORT, 0, PB_ERULE},
		{"lives with child, services, exception", PB_BUDGET_PAYEE_INDIVIDUAL, 1,
		    PB_PAY_PURPOSE_SERVICES, 1, PB_OK},
		{"lives with child, the direct payment itself", PB_BUDGET_PAYEE_INDIVIDUAL, 1,
		    PB_PAY_PURPOSE_DIRECT_PAYMENT, 0, PB_OK},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		/* a direct payment paying its own recipient, who may be a
		 * relative in the household */
		struct pb_pay_facts f = dp_ok();
		f.payee_kind = (enum pb_budget_payee_kind)t[i].kind;
		f.payee_lives_with_child = t[i].lives;
		f.purpose = (enum pb_pay_purpose)t[i].purpose;
		f.pay11_exception = t[i].exception;
		expect_create(&f, t[i].want, t[i].want ? "PAY-11" : NULL,
		    t[i].name);
	}
	/* an organisation is never a household relative */
	struct pb_pay_facts f = tp_ok();
	f.payee_lives_with_child = 1;
	f.purpose = PB_PAY_PURPOSE_EMPLOYMENT;
	expect_create(&f, PB_OK, NULL, "organisation, employment");
}

/* PAY-1/2/3/4/12 again at each payment, on its due date (the recipient's
 * facts as they are now); PAY-16: a stopped element pays nothing more. */
static void test_PAY_16_recipient_rechecked_and_stops_bind(void **state)
{
	(void)state;
	struct pb_pay_facts f = dp_ok();
	f.recipient.who.consent_withdrawn = 1;
	expect_create(&f, PB_ERULE, "PAY-3", "consent withdrawn");
	f = dp_ok();
	f.recipient.who.excluded = 1;
	expect_create(&f, PB_ERULE, "PAY-4", "excluded");
	f = dp_ok();
	f.recipient.who.has_parental_responsibility = 0;
	expect_create(&f, PB_ERULE, "PAY-12", "social care without PR");
	f = dp_ok();
	f.stopped_rule = "PAY-3";
	expect_create(&f, PB_ERULE, "PAY-3", "stopped element");
	f = tp_ok();
	f.recipient.who.excluded = 1;        /* not a direct payment: no recipient */
	expect_create(&f, PB_OK, NULL, "third party");
	/* approving: the same rules, but the amount is already committed */
	f = dp_ok();
	f.element_remaining_pence = 0;
	f.committed = 1;
	expect_create(&f, PB_OK, NULL, "approving a committed payment");
	f.recipient.who.has_capacity = 0;
	expect_create(&f, PB_ERULE, "PAY-2", "approving after capacity is lost");
}

static void test_PAY_24_amount_within_remaining(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t amount, remaining;
		enum pb_err want;
	} t[] = {
		{"nothing remaining", 1, 0, PB_EFUNDS},
		{"exactly remaining", 25000, 25000, PB_OK},
		{"remaining + 1", 25001, 25000, PB_EFUNDS},
		{"remaining - 1", 24999, 25000, PB_OK},
		{"max amount, max remaining", PB_MAX_PENCE, PB_MAX_PENCE,
		    PB_OK},
		{"max amount, one short", PB_MAX_PENCE,
		    PB_MAX_PENCE - 1, PB_EFUNDS},
		{"corrupt negative remaining", 1, -5, PB_EFUNDS},
		{"huge remaining", 1, INT64_MAX, PB_OK},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_facts f = dp_ok();
		f.amount_pence = t[i].amount;
		f.element_remaining_pence = t[i].remaining;
		expect_create(&f, t[i].want, t[i].want ? "PAY-24" : NULL,
		    t[i].name);
	}
	struct pb_problem p;
	struct pb_pay_facts f = dp_ok();
	f.amount_pence = 25001;
	f.element_remaining_pence = 25000;
	pb_problem_init(&p);
	assert_int_equal(pb_pay_check_create(&f, &p), PB_EFUNDS);
	assert_string_equal(p.detail, "the payment of 25001 pence exceeds the "
	    "25000 pence remaining on the element");
}

static void test_PAY_create_checks_run_in_documented_order(void **state)
{
	(void)state;
	/* every rule broken at once; fix them one by one and watch the
	 * reported rule move down the documented order */
	struct pb_pay_facts f = dp_ok();
	f.budget_status = PB_BUDGET_STATUS_SUSPENDED;
	f.element_in_budget = 0;
	f.amount_pence = 0;
	f.due_date = Dn(20300101);
	f.payee_id = "payee-other";
	f.payee_is_local_authority = 1;
	f.agreement_signed = 0;
	f.school_premises = 1;
	f.purpose = PB_PAY_PURPOSE_EMPLOYMENT;
	f.element_remaining_pence = 0;

	expect_create(&f, PB_ETRANSITION, NULL, "1 status");
	f.budget_status = PB_BUDGET_STATUS_APPROVED;
	expect_create(&f, PB_EINVAL, NULL, "2 element");
	f.element_in_budget = 1;
	expect_create(&f, PB_EINVAL, NULL, "3 amount");
	f.amount_pence = 100;
	expect_create(&f, PB_ERULE, "PAY-24", "4 due date");
	f.due_date = Dn(20240501);
	expect_create(&f, PB_ERULE, "PAY-1", "5 own payee");
	f.payee_id = "payee-mum";
	expect_create(&f, PB_ERULE, "PAY-10", "6 council");
	f.payee_is_local_authority = 0;
	expect_create(&f, PB_ERULE, "PAY-8", "8a signed");
	f.agreement_signed = 1;
	expect_create(&f, PB_ERULE, "PAY-6", "8b head teacher");
	f.head_teacher_agreed = 1;
	expect_create(&f, PB_ERULE, "PAY-11", "9 household relative");
	f.pay11_exception = 1;
	expect_create(&f, PB_EFUNDS, "PAY-24", "10 funds");
	f.element_remaining_pence = 100;
	expect_create(&f, PB_OK, NULL, "all fixed");
}

static void test_PAY_18_recovery_never_more_than_spent(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t amount, spent;
		enum pb_err want;
	} t[] = {
		{"part of spent", 100, 5000, PB_OK},
		{"exactly spent", 5000, 5000, PB_OK},
		{"spent + 1", 5001, 5000, PB_ERULE},
		{"nothing spent", 1, 0, PB_ERULE},
		{"zero", 0, 5000, PB_EINVAL},
		{"negative", -1, 5000, PB_EINVAL},
		{"max", PB_MAX_PENCE, PB_MAX_PENCE, PB_OK},
		{"above max", PB_MAX_PENCE + 1, INT64_MAX, PB_EINVAL},
		{"int64 min", INT64_MIN, 5000, PB_EINVAL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_pay_check_recovery(t[i].amount, t[i].spent, &p) ==
		    t[i].want, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, "PAY-24") == 0, t[i].name);
		if (t[i].want == PB_EINVAL)
			ROW(strcmp(p.errors[0].field, "amount_pence") == 0,
			    t[i].name);
	}
}

static void test_PAY_19_surplus_over_threshold(void **state)
{
	(void)state;
	/* 52-week year (364 days) of £5,200: £100 a week, 8 weeks = £800 */
	static const struct {
		const char *name;
		int64_t alloc, paid, evidenced;
		int32_t days;
		int weeks;
		enum pb_err want;
		int64_t weekly, held, threshold, surplus;
		int over;
	} t[] = {
		{"nothing held", 520000, 0, 0, 364, 8, PB_OK, 10000, 0, 80000,
		    0, 0},
		{"exactly 8 weeks held", 520000, 100000, 20000, 364, 8, PB_OK,
		    10000, 80000, 80000, 0, 0},
		{"one penny over", 520000, 100001, 20000, 364, 8, PB_OK, 10000,
		    80001, 80000, 1, 1},
		{"evidenced more than paid", 520000, 1000, 5000, 364, 8, PB_OK,
		    10000, 0, 80000, 0, 0},
		{"leap year, 366 days", 366000, 100000, 0, 366, 8, PB_OK, 7000,
		    100000, 56000, 44000, 1},
		{"rounding: threshold in one step", 100, 0, 0, 3, 2, PB_OK, 233,
		    0, 466, 0, 0},
		{"one-day period", 100, 100, 0, 1, 1, PB_OK, 700, 100, 700, 0,
		    0},
		{"max money", PB_MAX_PENCE, PB_MAX_PENCE, 0, 1, 52,
		    PB_OK, 7 * PB_MAX_PENCE, PB_MAX_PENCE,
		    364 * PB_MAX_PENCE, 0, 0},
		{"zero weeks", 520000, 0, 0, 364, 0, PB_EINVAL, 0, 0, 0, 0, 0},
		{"53 weeks", 520000, 0, 0, 364, 53, PB_EINVAL, 0, 0, 0, 0, 0},
		{"empty period", 520000, 0, 0, 0, 8, PB_EINVAL, 0, 0, 0, 0, 0},
		{"negative paid", 520000, -1, 0, 364, 8, PB_EINVAL, 0, 0, 0, 0,
		    0},
		{"allocated above max", PB_MAX_PENCE + 1, 0, 0, 364, 8,
		    PB_EINVAL, 0, 0, 0, 0, 0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_surplus_in in = {
			.allocated_pence = t[i].alloc,
			.period_start = Dn(20240101),
			.period_end = Dn(20240101) + t[i].days - 1,
			.net_paid_pence = t[i].paid,
			.evidenced_spend_pence = t[i].evidenced,
			.threshold_weeks = t[i].weeks,
		};
		struct pb_pay_surplus_out out = {-1, -1, -1, -1, -1, -1, -1};
		ROW(pb_pay_surplus(&in, &out) == t[i].want, t[i].name);
		if (t[i].want != PB_OK) {
			ROW(out.weekly_rate_pence == -1, t[i].name);
			continue;
		}
		ROW(out.weekly_rate_pence == t[i].weekly, t[i].name);
		ROW(out.held_pence == t[i].held, t[i].name);
		ROW(out.threshold_pence == t[i].threshold, t[i].name);
		ROW(out.surplus_pence == t[i].surplus, t[i].name);
		ROW(out.over_threshold == t[i].over, t[i].name);
	}
}

static void test_PAY_19_surplus_after_bills_contingency_and_debts(void **state)
{
	(void)state;
	/* £100 a week over 364 days; 8 weeks = 80,000 pence threshold */
	static const struct {
		const char *name;
		int64_t paid, bills, contingency, owed;
		int64_t available, proposed;
	} t[] = {
		{"nothing to take off", 120000, 0, 0, 0, 120000, 40000},
		{"unpaid bills first", 120000, 15000, 0, 0, 105000, 25000},
		{"then the contingency", 120000, 15000, 5000, 0, 100000, 20000},
		{"less what debts already claim", 120000, 15000, 5000, 8000,
		    100000, 12000},
		{"debts claim it all", 120000, 0, 0, 60000, 120000, 0},
		{"bills above what is held", 120000, 200000, 0, 0, 0, 0},
		{"within the threshold after bills", 120000, 40001, 0, 0, 79999,
		    0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_pay_surplus_in in = {
			.allocated_pence = 520000,
			.period_start = Dn(20240101),
			.period_end = Dn(20240101) + 363,
			.net_paid_pence = t[i].paid,
			.threshold_weeks = 8,
			.unpaid_bills_pence = t[i].bills,
			.contingency_pence = t[i].contingency,
			.owed_pence = t[i].owed,
		};
		struct pb_pay_surplus_out out;
		ROW(pb_pay_surplus(&in, &out) == PB_OK, t[i].name);
		ROW(out.threshold_pence == 80000, t[i].name);
		ROW(out.available_pence == t[i].available, t[i].name);
		ROW(out.proposed_pence == t[i].proposed, t[i].name);
	}
	/* a stopped direct payment keeps no weeks of funding: all of what is
	 * held beyond bills, contingency and open debts is proposed */
	struct pb_pay_surplus_in stopped = { .allocated_pence = 520000,
	    .period_start = Dn(20240101), .period_end = Dn(20240101) + 363,
	    .net_paid_pence = 120000, .threshold_weeks = 8, .unpaid_bills_pence = 15000,
	    .contingency_pence = 5000, .owed_pence = 8000, .stopped = 1 };
	struct pb_pay_surplus_out so;
	assert_int_equal(pb_pay_surplus(&stopped, &so), PB_OK);
	assert_int_equal(so.threshold_pence, 0);
	assert_int_equal(so.over_threshold, 1);
	assert_int_equal(so.proposed_pence, 120000 - 15000 - 5000 - 8000);
	struct pb_pay_surplus_in bad = { .allocated_pence = 1, .period_start = 1,
	    .period_end = 1, .threshold_weeks = 8, .unpaid_bills_pence = -1 };
	struct pb_pay_surplus_out out;
	assert_int_equal(pb_pay_surplus(&bad, &out), PB_EINVAL);
	bad.unpaid_bills_pence = 0;
	bad.owed_pence = PB_MAX_PENCE + 1;
	assert_int_equal(pb_pay_surplus(&bad, &out), PB_EINVAL);
}

/* ---- recovery debts (PAY-18) ---------------------------------------------- */

static void test_PAY_18_debt_lifecycle(void **state)
{
	(void)state;
	enum { R = PB_DEBT_RAISED, I = PB_DEBT_INVOICED, U = PB_DEBT_UNDER_REVIEW,
	    W = PB_DEBT_WRITE_OFF_PENDING, P = PB_DEBT_PAID, X = PB_DEBT_WRITTEN_OFF,
	    O = PB_DEBT_OFFSET, C = PB_DEBT_CANCELLED };
	static const struct {
		const char *name;
		int from, prior, reviewed;
		enum pb_debt_action a;
		enum pb_err want;
		int to;
	} t[] = {
		{"invoice a raised debt", R, 0, 0, PB_DEBT_ACT_INVOICE, PB_OK, I},
		{"invoice twice", I, 0, 0, PB_DEBT_ACT_INVOICE, PB_ETRANSITION, 0},
		{"paid without an invoice", R, 0, 0, PB_DEBT_ACT_PAY, PB_OK, P},
		{"paid after the invoice", I, 0, 0, PB_DEBT_ACT_PAY, PB_OK, P},
		{"paid while a write-off waits", W, I, 0, PB_DEBT_ACT_PAY, PB_OK, P},
		{"paid twice", P, 0, 0, PB_DEBT_ACT_PAY, PB_ETRANSITION, 0},
		{"paid under review", U, I, 1, PB_DEBT_ACT_PAY, PB_ETRANSITION, 0},
		{"offset an invoiced debt", I, 0, 0, PB_DEBT_ACT_OFFSET, PB_OK, O},
		{"offset twice", O, 0, 0, PB_DEBT_ACT_OFFSET, PB_ETRANSITION, 0},
		{"offset a written-off debt", X, 0, 0, PB_DEBT_ACT_OFFSET,
		    PB_ETRANSITION, 0},
		{"offset while a write-off waits", W, R, 0, PB_DEBT_ACT_OFFSET,
		    PB_ETRANSITION, 0},
		{"ask to write off", I, 0, 0, PB_DEBT_ACT_WRITE_OFF, PB_OK, W},
		{"write off a paid debt", P, 0, 0, PB_DEBT_ACT_WRITE_OFF,
		    PB_ETRANSITION, 0},
		{"approve the write-off", W, I, 0, PB_DEBT_ACT_WRITE_OFF_APPROVE,
		    PB_OK, X},
		{"approve without a request", I, 0, 0,
		    PB_DEBT_ACT_WRITE_OFF_APPROVE, PB_ETRANSITION, 0},
		{"reject returns to invoiced", W, I, 0, PB_DEBT_ACT_WRITE_OFF_REJECT,
		    PB_OK, I},
		{"reject returns to raised", W, R, 0, PB_DEBT_ACT_WRITE_OFF_REJECT,
		    PB_OK, R},
		{"ask for a review", R, 0, 0, PB_DEBT_ACT_REVIEW, PB_OK, U},
		{"review asked twice", U, R, 1, PB_DEBT_ACT_REVIEW, PB_ECONFLICT, 0},
		{"review again after a decision", I, 0, 1, PB_DEBT_ACT_REVIEW,
		    PB_ECONFLICT, 0},
		{"review of a paid debt", P, 0, 0, PB_DEBT_ACT_REVIEW,
		    PB_ETRANSITION, 0},
		{"upheld returns", U, I, 1, PB_DEBT_ACT_UPHOLD, PB_OK, I},
		{"reduced returns", U, R, 1, PB_DEBT_ACT_REDUCE, PB_OK, R},
		{"cancelled", U, R, 1, PB_DEBT_ACT_CANCEL, PB_OK, C},
		{"decide without a review", R, 0, 0, PB_DEBT_ACT_UPHOLD,
		    PB_ETRANSITION, 0},
		{"cancelled is final", C, 0, 1, PB_DEBT_ACT_PAY, PB_ETRANSITION, 0},
		{"zeroed state", 0, 0, 0, PB_DEBT_ACT_PAY, PB_ETRANSITION, 0},
		{"unknown action", R, 0, 0, (enum pb_debt_action)99,
		    PB_ETRANSITION, 0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_debt_state s = { (enum pb_debt_status)t[i].from,
		    (enum pb_debt_status)t[i].prior, t[i].reviewed };
		enum pb_debt_status to = (enum pb_debt_status)0;
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_debt_transition(&s, t[i].a, &to, &p) == t[i].want, t[i].name);
		ROW((int)to == t[i].to, t[i].name);
		if (t[i].want == PB_ECONFLICT)
			ROW(strcmp(p.rule, "PAY-18") == 0, t[i].name);
	}
	ROW(pb_debt_is_owed(PB_DEBT_RAISED) && pb_debt_is_owed(PB_DEBT_INVOICED) &&
	    pb_debt_is_owed(PB_DEBT_UNDER_REVIEW) &&
	    pb_debt_is_owed(PB_DEBT_WRITE_OFF_PENDING), "owed");
	ROW(!pb_debt_is_owed(PB_DEBT_PAID) && !pb_debt_is_owed(PB_DEBT_WRITTEN_OFF) &&
	    !pb_debt_is_owed(PB_DEBT_OFFSET) && !pb_debt_is_owed(PB_DEBT_CANCELLED) &&
	    !pb_debt_is_owed((enum pb_debt_status)0), "not owed");
	for (int v = PB_DEBT_RAISED; v <= PB_DEBT_CANCELLED; v++) {
		enum pb_debt_status back = (enum pb_debt_status)0;
		const char *n = pb_debt_status_str((enum pb_debt_status)v);
		ROW(n != NULL && pb_debt_status_parse(n, strlen(n), &back) == PB_OK &&
		    (int)back == v, "status round trip");
	}
}

static void test_PAY_24_recoverable_counts_open_debts(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t amount, spent, owed;
		enum pb_err want;
	} t[] = {
		{"no debts: all of spent", 5000, 5000, 0, PB_OK},
		{"what debts leave", 3000, 5000, 2000, PB_OK},
		{"a penny more than debts leave", 3001, 5000, 2000, PB_ERULE},
		{"debts claim all", 1, 5000, 5000, PB_ERULE},
		{"zero", 0, 5000, 0, PB_EINVAL},
		{"above max", PB_MAX_PENCE + 1, PB_MAX_PENCE, 0, PB_EINVAL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_pay_check_recoverable(t[i].amount, t[i].spent, t[i].owed, &p) ==
		    t[i].want, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, "PAY-24") == 0, t[i].name);
	}
}

static void test_PAY_18_offset_and_reduce_checks(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int same, in_run, has_offset;
		enum pb_pay_status st;
		int64_t pay;
		int due;
		enum pb_err want;
		const char *rule_or_field;
	} t[] = {
		{"a later approved payment", 1, 0, 0, PB_PAY_STATUS_APPROVED, 5000,
		    20261201, PB_OK, NULL},
		{"pending approval", 1, 0, 0, PB_PAY_STATUS_PENDING_APPROVAL, 5000,
		    20261201, PB_OK, NULL},
		{"due the day it was raised", 1, 0, 0, PB_PAY_STATUS_APPROVED, 5000,
		    20261101, PB_OK, NULL},
		{"another element", 0, 0, 0, PB_PAY_STATUS_APPROVED, 5000, 20261201,
		    PB_EINVAL, "payment_id"},
		{"exported", 1, 1, 0, PB_PAY_STATUS_EXPORTED, 5000, 20261201,
		    PB_ERULE, "PAY-18"},
		{"approved but in a run", 1, 1, 0, PB_PAY_STATUS_APPROVED, 5000,
		    20261201, PB_ERULE, "PAY-18"},
		{"paid", 1, 1, 0, PB_PAY_STATUS_PAID, 5000, 20261201, PB_ERULE,
		    "PAY-18"},
		{"cancelled", 1, 0, 0, PB_PAY_STATUS_CANCELLED, 5000, 20261201,
		    PB_ERULE, "PAY-18"},
		{"an earlier payment", 1, 0, 0, PB_PAY_STATUS_APPROVED, 5000,
		    20261031, PB_ERULE, "PAY-18"},
		{"already offset", 1, 0, 1, PB_PAY_STATUS_APPROVED, 5000, 20261201,
		    PB_ECONFLICT, NULL},
		{"payment equal to the debt", 1, 0, 0, PB_PAY_STATUS_APPROVED, 2000,
		    20261201, PB_ERULE, "PAY-18"},
		{"payment a penny more", 1, 0, 0, PB_PAY_STATUS_APPROVED, 2001,
		    20261201, PB_OK, NULL},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_debt_offset_facts f = { 2000, Dn(20261101), t[i].same, t[i].st,
		    t[i].in_run, t[i].has_offset, t[i].pay, Dn(t[i].due) };
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_debt_check_offset(&f, &p) == t[i].want, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, t[i].rule_or_field) == 0, t[i].name);
		if (t[i].want == PB_EINVAL)
			ROW(strcmp(p.errors[0].field, t[i].rule_or_field) == 0, t[i].name);
	}
	assert_int_equal(pb_debt_check_reduce(5000, 4999, NULL), PB_OK);
	assert_int_equal(pb_debt_check_reduce(5000, 1, NULL), PB_OK);
	assert_int_equal(pb_debt_check_reduce(5000, 5000, NULL), PB_EINVAL);
	assert_int_equal(pb_debt_check_reduce(5000, 0, NULL), PB_EINVAL);
	assert_int_equal(pb_debt_check_reduce(5000, 6000, NULL), PB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pay_enum_strings_round_trip),
		cmocka_unit_test(test_pay_enum_strings_refuse_unknown),
		cmocka_unit_test(test_pay_lifecycle_transition_table),
		cmocka_unit_test(test_BUD_9_status_money_effect),
		cmocka_unit_test(test_PAY_21_schedule_nth_dates),
		cmocka_unit_test(test_PAY_21_schedule_dates_in_window),
		cmocka_unit_test(test_PAY_24_schedule_projected_total),
		cmocka_unit_test(test_PAY_21_term_dates),
		cmocka_unit_test(test_PAY_valid_payments_pass),
		cmocka_unit_test(test_PAY_create_budget_must_be_approved),
		cmocka_unit_test(test_PAY_element_must_belong_to_budget),
		cmocka_unit_test(test_PAY_24_amount_must_be_positive),
		cmocka_unit_test(test_PAY_24_BUD_10_due_date_in_period_and_plan_life),
		cmocka_unit_test(test_PAY_1_direct_payment_pays_only_own_payee),
		cmocka_unit_test(test_PAY_10_refuses_council_payee),
		cmocka_unit_test(test_BUD_2_third_party_pays_organisation),
		cmocka_unit_test(test_PAY_8_direct_payment_needs_signed_agreement),
		cmocka_unit_test(test_PAY_6_school_premises_needs_head_teacher),
		cmocka_unit_test(test_PAY_11_household_relative_employment),
		cmocka_unit_test(test_PAY_16_recipient_rechecked_and_stops_bind),
		cmocka_unit_test(test_PAY_24_amount_within_remaining),
		cmocka_unit_test(test_PAY_create_checks_run_in_documented_order),
		cmocka_unit_test(test_PAY_18_recovery_never_more_than_spent),
		cmocka_unit_test(test_PAY_19_surplus_over_threshold),
		cmocka_unit_test(test_PAY_19_surplus_after_bills_contingency_and_debts),
		cmocka_unit_test(test_PAY_18_debt_lifecycle),
		cmocka_unit_test(test_PAY_24_recoverable_counts_open_debts),
		cmocka_unit_test(test_PAY_18_offset_and_reduce_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
