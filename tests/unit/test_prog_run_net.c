/* test_prog_run_net.c — BPF_PROG_TEST_RUN of the networking helpers that got a runtime in
 * session 3 (src/progtypes/pt_skb_net.c), against the kernel: the test run's socket
 * (get_socket_cookie, get_socket_uid, skb_cgroup_id, skb_ancestor_cgroup_id,
 * skb_cgroup_classid), VLAN tags (skb_vlan_push/pop: the held tag as __sk_buff shows it,
 * tags moved into and out of the packet), skb_change_proto (IPv4 <-> IPv6 room), and
 * bpf_check_mtu (tc and xdp) against the run's device. Each case runs guarded in our vm
 * and end to end through our bpf() (verifier included); retval, data_out and errno are
 * compared with tests/fixtures/prog_run_net_kernel.txt (prog_run_testlib.h).
 *
 * Answers that depend on the host are turned into comparisons the program makes itself
 * (two cookies equal and not 0; skb_cgroup_id == get_current_cgroup_id). The socket
 * lookups have no runtime here by design (docs/HELPERS.md 3b): the run stops with
 * EOPNOTSUPP where the kernel searches its socket tables; checked apart.
 */
#include <stddef.h>

#include "prog_run_testlib.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SKB(f) ((int16_t)offsetof(struct __sk_buff, f))
#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define CLS BPF_PROG_TYPE_SCHED_CLS
#define CGS BPF_PROG_TYPE_CGROUP_SKB
#define XDP BPF_PROG_TYPE_XDP
#define I_JNE_X(d, s, o) PTL_INSN(BPF_JMP | BPF_JNE | BPF_X, d, s, o, 0)
#define I_SUB_X(d, s) PTL_INSN(BPF_ALU64 | BPF_SUB | BPF_X, d, s, 0, 0)
#define I_JNE_K(d, k, o) PTL_INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define I_OR_X(d, s) PTL_INSN(BPF_ALU64 | BPF_OR | BPF_X, d, s, 0, 0)

/* Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2, TCP) + TCP */
static uint8_t pkt_v4[54] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
                             0x55, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
                             0x40, 0x06, 0x66, 0xcd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00,
                             0x02, 0x00, 0x50, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                             0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x5b, 0xff, 0x00, 0x00};
/* Ethernet + IPv6 (2001:db8::1 -> 2001:db8::2, UDP) + UDP */
static uint8_t pkt_v6[62] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44,
                             0x55, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
                             0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
                             0x35, 0x14, 0xe9, 0x00, 0x08, 0x00, 0x00};
/* the IPv4 frame with one 802.1Q tag (vid 100), and with an 802.1ad tag (vid 200) before it */
static uint8_t pkt_vlan[58], pkt_qinq[62];

static void setup_data(void)
{
	static const uint8_t q[4] = {0x81, 0x00, 0x00, 0x64}, ad[4] = {0x88, 0xa8, 0x00, 0xc8};
	memcpy(pkt_vlan, pkt_v4, 12);
	memcpy(pkt_vlan + 12, q, 4);
	memcpy(pkt_vlan + 16, pkt_v4 + 12, 42);
	memcpy(pkt_qinq, pkt_v4, 12);
	memcpy(pkt_qinq + 12, ad, 4);
	memcpy(pkt_qinq + 16, q, 4);
	memcpy(pkt_qinq + 20, pkt_v4 + 12, 42);
}

/* r0 = (r0 == r7 && r7 != 0), exit */
#define SAME_NONZERO                                                                               \
	I_JNE_X(0, 7, 3), I_JEQ_K(7, 0, 2), I_MOV_K(0, 1), I_EXIT, I_MOV_K(0, 0), I_EXIT
/* r0 = r7 + (vlan_tci | vlan_present << 12 | vlan_proto << 16) of the ctx in r6 */
#define VLAN_SUMMARY                                                                               \
	I_LDX(BPF_W, 0, 6, SKB(vlan_tci)), I_LDX(BPF_W, 1, 6, SKB(vlan_present)), I_LSH_K(1, 12),  \
	        I_OR_X(0, 1), I_LDX(BPF_W, 1, 6, SKB(vlan_proto)), I_LSH_K(1, 16), I_OR_X(0, 1),   \
	        I_ADD_X(0, 7), I_EXIT
