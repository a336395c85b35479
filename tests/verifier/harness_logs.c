/* harness_logs.c — the kernel's whole verifier logs at log_level 1 and 2, per case.
 *
 * Every case with the default log setup (level 1 or 2, no small buffer: see
 * cxh_log_eligible) is loaded once per level with a CXH_LOG_SIZE buffer; the recorder keeps
 * what the kernel logged in expected/logs/GROUP.levelL.log, and test_verifier_corpus compares
 * userbpf's log byte for byte. One file per group and level (not per case) keeps the tree
 * small and follows the recorder, which rewrites whole groups. Each entry is a line
 * "=== NAME BYTES", then exactly BYTES bytes of log and a newline, so a log may hold any text;
 * "=== NAME too-long" records that the log did not fit the buffer (ENOSPC): such logs
 * (the 1M-instruction walks) are not compared, which also keeps the test fast.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

bool cxh_log_eligible(const struct cx_case *k)
{
	/* cases about other levels or small buffers compare their own (log_full) logs */
	return (k->log_level == 1 || k->log_level == 2) &&
	       (!k->log_size || k->log_size >= CXH_LOG_SIZE);
}

bool cxh_log_own_load(const struct cx_case *k, int level)
{
	return (int)k->log_level == level && (!k->log_size || k->log_size == CXH_LOG_SIZE);
}

void cxh_log_from_result(struct cxh_log *l, const struct cx_result *r)
{
	free(l->text);
	memset(l, 0, sizeof *l);
	if (r->err == ENOSPC) {
		l->state = CXH_LOG_TOO_LONG;
		return;
	}
	l->state = CXH_LOG_TEXT;
	l->text = strdup(r->log ? r->log : "");
	if (!l->text)
		abort();
}

int cxh_load_log(const struct cx_backend *b, const struct cx_case *k, int level,
                 struct cx_result *r, char *why, size_t whylen)
{
	struct cx_case at = *k; /* shallow: same insns and maps, other log settings */
	at.log_level = (uint32_t)level;
	at.log_size = CXH_LOG_SIZE;
	at.log_full = true; /* keep the log */
	struct cx_loaded l;
	int err = cx_load(b, &at, &l, r, why, whylen);
	cx_unload(b, &l);
	return err;
}

int cxh_logs_init(struct cxh_logs *ls, const struct cx_corpus *c)
{
	memset(ls, 0, sizeof *ls);
	ls->nr_cases = c->nr_cases;
	ls->at = calloc((size_t)c->nr_cases + 1, sizeof *ls->at);
	return ls->at ? 0 : -ENOMEM;
}

void cxh_logs_free(struct cxh_logs *ls)
{
	for (int i = 0; ls->at && i < ls->nr_cases; i++)
		for (int lv = 0; lv < CXH_LOG_LEVELS; lv++)
			free(ls->at[i][lv].text);
	free(ls->at);
	memset(ls, 0, sizeof *ls);
}

static void logs_path(char *buf, size_t len, const char *dir, const char *group, int level)
{
	snprintf(buf, len, "%s/expected/logs/%s.level%d.log", dir, group, level);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap + 1);
	size_t got;
	while (s && (got = fread(s + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *t = realloc(s, (cap *= 2) + 1);
			if (!t)
				free(s);
			s = t;
		}
	}
	fclose(f);
	if (!s)
		abort();
	s[n] = 0;
	*len = n;
	return s;
}

