/* test_map_queue.c — QUEUE, STACK and BLOOM_FILTER (maps/map_queue.c, maps/map_bloom.c).
 *
 * As in test_map_array.c, one script of creates and element operations runs against the
 * host kernel (bpf(2) with our union bpf_attr) and against our ops, and the traces must be
 * equal; tests/fixtures/map_queue_kernel.txt is the kernel's trace (recorded with
 * USERBPF_RECORD_FIXTURES=1) and pins ours where bpf() is unavailable. Bloom filter
 * answers are compared only where both must agree: pushed values (never a false
 * negative) and absent values in a filter far too sparse for a false positive.
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
#include "core/cpu.h"
#include "maps/map.h"

#define ENOTSUPP 524
#define FIXTURE USERBPF_FIXTURES_DIR "/map_queue_kernel.txt"

/* --- the script --- */

struct create_case {
	const char *name;
	uint32_t type, key_size, value_size, max_entries, flags;
	uint64_t extra;
	uint32_t numa_node;
};

#define Q BPF_MAP_TYPE_QUEUE
#define S BPF_MAP_TYPE_STACK
#define B BPF_MAP_TYPE_BLOOM_FILTER
#define NONE 0xffffffffu
#define KMALLOC_MAX (4u << 20)

static const struct create_case creates[] = {
        {"queue", Q, 0, 4, 1, 0, 0, NONE},
        {"queue-key4", Q, 4, 4, 1, 0, 0, NONE},
        {"queue-value0", Q, 0, 0, 1, 0, 0, NONE},
        {"queue-max0", Q, 0, 4, 0, 0, 0, NONE},
        {"queue-extra", Q, 0, 4, 1, 0, 1, NONE},
        {"queue-mmapable", Q, 0, 4, 1, BPF_F_MMAPABLE, 0, NONE},
        {"queue-no-prealloc", Q, 0, 4, 1, BPF_F_NO_PREALLOC, 0, NONE},
        {"queue-zero-seed", Q, 0, 4, 1, BPF_F_ZERO_SEED, 0, NONE},
        {"queue-inner-map", Q, 0, 4, 1, BPF_F_INNER_MAP, 0, NONE},
        {"queue-rdonly-prog", Q, 0, 4, 1, BPF_F_RDONLY_PROG, 0, NONE},
        {"queue-wronly-prog", Q, 0, 4, 1, BPF_F_WRONLY_PROG, 0, NONE},
        {"queue-rdonly", Q, 0, 4, 1, BPF_F_RDONLY, 0, NONE},
        {"queue-rdprog-wrprog", Q, 0, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, NONE},
        {"queue-rd-wr", Q, 0, 4, 1, BPF_F_RDONLY | BPF_F_WRONLY, 0, NONE},
        {"queue-numa0", Q, 0, 4, 1, BPF_F_NUMA_NODE, 0, 0},
        {"queue-value-kmalloc-max", Q, 0, KMALLOC_MAX, 1, 0, 0, NONE},
        {"queue-value-kmalloc-max+1", Q, 0, KMALLOC_MAX + 1, 1, 0, 0, NONE},
        {"queue-key4-and-e2big", Q, 4, KMALLOC_MAX + 1, 1, 0, 0, NONE},
        {"queue-value3", Q, 0, 3, 5, 0, 0, NONE},
        {"stack", S, 0, 4, 1, 0, 0, NONE},
        {"stack-key4", S, 4, 4, 1, 0, 0, NONE},
        {"stack-value0", S, 0, 0, 1, 0, 0, NONE},
        {"stack-max0", S, 0, 4, 0, 0, 0, NONE},
        {"stack-mmapable", S, 0, 4, 1, BPF_F_MMAPABLE, 0, NONE},
        {"stack-numa0", S, 0, 4, 1, BPF_F_NUMA_NODE, 0, 0},
        {"stack-value-kmalloc-max+1", S, 0, KMALLOC_MAX + 1, 1, 0, 0, NONE},
        {"bloom", B, 0, 4, 1, 0, 0, NONE},
        {"bloom-key4", B, 4, 4, 1, 0, 0, NONE},
        {"bloom-value0", B, 0, 0, 1, 0, 0, NONE},
        {"bloom-max0", B, 0, 4, 0, 0, 0, NONE},
        {"bloom-hashes1", B, 0, 4, 1, 0, 1, NONE},
        {"bloom-hashes15", B, 0, 4, 1, 0, 15, NONE},
        {"bloom-extra16", B, 0, 4, 1, 0, 16, NONE},
        {"bloom-extra-high", B, 0, 4, 1, 0, 1ull << 40, NONE},
        {"bloom-zero-seed", B, 0, 4, 1, BPF_F_ZERO_SEED, 0, NONE},
        {"bloom-mmapable", B, 0, 4, 1, BPF_F_MMAPABLE, 0, NONE},
        {"bloom-no-prealloc", B, 0, 4, 1, BPF_F_NO_PREALLOC, 0, NONE},
        {"bloom-inner-map", B, 0, 4, 1, BPF_F_INNER_MAP, 0, NONE},
        {"bloom-rdonly-prog", B, 0, 4, 1, BPF_F_RDONLY_PROG, 0, NONE},
        {"bloom-rdprog-wrprog", B, 0, 4, 1, BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0, NONE},
        {"bloom-numa0", B, 0, 4, 1, BPF_F_NUMA_NODE, 0, 0},
        {"bloom-value-kmalloc-max", B, 0, KMALLOC_MAX, 1, 0, 0, NONE},
        {"bloom-value-kmalloc-max+1", B, 0, KMALLOC_MAX + 1, 1, 0, 0, NONE},
        {"bloom-e2big-before-einval", B, 4, KMALLOC_MAX + 1, 0, 0, 16, NONE},
        {"bloom-4g-bits", B, 0, 4, 0xffffffffu, 0, 15, NONE},
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

/* Push, peek and pop as a user does through bpf(2): a 3-entry map of 6-byte values. */
static void script_queue_stack(int kernel, struct mt_trace *t, uint32_t type, const char *name)
{
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, type, 0, 6, 3, 0, 0, NONE), 0);
	unsigned char v[6], out[6];
	char h[16];
