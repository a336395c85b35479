/* cmd_map_elem.c — "userbpf map" element commands, as bpftool map: dump, lookup/peek,
 * update/push/enqueue, delete, getnext, pop/dequeue. Keys and values are given as bytes
 * ("key 1 0 0 0", "key 0x01 0x00 ...", "key hex 01 00 00 00"); output is bpftool's hex
 * dump, or the value printed by its BTF types (struct fields by name) when the map has BTF.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_dumper.h"
#include "map_cmds.h"

/* The map's BTF for pretty printing: 0 with *btf (NULL when the map has none), -1 on error. */
static int get_map_kv_btf(const struct bpf_map_info *info, struct cbtf **btf)
{
	*btf = NULL;
	if (!info->btf_id || !info->btf_value_type_id)
		return 0; /* no BTF, or only vmlinux BTF which we do not have */
	*btf = cbtf_load_by_id(info->btf_id);
	if (!*btf)
		/* bpftool fails here; the bytes are still worth showing */
		p_info("Warning: can't get the map's BTF (id %u): %s; printing raw bytes",
		       info->btf_id, strerror(errno));
	return 0;
}

static json_writer_t *get_btf_writer(void)
{
	json_writer_t *jw = jsonw_new(stdout);
	if (jw)
		jsonw_pretty(jw, true);
	return jw;
}

static int do_dump_btf(const struct btf_dumper *d, const struct bpf_map_info *info,
                       const uint8_t *key, const uint8_t *value)
{
	int ret = 0;
	jsonw_start_object(d->jw);
	if (info->btf_key_type_id) {
		jsonw_name(d->jw, "key");
		ret = btf_dumper_type(d, info->btf_key_type_id, key, info->key_size);
	}
	if (!ret && !map_is_per_cpu(info->type)) {
		jsonw_name(d->jw, "value");
		ret = btf_dumper_type(d, info->btf_value_type_id, value, info->value_size);
	} else if (!ret) {
		unsigned int n = get_possible_cpus(), step = (info->value_size + 7) / 8 * 8;
		jsonw_name(d->jw, "values");
		jsonw_start_array(d->jw);
		for (unsigned int i = 0; i < n && !ret; i++) {
			jsonw_start_object(d->jw);
			jsonw_int_field(d->jw, "cpu", i);
			jsonw_name(d->jw, "value");
			ret = btf_dumper_type(d, info->btf_value_type_id, value + (size_t)i * step,
			                      info->value_size);
			jsonw_end_object(d->jw);
		}
		jsonw_end_array(d->jw);
	}
	jsonw_end_object(d->jw);
	return ret;
}

static void print_entry_json(const struct bpf_map_info *info, const uint8_t *key,
                             const uint8_t *value, const struct cbtf *btf)
{
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "key");
	print_hex_data_json(key, info->key_size);
	if (!map_is_per_cpu(info->type)) {
		jsonw_name(json_wtr, "value");
		print_hex_data_json(value, info->value_size);
	} else {
		unsigned int n = get_possible_cpus(), step = (info->value_size + 7) / 8 * 8;
		jsonw_name(json_wtr, "values");
		jsonw_start_array(json_wtr);
		for (unsigned int i = 0; i < n; i++) {
			jsonw_start_object(json_wtr);
			jsonw_int_field(json_wtr, "cpu", i);
			jsonw_name(json_wtr, "value");
			print_hex_data_json(value + (size_t)i * step, info->value_size);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
	}
	if (btf) {
		struct btf_dumper d = {.btf = btf, .jw = json_wtr, .is_plain_text = false};
		jsonw_name(json_wtr, "formatted");
		do_dump_btf(&d, info, key, value);
	}
	jsonw_end_object(json_wtr);
}

