/* rewrite.c — the program after verification, as the vm runs it (the kernel's
 * opt_* passes, convert_ctx_accesses, parts of do_misc_fixups and optimize_bpf_loop).
 *
 * Every original instruction becomes a sequence of zero or more instructions: code the
 * walk never reached and jumps that became "goto +0" go (privileged loads; unprivileged
 * dead code becomes traps), a ctx load/store becomes the program type's access on its
 * internal ctx (narrow loads as a full load, shift and mask), LD_ABS/LD_IND becomes the
 * program type's expansion (a helper call), a map lookup or bpf_loop call the verifier
 * proved constant becomes its inline sequence, and map references keep their resolved
 * addresses and their pseudo src_reg. Jumps and calls between original instructions are
 * re-targeted to where their targets ended up; jumps inside an expansion are relative to
 * it and stay (an inlined loop's callback call is re-targeted too). func_info and
 * line_info follow their instructions as the kernel's bpf_adj_linfo would move them.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier/mem_sock.h"
#include "verifier/verifier.h"

#define INSN_BUF_SIZE 32
/* orig_of[] of an inserted call to original insn t (its own inverse) */
#define CALL_TO(t) (-2 - (s32)(t))

static bool insn_is_cond_jump(u8 code)
{
	u8 op = BPF_OP(code);
	if (BPF_CLASS(code) != BPF_JMP && BPF_CLASS(code) != BPF_JMP32)
		return false;
	return op != BPF_JA && op != BPF_CALL && op != BPF_EXIT && op != BPF_JCOND;
}

/* A conditional jump one of whose sides was never taken becomes an unconditional one. */
static void opt_hard_wire_dead_code_branches(struct bpf_verifier_env *env)
{
	for (u32 i = 0; i < env->len; i++) {
		struct bpf_insn *insn = &env->insns[i];
		if (!insn_is_cond_jump(insn->code))
			continue;
		struct bpf_insn ja = {.code = BPF_JMP | BPF_JA};
		if (!env->insn_aux_data[i + 1].seen)
			ja.off = insn->off;
		else if (!env->insn_aux_data[(int)i + 1 + insn->off].seen)
			ja.off = 0;
		else
			continue;
		*insn = ja;
	}
}

/* convert_ctx_accesses' switch on the insn's pointer type: ctx accesses by the program
 * type, loads through socket pointers by the socket's kind (mem_sock.c); NULL: none. */
static bpf_convert_access_fn insn_convert_fn(struct bpf_verifier_env *env,
                                             const struct bpf_insn_aux_data *aux)
{
	if (aux->ptr_type == PTR_TO_CTX)
		return env->ops ? env->ops->convert_ctx_access : NULL;
	return bpf_sock_ptr_convert_fn(aux->ptr_type);
}

