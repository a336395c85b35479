/* test_vm_tailcall_kernel.c — tail calls from subprograms, verified and run end to end,
 * against the host kernel.
 *
 * Socket filters with BTF func_info (the kernel allows a tail call in a subprogram only
 * with BTF, only from a function returning int, and only JIT'ed), loaded and test-run
 * through userbpf_sys_bpf — in the trusted engine and, with USERBPF_GUARDED=1, the
 * guarded one — and through the host's bpf(). Each case records the retval and how often
 * the counting function ran (an ARRAY map, reset before each run). The kernel's answers
 * are kept in tests/fixtures/vm_tailcall_kernel.txt (USERBPF_RECORD_FIXTURES=1 re-records
 * them, as root); ours must equal them with or without a kernel.
 *
 * depth D, limit L: main -> f1 -> ... -> fD, each fk returning 3 * f(k+1)() + k + 1, so
 *   every level shows in the retval; fD counts (n = ++count) and, while n <= L, tail-calls
 *   the program itself (slot 0) from frame D; a tail call that fails falls through to
 *   return n + 1000, otherwise fD returns n. The target's exit returns to f(D-1).
 * hierarchy: main calls f1 twice; f1 tail-calls a counting program (slot 1) that tail-calls
 *   itself; whether the 33 tail calls are the run's or each call's shows in the count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/vm_tailcall_kernel.txt"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU64_K(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(o) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* imm = which map (MAP_CNT, MAP_PA), replaced by that loader's fd */
#define LD_MAP(d, which)                                                                           \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, which), INSN(0, 0, 0, 0, 0)
#define N(p) (sizeof(p) / sizeof((p)[0]))

enum { MAP_CNT = 1, MAP_PA = 2 };

/* ---- programs ---- */
struct prog {
	struct bpf_insn insns[128];
	int cnt;
	uint32_t starts[16]; /* each function's first insn */
	int nr_funcs;
};

static void emit(struct prog *p, struct bpf_insn in)
{
	assert_true(p->cnt < (int)N(p->insns));
	p->insns[p->cnt++] = in;
}

static void emit_n(struct prog *p, const struct bpf_insn *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		emit(p, in[i]);
}

static void func(struct prog *p)
{
	p->starts[p->nr_funcs++] = (uint32_t)p->cnt;
}

/* n = ++count (key 0 of the ARRAY map; 0 when the lookup fails): r7 = n, r6 = ctx */
static void emit_count(struct prog *p)
{
	const struct bpf_insn c[] = {
	        MOV64_X(6, 1),
	        INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
	        LD_MAP(1, MAP_CNT),
	        MOV64_X(2, 10),
	        ALU64_K(BPF_ADD, 2, -4),
	        CALL(BPF_FUNC_map_lookup_elem),
	        MOV64(7, 0),
	        INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0),
	        INSN(BPF_LDX | BPF_MEM | BPF_DW, 7, 0, 0, 0),
	        ALU64_K(BPF_ADD, 7, 1),
	        INSN(BPF_STX | BPF_MEM | BPF_DW, 0, 7, 0, 0),
	};
	emit_n(p, c, N(c));
}

/* bpf_tail_call(ctx, prog_array, slot); when it fails: return n + 1000 */
static void emit_tail_call(struct prog *p, int slot)
{
	const struct bpf_insn c[] = {
	        MOV64_X(1, 6), LD_MAP(2, MAP_PA),         MOV64(3, slot), CALL(BPF_FUNC_tail_call),
	        MOV64_X(0, 7), ALU64_K(BPF_ADD, 0, 1000), EXIT(),
	};
	emit_n(p, c, N(c));
}

static void build_depth(struct prog *p, int depth, int limit)
{
	memset(p, 0, sizeof *p);
	for (int k = 0; k < depth; k++) { /* f0 = main .. f(depth-1): 4 insns each */
		func(p);
		emit(p, CALL_LOCAL(3));
		emit(p, ALU64_K(BPF_MUL, 0, 3));
		emit(p, ALU64_K(BPF_ADD, 0, k + 1));
		emit(p, EXIT());
	}
	func(p);
	emit_count(p);
	emit(p, INSN(BPF_JMP | BPF_JGT | BPF_K, 7, 0, 8, limit)); /* over the tail call */
	emit_tail_call(p, 0);                                     /* 8 insns */
	emit(p, MOV64_X(0, 7));
	emit(p, EXIT());
}

