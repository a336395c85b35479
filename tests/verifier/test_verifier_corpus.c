/* test_verifier_corpus — userbpf's BPF_PROG_LOAD against the kernel's recorded answers.
 *
 *   test_verifier_corpus [-v] [--write-xfail] [--no-kernel] [NAME ...]
 *
 * Every case of tests/verifier/cases is loaded through userbpf_sys_bpf (maps and BTF through
 * it too) and compared with the recording in tests/verifier/expected: the verdict (accepted
 * or rejected), and the error (errno plus the error line, or the whole log for log_full
 * cases). It prints the agreement per group and in total and fails on any disagreement
 * that tests/verifier/xfail.txt does not list. Entries of xfail.txt that agree now are
 * reported as fixed, to be removed; --write-xfail rewrites the list to exactly the current
 * disagreements (and says which are new, i.e. regressions).
 *
 * When the host kernel's bpf() works, each case is also loaded there: a verdict that
 * differs from the recording fails the test (the recording is stale: re-record), other
 * differences (error text, processed count) are reported as drift only.
 *
 * The userbpf loads run in a worker process (harness.h: cxh_worker), so a verifier that
 * hangs (USERBPF_CORPUS_TIMEOUT, default 30 s) or crashes on one case is that case's
 * disagreement ("timeout" / "crash") and the measurement goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

struct group_stats {
	char name[CX_NAME_LEN];
	int total, verdict, error, rejected, rejected_error, processed;
};

struct run {
	bool verbose, write_xfail, use_kernel;
	struct cx_corpus c;
	struct cxh_xfail xf;
	struct cxh_worker worker;
	struct group_stats groups[64];
	int nr_groups;
	int unexpected, fixed, drift_flip, drift_other, unrecorded;
	/* the new xfail list */
	char **nx_names, **nx_reasons;
	int nx;
	double slowest_ms[3];
	const char *slowest[3];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct group_stats *group_of(struct run *r, const char *name)
{
	for (int i = 0; i < r->nr_groups; i++)
		if (!strcmp(r->groups[i].name, name))
			return &r->groups[i];
	if (r->nr_groups == (int)(sizeof r->groups / sizeof r->groups[0]))
		return &r->groups[r->nr_groups - 1];
	struct group_stats *g = &r->groups[r->nr_groups++];
	memset(g, 0, sizeof *g);
	snprintf(g->name, sizeof g->name, "%s", name);
	return g;
}

/* A short, single-line description of what differs. */
static void describe(const struct cx_result *want, const struct cx_result *got, bool log_diff,
                     char *buf, size_t len)
{
	char ws[CX_LINE_LEN + 16], gs[CX_LINE_LEN + 16];
	cx_result_str(want, ws, sizeof ws);
	cx_result_str(got, gs, sizeof gs);
	const char *what = want->ok != got->ok ? "verdict" : log_diff ? "log" : "error";
	snprintf(buf, len, "%s: kernel %.110s | userbpf %.110s", what, ws, gs);
}

static void add_new_xfail(struct run *r, const char *name, const char *reason)
{
	r->nx_names = realloc(r->nx_names, (size_t)(r->nx + 1) * sizeof *r->nx_names);
	r->nx_reasons = realloc(r->nx_reasons, (size_t)(r->nx + 1) * sizeof *r->nx_reasons);
	if (!r->nx_names || !r->nx_reasons || !(r->nx_names[r->nx] = strdup(name)) ||
	    !(r->nx_reasons[r->nx] = strdup(reason)))
		abort();
	r->nx++;
}

static void note_slow(struct run *r, const char *name, double ms)
{
	for (int i = 0; i < 3; i++)
		if (!r->slowest[i] || ms > r->slowest_ms[i]) {
			for (int j = 2; j > i; j--) {
				r->slowest[j] = r->slowest[j - 1];
				r->slowest_ms[j] = r->slowest_ms[j - 1];
			}
			r->slowest[i] = name;
			r->slowest_ms[i] = ms;
			return;
		}
}

