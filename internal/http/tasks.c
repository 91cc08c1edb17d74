/* SPDX-License-Identifier: MIT */
/*
 * tasks.c — fibers driven by libevent events (see tasks.h).
 *
 * A wait is the task's own event: the fd with a timeout, or a bare timer
 * for a park.  A PB_WAIT_KEEP read wait (a PostgreSQL socket, many waits
 * over its life) uses a watch instead: a persistent read event that stays
 * registered between waits, so a query costs no epoll_ctl; the task's own
 * event is then only the timeout.  A watch that fires with no task waiting
 * (the server closed an idle connection) unregisters itself until the next
 * wait, and pb_wait_forget() drops it before its fd is closed.
 */
#include "internal/http/tasks.h"

#include <stdlib.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "internal/core/fiber.h"
#include "internal/core/wait.h"
#include "internal/log/log.h"

#define SPARE_TASKS 64

struct watch {
	struct event ev;         /* EV_READ | EV_PERSIST on the fd */
	int added;               /* registered with the loop */
	int stirred;             /* readable while nobody waited */
	struct task *waiter;     /* the task waiting for it, if any */
};

struct task {
	struct pb_tasks *set;
	struct pb_fiber *fiber;
	void (*fn)(void *);
	void *arg;
	struct event ev;         /* what the task waits for, when it waits */
	int waiting;             /* suspended on ev */
	int woken;               /* pb_wait_wake() arrived */
	int ready;               /* result of the wait */
	struct watch *watch;     /* the watch of a PB_WAIT_KEEP wait */
	struct task *next_spare;
};

struct pb_tasks {
	struct event_base *base;
	size_t running;
	struct task *spare;
	size_t nspare;
	void (*idle_cb)(void *);
	void *idle_arg;
	struct watch **watches;  /* by fd */
	size_t nwatches;
};

static _Thread_local struct pb_tasks *this_set;
static _Thread_local struct task *current;

static void task_main(void *arg)
{
	struct task *t = arg;
	t->fn(t->arg);
}

static void task_done(struct task *t)
{
	struct pb_tasks *set = t->set;

	set->running--;
	if (set->nspare < SPARE_TASKS) {
		t->next_spare = set->spare;
		set->spare = t;
		set->nspare++;
	} else {
		free(t);
	}
	if (set->running == 0 && set->idle_cb != NULL)
		set->idle_cb(set->idle_arg);
}

/* Continue t until it waits again or ends. */
static void run(struct task *t)
{
	struct task *outer = current;

	current = t;
	int finished = pb_fiber_resume(t->fiber);
	current = outer;
	if (finished)
		task_done(t);
}

static void on_ready(evutil_socket_t fd, short what, void *arg)
{
	struct task *t = arg;

	(void)fd;
	if (!t->waiting)
		return;
	t->waiting = 0;
	t->ready = t->woken || (what & (EV_READ | EV_WRITE)) != 0;
	event_del(&t->ev);
	if (t->watch != NULL && t->watch->waiter == t)
		t->watch->waiter = NULL;   /* timed out on a watch */
	t->watch = NULL;
	run(t);
}

/* Suspend the current task on (fd, flags) for at most timeout_ms. */
static int suspend(int fd, short flags, int timeout_ms)
{
	struct task *t = current;
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };

	event_assign(&t->ev, t->set->base, fd, flags, on_ready, t);
	if (event_add(&t->ev, timeout_ms >= 0 ? &tv : NULL) != 0)
		return 1;   /* cannot wait: let the caller try again at once */
	t->waiting = 1;
	t->woken = 0;
	t->ready = 0;
	pb_fiber_yield();
	return t->ready;
}

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct watch *w = arg;
	struct task *t = w->waiter;

	(void)fd;
	(void)what;
	if (t == NULL) {
		/* nobody waits (the server closed an idle connection?): stop
		 * watching until the next wait, and say so (hook_stirred) */
		event_del(&w->ev);
		w->added = 0;
		w->stirred = 1;
		return;
	}
	w->waiter = NULL;
	t->watch = NULL;
	t->waiting = 0;
	t->ready = 1;
	event_del(&t->ev);   /* the timeout: a timer, no system call */
	run(t);
}

/* The watch of fd, made on first use; NULL on OOM. */
static struct watch *watch_of(struct pb_tasks *set, int fd)
{
	if ((size_t)fd >= set->nwatches) {
		size_t n = (size_t)fd + 16;
		struct watch **grown = realloc(set->watches, n * sizeof(*grown));
		if (grown == NULL)
			return NULL;
		for (size_t i = set->nwatches; i < n; i++)
			grown[i] = NULL;
		set->watches = grown;
		set->nwatches = n;
	}
	struct watch *w = set->watches[fd];
	if (w == NULL && (w = calloc(1, sizeof(*w))) != NULL) {
		event_assign(&w->ev, set->base, fd, EV_READ | EV_PERSIST, on_watch, w);
		set->watches[fd] = w;
	}
	return w;
}

/* A PB_WAIT_KEEP read wait; -1 when it cannot be kept (wait plainly). */
static int suspend_kept(int fd, int timeout_ms)
{
	struct task *t = current;
	struct watch *w = watch_of(t->set, fd);

	if (w == NULL || w->waiter != NULL)
		return -1;
	if (!w->added) {
		if (event_add(&w->ev, NULL) != 0)
			return -1;
		w->added = 1;
	}
	w->waiter = t;
	w->stirred = 0;
	t->watch = w;
	int r = suspend(-1, 0, timeout_ms);
	if (t->watch != NULL) {   /* the wait never started */
		if (t->watch->waiter == t)
			t->watch->waiter = NULL;
		t->watch = NULL;
	}
	return r;
}

