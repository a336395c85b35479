/* helper_map.c — the map helpers: lookup, update, delete, push, pop, peek.
 *
 * Guarded runs also refuse a map the helper may not take (the verifier's
 * check_map_func_compatibility, helper_compat.c): a lookup into a prog array, say, would
 * otherwise hand the program a pointer it could use to rewrite the array. */
#include <errno.h>

#include "helpers/helpers.h"
#include "maps/map.h"

#define RD USERBPF_MEM_READ
#define WR USERBPF_MEM_WRITE
#define ERR(e) ((uint64_t)(int64_t)(e))

struct bpf_map *bpf_helper_map_arg(struct userbpf_run_ctx *rc, uint64_t arg)
{
	if (!userbpf_run_guarded(rc))
		return (struct bpf_map *)(uintptr_t)arg; /* the verifier proved it */
	const struct bpf_run_env *env = userbpf_run_user(rc);
	if (!env)
		return NULL;
	for (uint32_t i = 0; i < env->nr_maps; i++)
		if ((uintptr_t)env->maps[i] == arg)
			return env->maps[i];
	return env->map_check ? env->map_check(env->owner, arg) : NULL;
}

struct bpf_map *bpf_helper_map_arg_type(struct userbpf_run_ctx *rc, uint64_t arg, uint32_t map_type)
{
	struct bpf_map *map = bpf_helper_map_arg(rc, arg);
	return map && map->map_type == map_type ? map : NULL;
}

/* The map argument of helper func_id, NULL if a guarded run may not use it with func_id. */
static struct bpf_map *map_arg_for(struct userbpf_run_ctx *rc, uint64_t arg, uint32_t func_id)
{
	struct bpf_map *map = bpf_helper_map_arg(rc, arg);
	if (map && userbpf_run_guarded(rc) &&
	    bpf_check_map_func_compat(map->map_type, func_id, 0, 0, NULL, 0))
		return NULL;
	return map;
}

/* bpf_tail_call(ctx, prog_array, index) is run by the vm itself (it replaces the running
 * program); only a non-Linux callx can reach this, and then nothing happens. */
uint64_t bpf_tail_call_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	return ERR(-EINVAL);
}

static bool map_of_maps(const struct bpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       map->map_type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/* A map-in-map value is an inner map id; programs get the inner map itself. */
static uint64_t lookup_inner(struct userbpf_run_ctx *rc, const uint32_t *id)
{
	const struct bpf_run_env *env = userbpf_run_user(rc);
	if (!id || !*id || !env || !env->map_by_id)
		return 0;
	return (uint64_t)(uintptr_t)env->map_by_id(env->owner, *id);
}

/* Hand a value pointer to the program; a guarded run must be granted the memory. */
static uint64_t grant_value(struct userbpf_run_ctx *rc, struct bpf_map *map, void *value)
{
	if (!value)
		return 0;
	unsigned prot = map->map_flags & BPF_F_RDONLY_PROG ? RD : RD | WR;
	if (userbpf_run_guarded(rc) && userbpf_run_grant(rc, value, map->value_size, prot))
		return 0; /* out of grant slots: behave as a miss rather than fault */
	return (uint64_t)(uintptr_t)value;
}

uint64_t bpf_map_lookup_elem_helper(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = map_arg_for(rc, r1, BPF_FUNC_map_lookup_elem);
	const void *k = (const void *)(uintptr_t)key;
	if (!map || !userbpf_run_access_ok(rc, k, map->key_size, RD))
		return 0;
	/* map->lookup: the lookup resolved once per map (maps/map.h), e.g. a hash specialised
	 * for its key size; the ops entry for a map built without it. */
	void *(*lookup)(struct bpf_map *, const void *) =
	        map->lookup ? map->lookup : map->ops->map_lookup_elem;
	if (!lookup)
		return 0;
	void *value = lookup(map, k);
	if (map_of_maps(map))
		return lookup_inner(rc, value);
	return grant_value(rc, map, value);
}

uint64_t bpf_map_lookup_percpu_elem_helper(uint64_t r1, uint64_t key, uint64_t cpu, uint64_t r4,
                                           uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = map_arg_for(rc, r1, BPF_FUNC_map_lookup_percpu_elem);
	const void *k = (const void *)(uintptr_t)key;
	if (!map || !map->ops->map_lookup_percpu_elem ||
	    !userbpf_run_access_ok(rc, k, map->key_size, RD))
		return 0;
	return grant_value(rc, map, map->ops->map_lookup_percpu_elem(map, k, (uint32_t)cpu));
}

uint64_t bpf_map_update_elem_helper(uint64_t r1, uint64_t key, uint64_t value, uint64_t flags,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = map_arg_for(rc, r1, BPF_FUNC_map_update_elem);
	const void *k = (const void *)(uintptr_t)key, *v = (const void *)(uintptr_t)value;
	if (!map)
		return ERR(-EINVAL);
	if (!userbpf_run_access_ok(rc, k, map->key_size, RD) ||
	    !userbpf_run_access_ok(rc, v, map->value_size, RD))
		return ERR(-EFAULT);
	if (map->ops->map_update_elem_prog)
		return ERR(map->ops->map_update_elem_prog(map, k, v, flags));
	if (!map->ops->map_update_elem || map_of_maps(map))
		return ERR(-EOPNOTSUPP);
	return ERR(map->ops->map_update_elem(map, k, v, flags));
}

uint64_t bpf_map_delete_elem_helper(uint64_t r1, uint64_t key, uint64_t r3, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = map_arg_for(rc, r1, BPF_FUNC_map_delete_elem);
	const void *k = (const void *)(uintptr_t)key;
	if (!map)
		return ERR(-EINVAL);
	if (!userbpf_run_access_ok(rc, k, map->key_size, RD))
		return ERR(-EFAULT);
	if (!map->ops->map_delete_elem)
		return ERR(-EOPNOTSUPP);
	return ERR(map->ops->map_delete_elem(map, k));
}

uint64_t bpf_map_push_elem_helper(uint64_t r1, uint64_t value, uint64_t flags, uint64_t r4,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = map_arg_for(rc, r1, BPF_FUNC_map_push_elem);
	const void *v = (const void *)(uintptr_t)value;
	if (!map || !map->ops->map_push_elem)
		return ERR(-EINVAL);
	if (!userbpf_run_access_ok(rc, v, map->value_size, RD))
		return ERR(-EFAULT);
	return ERR(map->ops->map_push_elem(map, v, flags));
}

/* pop and peek write value_size bytes into the program's buffer. */
static uint64_t map_take(struct userbpf_run_ctx *rc, uint64_t r1, uint64_t value, bool pop)
{
	struct bpf_map *map =
	        map_arg_for(rc, r1, pop ? BPF_FUNC_map_pop_elem : BPF_FUNC_map_peek_elem);
	void *v = (void *)(uintptr_t)value;
	long (*op)(struct bpf_map *, void *) = !map  ? NULL
	                                       : pop ? map->ops->map_pop_elem
	                                             : map->ops->map_peek_elem;
	if (!op)
		return ERR(-EINVAL);
	if (!userbpf_run_access_ok(rc, v, map->value_size, WR))
		return ERR(-EFAULT);
	return ERR(op(map, v));
}

uint64_t bpf_map_pop_elem_helper(uint64_t r1, uint64_t value, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct userbpf_run_ctx *rc)
{
	return map_take(rc, r1, value, true);
}

uint64_t bpf_map_peek_elem_helper(uint64_t r1, uint64_t value, uint64_t r3, uint64_t r4,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	return map_take(rc, r1, value, false);
}
