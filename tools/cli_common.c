/* cli_common.c — shared machinery of the bpftool-shaped commands: dispatch, errors,
 * argument helpers, hex printing, and finding objects (id / pinned / name / tag). */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/cpu.h"

#include "cli.h"

const char *bin_name = "userbpf";
json_writer_t *json_wtr;
bool json_output;
bool pretty_output;
bool verifier_logs;
bool show_pinned;
bool help_requested;

static int last_argc;
static char **last_argv;
static int (*last_do_help)(int argc, char **argv);

FILE *help_stream(void)
{
	return help_requested ? stdout : stderr;
}

void usage(void)
{
	if (json_output) {
		/* bpftool prints its help's null; an error object says more and still parses */
		if (!jsonw_depth(json_wtr)) /* usage errors come before any output */
			p_err("invalid arguments (see '%s ... help')", bin_name);
		jsonw_destroy(&json_wtr);
	} else if (last_do_help) {
		last_do_help(last_argc - 1, last_argv + 1);
	}
	exit(255);
}

bool is_prefix(const char *pfx, const char *str)
{
	if (!pfx || !*pfx)
		return false;
	size_t n = strlen(pfx);
	return strlen(str) >= n && !memcmp(str, pfx, n);
}

int cmd_select(const struct cmd *cmds, int argc, char **argv, int (*help)(int argc, char **argv))
{
	last_argc = argc;
	last_argv = argv;
	last_do_help = help;
	if (help_requested)
		return help(argc - 1, argv + 1);
	if (argc < 1)
		return cmds[0].func(argc, argv);
	const struct cmd *c = NULL;
	for (size_t i = 0; cmds[i].cmd && !c; i++)
		if (!strcmp(*argv, cmds[i].cmd))
			c = &cmds[i];
	for (size_t i = 0; cmds[i].cmd && !c; i++)
		if (is_prefix(*argv, cmds[i].cmd))
			c = &cmds[i];
	if (c) {
		if (c->func == help)
			help_requested = true; /* asked for: stdout */
		return c->func(argc - 1, argv + 1);
	}
	p_err("unknown command '%s'", *argv);
	if (!json_output)
		help(argc - 1, argv + 1);
	return -1;
}

void p_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "error");
		jsonw_vprintf_enquote(json_wtr, fmt, ap);
		jsonw_end_object(json_wtr);
	} else {
		fprintf(stderr, "Error: ");
		vfprintf(stderr, fmt, ap);
		fprintf(stderr, "\n");
	}
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	if (json_output)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

bool req_args(int argc, char **argv, int n)
{
	if (argc >= n)
		return true;
	p_err("'%s' needs at least %d arguments, %d found", argv[-1], n, argc);
	return false;
}

