/* pt_run_skb.c — BPF_PROG_TEST_RUN for skb programs (the kernel's bpf_prog_test_run_skb):
 * socket filter, tc (sched_cls, sched_act), cgroup skb, lwt.
 *
 * data_in is an Ethernet frame of ETH_HLEN .. PAGE_SIZE - headroom - tailroom bytes. It
 * goes through eth_type_trans on the loopback device (or ctx_in's ifindex): protocol and
 * pkt_type from the header, data past it. tc programs see the frame from its mac header
 * (skb_push), the others from the network header; afterwards those get ETH_HLEN zero
 * bytes pushed back, so their data_out starts with 14 zeros. An IPv4 (IPv6) frame must
 * hold a whole IPv4 (IPv6) header. The skb carries a socket as sk_alloc(AF_UNSPEC) makes
 * it, with family and addresses from that header.
 *
 * ctx_in (__sk_buff) may set only mark, priority, ingress_ifindex, ifindex, cb, tstamp,
 * wire_len, gso_segs, gso_size and hwtstamp (else EINVAL); ctx_out returns mark,
 * priority, ingress_ifindex, ifindex, tstamp, cb, wire_len, gso_segs and hwtstamp.
 * BPF_F_TEST_SKB_CHECKSUM_COMPLETE runs a CHECKSUM_COMPLETE skb and fails with EBADMSG
 * when the program leaves skb->csum wrong for the data.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progtypes/pt_run.h"

#define NET_SKB_PAD 64u /* max(32, L1_CACHE_BYTES) */
#define SKB_HEADROOM NET_SKB_PAD
#define PT_PAGE 4096u
#define GSO_LEGACY_MAX_SIZE 65536u
#define GSO_MAX_SEGS 65535u
#define AF_INET_ 2
#define AF_INET6_ 10
#define ETH_P_IP_BE 0x0008   /* htons(0x0800) on a little-endian host */
#define ETH_P_IPV6_BE 0xdd86 /* htons(0x86dd) */
#define ETH_P_802_3_BE 0x0100
#define ETH_P_802_2_BE 0x0400
#define BPF_TCP_CLOSE_ 7

#define SKB_OFF(f) offsetof(struct __sk_buff, f)
#define SKB_END(f) (offsetof(struct __sk_buff, f) + sizeof(((struct __sk_buff *)0)->f))

/* Everything one skb test run owns. */
struct skb_run {
	struct pt_run run;
	struct pt_skb skb;
	struct pt_pkt pkt;
	struct bpf_sock sk;
};

static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, PT_ETH_ALEN);
}

/* eth_type_trans: pkt_type from the destination, protocol from the header (or 802.3 /
 * 802.2 when it is a length), data pulled past the header. */
static void eth_type_trans(struct pt_skb *skb, const struct pt_netdev *dev)
{
	struct pt_pkt *pkt = skb->pkt;
	uint8_t *eth = PT_PTR(skb->data);
	pkt->mac_off = (uint32_t)(eth - pkt->buf);
	pkt->mac_set = true;
	skb->data += PT_ETH_HLEN;
	skb->uapi.len -= PT_ETH_HLEN;
	if (!mac_equal(eth, dev->addr)) {
		if (eth[0] & 1)
			skb->uapi.pkt_type = mac_equal(eth, dev->broadcast) ? 1 : 2;
		else
			skb->uapi.pkt_type = 3; /* PACKET_OTHERHOST */
	}
	uint16_t proto; /* network order, as stored */
	memcpy(&proto, eth + 12, 2);
	uint16_t host = (uint16_t)(eth[12] << 8 | eth[13]);
	if (host >= 0x600) {
		skb->uapi.protocol = proto;
	} else {
		const uint8_t *sap = eth + PT_ETH_HLEN;
		bool ipx = skb->uapi.len >= 2 && sap[0] == 0xff && sap[1] == 0xff;
		skb->uapi.protocol = ipx ? ETH_P_802_3_BE : ETH_P_802_2_BE;
	}
}

/* The socket a test run's skb carries: sk_alloc(AF_UNSPEC) + sock_init_data, with family
 * and addresses from the network header; an IPv4 or IPv6 frame too short for its header
 * is EINVAL. */
