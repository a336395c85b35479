/* isa_asm.c — text to instructions: the inverse of isa_disasm.c.
 *
 * Each line is lexed into a bounded token array (isa_asm_lex.c), then parsed by recursive
 * descent on its first tokens: this file dispatches statements and parses the ones that do
 * not start with a register (control flow, stores); isa_asm_assign.c and isa_asm_atomic.c
 * parse the rest. A parse error anywhere longjmps back to the line loop here with the
 * message already formatted, which keeps the parsers free of error plumbing. Label
 * references are recorded as fixups and resolved once every label is known
 * (isa_asm_label.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "isa_asm_internal.h"
#include "isa_text.h"

/* ---- errors ---- */

void asm_fail(struct asmctx *c, const char *fmt, ...)
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

void asm_fail_nomem(struct asmctx *c)
{
	if (c->e) {
		snprintf(c->e->msg, sizeof c->e->msg, "out of memory");
		c->e->insn = c->lineno;
		c->e->err = -ENOMEM;
	}
	c->err = -ENOMEM;
	longjmp(c->fail, 1);
}

/* The generic error: the line itself (trimmed, at most 80 characters). */
void asm_fail_parse(struct asmctx *c)
{
	int len = c->textlen;
	while (len > 0 && isspace((unsigned char)c->text[len - 1]))
		len--;
	asm_fail(c, "cannot parse '%.*s'", len > 80 ? 80 : len, c->text);
}

/* ---- output ---- */

/* Appends one instruction, doubling the array as needed. */
struct bpf_insn *asm_emit(struct asmctx *c, struct bpf_insn in)
{
	if (c->n == c->cap) {
		if (c->cap >= ASM_MAX_INSNS)
			asm_fail(c, "too many instructions (limit %u)", ASM_MAX_INSNS);
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct bpf_insn *p = realloc(c->insns, cap * sizeof *p);
		if (!p)
			asm_fail_nomem(c);
		c->insns = p;
		c->cap = cap;
	}
	c->insns[c->n] = in;
	return &c->insns[c->n++];
}

/* The 16-byte ld_imm64: the low half in the first imm, the high half in the second. */
void asm_emit_ldimm64(struct asmctx *c, int dst, int src, uint64_t v)
{
	asm_emit(c, (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW,
	                              .dst_reg = dst,
	                              .src_reg = src,
	                              .imm = (int32_t)(uint32_t)v});
	asm_emit(c, (struct bpf_insn){.imm = (int32_t)(uint32_t)(v >> 32)});
}

/* ---- statements that do not start with a register ---- */

/* "if rD op rS|imm goto target" */
static void p_if(struct asmctx *c)
{
	struct reg d = asm_parse_reg(c, 0);
	struct tok *op = asm_next(c);
	int opi = -1;
	for (int i = 0; i < 16 && opi < 0; i++)
		if (isa_text_jmp_ops[i] && asm_tok_is(op, isa_text_jmp_ops[i]))
			opi = i;
	if (opi < 0)
		asm_fail_parse(c);
	struct bpf_insn in = {.code = (d.width == 'w' ? BPF_JMP32 : BPF_JMP) | opi << 4,
	                      .dst_reg = d.no};
	if (asm_at_reg(c, 0)) {
		in.code |= BPF_X;
		in.src_reg = asm_parse_reg(c, d.width).no;
	} else {
		in.imm = asm_parse_imm(c, d.width == 'w');
	}
	asm_expect(c, "goto");
	in.off = (int16_t)asm_parse_target(c, FIX_OFF);
	asm_emit(c, in);
}

static void p_goto(struct asmctx *c)
{
	int16_t off = (int16_t)asm_parse_target(c, FIX_OFF);
	asm_emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_JA, .off = off});
}

/* The 32-bit-range jump: the offset lives in imm. */
static void p_gotol(struct asmctx *c)
{
	int32_t imm = asm_parse_target(c, FIX_IMM);
	asm_emit(c, (struct bpf_insn){.code = BPF_JMP32 | BPF_JA, .imm = imm});
}

static void p_may_goto(struct asmctx *c)
{
	int16_t off = (int16_t)asm_parse_target(c, FIX_OFF);
	asm_emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_JCOND, .off = off});
}

