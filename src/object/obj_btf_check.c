/* obj_btf_check.c — the kernel's BTF verifier (kernel/bpf/btf.c btf_parse), for BTF_LOAD.
 *
 * Same passes in the same order, same errnos, same log lines:
 *   header       "hdr_len not found", "Unsupported btf_header" (E2BIG), the header dump,
 *                "Invalid magic", "Unsupported version"/"flags" (ENOTSUPP), "No data";
 *   sections     sorted by offset: "Invalid section offset", "Unsupported section found",
 *                "Section overlap found", "Total section length too long";
 *   strings      "String section is not at the end", "Invalid string section";
 *   types, pass 1 (check_meta): one line per type, "[id] KIND name details", and each
 *                kind's size / vlen / kind_flag / name rules ("vlen != 0", "Invalid name",
 *                "meta_left:%u meta_needed:%u", "Unexpected size", ...);
 *   types, pass 2 (resolve): references followed depth first with the kernel's sinks per
 *                mode, "Loop detected", "Exceeded max resolving depth:32", member offsets and
 *                sizes ("Member exceeds struct_size", ...), function prototypes;
 *   type tags    "Type tags don't precede modifiers".
 * Pointers are 8 bytes, as on the x86-64 / arm64 hosts the kernel answers from.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object/obj_btf.h"
#include "userbpf/bpf_uapi.h"

#define BTF_MAGIC 0xeB9F
#define BTF_VERSION 1
#define BTF_INFO_KIND(i) (((i) >> 24) & 0x1f)
#define BTF_INFO_VLEN(i) ((i)&0xffff)
#define BTF_INFO_KFLAG(i) ((i) >> 31)
#define BTF_INFO_MASK 0x9f00ffffu
#define BTF_INT_MASK 0x0fffffffu
#define BTF_INT_ENCODING(v) (((v)&0x0f000000) >> 24)
#define BTF_INT_OFFSET(v) (((v)&0x00ff0000) >> 16)
#define BTF_INT_BITS(v) ((v)&0x000000ff)
#define BTF_INT_SIGNED 1
#define BTF_INT_CHAR 2
#define BTF_INT_BOOL 4
#define BTF_MAX_TYPE 0x000fffffu
#define BTF_MAX_NAME_OFFSET 0x00ffffffu
#define BTF_MEMBER_BITFIELD_SIZE(v) ((v) >> 24)
#define BTF_MEMBER_BIT_OFFSET(v) ((v)&0xffffff)
#define BTF_FUNC_GLOBAL 1
#define BTF_VAR_STATIC 0
#define BTF_VAR_GLOBAL_ALLOCATED 1
#define BITS_PER_U128 128u
#define KSYM_NAME_LEN 512
#define MAX_RESOLVE_DEPTH 32
#define PTR_SIZE 8u
#define OBJ_ENOTSUPP 524

enum {
	K_UNKN,
	K_INT,
	K_PTR,
	K_ARRAY,
	K_STRUCT,
	K_UNION,
	K_ENUM,
	K_FWD,
	K_TYPEDEF,
	K_VOLATILE,
	K_CONST,
	K_RESTRICT,
	K_FUNC,
	K_FUNC_PROTO,
	K_VAR,
	K_DATASEC,
	K_FLOAT,
	K_DECL_TAG,
	K_TYPE_TAG,
	K_ENUM64,
	K_NR
};

static const char *const kind_str[K_NR] = {
        "UNKNOWN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION", "ENUM",
        "FWD",     "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",  "FUNC_PROTO",
        "VAR",     "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64"};

struct btf_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t type_off, type_len, str_off, str_len;
};

struct btf_type {
	uint32_t name_off, info;
	uint32_t size; /* or type */
};

struct btf_member {
	uint32_t name_off, type, offset;
};

struct btf_array {
	uint32_t type, index_type, nelems;
};

struct btf_enum {
	uint32_t name_off;
	int32_t val;
};

struct btf_enum64 {
	uint32_t name_off, val_lo32, val_hi32;
};

struct btf_param {
	uint32_t name_off, type;
};

struct btf_var_secinfo {
	uint32_t type, offset, size;
};

enum { NOT_VISITED, VISITED, RESOLVED };
enum { RESOLVE_TBD, RESOLVE_PTR, RESOLVE_STRUCT_OR_ARRAY };

struct resolve_vertex {
	const struct btf_type *t;
	uint32_t type_id;
	uint16_t next_member;
};

struct bv {
	unsigned char *data; /* our own copy of the blob */
	unsigned char *tsec; /* the type section, copied 8-aligned: types are read in place */
	uint32_t size;
	struct btf_header hdr;
	const unsigned char *nohdr;
	const char *strings;
	const struct btf_type **types; /* [0] is void */
	uint32_t nr_types, cap_types;
	uint32_t *resolved_ids, *resolved_sizes;
	uint8_t *visit;
	struct resolve_vertex stack[MAX_RESOLVE_DEPTH];
	uint32_t top;
	int phase_type; /* past CHECK_META */
	int mode;
	uint32_t log_type_id;
	struct obj_log *log;
};

static const struct btf_type btf_void;

/* --- the log --- */

void obj_vlogf(struct obj_log *log, const char *fmt, va_list ap)
{
	char line[1024];
	int n = vsnprintf(line, sizeof line, fmt, ap);
	if (n <= 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	if (log->len + (size_t)n + 1 > log->cap) {
		size_t cap = (log->cap + (size_t)n + 1) * 2;
		char *nb = realloc(log->buf, cap);
		if (!nb)
			return;
		log->buf = nb;
		log->cap = cap;
	}
	memcpy(log->buf + log->len, line, (size_t)n + 1);
	log->len += (size_t)n;
}

void obj_logf(struct obj_log *log, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	obj_vlogf(log, fmt, ap);
	va_end(ap);
}

#define LOG(env, ...)                                                                              \
	do {                                                                                       \
		if ((env)->log->on)                                                                \
			obj_logf((env)->log, __VA_ARGS__);                                         \
	} while (0)

/* --- types and names --- */

static inline uint32_t t_kind(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info);
}
static inline uint32_t t_vlen(const struct btf_type *t)
{
	return BTF_INFO_VLEN(t->info);
}
static inline bool t_kflag(const struct btf_type *t)
{
	return BTF_INFO_KFLAG(t->info);
}
static inline const void *t_extra(const struct btf_type *t)
{
	return t + 1;
}
static inline uint32_t t_int(const struct btf_type *t)
{
	return *(const uint32_t *)t_extra(t);
}
static bool is_void(const struct btf_type *t)
{
	return t == &btf_void;
}
static bool is_modifier(const struct btf_type *t)
{
	switch (t_kind(t)) {
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
		return true;
	}
	return false;
}
#define IS(t, k) (!is_void(t) && t_kind(t) == (k))
static bool is_struct(const struct btf_type *t)
{
	return IS(t, K_STRUCT) || IS(t, K_UNION);
}
static bool nosize(const struct btf_type *t)
{
	return is_void(t) || IS(t, K_FWD) || IS(t, K_FUNC) || IS(t, K_FUNC_PROTO);
}
static bool nosize_or_null(const struct btf_type *t)
{
	return !t || nosize(t);
}
static bool resolve_source_only(const struct btf_type *t)
{
	return IS(t, K_VAR) || IS(t, K_DECL_TAG) || IS(t, K_DATASEC);
}
static bool needs_resolve(const struct btf_type *t)
{
	return !is_void(t) &&
	       (is_modifier(t) || IS(t, K_PTR) || is_struct(t) || IS(t, K_ARRAY) || IS(t, K_VAR) ||
	        IS(t, K_FUNC) || IS(t, K_DECL_TAG) || IS(t, K_DATASEC));
}
static bool has_size(const struct btf_type *t)
{
	switch (is_void(t) ? K_UNKN : t_kind(t)) {
	case K_INT:
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_DATASEC:
	case K_FLOAT:
	case K_ENUM64:
		return true;
	}
	return false;
}

static const struct btf_type *type_by_id(const struct bv *env, uint32_t id)
{
	return id < env->nr_types ? env->types[id] : NULL;
}

