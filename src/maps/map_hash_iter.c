/* map_hash_iter.c — walking a hash-family map: get_next_key (syscall side) and
 * for_each_map_elem (programs). Both go bucket by bucket, chain order within a bucket. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"
#include "core/lock.h"
#include "maps/htab_internal.h"

/* Copy the key of the first element at or after bucket b into next_key; -ENOENT if none. */
static int htab_first_from(struct bpf_map *map, uint32_t b, void *next_key)
{
	struct htab_hdr *h = htab_hdr(map);
	for (; b < h->n_buckets; b++) {
		struct htab_bucket *bk = htab_bucket_at(map, b);
		if (!htab_first(bk))
			continue; /* empty buckets are the common case in a sparse map: skip
			             unlocked */
		ub_spin_lock(&bk->lock);
		struct htab_elem *e = htab_elem(map, htab_first(bk));
		if (e)
			memcpy(next_key, htab_elem_key(e), map->key_size);
		ub_spin_unlock(&bk->lock);
		if (e)
			return 0;
	}
	return -ENOENT;
}

int htab_map_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	if (!key)
		return htab_first_from(map, 0, next_key);
	struct htab_hdr *h = htab_hdr(map);
	uint32_t hash = htab_hash(key, map->key_size, h->seed);
	uint32_t b = hash & (h->n_buckets - 1);
	struct htab_bucket *bk = htab_bucket_at(map, b);
	bool found = false, copied = false;
	ub_spin_lock(&bk->lock);
	for (uint32_t n = bk->first; n && !found;) {
		struct htab_elem *e = htab_elem(map, n);
		if (!e)
			break;
		found = e->hash == hash && !memcmp(htab_elem_key(e), key, map->key_size);
		n = e->next;
		struct htab_elem *next = found ? htab_elem(map, n) : NULL;
		if (next) {
			memcpy(next_key, htab_elem_key(next), map->key_size);
			copied = true;
		}
	}
	ub_spin_unlock(&bk->lock);
	if (copied)
		return 0;
	/* a key not in the map restarts the walk, as in the kernel */
	return htab_first_from(map, found ? b + 1 : 0, next_key);
}

/* Element numbers of bucket b's chain, into a buffer grown as needed; -ENOMEM or count. */
static long htab_snapshot_bucket(struct bpf_map *map, struct htab_bucket *bk, uint32_t **buf,
                                 size_t *cap)
{
	long cnt;
	for (;;) {
		cnt = 0;
		ub_spin_lock(&bk->lock);
		for (uint32_t n = bk->first; htab_elem(map, n); n = htab_next(map, n)) {
			if ((size_t)cnt < *cap)
				(*buf)[cnt] = n;
			cnt++;
		}
		ub_spin_unlock(&bk->lock);
		if ((size_t)cnt <= *cap)
			return cnt;
		uint32_t *nb = malloc((size_t)cnt * 2 * sizeof *nb);
		if (!nb)
			return -ENOMEM;
		if (*cap > 16)
			free(*buf);
		*buf = nb;
		*cap = (size_t)cnt * 2;
	}
}

static bool htab_still_linked(struct bpf_map *map, struct htab_bucket *bk, uint32_t n)
{
	bool linked = false;
	ub_spin_lock(&bk->lock);
	for (uint32_t m = bk->first; m && !linked; m = htab_next(map, m))
		linked = m == n;
	ub_spin_unlock(&bk->lock);
	return linked;
}

/* The callback runs without any lock held (it may update or delete elements, this bucket's
 * included), so each bucket's chain is snapshotted first; an element deleted before its
 * turn is skipped. Returns the number of callbacks made, the stopping one included. */
long htab_map_for_each_callback(struct bpf_map *map, bpf_map_each_fn fn, void *ctx, uint64_t flags)
{
	if (flags)
		return -EINVAL;
	uint32_t local[16], *buf = local;
	size_t cap = 16;
	long visited = 0;
	bool percpu = bpf_map_is_percpu(map->map_type);
	int cpu = percpu ? ub_current_cpu() : 0;
	for (uint32_t b = 0; b < htab_hdr(map)->n_buckets; b++) {
		struct htab_bucket *bk = htab_bucket_at(map, b);
		if (!__atomic_load_n(&bk->first, __ATOMIC_RELAXED))
			continue;
		long cnt = htab_snapshot_bucket(map, bk, &buf, &cap);
		if (cnt < 0) {
			visited = cnt;
			break;
		}
		for (long i = 0; i < cnt; i++) {
			if (!htab_still_linked(map, bk, buf[i]))
				continue;
			struct htab_elem *e = htab_elem(map, buf[i]);
			void *value =
			        percpu ? htab_elem_cpu_value(map, e, cpu) : htab_elem_value(map, e);
			visited++;
			if (fn(map, htab_elem_key(e), value, ctx))
				goto out;
		}
	}
out:
	if (buf != local)
		free(buf);
	return visited;
}
