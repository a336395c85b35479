/* test_map_lpm.c — BPF_MAP_TYPE_LPM_TRIE (maps/map_lpm.c).
 *
 * The kernel-agreement test runs one script against the host kernel (bpf(2) with our
 * union bpf_attr) and against our ops and compares the traces line by line: creation
 * rules, update flags and errnos, ENOSPC, intermediate nodes, deletes, many random
 * longest-prefix lookups, and the full get_next_key order after every phase.
 * tests/fixtures/map_lpm_kernel.txt is the kernel's trace, recorded with
 * USERBPF_RECORD_FIXTURES=1; ours is checked against it on every run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptrace.h"
#include "maps/map.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/map_lpm_kernel.txt"
#define L BPF_MAP_TYPE_LPM_TRIE
#define NP BPF_F_NO_PREALLOC

/* "plen/hexdata" */
static const char *kstr(const void *key, uint32_t key_size)
{
	static char s[8 + 2 * 256 + 2];
	const uint8_t *k = key;
	uint32_t plen;
	memcpy(&plen, k, 4);
	int n = sprintf(s, "%u/", plen);
	for (uint32_t i = 4; i < key_size; i++)
		n += sprintf(s + n, "%02x", k[i]);
	return s;
}

static int tm_create(struct mt_map *t, int kernel, uint32_t key_size, uint32_t value_size,
                     uint32_t max_entries, uint32_t flags, uint64_t extra)
{
	return mt_create(t, kernel, L, key_size, value_size, max_entries, flags, extra, 0);
}

/* --- the script --- */

struct create_case {
	const char *name;
	uint32_t key_size, value_size, max_entries, flags;
	uint64_t extra;
};

static const struct create_case creates[] = {
        {"ipv4", 8, 4, 16, NP, 0},
        {"prealloc", 8, 4, 16, 0, 0},
        {"max0", 8, 4, 0, NP, 0},
        {"key4", 4, 4, 16, NP, 0},
        {"key5", 5, 4, 16, NP, 0},
        {"key260", 260, 4, 16, NP, 0},
        {"key261", 261, 4, 16, NP, 0},
        {"value0", 8, 0, 16, NP, 0},
        {"value1", 8, 1, 16, NP, 0},
        {"value-max", 8, (4u << 20) - 280, 1, NP, 0},
        {"value-max+1", 8, (4u << 20) - 279, 1, NP, 0},
        {"value-4m", 8, 4u << 20, 1, NP, 0},
        {"max-u32", 8, 4, 0xffffffffu, NP, 0},
        {"numa", 8, 4, 16, NP | BPF_F_NUMA_NODE, 0},
        {"extra", 8, 4, 16, NP, 1},
        {"rdonly", 8, 4, 16, NP | BPF_F_RDONLY, 0},
        {"wronly", 8, 4, 16, NP | BPF_F_WRONLY, 0},
        {"rdonly-prog", 8, 4, 16, NP | BPF_F_RDONLY_PROG, 0},
        {"wronly-prog", 8, 4, 16, NP | BPF_F_WRONLY_PROG, 0},
        {"rd-wr", 8, 4, 16, NP | BPF_F_RDONLY | BPF_F_WRONLY, 0},
        {"rdprog-wrprog", 8, 4, 16, NP | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0},
        {"no-common-lru", 8, 4, 16, NP | BPF_F_NO_COMMON_LRU, 0},
        {"zero-seed", 8, 4, 16, NP | BPF_F_ZERO_SEED, 0},
        {"mmapable", 8, 4, 16, NP | BPF_F_MMAPABLE, 0},
        {"clone", 8, 4, 16, NP | BPF_F_CLONE, 0},
        {"preserve", 8, 4, 16, NP | BPF_F_PRESERVE_ELEMS, 0},
        {"inner-map", 8, 4, 16, NP | BPF_F_INNER_MAP, 0},
};

static void script_creates(int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		const struct create_case *c = &creates[i];
		struct mt_map m;
		int r = tm_create(&m, kernel, c->key_size, c->value_size, c->max_entries, c->flags,
		                  c->extra);
		mt_tr(t, "create %s = %d", c->name, r);
		mt_close(&m);
	}
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/* The whole get_next_key walk, from NULL to ENOENT. */
static void walk(struct mt_map *m, struct mt_trace *t, const char *tag)
{
	uint8_t key[260], next[260];
	int r, n = 0;
	const void *k = NULL;
	while ((r = mt_op(m, BPF_MAP_GET_NEXT_KEY, k, next, 0)) == 0 && n < 10000) {
		mt_tr(t, "%s next %s", tag, kstr(next, m->key_size));
		memcpy(key, next, m->key_size);
		k = key;
		n++;
	}
	mt_tr(t, "%s end %d after %d", tag, r, n);
}

