/* Array maps: plain, per-CPU, and a BPF_F_MMAPABLE one; the syscall program writes
 * slot i = i * i in each and returns the sum of the plain array's slots (0..7: 140). */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} a_plain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 8);
} a_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 512);
	__uint(map_flags, BPF_F_MMAPABLE);
} a_mmap SEC(".maps");

SEC("syscall")
int fill_arrays(void *ctx)
{
	__u64 sum = 0;
#pragma unroll
	for (__u32 i = 0; i < 8; i++) {
		__u32 key = i;
		__u64 sq = i * i;
		__u32 sq32 = i * i;
		bpf_map_update_elem(&a_plain, &key, &sq, BPF_ANY);
		bpf_map_update_elem(&a_percpu, &key, &sq32, BPF_ANY);
		__u64 *m = bpf_map_lookup_elem(&a_mmap, &key);
		if (m)
			*m = sq;
		__u64 *v = bpf_map_lookup_elem(&a_plain, &key);
		if (v)
			sum += *v;
	}
	return (int)sum;
}

char LICENSE[] SEC("license") = "GPL";
