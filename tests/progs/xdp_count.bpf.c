/* XDP: count packets by ethertype in an array map (slot 0 IPv4, 1 IPv6, 2 other), drop
 * IPv6, pass the rest; and an xdp.frags program (BPF_F_XDP_HAS_FRAGS). */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 3);
} pkt_count SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	__u32 slot = eth->h_proto == bpf_htons(ETH_P_IP)     ? 0
	             : eth->h_proto == bpf_htons(ETH_P_IPV6) ? 1
	                                                     : 2;
	__u64 *v = bpf_map_lookup_elem(&pkt_count, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
	return slot == 1 ? XDP_DROP : XDP_PASS;
}

SEC("xdp.frags")
int xdp_frags_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
