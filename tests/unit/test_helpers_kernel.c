/* test_helpers_kernel.c — helpers in running programs, ours against the host kernel's.
 *
 * Each script is a list of cases from one table, run by one runner (hk_run): a case names
 * its maps, its programs (assembly with $PRE/$M0../$AUX placeholders) and its runs, with
 * hooks that set a run's inputs and trace what came out. The runner creates the maps and
 * loads the socket filter programs through bpf(2) — the host kernel's, or ours
 * (userbpf_sys_bpf, the same command interface) — runs them with BPF_PROG_TEST_RUN and
 * reads back the "out" array map the programs write their results into; the hooks add ring
 * buffer records, perf samples, load verdicts. The kernel's
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

/* Programs are closed at the end of a script: closing one of ours and loading another on
 * the same map currently fails in our PROG_LOAD (-ENOENT from the .refs bookkeeping,
 * reported to its owner); a script's programs stay open until it is done. */
static int open_progs[64], nr_open_progs;

static void prog_close(int kernel, int fd)
{
	if (kernel || fd < 0 || nr_open_progs == 64)
		mt_side_close(kernel, fd);
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
	int fd = mt_side_bpf(kernel, BPF_MAP_CREATE, &a);
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
	return mt_side_bpf(kernel, cmd, &a);
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
	return mt_side_bpf(kernel, BPF_BTF_LOAD, &a);
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
	int fd = mt_side_bpf(kernel, BPF_PROG_LOAD, &a);
	free(insns);
	mt_side_close(kernel, btf);
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
	int err = mt_side_bpf(kernel, BPF_PROG_TEST_RUN, &a);
	if (err) {
		print_error("%s: test run: %d\n", kernel ? "kernel" : "ours", err);
		fail();
	}
	return (int32_t)a.test.retval;
}

/* --- the runner: one table row is a set of maps, programs and runs --- */

/* "out": one 128-byte value the programs write their results into. $PRE in a program
 * looks it up into r0 (and jumps to "fail" when it is missing). */
#define OUT_SIZE 128
#define HK_MAX_MAPS 3
#define HK_MAX_KEEP 32

struct hk_map {
	uint32_t type, key, value, max, flags; /* type 0: no map */
};

struct hk_ctx;

/* A case: maps (map 0 is "out"), then either nprogs programs loaded up front (a run uses
 * prog_of_run's, default 0) or, with nprogs 0, one program per run; each run: before()
 * sets the inputs, BPF_PROG_TEST_RUN, then report() traces what came out (out's value
 * after the run, or the load error of a refused per-run program when may_refuse). */
struct hk_case {
	struct hk_map maps[HK_MAX_MAPS];
	int nprogs;
	/* program i's text (run i's when nprogs is 0): $PRE, $M0..$M2 (map fds), $AUX (the
	 * fd in ctx->aux) are expanded */
	void (*text)(struct hk_ctx *c, int i, char *buf, size_t len);
	int nruns;
	bool may_refuse;
	void (*setup)(struct hk_ctx *c);
	void (*before)(struct hk_ctx *c, int run);
	int (*prog_of_run)(int run);
	void (*report)(struct hk_ctx *c, int run, int load_err, const char *err, int64_t retval,
	               const unsigned char *out);
	void (*after)(struct hk_ctx *c);
};

struct hk_ctx {
	int kernel;
	struct mt_trace *t;
	int maps[HK_MAX_MAPS];
	int aux; /* a case's own extra object (a frozen format map, a for_each map, ...) */
	int keep[HK_MAX_KEEP], nr_keep; /* objects closed when the case ends */
	int64_t scratch;
};

static void hk_keep(struct hk_ctx *c, int fd)
{
	assert_true(c->nr_keep < HK_MAX_KEEP);
	c->keep[c->nr_keep++] = fd;
}

static const char out_lookup[] = "*(u32 *)(r10 - 4) = 0\n"
                                 "r1 = map[fd:$M0] ll\n"
                                 "r2 = r10\n"
                                 "r2 += -4\n"
                                 "call 1\n"
                                 "if r0 == 0 goto fail\n";

