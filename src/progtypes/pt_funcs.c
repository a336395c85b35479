/* pt_funcs.c — which helpers each program type may call (the kernel's *_func_proto).
 *
 * The sets are the host kernel's answers (Linux 6.18, as root), recorded by loading a
 * call to every helper id into every program type: an id is allowed unless the kernel
 * says "program of this type cannot use helper". tests/unit/test_progtype_funcs.c keeps
 * them as a fixture and re-asks the kernel when it can. Every type shares the base set
 * (bpf_base_func_proto for a CAP_BPF + CAP_PERFMON loader); networking types add the
 * bpf_sk_base_func_proto extras (skc_to_* casts, ...).
 *
 * The prototype for an allowed id: our packet helpers' own (the skb and xdp variants
 * differ: bpf_redirect returns TC_ACT_REDIRECT or XDP_REDIRECT, bpf_get_cgroup_classid
 * takes the skb), else src/helpers' (bpf_helper_proto_any: the prototype even when we
 * have no runtime for it, so the verifier answers as the kernel does).
 */
#include "progtypes/pt_helpers.h"

struct id_range {
	uint16_t lo, hi;
};
#define RANGES(...) ((const struct id_range[]){__VA_ARGS__})
#define NR(...) (sizeof((const struct id_range[]){__VA_ARGS__}) / sizeof(struct id_range))
#define IDS(...) .ids = RANGES(__VA_ARGS__), .nr_ids = NR(__VA_ARGS__)

/* clang-format off */
static const struct id_range base_ids[] = {
	{1, 3}, {5, 8}, {12, 12}, {14, 17}, {22, 22}, {35, 35}, {37, 37}, {42, 42}, {55, 55},
	{80, 80}, {87, 89}, {93, 94}, {105, 106}, {109, 109}, {112, 115}, {117, 118}, {120, 120},
	{123, 123}, {125, 125}, {130, 134}, {141, 141}, {148, 149}, {153, 154}, {156, 158},
	{164, 165}, {169, 172}, {175, 177}, {180, 182}, {191, 191}, {194, 195}, {197, 203},
	{208, 211},
};
/* bpf_sk_base_func_proto's additions */
static const struct id_range sk_base_ids[] = {{136, 140}, {160, 160}, {178, 178}, {196, 196}};
/* clang-format on */

/* Which proto variant a type uses for the helpers that have several. */
enum pt_variant {
	V_NONE,
	V_SKB,    /* socket filter, cgroup skb: skb helpers, base classid */
	V_TC,     /* tc and lwt: also the skb variants of get_cgroup_classid... */
	V_SK_SKB, /* sk_skb's own pull_data */
	V_XDP,
	V_FLOW_DISSECTOR, /* its own skb_load_bytes */
	V_CGROUP,         /* cgroup hooks: bpf_get_retval / bpf_set_retval */
	V_SK_LOOKUP,      /* sk_assign (its own), sk_release */
	V_SK_REUSEPORT,   /* sk_select_reuseport, its skb_load_bytes(_relative), ... */
	V_SYSCTL,         /* the sysctl helpers, get/set_retval */
	V_SOCKOPT,        /* get/set_retval, setsockopt/getsockopt, tcp_sock, ... */
};

struct pt_func_set {
	uint32_t prog_type;
	bool sk_base;
	enum pt_variant variant;
	const struct id_range *ids; /* the type's own additions */
	size_t nr_ids;
	bool (*by_attach)(uint32_t eat, uint32_t id); /* additions by attach type */
};

/* cgroup sock_addr: bpf_bind from connect hooks only; bpf_get/set_retval except from
 * the hooks whose return value is fixed (recvmsg, getpeername, getsockname) */
static bool sock_addr_by_attach(uint32_t eat, uint32_t id)
{
	switch (id) {
	case BPF_FUNC_bind:
		return eat == BPF_CGROUP_INET4_CONNECT || eat == BPF_CGROUP_INET6_CONNECT;
	case BPF_FUNC_get_retval:
	case BPF_FUNC_set_retval:
		switch (eat) {
		case BPF_CGROUP_UDP4_RECVMSG:
		case BPF_CGROUP_UDP6_RECVMSG:
		case BPF_CGROUP_UNIX_RECVMSG:
		case BPF_CGROUP_INET4_GETPEERNAME:
		case BPF_CGROUP_INET6_GETPEERNAME:
		case BPF_CGROUP_UNIX_GETPEERNAME:
		case BPF_CGROUP_INET4_GETSOCKNAME:
		case BPF_CGROUP_INET6_GETSOCKNAME:
		case BPF_CGROUP_UNIX_GETSOCKNAME:
			return false;
		default:
			return true;
		}
	default:
		return false;
	}
}

