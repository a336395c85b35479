/* helper_proto.c — the helper prototypes, by Linux id, as the kernel declares them.
 *
 * One table holds every helper the verifier should know: each entry is the kernel's
 * struct bpf_func_proto (gpl_only, return and argument kinds, fixed sizes, pkt_access) plus
 * whether the kernel's bpf_base_func_proto() hands it to every program type. The kernel
 * grades base helpers by capability (unprivileged, CAP_BPF, CAP_PERFMON); a privileged
 * loader (root, our case) gets them all, so BASE marks the union. Which helpers are base
 * was measured on the host kernel (Linux 6.18): a helper is BASE when socket filter, XDP,
 * sched_cls, cgroup_skb, lwt_in, kprobe and raw_tracepoint programs may all call it
 * (tests/fixtures/helpers_allowed_kernel.txt; 6.18 gives every type the task helpers
 * comm/uid_gid/send_signal that older kernels kept for tracing). TYPE marks helpers only
 * some program types get (src/progtypes adds them). perf_event_output is callable from all
 * of them, each type with its own variant; the base entry is the generic one.
 *
 * Entries with func NULL are prototypes only: we do not run them (timers, kptrs,
 * per-CPU BTF pointers, task pointers, perf counters), so a call stops the run, but the
 * verifier answers for them as the kernel does.
 */
#include <stddef.h>

#include "helpers/helpers.h"

/* The kernel's capability grades of base helpers, kept as documentation: all are BASE for a
 * privileged loader. */
enum base_level { TYPE, BASE, BASE_BPF = BASE, BASE_PERF = BASE };

struct helper_entry {
	struct bpf_func_proto proto;
	enum base_level level;
};

#define MAP ARG_CONST_MAP_PTR
#define KEY ARG_PTR_TO_MAP_KEY
#define VALUE ARG_PTR_TO_MAP_VALUE
#define ANY ARG_ANYTHING
#define CTX ARG_PTR_TO_CTX
#define RO_MEM (ARG_PTR_TO_MEM | MEM_RDONLY)
#define SIZE ARG_CONST_SIZE
#define SIZE0 ARG_CONST_SIZE_OR_ZERO
#define INT RET_INTEGER
#define VOID RET_VOID

/* H(id, func, level, gpl, ret, args...) and variants with pkt_access / arg sizes. */
#define H(id, fn, lvl, gpl, ret, ...)                                                              \
	[BPF_FUNC_##id] = {{.name = #id,                                                           \
	                    .func = fn,                                                            \
	                    .gpl_only = gpl,                                                       \
	                    .ret_type = ret,                                                       \
	                    .arg_type = {__VA_ARGS__}},                                            \
	                   lvl}
#define HPKT(id, fn, lvl, ret, ...)                                                                \
	[BPF_FUNC_##id] = {{.name = #id,                                                           \
	                    .func = fn,                                                            \
	                    .pkt_access = true,                                                    \
	                    .ret_type = ret,                                                       \
	                    .arg_type = {__VA_ARGS__}},                                            \
	                   lvl}
/* sizes is a parenthesised list of the five arg_size values. */
#define HSZ_UNWRAP(...) __VA_ARGS__
#define HSZ(id, fn, lvl, gpl, ret, sizes, ...)                                                     \
	[BPF_FUNC_##id] = {{.name = #id,                                                           \
	                    .func = fn,                                                            \
	                    .gpl_only = gpl,                                                       \
	                    .ret_type = ret,                                                       \
	                    .arg_type = {__VA_ARGS__},                                             \
	                    .arg_size = {HSZ_UNWRAP sizes}},                                       \
	                   lvl}
#define STRTOX_RES (ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED)
#define DYNPTR_RB_UNINIT (ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | MEM_UNINIT | MEM_WRITE)
#define DYNPTR_RB_RELEASE (ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | OBJ_RELEASE)

/* The kernel's .allowed of helpers whose hooks (fentry/LSM on chosen functions) we do not
 * have: no program of ours may call them. */
bool bpf_never_allowed(uint32_t prog_type, uint32_t expected_attach_type)
{
	(void)prog_type;
	(void)expected_attach_type;
	return false;
}

