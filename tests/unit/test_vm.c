/* test_vm.c — the interpreter's semantics, one test per rule, on both engines.
 *
 * Programs are raw struct bpf_insn arrays built with the small macros below. Expected
 * values are worked out by hand from the ISA definition (RFC 9669 and Linux), never by
 * running the code under test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* ---- assembling ---- */
#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define ALU64_K(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_X(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define ALU32_X(op, d, s) INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define SALU64_X(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 1, 0) /* sdiv/smod */
#define SALU32_X(op, d, s) INSN(BPF_ALU | (op) | BPF_X, d, s, 1, 0)
#define MOV64(d, i) ALU64_K(BPF_MOV, d, i)
#define MOV64_X(d, s) ALU64_X(BPF_MOV, d, s)
#define MOVSX64(d, s, w) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, w, 0)
#define MOVSX32(d, s, w) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, w, 0)
#define LD64(d, v)                                                                                 \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)(uint64_t)(v)),                \
	        INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define JMP_K(op, d, i, o) INSN(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JMP_X(op, d, s, o) INSN(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define GOTOL(i) INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, i)
#define MAY_GOTO(o) INSN(BPF_JMP | BPF_JCOND, 0, BPF_MAY_GOTO, o, 0)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(o) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define LDXS(sz, d, s, o) INSN(BPF_LDX | BPF_MEMSX | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define ATOMIC(sz, op, d, s, o) INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)

#define N(p) (sizeof(p) / sizeof((p)[0]))
#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R3 BPF_REG_3
#define R6 BPF_REG_6
#define R10 BPF_REG_10

static const unsigned modes[2] = {0, USERBPF_VM_UNVERIFIED};

/* ---- running ---- */
static int vm_new(const struct bpf_insn *p, size_t n, unsigned flags, uint64_t budget,
                  struct userbpf_vm **vm, struct userbpf_error *e)
{
	struct userbpf_vm_opts o = {.sz = sizeof o, .flags = flags, .insn_budget = budget};
	return userbpf_vm_create(p, n, &o, vm, e);
}

/* Run in one mode; returns the errno, r0 in *r0, the diagnostic in *e. */
static int run_mode(const struct bpf_insn *p, size_t n, unsigned flags, void *mem, size_t len,
                    uint64_t *r0, struct userbpf_error *e)
{
	struct userbpf_vm *vm;
	int err = vm_new(p, n, flags, 0, &vm, e);
	if (err)
		return err;
	err = userbpf_vm_exec(vm, mem, len, r0, e);
	userbpf_vm_destroy(vm);
	return err;
}

/* Run in both modes, expect success and the same r0 from each. */
static uint64_t run_ok(const struct bpf_insn *p, size_t n)
{
	uint64_t r[2] = {0, 0};
	for (int m = 0; m < 2; m++) {
		struct userbpf_error e;
		int err = run_mode(p, n, modes[m], NULL, 0, &r[m], &e);
		if (err)
			printf("mode %d: %s (insn %d)\n", m, e.msg, e.insn);
		assert_int_equal(err, 0);
	}
	assert_int_equal(r[0], r[1]);
	return r[0];
}

/* Run unverified, expect an error at a given instruction. */
static void run_fails(const struct bpf_insn *p, size_t n, void *mem, size_t len, int err, int insn)
{
	struct userbpf_error e;
	uint64_t r0;
	int got = run_mode(p, n, USERBPF_VM_UNVERIFIED, mem, len, &r0, &e);
	printf("    -> %d at insn %d: %s\n", got, e.insn, e.msg);
	assert_int_equal(got, err);
	assert_int_equal(e.err, err);
	assert_int_equal(e.insn, insn);
}

/* dst op= src computed on (a, b): r0 = result. */
static uint64_t alu_x(struct bpf_insn op, uint64_t a, uint64_t b)
{
	op.dst_reg = R0;
	op.src_reg = R1;
	struct bpf_insn p[] = {LD64(R0, a), LD64(R1, b), op, EXIT()};
	return run_ok(p, N(p));
}

static uint64_t alu_k(struct bpf_insn op, uint64_t a)
{
	op.dst_reg = R0;
	struct bpf_insn p[] = {LD64(R0, a), op, EXIT()};
	return run_ok(p, N(p));
}

/* ---- ALU ---- */
static void test_div_by_zero(void **state)
{
	assert_int_equal(alu_x(ALU64_X(BPF_DIV, 0, 0), 0x123456789ull, 0), 0);
	assert_int_equal(alu_x(ALU32_X(BPF_DIV, 0, 0), 0xffffffffffffffffull, 0), 0);
	/* only the low 32 bits of the divisor count: 0x100000000 is zero for div32 */
	assert_int_equal(alu_x(ALU32_X(BPF_DIV, 0, 0), 7, 0x100000000ull), 0);
	assert_int_equal(alu_x(ALU64_X(BPF_DIV, 0, 0), 100, 7), 14);
	/* 64-bit div by imm sign-extends imm: 2^64-1 / (2^64-1) = 1 */
	assert_int_equal(alu_k(ALU64_K(BPF_DIV, 0, -1), 0xffffffffffffffffull), 1);
}

static void test_mod_by_zero(void **state)
{
	assert_int_equal(alu_x(ALU64_X(BPF_MOD, 0, 0), 0x123456789ull, 0), 0x123456789ull);
	/* 32-bit: dst keeps its low half, zero-extended */
	assert_int_equal(alu_x(ALU32_X(BPF_MOD, 0, 0), 0xffffffff00000007ull, 0), 7);
	assert_int_equal(alu_x(ALU64_X(BPF_MOD, 0, 0), 100, 7), 2);
	assert_int_equal(alu_x(ALU32_X(BPF_MOD, 0, 0), 0x100000064ull, 7), 2); /* 100 % 7 */
}

static void test_signed_div_mod(void **state)
{
	const uint64_t min64 = 0x8000000000000000ull, m1 = 0xffffffffffffffffull;
	assert_int_equal(alu_x(SALU64_X(BPF_DIV, 0, 0), min64, m1), min64);
	assert_int_equal(alu_x(SALU64_X(BPF_MOD, 0, 0), min64, m1), 0);
	assert_int_equal(alu_x(SALU64_X(BPF_DIV, 0, 0), 5, 0), 0);
	assert_int_equal(alu_x(SALU64_X(BPF_MOD, 0, 0), (uint64_t)-5, 0), (uint64_t)-5);
	assert_int_equal(alu_x(SALU64_X(BPF_DIV, 0, 0), (uint64_t)-7, 2), (uint64_t)-3);
	assert_int_equal(alu_x(SALU64_X(BPF_MOD, 0, 0), (uint64_t)-7, 2), (uint64_t)-1);
	assert_int_equal(alu_x(SALU64_X(BPF_MOD, 0, 0), 7, (uint64_t)-2), 1);
	/* 32-bit: INT_MIN / -1 = INT_MIN, zero-extended */
	assert_int_equal(alu_x(SALU32_X(BPF_DIV, 0, 0), 0x80000000, 0xffffffff), 0x80000000);
	assert_int_equal(alu_x(SALU32_X(BPF_MOD, 0, 0), 0x80000000, 0xffffffff), 0);
	assert_int_equal(alu_x(SALU32_X(BPF_DIV, 0, 0), 0xfffffff9, 2), 0xfffffffd); /* -7/2 */
	assert_int_equal(alu_x(SALU32_X(BPF_MOD, 0, 0), 0xaaaaaaaafffffff9ull, 0), 0xfffffff9);
	assert_int_equal(alu_x(SALU32_X(BPF_DIV, 0, 0), 0xfffffff9, 0), 0);
	/* imm form: -6 sdiv -3 = 2 */
	assert_int_equal(alu_k(INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, -3), (uint64_t)-6), 2);
}

