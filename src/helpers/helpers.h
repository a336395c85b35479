/* helpers.h — helper functions by their Linux ids: prototypes and the run environment.
 *
 * Each helper has a prototype (struct bpf_func_proto, the kernel's name): its return and
 * argument kinds, which the verifier checks calls against, and whether it is GPL-only.
 * Kinds are the kernel's: a base type in the low 8 bits plus enum bpf_type_flag bits
 * (ARG_PTR_TO_MEM | MEM_RDONLY, RET_PTR_TO_MEM | MEM_RINGBUF | PTR_MAYBE_NULL, ...).
 * The table (helper_proto.c) is the single list of prototypes; helpers whose runtime we do
 * not have keep their prototype (func NULL) so the verifier answers as the kernel does, and
 * a call to them stops the run ("invalid func unknown#%d").
 *
 * Helpers receive the run (struct userbpf_run_ctx); the run's user pointer is the
 * program's struct bpf_run_env, filled by the object layer: which maps the program may
 * name and how to find an inner map by id. In a guarded run (no verifier yet, or the ISA
 * test mode) helpers check every pointer argument and every map argument themselves.
 * All helpers are safe for concurrent use: map memory is shared between processes.
 */
#ifndef USERBPF_HELPERS_H
#define USERBPF_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/vm.h>

struct bpf_map;

/* Types are a base kind (low BPF_BASE_TYPE_BITS bits) plus flags, as in the kernel; the
 * same flags qualify argument, return and register types (the verifier's bpf_reg_type
 * uses these too: include this header rather than redefining them). */
#define BPF_BASE_TYPE_BITS 8
#define BPF_BASE_TYPE_MASK ((1u << BPF_BASE_TYPE_BITS) - 1)

enum bpf_type_flag {
	PTR_MAYBE_NULL = 1u << (0 + BPF_BASE_TYPE_BITS), /* may be NULL */
	MEM_RDONLY = 1u << (1 + BPF_BASE_TYPE_BITS),     /* arg: read-only memory is fine */
	MEM_RINGBUF = 1u << (2 + BPF_BASE_TYPE_BITS),    /* a ring buffer record */
	MEM_USER = 1u << (3 + BPF_BASE_TYPE_BITS),
	MEM_PERCPU = 1u << (4 + BPF_BASE_TYPE_BITS),
	OBJ_RELEASE = 1u << (5 + BPF_BASE_TYPE_BITS), /* the argument's reference is released */
	PTR_UNTRUSTED = 1u << (6 + BPF_BASE_TYPE_BITS),
	MEM_UNINIT = 1u << (7 + BPF_BASE_TYPE_BITS), /* the helper fills the memory */
	DYNPTR_TYPE_LOCAL = 1u << (8 + BPF_BASE_TYPE_BITS),
	DYNPTR_TYPE_RINGBUF = 1u << (9 + BPF_BASE_TYPE_BITS),
	MEM_FIXED_SIZE = 1u << (10 + BPF_BASE_TYPE_BITS), /* size in arg_size[], no size arg */
	MEM_ALLOC = 1u << (11 + BPF_BASE_TYPE_BITS),
	PTR_TRUSTED = 1u << (12 + BPF_BASE_TYPE_BITS),
	MEM_RCU = 1u << (13 + BPF_BASE_TYPE_BITS),
	NON_OWN_REF = 1u << (14 + BPF_BASE_TYPE_BITS),
	DYNPTR_TYPE_SKB = 1u << (15 + BPF_BASE_TYPE_BITS),
	DYNPTR_TYPE_XDP = 1u << (16 + BPF_BASE_TYPE_BITS),
	MEM_ALIGNED = 1u << (17 + BPF_BASE_TYPE_BITS), /* must be aligned to its size */
	MEM_WRITE = 1u << (18 + BPF_BASE_TYPE_BITS),   /* the helper writes the memory */
};

