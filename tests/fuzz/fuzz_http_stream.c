/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http_stream.c — libFuzzer harness for the strict HTTP/1.1 request
 * parser (internal/http/parser.h) on a stream of pipelined requests.
 * Byte 0 seeds the split points, byte 1 picks the body limit (0, 16, 1024
 * or 65536 bytes), the rest (at most 64 KiB) is the byte stream.
 *
 * The stream is parsed twice: (A) fed at once, (B) fed in pieces of 1..N
 * bytes drawn from a PRNG seeded by byte 0, each piece in its own malloc'd
 * buffer of exactly its size (freed after the call, so a read past the
 * piece or a pointer kept into it is caught by ASan).  After HEAD the rest
 * is fed on, after REQUEST pb_http_parser_next and the rest, after ERROR
 * nothing.  Asserted:
 *  - differential: A and B give the same events — each HEAD/REQUEST with
 *    its method, target, minor, keep_alive, expect_continue, fields in
 *    order, body bytes and the stream offset where it ended; each ERROR
 *    with its status; whether a request was under way at the end;
 *  - on HEAD and REQUEST: method and target non-NULL, non-empty strings;
 *    minor 0 or 1; nfields <= PB_HTTP_MAX_FIELDS; every field name
 *    non-empty and only RFC 9110 tchar; no value holding CR or LF or
 *    starting/ending with SP/HTAB; a 1.1 request has exactly one Host;
 *  - framing, against a strict reference reading of the raw bytes the
 *    parser consumed for the request: a head with no NUL, CR LF line ends
 *    only (no bare CR or LF), ending in an empty line; then nothing (no
 *    Content-Length or Transfer-Encoding), exactly Content-Length bytes
 *    equal to the body, or a chunked body whose chunk lines, data and
 *    trailer lines (no obs-fold) end in CR LF and whose data equal the
 *    body; the head of a HEAD event ends exactly where it was returned,
 *    and HEAD comes exactly for a request with a body (has_body);
 *  - on REQUEST: body non-NULL, body[body_len] == '\0', body_len <=
 *    max_body, the request took at least one byte, and after
 *    pb_http_parser_next the parser is not started;
 *  - on ERROR: status in {400, 413, 417, 431, 501, 503, 505} and a
 *    non-empty detail; a further feed returns ERROR with used == 0;
 *  - used <= the bytes fed, and == them on MORE.
 * On a differential mismatch both event logs are printed to stderr.
 * Build and run: FUZZ_ONLY=http_stream sh tests/fuzz/run.sh SECONDS
 */
// FUZZ_SOURCES: internal/http/parser.c internal/http/framing.c internal/core/hex.c
// FUZZ_SOURCES: /usr/share/llhttp/api.c /usr/share/llhttp/http.c /usr/share/llhttp/llhttp.c
// FUZZ_LIBS:
// FUZZ_CFLAGS: -I/usr/share/include/llhttp
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal/http/http.h"
#include "internal/http/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c) do { if (!(c)) abort(); } while (0)

#define MAX_STREAM (64 * 1024)

/* --- an event log: text with every byte outside a safe set escaped -------- */

struct log {
	char *p;
	size_t len, cap;
};

static void put(struct log *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 1024;
		while (cap < l->len + n + 1)
			cap *= 2;
		l->p = realloc(l->p, cap);
		REQUIRE(l->p != NULL);
		l->cap = cap;
	}
	memcpy(l->p + l->len, s, n);
	l->len += n;
	l->p[l->len] = '\0';
}

static void puts_(struct log *l, const char *s)
{
	put(l, s, strlen(s));
}

static void putnum(struct log *l, const char *key, unsigned long long v)
{
	char b[48];
	int k = snprintf(b, sizeof(b), " %s=%llu", key, v);
	put(l, b, (size_t)k);
}

/* Escaped so that the log is injective: '\\' and separators are escaped. */
static void putesc(struct log *l, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    (c != 0 && strchr("/-_.:;,?&!#$%'*+^`|~()@", c) != NULL)) {
			put(l, (const char *)&c, 1);
		} else {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			put(l, e, 4);
		}
	}
}

/* --- invariants ----------------------------------------------------------- */

static int tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A line end in the message framing: CR LF, strictly. */
static int eol(const char *s, size_t n, size_t i)
{
	return i + 1 < n && s[i] == '\r' && s[i + 1] == '\n';
}

/* The raw head of an accepted request, s[0..n): leading empty lines
 * skipped, then lines with no NUL, every CR followed by LF and every LF
 * preceded by CR, up to the empty line CR LF.  Returns the offset just
 * past that empty line. */