/* r0 = r7 + (protocol << 8) of the ctx in r6 */
#define PROTO_SUMMARY I_LDX(BPF_W, 0, 6, SKB(protocol)), I_LSH_K(0, 8), I_ADD_X(0, 7), I_EXIT
#define PUSH(proto, tci)                                                                           \
	I_MOV_X(1, 6), I_MOV_K(2, proto), I_MOV_K(3, tci), I_CALL(BPF_FUNC_skb_vlan_push),         \
	        I_MOV_X(7, 0)
#define POP I_MOV_X(1, 6), I_CALL(BPF_FUNC_skb_vlan_pop), I_MOV_X(7, 0)
#define CHANGE_PROTO(proto, flags)                                                                 \
	I_MOV_X(6, 1), I_MOV_K(2, proto), I_MOV_K(3, flags), I_CALL(BPF_FUNC_skb_change_proto),    \
	        I_MOV_X(7, 0)
/* check_mtu(ctx, ifindex, &mtu_len = in, len_diff, flags); then r0 = its return (ret) or
 * the mtu_len it wrote (mtu) */
#define CHECK_MTU(ifx, in, diff, flags)                                                            \
	I_ST(BPF_W, 10, -4, in), I_MOV_X(3, 10), I_ADD_K(3, -4), I_MOV_K(2, ifx),                  \
	        I_MOV_K(4, diff), I_MOV_K(5, flags), I_CALL(BPF_FUNC_check_mtu)
#define RET_MTU I_LDX(BPF_W, 0, 10, -4), I_EXIT

/* r1 = skb->sk; NULL: r0 = 0; else call id(sk, level 0) and then what `then` does */
#define SK_CALL(nm, type, id, then, data, len)                                                     \
	{                                                                                          \
		nm, type, 0, 0,                                                                    \
		        {I_LDX(BPF_DW, 1, 1, SKB(sk)),                                             \
		         I_JNE_K(1, 0, 2),                                                         \
		         I_MOV_K(0, 0),                                                            \
		         I_EXIT,                                                                   \
		         I_MOV_X(6, 1),                                                            \
		         I_MOV_K(2, 0),                                                            \
		         I_CALL(id),                                                               \
		         I_MOV_X(7, 0),                                                            \
		         then},                                                                    \
		        data, len                                                                  \
	}
/* r0 = (r7 == current cgroup id && r7 != 0) */
#define SAME_CURRENT_CGROUP I_CALL(BPF_FUNC_get_current_cgroup_id), SAME_NONZERO
/* r0 = (r7 == 1, the root cgroup's id) */
#define IS_ROOT I_JEQ_K(7, 1, 2), I_MOV_K(0, 0), I_EXIT, I_MOV_K(0, 1), I_EXIT
/* r0 = (r7 != NULL) */
#define NONNULL I_JEQ_K(7, 0, 2), I_MOV_K(0, 1), I_EXIT, I_MOV_K(0, 0), I_EXIT

#define TSTAMP(nm, type, ts, data, len)                                                            \
	{                                                                                          \
		nm, CLS, 0, 0,                                                                     \
		        {I_MOV_X(6, 1),                                                            \
		         I_MOV_K(2, ts),                                                           \
		         I_MOV_K(3, type),                                                         \
		         I_CALL(BPF_FUNC_skb_set_tstamp),                                          \
		         I_MOV_X(7, 0),                                                            \
		         I_LDX(BPF_B, 0, 6, SKB(tstamp_type)),                                     \
		         I_LSH_K(0, 8),                                                            \
		         I_ADD_X(7, 0),                                                            \
		         I_LDX(BPF_DW, 0, 6, SKB(tstamp)),                                         \
		         I_LSH_K(0, 48),                                                           \
		         I_RSH_K(0, 32),                                                           \
		         I_ADD_X(0, 7),                                                            \
		         I_EXIT},                                                                  \
		        data, len, .ctx_size_out = sizeof(struct __sk_buff)                        \
	}
#define I_RSH_K(d, k) PTL_INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, k)

#define Q_BE 0x0081  /* htons(ETH_P_8021Q) as a register holds it on little-endian */
#define AD_BE 0xa888 /* htons(ETH_P_8021AD) */
#define IP_BE 0x0008
#define IP6_BE 0xdd86

