/* test_helpers_kernel.c — helpers in running programs, ours against the host kernel's.
 *
 * Each script creates maps and loads socket filter programs through bpf(2) — the host
 * kernel's, or ours (userbpf_sys_bpf, the same command interface) — runs them with
 * BPF_PROG_TEST_RUN and traces what came out: return values, what the programs wrote
 * into an "out" array map, ring buffer records, perf samples, load verdicts. The kernel's
 * traces are kept as tests/fixtures/helpers_<name>_kernel.txt (re-recorded with
 * USERBPF_RECORD_FIXTURES=1, as root) and ours must equal them line for line.
 *
 * Programs that pass a callback (bpf_loop, bpf_for_each_map_elem) carry BTF func_info
 * with a static callback, which the kernel requires ("missing btf func_info").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "maps/map.h"
#include "maps/perf.h"
#include "maptrace.h"

#define FIX(name) USERBPF_FIXTURES_DIR "/helpers_" name "_kernel.txt"

/* --- one side: the kernel's bpf() or ours --- */

static int sb(int kernel, int cmd, union bpf_attr *a)
{
	if (kernel)
		return mt_bpf(cmd, a);
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : (int)r;
}

static void side_close(int kernel, int fd)
{
	if (fd < 0)
		return;
	if (kernel)
		close(fd);
	else
		userbpf_close(fd);
}

/* Programs are closed at the end of a script: closing one of ours and loading another on
 * the same map currently fails in our PROG_LOAD (-ENOENT from the .refs bookkeeping,
 * reported to its owner); a script's programs stay open until it is done. */
static int open_progs[64], nr_open_progs;

static void prog_close(int kernel, int fd)
{
	if (kernel || fd < 0 || nr_open_progs == 64)
		side_close(kernel, fd);
	else
		open_progs[nr_open_progs++] = fd;
}

static void progs_close_all(void)
{
	while (nr_open_progs)
		userbpf_close(open_progs[--nr_open_progs]);
}

static int map_create(int kernel, uint32_t type, uint32_t key, uint32_t value, uint32_t max,
                      uint32_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	a.map_flags = flags;
	int fd = sb(kernel, BPF_MAP_CREATE, &a);
	if (fd < 0) {
		print_error("%s: map type %u: %d\n", kernel ? "kernel" : "ours", type, fd);
		fail();
	}
	return fd;
}

static int map_elem(int kernel, int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return sb(kernel, cmd, &a);
}

static void map_set(int kernel, int fd, uint32_t key, const void *value)
{
	assert_int_equal(map_elem(kernel, BPF_MAP_UPDATE_ELEM, fd, &key, (void *)value, 0), 0);
}

static void map_get(int kernel, int fd, uint32_t key, void *value)
{
	assert_int_equal(map_elem(kernel, BPF_MAP_LOOKUP_ELEM, fd, &key, value, 0), 0);
}

/* A BTF blob naming the main program (global) and one callback (static). */
static int btf_for_callback(int kernel)
{
	static const char strs[] = "\0int\0main\0cb";
	uint32_t types[] = {
	        1,  1u << 24,        4, (1u << 24) | 32, /* [1] int: INT, signed, 32 bits */
	        0,  13u << 24,       1,                  /* [2] FUNC_PROTO int (void) */
	        5,  (12u << 24) | 1, 2,                  /* [3] FUNC main, global */
	        10, 12u << 24,       2,                  /* [4] FUNC cb, static */
	};
	unsigned char blob[256];
	uint32_t hdr[6] = {0x0001eb9fu, 24, 0, sizeof types, sizeof types, sizeof strs};
	memcpy(blob, hdr, sizeof hdr);
	memcpy(blob + 24, types, sizeof types);
	memcpy(blob + 24 + sizeof types, strs, sizeof strs);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = (uintptr_t)blob;
	a.btf_size = (uint32_t)(24 + sizeof types + sizeof strs);
	return sb(kernel, BPF_BTF_LOAD, &a);
}

/* Assemble text and load it as a GPL socket filter: the prog fd, or -errno with the
 * verifier's last log line in err. A program with a callback gets BTF func_info. */
static int prog_load(int kernel, const char *text, char *err, size_t err_len)
{
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	if (userbpf_asm(text, &insns, &cnt, &e)) {
		print_error("asm: line %d: %s\n%s\n", e.insn, e.msg, text);
		fail();
	}
	static char log[1 << 16];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = 0;
	uint32_t finfo[4] = {0, 3, 0, 4};
	int btf = -1;
	for (size_t i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_FUNC)
			finfo[2] = (uint32_t)((int64_t)i + insns[i].imm + 1);
	if (finfo[2]) {
		btf = btf_for_callback(kernel);
		assert_true(btf >= 0);
		a.prog_btf_fd = (uint32_t)btf;
		a.func_info = (uintptr_t)finfo;
		a.func_info_rec_size = 8;
		a.func_info_cnt = 2;
	}
	int fd = sb(kernel, BPF_PROG_LOAD, &a);
	free(insns);
	side_close(kernel, btf);
	if (err && err_len) {
		err[0] = 0;
		if (fd < 0) {
			const char *last = "";
			for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
				if (*p && strncmp(p, "processed ", 10) &&
				    strncmp(p, "verification time", 17))
					last = p;
			snprintf(err, err_len, "%s", last);
		}
	}
	return fd;
}

/* The traces of the running script: skip() leaves the test by a long jump. */
static struct mt_trace *live_traces[2];

static int prog_load_ok(int kernel, const char *text)
{
	char err[256];
	int fd = prog_load(kernel, text, err, sizeof err);
	if (fd < 0 && !kernel && strstr(err, "missing btf func_info")) {
		/* our PROG_LOAD does not pass func_info to the verifier yet (verifier-core) */
		printf("SKIPPED: our verifier does not take BTF func_info yet: %s\n", err);
		progs_close_all();
		for (int i = 0; i < 2; i++)
			if (live_traces[i]) {
				free(live_traces[i]->buf);
				live_traces[i]->buf = NULL;
			}
		skip();
	}
	if (fd < 0) {
		print_error("%s refused the program (%d): %s\n%s\n", kernel ? "kernel" : "ours", fd,
		            err, text);
		fail();
	}
	return fd;
}

