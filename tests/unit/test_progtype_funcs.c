/* test_progtype_funcs.c — which helpers each program type may call, against the kernel,
 * and the registry's basic promises (names as bpftool prints them, attach type checks,
 * helpers that change packet data, the LD_ABS expansion).
 *
 * The kernel's answers (a call to every helper id from every type; allowed unless the
 * log says the type cannot use it) are in tests/fixtures/progtype_funcs_kernel.txt
 * (USERBPF_RECORD_FIXTURES=1 re-records them).
 */
#include "progtypes/progtype.h"

#include "progtype_testlib.h"

#define MAX_ID 211 /* the last helper id in Linux 6.18 */
#define SLEEPABLE (1u << 4)

static const struct {
	uint32_t type, eat, flags;
} types[] = {
        {BPF_PROG_TYPE_SOCKET_FILTER, 0, 0},
        {BPF_PROG_TYPE_KPROBE, 0, 0},
        {BPF_PROG_TYPE_SCHED_CLS, 0, 0},
        {BPF_PROG_TYPE_SCHED_ACT, 0, 0},
        {BPF_PROG_TYPE_TRACEPOINT, 0, 0},
        {BPF_PROG_TYPE_XDP, 0, 0},
        {BPF_PROG_TYPE_PERF_EVENT, 0, 0},
        {BPF_PROG_TYPE_CGROUP_SKB, 0, 0},
        {BPF_PROG_TYPE_LWT_IN, 0, 0},
        {BPF_PROG_TYPE_LWT_OUT, 0, 0},
        {BPF_PROG_TYPE_LWT_XMIT, 0, 0},
        {BPF_PROG_TYPE_SK_SKB, 0, 0},
        {BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0},
        {BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0},
        {BPF_PROG_TYPE_FLOW_DISSECTOR, 0, 0},
        {BPF_PROG_TYPE_SYSCALL, 0, SLEEPABLE},
        {BPF_PROG_TYPE_SOCK_OPS, 0, 0},
        {BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0},
        {BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0},
        {BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0},
        {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0},
        {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0},
        {BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_SENDMSG, 0},
        {BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0},
        {BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0},
        {BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0},
        {BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0},
        {BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0},
        {BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0},
};

static bool kernel_allows(uint32_t type, uint32_t eat, uint32_t flags, uint32_t id)
{
	struct bpf_insn p[] = {I_CALL((int32_t)id), I_MOV_K(0, 0), I_EXIT};
	char why[256] = "";
	int fd = ptl_kernel_load(type, eat, flags, p, PT_N(p), why, sizeof why);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	return !strstr(why, "program of this type") && !strstr(why, "unknown func") &&
	       !strstr(why, "invalid func");
}

