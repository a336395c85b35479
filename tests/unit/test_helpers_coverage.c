/* test_helpers_coverage.c — which helpers the verifier accepts that we cannot run.
 *
 * For every program type we can test-run and every helper id, a prototype without a
 * runtime (func NULL) is a helper a verified program may call and that stops its run. The
 * list must be exactly the one documented in docs/HELPERS.md (section 3b): a new gap, or
 * one closed, fails here until the list and the docs say so. Then the small helpers added
 * for coverage (get_attach_cookie, get_cgroup_classid) are run in raw_tracepoint and
 * socket filter test runs, against the host kernel when bpf() is there and against the
 * kernel's recorded answer (0 for both on a cgroup v2 host, measured on Linux 6.18).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "maptrace.h"
#include "progtypes/progtype.h"

/* docs/HELPERS.md 3b */
static const uint32_t documented_gaps[] = {22,  35,  37,  55,  86,  141, 149, 153,
                                           154, 156, 157, 158, 169, 170, 171, 172,
                                           173, 175, 180, 191, 194, 209, 210, 211};

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

/* Load "call id; exit" as type and test-run it: the retval, or -errno. */
static long call_one(int kernel, uint32_t type, uint32_t id)
{
	struct bpf_insn insns[2] = {
	        {.code = BPF_JMP | BPF_CALL, .imm = (int32_t)id},
	        {.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
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

static const struct {
	const char *what;
	uint32_t type, id;
	long recorded; /* the kernel's answer (Linux 6.18, cgroup v2 host) */
} runs[] = {
        {"raw_tracepoint get_attach_cookie", BPF_PROG_TYPE_RAW_TRACEPOINT,
         BPF_FUNC_get_attach_cookie, 0},
        {"raw_tracepoint get_cgroup_classid", BPF_PROG_TYPE_RAW_TRACEPOINT,
         BPF_FUNC_get_cgroup_classid, 0},
        {"socket_filter get_cgroup_classid", BPF_PROG_TYPE_SOCKET_FILTER,
         BPF_FUNC_get_cgroup_classid, 0},
        {"xdp get_cgroup_classid", BPF_PROG_TYPE_XDP, BPF_FUNC_get_cgroup_classid, 0},
};

static void test_small_helpers(void **state)
{
	bool live = tu_kernel_bpf_available();
	if (!live)
		printf("kernel bpf() unavailable: comparing with the recorded answers only\n");
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		long ours = call_one(0, runs[i].type, runs[i].id);
		long want = live ? call_one(1, runs[i].type, runs[i].id) : runs[i].recorded;
		printf("%s: kernel %ld, ours %ld\n", runs[i].what, want, ours);
		assert_int_equal(ours, want);
		if (!live)
			continue;
		/* the recording holds on a host like the one it was made on */
		if (want != runs[i].recorded)
			printf("  (the host differs from the recording: %ld)\n", runs[i].recorded);
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
