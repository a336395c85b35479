/* pt_csum.c — Internet checksum helpers: bpf_csum_diff, bpf_l3_csum_replace,
 * bpf_l4_csum_replace, bpf_csum_update, bpf_csum_level.
 *
 * The arithmetic is the kernel's (include/net/checksum.h): 32-bit ones'-complement sums
 * with end-around carry, folded to 16 bits. Values are in memory order, as the kernel reads
 * them (the folded result is the same on every host; bpf_csum_diff folds with
 * csum_from32to16 for that reason).
 */
#include <errno.h>
#include <string.h>

#include "progtypes/pt_helpers.h"

uint32_t pt_csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < b);
}

uint32_t pt_csum_sub(uint32_t a, uint32_t b)
{
	return pt_csum_add(a, ~b);
}

uint16_t pt_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum_from32to16(uint32_t x)
{
	x = (x & 0xffff) + (x >> 16);
	x = (x & 0xffff) + (x >> 16);
	return (uint16_t)x;
}

/* csum_partial: 32-bit words in memory order summed into 64 bits, a short tail zero
 * padded, then folded to 32 bits with the carries added back (x86-64's result). */
uint32_t pt_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
	}
	if (len) {
		uint32_t w = 0;
		memcpy(&w, p, len);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

static void csum_replace4(uint16_t *sum, uint32_t from, uint32_t to)
{
	uint32_t tmp = pt_csum_sub(~(uint32_t)*sum, from);
	*sum = pt_csum_fold(pt_csum_add(tmp, to));
}

static uint16_t csum16_add(uint16_t csum, uint16_t addend)
{
	uint16_t res = (uint16_t)(csum + addend);
	return (uint16_t)(res + (res < addend));
}

static void csum_replace2(uint16_t *sum, uint16_t from, uint16_t to)
{
	*sum = (uint16_t)~csum16_add(csum16_add((uint16_t) ~*sum, (uint16_t)~from), to);
}

static void csum_replace_by_diff(uint16_t *sum, uint32_t diff)
{
	*sum = pt_csum_fold(pt_csum_add(diff, ~(uint32_t)*sum));
}

/* bpf_csum_diff(from, from_size, to, to_size, seed) */
static uint64_t pt_csum_diff(uint64_t from, uint64_t from_size, uint64_t to, uint64_t to_size,
                             uint64_t seed, struct userbpf_run_ctx *rc)
{
	uint32_t fs = (uint32_t)from_size, ts = (uint32_t)to_size, ret = (uint32_t)seed;
	if ((fs && !pt_mem_ok(rc, from, fs, USERBPF_MEM_READ)) ||
	    (ts && !pt_mem_ok(rc, to, ts, USERBPF_MEM_READ)))
		return PT_ERR(-EFAULT);
	if (fs && ts)
		ret = pt_csum_sub(pt_csum_partial(PT_PTR(to), ts, ret),
		                  pt_csum_partial(PT_PTR(from), fs, 0));
	else if (ts)
		ret = pt_csum_partial(PT_PTR(to), ts, ret);
	else if (fs)
		ret = ~pt_csum_partial(PT_PTR(from), fs, ~ret);
	return csum_from32to16(ret);
}

/* The checksum field at offset of the skb's data, made writable (bpf_try_make_writable:
 * the linear data must reach offset + 2), or NULL. */
static uint16_t *skb_csum_field(struct pt_skb *skb, uint32_t offset)
{
	if (offset + 2 > skb->uapi.len)
		return NULL;
	return (uint16_t *)(uintptr_t)(skb->data + offset);
}

/* bpf_l3_csum_replace(skb, offset, from, to, flags) */
static uint64_t pt_l3_csum_replace(uint64_t r1, uint64_t offset, uint64_t from, uint64_t to,
                                   uint64_t flags, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	if (flags & ~BPF_F_HDR_FIELD_MASK)
		return PT_ERR(-EINVAL);
	uint32_t off = (uint32_t)offset;
	if (off > 0xffff || (off & 1))
		return PT_ERR(-EFAULT);
	uint16_t *ptr = skb_csum_field(skb, off), v;
	if (!ptr)
		return PT_ERR(-EFAULT);
	memcpy(&v, ptr, 2);
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return PT_ERR(-EINVAL);
		csum_replace_by_diff(&v, (uint32_t)to);
		break;
	case 2:
		csum_replace2(&v, (uint16_t)from, (uint16_t)to);
		break;
	case 4:
		csum_replace4(&v, (uint32_t)from, (uint32_t)to);
		break;
	default:
		return PT_ERR(-EINVAL);
	}
	memcpy(ptr, &v, 2);
	return 0;
}

/* bpf_l4_csum_replace(skb, offset, from, to, flags). The run's skb is CHECKSUM_NONE (or
 * COMPLETE with BPF_F_TEST_SKB_CHECKSUM_COMPLETE), never PARTIAL: the field itself is
 * updated as by inet_proto_csum_replace*, and skb->csum with a pseudo header change. */
