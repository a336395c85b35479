/* pt_cgroup.c — the cgroup hooks on sysctl access (struct bpf_sysctl) and on
 * get/setsockopt (struct bpf_sockopt), and the helpers cgroup hooks share for their
 * return value (bpf_get_retval / bpf_set_retval).
 *
 * Access rules as kernel/bpf/cgroup.c's sysctl_is_valid_access and
 * cg_sockopt_is_valid_access (checked against the host kernel:
 * tests/fixtures/progtype_ctx_cgroup_*.txt); the internal ctx of both starts with the
 * user struct, so the rewrites load and store the field where the user struct has it. A
 * sockopt's optval/optval_end are packet pointers (PTR_TO_PACKET, PTR_TO_PACKET_END),
 * which the program reads and writes directly; sysctl's file_pos may be stored to (4
 * bytes). Neither type has a test run in the kernel (ENOTSUPP).
 *
 * The sysctl helpers run on struct pt_sysctl (name, current and new value as text), with
 * the kernel's return values: the length copied, -E2BIG when the buffer is too small (the
 * text truncated and NUL-terminated), -EINVAL without a value.
 */
#include <errno.h>
#include <string.h>

#include "progtypes/pt_helpers.h"

#define SC_OFF(f) ((int)offsetof(struct bpf_sysctl, f))
#define SO_OFF(f) ((int)offsetof(struct bpf_sockopt, f))
#define SO_END(f) ((int)(offsetof(struct bpf_sockopt, f) + sizeof(((struct bpf_sockopt *)0)->f)))
#define PT_SYSCTL_MAX_NEW 4095 /* PAGE_SIZE - 1 */

/* ---- cgroup_sysctl: sysctl_is_valid_access ---- */
static bool sysctl_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                   struct bpf_insn_access_aux *aux)
{
	(void)eat;
	if (off < 0 || size <= 0 || off + size > (int)sizeof(struct bpf_sysctl) || off % size)
		return false;
	if (off >= SC_OFF(file_pos) && t == BPF_WRITE)
		return size == 4; /* file_pos may be set, whole */
	if (t != BPF_READ)
		return false; /* write is read-only */
	aux->ctx_field_size = 4;
	return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 4);
}

/* clang-format off */
static const struct pt_ctx_field sysctl_fields[] = {
	{SC_OFF(write), SC_OFF(write), SC_OFF(write), 4, PT_CF_TARGET, 0},
	{SC_OFF(file_pos), SC_OFF(file_pos), SC_OFF(file_pos), 4, PT_CF_TARGET, 0},
};
/* clang-format on */

static uint32_t sysctl_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                          struct bpf_insn *out, uint32_t eat, uint32_t *target_size)
{
	(void)eat;
	return pt_ctx_rewrite_in(sysctl_fields, PT_N_FIELDS(sysctl_fields), t, si, out,
	                         target_size);
}

/* ---- cgroup_sockopt: cg_sockopt_is_valid_access ---- */
static bool cg_sockopt_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                       struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= (int)sizeof(struct bpf_sockopt) || size <= 0 || off % size)
		return false;
	bool get = eat == BPF_CGROUP_GETSOCKOPT, set = eat == BPF_CGROUP_SETSOCKOPT;
	if (t == BPF_WRITE) {
		if (off == SO_OFF(retval))
			return size == 4 && get;
		if (off == SO_OFF(optname) || off == SO_OFF(level))
			return size == 4 && set;
		return off == SO_OFF(optlen) && size == 4;
	}
	if (off < SO_END(optval_end)) { /* sk, optval, optval_end */
		aux->kind = off < SO_END(sk)       ? CTX_FIELD_SOCKET
		            : off < SO_END(optval) ? CTX_FIELD_PKT
		                                   : CTX_FIELD_PKT_END;
		return size == 8 && !aux->is_ldsx;
	}
	if (off >= SO_OFF(retval))
		return size == 4 && get;
	return size == 4;
}

#define SOF(f, size)                                                                               \
	{                                                                                          \
		(uint16_t) SO_OFF(f), (uint16_t)SO_OFF(f), (uint16_t)SO_OFF(f), size, 0, 0         \
	}
static const struct pt_ctx_field sockopt_fields[] = {
        SOF(sk, 8),      SOF(optval, 8), SOF(optval_end, 8), SOF(level, 4),
        SOF(optname, 4), SOF(optlen, 4), SOF(retval, 4),
};

static uint32_t cg_sockopt_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                              struct bpf_insn *out, uint32_t eat,
                                              uint32_t *target_size)
{
	(void)eat;
	return pt_ctx_rewrite_in(sockopt_fields, PT_N_FIELDS(sockopt_fields), t, si, out,
	                         target_size);
}

/* check_return_code: cgroup hooks return 0 or 1 */
static bool zero_or_one(uint32_t eat, struct bpf_retval_range *r)
{
	(void)eat;
	r->minval = 0;
	r->maxval = 1;
	return true;
}

/* ---- the sysctl helpers ---- */

