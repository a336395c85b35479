/* test_sys_prog.c — the program side of userbpf_sys_bpf(): PROG_LOAD (attr rules and the
 * log compared with the host kernel, and with its recorded answers in
 * tests/fixtures/sys_prog_kernel.txt when there is no kernel), TEST_RUN, map helpers end
 * to end, programs pinned across processes, prog info, tail calls, BIND_MAP, faults.
 * USERBPF_RECORD_FIXTURE=1 rewrites the fixture from the host kernel. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define MOV_K(d, i)                                                                                \
	{                                                                                          \
		.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = d, .imm = i                        \
	}
#define MOV_X(d, s)                                                                                \
	{                                                                                          \
		.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = d, .src_reg = s                    \
	}
#define ADD_K(d, i)                                                                                \
	{                                                                                          \
		.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = d, .imm = i                        \
	}
#define LD_MAP(d, fd)                                                                              \
	{.code = BPF_LD | BPF_IMM | BPF_DW,                                                        \
	 .dst_reg = d,                                                                             \
	 .src_reg = BPF_PSEUDO_MAP_FD,                                                             \
	 .imm = fd},                                                                               \
	{                                                                                          \
		0                                                                                  \
	}
#define ST_W(d, o, i)                                                                              \
	{                                                                                          \
		.code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = d, .off = o, .imm = i                 \
	}
#define ST_DW(d, o, i)                                                                             \
	{                                                                                          \
		.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = d, .off = o, .imm = i                \
	}
#define ST_B(d, o, i)                                                                              \
	{                                                                                          \
		.code = BPF_ST | BPF_MEM | BPF_B, .dst_reg = d, .off = o, .imm = i                 \
	}
#define LDX_DW(d, s, o)                                                                            \
	{                                                                                          \
		.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = d, .src_reg = s, .off = o           \
	}
#define STX_DW(d, s, o)                                                                            \
	{                                                                                          \
		.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = d, .src_reg = s, .off = o           \
	}
#define JEQ_K(d, i, o)                                                                             \
	{                                                                                          \
		.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = d, .off = o, .imm = i                \
	}
#define CALL(id)                                                                                   \
	{                                                                                          \
		.code = BPF_JMP | BPF_CALL, .imm = id                                              \
	}
#define EXIT                                                                                       \
	{                                                                                          \
		.code = BPF_JMP | BPF_EXIT                                                         \
	}
#define N(p) (sizeof(p) / sizeof((p)[0]))

static char root[64];

static long B(int cmd, union bpf_attr *a)
{
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static long K(int cmd, union bpf_attr *a)
{
	long r = syscall(SYS_bpf, cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(root, "/dev/shm/userbpf-prog-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("USERBPF_BPFFS", root, 1);
	return 0;
}

static int teardown(void **state)
{
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int map_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	union bpf_attr a = {0};
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	return (int)B(BPF_MAP_CREATE, &a);
}

static int load(const struct bpf_insn *insns, size_t cnt)
{
	union bpf_attr a = {0};
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	return (int)B(BPF_PROG_LOAD, &a);
}

static long run(int fd, void *data, uint32_t len, uint32_t *retval)
{
	union bpf_attr a = {0};
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)data;
	a.test.data_size_in = len;
	long r = B(BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	return r;
}

static void test_load_and_run(void **state)
{
	struct bpf_insn p[] = {MOV_K(0, 42), EXIT};
	int fd = load(p, N(p));
	assert_true(fd >= 0);
	char data[16] = {0};
	uint32_t ret = 0;
	assert_int_equal(run(fd, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 42);
	if (tu_kernel_bpf_available()) {
		int kfd = tu_kernel_load(p, N(p), NULL, 0);
		uint32_t kret = 0;
		assert_true(kfd >= 0);
		assert_int_equal(tu_kernel_test_run(kfd, data, sizeof data, &kret), 0);
		assert_int_equal(kret, ret);
		close(kfd);
	}
	/* less than an Ethernet header: EINVAL, as the kernel's skb test run (probed) */
	struct bpf_insn q[] = {MOV_K(0, 32), EXIT};
	int fd2 = load(q, N(q));
	assert_int_equal(run(fd2, data, 14, &ret), 0);
	assert_int_equal(ret, 32);
	assert_int_equal(run(fd2, data, 13, &ret), -EINVAL);
	userbpf_close(fd2);
	userbpf_close(fd);
}

