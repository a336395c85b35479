/* bounds.c — keeping a scalar's five views consistent: the tnum and the signed/unsigned
 * 64- and 32-bit ranges (the kernel's reg_bounds_sync and friends).
 *
 * Each view constrains the others: known bits bound the ranges (__update_reg_bounds), a
 * range that cannot cross a sign boundary is the same range signed and unsigned, a 64-bit
 * range whose upper half is fixed bounds the low 32 bits and back (__reg_deduce_bounds),
 * and a range fixes leading bits of the tnum (__reg_bound_offset).
 */
#include "verifier/verifier.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static void __update_reg32_bounds(struct bpf_reg_state *reg)
{
	struct tnum var32_off = tnum_subreg(reg->var_off);
	/* min signed is max(sign bit) | min(other bits) */
	s32 smin = (s32)(var32_off.value | (var32_off.mask & 0x80000000u));
	/* max signed is min(sign bit) | max(other bits) */
	s32 smax = (s32)(var32_off.value | (var32_off.mask & 0x7fffffffu));
	reg->s32_min_value = MAX(reg->s32_min_value, smin);
	reg->s32_max_value = MIN(reg->s32_max_value, smax);
	reg->u32_min_value = MAX(reg->u32_min_value, (u32)var32_off.value);
	reg->u32_max_value = MIN(reg->u32_max_value, (u32)(var32_off.value | var32_off.mask));
}

static void __update_reg64_bounds(struct bpf_reg_state *reg)
{
	s64 smin = (s64)(reg->var_off.value | (reg->var_off.mask & (1ull << 63)));
	s64 smax = (s64)(reg->var_off.value | (reg->var_off.mask & ~(1ull << 63)));
	reg->smin_value = MAX(reg->smin_value, smin);
	reg->smax_value = MIN(reg->smax_value, smax);
	reg->umin_value = MAX(reg->umin_value, reg->var_off.value);
	reg->umax_value = MIN(reg->umax_value, reg->var_off.value | reg->var_off.mask);
}

void __update_reg_bounds(struct bpf_reg_state *reg)
{
	__update_reg32_bounds(reg);
	__update_reg64_bounds(reg);
}

static void __reg32_deduce_bounds(struct bpf_reg_state *reg)
{
	/* A 64-bit range whose upper 32 bits do not change is a range of its low halves. */
	if ((reg->umin_value >> 32) == (reg->umax_value >> 32)) {
		reg->u32_min_value = MAX(reg->u32_min_value, (u32)reg->umin_value);
		reg->u32_max_value = MIN(reg->u32_max_value, (u32)reg->umax_value);
		if ((s32)reg->umin_value <= (s32)reg->umax_value) {
			reg->s32_min_value = MAX(reg->s32_min_value, (s32)reg->umin_value);
			reg->s32_max_value = MIN(reg->s32_max_value, (s32)reg->umax_value);
		}
	}
	if ((reg->smin_value >> 32) == (reg->smax_value >> 32)) {
		if ((u32)reg->smin_value <= (u32)reg->smax_value) {
			reg->u32_min_value = MAX(reg->u32_min_value, (u32)reg->smin_value);
			reg->u32_max_value = MIN(reg->u32_max_value, (u32)reg->smax_value);
		}
		if ((s32)reg->smin_value <= (s32)reg->smax_value) {
			reg->s32_min_value = MAX(reg->s32_min_value, (s32)reg->smin_value);
			reg->s32_max_value = MIN(reg->s32_max_value, (s32)reg->smax_value);
		}
	}
	/* Upper halves that are two consecutive numbers, with the low halves going from
	 * negative to non-negative: still one s32 range (e.g. s64 [-1, 1]). */
	if ((u32)(reg->umin_value >> 32) + 1 == (u32)(reg->umax_value >> 32) &&
	    (s32)reg->umin_value < 0 && (s32)reg->umax_value >= 0) {
		reg->s32_min_value = MAX(reg->s32_min_value, (s32)reg->umin_value);
		reg->s32_max_value = MIN(reg->s32_max_value, (s32)reg->umax_value);
	}
	if ((u32)((u64)reg->smin_value >> 32) + 1 == (u32)((u64)reg->smax_value >> 32) &&
	    (s32)reg->smin_value < 0 && (s32)reg->smax_value >= 0) {
		reg->s32_min_value = MAX(reg->s32_min_value, (s32)reg->smin_value);
		reg->s32_max_value = MIN(reg->s32_max_value, (s32)reg->smax_value);
	}
	/* a u32 range that keeps its sign bit is an s32 range, and back */
	if ((s32)reg->u32_min_value <= (s32)reg->u32_max_value) {
		reg->s32_min_value = MAX(reg->s32_min_value, (s32)reg->u32_min_value);
		reg->s32_max_value = MIN(reg->s32_max_value, (s32)reg->u32_max_value);
	}
	if ((u32)reg->s32_min_value <= (u32)reg->s32_max_value) {
		reg->u32_min_value = MAX(reg->u32_min_value, (u32)reg->s32_min_value);
		reg->u32_max_value = MIN(reg->u32_max_value, (u32)reg->s32_max_value);
	}
}