/* Expand $PRE, $M0..$M2 and $AUX in text. */
static void hk_expand(const struct hk_ctx *c, const char *text, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < len;) {
		char num[24];
		const char *rep = NULL;
		size_t skip = 0;
		if (!strncmp(p, "$PRE", 4)) {
			char pre[256];
			hk_expand(c, out_lookup, pre, sizeof pre);
			snprintf(out + o, len - o, "%s", pre);
			o += strlen(out + o);
			p += 4;
			continue;
		}
		if (p[0] == '$' && p[1] == 'M' && p[2] >= '0' && p[2] < '0' + HK_MAX_MAPS) {
			snprintf(num, sizeof num, "%d", c->maps[p[2] - '0']);
			rep = num, skip = 3;
		} else if (!strncmp(p, "$AUX", 4)) {
			snprintf(num, sizeof num, "%d", c->aux);
			rep = num, skip = 4;
		}
		if (rep) {
			snprintf(out + o, len - o, "%s", rep);
			o += strlen(out + o);
			p += skip;
		} else {
			out[o++] = *p++;
		}
	}
	out[o < len ? o : len - 1] = 0;
}

static int hk_load(struct hk_ctx *c, const struct hk_case *k, int i, char *err, size_t err_len)
{
	char raw[4096], text[8192];
	k->text(c, i, raw, sizeof raw);
	hk_expand(c, raw, text, sizeof text);
	if (k->may_refuse)
		return prog_load(c->kernel, text, err, err_len);
	err[0] = 0;
	return prog_load_ok(c->kernel, text);
}

/* The one runner. */
static void hk_run(int kernel, struct mt_trace *t, const struct hk_case *k)
{
	struct hk_ctx c = {.kernel = kernel, .t = t, .aux = -1};
	for (int i = 0; i < HK_MAX_MAPS; i++) {
		const struct hk_map *m = &k->maps[i];
		c.maps[i] =
		        m->type ? map_create(kernel, m->type, m->key, m->value, m->max, m->flags)
		                : -1;
	}
	if (k->setup)
		k->setup(&c);
	int progs[4];
	char err[256];
	for (int i = 0; i < k->nprogs; i++)
		progs[i] = hk_load(&c, k, i, err, sizeof err);
	for (int run = 0; run < k->nruns; run++) {
		if (k->before)
			k->before(&c, run);
		int fd = k->nprogs ? progs[k->prog_of_run ? k->prog_of_run(run) : 0]
		                   : hk_load(&c, k, run, err, sizeof err);
		unsigned char out[OUT_SIZE] = {0};
		int64_t ret = 0;
		if (fd >= 0) {
			ret = prog_run(kernel, fd);
			if (c.maps[0] >= 0)
				map_get(kernel, c.maps[0], 0, out);
		}
		k->report(&c, run, fd < 0 ? fd : 0, err, ret, out);
		if (!k->nprogs)
			prog_close(kernel, fd);
	}
	if (k->after)
		k->after(&c);
	for (int i = 0; i < k->nprogs; i++)
		prog_close(kernel, progs[i]);
	while (c.nr_keep)
		mt_side_close(kernel, c.keep[--c.nr_keep]);
	for (int i = HK_MAX_MAPS - 1; i >= 0; i--)
		mt_side_close(kernel, c.maps[i]);
}

static int64_t hk_word(const unsigned char *out, int i)
{
	int64_t v;
	memcpy(&v, out + 8 * i, 8);
	return v;
}

#define OUT_MAP                                                                                    \
	{                                                                                          \
		BPF_MAP_TYPE_ARRAY, 4, OUT_SIZE, 1, 0                                              \
	}

/* --- strtol / strtoul: map 1 holds {len, flags, string} --- */

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
#define NR_STRTO_INPUTS (int)(sizeof strto_inputs / sizeof strto_inputs[0])
static const uint32_t strto_flags[] = {0, 8, 10, 16, 7, 0x20};
#define NR_STRTO_FLAGS (int)(sizeof strto_flags / sizeof strto_flags[0])

