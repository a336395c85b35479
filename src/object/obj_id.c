/* obj_id.c — object ids and the registry behind *_GET_NEXT_ID and *_GET_FD_BY_ID.
 *
 * Ids are global and increasing across processes, as the kernel's: one counter per kind
 * in <root>/.ids, a shared page bumped with an atomic add. To turn an id back into an
 * object, the registry names a holder, "pid fd dev ino": a slot of the shared table
 * (obj_regtab.c), else the symbolic link <root>/.registry/<kind>-<id> (entries the table
 * had no room for, and those of older versions). A lookup finds
 * the file through /proc/<pid>/fd/<fd> (same inode?), else through a pin under the root,
 * else by scanning every same-uid process's fds. An entry nothing resolves is an object
 * that is gone: it is deleted then (lazily, since no one sees the last close).
 *
 * Not seen: an object held only by mappings (mmap, then close), or only by processes of
 * another uid or that are not dumpable (their /proc/<pid>/fd is closed to us).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hook.h"
#include "object/obj_btf.h"
#include "object/obj_regtab.h"
#include "object/object.h"

static const char *const obj_kind_names[OBJ_NR_KINDS] = {
        [OBJ_MAP] = "map", [OBJ_PROG] = "prog", [OBJ_BTF] = "btf", [OBJ_LINK] = "link"};

static pthread_mutex_t obj_ids_lock = PTHREAD_MUTEX_INITIALIZER;
static char obj_ids_root[PATH_MAX];
static uint32_t *obj_ids; /* [kind]: the last id handed out */

/* The counter page of root, mapped (obj_ids_lock held). A page mapped for another root
 * stays mapped: a word handed out by obj_shared_word() must stay valid. */
static uint32_t *obj_ids_page(const char *root)
{
	if (obj_ids && !strcmp(root, obj_ids_root))
		return obj_ids;
	char path[PATH_MAX + 8];
	snprintf(path, sizeof path, "%s/.ids", root);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	/* growing to a page is idempotent, so concurrent creators agree */
	void *p = MAP_FAILED;
	if (fd >= 0 && ftruncate(fd, OBJ_PAGE_SIZE) == 0)
		p = ub_mmap(NULL, OBJ_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED)
		return NULL;
	obj_ids = p;
	memcpy(obj_ids_root, root, PATH_MAX);
	return obj_ids;
}

uint32_t obj_id_alloc(enum obj_kind kind, int *err)
{
	char root[PATH_MAX];
	*err = obj_root(root);
	if (*err)
		return 0;
	pthread_mutex_lock(&obj_ids_lock);
	uint32_t *ids = obj_ids_page(root);
	uint32_t id = ids ? __atomic_add_fetch(&ids[kind], 1, __ATOMIC_RELAXED) : 0;
	pthread_mutex_unlock(&obj_ids_lock);
	if (!id)
		*err = -ENOSPC;
	return id;
}

uint32_t obj_id_last(enum obj_kind kind)
{
	char root[PATH_MAX];
	if (obj_root(root))
		return 0;
	pthread_mutex_lock(&obj_ids_lock);
	uint32_t *ids = obj_ids_page(root);
	pthread_mutex_unlock(&obj_ids_lock);
	return ids ? __atomic_load_n(&ids[kind], __ATOMIC_RELAXED) : 0;
}

uint32_t *obj_shared_word(unsigned idx)
{
	char root[PATH_MAX];
	if (idx < OBJ_NR_KINDS || idx >= OBJ_PAGE_SIZE / sizeof(uint32_t) || obj_root(root))
		return NULL;
	pthread_mutex_lock(&obj_ids_lock);
	uint32_t *ids = obj_ids_page(root);
	pthread_mutex_unlock(&obj_ids_lock);
	return ids ? &ids[idx] : NULL;
}

static bool obj_registry_path(char *buf, const char *root, enum obj_kind kind, uint32_t id)
{
	/* int n: -Wformat-truncation cannot see that the length check is the point */
	int n = snprintf(buf, PATH_MAX, "%s/.registry/%s-%" PRIu32, root, obj_kind_names[kind], id);
	return n >= 0 && n < PATH_MAX;
}

