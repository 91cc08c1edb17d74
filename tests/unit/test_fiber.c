/* SPDX-License-Identifier: MIT */
/*
 * test_fiber.c — fibers (internal/core/fiber.h), the blocking wait
 * fallback (internal/core/wait.h) and tasks on a libevent loop
 * (internal/http/tasks.h).  cmocka asserts longjmp, so fibers only record
 * what happened and the assertions run outside them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "internal/core/fiber.h"
#include "internal/core/wait.h"
#include "internal/http/tasks.h"

static char trail[64];   /* what the fibers did, in order */
static size_t ntrail;

static void note(char c)
{
	if (ntrail + 1 < sizeof(trail))
		trail[ntrail++] = c;
	trail[ntrail] = '\0';
}

static void reset(void)
{
	ntrail = 0;
	trail[0] = '\0';
}

/* --- fibers -------------------------------------------------------------- */

static void three_steps(void *arg)
{
	char c = *(const char *)arg;

	note(c);
	pb_fiber_yield();
	note((char)(c + 1));
	pb_fiber_yield();
	note((char)(c + 2));
}

static void test_fibers_interleave_and_end(void **state)
{
	(void)state;
	reset();
	char a = 'a', x = 'x';
	struct pb_fiber *f1 = pb_fiber_new(three_steps, &a);
	struct pb_fiber *f2 = pb_fiber_new(three_steps, &x);
	assert_non_null(f1);
	assert_non_null(f2);
	assert_int_equal(pb_fiber_resume(f1), 0);
	assert_int_equal(pb_fiber_resume(f2), 0);
	assert_int_equal(pb_fiber_resume(f1), 0);
	assert_int_equal(pb_fiber_resume(f2), 0);
	assert_int_equal(pb_fiber_resume(f2), 1);   /* ended: f2 is gone */
	assert_int_equal(pb_fiber_resume(f1), 1);
	assert_string_equal(trail, "axbyzc");
}

static struct pb_fiber *seen_self;

static void record_self(void *arg)
{
	(void)arg;
	seen_self = pb_fiber_self();
}

static void test_self_and_yield_outside(void **state)
{
	(void)state;
	assert_null(pb_fiber_self());
	pb_fiber_yield();            /* outside every fiber: nothing happens */
	struct pb_fiber *f = pb_fiber_new(record_self, NULL);
	assert_non_null(f);
	assert_int_equal(pb_fiber_resume(f), 1);
	assert_ptr_equal(seen_self, f);
	assert_null(pb_fiber_self());
}

/* Uses about depth × 4 KiB of stack. */
static int __attribute__((noinline)) deep(int depth)
{
	volatile char pad[4096];

	memset((char *)pad, depth, sizeof(pad));
	return depth == 0 ? pad[0] : deep(depth - 1) + pad[100];
}

static int deep_result;

static void use_stack(void *arg)
{
	deep_result = deep(*(int *)arg);
}

static void test_stacks_are_deep_enough_and_reused(void **state)
{
	(void)state;
	int depth = 40;   /* 160 KiB of a 256 KiB stack */
	for (int i = 0; i < 2000; i++) {
		struct pb_fiber *f = pb_fiber_new(use_stack, &depth);
		assert_non_null(f);
		assert_int_equal(pb_fiber_resume(f), 1);
	}
	assert_int_equal(deep_result, 40 * 41 / 2);
	pb_fiber_thread_cleanup();
}

/* --- waiting without hooks ------------------------------------------------ */

static void test_wait_without_hooks_blocks_the_thread(void **state)
{
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_null(pb_wait_self());
	assert_int_equal(pb_wait_fd(p[0], PB_WAIT_READ, 20), 0);   /* nothing to read */
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(pb_wait_fd(p[0], PB_WAIT_READ, 1000), 1);
	assert_int_equal(pb_wait_fd(p[1], PB_WAIT_WRITE, 1000), 1);
	assert_int_equal(pb_wait_park(1000), 0);   /* nobody could wake it */
	pb_wait_wake(NULL);
	close(p[0]);
	close(p[1]);
}

/* --- tasks on a loop ------------------------------------------------------ */

static int pipe_fds[2];
static int wait_result[4];
static void *parked[4];
static struct pb_tasks *tasks;

static void reader(void *arg)
{
	(void)arg;
	note('r');
	wait_result[0] = pb_wait_fd(pipe_fds[0], PB_WAIT_READ, 5000);
	note('R');
}

static void writer(void *arg)
{
	(void)arg;
	note('w');
	wait_result[1] = (int)write(pipe_fds[1], "x", 1);
}

static void nested(void *arg)
{
	(void)arg;
	wait_result[2] = pb_tasks_spawn(tasks, writer, NULL);
}

static int idle_calls;

static void on_idle(void *arg)
{
	(void)arg;
	idle_calls++;
}

