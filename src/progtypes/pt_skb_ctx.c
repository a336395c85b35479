/* pt_skb_ctx.c — the __sk_buff context: which fields each skb program type may load and
 * store, what a load yields, and the rewrite of each access onto struct pt_skb.
 *
 * Two tables, as the kernel's code is organised: the field table holds the rules common to
 * every skb type (bpf_skb_is_valid_access: sizes, narrow loads, read-only fields) and how
 * a field is converted; a policy per program type (sk_filter_is_valid_access,
 * tc_cls_act_is_valid_access, ...) says which fields are off limits, which may be written
 * and which loads yield packet pointers. The kernel matches an access by its first byte
 * (`case` ranges on off), and so does field_at().
 */
#include <stddef.h>

#include "progtypes/pt_internal.h"

#define SKB_OFF(f) offsetof(struct __sk_buff, f)
#define SKB_END(f) (offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f))

enum skb_fid {
	F_LEN,
	F_PKT_TYPE,
	F_MARK,
	F_QUEUE_MAPPING,
	F_PROTOCOL,
	F_VLAN_PRESENT,
	F_VLAN_TCI,
	F_VLAN_PROTO,
	F_PRIORITY,
	F_INGRESS_IFINDEX,
	F_IFINDEX,
	F_TC_INDEX,
	F_CB,
	F_HASH,
	F_TC_CLASSID,
	F_DATA,
	F_DATA_END,
	F_NAPI_ID,
	F_FAMILY,
	F_REMOTE_IP4,
	F_LOCAL_IP4,
	F_REMOTE_IP6,
	F_LOCAL_IP6,
	F_REMOTE_PORT,
	F_LOCAL_PORT,
	F_DATA_META,
	F_FLOW_KEYS,
	F_TSTAMP,
	F_WIRE_LEN,
	F_GSO_SEGS,
	F_SK,
	F_GSO_SIZE,
	F_TSTAMP_TYPE,
	F_PAD, /* after tstamp_type */
	F_HWTSTAMP,
	F_NR
};
#define BIT(f) (1ull << (f))
#define SOCK_FIELDS                                                                                \
	(BIT(F_FAMILY) | BIT(F_REMOTE_IP4) | BIT(F_LOCAL_IP4) | BIT(F_REMOTE_IP6) |                \
	 BIT(F_LOCAL_IP6) | BIT(F_REMOTE_PORT) | BIT(F_LOCAL_PORT))

/* Size rules of bpf_skb_is_valid_access. */
enum skb_rule {
	R_NARROW, /* default: loads of 1, 2, 4 bytes (narrow); stores of 4 */
	R_CB,     /* any size within cb[] */
	R_EXACT4, /* exactly 4 bytes */
	R_DENY,   /* never */
	R_U64,    /* exactly 8 bytes */
	R_U64_RO, /* exactly 8 bytes, loads only */
	R_SK,     /* exactly 8 bytes, loads only, PTR_TO_SOCK_COMMON_OR_NULL */
};

/* A field: its access rule and its rewrite onto struct pt_skb (the kernel's
 * bpf_convert_ctx_access cases as data; pt_ctx_rewrite.c does the rewriting). `size` is
 * what the kernel loads; PT_CF_TARGET where it reports it as the target size. */
struct skb_field {
	struct pt_ctx_field cf;
	uint8_t rule;
};

#define PTS_OFF(f) offsetof(struct pt_skb, f)
/* the field at its own offset, converted as `size` bytes there */
#define SAME(f, size, flags, rule)                                                                 \
	{                                                                                          \
		{SKB_OFF(f), SKB_END(f) - 1, SKB_OFF(f), size, flags, 0}, rule                     \
	}
/* the field converted from internal offset ioff, then `imm` for PT_CF_AND / PT_CF_LSH */
#define AT(f, ioff, size, flags, imm, rule)                                                        \
	{                                                                                          \
		{SKB_OFF(f), SKB_END(f) - 1, ioff, size, flags, imm}, rule                         \
	}
#define T PT_CF_TARGET

