/* alu.c — ALU and ALU64 instructions on scalars (check_alu_op, adjust_scalar_min_max_vals).
 *
 * Every operation updates the tnum and the four ranges of the destination so that they
 * contain every concrete result (tests/unit/test_verifier_alu.c checks this by brute
 * force). The rules are the kernel's, including where it gives up (division, bswap, shifts
 * by unknown amounts: an unknown scalar). Pointer arithmetic is in alu_ptr.c.
 *
 * The kernel writes add, sub and mul twice (scalar32_min_max_* on the subregister,
 * scalar_min_max_* on the register); here the interval arithmetic is written once
 * (half_add/sub/mul on struct half_bounds) and applied to both halves. The bitwise ops and
 * shifts stay in pairs: their 32-bit forms differ for real (tnum_subreg, zero extension,
 * which bounds are recomputed from the tnum).
 */
#include "verifier/verifier.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

const char *const bpf_alu_string[16] = {
        [BPF_ADD >> 4] = "+=",    [BPF_SUB >> 4] = "-=",     [BPF_MUL >> 4] = "*=",
        [BPF_DIV >> 4] = "/=",    [BPF_OR >> 4] = "|=",      [BPF_AND >> 4] = "&=",
        [BPF_LSH >> 4] = "<<=",   [BPF_RSH >> 4] = ">>=",    [BPF_NEG >> 4] = "neg",
        [BPF_MOD >> 4] = "%=",    [BPF_XOR >> 4] = "^=",     [BPF_MOV >> 4] = "=",
        [BPF_ARSH >> 4] = "s>>=", [BPF_END >> 4] = "endian",
};

static void zext_32_to_64(struct bpf_reg_state *reg)
{
	reg->var_off = tnum_subreg(reg->var_off);
	__reg_assign_32_into_64(reg);
}

/* The bounds of one half of a register — the 32-bit subregister or the whole 64 bits — as
 * one interval pair. The kernel's scalar32_min_max_{add,sub,mul} and scalar_min_max_* are
 * the same interval arithmetic at two widths; here it is written once on values widened to
 * 64 bits, where "overflow" means the exact result leaves the width's range. (A 32-bit sum,
 * difference or product of widened values is exact in 64 bits, and storing it back
 * truncates as 32-bit arithmetic would wrap.) */
struct half_bounds {
	s64 smin, smax;
	u64 umin, umax;
	int bits; /* 32 or 64 */
};

static struct half_bounds half_bounds(const struct bpf_reg_state *r, int bits)
{
	if (bits == 32)
		return (struct half_bounds){r->s32_min_value, r->s32_max_value, r->u32_min_value,
		                            r->u32_max_value, 32};
	return (struct half_bounds){r->smin_value, r->smax_value, r->umin_value, r->umax_value, 64};
}

static void set_half_bounds(struct bpf_reg_state *r, const struct half_bounds *b)
{
	if (b->bits == 32) {
		r->s32_min_value = (s32)b->smin;
		r->s32_max_value = (s32)b->smax;
		r->u32_min_value = (u32)b->umin;
		r->u32_max_value = (u32)b->umax;
	} else {
		r->smin_value = b->smin;
		r->smax_value = b->smax;
		r->umin_value = b->umin;
		r->umax_value = b->umax;
	}
}

static s64 width_smin(int bits)
{
	return bits == 32 ? INT32_MIN : INT64_MIN;
}

static s64 width_smax(int bits)
{
	return bits == 32 ? INT32_MAX : INT64_MAX;
}

static u64 width_umax(int bits)
{
	return bits == 32 ? UINT32_MAX : UINT64_MAX;
}

static bool s_fits(s64 v, int bits)
{
	return v >= width_smin(bits) && v <= width_smax(bits);
}

static bool u_fits(u64 v, int bits)
{
	return v <= width_umax(bits);
}

/* a op b at the width: the result in *r, true when the exact result leaves the width's
 * range (the builtins catch it at 64 bits; at 32 bits the widened result is exact). */
static bool s_add(s64 a, s64 b, int bits, s64 *r)
{
	return __builtin_add_overflow(a, b, r) || !s_fits(*r, bits);
}

static bool s_sub(s64 a, s64 b, int bits, s64 *r)
{
	return __builtin_sub_overflow(a, b, r) || !s_fits(*r, bits);
}

