/* mem_region.c — bounded memory a pointer may address: map values and keys, helper-given
 * memory (PTR_TO_MEM: ring buffer records...), packets; and the alignment rules.
 *
 * A pointer to a region of known size may carry a variable offset: the access is safe
 * when both ends of the offset's range stay inside ([smin + off, umax + off + size)),
 * as the kernel's check_mem_region_access. Map values may also hold a bpf_spin_lock that
 * loads and stores must not touch; a BPF_F_RDONLY_PROG map refuses stores, a
 * BPF_F_WRONLY_PROG one loads. Packet pointers are bounded by the range a comparison
 * with pkt_end proved (reg->range).
 */
#include <string.h>

#include "maps/map.h"
#include "verifier/mem_internal.h"

#define BPF_MAP_CAN_READ (1u << 0)
#define BPF_MAP_CAN_WRITE (1u << 1)

/* bpf_map_flags_to_cap: what a program may do with the map's values. */
static u32 bpf_map_flags_to_cap(const struct bpf_map *map)
{
	if (map->map_flags & BPF_F_RDONLY_PROG)
		return BPF_MAP_CAN_READ;
	if (map->map_flags & BPF_F_WRONLY_PROG)
		return BPF_MAP_CAN_WRITE;
	return BPF_MAP_CAN_READ | BPF_MAP_CAN_WRITE;
}

int check_map_access_type(struct bpf_verifier_env *env, u32 regno, int off, int size,
                          enum bpf_access_type type)
{
	const struct bpf_map *map = cur_regs(env)[regno].map_ptr;
	u32 cap = bpf_map_flags_to_cap(map);
	if (type == BPF_WRITE && !(cap & BPF_MAP_CAN_WRITE)) {
		verbose(env, "write into map forbidden, value_size=%d off=%d size=%d\n",
		        map->value_size, off, size);
		return -EACCES;
	}
	if (type == BPF_READ && !(cap & BPF_MAP_CAN_READ)) {
		verbose(env, "read from map forbidden, value_size=%d off=%d size=%d\n",
		        map->value_size, off, size);
		return -EACCES;
	}
	return 0;
}

/* __check_mem_access: [off, off + size) inside [0, mem_size), else the message for the
 * kind of memory regno points to. */
static int __check_mem_access(struct bpf_verifier_env *env, int regno, int off, int size,
                              u32 mem_size, bool zero_size_allowed)
{
	bool size_ok = size > 0 || (size == 0 && zero_size_allowed);
	const struct bpf_reg_state *reg = &cur_regs(env)[regno];
	if (off >= 0 && size_ok && (u64)off + (u64)size <= mem_size)
		return 0;
	switch (reg->type) {
	case PTR_TO_MAP_KEY:
		verbose(env, "invalid access to map key, key_size=%d off=%d size=%d\n", mem_size,
		        off, size);
		break;
	case PTR_TO_MAP_VALUE:
		verbose(env, "invalid access to map value, value_size=%d off=%d size=%d\n",
		        mem_size, off, size);
		break;
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
	case PTR_TO_PACKET_END:
		verbose(env, "invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)\n",
		        off, size, regno, reg->id, off, mem_size);
		break;
	default:
		verbose(env, "invalid access to memory, mem_size=%u off=%d size=%d\n", mem_size,
		        off, size);
	}
	return -EACCES;
}

int check_mem_region_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                            u32 mem_size, bool zero_size_allowed)
{
	const struct bpf_reg_state *reg = &cur_regs(env)[regno];
	int err;

	/* the lowest offset the pointer may have must not go below the region */
	if (reg->smin_value < 0 && (reg->smin_value == S64_MIN ||
	                            off + reg->smin_value != (s64)(s32)(off + reg->smin_value) ||
	                            reg->smin_value + off < 0)) {
		verbose(env,
		        "R%d min value is negative, either use unsigned index or do a if (index "
		        ">=0) check.\n",
		        regno);
		return -EACCES;
	}
	err = __check_mem_access(env, (int)regno, (int)(reg->smin_value + off), size, mem_size,
	                         zero_size_allowed);
	if (err) {
		verbose(env, "R%d min value is outside of the allowed memory range\n", regno);
		return err;
	}
	/* no upper bound (or one that could overflow): refuse */
	if (reg->umax_value >= BPF_MAX_VAR_OFF) {
		verbose(env,
		        "R%d unbounded memory access, make sure to bounds check any such access\n",
		        regno);
		return -EACCES;
	}
	err = __check_mem_access(env, (int)regno, (int)(reg->umax_value + off), size, mem_size,
	                         zero_size_allowed);
	if (err) {
		verbose(env, "R%d max value is outside of the allowed memory range\n", regno);
		return err;
	}
	return 0;
}

/* The map's spin lock offset, or -1 (a template of an inner map has no header). */
static int map_spin_lock_off(const struct bpf_map *map)
{
	return map->sh ? map->sh->spin_lock_off : -1;
}

