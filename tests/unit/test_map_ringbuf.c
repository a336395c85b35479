/* test_map_ringbuf.c — BPF_MAP_TYPE_RINGBUF (maps/map_ringbuf.c, maps/ringbuf_consumer.c).
 *
 * The kernel-agreement script creates rings with good and bad attributes, then produces
 * records into a 4 KiB ring (in the kernel: a socket filter calling bpf_ringbuf_output or
 * reserve + discard, run with BPF_PROG_TEST_RUN), consuming part of them so later records
 * wrap. Both rings are read by the same external reader, which maps the fd exactly as
 * libbpf's ring_buffer does (offset 0: consumer page, read-write; offset 4096: producer
 * page + 2 x data, read-only) — so the trace pins the positions, the record headers
 * (length, flag bits, pg_off), the space accounting and the mirror that makes wrapped
 * records readable. tests/fixtures/map_ringbuf_kernel.txt is the kernel's trace
 * (USERBPF_RECORD_FIXTURES=1 re-records it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maptrace.h"
#include "maps/map.h"
#include "maps/ringbuf.h"

#define ENOTSUPP 524
#define R BPF_MAP_TYPE_RINGBUF
#define FIXTURE USERBPF_FIXTURES_DIR "/map_ringbuf_kernel.txt"
#define PAGE 4096u

/* --- a ring, in the kernel or ours --- */

struct tring {
	struct mt_map map;
	int progs[2][600]; /* kernel programs by (discard?, size), loaded on demand */
};

static int tr_create(struct tring *r, int kernel, uint32_t key, uint32_t value, uint32_t max,
                     uint32_t flags, uint64_t extra)
{
	memset(r, 0, sizeof *r);
	return mt_create(&r->map, kernel, R, key, value, max, flags, extra, 0);
}

static void tr_close(struct tring *r)
{
	for (int d = 0; d < 2; d++)
		for (int s = 0; s < 600; s++)
			if (r->progs[d][s] > 0)
				close(r->progs[d][s]);
	mt_close(&r->map);
	memset(r->progs, 0, sizeof r->progs);
}

/* The payload every producer writes: 512 bytes of a fixed pattern (the kernel program's
 * stack, filled by 64 stores of imm = i * 0x01010101). */
static void pattern(uint8_t *buf)
{
	for (int i = 0; i < 64; i++) {
		int64_t v = (int32_t)(i * 0x01010101u);
		memcpy(buf + 8 * i, &v, 8);
	}
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

/* bpf_ringbuf_output(map, fp - 512, size, 0), or reserve(size) + discard. Returns r0. */
static int kernel_produce(struct tring *r, uint32_t size, int discard, uint32_t *ret)
{
	int *fd = &r->progs[discard][size];
	if (!*fd) {
		struct bpf_insn p[96];
		int n = 0;
		for (int i = 0; i < 64; i++)
			p[n++] = INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, (int16_t)(-512 + 8 * i),
			              (int32_t)(i * 0x01010101u));
		p[n++] = INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, r->map.fd);
		p[n++] = INSN(0, 0, 0, 0, 0);
		if (!discard) {
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -512);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, (int32_t)size);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
			p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
		} else {
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)size);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
			p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_reserve);
			p[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -11);
			p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
			p[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_discard);
			p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		}
		p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		char err[256] = "";
		*fd = tu_kernel_load(p, (size_t)n, err, sizeof err);
		if (*fd < 0) {
			print_error("kernel load: %s\n", err);
			return *fd;
		}
	}
	char pkt[64] = {0};
	return tu_kernel_test_run(*fd, pkt, sizeof pkt, ret);
}

static int produce(struct tring *r, uint32_t size, int discard)
{
	uint32_t ret = 0;
	if (r->map.kernel) {
		int err = kernel_produce(r, size, discard, &ret);
		return err ? err : (int32_t)ret;
	}
	uint8_t buf[512];
	pattern(buf);
	if (!discard)
		return (int)ringbuf_output(r->map.m, buf, size, 0);
	void *rec = ringbuf_reserve(r->map.m, size, 0);
	if (!rec)
		return -EAGAIN;
	ringbuf_discard(r->map.m, rec, 0);
	return 0;
}

/* --- the external reader: libbpf's view of the fd --- */

struct ext_reader {
	uint64_t *cons;          /* consumer page, read-write */
	const uint8_t *prod_map; /* producer page + 2 x data, read-only */
	uint64_t size;
};

static void ext_open(struct ext_reader *x, int fd, uint64_t size)
{
	x->size = size;
	x->cons = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(x->cons != MAP_FAILED);
	x->prod_map = mmap(NULL, PAGE + 2 * size, PROT_READ, MAP_SHARED, fd, PAGE);
	assert_true(x->prod_map != MAP_FAILED);
}

