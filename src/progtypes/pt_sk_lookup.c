/* pt_sk_lookup.c — the socket-selection program types: sk_lookup (struct bpf_sk_lookup,
 * which socket a packet is delivered to; test run included) and sk_reuseport (struct
 * sk_reuseport_md, which socket of a SO_REUSEPORT group; no test run in the kernel).
 *
 * Access rules as net/core/filter.c's sk_lookup_is_valid_access and
 * sk_reuseport_is_valid_access (checked against the host kernel:
 * tests/fixtures/progtype_ctx_sk_*.txt), the rewrites as their convert_ctx_access onto
 * struct pt_sk_lookup / pt_sk_reuseport, which keep each field in the form the kernel
 * loads it (pt_internal.h). Helpers of their own: bpf_sk_assign (sk_lookup's variant,
 * with a runtime), bpf_sk_release, bpf_sk_select_reuseport and the reuseport variants of
 * skb_load_bytes(_relative) and get_socket_cookie (prototypes: we have no socket maps and
 * no reuseport groups to run them on).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progtypes/pt_run.h"

#define SL_OFF(f) ((int)offsetof(struct bpf_sk_lookup, f))
#define SL_END(f)                                                                                  \
	((int)(offsetof(struct bpf_sk_lookup, f) + sizeof(((struct bpf_sk_lookup *)0)->f)))
#define RP_OFF(f) ((int)offsetof(struct sk_reuseport_md, f))
#define RP_END(f)                                                                                  \
	((int)(offsetof(struct sk_reuseport_md, f) + sizeof(((struct sk_reuseport_md *)0)->f)))
#define IN(off, lo, hi) ((off) >= (lo) && (off) < (hi))
#define U16_MAX 0xffffu
#define PT_AF_INET 2
#define PT_AF_INET6 10
#define PT_IPPROTO_TCP 6
#define PT_IPPROTO_UDP 17
#define PT_TCP_LISTEN 10
#define PT_TCP_CLOSE 7

/* ---- sk_lookup: sk_lookup_is_valid_access ---- */
static bool sk_lookup_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                      struct bpf_insn_access_aux *aux)
{
	(void)eat;
	if (off < 0 || off >= (int)sizeof(struct bpf_sk_lookup) || size <= 0 || off % size ||
	    t != BPF_READ)
		return false;
	if (off == SL_OFF(sk)) {
		aux->kind = CTX_FIELD_SOCKET_OR_NULL;
		return size == 8;
	}
	if (IN(off, SL_OFF(family), SL_END(remote_ip6)) ||
	    IN(off, SL_OFF(local_ip4), SL_END(ingress_ifindex))) {
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
	if (IN(off, SL_OFF(remote_port), SL_END(remote_port))) {
		/* 4 bytes of the 2-byte field, for programs older than its narrowing */
		if (size == 4)
			return true;
		aux->ctx_field_size = 2;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 2);
	}
	if (IN(off, SL_END(remote_port), SL_OFF(local_ip4))) { /* the zero padding */
		aux->ctx_field_size = 2;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 2);
	}
	return false;
}

#define SLF(f, lo, hi, ioff, size, flags)                                                          \
	{                                                                                          \
		(uint16_t)(lo), (uint16_t)(hi), (uint16_t)(ioff), size, flags, 0                   \
	}
/* clang-format off */
static const struct pt_ctx_field sk_lookup_fields[] = {
	SLF(sk, SL_OFF(sk), SL_OFF(sk), offsetof(struct pt_sk_lookup, selected_sk), 8, 0),
	SLF(family, SL_OFF(family), SL_OFF(family), SL_OFF(family), 2, PT_CF_TARGET),
	SLF(protocol, SL_OFF(protocol), SL_OFF(protocol), SL_OFF(protocol), 2, PT_CF_TARGET),
	SLF(remote_ip4, SL_OFF(remote_ip4), SL_OFF(remote_ip4), SL_OFF(remote_ip4), 4, PT_CF_TARGET),
	SLF(remote_ip6, SL_OFF(remote_ip6), SL_END(remote_ip6) - 1, SL_OFF(remote_ip6), 4,
	    PT_CF_TARGET | PT_CF_RANGED),
	SLF(remote_port, SL_OFF(remote_port), SL_OFF(remote_port), SL_OFF(remote_port), 2,
	    PT_CF_TARGET),
	SLF(pad, SL_END(remote_port), SL_END(remote_port), 0, 2, PT_CF_TARGET | PT_CF_ZERO),
	SLF(local_ip4, SL_OFF(local_ip4), SL_OFF(local_ip4), SL_OFF(local_ip4), 4, PT_CF_TARGET),
	SLF(local_ip6, SL_OFF(local_ip6), SL_END(local_ip6) - 1, SL_OFF(local_ip6), 4,
	    PT_CF_TARGET | PT_CF_RANGED),
	SLF(local_port, SL_OFF(local_port), SL_OFF(local_port), SL_OFF(local_port), 2, PT_CF_TARGET),
	SLF(ingress_ifindex, SL_OFF(ingress_ifindex), SL_OFF(ingress_ifindex),
	    SL_OFF(ingress_ifindex), 4, PT_CF_TARGET),
};
/* clang-format on */

