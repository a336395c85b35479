/* obj_fd.c — the process-local fd table: fd -> the object mapped in this process.
 *
 * Element commands must cost no system call, so an fd's object is found by indexing a
 * flat table (reserved at load time for every fd the kernel can hand out, up to 4M, and
 * touched only where used) with one acquire load; no lock is shared between threads. Entries are
 * immutable; an entry that stops being valid is unpublished and freed after an RCU grace
 * period, so a command in flight keeps using it safely.
 *
 * Validity: the library interposes close(), dup2(), dup3(), close_range() and closefrom()
 * (obj_hook.c), so a closed fd's entry is gone before the fd number can be reused. The
 * table slot carries a generation and a "close in progress" count next to the pointer:
 * a fill reads the slot, maps the object and publishes it with a compare-and-swap of the
 * whole word, so a fill that raced with a close can never publish the object the fd used
 * to name. If the hook is not reached (the library loaded with dlopen(RTLD_LOCAL), a fully
 * static binary without dlsym, ...), every use is checked with fstat() instead.
 * Not seen either way: fds closed by a raw syscall(SYS_close) or io_uring; revalidation at
 * id commands, GET_INFO and object creation catches those that were reused for a file
 * that is not the same object.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/racy.h"
#include "object/object.h"

/* fstat and F_GETFL on an fd another thread may be closing: racy by design (the answer is
 * checked against the entry, and a closing fd's slot is marked). ThreadSanitizer models an
 * fd as memory and would report the intended race, so under it the system calls are made
 * directly, past its interceptors. */
#ifdef UB_TSAN
#define obj_fstat(fd, st) ((int)syscall(SYS_fstat, (fd), (st)))
#define obj_getfl(fd) ((int)syscall(SYS_fcntl, (fd), F_GETFL))
#else
#define obj_fstat(fd, st) fstat((fd), (st))
#define obj_getfl(fd) fcntl((fd), F_GETFL)
#endif

#define OBJ_FDTAB_MAX (1u << 22) /* beyond this, fds are served by temporary entries */

uint64_t *obj_fdtab;
uint32_t obj_fdtab_n;
int obj_fd_trusted;
static uint32_t obj_fd_hwm; /* one past the highest fd ever filled (under obj_fill_lock) */
static pthread_mutex_t obj_fill_lock = PTHREAD_MUTEX_INITIALIZER;
__thread struct obj_entry *obj_temp_list __attribute__((tls_model("initial-exec")));

/* The table is reserved before main() so that no close() can run before it exists: a close
 * that finds no table could otherwise race with the fill that creates it. */
__attribute__((constructor)) static void obj_fdtab_init(void)
{
	unsigned long n = 1u << 20;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 1u << 20;
		fclose(f);
	}
	if (n > OBJ_FDTAB_MAX)
		n = OBJ_FDTAB_MAX;
	/* calloc: a large block comes straight from zero pages (touched only where used), and
	 * leak checkers see the entries as reachable */
	void *p = calloc(n, sizeof(uint64_t));
	if (!p)
		return; /* every fd is then served by temporary entries */
	obj_fdtab = p;
	obj_fdtab_n = (uint32_t)n;
}