static void ext_close(struct ext_reader *x)
{
	munmap(x->cons, PAGE);
	munmap((void *)x->prod_map, PAGE + 2 * x->size);
}

static uint64_t ext_prod(const struct ext_reader *x)
{
	return __atomic_load_n((const uint64_t *)x->prod_map, __ATOMIC_ACQUIRE);
}

/* Read up to max records (consuming them when consume), tracing each. */
static int ext_read(struct ext_reader *x, struct mt_trace *t, int max, int consume)
{
	uint64_t cons = __atomic_load_n(x->cons, __ATOMIC_ACQUIRE), prod = ext_prod(x);
	const uint8_t *data = x->prod_map + PAGE;
	uint8_t want[512];
	pattern(want);
	int n = 0;
	while (cons < prod && n < max) {
		uint64_t off = cons & (x->size - 1);
		uint32_t len, pg_off;
		memcpy(&len, data + off, 4);
		memcpy(&pg_off, data + off + 4, 4);
		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		uint32_t plen = len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT;
		/* the payload is read straight through, across the end into the second copy */
		int same = (len & BPF_RINGBUF_DISCARD_BIT) || !memcmp(data + off + 8, want, plen);
		mt_tr(t, "  rec at %llu len %#x pg_off %u wraps %d payload %s",
		      (unsigned long long)cons, len, pg_off, off + 8 + plen > x->size,
		      same ? "ok" : "CORRUPT");
		cons += (plen + 8 + 7) & ~7u;
		n++;
	}
	if (consume)
		__atomic_store_n(x->cons, cons, __ATOMIC_RELEASE);
	return n;
}

/* --- the script --- */

struct create_case {
	const char *name;
	uint32_t key, value, max, flags;
	uint64_t extra;
};

static const struct create_case creates[] = {
        {"4k", 0, 0, 4096, 0, 0},
        {"8k", 0, 0, 8192, 0, 0},
        {"64k", 0, 0, 65536, 0, 0},
        {"12k", 0, 0, 12288, 0, 0},
        {"2k", 0, 0, 2048, 0, 0},
        {"zero", 0, 0, 0, 0, 0},
        {"4k+8", 0, 0, 4104, 0, 0},
        {"key4", 4, 0, 4096, 0, 0},
        {"value4", 0, 4, 4096, 0, 0},
        {"numa0", 0, 0, 4096, BPF_F_NUMA_NODE, 0},
        {"extra", 0, 0, 4096, 0, 1},
        {"no-prealloc", 0, 0, 4096, BPF_F_NO_PREALLOC, 0},
        {"no-common-lru", 0, 0, 4096, BPF_F_NO_COMMON_LRU, 0},
        {"rdonly", 0, 0, 4096, BPF_F_RDONLY, 0},
        {"wronly", 0, 0, 4096, BPF_F_WRONLY, 0},
        {"rdonly-prog", 0, 0, 4096, BPF_F_RDONLY_PROG, 0},
        {"wronly-prog", 0, 0, 4096, BPF_F_WRONLY_PROG, 0},
        {"mmapable", 0, 0, 4096, BPF_F_MMAPABLE, 0},
        {"inner-map", 0, 0, 4096, BPF_F_INNER_MAP, 0},
};

static void script_creates(int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++) {
		const struct create_case *c = &creates[i];
		struct tring r;
		int err = tr_create(&r, kernel, c->key, c->value, c->max, c->flags, c->extra);
		mt_tr(t, "create %s = %d", c->name, err);
		tr_close(&r);
	}
}

/* Element commands: the kernel has none for a ring buffer (ENOTSUPP, given the NULL key a
 * zero key_size calls for; a non-NULL key is EINVAL before that, in the common code); ours
 * leaves the ops NULL, which the object layer answers the same way. */
static int elem_cmd(struct tring *r, int cmd)
{
	uint32_t value = 0;
	if (r->map.kernel) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)r->map.fd;
		if (cmd != BPF_MAP_DELETE_ELEM) /* delete has no value field: it must be 0 */
			a.value = (uintptr_t)&value;
		return mt_bpf(cmd, &a);
	}
	const struct bpf_map_ops *o = r->map.m->ops;
	void *op = cmd == BPF_MAP_LOOKUP_ELEM   ? (void *)o->map_lookup_elem_sys
	           : cmd == BPF_MAP_UPDATE_ELEM ? (void *)o->map_update_elem
	           : cmd == BPF_MAP_DELETE_ELEM ? (void *)o->map_delete_elem
	                                        : (void *)o->map_get_next_key;
	return op ? -EINVAL : -ENOTSUPP;
}

