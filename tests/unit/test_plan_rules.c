/* SPDX-License-Identifier: MIT */
/* test_plan_rules.c — EHC plan lifecycle (domain.md §4): the full grid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal/records/rules.h"

/* allowed[from][to] per domain.md §4 */
static const int allowed[4][4] = {
	/* to:            AA  IS  UR  CE */
	/* from AA */   { 0,  1,  0,  1 },
	/* from IS */   { 0,  0,  1,  1 },
	/* from UR */   { 0,  1,  0,  1 },
	/* from CE */   { 0,  0,  0,  0 },
};

static void test_PLAN_lifecycle_grid(void **state)
{
	(void)state;
	for (int from = 0; from < 4; from++)
		for (int to = 0; to < 4; to++) {
			struct pb_problem p;
			pb_problem_init(&p);
			enum pb_err err = pb_plan_transition((enum pb_plan_status)(from + 1),
			    (enum pb_plan_status)(to + 1), &p);
			if (allowed[from][to]) {
				assert_int_equal(err, PB_OK);
				assert_int_equal(p.err, PB_OK);
			} else {
				assert_int_equal(err, PB_ETRANSITION);
				assert_int_equal(p.err, PB_ETRANSITION);
				assert_true(p.detail[0] != '\0');
			}
		}
}

static void test_PLAN_initial_status(void **state)
{
	(void)state;
	assert_true(pb_plan_initial_status_ok(PB_PLAN_ASSESSMENT_AGREED));
	assert_true(pb_plan_initial_status_ok(PB_PLAN_ISSUED));
	assert_false(pb_plan_initial_status_ok(PB_PLAN_UNDER_REVIEW));
	assert_false(pb_plan_initial_status_ok(PB_PLAN_CEASED));
}

static void test_PLAN_status_names(void **state)
{
	(void)state;
	enum pb_plan_status s = 0;
	assert_int_equal(pb_plan_status_parse("under_review", 12, &s), PB_OK);
	assert_int_equal(s, PB_PLAN_UNDER_REVIEW);
	assert_int_equal(pb_plan_status_parse("ceased", 6, &s), PB_OK);
	assert_int_equal(s, PB_PLAN_CEASED);
	assert_int_equal(pb_plan_status_parse("Ceased", 6, &s), PB_EINVAL);
	assert_int_equal(pb_plan_status_parse("", 0, &s), PB_EINVAL);
	assert_string_equal(pb_plan_status_str(PB_PLAN_ISSUED), "issued");
	assert_null(pb_plan_status_str((enum pb_plan_status)0));
	struct pb_problem p;
	pb_problem_init(&p);
	assert_int_equal(pb_plan_transition((enum pb_plan_status)0, PB_PLAN_ISSUED, &p),
	    PB_ETRANSITION);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_PLAN_lifecycle_grid),
		cmocka_unit_test(test_PLAN_initial_status),
		cmocka_unit_test(test_PLAN_status_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