static bool s_mul(s64 a, s64 b, int bits, s64 *r)
{
	return __builtin_mul_overflow(a, b, r) || !s_fits(*r, bits);
}

static bool u_add(u64 a, u64 b, int bits, u64 *r)
{
	return __builtin_add_overflow(a, b, r) || !u_fits(*r, bits);
}

static bool u_sub(u64 a, u64 b, int bits, u64 *r)
{
	return __builtin_sub_overflow(a, b, r) || !u_fits(*r, bits);
}

static bool u_mul(u64 a, u64 b, int bits, u64 *r)
{
	return __builtin_mul_overflow(a, b, r) || !u_fits(*r, bits);
}

static void set_s_unbounded(struct half_bounds *b)
{
	b->smin = width_smin(b->bits);
	b->smax = width_smax(b->bits);
}

static void set_u_unbounded(struct half_bounds *b)
{
	b->umin = 0;
	b->umax = width_umax(b->bits);
}

static void half_add(struct half_bounds *d, const struct half_bounds *s)
{
	s64 smin, smax;
	u64 umin, umax;
	int w = d->bits;
	bool s_ovf = s_add(d->smin, s->smin, w, &smin);
	s_ovf |= s_add(d->smax, s->smax, w, &smax); /* both run: they write the bounds */
	/* all additions overflow, or none: then the bounds move together (wrapped) */
	bool min_ovf = u_add(d->umin, s->umin, w, &umin);
	bool max_ovf = u_add(d->umax, s->umax, w, &umax);
	d->smin = smin, d->smax = smax, d->umin = umin, d->umax = umax;
	if (s_ovf)
		set_s_unbounded(d);
	if (!min_ovf && max_ovf)
		set_u_unbounded(d);
}

static void half_sub(struct half_bounds *d, const struct half_bounds *s)
{
	s64 smin, smax;
	u64 umin, umax;
	int w = d->bits;
	bool s_ovf = s_sub(d->smin, s->smax, w, &smin);
	s_ovf |= s_sub(d->smax, s->smin, w, &smax);
	bool min_underflow = u_sub(d->umin, s->umax, w, &umin);
	bool max_underflow = u_sub(d->umax, s->umin, w, &umax);
	d->smin = smin, d->smax = smax, d->umin = umin, d->umax = umax;
	if (s_ovf)
		set_s_unbounded(d);
	if (min_underflow && !max_underflow)
		set_u_unbounded(d);
}

static void half_mul(struct half_bounds *d, const struct half_bounds *s)
{
	u64 umin, umax;
	s64 p[4];
	int w = d->bits;
	bool u_ovf = u_mul(d->umax, s->umax, w, &umax);
	u_ovf |= u_mul(d->umin, s->umin, w, &umin);
	if (u_ovf) {
		umin = 0;
		umax = width_umax(w);
	}
	bool s_ovf = s_mul(d->smin, s->smin, w, &p[0]);
	s_ovf |= s_mul(d->smin, s->smax, w, &p[1]);
	s_ovf |= s_mul(d->smax, s->smin, w, &p[2]);
	s_ovf |= s_mul(d->smax, s->smax, w, &p[3]);
	d->umin = umin;
	d->umax = umax;
	if (s_ovf) {
		set_s_unbounded(d);
	} else {
		d->smin = MIN(MIN(p[0], p[1]), MIN(p[2], p[3]));
		d->smax = MAX(MAX(p[0], p[1]), MAX(p[2], p[3]));
	}
}

/* dst op= src on both halves (each half's bounds from that half's bounds only). */
static void scalar_min_max_arith(struct bpf_reg_state *dst, const struct bpf_reg_state *src,
                                 void (*op)(struct half_bounds *, const struct half_bounds *))
{
	for (int bits = 32; bits <= 64; bits += 32) {
		struct half_bounds d = half_bounds(dst, bits), s = half_bounds(src, bits);
		op(&d, &s);
		set_half_bounds(dst, &d);
	}
}

