/* ldr_maps_btf.c — BTF-defined maps: the .maps section and its relocations.
 *
 * Each global variable in .maps is a struct whose members encode the definition the way
 * <bpf/bpf_helpers.h> writes it: __uint(name, N) is a pointer to an array of N elements,
 * __type(key, T) a pointer to T, __array(values, T) a flexible array of pointers whose
 * initializers (.rel.maps) fill a prog_array's or a map-in-map's slots. Field names,
 * checks and messages follow libbpf's parse_btf_map_def; an inner map definition is
 * parsed the same way (one level only).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

#define LDR_PIN_NONE 0u
#define LDR_PIN_BY_NAME 1u

static bool ldr_is_map_in_map(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* __uint(name, N): PTR → ARRAY[N]. */
static int ldr_map_field_int(struct userbpf_object *obj, const char *map,
                             const struct btf_member *m, uint32_t *res)
{
	const struct btf *btf = obj->btf;
	const char *name = ldr_btf_str(btf, m->name_off);
	const struct btf_type *t = ldr_btf_skip_mods(btf, m->type, NULL);
	if (!t || !btf_is_ptr(t))
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': attr '%s': expected PTR, "
		               "got %s",
		               map, name, t ? ldr_btf_kind_str(t) : "a bad type");
	const struct btf_type *arr = ldr_btf_type(btf, t->type);
	if (!arr || !btf_is_array(arr))
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': attr '%s': expected ARRAY, got %s", map,
		               name, arr ? ldr_btf_kind_str(arr) : "a bad type");
	*res = btf_array(arr)->nelems;
	return 0;
}

/* __type(key, T): PTR → T; the size and type id. */
static int ldr_map_field_type(struct userbpf_object *obj, const char *map, const char *what,
                              const struct btf_member *m, uint32_t *size, uint32_t *type_id)
{
	const struct btf_type *t = ldr_btf_type(obj->btf, m->type);
	if (!t)
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': %s type [%u] not found",
		               map, what, m->type);
	if (!btf_is_ptr(t))
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': %s spec is not PTR: %s",
		               map, what, ldr_btf_kind_str(t));
	long long sz = btf__resolve_size(obj->btf, t->type);
	if (sz < 0 || sz > UINT32_MAX)
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': can't determine %s size for type [%u]",
		               map, what, t->type);
	*size = (uint32_t)sz;
	*type_id = t->type;
	return 0;
}

static int ldr_set_size(struct userbpf_object *obj, const char *map, const char *what,
                        uint32_t *cur, bool *has, uint32_t sz)
{
	if (*has && *cur != sz)
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': conflicting %s size %u != %u", map, what,
		               *cur, sz);
	*cur = sz;
	*has = true;
	return 0;
}

static int ldr_parse_map_def(struct userbpf_object *obj, const char *map,
                             const struct btf_type *def, struct ldr_map_def *d,
                             struct ldr_map_def *inner, bool *has_inner, bool is_inner);

/* __array(values, T): the last member; inner definition for map-in-map. */
static int ldr_map_values(struct userbpf_object *obj, const char *map, const struct btf_member *m,
                          bool last, struct ldr_map_def *d, struct ldr_map_def *inner,
                          bool *has_inner, bool is_inner)
{
	bool mim = ldr_is_map_in_map(d->type), pa = d->type == BPF_MAP_TYPE_PROG_ARRAY;
	const char *desc = mim ? "map-in-map inner" : "prog-array value";
	if (is_inner)
		return ldr_err(obj, -EOPNOTSUPP,
		               "section '.maps', map '%s': multi-level inner maps not supported",
		               map);
	if (!last)
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': 'values' member should be "
		               "last",
		               map);
	if (!mim && !pa)
		return ldr_err(obj, -EOPNOTSUPP,
		               "section '.maps', map '%s': should be map-in-map or prog-array",
		               map);
	int err = ldr_set_size(obj, map, "value", &d->value_size, &d->has_value_size, 4);
	if (err)
		return err;
	const struct btf_type *t = ldr_btf_type(obj->btf, m->type);
	if (!t || !btf_is_array(t) || btf_array(t)->nelems)
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': %s spec is not a zero-sized array", map,
		               desc);
	t = ldr_btf_skip_mods(obj->btf, btf_array(t)->type, NULL);
	if (!t || !btf_is_ptr(t))
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': %s def is of unexpected "
		               "kind %s",
		               map, desc, t ? ldr_btf_kind_str(t) : "<bad>");
	t = ldr_btf_skip_mods(obj->btf, t->type, NULL);
	if (pa) {
		if (!t || !btf_is_func_proto(t))
			return ldr_err(obj, -EINVAL,
			               "section '.maps', map '%s': prog-array value def is of "
			               "unexpected kind %s",
			               map, t ? ldr_btf_kind_str(t) : "<bad>");
		return 0;
	}
	if (!t || !btf_is_struct(t))
		return ldr_err(obj, -EINVAL,
		               "section '.maps', map '%s': map-in-map inner def is of unexpected "
		               "kind %s",
		               map, t ? ldr_btf_kind_str(t) : "<bad>");
	char iname[160];
	snprintf(iname, sizeof iname, "%s.inner", map);
	err = ldr_parse_map_def(obj, iname, t, inner, NULL, NULL, true);
	if (!err)
		*has_inner = true;
	return err;
}

