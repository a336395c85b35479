/* test_helpers.c — helpers called from running programs: maps, guards, prototypes.
 *
 * Programs are assembled from text with the map's address as the ld_imm64 immediate (what
 * the object layer's rewrite of BPF_PSEUDO_MAP_FD produces) and run guarded, with a run
 * environment that names the program's maps — so a forged map pointer or a key outside the
 * program's memory must be refused by the helper, never followed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "testutil.h"

static struct bpf_map *make_map(uint32_t type, uint32_t key, uint32_t value, uint32_t max,
                                uint32_t flags)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = type;
	attr.key_size = key;
	attr.value_size = value;
	attr.max_entries = max;
	attr.map_flags = flags;
	struct bpf_map *map = NULL;
	int err = bpf_map_create_anon(&attr, &map, NULL);
	if (err) {
		print_error("map type %u: create failed (%d)\n", type, err);
		fail();
	}
	return map;
}

/* Assemble text (with %llx placeholders already filled) and run it guarded on a 64-byte
 * buffer with the given maps in the run environment. Returns the run's errno or 0. */
static int run_prog(const char *text, struct bpf_map **maps, uint32_t nr_maps, uint64_t *r0,
                    struct userbpf_error *e)
{
	struct bpf_insn *insns;
	size_t cnt;
	int err = userbpf_asm(text, &insns, &cnt, e);
	if (err) {
		print_error("asm: line %d: %s\n", e->insn, e->msg);
		fail();
	}
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	assert_int_equal(userbpf_vm_create(insns, cnt, &opts, &vm, e), 0);
	free(insns);
	bpf_helpers_install(vm);
	struct bpf_run_env env = {.maps = maps, .nr_maps = nr_maps};
	static unsigned char mem[64];
	struct userbpf_mem_region region = {mem, sizeof mem, USERBPF_MEM_READ | USERBPF_MEM_WRITE};
	struct userbpf_run_args args = {.sz = sizeof args,
	                                .r = {(uintptr_t)mem, sizeof mem},
	                                .regions = &region,
	                                .nr_regions = 1,
	                                .user = &env};
	err = userbpf_vm_run(vm, &args, r0, e);
	userbpf_vm_destroy(vm);
	return err;
}

#define PTR(p) ((unsigned long long)(uintptr_t)(p))

/* Increment the u64 at key 0 through the pointer lookup returns; r0 = the new value. */
static const char *incr_prog = "r1 = 0x%llx ll\n"
                               "*(u32 *)(r10 - 4) = 0\n"
                               "r2 = r10\n"
                               "r2 += -4\n"
                               "call 1\n"
                               "if r0 == 0 goto miss\n"
                               "r1 = *(u64 *)(r0 + 0)\n"
                               "r1 += 1\n"
                               "*(u64 *)(r0 + 0) = r1\n"
                               "r0 = r1\n"
                               "exit\n"
                               "miss:\n"
                               "r0 = -1\n"
                               "exit\n";

static void test_lookup_writes_through_pointer(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	char text[1024];
	snprintf(text, sizeof text, incr_prog, PTR(map));
	uint64_t r0;
	struct userbpf_error e;
	for (uint64_t want = 1; want <= 3; want++) {
		assert_int_equal(run_prog(text, &map, 1, &r0, &e), 0);
		assert_int_equal(r0, want);
	}
	uint32_t key = 0;
	uint64_t v = 0;
	assert_int_equal(map->ops->map_lookup_elem_sys(map, &key, &v, 0), 0);
	assert_int_equal(v, 3); /* the syscall side sees what the program wrote */
	bpf_map_detach(map);
}

static void test_forged_map_pointer_refused(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	char text[1024];
	/* the program names an address that is not one of its maps */
	snprintf(text, sizeof text, incr_prog, PTR(map) + 64);
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), 0);
	assert_int_equal((int64_t)r0, -1); /* lookup returned NULL */
	bpf_map_detach(map);
}

static void test_key_outside_memory_refused(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	char text[1024];
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\n"
	         "r2 = 0x1000 ll\n" /* a key pointer into nothing */
	         "call 1\n"
	         "r6 = r0\n"
	         "r1 = 0x%llx ll\n"
	         "r2 = 0x1000 ll\n"
	         "r3 = r10\n"
	         "r3 += -8\n"
	         "r4 = 0\n"
	         "call 2\n" /* update with the same bad key */
	         "r0 <<= 32\n"
	         "r0 |= r6\n"
	         "exit\n",
	         PTR(map), PTR(map));
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), 0);
	assert_int_equal((uint32_t)r0, 0);              /* lookup: NULL */
	assert_int_equal((int32_t)(r0 >> 32), -EFAULT); /* update: -EFAULT */
	bpf_map_detach(map);
}

static void test_value_bounds_guarded(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	char text[1024];
	/* write one byte past the 8-byte value the lookup granted */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\n*(u32 *)(r10 - 4) = 1\nr2 = r10\nr2 += -4\ncall 1\n"
	         "if r0 == 0 goto out\n*(u8 *)(r0 + 8) = 1\nout:\nexit\n",
	         PTR(map));
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), -EFAULT);
	assert_int_equal(e.insn, 7);
	bpf_map_detach(map);
}

