/* pt_xdp.c — XDP: the xdp_md context, its rewrite onto struct pt_xdp, and the XDP helpers
 * (adjust_head / adjust_meta / adjust_tail, load/store bytes, buff_len, redirect).
 *
 * The frame is one buffer as in a test run: data_hard_start, then room reserved for a
 * struct xdp_frame, headroom, metadata [data_meta, data), the packet [data, data_end),
 * and a tail that ends SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) before
 * data_hard_start + frame_sz (xdp_data_hard_end). A multi-buffer frame continues in
 * page-sized fragments (struct pt_xdp_frags): xdp_get_buff_len, load/store bytes and
 * adjust_tail see them, direct access sees the linear part only.
 */
#include <errno.h>
#include <string.h>

#include "progtypes/pt_helpers.h"

#define XDP_OFF(f) offsetof(struct xdp_md, f)

void pt_xdp_sync(struct pt_xdp *xdp)
{
	struct pt_pkt *pkt = xdp->pkt;
	if (pkt->region) {
		pkt->region->base = PT_PTR(xdp->data);
		pkt->region->len = (size_t)(xdp->data_end - xdp->data);
	}
	if (pkt->meta_region) {
		pkt->meta_region->base = PT_PTR(xdp->data_meta);
		pkt->meta_region->len = (size_t)(xdp->data - xdp->data_meta);
	}
}

/* xdp_is_valid_access: 4-byte loads; egress_ifindex only for devmap programs; stores
 * only for device-bound programs (rx_queue_index), which do not exist here. */
static bool xdp_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                struct bpf_insn_access_aux *aux)
{
	if (eat != BPF_XDP_DEVMAP && off == (int)XDP_OFF(egress_ifindex))
		return false;
	if (t == BPF_WRITE)
		return false;
	if (off == (int)XDP_OFF(data))
		aux->kind = CTX_FIELD_PKT;
	else if (off == (int)XDP_OFF(data_meta))
		aux->kind = CTX_FIELD_PKT_META;
	else if (off == (int)XDP_OFF(data_end))
		aux->kind = CTX_FIELD_PKT_END;
	if (off < 0 || off >= (int)sizeof(struct xdp_md) || size <= 0)
		return false;
	if (aux->is_ldsx && aux->kind != CTX_FIELD_SCALAR)
		return false; /* no sign-extending load of a pointer */
	return off % size == 0 && size == 4;
}

/* xdp_convert_ctx_access: the pointers from the tail, the rest where xdp_md has them. */
static uint32_t xdp_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                       struct bpf_insn *out, uint32_t eat, uint32_t *target_size)
{
	int16_t from;
	switch (si->off) {
	case XDP_OFF(data):
		from = offsetof(struct pt_xdp, data);
		break;
	case XDP_OFF(data_meta):
		from = offsetof(struct pt_xdp, data_meta);
		break;
	case XDP_OFF(data_end):
		from = offsetof(struct pt_xdp, data_end);
		break;
	case XDP_OFF(ingress_ifindex):
	case XDP_OFF(rx_queue_index):
	case XDP_OFF(egress_ifindex):
		out[0] = pt_ldx(BPF_W, si->dst_reg, si->src_reg, si->off);
		return 1;
	default:
		return 0;
	}
	out[0] = pt_ldx(BPF_DW, si->dst_reg, si->src_reg, from);
	return 1;
}

static uint64_t xdp_data_hard_end(const struct pt_xdp *xdp)
{
	return xdp->data_hard_start + xdp->frame_sz - PT_SHINFO_SIZE;
}

/* bpf_xdp_adjust_head(xdp, offset): move data (and the metadata with it). */
static uint64_t pt_xdp_adjust_head(uint64_t r1, uint64_t offset, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	if (!xdp)
		return PT_ERR(-EFAULT);
	int32_t off = (int32_t)offset;
	uint64_t metalen = xdp->data - xdp->data_meta;
	uint64_t data_start = xdp->data_hard_start + PT_XDP_FRAME_SIZE + metalen;
	uint64_t data = xdp->data + (int64_t)off;
	if (data < data_start || data > xdp->data_end - PT_ETH_HLEN)
		return PT_ERR(-EINVAL);
	if (metalen)
		memmove(PT_PTR(xdp->data_meta + (int64_t)off), PT_PTR(xdp->data_meta), metalen);
	xdp->data_meta += (int64_t)off;
	xdp->data = data;
	pt_xdp_sync(xdp);
	return 0;
}

/* xdp_metalen_invalid: metadata is whole u32s, at most what skb_shared_info.meta_len
 * (a u8) can describe. */
static bool xdp_metalen_invalid(uint64_t metalen)
{
	return (metalen & 3) || metalen > 255;
}

