/* test_helpers_dynptr.c — dynptr helpers in running programs, ours against the host kernel.
 *
 * Socket filters that make local dynptrs over a map value and ring buffer dynptrs, then
 * read, write and slice through them, with offsets and lengths at and past the edges,
 * flags, NULL dynptrs left by failed calls, u32 truncation of 64-bit arguments, a ring
 * that fills up. Each program runs with BPF_PROG_TEST_RUN; what it stored in its "out"
 * map, the data map afterwards and the ring buffer's records (read through the ring's
 * mappings as libbpf does, on both sides) are traced line by line. The same script runs
 * in the host kernel, in ours, and in ours again with USERBPF_GUARDED=1 (the helpers'
 * guarded-run checks on verified programs); all three traces must be equal, and ours must
 * equal the kernel's recording in tests/fixtures/helpers_dynptr_kernel.txt (re-record as
 * root with USERBPF_RECORD_FIXTURES=1). A second test runs unverified (guarded) programs
 * that forge dynptrs: the helpers must stop the run rather than touch memory it was not
 * given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "maptrace.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/helpers_dynptr_kernel.txt"
#define OUT_WORDS 24
#define RING_SIZE 4096

static int map_create(int kernel, uint32_t type, uint32_t key, uint32_t value, uint32_t max)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	int fd = mt_side_bpf(kernel, BPF_MAP_CREATE, &a);
	assert_true(fd >= 0);
	return fd;
}

static int map_elem(int kernel, int cmd, int fd, void *value)
{
	uint32_t key = 0;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)value;
	return mt_side_bpf(kernel, cmd, &a);
}

struct dp_side {
	int kernel;
	int out, data, rb; /* map fds */
	int progs[8], nprogs;
};

/* $OUT, $DATA, $RB → map[fd:N] */
static void expand(const struct dp_side *s, const char *text, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 32 < len;) {
		int fd = -1;
		size_t skip = 0;
		if (!strncmp(p, "$OUT", 4))
			fd = s->out, skip = 4;
		else if (!strncmp(p, "$DATA", 5))
			fd = s->data, skip = 5;
		else if (!strncmp(p, "$RB", 3))
			fd = s->rb, skip = 3;
		if (skip) {
			o += (size_t)snprintf(out + o, len - o, "map[fd:%d]", fd);
			p += skip;
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
}

static int prog_load(struct dp_side *s, const char *text)
{
	static char src[16384], log[1 << 16];
	expand(s, text, src, sizeof src);
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	if (userbpf_asm(src, &insns, &cnt, &e)) {
		print_error("asm line %d: %s\n%s\n", e.insn, e.msg, src);
		fail();
	}
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
	int fd = mt_side_bpf(s->kernel, BPF_PROG_LOAD, &a);
	free(insns);
	if (fd < 0) {
		print_error("%s refused a program (%d):\n%s\n", s->kernel ? "kernel" : "ours", fd,
		            log);
		fail();
	}
	s->progs[s->nprogs++] = fd;
	return fd;
}

static int64_t prog_run(const struct dp_side *s, int fd)
{
	unsigned char pkt[64] = {0};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)pkt;
	a.test.data_size_in = sizeof pkt;
	a.test.repeat = 1;
	int err = mt_side_bpf(s->kernel, BPF_PROG_TEST_RUN, &a);
	if (err) {
		print_error("%s: test run: %d\n", s->kernel ? "kernel" : "ours", err);
		fail();
	}
	return (int32_t)a.test.retval;
}

/* The out words after a run (then zeroed for the next one). */
static void trace_out(const struct dp_side *s, struct mt_trace *t, const char *what, int64_t ret,
                      int nwords)
{
	int64_t w[OUT_WORDS] = {0};
	assert_int_equal(map_elem(s->kernel, BPF_MAP_LOOKUP_ELEM, s->out, w), 0);
	char line[1024];
	int o = snprintf(line, sizeof line, "%s: retval %lld out", what, (long long)ret);
	for (int i = 0; i < nwords; i++)
		o += snprintf(line + o, sizeof line - (size_t)o, " %lld", (long long)w[i]);
	mt_tr(t, "%s", line);
	memset(w, 0, sizeof w);
	assert_int_equal(map_elem(s->kernel, BPF_MAP_UPDATE_ELEM, s->out, w), 0);
}

