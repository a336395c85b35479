/* Same pinned name as pinned.bpf.c, incompatible definition (max_entries 64): loading it
 * while pinned.bpf.c's map is pinned must fail with a parameter mismatch. */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

SEC("syscall")
int touch(void *ctx)
{
	__u32 k = 1;
	return bpf_map_lookup_elem(&shared_counts, &k) ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
