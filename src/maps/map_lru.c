/* map_lru.c — the LRU machinery of LRU_HASH and LRU_PERCPU_HASH.
 *
 * Like the kernel's bpf_lru, each list keeps three circular lists of elements: free,
 * active and inactive. A new element starts on the inactive list; lookups from programs
 * only set its "referenced" bit (no lock). When a list runs out of free elements it
 * rotates (unreferenced active elements drop to inactive while inactive is the smaller)
 * and shrinks: scanning inactive from its oldest end, referenced elements are promoted to
 * active, the others are removed from their bucket and freed, up to a target number; if
 * none can be freed, the oldest element that can be removed is taken regardless of its
 * bit. With BPF_F_NO_COMMON_LRU each CPU has its own list and its own share of the
 * elements.
 *
 * One common list has, as the kernel's, a local layer per CPU (struct htab_lru_local):
 * new elements come from the CPU's local free list, refilled target_free at a time from the
 * common list, and wait on its pending list until that refill moves them to the common
 * lists; an element freed while pending goes back to its CPU's free list, one freed while
 * on the common lists waits on the CPU's dead list for the next refill (our addition: the
 * kernel takes the common lock for it at once). So the common lock is taken once per
 * target_free new elements, not twice per update; when the common list has nothing left,
 * a CPU steals from the others' local lists.
 */
#include "core/cpu.h"
#include "core/lock.h"
#include "maps/htab_internal.h"

static struct htab_lru_list *htab_lru_list_at(const struct bpf_map *map, uint32_t i)
{
	return (struct htab_lru_list *)((char *)map->data + htab_hdr(map)->lru_off) + i;
}

static void htab_lru_list_del(const struct bpf_map *map, struct htab_lru_list *l, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	unsigned t = e->lru_type;
	if (t >= HTAB_LRU_NR_TYPES)
		return;
	if (e->lru_next == n) {
		l->head[t] = 0;
	} else {
		htab_elem(map, e->lru_prev)->lru_next = e->lru_next;
		htab_elem(map, e->lru_next)->lru_prev = e->lru_prev;
		if (l->head[t] == n)
			l->head[t] = e->lru_next;
	}
	l->count[t]--;
	__atomic_store_n(&e->lru_type, HTAB_LRU_NONE, __ATOMIC_RELAXED);
}

/* Move n to the head (newest end) of list t; moving clears the referenced bit. */
static void htab_lru_move(const struct bpf_map *map, struct htab_lru_list *l, uint32_t n,
                          unsigned t)
{
	htab_lru_list_del(map, l, n);
	struct htab_elem *e = htab_elem(map, n);
	uint32_t head = l->head[t];
	if (!head) {
		e->lru_prev = e->lru_next = n;
	} else {
		struct htab_elem *h = htab_elem(map, head);
		e->lru_next = head;
		e->lru_prev = h->lru_prev;
		htab_elem(map, h->lru_prev)->lru_next = n;
		h->lru_prev = n;
	}
	l->head[t] = n;
	l->count[t]++;
	__atomic_store_n(&e->lru_type, (uint16_t)t, __ATOMIC_RELAXED);
	__atomic_store_n(&e->lru_ref, 0, __ATOMIC_RELAXED);
}

static uint32_t htab_lru_tail(const struct bpf_map *map, struct htab_lru_list *l, unsigned t)
{
	return l->head[t] ? htab_elem(map, l->head[t])->lru_prev : 0;
}

void htab_lru_init(struct bpf_map *map)
{
	struct htab_hdr *h = htab_hdr(map);
	uint32_t share = h->nr_elems / h->nr_lru_lists;
	for (uint32_t i = 0; i < h->nr_lru_lists; i++) {
		struct htab_lru_list *l = htab_lru_list_at(map, i);
		l->bump = 1 + i * share;
		l->bump_end = i + 1 == h->nr_lru_lists ? h->nr_elems + 1 : 1 + (i + 1) * share;
	}
}

static uint32_t htab_lru_take_free(const struct bpf_map *map, struct htab_lru_list *l,
                                   uint32_t owner)
{
	uint32_t n = l->head[HTAB_LRU_FREE];
	if (n) {
		htab_lru_list_del(map, l, n);
	} else if (l->bump < l->bump_end) {
		n = l->bump++;
		struct htab_elem *e = htab_elem(map, n);
		if (!e) /* bump_end never passes nr_elems */
			return 0;
		__atomic_store_n(&e->lru_type, HTAB_LRU_NONE, __ATOMIC_RELAXED);
		e->lru_owner = (uint16_t)owner;
	}
	return n;
}

