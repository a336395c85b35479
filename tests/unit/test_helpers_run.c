/* test_helpers_run.c — the helpers' runtimes, called from running programs.
 *
 * Each test assembles a program (maps named by their address, as the object layer's fixup
 * leaves them), runs it guarded with a run environment naming its maps, and checks what
 * the helper did. Expected values come from the kernel's documented semantics (the kernel
 * itself answers the same programs in test_helpers_kernel.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#include "maps/perf.h"
#include "maps/ringbuf.h"
#include "testutil.h"

#define PTR(p) ((unsigned long long)(uintptr_t)(p))

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

/* Assemble and run text guarded on mem (64 bytes, r1 = mem) with maps; the run's errno. */
static unsigned char mem[64];

static int run_prog(const char *text, struct bpf_map **maps, uint32_t nr_maps, uint64_t *r0,
                    struct userbpf_error *e)
{
	struct bpf_insn *insns;
	size_t cnt;
	int err = userbpf_asm(text, &insns, &cnt, e);
	if (err) {
		print_error("asm: line %d: %s\n%s\n", e->insn, e->msg, text);
		fail();
	}
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	err = userbpf_vm_create(insns, cnt, &opts, &vm, e);
	free(insns);
	if (err) {
		print_error("vm_create: %s\n", e->msg);
		fail();
	}
	bpf_helpers_install(vm);
	struct bpf_run_env env = {.maps = maps, .nr_maps = nr_maps};
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

static uint64_t run_ok(const char *text, struct bpf_map **maps, uint32_t nr_maps)
{
	uint64_t r0 = 0;
	struct userbpf_error e;
	int err = run_prog(text, maps, nr_maps, &r0, &e);
	if (err) {
		print_error("run failed (%d): insn %d: %s\n", err, e.insn, e.msg);
		fail();
	}
	return r0;
}

/* --- bpf_loop --- */

/* sum i over the iterations into *(u64 *)(r10 - 8); stop when i == stop_at */
static const char *loop_prog = "r1 = %u\n"
                               "r2 = func[cb]\n"
                               "*(u64 *)(r10 - 8) = 0\n"
                               "r3 = r10\n"
                               "r3 += -8\n"
                               "r4 = %u\n"
                               "call 181\n"
                               "r0 <<= 32\n" /* keep the low 32 bits of the result */
                               "r0 >>= 32\n"
                               "r1 = *(u64 *)(r10 - 8)\n"
                               "r1 <<= 32\n"
                               "r0 |= r1\n"
                               "exit\n"
                               "cb:\n"
                               "r3 = *(u64 *)(r2 + 0)\n"
                               "r3 += r1\n"
                               "*(u64 *)(r2 + 0) = r3\n"
                               "r0 = 0\n"
                               "if r1 != %d goto out\n"
                               "r0 = 1\n"
                               "out:\n"
                               "exit\n";

static uint64_t loop_run(unsigned nr, unsigned flags, int stop_at)
{
	char text[1024];
	snprintf(text, sizeof text, loop_prog, nr, flags, stop_at);
	return run_ok(text, NULL, 0);
}

static void test_loop(void **state)
{
	uint64_t r = loop_run(10, 0, -1);
	assert_int_equal((uint32_t)r, 10); /* calls made */
	assert_int_equal(r >> 32, 45);     /* 0 + 1 + ... + 9 */
	r = loop_run(10, 0, 3);            /* the callback returns 1 at i == 3 */
	assert_int_equal((uint32_t)r, 4);  /* i + 1 */
	assert_int_equal(r >> 32, 6);      /* 0 + 1 + 2 + 3 */
	r = loop_run(0, 0, -1);
	assert_int_equal((uint32_t)r, 0);
	r = loop_run(5, 1, -1); /* flags must be 0 */
	assert_int_equal((int32_t)r, -EINVAL);
	r = loop_run((8u << 20) + 1, 0, -1); /* more than BPF_MAX_LOOPS */
	assert_int_equal((int32_t)r, -E2BIG);
	assert_int_equal(r >> 32, 0); /* and no call made */
}

static void test_loop_many_iterations_share_budget(void **state)
{
	/* 1M iterations of a 6-insn callback fit the default budget; the nested runs share
	 * the run's budget, so a tiny budget stops the whole run with -E2BIG */
	uint64_t r = loop_run(1u << 20, 0, -1);
	assert_int_equal((uint32_t)r, 1u << 20);
	char text[1024];
	snprintf(text, sizeof text, loop_prog, 1000u, 0u, -1);
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	assert_int_equal(userbpf_asm(text, &insns, &cnt, &e), 0);
	struct userbpf_vm_opts opts = {
	        .sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED, .insn_budget = 500};
	struct userbpf_vm *vm;
	assert_int_equal(userbpf_vm_create(insns, cnt, &opts, &vm, &e), 0);
	free(insns);
	bpf_helpers_install(vm);
	uint64_t r0;
	assert_int_equal(userbpf_vm_exec(vm, mem, sizeof mem, &r0, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "budget"));
	userbpf_vm_destroy(vm);
}

static void test_callback_fault_stops_run(void **state)
{
	/* the callback writes through a NULL ctx: the run stops at that instruction */
	const char *text = "r1 = 3\n"
	                   "r2 = func[cb]\n"
	                   "r3 = 0\n"
	                   "r4 = 0\n"
	                   "call 181\n"
	                   "r0 = 77\n"
	                   "exit\n"
	                   "cb:\n"
	                   "*(u64 *)(r2 + 0) = 1\n"
	                   "r0 = 0\n"
	                   "exit\n";
	uint64_t r0 = 0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, NULL, 0, &r0, &e), -EFAULT);
	assert_int_equal(e.insn, 8); /* the store in the callback */
	assert_int_not_equal(r0, 77);
}

static void test_callback_forged_pointer(void **state)
{
	/* an integer is not a function: a guarded run refuses to jump there */
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog("r1 = 1\nr2 = 0x1234 ll\nr3 = 0\nr4 = 0\ncall 181\nexit\n", NULL,
	                          0, &r0, &e),
	                 -EINVAL);
	assert_non_null(strstr(e.msg, "not a function"));
}