static int ldr_parse_map_def(struct userbpf_object *obj, const char *map,
                             const struct btf_type *def, struct ldr_map_def *d,
                             struct ldr_map_def *inner, bool *has_inner, bool is_inner)
{
	const struct btf_member *m = btf_members(def);
	uint16_t vlen = btf_vlen(def);
	int err = 0;
	for (uint16_t i = 0; i < vlen && !err; i++, m++) {
		const char *name = btf__name_by_offset(obj->btf, m->name_off);
		uint32_t v = 0, sz = 0, id = 0;
		if (!name)
			return ldr_err(obj, -EINVAL, "section '.maps', map '%s': invalid field #%u",
			               map, i);
		if (!strcmp(name, "type")) {
			err = ldr_map_field_int(obj, map, m, &d->type);
		} else if (!strcmp(name, "max_entries")) {
			err = ldr_map_field_int(obj, map, m, &d->max_entries);
		} else if (!strcmp(name, "map_flags")) {
			err = ldr_map_field_int(obj, map, m, &d->map_flags);
		} else if (!strcmp(name, "numa_node")) {
			err = ldr_map_field_int(obj, map, m, &d->numa_node);
		} else if (!strcmp(name, "key_size")) {
			if (!(err = ldr_map_field_int(obj, map, m, &v)))
				err = ldr_set_size(obj, map, "key", &d->key_size, &d->has_key_size,
				                   v);
		} else if (!strcmp(name, "value_size")) {
			if (!(err = ldr_map_field_int(obj, map, m, &v)))
				err = ldr_set_size(obj, map, "value", &d->value_size,
				                   &d->has_value_size, v);
		} else if (!strcmp(name, "key")) {
			if (!(err = ldr_map_field_type(obj, map, "key", m, &sz, &id)) &&
			    !(err = ldr_set_size(obj, map, "key", &d->key_size, &d->has_key_size,
			                         sz)))
				d->btf_key_type_id = id;
		} else if (!strcmp(name, "value")) {
			if (!(err = ldr_map_field_type(obj, map, "value", m, &sz, &id)) &&
			    !(err = ldr_set_size(obj, map, "value", &d->value_size,
			                         &d->has_value_size, sz)))
				d->btf_value_type_id = id;
		} else if (!strcmp(name, "values")) {
			err = ldr_map_values(obj, map, m, i == vlen - 1, d, inner, has_inner,
			                     is_inner);
		} else if (!strcmp(name, "pinning")) {
			if (is_inner)
				return ldr_err(
				        obj, -EINVAL,
				        "section '.maps', map '%s': inner def can't be pinned",
				        map);
			if ((err = ldr_map_field_int(obj, map, m, &v)))
				break;
			if (v != LDR_PIN_NONE && v != LDR_PIN_BY_NAME)
				return ldr_err(
				        obj, -EINVAL,
				        "section '.maps', map '%s': invalid pinning value %u", map,
				        v);
			d->pinning = v;
		} else if (!strcmp(name, "map_extra")) {
			if (!(err = ldr_map_field_int(obj, map, m, &v)))
				d->map_extra = v;
		} else if (!obj->relaxed_maps) {
			return ldr_err(obj, -EOPNOTSUPP,
			               "section '.maps', map '%s': unknown field '%s'", map, name);
		} else {
			ldr_debug(obj, "map '%s': ignoring unknown field '%s'", map, name);
		}
	}
	if (err)
		return err;
	if (d->type == BPF_MAP_TYPE_UNSPEC)
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': map type isn't specified",
		               map);
	return 0;
}

static int ldr_map_pin_path(struct userbpf_object *obj, struct userbpf_map *m)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/%s", obj->pin_root_path, m->name);
	if (n < 0 || (size_t)n >= sizeof path)
		return ldr_err(obj, -ENAMETOOLONG, "map '%s': pin path too long", m->name);
	m->pin_path = ldr_strdup(path);
	return m->pin_path ? 0 : -ENOMEM;
}

