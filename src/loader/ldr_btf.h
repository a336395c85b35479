/* ldr_btf.h — the loader's view of libbpf's public BTF API, with the null checks every
 * caller needs when the BTF came from an untrusted object.
 */
#ifndef USERBPF_LOADER_LDR_BTF_H
#define USERBPF_LOADER_LDR_BTF_H

#include <bpf/btf.h>

/* A type by id, NULL when out of range (btf__type_by_id's answer too). */
static inline const struct btf_type *ldr_btf_type(const struct btf *btf, uint32_t id)
{
	return btf ? btf__type_by_id(btf, id) : NULL;
}

/* A string by offset; "" when out of range, so names can be printed and compared. */
static inline const char *ldr_btf_str(const struct btf *btf, uint32_t off)
{
	const char *s = btf ? btf__name_by_offset(btf, off) : NULL;
	return s ? s : "";
}

/* Skip typedefs and modifiers (const, volatile, restrict, type tags); NULL if id is bad or
 * the chain is too long. *res_id gets the final id. */
const struct btf_type *ldr_btf_skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id);

/* The kind's name as the kernel prints it ("struct", "union", "enum", ...). */
const char *ldr_btf_kind_str(const struct btf_type *t);

#endif
