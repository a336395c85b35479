/* helper_trace.c — bpf_trace_printk and bpf_trace_vprintk: lines in <bpffs root>/trace.
 *
 * The kernel appends each message to the tracing ring (read from trace_pipe). Ours appends
 * one line per call to the file "trace" in our bpffs root ($USERBPF_BPFFS, default
 * /dev/shm/userbpf-UID), shared by every process using that root; `tail -f` it. A line
 * looks like the kernel's trace_pipe output:
 *
 *   <comm, right-aligned in 16>-<tid, left-aligned in 7> [<cpu, 3 digits>] ..... \
 *       <seconds>.<microseconds>: bpf_trace_printk: <message>
 *
 * (monotonic clock; a message's own trailing newline is not doubled). Each line is one
 * O_APPEND write, so lines from concurrent writers do not interleave. The message is at
 * most MAX_BPRINTF_BUF - 1 bytes; the helper returns the length the whole message had.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "core/cpu.h"
#include "helpers/helper_internal.h"
#include "object/object.h"

#define MAX_TRACE_PRINTK_VARARGS 3

static void trace_emit(const char *msg)
{
	char root[PATH_MAX], path[PATH_MAX + 8];
	if (obj_root(root))
		return;
	snprintf(path, sizeof path, "%s/trace", root);
	char comm[17] = {0};
	prctl(PR_GET_NAME, comm);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	size_t mlen = strlen(msg);
	bool nl = mlen && msg[mlen - 1] == '\n';
	char line[MAX_BPRINTF_BUF + 128];
	int n = snprintf(line, sizeof line,
	                 "%16s-%-7d [%03d] ..... %5lld.%06ld: bpf_trace_printk: %s%s", comm,
	                 (int)gettid(), ub_current_cpu(), (long long)ts.tv_sec, ts.tv_nsec / 1000,
	                 msg, nl ? "" : "\n");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	ssize_t w = write(fd, line, (size_t)n);
	(void)w; /* tracing is best effort, as in the kernel */
	close(fd);
}

/* bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3) */
uint64_t bpf_trace_printk_helper(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2,
                                 uint64_t a3, struct userbpf_run_ctx *rc)
{
	uint32_t fsz = (uint32_t)fmt_size;
	if (!helper_mem_ok(rc, fmt, fsz, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	uint64_t args[MAX_TRACE_PRINTK_VARARGS] = {a1, a2, a3};
	char buf[MAX_BPRINTF_BUF];
	long n = helper_bprintf(buf, sizeof buf, HELPER_PTR(fmt), fsz, args,
	                        MAX_TRACE_PRINTK_VARARGS);
	if (n < 0)
		return HELPER_ERR(n);
	trace_emit(buf);
	return (uint64_t)n;
}

/* bpf_trace_vprintk(fmt, fmt_size, args, data_len) */
uint64_t bpf_trace_vprintk_helper(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t fsz = (uint32_t)fmt_size, dlen = (uint32_t)data_len;
	if (dlen & 7 || dlen > MAX_BPRINTF_VARARGS * 8 || (dlen && !data))
		return HELPER_ERR(-EINVAL);
	if (!helper_mem_ok(rc, fmt, fsz, HELPER_RD) || !helper_mem_ok(rc, data, dlen, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	uint64_t args[MAX_BPRINTF_VARARGS];
	if (dlen)
		memcpy(args, HELPER_PTR(data), dlen);
	char buf[MAX_BPRINTF_BUF];
	long n = helper_bprintf(buf, sizeof buf, HELPER_PTR(fmt), fsz, args, dlen / 8);
	if (n < 0)
		return HELPER_ERR(n);
	trace_emit(buf);
	return (uint64_t)n;
}
