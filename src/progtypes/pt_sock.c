/* pt_sock.c — socket program types without a packet of their own: sock_ops, sk_msg,
 * cgroup_sock (struct bpf_sock), cgroup_sock_addr (struct bpf_sock_addr) and
 * cgroup_device. The kernel can test-run none of them; what they need here is the
 * verifier's side: ctx access rules (as filter.c / cgroup.c), the rewrite onto their
 * internal ctx, which is the user struct itself, and return value ranges. Also the
 * socket casts the skb types may call on __sk_buff.sk (sk_fullsock, tcp_sock,
 * get_listener_sock) and the rewrite of loads through socket pointers.
 */
#include <stddef.h>

#include "progtypes/pt_helpers.h"

#define OPS_OFF(f) ((int)offsetof(struct bpf_sock_ops, f))
#define OPS_END(f) ((int)(offsetof(struct bpf_sock_ops, f) + sizeof(((struct bpf_sock_ops *)0)->f)))
#define MSG_OFF(f) ((int)offsetof(struct sk_msg_md, f))
#define MSG_END(f) ((int)(offsetof(struct sk_msg_md, f) + sizeof(((struct sk_msg_md *)0)->f)))
#define SK_OFF(f) ((int)offsetof(struct bpf_sock, f))
#define SK_END(f) ((int)(offsetof(struct bpf_sock, f) + sizeof(((struct bpf_sock *)0)->f)))
#define SA_OFF(f) ((int)offsetof(struct bpf_sock_addr, f))
#define SA_END(f)                                                                                  \
	((int)(offsetof(struct bpf_sock_addr, f) + sizeof(((struct bpf_sock_addr *)0)->f)))
#define IN(off, lo, hi) ((off) >= (lo) && (off) < (hi))

/* A sign-extending load of a pointer is refused everywhere. */
static bool ldsx_ok(const struct bpf_insn_access_aux *aux)
{
	return !aux->is_ldsx || aux->kind == CTX_FIELD_SCALAR;
}

/* ---- sock_ops: sock_ops_is_valid_access ---- */
static bool sock_ops_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                     struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= (int)sizeof(struct bpf_sock_ops) || size <= 0 || off % size)
		return false;
	if (t == BPF_WRITE)
		return (off == OPS_OFF(reply) || off == OPS_OFF(sk_txhash)) && size == 4;
	if (IN(off, OPS_OFF(bytes_received), OPS_END(bytes_acked)) ||
	    IN(off, OPS_OFF(skb_hwtstamp), OPS_END(skb_hwtstamp)))
		return size == 8;
	if (IN(off, OPS_OFF(sk), OPS_END(skb_data_end))) { /* sk, skb_data, skb_data_end */
		aux->kind = off < OPS_END(sk)         ? CTX_FIELD_SOCKET_OR_NULL
		            : off < OPS_END(skb_data) ? CTX_FIELD_PKT
		                                      : CTX_FIELD_PKT_END;
		return size == 8 && ldsx_ok(aux);
	}
	if (off == OPS_OFF(skb_tcp_flags)) {
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
	return size == 4;
}

/* Every sock_ops field is where the user struct has it; loads of the access's size. */
static uint32_t same_place_convert(enum bpf_access_type t, const struct bpf_insn *si,
                                   struct bpf_insn *out, uint32_t *target_size, uint32_t size)
{
	*target_size = size;
	if (t == BPF_WRITE)
		out[0] = pt_store_like(pt_size_code(size), si, si->off);
	else
		out[0] = pt_ldx(pt_size_code(size), si->dst_reg, si->src_reg, si->off);
	return 1;
}

