/* obj_file.c — the bpffs root, object files, and OBJ_PIN / OBJ_GET.
 *
 * The root plays the part of a mounted bpffs: USERBPF_BPFFS, else /dev/shm/userbpf-<uid>
 * (tmpfs: O_TMPFILE works and the storage is memory). Pinning links the object's unlinked
 * file into the root; getting opens it. /sys/fs/bpf/... names the same place, so programs
 * written for the kernel's paths keep working.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/hook.h"
#include "core/uaccess.h"
#include "object/object.h"

#define OBJ_SYSFS_BPF "/sys/fs/bpf"

static pthread_mutex_t obj_root_lock = PTHREAD_MUTEX_INITIALIZER;
static char obj_root_env[PATH_MAX];  /* what the root was derived from */
static char obj_root_path[PATH_MAX]; /* its real path */

static int obj_root_init(const char *want)
{
	if (mkdir(want, 0700) < 0 && errno != EEXIST)
		return -errno;
	char real[PATH_MAX];
	if (!realpath(want, real))
		return -errno;
	char reg[PATH_MAX + 16];
	snprintf(reg, sizeof reg, "%s/.registry", real);
	if (mkdir(reg, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(obj_root_env, sizeof obj_root_env, "%s", want);
	snprintf(obj_root_path, sizeof obj_root_path, "%s", real);
	return 0;
}

int obj_root(char *buf)
{
	char want[PATH_MAX];
	const char *env = getenv("USERBPF_BPFFS");
	if (env && *env)
		snprintf(want, sizeof want, "%s", env);
	else
		snprintf(want, sizeof want, "/dev/shm/userbpf-%u", (unsigned)getuid());
	int err = 0;
	pthread_mutex_lock(&obj_root_lock);
	if (strcmp(want, obj_root_env) != 0 || !obj_root_path[0])
		err = obj_root_init(want);
	if (!err)
		memcpy(buf, obj_root_path, PATH_MAX);
	pthread_mutex_unlock(&obj_root_lock);
	return err;
}

int obj_file_create(void)
{
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	int fd = open(root, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

int obj_file_reopen(int fd, int accmode)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	int nfd = open(path, accmode | O_CLOEXEC);
	return nfd < 0 ? -errno : nfd;
}

/* linkat(fd, "", AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; without it, /proc/self/fd. */
static int obj_link_empty_path = 1;

int obj_file_link(int fd, const char *path)
{
	bool empty = __atomic_load_n(&obj_link_empty_path, __ATOMIC_RELAXED);
	if (empty) {
		if (linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH) == 0)
			return 0;
		if (errno != ENOENT && errno != EPERM)
			return -errno;
	}
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	if (empty) /* it was the capability that was missing */
		__atomic_store_n(&obj_link_empty_path, 0, __ATOMIC_RELAXED);
	return 0;
}

int obj_file_user_fd(int fd, int accmode)
{
	if (accmode == O_RDWR)
		return fd;
	int nfd = obj_file_reopen(fd, accmode);
	close(fd);
	return nfd;
}

int obj_file_probe(int fd, enum obj_kind *kind, uint32_t *id)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)OBJ_PAGE_SIZE || st.st_size % OBJ_PAGE_SIZE)
		return -EINVAL;
	union {
		struct bpf_map_shared map;
		struct obj_hdr obj;
	} h;
	off_t off = st.st_size - OBJ_PAGE_SIZE;
	ssize_t n = pread(fd, &h, sizeof h, off);
	if (n < 0 && errno == EBADF) { /* a write-only fd */
		int rfd = obj_file_reopen(fd, O_RDONLY);
		if (rfd < 0)
			return rfd;
		n = pread(rfd, &h, sizeof h, off);
		close(rfd);
	}
	if (n != (ssize_t)sizeof h)
		return -EINVAL;
	switch (h.map.magic) {
	case BPF_MAP_SHARED_MAGIC:
		*kind = OBJ_MAP;
		*id = h.map.id;
		return 0;
	case OBJ_PROG_MAGIC:
		*kind = OBJ_PROG;
		break;
	case OBJ_BTF_MAGIC:
		*kind = OBJ_BTF;
		break;
	case OBJ_LINK_MAGIC:
		*kind = OBJ_LINK;
		break;
	default:
		return -EINVAL;
	}
	*id = h.obj.id;
	return 0;
}

