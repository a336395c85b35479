/* reg.c — building register states: known constants, unknown scalars, uninitialised
 * registers, copies, and the small predicates every part of the verifier asks.
 */
#include <string.h>

#include "verifier/verifier.h"

static void ___mark_reg_known(struct bpf_reg_state *reg, u64 imm)
{
	reg->var_off = tnum_const(imm);
	reg->smin_value = (s64)imm;
	reg->smax_value = (s64)imm;
	reg->umin_value = imm;
	reg->umax_value = imm;
	reg->s32_min_value = (s32)imm;
	reg->s32_max_value = (s32)imm;
	reg->u32_min_value = (u32)imm;
	reg->u32_max_value = (u32)imm;
}

/* The register holds imm; its type (scalar or a pointer with a fixed offset) stays. */
void __mark_reg_known(struct bpf_reg_state *reg, u64 imm)
{
	/* clear off and the type-specific union */
	memset((u8 *)reg + offsetof(struct bpf_reg_state, off), 0,
	       offsetof(struct bpf_reg_state, var_off) - offsetof(struct bpf_reg_state, off));
	reg->id = 0;
	reg->ref_obj_id = 0;
	___mark_reg_known(reg, imm);
}

void __mark_reg32_known(struct bpf_reg_state *reg, u64 imm)
{
	reg->var_off = tnum_const_subreg(reg->var_off, (u32)imm);
	reg->s32_min_value = (s32)imm;
	reg->s32_max_value = (s32)imm;
	reg->u32_min_value = (u32)imm;
	reg->u32_max_value = (u32)imm;
}

void __mark_reg_known_zero(struct bpf_reg_state *reg)
{
	__mark_reg_known(reg, 0);
}

void __mark_reg_const_zero(const struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	__mark_reg_known(reg, 0);
	reg->type = SCALAR_VALUE;
	/* unprivileged programs get every scalar precise (no pruning on values) */
	reg->precise = !env->bpf_capable;
}

void mark_reg_known_zero(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno)
{
	if (regno >= MAX_BPF_REG) {
		verbose(env, "mark_reg_known_zero(regs, %u)\n", regno);
		for (regno = 0; regno < MAX_BPF_REG; regno++)
			__mark_reg_not_init(env, regs + regno);
		return;
	}
	__mark_reg_known_zero(regs + regno);
}

void __mark_reg_unbounded(struct bpf_reg_state *reg)
{
	__mark_reg64_unbounded(reg);
	__mark_reg32_unbounded(reg);
}

void __mark_reg64_unbounded(struct bpf_reg_state *reg)
{
	reg->smin_value = INT64_MIN;
	reg->smax_value = INT64_MAX;
	reg->umin_value = 0;
	reg->umax_value = UINT64_MAX;
}

void __mark_reg32_unbounded(struct bpf_reg_state *reg)
{
	reg->s32_min_value = INT32_MIN;
	reg->s32_max_value = INT32_MAX;
	reg->u32_min_value = 0;
	reg->u32_max_value = UINT32_MAX;
}

void __mark_reg_unknown_imprecise(struct bpf_reg_state *reg)
{
	/* clear type, off and the union */
	memset(reg, 0, offsetof(struct bpf_reg_state, var_off));
	reg->type = SCALAR_VALUE;
	reg->id = 0;
	reg->ref_obj_id = 0;
	reg->var_off = tnum_unknown;
	reg->frameno = 0;
	reg->precise = false;
	__mark_reg_unbounded(reg);
}

void __mark_reg_unknown(const struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	__mark_reg_unknown_imprecise(reg);
	reg->precise = !env->bpf_capable;
}

void mark_reg_unknown(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno)
{
	if (regno >= MAX_BPF_REG) {
		verbose(env, "mark_reg_unknown(regs, %u)\n", regno);
		for (regno = 0; regno < BPF_REG_FP; regno++)
			__mark_reg_not_init(env, regs + regno);
		return;
	}
	__mark_reg_unknown(env, regs + regno);
}