static void strtol_text(struct hk_ctx *c, int u, char *buf, size_t len)
{
	snprintf(buf, len,
	         "$PRE"
	         "r6 = r0\n"
	         "*(u32 *)(r10 - 8) = 0\n"
	         "r1 = map[fd:$M1] ll\nr2 = r10\nr2 += -8\ncall 1\n"
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
	         u ? BPF_FUNC_strtoul : BPF_FUNC_strtol);
}

/* run = (input, flags, strtol/strtoul) */
static void strtol_before(struct hk_ctx *c, int run)
{
	if (run % 2)
		return; /* strtoul reads what strtol did */
	int i = run / 2 / NR_STRTO_FLAGS, f = run / 2 % NR_STRTO_FLAGS;
	unsigned char v[64] = {0};
	size_t n = strlen(strto_inputs[i]);
	uint32_t l = n ? (uint32_t)n : 1, fl = strto_flags[f];
	if (l > 56)
		l = 56;
	memcpy(v, &l, 4);
	memcpy(v + 4, &fl, 4);
	memcpy(v + 8, strto_inputs[i], n > 56 ? 56 : n);
	map_set(c->kernel, c->maps[1], 0, v);
}

static int strtol_prog(int run)
{
	return run % 2;
}

static void strtol_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                          const unsigned char *out)
{
	int i = run / 2 / NR_STRTO_FLAGS, f = run / 2 % NR_STRTO_FLAGS;
	mt_tr(c->t, "%s '%s' flags %u: retval %lld r0 %lld res %lld",
	      run % 2 ? "strtoul" : "strtol", strto_inputs[i], strto_flags[f], (long long)ret,
	      (long long)hk_word(out, 0), (long long)hk_word(out, 1));
}

static const struct hk_case case_strtol = {
        .maps = {OUT_MAP, {BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0}},
        .nprogs = 2,
        .text = strtol_text,
        .nruns = 2 * NR_STRTO_INPUTS * NR_STRTO_FLAGS,
        .before = strtol_before,
        .prog_of_run = strtol_prog,
        .report = strtol_report,
};

/* --- bpf_snprintf: map 1 holds the strings; each run a frozen read-only format map --- */

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

static void snprintf_setup(struct hk_ctx *c)
{
	unsigned char sv[64] = {0};
	memcpy(sv, snp_strings[0], 6);
	memcpy(sv + 8, snp_strings[1], 1);
	memcpy(sv + 16, snp_strings[2], strlen(snp_strings[2]) + 1);
	memcpy(sv + 44, snp_ip4, 4); /* "string" 10: the IPv4 address, 11: the IPv6 one */
	memcpy(sv + 48, snp_ip6, 16);
	map_set(c->kernel, c->maps[1], 0, sv);
}

/* The format, in a frozen read-only map ($AUX). */
static void snprintf_before(struct hk_ctx *c, int run)
{
	const struct snp_case *k = &snp_cases[run];
	int ro = map_create(c->kernel, BPF_MAP_TYPE_ARRAY, 4, 64, 1, BPF_F_RDONLY_PROG);
	char fmt[64] = {0};
	snprintf(fmt, sizeof fmt, "%s", k->fmt);
	map_set(c->kernel, ro, 0, fmt);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)ro;
	assert_int_equal(mt_side_bpf(c->kernel, BPF_MAP_FREEZE, &a), 0);
	hk_keep(c, ro);
	c->aux = ro;
	map_set(c->kernel, c->maps[0], 0, (unsigned char[OUT_SIZE]){0});
}

/* the arguments at fp-112 .. fp-16: constants, or pointers into the strings (r7) */
static void snprintf_text(struct hk_ctx *c, int run, char *buf, size_t len)
{
	const struct snp_case *k = &snp_cases[run];
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
			snprintf(args + l, sizeof args - l, "r1 = %lld ll\n*(u64 *)(r10 %d) = r1\n",
			         (long long)v, off);
		}
	}
	snprintf(buf, len,
	         "$PRE"
	         "r6 = r0\n"
	         "*(u32 *)(r10 - 8) = 0\n"
	         "r1 = map[fd:$M1] ll\nr2 = r10\nr2 += -8\ncall 1\n"
	         "if r0 == 0 goto fail\nr7 = r0\n"
	         "*(u32 *)(r10 - 8) = 0\n"
	         "r1 = map[fd:$AUX] ll\nr2 = r10\nr2 += -8\ncall 1\n"
	         "if r0 == 0 goto fail\nr8 = r0\n"
	         "%s"
	         "r1 = r6\nr1 += 8\nr2 = 100\nr3 = r8\nr4 = r10\nr4 += -112\nr5 = %d\n"
	         "call 165\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         args, k->nargs * 8);
}

