/* verifier.h — the verifier's internal state, kernel-shaped, and the contract between its parts.
 *
 * The verifier is the Linux one re-designed in C11: a path-sensitive abstract interpreter
 * over struct bpf_reg_state (type, tnum, signed/unsigned 64/32-bit bounds) with state
 * pruning (is_state_visited) and precision backtracking. Names, fields and error messages
 * follow kernel/bpf/verifier.c so that a reader of one can read the other.
 *
 * Who implements what (see /work/notes/team.md):
 *   verifier-core: verifier.c (bpf_check), log.c, tnum.c, bounds.c, reg.c, alu*.c, cfg.c,
 *                  branch.c, states.c, precise.c, calls.c, do_check.c, rewrite.c;
 *   verifier-mem:  mem_*.c (check_mem_access, check_atomic, stack spill/fill, ctx, packet,
 *                  map values), helper_*.c (check_helper_call), ref_*.c (references).
 * Functions below are grouped by the file family that defines them.
 */
#ifndef USERBPF_VERIFIER_H
#define USERBPF_VERIFIER_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/isa.h>

#include "helpers/helpers.h"
#include "verifier/fixup.h"

#if defined(__has_include)
#if __has_include("progtypes/progtype.h")
#include "progtypes/progtype.h"
#define USERBPF_HAVE_PROGTYPE_H 1
#endif
#endif
#ifndef USERBPF_HAVE_PROGTYPE_H
/* progtypes/progtype.h is not there yet: the names the verifier uses from it */
enum bpf_access_type { BPF_READ = 1, BPF_WRITE = 2 };
struct bpf_prog_type_info;
#endif

struct bpf_map;
struct bpf_btf;

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define BPF_REG_FP BPF_REG_10
#define BPF_REG_SIZE 8 /* one stack slot */
#define MAX_BPF_STACK USERBPF_STACK_SIZE
#define MAX_CALL_FRAMES USERBPF_MAX_CALL_FRAMES
#define BPF_MAX_SUBPROGS USERBPF_MAX_SUBPROGS
#define BPF_COMPLEXITY_LIMIT_INSNS 1000000
#define BPF_COMPLEXITY_LIMIT_JMP_SEQ 8192
#define BPF_COMPLEXITY_LIMIT_STATES 64
#define BPF_MAXINSNS 4096
#define BPF_MAX_VAR_OFF (1 << 29) /* larger pointer offsets are refused */
#define BPF_MAX_VAR_SIZ (1 << 29)
#define BPF_ID_MAP_SIZE ((MAX_BPF_REG + MAX_BPF_STACK / BPF_REG_SIZE) * MAX_CALL_FRAMES)
#define BPF_VERIFIER_TMP_LOG_SIZE 1024

/* ---------------------------------------------------------------------------------------- */
/* tnum: a value whose bits are partly known (tnum.c)                                      */

/* bit i: (mask & 1<<i) ? unknown : (value & 1<<i); value & mask == 0 always */
struct tnum {
	u64 value;
	u64 mask;
};

#define TNUM(_v, _m) ((struct tnum){.value = (_v), .mask = (_m)})
extern const struct tnum tnum_unknown;

struct tnum tnum_const(u64 value);
struct tnum tnum_range(u64 min, u64 max); /* smallest tnum containing [min, max] */
struct tnum tnum_lshift(struct tnum a, u8 shift);
struct tnum tnum_rshift(struct tnum a, u8 shift);
struct tnum tnum_arshift(struct tnum a, u8 min_shift, u8 insn_bitness);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_neg(struct tnum a);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_intersect(struct tnum a, struct tnum b); /* both hold */
struct tnum tnum_union(struct tnum a, struct tnum b);     /* either holds */
struct tnum tnum_cast(struct tnum a, u8 size);            /* low size bytes */
struct tnum tnum_subreg(struct tnum a);                   /* low 32 bits */
struct tnum tnum_clear_subreg(struct tnum a);             /* high 32 bits */
struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg);
struct tnum tnum_const_subreg(struct tnum a, u32 value);
struct tnum tnum_bswap16(struct tnum a);
struct tnum tnum_bswap32(struct tnum a);
struct tnum tnum_bswap64(struct tnum a);
bool tnum_is_aligned(struct tnum a, u64 size);
bool tnum_in(struct tnum a, struct tnum b); /* every value of b is in a */
bool tnum_overlap(struct tnum a, struct tnum b);
int tnum_sbin(char *str, size_t size, struct tnum a);
int tnum_strn(char *str, size_t size, struct tnum a); /* "(0x0; 0xff)" */

static inline bool tnum_equals_const(struct tnum a, u64 b)
{
	return !a.mask && a.value == b;
}
static inline bool tnum_is_const(struct tnum a)
{
	return !a.mask;
}
static inline bool tnum_is_unknown(struct tnum a)
{
	return !~a.mask;
}
static inline bool tnum_subreg_is_const(struct tnum a)
{
	return !(u32)a.mask;
}
static inline bool tnum_subreg_equals_const(struct tnum a, u32 b)
{
	return tnum_equals_const(tnum_subreg(a), b);
}

/* ---------------------------------------------------------------------------------------- */
/* register and stack state                                                                 */

enum bpf_reg_type {
	NOT_INIT = 0,       /* nothing was written into register */
	SCALAR_VALUE,       /* reg doesn't contain a valid pointer */
	PTR_TO_CTX,         /* reg points to bpf_context */
	CONST_PTR_TO_MAP,   /* reg points to struct bpf_map */
	PTR_TO_MAP_VALUE,   /* reg points to map element value */
	PTR_TO_MAP_KEY,     /* reg points to a map element key */
	PTR_TO_STACK,       /* reg == frame_pointer + offset */
	PTR_TO_PACKET_META, /* skb->data - meta_len */
	PTR_TO_PACKET,      /* reg points to skb->data */
	PTR_TO_PACKET_END,  /* skb->data + headlen */
	PTR_TO_FLOW_KEYS,
	PTR_TO_SOCKET,
	PTR_TO_SOCK_COMMON,
	PTR_TO_TCP_SOCK,
	PTR_TO_TP_BUFFER,
	PTR_TO_XDP_SOCK,
	PTR_TO_BTF_ID,
	PTR_TO_MEM, /* reg points to valid memory region (mem_size bytes) */
	PTR_TO_ARENA,
	PTR_TO_BUF,
	PTR_TO_FUNC, /* reg points to a bpf subprogram */
	CONST_PTR_TO_DYNPTR,
	__BPF_REG_TYPE_MAX,