bool parse_u32(const char *s, uint32_t *out, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-') {
		p_err("can't parse %s as %s", s, what);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

void fprint_hex(FILE *f, const void *data, unsigned int n, const char *sep)
{
	const unsigned char *d = data;
	for (unsigned int i = 0; i < n; i++) {
		const char *pfx = "";
		if (!i)
			; /* nothing before the first byte */
		else if (!(i % 16))
			fprintf(f, "\n");
		else if (!(i % 8))
			fprintf(f, "  ");
		else
			pfx = sep;
		fprintf(f, "%s%02x", pfx, d[i]);
	}
}

void print_hex_data_json(const uint8_t *data, size_t len)
{
	jsonw_start_array(json_wtr);
	for (size_t i = 0; i < len; i++)
		jsonw_printf(json_wtr, "\"0x%02x\"", data[i]);
	jsonw_end_array(json_wtr);
}

void print_data_json(const uint8_t *data, size_t len)
{
	jsonw_start_array(json_wtr);
	for (size_t i = 0; i < len; i++)
		jsonw_printf(json_wtr, "%d", data[i]);
	jsonw_end_array(json_wtr);
}

const char *obj_type_name(enum cli_obj_type t)
{
	static const char *const names[] = {"unknown", "prog", "map", "btf", "link"};
	return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : names[0];
}

enum cli_obj_type get_fd_type(int fd)
{
	/* the answer's length says which info struct the object has */
	union {
		struct bpf_prog_info prog;
		struct bpf_map_info map;
		struct bpf_btf_info btf;
	} info;
	memset(&info, 0, sizeof info);
	uint32_t len = sizeof info;
	if (cli_obj_get_info(fd, &info, &len))
		return errno == EINVAL ? CLI_OBJ_LINK : CLI_OBJ_UNKNOWN;
	if (len == sizeof(struct bpf_prog_info))
		return CLI_OBJ_PROG;
	if (len == sizeof(struct bpf_map_info))
		return CLI_OBJ_MAP;
	if (len == sizeof(struct bpf_btf_info))
		return CLI_OBJ_BTF;
	return CLI_OBJ_UNKNOWN;
}

int open_obj_pinned(const char *path, bool quiet)
{
	int fd = cli_obj_get(path);
	if (fd < 0 && !quiet)
		p_err("bpf obj get (%s): %s", path,
		      errno == EACCES ? "directory not in bpf file system (bpffs)"
		                      : strerror(errno));
	return fd;
}

int open_obj_pinned_any(const char *path, enum cli_obj_type want)
{
	int fd = open_obj_pinned(path, false);
	if (fd < 0)
		return -1;
	enum cli_obj_type t = get_fd_type(fd);
	if (t != want) {
		p_err("incorrect object type: %s", obj_type_name(t));
		cli_close(fd);
		return -1;
	}
	return fd;
}

/* Append fd to *fds (count n); -1 on allocation failure (fd closed). */
static int fds_push(int **fds, int n, int fd)
{
	int *nf = realloc(*fds, sizeof(int) * (size_t)(n + 1));
	if (!nf) {
		p_err("mem alloc failed");
		cli_close(fd);
		return -1;
	}
	nf[n] = fd;
	*fds = nf;
	return n + 1;
}

static void fds_close(int *fds, int n)
{
	while (n-- > 0)
		cli_close(fds[n]);
}

/* Every object of a kind whose name (or, for programs, tag) matches. */
static int fds_by_nametag(int next_cmd, int fd_cmd, const char *name, const uint8_t *tag, int **fds)
{
	uint32_t id = 0;
	int n = 0;
	for (;;) {
		if (cli_get_next_id(next_cmd, id, &id)) {
			if (errno == ENOENT)
				return n;
			p_err("%s", strerror(errno));
			break;
		}
		int fd = cli_get_fd_by_id(fd_cmd, id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* gone meanwhile */
			p_err("can't get object by id (%u): %s", id, strerror(errno));
			break;
		}
		bool match;
		if (next_cmd == BPF_PROG_GET_NEXT_ID) {
			struct bpf_prog_info info;
			memset(&info, 0, sizeof info);
			if (cli_prog_get_info(fd, &info)) {
				p_err("can't get prog info (%u): %s", id, strerror(errno));
				cli_close(fd);
				break;
			}
			match = tag ? !memcmp(tag, info.tag, BPF_TAG_SIZE)
			            : !strncmp(name, info.name, BPF_OBJ_NAME_LEN);
		} else {
			struct bpf_map_info info;
			if (cli_map_get_info(fd, &info)) {
				p_err("can't get map info (%u): %s", id, strerror(errno));
				cli_close(fd);
				break;
			}
			match = !strncmp(name, info.name, BPF_OBJ_NAME_LEN);
		}
		if (!match) {
			cli_close(fd);
			continue;
		}
		if ((n = fds_push(fds, n, fd)) < 0)
			return -1;
	}
	fds_close(*fds, n);
	return -1;
}

/* What tells the program and map handles apart: bpftool's prog_parse_fds and
 * map_parse_fds differ only in these. */
struct handle_kind {
	const char *noun;     /* "program", "map" */
	const char *expected; /* the keywords, for "expected ..." */
	const char *id_err;   /* "get by id", "get map by id" */
	int next_id_cmd, fd_by_id_cmd;
	size_t name_max; /* longest name accepted */
	bool has_tag;
	enum cli_obj_type pinned_type;
};

static const struct handle_kind prog_handle = {"program",
                                               "'id', 'tag', 'name' or 'pinned'",
                                               "get by id",
                                               BPF_PROG_GET_NEXT_ID,
                                               BPF_PROG_GET_FD_BY_ID,
                                               127,
                                               true,
                                               CLI_OBJ_PROG};
static const struct handle_kind map_handle = {"map",
                                              "'id', 'name' or 'pinned'",
                                              "get map by id",
                                              BPF_MAP_GET_NEXT_ID,
                                              BPF_MAP_GET_FD_BY_ID,
                                              BPF_OBJ_NAME_LEN - 1,
                                              false,
                                              CLI_OBJ_MAP};

static bool parse_tag(const char *val, uint8_t tag[BPF_TAG_SIZE])
{
	unsigned t[BPF_TAG_SIZE];
	char extra;
	if (sscanf(val, "%02x%02x%02x%02x%02x%02x%02x%02x%c", &t[0], &t[1], &t[2], &t[3], &t[4],
	           &t[5], &t[6], &t[7], &extra) != BPF_TAG_SIZE)
		return false;
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		tag[i] = (uint8_t)t[i];
	return true;
}

/* HANDLE words → every fd they name (a name or tag may match several); the count or -1. */
static int handle_parse_fds(const struct handle_kind *k, int *argc, char ***argv, int **fds)
{
	if (*argc < 1) {
		p_err("expected %s", k->expected);
		return -1;
	}
	const char *kw = **argv;
	if (*argc < 2) {
		p_err("'%s' needs an argument", kw);
		return -1;
	}
	const char *val = (*argv)[1];
	if (is_prefix(kw, "id")) {
		uint32_t id;
		if (!parse_u32(val, &id, "ID"))
			return -1;
		NEXT_ARGP();
		NEXT_ARGP();
		int fd = cli_get_fd_by_id(k->fd_by_id_cmd, id);
		if (fd < 0) {
			p_err("%s (%u): %s", k->id_err, id, strerror(errno));
			return -1;
		}
		return fds_push(fds, 0, fd);
	}
	bool by_tag = k->has_tag && is_prefix(kw, "tag");
	if (by_tag || is_prefix(kw, "name")) {
		uint8_t tag[BPF_TAG_SIZE];
		if (by_tag ? !parse_tag(val, tag) : strlen(val) > k->name_max) {
			p_err(by_tag ? "can't parse tag" : "can't parse name");
			return -1;
		}
		NEXT_ARGP();
		NEXT_ARGP();
		int n = fds_by_nametag(k->next_id_cmd, k->fd_by_id_cmd, by_tag ? NULL : val,
		                       by_tag ? tag : NULL, fds);
		if (n == 0)
			p_err("no %s with %s %s", k->noun, by_tag ? "tag" : "name", val);
		return n > 0 ? n : -1;
	}
	if (is_prefix(kw, "pinned")) {
		NEXT_ARGP();
		NEXT_ARGP();
		int fd = open_obj_pinned_any(val, k->pinned_type);
		if (fd < 0)
			return -1;
		return fds_push(fds, 0, fd);
	}
	p_err("expected %s, got: '%s'?", k->expected, kw);
	return -1;
}

/* HANDLE words → the one fd they name; several matches are an error. */
static int handle_parse_fd(const struct handle_kind *k, int *argc, char ***argv)
{
	int *fds = NULL;
	int n = handle_parse_fds(k, argc, argv, &fds);
	int fd = -1;
	if (n == 1) {
		fd = fds[0];
	} else if (n > 1) {
		p_err("several %ss match this handle", k->noun);
		fds_close(fds, n);
	}
	free(fds);
	return fd;
}

int prog_parse_fds(int *argc, char ***argv, int **fds)
{
	return handle_parse_fds(&prog_handle, argc, argv, fds);
}

int prog_parse_fd(int *argc, char ***argv)
{
	return handle_parse_fd(&prog_handle, argc, argv);
}

int map_parse_fds(int *argc, char ***argv, int **fds)
{
	return handle_parse_fds(&map_handle, argc, argv, fds);
}

int map_parse_fd(int *argc, char ***argv)
{
	return handle_parse_fd(&map_handle, argc, argv);
}

int map_parse_fd_and_info(int *argc, char ***argv, struct bpf_map_info *info)
{
	int fd = map_parse_fd(argc, argv);
	if (fd < 0)
		return -1;
	if (cli_map_get_info(fd, info)) {
		p_err("can't get map info: %s", strerror(errno));
		cli_close(fd);
		return -1;
	}
	return fd;
}

int do_pin_fd(int fd, const char *path)
{
	int err = cli_obj_pin(fd, path);
	if (err)
		p_err("can't pin the object (%s): %s", path, strerror(errno));
	return err ? -1 : 0;
}

int do_pin_any(int argc, char **argv, int (*get_fd)(int *, char ***))
{
	if (!REQ_ARGS(3))
		return -1;
	int fd = get_fd(&argc, &argv);
	if (fd < 0)
		return -1;
	if (argc != 1) {
		cli_close(fd);
		return argc ? BAD_ARG() : (p_err("expected a FILE to pin to"), -1);
	}
	int err = do_pin_fd(fd, *argv);
	cli_close(fd);
	return err;
}

long long obj_memlock(int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	return (long long)st.st_blocks * 512;
}

unsigned int get_possible_cpus(void)
{
	return (unsigned int)ub_num_possible_cpus();
}

void print_boot_time(uint64_t nsecs, char *buf, unsigned int size)
{
	struct timespec real, boot;
	struct tm tm;
	buf[--size] = 0;
	if (clock_gettime(CLOCK_REALTIME, &real) || clock_gettime(CLOCK_BOOTTIME, &boot)) {
		snprintf(buf, size, "%llu", (unsigned long long)(nsecs / 1000000000));
		return;
	}
	time_t secs =
	        (real.tv_sec - boot.tv_sec) +
	        (time_t)(((int64_t)real.tv_nsec - boot.tv_nsec + (int64_t)nsecs) / 1000000000);
	if (!localtime_r(&secs, &tm)) {
		snprintf(buf, size, "%llu", (unsigned long long)(nsecs / 1000000000));
		return;
	}
	strftime(buf, size, json_output ? "%s" : "%FT%T%z", &tm);
}

/* --- pinned paths: a walk of the bpffs root --- */
static struct pinned_list *walk_list;
static enum cli_obj_type walk_type;
static size_t walk_root_len;

static int walk_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	const char *base = path + ftw->base;
	if (ftw->level == 1 && base[0] == '.' && flag == FTW_D)
		return FTW_SKIP_SUBTREE; /* the object layer's .registry, .refs, .ids */
	if (flag != FTW_F)
		return FTW_CONTINUE;
	int fd = open_obj_pinned(path, true);
	if (fd < 0)
		return FTW_CONTINUE;
	uint32_t id = 0;
	bool ok = get_fd_type(fd) == walk_type;
	if (ok) {
		union {
			struct bpf_prog_info prog;
			struct bpf_map_info map;
		} info;
		memset(&info, 0, sizeof info);
		if (walk_type == CLI_OBJ_PROG)
			ok = !cli_prog_get_info(fd, &info.prog), id = info.prog.id;
		else
			ok = !cli_map_get_info(fd, &info.map), id = info.map.id;
	}
	cli_close(fd);
	if (!ok)
		return FTW_CONTINUE;
	struct pinned_list *l = walk_list;
	char shown[PATH_MAX + 16];
	/* shown as the kernel path it stands for: <root>/x is /sys/fs/bpf/x */
	snprintf(shown, sizeof shown, "/sys/fs/bpf%s", path + walk_root_len);
	uint32_t *ids = realloc(l->ids, sizeof *ids * (l->n + 1));
	if (ids)
		l->ids = ids;
	char **paths = realloc(l->paths, sizeof *paths * (l->n + 1));
	if (paths)
		l->paths = paths;
	char *dup = strdup(shown);
	if (!ids || !paths || !dup) {
		free(dup);
		return FTW_STOP;
	}
	l->ids[l->n] = id;
	l->paths[l->n++] = dup;
	return FTW_CONTINUE;
}

