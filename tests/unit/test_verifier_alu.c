/* test_verifier_alu.c — soundness of the abstract scalar domain by brute force.
 *
 * For random small sets S and T of concrete 64-bit values, the tightest abstract
 * registers containing them (tnum and the four ranges, then reg_bounds_sync) go through
 * the verifier's ALU transfer functions (adjust_scalar_min_max_vals), branch refinement
 * (reg_set_min_max) and branch prediction (is_branch_taken). Every concrete result of the
 * operation on every pair of members — computed here from the ISA's definition, not from
 * the verifier — must lie in the abstract result; a predicted branch must be right for
 * every pair; a refined register must keep every member for which that side is taken.
 * The abstract results must also be well-formed (min <= max in every view).
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "verifier/verifier.h"

static struct bpf_verifier_env *test_env(void)
{
	static struct bpf_verifier_env env;
	memset(&env, 0, sizeof env);
	env.bpf_capable = true;
	env.allow_ptr_leaks = true;
	return &env;
}

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* interesting 64-bit values: edges of every view, small numbers, random */
static u64 pick(void)
{
	static const u64 edges[] = {0,
	                            1,
	                            2,
	                            3,
	                            7,
	                            8,
	                            0x7f,
	                            0x80,
	                            0xff,
	                            0x100,
	                            0x7fff,
	                            0x8000,
	                            0xffff,
	                            0x7fffffff,
	                            0x80000000,
	                            0xffffffff,
	                            0x100000000ull,
	                            0x7fffffffffffffffull,
	                            0x8000000000000000ull,
	                            0xffffffffffffffffull,
	                            0xfffffffffffffffeull,
	                            0xffffffff80000000ull,
	                            0x00000001ffffffffull};
	switch (rnd() % 6) {
	case 0:
		return edges[rnd() % (sizeof edges / sizeof edges[0])];
	case 1:
		return rnd() % 64;
	case 2:
		return (u64)(s64)(s8)rnd();
	case 3:
		return (u32)rnd();
	case 4:
		return edges[rnd() % (sizeof edges / sizeof edges[0])] + (rnd() % 5) - 2;
	default:
		return rnd();
	}
}

/* The tightest abstract scalar holding every value of set. */
static void abstract_of(struct bpf_reg_state *r, const u64 *set, int n)
{
	memset(r, 0, sizeof *r);
	r->type = SCALAR_VALUE;
	r->var_off = tnum_const(set[0]);
	r->umin_value = r->umax_value = set[0];
	r->smin_value = r->smax_value = (s64)set[0];
	r->u32_min_value = r->u32_max_value = (u32)set[0];
	r->s32_min_value = r->s32_max_value = (s32)set[0];
	for (int i = 1; i < n; i++) {
		u64 v = set[i];
		r->var_off = tnum_union(r->var_off, tnum_const(v));
		if (v < r->umin_value)
			r->umin_value = v;
		if (v > r->umax_value)
			r->umax_value = v;
		if ((s64)v < r->smin_value)
			r->smin_value = (s64)v;
		if ((s64)v > r->smax_value)
			r->smax_value = (s64)v;
		if ((u32)v < r->u32_min_value)
			r->u32_min_value = (u32)v;
		if ((u32)v > r->u32_max_value)
			r->u32_max_value = (u32)v;
		if ((s32)v < r->s32_min_value)
			r->s32_min_value = (s32)v;
		if ((s32)v > r->s32_max_value)
			r->s32_max_value = (s32)v;
	}
	reg_bounds_sync(r);
}

static bool contains(const struct bpf_reg_state *r, u64 v)
{
	return tnum_in(r->var_off, tnum_const(v)) && r->umin_value <= v && v <= r->umax_value &&
	       r->smin_value <= (s64)v && (s64)v <= r->smax_value && r->u32_min_value <= (u32)v &&
	       (u32)v <= r->u32_max_value && r->s32_min_value <= (s32)v &&
	       (s32)v <= r->s32_max_value;
}

static bool well_formed(const struct bpf_reg_state *r)
{
	return r->umin_value <= r->umax_value && r->smin_value <= r->smax_value &&
	       r->u32_min_value <= r->u32_max_value && r->s32_min_value <= r->s32_max_value &&
	       !(r->var_off.value & r->var_off.mask);
}

