/* test_fuzz_regress — what the fuzzers found stays found: every input under
 * tests/fixtures/fuzz/verifier/ (fuzz_verifier's format, fuzz/fv_prog.h) and
 * tests/fixtures/fuzz/btf/ (fuzz_btf's, fuzz/fb_exec.h) is replayed through the very harness
 * code the fuzzers run (fuzz/fv_*.c, fuzz/fb_exec.c are compiled into this test), and must
 * produce no finding: no guard trip in a verified program's guarded test runs, no broken
 * load/log invariant, no sanitizer report (this is an ASan+UBSan build).
 *
 * Findings not fixed yet are listed in tests/fixtures/fuzz/xfail.txt ("FILE reason"): they
 * are replayed too and reported as XFAIL while they still fail and as FIXED (remove the
 * line) once they pass; neither fails the test. A reason starting with "crash:" means the
 * input kills the process (a sanitizer report): it is listed, not replayed.
 * Differential BTF findings (userbpf and the kernel disagreed) are checked against the
 * kernel's recorded verdicts, tests/fixtures/fuzz/btf_kernel.txt.
 * When the host kernel's bpf() works, each verifier input also goes to the kernel and its
 * verdict is printed next to ours (information for triage; not asserted).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* The fuzzers' harness, built here with the test's flags (tests/CMakeLists.txt links only
 * the library and cmocka into a unit test). */
#include "../../fuzz/fb_exec.c"
#include "../../fuzz/fv_btf.c"
#include "../../fuzz/fv_exec.c"
#include "../../fuzz/fv_prog.c"

#define FIXTURES USERBPF_FIXTURES_DIR "/fuzz"

struct xfail {
	char name[128], reason[256];
	bool seen;
};
static struct xfail xf[64];
static int nr_xf;

static void load_xfail(void)
{
	FILE *f = fopen(FIXTURES "/xfail.txt", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f) && nr_xf < 64) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *sp = strpbrk(line, " \t");
		if (sp)
			*sp++ = 0;
		snprintf(xf[nr_xf].name, sizeof xf[nr_xf].name, "%.127s", line);
		snprintf(xf[nr_xf].reason, sizeof xf[nr_xf].reason, "%.255s",
		         sp ? sp + strspn(sp, " \t") : "");
		nr_xf++;
	}
	if (f)
		fclose(f);
}

static struct xfail *find_xfail(const char *name)
{
	for (int i = 0; i < nr_xf; i++)
		if (!strcmp(xf[i].name, name))
			return &xf[i];
	return NULL;
}

/* Sorted file names of a fixture directory (kind/NAME). */
static int list_dir(const char *kind, char names[][128], int max)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/%s", FIXTURES, kind);
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < max)
		if (e->d_name[0] != '.')
			snprintf(names[n++], 128, "%.16s/%.100s", kind, e->d_name);
	if (d)
		closedir(d);
	qsort(names, (size_t)n, 128, (int (*)(const void *, const void *))strcmp);
	return n;
}

struct counts {
	int replayed, passed, xfail, fixed, failed, skipped;
};

/* One replay's verdict against the xfail list. */
static void judge(const char *name, bool finding, const char *what, struct counts *c)
{
	struct xfail *x = find_xfail(name);
	c->replayed++;
	if (x)
		x->seen = true;
	if (finding && x) {
		c->xfail++;
		printf("XFAIL  %-40s %s\n       (listed: %s)\n", name, what, x->reason);
	} else if (finding) {
		c->failed++;
		printf("FAIL   %-40s %s\n", name, what);
	} else if (x) {
		c->fixed++;
		printf("FIXED  %-40s passes now: remove it from tests/fixtures/fuzz/xfail.txt\n",
		       name);
	} else {
		c->passed++;
	}
}

