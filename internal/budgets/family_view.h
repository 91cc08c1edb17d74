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

/* One row; strings are borrowed for the call, NULL where the column is. */
struct pb_family_row {
	const char *child_id, *given_name;
	const char *budget_id, *period_start, *period_end, *status, *arrangement;
	const char *next_due;               /* NULL: no next payment */
	int64_t next_amount_pence;
	const char *element_id;             /* NULL: the budget has no elements */
	const char *stream, *service_type, *element_arrangement;
	int64_t allocated_pence, committed_pence, spent_pence;
};

/* Render {"items":[{child, budget_id, period_start, period_end, status,
 * arrangement, allocated/committed/spent/remaining_pence, elements[],
 * next_payment}]} from rows[0..n), ordered by child, budget, element
 * position (consecutive rows with one budget id form one item).  *json is
 * malloc'd (caller frees).  PB_EINTERNAL when the document would exceed
 * its bound (nothing returned). */
enum pb_err pb_budget_family_render(const struct pb_family_row *rows, size_t n,
    char **json);

/* The view's entity tag, without rendering it: the document is a function
 * of the person's stored read model (its version, migration 011) and of
 * today (which payment is next), so "fv1-<version>-<today>-<person>"
 * names it ("fv1": this renderer's format; a change to the document's
 * shape bumps it).  out holds PB_FAMILY_ETAG_LEN bytes. */
#define PB_FAMILY_ETAG_LEN 64
void pb_budget_family_etag(int64_t version, int32_t today, const char *person_id,
    char out[PB_FAMILY_ETAG_LEN]);

#endif
