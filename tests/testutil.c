/* testutil.c — files and the host-kernel oracle (the tests' only use of bpf(2)). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, (cap *= 2) + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

int tu_kernel_load(const struct bpf_insn *insns, size_t cnt, char *errline, size_t len)
{
	static char log[1 << 16];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = 0;
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int err = -errno;
	if (errline && len) {
		const char *last = "";
		for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
			if (*p && strncmp(p, "processed ", 10) &&
			    strncmp(p, "verification time", 17))
				last = p;
		snprintf(errline, len, "%s", last);
	}
	return err;
}

int tu_kernel_test_run(int fd, void *data, uint32_t len, uint32_t *retval)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)data;
	a.test.data_size_in = len;
	a.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a) < 0)
		return -errno;
	*retval = a.test.retval;
	return 0;
}

int tu_kernel_bpf_available(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	if (getenv("USERBPF_NO_KERNEL")) /* force the fixture-only path */
		return cached = 0;
	struct bpf_insn prog[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 7},
	                           {.code = BPF_JMP | BPF_EXIT}};
	int fd = tu_kernel_load(prog, 2, NULL, 0);
	uint32_t ret = 0;
	char data[64] = {0};
	cached = fd >= 0 && tu_kernel_test_run(fd, data, sizeof data, &ret) == 0 && ret == 7;
	if (fd >= 0)
		close(fd);
	return cached;
}
