/* test_prog_run_misc.c — BPF_PROG_TEST_RUN of the other program types against the kernel:
 * raw_tracepoint (arguments in ctx_in, max_ctx_offset, BPF_F_TEST_RUN_ON_CPU), syscall
 * (ctx_in written back), flow dissector (flow keys out, clamping, flags in), lwt_seg6local,
 * and the types the kernel cannot test-run (ENOTSUPP). Outcomes:
 * tests/fixtures/prog_run_misc_kernel.txt.
 */
#include <stddef.h>

#include "prog_run_testlib.h"

/* the case table sets the leading fields by position */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define W BPF_W
#define H BPF_H
#define B BPF_B
#define DW BPF_DW
#define RAW_TP BPF_PROG_TYPE_RAW_TRACEPOINT
#define SYSCALL BPF_PROG_TYPE_SYSCALL
#define FLOW BPF_PROG_TYPE_FLOW_DISSECTOR
#define SLEEPABLE (1u << 4)
#define FK(f) ((int16_t)offsetof(struct bpf_flow_keys, f))
#define SKB(f) ((int16_t)offsetof(struct __sk_buff, f))

static uint64_t args2[2] = {40, 2}, args12[13];
static uint8_t sysctx[64], pkt[64];
static struct bpf_flow_keys fk_flags, fk_bad;

static void setup_data(void)
{
	for (int i = 0; i < 13; i++)
		args12[i] = (uint64_t)i * 1000;
	for (size_t i = 0; i < sizeof sysctx; i++)
		sysctx[i] = (uint8_t)i;
	for (size_t i = 0; i < sizeof pkt; i++)
		pkt[i] = (uint8_t)(0x20 + i);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	fk_flags.flags = BPF_FLOW_DISSECTOR_F_PARSE_1ST_FRAG | BPF_FLOW_DISSECTOR_F_STOP_AT_ENCAP;
	fk_bad.nhoff = 3;
}

