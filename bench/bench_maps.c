/* bench_maps — map element throughput: our two entry points against the host kernel's.
 *
 * For HASH, ARRAY, LRU_HASH and LPM_TRIE (8-byte keys {prefixlen 32, IPv4}, 4-byte indices
 * for the array; u64 values; --entries keys prefilled) it times lookup, update (of an
 * existing key, BPF_ANY) and delete (then refills, untimed; arrays cannot delete) along
 * four paths:
 *   sys       userbpf_sys_bpf(): what a bpf() caller of the library pays per element
 *   helper    map->ops, as our helpers call them: what a running program pays
 *   k-sys     the host's bpf(2): the system call we replace
 *   k-helper  the host running a socket filter that calls the helper n times in a bounded
 *             loop (BPF_PROG_TEST_RUN), minus the same loop without the call
 * and, after the table, our interpreter running those same k-helper programs (loaded and
 * run through userbpf_sys_bpf, so the verifier's inlined array lookup is in them): what a
 * program pays per call, next to k-helper.
 * The first three run in one thread and in two (each thread owns half the keys). A sample
 * lasts at least --sample seconds per thread; the table shows the median sample.
 *
 * Usage: bench_maps [--quick] [--json] [--no-kernel] [--entries N] [--map NAME]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <userbpf/sys.h>

#include "maps/map.h"
#include "object/object.h"

#include "bench_kernel.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_THREADS 2
#define MAX_SAMPLES 9

enum path { P_SYS, P_HELPER, P_KSYS, P_KHELPER, NR_PATHS };
enum op { OP_LOOKUP, OP_UPDATE, OP_DELETE, NR_OPS };

static const char *const path_names[NR_PATHS] = {"sys", "helper", "k-sys", "k-helper"};
static const char *const op_names[NR_OPS] = {"lookup", "update", "delete"};

struct bkey {
	uint32_t a; /* prefixlen (32), or the array index */
	uint32_t b; /* IPv4 address */
};

struct result {
	bool done;
	double ns;       /* per op, in one thread (mean of the threads) */
	double mops;     /* all threads together */
	const char *why; /* no figure, and why */
};

struct bmap {
	const char *name;
	uint32_t type, key_size, flags;
	uint32_t slack; /* max_entries = entries * slack */
	bool skip;      /* not selected by --map */
	int ufd;
	struct bpf_map *um;
	int kfd;
	char kwhy[160];
	struct result res[NR_OPS][NR_PATHS][MAX_THREADS];
	struct result interp[NR_OPS]; /* our interpreter running the k-helper programs */
};

static struct bmap maps[] = {
        {.name = "hash", .type = BPF_MAP_TYPE_HASH, .key_size = 8, .slack = 1},
        {.name = "array", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .slack = 1},
        /* room to spare: the kernel's LRU evicts before it is full (per-CPU free lists) */
        {.name = "lru_hash", .type = BPF_MAP_TYPE_LRU_HASH, .key_size = 8, .slack = 2},
        {.name = "lpm_trie",
         .type = BPF_MAP_TYPE_LPM_TRIE,
         .key_size = 8,
         .flags = BPF_F_NO_PREALLOC,
         .slack = 1},
};

struct bench_opts {
	double sample_sec;
	int samples;
	uint32_t entries;
	const char *only; /* --map: just this map */
	bool json;
	bool kernel;
};

static struct bkey *keys;
static struct bench_opts opts;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --- our syscall path: attr sized to its last field, as libbpf does --- */

#define ELEM_ATTR_SIZE (offsetof(union bpf_attr, flags) + sizeof(uint64_t))

static long us_elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, ELEM_ATTR_SIZE);
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.value = (uint64_t)(uintptr_t)value;
	attr.flags = flags;
	return userbpf_sys_bpf(cmd, &attr, ELEM_ATTR_SIZE);
}

/* Update through a path (the refill after a delete pass uses the path it measured). */
static int update_via(const struct bmap *m, enum path p, const void *key, const uint64_t *val)
{
	switch (p) {
	case P_SYS:
		return us_elem(BPF_MAP_UPDATE_ELEM, m->ufd, key, val, BPF_ANY) ? -1 : 0;
	case P_HELPER:
		if (m->um->ops->map_update_elem_prog)
			return m->um->ops->map_update_elem_prog(m->um, key, val, BPF_ANY) ? -1 : 0;
		return m->um->ops->map_update_elem(m->um, key, val, BPF_ANY) ? -1 : 0;
	default:
		return kbench_map_update(m->kfd, key, val, BPF_ANY) ? -1 : 0;
	}
}

