/* map.h — maps: the storage layout every map type shares, and the ops each type provides.
 *
 * A map's storage is one file (an O_TMPFILE in our bpffs root, or a memfd): the same
 * memory in every process that holds the map, so a pinned map opened elsewhere sees the
 * same data. Layout of the file:
 *
 *   [0, data_size)            the type's own region (values, buckets, trie nodes, rings)
 *   [data_size, + page)       struct bpf_map_shared, the self-describing header (last page)
 *
 * The type's region starts at offset 0 so that mmap(fd, 0) gives what the kernel gives
 * (MMAPABLE arrays: the values; ring buffers: the consumer page). Everything inside the
 * file is offsets, never pointers, and every lock is a 32-bit word (core/lock.h), because
 * each process maps the file at its own address.
 *
 * struct bpf_map is this process's view: the mapping plus cached attributes. Types
 * implement struct bpf_map_ops, named after the kernel's. Two sides call them:
 * - the syscall side (bpf() commands: copies in and out; per-CPU values for all CPUs);
 * - the helper side (programs: bpf_map_lookup_elem returns a pointer into the value).
 * Both must be safe for concurrent use from many threads and processes.
 */
#ifndef USERBPF_MAPS_MAP_H
#define USERBPF_MAPS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <userbpf/bpf_uapi.h>

#define BPF_MAP_SHARED_MAGIC 0x4d425055u /* "UPBM" */
#define BPF_MAP_SHARED_VERSION 2u        /* 2: per-CPU hash free lists, nulls-ended chains */
#define BPF_MAP_PAGE_SIZE 4096u

/* The header, in shared memory. Fixed layout; written once at creation except where noted. */
struct bpf_map_shared {
	uint32_t magic, version;
	uint32_t map_type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t id;        /* global id, assigned by the object layer */
	uint64_t map_extra; /* bloom filter: nr_hash_funcs in the low 4 bits */
	uint64_t data_size; /* bytes of the type's region, page-aligned */
	uint32_t ncpus;     /* possible CPUs when created: per-CPU layouts use this */
	uint32_t numa_node;
	int32_t spin_lock_off; /* offset of struct bpf_spin_lock in a value, -1 if none */
	uint32_t btf_id, btf_key_type_id, btf_value_type_id, btf_vmlinux_value_type_id;
	uint32_t map_ifindex;
	char name[BPF_OBJ_NAME_LEN];
	/* map-in-map: the inner map template (type, sizes, flags) updates must match */
	uint32_t inner_map_type, inner_key_size, inner_value_size, inner_max_entries,
	        inner_map_flags;
	/* mutable, atomically accessed */
	uint32_t frozen; /* MAP_FREEZE: syscall-side writes refused */
	/* the kernel's writecnt; always 0 here: MAP_FREEZE finds writable user mappings by
	 * looking (object/obj_mmap.c), and a frozen map cannot be mapped writable */
	uint32_t writable_mmaps;
	uint32_t lock;      /* for rare header updates (freeze) */
	uint32_t freezing;  /* MAP_FREEZE is looking for writable mappings: mmap() waits */
	uint32_t refs_lock; /* map-in-map / prog array slot updates and their .refs links */
	/* the object layer found the file can never be hard-linked again (its last link went
	 * while it was open): programs stop trying to link it */
	uint32_t unlinkable;
};

struct bpf_map;

/* for_each callback: return 0 to continue, 1 to stop (bpf_for_each_map_elem's contract). */
typedef long (*bpf_map_each_fn)(struct bpf_map *map, const void *key, void *value, void *ctx);

struct bpf_map_ops {
	/* --- creation --- */
	/* Validate attr->map_create fields for this type as the kernel does; 0 or -errno. */
	int (*map_alloc_check)(const union bpf_attr *attr);
	/* Bytes of the type's region for these attributes (will be rounded up to a page). */
	uint64_t (*map_mem_size)(const union bpf_attr *attr, int ncpus);
	/* Initialise freshly created, zero-filled storage. Optional. */
	int (*map_init)(struct bpf_map *map);
	/* Map the type's region of fd into map->data and set map->data_map_len (one munmap of
	 * that length undoes it). Optional: by default [0, data_size) is mapped once, shared,
	 * read-write. Ring buffers map their data area twice. */
	int (*map_mmap)(struct bpf_map *map, int fd);

	/* --- syscall side: values are copied; per-CPU maps use round_up(value_size, 8) *
	 * ncpus bytes, CPU after CPU --- */
	int (*map_lookup_elem_sys)(struct bpf_map *map, const void *key, void *value,
	                           uint64_t flags);
	int (*map_update_elem)(struct bpf_map *map, const void *key, const void *value,
	                       uint64_t flags);
	int (*map_delete_elem)(struct bpf_map *map, const void *key);
	/* key == NULL, or a key not in the map: the first key. -ENOENT after the last. */
	int (*map_get_next_key)(struct bpf_map *map, const void *key, void *next_key);
	int (*map_lookup_and_delete_elem)(struct bpf_map *map, const void *key, void *value,
	                                  uint64_t flags);

