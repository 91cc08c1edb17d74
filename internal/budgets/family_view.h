/* SPDX-License-Identifier: MIT */
/*
 * family_view.h — renders GET /v1/me/budgets from plain rows.
 *
 * The family view used to be built as JSON inside PostgreSQL
 * (json_build_object, json_agg, md5): two thirds of the query's cost on
 * the bench data set.  The store now returns one row per element (budgets
 * without elements give one row with a NULL element id) and this module
 * writes the same document in C.
 */
#ifndef PB_BUDGETS_FAMILY_VIEW_H
#define PB_BUDGETS_FAMILY_VIEW_H

#include <libpq-fe.h>

#include "internal/core/err.h"

/* Result columns, in this order (see pb_budget_store_family_view):
 *   0 child id, 1 child given_name, 2 budget id, 3 period_start,
 *   4 period_end, 5 budget status, 6 budget arrangement,
 *   7 next payment due_date (NULL: none), 8 next payment amount_pence,
 *   9 element id (NULL: no elements), 10 stream, 11 service_type,
 *   12 element arrangement, 13 allocated_pence, 14 committed_pence,
 *   15 spent_pence.
 * Rows come ordered by child, budget, element position; consecutive rows
 * with one budget id form one item. */
enum pb_family_col {
	PB_FV_CHILD_ID, PB_FV_GIVEN_NAME, PB_FV_BUDGET_ID, PB_FV_PERIOD_START,
	PB_FV_PERIOD_END, PB_FV_STATUS, PB_FV_ARRANGEMENT, PB_FV_NEXT_DUE,
	PB_FV_NEXT_AMOUNT, PB_FV_ELEMENT_ID, PB_FV_STREAM, PB_FV_SERVICE_TYPE,
	PB_FV_ELEMENT_ARRANGEMENT, PB_FV_ALLOCATED, PB_FV_COMMITTED, PB_FV_SPENT,
	PB_FV_NCOLS
};

/* Render {"items":[{child, budget_id, period_start, period_end, status,
 * arrangement, allocated/committed/spent/remaining_pence, elements[],
 * next_payment}]} from res.  *json is malloc'd (caller frees); etag gets
 * the MD5 hex of *json.  PB_EINTERNAL when res is not of that shape or a
 * money column is not an integer. */
enum pb_err pb_budget_family_render(const PGresult *res, char **json, char etag[33]);

#endif
