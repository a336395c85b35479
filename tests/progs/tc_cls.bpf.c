/* tc programs in every section spelling libbpf 1.x and iproute2 understand: "tc",
 * "classifier", "action". tc_drop_v6 shoots IPv6 and lets IPv4 through (TC_ACT_OK). */
#include "progs.h"

SEC("tc")
int tc_drop_v6(struct __sk_buff *skb)
{
	return skb->protocol == bpf_htons(ETH_P_IPV6) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("classifier")
int cls_len(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + ETH_HLEN > end)
		return TC_ACT_SHOT;
	return skb->len > 100 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("action")
int act_mark(struct __sk_buff *skb)
{
	skb->mark = 42;
	return TC_ACT_PIPE;
}

char LICENSE[] SEC("license") = "GPL";
