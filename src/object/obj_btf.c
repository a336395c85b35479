/* obj_btf.c — BPF_BTF_LOAD: the attributes and the log, the blob checked as the kernel's
 * BTF verifier checks it (obj_btf_check.c), then kept in an object.
 *
 * The log follows the kernel's rules: buffer and size together, a level needed with a
 * buffer, a rotating log unless BPF_LOG_FIXED, ENOSPC when it did not fit, log_true_size
 * written back; its lines are the kernel's.
 *
 * Lifetime: the BTF file lives while an fd, a mapping or a link of it does. A map or
 * program that uses it holds it with a hard link under <root>/.refs/btf/, named after the
 * BTF and the holder ("btf-7.map-12"), so the BTF outlives the process that loaded it
 * exactly as long as the kernel's map->btf / prog->aux->btf reference would. No one sees a
 * holder's last close, so links of holders that are gone are dropped by a sweep at the BTF
 * id commands (obj_btf_refs_sweep). A link that is the BTF's last while the BTF is still
 * open somewhere is parked (obj_ref_unlink), since Linux never links a file again once its
 * last link went while it was open: the next map created with that BTF fd must link it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "object/obj_btf.h"
#include "object/object.h"

#define OBJ_BTF_MAGIC_RAW 0xeB9F
#define OBJ_BTF_MAX_SIZE (16u * 1024 * 1024)
#define OBJ_LOG_MASK 0xfu /* level 1 | level 2 | stats | fixed */
#define OBJ_LOG_FIXED 8u  /* keep the head of the log, not the tail */
#define OBJ_ENOTSUPP 524

/* Copy the log out as the kernel does; -ENOSPC if it did not fit, -EFAULT if the buffer
 * cannot be written. */
static int obj_log_finish(const union bpf_attr *a, union bpf_attr *ua, unsigned size,
                          const struct obj_log *log)
{
	if (!a->btf_log_level)
		return 0;
	char *ubuf = obj_u64_ptr(a->btf_log_buf);
	uint32_t cap = a->btf_log_size;
	size_t need = log->len + 1;
	if (ubuf && cap) {
		size_t n = need <= cap ? log->len : cap - 1;
		const char *src = log->buf ? log->buf : "";
		/* a rotating log keeps the end, a fixed one the beginning */
		if (need > cap && !(a->btf_log_level & OBJ_LOG_FIXED))
			src += log->len - n;
		char nul = 0;
		if (ub_copy_to_user(ubuf, src, n) || ub_copy_to_user(ubuf + n, &nul, 1))
			return -EFAULT;
	}
	if (size >= offsetof(union bpf_attr, btf_log_true_size) + sizeof(uint32_t) &&
	    obj_put_u32(&ua->btf_log_true_size, (uint32_t)need))
		return -EFAULT;
	return ubuf && need > cap ? -ENOSPC : 0;
}

long obj_btf_load(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if ((a->btf_flags & ~BPF_F_TOKEN_FD) || (a->btf_flags & BPF_F_TOKEN_FD) || a->btf_token_fd)
		return -EINVAL; /* no tokens here */
	bool has_buf = a->btf_log_buf != 0, has_size = a->btf_log_size != 0;
	if (has_buf != has_size || (has_buf && !a->btf_log_level) ||
	    (a->btf_log_level & ~OBJ_LOG_MASK) || a->btf_log_size > (UINT32_MAX >> 2))
		return -EINVAL;
	if (a->btf_size > OBJ_BTF_MAX_SIZE)
		return -E2BIG;
	const unsigned char *udata = obj_u64_ptr(a->btf);
	unsigned char *data = malloc(a->btf_size ? a->btf_size : 1);
	if (!data)
		return -ENOMEM;
	if (a->btf_size && (!udata || ub_copy_from_user(data, udata, a->btf_size))) {
		free(data);
		return -EFAULT;
	}
	struct obj_log log = {.on = a->btf_log_level != 0};
	long nr = obj_btf_validate(data, a->btf_size, &log);
	int lerr = obj_log_finish(a, ua, size, &log);
	free(log.buf);
	if (nr < 0 || lerr) {
		free(data);
		return lerr ? lerr : nr; /* the kernel's bpf_vlog_finalize overrides the error */
	}
	int err;
	obj_fd_revalidate();
	uint32_t id = obj_id_alloc(OBJ_BTF, &err);
	if (!id) {
		free(data);
		return err;
	}
	struct obj_hdr h;
	memset(&h, 0, sizeof h);
	h.magic = OBJ_BTF_MAGIC;
	h.id = id;
	h.btf_size = a->btf_size;
	h.btf_nr_types = (uint32_t)nr;
	struct obj_blob *blob;
	int fd;
	err = obj_blob_create(&h, data, a->btf_size, &fd, &blob);
	free(data);
	if (err)
		return err;
	fd = obj_file_user_fd(fd, 0 /* O_RDONLY: BTF fds are read-only */);
	if (fd < 0) {
		obj_blob_detach(blob);
		return fd;
	}
	if ((err = obj_fd_install_blob(fd, OBJ_BTF, blob, OBJ_CAN_READ, id))) {
		close(fd);
		return err;
	}
	obj_registry_add(OBJ_BTF, id, fd);
	return fd;
}

