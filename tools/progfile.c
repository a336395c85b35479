/* progfile.c — reading programs and data files for the CLI, with errors that name them. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/asm.h>

#include "cmds.h"

/* How messages name a path: "-" is standard input. */
static const char *progfile_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

int progfile_read_bytes(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "userbpf: %s: %s\n", progfile_name(path), strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0, got;
	unsigned char *b = malloc(cap + 1);
	errno = 0;
	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			unsigned char *nb = realloc(b, (cap *= 2) + 1);
			if (!nb)
				free(b);
			b = nb;
		}
	}
	/* the read's own errno ("Is a directory") says more than "read error" */
	int rerr = ferror(f) ? (errno ? errno : EIO) : 0;
	if (f != stdin)
		fclose(f);
	if (!b || rerr) {
		fprintf(stderr, "userbpf: %s: %s\n", progfile_name(path),
		        b ? strerror(rerr) : "out of memory");
		free(b);
		return -1;
	}
	b[n] = 0; /* text callers may treat it as a string */
	*buf = b;
	*len = n;
	return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

int progfile_read(const char *path, struct bpf_insn **insns, size_t *cnt)
{
	unsigned char *buf;
	size_t len;
	if (progfile_read_bytes(path, &buf, &len))
		return -1;
	if (has_suffix(path, ".s") || has_suffix(path, ".asm")) {
		struct userbpf_error e;
		int err = userbpf_asm((const char *)buf, insns, cnt, &e);
		free(buf);
		if (err) {
			/* e.msg already starts "line N: " */
			fprintf(stderr, "userbpf: %s: %s\n", progfile_name(path), e.msg);
			return -1;
		}
		return 0;
	}
	if (len == 0 || len % sizeof(struct bpf_insn)) {
		fprintf(stderr,
		        "userbpf: %s: %zu bytes is not a whole number of 8-byte instructions\n",
		        progfile_name(path), len);
		free(buf);
		return -1;
	}
	*insns = (struct bpf_insn *)buf; /* malloc'd, suitably aligned */
	*cnt = len / sizeof(struct bpf_insn);
	return 0;
}

/* Decode hex digits, ignoring whitespace. Returns 0, or -1 with a message on stderr. */
int progfile_unhex(const char *what, const char *s, uint8_t **out, size_t *len)
{
	size_t n = 0;
	uint8_t *buf = malloc(strlen(s) / 2 + 1);
	int hi = -1;
	if (!buf) {
		fprintf(stderr, "userbpf: out of memory\n");
		return -1;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isspace(c))
			continue;
		if (!isxdigit(c)) {
			fprintf(stderr, "userbpf: %s: '%c' is not a hex digit\n", what, c);
			free(buf);
			return -1;
		}
		int v = isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		fprintf(stderr, "userbpf: %s: odd number of hex digits\n", what);
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}