/* clang-format off */
static const struct run_case cases[] = {
	/* the test run's socket */
	{"cookie_sf", SF, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_get_socket_cookie), I_MOV_X(7, 0),
		I_MOV_X(1, 6), I_CALL(BPF_FUNC_get_socket_cookie), SAME_NONZERO}, pkt_v4, 54},
	{"cookie_tc", CLS, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_get_socket_cookie), I_MOV_X(7, 0),
		I_MOV_X(1, 6), I_CALL(BPF_FUNC_get_socket_cookie), SAME_NONZERO}, pkt_v4, 54},
	{"cookie_cgskb", CGS, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_get_socket_cookie),
		I_MOV_X(7, 0), I_MOV_X(1, 6), I_CALL(BPF_FUNC_get_socket_cookie), SAME_NONZERO},
		pkt_v6, 62},
	{"uid_sf", SF, 0, 0, {I_CALL(BPF_FUNC_get_socket_uid), I_EXIT}, pkt_v4, 54},
	{"uid_tc", CLS, 0, 0, {I_CALL(BPF_FUNC_get_socket_uid), I_EXIT}, pkt_v6, 62},
	{"uid_cgskb", CGS, 0, 0, {I_CALL(BPF_FUNC_get_socket_uid), I_JEQ_K(0, 0, 2), I_MOV_K(0, 0),
		I_EXIT, I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54},
	{"cgroup_id_tc", CLS, 0, 0, {I_CALL(BPF_FUNC_skb_cgroup_id), I_MOV_X(7, 0),
		I_CALL(BPF_FUNC_get_current_cgroup_id), SAME_NONZERO}, pkt_v4, 54},
	{"cgroup_id_cgskb", CGS, 0, 0, {I_CALL(BPF_FUNC_skb_cgroup_id), I_MOV_X(7, 0),
		I_CALL(BPF_FUNC_get_current_cgroup_id), SAME_NONZERO}, pkt_v4, 54},
	{"ancestor_0", CLS, 0, 0, {I_MOV_K(2, 0), I_CALL(BPF_FUNC_skb_ancestor_cgroup_id),
		I_EXIT}, pkt_v4, 54},
	{"ancestor_deep", CLS, 0, 0, {I_MOV_K(2, 200), I_CALL(BPF_FUNC_skb_ancestor_cgroup_id),
		I_EXIT}, pkt_v4, 54},
	{"ancestor_vs_current", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 1),
		I_CALL(BPF_FUNC_skb_ancestor_cgroup_id), I_MOV_X(7, 0), I_MOV_K(1, 1),
		I_CALL(BPF_FUNC_get_current_ancestor_cgroup_id), I_SUB_X(0, 7), I_EXIT}, pkt_v4, 54},
	{"classid_tc", CLS, 0, 0, {I_CALL(BPF_FUNC_skb_cgroup_classid), I_EXIT}, pkt_v4, 54},

	/* the socket skb->sk points at: its cgroup, and the casts (none fits the test run's
	 * socket, which the kernel made with family AF_INET/6 and protocol 0) */
	SK_CALL("sk_cgroup_id_cgskb", CGS, BPF_FUNC_sk_cgroup_id, SAME_CURRENT_CGROUP, pkt_v4, 54),
	SK_CALL("sk_cgroup_id_cgskb_v6", CGS, BPF_FUNC_sk_cgroup_id, SAME_CURRENT_CGROUP, pkt_v6, 62),
	SK_CALL("sk_ancestor_0", CGS, BPF_FUNC_sk_ancestor_cgroup_id, IS_ROOT, pkt_v4, 54),
	SK_CALL("to_tcp6", CLS, BPF_FUNC_skc_to_tcp6_sock, NONNULL, pkt_v6, 62),
	SK_CALL("to_tcp", CLS, BPF_FUNC_skc_to_tcp_sock, NONNULL, pkt_v4, 54),
	SK_CALL("to_timewait", CLS, BPF_FUNC_skc_to_tcp_timewait_sock, NONNULL, pkt_v4, 54),
	SK_CALL("to_request", CLS, BPF_FUNC_skc_to_tcp_request_sock, NONNULL, pkt_v4, 54),
	SK_CALL("to_udp6", CLS, BPF_FUNC_skc_to_udp6_sock, NONNULL, pkt_v6, 62),
	SK_CALL("to_unix", CLS, BPF_FUNC_skc_to_unix_sock, NONNULL, pkt_v4, 54),
	SK_CALL("to_mptcp", SF, BPF_FUNC_skc_to_mptcp_sock, NONNULL, pkt_v4, 54),

	/* verdicts and the IPsec state of a test run's skb */
	{"redirect_peer", CLS, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 0), I_CALL(BPF_FUNC_redirect_peer),
		I_EXIT}, pkt_v4, 54},
	{"redirect_peer_flags", CLS, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 1),
		I_CALL(BPF_FUNC_redirect_peer), I_EXIT}, pkt_v4, 54},
	{"redirect_neigh", CLS, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 0), I_MOV_K(3, 0), I_MOV_K(4, 0),
		I_CALL(BPF_FUNC_redirect_neigh), I_EXIT}, pkt_v4, 54},
	{"redirect_neigh_short", CLS, 0, 0, {I_ST(BPF_DW, 10, -8, 0), I_MOV_K(1, 1),
		I_MOV_X(2, 10), I_ADD_K(2, -8), I_MOV_K(3, 8), I_MOV_K(4, 0),
		I_CALL(BPF_FUNC_redirect_neigh), I_EXIT}, pkt_v4, 54},
	{"redirect_neigh_params", CLS, 0, 0, {I_ST(BPF_DW, 10, -24, 0), I_ST(BPF_DW, 10, -16, 0),
		I_ST(BPF_DW, 10, -8, 0), I_MOV_K(1, 1), I_MOV_X(2, 10), I_ADD_K(2, -24),
		I_MOV_K(3, 24), I_MOV_K(4, 0), I_CALL(BPF_FUNC_redirect_neigh), I_EXIT}, pkt_v4, 54},
	{"redirect_neigh_flags", CLS, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 0), I_MOV_K(3, 0),
		I_MOV_K(4, 2), I_CALL(BPF_FUNC_redirect_neigh), I_EXIT}, pkt_v4, 54},
	{"xfrm_state", CLS, 0, 0, {I_ST(BPF_DW, 10, -8, -1), I_MOV_K(2, 0), I_MOV_X(3, 10),
		I_ADD_K(3, -8), I_MOV_K(4, 8), I_MOV_K(5, 0), I_CALL(BPF_FUNC_skb_get_xfrm_state),
		I_LDX(BPF_DW, 1, 10, -8), I_ADD_X(0, 1), I_EXIT}, pkt_v4, 54},

	/* the delivery time and its clock (0 realtime, 1 monotonic, 2 TAI): r0 = ret + tstamp_type << 8 + (tstamp & 0xffff) << 16 */
	TSTAMP("tstamp_realtime", 0, 0x1234, pkt_v4, 54),
	TSTAMP("tstamp_realtime_zero", 0, 0, pkt_v6, 62),
	TSTAMP("tstamp_mono", 1, 0x4321, pkt_v4, 54),
	TSTAMP("tstamp_mono_zero", 1, 0, pkt_v4, 54),
	TSTAMP("tstamp_tai", 2, 0x77, pkt_v6, 62),
	TSTAMP("tstamp_tai_zero", 2, 0, pkt_v4, 54),
	TSTAMP("tstamp_bad_type", 3, 0x99, pkt_v4, 54),
	TSTAMP("tstamp_not_inet", 1, 0x99, pkt_vlan, 58),

	/* VLAN tags */
	{"vlan_push", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 5), VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_push_ad", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(AD_BE, 0xfff), VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_push_bad_proto", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(0x3412, 9), VLAN_SUMMARY},
		pkt_v4, 54},
	{"vlan_push_tci_high", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 0xf123), VLAN_SUMMARY},
		pkt_v4, 54},
	{"vlan_push_twice", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 5), PUSH(AD_BE, 7),
		VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_push_thrice_proto", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 5), PUSH(AD_BE, 7),
		PUSH(Q_BE, 9), PROTO_SUMMARY}, pkt_v6, 62},
	{"vlan_push_pop", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 5), POP, VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_push2_pop", CLS, 0, 0, {I_MOV_X(6, 1), PUSH(Q_BE, 5), PUSH(AD_BE, 7), POP,
		VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_pop_untagged", CLS, 0, 0, {I_MOV_X(6, 1), POP, VLAN_SUMMARY}, pkt_v4, 54},
	{"vlan_pop_tagged", CLS, 0, 0, {I_MOV_X(6, 1), POP, VLAN_SUMMARY}, pkt_vlan, 58},
	{"vlan_pop_tagged_proto", CLS, 0, 0, {I_MOV_X(6, 1), POP, PROTO_SUMMARY}, pkt_vlan, 58},
	{"vlan_pop_qinq", CLS, 0, 0, {I_MOV_X(6, 1), POP, VLAN_SUMMARY}, pkt_qinq, 62},
	{"vlan_pop_qinq_twice", CLS, 0, 0, {I_MOV_X(6, 1), POP, POP, PROTO_SUMMARY}, pkt_qinq, 62},
	{"vlan_pop_pkt_access", CLS, 0, 0, {I_MOV_X(6, 1), POP,
		I_LDX(BPF_W, 2, 6, SKB(data)), I_LDX(BPF_W, 3, 6, SKB(data_end)), I_MOV_X(0, 2),
		I_ADD_K(0, 14), I_JGT_X(0, 3, 2), I_LDX(BPF_B, 0, 2, 12), I_EXIT, I_MOV_K(0, 999),
		I_EXIT}, pkt_vlan, 58},

	/* IPv4 <-> IPv6 */
	{"change_proto_4to6", CLS, 0, 0, {CHANGE_PROTO(IP6_BE, 0), PROTO_SUMMARY}, pkt_v4, 54},
	{"change_proto_6to4", CLS, 0, 0, {CHANGE_PROTO(IP_BE, 0), PROTO_SUMMARY}, pkt_v6, 62},
	{"change_proto_same", CLS, 0, 0, {CHANGE_PROTO(IP_BE, 0), PROTO_SUMMARY}, pkt_v4, 54},
	{"change_proto_other", CLS, 0, 0, {CHANGE_PROTO(0x0608, 0), PROTO_SUMMARY}, pkt_v4, 54},
	{"change_proto_flags", CLS, 0, 0, {CHANGE_PROTO(IP6_BE, 1), PROTO_SUMMARY}, pkt_v4, 54},
	{"change_proto_round", CLS, 0, 0, {CHANGE_PROTO(IP6_BE, 0), I_MOV_X(1, 6),
		I_MOV_K(2, IP_BE), I_MOV_K(3, 0), I_CALL(BPF_FUNC_skb_change_proto), I_ADD_X(7, 0),
		PROTO_SUMMARY}, pkt_v4, 54},
	{"change_proto_len", CLS, 0, 0, {CHANGE_PROTO(IP6_BE, 0), I_LDX(BPF_W, 0, 6, SKB(len)),
		I_ADD_X(0, 7), I_EXIT}, pkt_v4, 54},

	/* the MTU of the run's device (loopback) */
	{"mtu_tc_ret", CLS, 0, 0, {CHECK_MTU(0, 0, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_mtu", CLS, 0, 0, {CHECK_MTU(0, 0, 0, 0), RET_MTU}, pkt_v4, 54},
	{"mtu_tc_big_diff", CLS, 0, 0, {CHECK_MTU(0, 0, 70000, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_edge", CLS, 0, 0, {CHECK_MTU(0, 0, 65536 + 14 - 54, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_edge_plus1", CLS, 0, 0, {CHECK_MTU(0, 0, 65536 + 14 - 54 + 1, 0), I_EXIT},
		pkt_v4, 54},
	{"mtu_tc_len_in", CLS, 0, 0, {CHECK_MTU(0, 65536, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_len_in_big", CLS, 0, 0, {CHECK_MTU(0, 65537, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_len_in_neg", CLS, 0, 0, {CHECK_MTU(0, 65537, -1, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_segs", CLS, 0, 0, {CHECK_MTU(0, 0, 0, BPF_MTU_CHK_SEGS), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_segs_diff", CLS, 0, 0, {CHECK_MTU(0, 0, 1, BPF_MTU_CHK_SEGS), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_segs_diff_mtu", CLS, 0, 0, {CHECK_MTU(0, 0, 1, BPF_MTU_CHK_SEGS), RET_MTU},
		pkt_v4, 54},
	{"mtu_tc_bad_flags", CLS, 0, 0, {CHECK_MTU(0, 0, 0, 2), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_no_dev", CLS, 0, 0, {CHECK_MTU(999999, 0, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_tc_no_dev_mtu", CLS, 0, 0, {CHECK_MTU(999999, 7, 0, 0), RET_MTU}, pkt_v4, 54},
	{"mtu_tc_lo", CLS, 0, 0, {CHECK_MTU(1, 0, 0, 0), RET_MTU}, pkt_v4, 54},
	{"mtu_xdp_ret", XDP, 0, 0, {CHECK_MTU(0, 0, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_xdp_mtu", XDP, 0, 0, {CHECK_MTU(0, 0, 0, 0), RET_MTU}, pkt_v4, 54},
	{"mtu_xdp_edge", XDP, 0, 0, {CHECK_MTU(0, 0, 65536 + 14 - 54, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_xdp_edge_plus1", XDP, 0, 0, {CHECK_MTU(0, 0, 65536 + 14 - 54 + 1, 0), I_EXIT},
		pkt_v4, 54},
	{"mtu_xdp_len_in", XDP, 0, 0, {CHECK_MTU(0, 65537, 0, 0), I_EXIT}, pkt_v4, 54},
	{"mtu_xdp_flags", XDP, 0, 0, {CHECK_MTU(0, 0, 0, 1), I_EXIT}, pkt_v4, 54},
	{"mtu_xdp_no_dev", XDP, 0, 0, {CHECK_MTU(999999, 5, 0, 0), RET_MTU}, pkt_v4, 54},
};

/* socket lookups: the kernel searches its tables; ours stop the run (EOPNOTSUPP) */
static const struct run_case lookups[] = {
	{"lookup_tcp_zero_tuple", CLS, 0, 0, {I_ST(BPF_DW, 10, -16, 0), I_ST(BPF_W, 10, -8, 0),
		I_MOV_X(2, 10), I_ADD_K(2, -16), I_MOV_K(3, 12), I_MOV_K(4, -1), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_sk_lookup_tcp), I_JEQ_K(0, 0, 3), I_MOV_X(1, 0),
		I_CALL(BPF_FUNC_sk_release), I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54},
	{"lookup_udp_xdp", XDP, 0, 0, {I_ST(BPF_DW, 10, -16, 0), I_ST(BPF_W, 10, -8, 0),
		I_MOV_X(2, 10), I_ADD_K(2, -16), I_MOV_K(3, 12), I_MOV_K(4, -1), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_sk_lookup_udp), I_JEQ_K(0, 0, 3), I_MOV_X(1, 0),
		I_CALL(BPF_FUNC_sk_release), I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54},
};
/* clang-format on */

static void test_net_runs_vs_kernel(void **state)
{
	(void)state;
	setup_data();
	assert_int_equal(rc_check_all("prog_run_net_kernel.txt", cases, PT_N(cases)), 0);
}

/* The same cases end to end: our verifier (which refused every one of these helpers before
 * session 3) loads them, obj_prog_run.c runs them. */
static void test_net_runs_through_bpf(void **state)
{
	(void)state;
	setup_data();
	char dir[] = "/dev/shm/userbpf-progrun-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("USERBPF_BPFFS", dir, 1);
	int refused = 0;
	int bad = rc_check_sys("prog_run_net_kernel.txt", cases, PT_N(cases), &refused, NULL, "");
	/* the lookups: verified as the kernel does, then the run stops here */
	for (size_t i = 0; i < PT_N(lookups); i++) {
		static struct run_outcome o, k;
		char why[256];
		assert_int_equal(rc_sys(&lookups[i], &o, why, sizeof why), 0);
		print_message("%s: ours stops the run (%d)", lookups[i].name, o.err);
		if (tu_kernel_bpf_available() && !rc_kernel(&lookups[i], &k, why, sizeof why))
			print_message("; the kernel: errno %d retval %u", k.err, k.retval);
		print_message("\n");
		assert_int_equal(o.err, -EOPNOTSUPP);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_net_runs_vs_kernel),
	        cmocka_unit_test(test_net_runs_through_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
