/* SPDX-License-Identifier: MIT */
/*
 * test_bank.c — unit tests for internal/payments/bank.c (bank details
 * sealed with AES-256-GCM, account numbers), internal/payees/rules.c
 * (what a payee's name may hold) and internal/budgets/section_j.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/budgets/section_j.h"
#include "internal/payees/bank.h"
#include "internal/payees/rules.h"

#define LA "E09000007"
#define ID "6f1c2a7e-8d1b-4b7e-9a55-0a1b2c3d4e5f"

static const unsigned char key[PB_BANK_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const unsigned char key2[PB_BANK_KEY_LEN] = { 9 };

static void test_bank_account_normalised(void **state)
{
	char out[9];

	(void)state;
	assert_int_equal(pb_bank_normalise_account("12345678", out), 0);
	assert_string_equal(out, "12345678");
	assert_int_equal(pb_bank_normalise_account("1234567", out), 0);
	assert_string_equal(out, "01234567");
	assert_int_equal(pb_bank_normalise_account("123456", out), 0);
	assert_string_equal(out, "00123456");
	assert_int_equal(pb_bank_normalise_account("12345", out), -1);
	assert_string_equal(out, "");
	assert_int_equal(pb_bank_normalise_account("123456789", out), -1);
	assert_int_equal(pb_bank_normalise_account("1234567890", out), -1);
	assert_int_equal(pb_bank_normalise_account("1234567a", out), -1);
	assert_int_equal(pb_bank_normalise_account(" 1234567", out), -1);
	assert_int_equal(pb_bank_normalise_account("", out), -1);
	assert_int_equal(pb_bank_normalise_account(NULL, out), -1);
}

static void test_payee_name_rules(void **state)
{
	static const char *const good[] = { "Acme Care Ltd", "Zo\u00eb O'Brien-\u00c5gren",
	    "\u674e\u5c0f\u9f99", "A", "St. Mary's (Trust) & Co", NULL };
	static const char *const bad[] = { "", " ", "  ", " Acme", "Acme ", "Acme\tLtd", "Acme\x7f",
	    "Acme\xc2\x85", "Acme\u2028", "Acme\u2029", "Acme\u202eLtd", "Acme\u202a",
	    "Acme\u2066x\u2069", "Acme\u200bx", "Acme\u200dx", "Acme\u2060", "\ufeffAcme",
	    "Acme\u200f", "Acme\u061c", "Acme\xc0\xaf", "Acme\xed\xa0\x80", "Acme\xe2\x80",
	    "Acme\xf4\x90\x80\x80", NULL };

	(void)state;
	for (int i = 0; good[i] != NULL; i++)
		assert_null(pb_payee_name_problem(good[i]));
	for (int i = 0; bad[i] != NULL; i++)
		assert_non_null(pb_payee_name_problem(bad[i]));
	assert_non_null(pb_payee_name_problem(NULL));
}

static void test_bank_validation(void **state)
{
	(void)state;
	assert_true(pb_bank_valid_sort_code("123456"));
	assert_false(pb_bank_valid_sort_code("12-34-56"));
	assert_false(pb_bank_valid_sort_code("12345"));
	assert_false(pb_bank_valid_sort_code("1234567"));
	assert_false(pb_bank_valid_sort_code(NULL));
	assert_true(pb_bank_valid_account_number("00012345"));
	assert_false(pb_bank_valid_account_number("0001234a"));
	assert_false(pb_bank_valid_account_number("1234567"));
}

static void test_bank_round_trip(void **state)
{
	struct pb_bank_sealed s;
	char sc[7], an[9], kid[PB_BANK_KEY_ID_LEN + 1];

	(void)state;
	assert_int_equal(pb_bank_seal(key, LA, ID, "123456", "87654321", &s), PB_OK);
	assert_int_equal(s.ciphertext_len, PB_BANK_PLAIN_LEN);
	assert_null(memmem(s.ciphertext, s.ciphertext_len, "87654321", 8));
	pb_bank_key_id(key, kid);
	assert_string_equal(s.key_id, kid);
	assert_int_equal(strlen(kid), 16);
	assert_int_equal(pb_bank_open(key, LA, ID, &s, sc, an), PB_OK);
	assert_string_equal(sc, "123456");
	assert_string_equal(an, "87654321");
}

static void test_bank_fresh_nonce(void **state)
{
	struct pb_bank_sealed a, b;

	(void)state;
	assert_int_equal(pb_bank_seal(key, LA, ID, "123456", "87654321", &a), PB_OK);
	assert_int_equal(pb_bank_seal(key, LA, ID, "123456", "87654321", &b), PB_OK);
	assert_memory_not_equal(a.nonce, b.nonce, PB_BANK_NONCE_LEN);
	assert_memory_not_equal(a.ciphertext, b.ciphertext, PB_BANK_PLAIN_LEN);
}

static void test_bank_refuses_tampering_and_wrong_context(void **state)
{
	struct pb_bank_sealed s, t;
	char sc[7], an[9];

	(void)state;
	assert_int_equal(pb_bank_seal(key, LA, ID, "123456", "87654321", &s), PB_OK);
	/* another payee or council: the associated data differs */
	assert_int_equal(pb_bank_open(key, LA, "00000000-0000-0000-0000-000000000000", &s, sc, an),
	    PB_EINVAL);
	assert_int_equal(pb_bank_open(key, "E08000025", ID, &s, sc, an), PB_EINVAL);
	assert_string_equal(sc, "");
	/* another key: refused by key id, and by the tag if the id is forged */
	assert_int_equal(pb_bank_open(key2, LA, ID, &s, sc, an), PB_EINVAL);
	t = s;
	pb_bank_key_id(key2, t.key_id);
	assert_int_equal(pb_bank_open(key2, LA, ID, &t, sc, an), PB_EINVAL);
	/* a flipped bit anywhere */
	t = s;
	t.ciphertext[3] ^= 1;
	assert_int_equal(pb_bank_open(key, LA, ID, &t, sc, an), PB_EINVAL);
	t = s;
	t.tag[0] ^= 0x80;
	assert_int_equal(pb_bank_open(key, LA, ID, &t, sc, an), PB_EINVAL);
	t = s;
	t.nonce[11] ^= 1;
	assert_int_equal(pb_bank_open(key, LA, ID, &t, sc, an), PB_EINVAL);
	/* bad input is never sealed */
	assert_int_equal(pb_bank_seal(key, LA, ID, "12345", "87654321", &t), PB_EINVAL);
	assert_int_equal(pb_bank_seal(key, LA, ID, "123456", "8765432x", &t), PB_EINVAL);
}

