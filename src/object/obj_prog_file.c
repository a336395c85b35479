/* obj_prog_file.c — what a program file implies beyond its bytes: the tag and the
 * keep-alive links of its maps.
 *
 * The kernel keeps a program's maps alive while the program lives. Our program is a
 * file that may outlive its loader (a pin), and a map is a file too, so the program's
 * hold on a map is a hard link, <root>/.refs/prog-<id>.map-<map id>. The file of a program
 * that holds maps is created under the name <root>/.refs/prog-<id> (a program without maps
 * is an unnamed O_TMPFILE file): that name tells cheaply and exactly when the program is
 * gone (no other link — pin, prog array slot — and no process has it open or mapped: a
 * write lease can be taken), without looking through every process's fds. The registry
 * never counts that name as a holder (obj_id.c).
 *
 * Nothing sees a program's last close, so its links go in a sweep: a program that is gone
 * loses its map links, then its name (its file goes then). The id commands sweep every
 * time; PROG_LOAD sweeps when as many programs were loaded since the last sweep as that
 * sweep left alive (at least OBJ_SWEEP_MIN), so that its cost per load stays constant
 * while what waits to be freed stays bounded. Map links of a program without that name
 * (PROG_BIND_MAP on a program loaded without maps) and the directories older versions
 * made (<root>/.refs/prog-<id>/map-<map id>) are swept by asking the registry.
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

#include <userbpf/isa.h>

#include "core/sha256.h"
#include "object/object.h"

#define OBJ_SWEEP_MIN 32u /* loads between sweeps at PROG_LOAD, at least */

/* As bpf_prog_calc_tag (Linux 6.18: SHA-256; earlier kernels used SHA-1): map fds (and the value
 * offset of a map value reference) are zeroed, since they are process-local; the digest's first 8
 * bytes are the tag. */
void obj_prog_tag(const struct bpf_insn *insns, uint32_t cnt, uint8_t tag[BPF_TAG_SIZE])
{
	struct ub_sha256 s;
	ub_sha256_init(&s);
	bool was_ld_map = false;
	for (uint32_t i = 0; i < cnt; i++) {
		struct bpf_insn in = insns[i];
		if (was_ld_map) {
			in.imm = 0;
			was_ld_map = false;
		} else if (userbpf_insn_is_ldimm64(&in) && (in.src_reg == BPF_PSEUDO_MAP_FD ||
		                                            in.src_reg == BPF_PSEUDO_MAP_VALUE)) {
			in.imm = 0;
			was_ld_map = true;
		}
		ub_sha256_update(&s, &in, sizeof in);
	}
	uint8_t digest[32];
	ub_sha256_final(&s, digest);
	memcpy(tag, digest, BPF_TAG_SIZE);
}

/* --- keep-alive links --- */

static int obj_refs_path(char *buf, size_t len, const char *fmt, uint32_t a, uint32_t b)
{
	char root[PATH_MAX], name[64];
	int err = obj_root(root);
	if (err)
		return err;
	snprintf(name, sizeof name, fmt, a, b);
	int n = snprintf(buf, len, "%s/.refs/%s", root, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int obj_prog_file_create(uint32_t prog_id)
{
	char path[PATH_MAX + 64];
	int err = obj_refs_path(path, sizeof path, "prog-%" PRIu32, prog_id, 0);
	if (err)
		return err;
	for (int tries = 0; tries < 2; tries++) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT || tries)
			return -errno;
		/* the first program with maps in this root */
		char *slash = strrchr(path, '/');
		*slash = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
	}
	return -ENOENT;
}

int obj_prog_ref_map(uint32_t prog_id, int map_fd, uint32_t map_id)
{
	return obj_prog_ref_map_view(prog_id, map_fd, map_id, NULL);
}

