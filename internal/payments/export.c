/* SPDX-License-Identifier: MIT */
/* export.c — the finance CSV of a payment run (see export.h). */
#include "internal/payments/export.h"

#include <string.h>

#include "internal/core/csv.h"
#include "internal/core/date.h"
#include "internal/core/money.h"

void pb_pay_reference(const char *payment_id, char out[PB_PAY_REFERENCE_LEN + 1])
{
	size_t k = 0;

	memcpy(out, "PB-", 3);
	for (size_t i = 0; payment_id[i] != '\0' && k < 8; i++) {
		char c = payment_id[i];
		if (c == '-')
			continue;
		out[3 + k++] = c >= 'a' && c <= 'f' ? (char)(c - 'a' + 'A') : c;
	}
	out[3 + k] = '\0';
}

enum pb_err pb_pay_csv_header(struct pb_buf *out)
{
	static const char h[] = "run_id,payment_id,payee_name,sort_code,account_number,"
	    "amount,reference,due_date,cost_centre,subjective_code\r\n";
	return pb_buf_add(out, h, sizeof(h) - 1);
}

enum pb_err pb_pay_csv_row(struct pb_buf *out, const struct pb_pay_csv_row *r)
{
	char amount[PB_MONEY_TEXT_MAX], ref[PB_PAY_REFERENCE_LEN + 1], due[11];

	pb_money_format(r->amount_pence, PB_MONEY_PLAIN, amount);
	pb_pay_reference(r->payment_id, ref);
	pb_date_format(r->due_date, due);
	const char *cells[] = { r->run_id, r->payment_id, r->payee_name, r->sort_code,
	    r->account_number, amount, ref, due, r->cost_centre, r->subjective_code };
	enum pb_err err = PB_OK;
	size_t n = sizeof(cells) / sizeof(cells[0]);

	for (size_t i = 0; i < n && err == PB_OK; i++)
		err = pb_csv_field(out, cells[i], i + 1 == n);
	return err;
}