static int fake_sock(struct skb_run *r)
{
	struct pt_skb *skb = &r->skb;
	const uint8_t *nh = PT_PTR(skb->data);
	r->sk.state = BPF_TCP_CLOSE_;
	r->sk.rx_queue_mapping = -1;
	if (skb->uapi.protocol == ETH_P_IP_BE) {
		if (skb->uapi.len < 20) /* a whole IPv4 header, or EINVAL */
			return -EINVAL;
		r->sk.family = AF_INET_;
		memcpy(&r->sk.src_ip4, nh + 12, 4); /* sk_rcv_saddr = saddr */
		memcpy(&r->sk.dst_ip4, nh + 16, 4); /* sk_daddr = daddr */
	} else if (skb->uapi.protocol == ETH_P_IPV6_BE) {
		if (skb->uapi.len < 40)
			return -EINVAL;
		r->sk.family = AF_INET6_;
		memcpy(r->sk.src_ip6, nh + 8, 16);
		memcpy(r->sk.dst_ip6, nh + 24, 16);
	}
	/* what a cgroup skb program reads through __sk_buff */
	skb->uapi.family = r->sk.family;
	skb->uapi.local_ip4 = r->sk.src_ip4;
	skb->uapi.remote_ip4 = r->sk.dst_ip4;
	memcpy(skb->uapi.local_ip6, r->sk.src_ip6, 16);
	memcpy(skb->uapi.remote_ip6, r->sk.dst_ip6, 16);
	skb->uapi.sk = (struct bpf_sock *)&r->sk;
	return 0;
}

/* convert___skb_to_skb: only the fields a test may set, within their limits. */
static int ctx_to_skb(struct pt_skb *skb, const struct __sk_buff *c)
{
	if (!c)
		return 0;
	if (!pt_range_is_zero(c, 0, SKB_OFF(mark)) ||
	    !pt_range_is_zero(c, SKB_END(mark), SKB_OFF(priority)) ||
	    !pt_range_is_zero(c, SKB_END(ifindex), SKB_OFF(cb)) ||
	    !pt_range_is_zero(c, SKB_END(cb), SKB_OFF(tstamp)) ||
	    !pt_range_is_zero(c, SKB_END(gso_segs), SKB_OFF(gso_size)) ||
	    !pt_range_is_zero(c, SKB_END(gso_size), SKB_OFF(hwtstamp)) ||
	    !pt_range_is_zero(c, SKB_END(hwtstamp), sizeof(struct __sk_buff)))
		return -EINVAL;
	skb->uapi.mark = c->mark;
	skb->uapi.priority = c->priority;
	skb->uapi.ingress_ifindex = c->ingress_ifindex;
	skb->uapi.tstamp = c->tstamp;
	memcpy(skb->uapi.cb, c->cb, sizeof c->cb);
	if (c->wire_len == 0) {
		skb->uapi.wire_len = skb->uapi.len;
	} else {
		if (c->wire_len < skb->uapi.len || c->wire_len > GSO_LEGACY_MAX_SIZE)
			return -EINVAL;
		skb->uapi.wire_len = c->wire_len;
	}
	if (c->gso_segs > GSO_MAX_SEGS)
		return -EINVAL;
	skb->uapi.gso_segs = c->gso_segs;
	skb->uapi.gso_size = c->gso_size;
	skb->uapi.hwtstamp = c->hwtstamp;
	return 0;
}

/* convert_skb_to___skb */
static void skb_to_ctx(const struct pt_skb *skb, struct __sk_buff *c)
{
	if (!c)
		return;
	c->mark = skb->uapi.mark;
	c->priority = skb->uapi.priority;
	c->ingress_ifindex = skb->uapi.ingress_ifindex;
	c->ifindex = skb->uapi.ifindex;
	c->tstamp = skb->uapi.tstamp;
	memcpy(c->cb, skb->uapi.cb, sizeof c->cb);
	c->wire_len = skb->uapi.wire_len;
	c->gso_segs = skb->uapi.gso_segs;
	c->hwtstamp = skb->uapi.hwtstamp;
}

/* skb_checksum over the network header onwards (what CHECKSUM_COMPLETE covers). */
static uint32_t skb_net_csum(const struct pt_skb *skb)
{
	const uint8_t *nh = skb->pkt->buf + skb->pkt->net_off;
	int64_t off = nh - (const uint8_t *)PT_PTR(skb->data);
	if (off < 0 || off > skb->uapi.len)
		off = 0;
	return pt_csum_partial(nh, skb->uapi.len - (uint32_t)off, 0);
}

