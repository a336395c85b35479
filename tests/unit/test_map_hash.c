/* test_map_hash.c — HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS
 * (maps/map_hash*.c, maps/map_lru.c).
 *
 * Kernel agreement: one script of creates and element operations runs against the host
 * kernel (bpf(2), called with our union bpf_attr, which has the kernel's layout) and
 * against our ops; the two traces are compared line by line. Key sets from get_next_key
 * walks are printed sorted (the walk order is the table's own). The kernel's trace is kept
 * in tests/fixtures/map_hash_kernel.txt (USERBPF_RECORD_FIXTURES=1 to re-record) and ours
 * is checked against it on every run. Lines starting with "pcpu" depend on the CPU count.
 *
 * The other tests pin rules the syscall cannot show (helper side, BPF_F_LOCK, LRU
 * referenced bits, for_each) with expected values worked out from the kernel's documented
 * behaviour, and hammer the maps from threads and from two processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptrace.h"
#include "core/cpu.h"
#include "maps/htab_internal.h"
#include "maps/map.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/map_hash_kernel.txt"
#define H BPF_MAP_TYPE_HASH
#define PH BPF_MAP_TYPE_PERCPU_HASH
#define LH BPF_MAP_TYPE_LRU_HASH
#define LPH BPF_MAP_TYPE_LRU_PERCPU_HASH
#define HOM BPF_MAP_TYPE_HASH_OF_MAPS
#define NONE 0xffffffffu

/* A HASH_OF_MAPS value: the kernel takes an inner map fd, our ops an inner map id. */
static void *tm_value(struct mt_map *t, void *v)
{
	static uint32_t ref;
	if (t->kernel ? t->inner_fd < 0 : t->m->map_type != HOM)
		return v;
	ref = t->kernel ? (uint32_t)t->inner_fd : 7;
	return &ref;
}

