/* test_helpers_coverage.c — which helpers the verifier accepts that we cannot run.
 *
 * For every program type we can test-run and every helper id, a prototype without a
 * runtime (func NULL) is a helper a verified program may call and that stops its run. The
 * list must be exactly the one documented in docs/HELPERS.md (section 3b): a new gap, or
 * one closed, fails here until the list and the docs say so. Then the small helpers added
 * for coverage (get_attach_cookie, get_cgroup_classid) are run in raw_tracepoint and
 * socket filter test runs, against the host kernel when bpf() is there and against the
 * kernel's recorded answer (0 for both on a cgroup v2 host, measured on Linux 6.18); and
 * bpf_get_netns_cookie in socket filter and tc runs, with the ctx and with NULL, against the
 * kernel or, without bpf(), against getsockopt(SO_NETNS_COOKIE) of this thread's namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "maptrace.h"
#include "progtypes/progtype.h"

/* docs/HELPERS.md 3b */
static const uint32_t documented_gaps[] = {13,  20,  21,  22,  29,  30,  33,  35,  37,  46,  50,
                                           51,  55,  69,  73,  81,  86,  97,  100, 107, 108, 110,
                                           111, 121, 124, 141, 147, 149, 153, 154, 156, 157, 158,
                                           162, 166, 167, 168, 169, 170, 171, 172, 173, 175, 179,
                                           180, 188, 191, 194, 204, 205, 206, 207, 209, 210, 211};

