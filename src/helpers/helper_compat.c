/* helper_compat.c — which helpers may take which maps: the kernel's
 * check_map_func_compatibility, as two tables.
 *
 * The check goes both ways. A map type may restrict the helpers it can be passed to
 * (map_allowed: a prog array only to bpf_tail_call; a type not listed allows any helper),
 * and a helper may restrict the map types it accepts (func_required: bpf_tail_call only a
 * prog array; a helper not listed takes any map). A call passes when both agree; the
 * refusal is the kernel's "cannot pass map_type %d into func %s#%d".
 *
 * One rule depends on the program: sockmap and sockhash take map_update_elem and
 * map_delete_elem only in some program types (may_update_sockmap), and the kernel logs
 * "cannot update sockmap in this context" before its refusal.
 */
#include <errno.h>
#include <stdio.h>

#include "helpers/helpers.h"

#define FUNCS(...) ((const uint32_t[]){__VA_ARGS__, 0})
#define MAPS(...) ((const uint32_t[]){__VA_ARGS__, BPF_MAP_TYPE_UNSPEC})

/* clang-format off */
static const uint32_t *const map_allowed[] = {
	[BPF_MAP_TYPE_PROG_ARRAY] = FUNCS(BPF_FUNC_tail_call),
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = FUNCS(BPF_FUNC_perf_event_read, BPF_FUNC_perf_event_output,
		BPF_FUNC_skb_output, BPF_FUNC_perf_event_read_value, BPF_FUNC_xdp_output),
	[BPF_MAP_TYPE_RINGBUF] = FUNCS(BPF_FUNC_ringbuf_output, BPF_FUNC_ringbuf_reserve,
		BPF_FUNC_ringbuf_query, BPF_FUNC_ringbuf_reserve_dynptr,
		BPF_FUNC_ringbuf_submit_dynptr, BPF_FUNC_ringbuf_discard_dynptr),
	[BPF_MAP_TYPE_USER_RINGBUF] = FUNCS(BPF_FUNC_user_ringbuf_drain),
	[BPF_MAP_TYPE_STACK_TRACE] = FUNCS(BPF_FUNC_get_stackid),
	[BPF_MAP_TYPE_CGROUP_ARRAY] = FUNCS(BPF_FUNC_skb_under_cgroup,
		BPF_FUNC_current_task_under_cgroup),
	[BPF_MAP_TYPE_CGROUP_STORAGE] = FUNCS(BPF_FUNC_get_local_storage),
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = FUNCS(BPF_FUNC_get_local_storage),
	[BPF_MAP_TYPE_DEVMAP] = FUNCS(BPF_FUNC_redirect_map, BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_DEVMAP_HASH] = FUNCS(BPF_FUNC_redirect_map, BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_CPUMAP] = FUNCS(BPF_FUNC_redirect_map),
	[BPF_MAP_TYPE_XSKMAP] = FUNCS(BPF_FUNC_redirect_map, BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = FUNCS(BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_HASH_OF_MAPS] = FUNCS(BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_SOCKMAP] = FUNCS(BPF_FUNC_sk_redirect_map, BPF_FUNC_sock_map_update,
		BPF_FUNC_msg_redirect_map, BPF_FUNC_sk_select_reuseport, BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_SOCKHASH] = FUNCS(BPF_FUNC_sk_redirect_hash, BPF_FUNC_sock_hash_update,
		BPF_FUNC_msg_redirect_hash, BPF_FUNC_sk_select_reuseport, BPF_FUNC_map_lookup_elem),
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = FUNCS(BPF_FUNC_sk_select_reuseport),
	[BPF_MAP_TYPE_QUEUE] = FUNCS(BPF_FUNC_map_peek_elem, BPF_FUNC_map_pop_elem,
		BPF_FUNC_map_push_elem),
	[BPF_MAP_TYPE_STACK] = FUNCS(BPF_FUNC_map_peek_elem, BPF_FUNC_map_pop_elem,
		BPF_FUNC_map_push_elem),
	[BPF_MAP_TYPE_SK_STORAGE] = FUNCS(BPF_FUNC_sk_storage_get, BPF_FUNC_sk_storage_delete,
		BPF_FUNC_kptr_xchg),
	[BPF_MAP_TYPE_INODE_STORAGE] = FUNCS(BPF_FUNC_inode_storage_get,
		BPF_FUNC_inode_storage_delete, BPF_FUNC_kptr_xchg),
	[BPF_MAP_TYPE_TASK_STORAGE] = FUNCS(BPF_FUNC_task_storage_get,
		BPF_FUNC_task_storage_delete, BPF_FUNC_kptr_xchg),
	[BPF_MAP_TYPE_CGRP_STORAGE] = FUNCS(BPF_FUNC_cgrp_storage_get,
		BPF_FUNC_cgrp_storage_delete, BPF_FUNC_kptr_xchg),
	[BPF_MAP_TYPE_BLOOM_FILTER] = FUNCS(BPF_FUNC_map_peek_elem, BPF_FUNC_map_push_elem),
};

static const uint32_t *const func_required[] = {
	[BPF_FUNC_tail_call] = MAPS(BPF_MAP_TYPE_PROG_ARRAY),
	[BPF_FUNC_perf_event_read] = MAPS(BPF_MAP_TYPE_PERF_EVENT_ARRAY),
	[BPF_FUNC_perf_event_output] = MAPS(BPF_MAP_TYPE_PERF_EVENT_ARRAY),
	[BPF_FUNC_perf_event_read_value] = MAPS(BPF_MAP_TYPE_PERF_EVENT_ARRAY),
	[BPF_FUNC_skb_output] = MAPS(BPF_MAP_TYPE_PERF_EVENT_ARRAY),
	[BPF_FUNC_xdp_output] = MAPS(BPF_MAP_TYPE_PERF_EVENT_ARRAY),
	[BPF_FUNC_ringbuf_output] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_ringbuf_reserve] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_ringbuf_query] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_ringbuf_reserve_dynptr] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_ringbuf_submit_dynptr] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_ringbuf_discard_dynptr] = MAPS(BPF_MAP_TYPE_RINGBUF),
	[BPF_FUNC_user_ringbuf_drain] = MAPS(BPF_MAP_TYPE_USER_RINGBUF),
	[BPF_FUNC_get_stackid] = MAPS(BPF_MAP_TYPE_STACK_TRACE),
	[BPF_FUNC_current_task_under_cgroup] = MAPS(BPF_MAP_TYPE_CGROUP_ARRAY),
	[BPF_FUNC_skb_under_cgroup] = MAPS(BPF_MAP_TYPE_CGROUP_ARRAY),
	[BPF_FUNC_redirect_map] = MAPS(BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH,
		BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP),
	[BPF_FUNC_sk_redirect_map] = MAPS(BPF_MAP_TYPE_SOCKMAP),
	[BPF_FUNC_msg_redirect_map] = MAPS(BPF_MAP_TYPE_SOCKMAP),
	[BPF_FUNC_sock_map_update] = MAPS(BPF_MAP_TYPE_SOCKMAP),
	[BPF_FUNC_sk_redirect_hash] = MAPS(BPF_MAP_TYPE_SOCKHASH),
	[BPF_FUNC_msg_redirect_hash] = MAPS(BPF_MAP_TYPE_SOCKHASH),
	[BPF_FUNC_sock_hash_update] = MAPS(BPF_MAP_TYPE_SOCKHASH),
	[BPF_FUNC_get_local_storage] = MAPS(BPF_MAP_TYPE_CGROUP_STORAGE,
		BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE),
	[BPF_FUNC_sk_select_reuseport] = MAPS(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
		BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH),
	[BPF_FUNC_map_pop_elem] = MAPS(BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK),
	[BPF_FUNC_map_peek_elem] = MAPS(BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK,
		BPF_MAP_TYPE_BLOOM_FILTER),
	[BPF_FUNC_map_push_elem] = MAPS(BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK,
		BPF_MAP_TYPE_BLOOM_FILTER),
	[BPF_FUNC_map_lookup_percpu_elem] = MAPS(BPF_MAP_TYPE_PERCPU_ARRAY,
		BPF_MAP_TYPE_PERCPU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH),
	[BPF_FUNC_sk_storage_get] = MAPS(BPF_MAP_TYPE_SK_STORAGE),
	[BPF_FUNC_sk_storage_delete] = MAPS(BPF_MAP_TYPE_SK_STORAGE),
	[BPF_FUNC_inode_storage_get] = MAPS(BPF_MAP_TYPE_INODE_STORAGE),
	[BPF_FUNC_inode_storage_delete] = MAPS(BPF_MAP_TYPE_INODE_STORAGE),
	[BPF_FUNC_task_storage_get] = MAPS(BPF_MAP_TYPE_TASK_STORAGE),
	[BPF_FUNC_task_storage_delete] = MAPS(BPF_MAP_TYPE_TASK_STORAGE),
	[BPF_FUNC_cgrp_storage_get] = MAPS(BPF_MAP_TYPE_CGRP_STORAGE),
	[BPF_FUNC_cgrp_storage_delete] = MAPS(BPF_MAP_TYPE_CGRP_STORAGE),
};
/* clang-format on */

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const uint32_t *bpf_map_allowed_funcs(uint32_t map_type)
{
	return map_type < ARRAY_LEN(map_allowed) ? map_allowed[map_type] : NULL;
}

