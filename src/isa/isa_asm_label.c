/* isa_asm_label.c — labels ("name:" before an instruction) and references to them.
 *
 * A reference is recorded as a fixup (which field of which instruction, which name) and
 * resolved once every label is known, so forward jumps need no second pass over the text.
 * Names point into the source text; the table is open addressing so huge inputs stay
 * linear.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "isa_asm_internal.h"

/* FNV-1a: cheap, and good enough for names */
static uint64_t name_hash(const char *s, int len)
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* Linear probing: the slot holding the name, or the empty slot where it belongs. */
static struct label *label_slot(struct label *tab, size_t cap, const char *s, int len)
{
	size_t i = (size_t)name_hash(s, len) & (cap - 1);
	while (tab[i].name && (tab[i].len != len || memcmp(tab[i].name, s, (size_t)len)))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* Kept at most half full, so probe runs stay short. */
static void labels_grow(struct asmctx *c)
{
	size_t cap = c->caplabels ? c->caplabels * 2 : 64;
	struct label *tab = calloc(cap, sizeof *tab);
	if (!tab)
		asm_fail_nomem(c);
	for (size_t i = 0; i < c->caplabels; i++)
		if (c->labels[i].name)
			*label_slot(tab, cap, c->labels[i].name, c->labels[i].len) = c->labels[i];
	free(c->labels);
	c->labels = tab;
	c->caplabels = cap;
}

void asm_define_label(struct asmctx *c, const struct tok *t)
{
	if (2 * (c->nlabels + 1) > c->caplabels)
		labels_grow(c);
	struct label *l = label_slot(c->labels, c->caplabels, t->s, t->len);
	if (l->name)
		asm_fail(c, "duplicate label '%.*s'", t->len, t->s);
	*l = (struct label){.name = t->s, .len = t->len, .insn = c->n};
	c->nlabels++;
}

/* Records that the instruction about to be emitted refers to the label t names. */
void asm_add_fixup(struct asmctx *c, const struct tok *t, enum fix_kind kind)
{
	if (c->nfix == c->capfix) {
		size_t cap = c->capfix ? c->capfix * 2 : 16;
		struct fixup *p = realloc(c->fix, cap * sizeof *p);
		if (!p)
			asm_fail_nomem(c);
		c->fix = p;
		c->capfix = cap;
	}
	c->fix[c->nfix++] = (struct fixup){
	        .name = t->s, .len = t->len, .line = c->lineno, .insn = c->n, .kind = kind};
}

/* Runs after the last line: a label may be used before it is defined. */
void asm_resolve_fixups(struct asmctx *c)
{
	for (size_t i = 0; i < c->nfix; i++) {
		const struct fixup *f = &c->fix[i];
		struct label *l =
		        c->caplabels ? label_slot(c->labels, c->caplabels, f->name, f->len) : NULL;
		c->lineno = f->line;
		if (!l || !l->name)
			asm_fail(c, "undefined label '%.*s'", f->len, f->name);
		int64_t delta = (int64_t)l->insn - (int64_t)f->insn - 1;
		if (f->kind == FIX_OFF && (delta < INT16_MIN || delta > INT16_MAX))
			asm_fail(c, "offset %" PRId64 " out of range (jump to '%.*s')", delta,
			         f->len, f->name);
		if (f->kind == FIX_OFF)
			c->insns[f->insn].off = (int16_t)delta;
		else
			c->insns[f->insn].imm = (int32_t)delta;
	}
}
