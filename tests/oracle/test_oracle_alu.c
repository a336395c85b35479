/* test_oracle_alu — the host kernel as the interpreter's oracle for ALU and jump semantics.
 *
 * Random verifiable programs (gen.h) run in the kernel, as a socket filter through
 * BPF_PROG_TEST_RUN, and in our interpreter; the low 32 bits of r0 must agree (that is all a
 * socket filter returns). Without bpf() the live test skips, and the fixture
 * tests/fixtures/oracle_alu.txt — the kernel's answers recorded by
 *   test_oracle_alu --record tests/fixtures/oracle_alu.txt
 * — keeps the comparison meaningful.
 *
 * Environment: USERBPF_ORACLE_N (programs, default 3000), USERBPF_ORACLE_SEED (stream seed),
 * USERBPF_NO_KERNEL (pretend bpf() is unavailable).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "testutil.h"

#define ORACLE_DEFAULT_N 3000
#define ORACLE_DEFAULT_SEED 0x0bfacade2024ull
#define ORACLE_FIXTURE_SEED 0xf1c7a2e5eedull
#define ORACLE_FIXTURE_COUNT 500
#define ORACLE_FIXTURE_PATH USERBPF_FIXTURES_DIR "/oracle_alu.txt"
#define ORACLE_PKT_LEN                                                                             \
	64 /* the packet every run sees; r1 is overwritten, so its content is moot                 \
	    */
#define ORACLE_MAX_REPORTS 5 /* print at most this many failing programs per test */

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	return s && *s ? strtoull(s, NULL, 0) : dflt;
}

static double now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A failing program as text (when the disassembler is built) and always as fixture words,
 * which kload and the assembler's tests can consume directly. */
static void dump_prog(const struct bpf_insn *p, size_t cnt)
{
#ifdef ORACLE_HAVE_DISASM
	userbpf_disasm_prog(p, cnt, 0, 1, stdout);
#endif
	og_print_words(stdout, p, cnt);
	fflush(stdout);
}

/* Our interpreter, trusted mode, on a zeroed packet. Returns 0 and *r0, or the error. */
static int vm_run_prog(const struct bpf_insn *p, size_t cnt, uint64_t *r0, struct userbpf_error *e)
{
	struct userbpf_vm_opts opts = {.sz = sizeof opts};
	struct userbpf_vm *vm = NULL;
	unsigned char pkt[ORACLE_PKT_LEN] = {0};
	memset(e, 0, sizeof *e);
	int err = userbpf_vm_create(p, cnt, &opts, &vm, e);
	if (err)
		return err;
	err = userbpf_vm_exec(vm, pkt, sizeof pkt, r0, e);
	userbpf_vm_destroy(vm);
	return err;
}

/* The kernel's answer. Returns 0 and *retval; -1 when the verifier rejects the program
 * (errline filled); -2 when it loads but BPF_PROG_TEST_RUN fails. */
