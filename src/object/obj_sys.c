/* obj_sys.c — userbpf_sys_bpf(): the bpf(2) entry point and its argument rules.
 *
 * As the kernel does: the attr bytes beyond the union we know must be zero (E2BIG), at
 * most a page is accepted, the known part is copied into a zeroed kernel-side union, and
 * each command rejects non-zero bytes after its last field (EINVAL, the kernel's
 * CHECK_ATTR). Handlers return -errno; we turn that into -1 and errno like syscall(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include <userbpf/sys.h>

#include "core/lock.h"
#include "core/uaccess.h"
#include "object/object.h"

#define END_OF(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

/* Lock class of a command: whether it may drop or replace cached fd entries. */
enum { CMD_READ, CMD_WRITE };

struct obj_cmd {
	obj_cmd_fn fn;
	size_t last_end; /* CHECK_ATTR: bytes from here on must be zero */
	int lock;
};

static const struct obj_cmd obj_cmds[__MAX_BPF_CMD] = {
        [BPF_MAP_CREATE] = {obj_map_create, END_OF(map_token_fd), CMD_WRITE},
        [BPF_MAP_LOOKUP_ELEM] = {obj_map_lookup_elem, END_OF(flags), CMD_READ},
        [BPF_MAP_UPDATE_ELEM] = {obj_map_update_elem, END_OF(flags), CMD_READ},
        [BPF_MAP_DELETE_ELEM] = {obj_map_delete_elem, END_OF(key), CMD_READ},
        [BPF_MAP_GET_NEXT_KEY] = {obj_map_get_next_key, END_OF(next_key), CMD_READ},
        [BPF_MAP_LOOKUP_AND_DELETE_ELEM] = {obj_map_lookup_and_delete_elem, END_OF(flags),
                                            CMD_READ},
        [BPF_MAP_FREEZE] = {obj_map_freeze, END_OF(map_fd), CMD_READ},
        [BPF_MAP_LOOKUP_BATCH] = {obj_map_batch, END_OF(batch.flags), CMD_READ},
        [BPF_MAP_LOOKUP_AND_DELETE_BATCH] = {obj_map_batch, END_OF(batch.flags), CMD_READ},
        [BPF_MAP_UPDATE_BATCH] = {obj_map_batch, END_OF(batch.flags), CMD_READ},
        [BPF_MAP_DELETE_BATCH] = {obj_map_batch, END_OF(batch.flags), CMD_READ},
        [BPF_OBJ_PIN] = {obj_pin, END_OF(path_fd), CMD_READ},
        [BPF_OBJ_GET] = {obj_get, END_OF(path_fd), CMD_WRITE},
        [BPF_MAP_GET_NEXT_ID] = {obj_get_next_id, END_OF(next_id), CMD_WRITE},
        [BPF_PROG_GET_NEXT_ID] = {obj_get_next_id, END_OF(next_id), CMD_WRITE},
        [BPF_BTF_GET_NEXT_ID] = {obj_get_next_id, END_OF(next_id), CMD_WRITE},
        [BPF_LINK_GET_NEXT_ID] = {obj_get_next_id, END_OF(next_id), CMD_WRITE},
        [BPF_MAP_GET_FD_BY_ID] = {obj_get_fd_by_id, END_OF(open_flags), CMD_WRITE},
        [BPF_PROG_GET_FD_BY_ID] = {obj_get_fd_by_id, END_OF(prog_id), CMD_WRITE},
        [BPF_BTF_GET_FD_BY_ID] = {obj_get_fd_by_id, END_OF(open_flags), CMD_WRITE},
        [BPF_LINK_GET_FD_BY_ID] = {obj_get_fd_by_id, END_OF(open_flags), CMD_WRITE},
        [BPF_OBJ_GET_INFO_BY_FD] = {obj_get_info_by_fd, END_OF(info.info), CMD_WRITE},
        [BPF_BTF_LOAD] = {obj_btf_load, END_OF(btf_token_fd), CMD_WRITE},
        [BPF_PROG_LOAD] = {obj_prog_load, END_OF(prog_token_fd), CMD_WRITE},
        [BPF_PROG_TEST_RUN] = {obj_prog_test_run, END_OF(test.batch_size), CMD_READ},
        [BPF_PROG_BIND_MAP] = {obj_prog_bind_map, END_OF(prog_bind_map.flags), CMD_READ},
};

_Thread_local int obj_cur_cmd;

enum obj_kind obj_cmd_kind(int cmd)
{
	switch (cmd) {
	case BPF_MAP_GET_NEXT_ID:
	case BPF_MAP_GET_FD_BY_ID:
		return OBJ_MAP;
	case BPF_PROG_GET_NEXT_ID:
	case BPF_PROG_GET_FD_BY_ID:
		return OBJ_PROG;
	case BPF_BTF_GET_NEXT_ID:
	case BPF_BTF_GET_FD_BY_ID:
		return OBJ_BTF;
	case BPF_LINK_GET_NEXT_ID:
	case BPF_LINK_GET_FD_BY_ID:
		return OBJ_LINK;
	default:
		return OBJ_NONE;
	}
}

