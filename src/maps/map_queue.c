/* map_queue.c — BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO)
 * (kernel/bpf/queue_stack_maps.c).
 *
 * A ring of max_entries + 1 slots of value_size bytes (one slot stays free so that
 * head == tail means empty), behind a spinlock in the shared region so threads and
 * processes see one ring. Values have no key: the syscall side maps lookup to peek,
 * update to push and lookup_and_delete to pop, as bpf_map_copy_value() and
 * bpf_map_update_value() do.
 */
#include <errno.h>
#include <string.h>

#include "core/lock.h"
#include "maps/map.h"

#define QUEUE_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define QUEUE_STACK_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | QUEUE_ACCESS_FLAGS)
#define KMALLOC_MAX_SIZE (4u << 20) /* x86-64: 1 << (PAGE_SHIFT + MAX_PAGE_ORDER) */

/* The ring's state, at offset 0 of the type's region; the slots follow. */
struct queue_shared {
	uint32_t lock;
	uint32_t head; /* next slot to write */
	uint32_t tail; /* oldest element */
	uint32_t size; /* max_entries + 1 */
};

#define QUEUE_ELEMS_OFF 16u

static inline struct queue_shared *queue_sh(const struct bpf_map *map)
{
	return map->data;
}

static inline void *queue_slot(const struct bpf_map *map, uint32_t index)
{
	return (char *)map->data + QUEUE_ELEMS_OFF + (uint64_t)index * map->value_size;
}

static bool queue_flags_access_ok(uint32_t flags)
{
	return (flags & (BPF_F_RDONLY | BPF_F_WRONLY)) != (BPF_F_RDONLY | BPF_F_WRONLY) &&
	       (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !=
	               (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/* queue_stack_map_alloc_check() (map_create's common checks are bpf_map_check_common). */
static int queue_stack_map_alloc_check(const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 0 || attr->value_size == 0 ||
	    attr->map_flags & ~QUEUE_STACK_CREATE_FLAG_MASK ||
	    !queue_flags_access_ok(attr->map_flags))
		return -EINVAL;
	if (attr->value_size > KMALLOC_MAX_SIZE)
		return -E2BIG; /* user space could not copy such a value in one go */
	return 0;
}

static uint64_t queue_stack_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	return QUEUE_ELEMS_OFF + ((uint64_t)attr->max_entries + 1) * attr->value_size;
}

static int queue_stack_map_init(struct bpf_map *map)
{
	queue_sh(map)->size = map->max_entries + 1;
	return 0;
}

static bool queue_stack_map_is_empty(const struct queue_shared *qs)
{
	return qs->head == qs->tail;
}

static bool queue_stack_map_is_full(const struct queue_shared *qs)
{
	uint32_t head = qs->head + 1;
	if (head >= qs->size)
		head = 0;
	return head == qs->tail;
}

/* Queue: take from the tail (the oldest element). */
static long queue_map_get(struct bpf_map *map, void *value, bool delete)
{
	struct queue_shared *qs = queue_sh(map);
	long err = 0;
	ub_spin_lock(&qs->lock);
	if (queue_stack_map_is_empty(qs)) {
		memset(value, 0, map->value_size); /* the helper's buffer is zeroed on failure */
		err = -ENOENT;
		goto out;
	}
	memcpy(value, queue_slot(map, qs->tail), map->value_size);
	if (delete &&++qs->tail >= qs->size)
		qs->tail = 0;
out:
	ub_spin_unlock(&qs->lock);
	return err;
}

/* Stack: take from just below the head (the newest element). */
static long stack_map_get(struct bpf_map *map, void *value, bool delete)
{
	struct queue_shared *qs = queue_sh(map);
	long err = 0;
	ub_spin_lock(&qs->lock);
	if (queue_stack_map_is_empty(qs)) {
		memset(value, 0, map->value_size);
		err = -ENOENT;
		goto out;
	}
	uint32_t index = qs->head - 1;
	if (index >= qs->size) /* wrapped below 0 */
		index = qs->size - 1;
	memcpy(value, queue_slot(map, index), map->value_size);
	if (delete)
		qs->head = index;
out:
	ub_spin_unlock(&qs->lock);
	return err;
}

static long queue_map_peek_elem(struct bpf_map *map, void *value)
{
	return queue_map_get(map, value, false);
}

static long queue_map_pop_elem(struct bpf_map *map, void *value)
{
	return queue_map_get(map, value, true);
}

static long stack_map_peek_elem(struct bpf_map *map, void *value)
{
	return stack_map_get(map, value, false);
}

static long stack_map_pop_elem(struct bpf_map *map, void *value)
{
	return stack_map_get(map, value, true);
}

/* Both kinds push at the head. BPF_EXIST makes room in a full map by dropping the oldest
 * element (the tail) — for a stack too, where that is the bottom. */
static long queue_stack_map_push_elem(struct bpf_map *map, const void *value, uint64_t flags)
{
	struct queue_shared *qs = queue_sh(map);
	bool replace = flags & BPF_EXIST;
	long err = 0;
	if (flags & BPF_NOEXIST || flags > BPF_EXIST)
		return -EINVAL;
	ub_spin_lock(&qs->lock);
	if (queue_stack_map_is_full(qs)) {
		if (!replace) {
			err = -E2BIG;
			goto out;
		}
		if (++qs->tail >= qs->size)
			qs->tail = 0;
	}
	memcpy(queue_slot(map, qs->head), value, map->value_size);
	if (++qs->head >= qs->size)
		qs->head = 0;
out:
	ub_spin_unlock(&qs->lock);
	return err;
}

/* --- the syscall side (the object layer refuses a non-NULL key first) --- */

/* map_lookup_elem(): flags beyond BPF_F_LOCK, or BPF_F_LOCK itself (these values never hold
 * a spin lock), are refused before the peek. */
static int queue_stack_check_lock_flags(const struct bpf_map *map, uint64_t flags)
{
	if (flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return 0;
}

static int queue_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                     uint64_t flags)
{
	int err = queue_stack_check_lock_flags(map, flags);
	return err ? err : (int)map->ops->map_peek_elem(map, value);
}

static int queue_map_update_elem_sys(struct bpf_map *map, const void *key, const void *value,
                                     uint64_t flags)
{
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return (int)queue_stack_map_push_elem(map, value, flags);
}

/* map_lookup_and_delete_elem(): a queue or stack takes no flags at all. */
static int queue_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                            uint64_t flags)
{
	if (flags)
		return -EINVAL;
	return (int)map->ops->map_pop_elem(map, value);
}