static int kernel_run_prog(const struct bpf_insn *p, size_t cnt, uint32_t *retval, char *errline,
                           size_t len)
{
	unsigned char pkt[ORACLE_PKT_LEN] = {0};
	int fd = tu_kernel_load(p, cnt, errline, len);
	if (fd < 0)
		return -1;
	int err = tu_kernel_test_run(fd, pkt, sizeof pkt, retval);
	close(fd);
	if (err)
		snprintf(errline, len, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	return err ? -2 : 0;
}

/* Compare one program's interpreter result with the kernel's; prints a report (the first
 * few times) and returns 0 on agreement. */
static int check_agrees(const struct bpf_insn *p, size_t cnt, uint32_t kernel, const char *where,
                        unsigned *reports)
{
	uint64_t r0 = 0;
	struct userbpf_error e;
	int err = vm_run_prog(p, cnt, &r0, &e);
	if (!err && (uint32_t)r0 == kernel)
		return 0;
	if ((*reports)++ < ORACLE_MAX_REPORTS) {
		if (err)
			printf("oracle-alu: %s: interpreter failed (%d at insn %d: %s), kernel "
			       "retval 0x%08" PRIx32 "\n",
			       where, err, e.insn, e.msg, kernel);
		else
			printf("oracle-alu: %s: kernel retval 0x%08" PRIx32 ", interpreter r0 "
			       "0x%016" PRIx64 " (low 32: 0x%08" PRIx32 ")\n",
			       where, kernel, r0, (uint32_t)r0);
		dump_prog(p, cnt);
	}
	return -1;
}

/* Test A: N fresh programs, kernel against interpreter. */
static void test_kernel_oracle(void **state)
{
	(void)state;
	if (!tu_kernel_bpf_available()) {
		printf("oracle-alu: kernel bpf() unavailable: skipped\n");
		skip();
	}
	uint64_t n = env_u64("USERBPF_ORACLE_N", ORACLE_DEFAULT_N);
	uint64_t seed = env_u64("USERBPF_ORACLE_SEED", ORACLE_DEFAULT_SEED);
	printf("oracle-alu: seed=0x%" PRIx64 " n=%" PRIu64 "\n", seed, n);
	uint64_t agreed = 0, disagreed = 0, rejected = 0;
	unsigned reports = 0;
	double t0 = now_sec();
	for (uint64_t i = 0; i < n; i++) {
		struct bpf_insn p[OG_MAX_INSNS];
		size_t cnt = og_gen_prog(seed, i, p);
		char where[64], errline[256] = "";
		uint32_t kernel = 0;
		snprintf(where, sizeof where, "seed=0x%" PRIx64 " index=%" PRIu64, seed, i);
		if (kernel_run_prog(p, cnt, &kernel, errline, sizeof errline)) {
			/* The generator promised a verifiable program: this is its bug. */
			if (rejected++ < ORACLE_MAX_REPORTS) {
				printf("oracle-alu: %s: kernel rejected: %s\n", where, errline);
				dump_prog(p, cnt);
			}
			continue;
		}
		if (check_agrees(p, cnt, kernel, where, &reports))
			disagreed++;
		else
			agreed++;
	}
	printf("oracle-alu: %" PRIu64 " agreed, %" PRIu64 " disagreed, %" PRIu64
	       " rejected (%.2fs)\n",
	       agreed, disagreed, rejected, now_sec() - t0);
	fflush(stdout);
	assert_int_equal(rejected, 0);
	assert_int_equal(disagreed, 0);
	assert_int_equal(agreed, n);
}

/* Parse "prog <word> ..." into p; returns the count, or 0 on a malformed line. */
static size_t parse_prog_line(const char *line, struct bpf_insn *p)
{
	const char *s = line + 4;
	size_t cnt = 0;
	while (cnt < OG_MAX_INSNS) {
		char *end;
		uint64_t w = strtoull(s, &end, 16);
		if (end == s)
			break;
		p[cnt++] = og_word_insn(w);
		s = end;
	}
	while (*s == ' ' || *s == '\n')
		s++;
	return *s ? 0 : cnt;
}

/* Test B: the recorded kernel answers, which need no kernel. */
static void test_fixture(void **state)
{
	(void)state;
	FILE *f = fopen(ORACLE_FIXTURE_PATH, "r");
	if (!f)
		fail_msg("cannot open %s", ORACLE_FIXTURE_PATH);
	char line[4096], where[160] = "start of file";
	struct bpf_insn p[OG_MAX_INSNS];
	size_t cnt = 0, lineno = 0;
	unsigned records = 0, disagreed = 0, reports = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n') {
			if (!strncmp(line, "# seed=", 7))
				snprintf(where, sizeof where, "line %zu %.*s", lineno,
				         (int)strcspn(line + 2, "\n"), line + 2);
			continue;
		}
		if (!strncmp(line, "prog ", 5)) {
			cnt = parse_prog_line(line, p);
			bad += cnt == 0;
			continue;
		}
		unsigned long long ret;
		if (sscanf(line, "retval %llx", &ret) != 1 || cnt == 0) {
			printf("oracle-alu: %s: malformed fixture line %zu\n", ORACLE_FIXTURE_PATH,
			       lineno);
			bad++;
			continue;
		}
		records++;
		disagreed += check_agrees(p, cnt, (uint32_t)ret, where, &reports) != 0;
		cnt = 0;
	}
	fclose(f);
	printf("oracle-alu fixture: %u agreed, %u disagreed, %u records\n", records - disagreed,
	       disagreed, records);
	fflush(stdout);
	assert_int_equal(bad, 0);
	assert_int_equal(disagreed, 0);
	assert_int_equal(records, ORACLE_FIXTURE_COUNT); /* a truncated fixture must fail */
}

