/* alu_ptr.c — arithmetic on pointers (adjust_ptr_min_max_vals).
 *
 * A pointer plus a scalar stays a pointer of the same kind: a known constant joins the
 * fixed offset (reg->off), anything else the variable offset (var_off and the 64-bit
 * bounds), which later accesses check against the object. Which pointer kinds allow it
 * and the messages are the kernel's. Pointer values that may be NULL, 32-bit arithmetic,
 * bitwise operators and subtraction from the stack pointer are refused.
 */
#include <string.h>

#include "verifier/verifier.h"

static bool check_reg_sane_offset(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                  enum bpf_reg_type type)
{
	bool known = tnum_is_const(reg->var_off);
	s64 val = (s64)reg->var_off.value;
	s64 smin = reg->smin_value;

	if (known && (val >= BPF_MAX_VAR_OFF || val <= -BPF_MAX_VAR_OFF)) {
		verbose(env, "math between %s pointer and %lld is not allowed\n",
		        reg_type_str(env, type), (long long)val);
		return false;
	}
	if (reg->off >= BPF_MAX_VAR_OFF || reg->off <= -BPF_MAX_VAR_OFF) {
		verbose(env, "%s pointer offset %d is not allowed\n", reg_type_str(env, type),
		        reg->off);
		return false;
	}
	if (smin == INT64_MIN) {
		verbose(env,
		        "math between %s pointer and register with unbounded min value is not "
		        "allowed\n",
		        reg_type_str(env, type));
		return false;
	}
	if (smin >= BPF_MAX_VAR_OFF || smin <= -BPF_MAX_VAR_OFF) {
		verbose(env, "value %lld makes %s pointer be out of bounds\n", (long long)smin,
		        reg_type_str(env, type));
		return false;
	}
	return true;
}

