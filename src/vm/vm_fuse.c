/* vm_fuse.c — one op for the verifier's inlined array lookup (trusted engine only).
 *
 * The verifier replaces bpf_map_lookup_elem on an array by the kernel's array_map_gen_lookup
 * sequence (src/maps/map_gen_lookup.c):
 *
 *   i+0  r1 = *(u64 *)(r1 + off)     the map's data pointer
 *   i+1  r0 = *(u32 *)(r2 + 0)       the key
 *   i+2  if r0 >= N goto i+k+3       (off 3, or 4 with the mask below)
 *  [i+3  w0 &= mask]                 (without bypass_spec_v1)
 *   i+k  r0 <<= s   |   r0 *= size
 *  i+k+1 r0 += r1
 *  i+k+2 goto +1
 *  i+k+3 r0 = 0
 *
 * The kernel's JIT makes that a few machine instructions; interpreted it costs seven
 * dispatches, as much as the helper call it replaced. Here the first op does all of it and
 * continues after the sequence. Only that op changes: the others stay decoded as they were,
 * so a jump into the middle of the sequence (none is emitted) runs the plain ops, and a run
 * that enters at the first op cannot leave the sequence before its end (its only jumps land
 * on its last instruction and right after it). The result is the sequence's, register for
 * register (r1 = data, r0 = the value's address or 0, r2 untouched), whoever emitted it.
 * The guarded engine keeps the plain ops (each access checked).
 */
#include "vm/vm_internal.h"

#define VM_FUSE_R0 0
#define VM_FUSE_R1 1
#define VM_FUSE_R2 2

static bool is(const struct bpf_insn *in, uint8_t code, uint8_t dst, uint8_t src)
{
	return in->code == code && in->dst_reg == dst && in->src_reg == src;
}

/* The first two instructions: a cheap test before anything is counted. */
static bool vm_fuse_head(const struct bpf_insn *in, size_t left)
{
	return left >= 7 && is(&in[0], BPF_LDX | BPF_MEM | BPF_DW, VM_FUSE_R1, VM_FUSE_R1) &&
	       is(&in[1], BPF_LDX | BPF_MEM | BPF_W, VM_FUSE_R0, VM_FUSE_R2) && in[1].off == 0 &&
	       in[1].imm == 0;
}

/* The whole sequence at in[0]: its length (7 or 8), or 0. */
static size_t vm_fuse_match(const struct bpf_insn *in, size_t left)
{
	if (!vm_fuse_head(in, left) || !is(&in[2], BPF_JMP | BPF_JGE | BPF_K, VM_FUSE_R0, 0) ||
	    (in[2].off != 3 && in[2].off != 4))
		return 0;
	size_t k = in[2].off == 4 ? 4 : 3; /* the scale's index */
	if (left < k + 4)
		return 0;
	if (k == 4 && (!is(&in[3], BPF_ALU | BPF_AND | BPF_K, VM_FUSE_R0, 0) || in[3].off))
		return 0;
	if (!is(&in[k], BPF_ALU64 | BPF_LSH | BPF_K, VM_FUSE_R0, 0) &&
	    !is(&in[k], BPF_ALU64 | BPF_MUL | BPF_K, VM_FUSE_R0, 0))
		return 0;
	if (in[k].off || !is(&in[k + 1], BPF_ALU64 | BPF_ADD | BPF_X, VM_FUSE_R0, VM_FUSE_R1) ||
	    in[k + 1].off || in[k + 1].imm || !is(&in[k + 2], BPF_JMP | BPF_JA, 0, 0) ||
	    in[k + 2].off != 1 || in[k + 2].imm ||
	    !is(&in[k + 3], BPF_ALU64 | BPF_MOV | BPF_K, VM_FUSE_R0, 0) || in[k + 3].off ||
	    in[k + 3].imm)
		return 0;
	return k + 4;
}

void vm_fuse(const struct bpf_insn *insns, size_t cnt, const void *const *labels, struct vm_op *ops)
{
	for (size_t i = 0; i < cnt; i++) {
		size_t len = vm_fuse_match(&insns[i], cnt - i);
		if (!len)
			continue;
		const struct bpf_insn *scale = &insns[i + len - 4];
		bool masked = len == 8, mul = BPF_OP(scale->code) == BPF_MUL;
		struct vm_op *op = &ops[i];
		op->handler = labels[VM_K_array_lookup];
		op->dst = (uint8_t)((masked ? VM_FUSE_MASKED : 0) | (mul ? VM_FUSE_MUL : 0));
		op->src = (uint8_t)len; /* ops to skip */
		if (!op->dst)           /* the common form gets the shift itself (< 64: imm & 63) */
			op->src = (uint8_t)(scale->imm & 63);
		op->off = insns[i].off;     /* of the data pointer in struct bpf_map */
		op->imm = insns[i + 2].imm; /* max_entries */
		op->u.imm64 = (uint64_t)(masked ? (uint32_t)insns[i + 3].imm : 0) |
		              (uint64_t)(uint32_t)scale->imm << 32;
		i += len - 1;
	}
}
