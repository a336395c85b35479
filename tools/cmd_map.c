/* cmd_map.c — "userbpf map": show, create, pin, freeze and the command table, as bpftool map.
 * The element commands (dump, lookup, update, ...) are in cmd_map_elem.c. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <userbpf/sys.h>

#include "maps/map.h"

#include "map_cmds.h"

bool map_is_per_cpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bool map_is_map_of_maps(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

bool map_is_map_of_progs(uint32_t type)
{
	return type == BPF_MAP_TYPE_PROG_ARRAY;
}

size_t map_value_bytes(const struct bpf_map_info *info)
{
	if (map_is_per_cpu(info->type))
		return ((size_t)info->value_size + 7) / 8 * 8 * get_possible_cpus();
	return info->value_size;
}

/* MAP_FREEZE state: the object layer keeps it in the map file's header page (the kernel
 * shows it in fdinfo, which our fds, being plain files, do not have). */
static int map_frozen(int fd)
{
	struct stat st;
	struct bpf_map_shared sh;
	if (fstat(fd, &st) < 0 || st.st_size < 4096 ||
	    pread(fd, &sh, sizeof sh, st.st_size - 4096) != (ssize_t)sizeof sh ||
	    sh.magic != BPF_MAP_SHARED_MAGIC)
		return 0;
	return __atomic_load_n(&sh.frozen, __ATOMIC_RELAXED) ? 1 : 0;
}

void show_map_header_plain(const struct bpf_map_info *info)
{
	const char *t = map_type_str(info->type);
	printf("%u: ", info->id);
	if (t)
		printf("%s  ", t);
	else
		printf("type %u  ", info->type);
	if (*info->name)
		printf("name %s  ", info->name);
	printf("flags 0x%x\n", info->map_flags);
}

void show_map_header_json(const struct bpf_map_info *info, json_writer_t *wtr)
{
	const char *t = map_type_str(info->type);
	jsonw_uint_field(wtr, "id", info->id);
	if (t)
		jsonw_string_field(wtr, "type", t);
	else
		jsonw_uint_field(wtr, "type", info->type);
	if (*info->name)
		jsonw_string_field(wtr, "name", info->name);
	jsonw_name(wtr, "flags");
	jsonw_printf(wtr, "%d", info->map_flags);
}

static struct pinned_list map_pins;

static void show_map_json(int fd, const struct bpf_map_info *info)
{
	long long memlock = obj_memlock(fd);
	jsonw_start_object(json_wtr);
	show_map_header_json(info, json_wtr);
	jsonw_uint_field(json_wtr, "bytes_key", info->key_size);
	jsonw_uint_field(json_wtr, "bytes_value", info->value_size);
	jsonw_uint_field(json_wtr, "max_entries", info->max_entries);
	if (memlock >= 0)
		jsonw_int_field(json_wtr, "bytes_memlock", memlock);
	jsonw_int_field(json_wtr, "frozen", map_frozen(fd));
	if (info->btf_id)
		jsonw_int_field(json_wtr, "btf_id", info->btf_id);
	if (show_pinned) {
		jsonw_name(json_wtr, "pinned");
		jsonw_start_array(json_wtr);
		for (size_t i = 0; i < map_pins.n; i++)
			if (map_pins.ids[i] == info->id)
				jsonw_string(json_wtr, map_pins.paths[i]);
		jsonw_end_array(json_wtr);
	}
	jsonw_end_object(json_wtr);
}

static void show_map_plain(int fd, const struct bpf_map_info *info)
{
	long long memlock = obj_memlock(fd);
	int frozen = map_frozen(fd);
	show_map_header_plain(info);
	printf("\tkey %uB  value %uB  max_entries %u", info->key_size, info->value_size,
	       info->max_entries);
	if (memlock >= 0)
		printf("  memlock %lldB", memlock);
	if (show_pinned)
		for (size_t i = 0; i < map_pins.n; i++)
			if (map_pins.ids[i] == info->id)
				printf("\n\tpinned %s", map_pins.paths[i]);
	if (info->btf_id || frozen)
		printf("\n\t");
	if (info->btf_id)
		printf("btf_id %u", info->btf_id);
	if (frozen)
		printf("%sfrozen", info->btf_id ? "  " : "");
	printf("\n");
}

