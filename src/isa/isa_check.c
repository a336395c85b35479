/* isa_check.c — structural checks of a program's encoding, in the kernel's order.
 *
 * The kernel finds encoding errors in four passes before (and while) it simulates the
 * program; the first error a program hits depends on that order, so we keep it:
 *   1. subprogram layout: call targets, jumps within their subprogram, last insn;
 *   2. a linear scan: LDX reserved fields, ld_imm64 pairs, the opcode table;
 *   3. control flow edges: no jump lands in the second half of an ld_imm64;
 *   4. per-instruction fields and registers (the kernel checks these in do_check, in
 *      execution order; we check them linearly, and the verifier re-checks in its order).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/isa.h>

static bool isa_is_jmp_class(uint8_t code)
{
	return BPF_CLASS(code) == BPF_JMP || BPF_CLASS(code) == BPF_JMP32;
}

/* A jump in the kernel's sense: JMP/JMP32 class, neither call nor exit. */
static bool isa_is_jump(uint8_t code)
{
	return isa_is_jmp_class(code) && BPF_OP(code) != BPF_CALL && BPF_OP(code) != BPF_EXIT;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int userbpf_isa_subprogs(const struct bpf_insn *insns, size_t cnt, uint32_t *starts, int max,
                         struct userbpf_error *e)
{
	int n = 0;
	if (max < 1)
		return -EINVAL;
	starts[n++] = 0;
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		if (!userbpf_insn_is_pseudo_call(in) && !userbpf_insn_is_pseudo_func(in))
			continue;
		int64_t t = (int64_t)i + in->imm + 1;
		if (t < 0 || t >= (int64_t)cnt)
			return userbpf_errorf(e, -EINVAL, (int)i, "call to invalid destination");
		bool seen = false;
		for (int k = 0; k < n && !seen; k++)
			seen = starts[k] == (uint32_t)t;
		if (seen)
			continue;
		if (n >= max)
			return userbpf_errorf(e, -E2BIG, (int)i, "too many subprograms");
		starts[n++] = (uint32_t)t;
	}
	qsort(starts, (size_t)n, sizeof *starts, cmp_u32);
	return n;
}

/* Pass 1: every jump stays inside its subprogram, which ends in exit or ja. */
static int isa_check_layout(const struct bpf_insn *insns, size_t cnt, unsigned flags,
                            struct userbpf_error *e)
{
	uint32_t *starts = malloc(sizeof *starts * (USERBPF_MAX_SUBPROGS + 1));
	if (!starts)
		return userbpf_errorf(e, -ENOMEM, -1, "out of memory");
	int n = userbpf_isa_subprogs(insns, cnt, starts, USERBPF_MAX_SUBPROGS, e);
	int err = n < 0 ? n : 0;
	bool relaxed = flags & USERBPF_ISA_RELAXED;
	for (int s = 0; s < n && !err; s++) {
		int64_t lo = relaxed ? 0 : starts[s];
		int64_t hi = relaxed || s + 1 == n ? (int64_t)cnt : starts[s + 1];
		for (int64_t i = starts[s]; i < (s + 1 == n ? (int64_t)cnt : starts[s + 1]); i++) {
			uint8_t code = insns[i].code;
			if (isa_is_jump(code)) {
				int64_t t = i + userbpf_insn_jump_off(&insns[i]) + 1;
				if (t < lo || t >= hi) {
					err = userbpf_errorf(e, -EINVAL, (int)i,
					                     "jump out of range from insn %d to %d",
					                     (int)i, (int)t);
					break;
				}
			}
			if (!relaxed && i == hi - 1 && code != (BPF_JMP | BPF_EXIT) &&
			    code != (BPF_JMP | BPF_JA)) {
				err = userbpf_errorf(e, -EINVAL, (int)i,
				                     "last insn is not an exit or jmp");
				break;
			}
		}
	}
	free(starts);
	return err;
}

