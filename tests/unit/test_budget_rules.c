/* SPDX-License-Identifier: MIT */
/*
 * test_budget_rules.c — unit tests for internal/budgets/rules.c.
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

#include "internal/budgets/rules.h"
#include "internal/core/date.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define NO PB_DATE_NONE

/* Fail with the row's name so a table failure points at its case. */
#define ROW(cond, name) do { \
	if (!(cond)) \
		fail_msg("case \"%s\": %s", (name), #cond); \
} while (0)

static int32_t D(int y, int m, int d)
{
	return pb_date_from_ymd(y, m, d);
}

/* YYYYMMDD as a day number; 0 is PB_DATE_NONE. */
static int32_t Dn(int ymd)
{
	return ymd == 0 ? NO : D(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static int has_field(const struct pb_problem *p, const char *field,
    const char *code)
{
	for (int i = 0; i < p->nerrors; i++) {
		if (strcmp(p->errors[i].field, field) == 0 &&
		    strcmp(p->errors[i].code, code) == 0)
			return 1;
	}
	return 0;
}

/* ---- strings ------------------------------------------------------------ */

static void test_budget_enum_strings_round_trip(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int v;
	} st[] = {
		{"draft", PB_BUDGET_STATUS_DRAFT},
		{"approved", PB_BUDGET_STATUS_APPROVED},
		{"suspended", PB_BUDGET_STATUS_SUSPENDED},
		{"closed", PB_BUDGET_STATUS_CLOSED},
	}, ar[] = {
		{"direct_payment", PB_ARR_DIRECT_PAYMENT},
		{"third_party", PB_ARR_THIRD_PARTY},
		{"notional", PB_ARR_NOTIONAL},
		{"mixed", PB_ARR_MIXED},
	}, sr[] = {
		{"education", PB_STREAM_EDUCATION},
		{"social_care", PB_STREAM_SOCIAL_CARE},
		{"health", PB_STREAM_HEALTH},
	}, ac[] = {
		{"approve", PB_BUDGET_ACTION_APPROVE},
		{"suspend", PB_BUDGET_ACTION_SUSPEND},
		{"resume", PB_BUDGET_ACTION_RESUME},
		{"close", PB_BUDGET_ACTION_CLOSE},
	}, pk[] = {
		{"individual", PB_BUDGET_PAYEE_INDIVIDUAL},
		{"organisation", PB_BUDGET_PAYEE_ORGANISATION},
	}, rl[] = {
		{"parent", PB_REL_PARENT},
		{"carer", PB_REL_CARER},
		{"young_person", PB_REL_YOUNG_PERSON},
		{"nominated_person", PB_REL_NOMINATED_PERSON},
	};

	for (size_t i = 0; i < NELEM(st); i++) {
		enum pb_budget_status v = 0;
		ROW(pb_budget_status_parse(st[i].s, strlen(st[i].s), &v) ==
		    PB_OK && (int)v == st[i].v, st[i].s);
		ROW(strcmp(pb_budget_status_str(v), st[i].s) == 0, st[i].s);
	}
	for (size_t i = 0; i < NELEM(ar); i++) {
		enum pb_arrangement v = 0;
		ROW(pb_arrangement_parse(ar[i].s, strlen(ar[i].s), &v) ==
		    PB_OK && (int)v == ar[i].v, ar[i].s);
		ROW(strcmp(pb_arrangement_str(v), ar[i].s) == 0, ar[i].s);
	}
	for (size_t i = 0; i < NELEM(sr); i++) {
		enum pb_stream v = 0;
		ROW(pb_stream_parse(sr[i].s, strlen(sr[i].s), &v) ==
		    PB_OK && (int)v == sr[i].v, sr[i].s);
		ROW(strcmp(pb_stream_str(v), sr[i].s) == 0, sr[i].s);
	}
	for (size_t i = 0; i < NELEM(ac); i++) {
		enum pb_budget_action v = 0;
		ROW(pb_budget_action_parse(ac[i].s, strlen(ac[i].s), &v) ==
		    PB_OK && (int)v == ac[i].v, ac[i].s);
		ROW(strcmp(pb_budget_action_str(v), ac[i].s) == 0, ac[i].s);
	}
	for (size_t i = 0; i < NELEM(pk); i++) {
		enum pb_budget_payee_kind v = 0;
		ROW(pb_budget_payee_kind_parse(pk[i].s, strlen(pk[i].s), &v) ==
		    PB_OK && (int)v == pk[i].v, pk[i].s);
		ROW(strcmp(pb_budget_payee_kind_str(v), pk[i].s) == 0, pk[i].s);
	}
	for (size_t i = 0; i < NELEM(rl); i++) {
		enum pb_relationship v = 0;
		ROW(pb_relationship_parse(rl[i].s, strlen(rl[i].s), &v) ==
		    PB_OK && (int)v == rl[i].v, rl[i].s);
		ROW(strcmp(pb_relationship_str(v), rl[i].s) == 0,
		    rl[i].s);
	}
}

static void test_budget_enum_strings_refuse_unknown(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "Draft", "DRAFT", "draf", "drafts", "draft ", " draft",
		"mixed_", "unknown",
	};
	for (size_t i = 0; i < NELEM(bad); i++) {
		enum pb_budget_status v = PB_BUDGET_STATUS_CLOSED;
		ROW(pb_budget_status_parse(bad[i], strlen(bad[i]), &v) ==
		    PB_EINVAL, bad[i]);
		ROW(v == PB_BUDGET_STATUS_CLOSED, bad[i]);
	}
	enum pb_stream s = 0;
	/* length-delimited: "healthy" with len 6 is "health" */
	assert_int_equal(pb_stream_parse("healthy", 6, &s), PB_OK);
	assert_int_equal(s, PB_STREAM_HEALTH);
	assert_int_equal(pb_stream_parse(NULL, 0, &s), PB_EINVAL);
	assert_int_equal(pb_stream_parse("social-care", 11, &s),
	    PB_EINVAL);
	assert_null(pb_budget_status_str(0));
	assert_null(pb_budget_status_str((enum pb_budget_status)99));
	assert_null(pb_arrangement_str(0));
	assert_null(pb_stream_str((enum pb_stream)4));
	assert_null(pb_relationship_str((enum pb_relationship)-1));
}

/* ---- lifecycle ---------------------------------------------------------- */

