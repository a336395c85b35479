/* fb_exec.h — fuzz_btf's harness: BPF_BTF_LOAD is a parser of untrusted bytes, and what
 * loads is then consumed by MAP_CREATE (btf_key/value_type_id), PROG_LOAD (func_info,
 * line_info) and BTF_GET_INFO_BY_FD / BTF_GET_FD_BY_ID.
 *
 * Input: a 6-byte header, then the raw BTF blob (what BPF_BTF_LOAD's attr.btf points to):
 *   flags      bits 0-1 log level (0, 1, 2; 3 reads as 1), bit 2 a 128-byte log buffer
 *              (rotation, ENOSPC), bit 3 skip the consumers
 *   key_sel, value_sel, func_sel   type ids for the map and func_info (modulo the count
 *              libbpf finds, or the byte itself when libbpf cannot parse the blob)
 *   line_sel   line_info's name offsets (file/line) as a fraction of the string section
 *   vsize      a value size to try when the type has none
 * Used by fuzz_btf (libFuzzer) and tests/unit/test_fuzz_regress.c.
 */
#ifndef USERBPF_FUZZ_FB_EXEC_H
#define USERBPF_FUZZ_FB_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FB_HDR_SIZE 6
#define FB_MAX_SIZE (1u << 20)

struct fb_result {
	bool loaded; /* BTF_LOAD gave an fd */
	int load_errno;
	int map_errno, prog_errno; /* 0: created/loaded, -1: not tried */
	bool finding;
	char what[256];
};

/* Also load each blob into the host kernel and compare verdict, errno and error line
 * (fuzz_btf sets it from FUZZ_BTF_KERNEL=1; needs root). */
extern bool fb_kernel_cmp;

/* Returns 0; r says what happened. The caller keeps USERBPF_BPFFS on a private root. */
int fb_exec(const uint8_t *data, size_t size, struct fb_result *r);

#endif /* USERBPF_FUZZ_FB_EXEC_H */
