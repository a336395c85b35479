/* progtype.h — program types: their contexts, ctx access rules, helpers and test runs.
 *
 * One struct bpf_prog_type_info per program type (the kernel's bpf_verifier_ops plus
 * bpf_prog_ops), found by number with bpf_prog_type_info(). The verifier asks it:
 *   - is_valid_access: may the program load/store `size` bytes at `off` of the
 *     user-visible ctx (struct __sk_buff, struct xdp_md, ...)? and what does a load yield
 *     (aux->kind: scalar, packet pointers, flow keys, socket pointers);
 *   - convert_ctx_access: rewrite one accepted ctx load/store into instructions on our
 *     internal ctx layout (what the program really gets in r1 at run time);
 *   - get_func_proto: which helpers the type may call;
 *   - retval_range: what R0 must be at exit;
 *   - direct_pkt_read/direct_pkt_write: the kernel's may_access_direct_pkt_data().
 * The object layer asks it to run BPF_PROG_TEST_RUN (test_run).
 *
 * Narrow loads (the contract with the verifier, as the kernel's convert_ctx_accesses):
 *   is_valid_access sets aux->ctx_field_size to the field's full size when it accepts a
 *   load narrower than the field (it leaves 0 for fields that must be read whole). The
 *   verifier then, before calling convert_ctx_access:
 *     size_default = bpf_ctx_off_adjust_machine(ctx_field_size);
 *     if (size < ctx_field_size): the insn becomes a full-size load,
 *        code = BPF_LDX|BPF_MEM|(BPF_H/BPF_W/BPF_DW for field size 2/4/8),
 *        off = off & ~(size_default - 1);
 *   convert_ctx_access sets *target_size to the size of the value it loaded (never 0 for
 *   a narrowable field: the kernel's "bpf verifier is misconfigured"), and when
 *   size < *target_size the verifier appends
 *     shift = bpf_ctx_narrow_access_offset(orig_off, size, size_default) * 8;
 *     if (shift) dst >>= shift   (BPF_ALU32 for field size <= 4, BPF_ALU64 for 8)
 *     dst &= (1 << size * 8) - 1 (BPF_ALU32 ... for <= 4, BPF_ALU64 for 8)
 *   and for BPF_MEMSX loads a sign extension (movsx dst, dst, size*8).
 *   Narrow stores do not exist: a store is always of the field's accepted size.
 * Stores may be BPF_STX or BPF_ST (the kernel allows BPF_ST into ctx since 6.3):
 *   convert_ctx_access keeps the class of si (STX: src_reg, ST: imm).
 *
 * Internal layouts (progtype_internal.h): each internal ctx starts with the user-visible
 * struct itself, so scalar fields keep their offsets and a program that was not
 * rewritten (the guarded vm before the verifier lands) still reads and writes them; what
 * does not fit the user struct (64-bit packet pointers, the run's state) follows it.
 */
#ifndef USERBPF_PROGTYPES_PROGTYPE_H
#define USERBPF_PROGTYPES_PROGTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>
#include <userbpf/vm.h>

#include "helpers/helpers.h"

enum bpf_access_type { BPF_READ = 1, BPF_WRITE = 2 };

/* What a ctx load yields; the verifier maps it to its reg type (comment: kernel type). */
enum bpf_ctx_field_kind {
	CTX_FIELD_SCALAR,              /* SCALAR_VALUE */
	CTX_FIELD_PKT,                 /* PTR_TO_PACKET */
	CTX_FIELD_PKT_META,            /* PTR_TO_PACKET_META */
	CTX_FIELD_PKT_END,             /* PTR_TO_PACKET_END */
	CTX_FIELD_FLOW_KEYS,           /* PTR_TO_FLOW_KEYS (flow dissector __sk_buff.flow_keys) */
	CTX_FIELD_SOCK_COMMON_OR_NULL, /* PTR_TO_SOCK_COMMON_OR_NULL (__sk_buff.sk) */
	CTX_FIELD_SOCKET,              /* PTR_TO_SOCKET (sk_msg_md.sk, bpf_sock_addr.sk) */
	CTX_FIELD_SOCKET_OR_NULL,      /* PTR_TO_SOCKET_OR_NULL (bpf_sock_ops.sk) */
};

/* The kernel's struct bpf_insn_access_aux, the parts we need. */
struct bpf_insn_access_aux {
	enum bpf_ctx_field_kind kind; /* out: what a load yields (SCALAR unless set) */
	uint32_t ctx_field_size;      /* out: full field size when narrow loads are allowed */
	bool is_ldsx;                 /* in: the load is BPF_MEMSX (sign-extending) */
};

/* R0 at exit must lie in [minval, maxval] (the kernel's struct bpf_retval_range). */
struct bpf_retval_range {
	int32_t minval, maxval;
};

/* A program as a test run sees it. */
struct bpf_test_prog {
	const struct userbpf_vm *vm;
	uint32_t prog_type, expected_attach_type;
	void *user; /* the run's user pointer: struct bpf_run_env * */
	/* the verifier's max_ctx_offset (end of the furthest ctx access): raw_tracepoint
	 * and syscall test runs need ctx_size_in >= it */
	uint32_t max_ctx_offset;
};

/* The kprobe ctx: struct pt_regs as x86-64 lays it out (bpf_user_pt_regs_t), whatever
 * the host, so programs built for x86-64 kprobes see their registers where they expect. */
struct pt_regs_x86_64 {
	uint64_t r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs,
	        flags, sp, ss;
};

