/* Socket filters: two programs in one "socket" section, the packet length and a protocol
 * check through bpf_skb_load_bytes. A socket filter sees the packet from the network
 * header: the test runs a 14 + 20 + 8 byte IPv4/UDP packet and expects skb->len = 28. */
#include "progs.h"

SEC("socket")
int sock_len(struct __sk_buff *skb)
{
	return skb->len;
}

/* keep UDP (IP protocol 17): the whole packet; drop the rest */
SEC("socket")
int sock_udp_only(struct __sk_buff *skb)
{
	__u8 proto = 0;
	if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, protocol), &proto, 1) < 0)
		return 0;
	return proto == IPPROTO_UDP ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