static uint32_t tm_max_entries(struct mt_map *t)
{
	if (!t->kernel)
		return t->m->max_entries;
	struct bpf_map_info info;
	memset(&info, 0, sizeof info);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)t->fd;
	a.info.info_len = sizeof info;
	a.info.info = (uint64_t)(uintptr_t)&info;
	assert_int_equal(mt_bpf(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	return info.max_entries;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Walk the map with get_next_key; the sorted key set as text, and the walk's length. */
static int key_set(struct mt_map *t, char *out, size_t len)
{
	uint32_t keys[256], k, n = 0;
	const void *prev = NULL;
	while (n < 256 && mt_op(t, BPF_MAP_GET_NEXT_KEY, prev, &k, 0) == 0) {
		keys[n++] = k;
		prev = &keys[n - 1];
	}
	qsort(keys, n, sizeof keys[0], cmp_u32);
	size_t off = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < n && off + 12 < len; i++)
		off += (size_t)snprintf(out + off, len - off, "%s%u", i ? "," : "", keys[i]);
	return (int)n;
}

/* NONE (no NUMA node) is passed as node 0. */
static int tm_create(struct mt_map *t, int kernel, uint32_t type, uint32_t key_size,
                     uint32_t value_size, uint32_t max_entries, uint32_t flags, uint64_t extra,
                     uint32_t numa_node)
{
	return mt_create(t, kernel, type, key_size, value_size, max_entries, flags, extra,
	                 numa_node == NONE ? 0 : numa_node);
}

/* --- the script --- */

struct create_case {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint64_t extra;
	uint32_t numa_node;
};

static const struct create_case creates[] = {
        {"hash", H, 4, 8, 4, 0, 0, NONE},
        {"hash-key0", H, 0, 8, 4, 0, 0, NONE},
        {"hash-value0", H, 4, 0, 4, 0, 0, NONE},
        {"hash-max0", H, 4, 8, 0, 0, 0, NONE},
        {"hash-key513", H, 513, 8, 4, 0, 0, NONE},
        {"hash-key-value-limit", H, 4, 4194251, 1, 0, 0, NONE},
        {"hash-key-value-e2big", H, 4, 4194252, 1, 0, 0, NONE},
        {"hash-key-e2big", H, 4194248, 8, 1, 0, 0, NONE},
        {"hash-e2big-max0", H, 4, 4194252, 0, 0, 0, NONE},
        {"hash-max-2^27+1", H, 4, 8, (1u << 27) + 1, BPF_F_NO_PREALLOC, 0, NONE},
        {"hash-max-2^31", H, 4, 8, 1u << 31, BPF_F_NO_PREALLOC, 0, NONE},
        {"hash-no-prealloc", H, 4, 8, 4, BPF_F_NO_PREALLOC, 0, NONE},
        {"hash-no-common-lru", H, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"hash-no-common-lru-key0", H, 0, 8, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"hash-numa0", H, 4, 8, 4, BPF_F_NUMA_NODE, 0, 0},
        {"hash-numa5", H, 4, 8, 4, BPF_F_NUMA_NODE, 0, 5},
        {"hash-numa5-no-flag", H, 4, 8, 4, 0, 0, 5},
        {"hash-zero-seed", H, 4, 8, 4, BPF_F_ZERO_SEED, 0, NONE},
        {"hash-rdonly", H, 4, 8, 4, BPF_F_RDONLY, 0, NONE},
        {"hash-wronly-prog", H, 4, 8, 4, BPF_F_WRONLY_PROG, 0, NONE},
        {"hash-rd-wr", H, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY, 0, NONE},
        {"hash-rdprog-wrprog", H, 4, 8, 4, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, NONE},
        {"hash-rd-wrprog", H, 4, 8, 4, BPF_F_RDONLY | BPF_F_WRONLY_PROG, 0, NONE},
        {"hash-mmapable", H, 4, 8, 4, BPF_F_MMAPABLE, 0, NONE},
        {"hash-inner-map", H, 4, 8, 4, BPF_F_INNER_MAP, 0, NONE},
        {"hash-stack-build-id", H, 4, 8, 4, BPF_F_STACK_BUILD_ID, 0, NONE},
        {"hash-flag19", H, 4, 8, 4, 1u << 19, 0, NONE},
        {"hash-extra", H, 4, 8, 4, 0, 1, NONE},
        {"percpu", PH, 4, 8, 4, 0, 0, NONE},
        {"percpu-value-32k", PH, 4, 32768, 1, 0, 0, NONE},
        {"percpu-value-32k+1", PH, 4, 32769, 1, 0, 0, NONE},
        {"percpu-value-32k-7", PH, 4, 32761, 1, 0, 0, NONE},
        {"percpu-value-32k+1-key0", PH, 0, 32769, 1, 0, 0, NONE},
        {"percpu-numa0", PH, 4, 8, 4, BPF_F_NUMA_NODE, 0, 0},
        {"percpu-numa0-key0", PH, 0, 8, 4, BPF_F_NUMA_NODE, 0, 0},
        {"percpu-no-prealloc", PH, 4, 8, 4, BPF_F_NO_PREALLOC, 0, NONE},
        {"percpu-no-common-lru", PH, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"lru", LH, 4, 8, 4, 0, 0, NONE},
        {"lru-no-prealloc", LH, 4, 8, 4, BPF_F_NO_PREALLOC, 0, NONE},
        {"lru-no-prealloc-key0", LH, 0, 8, 4, BPF_F_NO_PREALLOC, 0, NONE},
        {"lru-no-prealloc-extra", LH, 4, 8, 4, BPF_F_NO_PREALLOC, 1, NONE},
        {"lru-no-common", LH, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"lru-no-common-numa0", LH, 4, 8, 4, BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE, 0, 0},
        {"lru-numa0", LH, 4, 8, 4, BPF_F_NUMA_NODE, 0, 0},
        {"lru-no-common-max-u32", LH, 4, 8, 0xffffffffu, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"lru-value-32k+1", LH, 4, 32769, 1, 0, 0, NONE},
        {"lru-key0", LH, 0, 8, 4, 0, 0, NONE},
        {"lru-flag5", LH, 4, 8, 4, 1u << 5, 0, NONE},
        {"lru-percpu", LPH, 4, 8, 4, 0, 0, NONE},
        {"lru-percpu-no-prealloc-numa0", LPH, 4, 8, 4, BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE, 0, 0},
        {"lru-percpu-numa0", LPH, 4, 8, 4, BPF_F_NUMA_NODE, 0, 0},
        {"lru-percpu-value-32k+1", LPH, 4, 32769, 1, 0, 0, NONE},
        {"lru-percpu-no-common", LPH, 4, 8, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"hom", HOM, 4, 4, 4, 0, 0, NONE},
        {"hom-value8", HOM, 4, 8, 4, 0, 0, NONE},
        {"hom-value8-bad-flag", HOM, 4, 8, 4, 1u << 5, 0, NONE},
        {"hom-key0", HOM, 0, 4, 4, 0, 0, NONE},
        {"hom-no-prealloc", HOM, 4, 4, 4, BPF_F_NO_PREALLOC, 0, NONE},
        {"hom-no-common-lru", HOM, 4, 4, 4, BPF_F_NO_COMMON_LRU, 0, NONE},
        {"hom-key-e2big", HOM, 4194252, 4, 1, 0, 0, NONE},
        {"hom-numa0", HOM, 4, 4, 4, BPF_F_NUMA_NODE, 0, 0},
};

static void script_creates(int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		const struct create_case *c = &creates[i];
		struct mt_map m;
		int r = tm_create(&m, kernel, c->type, c->key_size, c->value_size, c->max_entries,
		                  c->flags, c->extra, c->numa_node);
		mt_tr(t, "create %s = %d", c->name, r);
		if (!r)
			mt_close(&m);
	}
}

static const struct {
	const char *name;
	uint32_t type;
} elem_types[] = {{"hash", H}, {"percpu", PH}, {"lru", LH}, {"lru-percpu", LPH}, {"hom", HOM}};

/* Update, lookup, delete and lookup-and-delete flag rules and results, a full map, and
 * get_next_key walks, on a 4-entry map of each type. */
