/* pt_ctx_rewrite.c — one routine that rewrites a ctx field access onto an internal ctx,
 * driven by a table of fields (struct pt_ctx_field): where the value lives, how many bytes
 * the kernel loads, and the little arithmetic some fields need after the load (a mask, a
 * shift, a constant zero). Every type whose conversion is "load or store this many bytes
 * there" describes its ctx as such a table instead of a switch.
 */
#include "progtypes/pt_internal.h"

const struct pt_ctx_field *pt_ctx_field_at(const struct pt_ctx_field *tab, size_t n, int off)
{
	for (size_t i = 0; i < n; i++)
		if (off >= tab[i].start && off <= tab[i].end)
			return &tab[i];
	return NULL;
}

uint32_t pt_ctx_rewrite(const struct pt_ctx_field *f, enum bpf_access_type t,
                        const struct bpf_insn *si, struct bpf_insn *out, uint32_t *target_size)
{
	bool ranged = f->flags & PT_CF_RANGED;
	if ((f->flags & PT_CF_NONE) || (!ranged && si->off != f->start))
		return 0; /* the kernel's switch has no case for it */
	int16_t ioff = (int16_t)(f->ioff + (ranged ? si->off - f->start : 0));
	uint8_t sz = (f->flags & PT_CF_ACCESS_SIZE) ? BPF_SIZE(si->code) : pt_size_code(f->size);
	uint8_t dst = si->dst_reg;
	uint32_t n = 0;
	if (f->flags & PT_CF_TARGET)
		*target_size = f->size;
	if (t == BPF_WRITE) {
		if (f->flags & PT_CF_U16_STORE) {
			/* a constant out of range is dropped; a register is tested first */
			if (BPF_CLASS(si->code) == BPF_ST && si->imm >= 0xffff) {
				out[n++] = pt_ja(0);
				return n;
			}
			if (BPF_CLASS(si->code) == BPF_STX)
				out[n++] = pt_jmp_imm(BPF_JGE, si->src_reg, 0xffff, 1);
		}
		out[n++] = pt_store_like(sz, si, ioff);
		return n;
	}
	if (f->flags & PT_CF_ZERO)
		out[n++] = pt_insn(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, 0);
	else
		out[n++] = pt_ldx(sz, dst, si->src_reg, ioff);
	if (f->flags & PT_CF_AND)
		out[n++] = pt_alu32_imm(BPF_AND, dst, f->imm);
	if (f->flags & PT_CF_LSH)
		out[n++] = pt_alu32_imm(BPF_LSH, dst, f->imm);
	return n;
}

uint32_t pt_ctx_rewrite_in(const struct pt_ctx_field *tab, size_t n, enum bpf_access_type t,
                           const struct bpf_insn *si, struct bpf_insn *out, uint32_t *target_size)
{
	const struct pt_ctx_field *f = pt_ctx_field_at(tab, n, si->off);
	return f ? pt_ctx_rewrite(f, t, si, out, target_size) : 0;
}
