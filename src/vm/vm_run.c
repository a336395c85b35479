/* vm_run.c — one run: registers come from the caller, stack and state live on the C stack.
 *
 * Nothing here writes to the vm, so any number of threads may run one vm at once.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
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
	int err;
	if (vm->guarded) {
		/* Unverified programs may read stack they never wrote: make that deterministic. */
		memset(stack, 0, sizeof stack);
		err = vm_exec_guarded(&rc, &ret, NULL);
	} else {
		err = vm_exec_trusted(&rc, &ret, NULL);
	}
	if (!err)
		*r0 = ret;
	return err;
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
