/* Hash maps of every flavour (hash, per-CPU hash, LRU, per-CPU LRU) with struct keys and
 * values, filled by one syscall program: key {i, i * 2} → value {i * 10, i * 100} for
 * i = 1..4 in each, so the test can read them back. */
#include "progs.h"

struct hkey {
	__u32 id;
	__u32 twice;
};

struct hval {
	__u64 tens;
	__u64 hundreds;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct hkey);
	__type(value, struct hval);
	__uint(max_entries, 16);
} h_plain SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, struct hkey);
	__type(value, struct hval);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} h_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct hkey);
	__type(value, struct hval);
	__uint(max_entries, 32);
} h_lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__type(key, struct hkey);
	__type(value, struct hval);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
} h_lru_percpu SEC(".maps");

SEC("syscall")
int fill_hashes(void *ctx)
{
#pragma unroll
	for (__u32 i = 1; i <= 4; i++) {
		struct hkey k = {i, i * 2};
		struct hval v = {i * 10, i * 100};
		if (bpf_map_update_elem(&h_plain, &k, &v, BPF_ANY) ||
		    bpf_map_update_elem(&h_percpu, &k, &v, BPF_ANY) ||
		    bpf_map_update_elem(&h_lru, &k, &v, BPF_ANY) ||
		    bpf_map_update_elem(&h_lru_percpu, &k, &v, BPF_ANY))
			return -1;
	}
	struct hkey k = {3, 6};
	struct hval *v = bpf_map_lookup_elem(&h_plain, &k);
	return v ? (int)v->hundreds : -2;
}

char LICENSE[] SEC("license") = "GPL";
