/* ldr_maps.c — legacy map definitions, global data maps, and what every map shares (names,
 * pin paths, the private image of global data before load).
 *
 * Global data is libbpf's: each .data*, .rodata* and .bss* section becomes a one-element
 * array map (key 4 bytes, value = the section), .rodata* BPF_F_RDONLY_PROG, and
 * BPF_F_MMAPABLE when the host can see one of its variables (libbpf's map_is_mmapable); its
 * kernel-visible name is libbpf's internal_map_name ("prog.data": up to 8 characters of the object
 * name, then the section name; custom .data.foo sections keep their own name). Before load the
 * contents live in an anonymous mapping the user may write (userbpf_map__initial_value); load
 * replaces it, at the same address, by the map.
 *
 * The legacy "maps" section holds equally sized definitions, one per symbol: libbpf's
 * struct bpf_map_def (type, key_size, value_size, max_entries, map_flags), or iproute2's
 * 36-byte struct bpf_elf_map (the same five, then id, pinning, inner_id, inner_idx).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

#define LDR_LEGACY_DEF_SZ 20u   /* struct bpf_map_def */
#define LDR_IPROUTE2_DEF_SZ 36u /* struct bpf_elf_map */
#define LDR_PIN_OBJECT_NS 1u    /* iproute2's pinning values */
#define LDR_PIN_GLOBAL_NS 2u
#define LDR_MAX_GLOBAL_DATA (64u << 20)

struct userbpf_map *ldr_map_add(struct userbpf_object *obj)
{
	struct userbpf_map *n = realloc(obj->maps, (obj->nr_maps + 1) * sizeof *n);
	if (!n)
		return NULL;
	obj->maps = n;
	struct userbpf_map *m = &n[obj->nr_maps++];
	memset(m, 0, sizeof *m);
	m->obj = obj;
	m->fd = -1;
	m->autocreate = true;
	return m;
}

void ldr_map_free(struct userbpf_map *m)
{
	if (m->inner) {
		ldr_map_free(m->inner);
		free(m->inner);
		m->inner = NULL;
	}
	if (m->fd >= 0)
		userbpf_close(m->fd);
	m->fd = -1;
	if (m->mmaped)
		munmap(m->mmaped, m->mmap_sz);
	m->mmaped = NULL;
	free(m->name);
	free(m->real_name);
	free(m->pin_path);
	free(m->slots);
	m->name = m->real_name = m->pin_path = NULL;
	m->slots = NULL;
}

/* libbpf's internal_map_name: the object name's prefix (up to 8 characters; the suffix
 * reserves at least 7) then the section name, or the section name alone when it has a
 * second dot (.data.custom, .rodata.str1.1); at most 15 characters, sanitized. */
int ldr_map_set_name(struct userbpf_object *obj, struct userbpf_map *map, const char *real)
{
	char name[BPF_OBJ_NAME_LEN];
	size_t sfx = strlen(real) > 7 ? strlen(real) : 7;
	if (sfx >= BPF_OBJ_NAME_LEN)
		sfx = BPF_OBJ_NAME_LEN - 1;
	size_t pfx = 0;
	if (!real[0] || !strchr(real + 1, '.')) {
		pfx = BPF_OBJ_NAME_LEN - sfx - 1;
		if (strlen(obj->name) < pfx)
			pfx = strlen(obj->name);
	}
	snprintf(name, sizeof name, "%.*s%.*s", (int)pfx, obj->name, (int)sfx, real);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.')
			*p = '_';
	map->name = ldr_strdup(name);
	map->real_name = ldr_strdup(real);
	return map->name && map->real_name ? 0 : -ENOMEM;
}

/* The private image of a global data map: a page-rounded anonymous mapping, so that load
 * can put the map's own mapping at the same address. */
int ldr_map_internal_mmap(struct userbpf_object *obj, struct userbpf_map *map, const void *init,
                          size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t sz = map->def.value_size ? map->def.value_size : 1;
	sz = (sz + page - 1) / page * page;
	void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return ldr_err(obj, -ENOMEM, "map '%s': cannot map %zu bytes of global data",
		               map->name, sz);
	if (init && len)
		memcpy(p, init, len < map->def.value_size ? len : map->def.value_size);
	map->mmaped = p;
	map->mmap_sz = sz;
	return 0;
}

/* BTF DATASEC of a section, as the value type of its map (0 if none). */
static uint32_t ldr_datasec_id(const struct userbpf_object *obj, const char *sec_name)
{
	if (!obj->btf)
		return 0;
	int id = btf__find_by_name_kind(obj->btf, sec_name, BTF_KIND_DATASEC);
	return id > 0 ? (uint32_t)id : 0;
}

