/* isa_asm.c — text to instructions: the inverse of isa_disasm.c.
 *
 * Each line is lexed into a bounded token array (see the lexer below), then parsed by
 * recursive descent on its first tokens. A parse error anywhere longjmps back to the line
 * loop with the message already formatted, which keeps the parsers free of error plumbing.
 * Label references are recorded as fixups and resolved once every label is known; labels
 * live in an open-addressing hash table, so huge inputs stay linear.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/asm.h>
#include <userbpf/isa.h>

/* Defined in isa_disasm.c: one spelling for both directions. */
extern const char *const userbpf_asm_alu_ops[16];
extern const char *const userbpf_asm_jmp_ops[16];
extern const char *const userbpf_asm_atomic_ops[16];
extern const char *const userbpf_asm_sizes[4];

#define ASM_MAX_TOKS 48
#define ASM_MAX_IDENT 64
#define ASM_MAX_INSNS (1u << 24)

enum tok_kind { T_END, T_IDENT, T_NUM, T_PUNCT };

struct tok {
	enum tok_kind kind;
	const char *s;
	int len;
	uint64_t num;
};

struct label {
	const char *name; /* points into the source text; NULL = empty slot */
	int len;
	size_t insn;
};

enum fix_kind { FIX_OFF, FIX_IMM };

struct fixup {
	const char *name;
	int len, line;
	size_t insn;
	enum fix_kind kind;
};

struct asmctx {
	struct bpf_insn *insns;
	size_t n, cap;
	struct fixup *fix;
	size_t nfix, capfix;
	struct label *labels;
	size_t nlabels, caplabels; /* caplabels is a power of two */

	/* the current line */
	int lineno;
	const char *text; /* instruction text after any kernel-log prefix */
	int textlen;
	int hint_code; /* opcode from a "12: (18) " prefix, or -1 */
	struct tok t[ASM_MAX_TOKS + 1];
	int ntok, pos;

	jmp_buf fail;
	struct userbpf_error *e;
	int err;
};

__attribute__((format(printf, 2, 3), noreturn)) static void fail(struct asmctx *c, const char *fmt,
                                                                 ...)
{
	char what[112];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (c->e) {
		snprintf(c->e->msg, sizeof c->e->msg, "line %d: %s", c->lineno, what);
		c->e->insn = c->lineno;
		c->e->err = -EINVAL;
	}
	c->err = -EINVAL;
	longjmp(c->fail, 1);
}

__attribute__((noreturn)) static void fail_nomem(struct asmctx *c)
{
	if (c->e) {
		snprintf(c->e->msg, sizeof c->e->msg, "out of memory");
		c->e->insn = c->lineno;
		c->e->err = -ENOMEM;
	}
	c->err = -ENOMEM;
	longjmp(c->fail, 1);
}

__attribute__((noreturn)) static void fail_parse(struct asmctx *c)
{
	int len = c->textlen;
	while (len > 0 && isspace((unsigned char)c->text[len - 1]))
		len--;
	fail(c, "cannot parse '%.*s'", len > 80 ? 80 : len, c->text);
}

/* ---- lexer ---- */

static bool is_ident_start(int ch)
{
	return isalpha(ch) || ch == '_' || ch == '.';
}

static bool is_ident_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '.';
}

/* Multi-character operators, longest first. */
static const char *const lex_ops[] = {
        "<<=", ">>=", "==", "!=", ">=", "<=", "+=", "-=", "*=", "/=", "|=", "&=", "%=", "^=",
};

static int lex_punct_len(const char *p, const char *end)
{
	for (size_t i = 0; i < sizeof lex_ops / sizeof lex_ops[0]; i++) {
		size_t n = strlen(lex_ops[i]);
		if ((size_t)(end - p) >= n && !memcmp(p, lex_ops[i], n))
			return (int)n;
	}
	return 1;
}

/* A decimal or 0x number; rejects overflow and trailing letters ("12ab"). */
static const char *lex_number(struct asmctx *c, struct tok *t, const char *p, const char *end)
{
	bool hex = end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	           isxdigit((unsigned char)p[2]);
	const char *q = p + (hex ? 2 : 0);
	uint64_t v = 0;
	bool over = false;

	for (; q < end && (hex ? isxdigit((unsigned char)*q) : isdigit((unsigned char)*q)); q++) {
		unsigned dgt = isdigit((unsigned char)*q) ? (unsigned)(*q - '0')
		                                          : (unsigned)(tolower(*q) - 'a' + 10);
		unsigned base = hex ? 16 : 10;
		over |= v > (UINT64_MAX - dgt) / base;
		v = v * base + dgt;
	}
	t->kind = T_NUM;
	t->s = p;
	t->num = v;
	while (q < end && is_ident_char((unsigned char)*q))
		q++;
	t->len = (int)(q - p);
	if (q != p + (hex ? 2 : 0) && t->len > 0 && !over &&
	    (hex ? isxdigit((unsigned char)q[-1]) : isdigit((unsigned char)q[-1])))
		return q;
	fail(c, "%s '%.*s'", over ? "number too large" : "bad number", t->len > 40 ? 40 : t->len,
	     p);
}

