/* ldr_kconfig.c — extern variables: .kconfig values (CONFIG_*, LINUX_KERNEL_VERSION, ...).
 *
 * An extern is an undefined global symbol; its BTF VAR sits in DATASEC ".kconfig"
 * (declared __kconfig) or ".ksyms" (__ksym, kernel symbols: not available here). The
 * .kconfig externs are laid out as libbpf does — sorted by alignment (largest first), size
 * (smallest first) then name, each at the next multiple of its alignment — in one read-only array
 * map, and each ld_imm64 that names one becomes a BPF_PSEUDO_MAP_VALUE at its offset. Values come
 * from the user's kconfig text ("CONFIG_X=y|n|m|number|\"string\"", "# CONFIG_X is not set"); the
 * virtual LINUX_* externs have defaults for this runtime; anything missing is zero, as for a __weak
 * extern, with a message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

static bool ldr_sym_is_extern(const Elf64_Sym *s)
{
	int bind = ELF64_ST_BIND(s->st_info);
	return s->st_shndx == SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
	       ELF64_ST_TYPE(s->st_info) == STT_NOTYPE;
}

/* The DATASEC holding VAR/FUNC id, or NULL. */
static const char *ldr_extern_sec(const struct btf *btf, uint32_t id)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t i = 1; i < n; i++) {
		const struct btf_type *t = ldr_btf_type(btf, i);
		if (!t || !btf_is_datasec(t))
			continue;
		const struct btf_var_secinfo *vi = btf_var_secinfos(t);
		for (uint16_t k = 0; k < btf_vlen(t); k++)
			if (vi[k].type == id)
				return ldr_btf_str(btf, t->name_off);
	}
	return NULL;
}

static int ldr_kcfg_type(const struct btf *btf, uint32_t id, bool *is_signed, int depth)
{
	const struct btf_type *t = ldr_btf_skip_mods(btf, id, NULL);
	if (!t || depth > 2)
		return -1;
	const char *name = ldr_btf_str(btf, t->name_off);
	if (is_signed)
		*is_signed = false;
	if (btf_is_int(t)) {
		unsigned enc = btf_int_encoding(t);
		if (enc & BTF_INT_BOOL)
			return t->size == 1 ? LDR_KCFG_BOOL : -1;
		if (is_signed)
			*is_signed = enc & BTF_INT_SIGNED;
		if (t->size == 1)
			return LDR_KCFG_CHAR;
		if (t->size < 1 || t->size > 8 || (t->size & (t->size - 1)))
			return -1;
		return LDR_KCFG_INT;
	}
	if (btf_is_enum(t) || btf_is_enum64(t))
		return (btf_is_enum(t) && t->size != 4) || strcmp(name, "libbpf_tristate")
		               ? -1
		               : LDR_KCFG_TRISTATE;
	if (btf_is_array(t)) {
		if (!btf_array(t)->nelems ||
		    ldr_kcfg_type(btf, btf_array(t)->type, NULL, depth + 1) != LDR_KCFG_CHAR)
			return -1;
		return LDR_KCFG_CHAR_ARR;
	}
	return -1;
}

