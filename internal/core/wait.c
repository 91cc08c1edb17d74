/* SPDX-License-Identifier: MIT */
/* wait.c — per-thread wait hooks with poll(2) as the fallback (see wait.h). */
#include "internal/core/wait.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <time.h>

static _Thread_local const struct pb_wait_ops *hooks;

void pb_wait_install(const struct pb_wait_ops *ops)
{
	hooks = ops;
}

long long pb_wait_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pb_wait_fd(int fd, int events, int timeout_ms)
{
	if (hooks != NULL && hooks->self() != NULL)
		return hooks->fd(fd, events, timeout_ms);

	struct pollfd p = { .fd = fd };
	if (events & PB_WAIT_READ)
		p.events |= POLLIN;
	if (events & PB_WAIT_WRITE)
		p.events |= POLLOUT;
	for (;;) {
		int n = poll(&p, 1, timeout_ms);
		if (n >= 0)
			return n > 0;
		if (errno != EINTR)
			return 1;   /* let the caller's next libpq call report it */
	}
}

void *pb_wait_self(void)
{
	return hooks != NULL ? hooks->self() : NULL;
}

int pb_wait_park(int timeout_ms)
{
	return hooks != NULL && hooks->self() != NULL ? hooks->park(timeout_ms) : 0;
}

void pb_wait_wake(void *task)
{
	if (hooks != NULL && task != NULL)
		hooks->wake(task);
}

void pb_wait_defer(void)
{
	if (hooks != NULL && hooks->self() != NULL)
		hooks->defer();
}

void pb_wait_forget(int fd)
{
	if (hooks != NULL && fd >= 0)
		hooks->forget(fd);
}

int pb_wait_stirred(int fd)
{
	return hooks != NULL && fd >= 0 && hooks->stirred(fd);
}

int pb_wait_spawn(void (*fn)(void *), void *arg)
{
	return hooks != NULL && hooks->spawn != NULL ? hooks->spawn(fn, arg) : -1;
}
