/* maptrace — the kernel-comparison harness shared by the map tests (test_map_*.c).
 *
 * A test runs one "script" of map operations twice: against the host kernel (bpf(2) called
 * with our union bpf_attr, which has the kernel's layout) and against our ops, each run
 * writing a trace of one line per answer. The two traces must be equal line by line. The
 * kernel's trace is kept in tests/fixtures/map_<name>_kernel.txt (re-recorded with
 * USERBPF_RECORD_FIXTURES=1, as root) and ours is checked against it on every run, so the
 * rules stay pinned where bpf() is unavailable.
 */
#ifndef USERBPF_MAPTRACE_H
#define USERBPF_MAPTRACE_H

#include <stddef.h>
#include <stdint.h>

#include "testutil.h"
#include "maps/map.h"

/* bpf(2) on the host kernel with our union bpf_attr: the result, or -errno. */
int mt_bpf(int cmd, union bpf_attr *attr);

/* One side of a comparison: the kernel's bpf(2) (kernel != 0) or userbpf_sys_bpf; the
 * result, or -errno. mt_side_close closes an fd of that side (fd < 0: nothing). */
int mt_side_bpf(int kernel, int cmd, union bpf_attr *attr);
void mt_side_close(int kernel, int fd);

/* --- one map, in the kernel or ours --- */

struct mt_map {
	int kernel;
	int fd;       /* the kernel's map fd, or our memfd */
	int inner_fd; /* the kernel's inner map, for a map-of-maps type; else -1 */
	struct bpf_map *m;
	uint32_t key_size;
};

/* Create a map from *a in the kernel (kernel != 0) or with our ops; 0 or -errno. In the
 * kernel, a map-of-maps type gets a fresh 4-entry ARRAY (4-byte keys and values) as its
 * inner map. */
int mt_create_attr(struct mt_map *t, int kernel, union bpf_attr *a);

/* mt_create_attr with the usual fields. */
int mt_create(struct mt_map *t, int kernel, uint32_t type, uint32_t key_size, uint32_t value_size,
              uint32_t max_entries, uint32_t flags, uint64_t extra, uint32_t numa_node);

void mt_close(struct mt_map *t);

/* An element command (BPF_MAP_LOOKUP_ELEM, _UPDATE_ELEM, _DELETE_ELEM, _GET_NEXT_KEY,
 * _LOOKUP_AND_DELETE_ELEM): bpf(2) in the kernel, the matching ops call for ours. */
int mt_op(struct mt_map *t, int cmd, const void *key, void *value, uint64_t flags);

/* --- traces --- */

struct mt_trace {
	char *buf; /* NUL-terminated */
	size_t len, cap;
};

/* Append one line (a newline is added). */
__attribute__((format(printf, 2, 3))) void mt_tr(struct mt_trace *t, const char *fmt, ...);

/* n bytes at p as lowercase hex into out (2 * n + 1 bytes). */
void mt_hex(char *out, const void *p, size_t n);

/* Compare two traces line by line ('#' comments and blank lines skipped) and print
 * "<what>: N lines compared, M differ". When the "ncpus N" lines differ, lines starting
 * with "pcpu" are not compared. Returns the number of differences. */
int mt_compare(const char *what, const char *want, const char *got);

/* --- the kernel-agreement tests --- */

/* A script: the same operations, in the kernel or ours, traced into t (empty on entry). */
typedef void (*mt_script_fn)(int kernel, struct mt_trace *t);

/* Run the script on ours and compare with the recorded kernel trace in fixture
 * ("<name> fixture: ..."). */
void mt_fixture_agreement(const char *name, const char *fixture, mt_script_fn script);

/* Run the script in the kernel and on ours and compare ("<name> live kernel: ..."); skipped
 * visibly when the kernel's bpf() is unavailable. With USERBPF_RECORD_FIXTURES set, the
 * kernel's trace is first written to fixture, with a header naming test_map_<name>. */
void mt_live_kernel_agreement(const char *name, const char *fixture, mt_script_fn script);

#endif
