/* test_helpers_protos.c — every helper each program type may call, called with fixed
 * arguments: does our verifier answer as the kernel's (verdict, errno, error line)?
 *
 * The pairs are the kernel's (tests/fixtures/progtype_funcs_kernel.txt: for each program
 * type and attach type, the helper ids 6.18 lets it call). Each pair is loaded in seven
 * setups (the table `setups`): r1 the ctx or a stack pointer; a stack pointer and the size
 * 8 in r2/r3, r3/r4 or r4/r5 over 64 zeroed or unwritten bytes; zeros elsewhere. So each
 * argument kind meets a scalar zero, the ctx, initialised and uninitialised stack and a
 * small constant: the verdict and the error line show whether our prototype (return kind,
 * argument kinds and flags, gpl_only, the type's variant) is the kernel's. A prototype we
 * lack shows as "program of this type cannot use helper" where the kernel goes on.
 *
 * The kernel's answers are recorded in tests/fixtures/helpers_protos_kernel.txt (as root:
 * USERBPF_RECORD_FIXTURES=1 test_helpers_protos); with bpf() the kernel is asked live as
 * well, and without it the recording is the reference (said on stdout).
 */
#include "helpers/helpers.h"
#include "progtypes/progtype.h"

#include "progtype_testlib.h"

#define MAX_ID 211
#define SLEEPABLE (1u << 4)

struct answer {
	int err; /* 0: loaded, else -errno */
	char line[200];
};

/* What each argument register holds before the call: the ctx (r1 only), 0, a pointer to
 * the 64 stack bytes at fp-64, or the constant 8. Setups whose stack is "raw" leave those
 * bytes unwritten (helpers that fill memory accept that, readers refuse it). */
enum { R_CTX, R_0, R_FP, R_8 };
static const struct {
	uint8_t r[5];
	bool raw;
	bool non_gpl; /* the license is "MIT": gpl_only helpers are refused first */
} setups[] = {
        {{R_CTX, R_0, R_0, R_0, R_0}, false, false},  {{R_CTX, R_FP, R_8, R_0, R_0}, false, false},
        {{R_CTX, R_0, R_FP, R_8, R_0}, false, false}, {{R_CTX, R_FP, R_8, R_0, R_0}, true, false},
        {{R_CTX, R_0, R_FP, R_8, R_0}, true, false},  {{R_FP, R_8, R_0, R_0, R_0}, false, false},
        {{R_CTX, R_0, R_0, R_FP, R_8}, false, false}, {{R_CTX, R_FP, R_8, R_0, R_0}, false, true},
};
#define NSETUP ((int)PT_N(setups))

/* The program for a setup around a call of id; r0 = ok at exit. Returns the count. */
static size_t build(int setup, uint32_t id, int32_t ok, struct bpf_insn *p)
{
	size_t n = 0;
	if (!setups[setup].raw)
		for (int off = -64; off < 0; off += 8)
			p[n++] = I_ST(BPF_DW, BPF_REG_10, (int16_t)off, 0);
	for (int i = 0; i < 5; i++) {
		uint8_t reg = (uint8_t)(BPF_REG_1 + i);
		switch (setups[setup].r[i]) {
		case R_CTX:
			break;
		case R_0:
			p[n++] = I_MOV_K(reg, 0);
			break;
		case R_FP:
			p[n++] = I_MOV_X(reg, BPF_REG_10);
			p[n++] = I_ADD_K(reg, -64);
			break;
		default:
			p[n++] = I_MOV_K(reg, 8);
			break;
		}
	}
	p[n++] = I_CALL((int32_t)id);
	p[n++] = I_MOV_K(BPF_REG_0, ok);
	p[n++] = I_EXIT;
	return n;
}

/* The log's error line: the last one that is not the statistics. */
static void last_line(char *log, char *out, size_t len)
{
	const char *last = "";
	for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
		if (*p && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17))
			last = p;
	snprintf(out, len, "%s", last);
}

/* The kernel's load (ptl_kernel_load with a license), fd or -errno, errline its last line. */
static int kernel_load(uint32_t type, uint32_t eat, uint32_t flags, const char *license,
                       const struct bpf_insn *insns, size_t cnt, char *errline, size_t len)
{
	static char log[1 << 16];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.prog_flags = flags;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)license;
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = 0;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0)
		return fd;
	int err = -errno;
	last_line(log, errline, len);
	return err;
}

