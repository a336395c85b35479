/* map_lpm.c — BPF_MAP_TYPE_LPM_TRIE: longest-prefix match over big-endian bit strings.
 *
 * The same path-compressed binary trie as the kernel's: each node holds a prefix (length
 * and the key's data bytes as given), children are chosen by the first bit after the
 * node's prefix, and "intermediate" nodes (not elements) are added where two prefixes
 * diverge, so every intermediate node has exactly two children. That makes the number of
 * intermediate nodes at most elements - 1, so the node pool holds 2 * max_entries nodes.
 * The trie decides structure, iteration order (get_next_key) and every change.
 *
 * Lookups: a walk down the trie costs a cache miss per level (~16 for 16k random /32s). An
 * index of the elements by (prefix length, the key's first prefix-length bits), open
 * addressing, answers a lookup with one probe per distinct prefix length present, longest
 * first; it is used while at most TRIE_INDEX_MAX_LENS lengths are present (a routing table
 * with many lengths walks the trie instead). Index lookups take no lock: slots only change
 * from empty to a node, from a node to a tombstone, or all at once in a rebuild (under a
 * sequence count readers check); a node found is checked against the key, so a node freed
 * and reused meanwhile is never taken for another key. The same index finds the element
 * an update of an existing key or a delete is about, and parent links let a delete unhook
 * a node without walking down to it.
 *
 * Storage: struct trie_head at offset 0 of the region, the index, the prefix-length
 * counts, then the node pool. Nodes are addressed by byte offset (0 = none). Fresh nodes
 * come from a bump pointer, so a large, sparse pool is never touched before use; freed
 * nodes go to the tail of a FIFO free list, so a value pointer a program still holds is
 * not reused at once (the kernel frees after an RCU grace period). One spinlock
 * serialises changes and trie walks.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "core/racy.h"
#include "maps/map.h"

#define TRIE_DATA_SIZE_MIN 1
#define TRIE_DATA_SIZE_MAX 256
/* The kernel bounds a node (its header, the key data, the value) by the largest kmalloc:
 * 4 MiB - 256 - 24 (probed on 6.18). */
#define TRIE_VALUE_SIZE_MAX ((4u << 20) - TRIE_DATA_SIZE_MAX - 24)
#define TRIE_CREATE_FLAGS                                                                          \
	(BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG |   \
	 BPF_F_WRONLY_PROG)
#define TRIE_NODE_IM 1u /* intermediate: a branch point, not an element */
#define TRIE_INDEX_MAX_LENS 12
#define TRIE_TOMB 1u /* an index slot whose element was deleted (offsets are >= 64) */
/* An index slot: the element's offset in the low 48 bits, 16 bits of its hash above (a probe
 * compares those before it touches the element). */
#define TRIE_SLOT_OFF ((1ull << 48) - 1)
#define TRIE_SLOT_TAG(h) ((uint64_t)((h) >> 48) << 48)
#define TRIE_LOOKUP_TRIES 8

struct trie_head {
	uint32_t lock;
	uint32_t seq; /* index rebuilds: odd while entries move */
	uint64_t root;
	uint64_t n_entries; /* elements, intermediate nodes not counted */
	uint64_t free_head, free_tail;
	uint64_t next_unused; /* bump allocator: first never-used node */
	uint64_t pool_end;
	uint64_t idx_off, lens_off; /* the index (u64 slots), the counts then bits per length */
	uint32_t idx_mask, idx_used, idx_dead;
	uint32_t nr_lens; /* distinct prefix lengths of the elements */
	uint32_t pad[12];
};

struct trie_node {
	uint64_t child[2];
	uint64_t parent; /* 0 for the root */
	uint32_t prefixlen;
	uint32_t flags;
	uint8_t data[]; /* key data, then the value 8-byte aligned */
};

static uint64_t trie_value_off(uint32_t key_size)
{
	return (sizeof(struct trie_node) + (key_size - 4) + 7) & ~(uint64_t)7;
}

