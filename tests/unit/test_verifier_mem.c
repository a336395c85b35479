/* test_verifier_mem.c — the verifier's memory rules against the host kernel: the stack
 * (bounds, spill/fill, slot types, variable offsets), map values and keys (bounds,
 * read-only and write-only maps, constants of frozen maps, map-in-map), the context,
 * scalars and NULL-able pointers, atomics and alignment. Each case is accepted or refused
 * by the kernel; ours must give the same verdict and the same last log line. The cases
 * are in verifier_mem_cases.h, the kernel's answers in tests/fixtures/verifier_mem_*.txt.
 */
#include "verifier_mem_harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_stack(void **state)
{
	assert_int_equal(vh_group("stack", USERBPF_FIXTURES_DIR "/verifier_mem_stack.txt",
	                          stack_cases, N(stack_cases)),
	                 0);
}

static void test_map_values(void **state)
{
	assert_int_equal(vh_group("maps", USERBPF_FIXTURES_DIR "/verifier_mem_maps.txt", map_cases,
	                          N(map_cases)),
	                 0);
}

static void test_pointers(void **state)
{
	assert_int_equal(vh_group("pointers", USERBPF_FIXTURES_DIR "/verifier_mem_ptr.txt",
	                          ptr_cases, N(ptr_cases)),
	                 0);
}

static void test_packets_and_ctx(void **state)
{
	assert_int_equal(vh_group("packets", USERBPF_FIXTURES_DIR "/verifier_mem_pkt.txt",
	                          pkt_cases, N(pkt_cases)),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_stack),
	        cmocka_unit_test(test_map_values),
	        cmocka_unit_test(test_pointers),
	        cmocka_unit_test(test_packets_and_ctx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
