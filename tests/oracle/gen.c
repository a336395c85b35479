/* gen.c — the random program generator of the kernel-oracle test (see gen.h).
 *
 * The verifier's rules the generator must respect, and how it does:
 * - every register read must be initialised: the prelude sets r0..r9 before the body;
 * - no DIV/MOD by an immediate 0 ("div by zero"): K divisors are never 0;
 * - K shifts below the operand width ("invalid shift"): drawn from [0, width);
 * - no back-edges and no unreachable instruction (check_cfg): jumps go forward only, and an
 *   unconditional goto is always preceded by "if ... goto +1" so what it skips stays
 *   reachable;
 * - reserved fields zero, except the ones the ISA gives meaning (off 1 for sdiv/smod, off
 *   8/16/32 for movsx, imm 16/32/64 for byte swaps).
 * Register-source shifts and divisions are unrestricted: their run-time semantics (masked
 * shift counts, x/0 = 0, x%0 = x) are part of what the test compares.
 */
#include <inttypes.h>

#include "gen.h"

#define OG_NREGS 10 /* r0..r9; r10 is the frame pointer and never touched */
#define OG_BODY_MIN 5
#define OG_BODY_MAX 60

struct og_rng {
	uint64_t s;
};

/* splitmix64: turns (seed, index) into a well-mixed, non-zero xorshift state. */
static uint64_t og_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* xorshift64*: small, fast, and identical on every platform (unlike rand()). */
static uint64_t og_next(struct og_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) for n > 0 (multiply-shift: no modulo bias worth caring about). */
static uint32_t og_below(struct og_rng *r, uint32_t n)
{
	return (uint32_t)(((og_next(r) >> 32) * n) >> 32);
}

static int og_chance(struct og_rng *r, uint32_t percent)
{
	return og_below(r, 100) < percent;
}

static struct bpf_insn og_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn in = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return in;
}

static uint8_t og_reg(struct og_rng *r)
{
	return (uint8_t)og_below(r, OG_NREGS);
}

/* 32-bit immediates: boundaries where ALU and comparison bugs live, small values (so
 * equality tests sometimes hold and divisors stay small), and noise. */
static int32_t og_imm32(struct og_rng *r)
{
	static const int32_t edge[] = {0,       1,     -1,      2,         INT32_MIN, INT32_MAX,
	                               0x7f,    0x80,  0xff,    0x7fff,    0x8000,    0xffff,
	                               0x10000, -0x80, -0x8000, 0x7ffffffe};
	switch (og_below(r, 3)) {
	case 0:
		return edge[og_below(r, sizeof edge / sizeof edge[0])];
	case 1:
		return (int32_t)og_below(r, 33) - 16;
	default:
		return (int32_t)(uint32_t)og_next(r);
	}
}

/* 64-bit constants for ld_imm64: the 64-bit boundaries plus the 32-bit ones widened both
 * ways, so upper-half handling of 32-bit operations is exercised. */
static uint64_t og_imm64(struct og_rng *r)
{
	static const uint64_t edge[] = {0x8000000000000000ull, 0x7fffffffffffffffull,
	                                0xffffffffffffffffull, 0x00000000ffffffffull,
	                                0x0000000100000000ull, 0x0000000080000000ull,
	                                0xffffffff80000000ull, 0xffffffff00000000ull,
	                                0x000000007fffffffull, 0x8000000000000001ull};
	switch (og_below(r, 4)) {
	case 0:
		return edge[og_below(r, sizeof edge / sizeof edge[0])];
	case 1:
		return (uint64_t)(int64_t)og_imm32(r); /* sign-extended */
	case 2:
		return (uint32_t)og_imm32(r); /* zero-extended */
	default:
		return og_next(r);
	}
}