/* bpf_xdp_adjust_meta(xdp, offset) */
static uint64_t pt_xdp_adjust_meta(uint64_t r1, uint64_t offset, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	if (!xdp)
		return PT_ERR(-EFAULT);
	uint64_t frame_end = xdp->data_hard_start + PT_XDP_FRAME_SIZE;
	uint64_t meta = xdp->data_meta + (int64_t)(int32_t)offset;
	if (meta < frame_end || meta > xdp->data)
		return PT_ERR(-EINVAL);
	if (xdp_metalen_invalid(xdp->data - meta))
		return PT_ERR(-EACCES);
	xdp->data_meta = meta;
	pt_xdp_sync(xdp);
	return 0;
}

static bool xdp_has_frags(const struct pt_xdp *xdp)
{
	return xdp->frags && xdp->frags->nr;
}

static uint64_t xdp_buff_len(const struct pt_xdp *xdp)
{
	return (xdp->data_end - xdp->data) + (xdp->frags ? xdp->frags->total : 0);
}

/* bpf_xdp_frags_increase_tail: the last fragment grows into its page. */
static int xdp_frags_increase_tail(struct pt_xdp *xdp, uint32_t offset)
{
	struct pt_xdp_frags *f = xdp->frags;
	uint32_t last = f->nr - 1, tailroom = PT_PAGE_SIZE - f->size[last];
	if (offset > tailroom)
		return -EINVAL;
	memset(f->page[last] + f->size[last], 0, offset);
	f->size[last] += offset;
	f->total += offset;
	return 0;
}

/* bpf_xdp_frags_shrink_tail: fragments shrink from the last; emptied ones are released,
 * and when none is left what remains comes off the linear part. */
static int xdp_frags_shrink_tail(struct pt_xdp *xdp, uint32_t offset)
{
	struct pt_xdp_frags *f = xdp->frags;
	if ((int64_t)offset > (int64_t)xdp_buff_len(xdp) - PT_ETH_HLEN)
		return -EINVAL;
	while (f->nr && offset) {
		uint32_t last = f->nr - 1;
		uint32_t shrink = offset < f->size[last] ? offset : f->size[last];
		f->size[last] -= shrink;
		f->total -= shrink;
		offset -= shrink;
		if (!f->size[last])
			f->nr--;
	}
	if (!f->nr)
		xdp->data_end -= offset;
	return 0;
}

/* bpf_xdp_adjust_tail(xdp, offset): grown bytes are zeroed. */
static uint64_t pt_xdp_adjust_tail(uint64_t r1, uint64_t offset, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	if (!xdp)
		return PT_ERR(-EFAULT);
	int32_t off = (int32_t)offset;
	if (xdp_has_frags(xdp)) {
		int err = off < 0 ? xdp_frags_shrink_tail(xdp, (uint32_t) - (int64_t)off)
		                  : xdp_frags_increase_tail(xdp, (uint32_t)off);
		pt_xdp_sync(xdp);
		return PT_ERR(err);
	}
	uint64_t data_end = xdp->data_end + (int64_t)off;
	if (data_end > xdp_data_hard_end(xdp) || data_end < xdp->data + PT_ETH_HLEN)
		return PT_ERR(-EINVAL);
	if (off > 0)
		memset(PT_PTR(xdp->data_end), 0, (size_t)off);
	xdp->data_end = data_end;
	pt_xdp_sync(xdp);
	return 0;
}

/* bpf_xdp_pointer: the bytes when they lie in the linear part, NULL when they span
 * fragments (copied piecewise then), or NULL with *err set. */
static uint8_t *xdp_pointer(const struct pt_xdp *xdp, uint32_t offset, uint32_t len, int *err)
{
	uint64_t size = xdp->data_end - xdp->data;
	*err = 0;
	if (offset > 0xffff || len > 0xffff)
		*err = -EFAULT;
	else if ((uint64_t)offset + len > xdp_buff_len(xdp))
		*err = -EINVAL;
	if (*err || (uint64_t)offset + len > size)
		return NULL;
	return (uint8_t *)PT_PTR(xdp->data) + offset;
}

/* bpf_xdp_copy_buf: len bytes at offset of linear data + fragments, to or from buf. */
static void xdp_copy_buf(const struct pt_xdp *xdp, uint32_t offset, uint8_t *buf, uint32_t len,
                         bool to_frame)
{
	uint8_t *parts[1 + PT_MAX_SKB_FRAGS];
	uint32_t sizes[1 + PT_MAX_SKB_FRAGS], n = 0;
	parts[n] = PT_PTR(xdp->data);
	sizes[n++] = (uint32_t)(xdp->data_end - xdp->data);
	for (uint32_t i = 0; xdp->frags && i < xdp->frags->nr; i++) {
		parts[n] = xdp->frags->page[i];
		sizes[n++] = xdp->frags->size[i];
	}
	for (uint32_t i = 0; i < n && len; i++) {
		if (offset >= sizes[i]) {
			offset -= sizes[i];
			continue;
		}
		uint32_t chunk = sizes[i] - offset < len ? sizes[i] - offset : len;
		if (to_frame)
			memmove(parts[i] + offset, buf, chunk);
		else
			memmove(buf, parts[i] + offset, chunk);
		buf += chunk;
		len -= chunk;
		offset = 0;
	}
}

