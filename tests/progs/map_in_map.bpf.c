/* Maps of maps with their initial slots from values[] (.rel.maps): an array of maps
 * holding inner_a at 0 and inner_b at 1, a hash of maps holding inner_b under key 3. The
 * syscall program writes 99 through outer_arr[1] and reads it back through outer_hash[3]
 * (both are inner_b): returns 99. */
#include "progs.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
        .values = {&inner_a, &inner_b},
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
        .values = {[3] = &inner_b},
};

SEC("syscall")
int through_outer(void *ctx)
{
	__u32 one = 1, three = 3, zero = 0;
	void *in = bpf_map_lookup_elem(&outer_arr, &one);
	if (!in)
		return -1;
	__u32 *v = bpf_map_lookup_elem(in, &zero);
	if (!v)
		return -2;
	*v = 99;
	in = bpf_map_lookup_elem(&outer_hash, &three);
	if (!in)
		return -3;
	v = bpf_map_lookup_elem(in, &zero);
	return v ? (int)*v : -4;
}

char LICENSE[] SEC("license") = "GPL";
