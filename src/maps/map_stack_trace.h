/* map_stack_trace.h — BPF_MAP_TYPE_STACK_TRACE for the stack helpers (map_stack_trace.c).
 *
 * The map stores call chains by id; bpf_get_stackid (src/helpers/helper_stack.c) captures
 * a chain and hands it here, where the kernel's __bpf_get_stackid does the rest: hash the
 * ips (jhash2), pick the bucket, compare, and keep or refuse the chain.
 */
#ifndef USERBPF_MAPS_MAP_STACK_TRACE_H
#define USERBPF_MAPS_MAP_STACK_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>

struct bpf_map;

/* The kernel's sysctl kernel.perf_event_max_stack (default): the deepest chain a map value
 * or a helper may hold. */
#define STACK_MAP_MAX_DEPTH 127u

/* Turn ips (already in out[i].ip) into build id + file offset entries in place, as the
 * kernel's stack_map_get_build_id_offset; user is false for a "kernel" chain (the kernel
 * then keeps the ips: status BPF_STACK_BUILD_ID_IP). */
typedef void (*stack_build_id_fn)(struct bpf_stack_build_id *out, uint32_t nr, bool user);

/* The bytes of one entry of a map value: 8 (an ip), or sizeof(struct bpf_stack_build_id)
 * for a BPF_F_STACK_BUILD_ID map. */
uint32_t stack_map_data_size(const struct bpf_map *map);

/* __bpf_get_stackid: trace is the whole captured chain (nr ips, innermost first); the
 * BPF_F_SKIP_FIELD_MASK part of flags is skipped here. Returns the id (the bucket) or
 * -EFAULT (nothing left after the skip), -EEXIST (another chain in the bucket and no
 * BPF_F_REUSE_STACKID), -ENOMEM (no free element). to_build_id is used by build id maps. */
long stack_map_get_stackid(struct bpf_map *map, const uint64_t *trace, uint32_t nr, uint64_t flags,
                           stack_build_id_fn to_build_id);

/* The kernel's jhash2 (Bob Jenkins' lookup3 hashword, the kernel's initial value) over
 * len 32-bit words: the hash a chain's id comes from. */
uint32_t stack_map_jhash2(const uint32_t *k, uint32_t len, uint32_t initval);

#endif /* USERBPF_MAPS_MAP_STACK_TRACE_H */