static void test_callback_nested_depth(void **state)
{
	/* a callback calling bpf_loop again: frames nest; 2 * 3 inner calls */
	const char *text = "r1 = 2\n"
	                   "r2 = func[outer]\n"
	                   "*(u64 *)(r10 - 8) = 0\n"
	                   "r3 = r10\n"
	                   "r3 += -8\n"
	                   "r4 = 0\n"
	                   "call 181\n"
	                   "r0 = *(u64 *)(r10 - 8)\n"
	                   "exit\n"
	                   "outer:\n"
	                   "r3 = r2\n"
	                   "r1 = 3\n"
	                   "r2 = func[inner]\n"
	                   "r4 = 0\n"
	                   "call 181\n"
	                   "r0 = 0\n"
	                   "exit\n"
	                   "inner:\n"
	                   "r3 = *(u64 *)(r2 + 0)\n"
	                   "r3 += 1\n"
	                   "*(u64 *)(r2 + 0) = r3\n"
	                   "r0 = 0\n"
	                   "exit\n";
	assert_int_equal(run_ok(text, NULL, 0), 6);
}

/* --- bpf_for_each_map_elem --- */

static const char *each_prog = "r1 = 0x%llx ll\n"
                               "r2 = func[cb]\n"
                               "*(u64 *)(r10 - 8) = 0\n"
                               "*(u64 *)(r10 - 16) = 0\n"
                               "r3 = r10\n"
                               "r3 += -16\n"
                               "r4 = 0\n"
                               "call 164\n"
                               "r0 <<= 32\n"
                               "r0 >>= 32\n"
                               "r1 = *(u64 *)(r10 - 16)\n"
                               "r1 <<= 32\n"
                               "r0 |= r1\n"
                               "exit\n"
                               "cb:\n"
                               /* (map, key, value, ctx): *ctx += *value; *value += 1 (the
                                * value is writable); stop when the new value is %d */
                               "r6 = *(u64 *)(r4 + 0)\n"
                               "r7 = *(u32 *)(r2 + 0)\n" /* the key is readable */
                               "r5 = *(u64 *)(r3 + 0)\n"
                               "r6 += r5\n"
                               "*(u64 *)(r4 + 0) = r6\n"
                               "r5 += 1\n"
                               "*(u64 *)(r3 + 0) = r5\n"
                               "r0 = 0\n"
                               "if r5 != %d goto out\n"
                               "r0 = 1\n"
                               "out:\n"
                               "exit\n";

static void test_for_each_array(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 10 * (k + 1);
		assert_int_equal(map->ops->map_update_elem(map, &k, &v, 0), 0);
	}
	char text[2048];
	snprintf(text, sizeof text, each_prog, PTR(map), -1);
	uint64_t r = run_ok(text, &map, 1);
	assert_int_equal((uint32_t)r, 4); /* elements visited */
	assert_int_equal(r >> 32, 10 + 20 + 30 + 40);
	uint32_t k = 2;
	uint64_t v;
	assert_int_equal(map->ops->map_lookup_elem_sys(map, &k, &v, 0), 0);
	assert_int_equal(v, 31);                              /* the callback wrote the value */
	snprintf(text, sizeof text, each_prog, PTR(map), 22); /* stop at key 1 (21 + 1) */
	r = run_ok(text, &map, 1);
	assert_int_equal((uint32_t)r, 2);
	bpf_map_detach(map);
}

static void test_for_each_hash_and_errors(void **state)
{
	struct bpf_map *map = make_map(BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	for (uint32_t k = 0; k < 5; k++) {
		uint64_t v = k;
		assert_int_equal(map->ops->map_update_elem(map, &k, &v, 0), 0);
	}
	char text[2048];
	snprintf(text, sizeof text, each_prog, PTR(map), -1);
	uint64_t r = run_ok(text, &map, 1);
	assert_int_equal((uint32_t)r, 5);
	assert_int_equal(r >> 32, 0 + 1 + 2 + 3 + 4);
	/* flags must be 0 */
	char bad[2048];
	snprintf(bad, sizeof bad, "%s", text);
	char *p = strstr(bad, "r4 = 0\n");
	p[5] = '1';
	r = run_ok(bad, &map, 1);
	assert_int_equal((int32_t)r, -EINVAL);
	/* a queue has no elements to walk */
	struct bpf_map *q = make_map(BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0);
	snprintf(text, sizeof text, each_prog, PTR(q), -1);
	r = run_ok(text, &q, 1);
	assert_int_equal((int32_t)r, -EINVAL);
	bpf_map_detach(q);
	bpf_map_detach(map);
}

static void test_for_each_rdonly_value(void **state)
{
	/* a BPF_F_RDONLY_PROG map's values are not writable from the callback either */
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 2, BPF_F_RDONLY_PROG);
	char text[2048];
	snprintf(text, sizeof text, each_prog, PTR(map), -1);
	uint64_t r0;
	struct userbpf_error e;
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "not writable"));
	bpf_map_detach(map);
}

/* --- strtol / strtoul --- */

struct strto_case {
	const char *in;
	uint32_t len; /* 0: strlen */
	uint64_t flags;
	int64_t ret; /* strtol */
	int64_t res;
	int64_t uret; /* strtoul */
};

/* Expected from the kernel's kstrtox rules (and confirmed by test_helpers_kernel.c). */
static const struct strto_case strto_cases[] = {
        {"123", 0, 0, 3, 123, 3},
        {"  -42xyz", 0, 0, 5, -42, -EINVAL},
        {"0x1f", 0, 0, 4, 31, 4},
        {"0x1f", 0, 16, 4, 31, 4},
        {"1f", 0, 16, 2, 31, 2},
        {"017", 0, 0, 3, 15, 3},
        {"017", 0, 10, 3, 17, 3},
        {"0x", 0, 0, 1, 0, 1}, /* "0" then an 'x' that is no hex prefix */
        {"0xg", 0, 16, -EINVAL, 0, -EINVAL},
        {"", 1, 0, -EINVAL, 0, -EINVAL},
        {"   ", 0, 0, -EINVAL, 0, -EINVAL},
        {"-", 0, 0, -EINVAL, 0, -EINVAL},
        {"12", 0, 7, -EINVAL, 0, -EINVAL},    /* base 7 */
        {"12", 0, 0x20, -EINVAL, 0, -EINVAL}, /* flag beyond the base mask */
        {"9223372036854775807", 0, 0, 19, INT64_MAX, 19},
        {"9223372036854775808", 0, 0, -ERANGE, 0, 19},
        {"-9223372036854775808", 0, 0, 20, INT64_MIN, -EINVAL},
        {"18446744073709551616", 0, 0, -ERANGE, 0, -ERANGE},
        {"12345", 3, 0, 3, 123, 3}, /* buf_len bounds the parse */
        {"\t\n\v\f\r 7", 0, 0, 7, 7, 7},
        {"77777777777777777777777777777777777777777777777777777777777777778", 0, 0, -ERANGE, 0,
         -ERANGE},
};

