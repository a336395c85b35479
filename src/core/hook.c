/* hook.c — mappings the library makes for itself (see hook.h). */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "core/hook.h"

__thread int ub_hook_internal __attribute__((tls_model("initial-exec")));

void *ub_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	ub_hook_internal++;
	void *p = mmap(addr, len, prot, flags, fd, off);
	ub_hook_internal--;
	if (p != MAP_FAILED && fd >= 0 && (flags & MAP_SHARED))
		madvise(p, len, MADV_DONTDUMP);
	return p;
}
