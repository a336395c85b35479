/* ldr_core.c — CO-RE: BPF_CORE_* relocations resolved against a target BTF.
 *
 * A relocation (.BTF.ext core_relo) names an instruction, a local root type and an access
 * string "0:2:1" (array index into the root, then member or element indices). The access
 * is parsed into a spec against the object's own BTF; candidate target types are those
 * with the same kind and the same "essential" name (the part before a ___flavor suffix);
 * each candidate is matched member by member by name (going through anonymous members),
 * and the field offset/size/signedness/shift, type id/size/existence or enumerator value
 * computed on both sides. All matching candidates must agree. The instruction's immediate
 * or offset (and for a load of a resized integer or pointer, its size) is then patched,
 * after checking that it holds the local value the compiler put there.
 *
 * These are libbpf's rules (relo_core.c), implemented here on libbpf's public BTF API.
 * Where libbpf would "poison" an instruction whose relocation cannot be resolved (leaving
 * the verifier to complain if it is reachable), we refuse the load with a message naming
 * the type and the field. The target is the BTF the user names (btf_custom_path); types it
 * does not have — and all types when there is none — resolve against the object's own
 * BTF, whose unflavored types (struct __sk_buff from <linux/bpf.h>, ...) describe the
 * contexts this runtime implements.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"
#include "loader/ldr_btf.h"

#define LDR_CORE_SPEC_MAX 64
#define LDR_CORE_DEPTH 32
#define LDR_CORE_MAX_CANDS 64

enum {
	CORE_FIELD_BYTE_OFFSET = 0,
	CORE_FIELD_BYTE_SIZE = 1,
	CORE_FIELD_EXISTS = 2,
	CORE_FIELD_SIGNED = 3,
	CORE_FIELD_LSHIFT_U64 = 4,
	CORE_FIELD_RSHIFT_U64 = 5,
	CORE_TYPE_ID_LOCAL = 6,
	CORE_TYPE_ID_TARGET = 7,
	CORE_TYPE_EXISTS = 8,
	CORE_TYPE_SIZE = 9,
	CORE_ENUMVAL_EXISTS = 10,
	CORE_ENUMVAL_VALUE = 11,
	CORE_TYPE_MATCHES = 12,
};

static const char *const ldr_core_kind_names[] = {
        "byte_off",       "byte_sz",       "field_exists",   "signed",      "lshift_u64",
        "rshift_u64",     "local_type_id", "target_type_id", "type_exists", "type_size",
        "enumval_exists", "enumval_value", "type_matches"};

static const char *ldr_core_kind_str(uint32_t k)
{
	return k < sizeof ldr_core_kind_names / sizeof ldr_core_kind_names[0]
	               ? ldr_core_kind_names[k]
	               : "unknown";
}

static bool ldr_core_field_based(uint32_t k)
{
	return k <= CORE_FIELD_RSHIFT_U64;
}
static bool ldr_core_type_based(uint32_t k)
{
	return (k >= CORE_TYPE_ID_LOCAL && k <= CORE_TYPE_SIZE) || k == CORE_TYPE_MATCHES;
}
static bool ldr_core_enumval_based(uint32_t k)
{
	return k == CORE_ENUMVAL_EXISTS || k == CORE_ENUMVAL_VALUE;
}

struct ldr_core_acc {
	uint32_t type_id, idx;
	const char *name; /* member or enumerator; NULL for an array index */
};

struct ldr_core_spec {
	const struct btf *btf;
	struct ldr_core_acc spec[LDR_CORE_SPEC_MAX];
	int len;
	uint32_t raw[LDR_CORE_SPEC_MAX];
	int raw_len;
	uint32_t root_type_id;
	uint32_t kind;
	uint64_t bit_offset;
};

struct ldr_core_res {
	uint64_t orig_val, new_val;
	bool poison, validate, fail_memsz_adjust;
	uint32_t orig_sz, new_sz;
	uint32_t orig_type_id, new_type_id;
};

/* A work budget per relocation: hostile BTF can make member matching exponential. */
struct ldr_core_ctx {
	long budget;
};

static bool ldr_is_any_enum(const struct btf_type *t)
{
	return btf_is_enum(t) || btf_is_enum64(t);
}

static bool ldr_kind_core_compat(const struct btf_type *a, const struct btf_type *b)
{
	return btf_kind(a) == btf_kind(b) || (ldr_is_any_enum(a) && ldr_is_any_enum(b));
}

