/* isa_asm_assign.c — the statements that start with a register: "rD op= x" (ALU) and
 * "rD = ..." (moves, negation, sign extension, loads, byte swaps, 64-bit immediates and the
 * ld_imm64 pseudo forms). The atomic calls that also start "rD = " are in isa_asm_atomic.c.
 */
#include <ctype.h>

#include "isa_asm_internal.h"
#include "isa_text.h"

static uint8_t alu_class(struct reg d)
{
	return d.width == 'w' ? BPF_ALU : BPF_ALU64;
}

/* "rD op= rS" / "rD op= imm"; "s/=" and "s%=" are the off=1 signed forms. */
static void p_alu(struct asmctx *c, struct reg d, const struct tok *op)
{
	int sgn = op->len > 2 && op->s[0] == 's' && (op->s[1] == '/' || op->s[1] == '%');
	int opi = -1;

	for (int i = 0; i < 16 && opi < 0; i++) {
		const char *s = isa_text_alu_ops[i];
		if (s && (size_t)(op->len - sgn) == strlen(s) && !memcmp(op->s + sgn, s, strlen(s)))
			opi = i;
	}
	if (opi < 0)
		asm_fail_parse(c);
	struct bpf_insn in = {.code = alu_class(d) | opi << 4, .dst_reg = d.no, .off = sgn};
	if (asm_at_reg(c, 0)) {
		in.code |= BPF_X;
		in.src_reg = asm_parse_reg(c, d.width).no;
	} else {
		in.imm = asm_parse_imm(c, d.width == 'w');
	}
	asm_emit(c, in);
}

/* "rD = -rD" */
static void p_neg(struct asmctx *c, struct reg d)
{
	asm_expect(c, "-");
	if (asm_parse_reg(c, d.width).no != d.no)
		asm_fail(c, "neg needs the same register on both sides");
	asm_emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_NEG, .dst_reg = d.no});
}

/* "rD = (s8)rS" */
static void p_movsx(struct asmctx *c, struct reg d)
{
	static const struct {
		const char *name;
		int16_t off;
	} casts[] = {{"s8", 8}, {"s16", 16}, {"s32", 32}};
	asm_expect(c, "(");
	struct tok *t = asm_next(c);
	int16_t off = 0;
	for (size_t i = 0; i < ASM_NELEM(casts); i++)
		if (asm_tok_is(t, casts[i].name))
			off = casts[i].off;
	if (!off || (off == 32 && d.width == 'w'))
		asm_fail_parse(c);
	asm_expect(c, ")");
	struct reg s = asm_parse_reg(c, d.width);
	asm_emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_X,
	                              .dst_reg = d.no,
	                              .src_reg = s.no,
	                              .off = off});
}

/* "rD = *(u32 *)(rS + off)" / "r0 = *(u8 *)skb[12]" / "r0 = *(u8 *)skb[rS + 12]" */
static void p_load(struct asmctx *c, struct reg d)
{
	bool sx = false;
	int16_t off;

	asm_expect(c, "*");
	int size = asm_parse_cast(c, &sx);
	if (d.width != 'r')
		asm_fail(c, "loads need an r register");
	if (!asm_accept(c, "skb")) {
		struct reg s = asm_parse_mem(c, &off);
		uint8_t mode = sx ? BPF_MEMSX : BPF_MEM;
		return (void)asm_emit(c, (struct bpf_insn){.code = BPF_LDX | mode | size,
		                                           .dst_reg = d.no,
		                                           .src_reg = s.no,
		                                           .off = off});
	}
	if (sx || size == BPF_DW || d.no != 0)
		asm_fail(c, "packet loads are r0 = *(u8|u16|u32 *)skb[...]");
	struct bpf_insn in = {.code = BPF_LD | BPF_ABS | size};
	asm_expect(c, "[");
	if (asm_at_reg(c, 0)) {
		in.code = BPF_LD | BPF_IND | size;
		in.src_reg = asm_parse_reg(c, 'r').no;
		in.imm = (int32_t)asm_parse_disp(c, INT32_MIN, INT32_MAX, "offset");
	} else {
		in.imm = asm_parse_imm(c, false);
	}
	asm_expect(c, "]");
	asm_emit(c, in);
}

/* "rD = le16 rD", "rD = be32 rD", "rD = bswap64 rD"; false when the name is not one. */
static bool p_end(struct asmctx *c, struct reg d)
{
	struct tok *t = asm_peek(c);

	for (size_t i = 0; i < ASM_NELEM(isa_text_ends); i++) {
		const char *name = isa_text_ends[i].name;
		size_t n = strlen(name);
		if ((size_t)t->len != n + 2 || memcmp(t->s, name, n))
			continue;
		const char *b = t->s + n;
		int bits = isdigit((unsigned char)b[0]) && isdigit((unsigned char)b[1])
		                   ? (b[0] - '0') * 10 + (b[1] - '0')
		                   : 0;
		if (bits != 16 && bits != 32 && bits != 64)
			return false;
		asm_next(c);
		if (asm_parse_reg(c, 0).no != d.no)
			asm_fail(c, "byte swap needs the same register on both sides");
		asm_emit(c, (struct bpf_insn){
		                    .code = isa_text_ends[i].code, .dst_reg = d.no, .imm = bits});
		return true;
	}
	return false;
}