int obj_prog_ref_map_view(uint32_t prog_id, int map_fd, uint32_t map_id, struct bpf_map *map)
{
	if (map && __atomic_load_n(&map->sh->unlinkable, __ATOMIC_RELAXED))
		return 0;
	char path[PATH_MAX + 64];
	int err =
	        obj_refs_path(path, sizeof path, "prog-%" PRIu32 ".map-%" PRIu32, prog_id, map_id);
	if (err)
		return err;
	err = obj_file_link(map_fd, path);
	if (err == -ENOENT) { /* no .refs yet: a program loaded without maps binds one */
		char *slash = strrchr(path, '/');
		*slash = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*slash = '/';
		err = obj_file_link(map_fd, path);
	}
	/* ENOENT still: the map's last link went while it was open (a program that used it
	 * was swept), and Linux never links such a file again (no link of it is left anywhere
	 * to link from either). The map lives while fds or mappings of it do (this program's
	 * runtime maps it); it is only not kept alive for other processes after those. */
	if (err == -ENOENT && map)
		__atomic_store_n(&map->sh->unlinkable, 1, __ATOMIC_RELAXED);
	return err == -EEXIST || err == -ENOENT ? 0 : err;
}

void obj_prog_refs_drop(uint32_t prog_id, const uint32_t *map_ids, uint32_t n, bool self)
{
	char path[PATH_MAX + 64];
	for (uint32_t i = 0; i < n; i++)
		if (!obj_refs_path(path, sizeof path, "prog-%" PRIu32 ".map-%" PRIu32, prog_id,
		                   map_ids[i]))
			unlink(path);
	if (self && !obj_refs_path(path, sizeof path, "prog-%" PRIu32, prog_id, 0))
		unlink(path);
}

/* The program named name under .refs (dfd): gone, alive, or cannot tell (kept). When it
 * is gone, *lease_fd is an fd holding a write lease on it: nobody can open it until that
 * is closed, and no link can be added to it meanwhile (that needs an open file). */
static bool obj_prog_named_gone(int dfd, const char *name, int *lease_fd)
{
	struct stat st;
	*lease_fd = -1;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT;
	if (!S_ISREG(st.st_mode) || st.st_nlink > 1) /* a pin or a slot holds it */
		return false;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	/* an open that breaks the lease signals SIGURG (ignored by default), not SIGIO */
	if (fcntl(fd, F_SETSIG, SIGURG) == 0 && fcntl(fd, F_SETLEASE, F_WRLCK) == 0 &&
	    fstat(fd, &st) == 0 && st.st_nlink == 1) { /* not pinned meanwhile, then closed */
		*lease_fd = fd;
		return true;
	}
	close(fd);
	return false;
}

bool obj_prog_gone(uint32_t prog_id)
{
	char path[PATH_MAX + 64];
	int fd;
	if (obj_refs_path(path, sizeof path, "prog-%" PRIu32, prog_id, 0))
		return false;
	struct stat st;
	if (stat(path, &st) < 0) /* not a program with maps */
		return false;
	bool gone = obj_prog_named_gone(AT_FDCWD, path, &fd);
	if (fd >= 0)
		close(fd);
	return gone;
}

/* Remove the directory name under parent and the links in it (older versions' layout). */
static void obj_refs_remove_dir(int parent, const char *name)
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
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/* One entry of .refs about programs. */
struct obj_sweep_ent {
	uint32_t prog_id;
	enum { SW_NAMED, SW_LINK, SW_DIR } what;
	char name[48];
};

static int obj_sweep_cmp(const void *a, const void *b)
{
	const struct obj_sweep_ent *x = a, *y = b;
	if (x->prog_id != y->prog_id)
		return x->prog_id < y->prog_id ? -1 : 1;
	return (int)x->what - (int)y->what; /* the named file first */
}

