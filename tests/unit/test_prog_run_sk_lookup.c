/* test_prog_run_sk_lookup.c — BPF_PROG_TEST_RUN of sk_lookup programs against the kernel
 * (struct bpf_sk_lookup in ctx_in: what each field reads as, narrow loads included, the
 * checks of ctx_in, bpf_sk_assign's answers, the verdict, ctx_out with the cookie), and the
 * answer for sk_reuseport, cgroup_sysctl and cgroup_sockopt, which the kernel cannot
 * test-run (ENOTSUPP). An sk_lookup program must return SK_DROP or SK_PASS, so a field is
 * checked by comparing it with the value the kernel should give: "r0 = field == v". The
 * fixture (tests/fixtures/prog_run_sk_lookup_kernel.txt) shows which the kernel passes.
 */
#include <stddef.h>

#include "prog_run_testlib.h"

/* the case table sets the leading fields by position */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define W BPF_W
#define H BPF_H
#define B BPF_B
#define DW BPF_DW
#define SKL BPF_PROG_TYPE_SK_LOOKUP
#define EAT BPF_SK_LOOKUP
#define SL(f) ((int16_t)offsetof(struct bpf_sk_lookup, f))
#define I_JNE_K(d, k, o) PTL_INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)

/* r0 = (the sz-byte load at off == v) */
#define EXPECT(sz, off, v)                                                                         \
	{                                                                                          \
		I_MOV_K(0, 0), I_LDX(sz, 2, 1, off), I_JNE_K(2, v, 1), I_MOV_K(0, 1), I_EXIT       \
	}
/* r0 = (bpf_sk_assign(ctx, NULL, flags) == v) */
#define ASSIGN(flags, v)                                                                           \
	{                                                                                          \
		I_MOV_K(2, 0), I_MOV_K(3, flags), I_CALL(BPF_FUNC_sk_assign), I_MOV_X(2, 0),       \
		        I_MOV_K(0, 0), I_JNE_K(2, v, 1), I_MOV_K(0, 1), I_EXIT                     \
	}

static struct bpf_sk_lookup v4, v6, bad_sk, bad_ifindex, bad_port, bad_family, bad_proto_hi;
static uint8_t tail_zero[80], tail_dirty[80];

static void setup_data(void)
{
	v4.family = 2; /* AF_INET */
	v4.protocol = 6;
	v4.remote_ip4 = 0x0100007f;
	v4.local_ip4 = 0x0200007f;
	v4.remote_ip6[0] = 0x11111111; /* not the packet's family: reads 0 */
	v4.remote_port = 0xe110;       /* network order, as given */
	v4.local_port = 80;
	v6.family = 10; /* AF_INET6 */
	v6.protocol = 17;
	v6.remote_ip4 = 0x0300007f; /* not the packet's family */
	for (int i = 0; i < 4; i++) {
		v6.remote_ip6[i] = (uint32_t)(0x01020304 * (i + 1));
		v6.local_ip6[i] = (uint32_t)(0x10203040 + i);
	}
	v6.remote_port = 0x3500;
	v6.local_port = 53;
	bad_sk = v4;
	bad_sk.cookie = 1;
	bad_ifindex = v4;
	bad_ifindex.ingress_ifindex = 1;
	bad_port = v4;
	bad_port.local_port = 70000;
	bad_family = v4;
	bad_family.family = 1;
	bad_proto_hi = v4;
	bad_proto_hi.protocol = 0x10006; /* only the low 16 bits are kept */
	memcpy(tail_zero, &v4, sizeof v4);
	memcpy(tail_dirty, &v4, sizeof v4);
	tail_dirty[79] = 1;
}