/* "task_struct___v2" → 11: the name without its ___flavor. */
static size_t ldr_core_essential_len(const char *name)
{
	size_t n = strlen(name);
	for (long i = (long)n - 5; i >= 0; i--) {
		const char *s = name + i;
		if (s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_')
			return (size_t)i + 1;
	}
	return n;
}

static long long ldr_resolve_size(const struct btf *btf, uint32_t id)
{
	long long sz = btf__resolve_size(btf, id);
	return sz < 0 ? -EINVAL : sz;
}

static bool ldr_is_flex_arr(const struct btf *btf, const struct ldr_core_acc *acc,
                            const struct btf_array *arr)
{
	if (!acc->name || arr->nelems > 0)
		return false;
	const struct btf_type *t = ldr_btf_type(btf, acc->type_id);
	return t && acc->idx == (uint32_t)btf_vlen(t) - 1;
}

/* ---- the local spec ---- */

static int ldr_core_parse_spec(const struct btf *btf, uint32_t type_id, const char *str,
                               uint32_t kind, struct ldr_core_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->btf = btf;
	spec->root_type_id = type_id;
	spec->kind = kind;
	if (ldr_core_type_based(kind))
		return strcmp(str, "0") ? -EINVAL : 0;
	while (*str) {
		char *end;
		if (*str < '0' || *str > '9')
			return -EINVAL;
		errno = 0;
		unsigned long v = strtoul(str, &end, 10);
		if (errno || v > INT_MAX || (*end && *end != ':'))
			return -EINVAL;
		if (spec->raw_len == LDR_CORE_SPEC_MAX)
			return -E2BIG;
		spec->raw[spec->raw_len++] = (uint32_t)v;
		str = *end ? end + 1 : end;
	}
	if (!spec->raw_len)
		return -EINVAL;
	uint32_t id;
	const struct btf_type *t = ldr_btf_skip_mods(btf, type_id, &id);
	if (!t)
		return -EINVAL;
	uint32_t access = spec->raw[0];
	struct ldr_core_acc *acc = &spec->spec[0];
	acc->type_id = id;
	acc->idx = access;
	spec->len++;
	if (ldr_core_enumval_based(kind)) {
		if (!ldr_is_any_enum(t) || spec->raw_len > 1 || access >= btf_vlen(t))
			return -EINVAL;
		uint32_t name_off = btf_is_enum(t) ? btf_enum(t)[access].name_off
		                                   : btf_enum64(t)[access].name_off;
		acc->name = ldr_btf_str(btf, name_off);
		return 0;
	}
	if (!ldr_core_field_based(kind))
		return -EINVAL;
	long long sz = ldr_resolve_size(btf, id);
	if (sz < 0)
		return (int)sz;
	spec->bit_offset = (uint64_t)access * (uint64_t)sz * 8;
	for (int i = 1; i < spec->raw_len; i++) {
		t = ldr_btf_skip_mods(btf, id, &id);
		if (!t)
			return -EINVAL;
		access = spec->raw[i];
		acc = &spec->spec[spec->len];
		if (btf_is_composite(t)) {
			if (access >= btf_vlen(t))
				return -EINVAL;
			spec->bit_offset += btf_member_bit_offset(t, access);
			const struct btf_member *m = btf_members(t) + access;
			if (m->name_off) {
				const char *name = ldr_btf_str(btf, m->name_off);
				if (!*name)
					return -EINVAL;
				acc->type_id = id;
				acc->idx = access;
				acc->name = name;
				spec->len++;
			}
			id = m->type;
		} else if (btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);
			t = ldr_btf_skip_mods(btf, a->type, &id);
			if (!t)
				return -EINVAL;
			bool flex = spec->len > 0 && ldr_is_flex_arr(btf, acc - 1, a);
			if (!flex && access >= a->nelems)
				return -EINVAL;
			acc->type_id = id;
			acc->idx = access;
			acc->name = NULL;
			spec->len++;
			sz = ldr_resolve_size(btf, id);
			if (sz < 0)
				return (int)sz;
			spec->bit_offset += (uint64_t)access * (uint64_t)sz * 8;
		} else {
			return -EINVAL;
		}
		if (spec->bit_offset > UINT32_MAX)
			return -E2BIG;
	}
	return 0;
}

/* "struct foo.bar.baz" (for messages): the root type and the named accessors. */
static void ldr_core_spec_str(const struct ldr_core_spec *s, const char *access, char *buf,
                              size_t len)
{
	const struct btf_type *t = ldr_btf_type(s->btf, s->root_type_id);
	const char *tname = t ? ldr_btf_str(s->btf, t->name_off) : "";
	int n = snprintf(buf, len, "%s %s", t ? ldr_btf_kind_str(t) : "type",
	                 *tname ? tname : "<anon>");
	for (int i = 1; i < s->len && n > 0 && (size_t)n < len; i++) {
		if (s->spec[i].name)
			n += snprintf(buf + n, len - (size_t)n, ".%s", s->spec[i].name);
		else
			n += snprintf(buf + n, len - (size_t)n, "[%u]", s->spec[i].idx);
	}
	if (ldr_core_enumval_based(s->kind) && s->len && s->spec[0].name && n > 0 &&
	    (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "::%s", s->spec[0].name);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (access %s)", access);
}

/* ---- compatibility ---- */

static int ldr_core_fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb,
                                  uint32_t tid)
{
	for (int depth = 0; depth < LDR_CORE_DEPTH; depth++) {
		const struct btf_type *l = ldr_btf_skip_mods(lb, lid, &lid);
		const struct btf_type *t = ldr_btf_skip_mods(tb, tid, &tid);
		if (!l || !t)
			return -EINVAL;
		if (btf_is_composite(l) && btf_is_composite(t))
			return 1;
		if (!ldr_kind_core_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64: {
			const char *ln = ldr_btf_str(lb, l->name_off),
			           *tn = ldr_btf_str(tb, t->name_off);
			size_t ll = ldr_core_essential_len(ln), tl = ldr_core_essential_len(tn);
			return ll == 0 || tl == 0 || (ll == tl && !strncmp(ln, tn, ll));
		}
		case BTF_KIND_INT:
			return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		default:
			return 0;
		}
	}
	return -EINVAL;
}

