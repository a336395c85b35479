/* test_loader_run.c — the run-able test programs, loaded and run: socket filter, XDP, tc,
 * raw tracepoint and syscall programs through BPF_PROG_TEST_RUN, with their maps and global
 * data checked afterwards.
 *
 * Every case runs twice when the host allows it: on userbpf (our loader, userbpf_sys_bpf)
 * and on the host kernel (libbpf loads the same object, bpf(2) runs it). The expected
 * values are worked out from the program sources (comments in tests/progs/<name>.bpf.c) and
 * packets built here, and both sides must produce them; a side that refuses to load a
 * case fails the test.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "test_loader_lib.h"

#include "core/cpu.h"

/* ---- one side: userbpf or the kernel ---- */

struct side {
	const char *who;
	bool kernel;
	tl_bpf_fn bpf;
	struct userbpf_object *u;
	struct bpf_object *k;
	int ncpu;
	char rejected[512]; /* our PROG_LOAD refused something: why */
};

static long kernel_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return syscall(SYS_bpf, cmd, attr, size);
}

static int quiet_libbpf(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return getenv("USERBPF_LOADER_DEBUG") ? vprintf(fmt, ap) : 0;
}

struct open_args {
	const char *custom_btf, *kconfig;
};

static bool side_open(struct side *s, const char *obj, const struct open_args *a)
{
	char target[4096] = "";
	if (a && a->custom_btf)
		snprintf(target, sizeof target, "%s", tl_obj(a->custom_btf));
	if (s->kernel) {
		LIBBPF_OPTS(bpf_object_open_opts, o, .btf_custom_path = target[0] ? target : NULL,
		            .kconfig = a ? a->kconfig : NULL);
		s->k = bpf_object__open_file(tl_obj(obj), &o);
		return s->k != NULL;
	}
	struct userbpf_object_open_opts o = {.sz = sizeof o,
	                                     .btf_custom_path = target[0] ? target : NULL,
	                                     .kconfig = a ? a->kconfig : NULL};
	s->u = tl_open(obj, &o);
	return s->u != NULL;
}

static void side_close(struct side *s)
{
	if (s->k)
		bpf_object__close(s->k);
	if (s->u)
		userbpf_object__close(s->u);
	s->k = NULL;
	s->u = NULL;
}

/* Load; false (and s->rejected set) when our PROG_LOAD refused a program. */
static bool side_load(struct side *s)
{
	s->rejected[0] = 0;
	if (s->kernel) {
		int err = bpf_object__load(s->k);
		if (err)
			fail_msg("kernel: libbpf load failed: %d", err);
		return true;
	}
	int err = userbpf_object__load(s->u);
	if (!err)
		return true;
	const char *msg = userbpf_last_error();
	if (!strstr(msg, "BPF_PROG_LOAD failed"))
		fail_msg("userbpf: load failed before PROG_LOAD: %s", msg); /* the loader's fault */
	snprintf(s->rejected, sizeof s->rejected, "%s", msg);
	return false;
}

static int side_prog(struct side *s, const char *name)
{
	int fd = s->kernel ? bpf_program__fd(bpf_object__find_program_by_name(s->k, name))
	                   : userbpf_program__fd(userbpf_object__find_program_by_name(s->u, name));
	if (fd < 0)
		fail_msg("%s: program %s not loaded", s->who, name);
	return fd;
}

static int side_map(struct side *s, const char *name)
{
	int fd = s->kernel ? bpf_object__find_map_fd_by_name(s->k, name)
	                   : userbpf_object__find_map_fd_by_name(s->u, name);
	if (fd < 0)
		fail_msg("%s: map %s not found", s->who, name);
	return fd;
}

/* Global data by section name (".bss", ".data", ...), through the syscall interface; on
 * userbpf also checked against the mmapped initial_value pointer. */
