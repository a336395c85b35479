/* test_map_perf.c — BPF_MAP_TYPE_PERF_EVENT_ARRAY (maps/map_perf.c, maps/perf_consumer.c).
 *
 * The kernel-agreement script covers creation rules and the fd-array element commands
 * (the kernel's slots are filled with a real PERF_COUNT_SW_BPF_OUTPUT event fd; ours take
 * the same number as the ring's enable flag). tests/fixtures/map_perf_kernel.txt is the
 * kernel's trace (USERBPF_RECORD_FIXTURES=1 re-records it). The rings themselves have no
 * kernel counterpart to compare with byte for byte; they are tested through the API, across
 * threads and processes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptrace.h"
#include "maps/map.h"
#include "maps/perf.h"

#define ENOTSUPP 524
#define P BPF_MAP_TYPE_PERF_EVENT_ARRAY
#define FIXTURE USERBPF_FIXTURES_DIR "/map_perf_kernel.txt"

static int tm_create(struct mt_map *t, int kernel, uint32_t key, uint32_t value, uint32_t max,
                     uint32_t flags, uint64_t extra)
{
	return mt_create(t, kernel, P, key, value, max, flags, extra, 0);
}

struct create_case {
	const char *name;
	uint32_t key, value, max, flags;
	uint64_t extra;
};

static const struct create_case creates[] = {
        {"basic", 4, 4, 2, 0, 0},
        {"max0", 4, 4, 0, 0, 0},
        {"key8", 8, 4, 2, 0, 0},
        {"key0", 0, 4, 2, 0, 0},
        {"value8", 4, 8, 2, 0, 0},
        {"value0", 4, 0, 2, 0, 0},
        {"max1024", 4, 4, 1024, 0, 0},
        {"numa0", 4, 4, 2, BPF_F_NUMA_NODE, 0},
        {"extra", 4, 4, 2, 0, 1},
        {"no-prealloc", 4, 4, 2, BPF_F_NO_PREALLOC, 0},
        {"rdonly", 4, 4, 2, BPF_F_RDONLY, 0},
        {"wronly", 4, 4, 2, BPF_F_WRONLY, 0},
        {"rd-wr", 4, 4, 2, BPF_F_RDONLY | BPF_F_WRONLY, 0},
        {"rdonly-prog", 4, 4, 2, BPF_F_RDONLY_PROG, 0},
        {"wronly-prog", 4, 4, 2, BPF_F_WRONLY_PROG, 0},
        {"mmapable", 4, 4, 2, BPF_F_MMAPABLE, 0},
        {"preserve", 4, 4, 2, BPF_F_PRESERVE_ELEMS, 0},
        {"inner-map", 4, 4, 2, BPF_F_INNER_MAP, 0},
        {"zero-seed", 4, 4, 2, BPF_F_ZERO_SEED, 0},
};

/* A perf event the kernel accepts in a perf event array. */
static int open_bpf_output_event(void)
{
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof pa);
	pa.size = sizeof pa;
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_BPF_OUTPUT;
	pa.sample_type = PERF_SAMPLE_RAW;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	return (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static void run_script(int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		const struct create_case *c = &creates[i];
		struct mt_map m;
		mt_tr(t, "create %s = %d", c->name,
		      tm_create(&m, kernel, c->key, c->value, c->max, c->flags, c->extra));
		mt_close(&m);
	}
	struct mt_map m;
	assert_int_equal(tm_create(&m, kernel, 4, 4, 4, 0, 0), 0);
	int ev = kernel ? open_bpf_output_event() : 1000;
	assert_true(ev >= 0);
	uint32_t k, v = (uint32_t)ev, out = 0;
#define OP(cmd, key, val, fl)                                                                      \
	do {                                                                                       \
		k = (key);                                                                         \
		mt_tr(t, "%s %u fl %u = %d", #cmd, k, (unsigned)(fl),                              \
		      mt_op(&m, BPF_MAP_##cmd, &k, (val), (fl)));                                  \
	} while (0)
	OP(LOOKUP_ELEM, 1, &out, 0);
	OP(LOOKUP_ELEM, 9, &out, 0);
	OP(UPDATE_ELEM, 1, &v, BPF_NOEXIST);
	OP(UPDATE_ELEM, 1, &v, BPF_EXIST);
	OP(UPDATE_ELEM, 9, &v, 0);
	OP(UPDATE_ELEM, 9, &v, BPF_NOEXIST);
	OP(UPDATE_ELEM, 1, &v, 0);
	OP(UPDATE_ELEM, 1, &v, 0);
	OP(UPDATE_ELEM, 2, &v, 0);
	OP(LOOKUP_ELEM, 1, &out, 0);
	OP(DELETE_ELEM, 1, NULL, 0);
	OP(DELETE_ELEM, 1, NULL, 0);
	OP(DELETE_ELEM, 3, NULL, 0);
	OP(DELETE_ELEM, 9, NULL, 0);
	OP(DELETE_ELEM, 2, NULL, 0);
	for (uint32_t key = 0; key < 6; key++) {
		out = 77;
		OP(GET_NEXT_KEY, key, &out, 0);
		mt_tr(t, "  next = %u", out);
	}
	out = 77;
	int r = mt_op(&m, BPF_MAP_GET_NEXT_KEY, NULL, &out, 0);
	mt_tr(t, "next NULL = %d %u", r, out);
	if (kernel)
		close(ev);
	mt_close(&m);
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("perf", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("perf", FIXTURE, run_script);
}

/* --- the rings --- */

static struct bpf_map *mk(uint32_t max, int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = P;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = max;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

static void enable(struct bpf_map *m, uint32_t idx)
{
	uint32_t v = 1;
	assert_int_equal(m->ops->map_update_elem(m, &idx, &v, BPF_ANY), 0);
}

struct seen {
	int n, bad;
	uint64_t lost;
	int last_cpu;
	uint32_t next[8];
};

static void on_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct seen *s = ctx;
	uint32_t rec[64];
	memcpy(rec, data, size < sizeof rec ? size : sizeof rec);
	/* rec[0] = sequence, the rest = sequence + word index */
	if (size < 4 || size % 4 || rec[0] < s->next[cpu % 8])
		s->bad++;
	for (uint32_t i = 1; i < size / 4 && i < 64; i++)
		if (rec[i] != rec[0] + i)
			s->bad++;
	s->next[cpu % 8] = rec[0] + 1;
	s->last_cpu = cpu;
	s->n++;
}

static void on_lost(void *ctx, int cpu, uint64_t cnt)
{
	((struct seen *)ctx)->lost += cnt;
}

static long emit(struct bpf_map *m, uint64_t flags, uint32_t seq, uint32_t words)
{
	uint32_t rec[64];
	for (uint32_t i = 0; i < words; i++)
		rec[i] = seq + i;
	return perf_event_output(m, flags, rec, words * 4);
}

static void test_output_rules(void **state)
{
	struct bpf_map *m = mk(4, NULL);
	assert_int_equal(emit(m, 0, 0, 1), -ENOENT); /* slot 0 holds no "event" */
	assert_int_equal(emit(m, 4, 0, 1), -E2BIG);
	assert_int_equal(emit(m, (uint64_t)1 << 32, 0, 1), -EINVAL);
	enable(m, 0);
	enable(m, 1);
	enable(m, 2);
	enable(m, 3);
	assert_int_equal(emit(m, 2, 5, 3), 0);
	assert_int_equal(emit(m, BPF_F_CURRENT_CPU, 7, 2), 0); /* <= 2 CPUs here: slot 0 or 1 */
	struct perf_consumer *c = perf_consumer_new(m);
	struct seen s = {0};
	assert_int_equal(perf_consumer_wait(c, 0), 1);
	assert_int_equal(perf_consume(c, on_sample, on_lost, &s), 2);
	assert_int_equal(s.bad, 0);
	assert_int_equal(perf_consumer_wait(c, 0), 0);
	assert_int_equal(perf_consume_slot(c, 4, on_sample, NULL, &s), -E2BIG);
	/* disabled again: output refused, syscall delete reports the empty slot */
	uint32_t idx = 2;
	assert_int_equal(m->ops->map_delete_elem(m, &idx), 0);
	assert_int_equal(emit(m, 2, 0, 1), -ENOENT);
	assert_int_equal(m->ops->map_delete_elem(m, &idx), -ENOENT);
	perf_consumer_free(c);
	bpf_map_detach(m);
}

/* Fill a slot: samples that do not fit are lost and reported, and records that wrap the
 * ring come out whole. */
static void test_full_lost_and_wrap(void **state)
{
	struct bpf_map *m = mk(1, NULL);
	enable(m, 0);
	struct perf_consumer *c = perf_consumer_new(m);
	struct seen s = {0};
	uint32_t seq = 0;
	int lost = 0, ok = 0;
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < 700 + round * 7; i++) {
			uint32_t words = 1 + (uint32_t)(i * 13) % 60;
			long r = emit(m, 0, seq, words);
			if (r == -ENOSPC)
				lost++;
			else if (r == 0)
				ok++, seq += 100;
			else
				fail();
		}
		perf_consume(c, on_sample, on_lost, &s);
	}
	assert_int_equal(s.n, ok);
	assert_int_equal((int)s.lost, lost);
	assert_true(lost > 0);
	assert_int_equal(s.bad, 0);
	perf_consumer_free(c);
	bpf_map_detach(m);
}

/* A child process produces to every slot; the parent waits on the eventfd with epoll. */
static void test_fork_producer(void **state)
{
	int fd;
	struct bpf_map *m = mk(4, &fd);
	for (uint32_t i = 0; i < 4; i++)
		enable(m, i);
	struct perf_consumer *c = perf_consumer_new(m);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, perf_consumer_fd(c), &ev), 0);
	enum { N = 4000 };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bpf_map *pm = NULL;
		if (bpf_map_attach_fd(fd, &pm))
			_exit(1);
		for (uint32_t i = 0; i < N; i++)
			while (emit(pm, i % 4, i, 1 + i % 30) == -ENOSPC)
				usleep(100);
		_exit(0);
	}
	struct seen s = {0};
	for (int tries = 0; s.n < N && tries < 100000; tries++) {
		struct epoll_event out;
		epoll_wait(ep, &out, 1, 1000);
		perf_consume(c, on_sample, on_lost, &s);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(s.n, N);
	assert_int_equal(s.bad, 0);
	close(ep);
	perf_consumer_free(c);
	bpf_map_detach(m);
	close(fd);
}

struct prod {
	struct bpf_map *m;
	uint32_t slot;
};

static void *producer(void *p)
{
	struct prod *a = p;
	for (uint32_t i = 0; i < 3000; i++)
		while (emit(a->m, a->slot, i * 100, 1 + i % 20) == -ENOSPC)
			sched_yield();
	return NULL;
}

/* Two threads share each slot while a consumer drains with perf_consumer_wait. */
static void test_threads(void **state)
{
	struct bpf_map *m = mk(2, NULL);
	enable(m, 0);
	enable(m, 1);
	struct perf_consumer *c = perf_consumer_new(m);
	pthread_t th[4];
	struct prod args[4];
	for (uint32_t i = 0; i < 4; i++) {
		args[i] = (struct prod){m, i % 2};
		pthread_create(&th[i], NULL, producer, &args[i]);
	}
	int n = 0;
	while (n < 4 * 3000) {
		perf_consumer_wait(c, 100);
		n += perf_consume(c, NULL, NULL, NULL);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(n, 4 * 3000);
	perf_consumer_free(c);
	bpf_map_detach(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_output_rules),
	        cmocka_unit_test(test_full_lost_and_wrap),
	        cmocka_unit_test(test_fork_producer),
	        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