/* --- the threaded runner for sys / helper / k-sys --- */

struct worker {
	const struct bmap *m;
	enum path path;
	enum op op;
	uint32_t lo, hi; /* this thread's keys */
	pthread_barrier_t *start;
	double ns_per_op;
	uint64_t errs;
};

/* One pass over [lo, hi): returns the ns spent in the timed loop. The switch sits outside
 * the loops so each loop is a straight run of one call. */
static double one_pass(struct worker *w)
{
	const struct bmap *m = w->m;
	struct bpf_map *um = m->um;
	uint64_t val = 0, errs = 0;
	double t0 = now_ns();

	switch (w->path * NR_OPS + w->op) {
	case P_SYS *NR_OPS + OP_LOOKUP:
		for (uint32_t i = w->lo; i < w->hi; i++)
			errs += us_elem(BPF_MAP_LOOKUP_ELEM, m->ufd, &keys[i], &val, 0) != 0;
		break;
	case P_SYS *NR_OPS + OP_UPDATE:
		for (uint32_t i = w->lo; i < w->hi; i++) {
			val = i;
			errs += us_elem(BPF_MAP_UPDATE_ELEM, m->ufd, &keys[i], &val, BPF_ANY) != 0;
		}
		break;
	case P_SYS *NR_OPS + OP_DELETE:
		for (uint32_t i = w->lo; i < w->hi; i++)
			errs += us_elem(BPF_MAP_DELETE_ELEM, m->ufd, &keys[i], NULL, 0) != 0;
		break;
	case P_HELPER *NR_OPS + OP_LOOKUP:
		for (uint32_t i = w->lo; i < w->hi; i++) {
			uint64_t *v = um->lookup(um, &keys[i]);

			if (v)
				val += *v;
			else
				errs++;
		}
		break;
	case P_HELPER *NR_OPS + OP_UPDATE:
		for (uint32_t i = w->lo; i < w->hi; i++) {
			val = i;
			errs += um->ops->map_update_elem_prog(um, &keys[i], &val, BPF_ANY) != 0;
		}
		break;
	case P_HELPER *NR_OPS + OP_DELETE:
		for (uint32_t i = w->lo; i < w->hi; i++)
			errs += um->ops->map_delete_elem(um, &keys[i]) != 0;
		break;
	case P_KSYS *NR_OPS + OP_LOOKUP:
		for (uint32_t i = w->lo; i < w->hi; i++)
			errs += kbench_map_lookup(m->kfd, &keys[i], &val) != 0;
		break;
	case P_KSYS *NR_OPS + OP_UPDATE:
		for (uint32_t i = w->lo; i < w->hi; i++) {
			val = i;
			errs += kbench_map_update(m->kfd, &keys[i], &val, BPF_ANY) != 0;
		}
		break;
	case P_KSYS *NR_OPS + OP_DELETE:
		for (uint32_t i = w->lo; i < w->hi; i++)
			errs += kbench_map_delete(m->kfd, &keys[i]) != 0;
		break;
	}
	double t = now_ns() - t0;
	if (w->op == OP_DELETE) {
		for (uint32_t i = w->lo; i < w->hi; i++) {
			val = i;
			errs += update_via(m, w->path, &keys[i], &val) != 0;
		}
	}
	w->errs += errs;
	return t;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double spent = 0;
	uint64_t ops = 0;

	pthread_barrier_wait(w->start);
	while (spent < opts.sample_sec * 1e9) {
		spent += one_pass(w);
		ops += w->hi - w->lo;
	}
	w->ns_per_op = spent / (double)ops;
	return NULL;
}