static void test_BUD_lifecycle_transition_table(void **state)
{
	(void)state;
	enum { DR = PB_BUDGET_STATUS_DRAFT, AP = PB_BUDGET_STATUS_APPROVED,
	    SU = PB_BUDGET_STATUS_SUSPENDED, CL = PB_BUDGET_STATUS_CLOSED };
	static const struct {
		const char *name;
		int from, action, to; /* to 0: refused */
	} t[] = {
		{"approve draft", DR, PB_BUDGET_ACTION_APPROVE, AP},
		{"approve approved", AP, PB_BUDGET_ACTION_APPROVE, 0},
		{"approve suspended", SU, PB_BUDGET_ACTION_APPROVE, 0},
		{"approve closed", CL, PB_BUDGET_ACTION_APPROVE, 0},
		{"suspend draft", DR, PB_BUDGET_ACTION_SUSPEND, 0},
		{"suspend approved", AP, PB_BUDGET_ACTION_SUSPEND, SU},
		{"suspend suspended", SU, PB_BUDGET_ACTION_SUSPEND, 0},
		{"suspend closed", CL, PB_BUDGET_ACTION_SUSPEND, 0},
		{"resume draft", DR, PB_BUDGET_ACTION_RESUME, 0},
		{"resume approved", AP, PB_BUDGET_ACTION_RESUME, 0},
		{"resume suspended", SU, PB_BUDGET_ACTION_RESUME, AP},
		{"resume closed", CL, PB_BUDGET_ACTION_RESUME, 0},
		{"close draft", DR, PB_BUDGET_ACTION_CLOSE, 0},
		{"close approved", AP, PB_BUDGET_ACTION_CLOSE, CL},
		{"close suspended", SU, PB_BUDGET_ACTION_CLOSE, CL},
		{"close closed", CL, PB_BUDGET_ACTION_CLOSE, 0},
		{"unknown status", 0, PB_BUDGET_ACTION_APPROVE, 0},
		{"unknown status 9", 9, PB_BUDGET_ACTION_CLOSE, 0},
		{"unknown action", AP, 0, 0},
		{"unknown action 7", SU, 7, 0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		enum pb_budget_status to = 0;
		pb_problem_init(&p);
		enum pb_err err = pb_budget_transition_allowed(
		    (enum pb_budget_status)t[i].from,
		    (enum pb_budget_action)t[i].action, &to, &p);
		if (t[i].to) {
			ROW(err == PB_OK, t[i].name);
			ROW((int)to == t[i].to, t[i].name);
			ROW(p.err == PB_OK, t[i].name);
		} else {
			ROW(err == PB_ETRANSITION, t[i].name);
			ROW(to == 0, t[i].name);
			ROW(p.err == PB_ETRANSITION, t[i].name);
			ROW(p.detail[0] != '\0', t[i].name);
		}
	}
}

static void test_BUD_lifecycle_refusal_says_what_and_why(void **state)
{
	(void)state;
	struct pb_problem p;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_transition_allowed(PB_BUDGET_STATUS_DRAFT,
	    PB_BUDGET_ACTION_SUSPEND, NULL, &p), PB_ETRANSITION);
	assert_string_equal(p.detail, "cannot suspend a budget that is draft");
	/* to and p may both be NULL */
	assert_int_equal(pb_budget_transition_allowed(PB_BUDGET_STATUS_CLOSED,
	    PB_BUDGET_ACTION_RESUME, NULL, NULL), PB_ETRANSITION);
	assert_int_equal(pb_budget_transition_allowed(PB_BUDGET_STATUS_DRAFT,
	    PB_BUDGET_ACTION_APPROVE, NULL, NULL), PB_OK);
}

/* ---- arrangement ---------------------------------------------------------- */

static void test_BUD_2_derive_arrangement(void **state)
{
	(void)state;
#define DP PB_ARR_DIRECT_PAYMENT
#define TP PB_ARR_THIRD_PARTY
#define NO_ PB_ARR_NOTIONAL
#define MX PB_ARR_MIXED
	static const struct {
		const char *name;
		size_t n;
		enum pb_arrangement a[3];
		enum pb_err want;
		int out;
	} t[] = {
		{"one dp", 1, {DP}, PB_OK, DP},
		{"one notional", 1, {NO_}, PB_OK, NO_},
		{"all third party", 3, {TP, TP, TP}, PB_OK, TP},
		{"dp + notional", 2, {DP, NO_}, PB_OK, MX},
		{"three differ", 3, {DP, TP, NO_}, PB_OK, MX},
		{"last differs", 3, {NO_, NO_, TP}, PB_OK, MX},
		{"empty", 0, {DP}, PB_EINVAL, 0},
		{"element mixed", 2, {DP, MX}, PB_EINVAL, 0},
		{"element zero", 1, {(enum pb_arrangement)0}, PB_EINVAL,
		    0},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		enum pb_arrangement out = 0;
		ROW(pb_budget_derive_arrangement(t[i].a, t[i].n, &out) ==
		    t[i].want, t[i].name);
		ROW((int)out == t[i].out, t[i].name);
	}
	enum pb_arrangement out = 0;
	assert_int_equal(pb_budget_derive_arrangement(NULL, 1, &out), PB_EINVAL);
#undef DP
#undef TP
#undef NO_
#undef MX
}

/* ---- elements ----------------------------------------------------------- */

static struct pb_budget_element_facts dp_ok(void)
{
	struct pb_budget_element_facts f;
	memset(&f, 0, sizeof(f));
	f.arrangement = PB_ARR_DIRECT_PAYMENT;
	f.recipient_person_id = "person-mum";
	f.payee_id = "payee-mum";
	f.has_agreement = 1;
	f.payee_kind = PB_BUDGET_PAYEE_INDIVIDUAL;
	f.payee_person_id = "person-mum";
	f.recipient.is_contact = 1;
	f.recipient.who.relationship = PB_REL_PARENT;
	f.recipient.who.has_parental_responsibility = 1;
	f.recipient.who.has_capacity = 1;
	f.recipient.who.able_to_manage = 1;
	f.recipient.stream = PB_STREAM_EDUCATION;
	f.recipient.child_dob = pb_date_from_ymd(2014, 5, 1);
	f.recipient.on = pb_date_from_ymd(2026, 9, 1);     /* aged 12 */
	return f;
}

static struct pb_budget_element_facts tp_ok(void)
{
	struct pb_budget_element_facts f;
	memset(&f, 0, sizeof(f));
	f.arrangement = PB_ARR_THIRD_PARTY;
	f.payee_id = "payee-trust";
	f.payee_kind = PB_BUDGET_PAYEE_ORGANISATION;
	return f;
}

static struct pb_budget_element_facts notional_ok(void)
{
	struct pb_budget_element_facts f;
	memset(&f, 0, sizeof(f));
	f.arrangement = PB_ARR_NOTIONAL;
	return f;
}

