/* verifier_core_harness.h — kernel-recorded verifier cases for the verifier-core tests
 * (test_verifier_log.c, test_verifier_cfg.c, ...).
 *
 * A fixture file holds cases and what the host kernel (Linux 6.18) answered for each:
 *
 *   case NAME type=1 level=2 [size=N] [flags=F] [full] [xfail]
 *   	r0 = 0                  program lines (userbpf assembler), tab-indented
 *   	exit
 *   kernel ERRNO TRUE_SIZE PROCESSED     0 when accepted; log_true_size; processed count
 *   | log line                           the kernel's log, verbatim ("full" cases), or
 *   | last line                          only its last error line
 *   end
 *
 * USERBPF_RECORD_FIXTURE=1 (root, bpf() available) re-records a fixture from the host
 * kernel. Without it, the recorded answers are compared with userbpf's PROG_LOAD: errno,
 * processed count and the error line always; the whole log for "full" cases. One
 * normalisation: the number in "verification time N usec".
 */
#ifndef USERBPF_TESTS_VERIFIER_CORE_HARNESS_H
#define USERBPF_TESTS_VERIFIER_CORE_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

struct vc_case {
	char name[64];
	int type, level, flags;
	unsigned log_size; /* 0: 1 MiB */
	bool full;
	bool xfail;   /* a known, documented difference: reported, not counted */
	char *prog;   /* assembler text */
	char *expect; /* the kernel's log (full) or last line */
	int kerr;
	unsigned true_size, processed;
};

struct vc_result {
	int err; /* positive errno or 0 */
	unsigned true_size, processed;
	char *log;
};

static char *vc_strdup_append(char *s, const char *add)
{
	size_t a = s ? strlen(s) : 0, b = strlen(add);
	char *n = realloc(s, a + b + 1);
	if (!n)
		abort();
	memcpy(n + a, add, b + 1);
	return n;
}

/* Parse a fixture; returns the number of cases (cases is malloc'd). */
static int vc_parse(const char *path, struct vc_case **out)
{
	FILE *f = fopen(path, "r");
	struct vc_case *cases = NULL, *c = NULL;
	int n = 0;
	char line[4096];
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "case ", 5)) {
			cases = realloc(cases, (size_t)(n + 1) * sizeof *cases);
			c = &cases[n++];
			memset(c, 0, sizeof *c);
			c->type = 1;
			c->level = 1;
			char *tok = strtok(line + 5, " \n");
			snprintf(c->name, sizeof c->name, "%s", tok);
			while ((tok = strtok(NULL, " \n"))) {
				if (!strncmp(tok, "type=", 5))
					c->type = atoi(tok + 5);
				else if (!strncmp(tok, "level=", 6))
					c->level = atoi(tok + 6);
				else if (!strncmp(tok, "size=", 5))
					c->log_size = (unsigned)atoi(tok + 5);
				else if (!strncmp(tok, "flags=", 6))
					c->flags = atoi(tok + 6);
				else if (!strcmp(tok, "full"))
					c->full = true;
				else if (!strcmp(tok, "xfail"))
					c->xfail = true;
			}
			c->prog = vc_strdup_append(NULL, "");
			c->expect = vc_strdup_append(NULL, "");
		} else if (c && line[0] == '\t') {
			c->prog = vc_strdup_append(c->prog, line + 1);
		} else if (c && !strncmp(line, "kernel ", 7)) {
			sscanf(line + 7, "%d %u %u", &c->kerr, &c->true_size, &c->processed);
		} else if (c && !strncmp(line, "| ", 2)) {
			c->expect = vc_strdup_append(c->expect, line + 2);
		} else if (c && !strncmp(line, "|\n", 2)) {
			c->expect = vc_strdup_append(c->expect, "\n");
		}
	}
	fclose(f);
	*out = cases;
	return n;
}

static void vc_free(struct vc_case *cases, int n)
{
	for (int i = 0; i < n; i++) {
		free(cases[i].prog);
		free(cases[i].expect);
	}
	free(cases);
}

