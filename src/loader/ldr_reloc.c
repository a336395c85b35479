/* ldr_reloc.c — the relocation records of program sections (.rel<section>).
 *
 * Each ELF relocation names an instruction and a symbol; what it means depends on both,
 * as in libbpf's bpf_program__record_reloc: a call to a function in .text (BPF_PSEUDO_CALL),
 * an ld_imm64 of a function's address (a callback: BPF_PSEUDO_FUNC), of a map defined in
 * .maps / maps (BPF_PSEUDO_MAP_FD), of a global variable (BPF_PSEUDO_MAP_VALUE into its
 * section's map) or of a .kconfig extern. Nothing is patched here: the records are kept per
 * section, sorted by instruction, and applied when each program is linked (ldr_link.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"

static int ldr_cmp_relos(const void *a, const void *b)
{
	const struct ldr_reloc *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

const struct ldr_reloc *ldr_find_relo(const struct ldr_sec *sec, uint32_t insn)
{
	size_t lo = 0, hi = sec->nr_relos;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sec->relos[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sec->nr_relos && sec->relos[lo].insn == insn ? &sec->relos[lo] : NULL;
}

static const char *ldr_relo_sym_name(const struct userbpf_object *obj, uint32_t symi,
                                     const Elf64_Sym *s)
{
	if (ELF64_ST_TYPE(s->st_info) == STT_SECTION && s->st_name == 0)
		return ldr_sec_name(obj, s->st_shndx);
	const char *n = ldr_sym_name(obj, symi);
	return *n ? n : "<?>";
}

static bool ldr_is_call(const struct bpf_insn *in)
{
	return in->code == (BPF_JMP | BPF_CALL);
}

static bool ldr_is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* One relocation: what it refers to. */
static int ldr_relo_record(struct userbpf_object *obj, uint32_t sec_idx, uint32_t insn_idx,
                           uint32_t symi, struct ldr_reloc *r)
{
	const struct ldr_sec *sec = &obj->secs[sec_idx];
	struct bpf_insn insn;
	memcpy(&insn, sec->data + (size_t)insn_idx * LDR_INSN_SZ, sizeof insn);
	Elf64_Sym s;
	ldr_sym(obj, symi, &s);
	const char *name = ldr_relo_sym_name(obj, symi, &s);
	struct userbpf_program *prog = NULL;
	for (uint32_t i = 0; i < obj->nr_progs; i++) {
		struct userbpf_program *p = &obj->progs[i];
		if (p->sec_idx == sec_idx && insn_idx >= p->sec_insn_off &&
		    insn_idx < p->sec_insn_off + p->sec_insn_cnt)
			prog = p;
	}
	char where[200];
	snprintf(where, sizeof where, "section '%s', %s '%s', insn %u (offset %u)", sec->name,
	         prog && prog->is_subprog ? "function" : "program", prog ? prog->name : "<none>",
	         prog ? insn_idx - prog->sec_insn_off : insn_idx, insn_idx * LDR_INSN_SZ);
	r->insn = insn_idx;
	r->sym = symi;
	r->map_idx = -1;
	if (!ldr_is_call(&insn) && !ldr_is_ldimm64(&insn))
		return ldr_err(obj, -EINVAL,
		               "%s: relocation against '%s' on insn code 0x%02x (not "
		               "a call or ld_imm64)",
		               where, name, insn.code);
	if (ldr_is_ldimm64(&insn) && (size_t)(insn_idx + 1) * LDR_INSN_SZ >= sec->size)
		return ldr_err(obj, -EINVAL, "%s: relocated ld_imm64 is truncated", where);
	/* externs */
	if (s.st_shndx == SHN_UNDEF) {
		for (uint32_t i = 0; i < obj->nr_externs; i++)
			if (obj->externs[i].sym == symi) {
				if (!ldr_is_ldimm64(&insn))
					return ldr_err(obj, -EINVAL, "%s: call to extern '%s'",
					               where, name);
				r->type = LDR_RELO_EXTERN;
				r->map_idx = obj->kconfig_map;
				r->sym_off = obj->externs[i].data_off;
				return 0;
			}
		return ldr_err(obj, -ESRCH, "%s: relocation against undefined symbol '%s'", where,
		               name);
	}
	if (ldr_is_call(&insn)) {
		if (insn.src_reg != BPF_PSEUDO_CALL)
			return ldr_err(obj, -EINVAL,
			               "%s: relocated call to '%s' is not a BPF_PSEUDO_CALL", where,
			               name);
		if (!obj->text_sec || s.st_shndx != obj->text_sec)
			return ldr_err(obj, -EINVAL, "%s: call to '%s' in section '%s' (not .text)",
			               where, name, ldr_sec_name(obj, s.st_shndx));
		if (s.st_value % LDR_INSN_SZ)
			return ldr_err(obj, -EINVAL, "%s: call to '%s' at unaligned offset %llu",
			               where, name, (unsigned long long)s.st_value);
		r->type = LDR_RELO_CALL;
		r->sym_off = (uint32_t)s.st_value;
		return 0;
	}
	if (s.st_shndx >= obj->nr_secs || s.st_shndx >= SHN_LORESERVE)
		return ldr_err(obj, -EINVAL,
		               "%s: relocation against '%s' in special section 0x%x (uninitialized "
		               "global variable?)",
		               where, name, s.st_shndx);
	const struct ldr_sec *ts = &obj->secs[s.st_shndx];
	if (s.st_shndx == obj->text_sec && obj->text_sec &&
	    (ELF64_ST_TYPE(s.st_info) == STT_FUNC || ELF64_ST_TYPE(s.st_info) == STT_SECTION)) {
		if (s.st_value % LDR_INSN_SZ || insn.imm % (int32_t)LDR_INSN_SZ)
			return ldr_err(obj, -EINVAL,
			               "%s: address of '%s' at unaligned offset %llu+%d", where,
			               name, (unsigned long long)s.st_value, insn.imm);
		r->type = LDR_RELO_SUBPROG_ADDR;
		r->sym_off = (uint32_t)s.st_value;
		return 0;
	}
	if (ts->kind == LDR_SEC_MAPS || ts->kind == LDR_SEC_LEGACY) {
		for (uint32_t i = 0; i < obj->nr_maps; i++) {
			const struct userbpf_map *m = &obj->maps[i];
			if ((m->kind == LDR_MAP_BTF || m->kind == LDR_MAP_LEGACY) &&
			    m->sec_idx == s.st_shndx && m->sec_off == s.st_value) {
				r->type = LDR_RELO_MAP;
				r->map_idx = (int)i;
				return 0;
			}
		}
		return ldr_err(obj, -ENOENT, "%s: no map '%s' at offset %llu of section '%s'",
		               where, name, (unsigned long long)s.st_value, ts->name);
	}
	if (ts->kind == LDR_SEC_DATA || ts->kind == LDR_SEC_RODATA || ts->kind == LDR_SEC_BSS) {
		if (ts->map_idx < 0)
			return ldr_err(obj, -ENOENT,
			               "%s: no map for data section '%s' (symbol '%s')", where,
			               ts->name, name);
		if (s.st_value > ts->size)
			return ldr_err(obj, -EINVAL, "%s: symbol '%s' at %llu is outside '%s'",
			               where, name, (unsigned long long)s.st_value, ts->name);
		r->type = LDR_RELO_DATA;
		r->map_idx = ts->map_idx;
		r->sym_off = (uint32_t)s.st_value;
		return 0;
	}
	return ldr_err(obj, -EINVAL,
	               "%s: relocation against '%s' in section '%s', which is not "
	               "a map, data or code section",
	               where, name, ts->name);
}