static void snprintf_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                            const unsigned char *out)
{
	const char *fmt = snp_cases[run].fmt;
	if (le)
		mt_tr(c->t, "snprintf \"%s\": load %d %s", fmt, le, err);
	else
		mt_tr(c->t, "snprintf \"%s\": retval %lld r0 %lld \"%.100s\"", fmt, (long long)ret,
		      (long long)hk_word(out, 0), (const char *)out + 8);
}

static const struct hk_case case_snprintf = {
        .maps = {OUT_MAP, {BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0}},
        .text = snprintf_text,
        .nruns = sizeof snp_cases / sizeof snp_cases[0],
        .may_refuse = true,
        .setup = snprintf_setup,
        .before = snprintf_before,
        .report = snprintf_report,
};

/* --- trace_printk return values: the format in out, its size in the program --- */

static const struct {
	const char *fmt;
	int size_adj; /* fmt_size = strlen + 1 + size_adj */
} tp_cases[] = {
        {"hello\n", 0}, {"v=%d w=%u\n", 0}, {"%lld|%llx\n", 0},   {"no nul", -1},
        {"%s\n", 0},    {"bad %y\n", 0},    {"%d %d %d %d\n", 0}, {"", 0},
};

static void trace_printk_before(struct hk_ctx *c, int run)
{
	unsigned char v[OUT_SIZE] = {0};
	snprintf((char *)v, sizeof v, "%s", tp_cases[run].fmt);
	map_set(c->kernel, c->maps[0], 0, v);
}

static void trace_printk_text(struct hk_ctx *c, int run, char *buf, size_t len)
{
	snprintf(buf, len,
	         "$PRE"
	         "r1 = r0\nr2 = %d\nr3 = -5\nr4 = 0x12345678abc ll\nr5 = r0\n"
	         "call 6\n"
	         "exit\n"
	         "fail:\nr0 = 1\nexit\n",
	         (int)strlen(tp_cases[run].fmt) + 1 + tp_cases[run].size_adj);
}

static void trace_printk_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                                const unsigned char *out)
{
	char shown[64];
	size_t o = 0;
	for (const char *f = tp_cases[run].fmt; *f && o + 3 < sizeof shown; f++) {
		if (*f == '\n') {
			shown[o++] = '\\';
			shown[o++] = 'n';
		} else {
			shown[o++] = *f;
		}
	}
	shown[o] = 0;
	mt_tr(c->t, "trace_printk \"%s\" size %+d: retval %lld", shown, tp_cases[run].size_adj,
	      (long long)ret);
}

static const struct hk_case case_trace_printk = {
        .maps = {OUT_MAP},
        .text = trace_printk_text,
        .nruns = sizeof tp_cases / sizeof tp_cases[0],
        .before = trace_printk_before,
        .report = trace_printk_report,
};

/* --- callbacks: bpf_loop(in.n, cb, &ctx, in.flags), ctx = {sum of i, calls}; cb stops
 * at in.stop --- */

static const struct {
	uint32_t n, flags;
	uint64_t stop;
} loop_runs[] = {{10, 0, ~0ull}, {10, 0, 3},    {0, 0, ~0ull},
                 {1, 0, 0},      {5, 1, ~0ull}, {(8u << 20) + 1, 0, ~0ull},
                 {1000, 0, 999}};

static void loop_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s",
	         "$PRE"
	         "r6 = r0\n"
	         "*(u32 *)(r10 - 8) = 0\n"
	         "r1 = map[fd:$M1] ll\nr2 = r10\nr2 += -8\ncall 1\n"
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
	         "exit\n");
}

static void loop_before(struct hk_ctx *c, int run)
{
	uint32_t v[4] = {loop_runs[run].n, loop_runs[run].flags};
	memcpy(v + 2, &loop_runs[run].stop, 8);
	map_set(c->kernel, c->maps[1], 0, v);
}