/* cgroup sockopt: bpf_setsockopt / bpf_getsockopt from the setsockopt hook only */
static bool sockopt_by_attach(uint32_t eat, uint32_t id)
{
	return (id == BPF_FUNC_setsockopt || id == BPF_FUNC_getsockopt) &&
	       eat == BPF_CGROUP_SETSOCKOPT;
}

/* clang-format off */
static const struct pt_func_set func_sets[] = {
	{BPF_PROG_TYPE_SOCKET_FILTER, true, V_SKB,
	 IDS({25, 26}, {46, 47}, {68, 68}, {122, 122})},
	{BPF_PROG_TYPE_KPROBE, false, V_NONE,
	 IDS({4, 4}, {25, 25}, {27, 27}, {45, 45}, {67, 67}, {173, 174})},
	{BPF_PROG_TYPE_SCHED_CLS, true, V_TC,
	 IDS({9, 11}, {13, 13}, {18, 21}, {23, 26}, {28, 34}, {38, 41}, {43, 43}, {46, 48},
	     {50, 50}, {66, 66}, {68, 69}, {79, 79}, {83, 86}, {95, 100}, {107, 108}, {110, 110},
	     {122, 122}, {124, 124}, {135, 135}, {151, 152}, {155, 155}, {163, 163}, {192, 192},
	     {204, 207})},
	{BPF_PROG_TYPE_SCHED_ACT, true, V_TC,
	 IDS({9, 11}, {13, 13}, {18, 21}, {23, 26}, {28, 34}, {38, 41}, {43, 43}, {46, 48},
	     {50, 50}, {66, 66}, {68, 69}, {79, 79}, {83, 86}, {95, 100}, {107, 108}, {110, 110},
	     {122, 122}, {124, 124}, {135, 135}, {151, 152}, {155, 155}, {163, 163}, {192, 192},
	     {204, 207})},
	{BPF_PROG_TYPE_TRACEPOINT, false, V_NONE,
	 IDS({4, 4}, {25, 25}, {27, 27}, {45, 45}, {67, 67}, {173, 174})},
	{BPF_PROG_TYPE_XDP, true, V_XDP,
	 IDS({23, 23}, {25, 25}, {28, 28}, {44, 44}, {51, 51}, {54, 54}, {65, 65}, {69, 69},
	     {84, 86}, {99, 100}, {110, 110}, {163, 163}, {188, 190}, {204, 207})},
	{BPF_PROG_TYPE_PERF_EVENT, false, V_NONE,
	 IDS({4, 4}, {25, 25}, {27, 27}, {45, 45}, {56, 56}, {67, 67}, {119, 119}, {173, 174})},
	{BPF_PROG_TYPE_CGROUP_SKB, true, V_SKB,
	 IDS({25, 26}, {46, 47}, {68, 68}, {79, 79}, {81, 81}, {83, 86}, {95, 99}, {107, 108},
	     {122, 122}, {128, 129})},
	{BPF_PROG_TYPE_LWT_IN, true, V_TC,
	 IDS({24, 26}, {28, 28}, {33, 34}, {39, 39}, {73, 73})},
	{BPF_PROG_TYPE_LWT_OUT, true, V_TC,
	 IDS({24, 26}, {28, 28}, {33, 34}, {39, 39})},
	{BPF_PROG_TYPE_LWT_XMIT, true, V_TC,
	 IDS({9, 11}, {13, 13}, {20, 21}, {23, 26}, {28, 30}, {33, 34}, {38, 41}, {43, 43},
	     {73, 73}, {135, 135})},
	{BPF_PROG_TYPE_SOCK_OPS, true, V_NONE,
	 IDS({25, 25}, {46, 46}, {49, 49}, {53, 53}, {57, 57}, {59, 59}, {70, 70}, {81, 81},
	     {96, 96}, {107, 108}, {122, 122}, {142, 144})},
	{BPF_PROG_TYPE_SK_SKB, true, V_SK_SKB,
	 IDS({9, 9}, {25, 26}, {38, 39}, {43, 43}, {46, 47}, {50, 50}, {52, 52}, {72, 72},
	     {84, 86}, {99, 99})},
	{BPF_PROG_TYPE_SK_MSG, true, V_NONE,
	 IDS({25, 25}, {60, 63}, {71, 71}, {90, 91}, {107, 108}, {122, 122})},
	{BPF_PROG_TYPE_RAW_TRACEPOINT, false, V_NONE,
	 IDS({4, 4}, {25, 25}, {27, 27}, {45, 45}, {67, 67}, {173, 174})},
	{BPF_PROG_TYPE_LWT_SEG6LOCAL, true, V_TC,
	 IDS({24, 26}, {28, 28}, {33, 34}, {39, 39}, {74, 76})},
	{BPF_PROG_TYPE_FLOW_DISSECTOR, true, V_FLOW_DISSECTOR, IDS({26, 26})},
	{BPF_PROG_TYPE_CGROUP_SOCK, false, V_CGROUP,
	 IDS({25, 25}, {46, 46}, {81, 81}, {107, 107}, {122, 122}, {160, 160}, {186, 187})},
	{BPF_PROG_TYPE_CGROUP_DEVICE, false, V_CGROUP, IDS({25, 25}, {81, 81}, {186, 187})},
	{BPF_PROG_TYPE_CGROUP_SOCK_ADDR, true, V_CGROUP,
	 IDS({25, 25}, {46, 46}, {49, 49}, {57, 57}, {81, 81}, {84, 86}, {99, 99}, {107, 108},
	     {122, 122}), sock_addr_by_attach},
	{BPF_PROG_TYPE_SYSCALL, false, V_NONE,
	 IDS({4, 4}, {25, 25}, {27, 27}, {45, 46}, {67, 67}, {107, 108}, {111, 111}, {121, 121},
	     {136, 140}, {147, 147}, {162, 162}, {166, 168}, {173, 173}, {178, 179}, {188, 188},
	     {196, 196})},
	{BPF_PROG_TYPE_SK_LOOKUP, true, V_SK_LOOKUP, IDS({25, 25}, {86, 86}, {124, 124})},
	{BPF_PROG_TYPE_SK_REUSEPORT, false, V_SK_REUSEPORT,
	 IDS({26, 26}, {46, 46}, {68, 68}, {82, 82}, {160, 160})},
	{BPF_PROG_TYPE_CGROUP_SYSCTL, false, V_SYSCTL,
	 IDS({25, 25}, {81, 81}, {101, 104}, {160, 160}, {186, 187})},
	{BPF_PROG_TYPE_CGROUP_SOCKOPT, false, V_SOCKOPT,
	 IDS({25, 25}, {81, 81}, {96, 96}, {107, 108}, {122, 122}, {186, 187}), sockopt_by_attach},
};
/* clang-format on */