static void side_global(struct side *s, const char *sec, void *buf, size_t len)
{
	uint32_t zero = 0;
	int fd = -1;
	if (s->kernel) {
		struct bpf_map *m;
		bpf_object__for_each_map(m, s->k)
		{
			const char *n = bpf_map__name(m), *dot = strchr(n, '.');
			if ((dot && dot != n && !strcmp(dot, sec)) || !strcmp(n, sec))
				fd = bpf_map__fd(m);
		}
	} else {
		fd = userbpf_object__find_map_fd_by_name(s->u, sec);
	}
	if (fd < 0)
		fail_msg("%s: no global data map %s", s->who, sec);
	uint8_t tmp[4096];
	assert_true(len <= sizeof tmp);
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, fd, &zero, tmp, 0), 0);
	memcpy(buf, tmp, len);
	if (!s->kernel) {
		size_t sz;
		struct userbpf_map *m = userbpf_object__find_map_by_name(s->u, sec);
		const void *live = userbpf_map__initial_value(m, &sz);
		if (userbpf_map__map_flags(m) & BPF_F_MMAPABLE)
			assert_memory_equal(live, tmp, len); /* the mapping is the map */
	}
}

static uint32_t side_run(struct side *s, const char *prog, struct tl_run *r)
{
	int err = tl_test_run_with(s->bpf, side_prog(s, prog), r);
	if (err)
		fail_msg("%s: %s: BPF_PROG_TEST_RUN failed: %d", s->who, prog, err);
	return r->retval;
}

static uint32_t run_pkt(struct side *s, const char *prog, const void *pkt, size_t len)
{
	struct tl_run r = {.data = pkt, .data_len = (uint32_t)len};
	return side_run(s, prog, &r);
}

/* A context-only run (syscall, raw_tp): a syscall program's context is copied back into
 * the ctx_in buffer (ctx_out must be unset for these types). */
static uint32_t run_ctx(struct side *s, const char *prog, void *ctx, size_t len)
{
	struct tl_run r = {.ctx_in = ctx, .ctx_in_len = (uint32_t)len};
	return side_run(s, prog, &r);
}

#define EXPECT(s, what, got, want)                                                                 \
	do {                                                                                       \
		long long g_ = (long long)(got), w_ = (long long)(want);                           \
		if (g_ != w_)                                                                      \
			fail_msg("%s: %s = %lld, expected %lld", (s)->who, what, g_, w_);          \
	} while (0)

/* ---- packets ---- */

static const uint8_t src_a[4] = {10, 1, 2, 3};

/* ---- the cases ---- */

static void case_sock_filter(struct side *s)
{
	uint8_t pkt[256];
	size_t udp = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	/* a socket filter sees the packet from the IP header: 20 + 8 */
	EXPECT(s, "sock_len(udp)", run_pkt(s, "sock_len", pkt, udp), udp - 14);
	EXPECT(s, "sock_udp_only(udp)", run_pkt(s, "sock_udp_only", pkt, udp), udp - 14);
	size_t tcp = tl_packet_v4(pkt, sizeof pkt, 6, src_a, 0);
	EXPECT(s, "sock_udp_only(tcp)", run_pkt(s, "sock_udp_only", pkt, tcp), 0);
}

static void case_xdp_count(struct side *s)
{
	uint8_t pkt[256];
	size_t v4 = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 4);
	EXPECT(s, "xdp_count(v4)", run_pkt(s, "xdp_count", pkt, v4), 2 /* XDP_PASS */);
	size_t v6 = tl_packet_v6(pkt, sizeof pkt);
	EXPECT(s, "xdp_count(v6)", run_pkt(s, "xdp_count", pkt, v6), 1 /* XDP_DROP */);
	EXPECT(s, "xdp_count(v6) again", run_pkt(s, "xdp_count", pkt, v6), 1);
	int fd = side_map(s, "pkt_count");
	for (uint32_t k = 0; k < 3; k++) {
		uint64_t v = 99;
		assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, fd, &k, &v, 0), 0);
		EXPECT(s, "pkt_count[k]", v, k == 0 ? 1 : k == 1 ? 2 : 0);
	}
	EXPECT(s, "xdp_frags_pass", run_pkt(s, "xdp_frags_pass", pkt, v6), 2);
}