static void test_strtol_strtoul(void **state)
{
	struct bpf_map *in = make_map(BPF_MAP_TYPE_ARRAY, 4, 128, 1, 0);
	for (size_t i = 0; i < sizeof strto_cases / sizeof strto_cases[0]; i++) {
		const struct strto_case *c = &strto_cases[i];
		char val[128] = {0};
		size_t n = strlen(c->in);
		memcpy(val, c->in, n);
		uint32_t k = 0, len = c->len ? c->len : (uint32_t)n;
		assert_int_equal(in->ops->map_update_elem(in, &k, val, 0), 0);
		for (int u = 0; u < 2; u++) {
			char text[1024];
			snprintf(text, sizeof text,
			         "*(u32 *)(r10 - 4) = 0\nr1 = 0x%llx ll\nr2 = r10\nr2 += -4\ncall "
			         "1\n"
			         "if r0 == 0 goto out\n"
			         "*(u64 *)(r10 - 16) = 99\n"
			         "r1 = r0\nr2 = %u\nr3 = %llu ll\nr4 = r10\nr4 += -16\ncall %d\n"
			         "r1 = *(u64 *)(r10 - 16)\n"
			         "*(u64 *)(r10 - 24) = r1\n"
			         "out:\nexit\n",
			         PTR(in), len, (unsigned long long)c->flags,
			         u ? BPF_FUNC_strtoul : BPF_FUNC_strtol);
			uint64_t r = run_ok(text, &in, 1);
			int64_t want = u ? c->uret : c->ret;
			if ((int64_t)r != want) {
				print_error("case %zu '%s' %s: got %lld want %lld\n", i, c->in,
				            u ? "strtoul" : "strtol", (long long)(int64_t)r,
				            (long long)want);
				fail();
			}
		}
	}
	bpf_map_detach(in);
}

static void test_strtol_result_value(void **state)
{
	/* res holds the value on success and 0 on failure */
	const char *text = "*(u64 *)(r10 - 8) = 0x2d313233\n" /* "321-" little-endian: "321" */
	                   "*(u64 *)(r10 - 8) = 0\n"
	                   "*(u8 *)(r10 - 8) = 45\n" /* '-' */
	                   "*(u8 *)(r10 - 7) = 55\n" /* '7' */
	                   "*(u64 *)(r10 - 16) = 99\n"
	                   "r1 = r10\nr1 += -8\nr2 = 2\nr3 = 0\nr4 = r10\nr4 += -16\n"
	                   "call 105\n"
	                   "r0 = *(u64 *)(r10 - 16)\nexit\n";
	assert_int_equal((int64_t)run_ok(text, NULL, 0), -7);
	text = "*(u8 *)(r10 - 8) = 120\n" /* "x": no digits */
	       "*(u64 *)(r10 - 16) = 99\n"
	       "r1 = r10\nr1 += -8\nr2 = 1\nr3 = 0\nr4 = r10\nr4 += -16\n"
	       "call 106\n"
	       "r0 = *(u64 *)(r10 - 16)\nexit\n";
	assert_int_equal(run_ok(text, NULL, 0), 0);
}

/* --- printf family (the engine directly, then through the helpers) --- */

long helper_bprintf(char *out, size_t size, const char *fmt, size_t fmt_size, const uint64_t *args,
                    uint32_t num_args);

struct fmt_case {
	const char *fmt;
	uint64_t args[4]; /* at most 4 are passed */
	long ret;         /* the error when out is NULL */
	const char *out;  /* else the output, whose length is the result */
};

static char s_hello[] = "hello";
static const unsigned char ip4[4] = {192, 168, 1, 20};
static const unsigned char ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

