/* SPDX-License-Identifier: MIT */
/* problem.c — fixed-size error collector (see problem.h). */
#include "internal/core/problem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pb_problem_init(struct pb_problem *p)
{
	memset(p, 0, sizeof(*p));
}

enum pb_err pb_problem_field(struct pb_problem *p, const char *field,
    const char *code, const char *fmt, ...)
{
	va_list ap;

	if (p == NULL)
		return PB_EINVAL;
	if (p->err == PB_OK)
		p->err = PB_EINVAL;
	if (p->nerrors >= PB_PROBLEM_MAX_ERRORS) {
		p->truncated = 1;
		return PB_EINVAL;
	}
	struct pb_field_error *e = &p->errors[p->nerrors++];
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return PB_EINVAL;
}

enum pb_err pb_problem_set(struct pb_problem *p, enum pb_err err,
    const char *rule, const char *fmt, ...)
{
	va_list ap;

	if (p == NULL)
		return err;
	p->err = err;
	snprintf(p->rule, sizeof(p->rule), "%s", rule ? rule : "");
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	return err;
}

void pb_problem_value(struct pb_problem *p, const char *name, int64_t value)
{
	if (p == NULL || p->nvalues >= PB_PROBLEM_MAX_VALUES)
		return;
	snprintf(p->values[p->nvalues].name, sizeof(p->values[p->nvalues].name), "%s", name);
	p->values[p->nvalues++].value = value;
}
