/* libFuzzer target: the verifier as a differential soundness check. Each input is a BPF
 * program with its maps and load flags (fv_prog.h); it goes through
 * userbpf_sys_bpf(BPF_PROG_LOAD) and, when the verifier accepts it, runs with
 * BPF_PROG_TEST_RUN in the guarded engine (USERBPF_GUARDED=1) on a few inputs. A guard trip
 * on a verified program, a broken load/log invariant (fv_exec.c), a sanitizer report, a
 * crash or a hang is a finding: abort() (or libFuzzer's own detectors) keeps the input.
 *
 * Built twice: fuzz_verifier (load + run) and fuzz_verifier_load (FV_LOAD_ONLY: the verifier
 * alone, several times more executions per second for crashes, hangs and UB).
 * The mutator is structure-aware (fv_mutate.c); seeds come from the verifier corpus and the
 * tests/progs objects (fuzz_verifier_tool seeds, run by scripts/fuzz-smoke.sh).
 *
 * Environment: FUZZ_VERIFIER_KERNEL=1 (root) also loads every program userbpf accepts into
 * the host kernel: a program the kernel refuses (EACCES/EINVAL) is a finding too.
 * FUZZ_VERIFIER_IGNORE="text|text" — findings whose description contains one
 * of these are counted and printed once instead of aborting (to keep fuzzing past a filed
 * finding). Objects live in a private USERBPF_BPFFS root under /dev/shm, removed at exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fv_mutate.h"

#ifdef FV_LOAD_ONLY
#define FV_RUN false
#else
#define FV_RUN true
#endif

#define FV_SLOW_SECONDS 2

static char root[64];
static bool kernel_cmp; /* FUZZ_VERIFIER_KERNEL */
static struct {
	unsigned long inputs, setup_failed, rejected, accepted, runs, unsupported, budget, ignored,
	        slow;
} st;

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void at_exit(void)
{
	fprintf(stderr,
	        "fuzz_verifier: %lu inputs: %lu accepted, %lu rejected, %lu setup failures; "
	        "%lu test runs (%lu not applicable, %lu over budget); %lu ignored findings; %lu "
	        "slow inputs kept out of the corpus\n",
	        st.inputs, st.accepted, st.rejected, st.setup_failed, st.runs, st.unsupported,
	        st.budget, st.ignored, st.slow);
	if (root[0])
		nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(root, sizeof root, "/dev/shm/userbpf-fuzzv-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		exit(1);
	}
	setenv("USERBPF_BPFFS", root, 1);
	setenv("USERBPF_GUARDED", "1", 1); /* before the first program is built */
	/* the verifier's test knob: walks to the kernel's 1M-insn limit take 20-60 s here */
	setenv("USERBPF_COMPLEXITY_LIMIT", "50000", 0);
	const char *k = getenv("FUZZ_VERIFIER_KERNEL");
	kernel_cmp = k && *k && *k != '0';
	atexit(at_exit);
	return 0;
}

static bool ignored(const char *what)
{
	const char *list = getenv("FUZZ_VERIFIER_IGNORE");
	if (!list || !*list)
		return false;
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", list);
	for (char *save, *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save))
		if (*tok && strstr(what, tok))
			return true;
	return false;
}

/* FUZZ_VERIFIER_KERNEL=1: a program userbpf accepts must be one the host kernel accepts
 * (the other direction, userbpf stricter, is an agreement question, not a safety one). */

static void kernel_check(const struct fv_prog *p, struct fv_result *r)
{
	struct fv_opts ko = {.kernel = true, .keep_log = true, .quiet = true};
	struct fv_prog kp = *p;
	kp.flags = (uint8_t)((kp.flags & ~(FV_F_LOG_MASK | FV_F_SMALL_LOG)) | 1); /* level 1 */
	struct fv_result kr;
	fv_exec(&kp, &ko, &kr);
	if (kr.outcome == FV_REJECTED && (kr.load_errno == EACCES || kr.load_errno == EINVAL)) {
		const char *last = "", *s = kr.log ? kr.log : "";
		for (const char *l = s; *l;
		     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l))
			if (*l != '\n' && strncmp(l, "processed ", 10))
				last = l;
		/* tag a known cause so FUZZ_VERIFIER_IGNORE can name it: "if rX op rX" is decided
		 * by our is_branch_taken (as in kernels after 6.18), walked by 6.18's */
		bool same_reg = false;
		for (uint32_t i = 0; i < p->cnt; i++) {
			const struct bpf_insn *in = &p->insns[i];
			uint8_t cls = in->code & 7, op = in->code & 0xf0;
			same_reg |= (cls == BPF_JMP || cls == BPF_JMP32) && (in->code & BPF_X) &&
			            op != BPF_CALL && op != BPF_EXIT && op != BPF_JA &&
			            in->dst_reg == in->src_reg;
		}
		snprintf(r->what, sizeof r->what,
		         "userbpf accepted a program the kernel refuses%s (%s): %.*s",
		         same_reg ? " [same-register jump]" : "", strerror(kr.load_errno),
		         (int)strcspn(last, "\n"), last);
		r->finding = true;
	}
	fv_result_free(&kr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fv_prog p;
	if (fv_prog_decode(data, size, &p))
		return -1; /* not a program: keep it out of the corpus */
	struct fv_opts o = {.run = FV_RUN, .quiet = true};
	struct fv_result r;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fv_exec(&p, &o, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st.inputs++;
	st.setup_failed += r.outcome == FV_SETUP_FAILED;
	st.rejected += r.outcome == FV_REJECTED;
	st.accepted += r.outcome == FV_ACCEPTED;
	st.runs += (unsigned long)r.runs;
	st.unsupported += (unsigned long)r.unsupported;
	st.budget += (unsigned long)r.budget;
	if (!r.finding && r.outcome == FV_ACCEPTED && kernel_cmp)
		kernel_check(&p, &r);
	if (r.finding) {
		if (ignored(r.what)) {
			if (!st.ignored++)
				fprintf(stderr, "fuzz_verifier: ignoring finding: %s\n", r.what);
		} else {
			fprintf(stderr, "fuzz_verifier finding: %s\n", r.what);
			fv_prog_dump(&p, stderr);
			abort();
		}
	}
	fv_result_free(&r);
	fv_prog_free(&p);
	/* A load that walks to the 1M-insn complexity limit takes 20-40 s here (the kernel
	 * agrees with the verdict; it is just slow under instrumentation): keep such inputs
	 * out of the corpus, or their mutations eat the run. */
	if (t1.tv_sec - t0.tv_sec >= FV_SLOW_SECONDS) {
		st.slow++;
		return -1;
	}
	return 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	return fv_mutate(data, size, max_size, seed);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
                                 uint8_t *out, size_t max_out, unsigned int seed)
{
	return fv_crossover(d1, s1, d2, s2, out, max_out, seed);
}
