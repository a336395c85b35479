/* test_verifier_log.c — the verifier log, line by line, against the host kernel's.
 *
 * Each case (tests/fixtures/verifier_log_kernel.txt) was loaded into Linux 6.18 at a log
 * level (1, 2, 4 = stats, 8 = fixed) and its whole log recorded: per-insn lines with the
 * "; R0=..." state, "from X to Y:" branch states, pruned paths ("safe"), precision
 * backtracking, call frames, the final "processed" line, ENOSPC truncation (rotating and
 * fixed) and log_true_size. userbpf must print the same text (harness normalisations:
 * the time in "verification time", 6.18's stack-liveness debug lines). Re-record with
 * USERBPF_RECORD_FIXTURE=1 as root.
 */
#include "verifier_core_harness.h"

static void test_log_fixture(void **state)
{
	(void)state;
	vc_run_fixture("verifier_log_kernel.txt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_log_fixture)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
