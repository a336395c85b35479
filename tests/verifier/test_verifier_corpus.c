/* test_verifier_corpus — userbpf's BPF_PROG_LOAD against the kernel's recorded answers.
 *
 *   test_verifier_corpus [-v] [--write-xfail] [--no-kernel] [--dump-logs DIR] [NAME|GROUP ...]
 *
 * Every case of tests/verifier/cases is loaded through userbpf_sys_bpf (maps and BTF through
 * it too) and compared with the recording in tests/verifier/expected: the verdict (accepted
 * or rejected), and the error (errno plus the error line, or the whole log for log_full
 * cases). It prints the agreement per group and in total and fails on any disagreement
 * that tests/verifier/xfail.txt does not list. Entries of xfail.txt that agree now are
 * reported as fixed, to be removed; --write-xfail rewrites the list to exactly the current
 * disagreements (and says which are new, i.e. regressions).
 *
 * Whole logs: every case with the default log setup is also compared byte for byte with the
 * kernel's whole logs at log_level 1 and 2 (expected/logs/GROUP.level{1,2}.log; the case's
 * own load serves for its own level, one more load for the other). A log that differs and
 * is not listed in xfail_logs.txt ("NAME:LEVEL reason") fails the test, with the same
 * FIXED/--write-xfail rules. --dump-logs DIR writes both sides of each differing log as
 * DIR/NAME.LEVEL.{kernel,userbpf} for diff(1).
 *
 * When the host kernel's bpf() works, each case is also loaded there: a verdict that
 * differs from the recording fails the test (the recording is stale: re-record), other
 * differences (error text, processed count, whole logs) are reported as drift only.
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

/* The whole-log comparison, per level. */
struct log_stats {
	int total, same, too_long, drift;
};

struct run {
	bool verbose, write_xfail, use_kernel;
	const char *dump_dir;
	struct cx_corpus c;
	struct cxh_xfail xf, xfl; /* xfail.txt, xfail_logs.txt */
	struct cxh_logs logs;
	struct log_stats ls[CXH_LOG_LEVELS];
	int log_unexpected, log_fixed, log_unrecorded;
	/* the new xfail_logs list */
	char **nl_names, **nl_reasons;
	int nl;
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

static void add_to_list(char ***names, char ***reasons, int *n, const char *name,
                        const char *reason)
{
	*names = realloc(*names, (size_t)(*n + 1) * sizeof **names);
	*reasons = realloc(*reasons, (size_t)(*n + 1) * sizeof **reasons);
	if (!*names || !*reasons || !((*names)[*n] = strdup(name)) ||
	    !((*reasons)[*n] = strdup(reason)))
		abort();
	(*n)++;
}

static void add_new_xfail(struct run *r, const char *name, const char *reason)
{
	add_to_list(&r->nx_names, &r->nx_reasons, &r->nx, name, reason);
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

/* Does the case's own load also give a whole log we compare? Then that load keeps its log. */
static bool own_load_logs(const struct cx_case *k)
{
	if (k->log_full)
		return true;
	for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++)
		if (cxh_log_eligible(k) && cxh_log_own_load(k, lv))
			return true;
	return false;
}

/* The live kernel still logs what was recorded? (own: the case's own load there) */
static void check_log_drift(struct run *r, int idx, const struct cx_result *own)
{
	const struct cx_case *k = &r->c.cases[idx];
	if (!cxh_log_eligible(k))
		return;
	for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++) {
		const struct cxh_log *want = &r->logs.at[idx][lv - 1];
		if (want->state != CXH_LOG_TEXT)
			continue; /* too long: reloading a 1M-insn walk costs seconds */
		struct cx_result kr = {0};
		char why[256], d[400];
		const struct cx_result *now = own;
		if (!cxh_log_own_load(k, lv)) {
			if (cxh_load_log(&cx_kernel, k, lv, &kr, why, sizeof why))
				snprintf(kr.line, sizeof kr.line, "setup failed: %.200s", why);
			now = &kr;
		}
		if (!now->log || strcmp(now->log, want->text)) {
			if (now->log)
				cxh_log_diff(want->text, now->log, d, sizeof d);
			else
				snprintf(d, sizeof d, "no log now (%s)", now->line);
			if (r->verbose || r->ls[lv - 1].drift < 5)
				printf("drift  %s:%d whole log (recorded vs now) %s\n", k->name, lv,
				       d);
			r->ls[lv - 1].drift++;
		}
		cx_result_free(&kr);
	}
}

