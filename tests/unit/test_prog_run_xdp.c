/* test_prog_run_xdp.c — BPF_PROG_TEST_RUN of XDP programs against the kernel: verdicts,
 * direct packet access, xdp_md fields, adjust_head / adjust_tail / adjust_meta and their
 * limits, metadata from ctx_in, ctx_out, load/store bytes, redirect, and the errnos of
 * bad attributes. Outcomes: tests/fixtures/prog_run_xdp_kernel.txt.
 */
#include <stddef.h>

#include "prog_run_testlib.h"

/* the case table sets the leading fields by position */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define MD(f) ((int16_t)offsetof(struct xdp_md, f))
#define W BPF_W
#define B BPF_B
#define H BPF_H
#define XDP BPF_PROG_TYPE_XDP

static uint8_t pkt[64], big[80000];
static struct xdp_md md_meta8, md_meta7, md_meta_bad, md_end_bad, md_egress, md_rxq_noif, md_lo_q0,
        md_lo_q5, md_noif, md_meta256, md_data_gt_end, md_end20, md_end0, md_end13,
        md_meta8_end4000;

static void setup_data(void)
{
	for (size_t i = 0; i < sizeof pkt; i++)
		pkt[i] = (uint8_t)(0x40 + i);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (uint8_t)i;
	md_meta8 = (struct xdp_md){.data = 8, .data_end = 64};
	md_meta7 = (struct xdp_md){.data = 7, .data_end = 64};
	md_meta256 = (struct xdp_md){.data = 256, .data_end = 1000};
	md_meta_bad = (struct xdp_md){.data_meta = 4, .data_end = 64};
	md_end_bad = (struct xdp_md){.data_end = 63};
	md_data_gt_end = (struct xdp_md){.data = 68, .data_end = 64};
	md_egress = (struct xdp_md){.data_end = 64, .egress_ifindex = 1};
	md_rxq_noif = (struct xdp_md){.data_end = 64, .rx_queue_index = 1};
	md_lo_q0 = (struct xdp_md){.data_end = 64, .ingress_ifindex = 1};
	md_lo_q5 = (struct xdp_md){.data_end = 64, .ingress_ifindex = 1, .rx_queue_index = 5};
	md_noif = (struct xdp_md){.data_end = 64, .ingress_ifindex = 999999};
	md_end20 = (struct xdp_md){.data_end = 20};
	md_end0 = (struct xdp_md){.data_end = 0};
	md_end13 = (struct xdp_md){.data_end = 13};
	md_meta8_end4000 = (struct xdp_md){.data = 8, .data_end = 4000};
}

#define CALL2(id, a2) I_MOV_X(1, 6), I_MOV_K(2, a2), I_CALL(id)