static int ldr_btf_map(struct userbpf_object *obj, const struct btf_var_secinfo *vi, uint32_t idx)
{
	const struct ldr_sec *sec = &obj->secs[obj->maps_sec];
	const struct btf_type *var = ldr_btf_type(obj->btf, vi->type);
	const char *name = var ? ldr_btf_str(obj->btf, var->name_off) : "";
	if (!*name)
		return ldr_err(obj, -EINVAL, "section '.maps': map #%u has an empty name", idx);
	if ((uint64_t)vi->offset + vi->size > sec->size)
		return ldr_err(
		        obj, -EINVAL,
		        "section '.maps', map '%s': BTF data is corrupted (offset %u size %u "
		        "past %zu)",
		        name, vi->offset, vi->size, sec->size);
	if (!btf_is_var(var))
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': unexpected var kind %s",
		               name, ldr_btf_kind_str(var));
	if (btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED)
		return ldr_err(obj, -EOPNOTSUPP,
		               "section '.maps', map '%s': unsupported map linkage %u (maps must "
		               "be global)",
		               name, btf_var(var)->linkage);
	const struct btf_type *def = ldr_btf_skip_mods(obj->btf, var->type, NULL);
	if (!def || !btf_is_struct(def))
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': unexpected def kind %s",
		               name, def ? ldr_btf_kind_str(def) : "<bad>");
	if (def->size > vi->size)
		return ldr_err(obj, -EINVAL, "section '.maps', map '%s': invalid def size", name);
	struct ldr_map_def d = {0}, inner = {0};
	bool has_inner = false;
	int err = ldr_parse_map_def(obj, name, def, &d, &inner, &has_inner, false);
	if (err)
		return err;
	struct userbpf_map *m = ldr_map_add(obj);
	if (!m)
		return -ENOMEM;
	m->kind = LDR_MAP_BTF;
	m->sec_idx = obj->maps_sec;
	m->sec_off = vi->offset;
	m->def_size = vi->size;
	m->def = d;
	m->name = ldr_strdup(name);
	m->real_name = ldr_strdup(name);
	if (!m->name || !m->real_name)
		return -ENOMEM;
	if (d.pinning == LDR_PIN_BY_NAME && (err = ldr_map_pin_path(obj, m)))
		return err;
	if (has_inner) {
		struct userbpf_map *in = calloc(1, sizeof *in);
		if (!in)
			return -ENOMEM;
		m->inner = in;
		in->obj = obj;
		in->fd = -1;
		in->kind = LDR_MAP_BTF;
		in->is_inner = true;
		in->autocreate = true;
		in->sec_idx = obj->maps_sec;
		in->def = inner;
		char iname[160];
		snprintf(iname, sizeof iname, "%s.inner", name);
		in->name = ldr_strdup(iname);
		in->real_name = ldr_strdup(iname);
		if (!in->name || !in->real_name)
			return -ENOMEM;
	}
	return 0;
}

int ldr_maps_btf_init(struct userbpf_object *obj)
{
	if (!obj->maps_sec)
		return 0;
	if (!obj->btf)
		return ldr_err(obj, -ENOENT, "section '.maps' needs BTF");
	int id = btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC);
	const struct btf_type *sec = id > 0 ? ldr_btf_type(obj->btf, (uint32_t)id) : NULL;
	if (!sec)
		return ldr_err(obj, -EINVAL, "section '.maps': no DATASEC '.maps' in BTF");
	const struct btf_var_secinfo *vi = btf_var_secinfos(sec);
	for (uint16_t i = 0; i < btf_vlen(sec); i++) {
		int err = ldr_btf_map(obj, &vi[i], i);
		if (err)
			return err;
	}
	return 0;
}

/* ---- .rel.maps: initial slots of prog arrays and maps of maps ---- */