static bool htab_lru_is_ref(const struct htab_elem *e)
{
	return e && __atomic_load_n(&e->lru_ref, __ATOMIC_RELAXED);
}

/* Keep the inactive list from running dry: while it is the shorter one, scan the oldest
 * active elements and demote those not referenced since they were last looked at. */
static void htab_lru_rotate(const struct bpf_map *map, struct htab_lru_list *l)
{
	if (l->count[HTAB_LRU_INACTIVE] >= l->count[HTAB_LRU_ACTIVE])
		return;
	uint32_t first = l->head[HTAB_LRU_ACTIVE], n = htab_lru_tail(map, l, HTAB_LRU_ACTIVE);
	for (uint32_t i = 0; n && i < htab_hdr(map)->lru_nr_scans; i++) {
		uint32_t prev = htab_elem(map, n)->lru_prev;
		bool ref = htab_lru_is_ref(htab_elem(map, n));
		htab_lru_move(map, l, n, ref ? HTAB_LRU_ACTIVE : HTAB_LRU_INACTIVE);
		if (n == first)
			break;
		n = prev;
	}
}

/* Free up to target elements from the inactive list's oldest end; if that frees nothing,
 * force out the oldest removable element. Returns how many were freed. */
static uint32_t htab_lru_shrink(struct bpf_map *map, struct htab_lru_list *l, uint32_t target)
{
	struct htab_hdr *h = htab_hdr(map);
	uint32_t freed = 0, left = l->count[HTAB_LRU_INACTIVE];
	uint32_t n = htab_lru_tail(map, l, HTAB_LRU_INACTIVE);
	for (uint32_t i = 0; left-- && i < h->lru_nr_scans; i++) {
		uint32_t prev = htab_elem(map, n)->lru_prev;
		if (htab_lru_is_ref(htab_elem(map, n))) {
			htab_lru_move(map, l, n, HTAB_LRU_ACTIVE);
		} else if (htab_lru_del_node(map, n)) {
			htab_lru_move(map, l, n, HTAB_LRU_FREE);
			if (++freed == target)
				break;
		}
		n = prev;
	}
	if (freed)
		return freed;
	unsigned t = l->count[HTAB_LRU_INACTIVE] ? HTAB_LRU_INACTIVE : HTAB_LRU_ACTIVE;
	left = l->count[t];
	for (n = htab_lru_tail(map, l, t); left--; n = htab_elem(map, n)->lru_prev) {
		if (htab_lru_del_node(map, n)) {
			htab_lru_move(map, l, n, HTAB_LRU_FREE);
			return 1;
		}
	}
	return 0;
}

static uint32_t htab_lru_pop_free_list(struct bpf_map *map, uint32_t hash)
{
	struct htab_hdr *h = htab_hdr(map);
	uint32_t idx = h->nr_lru_lists > 1 ? (uint32_t)ub_current_cpu() % h->nr_lru_lists : 0;
	struct htab_lru_list *l = htab_lru_list_at(map, idx);
	ub_spin_lock(&l->lock);
	uint32_t n = htab_lru_take_free(map, l, idx);
	if (!n) {
		htab_lru_rotate(map, l);
		if (htab_lru_shrink(map, l, h->lru_target_free))
			n = htab_lru_take_free(map, l, idx);
	}
	if (n) {
		/* the hash is read by eviction (under this lock) to find the element's bucket,
		 * and by lock-free lookups that may still stand on this element */
		__atomic_store_n(&htab_elem(map, n)->hash, hash, __ATOMIC_RELAXED);
		htab_lru_move(map, l, n, HTAB_LRU_INACTIVE);
	}
	ub_spin_unlock(&l->lock);
	return n;
}

static void htab_lru_push_free_list(struct bpf_map *map, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	uint32_t owner = e->lru_owner < htab_hdr(map)->nr_lru_lists ? e->lru_owner : 0;
	struct htab_lru_list *l = htab_lru_list_at(map, owner);
	ub_spin_lock(&l->lock);
	htab_lru_move(map, l, n, HTAB_LRU_FREE);
	ub_spin_unlock(&l->lock);
}

/* --- the common list's local layer --- */

static struct htab_lru_local *htab_lru_local_at(const struct bpf_map *map, uint32_t i)
{
	return (struct htab_lru_local *)((char *)map->data + htab_hdr(map)->lru_local_off) + i;
}