/* After a bitwise op the u32 range is known; it is an s32 range if it keeps its sign. */
static void s32_from_u32(struct bpf_reg_state *dst)
{
	if ((s32)dst->u32_min_value <= (s32)dst->u32_max_value) {
		dst->s32_min_value = (s32)dst->u32_min_value;
		dst->s32_max_value = (s32)dst->u32_max_value;
	} else {
		dst->s32_min_value = INT32_MIN;
		dst->s32_max_value = INT32_MAX;
	}
}

static void s64_from_u64(struct bpf_reg_state *dst)
{
	if ((s64)dst->umin_value <= (s64)dst->umax_value) {
		dst->smin_value = (s64)dst->umin_value;
		dst->smax_value = (s64)dst->umax_value;
	} else {
		dst->smin_value = INT64_MIN;
		dst->smax_value = INT64_MAX;
	}
}

static void scalar32_min_max_and(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct tnum var32_off = tnum_subreg(dst->var_off);
	if (tnum_subreg_is_const(src->var_off) && tnum_subreg_is_const(dst->var_off)) {
		__mark_reg32_known(dst, var32_off.value);
		return;
	}
	/* the minimum from the known bits, the maximum the smaller of the maxima */
	dst->u32_min_value = (u32)var32_off.value;
	dst->u32_max_value = MIN(dst->u32_max_value, src->u32_max_value);
	s32_from_u32(dst);
}

static void scalar_min_max_and(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	if (tnum_is_const(src->var_off) && tnum_is_const(dst->var_off)) {
		__mark_reg_known(dst, dst->var_off.value);
		return;
	}
	dst->umin_value = dst->var_off.value;
	dst->umax_value = MIN(dst->umax_value, src->umax_value);
	s64_from_u64(dst);
	__update_reg_bounds(dst);
}

static void scalar32_min_max_or(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct tnum var32_off = tnum_subreg(dst->var_off);
	if (tnum_subreg_is_const(src->var_off) && tnum_subreg_is_const(dst->var_off)) {
		__mark_reg32_known(dst, var32_off.value);
		return;
	}
	/* the maximum from the known bits, the minimum the larger of the minima */
	dst->u32_min_value = MAX(dst->u32_min_value, src->u32_min_value);
	dst->u32_max_value = (u32)(var32_off.value | var32_off.mask);
	s32_from_u32(dst);
}

static void scalar_min_max_or(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	if (tnum_is_const(src->var_off) && tnum_is_const(dst->var_off)) {
		__mark_reg_known(dst, dst->var_off.value);
		return;
	}
	dst->umin_value = MAX(dst->umin_value, src->umin_value);
	dst->umax_value = dst->var_off.value | dst->var_off.mask;
	s64_from_u64(dst);
	__update_reg_bounds(dst);
}

static void scalar32_min_max_xor(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct tnum var32_off = tnum_subreg(dst->var_off);
	if (tnum_subreg_is_const(src->var_off) && tnum_subreg_is_const(dst->var_off)) {
		__mark_reg32_known(dst, var32_off.value);
		return;
	}
	dst->u32_min_value = (u32)var32_off.value;
	dst->u32_max_value = (u32)(var32_off.value | var32_off.mask);
	s32_from_u32(dst);
}

static void scalar_min_max_xor(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	if (tnum_is_const(src->var_off) && tnum_is_const(dst->var_off)) {
		__mark_reg_known(dst, dst->var_off.value);
		return;
	}
	dst->umin_value = dst->var_off.value;
	dst->umax_value = dst->var_off.value | dst->var_off.mask;
	s64_from_u64(dst);
	__update_reg_bounds(dst);
}

static void __scalar32_min_max_lsh(struct bpf_reg_state *dst, u64 umin_val, u64 umax_val)
{
	/* sign information is lost, except what the tnum keeps */
	dst->s32_min_value = INT32_MIN;
	dst->s32_max_value = INT32_MAX;
	/* if the top bit may be shifted out, nothing is known */
	if (umax_val > 31 || dst->u32_max_value > 1ull << (31 - umax_val)) {
		dst->u32_min_value = 0;
		dst->u32_max_value = UINT32_MAX;
	} else {
		dst->u32_min_value <<= umin_val;
		dst->u32_max_value <<= umax_val;
	}
}

