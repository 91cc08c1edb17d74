/* SPDX-License-Identifier: MIT */
/* rules.c — what a payee record may hold (see rules.h). */
#include "internal/payees/rules.h"

#include <stddef.h>
#include <stdint.h>

#include "internal/core/text.h"

const char *pb_payee_name_problem(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	int visible = 0;

	if (s == NULL || s[0] == '\0')
		return "name is required.";
	if (s[0] == ' ')
		return "name must not start with a space.";
	while (*s != '\0') {
		uint32_t c = 0;
		size_t n = pb_text_utf8_next(s, &c);
		if (n == 0)
			return "name is not valid UTF-8.";
		if (pb_text_hidden_or_control(c))
			return "name must not contain control, bidi-override or zero-width characters"
			    " (it goes into the bank file).";
		visible |= c != ' ';
		if (c == ' ' && s[1] == '\0')
			return "name must not end with a space.";
		s += n;
	}
	return visible ? NULL : "name is required.";
}
