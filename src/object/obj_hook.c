/* obj_hook.c — the library sees close(2) and mmap(2), as the kernel sees them on its fds.
 *
 * The fd table (obj_fd.c) must never give a closed fd's object to a later user of the same
 * fd number, and element commands must not ask the kernel about the fd each time. So the
 * library defines close(), dup2(), dup3(), close_range() and closefrom(): each drops the
 * fd's cached entry before the real call and lets fills of that fd proceed only after it,
 * then calls the next definition (libc's, or a sanitizer's) found with dlsym(RTLD_NEXT).
 * Whether the hook is really reached (it is not when the library is loaded RTLD_LOCAL or
 * the caller binds to libc directly) is tested once by closing a pipe end through the
 * ordinary close(); obj_fd_trusted records the answer.
 *
 * mmap(): a map fd is mapped only as the kernel's bpf_map_mmap allows (obj_mmap.c): no
 * writable mapping of a frozen map (EPERM), none of a type without mmap (ENOTSUPP), ...
 * Only mappings requested through the interposed mmap() are seen; the library's own
 * mappings (core/hook.h) are exempt.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <unistd.h>

#include "core/hook.h"
#include "object/object.h"

static int (*real_close)(int);
static int (*real_dup2)(int, int);
static int (*real_dup3)(int, int, int);
static int (*real_close_range)(unsigned, unsigned, int);
static void (*real_closefrom)(int);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int obj_hook_ready; /* the next definitions are resolved and the fd table exists */

static int obj_hook_probe_fd = -1;
static int obj_hook_seen;

/* Sanitizer runtimes call close() and mmap() while they start, before they can run
 * instrumented code and before our constructors: the hooks are not instrumented, and
 * until obj_hook_init has run they go straight to the system call. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OBJ_HOOK_ATTR __attribute__((no_sanitize_address, no_sanitize_thread))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OBJ_HOOK_ATTR __attribute__((no_sanitize("address", "thread")))
#endif
#endif
#ifndef OBJ_HOOK_ATTR
#define OBJ_HOOK_ATTR
#endif

__attribute__((constructor(200))) static void obj_hook_init(void)
{
	real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	real_dup2 = (int (*)(int, int))dlsym(RTLD_NEXT, "dup2");
	real_dup3 = (int (*)(int, int, int))dlsym(RTLD_NEXT, "dup3");
	real_close_range = (int (*)(unsigned, unsigned, int))dlsym(RTLD_NEXT, "close_range");
	real_closefrom = (void (*)(int))dlsym(RTLD_NEXT, "closefrom");
	real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	__atomic_store_n(&obj_hook_ready, 1, __ATOMIC_RELEASE);
}

/* a macro: it must not become an (instrumented) function call */
#define obj_hook_on() __atomic_load_n(&obj_hook_ready, __ATOMIC_ACQUIRE)

/* Called with the fd about to be closed: drops the entry; reclaims once the fd is gone. */
static void obj_hook_closed(bool had_entry)
{
	if (had_entry && !ub_hook_internal) {
		int saved = errno;
		ub_rcu_reclaim(false);
		errno = saved;
	}
}

OBJ_HOOK_ATTR int close(int fd)
{
	if (!obj_hook_on())
		return (int)syscall(SYS_close, fd);
	if (fd == __atomic_load_n(&obj_hook_probe_fd, __ATOMIC_RELAXED) && fd >= 0)
		__atomic_store_n(&obj_hook_seen, 1, __ATOMIC_RELAXED);
	bool had = obj_fd_cached(fd) != NULL;
	obj_fd_close_begin(fd);
	int ret = real_close ? real_close(fd) : (int)syscall(SYS_close, fd);
	obj_fd_close_end(fd);
	obj_hook_closed(had);
	return ret;
}

