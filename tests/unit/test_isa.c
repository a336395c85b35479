/* test_isa.c — the structural checks agree with the kernel, case by case.
 *
 * tests/fixtures/isa_errors.txt holds the kernel's verdict on each malformed program
 * (recorded by scripts/record-isa-fixture.sh). Where the kernel's first error is an
 * encoding error, ours must be identical (errno and text); where the kernel accepts, or
 * rejects for a reason found only by abstract interpretation, the encoding is valid and
 * ours must accept. With bpf() available, the same comparison runs against the live kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* Kernel messages that come from encoding checks (ours), as opposed to the verifier's. */
static const char *const isa_messages[] = {
        "unknown opcode ",
        " uses reserved fields",
        "jump out of range from insn ",
        "last insn is not an exit or jmp",
        "invalid bpf_ld_imm64 insn",
        "unrecognized bpf_ld_imm64 insn",
        "jump into the middle of ldimm64 insn ",
        "call to invalid destination",
        " is invalid",
        "frame pointer is read only",
        "invalid atomic operand size",
        "BPF_ATOMIC uses invalid atomic opcode ",
        "invalid may_goto imm ",
        "addr_space_cast insn ",
};

static int is_isa_message(const char *msg)
{
	for (size_t i = 0; i < sizeof isa_messages / sizeof isa_messages[0]; i++)
		if (strstr(msg, isa_messages[i]))
			return 1;
	return 0;
}

struct isa_case {
	char name[64];
	struct bpf_insn insns[16];
	size_t cnt;
	int ok;        /* kernel accepted */
	int err;       /* kernel errno (positive) */
	char msg[160]; /* kernel's error line */
};

/* Parse "name: w w w => OK" or "name: w w w => ERR errno message". */
static int parse_case(char *line, struct isa_case *c)
{
	char *colon = strchr(line, ':'), *arrow = strstr(line, " => ");
	if (!colon || !arrow || colon > arrow)
		return -1;
	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%.*s", (int)(colon - line), line);
	*arrow = 0;
	for (char *p = colon + 1; *p && c->cnt < 16;) {
		char *end;
		uint64_t w = strtoull(p, &end, 16);
		if (end == p)
			break;
		memcpy(&c->insns[c->cnt++], &w, 8);
		p = end;
	}
	char *v = arrow + 4;
	v[strcspn(v, "\n")] = 0;
	if (!strcmp(v, "OK")) {
		c->ok = 1;
		return 0;
	}
	int n = 0;
	if (sscanf(v, "ERR %d %n", &c->err, &n) != 1)
		return -1;
	snprintf(c->msg, sizeof c->msg, "%s", v + n);
	return 0;
}

static int load_cases(struct isa_case **out)
{
	size_t len;
	char *text = tu_read_file(USERBPF_FIXTURES_DIR "/isa_errors.txt", &len);
	assert_non_null(text);
	static struct isa_case cases[256]; /* static: a failed assertion longjmps past any free */
	int n = 0;
	for (char *line = strtok(text, "\n"); line && n < 256; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		assert_int_equal(parse_case(line, &cases[n]), 0);
		n++;
	}
	free(text);
	*out = cases;
	return n;
}

/* Compare our verdict on c with an expected (ok, err, msg). Returns 1 when the kernel's
 * error is an encoding error (exact match required), 0 when ours had to accept. */
static int check_against(const struct isa_case *c, int ok, int err, const char *msg)
{
	struct userbpf_error e;
	int ret = userbpf_isa_check(c->insns, c->cnt, 0, &e);
	if (!ok && is_isa_message(msg)) {
		if (ret != -err || strcmp(e.msg, msg)) {
			print_error("%s: kernel says %d '%s', we say %d '%s'\n", c->name, -err, msg,
			            ret, e.msg);
			fail();
		}
		return 1;
	}
	if (ret != 0) {
		print_error("%s: kernel %s '%s', but we reject the encoding: '%s'\n", c->name,
		            ok ? "accepts" : "rejects later with", msg, e.msg);
		fail();
	}
	return 0;
}

static void test_fixture_agreement(void **state)
{
	struct isa_case *cases;
	int n = load_cases(&cases), exact = 0;
	assert_true(n >= 90); /* the recording is complete */
	for (int i = 0; i < n; i++)
		exact += check_against(&cases[i], cases[i].ok, cases[i].err, cases[i].msg);
	printf("isa fixture: %d cases, %d encoding errors matched exactly, %d valid encodings\n", n,
	       exact, n - exact);
	assert_true(exact >= 75);
}

static void test_live_kernel_agreement(void **state)
{
	if (!tu_kernel_bpf_available()) {
		printf("kernel bpf() unavailable: live comparison skipped (fixture still "
		       "checked)\n");
		skip();
	}
	struct isa_case *cases;
	int n = load_cases(&cases), drift = 0;
	for (int i = 0; i < n; i++) {
		char msg[160] = "";
		int fd = tu_kernel_load(cases[i].insns, cases[i].cnt, msg, sizeof msg);
		if (fd >= 0)
			close(fd);
		int ok = fd >= 0;
		if (ok != cases[i].ok || (!ok && strcmp(msg, cases[i].msg)))
			drift++; /* a different kernel: compare with what it says now */
		check_against(&cases[i], ok, ok ? 0 : -fd, msg);
	}
	printf("isa live kernel: %d cases compared, %d differ from the recording\n", n, drift);
}

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)