/* key 1 := 77 from a program, read back by the syscall side; then read by a program */
static void test_hash_map_helpers(void **state)
{
	int m = map_create(BPF_MAP_TYPE_HASH, 4, 8, 8);
	assert_true(m >= 0);
	struct bpf_insn upd[] = {
	        ST_W(10, -4, 1), ST_DW(10, -16, 77), LD_MAP(1, m), MOV_X(2, 10), ADD_K(2, -4),
	        MOV_X(3, 10),    ADD_K(3, -16),      MOV_K(4, 0),  CALL(2),      EXIT};
	int fd = load(upd, N(upd));
	assert_true(fd >= 0);
	char data[16] = {0}; /* a socket filter needs ETH_HLEN (14) bytes */
	uint32_t ret = 1;
	assert_int_equal(run(fd, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 0);
	uint32_t key = 1;
	uint64_t val = 0;
	union bpf_attr a = {0};
	a.map_fd = (uint32_t)m;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	assert_int_equal(B(BPF_MAP_LOOKUP_ELEM, &a), 0);
	assert_int_equal(val, 77);
	val = 1234;
	a.flags = BPF_ANY;
	assert_int_equal(B(BPF_MAP_UPDATE_ELEM, &a), 0);
	struct bpf_insn lk[] = {
	        ST_W(10, -4, 1), LD_MAP(1, m),    MOV_X(2, 10), ADD_K(2, -4), CALL(1),
	        JEQ_K(0, 0, 2),  LDX_DW(0, 0, 0), EXIT,         MOV_K(0, -1), EXIT};
	int fd2 = load(lk, N(lk));
	assert_true(fd2 >= 0);
	assert_int_equal(run(fd2, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 1234);
	userbpf_close(fd2);
	userbpf_close(fd);
	userbpf_close(m);
}

static void test_data_out_repeat(void **state)
{
	struct bpf_insn p[] = {MOV_K(0, 32), EXIT};
	int fd = load(p, N(p));
	assert_true(fd >= 0);
	char in[32], out[64];
	memset(in, 1, sizeof in);
	memset(out, 0, sizeof out);
	union bpf_attr a = {0};
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)in;
	a.test.data_size_in = sizeof in;
	a.test.data_out = (uintptr_t)out;
	a.test.data_size_out = sizeof out;
	a.test.repeat = 1000;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &a), 0);
	assert_int_equal(a.test.retval, 32);
	assert_int_equal(a.test.data_size_out, 32);
	assert_true(a.test.duration < 1000000);
	assert_int_equal(out[31], 1); /* the packet, copied back (probed on 6.18) */
	assert_int_equal(out[32], 0);
	/* too small: partial copy, ENOSPC, full size reported (as the kernel, probed) */
	memset(out, 0, sizeof out);
	a.test.data_size_out = 10;
	a.test.repeat = 0;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &a), -ENOSPC);
	assert_int_equal(a.test.data_size_out, 32);
	assert_int_equal(a.test.retval, 32);
	assert_int_equal(out[10], 0);
	/* size only, no buffer: still ENOSPC */
	a.test.data_out = 0;
	a.test.data_size_out = 10;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &a), -ENOSPC);
	/* attr rules: flags, cpu, ctx -> EINVAL; not a program -> EINVAL; closed -> EBADF */
	union bpf_attr b = a;
	b.test.data_size_out = 0;
	b.test.flags = 1;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &b), -EINVAL);
	b.test.flags = 0;
	b.test.cpu = 1;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &b), -EINVAL);
	b.test.cpu = 0;
	b.test.ctx_out = (uintptr_t)out;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &b), -EINVAL);
	b.test.ctx_out = 0;
	int m = map_create(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	b.test.prog_fd = (uint32_t)m;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &b), -EINVAL);
	b.test.prog_fd = 1000;
	assert_int_equal(B(BPF_PROG_TEST_RUN, &b), -EBADF);
	userbpf_close(m);
	userbpf_close(fd);
}