static void test_verifier_findings(void **state)
{
	(void)state;
	static char names[256][128];
	int n = list_dir("verifier", names, 256);
	bool kernel = tu_kernel_bpf_available();
	struct counts c = {0};
	for (int i = 0; i < n; i++) {
		struct xfail *x = find_xfail(names[i]);
		if (x && !strncmp(x->reason, "crash:", 6)) {
			x->seen = true;
			c.skipped++;
			printf("SKIP   %-40s %s\n", names[i], x->reason);
			continue;
		}
		char path[4096];
		size_t len;
		if (snprintf(path, sizeof path, "%s/%s", FIXTURES, names[i]) >= (int)sizeof path)
			fail_msg("fixture path too long: %s", names[i]);
		char *data = tu_read_file(path, &len);
		assert_non_null(data);
		struct fv_prog p;
		assert_int_equal(fv_prog_decode((const uint8_t *)data, len, &p), 0);
		struct fv_opts o = {.run = true, .quiet = true};
		struct fv_result r;
		fv_exec(&p, &o, &r);
		judge(names[i], r.finding, r.what, &c);
		if (kernel) {
			struct fv_opts ko = {.run = true, .kernel = true, .quiet = true};
			struct fv_result kr;
			fv_exec(&p, &ko, &kr);
			printf("       %s: userbpf %s, kernel %s%s\n", names[i],
			       r.outcome == FV_ACCEPTED ? "accepts" : "refuses",
			       kr.outcome == FV_ACCEPTED ? "accepts" : "refuses",
			       kr.outcome == FV_ACCEPTED && kr.runs && !kr.run_errno[0]
			               ? " and runs it"
			               : "");
			fv_result_free(&kr);
		}
		fv_result_free(&r);
		fv_prog_free(&p);
		free(data);
	}
	printf("fuzz_verifier findings: %d replayed, %d pass, %d xfail, %d fixed, %d failed, "
	       "%d not replayed (crash)\n",
	       c.replayed, c.passed, c.xfail, c.fixed, c.failed, c.skipped);
	assert_int_equal(c.failed, 0);
}

static void test_btf_findings(void **state)
{
	(void)state;
	static char names[256][128];
	int n = list_dir("btf", names, 256);
	struct counts c = {0};
	fb_kernel_cmp = false; /* the recorded input is what matters, not the live kernel */
	for (int i = 0; i < n; i++) {
		struct xfail *x = find_xfail(names[i]);
		if (x && !strncmp(x->reason, "crash:", 6)) {
			x->seen = true;
			c.skipped++;
			printf("SKIP   %-40s %s\n", names[i], x->reason);
			continue;
		}
		char path[4096];
		size_t len;
		if (snprintf(path, sizeof path, "%s/%s", FIXTURES, names[i]) >= (int)sizeof path)
			fail_msg("fixture path too long: %s", names[i]);
		char *data = tu_read_file(path, &len);
		assert_non_null(data);
		struct fb_result r;
		fb_exec((const uint8_t *)data, len, &r);
		judge(names[i], r.finding, r.what, &c);
		free(data);
	}
	printf("fuzz_btf findings: %d replayed, %d pass, %d xfail, %d fixed, %d failed, %d not "
	       "replayed (crash)\n",
	       c.replayed, c.passed, c.xfail, c.fixed, c.failed, c.skipped);
	assert_int_equal(c.failed, 0);
}

/* BTF_LOAD of a blob (after the fuzz header) at log level 1: "ok" or the errno, as text. */
static void btf_answer(const char *data, size_t len, char *out, size_t n)
{
	static char log[65536];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = (uint64_t)(uintptr_t)(data + FB_HDR_SIZE);
	a.btf_size = (uint32_t)(len - FB_HDR_SIZE);
	a.btf_log_buf = (uint64_t)(uintptr_t)log;
	a.btf_log_size = sizeof log;
	a.btf_log_level = 1;
	int fd = (int)userbpf_sys_bpf(BPF_BTF_LOAD, &a, sizeof a);
	if (fd >= 0) {
		close(fd);
		snprintf(out, n, "ok");
	} else {
		snprintf(out, n, "%d", errno);
	}
}

/* Differential findings (fuzz_btf with FUZZ_BTF_KERNEL=1): the kernel's recorded verdict
 * per input (tests/fixtures/fuzz/btf_kernel.txt) must be ours. */