	/* extended types, as the kernel spells them */
	PTR_TO_MAP_VALUE_OR_NULL = PTR_MAYBE_NULL | PTR_TO_MAP_VALUE,
	PTR_TO_SOCKET_OR_NULL = PTR_MAYBE_NULL | PTR_TO_SOCKET,
	PTR_TO_SOCK_COMMON_OR_NULL = PTR_MAYBE_NULL | PTR_TO_SOCK_COMMON,
	PTR_TO_TCP_SOCK_OR_NULL = PTR_MAYBE_NULL | PTR_TO_TCP_SOCK,
	PTR_TO_BTF_ID_OR_NULL = PTR_MAYBE_NULL | PTR_TO_BTF_ID,
	__BPF_REG_TYPE_LIMIT = 0x7fffffff,
};

static inline u32 base_type(u32 type)
{
	return type & BPF_BASE_TYPE_MASK;
}
static inline u32 type_flag(u32 type)
{
	return type & ~BPF_BASE_TYPE_MASK;
}
static inline bool type_may_be_null(u32 type)
{
	return type & PTR_MAYBE_NULL;
}
static inline bool type_is_pkt_pointer(u32 type)
{
	type = base_type(type);
	return type == PTR_TO_PACKET || type == PTR_TO_PACKET_META;
}

enum bpf_dynptr_type {
	BPF_DYNPTR_TYPE_INVALID,
	BPF_DYNPTR_TYPE_LOCAL,
	BPF_DYNPTR_TYPE_RINGBUF,
	BPF_DYNPTR_TYPE_SKB,
	BPF_DYNPTR_TYPE_XDP,
};

/* Liveness of a stack slot along the parent chain (the kernel's pre-6.18 REG_LIVE_*; see
 * docs/VERIFIER.md: registers use the static compute_live_registers analysis instead). */
enum bpf_reg_liveness {
	REG_LIVE_NONE = 0,
	REG_LIVE_READ32 = 0x1,
	REG_LIVE_READ64 = 0x2,
	REG_LIVE_READ = REG_LIVE_READ32 | REG_LIVE_READ64,
	REG_LIVE_WRITTEN = 0x4, /* screens reads from the parent */
	REG_LIVE_DONE = 0x8,    /* liveness won't be updating this register anymore */
};

#define DEF_NOT_SUBREG 0 /* subreg_def: the upper half is defined too */
/* id flags: reg = linked reg + off (sync_linked_regs), the add in 64 or 32 bits */
#define BPF_ADD_CONST64 (1u << 31)
#define BPF_ADD_CONST32 (1u << 30)
#define BPF_ADD_CONST (BPF_ADD_CONST64 | BPF_ADD_CONST32)

struct bpf_reg_state {
	enum bpf_reg_type type; /* what the register holds */
	s32 off;                /* fixed part of a pointer's offset */
	union {
		int range; /* PTR_TO_PACKET: [ptr, ptr + range) checked against pkt_end */
		struct {   /* CONST_PTR_TO_MAP, PTR_TO_MAP_VALUE(_OR_NULL), PTR_TO_MAP_KEY */
			const struct bpf_map *map_ptr;
			u32 map_uid; /* distinguishes inner maps of one map-in-map */
		};
		struct { /* PTR_TO_MEM, PTR_TO_BUF */
			u32 mem_size;
			u32 dynptr_id;
		};
		struct { /* stack slots of a dynptr */
			enum bpf_dynptr_type type;
			bool first_slot;
		} dynptr;
		struct { /* PTR_TO_FUNC: the subprogram; callback bookkeeping */
			u32 subprogno;
			u32 callback_ref;
		};
		struct { /* iterators on the stack */
			u32 btf_id;
			int state;
			int depth;
		} iter;
		struct { /* raw: for comparisons and copying */
			u64 raw1;
			u64 raw2;
		} raw;
	};
	/* the variable part: for scalars the value, for pointers the offset beyond off */
	struct tnum var_off;
	s64 smin_value, smax_value;       /* 64-bit signed bounds */
	u64 umin_value, umax_value;       /* 64-bit unsigned bounds */
	s32 s32_min_value, s32_max_value; /* lower 32 bits, signed */
	u32 u32_min_value, u32_max_value; /* lower 32 bits, unsigned */
	/* Registers that hold copies of one value share an id (null checks and bounds learnt
	 * on one apply to all); a PTR_TO_PACKET id ties pointers from one pkt + var add. */
	u32 id;
	/* non-zero: the register holds (or derives from) the acquired reference with this id */
	u32 ref_obj_id;
	/* stack slots: liveness chain (see enum bpf_reg_liveness) */
	struct bpf_reg_state *parent;
	u32 frameno;    /* the frame of the stack a PTR_TO_STACK points into */
	s32 subreg_def; /* insn idx + 1 of the last 32-bit def, or DEF_NOT_SUBREG */
	enum bpf_reg_liveness live;
	bool precise; /* the exact value matters for safety: prune only on equality/subset */
};

enum bpf_stack_slot_type {
	STACK_INVALID, /* nothing was stored in this stack slot */
	STACK_SPILL,   /* register spilled into stack */
	STACK_MISC,    /* BPF program wrote some data into this slot */
	STACK_ZERO,    /* BPF program wrote constant zero */
	STACK_DYNPTR,
	STACK_ITER,
	STACK_IRQ_FLAG,
};

struct bpf_stack_state {
	struct bpf_reg_state spilled_ptr; /* STACK_SPILL: the register; also liveness */
	u8 slot_type[BPF_REG_SIZE];       /* per byte; index 7 is the lowest address */
};

/* References (acquired objects and held locks), per verifier state since Linux 6.13. */
enum ref_state_type {
	REF_TYPE_PTR = 1u << 1,
	REF_TYPE_IRQ = 1u << 2,
	REF_TYPE_LOCK = 1u << 3,
	REF_TYPE_RES_LOCK = 1u << 4,
	REF_TYPE_RES_LOCK_IRQ = 1u << 5,
	REF_TYPE_LOCK_MASK = REF_TYPE_LOCK | REF_TYPE_RES_LOCK | REF_TYPE_RES_LOCK_IRQ,
};

struct bpf_reference_state {
	enum ref_state_type type;
	int id;          /* the reference's ref_obj_id */
	int insn_idx;    /* where it was acquired: "Unreleased reference id=%d alloc_insn=%d" */
	const void *ptr; /* REF_TYPE_*LOCK: the lock's owner (map or object) */
};

