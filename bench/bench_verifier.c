/* bench_verifier — BPF_PROG_LOAD wall time per verifier-corpus program, userbpf next to the
 * host kernel.
 *
 * Every case of tests/verifier/cases is loaded --reps times through userbpf_sys_bpf and
 * through the kernel's bpf(), each with its maps and BTF created fresh (not timed); only the
 * BPF_PROG_LOAD call is timed, and the median is kept. userbpf's loads run in a worker
 * process (tests/verifier/harness.h), so a load that hangs shows as "timeout" after
 * USERBPF_CORPUS_TIMEOUT seconds (default 30) instead of stopping the benchmark. The table shows
 * per group the total time on each side and the worst case; then the cases with the worst ratio,
 * the 1M-insn program ("BPF program is too large") on its own, and the worst ratio overall.
 *
 * Usage: bench_verifier [--quick] [--all] [--reps N] [--no-kernel] [NAME|GROUP ...]
 *   --quick   one load per side (noisy)      --all   one row per case
 * Build it in Release (cmake --preset release): a Debug/ASan build measures the sanitizers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define BIG_CASE "cx_too_large"

struct row {
	const struct cx_case *k;
	double ours_us, kern_us; /* medians; < 0: not measured (timeout, setup failure) */
	bool ours_ok, kern_ok, ours_timeout;
};

struct ctx {
	struct cx_corpus *c;
	int reps;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Median PROG_LOAD time in microseconds; -1 when the setup fails. */
static double time_load(const struct cx_backend *b, const struct cx_case *k, int reps, bool *ok)
{
	double t[64];
	int n = 0;
	for (int i = 0; i < reps && i < 64; i++) {
		struct cx_loaded l;
		struct cx_result r;
		char why[256];
		int err = cx_load(b, k, &l, &r, why, sizeof why);
		uint64_t ns = l.load_ns;
		cx_unload(b, &l);
		cx_result_free(&r);
		if (err)
			return -1;
		*ok = r.ok;
		t[n++] = (double)ns / 1e3;
	}
	qsort(t, (size_t)n, sizeof t[0], cmp_double);
	return n ? t[n / 2] : -1;
}

static int reps_for(const struct cx_case *k, int reps)
{
	/* the 1M-insn program takes a second or more per load: once is enough */
	return strcmp(k->name, BIG_CASE) ? reps : 1;
}

/* In the worker: time case idx through userbpf, send {median, ok}. */
static void ours_child(void *arg, int idx, FILE *out)
{
	const struct ctx *x = arg;
	const struct cx_case *k = &x->c->cases[idx];
	bool ok = false;
	double us = time_load(&cx_userbpf, k, reps_for(k, x->reps), &ok);
	fwrite(&us, sizeof us, 1, out);
	fwrite(&ok, sizeof ok, 1, out);
}

static double ratio(const struct row *r)
{
	return r->kern_us > 0 && r->ours_us >= 0 ? r->ours_us / r->kern_us : 0;
}

static int cmp_ratio(const void *a, const void *b)
{
	double x = ratio(a), y = ratio(b);
	return x > y ? -1 : x < y;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static bool kernel_works(void)
{
	struct bpf_insn p[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K},
	                        {.code = BPF_JMP | BPF_EXIT}};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)p;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	int fd = (int)cx_kernel.bpf(BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

static void print_row(const struct row *r)
{
	if (r->ours_timeout)
		printf("%-40s %-4s %10s", r->k->name, "-", "timeout");
	else
		printf("%-40s %-4s %10.1f", r->k->name, r->ours_ok ? "ok" : "err", r->ours_us);
	if (r->kern_us >= 0)
		printf(" %10.1f %7.2fx%s\n", r->kern_us, ratio(r),
		       r->ours_ok != r->kern_ok ? "  (verdicts differ)" : "");
	else
		printf(" %10s\n", "-");
}

/* Median of the ratios: which 0 all rows, 1 those the kernel accepted, 2 those it rejected;
 * 0 when there are none. */
static double median_ratio(const struct row *rows, int n, int which, int *count)
{
	double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
	int m = 0;
	for (int i = 0; i < n; i++) {
		double q = ratio(&rows[i]);
		if (q <= 0 || (which == 1 && !rows[i].kern_ok) || (which == 2 && rows[i].kern_ok))
			continue;
		v[m++] = q;
	}
	qsort(v, (size_t)m, sizeof *v, cmp_double);
	double med = m ? (m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2) : 0;
	free(v);
	*count = m;
	return med;
}

/* The distribution of the ratios: what the PROG_LOAD target (<= 1.0x everywhere) is judged on. */
static void print_summary(const struct row *rows, int n)
{
	int all, acc, rej, over1 = 0, over2 = 0;
	double med = median_ratio(rows, n, 0, &all), med_acc = median_ratio(rows, n, 1, &acc),
	       med_rej = median_ratio(rows, n, 2, &rej);
	for (int i = 0; i < n; i++) {
		over1 += ratio(&rows[i]) > 1.0;
		over2 += ratio(&rows[i]) > 2.0;
	}
	double la[3] = {0};
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3)
			la[0] = la[1] = la[2] = 0;
		fclose(f);
	}
	printf("\nratios (ours/kernel) of %d cases: median %.2fx; accepted (by the kernel) %d, "
	       "median %.2fx; rejected %d, median %.2fx\n",
	       all, med, acc, med_acc, rej, med_rej);
	printf("cases > 1.0x: %d, > 2.0x: %d; load average at the end %.2f %.2f %.2f\n", over1,
	       over2, la[0], la[1], la[2]);
}

