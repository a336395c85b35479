/* userbpf — the command line: a table of commands, shaped like bpftool. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static const struct cmd cmds[] = {
        {"run", cmd_run,
         "run PROG [data_in FILE] [mem HEX] [repeat N]   assemble/load, check, run"},
        {"asm", cmd_asm, "asm FILE [-o OUT]                  assemble text into raw instructions"},
        {"disasm", cmd_disasm, "disasm FILE [--kernel] [--no-index]  disassemble raw instructions"},
        {"plugin", cmd_plugin,
         "plugin [MEM_HEX] [--jit]           bpf_conformance plugin protocol"},
};

static int usage(FILE *out)
{
	fprintf(out, "Usage: userbpf COMMAND [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(out, "  %s\n", cmds[i].usage);
	fprintf(out, "\nuserbpf COMMAND --help for details. userbpf version prints the version.\n");
	return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("userbpf %s\n", USERBPF_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "userbpf: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
