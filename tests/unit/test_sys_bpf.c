/* test_sys_bpf.c — userbpf_sys_bpf(): objects as fds across close, dup, fork, SCM_RIGHTS,
 * pins shared between processes, ids, and concurrent use. The argument rules are checked
 * case by case against the kernel's answers in test_sys_bpf_kernel.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "maps/map.h"

static char root[64];

static long B(int cmd, union bpf_attr *a)
{
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static int map_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	union bpf_attr a = {0};
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	return (int)B(BPF_MAP_CREATE, &a);
}

static long elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a = {0};
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return B(cmd, &a);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info = {0};
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	return B(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 ? info.id : 0;
}

/* Is id among the live maps GET_NEXT_ID walks? */
static bool id_listed(uint32_t id)
{
	union bpf_attr a = {0};
	a.start_id = id - 1;
	return B(BPF_MAP_GET_NEXT_ID, &a) == 0 && a.next_id == id;
}

static long pin(int fd, const char *path)
{
	union bpf_attr a = {0};
	a.bpf_fd = (uint32_t)fd;
	a.pathname = (uintptr_t)path;
	return B(BPF_OBJ_PIN, &a);
}

static long get(const char *path, uint32_t flags)
{
	union bpf_attr a = {0};
	a.pathname = (uintptr_t)path;
	a.file_flags = flags;
	return B(BPF_OBJ_GET, &a);
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	strcpy(root, "/dev/shm/userbpf-test-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("USERBPF_BPFFS", root, 1);
	return 0;
}

static int teardown(void **state)
{
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void test_ids_increase_and_close_frees(void **state)
{
	int a = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4);
	int b = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	assert_true(a >= 0 && b >= 0);
	uint32_t ia = map_id(a), ib = map_id(b);
	assert_true(ia > 0 && ib > ia);
	assert_true(id_listed(ia) && id_listed(ib));
	/* a dup keeps the map alive after the original fd is closed */
	int d = dup(a);
	close(a);
	assert_true(id_listed(ia));
	uint32_t k = 1;
	uint64_t v = 9, w = 0;
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, d, &k, &v, 0), 0);
	close(d); /* plain close(2): the library only learns at the next id command */
	assert_false(id_listed(ia));
	union bpf_attr at = {0};
	at.map_id = ia;
	assert_int_equal(B(BPF_MAP_GET_FD_BY_ID, &at), -ENOENT);
	/* GET_FD_BY_ID gives a working fd to the same storage */
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, b, &k, &v, 0), 0);
	at.map_id = ib;
	long fd = B(BPF_MAP_GET_FD_BY_ID, &at);
	assert_true(fd >= 0);
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, (int)fd, &k, &w, 0), 0);
	assert_int_equal(w, 9);
	assert_int_equal(userbpf_close(b), 0);
	assert_true(id_listed(ib));
	assert_int_equal(userbpf_close((int)fd), 0);
	assert_false(id_listed(ib));
	/* ids never go back */
	int c = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4);
	assert_true(map_id(c) > ib);
	userbpf_close(c);
}

static void test_fork_inherits(void **state)
{
	int m = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4);
	uint32_t k = 1;
	uint64_t v = 5;
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, 0), 0);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t w = 0, x = 6;
		int ok = elem(BPF_MAP_LOOKUP_ELEM, m, &k, &w, 0) == 0 && w == 5 &&
		         elem(BPF_MAP_UPDATE_ELEM, m, &k, &x, 0) == 0;
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0), 0);
	assert_int_equal(v, 6);
	userbpf_close(m);
}

