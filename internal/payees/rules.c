/* SPDX-License-Identifier: MIT */
/* rules.c — what a payee record may hold (see rules.h). */
#include "internal/payees/rules.h"

#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence at s into *cp; its length, or 0 when
 * malformed (overlong, a surrogate, past U+10FFFF, truncated). */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
	    : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	uint32_t c;

	if (n == 0)
		return 0;
	c = n == 1 ? s[0] : s[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}

/* 1 for a character that can hide or reorder text in a bank file. */
static int hidden_or_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) ||
	    c == 0x2028 || c == 0x2029 ||                      /* line, paragraph separators */
	    c == 0x061C || c == 0x200E || c == 0x200F ||       /* bidi marks */
	    (c >= 0x202A && c <= 0x202E) ||                    /* embeddings, overrides */
	    (c >= 0x2066 && c <= 0x2069) ||                    /* isolates */
	    (c >= 0x200B && c <= 0x200D) || c == 0x2060 ||     /* zero width */
	    c == 0xFEFF;                                       /* byte-order mark */
}

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
		size_t n = utf8_next(s, &c);
		if (n == 0)
			return "name is not valid UTF-8.";
		if (hidden_or_control(c))
			return "name must not contain control, bidi-override or zero-width characters"
			    " (it goes into the bank file).";
		visible |= c != ' ';
		if (c == ' ' && s[1] == '\0')
			return "name must not end with a space.";
		s += n;
	}
	return visible ? NULL : "name is required.";
}