static const char *lex_ident(struct asmctx *c, struct tok *t, const char *p, const char *end)
{
	const char *q = p;
	while (q < end && is_ident_char((unsigned char)*q))
		q++;
	/* "s" right before an operator is the signed variant: s>>= s/= s%= s> s>= s< s<= */
	if (q == p + 1 && *p == 's' && q < end && *q && strchr("<>/%", *q)) {
		t->kind = T_PUNCT;
		t->s = p;
		t->len = 1 + lex_punct_len(q, end);
		return p + t->len;
	}
	if (q - p > ASM_MAX_IDENT)
		fail(c, "name too long '%.40s...'", p);
	t->kind = T_IDENT;
	t->s = p;
	t->len = (int)(q - p);
	return q;
}

static bool lex_comment_start(const char *line, const char *p, const char *end)
{
	if (*p == ';' || (*p == '/' && p + 1 < end && p[1] == '/'))
		return true;
	/* '#' after a name is the kernel's "helper#1"; elsewhere it starts a comment */
	return *p == '#' && (p == line || !is_ident_char((unsigned char)p[-1]));
}

static void lex(struct asmctx *c, const char *p, const char *end)
{
	const char *line = p;
	c->ntok = c->pos = 0;
	while (p < end) {
		unsigned char ch = (unsigned char)*p;
		struct tok *t = &c->t[c->ntok];
		if (isspace(ch)) {
			p++;
			continue;
		}
		if (lex_comment_start(line, p, end))
			break;
		if (c->ntok == ASM_MAX_TOKS)
			fail(c, "line too long (more than %d tokens)", ASM_MAX_TOKS);
		if (is_ident_start(ch)) {
			p = lex_ident(c, t, p, end);
		} else if (isdigit(ch)) {
			p = lex_number(c, t, p, end);
		} else if (ispunct(ch)) {
			*t = (struct tok){.kind = T_PUNCT, .s = p, .len = lex_punct_len(p, end)};
			p += t->len;
		} else {
			fail(c, "unexpected character 0x%02x", ch);
		}
		c->ntok++;
	}
	c->t[c->ntok] = (struct tok){.kind = T_END, .s = end, .len = 0};
}

/* ---- token helpers ---- */

static struct tok *peek_at(struct asmctx *c, int k)
{
	int i = c->pos + k;
	return &c->t[i < c->ntok ? i : c->ntok];
}

static struct tok *peek(struct asmctx *c)
{
	return peek_at(c, 0);
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->kind != T_END && t->kind != T_NUM && (size_t)t->len == strlen(s) &&
	       !memcmp(t->s, s, (size_t)t->len);
}

static struct tok *next(struct asmctx *c)
{
	struct tok *t = peek(c);
	if (c->pos < c->ntok)
		c->pos++;
	return t;
}

static bool accept(struct asmctx *c, const char *s)
{
	if (!tok_is(peek(c), s))
		return false;
	next(c);
	return true;
}

static void expect(struct asmctx *c, const char *s)
{
	if (!accept(c, s))
		fail_parse(c);
}

/* ---- operands ---- */

struct reg {
	int no;
	char width; /* 'r' or 'w' */
};

/* r0..r10 / w0..w10; 'r11' and friends are named as unknown registers. */
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

static struct reg parse_reg(struct asmctx *c, char width)
{
	struct tok *t = peek(c);
	struct reg r;
	bool bad;
	if (!tok_reg(t, &r, &bad)) {
		if (bad)
			fail(c, "unknown register '%.*s'", t->len, t->s);
		fail_parse(c);
	}
	if (width && r.width != width)
		fail(c, "expected %c register, got '%.*s'", width, t->len, t->s);
	next(c);
	return r;
}

static bool at_reg(struct asmctx *c)
{
	struct reg r;
	bool bad;
	return tok_reg(peek(c), &r, &bad) || bad;
}

/* An optionally signed number: '-' and '+' tokens, then a T_NUM (returned). */
static const struct tok *parse_signed(struct asmctx *c, bool *neg, uint64_t *mag)
{
	*neg = false;
	for (int i = 0; i < 2 && (tok_is(peek(c), "-") || tok_is(peek(c), "+")); i++)
		*neg ^= tok_is(next(c), "-");
	struct tok *t = next(c);
	if (t->kind != T_NUM)
		fail_parse(c);
	*mag = t->num;
	return t;
}

__attribute__((noreturn)) static void fail_range(struct asmctx *c, const char *what, bool neg,
                                                 const struct tok *num)
{
	fail(c, "%s %s%.*s out of range", what, neg ? "-" : "", num->len > 40 ? 40 : num->len,
	     num->s);
}