static void test_shift_masking(void **state)
{
	assert_int_equal(alu_x(ALU64_X(BPF_LSH, 0, 0), 1, 65), 2);
	assert_int_equal(alu_x(ALU32_X(BPF_LSH, 0, 0), 1, 33), 2);
	assert_int_equal(alu_x(ALU32_X(BPF_LSH, 0, 0), 0x80000001, 1), 2); /* bit 31 drops out */
	assert_int_equal(alu_x(ALU64_X(BPF_RSH, 0, 0), 0x8000000000000000ull, 127), 1);
	assert_int_equal(alu_x(ALU32_X(BPF_RSH, 0, 0), 0xff00000080000000ull, 63), 1);
	assert_int_equal(alu_x(ALU64_X(BPF_ARSH, 0, 0), (uint64_t)-16, 66), (uint64_t)-4);
	assert_int_equal(alu_x(ALU32_X(BPF_ARSH, 0, 0), 0x80000000, 35), 0xf0000000);
	assert_int_equal(alu_k(ALU64_K(BPF_LSH, 0, -1), 1), 0x8000000000000000ull); /* -1 & 63 */
	assert_int_equal(alu_k(ALU32_K(BPF_ARSH, 0, 33), 0xfffffffc), 0xfffffffe);
}

static void test_alu32_zero_extends(void **state)
{
	assert_int_equal(alu_k(ALU32_K(BPF_ADD, 0, 1), 0xffffffffffffffffull), 0);
	assert_int_equal(alu_k(ALU32_K(BPF_MOV, 0, -1), 0x1234), 0xffffffff);
	assert_int_equal(alu_k(ALU32_K(BPF_MUL, 0, 3), 0x80000001), 0x80000003);
	assert_int_equal(alu_k(ALU32_K(BPF_XOR, 0, 0), 0xdeadbeef00000001ull), 1);
	assert_int_equal(alu_k(ALU64_K(BPF_MOV, 0, -1), 0), 0xffffffffffffffffull);
	assert_int_equal(alu_k(ALU64_K(BPF_AND, 0, -2), 0xffffffffffffffffull),
	                 0xfffffffffffffffeull);
	assert_int_equal(alu_x(ALU64_X(BPF_SUB, 0, 0), 0, 1), 0xffffffffffffffffull);
}

static void test_movsx(void **state)
{
	assert_int_equal(alu_x(MOVSX64(0, 0, 8), 0, 0x1234567880ull), 0xffffffffffffff80ull);
	assert_int_equal(alu_x(MOVSX64(0, 0, 8), 0, 0x7f), 0x7f);
	assert_int_equal(alu_x(MOVSX64(0, 0, 16), 0, 0xff8000), 0xffffffffffff8000ull);
	assert_int_equal(alu_x(MOVSX64(0, 0, 32), 0, 0x80000000), 0xffffffff80000000ull);
	assert_int_equal(alu_x(MOVSX32(0, 0, 8), 0, 0x80), 0xffffff80);
	assert_int_equal(alu_x(MOVSX32(0, 0, 16), 0, 0xabcd8001ull), 0xffff8001);
	assert_int_equal(alu_x(MOVSX32(0, 0, 16), 0, 0x7001), 0x7001);
}

static void test_neg(void **state)
{
	struct bpf_insn neg64 = INSN(BPF_ALU64 | BPF_NEG, 0, 0, 0, 0);
	struct bpf_insn neg32 = INSN(BPF_ALU | BPF_NEG, 0, 0, 0, 0);
	assert_int_equal(alu_k(neg64, 5), (uint64_t)-5);
	assert_int_equal(alu_k(neg64, 0x8000000000000000ull), 0x8000000000000000ull);
	assert_int_equal(alu_k(neg32, 5), 0xfffffffb);
	assert_int_equal(alu_k(neg32, 0x80000000), 0x80000000);
}

static void test_byte_swap(void **state)
{
	const uint64_t v = 0x0123456789abcdefull;
#define END(cls, src, w) INSN((cls) | BPF_END | (src), 0, 0, 0, w)
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_LE, 16), v), 0xcdef);
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_LE, 32), v), 0x89abcdef);
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_LE, 64), v), v);
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_BE, 16), v), 0xefcd);
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_BE, 32), v), 0xefcdab89);
	assert_int_equal(alu_k(END(BPF_ALU, BPF_TO_BE, 64), v), 0xefcdab8967452301ull);
	assert_int_equal(alu_k(END(BPF_ALU64, BPF_TO_LE, 16), v), 0xefcd); /* bswap16 */
	assert_int_equal(alu_k(END(BPF_ALU64, BPF_TO_LE, 32), v), 0xefcdab89);
	assert_int_equal(alu_k(END(BPF_ALU64, BPF_TO_LE, 64), v), 0xefcdab8967452301ull);
