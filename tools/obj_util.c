/* obj_util.c — object files for the CLI: loader diagnostics, type names, the .BTF section. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_dumper.h"
#include "cli.h"
#include "obj_util.h"

#ifdef USERBPF_HAVE_LOADER
/* The loader's lines: warnings always (libbpf's default shows them too), the rest with -d. */
static int obj_print(enum userbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != USERBPF_WARN && !verifier_logs)
		return 0;
	if (json_output && level != USERBPF_WARN)
		return 0;
	fprintf(stderr, "userbpf: ");
	return vfprintf(stderr, fmt, ap);
}

const char *obj_target_btf;
const char *obj_kconfig_path;

bool obj_open_keyword(int *argc, char ***argv, bool *err)
{
	const char **dst;
	if (is_prefix(**argv, "target_btf"))
		dst = &obj_target_btf;
	else if (is_prefix(**argv, "kconfig"))
		dst = &obj_kconfig_path;
	else
		return false;
	const char *kw = **argv;
	(*argc)--;
	(*argv)++;
	if (!*argc) {
		p_err("'%s' needs a file", kw);
		*err = true;
		return true;
	}
	*dst = **argv;
	(*argc)--;
	(*argv)++;
	return true;
}

/* The whole of a text file, NUL-terminated, or NULL after p_err. */
static char *obj_read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		p_err("failed to open kconfig file %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len == 1) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	fclose(f);
	if (!buf)
		p_err("mem alloc failed");
	else
		buf[len] = 0;
	return buf;
}

struct userbpf_object *obj_open(const char *path, struct userbpf_object_open_opts *opts)
{
	userbpf_set_print(obj_print);
	char *kconfig = NULL;
	if (obj_target_btf && !opts->btf_custom_path)
		opts->btf_custom_path = obj_target_btf;
	if (obj_kconfig_path && !opts->kconfig) {
		if (!(kconfig = obj_read_text(obj_kconfig_path)))
			return NULL;
		opts->kconfig = kconfig;
	}
	struct userbpf_object *obj = userbpf_object__open_file(path, opts);
	if (kconfig) { /* the loader keeps its own copy of what it parsed */
		opts->kconfig = NULL;
		free(kconfig);
	}
	if (!obj) {
		const char *why = userbpf_object__last_error();
		p_err("failed to open object file %s: %s", path,
		      why && *why ? why : strerror(errno));
	}
	return obj;
}

void obj_print_logs(const struct userbpf_object *obj, bool only_failed)
{
	struct userbpf_program *prog;
	userbpf_object__for_each_program(prog, obj)
	{
		const char *log = userbpf_program__log(prog);
		if (!log || !*log || (only_failed && userbpf_program__fd(prog) >= 0))
			continue;
		size_t n = strlen(log);
		fprintf(stderr,
		        "prog '%s': %s\n-- BEGIN PROG LOAD LOG --\n%s%s-- END PROG LOAD LOG --\n",
		        userbpf_program__name(prog),
		        userbpf_program__fd(prog) >= 0 ? "verifier log" : "BPF program load failed",
		        log, log[n - 1] == '\n' ? "" : "\n");
	}
}

int obj_load(struct userbpf_object *obj)
{
	int err = userbpf_object__load(obj);
	if (!err)
		return 0;
	if (!json_output)
		obj_print_logs(obj, true);
	const char *why = userbpf_object__last_error();
	if (why && *why)
		p_info("%s", why);
	errno = -err;
	return -1;
}
#endif

int obj_prog_type_by_name(const char *name, uint32_t *type, uint32_t *attach)
{
#ifdef USERBPF_HAVE_LOADER
	if (!userbpf_prog_type_by_section(name, type, attach))
		return 0;
	/* bpftool appends '/' so that "kprobe" finds "kprobe/" */
	char sec[256];
	snprintf(sec, sizeof sec, "%s/", name);
	if (!userbpf_prog_type_by_section(sec, type, attach))
		return 0;
#endif
	int t = prog_type_from_str(name);
	if (t > 0) {
		*type = (uint32_t)t;
		*attach = 0;
		return 0;
	}
	p_err("failed to guess program type from name '%s'", name);
	return -1;
}