static bool in_ranges(const struct id_range *r, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= r[i].lo && id <= r[i].hi)
			return true;
	return false;
}

static const struct pt_func_set *func_set(uint32_t prog_type)
{
	for (size_t i = 0; i < sizeof func_sets / sizeof func_sets[0]; i++)
		if (func_sets[i].prog_type == prog_type)
			return &func_sets[i];
	return NULL;
}

bool pt_func_allowed(uint32_t prog_type, uint32_t eat, uint32_t func_id)
{
	const struct pt_func_set *s = func_set(prog_type);
	if (!s || !func_id)
		return false;
	return in_ranges(base_ids, sizeof base_ids / sizeof base_ids[0], func_id) ||
	       (s->sk_base &&
	        in_ranges(sk_base_ids, sizeof sk_base_ids / sizeof sk_base_ids[0], func_id)) ||
	       in_ranges(s->ids, s->nr_ids, func_id) ||
	       (s->by_attach && s->by_attach(eat, func_id));
}

/* Our packet helpers by variant: id -> proto (NULL: not ours). */
static const struct bpf_func_proto *pt_variant_proto(enum pt_variant v, uint32_t id, uint32_t eat)
{
	switch (v) {
	case V_CGROUP:
		return pt_cgroup_retval_proto(id);
	case V_SK_LOOKUP:
		return pt_sk_lookup_proto(id);
	case V_SK_REUSEPORT:
		return pt_sk_reuseport_proto(id);
	case V_SYSCTL:
		return pt_sysctl_proto(id);
	case V_SOCKOPT:
		return pt_sockopt_proto(id, eat);
	case V_SK_SKB:
		if (id == BPF_FUNC_skb_pull_data)
			return &pt_sk_skb_pull_data_proto;
		return pt_skb_proto(id);
	case V_TC:
		if (id == BPF_FUNC_get_cgroup_classid)
			return &pt_skb_get_cgroup_classid_proto;
		return pt_skb_proto(id);
	case V_SKB:
		return pt_skb_proto(id);
	case V_XDP:
		return pt_xdp_proto(id);
	case V_FLOW_DISSECTOR:
		return id == BPF_FUNC_skb_load_bytes ? &pt_flow_dissector_load_bytes_proto : NULL;
	default:
		return NULL;
	}
}

