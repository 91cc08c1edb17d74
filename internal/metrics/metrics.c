/* SPDX-License-Identifier: MIT */
/* metrics.c — lock-free counters → Prometheus text (see metrics.h). */
#include "internal/metrics/metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define NMETHODS 7
#define NROUTES (PB_METRICS_MAX_ROUTES + 1)  /* last slot: unmatched */

static const int statuses[] = { 200, 201, 204, 304, 400, 401, 403, 404, 405,
    409, 412, 413, 415, 422, 429, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* + other */

static const double bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };   /* past the 5 s database timeout */
#define NBUCKETS (sizeof(bounds) / sizeof(bounds[0]))

static const char *const method_names[NMETHODS] = { "GET", "POST", "PUT",
    "PATCH", "DELETE", "HEAD", "OPTIONS" };

static const char *const *names;
static size_t nnames;
static atomic_ullong requests[NROUTES][NMETHODS][NSTATUS];
static atomic_ullong buckets[NROUTES][NBUCKETS];
static atomic_ullong count[NROUTES];
static atomic_ullong sum_us[NROUTES];

void pb_metrics_init(const char *const *route_names, size_t nroutes)
{
	names = route_names;
	nnames = nroutes < PB_METRICS_MAX_ROUTES ? nroutes : PB_METRICS_MAX_ROUTES;
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

void pb_metrics_observe(int route, int method_index, int status, double seconds)
{
	size_t r = route < 0 || (size_t)route >= nnames ? NROUTES - 1 : (size_t)route;
	size_t m = method_index < 0 || method_index >= NMETHODS ? 0 : (size_t)method_index;

	atomic_fetch_add_explicit(&requests[r][m][status_slot(status)], 1, memory_order_relaxed);
	for (size_t b = 0; b < NBUCKETS; b++)
		if (seconds <= bounds[b]) {
			atomic_fetch_add_explicit(&buckets[r][b], 1, memory_order_relaxed);
			break;
		}
	atomic_fetch_add_explicit(&count[r], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_us[r], (unsigned long long)(seconds * 1e6),
	    memory_order_relaxed);
}

static const char *route_name(size_t r)
{
	return r < nnames ? names[r] : "unmatched";
}

/* The read replica (PB_DATABASE_READ_URL): its lag, whether it answers,
 * and where the reads that tolerate staleness went. */
static void render_replica(struct pb_buf *out, const struct pb_metrics_pool *pool)
{
	pb_buf_addf(out, "# HELP pb_db_replica_up Whether the read replica answered its last "
	    "lag probe.\n# TYPE pb_db_replica_up gauge\npb_db_replica_up %d\n",
	    pool->replica_lag_ms >= 0);
	if (pool->replica_lag_ms >= 0)
		pb_buf_addf(out, "# HELP pb_db_replica_lag_seconds The read replica's replay lag, "
		    "last measured.\n# TYPE pb_db_replica_lag_seconds gauge\n"
		    "pb_db_replica_lag_seconds %.3f\n", (double)pool->replica_lag_ms / 1000.0);
	pb_buf_addf(out, "# HELP pb_db_replica_connections Connections open to the read replica.\n"
	    "# TYPE pb_db_replica_connections gauge\npb_db_replica_connections %d\n"
	    "# HELP pb_db_stale_reads_total Reads that tolerate staleness, by the server that "
	    "answered.\n# TYPE pb_db_stale_reads_total counter\n"
	    "pb_db_stale_reads_total{target=\"replica\"} %llu\n"
	    "pb_db_stale_reads_total{target=\"primary\"} %llu\n",
	    pool->replica_open, pool->stale_reads_replica, pool->stale_reads_primary);
}

void pb_metrics_render(struct pb_buf *out, const struct pb_metrics_pool *pool,
    const char *version)
{
	pb_buf_addf(out, "# HELP pb_build_info Build information.\n"
	    "# TYPE pb_build_info gauge\npb_build_info{version=\"%s\"} 1\n", version);
	pb_buf_addf(out, "# HELP pb_http_requests_total HTTP requests by route, method and status.\n"
	    "# TYPE pb_http_requests_total counter\n");
	for (size_t r = 0; r < NROUTES; r++)
		for (size_t m = 0; m < NMETHODS; m++)
			for (size_t s = 0; s < NSTATUS; s++) {
				unsigned long long v = atomic_load(&requests[r][m][s]);
				if (v == 0)
					continue;
				char st[8];
				if (s < NSTATUS - 1)
					snprintf(st, sizeof(st), "%d", statuses[s]);
				else
					memcpy(st, "other", 6);
				pb_buf_addf(out, "pb_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
				    route_name(r), method_names[m], st, v);
			}
	pb_buf_addf(out, "# HELP pb_http_request_duration_seconds Request latency.\n"
	    "# TYPE pb_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < NROUTES; r++) {
		unsigned long long n = atomic_load(&count[r]);
		if (n == 0)
			continue;
		unsigned long long cum = 0;
		for (size_t b = 0; b < NBUCKETS; b++) {
			cum += atomic_load(&buckets[r][b]);
			pb_buf_addf(out, "pb_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    route_name(r), bounds[b], cum);
		}
		pb_buf_addf(out, "pb_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
		    route_name(r), n);
		pb_buf_addf(out, "pb_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
		    route_name(r), (double)atomic_load(&sum_us[r]) / 1e6);
		pb_buf_addf(out, "pb_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    route_name(r), n);
	}
	pb_buf_addf(out, "# HELP pb_db_pool_connections Database pool connections by state.\n"
	    "# TYPE pb_db_pool_connections gauge\n"
	    "pb_db_pool_connections{state=\"max\"} %d\n"
	    "pb_db_pool_connections{state=\"open\"} %d\n"
	    "pb_db_pool_connections{state=\"in_use\"} %d\n"
	    "# HELP pb_db_pool_waiting Requests waiting for a database connection.\n"
	    "# TYPE pb_db_pool_waiting gauge\npb_db_pool_waiting %d\n",
	    pool->size, pool->open, pool->in_use, pool->waiting);
	pb_buf_addf(out, "# HELP pb_db_pool_wait_seconds Time requests waited for a database "
	    "connection.\n# TYPE pb_db_pool_wait_seconds summary\n"
	    "pb_db_pool_wait_seconds_sum %.6f\npb_db_pool_wait_seconds_count %llu\n",
	    pool->wait_seconds, pool->waits);
	pb_buf_addf(out, "# HELP pb_db_query_seconds Time in database statements.\n"
	    "# TYPE pb_db_query_seconds summary\n"
	    "pb_db_query_seconds_sum %.6f\npb_db_query_seconds_count %llu\n"
	    "# HELP pb_db_query_errors_total Database statements that failed, by kind.\n"
	    "# TYPE pb_db_query_errors_total counter\n"
	    "pb_db_query_errors_total{kind=\"unavailable\"} %llu\n"
	    "pb_db_query_errors_total{kind=\"conflict\"} %llu\n"
	    "pb_db_query_errors_total{kind=\"other\"} %llu\n",
	    pool->query_seconds, pool->queries, pool->unavailable, pool->conflicts, pool->errors);
	if (pool->replica)
		render_replica(out, pool);
	pb_metrics_render_process(out);
}
