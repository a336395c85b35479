/* obj_refs.c — the references map slots hold: a prog array's programs, a map of maps' inner
 * maps.
 *
 * In the kernel a slot holds a reference to its object, so an inner map or a program whose
 * last fd is closed lives while it sits in a slot, and goes when the slot is overwritten or
 * deleted or its map goes. Our slots hold ids; the reference is a hard link to the object's
 * file, as programs hold their maps (obj_prog_file.c):
 *
 *   <root>/.refs/map-<map id>/k-<key in hex>     (h-<128-bit hash> for keys over 100 bytes)
 *
 * A slot update links the new object under a temporary name, updates the map, then renames
 * the link over the slot's (the old object's reference goes at that moment); a delete
 * unlinks it. The map's refs_lock (in its shared header) keeps the map and its links in
 * step across threads and processes.
 *
 * Nothing sees a map's last close, so the links of maps that are gone are removed by a
 * sweep at the id commands. A prog array is emptied when no user holds it any more (fds
 * and pins, not other objects' links: the kernel's uref), which breaks the cycle of a
 * program that tail-calls through a prog array holding that program.
 *
 * A file whose last link goes while it is still open can never be linked again (Linux
 * clears I_LINKABLE on an O_TMPFILE file's first link): the object could then never be
 * pinned or put in a slot again. So a reference link that is the object's last one and
 * whose object someone still has open or mapped (a write lease cannot be taken: the test
 * is exact and costs one open) is moved to <root>/.parked/ instead of being removed; the
 * sweep removes parked links once their objects are closed everywhere.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lock.h"
#include "object/object.h"

#define OBJ_REFS_HEX_MAX 100 /* longer keys are named by a hash */

static int obj_refs_dir(char *buf, uint32_t map_id, bool create)
{
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	int n = snprintf(buf, PATH_MAX, "%s/.refs", root);
	if (n < 0 || n >= PATH_MAX)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	n = snprintf(buf, PATH_MAX, "%s/.refs/map-%" PRIu32, root, map_id);
	if (n < 0 || n >= PATH_MAX)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Does anyone (any process: an fd or a mapping) hold the file open, besides us? A write
 * lease is refused while the file is open anywhere else. While we hold it, another open
 * of the file breaks it and the kernel signals the lease holder (SIGIO by default, which
 * would end the process): the signal is made SIGURG, whose default action is to ignore. */
bool obj_ref_held(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	bool held = fcntl(fd, F_SETSIG, SIGURG) < 0 ||
	            fcntl(fd, F_SETLEASE, F_WRLCK) < 0; /* EAGAIN: open elsewhere */
	if (!held)
		fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	return held;
}

int obj_ref_unlink(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISREG(st.st_mode) && st.st_nlink == 1 && obj_ref_held(dirfd, name)) {
		char root[PATH_MAX], park[PATH_MAX + 80];
		if (!obj_root(root)) {
			snprintf(park, sizeof park, "%s/.parked", root);
			if (mkdir(park, 0700) == 0 || errno == EEXIST) {
				snprintf(park, sizeof park, "%s/.parked/%" PRIx64 "-%" PRIx64, root,
				         (uint64_t)st.st_dev, (uint64_t)st.st_ino);
				if (renameat(dirfd, name, AT_FDCWD, park) == 0)
					return 0;
			}
		}
	}
	return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
}

/* Parked links of objects nobody holds any more. */
static void obj_refs_sweep_parked(const char *root)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/.parked", root);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && !obj_ref_held(dirfd(d), de->d_name))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