static void test_BUD_2_valid_elements_pass(void **state)
{
	(void)state;
	struct pb_budget_element_facts f[3] = {dp_ok(), tp_ok(), notional_ok()};
	for (size_t i = 0; i < NELEM(f); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		assert_int_equal(pb_budget_check_element(&f[i], i, &p), PB_OK);
		assert_int_equal(p.err, PB_OK);
		assert_int_equal(p.nerrors, 0);
	}
}

static void test_BUD_2_element_fields_required_or_forbidden(void **state)
{
	(void)state;
	struct pb_problem p;
	struct pb_budget_element_facts f;

	/* direct payment without recipient and payee: both reported */
	f = dp_ok();
	f.recipient_person_id = NULL;
	f.payee_id = "";
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 2, &p), PB_EINVAL);
	assert_int_equal(p.nerrors, 2);
	assert_true(has_field(&p, "elements[2].recipient_person_id", "required"));
	assert_true(has_field(&p, "elements[2].payee_id", "required"));

	/* third party: needs payee, must not name a recipient, no agreement */
	f = tp_ok();
	f.payee_id = NULL;
	f.recipient_person_id = "person-mum";
	f.has_agreement = 1;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 0, &p), PB_EINVAL);
	assert_int_equal(p.nerrors, 3);
	assert_true(has_field(&p, "elements[0].payee_id", "required"));
	assert_true(has_field(&p, "elements[0].recipient_person_id",
	    "not_allowed"));
	assert_true(has_field(&p, "elements[0].agreement", "not_allowed"));

	/* notional: neither payee nor recipient */
	f = notional_ok();
	f.payee_id = "payee-x";
	f.recipient_person_id = "person-x";
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 11, &p), PB_EINVAL);
	assert_true(has_field(&p, "elements[11].payee_id", "not_allowed"));
	assert_true(has_field(&p, "elements[11].recipient_person_id",
	    "not_allowed"));

	/* mixed or unknown is never an element arrangement */
	static const int bad[] = {PB_ARR_MIXED, 0, 42};
	for (size_t i = 0; i < NELEM(bad); i++) {
		f = notional_ok();
		f.arrangement = (enum pb_arrangement)bad[i];
		pb_problem_init(&p);
		assert_int_equal(pb_budget_check_element(&f, 1, &p), PB_EINVAL);
		assert_true(has_field(&p, "elements[1].arrangement", "invalid"));
	}
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
		{"dp private", PB_ARR_DIRECT_PAYMENT, 0, PB_OK},
		{"tp council", PB_ARR_THIRD_PARTY, 1, PB_ERULE},
		{"tp private", PB_ARR_THIRD_PARTY, 0, PB_OK},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_budget_element_facts f =
		    t[i].arrangement == PB_ARR_DIRECT_PAYMENT ?
		    dp_ok() : tp_ok();
		f.payee_is_local_authority = t[i].is_la;
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_check_element(&f, 0, &p) == t[i].want, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, "PAY-10") == 0, t[i].name);
	}
}

static void test_BUD_2_third_party_pays_organisation(void **state)
{
	(void)state;
	struct pb_budget_element_facts f = tp_ok();
	struct pb_problem p;

	f.payee_kind = PB_BUDGET_PAYEE_INDIVIDUAL;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 0, &p), PB_ERULE);
	assert_string_equal(p.rule, "BUD-2");
	f.payee_kind = 0;
	assert_int_equal(pb_budget_check_element(&f, 0, NULL), PB_ERULE);
	f.payee_kind = PB_BUDGET_PAYEE_ORGANISATION;
	assert_int_equal(pb_budget_check_element(&f, 0, NULL), PB_OK);
}

static void test_PAY_1_direct_payment_payee_is_recipient(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int kind;
		const char *payee_person;
		enum pb_err want;
	} t[] = {
		{"own individual payee", PB_BUDGET_PAYEE_INDIVIDUAL,
		    "person-mum", PB_OK},
		{"someone else", PB_BUDGET_PAYEE_INDIVIDUAL, "person-aunt",
		    PB_ERULE},
		{"payee without person", PB_BUDGET_PAYEE_INDIVIDUAL, NULL,
		    PB_ERULE},
		{"organisation payee", PB_BUDGET_PAYEE_ORGANISATION,
		    "person-mum", PB_ERULE},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_budget_element_facts f = dp_ok();
		f.payee_kind = (enum pb_budget_payee_kind)t[i].kind;
		f.payee_person_id = t[i].payee_person;
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_check_element(&f, 0, &p) == t[i].want, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, "PAY-1") == 0, t[i].name);
	}
}

static void test_PAY_1_recipient_is_parent_yp_or_written_nominee(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int contact, rel, pr, in_writing;
		int on_year;            /* 2026: aged 12; 2031: past compulsory school age */
		enum pb_stream stream;
		const char *want;       /* NULL: lawful */
	} t[] = {
		{"parent", 1, PB_REL_PARENT, 1, 0, 2026, PB_STREAM_EDUCATION, NULL},
		{"parent without PR, education", 1, PB_REL_PARENT, 0, 0, 2026,
		    PB_STREAM_EDUCATION, NULL},
		{"parent without PR, social care (PAY-12)", 1, PB_REL_PARENT, 0, 0, 2026,
		    PB_STREAM_SOCIAL_CARE, "PAY-12"},
		{"young person before the end of CSA", 1, PB_REL_YOUNG_PERSON, 0, 0, 2026,
		    PB_STREAM_EDUCATION, "PAY-1"},
		{"young person after CSA", 1, PB_REL_YOUNG_PERSON, 0, 0, 2031,
		    PB_STREAM_EDUCATION, NULL},
		{"parent after CSA, not nominated", 1, PB_REL_PARENT, 1, 0, 2031,
		    PB_STREAM_EDUCATION, "PAY-1"},
		{"parent after CSA, nominated by the YP", 1, PB_REL_PARENT, 1, 1, 2031,
		    PB_STREAM_EDUCATION, NULL},
		{"nominee in writing", 1, PB_REL_NOMINATED_PERSON, 0, 1, 2026,
		    PB_STREAM_EDUCATION, NULL},
		{"nominee not in writing", 1, PB_REL_NOMINATED_PERSON, 0, 0, 2026,
		    PB_STREAM_EDUCATION, "PAY-1"},
		{"representative not nominated", 1, PB_REL_REPRESENTATIVE, 0, 0, 2031,
		    PB_STREAM_EDUCATION, "PAY-1"},
		{"carer with PR", 1, PB_REL_CARER, 1, 0, 2026, PB_STREAM_SOCIAL_CARE, NULL},
		{"carer without PR: care of the child", 1, PB_REL_CARER, 0, 0, 2026,
		    PB_STREAM_EDUCATION, NULL},
		{"not a contact", 0, PB_REL_PARENT, 1, 0, 2026, PB_STREAM_EDUCATION, "PAY-1"},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_budget_element_facts f = dp_ok();
		f.recipient.is_contact = t[i].contact;
		f.recipient.who.relationship = (enum pb_relationship)t[i].rel;
		f.recipient.who.has_parental_responsibility = t[i].pr;
		f.recipient.who.named_in_writing = t[i].in_writing;
		f.recipient.stream = t[i].stream;
		f.recipient.on = pb_date_from_ymd(t[i].on_year, 9, 1);
		struct pb_problem p;
		pb_problem_init(&p);
		enum pb_err got = pb_budget_check_element(&f, 0, &p);
		ROW(got == (t[i].want ? PB_ERULE : PB_OK), t[i].name);
		if (t[i].want)
			ROW(strcmp(p.rule, t[i].want) == 0, t[i].name);
	}
}