static bool name_offset_valid(const struct bv *env, uint32_t off)
{
	return off <= BTF_MAX_NAME_OFFSET && off < env->hdr.str_len;
}

static const char *str_by_offset(const struct bv *env, uint32_t off)
{
	return off < env->hdr.str_len ? env->strings + off : NULL;
}

static const char *name_disp(const struct bv *env, uint32_t off)
{
	if (!off)
		return "(anon)";
	const char *s = str_by_offset(env, off);
	return s ? s : "(invalid-name-offset)";
}

/* The kernel's ctype (lib/ctype.c) is Latin-1: 0xc0-0xff are letters except 0xd7 (×) and
 * 0xf7 (÷), 0xa0-0xff are printable. Measured against Linux 6.18 by fuzz_btf (differential
 * mode) and its reproducers (tests/fixtures/fuzz/btf/). */
static bool is_alpha(char c)
{
	unsigned char u = (unsigned char)c;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (u >= 0xc0 && u != 0xd7 && u != 0xf7);
}
static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}
static bool is_print(char c)
{
	unsigned char u = (unsigned char)c;
	return (u >= 0x20 && u < 0x7f) || u >= 0xa0;
}
/* 6.18's __btf_name_char_ok: letters, digits (not first), '_' and '.' anywhere. */
static bool name_char_ok(char c, bool first)
{
	return (first ? is_alpha(c) : is_alnum(c)) || c == '_' || c == '.';
}

/* btf_name_valid_identifier, or (section) btf_name_valid_section: a DATASEC name may hold
 * any printable character. Both: non-empty, at most KSYM_NAME_LEN bytes. */
static bool name_valid(const struct bv *env, uint32_t off, bool section)
{
	const char *src = str_by_offset(env, off);
	if (!src || !*src || (section ? !is_print(*src) : !name_char_ok(*src, true)))
		return false;
	const char *limit = src + KSYM_NAME_LEN;
	for (src++; *src && src < limit; src++)
		if (section ? !is_print(*src) : !name_char_ok(*src, false))
			return false;
	return !*src;
}
#define name_valid_identifier(env, off) name_valid(env, off, false)
#define name_valid_section(env, off) name_valid(env, off, true)

static uint32_t member_bit_offset(const struct btf_type *st, const struct btf_member *m)
{
	return t_kflag(st) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
}

/* --- log lines --- */

static const char *int_encoding_str(uint32_t e)
{
	return e == 0                ? "(none)"
	       : e == BTF_INT_SIGNED ? "SIGNED"
	       : e == BTF_INT_CHAR   ? "CHAR"
	       : e == BTF_INT_BOOL   ? "BOOL"
	                             : "UNKN";
}

static void log_details(struct bv *env, const struct btf_type *t)
{
	switch (t_kind(t)) {
	case K_INT: {
		uint32_t d = t_int(t);
		LOG(env, "size=%u bits_offset=%u nr_bits=%u encoding=%s", t->size,
		    BTF_INT_OFFSET(d), BTF_INT_BITS(d), int_encoding_str(BTF_INT_ENCODING(d)));
		break;
	}
	case K_PTR:
	case K_TYPEDEF:
	case K_VOLATILE:
	case K_CONST:
	case K_RESTRICT:
	case K_TYPE_TAG:
	case K_FUNC:
		LOG(env, "type_id=%u", t->size);
		break;
	case K_FWD:
		LOG(env, "%s", t_kflag(t) ? "union" : "struct");
		break;
	case K_ARRAY: {
		const struct btf_array *a = t_extra(t);
		LOG(env, "type_id=%u index_type_id=%u nr_elems=%u", a->type, a->index_type,
		    a->nelems);
		break;
	}
	case K_STRUCT:
	case K_UNION:
	case K_ENUM:
	case K_ENUM64:
	case K_DATASEC:
		LOG(env, "size=%u vlen=%u", t->size, t_vlen(t));
		break;
	case K_FUNC_PROTO: {
		const struct btf_param *args = t_extra(t);
		uint32_t n = t_vlen(t);
		LOG(env, "return=%u args=(", t->size);
		if (!n) {
			LOG(env, "void");
		} else if (n == 1 && !args[0].type) {
			LOG(env, "vararg");
		} else {
			LOG(env, "%u %s", args[0].type, name_disp(env, args[0].name_off));
			for (uint32_t i = 1; i < n - 1; i++)
				LOG(env, ", %u %s", args[i].type, name_disp(env, args[i].name_off));
			if (n > 1) {
				if (args[n - 1].type)
					LOG(env, ", %u %s", args[n - 1].type,
					    name_disp(env, args[n - 1].name_off));
				else
					LOG(env, ", vararg");
			}
		}
		LOG(env, ")");
		break;
	}
	case K_VAR:
		LOG(env, "type_id=%u linkage=%u", t->size, *(const uint32_t *)t_extra(t));
		break;
	case K_FLOAT:
		LOG(env, "size=%u", t->size);
		break;
	case K_DECL_TAG:
		LOG(env, "type=%u component_idx=%d", t->size, *(const int32_t *)t_extra(t));
		break;
	}
}

/* "[id] KIND name[ details][ msg]\n" (__btf_verifier_log_type) */
__attribute__((format(printf, 4, 5))) static void
log_type_(struct bv *env, const struct btf_type *t, bool details, const char *fmt, ...)
{
	if (!env->log->on)
		return;
	obj_logf(env->log, "[%u] %s %s%s", env->log_type_id, kind_str[t_kind(t)],
	         name_disp(env, t->name_off), details ? " " : "");
	if (details)
		log_details(env, t);
	if (fmt && *fmt) {
		obj_logf(env->log, " ");
		va_list ap;
		va_start(ap, fmt);
		obj_vlogf(env->log, fmt, ap);
		va_end(ap);
	}
	obj_logf(env->log, "\n");
}
#define log_type(env, t, ...) log_type_(env, t, true, __VA_ARGS__)
#define log_basic(env, t, ...) log_type_(env, t, false, __VA_ARGS__)

__attribute__((format(printf, 4, 5))) static void log_member(struct bv *env,
                                                             const struct btf_type *st,
                                                             const struct btf_member *m,
                                                             const char *fmt, ...)
{
	if (!env->log->on)
		return;
	if (env->phase_type)
		log_type(env, st, NULL);
	if (t_kflag(st))
		obj_logf(env->log, "\t%s type_id=%u bitfield_size=%u bits_offset=%u",
		         name_disp(env, m->name_off), m->type, BTF_MEMBER_BITFIELD_SIZE(m->offset),
		         BTF_MEMBER_BIT_OFFSET(m->offset));
	else
		obj_logf(env->log, "\t%s type_id=%u bits_offset=%u", name_disp(env, m->name_off),
		         m->type, m->offset);
	if (fmt && *fmt) {
		obj_logf(env->log, " ");
		va_list ap;
		va_start(ap, fmt);
		obj_vlogf(env->log, fmt, ap);
		va_end(ap);
	}
	obj_logf(env->log, "\n");
}

__attribute__((format(printf, 4, 5))) static void log_vsi(struct bv *env, const struct btf_type *ds,
                                                          const struct btf_var_secinfo *v,
                                                          const char *fmt, ...)
{
	if (!env->log->on)
		return;
	if (env->phase_type)
		log_type(env, ds, NULL);
	obj_logf(env->log, "\t type_id=%u offset=%u size=%u", v->type, v->offset, v->size);
	if (fmt && *fmt) {
		obj_logf(env->log, " ");
		va_list ap;
		va_start(ap, fmt);
		obj_vlogf(env->log, fmt, ap);
		va_end(ap);
	}
	obj_logf(env->log, "\n");
}

/* --- pass 1: each kind's meta data ---
 *
 * The kernel's per-kind check_meta functions apply the same few rules in a per-kind order:
 * the bytes the kind needs after its btf_type (meta_left), then rules on vlen, kind_flag,
 * size / type and name, each failing with its own log line. Here each rule is one entry
 * (predicate, message, errno) and each kind one row: its extra bytes, its rules in the
 * kernel's order, and the walk over its vlen items (members, enumerators, variables) where
 * it has one. One checker runs a row. */