/* A signed number in [lo, hi]; what names the field in the error ("offset", "immediate"). */
static int64_t parse_range(struct asmctx *c, int64_t lo, int64_t hi, const char *what)
{
	uint64_t mag;
	bool neg;
	const struct tok *num = parse_signed(c, &neg, &mag);
	if (mag > (uint64_t)INT64_MAX || (neg ? -(int64_t)mag < lo : (int64_t)mag > hi))
		fail_range(c, what, neg, num);
	return neg ? -(int64_t)mag : (int64_t)mag;
}

static int32_t parse_imm(struct asmctx *c, bool allow_u32)
{
	return (int32_t)(uint32_t)parse_range(c, INT32_MIN, allow_u32 ? UINT32_MAX : INT32_MAX,
	                                      "immediate");
}

/* "+4", "- 8", "+ -8", or nothing before ')' / ']'. */
static int64_t parse_disp(struct asmctx *c, int64_t lo, int64_t hi, const char *what)
{
	if (tok_is(peek(c), ")") || tok_is(peek(c), "]"))
		return 0;
	if (!tok_is(peek(c), "+") && !tok_is(peek(c), "-"))
		fail_parse(c);
	return parse_range(c, lo, hi, what);
}

/* "(r1 + 4)" -> base register and offset. */
static struct reg parse_mem(struct asmctx *c, int16_t *off)
{
	expect(c, "(");
	struct reg r = parse_reg(c, 'r');
	*off = (int16_t)parse_disp(c, INT16_MIN, INT16_MAX, "offset");
	expect(c, ")");
	return r;
}

/* "u8".."u64" (or "s8".."s32" when sx is given) -> BPF_SIZE. */
static int parse_size(struct asmctx *c, bool *sx)
{
	struct tok *t = next(c);
	for (int i = 0; i < 4; i++) {
		const char *name = userbpf_asm_sizes[i];
		if (tok_is(t, name))
			return i << 3;
		if (sx && t->kind == T_IDENT && t->s[0] == 's' && i != (BPF_DW >> 3) &&
		    (size_t)t->len == strlen(name) && !memcmp(t->s + 1, name + 1, strlen(name) - 1))
			return *sx = true, i << 3;
	}
	fail_parse(c);
}

/* "(u32 *)" */
static int parse_cast(struct asmctx *c, bool *sx)
{
	expect(c, "(");
	int size = parse_size(c, sx);
	expect(c, "*");
	expect(c, ")");
	return size;
}

/* ---- output ---- */

static struct bpf_insn *emit(struct asmctx *c, struct bpf_insn in)
{
	if (c->n == c->cap) {
		if (c->cap >= ASM_MAX_INSNS)
			fail(c, "too many instructions (limit %u)", ASM_MAX_INSNS);
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct bpf_insn *p = realloc(c->insns, cap * sizeof *p);
		if (!p)
			fail_nomem(c);
		c->insns = p;
		c->cap = cap;
	}
	c->insns[c->n] = in;
	return &c->insns[c->n++];
}

static void emit_ldimm64(struct asmctx *c, int dst, int src, uint64_t v)
{
	emit(c, (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW,
	                          .dst_reg = dst,
	                          .src_reg = src,
	                          .imm = (int32_t)(uint32_t)v});
	emit(c, (struct bpf_insn){.imm = (int32_t)(uint32_t)(v >> 32)});
}

static void add_fixup(struct asmctx *c, const struct tok *t, enum fix_kind kind)
{
	if (c->nfix == c->capfix) {
		size_t cap = c->capfix ? c->capfix * 2 : 16;
		struct fixup *p = realloc(c->fix, cap * sizeof *p);
		if (!p)
			fail_nomem(c);
		c->fix = p;
		c->capfix = cap;
	}
	c->fix[c->nfix++] = (struct fixup){
	        .name = t->s, .len = t->len, .line = c->lineno, .insn = c->n, .kind = kind};
}

/* A jump target: "+3", "-1", "pc+3", "3" or a label (fixed up later; returns 0). The
 * fixup refers to the instruction about to be emitted. */
static int32_t parse_target(struct asmctx *c, enum fix_kind kind)
{
	int64_t lo = kind == FIX_OFF ? INT16_MIN : INT32_MIN;
	int64_t hi = kind == FIX_OFF ? INT16_MAX : INT32_MAX;
	struct tok *t = peek(c);

	if (tok_is(t, "pc")) {
		next(c);
		return (int32_t)parse_disp(c, lo, hi, "offset");
	}
	if (t->kind == T_IDENT) {
		add_fixup(c, next(c), kind);
		return 0;
	}
	return (int32_t)parse_range(c, lo, hi, "offset");
}

/* ---- statements: ALU, moves and loads ("rD ...") ---- */