static void test_bprintf_engine(void **state)
{
	const struct fmt_case cases[] = {
	        {"plain", {0}, 5, "plain"},
	        {"%d|%i|%u", {(uint64_t)-5, 7, (uint64_t)-1}, 19, "-5|7|4294967295"},
	        {"%ld %lld %lu",
	         {(uint64_t)-5, (uint64_t)INT64_MIN, UINT64_MAX},
	         46,
	         "-5 -9223372036854775808 18446744073709551615"},
	        {"%x %X %lx", {255, 255, 0x1234567890ull}, 16, "ff FF 1234567890"},
	        {"[%5d][%-5d][%05d][%+d][% d]", {42, 42, 42, 42}, -EINVAL, NULL}, /* 5 > 4 */
	        {"[%5d][%-5d][%05d][%+d]", {42, 42, 42, 42}, 24, "[   42][42   ][00042][+42]"},
	        {"%s!", {(uintptr_t)s_hello}, 6, "hello!"},
	        {"[%8s][%-8s]",
	         {(uintptr_t)s_hello, (uintptr_t)s_hello},
	         20,
	         "[   hello][hello   ]"},
	        {"%s", {0}, 0, ""}, /* an unreadable string is empty */
	        {"%c%c%c", {'a', 'b', 'c'}, 3, "abc"},
	        {"100%%", {0}, 4, "100%"},
	        {"%px", {0x1234}, 16, "0000000000001234"},
	        {"%p", {0}, 6, "(null)"},
	        {"%pK", {0}, 16, "0000000000000000"},
	        {"%ps", {0xabc}, 18, "0x0000000000000abc"},
	        {"%pI4 %pi4", {(uintptr_t)ip4, (uintptr_t)ip4}, 28, "192.168.1.20 192.168.001.020"},
	        {"%pI6", {(uintptr_t)ip6}, 39, "2001:0db8:0000:0000:0000:0000:0000:0001"},
	        {"%pi6", {(uintptr_t)ip6}, 32, "20010db8000000000000000000000001"},
	        {"%pks", {(uintptr_t)s_hello}, 5, "hello"},
	        /* refused: no precision, no '#', no 'h', no %n, %s glued to a letter, too few
	         * arguments, non-printable bytes, unknown %p extensions */
	        {"%.2d", {1}, -EINVAL, NULL},
	        {"%#x", {1}, -EINVAL, NULL},
	        {"%hd", {1}, -EINVAL, NULL},
	        {"%n", {1}, -EINVAL, NULL},
	        {"%sa", {(uintptr_t)s_hello}, -EINVAL, NULL},
	        {"%d %d", {1}, -EINVAL, NULL},
	        {"tab\tok\n", {0}, 7, "tab\tok\n"},
	        {"bell\a", {0}, -EINVAL, NULL},
	        {"%pZ", {1}, -EINVAL, NULL},
	        {"%pI5", {1}, -EINVAL, NULL},
	        {"%5%", {1}, -EINVAL, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct fmt_case *c = &cases[i];
		char out[128];
		memset(out, 'X', sizeof out);
		uint32_t nargs = 0;
		for (const char *p = c->fmt; *p; p++)
			nargs += *p == '%';
		nargs = nargs > 4 ? 4 : nargs;
		if (!strcmp(c->fmt, "%d %d"))
			nargs = 1;
		long n = helper_bprintf(out, sizeof out, c->fmt, strlen(c->fmt) + 1, c->args,
		                        nargs ? nargs : 1);
		long want = c->out ? (long)strlen(c->out) : c->ret;
		if (n != want || (c->out && strcmp(out, c->out))) {
			print_error("case %zu \"%s\": got %ld \"%s\", want %ld \"%s\"\n", i, c->fmt,
			            n, n >= 0 ? out : "", want, c->out ? c->out : "");
			fail();
		}
	}
	/* truncation: the whole length is returned, the output is cut and terminated */
	char small[6];
	uint64_t a = (uintptr_t)s_hello;
	assert_int_equal(helper_bprintf(small, sizeof small, "%s world", 9, &a, 1), 11);
	assert_string_equal(small, "hello");
	/* the format's NUL must lie within fmt_size */
	assert_int_equal(helper_bprintf(small, sizeof small, "abc", 3, &a, 1), -EINVAL);
	/* copied strings share a 512-byte buffer: too many long strings is -ENOSPC */
	static char big[400];
	memset(big, 'b', sizeof big - 1);
	uint64_t two[2] = {(uintptr_t)big, (uintptr_t)big};
	char out[1024];
	/* the second string gets the 112 bytes left: 111 characters and its NUL */
	assert_int_equal(helper_bprintf(out, sizeof out, "%s%s", 5, two, 2), 399 + 111);
	uint64_t three[3] = {(uintptr_t)big, (uintptr_t)big, 7};
	assert_int_equal(helper_bprintf(out, sizeof out, "%s%s%d", 7, three, 3), -ENOSPC);
}

static void test_snprintf_helper(void **state)
{
	/* the format lives in a read-only map value (what .rodata is); the program gets it
	 * with a lookup, a PTR_TO_MAP_VALUE like the kernel wants for ARG_PTR_TO_CONST_STR */
	struct bpf_map *ro = make_map(BPF_MAP_TYPE_ARRAY, 4, 32, 1, BPF_F_RDONLY_PROG);
	uint32_t k = 0;
	char fmt[32] = "v=%d s=%s";
	assert_int_equal(ro->ops->map_update_elem(ro, &k, fmt, 0), 0);
	const char *lookup = "*(u32 *)(r10 - 36) = 0\nr1 = 0x%llx ll\nr2 = r10\nr2 += -36\n"
	                     "call 1\nif r0 == 0 goto out\nr3 = r0\n";
	char text[2048], pre[256];
	snprintf(pre, sizeof pre, lookup, PTR(ro));
	snprintf(text, sizeof text,
	         "%s"
	         "*(u64 *)(r10 - 16) = -3\n"
	         "*(u64 *)(r10 - 32) = 0x6b6f\n" /* "ok" */
	         "r1 = r10\nr1 += -32\n*(u64 *)(r10 - 8) = r1\n"
	         "r4 = r10\nr4 += -16\nr5 = 16\n" /* data: two u64 at fp-16, fp-8 */
	         "r1 = 0x%llx ll\nr2 = 10\n"
	         "call 165\n"
	         "out:\nexit\n",
	         pre, PTR(mem));
	memset(mem, 'X', sizeof mem);
	assert_int_equal(run_ok(text, &ro, 1), 10); /* "v=-3 s=ok" and its NUL */
	assert_memory_equal(mem, "v=-3 s=ok", 10);
	snprintf(text, sizeof text,
	         "%s"
	         "*(u64 *)(r10 - 16) = 12345\n*(u64 *)(r10 - 8) = 0\n"
	         "r1 = 0x%llx ll\nr2 = 6\nr4 = r10\nr4 += -16\nr5 = 16\ncall 165\nout:\nexit\n",
	         pre, PTR(mem));
	assert_int_equal(run_ok(text, &ro, 1), 11); /* "v=12345 s=": NULL is "" */
	assert_string_equal((char *)mem, "v=123");  /* cut to 6 bytes with its NUL */
	/* size 0 and NULL: the length only */
	snprintf(text, sizeof text,
	         "%sr1 = 0\nr2 = 0\nr4 = r10\nr4 += -16\n"
	         "*(u64 *)(r10 - 16) = 7\n*(u64 *)(r10 - 8) = 0\nr5 = 16\ncall 165\nout:\nexit\n",
	         pre);
	assert_int_equal(run_ok(text, &ro, 1), 7);
	/* data_len not a multiple of 8 */
	snprintf(text, sizeof text,
	         "%sr1 = 0\nr2 = 0\nr4 = r10\nr4 += -16\nr5 = 12\ncall 165\nout:\nexit\n", pre);
	assert_int_equal((int32_t)run_ok(text, &ro, 1), -EINVAL);
	bpf_map_detach(ro);
}

static void test_trace_printk_file(void **state)
{
	char dir[] = "/tmp/userbpf-trace-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *old = getenv("USERBPF_BPFFS");
	char *saved = old ? strdup(old) : NULL;
	setenv("USERBPF_BPFFS", dir, 1);
	/* the format and the string in the run's memory */
	static const char fmt[] = "n=%d %s\n";
	memcpy(mem, fmt, sizeof fmt);
	memcpy(mem + 32, "hi", 3);
	char text[1024];
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = %zu\nr3 = 41\nr4 = 0x%llx ll\ncall 6\nr6 = r0\n"
	         "r1 = 0x%llx ll\nr2 = 3\ncall 6\n" /* no NUL within fmt_size: -EINVAL */
	         "r0 <<= 32\nr0 |= r6\nexit\n",
	         PTR(mem), sizeof fmt, PTR(mem + 32), PTR(mem));
	uint64_t r = run_ok(text, NULL, 0);
	assert_int_equal((uint32_t)r, 8); /* "n=41 hi\n" */
	assert_int_equal((int32_t)(r >> 32), -EINVAL);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/trace", dir);
	size_t len;
	char *content = tu_read_file(path, &len);
	assert_non_null(content);
	assert_non_null(strstr(content, ": bpf_trace_printk: n=41 hi\n"));
	assert_null(strstr(content, "hi\n\n")); /* the message's newline is not doubled */
	char comm[17] = {0};
	prctl(PR_GET_NAME, comm);
	assert_non_null(strstr(content, comm));
	free(content);
	unlink(path);
	rmdir(dir);
	if (saved) {
		setenv("USERBPF_BPFFS", saved, 1);
		free(saved);
	} else {
		unsetenv("USERBPF_BPFFS");
	}
}

