/* SPDX-License-Identifier: MIT */
/* test_family_view.c — the family view document and its entity tag (internal/budgets/family_view.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "internal/budgets/family_view.h"

static const char C1[] = "11111111-1111-1111-1111-111111111111";
static const char B1[] = "22222222-2222-2222-2222-222222222222";
static const char B2[] = "33333333-3333-3333-3333-333333333333";

static void test_items_totals_and_next_payment(void **state)
{
	const struct pb_family_row rows[] = {
		{ C1, "Ada", B1, "2026-04-01", "2027-03-31", "approved", "mixed", "2026-12-05", 5000,
		  "e1", "education", "transport", "direct_payment", 100000, 29000, 20000 },
		{ C1, "Ada", B1, "2026-04-01", "2027-03-31", "approved", "mixed", "2026-12-05", 5000,
		  "e2", "social_care", "short_breaks", "third_party", 50000, 0, 0 },
		{ C1, "Ada", B2, "2027-04-01", "2028-03-31", "suspended", "notional", NULL, 0,
		  NULL, NULL, NULL, NULL, 0, 0, 0 },
	};
	char *json = NULL;

	(void)state;
	assert_int_equal(pb_budget_family_render(rows, 3, &json), PB_OK);
	cJSON *doc = cJSON_Parse(json);
	assert_non_null(doc);
	cJSON *items = cJSON_GetObjectItem(doc, "items");
	assert_int_equal(cJSON_GetArraySize(items), 2);
	cJSON *a = cJSON_GetArrayItem(items, 0), *b = cJSON_GetArrayItem(items, 1);
	assert_int_equal(cJSON_GetObjectItem(a, "allocated_pence")->valuedouble, 150000);
	assert_int_equal(cJSON_GetObjectItem(a, "remaining_pence")->valuedouble, 101000);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a, "elements")), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(a, "next_payment"),
	    "due_date")->valuestring, "2026-12-05");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(b, "next_payment")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(b, "elements")), 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "child"), "given_name")
	    ->valuestring, "Ada");
	cJSON_Delete(doc);
	free(json);
	assert_int_equal(pb_budget_family_render(rows, 0, &json), PB_OK);
	assert_string_equal(json, "{\"items\":[]}");
	free(json);
}

static void test_etag_names_version_day_and_person(void **state)
{
	char a[PB_FAMILY_ETAG_LEN], b[PB_FAMILY_ETAG_LEN];

	(void)state;
	pb_budget_family_etag(7, 20790, C1, a);
	assert_string_equal(a, "fv1-7-20790-11111111");
	pb_budget_family_etag(8, 20790, C1, b);
	assert_string_not_equal(a, b);          /* a refresh changes it */
	pb_budget_family_etag(7, 20791, C1, b);
	assert_string_not_equal(a, b);          /* so does the next day (next payment) */
	pb_budget_family_etag(7, 20790, B1, b);
	assert_string_not_equal(a, b);          /* and another person */
	pb_budget_family_etag(INT64_MAX, INT32_MIN, C1, b);
	assert_true(strlen(b) < PB_FAMILY_ETAG_LEN);
	for (const char *s = b; *s; s++)
		assert_true(*s != '"' && *s >= 0x21 && *s <= 0x7e);   /* an etagc string */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_totals_and_next_payment),
		cmocka_unit_test(test_etag_names_version_day_and_person),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
