/* test_sys_bpf_kernel.c — the bpf(2) argument rules, ours against the host kernel's.
 *
 * The cases in sys_bpf_cases.h run against userbpf_sys_bpf() and, when the host allows
 * it, against the real bpf(2) (sys_harness.h). The kernel's answers are recorded in
 * tests/fixtures/sys_bpf_kernel.txt, so ours are checked even where no kernel is at hand.
 * USERBPF_UPDATE_FIXTURES=1 rewrites the fixture from the running kernel.
 */
#include "sys_bpf_cases.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/sys_bpf_kernel.txt"
#define NCASES (sizeof sc_cases / sizeof sc_cases[0])

static void test_kernel_matches_fixture(void **state)
{
	sc_check_kernel(sc_cases, NCASES, FIXTURE,
	                "bpf(2) answers of the host kernel (tests/unit/sys_bpf_cases.h)");
}

static void test_ours_match_fixture(void **state)
{
	sc_check_ours(sc_cases, NCASES, FIXTURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernel_matches_fixture),
	        cmocka_unit_test(test_ours_match_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
