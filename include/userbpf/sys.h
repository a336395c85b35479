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
 * The library keeps a per-process cache fd -> object so element commands make no system
 * call. It cannot see close(2): prefer userbpf_close() for object fds. An entry for an fd
 * closed with close(2) is dropped at the next id command, OBJ_GET_INFO_BY_FD or object
 * creation; until then, reusing that fd number for a non-bpf file is not detected.
 */
#ifndef USERBPF_SYS_H
#define USERBPF_SYS_H

#include <userbpf/bpf_uapi.h>

#ifdef __cplusplus
extern "C" {
#endif

/* bpf(cmd, attr, size): >= 0 on success (an fd for fd-returning commands), -1 with errno. */
long userbpf_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

/* Close an object fd and drop the library's cached view of it (close(2) for other fds). */
int userbpf_close(int fd);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_SYS_H */