static unsigned vc_processed(const char *log)
{
	const char *p = log, *last = NULL;
	while ((p = strstr(p, "processed "))) {
		last = p;
		p++;
	}
	unsigned n = 0;
	if (last)
		sscanf(last, "processed %u", &n);
	return n;
}

/* The last non-empty line that is not the summary (what the corpus calls the error line). */
static void vc_last_line(const char *log, char *out, size_t len)
{
	out[0] = 0;
	const char *p = log;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17) &&
		    strncmp(p, "stack depth", 11)) {
			size_t k = l < len - 1 ? l : len - 1;
			memcpy(out, p, k);
			out[k] = 0;
		}
		p += l + (e ? 1 : 0);
	}
}

static int vc_dropped_lines; /* lines vc_normalize left out (log sizes then differ) */

/* Drop what differs by design: timing numbers and 6.18's stack-liveness debug dump. */
static char *vc_normalize(const char *log)
{
	char *res = vc_strdup_append(NULL, "");
	const char *p = log;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p + 1) : strlen(p);
		char buf[4096];
		snprintf(buf, sizeof buf, "%.*s", (int)l, p);
		unsigned x, y;
		char word[16];
		if (sscanf(buf, "(%u) frame %u insn %u %15s", &x, &y, &x, word) == 4 ||
		    strstr(buf, "live stack update done")) {
			buf[0] = 0;
			vc_dropped_lines++;
		} else if (!strncmp(buf, "verification time ", 18))
			snprintf(buf, sizeof buf, "verification time N usec\n");
		res = vc_strdup_append(res, buf);
		p += l;
	}
	/* the fixture cannot tell a final newline (a truncated log has none) */
	size_t n = strlen(res);
	if (n && res[n - 1] == '\n')
		res[n - 1] = 0;
	return res;
}

static int vc_load(bool kernel, const struct vc_case *c, struct vc_result *r)
{
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	memset(r, 0, sizeof *r);
	if (userbpf_asm(c->prog, &insns, &cnt, &e)) {
		print_message("%s: asm line %d: %s\n", c->name, e.insn, e.msg);
		return -1;
	}
	unsigned size = c->log_size ? c->log_size : 1u << 20;
	r->log = calloc(1, size + 1);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = (uint32_t)c->type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)r->log;
	a.log_size = size;
	a.log_level = (uint32_t)c->level;
	a.prog_flags = (uint32_t)c->flags;
	long fd;
	if (kernel) {
		fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
		r->err = fd < 0 ? errno : 0;
	} else {
		fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
		r->err = fd < 0 ? (fd == -1 ? errno : (int)-fd) : 0;
	}
	if (fd >= 0)
		close((int)fd);
	r->true_size = a.log_true_size;
	r->processed = vc_processed(r->log);
	free(insns);
	return 0;
}

/* Re-record path from the kernel (USERBPF_RECORD_FIXTURE=1). */
static int vc_record(const char *path, struct vc_case *cases, int n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "# Recorded from the host kernel by the verifier-core tests "
	           "(USERBPF_RECORD_FIXTURE=1). Format: tests/unit/verifier_core_harness.h\n");
	for (int i = 0; i < n; i++) {
		struct vc_case *c = &cases[i];
		struct vc_result r;
		if (vc_load(true, c, &r))
			return -1;
		fprintf(f, "\ncase %s type=%d level=%d", c->name, c->type, c->level);
		if (c->log_size)
			fprintf(f, " size=%u", c->log_size);
		if (c->flags)
			fprintf(f, " flags=%d", c->flags);
		if (c->full)
			fprintf(f, " full");
		if (c->xfail)
			fprintf(f, " xfail");
		fprintf(f, "\n");
		for (const char *p = c->prog; *p;) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			fprintf(f, "\t%.*s\n", (int)l, p);
			p += l + (e ? 1 : 0);
		}
		fprintf(f, "kernel %d %u %u\n", r.err, r.true_size, r.processed);
		if (c->full) {
			for (const char *p = r.log; *p;) {
				const char *e = strchr(p, '\n');
				size_t l = e ? (size_t)(e - p) : strlen(p);
				fprintf(f, l ? "| %.*s\n" : "|\n", (int)l, p);
				p += l + (e ? 1 : 0);
			}
		} else {
			char last[1024];
			vc_last_line(r.log, last, sizeof last);
			fprintf(f, "| %s\n", last);
		}
		fprintf(f, "end\n");
		free(r.log);
	}
	fclose(f);
	return 0;
}