/* The ISA (RFC 9669) on concrete values: dst op src, 64 or 32 bits. */
static u64 concrete_alu(u8 op, bool alu64, u64 d, u64 s, s16 off, s32 imm)
{
	if (!alu64) {
		u32 a = (u32)d, b = (u32)s;
		switch (op) {
		case BPF_ADD:
			return (u32)(a + b);
		case BPF_SUB:
			return (u32)(a - b);
		case BPF_MUL:
			return (u32)(a * b);
		case BPF_OR:
			return a | b;
		case BPF_AND:
			return a & b;
		case BPF_XOR:
			return a ^ b;
		case BPF_LSH:
			return (u32)(a << (b & 31));
		case BPF_RSH:
			return a >> (b & 31);
		case BPF_ARSH:
			return (u32)((s32)a >> (b & 31));
		case BPF_NEG:
			return (u32)-a;
		case BPF_DIV:
			if (off)
				return b ? (u32)((s32)b == -1 ? -(s32)a : (s32)a / (s32)b) : 0;
			return b ? a / b : 0;
		case BPF_MOD:
			if (off)
				return b ? (u32)((s32)b == -1 ? 0 : (s32)a % (s32)b) : a;
			return b ? a % b : a;
		case BPF_END:
			if (imm == 16)
				return __builtin_bswap16((u16)d);
			if (imm == 32)
				return __builtin_bswap32((u32)d);
			return __builtin_bswap64(d);
		}
		return 0;
	}
	switch (op) {
	case BPF_ADD:
		return d + s;
	case BPF_SUB:
		return d - s;
	case BPF_MUL:
		return d * s;
	case BPF_OR:
		return d | s;
	case BPF_AND:
		return d & s;
	case BPF_XOR:
		return d ^ s;
	case BPF_LSH:
		return d << (s & 63);
	case BPF_RSH:
		return d >> (s & 63);
	case BPF_ARSH:
		return (u64)((s64)d >> (s & 63));
	case BPF_NEG:
		return -d;
	case BPF_DIV:
		if (off)
			return s ? ((s64)s == -1 ? -d : (u64)((s64)d / (s64)s)) : 0;
		return s ? d / s : 0;
	case BPF_MOD:
		if (off)
			return s ? ((s64)s == -1 ? 0 : (u64)((s64)d % (s64)s)) : d;
		return s ? d % s : d;
	case BPF_END:
		if (imm == 16)
			return __builtin_bswap16((u16)d);
		if (imm == 32)
			return __builtin_bswap32((u32)d);
		return __builtin_bswap64(d);
	}
	return 0;
}

static int random_set(u64 *set, int max)
{
	int n = 1 + (int)(rnd() % (u64)max);
	u64 base = pick();
	for (int i = 0; i < n; i++)
		set[i] = rnd() % 3 ? pick() : base + (rnd() % 16);
	return n;
}

static void check_op(u8 op, bool alu64, bool src_k, u32 rounds)
{
	struct bpf_verifier_env *env = test_env();
	u64 s[8], t[8];
	for (u32 round = 0; round < rounds; round++) {
		int ns = random_set(s, 6), nt = src_k ? 1 : random_set(t, 6);
		struct bpf_insn insn = {
		        .code = (u8)((alu64 ? BPF_ALU64 : BPF_ALU) | op | (src_k ? BPF_K : BPF_X))};
		bool shift = op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH;
		if (src_k) {
			insn.imm = shift ? (s32)(rnd() % (alu64 ? 64 : 32)) : (s32)pick();
			t[0] = (u64)(s64)insn.imm;
		}
		if (op == BPF_END) {
			static const s32 sizes[] = {16, 32, 64};
			insn.imm = sizes[rnd() % 3];
			insn.code = (u8)((alu64 ? BPF_ALU64 : BPF_ALU) | BPF_END | BPF_TO_BE);
		}
		struct bpf_reg_state dst, src;
		abstract_of(&dst, s, ns);
		abstract_of(&src, t, nt);
		struct bpf_reg_state before = dst;
		assert_int_equal(adjust_scalar_min_max_vals(env, &insn, &dst, src), 0);
		if (!well_formed(&dst)) {
			print_message("ill-formed result op %#x alu64 %d\n", op, alu64);
			fail();
		}
		for (int i = 0; i < ns; i++)
			for (int j = 0; j < nt; j++) {
				u64 c;
				/* ALU32 BPF_END (be/le) on a little-endian host: be swaps, then the
				 * 64-bit result is the swapped low bytes */
				if (op == BPF_END && !alu64)
					c = concrete_alu(op, false, s[i], t[j], 0, insn.imm);
				else
					c = concrete_alu(op, alu64, s[i], t[j], insn.off, insn.imm);
				if (shift && (t[j] >= (alu64 ? 64u : 32u)))
					continue; /* undefined shift amounts: no claim */
				if (!contains(&dst, c)) {
					print_message(
					        "op %#x alu64 %d: %#llx op %#llx = %#llx not in "
					        "result (umin %#llx umax %#llx smin %lld smax %lld "
					        "var_off %#llx/%#llx) from umin %#llx umax %#llx\n",
					        op, alu64, (unsigned long long)s[i],
					        (unsigned long long)t[j], (unsigned long long)c,
					        (unsigned long long)dst.umin_value,
					        (unsigned long long)dst.umax_value,
					        (long long)dst.smin_value,
					        (long long)dst.smax_value,
					        (unsigned long long)dst.var_off.value,
					        (unsigned long long)dst.var_off.mask,
					        (unsigned long long)before.umin_value,
					        (unsigned long long)before.umax_value);
					fail();
				}
			}
	}
}