static void script_elems(int kernel, struct mt_trace *t, const char *name, uint32_t type)
{
	struct mt_map m;
	bool pcpu = type == PH || type == LPH, hom = type == HOM;
	uint32_t vsize = hom ? 4 : 8;
	assert_int_equal(tm_create(&m, kernel, type, 4, vsize, 4, 0, 0, NONE), 0);
	uint64_t v[64], out[64];
	for (int i = 0; i < 64; i++)
		v[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1);
	static const uint64_t flags[] = {0, 1, 2, 3, 4, 5, 6, 8, 16, 1ull << 32};
	char h[64 * 16 + 1], set[1024];
	uint32_t k, nk;
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
		k = 100 + (uint32_t)i;
		int r = mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, tm_value(&m, v), flags[i]);
		mt_tr(t, "%s update-new flags %#llx = %d", name, (unsigned long long)flags[i], r);
		if (!r)
			mt_op(&m, BPF_MAP_DELETE_ELEM, &k, NULL, 0);
	}
	k = 1;
	mt_tr(t, "%s update k1 = %d", name, mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, tm_value(&m, v), 0));
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		mt_tr(t, "%s update-existing flags %#llx = %d", name, (unsigned long long)flags[i],
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, tm_value(&m, v), flags[i]));
	for (uint64_t f = 0; f <= 8; f++) {
		memset(out, 0xee, sizeof out);
		int r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, f);
		mt_hex(h, out, hom ? 0 : pcpu ? 8 * (size_t)ub_num_possible_cpus() + 8 : 16);
		mt_tr(t, "%s lookup flags %llu = %d %s", name, (unsigned long long)f, r, h);
	}
	k = 2;
	mt_tr(t, "%s lookup-missing = %d", name, mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, 0));
	mt_tr(t, "%s lookup-missing flags 1 = %d", name,
	      mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, 1));
	mt_tr(t, "%s delete-missing = %d", name, mt_op(&m, BPF_MAP_DELETE_ELEM, &k, NULL, 0));
	for (uint64_t f = 0; f <= 5; f++)
		mt_tr(t, "%s lookup-and-delete-missing flags %llu = %d", name,
		      (unsigned long long)f, mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k, out, f));
	k = 1;
	memset(out, 0xee, sizeof out);
	int r = mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k, out, 0);
	mt_hex(h, out, hom ? 0 : 8);
	mt_tr(t, "%s lookup-and-delete = %d %s", name, r, h);
	mt_tr(t, "%s lookup-and-delete-again = %d", name,
	      mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k, out, 0));
	mt_tr(t, "%s delete k1 = %d", name, mt_op(&m, BPF_MAP_DELETE_ELEM, &k, NULL, 0));
	mt_tr(t, "%s next-of-empty = %d", name, mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0));
	for (k = 10; k < 16; k++)
		mt_tr(t, "%s fill %u = %d", name, k,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, tm_value(&m, v), BPF_NOEXIST));
	int n = key_set(&m, set, sizeof set);
	/* which keys an LRU map kept depends on its eviction batch (a CPU-count rule) */
	mt_tr(t, "%s%s keys %d {%s}", type == LH || type == LPH ? "pcpu " : "", name, n, set);
	k = 10;
	mt_tr(t, "%s update-existing-when-full = %d", name,
	      mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, tm_value(&m, v), BPF_EXIST));
	k = 12345;
	r = mt_op(&m, BPF_MAP_GET_NEXT_KEY, &k, &nk, 0);
	mt_tr(t, "%s next-of-missing = %d first-key-in-set %d", name, r,
	      r == 0 && nk >= 10 && nk < 16);
	mt_close(&m);
}

/* Per-CPU values: round_up(value_size, 8) per CPU, padding copied through. */
static void script_percpu_layout(int kernel, struct mt_trace *t, uint32_t type)
{
	struct mt_map m;
	int ncpus = ub_num_possible_cpus();
	assert_int_equal(tm_create(&m, kernel, type, 4, 4, 4, 0, 0, NONE), 0);
	uint32_t v[1024], out[1024], k = 7;
	for (int i = 0; i < 1024; i++)
		v[i] = 0x1000u + (uint32_t)i;
	mt_tr(t, "layout %u update = %d", type, mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, v, 0));
	memset(out, 0xee, sizeof out);
	int r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, 0);
	char h[8 * 1024 + 1];
	mt_hex(h, out, (size_t)ncpus * 8 + 8 < 4096 ? (size_t)ncpus * 8 + 8 : 4096);
	mt_tr(t, "pcpu layout %u lookup = %d %s", type, r, h);
	mt_close(&m);
}

/* LRU eviction from one CPU: 17 and then 40 keys into 16 entries. */
static void script_lru_fill(int kernel, struct mt_trace *t, uint32_t type, uint32_t flags)
{
	struct mt_map m;
	assert_int_equal(tm_create(&m, kernel, type, 4, 8, 16, flags, 0, NONE), 0);
	uint64_t v[64] = {0};
	char set[1024];
	uint32_t k;
	int fails = 0;
	for (k = 0; k < 17; k++)
		fails += mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, v, 0) != 0;
	int n = key_set(&m, set, sizeof set);
	mt_tr(t, "pcpu lru %u flags %u after 17: fails %d keys %d {%s}", type, flags, fails, n,
	      set);
	for (; k < 40; k++)
		fails += mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, v, 0) != 0;
	n = key_set(&m, set, sizeof set);
	mt_tr(t, "pcpu lru %u flags %u after 40: fails %d keys %d {%s}", type, flags, fails, n,
	      set);
	mt_close(&m);
	assert_int_equal(tm_create(&m, kernel, type, 4, 8, 5, flags, 0, NONE), 0);
	mt_tr(t, "pcpu lru %u flags %u max_entries 5 -> %u", type, flags, tm_max_entries(&m));
	mt_close(&m);
}