/* A registry entry is a symbolic link whose target is the holder, "pid fd dev ino": made
 * with one system call, read with one (entries of older versions are regular files holding
 * the same line, and are still read). */
static int obj_registry_line(char *line, size_t len, const struct obj_holder *h)
{
	return snprintf(line, len, "%ld %d %" PRIu64 " %" PRIu64, h->pid, h->fd, h->dev, h->ino);
}

/* Replace the link at path (readers see the old one or the new one, never half of one). */
static void obj_registry_link(const char *path, const struct obj_holder *h)
{
	char tmp[PATH_MAX + 32], line[128];
	static unsigned seq;
	snprintf(tmp, sizeof tmp, "%s.%ld.%u.tmp", path, (long)getpid(),
	         __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	obj_registry_line(line, sizeof line, h);
	if (symlink(line, tmp) < 0)
		return;
	if (rename(tmp, path) < 0)
		unlink(tmp);
}

/* The table's slot of an older object is taken: its entry becomes a link. */
static void obj_registry_spill(const char *root, enum obj_kind kind, uint32_t id,
                               const struct obj_holder *h)
{
	char path[PATH_MAX], line[128];
	if (!obj_registry_path(path, root, kind, id))
		return;
	obj_registry_line(line, sizeof line, h);
	if (symlink(line, path) < 0) /* EEXIST: a link was made for it before */
		return;
}

/* A new holder for an entry that exists (the table's slot, else the link). */
static void obj_registry_write(const char *root, const char *path, enum obj_kind kind, uint32_t id,
                               const struct obj_holder *h)
{
	if (!obj_regtab_set(root, kind, id, h, true, obj_registry_spill))
		obj_registry_link(path, h);
}

/* Forget the entry of an object that is gone. */
static void obj_registry_remove(const char *root, const char *path, enum obj_kind kind, uint32_t id)
{
	if (!obj_regtab_del(root, kind, id))
		unlink(path);
}

void obj_registry_forget(enum obj_kind kind, uint32_t id)
{
	char root[PATH_MAX], path[PATH_MAX];
	if (!obj_root(root) && obj_registry_path(path, root, kind, id))
		obj_registry_remove(root, path, kind, id);
}

void obj_registry_add_st(enum obj_kind kind, uint32_t id, int fd, const struct stat *st)
{
	char root[PATH_MAX], path[PATH_MAX], line[128];
	if (obj_root(root))
		return;
	struct obj_holder h = {getpid(), fd, st->st_dev, st->st_ino};
	/* a store in shared memory; a link only when the table cannot take it */
	if (obj_regtab_set(root, kind, id, &h, false, obj_registry_spill) ||
	    !obj_registry_path(path, root, kind, id))
		return;
	obj_registry_line(line, sizeof line, &h);
	/* a new id: nothing is there yet, so the entry is made in place */
	if (symlink(line, path) < 0)
		obj_registry_link(path, &h);
}

void obj_registry_add(enum obj_kind kind, uint32_t id, int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0)
		obj_registry_add_st(kind, id, fd, &st);
}

static int obj_registry_read(const char *root, const char *path, enum obj_kind kind, uint32_t id,
                             struct obj_holder *h)
{
	if (obj_regtab_get(root, kind, id, h))
		return 0;
	char line[128];
	ssize_t n = readlink(path, line, sizeof line - 1);
	if (n < 0 && errno == EINVAL) { /* an entry of an older version: a regular file */
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -ENOENT;
		n = read(fd, line, sizeof line - 1);
		close(fd);
	}
	if (n <= 0)
		return -ENOENT;
	line[n] = 0;
	if (sscanf(line, "%ld %d %" SCNu64 " %" SCNu64, &h->pid, &h->fd, &h->dev, &h->ino) != 4)
		return -ENOENT;
	return 0;
}

