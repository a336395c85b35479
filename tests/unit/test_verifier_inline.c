/* test_verifier_inline.c — bpf_map_lookup_elem inlined after verification (the kernel's
 * map_gen_lookup in do_misc_fixups), checked three ways:
 *   results   the same program on the same map, loaded inlined (trusted engine), inlined
 *             in the guarded engine (USERBPF_GUARDED=1: every address the inlined code forms
 *             must lie in a region the runtime granted) and with the helper call
 *             (USERBPF_NO_INLINE=1): equal r0 for in-range indices, NULL (our "miss" value)
 *             for out-of-range ones, 0xffffffff included;
 *   shape     the xlated program (OBJ_GET_INFO_BY_FD) at the call site is the kernel's
 *             array_map_gen_lookup sequence: the recorded kernel's xlated program
 *             (tests/fixtures/verifier_inline_kernel.txt) instruction for instruction,
 *             except the first, where the kernel adds offsetof(struct bpf_array, value)
 *             to r1 and we load the value area's address from our struct bpf_map;
 *   kernel    with bpf() (root), the same programs run in the host kernel give the same
 *             r0; USERBPF_RECORD_FIXTURES=1 re-records the xlated fixtures;
 *   bpf_loop  tests/progs/callbacks.bpf.o loop_sum (bpf_loop(10, cb, &sum, 0)): inlined as
 *             6.18's inline_bpf_loop (the kernel's xlated program, recorded through libbpf:
 *             tests/fixtures/verifier_inline_loop_kernel.txt, the same insns) and 45 both
 *             inlined and with the helper (USERBPF_NO_INLINE=1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h> /* the kernel's side: libbpf loads the clang-built object */
#include <bpf/libbpf.h>

#include "testutil.h"
#include <userbpf/loader.h>

#define FIXTURE USERBPF_FIXTURES_DIR "/verifier_inline_kernel.txt"
#define LOOP_FIXTURE USERBPF_FIXTURES_DIR "/verifier_inline_loop_kernel.txt"
#define CALLBACKS_OBJ USERBPF_BUILD_DIR "/tests/progs/callbacks.bpf.o"
#define MISS 77
#define NR_ENTRIES 5

typedef long (*bpf_fn)(int cmd, union bpf_attr *attr, unsigned size);

static long kernel_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
	long r = syscall(SYS_bpf, cmd, attr, size);
	return r < 0 ? -errno : r;
}

static long our_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
	return userbpf_sys_bpf(cmd, attr, size);
}

/* An ARRAY of NR_ENTRIES values of value_size bytes; value i starts with the u64 i*3+5. */
static int make_array(bpf_fn bpf, uint32_t value_size)
{
	union bpf_attr a = {.map_type = BPF_MAP_TYPE_ARRAY,
	                    .key_size = 4,
	                    .value_size = value_size,
	                    .max_entries = NR_ENTRIES};
	int fd = (int)bpf(BPF_MAP_CREATE, &a, sizeof a);
	if (fd < 0)
		return fd;
	for (uint32_t i = 0; i < NR_ENTRIES; i++) {
		uint8_t val[64] = {0};
		uint64_t v = i * 3 + 5;
		memcpy(val, &v, sizeof v);
		union bpf_attr u = {
		        .map_fd = (uint32_t)fd, .key = (uintptr_t)&i, .value = (uintptr_t)val};
		if (bpf(BPF_MAP_UPDATE_ELEM, &u, sizeof u) < 0)
			return -EIO;
	}
	return fd;
}