static void test_PAY_3_consent_withdrawn(void **state)
{
	(void)state;
	struct pb_budget_element_facts f = dp_ok();
	struct pb_problem p;

	f.recipient.who.consent_withdrawn = 1;
	f.recipient.who.excluded = 1;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 0, &p), PB_ERULE);
	assert_string_equal(p.rule, "PAY-3");   /* consent first, then the rest */
}

static void test_PAY_2_recipient_able_to_manage(void **state)
{
	(void)state;
	struct pb_budget_element_facts f = dp_ok();
	struct pb_problem p;

	assert_int_equal(pb_budget_check_element(&f, 0, NULL), PB_OK);
	f.recipient.who.able_to_manage = 0;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 0, &p), PB_ERULE);
	assert_string_equal(p.rule, "PAY-2");
	assert_int_equal(p.err, PB_ERULE);
}

static void test_PAY_4_recipient_not_excluded(void **state)
{
	(void)state;
	struct pb_budget_element_facts f = dp_ok();
	struct pb_problem p;

	f.recipient.who.excluded = 1;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_check_element(&f, 0, &p), PB_ERULE);
	assert_string_equal(p.rule, "PAY-4");
	/* exclusion only matters for direct payments */
	struct pb_budget_element_facts t = tp_ok();
	t.recipient.who.excluded = 1;
	assert_int_equal(pb_budget_check_element(&t, 0, NULL), PB_OK);
}

static void test_BUD_3_agreement_fields(void **state)
{
	(void)state;
	static const char *const one[] = {"attends school daily"};
	static const char *const blanks[] = {"", ""};
	static const char *const mixed[] = {"", "walks to school"};
	static const struct {
		const char *name;
		const char *provision;
		const char *const *outcomes;
		size_t n;
		int school;
		int32_t ht;
		enum pb_err want;
		const char *field;
	} t[] = {
		{"complete", "taxi to school", one, 1, 0, NO, PB_OK, NULL},
		{"school with head teacher", "TA hours", one, 1, 1, 20000,
		    PB_OK, NULL},
		{"school, head teacher later", "TA hours", one, 1, 1, NO,
		    PB_OK, NULL},
		{"one non-blank outcome", "taxi", mixed, 2, 0, NO, PB_OK, NULL},
		{"no provision", "", one, 1, 0, NO, PB_EINVAL,
		    "elements[0].agreement.agreed_provision"},
		{"NULL provision", NULL, one, 1, 0, NO, PB_EINVAL,
		    "elements[0].agreement.agreed_provision"},
		{"no outcomes", "taxi", NULL, 0, 0, NO, PB_EINVAL,
		    "elements[0].agreement.outcomes"},
		{"blank outcomes", "taxi", blanks, 2, 0, NO, PB_EINVAL,
		    "elements[0].agreement.outcomes"},
		{"head teacher without school", "taxi", one, 1, 0, 20000,
		    PB_EINVAL, "elements[0].agreement.head_teacher_agreed_on"},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_budget_agreement a = {
			.agreed_provision = t[i].provision,
			.outcomes = t[i].outcomes, .noutcomes = t[i].n,
			.signed_on = NO, .school_premises = t[i].school,
			.head_teacher_agreed_on = t[i].ht,
		};
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_check_agreement(&a, 0, &p) == t[i].want,
		    t[i].name);
		if (t[i].field)
			ROW(p.nerrors >= 1 &&
			    strcmp(p.errors[0].field, t[i].field) == 0,
			    t[i].name);
		else
			ROW(p.nerrors == 0, t[i].name);
	}
}

/* ---- periods ------------------------------------------------------------ */

static void test_BUD_10_period_within_plan_life(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int32_t s, e, plan_start, ceased;
		enum pb_err want;
		const char *rule;
	} t[] = {
		{"inside open plan", 20000, 20364, 19000, NO, PB_OK, ""},
		{"one day", 20000, 20000, 20000, 20000, PB_OK, ""},
		{"starts on plan start", 19000, 19100, 19000, NO, PB_OK, ""},
		{"ends on ceased_on", 19000, 19100, 18000, 19100, PB_OK, ""},
		{"end before start", 20001, 20000, NO, NO, PB_EINVAL, ""},
		{"before plan", 18999, 19100, 19000, NO, PB_ERULE, "BUD-10"},
		{"after cessation", 19000, 19101, 18000, 19100, PB_ERULE,
		    "BUD-10"},
		{"no bounds", -5000, 60000, NO, NO, PB_OK, ""},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_check_period(t[i].s, t[i].e, t[i].plan_start,
		    t[i].ceased, &p) == t[i].want, t[i].name);
		ROW(strcmp(p.rule, t[i].rule) == 0, t[i].name);
		if (t[i].want == PB_EINVAL)
			ROW(has_field(&p, "period_end", "invalid"), t[i].name);
	}
}

static void test_BUD_10_period_overlap(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int32_t as, ae, bs, be;
		int want;
	} t[] = {
		{"identical", 10, 20, 10, 20, 1},
		{"touch at end", 10, 20, 20, 30, 1},
		{"touch at start", 20, 30, 10, 20, 1},
		{"adjacent", 10, 19, 20, 30, 0},
		{"inside", 10, 40, 20, 30, 1},
		{"disjoint", 10, 15, 20, 30, 0},
		{"empty a", 20, 10, 0, 100, 0},
		{"empty b", 0, 100, 20, 10, 0},
		{"single days equal", 5, 5, 5, 5, 1},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		ROW(pb_budget_periods_overlap(t[i].as, t[i].ae, t[i].bs,
		    t[i].be) == t[i].want, t[i].name);
		ROW(pb_budget_periods_overlap(t[i].bs, t[i].be, t[i].as,
		    t[i].ae) == t[i].want, t[i].name); /* symmetric */
	}
}

/* ---- totals ------------------------------------------------------------- */

