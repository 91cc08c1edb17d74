/* SPDX-License-Identifier: MIT */
/* test_http_parser.c — strict HTTP/1.1 request parsing (internal/http/parser.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal/http/http.h"
#include "internal/http/parser.h"

#define S(lit) lit, sizeof(lit) - 1

/* Feed all of data in pieces of `step` bytes (0: at once); return the
 * first event other than MORE, or MORE.  *consumed: bytes used in all. */
static enum pb_http_event feed_steps(struct pb_http_parser *p, const char *data, size_t len,
    size_t step, size_t *consumed, const struct pb_http_msg **msg, struct pb_http_error *err)
{
	size_t off = 0;

	while (off < len) {
		size_t n = step == 0 || step > len - off ? len - off : step;
		size_t used = 0;
		enum pb_http_event ev = pb_http_parser_feed(p, data + off, n, &used, msg, err);
		off += used;
		if (ev == PB_HTTP_HEAD)
			continue;
		if (ev != PB_HTTP_MORE) {
			*consumed = off;
			return ev;
		}
	}
	*consumed = off;
	return PB_HTTP_MORE;
}

/* The status the text fed in pieces of `step` bytes is refused with (0
 * when it is accepted). */
static int refusal_in_steps(const char *data, size_t len, size_t step)
{
	struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	const struct pb_http_msg *m;
	struct pb_http_error err = { 0, NULL };
	size_t used;

	assert_non_null(p);
	enum pb_http_event ev = feed_steps(p, data, len, step, &used, &m, &err);
	pb_http_parser_free(p);
	if (ev == PB_HTTP_ERROR) {
		assert_non_null(err.detail);
		return err.status;
	}
	return 0;
}

static int refusal(const char *data, size_t len)
{
	return refusal_in_steps(data, len, 0);
}

static void test_simple_get(void **state)
{
	static const char req[] = "GET /v1/children?limit=5 HTTP/1.1\r\nHost: a\r\n"
	    "Authorization:  Bearer x \r\nX-Empty:\r\n\r\n";
	struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	const struct pb_http_msg *m;
	struct pb_http_error err;
	size_t used;

	(void)state;
	assert_int_equal(pb_http_parser_feed(p, S(req), &used, &m, &err), PB_HTTP_REQUEST);
	assert_int_equal(used, sizeof(req) - 1);
	assert_string_equal(m->method, "GET");
	assert_string_equal(m->target, "/v1/children?limit=5");
	assert_int_equal(m->minor, 1);
	assert_int_equal(m->keep_alive, 1);
	assert_int_equal(m->nfields, 3);
	assert_string_equal(pb_http_msg_field(m, "authorization"), "Bearer x");
	assert_string_equal(pb_http_msg_field(m, "X-EMPTY"), "");
	assert_null(pb_http_msg_field(m, "cookie"));
	assert_int_equal(m->body_len, 0);
	assert_string_equal(m->body, "");
	pb_http_parser_free(p);
}

/* The same request split at every possible point parses the same. */
static void test_split_anywhere(void **state)
{
	static const char req[] = "POST /v1/children HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
	    "Content-Length: 10\r\n\r\n{\"a\": \"b\"}";

	(void)state;
	for (size_t step = 1; step <= sizeof(req); step++) {
		struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
		const struct pb_http_msg *m;
		struct pb_http_error err;
		size_t used;
		assert_int_equal(feed_steps(p, S(req), step, &used, &m, &err), PB_HTTP_REQUEST);
		assert_int_equal(used, sizeof(req) - 1);
		assert_string_equal(m->method, "POST");
		assert_string_equal(m->target, "/v1/children");
		assert_string_equal(pb_http_msg_field(m, "content-type"), "application/json");
		assert_int_equal(m->body_len, 10);
		assert_string_equal(m->body, "{\"a\": \"b\"}");
		pb_http_parser_free(p);
	}
}