/* strscpy: the length copied, or -E2BIG with the text truncated and terminated. */
static int64_t copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);
	if (!len)
		return -E2BIG;
	if (n < len) {
		memcpy(dst, src, n + 1);
		return (int64_t)n;
	}
	memcpy(dst, src, len - 1);
	dst[len - 1] = 0;
	return -E2BIG;
}

/* copy_sysctl_value: a value into a zero-padded buffer, -E2BIG when it does not fit. */
static int64_t copy_value(char *dst, size_t dst_len, const char *src, size_t src_len)
{
	if (!dst)
		return -EINVAL;
	if (!dst_len)
		return -E2BIG;
	if (!src || !src_len) {
		memset(dst, 0, dst_len);
		return -EINVAL;
	}
	memcpy(dst, src, dst_len < src_len ? dst_len : src_len);
	if (dst_len > src_len) {
		memset(dst + src_len, 0, dst_len - src_len);
		return (int64_t)src_len;
	}
	dst[dst_len - 1] = 0;
	return -E2BIG;
}

static struct pt_sysctl *sysctl_arg(struct userbpf_run_ctx *rc, uint64_t r1, uint64_t buf,
                                    uint64_t len, unsigned prot)
{
	struct pt_sysctl *ctx = pt_ctx_arg(rc, r1, PT_CTX_SYSCTL);
	return ctx && pt_mem_ok(rc, buf, len, prot) ? ctx : NULL;
}

/* bpf_sysctl_get_name(ctx, buf, buf_len, flags): the path under /proc/sys, or its last
 * component with BPF_F_SYSCTL_BASE_NAME */
static uint64_t pt_sysctl_get_name(uint64_t r1, uint64_t buf, uint64_t len, uint64_t flags,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	(void)r5;
	struct pt_sysctl *ctx = sysctl_arg(rc, r1, buf, len, USERBPF_MEM_WRITE);
	if (!ctx || !buf || (flags & ~(uint64_t)BPF_F_SYSCTL_BASE_NAME))
		return PT_ERR(-EINVAL);
	const char *name = ctx->name ? ctx->name : "";
	if (flags & BPF_F_SYSCTL_BASE_NAME) {
		const char *slash = strrchr(name, '/');
		name = slash ? slash + 1 : name;
	}
	return PT_ERR(copy_str(PT_PTR(buf), (size_t)len, name));
}

/* bpf_sysctl_get_current_value(ctx, buf, buf_len) */
static uint64_t pt_sysctl_get_current_value(uint64_t r1, uint64_t buf, uint64_t len, uint64_t r4,
                                            uint64_t r5, struct userbpf_run_ctx *rc)
{
	(void)r4;
	(void)r5;
	struct pt_sysctl *ctx = sysctl_arg(rc, r1, buf, len, USERBPF_MEM_WRITE);
	if (!ctx)
		return PT_ERR(-EINVAL);
	return PT_ERR(copy_value(PT_PTR(buf), (size_t)len, ctx->cur_val, ctx->cur_len));
}

/* bpf_sysctl_get_new_value(ctx, buf, buf_len): only when the sysctl is being written */
static uint64_t pt_sysctl_get_new_value(uint64_t r1, uint64_t buf, uint64_t len, uint64_t r4,
                                        uint64_t r5, struct userbpf_run_ctx *rc)
{
	(void)r4;
	(void)r5;
	struct pt_sysctl *ctx = sysctl_arg(rc, r1, buf, len, USERBPF_MEM_WRITE);
	if (!ctx)
		return PT_ERR(-EINVAL);
	if (!ctx->uapi.write) {
		if (buf && len)
			memset(PT_PTR(buf), 0, (size_t)len);
		return PT_ERR(-EINVAL);
	}
	return PT_ERR(copy_value(PT_PTR(buf), (size_t)len, ctx->new_val, ctx->new_len));
}

/* bpf_sysctl_set_new_value(ctx, buf, buf_len): replace the value being written */
static uint64_t pt_sysctl_set_new_value(uint64_t r1, uint64_t buf, uint64_t len, uint64_t r4,
                                        uint64_t r5, struct userbpf_run_ctx *rc)
{
	(void)r4;
	(void)r5;
	struct pt_sysctl *ctx = sysctl_arg(rc, r1, buf, len, USERBPF_MEM_READ);
	if (!ctx || !ctx->uapi.write || !ctx->new_val || !ctx->new_len || !buf || !len)
		return PT_ERR(-EINVAL);
	if (len > PT_SYSCTL_MAX_NEW || len > ctx->new_cap)
		return PT_ERR(-E2BIG);
	memcpy(ctx->new_val, PT_PTR(buf), (size_t)len);
	ctx->new_len = (size_t)len;
	ctx->new_updated = true;
	return 0;
}

/* ---- bpf_get_retval / bpf_set_retval: the return value of the cgroup hook's run in
 * progress on this thread (the kernel's bpf_cg_run_ctx.retval; 0 when none) ---- */
static _Thread_local int32_t pt_cg_retval;

static uint64_t pt_get_retval(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	return PT_ERR(pt_cg_retval);
}

static uint64_t pt_set_retval(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)rc;
	pt_cg_retval = (int32_t)r1;
	return 0;
}

