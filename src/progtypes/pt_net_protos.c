/* pt_net_protos.c — helper prototypes by program type: the skb, xdp and socket variants
 * Linux 6.18 gives each type (net/core/filter.c's *_func_proto; also perf_event's
 * get_stackid), for the helpers the type-specific tables (pt_skb_helpers.c, pt_xdp.c,
 * pt_sock.c, pt_cgroup.c, pt_sk_lookup.c) do not hold.
 *
 * One table: helper id, the program types that get this variant, the prototype. The first
 * row whose types include the program's wins; a type no row names falls back to the
 * type-free prototype in src/helpers (the tracing variants). Which ids a type may call at
 * all is pt_funcs.c's business; this file only says which prototype. The prototypes are
 * the kernel's (return and argument kinds with flags, gpl_only, pkt_access, fixed sizes),
 * checked call by call against the host kernel by tests/unit/test_helpers_protos.c.
 *
 * A NULL runtime means the verifier knows the helper and a run that calls it stops
 * (docs/HELPERS.md 3b says why for each); runtimes live in pt_skb_net.c.
 */
#include "progtypes/pt_helpers.h"

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING
#define MAP ARG_CONST_MAP_PTR
#define KEY ARG_PTR_TO_MAP_KEY
#define RO_MEM (ARG_PTR_TO_MEM | MEM_RDONLY)
#define SIZE ARG_CONST_SIZE
#define SIZE0 ARG_CONST_SIZE_OR_ZERO
#define SOCK ARG_PTR_TO_BTF_ID_SOCK_COMMON
#define INT RET_INTEGER

#define T(t) (1ull << BPF_PROG_TYPE_##t)
#define TC (T(SCHED_CLS) | T(SCHED_ACT))
#define LWT (T(LWT_IN) | T(LWT_OUT) | T(LWT_XMIT) | T(LWT_SEG6LOCAL))
#define SKB_TYPES (T(SOCKET_FILTER) | TC | T(CGROUP_SKB) | LWT | T(SK_SKB))

/* P(name, runtime, ret, args...): a prototype; PG: gpl_only; PP: pkt_access. */
#define P(nm, fn, ret, ...)                                                                        \
	{                                                                                          \
		.name = #nm, .func = fn, .ret_type = ret, .arg_type = { __VA_ARGS__ }              \
	}
