/* harness.c — private object root, xfail lists and the kernel probe for the corpus tests. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

static char root[64];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_root(void)
{
	if (root[0])
		nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int cxh_private_root(void)
{
	snprintf(root, sizeof root, "/dev/shm/userbpf-vcorpus-XXXXXX");
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		root[0] = 0;
		return -1;
	}
	setenv("USERBPF_BPFFS", root, 1);
	atexit(rm_root);
	return 0;
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

int cxh_xfail_load(const char *path, struct cxh_xfail *x)
{
	memset(x, 0, sizeof *x);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	while ((got = getline(&line, &cap, f)) >= 0) {
		while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		char *sp = line + strcspn(line, " \t");
		char *reason = sp + strspn(sp, " \t");
		*sp = 0;
		x->names = realloc(x->names, (size_t)(x->n + 1) * sizeof *x->names);
		x->reasons = realloc(x->reasons, (size_t)(x->n + 1) * sizeof *x->reasons);
		x->used = realloc(x->used, (size_t)(x->n + 1) * sizeof *x->used);
		if (!x->names || !x->reasons || !x->used)
			abort();
		x->names[x->n] = dup_or_die(line);
		x->reasons[x->n] = dup_or_die(reason);
		x->used[x->n] = false;
		x->n++;
	}
	free(line);
	fclose(f);
	return 0;
}

int cxh_xfail_find(const struct cxh_xfail *x, const char *name)
{
	for (int i = 0; i < x->n; i++)
		if (!strcmp(x->names[i], name))
			return i;
	return -1;
}

void cxh_xfail_free(struct cxh_xfail *x)
{
	for (int i = 0; i < x->n; i++) {
		free(x->names[i]);
		free(x->reasons[i]);
	}
	free(x->names);
	free(x->reasons);
	free(x->used);
	memset(x, 0, sizeof *x);
}

int cxh_xfail_write(const char *path, const char *header, char **names, char **reasons, int n)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fputs(header, f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s %s\n", names[i], reasons[i]);
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}

unsigned cxh_timeout(void)
{
	const char *e = getenv("USERBPF_CORPUS_TIMEOUT");
	return e && atoi(e) > 0 ? (unsigned)atoi(e) : 30;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return true;
}

/* The worker's loop: an item index in, a frame (u32 length, bytes) out. */
static void worker_main(struct cxh_worker *w)
{
	int idx;
	while (read(w->cmd, &idx, sizeof idx) == (ssize_t)sizeof idx) {
		char *data = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&data, &len);
		if (!out)
			break;
		w->fn(w->arg, idx, out);
		fclose(out);
		fflush(NULL);
		uint32_t n = (uint32_t)len;
		bool ok = write_all(w->res, &n, sizeof n) && write_all(w->res, data, len);
		free(data);
		if (!ok)
			break;
	}
	_exit(0); /* no atexit handlers: the parent owns the object root */
}

void cxh_worker_init(struct cxh_worker *w, void (*fn)(void *arg, int idx, FILE *out), void *arg)
{
	memset(w, 0, sizeof *w);
	w->fn = fn;
	w->arg = arg;
	signal(SIGPIPE, SIG_IGN); /* a dead worker is an error return, not a signal */
}

static int worker_start(struct cxh_worker *w)
{
	int cmd[2], res[2];
	if (pipe(cmd))
		return -errno;
	if (pipe(res)) {
		close(cmd[0]);
		close(cmd[1]);
		return -errno;
	}
	fflush(NULL); /* nothing buffered may be written twice */
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		close(cmd[1]);
		close(res[0]);
		w->cmd = cmd[0];
		w->res = res[1];
		worker_main(w);
	}
	close(cmd[0]);
	close(res[1]);
	w->pid = pid;
	w->cmd = cmd[1];
	w->res = res[0];
	return 0;
}

void cxh_worker_stop(struct cxh_worker *w)
{
	if (!w->pid)
		return;
	close(w->cmd);
	close(w->res);
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
}

/* Read exactly n bytes before the deadline: 0, -ETIMEDOUT or -ECHILD (EOF/error). */
static int read_until(int fd, void *p, size_t n, double deadline)
{
	while (n) {
		int left = (int)((deadline - now_s()) * 1000);
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0)
			return -ETIMEDOUT;
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -ECHILD;
		p = (char *)p + got;
		n -= (size_t)got;
	}
	return 0;
}

int cxh_worker_run(struct cxh_worker *w, int idx, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	int err = w->pid ? 0 : worker_start(w);
	if (err)
		return err;
	double deadline = now_s() + cxh_timeout();
	uint32_t n = 0;
	if (!write_all(w->cmd, &idx, sizeof idx))
		err = -ECHILD;
	if (!err)
		err = read_until(w->res, &n, sizeof n, deadline);
	if (!err) {
		*buf = malloc(n ? n : 1);
		if (!*buf)
			abort();
		err = read_until(w->res, *buf, n, deadline);
		*len = n;
	}
	if (err) {
		free(*buf);
		*buf = NULL;
		*len = 0;
		cxh_worker_stop(w);
	}
	return err;
}

bool cxh_kernel_available(void)
{
	static int cached = -1;
	if (cached >= 0)
		return cached;
	if (getenv("USERBPF_NO_KERNEL"))
		return (bool)(cached = 0);
	struct bpf_insn prog[2] = {{.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 0},
	                           {.code = BPF_JMP | BPF_EXIT}};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	int fd = (int)cx_kernel.bpf(BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0)
		close(fd);
	cached = fd >= 0;
	return cached;
}
