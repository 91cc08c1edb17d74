/* SPDX-License-Identifier: MIT */
/* bacs18.c — the BACS Standard 18 bank file (see bacs18.h). */
#include "internal/payments/bacs18.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal/core/date.h"


static int bacs_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '&' ||
	    c == '/' || c == '-' || c == ' ';
}

/* The base letter of a Latin-1 letter U+00C0..U+00FF (second UTF-8 byte
 * after 0xC3), upper case; 0 when it is not a letter. */
static char latin1_base(unsigned char b)
{
	static const char map[] = "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTSAAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";
	unsigned idx = (unsigned)b - 0x80u;

	if (b < 0x80 || b > 0xBF)
		return 0;
	char m = map[idx];
	return m == ' ' ? 0 : m;
}

size_t pb_bacs_text(const char *src, char out[PB_BACS_FIELD + 1])
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = 0;

	for (size_t i = 0; s[i] != '\0' && n < PB_BACS_FIELD;) {
		char c = 0;
		size_t step = 1;
		if (s[i] < 0x80) {
			c = (char)s[i];
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 'a' + 'A');
			if (c == '\'' || c == '`')
				c = 0;                  /* O'Brien -> OBRIEN */
			else if (!bacs_char(c))
				c = ' ';
		} else {
			/* the length of a UTF-8 sequence; a broken one is one byte */
			step = s[i] >= 0xF0 ? 4 : s[i] >= 0xE0 ? 3 : s[i] >= 0xC0 ? 2 : 1;
			for (size_t k = 1; k < step; k++)
				if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
					step = k;
					break;
				}
			c = step == 2 && s[i] == 0xC3 ? latin1_base(s[i + 1]) : ' ';
			if (c == 0)
				c = ' ';
		}
		i += step;
		if (c == 0 || (c == ' ' && (n == 0 || out[n - 1] == ' ')))
			continue;
		out[n++] = c;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

void pb_bacs_julian(int32_t day, char out[7])
{
	int y, m, d;

	pb_date_to_ymd(day, &y, &m, &d);
	unsigned doy = (unsigned)(day - pb_date_from_ymd(y, 1, 1) + 1) % 1000u;
	snprintf(out, 7, " %02u%03u", (unsigned)(y % 100), doy);
}

static int digits(const char *s, size_t len)
{
	if (s == NULL || strlen(s) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A record of width w from fmt (which must fill it exactly), CRLF after. */
static enum pb_err record(struct pb_buf *out, size_t w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum pb_err record(struct pb_buf *out, size_t w, const char *fmt, ...)
{
	char line[PB_BACS_DATA_LEN + 1];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n != w)
		return PB_EINVAL;
	if (pb_buf_add(out, line, w) != PB_OK || pb_buf_add(out, "\r\n", 2) != PB_OK)
		return PB_EINVAL;
	return PB_OK;
}

static enum pb_err data(struct pb_buf *out, const char *dsort, const char *dacct,
    const char *code, const struct pb_bacs_origin *o, int64_t amount, const char *name,
    const char *ref, const char *beneficiary)
{
	return record(out, PB_BACS_DATA_LEN, "%-6s%-8s0%-2s%-6s%-8s    %011lld%-18s%-18s%-18s",
	    dsort, dacct, code, o->sort_code, o->account, (long long)amount, name, ref,
	    beneficiary);
}

/* HDR1 / EOF1: the file's identity; block count 0 (no blocking). */
static enum pb_err hdr1(struct pb_buf *out, const char *label, const struct pb_bacs_origin *o,
    const char *jul)
{
	return record(out, PB_BACS_LABEL_LEN, "%sA%sS  1%s%-6s00010001      %s%s 000000%20s",
	    label, o->sun, o->sun, "000001", jul, jul, "");
}

/* HDR2 / EOF2: fixed blocks of 2000, records of 100. */
static enum pb_err hdr2(struct pb_buf *out, const char *label)
{
	return record(out, PB_BACS_LABEL_LEN, "%sF0200000100%35s00%28s", label, "", "");
}

enum pb_err pb_bacs18_file(struct pb_buf *out, const struct pb_bacs_origin *o,
    const struct pb_bacs_credit *c, size_t n, size_t *bad)
{
	char jul[7], name[PB_BACS_FIELD + 1], ben[PB_BACS_FIELD + 1], ref[PB_BACS_FIELD + 1];
	char contra_ref[PB_BACS_FIELD + 1];
	int64_t total = 0;
	enum pb_err err;

	*bad = n;
	if (!digits(o->sun, 6) || !digits(o->sort_code, 6) || !digits(o->account, 8) ||
	    pb_bacs_text(o->name, name) == 0 || n > 9999999)
		return PB_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (!digits(c[i].sort_code, 6) || !digits(c[i].account, 8) ||
		    c[i].amount_pence < 1 || c[i].amount_pence > PB_BACS_AMOUNT_MAX ||
		    pb_bacs_text(c[i].payee_name, ben) == 0) {
			*bad = i;
			return PB_EINVAL;
		}
		total += c[i].amount_pence;
		if (total > PB_BACS_AMOUNT_MAX)
			return PB_EINVAL;
	}
	pb_bacs_julian(o->processing_day, jul);
	/* the contra names the run: "PB RUN " and its first 8 hex digits */
	char runref[32];
	snprintf(runref, sizeof(runref), "PB RUN %.8s", o->run_id != NULL ? o->run_id : "");
	pb_bacs_text(runref, contra_ref);
	err = record(out, PB_BACS_LABEL_LEN, "VOL1%-6s %20s%6s    %s%32s1", "000001", "", "",
	    o->sun, "");
	if (err == PB_OK)
		err = hdr1(out, "HDR1", o, jul);
	if (err == PB_OK)
		err = hdr2(out, "HDR2");
	if (err == PB_OK)
		err = record(out, PB_BACS_LABEL_LEN, "UHL1%s999999    000000001 DAILY  001%40s",
		    jul, "");
	for (size_t i = 0; i < n && err == PB_OK; i++) {
		pb_bacs_text(c[i].payee_name, ben);
		pb_bacs_text(c[i].reference != NULL ? c[i].reference : "", ref);
		err = data(out, c[i].sort_code, c[i].account, "99", o, c[i].amount_pence, name,
		    ref, ben);
	}
	if (err == PB_OK)
		err = data(out, o->sort_code, o->account, "17", o, total, contra_ref, "CONTRA",
		    name);
	if (err == PB_OK)
		err = hdr1(out, "EOF1", o, jul);
	if (err == PB_OK)
		err = hdr2(out, "EOF2");
	if (err == PB_OK)
		err = record(out, PB_BACS_LABEL_LEN, "UTL1%013lld%013lld%07d%07zu%36s",
		    (long long)total, (long long)total, 1, n, "");
	return err;
}
