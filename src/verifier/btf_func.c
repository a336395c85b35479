/* btf_func.c — what a program's BTF says about its functions (func_info): each
 * subprogram's name, linkage (static or global) and, for global functions, the kinds of
 * its arguments (the kernel's check_btf_func_early, check_btf_func, btf_prepare_func_args).
 *
 * The blob was validated by BPF_BTF_LOAD, so this reader only walks it: the type section
 * gives one struct btf_type per id (1-based), each followed by kind-specific data.
 * Arguments: an int or enum is a scalar; a pointer to the program type's context struct
 * is the ctx; a pointer to struct bpf_dynptr is a dynptr the callee may only read
 * (ARG_PTR_TO_DYNPTR | MEM_RDONLY); any other pointer to something of known size is memory
 * of that size that may be NULL. Messages are the kernel's.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier.h"

enum {
	BTF_KIND_INT = 1,
	BTF_KIND_PTR = 2,
	BTF_KIND_ARRAY = 3,
	BTF_KIND_STRUCT = 4,
	BTF_KIND_UNION = 5,
	BTF_KIND_ENUM = 6,
	BTF_KIND_FWD = 7,
	BTF_KIND_TYPEDEF = 8,
	BTF_KIND_VOLATILE = 9,
	BTF_KIND_CONST = 10,
	BTF_KIND_RESTRICT = 11,
	BTF_KIND_FUNC = 12,
	BTF_KIND_FUNC_PROTO = 13,
	BTF_KIND_VAR = 14,
	BTF_KIND_DATASEC = 15,
	BTF_KIND_FLOAT = 16,
	BTF_KIND_DECL_TAG = 17,
	BTF_KIND_TYPE_TAG = 18,
	BTF_KIND_ENUM64 = 19,
};
enum { BTF_FUNC_STATIC = 0, BTF_FUNC_GLOBAL = 1 };

struct btf_type_raw {
	u32 name_off;
	u32 info; /* vlen: bits 0-15, kind: bits 24-28, kind_flag: bit 31 */
	u32 size_or_type;
};

struct bpf_btf {
	const u8 *types;
	u32 types_len;
	const char *strs;
	u32 str_len;
	const struct btf_type_raw **by_id; /* [nr + 1], by_id[0] = void */
	u32 nr;
};

static u32 kind_of(const struct btf_type_raw *t)
{
	return (t->info >> 24) & 0x1f;
}

static u32 vlen_of(const struct btf_type_raw *t)
{
	return t->info & 0xffff;
}