/* Open path if it is the registered inode and still carries this kind and id. */
static int obj_open_if(const char *path, const struct obj_holder *h, enum obj_kind kind,
                       uint32_t id, int accmode)
{
	struct stat st;
	if (stat(path, &st) < 0 || st.st_dev != h->dev || st.st_ino != h->ino)
		return -ENOENT;
	int fd = open(path, accmode | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	enum obj_kind k;
	uint32_t i;
	/* the inode number may have been reused by a newer object */
	if (obj_file_probe(fd, &k, &i) < 0 || k != kind || i != id) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Where a directory of the scan is: the root, .refs (where prog-<id> is a program's own
 * name, obj_prog_file.c: never a holder), elsewhere. */
enum obj_scan_where { OBJ_SCAN_ROOT, OBJ_SCAN_REFS, OBJ_SCAN_OTHER };

/* Is name "prog-<digits>"? */
static bool obj_is_prog_name(const char *name)
{
	if (strncmp(name, "prog-", 5) || !name[5])
		return false;
	for (const char *c = name + 5; *c; c++)
		if (*c < '0' || *c > '9')
			return false;
	return true;
}

/* A pin under dir of the registered inode (recursive; skips our own bookkeeping, and the
 * .refs links that objects hold on each other when user_only). */
static int obj_scan_pins(const char *dir, const struct obj_holder *h, enum obj_kind kind,
                         uint32_t id, int accmode, int depth, bool user_only,
                         enum obj_scan_where where)
{
	DIR *d = opendir(dir);
	if (!d || depth > 16) {
		if (d)
			closedir(d);
		return -ENOENT;
	}
	int fd = -ENOENT;
	struct dirent *de;
	while (fd < 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".ids") ||
		     !strcmp(de->d_name, ".registry") || !strcmp(de->d_name, ".regtab") ||
		     !strcmp(de->d_name, ".parked") ||
		     (user_only && depth == 0 && !strcmp(de->d_name, ".refs"))))
			continue;
		char path[PATH_MAX * 2];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		enum obj_scan_where sub = OBJ_SCAN_OTHER;
		if (where == OBJ_SCAN_ROOT && !strcmp(de->d_name, ".refs"))
			sub = OBJ_SCAN_REFS;
		if (S_ISDIR(st.st_mode))
			fd = obj_scan_pins(path, h, kind, id, accmode, depth + 1, user_only, sub);
		else if (where == OBJ_SCAN_REFS && obj_is_prog_name(de->d_name))
			continue; /* a program's own name */
		else if (S_ISREG(st.st_mode) && st.st_ino == h->ino && st.st_dev == h->dev)
			fd = obj_open_if(path, h, kind, id, accmode);
	}
	closedir(d);
	return fd;
}