/* One case: samples of `threads` workers, each on its share of the keys. */
static void run_case(struct bmap *m, enum op op, enum path path, int threads)
{
	struct result *r = &m->res[op][path][threads - 1];
	double mops[MAX_SAMPLES], ns[MAX_SAMPLES];
	uint64_t errs = 0;

	for (int s = 0; s < opts.samples; s++) {
		struct worker w[MAX_THREADS];
		pthread_t tid[MAX_THREADS];
		pthread_barrier_t start;

		pthread_barrier_init(&start, NULL, (unsigned)threads);
		for (int t = 0; t < threads; t++) {
			w[t] = (struct worker){.m = m,
			                       .path = path,
			                       .op = op,
			                       .lo = opts.entries / threads * t,
			                       .hi = opts.entries / threads * (t + 1),
			                       .start = &start};
			pthread_create(&tid[t], NULL, worker_main, &w[t]);
		}
		mops[s] = ns[s] = 0;
		for (int t = 0; t < threads; t++) {
			pthread_join(tid[t], NULL);
			errs += w[t].errs;
			mops[s] += 1e3 / w[t].ns_per_op;
			ns[s] += w[t].ns_per_op / threads;
		}
		pthread_barrier_destroy(&start);
	}
	if (errs) {
		fprintf(stderr, "bench_maps: %s %s %s x%d: %llu failed operations\n", m->name,
		        op_names[op], path_names[path], threads, (unsigned long long)errs);
		r->why = "operations failed";
		return;
	}
	/* the median sample by throughput, and its ns */
	int idx[MAX_SAMPLES];
	for (int s = 0; s < opts.samples; s++)
		idx[s] = s;
	for (int i = 1; i < opts.samples; i++) /* insertion sort of indices by mops */
		for (int j = i; j > 0 && mops[idx[j]] < mops[idx[j - 1]]; j--) {
			int tmp = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = tmp;
		}
	int mid = idx[opts.samples / 2];
	r->done = true;
	r->mops = mops[mid];
	r->ns = ns[mid];
}

/* --- k-helper: ns per helper call inside a kernel program --- */

/* Median ns per run of a loaded program over the samples, repeat sized to sample_sec. */
static int kprog_time(int fd, double *ns)
{
	double t[MAX_SAMPLES];
	uint32_t per_run, retval, repeat;
	int err;

	if ((err = kbench_run(fd, 1, &per_run, &retval)))
		return err;
	double want = opts.sample_sec * 1e9 / (per_run ? per_run : 1);
	repeat = want < 1 ? 1 : want > 1e6 ? 1000000 : (uint32_t)want;
	for (int s = 0; s < opts.samples; s++) {
		if ((err = kbench_run(fd, repeat, &per_run, &retval)))
			return err;
		t[s] = per_run;
	}
	qsort(t, (size_t)opts.samples, sizeof(t[0]), cmp_double);
	*ns = t[opts.samples / 2];
	return 0;
}

static void run_khelper(struct bmap *m)
{
	static char why[COUNT(maps)][NR_OPS][160];
	enum kbench_prog_op kops[] = {[OP_LOOKUP] = KPROG_LOOKUP, [OP_UPDATE] = KPROG_UPDATE};
	bool arr = m->type == BPF_MAP_TYPE_ARRAY;
	char *w = why[m - maps][0];
	double base;
	int fd, err;

	/* the empty loop: key construction and argument set-up, no call */
	fd = kbench_map_prog_load(m->kfd, KPROG_NONE, arr, opts.entries, w, sizeof(why[0][0]));
	if (fd < 0) {
		for (int op = OP_LOOKUP; op <= OP_UPDATE; op++)
			m->res[op][P_KHELPER][0].why = w;
		return;
	}
	err = kprog_time(fd, &base);
	kbench_close(fd);
	if (err) {
		snprintf(w, sizeof(why[0][0]), "BPF_PROG_TEST_RUN: %s", strerror(-err));
		for (int op = OP_LOOKUP; op <= OP_UPDATE; op++)
			m->res[op][P_KHELPER][0].why = w;
		return;
	}
	for (int op = OP_LOOKUP; op <= OP_UPDATE; op++) {
		struct result *r = &m->res[op][P_KHELPER][0];
		char *wo = why[m - maps][op];
		double t;

		fd = kbench_map_prog_load(m->kfd, kops[op], arr, opts.entries, wo,
		                          sizeof(why[0][0]));
		if (fd < 0) {
			r->why = wo;
			continue;
		}
		err = kprog_time(fd, &t);
		kbench_close(fd);
		if (err) {
			snprintf(wo, sizeof(why[0][0]), "BPF_PROG_TEST_RUN: %s", strerror(-err));
			r->why = wo;
			continue;
		}
		r->done = true;
		r->ns = (t - base) / opts.entries;
		r->mops = r->ns > 0 ? 1e3 / r->ns : 0;
	}
}

/* --- our interpreter running the k-helper programs --- */

