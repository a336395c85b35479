/* mem_sock.h — loads through socket pointers (PTR_TO_SOCKET, PTR_TO_SOCK_COMMON,
 * PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK): the access check the walk makes (the kernel's
 * check_sock_access) and the rewrite convert_ctx_accesses applies afterwards.
 *
 * struct bpf_sock (PTR_TO_SOCKET) and its sock_common part come from progtypes
 * (bpf_sock_is_valid_access, bpf_sock_common_is_valid_access, bpf_sock_convert_ctx_access);
 * struct bpf_tcp_sock and struct bpf_xdp_sock are here. Our run-time sockets have the
 * user-visible layout (struct bpf_sock, bpf_tcp_sock, bpf_xdp_sock), so the rewrite reads
 * each field with the width the kernel reads its own field with.
 */
#ifndef USERBPF_VERIFIER_MEM_SOCK_H
#define USERBPF_VERIFIER_MEM_SOCK_H

#include "verifier/verifier.h"

/* A rewrite function with the program types' convert_ctx_access signature. */
typedef u32 (*bpf_convert_access_fn)(enum bpf_access_type t, const struct bpf_insn *si,
                                     struct bpf_insn *out, u32 expected_attach_type,
                                     u32 *target_size);

/* check_sock_access: may the insn at insn_idx load size bytes at off through regno (a
 * socket pointer, never NULL here)? Records the narrow-load field size in the insn's aux
 * data. "R%d invalid %s access off=%d size=%d" (and the negative-offset message) on
 * refusal, -EACCES. */
int check_sock_access(struct bpf_verifier_env *env, int insn_idx, u32 regno, int off, int size,
                      enum bpf_access_type t);

/* The kernel's bpf_tcp_sock_is_valid_access / bpf_xdp_sock_is_valid_access. */
bool bpf_tcp_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                                  struct bpf_insn_access_aux *aux);
bool bpf_xdp_sock_is_valid_access(int off, int size, enum bpf_access_type t,
                                  struct bpf_insn_access_aux *aux);

/* For the rewrite (convert_ctx_accesses): how an access through a pointer of type
 * ptr_type (insn_aux_data's ptr_type) is converted; NULL when it is not a socket pointer.
 * Same narrow-load contract as ctx accesses (progtype.h). */
bpf_convert_access_fn bpf_sock_ptr_convert_fn(enum bpf_reg_type ptr_type);

#endif /* USERBPF_VERIFIER_MEM_SOCK_H */
