/* test_map_array_inline.c — the verifier's inlined array lookup as the interpreter runs it.
 *
 * The trusted engine runs the 7- or 8-instruction sequence of map_gen_lookup.c as one fused
 * op (src/vm/vm_fuse.c); the guarded engine runs the plain instructions. Both must give the
 * sequence's result register for register (r0 = the value's address or 0, r1 = the data
 * pointer, r2 untouched) for keys in and out of range, with and without the index mask,
 * scaled by a shift or a multiplication; and the expected values are computed here from
 * the sequence's definition. End to end, an array lookup loaded through BPF_PROG_LOAD (so
 * inlined by the verifier) returns the stored values and NULL past the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "vm/vm_internal.h"

#define KI(c, d, s, o, i)                                                                          \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

#define DATA_OFF 16 /* where the fake map keeps its data pointer */

/* r6 = out; the lookup sequence; out[0] = r1, out[1] = r2; return r0. */
static size_t build(struct bpf_insn *p, bool masked, bool mul, uint32_t n, uint32_t size,
                    uint32_t mask)
{
	size_t c = 0;
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
	p[c++] = KI(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, DATA_OFF, 0);
	p[c++] = KI(BPF_LDX | BPF_MEM | BPF_W, 0, 2, 0, 0);
	p[c++] = KI(BPF_JMP | BPF_JGE | BPF_K, 0, 0, masked ? 4 : 3, (int32_t)n);
	if (masked)
		p[c++] = KI(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, (int32_t)mask);
	if (mul)
		p[c++] = KI(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, (int32_t)size);
	else
		p[c++] = KI(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, __builtin_ctz(size));
	p[c++] = KI(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0);
	p[c++] = KI(BPF_JMP | BPF_JA, 0, 0, 1, 0);
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[c++] = KI(BPF_STX | BPF_MEM | BPF_DW, 6, 1, 0, 0);
	p[c++] = KI(BPF_STX | BPF_MEM | BPF_DW, 6, 2, 8, 0);
	p[c++] = KI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return c;
}

static void run_one(struct userbpf_vm *vm, uint64_t *fake, uint32_t *key, uint64_t *out,
                    uint64_t *r0)
{
	struct userbpf_mem_region regs[] = {
	        {fake, 4 * sizeof *fake, USERBPF_MEM_READ},
	        {key, sizeof *key, USERBPF_MEM_READ},
	        {out, 2 * sizeof *out, USERBPF_MEM_READ | USERBPF_MEM_WRITE}};
	struct userbpf_run_args a = {.sz = sizeof a,
	                             .r = {(uintptr_t)fake, (uintptr_t)key, (uintptr_t)out},
	                             .regions = regs,
	                             .nr_regions = 3};
	struct userbpf_error e;
	assert_int_equal(userbpf_vm_run(vm, &a, r0, &e), 0);
}

static void test_fused_equals_plain(void **state)
{
	(void)state;
	static char values[64 * 24];
	uint64_t fake[4] = {0, 0, (uintptr_t)values, 0};
	const void *const *labels;
	vm_exec_trusted(NULL, NULL, &labels);
	static const uint32_t keys[] = {0, 1, 4, 5, 6, 7, 8, 63, 0x80000000u, 0xffffffffu};
	for (int v = 0; v < 4; v++) {
		bool masked = v & 1, mul = v & 2;
		uint32_t n = 5, size = mul ? 24 : 8, mask = 7;
		struct bpf_insn p[16];
		size_t cnt = build(p, masked, mul, n, size, mask);
		struct userbpf_vm *trusted, *guarded;
		struct userbpf_vm_opts go = {.sz = sizeof go, .flags = USERBPF_VM_UNVERIFIED};
		struct userbpf_error e;
		assert_int_equal(userbpf_vm_create(p, cnt, NULL, &trusted, &e), 0);
		assert_int_equal(userbpf_vm_create(p, cnt, &go, &guarded, &e), 0);
		/* the trusted vm runs it as one op (unless USERBPF_NO_FUSE is set) */
		const char *nf = getenv("USERBPF_NO_FUSE");
		if (!nf || !*nf || !strcmp(nf, "0"))
			assert_ptr_equal(trusted->ops[1].handler, labels[VM_K_array_lookup]);
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			uint32_t key = keys[k];
			uint64_t out_t[2], out_g[2], r0_t, r0_g;
			run_one(trusted, fake, &key, out_t, &r0_t);
			run_one(guarded, fake, &key, out_g, &r0_g);
			uint64_t want = key < n ? (uintptr_t)values + (uint64_t)key * size : 0;
			assert_int_equal(r0_t, want);
			assert_int_equal(r0_g, want);
			assert_int_equal(out_t[0], (uintptr_t)values);
			assert_int_equal(out_g[0], (uintptr_t)values);
			assert_int_equal(out_t[1], (uintptr_t)&key);
			assert_int_equal(out_g[1], (uintptr_t)&key);
		}
		userbpf_vm_destroy(trusted);
		userbpf_vm_destroy(guarded);
	}
}