/* The live kernel still answers what was recorded? */
static void check_drift(struct run *r, const struct cx_case *k)
{
	struct cx_loaded l;
	struct cx_result kr;
	char why[256];
	int err = cx_load(&cx_kernel, k, &l, &kr, why, sizeof why);
	cx_unload(&cx_kernel, &l);
	if (err) {
		printf("DRIFT  %-36s kernel setup failed now: %s\n", k->name, why);
		r->drift_other++;
		return;
	}
	char ks[CX_LINE_LEN + 16], rs[CX_LINE_LEN + 16];
	cx_result_str(&kr, ks, sizeof ks);
	cx_result_str(&k->expect, rs, sizeof rs);
	if (kr.ok != k->expect.ok) {
		printf("FAIL   %-36s the kernel's verdict changed: recorded %s, now %s "
		       "(re-record)\n",
		       k->name, rs, ks);
		r->drift_flip++;
	} else if (strcmp(ks, rs) || kr.processed != k->expect.processed) {
		if (r->verbose || r->drift_other < 10)
			printf("drift  %-36s recorded %s [%d], now %s [%d]\n", k->name, rs,
			       k->expect.processed, ks, kr.processed);
		r->drift_other++;
	}
	cx_result_free(&kr);
}

/* What a child sends back about one userbpf load. */
struct wire {
	int setup_err;
	bool ok;
	int err, processed;
	uint64_t load_ns;
	char line[CX_LINE_LEN], why[256];
	uint32_t log_len; /* followed by the log's bytes */
};

/* In the worker: load case idx through userbpf and report. */
static void load_child(void *arg, int idx, FILE *out)
{
	const struct run *r = arg;
	const struct cx_case *k = &r->c.cases[idx];
	struct cx_loaded l;
	struct cx_result got;
	struct wire w;
	memset(&w, 0, sizeof w);
	w.setup_err = cx_load(&cx_userbpf, k, &l, &got, w.why, sizeof w.why);
	w.load_ns = l.load_ns;
	cx_unload(&cx_userbpf, &l);
	w.ok = got.ok;
	w.err = got.err;
	w.processed = got.processed;
	memcpy(w.line, got.line, sizeof w.line);
	w.log_len = got.log ? (uint32_t)strlen(got.log) : 0;
	fwrite(&w, sizeof w, 1, out);
	if (got.log)
		fwrite(got.log, 1, w.log_len, out);
	cx_result_free(&got);
}

/* One userbpf load in the worker: a hang or a crash is this case's result. */
static int load_isolated(struct run *r, int idx, struct cx_result *got, char *why, size_t len,
                         double *ms)
{
	char *buf;
	size_t n;
	int err = cxh_worker_run(&r->worker, idx, &buf, &n);
	memset(got, 0, sizeof *got);
	got->processed = -1;
	*ms = 0;
	struct wire w;
	if (!err && n < sizeof w)
		err = -ECHILD;
	if (err) {
		snprintf(why, len, "%s",
		         err == -ETIMEDOUT ? "timeout: BPF_PROG_LOAD did not finish in time (hang?)"
		                           : "crash: the process loading it died (see stderr)");
		free(buf);
		return err;
	}
	memcpy(&w, buf, sizeof w);
	got->ok = w.ok;
	got->err = w.err;
	got->processed = w.processed;
	memcpy(got->line, w.line, sizeof got->line);
	got->line[sizeof got->line - 1] = 0;
	if (w.log_len && n >= sizeof w + w.log_len) {
		got->log = malloc(w.log_len + 1);
		if (!got->log)
			abort();
		memcpy(got->log, buf + sizeof w, w.log_len);
		got->log[w.log_len] = 0;
	}
	*ms = (double)w.load_ns / 1e6;
	snprintf(why, len, "%s", w.why);
	free(buf);
	return w.setup_err;
}