/* Median ns per run of one of our programs (TEST_RUN's duration), as kprog_time. */
static int uprog_time(int fd, double *ns)
{
	double t[MAX_SAMPLES];
	unsigned char pkt[64] = {0};
	uint32_t repeat = 1;
	for (int s = -1; s < opts.samples; s++) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uintptr_t)pkt;
		a.test.data_size_in = sizeof pkt;
		a.test.repeat = repeat;
		if (userbpf_sys_bpf(BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
			return -errno;
		if (s < 0) { /* the first run sizes repeat to sample_sec */
			double want =
			        opts.sample_sec * 1e9 / (a.test.duration ? a.test.duration : 1);
			repeat = want < 1 ? 1 : want > 1e6 ? 1000000 : (uint32_t)want;
			continue;
		}
		t[s] = a.test.duration;
	}
	qsort(t, (size_t)opts.samples, sizeof(t[0]), cmp_double);
	*ns = t[opts.samples / 2];
	return 0;
}

static int uprog_load(const struct bmap *m, enum kbench_prog_op op)
{
	uint64_t insns[KBENCH_PROG_MAX];
	size_t cnt = kbench_map_prog_insns(m->ufd, op, m->type == BPF_MAP_TYPE_ARRAY, opts.entries,
	                                   insns);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	int fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
	return fd < 0 ? -errno : fd;
}

static void run_interp(struct bmap *m)
{
	enum kbench_prog_op ops[] = {[OP_LOOKUP] = KPROG_LOOKUP, [OP_UPDATE] = KPROG_UPDATE};
	double base;
	int fd = uprog_load(m, KPROG_NONE), err = fd < 0 ? fd : uprog_time(fd, &base);
	if (fd >= 0)
		userbpf_close(fd);
	for (int op = OP_LOOKUP; op <= OP_UPDATE; op++) {
		struct result *r = &m->interp[op];
		double t;
		if (!err && (fd = uprog_load(m, ops[op])) < 0)
			err = fd;
		if (!err) {
			err = uprog_time(fd, &t);
			userbpf_close(fd);
		}
		if (err) {
			r->why = "load or TEST_RUN failed";
			return;
		}
		r->done = true;
		r->ns = (t - base) / opts.entries;
		r->mops = r->ns > 0 ? 1e3 / r->ns : 0;
	}
}

/* --- set-up --- */

static struct bpf_map *map_of_fd(int fd)
{
	struct obj_entry *e;
	int err;

	obj_lock_read();
	err = obj_fd_get(fd, OBJ_MAP, &e);
	obj_unlock();
	return err ? NULL : e->map;
}

static int setup_map(struct bmap *m)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = m->type;
	attr.key_size = m->key_size;
	attr.value_size = sizeof(uint64_t);
	attr.max_entries = opts.entries * m->slack;
	attr.map_flags = m->flags;
	m->ufd = (int)userbpf_sys_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
	if (m->ufd < 0) {
		fprintf(stderr, "bench_maps: %s: BPF_MAP_CREATE: %s\n", m->name, strerror(errno));
		return -1;
	}
	if (!(m->um = map_of_fd(m->ufd))) {
		fprintf(stderr, "bench_maps: %s: no map behind fd %d\n", m->name, m->ufd);
		return -1;
	}
	m->kfd = -1;
	if (opts.kernel)
		m->kfd = kbench_map_create(m->type, m->key_size, sizeof(uint64_t), attr.max_entries,
		                           m->flags, m->kwhy, sizeof(m->kwhy));
	else
		snprintf(m->kwhy, sizeof(m->kwhy), "disabled by --no-kernel");
	for (uint32_t i = 0; i < opts.entries; i++) {
		uint64_t v = i;

		if (update_via(m, P_SYS, &keys[i], &v) ||
		    (m->kfd >= 0 && update_via(m, P_KSYS, &keys[i], &v))) {
			fprintf(stderr, "bench_maps: %s: prefill failed at key %u\n", m->name, i);
			return -1;
		}
	}
	return 0;
}

static void bench_map(struct bmap *m)
{
	for (int op = 0; op < NR_OPS; op++) {
		if (op == OP_DELETE && m->type == BPF_MAP_TYPE_ARRAY) {
			for (int p = 0; p < NR_PATHS; p++)
				for (int t = 0; t < MAX_THREADS; t++)
					m->res[op][p][t].why = "n/a (arrays cannot delete)";
			continue;
		}
		for (int t = 1; t <= MAX_THREADS; t++) {
			run_case(m, op, P_SYS, t);
			run_case(m, op, P_HELPER, t);
			if (m->kfd >= 0)
				run_case(m, op, P_KSYS, t);
			else
				m->res[op][P_KSYS][t - 1].why = m->kwhy;
			m->res[op][P_KHELPER][t - 1].why = t > 1 ? "single thread only" : NULL;
		}
		if (op == OP_DELETE)
			m->res[op][P_KHELPER][0].why =
			        "not measured (a program's deletes empty the map)";
		else if (m->kfd < 0)
			m->res[op][P_KHELPER][0].why = m->kwhy;
	}
	if (m->kfd >= 0)
		run_khelper(m);
	run_interp(m);
}

