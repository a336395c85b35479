/* helper_net.c — the network namespace a program's packets and sockets live in:
 * bpf_get_netns_cookie (122), one runtime for the kernel's skb and socket variants.
 *
 * The kernel answers the cookie of the namespace of the ctx's socket (skb->sk, the sock,
 * the sock_ops' or sk_msg's socket) and, for a NULL ctx or an skb without a socket,
 * init_net's. Every socket a run of ours sees lives in the calling thread's namespace (the
 * kernel's test runs do the same: their skb's socket is sk_alloc'ed in current's netns),
 * and user space reads that namespace's cookie with getsockopt(SO_NETNS_COOKIE) on any
 * socket (Linux 5.14+). init_net's cookie is the same number when the thread is in the
 * initial namespace, whose /proc inode is fixed (PROC_NET_INIT_INO); from any other
 * namespace user space cannot learn it, so a NULL ctx there stops the run (EOPNOTSUPP)
 * rather than answer a wrong number. Measured against the host kernel in
 * test_helpers_coverage (socket filter, tc and cgroup_skb test runs, ctx and NULL).
 */
#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helper_internal.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#define PROC_NET_INIT_INO 0xeffffff9u /* include/linux/proc_ns.h */

/* The calling thread's namespace: its /proc inode and cookie, cached per thread and
 * looked up again when the thread moved (setns) since. 0 and -errno on failure. */
static int netns_cookie(uint64_t *ino, uint64_t *cookie)
{
	static _Thread_local uint64_t c_ino, c_cookie;
	struct stat st;
	if (stat("/proc/thread-self/ns/net", &st))
		return -errno;
	if (c_ino != (uint64_t)st.st_ino || !c_cookie) {
		int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		uint64_t v = 0;
		socklen_t len = sizeof v;
		int err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &v, &len) ? -errno : 0;
		close(fd);
		if (err)
			return err;
		c_ino = (uint64_t)st.st_ino;
		c_cookie = v;
	}
	*ino = c_ino;
	*cookie = c_cookie;
	return 0;
}

uint64_t bpf_get_netns_cookie_helper(uint64_t ctx, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint64_t ino = 0, cookie = 0;
	int err = netns_cookie(&ino, &cookie);
	if (err)
		return (uint64_t)userbpf_run_fail(rc, err,
		                                  "bpf_get_netns_cookie: no SO_NETNS_COOKIE");
	if (!ctx && ino != PROC_NET_INIT_INO)
		return (uint64_t)userbpf_run_fail(
		        rc, -EOPNOTSUPP,
		        "bpf_get_netns_cookie(NULL): init_net's cookie is "
		        "unknown outside the initial network namespace");
	return cookie;
}