static int ldr_core_types_compat(const struct btf *lb, uint32_t lid, const struct btf *tb,
                                 uint32_t tid, int level)
{
	const struct btf_type *l = ldr_btf_type(lb, lid), *t = ldr_btf_type(tb, tid);
	if (!l || !t)
		return -EINVAL;
	if (!ldr_kind_core_compat(l, t))
		return 0;
	for (int depth = 0; depth < LDR_CORE_DEPTH; depth++) {
		l = ldr_btf_skip_mods(lb, lid, &lid);
		t = ldr_btf_skip_mods(tb, tid, &tid);
		if (!l || !t)
			return -EINVAL;
		if (!ldr_kind_core_compat(l, t))
			return 0;
		switch (btf_kind(l)) {
		case BTF_KIND_UNKN:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM64:
			return 1;
		case BTF_KIND_INT:
			return btf_int_offset(l) == 0 && btf_int_offset(t) == 0;
		case BTF_KIND_PTR:
			lid = l->type;
			tid = t->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = btf_array(l)->type;
			tid = btf_array(t)->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = btf_params(l), *tp = btf_params(t);
			if (btf_vlen(l) != btf_vlen(t))
				return 0;
			for (uint16_t i = 0; i < btf_vlen(l); i++) {
				if (level <= 0)
					return -EINVAL;
				uint32_t a = 0, b = 0;
				ldr_btf_skip_mods(lb, lp[i].type, &a);
				ldr_btf_skip_mods(tb, tp[i].type, &b);
				int err = ldr_core_types_compat(lb, a, tb, b, level - 1);
				if (err <= 0)
					return err;
			}
			ldr_btf_skip_mods(lb, l->type, &lid);
			ldr_btf_skip_mods(tb, t->type, &tid);
			continue;
		}
		default:
			return 0;
		}
	}
	return -EINVAL;
}

/* bpf_core_type_matches(): a stricter, shape-level comparison (see docs/LOADER.md). */
static int ldr_core_types_match(const struct btf *lb, uint32_t lid, const struct btf *tb,
                                uint32_t tid, int level)
{
	if (level <= 0)
		return -EINVAL;
	const struct btf_type *l = ldr_btf_skip_mods(lb, lid, &lid);
	const struct btf_type *t = ldr_btf_skip_mods(tb, tid, &tid);
	if (!l || !t)
		return -EINVAL;
	if (!ldr_kind_core_compat(l, t))
		return 0;
	const char *ln = ldr_btf_str(lb, l->name_off), *tn = ldr_btf_str(tb, t->name_off);
	size_t ll = ldr_core_essential_len(ln);
	if (ll && (ll != ldr_core_essential_len(tn) || strncmp(ln, tn, ll)))
		return 0;
	switch (btf_kind(l)) {
	case BTF_KIND_UNKN:
	case BTF_KIND_FWD:
		return 1;
	case BTF_KIND_FLOAT:
	case BTF_KIND_INT:
		if (l->size != t->size)
			return 0;
		return !btf_is_int(l) || (btf_int_encoding(l) & BTF_INT_SIGNED) ==
		                                 (btf_int_encoding(t) & BTF_INT_SIGNED);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (l->size != t->size)
			return 0;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			const char *a = ldr_btf_str(lb, btf_is_enum(l) ? btf_enum(l)[i].name_off
			                                               : btf_enum64(l)[i].name_off);
			bool found = false;
			for (uint16_t k = 0; k < btf_vlen(t) && !found; k++)
				found = !strcmp(
				        a, ldr_btf_str(tb, btf_is_enum(t)
				                                   ? btf_enum(t)[k].name_off
				                                   : btf_enum64(t)[k].name_off));
			if (!found)
				return 0;
		}
		return 1;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (btf_kind(l) != btf_kind(t) || btf_vlen(l) > btf_vlen(t))
			return 0;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			const struct btf_member *lm = &btf_members(l)[i];
			const char *a = ldr_btf_str(lb, lm->name_off);
			int found = 0;
			for (uint16_t k = 0; k < btf_vlen(t) && !found; k++) {
				const struct btf_member *tm = &btf_members(t)[k];
				if (strcmp(a, ldr_btf_str(tb, tm->name_off)))
					continue;
				found = ldr_core_types_match(lb, lm->type, tb, tm->type, level - 1);
				if (found < 0)
					return found;
				if (!found)
					return 0;
			}
			if (!found)
				return 0;
		}
		return 1;
	case BTF_KIND_PTR:
		return ldr_core_types_match(lb, l->type, tb, t->type, level - 1);
	case BTF_KIND_ARRAY:
		if (btf_array(l)->nelems != btf_array(t)->nelems)
			return 0;
		return ldr_core_types_match(lb, btf_array(l)->type, tb, btf_array(t)->type,
		                            level - 1);
	case BTF_KIND_FUNC_PROTO:
		if (btf_vlen(l) != btf_vlen(t))
			return 0;
		for (uint16_t i = 0; i < btf_vlen(l); i++) {
			int r = ldr_core_types_match(lb, btf_params(l)[i].type, tb,
			                             btf_params(t)[i].type, level - 1);
			if (r <= 0)
				return r;
		}
		return ldr_core_types_match(lb, l->type, tb, t->type, level - 1);
	default:
		return 0;
	}
}