static int convert_ctx_access(struct bpf_verifier_env *env, u32 i, struct bpf_insn *buf,
                              u32 *cnt_out, bpf_convert_access_fn conv)
{
	struct bpf_insn insn = env->insns[i];
	u8 class = BPF_CLASS(insn.code);
	enum bpf_access_type type = class == BPF_LDX ? BPF_READ : BPF_WRITE;
	u32 ctx_field_size = (u32)env->insn_aux_data[i].ctx_field_size;
	u32 size = (u32)bpf_size_to_bytes(BPF_SIZE(insn.code));
	u8 mode = BPF_MODE(insn.code);
	bool is_narrower_load = size < ctx_field_size;
	u32 size_default = bpf_ctx_off_adjust_machine(ctx_field_size);
	s16 off = insn.off;
	u32 target_size = 0, cnt;

	if (is_narrower_load) {
		if (type == BPF_WRITE) {
			verbose(env, "verifier bug: narrow ctx access misconfigured\n");
			return -EFAULT;
		}
		u8 size_code = BPF_H;
		if (ctx_field_size == 4)
			size_code = BPF_W;
		else if (ctx_field_size == 8)
			size_code = BPF_DW;
		insn.off = (s16)(off & ~(s16)(size_default - 1));
		insn.code = BPF_LDX | BPF_MEM | size_code;
	} else if (mode == BPF_MEMSX) {
		insn.code = (u8)(BPF_LDX | BPF_MEM | BPF_SIZE(insn.code));
	}
	cnt = conv(type, &insn, buf, env->expected_attach_type, &target_size);
	if (cnt == 0 || cnt >= BPF_PT_MAX_CONVERT || (ctx_field_size && !target_size)) {
		verbose(env, "verifier bug: error during ctx access conversion (%u)\n", cnt);
		return -EFAULT;
	}
	if (is_narrower_load && size < target_size) {
		u8 shift = (u8)(bpf_ctx_narrow_access_offset((u32)off, size, size_default) * 8);
		u8 cls = ctx_field_size <= 4 ? BPF_ALU : BPF_ALU64;
		if (shift)
			buf[cnt++] = (struct bpf_insn){.code = (u8)(cls | BPF_RSH | BPF_K),
			                               .dst_reg = insn.dst_reg,
			                               .imm = shift};
		buf[cnt++] = (struct bpf_insn){.code = (u8)(cls | BPF_AND | BPF_K),
		                               .dst_reg = insn.dst_reg,
		                               .imm = (s32)((1ull << size * 8) - 1)};
	}
	if (mode == BPF_MEMSX)
		buf[cnt++] = (struct bpf_insn){.code = BPF_ALU64 | BPF_MOV | BPF_X,
		                               .dst_reg = insn.dst_reg,
		                               .src_reg = insn.dst_reg,
		                               .off = (s16)(size * 8)};
	*cnt_out = cnt;
	return 0;
}

/* opt_remove_dead_code + opt_remove_nops: the insns the xlated program loses. Privileged
 * loads lose the code the walk never reached and "goto +0" / "may_goto +0" — also those that become
 * so once the dead code between them and their target is gone (a branch hard-wired around dead
 * code). One ascending pass, as the kernel's: a jump is a nop when only dead code lies between it
 * and its target. */
static u8 *removed_insns(struct bpf_verifier_env *env)
{
	u32 n = env->len;
	u8 *rm = calloc(n + 1, 1);
	if (!rm)
		return NULL;
	for (u32 i = 0; i < n && env->bpf_capable; i++) {
		rm[i] = !env->insn_aux_data[i].seen;
		if (userbpf_insn_is_ldimm64(&env->insns[i]) && i + 1 < n)
			rm[i + 1] = rm[i], i++;
	}
	for (u32 i = 0; i < n && env->bpf_capable; i++) {
		const struct bpf_insn *in = &env->insns[i];
		bool ja =
		        in->code == (BPF_JMP | BPF_JA) && !in->src_reg && !in->dst_reg && !in->imm;
		bool may_goto = in->code == (BPF_JMP | BPF_JCOND) && !in->src_reg && !in->dst_reg &&
		                !in->imm;
		if (rm[i] || !(ja || may_goto) || in->off < 0)
			continue;
		bool nop = true;
		for (u32 k = i + 1; k <= i + (u32)in->off && nop; k++)
			nop = k < n && rm[k];
		if (nop)
			rm[i] = 1;
		if (userbpf_insn_is_ldimm64(in))
			i++;
	}
	return rm;
}

/* bpf_adj_linfo / bpf_adj_linfo_after_remove, for the whole rewrite at once: a record
 * whose insn stays follows it (to the first insn of its expansion); of the records on a
 * run of removed insns only the last one stays, moved to the first insn after the run,
 * and only if that insn has no record of its own and exists (not the program's tail). */
static int adjust_linfo(struct bpf_verifier_env *env, const u8 *rm, const u32 *new_index,
                        struct bpf_verifier_result *res)
{
	u32 n = env->len, k = 0;
	if (!env->nr_linfo)
		return 0;
	struct bpf_line_info *out = malloc(env->nr_linfo * sizeof *out);
	if (!out)
		return -ENOMEM;
	for (u32 j = 0; j < env->nr_linfo; j++) {
		struct bpf_line_info li = env->linfo[j];
		u32 o = li.insn_off;
		if (rm[o]) {
			u32 end = o;
			while (end < n && rm[end])
				end++;
			bool last = j + 1 == env->nr_linfo || env->linfo[j + 1].insn_off >= end;
			bool own = j + 1 < env->nr_linfo && env->linfo[j + 1].insn_off == end;
			if (!last || own || end == n)
				continue;
		}
		li.insn_off = new_index[o];
		out[k++] = li;
	}
	res->line_info = out;
	res->line_info_cnt = k;
	return 0;
}

