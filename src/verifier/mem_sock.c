/* mem_sock.c — loads through socket pointers: check_sock_access (the walk) and the
 * converters convert_ctx_accesses uses for them (the rewrite), as Linux 6.18.
 *
 * A socket pointer (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK,
 * each after its null check) may be read, never written, at a fixed offset (pointer
 * arithmetic on them is refused in alu_ptr.c), within the user-visible struct the type
 * stands for and with the sizes its is_valid_access allows: struct bpf_sock
 * (bpf_sock_is_valid_access), the struct sock_common part of it
 * (bpf_sock_common_is_valid_access), struct bpf_tcp_sock, struct bpf_xdp_sock. What a
 * load yields is an unknown scalar (check_mem_access marks it).
 *
 * At run time our sockets are laid out as those user structs (the skb test run's socket,
 * pt_run_skb.c), so struct bpf_tcp_sock and bpf_xdp_sock loads stay where they are; the
 * kernel loads icsk_retransmits as a u8 and the rest at their own width, which for values
 * that fit is the same. struct bpf_sock loads go through progtypes'
 * bpf_sock_convert_ctx_access, which reads each field at the kernel's width.
 */
#include <stddef.h>

#include "verifier/mem_internal.h"
#include "verifier/mem_sock.h"

#define TCP_OFF(f) ((int)offsetof(struct bpf_tcp_sock, f))
#define TCP_END(f) ((int)(offsetof(struct bpf_tcp_sock, f) + sizeof(((struct bpf_tcp_sock *)0)->f)))
#define XSK_END(f) ((int)(offsetof(struct bpf_xdp_sock, f) + sizeof(((struct bpf_xdp_sock *)0)->f)))

/* Every field is read whole: u64 for the two byte counters, u32 for the rest. */
bool bpf_tcp_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                                  struct bpf_insn_access_aux *aux)
{
	(void)t;
	(void)aux;
	if (off < 0 || off >= TCP_END(icsk_retransmits) || size <= 0 || off % size)
		return false;
	if (off == TCP_OFF(bytes_received) || off == TCP_OFF(bytes_acked))
		return size == 8;
	return size == 4;
}

/* queue_id, a u32, is all there is. */
bool bpf_xdp_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                                  struct bpf_insn_access_aux *aux)
{
	(void)t;
	(void)aux;
	if (off < 0 || off >= XSK_END(queue_id) || size <= 0 || off % size)
		return false;
	return size == 4;
}

/* The table the switch of the kernel's check_sock_access is. */
typedef bool (*sock_valid_fn)(int off, int size, enum bpf_access_type t,
                              struct bpf_insn_access_aux *aux);

static sock_valid_fn sock_valid_access(enum bpf_reg_type type)
{
	switch ((int)type) {
	case PTR_TO_SOCK_COMMON:
		return bpf_sock_common_is_valid_access;
	case PTR_TO_SOCKET:
		return bpf_sock_is_valid_access;
	case PTR_TO_TCP_SOCK:
		return bpf_tcp_sock_is_valid_access;
	case PTR_TO_XDP_SOCK:
		return bpf_xdp_sock_is_valid_access;
	default:
		return NULL;
	}
}

int check_sock_access(struct bpf_verifier_env *env, int insn_idx, u32 regno, int off, int size,
                      enum bpf_access_type t)
{
	const struct bpf_reg_state *reg = &cur_regs(env)[regno];
	struct bpf_insn_access_aux info = {.kind = CTX_FIELD_SCALAR};
	if (reg->smin_value < 0) {
		verbose(env,
		        "R%d min value is negative, either use unsigned index or do a if (index "
		        ">=0) check.\n",
		        regno);
		return -EACCES;
	}
	sock_valid_fn valid = sock_valid_access(reg->type);
	if (valid && valid(off, size, t, &info)) {
		/* non-zero: a narrower load is rewritten to a load of the field plus a mask */
		env->insn_aux_data[insn_idx].ctx_field_size = (int)info.ctx_field_size;
		return 0;
	}
	verbose(env, "R%d invalid %s access off=%d size=%d\n", regno, reg_type_str(env, reg->type),
	        off, size);
	return -EACCES;
}

/* --- the rewrite --- */

static u8 ldx_size_code(const struct bpf_insn *si)
{
	return (u8)BPF_SIZE(si->code);
}

/* The start of a struct bpf_tcp_sock field? The kernel's converter has a case for each
 * field and none for the middle of the two u64 counters, which bpf_tcp_sock_is_valid_access
 * lets a 4-byte load reach (offsets 84 and 92): the rewrite then fails, EFAULT. */
static bool tcp_sock_field_start(int off)
{
	if (off >= TCP_OFF(bytes_received) && off < TCP_OFF(dsack_dups))
		return off % 8 == 0;
	return off >= 0 && off < TCP_END(icsk_retransmits) && off % 4 == 0;
}

/* bpf_tcp_sock / bpf_xdp_sock: our objects have the user layout; read in place. */
static u32 same_place_convert(const struct bpf_insn *si, struct bpf_insn *out, u32 *target_size)
{
	*target_size = (u32)bpf_size_to_bytes(ldx_size_code(si));
	out[0] = (struct bpf_insn){.code = (u8)(BPF_LDX | BPF_MEM | ldx_size_code(si)),
	                           .dst_reg = si->dst_reg,
	                           .src_reg = si->src_reg,
	                           .off = si->off};
	return 1;
}

static u32 tcp_sock_convert(enum bpf_access_type t, const struct bpf_insn *si, struct bpf_insn *out,
                            u32 eat, u32 *target_size)
{
	(void)eat;
	if (t != BPF_READ || !tcp_sock_field_start(si->off))
		return 0; /* writes are never verified */
	return same_place_convert(si, out, target_size);
}

static u32 xdp_sock_convert(enum bpf_access_type t, const struct bpf_insn *si, struct bpf_insn *out,
                            u32 eat, u32 *target_size)
{
	(void)eat;
	if (t != BPF_READ || si->off != 0) /* queue_id */
		return 0;
	return same_place_convert(si, out, target_size);
}

static u32 bpf_sock_convert(enum bpf_access_type t, const struct bpf_insn *si, struct bpf_insn *out,
                            u32 eat, u32 *target_size)
{
	(void)eat;
	return bpf_sock_convert_ctx_access(t, si, out, target_size);
}

bpf_convert_access_fn bpf_sock_ptr_convert_fn(enum bpf_reg_type ptr_type)
{
	switch ((int)ptr_type) {
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
		return bpf_sock_convert;
	case PTR_TO_TCP_SOCK:
		return tcp_sock_convert;
	case PTR_TO_XDP_SOCK:
		return xdp_sock_convert;
	default:
		return NULL;
	}
}
