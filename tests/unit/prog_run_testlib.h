/* prog_run_testlib.h — BPF_PROG_TEST_RUN cases run in the host kernel and here, and their
 * recorded outcomes (tests/fixtures/prog_run_<group>_kernel.txt).
 *
 * A case is a program, a program type and the test-run attributes. The kernel loads the
 * program as written; we rewrite its ctx accesses as the verifier will (ptl_convert), run
 * it in the guarded vm (so the memory the run grants is checked too) and compare: errno,
 * retval, data_size_out, data_out, ctx_size_out, ctx_out. duration is not compared.
 * USERBPF_RECORD_FIXTURES=1 (as root) re-records the kernel's outcomes.
 */
#ifndef USERBPF_TESTS_PROG_RUN_TESTLIB_H
#define USERBPF_TESTS_PROG_RUN_TESTLIB_H

#include "helpers/helpers.h"
#include "progtypes/progtype.h"

#include "progtype_testlib.h"

#define RC_MAX_INSNS 48
#define RC_OUT 4096

struct run_case {
	const char *name;
	uint32_t type, eat, prog_flags;
	struct bpf_insn prog[RC_MAX_INSNS];
	const void *data;
	uint32_t data_len;
	const void *ctx_in;
	uint32_t ctx_size_in;
	uint32_t ctx_size_out;  /* > 0: a ctx_out buffer of this size */
	uint32_t data_size_out; /* the attr's hint; 0: none */
	bool no_data_out;       /* data_out = NULL */
	uint32_t flags, repeat, cpu, batch_size;
	unsigned ctx_regs; /* registers holding ctx (default r1, r6) */
	bool ctx_in_out;   /* syscall: ctx_in is written back; report it as the ctx output */
};

struct run_outcome {
	int err;
	uint32_t retval, data_size_out, ctx_size_out;
	uint8_t data[RC_OUT], ctx[RC_OUT];
	uint32_t data_len, ctx_len; /* bytes worth comparing */
	uint8_t ctx_in[RC_OUT];     /* a copy of ctx_in the run may write (syscall) */
};

static inline size_t rc_len(const struct run_case *c)
{
	size_t n = RC_MAX_INSNS;
	while (n && !c->prog[n - 1].code)
		n--;
	return n;
}

static inline void rc_attr(const struct run_case *c, union bpf_attr *a, struct run_outcome *o)
{
	memset(a, 0, sizeof *a);
	a->test.data_in = (uintptr_t)c->data;
	a->test.data_size_in = c->data_len;
	if (!c->no_data_out)
		a->test.data_out = (uintptr_t)o->data;
	a->test.data_size_out = c->data_size_out;
	a->test.ctx_in = (uintptr_t)c->ctx_in;
	a->test.ctx_size_in = c->ctx_size_in;
	if (c->ctx_in && c->ctx_size_in <= RC_OUT) {
		memcpy(o->ctx_in, c->ctx_in, c->ctx_size_in);
		a->test.ctx_in = (uintptr_t)o->ctx_in;
	}
	if (c->ctx_size_out) {
		a->test.ctx_out = (uintptr_t)o->ctx;
		a->test.ctx_size_out = c->ctx_size_out;
	}
	a->test.flags = c->flags;
	a->test.repeat = c->repeat;
	a->test.cpu = c->cpu;
	a->test.batch_size = c->batch_size;
}

static inline void rc_settle(const struct run_case *c, const union bpf_attr *a,
                             struct run_outcome *o)
{
	o->retval = a->test.retval;
	o->data_size_out = a->test.data_size_out;
	o->ctx_size_out = a->test.ctx_size_out;
	uint32_t cap = c->data_size_out ? c->data_size_out : RC_OUT;
	o->data_len = c->no_data_out ? 0 : (o->data_size_out < cap ? o->data_size_out : cap);
	if (o->err && o->err != -ENOSPC)
		o->data_len = 0;
	o->ctx_len =
	        c->ctx_size_out && (!o->err)
	                ? (o->ctx_size_out < c->ctx_size_out ? o->ctx_size_out : c->ctx_size_out)
	                : 0;
	if (c->ctx_in_out && c->ctx_size_in <= RC_OUT) {
		memcpy(o->ctx, o->ctx_in, c->ctx_size_in);
		o->ctx_len = c->ctx_size_in;
	}
}