/* adjust_btf_func: each function's record at its (first remaining) insn; a function
 * removed as a whole loses its record. */
static int adjust_func_info(struct bpf_verifier_env *env, const u8 *rm, const u32 *new_index,
                            struct bpf_verifier_result *res)
{
	u32 k = 0;
	if (!env->func_info_cnt)
		return 0;
	struct bpf_func_info *out = malloc(env->func_info_cnt * sizeof *out);
	if (!out)
		return -ENOMEM;
	for (u32 s = 0; s < env->func_info_cnt && s < env->subprog_cnt; s++) {
		u32 start = env->subprog_info[s].start, end = env->subprog_info[s + 1].start;
		u32 i = start;
		while (i < end && rm[i])
			i++;
		if (i == end)
			continue;
		out[k] = env->func_info[s];
		out[k++].insn_off = new_index[start];
	}
	res->func_info = out;
	res->func_info_cnt = k;
	return 0;
}

#define BPF_MAX_LOOPS (8 * 1024 * 1024)
#define LOOP_INLINE_CALL 12 /* the callback call's position in the inlined loop */

/* inline_bpf_loop: bpf_loop(nr, callback, ctx, 0) as a loop in the program itself, r6-r8
 * spilled below the function's stack (stack_base) and used as the bound, the counter and
 * the ctx; the callback becomes a bpf-to-bpf call (its target is set by the caller). */
static u32 inline_bpf_loop(s32 stack_base, struct bpf_insn *buf)
{
	const u8 r0 = BPF_REG_0, r1 = BPF_REG_1, r2 = BPF_REG_2, r3 = BPF_REG_3, fp = BPF_REG_10;
	const u8 loop_max = BPF_REG_6, loop_cnt = BPF_REG_7, loop_ctx = BPF_REG_8;
	const s16 r6_off = (s16)stack_base, r7_off = (s16)(stack_base + 8),
	          r8_off = (s16)(stack_base + 16);
	const struct bpf_insn seq[] = {
	        /* too many iterations: -E2BIG, to the end */
	        {.code = BPF_JMP | BPF_JLE | BPF_K, .dst_reg = r1, .off = 2, .imm = BPF_MAX_LOOPS},
	        {.code = BPF_ALU | BPF_MOV | BPF_K, .dst_reg = r0, .imm = -E2BIG},
	        {.code = BPF_JMP | BPF_JA, .off = 16},
	        {.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = fp, .src_reg = 6, .off = r6_off},
	        {.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = fp, .src_reg = 7, .off = r7_off},
	        {.code = BPF_STX | BPF_MEM | BPF_DW, .dst_reg = fp, .src_reg = 8, .off = r8_off},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = loop_max, .src_reg = r1},
	        {.code = BPF_ALU | BPF_MOV | BPF_K, .dst_reg = loop_cnt},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = loop_ctx, .src_reg = r3},
	        /* loop: while (cnt < max) */
	        {.code = BPF_JMP | BPF_JGE | BPF_X,
	         .dst_reg = loop_cnt,
	         .src_reg = loop_max,
	         .off = 5},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = r1, .src_reg = loop_cnt},
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = r2, .src_reg = loop_ctx},
	        {.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL},
	        {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = loop_cnt, .imm = 1},
	        {.code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = r0, .off = -6},
	        /* bpf_loop returns the number of iterations */
	        {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = r0, .src_reg = loop_cnt},
	        {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 6, .src_reg = fp, .off = r6_off},
	        {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 7, .src_reg = fp, .off = r7_off},
	        {.code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 8, .src_reg = fp, .off = r8_off},
	};
	memcpy(buf, seq, sizeof seq);
	return sizeof seq / sizeof seq[0];
}

