/* helper_str.c — bpf_strtol, bpf_strtoul, bpf_strncmp, with the kernel's parsing rules.
 *
 * The kernel parses with its own lib/kstrtox, not libc: leading whitespace (its ctype,
 * where 0xa0 is a space too), one '-', then at most 63 characters; base 0 picks 16 for
 * "0x" followed by a hex digit, 8 for a leading '0', else 10; base 16 skips a "0x". The
 * result is the number of characters consumed, -EINVAL when no digit was read or the
 * flags are bad, -ERANGE on overflow. Implemented here from that description.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helper_internal.h"

#define BPF_STRTOX_BASE_MASK 0x1fu
#define STRTOX_MAX_DIGITS 63 /* the kernel copies into a char[64] */

static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool k_isxdigit(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Digits of base at s (NUL-terminated): the count, *overflow, and the value in *res. */
static unsigned parse_digits(const char *s, unsigned base, unsigned long long *res, bool *overflow)
{
	unsigned long long v = 0;
	unsigned n = 0;
	*overflow = false;
	for (;; n++) {
		unsigned char c = (unsigned char)s[n], lc = c | 0x20;
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			d = lc - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (~0ull - d) / base)
			*overflow = true;
		v = v * base + d;
	}
	*res = v;
	return n;
}

/* __bpf_strtoull: characters consumed, or -errno. */
static long strtoull_k(const char *buf, size_t len, uint64_t flags, unsigned long long *res,
                       bool *negative)
{
	unsigned base = (unsigned)(flags & BPF_STRTOX_BASE_MASK);
	if (!len)
		return -EINVAL;
	if (base != 0 && base != 8 && base != 10 && base != 16)
		return -EINVAL;
	if (flags & ~(uint64_t)BPF_STRTOX_BASE_MASK)
		return -EINVAL;
	size_t i = 0;
	while (i < len && k_isspace((unsigned char)buf[i]))
		i++;
	*negative = i < len && buf[i] == '-';
	if (*negative)
		i++;
	if (i == len)
		return -EINVAL;
	char str[STRTOX_MAX_DIGITS + 1];
	size_t n = len - i < STRTOX_MAX_DIGITS ? len - i : STRTOX_MAX_DIGITS;
	memcpy(str, buf + i, n);
	str[n] = 0;
	const char *s = str;
	if (base == 0) {
		if (s[0] == '0')
			base = (s[1] | 0x20) == 'x' && k_isxdigit((unsigned char)s[2]) ? 16 : 8;
		else
			base = 10;
	}
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;
	bool overflow;
	unsigned digits = parse_digits(s, base, res, &overflow);
	if (overflow)
		return -ERANGE;
	if (!digits)
		return -EINVAL;
	return (long)(i + (size_t)(s - str) + digits);
}

/* bpf_strtol(buf, buf_len, flags, long *res) */
uint64_t bpf_strtol_helper(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res,
                           uint64_t r5, struct userbpf_run_ctx *rc)
{
	size_t len = (size_t)(uint32_t)buf_len;
	if (!helper_mem_ok(rc, buf, len, HELPER_RD) || !helper_mem_ok(rc, res, 8, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	int64_t zero = 0, v;
	memcpy(HELPER_PTR(res), &zero, 8);
	unsigned long long u;
	bool neg;
	long n = strtoull_k(HELPER_PTR(buf), len, flags, &u, &neg);
	if (n < 0)
		return HELPER_ERR(n);
	if (neg) {
		if ((long long)(0 - u) > 0)
			return HELPER_ERR(-ERANGE);
		v = (int64_t)(0 - u);
	} else {
		if ((long long)u < 0)
			return HELPER_ERR(-ERANGE);
		v = (int64_t)u;
	}
	memcpy(HELPER_PTR(res), &v, 8);
	return (uint64_t)n;
}

/* bpf_strtoul(buf, buf_len, flags, unsigned long *res): a '-' is -EINVAL. */
uint64_t bpf_strtoul_helper(uint64_t buf, uint64_t buf_len, uint64_t flags, uint64_t res,
                            uint64_t r5, struct userbpf_run_ctx *rc)
{
	size_t len = (size_t)(uint32_t)buf_len;
	if (!helper_mem_ok(rc, buf, len, HELPER_RD) || !helper_mem_ok(rc, res, 8, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	uint64_t zero = 0;
	memcpy(HELPER_PTR(res), &zero, 8);
	unsigned long long u;
	bool neg;
	long n = strtoull_k(HELPER_PTR(buf), len, flags, &u, &neg);
	if (n < 0)
		return HELPER_ERR(n);
	if (neg)
		return HELPER_ERR(-EINVAL);
	uint64_t v = u;
	memcpy(HELPER_PTR(res), &v, 8);
	return (uint64_t)n;
}

/* bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp, which answers -1, 0 or 1. */
uint64_t bpf_strncmp_helper(uint64_t s1, uint64_t s1_sz, uint64_t s2, uint64_t r4, uint64_t r5,
                            struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)s1_sz;
	const unsigned char *a = HELPER_PTR(s1), *b = HELPER_PTR(s2);
	if (!helper_mem_ok(rc, s1, n, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	for (uint32_t i = 0; i < n; i++) {
		if (!userbpf_run_access_ok(rc, b + i, 1, HELPER_RD))
			return HELPER_ERR(-EFAULT);
		if (a[i] != b[i])
			return a[i] < b[i] ? HELPER_ERR(-1) : 1;
		if (!a[i])
			break;
	}
	return 0;
}
