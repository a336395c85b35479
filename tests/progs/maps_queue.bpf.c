/* Queue and stack maps (no key) and a bloom filter (map_extra = 3 hash functions): the
 * program pushes 1, 2, 3 into each and returns stack-peek * 10 + queue-peek (31), or a
 * step number above 100 if something failed. It is an XDP program, not a syscall one:
 * sleepable programs may not use these map types. */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 8);
} q SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(value_size, sizeof(__u32));
	__uint(max_entries, 8);
} s SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__type(value, __u32);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
} seen SEC(".maps");

SEC("xdp")
int push_pop(struct xdp_md *ctx)
{
#pragma unroll
	for (__u32 i = 1; i <= 3; i++) {
		__u32 v = i;
		if (bpf_map_push_elem(&q, &v, 0))
			return 101;
		if (bpf_map_push_elem(&s, &v, 0))
			return 102;
		if (bpf_map_push_elem(&seen, &v, 0))
			return 103;
	}
	__u32 top = 0, head = 0, two = 2;
	if (bpf_map_peek_elem(&s, &top) || bpf_map_peek_elem(&q, &head))
		return 104;
	if (bpf_map_peek_elem(&seen, &two))
		return 105;
	return (int)(top * 10 + head);
}

char LICENSE[] SEC("license") = "GPL";
