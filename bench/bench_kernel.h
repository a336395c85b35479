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

/* --- maps (bench_maps) --- */

/* The keys every map benchmark uses, here so both sides of the boundary agree: the i-th key
 * of a hash or LPM map is {prefixlen 32, ip BKEY_IP(i)}, of an array (n a power of two)
 * BKEY_IDX(i, n). Multiplying by an odd constant permutes, so the keys are distinct and
 * visited in a scattered order. */
#define BKEY_MUL 0x9E3779B1u
#define BKEY_BASE 0x0a000000u /* 10.0.0.0 */
#define BKEY_IP(i) ((uint32_t)(i)*BKEY_MUL + BKEY_BASE)
#define BKEY_IDX(i, n) (((uint32_t)(i)*BKEY_MUL) & ((n)-1))

/* bpf(BPF_MAP_CREATE) on the host; type and flags use the kernel's numbering (ours is the
 * same). Returns an fd, or a negative errno with the reason in why. */
int kbench_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                      uint32_t flags, char *why, size_t len);

/* One element command each, 0 or a negative errno. */
int kbench_map_lookup(int fd, const void *key, void *value);
int kbench_map_update(int fd, const void *key, const void *value, uint64_t flags);
int kbench_map_delete(int fd, const void *key);

/* A socket filter that runs n iterations of: build key i on the stack (as above; array_keys
 * selects the array form), then op. The loop is bounded, so the verifier walks it. */
enum kbench_prog_op { KPROG_NONE, KPROG_LOOKUP, KPROG_UPDATE };
int kbench_map_prog_load(int map_fd, enum kbench_prog_op op, int array_keys, uint32_t n, char *why,
                         size_t len);
/* The same program's instructions (8-byte words, at most KBENCH_PROG_MAX) for another loader
 * (our interpreter): map_fd is that loader's fd. Returns the count. */
#define KBENCH_PROG_MAX 32
size_t kbench_map_prog_insns(int map_fd, enum kbench_prog_op op, int array_keys, uint32_t n,
                             void *out);

#endif /* BENCH_KERNEL_H */