/* Compare every case with userbpf; returns the number of disagreements (printed). */
static int vc_compare(struct vc_case *cases, int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct vc_case *c = &cases[i];
		struct vc_result r;
		if (vc_load(false, c, &r)) {
			bad++;
			continue;
		}
		bool ok = r.err == c->kerr && r.processed == c->processed;
		if (c->full) {
			vc_dropped_lines = 0;
			char *a = vc_normalize(c->expect), *b = vc_normalize(r.log);
			if (strcmp(a, b)) {
				ok = false;
				/* first differing line */
				const char *pa = a, *pb = b;
				int ln = 1;
				while (*pa && *pb) {
					const char *ea = strchr(pa, '\n'), *eb = strchr(pb, '\n');
					size_t la = ea ? (size_t)(ea - pa) : strlen(pa);
					size_t lb = eb ? (size_t)(eb - pb) : strlen(pb);
					if (la != lb || memcmp(pa, pb, la)) {
						print_message("%s: log line %d differs:\n  kernel: "
						              " %.*s\n  "
						              "userbpf: %.*s\n",
						              c->name, ln, (int)la, pa, (int)lb,
						              pb);
						break;
					}
					pa += la + (ea ? 1 : 0);
					pb += lb + (eb ? 1 : 0);
					ln++;
				}
				if (!*pa || !*pb)
					print_message("%s: log length differs at line %d\n",
					              c->name, ln);
			}
			if (r.true_size != c->true_size && !strstr(a, "verification time") &&
			    !vc_dropped_lines) {
				print_message("%s: log_true_size kernel %u userbpf %u\n", c->name,
				              c->true_size, r.true_size);
				ok = false;
			}
			free(a);
			free(b);
		} else {
			char last[1024], want[1024];
			vc_last_line(r.log, last, sizeof last);
			snprintf(want, sizeof want, "%s", c->expect);
			want[strcspn(want, "\n")] = 0;
			if (strcmp(last, want)) {
				print_message("%s: error line\n  kernel:  %s\n  userbpf: %s\n",
				              c->name, want, last);
				ok = false;
			}
		}
		if (r.err != c->kerr || r.processed != c->processed)
			print_message(
			        "%s: kernel errno %d processed %u, userbpf errno %d processed %u\n",
			        c->name, c->kerr, c->processed, r.err, r.processed);
		if (!ok && c->xfail)
			print_message("%s: known difference (xfail)\n", c->name);
		else if (ok && c->xfail)
			print_message("%s: agrees now: remove its xfail\n", c->name);
		else if (!ok)
			bad++;
		free(r.log);
	}
	return bad;
}

/* The test body: record (on request) or compare a fixture's cases. */
static void vc_run_fixture(const char *fixture)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", USERBPF_FIXTURES_DIR, fixture);
	struct vc_case *cases;
	int n = vc_parse(path, &cases);
	assert_true(n > 0);
	if (getenv("USERBPF_RECORD_FIXTURE")) {
		if (!tu_kernel_bpf_available()) {
			print_message("USERBPF_RECORD_FIXTURE: no bpf() here\n");
			fail();
		}
		assert_int_equal(vc_record(path, cases, n), 0);
		vc_free(cases, n);
		n = vc_parse(path, &cases);
	}
	int bad = vc_compare(cases, n);
	print_message("%s: %d of %d cases agree with the kernel\n", fixture, n - bad, n);
	vc_free(cases, n);
	assert_int_equal(bad, 0);
}

#endif /* USERBPF_TESTS_VERIFIER_CORE_HARNESS_H */