/* A random key: addresses cluster under a few bases so prefixes nest and diverge. */
static void rand_key(uint8_t *key, uint32_t key_size, uint32_t plen)
{
	static const uint8_t bases[4][2] = {{10, 0}, {10, 1}, {192, 168}, {11, 128}};
	const uint8_t *b = bases[rnd() % 4];
	memcpy(key, &plen, 4);
	for (uint32_t i = 4; i < key_size; i++)
		key[i] = (uint8_t)rnd();
	key[4] = b[0];
	if (key_size > 5 && rnd() % 4)
		key[5] = b[1];
	if (key_size > 6 && rnd() % 2)
		key[6] &= 0x0f;
}

static void script_trie(int kernel, struct mt_trace *t, uint32_t data_size, uint32_t max_entries,
                        uint64_t seed)
{
	struct mt_map m;
	uint32_t ks = 4 + data_size, maxp = data_size * 8;
	int r = tm_create(&m, kernel, ks, 4, max_entries, NP, 0);
	mt_tr(t, "trie data=%u max=%u create %d", data_size, max_entries, r);
	if (r)
		return;
	rng_state = seed;
	uint8_t key[260];
	uint32_t v, out;
	walk(&m, t, "empty");
	/* updates until well past full, with every flag value and some bad prefix lengths */
	for (uint32_t i = 0; i < max_entries * 2; i++) {
		uint32_t plen = rnd() % (maxp + 2), fl = rnd() % 8 == 0 ? 3 : rnd() % 3;
		if (plen > maxp && rnd() % 2)
			plen = maxp;
		rand_key(key, ks, plen);
		v = i + 1;
		r = mt_op(&m, BPF_MAP_UPDATE_ELEM, key, &v, fl);
		mt_tr(t, "update %s fl %u = %d", kstr(key, ks), fl, r);
	}
	walk(&m, t, "filled");
	/* longest-prefix lookups of random full-length (and a few shorter) keys */
	for (int i = 0; i < 400; i++) {
		uint32_t plen = rnd() % 8 ? maxp : rnd() % (maxp + 2);
		rand_key(key, ks, plen);
		out = 0;
		r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, key, &out, 0);
		mt_tr(t, "lookup %s = %d %u", kstr(key, ks), r, r ? 0 : out);
	}
	/* get_next_key from keys not in the trie, and from a bad prefix length */
	for (int i = 0; i < 20; i++) {
		uint8_t next[260];
		rand_key(key, ks, rnd() % (maxp + 2));
		r = mt_op(&m, BPF_MAP_GET_NEXT_KEY, key, next, 0);
		mt_tr(t, "next-from %s = %d %s", kstr(key, ks), r, r ? "-" : kstr(next, ks));
	}
	/* delete about half of what is there (walked keys), plus absent and bad keys */
	uint8_t keys[128][260];
	int nk = 0;
	const void *k = NULL;
	while (nk < 128 && mt_op(&m, BPF_MAP_GET_NEXT_KEY, k, keys[nk], 0) == 0) {
		k = keys[nk];
		nk++;
	}
	for (int i = 0; i < nk; i++) {
		if (rnd() % 2)
			continue;
		r = mt_op(&m, BPF_MAP_DELETE_ELEM, keys[i], NULL, 0);
		mt_tr(t, "delete %s = %d", kstr(keys[i], ks), r);
		r = mt_op(&m, BPF_MAP_DELETE_ELEM, keys[i], NULL, 0);
		mt_tr(t, "delete-again = %d", r);
	}
	for (int i = 0; i < 20; i++) {
		rand_key(key, ks, rnd() % (maxp + 2));
		r = mt_op(&m, BPF_MAP_DELETE_ELEM, key, NULL, 0);
		mt_tr(t, "delete %s = %d", kstr(key, ks), r);
	}
	walk(&m, t, "deleted");
	/* refill: intermediate nodes become elements, EXIST/NOEXIST on both kinds */
	for (uint32_t i = 0; i < max_entries; i++) {
		uint32_t fl = rnd() % 3;
		rand_key(key, ks, rnd() % (maxp + 1));
		v = 1000 + i;
		r = mt_op(&m, BPF_MAP_UPDATE_ELEM, key, &v, fl);
		mt_tr(t, "update %s fl %u = %d", kstr(key, ks), fl, r);
	}
	walk(&m, t, "refilled");
	for (int i = 0; i < 200; i++) {
		rand_key(key, ks, maxp);
		out = 0;
		r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, key, &out, 0);
		mt_tr(t, "lookup %s = %d %u", kstr(key, ks), r, r ? 0 : out);
	}
	/* every element away: the trie must come back empty */
	nk = 0;
	k = NULL;
	while (nk < 128 && mt_op(&m, BPF_MAP_GET_NEXT_KEY, k, keys[nk], 0) == 0) {
		k = keys[nk];
		nk++;
	}
	for (int i = nk - 1; i >= 0; i--)
		mt_tr(t, "delete-all %d", mt_op(&m, BPF_MAP_DELETE_ELEM, keys[i], NULL, 0));
	walk(&m, t, "emptied");
	mt_close(&m);
}