/* One frame of the call stack. */
struct bpf_func_state {
	struct bpf_reg_state regs[MAX_BPF_REG];
	int callsite; /* insn idx of the call that made this frame; -1 for frame 0 */
	u32 frameno;
	u32 subprogno;
	u32 async_entry_cnt;
	struct bpf_retval_range_v {
		s32 minval, maxval;
	} callback_ret_range; /* the range a callback's r0 must be in at its exit */
	bool in_callback_fn;  /* this frame is a callback of a helper (bpf_loop, ...) */
	bool in_async_callback_fn;
	bool in_exception_callback_fn;
	u32 callback_depth; /* bpf_loop iterations simulated so far */
	/* allocated_stack / BPF_REG_SIZE slots; stack[0] is the slot at fp-8 */
	struct bpf_stack_state *stack;
	int allocated_stack; /* bytes, a multiple of BPF_REG_SIZE */
};

/* Stack accesses and jumps between prune points, for precision backtracking. */
#define INSN_F_FRAMENO_MASK 0x7 /* 3 bits */
#define INSN_F_SPI_MASK 0x3f    /* 6 bits */
#define INSN_F_SPI_SHIFT 3
#define INSN_F_STACK_ACCESS (1u << 9)   /* this insn read or wrote stack slot (frameno, spi) */
#define INSN_F_DST_REG_STACK (1u << 10) /* dst_reg is PTR_TO_STACK */
#define INSN_F_SRC_REG_STACK (1u << 11) /* src_reg is PTR_TO_STACK */

struct bpf_jmp_history_entry {
	u32 idx;
	u32 prev_idx : 20; /* the insn executed before idx */
	u32 flags : 12;    /* INSN_F_* */
	u64 linked_regs;   /* registers sharing a scalar id at a conditional jump */
};

struct bpf_verifier_state {
	struct bpf_func_state *frame[MAX_CALL_FRAMES]; /* frame[0..curframe] */
	struct bpf_verifier_state *parent; /* the checkpoint this state continued from */
	/* Number of states derived from this one still being explored (plus itself while
	 * current); 0: this state and its descendants are fully verified, so it may be used
	 * to prune ("safe"). */
	u32 branches;
	u32 insn_idx;
	u32 curframe;
	struct bpf_reference_state *refs;
	u32 acquired_refs;
	u32 active_locks;
	u32 active_preempt_locks;
	u32 active_irq_id;
	u32 active_lock_id;
	const void *active_lock_ptr;
	bool active_rcu_lock;
	bool speculative;
	bool in_sleepable;
	bool cleaned; /* clean_live_states done */
	/* first and last insn idx of this verifier state (for backtracking) */
	u32 first_insn_idx;
	u32 last_insn_idx;
	/* a state on the current DFS path this one loops back to (iterators, may_goto) */
	struct bpf_verifier_state *loop_entry;
	struct bpf_verifier_state *equal_state;
	u32 dfs_depth;
	u32 callback_unroll_depth;
	u32 may_goto_depth;
	struct bpf_jmp_history_entry *jmp_history;
	u32 jmp_history_cnt;
};

/* The states seen at one prune point. */
struct bpf_verifier_state_list {
	struct bpf_verifier_state state; /* first: a parent state pointer is its list entry */
	struct bpf_verifier_state_list *next;
	struct bpf_verifier_state_list *prev; /* on the free list */
	u32 miss_cnt, hit_cnt;
	bool in_free_list;
};

/* ---------------------------------------------------------------------------------------- */
/* per-instruction and per-subprogram data                                                  */

struct bpf_map_ptr_state {
	const struct bpf_map *map_ptr;
	bool poison; /* different maps reached this insn */
	bool unpriv;
};

/* A bpf_loop call site: can the rewrite inline it (flags 0 and the same callback on every
 * path)? The kernel's bpf_loop_inline_state. */
struct bpf_loop_inline_state {
	bool initialized;
	bool fit_for_inline;
	u32 callback_subprogno;
};

struct bpf_insn_aux_data {
	/* a load/store through this insn used this pointer type (ctx rewrite), or
	 * PTR_TO_CTX|PTR_TO_... conflicts: "same insn cannot be used with different pointers" */
	enum bpf_reg_type ptr_type;
	struct bpf_map_ptr_state map_ptr_state;         /* helper calls: the map argument */
	struct bpf_loop_inline_state loop_inline_state; /* bpf_loop calls */
	u64 map_key_state;    /* constant key of a lookup (poisoned if not) */
	u32 map_index;        /* ld_imm64 of a map: index into env->used_maps */
	u32 map_off;          /* ld_imm64 of a map value: offset into the value */
	s32 call_imm;         /* saved imm of a pseudo call before rewrite */
	int ctx_field_size;   /* ctx loads: the size the field has in the uapi ctx */
	u32 seen;             /* this insn was reached (the subprog's "seen" count) */
	u32 orig_idx;         /* index before rewrites */
	u16 live_regs_before; /* registers live before this insn (compute_live_registers) */
	bool zext_dst;        /* a 32-bit def whose upper half is read later */
	bool needs_zext;
	bool jmp_point;        /* target of a jump: jmp_history is recorded here */
	bool prune_point;      /* is_state_visited is called here */
	bool force_checkpoint; /* always add a state here (loops, iterators) */
	bool calls_callback;   /* a helper call that calls a callback (bpf_loop, ...) */
	bool nospec, nospec_result;
	bool is_iter_next;
	bool storage_get_func_atomic;
	u8 alu_state;
	u32 alu_limit;
	u32 scc;
};

struct bpf_subprog_info {
	u32 start; /* insn idx of the first insn */
	u32 linfo_idx;
	u16 stack_depth; /* max. stack depth used by this function */
	u16 stack_extra;
	bool has_tail_call;
	bool tail_call_reachable;
	bool has_ld_abs;
	bool is_cb; /* is a callback (passed as PTR_TO_FUNC) */
	bool is_async_cb;
	bool is_exception_cb;
	bool args_cached;
	bool keep_fastcall_stack;
	bool changes_pkt_data;
	bool might_sleep;
	bool is_global;  /* verified on its own (BTF linkage GLOBAL; without BTF: static) */
	bool called;     /* a global function some verified path calls */
	bool verified;   /* a global function verified on its own */
	bool unreliable; /* its BTF did not match a call: no more arg checks */
	u8 arg_cnt;
	u32 btf_id;          /* the BTF FUNC of func_info, 0 without BTF */
	u32 postorder_start; /* its insns in env->insn_postorder */
	struct bpf_subprog_arg_info {
		u32 arg_type; /* ARG_ANYTHING, ARG_PTR_TO_CTX, ARG_PTR_TO_MEM | PTR_MAYBE_NULL */
		u32 mem_size;
	} args[5];
};

