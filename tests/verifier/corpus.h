/* corpus.h — the verifier corpus: case files, recordings, and loading a case through a bpf()
 * backend (the host kernel's system call or userbpf_sys_bpf).
 *
 * A case is a program plus everything BPF_PROG_LOAD needs to see it the way the kernel saw it
 * when it was recorded: program type, expected attach type, license, log settings, the maps it
 * references (created for real, filled, frozen), and generated BTF when the program has
 * global functions, callbacks or spin locks. The format is described in README.md next to
 * this file. The same code loads a case into the kernel (record.c, the live drift check) and
 * into userbpf (the harness, the bench), so both sides always see byte-identical attributes.
 *
 * No cmocka and no test utilities here: bench/bench_verifier.c links this file too.
 */
#ifndef USERBPF_TESTS_VERIFIER_CORPUS_H
#define USERBPF_TESTS_VERIFIER_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/userbpf.h>

#define CX_MAX_MAPS 16
#define CX_MAX_FUNCS 32
#define CX_MAX_ARGS 5
#define CX_NAME_LEN 64
#define CX_LINE_LEN 256

/* One map a case creates; programs name it as map[idx:N] (BPF_PSEUDO_MAP_IDX + fd_array). */
struct cx_update {
	uint8_t *key, *value; /* key NULL: a push (queue/stack), value of value_size bytes */
};
struct cx_map {
	uint32_t type, key_size, value_size, max_entries, flags;
	int inner;    /* index of the map used as inner_map_fd, or -1 */
	int lock_off; /* value is a BTF struct with a bpf_spin_lock at this offset, or -1 */
	bool freeze;
	struct cx_update *updates;
	int nr_updates;
};

/* A subprogram's BTF description (func directives, in subprogram order). */
enum cx_arg { CX_ARG_INT, CX_ARG_PTR, CX_ARG_CTX, CX_ARG_DYNPTR };
struct cx_func {
	char name[CX_NAME_LEN];
	bool global;
	int nr_args;
	enum cx_arg args[CX_MAX_ARGS];
};

/* What a load answered. line is the kernel-style error line: the last non-empty log line
 * that is not the "processed ..." summary or "verification time ...". */
struct cx_result {
	bool ok;
	int err;       /* positive errno, 0 when ok */
	int processed; /* from "processed N insns", -1 if the log has none */
	char line[CX_LINE_LEN];
	char *log; /* the whole log (malloc'd) when the case compares it, else NULL */
};

enum cx_want { CX_WANT_ANY, CX_WANT_OK, CX_WANT_ERR };

struct cx_case {
	char name[CX_NAME_LEN];
	char group[CX_NAME_LEN];
	const char *file; /* the case file (not owned) */
	int line;         /* its "case" line */
	uint32_t prog_type, attach_type, prog_flags;
	char license[64];
	uint32_t log_level, log_size;
	bool log_full; /* compare the whole log, not only the error line */
	bool no_run;   /* keep out of the soundness runs */
	struct cx_map maps[CX_MAX_MAPS];
	int nr_maps;
	struct cx_func funcs[CX_MAX_FUNCS];
	int nr_funcs;
	enum cx_want want;
	char want_text[CX_LINE_LEN]; /* substring the author expects in the error line */
	struct bpf_insn *insns;
	size_t cnt;
	/* the recording */
	bool recorded;
	struct cx_result expect;
};

struct cx_corpus {
	struct cx_case *cases;
	int nr_cases;
	char **files; /* owned paths of the case files, for cx_case.file */
	int nr_files;
	char kernel[CX_LINE_LEN]; /* the recording's kernel release, from the expected files */
};

/* A bpf() to load through: the host kernel's system call or userbpf_sys_bpf. */
struct cx_backend {
	const char *name;
	long (*bpf)(int cmd, union bpf_attr *attr, unsigned size);
	int (*close)(int fd);
};
extern const struct cx_backend cx_kernel, cx_userbpf;

/* Objects a loaded case holds. */
struct cx_loaded {
	int prog_fd, btf_fd;
	int map_fds[CX_MAX_MAPS];
	int nr_maps;
	uint64_t load_ns; /* wall time of the BPF_PROG_LOAD call alone */
};

/* Parse every cases/GROUP.txt under dir (sorted) and the recordings under dir/expected.
 * Returns 0, or -1 after printing "file:line: what" to stderr. */
int cx_corpus_load(const char *dir, struct cx_corpus *c);
void cx_corpus_free(struct cx_corpus *c);
struct cx_case *cx_find(struct cx_corpus *c, const char *name);

/* Create and fill the case's maps, BTF, then BPF_PROG_LOAD it. Returns 0 when the load
 * attempt happened (res says what it answered; the program fd stays in l->prog_fd, or -1),
 * or -errno with why filled when the setup (maps, BTF) failed before the load. */
int cx_load(const struct cx_backend *b, const struct cx_case *k, struct cx_loaded *l,
            struct cx_result *res, char *why, size_t whylen);
void cx_unload(const struct cx_backend *b, struct cx_loaded *l);
/* Keep the whole log in cx_result.log for every case, not only log_full ones. */
extern bool cx_keep_log;
void cx_result_free(struct cx_result *r);

/* "OK", "OK (last log line)" or "ERR 13 R2 !read_ok" — for messages. */
void cx_result_str(const struct cx_result *r, char *buf, size_t len);

/* Write the recordings of one group (cases of that group, in order) to dir/expected/GROUP.txt
 * and the whole logs to dir/expected/logs/NAME.log. Returns 0 or -errno. */
int cx_write_expected(const char *dir, const struct cx_corpus *c, const char *group,
                      const char *kernel_release);

/* Where the corpus lives in the source tree (CX_CORPUS_DIR from the build, or env
 * USERBPF_VERIFIER_CORPUS). */
const char *cx_default_dir(void);

/* Names for directives and messages. */
const char *cx_prog_type_name(uint32_t type);

#endif /* USERBPF_TESTS_VERIFIER_CORPUS_H */
