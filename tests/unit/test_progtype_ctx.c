/* test_progtype_ctx.c — ctx access rules of every program type against the kernel.
 *
 * For each program type (and attach type where the rules depend on it), each offset of
 * its ctx and each access — load (LDX), sign-extending load (LDSX), register store
 * (STX), immediate store (ST) — of 1, 2, 4 and 8 bytes, the host kernel was asked to load
 * "access; r0 = 1; exit". Its answers are in tests/fixtures/progtype_ctx_<type>.txt
 * (USERBPF_RECORD_FIXTURES=1 re-records them, as root). Ours: is_valid_access, then, as
 * the verifier does, convert_ctx_access on the (widened, for narrow loads) access — a
 * conversion that yields nothing is the kernel's "misconfigured" failure.
 *
 * Mask characters, for sizes 1 2 4 8: '+' loads, '-' EACCES (invalid bpf_context access),
 * 'x' another errno (EINVAL / EFAULT from a conversion), '.' not an instruction (LDSX of
 * 8 bytes). Lines where every size is '-' (or '.') are left out of the fixture. An
 * instruction's offset is 16 bits: ctx offsets past 32767 cannot be asked.
 */
#include "progtypes/progtype.h"

#include "progtype_testlib.h"

struct ctx_cfg {
	const char *name; /* fixture: progtype_ctx_<name>.txt */
	uint32_t type, eat, flags;
	int lo[2], hi[2]; /* offset ranges [lo, hi) */
};