static uint64_t obj_refs_fnv(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The slot's link name: its key, which is what identifies a slot. */
static void obj_refs_slot_name(const struct bpf_map *map, const void *key, char *out)
{
	const unsigned char *k = key;
	size_t n = map->key_size;
	if (n <= OBJ_REFS_HEX_MAX) {
		out += sprintf(out, "k-");
		for (size_t i = 0; i < n; i++)
			out += sprintf(out, "%02x", k[i]);
		return;
	}
	sprintf(out, "h-%016" PRIx64 "%016" PRIx64, obj_refs_fnv(k, n, 0xcbf29ce484222325ull),
	        obj_refs_fnv(k, n, 0x84222325cbf29ce4ull));
}

int obj_slot_ref_prepare(const struct bpf_map *map, int ufd, char *tmp, size_t tmp_len)
{
	char dir[PATH_MAX], src[64];
	int err = obj_refs_dir(dir, map->sh->id, true);
	if (err)
		return err;
	static unsigned seq;
	int n = snprintf(tmp, tmp_len, "%s/.tmp-%ld-%u", dir, (long)getpid(),
	                 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	if (n < 0 || (size_t)n >= tmp_len)
		return -ENAMETOOLONG;
	snprintf(src, sizeof src, "/proc/self/fd/%d", ufd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

void obj_slot_ref_commit(const struct bpf_map *map, const void *key, const char *tmp)
{
	char path[PATH_MAX + 300];
	snprintf(path, sizeof path, "%s", tmp);
	char *slash = strrchr(path, '/');
	obj_refs_slot_name(map, key, slash + 1);
	obj_ref_unlink(AT_FDCWD, path); /* the object the slot held before: parked if need be */
	if (rename(tmp, path) < 0)
		unlink(tmp);
}

void obj_slot_ref_abort(const char *tmp)
{
	unlink(tmp);
}

void obj_slot_ref_drop(const struct bpf_map *map, const void *key)
{
	char dir[PATH_MAX], path[PATH_MAX + 300];
	if (obj_refs_dir(dir, map->sh->id, false))
		return;
	int n = snprintf(path, sizeof path, "%s/", dir);
	obj_refs_slot_name(map, key, path + n);
	obj_ref_unlink(AT_FDCWD, path);
}

/* Remove the directory `name` under parent and the links in it. */
static void obj_refs_remove(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			obj_ref_unlink(dirfd(d), de->d_name);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* A prog array no user holds: its slots are cleared, and their links go. */
static void obj_refs_clear_prog_array(int fd)
{
	struct bpf_map *map;
	if (bpf_map_attach_fd(fd, &map))
		return;
	if (map->map_type == BPF_MAP_TYPE_PROG_ARRAY) {
		ub_spin_lock(&map->sh->refs_lock);
		for (uint32_t i = 0; i < map->max_entries; i++)
			map->ops->map_delete_elem(map, &i);
		ub_spin_unlock(&map->sh->refs_lock);
	}
	bpf_map_detach(map);
}

void obj_map_refs_sweep(void)
{
	char root[PATH_MAX], dir[PATH_MAX + 8];
	if (obj_root(root))
		return;
	obj_refs_sweep_parked(root);
	snprintf(dir, sizeof dir, "%s/.refs", root);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "map-", 4))
			continue;
		char *end;
		unsigned long id = strtoul(de->d_name + 4, &end, 10);
		if (*end || !id || id > UINT32_MAX)
			continue;
		/* users first: a lookup through the links below would find itself */
		int ufd = obj_registry_open_ex(OBJ_MAP, (uint32_t)id, O_RDONLY, true);
		if (ufd >= 0) {
			close(ufd);
			continue;
		}
		int fd = obj_registry_open(OBJ_MAP, (uint32_t)id, O_RDWR);
		if (fd >= 0) { /* held only by objects: only a prog array lets go of its slots */
			struct stat st;
			enum obj_kind kind;
			uint32_t got;
			bool pa = false;
			if (!fstat(fd, &st) && !obj_file_probe(fd, &kind, &got) &&
			    kind == OBJ_MAP) {
				struct bpf_map_shared sh;
				pa = pread(fd, &sh, sizeof sh, st.st_size - BPF_MAP_PAGE_SIZE) ==
				             (ssize_t)sizeof sh &&
				     sh.map_type == BPF_MAP_TYPE_PROG_ARRAY;
			}
			if (pa)
				obj_refs_clear_prog_array(fd);
			close(fd);
			if (!pa)
				continue;
		}
		obj_refs_remove(dirfd(d), de->d_name);
	}
	closedir(d);
}
