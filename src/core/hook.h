/* hook.h — the library's own mappings, told apart from the application's.
 *
 * The object layer interposes mmap() to refuse writable mappings of frozen maps, as the
 * kernel does (object/obj_hook.c). The library's own views of a map must get through, and
 * must be recognisable from outside when MAP_FREEZE looks for writable user mappings in
 * /proc/<pid>/smaps: they are marked MADV_DONTDUMP ("dd" in VmFlags), which also keeps map
 * storage out of core dumps as it is with the kernel's maps.
 */
#ifndef USERBPF_CORE_HOOK_H
#define USERBPF_CORE_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* > 0 while this thread maps or closes something for the library itself. */
extern __thread int ub_hook_internal __attribute__((tls_model("initial-exec")));

/* mmap() for the library's own use: not subject to the interposed checks; a shared file
 * mapping is marked MADV_DONTDUMP. */
void *ub_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* munmap() of (part of) a ub_mmap mapping: also forgets the range. */
int ub_munmap(void *addr, size_t len);

/* Does [start, end) lie inside one of this process's own shared file views (ub_mmap)? */
bool ub_mmap_is_view(uintptr_t start, uintptr_t end);

#endif /* USERBPF_CORE_HOOK_H */
