/* ldr_load.c — userbpf_object__load: BTF, maps, programs, initial slots, in libbpf's order,
 * every object created through userbpf_sys_bpf.
 *
 *  1. CO-RE relocations of every function (ldr_core.c), against btf_custom_path if given;
 *  2. BTF_LOAD of the object's BTF (on failure the object goes on without BTF, as libbpf);
 *  3. maps: a LIBBPF_PIN_BY_NAME map reuses the map pinned at its path when type, sizes,
 *     entries, flags and map_extra agree (else the load fails), or is created and pinned;
 *     global data gets its initial contents with MAP_UPDATE_ELEM, .rodata and .kconfig are
 *     frozen, and the private image is replaced in place by a mapping of the map; maps of
 *     maps are created after the others (a legacy inner template must exist) with their
 *     BTF inner definition as a temporary template; then their values[] slots are filled;
 *  4. programs: linked (ldr_link.c) and given to PROG_LOAD with func_info/line_info; a
 *     failed load at log level 0 is retried at level 1 to keep the verifier's log;
 *  5. prog_array values[] slots get the program fds.
 * A failure anywhere closes everything created; load runs once, like libbpf's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cpu.h"
#include "loader/ldr.h"
#include "loader/ldr_btf.h"
#include "object/object.h"

#define LDR_LOG_SIZE (1u << 20)

static long ldr_bpf(int cmd, union bpf_attr *a)
{
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static uint64_t ldr_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ---- BTF ---- */

static void ldr_load_btf(struct userbpf_object *obj)
{
	obj->btf_fd = -1;
	if (!obj->btf)
		return;
	uint32_t size = 0;
	const void *raw = btf__raw_data(obj->btf, &size);
	if (!raw)
		return;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = ldr_ptr(raw);
	a.btf_size = size;
	long fd = ldr_bpf(BPF_BTF_LOAD, &a);
	if (fd < 0) {
		ldr_info(obj, "BTF_LOAD failed (%s): going on without BTF", strerror((int)-fd));
		return;
	}
	obj->btf_fd = (int)fd;
}

/* ---- maps ---- */

/* Where userbpf keeps a pin path: /sys/fs/bpf/... and paths in the bpffs root are inside
 * the root; false for anything else (OBJ_PIN refuses those, as a non-bpffs path). */
static bool ldr_pin_real_path(const char *path, char *out, size_t len)
{
	char root[PATH_MAX];
	if (obj_root(root))
		return false;
	size_t rl = strlen(root);
	const char *rest;
	if (!strncmp(path, "/sys/fs/bpf/", 12))
		rest = path + 11;
	else if (!strncmp(path, root, rl) && path[rl] == '/')
		rest = path + rl;
	else
		return false;
	int n = snprintf(out, len, "%s%s", root, rest);
	return n > 0 && (size_t)n < len;
}

/* mkdir -p for the parent of a pin path, inside the bpffs root only (the real /sys/fs/bpf
 * is never touched: userbpf keeps its objects under its own root). */
static void ldr_pin_mkdirs(const char *path)
{
	char root[PATH_MAX], real[PATH_MAX * 2];
	if (obj_root(root) || !ldr_pin_real_path(path, real, sizeof real))
		return;
	char *slash = strrchr(real, '/');
	if (!slash)
		return;
	*slash = 0;
	for (char *p = real + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(real, 0700);
			*p = '/';
		}
	mkdir(real, 0700);
}

int ldr_pin_fd(int fd, const char *path)
{
	ldr_pin_mkdirs(path);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = ldr_ptr(path);
	a.bpf_fd = (uint32_t)fd;
	long r = ldr_bpf(BPF_OBJ_PIN, &a);
	return r < 0 ? (int)r : 0;
}

int ldr_unpin(const char *path)
{
	char real[PATH_MAX * 2];
	if (!ldr_pin_real_path(path, real, sizeof real))
		return -EINVAL;
	return unlink(real) < 0 ? -errno : 0;
}

static int ldr_map_info(int fd, struct bpf_map_info *info)
{
	memset(info, 0, sizeof *info);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof *info;
	a.info.info = ldr_ptr(info);
	long r = ldr_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
	return r < 0 ? (int)r : 0;
}

