/* libFuzzer target: the structural checker (userbpf_isa_check), the disassembler (its
 * listing must assemble back to the same bytes) and, for programs the relaxed check
 * accepts, the unverified interpreter.
 *
 * Input: raw bytes, read as struct bpf_insn (a trailing partial instruction is dropped).
 * Every invariant below is part of the public contract; a violation aborts so the fuzzer
 * records the input.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/asm.h>
#include <userbpf/isa.h>
#include <userbpf/vm.h>

#define FUZZ_MAX_INSNS 4096    /* keeps each run fast; the checker is linear anyway */
#define FUZZ_INSN_BUDGET 10000 /* unverified-mode budget per run */
#define FUZZ_MEM_LEN 64

static void fail(const char *what, const struct userbpf_error *e, int ret)
{
	fprintf(stderr, "invariant violated: %s (ret=%d err=%d insn=%d msg=\"%.*s\")\n", what, ret,
	        e->err, e->insn, (int)sizeof(e->msg), e->msg);
	abort();
}

/* Shared by every call that reports through struct userbpf_error. insn_hi bounds e.insn
 * (exclusive); -1 is always allowed. */
static void check_error(const char *who, int ret, const struct userbpf_error *e, long insn_hi)
{
	char what[96];

	if (ret > 0) {
		snprintf(what, sizeof(what), "%s returned a positive value", who);
		fail(what, e, ret);
	}
	if (ret == 0)
		return;
	if (ret < -4095) {
		snprintf(what, sizeof(what), "%s returned a non-errno value", who);
		fail(what, e, ret);
	}
	if (e->err != ret || e->msg[0] == 0 || memchr(e->msg, 0, sizeof(e->msg)) == NULL) {
		snprintf(what, sizeof(what), "%s error record incomplete", who);
		fail(what, e, ret);
	}
	if (e->insn < -1 || e->insn >= insn_hi) {
		snprintf(what, sizeof(what), "%s error index out of range", who);
		fail(what, e, ret);
	}
}

/* Subprogram starts of an accepted program: 0 first, ascending, inside the program. */
static void check_subprogs(const struct bpf_insn *insns, size_t cnt)
{
	uint32_t starts[USERBPF_MAX_SUBPROGS];
	struct userbpf_error e;
	int n = userbpf_isa_subprogs(insns, cnt, starts, USERBPF_MAX_SUBPROGS, &e);

	check_error("userbpf_isa_subprogs", n < 0 ? n : 0, &e, (long)cnt);
	if (n < 0)
		return;
	if (n < 1 || n > USERBPF_MAX_SUBPROGS || starts[0] != 0)
		fail("subprogs: bad count or first start", &e, n);
	for (int i = 1; i < n; i++) {
		if (starts[i] <= starts[i - 1] || starts[i] >= cnt)
			fail("subprogs: starts not ascending or out of range", &e, n);
	}
}

/* Any bytes survive the listing: userbpf_disasm_prog writes what it cannot decode as .insn
 * lines, and userbpf_asm must read the listing back to the same bytes. */
static void check_listing(const struct bpf_insn *insns, size_t cnt)
{
	struct bpf_insn *again = NULL;
	struct userbpf_error e = {0}; /* printed on a mismatch even if asm succeeded */
	char *text = NULL;
	size_t len = 0, cnt2 = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		abort();
	userbpf_disasm_prog(insns, cnt, 0, 0, out);
	if (fclose(out) != 0 || !text)
		abort();
	int ret = userbpf_asm(text, &again, &cnt2, &e);
	if (ret || cnt2 != cnt || memcmp(insns, again, cnt * sizeof(*insns)) != 0) {
		fprintf(stderr, "--- listing ---\n%.3000s", text);
		fail("listing does not assemble back to the same bytes", &e, ret);
	}
	free(again);
	free(text);
}

/* A helper that touches nothing: lets call instructions get past the id lookup. */
static uint64_t helper_nop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                           struct userbpf_run_ctx *rc)
{
	return r1 ^ r2;
}

/* The interpreter leaves map/BTF/func references (ld_imm64 with a pseudo src_reg) to the
 * object layer and refuses them at create time. */
static bool has_pseudo_ldimm64(const struct bpf_insn *insns, size_t cnt)
{
	for (size_t i = 0; i < cnt; i++) {
		if (userbpf_insn_is_ldimm64(&insns[i])) {
			if (insns[i].src_reg != 0)
				return true;
			i++;
		}
	}
	return false;
}

/* Run a relaxed-valid program unverified: any outcome but a crash or a bad report is fine. */
static void run_unverified(const struct bpf_insn *insns, size_t cnt)
{
	struct userbpf_vm_opts opts = {.sz = sizeof(opts),
	                               .flags = USERBPF_VM_UNVERIFIED,
	                               .insn_budget = FUZZ_INSN_BUDGET};
	struct userbpf_vm *vm = NULL;
	struct userbpf_error e;
	int ret = userbpf_vm_create(insns, cnt, &opts, &vm, &e);

	check_error("userbpf_vm_create", ret, &e, (long)cnt);
	if (ret) {
		/* The relaxed check just passed, and create is documented as that check plus
		 * pre-decoding: only memory and pseudo ld_imm64 may fail here. */
		if (ret != -ENOMEM && !(ret == -EINVAL && has_pseudo_ldimm64(insns, cnt)))
			fail("vm_create rejected a program the relaxed check accepted", &e, ret);
		return;
	}
	/* Ids the conformance suite and the benchmark use; others stay unknown (-ENOENT). */
	userbpf_vm_set_helper(vm, 5, helper_nop);
	userbpf_vm_set_helper(vm, 7, helper_nop);

	uint8_t mem[FUZZ_MEM_LEN];
	uint64_t r0 = 0;

	for (size_t i = 0; i < sizeof(mem); i++)
		mem[i] = (uint8_t)(i * 37 + 1);
	ret = userbpf_vm_exec(vm, mem, sizeof(mem), &r0, &e);
	check_error("userbpf_vm_exec", ret, &e, (long)cnt);
	userbpf_vm_destroy(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cnt = size / sizeof(struct bpf_insn);
	struct userbpf_error e;
	struct bpf_insn *insns;
	int ret;

	if (cnt > FUZZ_MAX_INSNS)
		return -1; /* -1: do not add to the corpus */
	/* An exact-size heap copy, so ASan catches any read past the last instruction. */
	insns = malloc(cnt ? cnt * sizeof(*insns) : 1);
	if (!insns)
		return 0;
	memcpy(insns, data, cnt * sizeof(*insns));

	ret = userbpf_isa_check(insns, cnt, 0, &e);
	check_error("userbpf_isa_check", ret, &e, (long)cnt);
	int strict_ok = ret == 0;
	if (strict_ok)
		check_subprogs(insns, cnt);

	ret = userbpf_isa_check(insns, cnt, USERBPF_ISA_RELAXED, &e);
	check_error("userbpf_isa_check(RELAXED)", ret, &e, (long)cnt);
	/* Relaxed mode only drops checks, so it must accept whatever strict mode accepts. */
	if (strict_ok && ret)
		fail("relaxed check rejected a program the strict check accepted", &e, ret);
	if (ret == 0)
		run_unverified(insns, cnt);
	if (cnt > 0)
		check_listing(insns, cnt);

	free(insns);
	return 0;
}
