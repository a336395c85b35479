/* test_vm_tailcall.c — tail calls from subprograms in the interpreter, on both engines.
 *
 * A tail call replaces only the frame it is made from: from a subprogram, the callers'
 * frames stay below the target, whose exit returns to them. So a run can hold far more
 * frames than one program's USERBPF_MAX_CALL_FRAMES (8): 8 + 33 x 7 = 239 when every one
 * of the 33 tail calls is made from depth 7. These tests drive the vm directly (no
 * verifier) into that deep part: pointers into callers' frames across the boundary between
 * the C-stack frames and the deep ones, the per-program frame limit after a tail call, a
 * callback started in a deep frame, and guarded stack bounds there. The kernel's answers
 * for verified programs of the same shape are in test_vm_tailcall_kernel.c.
 *
 * Expected values are worked out by hand in the comments.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define ALU64_K(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define MOV64(d, i) ALU64_K(BPF_MOV, d, i)
#define MOV64_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64(d, i) ALU64_K(BPF_ADD, d, i)
#define JEQ_K(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(o) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define LD_FUNC(d, o) INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, o), INSN(0, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD64(d, p)                                                                                 \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)(uintptr_t)(p)),               \
	        INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(uintptr_t)(p) >> 32))
#define LDX_DW(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) INSN(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define ST_DW(d, o, i) INSN(BPF_ST | BPF_MEM | BPF_DW, d, 0, o, i)
#define TAIL_CALL(slot) MOV64(2, 0xabc), MOV64(3, slot), CALL(12)
#define N(p) (sizeof(p) / sizeof((p)[0]))

static const unsigned modes[2] = {0, USERBPF_VM_UNVERIFIED};
static const char *const mode_name[2] = {"trusted", "guarded"};

/* The prog array: slot 0 and slot 1 (set per test), others empty. */
static const struct userbpf_vm *slots[2];

static const struct userbpf_vm *tail_hook(void *user, uint64_t map, uint32_t index)
{
	assert_int_equal(map, 0xabc);
	return index < 2 ? slots[index] : NULL;
}

/* helper 99: run the callback r1 with r2 as its argument (bpf_loop-like, one call) */
static uint64_t helper_callback(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct userbpf_run_ctx *rc)
{
	uint64_t args[5] = {r2}, ret = 0;
	if (userbpf_run_callback(rc, r1, args, NULL, 0, &ret))
		return (uint64_t)-1;
	return ret;
}

static struct userbpf_vm *vm_make(const struct bpf_insn *p, size_t n, unsigned flags)
{
	struct userbpf_vm_opts o = {.sz = sizeof o, .flags = flags};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	int err = userbpf_vm_create(p, n, &o, &vm, &e);
	if (err)
		printf("vm_create: %s (insn %d)\n", e.msg, e.insn);
	assert_int_equal(err, 0);
	userbpf_vm_set_tail_call(vm, tail_hook, NULL);
	userbpf_vm_set_helper(vm, 99, helper_callback);
	return vm;
}

static int run(const struct userbpf_vm *vm, void *mem, size_t len, uint64_t *r0,
               struct userbpf_error *e)
{
	int err = userbpf_vm_exec(vm, mem, len, r0, e);
	if (err)
		printf("    -> %d at insn %d: %s\n", err, e->insn, e->msg);
	return err;
}

/* A chain main -> f1 -> ... -> f7 whose f7 tail-calls the program itself (slot 0), each
 * function handing the next a pointer into its own frame (p = r1):
 *   main(p): slot = *p; f1(&slot); *p = slot + 1; return slot
 *   fk(p), k = 1..6: slot = *p + 1; f(k+1)(&slot); *p = slot
 *   f7(p): *p += 1; tail_call(p, 0); *p += 1000000 (only when the tail call fails)
 * Instance i's main runs in the frame of instance i-1's f7, so at depth 7(i-1): the 34th
 * (the 33rd tail call's target) reaches depth 238, i.e. 239 frames; its f7's tail call is
 * the 34th and falls through. With F_i(v) the value instance i's main leaves in *p when
 * *p = v at its start: F_34(v) = v + 7 + 1000000 + 1, F_i(v) = F_i+1(v + 7) + 1, so
 * *mem = F_1(0) = 33 * 8 + 1000008 = 1000272 and r0 = F_1(0) - 1 = 1000271. */
