/* pt_skb_net.c — runtimes of the skb and xdp helpers a BPF_PROG_TEST_RUN can answer as the
 * kernel's net/bpf/test_run.c does: the socket the test run's skb carries (cookie, uid,
 * cgroup ids, net_cls class id), VLAN tags (push/pop), IPv4 <-> IPv6 header room
 * (change_proto), the MTU check against the run's device; and the socket lookups, which
 * have no honest answer here and stop the run.
 *
 * The test run's skb->sk is a socket sk_alloc() made for the run in the caller's context:
 * its cgroup and net_cls class id are the calling thread's (cgroup_sk_alloc and
 * sock_update_classid look at current), its uid is the root of its namespace (the socket
 * has no struct socket, so sock_net_uid answers uid 0), and its cookie is generated on first
 * use. Its device is loopback or the ctx's ifindex (pt_run_skb.c).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progtypes/pt_helpers.h"
#include "progtypes/pt_run.h"

#define ETH_P_8021Q_BE 0x0081  /* htons(0x8100) on a little-endian host */
#define ETH_P_8021AD_BE 0xa888 /* htons(0x88a8) */
#define ETH_P_IP_BE 0x0008
#define ETH_P_IPV6_BE 0xdd86
#define VLAN_HLEN 4u
#define ENOTSUPP_ 524 /* the kernel's internal "not supported", which helpers return as is */
#define IPV6_IPV4_DIFF 20u

/* ---- the test run's socket ---- */

/* bpf_get_socket_cookie(skb): __sock_gen_cookie of skb->sk, made on first use: unique
 * among the sockets of this process's runs and never 0 (the kernel's is a global counter). */
uint64_t pt_skb_get_socket_cookie(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                  struct userbpf_run_ctx *rc)
{
	static _Atomic uint64_t next;
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb || !skb->uapi.sk)
		return 0;
	if (!skb->sk_cookie)
		skb->sk_cookie = ((uint64_t)getpid() << 32) + atomic_fetch_add(&next, 1) + 1;
	return skb->sk_cookie;
}

/* bpf_get_socket_uid(skb): the socket's owner; the test run's socket has no struct socket,
 * so sock_net_uid gives the root of its network namespace, uid 0 there. No socket: the
 * overflow uid. */
uint64_t pt_skb_get_socket_uid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	return skb && skb->uapi.sk ? 0 : 65534;
}

/* bpf_skb_cgroup_id(skb) / bpf_skb_ancestor_cgroup_id(skb, level): the socket's cgroup v2
 * group, which sk_alloc took from the calling thread: the thread's. */
uint64_t pt_skb_cgroup_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                          struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb || !skb->uapi.sk)
		return 0;
	return bpf_get_current_cgroup_id_helper(0, 0, 0, 0, 0, rc);
}

uint64_t pt_skb_ancestor_cgroup_id(uint64_t r1, uint64_t level, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb || !skb->uapi.sk)
		return 0;
	return bpf_get_current_ancestor_cgroup_id_helper(level, 0, 0, 0, 0, rc);
}

/* bpf_skb_cgroup_classid(skb): the socket's net_cls class id, set from the calling thread
 * by sk_alloc (sock_update_classid). */
uint64_t pt_skb_cgroup_classid(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb || !skb->uapi.sk)
		return 0;
	return bpf_get_cgroup_classid_curr_helper(0, 0, 0, 0, 0, rc);
}

/* bpf_sk_lookup_tcp / _udp / bpf_skc_lookup_tcp: the kernel looks the tuple up in the
 * sockets of the caller's network namespace. User space has no such table to look in, and
 * "not found" would be a wrong answer whenever such a socket exists: the run stops. */
uint64_t pt_sk_lookup_none(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct userbpf_run_ctx *rc)
{
	return (uint64_t)(int64_t)userbpf_run_fail(
	        rc, -EOPNOTSUPP,
	        "socket lookup helpers need the kernel's socket tables: not available in user "
	        "space");
}