/* Odd sizes: a 100-byte key, a 1-byte value, a full map without preallocation. */
static void script_sizes(int kernel, struct mt_trace *t)
{
	struct mt_map m;
	assert_int_equal(tm_create(&m, kernel, H, 100, 1, 3, BPF_F_NO_PREALLOC, 0, NONE), 0);
	unsigned char key[100], v = 0, out = 0;
	for (int i = 0; i < 5; i++) {
		memset(key, 'a' + i, sizeof key);
		v = (unsigned char)(0x40 + i);
		mt_tr(t, "bigkey update %d = %d", i, mt_op(&m, BPF_MAP_UPDATE_ELEM, key, &v, 0));
	}
	memset(key, 'b', sizeof key);
	int r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, key, &out, 0);
	mt_tr(t, "bigkey lookup = %d %02x", r, out);
	mt_close(&m);
}

static void run_script(int kernel, struct mt_trace *t)
{
	/* one CPU throughout, so that per-CPU LRU lists behave the same on both sides */
	cpu_set_t old, one;
	sched_getaffinity(0, sizeof old, &old);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof one, &one);
	mt_tr(t, "ncpus %d", ub_num_possible_cpus());
	script_creates(kernel, t);
	for (size_t i = 0; i < sizeof elem_types / sizeof elem_types[0]; i++)
		script_elems(kernel, t, elem_types[i].name, elem_types[i].type);
	script_percpu_layout(kernel, t, PH);
	script_percpu_layout(kernel, t, LPH);
	script_lru_fill(kernel, t, LH, 0);
	script_lru_fill(kernel, t, LH, BPF_F_NO_COMMON_LRU);
	script_lru_fill(kernel, t, LPH, 0);
	script_lru_fill(kernel, t, LPH, BPF_F_NO_COMMON_LRU);
	script_sizes(kernel, t);
	sched_setaffinity(0, sizeof old, &old);
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("hash", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("hash", FIXTURE, run_script);
}

/* --- our own rules, beyond what the syscall comparison shows --- */