/* Give reg a constant: mov64, mov32 (zero-extends) or ld_imm64. Returns insns written. */
static size_t og_gen_const(struct og_rng *r, uint8_t reg, struct bpf_insn *out)
{
	uint32_t pick = og_below(r, 6);
	if (pick < 2) {
		out[0] = og_insn(BPF_ALU64 | BPF_MOV | BPF_K, reg, 0, 0, og_imm32(r));
		return 1;
	}
	if (pick == 2) {
		out[0] = og_insn(BPF_ALU | BPF_MOV | BPF_K, reg, 0, 0, og_imm32(r));
		return 1;
	}
	uint64_t v = og_imm64(r);
	out[0] = og_insn(BPF_LD | BPF_IMM | BPF_DW, reg, 0, 0, (int32_t)(uint32_t)v);
	out[1] = og_insn(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
	return 2;
}

/* A forward offset from insn i to a target in [i+1, last]. Mostly short, so a jump skips a
 * few instructions rather than the rest of the program. */
static int16_t og_fwd_off(struct og_rng *r, size_t i, size_t last)
{
	uint32_t max = (uint32_t)(last - i - 1);
	if (max > 4 && og_chance(r, 75))
		max = 4;
	return (int16_t)og_below(r, max + 1);
}

/* A two-operand ALU op: add sub mul div mod or and xor lsh rsh arsh, and sdiv/smod. */
static struct bpf_insn og_gen_binop(struct og_rng *r)
{
	static const uint8_t ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_OR,
	                              BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH};
	uint8_t op = ops[og_below(r, sizeof ops / sizeof ops[0])];
	int wide = og_chance(r, 50);
	uint8_t cls = wide ? BPF_ALU64 : BPF_ALU;
	int16_t off = 0;
	if ((op == BPF_DIV || op == BPF_MOD) && og_chance(r, 50))
		off = 1; /* signed sdiv/smod */
	uint8_t dst = og_reg(r);
	if (og_chance(r, 50))
		return og_insn(cls | op | BPF_X, dst, og_reg(r), off, 0);
	int32_t imm;
	if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
		imm = (int32_t)og_below(r, wide ? 64 : 32);
	else
		imm = og_imm32(r);
	/* Never 0 (rejected); -1 often, since INT_MIN / -1 is where signed division breaks. */
	if ((op == BPF_DIV || op == BPF_MOD) && (imm == 0 || og_chance(r, 15)))
		imm = -1;
	return og_insn(cls | op | BPF_K, dst, 0, off, imm);
}

/* mov K/X, movsx (ALU64: s8/s16/s32; ALU: s8/s16), neg. */
static struct bpf_insn og_gen_mov(struct og_rng *r)
{
	uint8_t cls = og_chance(r, 50) ? BPF_ALU64 : BPF_ALU;
	uint8_t dst = og_reg(r);
	switch (og_below(r, 4)) {
	case 0:
		return og_insn(cls | BPF_MOV | BPF_K, dst, 0, 0, og_imm32(r));
	case 1:
		return og_insn(cls | BPF_MOV | BPF_X, dst, og_reg(r), 0, 0);
	case 2: {
		static const int16_t sx[] = {8, 16, 32};
		int16_t off = sx[og_below(r, cls == BPF_ALU64 ? 3 : 2)];
		return og_insn(cls | BPF_MOV | BPF_X, dst, og_reg(r), off, 0);
	}
	default:
		return og_insn(cls | BPF_NEG | BPF_K, dst, 0, 0, 0);
	}
}

/* Byte order: le/be 16/32/64 (ALU class) and unconditional bswap 16/32/64 (ALU64). */
static struct bpf_insn og_gen_end(struct og_rng *r)
{
	static const uint8_t codes[] = {BPF_ALU | BPF_END | BPF_TO_LE,
	                                BPF_ALU | BPF_END | BPF_TO_BE,
	                                BPF_ALU64 | BPF_END | BPF_TO_LE};
	static const int32_t widths[] = {16, 32, 64};
	return og_insn(codes[og_below(r, 3)], og_reg(r), 0, 0, widths[og_below(r, 3)]);
}

