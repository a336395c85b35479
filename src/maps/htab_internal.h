/* htab_internal.h — the hash-family maps' shared-memory layout, shared by map_hash*.c and
 * map_lru.c.
 *
 * The type's region (map->data) holds, at 64-byte aligned offsets:
 *
 *   struct htab_hdr                 seed, geometry
 *   struct htab_bucket[n_buckets]   a lock word and the first element of the chain
 *   struct htab_lru_list[nr_lists]  LRU maps only: one list (common) or one per CPU
 *   struct htab_freelist[nr_fl]     other maps: one free list per CPU (64 bytes each)
 *   uint32_t extra[nr_fl * 16]      HASH / HASH_OF_MAPS: each CPU's spare element, 64 apart
 *   elements[nr_elems]              struct htab_elem, key (round_up 8), value(s)
 *
 * Elements are named by number (index + 1) so that 0 means "none" and zero-filled memory
 * is a valid empty table: no pages are touched at creation beyond the header and the
 * per-CPU spares, and elements are handed out from per-list bump cursors the first time
 * they are needed. Every map preallocates its elements (the kernel's prealloc mode)
 * whatever BPF_F_NO_PREALLOC says.
 *
 * Chains end in a "nulls" marker naming their bucket (HTAB_NULLS | bucket), or 0 for a
 * bucket never used, so that lookups can walk them without the bucket lock, as the
 * kernel's RCU lookups do: an element freed and reused while a reader stands on it may
 * lead the reader into another bucket's chain, which it notices at the end (the wrong
 * nulls) and walks its own again. A free element keeps its chain link for the same reason
 * (the free lists link through lru_next).
 *
 * Capacity, as in the kernel: the free lists hold max_entries elements; a new key takes
 * one (-E2BIG when every list is empty); replacing a key's value takes the CPU's spare
 * element and leaves the old element as the new spare, so readers holding the old value
 * keep seeing it and no list lock is taken.
 *
 * Locks: a bucket's lock covers changes to its chain and the chained elements' keys and
 * values for syscall-side copies; a free list's lock covers that list; an LRU list's lock
 * covers that list. Order: LRU list -> bucket -> free list -> value lock.
 */
#ifndef USERBPF_MAPS_HTAB_INTERNAL_H
#define USERBPF_MAPS_HTAB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "maps/map.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "not supported", which bpf() does return */
#endif

#define HTAB_MAGIC 0x42415448u /* "HTAB" */
#define HTAB_ALIGN 64u
/* key_size + value_size must stay below the kernel's largest kmalloc (4 MiB) minus its
 * element header (48 bytes); per-CPU values are bounded by the per-CPU unit (32 KiB). */
#define HTAB_KMALLOC_MAX (1u << 22)
#define HTAB_KERNEL_ELEM_SIZE 48u
#define HTAB_PCPU_MIN_UNIT 32768u
/* The kernel's buckets are 16 bytes and their total size must fit in a u32. */
#define HTAB_MAX_BUCKETS (1u << 27)

enum htab_lru_type { HTAB_LRU_FREE, HTAB_LRU_ACTIVE, HTAB_LRU_INACTIVE, HTAB_LRU_NR_TYPES };
/* not on a global list: in flight, or on a CPU's local free or pending list */
#define HTAB_LRU_NONE HTAB_LRU_NR_TYPES
#define HTAB_LRU_LOCAL_FREE (HTAB_LRU_NR_TYPES + 1)
#define HTAB_LRU_LOCAL_PENDING (HTAB_LRU_NR_TYPES + 2)

struct htab_hdr {
	uint32_t magic;
	uint32_t seed;      /* per-map random hash seed, 0 with BPF_F_ZERO_SEED */
	uint32_t n_buckets; /* power of two >= max_entries */
	uint32_t elem_size;
	uint32_t nr_elems;        /* preallocated elements (HASH: + ncpus spares for replace) */
	uint32_t nr_lru_lists;    /* 0 when not LRU, 1 common, ncpus with BPF_F_NO_COMMON_LRU */
	uint32_t lru_target_free; /* how many elements one shrink tries to free */
	uint32_t lru_nr_scans;    /* how many list nodes one rotate/shrink looks at */
	uint64_t buckets_off, lru_off, elems_off;
	uint32_t nr_fl;    /* free lists (non-LRU types): one per CPU */
	uint32_t nr_extra; /* per-CPU spares (HASH, HASH_OF_MAPS), 0 for the others */
	uint64_t fl_off, extra_off;
	uint64_t hash_init;     /* the first hashing round of a key_size-byte key: per map */
	uint64_t lru_local_off; /* common LRU: struct htab_lru_local[nr_lru_locals] */
	uint32_t nr_lru_locals;
	uint32_t pad0;
};

#define HTAB_NULLS 0x80000000u
#define HTAB_EXTRA_STRIDE 16u /* u32s between two CPUs' spares: a cache line each */

struct htab_freelist {
	uint32_t lock;
	uint32_t head;           /* chained through htab_elem.lru_next */
	uint32_t bump, bump_end; /* this list's never-used elements: [bump, bump_end) */
	uint32_t pad[12];
};

struct htab_bucket {
	uint32_t lock;
	uint32_t first; /* element number, 0 when empty */
};

struct htab_lru_list {
	uint32_t lock;
	uint32_t head[HTAB_LRU_NR_TYPES]; /* circular lists; head is the newest, 0 when empty */
	uint32_t count[HTAB_LRU_NR_TYPES];
	uint32_t bump, bump_end; /* this list's never-used elements: [bump, bump_end) */
	uint32_t pad[6];
};

