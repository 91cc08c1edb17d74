/* SPDX-License-Identifier: MIT */
/* duty.c — separation of duties (see duty.h). */
#include "internal/core/duty.h"

#include <string.h>

#include "internal/core/text.h"

enum pb_err pb_duty_separate(const char *maker_sub, const char *checker_sub,
    const char *rule, const char *maker, struct pb_problem *p)
{
	if (!pb_text_present(maker_sub) || !pb_text_present(checker_sub))
		return pb_problem_set(p, PB_ESOD, NULL,
		    "%s by someone other than %s, and who that was is not recorded",
		    rule, maker);
	if (strcmp(maker_sub, checker_sub) == 0)
		return pb_problem_set(p, PB_ESOD, NULL, "%s by someone other than %s",
		    rule, maker);
	return PB_OK;
}