/* ---- matching a spec against a candidate ---- */

static int ldr_core_match_member(struct ldr_core_ctx *cx, const struct btf *lb,
                                 const struct ldr_core_acc *lacc, const struct btf *tb,
                                 uint32_t tid, struct ldr_core_spec *spec, uint32_t *next_tid)
{
	if (--cx->budget < 0)
		return -E2BIG;
	const struct btf_type *t = ldr_btf_skip_mods(tb, tid, &tid);
	if (!t)
		return -EINVAL;
	if (!btf_is_composite(t))
		return 0;
	const struct btf_type *lt = ldr_btf_type(lb, lacc->type_id);
	if (!lt || !btf_is_composite(lt) || lacc->idx >= btf_vlen(lt))
		return -EINVAL;
	const struct btf_member *lm = btf_members(lt) + lacc->idx;
	const char *lname = ldr_btf_str(lb, lm->name_off);
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint32_t bit_off = btf_member_bit_offset(t, i);
		if (spec->raw_len == LDR_CORE_SPEC_MAX)
			return -E2BIG;
		spec->bit_offset += bit_off; /* speculate this member is the one */
		spec->raw[spec->raw_len++] = i;
		const char *tname = ldr_btf_str(tb, m->name_off);
		if (!*tname) { /* an anonymous struct/union: look inside */
			int found =
			        ldr_core_match_member(cx, lb, lacc, tb, m->type, spec, next_tid);
			if (found)
				return found;
		} else if (!strcmp(lname, tname)) {
			if (spec->len == LDR_CORE_SPEC_MAX)
				return -E2BIG;
			struct ldr_core_acc *ta = &spec->spec[spec->len++];
			ta->type_id = tid;
			ta->idx = i;
			ta->name = tname;
			*next_tid = m->type;
			int found = ldr_core_fields_compat(lb, lm->type, tb, m->type);
			if (!found)
				spec->len--;
			return found;
		}
		spec->bit_offset -= bit_off;
		spec->raw_len--;
	}
	return 0;
}

static int ldr_core_spec_match(struct ldr_core_ctx *cx, const struct ldr_core_spec *local,
                               const struct btf *tb, uint32_t tid, struct ldr_core_spec *targ)
{
	memset(targ, 0, sizeof *targ);
	targ->btf = tb;
	targ->root_type_id = tid;
	targ->kind = local->kind;
	if (ldr_core_type_based(local->kind)) {
		if (local->kind == CORE_TYPE_MATCHES)
			return ldr_core_types_match(local->btf, local->root_type_id, tb, tid,
			                            LDR_CORE_DEPTH);
		return ldr_core_types_compat(local->btf, local->root_type_id, tb, tid,
		                             LDR_CORE_DEPTH);
	}
	const struct ldr_core_acc *la = &local->spec[0];
	struct ldr_core_acc *ta = &targ->spec[0];
	if (ldr_core_enumval_based(local->kind)) {
		const struct btf_type *t = ldr_btf_skip_mods(tb, tid, &tid);
		if (!t || !ldr_is_any_enum(t))
			return 0;
		size_t ll = ldr_core_essential_len(la->name);
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			uint32_t off = btf_is_enum(t) ? btf_enum(t)[i].name_off
			                              : btf_enum64(t)[i].name_off;
			const char *tn = ldr_btf_str(tb, off);
			if (ldr_core_essential_len(tn) != ll || strncmp(la->name, tn, ll))
				continue;
			ta->type_id = tid;
			ta->idx = i;
			ta->name = tn;
			targ->len++;
			targ->raw[targ->raw_len++] = i;
			return 1;
		}
		return 0;
	}
	if (!ldr_core_field_based(local->kind))
		return -EINVAL;
	for (int i = 0; i < local->len; i++, la++) {
		const struct btf_type *t = ldr_btf_skip_mods(tb, tid, &tid);
		if (!t)
			return -EINVAL;
		if (la->name) {
			int m = ldr_core_match_member(cx, local->btf, la, tb, tid, targ, &tid);
			if (m <= 0)
				return m;
		} else {
			if (i > 0) {
				if (!btf_is_array(t))
					return 0;
				const struct btf_array *a = btf_array(t);
				bool flex = targ->len > 0 &&
				            ldr_is_flex_arr(tb, &targ->spec[targ->len - 1], a);
				if (!flex && la->idx >= a->nelems)
					return 0;
				if (!ldr_btf_skip_mods(tb, a->type, &tid))
					return -EINVAL;
			}
			if (targ->raw_len == LDR_CORE_SPEC_MAX || targ->len == LDR_CORE_SPEC_MAX)
				return -E2BIG;
			ta = &targ->spec[targ->len++];
			ta->type_id = tid;
			ta->idx = la->idx;
			ta->name = NULL;
			targ->raw[targ->raw_len++] = la->idx;
			long long sz = ldr_resolve_size(tb, tid);
			if (sz < 0)
				return (int)sz;
			targ->bit_offset += (uint64_t)la->idx * (uint64_t)sz * 8;
		}
		if (targ->bit_offset > UINT32_MAX)
			return -E2BIG;
	}
	return 1;
}