static void test_BUD_9_remaining_arithmetic(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int64_t a, c, s;
		enum pb_err want;
		int64_t rem;
	} t[] = {
		{"all zero", 0, 0, 0, PB_OK, 0},
		{"untouched", 100000, 0, 0, PB_OK, 100000},
		{"part used", 100000, 2500, 7500, PB_OK, 90000},
		{"exactly used", 100000, 40000, 60000, PB_OK, 0},
		{"one over", 100000, 40000, 60001, PB_ERULE, -1},
		{"commit over", 10, 11, 0, PB_ERULE, -1},
		{"negative allocated", -1, 0, 0, PB_ERULE, -1},
		{"negative committed", 10, -1, 0, PB_ERULE, -1},
		{"negative spent", 10, 0, -1, PB_ERULE, -1},
		{"api max", PB_MAX_PENCE, 1, PB_MAX_PENCE - 1,
		    PB_OK, 0},
		{"total max", INT64_MAX / 4, 0, 0, PB_OK, INT64_MAX / 4},
		{"above total max", INT64_MAX / 4 + 1, 0, 0, PB_ERULE, -1},
		{"int64 max", INT64_MAX, INT64_MAX, INT64_MAX, PB_ERULE, -1},
		{"int64 min", INT64_MIN, 0, 0, PB_ERULE, -1},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_budget_totals x = {t[i].a, t[i].c, t[i].s, -1};
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_totals_compute(&x, &p) == t[i].want, t[i].name);
		ROW(x.remaining_pence == t[i].rem, t[i].name);
		if (t[i].want == PB_ERULE)
			ROW(strcmp(p.rule, "BUD-9") == 0, t[i].name);
	}
}

static void test_BUD_9_budget_is_sum_of_elements(void **state)
{
	(void)state;
	struct pb_budget_totals e[3] = {
		{100000, 10000, 20000, 70000},
		{50000, 0, 50000, 0},
		{0, 0, 0, 0},
	};
	struct pb_budget_totals sum, b = {150000, 10000, 70000, 70000};
	struct pb_problem p;

	assert_int_equal(pb_budget_totals_sum(e, 3, &sum, NULL), PB_OK);
	assert_true(sum.allocated_pence == 150000);
	assert_true(sum.committed_pence == 10000);
	assert_true(sum.spent_pence == 70000);
	assert_true(sum.remaining_pence == 70000);
	assert_int_equal(pb_budget_totals_check(&b, e, 3, NULL), PB_OK);

	/* empty budget sums to zero */
	assert_int_equal(pb_budget_totals_sum(NULL, 0, &sum, NULL), PB_OK);
	assert_true(sum.allocated_pence == 0 && sum.remaining_pence == 0);

	/* budget figures that disagree with the elements */
	b.spent_pence = 70001;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_totals_check(&b, e, 3, &p), PB_ERULE);
	assert_string_equal(p.rule, "BUD-9");

	/* an element whose remaining is stale */
	b.spent_pence = 70000;
	e[1].remaining_pence = 1;
	assert_int_equal(pb_budget_totals_check(&b, e, 3, NULL), PB_ERULE);
	e[1].remaining_pence = 0;

	/* an overspent element */
	e[2].spent_pence = 1;
	e[2].remaining_pence = -1;
	pb_problem_init(&p);
	assert_int_equal(pb_budget_totals_sum(e, 3, &sum, &p), PB_ERULE);
	assert_string_equal(p.rule, "BUD-9");

	/* a sum that would pass the arithmetic limit */
	struct pb_budget_totals big[2] = {
		{INT64_MAX / 4, 0, 0, INT64_MAX / 4},
		{1, 0, 0, 1},
	};
	assert_int_equal(pb_budget_totals_sum(big, 2, &sum, NULL), PB_ERULE);
}

/* ---- PAY-14 reviews ----------------------------------------------------- */

static void test_PAY_14_next_review_due(void **state)
{
	(void)state;
	/* dates as YYYYMMDD, 0 = absent */
	static const struct {
		const char *name;
		int first, plan, want;
	} t[] = {
		{"no payment, no plan review", 0, 0, 0},
		{"no payment: plan review", 0, 20240601, 20240601},
		{"3 months after first payment", 20240115, 0, 20240415},
		{"earlier plan review wins", 20240115, 20240301, 20240301},
		{"3-month review before plan review", 20240115, 20241201, 20240415},
		{"30 Nov + 3 months, leap", 20231130, 0, 20240229},
		{"30 Nov + 3 months, common", 20241130, 0, 20250228},
		{"31 Dec + 3 months", 20241231, 0, 20250331},
		{"31 Oct + 3 months crosses year", 20241031, 0, 20250131},
	};

	for (size_t i = 0; i < NELEM(t); i++)
		ROW(pb_budget_next_review_due(Dn(t[i].first), Dn(t[i].plan)) == Dn(t[i].want),
		    t[i].name);
}

/* The kept answer of GET /v1/reviews/due is right on every day until
 * pb_agreement_review_holds_until: for facts drawn over every stream, age
 * and history, the rule asked on each later day (the child 18 from
 * adult_on) answers as on the first day until the day it names. */
static void test_PAY_13_14_22_review_answer_holds_until_its_day(void **state)
{
	static const int streams[] = { PB_STREAM_EDUCATION, PB_STREAM_SOCIAL_CARE,
	    PB_STREAM_HEALTH };
	uint32_t seed = 12345;
	int lapsed = 0;

	(void)state;
	for (int n = 0; n < 600; n++) {
		struct pb_review_facts f;
		int32_t base = Dn(20260101);
#define RND(m) ((int32_t)((seed = seed * 1103515245u + 12345u) >> 8) % (m))
		f.stream = (enum pb_stream)streams[RND(3)];
		f.today = base + RND(400);
		f.adult_on = RND(4) == 0 ? PB_DATE_NONE : base + RND(900) - 200;
		f.adult = f.adult_on != PB_DATE_NONE && f.adult_on <= f.today;
		f.first_payment = RND(4) == 0 ? PB_DATE_NONE : base + RND(500) - 100;
		f.last_review = RND(3) == 0 ? PB_DATE_NONE : base + RND(500) - 100;
		f.plan_next_review = RND(3) == 0 ? PB_DATE_NONE : base + RND(700) - 100;
#undef RND
		const char *r0 = NULL, *b0 = NULL;
		int32_t due0 = pb_agreement_next_review(&f, &r0, &b0);
		int32_t until = pb_agreement_review_holds_until(&f);
		int32_t last = until == PB_DATE_NONE ? f.today + 800 : until;

		assert_true(until == PB_DATE_NONE || until > f.today);
		for (int32_t d = f.today; d <= last; d++) {
			struct pb_review_facts g = f;
			const char *r = NULL, *b = NULL;
			g.today = d;
			g.adult = g.adult_on != PB_DATE_NONE && g.adult_on <= d;
			int32_t due = pb_agreement_next_review(&g, &r, &b);
			if (d == until) {
				lapsed += due != due0 || strcmp(r, r0) != 0;
				break;
			}
			ROW(due == due0 && strcmp(r, r0) == 0 && strcmp(b, b0) == 0,
			    "the answer holds until its day");
		}
	}
	assert_true(lapsed > 0);   /* some 18th birthdays do move the answer */
}

