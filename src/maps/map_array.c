/* map_array.c — BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY, PROG_ARRAY and ARRAY_OF_MAPS
 * (kernel/bpf/arraymap.c).
 *
 * Every element always exists: lookups never allocate, deletes are refused, and an update
 * is a plain copy into the slot. Layout of the type's region:
 *   ARRAY          value i at i * elem_size, elem_size = round_up(value_size, 8), so that
 *                  mmap(fd, 0) of a BPF_F_MMAPABLE array shows the values as the kernel's;
 *   PERCPU_ARRAY   element i is a block of ncpus * elem_size, CPU after CPU;
 *   PROG_ARRAY,    one u32 object id per slot, 0 = empty. The object layer turns fds into
 *   ARRAY_OF_MAPS  ids (and checks the program/inner-map compatibility) before we see them.
 * Plain arrays need no lock: like the kernel, concurrent updates of one value may tear;
 * BPF_F_LOCK serialises through the value's own struct bpf_spin_lock.
 */
#include <errno.h>
#include <string.h>

#include "core/cpu.h"
#include "maps/map.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "operation not supported" */
#endif

#define NUMA_NO_NODE ((uint32_t)-1)
#define ARRAY_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define ARRAY_CREATE_FLAG_MASK                                                                     \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | ARRAY_ACCESS_FLAGS | BPF_F_PRESERVE_ELEMS |            \
	 BPF_F_INNER_MAP)
#define PCPU_MIN_UNIT_SIZE (32u << 10) /* a per-CPU value cannot exceed one unit */

static inline uint32_t array_elem_size(uint32_t value_size)
{
	return (value_size + 7) & ~7u;
}

/* bpf_map_flags_access_ok(): read-only and write-only exclude each other, per side. */
static bool array_flags_access_ok(uint32_t flags)
{
	return (flags & (BPF_F_RDONLY | BPF_F_WRONLY)) != (BPF_F_RDONLY | BPF_F_WRONLY) &&
	       (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !=
	               (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/* array_map_alloc_check() (map_create's common checks are bpf_map_check_common). */
static int array_map_alloc_check(const union bpf_attr *attr)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t numa_node = attr->map_flags & BPF_F_NUMA_NODE ? attr->numa_node : NUMA_NO_NODE;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size == 0 ||
	    attr->map_flags & ~ARRAY_CREATE_FLAG_MASK || !array_flags_access_ok(attr->map_flags) ||
	    (percpu && numa_node != NUMA_NO_NODE))
		return -EINVAL;
	if (attr->map_type != BPF_MAP_TYPE_ARRAY &&
	    attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP))
		return -EINVAL;
	if (attr->map_flags & BPF_F_PRESERVE_ELEMS) /* perf event arrays only */
		return -EINVAL;
	if (attr->value_size > INT32_MAX) /* round_up(value_size) must not overflow */
		return -E2BIG;
	if (percpu && array_elem_size(attr->value_size) > PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

/* fd_array_map_alloc_check(): the slots hold 4-byte fds (ids for us). */
static int fd_array_map_alloc_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	/* program-side read-only/write-only is not supported for these maps */
	if (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
		return -EINVAL;
	return array_map_alloc_check(attr);
}

static uint64_t array_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	uint64_t elem = array_elem_size(attr->value_size);
	if (attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		elem *= (uint64_t)ncpus;
	return (uint64_t)attr->max_entries * elem;
}

static uint64_t fd_array_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	return (uint64_t)attr->max_entries * sizeof(uint32_t);
}

/* --- element addressing --- */

static inline void *array_elem(const struct bpf_map *map, uint32_t index)
{
	return (char *)map->data + (uint64_t)index * map->round_value_size;
}

static inline void *percpu_array_elem(const struct bpf_map *map, uint32_t index, uint32_t cpu)
{
	return (char *)map->data +
	       ((uint64_t)index * (uint32_t)map->ncpus + cpu) * map->round_value_size;
}

static inline uint32_t *fd_array_slot(const struct bpf_map *map, uint32_t index)
{
	return (uint32_t *)map->data + index;
}

static inline uint32_t array_this_cpu(const struct bpf_map *map)
{
	/* the map's CPU count is the creator's; stay inside it whatever this process sees */
	return (uint32_t)ub_current_cpu() % (uint32_t)map->ncpus;
}

/* The checks map_lookup_elem()/map_update_elem() in syscall.c make before the type's op. */
static int array_check_sys_flags(const struct bpf_map *map, uint64_t flags, uint64_t allowed)
{
	if (flags & ~allowed)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return 0;
}

/* --- ARRAY --- */

static void *array_map_lookup_elem(struct bpf_map *map, const void *key)
{
	uint32_t index = bpf_map_key_u32(key);
	return index < map->max_entries ? array_elem(map, index) : NULL;
}

static int array_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                     uint64_t flags)
{
	int err = array_check_sys_flags(map, flags, BPF_F_LOCK);
	if (err)
		return err;
	void *ptr = array_map_lookup_elem(map, key);
	if (!ptr)
		return -ENOENT;
	if (flags & BPF_F_LOCK)
		bpf_map_copy_value_locked(map, value, ptr, false);
	else
		bpf_map_copy_value(map, value, ptr);
	/* check_and_init_map_value(): user space never sees the lock word */
	uint32_t *lock = bpf_map_value_lock(map, value);
	if (lock)
		memset(lock, 0, sizeof *lock);
	return 0;
}

