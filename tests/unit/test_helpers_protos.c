/* test_helpers_protos.c — every helper each program type may call, called with fixed
 * arguments: does our verifier answer as the kernel's (verdict, errno, error line)?
 *
 * The pairs are the kernel's (tests/fixtures/progtype_funcs_kernel.txt: for each program
 * type and attach type, the helper ids 6.18 lets it call). Each pair is loaded twice:
 *   A: r1 = ctx, r2..r5 = 0;              call id; r0 = <ok value>; exit
 *   B: 64 zeroed stack bytes, r1 = ctx, r2 = fp-64, r3 = 8, r4 = r5 = 0; call ...
 * so each argument kind meets a scalar zero, a stack pointer and a small constant: the
 * verdict and the error line show whether our prototype (return kind, argument kinds and
 * flags, gpl_only, the type's variant) is the kernel's. A prototype we lack shows as
 * "program of this type cannot use helper" where the kernel goes on.
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
#define NSETUP 2

struct answer {
	int err; /* 0: loaded, else -errno */
	char line[200];
};

/* Setup A or B around a call of id; r0 = ok at exit. Returns the count. */
static size_t build(int setup, uint32_t id, int32_t ok, struct bpf_insn *p)
{
	size_t n = 0;
	if (setup == 1) {
		for (int off = -64; off < 0; off += 8)
			p[n++] = I_ST(BPF_DW, BPF_REG_10, (int16_t)off, 0);
		p[n++] = I_MOV_X(BPF_REG_2, BPF_REG_10);
		p[n++] = I_ADD_K(BPF_REG_2, -64);
		p[n++] = I_MOV_K(BPF_REG_3, 8);
	} else {
		p[n++] = I_MOV_K(BPF_REG_2, 0);
		p[n++] = I_MOV_K(BPF_REG_3, 0);
	}
	p[n++] = I_MOV_K(BPF_REG_4, 0);
	p[n++] = I_MOV_K(BPF_REG_5, 0);
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

static void load(bool kernel, uint32_t type, uint32_t eat, uint32_t flags,
                 const struct bpf_insn *insns, size_t cnt, struct answer *ans)
{
	static char log[1 << 16];
	memset(ans, 0, sizeof *ans);
	if (kernel) {
		int fd = ptl_kernel_load(type, eat, flags, insns, cnt, ans->line, sizeof ans->line);
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
	a.license = (uintptr_t) "GPL";
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

/* One recorded answer: "type/eat id setup errno line". */
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
		int n = 0;
		if (sscanf(line, "%u/%u %u %d %d %n", &r.type, &r.eat, &r.id, &r.setup,
		           &r.ans.err, &n) < 5)
			continue;
		snprintf(r.ans.line, sizeof r.ans.line, "%s", line + n);
		if (nr_recs == cap) {
			cap *= 2;
			recs = realloc(recs, cap * sizeof *recs);
			assert_non_null(recs);
		}
		recs[nr_recs++] = r;
	}
	free(text);
}

static const struct answer *recorded(uint32_t type, uint32_t eat, uint32_t id, int setup)
{
	for (size_t i = 0; i < nr_recs; i++)
		if (recs[i].type == type && recs[i].eat == eat && recs[i].id == id &&
		    recs[i].setup == setup)
			return &recs[i].ans;
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
		fprintf(out, "# Linux 6.18's answer to a call of every helper a program type may call\n"
		             "# (test_helpers_protos.c: setup 0 = r2..r5 zero, setup 1 = r2 fp-64 over "
		             "64 zeroed bytes, r3 = 8).\n"
		             "# Line: type/eat id setup errno error-line. Re-record: "
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
				load(false, type, eat, type_flags(type), insns, n, &ours);
				if (live) {
					load(true, type, eat, type_flags(type), insns, n, &want);
					if (out)
						fprintf(out, "%u/%u %lu %d %d %s\n", type, eat, id, setup,
						        want.err, want.line);
					const struct answer *r =
					        out ? NULL : recorded(type, eat, (uint32_t)id, setup);
					if (r && (r->err != want.err || strcmp(r->line, want.line)))
						stale++;
				} else {
					const struct answer *r = recorded(type, eat, (uint32_t)id, setup);
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
					print_message("DIFF %u/%u %s#%lu setup %d: kernel %d '%s' | ours "
					              "%d '%s'\n",
					              type, eat, bpf_func_id_name((uint32_t)id), id, setup,
					              want.err, want.line, ours.err, ours.line);
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