const struct bpf_func_proto *pt_get_func_proto(uint32_t prog_type, uint32_t eat, uint32_t func_id)
{
	const struct pt_func_set *s = func_set(prog_type);
	if (!s || !pt_func_allowed(prog_type, eat, func_id))
		return NULL;
	const struct bpf_func_proto *fp = pt_variant_proto(s->variant, func_id, eat);
	if (!fp)
		fp = pt_net_proto(prog_type, func_id);
	return fp ? fp : bpf_helper_proto_any(func_id);
}

bool pt_func_depends_on_attach(uint32_t prog_type)
{
	const struct pt_func_set *s = func_set(prog_type);
	return s && s->by_attach;
}

#define FUNC_PROTO_FN(name, type)                                                                  \
	const struct bpf_func_proto *name(uint32_t id, uint32_t eat)                               \
	{                                                                                          \
		return pt_get_func_proto(type, eat, id);                                           \
	}
FUNC_PROTO_FN(pt_sk_filter_func_proto, BPF_PROG_TYPE_SOCKET_FILTER)
FUNC_PROTO_FN(pt_tc_cls_act_func_proto, BPF_PROG_TYPE_SCHED_CLS)
FUNC_PROTO_FN(pt_cg_skb_func_proto, BPF_PROG_TYPE_CGROUP_SKB)
FUNC_PROTO_FN(pt_lwt_in_func_proto, BPF_PROG_TYPE_LWT_IN)
FUNC_PROTO_FN(pt_lwt_out_func_proto, BPF_PROG_TYPE_LWT_OUT)
FUNC_PROTO_FN(pt_lwt_xmit_func_proto, BPF_PROG_TYPE_LWT_XMIT)
FUNC_PROTO_FN(pt_lwt_seg6local_func_proto, BPF_PROG_TYPE_LWT_SEG6LOCAL)
FUNC_PROTO_FN(pt_sk_skb_func_proto, BPF_PROG_TYPE_SK_SKB)
FUNC_PROTO_FN(pt_flow_dissector_func_proto, BPF_PROG_TYPE_FLOW_DISSECTOR)
FUNC_PROTO_FN(pt_xdp_func_proto, BPF_PROG_TYPE_XDP)
FUNC_PROTO_FN(pt_kprobe_func_proto, BPF_PROG_TYPE_KPROBE)
FUNC_PROTO_FN(pt_tracepoint_func_proto, BPF_PROG_TYPE_TRACEPOINT)
FUNC_PROTO_FN(pt_perf_event_func_proto, BPF_PROG_TYPE_PERF_EVENT)
FUNC_PROTO_FN(pt_raw_tracepoint_func_proto, BPF_PROG_TYPE_RAW_TRACEPOINT)
FUNC_PROTO_FN(pt_syscall_func_proto, BPF_PROG_TYPE_SYSCALL)
FUNC_PROTO_FN(pt_sock_ops_func_proto, BPF_PROG_TYPE_SOCK_OPS)
FUNC_PROTO_FN(pt_sk_msg_func_proto, BPF_PROG_TYPE_SK_MSG)
FUNC_PROTO_FN(pt_cg_sock_func_proto, BPF_PROG_TYPE_CGROUP_SOCK)
FUNC_PROTO_FN(pt_cg_sock_addr_func_proto, BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
FUNC_PROTO_FN(pt_cg_dev_func_proto, BPF_PROG_TYPE_CGROUP_DEVICE)
FUNC_PROTO_FN(pt_sk_lookup_func_proto, BPF_PROG_TYPE_SK_LOOKUP)
FUNC_PROTO_FN(pt_sk_reuseport_func_proto, BPF_PROG_TYPE_SK_REUSEPORT)
FUNC_PROTO_FN(pt_cg_sysctl_func_proto, BPF_PROG_TYPE_CGROUP_SYSCTL)
FUNC_PROTO_FN(pt_cg_sockopt_func_proto, BPF_PROG_TYPE_CGROUP_SOCKOPT)
