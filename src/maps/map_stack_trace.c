/* map_stack_trace.c — BPF_MAP_TYPE_STACK_TRACE (kernel/bpf/stackmap.c).
 *
 * Call chains by id. The id of a chain is its bucket: jhash2 of its ips masked by the
 * bucket count (max_entries rounded up to a power of two). A bucket holds one chain; a
 * different chain hashing to a taken bucket is refused (-EEXIST) unless the caller asks to
 * replace it (BPF_F_REUSE_STACKID). Programs only add chains (bpf_get_stackid); user space
 * reads them by id, deletes them and walks the taken ids. The kernel gives programs no
 * lookup (the verifier refuses every helper but bpf_get_stackid on this map type).
 *
 * Storage (all offsets, in the shared file, so every process sees the same chains):
 *
 *   struct stack_map_shared      lock, counters
 *   u32 buckets[n_buckets]       element index + 1, 0 = empty
 *   u32 free[max_entries]        released element indices (a stack)
 *   elements[max_entries]        struct stack_map_bucket + value_size bytes each
 *
 * The kernel preallocates max_entries elements in a free list, so with more buckets than
 * elements a new chain can fail with -ENOMEM; ours hands out never-used elements in order
 * (next_unused) before reused ones, which keeps creation O(1) for big maps. One spinlock
 * in the file orders every change; the kernel's lock-free bucket exchange gives the same
 * answers one call at a time.
 */
#include <errno.h>
#include <string.h>

#include "core/lock.h"
#include "maps/map.h"
#include "maps/map_stack_trace.h"

#define STACK_CREATE_FLAG_MASK                                                                     \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)

struct stack_map_shared {
	uint32_t lock;
	uint32_t n_buckets;
	uint32_t next_unused; /* elements [next_unused, max_entries) were never used */
	uint32_t nr_free;     /* entries on the free stack */
};

/* One element: the kernel's struct stack_map_bucket without the free-list node. */
struct stack_map_bucket {
	uint32_t hash;
	uint32_t nr; /* entries in data */
	uint64_t data[];
};

static uint64_t roundup_pow_of_two(uint64_t n)
{
	uint64_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* --- layout --- */

static uint64_t buckets_off(void)
{
	return sizeof(struct stack_map_shared);
}

static uint64_t free_off(uint64_t n_buckets)
{
	return buckets_off() + n_buckets * sizeof(uint32_t);
}

static uint64_t elems_off(uint64_t n_buckets, uint64_t max_entries)
{
	return (free_off(n_buckets) + max_entries * sizeof(uint32_t) + 7) & ~(uint64_t)7;
}

static uint64_t elem_size(uint32_t value_size)
{
	return sizeof(struct stack_map_bucket) + value_size; /* value_size is a multiple of 8 */
}

static inline struct stack_map_shared *smap_sh(const struct bpf_map *map)
{
	return map->data;
}

static inline uint32_t *smap_buckets(const struct bpf_map *map)
{
	return (uint32_t *)((char *)map->data + buckets_off());
}

static inline uint32_t *smap_free(const struct bpf_map *map)
{
	return (uint32_t *)((char *)map->data + free_off(smap_sh(map)->n_buckets));
}

static inline struct stack_map_bucket *smap_elem(const struct bpf_map *map, uint32_t index)
{
	return (struct stack_map_bucket *)((char *)map->data +
	                                   elems_off(smap_sh(map)->n_buckets, map->max_entries) +
	                                   index * elem_size(map->value_size));
}

static bool stack_map_use_build_id(const struct bpf_map *map)
{
	return map->map_flags & BPF_F_STACK_BUILD_ID;
}

uint32_t stack_map_data_size(const struct bpf_map *map)
{
	return stack_map_use_build_id(map) ? sizeof(struct bpf_stack_build_id) : sizeof(uint64_t);
}

/* --- free elements (callers hold the lock) --- */

static bool smap_have_free(const struct bpf_map *map)
{
	const struct stack_map_shared *sh = smap_sh(map);
	return sh->nr_free || sh->next_unused < map->max_entries;
}

static struct stack_map_bucket *smap_pop(struct bpf_map *map, uint32_t *index)
{
	struct stack_map_shared *sh = smap_sh(map);
	if (sh->nr_free)
		*index = smap_free(map)[--sh->nr_free];
	else if (sh->next_unused < map->max_entries)
		*index = sh->next_unused++;
	else
		return NULL;
	return smap_elem(map, *index);
}

static void smap_push(struct bpf_map *map, uint32_t index)
{
	struct stack_map_shared *sh = smap_sh(map);
	smap_free(map)[sh->nr_free++] = index;
}

/* --- creation --- */

/* stack_map_alloc's checks, in its order. */
static int stack_map_alloc_check(const union bpf_attr *attr)
{
	uint32_t value_size = attr->value_size;
	if (attr->map_flags & ~STACK_CREATE_FLAG_MASK)
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size != 4 || value_size < 8 || value_size % 8)
		return -EINVAL;
	if (attr->map_flags & BPF_F_STACK_BUILD_ID) {
		if (value_size % sizeof(struct bpf_stack_build_id) ||
		    value_size / sizeof(struct bpf_stack_build_id) > STACK_MAP_MAX_DEPTH)
			return -EINVAL;
	} else if (value_size / 8 > STACK_MAP_MAX_DEPTH) {
		return -EINVAL;
	}
	if (attr->max_entries > 1u << 31)
		return -E2BIG; /* the bucket count would not fit */
	return 0;
}