struct meta_rule {
	bool (*bad)(const struct bv *env, const struct btf_type *t);
	const char *msg;
	int err;    /* 0: EINVAL */
	bool basic; /* logged without the type's details */
	/* msg is a format taking one value of the type (int_data) */
	uint32_t (*arg)(const struct btf_type *t);
};

static bool vlen_set(const struct bv *env, const struct btf_type *t)
{
	return t_vlen(t) != 0;
}
static bool kflag_set(const struct bv *env, const struct btf_type *t)
{
	return t_kflag(t);
}
static bool named(const struct bv *env, const struct btf_type *t)
{
	return t->name_off != 0;
}
static bool bad_ident(const struct bv *env, const struct btf_type *t)
{
	return !t->name_off || !name_valid_identifier(env, t->name_off);
}
static bool bad_ident_opt(const struct bv *env, const struct btf_type *t)
{
	return t->name_off && !name_valid_identifier(env, t->name_off);
}
static bool bad_section_name(const struct bv *env, const struct btf_type *t)
{
	return !t->name_off || !name_valid_section(env, t->name_off);
}
static bool empty_str(const struct bv *env, const struct btf_type *t)
{
	const char *v = str_by_offset(env, t->name_off);
	return !v || !v[0];
}
static bool size_set(const struct bv *env, const struct btf_type *t)
{
	return t->size != 0;
}
static bool size_zero(const struct bv *env, const struct btf_type *t)
{
	return t->size == 0;
}
static bool type_id_past(const struct bv *env, const struct btf_type *t)
{
	return t->size > BTF_MAX_TYPE;
}
static bool type_id_bad(const struct bv *env, const struct btf_type *t)
{
	return !t->size || t->size > BTF_MAX_TYPE;
}
static bool int_data_bad(const struct bv *env, const struct btf_type *t)
{
	return t_int(t) & ~BTF_INT_MASK;
}
static uint32_t int_nr_bits(const struct btf_type *t)
{
	return BTF_INT_BITS(t_int(t)) + BTF_INT_OFFSET(t_int(t));
}
static bool int_bits_128(const struct bv *env, const struct btf_type *t)
{
	return int_nr_bits(t) > BITS_PER_U128;
}
static bool int_bits_size(const struct bv *env, const struct btf_type *t)
{
	return (int_nr_bits(t) + 7) / 8 > t->size;
}
static bool int_encoding_bad(const struct bv *env, const struct btf_type *t)
{
	uint32_t enc = BTF_INT_ENCODING(t_int(t));
	return enc && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL;
}
static bool array_elem_bad(const struct bv *env, const struct btf_type *t)
{
	const struct btf_array *a = t_extra(t);
	return !a->type || a->type > BTF_MAX_TYPE;
}
static bool array_index_bad(const struct bv *env, const struct btf_type *t)
{
	const struct btf_array *a = t_extra(t);
	return !a->index_type || a->index_type > BTF_MAX_TYPE;
}
static bool enum_size_bad(const struct bv *env, const struct btf_type *t)
{
	return t->size > 8 || (t->size & (t->size - 1)) || !t->size;
}
static bool func_linkage_bad(const struct bv *env, const struct btf_type *t)
{
	return t_vlen(t) > BTF_FUNC_GLOBAL;
}
static bool var_linkage_bad(const struct bv *env, const struct btf_type *t)
{
	uint32_t linkage = *(const uint32_t *)t_extra(t);
	return linkage != BTF_VAR_STATIC && linkage != BTF_VAR_GLOBAL_ALLOCATED;
}
static bool float_size_bad(const struct bv *env, const struct btf_type *t)
{
	return t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16;
}
static bool component_idx_bad(const struct bv *env, const struct btf_type *t)
{
	return *(const int32_t *)t_extra(t) < -1;
}

static const struct meta_rule
        r_vlen = {.bad = vlen_set, .msg = "vlen != 0"},
        r_kflag = {.bad = kflag_set, .msg = "Invalid btf_info kind_flag"},
        r_noname = {.bad = named, .msg = "Invalid name"},
        r_ident = {.bad = bad_ident, .msg = "Invalid name"},
        r_ident_opt = {.bad = bad_ident_opt, .msg = "Invalid name"},
        r_section = {.bad = bad_section_name, .msg = "Invalid name"},
        r_tag_name = {.bad = empty_str, .msg = "Invalid name"},
        r_tag_value = {.bad = empty_str, .msg = "Invalid value"},
        r_ref_type = {.bad = type_id_past, .msg = "Invalid type_id"},
        r_var_type = {.bad = type_id_bad, .msg = "Invalid type_id"},
        r_fwd_type = {.bad = size_set, .msg = "type != 0"},
        r_array_size = {.bad = size_set, .msg = "size != 0"},
        r_array_elem = {.bad = array_elem_bad, .msg = "Invalid elem"},
        r_array_index = {.bad = array_index_bad, .msg = "Invalid index"},
        r_int_data = {.bad = int_data_bad,
                      .msg = "Invalid int_data:%x",
                      .basic = true,
                      .arg = t_int},
        r_int_bits = {.bad = int_bits_128, .msg = "nr_bits exceeds 128"},
        r_int_size = {.bad = int_bits_size, .msg = "nr_bits exceeds type_size"},
        r_int_enc = {.bad = int_encoding_bad, .msg = "Unsupported encoding", .err = OBJ_ENOTSUPP},
        r_enum_size = {.bad = enum_size_bad, .msg = "Unexpected size"},
        r_func_linkage = {.bad = func_linkage_bad, .msg = "Invalid func linkage"},
        r_var_linkage = {.bad = var_linkage_bad, .msg = "Linkage not supported"},
        r_datasec_size = {.bad = size_zero, .msg = "size == 0"},
        r_float_size = {.bad = float_size_bad, .msg = "Invalid type_size"},
        r_component_idx = {.bad = component_idx_bad, .msg = "Invalid component_idx"};

/* The vlen items of a kind, after its rules and its own log line: 0 or -errno. */
typedef long (*meta_items_fn)(struct bv *env, const struct btf_type *t);

static long struct_members_meta(struct bv *env, const struct btf_type *t)
{
	bool is_union = t_kind(t) == K_UNION;
	const struct btf_member *m = t_extra(t);
	uint32_t last = 0;
	for (uint32_t i = 0; i < t_vlen(t); i++, m++) {
		if (!name_offset_valid(env, m->name_off)) {
			log_member(env, t, m, "Invalid member name_offset:%u", m->name_off);
			return -EINVAL;
		}
		if (m->name_off && !name_valid_identifier(env, m->name_off)) {
			log_member(env, t, m, "Invalid name");
			return -EINVAL;
		}
		if (!m->type || m->type > BTF_MAX_TYPE) {
			log_member(env, t, m, "Invalid type_id");
			return -EINVAL;
		}
		uint32_t off = member_bit_offset(t, m);
		if ((is_union && off) || last > off) {
			log_member(env, t, m, "Invalid member bits_offset");
			return -EINVAL;
		}
		if (off / 8 + !!(off % 8) > t->size) { /* BITS_ROUNDUP_BYTES: no u32 wrap */
			log_member(env, t, m, "Member bits_offset exceeds its struct size");
			return -EINVAL;
		}
		log_member(env, t, m, NULL);
		last = off;
	}
	return 0;
}

static long enum_values_meta(struct bv *env, const struct btf_type *t)
{
	bool e64 = t_kind(t) == K_ENUM64;
	uint32_t esz = e64 ? sizeof(struct btf_enum64) : sizeof(struct btf_enum);
	const unsigned char *p = t_extra(t);
	for (uint32_t i = 0; i < t_vlen(t); i++, p += esz) {
		uint32_t name_off = *(const uint32_t *)p;
		if (!name_offset_valid(env, name_off)) {
			LOG(env, "\tInvalid name_offset:%u", name_off);
			return -EINVAL;
		}
		if (!name_off || !name_valid_identifier(env, name_off)) {
			log_type(env, t, "Invalid name");
			return -EINVAL;
		}
		/* kind_flag: the values are signed */
		uint64_t v;
		if (e64) {
			const struct btf_enum64 *e = (const void *)p;
			v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		} else {
			const struct btf_enum *e = (const void *)p;
			v = t_kflag(t) ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
		}
		if (t_kflag(t))
			LOG(env, "\t%s val=%lld\n", name_disp(env, name_off), (long long)v);
		else
			LOG(env, "\t%s val=%llu\n", name_disp(env, name_off),
			    (unsigned long long)v);
	}
	return 0;
}

