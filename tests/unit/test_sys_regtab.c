/* test_sys_regtab.c — ids and program files after the PROG_LOAD speed-ups: the registry's
 * shared table (a slot per id modulo its size; an entry whose slot a newer id takes moves
 * to a link and stays found), and program files that the loading process maps only when
 * something reads them (one page for a small program, header then payload; the old layout
 * for a large one), read here and in other processes.
 *
 * The slot reuse is forced by moving the shared id counter (<root>/.ids: one u32 per kind,
 * maps at word 1) forward by the table's size (32768 slots per kind).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define REGTAB_SLOTS 32768u
#define IDS_WORD_MAP 1

static char root[64];

static long B(int cmd, union bpf_attr *a)
{
	long r = userbpf_sys_bpf(cmd, a, sizeof *a);
	return r < 0 ? -errno : r;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/dev/shm/userbpf-regtab-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	setenv("USERBPF_BPFFS", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int map_create(void)
{
	union bpf_attr a = {0};
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return (int)B(BPF_MAP_CREATE, &a);
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

/* The fd of map id, checked to be that map (0 when it is not found: -errno). */
static int map_by_id(uint32_t id)
{
	union bpf_attr a = {0};
	a.map_id = id;
	int fd = (int)B(BPF_MAP_GET_FD_BY_ID, &a);
	if (fd < 0)
		return fd;
	uint32_t got = map_id(fd);
	userbpf_close(fd);
	return got == id ? 0 : -EINVAL;
}

static uint32_t next_map_id(uint32_t start)
{
	union bpf_attr a = {0};
	a.start_id = start;
	return B(BPF_MAP_GET_NEXT_ID, &a) == 0 ? a.next_id : 0;
}

static void ids_skip(unsigned word, uint32_t by)
{
	char path[128];
	snprintf(path, sizeof path, "%s/.ids", root);
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	uint32_t v;
	assert_int_equal(pread(fd, &v, sizeof v, word * 4), 4);
	v += by;
	assert_int_equal(pwrite(fd, &v, sizeof v, word * 4), 4);
	close(fd);
}

static bool registry_link_exists(const char *kind, uint32_t id)
{
	char path[160];
	struct stat st;
	snprintf(path, sizeof path, "%s/.registry/%s-%u", root, kind, id);
	return lstat(path, &st) == 0;
}

static void test_slot_taken_by_newer_id(void **state)
{
	(void)state;
	int a = map_create();
	assert_true(a >= 0);
	uint32_t ida = map_id(a);
	assert_true(ida > 0);
	assert_false(registry_link_exists("map", ida)); /* in the table, not a link */
	/* the next map's id falls on a's slot */
	ids_skip(IDS_WORD_MAP, REGTAB_SLOTS - 1);
	int b = map_create();
	assert_true(b >= 0);
	uint32_t idb = map_id(b);
	assert_int_equal(idb, ida + REGTAB_SLOTS);
	assert_true(registry_link_exists("map", ida)); /* a moved out to a link */
	assert_false(registry_link_exists("map", idb));
	/* both are found by id, here and in another process, and listed in order */
	assert_int_equal(map_by_id(ida), 0);
	assert_int_equal(map_by_id(idb), 0);
	assert_int_equal(next_map_id(ida - 1), ida);
	assert_int_equal(next_map_id(ida), idb);
	assert_int_equal(next_map_id(idb), 0);
	pid_t pid = fork();
	if (pid == 0) {
		bool ok = map_by_id(ida) == 0 && map_by_id(idb) == 0 && next_map_id(ida) == idb;
		_exit(ok ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* gone: not found, and both kinds of entry are removed */
	userbpf_close(a);
	userbpf_close(b);
	assert_int_equal(map_by_id(ida), -ENOENT);
	assert_int_equal(map_by_id(idb), -ENOENT);
	assert_false(registry_link_exists("map", ida));
	assert_int_equal(next_map_id(0), 0);
}

/* A held object stays found after many others came and went (their entries reused). */
static void test_many_ids(void **state)
{
	(void)state;
	int keep = map_create();
	uint32_t idk = map_id(keep);
	for (int i = 0; i < 200; i++) {
		int m = map_create();
		assert_true(m >= 0);
		userbpf_close(m);
	}
	assert_int_equal(map_by_id(idk), 0);
	assert_int_equal(next_map_id(0), idk);
	assert_int_equal(next_map_id(idk), 0);
	userbpf_close(keep);
}

/* Threads creating objects and looking them up by id at the same time (the table's slots are
 * written and read concurrently; ThreadSanitizer checks the sequence locks). */
static void *ids_thread(void *arg)
{
	long bad = 0;
	for (int i = 0; i < 40; i++) {
		int m = map_create();
		uint32_t id = m >= 0 ? map_id(m) : 0;
		bad += !id || map_by_id(id) != 0;
		next_map_id(0);
		if (m >= 0)
			userbpf_close(m);
	}
	(void)arg;
	return (void *)bad;
}

static void test_ids_threads(void **state)
{
	(void)state;
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ids_thread, NULL), 0);
	for (int i = 0; i < 3; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		assert_int_equal((long)bad, 0);
	}
}