static void trace_data(const struct dp_side *s, struct mt_trace *t)
{
	unsigned char v[64];
	char hex[2 * sizeof v + 1];
	assert_int_equal(map_elem(s->kernel, BPF_MAP_LOOKUP_ELEM, s->data, v), 0);
	mt_hex(hex, v, sizeof v);
	mt_tr(t, "  data %s", hex);
}

/* The ring's committed records, read through its mappings as libbpf does (the same code
 * for the kernel's ring and ours: our map file has the kernel's layout). */
static void trace_ring(const struct dp_side *s, struct mt_trace *t)
{
	long page = sysconf(_SC_PAGESIZE);
	void *cons = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, s->rb, 0);
	void *prod = mmap(NULL, (size_t)page + 2 * RING_SIZE, PROT_READ, MAP_SHARED, s->rb, page);
	assert_true(cons != MAP_FAILED && prod != MAP_FAILED);
	uint64_t c = *(volatile uint64_t *)cons, p = *(volatile uint64_t *)prod;
	const unsigned char *data = (const unsigned char *)prod + page;
	mt_tr(t, "  ring consumer %llu producer %llu", (unsigned long long)c,
	      (unsigned long long)p);
	while (c < p) {
		uint32_t len;
		memcpy(&len, data + (c & (RING_SIZE - 1)), 4);
		uint32_t n = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		char hex[2 * 32 + 1];
		mt_hex(hex, data + (c & (RING_SIZE - 1)) + 8, n < 32 ? n : 32);
		mt_tr(t, "  record len %u%s%s %s", n, len & BPF_RINGBUF_BUSY_BIT ? " busy" : "",
		      len & BPF_RINGBUF_DISCARD_BIT ? " discarded" : "", hex);
		c += (n + 8 + 7) & ~7u;
	}
	*(volatile uint64_t *)cons = c;
	munmap(cons, (size_t)page);
	munmap(prod, (size_t)page + 2 * RING_SIZE);
}

/* r9 = the out value (or exit 1), r7 = the data value (key at fp-44, below the dynptrs) */
#define PRE                                                                                        \
	"*(u32 *)(r10 - 44) = 0\nr1 = $OUT ll\nr2 = r10\nr2 += -44\ncall 1\n"                      \
	"if r0 == 0 goto fail\nr9 = r0\n"                                                          \
	"r1 = $DATA ll\nr2 = r10\nr2 += -44\ncall 1\nif r0 == 0 goto fail\nr7 = r0\n"              \
	"r1 = 0x1122334455667788 ll\n*(u64 *)(r10 - 56) = r1\n"
#define POST "r0 = 0\nexit\nfail:\nr0 = 1\nexit\n"
/* out word i (its byte offset given) = r0 */
#define STORE(off) "*(u64 *)(r9 + " #off ") = r0\n"
/* dynptr_read(fp-40, len, fp+src, off, flags) */
#define DREAD(len, src, off, flags)                                                                \
	"r1 = r10\nr1 += -40\nr2 = " #len "\nr3 = r10\nr3 += " #src "\nr4 = " #off                 \
	"\nr5 = " #flags "\ncall bpf_dynptr_read#201\n"
/* dynptr_write(fp+dst, off, fp-56, len, flags) */
#define DWRITE(dst, off, len, flags)                                                               \
	"r1 = r10\nr1 += " #dst "\nr2 = " #off "\nr3 = r10\nr3 += -56\nr4 = " #len                 \
	"\nr5 = " #flags "\ncall bpf_dynptr_write#202\n"
/* r0 = dynptr_data(fp+p, off, len) */
#define DDATA(p, off, len)                                                                         \
	"r1 = r10\nr1 += " #p "\nr2 = " #off "\nr3 = " #len "\ncall bpf_dynptr_data#203\n"
#define NONNULL "if r0 == 0 goto +1\nr0 = 1\n"
#define FROM_MEM(at, size, flags)                                                                  \
	"r1 = r7\nr2 = " #size "\nr3 = " #flags "\nr4 = r10\nr4 += " #at                           \
	"\ncall bpf_dynptr_from_mem#197\n"
#define RESERVE(at, size, flags)                                                                   \
	"r1 = $RB ll\nr2 = " #size "\nr3 = " #flags "\nr4 = r10\nr4 += " #at                       \
	"\ncall bpf_ringbuf_reserve_dynptr#198\n"
#define SUBMIT(at, flags)                                                                          \
	"r1 = r10\nr1 += " #at "\nr2 = " #flags "\ncall bpf_ringbuf_submit_dynptr#199\n"
