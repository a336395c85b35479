/* vm_create.c — check, decode and configure a vm. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/vm_internal.h"

static int vm_create_fail(struct userbpf_error *e, int err, const char *msg)
{
	e->err = err;
	e->insn = -1;
	snprintf(e->msg, sizeof e->msg, "%s", msg);
	return err;
}

/* USERBPF_NO_FUSE=1 keeps every op as decoded (A/B measurements, tests). Read at each
 * creation, so one process can compare both (a getenv is nothing next to a decode). */
static bool vm_no_fuse(void)
{
	const char *s = getenv("USERBPF_NO_FUSE");
	return s && *s && strcmp(s, "0") != 0;
}

int userbpf_vm_create(const struct bpf_insn *insns, size_t cnt, const struct userbpf_vm_opts *opts,
                      struct userbpf_vm **out, struct userbpf_error *e)
{
	struct userbpf_vm_opts o = {.sz = sizeof o};
	struct userbpf_error scratch;
	const void *const *labels;
	int err;

	if (!e)
		e = &scratch;
	*out = NULL;
	if (opts) {
		if (opts->sz < sizeof *opts)
			return vm_create_fail(e, -EINVAL, "opts->sz is too small");
		o = *opts;
	}
	bool guarded = o.flags & USERBPF_VM_UNVERIFIED;
	if (!insns && cnt)
		return vm_create_fail(e, -EINVAL, "no instructions given");
	err = userbpf_isa_check(insns, cnt, guarded ? USERBPF_ISA_RELAXED : 0, e);
	if (err)
		return err;

	struct userbpf_vm *vm = calloc(1, sizeof *vm);
	struct vm_op *ops = calloc(cnt + 1, sizeof *ops);
	if (!vm || !ops) {
		free(vm);
		free(ops);
		return vm_create_fail(e, -ENOMEM, "out of memory");
	}
	if (guarded)
		vm_exec_guarded(NULL, NULL, &labels);
	else
		vm_exec_trusted(NULL, NULL, &labels);
	err = vm_decode(insns, cnt, labels, ops, e);
	if (err) {
		free(ops);
		free(vm);
		return err;
	}
	if (!guarded && !vm_no_fuse())
		vm_fuse(insns, cnt, labels, ops);
	vm->ops = ops;
	vm->cnt = cnt;
	vm->guarded = guarded;
	vm->insn_budget = o.insn_budget ? o.insn_budget : VM_DEFAULT_BUDGET;
	*out = vm;
	return 0;
}

void userbpf_vm_destroy(struct userbpf_vm *vm)
{
	if (!vm)
		return;
	free(vm->ops);
	free(vm->regions);
	free(vm);
}

int userbpf_vm_set_regions(struct userbpf_vm *vm, const struct userbpf_mem_region *regions,
                           size_t nr_regions)
{
	if (!vm || (nr_regions && !regions))
		return -EINVAL;
	struct userbpf_mem_region *copy = NULL;
	if (nr_regions) {
		copy = malloc(nr_regions * sizeof *copy);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, regions, nr_regions * sizeof *copy);
	}
	free(vm->regions);
	vm->regions = copy;
	vm->nr_regions = nr_regions;
	return 0;
}

int userbpf_vm_set_helper(struct userbpf_vm *vm, uint32_t id, userbpf_helper_fn fn)
{
	if (!vm || id >= USERBPF_MAX_HELPER_ID)
		return -EINVAL;
	vm->helpers[id] = fn;
	return 0;
}

void userbpf_vm_set_tail_call(struct userbpf_vm *vm, userbpf_tail_call_fn fn, void *user)
{
	vm->tail_call = fn;
	vm->tail_user = user;
}