static uint64_t trie_node_size(uint32_t key_size, uint32_t value_size)
{
	return trie_value_off(key_size) + ((value_size + 7ull) & ~7ull);
}

static uint32_t trie_max_prefixlen_of(uint32_t key_size)
{
	return (key_size - 4) * 8;
}

static uint32_t trie_max_prefixlen(const struct bpf_map *map)
{
	return trie_max_prefixlen_of(map->key_size);
}

/* Layout: head, index (a power of two >= 2 * max_entries slots), counts (u32 per length)
 * and bits (u64 words), pool. */
struct trie_geom {
	uint64_t idx_off, lens_off, pool_off, size;
	uint32_t idx_slots;
};

static void trie_geometry(uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                          struct trie_geom *g)
{
	uint32_t slots = 16;
	while (slots < 2 * (uint64_t)max_entries && slots < (1u << 31))
		slots <<= 1;
	uint32_t lens = trie_max_prefixlen_of(key_size) + 1;
	g->idx_slots = slots;
	g->idx_off = sizeof(struct trie_head);
	g->lens_off = g->idx_off + (uint64_t)slots * 8;
	g->pool_off =
	        (g->lens_off + (((uint64_t)lens * 4 + 7) & ~7ull) + ((lens + 63) / 64) * 8 + 63) &
	        ~63ull;
	g->size = g->pool_off + 2 * (uint64_t)max_entries * trie_node_size(key_size, value_size);
}

static int trie_alloc_check(const union bpf_attr *attr)
{
	uint32_t fl = attr->map_flags;
	if (!attr->max_entries || !(fl & BPF_F_NO_PREALLOC) ||
	    (fl & ~(uint32_t)TRIE_CREATE_FLAGS) || ((fl & BPF_F_RDONLY) && (fl & BPF_F_WRONLY)) ||
	    ((fl & BPF_F_RDONLY_PROG) && (fl & BPF_F_WRONLY_PROG)) ||
	    attr->key_size < 4 + TRIE_DATA_SIZE_MIN || attr->key_size > 4 + TRIE_DATA_SIZE_MAX ||
	    attr->value_size < 1 || attr->value_size > TRIE_VALUE_SIZE_MAX)
		return -EINVAL;
	return 0;
}

static uint64_t trie_mem_size(const union bpf_attr *attr, int ncpus)
{
	struct trie_geom g;
	trie_geometry(attr->key_size, attr->value_size, attr->max_entries, &g);
	return g.size;
}

static int trie_init(struct bpf_map *map)
{
	struct trie_head *th = map->data;
	struct trie_geom g;
	trie_geometry(map->key_size, map->value_size, map->max_entries, &g);
	th->idx_off = g.idx_off;
	th->lens_off = g.lens_off;
	th->idx_mask = g.idx_slots - 1;
	th->next_unused = g.pool_off;
	th->pool_end = g.size;
	return 0;
}

/* --- nodes --- */

static inline struct trie_node *trie_node(const struct bpf_map *map, uint64_t off)
{
	return off ? (struct trie_node *)((char *)map->data + off) : NULL;
}

static inline uint64_t trie_off(const struct bpf_map *map, const struct trie_node *n)
{
	return n ? (uint64_t)((const char *)n - (const char *)map->data) : 0;
}

static inline void *trie_value(const struct bpf_map *map, struct trie_node *n)
{
	return (char *)n + trie_value_off(map->key_size);
}

static struct trie_node *trie_node_alloc(struct bpf_map *map)
{
	struct trie_head *th = map->data;
	uint64_t off = th->free_head;
	if (off) {
		th->free_head = trie_node(map, off)->child[0];
		if (!th->free_head)
			th->free_tail = 0;
	} else {
		uint64_t sz = trie_node_size(map->key_size, map->value_size);
		if (th->next_unused + sz > th->pool_end)
			return NULL;
		off = th->next_unused;
		th->next_unused += sz;
	}
	struct trie_node *n = trie_node(map, off);
	n->child[0] = n->child[1] = n->parent = 0;
	__atomic_store_n(&n->prefixlen, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->flags, 0, __ATOMIC_RELAXED);
	return n;
}