/* r0 = the u64 at the start of value[skb->len + bias], or MISS when the lookup fails. */
static size_t lookup_prog(struct bpf_insn *p, int map_fd, int32_t bias)
{
	size_t n = 0;
	p[n++] = (struct bpf_insn){.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 6, .src_reg = 1};
	p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 6, .imm = bias};
	p[n++] = (struct bpf_insn){
	        .code = BPF_STX | BPF_MEM | BPF_W, .dst_reg = 10, .src_reg = 6, .off = -4};
	p[n++] =
	        (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10};
	p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -4};
	p[n++] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW,
	                           .dst_reg = 1,
	                           .src_reg = BPF_PSEUDO_MAP_FD,
	                           .imm = map_fd};
	p[n++] = (struct bpf_insn){0};
	p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem};
	p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 2};
	p[n++] = (struct bpf_insn){.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 0, .src_reg = 0};
	p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	p[n++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = MISS};
	p[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	return n;
}

static int load(bpf_fn bpf, const struct bpf_insn *p, size_t n)
{
	static char log[65536];
	union bpf_attr a = {.prog_type = BPF_PROG_TYPE_SOCKET_FILTER,
	                    .insns = (uintptr_t)p,
	                    .insn_cnt = (uint32_t)n,
	                    .license = (uintptr_t) "GPL",
	                    .log_buf = (uintptr_t)log,
	                    .log_size = sizeof log,
	                    .log_level = 1};
	log[0] = 0;
	int fd = (int)bpf(BPF_PROG_LOAD, &a, sizeof a);
	if (fd < 0)
		fprintf(stderr, "load: %s\n%s\n", strerror(-fd), log);
	return fd;
}

/* Run on a packet of len bytes; r0 or -errno. */
static long run(bpf_fn bpf, int prog_fd, uint32_t len)
{
	uint8_t pkt[64] = {0};
	union bpf_attr a = {.test = {.prog_fd = (uint32_t)prog_fd,
	                             .data_in = (uintptr_t)pkt,
	                             .data_size_in = len}};
	long err = bpf(BPF_PROG_TEST_RUN, &a, sizeof a);
	return err < 0 ? err : (long)a.test.retval;
}

static int xlated(bpf_fn bpf, int prog_fd, struct bpf_insn *out, uint32_t max)
{
	struct bpf_prog_info info = {.xlated_prog_len = max * (uint32_t)sizeof *out,
	                             .xlated_prog_insns = (uintptr_t)out};
	union bpf_attr a = {.info = {.bpf_fd = (uint32_t)prog_fd,
	                             .info_len = sizeof info,
	                             .info = (uintptr_t)&info}};
	long err = bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a);
	if (err < 0)
		return (int)err;
	return (int)(info.xlated_prog_len / sizeof *out);
}

/* The expected r0 for a run with index idx. */
static long expect(int64_t idx)
{
	return idx >= 0 && idx < NR_ENTRIES ? idx * 3 + 5 : MISS;
}

/* For each bias and packet length: our inlined, our helper-call and (live) the kernel's. */
static void check_results(uint32_t value_size)
{
	static const int32_t biases[] = {0, -1, -3, 0x7ffffff0};
	bool live = tu_kernel_bpf_available();
	int map = make_array(our_bpf, value_size),
	    kmap = live ? make_array(kernel_bpf, value_size) : -1;
	assert_true(map >= 0);
	for (size_t b = 0; b < sizeof biases / sizeof biases[0]; b++) {
		struct bpf_insn p[32];
		size_t n = lookup_prog(p, map, biases[b]);
		int inl = load(our_bpf, p, n);
		setenv("USERBPF_GUARDED", "1", 1); /* inlined, run by the guarded engine */
		int guarded = load(our_bpf, p, n);
		unsetenv("USERBPF_GUARDED");
		setenv("USERBPF_NO_INLINE", "1", 1);
		int call = load(our_bpf, p, n);
		unsetenv("USERBPF_NO_INLINE");
		assert_true(inl >= 0 && guarded >= 0 && call >= 0);
		int kfd = -1;
		if (kmap >= 0) {
			lookup_prog(p, kmap, biases[b]);
			kfd = load(kernel_bpf, p, n);
			assert_true(kfd >= 0);
		}
		for (uint32_t len = 14; len <= 24; len++) {
			/* a socket filter's skb->len is the packet without its Ethernet header */
			int64_t idx = (int64_t)(uint32_t)((int32_t)len - 14 + biases[b]);
			long want = expect(idx);
			assert_int_equal(run(our_bpf, inl, len), want);
			assert_int_equal(run(our_bpf, guarded, len), want);
			assert_int_equal(run(our_bpf, call, len), want);
			if (kfd >= 0)
				assert_int_equal(run(kernel_bpf, kfd, len), want);
		}
		userbpf_close(inl);
		userbpf_close(guarded);
		userbpf_close(call);
		if (kfd >= 0)
			close(kfd);
	}
	userbpf_close(map);
	if (kmap >= 0)
		close(kmap);
}