static const u8 alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL,  BPF_OR,  BPF_AND, BPF_XOR,
                             BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG, BPF_DIV, BPF_MOD};

static void test_alu64_reg(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof alu_ops; i++)
		check_op(alu_ops[i], true, false, 3000);
}

static void test_alu32_reg(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof alu_ops; i++)
		check_op(alu_ops[i], false, false, 3000);
}

static void test_alu64_imm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof alu_ops; i++)
		check_op(alu_ops[i], true, true, 3000);
}

static void test_alu32_imm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof alu_ops; i++)
		check_op(alu_ops[i], false, true, 3000);
}

static void test_bswap(void **state)
{
	(void)state;
	check_op(BPF_END, true, true, 3000);
	check_op(BPF_END, false, true, 3000);
}

/* sign-extending moves: r = (s8/s16/s32) r, w = (s8/s16) w */
static void test_movsx(void **state)
{
	(void)state;
	u64 s[8];
	for (u32 round = 0; round < 5000; round++) {
		int n = random_set(s, 6);
		static const int sizes[] = {1, 2, 4};
		int size = sizes[rnd() % 3];
		bool sub = size < 4 && rnd() % 2;
		struct bpf_reg_state r;
		abstract_of(&r, s, n);
		if (sub) {
			coerce_subreg_to_size_sx(&r, size);
			/* w = (sN)w zero-extends the 32-bit result */
			r.var_off = tnum_subreg(r.var_off);
			__reg_assign_32_into_64(&r);
			reg_bounds_sync(&r);
		} else {
			coerce_reg_to_size_sx(&r, size);
		}
		assert_true(well_formed(&r));
		for (int i = 0; i < n; i++) {
			u64 c = size == 1   ? (u64)(s64)(s8)s[i]
			        : size == 2 ? (u64)(s64)(s16)s[i]
			                    : (u64)(s64)(s32)s[i];
			if (sub)
				c = (u32)c;
			if (!contains(&r, c)) {
				print_message(
				        "movsx size %d sub %d: %#llx -> %#llx not in result\n",
				        size, sub, (unsigned long long)s[i], (unsigned long long)c);
				fail();
			}
		}
	}
}

/* zero-extending truncation: loads narrower than 8 bytes */
static void test_coerce(void **state)
{
	(void)state;
	u64 s[8];
	for (u32 round = 0; round < 5000; round++) {
		int n = random_set(s, 6);
		static const int sizes[] = {1, 2, 4};
		int size = sizes[rnd() % 3];
		struct bpf_reg_state r;
		abstract_of(&r, s, n);
		coerce_reg_to_size(&r, size);
		assert_true(well_formed(&r));
		for (int i = 0; i < n; i++) {
			u64 c = s[i] & ((1ull << (size * 8)) - 1);
			assert_true(contains(&r, c));
		}
	}
}