/* A CPU's share of a common LRU (the kernel's bpf_lru_locallist): free elements it took
 * from the global list in a batch, new elements not yet on the global lists (pending),
 * and elements that left their bucket while on a global list (dead: they go to the global
 * free list at the next batch). All under lock. */
#define HTAB_LRU_DEAD_MAX 48u
struct htab_lru_local {
	uint32_t lock;
	uint32_t free_head; /* a stack through lru_next */
	uint32_t pend_head; /* circular through lru_prev/lru_next, head the newest */
	uint32_t pend_count;
	uint32_t ndead;
	uint32_t pad0[3];
	uint32_t dead[HTAB_LRU_DEAD_MAX];
	uint32_t pad1[8];
};

struct htab_elem {
	uint32_t next; /* bucket chain (kept while the element is free) */
	uint32_t hash;
	uint32_t lru_prev, lru_next; /* LRU list links, under the list's lock; free list link */
	uint32_t lru_ref;            /* "referenced" bit: set by lookups without a lock */
	uint16_t lru_type;           /* enum htab_lru_type */
	uint16_t lru_owner;          /* the list the element belongs to */
	/* key, round_up(key_size, 8), then the value (per-CPU: ncpus values, 8-aligned) */
};
#define HTAB_ELEM_HDR 24u

static inline struct htab_hdr *htab_hdr(const struct bpf_map *map)
{
	return (struct htab_hdr *)map->data;
}

static inline struct htab_bucket *htab_bucket_at(const struct bpf_map *map, uint32_t b)
{
	struct htab_hdr *h = htab_hdr(map);
	return (struct htab_bucket *)((char *)map->data + h->buckets_off) + b;
}

/* Element n (1-based), or NULL for 0 or an out-of-range number (never follow garbage). */
static inline struct htab_elem *htab_elem(const struct bpf_map *map, uint32_t n)
{
	struct htab_hdr *h = htab_hdr(map);
	if (n == 0 || n > h->nr_elems)
		return NULL;
	return (struct htab_elem *)((char *)map->data + h->elems_off +
	                            (uint64_t)(n - 1) * h->elem_size);
}

/* The next element in a chain (bucket lock held), 0 at the end. */
static inline uint32_t htab_next(const struct bpf_map *map, uint32_t n)
{
	struct htab_elem *e = htab_elem(map, n);
	uint32_t next = e ? e->next : 0;
	return next & HTAB_NULLS ? 0 : next;
}

/* The first element of a bucket's chain (lock held, or a racy peek), 0 when empty. */
static inline uint32_t htab_first(const struct htab_bucket *b)
{
	uint32_t n = __atomic_load_n(&b->first, __ATOMIC_ACQUIRE);
	return n & HTAB_NULLS ? 0 : n;
}

static inline struct htab_freelist *htab_freelist_at(const struct bpf_map *map, uint32_t i)
{
	return (struct htab_freelist *)((char *)map->data + htab_hdr(map)->fl_off) + i;
}

static inline uint32_t *htab_extra_at(const struct bpf_map *map, uint32_t cpu)
{
	return (uint32_t *)((char *)map->data + htab_hdr(map)->extra_off) + cpu * HTAB_EXTRA_STRIDE;
}

static inline void *htab_elem_key(struct htab_elem *e)
{
	return (char *)e + HTAB_ELEM_HDR;
}

/* The value, or CPU 0's value for per-CPU maps. */
static inline void *htab_elem_value(const struct bpf_map *map, struct htab_elem *e)
{
	return (char *)e + HTAB_ELEM_HDR + ((map->key_size + 7u) & ~7u);
}

static inline void *htab_elem_cpu_value(const struct bpf_map *map, struct htab_elem *e, int cpu)
{
	return (char *)htab_elem_value(map, e) + (size_t)cpu * map->round_value_size;
}

static inline bool htab_is_lru(uint32_t map_type)
{
	return map_type == BPF_MAP_TYPE_LRU_HASH || map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* map_hash_alloc.c */
int htab_map_alloc_check(const union bpf_attr *attr);
int htab_of_map_alloc_check(const union bpf_attr *attr);
uint64_t htab_map_mem_size(const union bpf_attr *attr, int ncpus);
int htab_map_init(struct bpf_map *map);

/* map_hash.c: the hash of a key under this map's seed; the per-map first round */
uint32_t htab_hash(const void *key, uint32_t len, uint32_t seed);
uint64_t htab_hash_init(uint32_t len, uint32_t seed);
/* Unlink element n from its bucket if it is still there (LRU eviction); true if it was. */
bool htab_lru_del_node(struct bpf_map *map, uint32_t n);

/* map_hash_iter.c */
int htab_map_get_next_key(struct bpf_map *map, const void *key, void *next_key);
long htab_map_for_each_callback(struct bpf_map *map, bpf_map_each_fn fn, void *ctx, uint64_t flags);

/* map_lru.c */
void htab_lru_init(struct bpf_map *map);
/* A free element for a key with this hash, on this CPU's (or the common) list, evicting
 * if needed; 0 when none can be had. The element is put on the inactive list. */
uint32_t htab_lru_pop_free(struct bpf_map *map, uint32_t hash);
/* Give back an element that is in no bucket. */
void htab_lru_push_free(struct bpf_map *map, uint32_t n);

static inline void htab_lru_set_ref(struct htab_elem *e)
{
	/* read first: lookups are hot, and a store would bounce the cache line */
	if (!__atomic_load_n(&e->lru_ref, __ATOMIC_RELAXED))
		__atomic_store_n(&e->lru_ref, 1, __ATOMIC_RELAXED);
}

#endif /* USERBPF_MAPS_HTAB_INTERNAL_H */
