/* test_prog_run_skb.c — BPF_PROG_TEST_RUN of skb programs (socket filter, tc, cgroup skb,
 * lwt) against the kernel: the __sk_buff a program sees (len, protocol, pkt_type, ifindex,
 * the fake socket's addresses, narrow loads), LD_ABS/LD_IND, direct packet access, ctx
 * stores, the packet helpers (load/store bytes, checksums, change tail/head, pull, redirect),
 * ctx_in/ctx_out and data_out rules and the errnos of bad attributes.
 * Outcomes: tests/fixtures/prog_run_skb_kernel.txt (see prog_run_testlib.h).
 */
#include <stddef.h>

#include "prog_run_testlib.h"

/* the case table sets the leading fields by position */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define SKB(f) ((int16_t)offsetof(struct __sk_buff, f))
#define W BPF_W
#define H BPF_H
#define B BPF_B
#define DW BPF_DW
#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define CLS BPF_PROG_TYPE_SCHED_CLS
#define ACT BPF_PROG_TYPE_SCHED_ACT
#define CGS BPF_PROG_TYPE_CGROUP_SKB
#define LWT_OUT BPF_PROG_TYPE_LWT_OUT
#define LWT_XMIT BPF_PROG_TYPE_LWT_XMIT
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)

/* Ethernet + IPv4 (10.0.0.1 -> 10.0.0.2, TCP) + TCP (80 -> 8080, SYN), checksums valid */
static uint8_t pkt_v4[54] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x44,
                             0x55, 0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00,
                             0x40, 0x06, 0x66, 0xcd, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00,
                             0x02, 0x00, 0x50, 0x1f, 0x90, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
                             0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x5b, 0xff, 0x00, 0x00};
/* Ethernet (to 33:33:00:00:00:01) + IPv6 (2001:db8::1 -> 2001:db8::2, UDP) + UDP */
static uint8_t pkt_v6[62] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x00, 0x11, 0x22, 0x33, 0x44,
                             0x55, 0x86, 0xdd, 0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x11, 0x40,
                             0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
                             0x35, 0x14, 0xe9, 0x00, 0x08, 0x00, 0x00};
static uint8_t pkt_bcast[54], pkt_other[54], pkt_len802[54], pkt_ipx[54];
static uint8_t pkt_big[4096];

static struct __sk_buff ctx_mark, ctx_bad_len, ctx_wire_small, ctx_gso_big, ctx_ifindex_lo,
        ctx_ifindex_none, ctx_all, ctx_zero;
static uint8_t ctx_tail_zero[200], ctx_tail_nonzero[200];

/* what every case returns: r0 = the value in reg, exit */
#define RET(reg) I_MOV_X(0, reg), I_EXIT

static void setup_data(void)
{
	memcpy(pkt_bcast, pkt_v4, sizeof pkt_v4);
	memset(pkt_bcast, 0xff, 6);
	memcpy(pkt_other, pkt_v4, sizeof pkt_v4);
	pkt_other[0] = 0x02;
	memcpy(pkt_len802, pkt_v4, sizeof pkt_v4);
	pkt_len802[12] = 0x00;
	pkt_len802[13] = 0x28; /* a length, not a type */
	memcpy(pkt_ipx, pkt_len802, sizeof pkt_v4);
	pkt_ipx[14] = pkt_ipx[15] = 0xff;
	for (size_t i = 0; i < sizeof pkt_big; i++)
		pkt_big[i] = (uint8_t)i;
	memcpy(pkt_big, pkt_v4, sizeof pkt_v4);
	ctx_mark.mark = 5;
	ctx_mark.priority = 6;
	ctx_mark.cb[1] = 7;
	ctx_mark.tstamp = 1234567;
	ctx_bad_len.len = 1;
	ctx_wire_small.wire_len = 10;
	ctx_gso_big.gso_segs = 70000;
	ctx_ifindex_lo.ifindex = 1;
	ctx_ifindex_none.ifindex = 999999;
	ctx_all.mark = 1;
	ctx_all.priority = 2;
	ctx_all.ingress_ifindex = 3;
	for (int i = 0; i < 5; i++)
		ctx_all.cb[i] = 0x10 + (uint32_t)i;
	ctx_all.tstamp = 9;
	ctx_all.wire_len = 100;
	ctx_all.gso_segs = 3;
	ctx_all.gso_size = 1400;
	ctx_all.hwtstamp = 77;
	ctx_tail_nonzero[199] = 1;
}