bool obj_is_elf(const unsigned char *buf, size_t len)
{
	return len >= 4 && !memcmp(buf, "\177ELF", 4);
}

static uint64_t rd(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v; /* ELF fields are little-endian for BPF objects */
}

/* The section table of an ELF64 little-endian file (64-byte headers and entries). */
struct elf_view {
	const unsigned char *buf;
	size_t len;
	uint64_t shoff, shentsize, shnum;
	uint64_t stroff, strsize; /* section names */
};

static bool elf_view_init(struct elf_view *e, const unsigned char *buf, size_t len)
{
	if (len < 64 || !obj_is_elf(buf, len) || buf[4] != 2 || buf[5] != 1)
		return false;
	e->buf = buf;
	e->len = len;
	e->shoff = rd(buf + 0x28, 8);
	e->shentsize = rd(buf + 0x3a, 2);
	e->shnum = rd(buf + 0x3c, 2);
	uint64_t shstrndx = rd(buf + 0x3e, 2);
	if (e->shentsize < 64 || shstrndx >= e->shnum || e->shoff > len ||
	    e->shnum * e->shentsize > len - e->shoff)
		return false;
	const unsigned char *strsh = buf + e->shoff + shstrndx * e->shentsize;
	e->stroff = rd(strsh + 24, 8);
	e->strsize = rd(strsh + 32, 8);
	return e->stroff <= len && e->strsize <= len - e->stroff;
}

/* Section i's bytes (NULL for NOBITS or out of bounds) and its type and link. */
static const unsigned char *elf_sec(const struct elf_view *e, uint64_t i, uint64_t *size,
                                    uint32_t *type, uint32_t *link)
{
	const unsigned char *sh = e->buf + e->shoff + i * e->shentsize;
	uint64_t off = rd(sh + 24, 8);
	*size = rd(sh + 32, 8);
	*type = (uint32_t)rd(sh + 4, 4);
	*link = (uint32_t)rd(sh + 40, 4);
	if (*type == 8 /* SHT_NOBITS */ || off > e->len || *size > e->len - off)
		return NULL;
	return e->buf + off;
}

/* Does section i have this name? */
static bool elf_sec_named(const struct elf_view *e, uint64_t i, const char *name)
{
	uint64_t n = rd(e->buf + e->shoff + i * e->shentsize, 4), l = strlen(name) + 1;
	return n < e->strsize && e->strsize - n >= l && !memcmp(e->buf + e->stroff + n, name, l);
}

static int64_t elf_find_sec(const struct elf_view *e, const char *name)
{
	for (uint64_t i = 0; i < e->shnum; i++)
		if (elf_sec_named(e, i, name))
			return (int64_t)i;
	return -1;
}

void *obj_elf_btf(const unsigned char *buf, size_t len, size_t *btf_len)
{
	struct elf_view e;
	uint64_t size;
	uint32_t type, link;
	int64_t i;
	const unsigned char *p;
	if (!elf_view_init(&e, buf, len) || (i = elf_find_sec(&e, ".BTF")) < 0 ||
	    !(p = elf_sec(&e, (uint64_t)i, &size, &type, &link)))
		return NULL;
	void *out = malloc(size ? size : 1);
	if (out) {
		memcpy(out, p, size);
		*btf_len = size;
	}
	return out;
}

/* The function symbol func in section shndx: its byte offset and size. */
static bool elf_find_func(const struct elf_view *e, uint64_t shndx, const char *func,
                          uint64_t *value, uint64_t *fsize)
{
	for (uint64_t i = 0; i < e->shnum; i++) {
		uint64_t size, strsize;
		uint32_t type, link, stype, slink;
		const unsigned char *sym = elf_sec(e, i, &size, &type, &link);
		if (!sym || type != 2 /* SHT_SYMTAB */ || link >= e->shnum)
			continue;
		const unsigned char *str = elf_sec(e, link, &strsize, &stype, &slink);
		if (!str)
			continue;
		size_t fl = strlen(func) + 1;
		for (uint64_t s = 0; s + 24 <= size; s += 24) {
			uint64_t name = rd(sym + s, 4);
			if ((sym[s + 4] & 0xf) != 2 /* STT_FUNC */ || rd(sym + s + 6, 2) != shndx ||
			    name >= strsize || strsize - name < fl || memcmp(str + name, func, fl))
				continue;
			*value = rd(sym + s + 8, 8);
			*fsize = rd(sym + s + 16, 8);
			return true;
		}
	}
	return false;
}