static uint64_t obj_page_round(uint64_t n)
{
	return (n + OBJ_PAGE_SIZE - 1) & ~(uint64_t)(OBJ_PAGE_SIZE - 1);
}

/* Map a blob file of size bytes into b: payload and header are contiguous in the file, so
 * one mapping covers both; a small payload may sit in the header's page, after it. */
static int obj_blob_map_into(int fd, uint64_t size, struct obj_blob *b)
{
	if (size < OBJ_PAGE_SIZE || size % OBJ_PAGE_SIZE)
		return -EINVAL;
	uint64_t data = size - OBJ_PAGE_SIZE;
	/* not map storage: no "dd" marker, nor a place in the views FREEZE ignores (hook.c) */
	ub_hook_internal++;
	char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ub_hook_internal--;
	if (base == MAP_FAILED)
		return -errno;
	struct obj_hdr *hdr = (struct obj_hdr *)(base + data);
	bool ok = hdr->version == OBJ_HDR_VERSION;
	void *payload = data ? base : NULL;
	if (ok && hdr->payload_off) { /* one page: the payload after the header */
		ok = !data && hdr->payload_off >= sizeof *hdr &&
		     hdr->payload_size <= OBJ_PAGE_SIZE - hdr->payload_off;
		payload = hdr->payload_size ? (char *)hdr + hdr->payload_off : NULL;
	} else if (ok) {
		ok = obj_page_round(hdr->payload_size) == data;
	}
	if (!ok) {
		munmap(base, size);
		return -EINVAL;
	}
	b->payload = payload;
	b->payload_map_len = data;
	b->map_base = base;
	b->map_len = size;
	__atomic_store_n(&b->hdr, hdr, __ATOMIC_RELEASE); /* last: obj_entry_blob's test */
	return 0;
}

static int obj_blob_map(int fd, uint64_t size, struct obj_blob **out)
{
	struct obj_blob *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	b->lazy_fd = -1;
	int err = obj_blob_map_into(fd, size, b);
	if (err) {
		free(b);
		return err;
	}
	*out = b;
	return 0;
}

int obj_blob_attach(int fd, struct obj_blob **out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < (off_t)OBJ_PAGE_SIZE)
		return -EINVAL;
	return obj_blob_map(fd, (uint64_t)st.st_size, out);
}

void obj_blob_detach(struct obj_blob *b)
{
	if (!b)
		return;
	if (b->map_base)
		munmap(b->map_base, b->map_len);
	free(b);
}

struct obj_blob *obj_blob_lazy(int fd, uint64_t size, uint32_t id, const struct stat *st)
{
	struct obj_blob *b = calloc(1, sizeof *b);
	if (b) {
		b->lazy_fd = fd;
		b->lazy_id = id;
		b->lazy_size = size;
		b->lazy_dev = st->st_dev;
		b->lazy_ino = st->st_ino;
	}
	return b;
}

static pthread_mutex_t obj_lazy_lock = PTHREAD_MUTEX_INITIALIZER;

