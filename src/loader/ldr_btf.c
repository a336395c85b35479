/* ldr_btf.c — the object's .BTF (parsed by libbpf's btf__new) and .BTF.ext (parsed here).
 *
 * Clang leaves each DATASEC's size and its variables' offsets at zero; they are known only
 * from the ELF sections and symbols, so they are filled in here as libbpf's
 * btf_fixup_datasec does, before anything reads them (BTF-defined maps are found by their
 * DATASEC offsets). The patch is made in place in the types libbpf parsed: btf__new keeps
 * its own copy of the blob and btf__raw_data returns that same copy while no btf__add_*
 * call has been made, so the fixed-up blob is what BTF_LOAD receives.
 *
 * .BTF.ext holds, per section, func_info, line_info and CO-RE relocation records with
 * section-relative byte offsets. A malformed .BTF or .BTF.ext is ignored with a message, as
 * libbpf does — unless BTF-defined maps need it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

#define LDR_BTF_MAX_DEPTH 32

const struct btf_type *ldr_btf_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	for (int depth = 0; depth < LDR_BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = ldr_btf_type(btf, id);
		if (!t)
			return NULL;
		if (!btf_is_mod(t) && !btf_is_typedef(t)) {
			if (res_id)
				*res_id = id;
			return t;
		}
		id = t->type;
	}
	return NULL;
}

const char *ldr_btf_kind_str(const struct btf_type *t)
{
	static const char *const names[] = {
	        "void", "int",     "ptr",      "array",    "struct",   "union", "enum",
	        "fwd",  "typedef", "volatile", "const",    "restrict", "func",  "func_proto",
	        "var",  "datasec", "float",    "decl_tag", "type_tag", "enum64"};
	unsigned k = btf_kind(t);
	return k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

static int ldr_cmp_vsi(const void *a, const void *b)
{
	const struct btf_var_secinfo *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static const struct ldr_sec *ldr_sec_by_name(const struct userbpf_object *obj, const char *name,
                                             uint32_t *idx)
{
	for (uint32_t i = 1; i < obj->nr_secs; i++)
		if (obj->secs[i].name && !strcmp(obj->secs[i].name, name)) {
			if (idx)
				*idx = i;
			return &obj->secs[i];
		}
	return NULL;
}

/* Size of a DATASEC from its ELF section, offsets of its variables from their symbols. */
static int ldr_btf_fixup_datasec(struct userbpf_object *obj, struct btf_type *t)
{
	const char *name = ldr_btf_str(obj->btf, t->name_off);
	if (!strcmp(name, ".kconfig") || !strcmp(name, ".ksyms"))
		return 0; /* extern sections: laid out by ldr_externs_init */
	uint32_t sec_idx = 0;
	const struct ldr_sec *sec = ldr_sec_by_name(obj, name, &sec_idx);
	bool fix_offsets = false;
	if (t->size == 0) {
		bool all_extern = true;
		for (uint16_t i = 0; i < btf_vlen(t) && all_extern; i++) {
			const struct btf_type *v =
			        ldr_btf_type(obj->btf, btf_var_secinfos(t)[i].type);
			all_extern =
			        v && btf_is_var(v) && btf_var(v)->linkage == BTF_VAR_GLOBAL_EXTERN;
		}
		if (all_extern && !sec)
			return 0; /* only declarations: nothing to place (ldr_externs_init says
			             more) */
		if (!sec || !sec->size)
			return ldr_err(obj, -ENOENT,
			               "BTF DATASEC '%s': no ELF section of that name to size it",
			               name);
		if (sec->size > UINT32_MAX)
			return ldr_err(obj, -E2BIG, "section '%s': too big (%zu)", name, sec->size);
		t->size = (uint32_t)sec->size;
		fix_offsets = true;
	}
	struct btf_var_secinfo *vsi = btf_var_secinfos(t);
	uint16_t vlen = btf_vlen(t);
	for (uint16_t i = 0; i < vlen; i++) {
		const struct btf_type *v = ldr_btf_type(obj->btf, vsi[i].type);
		if (!v || !btf_is_var(v))
			return ldr_err(obj, -EINVAL, "BTF DATASEC '%s': entry %u is not a VAR",
			               name, i);
		uint32_t linkage = btf_var(v)->linkage;
		if (linkage == BTF_VAR_GLOBAL_EXTERN)
			continue;
		const char *vname = ldr_btf_str(obj->btf, v->name_off);
		int si = sec ? ldr_find_sym(obj, vname, (int)sec_idx, STT_OBJECT) : -1;
		if (si < 0) {
			if (linkage == BTF_VAR_STATIC)
				continue; /* clang may drop static symbols: keep what it said */
			return ldr_err(obj, -ENOENT, "BTF DATASEC '%s': no ELF symbol for VAR '%s'",
			               name, vname);
		}
		Elf64_Sym s;
		ldr_sym(obj, (uint32_t)si, &s);
		/* a global with hidden visibility is static to the host (libbpf: not mmapable) */
		int vis = ELF64_ST_VISIBILITY(s.st_other);
		if (linkage == BTF_VAR_GLOBAL_ALLOCATED &&
		    (vis == STV_HIDDEN || vis == STV_INTERNAL))
			btf_var((struct btf_type *)v)->linkage = BTF_VAR_STATIC;
		if (fix_offsets) {
			if (s.st_value > t->size)
				return ldr_err(
				        obj, -EINVAL,
				        "section '%s', symbol '%s': offset %llu past the section",
				        name, vname, (unsigned long long)s.st_value);
			vsi[i].offset = (uint32_t)s.st_value;
		}
	}
	qsort(vsi, vlen, sizeof *vsi, ldr_cmp_vsi);
	return 0;
}

