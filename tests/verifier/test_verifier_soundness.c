/* test_verifier_soundness — programs both verifiers accept must run without a guard trip.
 *
 *   test_verifier_soundness [-v] [--write-xfail] [--no-kernel] [--rounds N] [NAME ...]
 *
 * Every corpus case the kernel accepted (per the recording) and userbpf accepts too is run
 * with BPF_PROG_TEST_RUN through userbpf_sys_bpf, with USERBPF_GUARDED=1 so the runtime uses
 * the guarded engine: a guard trip in a verified program means the verifier let an unsafe
 * access through, and it surfaces as a TEST_RUN error (EFAULT, E2BIG, ...). Inputs vary per
 * round: packets of several sizes, random or shaped like Ethernet/IPv4/TCP/UDP, and random
 * contents in the case's hash and array maps. Only program types BPF_PROG_TEST_RUN serves
 * take part (socket_filter, sched_cls, sched_act, xdp, cgroup_skb, raw_tracepoint).
 *
 * When the host kernel works, it runs the same input first: an input it refuses (EINVAL) is
 * not held against userbpf, and return values are compared for information. An error from
 * userbpf that is EINVAL/ENOTSUPP where the kernel ran is counted as "not supported here"
 * (missing program-type support), not as a trip. Trips fail the test unless the case is in
 * tests/verifier/xfail_soundness.txt; --write-xfail rewrites that list. Each case runs in
 * a worker process (harness.h: cxh_worker): a hang or crash is that case's trip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define ENOTSUPP_KERNEL 524 /* the kernel's internal ENOTSUPP, as bpf() returns it */
#define MAX_PKT 1514
#define DEFAULT_ROUNDS 8

static const uint32_t pkt_sizes[] = {14, 15, 34, 42, 54, 60, 64, 128, 512, MAX_PKT};

struct stats {
	int cases, runs, trips, xfail_trips, fixed, unsupported, kernel_refused, retval_same,
	        retval_cmp, not_accepted;
};

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64: reproducible across runs and machines */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool runnable(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return true;
	default:
		return false;
	}
}

/* A packet: random bytes, half the time shaped as Ethernet + IPv4 + TCP or UDP. */
static uint32_t make_packet(struct rng *r, int round, uint8_t *pkt)
{
	uint32_t len = pkt_sizes[(round + rnd(r)) % (sizeof pkt_sizes / sizeof pkt_sizes[0])];
	for (uint32_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)rnd(r);
	if (round % 2 == 0 && len >= 34) {
		pkt[12] = 0x08; /* IPv4 */
		pkt[13] = 0x00;
		pkt[14] = (uint8_t)(0x40 | (round % 4 == 0 ? 5 : 5 + rnd(r) % 11)); /* ihl 5..15 */
		pkt[23] = round % 4 == 0 ? 6 : 17;
	}
	return len;
}

/* Random contents for the maps a syscall may fill; errors (frozen, read-only) are ignored. */
static void fill_maps(const struct cx_backend *b, const struct cx_case *k,
                      const struct cx_loaded *l, uint64_t seed)
{
	for (int i = 0; i < k->nr_maps && i < l->nr_maps; i++) {
		const struct cx_map *m = &k->maps[i];
		bool keyed = m->type == BPF_MAP_TYPE_HASH || m->type == BPF_MAP_TYPE_ARRAY ||
		             m->type == BPF_MAP_TYPE_LRU_HASH;
		bool pushed = m->type == BPF_MAP_TYPE_QUEUE || m->type == BPF_MAP_TYPE_STACK;
		if ((!keyed && !pushed) || m->value_size > 4096 || m->key_size > 64 ||
		    m->lock_off >= 0)
			continue;
		struct rng r = {seed + (uint64_t)i};
		uint8_t key[64], val[4096];
		uint32_t n = m->max_entries < 4 ? m->max_entries : 4;
		for (uint32_t e = 0; e < n; e++) {
			memset(key, 0, sizeof key);
			if (m->key_size >= 4)
				memcpy(key, &e, 4); /* small keys, so lookups of 0.. hit */
			for (uint32_t v = 0; v < m->value_size; v++)
				val[v] = (uint8_t)rnd(&r);
			union bpf_attr a;
			memset(&a, 0, sizeof a);
			a.map_fd = (uint32_t)l->map_fds[i];
			a.key = pushed ? 0 : (uint64_t)(uintptr_t)key;
			a.value = (uint64_t)(uintptr_t)val;
			b->bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof a);
		}
	}
}

/* One BPF_PROG_TEST_RUN. Returns 0 and *retval, or the positive errno. */
static int test_run(const struct cx_backend *b, const struct cx_case *k, int fd, uint8_t *pkt,
                    uint32_t len, uint64_t *args, uint32_t *retval)
{
	static uint8_t out[MAX_PKT + 512];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.repeat = 1;
	if (k->prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT) {
		a.test.ctx_in = (uint64_t)(uintptr_t)args;
		a.test.ctx_size_in = 12 * sizeof(uint64_t);
	} else {
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = len;
		a.test.data_out = (uint64_t)(uintptr_t)out;
		a.test.data_size_out = sizeof out;
	}
	if (b->bpf(BPF_PROG_TEST_RUN, &a, sizeof a) < 0)
		return errno;
	*retval = a.test.retval;
	return 0;
}

