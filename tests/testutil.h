/* Test helpers shared by the unit tests: files, hex, and the host-kernel oracle probe. */
#ifndef USERBPF_TESTUTIL_H
#define USERBPF_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <userbpf/userbpf.h>

/* Read a whole file; NULL on error. *len may be NULL. Caller frees. */
char *tu_read_file(const char *path, size_t *len);

/* True when the host kernel's bpf() can load and test-run a socket filter (root, no lockdown).
 * When false, oracle tests call tu_skip() so the skip is visible. */
int tu_kernel_bpf_available(void);

/* Load insns into the host kernel as a socket filter; returns the prog fd or -errno, and
 * copies the kernel's last error line (not the "processed" summary) into errline. */
int tu_kernel_load(const struct bpf_insn *insns, size_t cnt, char *errline, size_t len);

/* Run a loaded kernel program once on data via BPF_PROG_TEST_RUN; returns 0 and *retval. */
int tu_kernel_test_run(int fd, void *data, uint32_t len, uint32_t *retval);

#endif