#undef END
}

static void test_ld_imm64(void **state)
{
	struct bpf_insn p[] = {LD64(R0, 0xfedcba9876543210ull), EXIT()};
	assert_int_equal(run_ok(p, N(p)), 0xfedcba9876543210ull);
}

/* ---- jumps ---- */
struct jcase {
	uint8_t op;
	int wide;
	uint64_t a;
	int32_t b; /* imm; the X form gets it sign-extended in a register */
	int taken;
};

static const struct jcase jcases[] = {
        {BPF_JEQ, 1, 5, 5, 1},
        {BPF_JEQ, 1, 0x100000005ull, 5, 0},
        {BPF_JEQ, 0, 0x100000005ull, 5, 1},
        {BPF_JEQ, 0, 6, 5, 0},
        {BPF_JNE, 1, 0x100000005ull, 5, 1},
        {BPF_JNE, 1, 5, 5, 0},
        {BPF_JNE, 0, 6, 5, 1},
        {BPF_JNE, 0, 0x100000005ull, 5, 0},
        {BPF_JGT, 1, 0xffffffffffffffffull, 1, 1}, /* unsigned */
        {BPF_JGT, 1, 1, 2, 0},
        {BPF_JGT, 0, 0xffffffff, 1, 1},
        {BPF_JGT, 0, 0x100000001ull, 2, 0},
        {BPF_JGE, 1, 2, 2, 1},
        {BPF_JGE, 1, 1, 2, 0},
        {BPF_JGE, 0, 0x500000002ull, 2, 1},
        {BPF_JGE, 0, 0x500000001ull, 2, 0},
        {BPF_JLT, 1, 1, -1, 1}, /* 1 < 2^64-1 */
        {BPF_JLT, 1, 0x100000000ull, 1, 0},
        {BPF_JLT, 0, 0x100000000ull, 1, 1}, /* low half 0 < 1 */
        {BPF_JLT, 0, 2, 1, 0},
        {BPF_JLE, 1, 2, 2, 1},
        {BPF_JLE, 1, 3, 2, 0},
        {BPF_JLE, 0, 0x100000002ull, 2, 1},
        {BPF_JLE, 0, 3, 2, 0},
        {BPF_JSET, 1, 0x100000000ull, -1, 1},
        {BPF_JSET, 1, 6, 1, 0},
        {BPF_JSET, 0, 6, 2, 1},
        {BPF_JSET, 0, 0x100000000ull, -1, 0},
        {BPF_JSGT, 1, 1, -1, 1},
        {BPF_JSGT, 1, 0xffffffffffffffffull, 1, 0},
        {BPF_JSGT, 1, 0x80000000, 1, 1}, /* positive in 64 bits */
        {BPF_JSGT, 0, 0x80000000, 1, 0}, /* INT_MIN in 32 bits */
        {BPF_JSGT, 0, 1, -1, 1},
        {BPF_JSGE, 1, 0xffffffffffffffffull, -1, 1},
        {BPF_JSGE, 1, 0xfffffffffffffffeull, -1, 0},
        {BPF_JSGE, 0, 0xffffffff, -1, 1},
        {BPF_JSGE, 0, 0x80000000, 0, 0},
        {BPF_JSLT, 1, 0xffffffffffffffffull, 0, 1},
        {BPF_JSLT, 1, 0, -1, 0},
        {BPF_JSLT, 0, 0x80000000, 0, 1},
        {BPF_JSLT, 0, 0x7fffffff, 0, 0},
        {BPF_JSLE, 1, 0xffffffffffffffffull, -1, 1},
        {BPF_JSLE, 1, 0, -1, 0},
        {BPF_JSLE, 0, 0xffffffff, -1, 1},
        {BPF_JSLE, 0, 0x100000000ull, -1, 0}, /* low half 0 > -1 */
};

static void test_jump_conditions(void **state)
{
	for (size_t i = 0; i < N(jcases); i++) {
		const struct jcase *c = &jcases[i];
		uint8_t cls = c->wide ? BPF_JMP : BPF_JMP32;
		for (int x = 0; x < 2; x++) {
			struct bpf_insn j = x ? INSN(cls | c->op | BPF_X, R1, R2, 2, 0)
			                      : INSN(cls | c->op | BPF_K, R1, 0, 2, c->b);
			/* r0 = 1 when taken, 0 when not */
			struct bpf_insn p[] = {
			        MOV64(R0, 0), LD64(R1, c->a), MOV64(R2, c->b), j,
			        EXIT(),       EXIT(),         MOV64(R0, 1),    EXIT()};
			uint64_t r0 = run_ok(p, N(p));
			if ((int)r0 != c->taken)
				printf("case %zu (op %02x %s %s) gave %d\n", i, c->op,
				       c->wide ? "64" : "32", x ? "X" : "K", (int)r0);
			assert_int_equal(r0, c->taken);
		}
	}
}

static void test_ja_gotol(void **state)
{
	struct bpf_insn p[] = {MOV64(R0, 1), JA(1), MOV64(R0, 2), GOTOL(1),
	                       MOV64(R0, 3), JA(1), EXIT(),       ALU64_K(BPF_ADD, R0, 10),
	                       JA(-3)};
	assert_int_equal(run_ok(p, N(p)), 11);
}

static void test_may_goto(void **state)
{
	/* may_goto falls through 8,388,608 times (BPF_MAX_LOOPS), then jumps */
	struct bpf_insn p[] = {MOV64(R0, 0), MAY_GOTO(2), ALU64_K(BPF_ADD, R0, 1), JA(-3), EXIT()};
	assert_int_equal(run_ok(p, N(p)), 8388608);
}