static void loop_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                        const unsigned char *out)
{
	mt_tr(c->t, "loop n=%u flags=%u stop=%lld: retval %lld r0 %lld sum %lld", loop_runs[run].n,
	      loop_runs[run].flags, (long long)loop_runs[run].stop, (long long)ret,
	      (long long)hk_word(out, 0), (long long)hk_word(out, 1));
}

static const struct hk_case case_loop = {
        .maps = {OUT_MAP, {BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0}},
        .nprogs = 1,
        .text = loop_text,
        .nruns = sizeof loop_runs / sizeof loop_runs[0],
        .before = loop_before,
        .report = loop_report,
};

/* for_each over an array, a hash, a per-CPU array (run / 2), without and with a stop
 * (run % 2): the callback adds each value to ctx (a sum: a hash's order does not matter)
 * and writes value + 1 + key back (values are writable) */
static const uint32_t each_types[] = {BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH,
                                      BPF_MAP_TYPE_PERCPU_ARRAY};

static void for_each_before(struct hk_ctx *c, int run)
{
	if (run % 2)
		return;
	int m = map_create(c->kernel, each_types[run / 2], 4, 8, 8, 0);
	for (uint32_t key = 0; key < 6; key++) {
		uint64_t val[256] = {0}; /* per-CPU maps take one value per CPU */
		for (int i = 0; i < 256; i++)
			val[i] = 100 + key;
		map_set(c->kernel, m, key, val);
	}
	hk_keep(c, m);
	c->aux = m;
}

static void for_each_text(struct hk_ctx *c, int run, char *buf, size_t len)
{
	int stop = run % 2;
	snprintf(buf, len,
	         "$PRE"
	         "r6 = r0\n"
	         "*(u64 *)(r10 - 16) = 0\n"
	         "*(u64 *)(r10 - 24) = 0\n"
	         "r1 = map[fd:$AUX] ll\n"
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
	         stop ? (each_types[run / 2] == BPF_MAP_TYPE_HASH ? 77 : 3) : 77);
}

static void for_each_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                            const unsigned char *out)
{
	mt_tr(c->t, "for_each map %u stop %d: retval %lld r0 %lld ctx %lld", each_types[run / 2],
	      run % 2, (long long)ret, (long long)hk_word(out, 0), (long long)hk_word(out, 1));
}

static const struct hk_case case_for_each = {
        .maps = {OUT_MAP},
        .text = for_each_text,
        .nruns = 2 * sizeof each_types / sizeof each_types[0],
        .before = for_each_before,
        .report = for_each_report,
};

/* --- ring buffer: map 1 is the ring (4096 bytes) --- */

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

