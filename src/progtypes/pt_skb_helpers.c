/* pt_skb_helpers.c — helpers on an skb: load/store bytes, pull, change tail/head, hash,
 * packet type, redirect, and the runtime of LD_ABS / LD_IND.
 *
 * The skb here is always linear (headlen == len): its bytes are one run of pkt->buf, with
 * room before and after for change_head/change_tail up to BPF_SKB_MAX_LEN, so data never
 * moves to another allocation. Helpers that change data or len call pt_skb_sync(), which
 * recomputes data_end (bpf_compute_data_pointers) and moves a guarded run's packet region.
 */
#include <errno.h>
#include <string.h>

#include "progtypes/pt_helpers.h"

#define INT_MAX_U 0x7fffffffu
#define PACKET_OTHERHOST 3
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)

_Thread_local void *pt_current_ctx;
_Thread_local enum pt_ctx_kind pt_current_kind;

void pt_skb_sync(struct pt_skb *skb)
{
	skb->data_end = skb->data + skb->uapi.len;
	skb->data_meta = skb->data;
	struct pt_pkt *pkt = skb->pkt;
	if (pkt->region) {
		pkt->region->base = PT_PTR(skb->data);
		pkt->region->len = skb->uapi.len;
	}
}

static uint8_t *skb_data(const struct pt_skb *skb)
{
	return PT_PTR(skb->data);
}

/* bpf_try_make_writable / pskb_may_pull: the first write_len bytes must be data. */
static int skb_may_pull(const struct pt_skb *skb, uint64_t write_len)
{
	return write_len <= skb->uapi.len ? 0 : -ENOMEM;
}

/* csum_block_add / csum_block_sub: a partial sum at an odd offset is byte-rotated. */
static uint32_t csum_block_add(uint32_t csum, uint32_t csum2, uint32_t offset)
{
	if (offset & 1)
		csum2 = (csum2 >> 8) | (csum2 << 24);
	return pt_csum_add(csum, csum2);
}

