/* map_hash.c — BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS:
 * lookups, updates and deletes on the bucket chains, and the ops tables.
 *
 * Every chain walk holds the bucket's lock, so a walker never follows a link that is being
 * rewritten; the lock is held only for the walk and the copy, never while a program uses
 * the value it was given. As in the kernel's preallocated maps, an element may be freed
 * and reused while a program still holds a pointer into it.
 */
#include <errno.h>
#include <string.h>

#include "core/cpu.h"
#include "core/lock.h"
#include "maps/htab_internal.h"

/* ---- hashing: 64x64->128 multiply-and-fold rounds over 8-byte words ---- */

static inline uint64_t htab_fold(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

uint32_t htab_hash(const void *key, uint32_t len, uint32_t seed)
{
	const unsigned char *p = key;
	uint64_t h = htab_fold(seed ^ 0x9e3779b97f4a7c15ull, len ^ 0xd1b54a32d192ed03ull);
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

static inline struct htab_bucket *htab_select_bucket(const struct bpf_map *map, uint32_t hash)
{
	return htab_bucket_at(map, hash & (htab_hdr(map)->n_buckets - 1));
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
			break;
		if (e->hash == hash && !memcmp(htab_elem_key(e), key, map->key_size)) {
			if (prev_out)
				*prev_out = prev;
			return n;
		}
		prev = n;
		n = e->next;
	}
	return 0;
}

static void htab_unlink(const struct bpf_map *map, struct htab_bucket *b, uint32_t prev, uint32_t n)
{
	uint32_t next = htab_elem(map, n)->next;
	if (prev)
		htab_elem(map, prev)->next = next;
	else
		__atomic_store_n(&b->first, next,
		                 __ATOMIC_RELAXED); /* peeked at without the lock */
}

static void htab_link_head(const struct bpf_map *map, struct htab_bucket *b, uint32_t n)
{
	htab_elem(map, n)->next = b->first;
	__atomic_store_n(&b->first, n, __ATOMIC_RELAXED);
}

bool htab_lru_del_node(struct bpf_map *map, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	struct htab_bucket *b = htab_select_bucket(map, e->hash);
	bool found = false;
	ub_spin_lock(&b->lock);
	for (uint32_t prev = 0, m = b->first; m; prev = m, m = htab_next(map, m)) {
		if (m == n) {
			htab_unlink(map, b, prev, n);
			found = true;
			break;
		}
	}
	ub_spin_unlock(&b->lock);
	return found;
}

/* ---- the free list (non-LRU types) ---- */

/* An element for a new key (new_key: -E2BIG-style failure when max_entries keys are in the
 * map) or a spare for replacing an existing key's element (fails when taking it could
 * leave a later insert without an element; the caller then updates in place). */
static uint32_t htab_freelist_pop(const struct bpf_map *map, bool new_key)
{
	struct htab_hdr *h = htab_hdr(map);
	uint32_t n = 0;
	ub_spin_lock(&h->fl_lock);
	bool ok = new_key ? h->count < map->max_entries : h->fl_nfree > map->max_entries - h->count;
	if (ok && h->fl_head) {
		n = h->fl_head;
		h->fl_head = htab_elem(map, n)->next;
	} else if (ok && h->fl_bump < h->nr_elems) {
		n = ++h->fl_bump;
	}
	if (n) {
		h->fl_nfree--;
		h->count += new_key;
	}
	ub_spin_unlock(&h->fl_lock);
	return n;
}

static void htab_freelist_push(const struct bpf_map *map, uint32_t n, bool was_key)
{
	struct htab_hdr *h = htab_hdr(map);
	ub_spin_lock(&h->fl_lock);
	htab_elem(map, n)->next = h->fl_head;
	h->fl_head = n;
	h->fl_nfree++;
	h->count -= was_key;
	ub_spin_unlock(&h->fl_lock);
}

/* An element that left its bucket goes back where it came from. */
static void htab_free_elem(struct bpf_map *map, uint32_t n)
{
	if (htab_is_lru(map->map_type))
		htab_lru_push_free(map, n);
	else
		htab_freelist_push(map, n, true);
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
	if (!htab_is_lru(map->map_type))
		e->hash = hash; /* an LRU element got it when taken, under the list lock */
	memcpy(htab_elem_key(e), key, map->key_size);
	if (bpf_map_is_percpu(map->map_type))
		htab_percpu_copy_in(map, e, value, all_cpus, true);
	else
		htab_init_value(map, e, value);
}

/* HASH and HASH_OF_MAPS: a new key takes an element from the free list (-E2BIG when the
 * map is full); an existing key's element is replaced by a fresh one, or with BPF_F_LOCK
 * its value is rewritten under the value's lock. */
static int htab_update_plain(struct bpf_map *map, const void *key, const void *value,
                             uint64_t flags)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed), prev = 0;
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
	uint32_t n = htab_freelist_pop(map, !old);
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
			htab_freelist_push(map, old, false);
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
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed);
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	uint32_t old = htab_find(map, b, hash, key, NULL);
	int err = htab_check_flags(old, flags);
	if (!err && old) {
		htab_percpu_copy_in(map, htab_elem(map, old), value, all_cpus, false);
	} else if (!err) {
		uint32_t n = htab_freelist_pop(map, true);
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
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed), prev = 0, n = 0;
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
	return htab_update_plain(map, key, value, flags);
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

static int htab_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                    uint64_t flags)
{
	int err = htab_check_lookup_flags(map, flags);
	if (err)
		return err;
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed);
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
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed), prev = 0;
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

/* ---- helper side ---- */

static struct htab_elem *htab_lookup_helper(struct bpf_map *map, const void *key)
{
	uint32_t hash = htab_hash(key, map->key_size, htab_hdr(map)->seed);
	struct htab_bucket *b = htab_select_bucket(map, hash);
	ub_spin_lock(&b->lock);
	struct htab_elem *e = htab_elem(map, htab_find(map, b, hash, key, NULL));
	ub_spin_unlock(&b->lock);
	if (e && htab_is_lru(map->map_type))
		htab_lru_set_ref(e); /* programs' lookups are what keeps an LRU element alive */
	return e;
}

static void *htab_map_lookup_elem(struct bpf_map *map, const void *key)
{
	struct htab_elem *e = htab_lookup_helper(map, key);
	if (!e)
		return NULL;
	if (bpf_map_is_percpu(map->map_type))
		return htab_elem_cpu_value(map, e, ub_current_cpu());
	return htab_elem_value(map, e);
}

static void *htab_map_lookup_percpu_elem(struct bpf_map *map, const void *key, uint32_t cpu)
{
	if (cpu >= (uint32_t)map->ncpus)
		return NULL;
	struct htab_elem *e = htab_lookup_helper(map, key);
	return e ? htab_elem_cpu_value(map, e, (int)cpu) : NULL;
}

/* ---- ops ---- */

#define HTAB_COMMON_OPS                                                                            \
	.map_mem_size = htab_map_mem_size, .map_init = htab_map_init,                              \
	.map_lookup_elem_sys = htab_map_lookup_elem_sys, .map_update_elem = htab_map_update_elem,  \
	.map_delete_elem = htab_map_delete_elem, .map_get_next_key = htab_map_get_next_key,        \
	.map_lookup_elem = htab_map_lookup_elem,                                                   \
	.map_for_each_callback = htab_map_for_each_callback

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
