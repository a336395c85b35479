/* isa_asm_operand.c — the operands every instruction form is built from: registers,
 * signed numbers with range checks, "(r1 + 4)" memory operands, "(u32 *)" casts and jump
 * targets. Each consumes its tokens or fails; the error names the field that is wrong.
 */
#include <ctype.h>

#include "isa_asm_internal.h"
#include "isa_text.h"

/* r0..r10 / w0..w10; 'r11' and friends set *bad, so that they are named as unknown
 * registers rather than parsed as labels. */
static bool tok_reg(const struct tok *t, struct reg *r, bool *bad)
{
	*bad = false;
	if (t->kind != T_IDENT || t->len < 2 || t->len > 12 || (t->s[0] != 'r' && t->s[0] != 'w'))
		return false;
	int v = 0;
	for (int i = 1; i < t->len; i++) {
		if (!isdigit((unsigned char)t->s[i]))
			return false;
		v = v * 10 + (t->s[i] - '0');
		if (v > 99)
			v = 99;
	}
	*bad = v > 10 || (t->len > 2 && t->s[1] == '0');
	r->no = v;
	r->width = t->s[0];
	return !*bad;
}

struct reg asm_parse_reg(struct asmctx *c, char width)
{
	struct tok *t = asm_peek(c);
	struct reg r;
	bool bad;
	if (!tok_reg(t, &r, &bad)) {
		if (bad)
			asm_fail(c, "unknown register '%.*s'", t->len, t->s);
		asm_fail_parse(c);
	}
	if (width && r.width != width)
		asm_fail(c, "expected %c register, got '%.*s'", width, t->len, t->s);
	asm_next(c);
	return r;
}

/* True for bad register names too: the caller then parses a register and reports it. */
bool asm_at_reg(struct asmctx *c, int k)
{
	struct reg r;
	bool bad;
	return tok_reg(asm_peek_at(c, k), &r, &bad) || bad;
}

/* An optionally signed number: '-' and '+' tokens, then a T_NUM (returned). */
const struct tok *asm_parse_signed(struct asmctx *c, bool *neg, uint64_t *mag)
{
	*neg = false;
	for (int i = 0; i < 2 && (asm_tok_is(asm_peek(c), "-") || asm_tok_is(asm_peek(c), "+"));
	     i++)
		*neg ^= asm_tok_is(asm_next(c), "-");
	struct tok *t = asm_next(c);
	if (t->kind != T_NUM)
		asm_fail_parse(c);
	*mag = t->num;
	return t;
}

void asm_fail_range(struct asmctx *c, const char *what, bool neg, const struct tok *num)
{
	asm_fail(c, "%s %s%.*s out of range", what, neg ? "-" : "", num->len > 40 ? 40 : num->len,
	         num->s);
}

/* A signed number in [lo, hi]; what names the field in the error ("offset", "immediate"). */
int64_t asm_parse_range(struct asmctx *c, int64_t lo, int64_t hi, const char *what)
{
	uint64_t mag;
	bool neg;
	const struct tok *num = asm_parse_signed(c, &neg, &mag);
	if (mag > (uint64_t)INT64_MAX || (neg ? -(int64_t)mag < lo : (int64_t)mag > hi))
		asm_fail_range(c, what, neg, num);
	return neg ? -(int64_t)mag : (int64_t)mag;
}

/* allow_u32: 32-bit contexts also take 0x80000000..0xffffffff, stored as the same bits. */
int32_t asm_parse_imm(struct asmctx *c, bool allow_u32)
{
	return (int32_t)(uint32_t)asm_parse_range(c, INT32_MIN, allow_u32 ? UINT32_MAX : INT32_MAX,
	                                          "immediate");
}

/* "+4", "- 8", "+ -8", or nothing before ')' / ']'. */
int64_t asm_parse_disp(struct asmctx *c, int64_t lo, int64_t hi, const char *what)
{
	if (asm_tok_is(asm_peek(c), ")") || asm_tok_is(asm_peek(c), "]"))
		return 0;
	if (!asm_tok_is(asm_peek(c), "+") && !asm_tok_is(asm_peek(c), "-"))
		asm_fail_parse(c);
	return asm_parse_range(c, lo, hi, what);
}

/* "(r1 + 4)" -> base register and offset. */
struct reg asm_parse_mem(struct asmctx *c, int16_t *off)
{
	asm_expect(c, "(");
	struct reg r = asm_parse_reg(c, 'r');
	*off = (int16_t)asm_parse_disp(c, INT16_MIN, INT16_MAX, "offset");
	asm_expect(c, ")");
	return r;
}

/* "u8".."u64" (or "s8".."s32" when sx is given) -> BPF_SIZE. */
static int parse_size(struct asmctx *c, bool *sx)
{
	struct tok *t = asm_next(c);
	for (int i = 0; i < 4; i++) {
		const char *name = isa_text_sizes[i];
		if (asm_tok_is(t, name))
			return i << 3;
		if (sx && t->kind == T_IDENT && t->s[0] == 's' && i != (BPF_DW >> 3) &&
		    (size_t)t->len == strlen(name) && !memcmp(t->s + 1, name + 1, strlen(name) - 1))
			return *sx = true, i << 3;
	}
	asm_fail_parse(c);
}

/* "(u32 *)" */
int asm_parse_cast(struct asmctx *c, bool *sx)
{
	asm_expect(c, "(");
	int size = parse_size(c, sx);
	asm_expect(c, "*");
	asm_expect(c, ")");
	return size;
}

/* A jump target: "+3", "-1", "pc+3", "3" or a label (fixed up later; returns 0). The
 * fixup refers to the instruction about to be emitted. */
int32_t asm_parse_target(struct asmctx *c, enum fix_kind kind)
{
	int64_t lo = kind == FIX_OFF ? INT16_MIN : INT32_MIN;
	int64_t hi = kind == FIX_OFF ? INT16_MAX : INT32_MAX;
	struct tok *t = asm_peek(c);

	if (asm_tok_is(t, "pc")) {
		asm_next(c);
		return (int32_t)asm_parse_disp(c, lo, hi, "offset");
	}
	if (t->kind == T_IDENT) {
		asm_add_fixup(c, asm_next(c), kind);
		return 0;
	}
	return (int32_t)asm_parse_range(c, lo, hi, "offset");
}
