/* fixup.c — pseudo ld_imm64 map references become addresses (convert_pseudo_ld_imm64). */
#include <errno.h>

#include "maps/map.h"
#include "verifier/fixup.h"

/* Record map in used_maps once; the kernel caps a program at MAX_USED_MAPS maps. */
static int fixup_use_map(struct bpf_fixup_env *env, struct bpf_map *map, int i,
                         struct userbpf_error *e)
{
	for (uint32_t k = 0; k < env->nr_used_maps; k++)
		if (env->used_maps[k] == map)
			return 0;
	if (env->nr_used_maps == BPF_MAX_USED_MAPS)
		return userbpf_errorf(e, -E2BIG, i,
		                      "The total number of maps per program has reached the limit "
		                      "of %u",
		                      BPF_MAX_USED_MAPS);
	env->used_maps[env->nr_used_maps++] = map;
	return 0;
}

/* The fd an ld_imm64 names: its imm, or fd_array[imm] for the _IDX forms. */
static int fixup_fd(const struct bpf_insn *in, const struct bpf_fixup_env *env, int i, int *fd,
                    struct userbpf_error *e)
{
	bool idx = in->src_reg == BPF_PSEUDO_MAP_IDX || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE;
	if (!idx) {
		*fd = in->imm;
		return 0;
	}
	if (!env->fd_array)
		return userbpf_errorf(e, -EPROTO, i, "fd_idx without fd_array is invalid");
	if (env->fd_array_cnt && (uint32_t)in->imm >= env->fd_array_cnt)
		return userbpf_errorf(e, -EFAULT, i, "fd_idx %u is beyond fd_array", in->imm);
	*fd = env->fd_array[(uint32_t)in->imm];
	return 0;
}

/* Direct value access is for single-element arrays (global data), as the kernel's
 * array_map_direct_value_addr allows: other arrays answer ENOTSUPP (524), offsets past
 * the value EINVAL, other map types have no such op. */
static int fixup_value_addr(struct bpf_map *map, uint32_t off, uint64_t *addr, int i,
                            struct userbpf_error *e)
{
	if (off >= (1u << 29)) /* BPF_MAX_VAR_OFF */
		return userbpf_errorf(e, -EINVAL, i, "direct value offset of %u is not allowed",
		                      off);
	if (map->map_type != BPF_MAP_TYPE_ARRAY)
		return userbpf_errorf(e, -EINVAL, i,
		                      "no direct value access support for this map type");
	if (map->max_entries != 1)
		return userbpf_errorf(e, -524 /* ENOTSUPP */, i,
		                      "invalid access to map value pointer, value_size=%u off=%u",
		                      map->value_size, off);
	if (off >= map->value_size)
		return userbpf_errorf(e, -EINVAL, i,
		                      "invalid access to map value pointer, value_size=%u off=%u",
		                      map->value_size, off);
	*addr = (uint64_t)(uintptr_t)map->data + off;
	return 0;
}

static int fixup_one(struct bpf_insn *in, struct bpf_fixup_env *env, int i, struct userbpf_error *e)
{
	int fd = -1, err;
	struct bpf_map *map;
	if ((err = fixup_fd(in, env, i, &fd, e)))
		return err;
	if ((err = env->map_from_fd(env->ctx, fd, &map)))
		return userbpf_errorf(e, err, i, "fd %d is not pointing to valid bpf_map", fd);
	uint64_t addr = (uint64_t)(uintptr_t)map;
	if (in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
		if ((err = fixup_value_addr(map, (uint32_t)in[1].imm, &addr, i, e)))
			return err;
	}
	if ((err = fixup_use_map(env, map, i, e)))
		return err;
	if (env->refs)
		env->refs[i] = (struct bpf_fixup_ref){
		        .map = map,
		        .off = addr == (uint64_t)(uintptr_t)map ? 0 : (uint32_t)in[1].imm,
		        .src_reg = in->src_reg};
	in[0].src_reg = 0;
	in[0].imm = (int32_t)(uint32_t)addr;
	in[1].imm = (int32_t)(uint32_t)(addr >> 32);
	return 0;
}

int bpf_fixup_map_ldimm64(struct bpf_insn *insns, uint32_t cnt, struct bpf_fixup_env *env,
                          struct userbpf_error *e)
{
	for (uint32_t i = 0; i + 1 < cnt; i++) {
		struct bpf_insn *in = &insns[i];
		if (!userbpf_insn_is_ldimm64(in))
			continue;
		switch (in->src_reg) {
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_IDX:
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX_VALUE: {
			int err = fixup_one(in, env, (int)i, e);
			if (err)
				return err;
			break;
		}
		default:
			break;
		}
		i++; /* the second half */
	}
	return 0;
}
