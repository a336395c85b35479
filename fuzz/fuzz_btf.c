/* libFuzzer target: BPF_BTF_LOAD as a parser of untrusted bytes, and the loaded BTF's
 * consumers (MAP_CREATE with btf_key/value_type_id, PROG_LOAD with func_info/line_info,
 * BTF_GET_INFO_BY_FD, BTF_GET_FD_BY_ID). The input format and the invariants are in
 * fb_exec.h / fb_exec.c; a broken invariant aborts so libFuzzer keeps the input.
 * FUZZ_BTF_KERNEL=1 (root): also load each blob into the host kernel; a different verdict,
 * errno or error line is a finding (differential mode).
 * Seeds: the .BTF sections of the tests/progs objects (scripts/fuzz-smoke.sh extracts them
 * with llvm-objcopy and prefixes the 6-byte header). Objects live in a private
 * USERBPF_BPFFS root under /dev/shm, removed at exit.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "fb_exec.h"

static char root[64];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void at_exit(void)
{
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof root, "/dev/shm/userbpf-fuzzb-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	setenv("USERBPF_BPFFS", root, 1);
	const char *k = getenv("FUZZ_BTF_KERNEL");
	fb_kernel_cmp = k && *k && *k != '0';
	atexit(at_exit);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < FB_HDR_SIZE || size > FB_MAX_SIZE)
		return -1;
	struct fb_result r;
	fb_exec(data, size, &r);
	if (r.finding) {
		fprintf(stderr, "fuzz_btf finding: %s\n", r.what);
		abort();
	}
	return 0;
}