/* A jump into the middle of the sequence runs the plain ops: same result either way. */
static void test_jump_into_sequence(void **state)
{
	(void)state;
	static uint64_t values[8];
	uint64_t fake[4] = {0, 0, (uintptr_t)values, 0};
	struct bpf_insn p[20];
	size_t c = 0;
	/* if r4 != 0 goto the scale (r0 = 3, r1 = data set by hand first) */
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_X, 6, 3, 0, 0);
	p[c++] = KI(BPF_JMP | BPF_JEQ | BPF_K, 4, 0, 3, 0);
	p[c++] = KI(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, DATA_OFF, 0);
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 3);
	p[c++] = KI(BPF_JA | BPF_JMP, 0, 0, 3, 0); /* to the shift */
	size_t seq = c;
	c += build(p + c, false, false, 8, 8, 0) - 1; /* without build's first mov */
	memmove(p + seq, p + seq + 1, (c - seq) * sizeof *p);
	struct userbpf_vm *vm;
	struct userbpf_error e;
	assert_int_equal(userbpf_vm_create(p, c, NULL, &vm, &e), 0);
	for (uint64_t via_middle = 0; via_middle < 2; via_middle++) {
		uint32_t key = 5;
		uint64_t out[2], r0;
		struct userbpf_mem_region regs[] = {
		        {fake, sizeof fake, USERBPF_MEM_READ},
		        {&key, sizeof key, USERBPF_MEM_READ},
		        {out, sizeof out, USERBPF_MEM_READ | USERBPF_MEM_WRITE}};
		struct userbpf_run_args a = {
		        .sz = sizeof a,
		        .r = {(uintptr_t)fake, (uintptr_t)&key, (uintptr_t)out, via_middle},
		        .regions = regs,
		        .nr_regions = 3};
		assert_int_equal(userbpf_vm_run(vm, &a, &r0, &e), 0);
		/* through the middle the index is 3 (set by hand), else the key 5 */
		assert_int_equal(r0, (uintptr_t)&values[via_middle ? 3 : 5]);
		assert_int_equal(out[0], (uintptr_t)values);
	}
	userbpf_vm_destroy(vm);
}

static char root[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* Through BPF_PROG_LOAD: the verifier inlines the lookup; values and NULL past the end. */
static void test_end_to_end(void **state)
{
	(void)state;
	strcpy(root, "/dev/shm/userbpf-inl-XXXXXX");
	assert_non_null(mkdtemp(root));
	setenv("USERBPF_BPFFS", root, 1);
	union bpf_attr a = {0};
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 6;
	int m = userbpf_sys_bpf(BPF_MAP_CREATE, &a, sizeof a);
	assert_true(m >= 0);
	for (uint32_t k = 0; k < 6; k++) {
		uint64_t v = 1000 + k;
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)m;
		a.key = (uintptr_t)&k;
		a.value = (uintptr_t)&v;
		assert_int_equal(userbpf_sys_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof a), 0);
	}
	for (int32_t key = 0; key < 9; key++) {
		/* key on the stack; return the value, or 7777 when the lookup gives NULL */
		struct bpf_insn p[] = {
		        KI(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, key),
		        KI(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, m),
		        KI(0, 0, 0, 0, 0),
		        KI(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		        KI(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		        KI(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		        KI(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0),
		        KI(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0),
		        KI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		        KI(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7777),
		        KI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		memset(&a, 0, sizeof a);
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insns = (uintptr_t)p;
		a.insn_cnt = sizeof p / sizeof p[0];
		a.license = (uintptr_t) "GPL";
		int fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
		assert_true(fd >= 0);
		char pkt[64] = {0};
		memset(&a, 0, sizeof a);
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uintptr_t)pkt;
		a.test.data_size_in = sizeof pkt;
		assert_int_equal(userbpf_sys_bpf(BPF_PROG_TEST_RUN, &a, sizeof a), 0);
		assert_int_equal(a.test.retval, key < 6 ? (uint32_t)(1000 + key) : 7777u);
		userbpf_close(fd);
	}
	userbpf_close(m);
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fused_equals_plain),
	        cmocka_unit_test(test_jump_into_sequence),
	        cmocka_unit_test(test_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
