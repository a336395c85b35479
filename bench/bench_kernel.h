/* The host kernel as a comparison point: load a socket filter, time it with
 * BPF_PROG_TEST_RUN. Kept apart from the userbpf headers because it needs <linux/bpf.h>,
 * whose definitions overlap ours; programs cross this boundary as raw 8-byte words. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Load cnt instructions as a socket filter. Returns an fd, or a negative errno with the
 * first line of the verifier log (or strerror) in why. */
int kbench_load(const void *insns, size_t cnt, char *why, size_t len);

/* Run the program repeat times on a 64-byte packet. *ns_per_run is the kernel's average
 * (BPF_PROG_TEST_RUN duration). Returns 0 or a negative errno. */
int kbench_run(int fd, uint32_t repeat, uint32_t *ns_per_run, uint32_t *retval);

void kbench_close(int fd);

#endif /* BENCH_KERNEL_H */