/* Bad memory accesses are the verifier's to refuse now: EACCES at load, as the kernel. */
static void test_guarded_fault(void **state)
{
	struct bpf_insn p[] = {MOV_K(0, 0), LDX_DW(0, 0, 0), EXIT};
	assert_int_equal(load(p, N(p)), -EACCES);
	/* past the end of the context */
	struct bpf_insn q[] = {LDX_DW(0, 1, 4096), EXIT};
	assert_int_equal(load(q, N(q)), -EACCES);
	if (tu_kernel_bpf_available()) {
		assert_int_equal(tu_kernel_load(p, N(p), NULL, 0), -EACCES);
		assert_int_equal(tu_kernel_load(q, N(q), NULL, 0), -EACCES);
	}
}

#include "sys_prog_cases.h"

static void test_pin_across_processes(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "%s/prog", root);
	pid_t pid = fork();
	if (pid == 0) {
		int m = map_create(BPF_MAP_TYPE_HASH, 4, 8, 8);
		struct bpf_insn p[] = {
		        ST_W(10, -4, 1), ST_DW(10, -16, 99), LD_MAP(1, m),  MOV_X(2, 10),
		        ADD_K(2, -4),    MOV_X(3, 10),       ADD_K(3, -16), MOV_K(4, 0),
		        CALL(2),         MOV_K(0, 5),        EXIT};
		int fd = load(p, N(p));
		union bpf_attr a = {0};
		a.bpf_fd = (uint32_t)fd;
		a.pathname = (uintptr_t)path;
		_exit(m >= 0 && fd >= 0 && B(BPF_OBJ_PIN, &a) == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	union bpf_attr a = {0};
	a.pathname = (uintptr_t)path;
	int fd = (int)B(BPF_OBJ_GET, &a);
	assert_true(fd >= 0);
	char data[16] = {0}; /* a socket filter needs ETH_HLEN (14) bytes */
	uint32_t ret = 0;
	assert_int_equal(run(fd, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 5);
	/* the map lives on (held by the program), found by its id */
	uint32_t mid = 0;
	struct bpf_prog_info info = {0};
	info.nr_map_ids = 1;
	info.map_ids = (uintptr_t)&mid;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(info.nr_map_ids, 1);
	memset(&a, 0, sizeof a);
	a.map_id = mid;
	int m = (int)B(BPF_MAP_GET_FD_BY_ID, &a);
	assert_true(m >= 0);
	uint32_t key = 1;
	uint64_t val = 0;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)m;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	assert_int_equal(B(BPF_MAP_LOOKUP_ELEM, &a), 0);
	assert_int_equal(val, 99);
	/* ids: the program is listed and reopened by id */
	uint32_t pid_ = info.id;
	memset(&a, 0, sizeof a);
	a.start_id = pid_ - 1;
	assert_int_equal(B(BPF_PROG_GET_NEXT_ID, &a), 0);
	assert_int_equal(a.next_id, pid_);
	memset(&a, 0, sizeof a);
	a.prog_id = pid_;
	int fd2 = (int)B(BPF_PROG_GET_FD_BY_ID, &a);
	assert_true(fd2 >= 0);
	assert_int_equal(run(fd2, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 5);
	/* program gone (unpinned, fds closed): its map goes with it */
	userbpf_close(fd2);
	userbpf_close(fd);
	userbpf_close(m);
	unlink(path);
	memset(&a, 0, sizeof a);
	a.map_id = mid;
	assert_int_equal(B(BPF_MAP_GET_FD_BY_ID, &a), -ENOENT);
}

static void test_prog_info(void **state)
{
	int m = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4);
	struct bpf_insn p[] = {LD_MAP(1, m), MOV_K(0, 7), EXIT};
	union bpf_attr a = {0};
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)p;
	a.insn_cnt = N(p);
	a.license = (uintptr_t) "GPL";
	strcpy(a.prog_name, "tagged");
	int fd = (int)B(BPF_PROG_LOAD, &a);
	assert_true(fd >= 0);
	struct bpf_insn x[8];
	uint32_t mids[4] = {0};
	struct bpf_prog_info info = {0};
	info.xlated_prog_len = sizeof x;
	info.xlated_prog_insns = (uintptr_t)x;
	info.nr_map_ids = 4;
	info.map_ids = (uintptr_t)mids;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(a.info.info_len, sizeof info);
	assert_int_equal(info.type, BPF_PROG_TYPE_SOCKET_FILTER);
	assert_true(info.id > 0);
	assert_string_equal(info.name, "tagged");
	assert_int_equal(info.gpl_compatible, 1);
	assert_int_equal(info.jited_prog_len, 0);
	assert_int_equal(info.xlated_prog_len, 32);
	assert_int_equal(info.nr_map_ids, 1);
	assert_int_equal(info.created_by_uid, getuid());
	assert_true(info.load_time > 0);
	struct bpf_map_info mi = {0};
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)m;
	a.info.info_len = sizeof mi;
	a.info.info = (uintptr_t)&mi;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(mids[0], mi.id);
	/* xlated, as the kernel shows root: the map reference as its id */
	assert_int_equal(x[0].src_reg, BPF_PSEUDO_MAP_FD);
	assert_int_equal(x[0].imm, (int32_t)mi.id);
	assert_int_equal(x[1].imm, 0);
	assert_int_equal(x[2].imm, 7);
	/* the tag: the kernel's for the same insns (probed: map fds do not enter it) */
	static const uint8_t tag[8] = {0x67, 0x51, 0x55, 0x5a, 0x61, 0x82, 0x0a, 0x41};
	assert_memory_equal(info.tag, tag, 8);
	/* small buffers: partial copy, full sizes back */
	memset(x, 0, sizeof x);
	memset(&info, 0, sizeof info);
	info.xlated_prog_len = 8;
	info.xlated_prog_insns = (uintptr_t)x;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(info.xlated_prog_len, 32);
	assert_int_equal(info.nr_map_ids, 1);
	assert_int_equal(x[0].imm, (int32_t)mi.id);
	assert_int_equal(x[2].imm, 0);
	/* BIND_MAP: flags, bad fds, then a second map */
	int m2 = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	memset(&a, 0, sizeof a);
	a.prog_bind_map.prog_fd = (uint32_t)fd;
	a.prog_bind_map.map_fd = (uint32_t)m2;
	a.prog_bind_map.flags = 1;
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), -EINVAL);
	a.prog_bind_map.flags = 0;
	a.prog_bind_map.map_fd = 1000;
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), -EBADF);
	a.prog_bind_map.prog_fd = (uint32_t)m;
	a.prog_bind_map.map_fd = (uint32_t)m2;
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), -EINVAL);
	a.prog_bind_map.prog_fd = (uint32_t)fd;
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), 0);
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), 0);
	memset(&info, 0, sizeof info);
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(info.nr_map_ids, 2);
	if (tu_kernel_bpf_available()) {
		/* the tag above, recomputed by the kernel for a kernel map */
		union bpf_attr k = {0};
		k.map_type = BPF_MAP_TYPE_HASH;
		k.key_size = 4;
		k.value_size = 8;
		k.max_entries = 4;
		int km = (int)K(BPF_MAP_CREATE, &k);
		assert_true(km >= 0);
		p[0].imm = km;
		int kfd = tu_kernel_load(p, N(p), NULL, 0);
		assert_true(kfd >= 0);
		memset(&info, 0, sizeof info);
		memset(&k, 0, sizeof k);
		k.info.bpf_fd = (uint32_t)kfd;
		k.info.info_len = sizeof info;
		k.info.info = (uintptr_t)&info;
		assert_int_equal(K(BPF_OBJ_GET_INFO_BY_FD, &k), 0);
		assert_memory_equal(info.tag, tag, 8);
		close(kfd);
		close(km);
	}
	userbpf_close(m2);
	userbpf_close(fd);
	userbpf_close(m);
}

