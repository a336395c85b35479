/* helper_misc.c — helpers that need no map and no memory: clocks, randomness, CPU, node.
 *
 * Clocks are the host's: bpf_ktime_get_ns is CLOCK_MONOTONIC as in the kernel (its
 * ktime_get_mono_fast_ns), so user space can compare with clock_gettime. jiffies have no
 * user-space source; bpf_jiffies64 counts USERBPF_HZ ticks of CLOCK_BOOTTIME from the
 * kernel's INITIAL_JIFFIES, so differences between two calls behave like the kernel's.
 */
#include <stdint.h>
#include <time.h>

#include "core/cpu.h"
#include "helpers/helpers.h"

/* CONFIG_HZ of the usual distribution kernels (Debian, Ubuntu, Fedora: 250 or 1000). */
#define USERBPF_HZ 250u
/* The kernel starts jiffies 5 minutes before the 32-bit wrap to catch wrap bugs early. */
#define INITIAL_JIFFIES ((uint64_t)(uint32_t)(-300 * (int32_t)USERBPF_HZ))

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bpf_ktime_get_ns_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                 struct userbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t bpf_ktime_get_boot_ns_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                      uint64_t r5, struct userbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_BOOTTIME);
}

uint64_t bpf_ktime_get_coarse_ns_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                        uint64_t r5, struct userbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

uint64_t bpf_ktime_get_tai_ns_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	return clock_ns(CLOCK_TAI);
}

uint64_t bpf_jiffies64_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	return INITIAL_JIFFIES + clock_ns(CLOCK_BOOTTIME) / (1000000000u / USERBPF_HZ);
}

/* A per-thread xorshift32 seeded from the clock: bpf_get_prandom_u32 promises no more. */
uint64_t bpf_get_prandom_u32_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                    struct userbpf_run_ctx *rc)
{
	static _Thread_local uint32_t state;
	uint32_t x = state;
	if (!x)
		x = (uint32_t)clock_ns(CLOCK_MONOTONIC) | 1u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	state = x;
	return x;
}

uint64_t bpf_get_smp_processor_id_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                         uint64_t r5, struct userbpf_run_ctx *rc)
{
	return (uint64_t)ub_current_cpu();
}

uint64_t bpf_get_numa_node_id_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                     uint64_t r5, struct userbpf_run_ctx *rc)
{
	return 0; /* one node: what NUMA_NO_NODE maps resolve to here */
}

/* bpf_get_attach_cookie: the cookie of the attachment that ran the program. Programs here
 * run from BPF_PROG_TEST_RUN or a vm run, never from an attachment with a cookie: 0, which
 * is what the kernel answers in a raw_tracepoint test run. */
uint64_t bpf_get_attach_cookie_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                      uint64_t r5, struct userbpf_run_ctx *rc)
{
	return 0;
}