static void run_until_idle(struct event_base *base)
{
	for (int i = 0; i < 1000 && pb_tasks_running(tasks) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
}

static void test_task_waits_for_a_socket_without_blocking_the_loop(void **state)
{
	(void)state;
	reset();
	memset(wait_result, 0, sizeof(wait_result));
	idle_calls = 0;
	struct event_base *base = event_base_new();
	assert_non_null(base);
	tasks = pb_tasks_new(base);
	assert_non_null(tasks);
	pb_tasks_on_idle(tasks, on_idle, NULL);
	assert_int_equal(pipe(pipe_fds), 0);

	assert_int_equal(pb_tasks_spawn(tasks, reader, NULL), 0);
	assert_int_equal(pb_tasks_running(tasks), 1);          /* suspended on the pipe */
	assert_int_equal(pb_tasks_spawn(tasks, writer, NULL), 0);  /* runs meanwhile */
	run_until_idle(base);
	assert_string_equal(trail, "rwR");
	assert_int_equal(wait_result[0], 1);
	assert_int_equal(wait_result[1], 1);
	assert_int_equal(idle_calls, 1);

	/* a task cannot start another inside itself: the caller runs it */
	assert_int_equal(pb_tasks_spawn(tasks, nested, NULL), 0);
	assert_int_equal(wait_result[2], -1);

	close(pipe_fds[0]);
	close(pipe_fds[1]);
	pb_tasks_free(tasks);
	event_base_free(base);
	assert_null(pb_wait_self());   /* hooks uninstalled with the set */
}

static void parker(void *arg)
{
	int i = *(int *)arg;

	parked[i] = pb_wait_self();
	wait_result[i] = pb_wait_park(i == 0 ? 5000 : 20);
	note((char)('0' + i));
}

static void waker(void *arg)
{
	(void)arg;
	note('k');
	pb_wait_wake(parked[0]);
	pb_wait_wake(parked[0]);   /* twice is once */
}

static void test_park_wake_and_timeout(void **state)
{
	static int zero = 0, one = 1;

	(void)state;
	reset();
	memset(wait_result, -1, sizeof(wait_result));
	struct event_base *base = event_base_new();
	tasks = pb_tasks_new(base);
	assert_non_null(tasks);
	assert_int_equal(pb_tasks_spawn(tasks, parker, &zero), 0);
	assert_int_equal(pb_tasks_spawn(tasks, parker, &one), 0);
	assert_non_null(parked[0]);
	assert_ptr_not_equal(parked[0], parked[1]);
	/* let task 1 time out first (20 ms), then wake task 0 */
	for (int i = 0; i < 100 && wait_result[1] == -1; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(wait_result[1], 0);               /* timed out */
	assert_int_equal(pb_tasks_spawn(tasks, waker, NULL), 0);
	run_until_idle(base);
	assert_int_equal(wait_result[0], 1);               /* woken, long before 5 s */
	assert_string_equal(trail, "1k0");
	pb_tasks_free(tasks);
	event_base_free(base);
}

static void kept_reader(void *arg)
{
	char c;

	(void)arg;
	wait_result[3] = pb_wait_fd(pipe_fds[0], PB_WAIT_READ | PB_WAIT_KEEP, 5000);
	wait_result[2] = (int)read(pipe_fds[0], &c, 1);
}

/* A kept socket that becomes readable while nobody waits is reported
 * "stirred" once (how the pool notices a session the server ended). */
static void test_kept_fd_stirred_while_idle(void **state)
{
	(void)state;
	memset(wait_result, 0, sizeof(wait_result));
	struct event_base *base = event_base_new();
	tasks = pb_tasks_new(base);
	assert_non_null(tasks);
	assert_int_equal(pipe(pipe_fds), 0);
	assert_int_equal(pb_tasks_spawn(tasks, kept_reader, NULL), 0);
	assert_int_equal(write(pipe_fds[1], "a", 1), 1);
	run_until_idle(base);
	assert_int_equal(wait_result[3], 1);
	assert_int_equal(wait_result[2], 1);
	assert_int_equal(pb_wait_stirred(pipe_fds[0]), 0);   /* quiet while idle */
	assert_int_equal(write(pipe_fds[1], "b", 1), 1);      /* data nobody asked for */
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(pb_wait_stirred(pipe_fds[0]), 1);
	assert_int_equal(pb_wait_stirred(pipe_fds[0]), 0);   /* reported once */
	pb_wait_forget(pipe_fds[0]);
	assert_int_equal(pb_wait_stirred(pipe_fds[0]), 0);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	pb_tasks_free(tasks);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fibers_interleave_and_end),
		cmocka_unit_test(test_self_and_yield_outside),
		cmocka_unit_test(test_stacks_are_deep_enough_and_reused),
		cmocka_unit_test(test_wait_without_hooks_blocks_the_thread),
		cmocka_unit_test(test_task_waits_for_a_socket_without_blocking_the_loop),
		cmocka_unit_test(test_park_wake_and_timeout),
		cmocka_unit_test(test_kept_fd_stirred_while_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