static void trie_node_free(struct bpf_map *map, struct trie_node *n)
{
	struct trie_head *th = map->data;
	uint64_t off = trie_off(map, n);
	n->child[0] = 0;
	if (th->free_tail)
		trie_node(map, th->free_tail)->child[0] = off;
	else
		th->free_head = off;
	th->free_tail = off;
}

/* The slot that points at n: its parent's child, or the root. */
static uint64_t *trie_slot_of(const struct bpf_map *map, struct trie_node *n)
{
	struct trie_node *p = trie_node(map, n->parent);
	if (!p)
		return &((struct trie_head *)map->data)->root;
	return &p->child[p->child[1] == trie_off(map, n)];
}

static void trie_set_child(const struct bpf_map *map, uint64_t *slot, uint64_t parent, uint64_t off)
{
	*slot = off;
	if (off)
		trie_node(map, off)->parent = parent;
}

/* --- bits: big-endian, bit 0 is the top bit of data[0] --- */

static unsigned trie_bit(const uint8_t *data, uint32_t i)
{
	return (data[i / 8] >> (7 - i % 8)) & 1;
}

/* Leading bits node and key share, up to the shorter of their prefix lengths. */
static uint32_t trie_match_len(const struct bpf_map *map, const struct trie_node *n,
                               const struct bpf_lpm_trie_key_u8 *key)
{
	uint32_t limit = n->prefixlen < key->prefixlen ? n->prefixlen : key->prefixlen;
	uint32_t len = 0;
	for (uint32_t i = 0; i < map->key_size - 4 && len < limit; i++) {
		uint8_t x = n->data[i] ^ key->data[i];
		if (x) {
			len += (uint32_t)__builtin_clz(x) - 24;
			break;
		}
		len += 8;
	}
	return len < limit ? len : limit;
}

/* --- the index: elements by (prefix length, first prefix-length bits) --- */

static inline uint64_t *trie_idx(const struct bpf_map *map)
{
	return (uint64_t *)((char *)map->data + ((struct trie_head *)map->data)->idx_off);
}

static inline uint32_t *trie_len_count(const struct bpf_map *map)
{
	return (uint32_t *)((char *)map->data + ((struct trie_head *)map->data)->lens_off);
}

static inline uint64_t *trie_len_bits(const struct bpf_map *map)
{
	uint32_t counts = (trie_max_prefixlen(map) + 1 + 1) & ~1u; /* u32s, to an 8-byte end */
	return (uint64_t *)(trie_len_count(map) + counts);
}

/* The first len (<= 64) bits of data as one word in memory order, the rest zero; reads only
 * the bytes the prefix covers. A switch of fixed sizes: no library call for an IPv4 key. */
static inline uint64_t trie_w1(const uint8_t *data, uint32_t len)
{
	uint64_t v = 0;
	switch ((len + 7) / 8) {
	case 0:
		return 0;
	case 1:
		memcpy(&v, data, 1);
		break;
	case 2:
		memcpy(&v, data, 2);
		break;
	case 3:
		memcpy(&v, data, 3);
		break;
	case 4:
		memcpy(&v, data, 4);
		break;
	case 5:
		memcpy(&v, data, 5);
		break;
	case 6:
		memcpy(&v, data, 6);
		break;
	case 7:
		memcpy(&v, data, 7);
		break;
	default:
		memcpy(&v, data, 8);
	}
	if (len % 8) {
		uint32_t last = len / 8; /* the byte the prefix ends in */
		uint64_t keep = (uint64_t)(0xff00u >> (len % 8) & 0xffu) << (8 * last);
		v &= ((1ull << (8 * last)) - 1) | keep;
	}
	return v;
}

/* The key's first len bits, zero-padded to whole 8-byte words; returns the word count. */
static inline uint32_t trie_masked(const uint8_t *data, uint32_t len, uint64_t *out)
{
	if (len <= 64) {
		out[0] = trie_w1(data, len);
		return len ? 1 : 0;
	}
	uint32_t bytes = (len + 7) / 8, words = (bytes + 7) / 8;
	if (!words)
		return 0;
	out[words - 1] = 0;
	memcpy(out, data, bytes);
	if (len % 8)
		((uint8_t *)out)[bytes - 1] &= (uint8_t)(0xff00u >> (len % 8));
	return words;
}