static int load(uint32_t cnt)
{
	/* cnt - 1 moves then exit: the verified program is the program */
	struct bpf_insn *p = calloc(cnt, sizeof *p);
	for (uint32_t i = 0; i + 1 < cnt; i++)
		p[i] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = (int32_t)i};
	p[cnt - 1] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	union bpf_attr a = {0};
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)p;
	a.insn_cnt = cnt;
	a.license = (uintptr_t) "GPL";
	snprintf(a.prog_name, sizeof a.prog_name, "p%u", cnt);
	int fd = (int)B(BPF_PROG_LOAD, &a);
	free(p);
	return fd;
}

/* The program's info and xlated instructions, checked against what load(cnt) loaded. */
static int check_prog(int fd, uint32_t cnt, uint32_t *id)
{
	struct bpf_insn *x = calloc(cnt, sizeof *x);
	struct bpf_prog_info info = {0};
	info.xlated_prog_len = cnt * sizeof *x;
	info.xlated_prog_insns = (uintptr_t)x;
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	int err = (int)B(BPF_OBJ_GET_INFO_BY_FD, &a);
	char name[16];
	snprintf(name, sizeof name, "p%u", cnt);
	if (!err && (info.xlated_prog_len != cnt * sizeof *x || strcmp(info.name, name) ||
	             info.type != BPF_PROG_TYPE_SOCKET_FILTER))
		err = -EINVAL;
	for (uint32_t i = 0; !err && i + 1 < cnt; i++)
		if (x[i].code != (BPF_ALU64 | BPF_MOV | BPF_K) || x[i].imm != (int32_t)i)
			err = -EINVAL;
	if (!err && x[cnt - 1].code != (BPF_JMP | BPF_EXIT))
		err = -EINVAL;
	free(x);
	if (id)
		*id = info.id;
	return err;
}

/* Small programs (one-page file) and large ones, read by the loader, then pinned and read in
 * another process, by id, and used in a prog array and by BIND_MAP. */
static void test_prog_files(void **state)
{
	(void)state;
	static const uint32_t sizes[] = {2, 150, 220, 300, 5000};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint32_t cnt = sizes[i], id;
		int fd = load(cnt);
		assert_true(fd >= 0);
		assert_int_equal(check_prog(fd, cnt, &id), 0);
		char path[128];
		snprintf(path, sizeof path, "%s/p%u", root, cnt);
		union bpf_attr a = {0};
		a.bpf_fd = (uint32_t)fd;
		a.pathname = (uintptr_t)path;
		assert_int_equal(B(BPF_OBJ_PIN, &a), 0);
		pid_t pid = fork();
		if (pid == 0) {
			memset(&a, 0, sizeof a);
			a.pathname = (uintptr_t)path;
			int pfd = (int)B(BPF_OBJ_GET, &a);
			uint32_t cid = 0;
			bool ok = pfd >= 0 && check_prog(pfd, cnt, &cid) == 0 && cid == id;
			memset(&a, 0, sizeof a);
			a.prog_id = id;
			int ifd = (int)B(BPF_PROG_GET_FD_BY_ID, &a);
			ok = ok && ifd >= 0 && check_prog(ifd, cnt, NULL) == 0;
			_exit(ok ? 0 : 1);
		}
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		unlink(path);
		userbpf_close(fd);
	}
	/* first uses of a fresh program's file: a prog array slot (its type), BIND_MAP */
	int fd = load(4);
	union bpf_attr a = {0};
	a.map_type = BPF_MAP_TYPE_PROG_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 2;
	int pa = (int)B(BPF_MAP_CREATE, &a);
	assert_true(fd >= 0 && pa >= 0);
	uint32_t key = 0, val = (uint32_t)fd;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)pa;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	assert_int_equal(B(BPF_MAP_UPDATE_ELEM, &a), 0);
	int fd2 = load(3);
	int m = map_create();
	memset(&a, 0, sizeof a);
	a.prog_bind_map.prog_fd = (uint32_t)fd2;
	a.prog_bind_map.map_fd = (uint32_t)m;
	assert_int_equal(B(BPF_PROG_BIND_MAP, &a), 0);
	uint32_t mid = 0;
	struct bpf_prog_info info = {0};
	info.nr_map_ids = 1;
	info.map_ids = (uintptr_t)&mid;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd2;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	assert_int_equal(B(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	assert_int_equal(info.nr_map_ids, 1);
	assert_int_equal(mid, map_id(m));
	userbpf_close(m);
	userbpf_close(fd2);
	userbpf_close(pa);
	userbpf_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_slot_taken_by_newer_id, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_many_ids, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ids_threads, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_prog_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
