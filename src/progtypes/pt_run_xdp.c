/* pt_run_xdp.c — BPF_PROG_TEST_RUN for XDP (the kernel's bpf_prog_test_run_xdp, 6.18).
 *
 * data_in is at least ETH_HLEN bytes. The frame is one page: XDP_PACKET_HEADROOM of
 * headroom (less the metadata ctx_in asks for), the linear part, and a tail ending
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) before the page's end; what does not fit
 * (or lies past ctx_in's data_end) goes to page-sized fragments, at most MAX_SKB_FRAGS.
 * ctx_in (xdp_md): data = the metadata length (a multiple of 4, at most 255: the first
 * bytes of data_in), data_end = where the linear part ends (at most data_size_in),
 * ingress_ifindex / rx_queue_index of an existing device and queue; data_meta and
 * egress_ifindex must be 0. data_out is the frame from data_meta, then the fragments;
 * ctx_out has data and data_end relative to data_meta. Live frames
 * (BPF_F_TEST_XDP_LIVE_FRAMES) are not modelled: EOPNOTSUPP.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progtypes/pt_run.h"

struct xdp_run {
	struct pt_run run;
	struct pt_xdp xdp;
	struct pt_pkt pkt;
	struct pt_xdp_frags frags;
};

/* xdp_convert_md_to_buff: the device and queue ctx_in names, then data after metadata */
static int md_to_buff(const struct xdp_md *ctx, struct pt_xdp *xdp)
{
	if (!ctx)
		return 0;
	if (ctx->egress_ifindex || (!ctx->ingress_ifindex && ctx->rx_queue_index))
		return -EINVAL;
	if (ctx->ingress_ifindex) {
		struct pt_netdev dev;
		int err = pt_netdev_get(ctx->ingress_ifindex, &dev);
		if (err)
			return err;
		if (!pt_netdev_has_rx_queue(&dev, ctx->rx_queue_index))
			return -EINVAL;
		xdp->uapi.ingress_ifindex = ctx->ingress_ifindex;
		xdp->uapi.rx_queue_index = ctx->rx_queue_index;
	}
	xdp->data = xdp->data_meta + ctx->data;
	return 0;
}

/* bpf_test_finish with fragments: linear bytes, then each fragment, within the hint */
static int xdp_finish(const union bpf_attr *kattr, union bpf_attr *uattr, const struct pt_xdp *xdp,
                      uint32_t retval, uint32_t duration)
{
	const struct pt_xdp_frags *f = xdp->frags;
	uint32_t linear = (uint32_t)(xdp->data_end - xdp->data_meta), size = linear + f->total;
	uint32_t copy = size;
	int err = 0;
	if (kattr->test.data_size_out && copy > kattr->test.data_size_out) {
		copy = kattr->test.data_size_out;
		err = -ENOSPC;
	}
	uint8_t *out = PT_PTR(kattr->test.data_out);
	if (out) {
		int64_t len = (int64_t)copy - f->total;
		if (len < 0)
			return -ENOSPC; /* nothing else is written then */
		if (ub_copy_to_user(out, PT_PTR(xdp->data_meta), (size_t)len))
			return -EFAULT;
		uint32_t off = (uint32_t)len;
		for (uint32_t i = 0; i < f->nr; i++) {
			if (off >= copy) {
				err = -ENOSPC;
				break;
			}
			uint32_t n = copy - off < f->size[i] ? copy - off : f->size[i];
			if (ub_copy_to_user(out + off, f->page[i], n))
				return -EFAULT;
			off += n;
		}
	}
	return pt_put_results(uattr, size, retval, duration) ? -EFAULT : err;
}