/* clang-format off */
static struct run_case cases[] = {
	{"rawtp_sum", RAW_TP, 0, 0, {I_LDX(DW, 0, 1, 0), I_LDX(DW, 2, 1, 8), I_ADD_X(0, 2), I_EXIT},
		NULL, 0, args2, sizeof args2, .no_data_out = true},
	{"rawtp_noctx", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, .no_data_out = true},
	{"rawtp_short_ctx", RAW_TP, 0, 0, {I_LDX(DW, 0, 1, 8), I_EXIT}, NULL, 0, args2, 8, .no_data_out = true},
	{"rawtp_all_args", RAW_TP, 0, 0, {I_LDX(DW, 0, 1, 88), I_EXIT}, NULL, 0, args12, 96, .no_data_out = true},
	{"rawtp_ctx_too_big", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, NULL, 0, args12, 104, .no_data_out = true},
	{"rawtp_data_in", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, pkt, 64},
	{"rawtp_repeat", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, .repeat = 2, .no_data_out = true},
	{"rawtp_ctx_out", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, NULL, 0, args2, 16, 16, .no_data_out = true},
	{"rawtp_cpu_noflag", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, .cpu = 1, .no_data_out = true},
	{"rawtp_on_cpu1", RAW_TP, 0, 0, {I_CALL(BPF_FUNC_get_smp_processor_id), I_EXIT},
		.flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 1, .no_data_out = true},
	{"rawtp_on_cpu0", RAW_TP, 0, 0, {I_CALL(BPF_FUNC_get_smp_processor_id), I_EXIT},
		.flags = BPF_F_TEST_RUN_ON_CPU, .cpu = 0, .no_data_out = true},
	{"rawtp_on_bad_cpu", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, .flags = BPF_F_TEST_RUN_ON_CPU,
		.cpu = 4096, .no_data_out = true},
	{"rawtp_batch", RAW_TP, 0, 0, {I_MOV_K(0, 5), I_EXIT}, .batch_size = 1, .no_data_out = true},
	{"syscall_rw", SYSCALL, 0, SLEEPABLE, {I_LDX(W, 0, 1, 4), I_ST(W, 1, 0, 0x2a), I_ST(B, 1, 63, 7),
		I_EXIT}, NULL, 0, sysctx, 64, .ctx_in_out = true, .no_data_out = true},
	{"syscall_noctx", SYSCALL, 0, SLEEPABLE, {I_MOV_K(0, 9), I_EXIT}, .no_data_out = true},
	{"syscall_short_ctx", SYSCALL, 0, SLEEPABLE, {I_LDX(W, 0, 1, 8), I_EXIT}, NULL, 0, sysctx, 8,
		.ctx_in_out = true, .no_data_out = true},
	{"syscall_ctx_out", SYSCALL, 0, SLEEPABLE, {I_MOV_K(0, 9), I_EXIT}, NULL, 0, sysctx, 8, 8, .no_data_out = true},
	{"syscall_repeat", SYSCALL, 0, SLEEPABLE, {I_MOV_K(0, 9), I_EXIT}, .repeat = 2, .no_data_out = true},
	{"syscall_flags", SYSCALL, 0, SLEEPABLE, {I_MOV_K(0, 9), I_EXIT}, .flags = 1, .no_data_out = true},
	{"syscall_data_in", SYSCALL, 0, SLEEPABLE, {I_MOV_K(0, 9), I_EXIT}, pkt, 64},
	{"flow_keys", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_ST(B, 2, FK(ip_proto), 6),
		I_ST(H, 2, FK(sport), 0x5000), I_ST(W, 2, FK(ipv4_src), 0x0100000a),
		I_ST(H, 2, FK(nhoff), 14), I_ST(H, 2, FK(thoff), 34), I_MOV_K(0, BPF_OK), I_EXIT}, pkt, 64},
	{"flow_preset", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_LDX(H, 0, 2, FK(n_proto)),
		I_LDX(H, 3, 2, FK(nhoff)), I_LSH_K(3, 16), I_ADD_X(0, 3), I_EXIT}, pkt, 64},
	{"flow_clamp", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_ST(H, 2, FK(nhoff), 1000),
		I_ST(H, 2, FK(thoff), 3), I_MOV_K(0, BPF_DROP), I_EXIT}, pkt, 64},
	{"flow_clamp_low", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_ST(H, 2, FK(nhoff), 2),
		I_ST(H, 2, FK(thoff), 20), I_MOV_K(0, BPF_OK), I_EXIT}, pkt, 64},
	{"flow_data", FLOW, 0, 0, {I_LDX(W, 2, 1, SKB(data)), I_LDX(W, 3, 1, SKB(data_end)), I_MOV_X(4, 2),
		I_ADD_K(4, 14), I_MOV_K(0, 99), I_JGT_X(4, 3, 1), I_LDX(H, 0, 2, 12), I_EXIT}, pkt, 64},
	{"flow_load_bytes", FLOW, 0, 0, {I_ST(DW, 10, -8, -1), I_MOV_K(2, 0), I_MOV_X(3, 10), I_ADD_K(3, -8),
		I_MOV_K(4, 4), I_CALL(BPF_FUNC_skb_load_bytes), I_LDX(W, 2, 10, -8), I_ADD_X(0, 2), I_EXIT},
		pkt, 64},
	{"flow_ctx_flags", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_LDX(W, 0, 2, FK(flags)), I_EXIT},
		pkt, 64, &fk_flags, sizeof fk_flags, sizeof fk_flags},
	{"flow_ctx_bad", FLOW, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64, &fk_bad, sizeof fk_bad},
	{"flow_size13", FLOW, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 13},
	{"flow_repeat", FLOW, 0, 0, {I_LDX(DW, 2, 1, SKB(flow_keys)), I_LDX(B, 0, 2, FK(ip_proto)),
		I_ADD_K(0, 1), I_STX(B, 2, 0, FK(ip_proto)), I_EXIT}, pkt, 64, .repeat = 3},
	{"flow_flags", FLOW, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64, .flags = 1},
	{"flow_data_out_small", FLOW, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64, .data_size_out = 8},
	{"seg6local_len", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt, 64},
	{"lwt_in_len", BPF_PROG_TYPE_LWT_IN, 0, 0, {I_LDX(W, 0, 1, SKB(len)), I_EXIT}, pkt, 64},
	/* no test run in the kernel */
	{"kprobe", BPF_PROG_TYPE_KPROBE, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"sk_skb", BPF_PROG_TYPE_SK_SKB, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"sock_ops", BPF_PROG_TYPE_SOCK_OPS, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"sk_msg", BPF_PROG_TYPE_SK_MSG, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"cgroup_sock", BPF_PROG_TYPE_CGROUP_SOCK, 0, 0, {I_MOV_K(0, 0), I_EXIT}, pkt, 64},
	{"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0, {I_MOV_K(0, 0), I_EXIT},
		pkt, 64},
};
/* clang-format on */

static void test_misc_runs_vs_kernel(void **state)
{
	(void)state;
	setup_data();
	assert_int_equal(rc_check_all("prog_run_misc_kernel.txt", cases, PT_N(cases)), 0);
}

/* The same cases end to end: our verifier rewrites the program, obj_prog_run.c runs it.
 * USERBPF_BPFFS points at a private directory so the objects stay ours. */
static void test_misc_runs_through_bpf(void **state)
{
	(void)state;
	setup_data();
	char dir[] = "/dev/shm/userbpf-progrun-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("USERBPF_BPFFS", dir, 1);
	int refused = 0;
	/* raw_tracepoint and syscall runs check ctx_size_in against the verifier's
	 * max_ctx_offset, which our verifier does not report yet */
	static const char *const known[] = {"rawtp_short_ctx", "syscall_short_ctx", NULL};
	int bad = rc_check_sys("prog_run_misc_kernel.txt", cases, PT_N(cases), &refused, known,
	                       "max_ctx_offset not reported by our verifier");
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_misc_runs_vs_kernel),
	        cmocka_unit_test(test_misc_runs_through_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