static void __reg64_deduce_bounds(struct bpf_reg_state *reg)
{
	if ((s64)reg->umin_value <= (s64)reg->umax_value) {
		reg->smin_value = MAX(reg->smin_value, (s64)reg->umin_value);
		reg->smax_value = MIN(reg->smax_value, (s64)reg->umax_value);
	}
	if ((u64)reg->smin_value <= (u64)reg->smax_value) {
		reg->umin_value = MAX(reg->umin_value, (u64)reg->smin_value);
		reg->umax_value = MIN(reg->umax_value, (u64)reg->smax_value);
	} else {
		/* The s64 range wraps in u64 space ([smin, U64_MAX] and [0, smax]); a u64
		 * range overlapping only one of those parts narrows both. */
		if (reg->umax_value < (u64)reg->smin_value) {
			reg->smin_value = (s64)reg->umin_value;
			reg->umax_value = MIN(reg->umax_value, (u64)reg->smax_value);
		} else if ((u64)reg->smax_value < reg->umin_value) {
			reg->smax_value = (s64)reg->umax_value;
			reg->umin_value = MAX(reg->umin_value, (u64)reg->smin_value);
		}
	}
}

static void __reg_deduce_mixed_bounds(struct bpf_reg_state *reg)
{
	/* substitute the 32-bit bounds as the low halves of the 64-bit bounds */
	u64 new_umin = (reg->umin_value & ~0xffffffffull) | reg->u32_min_value;
	u64 new_umax = (reg->umax_value & ~0xffffffffull) | reg->u32_max_value;
	reg->umin_value = MAX(reg->umin_value, new_umin);
	reg->umax_value = MIN(reg->umax_value, new_umax);
	s64 new_smin = (s64)(((u64)reg->smin_value & ~0xffffffffull) | reg->u32_min_value);
	s64 new_smax = (s64)(((u64)reg->smax_value & ~0xffffffffull) | reg->u32_max_value);
	reg->smin_value = MAX(reg->smin_value, new_smin);
	reg->smax_value = MIN(reg->smax_value, new_smax);

	/* after a sign-extending load, a non-negative s32 range inside [S32_MIN, S32_MAX]
	 * is the whole 64-bit story */
	if (reg->s32_min_value >= 0 && reg->smin_value >= INT32_MIN &&
	    reg->smax_value <= INT32_MAX) {
		reg->smin_value = reg->s32_min_value;
		reg->smax_value = reg->s32_max_value;
		reg->umin_value = (u64)reg->s32_min_value;
		reg->umax_value = (u64)reg->s32_max_value;
		reg->var_off = tnum_intersect(
		        reg->var_off, tnum_range((u64)reg->smin_value, (u64)reg->smax_value));
	}
}

void __reg_deduce_bounds(struct bpf_reg_state *reg)
{
	__reg32_deduce_bounds(reg);
	__reg64_deduce_bounds(reg);
	__reg_deduce_mixed_bounds(reg);
}

void __reg_bound_offset(struct bpf_reg_state *reg)
{
	struct tnum var64_off =
	        tnum_intersect(reg->var_off, tnum_range(reg->umin_value, reg->umax_value));
	struct tnum var32_off = tnum_intersect(tnum_subreg(var64_off),
	                                       tnum_range(reg->u32_min_value, reg->u32_max_value));
	reg->var_off = tnum_or(tnum_clear_subreg(var64_off), var32_off);
}

void reg_bounds_sync(struct bpf_reg_state *reg)
{
	/* We might have learned new bounds from the var_off. */
	__update_reg_bounds(reg);
	/* We might have learned something about the sign bit. */
	__reg_deduce_bounds(reg);
	__reg_deduce_bounds(reg);
	/* We might have learned some bits from the bounds. */
	__reg_bound_offset(reg);
	/* Intersecting with the old var_off might have improved our bounds. */
	__update_reg_bounds(reg);
}

