/* helper_internal.h — what helper implementations share (private to src/helpers).
 *
 * Helpers return the kernel's u64: a negative errno is (uint64_t)(int64_t)-err. In a guarded
 * run every pointer argument is checked against the run's memory before it is used (the
 * verifier proves the same for trusted runs, where the checks cost nothing).
 */
#ifndef USERBPF_HELPER_INTERNAL_H
#define USERBPF_HELPER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpers/helpers.h"

#define HELPER_ERR(e) ((uint64_t)(int64_t)(e))
#define HELPER_PTR(x) ((void *)(uintptr_t)(x))
#define HELPER_RD USERBPF_MEM_READ
#define HELPER_WR USERBPF_MEM_WRITE

/* May the program's memory [p, p + len) be used with prot? A zero-sized argument touches
 * nothing (ARG_CONST_SIZE_OR_ZERO allows any pointer with it). */
static inline bool helper_mem_ok(struct userbpf_run_ctx *rc, uint64_t p, uint64_t len,
                                 unsigned prot)
{
	return len == 0 || userbpf_run_access_ok(rc, HELPER_PTR(p), (size_t)len, prot);
}

/* A NUL-terminated string argument the program passed: its length (without the NUL), or -1
 * when a guarded run may not read up to and including a NUL within max bytes. */
static inline long helper_str_len(struct userbpf_run_ctx *rc, uint64_t p, size_t max)
{
	const char *s = HELPER_PTR(p);
	for (size_t n = 0; n < max; n++) {
		if (!userbpf_run_access_ok(rc, s + n, 1, HELPER_RD))
			return -1;
		if (!s[n])
			return (long)n;
	}
	return -1;
}

/* Copy size bytes from an address that may be unmapped: 0, or -EFAULT (nothing is faulted
 * on: the copy goes through the kernel, which reports the bad address). helper_probe.c. */
int helper_copy_nofault(void *dst, const void *src, size_t size);

/* The kernel's strncpy_from_*_nofault: copy a string of at most count bytes (NUL
 * included); the length copied including the NUL, count when truncated (dst[count - 1] is
 * then NUL), 0 when count is 0, -EFAULT when unreadable. helper_probe.c. */
long helper_strncpy_nofault(char *dst, const void *src, long count);

/* Guarded runs: is sample a record still being written in one of the program's rings
 * (bpf_ringbuf_submit/discard and their dynptr forms)? helper_output.c. */
bool helper_ringbuf_sample_ok(struct userbpf_run_ctx *rc, uint64_t sample);

#define MAX_BPRINTF_VARARGS 12 /* bpf_snprintf, bpf_trace_vprintk */
#define MAX_BPRINTF_BUF 1024   /* bpf_trace_printk's output line */

/* The kernel's bpf_bprintf_prepare + bstr_printf (helper_printf.c): check fmt (its NUL must
 * lie within fmt_size bytes) against num_args u64 arguments, then format into out (size
 * bytes, NUL-terminated when size > 0; out may be NULL when size is 0). Returns the length
 * of the whole output without the NUL, or -EINVAL / -ENOSPC as the kernel. */
long helper_bprintf(char *out, size_t size, const char *fmt, size_t fmt_size, const uint64_t *args,
                    uint32_t num_args);

#endif /* USERBPF_HELPER_INTERNAL_H */