static void build_hierarchy(struct prog *p)
{
	memset(p, 0, sizeof *p);
	func(p);
	const struct bpf_insn m[] = {
	        MOV64_X(6, 1),
	        CALL_LOCAL(6),
	        MOV64_X(8, 0),
	        MOV64_X(1, 6),
	        CALL_LOCAL(3),
	        ALU64_K(BPF_LSH, 8, 16),
	        INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0),
	        EXIT(),
	};
	emit_n(p, m, N(m));
	func(p); /* f1: tail_call(ctx, prog_array, 1); return 7 */
	const struct bpf_insn f1[] = {LD_MAP(2, MAP_PA), MOV64(3, 1), CALL(BPF_FUNC_tail_call),
	                              MOV64(0, 7), EXIT()};
	emit_n(p, f1, N(f1));
}

/* the hierarchy's slot 1: n = ++count; tail_call(ctx, 1); return n + 1000 */
static void build_counter(struct prog *p)
{
	memset(p, 0, sizeof *p);
	func(p);
	emit_count(p);
	emit_tail_call(p, 1);
}

/* ---- raw BTF: int, FUNC_PROTO int (void), one static FUNC per function ---- */
struct btf_blob {
	uint8_t b[1024];
	uint32_t len;
	uint32_t func_ids[16];
};

static void build_btf(struct btf_blob *bb, int nr_funcs)
{
	uint32_t types[256], n = 0;
	char strs[256] = "\0int\0f";
	uint32_t strs_len = 7; /* "", "int", "f" (all functions are "f"; names do not matter) */
	types[n++] = 1;        /* name "int" */
	types[n++] = 1u << 24; /* BTF_KIND_INT */
	types[n++] = 4;        /* size */
	types[n++] = (1u << 24) | 32; /* BTF_INT_SIGNED, 32 bits: type 1 */
	types[n++] = 0;               /* FUNC_PROTO, no args, returns int: type 2 */
	types[n++] = 13u << 24;
	types[n++] = 1;
	for (int i = 0; i < nr_funcs; i++) { /* FUNC "f", static: types 3.. */
		types[n++] = 5;
		types[n++] = 12u << 24;
		types[n++] = 2;
		bb->func_ids[i] = 3 + (uint32_t)i;
	}
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h = {0xeB9F, 1, 0, 24, 0, n * 4, n * 4, strs_len};
	memcpy(bb->b, &h, sizeof h);
	memcpy(bb->b + sizeof h, types, n * 4);
	memcpy(bb->b + sizeof h + n * 4, strs, strs_len);
	bb->len = (uint32_t)sizeof h + n * 4 + strs_len;
}

/* ---- one loader: ours or the kernel's ---- */
typedef long (*bpf_fn)(int cmd, union bpf_attr *a);