static uint64_t pt_l4_csum_replace(uint64_t r1, uint64_t offset, uint64_t from, uint64_t to,
                                   uint64_t flags, struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	bool is_pseudo = flags & BPF_F_PSEUDO_HDR;
	bool is_mmzero = flags & BPF_F_MARK_MANGLED_0;
	bool do_mforce = flags & BPF_F_MARK_ENFORCE;
	bool is_ipv6 = flags & BPF_F_IPV6;
	if (flags & ~(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR |
	              BPF_F_HDR_FIELD_MASK | BPF_F_IPV6))
		return PT_ERR(-EINVAL);
	uint32_t off = (uint32_t)offset;
	if (off > 0xffff || (off & 1))
		return PT_ERR(-EFAULT);
	uint16_t *ptr = skb_csum_field(skb, off), v;
	if (!ptr)
		return PT_ERR(-EFAULT);
	memcpy(&v, ptr, 2);
	if (is_mmzero && !do_mforce && !v)
		return 0;
	struct pt_pkt *pkt = skb->pkt;
	bool complete = pkt->ip_summed == PT_CHECKSUM_COMPLETE;
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return PT_ERR(-EINVAL);
		csum_replace_by_diff(&v, (uint32_t)to);
		if (complete && is_pseudo && !is_ipv6)
			pkt->csum = ~pt_csum_add(~pkt->csum, (uint32_t)to);
		break;
	case 2:
		csum_replace2(&v, (uint16_t)from, (uint16_t)to);
		if (complete && is_pseudo)
			pkt->csum =
			        ~pt_csum_add(pt_csum_sub(~pkt->csum, (uint16_t)from), (uint16_t)to);
		break;
	case 4:
		csum_replace4(&v, (uint32_t)from, (uint32_t)to);
		if (complete && is_pseudo)
			pkt->csum =
			        ~pt_csum_add(pt_csum_sub(~pkt->csum, (uint32_t)from), (uint32_t)to);
		break;
	default:
		return PT_ERR(-EINVAL);
	}
	if (is_mmzero && !v)
		v = 0xffff; /* CSUM_MANGLED_0 */
	memcpy(ptr, &v, 2);
	return 0;
}

/* bpf_csum_update(skb, csum): only a CHECKSUM_COMPLETE skb has a csum to update. */
static uint64_t pt_csum_update(uint64_t r1, uint64_t csum, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	if (skb->pkt->ip_summed == PT_CHECKSUM_COMPLETE)
		return skb->pkt->csum = pt_csum_add(skb->pkt->csum, (uint32_t)csum);
	return PT_ERR(-ENOTSUPP);
}

/* bpf_csum_level(skb, level) */
static uint64_t pt_csum_level(uint64_t r1, uint64_t level, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	struct pt_skb *skb = pt_skb_arg(rc, r1);
	if (!skb)
		return PT_ERR(-EFAULT);
	struct pt_pkt *pkt = skb->pkt;
	switch (level) {
	case BPF_CSUM_LEVEL_INC: /* __skb_incr_checksum_unnecessary */
		if (pkt->ip_summed == PT_CHECKSUM_UNNECESSARY) {
			if (pkt->csum_level < 3) /* SKB_MAX_CSUM_LEVEL */
				pkt->csum_level++;
		} else if (pkt->ip_summed == PT_CHECKSUM_NONE) {
			pkt->ip_summed = PT_CHECKSUM_UNNECESSARY;
			pkt->csum_level = 0;
		}
		return 0;
	case BPF_CSUM_LEVEL_DEC: /* __skb_decr_checksum_unnecessary */
		if (pkt->ip_summed == PT_CHECKSUM_UNNECESSARY) {
			if (pkt->csum_level == 0)
				pkt->ip_summed = PT_CHECKSUM_NONE;
			else
				pkt->csum_level--;
		}
		return 0;
	case BPF_CSUM_LEVEL_RESET: /* __skb_reset_checksum_unnecessary */
		if (pkt->ip_summed == PT_CHECKSUM_UNNECESSARY) {
			pkt->ip_summed = PT_CHECKSUM_NONE;
			pkt->csum_level = 0;
		}
		return 0;
	case BPF_CSUM_LEVEL_QUERY:
		return pkt->ip_summed == PT_CHECKSUM_UNNECESSARY ? pkt->csum_level
		                                                 : PT_ERR(-EACCES);
	default:
		return PT_ERR(-EINVAL);
	}
}

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING
const struct bpf_func_proto pt_csum_diff_proto = {
        .name = "csum_diff",
        .func = pt_csum_diff,
        .pkt_access = true,
        .ret_type = RET_INTEGER,
        .arg_type = {ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO,
                     ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY, ARG_CONST_SIZE_OR_ZERO, ANY},
};
const struct bpf_func_proto pt_l3_csum_replace_proto = {
        .name = "l3_csum_replace",
        .func = pt_l3_csum_replace,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY, ANY, ANY, ANY},
};
const struct bpf_func_proto pt_l4_csum_replace_proto = {
        .name = "l4_csum_replace",
        .func = pt_l4_csum_replace,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY, ANY, ANY, ANY},
};
const struct bpf_func_proto pt_csum_update_proto = {
        .name = "csum_update",
        .func = pt_csum_update,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY},
};
const struct bpf_func_proto pt_csum_level_proto = {
        .name = "csum_level",
        .func = pt_csum_level,
        .ret_type = RET_INTEGER,
        .arg_type = {CTX, ANY},
};
