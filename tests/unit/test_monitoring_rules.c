/* SPDX-License-Identifier: MIT */
/*
 * test_monitoring_rules.c — the pure rules of spend returns (PAY-9,
 * PAY-20), table-driven.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/date.h"
#include "internal/monitoring/rules.h"

static int32_t day(const char *s)
{
	int32_t d = 0;

	assert_int_equal(pb_date_parse(s, strlen(s), &d), PB_OK);
	return d;
}

static void test_PAY_20_a_return_is_for_an_ended_period_inside_the_budget(void **state)
{
	static const struct {
		const char *name, *start, *end, *line;
		const char *field;   /* NULL: accepted */
	} t[] = {
		{ "a quarter inside the budget", "2026-09-01", "2026-11-30", "2026-10-01", NULL },
		{ "a single day", "2026-11-30", "2026-11-30", "2026-11-30", NULL },
		{ "ends before it starts", "2026-11-30", "2026-09-01", "2026-10-01", "period_end" },
		{ "not ended yet", "2026-11-01", "2026-12-31", "2026-11-02", "period_end" },
		{ "before the budget", "2026-08-01", "2026-09-30", "2026-09-02", "period_start" },
		{ "a line before the period", "2026-09-01", "2026-11-30", "2026-08-31",
		    "lines[0].spent_on" },
		{ "a line after it", "2026-09-01", "2026-10-31", "2026-11-01", "lines[0].spent_on" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pb_spend_line line = { day(t[i].line), "Fuel", "transport", 100 };
		struct pb_spend_return_in in = { day(t[i].start), day(t[i].end), 0, 0, &line, 1 };
		struct pb_problem p;
		pb_problem_init(&p);
		enum pb_err err = pb_spend_return_check(&in, day("2026-09-01"), day("2027-08-31"),
		    day("2026-12-03"), &p);
		if (t[i].field == NULL) {
			assert_int_equal(err, PB_OK);
		} else {
			assert_int_equal(err, PB_EINVAL);
			assert_string_equal(p.errors[0].field, t[i].field);
		}
	}
}

static void test_PAY_9_agreed_provision_is_the_service_type(void **state)
{
	(void)state;
	assert_true(pb_spend_line_agreed("transport", "transport"));
	assert_false(pb_spend_line_agreed("groceries", "transport"));
	assert_false(pb_spend_line_agreed("transport_extra", "transport"));
	assert_false(pb_spend_line_agreed(NULL, "transport"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_PAY_20_a_return_is_for_an_ended_period_inside_the_budget),
		cmocka_unit_test(test_PAY_9_agreed_provision_is_the_service_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
