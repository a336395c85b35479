/* map_hash_alloc.c — creating a hash-family map: the kernel's attribute checks, the size
 * of the region, and its initialisation (see htab_internal.h for the layout). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/cpu.h"
#include "maps/htab_internal.h"

#define HTAB_ACCESS_MASK (BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG)
#define HTAB_CREATE_FLAG_MASK                                                                      \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | HTAB_ACCESS_MASK |            \
	 BPF_F_ZERO_SEED)
/* The kernel's LRU tuning: a common list frees up to 128 nodes per shrink (less for small
 * maps, so one CPU cannot starve the others); a per-CPU list frees 4. */
#define HTAB_LRU_LOCAL_FREE_TARGET 128u
#define HTAB_LRU_PERCPU_FREE_TARGET 4u

struct htab_geometry {
	uint32_t max_entries, n_buckets, elem_size, nr_elems, nr_lru_lists, nr_lru_locals, nr_fl,
	        nr_extra;
	uint64_t buckets_off, lru_off, lru_local_off, fl_off, extra_off, elems_off, size;
};

static uint64_t htab_align(uint64_t n)
{
	return (n + HTAB_ALIGN - 1) & ~(uint64_t)(HTAB_ALIGN - 1);
}

static uint32_t htab_roundup_pow2(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

/* With per-CPU LRU lists each CPU needs at least one element: the kernel rounds
 * max_entries up to a multiple of the CPU count (down if that overflows). */
static uint32_t htab_effective_max_entries(const union bpf_attr *attr, int ncpus)
{
	if (!(attr->map_flags & BPF_F_NO_COMMON_LRU))
		return attr->max_entries;
	uint64_t n = (uint64_t)ncpus;
	uint64_t up = (attr->max_entries + n - 1) / n * n;
	return up > UINT32_MAX ? (uint32_t)(attr->max_entries / n * n) : (uint32_t)up;
}

static void htab_geometry(const union bpf_attr *attr, int ncpus, struct htab_geometry *g)
{
	bool percpu = bpf_map_is_percpu(attr->map_type), lru = htab_is_lru(attr->map_type);
	uint64_t vstride = (attr->value_size + 7u) & ~7u;
	g->max_entries = htab_effective_max_entries(attr, ncpus);
	g->n_buckets = htab_roundup_pow2(g->max_entries);
	g->elem_size = (uint32_t)(HTAB_ELEM_HDR + ((attr->key_size + 7u) & ~7u) +
	                          (percpu ? vstride * (uint64_t)ncpus : vstride));
	/* A plain hash replaces an element by a fresh one (readers holding the old value keep
	 * seeing it): the kernel keeps one spare per CPU for that. */
	g->nr_extra = !percpu && !lru ? (uint32_t)ncpus : 0;
	g->nr_elems = g->max_entries + g->nr_extra;
	g->nr_lru_lists = !lru ? 0 : attr->map_flags & BPF_F_NO_COMMON_LRU ? (uint32_t)ncpus : 1;
	g->nr_fl = lru ? 0 : (uint32_t)ncpus;
	g->buckets_off = htab_align(sizeof(struct htab_hdr));
	g->lru_off =
	        htab_align(g->buckets_off + (uint64_t)g->n_buckets * sizeof(struct htab_bucket));
	g->nr_lru_locals = g->nr_lru_lists == 1 ? (uint32_t)ncpus : 0;
	g->lru_local_off =
	        htab_align(g->lru_off + (uint64_t)g->nr_lru_lists * sizeof(struct htab_lru_list));
	g->fl_off = htab_align(g->lru_local_off +
	                       (uint64_t)g->nr_lru_locals * sizeof(struct htab_lru_local));
	g->extra_off = htab_align(g->fl_off + (uint64_t)g->nr_fl * sizeof(struct htab_freelist));
	g->elems_off = htab_align(g->extra_off + (uint64_t)g->nr_extra * HTAB_EXTRA_STRIDE * 4);
	g->size = g->elems_off + (uint64_t)g->nr_elems * g->elem_size;
}

int htab_map_alloc_check(const union bpf_attr *attr)
{
	bool percpu = bpf_map_is_percpu(attr->map_type), lru = htab_is_lru(attr->map_type);
	uint32_t flags = attr->map_flags;
	bool percpu_lru = flags & BPF_F_NO_COMMON_LRU, prealloc = !(flags & BPF_F_NO_PREALLOC);
	/* BPF_F_ZERO_SEED needs CAP_SYS_ADMIN in the kernel; we have no capabilities. */
	if (flags & ~HTAB_CREATE_FLAG_MASK)
		return -EINVAL;
	if ((flags & BPF_F_RDONLY && flags & BPF_F_WRONLY) ||
	    (flags & BPF_F_RDONLY_PROG && flags & BPF_F_WRONLY_PROG))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -ENOTSUPP; /* LRU maps evict from preallocated elements only */
	if ((flags & BPF_F_NUMA_NODE) && (percpu || percpu_lru))
		return -EINVAL;
	if (!attr->max_entries || !attr->key_size || !attr->value_size)
		return -EINVAL;
	if ((uint64_t)attr->key_size + attr->value_size >= HTAB_KMALLOC_MAX - HTAB_KERNEL_ELEM_SIZE)
		return -E2BIG;
	if (percpu && ((attr->value_size + 7u) & ~7u) > HTAB_PCPU_MIN_UNIT)
		return -E2BIG;
	/* htab_map_alloc: the bucket array's size must fit in a u32 */
	if (htab_effective_max_entries(attr, ub_num_possible_cpus()) > HTAB_MAX_BUCKETS)
		return -E2BIG;
	return 0;
}

/* HASH_OF_MAPS: values are 4-byte inner map ids (fds on the syscall side). */
int htab_of_map_alloc_check(const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t))
		return -EINVAL;
	return htab_map_alloc_check(attr);
}