/* Pass 2 for one ld_imm64 at index i. */
static int isa_check_ldimm64(const struct bpf_insn *insns, size_t cnt, size_t i,
                             struct userbpf_error *e)
{
	const struct bpf_insn *in = &insns[i];
	if (i + 1 == cnt || in[1].code || in[1].dst_reg || in[1].src_reg || in[1].off)
		return userbpf_errorf(e, -EINVAL, (int)i, "invalid bpf_ld_imm64 insn");
	switch (in->src_reg) {
	case 0:
	case BPF_PSEUDO_BTF_ID:
	case BPF_PSEUDO_FUNC:
	case BPF_PSEUDO_MAP_VALUE:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
		if (in[1].imm == 0)
			return 0;
		break;
	}
	return userbpf_errorf(e, -EINVAL, (int)i, "unrecognized bpf_ld_imm64 insn");
}

/* Pass 2: a linear scan, stepping over ld_imm64 second halves. */
static int isa_check_opcodes(const struct bpf_insn *insns, size_t cnt, unsigned flags,
                             struct userbpf_error *e)
{
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		if (BPF_CLASS(in->code) == BPF_LDX &&
		    ((BPF_MODE(in->code) != BPF_MEM && BPF_MODE(in->code) != BPF_MEMSX) || in->imm))
			return userbpf_errorf(e, -EINVAL, (int)i, "BPF_LDX uses reserved fields");
		if (userbpf_insn_is_ldimm64(in)) {
			int err = isa_check_ldimm64(insns, cnt, i, e);
			if (err)
				return err;
			i++;
			continue;
		}
		bool callx =
		        in->code == (BPF_JMP | BPF_CALL | BPF_X) && (flags & USERBPF_ISA_RELAXED);
		if (!userbpf_isa_opcode_valid(in->code) && !callx)
			return userbpf_errorf(e, -EINVAL, (int)i, "unknown opcode %02x", in->code);
	}
	return 0;
}

/* Pass 3: no control-flow edge lands on the second half of an ld_imm64. */
static int isa_check_edges(const struct bpf_insn *insns, size_t cnt, struct userbpf_error *e)
{
	uint8_t *second = calloc(cnt, 1);
	if (!second)
		return userbpf_errorf(e, -ENOMEM, -1, "out of memory");
	for (size_t i = 0; i + 1 < cnt; i++)
		if (userbpf_insn_is_ldimm64(&insns[i]))
			second[++i] = 1;
	int err = 0;
	for (size_t i = 0; i < cnt && !err; i++) {
		const struct bpf_insn *in = &insns[i];
		int64_t t;
		if (second[i])
			continue;
		if (isa_is_jump(in->code))
			t = (int64_t)i + userbpf_insn_jump_off(in) + 1;
		else if (userbpf_insn_is_pseudo_call(in) || userbpf_insn_is_pseudo_func(in))
			t = (int64_t)i + in->imm + 1;
		else
			continue;
		/* the kernel names the ld_imm64 whose second half is hit */
		if (t >= 0 && t < (int64_t)cnt && second[t])
			err = userbpf_errorf(e, -EINVAL, (int)i,
			                     "jump into the middle of ldimm64 insn %d", (int)t - 1);
	}
	free(second);
	return err;
}

/* Register checks as the kernel's check_reg_arg(): a register read, or one written. */
static int isa_reg_read(int reg, int i, struct userbpf_error *e)
{
	if (reg >= MAX_BPF_REG)
		return userbpf_errorf(e, -EINVAL, i, "R%d is invalid", reg);
	return 0;
}

static int isa_reg_write(int reg, int i, struct userbpf_error *e)
{
	if (reg >= MAX_BPF_REG)
		return userbpf_errorf(e, -EINVAL, i, "R%d is invalid", reg);
	if (reg == BPF_REG_10)
		return userbpf_errorf(e, -EACCES, i, "frame pointer is read only");
	return 0;
}