int main(int argc, char **argv)
{
	int reps = 5, first = 1;
	bool all = false, use_kernel = true;
	for (; first < argc && argv[first][0] == '-'; first++) {
		if (!strcmp(argv[first], "--quick"))
			reps = 1;
		else if (!strcmp(argv[first], "--all"))
			all = true;
		else if (!strcmp(argv[first], "--no-kernel"))
			use_kernel = false;
		else if (!strcmp(argv[first], "--reps") && first + 1 < argc)
			reps = atoi(argv[++first]);
		else {
			fprintf(stderr,
			        "usage: %s [--quick] [--all] [--reps N] [--no-kernel] [NAME|GROUP "
			        "...]\n",
			        argv[0]);
			return 2;
		}
	}
	if (reps < 1)
		reps = 1;
	char root[] = "/dev/shm/userbpf-benchv-XXXXXX";
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("USERBPF_BPFFS", root, 1);
	struct cx_corpus c;
	if (cx_corpus_load(cx_default_dir(), &c))
		return 1;
	use_kernel = use_kernel && kernel_works();
	struct ctx x = {&c, reps};
	struct cxh_worker w;
	cxh_worker_init(&w, ours_child, &x);
	struct row *rows = calloc((size_t)c.nr_cases, sizeof *rows);
	int n = 0;
	for (int i = 0; i < c.nr_cases; i++) {
		bool pick = first >= argc;
		for (int a = first; a < argc; a++)
			pick |= !strcmp(argv[a], c.cases[i].name) ||
			        !strcmp(argv[a], c.cases[i].group);
		if (!pick)
			continue;
		struct row *r = &rows[n++];
		r->k = &c.cases[i];
		char *buf;
		size_t len;
		int err = cxh_worker_run(&w, i, &buf, &len);
		r->ours_us = -1;
		if (!err && len == sizeof r->ours_us + sizeof r->ours_ok) {
			memcpy(&r->ours_us, buf, sizeof r->ours_us);
			memcpy(&r->ours_ok, buf + sizeof r->ours_us, sizeof r->ours_ok);
		}
		r->ours_timeout = err == -ETIMEDOUT;
		free(buf);
		r->kern_us =
		        use_kernel ? time_load(&cx_kernel, r->k, reps_for(r->k, reps), &r->kern_ok)
		                   : -1;
	}
	cxh_worker_stop(&w);
	int timeouts = 0;
	for (int i = 0; i < n; i++)
		timeouts += rows[i].ours_timeout;

	printf("BPF_PROG_LOAD wall time, median of %d (us); kernel: %s\n", reps,
	       use_kernel ? "host bpf()" : "not measured");
	printf("%-14s %6s %12s %12s %8s   %s\n", "group", "cases", "userbpf ms", "kernel ms",
	       "ratio", "worst case (ratio)");
	double tot_o = 0, tot_k = 0;
	for (int i = 0; i < n;) {
		const char *g = rows[i].k->group;
		double so = 0, sk = 0;
		int j = i, worst = i;
		for (; j < n && !strcmp(rows[j].k->group, g); j++) {
			so += rows[j].ours_us > 0 ? rows[j].ours_us : 0;
			sk += rows[j].kern_us > 0 ? rows[j].kern_us : 0;
			if (ratio(&rows[j]) > ratio(&rows[worst]))
				worst = j;
		}
		printf("%-14s %6d %12.2f %12.2f %7.2fx   %s (%.2fx)\n", g, j - i, so / 1e3,
		       sk / 1e3, sk > 0 ? so / sk : 0.0, rows[worst].k->name, ratio(&rows[worst]));
		tot_o += so;
		tot_k += sk;
		i = j;
	}
	printf("%-14s %6d %12.2f %12.2f %7.2fx\n", "total", n, tot_o / 1e3, tot_k / 1e3,
	       tot_k > 0 ? tot_o / tot_k : 0.0);

	printf("\n%-40s %-4s %10s %10s %8s\n", "case", "ours", "userbpf us", "kernel us", "ratio");
	if (all) {
		for (int i = 0; i < n; i++)
			print_row(&rows[i]);
	}
	struct row *sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
	memcpy(sorted, rows, (size_t)n * sizeof *rows);
	qsort(sorted, (size_t)n, sizeof *sorted, cmp_ratio);
	if (!all) {
		printf("(the 15 worst ratios; --all for every case)\n");
		for (int i = 0; i < n && i < 15; i++)
			print_row(&sorted[i]);
	}
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].k->name, BIG_CASE)) {
			printf("\n1M-insn program (%s, 1,000,001 processed insns in the kernel):\n",
			       BIG_CASE);
			print_row(&rows[i]);
		}
	if (n && use_kernel)
		print_summary(rows, n);
	if (n && use_kernel)
		printf("\nworst ratio: %.2fx (%s: userbpf %.1f us, kernel %.1f us)\n",
		       ratio(&sorted[0]), sorted[0].k->name, sorted[0].ours_us, sorted[0].kern_us);
	if (timeouts) {
		printf("userbpf loads that did not finish in %u s (not in the totals):",
		       cxh_timeout());
		for (int i = 0; i < n; i++)
			if (rows[i].ours_timeout)
				printf(" %s", rows[i].k->name);
		printf("\n");
	}
	free(sorted);
	free(rows);
	cx_corpus_free(&c);
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
