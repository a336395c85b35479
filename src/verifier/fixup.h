/* fixup.h — the load-time rewrite of pseudo ld_imm64 forms into addresses.
 *
 * A program names maps by fd (BPF_PSEUDO_MAP_FD), by index into attr->fd_array
 * (BPF_PSEUDO_MAP_IDX), or names a map's value directly (BPF_PSEUDO_MAP_VALUE /
 * _IDX_VALUE: global data). After loading, each becomes a plain ld_imm64 of the map's (or
 * the value's) address in this process, and the program's used_maps list records every
 * map it holds. The kernel does this in resolve_pseudo_ldimm64/convert_pseudo_ld_imm64;
 * messages and errnos are the kernel's.
 */
#ifndef USERBPF_VERIFIER_FIXUP_H
#define USERBPF_VERIFIER_FIXUP_H

#include <stdint.h>

#include <userbpf/error.h>
#include <userbpf/isa.h>

struct bpf_map;

#define BPF_MAX_USED_MAPS 64 /* MAX_USED_MAPS */

/* What an ld_imm64 at some insn referenced, for the verifier (the kernel keeps this in
 * insn_aux_data: map_index, map_off; the src_reg it had). */
struct bpf_fixup_ref {
	struct bpf_map *map; /* NULL: not a map reference */
	uint32_t off;        /* BPF_PSEUDO_MAP_VALUE / _IDX_VALUE: offset into the value */
	uint8_t src_reg;     /* the pseudo src_reg before the rewrite */
};

struct bpf_fixup_env {
	/* The map behind a process fd: 0 and *map, or -EBADF (no such fd) / -EINVAL (not a
	 * map). Provided by the object layer. */
	int (*map_from_fd)(void *ctx, int fd, struct bpf_map **map);
	void *ctx;
	const int32_t *fd_array; /* attr->fd_array, or NULL */
	uint32_t fd_array_cnt;   /* entries readable at fd_array (0 when unknown: trust idx) */
	struct bpf_map *used_maps[BPF_MAX_USED_MAPS];
	uint32_t nr_used_maps;
	struct bpf_fixup_ref *refs; /* optional: cnt entries, zeroed by the caller */
};

/* Rewrite every pseudo map ld_imm64 in insns (in place). 0 or -errno with *e filled.
 * BTF ids and function pointers are left for the verifier (not rewritten here). */
int bpf_fixup_map_ldimm64(struct bpf_insn *insns, uint32_t cnt, struct bpf_fixup_env *env,
                          struct userbpf_error *e);

#endif
