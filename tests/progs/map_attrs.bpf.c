/* Map definition fields: key_size/value_size given as sizes instead of types, map_flags,
 * numa_node, map_extra, a name longer than the kernel's 15 characters (libbpf keeps the
 * full name and truncates it for the kernel), and an LRU hash with BPF_F_NO_COMMON_LRU. */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(key_size, 16);
	__uint(value_size, 24);
	__uint(max_entries, 100);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} sized_only SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 3);
	__uint(map_flags, BPF_F_RDONLY_PROG);
} read_only_for_prog SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, __u64);
	__uint(max_entries, 10);
	__uint(numa_node, 0);
} a_very_long_map_name_indeed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(value_size, 8);
	__uint(max_entries, 1000);
	__uint(map_extra, 5);
} bloom5 SEC(".maps");

SEC("socket")
int touch_maps(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u8 key[16] = {};
	__u64 lk = 1;
	int r = 0;
	if (bpf_map_lookup_elem(&sized_only, key))
		r |= 1;
	if (bpf_map_lookup_elem(&read_only_for_prog, &k))
		r |= 2;
	if (bpf_map_lookup_elem(&a_very_long_map_name_indeed, &lk))
		r |= 4;
	if (!bpf_map_peek_elem(&bloom5, &lk))
		r |= 8;
	return r;
}

char LICENSE[] SEC("license") = "GPL";