static void case_xdp_rewrite(struct side *s)
{
	uint8_t pkt[256], out[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	struct tl_run r = {.data = pkt,
	                   .data_len = (uint32_t)len,
	                   .data_out = out,
	                   .data_out_len = sizeof out};
	EXPECT(s, "xdp_swap_mac", side_run(s, "xdp_swap_mac", &r), 3 /* XDP_TX */);
	EXPECT(s, "data_out size", r.data_out_len, len);
	assert_memory_equal(out, pkt + 6, 6);
	assert_memory_equal(out + 6, pkt, 6);
	assert_memory_equal(out + 12, pkt + 12, len - 12);
}

static void case_tc(struct side *s)
{
	uint8_t pkt[256];
	size_t v6 = tl_packet_v6(pkt, sizeof pkt);
	EXPECT(s, "tc_drop_v6(v6)", run_pkt(s, "tc_drop_v6", pkt, v6), 2 /* TC_ACT_SHOT */);
	size_t v4 = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	EXPECT(s, "tc_drop_v6(v4)", run_pkt(s, "tc_drop_v6", pkt, v4), 0 /* TC_ACT_OK */);
	/* tc sees the Ethernet header: 42 bytes pass, 150 are shot */
	EXPECT(s, "cls_len(42)", run_pkt(s, "cls_len", pkt, v4), 0);
	size_t big = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 108);
	EXPECT(s, "cls_len(150)", run_pkt(s, "cls_len", pkt, big), 2);
	struct __sk_buff ctx;
	memset(&ctx, 0, sizeof ctx);
	struct tl_run r = {.data = pkt,
	                   .data_len = (uint32_t)v4,
	                   .ctx_in = &ctx,
	                   .ctx_in_len = sizeof ctx,
	                   .ctx_out = &ctx,
	                   .ctx_out_len = sizeof ctx};
	EXPECT(s, "act_mark", side_run(s, "act_mark", &r), 3 /* TC_ACT_PIPE */);
	EXPECT(s, "act_mark: ctx_out mark", ctx.mark, 42);
}

static void case_raw_tp(struct side *s)
{
	uint64_t args[2] = {5, 37};
	struct tl_run r = {.ctx_in = args, .ctx_in_len = sizeof args};
	EXPECT(s, "raw_tp_sum", side_run(s, "raw_tp_sum", &r), 42);
}

static void case_syscall(struct side *s)
{
	struct {
		uint32_t a, b;
		uint64_t sum;
	} args = {20, 22, 0};
	EXPECT(s, "sys_add", run_ctx(s, "sys_add", &args, sizeof args), 7);
	EXPECT(s, "sys_add: ctx sum", args.sum, 42);
	uint64_t calls = 0;
	side_global(s, ".bss", &calls, sizeof calls);
	EXPECT(s, "calls", calls, 1);
}

struct hkey {
	uint32_t id, twice;
};
struct hval {
	uint64_t tens, hundreds;
};

static void case_maps_hash(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "fill_hashes", run_ctx(s, "fill_hashes", &dummy, sizeof dummy), 300);
	struct hkey k = {3, 6};
	struct hval v = {0};
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "h_plain"), &k, &v, 0), 0);
	EXPECT(s, "h_plain{3,6}.tens", v.tens, 30);
	EXPECT(s, "h_plain{3,6}.hundreds", v.hundreds, 300);
	k = (struct hkey){4, 8};
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "h_lru"), &k, &v, 0), 0);
	EXPECT(s, "h_lru{4,8}.hundreds", v.hundreds, 400);
	/* per-CPU: the value was written on one CPU, the others are zero */
	struct hval pc[512];
	assert_true(s->ncpu <= 512);
	k = (struct hkey){2, 4};
	for (int which = 0; which < 2; which++) {
		memset(pc, 0, sizeof pc);
		int fd = side_map(s, which ? "h_lru_percpu" : "h_percpu");
		assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, fd, &k, pc, 0), 0);
		uint64_t tens = 0;
		for (int c = 0; c < s->ncpu; c++)
			tens += pc[c].tens;
		EXPECT(s, "percpu{2,4}.tens summed", tens, 20);
	}
	k = (struct hkey){5, 10};
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "h_plain"), &k, &v, 0),
	        -ENOENT);
}