static bool at_reg_at(struct asmctx *c, int k)
{
	struct reg r;
	bool bad;
	return tok_reg(peek_at(c, k), &r, &bad) || bad;
}

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
		const char *s = userbpf_asm_alu_ops[i];
		if (s && (size_t)(op->len - sgn) == strlen(s) && !memcmp(op->s + sgn, s, strlen(s)))
			opi = i;
	}
	if (opi < 0)
		fail_parse(c);
	struct bpf_insn in = {.code = alu_class(d) | opi << 4, .dst_reg = d.no, .off = sgn};
	if (at_reg(c)) {
		in.code |= BPF_X;
		in.src_reg = parse_reg(c, d.width).no;
	} else {
		in.imm = parse_imm(c, d.width == 'w');
	}
	emit(c, in);
}

/* "rD = -rD" */
static void p_neg(struct asmctx *c, struct reg d)
{
	expect(c, "-");
	if (parse_reg(c, d.width).no != d.no)
		fail(c, "neg needs the same register on both sides");
	emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_NEG, .dst_reg = d.no});
}

/* "rD = (s8)rS" */
static void p_movsx(struct asmctx *c, struct reg d)
{
	static const struct {
		const char *name;
		int16_t off;
	} casts[] = {{"s8", 8}, {"s16", 16}, {"s32", 32}};
	expect(c, "(");
	struct tok *t = next(c);
	int16_t off = 0;
	for (size_t i = 0; i < sizeof casts / sizeof casts[0]; i++)
		if (tok_is(t, casts[i].name))
			off = casts[i].off;
	if (!off || (off == 32 && d.width == 'w'))
		fail_parse(c);
	expect(c, ")");
	struct reg s = parse_reg(c, d.width);
	emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_X,
	                          .dst_reg = d.no,
	                          .src_reg = s.no,
	                          .off = off});
}

/* "rD = *(u32 *)(rS + off)" / "r0 = *(u8 *)skb[12]" / "r0 = *(u8 *)skb[rS + 12]" */
static void p_load(struct asmctx *c, struct reg d)
{
	bool sx = false;
	int16_t off;

	expect(c, "*");
	int size = parse_cast(c, &sx);
	if (d.width != 'r')
		fail(c, "loads need an r register");
	if (!accept(c, "skb")) {
		struct reg s = parse_mem(c, &off);
		uint8_t mode = sx ? BPF_MEMSX : BPF_MEM;
		return (void)emit(c, (struct bpf_insn){.code = BPF_LDX | mode | size,
		                                       .dst_reg = d.no,
		                                       .src_reg = s.no,
		                                       .off = off});
	}
	if (sx || size == BPF_DW || d.no != 0)
		fail(c, "packet loads are r0 = *(u8|u16|u32 *)skb[...]");
	struct bpf_insn in = {.code = BPF_LD | BPF_ABS | size};
	expect(c, "[");
	if (at_reg(c)) {
		in.code = BPF_LD | BPF_IND | size;
		in.src_reg = parse_reg(c, 'r').no;
		in.imm = (int32_t)parse_disp(c, INT32_MIN, INT32_MAX, "offset");
	} else {
		in.imm = parse_imm(c, false);
	}
	expect(c, "]");
	emit(c, in);
}

/* "rD = le16 rD", "rD = be32 rD", "rD = bswap64 rD" */
static bool p_end(struct asmctx *c, struct reg d)
{
	static const struct {
		const char *name;
		uint8_t code;
	} kinds[] = {
	        {"le", BPF_ALU | BPF_END | BPF_TO_LE},
	        {"be", BPF_ALU | BPF_END | BPF_TO_BE},
	        {"bswap", BPF_ALU64 | BPF_END | BPF_TO_LE},
	};
	struct tok *t = peek(c);

	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		size_t n = strlen(kinds[i].name);
		if ((size_t)t->len != n + 2 || memcmp(t->s, kinds[i].name, n))
			continue;
		const char *b = t->s + n;
		int bits = isdigit((unsigned char)b[0]) && isdigit((unsigned char)b[1])
		                   ? (b[0] - '0') * 10 + (b[1] - '0')
		                   : 0;
		if (bits != 16 && bits != 32 && bits != 64)
			return false;
		next(c);
		if (parse_reg(c, 0).no != d.no)
			fail(c, "byte swap needs the same register on both sides");
		emit(c, (struct bpf_insn){.code = kinds[i].code, .dst_reg = d.no, .imm = bits});
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
	const struct tok *num = parse_signed(c, &neg, &mag);
	bool ll = accept(c, "ll");
	uint64_t hi = d.width == 'w' ? UINT32_MAX : INT32_MAX;
	bool fits = neg ? mag <= (uint64_t)INT32_MAX + 1 : mag <= hi;

	if (ll || c->hint_code == (BPF_LD | BPF_IMM | BPF_DW) || (d.width == 'r' && !fits)) {
		if (d.width != 'r')
			fail(c, "ld_imm64 needs an r register");
		return emit_ldimm64(c, d.no, 0, neg ? 0 - mag : mag);
	}
	if (!fits)
		fail_range(c, "immediate", neg, num);
	emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_K,
	                          .dst_reg = d.no,
	                          .imm = (int32_t)(uint32_t)(neg ? 0 - mag : mag)});
}