static inline uint64_t trie_hash(const uint64_t *w, uint32_t words, uint32_t len)
{
	uint64_t h = (len + 1) * 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < words; i++) {
		__uint128_t p = (__uint128_t)(h ^ w[i]) * 0xa0761d6478bd642full;
		h = (uint64_t)p ^ (uint64_t)(p >> 64);
	}
	return h ^ (h >> 29);
}

/* Does element n (read without the lock: racy) have prefix length len and the masked key? */
static inline bool trie_node_is(const struct bpf_map *map, const struct trie_node *n, uint32_t len,
                                const uint64_t *w)
{
	if (__atomic_load_n(&n->prefixlen, __ATOMIC_RELAXED) != len ||
	    (__atomic_load_n(&n->flags, __ATOMIC_RELAXED) & TRIE_NODE_IM))
		return false;
#ifndef UB_TSAN
	if (len <= 64)
		return trie_w1(n->data, len) == w[0] || !len;
#endif
	uint32_t bytes = len / 8;
	if (bytes && !ub_racy_equal(n->data, w, bytes))
		return false;
	if (len % 8) {
		uint8_t m = (uint8_t)(0xff00u >> (len % 8));
		uint8_t a = __atomic_load_n(&n->data[bytes], __ATOMIC_RELAXED);
		return (a & m) == ((const uint8_t *)w)[bytes];
	}
	return true;
}

/* The element of exactly (len, w), or NULL. Lock-free; the caller checks the sequence. */
static struct trie_node *trie_idx_find(const struct bpf_map *map, uint32_t len, const uint64_t *w,
                                       uint32_t words, uint64_t **slot_out)
{
	const struct trie_head *th = map->data;
	uint64_t *idx = trie_idx(map);
	uint32_t mask = __atomic_load_n(&th->idx_mask, __ATOMIC_RELAXED);
	uint64_t h = trie_hash(w, words, len), tag = TRIE_SLOT_TAG(h);
	uint32_t i = (uint32_t)h & mask;
	for (uint32_t probes = 0; probes <= mask; probes++, i = (i + 1) & mask) {
		uint64_t s = __atomic_load_n(&idx[i], __ATOMIC_SEQ_CST);
		if (!s)
			return NULL;
		if ((s & ~TRIE_SLOT_OFF) != tag || s == TRIE_TOMB ||
		    (s & TRIE_SLOT_OFF) >= th->pool_end)
			continue;
		struct trie_node *n = trie_node(map, s & TRIE_SLOT_OFF);
		if (trie_node_is(map, n, len, w)) {
			if (slot_out)
				*slot_out = &idx[i];
			return n;
		}
	}
	return NULL;
}

static void trie_idx_rebuild(struct bpf_map *map);

/* Add element n (lock held; not in the index). */
static void trie_idx_add(struct bpf_map *map, struct trie_node *n)
{
	struct trie_head *th = map->data;
	if (th->idx_used + th->idx_dead + 1 > (th->idx_mask + 1) / 4 * 3)
		trie_idx_rebuild(map);
	uint64_t w[TRIE_DATA_SIZE_MAX / 8];
	uint32_t words = trie_masked(n->data, n->prefixlen, w);
	uint64_t *idx = trie_idx(map);
	uint64_t h = trie_hash(w, words, n->prefixlen);
	uint32_t i = (uint32_t)h & th->idx_mask;
	while (idx[i] && idx[i] != TRIE_TOMB)
		i = (i + 1) & th->idx_mask;
	if (idx[i] == TRIE_TOMB)
		th->idx_dead--;
	__atomic_store_n(&idx[i], trie_off(map, n) | TRIE_SLOT_TAG(h), __ATOMIC_SEQ_CST);
	th->idx_used++;
	uint32_t *cnt = trie_len_count(map);
	if (!cnt[n->prefixlen]++) {
		__atomic_fetch_or(&trie_len_bits(map)[n->prefixlen / 64],
		                  1ull << (n->prefixlen % 64), __ATOMIC_SEQ_CST);
		__atomic_store_n(&th->nr_lens, th->nr_lens + 1,
		                 __ATOMIC_RELAXED); /* read without the lock */
	}
}