struct run {
	bool verbose, write_xfail, use_kernel;
	int rounds;
	struct cxh_xfail xf;
	struct stats st;
	struct cx_corpus *c;
	struct cxh_worker worker;
	char **nx_names, **nx_reasons;
	int nx;
};

static void add_trip(struct run *r, const char *name, const char *why)
{
	r->nx_names = realloc(r->nx_names, (size_t)(r->nx + 1) * sizeof *r->nx_names);
	r->nx_reasons = realloc(r->nx_reasons, (size_t)(r->nx + 1) * sizeof *r->nx_reasons);
	if (!r->nx_names || !r->nx_reasons || !(r->nx_names[r->nx] = strdup(name)) ||
	    !(r->nx_reasons[r->nx] = strdup(why)))
		abort();
	r->nx++;
}

/* One case's outcome, computed in a child process and sent back whole. */
struct outcome {
	struct stats st; /* this case's counts */
	char trip[256];  /* empty: no trip */
};

/* In the worker: load case idx on both sides, run the rounds, report. */
static void case_child(void *arg, int idx, FILE *out)
{
	const struct run *r = arg;
	const struct cx_case *k = &r->c->cases[idx];
	struct outcome o;
	memset(&o, 0, sizeof o);
	struct cx_loaded ul, kl = {.prog_fd = -1, .btf_fd = -1};
	struct cx_result ures, kres = {0};
	char why[256];
	int err = cx_load(&cx_userbpf, k, &ul, &ures, why, sizeof why);
	cx_result_free(&ures);
	if (err || !ures.ok) {
		o.st.not_accepted++;
		goto done;
	}
	bool have_kernel =
	        r->use_kernel && !cx_load(&cx_kernel, k, &kl, &kres, why, sizeof why) && kres.ok;
	cx_result_free(&kres);
	o.st.cases++;
	struct rng rg = {0x5eed0000u + (uint64_t)k->line};
	for (int round = 0; round < r->rounds && !o.trip[0]; round++) {
		static uint8_t pkt[MAX_PKT];
		uint64_t args[12];
		uint32_t len = make_packet(&rg, round, pkt);
		for (int i = 0; i < 12; i++)
			args[i] = rnd(&rg);
		uint64_t seed = rnd(&rg);
		uint32_t kret = 0, uret = 0;
		if (have_kernel) {
			fill_maps(&cx_kernel, k, &kl, seed);
			if (test_run(&cx_kernel, k, kl.prog_fd, pkt, len, args, &kret)) {
				o.st.kernel_refused++;
				continue; /* not an input this program type takes */
			}
		}
		fill_maps(&cx_userbpf, k, &ul, seed);
		int uerr = test_run(&cx_userbpf, k, ul.prog_fd, pkt, len, args, &uret);
		o.st.runs++;
		if (uerr == EINVAL || uerr == ENOTSUPP_KERNEL || uerr == EOPNOTSUPP) {
			o.st.unsupported++;
			if (r->verbose)
				printf("unsup  %-36s round %d (%u bytes): userbpf %s\n", k->name,
				       round, len, strerror(uerr));
			break;
		}
		if (uerr) {
			snprintf(o.trip, sizeof o.trip,
			         "guard trip: TEST_RUN %s on a %u-byte input (round %d)",
			         strerror(uerr), len, round);
			break;
		}
		if (have_kernel) {
			o.st.retval_cmp++;
			o.st.retval_same += kret == uret;
		}
	}
done:
	cx_unload(&cx_userbpf, &ul);
	cx_unload(&cx_kernel, &kl); /* closes nothing when the kernel was not asked */
	fwrite(&o, sizeof o, 1, out);
}

static void add_stats(struct stats *to, const struct stats *from)
{
	to->cases += from->cases;
	to->runs += from->runs;
	to->unsupported += from->unsupported;
	to->kernel_refused += from->kernel_refused;
	to->retval_same += from->retval_same;
	to->retval_cmp += from->retval_cmp;
	to->not_accepted += from->not_accepted;
}