static long datasec_vars_meta(struct bv *env, const struct btf_type *t)
{
	const struct btf_var_secinfo *v = t_extra(t);
	uint64_t last_end = 0, sum = 0;
	for (uint32_t i = 0; i < t_vlen(t); i++, v++) {
		if (!v->type || v->type > BTF_MAX_TYPE) {
			log_vsi(env, t, v, "Invalid type_id");
			return -EINVAL;
		}
		if (v->offset < last_end || v->offset >= t->size) {
			log_vsi(env, t, v, "Invalid offset");
			return -EINVAL;
		}
		if (!v->size || v->size > t->size) {
			log_vsi(env, t, v, "Invalid size");
			return -EINVAL;
		}
		last_end = (uint64_t)v->offset + v->size;
		if (last_end > t->size) {
			log_vsi(env, t, v, "Invalid offset+size");
			return -EINVAL;
		}
		log_vsi(env, t, v, NULL);
		sum += v->size;
	}
	if (t->size < sum) {
		log_type(env, t, "Invalid btf_info size");
		return -EINVAL;
	}
	return 0;
}

#define META_RULES_MAX 6
struct kind_meta {
	uint32_t extra;     /* bytes after the btf_type, whatever vlen says */
	uint32_t item_size; /* bytes per vlen item */
	const struct meta_rule *rules[META_RULES_MAX + 1]; /* in the kernel's order, NULL-ended */
	meta_items_fn items;
};

#define KIND(extra_, item_, items_, ...)                                                           \
	{                                                                                          \
		.extra = (extra_), .item_size = (item_), .rules = {__VA_ARGS__}, .items = (items_) \
	}
#define REF_KIND KIND(0, 0, NULL, &r_vlen, &r_kflag, &r_ref_type, &r_noname)
static const struct kind_meta kind_metas[K_NR] = {
        [K_INT] = KIND(4, 0, NULL, &r_vlen, &r_kflag, &r_int_data, &r_int_bits, &r_int_size,
                       &r_int_enc),
        [K_PTR] = REF_KIND,
        [K_VOLATILE] = REF_KIND,
        [K_CONST] = REF_KIND,
        [K_RESTRICT] = REF_KIND,
        [K_TYPEDEF] = KIND(0, 0, NULL, &r_vlen, &r_kflag, &r_ref_type, &r_ident),
        /* a type tag's kind_flag says it is an attribute */
        [K_TYPE_TAG] = KIND(0, 0, NULL, &r_vlen, &r_ref_type, &r_tag_name),
        [K_ARRAY] = KIND(sizeof(struct btf_array), 0, NULL, &r_noname, &r_vlen, &r_kflag,
                         &r_array_size, &r_array_elem, &r_array_index),
        [K_STRUCT] = KIND(0, sizeof(struct btf_member), struct_members_meta, &r_ident_opt),
        [K_UNION] = KIND(0, sizeof(struct btf_member), struct_members_meta, &r_ident_opt),
        [K_ENUM] = KIND(0, sizeof(struct btf_enum), enum_values_meta, &r_enum_size, &r_ident_opt),
        [K_ENUM64] =
                KIND(0, sizeof(struct btf_enum64), enum_values_meta, &r_enum_size, &r_ident_opt),
        [K_FWD] = KIND(0, 0, NULL, &r_vlen, &r_fwd_type, &r_ident),
        [K_FUNC] = KIND(0, 0, NULL, &r_ident, &r_func_linkage, &r_kflag),
        [K_FUNC_PROTO] = KIND(0, sizeof(struct btf_param), NULL, &r_noname, &r_kflag),
        [K_VAR] = KIND(4, 0, NULL, &r_vlen, &r_kflag, &r_ident, &r_var_type, &r_var_linkage),
        [K_DATASEC] = KIND(0, sizeof(struct btf_var_secinfo), datasec_vars_meta, &r_datasec_size,
                           &r_kflag, &r_section),
        [K_FLOAT] = KIND(0, 0, NULL, &r_vlen, &r_kflag, &r_float_size),
        [K_DECL_TAG] = KIND(4, 0, NULL, &r_tag_value, &r_vlen, &r_component_idx),
};

/* One kind's meta data: the bytes it needs, its rules, its line in the log, its items.
 * Returns the bytes used after the btf_type, or -errno. */
static long check_meta_kind(struct bv *env, const struct btf_type *t, uint32_t left)
{
	const struct kind_meta *km = &kind_metas[t_kind(t)];
	uint32_t needed = km->extra + t_vlen(t) * km->item_size;
	if (left < needed) {
		log_basic(env, t, "meta_left:%u meta_needed:%u", left, needed);
		return -EINVAL;
	}
	for (const struct meta_rule *const *r = km->rules; *r; r++) {
		if (!(*r)->bad(env, t))
			continue;
		if ((*r)->arg)
			log_type_(env, t, !(*r)->basic, (*r)->msg, (*r)->arg(t));
		else
			log_type_(env, t, !(*r)->basic, "%s", (*r)->msg);
		return -((*r)->err ? (*r)->err : EINVAL);
	}
	log_type(env, t, NULL);
	long err = km->items ? km->items(env, t) : 0;
	return err < 0 ? err : needed;
}

static long check_meta(struct bv *env, const struct btf_type *t, uint32_t left)
{
	uint32_t saved = left;
	if (left < sizeof *t) {
		LOG(env, "[%u] meta_left:%u meta_needed:%zu", env->log_type_id, left, sizeof *t);
		return -EINVAL;
	}
	left -= sizeof *t;
	if (t->info & ~BTF_INFO_MASK) {
		LOG(env, "[%u] Invalid btf_info:%x", env->log_type_id, t->info);
		return -EINVAL;
	}
	if (t_kind(t) >= K_NR || t_kind(t) == K_UNKN) {
		LOG(env, "[%u] Invalid kind:%u", env->log_type_id, t_kind(t));
		return -EINVAL;
	}
	if (!name_offset_valid(env, t->name_off)) {
		LOG(env, "[%u] Invalid name_offset:%u", env->log_type_id, t->name_off);
		return -EINVAL;
	}
	long var = check_meta_kind(env, t, left);
	if (var < 0)
		return var;
	left -= (uint32_t)var;
	return saved - left;
}