static uint32_t sk_lookup_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                             struct bpf_insn *out, uint32_t eat,
                                             uint32_t *target_size)
{
	(void)eat;
	return pt_ctx_rewrite_in(sk_lookup_fields, PT_N_FIELDS(sk_lookup_fields), t, si, out,
	                         target_size);
}

/* check_return_code: SK_DROP or SK_PASS */
static bool sk_lookup_retval_range(uint32_t eat, struct bpf_retval_range *r)
{
	(void)eat;
	r->minval = SK_DROP;
	r->maxval = SK_PASS;
	return true;
}

/* bpf_sk_lookup_assign(ctx, sk, flags): select sk (a listening TCP or unconnected UDP
 * socket of the packet's protocol and a compatible family; NULL to select none). Our
 * sockets are laid out as struct bpf_sock. */
static uint64_t pt_sk_lookup_assign(uint64_t r1, uint64_t r2, uint64_t flags, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	(void)r4;
	(void)r5;
	struct pt_sk_lookup *ctx = pt_ctx_arg(rc, r1, PT_CTX_SK_LOOKUP);
	if (!ctx || (r2 && userbpf_run_guarded(rc) &&
	             !pt_mem_ok(rc, r2, sizeof(struct bpf_sock), USERBPF_MEM_READ)))
		return PT_ERR(-EINVAL);
	if (flags & ~(uint64_t)(BPF_SK_LOOKUP_F_REPLACE | BPF_SK_LOOKUP_F_NO_REUSEPORT))
		return PT_ERR(-EINVAL);
	const struct bpf_sock *sk = PT_PTR(r2);
	if (sk) {
		if (sk->protocol == PT_IPPROTO_TCP && sk->state != PT_TCP_LISTEN)
			return PT_ERR(-ESOCKTNOSUPPORT);
		if (sk->protocol == PT_IPPROTO_UDP && sk->state != PT_TCP_CLOSE)
			return PT_ERR(-ESOCKTNOSUPPORT);
		if (sk->protocol != (uint16_t)ctx->uapi.protocol)
			return PT_ERR(-EPROTOTYPE);
		/* an AF_INET6 socket takes v4 packets unless it is v6-only, which a
		 * struct bpf_sock cannot say: taken as dual-stack */
		if (sk->family != (uint16_t)ctx->uapi.family && sk->family == PT_AF_INET)
			return PT_ERR(-EAFNOSUPPORT);
	}
	if (ctx->selected_sk && !(flags & BPF_SK_LOOKUP_F_REPLACE))
		return PT_ERR(-EEXIST);
	ctx->selected_sk = r2;
	ctx->no_reuseport = flags & BPF_SK_LOOKUP_F_NO_REUSEPORT;
	return 0;
}

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING

/* clang-format off */
static const struct bpf_func_proto sk_lookup_assign_proto = {
	.name = "sk_assign", .func = pt_sk_lookup_assign, .ret_type = RET_INTEGER,
	.arg_type = {CTX, ARG_PTR_TO_SOCKET_OR_NULL, ANY},
};
static const struct bpf_func_proto sk_release_proto = {
	.name = "sk_release", .ret_type = RET_INTEGER,
	.arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON | OBJ_RELEASE},
};
static const struct bpf_func_proto sk_select_reuseport_proto = {
	.name = "sk_select_reuseport", .ret_type = RET_INTEGER,
	.arg_type = {CTX, ARG_CONST_MAP_PTR, ARG_PTR_TO_MAP_KEY, ANY},
};
static const struct bpf_func_proto sk_reuseport_load_bytes_proto = {
	.name = "skb_load_bytes", .ret_type = RET_INTEGER,
	.arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE},
};
static const struct bpf_func_proto sk_reuseport_load_bytes_relative_proto = {
	.name = "skb_load_bytes_relative", .ret_type = RET_INTEGER,
	.arg_type = {CTX, ANY, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE, ANY},
};
static const struct bpf_func_proto get_socket_ptr_cookie_proto = {
	.name = "get_socket_cookie", .ret_type = RET_INTEGER,
	.arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON | PTR_MAYBE_NULL},
};
/* clang-format on */