/* clang-format off */
static const struct skb_field skb_fields[F_NR] = {
	[F_LEN]             = SAME(len, 4, T, R_NARROW),
	[F_PKT_TYPE]        = AT(pkt_type, SKB_OFF(pkt_type), 1, T | PT_CF_AND, 7, R_NARROW), /* PKT_TYPE_MAX */
	[F_MARK]            = SAME(mark, 4, T, R_NARROW),
	[F_QUEUE_MAPPING]   = SAME(queue_mapping, 2, T | PT_CF_U16_STORE, R_NARROW),
	[F_PROTOCOL]        = SAME(protocol, 2, T, R_NARROW),
	[F_VLAN_PRESENT]    = AT(vlan_present, SKB_OFF(vlan_present), 1, T | PT_CF_AND, 1, R_NARROW),
	[F_VLAN_TCI]        = SAME(vlan_tci, 2, T, R_NARROW),
	[F_VLAN_PROTO]      = SAME(vlan_proto, 2, T, R_NARROW),
	[F_PRIORITY]        = SAME(priority, 4, T, R_NARROW),
	[F_INGRESS_IFINDEX] = SAME(ingress_ifindex, 4, T, R_NARROW),
	[F_IFINDEX]         = SAME(ifindex, 4, T, R_NARROW),
	[F_TC_INDEX]        = SAME(tc_index, 2, T, R_NARROW),
	[F_CB]              = SAME(cb, 0, PT_CF_RANGED | PT_CF_ACCESS_SIZE, R_CB),
	[F_HASH]            = SAME(hash, 4, T, R_NARROW),
	[F_TC_CLASSID]      = SAME(tc_classid, 2, T, R_NARROW),
	[F_DATA]            = AT(data, PTS_OFF(data), 8, 0, 0, R_EXACT4),
	[F_DATA_END]        = AT(data_end, PTS_OFF(data_end), 8, 0, 0, R_EXACT4),
	[F_NAPI_ID]         = SAME(napi_id, 4, T, R_NARROW),
	[F_FAMILY]          = SAME(family, 2, T, R_NARROW),
	[F_REMOTE_IP4]      = SAME(remote_ip4, 4, T, R_EXACT4),
	[F_LOCAL_IP4]       = SAME(local_ip4, 4, T, R_EXACT4),
	[F_REMOTE_IP6]      = SAME(remote_ip6, 4, PT_CF_RANGED, R_EXACT4),
	[F_LOCAL_IP6]       = SAME(local_ip6, 4, PT_CF_RANGED, R_EXACT4),
	/* the raw port is big-endian: the kernel shifts it into the upper half */
	[F_REMOTE_PORT]     = AT(remote_port, PTS_OFF(sk_dport), 2, T | PT_CF_LSH, 16, R_NARROW),
	[F_LOCAL_PORT]      = AT(local_port, PTS_OFF(sk_num), 2, T, 0, R_NARROW),
	[F_DATA_META]       = AT(data_meta, PTS_OFF(data_meta), 8, 0, 0, R_EXACT4),
	[F_FLOW_KEYS]       = {{SKB_OFF(flow_keys), SKB_OFF(flow_keys) + 7, 0, 0, PT_CF_NONE, 0}, R_DENY},
	[F_TSTAMP]          = SAME(tstamp, 8, 0, R_U64),
	[F_WIRE_LEN]        = SAME(wire_len, 4, T, R_NARROW),
	[F_GSO_SEGS]        = SAME(gso_segs, 2, T, R_NARROW),
	[F_SK]              = {{SKB_OFF(sk), SKB_OFF(sk) + 7, SKB_OFF(sk), 8, 0, 0}, R_SK},
	[F_GSO_SIZE]        = SAME(gso_size, 2, T, R_NARROW),
	[F_TSTAMP_TYPE]     = {{SKB_OFF(tstamp_type), SKB_OFF(tstamp_type), SKB_OFF(tstamp_type), 1, 0, 0}, R_DENY},
	[F_PAD]             = {{SKB_OFF(tstamp_type) + 1, SKB_OFF(hwtstamp) - 1, 0, 0, PT_CF_NONE, 0}, R_DENY},
	[F_HWTSTAMP]        = SAME(hwtstamp, 8, T, R_U64_RO),
};
/* clang-format on */
#undef T

/* What one skb program type may do (its *_is_valid_access before the common rules). */
struct skb_policy {
	uint64_t deny;    /* fields it may not touch at all */
	uint64_t write;   /* fields it may store to */
	bool pkt;         /* data / data_end yield PTR_TO_PACKET / PTR_TO_PACKET_END */
	bool meta;        /* data_meta yields PTR_TO_PACKET_META */
	bool tstamp_type; /* tc: tstamp_type readable as one byte */
};

static const struct skb_policy sk_filter_policy = {
        .deny = BIT(F_TC_CLASSID) | BIT(F_DATA) | BIT(F_DATA_META) | BIT(F_DATA_END) | SOCK_FIELDS |
                BIT(F_TSTAMP) | BIT(F_WIRE_LEN) | BIT(F_HWTSTAMP),
        .write = BIT(F_CB),
};

/* root is bpf_capable: data, data_end and tstamp stores are allowed */
static const struct skb_policy cg_skb_policy = {
        .deny = BIT(F_TC_CLASSID) | BIT(F_DATA_META) | BIT(F_WIRE_LEN),
        .write = BIT(F_MARK) | BIT(F_PRIORITY) | BIT(F_CB) | BIT(F_TSTAMP),
        .pkt = true,
};