unsigned obj_fd_access(int fd)
{
	int fl = obj_getfl(fd);
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

static pthread_mutex_t obj_live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct obj_entry *obj_live;

static void obj_live_add(struct obj_entry *e)
{
	pthread_mutex_lock(&obj_live_lock);
	e->live = true;
	e->live_prev = NULL;
	e->live_next = obj_live;
	if (obj_live)
		obj_live->live_prev = e;
	obj_live = e;
	pthread_mutex_unlock(&obj_live_lock);
}

static void obj_live_del(struct obj_entry *e)
{
	pthread_mutex_lock(&obj_live_lock);
	if (e->live_prev)
		e->live_prev->live_next = e->live_next;
	else
		obj_live = e->live_next;
	if (e->live_next)
		e->live_next->live_prev = e->live_prev;
	e->live = false;
	pthread_mutex_unlock(&obj_live_lock);
}

static void obj_entry_free(struct obj_entry *e)
{
	if (!e)
		return;
	if (e->live)
		obj_live_del(e);
	if (e->kind == OBJ_MAP)
		bpf_map_detach(e->map);
	else
		obj_blob_detach(e->blob);
	free(e);
}

static void obj_entry_free_rcu(struct ub_rcu_head *h)
{
	obj_entry_free((struct obj_entry *)h);
}

static void obj_entry_retire(struct obj_entry *e)
{
	if (e)
		ub_rcu_call(&e->rcu, obj_entry_free_rcu);
}

static struct obj_entry *obj_slot_ptr(uint64_t w)
{
	return (struct obj_entry *)(uintptr_t)(w & OBJ_SLOT_PTR_MASK);
}

static uint64_t obj_slot_next_gen(uint64_t w)
{
	return (w & OBJ_SLOT_CLOSING_MASK) | ((w + OBJ_SLOT_GEN_ONE) & OBJ_SLOT_GEN_MASK);
}

/* Replace the slot's entry by e (NULL: empty it) and bump its generation; the old entry
 * is returned for retirement. */
static struct obj_entry *obj_slot_swap(uint64_t *slot, struct obj_entry *e)
{
	uint64_t w = __atomic_load_n(slot, __ATOMIC_RELAXED), nw;
	do
		nw = obj_slot_next_gen(w) | (uint64_t)(uintptr_t)e;
	while (!__atomic_compare_exchange_n(slot, &w, nw, true, __ATOMIC_ACQ_REL,
	                                    __ATOMIC_RELAXED));
	return obj_slot_ptr(w);
}

void obj_fd_close_begin(int fd)
{
	if ((unsigned)fd >= obj_fdtab_n)
		return;
	uint64_t *slot = &obj_fdtab[fd];
	uint64_t w = __atomic_load_n(slot, __ATOMIC_RELAXED), nw;
	do {
		nw = w & ~OBJ_SLOT_PTR_MASK;
		if ((w & OBJ_SLOT_CLOSING_MASK) != OBJ_SLOT_CLOSING_MASK)
			nw += OBJ_SLOT_CLOSING_ONE;
	} while (!__atomic_compare_exchange_n(slot, &w, nw, true, __ATOMIC_SEQ_CST,
	                                      __ATOMIC_RELAXED));
	obj_entry_retire(obj_slot_ptr(w));
}

void obj_fd_close_end(int fd)
{
	if ((unsigned)fd >= obj_fdtab_n)
		return;
	uint64_t *slot = &obj_fdtab[fd];
	uint64_t w = __atomic_load_n(slot, __ATOMIC_RELAXED), nw;
	do {
		nw = obj_slot_next_gen(w) | (w & OBJ_SLOT_PTR_MASK);
		if (w & OBJ_SLOT_CLOSING_MASK)
			nw -= OBJ_SLOT_CLOSING_ONE;
	} while (!__atomic_compare_exchange_n(slot, &w, nw, true, __ATOMIC_SEQ_CST,
	                                      __ATOMIC_RELAXED));
}

/* close_range may cover every possible fd: only [lo, hwm) can hold entries or fills, and
 * the fill lock keeps new fills (which raise hwm) out until the range is closed. */
void obj_fd_close_range_begin(unsigned lo, unsigned hi)
{
	pthread_mutex_lock(&obj_fill_lock);
	for (unsigned fd = lo; fd < obj_fd_hwm && fd <= hi; fd++)
		obj_fd_close_begin((int)fd);
}

void obj_fd_close_range_end(unsigned lo, unsigned hi)
{
	for (unsigned fd = lo; fd < obj_fd_hwm && fd <= hi; fd++)
		obj_fd_close_end((int)fd);
	pthread_mutex_unlock(&obj_fill_lock);
}

/* Build an entry for an fd we have not seen: what file it is, then map it. */
static int obj_entry_load(int fd, struct obj_entry **out)
{
	struct stat st;
	if (obj_fstat(fd, &st) < 0)
		return -EBADF;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	enum obj_kind kind;
	uint32_t id;
	if (obj_file_probe(fd, &kind, &id) < 0)
		return -EINVAL;
	struct obj_entry *e = aligned_alloc(64, (sizeof *e + 63) & ~(size_t)63);
	if (!e)
		return -ENOMEM;
	memset(e, 0, sizeof *e);
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

/* Is e still what fd names (same file, same access)? Two system calls: only used when the
 * close hook is not known to see every close. */
static bool obj_entry_current(int fd, const struct obj_entry *e)
{
	struct stat st;
	return obj_fstat(fd, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino &&
	       obj_fd_access(fd) == e->access;
}

/* An entry used for one command only (fd beyond the table, or no table). */
static int obj_fd_temp(int fd, struct obj_entry **out)
{
	int err = obj_entry_load(fd, out);
	if (err)
		return err;
	(*out)->temp = true;
	(*out)->temp_next = obj_temp_list;
	obj_temp_list = *out;
	return 0;
}

void obj_fd_temp_release_slow(void)
{
	while (obj_temp_list) {
		struct obj_entry *e = obj_temp_list;
		obj_temp_list = e->temp_next;
		obj_entry_free(e); /* never published: no other thread can see it */
	}
}

/* Fill fd's slot. Fills are serialised (they are rare: first use of an fd); a close in
 * progress on the fd is waited for, and the entry is published only if the slot did not
 * change while the object was being mapped. */
static int obj_fd_fill(int fd, struct obj_entry **out)
{
	if ((unsigned)fd >= obj_fdtab_n)
		return obj_fd_temp(fd, out);
	uint64_t *slot = &obj_fdtab[fd];
	int err = 0;
	pthread_mutex_lock(&obj_fill_lock);
	if ((unsigned)fd >= obj_fd_hwm)
		obj_fd_hwm = (unsigned)fd + 1;
	for (;;) {
		uint64_t w = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
		struct obj_entry *e = obj_slot_ptr(w);
		if (e) { /* filled meanwhile */
			*out = e;
			break;
		}
		if (w & OBJ_SLOT_CLOSING_MASK) {
			pthread_mutex_unlock(&obj_fill_lock);
			sched_yield();
			pthread_mutex_lock(&obj_fill_lock);
			continue;
		}
		if ((err = obj_entry_load(fd, &e)))
			break;
		if ((uintptr_t)e & ~(uintptr_t)OBJ_SLOT_PTR_MASK) { /* cannot be tagged */
			e->temp = true;
			e->temp_next = obj_temp_list;
			obj_temp_list = e;
			*out = e;
			break;
		}
		obj_live_add(e);
		if (__atomic_compare_exchange_n(slot, &w, w | (uint64_t)(uintptr_t)e, false,
		                                __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
			*out = e;
			break;
		}
		obj_entry_free(e); /* the fd was closed or replaced meanwhile: look again */
	}
	pthread_mutex_unlock(&obj_fill_lock);
	return err;
}

int obj_fd_get_err(int fd, enum obj_kind want, int ebadf_errno, struct obj_entry **out)
{
	if (fd < 0)
		return -ebadf_errno;
	struct obj_entry *e = obj_fd_cached(fd);
	if (e && !obj_fd_trusted && !obj_entry_current(fd, e)) {
		obj_fd_drop(fd);
		e = NULL;
	}
	if (!e) {
		int err = obj_fd_fill(fd, &e);
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

/* Free a view nobody else has (an install that failed or cannot be cached). */
static void obj_view_free(enum obj_kind kind, void *obj)
{
	if (kind == OBJ_MAP)
		bpf_map_detach(obj);
	else
		obj_blob_detach(obj);
}

static int obj_fd_install_entry(int fd, enum obj_kind kind, void *obj, unsigned access, uint32_t id,
                                const struct stat *known)
{
	struct stat st;
	if (known) {
		st = *known;
	} else if (fstat(fd, &st) < 0) {
		int err = -errno;
		obj_view_free(kind, obj);
		return err;
	}
	struct obj_entry *e = aligned_alloc(64, (sizeof *e + 63) & ~(size_t)63);
	if (!e) {
		obj_view_free(kind, obj);
		return -ENOMEM;
	}
	memset(e, 0, sizeof *e);
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->kind = kind;
	e->access = access;
	e->id = id;
	if (kind == OBJ_MAP)
		e->map = obj;
	else
		e->blob = obj;
	if ((unsigned)fd >= obj_fdtab_n || ((uintptr_t)e & ~(uintptr_t)OBJ_SLOT_PTR_MASK)) {
		free(e); /* not cacheable: the object is mapped again when used */
		obj_view_free(kind, obj);
		return 0;
	}
	obj_live_add(e);
	pthread_mutex_lock(&obj_fill_lock);
	if ((unsigned)fd >= obj_fd_hwm)
		obj_fd_hwm = (unsigned)fd + 1;
	struct obj_entry *old = obj_slot_swap(&obj_fdtab[fd], e);
	pthread_mutex_unlock(&obj_fill_lock);
	obj_entry_retire(old); /* a stale entry for a reused fd number */
	return 0;
}

int obj_fd_install_map(int fd, struct bpf_map *map, unsigned access, uint32_t id)
{
	return obj_fd_install_entry(fd, OBJ_MAP, map, access, id, NULL);
}

int obj_fd_install_blob(int fd, enum obj_kind kind, struct obj_blob *blob, unsigned access,
                        uint32_t id)
{
	return obj_fd_install_entry(fd, kind, blob, access, id, NULL);
}

int obj_fd_install_blob_st(int fd, enum obj_kind kind, struct obj_blob *blob, unsigned access,
                           uint32_t id, const struct stat *st)
{
	return obj_fd_install_entry(fd, kind, blob, access, id, st);
}

void obj_fd_drop(int fd)
{
	if ((unsigned)fd >= obj_fdtab_n)
		return;
	uint64_t w = __atomic_load_n(&obj_fdtab[fd], __ATOMIC_RELAXED);
	if (obj_slot_ptr(w))
		obj_entry_retire(obj_slot_swap(&obj_fdtab[fd], NULL));
}

void obj_fd_revalidate(void)
{
	pthread_mutex_lock(&obj_fill_lock);
	uint32_t hwm = obj_fd_hwm;
	pthread_mutex_unlock(&obj_fill_lock);
	for (uint32_t fd = 0; fd < hwm; fd++) {
		struct obj_entry *e = obj_fd_cached((int)fd);
		if (e && !obj_entry_current((int)fd, e))
			obj_fd_drop((int)fd);
	}
}

/* fork(): no fill may be half done in the child, and a close in progress in a thread
 * that the child does not have must not hold its fd's fills off forever. */
void obj_fd_atfork_prepare(void)
{
	pthread_mutex_lock(&obj_fill_lock);
	pthread_mutex_lock(&obj_live_lock);
}

void obj_fd_atfork_parent(void)
{
	pthread_mutex_unlock(&obj_live_lock);
	pthread_mutex_unlock(&obj_fill_lock);
}

void obj_fd_atfork_child(void)
{
	pthread_mutex_init(&obj_fill_lock, NULL);
	pthread_mutex_init(&obj_live_lock, NULL);
	for (uint32_t fd = 0; fd < obj_fd_hwm; fd++) {
		uint64_t w = obj_fdtab[fd];
		if (w & OBJ_SLOT_CLOSING_MASK)
			obj_fdtab[fd] = obj_slot_next_gen(w & ~OBJ_SLOT_CLOSING_MASK);
	}
	obj_temp_list = NULL;
}
