/* map_lru.c — the LRU machinery of LRU_HASH and LRU_PERCPU_HASH.
 *
 * Like the kernel's bpf_lru, each list keeps three circular lists of elements: free,
 * active and inactive. A new element starts on the inactive list; lookups from programs
 * only set its "referenced" bit (no lock). When a list runs out of free elements it
 * rotates (unreferenced active elements drop to inactive while inactive is the smaller)
 * and shrinks: scanning inactive from its oldest end, referenced elements are promoted to
 * active, the others are removed from their bucket and freed, up to a target number; if
 * none can be freed, the oldest element that can be removed is taken regardless of its
 * bit. One common list serves all CPUs, or with BPF_F_NO_COMMON_LRU each CPU has its own
 * list and its own share of the elements.
 */
#include "core/cpu.h"
#include "core/lock.h"
#include "maps/htab_internal.h"

#define HTAB_LRU_NONE HTAB_LRU_NR_TYPES /* on no list: never used yet, or in flight */

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
	e->lru_type = HTAB_LRU_NONE;
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
	e->lru_type = (uint16_t)t;
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
		e->lru_type = HTAB_LRU_NONE;
		e->lru_owner = (uint16_t)owner;
	}
	return n;
}

static bool htab_lru_is_ref(const struct htab_elem *e)
{
	return __atomic_load_n(&e->lru_ref, __ATOMIC_RELAXED);
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

uint32_t htab_lru_pop_free(struct bpf_map *map, uint32_t hash)
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
		/* the hash is read by eviction (under this lock) to find the element's bucket */
		htab_elem(map, n)->hash = hash;
		htab_lru_move(map, l, n, HTAB_LRU_INACTIVE);
	}
	ub_spin_unlock(&l->lock);
	return n;
}

void htab_lru_push_free(struct bpf_map *map, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	uint32_t owner = e->lru_owner < htab_hdr(map)->nr_lru_lists ? e->lru_owner : 0;
	struct htab_lru_list *l = htab_lru_list_at(map, owner);
	ub_spin_lock(&l->lock);
	htab_lru_move(map, l, n, HTAB_LRU_FREE);
	ub_spin_unlock(&l->lock);
}