static void scalar32_min_max_lsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct tnum subreg = tnum_subreg(dst->var_off);
	__scalar32_min_max_lsh(dst, src->u32_min_value, src->u32_max_value);
	dst->var_off = tnum_subreg(tnum_lshift(subreg, (u8)src->u32_min_value));
	__mark_reg64_unbounded(dst);
	__update_reg_bounds(dst); /* only the 32-bit part matters: zext follows */
}

static void __scalar64_min_max_lsh(struct bpf_reg_state *dst, u64 umin_val, u64 umax_val)
{
	/* <<32 of a non-negative subreg is the common "sign extend" idiom: keep it */
	if (umin_val == 32 && umax_val == 32 && dst->s32_max_value >= 0)
		dst->smax_value = (s64)dst->s32_max_value << 32;
	else
		dst->smax_value = INT64_MAX;
	if (umin_val == 32 && umax_val == 32 && dst->s32_min_value >= 0)
		dst->smin_value = (s64)dst->s32_min_value << 32;
	else
		dst->smin_value = INT64_MIN;
	if (dst->umax_value > 1ull << (63 - umax_val)) {
		dst->umin_value = 0;
		dst->umax_value = UINT64_MAX;
	} else {
		dst->umin_value <<= umin_val;
		dst->umax_value <<= umax_val;
	}
}

static void scalar_min_max_lsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	/* the 64-bit calculation uses the unshifted 32-bit bounds: first */
	__scalar64_min_max_lsh(dst, src->umin_value, src->umax_value);
	__scalar32_min_max_lsh(dst, src->umin_value, src->umax_value);
	dst->var_off = tnum_lshift(dst->var_off, (u8)src->umin_value);
	__update_reg_bounds(dst);
}

static void scalar32_min_max_rsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	struct tnum subreg = tnum_subreg(dst->var_off);
	/* an unsigned shift: signed bounds are re-derived from the unsigned ones */
	dst->s32_min_value = INT32_MIN;
	dst->s32_max_value = INT32_MAX;
	dst->var_off = tnum_rshift(subreg, (u8)src->u32_min_value);
	dst->u32_min_value >>= src->u32_max_value;
	dst->u32_max_value >>= src->u32_min_value;
	__mark_reg64_unbounded(dst);
	__update_reg_bounds(dst);
}

static void scalar_min_max_rsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	dst->smin_value = INT64_MIN;
	dst->smax_value = INT64_MAX;
	dst->var_off = tnum_rshift(dst->var_off, (u8)src->umin_value);
	dst->umin_value >>= src->umax_value;
	dst->umax_value >>= src->umin_value;
	/* bits come down from the upper half: recompute the 32-bit bounds from the tnum */
	__mark_reg32_unbounded(dst);
	__update_reg_bounds(dst);
}

static void scalar32_min_max_arsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	u64 umin_val = src->u32_min_value; /* the shift is a known constant here */
	dst->s32_min_value = (s32)(u32)(dst->s32_min_value >> umin_val);
	dst->s32_max_value = (s32)(u32)(dst->s32_max_value >> umin_val);
	dst->var_off = tnum_arshift(tnum_subreg(dst->var_off), (u8)umin_val, 32);
	dst->u32_min_value = 0;
	dst->u32_max_value = UINT32_MAX;
	__mark_reg64_unbounded(dst);
	__update_reg_bounds(dst);
}

static void scalar_min_max_arsh(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	u64 umin_val = src->umin_value;
	dst->smin_value >>= umin_val;
	dst->smax_value >>= umin_val;
	dst->var_off = tnum_arshift(dst->var_off, (u8)umin_val, 64);
	dst->umin_value = 0;
	dst->umax_value = UINT64_MAX;
	__mark_reg32_unbounded(dst);
	__update_reg_bounds(dst);
}

void scalar_min_max_add_nosync(struct bpf_reg_state *dst, const struct bpf_reg_state *src)
{
	scalar_min_max_arith(dst, src, half_add);
	dst->var_off = tnum_add(dst->var_off, src->var_off);
}

/* BPF_END: a swap moves the known bits (bounds come back from the tnum); to_le on this
 * little-endian host only truncates */