void bpffs_root(char *buf, size_t len)
{
	const char *env = getenv("USERBPF_BPFFS");
	if (env && *env)
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "/dev/shm/userbpf-%u", (unsigned)getuid());
}

int bpffs_mkdir(const char *dir)
{
	static const char sysfs[] = "/sys/fs/bpf";
	char root[PATH_MAX], path[PATH_MAX * 2];
	bpffs_root(root, sizeof root);
	size_t sl = strlen(sysfs);
	if (!strncmp(dir, sysfs, sl) && (dir[sl] == '/' || !dir[sl]))
		snprintf(path, sizeof path, "%s%s", root, dir + sl);
	else if (!strncmp(dir, root, strlen(root)) && (dir[strlen(root)] == '/'))
		snprintf(path, sizeof path, "%s", dir);
	else
		return 0; /* not in the bpffs: the pin itself will say so */
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		p_err("can't create bpffs root %s: %s", root, strerror(errno));
		return -1;
	}
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;
		*p = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			p_err("can't create directory %s: %s", path, strerror(errno));
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

void pinned_list_build(struct pinned_list *l, enum cli_obj_type type)
{
	memset(l, 0, sizeof *l);
	char root[PATH_MAX];
	bpffs_root(root, sizeof root);
	char real[PATH_MAX];
	if (!realpath(root, real))
		return;
	walk_list = l;
	walk_type = type;
	walk_root_len = strlen(real);
	nftw(real, walk_cb, 16, FTW_PHYS | FTW_ACTIONRETVAL);
}