/* ---------------------------------------------------------------------------------------- */
/* the log (log.c): the kernel's bpf_verifier_log                                           */

#define BPF_LOG_LEVEL1 1u
#define BPF_LOG_LEVEL2 2u
#define BPF_LOG_STATS 4u
#define BPF_LOG_FIXED 8u
#define BPF_LOG_LEVEL (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)
#define BPF_LOG_MASK (BPF_LOG_LEVEL | BPF_LOG_STATS | BPF_LOG_FIXED)
#define BPF_LOG_MIN_ALIGNMENT 8u
#define BPF_LOG_MAX_SIZE (UINT32_MAX >> 2)

struct bpf_verifier_log {
	/* Logical positions in the whole log as the kernel would write it: the user's buffer
	 * holds [start_pos, end_pos) (rotating: the tail; BPF_LOG_FIXED: the head). */
	u64 start_pos, end_pos;
	char *ubuf; /* the user's buffer, or NULL (level without buffer: size only) */
	char *ring; /* our copy of the window: len_total bytes, position p at p % len_total */
	u32 level;
	u32 len_total; /* the user's buffer size */
	u32 len_max;   /* the longest the log has been, plus the NUL: log_true_size */
	char kbuf[BPF_VERIFIER_TMP_LOG_SIZE];
};

static inline bool bpf_verifier_log_needed(const struct bpf_verifier_log *log)
{
	return log && log->level;
}

