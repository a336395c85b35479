/* test_sys_bpf_kernel.c — the bpf(2) argument rules, ours against the host kernel's.
 *
 * The cases in sys_bpf_cases.h run against userbpf_sys_bpf() and, when the host allows
 * it, against the real bpf(2) (in a child with a private mount namespace and a bpffs of
 * its own for the pin cases). The kernel's answers are recorded in
 * tests/fixtures/sys_bpf_kernel.txt, so ours are checked even where no kernel is at hand.
 * USERBPF_UPDATE_FIXTURES=1 rewrites the fixture from the running kernel.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testutil.h"

#include "sys_bpf_cases.h"

#define SC_OUT 256
#define FIXTURE USERBPF_FIXTURES_DIR "/sys_bpf_kernel.txt"

static long our_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	long r = userbpf_sys_bpf(cmd, a, size);
	return r < 0 ? -errno : r;
}

static long kernel_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	long r = syscall(SYS_bpf, cmd, a, size);
	return r < 0 ? -errno : r;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void run_all(struct sc_env *env, char (*res)[SC_OUT])
{
	env->notbpf = open("/tmp", O_RDONLY | O_CLOEXEC);
	for (size_t i = 0; i < SC_NCASES; i++)
		sc_cases[i].run(env, res[i]);
	close(env->notbpf);
}

static void run_ours(char (*res)[SC_OUT])
{
	char root[] = "/dev/shm/userbpf-test-XXXXXX";
	assert_non_null(mkdtemp(root));
	setenv("USERBPF_BPFFS", root, 1);
	struct sc_env env = {our_bpf, "/sys/fs/bpf", -1};
	run_all(&env, res);
	nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The kernel's answers, from a child that mounts a bpffs in a private mount namespace. */
static void run_kernel(char (*res)[SC_OUT])
{
	char(*shared)[SC_OUT] = mmap(NULL, SC_NCASES * SC_OUT, PROT_READ | PROT_WRITE,
	                             MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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
		struct sc_env env = {kernel_bpf, pin, -1};
		run_all(&env, shared);
		if (pin)
			umount(dir);
		rmdir(dir);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	memcpy(res, shared, SC_NCASES * SC_OUT);
	munmap(shared, SC_NCASES * SC_OUT);
}

/* The fixture: "name<TAB>result" lines. */
static const char *fixture_get(char *text, const char *name, char *buf)
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

static int compare(const char *who, char (*res)[SC_OUT], char *fixture)
{
	int bad = 0;
	char want[SC_OUT * 2];
	for (size_t i = 0; i < SC_NCASES; i++) {
		const char *w = fixture_get(fixture, sc_cases[i].name, want);
		if (!w) {
			printf("%s: %s: not in the fixture (got %s)\n", who, sc_cases[i].name,
			       res[i]);
			bad++;
		} else if (strcmp(w, res[i]) && strcmp(res[i], "skip")) {
			printf("%s: %s: kernel %s, got %s\n", who, sc_cases[i].name, w, res[i]);
			bad++;
		}
	}
	return bad;
}

static void test_kernel_matches_fixture(void **state)
{
	if (!tu_kernel_bpf_available()) {
		printf("SKIP: host bpf() not available, the fixture stands in for the kernel\n");
		skip();
	}
	static char res[SC_NCASES][SC_OUT];
	run_kernel(res);
	const char *upd = getenv("USERBPF_UPDATE_FIXTURES");
	if (upd && *upd == '1') {
		FILE *f = fopen(FIXTURE, "w");
		assert_non_null(f);
		fprintf(f, "# bpf(2) answers of the host kernel (tests/unit/sys_bpf_cases.h)\n");
		for (size_t i = 0; i < SC_NCASES; i++)
			fprintf(f, "%s\t%s\n", sc_cases[i].name, res[i]);
		fclose(f);
	}
	char *fixture = tu_read_file(FIXTURE, NULL);
	assert_non_null(fixture);
	int bad = compare("kernel", res, fixture);
	free(fixture);
	assert_int_equal(bad, 0);
}

static void test_ours_match_fixture(void **state)
{
	static char res[SC_NCASES][SC_OUT];
	run_ours(res);
	char *fixture = tu_read_file(FIXTURE, NULL);
	assert_non_null(fixture);
	int bad = compare("userbpf", res, fixture);
	free(fixture);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernel_matches_fixture),
	        cmocka_unit_test(test_ours_match_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
