/* SPDX-License-Identifier: MIT */
/* headers.c — If-Match and Idempotency-Key parsing (see headers.h). */
#include "internal/http/headers.h"

#include <string.h>

int pb_http_valid_idempotency_key(const char *s, size_t n)
{
	if (s == NULL || n == 0 || n > PB_HTTP_IDEMPOTENCY_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return 0;
	}
	return 1;
}

int pb_http_parse_if_match(const char *h, int *version)
{
	*version = -1;
	if (h == NULL || strcmp(h, "*") == 0)
		return 0;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	/* bounded scan: a well-formed value is at most 11 bytes */
	size_t n = strnlen(h, PB_HTTP_ETAG_MAX_DIGITS + 3);
	if (n < 3 || n > PB_HTTP_ETAG_MAX_DIGITS + 2 || h[0] != '"' || h[n - 1] != '"')
		return -1;
	int v = 0;
	for (size_t i = 1; i < n - 1; i++) {
		if (h[i] < '0' || h[i] > '9')
			return -1;
		v = v * 10 + (h[i] - '0');
	}
	*version = v;
	return 0;
}

/* --- Accept ------------------------------------------------------------------ */

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 when s[0..n) equals the NUL-terminated lower-case t, ignoring case. */
static int same(const char *s, size_t n, const char *t)
{
	size_t i = 0;

	for (; i < n && t[i] != '\0'; i++)
		if (lower(s[i]) != t[i])
			return 0;
	return i == n && t[i] == '\0';
}

/* A qvalue "0", "0.d{0,3}", "1", "1.0{0,3}" as 0..1000; -1 when malformed. */
static int qvalue(const char *s, size_t n)
{
	int q;

	if (n == 0 || (s[0] != '0' && s[0] != '1') || n == 2 || n > 5)
		return -1;
	q = s[0] == '1' ? 1000 : 0;
	if (n == 1)
		return q;
	if (s[1] != '.')
		return -1;
	for (size_t i = 2, scale = 100; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9' || (q == 1000 && s[i] != '0'))
			return -1;
		q += (s[i] - '0') * (int)scale;
	}
	return q;
}

/* One member of the list, s[0..n): its type and subtype spans and q.
 * 0 when it is a media range, -1 when it is skipped. */
static int media_range(const char *s, size_t n, const char **type, size_t *tlen,
    const char **sub, size_t *slen, int *q)
{
	size_t i = 0, slash;

	while (i < n && s[i] != '/' && s[i] != ';' && !ows(s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != '/')
		return -1;
	slash = i++;
	while (i < n && s[i] != ';' && !ows(s[i]))
		i++;
	if (i == slash + 1)
		return -1;
	*type = s;
	*tlen = slash;
	*sub = s + slash + 1;
	*slen = i - slash - 1;
	*q = 1000;
	while (i < n) {
		while (i < n && ows(s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] != ';')
			return -1;
		i++;
		while (i < n && ows(s[i]))
			i++;
		size_t name = i;
		while (i < n && s[i] != '=' && s[i] != ';')
			i++;
		size_t value = i < n && s[i] == '=' ? i + 1 : i;
		size_t end = value;
		while (end < n && s[end] != ';' && !ows(s[end]))
			end++;
		if (value > i && same(s + name, i - name, "q")) {
			*q = qvalue(s + value, end - value);
			if (*q < 0)
				return -1;
		}
		i = end;
	}
	if (*tlen == 1 && **type == '*' && !(*slen == 1 && **sub == '*'))
		return -1;
	return 0;
}

/* How specifically the range matches "type/subtype" t: 3 exactly, 2 by
 * type/ *, 1 by * / *, 0 not at all. */
static int match(const char *type, size_t tlen, const char *sub, size_t slen, const char *t)
{
	const char *slash = strchr(t, '/');
	size_t tl = (size_t)(slash - t);

	if (tlen == 1 && type[0] == '*')
		return 1;
	if (tlen != tl)
		return 0;
	for (size_t i = 0; i < tl; i++)
		if (lower(type[i]) != t[i])
			return 0;
	if (slen == 1 && sub[0] == '*')
		return 2;
	return same(sub, slen, slash + 1) ? 3 : 0;
}

int pb_http_accept_pick(const char *h, const char *const offered[], size_t n)
{
	int best = -1, best_q = 0, best_spec = 0;
	size_t best_pos = 0;

	if (h == NULL)
		return 0;
	while (ows(*h))
		h++;
	if (*h == '\0')
		return 0;
	for (size_t k = 0; k < n; k++) {
		int spec = 0, q = 0;
		size_t pos = 0, at = 0;
		for (const char *s = h; *s != '\0'; at++) {
			const char *e = strchr(s, ',');
			size_t len = e ? (size_t)(e - s) : strlen(s);
			const char *type, *sub;
			size_t tlen, slen;
			int rq;
			while (len > 0 && ows(*s)) {
				s++;
				len--;
			}
			if (media_range(s, len, &type, &tlen, &sub, &slen, &rq) == 0) {
				int m = match(type, tlen, sub, slen, offered[k]);
				if (m > spec) {
					spec = m;
					q = rq;
					pos = at;
				}
			}
			s = e ? e + 1 : s + len;
		}
		if (spec > 0 && q > 0 && (q > best_q || (q == best_q && (spec > best_spec ||
		    (spec == best_spec && pos < best_pos))))) {
			best = (int)k;
			best_q = q;
			best_spec = spec;
			best_pos = pos;
		}
	}
	return best;
}

/* n lower-case hex digits at s, not all '0': 1, else 0 */
static int lower_hex_id(const char *s, size_t n)
{
	int nonzero = 0;

	for (size_t i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
		nonzero |= s[i] != '0';
	}
	return nonzero;
}

int pb_http_parse_traceparent(const char *h, char trace_id[33], char parent_id[17])
{
	/* 00-<32>-<16>-<2>: 55 bytes exactly for version 00 */
	if (h == NULL || strlen(h) != 55 || strncmp(h, "00-", 3) != 0 || h[35] != '-' ||
	    h[52] != '-' || !lower_hex_id(h + 3, 32) || !lower_hex_id(h + 36, 16) ||
	    !((h[53] >= '0' && h[53] <= '9') || (h[53] >= 'a' && h[53] <= 'f')) ||
	    !((h[54] >= '0' && h[54] <= '9') || (h[54] >= 'a' && h[54] <= 'f')))
		return -1;
	memcpy(trace_id, h + 3, 32);
	trace_id[32] = '\0';
	memcpy(parent_id, h + 36, 16);
	parent_id[16] = '\0';
	return 0;
}