/* clang-format off */
static struct run_case cases[] = {
	{"xdp_pass", XDP, 0, 0, {I_MOV_K(0, XDP_PASS), I_EXIT}, pkt, 64},
	{"xdp_retval_big", XDP, 0, 0, {I_MOV_K(0, -7), I_EXIT}, pkt, 64},
	{"xdp_read", XDP, 0, 0, {I_LDX(W, 2, 1, MD(data)), I_LDX(W, 3, 1, MD(data_end)), I_MOV_X(4, 2),
		I_ADD_K(4, 14), I_JGT_X(4, 3, 2), I_LDX(H, 0, 2, 12), I_EXIT, I_MOV_K(0, 99), I_EXIT}, pkt, 64},
	{"xdp_write", XDP, 0, 0, {I_LDX(W, 2, 1, MD(data)), I_LDX(W, 3, 1, MD(data_end)), I_MOV_X(4, 2),
		I_ADD_K(4, 14), I_MOV_K(0, 3), I_JGT_X(4, 3, 1), I_ST(W, 2, 0, 0x11223344), I_EXIT}, pkt, 64},
	{"xdp_md_fields", XDP, 0, 0, {I_LDX(W, 0, 1, MD(ingress_ifindex)), I_LDX(W, 2, 1, MD(rx_queue_index)),
		I_LSH_K(2, 8), I_ADD_X(0, 2), I_EXIT}, pkt, 64},
	{"xdp_len", XDP, 0, 0, {I_LDX(W, 2, 1, MD(data)), I_LDX(W, 0, 1, MD(data_end)),
		PTL_INSN(BPF_ALU64 | BPF_SUB | BPF_X, 0, 2, 0, 0), I_EXIT}, big, 1000},
	{"xdp_head_pos", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 14), I_EXIT}, pkt, 64},
	{"xdp_head_neg", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, -20), I_EXIT}, pkt, 64},
	{"xdp_head_minlen", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 51), I_EXIT}, pkt, 64},
	{"xdp_head_maxlen", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 50), I_EXIT}, pkt, 64},
	{"xdp_head_216", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, -216), I_EXIT}, pkt, 64},
	{"xdp_head_217", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, -217), I_EXIT}, pkt, 64},
	{"xdp_head_meta", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -8), I_MOV_X(7, 0),
		CALL2(BPF_FUNC_xdp_adjust_head, 4), I_LSH_K(0, 8), I_ADD_X(0, 7), I_EXIT}, pkt, 64,
		&md_meta8, sizeof md_meta8, sizeof(struct xdp_md)},
	{"xdp_tail_shrink", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -10), I_EXIT}, pkt, 64},
	{"xdp_tail_grow", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, 10), I_EXIT}, pkt, 64},
	{"xdp_tail_too_short", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -51), I_EXIT}, pkt, 64},
	{"xdp_tail_max", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, 3456), I_EXIT}, pkt, 64,
		.no_data_out = true},
	{"xdp_tail_over", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, 3457), I_EXIT}, pkt, 64},
	{"xdp_meta", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -8), I_MOV_X(7, 0),
		I_LDX(W, 2, 6, MD(data_meta)), I_LDX(W, 3, 6, MD(data)), I_MOV_X(4, 2), I_ADD_K(4, 8),
		I_JGT_X(4, 3, 1), I_ST(W, 2, 4, 0x0badcafe), I_MOV_X(0, 7), I_EXIT}, pkt, 64, NULL, 0,
		sizeof(struct xdp_md)},
	{"xdp_meta_unaligned", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -7), I_EXIT}, pkt, 64},
	{"xdp_meta_positive", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, 4), I_EXIT}, pkt, 64},
	{"xdp_meta_252", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -252), I_EXIT}, pkt, 64},
	{"xdp_meta_216", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -216), I_EXIT}, pkt, 64},
	{"xdp_meta_220", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_meta, -220), I_EXIT}, pkt, 64},
	{"xdp_ctx_meta8", XDP, 0, 0, {I_LDX(W, 2, 1, MD(data_meta)), I_LDX(W, 3, 1, MD(data)), I_MOV_X(4, 2),
		I_ADD_K(4, 4), I_JGT_X(4, 3, 2), I_LDX(W, 0, 2, 0), I_EXIT, I_MOV_K(0, 99), I_EXIT}, pkt, 64,
		&md_meta8, sizeof md_meta8, sizeof(struct xdp_md)},
	{"xdp_ctx_meta7", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_meta7, sizeof md_meta7},
	{"xdp_ctx_meta256", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 1000, &md_meta256, sizeof md_meta256},
	{"xdp_ctx_data_meta", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_meta_bad, sizeof md_meta_bad},
	{"xdp_ctx_end", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_end_bad, sizeof md_end_bad},
	{"xdp_ctx_data_gt_end", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_data_gt_end,
		sizeof md_data_gt_end},
	{"xdp_ctx_egress", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_egress, sizeof md_egress},
	{"xdp_ctx_rxq_noif", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_rxq_noif, sizeof md_rxq_noif},
	{"xdp_ctx_lo_q0", XDP, 0, 0, {I_LDX(W, 0, 1, MD(ingress_ifindex)), I_EXIT}, pkt, 64, &md_lo_q0,
		sizeof md_lo_q0, sizeof(struct xdp_md)},
	{"xdp_ctx_lo_q5", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_lo_q5, sizeof md_lo_q5},
	{"xdp_ctx_noif", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_noif, sizeof md_noif},
	{"xdp_ctx_out_small", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, &md_meta8, sizeof md_meta8, 8},
	{"xdp_ctx_out_after_head", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 2), I_EXIT},
		pkt, 64, &md_meta8, sizeof md_meta8, sizeof(struct xdp_md)},
	{"xdp_load_bytes", XDP, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 10), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_CALL(BPF_FUNC_xdp_load_bytes), I_LDX(W, 2, 10, -8), I_ADD_X(0, 2), I_EXIT},
		pkt, 64},
	{"xdp_load_bytes_oob", XDP, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 62), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_CALL(BPF_FUNC_xdp_load_bytes), I_EXIT}, pkt, 64},
	{"xdp_load_bytes_far", XDP, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 0x10000), I_MOV_X(3, 10),
		I_ADD_K(3, -8), I_MOV_K(4, 4), I_CALL(BPF_FUNC_xdp_load_bytes), I_EXIT}, pkt, 64},
	{"xdp_store_bytes", XDP, 0, 0, {I_MOV_X(6, 1), I_ST(W, 10, -8, 0x55667788), I_MOV_K(2, 60),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_CALL(BPF_FUNC_xdp_store_bytes), I_EXIT},
		pkt, 64},
	{"xdp_buff_len", XDP, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_xdp_get_buff_len), I_EXIT}, big, 777},
	{"xdp_redirect", XDP, 0, 0, {I_MOV_K(1, 1), I_MOV_K(2, 0), I_CALL(BPF_FUNC_redirect), I_MOV_X(6, 0),
		I_MOV_K(1, 1), I_MOV_K(2, 1), I_CALL(BPF_FUNC_redirect), I_LSH_K(0, 8), I_ADD_X(0, 6), I_EXIT},
		pkt, 64},
	{"xdp_csum_diff", XDP, 0, 0, {I_ST(W, 10, -8, 0x01020304), I_MOV_K(1, 0), I_MOV_K(2, 0),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 4), I_MOV_K(5, 0), I_CALL(BPF_FUNC_csum_diff),
		I_EXIT}, pkt, 64},
	{"xdp_repeat_head", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 1), I_EXIT}, pkt, 64,
		.repeat = 3},
	{"xdp_size0", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 0},
	{"xdp_size1", XDP, 0, 0, {I_LDX(W, 2, 1, MD(data)), I_LDX(W, 0, 1, MD(data_end)),
		PTL_INSN(BPF_ALU64 | BPF_SUB | BPF_X, 0, 2, 0, 0), I_EXIT}, pkt, 1},
	{"xdp_size_max", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 3520, .no_data_out = true},
	{"xdp_data_out_small", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, .data_size_out = 10},
	{"xdp_data_null", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, NULL, 64},
	{"xdp_flags", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, .flags = 4},
	{"xdp_batch", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, .batch_size = 1},
	{"xdp_cpu", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64, .cpu = 1},
	{"xdp_devmap", XDP, BPF_XDP_DEVMAP, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 64},
	{"xdp_size13", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 13},
	{"xdp_size14", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, pkt, 14},
	/* multi-buffer frames: past the page, or past ctx_in's data_end */
	{"xdp_frags_len", XDP, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_xdp_get_buff_len), I_LSH_K(0, 16),
		I_LDX(W, 2, 6, MD(data)), I_LDX(W, 3, 6, MD(data_end)), PTL_INSN(BPF_ALU64 | BPF_SUB | BPF_X, 3, 2, 0, 0),
		I_ADD_X(0, 3), I_EXIT}, big, 5000, .no_data_out = true},
	{"xdp_frags_out", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 3600},
	{"xdp_frags_out_small", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 3600, .data_size_out = 3550},
	{"xdp_frags_out_tiny", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 3600, .data_size_out = 20},
	{"xdp_frags_too_many", XDP, 0, 0, {I_MOV_K(0, 2), I_EXIT}, big, 3520 + 17 * 4096 + 1,
		.no_data_out = true},
	{"xdp_frags_17", XDP, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_xdp_get_buff_len), I_EXIT}, big,
		3520 + 17 * 4096, .no_data_out = true},
	{"xdp_frags_load", XDP, 0, 0, {I_MOV_X(6, 1), I_MOV_K(2, 3516), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 8), I_CALL(BPF_FUNC_xdp_load_bytes), I_LDX(BPF_DW, 2, 10, -8), I_ADD_X(0, 2), I_EXIT},
		big, 3600, .no_data_out = true},
	{"xdp_frags_store", XDP, 0, 0, {I_MOV_X(6, 1), I_ST(BPF_DW, 10, -8, 0x01020304), I_MOV_K(2, 3516),
		I_MOV_X(3, 10), I_ADD_K(3, -8), I_MOV_K(4, 8), I_CALL(BPF_FUNC_xdp_store_bytes), I_EXIT},
		big, 3600},
	{"xdp_frags_tail_grow", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, 100), I_EXIT},
		big, 3600},
	{"xdp_frags_tail_grow_over", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, 4017), I_EXIT},
		big, 3600},
	{"xdp_frags_tail_shrink", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -100), I_MOV_X(7, 0),
		I_MOV_X(1, 6), I_CALL(BPF_FUNC_xdp_get_buff_len), I_LSH_K(0, 16), I_ADD_X(0, 7), I_EXIT},
		big, 3600},
	{"xdp_frags_tail_shrink_all", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -3580),
		I_MOV_X(7, 0), I_MOV_X(1, 6), I_CALL(BPF_FUNC_xdp_get_buff_len), I_LSH_K(0, 16), I_ADD_X(0, 7),
		I_EXIT}, big, 3600},
	{"xdp_frags_tail_shrink_over", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -3587),
		I_EXIT}, big, 3600},
	{"xdp_ctx_end20", XDP, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_xdp_get_buff_len), I_EXIT}, pkt, 64,
		&md_end20, sizeof md_end20, sizeof(struct xdp_md)},
	{"xdp_ctx_end0", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_tail, -4), I_EXIT}, pkt, 64,
		&md_end0, sizeof md_end0, sizeof(struct xdp_md)},
	{"xdp_ctx_end13_head", XDP, 0, 0, {I_MOV_X(6, 1), CALL2(BPF_FUNC_xdp_adjust_head, 1), I_EXIT}, pkt, 64,
		&md_end13, sizeof md_end13, sizeof(struct xdp_md)},
	{"xdp_ctx_meta8_end4000", XDP, 0, 0, {I_MOV_X(6, 1), I_CALL(BPF_FUNC_xdp_get_buff_len), I_EXIT},
		big, 5000, &md_meta8_end4000, sizeof md_meta8_end4000, sizeof(struct xdp_md),
		.no_data_out = true},
};
/* clang-format on */

static void test_xdp_runs_vs_kernel(void **state)
{
	(void)state;
	setup_data();
	assert_int_equal(rc_check_all("prog_run_xdp_kernel.txt", cases, PT_N(cases)), 0);
}

/* The same cases end to end: our verifier rewrites the program, obj_prog_run.c runs it.
 * USERBPF_BPFFS points at a private directory so the objects stay ours. */
static void test_xdp_runs_through_bpf(void **state)
{
	(void)state;
	setup_data();
	char dir[] = "/dev/shm/userbpf-progrun-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("USERBPF_BPFFS", dir, 1);
	int refused = 0;
	int bad = rc_check_sys("prog_run_xdp_kernel.txt", cases, PT_N(cases), &refused, NULL, "");
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_xdp_runs_vs_kernel),
	        cmocka_unit_test(test_xdp_runs_through_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
