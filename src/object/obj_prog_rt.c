/* obj_prog_rt.c — the per-process runtimes of programs: build, find by id, tail calls.
 *
 * A program loaded elsewhere (OBJ_GET, GET_FD_BY_ID, a prog array slot) is rebuilt here
 * from its file: each used map is opened by id through the registry (its keep-alive link
 * under .refs makes it resolvable while the program lives) and attached, and the stored
 * id references are resolved to those maps by the same fixup a load uses.
 *
 * A runtime built by a load of a program that holds maps owns references on the maps'
 * views (struct bpf_map is refcounted) and is reaped when the program is gone (the sweep
 * removed its name under .refs, obj_prog_file.c), after the runs that may use it (RCU): the
 * maps are then unmapped here. Other runtimes, and maps reached by id at run time (inner
 * maps of map-in-map, rebuilt programs' maps), are kept for the life of the process. All of
 * this is behind one mutex: these are slow paths (first use), except the tail-call lookup,
 * which is a short scan.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <userbpf/isa.h>

#include "object/obj_prog.h"
#include "progtypes/progtype.h"

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj_prog **rt_progs;
static size_t rt_nr, rt_cap;
struct rt_map {
	const char *root;
	uint32_t id;
	struct bpf_map *map;
};
static struct rt_map *rt_maps; /* maps attached by id (inner maps, rebuilt programs' maps) */
static size_t rt_nr_maps, rt_cap_maps;
/* An index of rt_maps by (root, id): open addressing, slots hold index + 1 (0: empty). */
static uint32_t *rt_map_idx;
static size_t rt_map_idx_cap; /* a power of two, at least twice rt_nr_maps */

/* Ids are per bpffs root (USERBPF_BPFFS may change): entries are keyed by (root, id),
 * the root an interned string so it compares as a pointer. */
static const char **rt_roots;
static size_t rt_nr_roots, rt_cap_roots;

static bool rt_grow(void **arr, size_t *cap, size_t nr, size_t elem);

/* The current root, interned (rt_lock held); NULL on error. */
static const char *rt_root(void)
{
	char buf[PATH_MAX];
	if (obj_root(buf))
		return NULL;
	for (size_t i = 0; i < rt_nr_roots; i++)
		if (!strcmp(rt_roots[i], buf))
			return rt_roots[i];
	char *dup = strdup(buf);
	if (!dup || !rt_grow((void **)&rt_roots, &rt_cap_roots, rt_nr_roots, sizeof *rt_roots)) {
		free(dup);
		return NULL;
	}
	return rt_roots[rt_nr_roots++] = dup;
}

/* Newest first: a runtime rebuilt for a replaced file shadows the old one. */
static struct obj_prog *rt_find(const char *root, uint32_t id)
{
	for (size_t i = rt_nr; i-- > 0;)
		if (rt_progs[i]->id == id && rt_progs[i]->root == root)
			return rt_progs[i];
	return NULL;
}