static void print_entry_plain(const struct bpf_map_info *info, const uint8_t *key,
                              const uint8_t *value)
{
	if (!map_is_per_cpu(info->type)) {
		bool break_names = info->key_size > 16 || info->value_size > 16;
		bool single_line = info->key_size + info->value_size <= 24 && !break_names;
		if (info->key_size) {
			printf("key:%c", break_names ? '\n' : ' ');
			fprint_hex(stdout, key, info->key_size, " ");
			printf(single_line ? "  " : "\n");
		}
		if (info->value_size) {
			printf("value:%c", break_names ? '\n' : ' ');
			fprint_hex(stdout, value, info->value_size, " ");
		}
		printf("\n");
		return;
	}
	unsigned int n = get_possible_cpus(), step = (info->value_size + 7) / 8 * 8;
	if (info->key_size) {
		printf("key:\n");
		fprint_hex(stdout, key, info->key_size, " ");
		printf("\n");
	}
	for (unsigned int i = 0; info->value_size && i < n; i++) {
		printf("value (CPU %02u):%c", i, info->value_size > 16 ? '\n' : ' ');
		fprint_hex(stdout, value + (size_t)i * step, info->value_size, " ");
		printf("\n");
	}
}

static void print_entry_error(const struct bpf_map_info *info, const uint8_t *key, int err)
{
	/* for prog arrays and maps of maps ENOENT just means an empty slot */
	if ((map_is_map_of_maps(info->type) || map_is_map_of_progs(info->type)) && err == ENOENT)
		return;
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "key");
		print_hex_data_json(key, info->key_size);
		jsonw_name(json_wtr, "value");
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "error", strerror(err));
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
		return;
	}
	const char *msg = err == ENOENT ? "<no entry>" : strerror(err);
	size_t msg_size = strlen(msg);
	bool break_names = info->key_size > 16 || msg_size > 16;
	bool single_line = info->key_size + msg_size <= 24 && !break_names;
	printf("key:%c", break_names ? '\n' : ' ');
	fprint_hex(stdout, key, info->key_size, " ");
	printf(single_line ? "  " : "\n");
	printf("value:%c%s\n", break_names ? '\n' : ' ', msg);
}

/* Lookup and print one element of a dump; 0 when printed. */
static int dump_map_elem(int fd, const uint8_t *key, uint8_t *value,
                         const struct bpf_map_info *info, const struct cbtf *btf,
                         json_writer_t *btf_wtr)
{
	if (cli_map_lookup(fd, key, value)) {
		print_entry_error(info, key, errno);
		return -1;
	}
	if (json_output) {
		print_entry_json(info, key, value, btf);
	} else if (btf) {
		struct btf_dumper d = {.btf = btf, .jw = btf_wtr, .is_plain_text = true};
		do_dump_btf(&d, info, key, value);
	} else {
		print_entry_plain(info, key, value);
	}
	return 0;
}

static int map_dump(int fd, const struct bpf_map_info *info, json_writer_t *wtr, bool header)
{
	uint8_t *key = malloc(info->key_size ? info->key_size : 1);
	uint8_t *value = malloc(map_value_bytes(info) ? map_value_bytes(info) : 1);
	uint8_t *prev = NULL;
	struct cbtf *btf = NULL;
	unsigned int num = 0;
	int err = 0;
	if (!key || !value) {
		p_err("mem alloc failed");
		err = -1;
		goto out;
	}
	if (wtr) {
		if ((err = get_map_kv_btf(info, &btf)))
			goto out;
		if (header) {
			jsonw_start_object(wtr);
			show_map_header_json(info, wtr);
			jsonw_name(wtr, "elements");
		}
		jsonw_start_array(wtr);
	} else if (header) {
		show_map_header_plain(info);
	}
	for (;;) {
		if (cli_map_get_next_key(fd, prev, key)) {
			if (errno != ENOENT) {
				p_err("can't get next key: %s", strerror(errno));
				err = -1;
			}
			break;
		}
		if (!dump_map_elem(fd, key, value, info, btf, wtr))
			num++;
		prev = key;
	}
	if (wtr) {
		jsonw_end_array(wtr);
		if (header)
			jsonw_end_object(wtr);
	} else {
		printf("Found %u element%s\n", num, num != 1 ? "s" : "");
	}
out:
	free(key);
	free(value);
	cbtf_free(btf);
	return err;
}

