/* SPDX-License-Identifier: MIT */
/*
 * test_payment_export.c — unit tests for internal/payments/export.c: the
 * finance CSV of a payment run, checked byte for byte (header, CRLF,
 * quoting, the formula prefix, pounds, references, dates, empty bank
 * cells), plus the request hash used for idempotency keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal/core/buf.h"
#include "internal/core/date.h"
#include "internal/payments/export.h"
#include "internal/payments/service.h"

#define RUN "0b6f1c2e-3d4a-4b5c-8d9e-0f1a2b3c4d5e"

static void test_reference_is_stable_upper_hex(void **state)
{
	char ref[PB_PAY_REFERENCE_LEN + 1];

	(void)state;
	pb_pay_reference("1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", ref);
	assert_string_equal(ref, "PB-1A2B3C4D");
	pb_pay_reference("0000abcd-ef01-4a7b-8c9d-0e1f2a3b4c5d", ref);
	assert_string_equal(ref, "PB-0000ABCD");
}

static void test_csv_small_run_exact_bytes(void **state)
{
	struct pb_buf b;
	const struct pb_pay_csv_row rows[] = {
		{ RUN, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "Acme Care Ltd", "123456",
		  "01234567", 12345, pb_date_from_ymd(2026, 12, 1), "EDU100", "SUB4001" },
		{ RUN, "2b3c4d5e-6f70-4a7b-8c9d-0e1f2a3b4c5d", "=SUM(A1)", "654321",
		  "87654321", 5, pb_date_from_ymd(2026, 12, 2), "", "" },
		{ RUN, "3c4d5e6f-7081-4a7b-8c9d-0e1f2a3b4c5d", "Smith, \"Jo\"", "", "",
		  100000000000, pb_date_from_ymd(2027, 1, 31), "SC7", "S1" },
		{ RUN, "4d5e6f70-8192-4a7b-8c9d-0e1f2a3b4c5d", "@home, +care", "000001",
		  "00000002", 100, pb_date_from_ymd(2027, 2, 28), "", "" },
	};
	static const char want[] =
	    "run_id,payment_id,payee_name,sort_code,account_number,amount,reference,due_date,"
	    "cost_centre,subjective_code\r\n"
	    RUN ",1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d,Acme Care Ltd,123456,01234567,"
	    "123.45,PB-1A2B3C4D,2026-12-01,EDU100,SUB4001\r\n"
	    RUN ",2b3c4d5e-6f70-4a7b-8c9d-0e1f2a3b4c5d,'=SUM(A1),654321,87654321,"
	    "0.05,PB-2B3C4D5E,2026-12-02,,\r\n"
	    RUN ",3c4d5e6f-7081-4a7b-8c9d-0e1f2a3b4c5d,\"Smith, \"\"Jo\"\"\",,,"
	    "1000000000.00,PB-3C4D5E6F,2027-01-31,SC7,S1\r\n"
	    RUN ",4d5e6f70-8192-4a7b-8c9d-0e1f2a3b4c5d,\"'@home, +care\",000001,00000002,"
	    "1.00,PB-4D5E6F70,2027-02-28,,\r\n";

	(void)state;
	pb_buf_init(&b, 1 << 20);
	assert_int_equal(pb_pay_csv_header(&b), PB_OK);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(pb_pay_csv_row(&b, &rows[i]), PB_OK);
	assert_int_equal(pb_buf_len(&b), strlen(want));
	assert_memory_equal(pb_buf_str(&b), want, strlen(want));
	pb_buf_free(&b);
}

static void test_csv_empty_run_is_the_header(void **state)
{
	struct pb_buf b;

	(void)state;
	pb_buf_init(&b, 1024);
	assert_int_equal(pb_pay_csv_header(&b), PB_OK);
	assert_string_equal(pb_buf_str(&b),
	    "run_id,payment_id,payee_name,sort_code,account_number,amount,reference,due_date,"
	    "cost_centre,subjective_code\r\n");
	pb_buf_free(&b);
}

static void test_csv_refuses_overlong_cell_and_full_buffer(void **state)
{
	struct pb_buf b;
	char name[1002];
	struct pb_pay_csv_row r = { RUN, "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", name, "", "",
		1, pb_date_from_ymd(2026, 1, 1), "", "" };

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	pb_buf_init(&b, 1 << 20);
	assert_int_equal(pb_pay_csv_row(&b, &r), PB_EINVAL);
	pb_buf_free(&b);
	name[10] = '\0';
	pb_buf_init(&b, 40);   /* the header alone does not fit */
	assert_int_equal(pb_pay_csv_header(&b), PB_EINVAL);
	pb_buf_free(&b);
}

static void test_request_hash_is_sha256_of_method_path_body(void **state)
{
	char h[65], h2[65];

	(void)state;
	/* sha256("POST\n/x\n{}") */
	pb_pay_request_hash("POST", "/x", "{}", 2, h);
	assert_string_equal(h, "850fa27eddde1a1cfc2806136fdac18a478362a436ffc74a0a66b1178f5ddc6a");
	pb_pay_request_hash("POST", "/x", "{} ", 3, h2);
	assert_string_not_equal(h, h2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_is_stable_upper_hex),
		cmocka_unit_test(test_csv_small_run_exact_bytes),
		cmocka_unit_test(test_csv_empty_run_is_the_header),
		cmocka_unit_test(test_csv_refuses_overlong_cell_and_full_buffer),
		cmocka_unit_test(test_request_hash_is_sha256_of_method_path_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