/* array_map_update_elem(): the order of the checks decides the errno. */
static long array_map_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                       uint64_t flags)
{
	uint32_t index = bpf_map_key_u32(key);
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG; /* all elements were preallocated: nothing can be inserted */
	if (flags & BPF_NOEXIST)
		return -EEXIST; /* every element already exists */
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	if (map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		bpf_map_copy_value(map, percpu_array_elem(map, index, array_this_cpu(map)), value);
		return 0;
	}
	void *val = array_elem(map, index);
	if (flags & BPF_F_LOCK)
		bpf_map_copy_value_locked(map, val, value, true);
	else
		bpf_map_copy_value(map, val, value);
	return 0;
}

static int array_map_update_elem(struct bpf_map *map, const void *key, const void *value,
                                 uint64_t flags)
{
	/* syscall.c refuses BPF_F_LOCK without a lock before the type looks at anything */
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return (int)array_map_update_elem_prog(map, key, value, flags);
}

static int array_map_delete_elem(struct bpf_map *map, const void *key)
{
	return -EINVAL; /* elements cannot be deleted */
}

/* NULL or an out-of-range key restarts at 0; the last index ends the walk. */
static int array_map_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	uint32_t index = key ? bpf_map_key_u32(key) : UINT32_MAX;
	uint32_t *next = next_key;
	if (index >= map->max_entries) {
		*next = 0;
		return 0;
	}
	if (index == map->max_entries - 1)
		return -ENOENT;
	*next = index + 1;
	return 0;
}

/* map_lookup_and_delete_elem() supports only queues, stacks and hashes. */
static int array_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                            uint64_t flags)
{
	int err = array_check_sys_flags(map, flags, BPF_F_LOCK);
	return err ? err : -ENOTSUPP;
}

static long array_map_for_each_callback(struct bpf_map *map, bpf_map_each_fn fn, void *ctx,
                                        uint64_t flags)
{
	if (flags)
		return -EINVAL;
	bool percpu = map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t cpu = percpu ? array_this_cpu(map) : 0;
	long num_elems = 0;
	for (uint32_t i = 0; i < map->max_entries; i++) {
		void *val = percpu ? percpu_array_elem(map, i, cpu) : array_elem(map, i);
		uint32_t key = i; /* a copy: the callback may not change our position */
		num_elems++;
		if (fn(map, &key, val, ctx))
			break;
	}
	return num_elems;
}

/* --- PERCPU_ARRAY --- */

static void *percpu_array_map_lookup_elem(struct bpf_map *map, const void *key)
{
	uint32_t index = bpf_map_key_u32(key);
	if (index >= map->max_entries)
		return NULL;
	return percpu_array_elem(map, index, array_this_cpu(map));
}

static void *percpu_array_map_lookup_percpu_elem(struct bpf_map *map, const void *key, uint32_t cpu)
{
	uint32_t index = bpf_map_key_u32(key);
	if (cpu >= (uint32_t)map->ncpus || index >= map->max_entries)
		return NULL;
	return percpu_array_elem(map, index, cpu);
}

/* bpf_percpu_array_copy(): every CPU's value, elem_size bytes each (padding included). */
static int percpu_array_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                            uint64_t flags)
{
	int err = array_check_sys_flags(map, flags, BPF_F_LOCK);
	if (err)
		return err;
	uint32_t index = bpf_map_key_u32(key);
	if (index >= map->max_entries)
		return -ENOENT;
	memcpy(value, percpu_array_elem(map, index, 0), (size_t)map->ncpus * map->round_value_size);
	return 0;
}

/* bpf_percpu_array_update(): note "flags == BPF_NOEXIST", not a bit test. */
static int percpu_array_map_update_elem(struct bpf_map *map, const void *key, const void *value,
                                        uint64_t flags)
{
	uint32_t index = bpf_map_key_u32(key);
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	if (flags > BPF_EXIST)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	if (flags == BPF_NOEXIST)
		return -EEXIST;
	memcpy(percpu_array_elem(map, index, 0), value, (size_t)map->ncpus * map->round_value_size);
	return 0;
}