/* One group's file at one level; a missing file leaves its cases unrecorded. */
static int load_one(const char *path, struct cx_corpus *c, struct cxh_logs *ls, int level)
{
	size_t len;
	char *s = slurp(path, &len);
	if (!s)
		return errno == ENOENT ? 0 : -errno;
	char *p = s, *end = s + len;
	int lineno = 0, err = 0;
	while (p < end && !err) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		lineno++;
		if (!strncmp(p, "# kernel ", 9)) {
			snprintf(ls->kernel, sizeof ls->kernel, "%.*s", (int)(eol - p - 9), p + 9);
		} else if (p[0] != '#' && eol != p) {
			char name[CX_NAME_LEN], size[32];
			*eol = 0;
			if (sscanf(p, "=== %63s %31s", name, size) != 2) {
				fprintf(stderr, "%s:%d: malformed entry\n", path, lineno);
				err = -EINVAL;
				break;
			}
			struct cx_case *k = cx_find(c, name);
			struct cxh_log tmp = {0};
			struct cxh_log *l = k ? &ls->at[k - c->cases][level - 1] : &tmp;
			free(l->text);
			memset(l, 0, sizeof *l);
			if (!strcmp(size, "too-long")) {
				l->state = CXH_LOG_TOO_LONG;
			} else {
				char *e;
				unsigned long n = strtoul(size, &e, 10);
				char *text = eol + 1;
				if (*e || text > end || (size_t)(end - text) < n + 1 ||
				    text[n] != '\n') {
					fprintf(stderr, "%s:%d: entry %s: bad length %s\n", path,
					        lineno, name, size);
					err = -EINVAL;
					break;
				}
				for (char *t = text; t < text + n; t++)
					lineno += *t == '\n';
				lineno++; /* the newline after the log */
				if (k) {  /* a removed case: skipped (the recorder drops it) */
					l->state = CXH_LOG_TEXT;
					l->text = strndup(text, n);
					if (!l->text)
						abort();
				}
				p = text + n + 1;
				continue;
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(s);
	return err;
}

int cxh_logs_load(const char *dir, struct cx_corpus *c, struct cxh_logs *ls)
{
	int err = cxh_logs_init(ls, c);
	for (int i = 0; !err && i < c->nr_cases; i++) {
		if (i && !strcmp(c->cases[i].group, c->cases[i - 1].group))
			continue; /* cases of a group are consecutive */
		for (int lv = 1; !err && lv <= CXH_LOG_LEVELS; lv++) {
			char path[4096];
			logs_path(path, sizeof path, dir, c->cases[i].group, lv);
			err = load_one(path, c, ls, lv);
		}
	}
	if (err)
		cxh_logs_free(ls);
	return err;
}

int cxh_logs_write(const char *dir, const struct cx_corpus *c, const struct cxh_logs *ls,
                   const char *group, const char *kernel_release)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/expected/logs", dir);
	mkdir(path, 0755);
	for (int lv = 1; lv <= CXH_LOG_LEVELS; lv++) {
		logs_path(path, sizeof path, dir, group, lv);
		snprintf(tmp, sizeof tmp, "%s.tmp", path);
		FILE *f = fopen(tmp, "w");
		if (!f)
			return -errno;
		fprintf(f,
		        "# The host kernel's whole verifier logs at log_level %d (%u-byte buffer) "
		        "for "
		        "cases/%s.txt,\n"
		        "# written by tests/verifier/record.sh. Each entry: \"=== NAME BYTES\", "
		        "then "
		        "exactly BYTES\n"
		        "# bytes of log and a newline; \"=== NAME too-long\": ENOSPC, not "
		        "compared.\n"
		        "# kernel %s\n",
		        lv, CXH_LOG_SIZE, group, kernel_release);
		for (int i = 0; i < c->nr_cases; i++) {
			const struct cx_case *k = &c->cases[i];
			const struct cxh_log *l = &ls->at[i][lv - 1];
			if (strcmp(k->group, group) || !cxh_log_eligible(k) ||
			    l->state == CXH_LOG_NONE)
				continue;
			if (l->state == CXH_LOG_TOO_LONG) {
				fprintf(f, "=== %s too-long\n", k->name);
				continue;
			}
			fprintf(f, "=== %s %zu\n", k->name, strlen(l->text));
			fputs(l->text, f);
			fputc('\n', f);
		}
		if (fclose(f))
			return -errno;
		if (rename(tmp, path))
			return -errno;
	}
	return 0;
}

/* Copy one line of s (up to 100 bytes) for a message. */
static void quote_line(const char *s, char *buf, size_t len)
{
	if (!s) {
		snprintf(buf, len, "<end of log>");
		return;
	}
	size_t n = strcspn(s, "\n");
	snprintf(buf, len, "\"%.*s%s\"", (int)(n < 100 ? n : 100), s, n > 100 ? "..." : "");
}

void cxh_log_diff(const char *want, const char *got, char *buf, size_t len)
{
	int line = 1;
	const char *w = want, *g = got, *wl = want, *gl = got;
	while (*w && *w == *g) {
		if (*w == '\n') {
			line++;
			wl = w + 1;
			gl = g + 1;
		}
		w++;
		g++;
	}
	char ws[128], gs[128];
	quote_line(*wl || *w ? wl : NULL, ws, sizeof ws);
	quote_line(*gl || *g ? gl : NULL, gs, sizeof gs);
	snprintf(buf, len, "line %d: kernel %s | userbpf %s", line, ws, gs);
}
