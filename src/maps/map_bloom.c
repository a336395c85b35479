/* map_bloom.c — BPF_MAP_TYPE_BLOOM_FILTER (kernel/bpf/bloom_filter.c).
 *
 * A bit array sized as the kernel sizes it and nr_hash_funcs hashes of the value (hash i
 * uses seed + i). push sets the bits, peek tests them: -ENOENT means "definitely absent",
 * 0 "maybe present" — never a false negative. Bits are set with atomic ORs, so no lock is
 * needed between threads or processes. The seed lives in the shared region so every
 * process hashes alike. Our hash is not the kernel's jhash: which values collide differs,
 * the contract does not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "maps/map.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "operation not supported" */
#endif

#define BLOOM_ACCESS_FLAGS (BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define BLOOM_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BLOOM_ACCESS_FLAGS)
#define KMALLOC_MAX_SIZE (4u << 20) /* x86-64: 1 << (PAGE_SHIFT + MAX_PAGE_ORDER) */

/* At offset 0 of the type's region; the bit array (u64 words) follows. */
struct bloom_shared {
	uint32_t hash_seed;
	uint32_t nr_hash_funcs;
	uint32_t bitset_mask; /* nr_bits - 1: a hash & mask is a bit index */
	uint32_t pad;
};

#define BLOOM_BITSET_OFF 16u

static inline struct bloom_shared *bloom_sh(const struct bpf_map *map)
{
	return map->data;
}

static inline uint64_t *bloom_bitset(const struct bpf_map *map)
{
	return (uint64_t *)((char *)map->data + BLOOM_BITSET_OFF);
}