static const struct bpf_insn chain7[] = {
        /* 0 main */ MOV64_X(6, 1),
        LDX_DW(2, 6, 0),
        STX_DW(10, 2, -8),
        MOV64_X(1, 10),
        ADD64(1, -8),
        CALL_LOCAL(5), /* f1 at 11 */
        LDX_DW(0, 10, -8),
        MOV64_X(2, 0),
        ADD64(2, 1),
        STX_DW(6, 2, 0),
        EXIT(),
#define FK /* 10 insns; the call's target is the next function, 4 insns on */                      \
	MOV64_X(6, 1), LDX_DW(2, 6, 0), ADD64(2, 1), STX_DW(10, 2, -8), MOV64_X(1, 10),            \
	        ADD64(1, -8), CALL_LOCAL(3), LDX_DW(2, 10, -8), STX_DW(6, 2, 0), EXIT()
        /* 11 f1 */ FK,
        /* 21 f2 */ FK,
        /* 31 f3 */ FK,
        /* 41 f4 */ FK,
        /* 51 f5 */ FK,
        /* 61 f6 */ FK,
#undef FK
        /* 71 f7 */ LDX_DW(2, 1, 0),
        ADD64(2, 1),
        STX_DW(1, 2, 0),
        MOV64_X(6, 1),
        TAIL_CALL(0),
        LDX_DW(2, 6, 0),
        ADD64(2, 1000000),
        STX_DW(6, 2, 0),
        MOV64(0, 0),
        EXIT(),
};

static void test_chain_of_33_from_depth_7(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm = vm_make(chain7, N(chain7), modes[m]);
		slots[0] = vm;
		for (int rep = 0; rep < 2; rep++) { /* a second run starts from scratch */
			uint64_t mem = 0, r0 = 0;
			struct userbpf_error e;
			printf("%s run %d\n", mode_name[m], rep);
			assert_int_equal(run(vm, &mem, sizeof mem, &r0, &e), 0);
			assert_int_equal(mem, 1000272);
			assert_int_equal(r0, 1000271);
		}
		userbpf_vm_destroy(vm);
	}
}

/* main(p) calls f1; f1 counts c = (*p)++ and tail-calls the program itself until c == 20,
 * then loads r0 from r10 + OFF (insn 11) and returns it. Instance i runs main at depth i-1
 * and f1 at depth i: the load runs at depth 21, in the deep frames. */
#define PROBE(limit, off)                                                                          \
	{                                                                                          \
		CALL_LOCAL(1), EXIT(), /* 2 f1 */ LDX_DW(2, 1, 0), MOV64_X(3, 2), ADD64(3, 1),     \
		        STX_DW(1, 3, 0), JEQ_K(2, limit, 4), TAIL_CALL(0), EXIT(),                 \
		        /* 11 */ LDX_DW(0, 10, off), EXIT()                                        \
	}

static void test_deep_stack_bounds(void **state)
{
	static const struct {
		int limit, off, err;
	} cases[] = {
	        {20, -8, 0},           /* own frame: zeroed, r0 = 0 */
	        {20, 8, 0},            /* the caller's frame (main, depth 20): live */
	        {20, 512 * 13 - 8, 0}, /* frame 8, the first deep one: live */
	        {20, -520, -EFAULT},   /* below the live frames */
	        {3, -520, -EFAULT},    /* the same in the C-stack part */
	        {7, -520, -EFAULT},    /* depth 8, the deep part's first frame */
	        {7, 8, -EFAULT},       /* the two parts are not contiguous: a frame reaches */
	        {7, -8, 0},            /* its callers' only through pointers they hand out */
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct bpf_insn p[] = PROBE(cases[i].limit, cases[i].off);
		for (int m = 0; m < 2; m++) {
			if (cases[i].err && !modes[m])
				continue; /* trusted runs do not check */
			struct userbpf_vm *vm = vm_make(p, N(p), modes[m]);
			slots[0] = vm;
			uint64_t mem = 0, r0 = 1;
			struct userbpf_error e;
			printf("case %zu %s\n", i, mode_name[m]);
			assert_int_equal(run(vm, &mem, sizeof mem, &r0, &e), cases[i].err);
			assert_int_equal(mem, (uint64_t)cases[i].limit + 1);
			if (cases[i].err)
				assert_int_equal(e.insn, 11);
			else
				assert_int_equal(r0, 0);
			userbpf_vm_destroy(vm);
		}
	}
}

