/* rcu.c — reader registration, deferred callbacks and grace periods (see rcu.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/lock.h"
#include "core/rcu.h"

__thread struct ub_rcu_reader *ub_rcu_self __attribute__((tls_model("initial-exec")));
uint64_t ub_rcu_gp = 1; /* readers store it, so it is never 0 */
int ub_rcu_fence = 1;   /* until membarrier is known to work */

static pthread_mutex_t rcu_readers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t rcu_reclaim_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ub_rcu_reader *rcu_readers; /* every record ever made; records are reused */
static struct ub_rcu_head *rcu_pending;   /* lock-free stack of retired objects */
static pthread_key_t rcu_key;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;

static long rcu_membarrier(int cmd)
{
#ifdef __NR_membarrier
	return syscall(__NR_membarrier, cmd, 0, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

static void rcu_thread_exit(void *arg)
{
	struct ub_rcu_reader *r = arg;
	pthread_mutex_lock(&rcu_readers_lock);
	__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
	r->nest = 0;
	r->in_use = 0;
	pthread_mutex_unlock(&rcu_readers_lock);
}

static void rcu_init(void)
{
	pthread_key_create(&rcu_key, rcu_thread_exit);
	/* Registered once, the expedited barrier is an IPI to the CPUs running our threads:
	 * readers then need no fence of their own. */
	if (rcu_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0)
		__atomic_store_n(&ub_rcu_fence, 0, __ATOMIC_RELEASE);
}

struct ub_rcu_reader *ub_rcu_register(void)
{
	pthread_once(&rcu_once, rcu_init);
	pthread_mutex_lock(&rcu_readers_lock);
	struct ub_rcu_reader *r;
	for (r = rcu_readers; r && r->in_use; r = r->next)
		;
	if (!r) {
		r = aligned_alloc(64, sizeof *r);
		if (!r)
			abort(); /* a few dozen bytes once per thread */
		r->ctr = 0;
		r->next = rcu_readers;
		__atomic_store_n(&rcu_readers, r, __ATOMIC_RELEASE);
	}
	r->nest = 0;
	r->in_use = 1;
	pthread_mutex_unlock(&rcu_readers_lock);
	pthread_setspecific(rcu_key, r);
	ub_rcu_self = r;
	return r;
}

void ub_rcu_call(struct ub_rcu_head *head, void (*fn)(struct ub_rcu_head *head))
{
	head->fn = fn;
	struct ub_rcu_head *old = __atomic_load_n(&rcu_pending, __ATOMIC_RELAXED);
	do
		head->next = old;
	while (!__atomic_compare_exchange_n(&rcu_pending, &old, head, true, __ATOMIC_RELEASE,
	                                    __ATOMIC_RELAXED));
}

/* Make every thread's earlier stores visible to us and ours to them. */
static void rcu_barrier_all(void)
{
	if (__atomic_load_n(&ub_rcu_fence, __ATOMIC_ACQUIRE)) {
		static uint64_t fence_word; /* a seq_cst read-modify-write is a full barrier */
		__atomic_fetch_add(&fence_word, 0, __ATOMIC_SEQ_CST);
		return;
	}
	if (rcu_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return;
	/* after fork() the child may have to register again */
	if (rcu_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
	    rcu_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0)
		return;
	/* the slow global barrier needs no registration; readers never fenced, so it must be
	 * a real barrier on every thread, which it is */
	if (rcu_membarrier(MEMBARRIER_CMD_GLOBAL) == 0)
		return;
	abort(); /* readers were told not to fence and nothing can order them now */
}

/* Is any reader still in a section that began before grace period g? */
static bool rcu_readers_before(uint64_t g)
{
	for (struct ub_rcu_reader *r = __atomic_load_n(&rcu_readers, __ATOMIC_ACQUIRE); r;
	     r = r->next) {
		uint64_t c = __atomic_load_n(&r->ctr, __ATOMIC_ACQUIRE);
		if (c && c < g)
			return true;
	}
	return false;
}

int ub_rcu_reclaim(bool wait)
{
	if (ub_rcu_in_read())
		return 0;
	if (!__atomic_load_n(&rcu_pending, __ATOMIC_RELAXED))
		return 0;
	if (wait)
		pthread_mutex_lock(&rcu_reclaim_lock);
	else if (pthread_mutex_trylock(&rcu_reclaim_lock))
		return 0;
	struct ub_rcu_head *list = __atomic_exchange_n(&rcu_pending, NULL, __ATOMIC_ACQUIRE);
	int n = 0;
	if (list) {
		/* Everything on the list was unpublished before we took it; a reader that starts
		 * after the new grace period begins cannot find it. */
		uint64_t g = __atomic_add_fetch(&ub_rcu_gp, 1, __ATOMIC_SEQ_CST);
		rcu_barrier_all();
		unsigned spins = 0;
		bool busy;
		while ((busy = rcu_readers_before(g)) && (wait || spins < 320)) {
			if (++spins < 256)
				ub_cpu_relax();
			else
				sched_yield();
		}
		if (busy) { /* give them back for a later call */
			struct ub_rcu_head *tail = list;
			while (tail->next)
				tail = tail->next;
			struct ub_rcu_head *old = __atomic_load_n(&rcu_pending, __ATOMIC_RELAXED);
			do
				tail->next = old;
			while (!__atomic_compare_exchange_n(&rcu_pending, &old, list, true,
			                                    __ATOMIC_RELEASE, __ATOMIC_RELAXED));
			list = NULL;
		}
		while (list) {
			struct ub_rcu_head *next = list->next;
			list->fn(list);
			list = next;
			n++;
		}
	}
	pthread_mutex_unlock(&rcu_reclaim_lock);
	return n;
}

void ub_rcu_atfork_child(void)
{
	pthread_mutex_init(&rcu_readers_lock, NULL);
	pthread_mutex_init(&rcu_reclaim_lock, NULL);
	for (struct ub_rcu_reader *r = rcu_readers; r; r = r->next) {
		if (r == ub_rcu_self)
			continue;
		r->ctr = 0;
		r->nest = 0;
		r->in_use = 0;
	}
}