/* Check and take the attr's log fields (bpf_vlog_init). 0 or -EINVAL. */
int bpf_vlog_init(struct bpf_verifier_log *log, u32 log_level, char *log_buf, u32 log_size);
void bpf_verifier_vlog(struct bpf_verifier_log *log, const char *fmt, va_list args);
void bpf_log(struct bpf_verifier_log *log, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Drop what was logged after pos (a verified path's lines at level 1). */
void bpf_vlog_reset(struct bpf_verifier_log *log, u64 new_pos);
/* Copy the log out to the user's buffer; *log_size_actual = bytes incl. the NUL
 * (log_true_size). Returns -ENOSPC if the user's buffer was too small, else 0. */
int bpf_vlog_finalize(struct bpf_verifier_log *log, u32 *log_size_actual);
void bpf_vlog_free(struct bpf_verifier_log *log);

/* ---------------------------------------------------------------------------------------- */
/* the environment of one verification                                                      */

struct bpf_verifier_stack_elem;
struct bpf_scc_backedge; /* states.c */

struct bpf_idmap {
	u32 cur_id; /* fresh ids for current scalars without one (check_scalar_ids) */
	struct {
		u32 old, cur;
	} map[BPF_ID_MAP_SIZE];
};

struct bpf_idset {
	u32 count;
	u32 ids[BPF_ID_MAP_SIZE];
};

/* Precision backtracking state (mark_chain_precision): per frame, registers and stack
 * slots whose values must be precise. */
struct backtrack_state {
	struct bpf_verifier_env *env;
	u32 frame;
	u32 reg_masks[MAX_CALL_FRAMES];
	u64 stack_masks[MAX_CALL_FRAMES];
};

struct bpf_verifier_env {
	/* the program */
	struct bpf_insn *insns; /* verified in place; ld_imm64 of maps keep their pseudo src */
	u32 len;
	u32 prog_type;
	u32 expected_attach_type;
	u32 prog_flags; /* BPF_F_STRICT_ALIGNMENT, BPF_F_ANY_ALIGNMENT, BPF_F_TEST_STATE_FREQ */
	const struct bpf_prog_type_info *ops; /* progtype.h: ctx access, protos, retval */
	const struct bpf_btf *btf;            /* the program's BTF (func_info), or NULL */
	bool gpl_compatible;
	bool strict_alignment;
	bool test_state_freq;
	bool test_reg_invariants;
	/* privileges: a privileged loader (CAP_BPF + CAP_PERFMON) gets all of these */
	bool allow_ptr_leaks;
	bool allow_uninit_stack;
	bool bpf_capable;
	bool bypass_spec_v1;
	bool bypass_spec_v4;
	bool no_inline;       /* keep helper calls (map lookups) as calls: guarded runtimes */
	u32 insn_limit;       /* BPF_COMPLEXITY_LIMIT_INSNS, or USERBPF_COMPLEXITY_LIMIT (tests) */
	bool subprogs_logged; /* bpf_check_prepare printed the "func#N @S" lines */
	/* maps the program uses (from the load-time fixup) */
	struct bpf_map *used_maps[BPF_MAX_USED_MAPS];
	u32 used_map_cnt;

	struct bpf_insn_aux_data *insn_aux_data;                    /* [len] */
	struct bpf_subprog_info subprog_info[BPF_MAX_SUBPROGS + 2]; /* +1: the fake 'exit' */
	u32 subprog_cnt;
	u32 exception_callback_subprog;
	bool seen_exception;

	struct bpf_verifier_log log;
	bool prev_insn_print_pos_valid;
	u64 prev_log_pos, prev_insn_print_pos;

	/* the walk */
	struct bpf_verifier_state *cur_state;
	struct bpf_verifier_stack_elem *head;             /* states still to explore */
	int stack_size;                                   /* number of states on head */
	struct bpf_verifier_state_list **explored_states; /* [len]: states at prune points */
	struct bpf_verifier_state_list *free_list;
	u32 id_gen; /* used to generate unique reg IDs */
	u32 hidden_subprog_cnt;
	int exception_callback_subprog_idx;
	bool explore_alu_limits;
	bool seen_direct_write;
	u32 max_ctx_offset; /* the largest ctx offset accessed (prog->aux->max_ctx_offset) */
	bool changes_pkt_data;
	u32 prev_insn_idx;
	int insn_idx;
	bool test_rnd_hi32;
	struct bpf_reg_state fake_reg[2]; /* K operands of conditional jumps */
	struct bpf_liveness *liveness;    /* live_stack.c */
	int *insn_postorder;              /* per subprogram (subprog_info.postorder_start) */
	u32 insn_postorder_cnt;
	/* loops being walked (6.18's SCC visits): which checkpoint entered each, and the
	 * states found equal to a checkpoint of the loop while it was still being explored
	 * (backedges: their precision is propagated when the loop is done, states.c) */
	struct bpf_scc_visit {
		u32 callsites[MAX_CALL_FRAMES - 1];
		u32 scc;
		struct bpf_verifier_state *entry_state;
		struct bpf_scc_backedge *backedges;
		u32 num_backedges;
	} * scc_visits;
	u32 scc_visit_cnt;
	/* inner map templates of map-in-map values (CONST_PTR_TO_MAP after a lookup) */
	struct bpf_map *inner_map_metas[BPF_MAX_USED_MAPS];
	/* scratch for states_equal / precision */
	struct bpf_idmap idmap_scratch;
	struct bpf_idset idset_scratch;
	struct backtrack_state bt;
	struct bpf_jmp_history_entry *cur_hist_ent;
	u32 pass_cnt;                           /* number of times do_check_common() was called */
	const struct bpf_line_info *prev_linfo; /* the last line verbose_linfo printed */
	/* the program's func_info and line_info (check_btf_info), insn offsets of the
	 * original program; the rewrite gives the caller copies adjusted to its output */
	struct bpf_func_info *func_info;
	u32 func_info_cnt;
	struct bpf_line_info *linfo;
	u32 nr_linfo;
	/* per-instruction log state: which regs/slots an insn touched, for "; R0=..." */
	u32 scratched_regs;
	u64 scratched_stack_slots;
	/* statistics for the "processed ..." line and the limits */
	u32 insn_processed;
	u32 prev_insn_processed;
	u32 jmps_processed;
	u32 prev_jmps_processed;
	u32 peak_states;
	u32 total_states;
	u32 max_states_per_insn;
	u32 longest_mark_read_walk;
	u32 free_list_size;
	u32 explored_states_size;
	u32 num_backedges;
	int cur_stack; /* number of elements on head: BPF_COMPLEXITY_LIMIT_JMP_SEQ */
	u32 verification_time_us;
	/* state of the insn being checked */
	char tmp_str_buf[320];
	char type_str_buf[4][64]; /* reg_type_str: a few may be live in one message */
	u32 type_str_idx;
};

static inline struct bpf_func_state *cur_func(struct bpf_verifier_env *env)
{
	struct bpf_verifier_state *cur = env->cur_state;
	return cur->frame[cur->curframe];
}
static inline struct bpf_reg_state *cur_regs(struct bpf_verifier_env *env)
{
	return cur_func(env)->regs;
}
/* The frame a register (PTR_TO_STACK) belongs to. */
static inline struct bpf_func_state *func(struct bpf_verifier_env *env,
                                          const struct bpf_reg_state *reg)
{
	return env->cur_state->frame[reg->frameno];
}
static inline struct bpf_insn_aux_data *cur_aux(struct bpf_verifier_env *env)
{
	return &env->insn_aux_data[env->insn_idx];
}

/* Slot index of the stack slot holding byte off (negative, from the frame pointer). */
static inline int __get_spi(s32 off)
{
	return (-off - 1) / BPF_REG_SIZE;
}

/* ---------------------------------------------------------------------------------------- */
/* verifier-core services (log.c, reg.c, bounds.c, states.c, precise.c, calls.c, ...)      */

/* log.c */
void verbose(struct bpf_verifier_env *env, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* "scalar", "ctx", "map_value_or_null", "rdonly_mem", ... (the kernel's reg_type_str) */
const char *reg_type_str(struct bpf_verifier_env *env, enum bpf_reg_type type);
/* print_verifier_state / print_insn_state: " R1=ctx() R10=fp0" */
void print_verifier_state(struct bpf_verifier_env *env, const struct bpf_verifier_state *vstate,
                          u32 frameno, bool print_all);
void print_insn_state(struct bpf_verifier_env *env, const struct bpf_verifier_state *vstate,
                      u32 frameno);
/* "; R0=..." marks: what the current insn touched */
void mark_reg_scratched(struct bpf_verifier_env *env, u32 regno);
void mark_stack_slot_scratched(struct bpf_verifier_env *env, u32 spi);
void mark_verifier_state_clean(struct bpf_verifier_env *env);
void mark_verifier_state_scratched(struct bpf_verifier_env *env);
bool verifier_state_scratched(const struct bpf_verifier_env *env);
/* the kernel's %lld for |n| <= 512, else %#llx */
void verbose_snum(struct bpf_verifier_env *env, s64 num);
void verbose_unum(struct bpf_verifier_env *env, u64 num);
/* the insn as the kernel's log prints it: "(b7) r0 = 0" */
void print_bpf_insn(struct bpf_verifier_env *env, const struct bpf_insn *insn);

/* reg.c: building register states */
void __mark_reg_known(struct bpf_reg_state *reg, u64 imm);
void __mark_reg32_known(struct bpf_reg_state *reg, u64 imm);
void __mark_reg_known_zero(struct bpf_reg_state *reg);
void __mark_reg_const_zero(const struct bpf_verifier_env *env, struct bpf_reg_state *reg);
void mark_reg_known_zero(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno);
void __mark_reg_unknown(const struct bpf_verifier_env *env, struct bpf_reg_state *reg);
void __mark_reg_unknown_imprecise(struct bpf_reg_state *reg);
void mark_reg_unknown(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno);
void __mark_reg_not_init(const struct bpf_verifier_env *env, struct bpf_reg_state *reg);
void mark_reg_not_init(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno);
void __mark_reg_unbounded(struct bpf_reg_state *reg);
void __mark_reg64_unbounded(struct bpf_reg_state *reg);
void __mark_reg32_unbounded(struct bpf_reg_state *reg);
/* narrow regno's bounds to [s32_min, s32_max] (a helper's documented return range) */
int __mark_reg_s32_range(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno,
                         s32 s32_min, s32 s32_max);
/* *dst = *src, keeping dst's liveness chain (parent, live) */
void copy_register_state(struct bpf_reg_state *dst, const struct bpf_reg_state *src);
bool register_is_null(const struct bpf_reg_state *reg);
bool register_is_const(const struct bpf_reg_state *reg);
bool is_reg_const(const struct bpf_reg_state *reg, bool subreg32);
u64 reg_const_value(const struct bpf_reg_state *reg, bool subreg32);
bool __is_pointer_value(bool allow_ptr_leaks, const struct bpf_reg_state *reg);
bool is_pointer_value(struct bpf_verifier_env *env, int regno); /* leaking a pointer? */
bool is_spillable_regtype(enum bpf_reg_type type);
bool type_is_sk_pointer(enum bpf_reg_type type);
bool reg_not_null(const struct bpf_reg_state *reg); /* a pointer that cannot be NULL */
u32 bpf_new_id(struct bpf_verifier_env *env);       /* ++env->id_gen */

/* bounds.c: keeping the 64/32-bit signed/unsigned bounds and the tnum consistent */
void reg_bounds_sync(struct bpf_reg_state *reg);
void __update_reg_bounds(struct bpf_reg_state *reg);
void __reg_deduce_bounds(struct bpf_reg_state *reg);
void __reg_bound_offset(struct bpf_reg_state *reg);
void __reg_assign_32_into_64(struct bpf_reg_state *reg);
void coerce_reg_to_size(struct bpf_reg_state *reg, int size);    /* zero-extend */
void coerce_reg_to_size_sx(struct bpf_reg_state *reg, int size); /* sign-extend */
void coerce_subreg_to_size_sx(struct bpf_reg_state *reg, int size);
/* "REG INVARIANTS VIOLATION" check after a refinement; -EFAULT if broken */
int reg_bounds_sanity_check(struct bpf_verifier_env *env, struct bpf_reg_state *reg,
                            const char *ctx);

static inline int bpf_size_to_bytes(int bpf_size)
{
	switch (bpf_size) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	case BPF_DW:
		return 8;
	}
	return -EINVAL;
}

/* do_check.c: operands */
enum reg_arg_type {
	SRC_OP,        /* register is used as source operand */
	DST_OP,        /* register is used as destination operand */
	DST_OP_NO_MARK /* same as above, check only, don't mark */
};
/* "R%d is invalid", "R%d !read_ok", "frame pointer is read only" */
int check_reg_arg(struct bpf_verifier_env *env, u32 regno, enum reg_arg_type t);
/* a pointer with a variable or non-zero offset where the helper/access needs it fixed */
int check_ptr_off_reg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int regno);
int __check_ptr_off_reg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int regno,
                        bool fixed_off_ok);
int do_check(struct bpf_verifier_env *env);
/* the current insn's aux ptr_type bookkeeping for loads/stores (ctx rewrite) */
int save_aux_ptr_type(struct bpf_verifier_env *env, enum bpf_reg_type type,
                      bool allow_trust_mismatch);

/* states.c */
/* Push a copy of the current state to be explored from insn_idx later; NULL on error. */
struct bpf_verifier_state *push_stack(struct bpf_verifier_env *env, int insn_idx, int prev_insn_idx,
                                      bool speculative);
int copy_verifier_state(struct bpf_verifier_state *dst, const struct bpf_verifier_state *src);
void free_verifier_state(struct bpf_verifier_state *state, bool free_self);
/* Grow a frame's stack to at least size bytes (slots become STACK_INVALID). */
int grow_stack_state(struct bpf_verifier_env *env, struct bpf_func_state *state, int size);
/* Record a stack access (or a jump) of the current insn for precision backtracking:
 * insn_flags = INSN_F_STACK_ACCESS | spi << INSN_F_SPI_SHIFT | frameno. */
int push_insn_history(struct bpf_verifier_env *env, struct bpf_verifier_state *cur, int insn_flags,
                      u64 linked_regs);
/* Liveness of stack slots (live_stack.c): the current insn reads slot spi of frame
 * state's stack, or overwrites all 8 bytes of it. */
void mark_stack_slot_read(struct bpf_verifier_env *env, const struct bpf_func_state *state,
                          int spi);
void mark_stack_slot_written(struct bpf_verifier_env *env, struct bpf_func_state *state, int spi);

int pop_stack(struct bpf_verifier_env *env, int *prev_insn_idx, int *insn_idx, bool pop_log);
int update_branch_counts(struct bpf_verifier_env *env, struct bpf_verifier_state *st);
/* 1: an equivalent explored state covers this one (prune), 0: go on, <0: error */
int is_state_visited(struct bpf_verifier_env *env, int insn_idx);
void free_states(struct bpf_verifier_env *env);
struct bpf_verifier_state *find_prev_entry(struct bpf_verifier_env *env,
                                           struct bpf_verifier_state *cur, int insn_idx);
int widen_imprecise_scalars(struct bpf_verifier_env *env, struct bpf_verifier_state *old,
                            struct bpf_verifier_state *cur);
void states_init(void);

/* precise.c: mark_chain_precision — the value of regno (or of stack slot spi of frame)
 * decides safety (sizes, offsets, return values): backtrack and mark its sources precise. */
int mark_chain_precision(struct bpf_verifier_env *env, int regno);
int mark_chain_precision_batch(struct bpf_verifier_env *env);
/* backtrack from starting_state for regno (or, with -1, what env->bt already holds) */
/* changed (may be NULL): set when a scalar of some checkpoint became precise */
int __mark_chain_precision(struct bpf_verifier_env *env, struct bpf_verifier_state *starting_state,
                           int regno, bool *changed);
/* every scalar of every checkpoint above st becomes precise */
void mark_all_scalars_precise(struct bpf_verifier_env *env, struct bpf_verifier_state *st);
void bt_set_frame_slot(struct backtrack_state *bt, u32 frame, u32 slot);

/* calls.c: helpers that call back into the program (bpf_loop, for_each_map_elem, timers) */
typedef int (*set_callee_state_fn)(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                                   struct bpf_func_state *callee, int insn_idx);
/* r1-r5 of the callee come from the caller's regs as set_callee_state_fn decides; the
 * callback is explored as a separate path (as the kernel's push_callback_call). */
/* calls.c: bpf_loop at the current insn with callback subprogno: record whether the rewrite
 * may inline it (flags must be a known 0 — marked precise then — on every path). */
void update_loop_inline_state(struct bpf_verifier_env *env, u32 subprogno);
int push_callback_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int insn_idx,
                       int subprog, set_callee_state_fn set_callee_state_cb);