static void test_btf_kernel_verdicts(void **state)
{
	(void)state;
	FILE *f = fopen(FIXTURES "/btf_kernel.txt", "r");
	assert_non_null(f);
	char line[512];
	int n = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		char name[256], want[32], got[32], path[4096];
		if (line[0] == '#' || sscanf(line, "%255s %31s", name, want) != 2)
			continue;
		snprintf(path, sizeof path, "%s/%s", FIXTURES, name);
		size_t len;
		char *data = tu_read_file(path, &len);
		assert_non_null(data);
		assert_true(len >= FB_HDR_SIZE);
		btf_answer(data, len, got, sizeof got);
		n++;
		if (strcmp(got, want)) {
			printf("FAIL   %-40s kernel %s, userbpf %s\n", name, want, got);
			bad++;
		}
		free(data);
	}
	fclose(f);
	printf("BTF_LOAD verdicts equal to the kernel's recording: %d of %d\n", n - bad, n);
	assert_int_equal(bad, 0);
}

/* Differential verifier findings (fuzz_verifier with FUZZ_VERIFIER_KERNEL=1): the kernel's
 * recorded PROG_LOAD verdict per input (tests/fixtures/fuzz/verifier_kernel.txt, "FILE ok" or
 * "FILE errno") must be ours; xfail.txt lists open ones as "kernel:FILE reason". */
static void test_verifier_kernel_verdicts(void **state)
{
	(void)state;
	FILE *f = fopen(FIXTURES "/verifier_kernel.txt", "r");
	assert_non_null(f);
	char line[512];
	int n = 0, bad = 0, xfails = 0;
	while (fgets(line, sizeof line, f)) {
		char name[256], want[32], got[32], path[4096], key[300];
		if (line[0] == '#' || sscanf(line, "%255s %31s", name, want) != 2)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", FIXTURES, name) >= (int)sizeof path)
			fail_msg("fixture path too long: %s", name);
		size_t len;
		char *data = tu_read_file(path, &len);
		assert_non_null(data);
		struct fv_prog p;
		assert_int_equal(fv_prog_decode((const uint8_t *)data, len, &p), 0);
		struct fv_opts o = {.quiet = true};
		struct fv_result r;
		fv_exec(&p, &o, &r);
		if (r.outcome == FV_ACCEPTED)
			snprintf(got, sizeof got, "ok");
		else
			snprintf(got, sizeof got, "%d", r.load_errno);
		snprintf(key, sizeof key, "kernel:%.290s", name);
		struct xfail *x = find_xfail(key);
		if (x)
			x->seen = true;
		n++;
		if (strcmp(got, want) && x) {
			xfails++;
			printf("XFAIL  %-40s kernel %s, userbpf %s\n       (listed: %s)\n", name,
			       want, got, x->reason);
		} else if (strcmp(got, want)) {
			bad++;
			printf("FAIL   %-40s kernel %s, userbpf %s\n", name, want, got);
		} else if (x) {
			printf("FIXED  %-40s agrees with the kernel now: remove kernel:%s from "
			       "xfail.txt\n",
			       name, name);
		}
		fv_result_free(&r);
		fv_prog_free(&p);
		free(data);
	}
	fclose(f);
	printf("PROG_LOAD verdicts equal to the kernel's recording: %d of %d (%d xfail)\n",
	       n - bad - xfails, n, xfails);
	assert_int_equal(bad, 0);
}

static void test_xfail_list_current(void **state)
{
	(void)state;
	int stale = 0;
	for (int i = 0; i < nr_xf; i++)
		if (!xf[i].seen) {
			printf("STALE  %-40s listed in xfail.txt but no such input\n", xf[i].name);
			stale++;
		}
	assert_int_equal(stale, 0);
}

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/dev/shm/userbpf-fuzzreg-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("USERBPF_BPFFS", root, 1);
	setenv("USERBPF_GUARDED", "1", 1); /* before the first program is built */
	load_xfail();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_verifier_findings),
	        cmocka_unit_test(test_btf_findings),
	        cmocka_unit_test(test_btf_kernel_verdicts),
	        cmocka_unit_test(test_verifier_kernel_verdicts),
	        cmocka_unit_test(test_xfail_list_current),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