/* Argument kinds: the kernel's enum bpf_arg_type (base kinds, then combinations). */
enum bpf_arg_type {
	ARG_DONTCARE = 0,
	ARG_CONST_MAP_PTR,    /* a map the program names with ld_imm64 */
	ARG_PTR_TO_MAP_KEY,   /* key_size readable bytes */
	ARG_PTR_TO_MAP_VALUE, /* value_size bytes (| MEM_UNINIT | MEM_WRITE: filled) */
	ARG_PTR_TO_MEM,       /* followed by its size argument, or MEM_FIXED_SIZE */
	ARG_PTR_TO_ARENA,
	ARG_CONST_SIZE,         /* bytes of the memory argument before it, > 0 */
	ARG_CONST_SIZE_OR_ZERO, /* the same, 0 allowed */
	ARG_PTR_TO_CTX,
	ARG_ANYTHING, /* any initialised value that is not a pointer */
	ARG_PTR_TO_SPIN_LOCK,
	ARG_PTR_TO_SOCK_COMMON,
	ARG_PTR_TO_SOCKET,
	ARG_PTR_TO_BTF_ID,
	ARG_PTR_TO_RINGBUF_MEM, /* a record from bpf_ringbuf_reserve */
	ARG_CONST_ALLOC_SIZE_OR_ZERO,
	ARG_PTR_TO_BTF_ID_SOCK_COMMON,
	ARG_PTR_TO_PERCPU_BTF_ID,
	ARG_PTR_TO_FUNC, /* a callback subprogram (ld_imm64 BPF_PSEUDO_FUNC) */
	ARG_PTR_TO_STACK,
	ARG_PTR_TO_CONST_STR, /* a NUL-terminated string in a frozen read-only map */
	ARG_PTR_TO_TIMER,
	ARG_KPTR_XCHG_DEST,
	ARG_PTR_TO_DYNPTR,
	__BPF_ARG_TYPE_MAX,

	ARG_PTR_TO_MAP_VALUE_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_MAP_VALUE,
	ARG_PTR_TO_MEM_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_MEM,
	ARG_PTR_TO_CTX_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_CTX,
	ARG_PTR_TO_SOCKET_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_SOCKET,
	ARG_PTR_TO_STACK_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_STACK,
	ARG_PTR_TO_BTF_ID_OR_NULL = PTR_MAYBE_NULL | ARG_PTR_TO_BTF_ID,
	ARG_PTR_TO_UNINIT_MEM = MEM_UNINIT | MEM_WRITE | ARG_PTR_TO_MEM,
	ARG_PTR_TO_FIXED_SIZE_MEM = MEM_FIXED_SIZE | ARG_PTR_TO_MEM,

	/* Names older kernels used for what is now spelled with flags. */
	ARG_PTR_TO_UNINIT_MAP_VALUE = ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE,
	ARG_PTR_TO_LONG = ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED,
	ARG_PTR_TO_ALLOC_MEM = ARG_PTR_TO_RINGBUF_MEM,
	ARG_KIND_MASK = BPF_BASE_TYPE_MASK,
};

/* Return kinds: the kernel's enum bpf_return_type. */
enum bpf_return_type {
	RET_INTEGER,
	RET_VOID,
	RET_PTR_TO_MAP_VALUE,
	RET_PTR_TO_SOCKET,
	RET_PTR_TO_TCP_SOCK,
	RET_PTR_TO_SOCK_COMMON,
	RET_PTR_TO_MEM, /* of the size the ARG_CONST_ALLOC_SIZE_OR_ZERO argument gave */
	RET_PTR_TO_MEM_OR_BTF_ID,
	RET_PTR_TO_BTF_ID,
	__BPF_RET_TYPE_MAX,

	RET_PTR_TO_MAP_VALUE_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_MAP_VALUE,
	RET_PTR_TO_SOCKET_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_SOCKET,
	RET_PTR_TO_TCP_SOCK_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_TCP_SOCK,
	RET_PTR_TO_SOCK_COMMON_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_SOCK_COMMON,
	RET_PTR_TO_RINGBUF_MEM_OR_NULL = PTR_MAYBE_NULL | MEM_RINGBUF | RET_PTR_TO_MEM,
	RET_PTR_TO_DYNPTR_MEM_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_MEM,
	RET_PTR_TO_BTF_ID_OR_NULL = PTR_MAYBE_NULL | RET_PTR_TO_BTF_ID,
	RET_PTR_TO_BTF_ID_TRUSTED = PTR_TRUSTED | RET_PTR_TO_BTF_ID,

	RET_PTR_TO_ALLOC_MEM_OR_NULL = RET_PTR_TO_RINGBUF_MEM_OR_NULL, /* the older name */
};

#define BPF_FUNC_MAX_ARGS 5

struct bpf_func_proto {
	const char *name;       /* without the bpf_ prefix; bpf_func_id_name() has the prefix */
	userbpf_helper_fn func; /* NULL: prototype only (the verifier knows it, we cannot run it) */
	bool gpl_only;
	bool pkt_access;                      /* may take packet pointers as memory arguments */
	bool might_sleep;                     /* sleepable programs only */
	bool allow_fastcall;                  /* the kernel may inline it without spilling r1-r5 */
	uint32_t ret_type;                    /* enum bpf_return_type | enum bpf_type_flag */
	uint32_t arg_type[BPF_FUNC_MAX_ARGS]; /* enum bpf_arg_type | enum bpf_type_flag */
	uint32_t arg_size[BPF_FUNC_MAX_ARGS]; /* MEM_FIXED_SIZE arguments: their size */
	/* NULL, or may a program of this type and attach type call it at all? (the kernel's
	 * .allowed: "helper call is not allowed in probe" when false) */
	bool (*allowed)(uint32_t prog_type, uint32_t expected_attach_type);
};