/* Rotation: a record opens under whichever key sealed it (by key id). */
static void test_bank_open_either_key(void **state)
{
	static const unsigned char old_key[PB_BANK_KEY_LEN] = { 9, 9, 9 };
	static const unsigned char other[PB_BANK_KEY_LEN] = { 7 };
	struct pb_bank_sealed a, b;
	char sc[7], acct[9];

	(void)state;
	assert_int_equal(pb_bank_seal(old_key, "E09000007", "p1", "112233", "12345678", &a), PB_OK);
	assert_int_equal(pb_bank_seal(key, "E09000007", "p1", "445566", "87654321", &b), PB_OK);
	assert_int_equal(pb_bank_open_either(key, old_key, "E09000007", "p1", &a, sc, acct), PB_OK);
	assert_string_equal(acct, "12345678");
	assert_int_equal(pb_bank_open_either(key, old_key, "E09000007", "p1", &b, sc, acct), PB_OK);
	assert_string_equal(acct, "87654321");
	assert_int_equal(pb_bank_open_either(key, NULL, "E09000007", "p1", &b, sc, acct), PB_OK);
	/* without the old key, or with a third key, the old record stays shut */
	assert_int_equal(pb_bank_open_either(key, NULL, "E09000007", "p1", &a, sc, acct), PB_EINVAL);
	assert_int_equal(pb_bank_open_either(key, other, "E09000007", "p1", &a, sc, acct), PB_EINVAL);
	assert_string_equal(acct, "");
}

static void test_BUD_3_section_j_render(void **state)
{
	static const char data[] = "{\"child\":{\"id\":\"c\",\"given_name\":\"Kim\","
	    "\"family_name\":\"Child\"},\"budget\":{\"id\":\"b\",\"status\":\"approved\","
	    "\"period_start\":\"2026-09-01\",\"period_end\":\"2027-08-31\","
	    "\"arrangement\":\"mixed\",\"allocated_pence\":173450,\"elements\":["
	    "{\"id\":\"e1\",\"stream\":\"education\",\"service_type\":\"home_to_school\","
	    "\"arrangement\":\"direct_payment\",\"allocated_pence\":123450,\"payee_name\":\"Pat\","
	    "\"agreement\":{\"agreed_provision\":\"Taxi\",\"outcomes\":[\"Attends\"]}},"
	    "{\"id\":\"e2\",\"stream\":\"health\",\"service_type\":\"continuing_care\","
	    "\"arrangement\":\"notional\",\"allocated_pence\":50000,\"payee_name\":null,"
	    "\"agreement\":null}]}}";
	cJSON *in = cJSON_Parse(data), *out = NULL;
	char *text = NULL;

	(void)state;
	assert_non_null(in);
	assert_int_equal(pb_budget_section_j_render(in, &out, &text), PB_OK);
	assert_non_null(strstr(text, "Total personal budget: \xc2\xa3" "1,734.50 (mixed arrangement)"));
	assert_non_null(strstr(text, "1. Education: home to school"));
	assert_non_null(strstr(text, "Held by: Pat"));
	assert_non_null(strstr(text, "Agreed provision: Taxi"));
	assert_non_null(strstr(text, "   - Attends"));
	assert_non_null(strstr(text, "Held by: the council (notional)"));
	const cJSON *els = cJSON_GetObjectItemCaseSensitive(out, "elements");
	assert_int_equal(cJSON_GetArraySize(els), 2);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(els, 0),
	    "amount")->valuestring, "\xc2\xa3" "1,234.50");
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(els, 1),
	    "direct_payment")));
	cJSON_Delete(out);
	free(text);
	/* missing pieces: refused, nothing returned */
	cJSON *bad = cJSON_Parse("{\"budget\":{}}");
	assert_int_equal(pb_budget_section_j_render(bad, &out, &text), PB_EINTERNAL);
	assert_null(out);
	assert_null(text);
	cJSON_Delete(bad);
	cJSON_Delete(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bank_validation),
		cmocka_unit_test(test_bank_account_normalised),
		cmocka_unit_test(test_payee_name_rules),
		cmocka_unit_test(test_bank_round_trip),
		cmocka_unit_test(test_bank_fresh_nonce),
		cmocka_unit_test(test_bank_refuses_tampering_and_wrong_context),
		cmocka_unit_test(test_bank_open_either_key),
		cmocka_unit_test(test_BUD_3_section_j_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