static void run_case(struct run *r, int idx)
{
	const struct cx_case *k = &r->c->cases[idx];
	struct outcome o;
	char *buf;
	size_t n;
	int err = cxh_worker_run(&r->worker, idx, &buf, &n);
	memset(&o, 0, sizeof o);
	if (!err && n == sizeof o)
		memcpy(&o, buf, sizeof o);
	else
		snprintf(o.trip, sizeof o.trip, "%s",
		         err == -ETIMEDOUT ? "timeout: load or test run did not finish (hang?)"
		                           : "crash: the process running it died (see stderr)");
	free(buf);
	add_stats(&r->st, &o.st);
	int xi = cxh_xfail_find(&r->xf, k->name);
	if (o.trip[0]) {
		add_trip(r, k->name, o.trip);
		if (xi >= 0) {
			r->xf.used[xi] = true;
			r->st.xfail_trips++;
			if (r->verbose)
				printf("xfail  %-36s %s\n", k->name, o.trip);
		} else {
			printf("FAIL   %-36s %s (%s:%d)\n", k->name, o.trip, k->file, k->line);
			r->st.trips++;
		}
	} else if (xi >= 0 && !o.st.not_accepted) {
		r->xf.used[xi] = true;
		printf("FIXED  %-36s runs clean now: remove it from xfail_soundness.txt\n",
		       k->name);
		r->st.fixed++;
	} else if (xi >= 0) {
		r->xf.used[xi] = true; /* not accepted by userbpf now: nothing ran */
	}
}

int main(int argc, char **argv)
{
	struct run r = {.rounds = DEFAULT_ROUNDS, .use_kernel = true};
	int first = 1;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-v"))
			r.verbose = true;
		else if (!strcmp(argv[first], "--write-xfail"))
			r.write_xfail = true;
		else if (!strcmp(argv[first], "--no-kernel"))
			r.use_kernel = false;
		else if (!strcmp(argv[first], "--rounds") && first + 1 < argc)
			r.rounds = atoi(argv[++first]);
		else {
			fprintf(stderr,
			        "usage: %s [-v] [--write-xfail] [--no-kernel] [--rounds N] [NAME "
			        "...]\n",
			        argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setenv("USERBPF_GUARDED", "1", 1); /* before the first program is built */
	const char *dir = cx_default_dir();
	char xpath[4096];
	snprintf(xpath, sizeof xpath, "%s/xfail_soundness.txt", dir);
	struct cx_corpus c;
	if (cx_corpus_load(dir, &c) || cxh_xfail_load(xpath, &r.xf) || cxh_private_root())
		return 1;
	r.use_kernel = r.use_kernel && cxh_kernel_available();
	r.c = &c;
	cxh_worker_init(&r.worker, case_child, &r);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < c.nr_cases; i++) {
		const struct cx_case *k = &c.cases[i];
		bool pick = first >= argc;
		for (int a = first; a < argc; a++)
			pick |= !strcmp(argv[a], k->name) || !strcmp(argv[a], k->group);
		int xi = cxh_xfail_find(&r.xf, k->name);
		if (!pick || !k->recorded || !k->expect.ok || k->no_run ||
		    !runnable(k->prog_type)) {
			if (xi >= 0 && !pick)
				r.xf.used[xi] = true;
			continue;
		}
		run_case(&r, i);
	}
	cxh_worker_stop(&r.worker);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int stale = 0;
	for (int i = 0; i < r.xf.n; i++)
		if (!r.xf.used[i]) {
			printf("STALE  %-36s listed in xfail_soundness.txt but not run\n",
			       r.xf.names[i]);
			stale++;
		}
	printf("\nverifier soundness (USERBPF_GUARDED=1): %d cases accepted by both verifiers, "
	       "%d test runs of up to %d inputs each\n",
	       r.st.cases, r.st.runs, r.rounds);
	printf("guard trips: %d unexpected (failures), %d listed in xfail_soundness.txt "
	       "(%d entries, %d fixed, %d stale)\n",
	       r.st.trips, r.st.xfail_trips, r.xf.n, r.st.fixed, stale);
	printf("inputs userbpf does not run yet (EINVAL/ENOTSUPP): %d; inputs the kernel refused: "
	       "%d; accepted by the kernel only: %d\n",
	       r.st.unsupported, r.st.kernel_refused, r.st.not_accepted);
	if (r.use_kernel)
		printf("return values equal to the kernel's: %d of %d (informational: program "
		       "types without their context run on the generic one)\n",
		       r.st.retval_same, r.st.retval_cmp);
	else
		printf("live kernel: not available (no input filtering, no return-value "
		       "comparison)\n");
	printf("whole run %.1f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	int rc = r.st.trips ? 1 : 0;
	if (r.write_xfail) {
		if (first < argc) {
			printf("--write-xfail needs the whole corpus (no names): nothing "
			       "written\n");
		} else {
			static const char header[] =
			        "# Corpus cases both verifiers accept whose guarded test runs trip "
			        "in "
			        "userbpf.\n"
			        "# Generated by: test_verifier_soundness --write-xfail. Each entry "
			        "is a "
			        "verifier bug\n"
			        "# or a missing program-type context; the list may only shrink.\n";
			rc = cxh_xfail_write(xpath, header, r.nx_names, r.nx_reasons, r.nx) ? 1 : 0;
			printf("wrote %s: %d entries\n", xpath, r.nx);
		}
	}
	for (int i = 0; i < r.nx; i++) {
		free(r.nx_names[i]);
		free(r.nx_reasons[i]);
	}
	free(r.nx_names);
	free(r.nx_reasons);
	cxh_xfail_free(&r.xf);
	cx_corpus_free(&c);
	return rc;
}