static uint32_t ldr_map_max_entries(const struct userbpf_map *m)
{
	if (m->def.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && !m->def.max_entries)
		return (uint32_t)ub_num_possible_cpus();
	return m->def.max_entries;
}

/* A map pinned at the pin path: reuse it when compatible. 0 with m->fd set, 0 with m->fd < 0
 * when nothing is pinned there, or -errno. */
static int ldr_map_reuse_pinned(struct userbpf_object *obj, struct userbpf_map *m)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = ldr_ptr(m->pin_path);
	long fd = ldr_bpf(BPF_OBJ_GET, &a);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return ldr_err(obj, (int)fd, "map '%s': cannot open pinned map '%s': %s", m->name,
		               m->pin_path, strerror((int)-fd));
	struct bpf_map_info info;
	int err = ldr_map_info((int)fd, &info);
	if (err) {
		userbpf_close((int)fd);
		return ldr_err(obj, err, "map '%s': pinned object '%s' is not a map", m->name,
		               m->pin_path);
	}
	if (info.type != m->def.type || info.key_size != m->def.key_size ||
	    info.value_size != m->def.value_size || info.max_entries != ldr_map_max_entries(m) ||
	    info.map_flags != m->def.map_flags || info.map_extra != m->def.map_extra) {
		userbpf_close((int)fd);
		return ldr_err(
		        obj, -EINVAL,
		        "map '%s': couldn't reuse pinned map at '%s': parameter mismatch "
		        "(pinned: type %u key %u value %u entries %u flags 0x%x; object: type "
		        "%u key %u value %u entries %u flags 0x%x)",
		        m->name, m->pin_path, info.type, info.key_size, info.value_size,
		        info.max_entries, info.map_flags, m->def.type, m->def.key_size,
		        m->def.value_size, ldr_map_max_entries(m), m->def.map_flags);
	}
	m->fd = (int)fd;
	m->pinned = true;
	m->reused = true;
	ldr_debug(obj, "map '%s': reusing the map pinned at '%s'", m->name, m->pin_path);
	return 0;
}

static bool ldr_map_no_btf(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return true;
	default:
		return false;
	}
}

static bool ldr_map_is_mim(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int ldr_map_create_one(struct userbpf_object *obj, struct userbpf_map *m, int inner_fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = m->def.type;
	a.key_size = m->def.key_size;
	a.value_size = m->def.value_size;
	a.max_entries = ldr_map_max_entries(m);
	a.map_flags = m->def.map_flags;
	a.map_extra = m->def.map_extra;
	a.numa_node = m->def.numa_node;
	if (m->def.numa_node)
		a.map_flags |= BPF_F_NUMA_NODE;
	snprintf(a.map_name, sizeof a.map_name, "%s", m->name);
	a.inner_map_fd = inner_fd >= 0 ? (uint32_t)inner_fd : 0;
	bool with_btf = obj->btf_fd >= 0 && !ldr_map_no_btf(m->def.type) &&
	                (m->def.btf_key_type_id || m->def.btf_value_type_id);
	if (with_btf) {
		a.btf_fd = (uint32_t)obj->btf_fd;
		a.btf_key_type_id = m->def.btf_key_type_id;
		a.btf_value_type_id = m->def.btf_value_type_id;
	}
	long fd = ldr_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0 && with_btf) {
		ldr_info(obj, "map '%s': MAP_CREATE with BTF failed (%s), retrying without",
		         m->name, strerror((int)-fd));
		a.btf_fd = a.btf_key_type_id = a.btf_value_type_id = 0;
		fd = ldr_bpf(BPF_MAP_CREATE, &a);
	}
	if (fd < 0)
		return ldr_err(
		        obj, (int)fd,
		        "map '%s': MAP_CREATE failed: %s (type %u, key %u, value %u, entries %u, "
		        "flags 0x%x)",
		        m->name, strerror((int)-fd), a.map_type, a.key_size, a.value_size,
		        a.max_entries, a.map_flags);
	m->fd = (int)fd;
	return 0;
}

