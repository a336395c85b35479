/* test_fixup.c — pseudo ld_imm64 map references become addresses, or the kernel's errors. */
#include <errno.h>
#include <string.h>

#include "maps/map.h"
#include "testutil.h"
#include "verifier/fixup.h"

static unsigned char global_data[16];
static struct bpf_map maps[3] = {
        {.map_type = BPF_MAP_TYPE_HASH, .key_size = 4, .value_size = 8, .max_entries = 4},
        {.map_type = BPF_MAP_TYPE_ARRAY,
         .key_size = 4,
         .value_size = 16,
         .max_entries = 1,
         .data = global_data},
        {.map_type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 16, .max_entries = 2},
};

/* fds 10, 11, 12 are the three maps; 0 is a file that is not a map; others are closed */
static int fake_map_from_fd(void *ctx, int fd, struct bpf_map **map)
{
	if (fd >= 10 && fd <= 12) {
		*map = &maps[fd - 10];
		return 0;
	}
	return fd == 0 ? -EINVAL : -EBADF;
}

#define LD(d, s, lo, hi)                                                                           \
	{.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = (d), .src_reg = (s), .imm = (lo)},          \
	{                                                                                          \
		.imm = (hi)                                                                        \
	}
#define EXIT                                                                                       \
	{                                                                                          \
		.code = BPF_JMP | BPF_EXIT                                                         \
	}

static int fixup(struct bpf_insn *p, uint32_t cnt, const int32_t *fd_array,
                 struct bpf_fixup_env *env, struct userbpf_error *e)
{
	memset(env, 0, sizeof *env);
	env->map_from_fd = fake_map_from_fd;
	env->fd_array = fd_array;
	return bpf_fixup_map_ldimm64(p, cnt, env, e);
}

static void test_map_fd_and_idx(void **state)
{
	int32_t fd_array[] = {12, 10};
	struct bpf_insn p[] = {LD(1, BPF_PSEUDO_MAP_FD, 10, 0), LD(2, BPF_PSEUDO_MAP_IDX, 0, 0),
	                       LD(3, BPF_PSEUDO_MAP_FD, 10, 0), LD(4, 0, 7, 0), EXIT};
	struct bpf_fixup_env env;
	struct userbpf_error e;
	assert_int_equal(fixup(p, 9, fd_array, &env, &e), 0);
	assert_int_equal(userbpf_insn_imm64(&p[0]), (uintptr_t)&maps[0]);
	assert_int_equal(userbpf_insn_imm64(&p[2]), (uintptr_t)&maps[2]);
	assert_int_equal(p[0].src_reg, 0);
	assert_int_equal(p[2].src_reg, 0);
	assert_int_equal(userbpf_insn_imm64(&p[6]), 7); /* plain constants untouched */
	assert_int_equal(env.nr_used_maps, 2);          /* map 0 used twice, counted once */
	assert_ptr_equal(env.used_maps[0], &maps[0]);
	assert_ptr_equal(env.used_maps[1], &maps[2]);
}

static void test_direct_value(void **state)
{
	struct bpf_insn p[] = {LD(1, BPF_PSEUDO_MAP_VALUE, 11, 4), EXIT};
	struct bpf_fixup_env env;
	struct userbpf_error e;
	assert_int_equal(fixup(p, 3, NULL, &env, &e), 0);
	assert_int_equal(userbpf_insn_imm64(&p[0]), (uintptr_t)global_data + 4);
}

/* Each failure with the kernel's errno and text (recorded from Linux 6.18). */
static void test_errors(void **state)
{
	struct bpf_fixup_env env;
	struct userbpf_error e;
	struct bpf_insn bad_fd[] = {LD(1, BPF_PSEUDO_MAP_FD, 99, 0), EXIT};
	assert_int_equal(fixup(bad_fd, 3, NULL, &env, &e), -EBADF);
	assert_string_equal(e.msg, "fd 99 is not pointing to valid bpf_map");
	struct bpf_insn not_map[] = {LD(1, BPF_PSEUDO_MAP_FD, 0, 0), EXIT};
	assert_int_equal(fixup(not_map, 3, NULL, &env, &e), -EINVAL);
	assert_string_equal(e.msg, "fd 0 is not pointing to valid bpf_map");
	struct bpf_insn no_array[] = {LD(1, BPF_PSEUDO_MAP_IDX, 0, 0), EXIT};
	assert_int_equal(fixup(no_array, 3, NULL, &env, &e), -EPROTO);
	assert_string_equal(e.msg, "fd_idx without fd_array is invalid");
	struct bpf_insn hash_value[] = {LD(1, BPF_PSEUDO_MAP_VALUE, 10, 0), EXIT};
	assert_int_equal(fixup(hash_value, 3, NULL, &env, &e), -EINVAL);
	assert_string_equal(e.msg, "no direct value access support for this map type");
	struct bpf_insn two_elems[] = {LD(1, BPF_PSEUDO_MAP_VALUE, 12, 0), EXIT};
	assert_int_equal(fixup(two_elems, 3, NULL, &env, &e), -524); /* ENOTSUPP, as the kernel */
	struct bpf_insn past_end[] = {LD(1, BPF_PSEUDO_MAP_VALUE, 11, 16), EXIT};
	assert_int_equal(fixup(past_end, 3, NULL, &env, &e), -EINVAL);
	assert_string_equal(e.msg, "invalid access to map value pointer, value_size=16 off=16");
	assert_int_equal(e.insn, 0);
}

/* fd 1000 + i is many[i] */
static int many_from_fd(void *ctx, int fd, struct bpf_map **m)
{
	*m = &((struct bpf_map *)ctx)[fd - 1000];
	return 0;
}

static void test_used_maps_limit(void **state)
{
	/* 65 distinct maps: the 65th is refused with the kernel's limit message */
	static struct bpf_map many[65];
	static struct bpf_insn p[65 * 2 + 1];
	for (int i = 0; i < 65; i++) {
		many[i] = maps[0];
		p[2 * i] = (struct bpf_insn){.code = BPF_LD | BPF_IMM | BPF_DW,
		                             .dst_reg = 1,
		                             .src_reg = BPF_PSEUDO_MAP_FD,
		                             .imm = 1000 + i};
		p[2 * i + 1] = (struct bpf_insn){0};
	}
	p[130] = (struct bpf_insn)EXIT;
	struct bpf_fixup_env env;
	memset(&env, 0, sizeof env);
	env.map_from_fd = many_from_fd;
	env.ctx = many;
	struct userbpf_error e;
	assert_int_equal(bpf_fixup_map_ldimm64(p, 131, &env, &e), -E2BIG);
	assert_int_equal(e.insn, 128);
	assert_int_equal(env.nr_used_maps, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_map_fd_and_idx),
	        cmocka_unit_test(test_direct_value),
	        cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_used_maps_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
