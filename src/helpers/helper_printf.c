/* helper_printf.c — the kernel's printf for BPF: bpf_bprintf_prepare + bstr_printf.
 *
 * bpf_snprintf, bpf_trace_printk and bpf_trace_vprintk accept a restricted format, checked
 * before anything is written (-EINVAL otherwise): printable ASCII and whitespace only; each
 * conversion '%' [flags 0+- and space]* [width] then one of
 *   d i u x X with an optional l or ll (int, long, long long),
 *   s, c, %% (not counted),
 *   p, pK, px, ps, pS, pB, pi4, pI4, pi6, pI6, pks, pus;
 * no precision, no '#', no 'h'; a %s or %p[ku]s must be followed by the end, a space or
 * punctuation; there may not be more conversions than arguments. Strings and IP addresses
 * are copied into a 512-byte argument buffer first (MAX_BPRINTF_BIN_ARGS); running out of
 * it is -ENOSPC. We follow the same accounting so the same formats fail the same way.
 *
 * Output follows the kernel's vsnprintf for these conversions. User space has no kernel
 * symbols and no pointer hashing: %p, %pK and %px print the value as 16 hex digits
 * (%p of NULL prints "(null)"), %ps/%pS/%pB print "0x" and 16 hex digits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "helpers/helper_internal.h"

#define MAX_BPRINTF_BIN_ARGS 512 /* bytes of copied arguments */
#define FIELD_WIDTH_MAX ((1 << 23) - 1)

static bool k_isprint_ascii(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r');
}