static bool concrete_jmp(u8 op, bool is32, u64 a, u64 b)
{
	if (is32) {
		a = (u32)a;
		b = (u32)b;
	}
	s64 sa = is32 ? (s32)a : (s64)a, sb = is32 ? (s32)b : (s64)b;
	switch (op) {
	case BPF_JEQ:
		return a == b;
	case BPF_JNE:
		return a != b;
	case BPF_JGT:
		return a > b;
	case BPF_JGE:
		return a >= b;
	case BPF_JLT:
		return a < b;
	case BPF_JLE:
		return a <= b;
	case BPF_JSGT:
		return sa > sb;
	case BPF_JSGE:
		return sa >= sb;
	case BPF_JSLT:
		return sa < sb;
	case BPF_JSLE:
		return sa <= sb;
	case BPF_JSET:
		return (a & b) != 0;
	}
	return false;
}

static const u8 jmp_ops[] = {BPF_JEQ,  BPF_JNE,  BPF_JGT,  BPF_JGE,  BPF_JLT, BPF_JLE,
                             BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_JSET};

/* is_branch_taken is right for every pair; each side's refined registers keep every value
 * that takes that side. */
static void check_branches(bool is32)
{
	struct bpf_verifier_env *env = test_env();
	u64 s[8], t[8];
	for (u32 round = 0; round < 20000; round++) {
		u8 op = jmp_ops[rnd() % sizeof jmp_ops];
		int ns = random_set(s, 5), nt = rnd() % 2 ? 1 : random_set(t, 5);
		if (nt == 1)
			t[0] = rnd() % 2 ? pick() : s[rnd() % (u64)ns];
		struct bpf_reg_state d, sr;
		abstract_of(&d, s, ns);
		abstract_of(&sr, t, nt);
		int pred = is_branch_taken(&d, &sr, op, is32);
		for (int i = 0; i < ns; i++)
			for (int j = 0; j < nt; j++) {
				bool taken = concrete_jmp(op, is32, s[i], t[j]);
				if (pred >= 0 && taken != (pred == 1)) {
					print_message(
					        "is_branch_taken op %#x is32 %d predicted %d for "
					        "%#llx vs %#llx\n",
					        op, is32, pred, (unsigned long long)s[i],
					        (unsigned long long)t[j]);
					fail();
				}
			}
		if (pred >= 0)
			continue;
		struct bpf_reg_state td = d, ts = sr, fd = d, fs = sr;
		assert_int_equal(reg_set_min_max(env, &td, &ts, &fd, &fs, op, is32), 0);
		for (int i = 0; i < ns; i++)
			for (int j = 0; j < nt; j++) {
				bool taken = concrete_jmp(op, is32, s[i], t[j]);
				struct bpf_reg_state *rd = taken ? &td : &fd,
				                     *rs = taken ? &ts : &fs;
				if (!contains(rd, s[i]) || !contains(rs, t[j])) {
					print_message("reg_set_min_max op %#x is32 %d lost %#llx "
					              "vs %#llx "
					              "on the %s side\n",
					              op, is32, (unsigned long long)s[i],
					              (unsigned long long)t[j],
					              taken ? "taken" : "fallthrough");
					fail();
				}
			}
	}
}

static void test_branch64(void **state)
{
	(void)state;
	check_branches(false);
}

static void test_branch32(void **state)
{
	(void)state;
	check_branches(true);
}

/* reg_bounds_sync never loses a member and keeps the views consistent */
static void test_bounds_sync(void **state)
{
	(void)state;
	u64 s[8];
	for (u32 round = 0; round < 20000; round++) {
		int n = random_set(s, 6);
		struct bpf_reg_state r;
		abstract_of(&r, s, n);
		/* loosen one view at random and sync again: nothing may be lost */
		switch (rnd() % 4) {
		case 0:
			r.var_off = tnum_unknown;
			break;
		case 1:
			__mark_reg64_unbounded(&r);
			break;
		case 2:
			__mark_reg32_unbounded(&r);
			break;
		default:
			r.umin_value = 0;
			r.smax_value = INT64_MAX;
		}
		reg_bounds_sync(&r);
		assert_true(well_formed(&r));
		for (int i = 0; i < n; i++)
			assert_true(contains(&r, s[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_alu64_reg), cmocka_unit_test(test_alu32_reg),
	        cmocka_unit_test(test_alu64_imm), cmocka_unit_test(test_alu32_imm),
	        cmocka_unit_test(test_bswap),     cmocka_unit_test(test_movsx),
	        cmocka_unit_test(test_coerce),    cmocka_unit_test(test_branch64),
	        cmocka_unit_test(test_branch32),  cmocka_unit_test(test_bounds_sync),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