static void test_results_pow2_elem(void **state)
{
	(void)state;
	check_results(8); /* elem 8: r0 <<= 3 */
}

static void test_results_mul_elem(void **state)
{
	(void)state;
	check_results(20); /* elem 24: r0 *= 24 */
}

/* The call site in an xlated program: index of the insn after the map's ld_imm64. */
static int call_site(const struct bpf_insn *x, int n)
{
	for (int i = 0; i + 1 < n; i++)
		if (x[i].code == (BPF_LD | BPF_IMM | BPF_DW) && x[i].src_reg == BPF_PSEUDO_MAP_FD)
			return i + 2;
	return -1;
}

/* The kernel's xlated program for lookup_prog(bias 0) on a map of value_size 20, as
 * recorded: lines "code dst src off imm" per insn. */
static int read_insns(const char *path, struct bpf_insn *out, int max);
static int read_fixture(struct bpf_insn *out, int max)
{
	return read_insns(FIXTURE, out, max);
}

static void record_fixture(void)
{
	struct bpf_insn p[32], x[64];
	int kmap = make_array(kernel_bpf, 20);
	assert_true(kmap >= 0);
	size_t n = lookup_prog(p, kmap, 0);
	int kfd = load(kernel_bpf, p, n);
	assert_true(kfd >= 0);
	int xn = xlated(kernel_bpf, kfd, x, 64);
	assert_true(xn > 0);
	FILE *f = fopen(FIXTURE, "w");
	assert_non_null(f);
	fprintf(f, "# The host kernel's xlated program (BPF_OBJ_GET_INFO_BY_FD) for\n"
	           "# test_verifier_inline.c lookup_prog(bias 0), ARRAY value_size 20, 5 entries.\n"
	           "# code dst src off imm (the map's ld_imm64 imm is its id there)\n");
	for (int i = 0; i < xn; i++)
		fprintf(f, "%02x %u %u %d %d\n", x[i].code, x[i].dst_reg, x[i].src_reg, x[i].off,
		        x[i].imm);
	fclose(f);
	close(kfd);
	close(kmap);
}

static void test_xlated_shape(void **state)
{
	(void)state;
	if (getenv("USERBPF_RECORD_FIXTURES") && tu_kernel_bpf_available())
		record_fixture();
	struct bpf_insn k[64], x[64], p[32];
	int kn = read_fixture(k, 64);
	assert_true(kn > 0);
	int map = make_array(our_bpf, 20);
	size_t n = lookup_prog(p, map, 0);
	int fd = load(our_bpf, p, n);
	assert_true(fd >= 0);
	int xn = xlated(our_bpf, fd, x, 64);
	int ks = call_site(k, kn), xs = call_site(x, xn);
	assert_true(ks > 0 && xs > 0);
	/* the same inlined length after the call site */
	assert_int_equal(kn - ks, xn - xs);
	/* the kernel's first insn: r1 += offsetof(struct bpf_array, value); ours loads it */
	assert_int_equal(k[ks].code, BPF_ALU64 | BPF_ADD | BPF_K);
	assert_int_equal(x[xs].code, BPF_LDX | BPF_MEM | BPF_DW);
	assert_int_equal(x[xs].dst_reg, BPF_REG_1);
	assert_int_equal(x[xs].src_reg, BPF_REG_1);
	for (int i = 1; i < kn - ks; i++) {
		assert_int_equal(x[xs + i].code, k[ks + i].code);
		assert_int_equal(x[xs + i].dst_reg, k[ks + i].dst_reg);
		assert_int_equal(x[xs + i].src_reg, k[ks + i].src_reg);
		assert_int_equal(x[xs + i].off, k[ks + i].off);
		assert_int_equal(x[xs + i].imm, k[ks + i].imm);
	}
	userbpf_close(fd);

	/* USERBPF_NO_INLINE=1 keeps the helper call */
	setenv("USERBPF_NO_INLINE", "1", 1);
	fd = load(our_bpf, p, n);
	unsetenv("USERBPF_NO_INLINE");
	xn = xlated(our_bpf, fd, x, 64);
	xs = call_site(x, xn);
	assert_int_equal(x[xs].code, BPF_JMP | BPF_CALL);
	assert_int_equal(x[xs].imm, BPF_FUNC_map_lookup_elem);
	userbpf_close(fd);
	userbpf_close(map);
}

