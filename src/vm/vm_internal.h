/* vm_internal.h — the interpreter's private types: decoded ops, the vm, one run.
 *
 * A program is decoded once into an array of struct vm_op, one slot per instruction (the
 * second half of an ld_imm64 keeps an unreachable slot so that an op's index is its
 * instruction index) plus a sentinel slot after the last instruction. Each op carries the
 * address of its handler inside one engine (threaded dispatch with computed goto), its
 * operands, and a pre-resolved jump target or folded 64-bit immediate.
 *
 * The engine is written once (vm_exec.inc) and compiled twice: trusted (no checks) and
 * guarded (every memory access checked, instruction budget). Decoding asks the engine the
 * vm will run on for its label table, so a vm's ops belong to exactly one engine.
 */
#ifndef USERBPF_VM_INTERNAL_H
#define USERBPF_VM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/isa.h>
#include <userbpf/vm.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the interpreter assumes a little-endian host (BPF_TO_LE is a truncation)"
#endif

#define VM_MAX_GRANTS 64               /* regions helpers may grant per run */
#define VM_MAX_TAIL_CALLS 33           /* MAX_TAIL_CALL_CNT */
#define VM_MAX_LOOPS 8388608u          /* BPF_MAX_LOOPS: may_goto budget per run */
#define VM_DEFAULT_BUDGET 100000000ull /* unverified mode, instructions per run */
#define VM_STACK_BYTES (USERBPF_MAX_CALL_FRAMES * USERBPF_STACK_SIZE)
/* A tail call from a subprogram replaces only that subprogram's frame: its callers' frames
 * stay below the new program (as on the kernel's stack under its JIT), and the target's
 * exit returns to them. Each program's own chain is at most USERBPF_MAX_CALL_FRAMES deep
 * (the verifier's MAX_CALL_FRAMES) and a run makes at most VM_MAX_TAIL_CALLS tail calls,
 * each leaving at most USERBPF_MAX_CALL_FRAMES - 1 frames below its target, so a run never
 * needs more frames than this. The first USERBPF_MAX_CALL_FRAMES live on the C stack; the
 * rest (struct vm_deep) are allocated the first time a run goes deeper. */
#define VM_MAX_RUN_FRAMES                                                                          \
	(USERBPF_MAX_CALL_FRAMES + VM_MAX_TAIL_CALLS * (USERBPF_MAX_CALL_FRAMES - 1))
#define VM_DEEP_STACK_BYTES ((VM_MAX_RUN_FRAMES - USERBPF_MAX_CALL_FRAMES) * USERBPF_STACK_SIZE)
#define VM_HELPER_TAIL_CALL 12 /* BPF_FUNC_tail_call */

/* Handler kinds. The order inside each group matters: decode picks a group's base and adds
 * (32-bit ? 2 : 0) + (BPF_X ? 1 : 0) for ALU ops and conditional jumps. */
