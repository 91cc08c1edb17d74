/* SPDX-License-Identifier: MIT */
/*
 * parser.c — strict HTTP/1.1 request parsing on llhttp (see parser.h).
 *
 * llhttp reports each element (method, target, field name, value) as one
 * or more spans; they are appended to a fixed arena and NUL-terminated when
 * the element completes, so a head split anywhere across feeds gives the
 * same message.  The arena holds at most PB_HTTP_MAX_HEADERS bytes of head,
 * which is never less than what the head stores (every element loses at
 * least its separator), so it cannot overflow.
 */
#include "internal/http/parser.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "internal/http/framing.h"
#include "internal/http/http.h"

#define ARENA_BYTES (PB_HTTP_MAX_HEADERS + 8)
#define BODY_KEEP_BYTES (16 * 1024)   /* a larger body buffer is freed between requests */

enum element { EL_NONE, EL_METHOD, EL_TARGET, EL_NAME, EL_VALUE };

struct pb_http_parser {
	llhttp_t ll;
	llhttp_settings_t settings;
	size_t max_body;          /* this request's body limit */
	size_t default_body;      /* a request's limit unless raised */
	size_t ceiling;           /* the most it may be raised to */
	int body_over;            /* Content-Length > max_body: refused unless raised */
	size_t head_bytes;        /* bytes of this request's head fed so far */
	int in_body;              /* the head is complete */
	int started;              /* a byte of this request has been fed */
	int paused;               /* llhttp is paused (after a head or a request) */
	int failed;
	int closed;               /* the last request ended the connection */
	struct pb_head_scan head;  /* framing of the head bytes llhttp took */
	struct pb_chunk_scan chunks; /* framing of the chunked body bytes it took */
	enum element el;          /* element being collected */
	size_t el_start;          /* its first byte in arena */
	size_t arena_len;
	char arena[ARENA_BYTES];
	char *body;
	size_t body_cap;
	struct pb_http_error err; /* set by a callback that refused */
	struct pb_http_msg msg;
};

/* Fields the service reads once: a second copy could be read differently
 * by a proxy in front, so it is refused. */
static const char *const singletons[] = {
	"host", "authorization", "content-type", "content-length", "transfer-encoding",
	"expect", "if-match", "idempotency-key", "x-request-id", NULL
};

static struct pb_http_parser *of(llhttp_t *ll)
{
	return ll->data;
}

static int refuse(struct pb_http_parser *p, int status, const char *detail)
{
	if (p->err.status == 0) {
		p->err.status = status;
		p->err.detail = detail;
	}
	return -1;
}

/* --- collecting elements into the arena ----------------------------------- */

static int append(struct pb_http_parser *p, enum element el, const char *at, size_t n)
{
	if (p->el != el) {
		p->el = el;
		p->el_start = p->arena_len;
	}
	if (n + 1 > sizeof(p->arena) - p->arena_len)
		return refuse(p, 431, "The request head is larger than 8192 bytes.");
	memcpy(p->arena + p->arena_len, at, n);
	p->arena_len += n;
	return 0;
}

/* NUL-terminate the element being collected (an empty one too) and return
 * it, or NULL when the arena is full. */
static const char *finish(struct pb_http_parser *p, enum element el)
{
	if (p->el != el) {
		p->el = el;
		p->el_start = p->arena_len;
	}
	if (p->arena_len >= sizeof(p->arena))
		return NULL;
	p->arena[p->arena_len++] = '\0';
	p->el = EL_NONE;
	return p->arena + p->el_start;
}

static int on_method(llhttp_t *ll, const char *at, size_t n) { return append(of(ll), EL_METHOD, at, n); }
static int on_url(llhttp_t *ll, const char *at, size_t n) { return append(of(ll), EL_TARGET, at, n); }
static int on_name(llhttp_t *ll, const char *at, size_t n)
{
	struct pb_http_parser *p = of(ll);

	/* a field after the body is a trailer: it must not join the head that
	 * was already checked (an Authorization or Host there would smuggle) */
	if (p->in_body)
		return refuse(p, 400, "Trailer fields are not accepted.");
	return append(p, EL_NAME, at, n);
}
static int on_value(llhttp_t *ll, const char *at, size_t n) { return append(of(ll), EL_VALUE, at, n); }