/* Remove element n, found at index slot (lock held). */
static void trie_idx_del(struct bpf_map *map, struct trie_node *n, uint64_t *slot)
{
	struct trie_head *th = map->data;
	__atomic_store_n(slot, TRIE_TOMB, __ATOMIC_SEQ_CST);
	th->idx_used--;
	th->idx_dead++;
	uint32_t *cnt = trie_len_count(map);
	if (!--cnt[n->prefixlen]) {
		__atomic_fetch_and(&trie_len_bits(map)[n->prefixlen / 64],
		                   ~(1ull << (n->prefixlen % 64)), __ATOMIC_SEQ_CST);
		__atomic_store_n(&th->nr_lens, th->nr_lens - 1, __ATOMIC_RELAXED);
	}
}

/* Too many tombstones: the live entries are put back from a copy (readers retry
 * meanwhile). Without memory for the copy the tombstones stay: still correct. */
static void trie_idx_rebuild(struct bpf_map *map)
{
	struct trie_head *th = map->data;
	uint64_t *idx = trie_idx(map);
	uint32_t slots = th->idx_mask + 1, live = 0;
	uint64_t *copy = malloc((size_t)th->idx_used * sizeof *copy + 1);
	if (!copy)
		return;
	for (uint32_t i = 0; i < slots; i++)
		if (idx[i] && idx[i] != TRIE_TOMB && live < th->idx_used)
			copy[live++] = idx[i];
	__atomic_store_n(&th->seq, th->seq + 1, __ATOMIC_SEQ_CST); /* odd: moving */
	for (uint32_t i = 0; i < slots; i++)
		__atomic_store_n(&idx[i], 0, __ATOMIC_RELAXED);
	for (uint32_t k = 0; k < live; k++) {
		struct trie_node *n = trie_node(map, copy[k] & TRIE_SLOT_OFF);
		uint64_t w[TRIE_DATA_SIZE_MAX / 8];
		uint32_t words = trie_masked(n->data, n->prefixlen, w);
		uint32_t i = (uint32_t)trie_hash(w, words, n->prefixlen) & th->idx_mask;
		while (idx[i])
			i = (i + 1) & th->idx_mask;
		__atomic_store_n(&idx[i], copy[k], __ATOMIC_RELAXED);
	}
	th->idx_dead = 0;
	__atomic_store_n(&th->seq, th->seq + 1, __ATOMIC_SEQ_CST);
	free(copy);
}

/* The longest-prefix element for key through the index, without the lock; false when the
 * index cannot answer now (too many lengths, or a rebuild kept moving entries). */
static bool trie_idx_lookup(const struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key,
                            struct trie_node **out)
{
	const struct trie_head *th = map->data;
	uint32_t max = trie_max_prefixlen(map);
	uint32_t plen = key->prefixlen;
	if (plen > max) {
		*out = NULL;
		return true;
	}
	const uint64_t *bits = trie_len_bits(map);
	for (int tries = 0; tries < TRIE_LOOKUP_TRIES; tries++) {
		uint32_t seq = __atomic_load_n(&th->seq, __ATOMIC_SEQ_CST);
		if (seq & 1) {
			sched_yield();
			continue;
		}
		if (__atomic_load_n(&th->nr_lens, __ATOMIC_RELAXED) > TRIE_INDEX_MAX_LENS)
			return false;
		struct trie_node *found = NULL;
		int32_t wi = (int32_t)(plen / 64);
		uint64_t word = __atomic_load_n(&bits[wi], __ATOMIC_RELAXED);
		if (plen % 64 != 63)
			word &= (2ull << (plen % 64)) - 1;
		while (!found && wi >= 0) {
			if (!word) {
				if (--wi >= 0)
					word = __atomic_load_n(&bits[wi], __ATOMIC_RELAXED);
				continue;
			}
			uint32_t b = 63 - (uint32_t)__builtin_clzll(word);
			uint32_t len = (uint32_t)wi * 64 + b;
			word &= ~(1ull << b);
			uint64_t w[TRIE_DATA_SIZE_MAX / 8];
			uint32_t words = trie_masked(key->data, len, w);
			found = trie_idx_find(map, len, w, words, NULL);
		}
		if (__atomic_load_n(&th->seq, __ATOMIC_SEQ_CST) == seq) {
			*out = found;
			return true;
		}
	}
	return false;
}

