/* tnum.c — tristate numbers: which bits of a value are known, and what they are.
 *
 * A tnum (value, mask) stands for every x with (x & ~mask) == value. Arithmetic on tnums
 * gives a tnum containing every result of the operation on contained values (the kernel's
 * kernel/bpf/tnum.c semantics, including the 6.17 multiplication).
 */
#include <stdio.h>

#include "verifier/verifier.h"

const struct tnum tnum_unknown = {.value = 0, .mask = ~0ull};

struct tnum tnum_const(u64 value)
{
	return TNUM(value, 0);
}

struct tnum tnum_range(u64 min, u64 max)
{
	u64 chi = min ^ max, delta;
	int bits = chi ? 64 - __builtin_clzll(chi) : 0; /* fls64 */
	if (bits > 63)
		return tnum_unknown;
	delta = (1ull << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_lshift(struct tnum a, u8 shift)
{
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, u8 shift)
{
	return TNUM(a.value >> shift, a.mask >> shift);
}

struct tnum tnum_arshift(struct tnum a, u8 min_shift, u8 insn_bitness)
{
	/* the sign bit, known or not, is replicated into the vacated bits */
	if (insn_bitness == 32)
		return TNUM((u32)(((s32)a.value) >> min_shift), (u32)(((s32)a.mask) >> min_shift));
	return TNUM((u64)((s64)a.value >> min_shift), (u64)((s64)a.mask >> min_shift));
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	u64 sm = a.mask + b.mask, sv = a.value + b.value;
	u64 sigma = sm + sv, chi = sigma ^ sv, mu = chi | a.mask | b.mask;
	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	u64 dv = a.value - b.value, alpha = dv + a.mask, beta = dv - b.mask;
	u64 chi = alpha ^ beta, mu = chi | a.mask | b.mask;
	return TNUM(dv & ~mu, mu);
}

struct tnum tnum_neg(struct tnum a)
{
	return tnum_sub(TNUM(0, 0), a);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	u64 alpha = a.value | a.mask, beta = b.value | b.mask, v = a.value & b.value;
	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask | b.mask;
	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	u64 v = a.value ^ b.value, mu = a.mask | b.mask;
	return TNUM(v & ~mu, mu);
}

/* Shift-and-add over the bits of a: a known 1 adds b, an unknown bit adds "b or 0". */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	struct tnum acc = TNUM(0, 0);
	while (a.value || a.mask) {
		if (a.value & 1)
			acc = tnum_add(acc, b);
		else if (a.mask & 1)
			acc = tnum_union(acc, tnum_add(acc, b));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return acc;
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	u64 v = a.value | b.value, mu = a.mask & b.mask;
	return TNUM(v & ~mu, mu);
}

struct tnum tnum_union(struct tnum a, struct tnum b)
{
	u64 v = a.value & b.value, mu = (a.value ^ b.value) | a.mask | b.mask;
	return TNUM(v & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, u8 size)
{
	u64 keep = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
	a.value &= keep;
	a.mask &= keep;
	return a;
}

bool tnum_is_aligned(struct tnum a, u64 size)
{
	if (!size)
		return true;
	return !((a.value | a.mask) & (size - 1));
}

bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	b.value &= ~a.mask;
	return a.value == b.value;
}

/* Could a and b hold the same value? Only where both bits are known may they differ. */
bool tnum_overlap(struct tnum a, struct tnum b)
{
	u64 mu = ~a.mask & ~b.mask;
	return (a.value & mu) == (b.value & mu);
}

int tnum_strn(char *str, size_t size, struct tnum a)
{
	/* a constant as a number (decimal up to U16_MAX); the kernel's %#llx prints 0 as 0x0 */
	if (a.mask == 0) {
		if (a.value <= UINT16_MAX)
			return snprintf(str, size, "%llu", (unsigned long long)a.value);
		return snprintf(str, size, "0x%llx", (unsigned long long)a.value);
	}
	return snprintf(str, size, "(0x%llx; 0x%llx)", (unsigned long long)a.value,
	                (unsigned long long)a.mask);
}

int tnum_sbin(char *str, size_t size, struct tnum a)
{
	for (size_t n = 64; n; n--) {
		if (n < size) {
			if (a.mask & 1)
				str[n - 1] = 'x';
			else if (a.value & 1)
				str[n - 1] = '1';
			else
				str[n - 1] = '0';
		}
		a.mask >>= 1;
		a.value >>= 1;
	}
	str[size - 1 < 64 ? size - 1 : 64] = 0;
	return 64;
}

struct tnum tnum_subreg(struct tnum a)
{
	return tnum_cast(a, 4);
}

struct tnum tnum_clear_subreg(struct tnum a)
{
	return tnum_lshift(tnum_rshift(a, 32), 32);
}

struct tnum tnum_with_subreg(struct tnum reg, struct tnum subreg)
{
	return tnum_or(tnum_clear_subreg(reg), tnum_subreg(subreg));
}

struct tnum tnum_const_subreg(struct tnum a, u32 value)
{
	return tnum_with_subreg(a, tnum_const(value));
}

/* byte swaps: the known bits move with their bytes */
struct tnum tnum_bswap16(struct tnum a)
{
	return TNUM(__builtin_bswap16((u16)a.value), __builtin_bswap16((u16)a.mask));
}

struct tnum tnum_bswap32(struct tnum a)
{
	return TNUM(__builtin_bswap32((u32)a.value), __builtin_bswap32((u32)a.mask));
}

struct tnum tnum_bswap64(struct tnum a)
{
	return TNUM(__builtin_bswap64(a.value), __builtin_bswap64(a.mask));
}
