/* cmd_run.c — userbpf run: run a program file on an input and print the result.
 *
 * Two ways, both printing bpftool prog run's "Return value: R, duration (average): Dns":
 *  - with "type TYPE": the kernel path, BPF_PROG_LOAD as that program type (checks, and
 *    the verifier) and BPF_PROG_TEST_RUN with the type's context, as bpftool prog run;
 *  - without: the raw convention of the examples and the ISA tests, r1 = the input and
 *    r2 = its length, in the interpreter's guarded mode (every access checked against the
 *    input and the stack), since no kernel program type hands a program its bytes that way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <userbpf/userbpf.h>

#include "cli.h"
#include "cmds.h"
#include "obj_util.h"
#include "prog_cmds.h"

static int run_usage(FILE *out)
{
	fprintf(out,
	        "Usage: userbpf run PROG [type TYPE] [data_in FILE] [mem HEX] [repeat N]\n"
	        "  PROG is assembly text (.s/.asm) or raw 8-byte instructions; the input is\n"
	        "  the bytes of FILE or of HEX. Prints 'Return value: R, duration (average): Dns'\n"
	        "  like bpftool prog run (with --json: {\"retval\": R, \"duration\": D}).\n"
	        "  Without type: r1 = input, r2 = its length, run by the interpreter with every\n"
	        "  memory access checked (the convention of examples/ and the ISA tests).\n"
	        "  type TYPE: BPF_PROG_LOAD as that program type (\"xdp\", \"socket\",\n"
	        "  \"socket_filter\", ...) and BPF_PROG_TEST_RUN with its context, as the kernel\n"
	        "  would; a rejected load prints the verifier log.\n");
	return out == stdout ? 0 : 2;
}

static void print_result(uint32_t retval, uint32_t duration, unsigned long repeat)
{
	if (json_output) { /* bpftool prog run's JSON */
		jsonw_start_object(json_wtr);
		jsonw_uint_field(json_wtr, "retval", retval);
		jsonw_uint_field(json_wtr, "duration", duration);
		jsonw_end_object(json_wtr);
	} else {
		printf("Return value: %u, duration%s: %uns\n", retval,
		       repeat > 1 ? " (average)" : "", duration);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The raw convention: a guarded interpreter run on a private copy of the input. */
static int run_raw(const char *path, const struct bpf_insn *insns, size_t cnt,
                   const unsigned char *data, size_t len, unsigned long repeat)
{
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	int err = userbpf_isa_check(insns, cnt, 0, &e);
	if (!err)
		err = userbpf_vm_create(insns, cnt, &opts, &vm, &e);
	if (err) {
		fprintf(stderr, "userbpf: %s: program rejected (%s)\n%d: %s\n", path,
		        strerror(-err), e.insn, e.msg);
		return -1;
	}
	unsigned char *buf = malloc(len ? len : 1);
	uint64_t r0 = 0, t0 = now_ns();
	if (!buf) {
		userbpf_vm_destroy(vm);
		fprintf(stderr, "userbpf: out of memory\n");
		return -1;
	}
	for (unsigned long i = 0; i < repeat && !err; i++) {
		if (len)
			memcpy(buf, data, len); /* every run sees the input as given */
		err = userbpf_vm_exec(vm, len ? buf : NULL, len, &r0, &e);
	}
	uint64_t per = (now_ns() - t0) / repeat;
	userbpf_vm_destroy(vm);
	free(buf);
	if (err) {
		fprintf(stderr, "userbpf: run failed: %s (insn %d: %s)\n", strerror(-err), e.insn,
		        e.msg);
		return -1;
	}
	print_result((uint32_t)r0, per > UINT32_MAX ? UINT32_MAX : (uint32_t)per, repeat);
	return 0;
}

/* The kernel path: PROG_LOAD as type, then PROG_TEST_RUN (bpftool prog run's output). */
static int run_typed(const char *path, const struct bpf_insn *insns, size_t cnt, uint32_t type,
                     uint32_t attach, const unsigned char *data, size_t len, unsigned long repeat)
{
	static char log[1 << 20];
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = type;
	attr.expected_attach_type = attach;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof log;
	attr.log_level = 1;
	log[0] = 0;
	int fd = (int)userbpf_sys_bpf(BPF_PROG_LOAD, &attr, sizeof attr);
	if (fd < 0) {
		fprintf(stderr, "userbpf: %s: program rejected (%s)\n%s", path, strerror(errno),
		        log);
		return -1;
	}
	struct prog_run_args a;
	memset(&a, 0, sizeof a);
	a.data_in = len ? data : NULL;
	a.data_size_in = (uint32_t)len;
	a.data_size_out = len ? (uint32_t)len : 0;
	a.repeat = (uint32_t)repeat;
	int rc = prog_test_run_print(fd, &a);
	userbpf_close(fd);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	const char *prog = NULL, *data_path = NULL, *mem_hex = NULL, *type_name = NULL;
	unsigned long repeat = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "help"))
			return run_usage(stdout);
		if (!strcmp(argv[i], "data_in") && i + 1 < argc)
			data_path = argv[++i];
		else if (!strcmp(argv[i], "mem") && i + 1 < argc)
			mem_hex = argv[++i];
		else if (!strcmp(argv[i], "repeat") && i + 1 < argc)
			repeat = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "type") && i + 1 < argc)
			type_name = argv[++i];
		else if (!prog)
			prog = argv[i];
		else
			return run_usage(stderr);
	}
	if (!prog || repeat == 0 || repeat > UINT32_MAX || (data_path && mem_hex))
		return run_usage(stderr);
	uint32_t type = 0, attach = 0;
	if (type_name && obj_prog_type_by_name(type_name, &type, &attach))
		return 2;

	struct bpf_insn *insns;
	size_t cnt, len = 0;
	unsigned char *data = NULL;
	if (progfile_read(prog, &insns, &cnt))
		return 1;
	if ((data_path && progfile_read_bytes(data_path, &data, &len)) ||
	    (mem_hex && progfile_unhex("mem", mem_hex, &data, &len))) {
		free(insns);
		return 1;
	}
	int rc = type_name ? run_typed(prog, insns, cnt, type, attach, data, len, repeat)
	                   : run_raw(prog, insns, cnt, data, len, repeat);
	free(insns);
	free(data);
	return rc ? 1 : 0;
}
