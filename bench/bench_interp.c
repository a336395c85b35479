/* bench_interp — interpreter cost per instruction, with the host kernel as the yardstick.
 *
 * Three loops, each a raw instruction array laid out as prologue, body (ending in the
 * backward jump), epilogue. One run executes exactly
 *     prologue + iterations * body + epilogue
 * instructions (the loops have constant trip counts and no other branches). That number is
 * checked at start-up against the unverified engine's instruction budget, which ticks once
 * per executed instruction: the run must fit a budget of exactly that many and not one less.
 *
 * Each case is timed in samples of at least --sample seconds; the table shows the median
 * of the samples (and the best in the JSON). The kernel runs the same programs as socket
 * filters through BPF_PROG_TEST_RUN, which reports its own average per run.
 *
 * A second table times bpf_map_lookup_elem on an ARRAY map from a program, loaded and run
 * through the bpf() interface (userbpf_sys_bpf: the verifier inlines the lookup, the vm
 * fuses the inlined sequence into one op): bench_maps' k-helper programs, a 16,384-iteration
 * loop with and without the lookup, so per lookup = (with - without) / 16,384 (fastest
 * samples), and the same from the kernel's TEST_RUN durations of the JIT'ed program. Rows:
 * fused (the default), unfused (USERBPF_NO_FUSE=1), the helper call (USERBPF_NO_INLINE=1),
 * the kernel.
 *
 * Usage: bench_interp [--quick] [--json] [--no-kernel]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <userbpf/userbpf.h>
#include <userbpf/vm.h>

#include "bench_kernel.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define ALU64_REG(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU64_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU32_REG(op, d, s) INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define STX(size, d, s, o) INSN(BPF_STX | BPF_MEM | (size), d, s, o, 0)
#define ST(size, d, o, i) INSN(BPF_ST | BPF_MEM | (size), d, 0, o, i)
#define LDX(size, d, s, o) INSN(BPF_LDX | BPF_MEM | (size), d, s, o, 0)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Trip count of every loop. The kernel verifier walks each iteration, so iterations x body
 * must stay well under its 1M processed-instruction limit. */
#define ITERS 10000

/* BPF_FUNC_get_prandom_u32: cheap, and allowed in socket filters. */
#define HELPER_ID 7

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10 };

/* (1) ALU: 10 ALU64/ALU32 ops on r2..r5, then the counter decrement and the back jump. */
enum { ALU_PRO = 6, ALU_BODY = 12, ALU_EPI = 3 };
static const struct bpf_insn prog_alu[] = {
        ALU64_IMM(BPF_MOV, R1, ITERS),
        ALU64_IMM(BPF_MOV, R2, 1),
        ALU64_IMM(BPF_MOV, R3, 2),
        ALU64_IMM(BPF_MOV, R4, 3),
        ALU64_IMM(BPF_MOV, R5, 0x12345),
        ALU64_IMM(BPF_MOV, R0, 0),
        /* body */
        ALU64_REG(BPF_ADD, R2, R1),
        ALU64_REG(BPF_XOR, R3, R2),
        ALU32_IMM(BPF_ADD, R4, 7),
        ALU64_REG(BPF_MUL, R5, R3),
        ALU64_IMM(BPF_LSH, R3, 3),
        ALU32_REG(BPF_OR, R2, R5),
        ALU64_REG(BPF_SUB, R4, R2),
        ALU64_IMM(BPF_RSH, R5, 1),
        ALU32_IMM(BPF_AND, R3, 0x7ffff),
        ALU64_REG(BPF_ADD, R0, R4),
        ALU64_IMM(BPF_SUB, R1, 1),
        JNE_IMM(R1, 0, -ALU_BODY),
        /* epilogue: fold the registers into w0 so nothing is dead */
        ALU64_REG(BPF_XOR, R0, R5),
        ALU32_REG(BPF_MOV, R0, R0),
        EXIT(),
};

/* (2) Stack: stores and loads of every size to r10-relative slots, a little ALU to use the
 * loaded values. The prologue initialises the slots so the kernel lets the loop read them. */
