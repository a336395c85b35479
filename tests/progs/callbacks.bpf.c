/* Callbacks: bpf_loop and bpf_for_each_map_elem take a static function's address
 * (ld_imm64 BPF_PSEUDO_FUNC). loop_sum returns 0 + 1 + ... + 9 = 45; map_sum returns the
 * sum of the array's values after the program stored i + 1 in slot i (1 + ... + 4 = 10). */
#include "progs.h"

struct bpf_map;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 4);
} vals SEC(".maps");

static long add_index(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

static long add_value(struct bpf_map *map, __u32 *key, __u64 *value, void *ctx)
{
	*(__u64 *)ctx += *value;
	return 0;
}

SEC("syscall")
int loop_sum(void *ctx)
{
	__u64 sum = 0;
	bpf_loop(10, add_index, &sum, 0);
	return (int)sum;
}

SEC("syscall")
int map_sum(void *ctx)
{
#pragma unroll
	for (__u32 i = 0; i < 4; i++) {
		__u32 key = i;
		__u64 v = i + 1;
		bpf_map_update_elem(&vals, &key, &v, BPF_ANY);
	}
	__u64 sum = 0;
	bpf_for_each_map_elem(&vals, add_value, &sum, 0);
	return (int)sum;
}

char LICENSE[] SEC("license") = "GPL";