/* One .BTF.ext info part (func or line): records of section sec within [lo, hi) bytes,
 * rebased to instruction indexes. rec is sizeof the record we keep. */
static int ext_part(const unsigned char *p, uint64_t len, const struct cbtf *btf, const char *sec,
                    uint64_t lo, uint64_t hi, size_t rec, void **out, uint32_t *n)
{
	*out = NULL;
	*n = 0;
	if (len < 4)
		return 0;
	uint64_t rec_size = rd(p, 4), off = 4;
	if (rec_size < rec)
		return -1;
	while (off + 8 <= len) {
		const char *name = cbtf_str(btf, (uint32_t)rd(p + off, 4));
		uint64_t num = rd(p + off + 4, 4);
		off += 8;
		if (num > (len - off) / rec_size)
			return -1;
		bool mine =
		        name && (!strcmp(name, sec) || (name[0] == '?' && !strcmp(name + 1, sec)));
		for (uint64_t r = 0; mine && r < num; r++) {
			const unsigned char *q = p + off + r * rec_size;
			uint64_t at = rd(q, 4);
			if (at < lo || at >= hi || at % 8)
				continue;
			unsigned char *grown = realloc(*out, rec * (*n + 1));
			if (!grown)
				return -1;
			*out = grown;
			memcpy(grown + rec * *n, q, rec);
			uint32_t idx = (uint32_t)((at - lo) / 8);
			memcpy(grown + rec * *n, &idx, 4); /* insn_off is the first field of both */
			(*n)++;
		}
		off += num * rec_size;
	}
	return 0;
}

int obj_elf_prog_info(const unsigned char *buf, size_t len, const struct cbtf *btf, const char *sec,
                      const char *func, struct bpf_func_info **fi, uint32_t *nfi,
                      struct bpf_line_info **li, uint32_t *nli)
{
	struct elf_view e;
	uint64_t size, value, fsize;
	uint32_t type, link;
	char qsec[256];
	*fi = NULL;
	*li = NULL;
	*nfi = *nli = 0;
	if (!btf || !elf_view_init(&e, buf, len))
		return -1;
	int64_t shndx = elf_find_sec(&e, sec), ext = elf_find_sec(&e, ".BTF.ext");
	if (shndx < 0) { /* "?sec": not autoloaded, same programs */
		snprintf(qsec, sizeof qsec, "?%s", sec);
		shndx = elf_find_sec(&e, qsec);
	}
	const unsigned char *x = ext >= 0 ? elf_sec(&e, (uint64_t)ext, &size, &type, &link) : NULL;
	if (shndx < 0 || !x || size < 24 ||
	    !elf_find_func(&e, (uint64_t)shndx, func, &value, &fsize))
		return -1;
	uint64_t hdr_len = rd(x + 4, 4), foff = rd(x + 8, 4), flen = rd(x + 12, 4),
	         loff = rd(x + 16, 4), llen = rd(x + 20, 4);
	if (rd(x, 2) != 0xeb9f || hdr_len > size || foff + flen > size - hdr_len ||
	    loff + llen > size - hdr_len)
		return -1;
	void *f = NULL, *l = NULL;
	if (ext_part(x + hdr_len + foff, flen, btf, sec, value, value + fsize,
	             sizeof(struct bpf_func_info), &f, nfi) ||
	    ext_part(x + hdr_len + loff, llen, btf, sec, value, value + fsize,
	             sizeof(struct bpf_line_info), &l, nli)) {
		free(f);
		free(l);
		*nfi = *nli = 0;
		return -1;
	}
	*fi = f;
	*li = l;
	return 0;
}