/* --- ring buffer --- */

struct rb_seen {
	int n;
	size_t len[8];
	unsigned char first[8];
};

static int rb_cb(void *ctx, void *data, size_t len)
{
	struct rb_seen *s = ctx;
	if (s->n < 8) {
		s->len[s->n] = len;
		s->first[s->n] = len ? *(unsigned char *)data : 0;
	}
	s->n++;
	return 0;
}

static void test_ringbuf_helpers(void **state)
{
	struct bpf_map *rb = make_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	char text[4096];
	/* output 8 bytes; reserve 16, write, submit; reserve 4, discard; query avail data */
	snprintf(text, sizeof text,
	         "*(u64 *)(r10 - 8) = 0x11\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\n"
	         "if r0 != 0 goto bad\n"
	         "r1 = 0x%llx ll\nr2 = 16\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto bad\n"
	         "*(u8 *)(r0 + 0) = 0x22\n*(u64 *)(r0 + 8) = 5\n"
	         "r1 = r0\nr2 = 0\ncall 132\n"
	         "r1 = 0x%llx ll\nr2 = 4\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto bad\n"
	         "r1 = r0\nr2 = 0\ncall 133\n"
	         "r1 = 0x%llx ll\nr2 = 0\ncall 134\n" /* BPF_RB_AVAIL_DATA */
	         "exit\n"
	         "bad:\nr0 = -1\nexit\n",
	         PTR(rb), PTR(rb), PTR(rb), PTR(rb));
	/* records: 8 + 8 header, 16 + 8, 4 + 8 rounded to 16: 56 bytes not consumed */
	assert_int_equal(run_ok(text, &rb, 1), 16 + 24 + 16);
	struct ringbuf_consumer *c = ringbuf_consumer_new(rb);
	assert_non_null(c);
	struct rb_seen seen = {0};
	assert_int_equal(ringbuf_consume(c, rb_cb, &seen), 2); /* the discarded one skipped */
	assert_int_equal(seen.len[0], 8);
	assert_int_equal(seen.first[0], 0x11);
	assert_int_equal(seen.len[1], 16);
	assert_int_equal(seen.first[1], 0x22);
	ringbuf_consumer_free(c);
	/* reserve with flags gives NULL; output with unknown flags is -EINVAL; a full ring is
	 * NULL / -EAGAIN; query of an unknown flag is 0 */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 1\ncall 131\n*(u64 *)(r10 - 16) = r0\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 4\ncall 130\n"
	         "*(u64 *)(r10 - 24) = r0\n"
	         "r1 = 0x%llx ll\nr2 = 4080\nr3 = 0\ncall 131\nif r0 == 0 goto bad\nr6 = r0\n"
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\n"
	         "*(u64 *)(r10 - 32) = r0\n"
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0\ncall 131\n*(u64 *)(r10 - 40) = r0\n"
	         "r1 = r6\nr2 = 0\ncall 133\n"
	         "r1 = 0x%llx ll\nr2 = 99\ncall 134\n*(u64 *)(r10 - 48) = r0\n"
	         "r1 = 0x%llx ll\n"
	         "r2 = *(u64 *)(r10 - 16)\n*(u64 *)(r1 + 0) = r2\n"
	         "r2 = *(u64 *)(r10 - 24)\n*(u64 *)(r1 + 8) = r2\n"
	         "r2 = *(u64 *)(r10 - 32)\n*(u64 *)(r1 + 16) = r2\n"
	         "r2 = *(u64 *)(r10 - 40)\n*(u64 *)(r1 + 24) = r2\n"
	         "r2 = *(u64 *)(r10 - 48)\n*(u64 *)(r1 + 32) = r2\n"
	         "r0 = 0\nexit\nbad:\nr0 = 1\nexit\n",
	         PTR(rb), PTR(rb), PTR(rb), PTR(rb), PTR(rb), PTR(rb), PTR(mem));
	assert_int_equal(run_ok(text, &rb, 1), 0);
	int64_t out[5];
	memcpy(out, mem, sizeof out);
	assert_int_equal(out[0], 0);
	assert_int_equal(out[1], -EINVAL);
	assert_int_equal(out[2], -EAGAIN);
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], 0);
	bpf_map_detach(rb);
}