/* ---- values ---- */

static int ldr_core_calc_field(uint32_t kind, const struct ldr_core_spec *spec, uint64_t *val,
                               uint32_t *field_sz, uint32_t *type_id, bool *validate)
{
	*field_sz = 0;
	if (kind == CORE_FIELD_EXISTS) {
		*val = spec ? 1 : 0;
		return 0;
	}
	if (!spec)
		return -EUCLEAN; /* unresolvable */
	const struct ldr_core_acc *acc = &spec->spec[spec->len - 1];
	const struct btf_type *t = ldr_btf_type(spec->btf, acc->type_id);
	if (!t)
		return -EINVAL;
	if (!acc->name) { /* a[n] */
		long long sz = ldr_resolve_size(spec->btf, acc->type_id);
		if (sz < 0)
			return -EINVAL;
		if (kind == CORE_FIELD_BYTE_OFFSET) {
			*val = spec->bit_offset / 8;
			*field_sz = (uint32_t)sz;
			*type_id = acc->type_id;
		} else if (kind == CORE_FIELD_BYTE_SIZE) {
			*val = (uint64_t)sz;
		} else {
			return -EINVAL; /* can't be applied to an array access */
		}
		if (validate)
			*validate = true;
		return 0;
	}
	if (!btf_is_composite(t) || acc->idx >= btf_vlen(t))
		return -EINVAL;
	const struct btf_member *m = btf_members(t) + acc->idx;
	uint32_t ftid = 0;
	const struct btf_type *mt = ldr_btf_skip_mods(spec->btf, m->type, &ftid);
	if (!mt)
		return -EINVAL;
	uint64_t bit_off = spec->bit_offset, bit_sz = btf_member_bitfield_size(t, acc->idx);
	uint64_t byte_off, byte_sz;
	bool bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size;
		if (!byte_sz || byte_sz > 8)
			return -EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -E2BIG; /* can't be read with a 64-bit load */
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		long long sz = ldr_resolve_size(spec->btf, ftid);
		if (sz < 0)
			return -EINVAL;
		byte_sz = (uint64_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	if (validate)
		*validate = !bitfield;
	switch (kind) {
	case CORE_FIELD_BYTE_OFFSET:
		*val = byte_off;
		if (!bitfield) {
			*field_sz = (uint32_t)byte_sz;
			*type_id = ftid;
		}
		break;
	case CORE_FIELD_BYTE_SIZE:
		*val = byte_sz;
		break;
	case CORE_FIELD_SIGNED:
		*val = (ldr_is_any_enum(mt) && btf_kflag(mt)) ||
		       (btf_is_int(mt) && (btf_int_encoding(mt) & BTF_INT_SIGNED));
		if (validate)
			*validate = true;
		break;
	case CORE_FIELD_LSHIFT_U64:
		*val = 64 - (bit_off + bit_sz - byte_off * 8); /* little endian */
		break;
	case CORE_FIELD_RSHIFT_U64:
		*val = 64 - bit_sz;
		if (validate)
			*validate = true;
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

static int ldr_core_calc_type(uint32_t kind, const struct ldr_core_spec *spec, uint64_t *val,
                              bool *validate)
{
	if (validate)
		*validate = true;
	if (!spec) {
		*val = 0;
		return 0;
	}
	switch (kind) {
	case CORE_TYPE_ID_TARGET:
		*val = spec->root_type_id;
		if (validate)
			*validate = false;
		return 0;
	case CORE_TYPE_EXISTS:
	case CORE_TYPE_MATCHES:
		*val = 1;
		return 0;
	case CORE_TYPE_SIZE: {
		long long sz = ldr_resolve_size(spec->btf, spec->root_type_id);
		if (sz < 0)
			return -EINVAL;
		*val = (uint64_t)sz;
		return 0;
	}
	default:
		return -EOPNOTSUPP;
	}
}

static int ldr_core_calc_enumval(uint32_t kind, const struct ldr_core_spec *spec, uint64_t *val)
{
	if (kind == CORE_ENUMVAL_EXISTS) {
		*val = spec ? 1 : 0;
		return 0;
	}
	if (!spec)
		return -EUCLEAN;
	const struct btf_type *t = ldr_btf_type(spec->btf, spec->spec[0].type_id);
	if (!t || !ldr_is_any_enum(t) || spec->spec[0].idx >= btf_vlen(t))
		return -EINVAL;
	if (btf_is_enum(t))
		*val = (uint64_t)(int64_t)btf_enum(t)[spec->spec[0].idx].val;
	else
		*val = btf_enum64_value(btf_enum64(t) + spec->spec[0].idx);
	return 0;
}

static int ldr_core_calc(uint32_t kind, const struct ldr_core_spec *local,
                         const struct ldr_core_spec *targ, struct ldr_core_res *res)
{
	memset(res, 0, sizeof *res);
	res->validate = true;
	int err = -EOPNOTSUPP;
	if (ldr_core_field_based(kind)) {
		err = ldr_core_calc_field(kind, local, &res->orig_val, &res->orig_sz,
		                          &res->orig_type_id, &res->validate);
		if (!err)
			err = ldr_core_calc_field(kind, targ, &res->new_val, &res->new_sz,
			                          &res->new_type_id, NULL);
		if (!err && res->orig_sz != res->new_sz) {
			/* resizing a load is safe for pointers and unsigned integers only */
			const struct btf_type *o = ldr_btf_type(local->btf, res->orig_type_id);
			const struct btf_type *n = ldr_btf_type(targ->btf, res->new_type_id);
			bool ok = o && n &&
			          ((btf_is_ptr(o) && btf_is_ptr(n)) ||
			           (btf_is_int(o) && btf_is_int(n) &&
			            !(btf_int_encoding(o) & BTF_INT_SIGNED) &&
			            !(btf_int_encoding(n) & BTF_INT_SIGNED)));
			res->fail_memsz_adjust = !ok;
		}
	} else if (ldr_core_type_based(kind)) {
		err = ldr_core_calc_type(kind, local, &res->orig_val, &res->validate);
		if (!err)
			err = ldr_core_calc_type(kind, targ, &res->new_val, NULL);
	} else if (ldr_core_enumval_based(kind)) {
		err = ldr_core_calc_enumval(kind, local, &res->orig_val);
		if (!err)
			err = ldr_core_calc_enumval(kind, targ, &res->new_val);
	}
	if (err == -EUCLEAN) {
		res->poison = true;
		err = 0;
	}
	return err;
}

/* ---- candidates ---- */

struct ldr_core_cand {
	const struct btf *btf;
	uint32_t id;
};

/* Same kind, same essential name; in the object's own BTF only unflavored names count. */
static int ldr_core_find_cands(const struct btf *local_btf, uint32_t local_id, const struct btf *tb,
                               bool own, struct ldr_core_cand *cands, int *n)
{
	const struct btf_type *lt = ldr_btf_type(local_btf, local_id);
	const char *lname = ldr_btf_str(local_btf, lt->name_off);
	size_t ll = ldr_core_essential_len(lname);
	uint32_t cnt = btf__type_cnt(tb);
	for (uint32_t i = 1; i < cnt; i++) {
		const struct btf_type *t = ldr_btf_type(tb, i);
		if (!t || !ldr_kind_core_compat(t, lt))
			continue;
		const char *tn = ldr_btf_str(tb, t->name_off);
		if (!*tn)
			continue;
		size_t tl = ldr_core_essential_len(tn);
		if (tl != ll || strncmp(lname, tn, ll))
			continue;
		if (own && tl != strlen(tn))
			continue;
		if (*n == LDR_CORE_MAX_CANDS)
			return -E2BIG;
		cands[(*n)++] = (struct ldr_core_cand){tb, i};
	}
	return 0;
}

/* ---- patching ---- */

static int ldr_insn_size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static int ldr_bytes_to_bpf_size(uint32_t sz)
{
	return sz == 1 ? BPF_B : sz == 2 ? BPF_H : sz == 4 ? BPF_W : sz == 8 ? BPF_DW : -1;
}

struct ldr_core_where {
	struct userbpf_object *obj;
	const char *desc; /* "section 'x', program 'y'" */
	uint32_t insn;    /* in the function */
	uint32_t relo_idx;
	const char *what; /* the spec, for messages */
	uint32_t kind;
};

#define CORE_ERR(w, err, fmt, ...)                                                                 \
	ldr_err((w)->obj, err, "%s, insn %u (offset %u): CO-RE relocation #%u (%s) for %s: " fmt,  \
	        (w)->desc, (w)->insn, (w)->insn *LDR_INSN_SZ, (w)->relo_idx,                       \
	        ldr_core_kind_str((w)->kind), (w)->what, ##__VA_ARGS__)

static int ldr_core_patch(const struct ldr_core_where *w, struct bpf_insn *insn, uint32_t avail,
                          const struct ldr_core_res *res)
{
	uint64_t orig = res->orig_val, nv = res->new_val;
	switch (BPF_CLASS(insn->code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_SRC(insn->code) != BPF_K)
			return CORE_ERR(w, -EINVAL, "insn is not an ALU with an immediate");
		if (res->validate && (uint64_t)(uint32_t)insn->imm != (uint64_t)(uint32_t)orig)
			return CORE_ERR(w, -EINVAL, "unexpected insn value: got %u, expected %llu",
			                (uint32_t)insn->imm, (unsigned long long)orig);
		insn->imm = (int32_t)nv;
		return 0;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		if (res->validate && (uint64_t)(int64_t)insn->off != orig)
			return CORE_ERR(w, -EINVAL, "unexpected insn offset: got %d, expected %llu",
			                insn->off, (unsigned long long)orig);
		if (nv > SHRT_MAX)
			return CORE_ERR(w, -ERANGE, "offset %llu too big for the insn",
			                (unsigned long long)nv);
		if (res->fail_memsz_adjust)
			return CORE_ERR(
			        w, -EINVAL,
			        "the field's size changed (%u -> %u) and it is not a pointer or "
			        "an unsigned integer",
			        res->orig_sz, res->new_sz);
		insn->off = (int16_t)nv;
		if (res->new_sz != res->orig_sz) {
			if (ldr_insn_size_bytes(insn->code) != (int)res->orig_sz)
				return CORE_ERR(w, -EINVAL,
				                "unexpected memory size: got %d, expected %u",
				                ldr_insn_size_bytes(insn->code), res->orig_sz);
			int bsz = ldr_bytes_to_bpf_size(res->new_sz);
			if (bsz < 0)
				return CORE_ERR(w, -EINVAL, "invalid new memory size %u",
				                res->new_sz);
			insn->code = (uint8_t)(BPF_MODE(insn->code) | bsz | BPF_CLASS(insn->code));
		}
		return 0;
	case BPF_LD: {
		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW) || avail < 2 || insn[0].src_reg ||
		    insn[0].off || insn[1].code || insn[1].dst_reg || insn[1].src_reg ||
		    insn[1].off)
			return CORE_ERR(w, -EINVAL, "ld_imm64 has an unexpected form");
		uint64_t imm = (uint32_t)insn[0].imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
		if (res->validate && imm != orig)
			return CORE_ERR(w, -EINVAL,
			                "unexpected ld_imm64 value: got %llu, expected %llu",
			                (unsigned long long)imm, (unsigned long long)orig);
		insn[0].imm = (int32_t)(uint32_t)nv;
		insn[1].imm = (int32_t)(uint32_t)(nv >> 32);
		return 0;
	}
	default:
		return CORE_ERR(w, -EINVAL, "cannot relocate insn code 0x%02x", insn->code);
	}
}

/* One relocation of prog's own code. */
static int ldr_core_one(struct userbpf_object *obj, struct userbpf_program *prog,
                        const struct bpf_core_relo *r, uint32_t relo_idx)
{
	char desc[160], what[256];
	ldr_prog_desc(prog, desc, sizeof desc);
	uint32_t insn_idx = r->insn_off / LDR_INSN_SZ - prog->sec_insn_off;
	struct ldr_core_where w = {obj, desc, insn_idx, relo_idx, "?", r->kind};
	const struct btf *lb = obj->btf;
	const struct btf_type *lt = ldr_btf_type(lb, r->type_id);
	const char *access = btf__name_by_offset(lb, r->access_str_off);
	if (!lt || !access)
		return CORE_ERR(&w, -EINVAL, "bad type id %u or access string", r->type_id);
	struct ldr_core_spec *specs = calloc(3, sizeof *specs);
	if (!specs)
		return -ENOMEM;
	struct ldr_core_spec *local = &specs[0], *cand = &specs[1], *targ = &specs[2];
	struct ldr_core_res res, cres;
	int err = ldr_core_parse_spec(lb, r->type_id, access, r->kind, local);
	const char *lname = ldr_btf_str(lb, lt->name_off);
	snprintf(what, sizeof what, "%s %s (access %s)", ldr_btf_kind_str(lt),
	         *lname ? lname : "<anon>", access);
	w.what = what;
	if (err) {
		err = CORE_ERR(&w, -EINVAL, "cannot parse the access string");
		goto out;
	}
	ldr_core_spec_str(local, access, what, sizeof what);
	if ((uint32_t)r->kind == CORE_TYPE_ID_LOCAL) {
		memset(&res, 0, sizeof res);
		res.orig_val = res.new_val = local->root_type_id;
		goto patch;
	}
	if (!*lname) {
		err = CORE_ERR(&w, -EOPNOTSUPP, "anonymous types cannot be relocated");
		goto out;
	}
	struct ldr_core_cand cands[LDR_CORE_MAX_CANDS];
	int ncand = 0;
	bool own = !obj->target_btf;
	if (obj->target_btf)
		err = ldr_core_find_cands(lb, r->type_id, obj->target_btf, false, cands, &ncand);
	if (!err && !ncand) {
		own = true;
		err = ldr_core_find_cands(lb, r->type_id, lb, true, cands, &ncand);
	}
	if (err) {
		err = CORE_ERR(&w, err, "too many candidate types");
		goto out;
	}
	int matched = 0;
	struct ldr_core_ctx cx = {.budget = 1L << 20};
	for (int i = 0; i < ncand; i++) {
		int m = ldr_core_spec_match(&cx, local, cands[i].btf, cands[i].id, cand);
		if (m < 0) {
			err = CORE_ERR(&w, m, "error matching candidate type [%u]", cands[i].id);
			goto out;
		}
		if (!m)
			continue;
		if ((err = ldr_core_calc(r->kind, local, cand, &cres))) {
			err = CORE_ERR(&w, err, "cannot compute the value");
			goto out;
		}
		if (!matched) {
			res = cres;
			*targ = *cand;
		} else if (cand->bit_offset != targ->bit_offset) {
			err = CORE_ERR(&w, -EINVAL, "field offset ambiguity: %llu != %llu",
			               (unsigned long long)cand->bit_offset,
			               (unsigned long long)targ->bit_offset);
			goto out;
		} else if (cres.poison != res.poison || cres.new_val != res.new_val) {
			err = CORE_ERR(&w, -EINVAL, "relocation decision ambiguity: %llu != %llu",
			               (unsigned long long)cres.new_val,
			               (unsigned long long)res.new_val);
			goto out;
		}
		matched++;
	}
	if (!matched && (err = ldr_core_calc(r->kind, local, NULL, &res))) {
		err = CORE_ERR(&w, err, "cannot compute the value");
		goto out;
	}
	if (res.poison) {
		const char *tgt = own ? "the object's own BTF" : obj->btf_custom_path;
		if (!ncand)
			err = CORE_ERR(&w, -ESRCH, "%s %s not found in %s", ldr_btf_kind_str(lt),
			               lname, tgt);
		else if (ldr_core_enumval_based(r->kind))
			err = CORE_ERR(&w, -ESRCH, "enumerator '%s' not found in %s",
			               local->spec[0].name ? local->spec[0].name : "?", tgt);
		else
			err = CORE_ERR(&w, -ESRCH, "field '%s' not found in %s %s of %s",
			               local->spec[local->len - 1].name
			                       ? local->spec[local->len - 1].name
			                       : "?",
			               ldr_btf_kind_str(lt), lname, tgt);
		goto out;
	}
patch:
	err = ldr_core_patch(&w, &prog->code[insn_idx], prog->sec_insn_cnt - insn_idx, &res);
	if (!err)
		ldr_debug(obj, "%s, insn %u: CO-RE %s for %s: %llu -> %llu", desc, insn_idx,
		          ldr_core_kind_str(r->kind), what, (unsigned long long)res.orig_val,
		          (unsigned long long)res.new_val);
out:
	free(specs);
	return err;
}

int ldr_core_relocate(struct userbpf_object *obj, struct userbpf_program *prog)
{
	if (!obj->btf)
		return 0;
	const struct ldr_ext_sec *es = ldr_btf_ext_sec(obj, ldr_sec_name(obj, prog->sec_idx));
	if (!es || !es->core.recs)
		return 0;
	uint32_t lo = prog->sec_insn_off, hi = prog->sec_insn_off + prog->sec_insn_cnt;
	for (uint32_t i = 0; i < es->core.num; i++) {
		struct bpf_core_relo r;
		memcpy(&r, es->core.recs + (size_t)i * es->core.rec_size, sizeof r);
		if (r.insn_off % LDR_INSN_SZ)
			return ldr_err(obj, -EINVAL,
			               "section '%s': CO-RE relocation #%u at unaligned offset %u",
			               prog->sec_name, i, r.insn_off);
		uint32_t idx = r.insn_off / LDR_INSN_SZ;
		if (idx < lo || idx >= hi)
			continue; /* another function's */
		int err = ldr_core_one(obj, prog, &r, i);
		if (err)
			return err;
	}
	return 0;
}
