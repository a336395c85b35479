/* map_wake.h — waking consumers of ring-like maps (ring buffer, perf event array) across
 * processes.
 *
 * The kernel wakes a ring's consumer through a wait queue behind the map fd, which epoll
 * watches. Our rings live in a shared file mapped by any number of processes, so the
 * wakeup word must live in that file too: a 32-bit sequence counter that producers bump
 * and FUTEX_WAKE (a non-private futex on a MAP_SHARED file page is keyed by the file, so
 * it reaches waiters in every process). Nothing process-local is stored in shared memory.
 *
 * Consumers either block on the futex directly (map_wake_wait), or ask for an eventfd
 * they can hand to epoll: a bridge thread in the consumer's own process waits on the futex
 * and signals the eventfd, so producers in any process reach it.
 */
#ifndef USERBPF_MAPS_MAP_WAKE_H
#define USERBPF_MAPS_MAP_WAKE_H

#include <stdbool.h>
#include <stdint.h>

/* In shared memory; zero-initialised is the initial state. */
struct map_wake {
	uint32_t seq;     /* bumped on every wakeup: the futex word */
	uint32_t waiters; /* blocked waiters: producers skip the syscall when 0 */
};

/* Producer side: bump the sequence and wake every waiter in every process. */
void map_wake_signal(struct map_wake *w);

/* Current sequence (acquire): read it, check for data, then map_wake_wait(w, seq, ...). */
static inline uint32_t map_wake_seq(const struct map_wake *w)
{
	return __atomic_load_n(&w->seq, __ATOMIC_SEQ_CST);
}

/* Consumer side: ready(arg) tells whether data is waiting. Blocks until ready, or
 * timeout_ms passes (< 0: forever, 0: just check). Returns 1 when ready, 0 on timeout,
 * -errno on error (-EINTR when a signal interrupted the wait). */
int map_wake_wait(struct map_wake *w, bool (*ready)(void *arg), void *arg, int timeout_ms);

/* An eventfd signalled (by a bridge thread of this process) whenever w is woken while
 * ready(arg); also signalled at once if data is already waiting. */
struct map_wake_bridge;
int map_wake_bridge_start(struct map_wake *w, bool (*ready)(void *arg), void *arg,
                          struct map_wake_bridge **out);
int map_wake_bridge_fd(const struct map_wake_bridge *b);
/* Reset the eventfd (before consuming, so a wakeup for later data is not lost). */
void map_wake_bridge_drain(struct map_wake_bridge *b);
/* Stop the thread and close the eventfd. NULL is fine. */
void map_wake_bridge_stop(struct map_wake_bridge *b);

#endif /* USERBPF_MAPS_MAP_WAKE_H */