int do_map_dump(int argc, char **argv)
{
	json_writer_t *wtr = NULL, *btf_wtr = NULL;
	int *fds = NULL, err = -1, i = 0;
	if (argc != 2)
		usage();
	int n = map_parse_fds(&argc, &argv, &fds);
	if (n < 1)
		goto out;
	if (json_output) {
		wtr = json_wtr;
	} else {
		/* plain text with BTF: bpftool prints a pretty JSON-like document */
		bool all_btf = true;
		for (int j = 0; j < n && all_btf; j++) {
			struct bpf_map_info info;
			if (cli_map_get_info(fds[j], &info)) {
				p_err("can't get map info: %s", strerror(errno));
				goto out;
			}
			struct cbtf *btf = NULL;
			all_btf = info.btf_id && info.btf_value_type_id &&
			          !get_map_kv_btf(&info, &btf) && btf;
			cbtf_free(btf);
		}
		if (all_btf) {
			btf_wtr = get_btf_writer();
			wtr = btf_wtr;
			if (!btf_wtr)
				p_info("failed to create json writer for btf. falling back to "
				       "plain "
				       "output");
		}
	}
	if (wtr && n > 1)
		jsonw_start_array(wtr);
	for (i = 0; i < n; i++) {
		struct bpf_map_info info;
		if (cli_map_get_info(fds[i], &info)) {
			p_err("can't get map info: %s", strerror(errno));
			err = -1;
			break;
		}
		err = map_dump(fds[i], &info, wtr, n > 1);
		if (!wtr && i != n - 1)
			printf("\n");
		if (err)
			break;
	}
	if (wtr && n > 1)
		jsonw_end_array(wtr);
	if (btf_wtr)
		jsonw_destroy(&btf_wtr);
out:
	for (int j = 0; j < n; j++)
		cli_close(fds[j]);
	free(fds);
	return err;
}

/* Bytes "[hex] B1 B2 ...": exactly n words; returns the rest of argv or NULL. */
static char **parse_bytes(char **argv, const char *name, uint8_t *val, unsigned int n)
{
	unsigned int i = 0;
	int base = 0;
	if (*argv && is_prefix(*argv, "hex")) {
		base = 16;
		argv++;
	}
	while (i < n && argv[i]) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(argv[i], &end, base);
		if (!*argv[i] || *end) {
			p_err("error parsing byte: %s", argv[i]);
			return NULL;
		}
		val[i] = (uint8_t)v;
		i++;
	}
	if (i != n) {
		p_err("%s expected %u bytes got %u", name, n, i);
		return NULL;
	}
	return argv + i;
}

static void fill_per_cpu_value(const struct bpf_map_info *info, uint8_t *value)
{
	if (!map_is_per_cpu(info->type))
		return;
	unsigned int n = get_possible_cpus(), step = (info->value_size + 7) / 8 * 8;
	for (unsigned int i = 1; i < n; i++)
		memcpy(value + (size_t)i * step, value, info->value_size);
}

/* key / value / flags in any order, as bpftool's parse_elem. *value_fd receives an fd the
 * caller closes (map of maps, prog array). */
