/* ldr_prog.c — programs from executable sections.
 *
 * Every STT_FUNC symbol in an executable section is a function: in .text a subprogram, in
 * any other section a main program whose type comes from the section name (libbpf's table,
 * ldr_secdef.c) — except that a lone .text function is a main program, as in libbpf. As in libbpf,
 * a static function outside .text is refused, an unknown section name is not an error until load
 * (the type may still be set by hand), and a '?' before the section name means "do not load unless
 * asked". Programs are kept sorted by section and offset, so a call target is found by binary
 * search.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"

static int ldr_cmp_progs(const void *a, const void *b)
{
	const struct userbpf_program *x = a, *y = b;
	if (x->sec_idx != y->sec_idx)
		return x->sec_idx < y->sec_idx ? -1 : 1;
	return x->sec_insn_off < y->sec_insn_off ? -1 : x->sec_insn_off > y->sec_insn_off;
}

/* The program starting exactly at instruction insn of section sec, or NULL. */
struct userbpf_program *ldr_prog_at(struct userbpf_object *obj, uint32_t sec, uint32_t insn)
{
	size_t lo = 0, hi = obj->nr_progs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		struct userbpf_program *p = &obj->progs[mid];
		if (p->sec_idx < sec || (p->sec_idx == sec && p->sec_insn_off < insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < obj->nr_progs && obj->progs[lo].sec_idx == sec &&
	    obj->progs[lo].sec_insn_off == insn)
		return &obj->progs[lo];
	return NULL;
}

static void ldr_prog_set_type(struct userbpf_program *p, const char *sec_name)
{
	const struct ldr_sec_def *d = ldr_find_sec_def(sec_name);
	p->sec_def = d;
	if (d) {
		p->type = d->prog_type;
		p->attach_type = d->attach_type;
	}
}

static int ldr_prog_add(struct userbpf_object *obj, uint32_t *cap, uint32_t sec_idx, uint32_t sym)
{
	const struct ldr_sec *sec = &obj->secs[sec_idx];
	Elf64_Sym s;
	ldr_sym(obj, sym, &s);
	const char *name = ldr_sym_name(obj, sym);
	if (!*name)
		return ldr_err(obj, -EINVAL,
		               "section '%s': function symbol #%u at offset %llu has no name",
		               sec->name, sym, (unsigned long long)s.st_value);
	if (s.st_value > sec->size || s.st_size > sec->size - s.st_value)
		return ldr_err(obj, -EINVAL,
		               "section '%s', function '%s': offset %llu size %llu crosses the "
		               "section end (%zu)",
		               sec->name, name, (unsigned long long)s.st_value,
		               (unsigned long long)s.st_size, sec->size);
	if (s.st_value % LDR_INSN_SZ || s.st_size % LDR_INSN_SZ || !s.st_size)
		return ldr_err(obj, -EINVAL,
		               "section '%s', function '%s': offset %llu size %llu is not whole "
		               "instructions",
		               sec->name, name, (unsigned long long)s.st_value,
		               (unsigned long long)s.st_size);
	bool text = sec->kind == LDR_SEC_TEXT;
	if (!text && ELF64_ST_BIND(s.st_info) == STB_LOCAL)
		return ldr_err(obj, -EOPNOTSUPP,
		               "section '%s', program '%s': static programs are not supported "
		               "(make it global or move it to .text)",
		               sec->name, name);
	int err = ldr_grow((void **)&obj->progs, obj->nr_progs, cap, sizeof *obj->progs);
	if (err)
		return err;
	struct userbpf_program *p = &obj->progs[obj->nr_progs];
	p->obj = obj;
	p->name = ldr_strdup(name);
	const char *sname = sec->name[0] == '?' ? sec->name + 1 : sec->name;
	p->sec_name = ldr_strdup(sname);
	if (!p->name || !p->sec_name) {
		free(p->name);
		free(p->sec_name);
		return -ENOMEM;
	}
	obj->nr_progs++;
	p->sec_idx = sec_idx;
	p->sec_insn_off = (uint32_t)(s.st_value / LDR_INSN_SZ);
	p->sec_insn_cnt = (uint32_t)(s.st_size / LDR_INSN_SZ);
	p->is_subprog = text;
	p->autoload = !text && sec->name[0] != '?';
	p->fd = -1;
	p->log_level = obj->kernel_log_level;
	p->sub_insn_off = UINT32_MAX;
	if (!text)
		ldr_prog_set_type(p, sname);
	if (!text && !p->sec_def)
		ldr_debug(obj, "section '%s', program '%s': unrecognized section name", sname,
		          name);
	return 0;
}

int ldr_progs_init(struct userbpf_object *obj)
{
	uint32_t cap = 0;
	for (uint32_t sec = 1; sec < obj->nr_secs; sec++) {
		enum ldr_sec_kind k = obj->secs[sec].kind;
		if (k != LDR_SEC_PROG && k != LDR_SEC_TEXT)
			continue;
		for (uint32_t i = 1; i < obj->nr_syms; i++) {
			Elf64_Sym s;
			ldr_sym(obj, i, &s);
			if (s.st_shndx != sec || ELF64_ST_TYPE(s.st_info) != STT_FUNC)
				continue;
			int err = ldr_prog_add(obj, &cap, sec, i);
			if (err)
				return err;
		}
	}
	if (obj->nr_progs)
		qsort(obj->progs, obj->nr_progs, sizeof *obj->progs, ldr_cmp_progs);
	/* libbpf's legacy rule: an object whose only function is in .text (no SEC()) has it as
	 * an entry point; its type must then be set by hand */
	if (obj->nr_progs == 1 && obj->progs[0].is_subprog) {
		obj->progs[0].is_subprog = false;
		obj->progs[0].autoload = true;
	}
	/* functions must not overlap: each instruction belongs to one function */
	for (uint32_t i = 1; i < obj->nr_progs; i++) {
		const struct userbpf_program *a = &obj->progs[i - 1], *b = &obj->progs[i];
		if (a->sec_idx == b->sec_idx && a->sec_insn_off + a->sec_insn_cnt > b->sec_insn_off)
			return ldr_err(obj, -EINVAL,
			               "section '%s': functions '%s' and '%s' overlap at insn %u",
			               ldr_sec_name(obj, a->sec_idx), a->name, b->name,
			               b->sec_insn_off);
	}
	return 0;
}