static void case_maps_array(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "fill_arrays", run_ctx(s, "fill_arrays", &dummy, sizeof dummy), 140);
	uint32_t k = 7;
	uint64_t v = 0;
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "a_plain"), &k, &v, 0), 0);
	EXPECT(s, "a_plain[7]", v, 49);
	uint64_t pc[512]; /* u32 values, 8 bytes apart per CPU */
	memset(pc, 0, sizeof pc);
	k = 3;
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "a_percpu"), &k, pc, 0), 0);
	uint64_t sum = 0;
	for (int c = 0; c < s->ncpu; c++)
		sum += (uint32_t)pc[c];
	EXPECT(s, "a_percpu[3] summed", sum, 9);
	uint64_t *mm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, side_map(s, "a_mmap"), 0);
	assert_true(mm != MAP_FAILED);
	EXPECT(s, "a_mmap[5] through mmap", mm[5], 25);
	munmap(mm, 4096);
}

struct lpm_v4 {
	uint32_t prefixlen;
	uint8_t addr[4];
};

static void case_lpm(struct side *s)
{
	int fd = side_map(s, "routes");
	struct lpm_v4 k8 = {8, {10, 0, 0, 0}}, k16 = {16, {10, 1, 0, 0}};
	uint32_t v8 = 8, v16 = 16;
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_UPDATE_ELEM, fd, &k8, &v8, 0), 0);
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_UPDATE_ELEM, fd, &k16, &v16, 0), 0);
	uint8_t pkt[256];
	static const uint8_t a[4] = {10, 1, 2, 3}, b[4] = {10, 9, 9, 9}, c[4] = {11, 0, 0, 1};
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, a, 0);
	EXPECT(s, "lpm_src(10.1.2.3)", run_pkt(s, "lpm_src", pkt, len), 16);
	tl_packet_v4(pkt, sizeof pkt, 17, b, 0);
	EXPECT(s, "lpm_src(10.9.9.9)", run_pkt(s, "lpm_src", pkt, len), 8);
	tl_packet_v4(pkt, sizeof pkt, 17, c, 0);
	EXPECT(s, "lpm_src(11.0.0.1)", run_pkt(s, "lpm_src", pkt, len), 0);
}

static void case_ringbuf(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "emit", run_ctx(s, "emit", &dummy, sizeof dummy), 0);
	/* the producer page: two records of 8 header + 8 data bytes */
	long page = sysconf(_SC_PAGESIZE);
	uint64_t *prod =
	        mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, side_map(s, "events"), page);
	assert_true(prod != MAP_FAILED);
	EXPECT(s, "producer_pos", *prod, 32);
	munmap(prod, (size_t)page);
}

static void case_queue(struct side *s)
{
	uint8_t pkt[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	EXPECT(s, "push_pop", run_pkt(s, "push_pop", pkt, len), 31);
	uint32_t v = 0;
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_AND_DELETE_ELEM, side_map(s, "q"),
	                                NULL, &v, 0),
	                 0);
	EXPECT(s, "queue pop", v, 1);
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_AND_DELETE_ELEM, side_map(s, "s"),
	                                NULL, &v, 0),
	                 0);
	EXPECT(s, "stack pop", v, 3);
}