/* The trie of the kernel's own example, walked in post-order. */
static void script_example(int kernel, struct mt_trace *t)
{
	struct mt_map m;
	tm_create(&m, kernel, 8, 4, 16, NP, 0);
	static const uint8_t nets[][5] = {{16, 192, 168, 0, 0}, {24, 192, 168, 0, 0},
	                                  {24, 192, 168, 1, 0}, {24, 192, 168, 128, 0},
	                                  {8, 192, 0, 0, 0},    {32, 192, 168, 1, 1},
	                                  {0, 0, 0, 0, 0}};
	for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
		uint8_t key[8];
		uint32_t plen = nets[i][0], v = (uint32_t)i;
		memcpy(key, &plen, 4);
		memcpy(key + 4, nets[i] + 1, 4);
		mt_tr(t, "example update %s = %d", kstr(key, 8),
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, key, &v, BPF_NOEXIST));
	}
	walk(&m, t, "example");
	uint8_t bad[8] = {40, 0, 0, 0, 1, 2, 3, 4};
	uint32_t out;
	mt_tr(t, "lookup plen40 = %d", mt_op(&m, BPF_MAP_LOOKUP_ELEM, bad, &out, 0));
	mt_tr(t, "delete plen40 = %d", mt_op(&m, BPF_MAP_DELETE_ELEM, bad, NULL, 0));
	mt_tr(t, "update plen40 = %d", mt_op(&m, BPF_MAP_UPDATE_ELEM, bad, &out, 0));
	mt_tr(t, "update F_LOCK = %d", mt_op(&m, BPF_MAP_UPDATE_ELEM, nets[0], &out, BPF_F_LOCK));
	mt_tr(t, "update flags 4 = %d", mt_op(&m, BPF_MAP_UPDATE_ELEM, nets[0], &out, 4));
	mt_close(&m);
}