/* Global data: initial contents, freeze, and the live mapping at the same address. */
static int ldr_map_populate(struct userbpf_object *obj, struct userbpf_map *m)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	uint32_t zero = 0;
	a.map_fd = (uint32_t)m->fd;
	a.key = ldr_ptr(&zero);
	a.value = ldr_ptr(m->mmaped);
	long r = ldr_bpf(BPF_MAP_UPDATE_ELEM, &a);
	if (r < 0)
		return ldr_err(obj, (int)r, "map '%s': cannot set the initial value: %s", m->name,
		               strerror((int)-r));
	bool ro = m->def.map_flags & BPF_F_RDONLY_PROG;
	if (ro) {
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)m->fd;
		r = ldr_bpf(BPF_MAP_FREEZE, &a);
		if (r < 0)
			return ldr_err(obj, (int)r, "map '%s': MAP_FREEZE failed: %s", m->name,
			               strerror((int)-r));
	}
	if (!(m->def.map_flags & BPF_F_MMAPABLE))
		return 0;
	void *p = mmap(m->mmaped, m->mmap_sz, ro ? PROT_READ : PROT_READ | PROT_WRITE,
	               MAP_SHARED | MAP_FIXED, m->fd, 0);
	if (p == MAP_FAILED)
		return ldr_err(obj, -errno, "map '%s': cannot mmap the map: %s", m->name,
		               strerror(errno));
	return 0;
}

static int ldr_map_pin_now(struct userbpf_object *obj, struct userbpf_map *m)
{
	int r = ldr_pin_fd(m->fd, m->pin_path);
	if (r < 0)
		return ldr_err(obj, (int)r, "map '%s': failed to auto-pin at '%s': %s", m->name,
		               m->pin_path, strerror((int)-r));
	m->pinned = true;
	return 0;
}

static int ldr_map_setup(struct userbpf_object *obj, struct userbpf_map *m)
{
	int err;
	if (m->pin_path && m->fd < 0 && (err = ldr_map_reuse_pinned(obj, m)))
		return err;
	if (m->fd >= 0)
		return 0; /* reused: pinned or userbpf_map__reuse_fd */
	int inner_fd = -1;
	if (ldr_map_is_mim(m->def.type)) {
		if (m->inner) {
			if ((err = ldr_map_create_one(obj, m->inner, -1)))
				return err;
			inner_fd = m->inner->fd;
		} else if (m->kind == LDR_MAP_LEGACY) {
			for (uint32_t k = 0; k < obj->nr_maps && inner_fd < 0; k++)
				if (obj->maps[k].kind == LDR_MAP_LEGACY && obj->maps[k].legacy_id &&
				    obj->maps[k].legacy_id == m->legacy_inner_id)
					inner_fd = obj->maps[k].fd;
		}
		if (inner_fd < 0)
			return ldr_err(obj, -EINVAL,
			               "map '%s': a map of maps needs an inner map definition "
			               "(__array(values, ...))",
			               m->name);
	}
	err = ldr_map_create_one(obj, m, inner_fd);
	if (m->inner) { /* the template is not needed once the outer map exists */
		userbpf_close(m->inner->fd);
		m->inner->fd = -1;
	}
	if (err)
		return err;
	ldr_debug(obj, "map '%s': created, fd %d", m->name, m->fd);
	if (m->mmaped && (err = ldr_map_populate(obj, m)))
		return err;
	if (m->pin_path && !m->pinned && (err = ldr_map_pin_now(obj, m)))
		return err;
	return 0;
}

static int ldr_slot_update(struct userbpf_object *obj, struct userbpf_map *m,
                           const struct ldr_init_slot *s, int fd, const char *tname)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	uint32_t key = s->index, val = (uint32_t)fd;
	a.map_fd = (uint32_t)m->fd;
	a.key = ldr_ptr(&key);
	a.value = ldr_ptr(&val);
	long r = ldr_bpf(BPF_MAP_UPDATE_ELEM, &a);
	if (r < 0)
		return ldr_err(obj, (int)r, "map '%s': cannot set slot [%u] to %s '%s': %s",
		               m->name, s->index, s->is_prog ? "program" : "map", tname,
		               strerror((int)-r));
	return 0;
}

