/* userbpf — the command line, shaped like bpftool: "userbpf [OPTIONS] OBJECT COMMAND ...".
 *
 * A table of objects (prog, map, verify, feature, and the tools disasm, asm, run,
 * plugin). Global options may appear anywhere, as with bpftool's getopt: -j/--json,
 * -p/--pretty, -d/--debug (verifier logs), -f/--bpffs (show pinned paths), -h/--help,
 * -V/--version. Exit status: 0 on success, 255 (bpftool's -1) on an error or a usage
 * error; "verify" exits 1 when a program is rejected; the tools keep their own codes
 * (1 on error, 2 for usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"

struct top_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);   /* bpftool style: argv after the name */
	int (*tool)(int argc, char **argv); /* main style: argv[0] is the name */
	const char *summary;
};

static int do_help(int argc, char **argv);
static int do_version(int argc, char **argv);

static const struct top_cmd cmds[] = {
        {"prog", do_prog, NULL, "load, show, dump, run and pin programs"},
        {"map", do_map, NULL, "create, show, dump, look up, update and pin maps"},
        {"verify", do_verify, NULL, "will each program of an object load? the verdict and the log"},
        {"feature", do_feature, NULL, "program types, map types and helpers supported"},
        {"disasm", NULL, cmd_disasm, "disassemble an object file or raw instructions"},
        {"asm", NULL, cmd_asm, "assemble text into raw instructions"},
        {"run", NULL, cmd_run, "load a program file and run it once (PROG_LOAD + TEST_RUN)"},
        {"plugin", NULL, cmd_plugin, "the bpf_conformance plugin protocol"},
        {"version", do_version, NULL, "print the version"},
        {"help", do_help, NULL, "this text"},
};
#define NR_CMDS (sizeof cmds / sizeof cmds[0])

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	FILE *f = help_stream();
	fprintf(f,
	        "Usage: %1$s [OPTIONS] OBJECT { COMMAND | help }\n"
	        "       %1$s version\n"
	        "\n"
	        "       OBJECT := { prog | map | verify | feature | disasm | asm | run | plugin }\n"
	        "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} |\n"
	        "                    {-h|--help} | {-V|--version} }\n"
	        "\n",
	        bin_name);
	for (size_t i = 0; i < NR_CMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
	        "\n%s OBJECT help (or --help) describes an object's commands; see userbpf(1).\n"
	        "Objects live in the userbpf bpffs root ($USERBPF_BPFFS, default\n"
	        "/dev/shm/userbpf-UID); pin paths under /sys/fs/bpf/ name that root.\n",
	        bin_name);
	return 0;
}

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", USERBPF_VERSION);
		jsonw_name(json_wtr, "features");
		jsonw_start_object(json_wtr);
		jsonw_bool_field(json_wtr, "jit", false);
		jsonw_bool_field(json_wtr, "skeletons", false);
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
	} else {
		printf("%s v%s\n", bin_name, USERBPF_VERSION);
	}
	return 0;
}

/* One global option word: true when it is one (flags set). */
static bool global_opt(const char *a, bool *version)
{
	if (!strcmp(a, "-j") || !strcmp(a, "--json"))
		json_output = true;
	else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
		json_output = pretty_output = true;
	else if (!strcmp(a, "-d") || !strcmp(a, "--debug"))
		verifier_logs = true;
	else if (!strcmp(a, "-f") || !strcmp(a, "--bpffs"))
		show_pinned = true;
	else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
		help_requested = true;
	else if (!strcmp(a, "-V") || !strcmp(a, "--version"))
		*version = true;
	else
		return false;
	return true;
}

/* Remove the global options from argv (anywhere, like bpftool's permuting getopt). Before
 * the object word an unknown dash word is an error; after it, it belongs to the command.
 * Returns the new argc, or -1 after a message. */
static int strip_options(int argc, char **argv, bool *version)
{
	int out = 1;
	bool in_cmd = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (global_opt(a, version))
			continue;
		if (!in_cmd && a[0] == '-' && a[1]) {
			fprintf(stderr, "Error: unrecognized option '%s'\n", a);
			return -1;
		}
		in_cmd = true;
		argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}

static const struct top_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NR_CMDS; i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	for (size_t i = 0; i < NR_CMDS; i++)
		if (is_prefix(name, cmds[i].name))
			return &cmds[i];
	return NULL;
}

static bool start_json(void)
{
	if (!json_output)
		return true;
	json_wtr = jsonw_new(stdout);
	if (!json_wtr) {
		fprintf(stderr, "Error: failed to create JSON writer\n");
		return false;
	}
	jsonw_pretty(json_wtr, pretty_output);
	return true;
}

/* asm, run, plugin parse their own words: only options before the name are global, and
 * --help goes back to the tool. */
static int run_tool(const struct top_cmd *c, int k, int argc, char **argv)
{
	bool version = false;
	for (int i = 1; i < k; i++)
		if (!global_opt(argv[i], &version)) {
			fprintf(stderr, "Error: unrecognized option '%s'\n", argv[i]);
			return 255;
		}
	if (json_output && c->tool != cmd_run) {
		fprintf(stderr, "Error: '%s' has no JSON output\n", c->name);
		return 255;
	}
	if (help_requested) {
		char *hargv[] = {argv[k], "--help", NULL};
		return c->tool(2, hargv);
	}
	if (!start_json())
		return 255;
	int rc = c->tool(argc - k, argv + k);
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	return rc;
}

int main(int argc, char **argv)
{
	bool version = false;
	setlinebuf(stdout);
	int k = 1;
	while (k < argc && argv[k][0] == '-' && argv[k][1])
		k++;
	const struct top_cmd *c = k < argc ? find_cmd(argv[k]) : NULL;
	if (c && c->tool && c->tool != cmd_disasm)
		return run_tool(c, k, argc, argv);

	argc = strip_options(argc, argv, &version);
	if (argc < 0 || !start_json())
		return 255;
	int rc;
	if (version) {
		rc = do_version(0, NULL);
	} else if (argc < 2) {
		help_requested = help_requested || !json_output;
		rc = do_help(0, NULL);
	} else if (!(c = find_cmd(argv[1]))) {
		p_err("unknown object '%s'", argv[1]);
		if (!json_output)
			do_help(0, NULL);
		rc = -1;
	} else if (c->tool) { /* disasm: global options stripped, --json understood */
		if (help_requested) {
			char *hargv[] = {argv[1], "--help", NULL};
			rc = c->tool(2, hargv);
		} else {
			rc = c->tool(argc - 1, argv + 1);
		}
	} else {
		if (c->fn == do_help)
			help_requested = true;
		rc = c->fn(argc - 2, argv + 2);
	}
	if (json_wtr)
		jsonw_destroy(&json_wtr);
	return rc < 0 ? 255 : rc;
}
