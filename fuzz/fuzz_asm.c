/* libFuzzer target: the assembler, and the disassembler through a round trip.
 *
 * Input: text (cut at the first NUL). Whatever userbpf_asm accepts is disassembled one
 * instruction per line, in both spellings (llvm-objdump and verifier log), and assembled
 * again: the bytes must come back unchanged. Violations abort so the fuzzer records them.
 *
 * One exception: the verifier log writes ld_imm64 without the "ll" suffix ("r2 = 0x0"), so
 * in that spelling a small 64-bit immediate reads back as a 32-bit mov. Programs holding an
 * ld_imm64 only get the llvm-objdump round trip.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/asm.h>

#define FUZZ_MAX_TEXT 16384
#define FUZZ_LINE_MAX 256 /* disassembly buffer per instruction */

static void fail(const char *what, const char *detail)
{
	fprintf(stderr, "invariant violated: %s\n%s\n", what, detail ? detail : "");
	abort();
}

static void fail_err(const char *what, int ret, const struct userbpf_error *e)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "ret=%d err=%d line=%d msg=\"%.*s\"", ret, e->err, e->insn,
	         (int)sizeof(e->msg), e->msg);
	fail(what, detail);
}

static size_t count_lines(const char *text)
{
	size_t n = 1;

	for (; *text; text++)
		n += *text == '\n';
	return n;
}

/* userbpf_disasm_insn's contract: 1 or 2 instructions consumed (never past the end), or
 * -EINVAL with a reason; the buffer is NUL-terminated either way. An instruction may be
 * refused (say, a write to r10: the assembler's .insn and plain syntax encode anything). */
static void check_disasm_insn(const struct bpf_insn *insns, size_t cnt, unsigned flags)
{
	for (size_t i = 0; i < cnt;) {
		char line[FUZZ_LINE_MAX];
		int n;

		memset(line, 'x', sizeof(line));
		n = userbpf_disasm_insn(&insns[i], cnt - i, flags, line, sizeof(line));
		if (memchr(line, 0, sizeof(line)) == NULL)
			fail("disasm: buffer not NUL-terminated", NULL);
		if (n == -EINVAL && line[0] != 0) {
			i++;
			continue;
		}
		if ((n != 1 && n != 2) || (size_t)n > cnt - i || line[0] == 0)
			fail("disasm: bad return or empty text", line);
		i += (size_t)n;
	}
}

/* The listing userbpf_disasm_prog writes (invalid instructions as .insn lines), as a
 * malloc'd string. */
static char *disasm_all(const struct bpf_insn *insns, size_t cnt, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	if (userbpf_disasm_prog(insns, cnt, flags, 0, out) == -EIO)
		fail("disasm_prog: -EIO on a memory stream", NULL);
	if (fclose(out) != 0 || !text)
		abort();
	return text;
}

/* Hex dump of the first differing instruction, for the abort message. */
static void describe_mismatch(const struct bpf_insn *a, size_t na, const struct bpf_insn *b,
                              size_t nb, const char *text, char *out, size_t len)
{
	size_t i = 0;
	uint64_t wa = 0, wb = 0;

	while (i < na && i < nb && memcmp(&a[i], &b[i], sizeof(*a)) == 0)
		i++;
	if (i < na)
		memcpy(&wa, &a[i], sizeof(wa));
	if (i < nb)
		memcpy(&wb, &b[i], sizeof(wb));
	snprintf(out, len, "count %zu vs %zu, insn %zu: %016llx vs %016llx\n--- text ---\n%.1500s",
	         na, nb, i, (unsigned long long)wa, (unsigned long long)wb, text);
}

static bool has_ldimm64(const struct bpf_insn *insns, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			return true;
	}
	return false;
}

static void round_trip(const struct bpf_insn *insns, size_t cnt, unsigned flags)
{
	check_disasm_insn(insns, cnt, flags);

	char *text = disasm_all(insns, cnt, flags);
	struct bpf_insn *again = NULL;
	struct userbpf_error e;
	size_t cnt2 = 0;
	int ret = userbpf_asm(text, &again, &cnt2, &e);

	if (ret) {
		fprintf(stderr, "--- disassembly ---\n%.2000s", text);
		fail_err("round trip: disassembly does not assemble", ret, &e);
	}
	if (cnt2 != cnt || memcmp(insns, again, cnt * sizeof(*insns)) != 0) {
		char detail[2048];

		describe_mismatch(insns, cnt, again, cnt2, text, detail, sizeof(detail));
		fail("round trip: bytes differ", detail);
	}
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpf_insn *insns = NULL;
	struct userbpf_error e;
	size_t cnt = 0;
	char *text;
	int ret;

	if (size > FUZZ_MAX_TEXT)
		return -1;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;

	ret = userbpf_asm(text, &insns, &cnt, &e);
	if (ret > 0)
		fail_err("asm returned a positive value", ret, &e);
	if (ret < 0) {
		if (e.err != ret || e.msg[0] == 0 || memchr(e.msg, 0, sizeof(e.msg)) == NULL)
			fail_err("asm error record incomplete", ret, &e);
		if (e.insn < 1 || (size_t)e.insn > count_lines(text))
			fail_err("asm error line out of range", ret, &e);
	} else if (cnt > 0) {
		round_trip(insns, cnt, 0);
		if (!has_ldimm64(insns, cnt))
			round_trip(insns, cnt, USERBPF_DISASM_KERNEL);
	}
	free(insns);
	free(text);
	return 0;
}
