/* sys_harness.h — running bpf(2) cases against userbpf_sys_bpf() and the host kernel.
 *
 * A case makes a few calls through env->bpf (ours or the real syscall, both taking our
 * union bpf_attr, which has the kernel's layout) and writes its outcome as text: an errno
 * name, "ok", or a value that must agree ("len=8"). sc_check_kernel runs a table of cases
 * in a child with a private mount namespace and a bpffs of its own (for the pin cases) and
 * compares with a fixture of the kernel's answers; sc_check_ours runs them against
 * userbpf_sys_bpf() in a fresh bpffs root. USERBPF_UPDATE_FIXTURES=1 rewrites the fixture
 * from the running kernel. Included by the test files only.
 */
#ifndef USERBPF_TESTS_SYS_HARNESS_H
#define USERBPF_TESTS_SYS_HARNESS_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define SC_OUT 256
#define SC_MAX_CASES 128

typedef long (*sc_bpf_fn)(int cmd, union bpf_attr *a, unsigned size); /* -errno or >= 0 */

struct sc_env {
	sc_bpf_fn bpf;
	const char *pin_dir; /* a bpffs directory, or NULL: pin cases report "skip" */
	int notbpf;          /* an fd that is no bpf object */
};

static const struct {
	int e;
	const char *name;
} sc_errnos[] = {
        {EPERM, "EPERM"},     {ENOENT, "ENOENT"}, {EBADF, "EBADF"},   {EFAULT, "EFAULT"},
        {EEXIST, "EEXIST"},   {EINVAL, "EINVAL"}, {E2BIG, "E2BIG"},   {EACCES, "EACCES"},
        {EBUSY, "EBUSY"},     {ENOSPC, "ENOSPC"}, {EBADFD, "EBADFD"}, {EOPNOTSUPP, "EOPNOTSUPP"},
        {ENOTDIR, "ENOTDIR"}, {524, "ENOTSUPP"},  {EINTR, "EINTR"},   {ENOMEM, "ENOMEM"},
};

__attribute__((unused)) static void sc_res(char *out, long r)
{
	if (r >= 0) {
		strcpy(out, "ok");
		return;
	}
	for (size_t i = 0; i < sizeof sc_errnos / sizeof sc_errnos[0]; i++)
		if (sc_errnos[i].e == -r) {
			strcpy(out, sc_errnos[i].name);
			return;
		}
	snprintf(out, 16, "errno%d", (int)-r); /* out: the callers' char[16] */
}

__attribute__((unused)) static long sc_call(struct sc_env *env, int cmd, union bpf_attr *a)
{
	return env->bpf(cmd, a, sizeof *a);
}

__attribute__((unused)) static int sc_map(struct sc_env *env, uint32_t type, uint32_t ks,
                                          uint32_t vs, uint32_t max, uint32_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	return (int)sc_call(env, BPF_MAP_CREATE, &a);
}

__attribute__((unused)) static long sc_elem(struct sc_env *env, int cmd, int fd, const void *key,
                                            const void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return sc_call(env, cmd, &a);
}

__attribute__((unused)) static void sc_close(int fd)
{
	if (fd >= 0)
		userbpf_close(fd);
}

/* A minimal valid BTF blob: one "int" of 32 bits. */
__attribute__((unused)) static size_t sc_btf_blob(unsigned char *buf)
{
	static const uint32_t types[] = {1, 1u << 24, 4, 32};
	static const char strs[] = "\0int";
	uint32_t hdr[6];
	hdr[0] = 0xeB9F | (1u << 16); /* magic, version 1, flags 0 */
	hdr[1] = 24;
	hdr[2] = 0;
	hdr[3] = sizeof types;
	hdr[4] = sizeof types;
	hdr[5] = sizeof strs;
	memcpy(buf, hdr, 24);
	memcpy(buf + 24, types, sizeof types);
	memcpy(buf + 24 + sizeof types, strs, sizeof strs);
	return 24 + sizeof types + sizeof strs;
}

__attribute__((unused)) static long sc_btf_load(struct sc_env *env, const void *blob, size_t len,
                                                char *log, uint32_t log_size, uint32_t level)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = (uintptr_t)blob;
	a.btf_size = (uint32_t)len;
	a.btf_log_buf = (uintptr_t)log;
	a.btf_log_size = log_size;
	a.btf_log_level = level;
	return sc_call(env, BPF_BTF_LOAD, &a);
}

#define SC(name) static void sc_##name(struct sc_env *env, char *out)

#define SC(name) static void sc_##name(struct sc_env *env, char *out)

struct sc_case {
	const char *name;
	void (*run)(struct sc_env *env, char *out);
};
#define SC_ENTRY(name)                                                                             \
	{                                                                                          \
#name, sc_##name                                                                   \
	}

