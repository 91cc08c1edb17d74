/* SPDX-License-Identifier: MIT */
/*
 * fiber.h — stackful coroutines for one thread (ucontext).
 *
 * A fiber runs a function on its own stack until the function returns or
 * calls pb_fiber_yield(); pb_fiber_resume() continues it from there.  This
 * is what lets a handler written as plain sequential C wait for PostgreSQL
 * without blocking its event loop (architecture decision 1): the waiting
 * code yields, the loop runs other requests, and the loop resumes the
 * fiber when the socket is ready (see internal/core/wait.h).
 *
 * Fibers never cross threads: a fiber is created, resumed and finished on
 * one thread.  Stacks are PB_FIBER_STACK bytes of mmap'd memory with a
 * guard page below, reused through a small per-thread free list; only the
 * pages a fiber touches become resident.  AddressSanitizer and valgrind
 * are told about every switch.
 */
#ifndef PB_CORE_FIBER_H
#define PB_CORE_FIBER_H

#include <stddef.h>

#define PB_FIBER_STACK (256 * 1024)

struct pb_fiber;

typedef void pb_fiber_fn(void *arg);

/* A fiber that will run fn(arg) at its first resume; NULL when no stack
 * can be mapped.  It is freed by the resume in which fn returns. */
struct pb_fiber *pb_fiber_new(pb_fiber_fn *fn, void *arg);

/* Run f until it yields (returns 0) or fn returns (returns 1; f is then
 * freed and must not be used again).  Must not be called from inside a
 * fiber. */
int pb_fiber_resume(struct pb_fiber *f);

/* From inside a fiber: go back to the pb_fiber_resume() that ran it. */
void pb_fiber_yield(void);

/* The fiber running on this thread, NULL outside every fiber. */
struct pb_fiber *pb_fiber_self(void);

/* Release this thread's cached stacks (at thread exit; optional). */
void pb_fiber_thread_cleanup(void);

#endif