int adjust_ptr_min_max_vals(struct bpf_verifier_env *env, struct bpf_insn *insn,
                            const struct bpf_reg_state *ptr_reg,
                            const struct bpf_reg_state *off_reg)
{
	struct bpf_reg_state *regs = cur_regs(env);
	bool known = tnum_is_const(off_reg->var_off);
	s64 smin_val = off_reg->smin_value, smax_val = off_reg->smax_value;
	s64 smin_ptr = ptr_reg->smin_value, smax_ptr = ptr_reg->smax_value;
	u64 umin_val = off_reg->umin_value, umax_val = off_reg->umax_value;
	u64 umin_ptr = ptr_reg->umin_value, umax_ptr = ptr_reg->umax_value;
	u8 opcode = BPF_OP(insn->code);
	u32 dst = insn->dst_reg;
	struct bpf_reg_state *dst_reg = &regs[dst];
	/* ptr_reg may be dst_reg: keep what is read after dst_reg is written */
	struct bpf_reg_state ptr = *ptr_reg;
	bool dst_is_off = dst_reg == off_reg;

	if ((known && (smin_val != smax_val || umin_val != umax_val)) || smin_val > smax_val ||
	    umin_val > umax_val) {
		/* invalid bounds (a dead branch): the result is tainted */
		__mark_reg_unknown(env, dst_reg);
		return 0;
	}
	if (BPF_CLASS(insn->code) != BPF_ALU64) {
		/* 32-bit ALU ops on pointers produce (meaningless) scalars */
		if (opcode == BPF_SUB && env->allow_ptr_leaks) {
			__mark_reg_unknown(env, dst_reg);
			return 0;
		}
		verbose(env, "R%u 32-bit pointer arithmetic prohibited\n", dst);
		return -EACCES;
	}
	if (ptr.type & PTR_MAYBE_NULL) {
		verbose(env, "R%u pointer arithmetic on %s prohibited, null-check it first\n", dst,
		        reg_type_str(env, ptr.type));
		return -EACCES;
	}
	/* untrusted memory is read through probes: offsets are not tracked */
	if (base_type(ptr.type) == PTR_TO_MEM && (ptr.type & PTR_UNTRUSTED))
		return 0;

	switch (base_type(ptr.type)) {
	case PTR_TO_CTX:
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MAP_KEY:
	case PTR_TO_STACK:
	case PTR_TO_PACKET_META:
	case PTR_TO_PACKET:
	case PTR_TO_TP_BUFFER:
	case PTR_TO_BTF_ID:
	case PTR_TO_MEM:
	case PTR_TO_BUF:
	case PTR_TO_FUNC:
	case CONST_PTR_TO_DYNPTR:
		break;
	case PTR_TO_FLOW_KEYS:
		if (known)
			break;
		/* fallthrough */
	case CONST_PTR_TO_MAP:
		/* smin_val is the known value */
		if (known && smin_val == 0 && opcode == BPF_ADD)
			break;
		/* fallthrough */
	default:
		verbose(env, "R%u pointer arithmetic on %s prohibited\n", dst,
		        reg_type_str(env, ptr.type));
		return -EACCES;
	}

	/* scalar += pointer: dst takes the pointer's type and id */
	dst_reg->type = ptr.type;
	dst_reg->id = ptr.id;

	if (!check_reg_sane_offset(env, off_reg, ptr.type) ||
	    !check_reg_sane_offset(env, &ptr, ptr.type))
		return -EINVAL;

	/* pointer types do not carry 32-bit bounds */
	__mark_reg32_unbounded(dst_reg);

	switch (opcode) {
	case BPF_ADD:
		/* a known offset that fits the s32 'off' joins it */
		if (known && (ptr.off + smin_val == (s64)(s32)(ptr.off + smin_val))) {
			dst_reg->smin_value = smin_ptr;
			dst_reg->smax_value = smax_ptr;
			dst_reg->umin_value = umin_ptr;
			dst_reg->umax_value = umax_ptr;
			dst_reg->var_off = ptr.var_off;
			dst_reg->off = (s32)(ptr.off + smin_val);
			dst_reg->raw = ptr.raw;
			break;
		}
		/* a new variable offset; the fixed offset stays */
		if (__builtin_add_overflow(smin_ptr, smin_val, &dst_reg->smin_value) ||
		    __builtin_add_overflow(smax_ptr, smax_val, &dst_reg->smax_value)) {
			dst_reg->smin_value = INT64_MIN;
			dst_reg->smax_value = INT64_MAX;
		}
		if (__builtin_add_overflow(umin_ptr, umin_val, &dst_reg->umin_value) ||
		    __builtin_add_overflow(umax_ptr, umax_val, &dst_reg->umax_value)) {
			dst_reg->umin_value = 0;
			dst_reg->umax_value = UINT64_MAX;
		}
		dst_reg->var_off = tnum_add(ptr.var_off, off_reg->var_off);
		dst_reg->off = ptr.off;
		dst_reg->raw = ptr.raw;
		if (type_is_pkt_pointer(ptr.type)) {
			dst_reg->id = bpf_new_id(env);
			/* something was added to pkt_ptr: its checked range is gone */
			memset(&dst_reg->raw, 0, sizeof dst_reg->raw);
		}
		break;
	case BPF_SUB:
		if (dst_is_off) {
			verbose(env, "R%u tried to subtract pointer from scalar\n", dst);
			return -EACCES;
		}
		if (ptr.type == PTR_TO_STACK) {
			verbose(env, "R%u subtraction from stack pointer prohibited\n", dst);
			return -EACCES;
		}
		if (known && (ptr.off - smin_val == (s64)(s32)(ptr.off - smin_val))) {
			dst_reg->smin_value = smin_ptr;
			dst_reg->smax_value = smax_ptr;
			dst_reg->umin_value = umin_ptr;
			dst_reg->umax_value = umax_ptr;
			dst_reg->var_off = ptr.var_off;
			dst_reg->id = ptr.id;
			dst_reg->off = (s32)(ptr.off - smin_val);
			dst_reg->raw = ptr.raw;
			break;
		}
		if (__builtin_sub_overflow(smin_ptr, smax_val, &dst_reg->smin_value) ||
		    __builtin_sub_overflow(smax_ptr, smin_val, &dst_reg->smax_value)) {
			dst_reg->smin_value = INT64_MIN;
			dst_reg->smax_value = INT64_MAX;
		}
		if (umin_ptr < umax_val) {
			dst_reg->umin_value = 0;
			dst_reg->umax_value = UINT64_MAX;
		} else {
			dst_reg->umin_value = umin_ptr - umax_val;
			dst_reg->umax_value = umax_ptr - umin_val;
		}
		dst_reg->var_off = tnum_sub(ptr.var_off, off_reg->var_off);
		dst_reg->off = ptr.off;
		dst_reg->raw = ptr.raw;
		if (type_is_pkt_pointer(ptr.type)) {
			dst_reg->id = bpf_new_id(env);
			/* subtracting a known non-negative value keeps the range valid */
			if (smin_val < 0)
				memset(&dst_reg->raw, 0, sizeof dst_reg->raw);
		}
		break;
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		verbose(env, "R%u bitwise operator %s on pointer prohibited\n", dst,
		        bpf_alu_string[opcode >> 4]);
		return -EACCES;
	default:
		verbose(env, "R%u pointer arithmetic with %s operator prohibited\n", dst,
		        bpf_alu_string[opcode >> 4]);
		return -EACCES;
	}

	if (!check_reg_sane_offset(env, dst_reg, ptr.type))
		return -EINVAL;
	reg_bounds_sync(dst_reg);
	return 0;
}

static void __clear_pkt_pointer(struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	if (type_is_pkt_pointer(reg->type) || reg->type == PTR_TO_PACKET_END)
		__mark_reg_unknown(env, reg);
}

void clear_all_pkt_pointers(struct bpf_verifier_env *env)
{
	struct bpf_verifier_state *vstate = env->cur_state;
	for (u32 f = 0; f <= vstate->curframe; f++) {
		struct bpf_func_state *state = vstate->frame[f];
		for (int i = 0; i < MAX_BPF_REG; i++)
			__clear_pkt_pointer(env, &state->regs[i]);
		for (int i = 0; i < state->allocated_stack / BPF_REG_SIZE; i++)
			if (state->stack[i].slot_type[0] == STACK_SPILL)
				__clear_pkt_pointer(env, &state->stack[i].spilled_ptr);
	}
}
