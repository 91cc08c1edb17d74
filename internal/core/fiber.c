/* SPDX-License-Identifier: MIT */
/*
 * fiber.c — coroutines with pooled guarded stacks (see fiber.h).
 *
 * On x86-64 a switch is six pushes, a stack swap and six pops (below):
 * glibc's swapcontext also saves the signal mask, one system call per
 * switch, four or more per request.  Other architectures use ucontext.
 */
#include "internal/core/fiber.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__x86_64__)
/* Save the callee-saved registers on the current stack, store its pointer
 * in *save, switch to the stack `to` and restore its registers: the
 * return lands wherever `to` last switched away (or at its entry). */
void pb_fiber_switch(void **save, void *to) __attribute__((visibility("hidden")));
__asm__(".text\n"
    ".globl pb_fiber_switch\n"
    ".hidden pb_fiber_switch\n"
    ".type pb_fiber_switch, @function\n"
    ".p2align 4\n"
    "pb_fiber_switch:\n"
    "\tpushq %rbp\n\tpushq %rbx\n\tpushq %r12\n\tpushq %r13\n\tpushq %r14\n\tpushq %r15\n"
    "\tmovq %rsp, (%rdi)\n"
    "\tmovq %rsi, %rsp\n"
    "\tpopq %r15\n\tpopq %r14\n\tpopq %r13\n\tpopq %r12\n\tpopq %rbx\n\tpopq %rbp\n"
    "\tret\n"
    ".size pb_fiber_switch, .-pb_fiber_switch\n");
typedef void *pb_ctx;
#define CTX_SWAP(from, to) pb_fiber_switch((from), *(to))
#else
#include <ucontext.h>
typedef ucontext_t pb_ctx;
#define CTX_SWAP(from, to) swapcontext((from), (to))
#endif

#if defined(__SANITIZE_ADDRESS__)
#define PB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PB_ASAN 1
#endif
#endif

#ifdef PB_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define PB_VALGRIND 1
#endif
#endif

#define FREE_STACKS 64   /* cached per thread */

struct pb_fiber {
	pb_ctx ctx;
	char *map;               /* guard page + stack */
	size_t map_len;
	pb_fiber_fn *fn;
	void *arg;
	int done;
	unsigned vg_id;
	void *asan_fake;         /* ASan's fake stack of the suspended side */
};

static _Thread_local pb_ctx loop_ctx;
static _Thread_local struct pb_fiber *running;
static _Thread_local struct pb_fiber *free_list[FREE_STACKS];
static _Thread_local int nfree;
#ifdef PB_ASAN
static _Thread_local const void *loop_stack_bottom;
static _Thread_local size_t loop_stack_size;
#endif

static char *stack_base(struct pb_fiber *f, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	*len = f->map_len - page;
	return f->map + page;
}

/* ASan bookkeeping around every switch (no-ops without ASan). */
static void switch_begin(void **fake_save, const void *bottom, size_t size)
{
#ifdef PB_ASAN
	__sanitizer_start_switch_fiber(fake_save, bottom, size);
#else
	(void)fake_save;
	(void)bottom;
	(void)size;
#endif
}

static void switch_end(void *fake, int record_loop)
{
#ifdef PB_ASAN
	if (record_loop)
		__sanitizer_finish_switch_fiber(fake, &loop_stack_bottom, &loop_stack_size);
	else
		__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
	(void)fake;
	(void)record_loop;
#endif
}

static void to_loop(struct pb_fiber *f, int finished)
{
#ifdef PB_ASAN
	/* a finished fiber's fake stack is destroyed (NULL save slot) */
	switch_begin(finished ? NULL : &f->asan_fake, loop_stack_bottom, loop_stack_size);
#else
	(void)finished;
	switch_begin(NULL, NULL, 0);
#endif
	CTX_SWAP(&f->ctx, &loop_ctx);
	switch_end(f->asan_fake, 1);
}

static void trampoline(void)
{
	struct pb_fiber *f = running;

	switch_end(NULL, 1);
	f->fn(f->arg);
	f->done = 1;
	to_loop(f, 1);   /* never resumed again */
	abort();
}

static struct pb_fiber *stack_new(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct pb_fiber *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->map_len = PB_FIBER_STACK + page;
	f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (f->map == MAP_FAILED) {
		free(f);
		return NULL;
	}
	(void)mprotect(f->map, page, PROT_NONE);   /* overflow faults, not corrupts */
#ifdef PB_VALGRIND
	size_t len;
	char *base = stack_base(f, &len);
	f->vg_id = VALGRIND_STACK_REGISTER(base, base + len);
#endif
	return f;
}

static void stack_free(struct pb_fiber *f)
{
#ifdef PB_VALGRIND
	VALGRIND_STACK_DEREGISTER(f->vg_id);
#endif
	munmap(f->map, f->map_len);
	free(f);
}

#if defined(__x86_64__)
/* Lay out f's stack as if it had switched away just before trampoline:
 * six zeroed registers, then trampoline as the return address, placed so
 * that trampoline starts with the stack aligned as after a call. */
static void make_start(struct pb_fiber *f)
{
	size_t len;
	char *base = stack_base(f, &len);
	void **sp = (void **)(((uintptr_t)base + len) & ~(uintptr_t)15);

	*--sp = NULL;
	*--sp = (void *)(uintptr_t)trampoline;
	for (int i = 0; i < 6; i++)
		*--sp = NULL;
	f->ctx = sp;
}
#else
/* Point f's context at trampoline on its own stack (kept apart:
 * getcontext returns twice). */
static void __attribute__((noinline)) make_start(struct pb_fiber *const f)
{
	size_t len;

	getcontext(&f->ctx);
	f->ctx.uc_stack.ss_sp = stack_base(f, &len);
	f->ctx.uc_stack.ss_size = len;
	f->ctx.uc_link = NULL;
	makecontext(&f->ctx, trampoline, 0);
}
#endif

struct pb_fiber *pb_fiber_new(pb_fiber_fn *fn, void *arg)
{
	struct pb_fiber *f = nfree > 0 ? free_list[--nfree] : stack_new();

	if (f == NULL)
		return NULL;
	f->fn = fn;
	f->arg = arg;
	f->done = 0;
	f->asan_fake = NULL;
	make_start(f);
	return f;
}

int pb_fiber_resume(struct pb_fiber *f)
{
	size_t len;
	char *base = stack_base(f, &len);
	void *fake = NULL;

	running = f;
	switch_begin(&fake, base, len);
	CTX_SWAP(&loop_ctx, &f->ctx);
	switch_end(fake, 0);
	running = NULL;
	if (!f->done)
		return 0;
	if (nfree < FREE_STACKS)
		free_list[nfree++] = f;
	else
		stack_free(f);
	return 1;
}

void pb_fiber_yield(void)
{
	struct pb_fiber *f = running;

	if (f != NULL)
		to_loop(f, 0);
}

struct pb_fiber *pb_fiber_self(void)
{
	return running;
}

void pb_fiber_thread_cleanup(void)
{
	while (nfree > 0)
		stack_free(free_list[--nfree]);
}
