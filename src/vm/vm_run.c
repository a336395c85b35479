/* vm_run.c — one run: registers come from the caller, stack and state live on the C stack
 * (the frames past the first USERBPF_MAX_CALL_FRAMES, which only tail calls from
 * subprograms reach, on the heap for the run's duration).
 *
 * Nothing here writes to the vm, so any number of threads may run one vm at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_internal.h"

int userbpf_vm_run(const struct userbpf_vm *vm, const struct userbpf_run_args *args, uint64_t *r0,
                   struct userbpf_error *e)
{
	struct userbpf_error scratch;
	_Alignas(16) unsigned char stack[VM_STACK_BYTES];
	struct userbpf_run_ctx rc;
	uint64_t ret = 0;

	if (!e)
		e = &scratch;
	e->err = 0;
	e->insn = -1;
	e->msg[0] = 0;
	if (!vm || !args || !r0 || args->sz < sizeof *args ||
	    (args->nr_regions && !args->regions)) {
		e->err = -EINVAL;
		snprintf(e->msg, sizeof e->msg, "invalid run arguments");
		return -EINVAL;
	}
	rc.vm = vm;
	rc.user = args->user;
	memcpy(rc.args, args->r, sizeof rc.args);
	rc.regions = args->regions;
	rc.nr_regions = args->nr_regions;
	rc.nr_grants = 0;
	rc.stack = stack;
	rc.e = e;
	rc.cur_vm = vm;
	rc.entry = NULL;
	rc.depth_base = 0;
	rc.depth = 0;
	rc.seg_base = 0;
	rc.tail_calls = 0;
	rc.failed = 0;
	rc.budget = vm->insn_budget;
	rc.deep = NULL;
	int err;
	if (vm->guarded) {
		/* Unverified programs may read stack they never wrote: make that deterministic. */
		memset(stack, 0, sizeof stack);
		err = vm_exec_guarded(&rc, &ret, NULL);
	} else {
		err = vm_exec_trusted(&rc, &ret, NULL);
	}
	free(rc.deep);
	if (!err)
		*r0 = ret;
	return err;
}

struct vm_deep *vm_deep_get(struct userbpf_run_ctx *rc)
{
	if (!rc->deep) /* zeroed: guarded runs may read stack they never wrote */
		rc->deep = calloc(1, sizeof *rc->deep);
	return rc->deep;
}

struct vm_frame *vm_deep_frames(struct userbpf_run_ctx *rc, const struct vm_frame *frames,
                                const struct vm_frame *own, int base, int depth, int insn)
{
	if (frames != own || depth + 1 >= VM_MAX_RUN_FRAMES) {
		vm_fail(rc, -EOVERFLOW, insn, "the run's call stack of %d frames is too deep",
		        depth + 2);
		return NULL;
	}
	struct vm_deep *d = vm_deep_get(rc);
	if (!d) {
		vm_fail(rc, -ENOMEM, insn, "out of memory for a call stack of %d frames",
		        depth + 2);
		return NULL;
	}
	memcpy(&d->frames[base], &own[base], (size_t)(depth - base) * sizeof *own);
	return d->frames;
}

int userbpf_vm_exec(const struct userbpf_vm *vm, void *mem, size_t len, uint64_t *r0,
                    struct userbpf_error *e)
{
	struct userbpf_mem_region region = {
	        .base = mem, .len = len, .prot = USERBPF_MEM_READ | USERBPF_MEM_WRITE};
	struct userbpf_run_args args = {
	        .sz = sizeof args,
	        .r = {(uint64_t)(uintptr_t)mem, len},
	        .regions = mem ? &region : NULL,
	        .nr_regions = mem ? 1 : 0,
	};
	return userbpf_vm_run(vm, &args, r0, e);
}

void *userbpf_run_user(struct userbpf_run_ctx *rc)
{
	return rc->user;
}

int userbpf_run_grant(struct userbpf_run_ctx *rc, void *base, size_t len, unsigned prot)
{
	if (rc->nr_grants == VM_MAX_GRANTS)
		return -ENOSPC;
	rc->grants[rc->nr_grants++] = (struct userbpf_mem_region){base, len, prot};
	return 0;
}

