/* btf_dumper.c — a checked BTF view and bpftool's way of printing data by BTF types. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btf_dumper.h"
#include "cli.h"

#define CBTF_MAGIC 0xeb9f
#define CBTF_MAX_DEPTH 64

struct cbtf_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t type_off, type_len, str_off, str_len;
};

struct cbtf {
	uint32_t *types; /* the type section, copied so records are 4-byte aligned */
	uint32_t types_len;
	char *strs;
	uint32_t str_len;
	const struct cbtf_type **by_id; /* [0] is void (NULL) */
	uint32_t n;
};

struct cbtf_array {
	uint32_t type, index_type, nelems;
};
struct cbtf_member {
	uint32_t name_off, type, offset;
};
struct cbtf_enum {
	uint32_t name_off;
	int32_t val;
};
struct cbtf_enum64 {
	uint32_t name_off, lo32, hi32;
};
struct cbtf_param {
	uint32_t name_off, type;
};
struct cbtf_var_secinfo {
	uint32_t type, offset, size;
};

/* Bytes after a record for its kind, or -1 for a kind we do not know. */
static long cbtf_extra(const struct cbtf_type *t)
{
	uint32_t v = cbtf_vlen(t);
	switch (cbtf_kind(t)) {
	case CBTF_KIND_INT:
	case CBTF_KIND_VAR:
	case CBTF_KIND_DECL_TAG:
		return 4;
	case CBTF_KIND_ARRAY:
		return sizeof(struct cbtf_array);
	case CBTF_KIND_STRUCT:
	case CBTF_KIND_UNION:
		return (long)v * (long)sizeof(struct cbtf_member);
	case CBTF_KIND_ENUM:
		return (long)v * (long)sizeof(struct cbtf_enum);
	case CBTF_KIND_ENUM64:
		return (long)v * (long)sizeof(struct cbtf_enum64);
	case CBTF_KIND_FUNC_PROTO:
		return (long)v * (long)sizeof(struct cbtf_param);
	case CBTF_KIND_DATASEC:
		return (long)v * (long)sizeof(struct cbtf_var_secinfo);
	case CBTF_KIND_PTR:
	case CBTF_KIND_FWD:
	case CBTF_KIND_TYPEDEF:
	case CBTF_KIND_VOLATILE:
	case CBTF_KIND_CONST:
	case CBTF_KIND_RESTRICT:
	case CBTF_KIND_FUNC:
	case CBTF_KIND_FLOAT:
	case CBTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

void cbtf_free(struct cbtf *btf)
{
	if (!btf)
		return;
	free(btf->types);
	free(btf->strs);
	free(btf->by_id);
	free(btf);
}

struct cbtf *cbtf_new(const void *data, size_t size, char *err, size_t errlen)
{
	struct cbtf_header h;
	struct cbtf *b = NULL;
	const char *why = "out of memory";
	if (size < sizeof h) {
		why = "shorter than a BTF header";
		goto fail;
	}
	memcpy(&h, data, sizeof h);
	if (h.magic != CBTF_MAGIC || h.version != 1) {
		why = "bad BTF magic or version";
		goto fail;
	}
	if (h.hdr_len < sizeof h || h.hdr_len > size ||
	    (uint64_t)h.type_off + h.type_len > size - h.hdr_len ||
	    (uint64_t)h.str_off + h.str_len > size - h.hdr_len || h.type_len % 4) {
		why = "BTF sections out of bounds";
		goto fail;
	}
	if (!h.str_len || ((const char *)data)[h.hdr_len + h.str_off + h.str_len - 1]) {
		why = "BTF string section not NUL-terminated";
		goto fail;
	}
	b = calloc(1, sizeof *b);
	if (!b)
		goto fail;
	b->types = malloc(h.type_len ? h.type_len : 4);
	b->strs = malloc(h.str_len);
	if (!b->types || !b->strs)
		goto fail;
	memcpy(b->types, (const char *)data + h.hdr_len + h.type_off, h.type_len);
	memcpy(b->strs, (const char *)data + h.hdr_len + h.str_off, h.str_len);
	b->types_len = h.type_len;
	b->str_len = h.str_len;
	uint32_t cap = 16, n = 1;
	b->by_id = calloc(cap, sizeof *b->by_id);
	if (!b->by_id)
		goto fail;
	for (uint32_t off = 0; off < h.type_len;) {
		if (h.type_len - off < sizeof(struct cbtf_type)) {
			why = "truncated BTF type record";
			goto fail;
		}
		const struct cbtf_type *t = (const void *)((const char *)b->types + off);
		long extra = cbtf_extra(t);
		if (extra < 0 || (uint64_t)off + sizeof *t + (uint64_t)extra > h.type_len) {
			why = extra < 0 ? "unknown BTF kind" : "truncated BTF type record";
			goto fail;
		}
		if (n == cap) {
			const struct cbtf_type **nb = realloc(b->by_id, sizeof *nb * cap * 2);
			if (!nb)
				goto fail;
			b->by_id = nb;
			cap *= 2;
		}
		b->by_id[n++] = t;
		off += (uint32_t)(sizeof *t + (size_t)extra);
	}
	b->n = n;
	return b;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s", why);
	cbtf_free(b);
	errno = EINVAL;
	return NULL;
}

struct cbtf *cbtf_load_by_id(uint32_t id)
{
	int fd = cli_get_fd_by_id(BPF_BTF_GET_FD_BY_ID, id);
	if (fd < 0)
		return NULL;
	struct bpf_btf_info info;
	memset(&info, 0, sizeof info);
	uint32_t len = sizeof info;
	struct cbtf *b = NULL;
	void *raw = NULL;
	if (cli_obj_get_info(fd, &info, &len))
		goto out;
	uint32_t size = info.btf_size;
	raw = malloc(size ? size : 1);
	if (!raw) {
		errno = ENOMEM;
		goto out;
	}
	memset(&info, 0, sizeof info);
	info.btf = (uint64_t)(uintptr_t)raw;
	info.btf_size = size;
	len = sizeof info;
	if (cli_obj_get_info(fd, &info, &len))
		goto out;
	b = cbtf_new(raw, size < info.btf_size ? size : info.btf_size, NULL, 0);
out:
	free(raw);
	cli_close(fd);
	return b;
}

const struct cbtf_type *cbtf_type_by_id(const struct cbtf *btf, uint32_t id)
{
	return id && id < btf->n ? btf->by_id[id] : NULL;
}

const char *cbtf_str(const struct cbtf *btf, uint32_t off)
{
	return off < btf->str_len ? btf->strs + off : NULL;
}

uint32_t cbtf_nr_types(const struct cbtf *btf)
{
	return btf->n;
}

static const char *cbtf_name(const struct cbtf *btf, uint32_t off)
{
	const char *s = cbtf_str(btf, off);
	return s ? s : "(invalid-name)";
}

static bool cbtf_is_mod(uint32_t kind)
{
	return kind == CBTF_KIND_TYPEDEF || kind == CBTF_KIND_VOLATILE || kind == CBTF_KIND_CONST ||
	       kind == CBTF_KIND_RESTRICT || kind == CBTF_KIND_TYPE_TAG;
}

/* Skip modifiers, typedefs and vars (libbpf's btf__resolve_type); -1 on a loop or bad id. */
static long long cbtf_resolve_type(const struct cbtf *btf, uint32_t id)
{
	for (int depth = 0; depth < CBTF_MAX_DEPTH; depth++) {
		if (id == 0)
			return 0;
		const struct cbtf_type *t = cbtf_type_by_id(btf, id);
		if (!t)
			return -1;
		uint32_t k = cbtf_kind(t);
		if (!cbtf_is_mod(k) && k != CBTF_KIND_VAR)
			return id;
		id = t->type;
	}
	return -1;
}

static long long cbtf_size_depth(const struct cbtf *btf, uint32_t id, int depth)
{
	if (depth > CBTF_MAX_DEPTH)
		return -1;
	long long rid = cbtf_resolve_type(btf, id);
	const struct cbtf_type *t = rid > 0 ? cbtf_type_by_id(btf, (uint32_t)rid) : NULL;
	if (!t)
		return -1;
	switch (cbtf_kind(t)) {
	case CBTF_KIND_INT:
	case CBTF_KIND_ENUM:
	case CBTF_KIND_ENUM64:
	case CBTF_KIND_STRUCT:
	case CBTF_KIND_UNION:
	case CBTF_KIND_DATASEC:
	case CBTF_KIND_FLOAT:
		return t->size;
	case CBTF_KIND_PTR:
		return sizeof(void *);
	case CBTF_KIND_ARRAY: {
		const struct cbtf_array *a = (const void *)(t + 1);
		long long e = cbtf_size_depth(btf, a->type, depth + 1);
		if (e < 0 || (e && a->nelems > (1ull << 40) / (unsigned long long)e))
			return -1;
		return e * a->nelems;
	}
	default:
		return -1;
	}
}

long long cbtf_resolve_size(const struct cbtf *btf, uint32_t id)
{
	return cbtf_size_depth(btf, id, 0);
}

/* --- the dumper --- */

struct dump_at {
	const unsigned char *p, *end;
};

static bool room(struct dump_at at, size_t n)
{
	return at.p <= at.end && (size_t)(at.end - at.p) >= n;
}

static int do_type(const struct btf_dumper *d, uint32_t id, uint8_t bit_off, struct dump_at at,
                   int depth);

static void print_int128(const struct btf_dumper *d, uint64_t hi, uint64_t lo)
{
	const char *q = d->is_plain_text ? "" : "\"";
	if (hi)
		jsonw_printf(d->jw, "%s0x%llx%016llx%s", q, (unsigned long long)hi,
		             (unsigned long long)lo, q);
	else
		jsonw_printf(d->jw, "%s0x%llx%s", q, (unsigned long long)lo, q);
}

/* nr_bits bits starting bit_off bits into p (little-endian bit order), printed in hex. */
static int print_bitfield(const struct btf_dumper *d, uint32_t nr_bits, uint32_t bit_off,
                          struct dump_at at)
{
	at.p += bit_off / 8;
	bit_off %= 8;
	if (nr_bits > 128 || !room(at, (bit_off + nr_bits + 7) / 8))
		return -EINVAL;
	uint64_t v[2] = {0, 0};
	for (uint32_t i = 0; i < nr_bits; i++) {
		uint32_t b = bit_off + i;
		if (at.p[b / 8] >> (b % 8) & 1)
			v[i / 64] |= 1ull << (i % 64);
	}
	print_int128(d, v[1], v[0]);
	return 0;
}

static int dump_int(const struct btf_dumper *d, const struct cbtf_type *t, uint8_t bit_off,
                    struct dump_at at)
{
	uint32_t enc_word;
	memcpy(&enc_word, t + 1, 4);
	uint32_t enc = (enc_word >> 24) & 0xf, off = (enc_word >> 16) & 0xff,
	         bits = enc_word & 0xff;
	if (bit_off || off || bits % 8)
		return print_bitfield(d, bits, bit_off + off, at);
	if (!room(at, bits / 8))
		return -EINVAL;
	if (bits == 128) {
		uint64_t v[2];
		memcpy(v, at.p, 16);
		print_int128(d, v[1], v[0]);
		return 0;
	}
	uint64_t u = 0;
	memcpy(&u, at.p, bits / 8); /* little-endian host */
	int64_t s = bits == 64 ? (int64_t)u : (int64_t)(u << (64 - bits)) >> (64 - bits);
	switch (enc) {
	case 0:
		jsonw_printf(d->jw, "%llu", (unsigned long long)u);
		return 0;
	case 1: /* BTF_INT_SIGNED */
		jsonw_printf(d->jw, "%lld", (long long)s);
		return 0;
	case 2: { /* BTF_INT_CHAR */
		char c = (char)at.p[0];
		if (isprint((unsigned char)c)) {
			char str[2] = {c, 0};
			jsonw_string(d->jw, str);
		} else if (d->is_plain_text) {
			jsonw_printf(d->jw, "0x%x", (unsigned char)c);
		} else {
			jsonw_printf(d->jw, "\"\\u00%02x\"", (unsigned char)c);
		}
		return 0;
	}
	case 4: /* BTF_INT_BOOL */
		jsonw_bool(d->jw, u != 0);
		return 0;
	default:
		return -EINVAL;
	}
}

static bool is_str_array(const struct cbtf *btf, const struct cbtf_array *a, struct dump_at at)
{
	if (!a->nelems)
		return false;
	const struct cbtf_type *e = cbtf_type_by_id(btf, a->type);
	/* typedefs to char do not count, as in bpftool */
	for (int i = 0; e && i < CBTF_MAX_DEPTH &&
	                (cbtf_kind(e) == CBTF_KIND_VOLATILE || cbtf_kind(e) == CBTF_KIND_CONST ||
	                 cbtf_kind(e) == CBTF_KIND_RESTRICT);
	     i++)
		e = cbtf_type_by_id(btf, e->type);
	if (!e || cbtf_kind(e) != CBTF_KIND_INT || e->size != 1)
		return false;
	uint32_t enc_word;
	memcpy(&enc_word, e + 1, 4);
	const char *name = cbtf_str(btf, e->name_off);
	if (((enc_word >> 24) & 0xf) != 2 && (!name || strcmp(name, "char")))
		return false;
	if (!room(at, a->nelems))
		return false;
	for (uint32_t i = 0; i < a->nelems; i++) {
		unsigned char c = at.p[i];
		if (!c)
			return true;
		if (c <= 0x1f || c >= 0x7f)
			return false;
	}
	return false; /* no NUL */
}

static int dump_array(const struct btf_dumper *d, const struct cbtf_type *t, struct dump_at at,
                      int depth)
{
	const struct cbtf_array *a = (const void *)(t + 1);
	if (is_str_array(d->btf, a, at)) {
		jsonw_string(d->jw, (const char *)at.p);
		return 0;
	}
	long long esz = cbtf_resolve_size(d->btf, a->type);
	if (esz < 0 || !room(at, (size_t)esz * a->nelems))
		return -EINVAL;
	int ret = 0;
	jsonw_start_array(d->jw);
	for (uint32_t i = 0; i < a->nelems && !ret; i++) {
		struct dump_at e = {at.p + (size_t)esz * i, at.end};
		ret = do_type(d, a->type, 0, e, depth + 1);
	}
	jsonw_end_array(d->jw);
	return ret;
}

static int dump_struct(const struct btf_dumper *d, const struct cbtf_type *t, struct dump_at at,
                       int depth)
{
	const struct cbtf_member *m = (const void *)(t + 1);
	int ret = 0;
	jsonw_start_object(d->jw);
	for (uint32_t i = 0; i < cbtf_vlen(t) && !ret; i++) {
		uint32_t bit_off = m[i].offset, bf_size = 0;
		if (cbtf_kflag(t)) {
			bf_size = bit_off >> 24;
			bit_off &= 0xffffff;
		}
		jsonw_name(d->jw, cbtf_name(d->btf, m[i].name_off));
		struct dump_at f = {at.p + bit_off / 8, at.end};
		if (!room(f, 0)) {
			ret = -EINVAL;
			jsonw_null(d->jw);
		} else if (bf_size) {
			ret = print_bitfield(d, bf_size, bit_off % 8, f);
		} else {
			ret = do_type(d, m[i].type, (uint8_t)(bit_off % 8), f, depth + 1);
		}
	}
	jsonw_end_object(d->jw);
	return ret;
}

static int dump_enum(const struct btf_dumper *d, const struct cbtf_type *t, struct dump_at at)
{
	if ((t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8) || !room(at, t->size))
		return -EINVAL;
	uint64_t u = 0;
	memcpy(&u, at.p, t->size);
	if (cbtf_kind(t) == CBTF_KIND_ENUM64) {
		const struct cbtf_enum64 *e = (const void *)(t + 1);
		for (uint32_t i = 0; i < cbtf_vlen(t); i++)
			if ((uint32_t)u == e[i].lo32 && (uint32_t)(u >> 32) == e[i].hi32) {
				jsonw_string(d->jw, cbtf_name(d->btf, e[i].name_off));
				return 0;
			}
		jsonw_int(d->jw, (int64_t)u);
		return 0;
	}
	int bits = (int)t->size * 8;
	int64_t v = bits == 64 ? (int64_t)u : (int64_t)(u << (64 - bits)) >> (64 - bits);
	const struct cbtf_enum *e = (const void *)(t + 1);
	for (uint32_t i = 0; i < cbtf_vlen(t); i++)
		if (v == e[i].val) {
			jsonw_string(d->jw, cbtf_name(d->btf, e[i].name_off));
			return 0;
		}
	jsonw_int(d->jw, v);
	return 0;
}

static int do_type(const struct btf_dumper *d, uint32_t id, uint8_t bit_off, struct dump_at at,
                   int depth)
{
	if (depth > CBTF_MAX_DEPTH)
		return -ELOOP;
	const struct cbtf_type *t = cbtf_type_by_id(d->btf, id);
	if (!t) {
		jsonw_printf(d->jw, d->is_plain_text ? "(unknown)" : "null");
		return id ? -EINVAL : 0;
	}
	switch (cbtf_kind(t)) {
	case CBTF_KIND_INT:
		return dump_int(d, t, bit_off, at);
	case CBTF_KIND_STRUCT:
	case CBTF_KIND_UNION:
		return dump_struct(d, t, at, depth);
	case CBTF_KIND_ARRAY:
		return dump_array(d, t, at, depth);
	case CBTF_KIND_ENUM:
	case CBTF_KIND_ENUM64:
		return dump_enum(d, t, at);
	case CBTF_KIND_PTR: {
		uint64_t v = 0;
		if (!room(at, sizeof(void *)))
			return -EINVAL;
		memcpy(&v, at.p, sizeof(void *));
		if (d->is_plain_text)
			jsonw_printf(d->jw, "%p", (void *)(uintptr_t)v);
		else
			jsonw_printf(d->jw, "%llu", (unsigned long long)v);
		return 0;
	}
	case CBTF_KIND_FLOAT: {
		/* bpftool has no float printer; we print the number */
		if (t->size == 4 && room(at, 4)) {
			float f;
			memcpy(&f, at.p, 4);
			jsonw_printf(d->jw, "%.9g", (double)f);
			return 0;
		}
		if (t->size == 8 && room(at, 8)) {
			double f;
			memcpy(&f, at.p, 8);
			jsonw_printf(d->jw, "%.17g", f);
			return 0;
		}
		jsonw_printf(d->jw, "%s", d->is_plain_text ? "(unsupported-float)" : "null");
		return -EINVAL;
	}
	case CBTF_KIND_TYPEDEF:
	case CBTF_KIND_VOLATILE:
	case CBTF_KIND_CONST:
	case CBTF_KIND_RESTRICT:
	case CBTF_KIND_TYPE_TAG: {
		long long r = cbtf_resolve_type(d->btf, id);
		if (r < 0)
			return -EINVAL;
		return do_type(d, (uint32_t)r, bit_off, at, depth + 1);
	}
	case CBTF_KIND_VAR: {
		int ret;
		jsonw_start_object(d->jw);
		jsonw_name(d->jw, cbtf_name(d->btf, t->name_off));
		ret = do_type(d, t->type, bit_off, at, depth + 1);
		jsonw_end_object(d->jw);
		return ret;
	}
	case CBTF_KIND_DATASEC: {
		const struct cbtf_var_secinfo *v = (const void *)(t + 1);
		int ret = 0;
		jsonw_start_object(d->jw);
		jsonw_name(d->jw, cbtf_name(d->btf, t->name_off));
		jsonw_start_array(d->jw);
		for (uint32_t i = 0; i < cbtf_vlen(t) && !ret; i++) {
			struct dump_at f = {at.p + v[i].offset, at.end};
			ret = room(f, v[i].size) ? do_type(d, v[i].type, 0, f, depth + 1) : -EINVAL;
		}
		jsonw_end_array(d->jw);
		jsonw_end_object(d->jw);
		return ret;
	}
	case CBTF_KIND_FWD:
		/* a map key or value cannot be a forward declaration */
		jsonw_printf(d->jw, "%s", d->is_plain_text ? "(fwd-kind-invalid)" : "null");
		return -EINVAL;
	default:
		jsonw_printf(d->jw, "%s", d->is_plain_text ? "(unsupported-kind)" : "null");
		return -EINVAL;
	}
}

int btf_dumper_type(const struct btf_dumper *d, uint32_t type_id, const void *data, size_t size)
{
	struct dump_at at = {data, (const unsigned char *)data + size};
	return do_type(d, type_id, 0, at, 0);
}

/* --- C declarations, for function signatures --- */

static int type_only(const struct cbtf *btf, uint32_t id, char *buf, int pos, int size, int depth);

static int put(char *buf, int pos, int size, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int put(char *buf, int pos, int size, const char *fmt, ...)
{
	if (pos < 0 || pos >= size)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + pos, (size_t)(size - pos), fmt, ap);
	va_end(ap);
	return n < 0 || pos + n >= size ? -1 : pos + n;
}

static int dump_func(const struct cbtf *btf, char *buf, const struct cbtf_type *proto,
                     const struct cbtf_type *func, int pos, int size, int depth)
{
	if (!proto || cbtf_kind(proto) != CBTF_KIND_FUNC_PROTO)
		return -1;
	pos = type_only(btf, proto->type, buf, pos, size, depth + 1);
	pos = func ? put(buf, pos, size, "%s(", cbtf_name(btf, func->name_off))
	           : put(buf, pos, size, "(");
	const struct cbtf_param *p = (const void *)(proto + 1);
	for (uint32_t i = 0; i < cbtf_vlen(proto) && pos >= 0; i++) {
		if (i)
			pos = put(buf, pos, size, ", ");
		if (p[i].type) {
			pos = type_only(btf, p[i].type, buf, pos, size, depth + 1);
			if (pos < 0)
				break;
			if (p[i].name_off)
				pos = put(buf, pos, size, "%s", cbtf_name(btf, p[i].name_off));
			else if (pos && buf[pos - 1] == ' ')
				buf[--pos] = 0; /* no name: no trailing space */
		} else {
			pos = put(buf, pos, size, "...");
		}
	}
	return put(buf, pos, size, ")");
}

static int type_only(const struct cbtf *btf, uint32_t id, char *buf, int pos, int size, int depth)
{
	if (pos < 0 || depth > CBTF_MAX_DEPTH)
		return -1;
	if (!id)
		return put(buf, pos, size, "void ");
	const struct cbtf_type *t = cbtf_type_by_id(btf, id);
	if (!t)
		return -1;
	const char *name = cbtf_name(btf, t->name_off);
	switch (cbtf_kind(t)) {
	case CBTF_KIND_INT:
	case CBTF_KIND_TYPEDEF:
	case CBTF_KIND_FLOAT:
		return put(buf, pos, size, "%s ", name);
	case CBTF_KIND_STRUCT:
		return put(buf, pos, size, "struct %s ", name);
	case CBTF_KIND_UNION:
		return put(buf, pos, size, "union %s ", name);
	case CBTF_KIND_ENUM:
	case CBTF_KIND_ENUM64:
		return put(buf, pos, size, "enum %s ", name);
	case CBTF_KIND_ARRAY: {
		const struct cbtf_array *a = (const void *)(t + 1);
		pos = type_only(btf, a->type, buf, pos, size, depth + 1);
		return put(buf, pos, size, "[%u]", a->nelems);
	}
	case CBTF_KIND_PTR:
		pos = type_only(btf, t->type, buf, pos, size, depth + 1);
		return put(buf, pos, size, "* ");
	case CBTF_KIND_FWD:
		return put(buf, pos, size, "%s %s ", cbtf_kflag(t) ? "union" : "struct", name);
	case CBTF_KIND_VOLATILE:
		return type_only(btf, t->type, buf, put(buf, pos, size, "volatile "), size,
		                 depth + 1);
	case CBTF_KIND_CONST:
		return type_only(btf, t->type, buf, put(buf, pos, size, "const "), size, depth + 1);
	case CBTF_KIND_RESTRICT:
		return type_only(btf, t->type, buf, put(buf, pos, size, "restrict "), size,
		                 depth + 1);
	case CBTF_KIND_FUNC_PROTO:
		return dump_func(btf, buf, t, NULL, pos, size, depth);
	case CBTF_KIND_FUNC:
		return dump_func(btf, buf, cbtf_type_by_id(btf, t->type), t, pos, size, depth);
	case CBTF_KIND_VAR: {
		uint32_t linkage;
		memcpy(&linkage, t + 1, 4);
		if (linkage == 0) /* BTF_VAR_STATIC */
			pos = put(buf, pos, size, "static ");
		pos = type_only(btf, t->type, buf, pos, size, depth + 1);
		return put(buf, pos, size, " %s", name);
	}
	case CBTF_KIND_DATASEC:
		return put(buf, pos, size, "section (\"%s\") ", name);
	default:
		return -1;
	}
}

void btf_dumper_type_only(const struct cbtf *btf, uint32_t type_id, char *buf, int size)
{
	buf[0] = 0;
	if (btf && type_only(btf, type_id, buf, 0, size, 0) < 0)
		buf[0] = 0;
}

static const char *ltrim(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

void btf_dump_linfo_plain(const struct cbtf *btf, const struct bpf_line_info *linfo,
                          const char *prefix, bool linum)
{
	const char *line = cbtf_str(btf, linfo->line_off);
	if (!line)
		return;
	line = ltrim(line);
	if (!prefix)
		prefix = "";
	if (linum) {
		const char *file = cbtf_str(btf, linfo->file_name_off);
		printf("%s%s [file:%s line_num:%u line_col:%u]\n", prefix, line, file ? file : "",
		       BPF_LINE_INFO_LINE_NUM(linfo->line_col),
		       BPF_LINE_INFO_LINE_COL(linfo->line_col));
	} else {
		printf("%s%s\n", prefix, line);
	}
}

void btf_dump_linfo_json(json_writer_t *jw, const struct cbtf *btf,
                         const struct bpf_line_info *linfo, bool linum)
{
	const char *line = cbtf_str(btf, linfo->line_off);
	if (line)
		jsonw_string_field(jw, "src", ltrim(line));
	if (!linum)
		return;
	const char *file = cbtf_str(btf, linfo->file_name_off);
	if (file)
		jsonw_string_field(jw, "file", file);
	if (BPF_LINE_INFO_LINE_NUM(linfo->line_col))
		jsonw_int_field(jw, "line_num", BPF_LINE_INFO_LINE_NUM(linfo->line_col));
	if (BPF_LINE_INFO_LINE_COL(linfo->line_col))
		jsonw_int_field(jw, "line_col", BPF_LINE_INFO_LINE_COL(linfo->line_col));
}
