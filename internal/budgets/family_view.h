/* SPDX-License-Identifier: MIT */
/*
 * family_view.h — renders GET /v1/me/budgets from plain rows.
 *
 * The family view used to be built as JSON inside PostgreSQL
 * (json_build_object, json_agg, md5): two thirds of the query's cost on
 * the bench data set.  The store returns one row per element (a budget
 * without elements gives one row with element_id NULL) and this module
 * writes the document in C with the one JSON string writer
 * (internal/json/output.h).  Pure but for the MD5 (OpenSSL); thread-safe.
 */
#ifndef PB_BUDGETS_FAMILY_VIEW_H
#define PB_BUDGETS_FAMILY_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "internal/core/err.h"

/* A live schedule of a direct-payment element (migration 026's sc_*):
 * its calendar (terms are the row's), amount, what its cap leaves (-1: no
 * cap) and the due dates it has materialised. */
struct pb_family_sched {
	int frequency;                      /* enum pb_pay_frequency */
	int32_t start, last;
	int64_t amount_pence, cap_left;
	const int32_t *have;
	size_t nhave;
};

/* One row; strings and arrays are borrowed for the call, NULL where the
 * column is. */
struct pb_family_row {
	const char *child_id, *given_name;
	const char *budget_id, *period_start, *period_end, *status, *arrangement;
	const char *element_id;             /* NULL: the budget has no elements */
	const char *stream, *service_type, *element_arrangement;
	int64_t allocated_pence, committed_pence, spent_pence;
	const char *label, *held_kind, *held_name;
	int64_t paid_pence;                 /* paid to the family (direct payment) */
	/* the element's open direct-payment instalments, by due date (the
	 * stored ones, or those from today on when the stored ran out) */
	const int32_t *open_due;
	const int64_t *open_amount;
	size_t nopen;
	const struct pb_family_sched *sched;
	size_t nsched;
	const int32_t *terms;               /* the council's term starts, ascending */
	size_t nterms;
};

/* How far ahead upcoming_payments look: the next 8 weeks. */
#define PB_FAMILY_UPCOMING_DAYS 56

/* Render {"items":[{child, budget_id, period_start, period_end, status,
 * arrangement, allocated/committed/spent/remaining_pence, elements[],
 * next_payment}]} from rows[0..n), ordered by child, budget, element
 * position (consecutive rows with one budget id form one item).  Each
 * element also has label, held_by {kind, name}, paid_to_family_pence and
 * upcoming_payments [{due_date, amount_pence}]: its open instalments and
 * its schedules' instalments not materialised yet
 * (pb_pay_schedule_instalments, the materialiser's walk) due in
 * [today, today + PB_FAMILY_UPCOMING_DAYS), by date; next_payment is the
 * earliest instalment due on or after today over the budget's elements
 * (any distance ahead) with its element_label, or null.  *json is
 * malloc'd (caller frees).  PB_EINTERNAL when the document would exceed
 * its bound (nothing returned). */
enum pb_err pb_budget_family_render(const struct pb_family_row *rows, size_t n,
    int32_t today, char **json);

/* The view's entity tag, without rendering it: the document is a function
 * of the person's stored read model (its version, migration 011) and of
 * today (which payment is next), so "fv2-<version>-<today>-<person>"
 * names it ("fv2": this renderer's format; a change to the document's
 * shape bumps it).  The schedules' projection is a function of the stored
 * facts and today, so it needs nothing more.  out holds PB_FAMILY_ETAG_LEN bytes. */
#define PB_FAMILY_ETAG_LEN 64
void pb_budget_family_etag(int64_t version, int32_t today, const char *person_id,
    char out[PB_FAMILY_ETAG_LEN]);

#endif