/* ---- atomics ---- */

static uint8_t atomic_code(int size)
{
	return BPF_STX | BPF_ATOMIC | size;
}

static char size_width(int size)
{
	return size == BPF_DW ? 'r' : 'w';
}

static void need_rmw_size(struct asmctx *c, int size)
{
	if (size != BPF_W && size != BPF_DW)
		fail(c, "atomic operations need u32 or u64");
}

/* "rS = atomic_fetch_add((u64 *)(rD + off), rS)"; the kernel's atomic64_ spelling too. */
static void p_fetch(struct asmctx *c, struct reg d, int op)
{
	int16_t off;
	expect(c, "(");
	int size = parse_cast(c, NULL);
	need_rmw_size(c, size);
	struct reg base = parse_mem(c, &off);
	expect(c, ",");
	struct reg s = parse_reg(c, size_width(size));
	expect(c, ")");
	if (d.width != s.width || d.no != s.no)
		fail(c, "fetch result must go to the source register %c%d", s.width, s.no);
	emit(c, (struct bpf_insn){.code = atomic_code(size),
	                          .dst_reg = base.no,
	                          .src_reg = s.no,
	                          .off = off,
	                          .imm = op | BPF_FETCH});
}

/* "r0 = xchg_64(r1 + 0, r0)" / "r0 = cmpxchg_64(r1 + 0, r0, r2)"; 32-bit: xchg32_32. */
static void p_xchg(struct asmctx *c, struct reg d, bool cmp, int size)
{
	char w = size_width(size);
	expect(c, "(");
	struct reg base = parse_reg(c, 'r');
	int16_t off = (int16_t)parse_disp(c, INT16_MIN, INT16_MAX, "offset");
	expect(c, ",");
	if (cmp && (parse_reg(c, w).no != 0 || d.no != 0))
		fail(c, "cmpxchg compares and returns %c0", w);
	if (cmp)
		expect(c, ",");
	struct reg s = parse_reg(c, w);
	expect(c, ")");
	if (d.width != w || (!cmp && d.no != s.no))
		fail(c, "xchg result must go to the source register %c%d", w, s.no);
	emit(c, (struct bpf_insn){.code = atomic_code(size),
	                          .dst_reg = base.no,
	                          .src_reg = s.no,
	                          .off = off,
	                          .imm = cmp ? BPF_CMPXCHG : BPF_XCHG});
}

/* "w0 = load_acquire((u8 *)(r1 + 0))" */
static void p_load_acq(struct asmctx *c, struct reg d)
{
	int16_t off;
	expect(c, "(");
	int size = parse_cast(c, NULL);
	struct reg s = parse_mem(c, &off);
	expect(c, ")");
	if (d.width != size_width(size))
		fail(c, "load_acquire of this size needs a %c register", size_width(size));
	emit(c, (struct bpf_insn){.code = atomic_code(size),
	                          .dst_reg = d.no,
	                          .src_reg = s.no,
	                          .off = off,
	                          .imm = BPF_LOAD_ACQ});
}

/* The atomic-call forms after "rD = "; false when the name is not one of them. */
static bool p_atomic_call(struct asmctx *c, struct reg d)
{
	static const char *const fetch_prefixes[] = {"atomic_fetch_", "atomic64_fetch_"};
	struct tok *t = peek(c);

	for (int p = 0; p < 2; p++) {
		size_t n = strlen(fetch_prefixes[p]);
		if ((size_t)t->len <= n || memcmp(t->s, fetch_prefixes[p], n))
			continue;
		for (int i = 0; i < 16; i++) {
			const char *op = userbpf_asm_atomic_ops[i];
			if (op && (size_t)t->len == n + strlen(op) &&
			    !memcmp(t->s + n, op, strlen(op)))
				return next(c), p_fetch(c, d, i << 4), true;
		}
	}
	if (tok_is(t, "xchg_64") || tok_is(t, "xchg32_32"))
		return next(c), p_xchg(c, d, false, t->s[4] == '_' ? BPF_DW : BPF_W), true;
	if (tok_is(t, "cmpxchg_64") || tok_is(t, "cmpxchg32_32"))
		return next(c), p_xchg(c, d, true, t->s[7] == '_' ? BPF_DW : BPF_W), true;
	if (tok_is(t, "load_acquire"))
		return next(c), p_load_acq(c, d), true;
	return false;
}

/* "lock *(u64 *)(r0 + 0) += r1" */
static void p_lock(struct asmctx *c)
{
	int16_t off;
	expect(c, "*");
	int size = parse_cast(c, NULL);
	need_rmw_size(c, size);
	struct reg base = parse_mem(c, &off);
	struct tok *op = next(c);
	int imm = -1;
	for (int i = 0; i < 16; i++)
		if (userbpf_asm_atomic_ops[i] && tok_is(op, userbpf_asm_alu_ops[i]))
			imm = i << 4;
	if (imm < 0)
		fail_parse(c);
	struct reg s = parse_reg(c, size_width(size));
	emit(c, (struct bpf_insn){.code = atomic_code(size),
	                          .dst_reg = base.no,
	                          .src_reg = s.no,
	                          .off = off,
	                          .imm = imm});
}