/* do_misc_fixups' (and optimize_bpf_loop's) inlining of helper calls:
 * - bpf_map_lookup_elem whose map is the same on every path (map_ptr_state not poisoned)
 *   becomes the map type's own sequence (map_gen_lookup);
 * - bpf_loop with flags 0 and one callback on every path becomes a loop calling it, when
 *   the three spill slots still fit the function's frame.
 * Returns the count in buf (0: keep the insn); *callee is the original index the insn at
 * buf[LOOP_INLINE_CALL] calls, or -1. */
static u32 inline_helper_call(struct bpf_verifier_env *env, u32 i, struct bpf_insn *buf,
                              s32 *callee)
{
	const struct bpf_insn *insn = &env->insns[i];
	const struct bpf_insn_aux_data *aux = &env->insn_aux_data[i];
	*callee = -1;
	if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg || env->no_inline || !aux->seen)
		return 0;
	if (insn->imm == BPF_FUNC_map_lookup_elem && aux->map_ptr_state.map_ptr &&
	    !aux->map_ptr_state.poison) {
		int cnt = bpf_map_gen_lookup(aux->map_ptr_state.map_ptr, env->bypass_spec_v1, buf);
		return cnt > 0 && cnt <= BPF_MAP_GEN_LOOKUP_MAX ? (u32)cnt : 0;
	}
	if (insn->imm == BPF_FUNC_loop && aux->loop_inline_state.fit_for_inline &&
	    aux->loop_inline_state.callback_subprogno < env->subprog_cnt) {
		u32 depth = env->subprog_info[bpf_subprog_of(env, i)].stack_depth;
		u32 base = ((depth + 7) & ~7u) + 3 * 8; /* round_up(depth, 8) + 3 slots */
		if (base > USERBPF_STACK_SIZE)          /* our frames are fixed: keep the helper */
			return 0;
		*callee = (s32)env->subprog_info[aux->loop_inline_state.callback_subprogno].start;
		return inline_bpf_loop(-(s32)base, buf);
	}
	return 0;
}

/* Which original insns jump or call to another original insn (offset to re-target). */
static bool insn_has_target(const struct bpf_insn *insn, s32 *off)
{
	u8 class = BPF_CLASS(insn->code);
	if (userbpf_insn_is_pseudo_func(insn) || userbpf_insn_is_pseudo_call(insn)) {
		*off = insn->imm;
		return true;
	}
	if (class != BPF_JMP && class != BPF_JMP32)
		return false;
	u8 op = BPF_OP(insn->code);
	if (op == BPF_CALL || op == BPF_EXIT)
		return false;
	*off = userbpf_insn_jump_off(insn);
	return true;
}

