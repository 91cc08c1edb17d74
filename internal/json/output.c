/* SPDX-License-Identifier: MIT */
/* output.c — JSON output: printing trees, the one string escaper (output.h). */
#include "internal/json/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/core/hex.h"

char *pb_json_print(cJSON *tree)
{
	char *text = cJSON_PrintUnformatted(tree);

	cJSON_Delete(tree);
	if (text == NULL)
		abort();
	/* hand back plain malloc'd memory, whatever cJSON's hooks are */
	char *s = strdup(text);
	cJSON_free(text);
	if (s == NULL)
		abort();
	return s;
}

void pb_json_add_int(cJSON *o, const char *name, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	cJSON_AddRawToObject(o, name, buf);
}

/* Length of the well-formed UTF-8 sequence at s[0..n) (Unicode 15,
 * table 3-7), or 0 when the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;              /* no overlongs */
	else if (c == 0xED)
		hi = 0x9F;              /* no UTF-16 surrogates */
	else if (c == 0xF0)
		lo = 0x90;              /* no overlongs */
	else if (c == 0xF4)
		hi = 0x8F;              /* nothing above U+10FFFF */
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < need; k++)
		if (s[k] < 0x80 || s[k] > 0xBF)
			return 0;
	return need;
}

enum pb_err pb_json_write_string(struct pb_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t run = 0, i = 0;
	enum pb_err err = pb_buf_add(b, "\"", 1);

	while (err == PB_OK && i < len) {
		unsigned char c = u[i];
		size_t n = c >= 0x20 && c != '"' && c != '\\' ? utf8_len(u + i, len - i) : 0;
		if (n > 0) {
			i += n;
			continue;
		}
		/* flush the clean run, then write the escape */
		err = pb_buf_add(b, s + run, i - run);
		char e[7] = { '\\', 'u', '0', '0' };
		const char *esc = e;
		size_t elen = 6;
		switch (c) {
		case '"': esc = "\\\""; elen = 2; break;
		case '\\': esc = "\\\\"; elen = 2; break;
		case '\b': esc = "\\b"; elen = 2; break;
		case '\f': esc = "\\f"; elen = 2; break;
		case '\n': esc = "\\n"; elen = 2; break;
		case '\r': esc = "\\r"; elen = 2; break;
		case '\t': esc = "\\t"; elen = 2; break;
		default:
			if (c >= 0x20)
				esc = "\\ufffd";  /* one byte of an ill-formed sequence */
			else
				pb_hex_encode(&c, 1, e + 4);
			break;
		}
		if (err == PB_OK)
			err = pb_buf_add(b, esc, elen);
		run = ++i;
	}
	if (err == PB_OK)
		err = pb_buf_add(b, s + run, i - run);
	if (err == PB_OK)
		err = pb_buf_add(b, "\"", 1);
	return err;
}

enum pb_err pb_json_write_cstr(struct pb_buf *b, const char *s)
{
	return pb_json_write_string(b, s, strlen(s));
}

enum pb_err pb_json_write_int(struct pb_buf *b, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", (long long)v);

	return pb_buf_add(b, num, (size_t)n);
}