static inline int rc_kernel(const struct run_case *c, struct run_outcome *o, char *why, size_t len)
{
	memset(o, 0, sizeof *o);
	int fd = ptl_kernel_load(c->type, c->eat, c->prog_flags, c->prog, rc_len(c), why, len);
	if (fd < 0)
		return fd;
	union bpf_attr a;
	rc_attr(c, &a, o);
	a.test.prog_fd = (uint32_t)fd;
	o->err = ptl_kernel_test_run(&a);
	close(fd);
	rc_settle(c, &a, o);
	return 0;
}

static inline int rc_ours(const struct run_case *c, struct run_outcome *o, char *why, size_t len)
{
	memset(o, 0, sizeof *o);
	struct bpf_insn conv[RC_MAX_INSNS * 8];
	unsigned regs = c->ctx_regs ? c->ctx_regs : (1u << 1 | 1u << 6);
	uint32_t max_ctx = 0;
	size_t n = rc_len(c);
	if (bpf_prog_type_info(c->type)) /* a type we do not know: run it as written */
		n = ptl_convert(c->type, c->eat, c->prog, n, regs, conv, PT_N(conv), &max_ctx);
	else
		memcpy(conv, c->prog, n * sizeof *conv);
	if (!n) {
		snprintf(why, len, "ctx conversion failed");
		return -EINVAL;
	}
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	int err = userbpf_vm_create(conv, n, &opts, &vm, &e);
	if (err) {
		snprintf(why, len, "vm: %s", e.msg);
		return err;
	}
	bpf_prog_type_install_helpers(vm, bpf_prog_type_info(c->type), c->eat);
	struct bpf_run_env env = {0};
	struct bpf_test_prog tp = {.vm = vm,
	                           .prog_type = c->type,
	                           .expected_attach_type = c->eat,
	                           .user = &env,
	                           .max_ctx_offset = max_ctx};
	union bpf_attr a;
	rc_attr(c, &a, o);
	if (!!a.test.ctx_size_in != !!a.test.ctx_in || !!a.test.ctx_size_out != !!a.test.ctx_out)
		o->err = -EINVAL; /* the syscall's check before the type's */
	else
		o->err = bpf_prog_test_run(&tp, &a, &a);
	userbpf_vm_destroy(vm);
	rc_settle(c, &a, o);
	return 0;
}

/* The same case through our bpf(): BPF_PROG_LOAD (our verifier, which rewrites the ctx
 * accesses itself) and BPF_PROG_TEST_RUN. */
static inline int rc_sys(const struct run_case *c, struct run_outcome *o, char *why, size_t len)
{
	static char log[1 << 16];
	memset(o, 0, sizeof *o);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = c->type;
	a.expected_attach_type = c->eat;
	a.prog_flags = c->prog_flags;
	a.insns = (uintptr_t)c->prog;
	a.insn_cnt = (uint32_t)rc_len(c);
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	log[0] = 0;
	long fd = userbpf_sys_bpf(BPF_PROG_LOAD, &a, sizeof a);
	if (fd < 0)
		fd = -errno;
	if (fd < 0) {
		const char *last = "";
		for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
			if (*p && strncmp(p, "processed ", 10))
				last = p;
		snprintf(why, len, "%ld %s", fd, last);
		return (int)fd;
	}
	rc_attr(c, &a, o);
	a.test.prog_fd = (uint32_t)fd;
	o->err = userbpf_sys_bpf(BPF_PROG_TEST_RUN, &a, sizeof a) < 0 ? -errno : 0;
	userbpf_close((int)fd);
	rc_settle(c, &a, o);
	return 0;
}

