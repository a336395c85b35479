/* map_types.c — which map types we implement: the kernel's map type → our ops. */
#include "maps/map.h"

/* Each map type's ops live in its own file (map_hash.c, map_array.c, ...). */
#define MAP_OPS extern const struct bpf_map_ops
MAP_OPS htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops, htab_lru_percpu_map_ops,
        htab_of_maps_map_ops;
MAP_OPS array_map_ops, percpu_array_map_ops, prog_array_map_ops, array_of_maps_map_ops;
MAP_OPS queue_map_ops, stack_map_ops, bloom_filter_map_ops;
MAP_OPS trie_map_ops, ringbuf_map_ops, perf_event_array_map_ops;
MAP_OPS stack_trace_map_ops;

static const struct bpf_map_ops *const map_types[] = {
        /* hash family: map_hash.c, map_lru.c */
        [BPF_MAP_TYPE_HASH] = &htab_map_ops,
        [BPF_MAP_TYPE_PERCPU_HASH] = &htab_percpu_map_ops,
        [BPF_MAP_TYPE_LRU_HASH] = &htab_lru_map_ops,
        [BPF_MAP_TYPE_LRU_PERCPU_HASH] = &htab_lru_percpu_map_ops,
        [BPF_MAP_TYPE_HASH_OF_MAPS] = &htab_of_maps_map_ops,
        /* array family: map_array.c */
        [BPF_MAP_TYPE_ARRAY] = &array_map_ops,
        [BPF_MAP_TYPE_PERCPU_ARRAY] = &percpu_array_map_ops,
        [BPF_MAP_TYPE_PROG_ARRAY] = &prog_array_map_ops,
        [BPF_MAP_TYPE_ARRAY_OF_MAPS] = &array_of_maps_map_ops,
        /* map_queue.c, map_bloom.c */
        [BPF_MAP_TYPE_QUEUE] = &queue_map_ops,
        [BPF_MAP_TYPE_STACK] = &stack_map_ops,
        [BPF_MAP_TYPE_BLOOM_FILTER] = &bloom_filter_map_ops,
        /* map_lpm.c, map_ringbuf.c, map_perf.c */
        [BPF_MAP_TYPE_LPM_TRIE] = &trie_map_ops,
        [BPF_MAP_TYPE_RINGBUF] = &ringbuf_map_ops,
        [BPF_MAP_TYPE_PERF_EVENT_ARRAY] = &perf_event_array_map_ops,
        /* map_stack_trace.c (bpf_get_stackid's chains) */
        [BPF_MAP_TYPE_STACK_TRACE] = &stack_trace_map_ops,
};

const struct bpf_map_ops *bpf_map_ops_get(uint32_t map_type)
{
	if (map_type >= sizeof map_types / sizeof map_types[0])
		return NULL;
	return map_types[map_type];
}