static int isa_check_alu(const struct bpf_insn *in, int i, struct userbpf_error *e)
{
	uint8_t op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X, alu64 = BPF_CLASS(in->code) == BPF_ALU64;
	int err;

	if (op == BPF_NEG || op == BPF_END) {
		if (op == BPF_NEG && (x || in->src_reg || in->off || in->imm))
			return userbpf_errorf(e, -EINVAL, i, "BPF_NEG uses reserved fields");
		if (op == BPF_END &&
		    (in->src_reg || in->off || (in->imm != 16 && in->imm != 32 && in->imm != 64) ||
		     (alu64 && x)))
			return userbpf_errorf(e, -EINVAL, i, "BPF_END uses reserved fields");
		if ((err = isa_reg_read(in->dst_reg, i, e)))
			return err;
		return isa_reg_write(in->dst_reg, i, e);
	}
	if (op == BPF_MOV) {
		if (x && alu64 && in->off == BPF_ADDR_SPACE_CAST) {
			if (in->imm != 1 && in->imm != 1 << 16)
				return userbpf_errorf(
				        e, -EINVAL, i,
				        "addr_space_cast insn can only convert between "
				        "address space 1 and 0");
			return userbpf_errorf(
			        e, -EINVAL, i,
			        "addr_space_cast insn can only be used in a program that "
			        "has an associated arena");
		}
		bool off_ok = in->off == 0 ||
		              (x && (in->off == 8 || in->off == 16 || (alu64 && in->off == 32)));
		if (!off_ok || (x ? in->imm != 0 : in->src_reg != 0))
			return userbpf_errorf(e, -EINVAL, i, "BPF_MOV uses reserved fields");
	} else {
		bool sdiv = in->off == 1 && (op == BPF_DIV || op == BPF_MOD);
		if ((in->off && !sdiv) || (x ? in->imm != 0 : in->src_reg != 0))
			return userbpf_errorf(e, -EINVAL, i, "BPF_ALU uses reserved fields");
	}
	if (x && (err = isa_reg_read(in->src_reg, i, e)))
		return err;
	return isa_reg_write(in->dst_reg, i, e);
}

static int isa_check_atomic(const struct bpf_insn *in, int i, struct userbpf_error *e)
{
	int err;
	switch (in->imm) {
	case BPF_ADD:
	case BPF_ADD | BPF_FETCH:
	case BPF_AND:
	case BPF_AND | BPF_FETCH:
	case BPF_OR:
	case BPF_OR | BPF_FETCH:
	case BPF_XOR:
	case BPF_XOR | BPF_FETCH:
	case BPF_XCHG:
	case BPF_CMPXCHG:
		if (BPF_SIZE(in->code) != BPF_W && BPF_SIZE(in->code) != BPF_DW)
			return userbpf_errorf(e, -EINVAL, i, "invalid atomic operand size");
		break;
	case BPF_LOAD_ACQ: /* dst = load_acquire(src + off) */
		if ((err = isa_reg_read(in->src_reg, i, e)))
			return err;
		return isa_reg_write(in->dst_reg, i, e);
	case BPF_STORE_REL:
		break;
	default:
		return userbpf_errorf(e, -EINVAL, i, "BPF_ATOMIC uses invalid atomic opcode %02x",
		                      (unsigned)in->imm);
	}
	if ((err = isa_reg_read(in->src_reg, i, e)))
		return err;
	return isa_reg_read(in->dst_reg, i, e);
}

