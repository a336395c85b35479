/* vm_guard.c — the guarded engine's slow paths: region checks and error reports.
 *
 * An access is allowed when it lies entirely inside one granted region with the needed
 * permissions: the live stack frames (read-write; once a run is deeper than the C-stack
 * part, all of that part plus the live frames of the deep part), the run's regions, a region a
 * helper granted during the run, or one of the running program's own (userbpf_vm_set_regions).
 * Sizes and offsets are compared without overflow.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "vm/vm_internal.h"

static bool vm_in(uint64_t addr, size_t size, uintptr_t base, size_t len)
{
	return addr >= base && size <= len && addr - base <= len - size;
}

/* 1 inside with the right permissions, 0 not inside, -1 inside but not permitted. */
static int vm_region_match(const struct userbpf_mem_region *m, uint64_t addr, size_t size,
                           unsigned prot)
{
	if (!vm_in(addr, size, (uintptr_t)m->base, m->len))
		return 0;
	return (m->prot & prot) == prot ? 1 : -1;
}

/* The first matching region decides, tables in order: run regions, grants, then the
 * program's own regions. */
static int vm_lookup(const struct userbpf_run_ctx *rc, uint64_t addr, size_t size, unsigned prot)
{
	uintptr_t top = (uintptr_t)(rc->stack + VM_STACK_BYTES);
	if (rc->deep && rc->stack_lo >= (uintptr_t)rc->deep->stack &&
	    rc->stack_lo < (uintptr_t)(rc->deep->stack + VM_DEEP_STACK_BYTES)) {
		if (vm_in(addr, size, (uintptr_t)rc->stack, VM_STACK_BYTES))
			return 1;
		top = (uintptr_t)(rc->deep->stack + VM_DEEP_STACK_BYTES);
	}
	if (vm_in(addr, size, rc->stack_lo, top - rc->stack_lo))
		return 1;
	int denied = 0;
	for (size_t i = 0; i < rc->nr_regions; i++) {
		int m = vm_region_match(&rc->regions[i], addr, size, prot);
		if (m > 0)
			return 1;
		denied |= m < 0;
	}
	for (size_t i = 0; i < rc->nr_grants; i++) {
		int m = vm_region_match(&rc->grants[i], addr, size, prot);
		if (m > 0)
			return 1;
		denied |= m < 0;
	}
	/* the running program's own (a tail call switches to the callee's) */
	const struct userbpf_vm *vm = rc->cur_vm;
	for (size_t i = 0; vm && i < vm->nr_regions; i++) {
		int m = vm_region_match(&vm->regions[i], addr, size, prot);
		if (m > 0)
			return 1;
		denied |= m < 0;
	}
	return denied ? -1 : 0;
}

bool vm_mem_ok(const struct userbpf_run_ctx *rc, uint64_t addr, size_t size, unsigned prot)
{
	return vm_lookup(rc, addr, size, prot) > 0;
}

int vm_fail(struct userbpf_run_ctx *rc, int err, int insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	userbpf_verrorf(rc->e, err, insn, fmt, ap);
	va_end(ap);
	return err;
}

int vm_fault_mem(struct userbpf_run_ctx *rc, int insn, uint64_t addr, size_t size, unsigned prot)
{
	const char *why = "not in any granted region";
	if (vm_lookup(rc, addr, size, prot) < 0)
		why = prot & USERBPF_MEM_WRITE ? "region is not writable"
		                               : "region is not readable";
	return vm_fail(rc, -EFAULT, insn, "invalid mem access at insn %d: %zu bytes at 0x%llx (%s)",
	               insn, size, (unsigned long long)addr, why);
}
