/* sys.h — the bpf(2) system call, served in userspace.
 *
 * userbpf_sys_bpf() takes the same command numbers and union bpf_attr as the kernel's
 * bpf(2) and answers with the same results and errnos. Like the libc syscall() wrapper it
 * returns -1 and sets errno on error; on success it returns 0, or a new file descriptor for
 * the commands that create one (MAP_CREATE, OBJ_GET, *_GET_FD_BY_ID, BTF_LOAD, ...).
 *
 * Objects (maps, programs, BTF) are files in a bpffs root directory: the environment
 * variable USERBPF_BPFFS if set, else /dev/shm/userbpf-<uid>. The returned fds are plain
 * file descriptors for those files, so close(2), dup(2), fork inheritance and SCM_RIGHTS
 * behave as with the kernel's bpf fds, and an object lives while any fd, mapping or pin
 * holds it. Pin paths under /sys/fs/bpf/ are placed under the root.
 *
 * The library keeps a per-process table fd -> object so element commands make no system
 * call. It sees close(2): the library defines close(), dup2(), dup3(), close_range() and
 * closefrom() (each calls the C library's after dropping the fd's entry), so a closed and
 * reused fd number never names the old object. Where those definitions are not the ones
 * the program calls (the library loaded with dlopen(RTLD_LOCAL), ...), which the library
 * detects once, every use of a cached fd is checked with fstat() instead. Closing an fd
 * with a raw syscall(SYS_close) is not seen until the next id command, OBJ_GET_INFO_BY_FD
 * or object creation. The library also defines mmap(): a map fd is mapped only as the
 * kernel allows (no writable mapping of a frozen map: EPERM, ...).
 *
 * Bad pointers in attr (keys, values, paths, info, log buffers, the attr itself) are
 * answered with EFAULT, as the kernel does, not with a crash: the library installs a
 * SIGSEGV/SIGBUS handler at its first command that recovers faults inside its own copies
 * and passes every other fault to the handler that was there before.
 */
#ifndef USERBPF_SYS_H
#define USERBPF_SYS_H

#include <userbpf/bpf_uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* bpf(cmd, attr, size): >= 0 on success (an fd for fd-returning commands), -1 with errno. */
long userbpf_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* close(2); kept for programs that call it (close() does the same now). */
int userbpf_close(int fd);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_SYS_H */
