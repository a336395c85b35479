/* vm_decode.c — turn checked instructions into ops for one engine.
 *
 * Everything that can be decided before running is decided here, so the engine does one
 * indirect jump per op and no decoding: the handler for each opcode/size/width, jump and
 * call targets as op pointers, ld_imm64 folded into one op. The program has passed
 * userbpf_isa_check, so opcodes, registers and jump ranges are known to be valid.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "vm/vm_internal.h"

/* ALU ops and conditional jumps come in groups of four: 64/k, 64/x, 32/k, 32/x. */
static enum vm_kind vm_kind_of4(enum vm_kind base, bool wide, uint8_t code)
{
	return (enum vm_kind)(base + (wide ? 0 : 2) + (BPF_SRC(code) == BPF_X ? 1 : 0));
}

static enum vm_kind vm_kind_alu(const struct bpf_insn *in)
{
	uint8_t code = in->code;
	bool wide = BPF_CLASS(code) == BPF_ALU64;
	bool sign = in->off == 1;

	switch (BPF_OP(code)) {
	case BPF_ADD:
		return vm_kind_of4(VM_K_add64_k, wide, code);
	case BPF_SUB:
		return vm_kind_of4(VM_K_sub64_k, wide, code);
	case BPF_MUL:
		return vm_kind_of4(VM_K_mul64_k, wide, code);
	case BPF_DIV:
		return vm_kind_of4(sign ? VM_K_sdiv64_k : VM_K_div64_k, wide, code);
	case BPF_MOD:
		return vm_kind_of4(sign ? VM_K_smod64_k : VM_K_mod64_k, wide, code);
	case BPF_OR:
		return vm_kind_of4(VM_K_or64_k, wide, code);
	case BPF_AND:
		return vm_kind_of4(VM_K_and64_k, wide, code);
	case BPF_LSH:
		return vm_kind_of4(VM_K_lsh64_k, wide, code);
	case BPF_RSH:
		return vm_kind_of4(VM_K_rsh64_k, wide, code);
	case BPF_ARSH:
		return vm_kind_of4(VM_K_arsh64_k, wide, code);
	case BPF_XOR:
		return vm_kind_of4(VM_K_xor64_k, wide, code);
	case BPF_NEG:
		return wide ? VM_K_neg64 : VM_K_neg32;
	case BPF_MOV:
		if (BPF_SRC(code) == BPF_X && in->off) { /* movsx: off is the source width */
			if (in->off == 8)
				return wide ? VM_K_movsx64_8 : VM_K_movsx32_8;
			if (in->off == 16)
				return wide ? VM_K_movsx64_16 : VM_K_movsx32_16;
			return wide ? VM_K_movsx64_32 : VM_K_bad;
		}
		return vm_kind_of4(VM_K_mov64_k, wide, code);
	case BPF_END:
		/* ALU64 | END is an unconditional bswap; ALU | END | TO_BE swaps on a
		 * little-endian host; ALU | END | TO_LE only truncates. */
		if (wide || BPF_SRC(code) == BPF_TO_BE)
			return in->imm == 16   ? VM_K_bswap16
			       : in->imm == 32 ? VM_K_bswap32
			                       : VM_K_bswap64;
		return in->imm == 16 ? VM_K_le16 : in->imm == 32 ? VM_K_le32 : VM_K_le64;
	}
	return VM_K_bad;
}

static enum vm_kind vm_kind_jmp(const struct bpf_insn *in)
{
	uint8_t code = in->code;
	bool wide = BPF_CLASS(code) == BPF_JMP;

	switch (BPF_OP(code)) {
	case BPF_JA:
		return VM_K_ja;
	case BPF_JCOND:
		return VM_K_may_goto;
	case BPF_EXIT:
		return VM_K_exit;
	case BPF_CALL:
		if (BPF_SRC(code) == BPF_X)
			return VM_K_callx;
		if (in->src_reg == BPF_PSEUDO_CALL)
			return VM_K_call_local;
		if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
			return VM_K_call_kfunc;
		return in->imm == VM_HELPER_TAIL_CALL ? VM_K_call_tail : VM_K_call_helper;
	case BPF_JEQ:
		return vm_kind_of4(VM_K_jeq64_k, wide, code);
	case BPF_JNE:
		return vm_kind_of4(VM_K_jne64_k, wide, code);
	case BPF_JGT:
		return vm_kind_of4(VM_K_jgt64_k, wide, code);
	case BPF_JGE:
		return vm_kind_of4(VM_K_jge64_k, wide, code);
	case BPF_JLT:
		return vm_kind_of4(VM_K_jlt64_k, wide, code);
	case BPF_JLE:
		return vm_kind_of4(VM_K_jle64_k, wide, code);
	case BPF_JSET:
		return vm_kind_of4(VM_K_jset64_k, wide, code);
	case BPF_JSGT:
		return vm_kind_of4(VM_K_jsgt64_k, wide, code);
	case BPF_JSGE:
		return vm_kind_of4(VM_K_jsge64_k, wide, code);
	case BPF_JSLT:
		return vm_kind_of4(VM_K_jslt64_k, wide, code);
	case BPF_JSLE:
		return vm_kind_of4(VM_K_jsle64_k, wide, code);
	}
	return VM_K_bad;
}