#define SLEEPABLE (1u << 4)
/* clang-format off */
static const struct ctx_cfg cfgs[] = {
	{"socket_filter", BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, {-8, 0}, {200, 0}},
	{"sched_cls", BPF_PROG_TYPE_SCHED_CLS, 0, 0, {-8, 0}, {200, 0}},
	{"sched_act", BPF_PROG_TYPE_SCHED_ACT, 0, 0, {-8, 0}, {200, 0}},
	{"cgroup_skb_ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0, {-8, 0}, {200, 0}},
	{"cgroup_skb_egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0, {-8, 0}, {200, 0}},
	{"lwt_in", BPF_PROG_TYPE_LWT_IN, 0, 0, {-8, 0}, {200, 0}},
	{"lwt_out", BPF_PROG_TYPE_LWT_OUT, 0, 0, {-8, 0}, {200, 0}},
	{"lwt_xmit", BPF_PROG_TYPE_LWT_XMIT, 0, 0, {-8, 0}, {200, 0}},
	{"lwt_seg6local", BPF_PROG_TYPE_LWT_SEG6LOCAL, 0, 0, {-8, 0}, {200, 0}},
	{"sk_skb_parser", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0, {-8, 0}, {200, 0}},
	{"sk_skb_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0, {-8, 0}, {200, 0}},
	{"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, 0, 0, {-8, 0}, {200, 0}},
	{"xdp", BPF_PROG_TYPE_XDP, 0, 0, {-8, 0}, {32, 0}},
	{"xdp_devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP, 0, {-8, 0}, {32, 0}},
	{"kprobe", BPF_PROG_TYPE_KPROBE, 0, 0, {-8, 0}, {176, 0}},
	{"tracepoint", BPF_PROG_TYPE_TRACEPOINT, 0, 0, {-24, 8176}, {72, 8200}},
	{"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0, 0, {-8, 0}, {192, 0}},
	{"raw_tracepoint", BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0, {-8, 0}, {104, 0}},
	{"syscall", BPF_PROG_TYPE_SYSCALL, 0, SLEEPABLE, {-8, 32744}, {40, 32768}},
	{"sock_ops", BPF_PROG_TYPE_SOCK_OPS, 0, 0, {-8, 0}, {232, 0}},
	{"sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT, 0, {-8, 0}, {80, 0}},
	{"cgroup_sock_create", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0, {-8, 0}, {88, 0}},
	{"cgroup_sock_post_bind4", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0, {-8, 0}, {88, 0}},
	{"cgroup_sock_post_bind6", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, 0, {-8, 0}, {88, 0}},
	{"cgroup_sock_release", BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, 0, {-8, 0}, {88, 0}},
	{"sock_addr_bind4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 0, {-8, 0}, {80, 0}},
	{"sock_addr_connect6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0, {-8, 0}, {80, 0}},
	{"sock_addr_sendmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0, {-8, 0}, {80, 0}},
	{"sock_addr_sendmsg6", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, 0, {-8, 0}, {80, 0}},
	{"sock_addr_recvmsg4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0, {-8, 0}, {80, 0}},
	{"sock_addr_unix_connect", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, 0, {-8, 0}, {80, 0}},
	{"cgroup_device", BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0, {-8, 0}, {16, 0}},
	{"sk_lookup", BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, 0, {-8, 0}, {80, 0}},
	{"sk_reuseport_select", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0, {-8, 0}, {64, 0}},
	{"sk_reuseport_migrate", BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0, {-8, 0}, {64, 0}},
	{"cgroup_sysctl", BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0, {-8, 0}, {16, 0}},
	{"cgroup_getsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0, {-8, 0}, {48, 0}},
	{"cgroup_setsockopt", BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0, {-8, 0}, {48, 0}},
};
/* clang-format on */

static const char kinds[] = "RXWS";

/* The test program for one access. */
static size_t access_prog(char kind, int off, int size, struct bpf_insn *p)
{
	size_t n = 0;
	uint8_t sz = ptl_size_code(size);
	switch (kind) {
	case 'R':
		p[n++] = I_LDX(sz, 2, 1, (int16_t)off);
		break;
	case 'X':
		p[n++] = I_LDSX(sz, 2, 1, (int16_t)off);
		break;
	case 'W':
		p[n++] = I_MOV_K(2, 0);
		p[n++] = I_STX(sz, 1, 2, (int16_t)off);
		break;
	default:
		p[n++] = I_ST(sz, 1, (int16_t)off, 0);
		break;
	}
	p[n++] = I_MOV_K(0, 1); /* within every type's return range */
	p[n++] = I_EXIT;
	return n;
}

static char kernel_verdict(const struct ctx_cfg *c, char kind, int off, int size)
{
	if (kind == 'X' && size == 8)
		return '.';
	struct bpf_insn p[4];
	size_t n = access_prog(kind, off, size, p);
	int fd = ptl_kernel_load(c->type, c->eat, c->flags, p, n, NULL, 0);
	if (fd >= 0) {
		close(fd);
		return '+';
	}
	return fd == -EACCES ? '-' : 'x';
}

/* What our verifier will do with the access: is_valid_access, then the conversion. */
static char our_verdict(const struct ctx_cfg *c, char kind, int off, int size)
{
	if (kind == 'X' && size == 8)
		return '.';
	const struct bpf_prog_type_info *t = bpf_prog_type_info(c->type);
	if (!t)
		return '?';
	enum bpf_access_type at = kind == 'R' || kind == 'X' ? BPF_READ : BPF_WRITE;
	struct bpf_insn_access_aux aux = {.is_ldsx = kind == 'X'};
	if (!t->is_valid_access(off, size, at, c->eat, &aux))
		return '-';
	if (!t->convert_ctx_access)
		return '+';
	struct bpf_insn p[4];
	access_prog(kind, off, size, p);
	struct bpf_insn si = p[kind == 'W' ? 1 : 0];
	if (aux.ctx_field_size && (uint32_t)size < aux.ctx_field_size) {
		if (at == BPF_WRITE)
			return 'x';
		uint32_t size_default = bpf_ctx_off_adjust_machine(aux.ctx_field_size);
		si.off = (int16_t)(off & ~(int)(size_default - 1));
		si.code = BPF_LDX | BPF_MEM | ptl_size_code((int)aux.ctx_field_size);
	}
	struct bpf_insn out[BPF_PT_MAX_CONVERT];
	uint32_t target = 0;
	uint32_t cnt = t->convert_ctx_access(at, &si, out, c->eat, &target);
	if (!cnt || cnt >= BPF_PT_MAX_CONVERT || (aux.ctx_field_size && !target))
		return 'x';
	return '+';
}

static bool boring(const char *mask)
{
	for (int i = 0; i < 4; i++)
		if (mask[i] != '-' && mask[i] != '.')
			return false;
	return true;
}

static void mask_of(char (*verdict)(const struct ctx_cfg *, char, int, int),
                    const struct ctx_cfg *c, char kind, int off, char mask[5])
{
	for (int i = 0; i < 4; i++)
		mask[i] = verdict(c, kind, off, 1 << i);
	mask[4] = 0;
}

static void record(const struct ctx_cfg *c)
{
	char name[128];
	snprintf(name, sizeof name, "progtype_ctx_%s.txt", c->name);
	FILE *f = fopen(ptl_fixture_path(name), "w");
	assert_non_null(f);
	fprintf(f,
	        "# The host kernel's ctx access verdicts for %s (prog_type %u, "
	        "expected_attach_type %u).\n",
	        c->name, c->type, c->eat);
	fprintf(f,
	        "# kind (R ldx, X ldsx, W stx, S st) offset mask(sizes 1 2 4 8: + ok, "
	        "- EACCES, x other, . n/a).\n# Offsets [%d,%d) [%d,%d); all-rejected "
	        "lines omitted. Re-record: USERBPF_RECORD_FIXTURES=1 test_progtype_ctx.\n",
	        c->lo[0], c->hi[0], c->lo[1], c->hi[1]);
	for (int r = 0; r < 2; r++)
		for (int off = c->lo[r]; off < c->hi[r]; off++)
			for (const char *k = kinds; *k; k++) {
				char mask[5];
				mask_of(kernel_verdict, c, *k, off, mask);
				if (!boring(mask))
					fprintf(f, "%c %d %s\n", *k, off, mask);
			}
	fclose(f);
}

/* Compare ours with the fixture over the whole scanned range. */
static int compare(const struct ctx_cfg *c, int *checked)
{
	char name[128];
	snprintf(name, sizeof name, "progtype_ctx_%s.txt", c->name);
	char *text = tu_read_file(ptl_fixture_path(name), NULL);
	if (!text) {
		print_message("missing fixture %s\n", name);
		return -1;
	}
	int mismatches = 0;
	for (int r = 0; r < 2; r++)
		for (int off = c->lo[r]; off < c->hi[r]; off++)
			for (const char *k = kinds; *k; k++) {
				char want[5] = "----", key[32];
				if (*k == 'X')
					want[3] = '.';
				snprintf(key, sizeof key, "\n%c %d ", *k, off);
				const char *hit = strstr(text, key);
				if (hit)
					memcpy(want, hit + strlen(key), 4);
				char got[5];
				mask_of(our_verdict, c, *k, off, got);
				(*checked) += 4;
				if (memcmp(want, got, 4)) {
					if (mismatches < 400)
						print_message("%s %c off=%d kernel %s ours %s\n",
						              c->name, *k, off, want, got);
					mismatches++;
				}
			}
	free(text);
	return mismatches;
}

static void test_ctx_access_vs_kernel(void **state)
{
	(void)state;
	bool rec = ptl_recording();
	int total = 0, checked = 0;
	for (size_t i = 0; i < PT_N(cfgs); i++) {
		if (rec)
			record(&cfgs[i]);
		int m = compare(&cfgs[i], &checked);
		assert_true(m >= 0);
		total += m;
	}
	print_message("ctx access: %d verdicts compared with the kernel's, %d differ\n", checked,
	              total);
	assert_int_equal(total, 0);
}

/* A few answers asked live, so the fixture cannot drift from the kernel unnoticed. */
static void test_ctx_access_live_sample(void **state)
{
	(void)state;
	if (!tu_kernel_bpf_available()) {
		print_message("skipped: no bpf() here; the fixtures stand in for the kernel\n");
		skip();
	}
	static const struct {
		int cfg;
		char kind;
		int off, size;
	} samples[] = {{0, 'R', 0, 4},    {0, 'W', 48, 4}, {0, 'R', 76, 4},  {1, 'R', 76, 4},
	               {1, 'W', 8, 4},    {12, 'R', 0, 4}, {12, 'R', 20, 4}, {14, 'R', 160, 8},
	               {16, 'R', 168, 1}, {17, 'R', 88, 8}};
	for (size_t i = 0; i < PT_N(samples); i++) {
		const struct ctx_cfg *c = &cfgs[samples[i].cfg];
		char k = kernel_verdict(c, samples[i].kind, samples[i].off, samples[i].size);
		char o = our_verdict(c, samples[i].kind, samples[i].off, samples[i].size);
		if (k != o)
			print_message("%s %c %d/%d: kernel %c ours %c\n", c->name, samples[i].kind,
			              samples[i].off, samples[i].size, k, o);
		assert_int_equal(k, o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ctx_access_vs_kernel),
	        cmocka_unit_test(test_ctx_access_live_sample),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