static void test_scm_rights(void **state)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* a fresh process image would do the same: the child has no cache entry for
		 * the received fd number */
		close(sv[0]);
		char c;
		char ctl[CMSG_SPACE(sizeof(int))];
		struct iovec io = {&c, 1};
		struct msghdr msg = {.msg_iov = &io,
		                     .msg_iovlen = 1,
		                     .msg_control = ctl,
		                     .msg_controllen = sizeof ctl};
		if (recvmsg(sv[1], &msg, 0) != 1)
			_exit(2);
		int fd;
		memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof fd);
		uint32_t k = 3;
		uint64_t w = 0, x = 44;
		int ok = elem(BPF_MAP_LOOKUP_ELEM, fd, &k, &w, 0) == 0 && w == 33 &&
		         elem(BPF_MAP_UPDATE_ELEM, fd, &k, &x, 0) == 0;
		_exit(ok ? 0 : 1);
	}
	close(sv[1]);
	/* created after the fork, so the child only gets it through the socket */
	int m = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	uint32_t k = 3;
	uint64_t v = 33;
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, 0), 0);
	char c = 'm', ctl[CMSG_SPACE(sizeof(int))];
	memset(ctl, 0, sizeof ctl);
	struct iovec io = {&c, 1};
	struct msghdr msg = {
	        .msg_iov = &io, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &m, sizeof m);
	assert_int_equal(sendmsg(sv[0], &msg, 0), 1);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0), 0);
	assert_int_equal(v, 44);
	close(sv[0]);
	userbpf_close(m);
}

/* A child creates and pins a map and exits; the pin keeps it, another process finds it
 * by path and by id. */
static void test_pin_survives_creator(void **state)
{
	pid_t pid = fork();
	if (pid == 0) {
		int m = map_create(BPF_MAP_TYPE_HASH, 4, 8, 4);
		uint32_t k = 7;
		uint64_t v = 70;
		int ok = m >= 0 && elem(BPF_MAP_UPDATE_ELEM, m, &k, &v, 0) == 0 &&
		         pin(m, "/sys/fs/bpf/survivor") == 0;
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char path[128];
	snprintf(path, sizeof path, "%s/survivor", root);
	long fd = get(path, 0); /* the root's own path works as well as /sys/fs/bpf */
	assert_true(fd >= 0);
	uint32_t k = 7;
	uint64_t v = 0;
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, (int)fd, &k, &v, 0), 0);
	assert_int_equal(v, 70);
	uint32_t id = map_id((int)fd);
	userbpf_close((int)fd);
	/* only the pin holds it now; the registry falls back to scanning pins */
	assert_true(id_listed(id));
	union bpf_attr a = {0};
	a.map_id = id;
	long fd2 = B(BPF_MAP_GET_FD_BY_ID, &a);
	assert_true(fd2 >= 0);
	userbpf_close((int)fd2);
	assert_int_equal(unlink(path), 0);
	assert_false(id_listed(id));
	/* bookkeeping files are not objects */
	snprintf(path, sizeof path, "%s/.ids", root);
	assert_int_equal(get(path, 0), -EACCES);
}

/* Two processes add to the same counters through the helper-side lookup pointer, as
 * programs do: the total is exact. */
#define ADDS 1000000
static void add_counters(const char *hpath, const char *apath)
{
	int h = (int)get(hpath, 0), ar = (int)get(apath, 0);
	struct bpf_map *hm, *am;
	if (h < 0 || ar < 0 || bpf_map_attach_fd(h, &hm) || bpf_map_attach_fd(ar, &am))
		_exit(3);
	uint32_t k = 1;
	uint64_t *hv = hm->ops->map_lookup_elem(hm, &k), *av = am->ops->map_lookup_elem(am, &k);
	if (!hv || !av)
		_exit(4);
	for (int i = 0; i < ADDS; i++) {
		__atomic_fetch_add(hv, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(av, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

static void test_two_processes_share_pinned_maps(void **state)
{
	int h = map_create(BPF_MAP_TYPE_HASH, 4, 8, 16);
	int ar = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	uint32_t k = 1;
	uint64_t zero = 0, v;
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, h, &k, &zero, 0), 0);
	assert_int_equal(pin(h, "/sys/fs/bpf/counts_h"), 0);
	assert_int_equal(pin(ar, "/sys/fs/bpf/counts_a"), 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++)
		if ((pids[i] = fork()) == 0)
			add_counters("/sys/fs/bpf/counts_h", "/sys/fs/bpf/counts_a");
	for (int i = 0; i < 2; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, h, &k, &v, 0), 0);
	assert_int_equal(v, 2 * ADDS);
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, ar, &k, &v, 0), 0);
	assert_int_equal(v, 2 * ADDS);
	userbpf_close(h);
	userbpf_close(ar);
}

