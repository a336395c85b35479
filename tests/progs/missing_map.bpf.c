/* A map declared but never defined in this object (extern): open fails, naming it. */
#include "progs.h"

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} not_defined_anywhere SEC(".maps");

SEC("socket")
int uses_missing(struct __sk_buff *skb)
{
	__u32 k = 0;
	return bpf_map_lookup_elem(&not_defined_anywhere, &k) ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
