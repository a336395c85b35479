/* record — load verifier-corpus cases into the HOST KERNEL and keep its answers.
 *
 *   record [-n] [-v] [-l] [-d DIR] [NAME|GROUP/ ...]
 *
 * Every case (or the named cases, or every case of GROUP/) is loaded through the real bpf()
 * with its maps and BTF created for real; the verdict, errno, error line (the last log line
 * before the "processed" summary), the processed-insns count and, for log_full cases, the
 * whole log are written to DIR/expected/GROUP.txt (and expected/logs/NAME.log). Every case
 * with the default log setup is also loaded at log_level 1 and 2 (1 MiB buffer) and both
 * whole logs are kept in expected/logs/GROUP.level{1,2}.log (harness_logs.c). Cases not
 * selected keep their earlier recording. -l writes only the whole logs (expected/GROUP.txt
 * stays as it is). -n records nothing (a dry run); -v prints every
 * case. A case whose "want" directive disagrees with the kernel is reported: the case does
 * not test what its author meant, fix the case. Exit status 1 when any case failed to set
 * up or missed its want. Needs root and a kernel with bpf(); tests/verifier/record.sh
 * builds and runs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static bool selected(const struct cx_case *k, int argc, char **argv, int first)
{
	if (first >= argc)
		return true;
	for (int i = first; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (n && argv[i][n - 1] == '/'
		            ? !strncmp(k->group, argv[i], n - 1) && !k->group[n - 1]
		            : !strcmp(k->name, argv[i]))
			return true;
	}
	return false;
}

/* Did the kernel answer what the case's author wanted? */
static bool want_met(const struct cx_case *k, const struct cx_result *r)
{
	switch (k->want) {
	case CX_WANT_OK:
		return r->ok;
	case CX_WANT_ERR:
		return !r->ok && (!k->want_text[0] || strstr(r->line, k->want_text) ||
		                  (r->log && strstr(r->log, k->want_text)));
	default:
		return true;
	}
}

struct log_stats {
	int logs[CXH_LOG_LEVELS], too_long[CXH_LOG_LEVELS];
	size_t bytes[CXH_LOG_LEVELS];
};

/* The whole logs at levels 1 and 2: the case's own load r when its setup is the recording's,
 * else one more load. Returns -1 when a load failed to set up. */
static int record_logs(const struct cx_case *k, const struct cx_result *r,
                       struct cxh_log at[CXH_LOG_LEVELS], struct log_stats *st)
{
	if (!cxh_log_eligible(k))
		return 0;
	for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++) {
		struct cxh_log *l = &at[lv - 1];
		if (cxh_log_own_load(k, lv)) {
			cxh_log_from_result(l, r);
		} else {
			struct cx_result lr;
			char why[256];
			if (cxh_load_log(&cx_kernel, k, lv, &lr, why, sizeof why)) {
				printf("SETUP %-40s at log_level %d: %s (%s:%d)\n", k->name, lv,
				       why, k->file, k->line);
				return -1;
			}
			cxh_log_from_result(l, &lr);
			cx_result_free(&lr);
		}
		if (l->state == CXH_LOG_TOO_LONG) {
			st->too_long[lv - 1]++;
		} else {
			st->logs[lv - 1]++;
			st->bytes[lv - 1] += strlen(l->text);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = cx_default_dir();
	bool dry = false, verbose = false, logs_only = false;
	int opt;
	while ((opt = getopt(argc, argv, "nvld:")) != -1) {
		if (opt == 'n')
			dry = true;
		else if (opt == 'l')
			logs_only = true;
		else if (opt == 'v')
			verbose = true;
		else if (opt == 'd')
			dir = optarg;
		else {
			fprintf(stderr, "usage: %s [-n] [-v] [-l] [-d DIR] [NAME|GROUP/ ...]\n",
			        argv[0]);
			return 2;
		}
	}
	struct cx_corpus c;
	cx_keep_log = true; /* "want err TEXT" looks for TEXT anywhere in the log */
	struct cxh_logs logs;
	if (cx_corpus_load(dir, &c))
		return 2;
	if (cxh_logs_load(dir, &c, &logs)) {
		cx_corpus_free(&c);
		return 2;
	}
	struct utsname u;
	uname(&u);

	int n = 0, bad = 0, ok = 0;
	struct log_stats lstats = {0};
	bool *touched = calloc((size_t)c.nr_cases + 1, sizeof *touched);
	for (int i = 0; i < c.nr_cases; i++) {
		struct cx_case *k = &c.cases[i];
		if (!selected(k, argc, argv, optind))
			continue;
		n++;
		struct cx_loaded l;
		struct cx_result r;
		char why[256], rs[400];
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		int err = cx_load(&cx_kernel, k, &l, &r, why, sizeof why);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		cx_unload(&cx_kernel, &l);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		            (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (err) {
			printf("SETUP %-40s %s (%s:%d)\n", k->name, why, k->file, k->line);
			bad++;
			continue;
		}
		cx_result_str(&r, rs, sizeof rs);
		if (!want_met(k, &r)) {
			printf("WANT  %-40s kernel: %s [processed %d] (%s:%d)\n", k->name, rs,
			       r.processed, k->file, k->line);
			bad++;
		} else if (verbose) {
			printf("      %-40s %s [processed %d, %.1f ms]\n", k->name, rs, r.processed,
			       ms);
		}
		ok += r.ok;
		if (record_logs(k, &r, logs.at[i], &lstats))
			bad++;
		free(k->expect.log);
		if (!k->log_full)
			cx_result_free(&r);
		k->expect = r;
		k->recorded = true;
		/* mark the group for rewriting */
		for (int g = 0; g <= i; g++)
			if (!strcmp(c.cases[g].group, k->group)) {
				touched[g] = true;
				break;
			}
	}
	printf("%d cases loaded into Linux %s: %d accepted, %d rejected, %d problems\n", n,
	       u.release, ok, n - ok - bad, bad);
	for (int lv = 0; lv < CXH_LOG_LEVELS; lv++)
		printf("whole logs at level %d: %d recorded (%zu bytes), %d too long for %u "
		       "bytes\n",
		       lv + 1, lstats.logs[lv], lstats.bytes[lv], lstats.too_long[lv],
		       CXH_LOG_SIZE);
	if (!dry)
		for (int g = 0; g < c.nr_cases; g++)
			if (touched[g]) {
				int err = logs_only ? 0
				                    : cx_write_expected(dir, &c, c.cases[g].group,
				                                        u.release);
				if (!err)
					err = cxh_logs_write(dir, &c, &logs, c.cases[g].group,
					                     u.release);
				if (err) {
					fprintf(stderr, "writing %s/expected/%s.txt: %s\n", dir,
					        c.cases[g].group, strerror(-err));
					bad++;
				}
			}
	free(touched);
	cxh_logs_free(&logs);
	cx_corpus_free(&c);
	return bad ? 1 : 0;
}