static void test_empty_and_huge(void **state)
{
	struct userbpf_error e;
	struct bpf_insn one = EXIT;
	assert_int_equal(userbpf_isa_check(&one, 0, 0, &e), -E2BIG);
	assert_int_equal(e.insn, -1);
	assert_true(e.msg[0] != 0);
	assert_int_equal(userbpf_isa_check(&one, USERBPF_MAX_INSNS + 1, 0, &e), -E2BIG);
	assert_int_equal(userbpf_isa_check(&one, 1, 0, NULL), 0); /* NULL error record is fine */
}

static void test_error_index(void **state)
{
	struct bpf_insn p[] = {MOV_K(0, 1), MOV_K(1, 2), INSN(0x8e, 0, 0, 0, 0), EXIT};
	struct userbpf_error e;
	assert_int_equal(userbpf_isa_check(p, 4, 0, &e), -EINVAL);
	assert_int_equal(e.insn, 2);
	assert_string_equal(e.msg, "unknown opcode 8e");
}

static void test_relaxed_mode(void **state)
{
	struct userbpf_error e;
	/* No trailing exit: strict rejects, relaxed leaves it to the runtime guard. */
	struct bpf_insn no_exit[] = {MOV_K(0, 1)};
	assert_int_equal(userbpf_isa_check(no_exit, 1, 0, &e), -EINVAL);
	assert_int_equal(userbpf_isa_check(no_exit, 1, USERBPF_ISA_RELAXED, &e), 0);
	/* callx exists only in relaxed mode. */
	struct bpf_insn callx[] = {MOV_K(2, 5), INSN(BPF_JMP | BPF_CALL | BPF_X, 2, 0, 0, 0), EXIT};
	assert_int_equal(userbpf_isa_check(callx, 3, 0, &e), -EINVAL);
	assert_string_equal(e.msg, "unknown opcode 8d");
	assert_int_equal(userbpf_isa_check(callx, 3, USERBPF_ISA_RELAXED, &e), 0);
	/* A jump out of the program is rejected in both modes. */
	struct bpf_insn out[] = {INSN(BPF_JMP | BPF_JA, 0, 0, 5, 0), EXIT};
	assert_int_equal(userbpf_isa_check(out, 2, USERBPF_ISA_RELAXED, &e), -EINVAL);
	assert_string_equal(e.msg, "jump out of range from insn 0 to 6");
	/* Jumping into another subprogram: only relaxed mode allows it. */
	struct bpf_insn across[] = {INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2),
	                            INSN(BPF_JMP | BPF_JA, 0, 0, 2, 0), EXIT, MOV_K(0, 0), EXIT};
	assert_int_equal(userbpf_isa_check(across, 5, 0, &e), -EINVAL);
	assert_int_equal(userbpf_isa_check(across, 5, USERBPF_ISA_RELAXED, &e), 0);
	/* A truncated ld_imm64 is never runnable. */
	struct bpf_insn trunc[] = {EXIT, INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0)};
	assert_int_equal(userbpf_isa_check(trunc, 2, USERBPF_ISA_RELAXED, &e), -EINVAL);
	assert_string_equal(e.msg, "invalid bpf_ld_imm64 insn");
}

static void test_subprogs(void **state)
{
	/* calls to 4 and 6 (twice), a pseudo func to 6: starts {0, 4, 6} sorted, deduplicated */
	struct bpf_insn p[] = {
	        INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 5),
	        INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2),
	        INSN(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 3),
	        INSN(0, 0, 0, 0, 0),
	        EXIT,
	        EXIT,
	        MOV_K(0, 0),
	        EXIT,
	};
	uint32_t starts[4];
	struct userbpf_error e;
	assert_int_equal(userbpf_isa_subprogs(p, 8, starts, 4, &e), 3);
	assert_int_equal(starts[0], 0);
	assert_int_equal(starts[1], 4);
	assert_int_equal(starts[2], 6);
	assert_int_equal(userbpf_isa_subprogs(p, 8, starts, 2, &e), -E2BIG);
}

static void test_opcode_table(void **state)
{
	/* Spot checks that pin the table to Linux's: counts by class, and known holes. */
	int n = 0;
	for (int c = 0; c < 256; c++)
		n += userbpf_isa_opcode_valid((uint8_t)c);
	/* 26+1 ALU, 26 ALU64, 23+23 JMP/JMP32 conds+ja, call, exit, jcond, 4 atomic, 4 stx,
	 * 4 st, 4 ldx, 3 ldxsx, lddw, 6 ld_abs/ind */
	assert_int_equal(n, 27 + 26 + 23 + 23 + 3 + 4 + 4 + 4 + 4 + 3 + 1 + 6);
	assert_false(userbpf_isa_opcode_valid(BPF_ALU | BPF_NEG | BPF_X));
	assert_false(userbpf_isa_opcode_valid(BPF_ALU64 | BPF_END | BPF_TO_BE));
	assert_true(userbpf_isa_opcode_valid(BPF_ALU64 | BPF_END | BPF_TO_LE));
	assert_false(userbpf_isa_opcode_valid(BPF_JMP32 | BPF_CALL));
	assert_true(userbpf_isa_opcode_valid(BPF_JMP32 | BPF_JA));
	assert_false(userbpf_isa_opcode_valid(BPF_LDX | BPF_MEMSX | BPF_DW));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_fixture_agreement),
	        cmocka_unit_test(test_live_kernel_agreement),
	        cmocka_unit_test(test_empty_and_huge),
	        cmocka_unit_test(test_error_index),
	        cmocka_unit_test(test_relaxed_mode),
	        cmocka_unit_test(test_subprogs),
	        cmocka_unit_test(test_opcode_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
