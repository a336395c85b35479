/* obj_prog_file.c — what a program file implies beyond its bytes: the tag and the
 * keep-alive links of its maps.
 *
 * The kernel keeps a program's maps alive while the program lives. Our program is a
 * file that may outlive its loader (a pin), and a map is a file too, so the program's
 * hold on a map is a hard link: <root>/.refs/prog-<id>/map-<map id>. Nothing sees a
 * program's last close, so the links go in a sweep, run at PROG_LOAD and when maps are
 * listed or opened by id: a prog-<id> directory whose id no longer resolves is removed.
 * The registry finds a map through these links like through a pin.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <userbpf/isa.h>

#include "core/sha256.h"
#include "object/object.h"

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

static int obj_refs_dir(char *buf, uint32_t prog_id)
{
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	int n = prog_id ? snprintf(buf, PATH_MAX, "%s/.refs/prog-%" PRIu32, root, prog_id)
	                : snprintf(buf, PATH_MAX, "%s/.refs", root);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* Link path to an existing .refs/prog-N/map-<map_id> of another program. */
static bool obj_refs_link_from_peer(uint32_t map_id, const char *path)
{
	char dir[PATH_MAX], peer[PATH_MAX + 300];
	bool done = false;
	if (obj_refs_dir(dir, 0))
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	for (struct dirent *de; !done && (de = readdir(d));) {
		if (strncmp(de->d_name, "prog-", 5))
			continue;
		snprintf(peer, sizeof peer, "%s/%s/map-%" PRIu32, dir, de->d_name, map_id);
		done = linkat(AT_FDCWD, peer, AT_FDCWD, path, 0) == 0 || errno == EEXIST;
	}
	closedir(d);
	return done;
}

int obj_prog_ref_map(uint32_t prog_id, int map_fd, uint32_t map_id)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], src[64];
	int err = obj_refs_dir(dir, 0);
	if (err)
		return err;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if ((err = obj_refs_dir(dir, prog_id)))
		return err;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof path, "%s/map-%" PRIu32, dir, map_id);
	snprintf(src, sizeof src, "/proc/self/fd/%d", map_fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -errno;
	/* A file whose last link went (a program that used it was swept) cannot be linked
	 * from its fd again: link from another program's link of the same map, if any. */
	if (obj_refs_link_from_peer(map_id, path))
		return 0;
	/* None left: the map lives while fds or mappings of it do (this program's runtime
	 * maps it); it is only not kept alive for other processes after those are gone. */
	return 0;
}

/* Remove the directory name under parent and the links in it. */
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
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

void obj_prog_refs_sweep(void)
{
	char dir[PATH_MAX];
	if (obj_refs_dir(dir, 0))
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "prog-", 5))
			continue;
		char *end;
		unsigned long id = strtoul(de->d_name + 5, &end, 10);
		if (*end || !id || id > UINT32_MAX)
			continue;
		int fd = obj_registry_open(OBJ_PROG, (uint32_t)id, O_RDONLY);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		obj_refs_remove(dirfd(d), de->d_name);
	}
	closedir(d);
}