bool userbpf_run_guarded(const struct userbpf_run_ctx *rc)
{
	return rc->vm->guarded;
}

bool userbpf_run_access_ok(const struct userbpf_run_ctx *rc, const void *p, size_t len,
                           unsigned prot)
{
	return !rc->vm->guarded || vm_mem_ok(rc, (uint64_t)(uintptr_t)p, len, prot);
}

int userbpf_run_fail(struct userbpf_run_ctx *rc, int err, const char *fmt, ...)
{
	if (rc->failed) /* the first failure is the one reported */
		return rc->failed;
	va_list ap;
	va_start(ap, fmt);
	userbpf_verrorf(rc->e, err, -1, fmt, ap);
	va_end(ap);
	rc->failed = err;
	return err;
}

/* Is op an instruction of vm (a callback value the program could have forged)? */
static bool vm_is_op_of(const struct userbpf_vm *vm, const struct vm_op *op)
{
	uintptr_t p = (uintptr_t)op, lo = (uintptr_t)vm->ops;
	return p >= lo && p < (uintptr_t)(vm->ops + vm->cnt) && (p - lo) % sizeof *op == 0;
}

int userbpf_run_callback(struct userbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5],
                         const struct userbpf_mem_region *regions, size_t nr_regions, uint64_t *ret)
{
	const struct userbpf_vm *vm = rc->cur_vm;
	const struct vm_op *entry = (const struct vm_op *)(uintptr_t)fn;
	*ret = 0;
	if (rc->failed)
		return rc->failed;
	if (vm->guarded && !vm_is_op_of(vm, entry))
		return userbpf_run_fail(rc, -EINVAL,
		                        "callback 0x%llx is not a function of the running program",
		                        (unsigned long long)fn);
	/* the callback's frame is one more in its caller's program */
	if (rc->depth + 1 - rc->seg_base >= USERBPF_MAX_CALL_FRAMES)
		return userbpf_run_fail(rc, -EOVERFLOW, "the call stack of %d frames is too deep",
		                        rc->depth - rc->seg_base + 2);
	if (rc->depth + 1 >= VM_MAX_RUN_FRAMES)
		return userbpf_run_fail(rc, -EOVERFLOW,
		                        "the run's call stack of %d frames is too deep",
		                        rc->depth + 2);
	if (rc->depth + 1 >= USERBPF_MAX_CALL_FRAMES && !vm_deep_get(rc))
		return userbpf_run_fail(rc, -ENOMEM, "out of memory for a call stack of %d frames",
		                        rc->depth + 2);
	/* Everything an invocation changes, restored when the callback returns (the budget
	 * and a failure carry over). */
	uint64_t saved_args[5];
	memcpy(saved_args, rc->args, sizeof saved_args);
	size_t saved_grants = rc->nr_grants;
	uintptr_t saved_stack_lo = rc->stack_lo;
	const struct vm_op *saved_entry = rc->entry;
	int saved_base = rc->depth_base, saved_depth = rc->depth, saved_seg = rc->seg_base;
	for (size_t i = 0; i < nr_regions; i++)
		if (userbpf_run_grant(rc, regions[i].base, regions[i].len, regions[i].prot)) {
			rc->nr_grants = saved_grants;
			return userbpf_run_fail(rc, -ENOSPC, "no room to grant callback regions");
		}
	memcpy(rc->args, args, sizeof rc->args);
	rc->entry = entry;
	rc->depth_base = saved_depth + 1;
	int err = vm->guarded ? vm_exec_guarded(rc, ret, NULL) : vm_exec_trusted(rc, ret, NULL);
	memcpy(rc->args, saved_args, sizeof rc->args);
	rc->nr_grants = saved_grants;
	rc->stack_lo = saved_stack_lo;
	rc->cur_vm = vm;
	rc->entry = saved_entry;
	rc->depth_base = saved_base;
	rc->depth = saved_depth;
	rc->seg_base = saved_seg;
	if (err && !rc->failed)
		rc->failed = err; /* the engine reported it through vm_fail */
	return rc->failed;
}
