/* test_verifier_helper.c — the verifier's helper-call and reference rules against the
 * host kernel: prototypes by program type, argument kinds (maps, keys, values, memory and
 * sizes, constants, strings, callbacks), return values, ring buffer references released
 * on every path, spin locks, tail calls, the license. Cases in verifier_mem_cases.h,
 * the kernel's answers in tests/fixtures/verifier_mem_calls.txt.
 */
#include "verifier_mem_harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_helper_calls(void **state)
{
	assert_int_equal(vh_group("calls", USERBPF_FIXTURES_DIR "/verifier_mem_calls.txt",
	                          call_cases, N(call_cases)),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_helper_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