/* A tail call from depth 3 (main -> f1 -> f2 -> f3) into a program that recurses r1 deep:
 * the target has its own 8 frames (r1 = 7: 6 returned, as in test_vm's call depth test),
 * and its ninth (r1 = 8) stops the run at its insn 6 although the run holds 11. */
static const struct bpf_insn to_recurse[] = {
        CALL_LOCAL(1),           EXIT(),       CALL_LOCAL(1), EXIT(), CALL_LOCAL(1), EXIT(),
        /* 6 f3 */ TAIL_CALL(1), MOV64(0, 99), EXIT(),
};
static const struct bpf_insn recurse[] = {
        CALL_LOCAL(1),
        EXIT(),
        /* 2 */ ALU64_K(BPF_SUB, 1, 1),
        INSN(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 0),
        MOV64(0, 0),
        EXIT(),
        /* 6 */ CALL_LOCAL(-5),
        ADD64(0, 1),
        EXIT(),
};

static void test_frame_limit_per_program(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *a = vm_make(to_recurse, N(to_recurse), modes[m]);
		struct userbpf_vm *b = vm_make(recurse, N(recurse), modes[m]);
		slots[1] = b;
		struct userbpf_run_args args = {.sz = sizeof args, .r = {7}};
		struct userbpf_error e;
		uint64_t r0 = 0;
		assert_int_equal(userbpf_vm_run(a, &args, &r0, &e), 0);
		assert_int_equal(r0, 6);
		args.r[0] = 8;
		assert_int_equal(userbpf_vm_run(a, &args, &r0, &e), -EOVERFLOW);
		assert_int_equal(e.insn, 6);
		assert_string_equal(e.msg, "the call stack of 9 frames is too deep");
		/* the first program's own limit is unchanged: 8 frames from main */
		args.r[0] = 8;
		assert_int_equal(userbpf_vm_run(b, &args, &r0, &e), -EOVERFLOW);
		assert_string_equal(e.msg, "the call stack of 9 frames is too deep");
		userbpf_vm_destroy(a);
		userbpf_vm_destroy(b);
	}
}

/* f1 tail-calls the program itself until c == 10 (f1 then at depth 11), then calls helper 99
 * with the callback cb: cb (depth 12) stores 7 in its frame and passes a pointer to g
 * (depth 13), which returns *p + 5 = 12 through cb, the helper, f1 and the 11 mains. */
static const struct bpf_insn deep_callback[] = {
        CALL_LOCAL(1),
        EXIT(),
        /* 2 f1 */ LDX_DW(2, 1, 0),
        MOV64_X(3, 2),
        ADD64(3, 1),
        STX_DW(1, 3, 0),
        JEQ_K(2, 10, 4),
        TAIL_CALL(0),
        EXIT(),
        /* 11 */ LD_FUNC(1, 3), /* cb at 15 */
        CALL(99),
        EXIT(),
        /* 15 cb */ ST_DW(10, -8, 7),
        MOV64_X(1, 10),
        ADD64(1, -8),
        CALL_LOCAL(1),
        EXIT(),
        /* 20 g */ LDX_DW(0, 1, 0),
        ADD64(0, 5),
        EXIT(),
};

static void test_callback_in_deep_frame(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm = vm_make(deep_callback, N(deep_callback), modes[m]);
		slots[0] = vm;
		uint64_t mem = 0, r0 = 0;
		struct userbpf_error e;
		printf("%s\n", mode_name[m]);
		assert_int_equal(run(vm, &mem, sizeof mem, &r0, &e), 0);
		assert_int_equal(mem, 11);
		assert_int_equal(r0, 12);
		userbpf_vm_destroy(vm);
	}
}