	/* --- helper side (programs) --- */
	/* Pointer to the value (this CPU's slot for per-CPU maps), or NULL. */
	void *(*map_lookup_elem)(struct bpf_map *map, const void *key);
	void *(*map_lookup_percpu_elem)(struct bpf_map *map, const void *key, uint32_t cpu);
	/* value is one CPU's value for per-CPU maps (updates this CPU's slot). */
	long (*map_update_elem_prog)(struct bpf_map *map, const void *key, const void *value,
	                             uint64_t flags);
	long (*map_push_elem)(struct bpf_map *map, const void *value, uint64_t flags);
	long (*map_pop_elem)(struct bpf_map *map, void *value);
	long (*map_peek_elem)(struct bpf_map *map, void *value);
	/* Calls fn for each element in order; returns the number of elements visited. */
	long (*map_for_each_callback)(struct bpf_map *map, bpf_map_each_fn fn, void *ctx,
	                              uint64_t flags);
	/* The value a syscall-side lookup copies out, for types whose lookup is "find, copy"
	 * (the kernel's map_lookup_elem_sys_only: an LRU lookup from user space does not mark
	 * the element referenced). Optional: defaults to map_lookup_elem. */
	void *(*map_lookup_elem_sys_only)(struct bpf_map *map, const void *key);
	/* Choose map->lookup for this map (e.g. a hash specialised for its key size).
	 * Optional. */
	void (*map_resolve)(struct bpf_map *map);
};

/* This process's view of one map. */
struct bpf_map {
	const struct bpf_map_ops *ops;
	struct bpf_map_shared *sh; /* the header page, mapped */
	void *data;                /* the type's region, mapped */
	uint64_t data_size;        /* bytes of the type's region in the file */
	uint64_t data_map_len;     /* bytes mapped at data (a ring maps its data twice) */
	/* cached from sh, read-only after attach */
	uint32_t map_type, key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	int ncpus;
	uint32_t round_value_size; /* round_up(value_size, 8): per-CPU stride */
	void *type_priv;           /* a type's process-local state (e.g. the ring's second view) */
	/* Resolved once when the map is created or attached in this process:
	 * lookup      what a program's bpf_map_lookup_elem calls: ops->map_lookup_elem or a
	 *             specialisation for this map (helpers call map->lookup(map, key));
	 * lookup_sys  for types whose syscall-side lookup is "find the value, copy it out"
	 *             (array, hash, LRU hash, LPM trie; not per-CPU): the finder. NULL for
	 *             the others, which go through ops->map_lookup_elem_sys. */
	void *(*lookup)(struct bpf_map *map, const void *key);
	void *(*lookup_sys)(struct bpf_map *map, const void *key);
	/* Holders of this view in the process (an fd's cache entry, runtimes): the view is
	 * unmapped when the last one detaches. */
	uint32_t refcnt;
};

/* The ops for a map type, or NULL if we do not implement it (map_types.c). */
const struct bpf_map_ops *bpf_map_ops_get(uint32_t map_type);

/* The kernel's map_create checks that come before any type's: map_extra only for bloom
 * filters, BPF_F_NUMA_NODE naming an online node. 0 or -EINVAL. */
int bpf_map_check_common(const union bpf_attr *attr);

/* Create a map in fd (an empty file: O_TMPFILE or memfd): check the common attrs and the
 * type's, size the file, map it, write the header, run map_init. 0 or -errno; on error the
 * file may have been resized but nothing is mapped. */
int bpf_map_create_in_fd(const union bpf_attr *attr, int fd, struct bpf_map **out);

/* Map an existing map file (another process's map: OBJ_GET, SCM_RIGHTS, fork). */
int bpf_map_attach_fd(int fd, struct bpf_map **out);

/* One more holder of the view map (released with bpf_map_detach); returns map. */
struct bpf_map *bpf_map_get(struct bpf_map *map);

/* Drop a holder; the last one unmaps and frees this process's view (the storage lives
 * while any fd or mapping does). */
void bpf_map_detach(struct bpf_map *map);

/* A map on a fresh memfd, for tests and internal users; *fd_out (may be NULL) gets the fd,
 * else it is closed after mapping (the mapping keeps the storage alive). */
int bpf_map_create_anon(const union bpf_attr *attr, struct bpf_map **out, int *fd_out);

/* Value copies that respect a struct bpf_spin_lock inside the value (copy_map_value in the
 * kernel): the lock word is never copied. With lock_dst/lock_src, the copy is done holding
 * that value's lock (BPF_F_LOCK). */
void bpf_map_copy_value(const struct bpf_map *map, void *dst, const void *src);
void bpf_map_copy_value_locked(const struct bpf_map *map, void *dst, const void *src,
                               bool lock_dst);

/* The spin lock inside a value, or NULL when the map's values have none. */
static inline uint32_t *bpf_map_value_lock(const struct bpf_map *map, void *value)
{
	int32_t off = map->sh->spin_lock_off;
	return off < 0 ? NULL : (uint32_t *)((char *)value + off);
}

/* The u32 index of an array-like map's key. A program may pass a key at any stack offset
 * (the kernel's `*(u32 *)key` is fine on x86; in C it must not assume alignment: UBSan,
 * found by fuzz_verifier). */
static inline uint32_t bpf_map_key_u32(const void *key)
{
	uint32_t v;
	memcpy(&v, key, sizeof v);
	return v;
}

static inline bool bpf_map_is_percpu(uint32_t map_type)
{
	return map_type == BPF_MAP_TYPE_PERCPU_HASH || map_type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Bytes the syscall side copies for one value (per-CPU: all CPUs). */
static inline size_t bpf_map_value_size_sys(const struct bpf_map *map)
{
	return bpf_map_is_percpu(map->map_type) ? (size_t)map->round_value_size * map->ncpus
	                                        : map->value_size;
}

#endif /* USERBPF_MAPS_MAP_H */
