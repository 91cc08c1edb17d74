/* SPDX-License-Identifier: MIT */
/*
 * wait.h — waiting without knowing who waits.
 *
 * Code below the handlers (the database pool) waits for a socket or for a
 * wake-up through these calls.  A thread that runs an event loop installs
 * hooks that suspend the calling fiber and let the loop serve other
 * requests meanwhile (internal/http/tasks.c); on any other thread — CLI
 * subcommands, tests, fuzzers — no hooks are installed and a socket wait
 * blocks the thread in poll(2), while a park has nobody to wake it and
 * times out at once.
 */
#ifndef PB_CORE_WAIT_H
#define PB_CORE_WAIT_H

#define PB_WAIT_READ 1
#define PB_WAIT_WRITE 2
/* With PB_WAIT_READ alone: fd stays open across many waits (a database
 * connection), so a loop may keep it registered between them instead of
 * adding and removing it each time.  Whoever closes such an fd calls
 * pb_wait_forget(fd) first, or as soon as it learns that libpq closed it. */
#define PB_WAIT_KEEP 4

struct pb_wait_ops {
	/* Suspend until fd is ready for one of `events` or timeout_ms passes:
	 * 1 ready, 0 timed out. */
	int (*fd)(int fd, int events, int timeout_ms);
	/* The calling task (NULL when the caller cannot be suspended). */
	void *(*self)(void);
	/* Suspend the calling task until woken or timeout_ms passes: 1 woken,
	 * 0 timed out. */
	int (*park)(int timeout_ms);
	/* Make a parked task runnable (later, from the loop); a task that is
	 * not parked is left alone. */
	void (*wake)(void *task);
	/* Suspend the calling task until the loop has run everything that is
	 * ready now (the other requests of this loop pass), then go on. */
	void (*defer)(void);
	/* Drop whatever is kept registered for fd (see PB_WAIT_KEEP). */
	void (*forget)(int fd);
	/* 1 when kept fd became readable while nobody waited on it since its
	 * last wait (the peer closed it, or sent something unasked); clears
	 * that mark. */
	int (*stirred)(int fd);
	/* Start fn(arg) as a new task of this loop, after the caller's pass
	 * (never inside the caller): 0 when it will run, -1 when it cannot. */
	int (*spawn)(void (*fn)(void *), void *arg);
};

/* Install ops for the calling thread (NULL: back to blocking waits).  ops
 * must outlive its installation. */
void pb_wait_install(const struct pb_wait_ops *ops);

/* Milliseconds on the monotonic clock: the clock of every wait deadline. */
long long pb_wait_now_ms(void);

int pb_wait_fd(int fd, int events, int timeout_ms);
void *pb_wait_self(void);
int pb_wait_park(int timeout_ms);
void pb_wait_wake(void *task);
/* Off a loop thread (nothing else could run meanwhile) this returns at once. */
void pb_wait_defer(void);
void pb_wait_forget(int fd);
int pb_wait_stirred(int fd);
/* Background work for this loop (a replica's lag probe): fn(arg) runs
 * later as its own task, so no request waits for it.  -1 off a loop thread
 * (no hooks) or when no task can be made: fn will not run. */
int pb_wait_spawn(void (*fn)(void *), void *arg);

#endif