/* ---- VLAN tags ---- */

static uint8_t *skb_bytes(const struct pt_skb *skb)
{
	return PT_PTR(skb->data);
}

/* skb_postpush_rcsum / skb_postpull_rcsum on a CHECKSUM_COMPLETE skb (a test run's with
 * BPF_F_TEST_SKB_CHECKSUM_COMPLETE). */
static void rcsum_add(struct pt_skb *skb, const uint8_t *p, uint32_t len, bool add)
{
	struct pt_pkt *pkt = skb->pkt;
	if (pkt->ip_summed != PT_CHECKSUM_COMPLETE)
		return;
	uint32_t s = pt_csum_partial(p, len, 0);
	pkt->csum = add ? pt_csum_add(pkt->csum, s) : pt_csum_sub(pkt->csum, s);
}

/* data must start at the mac header (tc), as the kernel's skb_vlan_push/pop insist. */
static bool at_mac_header(const struct pt_skb *skb)
{
	return skb->pkt->mac_set && skb_bytes(skb) == skb->pkt->buf + skb->pkt->mac_off;
}

/* __vlan_insert_tag: the hardware-accelerated tag becomes a header after the MACs. */
static int vlan_insert_tag(struct pt_skb *skb, uint16_t proto_be, uint16_t tci)
{
	struct pt_pkt *pkt = skb->pkt;
	uint8_t *data = skb_bytes(skb);
	if ((size_t)(data - pkt->buf) < VLAN_HLEN || skb->uapi.len + VLAN_HLEN > PT_SKB_MAX_LEN)
		return -ENOMEM;
	data -= VLAN_HLEN;
	memmove(data, data + VLAN_HLEN, 2 * PT_ETH_ALEN);
	memcpy(data + 2 * PT_ETH_ALEN, &proto_be, 2);
	data[2 * PT_ETH_ALEN + 2] = (uint8_t)(tci >> 8);
	data[2 * PT_ETH_ALEN + 3] = (uint8_t)tci;
	skb->data = (uintptr_t)data;
	skb->uapi.len += VLAN_HLEN;
	pkt->mac_off -= VLAN_HLEN;
	rcsum_add(skb, data + 2 * PT_ETH_ALEN, VLAN_HLEN, true);
	return 0;
}

/* bpf_skb_vlan_push(skb, vlan_proto, vlan_tci): a tag already held moves into the packet,
 * the new one is held (vlan_present, vlan_tci, vlan_proto); an unknown proto is 802.1Q. */
uint64_t pt_skb_vlan_push(uint64_t r1, uint64_t proto, uint64_t tci, uint64_t r4, uint64_t r5,
                          struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	uint16_t vproto = (uint16_t)proto;
	if (vproto != ETH_P_8021Q_BE && vproto != ETH_P_8021AD_BE)
		vproto = ETH_P_8021Q_BE;
	if (skb->uapi.vlan_present) {
		if (!at_mac_header(skb))
			return PT_ERR(-EINVAL);
		int err = vlan_insert_tag(skb, (uint16_t)skb->uapi.vlan_proto,
		                          (uint16_t)skb->uapi.vlan_tci);
		if (err)
			return PT_ERR(err);
		skb->uapi.protocol = (uint16_t)skb->uapi.vlan_proto;
	}
	skb->uapi.vlan_present = 1;
	skb->uapi.vlan_proto = vproto;
	skb->uapi.vlan_tci = (uint16_t)tci;
	pt_skb_sync(skb);
	return 0;
}

static bool eth_type_vlan(uint32_t proto_be)
{
	return proto_be == ETH_P_8021Q_BE || proto_be == ETH_P_8021AD_BE;
}

/* __skb_vlan_pop: the tag after the MACs leaves the packet; the protocol becomes the one it
 * encapsulated (vlan_set_encap_proto) and the network header follows the MACs. */