static uint64_t stack_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	uint64_t n_buckets = roundup_pow_of_two(attr->max_entries);
	return elems_off(n_buckets, attr->max_entries) +
	       (uint64_t)attr->max_entries * elem_size(attr->value_size);
}

static int stack_map_init(struct bpf_map *map)
{
	smap_sh(map)->n_buckets = (uint32_t)roundup_pow_of_two(map->max_entries);
	return 0;
}

/* --- the kernel's jhash2 --- */

static inline uint32_t rol32(uint32_t w, unsigned s)
{
	return (w << s) | (w >> (32 - s));
}

#define JHASH_MIX(a, b, c)                                                                         \
	do {                                                                                       \
		a -= c, a ^= rol32(c, 4), c += b;                                                  \
		b -= a, b ^= rol32(a, 6), a += c;                                                  \
		c -= b, c ^= rol32(b, 8), b += a;                                                  \
		a -= c, a ^= rol32(c, 16), c += b;                                                 \
		b -= a, b ^= rol32(a, 19), a += c;                                                 \
		c -= b, c ^= rol32(b, 4), b += a;                                                  \
	} while (0)

#define JHASH_FINAL(a, b, c)                                                                       \
	do {                                                                                       \
		c ^= b, c -= rol32(b, 14);                                                         \
		a ^= c, a -= rol32(c, 11);                                                         \
		b ^= a, b -= rol32(a, 25);                                                         \
		c ^= b, c -= rol32(b, 16);                                                         \
		a ^= c, a -= rol32(c, 4);                                                          \
		b ^= a, b -= rol32(a, 14);                                                         \
		c ^= b, c -= rol32(b, 24);                                                         \
	} while (0)

#define JHASH_INITVAL 0xdeadbeefu

uint32_t stack_map_jhash2(const uint32_t *k, uint32_t len, uint32_t initval)
{
	uint32_t a, b, c;
	a = b = c = JHASH_INITVAL + (len << 2) + initval;
	for (; len > 3; len -= 3, k += 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		JHASH_MIX(a, b, c);
	}
	switch (len) {
	case 3:
		c += k[2];
		/* fall through */
	case 2:
		b += k[1];
		/* fall through */
	case 1:
		a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

/* --- bpf_get_stackid --- */

long stack_map_get_stackid(struct bpf_map *map, const uint64_t *trace, uint32_t nr, uint64_t flags,
                           stack_build_id_fn to_build_id)
{
	uint32_t skip = flags & BPF_F_SKIP_FIELD_MASK;
	bool user = flags & BPF_F_USER_STACK;
	if (nr <= skip)
		return -EFAULT; /* skipping more than the chain has */
	uint32_t trace_nr = nr - skip;
	uint32_t max_depth = map->value_size / stack_map_data_size(map);
	if (trace_nr > max_depth)
		trace_nr = max_depth; /* the capture is bounded by the value already */
	const uint64_t *ips = trace + skip;
	uint32_t words[2 * STACK_MAP_MAX_DEPTH];
	memcpy(words, ips, trace_nr * sizeof(uint64_t));
	uint32_t hash = stack_map_jhash2(words, trace_nr * 2, 0);

	/* a build id map compares and stores the converted chain */
	struct bpf_stack_build_id ids[STACK_MAP_MAX_DEPTH];
	const void *data = ips;
	uint32_t data_len = trace_nr * sizeof(uint64_t);
	if (stack_map_use_build_id(map)) {
		memset(ids, 0, trace_nr * sizeof ids[0]);
		for (uint32_t i = 0; i < trace_nr; i++)
			ids[i].ip = ips[i];
		if (to_build_id)
			to_build_id(ids, trace_nr, user);
		data = ids;
		data_len = trace_nr * sizeof ids[0];
	}

	struct stack_map_shared *sh = smap_sh(map);
	uint32_t id = hash & (sh->n_buckets - 1);
	uint32_t *slot = &smap_buckets(map)[id];
	long ret = id;
	ub_spin_lock(&sh->lock);
	struct stack_map_bucket *bucket = *slot ? smap_elem(map, *slot - 1) : NULL;
	bool hash_matches = bucket && bucket->hash == hash;
	if (hash_matches && (flags & BPF_F_FAST_STACK_CMP))
		goto out;
	/* the kernel takes a free element before comparing build id chains */
	if (stack_map_use_build_id(map) && !smap_have_free(map)) {
		ret = -ENOMEM;
		goto out;
	}
	if (hash_matches && bucket->nr == trace_nr && !memcmp(bucket->data, data, data_len))
		goto out;
	if (bucket && !(flags & BPF_F_REUSE_STACKID)) {
		ret = -EEXIST;
		goto out;
	}
	uint32_t index;
	struct stack_map_bucket *nb = smap_pop(map, &index);
	if (!nb) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(nb->data, data, data_len);
	nb->hash = hash;
	nb->nr = trace_nr;
	uint32_t old = *slot;
	__atomic_store_n(slot, index + 1, __ATOMIC_RELEASE);
	if (old)
		smap_push(map, old - 1);
out:
	ub_spin_unlock(&sh->lock);
	return ret;
}

/* --- the syscall side --- */

/* bpf_stackmap_copy: the chain, zero-filled to value_size. */
static int stack_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                     uint64_t flags)
{
	struct stack_map_shared *sh = smap_sh(map);
	uint32_t id;
	memcpy(&id, key, sizeof id);
	if (id >= sh->n_buckets)
		return -ENOENT;
	int err = 0;
	ub_spin_lock(&sh->lock);
	uint32_t slot = smap_buckets(map)[id];
	if (!slot) {
		err = -ENOENT;
	} else {
		const struct stack_map_bucket *b = smap_elem(map, slot - 1);
		uint32_t len = b->nr * stack_map_data_size(map);
		memcpy(value, b->data, len);
		memset((char *)value + len, 0, map->value_size - len);
	}
	ub_spin_unlock(&sh->lock);
	return err;
}

/* BPF_MAP_LOOKUP_AND_DELETE_ELEM (Linux 6.18): the copy, and the bucket emptied. */
static int stack_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                            uint64_t flags)
{
	struct stack_map_shared *sh = smap_sh(map);
	uint32_t id;
	memcpy(&id, key, sizeof id);
	if (id >= sh->n_buckets)
		return -ENOENT;
	int err = 0;
	ub_spin_lock(&sh->lock);
	uint32_t *slot = &smap_buckets(map)[id];
	uint32_t old = *slot;
	if (!old) {
		err = -ENOENT;
	} else {
		const struct stack_map_bucket *b = smap_elem(map, old - 1);
		uint32_t len = b->nr * stack_map_data_size(map);
		memcpy(value, b->data, len);
		memset((char *)value + len, 0, map->value_size - len);
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		smap_push(map, old - 1);
	}
	ub_spin_unlock(&sh->lock);
	return err;
}