static void test_gaps_are_documented(void **state)
{
	bool gap[USERBPF_MAX_HELPER_ID] = {0};
	for (uint32_t t = 0; t < 64; t++) {
		const struct bpf_prog_type_info *i = bpf_prog_type_info(t);
		if (!i || !i->get_func_proto || !i->test_run)
			continue;
		for (uint32_t id = 1; id < USERBPF_MAX_HELPER_ID; id++) {
			const struct bpf_func_proto *p = i->get_func_proto(id, 0);
			if (p && !p->func)
				gap[id] = true;
		}
	}
	int bad = 0;
	size_t n = sizeof documented_gaps / sizeof documented_gaps[0];
	for (uint32_t id = 1; id < USERBPF_MAX_HELPER_ID; id++) {
		bool doc = false;
		for (size_t k = 0; k < n; k++)
			doc |= documented_gaps[k] == id;
		if (gap[id] != doc) {
			printf("%s#%u: %s\n", bpf_func_id_name(id), id,
			       gap[id] ? "accepted without a runtime, not documented"
			               : "documented as a gap but runs now (update the docs)");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static int side_bpf(int kernel, int cmd, union bpf_attr *a)
{
	if (kernel)
		return mt_bpf(cmd, a);
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : (int)r;
}

/* Load "[r1 = 0;] call id; exit" as type and test-run it: the retval, or -errno. */
static long call_one(int kernel, uint32_t type, uint32_t id, bool null_ctx)
{
	struct bpf_insn insns[3] = {
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1},
	        {.code = BPF_JMP | BPF_CALL, .imm = (int32_t)id},
	        {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.insns = (uintptr_t)(null_ctx ? insns : insns + 1);
	a.insn_cnt = null_ctx ? 3 : 2;
	a.license = (uintptr_t) "GPL";
	int fd = side_bpf(kernel, BPF_PROG_LOAD, &a);
	if (fd < 0)
		return fd;
	uint64_t args[2] = {0};
	unsigned char pkt[64] = {0};
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	if (type == BPF_PROG_TYPE_RAW_TRACEPOINT) {
		a.test.ctx_in = (uintptr_t)args;
		a.test.ctx_size_in = sizeof args;
	} else {
		a.test.data_in = (uintptr_t)pkt;
		a.test.data_size_in = sizeof pkt;
		a.test.repeat = 1;
	}
	int err = side_bpf(kernel, BPF_PROG_TEST_RUN, &a);
	if (kernel)
		close(fd);
	else
		userbpf_close(fd);
	return err ? err : (long)(int32_t)a.test.retval;
}

/* "recorded" answers that depend on the host: the cookie of this thread's network
 * namespace, read with getsockopt(SO_NETNS_COOKIE) (the kernel's test runs put the skb's
 * socket there); from the initial namespace, also init_net's (a NULL ctx's answer). */
#define NETNS_COOKIE (-1000)
#define INIT_NETNS_COOKIE (-1001)

static long host_netns_cookie(bool init_net)
{
	struct stat st;
	assert_int_equal(stat("/proc/thread-self/ns/net", &st), 0);
	if (init_net && st.st_ino != 0xeffffff9u) /* PROC_NET_INIT_INO */
		return -EOPNOTSUPP; /* ours stops the run: init_net's cookie is unknown here */
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	uint64_t v = 0;
	socklen_t len = sizeof v;
	assert_int_equal(getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &v, &len), 0);
	close(fd);
	return (long)(int32_t)(uint32_t)v; /* a test run's retval is 32 bits */
}

static const struct {
	const char *what;
	uint32_t type, id;
	long recorded; /* the kernel's answer (Linux 6.18, cgroup v2 host) */
	bool null_ctx; /* r1 = 0 before the call */
} runs[] = {
        {"raw_tracepoint get_attach_cookie", BPF_PROG_TYPE_RAW_TRACEPOINT,
         BPF_FUNC_get_attach_cookie, 0, false},
        {"raw_tracepoint get_cgroup_classid", BPF_PROG_TYPE_RAW_TRACEPOINT,
         BPF_FUNC_get_cgroup_classid, 0, false},
        {"socket_filter get_cgroup_classid", BPF_PROG_TYPE_SOCKET_FILTER,
         BPF_FUNC_get_cgroup_classid, 0, false},
        {"xdp get_cgroup_classid", BPF_PROG_TYPE_XDP, BPF_FUNC_get_cgroup_classid, 0, false},
        {"socket_filter get_netns_cookie(ctx)", BPF_PROG_TYPE_SOCKET_FILTER,
         BPF_FUNC_get_netns_cookie, NETNS_COOKIE, false},
        {"socket_filter get_netns_cookie(NULL)", BPF_PROG_TYPE_SOCKET_FILTER,
         BPF_FUNC_get_netns_cookie, INIT_NETNS_COOKIE, true},
        {"sched_cls get_netns_cookie(ctx)", BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_get_netns_cookie,
         NETNS_COOKIE, false},
        {"sched_cls get_netns_cookie(NULL)", BPF_PROG_TYPE_SCHED_CLS, BPF_FUNC_get_netns_cookie,
         INIT_NETNS_COOKIE, true},
        /* known to both verifiers: the load fails on the return range, not on the call */
        {"cgroup_skb get_netns_cookie(ctx)", BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_get_netns_cookie,
         -EINVAL, false},
        {"xdp get_netns_cookie (not for xdp)", BPF_PROG_TYPE_XDP, BPF_FUNC_get_netns_cookie,
         -EINVAL, false},
};

static void test_small_helpers(void **state)
{
	bool live = tu_kernel_bpf_available();
	if (!live)
		printf("kernel bpf() unavailable: comparing with the recorded answers only\n");
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		long recorded = runs[i].recorded;
		if (recorded == NETNS_COOKIE || recorded == INIT_NETNS_COOKIE)
			recorded = host_netns_cookie(recorded == INIT_NETNS_COOKIE);
		long ours = call_one(0, runs[i].type, runs[i].id, runs[i].null_ctx);
		long want =
		        live ? call_one(1, runs[i].type, runs[i].id, runs[i].null_ctx) : recorded;
		const char *who = live ? "kernel" : "recorded";
		if (live && runs[i].recorded == INIT_NETNS_COOKIE && recorded == -EOPNOTSUPP) {
			/* outside the initial namespace ours stops the run, by design */
			printf("%s: kernel %ld (init_net's cookie, unknown to user space here)\n",
			       runs[i].what, want);
			want = recorded;
			who = "expected";
		}
		printf("%s: %s %ld, ours %ld\n", runs[i].what, who, want, ours);
		assert_int_equal(ours, want);
		if (!live)
			continue;
		/* the recording holds on a host like the one it was made on */
		if (want != recorded)
			printf("  (the host differs from the recording: %ld)\n", recorded);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_gaps_are_documented),
	        cmocka_unit_test(test_small_helpers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