static void scalar_byte_swap(struct bpf_reg_state *dst, const struct bpf_insn *insn)
{
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool to_le = BPF_SRC(insn->code) == BPF_TO_LE;
	bool need_bswap = alu64 || !to_le;
	if (need_bswap || insn->imm == 16 || insn->imm == 32)
		dst->id = 0; /* the value changed: no longer linked */
	if (need_bswap) {
		if (insn->imm == 16)
			dst->var_off = tnum_bswap16(dst->var_off);
		else if (insn->imm == 32)
			dst->var_off = tnum_bswap32(dst->var_off);
		else
			dst->var_off = tnum_bswap64(dst->var_off);
		__mark_reg_unbounded(dst);
	}
	if (insn->imm == 16 || insn->imm == 32)
		coerce_reg_to_size(dst, insn->imm / 8);
}

/* Can the result's range be computed at all (is_safe_to_compute_dst_reg_range)? */
static bool is_safe_to_compute_dst_reg_range(const struct bpf_insn *insn,
                                             const struct bpf_reg_state *src)
{
	bool src_is_const = false;
	u64 insn_bitness = BPF_CLASS(insn->code) == BPF_ALU64 ? 64 : 32;
	if (insn_bitness == 32) {
		if (tnum_subreg_is_const(src->var_off) &&
		    src->s32_min_value == src->s32_max_value &&
		    src->u32_min_value == src->u32_max_value)
			src_is_const = true;
	} else {
		if (tnum_is_const(src->var_off) && src->smin_value == src->smax_value &&
		    src->umin_value == src->umax_value)
			src_is_const = true;
	}
	switch (BPF_OP(insn->code)) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_NEG:
	case BPF_AND:
	case BPF_XOR:
	case BPF_OR:
	case BPF_MUL:
	case BPF_END:
		return true;
	/* shifts are computable by a known amount below the width */
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		return src_is_const && src->umax_value < insn_bitness;
	default:
		return false;
	}
}

int adjust_scalar_min_max_vals(struct bpf_verifier_env *env, struct bpf_insn *insn,
                               struct bpf_reg_state *dst_reg, struct bpf_reg_state src_reg)
{
	/* a 32-bit op zero-extends; a byte swap sets all the bits it defines itself */
	bool alu32 = BPF_CLASS(insn->code) != BPF_ALU64 && BPF_OP(insn->code) != BPF_END;
	if (!is_safe_to_compute_dst_reg_range(insn, &src_reg)) {
		__mark_reg_unknown(env, dst_reg);
		return 0;
	}
	switch (BPF_OP(insn->code)) {
	case BPF_ADD:
		scalar_min_max_arith(dst_reg, &src_reg, half_add);
		dst_reg->var_off = tnum_add(dst_reg->var_off, src_reg.var_off);
		break;
	case BPF_SUB:
		scalar_min_max_arith(dst_reg, &src_reg, half_sub);
		dst_reg->var_off = tnum_sub(dst_reg->var_off, src_reg.var_off);
		break;
	case BPF_NEG: {
		/* 0 - dst */
		struct bpf_reg_state old = *dst_reg;
		__mark_reg_known(dst_reg, 0);
		scalar_min_max_arith(dst_reg, &old, half_sub);
		dst_reg->var_off = tnum_neg(old.var_off);
		break;
	}
	case BPF_MUL:
		dst_reg->var_off = tnum_mul(dst_reg->var_off, src_reg.var_off);
		scalar_min_max_arith(dst_reg, &src_reg, half_mul);
		break;
	case BPF_AND:
		dst_reg->var_off = tnum_and(dst_reg->var_off, src_reg.var_off);
		scalar32_min_max_and(dst_reg, &src_reg);
		scalar_min_max_and(dst_reg, &src_reg);
		break;
	case BPF_OR:
		dst_reg->var_off = tnum_or(dst_reg->var_off, src_reg.var_off);
		scalar32_min_max_or(dst_reg, &src_reg);
		scalar_min_max_or(dst_reg, &src_reg);
		break;
	case BPF_XOR:
		dst_reg->var_off = tnum_xor(dst_reg->var_off, src_reg.var_off);
		scalar32_min_max_xor(dst_reg, &src_reg);
		scalar_min_max_xor(dst_reg, &src_reg);
		break;
	case BPF_LSH:
		if (alu32)
			scalar32_min_max_lsh(dst_reg, &src_reg);
		else
			scalar_min_max_lsh(dst_reg, &src_reg);
		break;
	case BPF_RSH:
		if (alu32)
			scalar32_min_max_rsh(dst_reg, &src_reg);
		else
			scalar_min_max_rsh(dst_reg, &src_reg);
		break;
	case BPF_ARSH:
		if (alu32)
			scalar32_min_max_arsh(dst_reg, &src_reg);
		else
			scalar_min_max_arsh(dst_reg, &src_reg);
		break;
	case BPF_END:
		scalar_byte_swap(dst_reg, insn);
		break;
	default:
		break;
	}
	/* ALU32 ops are zero extended into the 64-bit register */
	if (alu32)
		zext_32_to_64(dst_reg);
	reg_bounds_sync(dst_reg);
	return 0;
}