/* ---- memory ---- */
static void test_load_store_sizes(void **state)
{
	for (int m = 0; m < 2; m++) {
		uint8_t mem[32];
		for (int i = 0; i < 32; i++)
			mem[i] = (uint8_t)(0x80 + i);
		struct bpf_insn p[] = {
		        /* unaligned loads, little-endian */
		        LDX(BPF_B, R0, R1, 1),    /* 0x81 */
		        LDX(BPF_H, R2, R1, 1),    /* 0x8281 */
		        ALU64_X(BPF_ADD, R0, R2), /* 0x8302 */
		        LDX(BPF_W, R2, R1, 3),    /* 0x86858483 */
		        ALU64_X(BPF_ADD, R0, R2), /* 0x86860785 */
		        LDX(BPF_DW, R2, R1, 5),   /* 0x8c8b8a8988878685 */
		        ALU64_X(BPF_XOR, R0, R2), /* 0x8c8b8a890e018100 */
		        ST(BPF_B, R1, 16, 0x1ff), /* ff */
		        ST(BPF_H, R1, 17, -2),    /* fe ff */
		        ST(BPF_W, R1, 19, 0x11223344),
		        ST(BPF_DW, R1, 23, -1), /* sign-extended imm: 8 x ff */
		        LD64(R2, 0xa1a2a3a4a5a6a7a8ull),
		        STX(BPF_DW, R1, R2, 8),
		        STX(BPF_W, R1, R2, 4),
		        STX(BPF_H, R1, R2, 2),
		        STX(BPF_B, R1, R2, 0),
		        EXIT(),
		};
		uint64_t r0;
		struct userbpf_error e;
		assert_int_equal(run_mode(p, N(p), modes[m], mem, sizeof mem, &r0, &e), 0);
		/* 0x81 + 0x8281 = 0x8302; + 0x86858483 = 0x86860785;
		 * ^ 0x8c8b8a8988878685 = 0x8c8b8a890e018100 */
		assert_int_equal(r0, 0x8c8b8a890e018100ull);
		static const uint8_t want[32] = {0xa8, 0x81, 0xa8, 0xa7, 0xa8, 0xa7, 0xa6, 0xa5,
		                                 0xa8, 0xa7, 0xa6, 0xa5, 0xa4, 0xa3, 0xa2, 0xa1,
		                                 0xff, 0xfe, 0xff, 0x44, 0x33, 0x22, 0x11, 0xff,
		                                 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x9f};
		assert_memory_equal(mem, want, sizeof want);
	}
}

static void test_memsx_loads(void **state)
{
	uint8_t mem[8] = {0x80, 0xfe, 0xff, 0x00, 0x00, 0x00, 0x80, 0x7f};
	struct bpf_insn b[] = {LDXS(BPF_B, R0, R1, 0), EXIT()};
	struct bpf_insn h[] = {LDXS(BPF_H, R0, R1, 1), EXIT()};
	struct bpf_insn w[] = {LDXS(BPF_W, R0, R1, 3), EXIT()};
	struct bpf_insn wpos[] = {LDXS(BPF_W, R0, R1, 4), EXIT()};
	for (int m = 0; m < 2; m++) {
		uint64_t r0;
		struct userbpf_error e;
		assert_int_equal(run_mode(b, N(b), modes[m], mem, 8, &r0, &e), 0);
		assert_int_equal(r0, 0xffffffffffffff80ull);
		assert_int_equal(run_mode(h, N(h), modes[m], mem, 8, &r0, &e), 0);
		assert_int_equal(r0, 0xfffffffffffffffeull); /* bytes fe ff */
		assert_int_equal(run_mode(w, N(w), modes[m], mem, 8, &r0, &e), 0);
		assert_int_equal(r0, 0xffffffff80000000ull); /* bytes 00 00 00 80 */
		assert_int_equal(run_mode(wpos, N(wpos), modes[m], mem, 8, &r0, &e), 0);
		assert_int_equal(r0, 0x7f800000); /* bytes 00 00 80 7f */
	}
}

/* ---- atomics ---- */
struct acase {
	int32_t op;
	int wide;
	uint64_t mem, src, r0; /* before */
	uint64_t mem_after, src_after, r0_after;
};

static const struct acase acases[] = {
        {BPF_ADD, 1, 10, 5, 0, 15, 5, 0},
        {BPF_OR, 1, 0x0f, 0xf00, 0, 0xf0f, 0xf00, 0},
        {BPF_AND, 1, 0xff, 0x0f0, 0, 0xf0, 0xf0, 0},
        {BPF_XOR, 1, 0xff, 0x0f0, 0, 0x0f, 0xf0, 0},
        {BPF_ADD | BPF_FETCH, 1, 10, 5, 0, 15, 10, 0},
        {BPF_OR | BPF_FETCH, 1, 0x0f, 0xf00, 0, 0xf0f, 0x0f, 0},
        {BPF_AND | BPF_FETCH, 1, 0xff, 0x0f0, 0, 0xf0, 0xff, 0},
        {BPF_XOR | BPF_FETCH, 1, 0xff, 0x0f0, 0, 0x0f, 0xff, 0},
        {BPF_XCHG, 1, 0x1111111111111111ull, 7, 0, 7, 0x1111111111111111ull, 0},
        {BPF_CMPXCHG, 1, 42, 99, 42, 99, 99, 42}, /* equal: store, r0 = old */
        {BPF_CMPXCHG, 1, 42, 99, 41, 42, 99, 42}, /* differ: no store, r0 = old */
        /* 32-bit: the upper half of memory is untouched; fetched values zero-extend */
        {BPF_ADD, 0, 0xaaaaaaaaffffffffull, 2, 0, 0xaaaaaaaa00000001ull, 2, 0},
        {BPF_OR, 0, 0xaaaaaaaa00000001ull, 2, 0, 0xaaaaaaaa00000003ull, 2, 0},
        {BPF_AND, 0, 0xaaaaaaaa00000003ull, 2, 0, 0xaaaaaaaa00000002ull, 2, 0},
        {BPF_XOR, 0, 0xaaaaaaaa00000003ull, 6, 0, 0xaaaaaaaa00000005ull, 6, 0},
        {BPF_ADD | BPF_FETCH, 0, 0xaaaaaaaaffffffffull, 0x1200000002ull, 0, 0xaaaaaaaa00000001ull,
         0xffffffff, 0},
        {BPF_OR | BPF_FETCH, 0, 0xaaaaaaaa00000001ull, 0x1200000002ull, 0, 0xaaaaaaaa00000003ull, 1,
         0},
        {BPF_AND | BPF_FETCH, 0, 0xaaaaaaaa00000003ull, 2, 0, 0xaaaaaaaa00000002ull, 3, 0},
        {BPF_XOR | BPF_FETCH, 0, 0xaaaaaaaa80000003ull, 6, 0, 0xaaaaaaaa80000005ull, 0x80000003, 0},
        {BPF_XCHG, 0, 0xaaaaaaaa80000000ull, 0x1200000007ull, 0, 0xaaaaaaaa00000007ull, 0x80000000,
         0},
        /* cmpxchg32 compares the low half of r0 */
        {BPF_CMPXCHG, 0, 0xaaaaaaaa80000000ull, 9, 0x5580000000ull, 0xaaaaaaaa00000009ull, 9,
         0x80000000},
        {BPF_CMPXCHG, 0, 0xaaaaaaaa80000000ull, 9, 1, 0xaaaaaaaa80000000ull, 9, 0x80000000},
};

