/* SPDX-License-Identifier: MIT */
/*
 * server.c — the loops: threads, listeners, signals and shutdown.
 *
 * Each of cfg->threads threads owns an event_base, a listener on the
 * shared port (SO_REUSEPORT), its set of client connections (conn.h) and
 * its shard of the database pool: nothing of libevent crosses threads.
 * The main thread only waits for signals.  On SIGTERM or SIGINT /readyz
 * fails at once; after PB_SHUTDOWN_DELAY seconds (0: at once) each loop
 * stops accepting, closes its idle connections, lets its running requests
 * finish (at most twice the database timeout, plus a second), then exits.
 */
#include "internal/http/http.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "internal/db/db.h"
#include "internal/http/conn.h"
#include "internal/http/dispatch.h"
#include "internal/http/ratelimit.h"
#include "internal/http/tasks.h"
#include "internal/log/log.h"

struct server;

struct worker {
	pthread_t thread;
	int index;
	struct server *srv;
	struct pb_tasks *tasks;     /* requests in flight on this loop */
	struct pb_conns *conns;     /* its client connections */
	struct event_base *base;
	struct evconnlistener *listener;
	struct event *stop_ev;
	int stopping;
	struct event *resume_ev;    /* re-enables the listener after EMFILE */
};

struct server {
	const struct pb_config *cfg;
	struct pb_dispatch dispatch;
	int nworkers;
	struct worker *workers;
	atomic_long shed;           /* connections closed to admit new ones */
	int max_open;               /* PB_MAX_CONNECTIONS, within RLIMIT_NOFILE */
	struct event_base *main_base; /* owns the signals; runs until a stop */
	struct event *delay_ev;     /* the shutdown delay's timer (PB_SHUTDOWN_DELAY) */
};

/* Set on SIGTERM/SIGINT: /readyz answers 503 from then on (pb_server_draining). */
static atomic_int draining;

int pb_server_draining(void)
{
	return atomic_load(&draining);
}

/* --- accepting ------------------------------------------------------------ */

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct worker *w = arg;

	(void)l;
	(void)sa;
	(void)salen;
	if (w->conns == NULL) {
		evutil_closesocket(fd);
		return;
	}
	pb_conns_accept(w->conns, fd);
}

/* accept(2) failed (EMFILE, ENFILE, ENOBUFS): pause instead of spinning. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct worker *w = arg;
	struct timeval pause = { 0, 100 * 1000 };

	(void)l;
	if (w->stopping)
		return;
	evconnlistener_disable(w->listener);
	event_add(w->resume_ev, &pause);
	pb_log(PB_LOG_WARN, "accept failed (%m): listener paused for 100 ms");
}

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (!w->stopping)
		evconnlistener_enable(w->listener);
}

/* --- threads, start-up and shutdown -------------------------------------- */

static void exit_soon(void *arg)
{
	struct worker *w = arg;
	struct timeval grace = { 0, 200 * 1000 };

	event_base_loopexit(w->base, &grace);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	int ms = 2 * w->srv->cfg->db_timeout_ms + 1000;
	struct timeval limit = { ms / 1000, (ms % 1000) * 1000 };

	(void)fd;
	(void)what;
	w->stopping = 1;
	evconnlistener_disable(w->listener);
	if (w->conns != NULL)
		pb_conns_drain(w->conns);
	if (pb_tasks_running(w->tasks) == 0) {
		exit_soon(w);
		return;
	}
	/* drain: exit when the last request finishes, or at the limit */
	pb_tasks_on_idle(w->tasks, exit_soon, w);
	event_base_loopexit(w->base, &limit);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct pb_config *cfg = w->srv->cfg;

	w->tasks = pb_tasks_new(w->base);
	pb_db_pool_bind(w->srv->dispatch.pool, w->index);
	pb_log_hold(1);
	if (w->tasks == NULL)
		pb_log(PB_LOG_WARN, "no task set: requests on this loop block it");
	struct pb_conns_config cc = {
		.base = w->base, .tasks = w->tasks, .dispatch = &w->srv->dispatch,
		.cap = ((size_t)w->srv->max_open + (size_t)w->srv->nworkers - 1) /
		    (size_t)w->srv->nworkers,
		.timeout_s = cfg->http_timeout_s, .shed = &w->srv->shed,
	};
	w->conns = pb_conns_new(&cc);
	if (w->conns == NULL)
		pb_log(PB_LOG_ERROR, "loop %d: out of memory: it serves nothing", w->index);
	event_base_dispatch(w->base);
	pb_conns_free(w->conns);
	w->conns = NULL;
	pb_log_hold(0);
	pb_tasks_free(w->tasks);
	w->tasks = NULL;
	return NULL;
}

