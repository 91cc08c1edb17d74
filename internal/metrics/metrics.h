/* SPDX-License-Identifier: MIT */
/*
 * metrics.h — request counters and latency histograms, Prometheus text.
 *
 * Counters are C11 atomics in fixed tables indexed by route, method and
 * status, so recording is lock-free and allocation-free on every thread.
 * pb_metrics_init() runs once before threads start.
 */
#ifndef PB_METRICS_METRICS_H
#define PB_METRICS_METRICS_H

#include <stddef.h>

#include "internal/core/buf.h"

#define PB_METRICS_MAX_ROUTES 128

/* `route_names` must outlive the process (the static route table). */
void pb_metrics_init(const char *const *route_names, size_t nroutes);

/* route: index into route_names, or -1 for requests that matched none.
 * method_index: 0..6 as in enum pb_method's bit positions. */
void pb_metrics_observe(int route, int method_index, int status,
    double seconds);

struct pb_metrics_pool {
	int size, open, in_use, waiting;
	unsigned long long waits;                 /* acquisitions that waited */
	double wait_seconds;                      /* their total wait */
	unsigned long long queries, unavailable, conflicts, errors;
	double query_seconds;
	int replica;                              /* PB_DATABASE_READ_URL set; then: */
	long long replica_lag_ms;                 /* last measured; -1 unknown */
	int replica_open;
	unsigned long long stale_reads_replica, stale_reads_primary;
};

/* The standard process_* metrics of this process (CPU seconds, resident
 * memory, open file descriptors and their limit, start time), read from
 * /proc/self; a value that cannot be read is left out. */
void pb_metrics_render_process(struct pb_buf *out);

/* Append the exposition text to out. */
void pb_metrics_render(struct pb_buf *out, const struct pb_metrics_pool *pool,
    const char *version);

#endif
