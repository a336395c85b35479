/* LPM trie (BPF_F_NO_PREALLOC required): the program looks up the IPv4 source address of
 * the packet it runs on and returns the value of the longest matching prefix, or 0. The
 * test inserts 10.0.0.0/8 → 8 and 10.1.0.0/16 → 16 and sends from 10.1.2.3 (expects 16). */
#include "progs.h"

struct lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_v4);
	__type(value, __u32);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} routes SEC(".maps");

SEC("xdp")
int lpm_src(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	struct lpm_v4 k = {.prefixlen = 32};
	__builtin_memcpy(k.addr, &ip->saddr, 4);
	__u32 *v = bpf_map_lookup_elem(&routes, &k);
	return v ? (int)*v : 0;
}

char LICENSE[] SEC("license") = "GPL";