static struct evconnlistener *bind_listener(struct worker *w, const struct pb_config *cfg)
{
	struct addrinfo hints, *ai = NULL;
	char port[16];

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", cfg->listen_port);
	if (getaddrinfo(cfg->listen_host, port, &hints, &ai) != 0 || ai == NULL)
		return NULL;
	struct evconnlistener *l = evconnlistener_new_bind(w->base, on_accept, w,
	    LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT | LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC, 1024, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	return l;
}

static int worker_init(struct worker *w, struct server *srv)
{
	w->srv = srv;
	w->index = (int)(w - srv->workers);
	/* (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST saves epoll_ctl calls but
	 * loses a socket whose descriptor number is closed and reused within
	 * one loop pass — exactly what shedding under a flood does: the fault
	 * test fault_slow_clients caught it.) */
	w->base = event_base_new();
	if (w->base == NULL)
		return -1;
	w->listener = bind_listener(w, srv->cfg);
	if (w->listener == NULL)
		return -1;
	evconnlistener_set_error_cb(w->listener, on_accept_error);
	w->resume_ev = evtimer_new(w->base, on_resume, w);
	w->stop_ev = event_new(w->base, -1, 0, on_stop, w);
	return w->resume_ev && w->stop_ev ? 0 : -1;
}

static void worker_free(struct worker *w)
{
	if (w->stop_ev)
		event_free(w->stop_ev);
	if (w->resume_ev)
		event_free(w->resume_ev);
	if (w->listener)
		evconnlistener_free(w->listener);
	if (w->base)
		event_base_free(w->base);
}

/* Tell each loop to stop accepting and drain; the main loop ends. */
static void stop_workers(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;

	(void)fd;
	(void)what;
	for (int i = 0; i < srv->nworkers; i++)
		event_active(srv->workers[i].stop_ev, EV_TIMEOUT, 0);
	if (srv->main_base != NULL)
		event_base_loopbreak(srv->main_base);
}

/* SIGTERM or SIGINT: not ready at once; with PB_SHUTDOWN_DELAY, keep
 * serving that many seconds (a load balancer or Kubernetes Service still
 * routing here sees /readyz fail and stops), then stop.  A second signal
 * during the delay stops at once. */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	int again = atomic_exchange(&draining, 1);

	(void)what;
	if (!again && srv->cfg->shutdown_delay_s > 0 && srv->main_base != NULL &&
	    (srv->delay_ev = evtimer_new(srv->main_base, stop_workers, srv)) != NULL) {
		struct timeval delay = { srv->cfg->shutdown_delay_s, 0 };
		pb_log(PB_LOG_INFO, "signal %d: not ready; shutting down in %d s", (int)sig,
		    srv->cfg->shutdown_delay_s);
		evtimer_add(srv->delay_ev, &delay);
		return;
	}
	pb_log(PB_LOG_INFO, "signal %d: shutting down", (int)sig);
	stop_workers(-1, 0, srv);
}

/* SIGHUP asks a daemon to reopen its log after rotation, or tells it the
 * terminal went away: neither is a reason to stop.  The log is stderr,
 * opened by whoever started pbd (and, when redirected to a file, written
 * with O_APPEND semantics by the shell or supervisor), so it is kept. */