/* --- lookup --- */

static struct trie_node *trie_walk(const struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key)
{
	uint32_t max = trie_max_prefixlen(map);
	if (key->prefixlen > max)
		return NULL;
	struct trie_node *found = NULL;
	for (struct trie_node *n = trie_node(map, ((struct trie_head *)map->data)->root); n;) {
		uint32_t m = trie_match_len(map, n, key);
		if (m == max)
			return n; /* a full-length match cannot be beaten */
		if (m < n->prefixlen)
			break;
		if (!(n->flags & TRIE_NODE_IM))
			found = n;
		n = trie_node(map, n->child[trie_bit(key->data, n->prefixlen)]);
	}
	return found;
}

static struct trie_node *trie_lookup(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key)
{
	struct trie_node *n;
	if (trie_idx_lookup(map, key, &n))
		return n;
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	n = trie_walk(map, key);
	ub_spin_unlock(&th->lock);
	return n;
}

static void *trie_lookup_elem(struct bpf_map *map, const void *key)
{
	struct trie_node *n = trie_lookup(map, key);
	return n ? trie_value(map, n) : NULL;
}

static int trie_lookup_elem_sys(struct bpf_map *map, const void *key, void *value, uint64_t flags)
{
	if (flags)
		return -EINVAL; /* BPF_F_LOCK: a trie's values cannot hold a spin lock */
	struct trie_node *n = trie_lookup(map, key);
	if (!n)
		return -ENOENT;
	ub_racy_copy(value, trie_value(map, n), map->value_size);
	return 0;
}

/* --- update --- */

/* One more element: the kernel's order of checks (EXIST on a new slot, then capacity). */
static int trie_add_elem(struct trie_head *th, const struct bpf_map *map, uint64_t flags)
{
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (th->n_entries == map->max_entries)
		return -ENOSPC;
	th->n_entries++;
	return 0;
}

/* Fill an element node from the key (all data bytes, as given) and the value. */
static void trie_fill(struct bpf_map *map, struct trie_node *n,
                      const struct bpf_lpm_trie_key_u8 *key, const void *value)
{
	__atomic_store_n(&n->prefixlen, key->prefixlen, __ATOMIC_RELAXED);
	__atomic_store_n(&n->flags, 0, __ATOMIC_RELAXED);
	ub_racy_copy(n->data, key->data, map->key_size - 4);
	ub_racy_copy(trie_value(map, n), value, map->value_size);
}

