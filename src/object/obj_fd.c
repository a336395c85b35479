/* obj_fd.c — the process-local fd cache: fd -> the object mapped in this process.
 *
 * Element commands must cost no system call, so an fd's object is looked up in a table
 * indexed by fd. The table is two-level (chunks of slots, never reallocated or freed) so
 * a reader needs no lock to find a slot; a slot's entry is published with a release store
 * and read with an acquire load. Filling an empty slot is serialised by a mutex and may
 * happen under the read lock; dropping or replacing an entry (which unmaps the object)
 * only happens under the write lock, when no reader can be using it.
 *
 * The library does not see close(2). A cached entry for a closed fd stays until the next
 * revalidation (id commands, OBJ_GET_INFO_BY_FD, object creation) or userbpf_close().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "object/object.h"

#define OBJ_FD_CHUNK 1024
#define OBJ_FD_NCHUNKS 4096 /* 4M fds: beyond any RLIMIT_NOFILE in practice */

static struct obj_entry **obj_chunks[OBJ_FD_NCHUNKS];
static pthread_mutex_t obj_fill_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot for fd, allocating its chunk when create is set; NULL if out of range. */
static struct obj_entry **obj_slot(int fd, bool create)
{
	if (fd < 0 || fd / OBJ_FD_CHUNK >= OBJ_FD_NCHUNKS)
		return NULL;
	struct obj_entry ***cp = &obj_chunks[fd / OBJ_FD_CHUNK];
	struct obj_entry **chunk = __atomic_load_n(cp, __ATOMIC_ACQUIRE);
	if (!chunk && create) {
		/* callers hold obj_fill_lock or the write lock */
		chunk = calloc(OBJ_FD_CHUNK, sizeof *chunk);
		if (!chunk)
			return NULL;
		__atomic_store_n(cp, chunk, __ATOMIC_RELEASE);
	}
	return chunk ? &chunk[fd % OBJ_FD_CHUNK] : NULL;
}

unsigned obj_fd_access(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return 0;
	switch (fl & O_ACCMODE) {
	case O_RDONLY:
		return OBJ_CAN_READ;
	case O_WRONLY:
		return OBJ_CAN_WRITE;
	default:
		return OBJ_CAN_READ | OBJ_CAN_WRITE;
	}
}

int obj_file_flags(uint32_t flags)
{
	if ((flags & BPF_F_RDONLY) && (flags & BPF_F_WRONLY))
		return -EINVAL;
	if (flags & BPF_F_RDONLY)
		return O_RDONLY;
	if (flags & BPF_F_WRONLY)
		return O_WRONLY;
	return O_RDWR;
}

static void obj_entry_free(struct obj_entry *e)
{
	if (!e)
		return;
	if (e->kind == OBJ_MAP)
		bpf_map_detach(e->map);
	else
		obj_blob_detach(e->blob);
	free(e);
}

/* Build an entry for an fd we have not seen: what file it is, then map it. */
static int obj_entry_load(int fd, struct obj_entry **out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	enum obj_kind kind;
	uint32_t id;
	if (obj_file_probe(fd, &kind, &id) < 0)
		return -EINVAL;
	struct obj_entry *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->kind = kind;
	e->id = id;
	e->access = obj_fd_access(fd);
	/* mapping needs a read-write open; the user's fd may be read- or write-only */
	int rw = e->access == (OBJ_CAN_READ | OBJ_CAN_WRITE) ? fd : obj_file_reopen(fd, O_RDWR);
	int err = rw < 0 ? rw : 0;
	if (!err)
		err = kind == OBJ_MAP ? bpf_map_attach_fd(rw, &e->map)
		                      : obj_blob_attach(rw, &e->blob);
	if (rw >= 0 && rw != fd)
		close(rw);
	if (err) {
		free(e);
		return err == -ENOMEM ? err : -EINVAL;
	}
	*out = e;
	return 0;
}

int obj_fd_get_err(int fd, enum obj_kind want, int ebadf_errno, struct obj_entry **out)
{
	if (fd < 0)
		return -ebadf_errno;
	struct obj_entry **slot = obj_slot(fd, false);
	struct obj_entry *e = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
	if (!e) {
		int err = 0;
		pthread_mutex_lock(&obj_fill_lock);
		slot = obj_slot(fd, true);
		e = slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
		if (!e) {
			err = obj_entry_load(fd, &e);
			if (!err && slot)
				__atomic_store_n(slot, e, __ATOMIC_RELEASE);
			else if (!err) {
				obj_entry_free(e); /* fd beyond the table: not expected */
				err = -EINVAL;
			}
		}
		pthread_mutex_unlock(&obj_fill_lock);
		if (err)
			return err == -EBADF ? -ebadf_errno : err;
	}
	if (want != OBJ_NONE && e->kind != want)
		return -EINVAL;
	*out = e;
	return 0;
}

int obj_fd_get(int fd, enum obj_kind want, struct obj_entry **out)
{
	return obj_fd_get_err(fd, want, EBADF, out);
}

static int obj_fd_install(int fd, struct obj_entry *e)
{
	pthread_mutex_lock(&obj_fill_lock);
	struct obj_entry **slot = obj_slot(fd, true);
	struct obj_entry *old = NULL;
	if (slot) {
		old = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		__atomic_store_n(slot, e, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&obj_fill_lock);
	obj_entry_free(old); /* write lock held: nobody uses it */
	if (!slot) {
		obj_entry_free(e);
		return -EMFILE;
	}
	return 0;
}

static int obj_fd_install_entry(int fd, enum obj_kind kind, void *obj, unsigned access, uint32_t id)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	struct obj_entry *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->kind = kind;
	e->access = access;
	e->id = id;
	if (kind == OBJ_MAP)
		e->map = obj;
	else
		e->blob = obj;
	return obj_fd_install(fd, e);
}

int obj_fd_install_map(int fd, struct bpf_map *map, unsigned access, uint32_t id)
{
	return obj_fd_install_entry(fd, OBJ_MAP, map, access, id);
}

int obj_fd_install_blob(int fd, enum obj_kind kind, struct obj_blob *blob, unsigned access,
                        uint32_t id)
{
	return obj_fd_install_entry(fd, kind, blob, access, id);
}

void obj_fd_drop(int fd)
{
	struct obj_entry **slot = obj_slot(fd, false);
	if (!slot)
		return;
	pthread_mutex_lock(&obj_fill_lock);
	struct obj_entry *e = __atomic_exchange_n(slot, NULL, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&obj_fill_lock);
	obj_entry_free(e);
}

void obj_fd_revalidate(void)
{
	for (int c = 0; c < OBJ_FD_NCHUNKS; c++) {
		struct obj_entry **chunk = __atomic_load_n(&obj_chunks[c], __ATOMIC_ACQUIRE);
		if (!chunk)
			continue;
		for (int i = 0; i < OBJ_FD_CHUNK; i++) {
			struct obj_entry *e = __atomic_load_n(&chunk[i], __ATOMIC_ACQUIRE);
			if (!e)
				continue;
			int fd = c * OBJ_FD_CHUNK + i;
			struct stat st;
			if (fstat(fd, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino &&
			    obj_fd_access(fd) == e->access)
				continue;
			obj_fd_drop(fd);
		}
	}
}
