/* cmd_prog.c — "userbpf prog": show, dump, pin, run and the command table, as bpftool prog.
 * Loading objects (load, loadall) is in cmd_prog_load.c, present when the loader is. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <userbpf/asm.h>
#include <userbpf/sys.h>

#include "btf_dumper.h"
#include "cli.h"
#include "cmds.h"
#include "prog_cmds.h"
#include "xlated_dumper.h"

static struct pinned_list prog_pins;

static void show_prog_maps(int fd, uint32_t num)
{
	uint32_t *ids = calloc(num, sizeof *ids);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	info.nr_map_ids = num;
	info.map_ids = (uint64_t)(uintptr_t)ids;
	if (!ids || cli_prog_get_info(fd, &info) || !info.nr_map_ids) {
		free(ids);
		return;
	}
	uint32_t n = info.nr_map_ids < num ? info.nr_map_ids : num;
	if (json_output) {
		jsonw_name(json_wtr, "map_ids");
		jsonw_start_array(json_wtr);
		for (uint32_t i = 0; i < n; i++)
			jsonw_uint(json_wtr, ids[i]);
		jsonw_end_array(json_wtr);
	} else {
		printf("  map_ids ");
		for (uint32_t i = 0; i < n; i++)
			printf("%u%s", ids[i], i == n - 1 ? "" : ",");
	}
	free(ids);
}

void print_prog_header_json(const struct bpf_prog_info *info)
{
	const char *t = prog_type_str(info->type);
	jsonw_uint_field(json_wtr, "id", info->id);
	if (t)
		jsonw_string_field(json_wtr, "type", t);
	else
		jsonw_uint_field(json_wtr, "type", info->type);
	if (*info->name)
		jsonw_string_field(json_wtr, "name", info->name);
	jsonw_name(json_wtr, "tag");
	jsonw_printf(json_wtr, "\"%02x%02x%02x%02x%02x%02x%02x%02x\"", info->tag[0], info->tag[1],
	             info->tag[2], info->tag[3], info->tag[4], info->tag[5], info->tag[6],
	             info->tag[7]);
	jsonw_bool_field(json_wtr, "gpl_compatible", info->gpl_compatible);
	if (info->run_time_ns) {
		jsonw_uint_field(json_wtr, "run_time_ns", info->run_time_ns);
		jsonw_uint_field(json_wtr, "run_cnt", info->run_cnt);
	}
	if (info->recursion_misses)
		jsonw_uint_field(json_wtr, "recursion_misses", info->recursion_misses);
}

void print_prog_header_plain(const struct bpf_prog_info *info)
{
	const char *t = prog_type_str(info->type);
	printf("%u: ", info->id);
	if (t)
		printf("%s  ", t);
	else
		printf("type %u  ", info->type);
	if (*info->name)
		printf("name %s  ", info->name);
	printf("tag ");
	fprint_hex(stdout, info->tag, BPF_TAG_SIZE, "");
	printf("%s", info->gpl_compatible ? "  gpl" : "");
	if (info->run_time_ns)
		printf(" run_time_ns %llu run_cnt %llu", (unsigned long long)info->run_time_ns,
		       (unsigned long long)info->run_cnt);
	if (info->recursion_misses)
		printf(" recursion_misses %llu", (unsigned long long)info->recursion_misses);
	printf("\n");
}

static void print_prog_json(const struct bpf_prog_info *info, int fd)
{
	long long memlock = obj_memlock(fd);
	jsonw_start_object(json_wtr);
	print_prog_header_json(info);
	if (info->load_time) {
		char buf[32];
		print_boot_time(info->load_time, buf, sizeof buf);
		jsonw_name(json_wtr, "loaded_at");
		jsonw_printf(json_wtr, "%s", buf);
		jsonw_uint_field(json_wtr, "uid", info->created_by_uid);
	}
	jsonw_bool_field(json_wtr, "orphaned", false);
	jsonw_uint_field(json_wtr, "bytes_xlated", info->xlated_prog_len);
	jsonw_bool_field(json_wtr, "jited", info->jited_prog_len != 0);
	if (info->jited_prog_len)
		jsonw_uint_field(json_wtr, "bytes_jited", info->jited_prog_len);
	if (memlock >= 0)
		jsonw_int_field(json_wtr, "bytes_memlock", memlock);
	if (info->nr_map_ids)
		show_prog_maps(fd, info->nr_map_ids);
	if (info->btf_id)
		jsonw_int_field(json_wtr, "btf_id", info->btf_id);
	if (show_pinned) {
		jsonw_name(json_wtr, "pinned");
		jsonw_start_array(json_wtr);
		for (size_t i = 0; i < prog_pins.n; i++)
			if (prog_pins.ids[i] == info->id)
				jsonw_string(json_wtr, prog_pins.paths[i]);
		jsonw_end_array(json_wtr);
	}
	jsonw_end_object(json_wtr);
}

static void print_prog_plain(const struct bpf_prog_info *info, int fd)
{
	long long memlock = obj_memlock(fd);
	print_prog_header_plain(info);
	if (info->load_time) {
		char buf[32];
		print_boot_time(info->load_time, buf, sizeof buf);
		printf("\tloaded_at %s  uid %u\n", buf, info->created_by_uid);
	}
	printf("\txlated %uB", info->xlated_prog_len);
	if (info->jited_prog_len)
		printf("  jited %uB", info->jited_prog_len);
	else
		printf("  not jited");
	if (memlock >= 0)
		printf("  memlock %lldB", memlock);
	if (info->nr_map_ids)
		show_prog_maps(fd, info->nr_map_ids);
	if (show_pinned)
		for (size_t i = 0; i < prog_pins.n; i++)
			if (prog_pins.ids[i] == info->id)
				printf("\n\tpinned %s", prog_pins.paths[i]);
	if (info->btf_id)
		printf("\n\tbtf_id %u", info->btf_id);
	printf("\n");
}

static int show_prog(int fd)
{
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	if (cli_prog_get_info(fd, &info)) {
		p_err("can't get prog info: %s", strerror(errno));
		return -1;
	}
	if (json_output)
		print_prog_json(&info, fd);
	else
		print_prog_plain(&info, fd);
	return 0;
}

static int do_show(int argc, char **argv)
{
	static const struct cli_show_kind kind = {
	        "prog",         "program", BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID,
	        prog_parse_fds, show_prog};
	if (show_pinned)
		pinned_list_build(&prog_pins, CLI_OBJ_PROG);
	int err = cli_show_objects(&kind, argc, argv);
	pinned_list_free(&prog_pins);
	return err;
}

/* The program's xlated instructions, func_info, line_info and BTF, in one go. */
struct prog_dump_info {
	struct bpf_prog_info info;
	struct bpf_insn *insns;
	struct bpf_func_info *func_info;
	struct bpf_line_info *line_info;
	struct cbtf *btf;
};