#define VM_ALU4(X, n) X(n##64_k) X(n##64_x) X(n##32_k) X(n##32_x)
/* clang-format off */
#define VM_KINDS(X)                                                                        \
	VM_ALU4(X, add) VM_ALU4(X, sub) VM_ALU4(X, mul) VM_ALU4(X, div) VM_ALU4(X, sdiv)   \
	VM_ALU4(X, mod) VM_ALU4(X, smod) VM_ALU4(X, or) VM_ALU4(X, and) VM_ALU4(X, lsh)    \
	VM_ALU4(X, rsh) VM_ALU4(X, arsh) VM_ALU4(X, xor) VM_ALU4(X, mov)                   \
	X(neg64) X(neg32)                                                                  \
	X(movsx64_8) X(movsx64_16) X(movsx64_32) X(movsx32_8) X(movsx32_16)                \
	X(le16) X(le32) X(le64) X(bswap16) X(bswap32) X(bswap64)                           \
	VM_ALU4(X, jeq) VM_ALU4(X, jne) VM_ALU4(X, jgt) VM_ALU4(X, jge) VM_ALU4(X, jlt)    \
	VM_ALU4(X, jle) VM_ALU4(X, jset) VM_ALU4(X, jsgt) VM_ALU4(X, jsge)                 \
	VM_ALU4(X, jslt) VM_ALU4(X, jsle)                                                  \
	X(ja) X(may_goto)                                                                  \
	X(call_helper) X(call_tail) X(call_local) X(call_kfunc) X(callx) X(exit)           \
	X(ldx_b) X(ldx_h) X(ldx_w) X(ldx_dw) X(ldxs_b) X(ldxs_h) X(ldxs_w)                 \
	X(st_b) X(st_h) X(st_w) X(st_dw) X(stx_b) X(stx_h) X(stx_w) X(stx_dw)              \
	X(a32_add) X(a32_or) X(a32_and) X(a32_xor)                                         \
	X(a32_fadd) X(a32_for) X(a32_fand) X(a32_fxor) X(a32_xchg) X(a32_cmpxchg)          \
	X(a64_add) X(a64_or) X(a64_and) X(a64_xor)                                         \
	X(a64_fadd) X(a64_for) X(a64_fand) X(a64_fxor) X(a64_xchg) X(a64_cmpxchg)          \
	X(acq_b) X(acq_h) X(acq_w) X(acq_dw) X(rel_b) X(rel_h) X(rel_w) X(rel_dw)          \
	X(ld_imm64) X(ld_pkt) X(fell_off) X(bad)                                           \
	X(array_lookup)
/* clang-format on */

#define VM_KIND_ENUM(n) VM_K_##n,
enum vm_kind { VM_KINDS(VM_KIND_ENUM) VM_KIND_NR };
#undef VM_KIND_ENUM

struct vm_op {
	const void *handler; /* label address in the vm's engine */
	uint8_t dst, src;
	int16_t off;
	int32_t imm;
	union {
		uint64_t imm64;             /* ld_imm64 */
		const struct vm_op *target; /* jumps, bpf-to-bpf calls */
	} u;
};

struct userbpf_vm {
	struct vm_op *ops; /* cnt + 1 (sentinel) */
	size_t cnt;
	bool guarded; /* USERBPF_VM_UNVERIFIED */
	uint64_t insn_budget;
	userbpf_tail_call_fn tail_call;
	void *tail_user;
	userbpf_helper_fn helpers[USERBPF_MAX_HELPER_ID];
	/* guarded: memory every run of this program may touch (userbpf_vm_set_regions) */
	struct userbpf_mem_region *regions;
	size_t nr_regions;
};

/* A caller's state saved by a bpf-to-bpf call (r10 follows from the depth). */
struct vm_frame {
	const struct vm_op *ret;     /* op after the call */
	const struct userbpf_vm *vm; /* the caller's program (a tail call may switch it) */
	uint64_t saved[4];           /* r6..r9 */
};

/* The frames of a run past the first USERBPF_MAX_CALL_FRAMES (see VM_MAX_RUN_FRAMES). */
struct vm_deep {
	/* indexed by absolute depth like an engine's own array; an engine that goes deep
	 * copies its frames here and goes on with this array */
	struct vm_frame frames[VM_MAX_RUN_FRAMES];
	/* frame USERBPF_MAX_CALL_FRAMES at the top, deeper frames below it */
	_Alignas(16) unsigned char stack[VM_DEEP_STACK_BYTES];
};