int __mark_reg_s32_range(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno,
                         s32 s32_min, s32 s32_max)
{
	struct bpf_reg_state *reg = regs + regno;
	if (reg->s32_min_value < s32_min)
		reg->s32_min_value = s32_min;
	if (reg->s32_max_value > s32_max)
		reg->s32_max_value = s32_max;
	if (reg->smin_value < s32_min)
		reg->smin_value = s32_min;
	if (reg->smax_value > s32_max)
		reg->smax_value = s32_max;
	reg_bounds_sync(reg);
	return reg_bounds_sanity_check(env, reg, "s32_range");
}

void __mark_reg_not_init(const struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	__mark_reg_unknown(env, reg);
	reg->type = NOT_INIT;
}

void mark_reg_not_init(struct bpf_verifier_env *env, struct bpf_reg_state *regs, u32 regno)
{
	if (regno >= MAX_BPF_REG) {
		verbose(env, "mark_reg_not_init(regs, %u)\n", regno);
		for (regno = 0; regno < BPF_REG_FP; regno++)
			__mark_reg_not_init(env, regs + regno);
		return;
	}
	__mark_reg_not_init(env, regs + regno);
}

void copy_register_state(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct bpf_reg_state *parent = dst->parent;
	enum bpf_reg_liveness live = dst->live;
	*dst = *src;
	dst->parent = parent;
	dst->live = live;
}

bool register_is_null(const struct bpf_reg_state *reg)
{
	return reg->type == SCALAR_VALUE && tnum_equals_const(reg->var_off, 0);
}

bool register_is_const(const struct bpf_reg_state *reg)
{
	return reg->type == SCALAR_VALUE && tnum_is_const(reg->var_off);
}

bool is_reg_const(const struct bpf_reg_state *reg, bool subreg32)
{
	return reg->type == SCALAR_VALUE &&
	       tnum_is_const(subreg32 ? tnum_subreg(reg->var_off) : reg->var_off);
}

u64 reg_const_value(const struct bpf_reg_state *reg, bool subreg32)
{
	return subreg32 ? tnum_subreg(reg->var_off).value : reg->var_off.value;
}

bool __is_pointer_value(bool allow_ptr_leaks, const struct bpf_reg_state *reg)
{
	if (allow_ptr_leaks)
		return false;
	return reg->type != SCALAR_VALUE;
}

bool is_pointer_value(struct bpf_verifier_env *env, int regno)
{
	return __is_pointer_value(env->allow_ptr_leaks, &cur_regs(env)[regno]);
}

bool is_spillable_regtype(enum bpf_reg_type type)
{
	switch (base_type(type)) {
	case PTR_TO_MAP_VALUE:
	case PTR_TO_STACK:
	case PTR_TO_CTX:
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
	case PTR_TO_PACKET_END:
	case PTR_TO_FLOW_KEYS:
	case CONST_PTR_TO_MAP:
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
	case PTR_TO_XDP_SOCK:
	case PTR_TO_BTF_ID:
	case PTR_TO_BUF:
	case PTR_TO_MEM:
	case PTR_TO_FUNC:
	case PTR_TO_MAP_KEY:
	case PTR_TO_ARENA:
		return true;
	default:
		return false;
	}
}

bool type_is_sk_pointer(enum bpf_reg_type type)
{
	return type == PTR_TO_SOCKET || type == PTR_TO_SOCK_COMMON || type == PTR_TO_TCP_SOCK ||
	       type == PTR_TO_XDP_SOCK;
}

bool reg_not_null(const struct bpf_reg_state *reg)
{
	u32 type = reg->type;
	if (type_may_be_null(type))
		return false;
	type = base_type(type);
	return type == PTR_TO_SOCKET || type == PTR_TO_TCP_SOCK || type == PTR_TO_MAP_VALUE ||
	       type == PTR_TO_MAP_KEY || type == PTR_TO_SOCK_COMMON ||
	       (type == PTR_TO_BTF_ID && (reg->type & PTR_TRUSTED)) ||
	       (type == PTR_TO_MEM && !(reg->type & PTR_UNTRUSTED)) || type == CONST_PTR_TO_MAP;
}

u32 bpf_new_id(struct bpf_verifier_env *env)
{
	return ++env->id_gen;
}
