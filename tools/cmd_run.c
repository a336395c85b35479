/* cmd_run.c — userbpf run: load a program, check it, run it on input, print the result. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <userbpf/userbpf.h>

#include "cmds.h"

static int run_usage(FILE *out)
{
	fprintf(out,
	        "Usage: userbpf run PROG [data_in FILE] [mem HEX] [repeat N]\n"
	        "  PROG is assembly text (.s/.asm) or raw 8-byte instructions.\n"
	        "  The program gets r1 = input, r2 = input length (the bpf_conformance "
	        "convention),\n"
	        "  and prints 'Return value: R, duration (average): Dns' like bpftool prog run.\n"
	        "  Until the verifier lands, programs pass the ISA checks and run with runtime\n"
	        "  memory guards (every access checked against the input and the stack).\n");
	return out == stdout ? 0 : 2;
}

static int parse_hex(const char *hex, unsigned char **out, size_t *len)
{
	size_t n = strlen(hex);
	if (n % 2)
		return -1;
	unsigned char *b = malloc(n / 2 + 1);
	for (size_t i = 0; b && i < n / 2; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
			free(b);
			return -1;
		}
		b[i] = (unsigned char)v;
	}
	*out = b;
	*len = n / 2;
	return b ? 0 : -1;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Run repeat times on a fresh copy of the input each time, as the kernel's test run does. */
static int run_repeat(struct userbpf_vm *vm, const unsigned char *data, size_t len,
                      unsigned long repeat, uint64_t *r0, double *avg_ns)
{
	unsigned char *mem = malloc(len ? len : 1);
	struct userbpf_error e;
	double total = 0;
	int err = 0;
	for (unsigned long i = 0; i < repeat && !err; i++) {
		memcpy(mem, data, len);
		double t0 = now_ns();
		err = userbpf_vm_exec(vm, len ? mem : NULL, len, r0, &e);
		total += now_ns() - t0;
	}
	free(mem);
	if (err) {
		fprintf(stderr, "userbpf: run failed at insn %d: %s (%s)\n", e.insn, e.msg,
		        strerror(-err));
		return -1;
	}
	*avg_ns = total / (double)repeat;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	const char *prog = NULL, *data_path = NULL, *mem_hex = NULL;
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
		else if (!prog)
			prog = argv[i];
		else
			return run_usage(stderr);
	}
	if (!prog || repeat == 0 || (data_path && mem_hex))
		return run_usage(stderr);

	struct bpf_insn *insns;
	size_t cnt, len = 0;
	unsigned char *data = NULL;
	if (progfile_read(prog, &insns, &cnt))
		return 1;
	if ((data_path && progfile_read_bytes(data_path, &data, &len)) ||
	    (mem_hex && parse_hex(mem_hex, &data, &len))) {
		if (mem_hex)
			fprintf(stderr, "userbpf: mem: not an even-length hex string\n");
		free(insns);
		return 1;
	}

	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	int err = userbpf_vm_create(insns, cnt, &opts, &vm, &e);
	free(insns);
	if (err) {
		fprintf(stderr, "userbpf: %s: insn %d: %s\n", prog, e.insn, e.msg);
		free(data);
		return 1;
	}
	uint64_t r0 = 0;
	double avg = 0;
	int rc = run_repeat(vm, data, len, repeat, &r0, &avg);
	if (!rc)
		printf("Return value: %llu, duration%s: %.0fns\n", (unsigned long long)r0,
		       repeat > 1 ? " (average)" : "", avg);
	userbpf_vm_destroy(vm);
	free(data);
	return rc ? 1 : 0;
}