static void test_ringbuf_guarded_checks(void **state)
{
	struct bpf_map *rb = make_map(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	struct bpf_map *arr = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	char text[1024];
	uint64_t r0;
	struct userbpf_error e;
	/* writing past the reserved size faults */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
	         "*(u64 *)(r0 + 8) = 1\nr1 = r0\nr2 = 0\ncall 132\nout:\nexit\n",
	         PTR(rb));
	assert_int_equal(run_prog(text, &rb, 1, &r0, &e), -EFAULT);
	/* submitting something that is not a reserved record stops the run */
	snprintf(text, sizeof text, "r1 = r10\nr1 += -8\nr2 = 0\ncall 132\nr0 = 0\nexit\n");
	assert_int_equal(run_prog(text, &rb, 1, &r0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "not a reserved record"));
	/* the wrong map type: output answers -EINVAL, reserve NULL */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = r10\nr2 += -8\nr3 = 8\nr4 = 0\ncall 130\nexit\n", PTR(arr));
	struct bpf_map *both[2] = {rb, arr};
	assert_int_equal(run_prog(text, both, 2, &r0, &e), 0);
	assert_int_equal((int64_t)r0, -EINVAL);
	/* submitting twice: the second is no longer a record being written */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0\ncall 131\nif r0 == 0 goto out\n"
	         "r6 = r0\nr1 = r0\nr2 = 0\ncall 132\nr1 = r6\nr2 = 0\ncall 132\nout:\nexit\n",
	         PTR(rb));
	assert_int_equal(run_prog(text, &rb, 1, &r0, &e), -EFAULT);
	bpf_map_detach(arr);
	bpf_map_detach(rb);
}

/* --- perf event output --- */

struct perf_seen {
	int n, cpu;
	uint32_t size;
	uint64_t first;
};

static void perf_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	struct perf_seen *s = ctx;
	s->n++;
	s->cpu = cpu;
	s->size = size;
	memcpy(&s->first, data, sizeof s->first);
}

static void test_perf_event_output(void **state)
{
	struct bpf_map *pa = make_map(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0);
	uint32_t k = 1, on = 1;
	assert_int_equal(pa->ops->map_update_elem(pa, &k, &on, 0), 0);
	char text[2048];
	snprintf(text, sizeof text,
	         "*(u64 *)(r10 - 16) = 0x77\n*(u64 *)(r10 - 8) = 0\n"
	         "r2 = 0x%llx ll\nr3 = 1\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\nr6 = r0\n"
	         "r1 = 0\n"
	         "r2 = 0x%llx ll\nr3 = 0\nr4 = r10\nr4 += -16\nr5 = 8\ncall 25\nr7 = r0\n"
	         "r2 = 0x%llx ll\nr3 = 5\nr4 = r10\nr4 += -16\nr5 = 8\ncall 25\nr8 = r0\n"
	         "r2 = 0x%llx ll\nr3 = 0x100000001 ll\nr4 = r10\nr4 += -16\nr5 = 8\ncall 25\n"
	         "r0 &= 0xff\nr6 &= 0xff\nr7 &= 0xff\nr8 &= 0xff\n"
	         "r6 <<= 24\nr7 <<= 16\nr8 <<= 8\nr0 |= r6\nr0 |= r7\nr0 |= r8\nexit\n",
	         PTR(pa), PTR(pa), PTR(pa), PTR(pa));
	uint64_t r = run_ok(text, &pa, 1);
	assert_int_equal((r >> 24) & 0xff, 0);                /* slot 1: written */
	assert_int_equal((r >> 16) & 0xff, (uint8_t)-ENOENT); /* slot 0: no event */
	assert_int_equal((r >> 8) & 0xff, (uint8_t)-E2BIG);   /* index past the end */
	assert_int_equal(r & 0xff, (uint8_t)-EINVAL);         /* flags beyond the index */
	struct perf_consumer *c = perf_consumer_new(pa);
	assert_non_null(c);
	struct perf_seen seen = {0};
	assert_int_equal(perf_consume(c, perf_cb, NULL, &seen), 1);
	assert_int_equal(seen.cpu, 1);
	assert_int_equal(seen.first, 0x77);
	assert_true(seen.size >= 12);
	perf_consumer_free(c);
	bpf_map_detach(pa);
}

/* --- probe_read --- */

static void test_probe_read(void **state)
{
	static const char secret[] = "abcdefgh";
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	char text[2048];
	/* kernel read of our memory; of a PROT_NONE page; of NULL; user read of NULL */
	snprintf(text, sizeof text,
	         "*(u64 *)(r10 - 8) = -1\n"
	         "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0x%llx ll\ncall 113\nr6 = r0\n"
	         "r7 = *(u64 *)(r10 - 8)\n"
	         "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0x%llx ll\ncall 113\nr8 = r0\n"
	         "r9 = *(u64 *)(r10 - 8)\n" /* zeroed on failure */
	         "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 113\n"
	         "*(u64 *)(r10 - 24) = r0\n"
	         "r1 = r10\nr1 += -8\nr2 = 8\nr3 = 0\ncall 112\n"
	         "*(u64 *)(r10 - 32) = r0\n"
	         "r1 = 0x%llx ll\n*(u64 *)(r1 + 0) = r6\n*(u64 *)(r1 + 8) = r7\n"
	         "*(u64 *)(r1 + 16) = r8\n*(u64 *)(r1 + 24) = r9\n"
	         "r2 = *(u64 *)(r10 - 24)\n*(u64 *)(r1 + 32) = r2\n"
	         "r2 = *(u64 *)(r10 - 32)\n*(u64 *)(r1 + 40) = r2\n"
	         "r0 = 0\nexit\n",
	         PTR(secret), PTR(hole), PTR(mem));
	run_ok(text, NULL, 0);
	int64_t out[6];
	memcpy(out, mem, sizeof out);
	assert_int_equal(out[0], 0);
	assert_memory_equal(&out[1], secret, 8);
	assert_int_equal(out[2], -EFAULT);
	assert_int_equal(out[3], 0);
	assert_int_equal(out[4], -ERANGE); /* the kernel's answer for a user-space address */
	assert_int_equal(out[5], -EFAULT);
	munmap(hole, 4096);
}