/* Every command runs in an RCU read section: the entries it looks up stay mapped until it
 * returns, whatever other threads close meanwhile. Commands that create objects or drop
 * many entries are also serialised among themselves by obj_write_lock; element commands
 * take no lock that another thread touches. */
static pthread_mutex_t obj_write_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int obj_write_held __attribute__((tls_model("initial-exec")));
static pthread_once_t obj_once = PTHREAD_ONCE_INIT;
static int obj_ready;

void obj_lock_read(void)
{
	ub_rcu_read_lock();
}

void obj_lock_write(void)
{
	pthread_mutex_lock(&obj_write_lock);
	obj_write_held++;
	ub_rcu_read_lock();
}

void obj_unlock(void)
{
	ub_rcu_read_unlock();
	if (ub_rcu_in_read())
		return;
	obj_fd_temp_release();
	if (obj_write_held) {
		obj_write_held--;
		pthread_mutex_unlock(&obj_write_lock);
		ub_rcu_reclaim(false); /* entries this command dropped */
	}
}

/* Fork with the write lock and the fill lock held, so the child never inherits a
 * half-done update; the child is the only thread left: it starts with everything free. */
static void obj_atfork_prepare(void)
{
	obj_lock_write();
	obj_fd_atfork_prepare();
}

static void obj_atfork_parent(void)
{
	obj_fd_atfork_parent();
	obj_unlock();
}

static void obj_atfork_child(void)
{
	obj_fd_atfork_child();
	pthread_mutex_init(&obj_write_lock, NULL);
	obj_write_held = 0;
	ub_rcu_atfork_child();
	ub_rcu_read_unlock();
}

static void obj_init(void)
{
	ub_uaccess_init();
	obj_hook_probe();
	pthread_atfork(obj_atfork_prepare, obj_atfork_parent, obj_atfork_child);
	__atomic_store_n(&obj_ready, 1, __ATOMIC_RELEASE);
}

static inline void obj_ensure_init(void)
{
	if (__builtin_expect(!__atomic_load_n(&obj_ready, __ATOMIC_ACQUIRE), 0))
		pthread_once(&obj_once, obj_init);
}

/* Are bytes [from, to) of p zero? Word at a time: this is on every command's path. */
static bool obj_bytes_zero(const unsigned char *p, size_t from, size_t to)
{
	while (from < to && (from & 7))
		if (p[from++])
			return false;
	uint64_t acc = 0;
	for (; from + 8 <= to; from += 8) {
		uint64_t w;
		memcpy(&w, p + from, 8);
		acc |= w;
	}
	for (; from < to; from++)
		acc |= p[from];
	return !acc;
}

static long obj_sys_bpf(int cmd, union bpf_attr *uattr, unsigned int size)
{
	union bpf_attr a;
	obj_ensure_init();
	if (size > OBJ_PAGE_SIZE)
		return -E2BIG;
	if (size && !uattr)
		return -EFAULT;
	unsigned n = size < sizeof a ? size : (unsigned)sizeof a;
	memset((char *)&a + n, 0, sizeof a - n);
	if (ub_copy_from_user(&a, uattr, n))
		return -EFAULT;
	/* newer-kernel fields we do not know must be zero (bpf_check_uarg_tail_zero) */
	if (size > sizeof a) {
		unsigned char tail[OBJ_PAGE_SIZE - sizeof a];
		if (ub_copy_from_user(tail, (const char *)uattr + sizeof a, size - sizeof a))
			return -EFAULT;
		if (!obj_bytes_zero(tail, 0, size - sizeof a))
			return -E2BIG;
	}
	if (cmd < 0 || cmd >= __MAX_BPF_CMD || !obj_cmds[cmd].fn)
		return -EINVAL;
	const struct obj_cmd *c = &obj_cmds[cmd];
	if (!obj_bytes_zero((const unsigned char *)&a, c->last_end, sizeof a))
		return -EINVAL;
	if (c->lock == CMD_WRITE)
		obj_lock_write();
	else
		obj_lock_read();
	obj_cur_cmd = cmd;
	long ret = c->fn(&a, uattr, size);
	obj_unlock();
	return ret;
}

long userbpf_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	long ret;
	/* Element commands as libbpf sends them (32 bytes: nothing after flags to check)
	 * take the short way; the answers are the same. */
	if ((unsigned)(cmd - BPF_MAP_LOOKUP_ELEM) <= BPF_MAP_DELETE_ELEM - BPF_MAP_LOOKUP_ELEM &&
	    size <= sizeof(struct obj_elem_attr) && attr &&
	    __atomic_load_n(&obj_ready, __ATOMIC_ACQUIRE))
		ret = obj_map_elem_fast(cmd, attr, size);
	else
		ret = obj_sys_bpf(cmd, attr, size);
	if (ret < 0) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

int userbpf_close(int fd)
{
	obj_ensure_init();
	if (__atomic_load_n(&obj_fd_trusted, __ATOMIC_ACQUIRE))
		return close(fd); /* our close() drops the entry */
	obj_lock_write();
	obj_fd_drop(fd);
	int ret = close(fd);
	obj_unlock();
	return ret;
}
