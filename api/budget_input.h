/* SPDX-License-Identifier: MIT */
/*
 * budget_input.h — reading budget elements from a request body, shared by
 * the budget handlers (api/budgets.c) and the variation handlers
 * (api/variations.c).
 */
#ifndef PB_API_BUDGET_INPUT_H
#define PB_API_BUDGET_INPUT_H

#include <cJSON.h>

#include "internal/budgets/service.h"
#include "internal/core/problem.h"

/* Per-request storage for the UUIDs an element list refers to. */
struct api_element_ids {
	char recipient[PB_BUDGET_MAX_ELEMENTS][37];
	char payee[PB_BUDGET_MAX_ELEMENTS][37];
};

/* body[key]: an array of 1..PB_BUDGET_MAX_ELEMENTS element objects (as in
 * POST /v1/budgets) into in->elements (has_elements set), one arrangement
 * per stream and service type; field errors name "key[i].member".  Absent
 * is an error only when required.  Strings are borrowed from body and ids. */
void api_budget_read_elements(const cJSON *body, const char *key, int required,
    struct pb_budget_in *in, struct api_element_ids *ids, struct pb_problem *p);

#endif