static int ldr_cmp_externs(const void *a, const void *b)
{
	const struct ldr_extern *x = a, *y = b;
	if (x->align != y->align)
		return x->align > y->align ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int ldr_extern_add(struct userbpf_object *obj, uint32_t symi, uint32_t *cap)
{
	Elf64_Sym s;
	ldr_sym(obj, symi, &s);
	const char *name = ldr_sym_name(obj, symi);
	if (!*name)
		return ldr_err(obj, -EINVAL, "extern symbol #%u has no name", symi);
	int id = obj->btf ? btf__find_by_name(obj->btf, name) : -1;
	const struct btf_type *v = id > 0 ? ldr_btf_type(obj->btf, (uint32_t)id) : NULL;
	if (!v || (!btf_is_var(v) && !btf_is_func(v)))
		return ldr_err(obj, -ESRCH, "extern '%s': no BTF VAR or FUNC for it", name);
	const char *sec = ldr_extern_sec(obj->btf, (uint32_t)id);
	if (btf_is_func(v) || (sec && !strcmp(sec, ".ksyms")))
		return ldr_err(obj, -EOPNOTSUPP,
		               "extern '%s': kernel symbols and kfuncs (__ksym) are not available "
		               "in userbpf",
		               name);
	if (sec && !strcmp(sec, ".maps"))
		return ldr_err(obj, -ENOENT,
		               "map '%s' is declared (extern) but not defined in this object",
		               name);
	if (!sec || strcmp(sec, ".kconfig"))
		return ldr_err(obj, -EOPNOTSUPP, "extern '%s' in section '%s' is not supported",
		               name, sec ? sec : "<none>");
	bool is_signed = false;
	int kt = ldr_kcfg_type(obj->btf, v->type, &is_signed, 0);
	if (kt < 0)
		return ldr_err(obj, -EOPNOTSUPP, "extern (kcfg) '%s': type is unsupported", name);
	if (strncmp(name, "CONFIG_", 7) && strncmp(name, "LINUX_", 6))
		return ldr_err(obj, -EINVAL, "extern (kcfg) '%s': unrecognized extern", name);
	long long size = btf__resolve_size(obj->btf, v->type);
	int align = btf__align_of(obj->btf, v->type);
	if (size <= 0 || size > 4096 || align <= 0)
		return ldr_err(obj, -EINVAL, "extern (kcfg) '%s': bad size or alignment", name);
	if (!strcmp(name, "LINUX_KERNEL_VERSION") && (kt != LDR_KCFG_INT || size != 4))
		return ldr_err(obj, -EINVAL, "extern (kcfg) 'LINUX_KERNEL_VERSION' must be u32");
	int err = ldr_grow((void **)&obj->externs, obj->nr_externs, cap, sizeof *obj->externs);
	if (err)
		return err;
	struct ldr_extern *e = &obj->externs[obj->nr_externs++];
	e->name = ldr_strdup(name);
	if (!e->name)
		return -ENOMEM;
	e->sym = symi;
	e->btf_id = (uint32_t)id;
	e->weak = ELF64_ST_BIND(s.st_info) == STB_WEAK;
	e->kcfg_type = (enum ldr_kcfg_type)kt;
	e->size = (uint32_t)size;
	e->align = (uint32_t)align;
	e->is_signed = is_signed;
	return 0;
}

/* Offsets, the DATASEC's size and VAR offsets, and the map itself. */
static int ldr_kconfig_map(struct userbpf_object *obj)
{
	qsort(obj->externs, obj->nr_externs, sizeof *obj->externs, ldr_cmp_externs);
	uint32_t off = 0;
	for (uint32_t i = 0; i < obj->nr_externs; i++) {
		struct ldr_extern *e = &obj->externs[i];
		off = (off + e->align - 1) / e->align * e->align;
		e->data_off = off;
		off += e->size;
	}
	int dsid = btf__find_by_name_kind(obj->btf, ".kconfig", BTF_KIND_DATASEC);
	struct btf_type *ds =
	        dsid > 0 ? (struct btf_type *)ldr_btf_type(obj->btf, (uint32_t)dsid) : NULL;
	if (ds) {
		/* fixed up in place like the other DATASECs (see ldr_btf.c) */
		ds->size = off;
		struct btf_var_secinfo *vi = btf_var_secinfos(ds);
		for (uint16_t k = 0; k < btf_vlen(ds); k++)
			for (uint32_t i = 0; i < obj->nr_externs; i++)
				if (vi[k].type == obj->externs[i].btf_id) {
					vi[k].offset = obj->externs[i].data_off;
					struct btf_type *var = (struct btf_type *)ldr_btf_type(
					        obj->btf, vi[k].type);
					if (var && btf_is_var(var))
						btf_var(var)->linkage = BTF_VAR_GLOBAL_ALLOCATED;
				}
	}
	struct userbpf_map *m = ldr_map_add(obj);
	if (!m)
		return -ENOMEM;
	obj->kconfig_map = (int)(obj->nr_maps - 1);
	m->kind = LDR_MAP_KCONFIG;
	m->def.type = BPF_MAP_TYPE_ARRAY;
	m->def.key_size = 4;
	m->def.value_size = off;
	m->def.max_entries = 1;
	m->def.map_flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE;
	m->def.btf_value_type_id = dsid > 0 ? (uint32_t)dsid : 0;
	int err = ldr_map_set_name(obj, m, ".kconfig");
	if (err)
		return err;
	return ldr_map_internal_mmap(obj, m, NULL, 0);
}

int ldr_externs_init(struct userbpf_object *obj)
{
	uint32_t cap = 0;
	obj->kconfig_map = -1;
	for (uint32_t i = 1; i < obj->nr_syms; i++) {
		Elf64_Sym s;
		ldr_sym(obj, i, &s);
		if (!ldr_sym_is_extern(&s))
			continue;
		int err = ldr_extern_add(obj, i, &cap);
		if (err)
			return err;
	}
	if (!obj->nr_externs)
		return 0;
	int err = ldr_kconfig_map(obj);
	return err ? err : ldr_kconfig_fill(obj);
}

/* ---- values ---- */

static int ldr_kcfg_set_num(struct userbpf_object *obj, struct ldr_extern *e, uint8_t *dst,
                            uint64_t v)
{
	if (e->kcfg_type != LDR_KCFG_INT && e->kcfg_type != LDR_KCFG_CHAR &&
	    e->kcfg_type != LDR_KCFG_BOOL)
		return ldr_err(obj, -EINVAL, "extern (kcfg) '%s': a number for a non-integer type",
		               e->name);
	if (e->kcfg_type == LDR_KCFG_BOOL && v > 1)
		return ldr_err(obj, -ERANGE, "extern (kcfg) '%s': value %llu out of range for bool",
		               e->name, (unsigned long long)v);
	if (e->size < 8) {
		uint64_t bits = 8u * e->size;
		int64_t sv = (int64_t)v;
		bool ok = e->is_signed ? sv >= -(1LL << (bits - 1)) && sv < (1LL << (bits - 1))
		                       : v < (1ULL << bits);
		if (!ok)
			return ldr_err(obj, -ERANGE, "extern (kcfg) '%s': value %llu out of range",
			               e->name, (unsigned long long)v);
	}
	memcpy(dst, &v, e->size); /* little endian: the low bytes */
	e->is_set = true;
	return 0;
}

static int ldr_kcfg_set(struct userbpf_object *obj, struct ldr_extern *e, const char *val)
{
	struct userbpf_map *m = &obj->maps[obj->kconfig_map];
	uint8_t *dst = (uint8_t *)m->mmaped + e->data_off;
	if ((val[0] == 'y' || val[0] == 'n' || val[0] == 'm') && !val[1]) {
		uint8_t c = (uint8_t)val[0];
		switch (e->kcfg_type) {
		case LDR_KCFG_BOOL:
			if (c == 'm')
				return ldr_err(obj, -EINVAL,
				               "extern (kcfg) '%s': value 'm' for a bool", e->name);
			*dst = c == 'y';
			break;
		case LDR_KCFG_TRISTATE: {
			uint32_t tri = c == 'y' ? 1 : c == 'm' ? 2 : 0; /* TRI_YES, TRI_MODULE */
			memcpy(dst, &tri, 4);
			break;
		}
		case LDR_KCFG_CHAR:
			*dst = c;
			break;
		default:
			return ldr_err(obj, -EINVAL,
			               "extern (kcfg) '%s': value '%c' for a non-bool type",
			               e->name, c);
		}
		e->is_set = true;
		return 0;
	}
	if (val[0] == '"') {
		size_t len = strlen(val);
		if (len < 2 || val[len - 1] != '"')
			return ldr_err(obj, -EINVAL, "extern (kcfg) '%s': invalid string value %s",
			               e->name, val);
		if (e->kcfg_type != LDR_KCFG_CHAR_ARR)
			return ldr_err(obj, -EINVAL,
			               "extern (kcfg) '%s': a string for a non-char-array",
			               e->name);
		len -= 2;
		if (len >= e->size) {
			ldr_info(obj, "extern (kcfg) '%s': string truncated to %u bytes", e->name,
			         e->size - 1);
			len = e->size - 1;
		}
		memcpy(dst, val + 1, len);
		dst[len] = 0;
		e->is_set = true;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(val, &end, 0);
	if (errno || end == val || *end)
		return ldr_err(obj, -EINVAL, "extern (kcfg) '%s': invalid value '%s'", e->name,
		               val);
	if (val[0] == '-')
		v = (unsigned long long)strtoll(val, NULL, 0);
	return ldr_kcfg_set_num(obj, e, dst, v);
}

static struct ldr_extern *ldr_extern_find(struct userbpf_object *obj, const char *name, size_t n)
{
	for (uint32_t i = 0; i < obj->nr_externs; i++)
		if (strlen(obj->externs[i].name) == n && !strncmp(obj->externs[i].name, name, n))
			return &obj->externs[i];
	return NULL;
}

static uint32_t ldr_host_kernel_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	if (uname(&u) == 0)
		sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	if (c > 255)
		c = 255;
	return (a << 16) | (b << 8) | c;
}

int ldr_kconfig_fill(struct userbpf_object *obj)
{
	const char *p = obj->kconfig;
	while (p && *p) {
		const char *eol = strchrnul(p, '\n');
		char line[512];
		size_t len = (size_t)(eol - p);
		if (len >= sizeof line)
			return ldr_err(obj, -EINVAL, "kconfig: line too long: %.40s...", p);
		memcpy(line, p, len);
		line[len] = 0;
		p = *eol ? eol + 1 : eol;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t l = strlen(s);
		while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
			s[--l] = 0;
		const char *val = NULL;
		size_t nlen;
		if (!strncmp(s, "# ", 2) && l > 13 && !strcmp(s + l - 11, " is not set")) {
			s += 2;
			nlen = l - 2 - 11;
			val = "n";
		} else if (*s == '#' || !*s) {
			continue;
		} else {
			char *eq = strchr(s, '=');
			if (!eq)
				return ldr_err(obj, -EINVAL, "kconfig: invalid line '%s'", s);
			nlen = (size_t)(eq - s);
			val = eq + 1;
		}
		struct ldr_extern *e = ldr_extern_find(obj, s, nlen);
		if (!e)
			continue; /* a value nobody asked for */
		int err = ldr_kcfg_set(obj, e, val);
		if (err)
			return err;
	}
	for (uint32_t i = 0; i < obj->nr_externs; i++) {
		struct ldr_extern *e = &obj->externs[i];
		if (e->is_set)
			continue;
		uint8_t *dst = (uint8_t *)obj->maps[obj->kconfig_map].mmaped + e->data_off;
		int err = 0;
		if (!strcmp(e->name, "LINUX_KERNEL_VERSION"))
			err = ldr_kcfg_set_num(obj, e, dst, ldr_host_kernel_version());
		else if (!strcmp(e->name, "LINUX_HAS_BPF_COOKIE"))
			err = ldr_kcfg_set_num(obj, e, dst, 1);
		else if (!strcmp(e->name, "LINUX_HAS_SYSCALL_WRAPPER"))
			err = ldr_kcfg_set_num(obj, e, dst, 1);
		else
			ldr_info(obj, "extern (kcfg) '%s': no value given, defaulting to zero",
			         e->name);
		if (err)
			return err;
	}
	return 0;
}
