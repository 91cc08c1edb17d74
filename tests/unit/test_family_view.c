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

#include "internal/core/date.h"
#include "internal/payments/rules.h"

static int32_t day(const char *s)
{
	int32_t d = 0;
	assert_int_equal(pb_date_parse(s, strlen(s), &d), PB_OK);
	return d;
}

static cJSON *el(cJSON *item, int i)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(item, "elements"), i);
}

static void test_items_totals_and_next_payment(void **state)
{
	int32_t today = day("2026-12-01");
	const int32_t open_due[] = { day("2026-11-30"), day("2026-12-05"), day("2027-03-01") };
	const int64_t open_amount[] = { 100, 5000, 7000 };
	/* four-weekly from 3 Dec, 1,500 each; 31 Dec already made */
	const int32_t have[] = { day("2026-12-31") };
	const struct pb_family_sched sched[] = {
		{ PB_PAY_FREQ_FOUR_WEEKLY, day("2026-12-03"), day("2027-06-30"), 1500, -1, have, 1 },
	};
	struct pb_family_row rows[] = {
		{ C1, "Ada", B1, "2026-04-01", "2027-03-31", "approved", "mixed",
		  "e1", "social_care", "short_breaks", "direct_payment", 100000, 29000, 20000,
		  "Short breaks", "family", "You", 20000, open_due, open_amount, 3, sched, 1, NULL, 0 },
		{ C1, "Ada", B1, "2026-04-01", "2027-03-31", "approved", "mixed",
		  "e2", "education", "transport", "third_party", 50000, 0, 0,
		  "Transport", "provider", "Acme Care Ltd", 0, NULL, NULL, 0, NULL, 0, NULL, 0 },
		{ C1, "Ada", B2, "2027-04-01", "2028-03-31", "suspended", "notional",
		  NULL, NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, 0,
		  NULL, 0 },
	};
	char *json = NULL;

	(void)state;
	assert_int_equal(pb_budget_family_render(rows, 3, today, &json), PB_OK);
	cJSON *doc = cJSON_Parse(json);
	assert_non_null(doc);
	cJSON *items = cJSON_GetObjectItem(doc, "items");
	assert_int_equal(cJSON_GetArraySize(items), 2);
	cJSON *a = cJSON_GetArrayItem(items, 0), *b = cJSON_GetArrayItem(items, 1);
	assert_int_equal(cJSON_GetObjectItem(a, "allocated_pence")->valuedouble, 150000);
	assert_int_equal(cJSON_GetObjectItem(a, "remaining_pence")->valuedouble, 101000);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(a, "elements")), 2);
	/* the schedule's 3 Dec instalment (not materialised) comes before 5 Dec */
	cJSON *np = cJSON_GetObjectItem(a, "next_payment");
	assert_string_equal(cJSON_GetObjectItem(np, "due_date")->valuestring, "2026-12-03");
	assert_int_equal(cJSON_GetObjectItem(np, "amount_pence")->valuedouble, 1500);
	assert_string_equal(cJSON_GetObjectItem(np, "element_label")->valuestring, "Short breaks");
	/* the next 8 weeks (1 Dec – 25 Jan): 3 Dec (schedule), 5 Dec (open), 31 Dec made
	 * (so not projected again: the open list holds what exists), 28 Jan is past it;
	 * 30 Nov is before today */
	cJSON *up = cJSON_GetObjectItem(el(a, 0), "upcoming_payments");
	assert_int_equal(cJSON_GetArraySize(up), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(up, 0), "due_date")->valuestring,
	    "2026-12-03");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(up, 1), "due_date")->valuestring,
	    "2026-12-05");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(el(a, 0), "held_by"),
	    "name")->valuestring, "You");
	assert_int_equal(cJSON_GetObjectItem(el(a, 0), "paid_to_family_pence")->valuedouble, 20000);
	/* a third party: the provider by name, nothing to the family */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(el(a, 1), "held_by"),
	    "kind")->valuestring, "provider");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(el(a, 1), "upcoming_payments")), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(b, "next_payment")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(b, "elements")), 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(b, "child"), "given_name")
	    ->valuestring, "Ada");
	cJSON_Delete(doc);
	free(json);
	/* a cap leaves 2,000: one full instalment and a reduced one, then none */
	const struct pb_family_sched capped[] = {
		{ PB_PAY_FREQ_WEEKLY, day("2026-12-02"), day("2027-06-30"), 1500, 2000, NULL, 0 },
	};
	rows[0].nopen = 0;
	rows[0].sched = capped;
	assert_int_equal(pb_budget_family_render(rows, 1, today, &json), PB_OK);
	doc = cJSON_Parse(json);
	up = cJSON_GetObjectItem(el(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "items"), 0), 0),
	    "upcoming_payments");
	assert_int_equal(cJSON_GetArraySize(up), 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(up, 1), "amount_pence")->valuedouble,
	    500);
	cJSON_Delete(doc);
	free(json);
	assert_int_equal(pb_budget_family_render(rows, 0, today, &json), PB_OK);
	assert_string_equal(json, "{\"items\":[]}");
	free(json);
}

static void test_etag_names_version_day_and_person(void **state)
{
	char a[PB_FAMILY_ETAG_LEN], b[PB_FAMILY_ETAG_LEN];

	(void)state;
	pb_budget_family_etag(7, 20790, C1, a);
	assert_string_equal(a, "fv2-7-20790-11111111");
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