static void forget_in(struct pb_tasks *set, int fd)
{
	if (set == NULL || fd < 0 || (size_t)fd >= set->nwatches || set->watches[fd] == NULL)
		return;
	struct watch *w = set->watches[fd];
	if (w->added)
		event_del(&w->ev);
	if (w->waiter != NULL)
		w->waiter->watch = NULL;
	free(w);
	set->watches[fd] = NULL;
}

static void hook_forget(int fd)
{
	forget_in(this_set, fd);
}

static int hook_stirred(int fd)
{
	struct pb_tasks *set = this_set;

	if (set == NULL || (size_t)fd >= set->nwatches || set->watches[fd] == NULL)
		return 0;
	int was = set->watches[fd]->stirred;
	set->watches[fd]->stirred = 0;
	return was;
}

static int hook_fd(int fd, int events, int timeout_ms)
{
	short flags = 0;

	if (events == (PB_WAIT_READ | PB_WAIT_KEEP)) {
		int r = suspend_kept(fd, timeout_ms);
		if (r >= 0)
			return r;
	}

	if (events & PB_WAIT_READ)
		flags |= EV_READ;
	if (events & PB_WAIT_WRITE)
		flags |= EV_WRITE;
	return suspend(fd, flags, timeout_ms);
}

static void *hook_self(void)
{
	return current;   /* set only while a task's fiber runs */
}

static int hook_park(int timeout_ms)
{
	suspend(-1, 0, timeout_ms);
	return current->woken;
}

static void hook_wake(void *task)
{
	struct task *t = task;

	if (t->waiting && !t->woken) {
		t->woken = 1;
		event_active(&t->ev, EV_TIMEOUT, 1);
	}
}

/* Behind whatever the loop has already made active in this pass: the
 * task's own event is activated now, so it runs after them. */
static void hook_defer(void)
{
	struct task *t = current;

	event_assign(&t->ev, t->set->base, -1, 0, on_ready, t);
	t->waiting = 1;
	t->woken = 1;   /* a pb_wait_wake meanwhile has nothing to add */
	t->ready = 0;
	event_active(&t->ev, EV_TIMEOUT, 1);
	pb_fiber_yield();
}

static int hook_spawn(void (*fn)(void *), void *arg);

static const struct pb_wait_ops hooks = {
	.fd = hook_fd, .self = hook_self, .park = hook_park, .wake = hook_wake,
	.defer = hook_defer,
	.forget = hook_forget, .stirred = hook_stirred, .spawn = hook_spawn,
};

struct pb_tasks *pb_tasks_new(struct event_base *base)
{
	struct pb_tasks *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	set->base = base;
	this_set = set;
	pb_wait_install(&hooks);
	return set;
}

void pb_tasks_free(struct pb_tasks *set)
{
	if (set == NULL)
		return;
	for (size_t fd = 0; fd < set->nwatches; fd++)
		if (set->watches[fd] != NULL)
			forget_in(set, (int)fd);
	free(set->watches);
	if (this_set == set) {
		pb_wait_install(NULL);
		this_set = NULL;
	}
	if (set->running > 0)
		pb_log(PB_LOG_WARN, "%zu requests abandoned at shutdown", set->running);
	while (set->spare != NULL) {
		struct task *t = set->spare;
		set->spare = t->next_spare;
		free(t);
	}
	pb_fiber_thread_cleanup();
	free(set);
}

/* A task of set that will run fn(arg) at its first resume, counted as
 * running; NULL when none can be made. */
static struct task *new_task(struct pb_tasks *set, void (*fn)(void *), void *arg)
{
	struct task *t = set->spare;

	if (t != NULL) {
		set->spare = t->next_spare;
		set->nspare--;
	} else if ((t = malloc(sizeof(*t))) == NULL) {
		return NULL;
	}
	t->set = set;
	t->fn = fn;
	t->arg = arg;
	t->waiting = t->woken = t->ready = 0;
	t->watch = NULL;
	t->fiber = pb_fiber_new(task_main, t);
	if (t->fiber == NULL) {
		free(t);
		return NULL;
	}
	set->running++;
	return t;
}

int pb_tasks_spawn(struct pb_tasks *set, void (*fn)(void *), void *arg)
{
	if (set == NULL || pb_fiber_self() != NULL)
		return -1;   /* fibers do not nest: the caller runs fn inline */
	struct task *t = new_task(set, fn, arg);
	if (t == NULL)
		return -1;
	run(t);
	return 0;
}

/* The new task starts from the loop, like a deferred one resumes. */
static int hook_spawn(void (*fn)(void *), void *arg)
{
	struct task *t = this_set != NULL ? new_task(this_set, fn, arg) : NULL;

	if (t == NULL)
		return -1;
	event_assign(&t->ev, t->set->base, -1, 0, on_ready, t);
	t->waiting = 1;
	t->woken = 1;
	event_active(&t->ev, EV_TIMEOUT, 1);
	return 0;
}

size_t pb_tasks_running(const struct pb_tasks *set)
{
	return set != NULL ? set->running : 0;
}

void pb_tasks_on_idle(struct pb_tasks *set, void (*cb)(void *), void *arg)
{
	if (set == NULL)
		return;
	set->idle_cb = cb;
	set->idle_arg = arg;
}