static int parse_elem(char **argv, const struct bpf_map_info *info, uint8_t *key, uint8_t *value,
                      uint32_t key_size, uint32_t value_size, uint64_t *flags, int *value_fd)
{
	while (*argv) {
		if (is_prefix(*argv, "key")) {
			if (!key) {
				p_err(key_size ? "duplicate key" : "unnecessary key");
				return -1;
			}
			if (!(argv = parse_bytes(argv + 1, "key", key, key_size)))
				return -1;
			key = NULL;
		} else if (is_prefix(*argv, "value")) {
			if (!value) {
				p_err(value_size ? "duplicate value" : "unnecessary value");
				return -1;
			}
			argv++;
			if (map_is_map_of_maps(info->type) || map_is_map_of_progs(info->type)) {
				bool maps = map_is_map_of_maps(info->type);
				int argc = 2;
				if (value_size != 4) {
					p_err("value smaller than 4B for %s?",
					      maps ? "map in map" : "map of progs");
					return -1;
				}
				if (!argv[0] || !argv[1]) {
					p_err("not enough value arguments for %s",
					      maps ? "map in map" : "map of progs");
					return -1;
				}
				int fd = maps ? map_parse_fd(&argc, &argv)
				              : prog_parse_fd(&argc, &argv);
				if (fd < 0)
					return -1;
				*value_fd = fd;
				uint32_t u = (uint32_t)fd;
				memcpy(value, &u, 4);
			} else {
				if (!(argv = parse_bytes(argv, "value", value, value_size)))
					return -1;
				fill_per_cpu_value(info, value);
			}
			value = NULL;
		} else if (is_prefix(*argv, "any") || is_prefix(*argv, "noexist") ||
		           is_prefix(*argv, "exist")) {
			if (!flags) {
				p_err("flags specified multiple times: %s", *argv);
				return -1;
			}
			if (is_prefix(*argv, "any"))
				*flags = BPF_ANY;
			else if (is_prefix(*argv, "noexist"))
				*flags = BPF_NOEXIST;
			else
				*flags = BPF_EXIST;
			flags = NULL;
			argv++;
		} else {
			p_err("expected key or value, got: %s", *argv);
			return -1;
		}
	}
	if (key || value) {
		p_err("did not find %s", key ? "key" : "value");
		return -1;
	}
	return 0;
}

static int alloc_key_value(const struct bpf_map_info *info, uint8_t **key, uint8_t **value)
{
	*key = NULL;
	*value = NULL;
	if (info->key_size && !(*key = calloc(1, info->key_size))) {
		p_err("key mem alloc failed");
		return -1;
	}
	if (info->value_size && !(*value = calloc(1, map_value_bytes(info)))) {
		p_err("value mem alloc failed");
		free(*key);
		*key = NULL;
		return -1;
	}
	return 0;
}

int do_map_update(int argc, char **argv)
{
	struct bpf_map_info info;
	uint64_t flags = BPF_ANY;
	uint8_t *key = NULL, *value = NULL;
	int value_fd = -1, err;
	if (argc < 2)
		usage();
	int fd = map_parse_fd_and_info(&argc, &argv, &info);
	if (fd < 0)
		return -1;
	err = alloc_key_value(&info, &key, &value);
	if (!err)
		err = parse_elem(argv, &info, key, value, info.key_size, info.value_size, &flags,
		                 &value_fd);
	if (!err && cli_map_update(fd, key, value, flags)) {
		p_err("update failed: %s", strerror(errno));
		err = -1;
	}
	cli_close(value_fd);
	free(key);
	free(value);
	cli_close(fd);
	if (!err && json_output)
		jsonw_null(json_wtr);
	return err;
}

static void print_key_value(const struct bpf_map_info *info, const uint8_t *key,
                            const uint8_t *value)
{
	struct cbtf *btf;
	if (get_map_kv_btf(info, &btf))
		return;
	if (json_output) {
		print_entry_json(info, key, value, btf);
	} else if (btf) {
		json_writer_t *w = get_btf_writer();
		if (!w) {
			print_entry_plain(info, key, value);
		} else {
			struct btf_dumper d = {.btf = btf, .jw = w, .is_plain_text = true};
			do_dump_btf(&d, info, key, value);
			jsonw_destroy(&w);
		}
	} else {
		print_entry_plain(info, key, value);
	}
	cbtf_free(btf);
}