/* A conditional jump (JMP or JMP32, any of the 11 conditions, K or X) with offset off. */
static struct bpf_insn og_gen_jcond(struct og_rng *r, int16_t off)
{
	static const uint8_t conds[] = {BPF_JEQ,  BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT,
	                                BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE};
	uint8_t cls = og_chance(r, 50) ? BPF_JMP : BPF_JMP32;
	uint8_t op = conds[og_below(r, sizeof conds / sizeof conds[0])];
	uint8_t dst = og_reg(r);
	if (og_chance(r, 50))
		return og_insn(cls | op | BPF_X, dst, og_reg(r), off, 0);
	return og_insn(cls | op | BPF_K, dst, 0, off, og_imm32(r));
}

/* One body element at out[i], where the exit is at last. Returns insns written (1 or 2). */
static size_t og_gen_body_insn(struct og_rng *r, struct bpf_insn *out, size_t i, size_t last)
{
	uint32_t pick = og_below(r, 100);
	if (pick < 48) {
		out[i] = og_gen_binop(r);
		return 1;
	}
	if (pick < 68) {
		out[i] = og_gen_mov(r);
		return 1;
	}
	if (pick < 76) {
		out[i] = og_gen_end(r);
		return 1;
	}
	if (pick < 94 || last - i < 2) {
		out[i] = og_gen_jcond(r, og_fwd_off(r, i, last));
		return 1;
	}
	/* "if ... goto +1; goto/gotol +k": the jcond keeps insn i+2 reachable. */
	out[i] = og_gen_jcond(r, 1);
	int32_t k = og_fwd_off(r, i + 1, last);
	if (og_chance(r, 50))
		out[i + 1] = og_insn(BPF_JMP | BPF_JA, 0, 0, (int16_t)k, 0);
	else
		out[i + 1] = og_insn(BPF_JMP32 | BPF_JA, 0, 0, 0, k);
	return 2;
}

/* Fold r1..r9, upper halves included, into the low 32 bits of r0: a socket filter returns
 * only those, and without the fold a wrong value in any other register would go unseen.
 * Multiplying by an odd constant and xoring are both injective, so little is lost.
 * Returns insns written. */
static size_t og_gen_fold(struct bpf_insn *out)
{
	size_t n = 0;
	for (uint8_t reg = 1; reg < OG_NREGS; reg++) {
		out[n++] = og_insn(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, (int32_t)0x9e3779b1);
		out[n++] = og_insn(BPF_ALU64 | BPF_XOR | BPF_X, 0, reg, 0, 0);
	}
	out[n++] = og_insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
	out[n++] = og_insn(BPF_ALU64 | BPF_RSH | BPF_K, 1, 0, 0, 32);
	out[n++] = og_insn(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0);
	return n;
}

size_t og_gen_prog(uint64_t seed, uint64_t index, struct bpf_insn *out)
{
	struct og_rng r = {og_mix(seed ^ og_mix(index)) | 1};
	size_t n = 0;
	for (uint8_t reg = 0; reg < OG_NREGS; reg++)
		n += og_gen_const(&r, reg, out + n);
	size_t last = n + OG_BODY_MIN + og_below(&r, OG_BODY_MAX - OG_BODY_MIN + 1);
	while (n < last)
		n += og_gen_body_insn(&r, out, n, last);
	if (og_chance(&r, 80)) /* the rest return the raw r0, so no fold bug can mask one */
		n += og_gen_fold(out + n);
	out[n++] = og_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

uint64_t og_insn_word(const struct bpf_insn *insn)
{
	return (uint64_t)insn->code | (uint64_t)insn->dst_reg << 8 | (uint64_t)insn->src_reg << 12 |
	       (uint64_t)(uint16_t)insn->off << 16 | (uint64_t)(uint32_t)insn->imm << 32;
}

struct bpf_insn og_word_insn(uint64_t w)
{
	return og_insn((uint8_t)w, (uint8_t)(w >> 8) & 0xf, (uint8_t)(w >> 12) & 0xf,
	               (int16_t)(uint16_t)(w >> 16), (int32_t)(uint32_t)(w >> 32));
}

void og_print_words(FILE *out, const struct bpf_insn *insns, size_t cnt)
{
	fputs("prog", out);
	for (size_t i = 0; i < cnt; i++)
		fprintf(out, " %016" PRIx64, og_insn_word(&insns[i]));
	fputc('\n', out);
}