/* r1 = r2 with a scalar: both get one id so that what a branch learns about one applies
 * to the other (sync_linked_regs). */
static void assign_scalar_id_before_mov(struct bpf_verifier_env *env, struct bpf_reg_state *src)
{
	if (src->type != SCALAR_VALUE)
		return;
	if (src->id & BPF_ADD_CONST) {
		/* rX = rY where rY = rZ + K: only one constant delta can be tracked */
		src->id = 0;
		src->off = 0;
	}
	if (!src->id && !tnum_is_const(src->var_off))
		src->id = bpf_new_id(env);
}

/* The number of low bits a scalar may have set. */
static int get_reg_width(const struct bpf_reg_state *reg)
{
	return reg->umax_value ? 64 - __builtin_clzll(reg->umax_value) : 0;
}

static int adjust_reg_min_max_vals(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	struct bpf_reg_state *dst_reg = &regs[insn->dst_reg], *src_reg, off_reg = {0};
	struct bpf_reg_state *ptr_reg = NULL;
	bool alu32 = BPF_CLASS(insn->code) != BPF_ALU64;
	u8 opcode = BPF_OP(insn->code);
	int err;

	if (dst_reg->type == PTR_TO_ARENA)
		return 0; /* any arithmetic is allowed on arena pointers */
	if (dst_reg->type != SCALAR_VALUE)
		ptr_reg = dst_reg;
	if (BPF_SRC(insn->code) == BPF_X) {
		src_reg = &regs[insn->src_reg];
		if (src_reg->type != SCALAR_VALUE) {
			if (dst_reg->type != SCALAR_VALUE) {
				/* two pointers combine only into a difference */
				if (opcode == BPF_SUB && env->allow_ptr_leaks) {
					mark_reg_unknown(env, regs, insn->dst_reg);
					return 0;
				}
				verbose(env, "R%d pointer %s pointer prohibited\n", insn->dst_reg,
				        bpf_alu_string[opcode >> 4]);
				return -EACCES;
			}
			/* scalar += pointer: the roles swap */
			if ((err = mark_chain_precision(env, insn->dst_reg)))
				return err;
			return adjust_ptr_min_max_vals(env, insn, src_reg, dst_reg);
		} else if (ptr_reg) {
			if ((err = mark_chain_precision(env, insn->src_reg)))
				return err;
			return adjust_ptr_min_max_vals(env, insn, dst_reg, src_reg);
		} else if (dst_reg->precise) {
			/* a precise result needs a precise operand */
			if ((err = mark_chain_precision(env, insn->src_reg)))
				return err;
		}
	} else {
		off_reg.type = SCALAR_VALUE;
		__mark_reg_known(&off_reg, (u64)(s64)insn->imm);
		src_reg = &off_reg;
		if (ptr_reg) /* pointer += K */
			return adjust_ptr_min_max_vals(env, insn, ptr_reg, src_reg);
	}

	if ((err = adjust_scalar_min_max_vals(env, insn, dst_reg, *src_reg)))
		return err;
	/* r1 = r2; r1 += K: r1 stays linked to r2 with a known delta, so a later bound on
	 * r2 bounds r1 too (BPF_ADD_CONST, in 64 or 32 bits) */
	if (env->bpf_capable && (opcode == BPF_ADD || opcode == BPF_SUB) && dst_reg->id &&
	    is_reg_const(src_reg, alu32)) {
		u64 val = reg_const_value(src_reg, alu32);
		s32 off;
		if (!alu32 && ((s64)val < INT32_MIN || (s64)val > INT32_MAX))
			goto clear_id;
		if (alu32 && (dst_reg->id & BPF_ADD_CONST64))
			goto clear_id;
		off = (s32)val;
		if (opcode == BPF_SUB) {
			if (off == INT32_MIN)
				goto clear_id; /* its negation overflows */
			off = -off;
		}
		if (dst_reg->id & BPF_ADD_CONST)
			goto clear_id; /* one delta only */
		dst_reg->id |= alu32 ? BPF_ADD_CONST32 : BPF_ADD_CONST64;
		dst_reg->off = off;
		return 0;
	}
clear_id:
	/* not linked any more: sync_linked_regs must not copy into it */
	dst_reg->off = 0;
	dst_reg->id = 0;
	return 0;
}