static void test_atomics(void **state)
{
	for (size_t i = 0; i < N(acases); i++) {
		const struct acase *c = &acases[i];
		for (int m = 0; m < 2; m++) {
			_Alignas(8) uint64_t mem[2] = {0, c->mem};
			/* r0 = src after, the value at mem[1] is checked in C, mem[0] gets r0 */
			struct bpf_insn p[] = {
			        LD64(R2, c->src),
			        LD64(R0, c->r0),
			        ATOMIC(c->wide ? BPF_DW : BPF_W, c->op, R1, R2, 8),
			        STX(BPF_DW, R1, R0, 0),
			        MOV64_X(R0, R2),
			        EXIT(),
			};
			uint64_t r0;
			struct userbpf_error e;
			int err = run_mode(p, N(p), modes[m], mem, sizeof mem, &r0, &e);
			if (err)
				printf("case %zu: %s\n", i, e.msg);
			assert_int_equal(err, 0);
			if (r0 != c->src_after || mem[1] != c->mem_after || mem[0] != c->r0_after)
				printf("case %zu mode %d: src %llx mem %llx r0 %llx\n", i, m,
				       (unsigned long long)r0, (unsigned long long)mem[1],
				       (unsigned long long)mem[0]);
			assert_int_equal(r0, c->src_after);
			assert_int_equal(mem[1], c->mem_after);
			assert_int_equal(mem[0], c->r0_after);
		}
	}
}

static void test_load_acquire_store_release(void **state)
{
	static const uint8_t sizes[4] = {BPF_B, BPF_H, BPF_W, BPF_DW};
	static const uint64_t loaded[4] = {0x88, 0x7788, 0x55667788, 0x1122334455667788ull};
	for (int s = 0; s < 4; s++) {
		for (int m = 0; m < 2; m++) {
			_Alignas(8) uint64_t mem[2] = {0x1122334455667788ull, 0};
			struct bpf_insn p[] = {
			        ATOMIC(sizes[s], BPF_LOAD_ACQ, R0, R1, 0),
			        LD64(R2, 0xffffffffffffffffull),
			        ATOMIC(sizes[s], BPF_STORE_REL, R1, R2, 8),
			        EXIT(),
			};
			uint64_t r0;
			struct userbpf_error e;
			assert_int_equal(run_mode(p, N(p), modes[m], mem, sizeof mem, &r0, &e), 0);
			assert_int_equal(r0, loaded[s]);
			/* a store-release of size 1 << s bytes of all-ones */
			uint64_t want = s == 3 ? ~0ull : (1ull << (8 << s)) - 1;
			assert_int_equal(mem[1], want);
		}
	}
}

struct mt_arg {
	const struct userbpf_vm *vm;
	uint64_t *counter;
	int fails;
};

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	for (int i = 0; i < 100000; i++) {
		uint64_t r0;
		if (userbpf_vm_exec(a->vm, a->counter, sizeof *a->counter, &r0, NULL))
			a->fails++;
	}
	return NULL;
}

static void test_atomic_add_threads(void **state)
{
	struct bpf_insn p[] = {MOV64(R2, 1), ATOMIC(BPF_DW, BPF_ADD, R1, R2, 0), MOV64(R0, 0),
	                       EXIT()};
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm;
		struct userbpf_error e;
		assert_int_equal(vm_new(p, N(p), modes[m], 0, &vm, &e), 0);
		_Alignas(8) uint64_t counter = 0;
		pthread_t t[4];
		struct mt_arg args[4];
		for (int i = 0; i < 4; i++) {
			args[i] = (struct mt_arg){vm, &counter, 0};
			assert_int_equal(pthread_create(&t[i], NULL, mt_worker, &args[i]), 0);
		}
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(args[i].fails, 0);
		}
		assert_int_equal(counter, 400000);
		userbpf_vm_destroy(vm);
	}
}

/* ---- calls ---- */
static uint64_t helper_sum(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct userbpf_run_ctx *rc)
{
	uint64_t *calls = userbpf_run_user(rc);
	if (calls)
		(*calls)++;
	return r1 + 10 * r2 + 100 * r3 + 1000 * r4 + 10000 * r5;
}

static void test_helper_call(void **state)
{
	struct bpf_insn p[] = {MOV64(R1, 1),        MOV64(R2, 2), MOV64(R3, 3), MOV64(BPF_REG_4, 4),
	                       MOV64(BPF_REG_5, 5), CALL(7),      EXIT()};
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm;
		struct userbpf_error e;
		uint64_t calls = 0, r0 = 0;
		assert_int_equal(vm_new(p, N(p), modes[m], 0, &vm, &e), 0);
		assert_int_equal(userbpf_vm_set_helper(vm, 7, helper_sum), 0);
		struct userbpf_run_args a = {.sz = sizeof a, .user = &calls};
		assert_int_equal(userbpf_vm_run(vm, &a, &r0, &e), 0);
		assert_int_equal(r0, 54321);
		assert_int_equal(calls, 1);
		userbpf_vm_destroy(vm);
	}
}

static void test_unknown_helper(void **state)
{
	struct bpf_insn p[] = {MOV64(R0, 0), CALL(7), CALL(99), EXIT()};
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm;
		struct userbpf_error e;
		uint64_t r0;
		assert_int_equal(vm_new(p, N(p), modes[m], 0, &vm, &e), 0);
		userbpf_vm_set_helper(vm, 7, helper_sum);
		assert_int_equal(userbpf_vm_exec(vm, NULL, 0, &r0, &e), -ENOENT);
		assert_int_equal(e.insn, 2);
		assert_string_equal(e.msg, "invalid func unknown#99");
		userbpf_vm_destroy(vm);
	}
}