static uint32_t htab_lru_local_pop_free(const struct bpf_map *map, struct htab_lru_local *loc)
{
	uint32_t n = loc->free_head;
	if (n) {
		struct htab_elem *e = htab_elem(map, n);
		loc->free_head = e->lru_next;
		__atomic_store_n(&e->lru_type, HTAB_LRU_NONE, __ATOMIC_RELAXED);
	}
	return n;
}

static void htab_lru_local_push_free(const struct bpf_map *map, struct htab_lru_local *loc,
                                     uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	e->lru_next = loc->free_head;
	__atomic_store_n(&e->lru_type, HTAB_LRU_LOCAL_FREE, __ATOMIC_RELAXED);
	__atomic_store_n(&e->lru_ref, 0, __ATOMIC_RELAXED);
	loc->free_head = n;
}

static void htab_lru_pend_del(const struct bpf_map *map, struct htab_lru_local *loc, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	if (e->lru_next == n) {
		loc->pend_head = 0;
	} else {
		htab_elem(map, e->lru_prev)->lru_next = e->lru_next;
		htab_elem(map, e->lru_next)->lru_prev = e->lru_prev;
		if (loc->pend_head == n)
			loc->pend_head = e->lru_next;
	}
	loc->pend_count--;
	__atomic_store_n(&e->lru_type, HTAB_LRU_NONE, __ATOMIC_RELAXED);
}

static void htab_lru_pend_add(const struct bpf_map *map, struct htab_lru_local *loc, uint32_t n,
                              uint32_t hash, uint32_t owner)
{
	struct htab_elem *e = htab_elem(map, n);
	/* the hash is read by eviction (a steal from this list) and by lock-free lookups */
	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	uint32_t head = loc->pend_head;
	if (!head) {
		e->lru_prev = e->lru_next = n;
	} else {
		struct htab_elem *h = htab_elem(map, head);
		e->lru_next = head;
		e->lru_prev = h->lru_prev;
		htab_elem(map, h->lru_prev)->lru_next = n;
		h->lru_prev = n;
	}
	loc->pend_head = n;
	loc->pend_count++;
	__atomic_store_n(&e->lru_type, HTAB_LRU_LOCAL_PENDING, __ATOMIC_RELAXED);
	e->lru_owner = (uint16_t)owner;
	__atomic_store_n(&e->lru_ref, 0, __ATOMIC_RELAXED);
}

/* The dead elements leave the common lists for its free list (common lock held). */
static void htab_lru_flush_dead(struct bpf_map *map, struct htab_lru_list *l,
                                struct htab_lru_local *loc)
{
	for (uint32_t i = 0; i < loc->ndead; i++)
		htab_lru_move(map, l, loc->dead[i], HTAB_LRU_FREE);
	loc->ndead = 0;
}

/* Before evicting anything, take back what the other CPUs hold unused: their dead elements
 * and their local free lists (only those whose lock is free right now: the lock order is
 * local before common). The kernel evicts first and steals only when that fails; we would
 * rather not evict while free elements sit idle on a CPU that is not using them. */
static void htab_lru_gather(struct bpf_map *map, struct htab_lru_list *l, struct htab_lru_local *me)
{
	struct htab_hdr *h = htab_hdr(map);
	for (uint32_t i = 0; i < h->nr_lru_locals; i++) {
		struct htab_lru_local *o = htab_lru_local_at(map, i);
		if (o == me || !ub_spin_trylock(&o->lock))
			continue;
		htab_lru_flush_dead(map, l, o);
		uint32_t n;
		while ((n = htab_lru_local_pop_free(map, o)))
			htab_lru_move(map, l, n, HTAB_LRU_FREE);
		ub_spin_unlock(&o->lock);
	}
}

/* The kernel's bpf_lru_list_pop_free_to_local: pending elements join the common lists
 * (oldest first; referenced ones as active), the lists rotate, and up to target_free free
 * elements (shrinking for them if need be) move to the local free list. */
static void htab_lru_refill(struct bpf_map *map, struct htab_lru_local *loc)
{
	struct htab_hdr *h = htab_hdr(map);
	struct htab_lru_list *l = htab_lru_list_at(map, 0);
	ub_spin_lock(&l->lock);
	htab_lru_flush_dead(map, l, loc);
	while (loc->pend_head) {
		uint32_t oldest = htab_elem(map, loc->pend_head)->lru_prev;
		bool ref = htab_lru_is_ref(htab_elem(map, oldest));
		htab_lru_pend_del(map, loc, oldest);
		htab_lru_move(map, l, oldest, ref ? HTAB_LRU_ACTIVE : HTAB_LRU_INACTIVE);
	}
	htab_lru_rotate(map, l);
	if (l->count[HTAB_LRU_FREE] < h->lru_target_free && l->bump >= l->bump_end)
		htab_lru_gather(map, l, loc);
	uint32_t nfree = 0, n;
	while (nfree < h->lru_target_free && (n = htab_lru_take_free(map, l, 0))) {
		htab_lru_local_push_free(map, loc, n);
		nfree++;
	}
	if (nfree < h->lru_target_free && htab_lru_shrink(map, l, h->lru_target_free - nfree))
		while (nfree < h->lru_target_free && (n = htab_lru_take_free(map, l, 0))) {
			htab_lru_local_push_free(map, loc, n);
			nfree++;
		}
	ub_spin_unlock(&l->lock);
}

