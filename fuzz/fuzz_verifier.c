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
 * Environment: FUZZ_VERIFIER_IGNORE="text|text" — findings whose description contains one
 * of these are counted and printed once instead of aborting (to keep fuzzing past a filed
 * finding). Objects live in a private USERBPF_BPFFS root under /dev/shm, removed at exit.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fv_mutate.h"

#ifdef FV_LOAD_ONLY
#define FV_RUN false
#else
#define FV_RUN true
#endif

static char root[64];
static struct {
	unsigned long inputs, setup_failed, rejected, accepted, runs, unsupported, budget, ignored;
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
	        "%lu test runs (%lu not applicable, %lu over budget); %lu ignored findings\n",
	        st.inputs, st.accepted, st.rejected, st.setup_failed, st.runs, st.unsupported,
	        st.budget, st.ignored);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fv_prog p;
	if (fv_prog_decode(data, size, &p))
		return -1; /* not a program: keep it out of the corpus */
	struct fv_opts o = {.run = FV_RUN, .quiet = true};
	struct fv_result r;
	fv_exec(&p, &o, &r);
	st.inputs++;
	st.setup_failed += r.outcome == FV_SETUP_FAILED;
	st.rejected += r.outcome == FV_REJECTED;
	st.accepted += r.outcome == FV_ACCEPTED;
	st.runs += (unsigned long)r.runs;
	st.unsupported += (unsigned long)r.unsupported;
	st.budget += (unsigned long)r.budget;
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
