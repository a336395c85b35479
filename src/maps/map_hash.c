/* map_hash.c — BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS:
 * lookups, updates and deletes on the bucket chains, and the ops tables.
 *
 * Changes to a chain hold the bucket's lock. Lookups do not: they walk the chain with
 * acquire loads and check the nulls marker at its end (htab_internal.h), as the kernel's
 * RCU lookups do, so that lookups from many threads share no written cache line. Syscall-
 * side copies of per-CPU values and BPF_F_LOCK copies still hold the bucket lock. As in
 * the kernel's preallocated maps, an element may be freed and reused while a program
 * still holds a pointer into it. Lookups are specialised for 4-, 8- and 16-byte keys
 * (map->lookup, chosen once per map by htab_map_resolve).
 */
#include <errno.h>
#include <string.h>

#include "core/cpu.h"
#include "core/lock.h"
#include "core/racy.h"
#include "maps/htab_internal.h"

/* ---- hashing: 64x64->128 multiply-and-fold rounds over 8-byte words ---- */

static inline uint64_t htab_fold(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

uint64_t htab_hash_init(uint32_t len, uint32_t seed)
{
	return htab_fold(seed ^ 0x9e3779b97f4a7c15ull, len ^ 0xd1b54a32d192ed03ull);
}

/* The rounds after the per-map first one; len is a constant in the specialisations. */
static inline __attribute__((always_inline)) uint32_t htab_hash_from(uint64_t h, const void *key,
                                                                     uint32_t len)
{
	const unsigned char *p = key;
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		h = htab_fold(h ^ w, 0xa0761d6478bd642full);
	}
	if (len) {
		uint64_t w = 0;
		memcpy(&w, p, len);
		h = htab_fold(h ^ w ^ ((uint64_t)len << 59), 0xe7037ed1a0b428dbull);
	}
	h = htab_fold(h, 0x8ebc6af09c88c6e3ull);
	return (uint32_t)(h ^ (h >> 32));
}

uint32_t htab_hash(const void *key, uint32_t len, uint32_t seed)
{
	return htab_hash_from(htab_hash_init(len, seed), key, len);
}

/* This map's hash of a key (hash_init holds the first round). */
static inline uint32_t htab_hash_key(const struct bpf_map *map, const void *key)
{
	uint64_t init = htab_hdr(map)->hash_init;
	switch (map->key_size) {
	case 4:
		return htab_hash_from(init, key, 4);
	case 8:
		return htab_hash_from(init, key, 8);
	case 16:
		return htab_hash_from(init, key, 16);
	default:
		return htab_hash_from(init, key, map->key_size);
	}
}

static inline struct htab_bucket *htab_select_bucket(const struct bpf_map *map, uint32_t hash)
{
	return htab_bucket_at(map, hash & (htab_hdr(map)->n_buckets - 1));
}

/* ---- lock-free lookup ---- */

static inline __attribute__((always_inline)) bool htab_key_eq(const void *ekey, const void *key,
                                                              uint32_t len)
{
#ifndef UB_TSAN
	uint64_t a, b, c, d;
	uint32_t x, y;
	switch (len) { /* a constant in the specialised lookups */
	case 4:
		memcpy(&x, ekey, 4);
		memcpy(&y, key, 4);
		return x == y;
	case 8:
		memcpy(&a, ekey, 8);
		memcpy(&b, key, 8);
		return a == b;
	case 16:
		memcpy(&a, ekey, 8);
		memcpy(&b, key, 8);
		memcpy(&c, (const char *)ekey + 8, 8);
		memcpy(&d, (const char *)key + 8, 8);
		return ((a ^ b) | (c ^ d)) == 0;
	}
#endif
	return ub_racy_equal(ekey, key, len);
}

#define HTAB_MAX_RETRIES 8

static struct htab_elem *htab_find_locked_walk(const struct bpf_map *map, const void *key,
                                               uint32_t hash);

/* The element holding key, without the bucket lock. len is map->key_size (a constant in
 * the specialised callers). After a few walks that ended in another bucket's chain (the
 * element under us was reused meanwhile), take the lock. */
