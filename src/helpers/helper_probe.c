/* helper_probe.c — bpf_probe_read_{kernel,user}{,_str} and the compat bpf_probe_read{,_str}.
 *
 * In the kernel these copy from an address that may fault, without faulting: the copy
 * stops at the bad page and the helper zeroes the destination and returns -EFAULT. In user
 * space there is one address space, the process's, so "kernel" and "user" reads are the
 * same: a copy out of this process's memory. It is done by process_vm_readv on ourselves
 * (the kernel reads the pages and returns EFAULT for an unmapped or unreadable one), with a
 * pipe as the fallback where that call is forbidden (seccomp): write(2) from a bad address
 * also fails with EFAULT instead of a signal.
 *
 * One difference is kept from the kernel: on x86-64 a *kernel* read of a user-space
 * address is refused with -ERANGE before any copy, which is what programs meet when they
 * read through NULL. The _kernel variants answer -ERANGE for addresses in the NULL page
 * (below 4096); the _user and compat variants answer -EFAULT there, like the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "helpers/helper_internal.h"

static _Thread_local int probe_pipe[2] = {-1, -1};

/* The fallback: through a pipe, at most a page at a time (the pipe never blocks). */
static int copy_by_pipe(void *dst, const void *src, size_t size)
{
	if (probe_pipe[0] < 0 && pipe2(probe_pipe, O_CLOEXEC | O_NONBLOCK))
		return -EFAULT;
	for (size_t done = 0; done < size;) {
		size_t n = size - done < 4096 ? size - done : 4096;
		ssize_t w = write(probe_pipe[1], (const char *)src + done, n);
		if (w <= 0)
			return -EFAULT;
		ssize_t r = read(probe_pipe[0], (char *)dst + done, (size_t)w);
		if (r != w)
			return -EFAULT;
		done += (size_t)w;
	}
	return 0;
}

int helper_copy_nofault(void *dst, const void *src, size_t size)
{
	static int no_readv; /* process_vm_readv refused once: do not retry every call */
	if (!size)
		return 0;
	if (!__atomic_load_n(&no_readv, __ATOMIC_RELAXED)) {
		struct iovec local = {dst, size}, remote = {(void *)src, size};
		ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
		if (n == (ssize_t)size)
			return 0;
		if (n >= 0 || errno == EFAULT)
			return -EFAULT; /* a partial read is a fault, as in the kernel */
		if (errno != EPERM && errno != ENOSYS)
			return -EFAULT;
		__atomic_store_n(&no_readv, 1, __ATOMIC_RELAXED);
	}
	return copy_by_pipe(dst, src, size);
}

long helper_strncpy_nofault(char *dst, const void *src, long count)
{
	if (count <= 0)
		return 0;
	const char *s = src;
	long done = 0;
	char chunk[256];
	while (done < count) {
		/* Never read past the page the string may end in: the next one may be unmapped. */
		uintptr_t a = (uintptr_t)(s + done);
		size_t n = 4096 - (a & 4095);
		if (n > sizeof chunk)
			n = sizeof chunk;
		if ((long)n > count - done)
			n = (size_t)(count - done);
		if (helper_copy_nofault(chunk, s + done, n))
			return -EFAULT;
		char *nul = memchr(chunk, 0, n);
		size_t take = nul ? (size_t)(nul - chunk) + 1 : n;
		memcpy(dst + done, chunk, take);
		done += (long)take;
		if (nul)
			return done;
	}
	dst[count - 1] = 0;
	return count;
}

#define NULL_PAGE 4096u

static uint64_t probe_read(struct userbpf_run_ctx *rc, uint64_t dst, uint64_t size, uint64_t src,
                           bool kernel)
{
	uint32_t n = (uint32_t)size;
	if (!helper_mem_ok(rc, dst, n, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	int err = kernel && src < NULL_PAGE
	                  ? -ERANGE
	                  : helper_copy_nofault(HELPER_PTR(dst), HELPER_PTR(src), n);
	if (err)
		memset(HELPER_PTR(dst), 0, n);
	return HELPER_ERR(err);
}

static uint64_t probe_read_str(struct userbpf_run_ctx *rc, uint64_t dst, uint64_t size,
                               uint64_t src, bool kernel)
{
	uint32_t n = (uint32_t)size;
	if (!helper_mem_ok(rc, dst, n, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	long ret = !n ? 0
	           : kernel && src < NULL_PAGE
	                   ? -ERANGE
	                   : helper_strncpy_nofault(HELPER_PTR(dst), HELPER_PTR(src), n);
	if (ret < 0)
		memset(HELPER_PTR(dst), 0, n);
	return HELPER_ERR(ret);
}

/* bpf_probe_read_user and the compat bpf_probe_read: (dst, size, unsafe_ptr). */
uint64_t bpf_probe_read_helper(uint64_t dst, uint64_t size, uint64_t src, uint64_t r4, uint64_t r5,
                               struct userbpf_run_ctx *rc)
{
	return probe_read(rc, dst, size, src, false);
}

uint64_t bpf_probe_read_kernel_helper(uint64_t dst, uint64_t size, uint64_t src, uint64_t r4,
                                      uint64_t r5, struct userbpf_run_ctx *rc)
{
	return probe_read(rc, dst, size, src, true);
}

/* bpf_probe_read_user_str and the compat bpf_probe_read_str. */
uint64_t bpf_probe_read_str_helper(uint64_t dst, uint64_t size, uint64_t src, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	return probe_read_str(rc, dst, size, src, false);
}

uint64_t bpf_probe_read_kernel_str_helper(uint64_t dst, uint64_t size, uint64_t src, uint64_t r4,
                                          uint64_t r5, struct userbpf_run_ctx *rc)
{
	return probe_read_str(rc, dst, size, src, true);
}

/* bpf_copy_from_user(dst, size, user_ptr), for sleepable programs: the kernel's
 * copy_from_user, which may fault pages in (so it may sleep) but never oopses; on a bad
 * address dst is zeroed and the answer is -EFAULT. In user space it is the same copy as
 * bpf_probe_read_user (every address is "user"). */
uint64_t bpf_copy_from_user_helper(uint64_t dst, uint64_t size, uint64_t src, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	return probe_read(rc, dst, size, src, false);
}
