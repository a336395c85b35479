/* iproute2's (tc) object layout: struct bpf_elf_map in "maps", with pinning
 * (PIN_GLOBAL_NS → <pin root>/tc/globals/<name>) and a map-in-map whose template is named
 * by id (inner_id) and whose slot is filled with the inner map (inner_idx); the program is
 * in iproute2's "classifier" section. */
#include "progs.h"

struct bpf_elf_map SEC("maps") tc_counts = {
        .type = BPF_MAP_TYPE_ARRAY,
        .size_key = sizeof(__u32),
        .size_value = sizeof(__u64),
        .max_elem = 2,
        .pinning = PIN_GLOBAL_NS,
};

struct bpf_elf_map SEC("maps") tc_inner = {
        .type = BPF_MAP_TYPE_ARRAY,
        .size_key = sizeof(__u32),
        .size_value = sizeof(__u32),
        .max_elem = 1,
        .id = 42,
        .inner_idx = 0,
};

struct bpf_elf_map SEC("maps") tc_outer = {
        .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
        .size_key = sizeof(__u32),
        .size_value = sizeof(__u32),
        .max_elem = 1,
        .inner_id = 42,
};

SEC("classifier")
int tc_ingress_count(struct __sk_buff *skb)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&tc_counts, &k);
	if (v)
		__sync_fetch_and_add(v, skb->len);
	void *in = bpf_map_lookup_elem(&tc_outer, &k);
	if (in) {
		__u32 *x = bpf_map_lookup_elem(in, &k);
		if (x)
			*x += 1;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