int pt_test_run_skb(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                    union bpf_attr *uattr)
{
	const struct bpf_prog_type_info *t = bpf_prog_type_info(prog->prog_type);
	uint32_t size = kattr->test.data_size_in, flags = kattr->test.flags;
	if ((flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE) || kattr->test.cpu ||
	    kattr->test.batch_size)
		return -EINVAL;
	if (size < PT_ETH_HLEN || size > PT_PAGE - SKB_HEADROOM - PT_SHINFO_SIZE)
		return -EINVAL;
	const void *din = PT_PTR(kattr->test.data_in);
	if (!din)
		return -EFAULT;
	struct __sk_buff *ctx;
	int err = pt_ctx_init(kattr, sizeof(struct __sk_buff), (void **)&ctx);
	if (err)
		return err;

	bool is_l2 = prog->prog_type == BPF_PROG_TYPE_SCHED_CLS ||
	             prog->prog_type == BPF_PROG_TYPE_SCHED_ACT;

	struct skb_run *r = calloc(1, sizeof *r);
	/* room for change_head and change_tail up to BPF_SKB_MAX_LEN, so data never moves */
	uint32_t headroom = SKB_HEADROOM + PT_SKB_MAX_LEN;
	uint32_t buf_len = headroom + PT_SKB_MAX_LEN + PT_SHINFO_SIZE;
	uint8_t *buf = calloc(1, buf_len);
	if (!r || !buf) {
		free(r);
		free(buf);
		free(ctx);
		return -ENOMEM;
	}
	struct pt_skb *skb = &r->skb;
	struct pt_pkt *pkt = &r->pkt;
	pkt->buf = buf;
	pkt->buf_len = buf_len;
	skb->pkt = pkt;
	if ((err = ub_copy_from_user(buf + headroom, din, size)))
		goto out;
	skb->data = (uintptr_t)(buf + headroom);
	skb->uapi.len = size;

	struct pt_netdev dev;
	uint32_t ifindex = ctx && ctx->ifindex > 1 ? ctx->ifindex : (uint32_t)pt_loopback_ifindex();
	if ((err = pt_netdev_get(ifindex, &dev)))
		goto out;
	skb->uapi.ifindex = dev.ifindex;
	eth_type_trans(skb, &dev);
	pkt->net_off = (uint32_t)((uint8_t *)PT_PTR(skb->data) - buf);
	if ((err = fake_sock(r)))
		goto out;
	if (is_l2) {
		skb->data -= PT_ETH_HLEN;
		skb->uapi.len += PT_ETH_HLEN;
	}
	skb->data_end = skb->data + skb->uapi.len;
	skb->data_meta = skb->data;
	if ((err = ctx_to_skb(skb, ctx)))
		goto out;
	if (flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) {
		pkt->csum = skb_net_csum(skb);
		pkt->ip_summed = PT_CHECKSUM_COMPLETE;
	}

	struct pt_run *run = &r->run;
	run->ctx = skb;
	run->kind = PT_CTX_SKB;
	pt_run_grant_ctx(run, t, prog->expected_attach_type, skb, sizeof *skb);
	if (t->direct_pkt_read) {
		pkt->prot = USERBPF_MEM_READ | (t->direct_pkt_write ? USERBPF_MEM_WRITE : 0);
		pt_run_region(run, PT_PTR(skb->data), skb->uapi.len, pkt->prot);
		pkt->region = &run->regions[run->nr_regions - 1];
	}
	pt_run_region(run, &r->sk, sizeof r->sk, USERBPF_MEM_READ);

	uint32_t retval, duration;
	if ((err = pt_run_prog(prog, run, kattr->test.repeat, &retval, &duration)))
		goto out;
	if ((flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) &&
	    pt_csum_fold(pkt->csum) != pt_csum_fold(skb_net_csum(skb))) {
		err = -EBADMSG;
		goto out;
	}
	if (!is_l2) {
		skb->data -= PT_ETH_HLEN;
		skb->uapi.len += PT_ETH_HLEN;
		memset(PT_PTR(skb->data), 0, PT_ETH_HLEN);
	}
	skb_to_ctx(skb, ctx);
	err = pt_test_finish(kattr, uattr, PT_PTR(skb->data), skb->uapi.len, retval, duration);
	if (!err)
		err = pt_ctx_finish(kattr, uattr, ctx, sizeof(struct __sk_buff));
out:
	free(buf);
	free(r);
	free(ctx);
	return err;
}
