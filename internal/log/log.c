/* SPDX-License-Identifier: MIT */
/* log.c — JSON-lines logger (see log.h). */
#include "internal/log/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 2048
#define HOLD_BYTES (64 * 1024)

static enum pb_log_level min_level = PB_LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void pb_log_init(enum pb_log_level level)
{
	min_level = level;
}

struct line {
	char buf[LINE_MAX_BYTES];
	size_t len;
	enum pb_log_level level;
};

static _Thread_local int holding;
static _Thread_local size_t held_len;
static _Thread_local char held[HOLD_BYTES];

static void write_all(const char *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(STDERR_FILENO, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

void pb_log_flush(void)
{
	if (held_len > 0)
		write_all(held, held_len);
	held_len = 0;
}

void pb_log_hold(int on)
{
	if (!on)
		pb_log_flush();
	holding = on;
}

static void put(struct line *l, const char *s, size_t n)
{
	if (l->len + n >= sizeof(l->buf) - 2)
		n = sizeof(l->buf) - 2 - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* A JSON string with escapes; control characters become \u00XX. */
static void put_json_string(struct line *l, const char *s)
{
	put(l, "\"", 1);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(l, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(l, esc, 6);
		} else {
			put(l, (const char *)&c, 1);
		}
	}
	put(l, "\"", 1);
}

static void begin(struct line *l, enum pb_log_level level, const char *msg)
{
	struct timespec ts;
	struct tm tm;
	char when[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	l->len = 0;
	l->level = level;
	put_str(l, "{\"time\":\"");
	put_str(l, when);
	put_str(l, "\",\"level\":\"");
	put_str(l, level_names[level]);
	put_str(l, "\",\"msg\":");
	put_json_string(l, msg);
}

static void finish(struct line *l)
{
	l->buf[l->len++] = '}';
	l->buf[l->len++] = '\n';
	if (!holding) {
		write_all(l->buf, l->len);
		return;
	}
	if (held_len + l->len > sizeof(held))
		pb_log_flush();
	memcpy(held + held_len, l->buf, l->len);
	held_len += l->len;
	if (l->level >= PB_LOG_WARN)
		pb_log_flush();
}

void pb_log_kv(enum pb_log_level level, const char *msg, const char *const *kv)
{
	struct line l;

	if (level < min_level)
		return;
	begin(&l, level, msg);
	for (; kv && kv[0] && kv[1]; kv += 2) {
		put(&l, ",", 1);
		put_json_string(&l, kv[0]);
		put(&l, ":", 1);
		put_json_string(&l, kv[1]);
	}
	finish(&l);
}

void pb_log(enum pb_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pb_log_kv(level, msg, NULL);
}

void pb_log_access(const struct pb_access_entry *e)
{
	struct line l;
	char num[64];

	if (PB_LOG_INFO < min_level)
		return;
	begin(&l, PB_LOG_INFO, "request");
	put_str(&l, ",\"request_id\":");
	put_json_string(&l, e->request_id);
	put_str(&l, ",\"method\":");
	put_json_string(&l, e->method);
	put_str(&l, ",\"route\":");
	put_json_string(&l, e->route);
	snprintf(num, sizeof(num), ",\"status\":%d,\"duration_ms\":%.3f",
	    e->status, e->duration_ms);
	put_str(&l, num);
	put_str(&l, ",\"sub\":");
	put_json_string(&l, e->sub ? e->sub : "");
	put_str(&l, ",\"la\":");
	put_json_string(&l, e->la ? e->la : "");
	if (e->trace_id != NULL) {
		put_str(&l, ",\"trace_id\":");
		put_json_string(&l, e->trace_id);
		put_str(&l, ",\"parent_id\":");
		put_json_string(&l, e->parent_id ? e->parent_id : "");
	}
	finish(&l);
}
