/* harness.h — what the corpus tests and the recorder share: a private bpffs root for
 * userbpf's objects, the expected-failure lists (xfail.txt, xfail_logs.txt,
 * xfail_soundness.txt: "NAME reason" per line), a worker process, the kernel probe, and the
 * whole-log recordings (harness_logs.c).
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

/* Whole logs at log_level 1 and 2 (harness_logs.c; expected/logs/GROUP.levelL.log). */
#define CXH_LOG_LEVELS 2
#define CXH_LOG_SIZE (1u << 20) /* the buffer the recordings use: the corpus default */
enum cxh_log_state {
	CXH_LOG_NONE,     /* not recorded */
	CXH_LOG_TOO_LONG, /* the kernel answered ENOSPC: not compared */
	CXH_LOG_TEXT,
};
struct cxh_log {
	enum cxh_log_state state;
	char *text; /* CXH_LOG_TEXT: the log, pointers normalized as cx_load does */
};
struct cxh_logs {
	int nr_cases;
	struct cxh_log (*at)[CXH_LOG_LEVELS]; /* [case index][level - 1] */
	char kernel[CX_LINE_LEN];             /* "# kernel" of the files read */
};
/* Is the case's whole log recorded at levels 1 and 2 (its log setup is the default one)? */
bool cxh_log_eligible(const struct cx_case *k);
/* Does the case's own load (its log_level and log_size) give the level's recording setup? */
bool cxh_log_own_load(const struct cx_case *k, int level);
/* Load the case at this level with a CXH_LOG_SIZE buffer and unload it: r->log is the log.
 * Returns cx_load's answer (-errno when the setup failed). */
int cxh_load_log(const struct cx_backend *b, const struct cx_case *k, int level,
                 struct cx_result *r, char *why, size_t whylen);
/* Keep what a load logged (ENOSPC: too long). */
void cxh_log_from_result(struct cxh_log *l, const struct cx_result *r);
int cxh_logs_init(struct cxh_logs *ls, const struct cx_corpus *c);
/* Read every group's recordings (missing files: nothing recorded). 0 or -errno. */
int cxh_logs_load(const char *dir, struct cx_corpus *c, struct cxh_logs *ls);
/* Rewrite one group's files (both levels) from ls. 0 or -errno. */
int cxh_logs_write(const char *dir, const struct cx_corpus *c, const struct cxh_logs *ls,
                   const char *group, const char *kernel_release);
void cxh_logs_free(struct cxh_logs *ls);
/* "line N: kernel "..." | userbpf "..."": the first line where two logs differ. */
void cxh_log_diff(const char *want, const char *got, char *buf, size_t len);

#endif /* USERBPF_TESTS_VERIFIER_HARNESS_H */