int bpf_rewrite_program(struct bpf_verifier_env *env, struct bpf_verifier_result *out)
{
	u32 n = env->len, cap = n + 64, len = 0;
	struct bpf_insn *res = malloc(cap * sizeof *res);
	u32 *new_index = calloc(n + 1, sizeof(u32));
	s32 *orig_of = NULL;
	u8 *rm = NULL;
	struct bpf_insn buf[INSN_BUF_SIZE];
	int err = 0;
	if (!res || !new_index) {
		err = -ENOMEM;
		goto fail;
	}
	if (env->bpf_capable)
		opt_hard_wire_dead_code_branches(env);
	orig_of = malloc(cap * sizeof *orig_of);
	rm = removed_insns(env);
	if (!orig_of || !rm) {
		err = -ENOMEM;
		goto fail;
	}
	for (u32 i = 0; i < n; i++) {
		struct bpf_insn *insn = &env->insns[i];
		struct bpf_insn_aux_data *aux = &env->insn_aux_data[i];
		u32 cnt = 1, w = userbpf_insn_is_ldimm64(insn) ? 2 : 1;
		new_index[i] = len;
		if (w == 2)
			new_index[i + 1] = len + 1;
		bool keep_orig = true;
		s32 callee = -1;
		bpf_convert_access_fn conv;
		if (rm[i]) {
			cnt = 0; /* dead code, nops */
		} else if (!aux->seen) {
			/* sanitize_dead_code: unprivileged dead code stays, as traps */
			cnt = w;
			buf[0] = buf[1] = (struct bpf_insn){.code = BPF_JMP | BPF_JA, .off = -1};
			keep_orig = false;
		} else if ((conv = insn_convert_fn(env, aux)) &&
		           (BPF_CLASS(insn->code) == BPF_LDX || BPF_CLASS(insn->code) == BPF_STX ||
		            BPF_CLASS(insn->code) == BPF_ST) &&
		           (BPF_MODE(insn->code) == BPF_MEM || BPF_MODE(insn->code) == BPF_MEMSX)) {
			if ((err = convert_ctx_access(env, i, buf, &cnt, conv)))
				goto fail;
			keep_orig = false;
		} else if ((cnt = inline_helper_call(env, i, buf, &callee)) > 0) {
			keep_orig = false;
		} else if (BPF_CLASS(insn->code) == BPF_LD &&
		           (BPF_MODE(insn->code) == BPF_ABS || BPF_MODE(insn->code) == BPF_IND)) {
			cnt = bpf_prog_type_gen_ld_abs(insn, buf);
			if (!cnt || cnt > INSN_BUF_SIZE) {
				verbose(env, "verifier bug: gen_ld_abs\n");
				err = -EFAULT;
				goto fail;
			}
			keep_orig = false;
		} else {
			/* map references keep their pseudo src_reg (with the address as imm):
			 * the object layer stores them by id and clears it for the vm */
			cnt = w;
			memcpy(buf, insn, w * sizeof *insn);
		}
		if (len + cnt > cap) {
			cap = (len + cnt) * 2;
			struct bpf_insn *r = realloc(res, cap * sizeof *res);
			s32 *o = realloc(orig_of, cap * sizeof *orig_of);
			if (r)
				res = r;
			if (o)
				orig_of = o;
			if (!r || !o) {
				err = -ENOMEM;
				goto fail;
			}
		}
		memcpy(res + len, buf, cnt * sizeof *buf);
		for (u32 k = 0; k < cnt; k++)
			orig_of[len + k] = keep_orig && k == 0 ? (s32)i : -1;
		if (callee >= 0) /* an inlined callback call: to where the callback ends up */
			orig_of[len + LOOP_INLINE_CALL] = CALL_TO(callee);
		len += cnt;
		if (w == 2)
			i++;
	}
	new_index[n] = len;
	/* re-target jumps and calls between original insns */
	for (u32 k = 0; k < len; k++) {
		s32 off;
		if (orig_of[k] <= CALL_TO(0)) {
			res[k].imm = (s32)new_index[CALL_TO(orig_of[k])] - ((s32)k + 1);
			continue;
		}
		if (orig_of[k] < 0 || !insn_has_target(&res[k], &off))
			continue;
		s32 i = orig_of[k], t = i + off + 1;
		if (t < 0 || (u32)t > n) {
			err = -EFAULT;
			goto fail;
		}
		s32 noff = (s32)new_index[t] - ((s32)k + 1);
		struct bpf_insn *in = &res[k];
		if (userbpf_insn_is_pseudo_func(in) || userbpf_insn_is_pseudo_call(in)) {
			in->imm = noff;
		} else if (in->code == (BPF_JMP32 | BPF_JA)) {
			in->imm = noff;
		} else {
			if (noff < INT16_MIN || noff > INT16_MAX) {
				verbose(env, "insn %d cannot be patched due to 16-bit range\n", i);
				err = -ERANGE;
				goto fail;
			}
			in->off = (s16)noff;
		}
	}
	out->xlated = res;
	out->xlated_cnt = len;
	res = NULL;
	if ((err = adjust_linfo(env, rm, new_index, out)) ||
	    (err = adjust_func_info(env, rm, new_index, out)))
		goto fail;
	free(new_index);
	free(orig_of);
	free(rm);
	return 0;
fail:
	free(res);
	free(new_index);
	free(orig_of);
	free(rm);
	return err;
}