static void ringbuf_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s",
	         "$PRE"
	         "r6 = r0\n"
	         "r1 = 0x1122334455667788 ll\n*(u64 *)(r10 - 16) = r1\n"
	         "r1 = 0x99aabbccddeeff00 ll\n*(u64 *)(r10 - 8) = r1\n"
	         /* output 12 bytes, then with an unknown flag */
	         "r1 = map[fd:$M1] ll\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 0\ncall 130\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r1 = map[fd:$M1] ll\nr2 = r10\nr2 += -16\nr3 = 12\nr4 = 8\ncall 130\n"
	         "*(u64 *)(r6 + 8) = r0\n"
	         /* reserve 20, fill, submit */
	         "r1 = map[fd:$M1] ll\nr2 = 20\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto skip1\n"
	         "r1 = 0x0102030405060708 ll\n*(u64 *)(r0 + 0) = r1\n*(u64 *)(r0 + 8) = r1\n"
	         "*(u32 *)(r0 + 16) = 0x0a0b0c0d\n"
	         "r1 = r0\nr2 = 0\ncall 132\n"
	         "skip1:\n"
	         /* reserve 8, discard */
	         "r1 = map[fd:$M1] ll\nr2 = 8\nr3 = 0\ncall 131\n"
	         "if r0 == 0 goto skip2\n"
	         "*(u64 *)(r0 + 0) = 7\n"
	         "r1 = r0\nr2 = 0\ncall 133\n"
	         "skip2:\n"
	         /* reserve with a flag: NULL; a record larger than the ring: NULL */
	         "r1 = map[fd:$M1] ll\nr2 = 8\nr3 = 1\ncall 131\n"
	         "*(u64 *)(r6 + 16) = r0\n"
	         "if r0 == 0 goto skip3\nr1 = r0\nr2 = 0\ncall 133\nskip3:\n"
	         "r1 = map[fd:$M1] ll\nr2 = 8192\nr3 = 0\ncall 131\n"
	         "*(u64 *)(r6 + 24) = r0\n"
	         "if r0 == 0 goto skip4\nr1 = r0\nr2 = 0\ncall 133\nskip4:\n"
	         /* query: available data, ring size, positions */
	         "r1 = map[fd:$M1] ll\nr2 = 0\ncall 134\n*(u64 *)(r6 + 32) = r0\n"
	         "r1 = map[fd:$M1] ll\nr2 = 1\ncall 134\n*(u64 *)(r6 + 40) = r0\n"
	         "r1 = map[fd:$M1] ll\nr2 = 2\ncall 134\n*(u64 *)(r6 + 48) = r0\n"
	         "r1 = map[fd:$M1] ll\nr2 = 3\ncall 134\n*(u64 *)(r6 + 56) = r0\n"
	         "r1 = map[fd:$M1] ll\nr2 = 77\ncall 134\n*(u64 *)(r6 + 64) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n");
}

/* runs 0-2 traced (run 1 leaves its records for run 2's query), then up to 100 more until
 * the ring is full (-EAGAIN) */
static void ringbuf_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                           const unsigned char *out)
{
	if (run < 3) {
		mt_tr(c->t,
		      "ringbuf run %d: retval %lld output %lld %lld reserve-flags %s too-big %s "
		      "avail %lld size %lld cons %lld prod %lld other %lld",
		      run, (long long)ret, (long long)hk_word(out, 0), (long long)hk_word(out, 1),
		      hk_word(out, 2) ? "ptr" : "NULL", hk_word(out, 3) ? "ptr" : "NULL",
		      (long long)hk_word(out, 4), (long long)hk_word(out, 5),
		      (long long)hk_word(out, 6), (long long)hk_word(out, 7),
		      (long long)hk_word(out, 8));
		if (run != 1)
			ringbuf_read(c->maps[1], 4096, c->t);
	} else if (hk_word(out, 0) != 0 && !c->scratch) {
		mt_tr(c->t, "ringbuf full after %d runs: retval %lld output %lld", run - 3,
		      (long long)ret, (long long)hk_word(out, 0));
		c->scratch = 1;
	}
}

static void ringbuf_after(struct hk_ctx *c)
{
	assert_true(c->scratch); /* the ring filled up */
}

static const struct hk_case case_ringbuf = {
        .maps = {OUT_MAP, {BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0}},
        .nprogs = 1,
        .text = ringbuf_text,
        .nruns = 3 + 100,
        .report = ringbuf_report,
        .after = ringbuf_after,
};

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
 * -1 and level - 1 (level in ctx->scratch), into out[0..5]. */
static void cgroup_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	int level = (int)c->scratch;
	snprintf(buf, len,
	         "$PRE"
	         "r6 = r0\n"
	         "call 80\n*(u64 *)(r6 + 0) = r0\n"
	         "r1 = 0\ncall 123\n*(u64 *)(r6 + 8) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 16) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 24) = r0\n"
	         "r1 = -1\ncall 123\n*(u64 *)(r6 + 32) = r0\n"
	         "r1 = %d\ncall 123\n*(u64 *)(r6 + 40) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n",
	         level, level + 1, level - 1);
}

static int cgroup_level_wanted;

static void cgroup_setup(struct hk_ctx *c)
{
	c->scratch = cgroup_level_wanted;
}

static int64_t cgroup_retval;
static uint64_t cgroup_out[6];

static void cgroup_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                          const unsigned char *out)
{
	cgroup_retval = ret;
	memcpy(cgroup_out, out, sizeof cgroup_out);
}