/* bpf_xdp_load_bytes(xdp, offset, buf, len) */
static uint64_t pt_xdp_load_bytes(uint64_t r1, uint64_t offset, uint64_t buf, uint64_t len,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	if (!xdp || !pt_mem_ok(rc, buf, (uint32_t)len, USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	int err;
	uint8_t *p = xdp_pointer(xdp, (uint32_t)offset, (uint32_t)len, &err);
	if (p)
		memmove(PT_PTR(buf), p, (uint32_t)len);
	else if (!err)
		xdp_copy_buf(xdp, (uint32_t)offset, PT_PTR(buf), (uint32_t)len, false);
	return PT_ERR(err);
}

/* bpf_xdp_store_bytes(xdp, offset, buf, len) */
static uint64_t pt_xdp_store_bytes(uint64_t r1, uint64_t offset, uint64_t buf, uint64_t len,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	if (!xdp || !pt_mem_ok(rc, buf, (uint32_t)len, USERBPF_MEM_READ))
		return PT_ERR(-EFAULT);
	int err;
	uint8_t *p = xdp_pointer(xdp, (uint32_t)offset, (uint32_t)len, &err);
	if (p)
		memmove(p, PT_PTR(buf), (uint32_t)len);
	else if (!err)
		xdp_copy_buf(xdp, (uint32_t)offset, PT_PTR(buf), (uint32_t)len, true);
	return PT_ERR(err);
}

/* bpf_xdp_get_buff_len(xdp) */
static uint64_t pt_xdp_get_buff_len(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	return xdp ? xdp_buff_len(xdp) : 0;
}

/* bpf_redirect(ifindex, flags) for XDP: no flags are defined. */
static uint64_t pt_xdp_redirect(uint64_t ifindex, uint64_t flags, uint64_t r3, uint64_t r4,
                                uint64_t r5, struct userbpf_run_ctx *rc)
{
	return flags ? XDP_ABORTED : XDP_REDIRECT;
}

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING
/* clang-format off */
static const struct bpf_func_proto xdp_protos[] = {
	[BPF_FUNC_xdp_adjust_head] = {.name = "xdp_adjust_head", .func = pt_xdp_adjust_head,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_xdp_adjust_meta] = {.name = "xdp_adjust_meta", .func = pt_xdp_adjust_meta,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_xdp_adjust_tail] = {.name = "xdp_adjust_tail", .func = pt_xdp_adjust_tail,
		.ret_type = RET_INTEGER, .arg_type = {CTX, ANY}},
	[BPF_FUNC_xdp_load_bytes] = {.name = "xdp_load_bytes", .func = pt_xdp_load_bytes,
		.ret_type = RET_INTEGER,
		.arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE}},
	[BPF_FUNC_xdp_store_bytes] = {.name = "xdp_store_bytes", .func = pt_xdp_store_bytes,
		.ret_type = RET_INTEGER,
		.arg_type = {CTX, ANY, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE}},
	[BPF_FUNC_xdp_get_buff_len] = {.name = "xdp_get_buff_len", .func = pt_xdp_get_buff_len,
		.ret_type = RET_INTEGER, .arg_type = {CTX}},
	[BPF_FUNC_redirect] = {.name = "redirect", .func = pt_xdp_redirect,
		.ret_type = RET_INTEGER, .arg_type = {ANY, ANY}},
};
/* clang-format on */

const struct bpf_func_proto *pt_xdp_proto(uint32_t id)
{
	if (id == BPF_FUNC_csum_diff)
		return &pt_csum_diff_proto;
	if (id < sizeof xdp_protos / sizeof xdp_protos[0] && xdp_protos[id].func)
		return &xdp_protos[id];
	return NULL;
}

const struct bpf_prog_type_info pt_xdp_info = {
        .type = BPF_PROG_TYPE_XDP,
        .name = "xdp",
        .ctx_size = sizeof(struct xdp_md),
        .is_valid_access = xdp_is_valid_access,
        .get_func_proto = pt_xdp_func_proto,
        .convert_ctx_access = xdp_convert_ctx_access,
        .direct_pkt_read = true,
        .direct_pkt_write = true,
        .test_run = pt_test_run_xdp,
};