#define DISCARD(at, flags)                                                                         \
	"r1 = r10\nr1 += " #at "\nr2 = " #flags "\ncall bpf_ringbuf_discard_dynptr#200\n"

/* A local dynptr over the 64-byte data value. */
static const char prog_local[] = PRE FROM_MEM(-16, 64, 0) STORE(0)
        /* reads: inside, past the end, flags, empty at the end, a 64-bit offset */
        DREAD(8, -16, 4, 0) STORE(8) "r0 = *(u64 *)(r10 - 40)\n" STORE(16) DREAD(
                8, -16, 60, 0) STORE(24) DREAD(8, -16, 0, 1) STORE(32) DREAD(0, -16, 64, 0)
                STORE(40) "r4 = 0x100000008 ll\nr1 = r10\nr1 += -40\nr2 = 8\nr3 = r10\nr3 += "
                          "-16\nr5 = 0\n"
                          "call bpf_dynptr_read#201\n" STORE(48) "r0 = *(u64 *)(r10 - 40)\n" STORE(
                                  56)
        /* writes: inside, past the end, flags, empty past the end */
        DWRITE(-16, 16, 8, 0) STORE(64) DWRITE(-16, 60, 8, 0) STORE(72) DWRITE(-16, 0, 8, 1)
                STORE(80) DWRITE(-16, 65, 0, 0) STORE(88) DWRITE(-16, 64, 0, 0) STORE(96)
        /* slices: inside (written through), past the end, empty at the end */
        DDATA(-16, 56,
              8) "if r0 == 0 goto +3\nr1 = 0xdeadbeef\n*(u32 *)(r0 + 0) = r1\nr0 = 1\n" STORE(104)
                DDATA(-16, 60, 8) NONNULL STORE(112) DDATA(-16, 64, 0) NONNULL STORE(120)
        /* a failed dynptr_from_mem leaves a NULL dynptr */
        FROM_MEM(-32, 16, 1) STORE(128) DREAD(8, -32, 0, 0) STORE(136) DWRITE(-32, 0, 8, 0)
                STORE(144) DDATA(-32, 0, 8) NONNULL STORE(152)
        /* an empty dynptr */
        FROM_MEM(-32, 0, 0) STORE(160) DREAD(0, -32, 0, 0) STORE(168) DREAD(1, -32, 0, 0) STORE(176)
        /* a second dynptr over the value + 8 sees the first one's write */
        "r1 = r7\nr1 += 8\nr2 = 16\nr3 = 0\nr4 = r10\nr4 += -32\ncall "
        "bpf_dynptr_from_mem#197\n" DREAD(8, -32, 8, 0) "r0 = *(u64 *)(r10 - 40)\n" STORE(184) POST;

/* Ring buffer dynptrs: records written through dynptr_write and slices, the errnos of
 * failed reservations (which must still be discarded), zero-sized records, wakeup flags. */
static const char prog_ring[] = PRE RESERVE(-16, 16, 0) STORE(0) DWRITE(-16, 0, 8, 0) STORE(8)
        DDATA(-16, 8,
              8) "if r0 == 0 goto +3\nr1 = 0x0102030405060708 ll\n*(u64 *)(r0 + 0) = r1\n" NONNULL
                STORE(16) DREAD(8, -16, 8, 0) STORE(24) "r0 = *(u64 *)(r10 - 40)\n" STORE(32)
                        DDATA(-16, 12, 8) NONNULL STORE(40) SUBMIT(-16, 0)
        /* flags, too big for a dynptr, too big for the ring */
        RESERVE(-16, 8, 1) STORE(48) DREAD(8, -16, 0, 0) STORE(56)
                DISCARD(-16, 0) "r2 = 0x1000000\nr1 = $RB ll\nr3 = 0\nr4 = r10\nr4 += -16\n"
                                "call bpf_ringbuf_reserve_dynptr#198\n" STORE(64) DISCARD(-16, 0)
                                        RESERVE(-16, 8192, 0) STORE(72) DDATA(-16, 0, 0)
                                                NONNULL STORE(80) SUBMIT(-16, 0)
        /* discarded, empty, and a 64-bit size truncated to 12 */
        RESERVE(-16, 8, 0) STORE(88) DWRITE(-16, 0, 8, 0) DISCARD(-16, 1) RESERVE(-32, 0, 0) STORE(
                12) SUBMIT(-32, 1) "r2 = 0x10000000c ll\nr1 = $RB ll\nr3 = 0\nr4 = r10\nr4 += -16\n"
                                   "call bpf_ringbuf_reserve_dynptr#198\n" STORE(104)
                                           DWRITE(-16, 4, 8, 0) STORE(112) SUBMIT(-16, 2) POST;