static int add_type(struct bv *env, const struct btf_type *t)
{
	if (env->nr_types == env->cap_types) {
		if (env->cap_types >= BTF_MAX_TYPE) {
			LOG(env, "Exceeded max num of types");
			return -E2BIG;
		}
		uint32_t cap = env->cap_types ? env->cap_types + (env->cap_types >> 2) + 16 : 16;
		if (cap > BTF_MAX_TYPE)
			cap = BTF_MAX_TYPE;
		const struct btf_type **n = realloc(env->types, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		env->types = n;
		env->cap_types = cap;
	}
	env->types[env->nr_types++] = t;
	return 0;
}

static int check_all_metas(struct bv *env)
{
	const unsigned char *cur = env->tsec, *end = cur + env->hdr.type_len;
	int err = add_type(env, &btf_void);
	if (err)
		return err;
	env->log_type_id = 1;
	while (cur < end) {
		const struct btf_type *t = (const void *)cur;
		long sz = check_meta(env, t, (uint32_t)(end - cur));
		if (sz < 0)
			return (int)sz;
		if ((err = add_type(env, t)))
			return err;
		cur += sz;
		env->log_type_id++;
	}
	return 0;
}

/* --- pass 2: resolving references --- */

static bool is_resolve_sink(const struct bv *env, const struct btf_type *next)
{
	switch (env->mode) {
	case RESOLVE_TBD:
		return !needs_resolve(next);
	case RESOLVE_PTR:
		return is_void(next) || (!is_modifier(next) && !IS(next, K_PTR));
	default: /* RESOLVE_STRUCT_OR_ARRAY */
		return is_void(next) ||
		       (!is_modifier(next) && !IS(next, K_ARRAY) && !is_struct(next));
	}
}

static bool is_resolved(const struct bv *env, uint32_t id)
{
	return env->visit[id] == RESOLVED;
}

static int stack_push(struct bv *env, const struct btf_type *t, uint32_t id)
{
	if (env->top == MAX_RESOLVE_DEPTH)
		return -E2BIG;
	if (env->visit[id] != NOT_VISITED)
		return -EEXIST;
	env->visit[id] = VISITED;
	struct resolve_vertex *v = &env->stack[env->top++];
	v->t = t;
	v->type_id = id;
	v->next_member = 0;
	if (env->mode == RESOLVE_TBD) {
		if (IS(t, K_PTR))
			env->mode = RESOLVE_PTR;
		else if (is_struct(t) || IS(t, K_ARRAY))
			env->mode = RESOLVE_STRUCT_OR_ARRAY;
	}
	return 0;
}

static void stack_pop_resolved(struct bv *env, uint32_t resolved_id, uint32_t resolved_size)
{
	uint32_t id = env->stack[--env->top].type_id;
	env->resolved_sizes[id] = resolved_size;
	env->resolved_ids[id] = resolved_id;
	env->visit[id] = RESOLVED;
}

static const struct btf_type *type_id_resolve(const struct bv *env, uint32_t *id)
{
	*id = env->resolved_ids[*id];
	return type_by_id(env, *id);
}

/* btf_type_id_size: the type with a size that *id stands for, and that size */
static const struct btf_type *type_id_size(const struct bv *env, uint32_t *id, uint32_t *ret)
{
	uint32_t sid = *id, size = 0;
	const struct btf_type *st = type_by_id(env, sid);
	if (nosize_or_null(st))
		return NULL;
	if (has_size(st)) {
		size = st->size;
	} else if (IS(st, K_ARRAY)) {
		size = env->resolved_sizes[sid];
	} else if (IS(st, K_PTR)) {
		size = PTR_SIZE;
	} else {
		if (!is_modifier(st) && !IS(st, K_VAR))
			return NULL;
		sid = env->resolved_ids[sid];
		st = type_by_id(env, sid);
		if (nosize_or_null(st))
			return NULL;
		else if (has_size(st))
			size = st->size;
		else if (IS(st, K_ARRAY))
			size = env->resolved_sizes[sid];
		else if (IS(st, K_PTR))
			size = PTR_SIZE;
		else
			return NULL;
	}
	*id = sid;
	if (ret)
		*ret = size;
	return st;
}

static bool int_is_regular(const struct btf_type *t)
{
	uint32_t d = t_int(t), bits = BTF_INT_BITS(d), bytes = (bits + 7) / 8;
	return !(bits & 7) && !BTF_INT_OFFSET(d) &&
	       (bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8 || bytes == 16);
}

static int check_member(struct bv *env, const struct btf_type *st, const struct btf_member *m,
                        const struct btf_type *mt);

static int int_check_member(struct bv *env, const struct btf_type *st, const struct btf_member *m,
                            const struct btf_type *mt)
{
	uint32_t d = t_int(mt), off = m->offset;
	if (UINT32_MAX - off < BTF_INT_OFFSET(d)) {
		log_member(env, st, m, "bits_offset exceeds U32_MAX");
		return -EINVAL;
	}
	off += BTF_INT_OFFSET(d);
	uint32_t bytes_off = off / 8, copy_bits = BTF_INT_BITS(d) + (off & 7);
	if (copy_bits > BITS_PER_U128) {
		log_member(env, st, m, "nr_copy_bits exceeds 128");
		return -EINVAL;
	}
	if (st->size < bytes_off || st->size - bytes_off < (copy_bits + 7) / 8) {
		log_member(env, st, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int int_check_kflag_member(struct bv *env, const struct btf_type *st,
                                  const struct btf_member *m, const struct btf_type *mt)
{
	if (!int_is_regular(mt)) {
		log_member(env, st, m, "Invalid member base type");
		return -EINVAL;
	}
	uint32_t nr_bits = BTF_MEMBER_BITFIELD_SIZE(m->offset),
	         off = BTF_MEMBER_BIT_OFFSET(m->offset);
	uint32_t int_bits = BTF_INT_BITS(t_int(mt));
	if (!nr_bits) {
		if (off & 7) {
			log_member(env, st, m, "Invalid member offset");
			return -EINVAL;
		}
		nr_bits = int_bits;
	} else if (nr_bits > int_bits) {
		log_member(env, st, m, "Invalid member bitfield_size");
		return -EINVAL;
	}
	uint32_t bytes_off = off / 8, copy_bits = nr_bits + (off & 7);
	if (copy_bits > BITS_PER_U128) {
		log_member(env, st, m, "nr_copy_bits exceeds 128");
		return -EINVAL;
	}
	if (st->size < bytes_off || st->size - bytes_off < (copy_bits + 7) / 8) {
		log_member(env, st, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

/* ptr, array, struct, enum, float members (non-kflag rules) */
static int plain_check_member(struct bv *env, const struct btf_type *st, const struct btf_member *m,
                              const struct btf_type *mt)
{
	uint32_t off = m->offset, bytes_off = off / 8, msize;
	switch (t_kind(mt)) {
	case K_FLOAT: {
		uint64_t align = mt->size < PTR_SIZE ? mt->size : PTR_SIZE;
		if (m->offset % (align * 8)) {
			log_member(env, st, m, "Member is not properly aligned");
			return -EINVAL;
		}
		if ((uint64_t)m->offset / 8 + mt->size > st->size) {
			log_member(env, st, m, "Member exceeds struct_size");
			return -EINVAL;
		}
		return 0;
	}
	case K_PTR:
		msize = PTR_SIZE;
		break;
	case K_ARRAY: {
		uint32_t aid = m->type;
		msize = 0;
		type_id_size(env, &aid, &msize);
		break;
	}
	default:
		msize = mt->size;
	}
	if (off & 7) {
		log_member(env, st, m, "Member is not byte aligned");
		return -EINVAL;
	}
	if (st->size - bytes_off < msize) {
		log_member(env, st, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int enum_check_kflag_member(struct bv *env, const struct btf_type *st,
                                   const struct btf_member *m, const struct btf_type *mt)
{
	uint32_t off = BTF_MEMBER_BIT_OFFSET(m->offset),
	         nr_bits = BTF_MEMBER_BITFIELD_SIZE(m->offset);
	uint32_t int_bits = 32;
	if (!nr_bits) {
		if (off & 7) {
			log_member(env, st, m, "Member is not byte aligned");
			return -EINVAL;
		}
		nr_bits = int_bits;
	} else if (nr_bits > int_bits) {
		log_member(env, st, m, "Invalid member bitfield_size");
		return -EINVAL;
	}
	if (st->size < (off + nr_bits + 7) / 8) {
		log_member(env, st, m, "Member exceeds struct_size");
		return -EINVAL;
	}
	return 0;
}

static int check_member(struct bv *env, const struct btf_type *st, const struct btf_member *m,
                        const struct btf_type *mt)
{
	bool kflag = t_kflag(st);
	if (is_modifier(mt)) {
		uint32_t rid = m->type;
		const struct btf_type *rt = type_id_size(env, &rid, NULL);
		if (!rt) {
			log_member(env, st, m, "Invalid member");
			return -EINVAL;
		}
		struct btf_member rm = *m;
		rm.type = rid;
		return check_member(env, st, &rm, rt);
	}
	switch (t_kind(mt)) {
	case K_INT:
		return kflag ? int_check_kflag_member(env, st, m, mt)
		             : int_check_member(env, st, m, mt);
	case K_ENUM:
	case K_ENUM64:
		if (kflag)
			return enum_check_kflag_member(env, st, m, mt);
		return plain_check_member(env, st, m, mt);
	case K_PTR:
	case K_ARRAY:
	case K_STRUCT:
	case K_UNION:
	case K_FLOAT:
		if (kflag && BTF_MEMBER_BITFIELD_SIZE(m->offset)) {
			log_member(env, st, m, "Invalid member bitfield_size");
			return -EINVAL;
		}
		return plain_check_member(env, st, m, mt);
	default:
		log_basic(env, st,
		          kflag ? "Unsupported check_kflag_member" : "Unsupported check_member");
		return -EINVAL;
	}
}

/* modifiers, ptr and var share the "follow t->type" resolve */
static int ref_resolve(struct bv *env, const struct resolve_vertex *v)
{
	const struct btf_type *t = v->t;
	uint32_t next_id = t->size;
	const struct btf_type *next = type_by_id(env, next_id);
	bool var = IS(t, K_VAR), ptr = IS(t, K_PTR);
	if (!next || resolve_source_only(next)) {
		log_type(env, t, "Invalid type_id");
		return -EINVAL;
	}
	if (!is_resolve_sink(env, next) && !is_resolved(env, next_id))
		return stack_push(env, next, next_id);
	if ((var || ptr) && is_modifier(next)) {
		uint32_t rid = next_id;
		const struct btf_type *rt = type_id_resolve(env, &rid);
		if (rt && IS(rt, K_PTR) && !is_resolve_sink(env, rt) && !is_resolved(env, rid))
			return stack_push(env, rt, rid);
	}
	if (!type_id_size(env, &next_id, NULL)) {
		if (var) {
			log_type(env, t, "Invalid type_id");
			return -EINVAL;
		}
		if (is_resolved(env, next_id))
			next = type_id_resolve(env, &next_id);
		if (!next || (!is_void(next) && !IS(next, K_FWD) && !IS(next, K_FUNC_PROTO))) {
			log_type(env, t, "Invalid type_id");
			return -EINVAL;
		}
	}
	stack_pop_resolved(env, next_id, 0);
	return 0;
}

static int array_resolve(struct bv *env, const struct resolve_vertex *v)
{
	const struct btf_array *a = t_extra(v->t);
	uint32_t index_id = a->index_type;
	const struct btf_type *index = type_by_id(env, index_id);
	if (nosize_or_null(index) || resolve_source_only(index)) {
		log_type(env, v->t, "Invalid index");
		return -EINVAL;
	}
	if (!is_resolve_sink(env, index) && !is_resolved(env, index_id))
		return stack_push(env, index, index_id);
	index = type_id_size(env, &index_id, NULL);
	if (!index || !IS(index, K_INT) || !int_is_regular(index)) {
		log_type(env, v->t, "Invalid index");
		return -EINVAL;
	}
	uint32_t elem_id = a->type, elem_size;
	const struct btf_type *elem = type_by_id(env, elem_id);
	if (nosize_or_null(elem) || resolve_source_only(elem)) {
		log_type(env, v->t, "Invalid elem");
		return -EINVAL;
	}
	if (!is_resolve_sink(env, elem) && !is_resolved(env, elem_id))
		return stack_push(env, elem, elem_id);
	elem = type_id_size(env, &elem_id, &elem_size);
	if (!elem) {
		log_type(env, v->t, "Invalid elem");
		return -EINVAL;
	}
	if (IS(elem, K_INT) && !int_is_regular(elem)) {
		log_type(env, v->t, "Invalid array of int");
		return -EINVAL;
	}
	if (a->nelems && elem_size > UINT32_MAX / a->nelems) {
		log_type(env, v->t, "Array size overflows U32_MAX");
		return -EINVAL;
	}
	stack_pop_resolved(env, elem_id, elem_size * a->nelems);
	return 0;
}

static int struct_resolve(struct bv *env, struct resolve_vertex *v)
{
	const struct btf_member *members = t_extra(v->t);
	int err;
	if (v->next_member) {
		const struct btf_member *last = members + v->next_member - 1;
		const struct btf_type *lt = type_by_id(env, last->type);
		if ((err = check_member(env, v->t, last, lt)))
			return err;
	}
	for (uint32_t i = v->next_member; i < t_vlen(v->t); i++) {
		const struct btf_member *m = members + i;
		const struct btf_type *mt = type_by_id(env, m->type);
		if (nosize_or_null(mt) || resolve_source_only(mt)) {
			log_member(env, v->t, m, "Invalid member");
			return -EINVAL;
		}
		if (!is_resolve_sink(env, mt) && !is_resolved(env, m->type)) {
			v->next_member = (uint16_t)(i + 1);
			return stack_push(env, mt, m->type);
		}
		if ((err = check_member(env, v->t, m, mt)))
			return err;
	}
	stack_pop_resolved(env, 0, 0);
	return 0;
}

static int datasec_resolve(struct bv *env, struct resolve_vertex *v)
{
	const struct btf_var_secinfo *vsi = t_extra(v->t);
	for (uint32_t i = v->next_member; i < t_vlen(v->t); i++) {
		const struct btf_var_secinfo *s = vsi + i;
		const struct btf_type *vt = type_by_id(env, s->type);
		if (!vt || !IS(vt, K_VAR)) {
			log_vsi(env, v->t, s, "Not a VAR kind member");
			return -EINVAL;
		}
		if (!is_resolve_sink(env, vt) && !is_resolved(env, s->type)) {
			v->next_member = (uint16_t)(i + 1);
			return stack_push(env, vt, s->type);
		}
		uint32_t id = vt->size, size = 0;
		if (!type_id_size(env, &id, &size)) {
			log_vsi(env, v->t, s, "Invalid type");
			return -EINVAL;
		}
		if (s->size < size) {
			log_vsi(env, v->t, s, "Invalid size");
			return -EINVAL;
		}
	}
	stack_pop_resolved(env, 0, 0);
	return 0;
}

static int func_check(struct bv *env, const struct btf_type *t)
{
	const struct btf_type *proto = type_by_id(env, t->size);
	if (!proto || !IS(proto, K_FUNC_PROTO)) {
		log_type(env, t, "Invalid type_id");
		return -EINVAL;
	}
	const struct btf_param *args = t_extra(proto);
	for (uint32_t i = 0; i < t_vlen(proto); i++)
		if (!args[i].name_off && args[i].type) {
			log_type(env, t, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
	return 0;
}

static int decl_tag_resolve(struct bv *env, const struct resolve_vertex *v)
{
	const struct btf_type *t = v->t;
	uint32_t next_id = t->size;
	const struct btf_type *next = type_by_id(env, next_id);
	if (!next ||
	    !(IS(next, K_FUNC) || is_struct(next) || IS(next, K_VAR) || IS(next, K_TYPEDEF))) {
		log_type(env, t, "Invalid type_id");
		return -EINVAL;
	}
	if (!is_resolve_sink(env, next) && !is_resolved(env, next_id))
		return stack_push(env, next, next_id);
	int32_t idx = *(const int32_t *)t_extra(t);
	if (idx != -1) {
		uint32_t vlen;
		if (IS(next, K_VAR) || IS(next, K_TYPEDEF)) {
			log_type(env, t, "Invalid component_idx");
			return -EINVAL;
		}
		if (is_struct(next)) {
			vlen = t_vlen(next);
		} else {
			const struct btf_type *proto = type_by_id(env, next->size);
			vlen = proto ? t_vlen(proto) : 0;
		}
		if ((uint32_t)idx >= vlen) {
			log_type(env, t, "Invalid component_idx");
			return -EINVAL;
		}
	}
	stack_pop_resolved(env, next_id, 0);
	return 0;
}

static int resolve_one(struct bv *env, struct resolve_vertex *v)
{
	const struct btf_type *t = v->t;
	if (is_modifier(t) || IS(t, K_PTR) || IS(t, K_VAR))
		return ref_resolve(env, v);
	switch (t_kind(t)) {
	case K_ARRAY:
		return array_resolve(env, v);
	case K_STRUCT:
	case K_UNION:
		return struct_resolve(env, v);
	case K_DATASEC:
		return datasec_resolve(env, v);
	case K_DECL_TAG:
		return decl_tag_resolve(env, v);
	case K_FUNC: {
		int err = func_check(env, t);
		if (!err)
			stack_pop_resolved(env, t->size, 0);
		return err;
	}
	}
	log_basic(env, t, "Unsupported resolve");
	return -EINVAL;
}

static bool resolve_valid(const struct bv *env, const struct btf_type *t, uint32_t id)
{
	if (!is_resolved(env, id))
		return false;
	if (is_struct(t) || IS(t, K_DATASEC))
		return !env->resolved_ids[id] && !env->resolved_sizes[id];
	if (IS(t, K_DECL_TAG) || IS(t, K_FUNC))
		return env->resolved_ids[id] && !env->resolved_sizes[id];
	if (is_modifier(t) || IS(t, K_PTR) || IS(t, K_VAR)) {
		uint32_t rid = id;
		const struct btf_type *rt = type_id_resolve(env, &rid);
		return rt && !is_modifier(rt) && !IS(rt, K_VAR) && !IS(rt, K_DATASEC);
	}
	if (IS(t, K_ARRAY)) {
		const struct btf_array *a = t_extra(t);
		uint32_t eid = a->type, esize;
		const struct btf_type *e = type_id_size(env, &eid, &esize);
		return e && !is_modifier(e) && a->nelems * esize == env->resolved_sizes[id];
	}
	return false;
}

static int btf_resolve(struct bv *env, const struct btf_type *t, uint32_t id)
{
	uint32_t saved = env->log_type_id;
	int err = 0;
	env->mode = RESOLVE_TBD;
	stack_push(env, t, id);
	while (!err && env->top) {
		struct resolve_vertex *v = &env->stack[env->top - 1];
		env->log_type_id = v->type_id;
		err = resolve_one(env, v);
	}
	env->log_type_id = id;
	if (err == -E2BIG)
		log_type(env, t, "Exceeded max resolving depth:%u", MAX_RESOLVE_DEPTH);
	else if (err == -EEXIST)
		log_type(env, t, "Loop detected");
	if (!err && !resolve_valid(env, t, id)) {
		log_type(env, t, "Invalid resolve state");
		err = -EINVAL;
	}
	env->top = 0;
	env->log_type_id = saved;
	return err;
}

static int func_proto_check(struct bv *env, const struct btf_type *t)
{
	const struct btf_param *args = t_extra(t);
	uint32_t nr = t_vlen(t);
	int err;
	if (t->size) {
		uint32_t rid = t->size;
		const struct btf_type *rt = type_by_id(env, rid);
		if (!rt || resolve_source_only(rt)) { /* var, decl_tag, datasec: not a type */
			log_type(env, t, "Invalid return type");
			return -EINVAL;
		}
		if (needs_resolve(rt) && !is_resolved(env, rid) &&
		    (err = btf_resolve(env, rt, rid)))
			return err;
		if (!type_id_size(env, &rid, NULL)) {
			log_type(env, t, "Invalid return type");
			return -EINVAL;
		}
	}
	if (!nr)
		return 0;
	if (!args[nr - 1].type) { /* a vararg ends the list */
		if (args[nr - 1].name_off) {
			log_type(env, t, "Invalid arg#%u", nr);
			return -EINVAL;
		}
		nr--;
	}
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t aid = args[i].type;
		const struct btf_type *at = type_by_id(env, aid);
		if (!at || resolve_source_only(at)) { /* found by fuzz_btf vs the kernel */
			log_type(env, t, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
		if (args[i].name_off && (!name_offset_valid(env, args[i].name_off) ||
		                         !name_valid_identifier(env, args[i].name_off))) {
			log_type(env, t, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
		if (needs_resolve(at) && !is_resolved(env, aid) &&
		    (err = btf_resolve(env, at, aid)))
			return err;
		if (!type_id_size(env, &aid, NULL)) {
			log_type(env, t, "Invalid arg#%u", i + 1);
			return -EINVAL;
		}
	}
	return 0;
}

static int check_all_types(struct bv *env)
{
	env->resolved_ids = calloc(env->nr_types, sizeof *env->resolved_ids);
	env->resolved_sizes = calloc(env->nr_types, sizeof *env->resolved_sizes);
	env->visit = calloc(env->nr_types, 1);
	if (!env->resolved_ids || !env->resolved_sizes || !env->visit)
		return -ENOMEM;
	env->phase_type = 1;
	for (uint32_t id = 1; id < env->nr_types; id++) {
		const struct btf_type *t = env->types[id];
		int err;
		env->log_type_id = id;
		if (needs_resolve(t) && !is_resolved(env, id) && (err = btf_resolve(env, t, id)))
			return err;
		if (IS(t, K_FUNC_PROTO) && (err = func_proto_check(env, t)))
			return err;
	}
	return 0;
}

static int check_type_tags(struct bv *env)
{
	uint32_t good = 0;
	for (uint32_t i = 1; i < env->nr_types; i++) {
		const struct btf_type *t = env->types[i];
		if (!is_modifier(t))
			continue;
		int chain = 32;
		uint32_t cur = i;
		bool in_tags = IS(t, K_TYPE_TAG);
		while (is_modifier(t)) {
			if (!chain--) {
				LOG(env, "Max chain length or cycle detected");
				return -ELOOP;
			}
			if (IS(t, K_TYPE_TAG)) {
				if (!in_tags) {
					LOG(env, "Type tags don't precede modifiers");
					return -EINVAL;
				}
			} else if (in_tags) {
				in_tags = false;
			}
			if (cur <= good)
				break;
			cur = t->size;
			t = type_by_id(env, cur);
			if (!t)
				return -EINVAL;
		}
		good = i;
	}
	return 0;
}

/* --- header, sections, strings --- */

static int parse_hdr(struct bv *env)
{
	if (env->size < 8) { /* offsetofend(struct btf_header, hdr_len) */
		LOG(env, "hdr_len not found");
		return -EINVAL;
	}
	uint32_t hdr_len;
	memcpy(&hdr_len, env->data + 4, 4);
	if (env->size < hdr_len) {
		LOG(env, "btf_header not found");
		return -EINVAL;
	}
	if (hdr_len > sizeof env->hdr)
		for (uint32_t i = sizeof env->hdr; i < hdr_len; i++)
			if (env->data[i]) {
				LOG(env, "Unsupported btf_header");
				return -E2BIG;
			}
	memset(&env->hdr, 0, sizeof env->hdr);
	memcpy(&env->hdr, env->data, hdr_len < sizeof env->hdr ? hdr_len : sizeof env->hdr);
	const struct btf_header *h = &env->hdr;
	LOG(env, "magic: 0x%x\n", h->magic);
	LOG(env, "version: %u\n", h->version);
	LOG(env, "flags: 0x%x\n", h->flags);
	LOG(env, "hdr_len: %u\n", h->hdr_len);
	LOG(env, "type_off: %u\n", h->type_off);
	LOG(env, "type_len: %u\n", h->type_len);
	LOG(env, "str_off: %u\n", h->str_off);
	LOG(env, "str_len: %u\n", h->str_len);
	LOG(env, "btf_total_size: %u\n", env->size);
	if (h->magic != BTF_MAGIC) {
		LOG(env, "Invalid magic");
		return -EINVAL;
	}
	if (h->version != BTF_VERSION) {
		LOG(env, "Unsupported version");
		return -OBJ_ENOTSUPP;
	}
	if (h->flags) {
		LOG(env, "Unsupported flags");
		return -OBJ_ENOTSUPP;
	}
	if (env->size == h->hdr_len) {
		LOG(env, "No data");
		return -EINVAL;
	}
	/* the two sections, sorted by offset then length, must tile the rest exactly */
	struct {
		uint32_t off, len;
	} s[2] = {{h->type_off, h->type_len}, {h->str_off, h->str_len}};
	if ((int)(s[0].off - s[1].off) > 0 ||
	    (s[0].off == s[1].off && (int)(s[0].len - s[1].len) > 0)) {
		uint32_t o = s[0].off, l = s[0].len;
		s[0] = s[1];
		s[1].off = o;
		s[1].len = l;
	}
	uint32_t total = 0, expected = env->size - h->hdr_len;
	for (int i = 0; i < 2; i++) {
		if (expected < s[i].off) {
			LOG(env, "Invalid section offset");
			return -EINVAL;
		}
		if (total < s[i].off) {
			LOG(env, "Unsupported section found");
			return -EINVAL;
		}
		if (total > s[i].off) {
			LOG(env, "Section overlap found");
			return -EINVAL;
		}
		if (expected - total < s[i].len) {
			LOG(env, "Total section length too long");
			return -EINVAL;
		}
		total += s[i].len;
	}
	if (expected != total) {
		LOG(env, "Unsupported section found");
		return -EINVAL;
	}
	return 0;
}

static int parse_str_sec(struct bv *env)
{
	const struct btf_header *h = &env->hdr;
	const char *start = (const char *)env->nohdr + h->str_off, *end = start + h->str_len;
	if ((const unsigned char *)end != env->data + env->size) {
		LOG(env, "String section is not at the end");
		return -EINVAL;
	}
	env->strings = start;
	if (!h->str_len || h->str_len - 1 > BTF_MAX_NAME_OFFSET || end[-1] || start[0]) {
		LOG(env, "Invalid string section");
		return -EINVAL;
	}
	return 0;
}

/* btf_find_struct_field for BPF_SPIN_LOCK: a member whose type is named bpf_spin_lock (a
 * 4-byte struct; other types of that name are ignored), looked for in nested structs too. */
static int find_spin_lock(const struct bv *env, const struct btf_type *t, uint32_t base,
                          uint32_t level, int64_t *off)
{
	if (level >= MAX_RESOLVE_DEPTH)
		return -E2BIG;
	const struct btf_member *m = t_extra(t);
	for (uint32_t i = 0; i < t_vlen(t); i++, m++) {
		const struct btf_type *mt = type_by_id(env, m->type);
		if (!mt || is_void(mt))
			continue;
		uint32_t bit = t_kflag(t) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
		const char *name = str_by_offset(env, mt->name_off);
		if (name && !strcmp(name, "bpf_spin_lock")) {
			if (*off >= 0)
				return -E2BIG;
			if (bit % 8)
				return -EINVAL;
			if ((bit / 8) % 4)
				continue; /* misaligned: not a lock (a struct of none is EFAULT) */
			if (is_struct(mt) && mt->size == 4)
				*off = base + bit / 8;
			continue;
		}
		if (is_struct(mt) && !(bit % 8)) {
			int err = find_spin_lock(env, mt, base + bit / 8, level + 1, off);
			if (err)
				return err;
		}
	}
	return 0;
}

/* btf_parse_struct_metas, for the spin lock: every struct with a member of type
 * "struct bpf_spin_lock" (the first STRUCT of that name) has its fields parsed at load;
 * a second lock is E2BIG, a misaligned one EINVAL, none found (a lock of the wrong size)
 * EFAULT; no log line, as the kernel's. */
static long check_struct_metas(struct bv *env)
{
	uint32_t lock_id = 0;
	for (uint32_t i = 1; i < env->nr_types && !lock_id; i++) {
		const struct btf_type *t = env->types[i];
		const char *name = str_by_offset(env, t->name_off);
		if (IS(t, K_STRUCT) && name && !strcmp(name, "bpf_spin_lock"))
			lock_id = i;
	}
	if (!lock_id)
		return 0;
	for (uint32_t i = env->nr_types - 1; i >= 1; i--) {
		const struct btf_type *t = env->types[i];
		if (!is_struct(t))
			continue;
		const struct btf_member *m = t_extra(t);
		bool has = false;
		for (uint32_t j = 0; j < t_vlen(t) && !has; j++)
			has = m[j].type == lock_id;
		if (!has)
			continue;
		int64_t off = -1;
		int err = find_spin_lock(env, t, 0, 0, &off);
		if (err)
			return err;
		if (off < 0)
			return -EFAULT;
	}
	return 0;
}

/* Parse and check as the kernel's btf_parse; env keeps the types for queries. */
static long bv_load(struct bv *env, const unsigned char *data, uint32_t size, struct obj_log *log)
{
	memset(env, 0, sizeof *env);
	env->log = log;
	env->data = malloc(size ? size : 1);
	if (!env->data)
		return -ENOMEM;
	memcpy(env->data, data, size);
	env->size = size;
	long err = parse_hdr(env);
	if (!err) {
		env->nohdr = env->data + env->hdr.hdr_len;
		err = parse_str_sec(env);
	}
	if (!err && (env->hdr.type_off & 3)) {
		LOG(env, "Unaligned type_off");
		err = -EINVAL;
	}
	if (!err && !env->hdr.type_len) {
		LOG(env, "No type found");
		err = -EINVAL;
	}
	if (!err) {
		env->tsec = malloc(env->hdr.type_len);
		if (!env->tsec)
			err = -ENOMEM;
		else
			memcpy(env->tsec, env->nohdr + env->hdr.type_off, env->hdr.type_len);
	}
	if (!err)
		err = check_all_metas(env);
	if (!err)
		err = check_all_types(env);
	if (!err)
		err = check_type_tags(env);
	if (!err)
		err = check_struct_metas(env);
	return err;
}

static void bv_release(struct bv *env)
{
	free(env->types);
	free(env->resolved_ids);
	free(env->resolved_sizes);
	free(env->visit);
	free(env->tsec);
	free(env->data);
}

long obj_btf_validate(const unsigned char *data, uint32_t size, struct obj_log *log)
{
	struct bv env;
	long err = bv_load(&env, data, size, log);
	if (!err)
		err = env.nr_types - 1;
	bv_release(&env);
	return err;
}

/* map_check_btf's ops->map_check_btf for the types we know; key / value are resolved. */
static int map_type_check_btf(const struct bv *env, uint32_t map_type, uint32_t max_entries,
                              const struct btf_type *kt, const struct btf_type *vt)
{
	switch (map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		if (is_void(kt)) /* keyless: only a global data section (.data, .bss, .rodata) */
			return map_type == BPF_MAP_TYPE_ARRAY && max_entries == 1 &&
			                       IS(vt, K_DATASEC)
			               ? 0
			               : -EINVAL;
		if (!IS(kt, K_INT) || BTF_INT_BITS(t_int(kt)) != 32 || BTF_INT_OFFSET(t_int(kt)))
			return -EINVAL;
		return 0;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return is_void(kt) ? 0 : -EINVAL;
	case BPF_MAP_TYPE_LPM_TRIE:
		return IS(kt, K_STRUCT) ? 0 : -EINVAL;
	}
	return is_void(kt) ? -EINVAL : 0; /* no map_check_btf: a key type is required */
}

static bool map_type_lock_ok(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return true;
	}
	return false;
}

long obj_btf_map_value(const unsigned char *data, uint32_t size, const struct obj_btf_map *m)
{
	struct bv env;
	struct obj_log nolog = {0};
	long err = bv_load(&env, data, size, &nolog);
	uint32_t got = 0, key_id = m->key_id, value_id = m->value_id;
	const struct btf_type *kt = &btf_void, *vt = NULL;
	if (!err && key_id && (!(kt = type_id_size(&env, &key_id, &got)) || got != m->key_size))
		err = -EINVAL;
	if (!err && (!(vt = type_id_size(&env, &value_id, &got)) || got != m->value_size))
		err = -EINVAL;
	int64_t off = -1;
	if (!err && is_struct(vt))
		err = find_spin_lock(&env, vt, 0, 0, &off);
	if (!err && off >= 0 && off + 4 > m->value_size)
		err = -EINVAL;
	if (!err && off >= 0 && (m->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		err = -EACCES;
	if (!err && off >= 0 && !map_type_lock_ok(m->map_type))
		err = -EOPNOTSUPP;
	if (!err)
		err = map_type_check_btf(&env, m->map_type, m->max_entries, kt, vt);
	bv_release(&env);
	free(nolog.buf);
	return err ? err : off >= 0 ? off : -ENOENT;
}