const struct bpf_func_proto *pt_sk_lookup_proto(uint32_t id)
{
	switch (id) {
	case BPF_FUNC_sk_assign:
		return &sk_lookup_assign_proto;
	case BPF_FUNC_sk_release:
		return &sk_release_proto;
	default:
		return NULL;
	}
}

const struct bpf_func_proto *pt_sk_reuseport_proto(uint32_t id)
{
	switch (id) {
	case BPF_FUNC_sk_select_reuseport:
		return &sk_select_reuseport_proto;
	case BPF_FUNC_skb_load_bytes:
		return &sk_reuseport_load_bytes_proto;
	case BPF_FUNC_skb_load_bytes_relative:
		return &sk_reuseport_load_bytes_relative_proto;
	case BPF_FUNC_get_socket_cookie:
		return &get_socket_ptr_cookie_proto;
	default:
		return NULL;
	}
}

/* ---- sk_lookup test run: bpf_prog_test_run_sk_lookup ---- */

/* The ctx the program sees, from the caller's struct bpf_sk_lookup: only the addresses
 * of the packet's family (the kernel's ctx has pointers for v6, NULL for a v4 packet). */
static void sk_lookup_ctx_from_user(struct pt_sk_lookup *k, const struct bpf_sk_lookup *u)
{
	memset(k, 0, sizeof *k);
	k->uapi.family = (uint16_t)u->family;
	k->uapi.protocol = (uint16_t)u->protocol;
	k->uapi.remote_port = u->remote_port;
	k->uapi.local_port = (uint16_t)u->local_port;
	if (u->family == PT_AF_INET) {
		k->uapi.remote_ip4 = u->remote_ip4;
		k->uapi.local_ip4 = u->local_ip4;
	} else {
		memcpy(k->uapi.remote_ip6, u->remote_ip6, sizeof k->uapi.remote_ip6);
		memcpy(k->uapi.local_ip6, u->local_ip6, sizeof k->uapi.local_ip6);
	}
}

/* The checks of ctx_in: no socket, nothing past local_port, a port and a family. */
static int sk_lookup_check_user(const struct bpf_sk_lookup *user)
{
	if (user->sk || !pt_range_is_zero(user, (size_t)SL_END(local_port), sizeof *user))
		return -EINVAL;
	if (user->local_port > U16_MAX)
		return -ERANGE;
	if (user->family != PT_AF_INET && user->family != PT_AF_INET6)
		return -EAFNOSUPPORT;
	return 0;
}

/* Run repeat times as BPF_PROG_SK_LOOKUP_RUN_ARRAY does with one program: the selection
 * counts only when the program passes; SK_DROP drops, anything else passes. */
static int sk_lookup_run(const struct bpf_test_prog *prog, struct pt_sk_lookup *ctx,
                         uint32_t repeat, uint32_t *retval, uint32_t *duration)
{
	struct pt_run run = {.ctx = ctx, .kind = PT_CTX_SK_LOOKUP};
	pt_run_region(&run, ctx, sizeof *ctx, USERBPF_MEM_READ);
	uint64_t total = 0;
	int err = 0;
	for (uint32_t i = 0; i < repeat && !err; i++) {
		uint32_t ret = 0, d = 0;
		ctx->selected_sk = 0;
		ctx->no_reuseport = false;
		err = pt_run_prog(prog, &run, 1, &ret, &d);
		if (ret != SK_PASS) {
			ctx->selected_sk = 0;
			ctx->no_reuseport = false;
		}
		*retval = ret == SK_DROP ? SK_DROP : SK_PASS;
		total += d;
	}
	uint64_t per = total / repeat;
	*duration = per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
	return err;
}

