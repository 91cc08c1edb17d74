/* SPDX-License-Identifier: MIT */
/*
 * test_reports.c — internal/reports/sen2: the SEN2 return's two renderings
 * (REP-1): JSON members and exact integers, the CSV's rows in order, totals
 * as sums, and a full buffer refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/date.h"
#include "internal/reports/sen2.h"

static struct pb_sen2 sample(void)
{
	struct pb_sen2 r;

	memset(&r, 0, sizeof(r));
	memcpy(r.la, "E09000007", 10);
	pb_date_parse("2027-01-21", 10, &r.census_date);
	r.with_plan = 9007199254740993LL;   /* beyond a double's exact range */
	r.split[PB_SEN2_ALL] = (struct pb_sen2_split){ 3, 2, 1 };
	r.split[PB_SEN2_EDUCATION] = (struct pb_sen2_split){ 1, 0, 0 };
	r.split[PB_SEN2_SOCIAL_CARE] = (struct pb_sen2_split){ 0, 1, 0 };
	r.split[PB_SEN2_HEALTH] = (struct pb_sen2_split){ 0, 0, 4 };
	return r;
}

static void test_REP_1_json(void **state)
{
	(void)state;
	struct pb_sen2 r = sample();
	char *j = pb_sen2_json(&r);

	assert_string_equal(j, "{\"la\":\"E09000007\",\"census_date\":\"2027-01-21\","
	    "\"children_with_ehc_plan\":9007199254740993,"
	    "\"personal_budgets\":{\"direct_payment_only\":3,\"organised_only\":2,\"both\":1,"
	    "\"total\":6},\"by_element\":{"
	    "\"education\":{\"direct_payment_only\":1,\"organised_only\":0,\"both\":0,\"total\":1},"
	    "\"social_care\":{\"direct_payment_only\":0,\"organised_only\":1,\"both\":0,\"total\":1},"
	    "\"health\":{\"direct_payment_only\":0,\"organised_only\":0,\"both\":4,\"total\":4}}}");
	free(j);
}

static void test_REP_1_csv_rows(void **state)
{
	(void)state;
	struct pb_sen2 r = sample();
	struct pb_buf b;

	pb_buf_init(&b, PB_SEN2_CSV_MAX);
	assert_int_equal(pb_sen2_csv(&r, &b), PB_OK);
	const char *d = "E09000007,2027-01-21,";
	char want[2048];
	size_t n = 0;
	n += (size_t)snprintf(want + n, sizeof(want) - n,
	    "la,census_date,element,category,children\r\n%sall,ehc_plan,9007199254740993\r\n", d);
	static const char *const rows[] = {
		"all,direct_payment_only,3", "all,organised_only,2", "all,both,1", "all,total,6",
		"education,direct_payment_only,1", "education,organised_only,0", "education,both,0",
		"education,total,1", "social_care,direct_payment_only,0",
		"social_care,organised_only,1", "social_care,both,0", "social_care,total,1",
		"health,direct_payment_only,0", "health,organised_only,0", "health,both,4",
		"health,total,4",
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s\r\n", d, rows[i]);
	assert_string_equal(pb_buf_str(&b), want);
	pb_buf_free(&b);
}

static void test_REP_1_csv_full_buffer(void **state)
{
	(void)state;
	struct pb_sen2 r = sample();
	struct pb_buf b;

	pb_buf_init(&b, 100);
	assert_int_equal(pb_sen2_csv(&r, &b), PB_EINVAL);
	pb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_REP_1_json),
		cmocka_unit_test(test_REP_1_csv_rows),
		cmocka_unit_test(test_REP_1_csv_full_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