uint64_t htab_map_mem_size(const union bpf_attr *attr, int ncpus)
{
	struct htab_geometry g;
	htab_geometry(attr, ncpus, &g);
	return g.size;
}

static uint32_t htab_random_seed(void)
{
	uint32_t seed;
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == sizeof seed)
		return seed;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_nsec ^ ts.tv_sec ^ getpid());
}

int htab_map_init(struct bpf_map *map)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = map->map_type;
	attr.key_size = map->key_size;
	attr.value_size = map->value_size;
	attr.max_entries = map->max_entries;
	attr.map_flags = map->map_flags;
	struct htab_geometry g;
	htab_geometry(&attr, map->ncpus, &g);
	if (g.size > map->data_size)
		return -EINVAL;
	/* the rounded max_entries is what the map reports from now on */
	map->sh->max_entries = map->max_entries = g.max_entries;

	struct htab_hdr *h = htab_hdr(map);
	h->seed = map->map_flags & BPF_F_ZERO_SEED ? 0 : htab_random_seed();
	h->n_buckets = g.n_buckets;
	h->elem_size = g.elem_size;
	h->nr_elems = g.nr_elems;
	h->nr_lru_lists = g.nr_lru_lists;
	if (g.nr_lru_lists == 1) {
		uint32_t per_cpu = g.nr_elems / (uint32_t)map->ncpus / 2;
		h->lru_target_free = per_cpu < 1 ? 1
		                     : per_cpu > HTAB_LRU_LOCAL_FREE_TARGET
		                             ? HTAB_LRU_LOCAL_FREE_TARGET
		                             : per_cpu;
		h->lru_nr_scans = HTAB_LRU_LOCAL_FREE_TARGET;
	} else {
		h->lru_target_free = HTAB_LRU_PERCPU_FREE_TARGET;
		h->lru_nr_scans = HTAB_LRU_PERCPU_FREE_TARGET;
	}
	h->buckets_off = g.buckets_off;
	h->lru_off = g.lru_off;
	h->elems_off = g.elems_off;
	h->nr_fl = g.nr_fl;
	h->lru_local_off = g.lru_local_off;
	h->nr_lru_locals = g.nr_lru_locals;
	h->nr_extra = g.nr_extra;
	h->fl_off = g.fl_off;
	h->extra_off = g.extra_off;
	h->hash_init = htab_hash_init(map->key_size, h->seed);
	if (g.nr_lru_lists)
		htab_lru_init(map);
	/* max_entries elements shared out among the free lists (each CPU's share), then
	 * one spare per CPU after them */
	for (uint32_t i = 0; i < g.nr_fl; i++) {
		struct htab_freelist *l = htab_freelist_at(map, i);
		l->bump = 1 + (uint32_t)((uint64_t)g.max_entries * i / g.nr_fl);
		l->bump_end = 1 + (uint32_t)((uint64_t)g.max_entries * (i + 1) / g.nr_fl);
	}
	for (uint32_t i = 0; i < g.nr_extra; i++)
		*htab_extra_at(map, i) = g.max_entries + 1 + i;
	__atomic_store_n(&h->magic, HTAB_MAGIC, __ATOMIC_RELEASE);
	return 0;
}
