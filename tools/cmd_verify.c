/* cmd_verify.c — "userbpf verify OBJ [prog NAME] [type TYPE] [log_level N]": will each
 * program of an object pass the verifier, and if not, why.
 *
 * Each program is loaded on its own (a fresh open of the object with only that program
 * autoloaded, pinning disabled so nothing is left behind), so one rejection does not hide
 * the verdicts of the others. Prints the verdict and the verifier log (always for a
 * rejected program; for accepted ones with log_level >= 1). Exit status: 0 when every
 * program is accepted, 1 when any is rejected, 255 when the object cannot be read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "obj_util.h"

#ifdef USERBPF_HAVE_LOADER

static int verify_run(int argc, char **argv);

struct verdict {
	char *name, *section, *log, *error;
	uint32_t type;
	int err; /* 0: accepted, else the errno of the load */
	uint32_t insns, verified_insns;
};

static void verdict_free(struct verdict *v)
{
	free(v->name);
	free(v->section);
	free(v->log);
	free(v->error);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

/* Load only the program named name from a fresh open of path. */
static int verify_one(const char *path, const char *name, uint32_t log_level, bool have_type,
                      uint32_t type, uint32_t attach, struct verdict *v)
{
	struct userbpf_object_open_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.sz = sizeof opts;
	opts.kernel_log_level = log_level;
	struct userbpf_object *obj = obj_open(path, &opts);
	if (!obj)
		return -1;
	struct userbpf_program *prog, *me = NULL;
	userbpf_object__for_each_program(prog, obj)
	{
		bool mine = !strcmp(userbpf_program__name(prog), name);
		userbpf_program__set_autoload(prog, mine);
		if (mine)
			me = prog;
	}
	struct userbpf_map *map;
	userbpf_object__for_each_map(map, obj) userbpf_map__set_pin_path(map, NULL);
	if (!me) {
		userbpf_object__close(obj);
		p_err("program %s disappeared from %s", name, path);
		return -1;
	}
	if (have_type) {
		userbpf_program__set_type(me, type);
		userbpf_program__set_expected_attach_type(me, attach);
	}
	if (log_level)
		userbpf_program__set_log_level(me, log_level);
	int err = userbpf_object__load(obj);
	v->name = dup_or_empty(name);
	v->section = dup_or_empty(userbpf_program__section_name(me));
	v->type = userbpf_program__type(me);
	v->log = dup_or_empty(userbpf_program__log(me));
	v->err = err < 0 ? -err : 0;
	v->insns = (uint32_t)userbpf_program__insn_cnt(me);
	if (err)
		v->error = dup_or_empty(userbpf_object__last_error());
	int fd = userbpf_program__fd(me);
	if (!err && fd >= 0) {
		struct bpf_prog_info info;
		memset(&info, 0, sizeof info);
		if (!cli_prog_get_info(fd, &info)) {
			v->verified_insns = info.verified_insns;
			v->insns = info.xlated_prog_len / 8;
		}
	}
	userbpf_object__close(obj);
	return 0;
}

static void print_verdict_plain(const struct verdict *v, bool with_log)
{
	const char *t = prog_type_str(v->type);
	if (!v->err) {
		printf("%s: accepted  (section %s, type %s, %u insns", v->name, v->section,
		       t ? t : "?", v->insns);
		if (v->verified_insns)
			printf(", %u processed", v->verified_insns);
		printf(")\n");
	} else {
		printf("%s: REJECTED  (section %s, type %s): %s\n", v->name, v->section,
		       t ? t : "?", strerror(v->err));
		if (!*v->log && v->error && *v->error)
			printf("%s\n", v->error); /* not the verifier: the loader says why */
	}
	if (*v->log && (with_log || v->err)) {
		size_t n = strlen(v->log);
		printf("%s%s\n", v->log, v->log[n - 1] == '\n' ? "" : "\n");
	}
}

static void print_verdict_json(const struct verdict *v)
{
	const char *t = prog_type_str(v->type);
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "name", v->name);
	jsonw_string_field(json_wtr, "section", v->section);
	if (t)
		jsonw_string_field(json_wtr, "type", t);
	else
		jsonw_uint_field(json_wtr, "type", v->type);
	jsonw_bool_field(json_wtr, "accepted", !v->err);
	jsonw_uint_field(json_wtr, "insns", v->insns);
	if (!v->err) {
		jsonw_uint_field(json_wtr, "verified_insns", v->verified_insns);
	} else {
		jsonw_int_field(json_wtr, "errno", v->err);
		jsonw_string_field(json_wtr, "error", strerror(v->err));
		if (v->error && *v->error)
			jsonw_string_field(json_wtr, "message", v->error);
	}
	jsonw_string_field(json_wtr, "log", v->log);
	jsonw_end_object(json_wtr);
}