static int64_t prog_run(int kernel, int fd)
{
	unsigned char data[64] = {0};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)data;
	a.test.data_size_in = sizeof data;
	a.test.repeat = 1;
	int err = sb(kernel, BPF_PROG_TEST_RUN, &a);
	if (err) {
		print_error("%s: test run: %d\n", kernel ? "kernel" : "ours", err);
		fail();
	}
	return (int32_t)a.test.retval;
}

/* "out": one 128-byte value the programs write their results into. */
#define OUT_SIZE 128
static const char *out_lookup = "*(u32 *)(r10 - 4) = 0\n"
                                "r1 = map[fd:%d] ll\n"
                                "r2 = r10\n"
                                "r2 += -4\n"
                                "call 1\n"
                                "if r0 == 0 goto fail\n";

/* --- strtol / strtoul --- */

static const char *const strto_inputs[] = {
        "123",
        "  -42xyz",
        "0x1f",
        "1f",
        "017",
        "0x",
        "0xg",
        "",
        "   ",
        "-",
        "+5",
        "\t\n7 ",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "0777",
        "999999999999999999999999999999",
        "00000000000000000000000000000000000000000000000000000000012",
};
static const uint32_t strto_flags[] = {0, 8, 10, 16, 7, 0x20};

static void script_strtol(int kernel, struct mt_trace *t)
{
	int in = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0);
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	int progs[2];
	for (int u = 0; u < 2; u++) {
		char text[2048], pre[256];
		snprintf(pre, sizeof pre, out_lookup, out);
		snprintf(text, sizeof text,
		         "%s"
		         "r6 = r0\n"
		         "*(u32 *)(r10 - 8) = 0\n"
		         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -8\ncall 1\n"
		         "if r0 == 0 goto fail\n"
		         "r2 = *(u32 *)(r0 + 0)\n" /* len */
		         "r3 = *(u32 *)(r0 + 4)\n" /* flags */
		         "if r2 < 1 goto fail\n"
		         "if r2 > 56 goto fail\n"
		         "r1 = r0\nr1 += 8\n"
		         "r4 = r10\nr4 += -16\n"
		         "call %d\n"
		         "*(u64 *)(r6 + 0) = r0\n"
		         "r1 = *(u64 *)(r10 - 16)\n"
		         "*(u64 *)(r6 + 8) = r1\n"
		         "r0 = 0\nexit\n"
		         "fail:\nr0 = 1\nexit\n",
		         pre, in, u ? BPF_FUNC_strtoul : BPF_FUNC_strtol);
		progs[u] = prog_load_ok(kernel, text);
	}
	for (size_t i = 0; i < sizeof strto_inputs / sizeof strto_inputs[0]; i++)
		for (size_t f = 0; f < sizeof strto_flags / sizeof strto_flags[0]; f++) {
			unsigned char v[64] = {0};
			size_t n = strlen(strto_inputs[i]);
			uint32_t len = n ? (uint32_t)n : 1, fl = strto_flags[f];
			memcpy(v, &len, 4);
			memcpy(v + 4, &fl, 4);
			memcpy(v + 8, strto_inputs[i], n > 56 ? 56 : n);
			if (len > 56)
				len = 56, memcpy(v, &len, 4);
			map_set(kernel, in, 0, v);
			for (int u = 0; u < 2; u++) {
				int64_t ret = prog_run(kernel, progs[u]);
				int64_t res[OUT_SIZE / 8];
				map_get(kernel, out, 0, res);
				mt_tr(t, "%s '%s' flags %u: retval %lld r0 %lld res %lld",
				      u ? "strtoul" : "strtol", strto_inputs[i], fl, (long long)ret,
				      (long long)res[0], (long long)res[1]);
			}
		}
	prog_close(kernel, progs[0]);
	prog_close(kernel, progs[1]);
	side_close(kernel, in);
	side_close(kernel, out);
}

/* --- bpf_snprintf --- */

struct snp_case {
	const char *fmt;
	int nargs;
	uint64_t args[6]; /* with bit i of strs set, args[i] is a string: STR(k) */
	unsigned strs;
};

/* string k: 0 "hello", 1 "", 2 a longer one, 10 the IPv4 address, 11 the IPv6 one */
#define STR(k) (k)
static const char *const snp_strings[] = {"hello", "", "a longer string of text"};
static const unsigned char snp_ip4[4] = {10, 1, 2, 3};
static const unsigned char snp_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 0, 0x42};

static const struct snp_case snp_cases[] = {
        {"plain text", 0, {0}, 0},
        {"%d %i %u", 3, {(uint64_t)-7, 42, (uint64_t)-1}, 0},
        {"%x %X %lx %llx", 4, {0xabc, 0xabc, 0x123456789ull, (uint64_t)-1}, 0},
        {"%ld %lld %lu %llu", 4, {(uint64_t)-5, (uint64_t)INT64_MIN, UINT64_MAX, 0}, 0},
        {"[%5d] [%-5d] [%05d] [%+d] [% d]", 5, {3, 3, 3, 3, 3}, 0},
        {"[%08x] [%-8x] [%8lx]", 3, {255, 255, 255}, 0},
        {"%s|%s|%s", 3, {STR(0), STR(1), STR(2)}, 7},
        {"[%8s][%-8s][%3s]", 3, {STR(0), STR(0), STR(2)}, 7},
        {"%c%c%c", 3, {'x', 'y', 'z'}, 0},
        {"100%% sure", 0, {0}, 0},
        {"%px", 1, {0x1234}, 0},
        {"%pI4", 1, {STR(10)}, 1},
        {"%pi4", 1, {STR(10)}, 1},
        {"%pI6", 1, {STR(11)}, 1},
        {"%pi6", 1, {STR(11)}, 1},
        {"%pks", 1, {STR(0)}, 1},
        {"%d %d", 1, {1}, 0},    /* too few arguments: refused at load */
        {"%.2d", 1, {1}, 0},     /* precision */
        {"%#x", 1, {1}, 0},      /* alternate form */
        {"%hd", 1, {1}, 0},      /* h */
        {"%sx", 1, {STR(0)}, 1}, /* %s glued to a letter */
        {"%pZ", 1, {1}, 0},      /* unknown %p extension */
        {"%5%", 1, {1}, 0},      /* width on %% */
        {"%d", 13, {1}, 0},      /* more than 12 arguments */
        {"%s%s%s%s%s%s", 6, {STR(2), STR(2), STR(2), STR(2), STR(2), STR(2)}, 63},
};