static void load(bool kernel, uint32_t type, uint32_t eat, uint32_t flags, const char *license,
                 const struct bpf_insn *insns, size_t cnt, struct answer *ans)
{
	static char log[1 << 16];
	memset(ans, 0, sizeof *ans);
	if (kernel) {
		int fd = kernel_load(type, eat, flags, license, insns, cnt, ans->line,
		                     sizeof ans->line);
		if (fd >= 0) {
			close(fd);
			ans->line[0] = 0;
		} else {
			ans->err = fd;
		}
		return;
	}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.prog_flags = flags;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t)license;
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = 0;
	long fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0) {
		userbpf_close((int)fd);
		return;
	}
	ans->err = -errno;
	last_line(log, ans->line, sizeof ans->line);
}

/* r0 at exit: a value the type's return range accepts (cgroup_sock_addr's recvmsg hooks
 * want 1), so an accepted call is not refused for its exit. */
static int32_t ok_value(uint32_t type, uint32_t eat)
{
	const struct bpf_prog_type_info *t = bpf_prog_type_info(type);
	struct bpf_retval_range r;
	if (t && t->retval_range && t->retval_range(eat, &r))
		return r.minval;
	return 0;
}

static uint32_t type_flags(uint32_t type)
{
	return type == BPF_PROG_TYPE_SYSCALL ? SLEEPABLE : 0;
}

/* The recording: "@N text" defines error line N (once, before its first use), a record is
 * "type/eat id setup errno [@N]". */
#define MAX_LINES 512
static char *lines_tab[MAX_LINES];
static int nr_lines;

/* Writing: the number of line text, defined in out when new. */
static int line_no(FILE *out, const char *text)
{
	for (int i = 0; i < nr_lines; i++)
		if (!strcmp(lines_tab[i], text))
			return i;
	assert_true(nr_lines < MAX_LINES);
	lines_tab[nr_lines] = strdup(text);
	fprintf(out, "@%d %s\n", nr_lines, text);
	return nr_lines++;
}

static void free_lines(void)
{
	for (int i = 0; i < nr_lines; i++)
		free(lines_tab[i]);
	nr_lines = 0;
}

/* One recorded answer. */
struct rec {
	uint32_t type, eat, id;
	int setup;
	struct answer ans;
};

static struct rec *recs;
static size_t nr_recs;

static void read_recording(const char *path)
{
	size_t len;
	char *text = tu_read_file(path, &len);
	if (!text)
		return;
	size_t cap = 8192;
	recs = calloc(cap, sizeof *recs);
	assert_non_null(recs);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		struct rec r = {0};
		int n = 0, no = -1;
		if (line[0] == '@') {
			if (sscanf(line + 1, "%d %n", &no, &n) == 1 && no >= 0 && no < MAX_LINES &&
			    no == nr_lines)
				lines_tab[nr_lines++] = strdup(line + 1 + n);
			continue;
		}
		if (sscanf(line, "%u/%u %u %d %d %n", &r.type, &r.eat, &r.id, &r.setup, &r.ans.err,
		           &n) < 5)
			continue;
		if (line[n] == '@' && sscanf(line + n + 1, "%d", &no) == 1 && no >= 0 &&
		    no < nr_lines)
			snprintf(r.ans.line, sizeof r.ans.line, "%s", lines_tab[no]);
		if (nr_recs == cap) {
			cap *= 2;
			recs = realloc(recs, cap * sizeof *recs);
			assert_non_null(recs);
		}
		recs[nr_recs++] = r;
	}
	free(text);
}

/* The recorded answer; the search starts where the last one was found (the recording
 * is in the order the test asks). */
static const struct answer *recorded(uint32_t type, uint32_t eat, uint32_t id, int setup)
{
	static size_t cursor;
	for (size_t k = 0; k < nr_recs; k++) {
		size_t i = (cursor + k) % nr_recs;
		if (recs[i].type == type && recs[i].eat == eat && recs[i].id == id &&
		    recs[i].setup == setup) {
			cursor = i + 1;
			return &recs[i].ans;
		}
	}
	return NULL;
}