static const struct hk_case case_cgroup = {
        .maps = {OUT_MAP},
        .nprogs = 1,
        .text = cgroup_text,
        .nruns = 1,
        .setup = cgroup_setup,
        .report = cgroup_report,
};

/* cgroup ids for level into cg[6]; the run's retval */
static int64_t cgroup_ids(int kernel, int level, uint64_t cg[6])
{
	cgroup_level_wanted = level;
	hk_run(kernel, NULL, &case_cgroup);
	memcpy(cg, cgroup_out, sizeof cgroup_out);
	return cgroup_retval;
}

static void task_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s",
	         "$PRE"
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
	         "fail:\nr0 = 1\nexit\n");
}

static void task_before(struct hk_ctx *c, int run)
{
	unsigned char res[OUT_SIZE];
	memset(res, 0x55, sizeof res);
	map_set(c->kernel, c->maps[0], 0, res);
}

static void task_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                        const unsigned char *res)
{
	uint64_t pid_tgid = (uint64_t)hk_word(res, 0), uid_gid = (uint64_t)hk_word(res, 1);
	char hex[2 * OUT_SIZE + 1];
	mt_tr(c->t, "task: retval %lld pid_tgid %s uid_gid %s", (long long)ret,
	      pid_tgid == ((uint64_t)getpid() << 32 | (uint32_t)gettid()) ? "= ours" : "differs",
	      uid_gid == ((uint64_t)getgid() << 32 | getuid()) ? "= ours" : "differs");
	mt_hex(hex, res + 16, 24);
	mt_tr(c->t, "comm 16 and its result: %s", hex);
	mt_hex(hex, res + 40, 8);
	mt_tr(c->t, "comm 6 (and 2 bytes left as they were): %s", hex);
	mt_hex(hex, res + 48, OUT_SIZE - 48);
	mt_tr(c->t, "probe reads: %s", hex);
}

/* cgroup ids: ours, its ancestors at 0, at its own level, one deeper, at -1 */
static void task_after(struct hk_ctx *c)
{
	uint64_t cg[6];
	int level = cgroup2_level();
	int64_t ret = cgroup_ids(c->kernel, level, cg);
	uint64_t ino = cgroup2_ino();
	mt_tr(c->t,
	      "cgroup: retval %lld id %s, ancestor(0) %llu, ancestor(own level) %s, "
	      "ancestor(level + 1) %llu, ancestor(-1) %llu",
	      (long long)ret,
	      level < 0      ? "(no cgroup2)"
	      : cg[0] == ino ? "= its inode"
	                     : "differs",
	      (unsigned long long)cg[1], cg[2] == cg[0] ? "= id" : "differs",
	      (unsigned long long)cg[3], (unsigned long long)cg[4]);
}

static const struct hk_case case_task = {
        .maps = {OUT_MAP},
        .nprogs = 1,
        .text = task_text,
        .nruns = 1,
        .before = task_before,
        .report = task_report,
        .after = task_after,
};

/* --- tail calls: map 1 is a prog array; its slot 1 gets the target before run 1 --- */

static void tail_call_setup(struct hk_ctx *c)
{
	c->aux = prog_load_ok(c->kernel, "r0 = 42\nexit\n");
	hk_keep(c, c->aux);
}

static void tail_call_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	snprintf(buf, len,
	         "r6 = r1\n"
	         "r1 = r6\nr2 = map[fd:$M1] ll\nr3 = %d\ncall 12\n" /* 1: the target; 9: past */
	         "r0 = %d\nexit\n",
	         i ? 9 : 1, i ? 8 : 7);
}

static void tail_call_before(struct hk_ctx *c, int run)
{
	uint32_t tfd = (uint32_t)c->aux;
	if (run == 1)
		map_set(c->kernel, c->maps[1], 1, &tfd);
}

static int tail_call_prog(int run)
{
	return run == 2;
}

static void tail_call_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                             const unsigned char *out)
{
	static const char *const what[] = {"empty slot", "slot set", "index past the end"};
	mt_tr(c->t, "tail call, %s: retval %lld", what[run], (long long)ret);
}

