/* SPDX-License-Identifier: MIT */
/*
 * log.h — one JSON object per line on stderr.
 *
 * Each line is built in a stack buffer and written with one write(2), so
 * lines from different threads never interleave.  A thread may hold its
 * lines (pb_log_hold) and write them together with pb_log_flush(): an
 * event loop does that once per pass, one write(2) for many requests.
 * Callers pass only values that may be logged: never tokens, bank details
 * or request bodies.  pb_log_init() is called once before threads start;
 * the rest is thread-safe.
 */
#ifndef PB_LOG_LOG_H
#define PB_LOG_LOG_H

#include "internal/config/config.h"

void pb_log_init(enum pb_log_level min_level);

/* Hold the calling thread's lines (on = 1) in a 64 KiB buffer until
 * pb_log_flush(), or until the buffer would overflow, or a warn/error
 * line arrives (written at once, after what was held).  Lines are never
 * split between writes.  on = 0 flushes and stops holding. */
void pb_log_hold(int on);

/* Write the calling thread's held lines, if any. */
void pb_log_flush(void);

/* {"time","level","msg", then key/value string pairs}.  `kv` is a
 * NULL-terminated list of alternating key and value strings (a NULL value
 * ends the list too). */
void pb_log_kv(enum pb_log_level level, const char *msg, const char *const *kv);

/* printf-style message with no extra fields. */
void pb_log(enum pb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

struct pb_access_entry {
	const char *request_id;
	const char *method;
	const char *route;     /* the route pattern, not the raw path */
	int status;
	double duration_ms;
	const char *sub;       /* "" when unauthenticated */
	const char *la;        /* the token's council; "" when unauthenticated */
	const char *trace_id;  /* W3C traceparent's trace id, or NULL */
	const char *parent_id; /* and the caller's span, or NULL */
};

/* The access-log line of one request. */
void pb_log_access(const struct pb_access_entry *e);

#endif