const uint32_t *bpf_func_required_maps(uint32_t func_id)
{
	return func_id < ARRAY_LEN(func_required) ? func_required[func_id] : NULL;
}

static bool listed(const uint32_t *list, uint32_t v)
{
	for (; *list; list++)
		if (*list == v)
			return true;
	return false;
}

/* may_update_sockmap: sockmap/sockhash updates and deletes in these program types only.
 * Returns whether the call is allowed; *logged says the kernel logged its reason. */
static bool may_update_sockmap(uint32_t func_id, uint32_t prog_type, uint32_t attach, bool *logged)
{
	*logged = false;
	if (func_id != BPF_FUNC_map_update_elem && func_id != BPF_FUNC_map_delete_elem)
		return false;
	switch (prog_type) {
	case BPF_PROG_TYPE_TRACING:
		if (attach == BPF_TRACE_ITER)
			return true;
		break;
	case BPF_PROG_TYPE_SOCK_OPS:
		if (func_id == BPF_FUNC_map_delete_elem)
			return true;
		break;
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_SK_REUSEPORT:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_SK_LOOKUP:
		return true;
	default:
		break;
	}
	*logged = true;
	return false;
}

int bpf_check_map_func_compat(uint32_t map_type, uint32_t func_id, uint32_t prog_type,
                              uint32_t expected_attach_type, char *msg, size_t msg_len)
{
	bool ok = true, logged = false;
	const uint32_t *allowed = bpf_map_allowed_funcs(map_type);
	if (allowed && !listed(allowed, func_id))
		ok = (map_type == BPF_MAP_TYPE_SOCKMAP || map_type == BPF_MAP_TYPE_SOCKHASH) &&
		     may_update_sockmap(func_id, prog_type, expected_attach_type, &logged);
	const uint32_t *required = bpf_func_required_maps(func_id);
	if (ok && required && !listed(required, map_type))
		ok = false;
	if (ok)
		return 0;
	if (msg && msg_len)
		snprintf(msg, msg_len, "%scannot pass map_type %u into func %s#%u",
		         logged ? "cannot update sockmap in this context\n" : "", map_type,
		         bpf_func_id_name(func_id), func_id);
	return -EINVAL;
}