static int ldr_sec_relos(struct userbpf_object *obj, uint32_t sec_idx)
{
	struct ldr_sec *sec = &obj->secs[sec_idx];
	const struct ldr_sec *rs = &obj->secs[sec->rel_sec];
	size_t n = rs->data ? rs->size / sizeof(Elf64_Rel) : 0;
	if (!n)
		return 0;
	if (n > UINT32_MAX / 2)
		return ldr_err(obj, -E2BIG, "section '%s': too many relocations", rs->name);
	sec->relos = calloc(n, sizeof *sec->relos);
	if (!sec->relos)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		Elf64_Rel rel;
		memcpy(&rel, rs->data + i * sizeof rel, sizeof rel);
		uint32_t symi = (uint32_t)ELF64_R_SYM(rel.r_info);
		if (!symi || symi >= obj->nr_syms)
			return ldr_err(obj, -EINVAL,
			               "section '%s': relocation #%zu: symbol #%u not found",
			               rs->name, i, symi);
		if (rel.r_offset % LDR_INSN_SZ || rel.r_offset >= sec->size || !sec->data)
			return ldr_err(
			        obj, -EINVAL,
			        "section '%s': relocation #%zu: invalid offset 0x%llx for section "
			        "'%s' (%zu bytes)",
			        rs->name, i, (unsigned long long)rel.r_offset, sec->name,
			        sec->size);
		int err = ldr_relo_record(obj, sec_idx, (uint32_t)(rel.r_offset / LDR_INSN_SZ),
		                          symi, &sec->relos[sec->nr_relos]);
		if (err)
			return err;
		sec->nr_relos++;
	}
	qsort(sec->relos, sec->nr_relos, sizeof *sec->relos, ldr_cmp_relos);
	for (uint32_t i = 1; i < sec->nr_relos; i++)
		if (sec->relos[i].insn == sec->relos[i - 1].insn)
			return ldr_err(obj, -EINVAL, "section '%s': two relocations for insn %u",
			               sec->name, sec->relos[i].insn);
	return 0;
}

int ldr_relos_init(struct userbpf_object *obj)
{
	for (uint32_t i = 1; i < obj->nr_secs; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if ((s->kind == LDR_SEC_PROG || s->kind == LDR_SEC_TEXT) && s->rel_sec) {
			int err = ldr_sec_relos(obj, i);
			if (err)
				return err;
		}
	}
	return 0;
}