void pinned_list_free(struct pinned_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->ids);
	memset(l, 0, sizeof *l);
}

/* `prog show` / `map show`, as bpftool: the objects named (several for a name or tag), or every
 * object by id; in JSON an array unless exactly one object was named. */
int cli_show_objects(const struct cli_show_kind *k, int argc, char **argv)
{
	int err = 0;
	if (argc == 2) {
		int *fds = NULL;
		int n = k->parse_fds(&argc, &argv, &fds);
		if (n < 1) {
			err = -1;
		} else {
			if (json_output && n > 1)
				jsonw_start_array(json_wtr);
			for (int i = 0; i < n; i++) {
				if (!err)
					err = k->show_one(fds[i]);
				cli_close(fds[i]);
			}
			if (json_output && n > 1)
				jsonw_end_array(json_wtr);
		}
		free(fds);
		return err;
	}
	if (argc)
		return BAD_ARG();
	uint32_t id = 0;
	if (json_output)
		jsonw_start_array(json_wtr);
	for (;;) {
		if (cli_get_next_id(k->next_id_cmd, id, &id)) {
			if (errno != ENOENT) {
				p_err("can't get next %s: %s", k->long_name, strerror(errno));
				err = -1;
			}
			break;
		}
		int fd = cli_get_fd_by_id(k->fd_by_id_cmd, id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* freed meanwhile */
			p_err("can't get %s by id (%u): %s", k->name, id, strerror(errno));
			err = -1;
			break;
		}
		err = k->show_one(fd);
		cli_close(fd);
		if (err)
			break;
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	return err;
}
