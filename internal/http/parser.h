/* SPDX-License-Identifier: MIT */
/*
 * parser.h — HTTP/1.1 requests from a byte stream, strictly by RFC 9112.
 *
 * The bytes are parsed by llhttp (Debian 12's node-llhttp ships its C
 * sources, the parser Node.js uses; built without any lenient flag), which
 * already refuses duplicate or signed Content-Length, Content-Length with
 * Transfer-Encoding, a Transfer-Encoding whose last coding is not chunked,
 * CTLs and NUL in field values, bare LF line ends and unknown versions of
 * the form 1.x.  On top of it this file refuses what llhttp lets through:
 * line ends other than CRLF, obs-fold, chunk framing other than CRLF and
 * trailer fields (framing.h, scanned before llhttp sees the bytes), a
 * field name that is not a token (a space, a space before the colon),
 * any transfer coding but exactly "chunked", a request after one that
 * closes the connection,
 * HTTP versions other than 1.0 and 1.1 (505), a 1.1 request without
 * exactly one Host, a second copy of a field the service reads once
 * (Authorization, Content-Type, …), a request head over PB_HTTP_MAX_HEADERS
 * bytes (431), a body declared or grown over the body limit (413, decided
 * before the first body byte when declared), and Expect other than
 * 100-continue (417).
 *
 * Pure: no I/O, no clock, no globals; one parser per connection, owned by
 * that connection's thread.  Feed it whatever arrived; it stops after each
 * complete request (pipelined bytes stay unconsumed for the next call).
 */
#ifndef PB_HTTP_PARSER_H
#define PB_HTTP_PARSER_H

#include <stddef.h>
#include <stdint.h>

#define PB_HTTP_MAX_FIELDS 64

struct pb_http_field {
	const char *name;      /* NUL-terminated, as sent (compare without case) */
	const char *value;     /* NUL-terminated, without surrounding blanks */
};

/* One request, valid until the next pb_http_parser_feed or _reset. */
struct pb_http_msg {
	const char *method;    /* "GET" … as llhttp names it */
	const char *target;    /* request-target as sent, NUL-terminated */
	int minor;             /* HTTP/1.<minor>: 0 or 1 */
	int keep_alive;        /* the connection may carry another request */
	int expect_continue;   /* "Expect: 100-continue" was sent */
	int has_body;          /* a body follows the head (Content-Length > 0
	                        * or chunked) */
	int nfields;
	struct pb_http_field fields[PB_HTTP_MAX_FIELDS];
	const char *body;      /* NUL-terminated copy (never NULL when complete) */
	size_t body_len;
};

enum pb_http_event {
	PB_HTTP_MORE,          /* everything fed was consumed; send more */
	PB_HTTP_HEAD,          /* the head is complete and acceptable and a
	                        * body follows; msg has method, target and
	                        * fields, no body yet: a caller may vet the
	                        * head (and refuse before reading the body) or
	                        * answer 100 Continue now, then feeds on */
	PB_HTTP_REQUEST,       /* one whole request in msg; *used bytes of this
	                        * feed belong to it, the rest to the next one */
	PB_HTTP_ERROR          /* refused: answer status/detail, then close */
};

struct pb_http_error {
	int status;            /* 400, 413, 417, 431, 501 or 505 */
	const char *detail;    /* one plain sentence, static */
};

struct pb_http_parser;

/* A parser whose bodies may hold at most max_body bytes, unless
 * pb_http_parser_limit_body raises that for one request up to `ceiling`
 * (>= max_body; a head announcing more than ceiling is refused at once).
 * NULL on OOM.  Free with pb_http_parser_free. */
struct pb_http_parser *pb_http_parser_new(size_t max_body, size_t ceiling);

/* After PB_HTTP_HEAD: the body of this request may hold `limit` bytes
 * (max_body <= limit <= ceiling; the limit goes back to max_body with
 * pb_http_parser_next).  0, or -1 with *err the 413 when the head already
 * announces a longer body. */
int pb_http_parser_limit_body(struct pb_http_parser *p, size_t limit, struct pb_http_error *err);
void pb_http_parser_free(struct pb_http_parser *p);

/* Parse data[0..len).  *used is how many bytes were consumed (all of them
 * for PB_HTTP_MORE; up to the end of the head or request otherwise).  After
 * PB_HTTP_HEAD, call again with the remaining bytes (or the next ones);
 * after PB_HTTP_REQUEST, call pb_http_parser_next before feeding the next
 * request's bytes; after PB_HTTP_ERROR, *err says why and the parser takes
 * nothing more.  *msg points into the parser. */
enum pb_http_event pb_http_parser_feed(struct pb_http_parser *p, const char *data,
    size_t len, size_t *used, const struct pb_http_msg **msg, struct pb_http_error *err);

/* Forget the request just returned and get ready for the next one. */
void pb_http_parser_next(struct pb_http_parser *p);

/* Whether bytes of a request have been fed since the last request ended
 * (for deadlines: a request is under way). */
int pb_http_parser_started(const struct pb_http_parser *p);

/* The value of field `name` (compared without case) in msg, or NULL. */
const char *pb_http_msg_field(const struct pb_http_msg *msg, const char *name);

#endif