#define VAL(x) (memset(v, 0, sizeof v), v[0] = (unsigned char)(x), v[5] = (unsigned char)~(x), v)
#define GET(cmd, label, flags)                                                                     \
	do {                                                                                       \
		memset(out, 0xee, sizeof out);                                                     \
		int r_ = mt_op(&m, cmd, NULL, out, flags);                                         \
		mt_hex(h, out, sizeof out);                                                        \
		mt_tr(t, "%s %s = %d %s", name, label, r_, r_ ? "" : h);                           \
	} while (0)
	GET(BPF_MAP_LOOKUP_ELEM, "peek empty", 0);
	GET(BPF_MAP_LOOKUP_AND_DELETE_ELEM, "pop empty", 0);
	for (uint64_t flags = 1; flags <= 8; flags++)
		mt_tr(t, "%s push flags %llu = %d", name, (unsigned long long)flags,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, VAL(0x40 + flags), flags));
	GET(BPF_MAP_LOOKUP_ELEM, "peek after bad pushes", 0);
	for (int i = 1; i <= 4; i++)
		mt_tr(t, "%s push %d = %d", name, i,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, VAL(i), 0));
	GET(BPF_MAP_LOOKUP_ELEM, "peek full", 0);
	mt_tr(t, "%s push 5 exist = %d", name,
	      mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, VAL(5), BPF_EXIST));
	mt_tr(t, "%s push 6 exist = %d", name,
	      mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, VAL(6), BPF_EXIST));
	for (uint64_t flags = 1; flags <= 8; flags <<= 1) {
		char label[32];
		snprintf(label, sizeof label, "peek flags %llu", (unsigned long long)flags);
		GET(BPF_MAP_LOOKUP_ELEM, label, flags);
		snprintf(label, sizeof label, "pop flags %llu", (unsigned long long)flags);
		GET(BPF_MAP_LOOKUP_AND_DELETE_ELEM, label, flags);
	}
	mt_tr(t, "%s delete = %d", name, mt_op(&m, BPF_MAP_DELETE_ELEM, NULL, NULL, 0));
	uint32_t nk;
	mt_tr(t, "%s next = %d", name, mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0));
	for (int i = 0; i < 4; i++)
		GET(BPF_MAP_LOOKUP_AND_DELETE_ELEM, "pop", 0);
	/* go round the ring several times with a changing fill level */
	int next = 10;
	for (int round = 0; round < 12; round++) {
		for (int i = 0; i <= round % 4; i++) {
			int r = mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, VAL(next), round % 3 ? 0 : 2);
			mt_tr(t, "%s round %d push %d = %d", name, round, next++, r);
		}
		GET(BPF_MAP_LOOKUP_ELEM, "round peek", 0);
		for (int i = 0; i < (round + 1) % 3; i++)
			GET(BPF_MAP_LOOKUP_AND_DELETE_ELEM, "round pop", 0);
	}
	for (int i = 0; i < 4; i++)
		GET(BPF_MAP_LOOKUP_AND_DELETE_ELEM, "drain", 0);