static int vlan_pop_data(struct pt_skb *skb, uint16_t *tci)
{
	if (!at_mac_header(skb))
		return -EINVAL;
	if (skb->uapi.len < PT_ETH_HLEN + VLAN_HLEN)
		return -ENOMEM; /* skb_ensure_writable(VLAN_ETH_HLEN) */
	struct pt_pkt *pkt = skb->pkt;
	uint8_t *data = skb_bytes(skb);
	rcsum_add(skb, data + 2 * PT_ETH_ALEN, VLAN_HLEN, false);
	*tci = (uint16_t)(data[14] << 8 | data[15]);
	uint16_t encap;
	memcpy(&encap, data + 16, 2);
	memmove(data + VLAN_HLEN, data, 2 * PT_ETH_ALEN);
	data += VLAN_HLEN;
	skb->data = (uintptr_t)data;
	skb->uapi.len -= VLAN_HLEN;
	pkt->mac_off += VLAN_HLEN;
	if (pkt->net_off < pkt->mac_off + PT_ETH_HLEN)
		pkt->net_off = pkt->mac_off + PT_ETH_HLEN;
	uint16_t host = (uint16_t)(data[12] << 8 | data[13]);
	if (host >= 0x600) {
		skb->uapi.protocol = encap;
	} else {
		/* vlan_set_encap_proto: 802.3 (raw IPX, 0xffff) or 802.2 */
		const uint8_t *rawp = data + PT_ETH_HLEN;
		bool ipx = skb->uapi.len >= PT_ETH_HLEN + 2 && rawp[0] == 0xff && rawp[1] == 0xff;
		skb->uapi.protocol = ipx ? 0x0100 : 0x0400;
	}
	return 0;
}

/* bpf_skb_vlan_pop(skb): drop the held tag, else the packet's outermost; then a tag left
 * in the packet becomes the held one. */
uint64_t pt_skb_vlan_pop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                         struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	int err = 0;
	uint16_t tci = 0;
	if (skb->uapi.vlan_present) {
		/* __vlan_hwaccel_clear_tag: the whole vlan_all word (tci and proto) */
		skb->uapi.vlan_present = 0;
		skb->uapi.vlan_tci = 0;
		skb->uapi.vlan_proto = 0;
	} else if (!eth_type_vlan(skb->uapi.protocol)) {
		goto out;
	} else if ((err = vlan_pop_data(skb, &tci))) {
		goto out;
	}
	if (eth_type_vlan(skb->uapi.protocol)) {
		uint32_t proto = skb->uapi.protocol;
		if ((err = vlan_pop_data(skb, &tci)))
			goto out;
		skb->uapi.vlan_present = 1;
		skb->uapi.vlan_proto = proto;
		skb->uapi.vlan_tci = tci;
	}
out:
	pt_skb_sync(skb);
	return PT_ERR(err);
}

/* ---- bpf_skb_change_proto(skb, proto, flags): IPv4 <-> IPv6 header room ---- */

/* bpf_skb_net_hdr_push: len zero bytes between the mac header and the network header */
static int net_hdr_push(struct pt_skb *skb, uint32_t len)
{
	struct pt_pkt *pkt = skb->pkt;
	uint32_t off = pkt->net_off - pkt->mac_off; /* skb_mac_header_len */
	uint8_t *data = skb_bytes(skb);
	if ((size_t)(data - pkt->buf) < len || skb->uapi.len + len > PT_SKB_MAX_LEN)
		return -ENOMEM;
	data -= len;
	memmove(data, data + len, off);
	memset(data + off, 0, len);
	skb->data = (uintptr_t)data;
	skb->uapi.len += len;
	pkt->mac_off -= len;
	pkt->net_off -= len;
	return 0;
}