/* Test C: what the kernel accepts, our strict structural check must accept too. */
static void test_isa_check(void **state)
{
	(void)state;
	uint64_t n = env_u64("USERBPF_ORACLE_N", ORACLE_DEFAULT_N);
	uint64_t seed = env_u64("USERBPF_ORACLE_SEED", ORACLE_DEFAULT_SEED);
	unsigned failed = 0;
	for (uint64_t i = 0; i < n; i++) {
		struct bpf_insn p[OG_MAX_INSNS];
		size_t cnt = og_gen_prog(seed, i, p);
		struct userbpf_error e = {0};
		if (userbpf_isa_check(p, cnt, 0, &e) == 0)
			continue;
		if (failed++ < ORACLE_MAX_REPORTS) {
			printf("oracle-alu: seed=0x%" PRIx64 " index=%" PRIu64
			       ": isa_check: %d at insn %d: %s\n",
			       seed, i, e.err, e.insn, e.msg);
			dump_prog(p, cnt);
		}
	}
	assert_int_equal(failed, 0);
}

static const char fixture_header[] =
        "# oracle_alu.txt — the Linux kernel's answers for random ALU/JMP programs.\n"
        "#\n"
        "# Recorded by: test_oracle_alu --record FILE (live kernel, socket filter, one\n"
        "# BPF_PROG_TEST_RUN on a 64-byte zero packet). test_oracle_alu replays it through\n"
        "# the interpreter, so the kernel's semantics are checked even without bpf().\n"
        "#\n"
        "# One block per program:\n"
        "#   # seed=<generator seed> index=<n>   provenance (tests/oracle/gen.c); informative\n"
        "#   prog <w> <w> ...                    the instructions, each 16 hex digits: the 8\n"
        "#                                       bytes of struct bpf_insn read as a little-endian\n"
        "#                                       u64 (code = low byte, imm = high 32 bits)\n"
        "#   retval 0x<8 hex digits>             the kernel's retval: the low 32 bits of r0\n"
        "# Other lines starting with '#' and blank lines are ignored.\n";

/* Regenerate the fixture from the live kernel. Returns the process exit status. */
static int record_fixture(const char *path)
{
	if (!tu_kernel_bpf_available()) {
		fprintf(stderr, "oracle-alu: kernel bpf() unavailable: cannot record\n");
		return 1;
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	fputs(fixture_header, f);
	fprintf(f, "# count=%d\n", ORACLE_FIXTURE_COUNT);
	for (uint64_t i = 0; i < ORACLE_FIXTURE_COUNT; i++) {
		struct bpf_insn p[OG_MAX_INSNS];
		size_t cnt = og_gen_prog(ORACLE_FIXTURE_SEED, i, p);
		char errline[256] = "";
		uint32_t kernel = 0;
		if (kernel_run_prog(p, cnt, &kernel, errline, sizeof errline)) {
			fprintf(stderr, "oracle-alu: index %" PRIu64 ": %s\n", i, errline);
			fclose(f);
			return 1;
		}
		fprintf(f, "\n# seed=0x%llx index=%" PRIu64 "\n", ORACLE_FIXTURE_SEED, i);
		og_print_words(f, p, cnt);
		fprintf(f, "retval 0x%08" PRIx32 "\n", kernel);
	}
	if (fclose(f)) {
		perror(path);
		return 1;
	}
	printf("oracle-alu: recorded %d programs into %s\n", ORACLE_FIXTURE_COUNT, path);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--record"))
		return record_fixture(argv[2]);
	if (argc > 1) {
		fprintf(stderr, "usage: %s [--record FIXTURE]\n", argv[0]);
		return 2;
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernel_oracle),
	        cmocka_unit_test(test_fixture),
	        cmocka_unit_test(test_isa_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
