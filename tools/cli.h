/* cli.h — what the bpftool-shaped command groups share: output mode, errors, argument
 * walking, finding objects by id / pinned path / name / tag, and thin bpf() wrappers.
 *
 * Conventions are bpftool's: a command returns 0 or -1 (exit status 255); errors go through
 * p_err ("Error: ..." on stderr, or {"error": "..."} in the JSON document); usage errors
 * print the group's help on stderr and exit 255. Every object operation goes through
 * userbpf_sys_bpf, never the kernel.
 */
#ifndef USERBPF_TOOLS_CLI_H
#define USERBPF_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <userbpf/bpf_uapi.h>

#include "json.h"

/* --- output mode (set from the global options in userbpf.c) --- */
extern const char *bin_name;
extern json_writer_t *json_wtr;
extern bool json_output;
extern bool pretty_output;
extern bool verifier_logs; /* -d / --debug: print the verifier log of loads */
extern bool show_pinned;   /* -f / --bpffs: list pinned paths in show */

/* --- commands --- */
struct cmd {
	const char *cmd;
	int (*func)(int argc, char **argv);
};
/* Run the command argv[0] names (exact name, else the first prefix match, as bpftool);
 * with no argument the first entry runs. Unknown: the help on stderr and -1. */
int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int argc, char **argv));
/* The help of the group being run, on stderr; exit 255. */
void usage(void) __attribute__((noreturn));
/* Where help text goes: stdout when asked for (--help, help), stderr on a usage error. */
FILE *help_stream(void);
extern bool help_requested;

bool is_prefix(const char *pfx, const char *str);
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Argument walking: argc/argv are the command's own locals. */
#define NEXT_ARG() (argc--, argv++)
#define NEXT_ARGP() ((*argc)--, (*argv)++)
#define GET_ARG() (argc--, *argv++)
#define REQ_ARGS(n) req_args(argc, argv, (n))
#define BAD_ARG() (p_err("what is '%s'?", *argv), -1)
/* bpftool's check: "'CMD' needs at least N arguments, M found" when fewer than n remain. */
bool req_args(int argc, char **argv, int n);
/* A u32 from a decimal/0x/0 number; false with "can't parse S as WHAT" otherwise. */
bool parse_u32(const char *s, uint32_t *out, const char *what);

/* --- printing bytes --- */
/* bpftool's hex dump: bytes separated by sep, two spaces after 8, a new line after 16. */
void fprint_hex(FILE *f, const void *data, unsigned int n, const char *sep);
/* ["0x01","0x02"] and [1,2] into json_wtr. */
void print_hex_data_json(const uint8_t *data, size_t len);
void print_data_json(const uint8_t *data, size_t len);

/* --- names (libbpf's spellings) --- */
const char *prog_type_str(uint32_t type); /* NULL when unknown */
const char *map_type_str(uint32_t type);
const char *attach_type_str(uint32_t type);
const char *helper_str(uint32_t id);   /* "map_lookup_elem"; NULL when unknown */
int prog_type_from_str(const char *s); /* -1 when unknown */
int map_type_from_str(const char *s);
uint32_t prog_type_count(void);
uint32_t map_type_count(void);
uint32_t helper_count(void);

/* --- objects --- */
enum cli_obj_type { CLI_OBJ_UNKNOWN, CLI_OBJ_PROG, CLI_OBJ_MAP, CLI_OBJ_BTF, CLI_OBJ_LINK };
const char *obj_type_name(enum cli_obj_type t);
/* What an fd is, from OBJ_GET_INFO_BY_FD's answer. */
enum cli_obj_type get_fd_type(int fd);
/* OBJ_GET; quiet: no message. -1 on error. */
int open_obj_pinned(const char *path, bool quiet);
/* OBJ_GET and check the type ("incorrect object type: map"). */
int open_obj_pinned_any(const char *path, enum cli_obj_type want);
/* PROG := { id ID | pinned FILE | tag TAG | name NAME }: a malloc'd array of fds in *fds,
 * their count returned (>= 1), or -1 after p_err. Consumes the words. */
int prog_parse_fds(int *argc, char ***argv, int **fds);
/* Exactly one program; -1 (with a message) if none or several. */
int prog_parse_fd(int *argc, char ***argv);
/* MAP := { id ID | pinned FILE | name NAME } */
int map_parse_fds(int *argc, char ***argv, int **fds);
int map_parse_fd(int *argc, char ***argv);
/* map_parse_fd and its info. */
int map_parse_fd_and_info(int *argc, char ***argv, struct bpf_map_info *info);
/* OBJ_PIN with bpftool's message "can't pin the object (PATH): ..." */
int do_pin_fd(int fd, const char *path);
/* "OBJ pin OBJECT FILE": get_fd parses OBJECT, then FILE. */
int do_pin_any(int argc, char **argv, int (*get_fd)(int *, char ***));
/* The memory an object's file holds (bpftool's memlock): allocated bytes, or -1. */
long long obj_memlock(int fd);
/* The bpffs root directory ($USERBPF_BPFFS, else /dev/shm/userbpf-UID). */
void bpffs_root(char *buf, size_t len);
/* mkdir -p of a pin directory: /sys/fs/bpf/... is made under the root. 0 or -1 (p_err). */
int bpffs_mkdir(const char *dir);
/* Pinned paths of objects under the bpffs root: a list of (id, path) for a type. */
struct pinned_list {
	uint32_t *ids;
	char **paths;
	size_t n;
};
void pinned_list_build(struct pinned_list *l, enum cli_obj_type type);
void pinned_list_free(struct pinned_list *l);
/* Number of CPUs per-CPU values are laid out for (the library's own count). */
unsigned int get_possible_cpus(void);
/* "Jan 02/15:04"-style load time as bpftool: ISO 8601 in plain text, epoch seconds in JSON. */
void print_boot_time(uint64_t nsecs, char *buf, unsigned int size);

/* --- bpf() through userbpf_sys_bpf: 0 / fd or -1 with errno, as libbpf's wrappers --- */
int cli_obj_get(const char *path);
int cli_obj_pin(int fd, const char *path);
int cli_get_next_id(int cmd, uint32_t id, uint32_t *next);
int cli_get_fd_by_id(int cmd, uint32_t id);

/* What `show` needs to know about an object kind (maps, programs). */
struct cli_show_kind {
	const char *name, *long_name; /* "prog", "program": as bpftool's messages */
	int next_id_cmd, fd_by_id_cmd;
	int (*parse_fds)(int *argc, char ***argv, int **fds);
	int (*show_one)(int fd);
};
int cli_show_objects(const struct cli_show_kind *k, int argc, char **argv);
int cli_obj_get_info(int fd, void *info, uint32_t *len);
int cli_prog_get_info(int fd, struct bpf_prog_info *info); /* sizeof info */
int cli_map_get_info(int fd, struct bpf_map_info *info);
int cli_map_lookup(int fd, const void *key, void *value);
int cli_map_update(int fd, const void *key, const void *value, uint64_t flags);
int cli_map_delete(int fd, const void *key);
int cli_map_get_next_key(int fd, const void *key, void *next);
int cli_map_lookup_and_delete(int fd, const void *key, void *value);
int cli_map_freeze(int fd);
void cli_close(int fd);

/* --- command groups --- */
int do_prog(int argc, char **argv);
int do_map(int argc, char **argv);
int do_verify(int argc, char **argv);
int do_feature(int argc, char **argv);

#endif
