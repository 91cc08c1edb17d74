/* SPDX-License-Identifier: MIT */
/*
 * problem.h — collects what went wrong with a request, independent of HTTP.
 *
 * A struct pb_problem lives on the caller's stack (fixed size, no heap).
 * Validators append field errors; services set the overall error, a detail
 * sentence and, for domain refusals, the rule id (e.g. "PAY-10").
 * api/ renders it as RFC 9457 problem+json.  Strings are truncated to fit.
 * Every function accepts p == NULL (pure rules may be asked only for the
 * verdict) and then just returns the error.
 * Thread-safety: none needed (one problem per request).
 */
#ifndef PB_CORE_PROBLEM_H
#define PB_CORE_PROBLEM_H

#include "internal/core/err.h"

#include <stdint.h>

#define PB_PROBLEM_MAX_ERRORS 16
#define PB_PROBLEM_MAX_VALUES 4

struct pb_field_error {
	char field[96];    /* JSON path: "elements[1].stream", "limit" */
	char code[32];     /* lower_snake: "required", "unknown_field", "invalid" */
	char message[192]; /* plain English */
};

struct pb_problem {
	enum pb_err err;       /* PB_OK until something fails */
	char detail[256];
	char rule[16];         /* "" or a domain rule id */
	int nerrors;
	int truncated;         /* more field errors than fit */
	struct pb_field_error errors[PB_PROBLEM_MAX_ERRORS];
	int nvalues;           /* extension members, e.g. projected_total_pence */
	struct {
		char name[32];
		int64_t value;
	} values[PB_PROBLEM_MAX_VALUES];
};

/* Zero the problem (err = PB_OK). */
void pb_problem_init(struct pb_problem *p);

/* Append a field error and set err to PB_EINVAL if it was PB_OK.  Returns
 * PB_EINVAL so validators can `return pb_problem_field(...)`. */
enum pb_err pb_problem_field(struct pb_problem *p, const char *field,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set the overall error, rule id (NULL for none) and detail sentence.
 * Returns err for convenience. */
enum pb_err pb_problem_set(struct pb_problem *p, enum pb_err err,
    const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add an integer extension member (RFC 9457 §3.2) to the problem, e.g.
 * "remaining_pence"; beyond PB_PROBLEM_MAX_VALUES it is dropped. */
void pb_problem_value(struct pb_problem *p, const char *name, int64_t value);

#endif