static int ldr_map_relo(struct userbpf_object *obj, const Elf64_Rel *rel, uint32_t ri)
{
	uint32_t symi = (uint32_t)ELF64_R_SYM(rel->r_info);
	if (!symi || symi >= obj->nr_syms)
		return ldr_err(obj, -EINVAL, "section '.rel.maps': relocation #%u: bad symbol %u",
		               ri, symi);
	Elf64_Sym sym;
	ldr_sym(obj, symi, &sym);
	const char *name = ldr_sym_name(obj, symi);
	struct userbpf_map *map = NULL;
	for (uint32_t j = 0; j < obj->nr_maps && !map; j++) {
		struct userbpf_map *m = &obj->maps[j];
		if (m->kind == LDR_MAP_BTF && m->sec_off <= rel->r_offset &&
		    rel->r_offset + 8 <= m->sec_off + m->def_size)
			map = m;
	}
	if (!map)
		return ldr_err(
		        obj, -EINVAL,
		        "section '.rel.maps': relocation #%u (symbol '%s'): no map at offset "
		        "%llu",
		        ri, name, (unsigned long long)rel->r_offset);
	bool mim = ldr_is_map_in_map(map->def.type);
	struct ldr_init_slot slot = {0};
	if (mim) {
		if (sym.st_shndx != obj->maps_sec)
			return ldr_err(
			        obj, -EINVAL,
			        "section '.rel.maps', map '%s': '%s' isn't a BTF-defined map",
			        map->name, name);
		if (map->def.type == BPF_MAP_TYPE_HASH_OF_MAPS && map->def.key_size != 4)
			return ldr_err(
			        obj, -EINVAL,
			        "section '.rel.maps', map '%s': hash-of-maps should have key "
			        "size 4",
			        map->name);
		slot.target = -1;
		for (uint32_t j = 0; j < obj->nr_maps; j++)
			if (obj->maps[j].kind == LDR_MAP_BTF && !strcmp(obj->maps[j].name, name))
				slot.target = (int)j;
		if (slot.target < 0)
			return ldr_err(obj, -ESRCH,
			               "section '.rel.maps', map '%s': '%s' isn't a valid map "
			               "reference",
			               map->name, name);
	} else if (map->def.type == BPF_MAP_TYPE_PROG_ARRAY) {
		struct userbpf_program *p = NULL;
		if (sym.st_shndx < obj->nr_secs && sym.st_value % LDR_INSN_SZ == 0)
			p = ldr_prog_at(obj, sym.st_shndx, (uint32_t)(sym.st_value / LDR_INSN_SZ));
		if (!p || p->is_subprog || strcmp(p->name, name))
			return ldr_err(obj, -ESRCH,
			               "section '.rel.maps', map '%s': '%s' isn't an entry-point "
			               "program",
			               map->name, name);
		slot.is_prog = true;
		slot.target = (int)(p - obj->progs);
	} else {
		return ldr_err(obj, -EINVAL,
		               "section '.rel.maps', map '%s': values are only for prog arrays and "
		               "maps of maps",
		               map->name);
	}
	/* the slot index: where in the trailing values[] the pointer sits */
	const struct btf_type *vsec = ldr_btf_type(
	        obj->btf, (uint32_t)btf__find_by_name_kind(obj->btf, ".maps", BTF_KIND_DATASEC));
	const struct btf_type *def = NULL;
	for (uint16_t i = 0; vsec && i < btf_vlen(vsec); i++) {
		const struct btf_var_secinfo *vi = &btf_var_secinfos(vsec)[i];
		const struct btf_type *var = ldr_btf_type(obj->btf, vi->type);
		if (vi->offset == map->sec_off && var)
			def = ldr_btf_skip_mods(obj->btf, var->type, NULL);
	}
	if (!def || !btf_is_struct(def) || !btf_vlen(def))
		return ldr_err(obj, -EINVAL, "section '.rel.maps', map '%s': no definition",
		               map->name);
	uint16_t last = btf_vlen(def) - 1;
	if (strcmp(ldr_btf_str(obj->btf, btf_members(def)[last].name_off), "values"))
		return ldr_err(obj, -EINVAL, "section '.rel.maps', map '%s': no 'values' member",
		               map->name);
	uint64_t moff = btf_member_bit_offset(def, last) / 8;
	if (rel->r_offset - map->sec_off < moff || (rel->r_offset - map->sec_off - moff) % 8)
		return ldr_err(obj, -EINVAL,
		               "section '.rel.maps', map '%s': relocation at offset %llu is not a "
		               "values[] slot",
		               map->name, (unsigned long long)rel->r_offset);
	slot.index = (uint32_t)((rel->r_offset - map->sec_off - moff) / 8);
	struct ldr_init_slot *ns = realloc(map->slots, (map->nr_slots + 1) * sizeof *ns);
	if (!ns)
		return -ENOMEM;
	map->slots = ns;
	ns[map->nr_slots++] = slot;
	return 0;
}

int ldr_map_relos_init(struct userbpf_object *obj)
{
	if (!obj->maps_sec || !obj->secs[obj->maps_sec].rel_sec)
		return 0;
	const struct ldr_sec *rs = &obj->secs[obj->secs[obj->maps_sec].rel_sec];
	size_t n = rs->data ? rs->size / sizeof(Elf64_Rel) : 0;
	for (size_t i = 0; i < n; i++) {
		Elf64_Rel rel;
		memcpy(&rel, rs->data + i * sizeof rel, sizeof rel);
		int err = ldr_map_relo(obj, &rel, (uint32_t)i);
		if (err)
			return err;
	}
	return 0;
}
