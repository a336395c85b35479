/* obj_regtab.c — the registry's table: who holds each live object, in shared memory.
 *
 * The registry (obj_id.c) tells, for an id, which process's fd holds the object. Made as
 * one file per object, that cost a symlink() at every object's creation — a tenth of a
 * small program's BPF_PROG_LOAD. The table is one shared file, <root>/.regtab, mapped by
 * every process that uses the root: per kind OBJ_REGTAB_SLOTS slots of 32 bytes, the slot
 * of an id being id % OBJ_REGTAB_SLOTS. Ids only increase, so a slot is taken again only
 * OBJ_REGTAB_SLOTS objects of the kind later; the entry still there (its object may live
 * on: pinned, held by another process) is then first written out as the symbolic link the
 * registry has always read (the caller's spill function). The file is sparse: only the
 * pages of slots in use take memory.
 *
 * A slot is a sequence lock that works across processes: a writer makes the sequence odd
 * with a compare-and-swap, stores, and makes it even again, holding it for a few stores
 * only (never across a system call); a reader copies the slot and checks that the sequence
 * did not move. A writer that died with the sequence odd leaves that slot to the links:
 * readers and writers give up on it after a bounded wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/hook.h"
#include "object/obj_regtab.h"

#define OBJ_REGTAB_SLOTS 32768u /* per kind: 1 MiB of address space, sparse */
#define OBJ_REGTAB_SPINS 4096   /* a writer holds a slot for a few stores */

struct obj_regtab_slot {
	uint32_t seq; /* odd: being written */
	uint32_t id;  /* 0: empty */
	int32_t pid, fd;
	uint64_t dev, ino;
};
_Static_assert(sizeof(struct obj_regtab_slot) == 32, "slots are 32 bytes");

#define OBJ_REGTAB_SIZE ((size_t)OBJ_NR_KINDS * OBJ_REGTAB_SLOTS * sizeof(struct obj_regtab_slot))

static pthread_mutex_t tab_lock = PTHREAD_MUTEX_INITIALIZER;
static char tab_root[PATH_MAX];
static struct obj_regtab_slot *tab;

/* root's table, mapped on first use. A table mapped for another root stays mapped (a
 * thread may still read it). NULL when it cannot be made. */
static struct obj_regtab_slot *obj_regtab_map(const char *root)
{
	pthread_mutex_lock(&tab_lock);
	struct obj_regtab_slot *t = tab;
	if (t && !strcmp(root, tab_root)) {
		pthread_mutex_unlock(&tab_lock);
		return t;
	}
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/.regtab", root);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	void *p = MAP_FAILED;
	/* growing to the full size is idempotent, so concurrent creators agree */
	if (fd >= 0 && ftruncate(fd, (off_t)OBJ_REGTAB_SIZE) == 0)
		p = ub_mmap(NULL, OBJ_REGTAB_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	t = NULL;
	if (p != MAP_FAILED) {
		t = p;
		snprintf(tab_root, sizeof tab_root, "%s", root);
		tab = t;
	}
	pthread_mutex_unlock(&tab_lock);
	return t;
}

static struct obj_regtab_slot *obj_regtab_slot(const char *root, enum obj_kind kind, uint32_t id)
{
	if (!id || kind <= OBJ_NONE || kind >= OBJ_NR_KINDS)
		return NULL;
	struct obj_regtab_slot *t = obj_regtab_map(root);
	return t ? &t[(size_t)kind * OBJ_REGTAB_SLOTS + id % OBJ_REGTAB_SLOTS] : NULL;
}

static inline void obj_regtab_relax(int spins)
{
	if (spins % 64 == 63)
		sched_yield(); /* the writer may have been preempted */
#if defined(__x86_64__) || defined(__i386__)
	else
		__builtin_ia32_pause();
#endif
}

/* A consistent copy of the slot: its sequence (even), or -1 when a writer holds it for
 * too long (died holding it). */
static int64_t obj_regtab_read(const struct obj_regtab_slot *s, uint32_t *id, struct obj_holder *h)
{
	for (int spins = 0; spins < OBJ_REGTAB_SPINS; spins++) {
		uint32_t s1 = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			obj_regtab_relax(spins);
			continue;
		}
		/* acquire loads: the second look at the sequence stays after them (no fence:
		 * ThreadSanitizer does not model fences) */
		*id = __atomic_load_n(&s->id, __ATOMIC_ACQUIRE);
		h->pid = __atomic_load_n(&s->pid, __ATOMIC_ACQUIRE);
		h->fd = __atomic_load_n(&s->fd, __ATOMIC_ACQUIRE);
		h->dev = __atomic_load_n(&s->dev, __ATOMIC_ACQUIRE);
		h->ino = __atomic_load_n(&s->ino, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == s1)
			return s1;
	}
	return -1;
}

