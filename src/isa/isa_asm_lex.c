/* isa_asm_lex.c — one source line to a bounded token array.
 *
 * Tokens are names (letters, digits, '_' and '.'), numbers (decimal or 0x) and operators
 * (the multi-character ones below, else one character). The array is bounded so that a
 * line's parse needs no allocation; the parsers never look past the T_END sentinel.
 */
#include <ctype.h>
#include <stdlib.h>

#include "isa_asm_internal.h"

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
	for (size_t i = 0; i < ASM_NELEM(lex_ops); i++) {
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
	asm_fail(c, "%s '%.*s'", over ? "number too large" : "bad number",
	         t->len > 40 ? 40 : t->len, p);
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
		asm_fail(c, "name too long '%.40s...'", p);
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

void asm_lex(struct asmctx *c, const char *p, const char *end)
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
			asm_fail(c, "line too long (more than %d tokens)", ASM_MAX_TOKS);
		if (is_ident_start(ch)) {
			p = lex_ident(c, t, p, end);
		} else if (isdigit(ch)) {
			p = lex_number(c, t, p, end);
		} else if (ispunct(ch)) {
			*t = (struct tok){.kind = T_PUNCT, .s = p, .len = lex_punct_len(p, end)};
			p += t->len;
		} else {
			asm_fail(c, "unexpected character 0x%02x", ch);
		}
		c->ntok++;
	}
	c->t[c->ntok] = (struct tok){.kind = T_END, .s = end, .len = 0};
}

/* Strips a verifier-log "12: (bf) " prefix; remembers the opcode as a hint (an (18) says a
 * small constant is still an ld_imm64). */
const char *asm_strip_log_prefix(struct asmctx *c, const char *p, const char *end)
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