/* bpf_skb_net_hdr_pop: len bytes after the mac header leave the packet */
static int net_hdr_pop(struct pt_skb *skb, uint32_t len)
{
	struct pt_pkt *pkt = skb->pkt;
	uint32_t off = pkt->net_off - pkt->mac_off;
	if (skb->uapi.len < off + len)
		return -ENOMEM;
	uint8_t *data = skb_bytes(skb);
	rcsum_add(skb, data + off, len, false);
	memmove(data + len, data, off);
	skb->data = (uintptr_t)(data + len);
	skb->uapi.len -= len;
	pkt->mac_off += len;
	pkt->net_off += len;
	return 0;
}

uint64_t pt_skb_change_proto(uint64_t r1, uint64_t proto, uint64_t flags, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	if (flags)
		return PT_ERR(-EINVAL);
	uint16_t to = (uint16_t)proto, from = (uint16_t)skb->uapi.protocol;
	int err;
	if (from == ETH_P_IP_BE && to == ETH_P_IPV6_BE)
		err = net_hdr_push(skb, IPV6_IPV4_DIFF);
	else if (from == ETH_P_IPV6_BE && to == ETH_P_IP_BE)
		err = net_hdr_pop(skb, IPV6_IPV4_DIFF);
	else
		err = -ENOTSUPP_;
	if (!err) {
		skb->uapi.protocol = to;
		skb->uapi.hash = 0; /* skb_clear_hash */
		skb->pkt->sw_hash = skb->pkt->l4_hash = false;
	}
	pt_skb_sync(skb);
	return PT_ERR(err);
}

/* ---- bpf_check_mtu: against the run's device (loopback unless the ctx named one) ---- */

/* The device's MTU and hard_header_len (Ethernet and loopback devices: ETH_HLEN; others,
 * tunnels without a link-layer header: 0). -ENODEV when there is no such device. */
static int dev_mtu(uint32_t ifindex, uint32_t *mtu, uint32_t *hlen)
{
	struct pt_netdev d;
	if (!ifindex || pt_netdev_get(ifindex, &d))
		return -ENODEV;
	char path[96], buf[32];
	unsigned long v = 0, type = 0;
	snprintf(path, sizeof path, "/sys/class/net/%s/mtu", d.name);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof buf, f) || sscanf(buf, "%lu", &v) != 1) {
		if (f)
			fclose(f);
		return -ENODEV;
	}
	fclose(f);
	snprintf(path, sizeof path, "/sys/class/net/%s/type", d.name);
	f = fopen(path, "r");
	if (f) {
		if (fgets(buf, sizeof buf, f))
			sscanf(buf, "%lu", &type);
		fclose(f);
	}
	*mtu = (uint32_t)v;
	*hlen = type == 1 /* ARPHRD_ETHER */ || type == 772 /* ARPHRD_LOOPBACK */ ? PT_ETH_HLEN : 0;
	return 0;
}

