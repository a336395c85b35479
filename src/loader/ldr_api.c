/* ldr_api.c — the public loader API (include/userbpf/loader.h): open, load, close, and the
 * accessors of objects, programs and maps.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

#define LDR_MAX_OBJECT_SIZE (1ull << 30)

/* ---- open / close ---- */

static void ldr_object_free(struct userbpf_object *obj)
{
	if (!obj)
		return;
	ldr_object_unload(obj);
	for (uint32_t i = 0; i < obj->nr_progs; i++) {
		struct userbpf_program *p = &obj->progs[i];
		free(p->name);
		free(p->sec_name);
		free(p->log);
		free(p->code);
		free(p->insns);
		free(p->func_info);
		free(p->line_info);
	}
	free(obj->progs);
	for (uint32_t i = 0; i < obj->nr_maps; i++)
		ldr_map_free(&obj->maps[i]);
	free(obj->maps);
	for (uint32_t i = 0; i < obj->nr_externs; i++)
		free(obj->externs[i].name);
	free(obj->externs);
	if (obj->secs)
		for (uint32_t i = 0; i < obj->nr_secs; i++)
			free(obj->secs[i].relos);
	free(obj->secs);
	free(obj->btf_ext.secs);
	btf__free(obj->btf);
	btf__free(obj->target_btf);
	if (obj->elf)
		elf_end(obj->elf);
	free(obj->image);
	free(obj->path);
	free(obj->pin_root_path);
	free(obj->btf_custom_path);
	free(obj->kconfig);
	free(obj);
}

/* The default object name: the file's base name up to its first '.'. */
static void ldr_default_name(char *out, size_t len, const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "mem";
	size_t n = strcspn(base, ".");
	if (n >= len)
		n = len - 1;
	memcpy(out, base, n);
	out[n] = 0;
	if (!n)
		snprintf(out, len, "obj");
}

/* The function copies that CO-RE patches and linking copies from. */
static int ldr_progs_code(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nr_progs; i++) {
		struct userbpf_program *p = &obj->progs[i];
		const struct ldr_sec *s = &obj->secs[p->sec_idx];
		size_t bytes = (size_t)p->sec_insn_cnt * LDR_INSN_SZ;
		p->code = malloc(bytes);
		if (!p->code)
			return -ENOMEM;
		memcpy(p->code, s->data + (size_t)p->sec_insn_off * LDR_INSN_SZ, bytes);
	}
	return 0;
}

static int ldr_open_steps(struct userbpf_object *obj)
{
	int err = ldr_elf_collect(obj);
	if (!err)
		err = ldr_btf_init(obj);
	if (!err)
		err = ldr_progs_init(obj);
	if (!err)
		err = ldr_progs_code(obj);
	if (!err)
		err = ldr_maps_btf_init(obj);
	if (!err)
		err = ldr_maps_legacy_init(obj);
	if (!err)
		err = ldr_maps_data_init(obj);
	if (!err)
		err = ldr_externs_init(obj);
	if (!err)
		err = ldr_map_relos_init(obj);
	if (!err)
		err = ldr_relos_init(obj);
	return err;
}