static struct bpf_map *mk(uint32_t type, uint32_t key_size, uint32_t value_size,
                          uint32_t max_entries, uint32_t flags, int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

static int upd(struct bpf_map *m, uint32_t k, uint64_t v, uint64_t flags)
{
	return m->ops->map_update_elem(m, &k, &v, flags);
}

static int count_keys(struct bpf_map *m)
{
	uint64_t k, prev; /* keys of up to 8 bytes */
	int n = 0, r = m->ops->map_get_next_key(m, NULL, &k);
	while (r == 0 && n < 100000) {
		n++;
		prev = k;
		r = m->ops->map_get_next_key(m, &prev, &k);
	}
	assert_int_equal(r, -ENOENT);
	return n;
}

static void pin_cpu0(cpu_set_t *old)
{
	cpu_set_t one;
	sched_getaffinity(0, sizeof *old, old);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
}

/* A full plain hash refuses new keys, replaces existing ones, and takes keys again once
 * some are deleted; the number of keys never exceeds max_entries. */
static void test_full_map_and_reuse(void **state)
{
	(void)state;
	for (int pc = 0; pc < 2; pc++) {
		struct bpf_map *m = mk(pc ? PH : H, 4, 8, 8, 0, NULL);
		uint64_t vals[256];
		memset(vals, 0, sizeof vals);
		for (uint32_t round = 0; round < 50; round++) {
			for (uint32_t k = 0; k < 8; k++)
				assert_int_equal(m->ops->map_update_elem(m, &k, vals, 0), 0);
			uint32_t extra = 8 + round;
			assert_int_equal(m->ops->map_update_elem(m, &extra, vals, 0), -E2BIG);
			for (uint32_t k = 0; k < 8; k++) /* replacing, many times over the spares */
				assert_int_equal(m->ops->map_update_elem(m, &k, vals, BPF_EXIST),
				                 0);
			assert_int_equal(count_keys(m), 8);
			uint32_t k = round % 8;
			assert_int_equal(m->ops->map_delete_elem(m, &k), 0);
			assert_int_equal(m->ops->map_delete_elem(m, &k), -ENOENT);
			assert_int_equal(m->ops->map_update_elem(m, &extra, vals, BPF_NOEXIST), 0);
			assert_int_equal(m->ops->map_delete_elem(m, &extra), 0);
		}
		bpf_map_detach(m);
	}
}

/* get_next_key visits every key once, in any order, then says ENOENT. */
static void test_get_next_key_walk(void **state)
{
	(void)state;
	struct bpf_map *m = mk(H, 4, 8, 1000, 0, NULL);
	static uint8_t seen[5000];
	for (uint32_t k = 0; k < 1000; k++)
		assert_int_equal(upd(m, k * 5, k, BPF_NOEXIST), 0);
	for (uint32_t k = 0; k < 1000; k += 3)
		assert_int_equal(m->ops->map_delete_elem(m, &(uint32_t){k * 5}), 0);
	memset(seen, 0, sizeof seen);
	uint32_t k, prev;
	int n = 0;
	for (int r = m->ops->map_get_next_key(m, NULL, &k); r == 0;
	     r = m->ops->map_get_next_key(m, &prev, &k)) {
		assert_true(k < 5000 && k % 5 == 0 && (k / 5) % 3 != 0);
		assert_int_equal(seen[k]++, 0);
		prev = k;
		n++;
	}
	assert_int_equal(n, 1000 - 334);
	bpf_map_detach(m);
}

/* The helper side: pointers into shared memory, this CPU's slot, zeroed other CPUs for a
 * new element from a program, and only this CPU's slot written for an existing one. */
static void test_helper_side(void **state)
{
	(void)state;
	cpu_set_t old;
	pin_cpu0(&old);
	int ncpus = ub_num_possible_cpus();
	struct bpf_map *m = mk(H, 4, 8, 4, 0, NULL);
	uint32_t k = 3;
	uint64_t v = 42, out = 0;
	assert_null(m->ops->map_lookup_elem(m, &k));
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, &v, BPF_ANY), 0);
	uint64_t *p = m->ops->map_lookup_elem(m, &k);
	assert_non_null(p);
	assert_true((char *)p >= (char *)m->data && (char *)p < (char *)m->data + m->data_size);
	*p = 43;
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &out, 0), 0);
	assert_int_equal(out, 43);
	assert_null(m->ops->map_lookup_percpu_elem);
	assert_int_equal(m->ops->map_delete_elem(m, &k), 0);
	assert_null(m->ops->map_lookup_elem(m, &k));
	bpf_map_detach(m);

	for (int lru = 0; lru < 2; lru++) {
		m = mk(lru ? LPH : PH, 4, 4, 4, 0, NULL);
		uint32_t all[2048], pv = 0xabcd;
		for (int i = 0; i < 2 * ncpus; i++)
			all[i] = 0x5000u + (uint32_t)i;
		k = 9;
		assert_int_equal(m->ops->map_update_elem_prog(m, &k, &pv, BPF_NOEXIST), 0);
		memset(all, 0xee, sizeof all);
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, all, 0), 0);
		assert_int_equal(all[0], 0xabcd); /* CPU 0: ours, padding zeroed */
		assert_int_equal(all[1], 0);
		for (int c = 1; c < ncpus; c++)
			assert_true(all[2 * c] == 0 && all[2 * c + 1] == 0);
		for (int i = 0; i < 2 * ncpus; i++)
			all[i] = 0x5000u + (uint32_t)i;
		assert_int_equal(m->ops->map_update_elem(m, &k, all, BPF_EXIST), 0);
		pv = 0x77;
		assert_int_equal(m->ops->map_update_elem_prog(m, &k, &pv, BPF_EXIST), 0);
		memset(all, 0xee, sizeof all);
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, all, 0), 0);
		assert_int_equal(all[0], 0x77);
		assert_int_equal(all[1], 0x5001); /* an existing slot keeps its padding */
		for (int c = 1; c < ncpus; c++)
			assert_int_equal(all[2 * c], 0x5000u + 2 * (uint32_t)c);
		assert_int_equal(all[2 * ncpus], 0xeeeeeeee); /* nothing written past the CPUs */
		uint32_t *p0 = m->ops->map_lookup_elem(m, &k);
		assert_ptr_equal(p0, m->ops->map_lookup_percpu_elem(m, &k, 0));
		assert_int_equal(*p0, 0x77);
		if (ncpus > 1) {
			uint32_t *p1 = m->ops->map_lookup_percpu_elem(m, &k, 1);
			assert_int_equal((char *)p1 - (char *)p0, 8);
			assert_int_equal(*p1, 0x5002);
		}
		assert_null(m->ops->map_lookup_percpu_elem(m, &k, (uint32_t)ncpus));
		k = 10;
		assert_null(m->ops->map_lookup_percpu_elem(m, &k, 0));
		bpf_map_detach(m);
	}
	sched_setaffinity(0, sizeof old, &old);
}

/* BPF_F_LOCK: allowed only when the value has a bpf_spin_lock; the copy skips the lock
 * word, which reads back as zero. */