static void test_callx(void **state)
{
	/* callx (0x8d, relaxed only): the helper id is in dst */
	struct bpf_insn p[] = {MOV64(R1, 4),
	                       MOV64(R2, 0),
	                       MOV64(R3, 0),
	                       MOV64(BPF_REG_4, 0),
	                       MOV64(BPF_REG_5, 0),
	                       MOV64(R6, 7),
	                       INSN(BPF_JMP | BPF_CALL | BPF_X, R6, 0, 0, 0),
	                       EXIT()};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	uint64_t r0;
	assert_int_equal(vm_new(p, N(p), USERBPF_VM_UNVERIFIED, 0, &vm, &e), 0);
	assert_int_equal(userbpf_vm_exec(vm, NULL, 0, &r0, &e), -ENOENT);
	assert_int_equal(e.insn, 6);
	userbpf_vm_set_helper(vm, 7, helper_sum);
	assert_int_equal(userbpf_vm_exec(vm, NULL, 0, &r0, &e), 0);
	assert_int_equal(r0, 4);
	userbpf_vm_destroy(vm);
	assert_int_equal(vm_new(p, N(p), 0, 0, &vm, &e), -EINVAL); /* not Linux ISA */
}

static void test_bpf_to_bpf_call(void **state)
{
	struct bpf_insn p[] = {
	        /* 0 */ MOV64(R6, 6),
	        MOV64(BPF_REG_7, 7),
	        MOV64(BPF_REG_8, 8),
	        /* 3 */ MOV64(BPF_REG_9, 9),
	        ST(BPF_DW, R10, -8, 111),
	        /* 5 */ MOV64(R1, 1000),
	        MOV64(R2, 2000),
	        /* 7 */ CALL_LOCAL(9), /* -> 17 */
	        /* 8: r0 = callee result + caller's stack slot + r6..r9 */
	        LDX(BPF_DW, R1, R10, -8),
	        ALU64_X(BPF_ADD, R0, R1),
	        ALU64_X(BPF_ADD, R0, R6),
	        /* 11 */ ALU64_X(BPF_ADD, R0, BPF_REG_7),
	        ALU64_X(BPF_ADD, R0, BPF_REG_8),
	        /* 13 */ ALU64_X(BPF_ADD, R0, BPF_REG_9),
	        LDX(BPF_DW, R1, R10, -16),
	        /* 15 */ ALU64_X(BPF_ADD, R0, R1),
	        EXIT(),
	        /* 17: callee: its own stack, clobbers r6..r9 */
	        ST(BPF_DW, R10, -8, 222),
	        MOV64(R6, 0),
	        MOV64(BPF_REG_7, 0),
	        MOV64(BPF_REG_8, 0),
	        /* 21 */ MOV64(BPF_REG_9, 0),
	        LDX(BPF_DW, R0, R10, -8),
	        /* 23 */ ALU64_X(BPF_ADD, R0, R1),
	        ALU64_X(BPF_ADD, R0, R2),
	        EXIT(),
	};
	/* callee: 222 + 1000 + 2000 = 3222; caller adds 111 + 6+7+8+9 + 0 (unwritten
	 * slot r10-16: guarded mode zeroes the stack; trusted reads what was there) */
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_mode(p, N(p), USERBPF_VM_UNVERIFIED, NULL, 0, &r0, &e), 0);
	assert_int_equal(r0, 3222 + 111 + 30);
	p[14] = MOV64(R1, 0); /* trusted: do not read the unwritten slot */
	assert_int_equal(run_ok(p, N(p)), 3222 + 111 + 30);
}

/* sub(r1): if --r1 == 0 return 0; return sub(r1) + 1 */
static const struct bpf_insn recurse[] = {
        CALL_LOCAL(1),
        EXIT(),
        /* 2 */ ALU64_K(BPF_SUB, R1, 1),
        JMP_K(BPF_JNE, R1, 0, 2),
        MOV64(R0, 0),
        EXIT(),
        /* 6 */ CALL_LOCAL(-5),
        ALU64_K(BPF_ADD, R0, 1),
        EXIT(),
};

static void test_call_depth(void **state)
{
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm;
		struct userbpf_error e;
		uint64_t r0;
		assert_int_equal(vm_new(recurse, N(recurse), modes[m], 0, &vm, &e), 0);
		/* r1 = 7: main + 7 frames of sub = 8 frames, the limit */
		struct userbpf_run_args a = {.sz = sizeof a, .r = {7}};
		assert_int_equal(userbpf_vm_run(vm, &a, &r0, &e), 0);
		assert_int_equal(r0, 6);
		/* r1 = 8: a ninth frame */
		a.r[0] = 8;
		assert_int_equal(userbpf_vm_run(vm, &a, &r0, &e), -EOVERFLOW);
		assert_int_equal(e.insn, 6);
		userbpf_vm_destroy(vm);
	}
}

/* Tail calls: slot 0 holds the program itself, slot 1 the target below, others empty. */
static const struct userbpf_vm *tail_vms[2];

static const struct userbpf_vm *tail_hook(void *user, uint64_t map, uint32_t index)
{
	assert_int_equal(map, 0xabc);
	return index < 2 ? tail_vms[index] : NULL;
}

static uint64_t helper_count_ctx(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct userbpf_run_ctx *rc)
{
	uint64_t *calls = userbpf_run_user(rc);
	assert_int_equal(r1, 0x5000); /* the ctx reaches every program in the chain */
	return ++*calls;
}

/* count; bpf_tail_call(ctx, 0xabc, index); r0 += 1,000,000 when it falls through */
static void tail_prog(struct bpf_insn *p, int32_t index)
{
	const struct bpf_insn t[] = {
	        MOV64_X(R6, R1),  CALL(1),  MOV64_X(R1, R6), MOV64(R2, 0xabc),
	        MOV64(R3, index), CALL(12), EXIT(),
	};
	memcpy(p, t, sizeof t);
}