static const struct hk_case case_tail_call = {
        .maps = {{0}, {BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0}},
        .nprogs = 2,
        .text = tail_call_text,
        .nruns = 3,
        .setup = tail_call_setup,
        .before = tail_call_before,
        .prog_of_run = tail_call_prog,
        .report = tail_call_report,
};

/* --- perf event output: map 1 is a perf event array, slot 0 has an event, 1 none --- */

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

static void perf_ours_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	char hex[25];
	mt_hex(hex, data, 12);
	mt_tr(ctx, "  sample %s", hex);
}

static void perf_setup(struct hk_ctx *c)
{
	uint32_t slot = c->kernel ? (uint32_t)perf_fd : 1;
	map_set(c->kernel, c->maps[1], 0, &slot);
}

static void perf_text(struct hk_ctx *c, int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s",
	         "r9 = r1\n"
	         "$PRE"
	         "r6 = r0\n"
	         "r1 = 0x0807060504030201 ll\n*(u64 *)(r10 - 16) = r1\n"
	         "*(u64 *)(r10 - 8) = 0x0c0b0a09\n"
	         "r1 = r9\nr2 = map[fd:$M1] ll\nr3 = 0\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 0) = r0\n"
	         "r1 = r9\nr2 = map[fd:$M1] ll\nr3 = 1\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 8) = r0\n"
	         "r1 = r9\nr2 = map[fd:$M1] ll\nr3 = 5\nr4 = r10\nr4 += -16\nr5 = 12\ncall 25\n"
	         "*(u64 *)(r6 + 16) = r0\n"
	         "r1 = r9\nr2 = map[fd:$M1] ll\nr3 = 1\nr3 <<= 63\nr4 = r10\nr4 += -16\nr5 = 12\n"
	         "call 25\n"
	         "*(u64 *)(r6 + 24) = r0\n"
	         "r0 = 0\nexit\n"
	         "fail:\nr0 = 1\nexit\n");
}

static void perf_report(struct hk_ctx *c, int run, int le, const char *err, int64_t ret,
                        const unsigned char *out)
{
	mt_tr(c->t, "perf output: retval %lld slot0 %lld slot1 %lld past-end %lld bad-flags %lld",
	      (long long)ret, (long long)hk_word(out, 0), (long long)hk_word(out, 1),
	      (long long)hk_word(out, 2), (long long)hk_word(out, 3));
	if (c->kernel) {
		perf_kernel_samples(c->t);
		return;
	}
	struct bpf_map *m;
	assert_int_equal(bpf_map_attach_fd(c->maps[1], &m), 0);
	struct perf_consumer *pc = perf_consumer_new(m);
	assert_non_null(pc);
	perf_consume(pc, perf_ours_cb, NULL, c->t);
	perf_consumer_free(pc);
	bpf_map_detach(m);
}

static const struct hk_case case_perf = {
        .maps = {OUT_MAP, {BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2, 0}},
        .nprogs = 1,
        .text = perf_text,
        .nruns = 1,
        .setup = perf_setup,
        .report = perf_report,
};

/* --- the runs --- */

struct script {
	const char *name, *fixture;
	const struct hk_case *cases[3]; /* run in order into one trace */
	bool pin_cpu0;                  /* perf events are per CPU: run where the event is */
};

static const struct script scripts[] = {
        {"strtol", FIX("strtol"), {&case_strtol}, false},
        {"snprintf", FIX("snprintf"), {&case_snprintf}, false},
        {"trace_printk", FIX("trace_printk"), {&case_trace_printk}, false},
        {"callbacks", FIX("callbacks"), {&case_loop, &case_for_each}, false},
        {"ringbuf", FIX("ringbuf"), {&case_ringbuf}, false},
        {"task", FIX("task"), {&case_task}, false},
        {"tail_call", FIX("tail_call"), {&case_tail_call}, false},
        {"perf", FIX("perf"), {&case_perf}, true},
};

static void script_run(const struct script *s, int kernel, struct mt_trace *t)
{
	for (size_t i = 0; i < sizeof s->cases / sizeof s->cases[0] && s->cases[i]; i++)
		hk_run(kernel, t, s->cases[i]);
}

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
		script_run(s, 1, &kern);
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
		script_run(s, 0, &ours);
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
	script_run(s, 0, &ours);
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
