/* test_helpers_proto.c — the helper prototype table and the map/helper compatibility
 * table, against the host kernel.
 *
 * 1. Base helpers: the kernel's answer to "may program type T call helper N?" for seven
 *    unrelated types is kept in tests/fixtures/helpers_allowed_kernel.txt. A helper every
 *    one of them may call is a base helper (bpf_base_func_proto); ours must be exactly
 *    those we have a prototype for.
 * 2. Compatibility: for each map type the kernel can create and each helper with a map
 *    argument that a socket filter may call, a program passes the map to the helper (the
 *    other arguments made valid from our prototype). The kernel's verdict — refused with
 *    "cannot pass map_type", or not — is kept in tests/fixtures/helpers_compat_kernel.txt,
 *    and bpf_check_map_func_compat must give the same one.
 * 3. Prototypes: spot checks of kernel-exact kinds and gpl_only flags.
 * Re-record the fixtures with USERBPF_RECORD_FIXTURES=1 (as root).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "testutil.h"

#define FIXTURE_ALLOWED USERBPF_FIXTURES_DIR "/helpers_allowed_kernel.txt"
#define FIXTURE_COMPAT USERBPF_FIXTURES_DIR "/helpers_compat_kernel.txt"
#define MAX_ID 212

static long sys_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(SYS_bpf, cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

/* --- 1. base helpers --- */

static void test_base_set_matches_kernel(void **state)
{
	char *text = tu_read_file(FIXTURE_ALLOWED, NULL);
	assert_non_null(text);
	bool every[MAX_ID];
	for (int i = 0; i < MAX_ID; i++)
		every[i] = true;
	int types = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (*line == '#')
			continue;
		bool allowed[MAX_ID] = {false};
		char *p = line;
		strtol(p, &p, 10); /* the program type */
		for (long id; (id = strtol(p, &p, 10)) > 0;)
			if (id < MAX_ID)
				allowed[id] = true;
		for (int i = 0; i < MAX_ID; i++)
			every[i] &= allowed[i];
		types++;
	}
	free(text);
	assert_true(types >= 5);
	int base = 0, unknown = 0;
	char missing[512] = "";
	for (uint32_t id = 1; id < MAX_ID; id++) {
		const struct bpf_func_proto *ours = bpf_base_func_proto(id);
		if (ours && !every[id]) {
			print_error("helper %u (%s) is base for us, not for the kernel\n", id,
			            bpf_func_id_name(id));
			fail();
		}
		if (every[id] && !ours) {
			if (bpf_helper_proto_any(id)) {
				print_error("helper %u (%s) is base for the kernel, not for us\n",
				            id, bpf_func_id_name(id));
				fail();
			}
			unknown++;
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing), " %s",
			         bpf_func_id_name(id));
		}
		base += every[id];
	}
	printf("base helpers: %d in the kernel, %d without a prototype here:%s\n", base, unknown,
	       missing);
}

/* --- 2. compatibility --- */

struct prog {
	struct bpf_insn insn[64];
	int n;
};

static void emit(struct prog *p, struct bpf_insn in)
{
	p->insn[p->n++] = in;
}

static void emit_ld64(struct prog *p, int dst, int src, uint64_t imm)
{
	emit(p, (struct bpf_insn){.code = BPF_LD | BPF_DW | BPF_IMM,
	                          .dst_reg = dst,
	                          .src_reg = src,
	                          .imm = (int32_t)(uint32_t)imm});
	emit(p, (struct bpf_insn){.imm = (int32_t)(imm >> 32)});
}

static void emit_mov(struct prog *p, int dst, int32_t imm)
{
	emit(p, (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = dst, .imm = imm});
}

static void emit_movr(struct prog *p, int dst, int src)
{
	emit(p, (struct bpf_insn){
	                .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = dst, .src_reg = src});
}

static void emit_stack_ptr(struct prog *p, int dst, int off)
{
	emit_movr(p, dst, BPF_REG_10);
	emit(p, (struct bpf_insn){.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = dst, .imm = off});
}

/* A program passing map fd to helper id with every other argument made valid from our
 * prototype; false when an argument kind cannot be made here. */