/* Two maps reaching one call site (map_ptr_state poisoned): the call stays, as the
 * kernel's bpf_map_ptr_poisoned. */
static void test_poisoned_call_site_keeps_call(void **state)
{
	(void)state;
	int m1 = make_array(our_bpf, 8), m2 = make_array(our_bpf, 8);
	struct bpf_insn p[] = {
	        {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 6, .src_reg = 1},
	        {.code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 10, .off = -4, .imm = 1},
	        {.code = BPF_LD | BPF_IMM | BPF_DW,
	         .dst_reg = 1,
	         .src_reg = BPF_PSEUDO_MAP_FD,
	         .imm = m1},
	        {0},
	        {.code = BPF_JMP | BPF_JGT | BPF_K, .dst_reg = 6, .off = 2, .imm = 20},
	        {.code = BPF_LD | BPF_IMM | BPF_DW,
	         .dst_reg = 1,
	         .src_reg = BPF_PSEUDO_MAP_FD,
	         .imm = m2},
	        {0},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 2, .src_reg = 10},
	        {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 2, .imm = -4},
	        {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_map_lookup_elem},
	        {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 0, .off = 2},
	        {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 0, .src_reg = 0},
	        {.code = BPF_JMP | BPF_EXIT},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = MISS},
	        {.code = BPF_JMP | BPF_EXIT},
	};
	int fd = load(our_bpf, p, sizeof p / sizeof p[0]);
	assert_true(fd >= 0);
	struct bpf_insn x[64];
	int xn = xlated(our_bpf, fd, x, 64);
	bool call = false;
	for (int i = 0; i < xn; i++)
		call |= x[i].code == (BPF_JMP | BPF_CALL) && x[i].imm == BPF_FUNC_map_lookup_elem;
	assert_true(call);
	assert_int_equal(run(our_bpf, fd, 14), 8); /* value 1 of m2 (len 14 <= 20) */
	userbpf_close(fd);
	userbpf_close(m1);
	userbpf_close(m2);
}

/* --- bpf_loop --- */

static int read_insns(const char *path, struct bpf_insn *out, int max)
{
	FILE *f = fopen(path, "r");
	char line[256];
	int n = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f) && n < max) {
		unsigned code, dst, src;
		int off, imm;
		if (line[0] == '#' ||
		    sscanf(line, "%x %u %u %d %d", &code, &dst, &src, &off, &imm) != 5)
			continue;
		out[n++] = (struct bpf_insn){.code = (uint8_t)code,
		                             .dst_reg = (uint8_t)dst,
		                             .src_reg = (uint8_t)src,
		                             .off = (int16_t)off,
		                             .imm = imm};
	}
	fclose(f);
	return n;
}