static void run_script(int kernel, struct mt_trace *t)
{
	script_creates(kernel, t);
	script_example(kernel, t);
	script_trie(kernel, t, 4, 40, 0x1234567u);
	script_trie(kernel, t, 4, 100, 0xabcdefu);
	script_trie(kernel, t, 1, 12, 0x5555u);
	script_trie(kernel, t, 16, 60, 0x77777u);
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("lpm", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("lpm", FIXTURE, run_script);
}

/* --- helper side, sharing, concurrency --- */

static struct bpf_map *mk(uint32_t data_size, uint32_t max_entries, int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = L;
	a.key_size = 4 + data_size;
	a.value_size = 8;
	a.max_entries = max_entries;
	a.map_flags = NP;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

static void put(struct bpf_map *m, uint32_t plen, uint32_t addr_be, uint64_t v)
{
	uint8_t key[8];
	memcpy(key, &plen, 4);
	for (int i = 0; i < 4; i++)
		key[4 + i] = (uint8_t)(addr_be >> (24 - 8 * i));
	assert_int_equal(m->ops->map_update_elem(m, key, &v, BPF_ANY), 0);
}

static uint64_t *get(struct bpf_map *m, uint32_t addr_be)
{
	uint8_t key[8];
	uint32_t plen = 32;
	memcpy(key, &plen, 4);
	for (int i = 0; i < 4; i++)
		key[4 + i] = (uint8_t)(addr_be >> (24 - 8 * i));
	return m->ops->map_lookup_elem(m, key);
}

static void test_helper_lookup(void **state)
{
	struct bpf_map *m = mk(4, 8, NULL);
	assert_null(get(m, 0x0a000001));
	put(m, 8, 0x0a000000, 8);
	put(m, 16, 0x0a010000, 16);
	put(m, 0, 0, 99);
	assert_int_equal(*get(m, 0x0a000001), 8);
	assert_int_equal(*get(m, 0x0a01ff01), 16);
	assert_int_equal(*get(m, 0x0b000001), 99);
	/* the pointer is the value: a program's write is seen by the syscall side */
	*get(m, 0x0a010203) = 1616;
	uint8_t key[8] = {16, 0, 0, 0, 10, 1, 0, 0};
	uint64_t out;
	assert_int_equal(m->ops->map_lookup_elem_sys(m, key, &out, 0), 0);
	assert_int_equal(out, 1616);
	assert_int_equal(m->ops->map_update_elem_prog(m, key, &out, BPF_NOEXIST), -EEXIST);
	bpf_map_detach(m);
}

/* Another process updates the trie; this one sees it (offsets, not pointers). */
static void test_two_processes(void **state)
{
	int fd;
	struct bpf_map *m = mk(4, 64, &fd);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bpf_map *c = NULL;
		if (bpf_map_attach_fd(fd, &c))
			_exit(1);
		for (uint32_t i = 0; i < 32; i++)
			put(c, 24, 0xc0a80000 | i << 8, i);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	for (uint32_t i = 0; i < 32; i++)
		assert_int_equal(*get(m, 0xc0a80007 | i << 8), i);
	assert_null(get(m, 0xc0a84007));
	bpf_map_detach(m);
	close(fd);
}

struct worker {
	struct bpf_map *m;
	uint32_t id;
};

static void *churn(void *p)
{
	struct worker *w = p;
	uint8_t key[8];
	for (uint32_t round = 0; round < 300; round++) {
		for (uint32_t i = 0; i < 8; i++) {
			uint32_t plen = 16 + i, addr = 0x0a000000 | w->id << 16 | i << 8;
			memcpy(key, &plen, 4);
			for (int b = 0; b < 4; b++)
				key[4 + b] = (uint8_t)(addr >> (24 - 8 * b));
			uint64_t v = w->id;
			if (w->m->ops->map_update_elem(w->m, key, &v, BPF_ANY))
				return (void *)1;
			uint64_t *got = get(w->m, addr | 1);
			if (!got)
				return (void *)2;
			if (round % 2 == 0 && w->m->ops->map_delete_elem(w->m, key))
				return (void *)3;
		}
	}
	return NULL;
}

/* Threads insert, look up and delete disjoint prefixes at once; the pool never leaks. */
static void test_threads(void **state)
{
	struct bpf_map *m = mk(4, 64, NULL);
	pthread_t th[4];
	struct worker w[4];
	for (uint32_t i = 0; i < 4; i++) {
		w[i] = (struct worker){m, i};
		assert_int_equal(pthread_create(&th[i], NULL, churn, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	uint8_t next[8];
	int n = 0;
	const void *k = NULL;
	uint8_t cur[8];
	while (m->ops->map_get_next_key(m, k, next) == 0) {
		memcpy(cur, next, 8);
		k = cur;
		n++;
	}
	assert_int_equal(n, 32);
	bpf_map_detach(m);
}

/* Delete and re-add forever: freed nodes (elements and intermediates) are reused. */
static void test_pool_reuse(void **state)
{
	struct bpf_map *m = mk(4, 4, NULL);
	uint8_t key[8];
	for (uint32_t round = 0; round < 5000; round++) {
		for (uint32_t i = 0; i < 4; i++)
			put(m, 32, 0x01000000u * (i + 1) + round, round);
		for (uint32_t i = 0; i < 4; i++) {
			uint32_t plen = 32, addr = 0x01000000u * (i + 1) + round;
			memcpy(key, &plen, 4);
			for (int b = 0; b < 4; b++)
				key[4 + b] = (uint8_t)(addr >> (24 - 8 * b));
			assert_int_equal(m->ops->map_delete_elem(m, key), 0);
		}
	}
	assert_int_equal(m->ops->map_get_next_key(m, NULL, key), -ENOENT);
	bpf_map_detach(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_helper_lookup),
	        cmocka_unit_test(test_two_processes),
	        cmocka_unit_test(test_threads),
	        cmocka_unit_test(test_pool_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