static bool bloom_flags_access_ok(uint32_t flags)
{
	return (flags & (BPF_F_RDONLY | BPF_F_WRONLY)) != (BPF_F_RDONLY | BPF_F_WRONLY) &&
	       (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !=
	               (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/* bloom_map_alloc_check() (E2BIG first) then bloom_map_alloc()'s attribute checks. */
static int bloom_map_alloc_check(const union bpf_attr *attr)
{
	if (attr->value_size > KMALLOC_MAX_SIZE)
		return -E2BIG;
	if (attr->key_size != 0 || attr->value_size == 0 || attr->max_entries == 0 ||
	    attr->map_flags & ~BLOOM_CREATE_FLAG_MASK || !bloom_flags_access_ok(attr->map_flags) ||
	    attr->map_extra & ~0xfull) /* the low 4 bits are the number of hash functions */
		return -EINVAL;
	return 0;
}

static uint32_t bloom_nr_hash_funcs(uint64_t map_extra)
{
	return map_extra ? (uint32_t)map_extra : 5; /* 5 when unspecified */
}

/* The kernel's sizing: n * k / ln(2) bits (7/5 approximates 1/ln 2), rounded up to a power
 * of two so a mask selects the bit; at least 64 bits; 2^32 bits when that overflows. */
static uint32_t bloom_bitset_mask(uint32_t max_entries, uint32_t nr_hash_funcs)
{
	uint32_t nr_bits;
	if (__builtin_mul_overflow(max_entries, nr_hash_funcs, &nr_bits) ||
	    __builtin_mul_overflow(nr_bits / 5, 7u, &nr_bits) || nr_bits > (1u << 31))
		return UINT32_MAX;
	if (nr_bits <= 64)
		return 63;
	return (uint32_t)((1ull << (32 - __builtin_clz(nr_bits - 1))) - 1);
}

static uint64_t bloom_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	uint64_t nr_bits = (uint64_t)bloom_bitset_mask(attr->max_entries,
	                                               bloom_nr_hash_funcs(attr->map_extra)) +
	                   1;
	return BLOOM_BITSET_OFF + (nr_bits + 63) / 64 * 8;
}

static uint32_t bloom_random_seed(void)
{
	uint32_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		return seed;
	struct timespec ts; /* no entropy yet: the seed need only differ between maps */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_nsec ^ ts.tv_sec ^ ((uint64_t)getpid() << 16));
}

static int bloom_map_init(struct bpf_map *map)
{
	struct bloom_shared *bs = bloom_sh(map);
	bs->nr_hash_funcs = bloom_nr_hash_funcs(map->map_extra);
	bs->bitset_mask = bloom_bitset_mask(map->max_entries, bs->nr_hash_funcs);
	bs->hash_seed = map->map_flags & BPF_F_ZERO_SEED ? 0 : bloom_random_seed();
	return 0;
}

/* Our hash: 8-byte words folded in with a multiply and an xor-shift each, then a final
 * avalanche so every input bit reaches the low bits the mask keeps. The length enters
 * the start state so that values differing only in trailing zero bytes still differ. */
static uint32_t bloom_hash(const void *data, uint32_t len, uint32_t seed)
{
	const unsigned char *p = data;
	uint64_t h = ((uint64_t)seed << 32 | len) ^ 0x6a09e667f3bcc908ull;
	while (len) {
		uint64_t w = 0;
		uint32_t n = len < 8 ? len : 8;
		memcpy(&w, p, n);
		h = (h ^ w) * 0x9fb21c651e98df25ull;
		h ^= h >> 28;
		p += n;
		len -= n;
	}
	h *= 0xc2b2ae3d27d4eb4full;
	h ^= h >> 31;
	h *= 0x165667b19e3779f9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static uint32_t bloom_bit(const struct bpf_map *map, const void *value, uint32_t index)
{
	const struct bloom_shared *bs = bloom_sh(map);
	return bloom_hash(value, map->value_size, bs->hash_seed + index) & bs->bitset_mask;
}

static long bloom_map_peek_elem(struct bpf_map *map, void *value)
{
	uint64_t *bits = bloom_bitset(map);
	for (uint32_t i = 0; i < bloom_sh(map)->nr_hash_funcs; i++) {
		uint32_t h = bloom_bit(map, value, i);
		if (!(__atomic_load_n(&bits[h / 64], __ATOMIC_RELAXED) & (1ull << (h % 64))))
			return -ENOENT;
	}
	return 0;
}

static long bloom_map_push_elem(struct bpf_map *map, const void *value, uint64_t flags)
{
	if (flags != BPF_ANY)
		return -EINVAL;
	uint64_t *bits = bloom_bitset(map);
	for (uint32_t i = 0; i < bloom_sh(map)->nr_hash_funcs; i++) {
		uint32_t h = bloom_bit(map, value, i);
		__atomic_fetch_or(&bits[h / 64], 1ull << (h % 64), __ATOMIC_RELAXED);
	}
	return 0;
}

static long bloom_map_pop_elem(struct bpf_map *map, void *value)
{
	return -EOPNOTSUPP; /* nothing can be taken out of a bloom filter */
}

/* --- the syscall side: lookup checks the value given, update adds it --- */

static int bloom_check_lock_flags(const struct bpf_map *map, uint64_t flags)
{
	if (flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return 0;
}

static int bloom_map_lookup_elem_sys(struct bpf_map *map, const void *key, void *value,
                                     uint64_t flags)
{
	int err = bloom_check_lock_flags(map, flags);
	return err ? err : (int)bloom_map_peek_elem(map, value);
}

static int bloom_map_update_elem_sys(struct bpf_map *map, const void *key, const void *value,
                                     uint64_t flags)
{
	if ((flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	return (int)bloom_map_push_elem(map, value, flags);
}

static int bloom_map_delete_elem(struct bpf_map *map, const void *key)
{
	return -EOPNOTSUPP;
}

static int bloom_map_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	return -EOPNOTSUPP;
}

/* map_lookup_and_delete_elem() serves only queues, stacks and hashes. */
static int bloom_map_lookup_and_delete_elem(struct bpf_map *map, const void *key, void *value,
                                            uint64_t flags)
{
	int err = bloom_check_lock_flags(map, flags);
	return err ? err : -ENOTSUPP;
}

/* Programs must use peek/push; lookup/update through the helper side do nothing. */
static void *bloom_map_lookup_elem(struct bpf_map *map, const void *key)
{
	return NULL;
}

static long bloom_map_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                       uint64_t flags)
{
	return -EINVAL;
}

const struct bpf_map_ops bloom_filter_map_ops = {
        .map_alloc_check = bloom_map_alloc_check,
        .map_mem_size = bloom_map_mem_size,
        .map_init = bloom_map_init,
        .map_lookup_elem_sys = bloom_map_lookup_elem_sys,
        .map_update_elem = bloom_map_update_elem_sys,
        .map_delete_elem = bloom_map_delete_elem,
        .map_get_next_key = bloom_map_get_next_key,
        .map_lookup_and_delete_elem = bloom_map_lookup_and_delete_elem,
        .map_lookup_elem = bloom_map_lookup_elem,
        .map_update_elem_prog = bloom_map_update_elem_prog,
        .map_push_elem = bloom_map_push_elem,
        .map_pop_elem = bloom_map_pop_elem,
        .map_peek_elem = bloom_map_peek_elem,
};