static int prog_array_set(int pa, uint32_t idx, int prog)
{
	union bpf_attr a = {0};
	a.map_fd = (uint32_t)pa;
	a.key = (uintptr_t)&idx;
	a.value = (uintptr_t)&prog;
	return (int)B(BPF_MAP_UPDATE_ELEM, &a);
}

static void test_tail_calls(void **state)
{
	int pa = map_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	assert_true(pa >= 0);
	/* a chain 0 -> 1 -> 2; each falls back to its own value if the call fails */
	struct bpf_insn p2[] = {MOV_K(0, 7), EXIT};
	struct bpf_insn p1[] = {LD_MAP(2, pa), MOV_K(3, 2), CALL(12), MOV_K(0, 101), EXIT};
	struct bpf_insn p0[] = {LD_MAP(2, pa), MOV_K(3, 1), CALL(12), MOV_K(0, 100), EXIT};
	int f2 = load(p2, N(p2)), f1 = load(p1, N(p1)), f0 = load(p0, N(p0));
	assert_true(f0 >= 0 && f1 >= 0 && f2 >= 0);
	char data[16] = {0}; /* a socket filter needs ETH_HLEN (14) bytes */
	uint32_t ret = 0;
	assert_int_equal(run(f0, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 100); /* empty slot: falls through */
	assert_int_equal(prog_array_set(pa, 1, f1), 0);
	assert_int_equal(prog_array_set(pa, 2, f2), 0);
	assert_int_equal(run(f0, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 7);
	/* a prog array takes one program type */
	union bpf_attr a = {0};
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uintptr_t)p2;
	a.insn_cnt = N(p2);
	a.license = (uintptr_t) "GPL";
	int fx = (int)B(BPF_PROG_LOAD, &a);
	assert_true(fx >= 0);
	assert_int_equal(prog_array_set(pa, 3, fx), -EINVAL);

	/* the limit: a program calling itself runs 1 + 33 times (MAX_TAIL_CALL_CNT) */
	int cnt = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	struct bpf_insn self[] = {MOV_X(6, 1),  ST_W(10, -4, 0), LD_MAP(1, cnt), MOV_X(2, 10),
	                          ADD_K(2, -4), CALL(1),         JEQ_K(0, 0, 3), LDX_DW(1, 0, 0),
	                          ADD_K(1, 1),  STX_DW(0, 1, 0), MOV_X(1, 6),    LD_MAP(2, pa),
	                          MOV_K(3, 0),  CALL(12),        MOV_K(0, 1),    EXIT};
	int fs = load(self, N(self));
	assert_true(fs >= 0);
	assert_int_equal(prog_array_set(pa, 0, fs), 0);
	assert_int_equal(run(fs, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 1);
	uint32_t key = 0;
	uint64_t val = 0;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)cnt;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	assert_int_equal(B(BPF_MAP_LOOKUP_ELEM, &a), 0);
	assert_int_equal(val, 34);
	int fds[] = {fs, cnt, fx, f0, f1, f2, pa};
	for (size_t i = 0; i < N(fds); i++)
		userbpf_close(fds[i]);
}

/* Shared mappings of this process (lines of /proc/self/maps with an 's' permission). */
static int shared_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof line, f)) {
		char perms[8];
		if (sscanf(line, "%*s %7s", perms) == 1 && perms[3] == 's')
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static uint32_t map_id_of_prog(int fd)
{
	uint32_t mid = 0;
	struct bpf_prog_info info = {0};
	info.nr_map_ids = 1;
	info.map_ids = (uintptr_t)&mid;
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	return mid;
}

/* Programs' hold on their maps across many loads: PROG_LOAD sweeps the links of programs
 * that are gone every so many loads (obj_prog_file.c); a pinned program and a program
 * still open keep theirs; a gone program's runtime and maps are released here too, so a
 * load / close loop does not accumulate mappings. */
static void test_prog_refs_sweep(void **state)
{
	char path[128];
	snprintf(path, sizeof path, "%s/kept", root);
	struct bpf_insn p[] = {ST_W(10, -4, 1), ST_DW(10, -16, 42), LD_MAP(1, -1), MOV_X(2, 10),
	                       ADD_K(2, -4),    MOV_X(3, 10),       ADD_K(3, -16), MOV_K(4, 0),
	                       CALL(2),         MOV_K(0, 3),        EXIT};
	/* one pinned program and one kept open, each with a map whose fd is closed */
	int kept_map = map_create(BPF_MAP_TYPE_HASH, 4, 8, 8);
	p[2].imm = kept_map;
	int pinned = load(p, N(p));
	assert_true(pinned >= 0);
	union bpf_attr a = {0};
	a.bpf_fd = (uint32_t)pinned;
	a.pathname = (uintptr_t)path;
	assert_int_equal(B(BPF_OBJ_PIN, &a), 0);
	uint32_t pinned_map = map_id_of_prog(pinned);
	userbpf_close(pinned);
	userbpf_close(kept_map);
	int open_map = map_create(BPF_MAP_TYPE_HASH, 4, 8, 8);
	p[2].imm = open_map;
	int open_prog = load(p, N(p));
	assert_true(open_prog >= 0);
	uint32_t open_map_id = map_id_of_prog(open_prog);
	userbpf_close(open_map);

	/* many programs with a fresh map each, loaded and closed */
	int before = -1;
	uint32_t last_map = 0;
	for (int i = 0; i < 300; i++) {
		int m = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
		assert_true(m >= 0);
		p[2].imm = m;
		int fd = load(p, N(p));
		assert_true(fd >= 0);
		if (i == 299)
			last_map = map_id_of_prog(fd);
		userbpf_close(fd);
		userbpf_close(m);
		if (i == 99)
			before = shared_mappings();
	}
	/* gone programs' runtimes and maps were released: no growth per load */
	assert_true(shared_mappings() <= before + 40);

	/* an id command sweeps everything: the last loop map is gone, the others live */
	memset(&a, 0, sizeof a);
	a.map_id = last_map;
	assert_int_equal(B(BPF_MAP_GET_FD_BY_ID, &a), -ENOENT);
	memset(&a, 0, sizeof a);
	a.map_id = open_map_id;
	int m = (int)B(BPF_MAP_GET_FD_BY_ID, &a);
	assert_true(m >= 0);
	userbpf_close(m);
	memset(&a, 0, sizeof a);
	a.pathname = (uintptr_t)path;
	int fd = (int)B(BPF_OBJ_GET, &a);
	assert_true(fd >= 0);
	char data[16] = {0};
	uint32_t ret = 0;
	assert_int_equal(run(fd, data, sizeof data, &ret), 0);
	assert_int_equal(ret, 3);
	memset(&a, 0, sizeof a);
	a.map_id = pinned_map;
	m = (int)B(BPF_MAP_GET_FD_BY_ID, &a);
	assert_true(m >= 0);
	uint32_t key = 1;
	uint64_t val = 0;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)m;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	assert_int_equal(B(BPF_MAP_LOOKUP_ELEM, &a), 0);
	assert_int_equal(val, 42);
	userbpf_close(m);
	/* unpinned and closed: gone, with its map */
	userbpf_close(fd);
	unlink(path);
	memset(&a, 0, sizeof a);
	a.map_id = pinned_map;
	assert_int_equal(B(BPF_MAP_GET_FD_BY_ID, &a), -ENOENT);
	/* the open program too, once closed */
	userbpf_close(open_prog);
	memset(&a, 0, sizeof a);
	a.map_id = open_map_id;
	assert_int_equal(B(BPF_MAP_GET_FD_BY_ID, &a), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_load_and_run, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hash_map_helpers, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_data_out_repeat, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_guarded_fault, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_load_attr_rules, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pin_across_processes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prog_info, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_tail_calls, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prog_refs_sweep, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
