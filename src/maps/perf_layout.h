/* perf_layout.h — the perf event array's shared region (internal to src/maps).
 *
 *   [0, 64)                          struct perf_head (wakeups)
 *   [64, 64 + n * 64)                struct perf_slot, one per index
 *   [rings_off, + n * PERF_RING_SIZE) the slots' rings, page-aligned
 */
#ifndef USERBPF_MAPS_PERF_LAYOUT_H
#define USERBPF_MAPS_PERF_LAYOUT_H

#include <stdint.h>

#include "maps/map.h"
#include "maps/map_wake.h"
#include "maps/perf.h"

struct perf_head {
	struct map_wake wake;
	uint32_t pad[14];
};

struct perf_slot {
	uint32_t present; /* the slot holds a "perf event": its ring accepts samples */
	uint32_t value;   /* what the syscall side stored */
	uint32_t lock;    /* producers of this slot */
	uint32_t pad;
	uint64_t head; /* bytes ever written (producers) */
	uint64_t tail; /* bytes ever consumed (the consumer) */
	uint64_t lost; /* samples dropped since the consumer last took the count */
	uint64_t pad2[3];
};

struct perf_rec {
	uint32_t type;
	uint32_t size;
};

static inline uint64_t perf_rings_off(uint32_t n)
{
	uint64_t end = sizeof(struct perf_head) + (uint64_t)n * sizeof(struct perf_slot);
	return (end + BPF_MAP_PAGE_SIZE - 1) & ~(uint64_t)(BPF_MAP_PAGE_SIZE - 1);
}

static inline struct perf_head *perf_head(struct bpf_map *map)
{
	return map->data;
}

static inline struct perf_slot *perf_slot(struct bpf_map *map, uint32_t idx)
{
	return (struct perf_slot *)((char *)map->data + sizeof(struct perf_head)) + idx;
}

static inline char *perf_ring(struct bpf_map *map, uint32_t idx)
{
	return (char *)map->data + perf_rings_off(map->max_entries) +
	       (uint64_t)idx * PERF_RING_SIZE;
}

static inline uint64_t perf_rec_len(uint32_t size)
{
	return ((uint64_t)size + sizeof(struct perf_rec) + 7) & ~(uint64_t)7;
}

#endif /* USERBPF_MAPS_PERF_LAYOUT_H */