static inline __attribute__((always_inline)) struct htab_elem *
htab_find_rcu(const struct bpf_map *map, const void *key, uint32_t len)
{
	const struct htab_hdr *h = htab_hdr(map);
	uint32_t hash = htab_hash_from(h->hash_init, key, len);
	uint32_t b = hash & (h->n_buckets - 1);
	const struct htab_bucket *bk = htab_bucket_at(map, b);
	char *elems = (char *)map->data + h->elems_off;
	uint32_t nr = h->nr_elems, esz = h->elem_size;
	for (int tries = 0; tries < HTAB_MAX_RETRIES; tries++) {
		uint32_t n = __atomic_load_n(&bk->first, __ATOMIC_ACQUIRE), steps = 0;
		while (n - 1 < nr && steps++ <= nr) { /* n in [1, nr]: an element */
			struct htab_elem *e = (struct htab_elem *)(elems + (uint64_t)(n - 1) * esz);
			if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash &&
			    htab_key_eq(htab_elem_key(e), key, len))
				return e;
			n = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE);
		}
		if (n == 0 || n == (HTAB_NULLS | b))
			return NULL; /* the end of our own chain: not there */
	}
	return htab_find_locked_walk(map, key, hash);
}

/* ---- chains (bucket lock held) ---- */

/* The element holding key, or 0; *prev_out gets its predecessor (0: the bucket head). */
static uint32_t htab_find(const struct bpf_map *map, struct htab_bucket *b, uint32_t hash,
                          const void *key, uint32_t *prev_out)
{
	uint32_t prev = 0;
	for (uint32_t n = b->first; n;) {
		struct htab_elem *e = htab_elem(map, n);
		if (!e)
			break; /* the nulls marker */
		if (e->hash == hash && htab_key_eq(htab_elem_key(e), key, map->key_size)) {
			if (prev_out)
				*prev_out = prev;
			return n;
		}
		prev = n;
		n = e->next;
	}
	return 0;
}

static struct htab_elem *htab_find_locked_walk(const struct bpf_map *map, const void *key,
                                               uint32_t hash)
{
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	struct htab_elem *e = htab_elem(map, htab_find(map, b, hash, key, NULL));
	ub_spin_unlock(&b->lock);
	return e;
}

static void htab_unlink(const struct bpf_map *map, struct htab_bucket *b, uint32_t prev, uint32_t n)
{
	/* n keeps its own link: a reader standing on it walks on to the chain's end */
	uint32_t next = htab_elem(map, n)->next;
	if (prev)
		__atomic_store_n(&htab_elem(map, prev)->next, next, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&b->first, next, __ATOMIC_RELEASE);
}

/* Publish n (filled) at the head; a never-used bucket's 0 becomes its nulls marker so that
 * every chain ends in one. */
static void htab_link_head(const struct bpf_map *map, struct htab_bucket *b, uint32_t n)
{
	uint32_t first = b->first;
	if (!first)
		first = HTAB_NULLS | (uint32_t)(b - htab_bucket_at(map, 0));
	__atomic_store_n(&htab_elem(map, n)->next, first, __ATOMIC_RELAXED);
	__atomic_store_n(&b->first, n, __ATOMIC_RELEASE);
}

bool htab_lru_del_node(struct bpf_map *map, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	struct htab_bucket *b = htab_select_bucket(map, e->hash);
	bool found = false;
	ub_spin_lock(&b->lock);
	for (uint32_t prev = 0, m = htab_first(b); m; prev = m, m = htab_next(map, m)) {
		if (m == n) {
			htab_unlink(map, b, prev, n);
			found = true;
			break;
		}
	}
	ub_spin_unlock(&b->lock);
	return found;
}

/* ---- the free lists (non-LRU types): one per CPU ---- */

static uint32_t htab_this_list(const struct bpf_map *map)
{
	uint32_t nr = htab_hdr(map)->nr_fl;
	return nr > 1 ? (uint32_t)ub_cpu_hint() % nr : 0;
}