static int on_method_done(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);
	p->msg.method = finish(p, EL_METHOD);
	return p->msg.method ? 0 : refuse(p, 431, "The request head is larger than 8192 bytes.");
}

static int on_url_done(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);
	p->msg.target = finish(p, EL_TARGET);
	return p->msg.target ? 0 : refuse(p, 431, "The request head is larger than 8192 bytes.");
}

/* token = 1*tchar (RFC 9110 §5.6.2) */
static int is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("!#$%&'*+-.^_`|~", c) != NULL))
			return 0;
	}
	return 1;
}

static int on_name_done(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);
	const char *name = finish(p, EL_NAME);

	if (name == NULL)
		return refuse(p, 431, "The request head is larger than 8192 bytes.");
	if (!is_token(name))
		return refuse(p, 400, "A header field name holds a character that is not allowed.");
	if (p->msg.nfields == PB_HTTP_MAX_FIELDS)
		return refuse(p, 431, "The request has too many header fields.");
	p->msg.fields[p->msg.nfields].name = name;
	p->msg.fields[p->msg.nfields].value = "";
	p->msg.nfields++;
	return 0;
}

static int on_value_done(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);
	char *value = (char *)finish(p, EL_VALUE);

	if (value == NULL)
		return refuse(p, 431, "The request head is larger than 8192 bytes.");
	size_t n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		value[--n] = '\0';
	if (p->msg.nfields > 0)
		p->msg.fields[p->msg.nfields - 1].value = value;
	return 0;
}

/* --- the head as a whole ---------------------------------------------------- */

static int count_field(const struct pb_http_msg *m, const char *name)
{
	int n = 0;
	for (int i = 0; i < m->nfields; i++)
		n += strcasecmp(m->fields[i].name, name) == 0;
	return n;
}

/* The 413 sentence for a limit (the two the service has). */
static const char *too_large(size_t limit)
{
	return limit > PB_HTTP_MAX_BODY ?
	    "The request body is larger than the limit of 5242880 bytes." :
	    "The request body is larger than the limit of 65536 bytes.";
}

/* What RFC 9112 asks of a request head beyond llhttp's checks; 0 when it
 * is acceptable. */
static int check_head(struct pb_http_parser *p)
{
	struct pb_http_msg *m = &p->msg;
	llhttp_t *ll = &p->ll;

	if (ll->http_major != 1 || ll->http_minor > 1)
		return refuse(p, 505, "Only HTTP/1.0 and HTTP/1.1 are supported.");
	m->minor = ll->http_minor;
	for (int i = 0; singletons[i] != NULL; i++)
		if (count_field(m, singletons[i]) > 1)
			return refuse(p, 400, "A header field that may appear once appears twice.");
	if (m->minor == 1 && count_field(m, "host") != 1)
		return refuse(p, 400, "An HTTP/1.1 request needs a Host header field.");
	const char *te = pb_http_msg_field(m, "transfer-encoding");
	if (te != NULL && strcasecmp(te, "chunked") != 0)
		return refuse(p, 501, "The only transfer coding understood is chunked.");
	if (te != NULL && m->minor == 0)
		return refuse(p, 400, "Transfer-Encoding is not allowed in an HTTP/1.0 request.");
	if (ll->method == HTTP_CONNECT)
		return refuse(p, 501, "CONNECT is not supported.");
	if ((ll->flags & F_CONTENT_LENGTH) && ll->content_length > p->ceiling)
		return refuse(p, 413, too_large(p->ceiling));
	if ((ll->flags & F_CONTENT_LENGTH) && ll->content_length > p->max_body)
		p->body_over = 1;   /* unless pb_http_parser_limit_body allows it */
	m->has_body = (ll->flags & F_CHUNKED) || ll->content_length > 0;
	const char *expect = pb_http_msg_field(m, "expect");
	if (expect != NULL && m->minor == 1) {
		if (strcasecmp(expect, "100-continue") != 0)
			return refuse(p, 417, "The only expectation understood is 100-continue.");
		m->expect_continue = m->has_body;
	}
	return 0;
}