/* libbpf's rule: a global data map is mmapable when its DATASEC has a variable the host
 * can see (not static; hidden globals count as static). .rodata.str1.1 has no DATASEC. */
static bool ldr_datasec_mmapable(const struct userbpf_object *obj, uint32_t id)
{
	const struct btf_type *t = id ? ldr_btf_type(obj->btf, id) : NULL;
	if (!t || !btf_is_datasec(t))
		return false;
	const struct btf_var_secinfo *vi = btf_var_secinfos(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_type *v = ldr_btf_type(obj->btf, vi[i].type);
		if (v && btf_is_var(v) && btf_var(v)->linkage != BTF_VAR_STATIC)
			return true;
	}
	return false;
}

static int ldr_map_data_add(struct userbpf_object *obj, uint32_t sec_idx)
{
	struct ldr_sec *s = &obj->secs[sec_idx];
	if (!s->size)
		return 0; /* libbpf makes no map for an empty section */
	/* the kernel's arrays stop at KMALLOC_MAX_SIZE (4 MiB on x86-64); a hostile .bss may
	 * claim gigabytes without occupying the file */
	if (s->size > LDR_MAX_GLOBAL_DATA)
		return ldr_err(
		        obj, -E2BIG,
		        "section '%s': %zu bytes of global data, more than a map value holds "
		        "(%u)",
		        s->name, s->size, LDR_MAX_GLOBAL_DATA);
	struct userbpf_map *m = ldr_map_add(obj);
	if (!m)
		return -ENOMEM;
	s->map_idx = (int)(obj->nr_maps - 1);
	m->kind = s->kind == LDR_SEC_DATA     ? LDR_MAP_DATA
	          : s->kind == LDR_SEC_RODATA ? LDR_MAP_RODATA
	                                      : LDR_MAP_BSS;
	m->sec_idx = sec_idx;
	m->def.type = BPF_MAP_TYPE_ARRAY;
	m->def.key_size = sizeof(uint32_t);
	m->def.value_size = (uint32_t)s->size;
	m->def.max_entries = 1;
	m->def.map_flags = m->kind == LDR_MAP_RODATA ? BPF_F_RDONLY_PROG : 0;
	m->def.btf_value_type_id = ldr_datasec_id(obj, s->name);
	if (ldr_datasec_mmapable(obj, m->def.btf_value_type_id))
		m->def.map_flags |= BPF_F_MMAPABLE;
	int err = ldr_map_set_name(obj, m, s->name);
	if (err)
		return err;
	return ldr_map_internal_mmap(obj, m, s->sh_type == SHT_NOBITS ? NULL : s->data, s->size);
}

int ldr_maps_data_init(struct userbpf_object *obj)
{
	for (uint32_t i = 1; i < obj->nr_secs; i++) {
		enum ldr_sec_kind k = obj->secs[i].kind;
		if (k == LDR_SEC_DATA || k == LDR_SEC_RODATA || k == LDR_SEC_BSS) {
			int err = ldr_map_data_add(obj, i);
			if (err)
				return err;
		}
	}
	return 0;
}

/* iproute2's pin paths: PIN_GLOBAL_NS under tc/globals, PIN_OBJECT_NS under tc/<object>. */
static int ldr_legacy_pin(struct userbpf_object *obj, struct userbpf_map *m, uint32_t pinning)
{
	if (!pinning)
		return 0;
	if (pinning != LDR_PIN_OBJECT_NS && pinning != LDR_PIN_GLOBAL_NS)
		return ldr_err(obj, -EINVAL, "section 'maps', map '%s': unknown pinning %u",
		               m->name, pinning);
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/tc/%s/%s", obj->pin_root_path,
	                 pinning == LDR_PIN_GLOBAL_NS ? "globals" : obj->name, m->name);
	if (n < 0 || (size_t)n >= sizeof path)
		return ldr_err(obj, -ENAMETOOLONG, "map '%s': pin path too long", m->name);
	m->def.pinning = pinning;
	m->pin_path = ldr_strdup(path);
	return m->pin_path ? 0 : -ENOMEM;
}