static uint32_t htab_list_pop(const struct bpf_map *map, struct htab_freelist *l)
{
	/* an empty list is skipped without its lock: a peek, and only a peek */
	if (!__atomic_load_n(&l->head, __ATOMIC_RELAXED) &&
	    __atomic_load_n(&l->bump, __ATOMIC_RELAXED) >= l->bump_end)
		return 0;
	uint32_t n = 0;
	ub_spin_lock(&l->lock);
	if (l->head) {
		n = l->head;
		__atomic_store_n(&l->head, htab_elem(map, n)->lru_next, __ATOMIC_RELAXED);
	} else if (l->bump < l->bump_end) {
		n = l->bump;
		__atomic_store_n(&l->bump, n + 1, __ATOMIC_RELAXED);
	}
	ub_spin_unlock(&l->lock);
	return n;
}

/* An element for a new key: this CPU's list first, then the others (the kernel's
 * pcpu_freelist_pop); 0 when every list is empty, which is -E2BIG. */
static uint32_t htab_freelist_pop(const struct bpf_map *map)
{
	uint32_t nr = htab_hdr(map)->nr_fl, me = htab_this_list(map);
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t n = htab_list_pop(map, htab_freelist_at(map, (me + i) % nr));
		if (n)
			return n;
	}
	return 0;
}

static void htab_freelist_push(const struct bpf_map *map, uint32_t n)
{
	struct htab_freelist *l = htab_freelist_at(map, htab_this_list(map));
	ub_spin_lock(&l->lock);
	htab_elem(map, n)->lru_next = l->head;
	__atomic_store_n(&l->head, n, __ATOMIC_RELAXED);
	ub_spin_unlock(&l->lock);
}

/* An element that left its bucket goes back where it came from. */
static void htab_free_elem(struct bpf_map *map, uint32_t n)
{
	if (htab_is_lru(map->map_type))
		htab_lru_push_free(map, n);
	else
		htab_freelist_push(map, n);
}

/* ---- values ---- */

/* Syscall-side copy out: the lock word reads as zero (check_and_init_map_value). */
static void htab_copy_out(const struct bpf_map *map, void *dst, struct htab_elem *e, bool locked)
{
	if (bpf_map_is_percpu(map->map_type)) {
		memcpy(dst, htab_elem_value(map, e), (size_t)map->round_value_size * map->ncpus);
		return;
	}
	if (locked)
		bpf_map_copy_value_locked(map, dst, htab_elem_value(map, e), false);
	else
		bpf_map_copy_value(map, dst, htab_elem_value(map, e));
	int32_t off = map->sh->spin_lock_off;
	if (off >= 0)
		memset((char *)dst + off, 0, 4);
}

/* A new element's value: a fresh lock word, the rest from the caller. */
static void htab_init_value(const struct bpf_map *map, struct htab_elem *e, const void *value)
{
	void *v = htab_elem_value(map, e);
	if (map->sh->spin_lock_off >= 0)
		memset(v, 0, map->value_size);
	bpf_map_copy_value(map, v, value);
}

/* Per-CPU values: from the syscall side all CPUs with an 8-byte stride, copied whole as
 * the kernel does; from a program this CPU's value, and a new element's other CPUs zeroed
 * (a program has no other way to know their contents). */
static void htab_percpu_copy_in(const struct bpf_map *map, struct htab_elem *e, const void *value,
                                bool all_cpus, bool fresh)
{
	size_t stride = map->round_value_size;
	if (all_cpus) {
		memcpy(htab_elem_value(map, e), value, stride * map->ncpus);
		return;
	}
	int self = ub_current_cpu();
	for (int cpu = 0; cpu < map->ncpus; cpu++) {
		char *slot = htab_elem_cpu_value(map, e, cpu);
		if (cpu == self) {
			memcpy(slot, value, map->value_size);
			if (fresh) /* a program's value has no padding to copy */
				memset(slot + map->value_size, 0, stride - map->value_size);
		} else if (fresh) {
			memset(slot, 0, stride);
		}
	}
}