static u32 extra_size(const struct btf_type_raw *t)
{
	switch (kind_of(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return 12 * vlen_of(t);
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return 8 * vlen_of(t);
	default:
		return 0;
	}
}

void bpf_btf_free(struct bpf_btf *btf)
{
	if (btf) {
		free(btf->by_id);
		free(btf);
	}
}

struct bpf_btf *bpf_btf_parse(const void *data, u32 size)
{
	struct {
		u16 magic;
		u8 version, flags;
		u32 hdr_len, type_off, type_len, str_off, str_len;
	} hdr;
	if (size < sizeof hdr)
		return NULL;
	memcpy(&hdr, data, sizeof hdr);
	if (hdr.magic != 0xeb9f || (u64)hdr.hdr_len + hdr.type_off + hdr.type_len > size ||
	    (u64)hdr.hdr_len + hdr.str_off + hdr.str_len > size)
		return NULL;
	struct bpf_btf *btf = calloc(1, sizeof *btf);
	if (!btf)
		return NULL;
	const u8 *base = (const u8 *)data + hdr.hdr_len;
	btf->types = base + hdr.type_off;
	btf->types_len = hdr.type_len;
	btf->strs = (const char *)base + hdr.str_off;
	btf->str_len = hdr.str_len;
	u32 cap = 64;
	btf->by_id = calloc(cap, sizeof *btf->by_id);
	for (u32 off = 0; btf->by_id && off + sizeof(struct btf_type_raw) <= btf->types_len;) {
		const struct btf_type_raw *t = (const void *)(btf->types + off);
		if (btf->nr + 2 > cap) {
			cap *= 2;
			const struct btf_type_raw **n = realloc(btf->by_id, cap * sizeof *n);
			if (!n) {
				free(btf->by_id);
				btf->by_id = NULL;
				break;
			}
			btf->by_id = n;
		}
		btf->by_id[++btf->nr] = t;
		off += sizeof *t + extra_size(t);
	}
	if (!btf->by_id) {
		free(btf);
		return NULL;
	}
	return btf;
}

static const struct btf_type_raw *btf_type_by_id(const struct bpf_btf *btf, u32 id)
{
	return id && id <= btf->nr ? btf->by_id[id] : NULL;
}

static const char *btf_name(const struct bpf_btf *btf, u32 off)
{
	return off < btf->str_len ? btf->strs + off : "";
}

static bool is_modifier(const struct btf_type_raw *t)
{
	u32 k = kind_of(t);
	return k == BTF_KIND_TYPEDEF || k == BTF_KIND_VOLATILE || k == BTF_KIND_CONST ||
	       k == BTF_KIND_RESTRICT || k == BTF_KIND_TYPE_TAG;
}

/* Skip typedefs and qualifiers; NULL for void. *res_id the id reached. */
static const struct btf_type_raw *skip_modifiers(const struct bpf_btf *btf, u32 id, u32 *res_id)
{
	const struct btf_type_raw *t = btf_type_by_id(btf, id);
	for (int guard = 0; t && is_modifier(t) && guard < 64; guard++) {
		id = t->size_or_type;
		t = btf_type_by_id(btf, id);
	}
	if (res_id)
		*res_id = id;
	return t;
}

/* Size of a type (ints, enums, structs, unions, pointers, arrays); -1 if unknown. */
static s64 resolve_size(const struct bpf_btf *btf, u32 id, int depth)
{
	const struct btf_type_raw *t = skip_modifiers(btf, id, NULL);
	if (!t || depth > 32)
		return -1;
	switch (kind_of(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_FLOAT:
		return t->size_or_type;
	case BTF_KIND_PTR:
		return 8;
	case BTF_KIND_ARRAY: {
		u32 arr[3]; /* type, index_type, nelems */
		memcpy(arr, t + 1, sizeof arr);
		s64 elem = resolve_size(btf, arr[0], depth + 1);
		return elem < 0 ? -1 : elem * arr[2];
	}
	default:
		return -1;
	}
}

static const char *btf_kind_str(const struct btf_type_raw *t)
{
	static const char *const names[] = {
	        "UNKN", "INT",     "PTR",      "ARRAY",    "STRUCT",   "UNION", "ENUM",
	        "FWD",  "TYPEDEF", "VOLATILE", "CONST",    "RESTRICT", "FUNC",  "FUNC_PROTO",
	        "VAR",  "DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG", "ENUM64"};
	u32 k = t ? kind_of(t) : 0;
	return k < sizeof names / sizeof names[0] ? names[k] : "UNKN";
}

/* The uapi ctx struct of each program type (bpf_types.h), for "pointer to ctx". */
static const char *prog_ctx_name(u32 prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return "__sk_buff";
	case BPF_PROG_TYPE_XDP:
		return "xdp_md";
	case BPF_PROG_TYPE_KPROBE:
		return "bpf_user_pt_regs_t";
	case BPF_PROG_TYPE_PERF_EVENT:
		return "bpf_perf_event_data";
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
		return "bpf_raw_tracepoint_args";
	case BPF_PROG_TYPE_CGROUP_SOCK:
		return "bpf_sock";
	case BPF_PROG_TYPE_SOCK_OPS:
		return "bpf_sock_ops";
	case BPF_PROG_TYPE_SK_MSG:
		return "sk_msg_md";
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return "bpf_sock_addr";
	case BPF_PROG_TYPE_CGROUP_DEVICE:
		return "bpf_cgroup_dev_ctx";
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
		return "bpf_sysctl";
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return "bpf_sockopt";
	case BPF_PROG_TYPE_SK_LOOKUP:
		return "bpf_sk_lookup";
	case BPF_PROG_TYPE_SK_REUSEPORT:
		return "sk_reuseport_md";
	case BPF_PROG_TYPE_TRACEPOINT:
		return "bpf_tracepoint_ctx"; /* u64 in the kernel's table: no struct matches */
	default:
		return NULL;
	}
}

/* Is t (a pointer, modifiers skipped) a pointer to the program type's ctx? */
static bool is_prog_ctx_ptr(const struct bpf_btf *btf, const struct btf_type_raw *t, u32 prog_type)
{
	const char *want = prog_ctx_name(prog_type);
	u32 id = t->size_or_type;
	const struct btf_type_raw *p = btf_type_by_id(btf, id);
	if (!want || !p)
		return false;
	/* typedef names count (bpf_user_pt_regs_t); then the struct's own name */
	for (int guard = 0; p && guard < 64; guard++) {
		if (!strcmp(btf_name(btf, p->name_off), want))
			return true;
		if (!is_modifier(p))
			break;
		p = btf_type_by_id(btf, p->size_or_type);
	}
	return false;
}

/* btf_is_dynptr_ptr: a pointer to a struct (or union) bpf_dynptr, or to a struct forward
 * declaration of it (kind_flag 0), modifiers skipped. */
static bool is_dynptr_ptr(const struct bpf_btf *btf, const struct btf_type_raw *ptr)
{
	const struct btf_type_raw *t = skip_modifiers(btf, ptr->size_or_type, NULL);
	if (!t)
		return false;
	bool struct_fwd = kind_of(t) == BTF_KIND_FWD && !(t->info >> 31);
	if (kind_of(t) != BTF_KIND_STRUCT && kind_of(t) != BTF_KIND_UNION && !struct_fwd)
		return false;
	return !strcmp(btf_name(btf, t->name_off), "bpf_dynptr");
}

const char *bpf_btf_func_name(const struct bpf_btf *btf, u32 func_type_id)
{
	const struct btf_type_raw *t = btf_type_by_id(btf, func_type_id);
	return t ? btf_name(btf, t->name_off) : "";
}

/* check_btf_func_early: the records themselves. */
int bpf_btf_check_func_info_early(struct bpf_verifier_env *env, const struct bpf_btf *btf,
                                  const struct bpf_func_info *fi, u32 cnt)
{
	u32 prev_offset = 0;
	for (u32 i = 0; i < cnt; i++) {
		if (i == 0) {
			if (fi[i].insn_off) {
				verbose(env, "nonzero insn_off %u for the first func info record",
				        fi[i].insn_off);
				return -EINVAL;
			}
		} else if (fi[i].insn_off <= prev_offset) {
			verbose(env,
			        "same or smaller insn offset (%u) than previous func info record "
			        "(%u)",
			        fi[i].insn_off, prev_offset);
			return -EINVAL;
		}
		const struct btf_type_raw *t = btf_type_by_id(btf, fi[i].type_id);
		if (!t || kind_of(t) != BTF_KIND_FUNC) {
			verbose(env, "invalid type id %d in func info", fi[i].type_id);
			return -EINVAL;
		}
		const struct btf_type_raw *proto = btf_type_by_id(btf, t->size_or_type);
		if (!proto || kind_of(proto) != BTF_KIND_FUNC_PROTO)
			return -EINVAL;
		prev_offset = fi[i].insn_off;
	}
	return 0;
}

static bool is_scalar_type(const struct btf_type_raw *t)
{
	u32 k = t ? kind_of(t) : 0;
	return k == BTF_KIND_INT || k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64;
}

/* check_btf_func: the records against the subprograms; linkage per subprogram. */
int bpf_btf_check_func_info(struct bpf_verifier_env *env, const struct bpf_btf *btf,
                            const struct bpf_func_info *fi, u32 cnt)
{
	if (cnt != env->subprog_cnt) {
		verbose(env, "number of funcs in func_info doesn't match number of subprogs\n");
		return -EINVAL;
	}
	for (u32 i = 0; i < cnt; i++) {
		struct bpf_subprog_info *sp = &env->subprog_info[i];
		if (sp->start != fi[i].insn_off) {
			verbose(env, "func_info BTF section doesn't match subprog layout in BPF "
			             "program\n");
			return -EINVAL;
		}
		const struct btf_type_raw *t = btf_type_by_id(btf, fi[i].type_id);
		sp->is_global = vlen_of(t) == BTF_FUNC_GLOBAL;
		sp->btf_id = fi[i].type_id;
		const struct btf_type_raw *proto = btf_type_by_id(btf, t->size_or_type);
		const struct btf_type_raw *ret = skip_modifiers(btf, proto->size_or_type, NULL);
		bool scalar_return = ret && (kind_of(ret) == BTF_KIND_INT ? ret->size_or_type <= 8
		                                                          : is_scalar_type(ret));
		if (i && !scalar_return && sp->has_ld_abs) {
			verbose(env, "LD_ABS is only allowed in functions that return 'int'.\n");
			return -EINVAL;
		}
		if (i && !scalar_return && sp->has_tail_call) {
			verbose(env, "tail_call is only allowed in functions that return 'int'.\n");
			return -EINVAL;
		}
	}
	return 0;
}

const char *bpf_btf_str(const struct bpf_btf *btf, u32 off)
{
	return btf && off < btf->str_len ? btf->strs + off : NULL;
}

#define MIN_BPF_LINEINFO_SIZE 16 /* offsetofend(struct bpf_line_info, line_col) */
#define MAX_LINEINFO_REC_SIZE 252

int bpf_btf_check_line_info(struct bpf_verifier_env *env, const void *uinfo, u32 cnt, u32 rec_size)
{
	if (!cnt)
		return 0;
	if (cnt > INT32_MAX / sizeof(struct bpf_line_info))
		return -EINVAL;
	if (rec_size < MIN_BPF_LINEINFO_SIZE || rec_size > MAX_LINEINFO_REC_SIZE ||
	    rec_size & (sizeof(u32) - 1))
		return -EINVAL;
	if (!uinfo)
		return -EFAULT;
	struct bpf_line_info *linfo = calloc(cnt, sizeof *linfo);
	if (!linfo)
		return -ENOMEM;
	u32 s = 0, prev_offset = 0, ncopy = rec_size < sizeof *linfo ? rec_size : sizeof *linfo;
	int err = -EINVAL;
	for (u32 i = 0; i < cnt; i++) {
		const u8 *r = (const u8 *)uinfo + (size_t)i * rec_size;
		for (u32 b = sizeof *linfo; b < rec_size; b++)
			if (r[b]) { /* bpf_check_uarg_tail_zero */
				verbose(env, "nonzero tailing record in line_info");
				err = -E2BIG;
				goto fail;
			}
		memcpy(&linfo[i], r, ncopy);
		/* strictly increasing, inside the program */
		if ((i && linfo[i].insn_off <= prev_offset) || linfo[i].insn_off >= env->len) {
			verbose(env,
			        "Invalid line_info[%u].insn_off:%u (prev_offset:%u prog->len:%u)\n",
			        i, linfo[i].insn_off, prev_offset, env->len);
			goto fail;
		}
		if (!env->insns[linfo[i].insn_off].code) {
			verbose(env, "Invalid insn code at line_info[%u].insn_off\n", i);
			goto fail;
		}
		if (!bpf_btf_str(env->btf, linfo[i].line_off) ||
		    !bpf_btf_str(env->btf, linfo[i].file_name_off)) {
			verbose(env, "Invalid line_info[%u].line_off or .file_name_off\n", i);
			goto fail;
		}
		if (s != env->subprog_cnt) {
			if (linfo[i].insn_off == env->subprog_info[s].start) {
				env->subprog_info[s].linfo_idx = i;
				s++;
			} else if (env->subprog_info[s].start < linfo[i].insn_off) {
				verbose(env, "missing bpf_line_info for func#%u\n", s);
				goto fail;
			}
		}
		prev_offset = linfo[i].insn_off;
	}
	if (s != env->subprog_cnt) {
		verbose(env, "missing bpf_line_info for %u funcs starting from func#%u\n",
		        env->subprog_cnt - s, s);
		goto fail;
	}
	env->linfo = linfo;
	env->nr_linfo = cnt;
	return 0;
fail:
	free(linfo);
	return err;
}

/* btf_prepare_func_args: the verifier types of a subprogram's arguments. */
int bpf_btf_prepare_func_args(struct bpf_verifier_env *env, int subprog)
{
	struct bpf_subprog_info *sub = &env->subprog_info[subprog];
	const struct bpf_btf *btf = env->btf;
	bool is_global = sub->is_global;
	if (sub->args_cached)
		return 0;
	if (!btf || !sub->btf_id) {
		if (!is_global)
			return -EINVAL;
		verbose(env, "Global functions need valid BTF\n");
		return -EFAULT;
	}
	const struct btf_type_raw *fn_t = btf_type_by_id(btf, sub->btf_id);
	const char *tname = btf_name(btf, fn_t->name_off);
	const struct btf_type_raw *t = btf_type_by_id(btf, fn_t->size_or_type);
	if (!t || kind_of(t) != BTF_KIND_FUNC_PROTO) {
		verbose(env, "Invalid type of function %s()\n", tname);
		return -EFAULT;
	}
	u32 nargs = vlen_of(t);
	const u32 *params = (const u32 *)(t + 1); /* {name_off, type} pairs */
	if (nargs > 5) {
		if (!is_global)
			return -EINVAL;
		verbose(env, "Global function %s() with %u > %d args. Buggy compiler.\n", tname,
		        nargs, 5);
		return -EINVAL;
	}
	const struct btf_type_raw *ret = skip_modifiers(btf, t->size_or_type, NULL);
	if (!is_scalar_type(ret)) {
		if (!is_global)
			return -EINVAL;
		verbose(env,
		        "Global function %s() doesn't return scalar. Only those are supported.\n",
		        tname);
		return -EINVAL;
	}
	for (u32 i = 0; i < nargs; i++) {
		u32 pid;
		const struct btf_type_raw *a = skip_modifiers(btf, params[2 * i + 1], &pid);
		if (a && kind_of(a) == BTF_KIND_PTR && is_prog_ctx_ptr(btf, a, env->prog_type)) {
			sub->args[i].arg_type = ARG_PTR_TO_CTX;
			continue;
		}
		if (a && kind_of(a) == BTF_KIND_PTR && is_dynptr_ptr(btf, a)) {
			/* the caller passes an initialised dynptr; the callee may read it only */
			sub->args[i].arg_type = ARG_PTR_TO_DYNPTR | MEM_RDONLY;
			continue;
		}
		if (is_global && a && kind_of(a) == BTF_KIND_PTR) {
			s64 size = resolve_size(btf, a->size_or_type, 0);
			if (size < 0) {
				const struct btf_type_raw *p = btf_type_by_id(btf, a->size_or_type);
				verbose(env,
				        "arg#%u reference type('%s %s') size cannot be determined: "
				        "%d\n",
				        i, btf_kind_str(p), p ? btf_name(btf, p->name_off) : "",
				        -EINVAL);
				return -EINVAL;
			}
			sub->args[i].arg_type = ARG_PTR_TO_MEM | PTR_MAYBE_NULL;
			sub->args[i].mem_size = (u32)size;
			continue;
		}
		if (is_scalar_type(a)) {
			sub->args[i].arg_type = ARG_ANYTHING;
			continue;
		}
		if (!is_global)
			return -EINVAL;
		verbose(env, "Arg#%u type %s in %s() is not supported yet.\n", i, btf_kind_str(a),
		        tname);
		return -EINVAL;
	}
	sub->arg_cnt = (u8)nargs;
	sub->args_cached = true;
	return 0;
}