static void test_helper_sets_vs_kernel(void **state)
{
	(void)state;
	const char *path = ptl_fixture_path("progtype_funcs_kernel.txt");
	if (ptl_recording()) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "# The host kernel's helper ids per program type (a call with r1-r5 "
		           "unset; allowed unless \"program of this type cannot use helper\").\n"
		           "# Line: prog_type id id ... Re-record: USERBPF_RECORD_FIXTURES=1 "
		           "test_progtype_funcs (as root).\n");
		for (size_t i = 0; i < PT_N(types); i++) {
			fprintf(f, "%u/%u", types[i].type, types[i].eat);
			for (uint32_t id = 1; id <= MAX_ID; id++)
				if (kernel_allows(types[i].type, types[i].eat, types[i].flags, id))
					fprintf(f, " %u", id);
			fputc('\n', f);
		}
		fclose(f);
	}
	char *text = tu_read_file(path, NULL);
	assert_non_null(text);
	int checked = 0, differ = 0, with_proto = 0, allowed = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (line[0] == '#')
			continue;
		char *p = line, *end;
		uint32_t type = (uint32_t)strtoul(p, &end, 10);
		uint32_t eat = *end == '/' ? (uint32_t)strtoul(end + 1, &end, 10) : 0;
		bool want[MAX_ID + 1] = {false};
		for (p = end;;) {
			unsigned long id = strtoul(p, &end, 10);
			if (end == p)
				break;
			if (id <= MAX_ID)
				want[id] = true;
			p = end;
		}
		const struct bpf_prog_type_info *t = bpf_prog_type_info(type);
		assert_non_null(t);
		for (uint32_t id = 1; id <= MAX_ID; id++) {
			const struct bpf_func_proto *fp = t->get_func_proto(id, eat);
			bool ours = fp != NULL;
			/* a helper we know nothing about cannot be offered: count it apart */
			bool known = bpf_helper_proto_any(id) != NULL || fp;
			checked++;
			allowed += want[id];
			with_proto += ours;
			if (want[id] != ours && (ours || known)) {
				if (differ < 20)
					print_message("%s/%u helper %u: kernel %s, ours %s\n",
					              t->name, eat, id,
					              want[id] ? "allows" : "refuses",
					              ours ? "allows" : "refuses");
				differ++;
			}
		}
	}
	free(text);
	print_message("helpers: %d (type, id) pairs; the kernel allows %d, we offer a prototype "
	              "for %d; %d differ among helpers we know\n",
	              checked, allowed, with_proto, differ);
	assert_int_equal(differ, 0);
}

static void test_names_and_attach(void **state)
{
	(void)state;
	static const struct {
		uint32_t type;
		const char *name;
	} names[] = {{BPF_PROG_TYPE_SOCKET_FILTER, "socket_filter"},
	             {BPF_PROG_TYPE_SCHED_CLS, "sched_cls"},
	             {BPF_PROG_TYPE_XDP, "xdp"},
	             {BPF_PROG_TYPE_CGROUP_SKB, "cgroup_skb"},
	             {BPF_PROG_TYPE_RAW_TRACEPOINT, "raw_tracepoint"},
	             {BPF_PROG_TYPE_FLOW_DISSECTOR, "flow_dissector"},
	             {BPF_PROG_TYPE_SK_LOOKUP, "sk_lookup"},
	             {BPF_PROG_TYPE_SK_REUSEPORT, "sk_reuseport"},
	             {BPF_PROG_TYPE_CGROUP_SYSCTL, "cgroup_sysctl"},
	             {BPF_PROG_TYPE_CGROUP_SOCKOPT, "cgroup_sockopt"}};
	for (size_t i = 0; i < PT_N(names); i++)
		assert_string_equal(bpf_prog_type_info(names[i].type)->name, names[i].name);
	assert_null(bpf_prog_type_info(0));
	assert_null(bpf_prog_type_info(10000));
	uint32_t eat = 0;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_CGROUP_SOCK, &eat), 0);
	assert_int_equal(eat, BPF_CGROUP_INET_SOCK_CREATE);
	eat = BPF_CGROUP_INET_EGRESS;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_CGROUP_SKB, &eat), 0);
	eat = BPF_CGROUP_INET4_BIND;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_CGROUP_SKB, &eat), -EINVAL);
	eat = 1;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_SYSCALL, &eat), -EINVAL);
	eat = 12345;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_XDP, &eat), 0);
	/* the new types, as the kernel answered (sk_reuseport defaults to SELECT, sysctl
	 * takes any attach type at load) */
	eat = 0;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_SK_LOOKUP, &eat), -EINVAL);
	eat = 0;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_SK_REUSEPORT, &eat), 0);
	assert_int_equal(eat, BPF_SK_REUSEPORT_SELECT);
	eat = BPF_SK_LOOKUP;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_SK_REUSEPORT, &eat), -EINVAL);
	eat = 12345;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_CGROUP_SYSCTL, &eat), 0);
	eat = BPF_CGROUP_SYSCTL;
	assert_int_equal(bpf_prog_type_check_attach(BPF_PROG_TYPE_CGROUP_SOCKOPT, &eat), -EINVAL);
	assert_true(bpf_helper_changes_pkt_data(BPF_FUNC_skb_store_bytes));
	assert_true(bpf_helper_changes_pkt_data(BPF_FUNC_xdp_adjust_head));
	assert_false(bpf_helper_changes_pkt_data(BPF_FUNC_skb_load_bytes));
	struct bpf_retval_range r;
	const struct bpf_prog_type_info *cg = bpf_prog_type_info(BPF_PROG_TYPE_CGROUP_SKB);
	assert_true(cg->retval_range(BPF_CGROUP_INET_EGRESS, &r));
	assert_int_equal(r.maxval, 3);
	assert_true(cg->retval_range(BPF_CGROUP_INET_INGRESS, &r));
	assert_int_equal(r.maxval, 1);
}