static void test_probe_read_str(void **state)
{
	/* a string that ends right before an unreadable page is still read */
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(two != MAP_FAILED);
	assert_int_equal(mprotect(two + 4096, 4096, PROT_NONE), 0);
	memcpy(two + 4096 - 4, "xyz", 4);
	char *other = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(other != MAP_FAILED);
	assert_int_equal(mprotect(other + 4096, 4096, PROT_NONE), 0);
	memcpy(other + 4096 - 2, "ab", 2); /* no NUL before the hole */
	char text[2048];
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 16\nr3 = 0x%llx ll\ncall 115\nr6 = r0\n"
	         "r1 = 0x%llx ll\nr2 = 3\nr3 = 0x%llx ll\ncall 114\nr7 = r0\n"
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0x%llx ll\ncall 114\nr8 = r0\n"
	         "r1 = 0x%llx ll\nr2 = 0\nr3 = 0\ncall 114\n"
	         "r6 <<= 48\nr7 <<= 32\nr8 &= 0xffff\nr8 <<= 16\nr0 &= 0xffff\n"
	         "r0 |= r6\nr0 |= r7\nr0 |= r8\nexit\n",
	         PTR(mem), PTR(two + 4096 - 4), PTR(mem + 16), PTR(two + 4096 - 4), PTR(mem + 24),
	         PTR(other + 4096 - 2), PTR(mem + 40));
	memset(mem, 0x55, sizeof mem);
	uint64_t r = run_ok(text, NULL, 0);
	assert_int_equal(r >> 48, 4); /* "xyz" + NUL */
	assert_string_equal((char *)mem, "xyz");
	assert_int_equal(mem[4], 0x55);          /* nothing written past the NUL */
	assert_int_equal((r >> 32) & 0xffff, 3); /* truncated to 2 + NUL */
	assert_string_equal((char *)mem + 16, "xy");
	assert_int_equal((int16_t)((r >> 16) & 0xffff), -EFAULT); /* runs into the hole */
	assert_memory_equal(mem + 24, "\0\0\0\0\0\0\0\0", 8);     /* zeroed */
	assert_int_equal(r & 0xffff, 0);                          /* size 0 */
	munmap(two, 8192);
	munmap(other, 8192);
}

/* bpf_copy_from_user: the same nofault copy; zeroed and -EFAULT on a bad address */
static void test_copy_from_user(void **state)
{
	static const char secret[] = "12345678";
	void *hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(hole != MAP_FAILED);
	char text[1024];
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0x%llx ll\ncall 148\nr6 = r0\n"
	         "r1 = 0x%llx ll\nr2 = 8\nr3 = 0x%llx ll\ncall 148\n"
	         "r6 <<= 32\nr0 <<= 32\nr0 >>= 32\nr0 |= r6\nexit\n",
	         PTR(mem), PTR(secret), PTR(mem + 8), PTR(hole));
	memset(mem, 0x55, sizeof mem);
	uint64_t r = run_ok(text, NULL, 0);
	assert_int_equal((int32_t)(r >> 32), 0);
	assert_memory_equal(mem, secret, 8);
	assert_int_equal((int32_t)r, -EFAULT);
	assert_memory_equal(mem + 8, "\0\0\0\0\0\0\0\0", 8);
	munmap(hole, 4096);
}

/* The cgroup helpers against the cgroup v2 directory's inode (the kernel's id); the exact
 * kernel comparison is test_helpers_kernel's. Levels: 0 is the root (id 1 on Linux). */
static void test_cgroup_ids(void **state)
{
	uint64_t id = run_ok("call 80\nexit\n", NULL, 0);
	uint64_t root = run_ok("r1 = 0\ncall 123\nexit\n", NULL, 0);
	uint64_t deep = run_ok("r1 = 100000\ncall 123\nexit\n", NULL, 0);
	uint64_t neg = run_ok("r1 = -1\ncall 123\nexit\n", NULL, 0);
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool cg2 = false;
	char line[4096];
	while (f && fgets(line, sizeof line, f))
		cg2 |= strstr(line, " - cgroup2 ") != NULL;
	if (f)
		fclose(f);
	if (!cg2) {
		assert_int_equal(id, 0); /* documented: no cgroup2 visible, no ids */
		return;
	}
	assert_true(id != 0);
	assert_int_equal(root, 1);
	assert_int_equal(deep, 0);
	assert_int_equal(neg, 0);
}

/* --- the current task, clocks --- */

static void test_task_helpers(void **state)
{
	uint64_t r = run_ok("call 14\nexit\n", NULL, 0);
	assert_int_equal(r >> 32, (uint32_t)getpid());
	assert_int_equal((uint32_t)r, (uint32_t)gettid());
	r = run_ok("call 15\nexit\n", NULL, 0);
	assert_int_equal(r >> 32, getgid());
	assert_int_equal((uint32_t)r, getuid());
	char comm[17] = {0};
	prctl(PR_GET_NAME, comm);
	char text[512];
	snprintf(text, sizeof text, "r1 = 0x%llx ll\nr2 = 8\ncall 16\nexit\n", PTR(mem));
	memset(mem, 0x55, sizeof mem);
	assert_int_equal(run_ok(text, NULL, 0), 0);
	assert_int_equal(strlen((char *)mem), strlen(comm) < 7 ? strlen(comm) : 7);
	assert_memory_equal(mem, comm, strlen((char *)mem));
	snprintf(text, sizeof text, "r1 = 0x%llx ll\nr2 = 32\ncall 16\nexit\n", PTR(mem));
	assert_int_equal(run_ok(text, NULL, 0), 0);
	assert_string_equal((char *)mem, comm);
	assert_int_equal(mem[31], 0); /* zero-padded to size */
	/* get_ns_current_pid_tgid with our pid namespace's dev and inode */
	struct stat st;
	assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
	snprintf(text, sizeof text,
	         "r1 = %llu ll\nr2 = %llu ll\nr3 = 0x%llx ll\nr4 = 8\ncall 120\nr6 = r0\n"
	         "r1 = %llu ll\nr2 = 1\nr3 = 0x%llx ll\nr4 = 8\ncall 120\n"
	         "r0 <<= 32\nr6 <<= 32\nr6 >>= 32\nr0 |= r6\nexit\n",
	         (unsigned long long)st.st_dev, (unsigned long long)st.st_ino, PTR(mem),
	         (unsigned long long)st.st_dev, PTR(mem + 8));
	r = run_ok(text, NULL, 0);
	assert_int_equal((int32_t)r, 0);
	assert_int_equal((int32_t)(r >> 32), -EINVAL);
	uint32_t ids[2];
	memcpy(ids, mem, 8);
	assert_int_equal(ids[0], (uint32_t)gettid());
	assert_int_equal(ids[1], (uint32_t)getpid());
	assert_memory_equal(mem + 8, "\0\0\0\0\0\0\0\0", 8);
}