static bool build_call(struct prog *p, uint32_t id, int fd)
{
	const struct bpf_func_proto *fp = bpf_helper_proto_any(id);
	p->n = 0;
	emit_movr(p, BPF_REG_6, BPF_REG_1);
	/* 256 zeroed stack bytes for keys, values and buffers */
	emit_mov(p, BPF_REG_0, 0);
	for (int off = -256; off < 0; off += 8)
		emit(p, (struct bpf_insn){.code = BPF_STX | BPF_MEM | BPF_DW,
		                          .dst_reg = BPF_REG_10,
		                          .src_reg = BPF_REG_0,
		                          .off = (int16_t)off});
	int func_fixup = -1;
	for (int a = 0; a < 5; a++) {
		int reg = BPF_REG_1 + a;
		uint32_t t = fp->arg_type[a], base = bpf_type_base(t);
		switch (base) {
		case ARG_DONTCARE:
			break;
		case ARG_CONST_MAP_PTR:
			emit_ld64(p, reg, BPF_PSEUDO_MAP_FD, (uint32_t)fd);
			break;
		case ARG_PTR_TO_MAP_KEY:
		case ARG_PTR_TO_MAP_VALUE:
		case ARG_PTR_TO_MEM:
			emit_stack_ptr(p, reg, -256);
			break;
		case ARG_CONST_SIZE:
		case ARG_CONST_SIZE_OR_ZERO:
		case ARG_CONST_ALLOC_SIZE_OR_ZERO:
			emit_mov(p, reg, 8);
			break;
		case ARG_ANYTHING:
		case ARG_PTR_TO_STACK:
			emit_mov(p, reg, 0);
			break;
		case ARG_PTR_TO_CTX:
			emit_movr(p, reg, BPF_REG_6);
			break;
		case ARG_PTR_TO_FUNC:
			func_fixup = p->n;
			emit_ld64(p, reg, BPF_PSEUDO_FUNC, 0);
			break;
		default:
			return false;
		}
	}
	emit(p, (struct bpf_insn){.code = BPF_JMP | BPF_CALL, .imm = (int32_t)id});
	if (bpf_type_base(fp->ret_type) == RET_PTR_TO_MEM && (fp->ret_type & MEM_RINGBUF)) {
		/* a reserved record must be released on every path */
		emit(p, (struct bpf_insn){
		                .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = BPF_REG_0, .off = 3});
		emit_movr(p, BPF_REG_1, BPF_REG_0);
		emit_mov(p, BPF_REG_2, 0);
		emit(p, (struct bpf_insn){.code = BPF_JMP | BPF_CALL,
		                          .imm = BPF_FUNC_ringbuf_discard});
	}
	emit_mov(p, BPF_REG_0, 0);
	emit(p, (struct bpf_insn){.code = BPF_JMP | BPF_EXIT});
	if (func_fixup >= 0) {
		/* the callback: return 0 */
		p->insn[func_fixup].imm = p->n - func_fixup - 1;
		emit_mov(p, BPF_REG_0, 0);
		emit(p, (struct bpf_insn){.code = BPF_JMP | BPF_EXIT});
	}
	return true;
}

struct map_kind {
	uint32_t type, key, value, max, flags;
};

static const struct map_kind map_kinds[] = {
        {BPF_MAP_TYPE_HASH, 4, 8, 4, 0},
        {BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0},
        {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0},
        {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0},
        {BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0},
        {BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0},
        {BPF_MAP_TYPE_STACK_TRACE, 4, 64, 4, 0},
        {BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0},
        {BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0},
        {BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, 0},
        {BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC},
        {BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0},
        {BPF_MAP_TYPE_SOCKMAP, 4, 4, 4, 0},
        {BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0},
        {BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0},
        {BPF_MAP_TYPE_SOCKHASH, 4, 4, 4, 0},
        {BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, 4, 4, 4, 0},
        {BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0},
        {BPF_MAP_TYPE_STACK, 0, 8, 4, 0},
        {BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0},
        {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0},
        {BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 4, 0},
};

/* Helper ids a socket filter may call that take a map (from the allowed fixture). */
static int compat_funcs(uint32_t *ids)
{
	char *text = tu_read_file(FIXTURE_ALLOWED, NULL);
	assert_non_null(text);
	int n = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *p = line;
		if (*line == '#' || strtol(p, &p, 10) != BPF_PROG_TYPE_SOCKET_FILTER)
			continue;
		for (long id; (id = strtol(p, &p, 10)) > 0;) {
			const struct bpf_func_proto *fp = bpf_helper_proto_any((uint32_t)id);
			bool has_map = false;
			for (int a = 0; fp && a < 5; a++)
				has_map |= bpf_type_base(fp->arg_type[a]) == ARG_CONST_MAP_PTR;
			if (has_map)
				ids[n++] = (uint32_t)id;
		}
	}
	free(text);
	return n;
}

