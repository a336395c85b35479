/* map_gen_lookup.c — the instructions that replace a program's bpf_map_lookup_elem call
 * when the verifier knows the one map the call site uses (the kernel's map_gen_lookup
 * ops, called from do_misc_fixups).
 *
 * ARRAY, as the kernel's array_map_gen_lookup: r1 holds the map, r2 the key. The kernel's
 * struct bpf_array has its values right after the struct (r1 += offsetof(value)); ours are
 * in the map's shared mapping, so the first instruction loads that address from the
 * process's struct bpf_map instead — the program stays correct in every process that
 * rebuilds it (r1 is always that process's map). Then the index is bounds-checked against
 * max_entries (masked with the next power of two minus one for loaders without
 * bypass_spec_v1, as Spectre v1 hardening), scaled by the element size and added; an out
 * of range index gives r0 = NULL, as the helper would.
 *
 * Other types (hash maps call their lookup, then add the value offset in the kernel) keep
 * the helper call here: our helper already is one indirect call to the lookup resolved
 * for the map (map->lookup), so there is nothing to gain.
 */
#include <errno.h>
#include <stddef.h>

#include "maps/map.h"
#include "verifier/verifier.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

static int array_map_gen_lookup(const struct bpf_map *map, bool bypass_spec_v1,
                                struct bpf_insn *buf)
{
	const u8 ret = BPF_REG_0, map_ptr = BPF_REG_1, index = BPF_REG_2;
	u32 elem_size = map->round_value_size;
	struct bpf_insn *insn = buf;

	/* a map-in-map template may be replaced by another inner map at run time; the
	 * signed imm of the range check must hold max_entries; the data pointer is a u64 */
	if (map->map_flags & BPF_F_INNER_MAP || map->max_entries > INT32_MAX ||
	    elem_size > INT32_MAX || elem_size == 0)
		return -EOPNOTSUPP;
	*insn++ = INSN(BPF_LDX | BPF_MEM | BPF_DW, map_ptr, map_ptr,
	               (s16)offsetof(struct bpf_map, data), 0);
	*insn++ = INSN(BPF_LDX | BPF_MEM | BPF_W, ret, index, 0, 0);
	if (!bypass_spec_v1) {
		u64 mask = 1;
		while (mask < map->max_entries)
			mask <<= 1;
		*insn++ = INSN(BPF_JMP | BPF_JGE | BPF_K, ret, 0, 4, (s32)map->max_entries);
		*insn++ = INSN(BPF_ALU | BPF_AND | BPF_K, ret, 0, 0, (s32)(u32)(mask - 1));
	} else {
		*insn++ = INSN(BPF_JMP | BPF_JGE | BPF_K, ret, 0, 3, (s32)map->max_entries);
	}
	if ((elem_size & (elem_size - 1)) == 0)
		*insn++ = INSN(BPF_ALU64 | BPF_LSH | BPF_K, ret, 0, 0, __builtin_ctz(elem_size));
	else
		*insn++ = INSN(BPF_ALU64 | BPF_MUL | BPF_K, ret, 0, 0, (s32)elem_size);
	*insn++ = INSN(BPF_ALU64 | BPF_ADD | BPF_X, ret, map_ptr, 0, 0);
	*insn++ = INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0);
	*insn++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, ret, 0, 0, 0);
	return (int)(insn - buf);
}

int bpf_map_gen_lookup(const struct bpf_map *map, bool bypass_spec_v1, struct bpf_insn *buf)
{
	if (map->map_type == BPF_MAP_TYPE_ARRAY)
		return array_map_gen_lookup(map, bypass_spec_v1, buf);
	return -EOPNOTSUPP;
}