static inline void rc_hex(FILE *f, const uint8_t *p, uint32_t n)
{
	if (!n)
		fputc('-', f);
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static inline void rc_format(const struct run_outcome *o, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	fprintf(f, "%d %u %u ", o->err, o->retval, o->data_size_out);
	rc_hex(f, o->data, o->data_len);
	fprintf(f, " %u ", o->ctx_size_out);
	rc_hex(f, o->ctx, o->ctx_len);
	fclose(f);
}

/* Record (when asked) and compare every case; returns the number that differ. */
static inline int rc_check_all(const char *fixture, const struct run_case *cases, size_t nr)
{
	static char line[3 * RC_OUT + 256], want[3 * RC_OUT + 256];
	static struct run_outcome o;
	char why[256];
	const char *path = ptl_fixture_path(fixture);
	if (ptl_recording()) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f,
		        "# The host kernel's BPF_PROG_TEST_RUN outcomes: name errno retval "
		        "data_size_out data_out ctx_size_out ctx_out\n# Re-record: "
		        "USERBPF_RECORD_FIXTURES=1 (as root) for the test that owns %s.\n",
		        fixture);
		for (size_t i = 0; i < nr; i++) {
			int err = rc_kernel(&cases[i], &o, why, sizeof why);
			if (err) {
				fprintf(f, "%s LOAD %d %s\n", cases[i].name, err, why);
				continue;
			}
			rc_format(&o, line, sizeof line);
			fprintf(f, "%s %s\n", cases[i].name, line);
		}
		fclose(f);
	}
	char *text = tu_read_file(path, NULL);
	if (!text) {
		print_message("missing fixture %s\n", fixture);
		return -1;
	}
	int bad = 0;
	for (size_t i = 0; i < nr; i++) {
		char key[128];
		snprintf(key, sizeof key, "\n%s ", cases[i].name);
		const char *hit = strstr(text, key);
		if (!hit) {
			print_message("%s: not in the fixture\n", cases[i].name);
			bad++;
			continue;
		}
		hit += strlen(key);
		size_t l = strcspn(hit, "\n");
		snprintf(want, sizeof want, "%.*s", (int)l, hit);
		if (!strncmp(want, "LOAD", 4)) {
			print_message("%s: the kernel refused the program: %s\n", cases[i].name,
			              want);
			bad++;
			continue;
		}
		int err = rc_ours(&cases[i], &o, why, sizeof why);
		if (err) {
			print_message("%s: cannot run here: %s\n", cases[i].name, why);
			bad++;
			continue;
		}
		rc_format(&o, line, sizeof line);
		if (strcmp(line, want)) {
			print_message("%s:\n  kernel %s\n  ours   %s\n", cases[i].name, want, line);
			bad++;
		}
	}
	free(text);
	print_message("%s: %zu cases, %d differ from the kernel\n", fixture, nr, bad);
	return bad;
}

/* End to end through our bpf() (verifier included) against the same fixture: returns the
 * number of cases that differ; refusals by our verifier are counted apart in *refused. */
static inline int rc_check_sys(const char *fixture, const struct run_case *cases, size_t nr,
                               int *refused, const char *const *known, const char *known_why)
{
	static char line[3 * RC_OUT + 256], want[3 * RC_OUT + 256];
	static struct run_outcome o;
	char why[512];
	char *text = tu_read_file(ptl_fixture_path(fixture), NULL);
	if (!text)
		return -1;
	int bad = 0;
	*refused = 0;
	for (size_t i = 0; i < nr; i++) {
		char key[128];
		snprintf(key, sizeof key, "\n%s ", cases[i].name);
		const char *hit = strstr(text, key);
		if (!hit)
			continue;
		hit += strlen(key);
		snprintf(want, sizeof want, "%.*s", (int)strcspn(hit, "\n"), hit);
		if (rc_sys(&cases[i], &o, why, sizeof why)) {
			print_message("%s: our bpf() refused it: %s\n", cases[i].name, why);
			(*refused)++;
			continue;
		}
		rc_format(&o, line, sizeof line);
		if (strcmp(line, want)) {
			bool is_known = false;
			for (const char *const *k = known; k && *k && !is_known; k++)
				is_known = !strcmp(*k, cases[i].name);
			print_message("%s (through bpf())%s%s:\n  kernel %s\n  ours   %s\n",
			              cases[i].name, is_known ? ", known: " : "",
			              is_known ? known_why : "", want, line);
			bad += !is_known;
		}
	}
	free(text);
	print_message("%s through our bpf(): %zu cases, %d refused by our verifier, %d differ "
	              "(known differences excepted)\n",
	              fixture, nr, *refused, bad);
	return bad;
}

#endif /* USERBPF_TESTS_PROG_RUN_TESTLIB_H */