/* --- output --- */

/* The comparison with the kernel for one of our rows: sys rows compare throughput with
 * k-sys at the same thread count, helper rows ns with k-helper (one thread). Returns false
 * when there is nothing to compare with. */
static bool ratio_of(const struct bmap *m, int op, int p, int t, double *ratio)
{
	const struct result *r = &m->res[op][p][t], *k;

	if (!r->done)
		return false;
	if (p == P_SYS) {
		k = &m->res[op][P_KSYS][t];
		if (!k->done)
			return false;
		*ratio = r->mops / k->mops;
		return true;
	}
	if (p == P_HELPER && t == 0) {
		k = &m->res[op][P_KHELPER][0];
		if (!k->done || k->ns <= 0)
			return false;
		*ratio = r->ns / k->ns;
		return true;
	}
	return false;
}

static void print_table(void)
{
	printf("bench_maps: %u entries, u64 values, %d samples of >= %.2f s per thread\n",
	       opts.entries, opts.samples, opts.sample_sec);
	printf("vs kernel: sys = our Mops/s / k-sys Mops/s (target >= 10x);"
	       " helper = our ns / k-helper ns (target <= 1.0x)\n\n");
	printf("%-9s %-7s %-9s %3s %9s %9s  %s\n", "map", "op", "path", "thr", "ns/op", "Mops/s",
	       "vs kernel");
	for (size_t i = 0; i < COUNT(maps); i++) {
		const struct bmap *m = &maps[i];

		if (m->skip)
			continue;
		for (int op = 0; op < NR_OPS; op++) {
			const struct result *r0 = &m->res[op][0][0];

			if (!r0->done && r0->why && !strncmp(r0->why, "n/a", 3)) { /* one row */
				printf("%-9s %-7s %-9s %3s %9s %9s  %s\n", m->name, op_names[op],
				       "all", "-", "-", "-", r0->why);
				continue;
			}
			for (int p = 0; p < NR_PATHS; p++) {
				for (int t = 0; t < MAX_THREADS; t++) {
					const struct result *r = &m->res[op][p][t];
					double ratio;

					if (p == P_KHELPER && t > 0)
						continue;
					printf("%-9s %-7s %-9s %3d", m->name, op_names[op],
					       path_names[p], t + 1);
					if (!r->done) {
						printf(" %9s %9s  %s\n", "-", "-",
						       r->why ? r->why : "unavailable");
						continue;
					}
					printf(" %9.1f %9.2f", r->ns, r->mops);
					if (ratio_of(m, op, p, t, &ratio)) {
						bool ok = p == P_SYS ? ratio >= 10 : ratio <= 1.0;
						printf("  %6.2fx %s", ratio, ok ? "ok" : "MISS");
					}
					printf("\n");
				}
			}
		}
	}
	printf("\nour interpreter running the k-helper programs (ns per call, one thread; "
	       "interp / k-helper, target <= 1.0x):\n");
	printf("%-9s %-7s %9s %9s %8s\n", "map", "op", "interp", "k-helper", "ratio");
	for (size_t i = 0; i < COUNT(maps); i++) {
		const struct bmap *m = &maps[i];
		for (int op = OP_LOOKUP; op <= OP_UPDATE && !m->skip; op++) {
			const struct result *r = &m->interp[op], *k = &m->res[op][P_KHELPER][0];
			printf("%-9s %-7s", m->name, op_names[op]);
			if (!r->done) {
				printf(" %9s  %s\n", "-", r->why ? r->why : "unavailable");
				continue;
			}
			printf(" %9.2f", r->ns);
			if (k->done && k->ns > 0)
				printf(" %9.2f %7.2fx\n", k->ns, r->ns / k->ns);
			else
				printf(" %9s\n", "-");
		}
	}
}