/* Neither user space nor programs write chains. */
static int stack_map_update_elem(struct bpf_map *map, const void *key, const void *value,
                                 uint64_t flags)
{
	return -EINVAL;
}

static long stack_map_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                       uint64_t flags)
{
	return -EINVAL;
}

/* An id past the buckets is -E2BIG here (lookup says -ENOENT), as in the kernel. */
static int stack_map_delete_elem(struct bpf_map *map, const void *key)
{
	struct stack_map_shared *sh = smap_sh(map);
	uint32_t id;
	memcpy(&id, key, sizeof id);
	if (id >= sh->n_buckets)
		return -E2BIG;
	int err = 0;
	ub_spin_lock(&sh->lock);
	uint32_t *slot = &smap_buckets(map)[id];
	uint32_t old = *slot;
	if (old) {
		__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
		smap_push(map, old - 1);
	} else {
		err = -ENOENT;
	}
	ub_spin_unlock(&sh->lock);
	return err;
}

/* The next taken bucket after key; a key that is not a taken bucket starts over at 0. */
static int stack_map_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct stack_map_shared *sh = smap_sh(map);
	const uint32_t *buckets = smap_buckets(map);
	uint32_t id = 0;
	if (key) {
		memcpy(&id, key, sizeof id);
		if (id >= sh->n_buckets || !__atomic_load_n(&buckets[id], __ATOMIC_ACQUIRE))
			id = 0;
		else
			id++;
	}
	while (id < sh->n_buckets && !__atomic_load_n(&buckets[id], __ATOMIC_ACQUIRE))
		id++;
	if (id >= sh->n_buckets)
		return -ENOENT;
	memcpy(next_key, &id, sizeof id);
	return 0;
}

/* Programs cannot look chains up (the kernel's returns ERR_PTR(-EOPNOTSUPP) and the
 * verifier never lets a program reach it). */
static void *stack_map_lookup_elem(struct bpf_map *map, const void *key)
{
	return NULL;
}

const struct bpf_map_ops stack_trace_map_ops = {
        .map_alloc_check = stack_map_alloc_check,
        .map_mem_size = stack_map_mem_size,
        .map_init = stack_map_init,
        .map_lookup_elem_sys = stack_map_lookup_elem_sys,
        .map_update_elem = stack_map_update_elem,
        .map_delete_elem = stack_map_delete_elem,
        .map_get_next_key = stack_map_get_next_key,
        .map_lookup_and_delete_elem = stack_map_lookup_and_delete_elem,
        .map_lookup_elem = stack_map_lookup_elem,
        .map_update_elem_prog = stack_map_update_elem_prog,
};