/* "prog-<id>", "prog-<id>.map-<id>" or a directory "prog-<id>": 0, or -1 for other names. */
static int obj_sweep_parse(int dfd, const struct dirent *de, struct obj_sweep_ent *e)
{
	if (strncmp(de->d_name, "prog-", 5) || strlen(de->d_name) >= sizeof e->name)
		return -1;
	char *end;
	unsigned long id = strtoul(de->d_name + 5, &end, 10);
	if (!id || id > UINT32_MAX || end == de->d_name + 5)
		return -1;
	if (!strncmp(end, ".map-", 5))
		e->what = SW_LINK;
	else if (*end)
		return -1;
	else {
		unsigned char t = de->d_type;
		struct stat st;
		if (t == DT_UNKNOWN && !fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			t = S_ISDIR(st.st_mode) ? DT_DIR : DT_REG;
		e->what = t == DT_DIR ? SW_DIR : SW_NAMED;
	}
	e->prog_id = (uint32_t)id;
	memcpy(e->name, de->d_name, strlen(de->d_name) + 1);
	return 0;
}

static bool obj_registry_alive(uint32_t prog_id)
{
	int fd = obj_registry_open(OBJ_PROG, prog_id, O_RDONLY);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The sweep; the number of programs with links that it left. */
static uint32_t obj_prog_refs_sweep_count(void)
{
	char dir[PATH_MAX + 64];
	if (obj_refs_path(dir, sizeof dir, "", 0, 0))
		return 0;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int dfd = dirfd(d);
	struct obj_sweep_ent *ents = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct obj_sweep_ent *ne = realloc(ents, ncap * sizeof *ne);
			if (!ne)
				break;
			ents = ne;
			cap = ncap;
		}
		if (!obj_sweep_parse(dfd, de, &ents[n]))
			n++;
	}
	if (n)
		qsort(ents, n, sizeof *ents, obj_sweep_cmp);
	uint32_t live = 0;
	/* the named programs found gone and alive, ascending (for obj_prog_rt_reap) */
	uint32_t *gone_ids = n ? malloc(2 * n * sizeof *gone_ids) : NULL;
	uint32_t *alive_ids = gone_ids ? gone_ids + n : NULL;
	size_t nr_gone = 0, nr_alive = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i; /* [i, j): the entries of one program, its named file first */
		while (j < n && ents[j].prog_id == ents[i].prog_id)
			j++;
		int lease = -1;
		bool gone;
		if (ents[i].what == SW_NAMED)
			gone = obj_prog_named_gone(dfd, ents[i].name, &lease);
		else /* links of a program without a name, or an old directory */
			gone = !obj_registry_alive(ents[i].prog_id);
		if (gone) {
			for (size_t k = i; k < j; k++)
				if (ents[k].what == SW_LINK)
					unlinkat(dfd, ents[k].name, 0);
				else if (ents[k].what == SW_DIR)
					obj_refs_remove_dir(dfd, ents[k].name);
			if (ents[i].what == SW_NAMED) {
				unlinkat(dfd, ents[i].name, 0); /* last: the file goes */
				obj_registry_forget(OBJ_PROG, ents[i].prog_id);
				if (gone_ids)
					gone_ids[nr_gone++] = ents[i].prog_id;
			}
		} else {
			live++;
			if (alive_ids && ents[i].what == SW_NAMED)
				alive_ids[nr_alive++] = ents[i].prog_id;
		}
		if (lease >= 0)
			close(lease); /* the lease goes with it */
		i = j;
	}
	free(ents);
	closedir(d);
	/* our runtimes of the programs that went, and their maps */
	obj_prog_rt_reap(gone_ids, nr_gone, alive_ids, nr_alive);
	free(gone_ids);
	return live;
}

void obj_prog_refs_sweep(void)
{
	uint32_t *last = obj_shared_word(OBJ_WORD_SWEEP_PROG_ID);
	uint32_t *left = obj_shared_word(OBJ_WORD_SWEEP_LIVE);
	/* the newest id this sweep covers (ids taken meanwhile are swept next time) */
	uint32_t now = obj_id_last(OBJ_PROG);
	uint32_t live = obj_prog_refs_sweep_count();
	if (last && left) {
		__atomic_store_n(left, live, __ATOMIC_RELAXED);
		__atomic_store_n(last, now, __ATOMIC_RELAXED);
	}
}

void obj_prog_refs_sweep_due(uint32_t prog_id)
{
	uint32_t *last = obj_shared_word(OBJ_WORD_SWEEP_PROG_ID);
	uint32_t *left = obj_shared_word(OBJ_WORD_SWEEP_LIVE);
	if (!last || !left) {
		obj_prog_refs_sweep();
		return;
	}
	uint32_t prev = __atomic_load_n(last, __ATOMIC_RELAXED);
	uint32_t need = __atomic_load_n(left, __ATOMIC_RELAXED);
	if (need < OBJ_SWEEP_MIN)
		need = OBJ_SWEEP_MIN;
	if (prog_id - prev < need)
		return;
	/* one sweeper at a time across processes; the others go on */
	if (!__atomic_compare_exchange_n(last, &prev, prog_id, false, __ATOMIC_RELAXED,
	                                 __ATOMIC_RELAXED))
		return;
	__atomic_store_n(left, obj_prog_refs_sweep_count(), __ATOMIC_RELAXED);
}
