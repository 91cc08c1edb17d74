/* SPDX-License-Identifier: MIT */
/* reply.c — pb_resp → HTTP/1.1 bytes (see reply.h). */
#include "internal/http/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>

/* status line + fixed headers + up to PB_HTTP_MAX_RESP_HEADERS of 256 */
#define HEAD_BYTES (1024 + PB_HTTP_MAX_RESP_HEADERS * 300)

struct head {
	char buf[HEAD_BYTES];
	size_t len;
	int overflow;
};

__attribute__((format(printf, 2, 3)))
static void put(struct head *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(h->buf + h->len, sizeof(h->buf) - h->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(h->buf) - h->len)
		h->overflow = 1;
	else
		h->len += (size_t)n;
}

/* IMF-fixdate of now, formatted once a second per thread. */
static const char *http_date(void)
{
	static _Thread_local time_t cached = -1;
	static _Thread_local char text[40];
	time_t now = time(NULL);

	if (now != cached) {
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		cached = now;
	}
	return text;
}

static void free_cjson_text(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	cJSON_free((void *)data);
}

static void free_raw(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* The body as text and how to free it; the response gives it up. */
static char *take_body(struct pb_resp *resp, size_t *len, evbuffer_ref_cleanup_cb *cleanup)
{
	char *text = NULL;

	*len = 0;
	*cleanup = NULL;
	if (resp->json != NULL) {
		text = cJSON_PrintUnformatted(resp->json);
		cJSON_Delete(resp->json);
		resp->json = NULL;
		if (text == NULL) {
			static const char oom[] = "{\"code\":\"INTERNAL\",\"status\":500}";
			resp->status = 500;
			text = malloc(sizeof(oom));
			if (text != NULL)
				memcpy(text, oom, sizeof(oom));
			*cleanup = free_raw;
		} else {
			*cleanup = free_cjson_text;
		}
	} else if (resp->raw != NULL) {
		text = resp->raw;
		*len = resp->raw_len;
		resp->raw = NULL;
		*cleanup = free_raw;
		return text;
	}
	if (text != NULL)
		*len = strlen(text);
	return text;
}

int pb_http_reply_render(struct evbuffer *out, const struct pb_http_reply_meta *meta,
    struct pb_resp *resp)
{
	struct head h = { .len = 0, .overflow = 0 };
	evbuffer_ref_cleanup_cb cleanup;
	size_t body_len;
	char *body = take_body(resp, &body_len, &cleanup);
	int status = resp->status;
	int bodiless = status < 200 || status == 204 || status == 304;
	int cache_set = 0;

	put(&h, "HTTP/1.1 %d %s\r\nDate: %s\r\nX-Request-Id: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n", status, pb_http_reason(status), http_date(),
	    meta->request_id);
	for (int i = 0; i < resp->nheaders; i++) {
		/* a line break in a value would start a header of its own */
		if (strpbrk(resp->headers[i].value, "\r\n") != NULL)
			continue;
		put(&h, "%s: %s\r\n", resp->headers[i].name, resp->headers[i].value);
		cache_set |= strcasecmp(resp->headers[i].name, "Cache-Control") == 0;
	}
	/* personal data is never cached, unless a handler says otherwise
	 * (the static assets of /docs) */
	if (!cache_set)
		put(&h, "Cache-Control: no-store\r\n");
	if (!bodiless) {
		put(&h, "Content-Type: %s\r\nContent-Length: %zu\r\n",
		    resp->content_type ? resp->content_type : "application/json", body_len);
	}
	if (!meta->keep_alive)
		put(&h, "Connection: close\r\n");
	else if (meta->minor == 0)
		put(&h, "Connection: keep-alive\r\n");
	put(&h, "\r\n");
	int rc = h.overflow || evbuffer_add(out, h.buf, h.len) != 0 ? -1 : 0;
	if (body != NULL && rc == 0 && !bodiless && !meta->head && body_len > 0) {
		if (evbuffer_add_reference(out, body, body_len, cleanup, NULL) != 0) {
			cleanup(body, body_len, NULL);
			rc = -1;
		}
	} else if (body != NULL) {
		cleanup(body, body_len, NULL);
	}
	return rc;
}
