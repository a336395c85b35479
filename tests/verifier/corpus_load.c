/* corpus_load.c — loading a case through a bpf() backend, and writing recordings.
 *
 * The same attributes go to the kernel and to userbpf: maps created with the case's
 * parameters (plus BTF for spin-lock values), filled and frozen, then BPF_PROG_LOAD with
 * fd_array holding the map fds in the case's order (the program names them map[idx:N]),
 * func_info when the case describes its functions, and the case's log settings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "corpus_internal.h"

#define CX_DEFAULT_LOG_SIZE (1u << 20) /* cases with longer logs say log_size */

bool cx_keep_log;

static long kernel_bpf(int cmd, union bpf_attr *attr, unsigned size)
{
	return syscall(SYS_bpf, cmd, attr, size);
}

const struct cx_backend cx_kernel = {"kernel", kernel_bpf, close};
const struct cx_backend cx_userbpf = {"userbpf", userbpf_sys_bpf, userbpf_close};

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Addresses the log prints (a map's address in "r1 = 0xffff8881..." after fixup) differ
 * between loads and between kernel and userbpf: hex numbers of 12 digits or more become
 * "0x<ptr>". No case puts such a constant in a program whose log is compared. */
static void normalize_ptrs(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '0' && r[1] == 'x') {
			size_t n = strspn(r + 2, "0123456789abcdef");
			if (n >= 12) {
				memcpy(w, "0x<ptr>", 7);
				w += 7;
				r += 2 + n;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = 0;
}

/* last non-empty line other than the summary lines; the processed count */
static void parse_log(const char *log, struct cx_result *r)
{
	const char *p = log;
	r->line[0] = 0;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (!strncmp(p, "processed ", 10)) {
			int v;
			if (sscanf(p, "processed %d insns", &v) == 1)
				r->processed = v;
		} else if (n && strncmp(p, "verification time", 17)) {
			size_t c = n < sizeof r->line - 1 ? n : sizeof r->line - 1;
			memcpy(r->line, p, c);
			r->line[c] = 0;
			for (char *t = r->line; *t; t++)
				if (*t == '\t')
					*t = ' ';
		}
		p = nl ? nl + 1 : NULL;
	}
}

static int setup_fail(char *why, size_t len, int err, const char *fmt, int idx)
{
	char what[128];
	snprintf(what, sizeof what, fmt, idx);
	snprintf(why, len, "%s: %s", what, strerror(err));
	return -err;
}

static int create_maps(const struct cx_backend *b, const struct cx_case *k, struct cx_loaded *l,
                       const uint32_t *val_ids, uint32_t int_id, char *why, size_t whylen)
{
	for (int i = 0; i < k->nr_maps; i++) {
		const struct cx_map *m = &k->maps[i];
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_type = m->type;
		a.key_size = m->key_size;
		a.value_size = m->value_size;
		a.max_entries = m->max_entries;
		a.map_flags = m->flags;
		if (m->inner >= 0)
			a.inner_map_fd = (uint32_t)l->map_fds[m->inner];
		if (m->lock_off >= 0) {
			a.btf_fd = (uint32_t)l->btf_fd;
			a.btf_key_type_id = int_id;
			a.btf_value_type_id = val_ids[i];
		}
		int fd = (int)b->bpf(BPF_MAP_CREATE, &a, sizeof a);
		if (fd < 0)
			return setup_fail(why, whylen, errno, "map %d: MAP_CREATE", i);
		l->map_fds[l->nr_maps++] = fd;
		for (int u = 0; u < m->nr_updates; u++) {
			const struct cx_update *up = &m->updates[u];
			uint32_t inner_fd;
			const void *val = up->value;
			if (m->type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
			    m->type == BPF_MAP_TYPE_HASH_OF_MAPS) {
				uint32_t idx;
				memcpy(&idx, up->value, 4); /* the value names a map of the case */
				if ((int)idx >= l->nr_maps)
					return setup_fail(why, whylen, EINVAL, "map %d: update", i);
				inner_fd = (uint32_t)l->map_fds[idx];
				val = &inner_fd;
			}
			memset(&a, 0, sizeof a);
			a.map_fd = (uint32_t)fd;
			a.key = ptr(up->key);
			a.value = ptr(val);
			if (b->bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof a) < 0)
				return setup_fail(why, whylen, errno, "map %d: MAP_UPDATE_ELEM", i);
		}
		if (m->freeze) {
			memset(&a, 0, sizeof a);
			a.map_fd = (uint32_t)fd;
			if (b->bpf(BPF_MAP_FREEZE, &a, sizeof a) < 0)
				return setup_fail(why, whylen, errno, "map %d: MAP_FREEZE", i);
		}
	}
	return 0;
}

static bool needs_btf(const struct cx_case *k)
{
	if (k->nr_funcs)
		return true;
	for (int i = 0; i < k->nr_maps; i++)
		if (k->maps[i].lock_off >= 0)
			return true;
	return false;
}

int cx_load(const struct cx_backend *b, const struct cx_case *k, struct cx_loaded *l,
            struct cx_result *res, char *why, size_t whylen)
{
	memset(l, 0, sizeof *l);
	l->prog_fd = l->btf_fd = -1;
	memset(res, 0, sizeof *res);
	res->processed = -1;
	if (whylen)
		why[0] = 0;

