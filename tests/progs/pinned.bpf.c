/* LIBBPF_PIN_BY_NAME: the map is pinned at <pin_root_path>/shared_counts when the object
 * loads; a second load (another object or process) reuses the pinned map if its
 * definition is compatible. unpinned_local is never pinned. */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} unpinned_local SEC(".maps");

SEC("syscall")
int bump(void *ctx)
{
	__u32 k = 7;
	__u64 one = 1, *v = bpf_map_lookup_elem(&shared_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&shared_counts, &k, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