static void script_records(int kernel, struct mt_trace *t)
{
	struct tring r;
	assert_int_equal(tr_create(&r, kernel, 0, 0, 4096, 0, 0), 0);
	static const int cmds[] = {BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
	                           BPF_MAP_GET_NEXT_KEY};
	for (int i = 0; i < 4; i++)
		mt_tr(t, "elem cmd %d = %d", cmds[i], elem_cmd(&r, cmds[i]));
	struct ext_reader x;
	ext_open(&x, r.map.fd, 4096);
	static const uint32_t sizes[] = {0, 1, 7, 8, 9, 100, 512, 300, 256, 511, 64, 200, 333, 17};
	int k = 0;
	/* fill: every size in turn until the ring refuses (then one smaller that may fit) */
	for (int i = 0; i < 40; i++, k++) {
		uint32_t sz = sizes[k % 14];
		int ret = produce(&r, sz, k % 9 == 4);
		mt_tr(t, "produce %u%s = %d prod %llu", sz, k % 9 == 4 ? " discard" : "", ret,
		      (unsigned long long)ext_prod(&x));
		if (ret && sz < 64)
			break;
	}
	mt_tr(t, "read 5 = %d", ext_read(&x, t, 5, 1));
	/* now records wrap past the end */
	for (int round = 0; round < 24; round++) {
		for (int i = 0; i < 12; i++, k++) {
			uint32_t sz = sizes[k % 14];
			int ret = produce(&r, sz, k % 7 == 3);
			mt_tr(t, "produce %u%s = %d prod %llu", sz, k % 7 == 3 ? " discard" : "",
			      ret, (unsigned long long)ext_prod(&x));
		}
		mt_tr(t, "read %d = %d", round % 7 + 3, ext_read(&x, t, round % 7 + 3, 1));
	}
	mt_tr(t, "read all = %d", ext_read(&x, t, 1000, 1));
	mt_tr(t, "final cons %llu prod %llu", (unsigned long long)*x.cons,
	      (unsigned long long)ext_prod(&x));
	ext_close(&x);
	tr_close(&r);
}

static void run_script(int kernel, struct mt_trace *t)
{
	script_creates(kernel, t);
	script_records(kernel, t);
}

static void test_fixture_agreement(void **state)
{
	(void)state;
	mt_fixture_agreement("ringbuf", FIXTURE, run_script);
}

static void test_live_kernel_agreement(void **state)
{
	(void)state;
	mt_live_kernel_agreement("ringbuf", FIXTURE, run_script);
}

/* --- our API --- */

static struct bpf_map *mk(uint32_t size, int *fd_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = R;
	a.max_entries = size;
	struct bpf_map *m = NULL;
	assert_int_equal(bpf_map_create_anon(&a, &m, fd_out), 0);
	return m;
}

struct collected {
	int n;
	uint64_t sum;
	uint32_t lens[4096];
	uint32_t first[4096];
};

static int collect(void *ctx, void *data, size_t len)
{
	struct collected *c = ctx;
	if (c->n < 4096) {
		c->lens[c->n] = (uint32_t)len;
		c->first[c->n] = 0;
		memcpy(&c->first[c->n], data, len < 4 ? len : 4);
	}
	for (size_t i = 0; i < len; i++)
		c->sum += ((uint8_t *)data)[i];
	c->n++;
	return 0;
}