/* "store_release((u32 *)(r1 + 0), w2)" */
static void p_store_rel(struct asmctx *c)
{
	int16_t off;
	expect(c, "(");
	int size = parse_cast(c, NULL);
	struct reg base = parse_mem(c, &off);
	expect(c, ",");
	struct reg s = parse_reg(c, size_width(size));
	expect(c, ")");
	emit(c, (struct bpf_insn){.code = atomic_code(size),
	                          .dst_reg = base.no,
	                          .src_reg = s.no,
	                          .off = off,
	                          .imm = BPF_STORE_REL});
}

/* "*(u32 *)(r10 - 4) = 5" / "*(u64 *)(r10 - 8) = r1" (w1 accepted too) */
static void p_store(struct asmctx *c)
{
	int16_t off;
	int size = parse_cast(c, NULL);
	struct reg base = parse_mem(c, &off);
	expect(c, "=");
	struct bpf_insn in = {.dst_reg = base.no, .off = off};
	if (at_reg(c)) {
		in.code = BPF_STX | BPF_MEM | size;
		in.src_reg = parse_reg(c, 0).no;
	} else {
		in.code = BPF_ST | BPF_MEM | size;
		in.imm = parse_imm(c, size != BPF_DW);
	}
	emit(c, in);
}

/* ---- ld_imm64 pseudo forms ---- */

/* "map[fd:3]", "map[idx:0]", with "[0]+16" for a value address. */
static void p_map(struct asmctx *c, struct reg d)
{
	expect(c, "[");
	bool fd = accept(c, "fd");
	if (!fd)
		expect(c, "idx");
	expect(c, ":");
	int32_t imm = parse_imm(c, true);
	expect(c, "]");
	int src = fd ? BPF_PSEUDO_MAP_FD : BPF_PSEUDO_MAP_IDX;
	uint64_t v = (uint32_t)imm;
	if (accept(c, "[")) {
		if (next(c)->kind != T_NUM || peek_at(c, -1)->num != 0)
			fail_parse(c);
		expect(c, "]");
		src = fd ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_IDX_VALUE;
		v |= (uint64_t)(uint32_t)parse_disp(c, INT32_MIN, UINT32_MAX, "offset") << 32;
	}
	emit_ldimm64(c, d.no, src, v);
}

/* "btf[id:12]" or "btf[id:12][obj:4]" */
static void p_btf(struct asmctx *c, struct reg d)
{
	expect(c, "[");
	expect(c, "id");
	expect(c, ":");
	uint32_t id = (uint32_t)parse_imm(c, true), obj = 0;
	expect(c, "]");
	if (accept(c, "[")) {
		expect(c, "obj");
		expect(c, ":");
		obj = (uint32_t)parse_imm(c, true);
		expect(c, "]");
	}
	emit_ldimm64(c, d.no, BPF_PSEUDO_BTF_ID, id | (uint64_t)obj << 32);
}

/* "func[pc+5]", "func[label]", with an optional "[N]" second immediate. */
static void p_func(struct asmctx *c, struct reg d)
{
	expect(c, "[");
	uint32_t rel = (uint32_t)parse_target(c, FIX_IMM), hi = 0;
	expect(c, "]");
	if (accept(c, "[")) {
		hi = (uint32_t)parse_imm(c, true);
		expect(c, "]");
	}
	emit_ldimm64(c, d.no, BPF_PSEUDO_FUNC, rel | (uint64_t)hi << 32);
}

static bool p_pseudo(struct asmctx *c, struct reg d)
{
	static const struct {
		const char *name;
		void (*parse)(struct asmctx *, struct reg);
	} forms[] = {{"map", p_map}, {"btf", p_btf}, {"func", p_func}};

	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		if (!tok_is(peek(c), forms[i].name) || !tok_is(peek_at(c, 1), "["))
			continue;
		if (d.width != 'r')
			fail(c, "ld_imm64 needs an r register");
		next(c);
		forms[i].parse(c, d);
		accept(c, "ll");
		return true;
	}
	return false;
}

/* Everything after "rD = ". */
static void p_assign(struct asmctx *c, struct reg d)
{
	struct tok *t = peek(c);

	if (tok_is(t, "-") && at_reg_at(c, 1))
		return p_neg(c, d);
	if (tok_is(t, "("))
		return p_movsx(c, d);
	if (tok_is(t, "*"))
		return p_load(c, d);
	if (at_reg(c)) {
		struct reg s = parse_reg(c, d.width);
		return (void)emit(c, (struct bpf_insn){.code = alu_class(d) | BPF_MOV | BPF_X,
		                                       .dst_reg = d.no,
		                                       .src_reg = s.no});
	}
	if (t->kind == T_IDENT) {
		if (p_end(c, d) || p_atomic_call(c, d) || p_pseudo(c, d))
			return;
		fail_parse(c);
	}
	p_mov_imm(c, d);
}