/* One run in progress. Lives on the caller's C stack; helpers see it as an opaque handle. */
struct userbpf_run_ctx {
	const struct userbpf_vm *vm; /* the program the run started with */
	void *user;
	uint64_t args[5]; /* r1..r5 when an engine invocation starts */
	const struct userbpf_mem_region *regions;
	size_t nr_regions;
	struct userbpf_mem_region grants[VM_MAX_GRANTS];
	size_t nr_grants;
	unsigned char *stack; /* VM_STACK_BYTES, frame 0 at the top */
	uintptr_t stack_lo;   /* guarded: lowest byte of the live frames */
	struct userbpf_error *e;
	/* Callbacks (userbpf_run_callback) re-enter the engine on the same run: an invocation
	 * starts at entry (NULL: the program's first op) in frame depth_base, on cur_vm. */
	const struct userbpf_vm *cur_vm; /* the program running (a tail call switches it) */
	const struct vm_op *entry;
	int depth_base;
	int depth;            /* frame depth at the last helper call */
	int seg_base;         /* depth of the running program's first frame (the engine's seg) */
	int tail_calls;       /* made by the whole run (MAX_TAIL_CALL_CNT is per run) */
	int failed;           /* set by a helper (userbpf_run_fail): the run stops with it */
	uint64_t budget;      /* guarded: instructions left, shared by all invocations */
	struct vm_deep *deep; /* NULL until the run needs more than USERBPF_MAX_CALL_FRAMES */
	/* seg_below[d]: the first frame's depth of the program whose frame d a tail call gave
	 * to its target (read when that target, then the first frame at d, exits) */
	uint8_t seg_below[VM_MAX_RUN_FRAMES];
};

/* Signed division and modulo in the ISA's terms, computed without signed overflow:
 * x / 0 = 0, x % 0 = x, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0. */
static inline uint64_t vm_sdiv64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return 0;
	if (b == UINT64_MAX)
		return 0 - a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t vm_smod64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if (b == UINT64_MAX)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint32_t vm_sdiv32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return 0;
	if (b == UINT32_MAX)
		return 0 - a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline uint32_t vm_smod32(uint32_t a, uint32_t b)
{
	if (b == 0)
		return a;
	if (b == UINT32_MAX)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

/* The two engines. With labels != NULL they only return their label table. */
int vm_exec_trusted(struct userbpf_run_ctx *rc, uint64_t *r0, const void *const **labels);
int vm_exec_guarded(struct userbpf_run_ctx *rc, uint64_t *r0, const void *const **labels);

/* vm_decode.c: fill ops[0..cnt] for a checked program. */
int vm_decode(const struct bpf_insn *insns, size_t cnt, const void *const *labels,
              struct vm_op *ops, struct userbpf_error *e);

/* vm_fuse.c: the verifier's inlined array lookups as one op each (trusted engine). The
 * fused op: off = the data pointer's offset in the map, imm = max_entries, src = ops the
 * sequence spans (dst = 0: the shift, the sequence is 7 ops), dst = VM_FUSE_* flags,
 * u.imm64 = mask | (shift or size) << 32. */
#define VM_FUSE_MASKED 1u /* w0 &= mask before scaling */
#define VM_FUSE_MUL 2u    /* scale by multiplying (else a shift) */
void vm_fuse(const struct bpf_insn *insns, size_t cnt, const void *const *labels,
             struct vm_op *ops);

/* vm_run.c: the run's deep frames, allocated (zeroed) on first use; NULL when out of memory. */
struct vm_deep *vm_deep_get(struct userbpf_run_ctx *rc);
/* An engine whose frames[] (own, its C-stack array) is full at depth: move them to the deep
 * array. Returns it, or NULL with the run failed (-EOVERFLOW past VM_MAX_RUN_FRAMES,
 * -ENOMEM). */
struct vm_frame *vm_deep_frames(struct userbpf_run_ctx *rc, const struct vm_frame *frames,
                                const struct vm_frame *own, int base, int depth, int insn);

/* vm_guard.c: the guarded engine's slow paths. */
bool vm_mem_ok(const struct userbpf_run_ctx *rc, uint64_t addr, size_t size, unsigned prot);
int vm_fault_mem(struct userbpf_run_ctx *rc, int insn, uint64_t addr, size_t size, unsigned prot);
int vm_fail(struct userbpf_run_ctx *rc, int err, int insn, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif /* USERBPF_VM_INTERNAL_H */
