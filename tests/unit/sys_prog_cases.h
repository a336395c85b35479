/* sys_prog_cases.h — PROG_LOAD attribute cases for test_sys_prog.c: each is run on
 * userbpf and on the host kernel (socket filter), and its answer (errno, log_true_size,
 * log text) is compared with the kernel's live answer and the recorded one. */

static char plog[4096];
static const struct bpf_insn i_ok[] = {MOV_K(0, 7), EXIT};
static const struct bpf_insn i_badop[] = {MOV_K(0, 7), {.code = 0x8d}, EXIT};
static const struct bpf_insn i_badmap[] = {LD_MAP(1, 1000), EXIT};
static const struct bpf_insn i_notmap[] = {LD_MAP(1, 0), EXIT};

static void c_base(union bpf_attr *a)
{
	a->prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a->insns = (uintptr_t)i_ok;
	a->insn_cnt = N(i_ok);
	a->license = (uintptr_t) "GPL";
}

static void c_log(union bpf_attr *a, uint32_t level, uint32_t size)
{
	a->log_buf = (uintptr_t)plog;
	a->log_size = size;
	a->log_level = level;
}

#define C(n, body)                                                                                 \
	static void c_##n(union bpf_attr *a)                                                       \
	{                                                                                          \
		body;                                                                              \
	}
C(plain, )
C(cnt0, a->insn_cnt = 0)
C(cntbig, a->insn_cnt = 1000001)
C(type999, a->prog_type = 999)
C(type0, a->prog_type = 0)
C(flags, a->prog_flags = 1u << 20)
C(flags_cnt0, a->prog_flags = 1u << 20; a->insn_cnt = 0)
C(type_cnt0, a->prog_type = 999; a->insn_cnt = 0)
C(lic_null, a->license = 0)
C(lic_mit, a->license = (uintptr_t) "MIT")
C(insns_null, a->insns = 0)
C(name_bad, strcpy(a->prog_name, "a-b"))
C(name_full, memset(a->prog_name, 'a', 16))
C(lvl_nobuf, a->log_level = 1)
C(buf_nosize, c_log(a, 1, 0))
C(size_nobuf, a->log_level = 1; a->log_size = 100)
C(buf_lvl0, c_log(a, 0, 100))
C(lvl16, c_log(a, 16, 100))
C(lvl_fixed, c_log(a, 8, 100))
C(size1, c_log(a, 1, 1))
C(size_huge, c_log(a, 1, 1u << 30))
C(log_ok, c_log(a, 1, sizeof plog))
C(badop, a->insns = (uintptr_t)i_badop; a->insn_cnt = N(i_badop); c_log(a, 1, sizeof plog))
C(badop_nolog, a->insns = (uintptr_t)i_badop; a->insn_cnt = N(i_badop))
C(badop_lvl_nobuf, a->insns = (uintptr_t)i_badop; a->insn_cnt = N(i_badop); a->log_level = 1)
C(badop_small, a->insns = (uintptr_t)i_badop; a->insn_cnt = N(i_badop); c_log(a, 1, 10))
C(badop_fixed, a->insns = (uintptr_t)i_badop; a->insn_cnt = N(i_badop); c_log(a, 9, 10))
C(badmap, a->insns = (uintptr_t)i_badmap; a->insn_cnt = N(i_badmap); c_log(a, 1, sizeof plog))
C(notmap, a->insns = (uintptr_t)i_notmap; a->insn_cnt = N(i_notmap); c_log(a, 1, sizeof plog))
C(badmap_lic_null, a->insns = (uintptr_t)i_badmap; a->insn_cnt = N(i_badmap); a->license = 0)

struct prog_case {
	const char *name;
	void (*fn)(union bpf_attr *);
};
#define E(n)                                                                                       \
	{                                                                                          \
#n, c_##n                                                                          \
	}
static const struct prog_case prog_cases[] = {
        E(plain),       E(cnt0),        E(cntbig),    E(type999),     E(type0),
        E(flags),       E(flags_cnt0),  E(type_cnt0), E(lic_null),    E(lic_mit),
        E(insns_null),  E(name_bad),    E(name_full), E(lvl_nobuf),   E(buf_nosize),
        E(size_nobuf),  E(buf_lvl0),    E(lvl16),     E(lvl_fixed),   E(size1),
        E(size_huge),   E(log_ok),      E(badop),     E(badop_nolog), E(badop_lvl_nobuf),
        E(badop_small), E(badop_fixed), E(badmap),    E(notmap),      E(badmap_lic_null),
};

/* One answer as a line: "name errno true_size log" (log escaped, "-" if untouched). */
static void prog_case_answer(const struct prog_case *c, bool kernel, char *out, size_t len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	c_base(&a);
	c->fn(&a);
	memset(plog, 'X', sizeof plog);
	long r = kernel ? K(BPF_PROG_LOAD, &a) : B(BPF_PROG_LOAD, &a);
	if (r >= 0) {
		if (kernel)
			close((int)r);
		else
			userbpf_close((int)r);
	}
	char esc[1024] = "-";
	if (plog[0] != 'X') {
		size_t o = 0;
		for (size_t i = 0; plog[i] && i < sizeof plog && o + 3 < sizeof esc; i++) {
			if (plog[i] == '\n') {
				esc[o++] = '\\';
				esc[o++] = 'n';
			} else {
				esc[o++] = plog[i] == ' ' ? '_' : plog[i];
			}
		}
		esc[o] = 0;
		if (!o)
			strcpy(esc, "\"\"");
	}
	snprintf(out, len, "%s %ld %u %s", c->name, r >= 0 ? 0 : -r, a.log_true_size, esc);
}

static void test_load_attr_rules(void **state)
{
	char path[512];
	snprintf(path, sizeof path, "%s/sys_prog_kernel.txt", USERBPF_FIXTURES_DIR);
	bool kernel = tu_kernel_bpf_available();
	FILE *rec = kernel && getenv("USERBPF_RECORD_FIXTURE") ? fopen(path, "w") : NULL;
	char *fixture = rec ? NULL : tu_read_file(path, NULL);
	assert_true(rec || fixture);
	for (size_t i = 0; i < N(prog_cases); i++) {
		char ours[1200], theirs[1200];
		prog_case_answer(&prog_cases[i], false, ours, sizeof ours);
		if (kernel) {
			prog_case_answer(&prog_cases[i], true, theirs, sizeof theirs);
			if (strcmp(ours, theirs))
				fail_msg("kernel: %s\n    ours: %s", theirs, ours);
			if (rec)
				fprintf(rec, "%s\n", theirs);
		}
		if (fixture) {
			char want[1300];
			snprintf(want, sizeof want, "%s\n", ours);
			if (!strstr(fixture, want))
				fail_msg("not in the fixture: %s", ours);
		}
	}
	if (rec)
		fclose(rec);
	free(fixture);
	if (!kernel)
		printf("[ SKIPPED  ] live kernel comparison (no bpf()); fixture checked\n");
}
