/* SPDX-License-Identifier: MIT */
/*
 * duty.h — separation of duties: whoever makes a thing (a budget, a
 * payment, a panel decision) is not the one who checks it.  Pure.
 */
#ifndef PB_CORE_DUTY_H
#define PB_CORE_DUTY_H

#include "internal/core/problem.h"

/*
 * pb_duty_separate — PB_OK when checker_sub differs from maker_sub (JWT
 * `sub`s, NUL-terminated).  PB_ESOD when they are equal, or when either
 * is NULL or empty (separation cannot be shown: fail closed).  The detail
 * reads "<rule> by someone other than <maker>", e.g. rule "a budget must
 * be approved", maker "the person who created it".  p may be NULL.
 */
enum pb_err pb_duty_separate(const char *maker_sub, const char *checker_sub,
    const char *rule, const char *maker, struct pb_problem *p);

#endif
