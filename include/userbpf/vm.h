/* userbpf — the interpreter: run a program that has been checked.
 *
 * A struct userbpf_vm holds one program, pre-decoded for threaded dispatch. It is immutable
 * once created, so any number of threads may run it at once; each run has its own stack
 * (USERBPF_STACK_SIZE bytes per frame) and registers. Each program's call chain may be
 * USERBPF_MAX_CALL_FRAMES deep, counted from its first frame: a tail call replaces only the
 * frame it is made from, so after tail calls from subprograms a run holds its callers' frames
 * too (at most 8 + 33 x 7; the frames past the first 8 are allocated when a run needs them).
 * The trusted engine also runs the verifier's inlined array lookup as one op
 * (USERBPF_NO_FUSE=1 at creation keeps the plain instructions).
 *
 * Two modes:
 * - trusted (default): the program is assumed verified; memory accesses are not checked.
 * - USERBPF_VM_UNVERIFIED: the ISA-test mode. The program only passes the relaxed ISA
 *   check, and every load, store and atomic is checked against the granted regions (the
 *   run's regions, the live stack frames, and regions helpers grant). A violation, a budget
 *   overrun, an unknown helper, a call too deep or falling off the end stops the run with
 *   a negative errno and a message naming the instruction — never a crash.
 */
#ifndef USERBPF_VM_H
#define USERBPF_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>
#include <userbpf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

struct userbpf_vm;
struct userbpf_run_ctx; /* one run in progress, as helpers see it */

#define USERBPF_MAX_HELPER_ID 512 /* helper ids 0 .. USERBPF_MAX_HELPER_ID-1 */

/* A helper: the kernel's five u64 arguments, plus the run it is called from. */
typedef uint64_t (*userbpf_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                      uint64_t r5, struct userbpf_run_ctx *rc);

/* Tail call hook: the program at index of the prog_array map, or NULL (the call then
 * falls through, as bpf_tail_call does when the slot is empty). A tail call that falls
 * through leaves a negative errno in r0: -ENOENT (empty slot), -E2BIG (the run already made
 * 33 tail calls, MAX_TAIL_CALL_CNT, counted over the whole run as the kernel's shared
 * tail_call_cnt) or -EINVAL (the target vm runs in the other mode). The target starts in
 * the caller's frame (same r10); its exit returns to that frame's caller, if any. */
typedef const struct userbpf_vm *(*userbpf_tail_call_fn)(void *user, uint64_t map, uint32_t index);

enum userbpf_vm_flags {
	USERBPF_VM_UNVERIFIED = 1u << 0, /* ISA-test mode: relaxed decode, guarded memory */
};

struct userbpf_vm_opts {
	size_t sz;            /* sizeof(struct userbpf_vm_opts), for forward compatibility */
	unsigned flags;       /* enum userbpf_vm_flags */
	uint64_t insn_budget; /* unverified mode: max instructions per run, 0 = 100,000,000 */
};

/* Check (userbpf_isa_check, relaxed when unverified) and pre-decode a program. The
 * instructions are copied. Returns 0 and *out, or a negative errno with *e filled.
 * An ld_imm64 with a pseudo src_reg (map fd, map value, BTF id) is refused with -EINVAL:
 * those are resolved by the object layer before a program reaches the vm. The exception
 * is BPF_PSEUDO_FUNC (a callback's address), which the vm resolves itself. */
int userbpf_vm_create(const struct bpf_insn *insns, size_t cnt, const struct userbpf_vm_opts *opts,
                      struct userbpf_vm **out, struct userbpf_error *e);
void userbpf_vm_destroy(struct userbpf_vm *vm);

/* Helpers are looked up by id at call time (set them before running). A call to an id with
 * no helper stops the run with -ENOENT ("invalid func unknown#%d") in either mode; kfunc
 * calls (BPF_PSEUDO_KFUNC_CALL) stop it with -EOPNOTSUPP until the object layer binds them.
 * Not thread-safe against concurrent runs: configure first, then run. */