/* The oldest pending element that can leave its bucket (unreferenced first). */
static uint32_t htab_lru_local_pop_pending(struct bpf_map *map, struct htab_lru_local *loc)
{
	for (int force = 0; force < 2; force++) {
		uint32_t left = loc->pend_count;
		for (uint32_t n = loc->pend_head ? htab_elem(map, loc->pend_head)->lru_prev : 0;
		     left--; n = htab_elem(map, n)->lru_prev) {
			if ((force || !htab_lru_is_ref(htab_elem(map, n))) &&
			    htab_lru_del_node(map, n)) {
				htab_lru_pend_del(map, loc, n);
				return n;
			}
		}
	}
	return 0;
}

uint32_t htab_lru_pop_free(struct bpf_map *map, uint32_t hash)
{
	struct htab_hdr *h = htab_hdr(map);
	if (h->nr_lru_lists != 1 || !h->nr_lru_locals)
		return htab_lru_pop_free_list(map, hash);
	uint32_t me = (uint32_t)ub_current_cpu() % h->nr_lru_locals;
	struct htab_lru_local *loc = htab_lru_local_at(map, me);
	ub_spin_lock(&loc->lock);
	uint32_t n = htab_lru_local_pop_free(map, loc);
	if (!n) {
		htab_lru_refill(map, loc);
		n = htab_lru_local_pop_free(map, loc);
	}
	if (n)
		htab_lru_pend_add(map, loc, n, hash, me);
	ub_spin_unlock(&loc->lock);
	if (n)
		return n;
	/* nothing here nor on the common list: steal from the other CPUs' local lists */
	for (uint32_t i = 1; i < h->nr_lru_locals && !n; i++) {
		struct htab_lru_local *o = htab_lru_local_at(map, (me + i) % h->nr_lru_locals);
		ub_spin_lock(&o->lock);
		n = htab_lru_local_pop_free(map, o);
		if (!n)
			n = htab_lru_local_pop_pending(map, o);
		ub_spin_unlock(&o->lock);
	}
	if (n) {
		ub_spin_lock(&loc->lock);
		htab_lru_pend_add(map, loc, n, hash, me);
		ub_spin_unlock(&loc->lock);
	}
	return n;
}

void htab_lru_push_free(struct bpf_map *map, uint32_t n)
{
	struct htab_hdr *h = htab_hdr(map);
	if (h->nr_lru_lists != 1 || !h->nr_lru_locals) {
		htab_lru_push_free_list(map, n);
		return;
	}
	struct htab_elem *e = htab_elem(map, n);
	if (__atomic_load_n(&e->lru_type, __ATOMIC_RELAXED) == HTAB_LRU_LOCAL_PENDING) {
		struct htab_lru_local *o =
		        htab_lru_local_at(map, e->lru_owner < h->nr_lru_locals ? e->lru_owner : 0);
		ub_spin_lock(&o->lock);
		bool pending = e->lru_type == HTAB_LRU_LOCAL_PENDING;
		if (pending) {
			htab_lru_pend_del(map, o, n);
			htab_lru_local_push_free(map, o, n);
		}
		ub_spin_unlock(&o->lock);
		if (pending)
			return;
	}
	/* on the common lists (a refill moved it there): dead until the next refill */
	struct htab_lru_local *loc =
	        htab_lru_local_at(map, (uint32_t)ub_current_cpu() % h->nr_lru_locals);
	ub_spin_lock(&loc->lock);
	if (loc->ndead == HTAB_LRU_DEAD_MAX) {
		struct htab_lru_list *l = htab_lru_list_at(map, 0);
		ub_spin_lock(&l->lock);
		htab_lru_flush_dead(map, l, loc);
		ub_spin_unlock(&l->lock);
	}
	loc->dead[loc->ndead++] = n;
	ub_spin_unlock(&loc->lock);
}