static void test_clocks(void **state)
{
	/* coarse and jiffies move forward; jiffies count from the kernel's INITIAL_JIFFIES */
	uint64_t r = run_ok("call 160\nr6 = r0\ncall 160\nr0 -= r6\nexit\n", NULL, 0);
	assert_true(r < 1000000000ull);
	r = run_ok("call 118\nexit\n", NULL, 0);
	assert_true(r >= 0xffffffffull - 300 * 250);
	r = run_ok("call 118\nr6 = r0\ncall 118\nr0 -= r6\nexit\n", NULL, 0);
	assert_true(r < 10);
	r = run_ok("call 208\nexit\n", NULL, 0);
	assert_true(r > 0);
}

/* --- spin locks --- */

struct lock_job {
	struct bpf_map *map;
	struct userbpf_vm *vm;
	int iters;
};

static void *lock_worker(void *arg)
{
	struct lock_job *j = arg;
	struct bpf_run_env env = {.maps = &j->map, .nr_maps = 1};
	struct userbpf_run_args args = {.sz = sizeof args, .user = &env};
	for (int i = 0; i < j->iters; i++) {
		uint64_t r0;
		struct userbpf_error e;
		if (userbpf_vm_run(j->vm, &args, &r0, &e) || r0 != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_spin_lock_counts(void **state)
{
	/* value: u32 lock, u32 pad, u64 counter; two threads increment non-atomically under
	 * the lock: no increment is lost */
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0);
	char text[1024];
	snprintf(text, sizeof text,
	         "*(u32 *)(r10 - 4) = 0\nr1 = 0x%llx ll\nr2 = r10\nr2 += -4\ncall 1\n"
	         "if r0 == 0 goto out\nr6 = r0\n"
	         "r1 = r6\ncall 93\n"
	         "r2 = *(u64 *)(r6 + 8)\nr2 += 1\n*(u64 *)(r6 + 8) = r2\n"
	         "r1 = r6\ncall 94\n"
	         "r0 = 0\nexit\nout:\nr0 = 1\nexit\n",
	         PTR(map));
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	assert_int_equal(userbpf_asm(text, &insns, &cnt, &e), 0);
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	assert_int_equal(userbpf_vm_create(insns, cnt, &opts, &vm, &e), 0);
	free(insns);
	bpf_helpers_install(vm);
	struct lock_job job = {map, vm, 20000};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, lock_worker, &job), 0);
	for (int i = 0; i < 2; i++) {
		void *ret;
		pthread_join(t[i], &ret);
		assert_null(ret);
	}
	uint32_t k = 0;
	uint64_t v[2];
	assert_int_equal(map->ops->map_lookup_elem_sys(map, &k, v, 0), 0);
	assert_int_equal(v[1], 40000);
	userbpf_vm_destroy(vm);
	bpf_map_detach(map);
}

static void test_spin_lock_guarded_refusals(void **state)
{
	uint64_t r0;
	struct userbpf_error e;
	/* a lock word outside the program's memory, or misaligned */
	assert_int_equal(run_prog("r1 = 0x1000 ll\ncall 93\nexit\n", NULL, 0, &r0, &e), -EFAULT);
	assert_non_null(strstr(e.msg, "bpf_spin_lock"));
	assert_int_equal(run_prog("r1 = r10\nr1 += -7\ncall 93\nexit\n", NULL, 0, &r0, &e),
	                 -EFAULT);
	/* a lock left held: a guarded run gives up instead of spinning forever */
	struct bpf_map *map = make_map(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0);
	uint32_t k = 0;
	uint32_t *lock = map->ops->map_lookup_elem(map, &k);
	*lock = 1;
	char text[512];
	snprintf(text, sizeof text,
	         "*(u32 *)(r10 - 4) = 0\nr1 = 0x%llx ll\nr2 = r10\nr2 += -4\ncall 1\n"
	         "if r0 == 0 goto out\nr1 = r0\ncall 93\nout:\nr0 = 0\nexit\n",
	         PTR(map));
	assert_int_equal(run_prog(text, &map, 1, &r0, &e), -EDEADLK);
	bpf_map_detach(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_loop),
	        cmocka_unit_test(test_loop_many_iterations_share_budget),
	        cmocka_unit_test(test_callback_fault_stops_run),
	        cmocka_unit_test(test_callback_forged_pointer),
	        cmocka_unit_test(test_callback_nested_depth),
	        cmocka_unit_test(test_for_each_array),
	        cmocka_unit_test(test_for_each_hash_and_errors),
	        cmocka_unit_test(test_for_each_rdonly_value),
	        cmocka_unit_test(test_strtol_strtoul),
	        cmocka_unit_test(test_strtol_result_value),
	        cmocka_unit_test(test_bprintf_engine),
	        cmocka_unit_test(test_snprintf_helper),
	        cmocka_unit_test(test_trace_printk_file),
	        cmocka_unit_test(test_ringbuf_helpers),
	        cmocka_unit_test(test_ringbuf_guarded_checks),
	        cmocka_unit_test(test_perf_event_output),
	        cmocka_unit_test(test_probe_read),
	        cmocka_unit_test(test_probe_read_str),
	        cmocka_unit_test(test_copy_from_user),
	        cmocka_unit_test(test_cgroup_ids),
	        cmocka_unit_test(test_task_helpers),
	        cmocka_unit_test(test_clocks),
	        cmocka_unit_test(test_spin_lock_counts),
	        cmocka_unit_test(test_spin_lock_guarded_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