__attribute__((unused)) static long sc_our_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	long r = userbpf_sys_bpf(cmd, a, size);
	return r < 0 ? -errno : r;
}

__attribute__((unused)) static long sc_kernel_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	long r = syscall(SYS_bpf, cmd, a, size);
	return r < 0 ? -errno : r;
}

static int sc_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void sc_run_all(struct sc_env *env, const struct sc_case *cases, size_t n,
                       char (*res)[SC_OUT])
{
	env->notbpf = open("/tmp", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < n; i++)
		cases[i].run(env, res[i]);
	close(env->notbpf);
}

static void sc_run_ours(const struct sc_case *cases, size_t n, char (*res)[SC_OUT])
{
	char root[] = "/dev/shm/userbpf-test-XXXXXX";
	assert_non_null(mkdtemp(root));
	setenv("USERBPF_BPFFS", root, 1);
	struct sc_env env = {sc_our_bpf, "/sys/fs/bpf", -1};
	sc_run_all(&env, cases, n, res);
	nftw(root, sc_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The kernel's answers, from a child that mounts a bpffs in a private mount namespace. */
static void sc_run_kernel(const struct sc_case *cases, size_t n, char (*res)[SC_OUT])
{
	char(*shared)[SC_OUT] =
	        mmap(NULL, n * SC_OUT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(shared != MAP_FAILED);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char dir[] = "/tmp/userbpf-kbpffs-XXXXXX";
		const char *pin = NULL;
		if (mkdtemp(dir) && unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("bpf", dir, "bpf", 0, NULL) == 0)
			pin = dir;
		struct sc_env env = {sc_kernel_bpf, pin, -1};
		sc_run_all(&env, cases, n, shared);
		if (pin)
			umount(dir);
		rmdir(dir);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	memcpy(res, shared, n * SC_OUT);
	munmap(shared, n * SC_OUT);
}

/* The fixture: "name<TAB>result" lines. */
static const char *sc_fixture_get(char *text, const char *name, char *buf)
{
	size_t n = strlen(name);
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, name, n) && l[n] == '\t') {
			char *e = strchrnul(l + n + 1, '\n');
			memcpy(buf, l + n + 1, (size_t)(e - l - n - 1));
			buf[e - l - n - 1] = 0;
			return buf;
		}
	}
	return NULL;
}

static int sc_compare(const char *who, const struct sc_case *cases, size_t n, char (*res)[SC_OUT],
                      char *fixture)
{
	int bad = 0;
	char want[SC_OUT * 2];
	for (size_t i = 0; i < n; i++) {
		const char *w = sc_fixture_get(fixture, cases[i].name, want);
		if (!w) {
			printf("%s: %s: not in the fixture (got %s)\n", who, cases[i].name, res[i]);
			bad++;
		} else if (strcmp(w, res[i]) && strcmp(res[i], "skip")) {
			printf("%s: %s: kernel %s, got %s\n", who, cases[i].name, w, res[i]);
			bad++;
		}
	}
	return bad;
}

/* The live kernel against the fixture (skipped visibly without bpf()); rewrites the
 * fixture first when USERBPF_UPDATE_FIXTURES=1. */
__attribute__((unused)) static void sc_check_kernel(const struct sc_case *cases, size_t n,
                                                    const char *fixture_path, const char *title)
{
	if (!tu_kernel_bpf_available()) {
		printf("SKIP: host bpf() not available, the fixture stands in for the kernel\n");
		skip();
	}
	static char res[SC_MAX_CASES][SC_OUT]; /* static: a failed assertion leaks nothing */
	assert_true(n <= SC_MAX_CASES);
	sc_run_kernel(cases, n, res);
	const char *upd = getenv("USERBPF_UPDATE_FIXTURES");
	if (upd && *upd == '1') {
		FILE *f = fopen(fixture_path, "w");
		assert_non_null(f);
		fprintf(f, "# %s\n", title);
		for (size_t i = 0; i < n; i++)
			fprintf(f, "%s\t%s\n", cases[i].name, res[i]);
		fclose(f);
	}
	char *fixture = tu_read_file(fixture_path, NULL);
	assert_non_null(fixture);
	int bad = sc_compare("kernel", cases, n, res, fixture);
	free(fixture);
	assert_int_equal(bad, 0);
}

/* Ours against the fixture. */
__attribute__((unused)) static void sc_check_ours(const struct sc_case *cases, size_t n,
                                                  const char *fixture_path)
{
	static char res[SC_MAX_CASES][SC_OUT];
	assert_true(n <= SC_MAX_CASES);
	sc_run_ours(cases, n, res);
	char *fixture = tu_read_file(fixture_path, NULL);
	assert_non_null(fixture);
	int bad = sc_compare("userbpf", cases, n, res, fixture);
	free(fixture);
	assert_int_equal(bad, 0);
}

#endif /* USERBPF_TESTS_SYS_HARNESS_H */
