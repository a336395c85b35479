/* rcu.h — read-copy-update for process-local data: readers that cost two plain stores.
 *
 * The object layer's fd table is read on every bpf() command by every thread; a lock
 * there (even a reader count) puts one cache line in every command of every thread, which
 * is what made two threads slower than one. Readers here only publish, in a cache line of
 * their own, the grace-period number they started in; writers unpublish an object, hand it
 * to ub_rcu_call(), and the object is freed once every reader that may have seen it has
 * left its read section.
 *
 * The reader's store must be visible before its loads of the protected pointers. Instead of
 * a fence in every reader, the reclaimer asks the kernel for a barrier on every thread of
 * the process (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), as liburcu's "memb" flavour).
 * Without membarrier, readers use a full fence. Read sections nest; they must be short
 * (nothing in them waits for a reclaimer) and must not call ub_rcu_reclaim().
 */
#ifndef USERBPF_CORE_RCU_H
#define USERBPF_CORE_RCU_H

#include <stdbool.h>
#include <stdint.h>

struct ub_rcu_head {
	struct ub_rcu_head *next;
	void (*fn)(struct ub_rcu_head *head);
};

/* One per thread, on its own cache line. */
struct ub_rcu_reader {
	uint64_t ctr;  /* grace period this thread's read section started in, 0 when outside */
	uint32_t nest; /* read-section depth (only this thread touches it) */
	uint32_t in_use;
	struct ub_rcu_reader *next;
	char pad[64 - 24];
};

extern __thread struct ub_rcu_reader *ub_rcu_self __attribute__((tls_model("initial-exec")));
extern uint64_t ub_rcu_gp;
extern int ub_rcu_fence; /* readers fence themselves (no membarrier) */

struct ub_rcu_reader *ub_rcu_register(void);

static inline void ub_rcu_read_lock(void)
{
	struct ub_rcu_reader *r = ub_rcu_self;
	if (__builtin_expect(!r, 0))
		r = ub_rcu_register();
	if (r->nest++)
		return;
	uint64_t gp = __atomic_load_n(&ub_rcu_gp, __ATOMIC_ACQUIRE);
	if (__builtin_expect(ub_rcu_fence, 0)) {
		__atomic_exchange_n(&r->ctr, gp, __ATOMIC_SEQ_CST); /* a full barrier */
	} else {
		__atomic_store_n(&r->ctr, gp, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST); /* the reclaimer's membarrier orders us */
	}
}

static inline void ub_rcu_read_unlock(void)
{
	struct ub_rcu_reader *r = ub_rcu_self;
	if (--r->nest)
		return;
	__atomic_store_n(&r->ctr, 0, __ATOMIC_RELEASE);
}

static inline bool ub_rcu_in_read(void)
{
	return ub_rcu_self && ub_rcu_self->nest;
}

/* Run fn(head) once no reader can still see what head is embedded in. Lock-free (a close()
 * hook may call it); the callback runs in a later ub_rcu_reclaim(). */
void ub_rcu_call(struct ub_rcu_head *head, void (*fn)(struct ub_rcu_head *head));

/* Run the callbacks whose grace period is over. wait: until every reader has moved on;
 * otherwise give a busy reader a few microseconds and leave the rest for a later call.
 * Does nothing inside a read section. Returns how many callbacks ran. */
int ub_rcu_reclaim(bool wait);

/* fork(): call in the child. Threads that no longer exist are no longer readers. */
void ub_rcu_atfork_child(void);

#endif /* USERBPF_CORE_RCU_H */