static void case_tail_calls(struct side *s)
{
	uint8_t pkt[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	EXPECT(s, "entry", run_pkt(s, "entry", pkt, len), 3 /* XDP_TX from tail_last */);
	uint32_t steps = 0;
	side_global(s, ".bss", &steps, sizeof steps);
	EXPECT(s, "steps", steps, 111);
	EXPECT(s, "entry_empty", run_pkt(s, "entry_empty", pkt, len), 2 /* falls through */);
}

static void case_map_in_map(struct side *s)
{
	uint32_t dummy = 0, k = 0, v = 0;
	EXPECT(s, "through_outer", run_ctx(s, "through_outer", &dummy, sizeof dummy), 99);
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "inner_b"), &k, &v, 0), 0);
	EXPECT(s, "inner_b[0]", v, 99);
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "inner_a"), &k, &v, 0), 0);
	EXPECT(s, "inner_a[0]", v, 0);
}

static void case_global_data(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "compute", run_ctx(s, "compute", &dummy, sizeof dummy), 0);
	struct {
		uint64_t sum;
		uint32_t count, pad;
		uint32_t bss_runs;
	} bss;
	side_global(s, ".bss", &bss, 20);
	EXPECT(s, "out.sum", bss.sum, 2000 + 3 * 5); /* rd_base set to 2000 before load */
	EXPECT(s, "out.count", bss.count, 1);
	uint32_t data[11];
	side_global(s, ".data", data, sizeof data);
	EXPECT(s, "data_counter", data[0], 6);
	EXPECT(s, "table[2]", ((uint64_t *)data)[3], 77);
	EXPECT(s, "static_data", data[10], 12);
	EXPECT(s, "compute again", run_ctx(s, "compute", &dummy, sizeof dummy), 0);
	side_global(s, ".bss", &bss, 20);
	EXPECT(s, "out.sum again", bss.sum, 2000 + 3 * 6);
	EXPECT(s, "out.count again", bss.count, 2);
}

static void case_custom_data(struct side *s)
{
	uint32_t dummy = 0, fast = 0, extra = 0;
	uint64_t ln[2];
	EXPECT(s, "use_custom", run_ctx(s, "use_custom", &dummy, sizeof dummy), 65 + 5);
	side_global(s, ".data.fast", &fast, 4);
	EXPECT(s, "fast_counter", fast, 65);
	side_global(s, ".data.a_rather_long_section_name", ln, sizeof ln);
	EXPECT(s, "long_named[1]", ln[1], 7);
	side_global(s, ".bss.extra", &extra, 4);
	EXPECT(s, "zeroed", extra, 9);
}

static void case_subprogs(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "calc_a", run_ctx(s, "calc_a", &dummy, sizeof dummy), 22);
	EXPECT(s, "calc_b", run_ctx(s, "calc_b", &dummy, sizeof dummy), 22);
}

static void case_callbacks(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "loop_sum", run_ctx(s, "loop_sum", &dummy, sizeof dummy), 45);
	EXPECT(s, "map_sum", run_ctx(s, "map_sum", &dummy, sizeof dummy), 10);
}

static const char kconfig_text[] =
        "CONFIG_BPF_SYSCALL=y\nCONFIG_USERBPF_TRISTATE=m\nCONFIG_HZ=250\n"
        "CONFIG_USERBPF_BIG=0x123456789\nCONFIG_USERBPF_NAME=\"abc\"\n";

static void case_kconfig(struct side *s)
{
	uint32_t dummy = 0;
	EXPECT(s, "read_kconfig", run_ctx(s, "read_kconfig", &dummy, sizeof dummy), 0);
	struct {
		uint32_t kver, cookie, bpf_syscall, tristate;
		int32_t hz;
		uint32_t missing;
		uint64_t big;
		char name[8];
	} seen;
	side_global(s, ".bss", &seen, sizeof seen);
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	uname(&u);
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	EXPECT(s, "LINUX_KERNEL_VERSION", seen.kver, (a << 16) | (b << 8) | (c > 255 ? 255 : c));
	EXPECT(s, "LINUX_HAS_BPF_COOKIE", seen.cookie, 1);
	EXPECT(s, "CONFIG_BPF_SYSCALL", seen.bpf_syscall, 1);
	EXPECT(s, "CONFIG_USERBPF_TRISTATE", seen.tristate, 2);
	EXPECT(s, "CONFIG_HZ", seen.hz, 250);
	EXPECT(s, "CONFIG_USERBPF_MISSING", seen.missing, 0);
	EXPECT(s, "CONFIG_USERBPF_BIG", seen.big, 0x123456789ll);
	assert_string_equal(seen.name, "abc");
}