/* Errors return before *mtu_len is written (the kernel's early returns). */
uint64_t pt_skb_check_mtu(uint64_t r1, uint64_t ifindex, uint64_t mtu_len_p, uint64_t len_diff,
                          uint64_t flags, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	uint32_t *mtu_len = PT_PTR(mtu_len_p);
	if (!skb || !pt_mem_ok(rc, mtu_len_p, 4, USERBPF_MEM_READ | USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	uint32_t mtu = 0, hlen = 0;
	if (flags & ~(uint64_t)BPF_MTU_CHK_SEGS)
		return PT_ERR(-EINVAL);
	if ((flags & BPF_MTU_CHK_SEGS) && ((int32_t)len_diff || *mtu_len))
		return PT_ERR(-EINVAL);
	if (dev_mtu((uint32_t)ifindex ? (uint32_t)ifindex : skb->uapi.ifindex, &mtu, &hlen))
		return PT_ERR(-ENODEV);
	int64_t ret = BPF_MTU_CHK_RET_FRAG_NEEDED;
	int64_t len = *mtu_len ? (int64_t)*mtu_len + hlen : skb->uapi.len;
	len += (int32_t)len_diff;
	if (len <= (int64_t)mtu + hlen) {
		ret = BPF_MTU_CHK_RET_SUCCESS;
	} else if (skb->uapi.gso_size) {
		/* a GSO skb is cut into gso_size segments on transmit; checking the segments
		 * needs a transport header, which a test run's skb does not have */
		ret = BPF_MTU_CHK_RET_SUCCESS;
		if (flags & BPF_MTU_CHK_SEGS)
			return PT_ERR(-EINVAL);
	}
	*mtu_len = mtu;
	return (uint64_t)ret;
}

uint64_t pt_xdp_check_mtu(uint64_t r1, uint64_t ifindex, uint64_t mtu_len_p, uint64_t len_diff,
                          uint64_t flags, struct userbpf_run_ctx *rc)
{
	struct pt_xdp *xdp = pt_xdp_arg(rc, r1);
	uint32_t *mtu_len = PT_PTR(mtu_len_p);
	if (!xdp || !pt_mem_ok(rc, mtu_len_p, 4, USERBPF_MEM_READ | USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	uint32_t mtu = 0, hlen = 0;
	if (flags) /* no segment check for XDP */
		return PT_ERR(-EINVAL);
	if (dev_mtu((uint32_t)ifindex ? (uint32_t)ifindex : xdp->uapi.ingress_ifindex, &mtu, &hlen))
		return PT_ERR(-ENODEV);
	int64_t len = (int64_t)(xdp->data_end - xdp->data);
	if (*mtu_len)
		len = (int64_t)*mtu_len + hlen;
	len += (int32_t)len_diff;
	*mtu_len = mtu;
	return len > (int64_t)mtu + hlen ? BPF_MTU_CHK_RET_FRAG_NEEDED : BPF_MTU_CHK_RET_SUCCESS;
}

/* ---- verdicts and answers a test run's skb gives ---- */

#define TC_ACT_SHOT_ 2
#define TC_ACT_REDIRECT_ 7
#define BPF_REDIR_NEIGH_SIZE 20u /* sizeof(struct bpf_redir_neigh) */

/* bpf_redirect_peer(ifindex, flags): the verdict; a test run does not forward */
uint64_t pt_redirect_peer(uint64_t ifindex, uint64_t flags, uint64_t r3, uint64_t r4, uint64_t r5,
                          struct userbpf_run_ctx *rc)
{
	return flags ? TC_ACT_SHOT_ : TC_ACT_REDIRECT_;
}

/* bpf_redirect_neigh(ifindex, params, plen, flags): the verdict */
uint64_t pt_redirect_neigh(uint64_t ifindex, uint64_t params, uint64_t plen, uint64_t flags,
                           uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t len = (uint32_t)plen;
	if ((len && len < BPF_REDIR_NEIGH_SIZE) || flags)
		return TC_ACT_SHOT_;
	return TC_ACT_REDIRECT_;
}

/* bpf_skb_get_xfrm_state(skb, index, to, size, flags): a test run's skb went through no
 * IPsec policy (no sec_path): the buffer is cleared and the answer is -EINVAL. */
uint64_t pt_skb_get_xfrm_state(uint64_t r1, uint64_t index, uint64_t to, uint64_t size,
                               uint64_t flags, struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)size;
	if (!pt_mem_ok(rc, to, n, USERBPF_MEM_WRITE))
		return PT_ERR(-EFAULT);
	memset(PT_PTR(to), 0, n);
	return PT_ERR(-EINVAL);
}

/* ---- a socket pointer the program holds (skb->sk, ...): ours are struct bpf_sock ---- */

#define AF_UNIX_ 1
#define AF_INET6_ 10
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define SOCK_DGRAM_ 2

static const struct bpf_sock *sock_ptr(struct userbpf_run_ctx *rc, uint64_t p)
{
	if (!p || !pt_mem_ok(rc, p, sizeof(struct bpf_sock), USERBPF_MEM_READ))
		return NULL;
	return PT_PTR(p);
}

/* bpf_sk_cgroup_id(sk) / bpf_sk_ancestor_cgroup_id(sk, level): every socket our runs hold
 * was made in the calling thread's context (sk_alloc), so its cgroup is the thread's */
uint64_t pt_sk_cgroup_id(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                         struct userbpf_run_ctx *rc)
{
	return sock_ptr(rc, r1) ? bpf_get_current_cgroup_id_helper(0, 0, 0, 0, 0, rc) : 0;
}

uint64_t pt_sk_ancestor_cgroup_id(uint64_t r1, uint64_t level, uint64_t r3, uint64_t r4,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	return sock_ptr(rc, r1) ? bpf_get_current_ancestor_cgroup_id_helper(level, 0, 0, 0, 0, rc)
	                        : 0;
}

/* The bpf_skc_to_* casts: NULL unless the socket is of the kind (the kernel's tests on
 * family, protocol, type and state). When it is, the kernel hands out its typed socket
 * (struct tcp_sock, ...), which user space does not have: the run stops. */
static uint64_t sock_cast(struct userbpf_run_ctx *rc, uint64_t r1, bool is_kind)
{
	if (!sock_ptr(rc, r1) || !is_kind)
		return 0;
	return (uint64_t)(int64_t)userbpf_run_fail(
	        rc, -EOPNOTSUPP,
	        "bpf_skc_to_*: a typed kernel socket is not available in user space");
}

#define SK(r) ((const struct bpf_sock *)PT_PTR(r))
uint64_t pt_skc_to_tcp6_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1,
	                 r1 && SK(r1)->protocol == IPPROTO_TCP_ && SK(r1)->family == AF_INET6_);
}
uint64_t pt_skc_to_tcp_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1, r1 && SK(r1)->protocol == IPPROTO_TCP_);
}
uint64_t pt_skc_to_tcp_timewait_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1,
	                 r1 && SK(r1)->protocol == IPPROTO_TCP_ &&
	                         SK(r1)->state == BPF_TCP_TIME_WAIT);
}
uint64_t pt_skc_to_tcp_request_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1,
	                 r1 && SK(r1)->protocol == IPPROTO_TCP_ &&
	                         SK(r1)->state == BPF_TCP_NEW_SYN_RECV);
}
uint64_t pt_skc_to_udp6_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1,
	                 r1 && SK(r1)->protocol == IPPROTO_UDP_ && SK(r1)->type == SOCK_DGRAM_ &&
	                         SK(r1)->family == AF_INET6_);
}
uint64_t pt_skc_to_unix_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                             struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1, r1 && SK(r1)->family == AF_UNIX_);
}
/* an MPTCP subflow is a TCP socket with the mptcp flag, which ours never have */
uint64_t pt_skc_to_mptcp_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	return sock_cast(rc, r1, false);
}

enum { SKB_CLOCK_REALTIME_, SKB_CLOCK_MONOTONIC_, SKB_CLOCK_TAI_ }; /* BPF_SKB_CLOCK_* */

/* bpf_skb_set_tstamp(skb, tstamp, tstamp_type): an inet skb's delivery time and its clock
 * (BPF_SKB_CLOCK_REALTIME any value, MONOTONIC and TAI not 0) */
uint64_t pt_skb_set_tstamp(uint64_t r1, uint64_t tstamp, uint64_t type, uint64_t r4, uint64_t r5,
                           struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	if (skb->uapi.protocol != ETH_P_IP_BE && skb->uapi.protocol != ETH_P_IPV6_BE)
		return PT_ERR(-EOPNOTSUPP);
	switch ((uint32_t)type) {
	case SKB_CLOCK_REALTIME_:
		break;
	case SKB_CLOCK_MONOTONIC_:
	case SKB_CLOCK_TAI_:
		if (!tstamp)
			return PT_ERR(-EINVAL);
		break;
	default:
		return PT_ERR(-EINVAL);
	}
	skb->uapi.tstamp = tstamp;
	skb->uapi.tstamp_type = (uint8_t)type;
	return 0;
}