static int ldr_fill_slots(struct userbpf_object *obj, bool progs)
{
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct userbpf_map *m = &obj->maps[i];
		if (m->fd < 0 || m->reused)
			continue;
		for (uint32_t k = 0; k < m->nr_slots; k++) {
			const struct ldr_init_slot *s = &m->slots[k];
			if (s->is_prog != progs)
				continue;
			int fd;
			const char *tname;
			if (progs) {
				const struct userbpf_program *p = &obj->progs[s->target];
				tname = p->name;
				if (p->fd < 0) {
					ldr_info(obj,
					         "map '%s': slot [%u]: program '%s' is not loaded",
					         m->name, s->index, p->name);
					continue;
				}
				fd = p->fd;
			} else {
				const struct userbpf_map *t = &obj->maps[s->target];
				tname = t->name;
				if (t->fd < 0)
					return ldr_err(
					        obj, -ENOENT,
					        "map '%s': slot [%u]: map '%s' was not created",
					        m->name, s->index, t->name);
				fd = t->fd;
			}
			int err = ldr_slot_update(obj, m, s, fd, tname);
			if (err)
				return err;
		}
	}
	return 0;
}

static int ldr_create_maps(struct userbpf_object *obj)
{
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < obj->nr_maps; i++) {
			struct userbpf_map *m = &obj->maps[i];
			if (!m->autocreate || ldr_map_is_mim(m->def.type) != (pass == 1))
				continue;
			int err = ldr_map_setup(obj, m);
			if (err)
				return err;
		}
	return ldr_fill_slots(obj, false);
}

/* ---- programs ---- */

/* fentry/fexit/lsm/iter/tp_btf name a kernel function: resolvable only with a target BTF. */
static uint32_t ldr_attach_btf_id(struct userbpf_object *obj, struct userbpf_program *p)
{
	if (!p->sec_def || !(p->sec_def->flags & LDR_SEC_ATTACH_BTF) || !obj->target_btf)
		return 0;
	const char *target = userbpf_program__attach_target(p);
	if (!target || !*target)
		return 0;
	const char *pfx = "";
	int kind = BTF_KIND_FUNC;
	if (p->attach_type == BPF_TRACE_RAW_TP) {
		pfx = "btf_trace_";
		kind = BTF_KIND_TYPEDEF;
	} else if (p->attach_type == BPF_LSM_MAC || p->attach_type == BPF_LSM_CGROUP) {
		pfx = "bpf_lsm_";
	} else if (p->attach_type == BPF_TRACE_ITER) {
		pfx = "bpf_iter_";
	}
	char name[256];
	snprintf(name, sizeof name, "%s%s", pfx, target);
	int id = btf__find_by_name_kind(obj->target_btf, name, kind);
	return id > 0 ? (uint32_t)id : 0;
}

static long ldr_prog_load_attr(struct userbpf_object *obj, struct userbpf_program *p,
                               uint32_t log_level, char *log, uint32_t log_size)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = p->type;
	a.insns = ldr_ptr(p->insns);
	a.insn_cnt = p->insn_cnt;
	a.license = ldr_ptr(obj->license);
	a.kern_version = obj->kversion;
	snprintf(a.prog_name, sizeof a.prog_name, "%s", p->name);
	a.expected_attach_type = p->attach_type;
	a.prog_flags = p->prog_flags;
	if (p->sec_def && (p->sec_def->flags & LDR_SEC_SLEEPABLE))
		a.prog_flags |= BPF_F_SLEEPABLE;
	if (p->sec_def && (p->sec_def->flags & LDR_SEC_XDP_FRAGS))
		a.prog_flags |= BPF_F_XDP_HAS_FRAGS;
	if (obj->btf_fd >= 0) {
		a.prog_btf_fd = (uint32_t)obj->btf_fd;
		if (p->func_info_cnt) {
			a.func_info = ldr_ptr(p->func_info);
			a.func_info_cnt = p->func_info_cnt;
			a.func_info_rec_size = sizeof(struct bpf_func_info);
		}
		if (p->line_info_cnt) {
			a.line_info = ldr_ptr(p->line_info);
			a.line_info_cnt = p->line_info_cnt;
			a.line_info_rec_size = sizeof(struct bpf_line_info);
		}
	}
	a.attach_btf_id = ldr_attach_btf_id(obj, p);
	a.log_level = log_level;
	if (log) {
		a.log_buf = ldr_ptr(log);
		a.log_size = log_size;
	}
	return ldr_bpf(BPF_PROG_LOAD, &a);
}