/* clang-format off */
static struct run_case cases[] = {
	{"v4_family", SKL, EAT, 0, EXPECT(W, SL(family), 2), NULL, 0, &v4, sizeof v4},
	{"v4_family_b0", SKL, EAT, 0, EXPECT(B, SL(family), 2), NULL, 0, &v4, sizeof v4},
	{"v4_family_h2", SKL, EAT, 0, EXPECT(H, SL(family) + 2, 2), NULL, 0, &v4, sizeof v4},
	{"v4_protocol", SKL, EAT, 0, EXPECT(W, SL(protocol), 6), NULL, 0, &v4, sizeof v4},
	{"v6_protocol_hi", SKL, EAT, 0, EXPECT(W, SL(protocol), 6), NULL, 0, &bad_proto_hi, sizeof v4},
	{"v4_remote_ip4", SKL, EAT, 0, EXPECT(W, SL(remote_ip4), 0x0100007f), NULL, 0, &v4, sizeof v4},
	{"v4_remote_ip4_b3", SKL, EAT, 0, EXPECT(B, SL(remote_ip4) + 3, 1), NULL, 0, &v4, sizeof v4},
	{"v4_local_ip4", SKL, EAT, 0, EXPECT(W, SL(local_ip4), 0x0200007f), NULL, 0, &v4, sizeof v4},
	{"v4_remote_ip6_zero", SKL, EAT, 0, EXPECT(W, SL(remote_ip6), 0), NULL, 0, &v4, sizeof v4},
	{"v4_remote_port", SKL, EAT, 0, EXPECT(H, SL(remote_port), 0xe110), NULL, 0, &v4, sizeof v4},
	{"v4_remote_port_w", SKL, EAT, 0, EXPECT(W, SL(remote_port), 0xe110), NULL, 0, &v4, sizeof v4},
	{"v4_remote_port_b1", SKL, EAT, 0, EXPECT(B, SL(remote_port) + 1, 0xe1), NULL, 0, &v4, sizeof v4},
	{"v4_port_pad", SKL, EAT, 0, EXPECT(H, SL(remote_port) + 2, 0), NULL, 0, &v4, sizeof v4},
	{"v4_local_port", SKL, EAT, 0, EXPECT(W, SL(local_port), 80), NULL, 0, &v4, sizeof v4},
	{"v4_local_port_h2", SKL, EAT, 0, EXPECT(H, SL(local_port) + 2, 80), NULL, 0, &v4, sizeof v4},
	{"v4_local_port_b2", SKL, EAT, 0, EXPECT(B, SL(local_port) + 2, 0), NULL, 0, &v4, sizeof v4},
	{"v4_ifindex", SKL, EAT, 0, EXPECT(W, SL(ingress_ifindex), 0), NULL, 0, &v4, sizeof v4},
	{"v4_sk_null", SKL, EAT, 0, EXPECT(DW, SL(sk), 0), NULL, 0, &v4, sizeof v4},
	{"v6_remote_ip6_0", SKL, EAT, 0, EXPECT(W, SL(remote_ip6), 0x01020304), NULL, 0, &v6, sizeof v6},
	{"v6_remote_ip6_3", SKL, EAT, 0, EXPECT(W, SL(remote_ip6[3]), 0x04080c10), NULL, 0, &v6, sizeof v6},
	{"v6_local_ip6_b", SKL, EAT, 0, EXPECT(B, SL(local_ip6[1]), 0x41), NULL, 0, &v6, sizeof v6},
	{"v6_remote_ip4_zero", SKL, EAT, 0, EXPECT(W, SL(remote_ip4), 0), NULL, 0, &v6, sizeof v6},
	{"v6_local_port", SKL, EAT, 0, EXPECT(W, SL(local_port), 53), NULL, 0, &v6, sizeof v6},
	{"assign_null", SKL, EAT, 0, ASSIGN(0, 0), NULL, 0, &v4, sizeof v4},
	{"assign_flags", SKL, EAT, 0, ASSIGN(BPF_SK_LOOKUP_F_REPLACE | BPF_SK_LOOKUP_F_NO_REUSEPORT, 0),
		NULL, 0, &v4, sizeof v4},
	{"assign_bad_flags", SKL, EAT, 0, ASSIGN(4, -EINVAL), NULL, 0, &v4, sizeof v4},
	{"drop", SKL, EAT, 0, {I_MOV_K(0, SK_DROP), I_EXIT}, NULL, 0, &v4, sizeof v4},
	{"ctx_out", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v6, sizeof v6, sizeof v6,
		.no_data_out = true},
	{"ctx_out_small", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4, 16,
		.no_data_out = true},
	{"ctx_short", SKL, EAT, 0, EXPECT(W, SL(local_port), 80), NULL, 0, &v4, 64},
	{"ctx_tail_zero", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, tail_zero, 80},
	{"ctx_tail_dirty", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, tail_dirty, 80},
	{"no_ctx", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, .no_data_out = true},
	{"ctx_sk", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &bad_sk, sizeof v4},
	{"ctx_ifindex", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &bad_ifindex, sizeof v4},
	{"ctx_port", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &bad_port, sizeof v4},
	{"ctx_family", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &bad_family, sizeof v4},
	{"data_in", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, tail_zero, 20, &v4, sizeof v4},
	{"data_out", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4},
	{"flags", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4, .flags = 1},
	{"cpu", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4, .cpu = 1},
	{"batch", SKL, EAT, 0, {I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4, .batch_size = 1},
	{"repeat", SKL, EAT, 0, ASSIGN(0, 0), NULL, 0, &v4, sizeof v4, .repeat = 3},
	/* no test run in the kernel */
	{"sk_reuseport", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0,
		{I_MOV_K(0, SK_PASS), I_EXIT}, NULL, 0, &v4, sizeof v4},
	{"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0, {I_MOV_K(0, 1), I_EXIT}},
	{"cgroup_getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0,
		{I_MOV_K(0, 1), I_EXIT}},
	{"cgroup_setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0,
		{I_MOV_K(0, 1), I_EXIT}, tail_zero, 20},
};
/* clang-format on */

/* sk_lookup runs take no data_out (EINVAL): only the two cases about it pass one */
static void no_data_out(void)
{
	for (size_t i = 0; i < PT_N(cases); i++)
		if (cases[i].type == SKL && strcmp(cases[i].name, "data_in") &&
		    strcmp(cases[i].name, "data_out"))
			cases[i].no_data_out = true;
}

static void test_sk_lookup_runs_vs_kernel(void **state)
{
	(void)state;
	setup_data();
	no_data_out();
	assert_int_equal(rc_check_all("prog_run_sk_lookup_kernel.txt", cases, PT_N(cases)), 0);
}

/* The same cases end to end: our verifier rewrites the program, obj_prog_run.c runs it.
 * USERBPF_BPFFS points at a private directory so the objects stay ours. */
static void test_sk_lookup_runs_through_bpf(void **state)
{
	(void)state;
	setup_data();
	no_data_out();
	char dir[] = "/dev/shm/userbpf-progrun-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("USERBPF_BPFFS", dir, 1);
	int refused = 0;
	int bad = rc_check_sys("prog_run_sk_lookup_kernel.txt", cases, PT_N(cases), &refused, NULL,
	                       NULL);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(refused, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sk_lookup_runs_vs_kernel),
	        cmocka_unit_test(test_sk_lookup_runs_through_bpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