/* clang-format off */
static const struct helper_entry helpers[] = {
	/* maps */
	HPKT(map_lookup_elem, bpf_map_lookup_elem_helper, BASE, RET_PTR_TO_MAP_VALUE_OR_NULL,
		MAP, KEY),
	HPKT(map_update_elem, bpf_map_update_elem_helper, BASE, INT, MAP, KEY, VALUE, ANY),
	HPKT(map_delete_elem, bpf_map_delete_elem_helper, BASE, INT, MAP, KEY),
	HPKT(map_push_elem, bpf_map_push_elem_helper, BASE, INT, MAP, VALUE, ANY),
	H(map_pop_elem, bpf_map_pop_elem_helper, BASE, false, INT, MAP,
		VALUE | MEM_UNINIT | MEM_WRITE),
	H(map_peek_elem, bpf_map_peek_elem_helper, BASE, false, INT, MAP,
		VALUE | MEM_UNINIT | MEM_WRITE),
	HPKT(map_lookup_percpu_elem, bpf_map_lookup_percpu_elem_helper, BASE,
		RET_PTR_TO_MAP_VALUE_OR_NULL, MAP, KEY, ANY),
	H(tail_call, bpf_tail_call_helper, BASE, false, VOID, CTX, MAP, ANY),
	H(for_each_map_elem, bpf_for_each_map_elem_helper, BASE_BPF, false, INT, MAP,
		ARG_PTR_TO_FUNC, ARG_PTR_TO_STACK_OR_NULL, ANY),

	/* time, randomness, CPU */
	H(ktime_get_ns, bpf_ktime_get_ns_helper, BASE, false, INT),
	H(ktime_get_boot_ns, bpf_ktime_get_boot_ns_helper, BASE, false, INT),
	H(ktime_get_tai_ns, bpf_ktime_get_tai_ns_helper, BASE, false, INT),
	H(ktime_get_coarse_ns, bpf_ktime_get_coarse_ns_helper, TYPE, false, INT),
	H(jiffies64, bpf_jiffies64_helper, BASE_BPF, false, INT),
	H(get_prandom_u32, bpf_get_prandom_u32_helper, BASE, false, INT),
	H(get_smp_processor_id, bpf_get_smp_processor_id_helper, BASE, false, INT),
	H(get_numa_node_id, bpf_get_numa_node_id_helper, BASE, false, INT),

	/* the current task */
	H(get_current_pid_tgid, bpf_get_current_pid_tgid_helper, BASE, false, INT),
	H(get_ns_current_pid_tgid, bpf_get_ns_current_pid_tgid_helper, BASE, false, INT,
		ANY, ANY, ARG_PTR_TO_UNINIT_MEM, SIZE),
	H(get_current_uid_gid, bpf_get_current_uid_gid_helper, BASE_PERF, false, INT),
	H(get_current_comm, bpf_get_current_comm_helper, BASE_PERF, false, INT,
		ARG_PTR_TO_UNINIT_MEM, SIZE),
	H(send_signal, bpf_send_signal_helper, BASE_PERF, false, INT, ANY),
	H(send_signal_thread, bpf_send_signal_thread_helper, BASE_PERF, false, INT, ANY),
	H(get_branch_snapshot, bpf_get_branch_snapshot_helper, BASE_PERF, true, INT,
		ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY),
	H(get_current_cgroup_id, bpf_get_current_cgroup_id_helper, BASE_BPF, false, INT),
	/* the skb/socket types' variants share one runtime (helper_net.c); types with an own
	 * prototype (cgroup_sockopt) keep theirs */
	H(get_netns_cookie, bpf_get_netns_cookie_helper, TYPE, false, INT, ARG_PTR_TO_CTX_OR_NULL),
	H(get_current_ancestor_cgroup_id, bpf_get_current_ancestor_cgroup_id_helper, BASE_BPF, false, INT, ANY),
	H(get_current_task, NULL, BASE_PERF, true, INT),
	H(get_current_task_btf, NULL, BASE_PERF, true, RET_PTR_TO_BTF_ID_TRUSTED),
	H(task_pt_regs, NULL, BASE_PERF, true, RET_PTR_TO_BTF_ID, ARG_PTR_TO_BTF_ID),

	/* strings and output */
	HSZ(strtol, bpf_strtol_helper, BASE, false, INT, (0, 0, 0, 8),
		RO_MEM, SIZE, ANY, STRTOX_RES),
	HSZ(strtoul, bpf_strtoul_helper, BASE, false, INT, (0, 0, 0, 8),
		RO_MEM, SIZE, ANY, STRTOX_RES),
	H(strncmp, bpf_strncmp_helper, BASE, false, INT, RO_MEM, SIZE, ARG_PTR_TO_CONST_STR),
	H(trace_printk, bpf_trace_printk_helper, BASE_PERF, true, INT, RO_MEM, SIZE),
	H(trace_vprintk, bpf_trace_vprintk_helper, BASE_PERF, true, INT, RO_MEM, SIZE,
		RO_MEM | PTR_MAYBE_NULL, SIZE0),
	H(snprintf, bpf_snprintf_helper, BASE_PERF, true, INT, ARG_PTR_TO_MEM_OR_NULL, SIZE0,
		ARG_PTR_TO_CONST_STR, RO_MEM | PTR_MAYBE_NULL, SIZE0),
	[BPF_FUNC_copy_from_user] = {{.name = "copy_from_user", .func = bpf_copy_from_user_helper,
		.might_sleep = true,
		.ret_type = INT, .arg_type = {ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY}}, BASE_PERF},
	[BPF_FUNC_copy_from_user_task] = {{.name = "copy_from_user_task", .gpl_only = true,
		.might_sleep = true, .ret_type = INT, .arg_type = {ARG_PTR_TO_UNINIT_MEM, SIZE0,
		ANY, ARG_PTR_TO_BTF_ID, ANY}}, BASE_PERF},
	H(snprintf_btf, NULL, BASE_PERF, false, INT, ARG_PTR_TO_MEM | MEM_WRITE, SIZE, RO_MEM,
		SIZE, ANY),

	/* reading memory that may fault */
	H(probe_read_user, bpf_probe_read_helper, BASE_PERF, true, INT, ARG_PTR_TO_UNINIT_MEM,
		SIZE0, ANY),
	H(probe_read_kernel, bpf_probe_read_kernel_helper, BASE_PERF, true, INT, ARG_PTR_TO_UNINIT_MEM,
		SIZE0, ANY),
	H(probe_read_user_str, bpf_probe_read_str_helper, BASE_PERF, true, INT,
		ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY),
	H(probe_read_kernel_str, bpf_probe_read_kernel_str_helper, BASE_PERF, true, INT,
		ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY),
	H(probe_read, bpf_probe_read_helper, TYPE, true, INT, ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY),
	H(probe_read_str, bpf_probe_read_str_helper, TYPE, true, INT, ARG_PTR_TO_UNINIT_MEM,
		SIZE0, ANY),

	/* ring buffer, perf events */
	H(ringbuf_output, bpf_ringbuf_output_helper, BASE, false, INT, MAP, RO_MEM, SIZE0, ANY),
	H(ringbuf_reserve, bpf_ringbuf_reserve_helper, BASE, false,
		RET_PTR_TO_RINGBUF_MEM_OR_NULL, MAP, ARG_CONST_ALLOC_SIZE_OR_ZERO, ANY),
	H(ringbuf_submit, bpf_ringbuf_submit_helper, BASE, false, VOID,
		ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE, ANY),
	H(ringbuf_discard, bpf_ringbuf_discard_helper, BASE, false, VOID,
		ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE, ANY),
	H(ringbuf_query, bpf_ringbuf_query_helper, BASE, false, INT, MAP, ANY),
	H(ringbuf_reserve_dynptr, bpf_ringbuf_reserve_dynptr_helper, BASE_BPF, false, INT, MAP,
		ANY, ANY, DYNPTR_RB_UNINIT),
	H(ringbuf_submit_dynptr, bpf_ringbuf_submit_dynptr_helper, BASE_BPF, false, VOID,
		DYNPTR_RB_RELEASE, ANY),
	H(ringbuf_discard_dynptr, bpf_ringbuf_discard_dynptr_helper, BASE_BPF, false, VOID,
		DYNPTR_RB_RELEASE, ANY),
	H(user_ringbuf_drain, NULL, BASE_BPF, false, INT, MAP, ARG_PTR_TO_FUNC,
		ARG_PTR_TO_STACK_OR_NULL, ANY),
	H(perf_event_output, bpf_perf_event_output_helper, BASE_PERF, true, INT, CTX, MAP, ANY,
		RO_MEM, SIZE0),
	H(perf_event_read, NULL, BASE_PERF, true, INT, MAP, ANY),
	H(perf_event_read_value, NULL, BASE_PERF, true, INT, MAP, ANY, ARG_PTR_TO_UNINIT_MEM,
		SIZE),
	H(current_task_under_cgroup, NULL, BASE_PERF, false, INT, MAP, ANY),

	/* callbacks, locks */
	H(loop, bpf_loop_helper, BASE_BPF, false, INT, ANY, ARG_PTR_TO_FUNC,
		ARG_PTR_TO_STACK_OR_NULL, ANY),
	H(spin_lock, bpf_spin_lock_helper, BASE_BPF, false, VOID, ARG_PTR_TO_SPIN_LOCK),
	H(spin_unlock, bpf_spin_unlock_helper, BASE_BPF, false, VOID, ARG_PTR_TO_SPIN_LOCK),

	/* call chains (helper_stack.c; the map: maps/map_stack_trace.c), the attach cookie,
	 * the task's net_cls class id */
	H(get_stackid, bpf_get_stackid_helper, TYPE, true, INT, CTX, MAP, ANY),
	H(get_stack, bpf_get_stack_helper, TYPE, true, INT, CTX, ARG_PTR_TO_UNINIT_MEM, SIZE0,
		ANY),
	H(get_attach_cookie, bpf_get_attach_cookie_helper, TYPE, false, INT, CTX),
	H(get_cgroup_classid, bpf_get_cgroup_classid_curr_helper, BASE, false, INT),

	/* prototypes only: tracing, tasks, local storage */
	H(get_func_ip, NULL, TYPE, true, INT, CTX),
	H(get_task_stack, NULL, BASE_PERF, false, INT, ARG_PTR_TO_BTF_ID, ARG_PTR_TO_UNINIT_MEM,
		SIZE0, ANY),
	H(find_vma, NULL, BASE_PERF, false, INT, ARG_PTR_TO_BTF_ID, ANY, ARG_PTR_TO_FUNC,
		ARG_PTR_TO_STACK_OR_NULL, ANY),
	H(task_storage_get, NULL, BASE_BPF, false, RET_PTR_TO_MAP_VALUE_OR_NULL, MAP,
		ARG_PTR_TO_BTF_ID_OR_NULL, ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY),
	H(task_storage_delete, NULL, BASE_BPF, false, INT, MAP, ARG_PTR_TO_BTF_ID_OR_NULL),
	H(cgrp_storage_get, NULL, BASE_BPF, false, RET_PTR_TO_MAP_VALUE_OR_NULL, MAP,
		ARG_PTR_TO_BTF_ID_OR_NULL, ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY),
	H(cgrp_storage_delete, NULL, BASE_BPF, false, INT, MAP, ARG_PTR_TO_BTF_ID_OR_NULL),

	/* sockets by pointer (any type that may hold one: bpf_sk_base_func_proto and the
	 * tracing variants). Prototypes only: no program of ours holds a BTF-typed socket, and a
	 * socket from sk_lookup_* is released by sk_release's runtime in src/progtypes. */
	H(sk_release, NULL, TYPE, false, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE),
	[BPF_FUNC_skc_to_tcp6_sock] = {{.name = "skc_to_tcp6_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	[BPF_FUNC_skc_to_tcp_sock] = {{.name = "skc_to_tcp_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	[BPF_FUNC_skc_to_tcp_timewait_sock] = {{.name = "skc_to_tcp_timewait_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	[BPF_FUNC_skc_to_tcp_request_sock] = {{.name = "skc_to_tcp_request_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	[BPF_FUNC_skc_to_udp6_sock] = {{.name = "skc_to_udp6_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	[BPF_FUNC_skc_to_unix_sock] = {{.name = "skc_to_unix_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON}}, TYPE},
	/* mptcp's cast takes the older socket kinds only (no BTF pointers) */
	[BPF_FUNC_skc_to_mptcp_sock] = {{.name = "skc_to_mptcp_sock",
		.ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {ARG_PTR_TO_SOCK_COMMON}}, TYPE},
	H(sk_cgroup_id, NULL, TYPE, false, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON),
	H(sk_ancestor_cgroup_id, NULL, TYPE, false, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON, ANY),
	H(sk_storage_get, NULL, TYPE, false, RET_PTR_TO_MAP_VALUE_OR_NULL, MAP,
		ARG_PTR_TO_BTF_ID_SOCK_COMMON, ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY),
	H(sk_storage_delete, NULL, TYPE, false, INT, MAP, ARG_PTR_TO_BTF_ID_SOCK_COMMON),
	H(get_local_storage, NULL, TYPE, false, RET_PTR_TO_MAP_VALUE, MAP, ANY),
	H(tcp_check_syncookie, NULL, TYPE, true, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON, RO_MEM, SIZE,
		RO_MEM, SIZE),
	H(tcp_gen_syncookie, NULL, TYPE, true, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON, RO_MEM, SIZE,
		RO_MEM, SIZE),
	[BPF_FUNC_tcp_raw_gen_syncookie_ipv4] = {{.name = "tcp_raw_gen_syncookie_ipv4",
		.gpl_only = true, .pkt_access = true, .ret_type = INT,
		.arg_type = {ARG_PTR_TO_FIXED_SIZE_MEM, RO_MEM, SIZE0}, .arg_size = {20}}, TYPE},
	[BPF_FUNC_tcp_raw_gen_syncookie_ipv6] = {{.name = "tcp_raw_gen_syncookie_ipv6",
		.gpl_only = true, .pkt_access = true, .ret_type = INT,
		.arg_type = {ARG_PTR_TO_FIXED_SIZE_MEM, RO_MEM, SIZE0}, .arg_size = {40}}, TYPE},
	[BPF_FUNC_tcp_raw_check_syncookie_ipv4] = {{.name = "tcp_raw_check_syncookie_ipv4",
		.gpl_only = true, .pkt_access = true, .ret_type = INT,
		.arg_type = {ARG_PTR_TO_FIXED_SIZE_MEM, ARG_PTR_TO_FIXED_SIZE_MEM},
		.arg_size = {20, 20}}, TYPE},
	[BPF_FUNC_tcp_raw_check_syncookie_ipv6] = {{.name = "tcp_raw_check_syncookie_ipv6",
		.gpl_only = true, .pkt_access = true, .ret_type = INT,
		.arg_type = {ARG_PTR_TO_FIXED_SIZE_MEM, ARG_PTR_TO_FIXED_SIZE_MEM},
		.arg_size = {40, 20}}, TYPE},

	/* tracing and syscall programs' variants (the socket cookie of a socket pointer, output
	 * of a BTF-typed skb/xdp, files, the bpf() of syscall programs) and perf_event's */
	H(get_socket_cookie, NULL, TYPE, false, INT, ARG_PTR_TO_BTF_ID_SOCK_COMMON),
	H(skb_output, NULL, TYPE, true, INT, ARG_PTR_TO_BTF_ID, MAP, ANY, RO_MEM, SIZE0),
	H(xdp_output, NULL, TYPE, true, INT, ARG_PTR_TO_BTF_ID, MAP, ANY, RO_MEM, SIZE0),
	H(xdp_get_buff_len, NULL, TYPE, false, INT, ARG_PTR_TO_BTF_ID),
	H(sock_from_file, NULL, TYPE, false, RET_PTR_TO_BTF_ID_OR_NULL, ARG_PTR_TO_BTF_ID),
	[BPF_FUNC_d_path] = {{.name = "d_path", .ret_type = INT, .allowed = bpf_never_allowed,
		.arg_type = {ARG_PTR_TO_BTF_ID, ARG_PTR_TO_MEM | MEM_WRITE, SIZE0}}, TYPE},
	H(sys_bpf, NULL, TYPE, false, INT, ANY, RO_MEM, SIZE),
	H(btf_find_by_name_kind, NULL, TYPE, false, INT, RO_MEM, SIZE, ANY, ANY),
	H(sys_close, NULL, TYPE, false, INT, ANY),
	HSZ(kallsyms_lookup_name, NULL, TYPE, false, INT, (0, 0, 0, 8), RO_MEM, SIZE, ANY,
		STRTOX_RES),
	H(perf_prog_read_value, NULL, TYPE, true, INT, CTX, ARG_PTR_TO_UNINIT_MEM, SIZE),
	H(read_branch_records, NULL, TYPE, true, INT, CTX, ARG_PTR_TO_MEM_OR_NULL, SIZE0, ANY),

	/* prototypes only: timers, kptrs, per-CPU pointers; then dynptrs (helper_dynptr.c) */
	H(timer_init, NULL, BASE_BPF, true, INT, ARG_PTR_TO_TIMER, MAP, ANY),
	H(timer_set_callback, NULL, BASE_BPF, true, INT, ARG_PTR_TO_TIMER, ARG_PTR_TO_FUNC),
	H(timer_start, NULL, BASE_BPF, true, INT, ARG_PTR_TO_TIMER, ANY, ANY),
	H(timer_cancel, NULL, BASE_BPF, true, INT, ARG_PTR_TO_TIMER),
	H(kptr_xchg, NULL, BASE_BPF, false, RET_PTR_TO_BTF_ID_OR_NULL, ARG_KPTR_XCHG_DEST,
		ARG_PTR_TO_BTF_ID_OR_NULL | OBJ_RELEASE),
	H(per_cpu_ptr, NULL, BASE_BPF, false, RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL | MEM_RDONLY,
		ARG_PTR_TO_PERCPU_BTF_ID, ANY),
	H(this_cpu_ptr, NULL, BASE_BPF, false, RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY,
		ARG_PTR_TO_PERCPU_BTF_ID),
	H(dynptr_from_mem, bpf_dynptr_from_mem_helper, BASE_BPF, false, INT,
		ARG_PTR_TO_UNINIT_MEM, SIZE0, ANY,
		ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_LOCAL | MEM_UNINIT | MEM_WRITE),
	H(dynptr_read, bpf_dynptr_read_helper, BASE_BPF, false, INT, ARG_PTR_TO_UNINIT_MEM,
		SIZE0, ARG_PTR_TO_DYNPTR | MEM_RDONLY, ANY, ANY),
	H(dynptr_write, bpf_dynptr_write_helper, BASE_BPF, false, INT,
		ARG_PTR_TO_DYNPTR | MEM_RDONLY, ANY, RO_MEM, SIZE0, ANY),
	H(dynptr_data, bpf_dynptr_data_helper, BASE_BPF, false, RET_PTR_TO_DYNPTR_MEM_OR_NULL,
		ARG_PTR_TO_DYNPTR | MEM_RDONLY, ANY, ARG_CONST_ALLOC_SIZE_OR_ZERO),
};
/* clang-format on */

#define NR_HELPERS (sizeof helpers / sizeof helpers[0])

static const struct helper_entry *entry(uint32_t id)
{
	if (id >= NR_HELPERS || !helpers[id].proto.name)
		return NULL;
	return &helpers[id];
}

const struct bpf_func_proto *bpf_helper_proto_any(uint32_t id)
{
	const struct helper_entry *h = entry(id);
	return h ? &h->proto : NULL;
}

const struct bpf_func_proto *bpf_base_func_proto(uint32_t id)
{
	const struct helper_entry *h = entry(id);
	return h && h->level != TYPE ? &h->proto : NULL;
}

const struct bpf_func_proto *bpf_helper_proto(uint32_t id)
{
	return bpf_base_func_proto(id);
}

#define FUNC_NAME(id, name) [id] = "bpf_" #name,
static const char *const func_names[] = {USERBPF_FUNC_MAPPER(FUNC_NAME)};

const char *bpf_func_id_name(uint32_t id)
{
	if (id >= sizeof func_names / sizeof func_names[0] || !func_names[id])
		return "unknown";
	return func_names[id];
}

void bpf_helpers_install(struct userbpf_vm *vm)
{
	for (uint32_t id = 0; id < NR_HELPERS; id++)
		if (helpers[id].proto.func)
			userbpf_vm_set_helper(vm, id, helpers[id].proto.func);
}