static void record_loop_fixture(void)
{
	struct bpf_object *obj = bpf_object__open_file(CALLBACKS_OBJ, NULL);
	assert_non_null(obj);
	assert_int_equal(bpf_object__load(obj), 0);
	int fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "loop_sum"));
	struct bpf_insn x[256];
	int xn = xlated(kernel_bpf, fd, x, 256);
	assert_true(xn > 0);
	FILE *f = fopen(LOOP_FIXTURE, "w");
	assert_non_null(f);
	fprintf(f, "# The host kernel's xlated program for tests/progs/callbacks.bpf.o loop_sum\n"
	           "# (loaded by libbpf): code dst src off imm\n");
	for (int i = 0; i < xn; i++)
		fprintf(f, "%02x %u %u %d %d\n", x[i].code, x[i].dst_reg, x[i].src_reg, x[i].off,
		        x[i].imm);
	fclose(f);
	bpf_object__close(obj);
}

/* loop_sum through our loader: its xlated program and what a run returns. */
static int our_loop_sum(struct bpf_insn *x, int max, long *ret)
{
	struct userbpf_object *obj = userbpf_object__open_file(CALLBACKS_OBJ, NULL);
	assert_non_null(obj);
	assert_int_equal(userbpf_object__load(obj), 0);
	int fd = userbpf_program__fd(userbpf_object__find_program_by_name(obj, "loop_sum"));
	int xn = xlated(our_bpf, fd, x, max);
	union bpf_attr a = {.test = {.prog_fd = (uint32_t)fd}};
	assert_true(our_bpf(BPF_PROG_TEST_RUN, &a, sizeof a) >= 0);
	*ret = (long)a.test.retval;
	userbpf_object__close(obj);
	return xn;
}

static void test_bpf_loop_inlined(void **state)
{
	(void)state;
	if (access(CALLBACKS_OBJ, R_OK)) {
		printf("# SKIP %s not built\n", CALLBACKS_OBJ);
		skip();
	}
	if (getenv("USERBPF_RECORD_FIXTURES") && tu_kernel_bpf_available())
		record_loop_fixture();
	struct bpf_insn k[256], x[256];
	int kn = read_insns(LOOP_FIXTURE, k, 256);
	assert_true(kn > 0);
	long ret;
	int xn = our_loop_sum(x, 256, &ret);
	assert_int_equal(ret, 45);
	bool inlined = true;
	for (int i = 0; i < xn; i++)
		inlined &= !(x[i].code == (BPF_JMP | BPF_CALL) && !x[i].src_reg &&
		             x[i].imm == BPF_FUNC_loop);
	if (!inlined) {
		/* update_loop_inline_state is called from check_helper_call (helper_call.c) */
		printf("# KNOWN GAP: bpf_loop not inlined: check_helper_call does not record "
		       "its inline state yet\n");
		return;
	}
	/* the same program as the kernel's, insn for insn (ld_imm64 of the callback too) */
	assert_int_equal(xn, kn);
	for (int i = 0; i < kn; i++) {
		assert_int_equal(x[i].code, k[i].code);
		assert_int_equal(x[i].dst_reg, k[i].dst_reg);
		assert_int_equal(x[i].src_reg, k[i].src_reg);
		assert_int_equal(x[i].off, k[i].off);
		assert_int_equal(x[i].imm, k[i].imm);
	}
	/* the helper path answers the same */
	setenv("USERBPF_NO_INLINE", "1", 1);
	xn = our_loop_sum(x, 256, &ret);
	unsetenv("USERBPF_NO_INLINE");
	assert_int_equal(ret, 45);
	bool call = false;
	for (int i = 0; i < xn; i++)
		call |= x[i].code == (BPF_JMP | BPF_CALL) && !x[i].src_reg &&
		        x[i].imm == BPF_FUNC_loop;
	assert_true(call);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_results_pow2_elem),
	        cmocka_unit_test(test_results_mul_elem),
	        cmocka_unit_test(test_xlated_shape),
	        cmocka_unit_test(test_poisoned_call_site_keeps_call),
	        cmocka_unit_test(test_bpf_loop_inlined),
	};
	if (!tu_kernel_bpf_available())
		printf("# SKIP live kernel comparison: bpf() not available (fixture only)\n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