static int htab_check_flags(bool present, uint64_t flags)
{
	uint64_t mode = flags & ~(uint64_t)BPF_F_LOCK;
	if (present && mode == BPF_NOEXIST)
		return -EEXIST;
	if (!present && mode == BPF_EXIST)
		return -ENOENT;
	return 0;
}

/* ---- update ---- */

static void htab_fill(struct bpf_map *map, uint32_t n, uint32_t hash, const void *key,
                      const void *value, bool all_cpus)
{
	struct htab_elem *e = htab_elem(map, n);
	if (!htab_is_lru(map->map_type)) /* an LRU element got it when taken (list lock) */
		__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	ub_racy_copy(htab_elem_key(e), key, map->key_size);
	if (bpf_map_is_percpu(map->map_type))
		htab_percpu_copy_in(map, e, value, all_cpus, true);
	else
		htab_init_value(map, e, value);
}

/* This CPU's spare element for replacing a key's element, or 0 when another thread on the
 * same CPU holds it (then the value is rewritten in place). */
static uint32_t htab_extra_take(const struct bpf_map *map, uint32_t **slot)
{
	const struct htab_hdr *h = htab_hdr(map);
	if (!h->nr_extra)
		return 0;
	*slot = htab_extra_at(map, (uint32_t)ub_cpu_hint() % h->nr_extra);
	return __atomic_exchange_n(*slot, 0, __ATOMIC_ACQUIRE);
}

static void htab_extra_put(const struct bpf_map *map, uint32_t *slot, uint32_t n)
{
	/* only the thread that emptied the slot refills it (the others found it empty and
	 * updated in place): a plain release store, no read-modify-write */
	__atomic_store_n(slot, n, __ATOMIC_RELEASE);
}

/* A syscall's update of an existing key with a plain 8-byte value (the common counter or
 * pointer map): one atomic store in place instead of a replacement element. Readers see the
 * old or the new value whole, as they would see the old or the new element; the kernel's
 * replacement also gives no more than that (a preallocated element is reused at once). A
 * program's update keeps the kernel's replacement, so a value pointer it holds still reads
 * the old value. */
static inline bool htab_store_in_place(const struct bpf_map *map, struct htab_elem *e,
                                       const void *value)
{
	if (map->value_size != 8 || map->sh->spin_lock_off >= 0)
		return false;
#ifdef UB_TSAN
	bpf_map_copy_value(map, htab_elem_value(map, e), value); /* byte atomics, as readers */
#else
	uint64_t v;
	memcpy(&v, value, 8);
	__atomic_store_n((uint64_t *)htab_elem_value(map, e), v, __ATOMIC_RELAXED);
#endif
	return true;
}

/* HASH and HASH_OF_MAPS: a new key takes an element from the free lists (-E2BIG when the
 * map is full); an existing key's element is replaced by this CPU's spare, which the old
 * element then becomes (a syscall's 8-byte value is stored in place); with BPF_F_LOCK the
 * value is rewritten under the value's lock. */
static int htab_update_plain(struct bpf_map *map, const void *key, const void *value,
                             uint64_t flags, bool sys)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	uint32_t hash = htab_hash_key(map, key), prev = 0;
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t old = htab_find(map, b, hash, key, &prev);
	int err = htab_check_flags(old, flags);
	if (err)
		goto out;
	if (old && (flags & BPF_F_LOCK)) {
		bpf_map_copy_value_locked(map, htab_elem_value(map, htab_elem(map, old)), value,
		                          true);
		goto out;
	}
	if (old && sys && map->map_type == BPF_MAP_TYPE_HASH &&
	    htab_store_in_place(map, htab_elem(map, old), value))
		goto out;
	uint32_t *extra = NULL;
	uint32_t n = old ? htab_extra_take(map, &extra) : htab_freelist_pop(map);
	if (!n && !old) {
		err = -E2BIG;
	} else if (!n) {
		/* no spare element: in place (the lock word is left alone) */
		bpf_map_copy_value(map, htab_elem_value(map, htab_elem(map, old)), value);
	} else {
		htab_fill(map, n, hash, key, value, false);
		htab_link_head(map, b, n);
		if (old) {
			htab_unlink(map, b, prev ? prev : n, old); /* n is now first */
			htab_extra_put(map, extra, old);
		}
	}
