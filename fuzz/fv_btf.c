/* fv_btf.c — the small raw BTF a fuzzed program needs: FUNC + FUNC_PROTO per function
 * (func_info: callbacks must be static, global functions are verified alone with their
 * argument types) and a value struct naming where a struct bpf_spin_lock sits.
 *
 * Type ids: 1 int, 2 int *, 3 the program type's ctx struct (by the name the kernel matches,
 * e.g. __sk_buff), 4 a pointer to it, 5 struct bpf_spin_lock { int val; }, then one value
 * struct per spin-lock map, then FUNC_PROTO + FUNC per function. The encoding is the UAPI's
 * (linux/btf.h); the constants are spelled out because bpf_uapi.h does not carry BTF.
 */
#include <stdlib.h>
#include <string.h>

#include "fv_prog.h"

#define BTF_MAGIC 0xeB9F
#define KIND_INT 1
#define KIND_PTR 2
#define KIND_STRUCT 4
#define KIND_FUNC 12
#define KIND_FUNC_PROTO 13
#define INFO(kind, vlen) (((uint32_t)(kind) << 24) | ((uint32_t)(vlen)&0xffff))

struct buf {
	uint8_t *b;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->b = realloc(b->b, b->cap);
		if (!b->b)
			abort();
	}
	memcpy(b->b + b->len, p, n);
	b->len += n;
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

struct bb {
	struct buf types, strs;
	uint32_t next_id;
};

static uint32_t str(struct bb *b, const char *s)
{
	uint32_t off = (uint32_t)b->strs.len;
	put(&b->strs, s, strlen(s) + 1);
	return off;
}

/* The common btf_type head; returns the new type's id. */
static uint32_t type(struct bb *b, const char *name, uint32_t info, uint32_t size_or_type)
{
	put32(&b->types, name ? str(b, name) : 0);
	put32(&b->types, info);
	put32(&b->types, size_or_type);
	return b->next_id++;
}

void *fv_btf_build(const struct fv_prog *p, uint32_t *len, uint32_t *func_ids, uint32_t *val_ids,
                   uint32_t *int_id)
{
	struct bb b = {.next_id = 1};
	str(&b, ""); /* name offset 0: anonymous */
	uint32_t t_int = type(&b, "int", INFO(KIND_INT, 0), 4);
	put32(&b.types, (1u << 24) | 32); /* BTF_INT_SIGNED, 32 bits */
	uint32_t t_pint = type(&b, NULL, INFO(KIND_PTR, 0), t_int);
	uint32_t t_ctx =
	        type(&b, fv_types[p->type % fv_nr_types].ctx_struct, INFO(KIND_STRUCT, 0), 0);
	uint32_t t_pctx = type(&b, NULL, INFO(KIND_PTR, 0), t_ctx);
	uint32_t t_lock = type(&b, "bpf_spin_lock", INFO(KIND_STRUCT, 1), 4);
	put32(&b.types, str(&b, "val"));
	put32(&b.types, t_int);
	put32(&b.types, 0);
	*int_id = t_int;
	for (int m = 0; m < p->nr_maps; m++) {
		val_ids[m] = 0;
		if (p->maps[m].lock_off == FV_NO_LOCK)
			continue;
		val_ids[m] = type(&b, "val", INFO(KIND_STRUCT, 1), p->maps[m].value_size);
		put32(&b.types, str(&b, "lock"));
		put32(&b.types, t_lock);
		put32(&b.types, (uint32_t)p->maps[m].lock_off * 8); /* bit offset */
	}
	for (int i = 0; i < p->nr_funcs; i++) {
		const struct fv_func *f = &p->funcs[i];
		uint32_t proto = type(&b, NULL, INFO(KIND_FUNC_PROTO, f->nr_args), t_int);
		for (int a = 0; a < f->nr_args; a++) {
			static const char *const names[] = {"a0", "a1", "a2", "a3", "a4"};
			unsigned k = (f->kinds >> (2 * a)) & 3;
			put32(&b.types, str(&b, names[a]));
			put32(&b.types, k == FV_ARG_PTR   ? t_pint
			                : k == FV_ARG_CTX ? t_pctx
			                                  : t_int);
		}
		char name[16];
		snprintf(name, sizeof name, i ? "f%d" : "main", i);
		func_ids[i] = type(&b, name, INFO(KIND_FUNC, f->global ? 1 : 0), proto);
	}
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h = {BTF_MAGIC,           1, 0, 24, 0, (uint32_t)b.types.len, (uint32_t)b.types.len,
	       (uint32_t)b.strs.len};
	*len = (uint32_t)(sizeof h + b.types.len + b.strs.len);
	uint8_t *out = malloc(*len);
	if (!out)
		abort();
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, b.types.b, b.types.len);
	memcpy(out + sizeof h + b.types.len, b.strs.b, b.strs.len);
	free(b.types.b);
	free(b.strs.b);
	return out;
}
