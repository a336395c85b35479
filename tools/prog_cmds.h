/* prog_cmds.h — the parts of "userbpf prog" in their own files: run (cmd_prog_run.c),
 * load/loadall (cmd_prog_load.c), and the header lines shared with verify. */
#ifndef USERBPF_TOOLS_PROG_CMDS_H
#define USERBPF_TOOLS_PROG_CMDS_H

#include "cli.h"

int do_prog_run(int argc, char **argv);
int do_prog_load(int argc, char **argv);
int do_prog_loadall(int argc, char **argv);

/* "ID: TYPE  name NAME  tag TAG  gpl" and its JSON fields. */
void print_prog_header_plain(const struct bpf_prog_info *info);
void print_prog_header_json(const struct bpf_prog_info *info);

/* PROG_TEST_RUN of fd with bpftool's output; data/ctx optional. Shared with "userbpf run". */
struct prog_run_args {
	const void *data_in, *ctx_in;
	uint32_t data_size_in, ctx_size_in;
	uint32_t data_size_out, ctx_size_out;     /* 0: bpftool's default when there is input */
	const char *data_out_path, *ctx_out_path; /* "-": hex dump on stdout */
	uint32_t repeat;
};
int prog_test_run_print(int fd, const struct prog_run_args *a);

#endif