/* The kernel's verdicts as fixture lines: "<map_type> <func_id> refused|other|ok <line>" */
static char *kernel_compat_trace(void)
{
	uint32_t ids[64];
	int nids = compat_funcs(ids);
	struct utsname u;
	uname(&u);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	len += (size_t)snprintf(
	        out, cap,
	        "# The host kernel's verdicts (Linux %s): a socket filter passing a "
	        "map of\n# <map_type> to helper <func_id>; \"refused\": cannot pass "
	        "map_type.\n# Re-record: USERBPF_RECORD_FIXTURES=1 "
	        "test_helpers_proto (as root).\n",
	        u.release);
	for (size_t m = 0; m < sizeof map_kinds / sizeof map_kinds[0]; m++) {
		const struct map_kind *k = &map_kinds[m];
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_type = k->type;
		a.key_size = k->key;
		a.value_size = k->value;
		a.max_entries = k->max;
		a.map_flags = k->flags;
		int fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
		if (fd < 0)
			continue; /* not creatable here (no BTF, no kernel support) */
		for (int i = 0; i < nids; i++) {
			struct prog p;
			if (!build_call(&p, ids[i], fd))
				continue;
			char line[256];
			int pfd = tu_kernel_load(p.insn, (size_t)p.n, line, sizeof line);
			const char *verdict = pfd >= 0                               ? "ok"
			                      : strstr(line, "cannot pass map_type") ? "refused"
			                                                             : "other";
			if (pfd >= 0) {
				close(pfd);
				line[0] = 0;
			}
			if (len + 512 > cap)
				out = realloc(out, cap *= 2);
			len += (size_t)snprintf(out + len, cap - len, "%u %u %s %s\n", k->type,
			                        ids[i], verdict, line);
		}
		close(fd);
	}
	return out;
}

/* Compare our table with the recorded verdicts. Returns the number of disagreements. */
static int compare_compat(const char *trace, int *compared)
{
	char *copy = strdup(trace);
	int bad = 0;
	*compared = 0;
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned type, id;
		char verdict[16];
		if (*line == '#' || sscanf(line, "%u %u %15s", &type, &id, verdict) != 3)
			continue;
		char msg[160] = "";
		int ours = bpf_check_map_func_compat(type, id, BPF_PROG_TYPE_SOCKET_FILTER, 0, msg,
		                                     sizeof msg);
		bool kernel_refused = !strcmp(verdict, "refused");
		if (!strcmp(verdict, "other"))
			continue; /* refused for another reason before the compatibility check */
		(*compared)++;
		if ((ours != 0) != kernel_refused) {
			printf("map_type %u func %u: kernel %s, ours %s\n", type, id, verdict,
			       ours ? "refused" : "compatible");
			bad++;
		} else if (kernel_refused && !strstr(line, msg)) {
			printf("map_type %u func %u: message differs: \"%s\"\n", type, id, msg);
			bad++;
		}
	}
	free(copy);
	return bad;
}

static void test_compat_fixture(void **state)
{
	char *want = tu_read_file(FIXTURE_COMPAT, NULL);
	assert_non_null(want);
	int n;
	int bad = compare_compat(want, &n);
	printf("compat fixture: %d pairs compared, %d differ\n", n, bad);
	assert_true(n > 50);
	assert_int_equal(bad, 0);
	free(want);
}