static void test_pipelined_and_chunked(void **state)
{
	static const char two[] = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
	struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	const struct pb_http_msg *m;
	struct pb_http_error err;
	size_t used, off;

	(void)state;
	assert_int_equal(feed_steps(p, S(two), 0, &used, &m, &err), PB_HTTP_REQUEST);
	assert_string_equal(m->target, "/a");
	assert_string_equal(m->body, "abcde");
	assert_true(used < sizeof(two) - 1);
	off = used;
	pb_http_parser_next(p);
	assert_false(pb_http_parser_started(p));
	assert_int_equal(pb_http_parser_feed(p, two + off, sizeof(two) - 1 - off, &used, &m, &err),
	    PB_HTTP_REQUEST);
	assert_string_equal(m->target, "/b");
	assert_int_equal(off + used, sizeof(two) - 1);
	pb_http_parser_free(p);
}

static void test_keep_alive_rules(void **state)
{
	static const struct { const char *req; int keep; } cases[] = {
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
		const struct pb_http_msg *m;
		struct pb_http_error err;
		size_t used;
		assert_int_equal(pb_http_parser_feed(p, cases[i].req, strlen(cases[i].req), &used, &m,
		    &err), PB_HTTP_REQUEST);
		assert_int_equal(m->keep_alive, cases[i].keep);
		pb_http_parser_free(p);
	}
}