static int on_headers_complete(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);

	if (check_head(p) != 0)
		return -1;
	p->in_body = 1;
	/* Pause so the caller may vet the head, or answer 100 Continue, before
	 * the body comes. */
	return p->msg.has_body ? HPE_PAUSED : 0;
}

static int on_body(llhttp_t *ll, const char *at, size_t n)
{
	struct pb_http_parser *p = of(ll);
	size_t need = p->msg.body_len + n + 1;

	if (p->msg.body_len + n > p->max_body || p->body_over)
		return refuse(p, 413, too_large(p->max_body));
	if (need > p->body_cap) {
		size_t cap = p->body_cap ? p->body_cap : 1024;
		while (cap < need)
			cap *= 2;
		if (cap > p->max_body + 1)
			cap = p->max_body + 1;
		char *b = realloc(p->body, cap);
		if (b == NULL)
			return refuse(p, 503, "Out of memory.");
		p->body = b;
		p->body_cap = cap;
	}
	memcpy(p->body + p->msg.body_len, at, n);
	p->msg.body_len += n;
	return 0;
}

static int on_message_complete(llhttp_t *ll)
{
	struct pb_http_parser *p = of(ll);
	static char empty[1];

	if (p->body != NULL) {
		p->body[p->msg.body_len] = '\0';
		p->msg.body = p->body;
	} else {
		p->msg.body = empty;
	}
	p->msg.keep_alive = llhttp_should_keep_alive(ll) && !ll->upgrade;
	return HPE_PAUSED;
}

/* --- public ----------------------------------------------------------------- */

struct pb_http_parser *pb_http_parser_new(size_t max_body, size_t ceiling)
{
	struct pb_http_parser *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	llhttp_settings_init(&p->settings);
	p->settings.on_method = on_method;
	p->settings.on_method_complete = on_method_done;
	p->settings.on_url = on_url;
	p->settings.on_url_complete = on_url_done;
	p->settings.on_header_field = on_name;
	p->settings.on_header_field_complete = on_name_done;
	p->settings.on_header_value = on_value;
	p->settings.on_header_value_complete = on_value_done;
	p->settings.on_headers_complete = on_headers_complete;
	p->settings.on_body = on_body;
	p->settings.on_message_complete = on_message_complete;
	llhttp_init(&p->ll, HTTP_REQUEST, &p->settings);
	p->ll.data = p;
	p->max_body = p->default_body = max_body;
	p->ceiling = ceiling > max_body ? ceiling : max_body;
	return p;
}

int pb_http_parser_limit_body(struct pb_http_parser *p, size_t limit, struct pb_http_error *err)
{
	if (limit < p->default_body)
		limit = p->default_body;
	if (limit > p->ceiling)
		limit = p->ceiling;
	p->max_body = limit;
	if (p->body_over && p->ll.content_length > limit) {
		err->status = 413;
		err->detail = too_large(limit);
		p->failed = 1;
		return -1;
	}
	p->body_over = 0;
	return 0;
}

void pb_http_parser_free(struct pb_http_parser *p)
{
	if (p == NULL)
		return;
	free(p->body);
	free(p);
}

void pb_http_parser_next(struct pb_http_parser *p)
{
	if (p->paused) {
		llhttp_resume(&p->ll);
		p->paused = 0;
	}
	if (p->body_cap > BODY_KEEP_BYTES) {
		free(p->body);
		p->body = NULL;
		p->body_cap = 0;
	}
	memset(&p->msg, 0, sizeof(p->msg));
	p->max_body = p->default_body;
	p->body_over = 0;
	p->head_bytes = 0;
	p->in_body = 0;
	p->started = 0;
	memset(&p->head, 0, sizeof(p->head));
	memset(&p->chunks, 0, sizeof(p->chunks));
	p->el = EL_NONE;
	p->arena_len = 0;
}

int pb_http_parser_started(const struct pb_http_parser *p)
{
	return p->started;
}

static enum pb_http_event fail(struct pb_http_parser *p, struct pb_http_error *err)
{
	p->failed = 1;
	*err = p->err;
	return PB_HTTP_ERROR;
}

