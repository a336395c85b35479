/* corpus_parse.c — reading case files (cases/GROUP.txt) and their recordings
 * (expected/GROUP.txt, expected/logs/NAME.log). The format is in README.md.
 *
 * Lines starting in column 0 are directives ("case", "type", "map", ...) or comments ("#");
 * indented lines are the program, in the assembler's syntax (include/userbpf/asm.h), with
 * three additions resolved here: "// ..." comments, "call bpf_NAME" for helper calls by
 * name, and "@repeat N" ... "@end" blocks for long programs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"

void cx_buf_add(struct cx_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns)
			abort(); /* a test tool: out of memory is not a case result */
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

void cx_buf_addf(struct cx_buf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		cx_buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Parser state for one file. */
struct pstate {
	const char *path;
	int lineno;
	struct cx_case *k;  /* the case being read, or NULL */
	struct cx_buf prog; /* its program text */
	struct cx_buf rep;  /* an @repeat body */
	long rep_count;     /* > 0 while inside @repeat */
};

static int perr(struct pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pstate *ps, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: ", ps->path, ps->lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	return s;
}

/* An integer or "hex:aabb.." into a zeroed buffer of n bytes, little-endian for integers. */
static int parse_bytes(const char *s, uint32_t n, uint8_t **out)
{
	uint8_t *b = calloc(1, n ? n : 1);
	if (!b)
		return -1;
	if (!strncmp(s, "hex:", 4)) {
		s += 4;
		size_t len = strlen(s);
		if (len % 2 || len / 2 > n) {
			free(b);
			return -1;
		}
		for (size_t i = 0; i < len / 2; i++) {
			char two[3] = {s[2 * i], s[2 * i + 1], 0};
			char *end;
			b[i] = (uint8_t)strtoul(two, &end, 16);
			if (*end) {
				free(b);
				return -1;
			}
		}
	} else {
		char *end;
		unsigned long long v = strtoull(s, &end, 0);
		if (*s == '-')
			v = (unsigned long long)strtoll(s, &end, 0);
		if (!*s || *end) {
			free(b);
			return -1;
		}
		for (uint32_t i = 0; i < n && i < 8; i++)
			b[i] = (uint8_t)(v >> (8 * i));
	}
	*out = b;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (!*s || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* "map TYPE key=K value=V entries=N [flags=X] [inner=I] [lock=OFF]" */
static int dir_map(struct pstate *ps, char *args)
{
	struct cx_case *k = ps->k;
	if (k->nr_maps == CX_MAX_MAPS)
		return perr(ps, "too many maps (max %d)", CX_MAX_MAPS);
	struct cx_map *m = &k->maps[k->nr_maps];
	memset(m, 0, sizeof *m);
	m->inner = m->lock_off = -1;
	char *save, *tok = strtok_r(args, " \t", &save);
	if (!tok || cx_map_type_by_name(tok, &m->type))
		return perr(ps, "map: unknown map type '%s'", tok ? tok : "");
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *eq = strchr(tok, '=');
		uint32_t v;
		if (!eq || parse_u32(eq + 1, &v))
			return perr(ps, "map: expected key=value, got '%s'", tok);
		*eq = 0;
		if (!strcmp(tok, "key"))
			m->key_size = v;
		else if (!strcmp(tok, "value"))
			m->value_size = v;
		else if (!strcmp(tok, "entries"))
			m->max_entries = v;
		else if (!strcmp(tok, "flags"))
			m->flags = v;
		else if (!strcmp(tok, "inner") && (int)v < k->nr_maps)
			m->inner = (int)v;
		else if (!strcmp(tok, "lock"))
			m->lock_off = (int)v;
		else
			return perr(ps, "map: unknown or bad attribute '%s'", tok);
	}
	k->nr_maps++;
	return 0;
}

/* "update M KEY VALUE" (KEY "-" for queue/stack pushes) */
static int dir_update(struct pstate *ps, char *args)
{
	struct cx_case *k = ps->k;
	char *save;
	char *ms = strtok_r(args, " \t", &save), *ks = strtok_r(NULL, " \t", &save),
	     *vs = strtok_r(NULL, " \t", &save);
	uint32_t mi;
	if (!ms || !ks || !vs || parse_u32(ms, &mi) || (int)mi >= k->nr_maps)
		return perr(ps, "update: expected 'update MAP KEY VALUE' with a defined map");
	struct cx_map *m = &k->maps[mi];
	struct cx_update u = {0};
	if (strcmp(ks, "-") && parse_bytes(ks, m->key_size, &u.key))
		return perr(ps, "update: bad key '%s' for key_size %u", ks, m->key_size);
	if (parse_bytes(vs, m->value_size, &u.value)) {
		free(u.key);
		return perr(ps, "update: bad value '%s' for value_size %u", vs, m->value_size);
	}
	struct cx_update *nu = realloc(m->updates, (size_t)(m->nr_updates + 1) * sizeof *nu);
	if (!nu)
		abort();
	m->updates = nu;
	m->updates[m->nr_updates++] = u;
	return 0;
}

/* "func NAME static|global [int|ptr|ctx|dynptr]..." */
static int dir_func(struct pstate *ps, char *args)
{
	struct cx_case *k = ps->k;
	if (k->nr_funcs == CX_MAX_FUNCS)
		return perr(ps, "too many funcs");
	struct cx_func *f = &k->funcs[k->nr_funcs];
	memset(f, 0, sizeof *f);
	char *save, *name = strtok_r(args, " \t", &save), *link = strtok_r(NULL, " \t", &save);
	if (!name || !link || (strcmp(link, "static") && strcmp(link, "global")))
		return perr(ps, "func: expected 'func NAME static|global [ARG...]'");
	snprintf(f->name, sizeof f->name, "%s", name);
	f->global = !strcmp(link, "global");
	char *a;
	while ((a = strtok_r(NULL, " \t", &save))) {
		if (f->nr_args == CX_MAX_ARGS)
			return perr(ps, "func: at most %d args", CX_MAX_ARGS);
		static const char *const kinds[] = {"int", "ptr", "ctx", "dynptr"};
		int kind = -1;
		for (int i = 0; i < 4; i++)
			if (!strcmp(a, kinds[i]))
				kind = i;
		if (kind < 0)
			return perr(ps, "func: unknown arg kind '%s' (int, ptr, ctx, dynptr)", a);
		f->args[f->nr_args++] = (enum cx_arg)kind;
	}
	k->nr_funcs++;
	return 0;
}

static int directive(struct pstate *ps, char *line)
{
	char *sp = line + strcspn(line, " \t");
	char *args = trim(sp);
	if (*sp)
		*sp = 0;
	struct cx_case *k = ps->k;
	uint32_t v;

	if (!strcmp(line, "type"))
		return cx_prog_type_by_name(args, &k->prog_type)
		               ? perr(ps, "unknown program type '%s'", args)
		               : 0;
	if (!strcmp(line, "attach"))
		return cx_attach_type_by_name(args, &k->attach_type)
		               ? perr(ps, "unknown attach type '%s'", args)
		               : 0;
	if (!strcmp(line, "license")) {
		if (!strcmp(args, "\"\""))
			args = "";
		snprintf(k->license, sizeof k->license, "%s", args);
		return 0;
	}
	if (!strcmp(line, "flags") || !strcmp(line, "log_level") || !strcmp(line, "log_size")) {
		if (parse_u32(args, &v))
			return perr(ps, "%s: expected a number", line);
		if (!strcmp(line, "flags"))
			k->prog_flags = v;
		else if (!strcmp(line, "log_level"))
			k->log_level = v;
		else
			k->log_size = v;
		return 0;
	}
	if (!strcmp(line, "log_full")) {
		k->log_full = true;
		return 0;
	}
	if (!strcmp(line, "norun")) {
		k->no_run = true;
		return 0;
	}
	if (!strcmp(line, "note"))
		return 0;
	if (!strcmp(line, "map"))
		return dir_map(ps, args);
	if (!strcmp(line, "update"))
		return dir_update(ps, args);
	if (!strcmp(line, "freeze")) {
		if (parse_u32(args, &v) || (int)v >= k->nr_maps)
			return perr(ps, "freeze: expected a defined map index");
		k->maps[v].freeze = true;
		return 0;
	}
	if (!strcmp(line, "func"))
		return dir_func(ps, args);
	if (!strcmp(line, "want")) {
		if (!strcmp(args, "ok")) {
			k->want = CX_WANT_OK;
			return 0;
		}
		if (!strncmp(args, "err", 3) && (!args[3] || isspace((unsigned char)args[3]))) {
			k->want = CX_WANT_ERR;
			snprintf(k->want_text, sizeof k->want_text, "%s", trim(args + 3));
			return 0;
		}
		return perr(ps, "want: expected 'ok' or 'err [TEXT]'");
	}
	return perr(ps, "unknown directive '%s'", line);
}

/* One program line: comments stripped, helper names resolved, appended to dst. */
static int prog_line(struct pstate *ps, char *line, struct cx_buf *dst)
{
	char *c = strstr(line, "//");
	if (c)
		*c = 0;
	char *s = trim(line);
	if (!*s)
		return 0;
	if (!strncmp(s, "call ", 5)) {
		char *name = trim(s + 5);
		uint32_t id;
		if (!strncmp(name, "bpf_", 4)) {
			if (cx_helper_by_name(name, &id))
				return perr(ps, "unknown helper '%s'", name);
			cx_buf_addf(dst, "call %u\n", id);
			return 0;
		}
	}
	cx_buf_addf(dst, "%s\n", s);
	return 0;
}

static int program_text(struct pstate *ps, char *line)
{
	char *s = trim(line);
	if (!strncmp(s, "@repeat", 7)) {
		char *end;
		long n = strtol(s + 7, &end, 0);
		if (ps->rep_count || n <= 0 || *trim(end))
			return perr(ps, "@repeat: expected '@repeat N' (N > 0, not nested)");
		ps->rep_count = n;
		ps->rep.len = 0;
		return 0;
	}
	if (!strcmp(s, "@end")) {
		if (!ps->rep_count)
			return perr(ps, "@end without @repeat");
		for (long i = 0; i < ps->rep_count; i++)
			cx_buf_add(&ps->prog, ps->rep.s ? ps->rep.s : "", ps->rep.len);
		ps->rep_count = 0;
		return 0;
	}
	return prog_line(ps, s, ps->rep_count ? &ps->rep : &ps->prog);
}

/* Assemble the finished case. */
static int finish_case(struct pstate *ps)
{
	struct cx_case *k = ps->k;
	if (!k)
		return 0;
	ps->k = NULL;
	if (ps->rep_count)
		return perr(ps, "case %s: @repeat without @end", k->name);
	struct userbpf_error e = {0};
	if (!ps->prog.len)
		return perr(ps, "case %s: no program", k->name);
	if (userbpf_asm(ps->prog.s, &k->insns, &k->cnt, &e)) {
		/* the failing line of the expanded text */
		const char *p = ps->prog.s;
		for (int i = 1; i < e.insn && p; i++) {
			p = strchr(p, '\n');
			p = p ? p + 1 : NULL;
		}
		int n = p ? (int)strcspn(p, "\n") : 0;
		fprintf(stderr, "%s: case %s (line %d): program line %d '%.*s': %s\n", ps->path,
		        k->name, k->line, e.insn, n, p ? p : "", e.msg);
		return -1;
	}
	ps->prog.len = 0;
	return 0;
}

static int new_case(struct pstate *ps, struct cx_corpus *c, const char *group, char *name)
{
	if (!*name || strlen(name) >= CX_NAME_LEN || strpbrk(name, " \t"))
		return perr(ps, "case: expected one name shorter than %d characters", CX_NAME_LEN);
	if (cx_find(c, name))
		return perr(ps, "case %s: duplicate name", name);
	struct cx_case *nc = realloc(c->cases, (size_t)(c->nr_cases + 1) * sizeof *nc);
	if (!nc)
		abort();
	c->cases = nc;
	struct cx_case *k = &c->cases[c->nr_cases++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", name);
	snprintf(k->group, sizeof k->group, "%s", group);
	snprintf(k->license, sizeof k->license, "GPL");
	k->file = ps->path;
	k->line = ps->lineno;
	k->prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	k->log_level = 1;
	k->expect.processed = -1;
	ps->k = k;
	return 0;
}

/* "name:" alone on a line: a label, which may start in column 0 */
static bool is_label(const char *line)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
	return n && line[n] == ':' && !*(line + n + 1 + strspn(line + n + 1, " \t"));
}

static int parse_file(struct cx_corpus *c, const char *path, const char *group)
{
	size_t len;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	struct pstate ps = {.path = path};
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int err = 0;
	while (!err && (got = getline(&line, &cap, f)) >= 0) {
		ps.lineno++;
		len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (line[0] == '#' || !*trim(line))
			continue;
		if (!strncmp(line, "case", 4) && isspace((unsigned char)line[4])) {
			if (!(err = finish_case(&ps)))
				err = new_case(&ps, c, group, trim(line + 4));
			continue;
		}
		if (!ps.k) {
			err = perr(&ps, "text before the first 'case'");
			break;
		}
		err = isspace((unsigned char)line[0]) || is_label(line) ? program_text(&ps, line)
		                                                        : directive(&ps, line);
	}
	if (!err)
		err = finish_case(&ps);
	free(line);
	free(ps.prog.s);
	free(ps.rep.s);
	fclose(f);
	return err;
}

/* expected/GROUP.txt: "# kernel RELEASE" then "NAME\tOK|ERR\tERRNO\tPROCESSED\tLINE". */
static int parse_expected(struct cx_corpus *c, const char *dir, const char *group)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/expected/%s.txt", dir, group);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0; /* not recorded yet: the harness reports each case */
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	int lineno = 0, err = 0;
	while ((got = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (got && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			line[--got] = 0;
		if (!strncmp(line, "# kernel ", 9)) {
			snprintf(c->kernel, sizeof c->kernel, "%s", line + 9);
			continue;
		}
		if (line[0] == '#' || !line[0])
			continue;
		char *fields[5] = {0};
		char *p = line;
		for (int i = 0; i < 5 && p; i++) {
			fields[i] = p;
			p = i < 4 ? strchr(p, '\t') : NULL;
			if (p)
				*p++ = 0;
		}
		struct cx_case *k = fields[4] ? cx_find(c, fields[0]) : NULL;
		if (!fields[4]) {
			fprintf(stderr, "%s:%d: malformed recording\n", path, lineno);
			err = -1;
			break;
		}
		if (!k)
			continue; /* a case that was removed: ignored, the recorder drops it */
		k->recorded = true;
		k->expect.ok = !strcmp(fields[1], "OK");
		k->expect.err = atoi(fields[2]);
		k->expect.processed = atoi(fields[3]);
		snprintf(k->expect.line, sizeof k->expect.line, "%s", fields[4]);
		if (k->log_full) {
			char lp[4096];
			snprintf(lp, sizeof lp, "%s/expected/logs/%s.log", dir, k->name);
			FILE *lf = fopen(lp, "r");
			if (lf) {
				struct cx_buf b = {0};
				char chunk[4096];
				size_t n;
				while ((n = fread(chunk, 1, sizeof chunk, lf)) > 0)
					cx_buf_add(&b, chunk, n);
				fclose(lf);
				k->expect.log = b.s ? b.s : strdup("");
			}
		}
	}
	free(line);
	fclose(f);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cx_corpus_load(const char *dir, struct cx_corpus *c)
{
	memset(c, 0, sizeof *c);
	char cdir[4096];
	snprintf(cdir, sizeof cdir, "%s/cases", dir);
	DIR *d = opendir(cdir);
	if (!d) {
		fprintf(stderr, "%s: %s\n", cdir, strerror(errno));
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt"))
			continue;
		char **nf = realloc(c->files, (size_t)(c->nr_files + 1) * sizeof *nf);
		if (!nf)
			abort();
		c->files = nf;
		if (asprintf(&c->files[c->nr_files], "%s/%s", cdir, de->d_name) < 0)
			abort();
		c->nr_files++;
	}
	closedir(d);
	qsort(c->files, (size_t)c->nr_files, sizeof *c->files, cmp_str);
	for (int i = 0; i < c->nr_files; i++) {
		const char *base = strrchr(c->files[i], '/') + 1;
		char group[CX_NAME_LEN];
		snprintf(group, sizeof group, "%.*s", (int)(strlen(base) - 4), base);
		if (parse_file(c, c->files[i], group) || parse_expected(c, dir, group)) {
			cx_corpus_free(c);
			return -1;
		}
	}
	return 0;
}

void cx_corpus_free(struct cx_corpus *c)
{
	for (int i = 0; i < c->nr_cases; i++) {
		struct cx_case *k = &c->cases[i];
		free(k->insns);
		free(k->expect.log);
		for (int m = 0; m < k->nr_maps; m++) {
			for (int u = 0; u < k->maps[m].nr_updates; u++) {
				free(k->maps[m].updates[u].key);
				free(k->maps[m].updates[u].value);
			}
			free(k->maps[m].updates);
		}
	}
	free(c->cases);
	for (int i = 0; i < c->nr_files; i++)
		free(c->files[i]);
	free(c->files);
	memset(c, 0, sizeof *c);
}

struct cx_case *cx_find(struct cx_corpus *c, const char *name)
{
	for (int i = 0; i < c->nr_cases; i++)
		if (!strcmp(c->cases[i].name, name))
			return &c->cases[i];
	return NULL;
}

const char *cx_default_dir(void)
{
	const char *e = getenv("USERBPF_VERIFIER_CORPUS");
#ifdef CX_CORPUS_DIR
	return e && *e ? e : CX_CORPUS_DIR;
#else
	return e && *e ? e : "tests/verifier";
#endif
}