static void test_f_lock(void **state)
{
	(void)state;
	struct bpf_map *m = mk(H, 4, 16, 4, 0, NULL);
	uint32_t k = 1, v[4] = {0, 11, 12, 13}, out[4];
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK), -EINVAL);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, BPF_F_LOCK), -EINVAL);
	assert_int_equal(m->ops->map_lookup_and_delete_elem(m, &k, out, BPF_F_LOCK), -EINVAL);
	m->sh->spin_lock_off = 0; /* what the object layer records from the value's BTF */
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK | BPF_EXIST), -ENOENT);
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK), 0); /* new: inserted */
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK | BPF_NOEXIST), -EEXIST);
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK | 3), -EINVAL);
	uint32_t *p = m->ops->map_lookup_elem(m, &k);
	v[1] = 21;
	assert_int_equal(m->ops->map_update_elem(m, &k, v, BPF_F_LOCK | BPF_EXIST), 0);
	assert_ptr_equal(m->ops->map_lookup_elem(m, &k), p); /* in place */
	__atomic_store_n(&p[0], 1, __ATOMIC_RELAXED);        /* a program holds the lock */
	memset(out, 0xee, sizeof out);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, 0), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], 21);
	v[2] = 22;
	assert_int_equal(m->ops->map_update_elem(m, &k, v, 0), 0); /* a fresh element */
	assert_int_equal(__atomic_load_n(&p[0], __ATOMIC_RELAXED), 1);
	p = m->ops->map_lookup_elem(m, &k);
	assert_int_equal(p[0], 0);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, BPF_F_LOCK), 0);
	assert_int_equal(out[2], 22);
	assert_int_equal(m->ops->map_lookup_and_delete_elem(m, &k, out, BPF_F_LOCK), 0);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[3], 13);
	bpf_map_detach(m);
	/* per-CPU and LRU hashes never take BPF_F_LOCK on update */
	uint32_t types[] = {PH, LH, LPH};
	for (int i = 0; i < 3; i++) {
		m = mk(types[i], 4, 16, 4, 0, NULL);
		m->sh->spin_lock_off = 0;
		uint32_t all[2048] = {0};
		assert_int_equal(m->ops->map_update_elem(m, &k, all, BPF_F_LOCK), -EINVAL);
		bpf_map_detach(m);
	}
}

/* Common LRU: a shrink frees clamp(max_entries / ncpus / 2, 1, 128) of the oldest
 * unreferenced elements; elements a program looked up since are promoted instead. */
static void test_lru_referenced_survive(void **state)
{
	(void)state;
	int ncpus = ub_num_possible_cpus();
	uint32_t target = 16u / (uint32_t)ncpus / 2u;
	target = target < 1 ? 1 : target;
	struct bpf_map *m = mk(LH, 4, 8, 16, 0, NULL);
	for (uint32_t k = 0; k < 16; k++)
		assert_int_equal(upd(m, k, k, 0), 0);
	for (uint32_t k = 0; k < 4; k++)
		assert_non_null(m->ops->map_lookup_elem(m, &k));
	uint64_t v = 0;
	for (uint32_t k = 0; k < 16; k++) /* syscall lookups do not count as a use */
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &v, 0), 0);
	assert_int_equal(upd(m, 16, 16, 0), 0);
	assert_int_equal(count_keys(m), 17 - (int)target);
	for (uint32_t k = 0; k <= 16; k++) {
		bool evicted = k >= 4 && k < 4 + target;
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &v, 0), evicted ? -ENOENT : 0);
	}
	/* keep inserting: the map never holds more than max_entries, never fails */
	for (uint32_t k = 100; k < 1000; k++)
		assert_int_equal(upd(m, k, k, BPF_NOEXIST), 0);
	assert_true(count_keys(m) <= 16);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &(uint32_t){999}, &v, 0), 0);
	bpf_map_detach(m);
	/* per-CPU lists: max_entries rounds up to a multiple of the CPU count */
	m = mk(LH, 4, 8, 5, BPF_F_NO_COMMON_LRU, NULL);
	assert_int_equal(m->max_entries,
	                 (5u + (uint32_t)ncpus - 1) / (uint32_t)ncpus * (uint32_t)ncpus);
	assert_int_equal(m->sh->max_entries, m->max_entries);
	bpf_map_detach(m);
}

/* A syscall's update of an existing key with an 8-byte value is a store in place (a
 * program's keeps the kernel's replacement element: a value pointer it holds still reads the
 * old value); the flags' rules are the same either way. */
static void test_sys_update_in_place(void **state)
{
	(void)state;
	const uint32_t types[] = {H, LH};
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		struct bpf_map *m = mk(types[t], 4, 8, 64, 0, NULL);
		uint32_t k = 1;
		uint64_t v = 0, nv = 30;
		assert_int_equal(upd(m, 1, 10, BPF_NOEXIST), 0);
		uint64_t *p = m->ops->map_lookup_elem(m, &k);
		assert_non_null(p);
		assert_int_equal(upd(m, 1, 20, BPF_ANY), 0);
		assert_int_equal(*p, 20);
		assert_int_equal(upd(m, 1, 21, BPF_EXIST), 0);
		assert_int_equal(*p, 21);
		assert_int_equal(upd(m, 1, 22, BPF_NOEXIST), -EEXIST);
		assert_int_equal(upd(m, 2, 22, BPF_EXIST), -ENOENT);
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &(uint32_t){2}, &v, 0), -ENOENT);
		assert_int_equal(upd(m, 1, 22, 4), -EINVAL);
		assert_int_equal(m->ops->map_update_elem_prog(m, &k, &nv, BPF_ANY), 0);
		assert_int_equal(*p, 21); /* replaced: p is the old element */
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &v, 0), 0);
		assert_int_equal(v, 30);
		assert_int_equal(count_keys(m), 1);
		bpf_map_detach(m);
	}
	/* other value sizes: replaced as the kernel does */
	struct bpf_map *m = mk(H, 4, 16, 8, 0, NULL);
	uint32_t k = 1;
	uint64_t v[2] = {1, 2};
	assert_int_equal(m->ops->map_update_elem(m, &k, v, 0), 0);
	uint64_t *p = m->ops->map_lookup_elem(m, &k);
	v[0] = 3;
	assert_int_equal(m->ops->map_update_elem(m, &k, v, 0), 0);
	assert_int_equal(p[0], 1);
	bpf_map_detach(m);
}