/* The kernel's check_return_code, asked live: cgroup skb egress 0..3, ingress 0..1;
 * sk_lookup, cgroup sysctl and sockopt 0..1; sk_reuseport anything. */
static void test_retval_ranges_live(void **state)
{
	(void)state;
	if (!tu_kernel_bpf_available()) {
		print_message("skipped: no bpf() here\n");
		skip();
	}
	static const struct {
		uint32_t type, eat;
		int32_t r0;
	} c[] = {{BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 3},
	         {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 4},
	         {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 1},
	         {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 2},
	         {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, -1},
	         {BPF_PROG_TYPE_XDP, 0, -1},
	         {BPF_PROG_TYPE_SOCKET_FILTER, 0, 1000},
	         {BPF_PROG_TYPE_KPROBE, 0, 7},
	         {BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 1},
	         {BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 2},
	         {BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, -1},
	         {BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 5},
	         {BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, -1},
	         {BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 1},
	         {BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 2},
	         {BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0},
	         {BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, -1},
	         {BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 2}};
	for (size_t i = 0; i < PT_N(c); i++) {
		struct bpf_insn p[] = {I_MOV_K(0, c[i].r0), I_EXIT};
		int fd = ptl_kernel_load(c[i].type, c[i].eat, 0, p, PT_N(p), NULL, 0);
		if (fd >= 0)
			close(fd);
		const struct bpf_prog_type_info *t = bpf_prog_type_info(c[i].type);
		struct bpf_retval_range r;
		bool ours = !t->retval_range || !t->retval_range(c[i].eat, &r) ||
		            (c[i].r0 >= r.minval && c[i].r0 <= r.maxval);
		assert_int_equal(fd >= 0, ours);
	}
}

/* The LD_ABS expansion is the kernel's: arguments in r2/r1, the internal helper, and
 * "return 0" when it fails. */
static void test_gen_ld_abs(void **state)
{
	(void)state;
	struct bpf_insn out[8];
	struct bpf_insn abs_b = I_LD_ABS(BPF_B, 23);
	assert_int_equal(bpf_prog_type_gen_ld_abs(&abs_b, out), 6);
	assert_int_equal(out[0].code, BPF_ALU64 | BPF_MOV | BPF_K);
	assert_int_equal(out[0].imm, 23);
	assert_int_equal(out[2].imm, BPF_PT_FUNC_LD_ABS_8);
	assert_int_equal(out[3].code, BPF_JMP | BPF_JSGE | BPF_K);
	struct bpf_insn ind = I_LD_IND(BPF_W, 7, 4);
	assert_int_equal(bpf_prog_type_gen_ld_abs(&ind, out), 7);
	assert_int_equal(out[0].src_reg, 7);
	assert_int_equal(out[1].imm, 4);
	assert_int_equal(out[3].imm, BPF_PT_FUNC_LD_ABS_32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_helper_sets_vs_kernel),
	        cmocka_unit_test(test_names_and_attach),
	        cmocka_unit_test(test_retval_ranges_live),
	        cmocka_unit_test(test_gen_ld_abs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