static void case_core(struct side *s)
{
	uint8_t pkt[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	/* len is at offset 0 of __sk_buff; the missing field does not "exist" */
	EXPECT(s, "core_skb", run_pkt(s, "core_skb", pkt, len), len - 14);
	uint32_t dummy = 0;
	EXPECT(s, "core_bits", run_ctx(s, "core_bits", &dummy, sizeof dummy), 5 + 17);
	struct {
		uint64_t a, b;
		int64_t c;
		uint64_t plain;
		uint32_t plain_size, c_signed, a_signed, missing_exists;
		uint32_t skb_exists, skb_size, absent_type_exists, red, blue, purple_exists;
	} out;
	side_global(s, ".bss", &out, sizeof out);
	EXPECT(s, "bits.a", out.a, 5);
	EXPECT(s, "bits.b", out.b, 17);
	EXPECT(s, "bits.c", out.c, -100);
	EXPECT(s, "bits.plain", out.plain, 0xbeef);
	EXPECT(s, "field_size(plain)", out.plain_size, 2);
	EXPECT(s, "signed(c)", out.c_signed, 1);
	EXPECT(s, "signed(a)", out.a_signed, 0);
	EXPECT(s, "exists(missing)", out.missing_exists, 0);
	EXPECT(s, "type_exists(__sk_buff)", out.skb_exists, 1);
	EXPECT(s, "type_size(__sk_buff)", out.skb_size, sizeof(struct __sk_buff));
	EXPECT(s, "type_exists(absent_type)", out.absent_type_exists, 0);
	EXPECT(s, "enum RED", out.red, 7);
	EXPECT(s, "enum BLUE", out.blue, 9);
	EXPECT(s, "enum PURPLE exists", out.purple_exists, 0);
}

/* Objects libbpf 1.x does not open: ours only. */
static void case_legacy(struct side *s)
{
	uint8_t pkt[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	EXPECT(s, "legacy_count", run_pkt(s, "legacy_count", pkt, len), 0);
	uint32_t k = 1, plen = (uint32_t)len - 14, v32 = 0;
	uint64_t v = 0;
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "legacy_counts"),
	                                &k, &v, 0),
	                 0);
	EXPECT(s, "legacy_counts[1]", v, 1);
	assert_int_equal(tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "legacy_hash"),
	                                &plen, &v32, 0),
	                 0);
	EXPECT(s, "legacy_hash[len]", v32, 1);
}

static void case_iproute2(struct side *s)
{
	uint8_t pkt[256];
	size_t len = tl_packet_v4(pkt, sizeof pkt, 17, src_a, 0);
	EXPECT(s, "tc_ingress_count", run_pkt(s, "tc_ingress_count", pkt, len), 0);
	uint32_t k = 0, v32 = 0;
	uint64_t v = 0;
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "tc_counts"), &k, &v, 0),
	        0);
	EXPECT(s, "tc_counts[0]", v, len);
	assert_int_equal(
	        tl_map_op_with(s->bpf, BPF_MAP_LOOKUP_ELEM, side_map(s, "tc_inner"), &k, &v32, 0),
	        0);
	EXPECT(s, "tc_inner[0] through tc_outer", v32, 1);
}

/* ---- driver ---- */

struct rcase {
	const char *obj;
	void (*fn)(struct side *);
	struct open_args args;
	bool userbpf_only; /* libbpf 1.x cannot open the object */
	void (*before_load)(struct side *);
};