int do_map_lookup(int argc, char **argv)
{
	struct bpf_map_info info;
	uint8_t *key = NULL, *value = NULL;
	if (argc < 2)
		usage();
	int fd = map_parse_fd_and_info(&argc, &argv, &info);
	if (fd < 0)
		return -1;
	int err = alloc_key_value(&info, &key, &value);
	if (!err)
		err = parse_elem(argv, &info, key, NULL, info.key_size, 0, NULL, NULL);
	if (!err) {
		if (cli_map_lookup(fd, key, value)) {
			err = -1;
			if (errno != ENOENT) {
				p_err("lookup failed: %s", strerror(errno));
			} else if (json_output) {
				jsonw_null(json_wtr);
			} else {
				printf("key:\n");
				fprint_hex(stdout, key, info.key_size, " ");
				printf("\n\nNot found\n");
			}
		} else {
			print_key_value(&info, key, value);
		}
	}
	free(key);
	free(value);
	cli_close(fd);
	return err;
}

int do_map_getnext(int argc, char **argv)
{
	struct bpf_map_info info;
	int err = -1;
	if (argc < 2)
		usage();
	int fd = map_parse_fd_and_info(&argc, &argv, &info);
	if (fd < 0)
		return -1;
	uint8_t *key = calloc(1, info.key_size ? info.key_size : 1);
	uint8_t *next = calloc(1, info.key_size ? info.key_size : 1);
	if (!key || !next) {
		p_err("mem alloc failed");
		goto out;
	}
	if (argc) {
		if (parse_elem(argv, &info, key, NULL, info.key_size, 0, NULL, NULL))
			goto out;
	} else {
		free(key);
		key = NULL;
	}
	if (cli_map_get_next_key(fd, key, next)) {
		p_err("can't get next key: %s", strerror(errno));
		goto out;
	}
	err = 0;
	if (json_output) {
		jsonw_start_object(json_wtr);
		if (key) {
			jsonw_name(json_wtr, "key");
			print_hex_data_json(key, info.key_size);
		} else {
			jsonw_null_field(json_wtr, "key");
		}
		jsonw_name(json_wtr, "next_key");
		print_hex_data_json(next, info.key_size);
		jsonw_end_object(json_wtr);
	} else {
		if (key) {
			printf("key:\n");
			fprint_hex(stdout, key, info.key_size, " ");
			printf("\n");
		} else {
			printf("key: None\n");
		}
		printf("next key:\n");
		fprint_hex(stdout, next, info.key_size, " ");
		printf("\n");
	}
out:
	free(key);
	free(next);
	cli_close(fd);
	return err;
}

int do_map_delete(int argc, char **argv)
{
	struct bpf_map_info info;
	if (argc < 2)
		usage();
	int fd = map_parse_fd_and_info(&argc, &argv, &info);
	if (fd < 0)
		return -1;
	uint8_t *key = calloc(1, info.key_size ? info.key_size : 1);
	int err = -1;
	if (!key)
		p_err("mem alloc failed");
	else if (!(err = parse_elem(argv, &info, key, NULL, info.key_size, 0, NULL, NULL)) &&
	         cli_map_delete(fd, key)) {
		p_err("delete failed: %s", strerror(errno));
		err = -1;
	}
	free(key);
	cli_close(fd);
	if (!err && json_output)
		jsonw_null(json_wtr);
	return err;
}

int do_map_pop(int argc, char **argv)
{
	struct bpf_map_info info;
	uint8_t *key = NULL, *value = NULL;
	if (argc < 2)
		usage();
	int fd = map_parse_fd_and_info(&argc, &argv, &info);
	if (fd < 0)
		return -1;
	int err = argc ? BAD_ARG() : alloc_key_value(&info, &key, &value);
	if (!err) {
		if (cli_map_lookup_and_delete(fd, key, value)) {
			err = -1;
			if (errno != ENOENT)
				p_err("pop failed: %s", strerror(errno));
			else if (json_output)
				jsonw_null(json_wtr);
			else
				printf("Error: empty map\n");
		} else {
			print_key_value(&info, key, value);
		}
	}
	free(key);
	free(value);
	cli_close(fd);
	return err;
}