static int show_one(int fd)
{
	struct bpf_map_info info;
	if (cli_map_get_info(fd, &info)) {
		p_err("can't get map info: %s", strerror(errno));
		return -1;
	}
	if (json_output)
		show_map_json(fd, &info);
	else
		show_map_plain(fd, &info);
	return 0;
}

static int do_show(int argc, char **argv)
{
	static const struct cli_show_kind kind = {
	        "map", "map", BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, map_parse_fds, show_one};
	if (show_pinned)
		pinned_list_build(&map_pins, CLI_OBJ_MAP);
	int err = cli_show_objects(&kind, argc, argv);
	pinned_list_free(&map_pins);
	return err;
}

static int do_pin(int argc, char **argv)
{
	int err = do_pin_any(argc, argv, map_parse_fd);
	if (!err && json_output)
		jsonw_null(json_wtr);
	return err;
}

static int do_freeze(int argc, char **argv)
{
	if (!REQ_ARGS(2))
		return -1;
	int fd = map_parse_fd(&argc, &argv);
	if (fd < 0)
		return -1;
	if (argc) {
		cli_close(fd);
		return BAD_ARG();
	}
	int err = cli_map_freeze(fd);
	if (err)
		p_err("failed to freeze map: %s", strerror(errno));
	cli_close(fd);
	if (err)
		return -1;
	if (json_output)
		jsonw_null(json_wtr);
	return 0;
}

/* "key 4" style: the keyword then a u32; bpftool's "SIZE already specified" if repeated. */
static bool parse_u32_arg(int *argc, char ***argv, uint32_t *val, const char *what)
{
	NEXT_ARGP();
	if (*val) {
		p_err("%s already specified", what);
		return false;
	}
	if (!parse_u32(**argv, val, what))
		return false;
	NEXT_ARGP();
	return true;
}

static int do_create(int argc, char **argv)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	uint32_t type = 0;
	const char *name = NULL;
	int inner_fd = -1, err = -1;

	if (!REQ_ARGS(7))
		return -1;
	const char *pinfile = GET_ARG();
	while (argc) {
		if (!REQ_ARGS(2))
			goto out;
		if (is_prefix(*argv, "type")) {
			NEXT_ARG();
			if (type) {
				p_err("map type already specified");
				goto out;
			}
			int t = map_type_from_str(*argv);
			if (t <= 0) {
				p_err("unrecognized map type: %s", *argv);
				goto out;
			}
			type = (uint32_t)t;
			NEXT_ARG();
		} else if (is_prefix(*argv, "name")) {
			NEXT_ARG();
			name = GET_ARG();
		} else if (is_prefix(*argv, "key")) {
			if (!parse_u32_arg(&argc, &argv, &attr.key_size, "key size"))
				goto out;
		} else if (is_prefix(*argv, "value")) {
			if (!parse_u32_arg(&argc, &argv, &attr.value_size, "value size"))
				goto out;
		} else if (is_prefix(*argv, "entries")) {
			if (!parse_u32_arg(&argc, &argv, &attr.max_entries, "max entries"))
				goto out;
		} else if (is_prefix(*argv, "flags")) {
			if (!parse_u32_arg(&argc, &argv, &attr.map_flags, "flags"))
				goto out;
		} else if (is_prefix(*argv, "inner_map")) {
			struct bpf_map_info info;
			NEXT_ARG();
			if (inner_fd >= 0) {
				p_err("inner_map already specified");
				goto out;
			}
			if (!REQ_ARGS(2))
				goto out;
			inner_fd = map_parse_fd_and_info(&argc, &argv, &info);
			if (inner_fd < 0)
				goto out;
		} else {
			p_err("unknown arg %s", *argv);
			goto out;
		}
	}
	if (!name) {
		p_err("map name not specified");
		goto out;
	}
	attr.map_type = type;
	snprintf(attr.map_name, sizeof attr.map_name, "%s", name);
	if (inner_fd >= 0)
		attr.inner_map_fd = (uint32_t)inner_fd;
	int fd = (int)userbpf_sys_bpf(BPF_MAP_CREATE, &attr, sizeof attr);
	if (fd < 0) {
		p_err("map create failed: %s", strerror(errno));
		goto out;
	}
	err = do_pin_fd(fd, pinfile);
	cli_close(fd);
	if (!err && json_output)
		jsonw_null(json_wtr);