/* The program types the brief measures first (skb and xdp types). */
static bool is_packet_type(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
		return true;
	default:
		return false;
	}
}

static void test_protos_vs_kernel(void **state)
{
	(void)state;
	bool live = tu_kernel_bpf_available(), rec = ptl_recording();
	const char *path = ptl_fixture_path("helpers_protos_kernel.txt");
	FILE *out = NULL;
	if (rec) {
		out = fopen(path, "w");
		assert_non_null(out);
		fprintf(out,
		        "# Linux 6.18's answer to a call of every helper a program type may call\n"
		        "# (test_helpers_protos.c: setup = index in its table `setups`).\n"
		        "# Lines: @N error-line (defined before first use); type/eat id setup "
		        "errno [@N]. Re-record: "
		        "USERBPF_RECORD_FIXTURES=1 test_helpers_protos (as root).\n");
	} else {
		read_recording(path);
	}
	if (!live)
		print_message("kernel bpf() unavailable: comparing with the recorded answers\n");
	char *text = tu_read_file(ptl_fixture_path("progtype_funcs_kernel.txt"), NULL);
	assert_non_null(text);
	int total = 0, same = 0, pkt_total = 0, pkt_same = 0, stale = 0, missing = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		char *p = line, *end;
		uint32_t type = (uint32_t)strtoul(p, &end, 10);
		uint32_t eat = *end == '/' ? (uint32_t)strtoul(end + 1, &end, 10) : 0;
		int type_total = 0, type_same = 0;
		for (p = end;;) {
			unsigned long id = strtoul(p, &end, 10);
			if (end == p)
				break;
			p = end;
			for (int setup = 0; setup < NSETUP; setup++) {
				struct bpf_insn insns[24];
				size_t n = build(setup, (uint32_t)id, ok_value(type, eat), insns);
				struct answer ours, want;
				const char *lic = setups[setup].non_gpl ? "MIT" : "GPL";
				load(false, type, eat, type_flags(type), lic, insns, n, &ours);
				if (live) {
					load(true, type, eat, type_flags(type), lic, insns, n,
					     &want);
					if (out && want.line[0])
						fprintf(out, "%u/%u %lu %d %d @%d\n", type, eat, id,
						        setup, want.err, line_no(out, want.line));
					else if (out)
						fprintf(out, "%u/%u %lu %d %d\n", type, eat, id,
						        setup, want.err);
					const struct answer *r =
					        out ? NULL
					            : recorded(type, eat, (uint32_t)id, setup);
					if (r && (r->err != want.err || strcmp(r->line, want.line)))
						stale++;
				} else {
					const struct answer *r =
					        recorded(type, eat, (uint32_t)id, setup);
					if (!r) {
						missing++;
						continue;
					}
					want = *r;
				}
				bool ok = ours.err == want.err && !strcmp(ours.line, want.line);
				type_total++;
				type_same += ok;
				if (!ok && total - same < 2000)
					print_message(
					        "DIFF %u/%u %s#%lu setup %d: kernel %d '%s' | ours "
					        "%d '%s'\n",
					        type, eat, bpf_func_id_name((uint32_t)id), id,
					        setup, want.err, want.line, ours.err, ours.line);
				total++;
				same += ok;
			}
		}
		if (is_packet_type(type)) {
			pkt_total += type_total;
			pkt_same += type_same;
		}
		const struct bpf_prog_type_info *t = bpf_prog_type_info(type);
		print_message("%-18s eat %-3u %4d/%-4d identical\n", t ? t->name : "?", eat,
		              type_same, type_total);
	}
	free(text);
	if (out)
		fclose(out);
	free(recs);
	recs = NULL;
	nr_recs = 0;
	free_lines();
	print_message("packet types (socket_filter, tc, xdp, cgroup_skb, lwt): %d/%d identical\n",
	              pkt_same, pkt_total);
	print_message("all types: %d/%d identical (verdict, errno, error line)%s\n", same, total,
	              live ? " against the live kernel" : " against the recording");
	if (stale)
		print_message("note: %d recorded answers differ from the live kernel (re-record)\n",
		              stale);
	assert_int_equal(missing, 0);
	assert_int_equal(same, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_protos_vs_kernel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