static uint32_t access_size(const struct bpf_insn *si)
{
	switch (BPF_SIZE(si->code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static uint32_t plain_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                         struct bpf_insn *out, uint32_t eat, uint32_t *target_size)
{
	return same_place_convert(t, si, out, target_size, access_size(si));
}

/* ---- sk_msg: sk_msg_is_valid_access ---- */
static bool sk_msg_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                   struct bpf_insn_access_aux *aux)
{
	if (t == BPF_WRITE || size <= 0 || off % size)
		return false;
	if (off == MSG_OFF(data) || off == MSG_OFF(data_end) || off == MSG_OFF(sk)) {
		aux->kind = off == MSG_OFF(data)       ? CTX_FIELD_PKT
		            : off == MSG_OFF(data_end) ? CTX_FIELD_PKT_END
		                                       : CTX_FIELD_SOCKET;
		return size == 8 && ldsx_ok(aux);
	}
	if (IN(off, MSG_OFF(family), MSG_END(size)))
		return size == 4;
	return false;
}

/* ---- cgroup_sock: bpf_sock_is_valid_access + __sock_filter_check_attach_type ---- */
bool bpf_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                              struct bpf_insn_access_aux *aux)
{
	(void)t;
	if (off < 0 || off >= (int)sizeof(struct bpf_sock) || size <= 0 || off % size)
		return false;
	if (off == SK_OFF(state) || off == SK_OFF(family) || off == SK_OFF(type) ||
	    off == SK_OFF(protocol) || off == SK_OFF(src_port) || off == SK_OFF(rx_queue_mapping) ||
	    IN(off, SK_OFF(src_ip4), SK_END(src_ip4)) ||
	    IN(off, SK_OFF(src_ip6), SK_END(src_ip6)) ||
	    IN(off, SK_OFF(dst_ip4), SK_END(dst_ip4)) ||
	    IN(off, SK_OFF(dst_ip6), SK_END(dst_ip6))) {
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
	if (IN(off, SK_OFF(dst_port), SK_END(dst_port))) {
		uint32_t fs = size == 4 ? 4 : 2;
		aux->ctx_field_size = fs;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, fs);
	}
	if (IN(off, SK_END(dst_port), SK_OFF(dst_ip4)))
		return false; /* padding */
	return size == 4;
}

static bool sock_filter_attach_ok(int off, enum bpf_access_type t, uint32_t eat)
{
	if (off == SK_OFF(bound_dev_if) || off == SK_OFF(mark) || off == SK_OFF(priority))
		return eat == BPF_CGROUP_INET_SOCK_CREATE || eat == BPF_CGROUP_INET_SOCK_RELEASE;
	if (IN(off, SK_OFF(src_ip4), SK_END(src_ip4)))
		return eat == BPF_CGROUP_INET4_POST_BIND && t == BPF_READ;
	if (IN(off, SK_OFF(src_ip6), SK_END(src_ip6)))
		return eat == BPF_CGROUP_INET6_POST_BIND && t == BPF_READ;
	if (IN(off, SK_OFF(src_port), SK_END(src_port)))
		return (eat == BPF_CGROUP_INET4_POST_BIND || eat == BPF_CGROUP_INET6_POST_BIND) &&
		       t == BPF_READ;
	return t == BPF_READ;
}

static bool cg_sock_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                    struct bpf_insn_access_aux *aux)
{
	return bpf_sock_is_valid_access(off, size, t, aux) && sock_filter_attach_ok(off, t, eat);
}

bool bpf_sock_common_is_valid_access(int off, int size, enum bpf_access_type t,
                                     struct bpf_insn_access_aux *aux)
{
	/* type, protocol, mark and priority are not in struct sock_common */
	if (IN(off, SK_OFF(type), SK_END(priority)))
		return false;
	return bpf_sock_is_valid_access(off, size, t, aux);
}

/* The width the kernel reads a struct bpf_sock field with (its struct sock / sock_common
 * field): family, type, src_port (skc_num), dst_port and rx_queue_mapping are u16 there,
 * protocol and state u8; 0: the access's own size (u32 fields, address words). */
static uint32_t sock_field_width(int off)
{
	switch (off) {
	case SK_OFF(family):
	case SK_OFF(type):
	case SK_OFF(src_port):
	case SK_OFF(dst_port):
	case SK_OFF(rx_queue_mapping):
		return 2;
	case SK_OFF(protocol):
	case SK_OFF(state):
		return 1;
	default:
		return 0;
	}
}

/* bpf_sock_convert_ctx_access onto struct bpf_sock itself (sockets hold each value in the
 * low bytes of its field): loads at the kernel's width, so the verifier's narrow-load
 * arithmetic gives the kernel's answers (a 2-byte load at family + 2 reads family again);
 * rx_queue_mapping NO_QUEUE_MAPPING (0xffff) reads as a 64-bit -1. */
uint32_t bpf_sock_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                     struct bpf_insn *out, uint32_t *target_size)
{
	uint32_t width = sock_field_width(si->off);
	if (t == BPF_WRITE || !width)
		return same_place_convert(t, si, out, target_size, access_size(si));
	*target_size = width;
	out[0] = pt_ldx(pt_size_code(width), si->dst_reg, si->src_reg, si->off);
	if (si->off != SK_OFF(rx_queue_mapping))
		return 1;
	out[1] = (struct bpf_insn){
	        .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = si->dst_reg, .off = 1, .imm = 0xffff};
	out[2] = (struct bpf_insn){
	        .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = si->dst_reg, .imm = -1};
	return 3;
}

