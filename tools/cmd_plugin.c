/* cmd_plugin.c — `userbpf plugin`: the bpf_conformance plugin protocol.
 *
 * The conformance runner starts the plugin once per test: the program arrives on stdin as
 * hex bytes, the input memory (if any) as a hex argument. The plugin runs the program in
 * unverified mode (r1 = memory, r2 = its length) and prints r0 in hex, or fails with a
 * message on stderr and exit status 1.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/userbpf.h>

#include "cmds.h"

static void plugin_usage(FILE *f)
{
	fprintf(f,
	        "usage: userbpf plugin [MEM_HEX] [--jit]\n"
	        "  Reads a program as hex bytes on stdin, runs it unverified with r1 = MEM,\n"
	        "  r2 = its length, and prints r0 in hex (the bpf_conformance plugin protocol).\n");
}

static char *plugin_read_stdin(void)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap + 1);
	while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, (cap *= 2) + 1);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	if (buf)
		buf[n] = 0;
	return buf;
}

/* The suite calls helper 5 (call_unwind_fail.data): it must exist and do nothing. */
static uint64_t plugin_helper_nop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                  struct userbpf_run_ctx *rc)
{
	return 0;
}

int cmd_plugin(int argc, char **argv)
{
	const char *mem_hex = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			plugin_usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--jit")) {
			fprintf(stderr, "userbpf: JIT not available yet\n");
			return 1;
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "userbpf plugin: unknown option %s\n", argv[i]);
			plugin_usage(stderr);
			return 1;
		}
		if (mem_hex) {
			fprintf(stderr, "userbpf plugin: more than one memory argument\n");
			return 1;
		}
		mem_hex = argv[i];
	}

	uint8_t *mem = NULL, *code = NULL;
	size_t mem_len = 0, code_len = 0;
	char *text = plugin_read_stdin();
	int status = 1;
	struct userbpf_vm *vm = NULL;
	struct userbpf_error e = {0};

	if (!text) {
		fprintf(stderr, "userbpf plugin: cannot read the program from stdin\n");
		goto out;
	}
	if (mem_hex && progfile_unhex("memory", mem_hex, &mem, &mem_len))
		goto out;
	if (progfile_unhex("program", text, &code, &code_len))
		goto out;
	if (code_len == 0 || code_len % sizeof(struct bpf_insn)) {
		fprintf(stderr,
		        "userbpf plugin: program is %zu bytes, not a whole number of "
		        "8-byte instructions\n",
		        code_len);
		goto out;
	}

	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	size_t cnt = code_len / sizeof(struct bpf_insn);
	struct bpf_insn *insns = malloc(code_len);
	if (!insns) {
		fprintf(stderr, "userbpf plugin: out of memory\n");
		goto out;
	}
	memcpy(insns, code, code_len); /* the byte stream is the little-endian encoding */
	int err = userbpf_vm_create(insns, cnt, &opts, &vm, &e);
	free(insns);
	if (err) {
		fprintf(stderr, "userbpf plugin: insn %d: %s\n", e.insn, e.msg);
		goto out;
	}
	userbpf_vm_set_helper(vm, 5, plugin_helper_nop);

	uint64_t r0;
	err = userbpf_vm_exec(vm, mem_len ? mem : NULL, mem_len, &r0, &e);
	if (err) {
		fprintf(stderr, "userbpf plugin: insn %d: %s\n", e.insn, e.msg);
		goto out;
	}
	printf("%" PRIx64 "\n", r0);
	status = 0;
out:
	userbpf_vm_destroy(vm);
	free(code);
	free(mem);
	free(text);
	return status;
}