static inline uint32_t bpf_type_base(uint32_t type)
{
	return type & BPF_BASE_TYPE_MASK;
}

static inline uint32_t bpf_type_flags(uint32_t type)
{
	return type & ~BPF_BASE_TYPE_MASK;
}

/* Any helper we know, by id (prototype, maybe without a runtime), or NULL. */
const struct bpf_func_proto *bpf_helper_proto_any(uint32_t id);

/* What the kernel's bpf_base_func_proto() gives a privileged loader (CAP_BPF and
 * CAP_PERFMON, as root): the helpers every program type may call (measured on Linux 6.18,
 * see helper_proto.c). Program types add their own (src/progtypes) and fall back to this.
 * NULL otherwise; a type that refuses a helper logs the kernel's
 * "program of this type cannot use helper %s#%d" (bpf_func_id_name gives %s). */
const struct bpf_func_proto *bpf_base_func_proto(uint32_t id);

/* The same as bpf_base_func_proto (kept for its callers). */
const struct bpf_func_proto *bpf_helper_proto(uint32_t id);

/* The kernel's name for a helper id, with the bpf_ prefix ("bpf_map_lookup_elem"), as
 * its log prints it (func_id_name); "unknown" for ids past the last one. */
const char *bpf_func_id_name(uint32_t id);

/* The verifier's check of a bpf_snprintf format (bpf_bprintf_prepare without arguments):
 * 0, or -EINVAL when fmt (NUL within fmt_size) is not a format for num_args arguments. */
int bpf_bprintf_check(const char *fmt, size_t fmt_size, uint32_t num_args);

/* An .allowed that refuses every program (hooks we do not have: tracing programs on chosen
 * kernel functions, LSM). */
bool bpf_never_allowed(uint32_t prog_type, uint32_t expected_attach_type);

/* Install every helper with a runtime into a vm. */
void bpf_helpers_install(struct userbpf_vm *vm);

/* The kernel's check_map_func_compatibility, as a table (helper_compat.c): may the helper
 * func_id be called with a map of map_type? Both directions are checked (which helpers a
 * map type allows, which map types a helper requires). sockmap/sockhash updates depend on
 * the program type (may_update_sockmap). 0, or -EINVAL with the kernel's log text in msg
 * (may be NULL): "cannot pass map_type %d into func %s#%d", preceded by the line
 * "cannot update sockmap in this context" and a '\n' in the sockmap case; no final '\n'. */
int bpf_check_map_func_compat(uint32_t map_type, uint32_t func_id, uint32_t prog_type,
                              uint32_t expected_attach_type, char *msg, size_t msg_len);

/* The helper ids a map type allows (NULL: any helper), ending with 0; and the map types a
 * helper requires (NULL: any map), ending with BPF_MAP_TYPE_UNSPEC. For docs and tests. */
const uint32_t *bpf_map_allowed_funcs(uint32_t map_type);
const uint32_t *bpf_func_required_maps(uint32_t func_id);

/* What a running program may touch besides its memory: set as the run's user pointer. */
struct bpf_run_env {
	struct bpf_map *const *maps; /* the program's maps (used_maps), for guarded checks */
	uint32_t nr_maps;
	/* An inner map by id (map-in-map lookups), attached in this process, or NULL. */
	struct bpf_map *(*map_by_id)(void *owner, uint32_t id);
	/* Guarded runs: is ptr a map this process has attached (an inner map a lookup
	 * returned)? NULL when the program can only name its own maps. */
	struct bpf_map *(*map_check)(void *owner, uint64_t ptr);
	void *owner;
};

/* For helper implementations: the map named by a helper argument, or NULL when a guarded
 * run passes something that is not one of the program's maps. */
struct bpf_map *bpf_helper_map_arg(struct userbpf_run_ctx *rc, uint64_t arg);

/* The same, also NULL unless the map is of map_type (helpers that need one type check it
 * in every mode: one compare, and a wrong map would be memory corruption). */
struct bpf_map *bpf_helper_map_arg_type(struct userbpf_run_ctx *rc, uint64_t arg,
                                        uint32_t map_type);

/* The helpers, by file, for the table. */
#define BPF_HELPER_DECL(name)                                                                      \
	uint64_t name(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, struct userbpf_run_ctx *)