static uint32_t cg_sock_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                           struct bpf_insn *out, uint32_t eat,
                                           uint32_t *target_size)
{
	return bpf_sock_convert_ctx_access(t, si, out, target_size);
}

/* ---- socket casts on a socket the program holds (skb types) ----
 * Our sockets (the skb test run's) are full sockets as sk_alloc makes them, laid out as
 * struct bpf_sock; none is a TCP socket or a listener, and we have no struct tcp_sock to
 * hand out, so tcp_sock answers NULL as the kernel does for those sockets. A guarded run
 * reads the socket only where the run may. */
#define IPPROTO_TCP_ 6
static const struct bpf_sock *sock_arg(struct userbpf_run_ctx *rc, uint64_t r1)
{
	if (!r1 || !pt_mem_ok(rc, r1, sizeof(struct bpf_sock), USERBPF_MEM_READ))
		return NULL;
	return PT_PTR(r1);
}

/* bpf_sk_fullsock: the socket itself when it is a full socket (ours all are) */
static uint64_t pt_sk_fullsock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	return sock_arg(rc, r1) ? r1 : 0;
}

/* bpf_tcp_sock: NULL unless a TCP socket, and none of ours is one (we have no struct
 * tcp_sock behind a socket to give) */
static uint64_t pt_tcp_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                            struct userbpf_run_ctx *rc)
{
	return 0;
}

/* bpf_get_listener_sock: the socket when it listens */
static uint64_t pt_get_listener_sock(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	const struct bpf_sock *sk = sock_arg(rc, r1);
	return sk && sk->state == BPF_TCP_LISTEN && sk->protocol == IPPROTO_TCP_ ? r1 : 0;
}

/* clang-format off */
static const struct bpf_func_proto sk_cast_protos[] = {
	{.name = "sk_fullsock", .func = pt_sk_fullsock,
	 .ret_type = RET_PTR_TO_SOCKET_OR_NULL, .arg_type = {ARG_PTR_TO_SOCK_COMMON}},
	{.name = "tcp_sock", .func = pt_tcp_sock,
	 .ret_type = RET_PTR_TO_TCP_SOCK_OR_NULL, .arg_type = {ARG_PTR_TO_SOCK_COMMON}},
	{.name = "get_listener_sock", .func = pt_get_listener_sock,
	 .ret_type = RET_PTR_TO_SOCKET_OR_NULL, .arg_type = {ARG_PTR_TO_SOCK_COMMON}},
};
/* clang-format on */

const struct bpf_func_proto *pt_sk_cast_proto(uint32_t id)
{
	switch (id) {
	case BPF_FUNC_sk_fullsock:
		return &sk_cast_protos[0];
	case BPF_FUNC_tcp_sock:
		return &sk_cast_protos[1];
	case BPF_FUNC_get_listener_sock:
		return &sk_cast_protos[2];
	default:
		return NULL;
	}
}

/* ---- cgroup_sock_addr: sock_addr_is_valid_access ---- */
static bool eat_in(uint32_t eat, const uint32_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == eat)
			return true;
	return false;
}

/* bpf_ctx_wide_access_ok: an aligned u64 inside an ip6 array */
static bool wide_ok(int off, int size, int lo, int hi)
{
	return size == 8 && off >= lo && off + 8 <= hi && off % 8 == 0;
}

static bool sock_addr_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                      struct bpf_insn_access_aux *aux)
{
	static const uint32_t v4[] = {BPF_CGROUP_INET4_BIND,        BPF_CGROUP_INET4_CONNECT,
	                              BPF_CGROUP_INET4_GETPEERNAME, BPF_CGROUP_INET4_GETSOCKNAME,
	                              BPF_CGROUP_UDP4_SENDMSG,      BPF_CGROUP_UDP4_RECVMSG};
	static const uint32_t v6[] = {BPF_CGROUP_INET6_BIND,        BPF_CGROUP_INET6_CONNECT,
	                              BPF_CGROUP_INET6_GETPEERNAME, BPF_CGROUP_INET6_GETSOCKNAME,
	                              BPF_CGROUP_UDP6_SENDMSG,      BPF_CGROUP_UDP6_RECVMSG};
	if (off < 0 || off >= (int)sizeof(struct bpf_sock_addr) || size <= 0 || off % size)
		return false;
	bool ip4 = IN(off, SA_OFF(user_ip4), SA_END(user_ip4));
	bool ip6 = IN(off, SA_OFF(user_ip6), SA_END(user_ip6));
	bool msg4 = IN(off, SA_OFF(msg_src_ip4), SA_END(msg_src_ip4));
	bool msg6 = IN(off, SA_OFF(msg_src_ip6), SA_END(msg_src_ip6));
	if ((ip4 && !eat_in(eat, v4, 6)) || (ip6 && !eat_in(eat, v6, 6)) ||
	    (msg4 && eat != BPF_CGROUP_UDP4_SENDMSG) || (msg6 && eat != BPF_CGROUP_UDP6_SENDMSG))
		return false;
	if (ip4 || ip6 || msg4 || msg6 || IN(off, SA_OFF(user_port), SA_END(user_port))) {
		bool wide = wide_ok(off, size, SA_OFF(user_ip6), SA_END(user_ip6)) ||
		            wide_ok(off, size, SA_OFF(msg_src_ip6), SA_END(msg_src_ip6));
		if (t == BPF_READ) {
			aux->ctx_field_size = 4;
			return wide || bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
		}
		return wide || size == 4;
	}
	if (IN(off, SA_OFF(sk), SA_OFF(sk) + 8)) {
		aux->kind = CTX_FIELD_SOCKET;
		return t == BPF_READ && size == 8 && ldsx_ok(aux);
	}
	if (IN(off, SA_END(msg_src_ip6), SA_OFF(sk)))
		return false; /* padding before sk */
	return t == BPF_READ && size == 4;
}