/* Any same-uid process holding the inode: the last resort (fds passed by SCM_RIGHTS). */
static int obj_scan_procs(struct obj_holder *h, enum obj_kind kind, uint32_t id, int accmode)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return -ENOENT;
	uid_t uid = getuid();
	int fd = -ENOENT;
	struct dirent *pe;
	while (fd < 0 && (pe = readdir(proc))) {
		char *end;
		long pid = strtol(pe->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char dir[64];
		struct stat pst;
		snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
		if (stat(dir, &pst) < 0 || pst.st_uid != uid)
			continue;
		DIR *fds = opendir(dir);
		if (!fds)
			continue;
		struct dirent *fe;
		while (fd < 0 && (fe = readdir(fds))) {
			if (fe->d_name[0] == '.')
				continue;
			char path[64 + sizeof fe->d_name];
			snprintf(path, sizeof path, "%s/%s", dir, fe->d_name);
			fd = obj_open_if(path, h, kind, id, accmode);
			if (fd >= 0) {
				h->pid = pid;
				h->fd = atoi(fe->d_name);
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return fd;
}

int obj_registry_open(enum obj_kind kind, uint32_t id, int accmode)
{
	return obj_registry_open_ex(kind, id, accmode, false);
}

int obj_registry_open_ex(enum obj_kind kind, uint32_t id, int accmode, bool user_only)
{
	char root[PATH_MAX], path[PATH_MAX], link[64];
	int err = obj_root(root);
	if (err)
		return err;
	struct obj_holder h;
	if (!obj_registry_path(path, root, kind, id) ||
	    obj_registry_read(root, path, kind, id, &h) < 0)
		return -ENOENT;
	snprintf(link, sizeof link, "/proc/%ld/fd/%d", h.pid, h.fd);
	int fd = obj_open_if(link, &h, kind, id, accmode);
	/* a program with a name under .refs that nothing holds: gone, without a scan */
	if (fd < 0 && kind == OBJ_PROG && obj_prog_gone(id)) {
		obj_registry_remove(root, path, kind, id);
		return -ENOENT;
	}
	if (fd < 0)
		fd = obj_scan_pins(root, &h, kind, id, accmode, 0, user_only, OBJ_SCAN_ROOT);
	if (fd < 0) {
		fd = obj_scan_procs(&h, kind, id, accmode);
		if (fd >= 0) /* the next lookup goes straight there */
			obj_registry_write(root, path, kind, id, &h);
	}
	if (fd < 0 && !user_only) /* nothing holds it: the object is gone */
		obj_registry_remove(root, path, kind, id);
	return fd;
}

static int obj_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

long obj_get_next_id(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	enum obj_kind kind = obj_cmd_kind(obj_cur_cmd);
	char root[PATH_MAX], dir[PATH_MAX + 16];
	int err = obj_root(root);
	if (err)
		return err;
	obj_fd_revalidate();  /* our own stale entries no longer hold their objects */
	obj_map_refs_sweep(); /* objects held only by slots of maps that are gone */
	if (kind == OBJ_MAP)
		obj_prog_refs_sweep(); /* maps held only by programs that are gone */
	if (kind == OBJ_BTF)
		obj_btf_refs_sweep(); /* BTF held only by maps and programs that are gone */
	snprintf(dir, sizeof dir, "%s/.registry", root);
	DIR *d = opendir(dir);
	if (!d)
		return -ENOENT;
	size_t n = 0, cap = 0;
	uint32_t *ids = NULL;
	size_t kl = strlen(obj_kind_names[kind]);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, obj_kind_names[kind], kl) || de->d_name[kl] != '-')
			continue;
		char *end;
		unsigned long id = strtoul(de->d_name + kl + 1, &end, 10);
		if (*end || id <= a->start_id || id > UINT32_MAX)
			continue;
		if (n == cap) {
			uint32_t *nids = realloc(ids, (cap = cap ? cap * 2 : 64) * sizeof *ids);
			if (!nids)
				break;
			ids = nids;
		}
		ids[n++] = (uint32_t)id;
	}
	closedir(d);
	if (obj_regtab_list(root, kind, a->start_id, obj_id_last(kind), &ids, &n, &cap)) {
		free(ids);
		return -ENOMEM;
	}
	if (n)
		qsort(ids, n, sizeof *ids, obj_cmp_u32);
	long ret = -ENOENT;
	for (size_t i = 0; i < n && ret < 0; i++) {
		if (i && ids[i] == ids[i - 1])
			continue; /* in the table and (a stale) link */
		int fd = obj_registry_open(kind, ids[i], O_RDONLY);
		if (fd < 0)
			continue;
		close(fd);
		ret = obj_put_u32(&ua->next_id, ids[i]);
	}
	free(ids);
	return ret;
}

long obj_get_fd_by_id(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	enum obj_kind kind = obj_cmd_kind(obj_cur_cmd);
	if (kind == OBJ_BTF && a->open_flags)
		return -EINVAL; /* Linux 6.18 knows only BPF_F_TOKEN_FD there */
	if (a->open_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY))
		return -EINVAL;
	int acc = obj_file_flags(a->open_flags);
	if (acc < 0)
		return acc;
	if (kind == OBJ_BTF)
		acc = O_RDONLY; /* BTF fds are read-only */
	if (!a->map_id)
		return -ENOENT;
	obj_fd_revalidate();
	obj_map_refs_sweep();
	if (kind == OBJ_MAP)
		obj_prog_refs_sweep();
	if (kind == OBJ_BTF)
		obj_btf_refs_sweep();
	int fd = obj_registry_open(kind, a->map_id, acc);
	if (fd < 0)
		return fd;
	struct obj_entry *e;
	obj_fd_drop(fd);
	int err = obj_fd_get(fd, kind, &e);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
