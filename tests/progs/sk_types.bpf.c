/* One program for each socket/cgroup/lwt/flow-dissector section of libbpf's table (those
 * libbpf 1.1 also knows, so the host's libbpf can be compared): type and expected attach
 * type come from the section name. Each returns its type's "allow" verdict. */
#include "progs.h"

#define ALLOW(sec, name, ctx_t, ret)                                                               \
	SEC(sec) int name(ctx_t *ctx)                                                              \
	{                                                                                          \
		return ret;                                                                        \
	}

ALLOW("cgroup_skb/ingress", cg_ingress, struct __sk_buff, 1)
ALLOW("cgroup_skb/egress", cg_egress, struct __sk_buff, 1)
ALLOW("cgroup/skb", cg_skb, struct __sk_buff, 1)
ALLOW("sockops", sock_ops_prog, struct bpf_sock_ops, 1)
ALLOW("sk_skb/stream_parser", skb_parser, struct __sk_buff, 0)
ALLOW("sk_skb/stream_verdict", skb_verdict, struct __sk_buff, SK_PASS)
ALLOW("sk_msg", msg_verdict, struct sk_msg_md, SK_PASS)
ALLOW("flow_dissector", dissect, struct __sk_buff, BPF_OK)
ALLOW("lwt_in", lwt_in_prog, struct __sk_buff, BPF_OK)
ALLOW("lwt_out", lwt_out_prog, struct __sk_buff, BPF_OK)
ALLOW("lwt_xmit", lwt_xmit_prog, struct __sk_buff, BPF_OK)
ALLOW("lwt_seg6local", lwt_seg6, struct __sk_buff, BPF_OK)
ALLOW("sk_lookup", lookup, struct bpf_sk_lookup, SK_PASS)
ALLOW("sk_reuseport", reuseport, struct sk_reuseport_md, SK_PASS)
ALLOW("cgroup/sock_create", sock_create, struct bpf_sock, 1)
ALLOW("cgroup/sock", sock_any, struct bpf_sock, 1)
ALLOW("cgroup/post_bind4", post_bind4, struct bpf_sock, 1)
ALLOW("cgroup/bind4", bind4, struct bpf_sock_addr, 1)
ALLOW("cgroup/connect4", connect4, struct bpf_sock_addr, 1)
ALLOW("cgroup/connect6", connect6, struct bpf_sock_addr, 1)
ALLOW("cgroup/sendmsg4", sendmsg4, struct bpf_sock_addr, 1)
ALLOW("cgroup/recvmsg4", recvmsg4, struct bpf_sock_addr, 1)
ALLOW("cgroup/getpeername4", getpeername4, struct bpf_sock_addr, 1)
ALLOW("cgroup/sysctl", sysctl, struct bpf_sysctl, 1)
ALLOW("cgroup/getsockopt", getsockopt, struct bpf_sockopt, 1)
ALLOW("cgroup/setsockopt", setsockopt, struct bpf_sockopt, 1)
ALLOW("cgroup/dev", dev, struct bpf_cgroup_dev_ctx, 1)
ALLOW("xdp/devmap", xdp_devmap, struct xdp_md, XDP_PASS)
ALLOW("xdp/cpumap", xdp_cpumap, struct xdp_md, XDP_PASS)

char LICENSE[] SEC("license") = "GPL";
