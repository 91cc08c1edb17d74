/* SPDX-License-Identifier: MIT */
/*
 * section_j.h — Section J (personal budget) of the EHC plan, rendered from
 * a budget: each element, its amount in pounds, its arrangement, who holds
 * it, and for direct payments the agreed provision and the outcomes it is
 * to meet (BUD-3, BUD-4).  Two forms of the same content: JSON and plain
 * text a caseworker can paste into the plan.
 *
 * No I/O, no clock; money is formatted with integer arithmetic
 * (pb_money_format).  Thread-safe.
 */
#ifndef PB_BUDGETS_SECTION_J_H
#define PB_BUDGETS_SECTION_J_H

#include <cJSON.h>

#include "internal/core/err.h"

/* data: {"budget": <budget JSON as GET /v1/budgets/{id}>, "child": {id,
 * given_name, family_name}} (borrowed).  On PB_OK *json (caller
 * cJSON_Delete()s) and *text (malloc'd, caller frees) are set; either
 * pointer may be NULL when that form is not wanted.  PB_EINTERNAL when
 * data lacks a field it needs (nothing is then returned). */
enum pb_err pb_budget_section_j_render(const cJSON *data, cJSON **json, char **text);

#endif
