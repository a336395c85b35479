/* cmd_prog_load.c — "userbpf prog load OBJ PATH" and "prog loadall OBJ DIR", as bpftool:
 * open a clang-built object with the loader (include/userbpf/loader.h), create its maps and
 * load its programs through userbpf_sys_bpf, pin the first program at PATH (load) or every
 * program under DIR (loadall), optionally every map under "pinmaps DIR". When the build has
 * no loader the commands say so. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prog_cmds.h"

#ifdef USERBPF_HAVE_LOADER
#include <userbpf/loader.h>

#include "obj_util.h"

struct map_replace {
	int idx; /* -1 until a name is resolved */
	int fd;
	const char *name;
};

static int map_replace_compar(const void *a, const void *b)
{
	const struct map_replace *x = a, *y = b;
	return x->idx - y->idx;
}

static int load_with_options(int argc, char **argv, bool first_prog_only)
{
	struct userbpf_object_open_opts opts;
	struct map_replace *repl = NULL;
	uint32_t common_type = BPF_PROG_TYPE_UNSPEC, common_attach = 0;
	unsigned int nr_repl = 0;
	const char *pinmaps = NULL;
	struct userbpf_object *obj = NULL;
	bool kwerr = false;
	int err = -1;

	if (!REQ_ARGS(2))
		return -1;
	const char *file = GET_ARG();
	const char *pinfile = GET_ARG();
	while (argc) {
		if (is_prefix(*argv, "type")) {
			NEXT_ARG();
			if (common_type != BPF_PROG_TYPE_UNSPEC) {
				p_err("program type already specified");
				goto out;
			}
			if (!REQ_ARGS(1))
				goto out;
			if (obj_prog_type_by_name(*argv, &common_type, &common_attach))
				goto out;
			NEXT_ARG();
		} else if (is_prefix(*argv, "map")) {
			NEXT_ARG();
			if (!REQ_ARGS(4))
				goto out;
			int idx = -1;
			const char *name = NULL;
			if (is_prefix(*argv, "idx")) {
				uint32_t v;
				NEXT_ARG();
				if (!parse_u32(*argv, &v, "IDX"))
					goto out;
				idx = (int)v;
			} else if (is_prefix(*argv, "name")) {
				NEXT_ARG();
				name = *argv;
			} else {
				p_err("expected 'idx' or 'name', got: '%s'?", *argv);
				goto out;
			}
			NEXT_ARG();
			int fd = map_parse_fd(&argc, &argv);
			if (fd < 0)
				goto out;
			struct map_replace *nr = realloc(repl, sizeof *nr * (nr_repl + 1));
			if (!nr) {
				cli_close(fd);
				p_err("mem alloc failed");
				goto out;
			}
			repl = nr;
			repl[nr_repl++] = (struct map_replace){idx, fd, name};
		} else if (is_prefix(*argv, "dev") || is_prefix(*argv, "offload_dev") ||
		           is_prefix(*argv, "xdpmeta_dev")) {
			/* no devices to offload to: accepted and ignored, as documented */
			NEXT_ARG();
			if (!REQ_ARGS(1))
				goto out;
			NEXT_ARG();
		} else if (is_prefix(*argv, "pinmaps")) {
			NEXT_ARG();
			if (!REQ_ARGS(1))
				goto out;
			pinmaps = GET_ARG();
		} else if (is_prefix(*argv, "autoattach")) {
			/* nothing to attach to in userspace: programs are pinned, as bpftool
			 * falls back to for programs without an attach point */
			NEXT_ARG();
		} else if (obj_open_keyword(&argc, &argv, &kwerr)) {
			if (kwerr)
				goto out;
		} else {
			p_err("expected no more arguments, 'type', 'map' or 'dev', got: '%s'?",
			      *argv);
			goto out;
		}
	}

	memset(&opts, 0, sizeof opts);
	opts.sz = sizeof opts;
	if (verifier_logs)
		opts.kernel_log_level = 1 + 2 + 4; /* as bpftool -d: level 1, 2 and stats */
	obj = obj_open(file, &opts);
	if (!obj)
		goto out;

	struct userbpf_program *prog;
	userbpf_object__for_each_program(prog, obj)
	{
		if (common_type == BPF_PROG_TYPE_UNSPEC)
			continue; /* the loader typed it from its section */
		userbpf_program__set_type(prog, common_type);
		userbpf_program__set_expected_attach_type(prog, common_attach);
	}

	/* map replacement: names resolve to indexes, then indexes are applied in order */
	for (unsigned int j = 0; j < nr_repl; j++) {
		if (!repl[j].name)
			continue;
		int i = 0;
		struct userbpf_map *map;
		userbpf_object__for_each_map(map, obj)
		{
			if (!strcmp(userbpf_map__name(map), repl[j].name)) {
				repl[j].idx = i;
				break;
			}
			i++;
		}
		if (repl[j].idx == -1) {
			p_err("unable to find map '%s'", repl[j].name);
			goto out;
		}
	}
	if (nr_repl)
		qsort(repl, nr_repl, sizeof *repl, map_replace_compar);
	{
		unsigned int j = 0;
		int idx = 0;
		struct userbpf_map *map;
		userbpf_object__for_each_map(map, obj)
		{
			if (j < nr_repl && repl[j].idx == idx) {
				int e = userbpf_map__reuse_fd(map, repl[j++].fd);
				if (e) {
					p_err("unable to set up map reuse: %d", e);
					goto out;
				}
				if (j < nr_repl && repl[j].idx == idx) {
					p_err("replacement for map idx %d specified more than once",
					      idx);
					goto out;
				}
			}
			idx++;
		}
		if (j < nr_repl) {
			p_err("map idx '%d' not used", repl[j].idx);
			goto out;
		}
	}

	if (obj_load(obj)) {
		p_err("failed to load object file");
		goto out;
	}
	if (verifier_logs)
		obj_print_logs(obj, false);

	if (first_prog_only) {
		prog = userbpf_object__next_program(obj, NULL);
		if (!prog) {
			p_err("object file doesn't contain any bpf program");
			goto out;
		}
		if (cli_obj_pin(userbpf_program__fd(prog), pinfile)) {
			p_err("failed to pin program %s: %s", userbpf_program__section_name(prog),
			      strerror(errno));
			goto out;
		}
	} else {
		if (bpffs_mkdir(pinfile))
			goto out;
		int e = userbpf_object__pin_programs(obj, pinfile);
		if (e) {
			p_err("failed to pin all programs: %s (%s)", strerror(-e),
			      userbpf_object__last_error());
			goto out;
		}
	}
	if (pinmaps) {
		int e = bpffs_mkdir(pinmaps) ? -1 : userbpf_object__pin_maps(obj, pinmaps);
		if (e) {
			if (e != -1)
				p_err("failed to pin all maps: %s (%s)", strerror(-e),
				      userbpf_object__last_error());
			if (first_prog_only)
				unlink(pinfile);
			else
				userbpf_object__unpin_programs(obj, pinfile);
			goto out;
		}
	}
	if (json_output)
		jsonw_null(json_wtr);
	err = 0;
out:
	userbpf_object__close(obj);
	for (unsigned int j = 0; j < nr_repl; j++)
		cli_close(repl[j].fd);
	free(repl);
	return err;
}

int do_prog_load(int argc, char **argv)
{
	return load_with_options(argc, argv, true);
}

int do_prog_loadall(int argc, char **argv)
{
	return load_with_options(argc, argv, false);
}

#else /* !USERBPF_HAVE_LOADER */

static int no_loader(void)
{
	p_err("this userbpf was built without the object loader (src/loader)");
	return -1;
}

int do_prog_load(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return no_loader();
}

int do_prog_loadall(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return no_loader();
}

#endif