int find_subprog(struct bpf_verifier_env *env, int off);   /* index, or -ENOENT */
int bpf_subprog_of(struct bpf_verifier_env *env, u32 idx); /* the subprog holding insn idx */

/* cfg.c */
int check_subprogs(struct bpf_verifier_env *env);
/* successors of insn idx in the CFG (a call's is the next insn); returns their count */
int bpf_insn_successors(struct bpf_verifier_env *env, u32 idx, u32 succ[2]);
/* the kernel's compute_postorder: a DFS postorder per subprogram (env->insn_postorder) */
int compute_postorder(struct bpf_verifier_env *env);
int check_cfg(struct bpf_verifier_env *env);
int compute_scc(struct bpf_verifier_env *env);
int compute_live_registers(struct bpf_verifier_env *env);
int check_max_stack_depth(struct bpf_verifier_env *env);
/* the prototype of a helper for this program type (progtype's get_func_proto), or NULL */
const struct bpf_func_proto *bpf_env_func_proto(struct bpf_verifier_env *env, u32 func_id);
int set_map_elem_callback_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                                struct bpf_func_state *callee, int insn_idx);
int set_loop_callback_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                            struct bpf_func_state *callee, int insn_idx);
int set_callee_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                     struct bpf_func_state *callee, int insn_idx);
void init_func_state(struct bpf_verifier_env *env, struct bpf_func_state *state, int callsite,
                     int frameno, int subprogno);
