/* record — load verifier-corpus cases into the HOST KERNEL and keep its answers.
 *
 *   record [-n] [-v] [-d DIR] [NAME|GROUP/ ...]
 *
 * Every case (or the named cases, or every case of GROUP/) is loaded through the real bpf()
 * with its maps and BTF created for real; the verdict, errno, error line (the last log line
 * before the "processed" summary), the processed-insns count and, for log_full cases, the
 * whole log are written to DIR/expected/GROUP.txt (and expected/logs/NAME.log). Cases not
 * selected keep their earlier recording. -n records nothing (a dry run); -v prints every
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

#include "corpus.h"

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

int main(int argc, char **argv)
{
	const char *dir = cx_default_dir();
	bool dry = false, verbose = false;
	int opt;
	while ((opt = getopt(argc, argv, "nvd:")) != -1) {
		if (opt == 'n')
			dry = true;
		else if (opt == 'v')
			verbose = true;
		else if (opt == 'd')
			dir = optarg;
		else {
			fprintf(stderr, "usage: %s [-n] [-v] [-d DIR] [NAME|GROUP/ ...]\n",
			        argv[0]);
			return 2;
		}
	}
	struct cx_corpus c;
	cx_keep_log = true; /* "want err TEXT" looks for TEXT anywhere in the log */
	if (cx_corpus_load(dir, &c))
		return 2;
	struct utsname u;
	uname(&u);

	int n = 0, bad = 0, ok = 0;
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
	if (!dry)
		for (int g = 0; g < c.nr_cases; g++)
			if (touched[g]) {
				int err = cx_write_expected(dir, &c, c.cases[g].group, u.release);
				if (err) {
					fprintf(stderr, "writing %s/expected/%s.txt: %s\n", dir,
					        c.cases[g].group, strerror(-err));
					bad++;
				}
			}
	free(touched);
	cx_corpus_free(&c);
	return bad ? 1 : 0;
}