/* --- references held by maps and programs --- */

static const char *const obj_btf_holder_names[OBJ_NR_KINDS] = {
        [OBJ_MAP] = "map", [OBJ_PROG] = "prog"};

/* <root>/.refs/btf, made when create. */
static int obj_btf_refs_dir(char *buf, bool create)
{
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	int n = snprintf(buf, PATH_MAX, "%s/.refs", root);
	if (n < 0 || n >= PATH_MAX - 4)
		return -ENAMETOOLONG;
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	strcat(buf, "/btf");
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int obj_btf_hold(enum obj_kind holder, uint32_t holder_id, int btf_fd, uint32_t btf_id)
{
	if ((holder != OBJ_MAP && holder != OBJ_PROG) || !btf_id)
		return -EINVAL;
	char dir[PATH_MAX], path[PATH_MAX + 64], src[64];
	int err = obj_btf_refs_dir(dir, true);
	if (err)
		return err;
	snprintf(path, sizeof path, "%s/btf-%" PRIu32 ".%s-%" PRIu32, dir, btf_id,
	         obj_btf_holder_names[holder], holder_id);
	snprintf(src, sizeof src, "/proc/self/fd/%d", btf_fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST)
		return 0;
	/* ENOENT: the file has no link left and can never get one (its last link was removed
	 * outright while it was open; the library parks its own). The BTF then lives only
	 * while fds of it do, as before references existed. */
	return errno == ENOENT ? 0 : -errno;
}

/* "btf-<btf id>.<kind>-<holder id>" → the holder; false for other names. */
static bool obj_btf_ref_parse(const char *name, enum obj_kind *kind, uint32_t *id)
{
	char *end;
	if (strncmp(name, "btf-", 4))
		return false;
	unsigned long btf = strtoul(name + 4, &end, 10);
	if (!btf || *end != '.')
		return false;
	for (int k = 0; k < OBJ_NR_KINDS; k++) {
		const char *kn = obj_btf_holder_names[k];
		size_t n = kn ? strlen(kn) : 0;
		if (!n || strncmp(end + 1, kn, n) || end[1 + n] != '-')
			continue;
		unsigned long h = strtoul(end + 2 + n, &end, 10);
		if (*end || !h || h > UINT32_MAX)
			return false;
		*kind = (enum obj_kind)k;
		*id = (uint32_t)h;
		return true;
	}
	return false;
}

void obj_btf_refs_sweep(void)
{
	char dir[PATH_MAX];
	if (obj_btf_refs_dir(dir, false))
		return;
	obj_prog_refs_sweep(); /* maps held only by programs that are gone go first */
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		enum obj_kind kind;
		uint32_t id;
		if (!obj_btf_ref_parse(de->d_name, &kind, &id))
			continue;
		int fd = obj_registry_open(kind, id, O_RDONLY);
		if (fd >= 0)
			close(fd);
		else
			obj_ref_unlink(dirfd(d), de->d_name);
	}
	closedir(d);
}
