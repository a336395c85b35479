/* btf_dumper.h — reading a raw BTF blob and printing data by its types, as bpftool does.
 *
 * struct cbtf is a checked, read-only view of one BTF blob (types and strings): a map's
 * BTF fetched by id from the object layer, or an object file's .BTF. The dumper prints a
 * value as JSON through json.h the way bpftool's btf_dumper does: structs as objects with
 * field names, char arrays holding text as strings, enums by enumerator name, bitfields as
 * hex; is_plain_text selects bpftool's plain-mode spellings (pointers as %p, chars as 0x..).
 * Every read is bounded by the buffer given, so a BTF that does not match the data cannot
 * make the dumper read past it.
 */
#ifndef USERBPF_TOOLS_BTF_DUMPER_H
#define USERBPF_TOOLS_BTF_DUMPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>

#include "json.h"

enum {
	CBTF_KIND_UNKN,
	CBTF_KIND_INT,
	CBTF_KIND_PTR,
	CBTF_KIND_ARRAY,
	CBTF_KIND_STRUCT,
	CBTF_KIND_UNION,
	CBTF_KIND_ENUM,
	CBTF_KIND_FWD,
	CBTF_KIND_TYPEDEF,
	CBTF_KIND_VOLATILE,
	CBTF_KIND_CONST,
	CBTF_KIND_RESTRICT,
	CBTF_KIND_FUNC,
	CBTF_KIND_FUNC_PROTO,
	CBTF_KIND_VAR,
	CBTF_KIND_DATASEC,
	CBTF_KIND_FLOAT,
	CBTF_KIND_DECL_TAG,
	CBTF_KIND_TYPE_TAG,
	CBTF_KIND_ENUM64,
	CBTF_KIND_MAX = CBTF_KIND_ENUM64,
};

/* The on-disk type record (the kernel's struct btf_type). */
struct cbtf_type {
	uint32_t name_off;
	uint32_t info; /* vlen: bits 0-15, kind: bits 24-28, kind_flag: bit 31 */
	union {
		uint32_t size;
		uint32_t type;
	};
};

static inline uint32_t cbtf_kind(const struct cbtf_type *t)
{
	return (t->info >> 24) & 0x1f;
}

static inline uint32_t cbtf_vlen(const struct cbtf_type *t)
{
	return t->info & 0xffff;
}

static inline bool cbtf_kflag(const struct cbtf_type *t)
{
	return t->info >> 31;
}

struct cbtf;

/* A checked copy of a raw BTF blob; NULL with a reason in err on malformed input. */
struct cbtf *cbtf_new(const void *data, size_t size, char *err, size_t errlen);
/* The BTF object with this id (BTF_GET_FD_BY_ID + OBJ_GET_INFO_BY_FD); NULL + errno. */
struct cbtf *cbtf_load_by_id(uint32_t id);
void cbtf_free(struct cbtf *btf);
/* Type by id (id 0 is void: NULL), or NULL when out of range. */
const struct cbtf_type *cbtf_type_by_id(const struct cbtf *btf, uint32_t id);
/* The string at off, or NULL when out of range. */
const char *cbtf_str(const struct cbtf *btf, uint32_t off);
uint32_t cbtf_nr_types(const struct cbtf *btf); /* including void */
/* The type's size after modifiers and typedefs; -1 if it has none. */
long long cbtf_resolve_size(const struct cbtf *btf, uint32_t id);

struct btf_dumper {
	const struct cbtf *btf;
	json_writer_t *jw;
	bool is_plain_text;
};

/* Print the value at data (size bytes available) as type_id; 0 or -EINVAL. */
int btf_dumper_type(const struct btf_dumper *d, uint32_t type_id, const void *data, size_t size);
/* A C declaration of type_id into buf ("int xdp_prog(struct xdp_md * ctx)"), "" if none. */
void btf_dumper_type_only(const struct cbtf *btf, uint32_t type_id, char *buf, int size);
/* A source line: "; <line>" or, with linum, "; <line> [file:F line_num:N line_col:C]". */
void btf_dump_linfo_plain(const struct cbtf *btf, const struct bpf_line_info *linfo,
                          const char *prefix, bool linum);
/* "src", and with linum "file", "line_num", "line_col", into jw. */
void btf_dump_linfo_json(json_writer_t *jw, const struct cbtf *btf,
                         const struct bpf_line_info *linfo, bool linum);

#endif
