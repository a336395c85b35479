/* ldr_elf.c — read the ELF container with libelf: header checks, the section table, the
 * symbol table, license and version; every section gets its role (enum ldr_sec_kind).
 *
 * The roles are libbpf's: executable PROGBITS are programs (.text holds subprograms),
 * .data*, .rodata* and .bss* are global data, "maps" is the legacy map section and ".maps"
 * the BTF-defined one. Section data comes from elf_getdata, which checks that it lies in
 * the file; everything else that could be out of range (symbol names, indices, sizes) is
 * checked here before anyone uses it, because the input may be hostile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

void ldr_sym(const struct userbpf_object *obj, uint32_t i, void *out)
{
	memcpy(out, obj->syms + (size_t)i * sizeof(Elf64_Sym), sizeof(Elf64_Sym));
}

static const char *ldr_str_at(const char *tab, size_t size, size_t off)
{
	if (!tab || off >= size || !memchr(tab + off, 0, size - off))
		return NULL;
	return tab + off;
}

const char *ldr_sym_name(const struct userbpf_object *obj, uint32_t i)
{
	if (i >= obj->nr_syms)
		return "";
	Elf64_Sym s;
	ldr_sym(obj, i, &s);
	const char *n = ldr_str_at(obj->strtab, obj->strtab_size, s.st_name);
	return n ? n : "";
}

const char *ldr_sec_name(const struct userbpf_object *obj, uint32_t sec)
{
	if (sec >= obj->nr_secs || !obj->secs[sec].name)
		return "<bad>";
	return obj->secs[sec].name;
}

int ldr_find_sym(const struct userbpf_object *obj, const char *name, int sec, int stt)
{
	for (uint32_t i = 1; i < obj->nr_syms; i++) {
		Elf64_Sym s;
		ldr_sym(obj, i, &s);
		if (sec >= 0 && s.st_shndx != (uint32_t)sec)
			continue;
		if (stt >= 0 && ELF64_ST_TYPE(s.st_info) != stt)
			continue;
		if (!strcmp(ldr_sym_name(obj, i), name))
			return (int)i;
	}
	return -1;
}

static bool ldr_has_pfx(const char *s, const char *pfx)
{
	return strncmp(s, pfx, strlen(pfx)) == 0;
}

/* A data section name: exactly base, or base followed by ".something". */
static bool ldr_is_data_name(const char *name, const char *base)
{
	size_t n = strlen(base);
	return strncmp(name, base, n) == 0 && (name[n] == 0 || name[n] == '.');
}

static int ldr_elf_header(struct userbpf_object *obj, Elf *elf)
{
	if (elf_kind(elf) != ELF_K_ELF)
		return ldr_err(obj, -EINVAL, "not an ELF file");
	size_t idlen = 0;
	const char *ident = elf_getident(elf, &idlen);
	if (!ident || idlen < EI_NIDENT)
		return ldr_err(obj, -EINVAL, "truncated ELF header");
	if (ident[EI_CLASS] != ELFCLASS64)
		return ldr_err(obj, -EINVAL, "not a 64-bit ELF (EI_CLASS %d)", ident[EI_CLASS]);
	if (ident[EI_DATA] != ELFDATA2LSB)
		return ldr_err(
		        obj, -EINVAL,
		        "not a little-endian ELF (EI_DATA %d): big-endian BPF is not supported",
		        ident[EI_DATA]);
	Elf64_Ehdr *peh = elf64_getehdr(elf), ehc, *eh = &ehc;
	if (!peh)
		return ldr_err(obj, -EINVAL, "bad ELF header: %s", elf_errmsg(-1));
	memcpy(&ehc, peh, sizeof ehc);
	if (eh->e_machine != EM_BPF)
		return ldr_err(obj, -EINVAL, "not a BPF object: e_machine %u (EM_BPF is %u)",
		               eh->e_machine, EM_BPF);
	if (eh->e_type != ET_REL)
		return ldr_err(obj, -EINVAL, "not a relocatable object: e_type %u", eh->e_type);
	return 0;
}

static int ldr_elf_license(struct userbpf_object *obj, const struct ldr_sec *s)
{
	size_t n = s->size < sizeof obj->license - 1 ? s->size : sizeof obj->license - 1;
	if (s->data)
		memcpy(obj->license, s->data, n);
	obj->license[n] = 0;
	return 0;
}