int pt_test_run_sk_lookup(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                          union bpf_attr *uattr)
{
	if (kattr->test.flags || kattr->test.cpu || kattr->test.batch_size)
		return -EINVAL;
	if (kattr->test.data_in || kattr->test.data_size_in || kattr->test.data_out ||
	    kattr->test.data_size_out)
		return -EINVAL;
	struct bpf_sk_lookup *user;
	int err = pt_ctx_init(kattr, sizeof *user, (void **)&user);
	if (err)
		return err;
	if (!user)
		return -EINVAL;
	struct pt_sk_lookup ctx;
	uint32_t retval = SK_PASS, duration = 0;
	err = sk_lookup_check_user(user);
	if (!err) {
		sk_lookup_ctx_from_user(&ctx, user);
		err = sk_lookup_run(prog, &ctx, kattr->test.repeat ? kattr->test.repeat : 1,
		                    &retval, &duration);
	}
	if (!err) {
		/* sock_gen_cookie of the selected socket: ours carry no cookie, their address
		 * stands in (no test run can select one: there is no socket map to get one) */
		user->cookie = ctx.selected_sk;
		err = pt_test_finish(kattr, uattr, NULL, 0, retval, duration);
		if (!err)
			err = pt_ctx_finish(kattr, uattr, user, sizeof *user);
	}
	free(user);
	return err;
}

/* ---- sk_reuseport: sk_reuseport_is_valid_access ---- */
static bool sk_reuseport_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                         struct bpf_insn_access_aux *aux)
{
	(void)eat;
	if (off < 0 || off >= (int)sizeof(struct sk_reuseport_md) || size <= 0 || off % size ||
	    t != BPF_READ)
		return false;
	if (off == RP_OFF(data) || off == RP_OFF(data_end) || off == RP_OFF(sk) ||
	    off == RP_OFF(migrating_sk)) {
		aux->kind = off == RP_OFF(data)       ? CTX_FIELD_PKT
		            : off == RP_OFF(data_end) ? CTX_FIELD_PKT_END
		            : off == RP_OFF(sk)       ? CTX_FIELD_SOCKET
		                                      : CTX_FIELD_SOCK_COMMON_OR_NULL;
		return size == 8;
	}
	if (off == RP_OFF(hash))
		return size == 4;
	/* narrow fields; eth_protocol no narrower than skb->protocol (2 bytes) */
	if (IN(off, RP_OFF(eth_protocol), RP_END(eth_protocol)) && size < 2)
		return false;
	if (IN(off, RP_OFF(len), RP_END(bind_inany))) {
		aux->ctx_field_size = 4;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
	}
	return false;
}

#define RPF(f, size, flags)                                                                        \
	{                                                                                          \
		(uint16_t) RP_OFF(f), (uint16_t)RP_OFF(f), (uint16_t)RP_OFF(f), size, flags, 0     \
	}
/* clang-format off */
static const struct pt_ctx_field sk_reuseport_fields[] = {
	RPF(data, 8, 0), RPF(data_end, 8, 0),
	RPF(len, 4, PT_CF_TARGET),
	RPF(eth_protocol, 2, PT_CF_TARGET), /* skb->protocol */
	RPF(ip_protocol, 2, PT_CF_TARGET),  /* sk->sk_protocol */
	RPF(bind_inany, 1, PT_CF_TARGET),
	RPF(hash, 4, PT_CF_TARGET),
	RPF(sk, 8, 0), RPF(migrating_sk, 8, 0),
};
/* clang-format on */

static uint32_t sk_reuseport_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                                struct bpf_insn *out, uint32_t eat,
                                                uint32_t *target_size)
{
	(void)eat;
	return pt_ctx_rewrite_in(sk_reuseport_fields, PT_N_FIELDS(sk_reuseport_fields), t, si, out,
	                         target_size);
}

/* clang-format off */
const struct bpf_prog_type_info pt_sk_lookup_info = {
	.type = BPF_PROG_TYPE_SK_LOOKUP, .name = "sk_lookup",
	.ctx_size = sizeof(struct bpf_sk_lookup),
	.is_valid_access = sk_lookup_is_valid_access,
	.get_func_proto = pt_sk_lookup_func_proto,
	.convert_ctx_access = sk_lookup_convert_ctx_access,
	.retval_range = sk_lookup_retval_range,
	.test_run = pt_test_run_sk_lookup,
};
const struct bpf_prog_type_info pt_sk_reuseport_info = {
	.type = BPF_PROG_TYPE_SK_REUSEPORT, .name = "sk_reuseport",
	.ctx_size = sizeof(struct sk_reuseport_md),
	.is_valid_access = sk_reuseport_is_valid_access,
	.get_func_proto = pt_sk_reuseport_func_proto,
	.convert_ctx_access = sk_reuseport_convert_ctx_access,
	.direct_pkt_read = true,
};
/* clang-format on */