static void test_tail_call(void **state)
{
	struct bpf_insn self[7], to_target[7], to_empty[7];
	struct bpf_insn target[] = {CALL(1), ALU64_K(BPF_ADD, R0, 1000), EXIT()};
	tail_prog(self, 0);
	tail_prog(to_target, 1);
	tail_prog(to_empty, 5);
	for (int m = 0; m < 2; m++) {
		struct userbpf_vm *vm[4];
		struct userbpf_error e;
		uint64_t calls = 0, r0;
		assert_int_equal(vm_new(self, 7, modes[m], 0, &vm[0], &e), 0);
		assert_int_equal(vm_new(target, N(target), modes[m], 0, &vm[1], &e), 0);
		assert_int_equal(vm_new(to_target, 7, modes[m], 0, &vm[2], &e), 0);
		assert_int_equal(vm_new(to_empty, 7, modes[m], 0, &vm[3], &e), 0);
		tail_vms[0] = vm[0];
		tail_vms[1] = vm[1];
		for (int i = 0; i < 4; i++) {
			userbpf_vm_set_helper(vm[i], 1, helper_count_ctx);
			userbpf_vm_set_tail_call(vm[i], tail_hook, NULL);
		}
		/* slot 0 is the program itself: the first run plus 33 tail calls execute,
		 * the 34th fails and falls through with r0 = -E2BIG */
		struct userbpf_run_args args = {.sz = sizeof args, .r = {0x5000}, .user = &calls};
		assert_int_equal(userbpf_vm_run(vm[0], &args, &r0, &e), 0);
		assert_int_equal(calls, 34);
		assert_int_equal(r0, (uint64_t)-E2BIG);
		/* slot 1: into another program, whose exit ends the run */
		calls = 0;
		assert_int_equal(userbpf_vm_run(vm[2], &args, &r0, &e), 0);
		assert_int_equal(calls, 2);
		assert_int_equal(r0, 1002);
		/* slot 5 is empty: fall through with r0 = -ENOENT */
		calls = 0;
		assert_int_equal(userbpf_vm_run(vm[3], &args, &r0, &e), 0);
		assert_int_equal(calls, 1);
		assert_int_equal(r0, (uint64_t)-ENOENT);
		for (int i = 0; i < 4; i++)
			userbpf_vm_destroy(vm[i]);
	}
}

static void test_unsupported(void **state)
{
	struct bpf_insn kfunc[] = {MOV64(R0, 0), INSN(BPF_JMP | BPF_CALL, 0, 2, 0, 1234), EXIT()};
	struct bpf_insn ldabs[] = {MOV64(R0, 0), INSN(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0),
	                           EXIT()};
	struct bpf_insn map[] = {MOV64(R0, 0), INSN(BPF_LD | BPF_DW | BPF_IMM, R1, 1, 0, 3),
	                         INSN(0, 0, 0, 0, 0), EXIT()};
	for (int m = 0; m < 2; m++) {
		struct userbpf_error e;
		uint64_t r0;
		assert_int_equal(run_mode(kfunc, N(kfunc), modes[m], NULL, 0, &r0, &e),
		                 -EOPNOTSUPP);
		assert_int_equal(e.insn, 1);
		assert_int_equal(run_mode(ldabs, N(ldabs), modes[m], NULL, 0, &r0, &e),
		                 -EOPNOTSUPP);
		assert_int_equal(e.insn, 1);
		assert_string_equal(e.msg, "BPF_LD_[ABS|IND] needs a packet context");
		assert_int_equal(run_mode(map, N(map), modes[m], NULL, 0, &r0, &e), -EINVAL);
		assert_int_equal(e.insn, 1);
	}
}

/* ---- guarded mode ---- */
static void test_guard_input_bounds(void **state)
{
	uint8_t mem[16] = {0};
	struct bpf_insn rd[] = {MOV64(R0, 0), LDX(BPF_W, R0, R1, 13), EXIT()};
	struct bpf_insn rd_ok[] = {LDX(BPF_W, R0, R1, 12), EXIT()};
	struct bpf_insn rd_neg[] = {LDX(BPF_B, R0, R1, -1), EXIT()};
	struct bpf_insn wr[] = {MOV64(R0, 0), MOV64(R2, 1), STX(BPF_DW, R1, R2, 9), EXIT()};
	struct bpf_insn null[] = {MOV64(R0, 0), LDX(BPF_B, R0, R1, 0), EXIT()};
	run_fails(rd, N(rd), mem, sizeof mem, -EFAULT, 1);
	run_fails(rd_neg, N(rd_neg), mem, sizeof mem, -EFAULT, 0);
	run_fails(wr, N(wr), mem, sizeof mem, -EFAULT, 2);
	run_fails(null, N(null), NULL, 0, -EFAULT, 1);
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_mode(rd_ok, N(rd_ok), USERBPF_VM_UNVERIFIED, mem, 16, &r0, &e), 0);
	assert_int_equal(run_mode(rd, N(rd), USERBPF_VM_UNVERIFIED, mem, 16, &r0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "invalid mem access at insn 1: 4 bytes at 0x"));
	assert_non_null(strstr(e.msg, "(not in any granted region)"));
}

static void test_guard_stack(void **state)
{
	struct bpf_insn over[] = {MOV64(R0, 0), ST(BPF_DW, R10, -512, 1), ST(BPF_B, R10, -513, 1),
	                          EXIT()};
	struct bpf_insn under[] = {MOV64(R0, 0), LDX(BPF_DW, R0, R10, -8), LDX(BPF_B, R0, R10, 0),
	                           EXIT()};
	run_fails(over, N(over), NULL, 0, -EFAULT, 2);
	run_fails(under, N(under), NULL, 0, -EFAULT, 2);
	/* a callee may use its caller's frame (pointer passed in r1), not below its own */
	struct bpf_insn callee[] = {
	        MOV64_X(R1, R10),     ALU64_K(BPF_ADD, R1, -8), CALL_LOCAL(1),           EXIT(),
	        ST(BPF_DW, R1, 0, 5), LDX(BPF_DW, R0, R1, 0),   ST(BPF_B, R10, -513, 1), EXIT()};
	run_fails(callee, N(callee), NULL, 0, -EFAULT, 6);
}

