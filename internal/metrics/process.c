/* SPDX-License-Identifier: MIT */
/*
 * process.c — the process_* metrics Prometheus client libraries export,
 * from /proc/self (Linux): process_cpu_seconds_total,
 * process_resident_memory_bytes, process_virtual_memory_bytes,
 * process_open_fds, process_max_fds, process_start_time_seconds.
 */
#include "internal/metrics/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields 14, 15 (utime, stime), 22 (starttime), 23 (vsize) and 24 (rss
 * pages) of /proc/self/stat; 0 when read. */
static int read_stat(unsigned long long *ticks, unsigned long long *start,
    unsigned long long *vsize, long long *rss_pages)
{
	char buf[1024];
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')');   /* the name may hold spaces */
	if (p == NULL)
		return -1;
	unsigned long long ut = 0, st = 0;
	/* after ")": state(3) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24) */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
	    "%*d %*d %llu %llu %lld", &ut, &st, start, vsize, rss_pages) != 5)
		return -1;
	*ticks = ut + st;
	return 0;
}

/* The boot time (btime of /proc/stat), 0 when unknown. */
static unsigned long long boot_time(void)
{
	char line[256];
	unsigned long long bt = 0;
	FILE *f = fopen("/proc/stat", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &bt) == 1)
			break;
	if (f)
		fclose(f);
	return bt;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (d == NULL)
		return -1;
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;   /* the directory's own descriptor */
}

void pb_metrics_render_process(struct pb_buf *out)
{
	unsigned long long ticks, start, vsize;
	long long rss;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;

	if (hz > 0 && page > 0 && read_stat(&ticks, &start, &vsize, &rss) == 0) {
		pb_buf_addf(out, "# HELP process_cpu_seconds_total User and system CPU time.\n"
		    "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.2f\n"
		    "# HELP process_resident_memory_bytes Resident memory.\n"
		    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n"
		    "# HELP process_virtual_memory_bytes Virtual memory.\n"
		    "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n",
		    (double)ticks / (double)hz, rss * page, vsize);
		unsigned long long bt = boot_time();
		if (bt > 0)
			pb_buf_addf(out, "# HELP process_start_time_seconds Start time, Unix seconds.\n"
			    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
			    (double)bt + (double)start / (double)hz);
	}
	int fds = open_fds();
	if (fds >= 0)
		pb_buf_addf(out, "# HELP process_open_fds Open file descriptors.\n"
		    "# TYPE process_open_fds gauge\nprocess_open_fds %d\n", fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		pb_buf_addf(out, "# HELP process_max_fds The file descriptor limit.\n"
		    "# TYPE process_max_fds gauge\nprocess_max_fds %llu\n",
		    (unsigned long long)rl.rlim_cur);
}