static void print_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void print_json(void)
{
	bool first = true;

	printf("{\"entries\": %u, \"samples\": %d, \"sample_sec\": %g, \"rows\": [", opts.entries,
	       opts.samples, opts.sample_sec);
	for (size_t i = 0; i < COUNT(maps); i++) {
		const struct bmap *m = &maps[i];

		if (m->skip)
			continue;
		for (int op = 0; op < NR_OPS; op++)
			for (int p = 0; p < NR_PATHS; p++)
				for (int t = 0; t < MAX_THREADS; t++) {
					const struct result *r = &m->res[op][p][t];
					double ratio;

					if (p == P_KHELPER && t > 0)
						continue;
					printf("%s\n  {\"map\": \"%s\", \"op\": \"%s\", \"path\": "
					       "\"%s\", \"threads\": %d, ",
					       first ? "" : ",", m->name, op_names[op],
					       path_names[p], t + 1);
					first = false;
					if (!r->done) {
						printf("\"ns_per_op\": null, \"error\": ");
						print_json_string(r->why ? r->why : "unavailable");
						printf("}");
						continue;
					}
					printf("\"ns_per_op\": %.2f, \"mops\": %.3f", r->ns,
					       r->mops);
					if (ratio_of(m, op, p, t, &ratio))
						printf(", \"vs_kernel\": %.3f", ratio);
					printf("}");
				}
	}
	printf("\n], \"interpreter\": [");
	bool first_interp = true;
	for (size_t i = 0; i < COUNT(maps); i++) {
		const struct bmap *m = &maps[i];
		for (int op = OP_LOOKUP; op <= OP_UPDATE && !m->skip; op++) {
			const struct result *r = &m->interp[op], *k = &m->res[op][P_KHELPER][0];
			if (!r->done)
				continue;
			printf("%s\n  {\"map\": \"%s\", \"op\": \"%s\", \"ns_per_call\": %.2f",
			       first_interp ? "" : ",", m->name, op_names[op], r->ns);
			if (k->done && k->ns > 0)
				printf(", \"vs_kernel\": %.3f", r->ns / k->ns);
			printf("}");
			first_interp = false;
		}
	}
	printf("\n]}\n");
}

static int parse_args(int argc, char **argv)
{
	opts = (struct bench_opts){
	        .sample_sec = 0.1, .samples = 3, .entries = 16384, .kernel = true};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			opts.sample_sec = 0.01;
		} else if (!strcmp(argv[i], "--json")) {
			opts.json = true;
		} else if (!strcmp(argv[i], "--no-kernel")) {
			opts.kernel = false;
		} else if (!strcmp(argv[i], "--map") && i + 1 < argc) {
			opts.only = argv[++i];
		} else if (!strcmp(argv[i], "--entries") && i + 1 < argc) {
			opts.entries = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr,
			        "usage: %s [--quick] [--json] [--no-kernel] [--entries N] [--map "
			        "NAME]\n",
			        argv[0]);
			return -1;
		}
	}
	/* a power of two (array keys are i * odd mod n); the kernel walks the k-helper loop */
	if (opts.entries < 1024 || opts.entries > 65536 || (opts.entries & (opts.entries - 1))) {
		fprintf(stderr, "bench_maps: --entries must be a power of two in [1024, 65536]\n");
		return -1;
	}
	return 0;
}

/* --- a private bpffs root, removed at exit --- */

static char root[] = "/dev/shm/bench_maps.XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void rm_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv)
{
	if (parse_args(argc, argv))
		return 2;
	if (!mkdtemp(root) || setenv("USERBPF_BPFFS", root, 1)) {
		perror("bench_maps: bpffs root");
		return 1;
	}
	atexit(rm_root);
	if (!(keys = calloc(opts.entries, sizeof(*keys))))
		return 1;
	for (uint32_t i = 0; i < opts.entries; i++)
		keys[i] = (struct bkey){.a = 32, .b = BKEY_IP(i)};
	for (size_t i = 0; i < COUNT(maps); i++) {
		struct bmap *m = &maps[i];

		if (opts.only && strcmp(opts.only, m->name)) {
			m->skip = true;
			continue;
		}
		/* arrays index with the first 4 bytes */
		if (m->type == BPF_MAP_TYPE_ARRAY)
			for (uint32_t k = 0; k < opts.entries; k++)
				keys[k].a = BKEY_IDX(k, opts.entries);
		if (setup_map(m))
			return 1;
		bench_map(m);
		for (uint32_t k = 0; k < opts.entries; k++)
			keys[k].a = 32;
		userbpf_close(m->ufd);
		if (m->kfd >= 0)
			kbench_close(m->kfd);
	}
	if (opts.json)
		print_json();
	else
		print_table();
	return 0;
}