static void llhttp_error(struct pb_http_parser *p, enum llhttp_errno e)
{
	if (p->err.status != 0)
		return;   /* a callback of ours refused, with its own reason */
	switch (e) {
	case HPE_INVALID_VERSION:
		refuse(p, 505, "Only HTTP/1.0 and HTTP/1.1 are supported.");
		break;
	case HPE_INVALID_METHOD:
		refuse(p, 400, "The request line is malformed.");
		break;
	case HPE_UNEXPECTED_CONTENT_LENGTH:
	case HPE_INVALID_CONTENT_LENGTH:
	case HPE_INVALID_TRANSFER_ENCODING:
		refuse(p, 400, "The request's Content-Length or Transfer-Encoding is malformed or conflicting.");
		break;
	case HPE_INVALID_CHUNK_SIZE:
	case HPE_STRICT:
		refuse(p, 400, "The chunked request body is malformed.");
		break;
	default:
		refuse(p, 400, "The request is not well-formed HTTP/1.1.");
		break;
	}
}

enum pb_http_event pb_http_parser_feed(struct pb_http_parser *p, const char *data,
    size_t len, size_t *used, const struct pb_http_msg **msg, struct pb_http_error *err)
{
	*used = 0;
	*msg = &p->msg;
	if (p->failed)
		return fail(p, err);
	if (p->paused && p->in_body && p->msg.body == NULL) {
		llhttp_resume(&p->ll);   /* after PB_HTTP_HEAD */
		p->paused = 0;
	}
	if (p->closed && len > 0) {
		refuse(p, 400, "No request may follow one that closes the connection.");
		return fail(p, err);
	}
	while (*used < len) {
		const char *at = data + *used;
		size_t n = len - *used;
		int head = !p->in_body;
		int chunked = !head && (p->ll.flags & F_CHUNKED);
		const char *why = NULL;
		p->started = 1;
		/* llhttp is fed only bytes our framing scan passed (and no more
		 * than one byte past the head limit, and the head apart from the
		 * body): whatever is wrong first, by position, is the answer,
		 * however the bytes were split */
		if (head) {
			size_t room = PB_HTTP_MAX_HEADERS + 1 - p->head_bytes;
			if (n > room)
				n = room;
			struct pb_head_scan probe = p->head;
			n = pb_head_scan(&probe, at, n, &why);
		} else if (chunked) {
			struct pb_chunk_scan probe = p->chunks;
			n = pb_chunk_scan(&probe, at, n, &why);
		}
		enum llhttp_errno e = llhttp_execute(&p->ll, at, n);
		size_t took = n;
		if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE)
			took = (size_t)(llhttp_get_error_pos(&p->ll) - at);
		else if (e != HPE_OK) {
			llhttp_error(p, e);
			return fail(p, err);
		}
		const char *ignored;
		if (head)
			pb_head_scan(&p->head, at, took, &ignored);
		else if (chunked)
			pb_chunk_scan(&p->chunks, at, took, &ignored);
		*used += took;
		if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
			p->paused = 1;
			if (p->msg.body == NULL && e == HPE_PAUSED_UPGRADE)
				on_message_complete(&p->ll);
			if (e == HPE_PAUSED_UPGRADE)
				p->msg.keep_alive = 0;   /* not honoured: answered, then closed */
			if (p->msg.body == NULL)
				return PB_HTTP_HEAD;
			if (chunked && !pb_chunk_scan_done(&p->chunks)) {
				refuse(p, 400, "The chunked request body is malformed.");
				return fail(p, err);
			}
			p->closed = !p->msg.keep_alive;
			return PB_HTTP_REQUEST;
		}
		if (why != NULL) {
			refuse(p, 400, why);
			return fail(p, err);
		}
		if (head && !p->in_body) {
			p->head_bytes += n;
			if (p->head_bytes > PB_HTTP_MAX_HEADERS) {
				refuse(p, 431, "The request head is larger than 8192 bytes.");
				return fail(p, err);
			}
		}
	}
	return PB_HTTP_MORE;
}

const char *pb_http_msg_field(const struct pb_http_msg *msg, const char *name)
{
	for (int i = 0; i < msg->nfields; i++)
		if (strcasecmp(msg->fields[i].name, name) == 0)
			return msg->fields[i].value;
	return NULL;
}