int check_map_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                     bool zero_size_allowed, enum bpf_access_src src)
{
	const struct bpf_reg_state *reg = &cur_regs(env)[regno];
	const struct bpf_map *map = reg->map_ptr;
	int err =
	        check_mem_region_access(env, regno, off, size, map->value_size, zero_size_allowed);
	if (err)
		return err;
	/* special fields: the only one our maps carry is a bpf_spin_lock (4 bytes) */
	int p = map_spin_lock_off(map);
	if (p >= 0 && reg->smin_value + off < p + 4 && p < (s64)reg->umax_value + off + size) {
		verbose(env, "%s cannot be accessed directly by load/store\n", "bpf_spin_lock");
		return -EACCES;
	}
	(void)src;
	return 0;
}

bool may_access_direct_pkt_data(struct bpf_verifier_env *env, const struct bpf_call_arg_meta *meta,
                                enum bpf_access_type t)
{
	const struct bpf_prog_type_info *ops = env->ops;
	if (!ops || !ops->direct_pkt_read)
		return false;
	if (t == BPF_WRITE && !ops->direct_pkt_write)
		return false;
	if (env->prog_type == BPF_PROG_TYPE_CGROUP_SOCKOPT) {
		if (t == BPF_WRITE)
			env->seen_direct_write = true;
		return true;
	}
	if (meta)
		return meta->pkt_access;
	env->seen_direct_write = true;
	return true;
}

int check_packet_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                        bool zero_size_allowed)
{
	const struct bpf_reg_state *reg = &cur_regs(env)[regno];
	int err;
	/* negative offsets are not tracked well enough to be proven safe */
	if (reg->smin_value < 0) {
		verbose(env,
		        "R%d min value is negative, either use unsigned index or do a if (index "
		        ">=0) check.\n",
		        regno);
		return -EACCES;
	}
	err = reg->range < 0 ? -EINVAL
	                     : __check_mem_access(env, (int)regno, off, size, (u32)reg->range,
	                                          zero_size_allowed);
	if (err) {
		verbose(env, "R%d offset is outside of the packet\n", regno);
		return err;
	}
	return 0;
}

bool bpf_map_is_rdonly(const struct bpf_map *map)
{
	return (map->map_flags & BPF_F_RDONLY_PROG) && map->sh &&
	       __atomic_load_n(&map->sh->frozen, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&map->sh->writable_mmaps, __ATOMIC_ACQUIRE);
}

int bpf_map_direct_value_addr(const struct bpf_map *map, u32 off, const void **addr)
{
	if (map->map_type != BPF_MAP_TYPE_ARRAY)
		return -EOPNOTSUPP; /* only arrays have map_direct_value_addr */
	if (map->max_entries != 1 || !map->data)
		return -ENOTSUPP;
	if (off >= map->value_size)
		return -EINVAL;
	*addr = map->data; /* element 0 */
	return 0;
}

/* --- alignment --- */

static int check_pkt_ptr_alignment(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                   int off, int size, bool strict)
{
	const int ip_align = 2; /* NET_IP_ALIGN, as the kernel emulates it in strict mode */
	if (!strict || size == 1)
		return 0;
	struct tnum reg_off =
	        tnum_add(reg->var_off, tnum_const((u64)(s64)(ip_align + reg->off + off)));
	if (!tnum_is_aligned(reg_off, (u64)size)) {
		char tn_buf[48];
		tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
		verbose(env, "misaligned packet access off %d+%s+%d+%d size %d\n", ip_align, tn_buf,
		        reg->off, off, size);
		return -EACCES;
	}
	return 0;
}

static int check_generic_ptr_alignment(struct bpf_verifier_env *env,
                                       const struct bpf_reg_state *reg, const char *pointer_desc,
                                       int off, int size, bool strict)
{
	if (!strict || size == 1)
		return 0;
	struct tnum reg_off = tnum_add(reg->var_off, tnum_const((u64)(s64)(reg->off + off)));
	if (!tnum_is_aligned(reg_off, (u64)size)) {
		char tn_buf[48];
		tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
		verbose(env, "misaligned %saccess off %s+%d+%d size %d\n", pointer_desc, tn_buf,
		        reg->off, off, size);
		return -EACCES;
	}
	return 0;
}

int check_ptr_alignment(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int off,
                        int size, bool strict_alignment_once)
{
	bool strict = env->strict_alignment || strict_alignment_once;
	const char *pointer_desc = "";
	switch ((int)reg->type) {
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		return check_pkt_ptr_alignment(env, reg, off, size, strict);
	case PTR_TO_FLOW_KEYS:
		pointer_desc = "flow keys ";
		break;
	case PTR_TO_MAP_KEY:
		pointer_desc = "key ";
		break;
	case PTR_TO_MAP_VALUE:
		pointer_desc = "value ";
		break;
	case PTR_TO_CTX:
		pointer_desc = "context ";
		break;
	case PTR_TO_STACK:
		pointer_desc = "stack ";
		/* spill/fill tracking relies on aligned stack accesses */
		strict = true;
		break;
	case PTR_TO_SOCKET:
		pointer_desc = "sock ";
		break;
	case PTR_TO_SOCK_COMMON:
		pointer_desc = "sock_common ";
		break;
	case PTR_TO_TCP_SOCK:
		pointer_desc = "tcp_sock ";
		break;
	case PTR_TO_XDP_SOCK:
		pointer_desc = "xdp_sock ";
		break;
	case PTR_TO_ARENA:
		return 0;
	default:
		break;
	}
	return check_generic_ptr_alignment(env, reg, pointer_desc, off, size, strict);
}