/* The live kernel still answers what was recorded? */
static void check_drift(struct run *r, int idx)
{
	const struct cx_case *k = &r->c.cases[idx];
	struct cx_loaded l;
	struct cx_result kr;
	char why[256];
	struct cx_case own = *k; /* shallow: only log_full differs */
	own.log_full = own_load_logs(k);
	int err = cx_load(&cx_kernel, &own, &l, &kr, why, sizeof why);
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
	check_log_drift(r, idx, &kr);
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

/* What the worker is asked: item = case index * ITEM_MODES + mode; mode 0 is the case's own
 * load, mode L (1, 2) a load at log_level L for the whole-log comparison. */
#define ITEM_MODES 4

/* In the worker: load one item through userbpf and report. */
static void load_child(void *arg, int item, FILE *out)
{
	const struct run *r = arg;
	const struct cx_case *k = &r->c.cases[item / ITEM_MODES];
	int mode = item % ITEM_MODES;
	struct cx_loaded l = {0};
	struct cx_result got;
	struct wire w;
	memset(&w, 0, sizeof w);
	if (mode) {
		w.setup_err = cxh_load_log(&cx_userbpf, k, mode, &got, w.why, sizeof w.why);
	} else {
		struct cx_case own = *k; /* shallow: only log_full differs */
		own.log_full = own_load_logs(k);
		w.setup_err = cx_load(&cx_userbpf, &own, &l, &got, w.why, sizeof w.why);
		w.load_ns = l.load_ns;
		cx_unload(&cx_userbpf, &l);
	}
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

/* One userbpf load in the worker (mode: see ITEM_MODES): a hang or a crash is this case's
 * result. */
static int load_isolated(struct run *r, int idx, int mode, struct cx_result *got, char *why,
                         size_t len, double *ms)
{
	char *buf;
	size_t n;
	int err = cxh_worker_run(&r->worker, idx * ITEM_MODES + mode, &buf, &n);
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

/* Write both sides of a differing log for diff(1). */
static void dump_logs(const struct run *r, const struct cx_case *k, int lv, const char *want,
                      const char *got)
{
	const char *side[2] = {"kernel", "userbpf"}, *text[2] = {want, got};
	for (int i = 0; i < 2; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.%d.%s", r->dump_dir, k->name, lv, side[i]);
		FILE *f = fopen(path, "w");
		if (!f) {
			perror(path);
			continue;
		}
		fputs(text[i] ? text[i] : "", f);
		fclose(f);
	}
}

/* The whole logs at levels 1 and 2 against the recordings. own/own_err: the case's own load
 * (its log serves the level it was loaded at). */
static void check_logs(struct run *r, int idx, const struct cx_result *own, int own_err,
                       const char *own_why)
{
	const struct cx_case *k = &r->c.cases[idx];
	if (!cxh_log_eligible(k))
		return;
	for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++) {
		const struct cxh_log *want = &r->logs.at[idx][lv - 1];
		struct log_stats *st = &r->ls[lv - 1];
		char key[CX_NAME_LEN + 8], diff[400];
		snprintf(key, sizeof key, "%s:%d", k->name, lv);
		int xi = cxh_xfail_find(&r->xfl, key);
		if (xi >= 0)
			r->xfl.used[xi] = true;
		if (want->state == CXH_LOG_NONE) {
			printf("FAIL   %-36s no whole-log recording (run tests/verifier/record.sh "
			       "%s)\n",
			       key, k->name);
			r->log_unrecorded++;
			continue;
		}
		if (want->state == CXH_LOG_TOO_LONG) {
			st->too_long++;
			continue;
		}
		st->total++;
		struct cx_result mine = {0};
		const struct cx_result *got = own;
		char why[256];
		int err = own_err;
		snprintf(why, sizeof why, "%s", own_why);
		if (!cxh_log_own_load(k, lv)) {
			double ms;
			err = load_isolated(r, idx, lv, &mine, why, sizeof why, &ms);
			got = &mine;
		}
		bool same = !err && got->log && !strcmp(got->log, want->text);
		if (err)
			snprintf(diff, sizeof diff, "%s", why);
		else if (!got->log)
			snprintf(diff, sizeof diff, "no log from userbpf");
		else if (!same)
			cxh_log_diff(want->text, got->log, diff, sizeof diff);
		if (!same && r->dump_dir)
			dump_logs(r, k, lv, want->text, err ? NULL : got->log);
		cx_result_free(&mine);
		st->same += same;
		if (!same) {
			add_to_list(&r->nl_names, &r->nl_reasons, &r->nl, key, diff);
			if (xi < 0) {
				printf("FAIL   %-36s whole log differs: %s (%s:%d)\n", key, diff,
				       k->file, k->line);
				r->log_unexpected++;
			} else if (r->verbose) {
				printf("xfail  %-36s whole log: %s\n", key, diff);
			}
		} else if (xi >= 0) {
			printf("FIXED  %-36s whole log identical now: remove it from "
			       "xfail_logs.txt\n",
			       key);
			r->log_fixed++;
		}
	}
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
	int err = load_isolated(r, idx, 0, &got, why, sizeof why, &ms);
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
	check_logs(r, idx, &got, err, why);
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
		check_drift(r, idx);
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
	printf("whole logs identical: %d/%d at level 1, %d/%d at level 2 (not compared: %d and "
	       "%d logs longer than %u bytes)\n",
	       r->ls[0].same, r->ls[0].total, r->ls[1].same, r->ls[1].total, r->ls[0].too_long,
	       r->ls[1].too_long, CXH_LOG_SIZE);
	int lstale = 0;
	for (int i = 0; i < r->xfl.n; i++)
		if (!r->xfl.used[i]) {
			printf("STALE  %-36s listed in xfail_logs.txt but not compared\n",
			       r->xfl.names[i]);
			lstale++;
		}
	printf("xfail_logs.txt: %d entries, %d fixed (remove them), %d stale; %d unexpected "
	       "differences; %d unrecorded\n",
	       r->xfl.n, r->log_fixed, lstale, r->log_unexpected, r->log_unrecorded);
	if (r->use_kernel)
		printf("live kernel: %d verdict changes (failures), %d other drifts; whole logs "
		       "drifted: %d at level 1, %d at level 2\n",
		       r->drift_flip, r->drift_other, r->ls[0].drift, r->ls[1].drift);
	else
		printf("live kernel: not available, recordings only (SKIPPED the drift check)\n");
	printf("slowest userbpf loads:");
	for (int i = 0; i < 3 && r->slowest[i]; i++)
		printf(" %s %.1f ms;", r->slowest[i], r->slowest_ms[i]);
	printf(" whole run %.1f s\n", ms / 1e3);
}

static int write_xfail_logs(struct run *r, const char *path)
{
	for (int i = 0; i < r->nl; i++)
		if (cxh_xfail_find(&r->xfl, r->nl_names[i]) < 0)
			printf("new xfail_logs entry (a regression if it agreed before): %s\n",
			       r->nl_names[i]);
	static const char header[] =
	        "# Whole verifier logs (level 1 and 2) where userbpf's log is not (yet) byte for "
	        "byte\n"
	        "# the kernel's (tests/verifier/expected/logs). One line per case and level: "
	        "NAME:LEVEL\n"
	        "# then the first difference. Generated by: test_verifier_corpus --write-xfail. "
	        "The list\n"
	        "# may only shrink: test_verifier_corpus fails on a difference missing here and "
	        "reports\n"
	        "# entries that agree now.\n";
	int err = cxh_xfail_write(path, header, r->nl_names, r->nl_reasons, r->nl);
	printf("wrote %s: %d entries\n", path, r->nl);
	return err;
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
		else if (!strcmp(argv[first], "--dump-logs") && first + 1 < argc)
			r.dump_dir = argv[++first];
		else {
			fprintf(stderr,
			        "usage: %s [-v] [--write-xfail] [--no-kernel] [--dump-logs DIR] "
			        "[NAME|GROUP ...]\n",
			        argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *dir = cx_default_dir();
	char xpath[4096], lpath[4096];
	snprintf(xpath, sizeof xpath, "%s/xfail.txt", dir);
	snprintf(lpath, sizeof lpath, "%s/xfail_logs.txt", dir);
	if (cx_corpus_load(dir, &r.c) || cxh_logs_load(dir, &r.c, &r.logs) ||
	    cxh_xfail_load(xpath, &r.xf) || cxh_xfail_load(lpath, &r.xfl) || cxh_private_root())
		return 1;
	r.use_kernel = r.use_kernel && cxh_kernel_available();
	cxh_worker_init(&r.worker, load_child, &r);
	double t0 = now_ms();
	for (int i = 0; i < r.c.nr_cases; i++) {
		bool pick = first >= argc;
		for (int a = first; a < argc; a++)
			pick |= !strcmp(argv[a], r.c.cases[i].name) ||
			        !strcmp(argv[a], r.c.cases[i].group);
		if (pick) {
			run_case(&r, i);
			continue;
		}
		/* not run: its list entries are not stale */
		int xi = cxh_xfail_find(&r.xf, r.c.cases[i].name);
		if (xi >= 0)
			r.xf.used[xi] = true;
		for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++) {
			char key[CX_NAME_LEN + 8];
			snprintf(key, sizeof key, "%s:%d", r.c.cases[i].name, lv);
			if ((xi = cxh_xfail_find(&r.xfl, key)) >= 0)
				r.xfl.used[xi] = true;
		}
	}
	cxh_worker_stop(&r.worker);
	summary(&r, now_ms() - t0);
	int rc =
	        r.unexpected || r.unrecorded || r.drift_flip || r.log_unexpected || r.log_unrecorded
	                ? 1
	                : 0;
	if (r.write_xfail) {
		if (first < argc)
			printf("--write-xfail needs the whole corpus (no names): nothing "
			       "written\n");
		else if (write_xfail(&r, xpath) || write_xfail_logs(&r, lpath))
			rc = 1;
		else
			rc = r.unrecorded || r.log_unrecorded || r.drift_flip ? 1 : 0;
	}
	for (int i = 0; i < r.nx; i++) {
		free(r.nx_names[i]);
		free(r.nx_reasons[i]);
	}
	free(r.nx_names);
	free(r.nx_reasons);
	for (int i = 0; i < r.nl; i++) {
		free(r.nl_names[i]);
		free(r.nl_reasons[i]);
	}
	free(r.nl_names);
	free(r.nl_reasons);
	cxh_xfail_free(&r.xf);
	cxh_xfail_free(&r.xfl);
	cxh_logs_free(&r.logs);
	cx_corpus_free(&r.c);
	return rc;
}