static void test_reserve_submit_discard(void **state)
{
	struct bpf_map *m = mk(4096, NULL);
	struct ringbuf_consumer *c = ringbuf_consumer_new(m);
	assert_non_null(c);
	assert_null(ringbuf_reserve(m, 8, 1)); /* flags must be 0 */
	assert_int_equal(ringbuf_output(m, "x", 1, 4), -EINVAL);
	uint32_t *a = ringbuf_reserve(m, 4, 0), *b = ringbuf_reserve(m, 4, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal((char *)b - (char *)a, 16);
	assert_int_equal(ringbuf_query(m, BPF_RB_PROD_POS), 32);
	assert_int_equal(ringbuf_query(m, BPF_RB_AVAIL_DATA), 32);
	assert_int_equal(ringbuf_query(m, BPF_RB_RING_SIZE), 4096);
	assert_int_equal(ringbuf_query(m, 99), 0);
	*a = 0xaaaa;
	*b = 0xbbbb;
	struct collected got = {0};
	/* the second is committed but the first is busy: nothing can be consumed yet */
	ringbuf_submit(NULL, b, 0); /* the header finds the ring: no map needed */
	assert_int_equal(ringbuf_consume(c, collect, &got), 0);
	assert_int_equal(ringbuf_consumer_wait(c, 0), 0);
	ringbuf_discard(m, a, 0);
	assert_int_equal(ringbuf_consumer_wait(c, 0), 1);
	assert_int_equal(ringbuf_consume(c, collect, &got), 1);
	assert_int_equal(got.first[0], 0xbbbb);
	assert_int_equal(ringbuf_query(m, BPF_RB_CONS_POS), 32);
	assert_int_equal(ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	/* a callback error stops consumption after that record */
	assert_int_equal(ringbuf_output(m, "abc", 3, 0), 0);
	assert_int_equal(ringbuf_output(m, "def", 3, 0), 0);
	assert_int_equal(ringbuf_consume(c, collect, &got), 2);
	assert_null(ringbuf_reserve(m, 4096, 0));
	assert_null(ringbuf_reserve(m, (uint64_t)1 << 32, 0));
	ringbuf_consumer_free(c);
	bpf_map_detach(m);
	errno = 0;
	struct bpf_map *lpm = NULL;
	assert_null(ringbuf_consumer_new(lpm));
	assert_int_equal(errno, EINVAL);
}

/* The ring holds size - 8 bytes of records at most (full at size - 1 outstanding), and a
 * busy record keeps the consumer, and so the space after it, where it is. */
static void test_capacity(void **state)
{
	struct bpf_map *m = mk(4096, NULL);
	struct ringbuf_consumer *c = ringbuf_consumer_new(m);
	void *r[600];
	int n = 0;
	while ((r[n] = ringbuf_reserve(m, 0, 0)))
		n++;
	assert_int_equal(n, 511); /* 4096 / 8 - 1 */
	for (int i = 1; i < n; i++)
		ringbuf_submit(m, r[i], 0);
	struct collected got = {0};
	assert_int_equal(ringbuf_consume(c, collect, &got), 0); /* r[0] is busy */
	ringbuf_submit(m, r[0], 0);
	assert_int_equal(ringbuf_consume(c, collect, &got), 511);
	void *a = ringbuf_reserve(m, 2000, 0), *b = ringbuf_reserve(m, 2000, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(ringbuf_reserve(m, 72, 0)); /* 2 * 2008 + 80 = 4096 > 4095 */
	void *d = ringbuf_reserve(m, 64, 0);
	assert_non_null(d);
	ringbuf_submit(m, b, 0);
	assert_int_equal(ringbuf_consume(c, collect, &got), 0);
	ringbuf_discard(m, a, 0);
	assert_int_equal(ringbuf_consume(c, collect, &got), 1); /* b; d is still busy */
	ringbuf_submit(m, d, 0);
	assert_int_equal(ringbuf_consume(c, collect, &got), 1);
	ringbuf_consumer_free(c);
	bpf_map_detach(m);
}

/* Sum of the payload bytes the external reader sees in [cons, prod), read straight
 * through the end of the first copy into the second (the mirror). */
static uint64_t ext_sum(struct ext_reader *x, int *wrapped)
{
	uint64_t cons = __atomic_load_n(x->cons, __ATOMIC_ACQUIRE), prod = ext_prod(x), sum = 0;
	const uint8_t *data = x->prod_map + PAGE;
	while (cons < prod) {
		uint64_t off = cons & (x->size - 1);
		uint32_t len;
		memcpy(&len, data + off, 4);
		assert_false(len & BPF_RINGBUF_BUSY_BIT);
		for (uint32_t j = 0; j < len; j++)
			sum += data[off + 8 + j];
		*wrapped += off + 8 + len > x->size;
		cons += (len + 15) & ~7u;
	}
	return sum;
}

/* Records that wrap past the end read correctly through our consumer and through the
 * external reader (which sees the mirror as the second copy). */
static void test_wrap_both_readers(void **state)
{
	int fd;
	struct bpf_map *m = mk(8192, &fd);
	struct ringbuf_consumer *c = ringbuf_consumer_new(m);
	struct ext_reader x;
	ext_open(&x, fd, 8192);
	uint8_t buf[3000];
	uint64_t want = 0, ext = 0;
	int wrapped = 0;
	struct collected got = {0};
	for (int i = 0; i < 300; i++) {
		uint32_t sz = 1 + (uint32_t)(i * 397) % 2999;
		for (uint32_t j = 0; j < sz; j++)
			want += buf[j] = (uint8_t)(i + j * 7);
		if (ringbuf_output(m, buf, sz, 0) == -EAGAIN) {
			/* full: the external reader reads what is there, then our consumer does */
			ext += ext_sum(&x, &wrapped);
			assert_true(ringbuf_consume(c, collect, &got) > 0);
			assert_int_equal(ringbuf_output(m, buf, sz, 0), 0);
		}
	}
	ext += ext_sum(&x, &wrapped);
	ringbuf_consume(c, collect, &got);
	assert_int_equal(got.n, 300);
	assert_true(wrapped > 10);
	assert_int_equal(got.sum, want);
	assert_int_equal(ext, want);
	ext_close(&x);
	ringbuf_consumer_free(c);
	bpf_map_detach(m);
	close(fd);
}

/* A child process attaches the ring by fd and produces; the parent waits (futex) and on
 * the eventfd through epoll, and consumes every record in order. */
static void test_fork_producer(void **state)
{
	int fd;
	struct bpf_map *m = mk(16384, &fd);
	struct ringbuf_consumer *c = ringbuf_consumer_new(m);
	int efd = ringbuf_consumer_fd(c);
	assert_true(efd >= 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev), 0);
	enum { N = 3000 };
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct bpf_map *pm = NULL;
		if (bpf_map_attach_fd(fd, &pm))
			_exit(1);
		for (uint32_t i = 0; i < N; i++) {
			uint32_t rec[40];
			uint32_t words = 1 + i % 40;
			for (uint32_t j = 0; j < words; j++)
				rec[j] = i;
			while (ringbuf_output(pm, rec, words * 4, 0) == -EAGAIN)
				usleep(100);
		}
		_exit(0);
	}
	struct collected *got = calloc(1, sizeof *got);
	int rounds = 0;
	while (got->n < N && rounds < 100000) {
		rounds++;
		if (rounds % 2) {
			struct epoll_event out;
			epoll_wait(ep, &out, 1, 1000);
		} else {
			ringbuf_consumer_wait(c, 1000);
		}
		ringbuf_consume(c, collect, got);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(got->n, N);
	for (uint32_t i = 0; i < N; i++) {
		assert_int_equal(got->lens[i], 4 * (1 + i % 40));
		assert_int_equal(got->first[i], i);
	}
	printf("fork producer: %d records in %d wakeups\n", got->n, rounds);
	free(got);
	close(ep);
	ringbuf_consumer_free(c);
	bpf_map_detach(m);
	close(fd);
}

struct prod_arg {
	struct bpf_map *m;
	uint32_t id;
};

static void *producer_thread(void *p)
{
	struct prod_arg *a = p;
	for (uint32_t i = 0; i < 2000; i++) {
		uint32_t *rec;
		while (!(rec = ringbuf_reserve(a->m, 8 + (i % 5) * 4, 0)))
			sched_yield();
		rec[0] = a->id;
		rec[1] = i;
		if (i % 10 == 9)
			ringbuf_discard(a->m, rec, 0);
		else
			ringbuf_submit(a->m, rec, i % 3 ? 0 : BPF_RB_FORCE_WAKEUP);
	}
	return NULL;
}

struct order {
	uint32_t next[4];
	int bad, n;
};

static int check_order(void *ctx, void *data, size_t len)
{
	struct order *o = ctx;
	uint32_t *rec = data;
	if (rec[0] >= 4 || rec[1] < o->next[rec[0]] || len != 8 + (rec[1] % 5) * 4)
		o->bad++;
	else
		o->next[rec[0]] = rec[1] + 1;
	o->n++;
	return 0;
}

/* Four producer threads and a consumer polling the eventfd: per-producer order kept,
 * discarded records skipped. */
static void test_threads(void **state)
{
	struct bpf_map *m = mk(4096, NULL);
	struct ringbuf_consumer *c = ringbuf_consumer_new(m);
	struct pollfd pfd = {.fd = ringbuf_consumer_fd(c), .events = POLLIN};
	pthread_t th[4];
	struct prod_arg args[4];
	for (uint32_t i = 0; i < 4; i++) {
		args[i] = (struct prod_arg){m, i};
		pthread_create(&th[i], NULL, producer_thread, &args[i]);
	}
	struct order o = {{0}, 0, 0};
	while (o.n < 4 * 1800) {
		poll(&pfd, 1, 100);
		assert_true(ringbuf_consume(c, check_order, &o) >= 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(ringbuf_consume(c, check_order, &o), 0);
	assert_int_equal(o.bad, 0);
	assert_int_equal(o.n, 4 * 1800);
	ringbuf_consumer_free(c);
	bpf_map_detach(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_reserve_submit_discard),
	        cmocka_unit_test(test_capacity),
	        cmocka_unit_test(test_wrap_both_readers),
	        cmocka_unit_test(test_fork_producer),
	        cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
