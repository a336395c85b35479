/* cmd_feature.c — "userbpf feature": what this userbpf supports, as bpftool feature prints
 * what a kernel supports: program types, map types, and the helpers each program type may
 * call ("probe"), and the names userbpf knows ("list_builtins").
 *
 * Nothing is probed by loading: the answers come from the library's own tables — the
 * program-type layer (bpf_prog_type_info, get_func_proto), the map-type table
 * (bpf_map_ops_get) and the helper table — which are what a load consults. */
#include <string.h>

#include "helpers/helpers.h"
#include "maps/map.h"
#ifdef USERBPF_HAVE_PROGTYPES
#include "progtypes/progtype.h"
#endif

#include "cli.h"

static const void *prog_type_supported(uint32_t type)
{
#ifdef USERBPF_HAVE_PROGTYPES
	return bpf_prog_type_info(type);
#else
	(void)type;
	return NULL;
#endif
}

/* May a program of this type call helper id? (attach type: the type's default) */
static bool prog_type_helper(uint32_t type, uint32_t id)
{
#ifdef USERBPF_HAVE_PROGTYPES
	const struct bpf_prog_type_info *t = bpf_prog_type_info(type);
	uint32_t attach = 0;
	if (!t || !t->get_func_proto)
		return false;
	bpf_prog_type_check_attach(type, &attach);
	return t->get_func_proto(id, attach) != NULL;
#else
	(void)type;
	return bpf_helper_proto(id) != NULL;
#endif
}

static void section_start(const char *json_name, const char *title)
{
	if (json_output) {
		jsonw_name(json_wtr, json_name);
		jsonw_start_object(json_wtr);
	} else {
		printf("%s\n", title);
	}
}

static void section_end(void)
{
	if (json_output)
		jsonw_end_object(json_wtr);
	else
		printf("\n");
}

static void probe_prog_types(void)
{
	section_start("program_types", "Scanning eBPF program types...");
	for (uint32_t t = 1; t < prog_type_count(); t++) {
		const char *name = prog_type_str(t);
		bool ok = prog_type_supported(t) != NULL;
		if (json_output) {
			char field[80];
			snprintf(field, sizeof field, "have_%s_prog_type", name);
			jsonw_bool_field(json_wtr, field, ok);
		} else {
			printf("eBPF program_type %s is %savailable\n", name, ok ? "" : "NOT ");
		}
	}
	section_end();
}

static void probe_map_types(void)
{
	section_start("map_types", "Scanning eBPF map types...");
	for (uint32_t t = 1; t < map_type_count(); t++) {
		const char *name = map_type_str(t);
		bool ok = bpf_map_ops_get(t) != NULL;
		if (json_output) {
			char field[80];
			snprintf(field, sizeof field, "have_%s_map_type", name);
			jsonw_bool_field(json_wtr, field, ok);
		} else {
			printf("eBPF map_type %s is %savailable\n", name, ok ? "" : "NOT ");
		}
	}
	section_end();
}

static void probe_helpers(void)
{
	section_start("helpers", "Scanning eBPF helper functions...");
	for (uint32_t t = 1; t < prog_type_count(); t++) {
		if (!prog_type_supported(t))
			continue;
		const char *name = prog_type_str(t);
		if (json_output) {
			char field[80];
			snprintf(field, sizeof field, "%s_available_helpers", name);
			jsonw_name(json_wtr, field);
			jsonw_start_array(json_wtr);
		} else {
			printf("eBPF helpers supported for program type %s:", name);
		}
		for (uint32_t id = 1; id < helper_count(); id++) {
			if (!prog_type_helper(t, id))
				continue;
			char h[80];
			snprintf(h, sizeof h, "bpf_%s", helper_str(id));
			if (json_output)
				jsonw_string(json_wtr, h);
			else
				printf("\n\t- %s", h);
		}
		if (json_output)
			jsonw_end_array(json_wtr);
		else
			printf("\n");
	}
	section_end();
}

static int do_probe(int argc, char **argv)
{
	/* bpftool's targets and switches: one target (ourselves), everything is "full" */
	while (argc) {
		if (is_prefix(*argv, "kernel") || is_prefix(*argv, "full") ||
		    is_prefix(*argv, "unprivileged")) {
			NEXT_ARG();
		} else {
			p_err("expected no more arguments, 'kernel', 'full' or 'unprivileged', "
			      "got: "
			      "'%s'?",
			      *argv);
			return -1;
		}
	}
	if (json_output)
		jsonw_start_object(json_wtr);
	probe_prog_types();
	probe_map_types();
	probe_helpers();
	if (json_output)
		jsonw_end_object(json_wtr);
	return 0;
}

static int do_list_builtins(int argc, char **argv)
{
	const char *(*name)(uint32_t) = NULL;
	uint32_t first = 0, count = 0;
	if (argc != 1)
		usage();
	if (is_prefix(*argv, "prog_types")) {
		name = prog_type_str;
		count = prog_type_count();
	} else if (is_prefix(*argv, "map_types")) {
		name = map_type_str;
		count = map_type_count();
	} else if (is_prefix(*argv, "attach_types")) {
		name = attach_type_str;
		count = __MAX_BPF_ATTACH_TYPE;
	} else if (is_prefix(*argv, "helpers")) {
		name = helper_str;
		first = 1;
		count = helper_count();
	} else {
		p_err("expected 'prog_types', 'map_types', 'attach_types' or 'helpers', got: %s",
		      *argv);
		return -1;
	}
	if (json_output)
		jsonw_start_array(json_wtr);
	for (uint32_t i = first; i < count; i++) {
		const char *s = name(i);
		if (!s)
			continue;
		char buf[80];
		snprintf(buf, sizeof buf, "%s%s", name == helper_str ? "bpf_" : "", s);
		if (json_output)
			jsonw_string(json_wtr, buf);
		else
			printf("%s\n", buf);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	return 0;
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	fprintf(help_stream(),
	        "Usage: %1$s feature probe [kernel] [full]\n"
	        "       %1$s feature list_builtins GROUP\n"
	        "       %1$s feature help\n"
	        "\n"
	        "       GROUP := { prog_types | map_types | attach_types | helpers }\n"
	        "       OPTIONS := { {-j|--json} [{-p|--pretty}] }\n"
	        "\n"
	        "       probe: the program types and map types this userbpf supports, and\n"
	        "       the helpers each program type may call. list_builtins: every name\n"
	        "       userbpf knows (the kernel's), supported or not.\n",
	        bin_name);
	return 0;
}

static const struct cmd cmds[] = {
        {"probe", do_probe},
        {"list_builtins", do_list_builtins},
        {"help", do_help},
        {NULL, NULL},
};

int do_feature(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
