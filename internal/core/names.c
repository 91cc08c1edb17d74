/* SPDX-License-Identifier: MIT */
/* names.c — table lookups behind PB_NAMES_DEFINE (see names.h). */
#include "internal/core/names.h"

#include <string.h>

const char *pb_names_get(const char *const *names, size_t n, int v)
{
	if (v <= 0 || (size_t)v >= n)
		return NULL;
	return names[v];
}

int pb_names_find(const char *const *names, size_t n, const char *s, size_t len)
{
	if (s == NULL)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return 0;
}
