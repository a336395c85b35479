/* bench_kernel.c — see bench_kernel.h. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_kernel.h"

#define KBENCH_PKT_LEN 64 /* test runs of socket filters need at least an Ethernet header */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's complaint is its last line, not counting the statistics line. */
static void last_log_line(const char *log, char *out, size_t len)
{
	const char *end = log + strlen(log), *start;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (start == log || strncmp(start, "processed ", 10) != 0)
			break;
		end = start;
	}
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

static int prog_load(const void *insns, size_t cnt, char *log, uint32_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = log_size;
		attr.log_level = 1;
		log[0] = 0;
	}
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	return fd >= 0 ? fd : -errno;
}

int kbench_load(const void *insns, size_t cnt, char *why, size_t len)
{
	/* No log on the first try: a log of every walked iteration would overflow any buffer
	 * and fail the load with ENOSPC. On failure, load again for the verifier's reason;
	 * recent kernels keep the end of an overflowing log, which is where it is. */
	static char log[1 << 20];
	int fd = prog_load(insns, cnt, NULL, 0);

	if (fd >= 0)
		return fd;
	snprintf(why, len, "bpf(BPF_PROG_LOAD): %s", strerror(-fd));
	if (fd != -EPERM && fd != -ENOSYS) {
		int fd2 = prog_load(insns, cnt, log, sizeof(log));

		if (fd2 >= 0)
			close(fd2);
		else if (log[0])
			last_log_line(log, why, len);
	}
	return fd;
}

int kbench_run(int fd, uint32_t repeat, uint32_t *ns_per_run, uint32_t *retval)
{
	unsigned char pkt[KBENCH_PKT_LEN] = {0};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = (uint64_t)(uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	*ns_per_run = attr.test.duration;
	*retval = attr.test.retval;
	return 0;
}

void kbench_close(int fd)
{
	close(fd);
}