/* check_return_code for cgroup_sock_addr: the value of recvmsg / getpeername /
 * getsockname hooks is 1; bind hooks may also ask to skip the port check (0..3). */
static bool sock_addr_retval_range(uint32_t eat, struct bpf_retval_range *r)
{
	r->minval = 0;
	r->maxval = 1;
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
		r->minval = 1;
		break;
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET6_BIND:
		r->maxval = 3;
		break;
	default:
		break;
	}
	return true;
}

/* ---- cgroup_device: cgroup_dev_is_valid_access ---- */
static bool cg_dev_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                   struct bpf_insn_access_aux *aux)
{
	if (t == BPF_WRITE || off < 0 || size <= 0 ||
	    off + size > (int)sizeof(struct bpf_cgroup_dev_ctx) || off % size)
		return false;
	if (IN(off, 0, 4)) { /* access_type */
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
	return size == 4;
}

/* check_return_code: cgroup hooks and sock_ops return 0 or 1 */
static bool zero_or_one(uint32_t eat, struct bpf_retval_range *r)
{
	r->minval = 0;
	r->maxval = 1;
	return true;
}

/* clang-format off */
const struct bpf_prog_type_info pt_sock_ops_info = {
	.type = BPF_PROG_TYPE_SOCK_OPS, .name = "sock_ops",
	.ctx_size = sizeof(struct bpf_sock_ops),
	.is_valid_access = sock_ops_is_valid_access,
	.get_func_proto = pt_sock_ops_func_proto,
	.convert_ctx_access = plain_convert_ctx_access,
	.retval_range = zero_or_one,
};
const struct bpf_prog_type_info pt_sk_msg_info = {
	.type = BPF_PROG_TYPE_SK_MSG, .name = "sk_msg",
	.ctx_size = sizeof(struct sk_msg_md),
	.is_valid_access = sk_msg_is_valid_access,
	.get_func_proto = pt_sk_msg_func_proto,
	.convert_ctx_access = plain_convert_ctx_access,
	.direct_pkt_read = true, .direct_pkt_write = true,
};
const struct bpf_prog_type_info pt_cgroup_sock_info = {
	.type = BPF_PROG_TYPE_CGROUP_SOCK, .name = "cgroup_sock",
	.ctx_size = sizeof(struct bpf_sock),
	.is_valid_access = cg_sock_is_valid_access,
	.get_func_proto = pt_cg_sock_func_proto,
	.convert_ctx_access = cg_sock_convert_ctx_access,
	.retval_range = zero_or_one,
};
const struct bpf_prog_type_info pt_cgroup_sock_addr_info = {
	.type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR, .name = "cgroup_sock_addr",
	.ctx_size = sizeof(struct bpf_sock_addr),
	.is_valid_access = sock_addr_is_valid_access,
	.get_func_proto = pt_cg_sock_addr_func_proto,
	.convert_ctx_access = plain_convert_ctx_access,
	.retval_range = sock_addr_retval_range,
};
const struct bpf_prog_type_info pt_cgroup_device_info = {
	.type = BPF_PROG_TYPE_CGROUP_DEVICE, .name = "cgroup_device",
	.ctx_size = sizeof(struct bpf_cgroup_dev_ctx),
	.is_valid_access = cg_dev_is_valid_access,
	.get_func_proto = pt_cg_dev_func_proto,
	.retval_range = zero_or_one,
};
/* clang-format on */