/* queue_stack_map_delete_elem() / _get_next_key(): no keys, so no such operations. */
static int queue_map_delete_elem(struct bpf_map *map, const void *key)
{
	return -EINVAL;
}

static int queue_map_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	return -EINVAL;
}

/* The helper-side lookup/update exist but do nothing useful, as in the kernel. */
static void *queue_map_lookup_elem(struct bpf_map *map, const void *key)
{
	return NULL;
}

static long queue_map_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                       uint64_t flags)
{
	return -EINVAL;
}

const struct bpf_map_ops queue_map_ops = {
        .map_alloc_check = queue_stack_map_alloc_check,
        .map_mem_size = queue_stack_map_mem_size,
        .map_init = queue_stack_map_init,
        .map_lookup_elem_sys = queue_map_lookup_elem_sys,
        .map_update_elem = queue_map_update_elem_sys,
        .map_delete_elem = queue_map_delete_elem,
        .map_get_next_key = queue_map_get_next_key,
        .map_lookup_and_delete_elem = queue_map_lookup_and_delete_elem,
        .map_lookup_elem = queue_map_lookup_elem,
        .map_update_elem_prog = queue_map_update_elem_prog,
        .map_push_elem = queue_stack_map_push_elem,
        .map_pop_elem = queue_map_pop_elem,
        .map_peek_elem = queue_map_peek_elem,
};

const struct bpf_map_ops stack_map_ops = {
        .map_alloc_check = queue_stack_map_alloc_check,
        .map_mem_size = queue_stack_map_mem_size,
        .map_init = queue_stack_map_init,
        .map_lookup_elem_sys = queue_map_lookup_elem_sys,
        .map_update_elem = queue_map_update_elem_sys,
        .map_delete_elem = queue_map_delete_elem,
        .map_get_next_key = queue_map_get_next_key,
        .map_lookup_and_delete_elem = queue_map_lookup_and_delete_elem,
        .map_lookup_elem = queue_map_lookup_elem,
        .map_update_elem_prog = queue_map_update_elem_prog,
        .map_push_elem = queue_stack_map_push_elem,
        .map_pop_elem = stack_map_pop_elem,
        .map_peek_elem = stack_map_peek_elem,
};