/* ---- exceptions --------------------------------------------------------- */

static void test_PAY_11_only_rule_with_exception_route(void **state)
{
	(void)state;
	static const struct {
		const char *name, *rule, *reason;
		enum pb_err want;
		const char *prob_rule, *field;
	} t[] = {
		{"PAY-11 with reason", "PAY-11", "no other carer available",
		    PB_OK, "", NULL},
		{"PAY-11 blank reason", "PAY-11", " \t", PB_EINVAL, "",
		    "reason"},
		{"PAY-11 NULL reason", "PAY-11", NULL, PB_EINVAL, "", "reason"},
		{"PAY-10 has no route", "PAY-10", "because", PB_ERULE, "PAY-10",
		    NULL},
		{"PAY-1 has no route", "PAY-1", "because", PB_ERULE, "PAY-1",
		    NULL},
		{"ELIG-12 has no route", "ELIG-12", "because", PB_ERULE,
		    "ELIG-12", NULL},
		{"BUD-9 has no route", "BUD-9", "because", PB_ERULE, "BUD-9",
		    NULL},
		{"REP-1 has no route", "REP-1", "because", PB_ERULE, "REP-1",
		    NULL},
		{"PAY-25 does not exist", "PAY-25", "x", PB_EINVAL, "", "rule"},
		{"PAY-0", "PAY-0", "x", PB_EINVAL, "", "rule"},
		{"PAY-011 leading zero", "PAY-011", "x", PB_EINVAL, "", "rule"},
		{"lower case", "pay-11", "x", PB_EINVAL, "", "rule"},
		{"no number", "PAY-", "x", PB_EINVAL, "", "rule"},
		{"garbage", "DROP TABLE", "x", PB_EINVAL, "", "rule"},
		{"empty", "", "x", PB_EINVAL, "", "rule"},
		{"trailing space", "PAY-11 ", "x", PB_EINVAL, "", "rule"},
	};

	for (size_t i = 0; i < NELEM(t); i++) {
		struct pb_problem p;
		pb_problem_init(&p);
		ROW(pb_budget_check_exception(t[i].rule, strlen(t[i].rule),
		    t[i].reason, &p) == t[i].want, t[i].name);
		ROW(strcmp(p.rule, t[i].prob_rule) == 0, t[i].name);
		if (t[i].field)
			ROW(has_field(&p, t[i].field, t[i].field[0] == 'r' &&
			    t[i].field[1] == 'e' ? "required" : "invalid"),
			    t[i].name);
	}
	assert_true(pb_budget_rule_accepts_exception("PAY-11", 6));
	assert_false(pb_budget_rule_accepts_exception("PAY-11x", 7));
	assert_false(pb_budget_rule_accepts_exception("PAY-1", 5));
	assert_false(pb_budget_rule_accepts_exception(NULL, 0));
	assert_int_equal(pb_budget_check_exception(NULL, 0, "x", NULL),
	    PB_EINVAL);
}

/* --- variations (BUD-7, BUD-8, BUD-9) ---------------------------------------- */

static void test_BUD_8_variation_transition_table(void **state)
{
	enum pb_variation_status to = 0;
	struct pb_problem p;

	(void)state;
	assert_int_equal(pb_variation_transition(PB_VARIATION_PENDING, PB_VARIATION_APPROVE, 0, 0,
	    &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_NOTICE);
	assert_int_equal(pb_variation_transition(PB_VARIATION_PENDING, PB_VARIATION_REJECT, 1, 0,
	    &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_REJECTED);
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_ASK, 1, 0,
	    &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_RECONSIDERATION);
	assert_int_equal(pb_variation_transition(PB_VARIATION_RECONSIDERATION,
	    PB_VARIATION_UPHOLD, 1, 1, &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_NOTICE);
	assert_int_equal(pb_variation_transition(PB_VARIATION_RECONSIDERATION,
	    PB_VARIATION_OVERTURN, 1, 1, &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_WITHDRAWN);
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_APPLY, 0, 0,
	    &to, NULL), PB_OK);
	assert_int_equal(to, PB_VARIATION_APPLIED);
	/* one reconsideration, and only of a cut that needed notice */
	pb_problem_init(&p);
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_ASK, 1, 1,
	    &to, &p), PB_ECONFLICT);
	assert_string_equal(p.rule, "BUD-8");
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_ASK, 0, 0,
	    &to, NULL), PB_ETRANSITION);
	/* terminal states and wrong moves */
	static const enum pb_variation_status terminal[] = { PB_VARIATION_REJECTED,
	    PB_VARIATION_APPLIED, PB_VARIATION_WITHDRAWN };
	for (size_t i = 0; i < 3; i++)
		for (int a = PB_VARIATION_APPROVE; a <= PB_VARIATION_APPLY; a++)
			assert_int_equal(pb_variation_transition(terminal[i],
			    (enum pb_variation_action)a, 1, 0, &to, NULL), PB_ETRANSITION);
	assert_int_equal(pb_variation_transition(PB_VARIATION_PENDING, PB_VARIATION_APPLY, 0, 0,
	    &to, NULL), PB_ETRANSITION);
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_APPROVE, 0, 0,
	    &to, NULL), PB_ETRANSITION);
	assert_int_equal(pb_variation_transition(PB_VARIATION_NOTICE, PB_VARIATION_UPHOLD, 1, 0,
	    &to, NULL), PB_ETRANSITION);
	pb_problem_init(&p);
	assert_int_equal(pb_variation_transition((enum pb_variation_status)0,
	    PB_VARIATION_APPROVE, 0, 0, &to, &p), PB_ETRANSITION);
	assert_non_null(strstr(p.detail, "unknown"));
}