static const struct skb_policy lwt_policy = {
        .deny = BIT(F_TC_CLASSID) | SOCK_FIELDS | BIT(F_DATA_META) | BIT(F_TSTAMP) |
                BIT(F_WIRE_LEN) | BIT(F_HWTSTAMP),
        .write = BIT(F_MARK) | BIT(F_PRIORITY) | BIT(F_CB),
        .pkt = true,
};

static const struct skb_policy tc_policy = {
        .deny = SOCK_FIELDS,
        .write = BIT(F_MARK) | BIT(F_TC_INDEX) | BIT(F_PRIORITY) | BIT(F_TC_CLASSID) | BIT(F_CB) |
                 BIT(F_TSTAMP) | BIT(F_QUEUE_MAPPING),
        .pkt = true,
        .meta = true,
        .tstamp_type = true,
};

static const struct skb_policy sk_skb_policy = {
        .deny = BIT(F_TC_CLASSID) | BIT(F_DATA_META) | BIT(F_TSTAMP) | BIT(F_WIRE_LEN) |
                BIT(F_HWTSTAMP) | BIT(F_MARK),
        .write = BIT(F_TC_INDEX) | BIT(F_PRIORITY),
        .pkt = true,
};

static int field_at(int off)
{
	for (int f = 0; f < F_NR; f++)
		if (off >= skb_fields[f].cf.start && off <= skb_fields[f].cf.end)
			return f;
	return -1;
}

/* bpf_skb_is_valid_access: the size rules every skb type shares. */
static bool skb_common_access(int f, int off, int size, enum bpf_access_type t,
                              struct bpf_insn_access_aux *aux)
{
	const struct skb_field *fd = &skb_fields[f];
	if (off % size != 0)
		return false;
	switch (fd->rule) {
	case R_CB:
		return off + size <= (int)SKB_END(cb);
	case R_EXACT4:
		/* a sign-extending load of a pointer is refused */
		return size == 4 && !(aux->is_ldsx && aux->kind != CTX_FIELD_SCALAR);
	case R_DENY:
		return false;
	case R_U64:
		return size == 8;
	case R_U64_RO:
		return t == BPF_READ && size == 8;
	case R_SK:
		if (t == BPF_WRITE || size != 8)
			return false;
		aux->kind = CTX_FIELD_SOCK_COMMON_OR_NULL;
		return true;
	default: /* R_NARROW */
		if (t == BPF_WRITE)
			return size == 4;
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
}

static bool skb_policy_access(const struct skb_policy *p, int off, int size, enum bpf_access_type t,
                              struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= (int)sizeof(struct __sk_buff) || size <= 0)
		return false;
	int f = field_at(off);
	if (f < 0 || (p->deny & BIT(f)))
		return false;
	if (t == BPF_WRITE && !(p->write & BIT(f)))
		return false;
	if (f == F_TSTAMP_TYPE && p->tstamp_type)
		return size == 1;
	if (p->pkt && f == F_DATA)
		aux->kind = CTX_FIELD_PKT;
	else if (p->pkt && f == F_DATA_END)
		aux->kind = CTX_FIELD_PKT_END;
	else if (p->meta && f == F_DATA_META)
		aux->kind = CTX_FIELD_PKT_META;
	return skb_common_access(f, off, size, t, aux);
}

#define SKB_ACCESS_FN(name, policy)                                                                \
	static bool name(int off, int size, enum bpf_access_type t, uint32_t eat,                  \
	                 struct bpf_insn_access_aux *aux)                                          \
	{                                                                                          \
		(void)eat;                                                                         \
		return skb_policy_access(&policy, off, size, t, aux);                              \
	}
SKB_ACCESS_FN(sk_filter_is_valid_access, sk_filter_policy)
SKB_ACCESS_FN(cg_skb_is_valid_access, cg_skb_policy)
SKB_ACCESS_FN(lwt_is_valid_access, lwt_policy)
SKB_ACCESS_FN(tc_cls_act_is_valid_access, tc_policy)
SKB_ACCESS_FN(sk_skb_is_valid_access, sk_skb_policy)

/* flow_dissector_is_valid_access: aligned loads of data, data_end and flow_keys only (all
 * three are pointers: no sign-extending loads). */
static bool flow_dissector_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                           struct bpf_insn_access_aux *aux)
{
	(void)eat;
	if (off < 0 || off >= (int)sizeof(struct __sk_buff) || t == BPF_WRITE)
		return false;
	if (size <= 0 || off % size || aux->is_ldsx)
		return false;
	int f = field_at(off);
	if (f == F_DATA || f == F_DATA_END) {
		aux->kind = f == F_DATA ? CTX_FIELD_PKT : CTX_FIELD_PKT_END;
		return size == 4;
	}
	if (f == F_FLOW_KEYS) {
		aux->kind = CTX_FIELD_FLOW_KEYS;
		return size == 8;
	}
	return false;
}