/* The last non-empty line of a verifier log that is not the "processed" summary. */
static void ldr_log_last_line(const char *log, char *out, size_t len)
{
	out[0] = 0;
	const char *p = log;
	while (p && *p) {
		const char *e = strchrnul(p, '\n');
		if (e > p && strncmp(p, "processed ", 10)) {
			size_t n = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
			memcpy(out, p, n);
			out[n] = 0;
		}
		p = *e ? e + 1 : e;
	}
}

static int ldr_load_prog(struct userbpf_object *obj, struct userbpf_program *p)
{
	char desc[160];
	ldr_prog_desc(p, desc, sizeof desc);
	if (p->type == BPF_PROG_TYPE_UNSPEC)
		return ldr_err(obj, -EINVAL, "%s: missing BPF program type, check the section name",
		               desc);
	int err = ldr_prog_link(obj, p);
	if (err)
		return err;
	char *log = NULL;
	uint32_t level = p->log_level;
	if (level) {
		log = calloc(1, LDR_LOG_SIZE);
		if (!log)
			return -ENOMEM;
	}
	long fd = ldr_prog_load_attr(obj, p, level, log, log ? LDR_LOG_SIZE : 0);
	if (fd == -ENOSPC && log)
		fd = ldr_prog_load_attr(obj, p, level, NULL, 0) /* log too small: load anyway */;
	if (fd < 0 && !level) {
		/* as libbpf: retry with a log to say why */
		log = calloc(1, LDR_LOG_SIZE);
		long again = log ? ldr_prog_load_attr(obj, p, 1, log, LDR_LOG_SIZE) : -ENOMEM;
		if (again >= 0)
			userbpf_close((int)again);
	}
	free(p->log);
	p->log = log;
	if (fd < 0) {
		char last[200];
		ldr_log_last_line(log, last, sizeof last);
		return ldr_err(obj, (int)fd, "%s: BPF_PROG_LOAD failed: %s%s%s", desc,
		               strerror((int)-fd), last[0] ? "; verifier: " : "", last);
	}
	p->fd = (int)fd;
	ldr_debug(obj, "%s: loaded, fd %d, %u insns", desc, p->fd, p->insn_cnt);
	return 0;
}

/* ---- the whole object ---- */

void ldr_object_unload(struct userbpf_object *obj)
{
	for (uint32_t i = 0; i < obj->nr_progs; i++) {
		if (obj->progs[i].fd >= 0)
			userbpf_close(obj->progs[i].fd);
		obj->progs[i].fd = -1;
	}
	for (uint32_t i = 0; i < obj->nr_maps; i++) {
		struct userbpf_map *m = &obj->maps[i];
		if (m->fd >= 0)
			userbpf_close(m->fd);
		m->fd = -1;
		if (m->inner && m->inner->fd >= 0) {
			userbpf_close(m->inner->fd);
			m->inner->fd = -1;
		}
	}
	if (obj->btf_fd >= 0)
		userbpf_close(obj->btf_fd);
	obj->btf_fd = -1;
}

static int ldr_core_all(struct userbpf_object *obj)
{
	if (obj->btf_custom_path) {
		obj->target_btf = btf__parse(obj->btf_custom_path, NULL);
		if (!obj->target_btf)
			return ldr_err(obj, -errno ? -errno : -EINVAL,
			               "cannot read the target BTF '%s': %s", obj->btf_custom_path,
			               strerror(errno ? errno : EINVAL));
	}
	for (uint32_t i = 0; i < obj->nr_progs; i++) {
		/* as libbpf: a program that will not be loaded is not relocated */
		if (!obj->progs[i].is_subprog && !obj->progs[i].autoload)
			continue;
		int err = ldr_core_relocate(obj, &obj->progs[i]);
		if (err)
			return err;
	}
	return 0;
}

int ldr_object_load(struct userbpf_object *obj)
{
	int err = ldr_core_all(obj);
	if (!err) {
		ldr_load_btf(obj);
		err = ldr_create_maps(obj);
	}
	for (uint32_t i = 0; !err && i < obj->nr_progs; i++) {
		struct userbpf_program *p = &obj->progs[i];
		if (!p->is_subprog && p->autoload)
			err = ldr_load_prog(obj, p);
	}
	if (!err)
		err = ldr_fill_slots(obj, true);
	if (obj->target_btf) {
		btf__free(obj->target_btf);
		obj->target_btf = NULL;
	}
	if (err)
		ldr_object_unload(obj);
	return err;
}