#define CTX ARG_PTR_TO_CTX
#define ANY ARG_ANYTHING

/* clang-format off */
static const struct bpf_func_proto sysctl_protos[] = {
	[BPF_FUNC_sysctl_get_name] = {.name = "sysctl_get_name", .func = pt_sysctl_get_name,
		.ret_type = RET_INTEGER,
		.arg_type = {CTX, ARG_PTR_TO_MEM | MEM_WRITE, ARG_CONST_SIZE, ANY}},
	[BPF_FUNC_sysctl_get_current_value] = {.name = "sysctl_get_current_value",
		.func = pt_sysctl_get_current_value, .ret_type = RET_INTEGER,
		.arg_type = {CTX, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE}},
	[BPF_FUNC_sysctl_get_new_value] = {.name = "sysctl_get_new_value",
		.func = pt_sysctl_get_new_value, .ret_type = RET_INTEGER,
		.arg_type = {CTX, ARG_PTR_TO_UNINIT_MEM, ARG_CONST_SIZE}},
	[BPF_FUNC_sysctl_set_new_value] = {.name = "sysctl_set_new_value",
		.func = pt_sysctl_set_new_value, .ret_type = RET_INTEGER,
		.arg_type = {CTX, ARG_PTR_TO_MEM | MEM_RDONLY, ARG_CONST_SIZE}},
};
static const struct bpf_func_proto get_retval_proto = {
	.name = "get_retval", .func = pt_get_retval, .ret_type = RET_INTEGER,
};
static const struct bpf_func_proto set_retval_proto = {
	.name = "set_retval", .func = pt_set_retval, .ret_type = RET_INTEGER, .arg_type = {ANY},
};
/* cg_sockopt_func_proto's own: prototypes only (no sockets to run them on) */
static const struct bpf_func_proto sockopt_setsockopt_proto = {
	.name = "setsockopt", .ret_type = RET_INTEGER,
	.arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON, ANY, ANY, ARG_PTR_TO_MEM | MEM_RDONLY,
		     ARG_CONST_SIZE},
};
static const struct bpf_func_proto sockopt_getsockopt_proto = {
	.name = "getsockopt", .ret_type = RET_INTEGER,
	.arg_type = {ARG_PTR_TO_BTF_ID_SOCK_COMMON, ANY, ANY, ARG_PTR_TO_UNINIT_MEM,
		     ARG_CONST_SIZE},
};
static const struct bpf_func_proto tcp_sock_proto = {
	.name = "tcp_sock", .ret_type = RET_PTR_TO_TCP_SOCK_OR_NULL,
	.arg_type = {ARG_PTR_TO_SOCK_COMMON},
};
static const struct bpf_func_proto get_netns_cookie_sockopt_proto = {
	.name = "get_netns_cookie", .ret_type = RET_INTEGER,
	.arg_type = {ARG_PTR_TO_CTX_OR_NULL},
};
/* clang-format on */

const struct bpf_func_proto *pt_cgroup_retval_proto(uint32_t id)
{
	return id == BPF_FUNC_get_retval   ? &get_retval_proto
	       : id == BPF_FUNC_set_retval ? &set_retval_proto
	                                   : NULL;
}

const struct bpf_func_proto *pt_sysctl_proto(uint32_t id)
{
	if (id < sizeof sysctl_protos / sizeof sysctl_protos[0] && sysctl_protos[id].name)
		return &sysctl_protos[id];
	return pt_cgroup_retval_proto(id);
}

const struct bpf_func_proto *pt_sockopt_proto(uint32_t id, uint32_t eat)
{
	(void)eat; /* which attach types may call them is the helper set's business */
	switch (id) {
	case BPF_FUNC_setsockopt:
		return &sockopt_setsockopt_proto;
	case BPF_FUNC_getsockopt:
		return &sockopt_getsockopt_proto;
	case BPF_FUNC_tcp_sock:
		return &tcp_sock_proto;
	case BPF_FUNC_get_netns_cookie:
		return &get_netns_cookie_sockopt_proto;
	default:
		return pt_cgroup_retval_proto(id);
	}
}

/* clang-format off */
const struct bpf_prog_type_info pt_cgroup_sysctl_info = {
	.type = BPF_PROG_TYPE_CGROUP_SYSCTL, .name = "cgroup_sysctl",
	.ctx_size = sizeof(struct bpf_sysctl),
	.is_valid_access = sysctl_is_valid_access,
	.get_func_proto = pt_cg_sysctl_func_proto,
	.convert_ctx_access = sysctl_convert_ctx_access,
	.retval_range = zero_or_one,
};
const struct bpf_prog_type_info pt_cgroup_sockopt_info = {
	.type = BPF_PROG_TYPE_CGROUP_SOCKOPT, .name = "cgroup_sockopt",
	.ctx_size = sizeof(struct bpf_sockopt),
	.is_valid_access = cg_sockopt_is_valid_access,
	.get_func_proto = pt_cg_sockopt_func_proto,
	.convert_ctx_access = cg_sockopt_convert_ctx_access,
	.retval_range = zero_or_one,
	.direct_pkt_read = true, .direct_pkt_write = true,
};
/* clang-format on */
