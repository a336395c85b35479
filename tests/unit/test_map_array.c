/* test_map_array.c — ARRAY, PERCPU_ARRAY, PROG_ARRAY, ARRAY_OF_MAPS (maps/map_array.c).
 *
 * The kernel-agreement test runs one script of creates and element operations against
 * the host kernel (bpf(2) with our union bpf_attr) and against our ops, and compares the
 * two traces line by line. tests/fixtures/map_array_kernel.txt is the kernel's trace,
 * recorded with USERBPF_RECORD_FIXTURES=1; ours is checked against it on every run, so
 * the rules stay pinned where bpf() is unavailable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptrace.h"
#include "core/cpu.h"
#include "maps/map.h"

#define ENOTSUPP 524

#define FIXTURE USERBPF_FIXTURES_DIR "/map_array_kernel.txt"

/* --- the script --- */

struct create_case {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint64_t extra;
	uint32_t numa_node;
};

#define A BPF_MAP_TYPE_ARRAY
#define PA BPF_MAP_TYPE_PERCPU_ARRAY
#define PR BPF_MAP_TYPE_PROG_ARRAY
#define NONE 0xffffffffu

static const struct create_case creates[] = {
        {"array", A, 4, 8, 1, 0, 0, NONE},
        {"array-mmapable", A, 4, 8, 1, BPF_F_MMAPABLE, 0, NONE},
        {"array-rdonly-prog", A, 4, 8, 1, BPF_F_RDONLY_PROG, 0, NONE},
        {"array-wronly-prog", A, 4, 8, 1, BPF_F_WRONLY_PROG, 0, NONE},
        {"array-rdonly", A, 4, 8, 1, BPF_F_RDONLY, 0, NONE},
        {"array-wronly", A, 4, 8, 1, BPF_F_WRONLY, 0, NONE},
        {"array-inner-map", A, 4, 8, 1, BPF_F_INNER_MAP, 0, NONE},
        {"array-numa0", A, 4, 8, 1, BPF_F_NUMA_NODE, 0, 0},
        {"array-value1", A, 4, 1, 3, 0, 0, NONE},
        {"array-key8", A, 8, 8, 1, 0, 0, NONE},
        {"array-key0", A, 0, 8, 1, 0, 0, NONE},
        {"array-value0", A, 4, 0, 1, 0, 0, NONE},
        {"array-max0", A, 4, 8, 0, 0, 0, NONE},
        {"array-extra", A, 4, 8, 1, 0, 1, NONE},
        {"array-rd-wr", A, 4, 8, 1, BPF_F_RDONLY | BPF_F_WRONLY, 0, NONE},
        {"array-rdprog-wrprog", A, 4, 8, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, NONE},
        {"array-no-prealloc", A, 4, 8, 1, BPF_F_NO_PREALLOC, 0, NONE},
        {"array-zero-seed", A, 4, 8, 1, BPF_F_ZERO_SEED, 0, NONE},
        {"array-preserve", A, 4, 8, 1, BPF_F_PRESERVE_ELEMS, 0, NONE},
        {"array-clone", A, 4, 8, 1, BPF_F_CLONE, 0, NONE},
        {"array-flag19", A, 4, 8, 1, 1u << 19, 0, NONE},
        {"array-value-2g", A, 4, 0x80000000u, 1, 0, 0, NONE},
        {"array-value-max", A, 4, 0xffffffffu, 1, 0, 0, NONE},
        {"array-bad-key-and-e2big", A, 8, 0x80000000u, 1, 0, 0, NONE},
        {"percpu", PA, 4, 8, 1, 0, 0, NONE},
        {"percpu-mmapable", PA, 4, 8, 1, BPF_F_MMAPABLE, 0, NONE},
        {"percpu-inner-map", PA, 4, 8, 1, BPF_F_INNER_MAP, 0, NONE},
        {"percpu-numa0", PA, 4, 8, 1, BPF_F_NUMA_NODE, 0, 0},
        {"percpu-numa-none", PA, 4, 8, 1, BPF_F_NUMA_NODE, 0, NONE},
        {"percpu-value-32k", PA, 4, 32768, 1, 0, 0, NONE},
        {"percpu-value-32k+1", PA, 4, 32769, 1, 0, 0, NONE},
        {"percpu-value-32k-7", PA, 4, 32761, 1, 0, 0, NONE},
        {"percpu-key8", PA, 8, 8, 1, 0, 0, NONE},
        {"percpu-value0", PA, 4, 0, 1, 0, 0, NONE},
        {"percpu-rdonly-prog", PA, 4, 8, 1, BPF_F_RDONLY_PROG, 0, NONE},
        {"prog-array", PR, 4, 4, 1, 0, 0, NONE},
        {"prog-array-value8", PR, 4, 8, 1, 0, 0, NONE},
        {"prog-array-key8", PR, 8, 4, 1, 0, 0, NONE},
        {"prog-array-max0", PR, 4, 4, 0, 0, 0, NONE},
        {"prog-array-rdonly-prog", PR, 4, 4, 1, BPF_F_RDONLY_PROG, 0, NONE},
        {"prog-array-wronly-prog", PR, 4, 4, 1, BPF_F_WRONLY_PROG, 0, NONE},
        {"prog-array-rdonly", PR, 4, 4, 1, BPF_F_RDONLY, 0, NONE},
        {"prog-array-mmapable", PR, 4, 4, 1, BPF_F_MMAPABLE, 0, NONE},
        {"prog-array-inner-map", PR, 4, 4, 1, BPF_F_INNER_MAP, 0, NONE},
        {"prog-array-extra", PR, 4, 4, 1, 0, 3, NONE},
};

