/* corpus_btf.c — the small raw BTF a case needs, built from its directives.
 *
 * The kernel wants BTF for three things the corpus covers: func_info for programs with
 * subprograms that are global or used as callbacks (a BPF_PSEUDO_FUNC load needs
 * "btf func_info", a callback must be static), and a map value type naming where a
 * struct bpf_spin_lock sits. The encoding is the UAPI's (linux/btf.h); the constants are
 * spelled out here because include/userbpf/bpf_uapi.h does not carry BTF.
 *
 * Types, in id order: 1 int; 2 int *; 3 the program type's ctx struct (by the kernel's
 * name for it, e.g. __sk_buff); 4 a pointer to it; 5 struct bpf_spin_lock { int val; };
 * 6 struct bpf_dynptr (16 bytes, opaque); 7 a pointer to it (a global function's dynptr
 * argument); then one value struct per spin-lock map; then FUNC_PROTO + FUNC per func
 * directive.
 */
#include <stdlib.h>
#include <string.h>

#include "corpus_internal.h"

#define BTF_MAGIC 0xeB9F
#define BTF_KIND_INT 1
#define BTF_KIND_PTR 2
#define BTF_KIND_STRUCT 4
#define BTF_KIND_FUNC 12
#define BTF_KIND_FUNC_PROTO 13
#define BTF_INT_SIGNED 1
#define BTF_INFO(kind, vlen) (((uint32_t)(kind) << 24) | ((uint32_t)(vlen)&0xffff))

struct btf_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

struct bb {
	struct cx_buf types, strs;
	uint32_t next_id;
};

static void put32(struct cx_buf *b, uint32_t v)
{
	cx_buf_add(b, (const char *)&v, 4);
}

static uint32_t str(struct bb *b, const char *s)
{
	uint32_t off = (uint32_t)b->strs.len;
	cx_buf_add(&b->strs, s, strlen(s) + 1); /* with its NUL */
	return off;
}

/* name_off, info, size_or_type: the common btf_type head; returns the new type id. */
static uint32_t type(struct bb *b, const char *name, uint32_t info, uint32_t size_or_type)
{
	put32(&b->types, name ? str(b, name) : 0);
	put32(&b->types, info);
	put32(&b->types, size_or_type);
	return b->next_id++;
}

/* The struct name the kernel matches a ctx argument against, per program type. */
static const char *ctx_struct_name(uint32_t prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_XDP:
		return "xdp_md";
	case BPF_PROG_TYPE_PERF_EVENT:
		return "bpf_perf_event_data";
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return "bpf_raw_tracepoint_args";
	case BPF_PROG_TYPE_KPROBE:
		return "pt_regs";
	default:
		return "__sk_buff";
	}
}

int cx_btf_build(const struct cx_case *k, void **blob, uint32_t *len, uint32_t *func_ids,
                 uint32_t *val_ids, uint32_t *int_id)
{
	struct bb b = {.next_id = 1};
	str(&b, ""); /* offset 0 is the empty name */

	uint32_t t_int = type(&b, "int", BTF_INFO(BTF_KIND_INT, 0), 4);
	put32(&b.types, (BTF_INT_SIGNED << 24) | 32);
	uint32_t t_pint = type(&b, NULL, BTF_INFO(BTF_KIND_PTR, 0), t_int);
	uint32_t t_ctx = type(&b, ctx_struct_name(k->prog_type), BTF_INFO(BTF_KIND_STRUCT, 0), 0);
	uint32_t t_pctx = type(&b, NULL, BTF_INFO(BTF_KIND_PTR, 0), t_ctx);
	uint32_t t_lock = type(&b, "bpf_spin_lock", BTF_INFO(BTF_KIND_STRUCT, 1), 4);
	put32(&b.types, str(&b, "val"));
	put32(&b.types, t_int);
	put32(&b.types, 0);
	uint32_t t_dynptr = type(&b, "bpf_dynptr", BTF_INFO(BTF_KIND_STRUCT, 0), 16);
	uint32_t t_pdynptr = type(&b, NULL, BTF_INFO(BTF_KIND_PTR, 0), t_dynptr);
	*int_id = t_int;

	for (int m = 0; m < k->nr_maps; m++) {
		val_ids[m] = 0;
		if (k->maps[m].lock_off < 0)
			continue;
		val_ids[m] = type(&b, "val", BTF_INFO(BTF_KIND_STRUCT, 1), k->maps[m].value_size);
		put32(&b.types, str(&b, "lock"));
		put32(&b.types, t_lock);
		put32(&b.types, (uint32_t)k->maps[m].lock_off * 8); /* bit offset */
	}
	for (int i = 0; i < k->nr_funcs; i++) {
		const struct cx_func *f = &k->funcs[i];
		uint32_t proto = type(&b, NULL, BTF_INFO(BTF_KIND_FUNC_PROTO, f->nr_args), t_int);
		for (int a = 0; a < f->nr_args; a++) {
			static const char *const names[] = {"a0", "a1", "a2", "a3", "a4"};
			uint32_t t = f->args[a] == CX_ARG_INT      ? t_int
			             : f->args[a] == CX_ARG_PTR    ? t_pint
			             : f->args[a] == CX_ARG_DYNPTR ? t_pdynptr
			                                           : t_pctx;
			put32(&b.types, str(&b, names[a]));
			put32(&b.types, t);
		}
		func_ids[i] = type(&b, f->name, BTF_INFO(BTF_KIND_FUNC, f->global ? 1 : 0), proto);
	}

	struct btf_hdr h = {.magic = BTF_MAGIC,
	                    .version = 1,
	                    .hdr_len = sizeof h,
	                    .type_off = 0,
	                    .type_len = (uint32_t)b.types.len,
	                    .str_off = (uint32_t)b.types.len,
	                    .str_len = (uint32_t)b.strs.len};
	*len = (uint32_t)(sizeof h + b.types.len + b.strs.len);
	char *out = malloc(*len);
	if (!out)
		abort();
	memcpy(out, &h, sizeof h);
	memcpy(out + sizeof h, b.types.s, b.types.len);
	memcpy(out + sizeof h + b.types.len, b.strs.s, b.strs.len);
	free(b.types.s);
	free(b.strs.s);
	*blob = out;
	return 0;
}