out:
	cli_close(inner_fd);
	return err;
}

int do_map_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (json_output) {
		jsonw_null(json_wtr);
		return 0;
	}
	fprintf(help_stream(),
	        "Usage: %1$s map { show | list }   [MAP]\n"
	        "       %1$s map create     FILE type TYPE key KEY_SIZE value VALUE_SIZE \\\n"
	        "                                  entries MAX_ENTRIES name NAME [flags FLAGS] \\\n"
	        "                                  [inner_map MAP]\n"
	        "       %1$s map dump       MAP\n"
	        "       %1$s map update     MAP [key DATA] [value VALUE] [UPDATE_FLAGS]\n"
	        "       %1$s map lookup     MAP [key DATA]\n"
	        "       %1$s map getnext    MAP [key DATA]\n"
	        "       %1$s map delete     MAP  key DATA\n"
	        "       %1$s map pin        MAP  FILE\n"
	        "       %1$s map peek       MAP\n"
	        "       %1$s map push       MAP value VALUE\n"
	        "       %1$s map pop        MAP\n"
	        "       %1$s map enqueue    MAP value VALUE\n"
	        "       %1$s map dequeue    MAP\n"
	        "       %1$s map freeze     MAP\n"
	        "       %1$s map help\n"
	        "\n"
	        "       MAP := { id MAP_ID | pinned FILE | name MAP_NAME }\n"
	        "       DATA := { [hex] BYTES }\n"
	        "       PROG := { id PROG_ID | pinned FILE | tag PROG_TAG | name PROG_NAME }\n"
	        "       VALUE := { DATA | MAP | PROG }\n"
	        "       UPDATE_FLAGS := { any | exist | noexist }\n"
	        "       TYPE := { hash | array | prog_array | perf_event_array | percpu_hash |\n"
	        "                 percpu_array | lru_hash | lru_percpu_hash | lpm_trie |\n"
	        "                 array_of_maps | hash_of_maps | queue | stack | ringbuf |\n"
	        "                 bloom_filter }\n"
	        "       OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-f|--bpffs} }\n"
	        "\n"
	        "       BYTES are numbers (decimal, 0x hex or 0 octal), or hex digits after "
	        "'hex';\n"
	        "       FILE is a pin path: /sys/fs/bpf/... names the userbpf bpffs root\n"
	        "       ($USERBPF_BPFFS, default /dev/shm/userbpf-UID).\n",
	        bin_name);
	return 0;
}

static const struct cmd cmds[] = {
        {"show", do_show},
        {"list", do_show},
        {"help", do_map_help},
        {"dump", do_map_dump},
        {"update", do_map_update},
        {"lookup", do_map_lookup},
        {"getnext", do_map_getnext},
        {"delete", do_map_delete},
        {"pin", do_pin},
        {"create", do_create},
        {"peek", do_map_lookup},
        {"push", do_map_update},
        {"enqueue", do_map_update},
        {"pop", do_map_pop},
        {"dequeue", do_map_pop},
        {"freeze", do_freeze},
        {NULL, NULL},
};

int do_map(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, do_map_help);
}
