/* SPDX-License-Identifier: MIT */
/*
 * tasks.h — requests as fibers on one event loop.
 *
 * Each loop thread owns a task set.  pb_tasks_spawn() runs a function in a
 * fiber (internal/core/fiber.h) at once; when the function waits — for
 * the PostgreSQL socket or for a pooled connection, through
 * internal/core/wait.h — the fiber is suspended on a libevent event and
 * the loop goes on serving other requests; the event resumes it.  So a
 * handler stays plain sequential C while its loop keeps many queries in
 * flight (architecture decision 1).
 *
 * Nothing here is thread-safe: a task set, its tasks and its wait hooks
 * belong to the thread that runs its event_base.
 */
#ifndef PB_HTTP_TASKS_H
#define PB_HTTP_TASKS_H

#include <stddef.h>

struct event_base;
struct pb_tasks;

/* A task set for `base`, and this thread's wait hooks pointed at it (call
 * on the loop's own thread).  NULL on OOM. */
struct pb_tasks *pb_tasks_new(struct event_base *base);

/* Uninstall the hooks and free the set.  Tasks still suspended (the loop
 * stopped before they finished) are abandoned with their stacks. */
void pb_tasks_free(struct pb_tasks *t);

/* Run fn(arg) in a new task now; returns when it finishes or first waits
 * (arg need only live until then if fn copies what it needs first).  -1
 * when no fiber could be made (or set is NULL, or the caller is itself a
 * task): the caller runs fn itself, blocking.  running/on_idle accept a
 * NULL set too. */
int pb_tasks_spawn(struct pb_tasks *t, void (*fn)(void *), void *arg);

/* Tasks started and not yet finished. */
size_t pb_tasks_running(const struct pb_tasks *t);

/* Call cb(arg) whenever the last running task finishes (NULL: never). */
void pb_tasks_on_idle(struct pb_tasks *t, void (*cb)(void *), void *arg);

#endif