static void script_creates(int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		const struct create_case *c = &creates[i];
		struct mt_map m;
		int r = mt_create(&m, kernel, c->type, c->key_size, c->value_size, c->max_entries,
		                  c->flags, c->extra, c->numa_node);
		mt_tr(t, "create %s = %d", c->name, r);
		if (!r)
			mt_close(&m);
	}
}

/* Element operations on a 4-entry array of 12-byte values. */
static void script_array(int kernel, struct mt_trace *t)
{
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, A, 4, 12, 4, 0, 0, NONE), 0);
	unsigned char v[12], out[12];
	char h[64];
	uint32_t k = 0, nk;
	for (uint64_t flags = 0; flags <= 8; flags++) {
		memset(v, (int)(0x10 + flags), sizeof v);
		int r = mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, v, flags);
		memset(out, 0xee, sizeof out);
		int l = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, 0);
		mt_hex(h, out, sizeof out);
		mt_tr(t, "array update k0 flags %llu = %d, lookup = %d %s",
		      (unsigned long long)flags, r, l, h);
	}
	uint32_t bad[] = {4, 5, 1000, 0xffffffffu};
	for (size_t i = 0; i < 4; i++)
		for (uint64_t flags = 0; flags <= 4; flags++)
			mt_tr(t, "array update k%u flags %llu = %d", bad[i],
			      (unsigned long long)flags,
			      mt_op(&m, BPF_MAP_UPDATE_ELEM, &bad[i], v, flags));
	for (uint32_t i = 0; i < 6; i++) {
		memset(out, 0xee, sizeof out);
		int l = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &i, out, 0);
		mt_hex(h, out, sizeof out);
		mt_tr(t, "array lookup k%u = %d %s", i, l, l ? "" : h);
	}
	for (uint64_t flags = 1; flags <= 8; flags <<= 1)
		mt_tr(t, "array lookup k0 flags %llu = %d", (unsigned long long)flags,
		      mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, flags));
	for (uint32_t i = 0; i < 6; i += 4)
		mt_tr(t, "array delete k%u = %d", i, mt_op(&m, BPF_MAP_DELETE_ELEM, &i, NULL, 0));
	for (uint64_t flags = 0; flags <= 4; flags++)
		mt_tr(t, "array lookup_and_delete flags %llu = %d", (unsigned long long)flags,
		      mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k, out, flags));
	nk = 0xdead;
	mt_tr(t, "array next NULL = %d %u", mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0), nk);
	for (uint32_t i = 0; i < 6; i++) {
		nk = 0xdead;
		int r = mt_op(&m, BPF_MAP_GET_NEXT_KEY, &i, &nk, 0);
		mt_tr(t, "array next %u = %d %u", i, r, r ? 0xdead : nk);
	}
	uint32_t huge = 0xffffffffu;
	nk = 0xdead;
	mt_tr(t, "array next max = %d %u", mt_op(&m, BPF_MAP_GET_NEXT_KEY, &huge, &nk, 0), nk);
	mt_close(&m);

	/* a 1-byte value, 3 entries: the stride is 8 but a lookup copies 1 byte */
	assert_int_equal(mt_create(&m, kernel, A, 4, 1, 3, 0, 0, NONE), 0);
	for (uint32_t i = 0; i < 3; i++) {
		unsigned char b = (unsigned char)(0xa0 + i);
		mt_op(&m, BPF_MAP_UPDATE_ELEM, &i, &b, 0);
	}
	for (uint32_t i = 0; i < 3; i++) {
		unsigned char b = 0;
		int r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &i, &b, 0);
		mt_tr(t, "byte-array lookup k%u = %d %02x", i, r, b);
	}
	mt_close(&m);
}