	uint32_t func_ids[CX_MAX_FUNCS] = {0}, val_ids[CX_MAX_MAPS] = {0}, int_id = 0;
	if (needs_btf(k)) {
		void *blob;
		uint32_t len;
		cx_btf_build(k, &blob, &len, func_ids, val_ids, &int_id);
		static char btf_log[4096];
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.btf = ptr(blob);
		a.btf_size = len;
		a.btf_log_buf = ptr(btf_log);
		a.btf_log_size = sizeof btf_log;
		a.btf_log_level = 1;
		btf_log[0] = 0;
		l->btf_fd = (int)b->bpf(BPF_BTF_LOAD, &a, sizeof a);
		int e = errno;
		free(blob);
		if (l->btf_fd < 0) {
			snprintf(why, whylen, "BTF_LOAD: %s (%.100s)", strerror(e), btf_log);
			return -e;
		}
	}
	int err = create_maps(b, k, l, val_ids, int_id, why, whylen);
	if (err)
		return err;

	uint32_t starts[CX_MAX_FUNCS + 1];
	struct bpf_func_info finfo[CX_MAX_FUNCS];
	if (k->nr_funcs) {
		struct userbpf_error e;
		int n = userbpf_isa_subprogs(k->insns, k->cnt, starts, CX_MAX_FUNCS + 1, &e);
		for (int i = 0; i < k->nr_funcs; i++) {
			finfo[i].insn_off = i < n ? starts[i] : (uint32_t)k->cnt;
			finfo[i].type_id = func_ids[i];
		}
	}

	uint32_t log_size = k->log_size ? k->log_size : CX_DEFAULT_LOG_SIZE;
	char *log = k->log_level ? calloc(1, log_size) : NULL;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = k->prog_type;
	a.expected_attach_type = k->attach_type;
	a.prog_flags = k->prog_flags;
	a.insns = ptr(k->insns);
	a.insn_cnt = (uint32_t)k->cnt;
	a.license = ptr(k->license);
	if (log) {
		a.log_level = k->log_level;
		a.log_buf = ptr(log);
		a.log_size = log_size;
	}
	if (l->nr_maps)
		a.fd_array = ptr(l->map_fds);
	if (k->nr_funcs) {
		a.prog_btf_fd = (uint32_t)l->btf_fd;
		a.func_info = ptr(finfo);
		a.func_info_rec_size = sizeof finfo[0];
		a.func_info_cnt = (uint32_t)k->nr_funcs;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	l->prog_fd = (int)b->bpf(BPF_PROG_LOAD, &a, sizeof a);
	res->err = l->prog_fd >= 0 ? 0 : errno;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->ok = l->prog_fd >= 0;
	l->load_ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000u + (uint64_t)t1.tv_nsec -
	             (uint64_t)t0.tv_nsec;
	if (log) {
		log[log_size - 1] = 0;
		normalize_ptrs(log);
		parse_log(log, res);
		if (k->log_full || cx_keep_log)
			res->log = strdup(log);
		free(log);
	}
	return 0;
}

void cx_unload(const struct cx_backend *b, struct cx_loaded *l)
{
	if (l->prog_fd >= 0)
		b->close(l->prog_fd);
	for (int i = 0; i < l->nr_maps; i++)
		b->close(l->map_fds[i]);
	if (l->btf_fd >= 0)
		b->close(l->btf_fd);
	memset(l, 0, sizeof *l);
	l->prog_fd = l->btf_fd = -1;
}

void cx_result_free(struct cx_result *r)
{
	free(r->log);
	r->log = NULL;
}

void cx_result_str(const struct cx_result *r, char *buf, size_t len)
{
	if (r->ok)
		snprintf(buf, len, r->line[0] ? "OK (%s)" : "OK", r->line);
	else
		snprintf(buf, len, "ERR %d %s", r->err, r->line);
}

int cx_write_expected(const char *dir, const struct cx_corpus *c, const char *group,
                      const char *kernel_release)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/expected", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/expected/logs", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/expected/%s.txt", dir, group);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f,
	        "# The host kernel's answers for cases/%s.txt, written by "
	        "tests/verifier/record.sh.\n"
	        "# NAME<TAB>OK|ERR<TAB>errno<TAB>processed insns (-1: no log)<TAB>error line\n",
	        group);
	fprintf(f, "# kernel %s\n", kernel_release);
	for (int i = 0; i < c->nr_cases; i++) {
		const struct cx_case *k = &c->cases[i];
		if (strcmp(k->group, group) || !k->recorded)
			continue;
		fprintf(f, "%s\t%s\t%d\t%d\t%s\n", k->name, k->expect.ok ? "OK" : "ERR",
		        k->expect.err, k->expect.processed, k->expect.line);
		if (k->log_full && k->expect.log) {
			char lp[4096];
			snprintf(lp, sizeof lp, "%s/expected/logs/%s.log", dir, k->name);
			FILE *lf = fopen(lp, "w");
			if (lf) {
				fputs(k->expect.log, lf);
				fclose(lf);
			}
		}
	}
	if (fclose(f))
		return -errno;
	return rename(tmp, path) ? -errno : 0;
}