enum { STK_PRO = 5, STK_BODY = 14, STK_EPI = 2 };
static const struct bpf_insn prog_stack[] = {
        ALU64_IMM(BPF_MOV, R1, ITERS),
        ALU64_IMM(BPF_MOV, R2, 0x01020304),
        ST(BPF_DW, R10, -8, 0),
        ST(BPF_DW, R10, -16, 0),
        ST(BPF_DW, R10, -24, 0),
        /* body */
        STX(BPF_DW, R10, R2, -8),
        STX(BPF_W, R10, R1, -12),
        STX(BPF_H, R10, R1, -14),
        STX(BPF_B, R10, R2, -15),
        ST(BPF_DW, R10, -24, 7),
        LDX(BPF_DW, R3, R10, -8),
        LDX(BPF_W, R4, R10, -12),
        LDX(BPF_H, R5, R10, -14),
        LDX(BPF_B, R0, R10, -15),
        LDX(BPF_DW, R2, R10, -24),
        ALU64_REG(BPF_ADD, R2, R3),
        ALU64_REG(BPF_ADD, R0, R4),
        ALU64_IMM(BPF_SUB, R1, 1),
        JNE_IMM(R1, 0, -STK_BODY),
        /* epilogue */
        ALU32_REG(BPF_ADD, R0, R5),
        EXIT(),
};

/* (3) Helper call: r6 counts (calls clobber r1-r5), r7 accumulates the results. */
enum { CALL_PRO = 2, CALL_BODY = 4, CALL_EPI = 2 };
static const struct bpf_insn prog_call[] = {
        ALU64_IMM(BPF_MOV, R6, ITERS),
        ALU64_IMM(BPF_MOV, R7, 0),
        /* body */
        CALL(HELPER_ID),
        ALU64_REG(BPF_ADD, R7, R0),
        ALU64_IMM(BPF_SUB, R6, 1),
        JNE_IMM(R6, 0, -CALL_BODY),
        /* epilogue */
        ALU32_REG(BPF_MOV, R0, R7),
        EXIT(),
};

/* (4) bpf-to-bpf call: the subprogram returns its argument + 1; r6 counts, r7 sums. The
 * subprogram sits after the epilogue, so a run executes the body's 5 insns and its 3. */
enum { LCL_PRO = 2, LCL_BODY = 5, LCL_EPI = 2, LCL_SUB = 3 };
static const struct bpf_insn prog_local_call[] = {
        ALU64_IMM(BPF_MOV, R6, ITERS),
        ALU64_IMM(BPF_MOV, R7, 0),
        /* body */
        ALU64_REG(BPF_MOV, R1, R7),
        INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, LCL_BODY - 2 + LCL_EPI),
        ALU64_REG(BPF_ADD, R7, R0),
        ALU64_IMM(BPF_SUB, R6, 1),
        JNE_IMM(R6, 0, -LCL_BODY),
        /* epilogue */
        ALU32_REG(BPF_MOV, R0, R7),
        EXIT(),
        /* the subprogram */
        ALU64_REG(BPF_MOV, R0, R1),
        ALU64_IMM(BPF_ADD, R0, 1),
        EXIT(),
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(COUNT(prog_alu) == ALU_PRO + ALU_BODY + ALU_EPI, "prog_alu layout");
_Static_assert(COUNT(prog_stack) == STK_PRO + STK_BODY + STK_EPI, "prog_stack layout");
_Static_assert(COUNT(prog_call) == CALL_PRO + CALL_BODY + CALL_EPI, "prog_call layout");
_Static_assert(COUNT(prog_local_call) == LCL_PRO + LCL_BODY + LCL_EPI + LCL_SUB,
               "prog_local_call layout");

struct bench_case {
	const char *name;
	const struct bpf_insn *insns;
	size_t cnt;
	uint64_t executed; /* instructions per run */
	/* results, ns per run */
	double ours_median, ours_best;
	double kern_median, kern_best;
	const char *kern_why; /* why there is no kernel figure, or NULL */
};

#define CASE(n, p, pro, body, epi)                                                                 \
	{                                                                                          \
		.name = n, .insns = p, .cnt = COUNT(p),                                            \
		.executed = (pro) + (uint64_t)ITERS * (body) + (epi)                               \
	}

static struct bench_case cases[] = {
        CASE("alu_loop", prog_alu, ALU_PRO, ALU_BODY, ALU_EPI),
        CASE("stack_loop", prog_stack, STK_PRO, STK_BODY, STK_EPI),
        CASE("helper_loop", prog_call, CALL_PRO, CALL_BODY, CALL_EPI),
        CASE("call_loop", prog_local_call, LCL_PRO, LCL_BODY + LCL_SUB, LCL_EPI),
};

struct bench_opts {
	double sample_sec; /* minimum length of one timed sample */
	int samples;
	bool json;
	bool kernel;
};