static void set_rodata(struct side *s)
{
	uint32_t base = 2000;
	if (s->kernel) {
		struct bpf_map *m;
		bpf_object__for_each_map(m, s->k) if (strstr(bpf_map__name(m), ".rodata") &&
		                                      !strstr(bpf_map__name(m), "str1"))
		{
			size_t sz;
			const void *cur = bpf_map__initial_value(m, &sz);
			uint8_t buf[256];
			assert_true(cur && sz <= sizeof buf);
			memcpy(buf, cur, sz);
			memcpy(buf, &base, sizeof base);
			assert_int_equal(bpf_map__set_initial_value(m, buf, sz), 0);
		}
		return;
	}
	size_t sz;
	uint32_t *v =
	        userbpf_map__initial_value(userbpf_object__find_map_by_name(s->u, ".rodata"), &sz);
	v[0] = base;
}

static const struct rcase cases[] = {
        {.obj = "sock_filter", .fn = case_sock_filter},
        {.obj = "xdp_count", .fn = case_xdp_count},
        {.obj = "xdp_rewrite", .fn = case_xdp_rewrite},
        {.obj = "tc_cls", .fn = case_tc},
        {.obj = "tracing", .fn = case_raw_tp},
        {.obj = "syscall", .fn = case_syscall},
        {.obj = "maps_hash", .fn = case_maps_hash},
        {.obj = "maps_array", .fn = case_maps_array},
        {.obj = "maps_lpm", .fn = case_lpm},
        {.obj = "maps_ringbuf", .fn = case_ringbuf},
        {.obj = "maps_queue", .fn = case_queue},
        {.obj = "tail_calls", .fn = case_tail_calls},
        {.obj = "map_in_map", .fn = case_map_in_map},
        {.obj = "global_data", .fn = case_global_data, .before_load = set_rodata},
        {.obj = "custom_data", .fn = case_custom_data},
        {.obj = "subprogs", .fn = case_subprogs},
        {.obj = "callbacks", .fn = case_callbacks},
        {.obj = "kconfig", .fn = case_kconfig, .args = {NULL, kconfig_text}},
        {.obj = "core", .fn = case_core, .args = {"core_target", NULL}},
        /* without a target: our own-BTF convention; libbpf would use the kernel's BTF */
        {.obj = "core", .fn = case_core, .userbpf_only = true},
        {.obj = "legacy_maps", .fn = case_legacy, .userbpf_only = true},
        {.obj = "iproute2_maps", .fn = case_iproute2, .userbpf_only = true},
};

static int nr_refused, nr_run;

static void run_case(const struct rcase *c, bool kernel)
{
	struct side s = {.who = kernel ? "kernel" : "userbpf",
	                 .kernel = kernel,
	                 .bpf = kernel ? kernel_bpf : userbpf_sys_bpf,
	                 .ncpu = ub_num_possible_cpus()};
	if (kernel)
		s.ncpu = libbpf_num_possible_cpus();
	if (!side_open(&s, c->obj, &c->args))
		fail_msg("%s: %s does not open", s.who, c->obj);
	if (c->before_load)
		c->before_load(&s);
	if (!side_load(&s)) {
		nr_refused++;
		fail_msg("%s refuses %s%s: %s", s.who, c->obj,
		         c->args.custom_btf ? " (custom BTF)" : "", s.rejected);
		side_close(&s);
		return;
	}
	c->fn(&s);
	nr_run++;
	side_close(&s);
}

static void test_userbpf(void **state)
{
	nr_run = nr_refused = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s%s\n", cases[i].obj,
		              cases[i].args.custom_btf ? " (custom BTF)" : "");
		run_case(&cases[i], false);
	}
	print_message("userbpf: %d cases run and checked, %d refused by PROG_LOAD\n", nr_run,
	              nr_refused);
}

static void test_kernel(void **state)
{
	if (!tu_kernel_bpf_available()) {
		print_message("SKIP: the host kernel's bpf() is not available\n");
		skip();
	}
	libbpf_set_print(quiet_libbpf);
	size_t n = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].userbpf_only)
			continue;
		run_case(&cases[i], true);
		n++;
	}
	print_message("kernel: %zu cases run, all as expected\n", n);
}

int main(void)
{
	tl_private_root();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernel),
	        cmocka_unit_test(test_userbpf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