out:
	ub_spin_unlock(&b->lock);
	return err;
}

/* PERCPU_HASH: existing elements are updated in place (one CPU or all). */
static int htab_update_percpu(struct bpf_map *map, const void *key, const void *value,
                              uint64_t flags, bool all_cpus)
{
	if (flags > BPF_EXIST)
		return -EINVAL;
	uint32_t hash = htab_hash_key(map, key);
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t old = htab_find(map, b, hash, key, NULL);
	int err = htab_check_flags(old, flags);
	if (!err && old) {
		htab_percpu_copy_in(map, htab_elem(map, old), value, all_cpus, false);
	} else if (!err) {
		uint32_t n = htab_freelist_pop(map);
		if (n) {
			htab_fill(map, n, hash, key, value, all_cpus);
			htab_link_head(map, b, n);
		} else {
			err = -E2BIG;
		}
	}
	ub_spin_unlock(&b->lock);
	return err;
}

/* LRU maps: the new element is taken (evicting if need be) before the bucket lock, since
 * eviction takes bucket locks itself. A plain LRU hash always links a fresh element; a
 * per-CPU one rewrites an existing element in place and returns the unused one. */
static int htab_update_lru(struct bpf_map *map, const void *key, const void *value, uint64_t flags,
                           bool all_cpus)
{
	bool percpu = bpf_map_is_percpu(map->map_type);
	if (flags > BPF_EXIST)
		return -EINVAL;
	uint32_t hash = htab_hash_key(map, key), prev = 0, n = 0;
	if (!percpu && all_cpus && flags != BPF_NOEXIST && map->value_size == 8 &&
	    map->sh->spin_lock_off < 0) {
		/* a syscall's 8-byte value for a key that exists: in place, marked referenced
		 * as the kernel marks the replacement element */
		struct htab_bucket *b = htab_select_bucket(map, hash);
		ub_spin_lock(&b->lock);
		uint32_t cur = htab_find(map, b, hash, key, NULL);
		if (cur) {
			htab_lru_set_ref(htab_elem(map, cur));
			htab_store_in_place(map, htab_elem(map, cur), value);
		}
		ub_spin_unlock(&b->lock);
		if (cur)
			return 0;
		if (flags == BPF_EXIST)
			return -ENOENT;
	}
	if (!percpu || flags != BPF_EXIST) {
		n = htab_lru_pop_free(map, hash);
		if (!n)
			return -ENOMEM;
		if (!percpu)
			htab_fill(map, n, hash, key, value, false);
	}
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t old = htab_find(map, b, hash, key, &prev);
	int err = htab_check_flags(old, flags);
	if (!err && percpu && old) {
		htab_lru_set_ref(htab_elem(map, old));
		htab_percpu_copy_in(map, htab_elem(map, old), value, all_cpus, false);
	} else if (!err) {
		if (percpu)
			htab_fill(map, n, hash, key, value, all_cpus);
		htab_link_head(map, b, n);
		if (old) {
			htab_lru_set_ref(htab_elem(map, n));
			htab_unlink(map, b, prev ? prev : n, old);
		}
		n = old; /* what is left to free */
	}
	ub_spin_unlock(&b->lock);
	if (n)
		htab_lru_push_free(map, n);
	return err;
}

static int htab_update(struct bpf_map *map, const void *key, const void *value, uint64_t flags,
                       bool all_cpus)
{
	if (htab_is_lru(map->map_type))
		return htab_update_lru(map, key, value, flags, all_cpus);
	if (bpf_map_is_percpu(map->map_type))
		return htab_update_percpu(map, key, value, flags, all_cpus);
	return htab_update_plain(map, key, value, flags, all_cpus);
}

static int htab_map_update_elem(struct bpf_map *map, const void *key, const void *value,
                                uint64_t flags)
{
	return htab_update(map, key, value, flags, true);
}

