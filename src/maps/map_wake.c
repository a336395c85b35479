/* map_wake.c — futex wakeups in shared memory, and the eventfd bridge for epoll users. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "maps/map_wake.h"

/* Shared (not FUTEX_PRIVATE_FLAG) futex ops: the word is in a file mapping that other
 * processes map at other addresses. */
static long map_futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

void map_wake_signal(struct map_wake *w)
{
	/* seq_cst pairs with the waiter's increment of waiters then read of seq: either the
	 * waiter sees the new seq (and does not sleep) or we see it waiting (and wake it). */
	__atomic_add_fetch(&w->seq, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w->waiters, __ATOMIC_SEQ_CST))
		map_futex(&w->seq, FUTEX_WAKE, INT_MAX, NULL);
}

static int64_t map_wake_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep until seq moves away from seen, or ms pass (< 0: no limit). */
static int map_wake_sleep(struct map_wake *w, uint32_t seen, int64_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
	__atomic_add_fetch(&w->waiters, 1, __ATOMIC_SEQ_CST);
	long r = map_futex(&w->seq, FUTEX_WAIT, seen, ms < 0 ? NULL : &ts);
	int err = r < 0 ? errno : 0;
	__atomic_sub_fetch(&w->waiters, 1, __ATOMIC_SEQ_CST);
	return err == EAGAIN || err == ETIMEDOUT ? 0 : -err;
}

int map_wake_wait(struct map_wake *w, bool (*ready)(void *arg), void *arg, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : map_wake_now_ms() + timeout_ms;
	for (;;) {
		uint32_t seen = map_wake_seq(w);
		if (ready(arg))
			return 1;
		int64_t left = deadline < 0 ? -1 : deadline - map_wake_now_ms();
		if (deadline >= 0 && left <= 0)
			return 0;
		int err = map_wake_sleep(w, seen, left);
		if (err)
			return err;
	}
}

struct map_wake_bridge {
	struct map_wake *w;
	bool (*ready)(void *arg);
	void *arg;
	int efd;
	uint32_t stop;
	pthread_t thread;
};

static void *map_wake_bridge_run(void *p)
{
	struct map_wake_bridge *b = p;
	uint32_t seen = map_wake_seq(b->w) - 1; /* differs: check once at start */
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
		uint32_t seq = map_wake_seq(b->w);
		if (seq != seen) {
			seen = seq;
			uint64_t one = 1;
			if (b->ready(b->arg) && write(b->efd, &one, sizeof one) < 0 &&
			    errno != EAGAIN)
				break;
			continue; /* re-read seq: it may have moved while we checked */
		}
		map_wake_sleep(b->w, seen, -1);
	}
	return NULL;
}

int map_wake_bridge_start(struct map_wake *w, bool (*ready)(void *arg), void *arg,
                          struct map_wake_bridge **out)
{
	struct map_wake_bridge *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	*b = (struct map_wake_bridge){.w = w, .ready = ready, .arg = arg};
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0) {
		int err = -errno;
		free(b);
		return err;
	}
	int err = pthread_create(&b->thread, NULL, map_wake_bridge_run, b);
	if (err) {
		close(b->efd);
		free(b);
		return -err;
	}
	*out = b;
	return 0;
}

int map_wake_bridge_fd(const struct map_wake_bridge *b)
{
	return b->efd;
}

void map_wake_bridge_drain(struct map_wake_bridge *b)
{
	uint64_t cnt;
	if (b && read(b->efd, &cnt, sizeof cnt) < 0) {
		/* EAGAIN: nothing pending */
	}
}

void map_wake_bridge_stop(struct map_wake_bridge *b)
{
	if (!b)
		return;
	__atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
	/* Moving seq makes a bridge about to sleep return at once; other processes' waiters
	 * see a spurious wakeup and re-check, which they must tolerate anyway. */
	__atomic_add_fetch(&b->w->seq, 1, __ATOMIC_SEQ_CST);
	map_futex(&b->w->seq, FUTEX_WAKE, INT_MAX, NULL);
	pthread_join(b->thread, NULL);
	close(b->efd);
	free(b);
}
