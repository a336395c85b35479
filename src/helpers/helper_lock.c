/* helper_lock.c — bpf_spin_lock (93) and bpf_spin_unlock (94).
 *
 * A struct bpf_spin_lock is a 4-byte word inside a map value, and map values are shared
 * between processes, so the lock is core/lock.h's process-shared spinlock on that word
 * (0 free, 1 held; the syscall side's BPF_F_LOCK copies take the same lock).
 *
 * The verifier guarantees that a program releases every lock it takes, before any helper
 * call or exit. A guarded run has no such proof: it checks the word is the program's
 * memory and 4-byte aligned, and gives up waiting after USERBPF_SPIN_TIMEOUT_MS (the run
 * stops with -EDEADLK) instead of spinning forever on a lock an earlier run leaked.
 */
#include <errno.h>
#include <time.h>

#include "core/lock.h"
#include "helpers/helper_internal.h"

#define USERBPF_SPIN_TIMEOUT_MS 2000

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool lock_arg_ok(struct userbpf_run_ctx *rc, uint64_t lock, const char *who)
{
	if (lock % 4 || !helper_mem_ok(rc, lock, 4, HELPER_RD | HELPER_WR)) {
		userbpf_run_fail(rc, -EFAULT, "%s: 0x%llx is not a lock in the program's memory",
		                 who, (unsigned long long)lock);
		return false;
	}
	return true;
}

uint64_t bpf_spin_lock_helper(uint64_t lock, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                              struct userbpf_run_ctx *rc)
{
	uint32_t *word = HELPER_PTR(lock);
	if (!userbpf_run_guarded(rc)) {
		ub_spin_lock(word);
		return 0;
	}
	if (!lock_arg_ok(rc, lock, "bpf_spin_lock"))
		return 0;
	uint64_t deadline = 0;
	for (unsigned spins = 0; !ub_spin_trylock(word); spins++) {
		if (spins < 128) {
			ub_cpu_relax();
			continue;
		}
		uint64_t now = now_ms();
		if (!deadline)
			deadline = now + USERBPF_SPIN_TIMEOUT_MS;
		if (now > deadline) {
			userbpf_run_fail(rc, -EDEADLK,
			                 "bpf_spin_lock: lock at 0x%llx still held "
			                 "after %d ms",
			                 (unsigned long long)lock, USERBPF_SPIN_TIMEOUT_MS);
			return 0;
		}
		sched_yield();
	}
	return 0;
}

uint64_t bpf_spin_unlock_helper(uint64_t lock, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct userbpf_run_ctx *rc)
{
	if (userbpf_run_guarded(rc) && !lock_arg_ok(rc, lock, "bpf_spin_unlock"))
		return 0;
	ub_spin_unlock(HELPER_PTR(lock));
	return 0;
}