/* Index of a size in B, H, W, DW order. */
static int vm_size_idx(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 0;
	case BPF_H:
		return 1;
	case BPF_W:
		return 2;
	default:
		return 3;
	}
}

static enum vm_kind vm_kind_atomic(const struct bpf_insn *in)
{
	int sz = vm_size_idx(in->code);
	if (in->imm == BPF_LOAD_ACQ)
		return (enum vm_kind)(VM_K_acq_b + sz);
	if (in->imm == BPF_STORE_REL)
		return (enum vm_kind)(VM_K_rel_b + sz);
	enum vm_kind base = sz == 3 ? VM_K_a64_add : VM_K_a32_add;
	int k;
	switch (in->imm) {
	case BPF_ADD:
		k = 0;
		break;
	case BPF_OR:
		k = 1;
		break;
	case BPF_AND:
		k = 2;
		break;
	case BPF_XOR:
		k = 3;
		break;
	case BPF_ADD | BPF_FETCH:
		k = 4;
		break;
	case BPF_OR | BPF_FETCH:
		k = 5;
		break;
	case BPF_AND | BPF_FETCH:
		k = 6;
		break;
	case BPF_XOR | BPF_FETCH:
		k = 7;
		break;
	case BPF_XCHG:
		k = 8;
		break;
	case BPF_CMPXCHG:
		k = 9;
		break;
	default:
		return VM_K_bad;
	}
	return (enum vm_kind)(base + k);
}

static enum vm_kind vm_kind_of(const struct bpf_insn *in)
{
	uint8_t code = in->code;
	int sz = vm_size_idx(code);

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return vm_kind_alu(in);
	case BPF_JMP:
	case BPF_JMP32:
		return vm_kind_jmp(in);
	case BPF_LDX:
		if (BPF_MODE(code) == BPF_MEMSX)
			return sz == 3 ? VM_K_bad : (enum vm_kind)(VM_K_ldxs_b + sz);
		return (enum vm_kind)(VM_K_ldx_b + sz);
	case BPF_ST:
		return (enum vm_kind)(VM_K_st_b + sz);
	case BPF_STX:
		if (BPF_MODE(code) == BPF_ATOMIC)
			return vm_kind_atomic(in);
		return (enum vm_kind)(VM_K_stx_b + sz);
	default: /* BPF_LD */
		return BPF_MODE(code) == BPF_IMM ? VM_K_ld_imm64 : VM_K_ld_pkt;
	}
}

int vm_decode(const struct bpf_insn *insns, size_t cnt, const void *const *labels,
              struct vm_op *ops, struct userbpf_error *e)
{
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		struct vm_op *op = &ops[i];
		enum vm_kind k = vm_kind_of(in);

		*op = (struct vm_op){
		        .dst = in->dst_reg, .src = in->src_reg, .off = in->off, .imm = in->imm};
		if (k == VM_K_ld_imm64) {
			/* A callback's address (BPF_PSEUDO_FUNC, imm = offset to the subprogram,
			 * checked by userbpf_isa_subprogs) is its op: userbpf_run_callback runs
			 * it. Map and BTF references need the object layer to rewrite them. */
			if (in->src_reg == BPF_PSEUDO_FUNC) {
				op->u.imm64 = (uint64_t)(uintptr_t)&ops[(int64_t)i + in->imm + 1];
				op->handler = labels[k];
				ops[++i] = (struct vm_op){.handler = labels[VM_K_bad]};
				continue;
			}
			if (in->src_reg != 0)
				return userbpf_errorf(e, -EINVAL, (int)i,
				                      "ld_imm64 at insn %d has pseudo src_reg %d; "
				                      "load it through the object layer",
				                      (int)i, in->src_reg);
			op->u.imm64 = userbpf_insn_imm64(in);
			op->handler = labels[k];
			ops[++i] = (struct vm_op){.handler = labels[VM_K_bad]};
			continue;
		}
		if (k == VM_K_bad)
			return userbpf_errorf(e, -EINVAL, (int)i,
			                      "unsupported insn %02x at insn %d", in->code, (int)i);
		if (k == VM_K_call_local)
			op->u.target = &ops[(int64_t)i + in->imm + 1];
		else if ((BPF_CLASS(in->code) == BPF_JMP || BPF_CLASS(in->code) == BPF_JMP32) &&
		         BPF_OP(in->code) != BPF_CALL && BPF_OP(in->code) != BPF_EXIT)
			op->u.target = &ops[(int64_t)i + userbpf_insn_jump_off(in) + 1];
		op->handler = labels[k];
	}
	ops[cnt] = (struct vm_op){.handler = labels[VM_K_fell_off]};
	return 0;
}
