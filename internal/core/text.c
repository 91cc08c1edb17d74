/* SPDX-License-Identifier: MIT */
/* text.c — string predicates (see text.h). */
#include "internal/core/text.h"

#include <stddef.h>

int pb_text_present(const char *s)
{
	return s != NULL && s[0] != '\0';
}

int pb_text_blank(const char *s)
{
	if (s == NULL)
		return 1;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}