static int ldr_elf_version(struct userbpf_object *obj, const struct ldr_sec *s, uint32_t idx)
{
	if (s->size != sizeof(uint32_t) || !s->data)
		return ldr_err(obj, -EINVAL, "section '%s' (#%u): invalid kernel version size %zu",
		               s->name, idx, s->size);
	memcpy(&obj->kversion, s->data, sizeof obj->kversion);
	return 0;
}

static int ldr_elf_symtab(struct userbpf_object *obj, uint32_t idx)
{
	struct ldr_sec *s = &obj->secs[idx];
	if (obj->symtab_sec)
		return ldr_err(obj, -EINVAL, "section '%s' (#%u): more than one symbol table",
		               s->name, idx);
	if (s->link >= obj->nr_secs || obj->secs[s->link].sh_type != SHT_STRTAB)
		return ldr_err(obj, -EINVAL,
		               "section '%s' (#%u): symbol table links to a bad string table %u",
		               s->name, idx, s->link);
	obj->symtab_sec = idx;
	obj->syms = s->data;
	obj->nr_syms = s->data ? (uint32_t)(s->size / sizeof(Elf64_Sym)) : 0;
	obj->strtab = (const char *)obj->secs[s->link].data;
	obj->strtab_size = obj->secs[s->link].data ? obj->secs[s->link].size : 0;
	s->kind = LDR_SEC_SYMTAB;
	return 0;
}

/* The role of a section from its name, type and flags. */
static int ldr_elf_classify(struct userbpf_object *obj, uint32_t idx)
{
	struct ldr_sec *s = &obj->secs[idx];
	const char *name = s->name;
	if (!strcmp(name, "license")) {
		s->kind = LDR_SEC_LICENSE;
		return ldr_elf_license(obj, s);
	}
	if (!strcmp(name, "version")) {
		s->kind = LDR_SEC_VERSION;
		return ldr_elf_version(obj, s, idx);
	}
	if (!strcmp(name, "maps")) {
		s->kind = LDR_SEC_LEGACY;
		obj->legacy_sec = idx;
		return 0;
	}
	if (!strcmp(name, ".maps")) {
		s->kind = LDR_SEC_MAPS;
		obj->maps_sec = idx;
		return 0;
	}
	if (!strcmp(name, ".BTF")) {
		s->kind = LDR_SEC_BTF;
		return 0;
	}
	if (!strcmp(name, ".BTF.ext")) {
		s->kind = LDR_SEC_BTF_EXT;
		return 0;
	}
	if (s->sh_type == SHT_SYMTAB)
		return ldr_elf_symtab(obj, idx);
	if (s->sh_type == SHT_PROGBITS && s->size > 0) {
		if (s->sh_flags & SHF_EXECINSTR) {
			if (s->size % LDR_INSN_SZ)
				return ldr_err(
				        obj, -EINVAL,
				        "section '%s' (#%u): size %zu is not a multiple of %u",
				        name, idx, s->size, LDR_INSN_SZ);
			s->kind = !strcmp(name, ".text") ? LDR_SEC_TEXT : LDR_SEC_PROG;
			if (s->kind == LDR_SEC_TEXT)
				obj->text_sec = idx;
		} else if (ldr_is_data_name(name, ".data")) {
			s->kind = LDR_SEC_DATA;
		} else if (ldr_is_data_name(name, ".rodata")) {
			s->kind = LDR_SEC_RODATA;
		} else if (!strcmp(name, ".struct_ops") || ldr_has_pfx(name, ".struct_ops.")) {
			return ldr_err(obj, -EOPNOTSUPP,
			               "section '%s' (#%u): struct_ops maps are not supported",
			               name, idx);
		} else {
			ldr_debug(obj, "skipping unrecognized data section '%s' (#%u)", name, idx);
		}
		return 0;
	}
	if (s->sh_type == SHT_NOBITS && ldr_is_data_name(name, ".bss")) {
		s->kind = LDR_SEC_BSS;
		return 0;
	}
	return 0;
}

