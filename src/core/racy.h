/* racy.h — copies of map keys and values that other threads may be rewriting.
 *
 * Like the kernel's, our lookups read keys and values without the lock writers hold
 * (a value may tear under a concurrent update, as it may in the kernel). That is a data
 * race in C11 terms, harmless on every machine we run on; under ThreadSanitizer the copies
 * are done with relaxed atomic byte accesses on both sides so that the tool checks our
 * locking instead of reporting these races by design.
 */
#ifndef USERBPF_CORE_RACY_H
#define USERBPF_CORE_RACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SANITIZE_THREAD__)
#define UB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UB_TSAN 1
#endif
#endif

static inline void ub_racy_copy(void *dst, const void *src, size_t n)
{
#ifdef UB_TSAN
	for (size_t i = 0; i < n; i++)
		__atomic_store_n((char *)dst + i,
		                 __atomic_load_n((const char *)src + i, __ATOMIC_RELAXED),
		                 __ATOMIC_RELAXED);
#else
	if (n == 8) { /* the common u64 value or key: one move, not a library call */
		uint64_t v;
		memcpy(&v, src, 8);
		memcpy(dst, &v, 8);
		return;
	}
	memcpy(dst, src, n);
#endif
}

static inline bool ub_racy_equal(const void *a, const void *b, size_t n)
{
#ifdef UB_TSAN
	for (size_t i = 0; i < n; i++)
		if (__atomic_load_n((const char *)a + i, __ATOMIC_RELAXED) !=
		    __atomic_load_n((const char *)b + i, __ATOMIC_RELAXED))
			return false;
	return true;
#else
	return !memcmp(a, b, n);
#endif
}

#endif /* USERBPF_CORE_RACY_H */