static int check_alu_mov(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if (BPF_SRC(insn->code) == BPF_X) {
		if (BPF_CLASS(insn->code) == BPF_ALU) {
			if ((insn->off != 0 && insn->off != 8 && insn->off != 16) || insn->imm) {
				verbose(env, "BPF_MOV uses reserved fields\n");
				return -EINVAL;
			}
		} else if (insn->off == BPF_ADDR_SPACE_CAST) {
			if (insn->imm != 1 && insn->imm != 1 << 16) {
				verbose(env,
				        "addr_space_cast insn can only convert between address "
				        "space 1 and 0\n");
				return -EINVAL;
			}
			verbose(env, "addr_space_cast insn can only be used in a program that has "
			             "an associated arena\n");
			return -EINVAL;
		} else if ((insn->off != 0 && insn->off != 8 && insn->off != 16 &&
		            insn->off != 32) ||
		           insn->imm) {
			verbose(env, "BPF_MOV uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
			return err;
	} else if (insn->src_reg != BPF_REG_0 || insn->off != 0) {
		verbose(env, "BPF_MOV uses reserved fields\n");
		return -EINVAL;
	}
	if ((err = check_reg_arg(env, insn->dst_reg, DST_OP_NO_MARK)))
		return err;

	if (BPF_SRC(insn->code) == BPF_K) {
		/* clear any state __mark_reg_known doesn't set */
		mark_reg_unknown(env, regs, insn->dst_reg);
		regs[insn->dst_reg].type = SCALAR_VALUE;
		if (BPF_CLASS(insn->code) == BPF_ALU64)
			__mark_reg_known(regs + insn->dst_reg, (u64)(s64)insn->imm);
		else
			__mark_reg_known(regs + insn->dst_reg, (u32)insn->imm);
		return 0;
	}

	struct bpf_reg_state *src_reg = regs + insn->src_reg;
	struct bpf_reg_state *dst_reg = regs + insn->dst_reg;
	if (BPF_CLASS(insn->code) == BPF_ALU64) {
		if (insn->off == 0) {
			/* R1 = R2: the state is copied */
			assign_scalar_id_before_mov(env, src_reg);
			copy_register_state(dst_reg, src_reg);
			dst_reg->subreg_def = DEF_NOT_SUBREG;
		} else if (is_pointer_value(env, insn->src_reg)) {
			verbose(env, "R%d sign-extension part of pointer\n", insn->src_reg);
			return -EACCES;
		} else if (src_reg->type == SCALAR_VALUE) {
			/* R1 = (s8, s16, s32)R2 */
			bool no_sext = src_reg->umax_value < (1ull << (insn->off - 1));
			if (no_sext)
				assign_scalar_id_before_mov(env, src_reg);
			copy_register_state(dst_reg, src_reg);
			if (!no_sext)
				dst_reg->id = 0;
			coerce_reg_to_size_sx(dst_reg, insn->off >> 3);
			dst_reg->subreg_def = DEF_NOT_SUBREG;
		} else {
			mark_reg_unknown(env, regs, insn->dst_reg);
		}
		return 0;
	}
	/* R1 = (u32) R2 */
	if (is_pointer_value(env, insn->src_reg)) {
		verbose(env, "R%d partial copy of pointer\n", insn->src_reg);
		return -EACCES;
	} else if (src_reg->type == SCALAR_VALUE) {
		if (insn->off == 0) {
			bool is_src_reg_u32 = get_reg_width(src_reg) <= 32;
			if (is_src_reg_u32)
				assign_scalar_id_before_mov(env, src_reg);
			copy_register_state(dst_reg, src_reg);
			/* not linked unless the value fits: sync_linked_regs would be wrong */
			if (!is_src_reg_u32)
				dst_reg->id = 0;
			dst_reg->subreg_def = env->insn_idx + 1;
		} else {
			/* W1 = (s8, s16)W2 */
			bool no_sext = src_reg->umax_value < (1ull << (insn->off - 1));
			if (no_sext)
				assign_scalar_id_before_mov(env, src_reg);
			copy_register_state(dst_reg, src_reg);
			if (!no_sext)
				dst_reg->id = 0;
			dst_reg->subreg_def = env->insn_idx + 1;
			coerce_subreg_to_size_sx(dst_reg, insn->off >> 3);
		}
	} else {
		mark_reg_unknown(env, regs, insn->dst_reg);
	}
	zext_32_to_64(dst_reg);
	reg_bounds_sync(dst_reg);
	return 0;
}

int check_alu_op(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	u8 opcode = BPF_OP(insn->code);
	int err;

	if (opcode == BPF_END || opcode == BPF_NEG) {
		if (opcode == BPF_NEG) {
			if (BPF_SRC(insn->code) != BPF_K || insn->src_reg != BPF_REG_0 ||
			    insn->off != 0 || insn->imm != 0) {
				verbose(env, "BPF_NEG uses reserved fields\n");
				return -EINVAL;
			}
		} else if (insn->src_reg != BPF_REG_0 || insn->off != 0 ||
		           (insn->imm != 16 && insn->imm != 32 && insn->imm != 64) ||
		           (BPF_CLASS(insn->code) == BPF_ALU64 &&
		            BPF_SRC(insn->code) != BPF_TO_LE)) {
			verbose(env, "BPF_END uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
			return err;
		if (is_pointer_value(env, insn->dst_reg)) {
			verbose(env, "R%d pointer arithmetic prohibited\n", insn->dst_reg);
			return -EACCES;
		}
		if (regs[insn->dst_reg].type == SCALAR_VALUE) {
			err = check_reg_arg(env, insn->dst_reg, DST_OP_NO_MARK);
			if (!err)
				err = adjust_scalar_min_max_vals(env, insn, &regs[insn->dst_reg],
				                                 regs[insn->dst_reg]);
		} else {
			err = check_reg_arg(env, insn->dst_reg, DST_OP);
		}
		if (err)
			return err;
	} else if (opcode == BPF_MOV) {
		if ((err = check_alu_mov(env, insn)))
			return err;
	} else if (opcode > BPF_END) {
		verbose(env, "invalid BPF_ALU opcode %x\n", opcode);
		return -EINVAL;
	} else {
		/* and, sub, xor, add, ... */
		if (BPF_SRC(insn->code) == BPF_X) {
			if (insn->imm != 0 || (insn->off != 0 && insn->off != 1) ||
			    (insn->off == 1 && opcode != BPF_MOD && opcode != BPF_DIV)) {
				verbose(env, "BPF_ALU uses reserved fields\n");
				return -EINVAL;
			}
			if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
				return err;
		} else if (insn->src_reg != BPF_REG_0 || (insn->off != 0 && insn->off != 1) ||
		           (insn->off == 1 && opcode != BPF_MOD && opcode != BPF_DIV)) {
			verbose(env, "BPF_ALU uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
			return err;
		if ((opcode == BPF_MOD || opcode == BPF_DIV) && BPF_SRC(insn->code) == BPF_K &&
		    insn->imm == 0) {
			verbose(env, "div by zero\n");
			return -EINVAL;
		}
		if ((opcode == BPF_LSH || opcode == BPF_RSH || opcode == BPF_ARSH) &&
		    BPF_SRC(insn->code) == BPF_K) {
			int size = BPF_CLASS(insn->code) == BPF_ALU64 ? 64 : 32;
			if (insn->imm < 0 || insn->imm >= size) {
				verbose(env, "invalid shift %d\n", insn->imm);
				return -EINVAL;
			}
		}
		err = check_reg_arg(env, insn->dst_reg, DST_OP_NO_MARK);
		if (!err)
			err = adjust_reg_min_max_vals(env, insn);
		if (err)
			return err;
	}
	return reg_bounds_sanity_check(env, &regs[insn->dst_reg], "alu");
}