int obj_entry_blob(struct obj_entry *e, struct obj_blob **out)
{
	struct obj_blob *b = e->blob;
	if (__atomic_load_n(&b->hdr, __ATOMIC_ACQUIRE)) {
		*out = b;
		return 0;
	}
	/* The file of a program loaded here, not mapped by the load (most never need it).
	 * The entry lives (RCU) but its fd may have been closed and the number reused
	 * meanwhile: the file mapped must be the entry's (identity before, id after). */
	int err = 0;
	pthread_mutex_lock(&obj_lazy_lock);
	if (!__atomic_load_n(&b->hdr, __ATOMIC_ACQUIRE)) {
		struct stat st;
		struct obj_blob m = {0};
		if (b->lazy_fd < 0 || fstat(b->lazy_fd, &st) < 0 || st.st_dev != b->lazy_dev ||
		    st.st_ino != b->lazy_ino || (uint64_t)st.st_size != b->lazy_size)
			err = -EBADF;
		else
			err = obj_blob_map_into(b->lazy_fd, b->lazy_size, &m);
		if (!err && m.hdr->id != b->lazy_id) { /* the number was reused meanwhile */
			munmap(m.map_base, m.map_len);
			err = -EBADF;
		}
		if (!err) {
			b->payload = m.payload;
			b->payload_map_len = m.payload_map_len;
			b->map_base = m.map_base;
			b->map_len = m.map_len;
			__atomic_store_n(&b->hdr, m.hdr, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&obj_lazy_lock);
	if (!err)
		*out = b;
	return err == -EINVAL ? -EBADF : err;
}

int obj_blob_create(const struct obj_hdr *hdr, const void *payload, uint64_t len, int *fd_out,
                    struct obj_blob **out)
{
	int fd = obj_file_create();
	if (fd < 0)
		return fd;
	int err = obj_blob_create_in(fd, hdr, payload, len, out);
	if (err) {
		close(fd);
		return err;
	}
	*fd_out = fd;
	return 0;
}

int obj_blob_create_in(int fd, const struct obj_hdr *hdr, const void *payload, uint64_t len,
                       struct obj_blob **out)
{
	uint64_t size;
	int err = obj_blob_write(fd, hdr, payload, len, &size);
	return err ? err : obj_blob_map(fd, size, out);
}

int obj_blob_write(int fd, const struct obj_hdr *hdr, const void *payload, uint64_t len,
                   uint64_t *size_out)
{
	_Static_assert(sizeof(struct obj_hdr) <= OBJ_HDR_INLINE_OFF, "the header fits its page");
	static const char zeros[OBJ_PAGE_SIZE];
	struct obj_hdr h = *hdr;
	h.version = OBJ_HDR_VERSION;
	h.payload_size = len;
	/* One write that also sizes the file: a small payload goes after the header in its
	 * page (one page of memory, not two); else payload, padding to the page, the header,
	 * zeros to the end of its page. */
	enum { NR_IOV = 4 };
	struct iovec iov[NR_IOV];
	uint64_t data, total;
	if (len <= OBJ_PAGE_SIZE - OBJ_HDR_INLINE_OFF) {
		h.payload_off = OBJ_HDR_INLINE_OFF;
		data = 0;
		iov[0] = (struct iovec){&h, sizeof h};
		iov[1] = (struct iovec){(void *)zeros, OBJ_HDR_INLINE_OFF - sizeof h};
		iov[2] = (struct iovec){(void *)payload, len};
		iov[3] = (struct iovec){(void *)zeros, OBJ_PAGE_SIZE - OBJ_HDR_INLINE_OFF - len};
	} else {
		h.payload_off = 0;
		data = obj_page_round(len);
		iov[0] = (struct iovec){(void *)payload, len};
		iov[1] = (struct iovec){(void *)zeros, data - len};
		iov[2] = (struct iovec){&h, sizeof h};
		iov[3] = (struct iovec){(void *)zeros, OBJ_PAGE_SIZE - sizeof h};
	}
	total = data + OBJ_PAGE_SIZE;
	if (total > (uint64_t)1 << 40)
		return -E2BIG;
	for (uint64_t n = 0; n < total;) {
		/* a large payload may be written in parts */
		struct iovec v[NR_IOV];
		int cnt = 0;
		uint64_t skip = n;
		for (int i = 0; i < NR_IOV; i++) {
			if (skip >= iov[i].iov_len) {
				skip -= iov[i].iov_len;
				continue;
			}
			v[cnt].iov_base = (char *)iov[i].iov_base + skip;
			v[cnt++].iov_len = iov[i].iov_len - skip;
			skip = 0;
		}
		ssize_t w = pwritev(fd, v, cnt, (off_t)n);
		if (w <= 0)
			return -ENOMEM;
		n += (uint64_t)w;
	}
	*size_out = total;
	return 0;
}

/* Lexically normalise an absolute path: drop "." and empty components, resolve "..". */
static void obj_path_normalize(char *p)
{
	char out[PATH_MAX];
	size_t o = 0;
	const char *s = p;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchrnul(s, '/');
		size_t n = (size_t)(e - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* skip */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (o + n + 1 < sizeof out) {
			out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s = e;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	memcpy(p, out, o + 1);
}

/* Where a pin path lives for us: *in_root set when it is under the bpffs root. */
static int obj_path_resolve(const union bpf_attr *a, char *out, bool *in_root)
{
	char user[PATH_MAX];
	int cerr = ub_strncpy_from_user(user, obj_u64_ptr(a->pathname), sizeof user);
	if (cerr)
		return cerr; /* EFAULT, or ENAMETOOLONG as getname() */
	char path[PATH_MAX * 2];
	if (user[0] == '/') {
		snprintf(path, sizeof path, "%s", user);
	} else {
		char base[PATH_MAX];
		if (a->file_flags & BPF_F_PATH_FD) {
			char link[64];
			snprintf(link, sizeof link, "/proc/self/fd/%d", a->path_fd);
			ssize_t n = readlink(link, base, sizeof base - 1);
			if (n < 0)
				return -EBADF;
			base[n] = 0;
		} else if (!getcwd(base, sizeof base)) {
			return -errno;
		}
		snprintf(path, sizeof path, "%s/%s", base, user);
	}
	obj_path_normalize(path);
	char root[PATH_MAX];
	int err = obj_root(root);
	if (err)
		return err;
	size_t sl = strlen(OBJ_SYSFS_BPF), rl = strlen(root);
	*in_root = true;
	int n;
	if (!strncmp(path, OBJ_SYSFS_BPF, sl) && (path[sl] == '/' || !path[sl]))
		n = snprintf(out, PATH_MAX, "%s%s", root, path + sl);
	else {
		*in_root = !strncmp(path, root, rl) && (path[rl] == '/' || !path[rl]);
		n = snprintf(out, PATH_MAX, "%s", path);
	}
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* The kernel refuses path_fd without BPF_F_PATH_FD. */
static bool obj_path_fd_ok(const union bpf_attr *a)
{
	return (a->file_flags & BPF_F_PATH_FD) || !a->path_fd;
}

long obj_pin(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if ((a->file_flags & ~BPF_F_PATH_FD) || !obj_path_fd_ok(a))
		return -EINVAL;
	struct obj_entry *e;
	/* a closed fd and a non-bpf fd both read as "not a pinnable object" */
	if (obj_fd_get((int)a->bpf_fd, OBJ_NONE, &e) < 0 || e->kind == OBJ_BTF)
		return -EINVAL;
	char path[PATH_MAX];
	bool in_root;
	int err = obj_path_resolve(a, path, &in_root);
	if (err)
		return err;
	if (!in_root) {
		/* the parent is looked up first: missing -> ENOENT, else not a bpffs -> EPERM */
		char *slash = strrchr(path, '/');
		if (slash && slash != path) {
			*slash = 0;
			struct stat st;
			if (stat(path, &st) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		return -EPERM;
	}
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", (int)a->bpf_fd);
	if (linkat(AT_FDCWD, src, AT_FDCWD, path, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	return 0;
}

long obj_get(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if (a->bpf_fd || (a->file_flags & ~(BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PATH_FD)) ||
	    !obj_path_fd_ok(a))
		return -EINVAL;
	int acc = obj_file_flags(a->file_flags);
	if (acc < 0)
		return acc;
	char path[PATH_MAX];
	bool in_root;
	int err = obj_path_resolve(a, path, &in_root);
	if (err)
		return err;
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (!in_root || !S_ISREG(st.st_mode))
		return -EACCES; /* exists, but is no bpf object */
	int fd = open(path, acc | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	enum obj_kind kind;
	uint32_t id;
	struct obj_entry *e;
	if (obj_file_probe(fd, &kind, &id) < 0 || kind == OBJ_BTF) {
		close(fd);
		return -EACCES;
	}
	obj_fd_drop(fd); /* a stale entry for a reused fd number */
	err = obj_fd_get(fd, OBJ_NONE, &e);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