static int verify_run(int argc, char **argv)
{
	const char *only = NULL;
	uint32_t log_level = 0, type = 0, attach = 0;
	bool have_type = false;
	const char *path = GET_ARG();
	while (argc) {
		const char *kw = *argv;
		NEXT_ARG();
		if (!REQ_ARGS(1))
			return -1;
		if (is_prefix(kw, "prog") || is_prefix(kw, "name")) {
			only = GET_ARG();
		} else if (is_prefix(kw, "log_level")) {
			if (!parse_u32(GET_ARG(), &log_level, "log level"))
				return -1;
		} else if (is_prefix(kw, "type")) {
			if (obj_prog_type_by_name(GET_ARG(), &type, &attach))
				return -1;
			have_type = true;
		} else if (is_prefix(kw, "target_btf")) {
			obj_target_btf = GET_ARG();
		} else if (is_prefix(kw, "kconfig")) {
			obj_kconfig_path = GET_ARG();
		} else {
			p_err("expected 'prog', 'type' or 'log_level', got: '%s'?", kw);
			return -1;
		}
	}

	/* the list of programs, from one open */
	struct userbpf_object_open_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.sz = sizeof opts;
	struct userbpf_object *obj = obj_open(path, &opts);
	if (!obj)
		return -1;
	size_t n = 0;
	char **names = NULL;
	struct userbpf_program *prog;
	userbpf_object__for_each_program(prog, obj)
	{
		const char *name = userbpf_program__name(prog);
		if (only && strcmp(only, name))
			continue;
		char **nn = realloc(names, sizeof *nn * (n + 1));
		if (!nn || !(nn[n] = strdup(name))) {
			free(nn ? nn : names);
			userbpf_object__close(obj);
			p_err("mem alloc failed");
			return -1;
		}
		names = nn;
		n++;
	}
	userbpf_object__close(obj);
	int err = 0;
	if (!n) {
		if (only)
			p_err("no program named '%s' in %s", only, path);
		else
			p_err("%s contains no programs", path);
		err = -1;
	}

	unsigned int accepted = 0, rejected = 0;
	if (!err && json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "object", path);
		jsonw_name(json_wtr, "programs");
		jsonw_start_array(json_wtr);
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct verdict v;
		memset(&v, 0, sizeof v);
		if (verify_one(path, names[i], log_level, have_type, type, attach, &v)) {
			err = -1;
		} else {
			v.err ? rejected++ : accepted++;
			if (json_output)
				print_verdict_json(&v);
			else
				print_verdict_plain(&v, log_level > 0);
		}
		verdict_free(&v);
	}
	if (n && json_output && jsonw_depth(json_wtr)) {
		jsonw_end_array(json_wtr);
		jsonw_uint_field(json_wtr, "accepted", accepted);
		jsonw_uint_field(json_wtr, "rejected", rejected);
		jsonw_end_object(json_wtr);
	} else if (!err) {
		printf("%u program%s: %u accepted, %u rejected\n", accepted + rejected,
		       accepted + rejected == 1 ? "" : "s", accepted, rejected);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (err)
		return -1;
	return rejected ? 1 : 0;
}

#endif

static int verify_help(void)
{
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	fprintf(help_stream(),
	        "Usage: %1$s verify OBJ [prog NAME] [type TYPE] [log_level N]\n"
	        "                         [target_btf FILE] [kconfig FILE]\n"
	        "       %1$s verify help\n"
	        "\n"
	        "       Load each program of the object file OBJ on its own and print the\n"
	        "       verdict: accepted, or REJECTED with the errno and the verifier log.\n"
	        "       prog NAME      only the program (C function) NAME\n"
	        "       type TYPE      program type for every program (section name or type name)\n"
	        "       log_level N    verifier log level (1: instructions, 2: states); the log\n"
	        "                      of a rejected program is always printed\n"
	        "       Exit status: 0 all accepted, 1 some rejected, 255 error.\n"
	        "       OPTIONS := { {-j|--json} [{-p|--pretty}] }\n",
	        bin_name);
	return 0;
}

int do_verify(int argc, char **argv)
{
	if (help_requested || (argc >= 1 && !strcmp(*argv, "help"))) {
		help_requested = true; /* asked for: stdout */
		return verify_help();
	}
	if (argc < 1) {
		verify_help();
		return -1;
	}
#ifdef USERBPF_HAVE_LOADER
	return verify_run(argc, argv);
#else
	p_err("this userbpf was built without the object loader (src/loader)");
	return -1;
#endif
}
