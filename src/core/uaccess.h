/* uaccess.h — copies from and to memory the caller of bpf() named, with -EFAULT instead of a
 * crash when the address is bad (the kernel's copy_from_user / copy_to_user).
 *
 * A bad pointer faults; a SIGSEGV/SIGBUS handler (installed by ub_uaccess_init, chaining to
 * whatever handler was there before for every other fault) recognises a fault inside one of
 * these copies and makes the copy return -EFAULT. The common path costs nothing extra:
 * on x86-64 without sanitizers the copy is a small leaf routine and the handler moves the
 * faulting instruction pointer to its error exit (the kernel's exception-table technique);
 * elsewhere, and under ASan/TSan so that they still check the copies, a thread-local
 * recovery point is set around memcpy (about 3 ns).
 *
 * Not detectable: a pointer into memory that is mapped but is not what the caller meant,
 * and any fault when the application replaces our handler after ub_uaccess_init().
 */
#ifndef USERBPF_CORE_UACCESS_H
#define USERBPF_CORE_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Install the fault handler once per process. Idempotent and thread-safe. */
void ub_uaccess_init(void);

/* 0, or -EFAULT with dst possibly partly written. n == 0 never faults. */
int ub_ua_copy_checked(void *dst, const void *src, size_t n);
static inline int ub_copy_from_user(void *dst, const void *usrc, size_t n)
{
	return ub_ua_copy_checked(dst, usrc, n);
}
static inline int ub_copy_to_user(void *udst, const void *src, size_t n)
{
	return ub_ua_copy_checked(udst, src, n);
}

/* Length of the string at s, at most max; -EFAULT if it cannot be read up to its end. */
long ub_strnlen_user(const char *s, size_t max);

/* Copy a NUL-terminated string of at most max - 1 bytes; -ENAMETOOLONG if longer,
 * -EFAULT if unreadable. */
int ub_strncpy_from_user(char *dst, const char *usrc, size_t max);

#endif /* USERBPF_CORE_UACCESS_H */