static void script_snprintf(int kernel, struct mt_trace *t)
{
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	int strs = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0);
	unsigned char sv[64] = {0};
	memcpy(sv, snp_strings[0], 6);
	memcpy(sv + 8, snp_strings[1], 1);
	memcpy(sv + 16, snp_strings[2], strlen(snp_strings[2]) + 1);
	memcpy(sv + 44, snp_ip4, 4); /* "string" 10: the IPv4 address, 11: the IPv6 one */
	memcpy(sv + 48, snp_ip6, 16);
	map_set(kernel, strs, 0, sv);
	for (size_t c = 0; c < sizeof snp_cases / sizeof snp_cases[0]; c++) {
		const struct snp_case *k = &snp_cases[c];
		int ro = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, 64, 1, BPF_F_RDONLY_PROG);
		char fmt[64] = {0};
		snprintf(fmt, sizeof fmt, "%s", k->fmt);
		map_set(kernel, ro, 0, fmt);
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)ro;
		assert_int_equal(sb(kernel, BPF_MAP_FREEZE, &a), 0);
		/* the arguments, at fp-112 .. fp-16: constants or pointers into strs */
		char args[2048] = "";
		for (int i = 0; i < k->nargs && i < 6; i++) {
			uint64_t v = k->args[i];
			int off = -112 + 8 * i;
			size_t l = strlen(args);
			if (k->strs & (1u << i)) {
				int idx = (int)v;
				int soff = idx == 0    ? 0
				           : idx == 1  ? 8
				           : idx == 2  ? 16
				           : idx == 10 ? 44
				                       : 48;
				snprintf(args + l, sizeof args - l,
				         "r1 = r7\nr1 += %d\n*(u64 *)(r10 %d) = r1\n", soff, off);
			} else {
				snprintf(args + l, sizeof args - l,
				         "r1 = %lld ll\n*(u64 *)(r10 %d) = r1\n", (long long)v,
				         off);
			}
		}
		char text[4096], pre[256];
		snprintf(pre, sizeof pre, out_lookup, out);
		snprintf(text, sizeof text,
		         "%s"
		         "r6 = r0\n"
		         "*(u32 *)(r10 - 8) = 0\n"
		         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -8\ncall 1\n"
		         "if r0 == 0 goto fail\nr7 = r0\n"
		         "*(u32 *)(r10 - 8) = 0\n"
		         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -8\ncall 1\n"
		         "if r0 == 0 goto fail\nr8 = r0\n"
		         "%s"
		         "r1 = r6\nr1 += 8\nr2 = 100\nr3 = r8\nr4 = r10\nr4 += -112\nr5 = %d\n"
		         "call 165\n"
		         "*(u64 *)(r6 + 0) = r0\n"
		         "r0 = 0\nexit\n"
		         "fail:\nr0 = 1\nexit\n",
		         pre, strs, ro, args, k->nargs * 8);
		char err[256];
		int fd = prog_load(kernel, text, err, sizeof err);
		if (fd < 0) {
			mt_tr(t, "snprintf \"%s\": load %d %s", k->fmt, fd, err);
		} else {
			unsigned char zero[OUT_SIZE] = {0}, res[OUT_SIZE];
			map_set(kernel, out, 0, zero);
			int64_t ret = prog_run(kernel, fd);
			map_get(kernel, out, 0, res);
			int64_t r0;
			memcpy(&r0, res, 8);
			mt_tr(t, "snprintf \"%s\": retval %lld r0 %lld \"%.100s\"", k->fmt,
			      (long long)ret, (long long)r0, (const char *)res + 8);
			prog_close(kernel, fd);
		}
		side_close(kernel, ro);
	}
	side_close(kernel, strs);
	side_close(kernel, out);
}

/* --- trace_printk return values --- */

static void script_trace_printk(int kernel, struct mt_trace *t)
{
	static const struct {
		const char *fmt;
		int size_adj; /* fmt_size = strlen + 1 + size_adj */
	} cases[] = {
	        {"hello\n", 0}, {"v=%d w=%u\n", 0}, {"%lld|%llx\n", 0},   {"no nul", -1},
	        {"%s\n", 0},    {"bad %y\n", 0},    {"%d %d %d %d\n", 0}, {"", 0},
	};
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		unsigned char v[OUT_SIZE] = {0};
		snprintf((char *)v, sizeof v, "%s", cases[c].fmt);
		map_set(kernel, out, 0, v);
		char text[2048], pre[256];
		snprintf(pre, sizeof pre, out_lookup, out);
		snprintf(text, sizeof text,
		         "%s"
		         "r1 = r0\nr2 = %d\nr3 = -5\nr4 = 0x12345678abc ll\nr5 = r0\n"
		         "call 6\n"
		         "exit\n"
		         "fail:\nr0 = 1\nexit\n",
		         pre, (int)strlen(cases[c].fmt) + 1 + cases[c].size_adj);
		int fd = prog_load_ok(kernel, text);
		char shown[64];
		size_t o = 0;
		for (const char *f = cases[c].fmt; *f && o + 3 < sizeof shown; f++) {
			if (*f == '\n') {
				shown[o++] = '\\';
				shown[o++] = 'n';
			} else {
				shown[o++] = *f;
			}
		}
		shown[o] = 0;
		mt_tr(t, "trace_printk \"%s\" size %+d: retval %lld", shown, cases[c].size_adj,
		      (long long)prog_run(kernel, fd));
		prog_close(kernel, fd);
	}
	side_close(kernel, out);
}