#define PG(nm, fn, ret, ...)                                                                       \
	{                                                                                          \
		.name = #nm, .func = fn, .gpl_only = true, .ret_type = ret, .arg_type = {          \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}
#define PP(nm, fn, ret, ...)                                                                       \
	{                                                                                          \
		.name = #nm, .func = fn, .pkt_access = true, .ret_type = ret, .arg_type = {        \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}

/* clang-format off */
/* skb variants (r1 is the skb) */
static const struct bpf_func_proto
	clone_redirect = P(clone_redirect, NULL, INT, CTX, ANY, ANY),
	vlan_push = P(skb_vlan_push, pt_skb_vlan_push, INT, CTX, ANY, ANY),
	vlan_pop = P(skb_vlan_pop, pt_skb_vlan_pop, INT, CTX),
	get_tunnel_key = P(skb_get_tunnel_key, NULL, INT, CTX, ARG_PTR_TO_UNINIT_MEM, SIZE, ANY),
	set_tunnel_key = P(skb_set_tunnel_key, NULL, INT, CTX, RO_MEM, SIZE, ANY),
	get_tunnel_opt = P(skb_get_tunnel_opt, NULL, INT, CTX, ARG_PTR_TO_UNINIT_MEM, SIZE),
	set_tunnel_opt = P(skb_set_tunnel_opt, NULL, INT, CTX, RO_MEM, SIZE),
	change_proto = P(skb_change_proto, pt_skb_change_proto, INT, CTX, ANY, ANY),
	under_cgroup = P(skb_under_cgroup, NULL, INT, CTX, MAP, ANY),
	socket_cookie = P(get_socket_cookie, pt_skb_get_socket_cookie, INT, CTX),
	socket_uid = P(get_socket_uid, pt_skb_get_socket_uid, INT, CTX),
	adjust_room = P(skb_adjust_room, NULL, INT, CTX, ANY, ANY, ANY),
	xfrm_state = P(skb_get_xfrm_state, pt_skb_get_xfrm_state, INT, CTX, ANY, ARG_PTR_TO_UNINIT_MEM, SIZE, ANY),
	skb_fib_lookup = PG(fib_lookup, NULL, INT, CTX, ARG_PTR_TO_MEM, SIZE, ANY),
	lwt_push_encap = P(lwt_push_encap, NULL, INT, CTX, ANY, RO_MEM, SIZE),
	seg6_store_bytes = P(lwt_seg6_store_bytes, NULL, INT, CTX, ANY, RO_MEM, SIZE),
	seg6_adjust_srh = P(lwt_seg6_adjust_srh, NULL, INT, CTX, ANY, ANY),
	seg6_action = P(lwt_seg6_action, NULL, INT, CTX, ANY, RO_MEM, SIZE),
	skb_cgroup_id = P(skb_cgroup_id, pt_skb_cgroup_id, INT, CTX),
	skb_ancestor_cgroup_id = P(skb_ancestor_cgroup_id, pt_skb_ancestor_cgroup_id, INT, CTX, ANY),
	skb_sk_lookup_tcp = PP(sk_lookup_tcp, pt_sk_lookup_none, RET_PTR_TO_SOCKET_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	skb_sk_lookup_udp = PP(sk_lookup_udp, pt_sk_lookup_none, RET_PTR_TO_SOCKET_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	skb_skc_lookup_tcp = PP(skc_lookup_tcp, pt_sk_lookup_none, RET_PTR_TO_SOCK_COMMON_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	ecn_set_ce = P(skb_ecn_set_ce, NULL, INT, CTX),
	tc_sk_assign = P(sk_assign, NULL, INT, CTX, SOCK, ANY),
	skb_cgroup_classid = P(skb_cgroup_classid, pt_skb_cgroup_classid, INT, CTX),
	redirect_neigh = P(redirect_neigh, pt_redirect_neigh, INT, ANY,
		ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, SIZE0, ANY),
	redirect_peer = P(redirect_peer, pt_redirect_peer, INT, ANY, ANY),
	skb_set_tstamp = P(skb_set_tstamp, pt_skb_set_tstamp, INT, CTX, ANY, ANY),
	sk_redirect_map = P(sk_redirect_map, NULL, INT, CTX, MAP, ANY, ANY),
	sk_redirect_hash = P(sk_redirect_hash, NULL, INT, CTX, MAP, KEY, ANY),
	/* sock_ops */
	sock_ops_setsockopt = P(setsockopt, NULL, INT, CTX, ANY, ANY, RO_MEM, SIZE),
	sock_ops_getsockopt = P(getsockopt, NULL, INT, CTX, ANY, ANY, ARG_PTR_TO_UNINIT_MEM, SIZE),
	sock_map_update = P(sock_map_update, NULL, INT, CTX, MAP, KEY, ANY),
	sock_hash_update = P(sock_hash_update, NULL, INT, CTX, MAP, KEY, ANY),
	cb_flags_set = P(sock_ops_cb_flags_set, NULL, INT, CTX, ANY),
	load_hdr_opt = P(load_hdr_opt, NULL, INT, CTX, ARG_PTR_TO_MEM | MEM_WRITE, SIZE, ANY),
	store_hdr_opt = P(store_hdr_opt, NULL, INT, CTX, RO_MEM, SIZE, ANY),
	reserve_hdr_opt = P(reserve_hdr_opt, NULL, INT, CTX, ANY, ANY),
	/* sk_msg */
	msg_redirect_map = P(msg_redirect_map, NULL, INT, CTX, MAP, ANY, ANY),
	msg_redirect_hash = P(msg_redirect_hash, NULL, INT, CTX, MAP, KEY, ANY),
	msg_apply_bytes = P(msg_apply_bytes, NULL, INT, CTX, ANY),
	msg_cork_bytes = P(msg_cork_bytes, NULL, INT, CTX, ANY),
	msg_pull_data = P(msg_pull_data, NULL, INT, CTX, ANY, ANY, ANY),
	msg_push_data = P(msg_push_data, NULL, INT, CTX, ANY, ANY, ANY),
	msg_pop_data = P(msg_pop_data, NULL, INT, CTX, ANY, ANY, ANY),
	/* cgroup_sock_addr */
	sock_addr_bind = P(bind, NULL, INT, CTX, RO_MEM, SIZE),
	/* cgroup_sock: the storage of the ctx's socket */
	cg_sock_storage_get = P(sk_storage_get, NULL, RET_PTR_TO_MAP_VALUE_OR_NULL, MAP, CTX,
		ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY),
	/* the tracing variants, which no program type of ours may call (syscall programs) */
	tracing_storage_get = {.name = "sk_storage_get", .allowed = bpf_never_allowed,
		.ret_type = RET_PTR_TO_MAP_VALUE_OR_NULL,
		.arg_type = {MAP, ARG_PTR_TO_BTF_ID_OR_NULL, ARG_PTR_TO_MAP_VALUE_OR_NULL, ANY}},
	tracing_storage_delete = {.name = "sk_storage_delete", .allowed = bpf_never_allowed,
		.ret_type = INT, .arg_type = {MAP, ARG_PTR_TO_BTF_ID_OR_NULL}},
	/* xdp variants (r1 is the xdp_buff) */
	xdp_sk_lookup_tcp = PP(sk_lookup_tcp, pt_sk_lookup_none, RET_PTR_TO_SOCKET_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	xdp_sk_lookup_udp = PP(sk_lookup_udp, pt_sk_lookup_none, RET_PTR_TO_SOCKET_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	xdp_skc_lookup_tcp = PP(skc_lookup_tcp, pt_sk_lookup_none, RET_PTR_TO_SOCK_COMMON_OR_NULL,
		CTX, RO_MEM, SIZE, ANY, ANY),
	xdp_fib_lookup = PG(fib_lookup, NULL, INT, CTX, ARG_PTR_TO_MEM, SIZE, ANY),
	xdp_redirect_map = P(redirect_map, NULL, INT, MAP, ANY, ANY);

/* check_mtu: the length in/out through a u32 the helper also writes */
static const struct bpf_func_proto skb_check_mtu = {
	.name = "check_mtu", .gpl_only = true, .func = pt_skb_check_mtu, .ret_type = INT,
	.arg_type = {CTX, ANY, ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED, ANY, ANY},
	.arg_size = {0, 0, 4}};
static const struct bpf_func_proto xdp_check_mtu = {
	.name = "check_mtu", .gpl_only = true, .func = pt_xdp_check_mtu, .ret_type = INT,
	.arg_type = {CTX, ANY, ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED, ANY, ANY},
	.arg_size = {0, 0, 4}};

/* Socket-pointer helpers with the runtimes of pt_skb_net.c, for every type (the same
 * prototypes as src/helpers' entries, which have no runtime: the sockets they can meet are
 * ours, struct bpf_sock). */
#define CAST(nm, fn, arg)                                                                          \
	{.name = #nm, .func = fn, .ret_type = RET_PTR_TO_BTF_ID_OR_NULL, .arg_type = {arg}}
static const struct bpf_func_proto
	sk_cgroup_id = P(sk_cgroup_id, pt_sk_cgroup_id, INT, SOCK),
	sk_ancestor_cgroup_id = P(sk_ancestor_cgroup_id, pt_sk_ancestor_cgroup_id, INT, SOCK, ANY),
	to_tcp6 = CAST(skc_to_tcp6_sock, pt_skc_to_tcp6_sock, SOCK),
	to_tcp = CAST(skc_to_tcp_sock, pt_skc_to_tcp_sock, SOCK),
	to_timewait = CAST(skc_to_tcp_timewait_sock, pt_skc_to_tcp_timewait_sock, SOCK),
	to_request = CAST(skc_to_tcp_request_sock, pt_skc_to_tcp_request_sock, SOCK),
	to_udp6 = CAST(skc_to_udp6_sock, pt_skc_to_udp6_sock, SOCK),
	to_unix = CAST(skc_to_unix_sock, pt_skc_to_unix_sock, SOCK),
	to_mptcp = CAST(skc_to_mptcp_sock, pt_skc_to_mptcp_sock, ARG_PTR_TO_SOCK_COMMON);
#define ALL (~0ull)

/* perf_event's get_stackid (the kernel's _pe variant) is not gpl_only; the runtime is the
 * common one (the sample's call chain is the current one here) */
static const struct bpf_func_proto perf_event_get_stackid = {
	.name = "get_stackid", .func = bpf_get_stackid_helper, .ret_type = INT,
	.arg_type = {CTX, MAP, ANY}};

static const struct {
	uint16_t id;
	uint64_t types;
	const struct bpf_func_proto *proto;
} net_protos[] = {
	{BPF_FUNC_clone_redirect, TC | T(LWT_XMIT), &clone_redirect},
	{BPF_FUNC_skb_vlan_push, TC, &vlan_push},
	{BPF_FUNC_skb_vlan_pop, TC, &vlan_pop},
	{BPF_FUNC_skb_get_tunnel_key, TC | T(LWT_XMIT), &get_tunnel_key},
	{BPF_FUNC_skb_set_tunnel_key, TC | T(LWT_XMIT), &set_tunnel_key},
	{BPF_FUNC_skb_get_tunnel_opt, TC | T(LWT_XMIT), &get_tunnel_opt},
	{BPF_FUNC_skb_set_tunnel_opt, TC | T(LWT_XMIT), &set_tunnel_opt},
	{BPF_FUNC_skb_change_proto, TC, &change_proto},
	{BPF_FUNC_skb_under_cgroup, TC | LWT, &under_cgroup},
	{BPF_FUNC_get_socket_cookie, SKB_TYPES | T(SOCK_OPS) | T(CGROUP_SOCK) |
		T(CGROUP_SOCK_ADDR), &socket_cookie},
	{BPF_FUNC_get_socket_uid, SKB_TYPES, &socket_uid},
	{BPF_FUNC_skb_adjust_room, TC | T(SK_SKB), &adjust_room},
	{BPF_FUNC_skb_get_xfrm_state, TC, &xfrm_state},
	{BPF_FUNC_fib_lookup, TC, &skb_fib_lookup},
	{BPF_FUNC_fib_lookup, T(XDP), &xdp_fib_lookup},
	{BPF_FUNC_lwt_push_encap, T(LWT_IN) | T(LWT_XMIT), &lwt_push_encap},
	{BPF_FUNC_lwt_seg6_store_bytes, T(LWT_SEG6LOCAL), &seg6_store_bytes},
	{BPF_FUNC_lwt_seg6_adjust_srh, T(LWT_SEG6LOCAL), &seg6_adjust_srh},
	{BPF_FUNC_lwt_seg6_action, T(LWT_SEG6LOCAL), &seg6_action},
	{BPF_FUNC_skb_cgroup_id, TC | T(CGROUP_SKB), &skb_cgroup_id},
	{BPF_FUNC_skb_ancestor_cgroup_id, TC | T(CGROUP_SKB), &skb_ancestor_cgroup_id},
	{BPF_FUNC_sk_lookup_tcp, SKB_TYPES | T(CGROUP_SOCK_ADDR), &skb_sk_lookup_tcp},
	{BPF_FUNC_sk_lookup_udp, SKB_TYPES | T(CGROUP_SOCK_ADDR), &skb_sk_lookup_udp},
	{BPF_FUNC_skc_lookup_tcp, SKB_TYPES | T(CGROUP_SOCK_ADDR), &skb_skc_lookup_tcp},
	{BPF_FUNC_sk_lookup_tcp, T(XDP), &xdp_sk_lookup_tcp},
	{BPF_FUNC_sk_lookup_udp, T(XDP), &xdp_sk_lookup_udp},
	{BPF_FUNC_skc_lookup_tcp, T(XDP), &xdp_skc_lookup_tcp},
	{BPF_FUNC_skb_ecn_set_ce, TC | T(CGROUP_SKB), &ecn_set_ce},
	{BPF_FUNC_sk_assign, TC, &tc_sk_assign},
	{BPF_FUNC_skb_cgroup_classid, TC, &skb_cgroup_classid},
	{BPF_FUNC_redirect_neigh, TC, &redirect_neigh},
	{BPF_FUNC_redirect_peer, TC, &redirect_peer},
	{BPF_FUNC_check_mtu, TC, &skb_check_mtu},
	{BPF_FUNC_check_mtu, T(XDP), &xdp_check_mtu},
	{BPF_FUNC_skb_set_tstamp, TC, &skb_set_tstamp},
	{BPF_FUNC_sk_redirect_map, T(SK_SKB), &sk_redirect_map},
	{BPF_FUNC_sk_redirect_hash, T(SK_SKB), &sk_redirect_hash},
	{BPF_FUNC_setsockopt, T(SOCK_OPS) | T(CGROUP_SOCK_ADDR), &sock_ops_setsockopt},
	{BPF_FUNC_getsockopt, T(SOCK_OPS) | T(CGROUP_SOCK_ADDR), &sock_ops_getsockopt},
	{BPF_FUNC_sock_map_update, T(SOCK_OPS), &sock_map_update},
	{BPF_FUNC_sock_hash_update, T(SOCK_OPS), &sock_hash_update},
	{BPF_FUNC_sock_ops_cb_flags_set, T(SOCK_OPS), &cb_flags_set},
	{BPF_FUNC_load_hdr_opt, T(SOCK_OPS), &load_hdr_opt},
	{BPF_FUNC_store_hdr_opt, T(SOCK_OPS), &store_hdr_opt},
	{BPF_FUNC_reserve_hdr_opt, T(SOCK_OPS), &reserve_hdr_opt},
	{BPF_FUNC_msg_redirect_map, T(SK_MSG), &msg_redirect_map},
	{BPF_FUNC_msg_redirect_hash, T(SK_MSG), &msg_redirect_hash},
	{BPF_FUNC_msg_apply_bytes, T(SK_MSG), &msg_apply_bytes},
	{BPF_FUNC_msg_cork_bytes, T(SK_MSG), &msg_cork_bytes},
	{BPF_FUNC_msg_pull_data, T(SK_MSG), &msg_pull_data},
	{BPF_FUNC_msg_push_data, T(SK_MSG), &msg_push_data},
	{BPF_FUNC_msg_pop_data, T(SK_MSG), &msg_pop_data},
	{BPF_FUNC_bind, T(CGROUP_SOCK_ADDR), &sock_addr_bind},
	{BPF_FUNC_sk_storage_get, T(CGROUP_SOCK), &cg_sock_storage_get},
	{BPF_FUNC_sk_storage_get, T(SYSCALL), &tracing_storage_get},
	{BPF_FUNC_sk_storage_delete, T(SYSCALL), &tracing_storage_delete},
	{BPF_FUNC_redirect_map, T(XDP), &xdp_redirect_map},
	{BPF_FUNC_get_stackid, T(PERF_EVENT), &perf_event_get_stackid},
	{BPF_FUNC_sk_cgroup_id, ALL, &sk_cgroup_id},
	{BPF_FUNC_sk_ancestor_cgroup_id, ALL, &sk_ancestor_cgroup_id},
	{BPF_FUNC_skc_to_tcp6_sock, ALL, &to_tcp6},
	{BPF_FUNC_skc_to_tcp_sock, ALL, &to_tcp},
	{BPF_FUNC_skc_to_tcp_timewait_sock, ALL, &to_timewait},
	{BPF_FUNC_skc_to_tcp_request_sock, ALL, &to_request},
	{BPF_FUNC_skc_to_udp6_sock, ALL, &to_udp6},
	{BPF_FUNC_skc_to_unix_sock, ALL, &to_unix},
	{BPF_FUNC_skc_to_mptcp_sock, ALL, &to_mptcp},
};
/* clang-format on */

const struct bpf_func_proto *pt_net_proto(uint32_t prog_type, uint32_t id)
{
	if (prog_type >= 64)
		return NULL;
	if (id == BPF_FUNC_tcp_sock && prog_type == BPF_PROG_TYPE_SOCK_OPS)
		return pt_sk_cast_proto(id);
	for (size_t i = 0; i < sizeof net_protos / sizeof net_protos[0]; i++)
		if (net_protos[i].id == id && (net_protos[i].types & (1ull << prog_type)))
			return net_protos[i].proto;
	return NULL;
}