static void prog_dump_info_free(struct prog_dump_info *p)
{
	free(p->insns);
	free(p->func_info);
	free(p->line_info);
	cbtf_free(p->btf);
}

static int prog_dump_info_get(int fd, struct prog_dump_info *p)
{
	struct bpf_prog_info first;
	memset(p, 0, sizeof *p);
	memset(&first, 0, sizeof first);
	if (cli_prog_get_info(fd, &first)) {
		p_err("can't get prog info: %s", strerror(errno));
		return -1;
	}
	struct bpf_prog_info *in = &p->info;
	in->xlated_prog_len = first.xlated_prog_len;
	p->insns = malloc(first.xlated_prog_len ? first.xlated_prog_len : 1);
	/* record sizes are ours: the kernel's struct layouts */
	if (first.nr_func_info && first.func_info_rec_size == sizeof(struct bpf_func_info)) {
		in->nr_func_info = first.nr_func_info;
		in->func_info_rec_size = sizeof(struct bpf_func_info);
		p->func_info = calloc(first.nr_func_info, sizeof *p->func_info);
	}
	if (first.nr_line_info && first.line_info_rec_size == sizeof(struct bpf_line_info)) {
		in->nr_line_info = first.nr_line_info;
		in->line_info_rec_size = sizeof(struct bpf_line_info);
		p->line_info = calloc(first.nr_line_info, sizeof *p->line_info);
	}
	if (!p->insns || (in->nr_func_info && !p->func_info) ||
	    (in->nr_line_info && !p->line_info)) {
		p_err("mem alloc failed");
		return -1;
	}
	in->xlated_prog_insns = (uint64_t)(uintptr_t)p->insns;
	in->func_info = (uint64_t)(uintptr_t)p->func_info;
	in->line_info = (uint64_t)(uintptr_t)p->line_info;
	uint32_t want = in->xlated_prog_len, nf = in->nr_func_info, nl = in->nr_line_info;
	if (cli_prog_get_info(fd, in)) {
		p_err("can't get prog info: %s", strerror(errno));
		return -1;
	}
	if (in->xlated_prog_len > want) {
		p_err("too many instructions returned");
		return -1;
	}
	/* counts may only have shrunk; never read past what we allocated */
	in->nr_func_info = in->nr_func_info < nf ? in->nr_func_info : nf;
	in->nr_line_info = in->nr_line_info < nl ? in->nr_line_info : nl;
	return 0;
}