static long htab_map_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                      uint64_t flags)
{
	return htab_update(map, key, value, flags, false);
}

/* ---- lookup and delete ---- */

static int htab_check_lookup_flags(const struct bpf_map *map, uint64_t flags)
{
	if (flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return 0;
}

/* The general syscall-side lookup: per-CPU values and BPF_F_LOCK copies under the bucket
 * lock (plain values also take the object layer's lock-free path, map->lookup_sys). */
static int htab_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                    uint64_t flags)
{
	int err = htab_check_lookup_flags(map, flags);
	if (err)
		return err;
	uint32_t hash = htab_hash_key(map, key);
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t n = htab_find(map, b, hash, key, NULL);
	if (n)
		htab_copy_out(map, value, htab_elem(map, n), flags & BPF_F_LOCK);
	ub_spin_unlock(&b->lock);
	return n ? 0 : -ENOENT;
}

/* value == NULL: a plain delete. */
static int htab_delete(struct bpf_map *map, const void *key, void *value, uint64_t flags)
{
	uint32_t hash = htab_hash_key(map, key), prev = 0;
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t n = htab_find(map, b, hash, key, &prev);
	if (n) {
		if (value)
			htab_copy_out(map, value, htab_elem(map, n), flags & BPF_F_LOCK);
		htab_unlink(map, b, prev, n);
	}
	ub_spin_unlock(&b->lock);
	if (!n)
		return -ENOENT;
	htab_free_elem(map, n);
	return 0;
}

static int htab_map_delete_elem(struct bpf_map *map, const void *key)
{
	return htab_delete(map, key, NULL, 0);
}

static int htab_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                           uint64_t flags)
{
	int err = htab_check_lookup_flags(map, flags);
	return err ? err : htab_delete(map, key, value, flags);
}

/* The kernel refuses lookup-and-delete on map-in-map hashes. */
static int htab_of_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                              uint64_t flags)
{
	(void)key, (void)value;
	int err = htab_check_lookup_flags(map, flags); /* the flags are checked first */
	return err ? err : -ENOTSUPP;
}

/* ---- helper side: map->lookup, specialised by key size ---- */

/* HASH / HASH_OF_MAPS: the value. */
#define HTAB_LOOKUP_PLAIN(name, len)                                                               \
	static void *name(struct bpf_map *map, const void *key)                                    \
	{                                                                                          \
		struct htab_elem *e = htab_find_rcu(map, key, len);                                \
		return e ? htab_elem_value(map, e) : NULL;                                         \
	}
HTAB_LOOKUP_PLAIN(htab_lookup_k4, 4)
HTAB_LOOKUP_PLAIN(htab_lookup_k8, 8)
HTAB_LOOKUP_PLAIN(htab_lookup_k16, 16)
HTAB_LOOKUP_PLAIN(htab_lookup_any, map->key_size)

/* LRU_HASH: a program's lookup is what keeps an element alive; a syscall's is not. */
#define HTAB_LOOKUP_LRU(name, len)                                                                 \
	static void *name(struct bpf_map *map, const void *key)                                    \
	{                                                                                          \
		struct htab_elem *e = htab_find_rcu(map, key, len);                                \
		if (!e)                                                                            \
			return NULL;                                                               \
		htab_lru_set_ref(e);                                                               \
		return htab_elem_value(map, e);                                                    \
	}
HTAB_LOOKUP_LRU(htab_lru_lookup_k4, 4)
HTAB_LOOKUP_LRU(htab_lru_lookup_k8, 8)
HTAB_LOOKUP_LRU(htab_lru_lookup_k16, 16)
HTAB_LOOKUP_LRU(htab_lru_lookup_any, map->key_size)

static void *htab_lru_lookup_sys_only(struct bpf_map *map, const void *key)
{
	struct htab_elem *e = htab_find_rcu(map, key, map->key_size);
	return e ? htab_elem_value(map, e) : NULL;
}

