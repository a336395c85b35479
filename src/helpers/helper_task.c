/* helper_task.c — the current task: pid/tgid, uid/gid, comm, pid namespace.
 *
 * "Current" is the thread running the program: its thread id is the kernel's pid, its
 * process id the tgid. Ids are as this process sees them (its own pid and user
 * namespaces), which on a host without namespaces are the kernel's init-namespace ids.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helper_internal.h"

#define TASK_COMM_LEN 16

uint64_t bpf_get_current_pid_tgid_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                         uint64_t r5, struct userbpf_run_ctx *rc)
{
	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)gettid();
}

uint64_t bpf_get_current_uid_gid_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                        uint64_t r5, struct userbpf_run_ctx *rc)
{
	return (uint64_t)getgid() << 32 | getuid();
}

/* strscpy_pad(buf, comm, size): at most size - 1 bytes, NUL-terminated, zero-padded. */
uint64_t bpf_get_current_comm_helper(uint64_t buf, uint64_t size, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)size;
	if (!helper_mem_ok(rc, buf, n, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	if (!n)
		return 0;
	char comm[TASK_COMM_LEN + 1] = {0};
	if (prctl(PR_GET_NAME, comm)) {
		memset(HELPER_PTR(buf), 0, n);
		return HELPER_ERR(-EINVAL);
	}
	size_t len = strnlen(comm, TASK_COMM_LEN);
	if (len > n - 1)
		len = n - 1;
	memset(HELPER_PTR(buf), 0, n);
	memcpy(HELPER_PTR(buf), comm, len);
	return 0;
}

/* bpf_get_ns_current_pid_tgid(dev, ino, struct bpf_pidns_info *nsdata, size): our ids when
 * (dev, ino) name our pid namespace (stat /proc/self/ns/pid), else -EINVAL and zeroes. */
uint64_t bpf_get_ns_current_pid_tgid_helper(uint64_t dev, uint64_t ino, uint64_t nsdata,
                                            uint64_t size, uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)size;
	struct {
		uint32_t pid, tgid;
	} info;
	struct stat st;
	int err = -EINVAL;
	if (!helper_mem_ok(rc, nsdata, n, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	if (n != sizeof info || dev != (uint32_t)dev)
		goto clear;
	if (stat("/proc/self/ns/pid", &st)) {
		err = -ENOENT;
		goto clear;
	}
	if ((uint64_t)st.st_dev != dev || (uint64_t)st.st_ino != ino)
		goto clear;
	info.pid = (uint32_t)gettid();
	info.tgid = (uint32_t)getpid();
	memcpy(HELPER_PTR(nsdata), &info, sizeof info);
	return 0;
clear:
	if (n)
		memset(HELPER_PTR(nsdata), 0, n);
	return HELPER_ERR(err);
}

/* bpf_send_signal(sig) to the current process, bpf_send_signal_thread(sig) to the current
 * thread: 0, or -EINVAL for a signal number the kernel does not know (0 checks only). */
#define K_NSIG 64

uint64_t bpf_send_signal_helper(uint64_t sig, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct userbpf_run_ctx *rc)
{
	if ((uint32_t)sig > K_NSIG)
		return HELPER_ERR(-EINVAL);
	return kill(getpid(), (int)(uint32_t)sig) ? HELPER_ERR(-errno) : 0;
}

uint64_t bpf_send_signal_thread_helper(uint64_t sig, uint64_t r2, uint64_t r3, uint64_t r4,
                                       uint64_t r5, struct userbpf_run_ctx *rc)
{
	if ((uint32_t)sig > K_NSIG)
		return HELPER_ERR(-EINVAL);
	return tgkill(getpid(), gettid(), (int)(uint32_t)sig) ? HELPER_ERR(-errno) : 0;
}

/* bpf_get_branch_snapshot(buf, size, flags): there are no branch records (LBR) to read in
 * user space; the kernel answers -ENOENT when its CPU has none. */
uint64_t bpf_get_branch_snapshot_helper(uint64_t buf, uint64_t size, uint64_t flags, uint64_t r4,
                                        uint64_t r5, struct userbpf_run_ctx *rc)
{
	if (flags)
		return HELPER_ERR(-EINVAL);
	return HELPER_ERR(-ENOENT);
}