/* ---- .BTF.ext ---- */

struct ldr_btf_ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len; /* present when hdr_len >= 32 */
};

static struct ldr_ext_sec *ldr_ext_sec_get(struct userbpf_object *obj, const char *name)
{
	struct ldr_btf_ext *x = &obj->btf_ext;
	for (uint32_t i = 0; i < x->nr_secs; i++)
		if (!strcmp(x->secs[i].sec_name, name))
			return &x->secs[i];
	struct ldr_ext_sec *n = realloc(x->secs, (x->nr_secs + 1) * sizeof *n);
	if (!n)
		return NULL;
	x->secs = n;
	memset(&n[x->nr_secs], 0, sizeof *n);
	n[x->nr_secs].sec_name = name;
	return &n[x->nr_secs++];
}

/* One of the three record kinds: u32 rec_size, then {sec_name_off, num_info, records}... */
static int ldr_btf_ext_part(struct userbpf_object *obj, const uint8_t *base, uint32_t size,
                            uint32_t off, uint32_t len, uint32_t min_rec, int which,
                            const char *what)
{
	if (!len)
		return 0;
	if (off > size || len > size - off || len < sizeof(uint32_t) || (off & 3))
		return ldr_err(obj, -EINVAL, ".BTF.ext: %s section out of range", what);
	const uint8_t *p = base + off, *end = p + len;
	uint32_t rec_size;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < min_rec || (rec_size & 3) || rec_size > 1024)
		return ldr_err(obj, -EINVAL, ".BTF.ext: %s record size %u", what, rec_size);
	while (p < end) {
		uint32_t hdr[2];
		if ((size_t)(end - p) < sizeof hdr)
			return ldr_err(obj, -EINVAL, ".BTF.ext: %s section header truncated", what);
		memcpy(hdr, p, sizeof hdr);
		p += sizeof hdr;
		const char *sname = btf__name_by_offset(obj->btf, hdr[0]);
		if (!sname || !*sname)
			return ldr_err(obj, -EINVAL, ".BTF.ext: %s: bad section name offset %u",
			               what, hdr[0]);
		if (!hdr[1])
			return ldr_err(obj, -EINVAL, ".BTF.ext: %s for section '%s' has no records",
			               what, sname);
		if ((uint64_t)hdr[1] * rec_size > (uint64_t)(end - p))
			return ldr_err(obj, -EINVAL, ".BTF.ext: %s for section '%s' truncated",
			               what, sname);
		struct ldr_ext_sec *es = ldr_ext_sec_get(obj, sname);
		if (!es)
			return -ENOMEM;
		struct ldr_ext_info *info = which == 0   ? &es->func
		                            : which == 1 ? &es->line
		                                         : &es->core;
		if (info->recs)
			return ldr_err(obj, -EINVAL, ".BTF.ext: %s for section '%s' given twice",
			               what, sname);
		info->recs = p;
		info->num = hdr[1];
		info->rec_size = rec_size;
		p += (size_t)hdr[1] * rec_size;
	}
	return 0;
}