#undef GET
#undef VAL
	mt_close(&m);
}

/* Pushed values must be found; absent ones, in a filter of 8192 bits holding 40 values,
 * are absent in both (a false positive has a probability below 1e-9 there). */
static void script_bloom(int kernel, struct mt_trace *t, uint32_t value_size, uint32_t flags,
                         uint64_t extra, const char *name)
{
	struct mt_map m;
	assert_int_equal(mt_create(&m, kernel, B, 0, value_size, 1000, flags, extra, NONE), 0);
	unsigned char v[8] = {0};
	v[0] = 1;
	mt_tr(t, "%s peek empty = %d", name, mt_op(&m, BPF_MAP_LOOKUP_ELEM, NULL, v, 0));
	for (uint64_t f = 1; f <= 8; f++)
		mt_tr(t, "%s push flags %llu = %d", name, (unsigned long long)f,
		      mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, v, f));
	mt_tr(t, "%s peek after bad pushes = %d", name, mt_op(&m, BPF_MAP_LOOKUP_ELEM, NULL, v, 0));
	for (uint32_t i = 0; i < 40; i++) {
		memcpy(v, &i, 4);
		v[value_size - 1] ^= 0x5a;
		int r = mt_op(&m, BPF_MAP_UPDATE_ELEM, NULL, v, 0);
		if (r)
			mt_tr(t, "%s push %u = %d", name, i, r);
	}
	int found = 0, absent = 0;
	for (uint32_t i = 0; i < 40; i++) {
		memcpy(v, &i, 4);
		v[value_size - 1] ^= 0x5a;
		found += mt_op(&m, BPF_MAP_LOOKUP_ELEM, NULL, v, 0) == 0;
		uint32_t j = i + 100000;
		memcpy(v, &j, 4);
		absent += mt_op(&m, BPF_MAP_LOOKUP_ELEM, NULL, v, 0) == -ENOENT;
	}
	mt_tr(t, "%s pushed found %d/40, others absent %d/40", name, found, absent);
	for (uint64_t f = 1; f <= 8; f <<= 1)
		mt_tr(t, "%s peek flags %llu = %d", name, (unsigned long long)f,
		      mt_op(&m, BPF_MAP_LOOKUP_ELEM, NULL, v, f));
	mt_tr(t, "%s delete = %d", name, mt_op(&m, BPF_MAP_DELETE_ELEM, NULL, NULL, 0));
	uint32_t nk;
	mt_tr(t, "%s next = %d", name, mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &nk, 0));
	for (uint64_t f = 0; f <= 4; f++)
		mt_tr(t, "%s lookup_and_delete flags %llu = %d", name, (unsigned long long)f,
		      mt_op(&m, BPF_MAP_LOOKUP_AND_DELETE_ELEM, NULL, v, f));
	mt_close(&m);
}