/* An MMAPABLE array read through mmap(fd, 0): values at round_up(value_size, 8) strides. */
static void script_mmap(int kernel, struct mt_trace *t)
{
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, A, 4, 4, 8, BPF_F_MMAPABLE, 0, NONE), 0);
	for (uint32_t i = 0; i < 8; i++) {
		uint32_t v = 0x1000 + i * 3;
		mt_op(&m, BPF_MAP_UPDATE_ELEM, &i, &v, 0);
	}
	uint32_t *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd, 0);
	assert_true(p != MAP_FAILED);
	for (uint32_t i = 0; i < 8; i++)
		mt_tr(t, "mmap word %u = %x", 2 * i, p[2 * i]);
	p[2 * 5] = 0xbeef; /* a write through the mapping is what a lookup returns */
	uint32_t k = 5, v = 0;
	mt_tr(t, "mmap write k5, lookup = %d %x", mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, &v, 0), v);
	munmap(p, 4096);
	mt_close(&m);
}

/* Per-CPU: a syscall value is ncpus blocks of round_up(value_size, 8), padding included. */
static void script_percpu(int kernel, struct mt_trace *t)
{
	int ncpus = ub_num_possible_cpus();
	size_t n = (size_t)ncpus * 16;
	unsigned char *in = malloc(n), *out = malloc(n);
	char *h = malloc(2 * n + 1);
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, PA, 4, 12, 2, 0, 0, NONE), 0);
	uint32_t k = 0, k1 = 1, k2 = 2, nk;
	memset(out, 0xee, n);
	int r = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k1, out, 0);
	mt_hex(h, out, n);
	mt_tr(t, "pcpu lookup fresh k1 = %d %s", r, h);
	for (uint64_t flags = 0; flags <= 8; flags++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)(i * 7 + flags);
		r = mt_op(&m, BPF_MAP_UPDATE_ELEM, &k, in, flags);
		memset(out, 0xee, n);
		int l = mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, 0);
		mt_hex(h, out, n);
		mt_tr(t, "pcpu update k0 flags %llu = %d, lookup = %d %s",
		      (unsigned long long)flags, r, l, h);
	}
	for (uint64_t flags = 0; flags <= 4; flags++)
		mt_tr(t, "percpu update k2 flags %llu = %d", (unsigned long long)flags,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, &k2, in, flags));
	mt_tr(t, "percpu lookup k2 = %d", mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k2, out, 0));
	mt_tr(t, "percpu lookup k0 flags lock = %d",
	      mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k, out, BPF_F_LOCK));
	mt_tr(t, "percpu delete k0 = %d", mt_op(&m, BPF_MAP_DELETE_ELEM, &k, NULL, 0));
	mt_tr(t, "percpu lookup_and_delete = %d",
	      mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k, out, 0));
	nk = 0xdead;
	mt_tr(t, "percpu next NULL = %d %u", mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0), nk);
	mt_tr(t, "percpu next 0 = %d %u", mt_op(&m, BPF_MAP_GET_NEXT_KEY, &k, &nk, 0), nk);
	mt_tr(t, "percpu next 1 = %d", mt_op(&m, BPF_MAP_GET_NEXT_KEY, &k1, &nk, 0));
	mt_close(&m);
	free(in);
	free(out);
	free(h);
}