static void test_compat_live_kernel(void **state)
{
	if (!tu_kernel_bpf_available()) {
		printf("compat live kernel: skipped (no bpf() here)\n");
		skip();
	}
	char *got = kernel_compat_trace();
	if (getenv("USERBPF_RECORD_FIXTURES")) {
		FILE *f = fopen(FIXTURE_COMPAT, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	int n;
	int bad = compare_compat(got, &n);
	printf("compat live kernel: %d pairs compared, %d differ\n", n, bad);
	assert_int_equal(bad, 0);
	free(got);
}

/* --- 3. prototypes --- */

static void test_kernel_prototypes(void **state)
{
	const struct bpf_func_proto *p = bpf_helper_proto(BPF_FUNC_ringbuf_reserve);
	assert_int_equal(p->ret_type, PTR_MAYBE_NULL | MEM_RINGBUF | RET_PTR_TO_MEM);
	assert_int_equal(p->arg_type[1], ARG_CONST_ALLOC_SIZE_OR_ZERO);
	p = bpf_helper_proto(BPF_FUNC_ringbuf_submit);
	assert_int_equal(p->arg_type[0], ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE);
	assert_int_equal(p->ret_type, RET_VOID);
	p = bpf_helper_proto(BPF_FUNC_strtol);
	assert_int_equal(p->arg_type[0], ARG_PTR_TO_MEM | MEM_RDONLY);
	assert_int_equal(p->arg_type[3],
	                 ARG_PTR_TO_MEM | MEM_FIXED_SIZE | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED);
	assert_int_equal(p->arg_size[3], 8);
	p = bpf_helper_proto(BPF_FUNC_loop);
	assert_int_equal(p->arg_type[1], ARG_PTR_TO_FUNC);
	assert_int_equal(p->arg_type[2], ARG_PTR_TO_STACK | PTR_MAYBE_NULL);
	p = bpf_helper_proto(BPF_FUNC_snprintf);
	assert_true(p->gpl_only);
	assert_int_equal(p->arg_type[2], ARG_PTR_TO_CONST_STR);
	assert_int_equal(p->arg_type[3], ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY);
	assert_true(bpf_helper_proto(BPF_FUNC_trace_printk)->gpl_only);
	assert_true(bpf_helper_proto(BPF_FUNC_probe_read_kernel)->gpl_only);
	assert_true(bpf_helper_proto(BPF_FUNC_perf_event_output)->gpl_only);
	assert_false(bpf_helper_proto(BPF_FUNC_ringbuf_output)->gpl_only);
	assert_false(bpf_helper_proto(BPF_FUNC_spin_lock)->gpl_only);
	assert_true(bpf_helper_proto(BPF_FUNC_map_lookup_elem)->pkt_access);
	assert_false(bpf_helper_proto(BPF_FUNC_map_pop_elem)->pkt_access);
	/* tracing-only helpers are prototypes, not base */
	assert_null(bpf_base_func_proto(BPF_FUNC_ktime_get_coarse_ns));
	assert_non_null(bpf_helper_proto_any(BPF_FUNC_ktime_get_coarse_ns));
	/* every prototype is well formed: mem+size pairs, one raw-mode arg (check_func_proto) */
	for (uint32_t id = 1; id < MAX_ID; id++) {
		p = bpf_helper_proto_any(id);
		if (!p)
			continue;
		int raw = 0;
		for (int a = 0; a < 5; a++) {
			uint32_t t = p->arg_type[a];
			bool next_size =
			        a < 4 &&
			        (bpf_type_base(p->arg_type[a + 1]) == ARG_CONST_SIZE ||
			         bpf_type_base(p->arg_type[a + 1]) == ARG_CONST_SIZE_OR_ZERO);
			raw += bpf_type_base(t) == ARG_PTR_TO_MEM && (t & MEM_UNINIT);
			if (bpf_type_base(t) == ARG_PTR_TO_MEM && !(t & MEM_FIXED_SIZE) &&
			    !next_size) {
				print_error("%s: memory argument %d without a size\n", p->name,
				            a + 1);
				fail();
			}
			if (bpf_type_base(t) == ARG_PTR_TO_MEM && (t & MEM_FIXED_SIZE) &&
			    !p->arg_size[a])
				fail();
		}
		assert_true(raw <= 1);
		assert_string_equal(bpf_func_id_name(id) + 4, p->name);
	}
}

static void test_compat_table_shape(void **state)
{
	char msg[160];
	/* both directions */
	assert_int_equal(bpf_check_map_func_compat(BPF_MAP_TYPE_PROG_ARRAY,
	                                           BPF_FUNC_map_lookup_elem,
	                                           BPF_PROG_TYPE_SOCKET_FILTER, 0, msg, sizeof msg),
	                 -EINVAL);
	assert_string_equal(msg, "cannot pass map_type 3 into func bpf_map_lookup_elem#1");
	assert_int_equal(bpf_check_map_func_compat(BPF_MAP_TYPE_HASH, BPF_FUNC_tail_call, 1, 0, msg,
	                                           sizeof msg),
	                 -EINVAL);
	assert_string_equal(msg, "cannot pass map_type 1 into func bpf_tail_call#12");
	assert_int_equal(bpf_check_map_func_compat(BPF_MAP_TYPE_HASH, BPF_FUNC_map_lookup_elem, 1,
	                                           0, msg, sizeof msg),
	                 0);
	/* sockmap updates depend on the program type */
	assert_int_equal(bpf_check_map_func_compat(BPF_MAP_TYPE_SOCKMAP, BPF_FUNC_map_update_elem,
	                                           BPF_PROG_TYPE_XDP, 0, msg, sizeof msg),
	                 0);
	assert_int_equal(bpf_check_map_func_compat(BPF_MAP_TYPE_SOCKMAP, BPF_FUNC_map_update_elem,
	                                           BPF_PROG_TYPE_KPROBE, 0, msg, sizeof msg),
	                 -EINVAL);
	assert_string_equal(msg, "cannot update sockmap in this context\n"
	                         "cannot pass map_type 15 into func bpf_map_update_elem#2");
	assert_null(bpf_map_allowed_funcs(BPF_MAP_TYPE_HASH));
	assert_int_equal(bpf_map_allowed_funcs(BPF_MAP_TYPE_PROG_ARRAY)[0], BPF_FUNC_tail_call);
	assert_int_equal(bpf_func_required_maps(BPF_FUNC_tail_call)[0], BPF_MAP_TYPE_PROG_ARRAY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_base_set_matches_kernel),
	        cmocka_unit_test(test_kernel_prototypes),
	        cmocka_unit_test(test_compat_table_shape),
	        cmocka_unit_test(test_compat_fixture),
	        cmocka_unit_test(test_compat_live_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