/* "call 1", "call pc+5", "call label", "call kfunc 123[, off]", "call name#1" (kernel log) */
static void p_call(struct asmctx *c)
{
	struct bpf_insn in = {.code = BPF_JMP | BPF_CALL};
	struct tok *t = asm_peek(c);

	if (asm_tok_is(t, "kfunc") && asm_peek_at(c, 1)->kind != T_END) {
		asm_next(c);
		in.src_reg = BPF_PSEUDO_KFUNC_CALL;
		in.imm = asm_parse_imm(c, true);
		if (asm_accept(c, ","))
			in.off = (int16_t)asm_parse_range(c, INT16_MIN, INT16_MAX, "offset");
	} else if (t->kind == T_IDENT && asm_tok_is(asm_peek_at(c, 1), "#")) {
		asm_next(c);
		asm_next(c);
		in.imm = asm_parse_imm(c, true);
	} else if (t->kind == T_IDENT) { /* "pc+N" or a label */
		in.src_reg = BPF_PSEUDO_CALL;
		in.imm = asm_parse_target(c, FIX_IMM);
	} else {
		in.imm = asm_parse_imm(c, true);
	}
	asm_emit(c, in);
}

static void p_callx(struct asmctx *c)
{
	struct reg r = asm_parse_reg(c, 'r');
	asm_emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_CALL | BPF_X, .dst_reg = r.no});
}

static void p_exit(struct asmctx *c)
{
	asm_emit(c, (struct bpf_insn){.code = BPF_JMP | BPF_EXIT});
}

/* ".insn CODE, DST, SRC, OFF, IMM": any encoding, valid or not, byte for byte. */
static void p_raw(struct asmctx *c)
{
	struct bpf_insn in;
	in.code = (uint8_t)asm_parse_range(c, 0, 255, "opcode");
	asm_expect(c, ",");
	in.dst_reg = (uint8_t)asm_parse_range(c, 0, 15, "register");
	asm_expect(c, ",");
	in.src_reg = (uint8_t)asm_parse_range(c, 0, 15, "register");
	asm_expect(c, ",");
	in.off = (int16_t)asm_parse_range(c, INT16_MIN, INT16_MAX, "offset");
	asm_expect(c, ",");
	in.imm = asm_parse_imm(c, true);
	asm_emit(c, in);
}

/* "*(u32 *)(r10 - 4) = 5" / "*(u64 *)(r10 - 8) = r1" (w1 accepted too) */
static void p_store(struct asmctx *c)
{
	int16_t off;
	int size = asm_parse_cast(c, NULL);
	struct reg base = asm_parse_mem(c, &off);
	asm_expect(c, "=");
	struct bpf_insn in = {.dst_reg = base.no, .off = off};
	if (asm_at_reg(c, 0)) {
		in.code = BPF_STX | BPF_MEM | size;
		in.src_reg = asm_parse_reg(c, 0).no;
	} else {
		in.code = BPF_ST | BPF_MEM | size;
		in.imm = asm_parse_imm(c, size != BPF_DW);
	}
	asm_emit(c, in);
}

/* A statement, by its first token; anything else must start with a register. */
static void p_stmt(struct asmctx *c)
{
	static const struct {
		const char *kw;
		void (*parse)(struct asmctx *);
	} stmts[] = {
	        {"exit", p_exit}, {"call", p_call},   {"callx", p_callx},
	        {"goto", p_goto}, {"gotol", p_gotol}, {"may_goto", p_may_goto},
	        {"if", p_if},     {"lock", asm_lock}, {"store_release", asm_store_rel},
	        {".insn", p_raw}, {"*", p_store},
	};
	for (size_t i = 0; i < ASM_NELEM(stmts); i++) {
		if (asm_tok_is(asm_peek(c), stmts[i].kw)) {
			asm_next(c);
			return stmts[i].parse(c);
		}
	}
	asm_reg_stmt(c);
}

/* ---- lines ---- */

/* One line: an optional log prefix, an optional "label:", an optional statement. */
static void asm_line(struct asmctx *c, const char *p, const char *end)
{
	p = asm_strip_log_prefix(c, p, end);
	while (p < end && isspace((unsigned char)*p))
		p++;
	c->text = p;
	c->textlen = (int)(end - p < 200 ? end - p : 200);
	asm_lex(c, p, end);
	if (c->ntok >= 2 && c->t[0].kind == T_IDENT && asm_tok_is(&c->t[1], ":")) {
		asm_define_label(c, &c->t[0]);
		c->pos = 2;
	}
	if (asm_peek(c)->kind == T_END)
		return;
	p_stmt(c);
	if (asm_peek(c)->kind != T_END)
		asm_fail_parse(c);
}

/* Kept out of line so nothing of it lives in asm_run's frame across the longjmp. */
__attribute__((noinline)) static void asm_lines(struct asmctx *c, const char *text)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		if (c->lineno == INT32_MAX)
			asm_fail(c, "too many lines");
		c->lineno++;
		asm_line(c, p, end);
		p = nl ? nl + 1 : end;
	}
	asm_resolve_fixups(c);
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