static bool rt_grow(void **arr, size_t *cap, size_t nr, size_t elem)
{
	if (nr < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *n = realloc(*arr, ncap * elem);
	if (!n)
		return false;
	*arr = n;
	*cap = ncap;
	return true;
}

static size_t rt_map_hash(const char *root, uint32_t id)
{
	uint64_t h = ((uint64_t)(uintptr_t)root >> 4) ^ ((uint64_t)id * 0x9e3779b97f4a7c15ull);
	return (size_t)(h ^ (h >> 29));
}

static void rt_map_idx_put(size_t i)
{
	size_t mask = rt_map_idx_cap - 1;
	for (size_t s = rt_map_hash(rt_maps[i].root, rt_maps[i].id) & mask;; s = (s + 1) & mask)
		if (!rt_map_idx[s]) {
			rt_map_idx[s] = (uint32_t)i + 1;
			return;
		}
}

/* The first view of (root, id) in rt_maps, or NULL (rt_lock held). */
static struct bpf_map *rt_map_find(const char *root, uint32_t id)
{
	if (!rt_map_idx_cap)
		return NULL;
	size_t mask = rt_map_idx_cap - 1;
	for (size_t s = rt_map_hash(root, id) & mask; rt_map_idx[s]; s = (s + 1) & mask) {
		const struct rt_map *m = &rt_maps[rt_map_idx[s] - 1];
		if (m->id == id && m->root == root)
			return m->map;
	}
	return NULL;
}

/* Append a view to rt_maps and its index (rt_lock held); false on ENOMEM. */
static bool rt_map_add(const char *root, uint32_t id, struct bpf_map *map)
{
	if (rt_nr_maps >= UINT32_MAX - 1 ||
	    !rt_grow((void **)&rt_maps, &rt_cap_maps, rt_nr_maps, sizeof *rt_maps))
		return false;
	if (2 * (rt_nr_maps + 1) > rt_map_idx_cap) {
		size_t ncap = rt_map_idx_cap ? rt_map_idx_cap * 2 : 64;
		uint32_t *n = calloc(ncap, sizeof *n);
		if (!n)
			return false;
		free(rt_map_idx);
		rt_map_idx = n;
		rt_map_idx_cap = ncap;
		for (size_t i = 0; i < rt_nr_maps; i++)
			rt_map_idx_put(i);
	}
	rt_maps[rt_nr_maps] = (struct rt_map){root, id, map};
	rt_map_idx_put(rt_nr_maps++);
	return true;
}

/* A map by id, attached in this process (rt_lock held); NULL if it is gone. */
static struct bpf_map *rt_map_by_id_locked(const char *root, uint32_t id)
{
	struct bpf_map *map = rt_map_find(root, id);
	if (map)
		return map;
	int fd = obj_registry_open(OBJ_MAP, id, O_RDWR);
	if (fd < 0)
		return NULL;
	int err = bpf_map_attach_fd(fd, &map);
	close(fd);
	if (err)
		return NULL;
	if (!rt_map_add(root, id, map)) {
		bpf_map_detach(map);
		return NULL;
	}
	return map;
}

static struct bpf_map *rt_map_by_id(void *owner, uint32_t id)
{
	pthread_mutex_lock(&rt_lock);
	struct bpf_map *m = rt_map_by_id_locked(owner, id);
	pthread_mutex_unlock(&rt_lock);
	return m;
}

/* Guarded runs: a map pointer is valid if any runtime or id lookup attached it here
 * (after a tail call the run still carries the first program's environment). */
static struct bpf_map *rt_map_check(void *owner, uint64_t ptr)
{
	(void)owner;
	struct bpf_map *found = NULL;
	pthread_mutex_lock(&rt_lock);
	for (size_t i = 0; i < rt_nr_maps && !found; i++)
		if ((uintptr_t)rt_maps[i].map == ptr)
			found = rt_maps[i].map;
	for (size_t i = 0; i < rt_nr && !found; i++)
		for (uint32_t k = 0; k < rt_progs[i]->nr_maps; k++)
			if ((uintptr_t)rt_progs[i]->maps[k] == ptr)
				found = rt_progs[i]->maps[k];
	pthread_mutex_unlock(&rt_lock);
	return found;
}

void obj_prog_run_env(const struct obj_prog *p, struct bpf_run_env *env)
{
	memset(env, 0, sizeof *env);
	env->maps = p->maps;
	env->nr_maps = p->nr_maps;
	env->map_by_id = rt_map_by_id;
	env->map_check = rt_map_check;
	env->owner = (void *)p->root;
}

/* The fixup of a stored program: its "fd" operands are map ids. */
static int rt_map_from_id(void *ctx, int id, struct bpf_map **map)
{
	struct obj_prog *p = ctx;
	for (uint32_t i = 0; i < p->nr_maps; i++)
		if (p->maps[i]->sh->id == (uint32_t)id) {
			*map = p->maps[i];
			return 0;
		}
	return -EBADF;
}

static struct obj_prog *rt_build(const char *root, const struct obj_blob *b, uint32_t id, int *err)
{
	const struct obj_hdr *h = b->hdr;
	struct obj_prog *p = calloc(1, sizeof *p);
	struct bpf_insn *insns = malloc((size_t)h->insn_cnt * sizeof *insns);
	struct userbpf_error e;
	*err = -ENOMEM;
	if (!p || !insns)
		goto fail;
	p->id = id;
	p->root = root;
	p->prog_type = h->type;
	p->expected_attach_type = h->expected_attach_type;
	const struct obj_prog_trailer *tr = obj_prog_trailer(b);
	p->max_ctx_offset = tr ? tr->max_ctx_offset : 0;
	const uint32_t *ids = obj_prog_map_ids(b);
	uint32_t nr = __atomic_load_n(&((struct obj_hdr *)h)->nr_map_ids, __ATOMIC_ACQUIRE);
	for (uint32_t i = 0; i < nr && i < BPF_MAX_USED_MAPS; i++) {
		struct bpf_map *m = rt_map_by_id_locked(root, ids[i]);
		if (!m) {
			*err = -ENOENT; /* a map the program holds is gone: not expected */
			goto fail;
		}
		p->borrowed |= UINT64_C(1) << p->nr_maps; /* rt_maps keeps it */
		p->maps[p->nr_maps++] = m;
	}
	memcpy(insns, b->payload, (size_t)h->insn_cnt * sizeof *insns);
	struct bpf_fixup_env fx = {.map_from_fd = rt_map_from_id, .ctx = p};
	if ((*err = bpf_fixup_map_ldimm64(insns, h->insn_cnt, &fx, &e)))
		goto fail;
	if ((*err = obj_prog_rt_finish(p, insns, h->insn_cnt, &e)))
		goto fail;
	free(insns);
	/* the maps belong to rt_maps; a built runtime's own list only names them */
	return p;
fail:
	free(insns);
	obj_prog_rt_free(p); /* its maps are rt_maps' (borrowed) */
	return NULL;
}

int obj_prog_rt_get(struct obj_entry *e, struct obj_prog **out)
{
	int err = 0;
	pthread_mutex_lock(&rt_lock);
	const char *root = rt_root();
	struct obj_prog *p = root ? rt_find(root, e->id) : NULL;
	struct obj_blob *b = NULL;
	if (!root)
		err = -ENOMEM;
	else if (!p && !(err = obj_entry_blob(e, &b)) && (p = rt_build(root, b, e->id, &err))) {
		if (rt_grow((void **)&rt_progs, &rt_cap, rt_nr, sizeof *rt_progs)) {
			rt_progs[rt_nr++] = p;
		} else {
			obj_prog_rt_free(p);
			p = NULL;
			err = -ENOMEM;
		}
	}
	pthread_mutex_unlock(&rt_lock);
	*out = p;
	return p ? 0 : err;
}

/* The program in slot index of a prog array, for bpf_tail_call. */
static const struct userbpf_vm *rt_tail_call(void *user, uint64_t map_ptr, uint32_t index)
{
	const struct obj_prog *caller = user;
	struct bpf_map *map = NULL;
	for (uint32_t i = 0; i < caller->nr_maps && !map; i++)
		if ((uintptr_t)caller->maps[i] == map_ptr)
			map = caller->maps[i];
	/* the vm is guarded: only a prog array the program named is trusted */
	if (!map || map->map_type != BPF_MAP_TYPE_PROG_ARRAY)
		return NULL;
	const uint32_t *slot = map->ops->map_lookup_elem(map, &index);
	uint32_t id = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
	if (!id)
		return NULL;
	pthread_mutex_lock(&rt_lock);
	struct obj_prog *p = rt_find(caller->root, id);
	pthread_mutex_unlock(&rt_lock);
	if (p)
		return p->vm;
	/* loaded elsewhere: attach it (the array holds ids, so the program may be gone) */
	int fd = obj_registry_open(OBJ_PROG, id, O_RDWR);
	if (fd < 0)
		return NULL;
	struct obj_blob *b;
	int err = obj_blob_attach(fd, &b);
	close(fd);
	if (err)
		return NULL;
	struct obj_entry ent = {.kind = OBJ_PROG, .id = id, .blob = b};
	err = obj_prog_rt_get(&ent, &p);
	obj_blob_detach(b);
	return err ? NULL : p->vm;
}

bool obj_prog_guarded_env(void)
{
	const char *g = getenv("USERBPF_GUARDED");
	return g && *g && strcmp(g, "0") != 0;
}

/* Does the program carry the verifier's inlined lookup for an array of max_entries
 * (map_gen_lookup.c: r1 = *(u64 *)(r1 + offsetof(data)); r0 = *(u32 *)(r2 + 0);
 * if r0 >= max_entries goto ...)? */
static bool rt_has_inlined_lookup(const struct bpf_insn *in, uint32_t cnt, uint32_t max_entries)
{
	for (uint32_t i = 0; i + 2 < cnt; i++)
		if (in[i].code == (BPF_LDX | BPF_MEM | BPF_DW) && in[i].dst_reg == BPF_REG_1 &&
		    in[i].src_reg == BPF_REG_1 && in[i].off == offsetof(struct bpf_map, data) &&
		    in[i + 1].code == (BPF_LDX | BPF_MEM | BPF_W) &&
		    in[i + 1].dst_reg == BPF_REG_0 && in[i + 1].src_reg == BPF_REG_2 &&
		    in[i + 1].off == 0 && in[i + 2].code == (BPF_JMP | BPF_JGE | BPF_K) &&
		    in[i + 2].dst_reg == BPF_REG_0 && (uint32_t)in[i + 2].imm == max_entries)
			return true;
	return false;
}

/* Does an ld_imm64 of the program load an address in [base, base + len)? */
static bool rt_has_ldimm64_into(const struct bpf_insn *in, uint32_t cnt, const void *base,
                                size_t len)
{
	for (uint32_t i = 0; i + 1 < cnt; i++)
		if (userbpf_insn_is_ldimm64(&in[i])) {
			uintptr_t v = (uintptr_t)userbpf_insn_imm64(&in[i]);
			if (v >= (uintptr_t)base && v - (uintptr_t)base < len)
				return true;
			i++;
		}
	return false;
}

/* A guarded runtime's own memory: what a verified program reaches without a helper
 * handing it out, and no more, so that a guard still trips where the verifier let an
 * access past what it proved.
 * - Each used map's struct bpf_map, read-only: the verifier lets a program read a map
 *   pointer (CONST_PTR_TO_MAP, as the kernel's BTF access to struct bpf_map) anywhere
 *   within that struct (check_ptr_to_map_access: off >= 0, off + size <= its size; no
 *   pointer arithmetic on it), and the inlined array lookup reads map->data from it.
 * - The value of a one-element array whose address an ld_imm64 loads (BPF_PSEUDO_MAP_VALUE:
 *   global data), exactly value_size bytes.
 * - Every value of an array whose lookup the verifier inlined (the program computes
 *   element addresses itself).
 * Values are writable unless the map is BPF_F_RDONLY_PROG (MAP_FREEZE only stops the
 * syscall side, as in the kernel). */
static int rt_grant_maps(struct obj_prog *p, const struct bpf_insn *in, uint32_t cnt)
{
	struct userbpf_mem_region r[2 * BPF_MAX_USED_MAPS];
	size_t n = 0;
	for (uint32_t i = 0; i < p->nr_maps; i++) {
		struct bpf_map *m = p->maps[i];
		r[n++] = (struct userbpf_mem_region){m, sizeof *m, USERBPF_MEM_READ};
		if (m->map_type != BPF_MAP_TYPE_ARRAY || !m->data)
			continue;
		unsigned prot = USERBPF_MEM_READ;
		if (!(m->map_flags & BPF_F_RDONLY_PROG))
			prot |= USERBPF_MEM_WRITE;
		size_t all = (size_t)m->max_entries * m->round_value_size;
		if (rt_has_inlined_lookup(in, cnt, m->max_entries))
			r[n++] = (struct userbpf_mem_region){m->data, all, prot};
		else if (m->max_entries == 1 &&
		         rt_has_ldimm64_into(in, cnt, m->data, m->value_size))
			r[n++] = (struct userbpf_mem_region){m->data, m->value_size, prot};
	}
	return userbpf_vm_set_regions(p->vm, r, n);
}

int obj_prog_rt_finish(struct obj_prog *p, const struct bpf_insn *fixed, uint32_t cnt,
                       struct userbpf_error *e)
{
	/* verified: the trusted engine, unless the soundness check asks for guards */
	p->guarded = obj_prog_guarded_env();
	struct userbpf_vm_opts o = {.sz = sizeof o,
	                            .flags = p->guarded ? USERBPF_VM_UNVERIFIED : 0};
	int err = userbpf_vm_create(fixed, cnt, &o, &p->vm, e);
	if (err)
		return err;
	if (p->guarded && (err = rt_grant_maps(p, fixed, cnt)))
		return userbpf_errorf(e, err, -1, "out of memory");
	const struct bpf_prog_type_info *t = bpf_prog_type_info(p->prog_type);
	if (t)
		bpf_prog_type_install_helpers(p->vm, t, p->expected_attach_type);
	else
		bpf_helpers_install(p->vm);
	userbpf_vm_set_tail_call(p->vm, rt_tail_call, p);
	return 0;
}

void obj_prog_rt_free(struct obj_prog *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i < p->nr_maps; i++)
		if (!(p->borrowed >> i & 1))
			bpf_map_detach(p->maps[i]);
	userbpf_vm_destroy(p->vm);
	free(p);
}