static void p_reg_stmt(struct asmctx *c)
{
	struct reg d = parse_reg(c, 0);
	struct tok *op = next(c);
	if (tok_is(op, "="))
		return p_assign(c, d);
	p_alu(c, d, op);
}

/* ---- control flow ---- */

static void p_if(struct asmctx *c)
{
	struct reg d = parse_reg(c, 0);
	struct tok *op = next(c);
	int opi = -1;
	for (int i = 0; i < 16 && opi < 0; i++)
		if (userbpf_asm_jmp_ops[i] && tok_is(op, userbpf_asm_jmp_ops[i]))
			opi = i;
	if (opi < 0)
		fail_parse(c);
	struct bpf_insn in = {.code = (d.width == 'w' ? BPF_JMP32 : BPF_JMP) | opi << 4,
	                      .dst_reg = d.no};
	if (at_reg(c)) {
		in.code |= BPF_X;
		in.src_reg = parse_reg(c, d.width).no;
	} else {
		in.imm = parse_imm(c, d.width == 'w');
	}
	expect(c, "goto");
	in.off = (int16_t)parse_target(c, FIX_OFF);
	emit(c, in);
}

static void p_goto(struct asmctx *c)
{
	int16_t off = (int16_t)parse_target(c, FIX_OFF);
	emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_JA, .off = off});
}

static void p_gotol(struct asmctx *c)
{
	int32_t imm = parse_target(c, FIX_IMM);
	emit(c, (struct bpf_insn){.code = BPF_JMP32 | BPF_JA, .imm = imm});
}

static void p_may_goto(struct asmctx *c)
{
	int16_t off = (int16_t)parse_target(c, FIX_OFF);
	emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_JCOND, .off = off});
}

/* "call 1", "call pc+5", "call label", "call kfunc 123[, off]", "call name#1" (kernel log) */
static void p_call(struct asmctx *c)
{
	struct bpf_insn in = {.code = BPF_JMP | BPF_CALL};
	struct tok *t = peek(c);

	if (tok_is(t, "kfunc") && peek_at(c, 1)->kind != T_END) {
		next(c);
		in.src_reg = BPF_PSEUDO_KFUNC_CALL;
		in.imm = parse_imm(c, true);
		if (accept(c, ","))
			in.off = (int16_t)parse_range(c, INT16_MIN, INT16_MAX, "offset");
	} else if (t->kind == T_IDENT && tok_is(peek_at(c, 1), "#")) {
		next(c);
		next(c);
		in.imm = parse_imm(c, true);
	} else if (t->kind == T_IDENT) { /* "pc+N" or a label */
		in.src_reg = BPF_PSEUDO_CALL;
		in.imm = parse_target(c, FIX_IMM);
	} else {
		in.imm = parse_imm(c, true);
	}
	emit(c, in);
}

static void p_callx(struct asmctx *c)
{
	struct reg r = parse_reg(c, 'r');
	emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_CALL | BPF_X, .dst_reg = r.no});
}

static void p_exit(struct asmctx *c)
{
	emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_EXIT});
}

/* ".insn CODE, DST, SRC, OFF, IMM": any encoding, valid or not, byte for byte. */
static void p_raw(struct asmctx *c)
{
	struct bpf_insn in;
	in.code = (uint8_t)parse_range(c, 0, 255, "opcode");
	expect(c, ",");
	in.dst_reg = (uint8_t)parse_range(c, 0, 15, "register");
	expect(c, ",");
	in.src_reg = (uint8_t)parse_range(c, 0, 15, "register");
	expect(c, ",");
	in.off = (int16_t)parse_range(c, INT16_MIN, INT16_MAX, "offset");
	expect(c, ",");
	in.imm = parse_imm(c, true);
	emit(c, in);
}

static void p_stmt(struct asmctx *c)
{
	static const struct {
		const char *kw;
		void (*parse)(struct asmctx *);
	} stmts[] = {
	        {"exit", p_exit}, {"call", p_call},   {"callx", p_callx},
	        {"goto", p_goto}, {"gotol", p_gotol}, {"may_goto", p_may_goto},
	        {"if", p_if},     {"lock", p_lock},   {"store_release", p_store_rel},
	        {".insn", p_raw}, {"*", p_store},
	};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
		if (tok_is(peek(c), stmts[i].kw)) {
			next(c);
			return stmts[i].parse(c);
		}
	}
	p_reg_stmt(c);
}

/* ---- labels ---- */