int reg_bounds_sanity_check(struct bpf_verifier_env *env, struct bpf_reg_state *reg,
                            const char *ctx)
{
	const char *msg;
	if (reg->umin_value > reg->umax_value || reg->smin_value > reg->smax_value ||
	    reg->u32_min_value > reg->u32_max_value || reg->s32_min_value > reg->s32_max_value) {
		msg = "range bounds violation";
		goto out;
	}
	if (tnum_is_const(reg->var_off)) {
		u64 uval = reg->var_off.value;
		s64 sval = (s64)uval;
		if (reg->umin_value != uval || reg->umax_value != uval || reg->smin_value != sval ||
		    reg->smax_value != sval) {
			msg = "const tnum out of sync with range bounds";
			goto out;
		}
	}
	if (tnum_subreg_is_const(reg->var_off)) {
		u32 uval32 = (u32)tnum_subreg(reg->var_off).value;
		s32 sval32 = (s32)uval32;
		if (reg->u32_min_value != uval32 || reg->u32_max_value != uval32 ||
		    reg->s32_min_value != sval32 || reg->s32_max_value != sval32) {
			msg = "const subreg tnum out of sync with range bounds";
			goto out;
		}
	}
	return 0;
out:
	verbose(env,
	        "REG INVARIANTS VIOLATION (%s): %s u64=[0x%llx, 0x%llx] s64=[0x%llx, 0x%llx] "
	        "u32=[0x%x, 0x%x] s32=[0x%x, 0x%x] var_off=(0x%llx, 0x%llx)\n",
	        ctx, msg, (unsigned long long)reg->umin_value, (unsigned long long)reg->umax_value,
	        (unsigned long long)reg->smin_value, (unsigned long long)reg->smax_value,
	        reg->u32_min_value, reg->u32_max_value, (u32)reg->s32_min_value,
	        (u32)reg->s32_max_value, (unsigned long long)reg->var_off.value,
	        (unsigned long long)reg->var_off.mask);
	if (env->test_reg_invariants)
		return -EFAULT;
	__mark_reg_unbounded(reg);
	return 0;
}

/* A 32-bit result zero-extends into the 64-bit register. */
void __reg_assign_32_into_64(struct bpf_reg_state *reg)
{
	reg->umin_value = reg->u32_min_value;
	reg->umax_value = reg->u32_max_value;
	/* The 32-bit signed bounds only carry over if non-negative (upper half is zero). */
	if (reg->s32_min_value >= 0 && reg->s32_max_value >= 0) {
		reg->smin_value = reg->s32_min_value;
		reg->smax_value = reg->s32_max_value;
	} else {
		reg->smin_value = 0;
		reg->smax_value = UINT32_MAX;
	}
}

void coerce_reg_to_size(struct bpf_reg_state *reg, int size)
{
	u64 mask;
	/* clear high bits in bit representation */
	reg->var_off = tnum_cast(reg->var_off, (u8)size);
	/* fix arithmetic bounds */
	mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	if ((reg->umin_value & ~mask) == (reg->umax_value & ~mask)) {
		reg->umin_value &= mask;
		reg->umax_value &= mask;
	} else {
		reg->umin_value = 0;
		reg->umax_value = mask;
	}
	reg->smin_value = (s64)reg->umin_value;
	reg->smax_value = (s64)reg->umax_value;
	/* If size is smaller than 32bit register the 32bit register values must also be
	 * truncated */
	if (size < 4) {
		__mark_reg32_unbounded(reg);
		reg_bounds_sync(reg);
	}
}

static void set_sext64_default_val(struct bpf_reg_state *reg, int size)
{
	if (size == 1) {
		reg->smin_value = reg->s32_min_value = INT8_MIN;
		reg->smax_value = reg->s32_max_value = INT8_MAX;
	} else if (size == 2) {
		reg->smin_value = reg->s32_min_value = INT16_MIN;
		reg->smax_value = reg->s32_max_value = INT16_MAX;
	} else {
		/* size == 4 */
		reg->smin_value = reg->s32_min_value = INT32_MIN;
		reg->smax_value = reg->s32_max_value = INT32_MAX;
	}
	reg->umin_value = reg->u32_min_value = 0;
	reg->umax_value = UINT64_MAX;
	reg->u32_max_value = UINT32_MAX;
	reg->var_off = tnum_unknown;
}