int check_func_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx);
int bpf_check_mem_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno,
                      u32 mem_size);
int prepare_func_exit(struct bpf_verifier_env *env, int *insn_idx);
/* A global function's `struct bpf_dynptr *` argument (ARG_PTR_TO_DYNPTR | MEM_RDONLY;
 * helper_args.c): at the call the caller's register must point to an initialised dynptr
 * (btf_check_func_arg_match's check); in the callee it is a CONST_PTR_TO_DYNPTR of type
 * local with a fresh id (do_check_common's argument setup). */
int check_subprog_dynptr_arg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno);
void mark_subprog_dynptr_arg(struct bpf_verifier_env *env, struct bpf_reg_state *reg);
/* "At program exit the register R0 has smin=.. smax=.. should have been in [a, b]" */
void bpf_verbose_invalid_scalar(struct bpf_verifier_env *env, struct bpf_reg_state *reg, s32 minval,
                                s32 maxval, const char *ctx, const char *reg_name);

/* alu.c, alu_ptr.c */
extern const char *const bpf_alu_string[16]; /* "+=", "-=", ... by BPF_OP >> 4 */
int check_alu_op(struct bpf_verifier_env *env, struct bpf_insn *insn);
int adjust_scalar_min_max_vals(struct bpf_verifier_env *env, struct bpf_insn *insn,
                               struct bpf_reg_state *dst_reg, struct bpf_reg_state src_reg);
int adjust_ptr_min_max_vals(struct bpf_verifier_env *env, struct bpf_insn *insn,
                            const struct bpf_reg_state *ptr_reg,
                            const struct bpf_reg_state *off_reg);
/* dst += src on all views, without reg_bounds_sync (sync_linked_regs) */
void scalar_min_max_add_nosync(struct bpf_reg_state *dst, const struct bpf_reg_state *src);
/* after a helper changes packet data, packet pointers are invalid */
void clear_all_pkt_pointers(struct bpf_verifier_env *env);
/* branch.c */
int check_cond_jmp_op(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx);
int is_branch_taken(struct bpf_reg_state *reg1, struct bpf_reg_state *reg2, u8 opcode,
                    bool is_jmp32);
int reg_set_min_max(struct bpf_verifier_env *env, struct bpf_reg_state *true_reg1,
                    struct bpf_reg_state *true_reg2, struct bpf_reg_state *false_reg1,
                    struct bpf_reg_state *false_reg2, u8 opcode, bool is_jmp32);
/* after a null check: every register/stack slot sharing regno's id becomes the pointer
 * (is_null false) or a zero scalar (is_null true) */
void mark_ptr_or_null_regs_env(struct bpf_verifier_env *env, struct bpf_verifier_state *vstate,
                               u32 regno, bool is_null);
void mark_ptr_not_null_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg);
/* the inner map template of a map-in-map (a struct bpf_map with sh == NULL, data == NULL) */
const struct bpf_map *bpf_inner_map_meta(struct bpf_verifier_env *env, const struct bpf_map *map);
void linked_regs_unpack(u64 val, int *cnt, u8 frameno[], u8 regno[], bool is_reg[]);

/* ---------------------------------------------------------------------------------------- */
/* implemented by verifier-mem (mem_*.c, helper_*.c, ref_*.c)                              */

/* Every load (t == BPF_READ, value_regno = dst) and store (BPF_WRITE, value_regno = src or
 * -1 for BPF_ST) through register regno at regno's offset + off; bpf_size is
 * BPF_SIZE(insn->code) (BPF_B/H/W/DW, as the kernel's), bpf_size_to_bytes() converts: stack
 * (spill/fill, slot types, liveness via mark_stack_slot_*, history via push_insn_history), map
 * values/keys, ctx (is_valid_access, aux ctx_field_size), packet, mem/buf, sockets... On success
 * the value register has its new state; is_ldsx: a BPF_MEMSX load (the value is sign-extended), as
 * the kernel's 6.x signature. */
int check_mem_access(struct bpf_verifier_env *env, int insn_idx, u32 regno, int off, int bpf_size,
                     enum bpf_access_type t, int value_regno, bool strict_alignment_once,
                     bool is_ldsx);
/* BPF_ATOMIC (add/and/or/xor with and without fetch, xchg, cmpxchg, load-acquire,
 * store-release). Operand registers are not checked yet when this is called. */
int check_atomic(struct bpf_verifier_env *env, int insn_idx, struct bpf_insn *insn);
/* A helper call (src_reg 0). Operand checks, r0 per return type, r1-r5 clobbered (the
 * caller's do_check does nothing else). *insn_idx_p may change for callback calls. */
int check_helper_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx_p);
/* At exit: "Unreleased reference id=%d alloc_insn=%d" etc. 0 or -EINVAL. */
int check_reference_leak(struct bpf_verifier_env *env, bool exception_exit);
/* ref_*.c: the reference bookkeeping the core calls (states.c copies state->refs). */
int acquire_reference(struct bpf_verifier_env *env, int insn_idx); /* new ref id or -errno */
int release_reference(struct bpf_verifier_env *env, int ref_obj_id);
/* drop reference ref_obj_id from state without touching registers (the NULL side of a
 * null check of an acquired pointer) */
int release_reference_nomark(struct bpf_verifier_state *state, int ref_obj_id);
/* Held locks / RCU / preemption at a point where they must not be: the kernel's
 * check_resource_leak ("BPF_EXIT instruction in main prog cannot be used inside
 * bpf_spin_lock-ed region", ...). prefix like the kernel's callers. */