static int trie_update_locked(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key,
                              const void *value, uint64_t flags)
{
	struct trie_head *th = map->data;
	/* an existing element: found through the index, rewritten in place (the kernel swaps in
	 * a new node; a program's pointer sees the update) */
	uint64_t w[TRIE_DATA_SIZE_MAX / 8];
	uint32_t words = trie_masked(key->data, key->prefixlen, w);
	struct trie_node *n = trie_idx_find(map, key->prefixlen, w, words, NULL);
	if (n) {
		if (flags == BPF_NOEXIST)
			return -EEXIST;
		trie_fill(map, n, key, value); /* the bits past the prefix are the new key's */
		return 0;
	}
	uint64_t *slot = &th->root, parent = 0;
	uint32_t m = 0;
	/* Walk down while the node's prefix is a proper prefix of the key. */
	while ((n = trie_node(map, *slot))) {
		m = trie_match_len(map, n, key);
		if (n->prefixlen != m || n->prefixlen == key->prefixlen)
			break;
		parent = *slot;
		slot = &n->child[trie_bit(key->data, n->prefixlen)];
	}
	int err;
	if (!n) { /* an empty slot: the new element goes here */
		if ((err = trie_add_elem(th, map, flags)))
			return err;
		struct trie_node *nn = trie_node_alloc(map);
		if (!nn)
			return th->n_entries--, -ENOMEM;
		trie_fill(map, nn, key, value);
		trie_set_child(map, slot, parent, trie_off(map, nn));
		trie_idx_add(map, nn);
		return 0;
	}
	if (n->prefixlen == m) { /* same prefix: fill a branch point (an element is indexed) */
		if (!(n->flags & TRIE_NODE_IM) && flags == BPF_NOEXIST)
			return -EEXIST;
		bool im = n->flags & TRIE_NODE_IM;
		if (im && (err = trie_add_elem(th, map, flags)))
			return err;
		trie_fill(map, n, key, value);
		if (im)
			trie_idx_add(map, n);
		return 0;
	}
	if ((err = trie_add_elem(th, map, flags)))
		return err;
	/* The pool cannot run out (see the top of the file); fail cleanly if it ever did. */
	struct trie_node *nn = trie_node_alloc(map);
	struct trie_node *im = nn && m != key->prefixlen ? trie_node_alloc(map) : NULL;
	if (!nn || (m != key->prefixlen && !im)) {
		if (nn)
			trie_node_free(map, nn);
		th->n_entries--;
		return -ENOMEM;
	}
	trie_fill(map, nn, key, value);
	if (m == key->prefixlen) { /* the key is a prefix of n: insert above it */
		trie_set_child(map, &nn->child[trie_bit(n->data, m)], trie_off(map, nn),
		               trie_off(map, n));
		trie_set_child(map, slot, parent, trie_off(map, nn));
		trie_idx_add(map, nn);
		return 0;
	}
	/* They diverge at bit m: a branch point with both below it. */
	__atomic_store_n(&im->prefixlen, m, __ATOMIC_RELAXED);
	__atomic_store_n(&im->flags, TRIE_NODE_IM, __ATOMIC_RELAXED);
	ub_racy_copy(im->data, n->data, map->key_size - 4);
	unsigned bit = trie_bit(key->data, m);
	trie_set_child(map, &im->child[bit], trie_off(map, im), trie_off(map, nn));
	trie_set_child(map, &im->child[!bit], trie_off(map, im), trie_off(map, n));
	trie_set_child(map, slot, parent, trie_off(map, im));
	trie_idx_add(map, nn);
	return 0;
}

static int trie_update_elem(struct bpf_map *map, const void *key, const void *value, uint64_t flags)
{
	const struct bpf_lpm_trie_key_u8 *k = key;
	if (flags > BPF_EXIST || k->prefixlen > trie_max_prefixlen(map))
		return -EINVAL;
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	int err = trie_update_locked(map, k, value, flags);
	ub_spin_unlock(&th->lock);
	return err;
}

static long trie_update_elem_prog(struct bpf_map *map, const void *key, const void *value,
                                  uint64_t flags)
{
	return trie_update_elem(map, key, value, flags);
}

/* --- delete: the element found through the index, unhooked through its parent link --- */