/* Prog array rules that need no program: flags, ranges, empty slots, walks. */
static void script_prog_array(int kernel, struct mt_trace *t)
{
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, PR, 4, 4, 4, 0, 0, NONE), 0);
	uint32_t k0 = 0, k4 = 4, v = 0, nk;
	for (uint64_t flags = 1; flags <= 4; flags++)
		mt_tr(t, "prog-array update k0 flags %llu = %d", (unsigned long long)flags,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, &k0, &v, flags));
	mt_tr(t, "prog-array update k4 = %d", mt_op(&m, BPF_MAP_UPDATE_ELEM, &k4, &v, 0));
	mt_tr(t, "prog-array update k4 flags 2 = %d", mt_op(&m, BPF_MAP_UPDATE_ELEM, &k4, &v, 2));
	mt_tr(t, "prog-array lookup k0 = %d", mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k0, &v, 0));
	mt_tr(t, "prog-array lookup k4 = %d", mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k4, &v, 0));
	mt_tr(t, "prog-array lookup k0 flags 1 = %d", mt_op(&m, BPF_MAP_LOOKUP_ELEM, &k0, &v, 1));
	mt_tr(t, "prog-array delete k0 = %d", mt_op(&m, BPF_MAP_DELETE_ELEM, &k0, NULL, 0));
	mt_tr(t, "prog-array delete k4 = %d", mt_op(&m, BPF_MAP_DELETE_ELEM, &k4, NULL, 0));
	mt_tr(t, "prog-array lookup_and_delete = %d",
	      mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &k0, &v, 0));
	nk = 0xdead;
	mt_tr(t, "prog-array next NULL = %d %u", mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0), nk);
	for (uint32_t i = 0; i < 5; i++) {
		nk = 0xdead;
		int r = mt_op(&m, BPF_MAP_GET_NEXT_KEY, &i, &nk, 0);
		mt_tr(t, "prog-array next %u = %d %u", i, r, r ? 0xdead : nk);
	}
	mt_close(&m);
}

static void run_script(int kernel, struct mt_trace *t)
{
	mt_tr(t, "ncpus %d", ub_num_possible_cpus());
	script_creates(kernel, t);
	script_array(kernel, t);
	script_mmap(kernel, t);
	script_percpu(kernel, t);
	script_prog_array(kernel, t);
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("array", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("array", FIXTURE, run_script);
}

/* --- our own rules, beyond what the kernel comparison shows --- */

static struct bpf_map *mk(uint32_t type, uint32_t value_size, uint32_t max_entries, uint32_t flags,
                          int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

static void test_array_helper_side(void **state)
{
	struct bpf_map *m = mk(A, 12, 4, 0, NULL);
	assert_int_equal(m->round_value_size, 16);
	uint32_t k = 3, k4 = 4;
	char *p = m->ops->map_lookup_elem(m, &k);
	assert_ptr_equal(p, (char *)m->data + 3 * 16);
	assert_null(m->ops->map_lookup_elem(m, &k4));
	char v[12] = "hello world";
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, v, BPF_ANY), 0);
	assert_memory_equal(p, v, 12);
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, v, BPF_NOEXIST), -EEXIST);
	assert_int_equal(m->ops->map_update_elem_prog(m, &k4, v, BPF_ANY), -E2BIG);
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, v, BPF_F_LOCK), -EINVAL);
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, v, 3), -EINVAL);
	p[0] = 'J'; /* a program writes through the pointer; the syscall side sees it */
	char out[12];
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, 0), 0);
	assert_memory_equal(out, "Jello world", 12);
	assert_null(m->ops->map_lookup_percpu_elem);
	bpf_map_detach(m);
}

struct each_ctx {
	uint32_t keys[8];
	void *vals[8];
	int n, stop_at;
};

static long each_cb(struct bpf_map *map, const void *key, void *value, void *ctx)
{
	struct each_ctx *c = ctx;
	c->keys[c->n] = *(const uint32_t *)key;
	c->vals[c->n] = value;
	return ++c->n == c->stop_at;
}