static void run_case(struct run *r, int idx)
{
	const struct cx_case *k = &r->c.cases[idx];
	struct group_stats *g = group_of(r, k->group);
	int xi = cxh_xfail_find(&r->xf, k->name);
	if (!k->recorded) {
		printf("FAIL   %-36s no recording (run tests/verifier/record.sh)\n", k->name);
		r->unrecorded++;
		return;
	}
	struct cx_result got;
	char why[256];
	double ms;
	int err = load_isolated(r, idx, &got, why, sizeof why, &ms);
	note_slow(r, k->name, ms);

	g->total++;
	bool rejected = !k->expect.ok;
	g->rejected += rejected;
	bool vok = !err && got.ok == k->expect.ok;
	bool log_diff =
	        k->log_full && (!got.log || !k->expect.log || strcmp(got.log, k->expect.log));
	bool eok =
	        vok && got.err == k->expect.err && !strcmp(got.line, k->expect.line) && !log_diff;
	g->verdict += vok;
	g->error += eok;
	g->rejected_error += eok && rejected;
	g->processed += !err && got.processed == k->expect.processed;

	char diff[400];
	if (err == -ETIMEDOUT || err == -ECHILD)
		snprintf(diff, sizeof diff, "%s", why);
	else if (err)
		snprintf(diff, sizeof diff, "setup: userbpf %s", why);
	else
		describe(&k->expect, &got, log_diff, diff, sizeof diff);
	cx_result_free(&got);

	if (!eok) {
		add_new_xfail(r, k->name, diff);
		if (xi < 0) {
			printf("FAIL   %-36s %s (%s:%d)\n", k->name, diff, k->file, k->line);
			r->unexpected++;
		} else {
			r->xf.used[xi] = true;
			if (r->verbose)
				printf("xfail  %-36s %s\n", k->name, diff);
		}
	} else if (xi >= 0) {
		printf("FIXED  %-36s agrees now: remove it from xfail.txt\n", k->name);
		r->xf.used[xi] = true;
		r->fixed++;
	}
	if (r->use_kernel)
		check_drift(r, k);
}

static double pct(int a, int b)
{
	return b ? 100.0 * a / b : 100.0;
}

static void summary(struct run *r, double ms)
{
	struct group_stats t = {.name = "total"};
	printf("\nverifier corpus: userbpf BPF_PROG_LOAD vs Linux %s (recorded)\n",
	       r->c.kernel[0] ? r->c.kernel : "?");
	printf("%-14s %6s %9s %9s %10s %10s\n", "group", "cases", "verdict", "error", "rejected",
	       "rej.error");
	for (int i = 0; i <= r->nr_groups; i++) {
		struct group_stats *g = i < r->nr_groups ? &r->groups[i] : &t;
		if (i == r->nr_groups)
			printf("%.62s\n",
			       "--------------------------------------------------------------");
		printf("%-14s %6d %8.1f%% %8.1f%% %10d %9.1f%%\n", g->name, g->total,
		       pct(g->verdict, g->total), pct(g->error, g->total), g->rejected,
		       pct(g->rejected_error, g->rejected));
		if (i < r->nr_groups) {
			t.total += g->total;
			t.verdict += g->verdict;
			t.error += g->error;
			t.rejected += g->rejected;
			t.rejected_error += g->rejected_error;
			t.processed += g->processed;
		}
	}
	printf("verdict agreement %.1f%%, error agreement %.1f%% (%.1f%% of the kernel's "
	       "rejections), processed-insns count agreement %.1f%% (informational)\n",
	       pct(t.verdict, t.total), pct(t.error, t.total), pct(t.rejected_error, t.rejected),
	       pct(t.processed, t.total));
	int stale = 0;
	for (int i = 0; i < r->xf.n; i++)
		if (!r->xf.used[i]) {
			printf("STALE  %-36s listed in xfail.txt but not in the corpus\n",
			       r->xf.names[i]);
			stale++;
		}
	printf("xfail.txt: %d entries, %d fixed (remove them), %d stale; %d unexpected "
	       "disagreements; %d unrecorded\n",
	       r->xf.n, r->fixed, stale, r->unexpected, r->unrecorded);
	if (r->use_kernel)
		printf("live kernel: %d verdict changes (failures), %d other drifts\n",
		       r->drift_flip, r->drift_other);
	else
		printf("live kernel: not available, recordings only (SKIPPED the drift check)\n");
	printf("slowest userbpf loads:");
	for (int i = 0; i < 3 && r->slowest[i]; i++)
		printf(" %s %.1f ms;", r->slowest[i], r->slowest_ms[i]);
	printf(" whole run %.1f s\n", ms / 1e3);
}