/* Per-CPU maps: this CPU's value (LRU: marked referenced). */
static void *htab_map_lookup_percpu_this(struct bpf_map *map, const void *key)
{
	struct htab_elem *e = htab_find_rcu(map, key, map->key_size);
	if (!e)
		return NULL;
	if (htab_is_lru(map->map_type))
		htab_lru_set_ref(e);
	return htab_elem_cpu_value(map, e, ub_current_cpu());
}

static void *htab_map_lookup_elem(struct bpf_map *map, const void *key)
{
	if (bpf_map_is_percpu(map->map_type))
		return htab_map_lookup_percpu_this(map, key);
	if (htab_is_lru(map->map_type))
		return htab_lru_lookup_any(map, key);
	return htab_lookup_any(map, key);
}

static void *htab_map_lookup_percpu_elem(struct bpf_map *map, const void *key, uint32_t cpu)
{
	if (cpu >= (uint32_t)map->ncpus)
		return NULL;
	struct htab_elem *e = htab_find_rcu(map, key, map->key_size);
	if (e && htab_is_lru(map->map_type))
		htab_lru_set_ref(e);
	return e ? htab_elem_cpu_value(map, e, (int)cpu) : NULL;
}

static void htab_map_resolve(struct bpf_map *map)
{
	static void *(*const plain[])(struct bpf_map *, const void *) = {
	        htab_lookup_k4, htab_lookup_k8, htab_lookup_k16, htab_lookup_any};
	static void *(*const lru[])(struct bpf_map *, const void *) = {
	        htab_lru_lookup_k4, htab_lru_lookup_k8, htab_lru_lookup_k16, htab_lru_lookup_any};
	if (bpf_map_is_percpu(map->map_type))
		return; /* ops->map_lookup_elem */
	unsigned i = map->key_size == 4 ? 0 : map->key_size == 8 ? 1 : map->key_size == 16 ? 2 : 3;
	map->lookup = htab_is_lru(map->map_type) ? lru[i] : plain[i];
}

/* ---- ops ---- */

#define HTAB_COMMON_OPS                                                                            \
	.map_mem_size = htab_map_mem_size, .map_init = htab_map_init,                              \
	.map_lookup_elem_sys = htab_map_lookup_elem_sys, .map_update_elem = htab_map_update_elem,  \
	.map_delete_elem = htab_map_delete_elem, .map_get_next_key = htab_map_get_next_key,        \
	.map_lookup_elem = htab_map_lookup_elem,                                                   \
	.map_for_each_callback = htab_map_for_each_callback, .map_resolve = htab_map_resolve

const struct bpf_map_ops htab_map_ops = {
        .map_alloc_check = htab_map_alloc_check,
        HTAB_COMMON_OPS,
        .map_lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
        .map_update_elem_prog = htab_map_update_elem_prog,
};

const struct bpf_map_ops htab_percpu_map_ops = {
        .map_alloc_check = htab_map_alloc_check,
        HTAB_COMMON_OPS,
        .map_lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
        .map_update_elem_prog = htab_map_update_elem_prog,
        .map_lookup_percpu_elem = htab_map_lookup_percpu_elem,
};

const struct bpf_map_ops htab_lru_map_ops = {
        .map_alloc_check = htab_map_alloc_check,
        HTAB_COMMON_OPS,
        .map_lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
        .map_update_elem_prog = htab_map_update_elem_prog,
        .map_lookup_elem_sys_only = htab_lru_lookup_sys_only,
};

const struct bpf_map_ops htab_lru_percpu_map_ops = {
        .map_alloc_check = htab_map_alloc_check,
        HTAB_COMMON_OPS,
        .map_lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
        .map_update_elem_prog = htab_map_update_elem_prog,
        .map_lookup_percpu_elem = htab_map_lookup_percpu_elem,
};

/* Values are inner map ids; programs cannot update a map-in-map (no map_update_elem_prog). */
const struct bpf_map_ops htab_of_maps_map_ops = {
        .map_alloc_check = htab_of_map_alloc_check,
        HTAB_COMMON_OPS,
        .map_lookup_and_delete_elem = htab_of_map_lookup_and_delete_elem,
};