static void test_array_for_each(void **state)
{
	struct bpf_map *m = mk(A, 4, 5, 0, NULL);
	struct each_ctx c = {.stop_at = 0};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(c.keys[i], i);
		assert_ptr_equal(c.vals[i], (char *)m->data + 8 * i);
	}
	c = (struct each_ctx){.stop_at = 2};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 2);
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 1), -EINVAL);
	bpf_map_detach(m);

	m = mk(PA, 8, 3, 0, NULL);
	c = (struct each_ctx){.stop_at = 0};
	assert_int_equal(m->ops->map_for_each_callback(m, each_cb, &c, 0), 3);
	for (uint32_t i = 0; i < 3; i++) { /* this CPU's slot of each element */
		size_t off = (size_t)((char *)c.vals[i] - (char *)m->data);
		assert_int_equal(off / (8 * (size_t)m->ncpus), i);
	}
	bpf_map_detach(m);
}

static void test_percpu_helper_side(void **state)
{
	struct bpf_map *m = mk(PA, 4, 2, 0, NULL);
	int ncpus = m->ncpus;
	assert_int_equal(ncpus, ub_num_possible_cpus());
	uint32_t k = 1, k2 = 2;
	for (int cpu = 0; cpu < ncpus; cpu++) {
		uint32_t *p = m->ops->map_lookup_percpu_elem(m, &k, (uint32_t)cpu);
		assert_ptr_equal(p, (char *)m->data + ((size_t)ncpus + cpu) * 8);
		*p = 100 + (uint32_t)cpu;
	}
	assert_null(m->ops->map_lookup_percpu_elem(m, &k, (uint32_t)ncpus));
	assert_null(m->ops->map_lookup_percpu_elem(m, &k2, 0));
	assert_null(m->ops->map_lookup_elem(m, &k2));
	uint32_t *mine = m->ops->map_lookup_elem(m, &k);
	assert_true(*mine >= 100 && *mine < 100 + (uint32_t)ncpus);
	/* the helper-side update writes one CPU's slot only */
	uint32_t v = 7;
	assert_int_equal(m->ops->map_update_elem_prog(m, &k, &v, BPF_EXIST), 0);
	uint64_t *all = calloc((size_t)ncpus, 8);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, all, 0), 0);
	int sevens = 0;
	for (int cpu = 0; cpu < ncpus; cpu++)
		sevens += all[cpu] == 7;
	assert_int_equal(sevens, 1);
	free(all);
	bpf_map_detach(m);
}

/* BPF_F_LOCK: a value holding a struct bpf_spin_lock at offset 0 (the object layer sets
 * spin_lock_off from BTF; we set it by hand). */
static void test_array_f_lock(void **state)
{
	struct bpf_map *m = mk(A, 16, 2, 0, NULL);
	m->sh->spin_lock_off = 0;
	uint32_t k = 1, in[4] = {0xffffffffu, 1, 2, 3}, out[4];
	assert_int_equal(m->ops->map_update_elem(m, &k, in, BPF_F_LOCK), 0);
	uint32_t *val = m->ops->map_lookup_elem(m, &k);
	assert_int_equal(val[0], 0); /* the lock word is never copied in */
	assert_int_equal(val[3], 3);
	assert_int_equal(m->ops->map_update_elem(m, &k, in, BPF_F_LOCK | BPF_NOEXIST), -EEXIST);
	assert_int_equal(m->ops->map_update_elem(m, &k, in, BPF_F_LOCK | BPF_EXIST), 0);
	memset(out, 0xff, sizeof out);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, BPF_F_LOCK), 0);
	assert_int_equal(out[0], 0); /* nor copied out */
	assert_int_equal(out[2], 2);
	memset(out, 0xff, sizeof out);
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, 0), 0);
	assert_int_equal(out[0], 0);
	/* an update without BPF_F_LOCK ignores a held lock and leaves the lock word alone */
	val[0] = 1;
	in[1] = 42;
	assert_int_equal(m->ops->map_update_elem(m, &k, in, 0), 0);
	assert_int_equal(val[1], 42);
	assert_int_equal(val[0], 1);
	val[0] = 0;
	bpf_map_detach(m);
}

