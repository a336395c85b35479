/* Section names of current libbpf that libbpf 1.1 does not know yet: tc/ingress and
 * tc/egress (tcx), tcx/ingress, netkit/primary, sk_skb/verdict, the unix socket-address
 * hooks, kprobe.multi. */
#include "progs.h"

SEC("tc/ingress")
int tc_in(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tc/egress")
int tc_out(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("tcx/ingress")
int tcx_in(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("netkit/primary")
int nk_primary(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("sk_skb/verdict")
int skb_verdict2(struct __sk_buff *skb)
{
	return SK_PASS;
}

SEC("cgroup/connect_unix")
int connect_unix(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("kprobe.multi/do_nanosleep*")
int kp_multi(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