/* The rewrite of one access (bpf_convert_ctx_access): the field is found by si->off,
 * which the verifier has already aligned to the field's start for narrow loads. */
static uint32_t skb_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                       struct bpf_insn *out, uint32_t eat, uint32_t *target_size)
{
	(void)eat;
	int f = field_at(si->off);
	if (f < 0)
		return 0;
	return pt_ctx_rewrite(&skb_fields[f].cf, t, si, out, target_size);
}

/* flow_dissector_convert_ctx_access: data, data_end, flow_keys at their exact offsets. */
static uint32_t flow_dissector_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                                  struct bpf_insn *out, uint32_t eat,
                                                  uint32_t *target_size)
{
	if (t != BPF_READ)
		return 0;
	if (si->off == (int16_t)SKB_OFF(flow_keys)) {
		out[0] = pt_ldx(BPF_DW, si->dst_reg, si->src_reg, si->off);
		return 1;
	}
	if (si->off == (int16_t)SKB_OFF(data) || si->off == (int16_t)SKB_OFF(data_end))
		return skb_convert_ctx_access(t, si, out, eat, target_size);
	return 0;
}

/* The kernel's check_return_code for cgroup skb: egress may also return congestion
 * notification bits (0..3), ingress 0 or 1. */
static bool cg_skb_retval_range(uint32_t eat, struct bpf_retval_range *r)
{
	r->minval = 0;
	r->maxval = eat == BPF_CGROUP_INET_EGRESS ? 3 : 1;
	return true;
}

/* clang-format off */
const struct bpf_prog_type_info pt_sk_filter_info = {
	.type = BPF_PROG_TYPE_SOCKET_FILTER, .name = "socket_filter",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = sk_filter_is_valid_access,
	.get_func_proto = pt_sk_filter_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.ld_abs = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_sched_cls_info = {
	.type = BPF_PROG_TYPE_SCHED_CLS, .name = "sched_cls",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = tc_cls_act_is_valid_access,
	.get_func_proto = pt_tc_cls_act_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true, .direct_pkt_write = true,
	.ld_abs = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_sched_act_info = {
	.type = BPF_PROG_TYPE_SCHED_ACT, .name = "sched_act",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = tc_cls_act_is_valid_access,
	.get_func_proto = pt_tc_cls_act_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true, .direct_pkt_write = true,
	.ld_abs = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_cgroup_skb_info = {
	.type = BPF_PROG_TYPE_CGROUP_SKB, .name = "cgroup_skb",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = cg_skb_is_valid_access,
	.get_func_proto = pt_cg_skb_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.retval_range = cg_skb_retval_range,
	.direct_pkt_read = true,
	/* no .ld_abs: the kernel's may_access_skb() is socket_filter/sched_cls/sched_act only */
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_lwt_in_info = {
	.type = BPF_PROG_TYPE_LWT_IN, .name = "lwt_in",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = lwt_is_valid_access,
	.get_func_proto = pt_lwt_in_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_lwt_out_info = {
	.type = BPF_PROG_TYPE_LWT_OUT, .name = "lwt_out",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = lwt_is_valid_access,
	.get_func_proto = pt_lwt_out_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_lwt_xmit_info = {
	.type = BPF_PROG_TYPE_LWT_XMIT, .name = "lwt_xmit",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = lwt_is_valid_access,
	.get_func_proto = pt_lwt_xmit_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true, .direct_pkt_write = true,
	.test_run = pt_test_run_skb,
};
const struct bpf_prog_type_info pt_lwt_seg6local_info = {
	.type = BPF_PROG_TYPE_LWT_SEG6LOCAL, .name = "lwt_seg6local",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = lwt_is_valid_access,
	.get_func_proto = pt_lwt_seg6local_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true,
};
const struct bpf_prog_type_info pt_sk_skb_info = {
	.type = BPF_PROG_TYPE_SK_SKB, .name = "sk_skb",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = sk_skb_is_valid_access,
	.get_func_proto = pt_sk_skb_func_proto,
	.convert_ctx_access = skb_convert_ctx_access,
	.direct_pkt_read = true, .direct_pkt_write = true,
};
const struct bpf_prog_type_info pt_flow_dissector_info = {
	.type = BPF_PROG_TYPE_FLOW_DISSECTOR, .name = "flow_dissector",
	.ctx_size = sizeof(struct __sk_buff),
	.is_valid_access = flow_dissector_is_valid_access,
	.get_func_proto = pt_flow_dissector_func_proto,
	.convert_ctx_access = flow_dissector_convert_ctx_access,
	.direct_pkt_read = true,
	.test_run = pt_test_run_flow_dissector,
};
/* clang-format on */