static void test_rdonly_prog_value_not_writable(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_RDONLY_PROG);
	char text[1024];
	snprintf(text, sizeof text, incr_prog, PTR(map));
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "not writable"));
	bpf_map_detach(map);
}

static void test_update_delete_hash(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_HASH, 4, 8, 8, 0);
	char text[2048];
	/* update key 7 (NOEXIST) twice, delete twice; pack the four results, a byte each */
	const char *update = "r1 = 0x%llx ll\nr2 = r10\nr2 += -4\nr3 = r10\nr3 += -16\n"
	                     "r4 = 1\ncall 2\n";
	const char *delete = "r1 = 0x%llx ll\nr2 = r10\nr2 += -4\ncall 3\n";
	char u[256], d[256];
	snprintf(u, sizeof u, update, PTR(map));
	snprintf(d, sizeof d, delete, PTR(map));
	snprintf(text, sizeof text,
	         "*(u32 *)(r10 - 4) = 7\n*(u64 *)(r10 - 16) = 42\n"
	         "%sr6 = r0\n%sr7 = r0\n%sr8 = r0\n%sr9 = r0\n"
	         "r6 &= 255\nr7 &= 255\nr8 &= 255\nr9 &= 255\n"
	         "r0 = r6\nr0 <<= 8\nr0 |= r7\nr0 <<= 8\nr0 |= r8\nr0 <<= 8\nr0 |= r9\nexit\n",
	         u, u, d, d);
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), 0);
	assert_int_equal((r0 >> 24) & 0xff, 0);                /* first update */
	assert_int_equal((r0 >> 16) & 0xff, (uint8_t)-EEXIST); /* second NOEXIST update */
	assert_int_equal((r0 >> 8) & 0xff, 0);                 /* first delete */
	assert_int_equal(r0 & 0xff, (uint8_t)-ENOENT);         /* second delete */
	bpf_map_detach(map);
}

static void test_queue_push_pop(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0);
	char text[2048];
	snprintf(text, sizeof text,
	         "*(u64 *)(r10 - 8) = 11\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\n"
	         "*(u64 *)(r10 - 8) = 22\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 0\ncall 87\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -16\ncall 88\n" /* pop: 11 (FIFO) */
	         "r0 = *(u64 *)(r10 - 16)\nexit\n",
	         PTR(map), PTR(map), PTR(map));
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), 0);
	assert_int_equal(r0, 11);
	bpf_map_detach(map);
}

static void test_misc_helpers(void **state)
{
	uint64_t r0;
	struct userbpf_error e;
	/* ktime is monotonic: t2 - t1 >= 0 as unsigned and small */
	assert_int_equal(run_prog("call 5\nr6 = r0\ncall 5\nr0 -= r6\nexit\n", NULL, 0, &r0, &e),
	                 0);
	assert_true(r0 < 1000000000ull);
	assert_int_equal(run_prog("call 8\nexit\n", NULL, 0, &r0, &e), 0);
	assert_true(r0 < 4096);
	/* two prandom draws differ (xorshift never repeats its previous state) */
	assert_int_equal(run_prog("call 7\nr6 = r0\ncall 7\nr0 ^= r6\nexit\n", NULL, 0, &r0, &e),
	                 0);
	assert_true(r0 != 0);
}

static void test_prototype_table(void **state)
{
	const struct bpf_func_proto *p = bpf_helper_proto(BPF_FUNC_map_lookup_elem);
	assert_non_null(p);
	assert_string_equal(p->name, "map_lookup_elem");
	assert_string_equal(bpf_func_id_name(BPF_FUNC_map_lookup_elem), "bpf_map_lookup_elem");
	assert_int_equal(p->ret_type, RET_PTR_TO_MAP_VALUE_OR_NULL);
	assert_int_equal(p->arg_type[0], ARG_CONST_MAP_PTR);
	assert_int_equal(p->arg_type[1], ARG_PTR_TO_MAP_KEY);
	p = bpf_helper_proto(BPF_FUNC_map_pop_elem);
	assert_int_equal(p->arg_type[1], ARG_PTR_TO_UNINIT_MAP_VALUE);
	assert_null(bpf_helper_proto(0));    /* unspec */
	assert_null(bpf_helper_proto(9999)); /* out of range */
	assert_string_equal(bpf_func_id_name(9999), "unknown");
	/* the base set is checked against the kernel in test_helpers_proto.c */
	int n = 0;
	for (uint32_t id = 0; id < 512; id++)
		n += bpf_helper_proto(id) != NULL;
	assert_true(n >= 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lookup_writes_through_pointer),
	        cmocka_unit_test(test_forged_map_pointer_refused),
	        cmocka_unit_test(test_key_outside_memory_refused),
	        cmocka_unit_test(test_value_bounds_guarded),
	        cmocka_unit_test(test_rdonly_prog_value_not_writable),
	        cmocka_unit_test(test_update_delete_hash),
	        cmocka_unit_test(test_queue_push_pop),
	        cmocka_unit_test(test_misc_helpers),
	        cmocka_unit_test(test_prototype_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