static int isa_check_jmp(const struct bpf_insn *in, int i, struct userbpf_error *e)
{
	uint8_t op = BPF_OP(in->code);
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32;
	int err;

	switch (op) {
	case BPF_CALL:
		if (BPF_SRC(in->code) ==
		    BPF_X) /* callx, relaxed mode only: dst holds the helper id */
			return isa_reg_read(in->dst_reg, i, e);
		if ((in->src_reg != BPF_PSEUDO_KFUNC_CALL && in->off) ||
		    (in->src_reg != 0 && in->src_reg != BPF_PSEUDO_CALL &&
		     in->src_reg != BPF_PSEUDO_KFUNC_CALL) ||
		    in->dst_reg || jmp32)
			return userbpf_errorf(e, -EINVAL, i, "BPF_CALL uses reserved fields");
		return 0;
	case BPF_JA:
		if (in->src_reg || in->dst_reg || (!jmp32 && in->imm) || (jmp32 && in->off))
			return userbpf_errorf(e, -EINVAL, i, "BPF_JA uses reserved fields");
		return 0;
	case BPF_EXIT:
		if (in->imm || in->src_reg || in->dst_reg || jmp32)
			return userbpf_errorf(e, -EINVAL, i, "BPF_EXIT uses reserved fields");
		return 0;
	case BPF_JCOND:
		if (in->src_reg != BPF_MAY_GOTO || in->dst_reg || in->imm)
			return userbpf_errorf(e, -EINVAL, i, "invalid may_goto imm %d", in->imm);
		return 0;
	}
	if (BPF_SRC(in->code) == BPF_X ? in->imm != 0 : in->src_reg != 0)
		return userbpf_errorf(e, -EINVAL, i, "BPF_JMP/JMP32 uses reserved fields");
	if (BPF_SRC(in->code) == BPF_X && (err = isa_reg_read(in->src_reg, i, e)))
		return err;
	return isa_reg_read(in->dst_reg, i, e);
}

static int isa_check_ld(const struct bpf_insn *in, int i, struct userbpf_error *e)
{
	uint8_t mode = BPF_MODE(in->code);
	if (mode == BPF_IMM) {
		if (in->off)
			return userbpf_errorf(e, -EINVAL, i, "BPF_LD_IMM64 uses reserved fields");
		return isa_reg_write(in->dst_reg, i, e);
	}
	if (in->dst_reg || in->off || BPF_SIZE(in->code) == BPF_DW ||
	    (mode == BPF_ABS && in->src_reg))
		return userbpf_errorf(e, -EINVAL, i, "BPF_LD_[ABS|IND] uses reserved fields");
	return mode == BPF_IND ? isa_reg_read(in->src_reg, i, e) : 0;
}

/* Pass 4: fields and registers of one instruction whose opcode pass 2 accepted. */
static int isa_check_fields(const struct bpf_insn *in, int i, struct userbpf_error *e)
{
	int err;
	switch (BPF_CLASS(in->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return isa_check_alu(in, i, e);
	case BPF_LDX:
		if ((err = isa_reg_read(in->src_reg, i, e)))
			return err;
		return isa_reg_write(in->dst_reg, i, e);
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			return isa_check_atomic(in, i, e);
		if (in->imm)
			return userbpf_errorf(e, -EINVAL, i, "BPF_STX uses reserved fields");
		if ((err = isa_reg_read(in->src_reg, i, e)))
			return err;
		return isa_reg_read(in->dst_reg, i, e);
	case BPF_ST:
		if (in->src_reg)
			return userbpf_errorf(e, -EINVAL, i, "BPF_ST uses reserved fields");
		return isa_reg_read(in->dst_reg, i, e);
	case BPF_JMP:
	case BPF_JMP32:
		return isa_check_jmp(in, i, e);
	default:
		return isa_check_ld(in, i, e);
	}
}

int userbpf_isa_check(const struct bpf_insn *insns, size_t cnt, unsigned flags,
                      struct userbpf_error *e)
{
	int err;
	if (e) {
		e->err = 0;
		e->insn = -1;
		e->msg[0] = 0;
	}
	if (cnt == 0)
		return userbpf_errorf(e, -E2BIG, -1, "program has no instructions");
	if (cnt > USERBPF_MAX_INSNS)
		return userbpf_errorf(e, -E2BIG, -1, "program has %zu instructions, limit is %d",
		                      cnt, USERBPF_MAX_INSNS);
	if ((err = isa_check_layout(insns, cnt, flags, e)))
		return err;
	if ((err = isa_check_opcodes(insns, cnt, flags, e)))
		return err;
	if ((err = isa_check_edges(insns, cnt, e)))
		return err;
	for (size_t i = 0; i < cnt; i++) {
		if ((err = isa_check_fields(&insns[i], (int)i, e)))
			return err;
		if (userbpf_insn_is_ldimm64(&insns[i]))
			i++;
	}
	return 0;
}