/* As bpftool's prog_dump: the program's BTF whenever it names one (a BTF that cannot be
 * had fails the dump: "failed to get btf"); line info only when it is usable. */
static int prog_dump_btf(struct prog_dump_info *p)
{
	struct bpf_prog_info *in = &p->info;
	if (!in->btf_id)
		return 0;
	p->btf = cbtf_load_by_id(in->btf_id);
	if (!p->btf) {
		p_err("failed to get btf");
		return -1;
	}
	if (in->nr_line_info && !p->line_info) /* records of a size we cannot read */
		p_info("error in processing bpf_line_info.  continue without it.");
	return 0;
}

static int prog_dump(int fd, bool jited, const char *filepath, bool opcodes, bool linum)
{
	struct prog_dump_info p;
	int err = prog_dump_info_get(fd, &p);
	if (err)
		goto out;
	err = -1;
	if (jited) {
		/* The interpreter runs every program: the info has no jited image, and bpftool
		 * says so for a kernel that returns none (an info line, nothing in JSON, exit
		 * 255). */
		p_info("no instructions returned");
		goto out;
	}
	if (!p.info.xlated_prog_len) {
		p_err("error retrieving insn dump: kernel.kptr_restrict set?");
		goto out;
	}
	if (prog_dump_btf(&p))
		goto out;
	if (filepath) {
		int ofd = open(filepath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (ofd < 0) {
			p_err("can't open file %s: %s", filepath, strerror(errno));
			goto out;
		}
		ssize_t n = write(ofd, p.insns, p.info.xlated_prog_len);
		int werr = errno;
		close(ofd);
		if (n != (ssize_t)p.info.xlated_prog_len) {
			p_err("error writing output file: %s",
			      n < 0 ? strerror(werr) : "short write");
			goto out;
		}
		if (json_output)
			jsonw_null(json_wtr);
		err = 0;
		goto out;
	}
	struct dump_data dd = {
	        .btf = p.btf,
	        .func_info = p.btf ? p.func_info : NULL,
	        .nr_func_info = p.btf ? p.info.nr_func_info : 0,
	        .line_info = p.btf ? p.line_info : NULL,
	        .nr_line_info = p.btf ? p.info.nr_line_info : 0,
	        .disasm_flags = USERBPF_DISASM_KERNEL,
	        .map_ids = true,
	};
	size_t cnt = p.info.xlated_prog_len / sizeof(struct bpf_insn);
	if (json_output)
		dump_xlated_json(&dd, p.insns, cnt, opcodes, linum);
	else
		dump_xlated_plain(&dd, p.insns, cnt, opcodes, linum);
	err = 0;
out:
	prog_dump_info_free(&p);
	return err;
}

static int do_dump(int argc, char **argv)
{
	bool jited, opcodes = false, linum = false;
	const char *filepath = NULL;
	int *fds = NULL, err = -1, n, i;
	if (argc < 1)
		usage();
	if (is_prefix(*argv, "jited")) {
		jited = true;
	} else if (is_prefix(*argv, "xlated")) {
		jited = false;
	} else {
		p_err("expected 'xlated' or 'jited', got: %s", *argv);
		return -1;
	}
	NEXT_ARG();
	if (argc < 2)
		usage();
	n = prog_parse_fds(&argc, &argv, &fds);
	if (n < 1)
		goto out_free;
	while (argc) {
		if (is_prefix(*argv, "file")) {
			NEXT_ARG();
			if (!argc) {
				p_err("expected file path");
				goto out;
			}
			if (n > 1) {
				p_err("several programs matched");
				goto out;
			}
			filepath = GET_ARG();
		} else if (is_prefix(*argv, "opcodes")) {
			opcodes = true;
			NEXT_ARG();
		} else if (is_prefix(*argv, "linum")) {
			linum = true;
			NEXT_ARG();
		} else if (is_prefix(*argv, "visual")) {
			p_err("'visual' (the control flow graph) is not supported");
			goto out;
		} else {
			usage(); /* as bpftool */
		}
	}
	if (filepath && (opcodes || linum)) {
		p_err("'file' is not compatible with 'opcodes', 'visual', or 'linum'");
		goto out;
	}
	if (json_output && n > 1)
		jsonw_start_array(json_wtr);
	for (i = 0; i < n; i++) {
		if (n > 1) {
			struct bpf_prog_info info;
			memset(&info, 0, sizeof info);
			if (cli_prog_get_info(fds[i], &info)) {
				p_err("can't get prog info: %s", strerror(errno));
				break;
			}
			if (json_output) {
				jsonw_start_object(json_wtr);
				print_prog_header_json(&info);
				jsonw_name(json_wtr, "insns");
			} else {
				print_prog_header_plain(&info);
			}
		}
		err = prog_dump(fds[i], jited, filepath, opcodes, linum);
		if (json_output && n > 1)
			jsonw_end_object(json_wtr);
		else if (i != n - 1 && n > 1)
			printf("\n");
		if (err)
			break;
	}
	if (json_output && n > 1)
		jsonw_end_array(json_wtr);
out:
	for (i = 0; i < n; i++)
		cli_close(fds[i]);
out_free:
	free(fds);
	return err;
}

static int do_pin(int argc, char **argv)
{
	int err = do_pin_any(argc, argv, prog_parse_fd);
	if (!err && json_output)
		jsonw_null(json_wtr);
	return err;
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
	        "Usage: %1$s prog { show | list } [PROG]\n"
	        "       %1$s prog dump xlated PROG [{ file FILE | [opcodes] [linum] }]\n"
	        "       %1$s prog dump jited  PROG [{ file FILE | [opcodes] [linum] }]\n"
	        "       %1$s prog pin   PROG FILE\n"
	        "       %1$s prog { load | loadall } OBJ  PATH \\\n"
	        "                         [type TYPE] [{ offload_dev | xdpmeta_dev } NAME] \\\n"
	        "                         [map { idx IDX | name NAME } MAP]\\\n"
	        "                         [pinmaps MAP_DIR]\n"
	        "                         [autoattach] [target_btf FILE] [kconfig FILE]\n"
	        "       %1$s prog run PROG \\\n"
	        "                         data_in FILE \\\n"
	        "                         [data_out FILE [data_size_out L]] \\\n"
	        "                         [ctx_in FILE [ctx_out FILE [ctx_size_out M]]] \\\n"
	        "                         [repeat N]\n"
	        "       %1$s prog help\n"
	        "\n"
	        "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
	        "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n"
	        "       TYPE := { socket | kprobe | kretprobe | classifier | action |\n"
	        "                 tracepoint | raw_tracepoint | xdp | perf_event | cgroup/skb |\n"
	        "                 cgroup/sock | cgroup/dev | lwt_in | lwt_out | lwt_xmit |\n"
	        "                 lwt_seg6local | sockops | sk_skb | sk_msg | lirc_mode2 |\n"
	        "                 sk_reuseport | flow_dissector | cgroup/sysctl | ... }\n"
	        "                 (any libbpf section name, or a program type name)\n"
	        "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n"
	        "\n"
	        "       Programs run in the userbpf interpreter: 'dump jited' has nothing to "
	        "show,\n"
	        "       and offload_dev, xdpmeta_dev and autoattach are accepted but unused.\n"
	        "       target_btf FILE: the CO-RE target (raw BTF or ELF, e.g. a vmlinux BTF);\n"
	        "       kconfig FILE: CONFIG_*=value lines for .kconfig externs (userbpf's own).\n",
	        bin_name);
	return 0;
}

static const struct cmd cmds[] = {
        {"show", do_show},
        {"list", do_show},
        {"help", do_help},
        {"dump", do_dump},
        {"pin", do_pin},
        {"load", do_prog_load},
        {"loadall", do_prog_loadall},
        {"run", do_prog_run},
        {NULL, NULL},
};

int do_prog(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_help);
}