static void run_script(int kernel, struct mt_trace *t)
{
	script_creates(kernel, t);
	script_queue_stack(kernel, t, Q, "queue");
	script_queue_stack(kernel, t, S, "stack");
	script_bloom(kernel, t, 4, BPF_F_ZERO_SEED, 0, "bloom-zero-seed");
	script_bloom(kernel, t, 5, 0, 0, "bloom-value5");
	script_bloom(kernel, t, 8, 0, 3, "bloom-3-hashes");
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("queue", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("queue", FIXTURE, run_script);
}

/* --- our own rules --- */

static struct bpf_map *mk(uint32_t type, uint32_t value_size, uint32_t max_entries, uint32_t flags,
                          uint64_t extra, int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.value_size = value_size;
	a.max_entries = max_entries;
	a.map_flags = flags;
	a.map_extra = extra;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

static void test_queue_helper_side(void **state)
{
	struct bpf_map *q = mk(Q, 8, 2, 0, 0, NULL), *s = mk(S, 8, 2, 0, 0, NULL);
	uint64_t v = 0xdeadbeef, out = 1;
	assert_null(q->ops->map_lookup_elem(q, NULL));
	assert_int_equal(q->ops->map_update_elem_prog(q, NULL, &v, 0), -EINVAL);
	assert_int_equal(q->ops->map_pop_elem(q, &out), -ENOENT);
	assert_int_equal(out, 0); /* the program's buffer is zeroed on failure */
	out = 1;
	assert_int_equal(s->ops->map_peek_elem(s, &out), -ENOENT);
	assert_int_equal(out, 0);
	for (uint64_t i = 1; i <= 2; i++) {
		assert_int_equal(q->ops->map_push_elem(q, &i, BPF_ANY), 0);
		assert_int_equal(s->ops->map_push_elem(s, &i, BPF_ANY), 0);
	}
	assert_int_equal(q->ops->map_push_elem(q, &v, BPF_ANY), -E2BIG);
	assert_int_equal(q->ops->map_push_elem(q, &v, BPF_NOEXIST), -EINVAL);
	assert_int_equal(q->ops->map_push_elem(q, &v, BPF_EXIST | BPF_NOEXIST), -EINVAL);
	assert_int_equal(q->ops->map_push_elem(q, &v, BPF_F_LOCK), -EINVAL);
	/* queue: oldest first; BPF_EXIST dropped 1 */
	assert_int_equal(q->ops->map_push_elem(q, &v, BPF_EXIST), 0);
	assert_int_equal(q->ops->map_peek_elem(q, &out), 0);
	assert_int_equal(out, 2);
	assert_int_equal(q->ops->map_pop_elem(q, &out), 0);
	assert_int_equal(out, 2);
	assert_int_equal(q->ops->map_pop_elem(q, &out), 0);
	assert_int_equal(out, v);
	/* stack: newest first; BPF_EXIST dropped the bottom (1) */
	assert_int_equal(s->ops->map_push_elem(s, &v, BPF_EXIST), 0);
	assert_int_equal(s->ops->map_pop_elem(s, &out), 0);
	assert_int_equal(out, v);
	assert_int_equal(s->ops->map_pop_elem(s, &out), 0);
	assert_int_equal(out, 2);
	assert_int_equal(s->ops->map_pop_elem(s, &out), -ENOENT);
	bpf_map_detach(q);
	bpf_map_detach(s);
}

/* Against a simple model, many times round the ring with random operations. */
static void test_queue_stack_model(void **state)
{
	for (int kind = 0; kind < 2; kind++) {
		struct bpf_map *m = mk(kind ? S : Q, 4, 7, 0, 0, NULL);
		uint32_t model[8], n = 0, seed = 12345, next = 1, out;
		for (int step = 0; step < 20000; step++) {
			seed = seed * 1103515245 + 12345;
			uint32_t op = (seed >> 16) % 5;
			if (op < 2) {
				uint64_t flags = op ? BPF_EXIST : BPF_ANY;
				long r = m->ops->map_push_elem(m, &next, flags);
				if (n == 7 && !op) {
					assert_int_equal(r, -E2BIG);
				} else {
					assert_int_equal(r, 0);
					if (n == 7) /* overwrite: drop the oldest */
						memmove(model, model + 1, --n * sizeof *model);
					model[n++] = next;
				}
				next++;
			} else {
				long r = op == 2 ? m->ops->map_peek_elem(m, &out)
				                 : m->ops->map_pop_elem(m, &out);
				if (!n) {
					assert_int_equal(r, -ENOENT);
					continue;
				}
				assert_int_equal(r, 0);
				uint32_t want = kind ? model[n - 1] : model[0];
				assert_int_equal(out, want);
				if (op != 2) {
					if (!kind)
						memmove(model, model + 1, (n - 1) * sizeof *model);
					n--;
				}
			}
		}
		bpf_map_detach(m);
	}
}

struct mt_ctx {
	struct bpf_map *m;
	uint64_t sum;
	int n;
};

static void *producer(void *arg)
{
	struct mt_ctx *c = arg;
	for (uint32_t i = 1; i <= (uint32_t)c->n; i++) {
		while (c->m->ops->map_push_elem(c->m, &i, 0) == -E2BIG)
			sched_yield();
		c->sum += i;
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct mt_ctx *c = arg;
	for (int got = 0; got < c->n;) {
		uint32_t v;
		if (c->m->ops->map_pop_elem(c->m, &v) == 0) {
			c->sum += v;
			got++;
		} else {
			sched_yield();
		}
	}
	return NULL;
}

/* Two producers and two consumers on a 16-slot queue: nothing lost, nothing doubled. */
static void test_queue_threads(void **state)
{
	struct bpf_map *m = mk(Q, 4, 16, 0, 0, NULL);
	struct mt_ctx c[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		c[i] = (struct mt_ctx){.m = m, .n = 50000};
		assert_int_equal(pthread_create(&th[i], NULL, i < 2 ? producer : consumer, &c[i]),
		                 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(c[0].sum + c[1].sum, c[2].sum + c[3].sum);
	uint32_t v;
	assert_int_equal(m->ops->map_pop_elem(m, &v), -ENOENT);
	bpf_map_detach(m);
}

/* A child process with its own mapping pushes 1..N; the parent pops them in order. */
static void test_queue_two_processes(void **state)
{
	int fd;
	struct bpf_map *m = mk(Q, 4, 8, 0, 0, &fd);
	enum { N = 100000 };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bpf_map *view;
		if (bpf_map_attach_fd(fd, &view))
			_exit(2);
		for (uint32_t i = 1; i <= N; i++)
			while (view->ops->map_push_elem(view, &i, 0) == -E2BIG)
				sched_yield();
		bpf_map_detach(view);
		_exit(0);
	}
	for (uint32_t want = 1; want <= N;) {
		uint32_t v;
		if (m->ops->map_pop_elem(m, &v)) {
			sched_yield();
			continue;
		}
		assert_int_equal(v, want);
		want++;
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	bpf_map_detach(m);
	close(fd);
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 27);
}

/* No false negatives, and a false-positive rate near the design (5 hashes, 1.4 bits per
 * hash per entry: about 1-2%), for several value sizes. */
static void test_bloom_no_false_negatives(void **state)
{
	uint32_t sizes[] = {1, 3, 4, 7, 8, 13, 64};
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint32_t vs = sizes[s], n = vs == 1 ? 100 : 10000;
		struct bpf_map *m = mk(B, vs, n, 0, 0, NULL);
		unsigned char v[64];
		for (uint32_t i = 0; i < n; i++) {
			uint64_t x = mix(i);
			memset(v, 0, sizeof v);
			memcpy(v, &x, vs < 8 ? vs : 8);
			v[vs - 1] ^= (unsigned char)i;
			assert_int_equal(m->ops->map_push_elem(m, v, BPF_ANY), 0);
		}
		uint32_t fp = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint64_t x = mix(i);
			memset(v, 0, sizeof v);
			memcpy(v, &x, vs < 8 ? vs : 8);
			v[vs - 1] ^= (unsigned char)i;
			assert_int_equal(m->ops->map_peek_elem(m, v), 0);
			x = mix(i + 0x100000000ull);
			memcpy(v, &x, vs < 8 ? vs : 8);
			fp += m->ops->map_peek_elem(m, v) == 0;
		}
		if (vs > 1) /* one byte has only 256 values: no rate to speak of */
			assert_true(fp < n / 20);
		printf("bloom value_size %u: %u entries, %u false positives\n", vs, n, fp);
		bpf_map_detach(m);
	}
}

static void test_bloom_ops_and_seed(void **state)
{
	struct bpf_map *a = mk(B, 4, 100, BPF_F_ZERO_SEED, 0, NULL);
	struct bpf_map *b = mk(B, 4, 100, BPF_F_ZERO_SEED, 0, NULL);
	struct bpf_map *c = mk(B, 4, 100, 0, 0, NULL);
	struct bpf_map *d = mk(B, 4, 100, 0, 0, NULL);
	for (uint32_t i = 0; i < 50; i++) {
		assert_int_equal(a->ops->map_push_elem(a, &i, BPF_ANY), 0);
		assert_int_equal(b->ops->map_push_elem(b, &i, BPF_ANY), 0);
		assert_int_equal(c->ops->map_push_elem(c, &i, BPF_ANY), 0);
		assert_int_equal(d->ops->map_push_elem(d, &i, BPF_ANY), 0);
	}
	/* zero seeds hash alike; random seeds (almost surely) do not */
	assert_memory_equal(a->data, b->data, a->data_size);
	assert_true(memcmp(c->data, d->data, c->data_size) != 0);
	uint32_t v = 1;
	assert_int_equal(a->ops->map_push_elem(a, &v, BPF_EXIST), -EINVAL);
	assert_int_equal(a->ops->map_pop_elem(a, &v), -EOPNOTSUPP);
	assert_null(a->ops->map_lookup_elem(a, &v));
	assert_int_equal(a->ops->map_update_elem_prog(a, NULL, &v, 0), -EINVAL);
	/* another process's view sees the same bits and seed */
	int fd;
	struct bpf_map *e = mk(B, 4, 100, 0, 0, &fd), *view;
	assert_int_equal(bpf_map_attach_fd(fd, &view), 0);
	for (uint32_t i = 0; i < 50; i++)
		assert_int_equal(e->ops->map_push_elem(e, &i, BPF_ANY), 0);
	for (uint32_t i = 0; i < 50; i++)
		assert_int_equal(view->ops->map_peek_elem(view, &i), 0);
	bpf_map_detach(view);
	close(fd);
	struct bpf_map *all[] = {a, b, c, d, e};
	for (int i = 0; i < 5; i++)
		bpf_map_detach(all[i]);
}

/* The bit array is sized as the kernel sizes it: n * k * 7 / 5 bits, a power of two, at
 * least 64, and 2^32 bits when that would not fit in 31 bits. */
static void test_bloom_sizing(void **state)
{
	struct {
		uint32_t max_entries;
		uint64_t extra;
		uint64_t bits;
	} cases[] = {
	        {1, 0, 64},
	        {100000, 0, 1u << 20},         /* 700000 bits */
	        {1000, 1, 2048},               /* 1400 */
	        {300000000, 1, 1ull << 29},    /* 420M bits round up to 2^29 */
	        {0xffffffffu, 15, 1ull << 32}, /* overflow */
	        {200000000, 15, 1ull << 32},   /* 2^31 < 4.2G */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct bpf_map *m = mk(B, 4, cases[i].max_entries, 0, cases[i].extra, NULL);
		uint64_t want = (16 + cases[i].bits / 8 + 4095) & ~4095ull;
		assert_int_equal(m->data_size, want);
		bpf_map_detach(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_queue_helper_side),
	        cmocka_unit_test(test_queue_stack_model),
	        cmocka_unit_test(test_queue_threads),
	        cmocka_unit_test(test_queue_two_processes),
	        cmocka_unit_test(test_bloom_no_false_negatives),
	        cmocka_unit_test(test_bloom_ops_and_seed),
	        cmocka_unit_test(test_bloom_sizing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