/* 1000-byte records until the ring is full. */
static const char prog_fill[] =
        PRE RESERVE(-16, 1000, 0) STORE(0) DWRITE(-16, 992, 8, 0) STORE(8) SUBMIT(-16, 0) POST;

static void script(int kernel, struct mt_trace *t)
{
	struct dp_side s = {.kernel = kernel};
	s.out = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, OUT_WORDS * 8, 1);
	s.data = map_create(kernel, BPF_MAP_TYPE_ARRAY, 4, 64, 1);
	s.rb = map_create(kernel, BPF_MAP_TYPE_RINGBUF, 0, 0, RING_SIZE);
	unsigned char v[64];
	for (int i = 0; i < 64; i++)
		v[i] = (unsigned char)i;
	assert_int_equal(map_elem(kernel, BPF_MAP_UPDATE_ELEM, s.data, v), 0);

	int fd = prog_load(&s, prog_local);
	trace_out(&s, t, "local", prog_run(&s, fd), OUT_WORDS);
	trace_data(&s, t);

	fd = prog_load(&s, prog_ring);
	trace_out(&s, t, "ringbuf", prog_run(&s, fd), 15);
	trace_ring(&s, t);

	fd = prog_load(&s, prog_fill);
	for (int run = 0; run < 5; run++) {
		char what[32];
		snprintf(what, sizeof what, "fill run %d", run);
		trace_out(&s, t, what, prog_run(&s, fd), 2);
	}
	trace_ring(&s, t);
	trace_ring(&s, t); /* consumed: nothing left */

	while (s.nprogs)
		mt_side_close(kernel, s.progs[--s.nprogs]);
	mt_side_close(kernel, s.rb);
	mt_side_close(kernel, s.data);
	mt_side_close(kernel, s.out);
}

static void run_ours(struct mt_trace *t, bool guarded)
{
	if (guarded)
		setenv("USERBPF_GUARDED", "1", 1);
	script(0, t);
	if (guarded)
		unsetenv("USERBPF_GUARDED");
}

static int compare(const char *what, const char *want, const struct mt_trace *got)
{
	return mt_compare(what, want, got->buf ? got->buf : "");
}

static void test_dynptr_runs(void **state)
{
	int bad = 0;
	struct mt_trace ours = {0}, guarded = {0};
	run_ours(&ours, false);
	run_ours(&guarded, true);
	if (tu_kernel_bpf_available()) {
		struct mt_trace kern = {0};
		script(1, &kern);
		if (getenv("USERBPF_RECORD_FIXTURES")) {
			FILE *f = fopen(FIXTURE, "w");
			assert_non_null(f);
			struct utsname u;
			uname(&u);
			fprintf(f,
			        "# The host kernel's answers to test_helpers_dynptr's script "
			        "(Linux "
			        "%s).\n# Re-record: USERBPF_RECORD_FIXTURES=1 test_helpers_dynptr "
			        "(as root).\n",
			        u.release);
			fputs(kern.buf, f);
			fclose(f);
		}
		bad += compare("dynptr live kernel", kern.buf, &ours);
		bad += compare("dynptr live kernel (ours guarded)", kern.buf, &guarded);
		free(kern.buf);
	} else {
		printf("dynptr live kernel: skipped (no bpf() here); the fixture is checked\n");
	}
	char *want = tu_read_file(FIXTURE, NULL);
	if (!want) {
		print_error("no fixture %s\n", FIXTURE);
		bad++;
	} else {
		bad += compare("dynptr fixture", want, &ours);
		bad += compare("dynptr fixture (ours guarded)", want, &guarded);
		free(want);
	}
	free(ours.buf);
	free(guarded.buf);
	assert_int_equal(bad, 0);
}

/* --- guarded runs without a verifier: what the helpers check themselves --- */

static unsigned char run_mem[64];     /* the run's one region (r1) */
static unsigned char not_granted[64]; /* memory the run may not touch */