int userbpf_vm_set_helper(struct userbpf_vm *vm, uint32_t id, userbpf_helper_fn fn);
void userbpf_vm_set_tail_call(struct userbpf_vm *vm, userbpf_tail_call_fn fn, void *user);

enum userbpf_mem_prot {
	USERBPF_MEM_READ = 1u << 0,
	USERBPF_MEM_WRITE = 1u << 1,
};

struct userbpf_mem_region {
	void *base;
	size_t len;
	unsigned prot; /* enum userbpf_mem_prot */
};

/* Memory every run of vm may touch besides its run's regions (checked in unverified mode):
 * what the program reaches without a helper handing it out, e.g. the values of the maps it
 * names directly. Copied; replaces earlier ones. Configure before running (not
 * thread-safe against runs). 0 or -EINVAL / -ENOMEM. */
int userbpf_vm_set_regions(struct userbpf_vm *vm, const struct userbpf_mem_region *regions,
                           size_t nr_regions);

struct userbpf_run_args {
	size_t sz;                                /* sizeof(struct userbpf_run_args) */
	uint64_t r[5];                            /* r1..r5 at entry */
	const struct userbpf_mem_region *regions; /* granted memory (checked in unverified mode) */
	size_t nr_regions;
	void *user; /* for helpers: userbpf_run_user() */
};

/* Run once. Returns 0 with *r0 set, or a negative errno with *e filled (unverified mode:
 * -EFAULT bad access, -E2BIG budget, -ENOENT unknown helper, -EOVERFLOW call depth,
 * -EINVAL fell off the end). */
int userbpf_vm_run(const struct userbpf_vm *vm, const struct userbpf_run_args *args, uint64_t *r0,
                   struct userbpf_error *e);

/* Convenience for the common case: r1 = mem, r2 = len, mem granted read-write. */
int userbpf_vm_exec(const struct userbpf_vm *vm, void *mem, size_t len, uint64_t *r0,
                    struct userbpf_error *e);

/* For helpers. */
void *userbpf_run_user(struct userbpf_run_ctx *rc);
/* True when the run is guarded (unverified mode): helpers must then check every pointer
 * argument, since no verifier proved it. */
bool userbpf_run_guarded(const struct userbpf_run_ctx *rc);
/* May the program's memory at p be accessed (len bytes, prot)? Always true when trusted. */
bool userbpf_run_access_ok(const struct userbpf_run_ctx *rc, const void *p, size_t len,
                           unsigned prot);
/* Grant a region for the rest of this run (a helper returning a pointer, in unverified
 * mode). Returns 0, or -ENOSPC when the run's region table is full. */
int userbpf_run_grant(struct userbpf_run_ctx *rc, void *base, size_t len, unsigned prot);
/* For helpers that take a callback (bpf_loop, bpf_for_each_map_elem): run the subprogram
 * fn — the value an ld_imm64 BPF_PSEUDO_FUNC gave the running program — with r1..r5 = args
 * in the next call frame of this run (it may use its caller's stack through pointers),
 * and return its r0 in *ret. regions (may be NULL) are granted for the duration of the
 * call only, like any region a helper grants inside it. Returns 0, or the negative errno
 * that stopped the run inside the callback (guarded: fn is not a subprogram of the running
 * program, a bad access, the budget, the call depth); the run then stops with it as soon
 * as the helper returns. */
int userbpf_run_callback(struct userbpf_run_ctx *rc, uint64_t fn, const uint64_t args[5],
                         const struct userbpf_mem_region *regions, size_t nr_regions,
                         uint64_t *ret);
/* Stop the run from inside a helper: when the helper returns, the run ends with err and
 * this message (the first failure wins). Returns err. */
int userbpf_run_fail(struct userbpf_run_ctx *rc, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_VM_H */