/* bpf_skb_load_bytes(skb, offset, to, len) */
static uint64_t pt_skb_load_bytes(uint64_t r1, uint64_t offset, uint64_t to, uint64_t len,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	uint32_t off = (uint32_t)offset, n = (uint32_t)len;
	if (!pt_mem_ok(rc, to, n, USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	if (skb && off <= INT_MAX_U && (uint64_t)off + n <= skb->uapi.len) {
		memmove(PT_PTR(to), skb_data(skb) + off, n);
		return 0;
	}
	memset(PT_PTR(to), 0, n);
	return PT_ERR(-EFAULT);
}

/* bpf_flow_dissector_load_bytes: the flow dissector ctx of a test run has no skb, so the
 * kernel's helper always fails there (offset > 0xffff or !ctx->skb). */
static uint64_t pt_flow_dissector_load_bytes(uint64_t r1, uint64_t offset, uint64_t to,
                                             uint64_t len, uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)len;
	if (!pt_mem_ok(rc, to, n, USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	memset(PT_PTR(to), 0, n);
	return PT_ERR(-EFAULT);
}

/* bpf_skb_load_bytes_relative(skb, offset, to, len, start_header) */
static uint64_t pt_skb_load_bytes_relative(uint64_t r1, uint64_t offset, uint64_t to, uint64_t len,
                                           uint64_t start_header, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	uint32_t off = (uint32_t)offset, n = (uint32_t)len;
	if (!pt_mem_ok(rc, to, n, USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	if (skb && off <= 0xffff) {
		struct pt_pkt *pkt = skb->pkt;
		const uint8_t *start = NULL;
		if ((uint32_t)start_header == BPF_HDR_START_MAC && pkt->mac_set)
			start = pkt->buf + pkt->mac_off;
		else if ((uint32_t)start_header == BPF_HDR_START_NET)
			start = pkt->buf + pkt->net_off;
		const uint8_t *end = skb_data(skb) + skb->uapi.len;
		if (start && start + off + n <= end) {
			memcpy(PT_PTR(to), start + off, n);
			return 0;
		}
	}
	memset(PT_PTR(to), 0, n);
	return PT_ERR(-EFAULT);
}

/* bpf_skb_store_bytes(skb, offset, from, len, flags) */
static uint64_t pt_skb_store_bytes(uint64_t r1, uint64_t offset, uint64_t from, uint64_t len,
                                   uint64_t flags, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	uint32_t off = (uint32_t)offset, n = (uint32_t)len;
	if (!skb || !pt_mem_ok(rc, from, n, USERBPF_MEM_READ))
		return PT_ERR(-EFAULT);
	if (flags & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return PT_ERR(-EINVAL);
	if (off > INT_MAX_U)
		return PT_ERR(-EFAULT);
	/* the kernel answers EFAULT here where pull_data answers ENOMEM (probed, 6.18) */
	if (skb_may_pull(skb, (uint32_t)(off + n)))
		return PT_ERR(-EFAULT);
	struct pt_pkt *pkt = skb->pkt;
	uint8_t *ptr = skb_data(skb) + off;
	bool rcsum = (flags & BPF_F_RECOMPUTE_CSUM) && pkt->ip_summed == PT_CHECKSUM_COMPLETE;
	if (rcsum) /* __skb_postpull_rcsum */
		pkt->csum = csum_block_add(pkt->csum, ~pt_csum_partial(ptr, n, 0), off);
	memmove(ptr, PT_PTR(from), n);
	if (rcsum) /* __skb_postpush_rcsum */
		pkt->csum = csum_block_add(pkt->csum, pt_csum_partial(ptr, n, 0), off);
	if (flags & BPF_F_INVALIDATE_HASH) {
		skb->uapi.hash = 0;
		pkt->sw_hash = pkt->l4_hash = false;
	}
	return 0;
}

/* bpf_skb_pull_data(skb, len) and sk_skb's: the first len bytes (all when 0) must be in
 * the linear part, which here is always the whole packet. */
static uint64_t pt_skb_pull_data(uint64_t r1, uint64_t len, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	uint32_t n = (uint32_t)len;
	int err = skb_may_pull(skb, n ? n : skb->uapi.len);
	pt_skb_sync(skb);
	return PT_ERR(err);
}

/* __bpf_skb_min_len: a packet may not shrink below its network header (no transport
 * header is set and no CHECKSUM_PARTIAL in a test run). */
static uint32_t skb_min_len(const struct pt_skb *skb)
{
	int64_t net = (int64_t)(uintptr_t)(skb->pkt->buf + skb->pkt->net_off) - (int64_t)skb->data;
	return net > 0 ? (uint32_t)net : 0;
}

/* bpf_skb_change_tail(skb, new_len, flags) */
static uint64_t pt_skb_change_tail(uint64_t r1, uint64_t new_len, uint64_t flags, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	uint32_t nl = (uint32_t)new_len, len = skb->uapi.len;
	if (flags || nl > PT_SKB_MAX_LEN || nl < skb_min_len(skb))
		return PT_ERR(-EINVAL);
	uint8_t *data = skb_data(skb);
	if (nl > len) {
		memset(data + len, 0, nl - len);
		if (skb->pkt->ip_summed == PT_CHECKSUM_COMPLETE) /* zeros add nothing */
			skb->pkt->csum = csum_block_add(skb->pkt->csum, 0, len);
	} else if (nl < len && skb->pkt->ip_summed == PT_CHECKSUM_COMPLETE) {
		/* pskb_trim_rcsum drops a COMPLETE sum it cannot keep */
		skb->pkt->ip_summed = PT_CHECKSUM_NONE;
	}
	skb->uapi.len = nl;
	pt_skb_sync(skb);
	return 0;
}

/* bpf_skb_change_head(skb, head_room, flags): push zeroed bytes as a new mac header. */
static uint64_t pt_skb_change_head(uint64_t r1, uint64_t head_room, uint64_t flags, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	uint32_t room = (uint32_t)head_room, len = skb->uapi.len, nl = len + room;
	if (flags || (int32_t)room < 0 || nl > PT_SKB_MAX_LEN || nl < len)
		return PT_ERR(-EINVAL);
	struct pt_pkt *pkt = skb->pkt;
	uint8_t *data = skb_data(skb);
	if ((size_t)(data - pkt->buf) < room)
		return PT_ERR(-ENOMEM); /* cannot happen: the buffer has room for the maximum */
	data -= room;
	memset(data, 0, room);
	skb->data = (uintptr_t)data;
	skb->uapi.len = nl;
	pkt->mac_off = (uint32_t)(data - pkt->buf);
	pkt->mac_set = true;
	pt_skb_sync(skb);
	return 0;
}

/* A software flow hash for get_hash_recalc. The kernel's (__skb_get_hash) is a jhash of
 * the dissected flow keys seeded with a random per-boot value, so no value could match
 * it; this one is an FNV-1a of the packet bytes, never 0. */
static uint32_t skb_flow_hash(const struct pt_skb *skb)
{
	uint32_t h = 2166136261u;
	const uint8_t *p = skb_data(skb);
	for (uint32_t i = 0; i < skb->uapi.len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h ? h : 1;
}

/* bpf_get_hash_recalc(skb) */
static uint64_t pt_get_hash_recalc(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                   struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return 0;
	if (!skb->pkt->sw_hash && !skb->pkt->l4_hash) {
		skb->uapi.hash = skb_flow_hash(skb);
		skb->pkt->l4_hash = true;
	}
	return skb->uapi.hash;
}

/* bpf_set_hash_invalid(skb): skb_clear_hash */
static uint64_t pt_set_hash_invalid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (skb) {
		skb->uapi.hash = 0;
		skb->pkt->sw_hash = skb->pkt->l4_hash = false;
	}
	return 0;
}

/* bpf_set_hash(skb, hash): a software L4 hash */
static uint64_t pt_set_hash(uint64_t r1, uint64_t hash, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (skb) {
		skb->uapi.hash = (uint32_t)hash;
		skb->pkt->sw_hash = skb->pkt->l4_hash = true;
	}
	return 0;
}

/* bpf_skb_change_type(skb, type): only between host, broadcast, multicast, otherhost */
static uint64_t pt_skb_change_type(uint64_t r1, uint64_t type, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	if (skb->uapi.pkt_type > PACKET_OTHERHOST || (uint32_t)type > PACKET_OTHERHOST)
		return PT_ERR(-EINVAL);
	skb->uapi.pkt_type = (uint32_t)type;
	return 0;
}

/* bpf_get_cgroup_classid(skb), bpf_get_route_realm(skb): a test run's skb has neither a
 * net_cls cgroup nor a route. */
static uint64_t pt_skb_zero(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct userbpf_run_ctx *rc)
{
	return 0;
}

/* bpf_redirect(ifindex, flags) for skb programs: the verdict; the target is not kept since
 * a test run does not forward. */
static uint64_t pt_skb_redirect(uint64_t ifindex, uint64_t flags, uint64_t r3, uint64_t r4,
                                uint64_t r5, struct userbpf_run_ctx *rc)
{
	return flags & ~(uint64_t)BPF_F_INGRESS ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}

/* LD_ABS / LD_IND (bpf_skb_load_helper_{8,16,32}): bytes at offset of the data, or below
 * 0 relative to the network (SKF_NET_OFF) or mac (SKF_LL_OFF) header; big-endian; a
 * negative errno makes the expansion end the program with 0. */
static const uint8_t *ld_abs_ptr(struct userbpf_run_ctx *rc, uint64_t r1, uint64_t r2, int size)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return NULL;
	int32_t k = (int32_t)r2;
	const uint8_t *data = skb_data(skb), *tail = data + skb->uapi.len, *p = NULL;
	struct pt_pkt *pkt = skb->pkt;
	if (k >= 0)
		return (int64_t)skb->uapi.len - k >= size ? data + k : NULL;
	if (k >= SKF_NET_OFF)
		p = pkt->buf + pkt->net_off + (k - SKF_NET_OFF);
	else if (k >= SKF_LL_OFF && pkt->mac_set)
		p = pkt->buf + pkt->mac_off + (k - SKF_LL_OFF);
	if (p && p >= pkt->buf && p + size <= tail)
		return p;
	return NULL;
}

uint64_t pt_ld_abs_8(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                     struct userbpf_run_ctx *rc)
{
	const uint8_t *p = ld_abs_ptr(rc, r1, r2, 1);
	return p ? p[0] : PT_ERR(-EFAULT);
}

uint64_t pt_ld_abs_16(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                      struct userbpf_run_ctx *rc)
{
	const uint8_t *p = ld_abs_ptr(rc, r1, r2, 2);
	return p ? (uint64_t)p[0] << 8 | p[1] : PT_ERR(-EFAULT);
}

uint64_t pt_ld_abs_32(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                      struct userbpf_run_ctx *rc)
{
	const uint8_t *p = ld_abs_ptr(rc, r1, r2, 4);
	return p ? (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | p[3]
	         : PT_ERR(-EFAULT);
}

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING

/* clang-format off */
static const struct bpf_func_proto skb_protos[] = {
	[BPF_FUNC_skb_store_bytes] = {.name = "skb_store_bytes", .func = pt_skb_store_bytes,
		.ret_type = RET_INTEGER,
		.arg_type = {CTX, ANY, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE, ANY}},
	[BPF_FUNC_skb_load_bytes] = {.name = "skb_load_bytes", .func = pt_skb_load_bytes,
		.ret_type = RET_INTEGER,
		.arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE}},
	[BPF_FUNC_skb_load_bytes_relative] = {.name = "skb_load_bytes_relative",
		.func = pt_skb_load_bytes_relative, .ret_type = RET_INTEGER,
		.arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE, ANY}},
	[BPF_FUNC_skb_pull_data] = {.name = "skb_pull_data", .func = pt_skb_pull_data,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_skb_change_tail] = {.name = "skb_change_tail", .func = pt_skb_change_tail,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY, ANY}},
	[BPF_FUNC_skb_change_head] = {.name = "skb_change_head", .func = pt_skb_change_head,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY, ANY}},
	[BPF_FUNC_get_hash_recalc] = {.name = "get_hash_recalc", .func = pt_get_hash_recalc,
		.ret_type = RET_INTEGER, .arg_type = {CTX}},
	[BPF_FUNC_set_hash_invalid] = {.name = "set_hash_invalid", .func = pt_set_hash_invalid,
		.ret_type = RET_INTEGER, .arg_type = {CTX}},
	[BPF_FUNC_set_hash] = {.name = "set_hash", .func = pt_set_hash,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_skb_change_type] = {.name = "skb_change_type", .func = pt_skb_change_type,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_get_route_realm] = {.name = "get_route_realm", .func = pt_skb_zero,
		.ret_type = RET_INTEGER, .arg_type = {CTX}},
	[BPF_FUNC_redirect] = {.name = "redirect", .func = pt_skb_redirect,
		.ret_type = RET_INTEGER, .arg_type = {ANY, ANY}},
};
/* clang-format on */

const struct bpf_func_proto pt_skb_get_cgroup_classid_proto = {
        .name = "get_cgroup_classid",
        .func = pt_skb_zero,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX},
};
const struct bpf_func_proto pt_sk_skb_pull_data_proto = {
        .name = "skb_pull_data",
        .func = pt_skb_pull_data,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY},
};
const struct bpf_func_proto pt_flow_dissector_load_bytes_proto = {
        .name = "skb_load_bytes",
        .func = pt_flow_dissector_load_bytes,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE},
};

const struct bpf_func_proto *pt_skb_proto(uint32_t id)
{
	switch (id) {
	case BPF_FUNC_csum_diff:
		return &pt_csum_diff_proto;
	case BPF_FUNC_l3_csum_replace:
		return &pt_l3_csum_replace_proto;
	case BPF_FUNC_l4_csum_replace:
		return &pt_l4_csum_replace_proto;
	case BPF_FUNC_csum_update:
		return &pt_csum_update_proto;
	case BPF_FUNC_csum_level:
		return &pt_csum_level_proto;
	case BPF_FUNC_sk_fullsock:
	case BPF_FUNC_tcp_sock:
	case BPF_FUNC_get_listener_sock:
		return pt_sk_cast_proto(id);
	default:
		if (id < sizeof skb_protos / sizeof skb_protos[0] && skb_protos[id].func)
			return &skb_protos[id];
		return NULL;
	}
}