struct each_ctx {
	int calls, stop_at, delete_it;
	uint64_t sum;
};

static long each_cb(struct bpf_map *map, const void *key, void *value, void *ctx)
{
	struct each_ctx *c = ctx;
	c->calls++;
	c->sum += *(uint64_t *)value;
	if (c->delete_it)
		assert_int_equal(map->ops->map_delete_elem(map, key), 0);
	return c->calls == c->stop_at;
}

static void test_for_each(void **state)
{
	(void)state;
	struct bpf_map *m = mk(H, 4, 8, 64, 0, NULL);
	for (uint32_t k = 0; k < 40; k++)
		assert_int_equal(upd(m, k, k, 0), 0);
	struct each_ctx c = {0};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 1), -EINVAL);
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 40);
	assert_int_equal(c.sum, 39 * 40 / 2);
	c = (struct each_ctx){.stop_at = 3};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 3);
	c = (struct each_ctx){.delete_it = 1};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 40);
	assert_int_equal(c.sum, 39 * 40 / 2);
	assert_int_equal(count_keys(m), 0);
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 0);
	bpf_map_detach(m);
}

/* The seed: random per map, 0 with BPF_F_ZERO_SEED (then two maps lay keys out alike). */
static void test_seed(void **state)
{
	(void)state;
	struct bpf_map *a = mk(H, 4, 8, 64, BPF_F_ZERO_SEED, NULL);
	struct bpf_map *b = mk(H, 4, 8, 64, BPF_F_ZERO_SEED, NULL);
	struct bpf_map *c = mk(H, 4, 8, 64, 0, NULL), *d = mk(H, 4, 8, 64, 0, NULL);
	assert_int_equal(htab_hdr(a)->seed, 0);
	assert_true(htab_hdr(c)->seed != 0 || htab_hdr(d)->seed != 0);
	assert_true(htab_hdr(c)->seed != htab_hdr(d)->seed);
	for (uint32_t k = 0; k < 64; k++) {
		assert_int_equal(upd(a, k, k, 0), 0);
		assert_int_equal(upd(b, k, k, 0), 0);
	}
	uint32_t ka, kb, pa, pb;
	int ra = a->ops->map_get_next_key(a, NULL, &ka),
	    rb = b->ops->map_get_next_key(b, NULL, &kb);
	for (; ra == 0 && rb == 0; ra = a->ops->map_get_next_key(a, &pa, &ka),
	                           rb = b->ops->map_get_next_key(b, &pb, &kb)) {
		assert_int_equal(ka, kb);
		pa = ka;
		pb = kb;
	}
	assert_int_equal(ra, rb);
	/* the hash spreads sequential keys: no bucket of 64 holds more than 8 */
	for (uint32_t bkt = 0; bkt < htab_hdr(c)->n_buckets; bkt++) {
		int len = 0;
		for (uint32_t n = htab_bucket_at(a, bkt)->first; n; n = htab_next(a, n))
			len++;
		assert_true(len <= 8);
	}
	bpf_map_detach(a);
	bpf_map_detach(b);
	bpf_map_detach(c);
	bpf_map_detach(d);
}

/* A second view of the same storage (another process would map it elsewhere). */
static void test_attach_second_view(void **state)
{
	(void)state;
	int fd;
	struct bpf_map *m = mk(LH, 8, 8, 32, 0, &fd), *v2;
	assert_int_equal(bpf_map_attach_fd(fd, &v2), 0);
	assert_ptr_not_equal(m->data, v2->data);
	uint64_t k = 77, val = 5, out = 0;
	assert_int_equal(m->ops->map_update_elem(m, &k, &val, 0), 0);
	assert_int_equal(v2->ops->map_lookup_elem_sys(v2, &k, &out, 0), 0);
	assert_int_equal(out, 5);
	for (k = 100; k < 200; k++) /* eviction through the second view */
		assert_int_equal(v2->ops->map_update_elem(v2, &k, &val, 0), 0);
	assert_true(count_keys(m) <= 32);
	bpf_map_detach(v2);
	bpf_map_detach(m);
	close(fd);
}

/* --- concurrency --- */

struct hval {
	uint64_t key, seq, check;
};

static uint64_t hval_check(uint64_t key, uint64_t seq)
{
	return (key * 0x9e3779b97f4a7c15ull) ^ (seq * 0xc2b2ae3d27d4eb4full) ^ 0x5555;
}

