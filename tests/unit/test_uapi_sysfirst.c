/* A caller that includes the system's <linux/bpf.h> before ours: both must compile together,
 * warning-free, with the system's definitions in force and our additions on top. */
#include <linux/bpf.h>

#include "testutil.h" /* pulls in <userbpf/userbpf.h>, hence <userbpf/bpf_uapi.h> */

#include <string.h>

/* The system's union bpf_attr is the one in force: its __u64 is unsigned long long. */
_Static_assert(__builtin_types_compatible_p(__typeof__(((union bpf_attr *)0)->map_extra), __u64),
               "expected the system's union bpf_attr");

static void test_system_definitions_in_force(void **state)
{
	union bpf_attr attr;

	(void)state;
	memset(&attr, 0, sizeof(attr));
	attr.test.data_size_out = 64;
	assert_int_equal(offsetof(union bpf_attr, test.data_size_out), 12);
	assert_int_equal(BPF_PROG_RUN, BPF_PROG_TEST_RUN);
	assert_int_equal(BPF_MAP_TYPE_HASH, 1);
	assert_int_equal(BPF_FUNC_map_lookup_elem, 1);
	assert_int_equal(sizeof(struct bpf_insn), 8);
	assert_int_equal(sizeof(struct __sk_buff), 192);
}

/* Our own names exist whichever header came first. */
static void test_our_additions(void **state)
{
	static const char *const names[] = {
#define X(id, name) [id] = #name,
	        USERBPF_FUNC_MAPPER(X)
#undef X
	};
	USERBPF_MD_PTR(void *, data) md;
	userbpf_aligned_u64 u = 0;

	(void)state;
	(void)u;
	md.data = NULL;
	assert_null(md.data);
	assert_int_equal(sizeof(md), 8);
	assert_int_equal(_Alignof(userbpf_aligned_u64), 8);
	assert_string_equal(names[BPF_FUNC_map_lookup_elem], "map_lookup_elem");
	assert_string_equal(names[1], "map_lookup_elem");
	assert_string_equal(names[211], "cgrp_storage_delete");
	/* Constants older system headers lack come from our #ifndef block. */
	assert_int_equal(BPF_JMP32, 0x06);
	assert_int_equal(BPF_MEMSX, 0x80);
	assert_int_equal(BPF_JCOND, 0xe0);
	assert_int_equal(BPF_F_BEFORE, 1U << 3);
	assert_int_equal(BPF_F_AFTER, 1U << 4);
	assert_int_equal(BPF_F_ID, 1U << 5);
	assert_int_equal(BPF_F_LINK, 1U << 13);
	assert_int_equal(BPF_F_TEST_REG_INVARIANTS, 1U << 7);
	assert_int_equal(BPF_F_NETFILTER_IP_DEFRAG, 1U << 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_system_definitions_in_force),
	        cmocka_unit_test(test_our_additions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