static long ours(int cmd, union bpf_attr *a)
{
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static long kern(int cmd, union bpf_attr *a)
{
	long r = syscall(SYS_bpf, cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static void close_fd(bpf_fn bpf, int fd)
{
	if (bpf == ours)
		userbpf_close(fd);
	else
		close(fd);
}

struct loader {
	bpf_fn bpf;
	int cnt_map, prog_array;
};

static int map_create(bpf_fn bpf, uint32_t type, uint32_t max)
{
	union bpf_attr a = {0};
	a.map_type = type;
	a.key_size = 4;
	a.value_size = type == BPF_MAP_TYPE_PROG_ARRAY ? 4 : 8;
	a.max_entries = max;
	return (int)bpf(BPF_MAP_CREATE, &a);
}

static long map_update(bpf_fn bpf, int map, uint32_t key, const void *value)
{
	union bpf_attr a = {0};
	a.map_fd = (uint32_t)map;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)value;
	return bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static uint64_t count_of(const struct loader *l)
{
	uint32_t key = 0;
	uint64_t v = ~0ull;
	union bpf_attr a = {0};
	a.map_fd = (uint32_t)l->cnt_map;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&v;
	assert_int_equal(l->bpf(BPF_MAP_LOOKUP_ELEM, &a), 0);
	return v;
}

static int load(const struct loader *l, const struct prog *p)
{
	struct bpf_insn insns[N(p->insns)];
	memcpy(insns, p->insns, sizeof insns);
	for (int i = 0; i < p->cnt; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm = insns[i].imm == MAP_CNT ? l->cnt_map : l->prog_array;
	struct btf_blob bb;
	build_btf(&bb, p->nr_funcs);
	union bpf_attr a = {0};
	char log[4096] = "";
	a.btf = (uintptr_t)bb.b;
	a.btf_size = bb.len;
	int btf = (int)l->bpf(BPF_BTF_LOAD, &a);
	assert_true(btf >= 0);
	struct bpf_func_info fi[16];
	for (int i = 0; i < p->nr_funcs; i++)
		fi[i] = (struct bpf_func_info){.insn_off = p->starts[i], .type_id = bb.func_ids[i]};
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)p->cnt;
	a.license = (uintptr_t) "GPL";
	a.prog_btf_fd = (uint32_t)btf;
	a.func_info = (uintptr_t)fi;
	a.func_info_cnt = (uint32_t)p->nr_funcs;
	a.func_info_rec_size = sizeof fi[0];
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	int fd = (int)l->bpf(BPF_PROG_LOAD, &a);
	if (fd < 0)
		printf("%s PROG_LOAD: %s\n%s\n", l->bpf == ours ? "ours" : "kernel", strerror(-fd),
		       log);
	close_fd(l->bpf, btf);
	return fd;
}

static long test_run(const struct loader *l, int fd, uint32_t *retval)
{
	uint8_t data[64] = {0};
	union bpf_attr a = {0};
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)data;
	a.test.data_size_in = sizeof data;
	long r = l->bpf(BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	return r;
}

/* ---- the cases ---- */
struct tc_case {
	const char *name;
	int depth, limit; /* depth 0: the hierarchy */
};

static const struct tc_case cases[] = {
        {"depth1_limit5", 1, 5},   /* stops by itself after 5 tail calls */
        {"depth1_limit33", 1, 33}, /* 33 tail calls; the 34th run does not try */
        {"depth1_limit34", 1, 34}, /* the 34th tail call fails and falls through */
        {"depth1", 1, 1000},       {"depth2", 2, 1000},
        {"depth2_limit10", 2, 10}, {"depth7", 7, 1000}, /* 8 + 33 x 7 = 239 frames */
        {"depth7_limit3", 7, 3},   {"hierarchy", 0, 0},
};
#define NR_CASES N(cases)

struct result {
	uint32_t retval;
	uint64_t count;
	long err; /* of the test run */
};

static void run_all(bpf_fn bpf, struct result *res)
{
	struct loader l = {.bpf = bpf};
	l.cnt_map = map_create(bpf, BPF_MAP_TYPE_ARRAY, 1);
	l.prog_array = map_create(bpf, BPF_MAP_TYPE_PROG_ARRAY, 2);
	assert_true(l.cnt_map >= 0 && l.prog_array >= 0);
	for (size_t i = 0; i < NR_CASES; i++) {
		const struct tc_case *c = &cases[i];
		struct prog p, q;
		int fd2 = -1;
		if (c->depth) {
			build_depth(&p, c->depth, c->limit);
		} else {
			build_hierarchy(&p);
			build_counter(&q);
			fd2 = load(&l, &q);
			assert_true(fd2 >= 0);
		}
		int fd = load(&l, &p);
		assert_true(fd >= 0);
		uint32_t slot = 0, f = (uint32_t)fd;
		assert_int_equal(map_update(bpf, l.prog_array, slot, &f), 0);
		if (fd2 >= 0) {
			f = (uint32_t)fd2;
			assert_int_equal(map_update(bpf, l.prog_array, 1, &f), 0);
		}
		uint64_t zero = 0;
		assert_int_equal(map_update(bpf, l.cnt_map, 0, &zero), 0);
		res[i].err = test_run(&l, fd, &res[i].retval);
		res[i].count = count_of(&l);
		printf("  %-16s retval %10u count %3llu%s\n", c->name, res[i].retval,
		       (unsigned long long)res[i].count, res[i].err ? " (TEST_RUN failed)" : "");
		/* empty both slots before the programs go */
		for (uint32_t s = 0; s < 2; s++) {
			union bpf_attr a = {0};
			a.map_fd = (uint32_t)l.prog_array;
			a.key = (uintptr_t)&s;
			bpf(BPF_MAP_DELETE_ELEM, &a);
		}
		close_fd(bpf, fd);
		if (fd2 >= 0)
			close_fd(bpf, fd2);
	}
	close_fd(bpf, l.cnt_map);
	close_fd(bpf, l.prog_array);
}

static char root[64];

static int setup(void **state)
{
	strcpy(root, "/dev/shm/userbpf-vmtc-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("USERBPF_BPFFS", root, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* The fixture: "name retval count" per case. */
static void read_fixture(struct result *want)
{
	FILE *f = fopen(FIXTURE, "r");
	assert_non_null(f);
	char line[256];
	size_t seen = 0;
	while (fgets(line, sizeof line, f)) {
		char name[64];
		unsigned retval;
		unsigned long long count;
		if (line[0] == '#' || sscanf(line, "%63s %u %llu", name, &retval, &count) != 3)
			continue;
		for (size_t i = 0; i < NR_CASES; i++)
			if (!strcmp(cases[i].name, name)) {
				want[i] = (struct result){.retval = retval, .count = count};
				seen |= (size_t)1 << i;
			}
	}
	fclose(f);
	assert_int_equal(seen, ((size_t)1 << NR_CASES) - 1);
}

static void write_fixture(const struct result *k)
{
	FILE *f = fopen(FIXTURE, "w");
	assert_non_null(f);
	fprintf(f, "# BPF_PROG_TEST_RUN of tests/unit/test_vm_tailcall_kernel.c's programs on the "
	           "host kernel: name retval count.\n# Re-record: USERBPF_RECORD_FIXTURES=1 "
	           "(root).\n");
	for (size_t i = 0; i < NR_CASES; i++)
		fprintf(f, "%s %u %llu\n", cases[i].name, k[i].retval,
		        (unsigned long long)k[i].count);
	fclose(f);
}

static void expect_equal(const char *what, const struct result *got, const struct result *want)
{
	int bad = 0;
	for (size_t i = 0; i < NR_CASES; i++)
		if (got[i].err || got[i].retval != want[i].retval ||
		    got[i].count != want[i].count) {
			printf("%s differs: %s retval %u count %llu (err %ld), expected %u %llu\n",
			       what, cases[i].name, got[i].retval, (unsigned long long)got[i].count,
			       got[i].err, want[i].retval, (unsigned long long)want[i].count);
			bad++;
		}
	printf("%s: %zu of %zu cases as the kernel\n", what, NR_CASES - (size_t)bad, NR_CASES);
	assert_int_equal(bad, 0);
}

static void test_against_kernel(void **state)
{
	struct result want[NR_CASES], got[NR_CASES];
	if (tu_kernel_bpf_available()) {
		printf("kernel:\n");
		run_all(kern, want);
		for (size_t i = 0; i < NR_CASES; i++)
			assert_int_equal(want[i].err, 0);
		if (getenv("USERBPF_RECORD_FIXTURES"))
			write_fixture(want);
		struct result rec[NR_CASES];
		read_fixture(rec);
		expect_equal("kernel vs its recording", want, rec);
	} else {
		printf("no bpf() here: comparing with the recorded kernel answers\n");
		read_fixture(want);
	}
	printf("ours, trusted engine:\n");
	run_all(ours, got);
	expect_equal("trusted", got, want);
	printf("ours, guarded engine (USERBPF_GUARDED=1):\n");
	setenv("USERBPF_GUARDED", "1", 1);
	run_all(ours, got);
	unsetenv("USERBPF_GUARDED");
	expect_equal("guarded", got, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_against_kernel, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
