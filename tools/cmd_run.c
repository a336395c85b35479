/* cmd_run.c — userbpf run: load a program through bpf(), run it on input, print the result.
 *
 * The same path a bpftool user takes: BPF_PROG_LOAD (ISA checks, map fixup; the verifier
 * when it lands) and BPF_PROG_TEST_RUN, printing what bpftool prog run prints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/userbpf.h>

#include "cmds.h"

static int run_usage(FILE *out)
{
	fprintf(out,
	        "Usage: userbpf run PROG [data_in FILE] [mem HEX] [repeat N]\n"
	        "  PROG is assembly text (.s/.asm) or raw 8-byte instructions. It is loaded with\n"
	        "  BPF_PROG_LOAD and run with BPF_PROG_TEST_RUN on the input (r1 = input,\n"
	        "  r2 = its length), printing 'Return value: R, duration (average): Dns' like\n"
	        "  bpftool prog run. On a rejected load the kernel-style log is printed.\n"
	        "  Until the verifier lands, programs run with runtime memory guards.\n");
	return out == stdout ? 0 : 2;
}

/* BPF_PROG_LOAD; prints the log on failure. Returns the fd or -1. */
static int run_load(const char *path, const struct bpf_insn *insns, size_t cnt)
{
	static char log[1 << 16];
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof log;
	attr.log_level = 1;
	int fd = (int)userbpf_sys_bpf(BPF_PROG_LOAD, &attr, sizeof attr);
	if (fd < 0)
		fprintf(stderr, "userbpf: %s: program rejected (%s)\n%s", path, strerror(errno),
		        log);
	return fd;
}

/* BPF_PROG_TEST_RUN on a copy of data; prints bpftool's line. */
static int run_test(int fd, const unsigned char *data, size_t len, unsigned long repeat)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = (uint64_t)(uintptr_t)data;
	attr.test.data_size_in = (uint32_t)len;
	attr.test.repeat = (uint32_t)repeat;
	if (userbpf_sys_bpf(BPF_PROG_TEST_RUN, &attr, sizeof attr) < 0) {
		fprintf(stderr, "userbpf: run failed: %s\n", strerror(errno));
		return -1;
	}
	printf("Return value: %u, duration%s: %uns\n", attr.test.retval,
	       repeat > 1 ? " (average)" : "", attr.test.duration);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	const char *prog = NULL, *data_path = NULL, *mem_hex = NULL;
	unsigned long repeat = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "help"))
			return run_usage(stdout);
		if (!strcmp(argv[i], "data_in") && i + 1 < argc)
			data_path = argv[++i];
		else if (!strcmp(argv[i], "mem") && i + 1 < argc)
			mem_hex = argv[++i];
		else if (!strcmp(argv[i], "repeat") && i + 1 < argc)
			repeat = strtoul(argv[++i], NULL, 0);
		else if (!prog)
			prog = argv[i];
		else
			return run_usage(stderr);
	}
	if (!prog || repeat == 0 || repeat > UINT32_MAX || (data_path && mem_hex))
		return run_usage(stderr);

	struct bpf_insn *insns;
	size_t cnt, len = 0;
	unsigned char *data = NULL;
	if (progfile_read(prog, &insns, &cnt))
		return 1;
	if ((data_path && progfile_read_bytes(data_path, &data, &len)) ||
	    (mem_hex && progfile_unhex("mem", mem_hex, &data, &len))) {
		free(insns);
		return 1;
	}
	int fd = run_load(prog, insns, cnt);
	free(insns);
	int rc = fd < 0 ? -1 : run_test(fd, data, len, repeat);
	if (fd >= 0)
		userbpf_close(fd);
	free(data);
	return rc ? 1 : 0;
}
