/* isa_asm_internal.h — the assembler's private types, shared by its files:
 *
 *   isa_asm.c         the entry point, the line loop, errors, statements and control flow
 *   isa_asm_lex.c     one line to a bounded token array (and the kernel-log prefix)
 *   isa_asm_operand.c registers, numbers, memory operands, casts, jump targets
 *   isa_asm_assign.c  everything that starts "rD": ALU, moves, loads, byte swaps, ld_imm64
 *   isa_asm_atomic.c  the atomic forms: lock, atomic_fetch_*, xchg, acquire/release
 *   isa_asm_label.c   the label hash table and the fixups resolved against it
 *
 * A parse error anywhere longjmps back to the line loop with the message already
 * formatted (asm_fail), which keeps the parsers free of error plumbing.
 */
#ifndef USERBPF_ISA_ASM_INTERNAL_H
#define USERBPF_ISA_ASM_INTERNAL_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <userbpf/asm.h>
#include <userbpf/isa.h>

#define ASM_MAX_TOKS 48
#define ASM_MAX_IDENT 64
#define ASM_MAX_INSNS (1u << 24)

#define ASM_NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

struct reg {
	int no;
	char width; /* 'r' or 'w' */
};

/* ---- errors (isa_asm.c): format the message, then longjmp out of the line ---- */

__attribute__((format(printf, 2, 3), noreturn)) void asm_fail(struct asmctx *c, const char *fmt,
                                                              ...);
__attribute__((noreturn)) void asm_fail_nomem(struct asmctx *c);
__attribute__((noreturn)) void asm_fail_parse(struct asmctx *c); /* "cannot parse '...'" */

/* ---- output (isa_asm.c) ---- */

struct bpf_insn *asm_emit(struct asmctx *c, struct bpf_insn in);
void asm_emit_ldimm64(struct asmctx *c, int dst, int src, uint64_t v);

/* ---- lexer (isa_asm_lex.c) ---- */

const char *asm_strip_log_prefix(struct asmctx *c, const char *p, const char *end);
void asm_lex(struct asmctx *c, const char *p, const char *end);

/* ---- tokens: inline, since the parsers call them for every token ---- */

static inline struct tok *asm_peek_at(struct asmctx *c, int k)
{
	int i = c->pos + k;
	return &c->t[i < c->ntok ? i : c->ntok];
}

static inline struct tok *asm_peek(struct asmctx *c)
{
	return asm_peek_at(c, 0);
}

static inline bool asm_tok_is(const struct tok *t, const char *s)
{
	return t->kind != T_END && t->kind != T_NUM && (size_t)t->len == strlen(s) &&
	       !memcmp(t->s, s, (size_t)t->len);
}

static inline struct tok *asm_next(struct asmctx *c)
{
	struct tok *t = asm_peek(c);
	if (c->pos < c->ntok)
		c->pos++;
	return t;
}

static inline bool asm_accept(struct asmctx *c, const char *s)
{
	if (!asm_tok_is(asm_peek(c), s))
		return false;
	asm_next(c);
	return true;
}

static inline void asm_expect(struct asmctx *c, const char *s)
{
	if (!asm_accept(c, s))
		asm_fail_parse(c);
}

/* ---- operands (isa_asm_operand.c) ---- */

struct reg asm_parse_reg(struct asmctx *c, char width); /* width 0: either */
bool asm_at_reg(struct asmctx *c, int k);               /* token k ahead names a register */
const struct tok *asm_parse_signed(struct asmctx *c, bool *neg, uint64_t *mag);
__attribute__((noreturn)) void asm_fail_range(struct asmctx *c, const char *what, bool neg,
                                              const struct tok *num);
int64_t asm_parse_range(struct asmctx *c, int64_t lo, int64_t hi, const char *what);
int32_t asm_parse_imm(struct asmctx *c, bool allow_u32);
int64_t asm_parse_disp(struct asmctx *c, int64_t lo, int64_t hi, const char *what);
struct reg asm_parse_mem(struct asmctx *c, int16_t *off);
int asm_parse_cast(struct asmctx *c, bool *sx);
int32_t asm_parse_target(struct asmctx *c, enum fix_kind kind);

/* ---- statements ---- */

void asm_reg_stmt(struct asmctx *c);                  /* isa_asm_assign.c: "rD ..." */
bool asm_atomic_call(struct asmctx *c, struct reg d); /* isa_asm_atomic.c: "rD = xchg_64(" */
void asm_lock(struct asmctx *c);                      /* isa_asm_atomic.c */
void asm_store_rel(struct asmctx *c);                 /* isa_asm_atomic.c */

/* ---- labels (isa_asm_label.c) ---- */

void asm_define_label(struct asmctx *c, const struct tok *t);
void asm_add_fixup(struct asmctx *c, const struct tok *t, enum fix_kind kind);
void asm_resolve_fixups(struct asmctx *c);

#endif /* USERBPF_ISA_ASM_INTERNAL_H */