static int ldr_legacy_map(struct userbpf_object *obj, uint32_t sym, size_t def_sz)
{
	const struct ldr_sec *s = &obj->secs[obj->legacy_sec];
	Elf64_Sym es;
	ldr_sym(obj, sym, &es);
	const char *name = ldr_sym_name(obj, sym);
	if (!*name)
		return ldr_err(obj, -EINVAL, "section 'maps': map symbol #%u has no name", sym);
	if (ELF64_ST_BIND(es.st_info) == STB_LOCAL)
		return ldr_err(obj, -EOPNOTSUPP,
		               "section 'maps', map '%s': static maps are not "
		               "supported",
		               name);
	if (es.st_value > s->size || def_sz > s->size - es.st_value || !s->data)
		return ldr_err(obj, -EINVAL,
		               "section 'maps', map '%s': definition at offset %llu runs past the "
		               "section (%zu bytes)",
		               name, (unsigned long long)es.st_value, s->size);
	uint32_t w[9] = {0};
	memcpy(w, s->data + es.st_value, def_sz < sizeof w ? def_sz : sizeof w);
	if (def_sz > LDR_LEGACY_DEF_SZ && def_sz != LDR_IPROUTE2_DEF_SZ) {
		for (size_t i = LDR_LEGACY_DEF_SZ; i < def_sz; i++)
			if (s->data[es.st_value + i])
				return ldr_err(
				        obj, -EINVAL,
				        "section 'maps', map '%s': unrecognized non-zero bytes at "
				        "offset %zu of a %zu-byte definition",
				        name, i, def_sz);
	}
	struct userbpf_map *m = ldr_map_add(obj);
	if (!m)
		return -ENOMEM;
	m->kind = LDR_MAP_LEGACY;
	m->sec_idx = obj->legacy_sec;
	m->sec_off = es.st_value;
	m->def_size = def_sz;
	m->def.type = w[0];
	m->def.key_size = w[1];
	m->def.value_size = w[2];
	m->def.max_entries = w[3];
	m->def.map_flags = w[4];
	m->name = ldr_strdup(name);
	m->real_name = ldr_strdup(name);
	if (!m->name || !m->real_name)
		return -ENOMEM;
	if (def_sz == LDR_IPROUTE2_DEF_SZ) {
		m->legacy_id = w[5];
		m->legacy_inner_id = w[7];
		m->legacy_inner_idx = w[8];
		return ldr_legacy_pin(obj, m, w[6]);
	}
	return 0;
}

int ldr_maps_legacy_init(struct userbpf_object *obj)
{
	if (!obj->legacy_sec)
		return 0;
	const struct ldr_sec *s = &obj->secs[obj->legacy_sec];
	uint32_t nr = 0;
	for (uint32_t i = 1; i < obj->nr_syms; i++) {
		Elf64_Sym es;
		ldr_sym(obj, i, &es);
		if (es.st_shndx == obj->legacy_sec && ELF64_ST_TYPE(es.st_info) != STT_SECTION)
			nr++;
	}
	if (!s->size || !nr || s->size % nr)
		return ldr_err(
		        obj, -EINVAL,
		        "section 'maps': cannot tell the legacy map definition size (%zu bytes, "
		        "%u symbols)",
		        s->size, nr);
	size_t def_sz = s->size / nr;
	if (def_sz < 4 * sizeof(uint32_t))
		return ldr_err(obj, -EINVAL,
		               "section 'maps': definitions of %zu bytes are too small", def_sz);
	for (uint32_t i = 1; i < obj->nr_syms; i++) {
		Elf64_Sym es;
		ldr_sym(obj, i, &es);
		if (es.st_shndx != obj->legacy_sec || ELF64_ST_TYPE(es.st_info) == STT_SECTION)
			continue;
		int err = ldr_legacy_map(obj, i, def_sz);
		if (err)
			return err;
	}
	/* iproute2 map-in-map: the outer names its template by id, the inner its slot */
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct userbpf_map *m = &obj->maps[i];
		if (m->kind != LDR_MAP_LEGACY || !m->legacy_inner_id)
			continue;
		bool found = false;
		for (uint32_t k = 0; k < obj->nr_maps; k++) {
			const struct userbpf_map *in = &obj->maps[k];
			if (k == i || in->kind != LDR_MAP_LEGACY ||
			    in->legacy_id != m->legacy_inner_id)
				continue;
			found = true;
			struct ldr_init_slot *ns =
			        realloc(m->slots, (m->nr_slots + 1) * sizeof *ns);
			if (!ns)
				return -ENOMEM;
			m->slots = ns;
			ns[m->nr_slots++] = (struct ldr_init_slot){
			        .index = in->legacy_inner_idx, .is_prog = false, .target = (int)k};
		}
		if (!found)
			return ldr_err(obj, -ENOENT,
			               "section 'maps', map '%s': inner map id %u not defined",
			               m->name, m->legacy_inner_id);
	}
	return 0;
}