static void test_fd_arrays(void **state)
{
	uint32_t types[] = {PR, BPF_MAP_TYPE_ARRAY_OF_MAPS};
	for (int i = 0; i < 2; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_type = types[i];
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 3;
		struct bpf_map *m;
		assert_int_equal(bpf_map_create_anon(&a, &m, NULL), -EINVAL);
		a.value_size = 4;
		a.map_flags = BPF_F_MMAPABLE;
		assert_int_equal(bpf_map_create_anon(&a, &m, NULL), -EINVAL);
		a.map_flags = BPF_F_WRONLY_PROG;
		assert_int_equal(bpf_map_create_anon(&a, &m, NULL), -EINVAL);
		a.map_flags = 0;
		assert_int_equal(bpf_map_create_anon(&a, &m, NULL), 0);

		uint32_t k = 2, k3 = 3, id = 77, out = 0;
		assert_null(m->ops->map_lookup_elem(m, &k));
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &out, 0), -ENOENT);
		assert_int_equal(m->ops->map_delete_elem(m, &k), -ENOENT);
		assert_int_equal(m->ops->map_update_elem(m, &k, &id, BPF_NOEXIST), -EINVAL);
		assert_int_equal(m->ops->map_update_elem(m, &k3, &id, BPF_ANY), -E2BIG);
		assert_int_equal(m->ops->map_update_elem(m, &k, &id, BPF_ANY), 0);
		assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &out, 0), 0);
		assert_int_equal(out, 77);
		uint32_t *slot = m->ops->map_lookup_elem(m, &k);
		assert_non_null(slot);
		assert_int_equal(*slot, 77);
		id = 78; /* replacing a slot is allowed: the kernel swaps the pointer */
		assert_int_equal(m->ops->map_update_elem(m, &k, &id, BPF_ANY), 0);
		assert_int_equal(*slot, 78);
		assert_int_equal(m->ops->map_delete_elem(m, &k), 0);
		assert_null(m->ops->map_lookup_elem(m, &k));
		assert_int_equal(m->ops->map_delete_elem(m, &k), -ENOENT);
		assert_int_equal(m->ops->map_delete_elem(m, &k3), -E2BIG);
		assert_null(m->ops->map_for_each_callback);
		bpf_map_detach(m);
	}
}

/* mmap the memfd at offset 0: the values, where the ops put them, in both directions. */
static void test_mmapable_layout(void **state)
{
	int fd;
	struct bpf_map *m = mk(A, 20, 300, BPF_F_MMAPABLE, &fd);
	size_t len = 300 * 24;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	for (uint32_t i = 0; i < 300; i += 7) {
		char v[20];
		memset(v, (int)i, sizeof v);
		assert_int_equal(m->ops->map_update_elem(m, &i, v, 0), 0);
		assert_memory_equal(p + (size_t)i * 24, v, 20);
	}
	uint32_t k = 299;
	memcpy(p + 299 * 24, "through the mmap....", 20);
	char out[20];
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, out, 0), 0);
	assert_memory_equal(out, "through the mmap....", 20);
	munmap(p, len);
	bpf_map_detach(m);
	close(fd);
}

/* Two processes, each with its own mapping of the map, add 1,000,000 times each through
 * helper-side lookup pointers: the total is exact. */
static void test_two_process_atomic_adds(void **state)
{
	int fd;
	struct bpf_map *m = mk(A, 8, 4, 0, &fd);
	uint32_t k = 2;
	enum { N = 1000000 };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bpf_map *view;
		if (bpf_map_attach_fd(fd, &view))
			_exit(2);
		uint64_t *p = view->ops->map_lookup_elem(view, &k);
		if (!p || (void *)p == m->ops->map_lookup_elem(m, &k))
			_exit(3); /* the point is a second mapping */
		for (int i = 0; i < N; i++)
			__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
		bpf_map_detach(view);
		_exit(0);
	}
	uint64_t *p = m->ops->map_lookup_elem(m, &k);
	for (int i = 0; i < N; i++)
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	uint64_t total;
	assert_int_equal(m->ops->map_lookup_elem_sys(m, &k, &total, 0), 0);
	assert_int_equal(total, 2 * N);
	bpf_map_detach(m);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_array_helper_side),
	        cmocka_unit_test(test_array_for_each),
	        cmocka_unit_test(test_percpu_helper_side),
	        cmocka_unit_test(test_array_f_lock),
	        cmocka_unit_test(test_fd_arrays),
	        cmocka_unit_test(test_mmapable_layout),
	        cmocka_unit_test(test_two_process_atomic_adds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