/* Threads use a map while others create, inspect and close maps (fd reuse). */
static int shared_fd;
static void *worker(void *arg)
{
	uint32_t k = (uint32_t)(uintptr_t)arg;
	uint64_t v;
	for (int i = 0; i < 20000; i++) {
		v = (uint64_t)i;
		if (elem(BPF_MAP_UPDATE_ELEM, shared_fd, &k, &v, 0) ||
		    elem(BPF_MAP_LOOKUP_ELEM, shared_fd, &k, &v, 0))
			return (void *)1;
	}
	return NULL;
}
static void *churner(void *arg)
{
	for (int i = 0; i < 200; i++) {
		int m = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 2);
		if (m < 0)
			return (void *)1;
		if (!map_id(m))
			return (void *)1;
		/* userbpf_close: a plain close(2) racing our fstat of the same fd would be a
		 * (harmless) fd race that TSan reports; close(2) is covered single-threaded */
		userbpf_close(m);
	}
	return NULL;
}
static void test_threads(void **state)
{
	shared_fd = map_create(BPF_MAP_TYPE_HASH, 4, 8, 64);
	pthread_t t[6];
	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 4; i < 6; i++)
		pthread_create(&t[i], NULL, churner, NULL);
	for (int i = 0; i < 6; i++) {
		void *r;
		pthread_join(t[i], &r);
		assert_null(r);
	}
	userbpf_close(shared_fd);
}

static void test_percpu_value_size(void **state)
{
	int m = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 2);
	assert_true(m >= 0);
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	size_t n = (size_t)ncpu * 8 * 4 + 64;
	uint64_t *vals = calloc(1, n);
	uint32_t k = 1;
	assert_int_equal(elem(BPF_MAP_LOOKUP_ELEM, m, &k, vals, 0), 0);
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, m, &k, vals, 0), 0);
	free(vals);
	userbpf_close(m);
}

/* A map out of a slot can be linked again: pinned, put in another slot. (Linux never links
 * a file again once its last link went while it was open, so the library parks that link.) */
static void test_slot_refs_relink(void **state)
{
	int inner = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 4);
	union bpf_attr c = {0};
	c.map_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	c.key_size = 4;
	c.value_size = 4;
	c.max_entries = 2;
	c.inner_map_fd = (uint32_t)inner;
	int outer = (int)B(BPF_MAP_CREATE, &c);
	assert_true(inner >= 0 && outer >= 0);
	uint32_t id = map_id(inner), k0 = 0, k1 = 1, v = (uint32_t)inner;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, outer, &k0, &v, 0), 0);
		assert_int_equal(elem(BPF_MAP_DELETE_ELEM, outer, &k0, NULL, 0), 0);
	}
	assert_int_equal(pin(inner, "/sys/fs/bpf/relinked"), 0);
	char path[128];
	snprintf(path, sizeof path, "%s/relinked", root);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(elem(BPF_MAP_UPDATE_ELEM, outer, &k1, &v, 0), 0);
	close(inner); /* the slot holds it now */
	assert_true(id_listed(id));
	assert_int_equal(elem(BPF_MAP_DELETE_ELEM, outer, &k1, NULL, 0), 0);
	assert_false(id_listed(id));
	close(outer);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_ids_increase_and_close_frees, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fork_inherits, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_scm_rights, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_pin_survives_creator, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_two_processes_share_pinned_maps, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_percpu_value_size, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_slot_refs_relink, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