/* --- callbacks: bpf_loop, bpf_for_each_map_elem --- */

static void script_callbacks(int kernel, struct mt_trace *t)
{
	int in = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0);
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	char text[4096], pre[256];
	snprintf(pre, sizeof pre, out_lookup, out);
	/* bpf_loop(in.n, cb, &ctx, in.flags): ctx = {sum of i, calls}; cb stops at in.stop */
	snprintf(text, sizeof text,
	         "%s"
	         "r6 = r0\n"
	         "*(u32 *)(r10 - 8) = 0\n"
	         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -8\ncall 1\n"
	         "if r0 == 0 goto fail\n"
	         "r1 = *(u32 *)(r0 + 0)\n"
	         "r4 = *(u32 *)(r0 + 4)\n"
	         "r7 = *(u64 *)(r0 + 8)\n"
	         "*(u64 *)(r10 - 24) = 0\n"
	         "*(u64 *)(r10 - 16) = r7\n"
	         "r2 = func[cb]\n"
	         "r3 = r10\nr3 += -24\n"
	         "call 181\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r1 = *(u64 *)(r10 - 24)\n"
	         "*(u64 *)(r6 + 8) = r1\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n"
	         "cb:\n"
	         "r3 = *(u64 *)(r2 + 0)\n"
	         "r3 += r1\n"
	         "*(u64 *)(r2 + 0) = r3\n"
	         "r4 = *(u64 *)(r2 + 8)\n"
	         "r0 = 0\n"
	         "if r1 != r4 goto cont\n"
	         "r0 = 1\n"
	         "cont:\n"
	         "exit\n",
	         pre, in);
	int fd = prog_load_ok(kernel, text);
	static const struct {
		uint32_t n, flags;
		uint64_t stop;
	} runs[] = {{10, 0, ~0ull}, {10, 0, 3},    {0, 0, ~0ull},
	            {1, 0, 0},      {5, 1, ~0ull}, {(8u << 20) + 1, 0, ~0ull},
	            {1000, 0, 999}};
	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		uint32_t v[4] = {runs[i].n, runs[i].flags};
		memcpy(v + 2, &runs[i].stop, 8);
		map_set(kernel, in, 0, v);
		int64_t ret = prog_run(kernel, fd);
		int64_t res[OUT_SIZE / 8];
		map_get(kernel, out, 0, res);
		mt_tr(t, "loop n=%u flags=%u stop=%lld: retval %lld r0 %lld sum %lld", runs[i].n,
		      runs[i].flags, (long long)runs[i].stop, (long long)ret, (long long)res[0],
		      (long long)res[1]);
	}
	prog_close(kernel, fd);

	/* for_each over an array and a hash: count, sum of values, values written back */
	uint32_t types[] = {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_ARRAY};
	for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
		int m = map_create(kernel, types[k], 4, 8, 8, 0);
		for (uint32_t key = 0; key < 6; key++) {
			uint64_t val[256] = {0}; /* per-CPU maps take one value per CPU */
			for (int c = 0; c < 256; c++)
				val[c] = 100 + key;
			map_set(kernel, m, key, val);
		}
		for (int stop = 0; stop < 2; stop++) {
			snprintf(text, sizeof text,
			         "%s"
			         "r6 = r0\n"
			         "*(u64 *)(r10 - 16) = 0\n"
			         "*(u64 *)(r10 - 24) = 0\n"
			         "r1 = map[fd:%d] ll\n"
			         "r2 = func[cb]\n"
			         "r3 = r10\nr3 += -24\n"
			         "r4 = 0\n"
			         "call 164\n"
			         "*(u64 *)(r6 + 0) = r0\n"
			         "r1 = *(u64 *)(r10 - 24)\n"
			         "*(u64 *)(r6 + 8) = r1\n"
			         "r0 = 0\nexit\n"
			         "fail:\nr0 = 1\nexit\n"
			         "cb:\n"
			         "r5 = *(u64 *)(r3 + 0)\n"
			         "r6 = *(u64 *)(r4 + 0)\n"
			         "r6 += r5\n"
			         "*(u64 *)(r4 + 0) = r6\n"
			         "r1 = *(u32 *)(r2 + 0)\n"
			         "r5 += 1\n"
			         "r5 += r1\n"
			         "*(u64 *)(r3 + 0) = r5\n"
			         "r0 = 0\n"
			         "if r1 != %d goto cont\n"
			         "r0 = 1\n"
			         "cont:\n"
			         "exit\n",
			         pre, m, stop ? (types[k] == BPF_MAP_TYPE_HASH ? 77 : 3) : 77);
			/* the callback: ctx += value (a sum: the order of a hash does not matter),
			 * value += 1 + key (values are writable) */
			fd = prog_load_ok(kernel, text);
			int64_t ret = prog_run(kernel, fd);
			int64_t res[OUT_SIZE / 8];
			map_get(kernel, out, 0, res);
			mt_tr(t, "for_each map %u stop %d: retval %lld r0 %lld ctx %lld", types[k],
			      stop, (long long)ret, (long long)res[0], (long long)res[1]);
			prog_close(kernel, fd);
		}
		side_close(kernel, m);
	}
	side_close(kernel, in);
	side_close(kernel, out);
}

/* --- ring buffer --- */