static uint64_t name_hash(const char *s, int len)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static struct label *label_slot(struct label *tab, size_t cap, const char *s, int len)
{
	size_t i = (size_t)name_hash(s, len) & (cap - 1);
	while (tab[i].name && (tab[i].len != len || memcmp(tab[i].name, s, (size_t)len)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void labels_grow(struct asmctx *c)
{
	size_t cap = c->caplabels ? c->caplabels * 2 : 64;
	struct label *tab = calloc(cap, sizeof *tab);
	if (!tab)
		fail_nomem(c);
	for (size_t i = 0; i < c->caplabels; i++)
		if (c->labels[i].name)
			*label_slot(tab, cap, c->labels[i].name, c->labels[i].len) = c->labels[i];
	free(c->labels);
	c->labels = tab;
	c->caplabels = cap;
}

static void define_label(struct asmctx *c, const struct tok *t)
{
	if (2 * (c->nlabels + 1) > c->caplabels)
		labels_grow(c);
	struct label *l = label_slot(c->labels, c->caplabels, t->s, t->len);
	if (l->name)
		fail(c, "duplicate label '%.*s'", t->len, t->s);
	*l = (struct label){.name = t->s, .len = t->len, .insn = c->n};
	c->nlabels++;
}

static void resolve_fixups(struct asmctx *c)
{
	for (size_t i = 0; i < c->nfix; i++) {
		const struct fixup *f = &c->fix[i];
		struct label *l =
		        c->caplabels ? label_slot(c->labels, c->caplabels, f->name, f->len) : NULL;
		c->lineno = f->line;
		if (!l || !l->name)
			fail(c, "undefined label '%.*s'", f->len, f->name);
		int64_t delta = (int64_t)l->insn - (int64_t)f->insn - 1;
		if (f->kind == FIX_OFF && (delta < INT16_MIN || delta > INT16_MAX))
			fail(c, "offset %" PRId64 " out of range (jump to '%.*s')", delta, f->len,
			     f->name);
		if (f->kind == FIX_OFF)
			c->insns[f->insn].off = (int16_t)delta;
		else
			c->insns[f->insn].imm = (int32_t)delta;
	}
}

/* ---- lines ---- */

/* Strips a verifier-log "12: (bf) " prefix; remembers the opcode as a hint. */
static const char *strip_log_prefix(struct asmctx *c, const char *p, const char *end)
{
	const char *q = p;
	c->hint_code = -1;
	while (q < end && isspace((unsigned char)*q))
		q++;
	const char *digits = q;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	if (q == digits || q == end || *q != ':')
		return p;
	for (q++; q < end && isspace((unsigned char)*q); q++)
		;
	if (q + 3 < end && q[0] == '(' && isxdigit((unsigned char)q[1]) &&
	    isxdigit((unsigned char)q[2]) && q[3] == ')') {
		c->hint_code = (int)strtol((char[]){q[1], q[2], 0}, NULL, 16);
		q += 4;
	}
	return q;
}

static void asm_line(struct asmctx *c, const char *p, const char *end)
{
	p = strip_log_prefix(c, p, end);
	while (p < end && isspace((unsigned char)*p))
		p++;
	c->text = p;
	c->textlen = (int)(end - p < 200 ? end - p : 200);
	lex(c, p, end);
	if (c->ntok >= 2 && c->t[0].kind == T_IDENT && tok_is(&c->t[1], ":")) {
		define_label(c, &c->t[0]);
		c->pos = 2;
	}
	if (peek(c)->kind == T_END)
		return;
	p_stmt(c);
	if (peek(c)->kind != T_END)
		fail_parse(c);
}

/* Kept out of line so nothing of it lives in asm_run's frame across the longjmp. */
__attribute__((noinline)) static void asm_lines(struct asmctx *c, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		if (c->lineno == INT32_MAX)
			fail(c, "too many lines");
		c->lineno++;
		asm_line(c, p, end);
		p = nl ? nl + 1 : end;
	}
	resolve_fixups(c);
}

/* Parse errors longjmp back here. */
static int asm_run(struct asmctx *c, const char *text)
{
	if (setjmp(c->fail))
		return c->err;
	asm_lines(c, text);
	return 0;
}

int userbpf_asm(const char *text, struct bpf_insn **out, size_t *cnt, struct userbpf_error *e)
{
	if (e)
		*e = (struct userbpf_error){.insn = -1};
	if (!text || !out || !cnt) {
		if (e)
			*e = (struct userbpf_error){
			        .err = -EINVAL, .insn = -1, .msg = "bad arguments"};
		return -EINVAL;
	}
	*out = NULL;
	*cnt = 0;
	struct asmctx *c = calloc(1, sizeof *c); /* on the heap: it survives longjmp intact */
	if (!c) {
		if (e)
			*e = (struct userbpf_error){
			        .err = -ENOMEM, .insn = -1, .msg = "out of memory"};
		return -ENOMEM;
	}
	c->e = e;
	int err = asm_run(c, text);
	if (!err && !c->insns && !(c->insns = calloc(1, sizeof *c->insns)))
		err = -ENOMEM;
	if (!err) {
		*out = c->insns;
		*cnt = c->n;
	} else {
		free(c->insns);
	}
	free(c->fix);
	free(c->labels);
	free(c);
	return err;
}