static void test_guard_read_only(void **state)
{
	struct bpf_insn p[] = {LDX(BPF_B, R0, R1, 0), ST(BPF_B, R1, 0, 1), EXIT()};
	uint8_t buf[4] = {9};
	struct userbpf_mem_region ro = {buf, sizeof buf, USERBPF_MEM_READ};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	uint64_t r0;
	assert_int_equal(vm_new(p, N(p), USERBPF_VM_UNVERIFIED, 0, &vm, &e), 0);
	struct userbpf_run_args a = {
	        .sz = sizeof a, .r = {(uintptr_t)buf}, .regions = &ro, .nr_regions = 1};
	assert_int_equal(userbpf_vm_run(vm, &a, &r0, &e), -EFAULT);
	assert_int_equal(e.insn, 1);
	assert_non_null(strstr(e.msg, "not writable"));
	assert_int_equal(buf[0], 9);
	userbpf_vm_destroy(vm);
}

static void test_guard_misaligned_atomic(void **state)
{
	struct bpf_insn p[] = {MOV64(R0, 0),
	                       ST(BPF_DW, R10, -16, 0),
	                       ST(BPF_DW, R10, -8, 0),
	                       MOV64(R2, 1),
	                       ATOMIC(BPF_DW, BPF_ADD, R10, R2, -16),
	                       ATOMIC(BPF_W, BPF_ADD, R10, R2, -12),
	                       ATOMIC(BPF_DW, BPF_ADD, R10, R2, -12),
	                       EXIT()};
	run_fails(p, N(p), NULL, 0, -EFAULT, 6);
}

static void test_guard_budget(void **state)
{
	struct bpf_insn p[] = {MOV64(R0, 0), JA(-1), EXIT()};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	uint64_t r0;
	assert_int_equal(vm_new(p, N(p), USERBPF_VM_UNVERIFIED, 1000, &vm, &e), 0);
	assert_int_equal(userbpf_vm_exec(vm, NULL, 0, &r0, &e), -E2BIG);
	assert_int_equal(e.insn, 1);
	userbpf_vm_destroy(vm);
	/* the default budget (100,000,000) also stops it */
	run_fails(p, N(p), NULL, 0, -E2BIG, 1);
}

static void test_guard_fell_off(void **state)
{
	struct bpf_insn p[] = {MOV64(R0, 0), JMP_K(BPF_JEQ, R0, 0, 1), EXIT(), MOV64(R0, 1)};
	run_fails(p, N(p), NULL, 0, -EINVAL, 3);
	struct userbpf_vm *vm;
	struct userbpf_error e;
	assert_int_equal(vm_new(p, N(p), 0, 0, &vm, &e), -EINVAL); /* strict check refuses it */
}

static uint8_t granted[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static uint64_t helper_grant(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	if (r1)
		assert_int_equal(userbpf_run_grant(rc, granted, sizeof granted, USERBPF_MEM_READ),
		                 0);
	return (uintptr_t)granted;
}

static void test_guard_helper_grant(void **state)
{
	struct bpf_insn p[] = {CALL(3), LDX(BPF_B, R0, R0, 7), EXIT()};
	for (int grant = 0; grant < 2; grant++) {
		struct userbpf_vm *vm;
		struct userbpf_error e;
		uint64_t r0;
		assert_int_equal(vm_new(p, N(p), USERBPF_VM_UNVERIFIED, 0, &vm, &e), 0);
		userbpf_vm_set_helper(vm, 3, helper_grant);
		struct userbpf_run_args a = {.sz = sizeof a, .r = {(uint64_t)grant}};
		int err = userbpf_vm_run(vm, &a, &r0, &e);
		assert_int_equal(err, grant ? 0 : -EFAULT);
		if (grant)
			assert_int_equal(r0, 8);
		else
			assert_int_equal(e.insn, 1);
		userbpf_vm_destroy(vm);
	}
}

static void test_create_errors(void **state)
{
	struct userbpf_vm *vm = (void *)1;
	struct userbpf_error e;
	struct bpf_insn bad[] = {INSN(0xff, 0, 0, 0, 0), EXIT()};
	assert_int_equal(vm_new(bad, N(bad), USERBPF_VM_UNVERIFIED, 0, &vm, &e), -EINVAL);
	assert_null(vm);
	assert_int_equal(e.insn, 0);
	struct userbpf_vm_opts small = {.sz = 4};
	struct bpf_insn ok[] = {MOV64(R0, 0), EXIT()};
	assert_int_equal(userbpf_vm_create(ok, N(ok), &small, &vm, &e), -EINVAL);
	assert_int_equal(userbpf_vm_create(ok, N(ok), NULL, &vm, &e), 0);
	userbpf_vm_destroy(vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_div_by_zero),
	        cmocka_unit_test(test_mod_by_zero),
	        cmocka_unit_test(test_signed_div_mod),
	        cmocka_unit_test(test_shift_masking),
	        cmocka_unit_test(test_alu32_zero_extends),
	        cmocka_unit_test(test_movsx),
	        cmocka_unit_test(test_neg),
	        cmocka_unit_test(test_byte_swap),
	        cmocka_unit_test(test_ld_imm64),
	        cmocka_unit_test(test_jump_conditions),
	        cmocka_unit_test(test_ja_gotol),
	        cmocka_unit_test(test_may_goto),
	        cmocka_unit_test(test_load_store_sizes),
	        cmocka_unit_test(test_memsx_loads),
	        cmocka_unit_test(test_atomics),
	        cmocka_unit_test(test_load_acquire_store_release),
	        cmocka_unit_test(test_atomic_add_threads),
	        cmocka_unit_test(test_helper_call),
	        cmocka_unit_test(test_unknown_helper),
	        cmocka_unit_test(test_callx),
	        cmocka_unit_test(test_bpf_to_bpf_call),
	        cmocka_unit_test(test_call_depth),
	        cmocka_unit_test(test_tail_call),
	        cmocka_unit_test(test_unsupported),
	        cmocka_unit_test(test_guard_input_bounds),
	        cmocka_unit_test(test_guard_stack),
	        cmocka_unit_test(test_guard_read_only),
	        cmocka_unit_test(test_guard_misaligned_atomic),
	        cmocka_unit_test(test_guard_budget),
	        cmocka_unit_test(test_guard_fell_off),
	        cmocka_unit_test(test_guard_helper_grant),
	        cmocka_unit_test(test_create_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