/* --- PROG_ARRAY, ARRAY_OF_MAPS: slots of u32 ids --- */

/* The slot (for tail calls and inner-map lookups), NULL when out of range or empty.
 * Programs may not look up a prog array; the verifier refuses such calls. */
static void *fd_array_map_lookup_elem(struct bpf_map *map, const void *key)
{
	uint32_t index = bpf_map_key_u32(key);
	if (index >= map->max_entries)
		return NULL;
	uint32_t *slot = fd_array_slot(map, index);
	return __atomic_load_n(slot, __ATOMIC_ACQUIRE) ? slot : NULL;
}

/* bpf_fd_array_map_lookup_elem(): the stored object's id. */
static int fd_array_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                        uint64_t flags)
{
	int err = array_check_sys_flags(map, flags, BPF_F_LOCK);
	if (err)
		return err;
	uint32_t *slot = fd_array_map_lookup_elem(map, key);
	uint32_t id = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : 0;
	if (!id)
		return -ENOENT;
	memcpy(value, &id, sizeof id);
	return 0;
}

/* bpf_fd_array_map_update_elem(): only BPF_ANY; the slot is swapped atomically. */
static int fd_array_map_update_elem(struct bpf_map *map, const void *key, const void *value,
                                    uint64_t flags)
{
	uint32_t index = bpf_map_key_u32(key), id;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	if (flags != BPF_ANY)
		return -EINVAL;
	if (index >= map->max_entries)
		return -E2BIG;
	memcpy(&id, value, sizeof id);
	__atomic_exchange_n(fd_array_slot(map, index), id, __ATOMIC_ACQ_REL);
	return 0;
}

/* __fd_array_map_delete_elem(): out of range is E2BIG here, an empty slot ENOENT. */
static int fd_array_map_delete_elem(struct bpf_map *map, const void *key)
{
	uint32_t index = bpf_map_key_u32(key);
	if (index >= map->max_entries)
		return -E2BIG;
	return __atomic_exchange_n(fd_array_slot(map, index), 0, __ATOMIC_ACQ_REL) ? 0 : -ENOENT;
}

/* --- ops --- */

const struct bpf_map_ops array_map_ops = {
        .map_alloc_check = array_map_alloc_check,
        .map_mem_size = array_map_mem_size,
        .map_lookup_elem_sys = array_map_lookup_elem_sys,
        .map_update_elem = array_map_update_elem,
        .map_delete_elem = array_map_delete_elem,
        .map_get_next_key = array_map_get_next_key,
        .map_lookup_and_delete_elem = array_map_lookup_and_delete_elem,
        .map_lookup_elem = array_map_lookup_elem,
        .map_update_elem_prog = array_map_update_elem_prog,
        .map_for_each_callback = array_map_for_each_callback,
};

const struct bpf_map_ops percpu_array_map_ops = {
        .map_alloc_check = array_map_alloc_check,
        .map_mem_size = array_map_mem_size,
        .map_lookup_elem_sys = percpu_array_map_lookup_elem_sys,
        .map_update_elem = percpu_array_map_update_elem,
        .map_delete_elem = array_map_delete_elem,
        .map_get_next_key = array_map_get_next_key,
        .map_lookup_and_delete_elem = array_map_lookup_and_delete_elem,
        .map_lookup_elem = percpu_array_map_lookup_elem,
        .map_lookup_percpu_elem = percpu_array_map_lookup_percpu_elem,
        .map_update_elem_prog = array_map_update_elem_prog,
        .map_for_each_callback = array_map_for_each_callback,
};

const struct bpf_map_ops prog_array_map_ops = {
        .map_alloc_check = fd_array_map_alloc_check,
        .map_mem_size = fd_array_map_mem_size,
        .map_lookup_elem_sys = fd_array_map_lookup_elem_sys,
        .map_update_elem = fd_array_map_update_elem,
        .map_delete_elem = fd_array_map_delete_elem,
        .map_get_next_key = array_map_get_next_key,
        .map_lookup_and_delete_elem = array_map_lookup_and_delete_elem,
        .map_lookup_elem = fd_array_map_lookup_elem,
};

const struct bpf_map_ops array_of_maps_map_ops = {
        .map_alloc_check = fd_array_map_alloc_check,
        .map_mem_size = fd_array_map_mem_size,
        .map_lookup_elem_sys = fd_array_map_lookup_elem_sys,
        .map_update_elem = fd_array_map_update_elem,
        .map_delete_elem = fd_array_map_delete_elem,
        .map_get_next_key = array_map_get_next_key,
        .map_lookup_and_delete_elem = array_map_lookup_and_delete_elem,
        .map_lookup_elem = fd_array_map_lookup_elem,
};
