/* SPDX-License-Identifier: MIT */
/* text.c — string predicates (see text.h). */
#include "internal/core/text.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* Decode one UTF-8 sequence at s into *cp; its length, or 0 when
 * malformed (overlong, a surrogate, past U+10FFFF, truncated). */
static int snake_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int pb_text_snake(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 1 || n > max || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (; *s; s++)
		if (!snake_char(*s))
			return 0;
	return 1;
}

int pb_text_dotted(const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n < 1 || n > max || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (; *s; s++)
		if (!snake_char(*s) && !(*s == '.' && s[1] != '.'))
			return 0;
	return 1;
}

size_t pb_text_utf8_next(const unsigned char *s, uint32_t *cp)
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
int pb_text_hidden_or_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) ||
	    c == 0x2028 || c == 0x2029 ||                      /* line, paragraph separators */
	    c == 0x061C || c == 0x200E || c == 0x200F ||       /* bidi marks */
	    (c >= 0x202A && c <= 0x202E) ||                    /* embeddings, overrides */
	    (c >= 0x2066 && c <= 0x2069) ||                    /* isolates */
	    (c >= 0x200B && c <= 0x200D) || c == 0x2060 ||     /* zero width */
	    c == 0xFEFF;                                       /* byte-order mark */
}

int pb_text_clean(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	while (u != NULL && *u != '\0') {
		uint32_t c = 0;
		size_t n = pb_text_utf8_next(u, &c);
		if (n == 0 || pb_text_hidden_or_control(c))
			return 0;
		u += n;
	}
	return u != NULL;
}