/* The perf_event ctx (struct bpf_perf_event_data with x86-64 registers). */
struct bpf_perf_event_data_x86_64 {
	struct pt_regs_x86_64 regs;
	uint64_t sample_period;
	uint64_t addr;
};

struct bpf_prog_type_info {
	uint32_t type;
	const char *name;  /* as bpftool prints it: "socket_filter", "sched_cls", ... */
	uint32_t ctx_size; /* the user-visible ctx struct */
	bool (*is_valid_access)(int off, int size, enum bpf_access_type t,
	                        uint32_t expected_attach_type, struct bpf_insn_access_aux *aux);
	/* NULL when the type may not call func_id (type-specific protos first, then the
	 * base set bpf_helper_proto, as the kernel's *_func_proto -> bpf_base_func_proto) */
	const struct bpf_func_proto *(*get_func_proto)(uint32_t func_id,
	                                               uint32_t expected_attach_type);
	/* Rewrite one accepted ctx load/store si into out[] (at most BPF_PT_MAX_CONVERT
	 * insns) on the internal ctx; returns the count, 0 on a field it does not know (the
	 * kernel's "bpf verifier is misconfigured"). *target_size: see narrow loads above.
	 * NULL: the type's ctx needs no rewrite (kprobe pt_regs, tracepoint records...). */
	uint32_t (*convert_ctx_access)(enum bpf_access_type t, const struct bpf_insn *si,
	                               struct bpf_insn *out, uint32_t expected_attach_type,
	                               uint32_t *target_size);
	/* false: any R0 is accepted */
	bool (*retval_range)(uint32_t expected_attach_type, struct bpf_retval_range *r);
	bool direct_pkt_read, direct_pkt_write; /* may_access_direct_pkt_data() */
	/* LD_ABS / LD_IND allowed (may_access_skb): socket filter, tc, ... */
	bool ld_abs;
	/* BPF_PROG_TEST_RUN; NULL: the kernel has none for the type (-ENOTSUPP) */
	int (*test_run)(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
	                union bpf_attr *uattr);
};

#define BPF_PT_MAX_CONVERT 16 /* INSN_BUF_SIZE in the kernel */
#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "operation not supported", seen by bpf() users */
#endif

/* The type's info, or NULL when we do not support the type. */
const struct bpf_prog_type_info *bpf_prog_type_info(uint32_t prog_type);

/* Install into vm every helper get_func_proto allows for the type (plus the internal
 * LD_ABS helpers when t->ld_abs). */
void bpf_prog_type_install_helpers(struct userbpf_vm *vm, const struct bpf_prog_type_info *t,
                                   uint32_t expected_attach_type);

/* The kernel's bpf_prog_load_fixup_attach_type + bpf_prog_load_check_attach for the
 * types we know: may fill in a default *expected_attach_type; -EINVAL when the type does
 * not accept it. */
int bpf_prog_type_check_attach(uint32_t prog_type, uint32_t *expected_attach_type);

/* Sockets a program reaches through a pointer (PTR_TO_SOCKET: bpf_sock_is_valid_access,
 * PTR_TO_SOCK_COMMON: bpf_sock_common_is_valid_access), and the rewrite of an access
 * (bpf_sock_convert_ctx_access) onto our sockets, which are laid out as struct bpf_sock
 * (the test-run skb's sk, the cgroup_sock ctx). Same narrow-load contract as above. */
bool bpf_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                              struct bpf_insn_access_aux *aux);
bool bpf_sock_common_is_valid_access(int off, int size, enum bpf_access_type t,
                                     struct bpf_insn_access_aux *aux);
uint32_t bpf_sock_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                     struct bpf_insn *out, uint32_t *target_size);

/* Helpers after which packet pointers are invalid (bpf_helper_changes_pkt_data). */
bool bpf_helper_changes_pkt_data(uint32_t func_id);

/* BPF_PROG_TEST_RUN for one program (dispatches on prog->prog_type): -ENOTSUPP for types
 * without one. kattr: the command's attr as copied in; uattr: where outputs go. */
int bpf_prog_test_run(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                      union bpf_attr *uattr);

/* LD_ABS / LD_IND (the kernel's gen_ld_abs): out[] receives the expansion of orig
 * (at most 7 insns) for a program whose ctx is in R6; returns the count. The expansion
 * calls internal helpers BPF_PT_FUNC_LD_ABS_{8,16,32} (r1 = ctx, r2 = offset; negative
 * on failure, then the program returns 0 — the kernel's semantics). */
uint32_t bpf_prog_type_gen_ld_abs(const struct bpf_insn *orig, struct bpf_insn *out);
#define BPF_PT_FUNC_LD_ABS_8 509
#define BPF_PT_FUNC_LD_ABS_16 510
#define BPF_PT_FUNC_LD_ABS_32 511

/* The kernel's narrow-load arithmetic (include/linux/filter.h), little-endian host. */
static inline uint32_t bpf_ctx_off_adjust_machine(uint32_t size)
{
	const uint32_t size_machine = sizeof(unsigned long);
	if (size > size_machine && size % size_machine == 0)
		size = size_machine;
	return size;
}

static inline bool bpf_ctx_narrow_access_ok(uint32_t off, uint32_t size, uint32_t size_default)
{
	(void)off;
	return size <= size_default && (size & (size - 1)) == 0;
}

static inline uint8_t bpf_ctx_narrow_access_offset(uint32_t off, uint32_t size,
                                                   uint32_t size_default)
{
	(void)size;
	return (uint8_t)(off & (size_default - 1));
}

#endif /* USERBPF_PROGTYPES_PROGTYPE_H */