/* The helper's stand-in: an xorshift step, about as much work as the kernel's. */
static uint64_t helper_prandom(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	static uint32_t state = 2463534242u;

	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One timed sample: run reps times, report ns per run. Returns 0 or a negative errno. */
typedef int (*sample_fn)(void *ctx, uint32_t reps, double *ns_per_run);

/* Grow the repetition count until a sample lasts sample_sec, then take the samples. */
static int measure(sample_fn fn, void *ctx, const struct bench_opts *o, double *median,
                   double *best)
{
	double t[16], per_run = 0;
	uint32_t reps = 1;
	int err;

	for (;;) {
		if ((err = fn(ctx, reps, &per_run)))
			return err;
		if (per_run * reps >= o->sample_sec * 1e9 || reps >= UINT32_MAX / 4)
			break;
		/* aim 20% past the target so the next try usually suffices */
		double want = o->sample_sec * 1e9 * 1.2 / (per_run > 1 ? per_run : 1);
		reps = want > (double)reps * 100 ? reps * 100 : (uint32_t)want + 1;
	}
	for (int i = 0; i < o->samples; i++) {
		if ((err = fn(ctx, reps, &t[i])))
			return err;
	}
	qsort(t, (size_t)o->samples, sizeof(t[0]), cmp_double);
	*median = t[o->samples / 2];
	*best = t[0];
	return 0;
}

static int sample_ours(void *ctx, uint32_t reps, double *ns_per_run)
{
	const struct userbpf_vm *vm = ctx;
	unsigned char mem[64] = {0};
	struct userbpf_error e;
	uint64_t r0;
	double t0 = now_ns();

	for (uint32_t i = 0; i < reps; i++) {
		int err = userbpf_vm_exec(vm, mem, sizeof(mem), &r0, &e);

		if (err) {
			fprintf(stderr, "bench_interp: run failed: %s\n", e.msg);
			return err;
		}
	}
	*ns_per_run = (now_ns() - t0) / reps;
	return 0;
}

static int sample_kernel(void *ctx, uint32_t reps, double *ns_per_run)
{
	uint32_t ns, retval;
	int err = kbench_run(*(int *)ctx, reps, &ns, &retval);

	*ns_per_run = ns;
	return err;
}

static int make_vm(const struct bench_case *c, unsigned flags, uint64_t budget,
                   struct userbpf_vm **vm)
{
	struct userbpf_vm_opts opts = {.sz = sizeof(opts), .flags = flags, .insn_budget = budget};
	struct userbpf_error e;
	int err = userbpf_vm_create(c->insns, c->cnt, &opts, vm, &e);

	if (err) {
		fprintf(stderr, "bench_interp: %s: vm_create: %s\n", c->name, e.msg);
		return err;
	}
	userbpf_vm_set_helper(*vm, HELPER_ID, helper_prandom);
	return 0;
}

/* Does one run execute exactly c->executed instructions? The unverified engine's budget
 * ticks once per instruction, so the run must fit that budget and fail with one less. */
static int run_with_budget(const struct bench_case *c, uint64_t budget)
{
	struct userbpf_vm *vm;
	struct userbpf_error e;
	unsigned char mem[64] = {0};
	uint64_t r0;
	int err = make_vm(c, USERBPF_VM_UNVERIFIED, budget, &vm);

	if (err)
		return err;
	err = userbpf_vm_exec(vm, mem, sizeof(mem), &r0, &e);
	userbpf_vm_destroy(vm);
	return err;
}

static bool count_is_exact(const struct bench_case *c)
{
	return run_with_budget(c, c->executed) == 0 &&
	       run_with_budget(c, c->executed - 1) == -E2BIG;
}

static int bench_ours(struct bench_case *c, const struct bench_opts *o)
{
	struct userbpf_vm *vm;
	int err = make_vm(c, 0, 0, &vm);

	if (err)
		return err;
	err = measure(sample_ours, vm, o, &c->ours_median, &c->ours_best);
	userbpf_vm_destroy(vm);
	return err;
}

static void bench_kernel(struct bench_case *c, const struct bench_opts *o)
{
	static char why[COUNT(cases)][160];
	char *reason = why[c - cases];
	int fd = kbench_load(c->insns, c->cnt, reason, sizeof(why[0]));

	if (fd < 0) {
		c->kern_why = reason;
		return;
	}
	int err = measure(sample_kernel, &fd, o, &c->kern_median, &c->kern_best);
	if (err) {
		snprintf(reason, sizeof(why[0]), "BPF_PROG_TEST_RUN: %s", strerror(-err));
		c->kern_why = reason;
	}
	kbench_close(fd);
}

/* --- array lookups through the bpf() interface --- */

#define LOOKUP_N 16384 /* loop iterations = array entries (a power of two) */

struct lookup_row {
	const char *name;
	const char *env; /* set while loading and running ours, or NULL */
	bool kernel;
	double ns; /* per lookup */
	const char *why;
};

static struct lookup_row lookup_rows[] = {
        {"fused", NULL, false, 0, NULL},
        {"unfused", "USERBPF_NO_FUSE", false, 0, NULL},
        {"helper call", "USERBPF_NO_INLINE", false, 0, NULL},
        {"kernel", NULL, true, 0, NULL},
};

struct prog_ctx {
	int fd;
	bool kernel;
};

static int sample_prog(void *ctx, uint32_t reps, double *ns_per_run)
{
	const struct prog_ctx *p = ctx;
	if (p->kernel) {
		uint32_t ns, retval;
		int err = kbench_run(p->fd, reps, &ns, &retval);
		*ns_per_run = ns;
		return err;
	}
	unsigned char pkt[64] = {0};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)p->fd;
	a.test.data_in = (uintptr_t)pkt;
	a.test.data_size_in = sizeof pkt;
	a.test.repeat = reps;
	if (userbpf_sys_bpf(BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
		return -errno;
	*ns_per_run = a.test.duration;
	return 0;
}

static int load_ours(int map_fd, enum kbench_prog_op op)
{
	uint64_t insns[KBENCH_PROG_MAX];
	size_t cnt = kbench_map_prog_insns(map_fd, op, 1, LOOKUP_N, insns);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	int fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
	return fd < 0 ? -errno : fd;
}

/* ns per run of the loop without (op KPROG_NONE) or with the lookup: the fastest sample,
 * since the figure is a difference of two loops and a busy machine only adds time.
 * TEST_RUN's duration is already an average over reps, so a sample needs no division. */
static int time_loop(struct lookup_row *r, int map_fd, enum kbench_prog_op op,
                     const struct bench_opts *o, double *ns)
{
	static char why[160];
	struct prog_ctx p = {.kernel = r->kernel};
	if (r->kernel) {
		p.fd = kbench_map_prog_load(map_fd, op, 1, LOOKUP_N, why, sizeof why);
		if (p.fd < 0) {
			r->why = why;
			return p.fd;
		}
	} else if ((p.fd = load_ours(map_fd, op)) < 0) {
		r->why = "BPF_PROG_LOAD failed";
		return p.fd;
	}
	double median;
	int err = measure(sample_prog, &p, o, &median, ns);
	if (err)
		r->why = "BPF_PROG_TEST_RUN failed";
	if (r->kernel)
		kbench_close(p.fd);
	else
		userbpf_close(p.fd);
	return err;
}

static void bench_lookup_row(struct lookup_row *r, int map_fd, const struct bench_opts *o)
{
	double none, with;
	if (r->env)
		setenv(r->env, "1", 1);
	if (!time_loop(r, map_fd, KPROG_NONE, o, &none) &&
	    !time_loop(r, map_fd, KPROG_LOOKUP, o, &with))
		r->ns = (with - none) / LOOKUP_N;
	if (r->env)
		unsetenv(r->env);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void bench_lookups(const struct bench_opts *o)
{
	char root[] = "/dev/shm/userbpf-bench-interp-XXXXXX";
	if (!mkdtemp(root)) {
		for (size_t i = 0; i < COUNT(lookup_rows); i++)
			lookup_rows[i].why = "no temporary bpffs root";
		return;
	}
	setenv("USERBPF_BPFFS", root, 1);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = LOOKUP_N;
	int ufd = userbpf_sys_bpf(BPF_MAP_CREATE, &a, sizeof a);
	static char kwhy[160];
	int kfd = o->kernel ? kbench_map_create(BPF_MAP_TYPE_ARRAY, 4, 8, LOOKUP_N, 0, kwhy,
	                                        sizeof kwhy)
	                    : -1;
	for (size_t i = 0; i < COUNT(lookup_rows); i++) {
		struct lookup_row *r = &lookup_rows[i];
		if (r->kernel && !o->kernel)
			r->why = "disabled by --no-kernel";
		else if (r->kernel && kfd < 0)
			r->why = kwhy;
		else if (!r->kernel && ufd < 0)
			r->why = "BPF_MAP_CREATE failed";
		else
			bench_lookup_row(r, r->kernel ? kfd : ufd, o);
	}
	if (kfd >= 0)
		kbench_close(kfd);
	if (ufd >= 0)
		userbpf_close(ufd);
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void print_lookups(void)
{
	const struct lookup_row *k = &lookup_rows[COUNT(lookup_rows) - 1];
	printf("\nbpf_map_lookup_elem on an ARRAY map (%d entries) from a program, ns per lookup\n"
	       "(the fastest loop with lookups minus the fastest without, / %d):\n",
	       LOOKUP_N, LOOKUP_N);
	printf("%-12s %8s %8s\n", "path", "ns", "ours/k");
	for (size_t i = 0; i < COUNT(lookup_rows); i++) {
		const struct lookup_row *r = &lookup_rows[i];
		if (r->why) {
			printf("%-12s unavailable (%s)\n", r->name, r->why);
			continue;
		}
		printf("%-12s %8.2f", r->name, r->ns);
		if (!r->kernel && !k->why && k->ns > 0)
			printf(" %8.1f", r->ns / k->ns);
		printf("\n");
	}
}

static void print_table(void)
{
	printf("%-12s %9s %10s %8s %8s %13s %9s %7s\n", "case", "insns/run", "ns/run", "ns/insn",
	       "best", "kernel ns/run", "k ns/insn", "ours/k");
	for (size_t i = 0; i < COUNT(cases); i++) {
		const struct bench_case *c = &cases[i];

		double n = (double)c->executed;

		printf("%-12s %9llu %10.0f %8.3f %8.3f", c->name, (unsigned long long)c->executed,
		       c->ours_median, c->ours_median / n, c->ours_best / n);
		if (c->kern_why)
			printf("  kernel: unavailable (%s)\n", c->kern_why);
		else
			printf(" %13.0f %9.3f %7.2f\n", c->kern_median, c->kern_median / n,
			       c->ours_median / c->kern_median);
	}
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(const struct bench_opts *o)
{
	printf("{\"iterations\": %d, \"samples\": %d, \"sample_sec\": %g, \"cases\": [", ITERS,
	       o->samples, o->sample_sec);
	for (size_t i = 0; i < COUNT(cases); i++) {
		const struct bench_case *c = &cases[i];
		double n = (double)c->executed;

		printf("%s\n  {\"name\": \"%s\", \"insns_per_run\": %llu, \"ns_per_run\": %.1f, "
		       "\"ns_per_insn\": %.4f, \"best_ns_per_insn\": %.4f, ",
		       i ? "," : "", c->name, (unsigned long long)c->executed, c->ours_median,
		       c->ours_median / n, c->ours_best / n);
		if (c->kern_why) {
			printf("\"kernel\": null, \"kernel_error\": ");
			print_json_string(c->kern_why);
			printf("}");
		} else {
			printf("\"kernel\": {\"ns_per_run\": %.1f, \"ns_per_insn\": %.4f, "
			       "\"best_ns_per_run\": %.1f}, \"ratio\": %.3f}",
			       c->kern_median, c->kern_median / n, c->kern_best,
			       c->ours_median / c->kern_median);
		}
	}
	printf("\n], \"array_lookup_ns\": {");
	for (size_t i = 0; i < COUNT(lookup_rows); i++) {
		const struct lookup_row *r = &lookup_rows[i];
		printf("%s\"%s\": ", i ? ", " : "", r->name);
		if (r->why)
			printf("null");
		else
			printf("%.3f", r->ns);
	}
	printf("}}\n");
}

static int parse_args(int argc, char **argv, struct bench_opts *o)
{
	*o = (struct bench_opts){.sample_sec = 0.3, .samples = 5, .kernel = true};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			o->sample_sec = 0.03;
			o->samples = 3;
		} else if (!strcmp(argv[i], "--json")) {
			o->json = true;
		} else if (!strcmp(argv[i], "--no-kernel")) {
			o->kernel = false;
		} else {
			fprintf(stderr, "usage: %s [--quick] [--json] [--no-kernel]\n", argv[0]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_opts o;

	if (parse_args(argc, argv, &o))
		return 2;
	for (size_t i = 0; i < COUNT(cases); i++) {
		struct bench_case *c = &cases[i];

		if (!count_is_exact(c)) {
			fprintf(stderr,
			        "bench_interp: %s: executed-instruction count %llu is wrong\n",
			        c->name, (unsigned long long)c->executed);
			return 1;
		}
		if (bench_ours(c, &o))
			return 1;
		if (o.kernel)
			bench_kernel(c, &o);
		else
			c->kern_why = "disabled by --no-kernel";
	}
	bench_lookups(&o);
	if (o.json) {
		print_json(&o);
	} else {
		print_table();
		print_lookups();
	}
	return 0;
}
