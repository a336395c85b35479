/* test_asm.c — the disassembler and assembler: exhaustive byte round trips, text round
 * trips in both spellings, exact expected strings, labels, log prefixes and errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include <userbpf/asm.h>
#include <userbpf/isa.h>

#define EXIT_INSN ((struct bpf_insn){.code = BPF_JMP | BPF_EXIT})

static struct bpf_insn *must_asm(const char *text, size_t *cnt)
{
	struct userbpf_error e;
	struct bpf_insn *out = NULL;
	int rc = userbpf_asm(text, &out, cnt, &e);
	if (rc)
		print_error("asm failed on '%.200s': %s\n", text, e.msg);
	assert_int_equal(rc, 0);
	return out;
}

static const char *dis(const struct bpf_insn *in, size_t n, unsigned flags)
{
	static char buf[256];
	int rc = userbpf_disasm_insn(in, n, flags, buf, sizeof buf);
	if (rc < 0)
		print_error("disasm failed: %s\n", buf);
	assert_true(rc > 0);
	return buf;
}

/* ---- 1. exhaustive byte round trip ---- */

/* The insn sits at CENTER of a big exit-padded program, so that any 16-bit jump offset
 * can be checked by isa_check on a window of just the size it needs. */
#define CENTER 32770
#define BIG (2 * CENTER + 4)

static struct bpf_insn *big_prog;

static bool is_jump(const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT;
}

/* Does the insn carry a relative target, and where is it? */
static bool target_of(const struct bpf_insn *in, int64_t *rel)
{
	if (is_jump(in))
		*rel = userbpf_insn_jump_off(in);
	else if (userbpf_insn_is_pseudo_call(in) || userbpf_insn_is_pseudo_func(in))
		*rel = in->imm;
	else
		return false;
	return true;
}

static void set_target(struct bpf_insn *in, int32_t rel)
{
	if (in->code == (BPF_JMP32 | BPF_JA) || !is_jump(in))
		in->imm = rel;
	else
		in->off = (int16_t)rel;
}

/* Field validity on [exit, insn..., exit, exit] with the target pointing at the exit after. */
static bool fields_ok(const struct bpf_insn *in, int width)
{
	struct bpf_insn p[5] = {EXIT_INSN, in[0], EXIT_INSN, EXIT_INSN, EXIT_INSN};
	int64_t rel;
	if (width == 2)
		p[2] = in[1];
	if (target_of(in, &rel))
		set_target(&p[1], width == 2 ? 1 : 0);
	return userbpf_isa_check(p, 5, USERBPF_ISA_RELAXED, NULL) == 0;
}

/* The real check, with the real target, on a window just wide enough. */
static bool placed_check(const struct bpf_insn *in, int width)
{
	int64_t rel, lo = CENTER - 1, hi = CENTER + width + 1;
	if (target_of(in, &rel)) {
		int64_t t = CENTER + rel + 1;
		if (t < 0 || t >= BIG)
			return false; /* no program of at most 1M insns could hold it */
		lo = t < lo ? t : lo;
		hi = t + 1 > hi ? t + 1 : hi;
	}
	memcpy(&big_prog[CENTER], in, sizeof *in * (size_t)width);
	bool ok =
	        userbpf_isa_check(&big_prog[lo], (size_t)(hi - lo), USERBPF_ISA_RELAXED, NULL) == 0;
	for (int i = 0; i < width; i++)
		big_prog[CENTER + i] = EXIT_INSN;
	return ok;
}

/* Once fields_ok() passed, only the target decides; a 32K-insn window is costly under
 * ASan, so each opcode checks each distinct target once, with the first insn that has it. */
static struct {
	int64_t rel;
	bool has_target, ok;
} placed_cache[32];
static size_t placed_n;

static bool placed_ok(const struct bpf_insn *in, int width)
{
	int64_t rel = 0;
	bool has = target_of(in, &rel);
	for (size_t i = 0; i < placed_n; i++)
		if (placed_cache[i].has_target == has && placed_cache[i].rel == rel)
			return placed_cache[i].ok;
	bool ok = placed_check(in, width);
	if (placed_n < 32)
		placed_cache[placed_n++] = (typeof(placed_cache[0])){rel, has, ok};
	return ok;
}

struct rt_stats {
	long forms, rejected, failures;
	int covered[256];
};

static void rt_fail(struct rt_stats *st, const struct bpf_insn *in, const char *what,
                    const char *text)
{
	if (st->failures++ < 20)
		print_error("round trip %s: code 0x%02x dst %d src %d off %d imm %d -> '%s'\n",
		            what, in->code, in->dst_reg, in->src_reg, in->off, in->imm, text);
}

/* text -> bytes must give back exactly in[0..width). */
static void rt_reassemble(struct rt_stats *st, const struct bpf_insn *in, int width,
                          const char *text)
{
	struct userbpf_error e;
	struct bpf_insn *out = NULL;
	size_t cnt = 0;
	if (userbpf_asm(text, &out, &cnt, &e))
		rt_fail(st, in, e.msg, text);
	else if (cnt != (size_t)width || memcmp(out, in, sizeof *in * (size_t)width))
		rt_fail(st, in, "bytes differ", text);
	free(out);
}

static void rt_one(struct rt_stats *st, const struct bpf_insn *in, int width)
{
	char text[256], ktext[256], logline[300];

	if (!fields_ok(in, width)) {
		/* the disassembler must refuse (not crash), and say why */
		int rc = userbpf_disasm_insn(in, (size_t)width, 0, text, sizeof text);
		if (rc != -EINVAL || !text[0])
			rt_fail(st, in, "invalid insn not refused", text);
		st->rejected++;
		return;
	}
	if (!placed_ok(in, width)) {
		st->rejected++;
		return;
	}
	st->forms++;
	st->covered[in->code]++;
	if (userbpf_disasm_insn(in, (size_t)width, 0, text, sizeof text) != width)
		return rt_fail(st, in, "disasm", text);
	rt_reassemble(st, in, width, text);
	/* the verifier-log spelling, as a pasted log line, must come back too */
	if (userbpf_disasm_insn(in, (size_t)width, USERBPF_DISASM_KERNEL, ktext, sizeof ktext) !=
	    width)
		return rt_fail(st, in, "disasm kernel", ktext);
	snprintf(logline, sizeof logline, "%4d: (%02x) %s", 17, in->code, ktext);
	rt_reassemble(st, in, width, logline);
}