/* Records from the ring, read through its mappings as libbpf does. */
static void ringbuf_read(int fd, uint32_t size, struct mt_trace *t)
{
	long page = sysconf(_SC_PAGESIZE);
	void *cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	void *prod = mmap(NULL, (size_t)page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	assert_true(cons != MAP_FAILED && prod != MAP_FAILED);
	uint64_t c = *(volatile uint64_t *)cons, p = *(volatile uint64_t *)prod;
	const unsigned char *data = (const unsigned char *)prod + page;
	while (c < p) {
		uint32_t len;
		memcpy(&len, data + (c & (size - 1)), 4);
		uint32_t n = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		char hex[2 * 64 + 1];
		mt_hex(hex, data + (c & (size - 1)) + 8, n < 64 ? n : 64);
		mt_tr(t, "  record len %u%s%s %s", n, len & BPF_RINGBUF_BUSY_BIT ? " busy" : "",
		      len & BPF_RINGBUF_DISCARD_BIT ? " discarded" : "", hex);
		c += (n + 8 + 7) & ~7u;
	}
	*(volatile uint64_t *)cons = c;
	munmap(cons, (size_t)page);
	munmap(prod, (size_t)page + 2 * size);
}

static void script_ringbuf(int kernel, struct mt_trace *t)
{
	int rb = map_create(kernel, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	char text[4096], pre[256];
	snprintf(pre, sizeof pre, out_lookup, out);
	snprintf(text, sizeof text,
	         "%s"
	         "r6 = r0\n"
	         "r1 = 0x1122334455667788 ll\n*(u64 *)(r10 - 16) = r1\n"
	         "r1 = 0x99aabbccddeeff00 ll\n*(u64 *)(r10 - 8) = r1\n"
	         /* output 12 bytes, then with an unknown flag */
	         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\ncall 130\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r1 = map[fd:%d] ll\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 8\ncall 130\n"
	         "*(u64 *)(r6 + 8) = r0\n"
	         /* reserve 20, fill, submit */
	         "r1 = map[fd:%d] ll\nr2 = 20\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto skip1\n"
	         "r1 = 0x0102030405060708 ll\n*(u64 *)(r0 + 0) = r1\n*(u64 *)(r0 + 8) = r1\n"
	         "*(u32 *)(r0 + 16) = 0x0a0b0c0d\n"
	         "r1 = r0\nr2 = 0\ncall 132\n"
	         "skip1:\n"
	         /* reserve 8, discard */
	         "r1 = map[fd:%d] ll\nr2 = 8\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto skip2\n"
	         "*(u64 *)(r0 + 0) = 7\n"
	         "r1 = r0\nr2 = 0\ncall 133\n"
	         "skip2:\n"
	         /* reserve with a flag: NULL; a record larger than the ring: NULL */
	         "r1 = map[fd:%d] ll\nr2 = 8\nr3 = 1\ncall 131\n"
	         "*(u64 *)(r6 + 16) = r0\n"
	         "if r0 == 0 goto skip3\nr1 = r0\nr2 = 0\ncall 133\nskip3:\n"
	         "r1 = map[fd:%d] ll\nr2 = 8192\nr3 = 0\ncall 131\n"
	         "*(u64 *)(r6 + 24) = r0\n"
	         "if r0 == 0 goto skip4\nr1 = r0\nr2 = 0\ncall 133\nskip4:\n"
	         /* query: available data, ring size, positions */
	         "r1 = map[fd:%d] ll\nr2 = 0\ncall 134\n*(u64 *)(r6 + 32) = r0\n"
	         "r1 = map[fd:%d] ll\nr2 = 1\ncall 134\n*(u64 *)(r6 + 40) = r0\n"
	         "r1 = map[fd:%d] ll\nr2 = 2\ncall 134\n*(u64 *)(r6 + 48) = r0\n"
	         "r1 = map[fd:%d] ll\nr2 = 3\ncall 134\n*(u64 *)(r6 + 56) = r0\n"
	         "r1 = map[fd:%d] ll\nr2 = 77\ncall 134\n*(u64 *)(r6 + 64) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         pre, rb, rb, rb, rb, rb, rb, rb, rb, rb, rb, rb);
	int fd = prog_load_ok(kernel, text);
	for (int run = 0; run < 3; run++) {
		int64_t ret = prog_run(kernel, fd);
		int64_t res[OUT_SIZE / 8];
		map_get(kernel, out, 0, res);
		mt_tr(t,
		      "ringbuf run %d: retval %lld output %lld %lld reserve-flags %s too-big %s "
		      "avail %lld size %lld cons %lld prod %lld other %lld",
		      run, (long long)ret, (long long)res[0], (long long)res[1],
		      res[2] ? "ptr" : "NULL", res[3] ? "ptr" : "NULL", (long long)res[4],
		      (long long)res[5], (long long)res[6], (long long)res[7], (long long)res[8]);
		if (run != 1)
			ringbuf_read(rb, 4096, t); /* run 1 leaves its records for run 2's query */
	}
	/* until the ring is full: -EAGAIN */
	int full = 0;
	for (int i = 0; i < 100; i++) {
		int64_t ret = prog_run(kernel, fd);
		int64_t res[OUT_SIZE / 8];
		map_get(kernel, out, 0, res);
		if (res[0] != 0) {
			mt_tr(t, "ringbuf full after %d runs: retval %lld output %lld", i,
			      (long long)ret, (long long)res[0]);
			full = 1;
			break;
		}
	}
	assert_true(full);
	prog_close(kernel, fd);
	side_close(kernel, rb);
	side_close(kernel, out);
}

/* --- the current task, probe reads --- */

/* The calling thread's cgroup v2 directory (from mountinfo and /proc/thread-self/cgroup),
 * its depth below the root and its inode, which the kernel's cgroup id is. */
static int cgroup2_dir(char *dir, size_t size)
{
	char line[4096], mnt[4096] = "", path[4096] = "";
	FILE *f = fopen("/proc/self/mountinfo", "r");
	while (f && fgets(line, sizeof line, f)) {
		char root[4096], point[4096];
		const char *dash = strstr(line, " - ");
		if (dash && !strncmp(dash + 3, "cgroup2 ", 8) &&
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) == 2 &&
		    !strcmp(root, "/")) {
			strcpy(mnt, point);
			break;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/thread-self/cgroup", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			strcpy(path, line + 3);
		}
	if (f)
		fclose(f);
	if (!mnt[0] || !path[0])
		return -1;
	snprintf(dir, size, "%s%s", mnt, path);
	int level = 0;
	for (const char *p = path; *p; p++)
		level += *p == '/' && p[1] && p[1] != '/';
	return level;
}

static int cgroup2_level(void)
{
	char dir[8192];
	return cgroup2_dir(dir, sizeof dir);
}

static uint64_t cgroup2_ino(void)
{
	char dir[8192];
	struct stat st;
	return cgroup2_dir(dir, sizeof dir) < 0 || stat(dir, &st) ? 0 : (uint64_t)st.st_ino;
}

/* bpf_get_current_cgroup_id and bpf_get_current_ancestor_cgroup_id at 0, level, level + 1,
 * -1 and level - 1, into cg[6]; the run's retval. */
static int64_t cgroup_ids(int kernel, int level, uint64_t cg[6])
{
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	char text[2048], pre[256];
	snprintf(pre, sizeof pre, out_lookup, out);
	snprintf(text, sizeof text,
	         "%s"
	         "r6 = r0\n"
	         "call 80\n*(u64 *)(r6 + 0) = r0\n"
	         "r1 = 0\ncall 123\n*(u64 *)(r6 + 8) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 16) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 24) = r0\n"
	         "r1 = -1\ncall 123\n*(u64 *)(r6 + 32) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 40) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         pre, level, level + 1, level - 1);
	int fd = prog_load_ok(kernel, text);
	int64_t ret = prog_run(kernel, fd);
	unsigned char res[OUT_SIZE];
	map_get(kernel, out, 0, res);
	memcpy(cg, res, 6 * sizeof *cg);
	prog_close(kernel, fd);
	side_close(kernel, out);
	return ret;
}

static void script_task(int kernel, struct mt_trace *t)
{
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	char text[4096], pre[256];
	snprintf(pre, sizeof pre, out_lookup, out);
	snprintf(text, sizeof text,
	         "%s"
	         "r6 = r0\n"
	         "call 14\n*(u64 *)(r6 + 0) = r0\n"
	         "call 15\n*(u64 *)(r6 + 8) = r0\n"
	         "r1 = r6\nr1 += 16\nr2 = 16\ncall 16\n*(u64 *)(r6 + 32) = r0\n"
	         "r1 = r6\nr1 += 40\nr2 = 6\ncall 16\n"
	         /* probe reads: kernel of NULL, user of NULL, kernel of our stack */
	         "r1 = 0x4142434445464748 ll\n*(u64 *)(r10 - 16) = r1\n"
	         "*(u64 *)(r10 - 8) = 0x31\n"
	         "r1 = r6\nr1 += 48\nr2 = 8\nr3 = 0\ncall 113\n*(u64 *)(r6 + 56) = r0\n"
	         "r1 = r6\nr1 += 64\nr2 = 8\nr3 = 0\ncall 112\n*(u64 *)(r6 + 72) = r0\n"
	         "r1 = r6\nr1 += 80\nr2 = 8\nr3 = r10\nr3 += -16\ncall 113\n"
	         "*(u64 *)(r6 + 88) = r0\n"
	         "r1 = r6\nr1 += 96\nr2 = 16\nr3 = r10\nr3 += -16\ncall 115\n"
	         "*(u64 *)(r6 + 112) = r0\n"
	         "r1 = r6\nr1 += 120\nr2 = 4\nr3 = 0\ncall 115\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         pre);
	int fd = prog_load_ok(kernel, text);
	unsigned char res[OUT_SIZE];
	memset(res, 0x55, sizeof res);
	map_set(kernel, out, 0, res);
	int64_t ret = prog_run(kernel, fd);
	map_get(kernel, out, 0, res);
	uint64_t pid_tgid, uid_gid;
	memcpy(&pid_tgid, res, 8);
	memcpy(&uid_gid, res + 8, 8);
	char hex[2 * OUT_SIZE + 1];
	mt_tr(t, "task: retval %lld pid_tgid %s uid_gid %s", (long long)ret,
	      pid_tgid == ((uint64_t)getpid() << 32 | (uint32_t)gettid()) ? "= ours" : "differs",
	      uid_gid == ((uint64_t)getgid() << 32 | getuid()) ? "= ours" : "differs");
	mt_hex(hex, res + 16, 24);
	mt_tr(t, "comm 16 and its result: %s", hex);
	mt_hex(hex, res + 40, 8);
	mt_tr(t, "comm 6 (and 2 bytes left as they were): %s", hex);
	mt_hex(hex, res + 48, OUT_SIZE - 48);
	mt_tr(t, "probe reads: %s", hex);
	prog_close(kernel, fd);

	/* cgroup ids: ours, its ancestors at 0, at its own level, one deeper, at -1 */
	uint64_t cg[6];
	int level = cgroup2_level();
	ret = cgroup_ids(kernel, level, cg);
	uint64_t ino = cgroup2_ino();
	mt_tr(t,
	      "cgroup: retval %lld id %s, ancestor(0) %llu, ancestor(own level) %s, "
	      "ancestor(level + 1) %llu, ancestor(-1) %llu",
	      (long long)ret,
	      level < 0      ? "(no cgroup2)"
	      : cg[0] == ino ? "= its inode"
	                     : "differs",
	      (unsigned long long)cg[1], cg[2] == cg[0] ? "= id" : "differs",
	      (unsigned long long)cg[3], (unsigned long long)cg[4]);
	side_close(kernel, out);
}

/* --- tail calls --- */

static void script_tail_call(int kernel, struct mt_trace *t)
{
	int pa = map_create(kernel, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	int target = prog_load_ok(kernel, "r0 = 42\nexit\n");
	char text[1024];
	snprintf(text, sizeof text,
	         "r6 = r1\n"
	         "r1 = r6\nr2 = map[fd:%d] ll\nr3 = 1\ncall 12\n" /* slot 1: the target */
	         "r0 = 7\nexit\n",
	         pa);
	int fd = prog_load_ok(kernel, text);
	mt_tr(t, "tail call, empty slot: retval %lld", (long long)prog_run(kernel, fd));
	uint32_t tfd = (uint32_t)target;
	map_set(kernel, pa, 1, &tfd);
	mt_tr(t, "tail call, slot set: retval %lld", (long long)prog_run(kernel, fd));
	snprintf(text, sizeof text,
	         "r6 = r1\n"
	         "r1 = r6\nr2 = map[fd:%d] ll\nr3 = 9\ncall 12\n" /* index past the end */
	         "r0 = 8\nexit\n",
	         pa);
	prog_close(kernel, fd);
	fd = prog_load_ok(kernel, text);
	mt_tr(t, "tail call, index past the end: retval %lld", (long long)prog_run(kernel, fd));
	prog_close(kernel, fd);
	prog_close(kernel, target);
	side_close(kernel, pa);
}

/* --- perf event output --- */

static int perf_fd = -1;
static void *perf_ring;
#define PERF_PAGES 8

/* A BPF output perf event on CPU 0 with its ring mapped (the kernel side only). */
static int perf_event_open_cpu0(void)
{
	struct perf_event_attr pa;
	memset(&pa, 0, sizeof pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.size = sizeof pa;
	pa.config = PERF_COUNT_SW_BPF_OUTPUT;
	pa.sample_type = PERF_SAMPLE_RAW;
	pa.sample_period = 1;
	pa.wakeup_events = 1;
	int fd = (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	long page = sysconf(_SC_PAGESIZE);
	perf_ring = mmap(NULL, (size_t)page * (1 + PERF_PAGES), PROT_READ | PROT_WRITE, MAP_SHARED,
	                 fd, 0);
	if (perf_ring == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	return fd;
}

static void perf_kernel_samples(struct mt_trace *t)
{
	long page = sysconf(_SC_PAGESIZE);
	struct perf_event_mmap_page *mp = perf_ring;
	const unsigned char *data = (const unsigned char *)perf_ring + page;
	uint64_t head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE), tail = mp->data_tail;
	uint64_t size = (uint64_t)page * PERF_PAGES;
	while (tail < head) {
		struct perf_event_header h;
		memcpy(&h, data + (tail % size), sizeof h);
		if (h.type == PERF_RECORD_SAMPLE) {
			uint32_t raw;
			memcpy(&raw, data + ((tail + 8) % size), 4);
			unsigned char buf[64];
			for (uint32_t i = 0; i < raw && i < 12; i++)
				buf[i] = data[(tail + 12 + i) % size];
			char hex[25];
			mt_hex(hex, buf, 12);
			mt_tr(t, "  sample %s", hex);
		}
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
}

struct perf_ctx {
	struct mt_trace *t;
};

static void perf_ours_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	char hex[25];
	mt_hex(hex, data, 12);
	mt_tr(((struct perf_ctx *)ctx)->t, "  sample %s", hex);
}

static void script_perf(int kernel, struct mt_trace *t)
{
	int pa = map_create(kernel, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0);
	int out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0);
	uint32_t slot = kernel ? (uint32_t)perf_fd : 1;
	map_set(kernel, pa, 0, &slot); /* slot 0 has an event, slot 1 none */
	char text[4096], pre[256];
	snprintf(pre, sizeof pre, out_lookup, out);
	snprintf(text, sizeof text,
	         "r9 = r1\n"
	         "%s"
	         "r6 = r0\n"
	         "r1 = 0x0807060504030201 ll\n*(u64 *)(r10 - 16) = r1\n"
	         "*(u64 *)(r10 - 8) = 0x0c0b0a09\n"
	         "r1 = r9\nr2 = map[fd:%d] ll\nr3 = 0\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r1 = r9\nr2 = map[fd:%d] ll\nr3 = 1\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 8) = r0\n"
	         "r1 = r9\nr2 = map[fd:%d] ll\nr3 = 5\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 16) = r0\n"
	         "r1 = r9\nr2 = map[fd:%d] ll\nr3 = 1\nr3 <<= 63\nr4 = r10\nr4 += -16\nr5 = 12\n"
	         "call 25\n"
	         "*(u64 *)(r6 + 24) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         pre, pa, pa, pa, pa);
	int fd = prog_load_ok(kernel, text);
	int64_t ret = prog_run(kernel, fd);
	int64_t res[OUT_SIZE / 8];
	map_get(kernel, out, 0, res);
	mt_tr(t, "perf output: retval %lld slot0 %lld slot1 %lld past-end %lld bad-flags %lld",
	      (long long)ret, (long long)res[0], (long long)res[1], (long long)res[2],
	      (long long)res[3]);
	if (kernel) {
		perf_kernel_samples(t);
	} else {
		struct bpf_map *m;
		assert_int_equal(bpf_map_attach_fd(pa, &m), 0);
		struct perf_consumer *c = perf_consumer_new(m);
		assert_non_null(c);
		struct perf_ctx pc = {t};
		perf_consume(c, perf_ours_cb, NULL, &pc);
		perf_consumer_free(c);
		bpf_map_detach(m);
	}
	prog_close(kernel, fd);
	side_close(kernel, pa);
	side_close(kernel, out);
}

/* --- the runs --- */

struct script {
	const char *name, *fixture;
	mt_script_fn fn;
	bool pin_cpu0; /* perf events are per CPU: run where the event is */
};

static const struct script scripts[] = {
        {"strtol", FIX("strtol"), script_strtol, false},
        {"snprintf", FIX("snprintf"), script_snprintf, false},
        {"trace_printk", FIX("trace_printk"), script_trace_printk, false},
        {"callbacks", FIX("callbacks"), script_callbacks, false},
        {"ringbuf", FIX("ringbuf"), script_ringbuf, false},
        {"task", FIX("task"), script_task, false},
        {"tail_call", FIX("tail_call"), script_tail_call, false},
        {"perf", FIX("perf"), script_perf, true},
};

static void pin_cpu0(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof set, &set);
}

/* A fixed comm, so that the comm lines of the fixture do not depend on the binary name. */
static int setup(void **state)
{
	prctl(PR_SET_NAME, "helpers-kernel");
	return 0;
}

/* One script: against the live kernel (recording its fixture with USERBPF_RECORD_FIXTURES),
 * then against the recorded fixture. */
static void test_script(void **state)
{
	const struct script *s = *state;
	int bad = 0;
	if (s->pin_cpu0)
		pin_cpu0();
	if (!tu_kernel_bpf_available()) {
		printf("%s live kernel: skipped (no bpf() here)\n", s->name);
	} else if (s->pin_cpu0 && (perf_fd = perf_event_open_cpu0()) < 0) {
		printf("%s live kernel: skipped (perf_event_open: %d)\n", s->name, perf_fd);
	} else {
		struct mt_trace kern = {0}, ours = {0};
		live_traces[0] = &kern;
		live_traces[1] = &ours;
		s->fn(1, &kern);
		if (s->pin_cpu0) {
			close(perf_fd);
			perf_fd = -1;
		}
		if (getenv("USERBPF_RECORD_FIXTURES")) {
			FILE *f = fopen(s->fixture, "w");
			assert_non_null(f);
			struct utsname u;
			uname(&u);
			fprintf(f,
			        "# The host kernel's answers to test_helpers_kernel's %s script "
			        "(Linux %s).\n# Re-record: USERBPF_RECORD_FIXTURES=1 "
			        "test_helpers_kernel (as root).\n",
			        s->name, u.release);
			fputs(kern.buf ? kern.buf : "", f);
			fclose(f);
		}
		s->fn(0, &ours);
		progs_close_all();
		char what[64];
		snprintf(what, sizeof what, "%s live kernel", s->name);
		bad += mt_compare(what, kern.buf ? kern.buf : "", ours.buf ? ours.buf : "") != 0;
		free(kern.buf);
		free(ours.buf);
		live_traces[0] = live_traces[1] = NULL;
	}
	struct mt_trace ours = {0};
	live_traces[1] = &ours;
	s->fn(0, &ours);
	live_traces[1] = NULL;
	progs_close_all();
	char *want = tu_read_file(s->fixture, NULL);
	if (!want) {
		free(ours.buf);
		print_error("%s: no fixture %s\n", s->name, s->fixture);
		fail();
	}
	char what[64];
	snprintf(what, sizeof what, "%s fixture", s->name);
	bad += mt_compare(what, want, ours.buf ? ours.buf : "") != 0;
	free(want);
	free(ours.buf);
	assert_int_equal(bad, 0);
}

/* The cgroup helpers two levels below the thread's cgroup v2 (a cgroup this test makes and
 * moves itself into): the ids the kernel answers and ours must be the same numbers. Live
 * only (the ids are the host's); skipped without bpf() or a writable cgroup2. */
static int write_pid(const char *dir)
{
	char path[8300];
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int bad = fprintf(f, "%d\n", getpid()) < 0;
	return fclose(f) || bad ? -1 : 0;
}

static void test_cgroup_nested(void **state)
{
	char home[8192], mid[8300], leaf[8400];
	int level = cgroup2_dir(home, sizeof home);
	if (!tu_kernel_bpf_available() || level < 0) {
		printf("cgroup nested: skipped (no bpf() or no cgroup2)\n");
		skip();
	}
	snprintf(mid, sizeof mid, "%s/userbpf-helpers-%d", home, getpid());
	snprintf(leaf, sizeof leaf, "%s/a", mid);
	if (mkdir(mid, 0755) || mkdir(leaf, 0755) || write_pid(leaf)) {
		printf("cgroup nested: skipped (cannot make and enter %s)\n", leaf);
		rmdir(leaf);
		rmdir(mid);
		skip();
	}
	uint64_t k[6], o[6];
	int64_t kr = cgroup_ids(1, level + 2, k);
	int64_t orr = cgroup_ids(0, level + 2, o);
	progs_close_all();
	struct stat st;
	int have = stat(leaf, &st);
	write_pid(home);
	rmdir(leaf);
	rmdir(mid);
	printf("cgroup nested (level %d): id, ancestors at 0, %d, %d, -1, %d:\n", level + 2,
	       level + 2, level + 3, level + 1);
	for (int i = 0; i < 2; i++) {
		const uint64_t *v = i ? o : k;
		printf("  %s %llu %llu %llu %llu %llu %llu\n", i ? "ours  " : "kernel",
		       (unsigned long long)v[0], (unsigned long long)v[1], (unsigned long long)v[2],
		       (unsigned long long)v[3], (unsigned long long)v[4],
		       (unsigned long long)v[5]);
	}
	assert_int_equal(kr, 0);
	assert_int_equal(orr, 0);
	assert_int_equal(have, 0);
	assert_int_equal(k[0], st.st_ino);      /* the kernel's id is the directory's inode */
	assert_true(k[5] != 0 && k[5] != k[0]); /* the middle cgroup */
	assert_memory_equal(k, o, sizeof k);
}

#define SCRIPT_TEST(i) cmocka_unit_test_prestate(test_script, (void *)&scripts[i])

int main(void)
{
	const struct CMUnitTest tests[] = {
	        SCRIPT_TEST(0), SCRIPT_TEST(1), SCRIPT_TEST(2),
	        SCRIPT_TEST(3), SCRIPT_TEST(4), SCRIPT_TEST(5),
	        SCRIPT_TEST(6), SCRIPT_TEST(7), cmocka_unit_test(test_cgroup_nested),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