static struct userbpf_object *ldr_open(const void *buf, size_t size, const char *path,
                                       const struct userbpf_object_open_opts *uopts)
{
	struct userbpf_object_open_opts o;
	memset(&o, 0, sizeof o);
	if (uopts) {
		if (uopts->sz < sizeof(size_t)) {
			ldr_err(NULL, -EINVAL, "open options: sz %zu is too small", uopts->sz);
			errno = EINVAL;
			return NULL;
		}
		for (size_t i = sizeof o; i < uopts->sz; i++)
			if (((const char *)uopts)[i]) {
				ldr_err(NULL, -EINVAL,
				        "open options: unknown non-zero field at %zu", i);
				errno = EINVAL;
				return NULL;
			}
		memcpy(&o, uopts, uopts->sz < sizeof o ? uopts->sz : sizeof o);
	}
	struct userbpf_object *obj = calloc(1, sizeof *obj);
	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	obj->btf_fd = -1;
	obj->kconfig_map = -1;
	if (o.object_name)
		snprintf(obj->name, sizeof obj->name, "%s", o.object_name);
	else
		ldr_default_name(obj->name, sizeof obj->name, path);
	obj->path = path ? ldr_strdup(path) : NULL;
	obj->pin_root_path = ldr_strdup(o.pin_root_path ? o.pin_root_path : "/sys/fs/bpf");
	obj->btf_custom_path = o.btf_custom_path ? ldr_strdup(o.btf_custom_path) : NULL;
	obj->kconfig = o.kconfig ? ldr_strdup(o.kconfig) : NULL;
	obj->kernel_log_level = o.kernel_log_level;
	obj->relaxed_maps = o.relaxed_maps;
	obj->image = malloc(size ? size : 1);
	int err = -ENOMEM;
	if (obj->image && obj->pin_root_path && (!path || obj->path) &&
	    (!o.btf_custom_path || obj->btf_custom_path) && (!o.kconfig || obj->kconfig)) {
		memcpy(obj->image, buf, size);
		obj->image_size = size;
		err = ldr_open_steps(obj);
	} else {
		ldr_err(obj, err, "out of memory");
	}
	if (err) {
		ldr_object_free(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

struct userbpf_object *userbpf_object__open_mem(const void *buf, size_t size,
                                                const struct userbpf_object_open_opts *opts)
{
	ldr_clear_error();
	if (!buf || !size) {
		ldr_err(NULL, -EINVAL, "open_mem: empty buffer");
		errno = EINVAL;
		return NULL;
	}
	return ldr_open(buf, size, NULL, opts);
}

struct userbpf_object *userbpf_object__open_file(const char *path,
                                                 const struct userbpf_object_open_opts *opts)
{
	ldr_clear_error();
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		ldr_err(NULL, -e, "%s: %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > LDR_MAX_OBJECT_SIZE || !st.st_size) {
		close(fd);
		int e = !S_ISREG(st.st_mode) ? EINVAL : st.st_size ? EFBIG : EINVAL;
		ldr_err(NULL, -e, "%s: %s", path,
		        !S_ISREG(st.st_mode) ? "not a regular file"
		        : st.st_size         ? "too big"
		                             : "empty file");
		errno = e;
		return NULL;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size);
	size_t got = 0;
	while (buf && got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != size) {
		free(buf);
		ldr_err(NULL, -EIO, "%s: cannot read the file", path);
		errno = EIO;
		return NULL;
	}
	struct userbpf_object *obj = ldr_open(buf, size, path, opts);
	int e = errno;
	free(buf);
	errno = e;
	return obj;
}

struct userbpf_object *userbpf_object__open(const char *path)
{
	return userbpf_object__open_file(path, NULL);
}

int userbpf_object__load(struct userbpf_object *obj)
{
	ldr_clear_error();
	if (!obj)
		return -EINVAL;
	if (obj->loaded)
		return ldr_err(obj, -EINVAL, "object is already loaded (load runs once)");
	obj->loaded = true;
	return ldr_object_load(obj);
}

void userbpf_object__close(struct userbpf_object *obj)
{
	ldr_object_free(obj);
}

/* ---- object accessors ---- */

const char *userbpf_object__name(const struct userbpf_object *obj)
{
	return obj ? obj->name : NULL;
}

const char *userbpf_object__path(const struct userbpf_object *obj)
{
	return obj ? obj->path : NULL;
}

const char *userbpf_object__license(const struct userbpf_object *obj)
{
	return obj ? obj->license : NULL;
}

uint32_t userbpf_object__kversion(const struct userbpf_object *obj)
{
	return obj ? obj->kversion : 0;
}

const struct btf *userbpf_object__btf(const struct userbpf_object *obj)
{
	return obj ? obj->btf : NULL;
}

int userbpf_object__btf_fd(const struct userbpf_object *obj)
{
	return obj ? obj->btf_fd : -1;
}

struct userbpf_program *userbpf_object__next_program(const struct userbpf_object *obj,
                                                     struct userbpf_program *prev)
{
	if (!obj)
		return NULL;
	uint32_t i = prev ? (uint32_t)(prev - obj->progs) + 1 : 0;
	for (; i < obj->nr_progs; i++)
		if (!obj->progs[i].is_subprog)
			return &obj->progs[i];
	return NULL;
}

struct userbpf_map *userbpf_object__next_map(const struct userbpf_object *obj,
                                             struct userbpf_map *prev)
{
	if (!obj)
		return NULL;
	uint32_t i = prev ? (uint32_t)(prev - obj->maps) + 1 : 0;
	return i < obj->nr_maps ? &obj->maps[i] : NULL;
}

struct userbpf_program *userbpf_object__find_program_by_name(const struct userbpf_object *obj,
                                                             const char *name)
{
	struct userbpf_program *p;
	if (!name)
		return NULL;
	userbpf_object__for_each_program(p, obj) if (!strcmp(p->name, name)) return p;
	errno = ENOENT;
	return NULL;
}

struct userbpf_map *userbpf_object__find_map_by_name(const struct userbpf_object *obj,
                                                     const char *name)
{
	struct userbpf_map *m;
	if (!name)
		return NULL;
	userbpf_object__for_each_map(m, obj)
	{
		if (!strcmp(userbpf_map__name(m), name))
			return m;
	}
	/* also global data by its section name (".data" for "prog.data") */
	userbpf_object__for_each_map(m, obj)
	{
		if (userbpf_map__is_internal(m) && !strcmp(m->real_name, name))
			return m;
	}
	errno = ENOENT;
	return NULL;
}

int userbpf_object__find_map_fd_by_name(const struct userbpf_object *obj, const char *name)
{
	struct userbpf_map *m = userbpf_object__find_map_by_name(obj, name);
	return m ? m->fd : -ENOENT;
}

static int ldr_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int userbpf_object__pin_programs(struct userbpf_object *obj, const char *dir)
{
	if (!obj || !dir)
		return -EINVAL;
	if (!obj->loaded)
		return ldr_err(obj, -ENOENT, "pin programs: object not loaded");
	struct userbpf_program *p;
	userbpf_object__for_each_program(p, obj)
	{
		if (p->fd < 0)
			continue;
		char path[4096];
		int err = ldr_join(path, sizeof path, dir, p->name);
		if (!err)
			err = userbpf_program__pin(p, path);
		if (err)
			return err;
	}
	return 0;
}

int userbpf_object__unpin_programs(struct userbpf_object *obj, const char *dir)
{
	if (!obj || !dir)
		return -EINVAL;
	struct userbpf_program *p;
	userbpf_object__for_each_program(p, obj)
	{
		char path[4096];
		int err = ldr_join(path, sizeof path, dir, p->name);
		if (!err && p->fd >= 0)
			err = ldr_unpin(path);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

int userbpf_object__pin_maps(struct userbpf_object *obj, const char *dir)
{
	if (!obj)
		return -EINVAL;
	if (!obj->loaded)
		return ldr_err(obj, -ENOENT, "pin maps: object not loaded");
	struct userbpf_map *m;
	userbpf_object__for_each_map(m, obj)
	{
		if (m->fd < 0)
			continue;
		char path[4096];
		if (dir) {
			int err = ldr_join(path, sizeof path, dir, userbpf_map__name(m));
			if (err)
				return err;
		} else if (m->pin_path) {
			snprintf(path, sizeof path, "%s", m->pin_path);
		} else {
			continue;
		}
		if (m->pinned && m->pin_path && !strcmp(m->pin_path, path))
			continue;
		int err = userbpf_map__pin(m, path);
		if (err)
			return err;
	}
	return 0;
}

int userbpf_object__unpin_maps(struct userbpf_object *obj, const char *dir)
{
	if (!obj)
		return -EINVAL;
	struct userbpf_map *m;
	userbpf_object__for_each_map(m, obj)
	{
		char path[4096];
		if (dir) {
			if (ldr_join(path, sizeof path, dir, userbpf_map__name(m)))
				return -ENAMETOOLONG;
		} else if (m->pin_path) {
			snprintf(path, sizeof path, "%s", m->pin_path);
		} else {
			continue;
		}
		int err = userbpf_map__unpin(m, path);
		if (err && err != -ENOENT)
			return err;
	}
	return 0;
}

/* ---- programs ---- */

const char *userbpf_program__name(const struct userbpf_program *prog)
{
	return prog ? prog->name : NULL;
}

const char *userbpf_program__section_name(const struct userbpf_program *prog)
{
	return prog ? prog->sec_name : NULL;
}

int userbpf_program__fd(const struct userbpf_program *prog)
{
	return prog ? prog->fd : -EINVAL;
}

uint32_t userbpf_program__type(const struct userbpf_program *prog)
{
	return prog ? prog->type : 0;
}

uint32_t userbpf_program__expected_attach_type(const struct userbpf_program *prog)
{
	return prog ? prog->attach_type : 0;
}

uint32_t userbpf_program__flags(const struct userbpf_program *prog)
{
	return prog ? prog->prog_flags : 0;
}

bool userbpf_program__autoload(const struct userbpf_program *prog)
{
	return prog && prog->autoload;
}

#define LDR_BEFORE_LOAD(o)                                                                         \
	do {                                                                                       \
		if ((o)->obj->loaded)                                                              \
			return -EBUSY;                                                             \
	} while (0)

int userbpf_program__set_autoload(struct userbpf_program *prog, bool autoload)
{
	LDR_BEFORE_LOAD(prog);
	prog->autoload = autoload;
	return 0;
}

int userbpf_program__set_type(struct userbpf_program *prog, uint32_t type)
{
	LDR_BEFORE_LOAD(prog);
	prog->type = type;
	prog->sec_def = NULL; /* the section's flags no longer apply */
	return 0;
}

int userbpf_program__set_expected_attach_type(struct userbpf_program *prog, uint32_t type)
{
	LDR_BEFORE_LOAD(prog);
	prog->attach_type = type;
	return 0;
}

int userbpf_program__set_flags(struct userbpf_program *prog, uint32_t flags)
{
	LDR_BEFORE_LOAD(prog);
	prog->prog_flags = flags;
	return 0;
}

const char *userbpf_program__attach_target(const struct userbpf_program *prog)
{
	if (!prog || !prog->sec_def)
		return "";
	const char *def = prog->sec_def->sec;
	size_t len = strlen(def);
	if (def[len - 1] == '+')
		len--;
	else if (def[len - 1] == '/')
		return prog->sec_name + len;
	return prog->sec_name[len] == '/' ? prog->sec_name + len + 1 : "";
}

const struct bpf_insn *userbpf_program__insns(const struct userbpf_program *prog)
{
	if (!prog)
		return NULL;
	return prog->insns ? prog->insns : prog->code;
}

size_t userbpf_program__insn_cnt(const struct userbpf_program *prog)
{
	if (!prog)
		return 0;
	return prog->insns ? prog->insn_cnt : prog->sec_insn_cnt;
}

const struct bpf_func_info *userbpf_program__func_info(const struct userbpf_program *prog,
                                                       uint32_t *cnt)
{
	if (cnt)
		*cnt = prog ? prog->func_info_cnt : 0;
	return prog && prog->func_info_cnt ? prog->func_info : NULL;
}

const struct bpf_line_info *userbpf_program__line_info(const struct userbpf_program *prog,
                                                       uint32_t *cnt)
{
	if (cnt)
		*cnt = prog ? prog->line_info_cnt : 0;
	return prog && prog->line_info_cnt ? prog->line_info : NULL;
}

int userbpf_program__set_log_level(struct userbpf_program *prog, uint32_t level)
{
	LDR_BEFORE_LOAD(prog);
	prog->log_level = level;
	return 0;
}

uint32_t userbpf_program__log_level(const struct userbpf_program *prog)
{
	return prog ? prog->log_level : 0;
}

const char *userbpf_program__log(const struct userbpf_program *prog)
{
	return prog && prog->log ? prog->log : "";
}

int userbpf_program__pin(struct userbpf_program *prog, const char *path)
{
	if (!prog || !path)
		return -EINVAL;
	if (prog->fd < 0)
		return ldr_err(prog->obj, -EINVAL, "program '%s': not loaded, cannot pin",
		               prog->name);
	int err = ldr_pin_fd(prog->fd, path);
	if (err)
		return ldr_err(prog->obj, err, "program '%s': cannot pin at '%s': %s", prog->name,
		               path, strerror(-err));
	return 0;
}

int userbpf_program__unpin(struct userbpf_program *prog, const char *path)
{
	if (!prog || !path)
		return -EINVAL;
	return ldr_unpin(path);
}

/* ---- maps ---- */

/* libbpf's map_uses_real_name: custom .data.* / .rodata.* maps are known by their section
 * name; the kernel sees it cut to 15 characters. */
static bool ldr_map_uses_real_name(const struct userbpf_map *map)
{
	return (map->kind == LDR_MAP_DATA && strcmp(map->real_name, ".data")) ||
	       (map->kind == LDR_MAP_RODATA && strcmp(map->real_name, ".rodata"));
}

const char *userbpf_map__name(const struct userbpf_map *map)
{
	if (!map)
		return NULL;
	return ldr_map_uses_real_name(map) ? map->real_name : map->name;
}

const char *userbpf_map__real_name(const struct userbpf_map *map)
{
	return map ? map->real_name : NULL;
}

int userbpf_map__fd(const struct userbpf_map *map)
{
	return map ? map->fd : -EINVAL;
}

uint32_t userbpf_map__type(const struct userbpf_map *map)
{
	return map ? map->def.type : 0;
}

uint32_t userbpf_map__key_size(const struct userbpf_map *map)
{
	return map ? map->def.key_size : 0;
}

uint32_t userbpf_map__value_size(const struct userbpf_map *map)
{
	return map ? map->def.value_size : 0;
}

uint32_t userbpf_map__max_entries(const struct userbpf_map *map)
{
	return map ? map->def.max_entries : 0;
}

uint32_t userbpf_map__map_flags(const struct userbpf_map *map)
{
	return map ? map->def.map_flags : 0;
}

uint64_t userbpf_map__map_extra(const struct userbpf_map *map)
{
	return map ? map->def.map_extra : 0;
}

uint32_t userbpf_map__numa_node(const struct userbpf_map *map)
{
	return map ? map->def.numa_node : 0;
}

uint32_t userbpf_map__btf_key_type_id(const struct userbpf_map *map)
{
	return map ? map->def.btf_key_type_id : 0;
}

uint32_t userbpf_map__btf_value_type_id(const struct userbpf_map *map)
{
	return map ? map->def.btf_value_type_id : 0;
}

bool userbpf_map__is_internal(const struct userbpf_map *map)
{
	return map && map->kind != LDR_MAP_BTF && map->kind != LDR_MAP_LEGACY;
}

struct userbpf_map *userbpf_map__inner_map(struct userbpf_map *map)
{
	return map ? map->inner : NULL;
}

#define LDR_MAP_SETTER(field_name, type)                                                           \
	int userbpf_map__set_##field_name(struct userbpf_map *map, type v)                         \
	{                                                                                          \
		LDR_BEFORE_LOAD(map);                                                              \
		if (userbpf_map__is_internal(map))                                                 \
			return -EOPNOTSUPP;                                                        \
		map->def.field_name = v;                                                           \
		return 0;                                                                          \
	}

LDR_MAP_SETTER(type, uint32_t)
LDR_MAP_SETTER(key_size, uint32_t)
LDR_MAP_SETTER(value_size, uint32_t)
LDR_MAP_SETTER(max_entries, uint32_t)
LDR_MAP_SETTER(map_extra, uint64_t)
LDR_MAP_SETTER(numa_node, uint32_t)

int userbpf_map__set_map_flags(struct userbpf_map *map, uint32_t flags)
{
	LDR_BEFORE_LOAD(map);
	map->def.map_flags = flags;
	return 0;
}

int userbpf_map__set_autocreate(struct userbpf_map *map, bool autocreate)
{
	LDR_BEFORE_LOAD(map);
	map->autocreate = autocreate;
	return 0;
}

bool userbpf_map__autocreate(const struct userbpf_map *map)
{
	return map && map->autocreate;
}

int userbpf_map__reuse_fd(struct userbpf_map *map, int fd)
{
	LDR_BEFORE_LOAD(map);
	union bpf_attr a;
	struct bpf_map_info info;
	memset(&a, 0, sizeof a);
	memset(&info, 0, sizeof info);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (userbpf_sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0)
		return ldr_err(map->obj, -errno, "map '%s': reuse_fd %d: not a map", map->name, fd);
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (nfd < 0)
		return -errno;
	if (map->fd >= 0)
		userbpf_close(map->fd);
	map->fd = nfd;
	map->reused = true;
	map->def.type = info.type;
	map->def.key_size = info.key_size;
	map->def.value_size = info.value_size;
	map->def.max_entries = info.max_entries;
	map->def.map_flags = info.map_flags;
	map->def.map_extra = info.map_extra;
	return 0;
}

void *userbpf_map__initial_value(struct userbpf_map *map, size_t *psize)
{
	if (!map || !map->mmaped)
		return NULL;
	if (psize)
		*psize = map->def.value_size;
	if (map->obj->loaded && map->fd < 0)
		return NULL; /* not created: there is no live value */
	return map->mmaped;
}

int userbpf_map__set_initial_value(struct userbpf_map *map, const void *data, size_t size)
{
	LDR_BEFORE_LOAD(map);
	if (!map->mmaped || map->kind == LDR_MAP_KCONFIG || size != map->def.value_size)
		return -EINVAL;
	memcpy(map->mmaped, data, size);
	return 0;
}

const char *userbpf_map__pin_path(const struct userbpf_map *map)
{
	return map ? map->pin_path : NULL;
}

int userbpf_map__set_pin_path(struct userbpf_map *map, const char *path)
{
	if (!map)
		return -EINVAL;
	char *n = path ? ldr_strdup(path) : NULL;
	if (path && !n)
		return -ENOMEM;
	free(map->pin_path);
	map->pin_path = n;
	return 0;
}

bool userbpf_map__is_pinned(const struct userbpf_map *map)
{
	return map && map->pinned;
}

int userbpf_map__pin(struct userbpf_map *map, const char *path)
{
	if (!map)
		return -EINVAL;
	if (!path)
		path = map->pin_path;
	if (!path)
		return ldr_err(map->obj, -EINVAL, "map '%s': no pin path", map->name);
	if (map->pinned && map->pin_path && !strcmp(map->pin_path, path))
		return 0;
	if (map->fd < 0)
		return ldr_err(map->obj, -EINVAL, "map '%s': not created, cannot pin", map->name);
	int err = ldr_pin_fd(map->fd, path);
	if (err)
		return ldr_err(map->obj, err, "map '%s': cannot pin at '%s': %s", map->name, path,
		               strerror(-err));
	if (map->pin_path != path && (err = userbpf_map__set_pin_path(map, path)))
		return err;
	map->pinned = true;
	return 0;
}

int userbpf_map__unpin(struct userbpf_map *map, const char *path)
{
	if (!map)
		return -EINVAL;
	if (!path)
		path = map->pin_path;
	if (!path)
		return -EINVAL;
	int err = ldr_unpin(path);
	if (!err && map->pin_path && !strcmp(map->pin_path, path))
		map->pinned = false;
	return err;
}