static const uint8_t regs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15};
static const uint8_t few_regs[] = {0, 1, 10, 15};
static const int16_t offs[] = {0, 1, -1, 32767, -32768};
static const int16_t movsx_offs[] = {8, 16, 32};
static const int32_t imms[] = {0, 1, -1, INT32_MIN, INT32_MAX};
static const int32_t end_imms[] = {16, 32, 64};
static const int32_t atomic_imms[] = {
        BPF_ADD,      BPF_ADD | BPF_FETCH,
        BPF_AND,      BPF_AND | BPF_FETCH,
        BPF_OR,       BPF_OR | BPF_FETCH,
        BPF_XOR,      BPF_XOR | BPF_FETCH,
        BPF_XCHG,     BPF_CMPXCHG,
        BPF_LOAD_ACQ, BPF_STORE_REL,
        0x02,         0x111, /* not atomic ops */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A list of field values: the common ones plus those that only matter for some opcodes. */
struct vals {
	int32_t v[32];
	size_t n;
};

static void vals_add(struct vals *vs, const void *src, size_t n, size_t elem)
{
	for (size_t i = 0; i < n && vs->n < N(vs->v); i++)
		vs->v[vs->n++] = elem == 2 ? ((const int16_t *)src)[i] : ((const int32_t *)src)[i];
}

static void rt_fields(struct rt_stats *st, int code, struct vals *ov, struct vals *iv,
                      const uint8_t *rs, size_t nr)
{
	bool ld64 = code == (BPF_LD | BPF_IMM | BPF_DW);
	for (size_t d = 0; d < nr; d++)
		for (size_t s = 0; s < nr; s++)
			for (size_t o = 0; o < ov->n; o++)
				for (size_t i = 0; i < iv->n; i++) {
					struct bpf_insn in[2] = {{
					        .code = (uint8_t)code,
					        .dst_reg = rs[d],
					        .src_reg = rs[s],
					        .off = (int16_t)ov->v[o],
					        .imm = iv->v[i],
					}};
					if (!ld64) {
						rt_one(st, in, 1);
						continue;
					}
					for (size_t k = 0; k < N(imms); k++) {
						in[1].imm = imms[k];
						rt_one(st, in, 2);
					}
				}
}

/* Every dst x src pair with the common offsets and immediates, plus the special values
 * (END widths, atomic ops, movsx offsets) where the opcode gives them a meaning. Opcodes
 * the checker does not know get a smaller sample: they only have to be refused. */
static void rt_opcode(struct rt_stats *st, int code)
{
	struct vals ov = {.n = 0}, iv = {.n = 0};
	bool known = userbpf_isa_opcode_valid((uint8_t)code) || code == 0x8d;
	uint8_t cls = BPF_CLASS(code);
	bool alu = cls == BPF_ALU || cls == BPF_ALU64;

	placed_n = 0;
	vals_add(&ov, offs, N(offs), 2);
	vals_add(&iv, imms, N(imms), 4);
	if (alu && BPF_OP(code) == BPF_MOV)
		vals_add(&ov, movsx_offs, N(movsx_offs), 2);
	if (alu && BPF_OP(code) == BPF_END)
		vals_add(&iv, end_imms, N(end_imms), 4);
	if (cls == BPF_STX && BPF_MODE(code) == BPF_ATOMIC)
		vals_add(&iv, atomic_imms, N(atomic_imms), 4);
	if (known)
		rt_fields(st, code, &ov, &iv, regs, N(regs));
	else
		rt_fields(st, code, &ov, &iv, few_regs, N(few_regs));
}

static void test_exhaustive_roundtrip(void **state)
{
	static struct rt_stats st;
	big_prog = malloc(sizeof *big_prog * BIG);
	assert_non_null(big_prog);
	for (int i = 0; i < BIG; i++)
		big_prog[i] = EXIT_INSN;
	memset(&st, 0, sizeof st);
	for (int code = 0; code < 256; code++)
		rt_opcode(&st, code);
	free(big_prog);
	print_message("round trip: %ld forms accepted and round-tripped, %ld rejected\n", st.forms,
	              st.rejected);
	assert_int_equal(st.failures, 0);
	assert_true(st.forms > 50000); /* floor: the loops cannot silently shrink */
	/* every opcode the checker knows has forms that round-trip */
	for (int code = 0; code < 256; code++) {
		bool valid = userbpf_isa_opcode_valid((uint8_t)code) || code == 0x8d;
		if (valid && !st.covered[code])
			print_error("opcode 0x%02x never covered\n", code);
		assert_true(!valid || st.covered[code] > 0);
	}
}

/* ---- 2. text round trip ---- */

struct text_case {
	const char *text;  /* canonical default spelling */
	const char *ktext; /* verifier-log spelling, NULL when identical */
	struct {
		uint8_t code, dst, src;
		int16_t off;
		int32_t imm, imm2; /* imm2: second half of an ld_imm64 */
	} enc;                     /* written by hand, independently of both tables */
};

/* clang-format off */
static const struct text_case text_cases[] = {
	{ .text = "r0 = 5", .enc = { 0xb7, 0, 0, 0, 5, 0 } },
	{ .text = "r0 = r1", .enc = { 0xbf, 0, 1, 0, 0, 0 } },
	{ .text = "w0 = w1", .enc = { 0xbc, 0, 1, 0, 0, 0 } },
	{ .text = "w0 = -3", .enc = { 0xb4, 0, 0, 0, -3, 0 } },
	{ .text = "r0 = (s8)r1", .enc = { 0xbf, 0, 1, 8, 0, 0 } },
	{ .text = "r0 = (s16)r1", .enc = { 0xbf, 0, 1, 16, 0, 0 } },
	{ .text = "r0 = (s32)r1", .enc = { 0xbf, 0, 1, 32, 0, 0 } },
	{ .text = "w0 = (s8)w1", .enc = { 0xbc, 0, 1, 8, 0, 0 } },
	{ .text = "w0 = (s16)w1", .enc = { 0xbc, 0, 1, 16, 0, 0 } },
	{ .text = "r0 += -3", .enc = { 0x07, 0, 0, 0, -3, 0 } },
	{ .text = "r0 -= r1", .enc = { 0x1f, 0, 1, 0, 0, 0 } },
	{ .text = "r0 *= 7", .enc = { 0x27, 0, 0, 0, 7, 0 } },
	{ .text = "r0 /= r2", .enc = { 0x3f, 0, 2, 0, 0, 0 } },
	{ .text = "r0 |= 1", .enc = { 0x47, 0, 0, 0, 1, 0 } },
	{ .text = "r0 &= 255", .enc = { 0x57, 0, 0, 0, 255, 0 } },
	{ .text = "r0 <<= 3", .enc = { 0x67, 0, 0, 0, 3, 0 } },
	{ .text = "r0 >>= r3", .enc = { 0x7f, 0, 3, 0, 0, 0 } },
	{ .text = "r0 %= 10", .enc = { 0x97, 0, 0, 0, 10, 0 } },
	{ .text = "r0 ^= r4", .enc = { 0xaf, 0, 4, 0, 0, 0 } },
	{ .text = "r0 s>>= 63", .enc = { 0xc7, 0, 0, 0, 63, 0 } },
	{ .text = "w0 += w1", .enc = { 0x0c, 0, 1, 0, 0, 0 } },
	{ .text = "w0 s>>= w2", .enc = { 0xcc, 0, 2, 0, 0, 0 } },
	{ .text = "r1 s/= r2", .enc = { 0x3f, 1, 2, 1, 0, 0 } },
	{ .text = "r1 s%= r2", .enc = { 0x9f, 1, 2, 1, 0, 0 } },
	{ .text = "w1 s/= 3", .enc = { 0x34, 1, 0, 1, 3, 0 } },
	{ .text = "w1 s%= -7", .enc = { 0x94, 1, 0, 1, -7, 0 } },
	{ .text = "r0 = -r0", .enc = { 0x87, 0, 0, 0, 0, 0 } },
	{ .text = "w0 = -w0", .enc = { 0x84, 0, 0, 0, 0, 0 } },
	{ .text = "r0 = le16 r0", .enc = { 0xd4, 0, 0, 0, 16, 0 } },
	{ .text = "r0 = le64 r0", .enc = { 0xd4, 0, 0, 0, 64, 0 } },
	{ .text = "r0 = be32 r0", .enc = { 0xdc, 0, 0, 0, 32, 0 } },
	{ .text = "r3 = be16 r3", .enc = { 0xdc, 3, 0, 0, 16, 0 } },
	{ .text = "r0 = bswap16 r0", .enc = { 0xd7, 0, 0, 0, 16, 0 } },
	{ .text = "r0 = bswap32 r0", .enc = { 0xd7, 0, 0, 0, 32, 0 } },
	{ .text = "r0 = bswap64 r0", .enc = { 0xd7, 0, 0, 0, 64, 0 } },
	{ .text = "r0 = *(u32 *)(r1 + 4)", .ktext = "r0 = *(u32 *)(r1 +4)",
	  .enc = { 0x61, 0, 1, 4, 0, 0 } },
	{ .text = "r0 = *(u64 *)(r10 - 8)", .ktext = "r0 = *(u64 *)(r10 -8)",
	  .enc = { 0x79, 0, 10, -8, 0, 0 } },
	{ .text = "r0 = *(u8 *)(r1 + 0)", .ktext = "r0 = *(u8 *)(r1 +0)",
	  .enc = { 0x71, 0, 1, 0, 0, 0 } },
	{ .text = "r0 = *(u16 *)(r1 + 2)", .ktext = "r0 = *(u16 *)(r1 +2)",
	  .enc = { 0x69, 0, 1, 2, 0, 0 } },
	{ .text = "r0 = *(s8 *)(r1 + 4)", .ktext = "r0 = *(s8 *)(r1 +4)",
	  .enc = { 0x91, 0, 1, 4, 0, 0 } },
	{ .text = "r0 = *(s16 *)(r1 - 4)", .ktext = "r0 = *(s16 *)(r1 -4)",
	  .enc = { 0x89, 0, 1, -4, 0, 0 } },
	{ .text = "r0 = *(s32 *)(r1 + 4)", .ktext = "r0 = *(s32 *)(r1 +4)",
	  .enc = { 0x81, 0, 1, 4, 0, 0 } },
	{ .text = "*(u32 *)(r10 - 4) = 5", .ktext = "*(u32 *)(r10 -4) = 5",
	  .enc = { 0x62, 10, 0, -4, 5, 0 } },
	{ .text = "*(u64 *)(r10 - 8) = -1", .ktext = "*(u64 *)(r10 -8) = -1",
	  .enc = { 0x7a, 10, 0, -8, -1, 0 } },
	{ .text = "*(u64 *)(r10 - 8) = r1", .ktext = "*(u64 *)(r10 -8) = r1",
	  .enc = { 0x7b, 10, 1, -8, 0, 0 } },
	{ .text = "*(u8 *)(r1 + 3) = r2", .ktext = "*(u8 *)(r1 +3) = r2",
	  .enc = { 0x73, 1, 2, 3, 0, 0 } },
	{ .text = "lock *(u64 *)(r0 + 0) += r1", .ktext = "lock *(u64 *)(r0 +0) += r1",
	  .enc = { 0xdb, 0, 1, 0, 0x00, 0 } },
	{ .text = "lock *(u64 *)(r0 + 8) &= r1", .ktext = "lock *(u64 *)(r0 +8) &= r1",
	  .enc = { 0xdb, 0, 1, 8, 0x50, 0 } },
	{ .text = "lock *(u64 *)(r0 - 8) |= r1", .ktext = "lock *(u64 *)(r0 -8) |= r1",
	  .enc = { 0xdb, 0, 1, -8, 0x40, 0 } },
	{ .text = "lock *(u32 *)(r0 + 0) ^= w1", .ktext = "lock *(u32 *)(r0 +0) ^= w1",
	  .enc = { 0xc3, 0, 1, 0, 0xa0, 0 } },
	{ .text = "lock *(u32 *)(r0 + 0) += w1", .ktext = "lock *(u32 *)(r0 +0) += w1",
	  .enc = { 0xc3, 0, 1, 0, 0, 0 } },
	{ .text = "r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)",
	  .ktext = "r0 = atomic_fetch_add((u64 *)(r1 +0), r0)",
	  .enc = { 0xdb, 1, 0, 0, 0x01, 0 } },
	{ .text = "r2 = atomic_fetch_and((u64 *)(r1 + 0), r2)",
	  .ktext = "r2 = atomic_fetch_and((u64 *)(r1 +0), r2)",
	  .enc = { 0xdb, 1, 2, 0, 0x51, 0 } },
	{ .text = "r2 = atomic_fetch_or((u64 *)(r1 - 4), r2)",
	  .ktext = "r2 = atomic_fetch_or((u64 *)(r1 -4), r2)",
	  .enc = { 0xdb, 1, 2, -4, 0x41, 0 } },
	{ .text = "w0 = atomic_fetch_xor((u32 *)(r1 + 0), w0)",
	  .ktext = "w0 = atomic_fetch_xor((u32 *)(r1 +0), w0)",
	  .enc = { 0xc3, 1, 0, 0, 0xa1, 0 } },
	{ .text = "w0 = atomic_fetch_add((u32 *)(r1 + 0), w0)",
	  .ktext = "w0 = atomic_fetch_add((u32 *)(r1 +0), w0)",
	  .enc = { 0xc3, 1, 0, 0, 0x01, 0 } },
	{ .text = "r0 = xchg_64(r1 + 0, r0)", .ktext = "r0 = xchg_64(r1 +0, r0)",
	  .enc = { 0xdb, 1, 0, 0, 0xe1, 0 } },
	{ .text = "w0 = xchg32_32(r1 + 0, w0)", .ktext = "w0 = xchg32_32(r1 +0, w0)",
	  .enc = { 0xc3, 1, 0, 0, 0xe1, 0 } },
	{ .text = "r0 = cmpxchg_64(r1 + 0, r0, r2)", .ktext = "r0 = cmpxchg_64(r1 +0, r0, r2)",
	  .enc = { 0xdb, 1, 2, 0, 0xf1, 0 } },
	{ .text = "w0 = cmpxchg32_32(r1 + 0, w0, w2)", .ktext = "w0 = cmpxchg32_32(r1 +0, w0, w2)",
	  .enc = { 0xc3, 1, 2, 0, 0xf1, 0 } },
	{ .text = "w0 = load_acquire((u8 *)(r1 + 0))", .ktext = "w0 = load_acquire((u8 *)(r1 +0))",
	  .enc = { 0xd3, 0, 1, 0, 0x100, 0 } },
	{ .text = "w0 = load_acquire((u16 *)(r1 + 2))",
	  .ktext = "w0 = load_acquire((u16 *)(r1 +2))",
	  .enc = { 0xcb, 0, 1, 2, 0x100, 0 } },
	{ .text = "w0 = load_acquire((u32 *)(r1 + 0))",
	  .ktext = "w0 = load_acquire((u32 *)(r1 +0))",
	  .enc = { 0xc3, 0, 1, 0, 0x100, 0 } },
	{ .text = "r0 = load_acquire((u64 *)(r1 + 0))",
	  .ktext = "r0 = load_acquire((u64 *)(r1 +0))",
	  .enc = { 0xdb, 0, 1, 0, 0x100, 0 } },
	{ .text = "store_release((u32 *)(r1 + 0), w2)",
	  .ktext = "store_release((u32 *)(r1 +0), w2)",
	  .enc = { 0xc3, 1, 2, 0, 0x110, 0 } },
	{ .text = "store_release((u8 *)(r1 + 0), w2)", .ktext = "store_release((u8 *)(r1 +0), w2)",
	  .enc = { 0xd3, 1, 2, 0, 0x110, 0 } },
	{ .text = "store_release((u64 *)(r1 + 0), r2)",
	  .ktext = "store_release((u64 *)(r1 +0), r2)",
	  .enc = { 0xdb, 1, 2, 0, 0x110, 0 } },
	{ .text = "r1 = 0 ll", .ktext = "r1 = 0x0", .enc = { 0x18, 1, 0, 0, 0, 0 } },
	{ .text = "r1 = 65535 ll", .ktext = "r1 = 0xffff", .enc = { 0x18, 1, 0, 0, 65535, 0 } },
	{ .text = "r1 = 0x10000 ll", .ktext = "r1 = 0x10000",
	  .enc = { 0x18, 1, 0, 0, 0x10000, 0 } },
	{ .text = "r1 = 0x1122334455667788 ll", .ktext = "r1 = 0x1122334455667788",
	  .enc = { 0x18, 1, 0, 0, 0x55667788, 0x11223344 } },
	{ .text = "r1 = 0xffffffffffffffff ll", .ktext = "r1 = 0xffffffffffffffff",
	  .enc = { 0x18, 1, 0, 0, -1, -1 } },
	{ .text = "r1 = map[fd:3] ll", .enc = { 0x18, 1, 1, 0, 3, 0 } },
	{ .text = "r1 = map[fd:3][0]+16 ll", .enc = { 0x18, 1, 2, 0, 3, 16 } },
	{ .text = "r1 = map[idx:0] ll", .enc = { 0x18, 1, 5, 0, 0, 0 } },
	{ .text = "r1 = map[idx:0][0]+16 ll", .enc = { 0x18, 1, 6, 0, 0, 16 } },
	{ .text = "r1 = btf[id:12] ll", .enc = { 0x18, 1, 3, 0, 12, 0 } },
	{ .text = "r1 = btf[id:12][obj:4] ll", .enc = { 0x18, 1, 3, 0, 12, 4 } },
	{ .text = "r1 = func[pc+5] ll", .enc = { 0x18, 1, 4, 0, 5, 0 } },
	{ .text = "r1 = func[pc-3] ll", .enc = { 0x18, 1, 4, 0, -3, 0 } },
	{ .text = "r0 = *(u8 *)skb[12]", .enc = { 0x30, 0, 0, 0, 12, 0 } },
	{ .text = "r0 = *(u16 *)skb[r1 + 12]", .enc = { 0x48, 0, 1, 0, 12, 0 } },
	{ .text = "r0 = *(u32 *)skb[r1 - 2]", .enc = { 0x40, 0, 1, 0, -2, 0 } },
	{ .text = "goto +3", .ktext = "goto pc+3", .enc = { 0x05, 0, 0, 3, 0, 0 } },
	{ .text = "goto -1", .ktext = "goto pc-1", .enc = { 0x05, 0, 0, -1, 0, 0 } },
	{ .text = "goto +0", .ktext = "goto pc+0", .enc = { 0x05, 0, 0, 0, 0, 0 } },
	{ .text = "gotol +1000", .ktext = "gotol pc+1000", .enc = { 0x06, 0, 0, 0, 1000, 0 } },
	{ .text = "gotol -70000", .ktext = "gotol pc-70000", .enc = { 0x06, 0, 0, 0, -70000, 0 } },
	{ .text = "if r1 > r2 goto +35", .ktext = "if r1 > r2 goto pc+35",
	  .enc = { 0x2d, 1, 2, 35, 0, 0 } },
	{ .text = "if r1 == 5 goto -2", .ktext = "if r1 == 5 goto pc-2",
	  .enc = { 0x15, 1, 0, -2, 5, 0 } },
	{ .text = "if w1 > w2 goto +1", .ktext = "if w1 > w2 goto pc+1",
	  .enc = { 0x2e, 1, 2, 1, 0, 0 } },
	{ .text = "if r1 >= r2 goto +1", .ktext = "if r1 >= r2 goto pc+1",
	  .enc = { 0x3d, 1, 2, 1, 0, 0 } },
	{ .text = "if r1 & 4 goto +1", .ktext = "if r1 & 4 goto pc+1",
	  .enc = { 0x45, 1, 0, 1, 4, 0 } },
	{ .text = "if r1 != r2 goto +1", .ktext = "if r1 != r2 goto pc+1",
	  .enc = { 0x5d, 1, 2, 1, 0, 0 } },
	{ .text = "if r1 s> r2 goto +1", .ktext = "if r1 s> r2 goto pc+1",
	  .enc = { 0x6d, 1, 2, 1, 0, 0 } },
	{ .text = "if r1 s>= -1 goto +1", .ktext = "if r1 s>= -1 goto pc+1",
	  .enc = { 0x75, 1, 0, 1, -1, 0 } },
	{ .text = "if r1 < r2 goto +1", .ktext = "if r1 < r2 goto pc+1",
	  .enc = { 0xad, 1, 2, 1, 0, 0 } },
	{ .text = "if r1 <= r2 goto +1", .ktext = "if r1 <= r2 goto pc+1",
	  .enc = { 0xbd, 1, 2, 1, 0, 0 } },
	{ .text = "if w1 s< w2 goto +1", .ktext = "if w1 s< w2 goto pc+1",
	  .enc = { 0xce, 1, 2, 1, 0, 0 } },
	{ .text = "if w1 s<= 7 goto -1", .ktext = "if w1 s<= 7 goto pc-1",
	  .enc = { 0xd6, 1, 0, -1, 7, 0 } },
	{ .text = "may_goto +5", .ktext = "may_goto pc+5", .enc = { 0xe5, 0, 0, 5, 0, 0 } },
	{ .text = "call 1", .enc = { 0x85, 0, 0, 0, 1, 0 } },
	{ .text = "call pc+5", .enc = { 0x85, 0, 1, 0, 5, 0 } },
	{ .text = "call pc-3", .enc = { 0x85, 0, 1, 0, -3, 0 } },
	{ .text = "call kfunc 123", .enc = { 0x85, 0, 2, 0, 123, 0 } },
	{ .text = "call kfunc 123, 2", .enc = { 0x85, 0, 2, 2, 123, 0 } },
	{ .text = "callx r2", .enc = { 0x8d, 2, 0, 0, 0, 0 } },
	{ .text = "exit", .enc = { 0x95, 0, 0, 0, 0, 0 } },
	{ .text = ".insn 0x95, 0, 0, 4, 0", .enc = { 0x95, 0, 0, 4, 0, 0 } },
};
/* clang-format on */

static void test_text_roundtrip(void **state)
{
	for (size_t i = 0; i < N(text_cases); i++) {
		const struct text_case *tc = &text_cases[i];
		const char *ktext = tc->ktext ? tc->ktext : tc->text;
		size_t cnt, kcnt;
		struct bpf_insn *in = must_asm(tc->text, &cnt);
		assert_true(cnt == 1 || cnt == 2);
		struct bpf_insn want[2] = {{.code = tc->enc.code,
		                            .dst_reg = tc->enc.dst,
		                            .src_reg = tc->enc.src,
		                            .off = tc->enc.off,
		                            .imm = tc->enc.imm},
		                           {.imm = tc->enc.imm2}};
		if (cnt != (tc->enc.code == 0x18 ? 2u : 1u) || memcmp(in, want, sizeof *in * cnt))
			print_error("'%s' encodes as %02x %d %d %d %d\n", tc->text, in->code,
			            in->dst_reg, in->src_reg, in->off, in->imm);
		assert_int_equal(cnt, tc->enc.code == 0x18 ? 2 : 1);
		assert_memory_equal(in, want, sizeof *in * cnt);
		assert_string_equal(dis(in, cnt, 0), tc->text);
		assert_string_equal(dis(in, cnt, USERBPF_DISASM_KERNEL), ktext);
		/* the kernel spelling assembles to the same bytes (lddw needs its log prefix) */
		char line[200];
		snprintf(line, sizeof line, "0: (%02x) %s", in->code, ktext);
		struct bpf_insn *kin = must_asm(line, &kcnt);
		assert_int_equal(kcnt, cnt);
		assert_memory_equal(kin, in, sizeof *in * cnt);
		free(kin);
		free(in);
	}
}

/* ---- 3. specific strings, listings, labels, prefixes, comments ---- */

static void test_expected_strings(void **state)
{
	static const struct {
		uint8_t bytes[16];
		size_t n;
		const char *text, *ktext;
	} cases[] = {
	        {{0x61, 0x10, 0x04, 0, 0, 0, 0, 0},
	         1,
	         "r0 = *(u32 *)(r1 + 4)",
	         "r0 = *(u32 *)(r1 +4)"},
	        {{0xb7, 0x00, 0, 0, 0x05, 0, 0, 0}, 1, "r0 = 5", "r0 = 5"},
	        {{0x7b, 0x1a, 0xf8, 0xff, 0, 0, 0, 0},
	         1,
	         "*(u64 *)(r10 - 8) = r1",
	         "*(u64 *)(r10 -8) = r1"},
	        {{0x2d, 0x21, 0x23, 0, 0, 0, 0, 0},
	         1,
	         "if r1 > r2 goto +35",
	         "if r1 > r2 goto pc+35"},
	        {{0x18, 0x01, 0, 0, 0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0, 0x44, 0x33, 0x22, 0x11},
	         2,
	         "r1 = 0x1122334455667788 ll",
	         "r1 = 0x1122334455667788"},
	        {{0x18, 0x11, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	         2,
	         "r1 = map[fd:3] ll",
	         "r1 = map[fd:3] ll"},
	        {{0x85, 0x10, 0, 0, 5, 0, 0, 0}, 1, "call pc+5", "call pc+5"},
	        {{0x85, 0x20, 2, 0, 123, 0, 0, 0}, 1, "call kfunc 123, 2", "call kfunc 123, 2"},
	        {{0xc3, 0x10, 0, 0, 0x01, 0, 0, 0},
	         1,
	         "w1 = atomic_fetch_add((u32 *)(r0 + 0), w1)",
	         "w1 = atomic_fetch_add((u32 *)(r0 +0), w1)"},
	        {{0xd3, 0x21, 0, 0, 0x10, 0x01, 0, 0},
	         1,
	         "store_release((u8 *)(r1 + 0), w2)",
	         "store_release((u8 *)(r1 +0), w2)"},
	        {{0x8d, 0x02, 0, 0, 0, 0, 0, 0}, 1, "callx r2", "callx r2"},
	        {{0x06, 0, 0, 0, 0xe8, 0x03, 0, 0}, 1, "gotol +1000", "gotol pc+1000"},
	        {{0xe5, 0, 5, 0, 0, 0, 0, 0}, 1, "may_goto +5", "may_goto pc+5"},
	};
	char buf[128];
	for (size_t i = 0; i < N(cases); i++) {
		struct bpf_insn in[2];
		memcpy(in, cases[i].bytes, sizeof in);
		assert_int_equal(userbpf_disasm_insn(in, cases[i].n, 0, buf, sizeof buf),
		                 (int)cases[i].n);
		assert_string_equal(buf, cases[i].text);
		assert_int_equal(
		        userbpf_disasm_insn(in, cases[i].n, USERBPF_DISASM_KERNEL, buf, sizeof buf),
		        (int)cases[i].n);
		assert_string_equal(buf, cases[i].ktext);
	}
}

static void test_disasm_invalid(void **state)
{
	char buf[128];
	struct bpf_insn in[2] = {{.code = 0x8e}};
	assert_int_equal(userbpf_disasm_insn(in, 1, 0, buf, sizeof buf), -EINVAL);
	assert_string_equal(buf, "invalid insn code 0x8e");
	in[0] = (struct bpf_insn){.code = 0xbf, .dst_reg = 11}; /* r11 */
	assert_int_equal(userbpf_disasm_insn(in, 1, 0, buf, sizeof buf), -EINVAL);
	assert_non_null(strstr(buf, "R11"));
	in[0] = (struct bpf_insn){.code = 0x18}; /* truncated ld_imm64 */
	assert_int_equal(userbpf_disasm_insn(in, 1, 0, buf, sizeof buf), -EINVAL);
	in[1] = (struct bpf_insn){.code = 0x07}; /* bad second half */
	assert_int_equal(userbpf_disasm_insn(in, 2, 0, buf, sizeof buf), -EINVAL);
	/* tiny buffers stay NUL-terminated */
	in[0] = (struct bpf_insn){.code = 0x61, .src_reg = 1, .off = 4};
	assert_int_equal(userbpf_disasm_insn(in, 1, 0, buf, 5), 1);
	assert_string_equal(buf, "r0 =");
	assert_int_equal(userbpf_disasm_insn(in, 1, 0, buf, 0), -EINVAL);
	assert_int_equal(userbpf_disasm_insn(NULL, 0, 0, buf, sizeof buf), -EINVAL);
}

static char *listing(const struct bpf_insn *in, size_t cnt, unsigned flags, int with_index, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	*rc = userbpf_disasm_prog(in, cnt, flags, with_index, f);
	fclose(f);
	return text;
}

static void test_listing(void **state)
{
	const char *src = "r0 = 0\n"
	                  "r1 = 0x1122334455667788 ll\n"
	                  "if r1 > r2 goto +1\n"
	                  "exit\n";
	size_t cnt;
	int rc;
	struct bpf_insn *in = must_asm(src, &cnt);
	assert_int_equal(cnt, 5);
	char *text = listing(in, cnt, 0, 1, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(text, "   0: (b7) r0 = 0\n"
	                          "   1: (18) r1 = 0x1122334455667788 ll\n"
	                          "   3: (2d) if r1 > r2 goto +1\n"
	                          "   4: (95) exit\n");
	free(text);
	text = listing(in, cnt, USERBPF_DISASM_KERNEL, 1, &rc);
	assert_string_equal(text, "   0: (b7) r0 = 0\n"
	                          "   1: (18) r1 = 0x1122334455667788\n"
	                          "   3: (2d) if r1 > r2 goto pc+1\n"
	                          "   4: (95) exit\n");
	/* a kernel listing assembles back to the same program */
	size_t cnt2;
	struct bpf_insn *back = must_asm(text, &cnt2);
	assert_int_equal(cnt2, cnt);
	assert_memory_equal(back, in, sizeof *in * cnt);
	free(back);
	free(text);
	text = listing(in, cnt, 0, 0, &rc);
	assert_string_equal(text, "r0 = 0\nr1 = 0x1122334455667788 ll\nif r1 > r2 goto +1\nexit\n");
	free(text);
	/* an invalid insn is listed as a raw .insn that reassembles, and reported */
	in[0].code = 0x8e;
	text = listing(in, cnt, 0, 0, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(text, ".insn 0x8e, 0, 0, 0, 0 ; invalid insn code 0x8e\n"));
	back = must_asm(text, &cnt2);
	assert_int_equal(cnt2, cnt);
	assert_memory_equal(back, in, sizeof *in * cnt);
	free(back);
	free(text);
	free(in);
}

static void test_labels_comments_prefixes(void **state)
{
	const char *src = "; a whole-line comment\n"
	                  "# another\n"
	                  "// and another\n"
	                  "\n"
	                  "start:\n"
	                  "  r0 = 0          ; trailing\n"
	                  "  if r1 == 0 goto out  # trailing hash\n"
	                  "  call helper_fn\n"
	                  "  gotol start // trailing slashes\n"
	                  "  r2 = func[helper_fn] ll\n"
	                  "  may_goto out\n"
	                  ".L1: goto .L1\n"
	                  "out:\n"
	                  "  exit\n"
	                  "helper_fn:\n"
	                  "  r0 = 1\n"
	                  "  exit\n";
	size_t cnt;
	struct bpf_insn *in = must_asm(src, &cnt);
	assert_int_equal(cnt, 11);
	assert_string_equal(dis(&in[1], 1, 0), "if r1 == 0 goto +6");
	assert_string_equal(dis(&in[2], 1, 0), "call pc+6");
	assert_string_equal(dis(&in[3], 1, 0), "gotol -4");
	assert_string_equal(dis(&in[4], 2, 0), "r2 = func[pc+4] ll");
	assert_string_equal(dis(&in[6], 1, 0), "may_goto +1");
	assert_string_equal(dis(&in[7], 1, 0), "goto -1");
	assert_int_equal(userbpf_isa_check(in, cnt, 0, NULL), 0);
	free(in);

	/* pasted verifier log, with its line prefixes and register-state comments */
	const char *log = "0: (b7) r0 = 0                        ; R0_w=0\n"
	                  "1: (18) r1 = 0x5\n"
	                  "3: (7b) *(u64 *)(r10 -8) = r1\n"
	                  "4: (85) call bpf_map_lookup_elem#1\n"
	                  "5: (55) if r0 != 0x0 goto pc+1\n"
	                  "6: (95) exit\n";
	in = must_asm(log, &cnt);
	assert_int_equal(cnt, 7);
	assert_string_equal(dis(&in[1], 2, 0), "r1 = 5 ll");
	assert_string_equal(dis(&in[4], 1, 0), "call 1");
	assert_string_equal(dis(&in[5], 1, 0), "if r0 != 0 goto +1");
	free(in);

	/* spelling variants the assembler also takes */
	static const struct {
		const char *in, *canon;
	} variants[] = {
	        {"r0 = *(u32 *)(r1 +4)", "r0 = *(u32 *)(r1 + 4)"},
	        {"r0 = *(u32 *)(r1 + -4)", "r0 = *(u32 *)(r1 - 4)"},
	        {"r0 = *(u32 *)(r1)", "r0 = *(u32 *)(r1 + 0)"},
	        {"*(u64 *)(r10 - 8) = w1", "*(u64 *)(r10 - 8) = r1"},
	        {"goto 3", "goto +3"},
	        {"w0 = 0xffffffff", "w0 = -1"},
	        {"r0 = 0x7fffffff", "r0 = 2147483647"},
	        {"r0 = 0x80000000", "r0 = 0x80000000 ll"},
	        {"r1 = -1 ll", "r1 = 0xffffffffffffffff ll"},
	        {"r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)",
	         "r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)"},
	        {"r1 = map[fd:3][0]+16", "r1 = map[fd:3][0]+16 ll"},
	        {"r1 = map[fd:3][0]+0xffffffff ll", "r1 = map[fd:3][0]+4294967295 ll"},
	        {"  R0 = 1", NULL},
	};
	for (size_t i = 0; i < N(variants); i++) {
		struct userbpf_error e;
		struct bpf_insn *out = NULL;
		int rc = userbpf_asm(variants[i].in, &out, &cnt, &e);
		if (!variants[i].canon) {
			assert_int_equal(rc, -EINVAL);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_string_equal(dis(out, cnt, 0), variants[i].canon);
		free(out);
	}
}

static void test_empty_and_big_inputs(void **state)
{
	size_t cnt = 99;
	struct bpf_insn *in = must_asm("", &cnt);
	assert_int_equal(cnt, 0);
	free(in);
	in = must_asm("\n\n ; nothing\n", &cnt);
	assert_int_equal(cnt, 0);
	free(in);

	/* many labels and forward/backward references: must stay linear */
	enum { LABELS = 10000 }; /* jumps stay within +-32767 */
	size_t cap = (size_t)LABELS * 48, len = 0;
	char *src = malloc(cap);
	assert_non_null(src);
	for (int i = 0; i < LABELS; i++)
		len += (size_t)snprintf(src + len, cap - len,
		                        "l%d:\n goto l%d\n if r1 > 3 goto l%d\n", i,
		                        (i * 7919) % LABELS, LABELS - 1 - i);
	in = must_asm(src, &cnt);
	assert_int_equal(cnt, 2 * LABELS);
	assert_int_equal(userbpf_isa_check(in, cnt, USERBPF_ISA_RELAXED, NULL), 0);
	free(in);
	free(src);
}

/* ---- 4. errors ---- */

static void test_errors(void **state)
{
	static const struct {
		const char *src;
		int line;
		const char *needle;
	} cases[] = {
	        {"exit\nexit\nr11 = 1\n", 3, "unknown register 'r11'"},
	        {"r0 = 1\nr1 = w11\n", 2, "unknown register 'w11'"},
	        {"goto out\nexit\nexit\nexit\nexit\n", 1, "undefined label 'out'"},
	        {"a:\nexit\nexit\nexit\nexit\ngoto out\n", 6, "undefined label 'out'"},
	        {"exit\ngoto +40000\n", 2, "offset 40000 out of range"},
	        {"exit\nr0 = *(u32 *)(r1 - 40000)\n", 2, "offset -40000 out of range"},
	        {"exit\nexit\nexit\nexit\nexit\nexit\nr0 +== 1\n", 7, "cannot parse 'r0 +== 1'"},
	        {"x:\nx:\n", 2, "duplicate label 'x'"},
	        {"r0 = 0x100000000000000000\n", 1, "number too large"},
	        {"r0 = 12ab\n", 1, "bad number '12ab'"},
	        {"w0 = 0x100000000\n", 1, "immediate 0x100000000 out of range"},
	        {"r0 += 0x80000000\n", 1, "immediate 0x80000000 out of range"},
	        {"w0 += r1\n", 1, "expected w register, got 'r1'"},
	        {"if r1 > w2 goto +1\n", 1, "expected r register, got 'w2'"},
	        {"r0 = \x01\n", 1, "unexpected character 0x01"},
	        {"r0 = foo\n", 1, "cannot parse 'r0 = foo'"},
	        {"frobnicate r0\n", 1, "cannot parse 'frobnicate r0'"},
	        {"r1 = xchg_64(r1 + 0, r2)\n", 1, "source register r2"},
	        {"r1 = cmpxchg_64(r1 + 0, r0, r2)\n", 1, "cmpxchg"},
	        {"lock *(u8 *)(r1 + 0) += w1\n", 1, "u32 or u64"},
	        {"r0 = le17 r0\n", 1, "cannot parse"},
	        {"r0 = le16 r1\n", 1, "same register"},
	        {".insn 0x100, 0, 0, 0, 0\n", 1, "opcode 0x100 out of range"},
	        {"r0 = 1 r1 r2 r3 r4 r5 r6 r7 r8 r9 r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r0 r1 r2 r3 "
	         "r4 r5 r6 r7 r8 r9 r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r0 r1 r2 r3 r4 r5 r6 r7 r8 r9\n",
	         1, "more than 48 tokens"},
	        {"goto "
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
	         1, "name too long"},
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct userbpf_error e;
		struct bpf_insn *out = (struct bpf_insn *)&e; /* must be reset */
		size_t cnt = 7;
		int rc = userbpf_asm(cases[i].src, &out, &cnt, &e);
		if (rc != -EINVAL || e.insn != cases[i].line || !strstr(e.msg, cases[i].needle))
			print_error("case %zu: rc %d line %d msg '%s'\n", i, rc, e.insn, e.msg);
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(e.err, -EINVAL);
		assert_int_equal(e.insn, cases[i].line);
		assert_non_null(strstr(e.msg, cases[i].needle));
		char prefix[32];
		snprintf(prefix, sizeof prefix, "line %d: ", cases[i].line);
		assert_memory_equal(e.msg, prefix, strlen(prefix));
		assert_null(out);
		assert_int_equal(cnt, 0);
	}
	struct bpf_insn *out;
	size_t cnt;
	assert_int_equal(userbpf_asm(NULL, &out, &cnt, NULL), -EINVAL);
	assert_int_equal(userbpf_asm("exit", NULL, &cnt, NULL), -EINVAL);
	assert_int_equal(userbpf_asm("bad bad", &out, &cnt, NULL), -EINVAL);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static void fuzz_one(const char *src)
{
	struct userbpf_error e;
	struct bpf_insn *out = NULL;
	size_t cnt;
	int rc = userbpf_asm(src, &out, &cnt, &e);
	if (rc == 0) {
		char buf[256];
		for (size_t i = 0; i < cnt; i++) /* whatever came out, disasm must cope */
			userbpf_disasm_insn(&out[i], cnt - i, (unsigned)i & 1, buf, sizeof buf);
		free(out);
		return;
	}
	assert_int_equal(rc, -EINVAL);
	assert_true(e.insn >= 1);
	assert_memory_equal(e.msg, "line ", 5);
	assert_true(strlen(e.msg) < sizeof e.msg);
}

static void test_fuzz_garbage(void **state)
{
	static const char *const atoms[] = {
	        "r0",
	        "w1",
	        "r10",
	        "r11",
	        "=",
	        "+=",
	        "s>>=",
	        "s/=",
	        "(",
	        ")",
	        "*",
	        "[",
	        "]",
	        ",",
	        ":",
	        "u32",
	        "s8",
	        "u64",
	        "+",
	        "-",
	        "0",
	        "1",
	        "-1",
	        "0x",
	        "0xffffffffffffffffff",
	        "goto",
	        "if",
	        "pc",
	        "ll",
	        "map",
	        "fd",
	        "idx",
	        "btf",
	        "func",
	        "lock",
	        "call",
	        "kfunc",
	        "exit",
	        "#",
	        ";",
	        "//",
	        "skb",
	        "le16",
	        "bswap64",
	        "xchg_64",
	        "atomic_fetch_or",
	        "load_acquire",
	        "store_release",
	        ".insn",
	        "may_goto",
	        "gotol",
	        "x:",
	        "\t",
	        " ",
	        "\r",
	        "\n",
	        "\xff",
	        "\x7f",
	        "@",
	        "'",
	        "\"",
	        "{",
	        "~",
	        "s",
	        "s<",
	        "==",
	        "!",
	        "$",
	};
	char line[512];
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 0;
		int n = 1 + (int)(rng() % 20);
		for (int k = 0; k < n; k++) {
			const char *a = atoms[rng() % N(atoms)];
			size_t al = strlen(a);
			if (len + al + 2 >= sizeof line)
				break;
			memcpy(line + len, a, al);
			len += al;
			if (rng() % 2)
				line[len++] = ' ';
		}
		line[len] = 0;
		fuzz_one(line);
	}
	/* mutations of every canonical line: flips, truncations, duplications */
	for (size_t i = 0; i < N(text_cases); i++) {
		const char *t = text_cases[i].text;
		size_t tl = strlen(t);
		for (int m = 0; m < 200; m++) {
			snprintf(line, sizeof line, "%s", t);
			size_t at = rng() % tl;
			switch (m % 4) {
			case 0:
				line[at] = (char)(rng() % 256 ? rng() % 256 : 1);
				break;
			case 1:
				line[at] = 0;
				break;
			case 2:
				snprintf(line, sizeof line, "%.*s%s", (int)at, t, t + rng() % tl);
				break;
			case 3:
				line[at] = "()*+-=[]:,rw0x#;"[rng() % 16];
				break;
			}
			fuzz_one(line);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exhaustive_roundtrip),
	        cmocka_unit_test(test_text_roundtrip),
	        cmocka_unit_test(test_expected_strings),
	        cmocka_unit_test(test_disasm_invalid),
	        cmocka_unit_test(test_listing),
	        cmocka_unit_test(test_labels_comments_prefixes),
	        cmocka_unit_test(test_empty_and_big_inputs),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_fuzz_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