static void test_BUD_9_variation_lines(void **state)
{
	struct pb_problem p;
	int notice = -1, reduces = -1;
	struct pb_variation_line l[3] = {
		{ PB_VARIATION_CHANGE, PB_ARR_THIRD_PARTY, 0, 10000, 3000, 2000, 12000, "a" },
		{ PB_VARIATION_ADD, PB_ARR_NOTIONAL, 0, 0, 0, 0, 500, "b" },
		{ PB_VARIATION_CHANGE, PB_ARR_DIRECT_PAYMENT, 0, 10000, 0, 0, 20000, "c" },
	};

	(void)state;
	/* increases only: no notice, nothing reduced */
	pb_problem_init(&p);
	assert_int_equal(pb_variation_check_lines(l, 3, &notice, &reduces, &p), PB_OK);
	assert_int_equal(notice, 0);
	assert_int_equal(reduces, 0);
	/* a third-party cut to exactly committed + spent: allowed, no notice */
	l[0].new_allocated_pence = 5000;
	assert_int_equal(pb_variation_check_lines(l, 3, &notice, &reduces, &p), PB_OK);
	assert_int_equal(notice, 0);
	assert_int_equal(reduces, 1);
	/* one penny below: BUD-9 on the line's field */
	l[0].new_allocated_pence = 4999;
	pb_problem_init(&p);
	assert_int_equal(pb_variation_check_lines(l, 3, &notice, &reduces, &p), PB_ERULE);
	assert_string_equal(p.rule, "BUD-9");
	assert_int_equal(p.nerrors, 1);
	assert_string_equal(p.errors[0].field, "a");
	/* a direct payment cut needs notice (BUD-8) */
	l[0].new_allocated_pence = 12000;
	l[2].new_allocated_pence = 9000;
	assert_int_equal(pb_variation_check_lines(l, 3, &notice, &reduces, NULL), PB_OK);
	assert_int_equal(notice, 1);
	assert_int_equal(reduces, 1);
	/* ending a direct payment too; ending a notional one does not */
	l[2].kind = PB_VARIATION_END;
	assert_int_equal(pb_variation_check_lines(&l[2], 1, &notice, &reduces, NULL), PB_OK);
	assert_int_equal(notice, 1);
	l[2].arrangement = PB_ARR_NOTIONAL;
	assert_int_equal(pb_variation_check_lines(&l[2], 1, &notice, &reduces, NULL), PB_OK);
	assert_int_equal(notice, 0);
	assert_int_equal(reduces, 1);
	/* the same amount is no change; a stopped element cannot be varied */
	l[0].new_allocated_pence = 10000;
	pb_problem_init(&p);
	assert_int_equal(pb_variation_check_lines(l, 1, &notice, &reduces, &p), PB_EINVAL);
	assert_string_equal(p.errors[0].code, "unchanged");
	l[0].stopped = 1;
	l[0].new_allocated_pence = 11000;
	assert_int_equal(pb_variation_check_lines(l, 1, &notice, &reduces, NULL), PB_ETRANSITION);
}

static void test_BUD_8_takes_effect_after_notice(void **state)
{
	int32_t d = pb_date_from_ymd(2026, 12, 3);

	(void)state;
	/* an increase: on approval, whatever effective_from says */
	assert_int_equal(pb_variation_takes_effect_on(d + 10, d, 0, 0, 28), d);
	/* a cut without notice (not a direct payment): on effective_from, not before approval */
	assert_int_equal(pb_variation_takes_effect_on(d + 10, d, 0, 1, 28), d + 10);
	assert_int_equal(pb_variation_takes_effect_on(d - 10, d, 0, 1, 28), d);
	/* a direct-payment cut: notice + the council's period, or later */
	assert_int_equal(pb_variation_takes_effect_on(d + 3, d, 1, 1, 28), d + 28);
	assert_int_equal(pb_variation_takes_effect_on(d + 40, d, 1, 1, 28), d + 40);
	assert_int_equal(pb_variation_takes_effect_on(d - 5, d, 1, 1, 0), d);
}

static void test_PAY_16_17_stop_grounds(void **state)
{
	struct pb_problem p;
	int notice = -1;
	enum pb_stop_ground g = 0;

	(void)state;
	assert_string_equal(pb_stop_rule_of(PB_STOP_CONSENT_WITHDRAWN), "PAY-16");
	assert_string_equal(pb_stop_rule_of(PB_STOP_NO_LONGER_QUALIFIES), "PAY-16");
	assert_string_equal(pb_stop_rule_of(PB_STOP_NOT_USED), "PAY-16");
	assert_string_equal(pb_stop_rule_of(PB_STOP_ADVERSE_IMPACT), "PAY-17");
	assert_string_equal(pb_stop_rule_of(PB_STOP_INEFFICIENCY), "PAY-17");
	assert_null(pb_stop_rule_of((enum pb_stop_ground)0));
	assert_int_equal(pb_stop_ground_parse("inefficiency", 12, &g), PB_OK);
	assert_int_equal(g, PB_STOP_INEFFICIENCY);
	assert_int_equal(pb_stop_ground_parse("Inefficiency", 12, &g), PB_EINVAL);
	/* PAY-16 at once, PAY-17 with notice */
	assert_int_equal(pb_stop_check("PAY-16", PB_STOP_CONSENT_WITHDRAWN,
	    PB_ARR_DIRECT_PAYMENT, 0, &notice, NULL), PB_OK);
	assert_int_equal(notice, 0);
	assert_int_equal(pb_stop_check("PAY-17", PB_STOP_ADVERSE_IMPACT,
	    PB_ARR_DIRECT_PAYMENT, 0, &notice, NULL), PB_OK);
	assert_int_equal(notice, 1);
	/* the ground must be of the rule */
	pb_problem_init(&p);
	assert_int_equal(pb_stop_check("PAY-16", PB_STOP_INEFFICIENCY, PB_ARR_DIRECT_PAYMENT, 0,
	    &notice, &p), PB_EINVAL);
	assert_string_equal(p.errors[0].field, "ground");
	assert_int_equal(pb_stop_check("PAY-17", PB_STOP_NOT_USED, PB_ARR_DIRECT_PAYMENT, 0,
	    &notice, NULL), PB_EINVAL);
	assert_int_equal(pb_stop_check(NULL, PB_STOP_NOT_USED, PB_ARR_DIRECT_PAYMENT, 0,
	    &notice, NULL), PB_EINVAL);
	/* only an active direct payment */
	assert_int_equal(pb_stop_check("PAY-16", PB_STOP_NOT_USED, PB_ARR_THIRD_PARTY, 0,
	    &notice, NULL), PB_ETRANSITION);
	assert_int_equal(pb_stop_check("PAY-16", PB_STOP_NOT_USED, PB_ARR_DIRECT_PAYMENT, 1,
	    &notice, NULL), PB_ETRANSITION);
}