/* Take the slot if its sequence is still seq; then the caller stores and releases. */
static bool obj_regtab_lock(struct obj_regtab_slot *s, uint32_t seq)
{
	return __atomic_compare_exchange_n(&s->seq, &seq, seq + 1, false, __ATOMIC_ACQUIRE,
	                                   __ATOMIC_RELAXED);
}

static void obj_regtab_store(struct obj_regtab_slot *s, uint32_t seq, uint32_t id,
                             const struct obj_holder *h)
{
	/* release stores: a reader that sees one of them also sees the odd sequence before
	 * it, so its second look at the sequence fails */
	__atomic_store_n(&s->id, id, __ATOMIC_RELEASE);
	__atomic_store_n(&s->pid, h ? (int32_t)h->pid : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->fd, h ? h->fd : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->dev, h ? h->dev : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->ino, h ? h->ino : 0, __ATOMIC_RELEASE);
	__atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
}

bool obj_regtab_get(const char *root, enum obj_kind kind, uint32_t id, struct obj_holder *h)
{
	struct obj_regtab_slot *s = obj_regtab_slot(root, kind, id);
	uint32_t sid;
	return s && obj_regtab_read(s, &sid, h) >= 0 && sid == id;
}

bool obj_regtab_set(const char *root, enum obj_kind kind, uint32_t id, const struct obj_holder *h,
                    bool only_present, obj_regtab_spill_fn spill)
{
	struct obj_regtab_slot *s = obj_regtab_slot(root, kind, id);
	if (!s || h->pid > INT32_MAX)
		return false;
	for (int tries = 0; tries < 16; tries++) {
		uint32_t old;
		struct obj_holder oh;
		int64_t seq = obj_regtab_read(s, &old, &oh);
		if (seq < 0)
			return false;
		if (old != id && only_present)
			return false;
		if (old && old != id) {
			/* the entry of an object OBJ_REGTAB_SLOTS ids older: written out first, so
			 * that its readers find it as a link once the slot has moved on */
			spill(root, kind, old, &oh);
		}
		if (!obj_regtab_lock(s, (uint32_t)seq))
			continue; /* changed meanwhile: look again */
		obj_regtab_store(s, (uint32_t)seq, id, h);
		return true;
	}
	return false;
}

bool obj_regtab_del(const char *root, enum obj_kind kind, uint32_t id)
{
	struct obj_regtab_slot *s = obj_regtab_slot(root, kind, id);
	if (!s)
		return false;
	for (int tries = 0; tries < 16; tries++) {
		uint32_t old;
		struct obj_holder oh;
		int64_t seq = obj_regtab_read(s, &old, &oh);
		if (seq < 0 || old != id)
			return false;
		if (obj_regtab_lock(s, (uint32_t)seq)) {
			obj_regtab_store(s, (uint32_t)seq, 0, NULL);
			return true;
		}
	}
	return false;
}

int obj_regtab_list(const char *root, enum obj_kind kind, uint32_t after, uint32_t last,
                    uint32_t **ids, size_t *n, size_t *cap)
{
	if (kind <= OBJ_NONE || kind >= OBJ_NR_KINDS || last <= after)
		return 0;
	struct obj_regtab_slot *t = obj_regtab_map(root);
	if (!t)
		return 0;
	t += (size_t)kind * OBJ_REGTAB_SLOTS;
	/* the ids (after, last] fall on these slots (all of them when there are more ids) */
	uint64_t span = (uint64_t)last - after;
	uint32_t cnt = span < OBJ_REGTAB_SLOTS ? (uint32_t)span : OBJ_REGTAB_SLOTS;
	for (uint32_t k = 0; k < cnt; k++) {
		uint32_t id;
		struct obj_holder h;
		const struct obj_regtab_slot *s = &t[(after + 1 + k) % OBJ_REGTAB_SLOTS];
		if (obj_regtab_read(s, &id, &h) < 0 || id <= after || id > last)
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			uint32_t *ni = realloc(*ids, ncap * sizeof *ni);
			if (!ni)
				return -ENOMEM;
			*ids = ni;
			*cap = ncap;
		}
		(*ids)[(*n)++] = id;
	}
	return 0;
}
