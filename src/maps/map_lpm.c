/* map_lpm.c — BPF_MAP_TYPE_LPM_TRIE: longest-prefix match over big-endian bit strings.
 *
 * The same path-compressed binary trie as the kernel's: each node holds a prefix (length
 * and the key's data bytes as given), children are chosen by the first bit after the
 * node's prefix, and "intermediate" nodes (not elements) are added where two prefixes
 * diverge, so every intermediate node has exactly two children. That makes the number of
 * intermediate nodes at most elements - 1, so the node pool holds 2 * max_entries nodes.
 *
 * Storage: struct trie_head at offset 0 of the region, then the node pool. Nodes are
 * addressed by byte offset (0 = none). Fresh nodes come from a bump pointer, so a large,
 * sparse pool is never touched before use; freed nodes go to the tail of a FIFO free list,
 * so a value pointer a program still holds is not reused at once (the kernel frees after
 * an RCU grace period). One spinlock serialises every walk, readers included.
 */
#include <errno.h>
#include <string.h>

#include "core/lock.h"
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

struct trie_head {
	uint32_t lock;
	uint32_t pad;
	uint64_t root;
	uint64_t n_entries; /* elements, intermediate nodes not counted */
	uint64_t free_head, free_tail;
	uint64_t next_unused; /* bump allocator: first never-used node */
	uint64_t pool_end;
};

struct trie_node {
	uint64_t child[2];
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
	return sizeof(struct trie_head) +
	       2 * (uint64_t)attr->max_entries * trie_node_size(attr->key_size, attr->value_size);
}

static int trie_init(struct bpf_map *map)
{
	struct trie_head *th = map->data;
	th->next_unused = sizeof *th;
	th->pool_end = sizeof *th + 2 * (uint64_t)map->max_entries *
	                                    trie_node_size(map->key_size, map->value_size);
	return 0;
}

/* --- nodes --- */

static struct trie_node *trie_node(struct bpf_map *map, uint64_t off)
{
	return off ? (struct trie_node *)((char *)map->data + off) : NULL;
}

static uint64_t trie_off(struct bpf_map *map, const struct trie_node *n)
{
	return n ? (uint64_t)((const char *)n - (const char *)map->data) : 0;
}

static void *trie_value(struct bpf_map *map, struct trie_node *n)
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
	memset(n, 0, sizeof *n);
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

static uint32_t trie_max_prefixlen(const struct bpf_map *map)
{
	return (map->key_size - 4) * 8;
}

/* --- lookup --- */

static struct trie_node *trie_lookup(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key)
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

static void *trie_lookup_elem(struct bpf_map *map, const void *key)
{
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	struct trie_node *n = trie_lookup(map, key);
	ub_spin_unlock(&th->lock);
	return n ? trie_value(map, n) : NULL;
}

static int trie_lookup_elem_sys(struct bpf_map *map, const void *key, void *value, uint64_t flags)
{
	if (flags)
		return -EINVAL; /* BPF_F_LOCK: a trie's values cannot hold a spin lock */
	struct trie_head *th = map->data;
	ub_spin_lock(&th->lock);
	struct trie_node *n = trie_lookup(map, key);
	if (n)
		memcpy(value, trie_value(map, n), map->value_size);
	ub_spin_unlock(&th->lock);
	return n ? 0 : -ENOENT;
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
	n->prefixlen = key->prefixlen;
	n->flags = 0;
	memcpy(n->data, key->data, map->key_size - 4);
	memcpy(trie_value(map, n), value, map->value_size);
}

static int trie_update_locked(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key,
                              const void *value, uint64_t flags)
{
	struct trie_head *th = map->data;
	uint64_t *slot = &th->root;
	struct trie_node *n;
	uint32_t m = 0;
	/* Walk down while the node's prefix is a proper prefix of the key. */
	while ((n = trie_node(map, *slot))) {
		m = trie_match_len(map, n, key);
		if (n->prefixlen != m || n->prefixlen == key->prefixlen)
			break;
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
		*slot = trie_off(map, nn);
		return 0;
	}
	if (n->prefixlen == m) { /* same prefix: replace an element or fill a branch point */
		if (!(n->flags & TRIE_NODE_IM) && flags == BPF_NOEXIST)
			return -EEXIST;
		if ((n->flags & TRIE_NODE_IM) && (err = trie_add_elem(th, map, flags)))
			return err;
		/* In place (the kernel swaps in a new node): a program's pointer sees the update.
		 */
		trie_fill(map, n, key, value);
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
		nn->child[trie_bit(n->data, m)] = trie_off(map, n);
		*slot = trie_off(map, nn);
		return 0;
	}
	/* They diverge at bit m: a branch point with both below it. */
	im->prefixlen = m;
	im->flags = TRIE_NODE_IM;
	memcpy(im->data, n->data, map->key_size - 4);
	unsigned bit = trie_bit(key->data, m);
	im->child[bit] = trie_off(map, nn);
	im->child[!bit] = trie_off(map, n);
	*slot = trie_off(map, im);
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

/* --- delete --- */

static int trie_delete_locked(struct bpf_map *map, const struct bpf_lpm_trie_key_u8 *key)
{
	struct trie_head *th = map->data;
	uint64_t *trim = &th->root, *trim2 = trim;
	struct trie_node *n, *parent = NULL;
	uint32_t m = 0;
	while ((n = trie_node(map, *trim))) {
		m = trie_match_len(map, n, key);
		if (n->prefixlen != m || n->prefixlen == key->prefixlen)
			break;
		parent = n;
		trim2 = trim;
		trim = &n->child[trie_bit(key->data, n->prefixlen)];
	}
	if (!n || n->prefixlen != key->prefixlen || n->prefixlen != m || (n->flags & TRIE_NODE_IM))
		return -ENOENT;
	th->n_entries--;
	if (n->child[0] && n->child[1]) { /* still a branch point */
		n->flags |= TRIE_NODE_IM;
		return 0;
	}
	if (parent && (parent->flags & TRIE_NODE_IM) && !n->child[0] && !n->child[1]) {
		/* A leaf under a branch point: the branch point goes too, its other child moves up.
		 */
		*trim2 = parent->child[trie_off(map, n) == parent->child[0]];
		trie_node_free(map, parent);
		trie_node_free(map, n);
		return 0;
	}
	*trim = n->child[0] ? n->child[0] : n->child[1];
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