OBJ_HOOK_ATTR int dup2(int oldfd, int newfd)
{
	if (!obj_hook_on() || !real_dup2 || oldfd == newfd) { /* nothing is closed */
		if (real_dup2)
			return real_dup2(oldfd, newfd);
		if (oldfd == newfd)
			return fcntl(oldfd, F_GETFD) < 0 ? -1 : oldfd;
		return (int)syscall(SYS_dup3, oldfd, newfd, 0);
	}
	bool had = obj_fd_cached(newfd) != NULL;
	obj_fd_close_begin(newfd);
	int ret = real_dup2(oldfd, newfd);
	obj_fd_close_end(newfd);
	obj_hook_closed(had);
	return ret;
}

OBJ_HOOK_ATTR int dup3(int oldfd, int newfd, int flags)
{
	if (!obj_hook_on() || oldfd == newfd)
		return real_dup3 ? real_dup3(oldfd, newfd, flags)
		                 : (int)syscall(SYS_dup3, oldfd, newfd, flags);
	bool had = obj_fd_cached(newfd) != NULL;
	obj_fd_close_begin(newfd);
	int ret = real_dup3 ? real_dup3(oldfd, newfd, flags)
	                    : (int)syscall(SYS_dup3, oldfd, newfd, flags);
	obj_fd_close_end(newfd);
	obj_hook_closed(had);
	return ret;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int obj_sys_close_range(unsigned first, unsigned last, int flags)
{
#ifdef SYS_close_range
	return (int)syscall(SYS_close_range, first, last, flags);
#else
	errno = ENOSYS;
	return -1;
#endif
}

OBJ_HOOK_ATTR int close_range(unsigned first, unsigned last, int flags)
{
	bool closes = obj_hook_on() && !(flags & CLOSE_RANGE_CLOEXEC) && first <= last;
	if (closes)
		obj_fd_close_range_begin(first, last);
	int ret = real_close_range ? real_close_range(first, last, flags)
	                           : obj_sys_close_range(first, last, flags);
	if (closes)
		obj_fd_close_range_end(first, last);
	obj_hook_closed(closes);
	return ret;
}

OBJ_HOOK_ATTR void closefrom(int lowfd)
{
	unsigned lo = lowfd < 0 ? 0 : (unsigned)lowfd;
	bool on = obj_hook_on();
	if (on)
		obj_fd_close_range_begin(lo, ~0u);
	if (real_closefrom)
		real_closefrom(lowfd);
	else
		obj_sys_close_range(lo, ~0u, 0);
	if (on)
		obj_fd_close_range_end(lo, ~0u);
	obj_hook_closed(on);
}

static void *obj_hook_mmap_checked(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int err = obj_mmap_check(fd, len, prot, flags, off);
	if (err) {
		errno = -err;
		return MAP_FAILED;
	}
	return real_mmap(addr, len, prot, flags, fd, off);
}

OBJ_HOOK_ATTR static inline __attribute__((always_inline)) void *
obj_hook_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	if (!obj_hook_on() || !real_mmap)
		return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
	if (fd >= 0 && !(flags & MAP_ANONYMOUS) && !ub_hook_internal)
		return obj_hook_mmap_checked(addr, len, prot, flags, fd, off);
	return real_mmap(addr, len, prot, flags, fd, off);
}

OBJ_HOOK_ATTR void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return obj_hook_mmap(addr, len, prot, flags, fd, off);
}

#if UINTPTR_MAX > 0xffffffffu /* off_t is off64_t: mmap64 is the same call */
OBJ_HOOK_ATTR void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return obj_hook_mmap(addr, len, prot, flags, fd, off);
}
#endif

/* Does a close() made the ordinary way reach us? Called once, before the first command. */
void obj_hook_probe(void)
{
	int p[2];
	if (!obj_fdtab || pipe2(p, O_CLOEXEC) < 0)
		return;
	__atomic_store_n(&obj_hook_probe_fd, p[0], __ATOMIC_RELAXED);
	int (*volatile close_fn)(int) = close; /* through the symbol, as the user's code calls it */
	close_fn(p[0]);
	__atomic_store_n(&obj_hook_probe_fd, -1, __ATOMIC_RELAXED);
	close(p[1]);
	__atomic_store_n(&obj_fd_trusted, __atomic_load_n(&obj_hook_seen, __ATOMIC_RELAXED),
	                 __ATOMIC_RELEASE);
}