static int write_xfail(struct run *r, const char *path)
{
	for (int i = 0; i < r->nx; i++)
		if (cxh_xfail_find(&r->xf, r->nx_names[i]) < 0)
			printf("new xfail entry (a regression if it agreed before): %s\n",
			       r->nx_names[i]);
	static const char header[] =
	        "# Corpus cases where userbpf's BPF_PROG_LOAD does not (yet) answer what the "
	        "kernel\n"
	        "# answered (tests/verifier/expected). One line per case: NAME then what differs.\n"
	        "# Generated by: test_verifier_corpus --write-xfail. The list may only shrink:\n"
	        "# test_verifier_corpus fails on a disagreement missing here and reports entries\n"
	        "# that agree now.\n";
	int err = cxh_xfail_write(path, header, r->nx_names, r->nx_reasons, r->nx);
	printf("wrote %s: %d entries\n", path, r->nx);
	return err;
}

int main(int argc, char **argv)
{
	struct run r = {0};
	int first = 1;
	r.use_kernel = true;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "-v"))
			r.verbose = true;
		else if (!strcmp(argv[first], "--write-xfail"))
			r.write_xfail = true;
		else if (!strcmp(argv[first], "--no-kernel"))
			r.use_kernel = false;
		else {
			fprintf(stderr, "usage: %s [-v] [--write-xfail] [--no-kernel] [NAME ...]\n",
			        argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *dir = cx_default_dir();
	char xpath[4096];
	snprintf(xpath, sizeof xpath, "%s/xfail.txt", dir);
	if (cx_corpus_load(dir, &r.c) || cxh_xfail_load(xpath, &r.xf) || cxh_private_root())
		return 1;
	r.use_kernel = r.use_kernel && cxh_kernel_available();
	cxh_worker_init(&r.worker, load_child, &r);
	double t0 = now_ms();
	for (int i = 0; i < r.c.nr_cases; i++) {
		bool pick = first >= argc;
		for (int a = first; a < argc; a++)
			pick |= !strcmp(argv[a], r.c.cases[i].name) ||
			        !strcmp(argv[a], r.c.cases[i].group);
		if (pick)
			run_case(&r, i);
		else if (cxh_xfail_find(&r.xf, r.c.cases[i].name) >= 0)
			r.xf.used[cxh_xfail_find(&r.xf, r.c.cases[i].name)] = true;
	}
	cxh_worker_stop(&r.worker);
	summary(&r, now_ms() - t0);
	int rc = r.unexpected || r.unrecorded || r.drift_flip ? 1 : 0;
	if (r.write_xfail) {
		if (first < argc)
			printf("--write-xfail needs the whole corpus (no names): nothing "
			       "written\n");
		else if (write_xfail(&r, xpath))
			rc = 1;
		else
			rc = r.unrecorded || r.drift_flip ? 1 : 0;
	}
	for (int i = 0; i < r.nx; i++) {
		free(r.nx_names[i]);
		free(r.nx_reasons[i]);
	}
	free(r.nx_names);
	free(r.nx_reasons);
	cxh_xfail_free(&r.xf);
	cx_corpus_free(&r.c);
	return rc;
}