static int trie_delete_locked(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key)
{
	struct trie_head *th = map->data;
	uint64_t w[TRIE_DATA_SIZE_MAX / 8];
	uint32_t words = trie_masked(key->data, key->prefixlen, w);
	uint64_t *slot = NULL;
	struct trie_node *n = trie_idx_find(map, key->prefixlen, w, words, &slot);
	if (!n)
		return -ENOENT;
	th->n_entries--;
	trie_idx_del(map, n, slot);
	if (n->child[0] && n->child[1]) { /* still a branch point */
		__atomic_store_n(&n->flags, n->flags | TRIE_NODE_IM, __ATOMIC_RELAXED);
		return 0;
	}
	struct trie_node *parent = trie_node(map, n->parent);
	if (parent && (parent->flags & TRIE_NODE_IM) && !n->child[0] && !n->child[1]) {
		/* A leaf under a branch point: the branch point goes too, its other child moves up.
		 */
		uint64_t sibling = parent->child[trie_off(map, n) == parent->child[0]];
		trie_set_child(map, trie_slot_of(map, parent), parent->parent, sibling);
		trie_node_free(map, parent);
		trie_node_free(map, n);
		return 0;
	}
	trie_set_child(map, trie_slot_of(map, n), n->parent,
	               n->child[0] ? n->child[0] : n->child[1]);
	trie_node_free(map, n);
	return 0;
}

static int trie_delete_elem(struct bpf_map *map, const void *key)
{
	const struct bpf_lpm_trie_key_u8 *k = key;
	if (k->prefixlen > trie_max_prefixlen(map))
		return -EINVAL;
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	int err = trie_delete_locked(map, k);
	ub_spin_unlock(&th->lock);
	return err;
}

/* --- iteration: post-order, so more specific prefixes come before less specific ones --- */

/* The first element in post-order under root: the deepest leftmost leaf. */
static struct trie_node *trie_leftmost(struct bpf_map *map, struct trie_node *n)
{
	struct trie_node *next = NULL;
	while (n) {
		if (!(n->flags & TRIE_NODE_IM))
			next = n;
		struct trie_node *c = trie_node(map, n->child[0]);
		n = c ? c : trie_node(map, n->child[1]);
	}
	return next;
}

static struct trie_node *trie_next_locked(struct bpf_map *map,
                                          const struct bpf_lpm_trie_key_u8 *key)
{
	struct trie_node *root = trie_node(map, ((struct trie_head *)map->data)->root);
	if (!root || !key || key->prefixlen > trie_max_prefixlen(map))
		return trie_leftmost(map, root);
	struct trie_node *stack[TRIE_DATA_SIZE_MAX * 8 + 1], *n;
	int sp = -1;
	uint32_t m = 0;
	for (n = root; n;) {
		stack[++sp] = n;
		m = trie_match_len(map, n, key);
		if (n->prefixlen != m || n->prefixlen == key->prefixlen)
			break;
		n = trie_node(map, n->child[trie_bit(key->data, n->prefixlen)]);
	}
	if (!n || n->prefixlen != m || (n->flags & TRIE_NODE_IM))
		return trie_leftmost(map, root); /* not an element: start over */
	/* Climb: the right sibling subtree comes next, else the parent if it is an element. */
	for (n = stack[sp]; sp > 0; sp--) {
		struct trie_node *parent = stack[sp - 1];
		if (parent->child[0] == trie_off(map, n) && parent->child[1])
			return trie_leftmost(map, trie_node(map, parent->child[1]));
		if (!(parent->flags & TRIE_NODE_IM))
			return parent;
		n = parent;
	}
	return NULL;
}

static int trie_get_next_key(struct bpf_map *map, const void *key, void *next_key)
{
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	struct trie_node *n = trie_next_locked(map, key);
	if (n) {
		struct bpf_lpm_trie_key_u8 *nk = next_key;
		nk->prefixlen = n->prefixlen;
		memcpy(nk->data, n->data, map->key_size - 4);
	}
	ub_spin_unlock(&th->lock);
	return n ? 0 : -ENOENT;
}

/* No lookup_and_delete and no for_each: the kernel's trie has neither. */
const struct bpf_map_ops trie_map_ops = {
        .map_alloc_check = trie_alloc_check,
        .map_mem_size = trie_mem_size,
        .map_init = trie_init,
        .map_lookup_elem_sys = trie_lookup_elem_sys,
        .map_update_elem = trie_update_elem,
        .map_delete_elem = trie_delete_elem,
        .map_get_next_key = trie_get_next_key,
        .map_lookup_elem = trie_lookup_elem,
        .map_update_elem_prog = trie_update_elem_prog,
};