int check_resource_leak(struct bpf_verifier_env *env, bool exception_exit, bool check_lock,
                        const char *prefix);

/* ---------------------------------------------------------------------------------------- */
/* entry point (verifier.c)                                                                 */

struct bpf_verifier_opts {
	u32 prog_type;
	u32 expected_attach_type;
	u32 prog_flags;
	bool gpl_compatible;
	bool unprivileged;                /* the kernel's rules without CAP_BPF */
	struct bpf_map *const *used_maps; /* the fixup's used maps */
	u32 used_map_cnt;
	/* per insn: which map an ld_imm64 referenced (from bpf_fixup_map_ldimm64) */
	const struct bpf_fixup_ref *map_refs;
	struct bpf_verifier_log *log; /* already initialised with bpf_vlog_init */
	/* BTF and func_info (attr->prog_btf_fd's blob, attr->func_info as the user gave it) */
	const void *btf_data;
	u32 btf_size;
	const void *func_info;
	u32 func_info_cnt, func_info_rec_size;
	/* line_info as the user gave it (attr->line_info, _cnt, _rec_size) */
	const void *line_info;
	u32 line_info_cnt, line_info_rec_size;
	bool prepared; /* bpf_check_prepare ran (it logged the "func#N @S" lines) */
};

/* The result of a successful verification: the rewritten program the vm runs (ctx
 * accesses converted, ld_imm64 as addresses). */
struct bpf_verifier_result {
	struct bpf_insn *xlated; /* malloc'd */
	u32 xlated_cnt;
	u32 insn_processed;
	u32 stack_depth; /* of the main program */
	u32 max_ctx_offset;
	/* func_info / line_info as the kernel keeps them (insn_off in xlated insns, after
	 * every rewrite: bpf_adj_linfo); malloc'd, NULL when the load had none */
	struct bpf_func_info *func_info;
	u32 func_info_cnt;
	struct bpf_line_info *line_info;
	u32 line_info_cnt;
};

/* live_stack.c: 6.18's live stack slot analysis (stack reads/writes feed it) */
int bpf_stack_liveness_init(struct bpf_verifier_env *env);
void bpf_stack_liveness_free(struct bpf_verifier_env *env);
int bpf_mark_stack_read(struct bpf_verifier_env *env, u32 frame, u32 insn_idx, u64 mask);
void bpf_mark_stack_write(struct bpf_verifier_env *env, u32 frame, u64 mask);
int bpf_reset_stack_write_marks(struct bpf_verifier_env *env, u32 insn_idx);
int bpf_commit_stack_write_marks(struct bpf_verifier_env *env);
void bpf_reset_live_stack_callchain(struct bpf_verifier_env *env);
int bpf_update_live_stack(struct bpf_verifier_env *env);
int bpf_live_stack_query_init(struct bpf_verifier_env *env, const struct bpf_verifier_state *st);
bool bpf_stack_slot_alive(struct bpf_verifier_env *env, u32 frameno, u32 spi);

/* btf_func.c: func_info and global function arguments */
struct bpf_btf *bpf_btf_parse(const void *data, u32 size);
void bpf_btf_free(struct bpf_btf *btf);
const char *bpf_btf_func_name(const struct bpf_btf *btf, u32 func_type_id);
int bpf_btf_check_func_info_early(struct bpf_verifier_env *env, const struct bpf_btf *btf,
                                  const struct bpf_func_info *fi, u32 cnt);
int bpf_btf_check_func_info(struct bpf_verifier_env *env, const struct bpf_btf *btf,
                            const struct bpf_func_info *fi, u32 cnt);
int bpf_btf_prepare_func_args(struct bpf_verifier_env *env, int subprog);
/* A string of the program's BTF, NULL when off is outside the string section. */
const char *bpf_btf_str(const struct bpf_btf *btf, u32 off);
/* check_btf_line: the user's line_info records (rec_size bytes each) copied into
 * env->linfo and checked against the program, its subprograms and the BTF strings. */
int bpf_btf_check_line_info(struct bpf_verifier_env *env, const void *uinfo, u32 cnt, u32 rec_size);
/* verbose_linfo: "; <source line> @ <file>:<line>" before the insn at insn_off when it
 * starts a new source line (prefix_fmt comes first). */
void verbose_linfo(struct bpf_verifier_env *env, u32 insn_off, const char *prefix_fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* the subprogram's name from BTF ("" without) */
const char *subprog_name(struct bpf_verifier_env *env, int subprog);

/* rewrite.c: the program the vm runs (malloc'd) */
struct bpf_verifier_result;
/* The program after verification (xlated) into res->xlated, with func_info / line_info
 * adjusted to it (res->func_info, res->line_info). */
int bpf_rewrite_program(struct bpf_verifier_env *env, struct bpf_verifier_result *res);

/* Verify insns (already through userbpf_isa_check and the map fixup). 0 and *res, or
 * -errno with the reason in the log. */
/* maps/map_gen_lookup.c: the inline replacement of bpf_map_lookup_elem for map (r1 = map,
 * r2 = key → r0), the kernel's map_gen_lookup: the count written to buf (at most
 * BPF_MAP_GEN_LOOKUP_MAX), or -EOPNOTSUPP when the map's lookup stays a helper call. */
#define BPF_MAP_GEN_LOOKUP_MAX 16
int bpf_map_gen_lookup(const struct bpf_map *map, bool bypass_spec_v1, struct bpf_insn *buf);

/* What the kernel's bpf_check does before the walk, for bpf_check's caller, in the
 * kernel's order and with its log: the "func#N @S" lines (level 2), the encoding
 * (userbpf_isa_check: subprogram layout, opcodes, ld_imm64 pairs, edges — but field and
 * register errors are left to the walk, which finds them in execution order as do_check
 * does, so "processed N" counts what was walked and dead code may hold them), then the
 * map references (bpf_fixup_map_ldimm64, insns rewritten in place). 0, or -errno with the
 * message and the "processed 0 insns" line in the log. Then call bpf_check with
 * opts->prepared = true. */
struct bpf_fixup_env;
int bpf_check_prepare(struct bpf_insn *insns, u32 cnt, struct bpf_fixup_env *fx,
                      struct bpf_verifier_log *log);

int bpf_check(const struct bpf_insn *insns, u32 cnt, const struct bpf_verifier_opts *opts,
              struct bpf_verifier_result *res);

#endif /* USERBPF_VERIFIER_H */