static void rt_free_rcu(struct ub_rcu_head *h)
{
	obj_prog_rt_free((struct obj_prog *)h);
}

static int rt_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Is the name of p (a program loaded here as <root>/.refs/prog-<id>) gone? */
static bool rt_name_gone(const struct obj_prog *p, const char *root, const uint32_t *gone,
                         size_t nr_gone, const uint32_t *alive, size_t nr_alive)
{
	if (p->root == root && nr_gone && bsearch(&p->id, gone, nr_gone, sizeof *gone, rt_cmp_u32))
		return true;
	if (p->root == root && nr_alive &&
	    bsearch(&p->id, alive, nr_alive, sizeof *alive, rt_cmp_u32))
		return false;
	char path[PATH_MAX + 64];
	struct stat st;
	snprintf(path, sizeof path, "%s/.refs/prog-%" PRIu32, p->root, p->id);
	return stat(path, &st) < 0 && errno == ENOENT;
}

void obj_prog_rt_reap(const uint32_t *gone, size_t nr_gone, const uint32_t *alive, size_t nr_alive)
{
	pthread_mutex_lock(&rt_lock);
	const char *root = rt_root();
	size_t w = 0;
	for (size_t i = 0; i < rt_nr; i++) {
		struct obj_prog *p = rt_progs[i];
		if (p->named && rt_name_gone(p, root, gone, nr_gone, alive, nr_alive)) {
			/* runs in progress are in read sections: it goes after them */
			ub_rcu_call(&p->rcu, rt_free_rcu);
			continue;
		}
		rt_progs[w++] = p;
	}
	rt_nr = w;
	pthread_mutex_unlock(&rt_lock);
}

void obj_prog_rt_publish(struct obj_prog *p)
{
	pthread_mutex_lock(&rt_lock);
	p->root = rt_root();
	if (p->root && rt_grow((void **)&rt_progs, &rt_cap, rt_nr, sizeof *rt_progs)) {
		rt_progs[rt_nr++] = p;
		p = NULL;
	}
	pthread_mutex_unlock(&rt_lock);
	obj_prog_rt_free(p); /* not kept: it is rebuilt from the file when used */
}