/* "rD = 5", "wD = -3", "rD = 0x1122334455667788 ll" (or without ll when it does not fit
 * in 32 bits, or when the kernel-log prefix said (18)). */
static void p_mov_imm(struct asmctx *c, struct reg d)
{
	uint64_t mag;
	bool neg;
	const struct tok *num = asm_parse_signed(c, &neg, &mag);
	bool ll = asm_accept(c, "ll");
	uint64_t hi = d.width == 'w' ? UINT32_MAX : INT32_MAX;
	bool fits = neg ? mag <= (uint64_t)INT32_MAX + 1 : mag <= hi;

	if (ll || c->hint_code == (BPF_LD | BPF_IMM | BPF_DW) || (d.width == 'r' && !fits)) {
		if (d.width != 'r')
			asm_fail(c, "ld_imm64 needs an r register");
		return asm_emit_ldimm64(c, d.no, 0, neg ? 0 - mag : mag);
	}
	if (!fits)
		asm_fail_range(c, "immediate", neg, num);
	asm_emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_K,
	                              .dst_reg = d.no,
	                              .imm = (int32_t)(uint32_t)(neg ? 0 - mag : mag)});
}

/* ---- ld_imm64 pseudo forms ---- */

/* "map[fd:3]", "map[idx:0]", with "[0]+16" for a value address. */
static void p_map(struct asmctx *c, struct reg d)
{
	asm_expect(c, "[");
	bool fd = asm_accept(c, "fd");
	if (!fd)
		asm_expect(c, "idx");
	asm_expect(c, ":");
	int32_t imm = asm_parse_imm(c, true);
	asm_expect(c, "]");
	int src = fd ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_IDX;
	uint64_t v = (uint32_t)imm;
	if (asm_accept(c, "[")) {
		if (asm_next(c)->kind != T_NUM || asm_peek_at(c, -1)->num != 0)
			asm_fail_parse(c);
		asm_expect(c, "]");
		src = fd ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_IDX_VALUE;
		v |= (uint64_t)(uint32_t)asm_parse_disp(c, INT32_MIN, UINT32_MAX, "offset") << 32;
	}
	asm_emit_ldimm64(c, d.no, src, v);
}

/* "btf[id:12]" or "btf[id:12][obj:4]" */
static void p_btf(struct asmctx *c, struct reg d)
{
	asm_expect(c, "[");
	asm_expect(c, "id");
	asm_expect(c, ":");
	uint32_t id = (uint32_t)asm_parse_imm(c, true), obj = 0;
	asm_expect(c, "]");
	if (asm_accept(c, "[")) {
		asm_expect(c, "obj");
		asm_expect(c, ":");
		obj = (uint32_t)asm_parse_imm(c, true);
		asm_expect(c, "]");
	}
	asm_emit_ldimm64(c, d.no, BPF_PSEUDO_BTF_ID, id | (uint64_t)obj << 32);
}

/* "func[pc+5]", "func[label]", with an optional "[N]" second immediate. */
static void p_func(struct asmctx *c, struct reg d)
{
	asm_expect(c, "[");
	uint32_t rel = (uint32_t)asm_parse_target(c, FIX_IMM), hi = 0;
	asm_expect(c, "]");
	if (asm_accept(c, "[")) {
		hi = (uint32_t)asm_parse_imm(c, true);
		asm_expect(c, "]");
	}
	asm_emit_ldimm64(c, d.no, BPF_PSEUDO_FUNC, rel | (uint64_t)hi << 32);
}

static bool p_pseudo(struct asmctx *c, struct reg d)
{
	static const struct {
		const char *name;
		void (*parse)(struct asmctx *, struct reg);
	} forms[] = {{"map", p_map}, {"btf", p_btf}, {"func", p_func}};

	for (size_t i = 0; i < ASM_NELEM(forms); i++) {
		if (!asm_tok_is(asm_peek(c), forms[i].name) || !asm_tok_is(asm_peek_at(c, 1), "["))
			continue;
		if (d.width != 'r')
			asm_fail(c, "ld_imm64 needs an r register");
		asm_next(c);
		forms[i].parse(c, d);
		asm_accept(c, "ll");
		return true;
	}
	return false;
}

/* Everything after "rD = ". */
static void p_assign(struct asmctx *c, struct reg d)
{
	struct tok *t = asm_peek(c);

	if (asm_tok_is(t, "-") && asm_at_reg(c, 1))
		return p_neg(c, d);
	if (asm_tok_is(t, "("))
		return p_movsx(c, d);
	if (asm_tok_is(t, "*"))
		return p_load(c, d);
	if (asm_at_reg(c, 0)) {
		struct reg s = asm_parse_reg(c, d.width);
		return (void)asm_emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_X,
		                                           .dst_reg = d.no,
		                                           .src_reg = s.no});
	}
	if (t->kind == T_IDENT) {
		if (p_end(c, d) || asm_atomic_call(c, d) || p_pseudo(c, d))
			return;
		asm_fail_parse(c);
	}
	p_mov_imm(c, d);
}

/* A statement that starts with a register: "rD = ..." or "rD op= ...". */
void asm_reg_stmt(struct asmctx *c)
{
	struct reg d = asm_parse_reg(c, 0);
	struct tok *op = asm_next(c);
	if (asm_tok_is(op, "="))
		return p_assign(c, d);
	p_alu(c, d, op);
}