static void on_hangup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	pb_log(PB_LOG_INFO, "SIGHUP: still serving; the log stays on stderr");
}

/* Process-wide dispositions before any thread starts, so no thread ever
 * sees a default action: SIGPIPE (a client went away mid-write), SIGUSR1
 * and SIGUSR2 (sent by tools and sidecars) are ignored; SIGHUP is ignored
 * until its handler is added on the main loop. */
static void ignore_stray_signals(void)
{
	static const int ignored[] = { SIGPIPE, SIGUSR1, SIGUSR2, SIGHUP };

	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
}

/* How many client connections fit: PB_MAX_CONNECTIONS, after raising the
 * soft descriptor limit to the hard one, less a reserve for the pool, the
 * listeners and the process's own files. */
static int open_budget(const struct pb_config *cfg)
{
	struct rlimit rl;
	long reserve = 64 + (long)cfg->db_pool + 4L * cfg->threads;
	long budget = cfg->max_connections;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur - reserve < budget) {
			budget = (long)rl.rlim_cur - reserve;
			if (budget < cfg->threads)
				budget = cfg->threads;
			pb_log(PB_LOG_WARN, "PB_MAX_CONNECTIONS lowered to %ld to fit the descriptor "
			    "limit (RLIMIT_NOFILE %ld)", budget, (long)rl.rlim_cur);
		}
	}
	return (int)budget;
}

int pb_http_serve(const struct pb_config *cfg, struct pb_db_pool *pool,
    const struct pb_route *routes, size_t nroutes)
{
	struct server srv = { .cfg = cfg, .nworkers = cfg->threads,
	    .dispatch = { .cfg = cfg, .pool = pool, .routes = routes, .nroutes = nroutes } };
	int rc = -1, started = 0;

	ignore_stray_signals();
	evthread_use_pthreads();
	srv.max_open = open_budget(cfg);
	srv.workers = calloc((size_t)srv.nworkers, sizeof(*srv.workers));
	srv.dispatch.limiter = pb_ratelimit_new(cfg->rate_limit_rps, cfg->rate_limit_burst, 65536);
	struct event_base *main_base = event_base_new();
	if (srv.workers == NULL || main_base == NULL)
		goto out;
	for (int i = 0; i < srv.nworkers; i++)
		if (worker_init(&srv.workers[i], &srv) != 0) {
			pb_log(PB_LOG_ERROR, "cannot listen on %s:%d: %m", cfg->listen_host,
			    cfg->listen_port);
			goto out;
		}
	srv.main_base = main_base;
	struct event *sigint = evsignal_new(main_base, SIGINT, on_signal, &srv);
	struct event *sigterm = evsignal_new(main_base, SIGTERM, on_signal, &srv);
	struct event *sighup = evsignal_new(main_base, SIGHUP, on_hangup, &srv);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	evsignal_add(sighup, NULL);
	for (int i = 0; i < srv.nworkers; i++) {
		if (pthread_create(&srv.workers[i].thread, NULL, worker_main, &srv.workers[i]) != 0)
			break;
		started++;
	}
	pb_log(PB_LOG_INFO, "listening on %s:%d with %d threads", cfg->listen_host,
	    cfg->listen_port, started);
	if (started == srv.nworkers) {
		/* Returns when SIGTERM or SIGINT has told each worker to drain. */
		event_base_dispatch(main_base);
		rc = 0;
	} else {
		on_signal(SIGTERM, 0, &srv);
	}
	for (int i = 0; i < started; i++)
		pthread_join(srv.workers[i].thread, NULL);
	event_free(sigint);
	event_free(sigterm);
	event_free(sighup);
	if (srv.delay_ev != NULL)
		event_free(srv.delay_ev);
	pb_log(PB_LOG_INFO, "stopped");
out:
	for (int i = 0; srv.workers && i < srv.nworkers; i++)
		worker_free(&srv.workers[i]);
	free(srv.workers);
	pb_ratelimit_free(srv.dispatch.limiter);
	if (main_base)
		event_base_free(main_base);
	return rc;
}

