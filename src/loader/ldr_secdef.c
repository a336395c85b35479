/* ldr_secdef.c — libbpf's section-name convention: SEC("...") → program type, expected
 * attach type and load flags.
 *
 * The matching rules are libbpf's: "name" matches exactly; "name+" matches "name" or
 * "name/anything"; "name/" matches any "name/anything". The first matching entry wins, so
 * longer names come before their prefixes (xdp.frags/devmap before xdp.frags before xdp).
 * The table follows current libbpf (tc/ingress is tcx, as since libbpf 1.3).
 */
#include <errno.h>
#include <string.h>

#include "loader/ldr.h"

#define SD(s, pt, at, f)                                                                           \
	{                                                                                          \
		s, BPF_PROG_TYPE_##pt, at, f                                                       \
	}
#define SLEEP LDR_SEC_SLEEPABLE
#define FRAGS LDR_SEC_XDP_FRAGS
#define ABTF LDR_SEC_ATTACH_BTF

static const struct ldr_sec_def ldr_sec_defs[] = {
        SD("socket", SOCKET_FILTER, 0, 0),
        SD("sk_reuseport/migrate", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0),
        SD("sk_reuseport", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0),
        SD("kprobe+", KPROBE, 0, 0),
        SD("uprobe+", KPROBE, 0, 0),
        SD("uprobe.s+", KPROBE, 0, SLEEP),
        SD("kretprobe+", KPROBE, 0, 0),
        SD("uretprobe+", KPROBE, 0, 0),
        SD("uretprobe.s+", KPROBE, 0, SLEEP),
        SD("kprobe.multi+", KPROBE, BPF_TRACE_KPROBE_MULTI, 0),
        SD("kretprobe.multi+", KPROBE, BPF_TRACE_KPROBE_MULTI, 0),
        SD("uprobe.multi+", KPROBE, BPF_TRACE_UPROBE_MULTI, 0),
        SD("uretprobe.multi+", KPROBE, BPF_TRACE_UPROBE_MULTI, 0),
        SD("uprobe.multi.s+", KPROBE, BPF_TRACE_UPROBE_MULTI, SLEEP),
        SD("uretprobe.multi.s+", KPROBE, BPF_TRACE_UPROBE_MULTI, SLEEP),
        SD("ksyscall+", KPROBE, 0, 0),
        SD("kretsyscall+", KPROBE, 0, 0),
        SD("usdt+", KPROBE, 0, 0),
        SD("usdt.s+", KPROBE, 0, SLEEP),
        SD("tc/ingress", SCHED_CLS, BPF_TCX_INGRESS, 0), /* alias for tcx */
        SD("tc/egress", SCHED_CLS, BPF_TCX_EGRESS, 0),   /* alias for tcx */
        SD("tcx/ingress", SCHED_CLS, BPF_TCX_INGRESS, 0),
        SD("tcx/egress", SCHED_CLS, BPF_TCX_EGRESS, 0),
        SD("tc", SCHED_CLS, 0, 0),
        SD("classifier", SCHED_CLS, 0, 0),
        SD("action", SCHED_ACT, 0, 0),
        SD("netkit/primary", SCHED_CLS, BPF_NETKIT_PRIMARY, 0),
        SD("netkit/peer", SCHED_CLS, BPF_NETKIT_PEER, 0),
        SD("tracepoint+", TRACEPOINT, 0, 0),
        SD("tp+", TRACEPOINT, 0, 0),
        SD("raw_tracepoint+", RAW_TRACEPOINT, 0, 0),
        SD("raw_tp+", RAW_TRACEPOINT, 0, 0),
        SD("raw_tracepoint.w+", RAW_TRACEPOINT_WRITABLE, 0, 0),
        SD("raw_tp.w+", RAW_TRACEPOINT_WRITABLE, 0, 0),
        SD("tp_btf+", TRACING, BPF_TRACE_RAW_TP, ABTF),
        SD("fentry+", TRACING, BPF_TRACE_FENTRY, ABTF),
        SD("fmod_ret+", TRACING, BPF_MODIFY_RETURN, ABTF),
        SD("fexit+", TRACING, BPF_TRACE_FEXIT, ABTF),
        SD("fentry.s+", TRACING, BPF_TRACE_FENTRY, ABTF | SLEEP),
        SD("fmod_ret.s+", TRACING, BPF_MODIFY_RETURN, ABTF | SLEEP),
        SD("fexit.s+", TRACING, BPF_TRACE_FEXIT, ABTF | SLEEP),
        SD("freplace+", EXT, 0, ABTF),
        SD("lsm+", LSM, BPF_LSM_MAC, ABTF),
        SD("lsm.s+", LSM, BPF_LSM_MAC, ABTF | SLEEP),
        SD("lsm_cgroup+", LSM, BPF_LSM_CGROUP, ABTF),
        SD("iter+", TRACING, BPF_TRACE_ITER, ABTF),
        SD("iter.s+", TRACING, BPF_TRACE_ITER, ABTF | SLEEP),
        SD("syscall", SYSCALL, 0, SLEEP),
        SD("xdp.frags/devmap", XDP, BPF_XDP_DEVMAP, FRAGS),
        SD("xdp/devmap", XDP, BPF_XDP_DEVMAP, 0),
        SD("xdp.frags/cpumap", XDP, BPF_XDP_CPUMAP, FRAGS),
        SD("xdp/cpumap", XDP, BPF_XDP_CPUMAP, 0),
        SD("xdp.frags", XDP, BPF_XDP, FRAGS),
        SD("xdp", XDP, BPF_XDP, 0),
        SD("perf_event", PERF_EVENT, 0, 0),
        SD("lwt_in", LWT_IN, 0, 0),
        SD("lwt_out", LWT_OUT, 0, 0),
        SD("lwt_xmit", LWT_XMIT, 0, 0),
        SD("lwt_seg6local", LWT_SEG6LOCAL, 0, 0),
        SD("sockops", SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0),
        SD("sk_skb/stream_parser", SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0),
        SD("sk_skb/stream_verdict", SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0),
        SD("sk_skb/verdict", SK_SKB, BPF_SK_SKB_VERDICT, 0),
        SD("sk_skb", SK_SKB, 0, 0),
        SD("sk_msg", SK_MSG, BPF_SK_MSG_VERDICT, 0),
        SD("lirc_mode2", LIRC_MODE2, BPF_LIRC_MODE2, 0),
        SD("flow_dissector", FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0),
        SD("cgroup_skb/ingress", CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0),
        SD("cgroup_skb/egress", CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0),
        SD("cgroup/skb", CGROUP_SKB, 0, 0),
        SD("cgroup/sock_create", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0),
        SD("cgroup/sock_release", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, 0),
        SD("cgroup/sock", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0),
        SD("cgroup/post_bind4", CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0),
        SD("cgroup/post_bind6", CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, 0),
        SD("cgroup/bind4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 0),
        SD("cgroup/bind6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, 0),
        SD("cgroup/connect4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0),
        SD("cgroup/connect6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0),
        SD("cgroup/connect_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, 0),
        SD("cgroup/sendmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0),
        SD("cgroup/sendmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, 0),
        SD("cgroup/sendmsg_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_SENDMSG, 0),
        SD("cgroup/recvmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0),
        SD("cgroup/recvmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, 0),
        SD("cgroup/recvmsg_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_RECVMSG, 0),
        SD("cgroup/getpeername4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME, 0),
        SD("cgroup/getpeername6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME, 0),
        SD("cgroup/getpeername_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETPEERNAME, 0),
        SD("cgroup/getsockname4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME, 0),
        SD("cgroup/getsockname6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME, 0),
        SD("cgroup/getsockname_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_GETSOCKNAME, 0),
        SD("cgroup/sysctl", CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0),
        SD("cgroup/getsockopt", CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0),
        SD("cgroup/setsockopt", CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0),
        SD("cgroup/dev", CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0),
        SD("struct_ops+", STRUCT_OPS, 0, 0),
        SD("struct_ops.s+", STRUCT_OPS, 0, SLEEP),
        SD("sk_lookup", SK_LOOKUP, BPF_SK_LOOKUP, 0),
        SD("netfilter", NETFILTER, BPF_NETFILTER, 0),
};

static bool ldr_sec_def_matches(const char *def, const char *name)
{
	size_t len = strlen(def);
	if (def[len - 1] == '/')
		return strncmp(name, def, len) == 0;
	if (def[len - 1] == '+') {
		len--;
		if (strncmp(name, def, len) != 0)
			return false;
		return name[len] == 0 || name[len] == '/';
	}
	return strcmp(name, def) == 0;
}

const struct ldr_sec_def *ldr_find_sec_def(const char *sec_name)
{
	if (!sec_name)
		return NULL;
	if (sec_name[0] == '?')
		sec_name++;
	for (size_t i = 0; i < sizeof ldr_sec_defs / sizeof ldr_sec_defs[0]; i++)
		if (ldr_sec_def_matches(ldr_sec_defs[i].sec, sec_name))
			return &ldr_sec_defs[i];
	return NULL;
}

int userbpf_prog_type_by_section(const char *sec, uint32_t *prog_type, uint32_t *attach_type)
{
	const struct ldr_sec_def *d = ldr_find_sec_def(sec);
	if (!d)
		return -ESRCH;
	if (prog_type)
		*prog_type = d->prog_type;
	if (attach_type)
		*attach_type = d->attach_type;
	return 0;
}
