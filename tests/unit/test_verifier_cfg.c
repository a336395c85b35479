/* test_verifier_cfg.c — the verifier's verdicts, error lines and processed counts for
 * control flow (unreachable code, loops, infinite loops, jump-sequence limit), ALU and
 * pointer-arithmetic rules, bpf-to-bpf calls (frames, stack, arguments), return values
 * per program type, LD_ABS, branch pruning of dead code, and state pruning (20 diamonds
 * must stay linear). Each case's answer is the host kernel's (Linux 6.18), recorded in
 * tests/fixtures/verifier_core_kernel.txt; the processed-insn count must match too, which
 * is how pruning is held to the kernel's. Re-record with USERBPF_RECORD_FIXTURE=1 as root.
 */
#include "verifier_core_harness.h"

static void test_core_fixture(void **state)
{
	(void)state;
	vc_run_fixture("verifier_core_kernel.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_core_fixture)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
