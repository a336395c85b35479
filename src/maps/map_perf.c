/* map_perf.c — BPF_MAP_TYPE_PERF_EVENT_ARRAY: the kernel's fd-array rules, and the
 * producer side of the per-slot rings that stand in for perf events (see perf.h). */
#include <errno.h>
#include <string.h>

#include "core/cpu.h"
#include "core/lock.h"
#include "maps/perf_layout.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported", which bpf() returns as is */
#endif

#define PERF_CREATE_FLAGS (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PRESERVE_ELEMS)

/* An fd array: key and value are u32; the program-side access flags are refused. Note that
 * max_entries 0 is refused by the kernel (libbpf is what substitutes the number of CPUs). */
static int perf_alloc_check(const union bpf_attr *attr)
{
	uint32_t fl = attr->map_flags;
	if (attr->key_size != 4 || attr->value_size != 4 || !attr->max_entries ||
	    (fl & ~(uint32_t)PERF_CREATE_FLAGS) || ((fl & BPF_F_RDONLY) && (fl & BPF_F_WRONLY)))
		return -EINVAL;
	return 0;
}

static uint64_t perf_mem_size(const union bpf_attr *attr, int ncpus)
{
	return perf_rings_off(attr->max_entries) + (uint64_t)attr->max_entries * PERF_RING_SIZE;
}

/* Reading a slot from user space is not supported by the kernel for perf event arrays. */
static int perf_lookup_elem_sys(struct bpf_map *map, const void *key, void *value, uint64_t flags)
{
	return -ENOTSUPP;
}

static int perf_update_elem(struct bpf_map *map, const void *key, const void *value, uint64_t flags)
{
	uint32_t idx = bpf_map_key_u32(key);
	if (flags != BPF_ANY)
		return -EINVAL;
	if (idx >= map->max_entries)
		return -E2BIG;
	struct perf_slot *s = perf_slot(map, idx);
	ub_spin_lock(&s->lock);
	s->value = *(const uint32_t *)value;
	__atomic_store_n(&s->present, 1, __ATOMIC_RELEASE);
	ub_spin_unlock(&s->lock);
	return 0;
}

static int perf_delete_elem(struct bpf_map *map, const void *key)
{
	uint32_t idx = bpf_map_key_u32(key);
	if (idx >= map->max_entries)
		return -E2BIG;
	struct perf_slot *s = perf_slot(map, idx);
	ub_spin_lock(&s->lock);
	uint32_t was = __atomic_exchange_n(&s->present, 0, __ATOMIC_ACQ_REL);
	s->value = 0;
	ub_spin_unlock(&s->lock);
	return was ? 0 : -ENOENT;
}

/* Array order: NULL or an index out of range restarts at 0. */
static int perf_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	uint32_t idx = key ? bpf_map_key_u32(key) : UINT32_MAX;
	if (idx >= map->max_entries) {
		*(uint32_t *)next_key = 0;
		return 0;
	}
	if (idx == map->max_entries - 1)
		return -ENOENT;
	*(uint32_t *)next_key = idx + 1;
	return 0;
}

const struct bpf_map_ops perf_event_array_map_ops = {
        .map_alloc_check = perf_alloc_check,
        .map_mem_size = perf_mem_size,
        .map_lookup_elem_sys = perf_lookup_elem_sys,
        .map_update_elem = perf_update_elem,
        .map_delete_elem = perf_delete_elem,
        .map_get_next_key = perf_get_next_key,
};

/* Copy len bytes into the ring at position pos, wrapping at the end. */
static void perf_ring_write(char *ring, uint64_t pos, const void *src, uint64_t len)
{
	uint64_t off = pos % PERF_RING_SIZE, first = PERF_RING_SIZE - off;
	if (first > len)
		first = len;
	memcpy(ring + off, src, first);
	memcpy(ring, (const char *)src + first, len - first);
}

long perf_event_output(struct bpf_map *map, uint64_t flags, const void *data, uint64_t size)
{
	if (flags & ~(uint64_t)BPF_F_INDEX_MASK)
		return -EINVAL;
	uint64_t idx = flags & BPF_F_INDEX_MASK;
	if (idx == BPF_F_CURRENT_CPU)
		idx = (uint64_t)ub_current_cpu();
	if (idx >= map->max_entries)
		return -E2BIG;
	struct perf_slot *s = perf_slot(map, (uint32_t)idx);
	if (!__atomic_load_n(&s->present, __ATOMIC_ACQUIRE))
		return -ENOENT;
	uint64_t len = size <= UINT32_MAX ? perf_rec_len((uint32_t)size) : UINT64_MAX;
	char *ring = perf_ring(map, (uint32_t)idx);

	ub_spin_lock(&s->lock);
	uint64_t head = s->head, tail = __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE);
	if (len > PERF_RING_SIZE - (head - tail)) {
		__atomic_add_fetch(&s->lost, 1, __ATOMIC_RELAXED);
		ub_spin_unlock(&s->lock);
		map_wake_signal(&perf_head(map)->wake); /* the consumer reports the loss */
		return -ENOSPC;
	}
	struct perf_rec rec = {.type = PERF_RECORD_SAMPLE, .size = (uint32_t)size};
	perf_ring_write(ring, head, &rec, sizeof rec);
	perf_ring_write(ring, head + sizeof rec, data, size);
	__atomic_store_n(&s->head, head + len, __ATOMIC_RELEASE);
	ub_spin_unlock(&s->lock);
	/* libbpf opens its events with wakeup_events = 1: every sample wakes the reader. */
	map_wake_signal(&perf_head(map)->wake);
	return 0;
}
