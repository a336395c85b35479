/* pt_helpers.h — the packet helpers (skb and xdp) and their prototypes.
 *
 * Helpers get the ctx in r1. In a trusted run the verifier proved it is the program's
 * ctx (ARG_PTR_TO_CTX); in a guarded run it is compared with the ctx of the run in
 * progress on this thread (pt_current_ctx), since nothing else proved it.
 */
#ifndef USERBPF_PROGTYPES_PT_HELPERS_H
#define USERBPF_PROGTYPES_PT_HELPERS_H

#include "progtypes/pt_internal.h"

#define PT_ERR(e) ((uint64_t)(int64_t)(e))
#define PT_PTR(x) ((void *)(uintptr_t)(x))

enum pt_ctx_kind { PT_CTX_NONE, PT_CTX_SKB, PT_CTX_XDP, PT_CTX_SK_LOOKUP, PT_CTX_SYSCTL };
extern _Thread_local enum pt_ctx_kind pt_current_kind;

/* The run's ctx as r1 names it, or NULL when a guarded run passes something else. */
static inline void *pt_ctx_arg(struct userbpf_run_ctx *rc, uint64_t r1, enum pt_ctx_kind kind)
{
	void *p = PT_PTR(r1);
	if (userbpf_run_guarded(rc) && (p != pt_current_ctx || pt_current_kind != kind || !p))
		return NULL;
	return p;
}
static inline struct pt_skb *pt_skb_arg(struct userbpf_run_ctx *rc, uint64_t r1)
{
	return pt_ctx_arg(rc, r1, PT_CTX_SKB);
}
static inline struct pt_xdp *pt_xdp_arg(struct userbpf_run_ctx *rc, uint64_t r1)
{
	return pt_ctx_arg(rc, r1, PT_CTX_XDP);
}

/* May the program's memory [p, p + len) be used with prot? (0 bytes: nothing is used.) */
static inline bool pt_mem_ok(struct userbpf_run_ctx *rc, uint64_t p, uint64_t len, unsigned prot)
{
	return len == 0 || userbpf_run_access_ok(rc, PT_PTR(p), (size_t)len, prot);
}

/* skb state after a change of data or len: pointers, and the guarded packet region. */
void pt_skb_sync(struct pt_skb *skb);
void pt_xdp_sync(struct pt_xdp *xdp);

/* The kernel's checksum arithmetic (pt_csum.c). */
uint32_t pt_csum_add(uint32_t a, uint32_t b);
uint32_t pt_csum_sub(uint32_t a, uint32_t b);
uint16_t pt_csum_fold(uint32_t sum);
uint32_t pt_csum_partial(const void *buf, size_t len, uint32_t sum);

/* Prototypes by id for the skb types and xdp (NULL: not ours). */
const struct bpf_func_proto *pt_skb_proto(uint32_t id);
const struct bpf_func_proto *pt_xdp_proto(uint32_t id);
extern const struct bpf_func_proto pt_sk_skb_pull_data_proto;
extern const struct bpf_func_proto pt_flow_dissector_load_bytes_proto;
extern const struct bpf_func_proto pt_skb_get_cgroup_classid_proto;
extern const struct bpf_func_proto pt_csum_diff_proto, pt_l3_csum_replace_proto,
        pt_l4_csum_replace_proto, pt_csum_update_proto, pt_csum_level_proto;

/* Helpers of the socket and cgroup types (pt_sk_lookup.c, pt_cgroup.c): the type's own
 * prototypes by id (NULL: not one of the type's own). */
const struct bpf_func_proto *pt_sk_lookup_proto(uint32_t id);
const struct bpf_func_proto *pt_sk_reuseport_proto(uint32_t id);
const struct bpf_func_proto *pt_sysctl_proto(uint32_t id);
const struct bpf_func_proto *pt_sockopt_proto(uint32_t id, uint32_t eat);
/* bpf_sk_fullsock / bpf_tcp_sock / bpf_get_listener_sock on a socket pointer (pt_sock.c) */
const struct bpf_func_proto *pt_sk_cast_proto(uint32_t id);
/* bpf_get_retval / bpf_set_retval, shared by every cgroup hook that may call them */
const struct bpf_func_proto *pt_cgroup_retval_proto(uint32_t id);

/* The networking variants by program type (pt_net_protos.c): the prototype the type gets
 * for id when the type's own table has none, or NULL. */
const struct bpf_func_proto *pt_net_proto(uint32_t prog_type, uint32_t id);

/* The type's helper set (pt_funcs.c). */
bool pt_func_allowed(uint32_t prog_type, uint32_t eat, uint32_t func_id);
const struct bpf_func_proto *pt_get_func_proto(uint32_t prog_type, uint32_t eat, uint32_t func_id);
/* Does the type's helper set depend on the expected attach type? */
bool pt_func_depends_on_attach(uint32_t prog_type);

/* Runtimes of the skb/xdp helpers of pt_net_protos.c (pt_skb_net.c). */
BPF_HELPER_DECL(pt_skb_get_socket_cookie);
BPF_HELPER_DECL(pt_skb_get_socket_uid);
BPF_HELPER_DECL(pt_skb_cgroup_id);
BPF_HELPER_DECL(pt_skb_ancestor_cgroup_id);
BPF_HELPER_DECL(pt_skb_cgroup_classid);
BPF_HELPER_DECL(pt_sk_lookup_none);
BPF_HELPER_DECL(pt_skb_vlan_push);
BPF_HELPER_DECL(pt_skb_vlan_pop);
BPF_HELPER_DECL(pt_skb_change_proto);
BPF_HELPER_DECL(pt_skb_check_mtu);
BPF_HELPER_DECL(pt_xdp_check_mtu);
BPF_HELPER_DECL(pt_redirect_peer);
BPF_HELPER_DECL(pt_skb_set_tstamp);
BPF_HELPER_DECL(pt_redirect_neigh);
BPF_HELPER_DECL(pt_skb_get_xfrm_state);
BPF_HELPER_DECL(pt_sk_cgroup_id);
BPF_HELPER_DECL(pt_sk_ancestor_cgroup_id);
BPF_HELPER_DECL(pt_skc_to_tcp6_sock);
BPF_HELPER_DECL(pt_skc_to_tcp_sock);
BPF_HELPER_DECL(pt_skc_to_tcp_timewait_sock);
BPF_HELPER_DECL(pt_skc_to_tcp_request_sock);
BPF_HELPER_DECL(pt_skc_to_udp6_sock);
BPF_HELPER_DECL(pt_skc_to_unix_sock);
BPF_HELPER_DECL(pt_skc_to_mptcp_sock);

/* LD_ABS / LD_IND runtime (pt_skb_helpers.c). */
BPF_HELPER_DECL(pt_ld_abs_8);
BPF_HELPER_DECL(pt_ld_abs_16);
BPF_HELPER_DECL(pt_ld_abs_32);

#endif /* USERBPF_PROGTYPES_PT_HELPERS_H */