/* helper_map.c */
BPF_HELPER_DECL(bpf_map_lookup_elem_helper);
BPF_HELPER_DECL(bpf_map_update_elem_helper);
BPF_HELPER_DECL(bpf_map_delete_elem_helper);
BPF_HELPER_DECL(bpf_map_push_elem_helper);
BPF_HELPER_DECL(bpf_map_pop_elem_helper);
BPF_HELPER_DECL(bpf_map_peek_elem_helper);
BPF_HELPER_DECL(bpf_map_lookup_percpu_elem_helper);
/* helper_misc.c */
BPF_HELPER_DECL(bpf_ktime_get_ns_helper);
BPF_HELPER_DECL(bpf_ktime_get_boot_ns_helper);
BPF_HELPER_DECL(bpf_ktime_get_coarse_ns_helper);
BPF_HELPER_DECL(bpf_ktime_get_tai_ns_helper);
BPF_HELPER_DECL(bpf_jiffies64_helper);
BPF_HELPER_DECL(bpf_get_prandom_u32_helper);
BPF_HELPER_DECL(bpf_get_smp_processor_id_helper);
BPF_HELPER_DECL(bpf_get_numa_node_id_helper);
BPF_HELPER_DECL(bpf_get_attach_cookie_helper);
/* helper_task.c */
BPF_HELPER_DECL(bpf_get_current_pid_tgid_helper);
BPF_HELPER_DECL(bpf_get_current_uid_gid_helper);
BPF_HELPER_DECL(bpf_get_current_comm_helper);
BPF_HELPER_DECL(bpf_get_ns_current_pid_tgid_helper);
BPF_HELPER_DECL(bpf_send_signal_helper);
BPF_HELPER_DECL(bpf_send_signal_thread_helper);
BPF_HELPER_DECL(bpf_get_branch_snapshot_helper);
/* helper_probe.c */
BPF_HELPER_DECL(bpf_probe_read_helper);
BPF_HELPER_DECL(bpf_probe_read_str_helper);
BPF_HELPER_DECL(bpf_probe_read_kernel_helper);
BPF_HELPER_DECL(bpf_probe_read_kernel_str_helper);
BPF_HELPER_DECL(bpf_copy_from_user_helper);
/* helper_cgroup.c */
BPF_HELPER_DECL(bpf_get_current_cgroup_id_helper);
BPF_HELPER_DECL(bpf_get_current_ancestor_cgroup_id_helper);
BPF_HELPER_DECL(bpf_get_cgroup_classid_curr_helper);
/* helper_net.c */
BPF_HELPER_DECL(bpf_get_netns_cookie_helper);
/* helper_str.c */
BPF_HELPER_DECL(bpf_strtol_helper);
BPF_HELPER_DECL(bpf_strtoul_helper);
BPF_HELPER_DECL(bpf_strncmp_helper);
/* helper_printf.c */
BPF_HELPER_DECL(bpf_trace_printk_helper);
BPF_HELPER_DECL(bpf_trace_vprintk_helper);
BPF_HELPER_DECL(bpf_snprintf_helper);
/* helper_output.c */
BPF_HELPER_DECL(bpf_ringbuf_output_helper);
BPF_HELPER_DECL(bpf_ringbuf_reserve_helper);
BPF_HELPER_DECL(bpf_ringbuf_submit_helper);
BPF_HELPER_DECL(bpf_ringbuf_discard_helper);
BPF_HELPER_DECL(bpf_ringbuf_query_helper);
BPF_HELPER_DECL(bpf_perf_event_output_helper);
/* helper_dynptr.c */
BPF_HELPER_DECL(bpf_dynptr_from_mem_helper);
BPF_HELPER_DECL(bpf_dynptr_read_helper);
BPF_HELPER_DECL(bpf_dynptr_write_helper);
BPF_HELPER_DECL(bpf_dynptr_data_helper);
BPF_HELPER_DECL(bpf_ringbuf_reserve_dynptr_helper);
BPF_HELPER_DECL(bpf_ringbuf_submit_dynptr_helper);
BPF_HELPER_DECL(bpf_ringbuf_discard_dynptr_helper);
/* helper_callback.c */
BPF_HELPER_DECL(bpf_loop_helper);
BPF_HELPER_DECL(bpf_for_each_map_elem_helper);
/* helper_stack.c */
BPF_HELPER_DECL(bpf_get_stackid_helper);
BPF_HELPER_DECL(bpf_get_stack_helper);
/* helper_lock.c */
BPF_HELPER_DECL(bpf_spin_lock_helper);
BPF_HELPER_DECL(bpf_spin_unlock_helper);
/* the vm runs tail calls itself (VM_K_call_tail); this one is for callx and completeness */
BPF_HELPER_DECL(bpf_tail_call_helper);

#endif /* USERBPF_HELPERS_H */