static bool k_ispunct(unsigned char c)
{
	return c > 0x20 && c < 0x7f &&
	       !((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'));
}

/* What may follow %s: the end, a space or punctuation. */
static bool spec_end_ok(char c)
{
	return !c || c == ' ' || (c >= '\t' && c <= '\r') || k_ispunct((unsigned char)c);
}

/* One argument as the format pass sees it. */
struct bp_arg {
	uint64_t v;    /* integers, characters, pointers */
	const char *s; /* strings and pre-formatted IP addresses, in bin[] */
};

struct bp_args {
	char bin[MAX_BPRINTF_BIN_ARGS];
	size_t used;
	struct bp_arg a[MAX_BPRINTF_VARARGS];
};

/* Reserve n bytes of the argument buffer after aligning to align: 0 or -ENOSPC. */
static int bin_take(struct bp_args *b, size_t align, size_t n)
{
	size_t at = (b->used + align - 1) & ~(align - 1);
	if (at > MAX_BPRINTF_BIN_ARGS || MAX_BPRINTF_BIN_ARGS - at < n)
		return -ENOSPC;
	b->used = at + n;
	return 0;
}

/* Copy a string argument into the buffer: its bytes there (NUL included), as the kernel's
 * strncpy_from_*_nofault into what is left; an unreadable string is "". */
static int bin_string(struct bp_args *b, struct bp_arg *a, uint64_t ptr)
{
	size_t room = MAX_BPRINTF_BIN_ARGS - b->used;
	if (b->used >= MAX_BPRINTF_BIN_ARGS)
		return -ENOSPC;
	char *dst = b->bin + b->used;
	long n = helper_strncpy_nofault(dst, HELPER_PTR(ptr), (long)room);
	if (n <= 0) {
		dst[0] = 0;
		n = 1;
	}
	a->s = dst;
	b->used += (size_t)n;
	return 0;
}

/* %pi4 %pI4 %pi6 %pI6, pre-formatted like the kernel's snprintf into the buffer. */
static int bin_ip(struct bp_args *b, struct bp_arg *a, uint64_t ptr, char kind, bool v6)
{
	size_t need = v6 ? 16 : 4;
	if (b->used > MAX_BPRINTF_BIN_ARGS || MAX_BPRINTF_BIN_ARGS - b->used < need)
		return -ENOSPC;
	unsigned char ip[16] = {0};
	if (helper_copy_nofault(ip, HELPER_PTR(ptr), need))
		memset(ip, 0, sizeof ip);
	char txt[48];
	int n = 0;
	if (!v6) {
		const char *f = kind == 'i' ? "%03u.%03u.%03u.%03u" : "%u.%u.%u.%u";
		n = snprintf(txt, sizeof txt, f, ip[0], ip[1], ip[2], ip[3]);
	} else {
		for (int i = 0; i < 16; i += 2)
			n += snprintf(txt + n, sizeof txt - (size_t)n,
			              kind == 'I' && i ? ":%02x%02x" : "%02x%02x", ip[i],
			              ip[i + 1]);
	}
	char *dst = b->bin + b->used;
	size_t room = MAX_BPRINTF_BIN_ARGS - b->used;
	snprintf(dst, room, "%s", txt);
	a->s = dst;
	b->used += (size_t)n + 1 < room ? (size_t)n + 1 : room;
	return 0;
}

/* bpf_bprintf_prepare: check fmt and collect the arguments. 0 or -errno. */
static int bp_prepare(const char *fmt, size_t len, const uint64_t *raw, uint32_t num_args,
                      struct bp_args *b)
{
	uint32_t num_spec = 0;
	b->used = 0;
	for (size_t i = 0; i < len; i++) {
		if (!k_isprint_ascii((unsigned char)fmt[i]))
			return -EINVAL;
		if (fmt[i] != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		if (num_spec >= num_args)
			return -EINVAL;
		struct bp_arg *a = &b->a[num_spec];
		a->v = raw[num_spec];
		a->s = NULL;
		i++;
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ')
			i++;
		if (fmt[i] >= '1' && fmt[i] <= '9')
			while (fmt[i] >= '0' && fmt[i] <= '9')
				i++;
		int err = 0;
		if (fmt[i] == 'p') {
			char c = fmt[i + 1];
			if (!c || c == ' ' || (c >= '\t' && c <= '\r') ||
			    k_ispunct((unsigned char)c)) {
				err = bin_take(b, 4, 8);
			} else if ((c == 'k' || c == 'u') && fmt[i + 2] == 's') {
				i += 2;
				if (!spec_end_ok(fmt[i + 1]))
					return -EINVAL;
				err = bin_string(b, a, a->v);
			} else if (c == 'K' || c == 'x' || c == 's' || c == 'S') {
				i++;
				err = bin_take(b, 4, 8);
			} else if (c == 'B') {
				i++;
				char sym[24];
				int n = snprintf(sym, sizeof sym, "0x%016llx",
				                 (unsigned long long)a->v);
				b->used += (size_t)n + 1; /* the kernel does not bound this one */
			} else if ((c == 'i' || c == 'I') &&
			           (fmt[i + 2] == '4' || fmt[i + 2] == '6')) {
				i += 2;
				err = bin_ip(b, a, a->v, c, fmt[i] == '6');
			} else {
				return -EINVAL;
			}
		} else if (fmt[i] == 's') {
			if (!spec_end_ok(fmt[i + 1]))
				return -EINVAL;
			err = bin_string(b, a, a->v);
		} else if (fmt[i] == 'c') {
			err = b->used >= MAX_BPRINTF_BIN_ARGS ? -ENOSPC : 0;
			b->used++;
		} else {
			size_t sz = 4;
			if (fmt[i] == 'l') {
				sz = 8;
				i++;
			}
			if (fmt[i] == 'l')
				i++;
			char c = fmt[i];
			if (c != 'i' && c != 'd' && c != 'u' && c != 'x' && c != 'X')
				return -EINVAL;
			err = bin_take(b, 4, sz);
		}
		if (err)
			return err;
		num_spec++;
	}
	return 0;
}

/* The output so far: everything counted, what fits written. */
struct bp_out {
	char *buf;
	size_t size, len;
};

__attribute__((format(printf, 2, 3))) static void out_fmt(struct bp_out *o, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	char scratch[1];
	char *dst = o->len < o->size ? o->buf + o->len : scratch;
	size_t room = o->len < o->size ? o->size - o->len : 0;
	int n = vsnprintf(room ? dst : NULL, room, f, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void out_str(struct bp_out *o, const char *s, size_t n)
{
	if (o->len < o->size) {
		size_t room = o->size - o->len - 1, k = n < room ? n : room;
		memcpy(o->buf + o->len, s, k);
	}
	o->len += n;
}

/* A string with the conversion's width (spaces; '-' pads on the right). */
static void out_padded(struct bp_out *o, const char *s, bool left, int width)
{
	if (width < 0)
		out_str(o, s, strlen(s));
	else
		out_fmt(o, left ? "%-*s" : "%*s", width, s);
}

/* bstr_printf over the prepared arguments. */
static void bp_format(const char *fmt, size_t len, const struct bp_args *b, struct bp_out *o)
{
	uint32_t spec = 0;
	for (size_t i = 0; i < len; i++) {
		if (fmt[i] != '%') {
			size_t j = i;
			while (j < len && fmt[j] != '%')
				j++;
			out_str(o, fmt + i, j - i);
			i = j - 1;
			continue;
		}
		if (fmt[i + 1] == '%') {
			out_str(o, "%", 1);
			i++;
			continue;
		}
		const struct bp_arg *a = &b->a[spec++];
		char flags[8];
		size_t nf = 0;
		bool left = false;
		i++;
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
			left |= fmt[i] == '-';
			if (nf < sizeof flags - 1 && !memchr(flags, fmt[i], nf))
				flags[nf++] = fmt[i];
			i++;
		}
		flags[nf] = 0;
		int width = -1;
		if (fmt[i] >= '1' && fmt[i] <= '9') {
			long w = 0;
			while (fmt[i] >= '0' && fmt[i] <= '9') {
				if (w <= FIELD_WIDTH_MAX)
					w = w * 10 + (fmt[i] - '0');
				i++;
			}
			width = w > FIELD_WIDTH_MAX ? FIELD_WIDTH_MAX : (int)w;
		}
		char c = fmt[i];
		char num[40];
		if (c == 'p') {
			char x = fmt[i + 1];
			unsigned long long v = a->v;
			if (a->s) { /* pks, pus, pi4, pI4, pi6, pI6 */
				i += x == 'k' || x == 'u' || x == 'i' || x == 'I' ? 2 : 0;
				out_padded(o, a->s, left, width);
				continue;
			}
			bool ext = x == 'K' || x == 'x' || x == 's' || x == 'S' || x == 'B';
			if (ext)
				i++;
			if (!v && x != 'K' && x != 'x') {
				out_padded(o, "(null)", left, width);
			} else if (x == 's' || x == 'S' || x == 'B') {
				snprintf(num, sizeof num, "0x%016llx", v);
				out_padded(o, num, left, width);
			} else if (width < 0) {
				out_fmt(o, "%016llx", v);
			} else {
				char f[24];
				snprintf(f, sizeof f, "%%%s*llx", flags);
				out_fmt(o, f, width, v);
			}
			continue;
		}
		if (c == 's') {
			out_padded(o, a->s, left, width);
			continue;
		}
		if (c == 'c') {
			char ch = (char)a->v;
			if (width > 1 && !left)
				out_fmt(o, "%*s", width - 1, "");
			out_str(o, &ch, 1);
			if (width > 1 && left)
				out_fmt(o, "%*s", width - 1, "");
			continue;
		}
		bool wide = false;
		if (c == 'l') {
			wide = true;
			c = fmt[++i];
		}
		if (c == 'l')
			c = fmt[++i];
		char f[24];
		snprintf(f, sizeof f, "%%%s*%s%c", flags, wide ? "ll" : "", c == 'i' ? 'd' : c);
		bool is_signed = c == 'd' || c == 'i';
		if (width < 0)
			width = 0; /* no width: "%*d" with 0 pads nothing */
		if (wide && is_signed)
			out_fmt(o, f, width, (long long)a->v);
		else if (wide)
			out_fmt(o, f, width, (unsigned long long)a->v);
		else if (is_signed)
			out_fmt(o, f, width, (int)(uint32_t)a->v);
		else
			out_fmt(o, f, width, (unsigned)(uint32_t)a->v);
	}
}

long helper_bprintf(char *out, size_t size, const char *fmt, size_t fmt_size, const uint64_t *args,
                    uint32_t num_args)
{
	const char *end = memchr(fmt, 0, fmt_size);
	if (!end)
		return -EINVAL;
	size_t len = (size_t)(end - fmt);
	static _Thread_local struct bp_args b;
	int err = bp_prepare(fmt, len, args, num_args, &b);
	if (err)
		return err;
	struct bp_out o = {out, size, 0};
	bp_format(fmt, len, &b, &o);
	if (size)
		out[o.len < size ? o.len : size - 1] = 0;
	return (long)o.len;
}

int bpf_bprintf_check(const char *fmt, size_t fmt_size, uint32_t num_args)
{
	const char *end = memchr(fmt, 0, fmt_size);
	if (!end)
		return -EINVAL;
	/* arguments are not known yet: NULL strings and IP addresses copy as empty/zero, so
	 * only the format decides */
	uint64_t zeros[MAX_BPRINTF_VARARGS] = {0};
	static _Thread_local struct bp_args b;
	int err = bp_prepare(fmt, (size_t)(end - fmt), zeros,
	                     num_args > MAX_BPRINTF_VARARGS ? MAX_BPRINTF_VARARGS : num_args, &b);
	return err == -ENOSPC ? 0 : err;
}

/* bpf_snprintf(str, str_size, fmt, data, data_len): the length of the whole output plus
 * one (its NUL), at most str_size bytes written, always NUL-terminated when str_size > 0. */
uint64_t bpf_snprintf_helper(uint64_t str, uint64_t str_size, uint64_t fmt, uint64_t data,
                             uint64_t data_len, struct userbpf_run_ctx *rc)
{
	uint32_t size = (uint32_t)str_size, dlen = (uint32_t)data_len;
	if (dlen % 8 || dlen > MAX_BPRINTF_VARARGS * 8 || (dlen && !data))
		return HELPER_ERR(-EINVAL);
	if (!helper_mem_ok(rc, str, size, HELPER_WR) || !helper_mem_ok(rc, data, dlen, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	/* ARG_PTR_TO_CONST_STR: the verifier proved a NUL; a guarded run must find it */
	long flen = helper_str_len(rc, fmt, 1u << 20);
	if (flen < 0)
		return HELPER_ERR(-EFAULT);
	uint64_t args[MAX_BPRINTF_VARARGS];
	if (dlen)
		memcpy(args, HELPER_PTR(data), dlen);
	long n = helper_bprintf(size ? HELPER_PTR(str) : NULL, size, HELPER_PTR(fmt),
	                        (size_t)flen + 1, args, dlen / 8);
	return n < 0 ? HELPER_ERR(n) : (uint64_t)n + 1;
}