static void test_refusals(void **state)
{
	static const struct { const char *req; size_t len; int status; } cases[] = {
#define C(lit, st) { lit, sizeof(lit) - 1, st }
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
		C("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: a\r\nX Y: a\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
		C("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: x\r\nauthorization: y\r\n\r\n", 400),
		C("GET / HTTP/1.9\r\nHost: a\r\n\r\n", 505),
		C("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
		C("GET / HTTP/0.9\r\n\r\n", 505),
		C("HELLO\r\n\r\n", 400),
		C("get / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("GET / HTTP/1.1\nHost: a\n\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413),
		C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n", 413),
		C("POST / HTTP/1.1\r\nHost: a\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx", 417),
		C("CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 501),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
		C("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
		/* framing llhttp 8.1 lets through (request smuggling) */
		C("GET /a HTTP/1.1\nHost: a\r\n\r\n", 400),
		C("GET /a HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400),
		C("GET /a HTTP/1.1\r\nHost: a\r\n\rXGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("GET /a HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400),
		C("GET /a\r HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("GET  /a HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("GET /a  HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("GET /a HTTP/1.1 \r\nHost: a\r\n\r\n", 400),
		C("GET\t/a HTTP/1.1\r\nHost: a\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\rXabc\r\n0\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\rX", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "0\r\nAuthorization: Bearer x\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\x01\r\na\r\n0\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "1;a=\x01\r\na\r\n0\r\n\r\n", 400),
		C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "1000000000000000\r\n", 400),
#undef C
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* at once, and split at every point: the same answer */
		for (size_t step = 0; step <= cases[i].len; step++) {
			int got = refusal_in_steps(cases[i].req, cases[i].len, step);
			if (got != cases[i].status)
				fail_msg("case %zu step %zu: status %d, want %d", i, step, got,
				    cases[i].status);
		}
	}
}

/* A request that ends the connection (HTTP/1.0 without keep-alive,
 * Connection: close, an Upgrade) is the last: bytes after it are refused,
 * not parsed as another request. */
static void test_nothing_after_a_closing_request(void **state)
{
	static const char *const firsts[] = {
		"GET /a HTTP/1.0\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
		"GET /a HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
	};
	static const char next[] = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(firsts) / sizeof(firsts[0]); i++) {
		char both[256];
		int n = snprintf(both, sizeof(both), "%s%s", firsts[i], next);
		struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
		const struct pb_http_msg *m;
		struct pb_http_error err = { 0, NULL };
		size_t used;
		assert_int_equal(pb_http_parser_feed(p, both, (size_t)n, &used, &m, &err), PB_HTTP_REQUEST);
		assert_string_equal(m->target, "/a");
		assert_int_equal(m->keep_alive, 0);
		assert_int_equal(used, strlen(firsts[i]));
		pb_http_parser_next(p);
		assert_int_equal(pb_http_parser_feed(p, both + used, (size_t)n - used, &used, &m, &err),
		    PB_HTTP_ERROR);
		assert_int_equal(err.status, 400);
		assert_int_equal(used, 0);
		pb_http_parser_free(p);
	}
}

static void test_accepted_edges(void **state)
{
	static const char *const ok[] = {
		"GET / HTTP/1.0\r\n\r\n",                                  /* 1.0: no Host needed */
		"GET http://a/healthz HTTP/1.1\r\nHost: a\r\n\r\n",         /* absolute-form */
		"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\tb\r\n\r\n",   /* obs-text and HTAB */
		"GET / HTTP/1.1\r\nHost: a\r\nAccept: a\r\nAccept: b\r\n\r\n", /* list fields repeat */
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked \r\n\r\n0\r\n\r\n",
		"PATCH /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",                  /* a blank line first */
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		"a;x=\"y\"\r\n0123456789\r\nA\r\n0123456789\r\n0\r\n\r\n", /* ext, upper hex */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		for (size_t step = 0; step <= strlen(ok[i]); step++)
			if (refusal_in_steps(ok[i], strlen(ok[i]), step) != 0)
				fail_msg("case %zu step %zu refused: %s", i, step, ok[i]);
}

static void test_head_limit(void **state)
{
	size_t n = PB_HTTP_MAX_HEADERS + 100;
	char *big = malloc(n + 64);
	char *fits = malloc(PB_HTTP_MAX_HEADERS + 1);

	(void)state;
	int k = snprintf(big, n + 64, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(big + k, 'v', n - (size_t)k);
	memcpy(big + n, "\r\n\r\n", 4);
	assert_int_equal(refusal(big, n + 4), 431);
	/* a head of exactly the limit is accepted */
	k = snprintf(fits, PB_HTTP_MAX_HEADERS + 1, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(fits + k, 'v', PB_HTTP_MAX_HEADERS - (size_t)k - 4);
	memcpy(fits + PB_HTTP_MAX_HEADERS - 4, "\r\n\r\n", 4);
	assert_int_equal(refusal(fits, PB_HTTP_MAX_HEADERS), 0);
	assert_int_equal(refusal(fits, PB_HTTP_MAX_HEADERS), 0);
	/* too many fields */
	char *many = malloc(8192);
	size_t len = (size_t)snprintf(many, 8192, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (int i = 0; i < PB_HTTP_MAX_FIELDS; i++)
		len += (size_t)snprintf(many + len, 8192 - len, "X%d: 1\r\n", i);
	len += (size_t)snprintf(many + len, 8192 - len, "\r\n");
	assert_int_equal(refusal(many, len), 431);
	free(many);
	free(big);
	free(fits);
}

static void test_chunked_body_limit(void **state)
{
	struct pb_http_parser *p = pb_http_parser_new(10, 10);
	const struct pb_http_msg *m;
	struct pb_http_error err;
	size_t used;
	static const char req[] = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n";

	(void)state;
	assert_int_equal(feed_steps(p, S(req), 0, &used, &m, &err), PB_HTTP_ERROR);
	assert_int_equal(err.status, 413);
	/* and nothing more is taken */
	assert_int_equal(pb_http_parser_feed(p, S("GET / HTTP/1.1\r\n"), &used, &m, &err), PB_HTTP_ERROR);
	assert_int_equal(used, 0);
	pb_http_parser_free(p);
}

/* A body limit raised for one request after its head (an upload route),
 * never past the ceiling, and back to the default for the next. */
static void test_body_limit_raised_per_request(void **state)
{
	struct pb_http_parser *p;
	const struct pb_http_msg *m;
	struct pb_http_error err;
	size_t used;
	static const char body[32] = "0123456789abcdefghij0123456789";
	static const char head20[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\n";
	static const char head40[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 40\r\n\r\n";
	static const char chunked[] = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

	(void)state;
	/* over the default: the head comes out for vetting; left alone, the
	 * body is refused at its first byte */
	p = pb_http_parser_new(10, 30);
	assert_int_equal(pb_http_parser_feed(p, S(head20), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(pb_http_parser_feed(p, body, 20, &used, &m, &err), PB_HTTP_ERROR);
	assert_int_equal(err.status, 413);
	pb_http_parser_free(p);
	/* raised to 30: the whole request; the next one is back to 10 */
	p = pb_http_parser_new(10, 30);
	assert_int_equal(pb_http_parser_feed(p, S(head20), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(pb_http_parser_limit_body(p, 30, &err), 0);
	assert_int_equal(pb_http_parser_feed(p, body, 20, &used, &m, &err), PB_HTTP_REQUEST);
	assert_int_equal(m->body_len, 20);
	pb_http_parser_next(p);
	assert_int_equal(pb_http_parser_feed(p, S(head20), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(pb_http_parser_limit_body(p, 10, &err), -1);
	assert_int_equal(err.status, 413);
	pb_http_parser_free(p);
	/* past the ceiling: refused at the head, whatever is raised */
	p = pb_http_parser_new(10, 30);
	assert_int_equal(pb_http_parser_feed(p, S(head40), &used, &m, &err), PB_HTTP_ERROR);
	assert_int_equal(err.status, 413);
	pb_http_parser_free(p);
	/* chunked: counted as it comes, against the raised limit (capped at
	 * the ceiling even when asked for more) */
	p = pb_http_parser_new(10, 30);
	assert_int_equal(pb_http_parser_feed(p, S(chunked), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(pb_http_parser_limit_body(p, 1000, &err), 0);
	assert_int_equal(pb_http_parser_feed(p, S("14\r\n0123456789abcdefghij\r\n"), &used, &m,
	    &err), PB_HTTP_MORE);
	assert_int_equal(pb_http_parser_feed(p, S("14\r\n0123456789abcdefghij\r\n"), &used, &m,
	    &err), PB_HTTP_ERROR);
	assert_int_equal(err.status, 413);
	pb_http_parser_free(p);
}

static void test_expect_continue_pauses_at_head(void **state)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
	    "Content-Length: 2\r\n\r\n";
	struct pb_http_parser *p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	const struct pb_http_msg *m;
	struct pb_http_error err;
	size_t used;

	(void)state;
	assert_int_equal(pb_http_parser_feed(p, S(head), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(used, sizeof(head) - 1);
	assert_int_equal(m->expect_continue, 1);
	assert_true(pb_http_parser_started(p));
	assert_int_equal(pb_http_parser_feed(p, S("{}"), &used, &m, &err), PB_HTTP_REQUEST);
	assert_string_equal(m->body, "{}");
	pb_http_parser_free(p);
	/* without Expect the head is returned too, so it can be vetted before
	 * the body is read; a request without a body is whole at once */
	p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	assert_int_equal(pb_http_parser_feed(p, S("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\n{}"), &used, &m, &err), PB_HTTP_HEAD);
	assert_int_equal(m->has_body, 1);
	assert_int_equal(m->expect_continue, 0);
	assert_null(m->body);
	pb_http_parser_free(p);
	p = pb_http_parser_new(PB_HTTP_MAX_BODY, PB_HTTP_MAX_BODY);
	assert_int_equal(pb_http_parser_feed(p, S("POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0\r\n\r\n"), &used, &m, &err), PB_HTTP_REQUEST);
	assert_int_equal(m->has_body, 0);
	pb_http_parser_free(p);
	/* 1.0 and bodiless requests do not wait */
	assert_int_equal(refusal(S("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n")), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple_get),
		cmocka_unit_test(test_split_anywhere),
		cmocka_unit_test(test_pipelined_and_chunked),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_nothing_after_a_closing_request),
		cmocka_unit_test(test_accepted_edges),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_chunked_body_limit),
		cmocka_unit_test(test_body_limit_raised_per_request),
		cmocka_unit_test(test_expect_continue_pauses_at_head),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