struct hammer {
	struct bpf_map *m;
	uint32_t seed;
	int bad, ops_ok;
};

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	struct bpf_map *m = h->m;
	for (int i = 0; i < 50000; i++) {
		uint32_t r = xorshift(&h->seed), op = r % 100, key = (r >> 8) % 512;
		struct hval v = {key, r, hval_check(key, r)}, out;
		int e;
		if (op < 40) {
			e = m->ops->map_update_elem(m, &key, &v, (r >> 20) % 3);
			h->bad += e && e != -EEXIST && e != -ENOENT && e != -E2BIG;
		} else if (op < 70) {
			e = m->ops->map_lookup_elem_sys(m, &key, &out, 0);
			h->bad += e ? e != -ENOENT
			            : out.key != key || out.check != hval_check(key, out.seq);
		} else if (op < 85) {
			e = m->ops->map_delete_elem(m, &key);
			h->bad += e && e != -ENOENT;
		} else if (op < 95) {
			char *p = m->ops->map_lookup_elem(m, &key);
			h->bad += p && (p < (char *)m->data ||
			                p >= (char *)m->data + m->data_size || (uintptr_t)p % 8);
		} else if (op < 99) {
			e = m->ops->map_lookup_and_delete_elem(m, &key, &out, 0);
			h->bad += e ? e != -ENOENT
			            : out.key != key || out.check != hval_check(key, out.seq);
		} else {
			uint32_t next;
			e = m->ops->map_get_next_key(m, &key, &next);
			h->bad += e && e != -ENOENT;
		}
		h->ops_ok++;
	}
	return NULL;
}

static void test_threads_hammer(void **state)
{
	(void)state;
	struct bpf_map *maps[2] = {mk(H, 4, sizeof(struct hval), 256, 0, NULL),
	                           mk(LH, 4, sizeof(struct hval), 128, 0, NULL)};
	struct hammer hs[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		hs[i] = (struct hammer){.m = maps[i / 4], .seed = 0x1234567u * (uint32_t)(i + 1)};
		assert_int_equal(pthread_create(&th[i], NULL, hammer_thread, &hs[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(hs[i].bad, 0);
		assert_int_equal(hs[i].ops_ok, 50000);
	}
	for (int i = 0; i < 2; i++) {
		struct bpf_map *m = maps[i];
		uint32_t max = i ? 128 : 256;
		assert_true(count_keys(m) <= (int)max);
		/* every key left is whole; then empty the map and check nothing leaked */
		for (uint32_t k = 0; k < 512; k++) {
			struct hval out;
			int e = m->ops->map_lookup_and_delete_elem(m, &k, &out, 0);
			assert_true(e == -ENOENT ||
			            (e == 0 && out.check == hval_check(k, out.seq)));
		}
		assert_int_equal(count_keys(m), 0);
		for (uint32_t k = 0; k < max; k++) {
			struct hval v = {k, 0, hval_check(k, 0)};
			assert_int_equal(m->ops->map_update_elem(m, &k, &v, BPF_NOEXIST), 0);
		}
		/* an LRU map, as the kernel's, may evict before it is full: elements wait in
		 * other CPUs' local free lists (the hammer's threads left some there) */
		if (i)
			assert_true(count_keys(m) >= (int)max / 2 && count_keys(m) <= (int)max);
		else
			assert_int_equal(count_keys(m), (int)max);
		struct hval v = {0};
		uint32_t k = 9999;
		assert_int_equal(m->ops->map_update_elem(m, &k, &v, 0), i ? 0 : -E2BIG);
		bpf_map_detach(m);
	}
}

/* Two processes add to the same counters through their own mappings of the storage. */
static void count_adds(struct bpf_map *m, int n)
{
	for (int i = 0; i < n; i++) {
		uint32_t k = (uint32_t)i % 16;
		uint64_t *p = m->ops->map_lookup_elem(m, &k), zero = 0;
		if (!p) {
			long e = m->ops->map_update_elem_prog(m, &k, &zero, BPF_NOEXIST);
			if (e && e != -EEXIST)
				_exit(3);
			p = m->ops->map_lookup_elem(m, &k);
		}
		if (!p)
			_exit(4);
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	}
}

static void test_two_process_counters(void **state)
{
	(void)state;
	enum { N = 100000 };
	for (int lru = 0; lru < 2; lru++) {
		int fd;
		struct bpf_map *m = mk(lru ? LH : H, 4, 8, 64, 0, &fd);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct bpf_map *mine;
			if (bpf_map_attach_fd(fd, &mine))
				_exit(2);
			count_adds(mine, N);
			_exit(0);
		}
		count_adds(m, N);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		uint64_t total = 0, v;
		for (uint32_t k = 0; k < 16; k++) {
			assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &v, 0), 0);
			total += v;
		}
		assert_int_equal(total, 2 * N);
		bpf_map_detach(m);
		close(fd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_full_map_and_reuse),
	        cmocka_unit_test(test_get_next_key_walk),
	        cmocka_unit_test(test_helper_side),
	        cmocka_unit_test(test_f_lock),
	        cmocka_unit_test(test_lru_referenced_survive),
	        cmocka_unit_test(test_sys_update_in_place),
	        cmocka_unit_test(test_for_each),
	        cmocka_unit_test(test_seed),
	        cmocka_unit_test(test_attach_second_view),
	        cmocka_unit_test(test_threads_hammer),
	        cmocka_unit_test(test_two_process_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