int pt_test_run_xdp(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                    union bpf_attr *uattr)
{
	const struct bpf_prog_type_info *t = bpf_prog_type_info(prog->prog_type);
	uint32_t eat = prog->expected_attach_type, size_in = kattr->test.data_size_in;
	uint32_t headroom = XDP_PACKET_HEADROOM, tailroom = PT_SHINFO_SIZE;
	if (eat == BPF_XDP_DEVMAP || eat == BPF_XDP_CPUMAP)
		return -EINVAL;
	if (kattr->test.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EINVAL;
	if (kattr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES)
		return -EOPNOTSUPP;
	if (kattr->test.batch_size)
		return -EINVAL;
	if (size_in < PT_ETH_HLEN)
		return -EINVAL;
	struct xdp_md *ctx;
	int err = pt_ctx_init(kattr, sizeof(struct xdp_md), (void **)&ctx);
	if (err)
		return err;
	uint32_t linear = size_in;
	if (ctx) {
		/* no user data before the metadata; metadata from the headroom */
		if (ctx->data_meta || ctx->data_end > size_in || ctx->data > ctx->data_end ||
		    (ctx->data & 3) || ctx->data > 255) {
			free(ctx);
			return -EINVAL;
		}
		headroom -= ctx->data;
		linear = ctx->data_end;
	}
	uint32_t max_linear = PT_PAGE_SIZE - headroom - tailroom;
	if (linear > max_linear)
		linear = max_linear;
	const uint8_t *din = PT_PTR(kattr->test.data_in);
	struct xdp_run *r = calloc(1, sizeof *r);
	uint8_t *buf = calloc(1, PT_PAGE_SIZE);
	if (!r || !buf) {
		err = -ENOMEM;
		goto out;
	}
	if (!din) {
		err = -EFAULT;
		goto out;
	}
	if ((err = ub_copy_from_user(buf + headroom, din, linear)))
		goto out;
	struct pt_xdp *xdp = &r->xdp;
	struct pt_pkt *pkt = &r->pkt;
	pkt->buf = buf;
	pkt->buf_len = PT_PAGE_SIZE;
	xdp->pkt = pkt;
	xdp->frags = &r->frags;
	xdp->data_hard_start = (uintptr_t)buf;
	xdp->frame_sz = PT_PAGE_SIZE;
	xdp->data = xdp->data_meta = (uintptr_t)(buf + headroom);
	xdp->data_end = xdp->data + linear;
	xdp->uapi.ingress_ifindex = (uint32_t)pt_loopback_ifindex();
	if ((err = md_to_buff(ctx, xdp)))
		goto out;
	/* the rest of data_in in fragments */
	struct pt_xdp_frags *f = &r->frags;
	for (uint32_t done = linear; done < size_in;) {
		if (f->nr == PT_MAX_SKB_FRAGS) {
			err = -ENOMEM;
			goto out;
		}
		uint32_t n = size_in - done < PT_PAGE_SIZE ? size_in - done : PT_PAGE_SIZE;
		if (!(f->page[f->nr] = calloc(1, PT_PAGE_SIZE))) {
			err = -ENOMEM;
			goto out;
		}
		if ((err = ub_copy_from_user(f->page[f->nr], din + done, n)))
			goto out;
		f->size[f->nr++] = n;
		f->total += n;
		done += n;
	}

	struct pt_run *run = &r->run;
	run->ctx = xdp;
	run->kind = PT_CTX_XDP;
	pt_run_grant_ctx(run, t, eat, xdp, sizeof *xdp);
	pkt->prot = USERBPF_MEM_READ | USERBPF_MEM_WRITE;
	pt_run_region(run, NULL, 0, pkt->prot);
	pkt->region = &run->regions[run->nr_regions - 1];
	pt_run_region(run, NULL, 0, pkt->prot);
	pkt->meta_region = &run->regions[run->nr_regions - 1];
	pt_xdp_sync(xdp);

	uint32_t retval, duration;
	err = pt_run_prog(prog, run, kattr->test.repeat, &retval, &duration);
	if (ctx) { /* xdp_convert_buff_to_md, whatever the run's result */
		ctx->data = (uint32_t)(xdp->data - xdp->data_meta);
		ctx->data_end = (uint32_t)(xdp->data_end - xdp->data_meta);
	}
	if (err)
		goto out;
	err = xdp_finish(kattr, uattr, xdp, retval, duration);
	if (!err)
		err = pt_ctx_finish(kattr, uattr, ctx, sizeof(struct xdp_md));
out:
	if (r)
		for (uint32_t i = 0; i < PT_MAX_SKB_FRAGS; i++)
			free(r->frags.page[i]);
	free(buf);
	free(r);
	free(ctx);
	return err;
}
