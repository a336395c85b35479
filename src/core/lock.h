/* lock.h — a spinlock that works across processes: a 32-bit word in shared memory.
 *
 * Map storage is shared between processes (a pinned map is the same memory everywhere),
 * so pthread mutexes (which need PTHREAD_PROCESS_SHARED setup and are larger than the
 * kernel's 4-byte struct bpf_spin_lock) are not used. Critical sections are short
 * (a bucket walk, a value copy), so spinning with a pause and then yielding is enough.
 * The __atomic builtins make the ordering visible to ThreadSanitizer.
 */
#ifndef USERBPF_CORE_LOCK_H
#define USERBPF_CORE_LOCK_H

#include <sched.h>
#include <stdint.h>

static inline void ub_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static inline void ub_spin_lock(uint32_t *lock)
{
	for (unsigned spins = 0;; spins++) {
		if (!__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
			return;
		while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
			if (++spins > 128)
				sched_yield(); /* the holder may be descheduled */
			else
				ub_cpu_relax();
		}
	}
}

static inline int ub_spin_trylock(uint32_t *lock)
{
	return !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE);
}

static inline void ub_spin_unlock(uint32_t *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

#endif /* USERBPF_CORE_LOCK_H */