/* The 33 tail calls are the run's, not a frame's: main calls f1 twice; f1 tail-calls the
 * counting program (slot 1), which tail-calls itself until a tail call fails. The first
 * f1 call uses all 33 (1 from f1, 32 from the counter, whose 33rd run's attempt fails and
 * returns 1000 + 33 to main); the second f1's tail call fails at once (f1 returns 7).
 *   main: r8 = f1(p); r0 = f1(p) + (r8 << 16)
 *   counter(p): n = ++*p; tail_call(p, 1); return n + 1000 */
static const struct bpf_insn twice[] = {
        MOV64_X(6, 1),
        CALL_LOCAL(6), /* f1 at 8 */
        MOV64_X(8, 0),
        MOV64_X(1, 6),
        CALL_LOCAL(3),
        ALU64_K(BPF_LSH, 8, 16),
        INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0),
        EXIT(),
        /* 8 f1 */ TAIL_CALL(1),
        MOV64(0, 7),
        EXIT(),
};
static const struct bpf_insn counter[] = {
        LDX_DW(2, 1, 0), ADD64(2, 1),   STX_DW(1, 2, 0), MOV64_X(7, 2),
        TAIL_CALL(1),    MOV64_X(0, 7), ADD64(0, 1000),  EXIT(),
};

static void test_tail_call_count_is_per_run(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *a = vm_make(twice, N(twice), modes[m]);
		struct userbpf_vm *b = vm_make(counter, N(counter), modes[m]);
		slots[1] = b;
		uint64_t mem = 0, r0 = 0;
		struct userbpf_error e;
		assert_int_equal(run(a, &mem, sizeof mem, &r0, &e), 0);
		assert_int_equal(mem, 33);
		assert_int_equal(r0, 7 + (1033 << 16));
		userbpf_vm_destroy(a);
		userbpf_vm_destroy(b);
	}
}

/* Guarded: a program's own regions (userbpf_vm_set_regions) count while it runs, also when
 * a tail call entered it from a subprogram and after its exit returned to the caller's
 * program. A's main calls f1, which tail-calls B; B returns *bufB (9) to A's main, which
 * adds *bufA (5). Each buffer is granted only to its program. */
static uint64_t buf_a = 5, buf_b = 9;

static void test_regions_follow_the_program(void **state)
{
	const struct bpf_insn a[] = {
	        LD64(6, &buf_a), CALL_LOCAL(3),
	        LDX_DW(2, 6, 0), INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
	        EXIT(),          /* 6 f1 */ TAIL_CALL(1),
	        MOV64(0, 99),    EXIT(),
	};
	const struct bpf_insn b[] = {LD64(2, &buf_b), LDX_DW(0, 2, 0), EXIT()};
	struct userbpf_mem_region ra = {&buf_a, sizeof buf_a, USERBPF_MEM_READ};
	struct userbpf_mem_region rb = {&buf_b, sizeof buf_b, USERBPF_MEM_READ};
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *va = vm_make(a, N(a), modes[m]);
		struct userbpf_vm *vb = vm_make(b, N(b), modes[m]);
		assert_int_equal(userbpf_vm_set_regions(va, &ra, 1), 0);
		assert_int_equal(userbpf_vm_set_regions(vb, &rb, 1), 0);
		slots[1] = vb;
		uint64_t r0 = 0;
		struct userbpf_error e;
		assert_int_equal(run(va, NULL, 0, &r0, &e), 0);
		assert_int_equal(r0, 14);
		userbpf_vm_destroy(va);
		userbpf_vm_destroy(vb);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_chain_of_33_from_depth_7),
	        cmocka_unit_test(test_deep_stack_bounds),
	        cmocka_unit_test(test_frame_limit_per_program),
	        cmocka_unit_test(test_callback_in_deep_frame),
	        cmocka_unit_test(test_tail_call_count_is_per_run),
	        cmocka_unit_test(test_regions_follow_the_program),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