static size_t raw_head(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == '\r' || s[i] == '\n'))
		i++;
	REQUIRE(i < n);
	for (;; i++) {
		REQUIRE(i < n);
		REQUIRE(s[i] != '\0');
		if (s[i] == '\n') {
			REQUIRE(s[i - 1] == '\r');
			if (i + 1 < n && s[i + 1] == '\r') {
				REQUIRE(eol(s, n, i + 1));
				return i + 3;
			}
		} else if (s[i] == '\r') {
			REQUIRE(i + 1 < n && s[i + 1] == '\n');
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A strict reference reading of the chunked body s[pos..n) (RFC 9112
 * §7.1): it ends exactly at n and its data equal body[0..body_len). */
static void raw_chunked(const char *s, size_t n, size_t pos, const char *body, size_t body_len)
{
	size_t out = 0;

	for (;;) {
		size_t size = 0;
		int digits = 0;
		for (; pos < n && hexval(s[pos]) >= 0; pos++, digits++) {
			REQUIRE(size <= (SIZE_MAX >> 4));
			size = size * 16 + (size_t)hexval(s[pos]);
		}
		REQUIRE(digits > 0);
		for (; pos < n && s[pos] != '\r' && s[pos] != '\n'; pos++)   /* chunk-ext */
			REQUIRE(s[pos] != '\0');
		REQUIRE(eol(s, n, pos));
		pos += 2;
		if (size == 0)
			break;
		REQUIRE(size <= n - pos && size <= body_len - out);
		REQUIRE(memcmp(s + pos, body + out, size) == 0);
		out += size;
		pos += size;
		REQUIRE(eol(s, n, pos));
		pos += 2;
	}
	/* trailer section: field lines (no obs-fold), then an empty line */
	while (!eol(s, n, pos)) {
		REQUIRE(pos < n && tchar((unsigned char)s[pos]));
		for (; pos < n && s[pos] != '\r' && s[pos] != '\n'; pos++)
			REQUIRE(s[pos] != '\0');
		REQUIRE(eol(s, n, pos));
		pos += 2;
	}
	REQUIRE(pos + 2 == n);
	REQUIRE(out == body_len);
}

/* The raw bytes s[0..n) of an accepted request (or of a head when
 * body == NULL) frame it as the parser says. */
static void check_raw(const struct pb_http_msg *m, const char *s, size_t n, const char *body,
    size_t body_len)
{
	size_t head = raw_head(s, n);
	const char *te = pb_http_msg_field(m, "transfer-encoding");
	const char *cl = pb_http_msg_field(m, "content-length");

	if (body == NULL) {
		REQUIRE(head == n);
	} else if (te != NULL) {
		REQUIRE(cl == NULL);
		raw_chunked(s, n, head, body, body_len);
	} else if (cl != NULL) {
		unsigned long long v = 0;
		REQUIRE(cl[0] != '\0');
		for (const char *c = cl; *c; c++) {
			REQUIRE(*c >= '0' && *c <= '9' && v <= MAX_STREAM);
			v = v * 10 + (unsigned)(*c - '0');
		}
		REQUIRE(v == body_len && head + body_len == n);
		REQUIRE(memcmp(s + head, body, body_len) == 0);
	} else {
		REQUIRE(body_len == 0 && head == n);
	}
}

static void check_head(const struct pb_http_msg *m)
{
	int hosts = 0;

	REQUIRE(m != NULL);
	REQUIRE(m->method != NULL && m->method[0] != '\0' && strlen(m->method) < 64);
	REQUIRE(m->target != NULL && m->target[0] != '\0' && strlen(m->target) <= PB_HTTP_MAX_HEADERS);
	REQUIRE(m->minor == 0 || m->minor == 1);
	REQUIRE(m->keep_alive == 0 || m->keep_alive == 1);
	REQUIRE(m->expect_continue == 0 || m->expect_continue == 1);
	REQUIRE(m->nfields >= 0 && m->nfields <= PB_HTTP_MAX_FIELDS);
	for (int i = 0; i < m->nfields; i++) {
		const char *name = m->fields[i].name;
		const char *value = m->fields[i].value;
		REQUIRE(name != NULL && value != NULL);
		REQUIRE(name[0] != '\0');
		for (const char *c = name; *c; c++)
			REQUIRE(tchar((unsigned char)*c));
		size_t vn = strlen(value);
		REQUIRE(memchr(value, '\r', vn) == NULL && memchr(value, '\n', vn) == NULL);
		REQUIRE(vn == 0 || (value[0] != ' ' && value[0] != '\t' &&
		    value[vn - 1] != ' ' && value[vn - 1] != '\t'));
		hosts += strcasecmp(name, "host") == 0;
	}
	if (m->minor == 1)
		REQUIRE(hosts == 1);
}

static void log_msg(struct log *l, const char *tag, const struct pb_http_msg *m, size_t end)
{
	puts_(l, tag);
	puts_(l, " ");
	putesc(l, m->method, strlen(m->method));
	puts_(l, " ");
	putesc(l, m->target, strlen(m->target));
	putnum(l, "minor", (unsigned)m->minor);
	putnum(l, "ka", (unsigned)m->keep_alive);
	putnum(l, "ec", (unsigned)m->expect_continue);
	putnum(l, "hb", (unsigned)m->has_body);
	putnum(l, "end", end);
	putnum(l, "nf", (unsigned)m->nfields);
	for (int i = 0; i < m->nfields; i++) {
		puts_(l, " [");
		putesc(l, m->fields[i].name, strlen(m->fields[i].name));
		puts_(l, "=");
		putesc(l, m->fields[i].value, strlen(m->fields[i].value));
		puts_(l, "]");
	}
}

static int allowed_status(int s)
{
	return s == 400 || s == 413 || s == 417 || s == 431 || s == 501 || s == 503 || s == 505;
}

/* --- one run ---------------------------------------------------------------- */

static uint32_t next_rand(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Feed the stream s[0..len) to a parser with body limit max_body, in one
 * piece (maxpiece 0) or in pieces of 1..maxpiece bytes drawn from rng;
 * append the events to l. */
static void run(const char *s, size_t len, size_t max_body, size_t maxpiece, uint32_t rng,
    struct log *l)
{
	struct pb_http_parser *p = pb_http_parser_new(max_body, max_body);
	size_t off = 0, piece_end = 0, req_start = 0, steps = 0;
	int failed = 0;

	REQUIRE(p != NULL);
	REQUIRE(!pb_http_parser_started(p));
	while (off < len && !failed) {
		REQUIRE(++steps <= 4 * len + 16);   /* no endless loop */
		if (off == piece_end) {
			size_t k = maxpiece == 0 ? len - off : 1 + next_rand(&rng) % maxpiece;
			piece_end = k > len - off ? len : off + k;
		}
		size_t n = piece_end - off;
		char *buf = malloc(n);
		REQUIRE(buf != NULL);
		memcpy(buf, s + off, n);
		size_t used = (size_t)-1;
		const struct pb_http_msg *m = NULL;
		struct pb_http_error err = { 0, NULL };
		enum pb_http_event ev = pb_http_parser_feed(p, buf, n, &used, &m, &err);
		free(buf);
		REQUIRE(used <= n);
		switch (ev) {
		case PB_HTTP_MORE:
			REQUIRE(used == n);
			off += n;
			REQUIRE(pb_http_parser_started(p));
			break;
		case PB_HTTP_HEAD:
			off += used;
			check_head(m);
			check_raw(m, s + req_start, off - req_start, NULL, 0);
			REQUIRE(m->has_body == 1 && m->body == NULL);
			log_msg(l, "HEAD", m, off);
			puts_(l, "\n");
			break;
		case PB_HTTP_REQUEST:
			off += used;
			REQUIRE(off > req_start);
			check_head(m);
			REQUIRE(m->body != NULL && m->body[m->body_len] == '\0');
			REQUIRE(m->body_len <= max_body);
			check_raw(m, s + req_start, off - req_start, m->body, m->body_len);
			log_msg(l, "REQ", m, off);
			putnum(l, "body", m->body_len);
			puts_(l, " ");
			putesc(l, m->body, m->body_len);
			puts_(l, "\n");
			pb_http_parser_next(p);
			REQUIRE(!pb_http_parser_started(p));
			req_start = off;
			break;
		case PB_HTTP_ERROR:
			REQUIRE(allowed_status(err.status));
			REQUIRE(err.detail != NULL && err.detail[0] != '\0');
			putnum(l, "ERR", (unsigned)err.status);
			puts_(l, "\n");
			failed = 1;
			break;
		default:
			REQUIRE(0);
		}
	}
	if (failed) {
		/* nothing more is taken */
		static const char more[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
		size_t used = (size_t)-1;
		const struct pb_http_msg *m = NULL;
		struct pb_http_error err = { 0, NULL };
		REQUIRE(pb_http_parser_feed(p, more, sizeof(more) - 1, &used, &m, &err) == PB_HTTP_ERROR);
		REQUIRE(used == 0);
		REQUIRE(allowed_status(err.status) && err.detail != NULL);
	} else {
		putnum(l, "END started", (unsigned)pb_http_parser_started(p));
		puts_(l, "\n");
	}
	pb_http_parser_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 0, 16, 1024, 65536 };
	static const size_t pieces[] = { 1, 2, 3, 5, 8, 17, 64, 700 };

	if (size < 2 || size > 2 + MAX_STREAM)
		return 0;
	const char *s = (const char *)data + 2;
	size_t len = size - 2;
	size_t max_body = limits[data[1] & 3];
	size_t maxpiece = pieces[data[0] & 7];
	uint32_t rng = 0x9e3779b9u ^ ((uint32_t)data[0] * 0x01000193u);
	struct log a = { NULL, 0, 0 }, b = { NULL, 0, 0 };

	put(&a, "", 0);
	put(&b, "", 0);
	run(s, len, max_body, 0, 0, &a);
	run(s, len, max_body, maxpiece, rng, &b);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		fprintf(stderr, "fuzz_http_stream: split changed the result (max_body %zu, pieces 1..%zu)\n"
		    "--- at once:\n%s--- in pieces:\n%s", max_body, maxpiece, a.p, b.p);
		abort();
	}
	free(a.p);
	free(b.p);
	return 0;
}