static void test_PAY_13_14_22_agreement_next_review(void **state)
{
	const char *rule = NULL, *from = NULL;
	struct pb_review_facts f = { PB_STREAM_HEALTH, 0, Dn(20260115), PB_DATE_NONE,
	    Dn(20261101), Dn(20260201), PB_DATE_NONE };

	(void)state;
	/* PAY-13 health: 3 months after the first payment, then 12 after each review */
	assert_int_equal(pb_agreement_next_review(&f, &rule, &from), Dn(20260415));
	assert_string_equal(rule, "PAY-13");
	assert_string_equal(from, "first_payment");
	f.today = Dn(20260601);   /* overdue stays due */
	assert_int_equal(pb_agreement_next_review(&f, NULL, NULL), Dn(20260415));
	f.last_review = Dn(20260410);
	assert_int_equal(pb_agreement_next_review(&f, &rule, &from), Dn(20270410));
	assert_string_equal(from, "last_review");
	f.last_review = Dn(20260101);   /* before the first payment: does not count */
	assert_int_equal(pb_agreement_next_review(&f, NULL, NULL), Dn(20260415));
	f.first_payment = PB_DATE_NONE;
	assert_int_equal(pb_agreement_next_review(&f, NULL, NULL), PB_DATE_NONE);
	/* PAY-22 adult social care: 6 months, then 12-monthly */
	struct pb_review_facts a = { PB_STREAM_SOCIAL_CARE, 1, Dn(20260131), PB_DATE_NONE,
	    PB_DATE_NONE, Dn(20260201), Dn(20251001) };
	assert_int_equal(pb_agreement_next_review(&a, &rule, NULL), Dn(20260731));
	assert_string_equal(rule, "PAY-22");
	a.last_review = Dn(20260720);
	assert_int_equal(pb_agreement_next_review(&a, NULL, NULL), Dn(20270720));
	/* PAY-14: a child's social care or education follows the plan reviews */
	struct pb_review_facts s = { PB_STREAM_SOCIAL_CARE, 0, Dn(20260115), PB_DATE_NONE,
	    Dn(20261101), Dn(20260201), Dn(20300301) };
	assert_int_equal(pb_agreement_next_review(&s, &rule, &from), Dn(20260415));
	assert_string_equal(rule, "PAY-14");
	assert_string_equal(from, "first_payment");
	s.today = Dn(20260501);   /* the 3-month review not held: it stays due */
	assert_int_equal(pb_agreement_next_review(&s, NULL, &from), Dn(20260415));
	assert_string_equal(from, "first_payment");
	s.today = Dn(20260201);
	/* the answer lapses on the 18th birthday (PAY-22 from then), not before */
	assert_int_equal(pb_agreement_review_holds_until(&s), Dn(20300301));
	assert_int_equal(pb_agreement_review_holds_until(&a), PB_DATE_NONE);
	assert_int_equal(pb_agreement_review_holds_until(&f), PB_DATE_NONE);
	s.last_review = Dn(20260414);   /* the 3-month review held: the plan review next */
	assert_int_equal(pb_agreement_next_review(&s, NULL, &from), Dn(20261101));
	assert_string_equal(from, "plan_review");
	s.last_review = Dn(20261102);   /* the plan review held too: none scheduled */
	assert_int_equal(pb_agreement_next_review(&s, NULL, NULL), PB_DATE_NONE);
	s.last_review = PB_DATE_NONE;
	s.first_payment = PB_DATE_NONE;   /* nothing paid: the plan review */
	assert_int_equal(pb_agreement_next_review(&s, NULL, &from), Dn(20261101));
	assert_string_equal(from, "plan_review");
}

static void test_PAY_15_review_checks(void **state)
{
	int all[PB_REVIEW_CHECKS] = { 1, 1, 1, 1, 1 };
	int unmet[PB_REVIEW_CHECKS] = { 1, 1, 0, 1, 0 };
	struct pb_problem p;

	(void)state;
	assert_int_equal(pb_review_check_outcome("continue", all, NULL), PB_OK);
	assert_int_equal(pb_review_check_outcome("reduce", unmet, NULL), PB_OK);
	assert_int_equal(pb_review_check_outcome("stop", all, NULL), PB_OK);
	pb_problem_init(&p);
	assert_int_equal(pb_review_check_outcome("continue", unmet, &p), PB_ERULE);
	assert_string_equal(p.rule, "PAY-15");
	assert_string_equal(p.errors[0].field, "checks.sufficient");
	assert_int_equal(pb_review_check_outcome("carry on", all, NULL), PB_EINVAL);
	assert_int_equal(pb_review_check_outcome(NULL, all, NULL), PB_EINVAL);
	assert_string_equal(pb_review_check_names[PB_REVIEW_PAY5_CONDITIONS_MET],
	    "pay5_conditions_met");
	assert_null(pb_review_check_names[PB_REVIEW_CHECKS]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_enum_strings_round_trip),
		cmocka_unit_test(test_budget_enum_strings_refuse_unknown),
		cmocka_unit_test(test_BUD_lifecycle_transition_table),
		cmocka_unit_test(test_BUD_lifecycle_refusal_says_what_and_why),
		cmocka_unit_test(test_BUD_2_derive_arrangement),
		cmocka_unit_test(test_BUD_2_valid_elements_pass),
		cmocka_unit_test(test_BUD_2_element_fields_required_or_forbidden),
		cmocka_unit_test(test_PAY_10_refuses_council_payee),
		cmocka_unit_test(test_BUD_2_third_party_pays_organisation),
		cmocka_unit_test(test_PAY_1_direct_payment_payee_is_recipient),
		cmocka_unit_test(test_PAY_1_recipient_is_parent_yp_or_written_nominee),
		cmocka_unit_test(test_PAY_2_recipient_able_to_manage),
		cmocka_unit_test(test_PAY_3_consent_withdrawn),
		cmocka_unit_test(test_PAY_4_recipient_not_excluded),
		cmocka_unit_test(test_BUD_3_agreement_fields),
		cmocka_unit_test(test_BUD_10_period_within_plan_life),
		cmocka_unit_test(test_BUD_10_period_overlap),
		cmocka_unit_test(test_BUD_9_remaining_arithmetic),
		cmocka_unit_test(test_BUD_9_budget_is_sum_of_elements),
		cmocka_unit_test(test_PAY_14_next_review_due),
		cmocka_unit_test(test_PAY_13_14_22_review_answer_holds_until_its_day),
		cmocka_unit_test(test_PAY_11_only_rule_with_exception_route),
		cmocka_unit_test(test_BUD_8_variation_transition_table),
		cmocka_unit_test(test_BUD_9_variation_lines),
		cmocka_unit_test(test_BUD_8_takes_effect_after_notice),
		cmocka_unit_test(test_PAY_16_17_stop_grounds),
		cmocka_unit_test(test_PAY_13_14_22_agreement_next_review),
		cmocka_unit_test(test_PAY_15_review_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