/* Run text unverified (guarded) with the helpers; the run's errno, message in e. */
static int run_unverified(const char *text, uint64_t *r0, struct userbpf_error *e)
{
	struct bpf_insn *insns;
	size_t cnt;
	assert_int_equal(userbpf_asm(text, &insns, &cnt, e), 0);
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	int err = userbpf_vm_create(insns, cnt, &opts, &vm, e);
	free(insns);
	assert_int_equal(err, 0);
	bpf_helpers_install(vm);
	struct bpf_run_env env = {0};
	struct userbpf_mem_region region = {run_mem, sizeof run_mem,
	                                    USERBPF_MEM_READ | USERBPF_MEM_WRITE};
	struct userbpf_run_args args = {.sz = sizeof args,
	                                .r = {(uintptr_t)run_mem, sizeof run_mem},
	                                .regions = &region,
	                                .nr_regions = 1,
	                                .user = &env};
	err = userbpf_vm_run(vm, &args, r0, e);
	userbpf_vm_destroy(vm);
	return err;
}

/* A dynptr's 16 bytes written by the program itself: data, size | type << 28, offset 0. */
static void forged(char *buf, size_t len, const void *data, unsigned type, const char *tail)
{
	snprintf(buf, len,
	         "r2 = 0x%llx ll\n*(u64 *)(r10 - 16) = r2\n"
	         "*(u32 *)(r10 - 8) = %u\n*(u32 *)(r10 - 4) = 0\n%s",
	         (unsigned long long)(uintptr_t)data, 8u | type << 28, tail);
}

static void test_dynptr_guarded(void **state)
{
	char text[1024];
	uint64_t r0 = 0;
	struct userbpf_error e;
	memset(run_mem, 0x5a, sizeof run_mem);
	/* a dynptr made by the helper over the run's memory works */
	int err =
	        run_unverified("r6 = r1\nr2 = 16\nr3 = 0\nr4 = r10\nr4 += -16\n"
	                       "call bpf_dynptr_from_mem#197\n"
	                       "r1 = r10\nr1 += -40\nr2 = 8\nr3 = r10\nr3 += -16\nr4 = 8\n"
	                       "r5 = 0\ncall bpf_dynptr_read#201\nr0 = *(u64 *)(r10 - 40)\nexit\n",
	                       &r0, &e);
	assert_int_equal(err, 0);
	assert_int_equal(r0, 0x5a5a5a5a5a5a5a5aull);
	/* over memory the run was not given: refused when it is made */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 16\nr3 = 0\nr4 = r10\nr4 += -16\n"
	         "call bpf_dynptr_from_mem#197\nexit\n",
	         (unsigned long long)(uintptr_t)not_granted);
	assert_int_equal(run_unverified(text, &r0, &e), -EFAULT);
	printf("from_mem of foreign memory: %s\n", e.msg);
	/* forged local dynptrs: read, write and slice refuse the foreign memory */
	const char *uses[] = {
	        "r1 = r10\nr1 += -40\nr2 = 8\nr3 = r10\nr3 += -16\nr4 = 0\nr5 = 0\n"
	        "call bpf_dynptr_read#201\nexit\n",
	        "*(u64 *)(r10 - 40) = 1\nr1 = r10\nr1 += -16\nr2 = 0\nr3 = r10\nr3 += -40\n"
	        "r4 = 8\nr5 = 0\ncall bpf_dynptr_write#202\nexit\n",
	        "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\nexit\n",
	};
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
		forged(text, sizeof text, not_granted, 1, uses[i]);
		assert_int_equal(run_unverified(text, &r0, &e), -EFAULT);
		printf("forged local dynptr, use %zu: %s\n", i, e.msg);
	}
	/* a forged ring buffer dynptr is not a reserved record */
	forged(text, sizeof text, run_mem + 8, 2,
	       "r1 = r10\nr1 += -16\nr2 = 0\ncall bpf_ringbuf_submit_dynptr#199\nexit\n");
	assert_int_equal(run_unverified(text, &r0, &e), -EFAULT);
	printf("forged ringbuf dynptr: %s\n", e.msg);
	/* the dynptr argument itself must be the run's memory */
	snprintf(text, sizeof text,
	         "r1 = 0x%llx ll\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\nexit\n",
	         (unsigned long long)(uintptr_t)not_granted);
	assert_int_equal(run_unverified(text, &r0, &e), -EFAULT);
	printf("dynptr argument outside the run: %s\n", e.msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dynptr_runs),
	        cmocka_unit_test(test_dynptr_guarded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