static int ldr_btf_ext_init(struct userbpf_object *obj, const struct ldr_sec *s)
{
	struct ldr_btf_ext_hdr h;
	memset(&h, 0, sizeof h);
	if (!s->data || s->size < 24 || s->size > UINT32_MAX)
		return ldr_err(obj, -EINVAL, ".BTF.ext: header truncated");
	memcpy(&h, s->data, 24);
	if (h.magic != 0xeB9F || h.version != 1)
		return ldr_err(obj, -EINVAL, ".BTF.ext: bad magic 0x%x or version %u", h.magic,
		               h.version);
	if (h.hdr_len < 24 || h.hdr_len > s->size)
		return ldr_err(obj, -EINVAL, ".BTF.ext: bad header length %u", h.hdr_len);
	if (h.hdr_len >= sizeof h)
		memcpy(&h, s->data, sizeof h);
	const uint8_t *base = s->data + h.hdr_len;
	uint32_t size = (uint32_t)s->size - h.hdr_len;
	int err = ldr_btf_ext_part(obj, base, size, h.func_info_off, h.func_info_len,
	                           sizeof(struct bpf_func_info), 0, "func_info");
	if (!err)
		err = ldr_btf_ext_part(obj, base, size, h.line_info_off, h.line_info_len,
		                       sizeof(struct bpf_line_info), 1, "line_info");
	if (!err)
		err = ldr_btf_ext_part(obj, base, size, h.core_relo_off, h.core_relo_len,
		                       sizeof(struct bpf_core_relo), 2, "core_relo");
	return err;
}

const struct ldr_ext_sec *ldr_btf_ext_sec(const struct userbpf_object *obj, const char *sec)
{
	for (uint32_t i = 0; i < obj->btf_ext.nr_secs; i++)
		if (!strcmp(obj->btf_ext.secs[i].sec_name, sec))
			return &obj->btf_ext.secs[i];
	return NULL;
}

int ldr_btf_init(struct userbpf_object *obj)
{
	const struct ldr_sec *bs = NULL, *xs = NULL;
	for (uint32_t i = 1; i < obj->nr_secs; i++) {
		if (obj->secs[i].kind == LDR_SEC_BTF)
			bs = &obj->secs[i];
		else if (obj->secs[i].kind == LDR_SEC_BTF_EXT)
			xs = &obj->secs[i];
	}
	if (!bs) {
		if (obj->maps_sec)
			return ldr_err(obj, -ENOENT,
			               "section '.maps' needs BTF, but there is no .BTF section");
		return 0;
	}
	if (bs->data && bs->size <= UINT32_MAX)
		obj->btf = btf__new(bs->data, (uint32_t)bs->size);
	if (!obj->btf) {
		obj->btf = NULL;
		if (obj->maps_sec)
			return ldr_err(obj, -EINVAL,
			               "section '.BTF': malformed, and '.maps' needs it (%s)",
			               strerror(errno));
		ldr_info(obj, "section '.BTF': malformed, ignored");
		return 0;
	}
	uint32_t n = btf__type_cnt(obj->btf);
	for (uint32_t id = 1; id < n; id++) {
		struct btf_type *t = (struct btf_type *)ldr_btf_type(obj->btf, id);
		if (t && btf_is_datasec(t)) {
			int err = ldr_btf_fixup_datasec(obj, t);
			if (err)
				return err;
		}
	}
	if (xs) {
		int err = ldr_btf_ext_init(obj, xs);
		if (err) {
			/* as libbpf: the object loads without func/line info and CO-RE */
			ldr_info(obj, "section '.BTF.ext' ignored: %s", userbpf_last_error());
			ldr_clear_error();
			free(obj->btf_ext.secs);
			memset(&obj->btf_ext, 0, sizeof obj->btf_ext);
		}
	}
	return 0;
}