/* clang-format off */
static struct run_case cases[] = {
	/* what a socket filter sees */
	{"sf_len", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v4, 54},
	{"sf_proto_pkttype_host", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_LDX(W, 2, 1, SKB(pkt_type)),
		I_LSH_K(2, 16), PTL_INSN(BPF_ALU64 | BPF_OR | BPF_X, 0, 2, 0, 0),
		I_EXIT}, pkt_v4, 54},
	{"sf_proto_pkttype_bcast", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_LDX(W, 2, 1, SKB(pkt_type)),
		I_LSH_K(2, 16), PTL_INSN(BPF_ALU64 | BPF_OR | BPF_X, 0, 2, 0, 0),
		I_EXIT}, pkt_bcast, 54},
	{"sf_proto_pkttype_v6mcast", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_LDX(W, 2, 1, SKB(pkt_type)),
		I_LSH_K(2, 16), PTL_INSN(BPF_ALU64 | BPF_OR | BPF_X, 0, 2, 0, 0),
		I_EXIT}, pkt_v6, 62},
	{"sf_proto_pkttype_other", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_LDX(W, 2, 1, SKB(pkt_type)),
		I_LSH_K(2, 16), PTL_INSN(BPF_ALU64 | BPF_OR | BPF_X, 0, 2, 0, 0),
		I_EXIT}, pkt_other, 54},
	{"sf_proto_802_2", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_EXIT}, pkt_len802, 54},
	{"sf_proto_802_3_ipx", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_EXIT}, pkt_ipx, 54},
	{"sf_proto_eth_only", SF, 0, 0, {I_LDX(W, 0, 1, SKB(protocol)), I_EXIT}, pkt_len802, 14},
	{"sf_ifindex", SF, 0, 0, {I_LDX(W, 0, 1, SKB(ifindex)), I_EXIT}, pkt_v4, 54},
	{"sf_mark_prio_cb", SF, 0, 0, {I_LDX(W, 0, 1, SKB(mark)), I_LDX(W, 2, 1, SKB(priority)),
		I_ADD_X(0, 2), I_LDX(W, 2, 1, SKB(cb[1])), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54,
		&ctx_mark, sizeof ctx_mark, sizeof(struct __sk_buff)},
	{"sf_narrow_proto_lo", SF, 0, 0, {I_LDX(B, 0, 1, SKB(protocol)), I_LDX(B, 2, 1, SKB(protocol) + 1),
		I_LSH_K(2, 8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"sf_narrow_proto_hi", SF, 0, 0, {I_LDX(H, 0, 1, SKB(protocol) + 2), I_EXIT}, pkt_v4, 54},
	{"sf_narrow_len_hi", SF, 0, 0, {I_LDX(B, 0, 1, SKB(len) + 1), I_LDX(H, 2, 1, SKB(len) + 2),
		I_ADD_X(0, 2), I_EXIT}, pkt_big, 1000},
	{"sf_narrow_pkttype_b1", SF, 0, 0, {I_LDX(B, 0, 1, SKB(pkt_type) + 1), I_EXIT}, pkt_other, 54},
	{"tc_wire_gso", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(wire_len)), I_LDX(W, 2, 1, SKB(gso_segs)),
		I_ADD_X(0, 2), I_LDX(W, 2, 1, SKB(gso_size)), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54,
		&ctx_all, sizeof ctx_all, sizeof(struct __sk_buff)},
	{"sf_hash_vlan_napi", SF, 0, 0, {I_LDX(W, 0, 1, SKB(hash)), I_LDX(W, 2, 1, SKB(vlan_present)),
		I_ADD_X(0, 2), I_LDX(W, 2, 1, SKB(napi_id)), I_ADD_X(0, 2), I_LDX(W, 2, 1, SKB(queue_mapping)),
		I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"sf_cb_write", SF, 0, 0, {I_MOV_K(2, 0x11223344), I_STX(W, 1, 2, SKB(cb[0])),
		I_STX(B, 1, 2, SKB(cb[1]) + 1), I_STX(DW, 1, 2, SKB(cb[2])), I_MOV_K(0, 1), I_EXIT},
		pkt_v4, 54, &ctx_mark, sizeof ctx_mark, sizeof(struct __sk_buff)},
	{"sf_cb_st", SF, 0, 0, {I_ST(W, 1, SKB(cb[4]), -2), I_MOV_K(0, 1), I_EXIT},
		pkt_v4, 54, NULL, 0, sizeof(struct __sk_buff)},
	{"sf_repeat_cb", SF, 0, 0, {I_LDX(W, 2, 1, SKB(cb[0])), I_ADD_K(2, 1), I_STX(W, 1, 2, SKB(cb[0])),
		I_MOV_X(0, 2), I_EXIT}, pkt_v4, 54, NULL, 0, sizeof(struct __sk_buff), .repeat = 5},
	/* LD_ABS / LD_IND: relative to skb->data, the network header for a socket filter */
	{"sf_ld_abs", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(B, 9), I_MOV_X(7, 0), I_LD_ABS(H, 2),
		I_ADD_X(7, 0), I_LD_ABS(W, 12), I_ADD_X(0, 7), I_EXIT}, pkt_v4, 54},
	{"sf_ld_ind", SF, 0, 0, {I_MOV_X(6, 1), I_MOV_K(7, 10), I_LD_IND(W, 7, 6), I_EXIT}, pkt_v4, 54},
	{"sf_ld_abs_oob", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(W, 38), I_MOV_K(0, 77), I_EXIT}, pkt_v4, 54},
	{"sf_ld_abs_last", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(W, 36), I_EXIT}, pkt_v4, 54},
	{"sf_ld_abs_neg", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(H, SKF_LL_OFF + 12), I_MOV_X(7, 0),
		I_LD_ABS(B, SKF_NET_OFF + 9), I_ADD_X(0, 7), I_LD_ABS(B, SKF_LL_OFF + 6), I_ADD_X(0, 7),
		I_EXIT}, pkt_v4, 54},
	{"sf_ld_abs_neg_oob", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(B, SKF_NET_OFF - 1), I_MOV_K(0, 5),
		I_EXIT}, pkt_v4, 54},
	{"sf_ld_abs_bad_neg", SF, 0, 0, {I_MOV_X(6, 1), I_LD_ABS(B, -1), I_MOV_K(0, 5), I_EXIT},
		pkt_v4, 54},
	/* bpf_skb_load_bytes */
	{"sf_load_bytes", SF, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 12), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_CALL(BPF_FUNC_skb_load_bytes), I_LDX(W, 0, 10, -8), I_EXIT}, pkt_v4, 54},
	{"sf_load_bytes_oob", SF, 0, 0, {I_MOV_X(6, 1), I_ST(DW, 10, -8, -1), I_MOV_K(2, 37),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_CALL(BPF_FUNC_skb_load_bytes),
		I_LDX(W, 2, 10, -8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"sf_load_bytes_rel_mac", SF, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 6), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_MOV_K(5, BPF_HDR_START_MAC), I_CALL(BPF_FUNC_skb_load_bytes_relative),
		I_LDX(W, 2, 10, -8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"sf_load_bytes_rel_net", SF, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 16), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_MOV_K(5, BPF_HDR_START_NET), I_CALL(BPF_FUNC_skb_load_bytes_relative),
		I_LDX(W, 2, 10, -8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"sf_load_bytes_rel_bad", SF, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 0), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_MOV_K(5, 7), I_CALL(BPF_FUNC_skb_load_bytes_relative), I_EXIT}, pkt_v4, 54},
	/* tc: the frame from its mac header, direct access, stores */
	{"tc_len_proto", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_LDX(W, 2, 1, SKB(protocol)),
		I_LSH_K(2, 16), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_direct_read", CLS, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)),
		I_MOV_X(4, 2), I_ADD_K(4, 14), I_JGT_X(4, 3, 2), I_LDX(H, 0, 2, 12), I_EXIT,
		I_MOV_K(0, 99), I_EXIT}, pkt_v4, 54},
	{"tc_direct_read_short", CLS, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)),
		I_MOV_X(4, 2), I_ADD_K(4, 60), I_JGT_X(4, 3, 2), I_LDX(H, 0, 2, 12), I_EXIT,
		I_MOV_K(0, 99), I_EXIT}, pkt_v4, 54},
	{"tc_direct_write", CLS, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)),
		I_MOV_X(4, 2), I_ADD_K(4, 14), I_JGT_X(4, 3, 2), I_ST(B, 2, 0, 0xaa), I_ST(H, 2, 12, 0x0608),
		I_MOV_K(0, 0), I_EXIT}, pkt_v4, 54},
	{"tc_data_meta", CLS, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_meta)),
		PTL_INSN(BPF_ALU64 | BPF_SUB | BPF_X, 2, 3, 0, 0), I_MOV_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_ctx_stores", CLS, 0, 0, {I_MOV_K(2, 0x12345), I_STX(W, 1, 2, SKB(mark)), I_STX(W, 1, 2, SKB(priority)),
		I_STX(W, 1, 2, SKB(tc_index)), I_STX(W, 1, 2, SKB(tc_classid)), I_LDX(W, 0, 1, SKB(tc_index)),
		I_LDX(W, 2, 1, SKB(tc_classid)), I_LSH_K(2, 16),
		I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54, NULL, 0, sizeof(struct __sk_buff)},
	{"tc_queue_mapping", CLS, 0, 0, {I_MOV_K(2, 7), I_STX(W, 1, 2, SKB(queue_mapping)),
		I_MOV_K(2, 0xffff), I_STX(W, 1, 2, SKB(queue_mapping)), I_ST(W, 1, SKB(queue_mapping), 0x10000),
		I_LDX(W, 0, 1, SKB(queue_mapping)), I_EXIT}, pkt_v4, 54},
	{"tc_queue_mapping_st", CLS, 0, 0, {I_ST(W, 1, SKB(queue_mapping), 9),
		I_LDX(W, 0, 1, SKB(queue_mapping)), I_EXIT}, pkt_v4, 54},
	{"tc_tstamp", CLS, 0, 0, {I_LDX(DW, 0, 1, SKB(tstamp)), I_ST(DW, 1, SKB(tstamp), 55), I_EXIT},
		pkt_v4, 54, &ctx_mark, sizeof ctx_mark, sizeof(struct __sk_buff)},
	{"tc_tstamp_type", CLS, 0, 0, {I_LDX(B, 0, 1, SKB(tstamp_type)), I_EXIT}, pkt_v4, 54},
	{"tc_sk_nonnull", CLS, 0, 0, {I_LDX(DW, 2, 1, SKB(sk)), I_MOV_K(0, 0), I_JEQ_K(2, 0, 1),
		I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54},
	/* packet helpers */
	{"tc_store_bytes", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 0x0300000a), I_MOV_K(2, 26),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54},
	{"tc_store_bytes_oob", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 1), I_MOV_K(2, 52),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54},
	{"tc_store_bytes_flags", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 1), I_MOV_K(2, 0),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 4),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54},
	{"tc_l3_csum4", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 24), I_MOV_K(3, 0x0100000a),
		I_MOV_K(4, 0x0300000a), I_MOV_K(5, 4), I_CALL(BPF_FUNC_l3_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l3_csum2", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 24), I_MOV_K(3, 0x0040),
		I_MOV_K(4, 0x0020), I_MOV_K(5, 2), I_CALL(BPF_FUNC_l3_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l3_csum_diff0", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 24), I_MOV_K(3, 0),
		I_MOV_K(4, 0x1234), I_MOV_K(5, 0), I_CALL(BPF_FUNC_l3_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l3_csum_odd", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 25), I_MOV_K(3, 0),
		I_MOV_K(4, 0x1234), I_MOV_K(5, 0), I_CALL(BPF_FUNC_l3_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l3_csum_badsize", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 24), I_MOV_K(3, 0),
		I_MOV_K(4, 0x1234), I_MOV_K(5, 3), I_CALL(BPF_FUNC_l3_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l4_csum_pseudo", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 50), I_MOV_K(3, 0x0100000a),
		I_MOV_K(4, 0x0300000a), I_MOV_K(5, 4 | BPF_F_PSEUDO_HDR), I_CALL(BPF_FUNC_l4_csum_replace),
		I_EXIT}, pkt_v4, 54},
	{"tc_l4_csum_mangled", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 52), I_MOV_K(3, 0),
		I_MOV_K(4, 0x1234), I_MOV_K(5, 2 | BPF_F_MARK_MANGLED_0), I_CALL(BPF_FUNC_l4_csum_replace),
		I_EXIT}, pkt_v4, 54},
	{"tc_l4_csum_enforce", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 52), I_MOV_K(3, 0),
		I_MOV_K(4, 0x1234), I_MOV_K(5, 2 | BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE),
		I_CALL(BPF_FUNC_l4_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_l4_csum_badflags", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 50), I_MOV_K(3, 0),
		I_MOV_K(4, 1), I_MOV_K(5, 0x100), I_CALL(BPF_FUNC_l4_csum_replace), I_EXIT}, pkt_v4, 54},
	{"tc_csum_diff", CLS, 0, 0, {I_ST(W, 10, -8, 0x0100000a), I_ST(W, 10, -16, 0x0300000a),
		I_MOV_X(1, 10), I_ADD_K(1, -8), I_MOV_K(2, 4), I_MOV_X(3, 10), I_ADD_K(3, -16),
		I_MOV_K(4, 4), I_MOV_K(5, 0), I_CALL(BPF_FUNC_csum_diff), I_EXIT}, pkt_v4, 54},
	{"tc_csum_diff_to", CLS, 0, 0, {I_ST(DW, 10, -16, 0x7fff1234), I_ST(DW, 10, -8, -1),
		I_MOV_K(1, 0), I_MOV_K(2, 0), I_MOV_X(3, 10), I_ADD_K(3, -16),
		I_MOV_K(4, 16), I_MOV_K(5, 0x1ffff), I_CALL(BPF_FUNC_csum_diff), I_EXIT}, pkt_v4, 54},
	{"tc_csum_diff_from", CLS, 0, 0, {I_ST(DW, 10, -8, 0x12345678),
		I_MOV_X(1, 10), I_ADD_K(1, -8), I_MOV_K(2, 8), I_MOV_K(3, 0),
		I_MOV_K(4, 0), I_MOV_K(5, 7), I_CALL(BPF_FUNC_csum_diff), I_EXIT}, pkt_v4, 54},
	{"tc_csum_diff_odd", CLS, 0, 0, {I_ST(DW, 10, -8, 0x12345678),
		I_MOV_X(1, 10), I_ADD_K(1, -8), I_MOV_K(2, 3), I_MOV_K(3, 0),
		I_MOV_K(4, 0), I_MOV_K(5, 0), I_CALL(BPF_FUNC_csum_diff), I_EXIT}, pkt_v4, 54},
	{"tc_csum_diff_none", CLS, 0, 0, {I_MOV_K(1, 0), I_MOV_K(2, 0), I_MOV_K(3, 0),
		I_MOV_K(4, 0), I_MOV_K(5, -5), I_CALL(BPF_FUNC_csum_diff), I_EXIT}, pkt_v4, 54},
	{"tc_csum_update", CLS, 0, 0, {I_MOV_K(2, 5), I_CALL(BPF_FUNC_csum_update), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_grow", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 64), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_LDX(W, 2, 6, SKB(len)),
		I_LSH_K(2, 8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_shrink", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 20), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_LDX(W, 2, 6, SKB(len)),
		I_LSH_K(2, 8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_min", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 13), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_max", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 16064), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_MOV_X(1, 6), I_MOV_K(2, 54), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_toobig", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 16065), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_tail), I_EXIT}, pkt_v4, 54},
	{"tc_change_tail_flags", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 60), I_MOV_K(3, 1),
		I_CALL(BPF_FUNC_skb_change_tail), I_EXIT}, pkt_v4, 54},
	{"tc_change_head", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 6), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_head), I_LDX(W, 2, 6, SKB(len)),
		I_LSH_K(2, 8), I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_change_head_neg", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, -1), I_MOV_K(3, 0),
		I_CALL(BPF_FUNC_skb_change_head), I_EXIT}, pkt_v4, 54},
	{"tc_pull_data", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 0), I_CALL(BPF_FUNC_skb_pull_data),
		I_MOV_X(7, 0), I_MOV_X(1, 6), I_MOV_K(2, 1000), I_CALL(BPF_FUNC_skb_pull_data),
		I_LSH_K(0, 8), I_ADD_X(0, 7), I_EXIT}, pkt_v4, 54},
	{"tc_redirect", CLS, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 0), I_CALL(BPF_FUNC_redirect),
		I_MOV_X(6, 0), I_MOV_K(1, 1), I_MOV_K(2, 2), I_CALL(BPF_FUNC_redirect),
		I_LSH_K(0, 8), I_ADD_X(0, 6), I_EXIT}, pkt_v4, 54},
	{"tc_change_type", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 3), I_CALL(BPF_FUNC_skb_change_type),
		I_LDX(W, 2, 6, SKB(pkt_type)), I_LSH_K(2, 8),
		I_ADD_X(0, 2), I_EXIT}, pkt_v4, 54},
	{"tc_set_hash", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 0x1234), I_CALL(BPF_FUNC_set_hash),
		I_MOV_X(1, 6), I_CALL(BPF_FUNC_get_hash_recalc), I_EXIT}, pkt_v4, 54},
	{"tc_csum_level", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, BPF_CSUM_LEVEL_QUERY),
		I_CALL(BPF_FUNC_csum_level), I_MOV_X(7, 0), I_MOV_X(1, 6), I_MOV_K(2, BPF_CSUM_LEVEL_INC),
		I_CALL(BPF_FUNC_csum_level), I_MOV_X(1, 6), I_MOV_K(2, BPF_CSUM_LEVEL_QUERY),
		I_CALL(BPF_FUNC_csum_level), I_LSH_K(0, 8),
		I_ADD_X(0, 7), I_EXIT}, pkt_v4, 54},
	{"act_len", ACT, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v4, 54},
	/* cgroup skb: the test run's socket; data_end is not computed (NULL) */
	{"cg_sock_v4", CGS, BPF_CGROUP_INET_INGRESS, 0, {I_LDX(W, 2, 1, SKB(family)),
		I_STX(W, 1, 2, SKB(cb[0])), I_LDX(W, 2, 1, SKB(remote_ip4)), I_STX(W, 1, 2, SKB(cb[1])),
		I_LDX(W, 2, 1, SKB(local_ip4)), I_STX(W, 1, 2, SKB(cb[2])), I_LDX(W, 2, 1, SKB(remote_port)),
		I_STX(W, 1, 2, SKB(cb[3])), I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, NULL, 0,
		sizeof(struct __sk_buff)},
	{"cg_sock_v6", CGS, BPF_CGROUP_INET_EGRESS, 0, {I_LDX(W, 2, 1, SKB(family)),
		I_STX(W, 1, 2, SKB(cb[0])), I_LDX(W, 2, 1, SKB(remote_ip6[3])), I_STX(W, 1, 2, SKB(cb[1])),
		I_LDX(W, 2, 1, SKB(local_ip6[0])), I_STX(W, 1, 2, SKB(cb[2])), I_MOV_K(0, 3), I_EXIT},
		pkt_v6, 62, NULL, 0, sizeof(struct __sk_buff)},
	{"cg_sock_short", CGS, 0, 0, {I_LDX(W, 2, 1, SKB(family)), I_STX(W, 1, 2, SKB(cb[0])),
		I_LDX(W, 2, 1, SKB(local_ip4)), I_STX(W, 1, 2, SKB(cb[2])), I_MOV_K(0, 1), I_EXIT},
		pkt_v4, 30, NULL, 0, sizeof(struct __sk_buff)},
	{"cg_data_end", CGS, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)),
		I_MOV_X(4, 2), I_ADD_K(4, 1), I_JGT_X(4, 3, 2), I_MOV_K(0, 1), I_EXIT, I_MOV_K(0, 0), I_EXIT},
		pkt_v4, 54},
	{"cg_mark_store", CGS, 0, 0, {I_ST(W, 1, SKB(mark), 3), I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54,
		NULL, 0, sizeof(struct __sk_buff)},
	/* lwt: network header first; a zeroed L2 header in data_out */
	{"lwt_out_len", LWT_OUT, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v4, 54},
	{"lwt_xmit_direct", LWT_XMIT, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)),
		I_MOV_X(4, 2), I_ADD_K(4, 1), I_JGT_X(4, 3, 2), I_LDX(B, 0, 2, 0), I_EXIT, I_MOV_K(0, 99),
		I_EXIT}, pkt_v4, 54},
	/* attribute rules */
	{"attr_size_13", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 13},
	{"attr_size_14", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v4, 14},
	{"attr_size_14_other", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_len802, 14},
	{"attr_size_33_v4", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 33},
	{"attr_size_34_v4", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v4, 34},
	{"attr_size_53_v6", CLS, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v6, 53},
	{"attr_size_54_v6", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_v6, 54},
	{"attr_size_3712", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_big, 3712,
		.no_data_out = true},
	{"attr_size_3713", SF, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt_big, 3713},
	{"attr_data_null", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, NULL, 54},
	{"attr_flags", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, .flags = 1},
	{"attr_flags8", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, .flags = 8},
	{"attr_cpu", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, .cpu = 1},
	{"attr_batch", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, .batch_size = 1},
	{"attr_ctx_bad_len", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_bad_len,
		sizeof ctx_bad_len, sizeof(struct __sk_buff)},
	{"attr_ctx_wire_small", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_wire_small,
		sizeof ctx_wire_small},
	{"attr_ctx_gso_big", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_gso_big,
		sizeof ctx_gso_big},
	{"attr_ctx_ifindex_lo", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(ifindex)), I_EXIT}, pkt_v4, 54,
		&ctx_ifindex_lo, sizeof ctx_ifindex_lo, sizeof(struct __sk_buff)},
	{"attr_ctx_ifindex_none", CLS, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_ifindex_none,
		sizeof ctx_ifindex_none},
	{"attr_ctx_all", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(ingress_ifindex)), I_EXIT}, pkt_v4, 54,
		&ctx_all, sizeof ctx_all, sizeof(struct __sk_buff)},
	{"attr_ctx_out_only", CLS, 0, 0, {I_LDX(W, 0, 1, SKB(wire_len)), I_EXIT}, pkt_v4, 54, NULL, 0,
		sizeof(struct __sk_buff)},
	{"attr_ctx_out_small", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_mark,
		sizeof ctx_mark, 16},
	{"attr_ctx_tail_zero", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, ctx_tail_zero,
		sizeof ctx_tail_zero, sizeof(struct __sk_buff)},
	{"attr_ctx_tail_nonzero", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, ctx_tail_nonzero,
		sizeof ctx_tail_nonzero},
	{"attr_ctx_short", SF, 0, 0, {I_LDX(W, 0, 1, SKB(mark)), I_EXIT}, pkt_v4, 54, &ctx_mark, 12},
	{"attr_ctx_zero", SF, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_zero, 0},
	{"attr_data_out_small", CLS, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, &ctx_mark,
		sizeof ctx_mark, sizeof(struct __sk_buff), 20},
	{"attr_no_data_out", CLS, 0, 0, {I_MOV_K(0, 1), I_EXIT}, pkt_v4, 54, .data_size_out = 20,
		.no_data_out = true},
	{"attr_csum_complete_ok", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 0x0300000a), I_MOV_K(2, 26),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, BPF_F_RECOMPUTE_CSUM),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54, .flags = 4},
	{"attr_csum_complete_bad", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 0x0300000a), I_MOV_K(2, 26),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54, .flags = 4},
	{"attr_csum_complete_l2", CLS, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 0x01020304), I_MOV_K(2, 0),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 0),
		I_CALL(BPF_FUNC_skb_store_bytes), I_EXIT}, pkt_v4, 54, .flags = 4},
	{"attr_csum_complete_update", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 0), I_CALL(BPF_FUNC_csum_update),
		I_EXIT}, pkt_v4, 54, .flags = 4},
	{"attr_csum_complete_level", CLS, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, BPF_CSUM_LEVEL_QUERY),
		I_CALL(BPF_FUNC_csum_level), I_EXIT}, pkt_v4, 54, .flags = 4},
};
/* clang-format on */

static void test_skb_runs_vs_kernel(void **state)
{
	(void)state;
	setup_data();
	assert_int_equal(rc_check_all("prog_run_skb_kernel.txt", cases, PT_N(cases)), 0);
}

/* The same cases end to end: our verifier rewrites the program, obj_prog_run.c runs it.
 * USERBPF_BPFFS points at a private directory so the objects stay ours. */
static void test_skb_runs_through_bpf(void **state)
{
	(void)state;
	setup_data();
	char dir[] = "/dev/shm/userbpf-progrun-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("USERBPF_BPFFS", dir, 1);
	int refused = 0;
	int bad = rc_check_sys("prog_run_skb_kernel.txt", cases, PT_N(cases), &refused, NULL, "");
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_skb_runs_vs_kernel),
	        cmocka_unit_test(test_skb_runs_through_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