void coerce_reg_to_size_sx(struct bpf_reg_state *reg, int size)
{
	s64 init_s64_max, init_s64_min, s64_max, s64_min, u64_cval;
	u64 top_smax_value, top_smin_value;
	u64 num_bits = (u64)size * 8;

	if (tnum_is_const(reg->var_off)) {
		u64_cval = (s64)reg->var_off.value;
		if (size == 1)
			reg->var_off = tnum_const((u64)(s64)(s8)u64_cval);
		else if (size == 2)
			reg->var_off = tnum_const((u64)(s64)(s16)u64_cval);
		else
			/* size == 4 */
			reg->var_off = tnum_const((u64)(s64)(s32)u64_cval);

		u64_cval = (s64)reg->var_off.value;
		reg->smax_value = reg->smin_value = u64_cval;
		reg->umax_value = reg->umin_value = (u64)u64_cval;
		reg->s32_max_value = reg->s32_min_value = (s32)u64_cval;
		reg->u32_max_value = reg->u32_min_value = (u32)u64_cval;
		return;
	}

	top_smax_value = ((u64)reg->smax_value >> num_bits) << num_bits;
	top_smin_value = ((u64)reg->smin_value >> num_bits) << num_bits;

	if (top_smax_value != top_smin_value)
		goto out;

	/* find the s64_min and s64_min after sign extension */
	if (size == 1) {
		init_s64_max = (s8)reg->smax_value;
		init_s64_min = (s8)reg->smin_value;
	} else if (size == 2) {
		init_s64_max = (s16)reg->smax_value;
		init_s64_min = (s16)reg->smin_value;
	} else {
		init_s64_max = (s32)reg->smax_value;
		init_s64_min = (s32)reg->smin_value;
	}

	s64_max = MAX(init_s64_max, init_s64_min);
	s64_min = MIN(init_s64_max, init_s64_min);

	/* both of s64_max/s64_min positive or negative */
	if ((s64_max >= 0) == (s64_min >= 0)) {
		reg->s32_min_value = reg->smin_value = s64_min;
		reg->s32_max_value = reg->smax_value = s64_max;
		reg->u32_min_value = (u32)(reg->umin_value = (u64)s64_min);
		reg->u32_max_value = (u32)(reg->umax_value = (u64)s64_max);
		reg->var_off = tnum_range((u64)s64_min, (u64)s64_max);
		return;
	}

out:
	set_sext64_default_val(reg, size);
}

static void set_sext32_default_val(struct bpf_reg_state *reg, int size)
{
	if (size == 1) {
		reg->s32_min_value = INT8_MIN;
		reg->s32_max_value = INT8_MAX;
	} else {
		/* size == 2 */
		reg->s32_min_value = INT16_MIN;
		reg->s32_max_value = INT16_MAX;
	}
	reg->u32_min_value = 0;
	reg->u32_max_value = UINT32_MAX;
	reg->var_off = tnum_subreg(tnum_unknown);
}

void coerce_subreg_to_size_sx(struct bpf_reg_state *reg, int size)
{
	s32 init_s32_max, init_s32_min, s32_max, s32_min, u32_val;
	u32 top_smax_value, top_smin_value;
	u32 num_bits = (u32)size * 8;

	if (tnum_is_const(reg->var_off)) {
		u32_val = (s32)reg->var_off.value;
		if (size == 1)
			reg->var_off = tnum_const((u32)(s32)(s8)u32_val);
		else
			reg->var_off = tnum_const((u32)(s32)(s16)u32_val);

		u32_val = (s32)reg->var_off.value;
		reg->s32_min_value = reg->s32_max_value = u32_val;
		reg->u32_min_value = reg->u32_max_value = (u32)u32_val;
		return;
	}

	top_smax_value = ((u32)reg->s32_max_value >> num_bits) << num_bits;
	top_smin_value = ((u32)reg->s32_min_value >> num_bits) << num_bits;

	if (top_smax_value != top_smin_value)
		goto out;

	/* find the s32_min and s32_min after sign extension */
	if (size == 1) {
		init_s32_max = (s8)reg->s32_max_value;
		init_s32_min = (s8)reg->s32_min_value;
	} else {
		/* size == 2 */
		init_s32_max = (s16)reg->s32_max_value;
		init_s32_min = (s16)reg->s32_min_value;
	}
	s32_max = MAX(init_s32_max, init_s32_min);
	s32_min = MIN(init_s32_max, init_s32_min);

	if ((s32_min >= 0) == (s32_max >= 0)) {
		reg->s32_min_value = s32_min;
		reg->s32_max_value = s32_max;
		reg->u32_min_value = (u32)s32_min;
		reg->u32_max_value = (u32)s32_max;
		reg->var_off = tnum_subreg(tnum_range((u32)s32_min, (u32)s32_max));
		return;
	}

out:
	set_sext32_default_val(reg, size);
}