/* Relocation sections apply to program sections and to .maps; the rest are skipped. */
static int ldr_elf_rels(struct userbpf_object *obj)
{
	for (uint32_t i = 1; i < obj->nr_secs; i++) {
		struct ldr_sec *s = &obj->secs[i];
		if (s->sh_type != SHT_REL)
			continue;
		if (s->info >= obj->nr_secs)
			return ldr_err(obj, -EINVAL,
			               "section '%s' (#%u): relocations for bad section %u",
			               s->name, i, s->info);
		struct ldr_sec *t = &obj->secs[s->info];
		if (t->kind != LDR_SEC_PROG && t->kind != LDR_SEC_TEXT && t->kind != LDR_SEC_MAPS) {
			ldr_debug(obj, "skipping relocations '%s' for section '%s'", s->name,
			          t->name);
			continue;
		}
		if (s->link != obj->symtab_sec)
			return ldr_err(
			        obj, -EINVAL,
			        "section '%s' (#%u): relocations use symbol table %u, not %u",
			        s->name, i, s->link, obj->symtab_sec);
		if (t->rel_sec)
			return ldr_err(obj, -EINVAL,
			               "section '%s' (#%u): second relocation section for '%s'",
			               s->name, i, t->name);
		s->kind = LDR_SEC_REL;
		t->rel_sec = i;
	}
	return 0;
}

int ldr_elf_collect(struct userbpf_object *obj)
{
	static int version_set;
	if (!__atomic_load_n(&version_set, __ATOMIC_ACQUIRE)) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return ldr_err(obj, -EINVAL, "libelf is too old: %s", elf_errmsg(-1));
		__atomic_store_n(&version_set, 1, __ATOMIC_RELEASE);
	}
	Elf *elf = elf_memory((char *)obj->image, obj->image_size);
	if (!elf)
		return ldr_err(obj, -EINVAL, "not an ELF file: %s", elf_errmsg(-1));
	obj->elf = elf;
	int err = ldr_elf_header(obj, elf);
	if (err)
		return err;
	size_t nsec = 0, shstrndx = 0;
	if (elf_getshdrnum(elf, &nsec) || elf_getshdrstrndx(elf, &shstrndx))
		return ldr_err(obj, -EINVAL, "bad section header table: %s", elf_errmsg(-1));
	if (nsec > LDR_MAX_SECS)
		return ldr_err(obj, -E2BIG, "too many sections (%zu)", nsec);
	if (nsec < 2)
		return ldr_err(obj, -EINVAL, "no sections");
	obj->secs = calloc(nsec, sizeof *obj->secs);
	if (!obj->secs)
		return -ENOMEM;
	obj->nr_secs = (uint32_t)nsec;
	for (uint32_t i = 0; i < nsec; i++)
		obj->secs[i].map_idx = -1;
	for (uint32_t i = 1; i < nsec; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		Elf64_Shdr *psh = scn ? elf64_getshdr(scn) : NULL;
		if (!psh)
			return ldr_err(obj, -EINVAL, "section #%u: bad header: %s", i,
			               elf_errmsg(-1));
		/* libelf may hand out the header in place: a hostile file can misalign it */
		Elf64_Shdr shc, *sh = &shc;
		memcpy(&shc, psh, sizeof shc);
		struct ldr_sec *s = &obj->secs[i];
		s->name = elf_strptr(elf, shstrndx, sh->sh_name);
		if (!s->name)
			return ldr_err(obj, -EINVAL, "section #%u: bad name offset %u", i,
			               sh->sh_name);
		s->sh_type = sh->sh_type;
		s->sh_flags = sh->sh_flags;
		s->size = sh->sh_size;
		s->link = sh->sh_link;
		s->info = sh->sh_info;
		if (sh->sh_type != SHT_NOBITS && sh->sh_type != SHT_NULL && sh->sh_size) {
			Elf_Data *d = elf_getdata(scn, NULL);
			if (!d)
				return ldr_err(obj, -EINVAL, "section '%s' (#%u): bad data: %s",
				               s->name, i, elf_errmsg(-1));
			s->data = d->d_buf;
			s->size = d->d_buf ? d->d_size : 0;
		}
	}
	/* the symbol table first: classification of other sections may need it */
	for (uint32_t i = 1; i < nsec && !err; i++)
		if (obj->secs[i].sh_type == SHT_SYMTAB)
			err = ldr_elf_symtab(obj, i);
	for (uint32_t i = 1; i < nsec && !err; i++)
		if (obj->secs[i].sh_type != SHT_SYMTAB)
			err = ldr_elf_classify(obj, i);
	if (err)
		return err;
	if (!obj->symtab_sec)
		return ldr_err(obj, -ENOENT, "no symbol table");
	return ldr_elf_rels(obj);
}
