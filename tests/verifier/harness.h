/* harness.h — what the two corpus tests share: a private bpffs root for userbpf's objects,
 * and the expected-failure lists (xfail.txt, xfail_soundness.txt: "NAME reason" per line).
 */
#ifndef USERBPF_TESTS_VERIFIER_HARNESS_H
#define USERBPF_TESTS_VERIFIER_HARNESS_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "corpus.h"

/* Point USERBPF_BPFFS at a fresh directory under /dev/shm, removed at exit. */
int cxh_private_root(void);

struct cxh_xfail {
	char **names, **reasons;
	bool *used; /* the case still fails as expected */
	int n;
};
/* Read a list; a missing file is an empty list. */
int cxh_xfail_load(const char *path, struct cxh_xfail *x);
int cxh_xfail_find(const struct cxh_xfail *x, const char *name); /* index or -1 */
void cxh_xfail_free(struct cxh_xfail *x);

/* Rewrite a list: header lines, then "name reason" for each (names[i], reasons[i]). */
int cxh_xfail_write(const char *path, const char *header, char **names, char **reasons, int n);

/* A worker process that runs fn(arg, idx, out) for one item at a time, so that a verifier
 * that hangs or crashes on one case costs that case and not the whole measurement. The
 * worker is forked on first use (so it sees the caller's memory as of then, e.g. the parsed
 * corpus) and serves items until it fails; then the next item starts a new one. */
struct cxh_worker {
	pid_t pid; /* 0: not running */
	int cmd, res;
	void (*fn)(void *arg, int idx, FILE *out);
	void *arg;
};
void cxh_worker_init(struct cxh_worker *w, void (*fn)(void *arg, int idx, FILE *out), void *arg);
/* Run item idx. Returns 0 with what fn wrote to out in *buf (malloc'd, *len bytes);
 * -ETIMEDOUT when it took longer than cxh_timeout() seconds (the worker is killed);
 * -ECHILD when the worker died (a crash: its sanitizer report is on stderr). */
int cxh_worker_run(struct cxh_worker *w, int idx, char **buf, size_t *len);
void cxh_worker_stop(struct cxh_worker *w);
/* USERBPF_CORPUS_TIMEOUT seconds, default 30: the kernel walks 1M insns in ~1.5 s, ours under ASan
 * in ~6 s. */
unsigned cxh_timeout(void);

/* True when the host kernel's bpf() works here (root, not forced off by USERBPF_NO_KERNEL). */
bool cxh_kernel_available(void);

#endif /* USERBPF_TESTS_VERIFIER_HARNESS_H */
