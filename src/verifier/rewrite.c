/* rewrite.c — the program after verification, as the vm runs it (the kernel's
 * convert_ctx_accesses and parts of do_misc_fixups / opt_remove_dead_code).
 *
 * Every original instruction becomes a sequence of zero or more instructions: code the
 * walk never reached goes (privileged loads), "goto +0" goes, a ctx load/store becomes the
 * program type's access on its internal ctx (narrow loads as a full load, shift and
 * mask), LD_ABS/LD_IND becomes the program type's expansion (a helper call), and map
 * references keep their resolved addresses and their pseudo src_reg. Jumps and calls
 * between original instructions are re-targeted to where their targets ended up; jumps
 * inside an expansion are relative to it and stay.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier.h"

#define INSN_BUF_SIZE 32

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

static int convert_ctx_access(struct bpf_verifier_env *env, u32 i, struct bpf_insn *buf,
                              u32 *cnt_out)
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
	cnt = env->ops->convert_ctx_access(type, &insn, buf, env->expected_attach_type,
	                                   &target_size);
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

int bpf_rewrite_program(struct bpf_verifier_env *env, struct bpf_insn **out, u32 *out_cnt)
{
	u32 n = env->len, cap = n + 64, len = 0;
	struct bpf_insn *res = malloc(cap * sizeof *res);
	u32 *new_index = calloc(n + 1, sizeof(u32));
	s32 *orig_of = NULL;
	struct bpf_insn buf[INSN_BUF_SIZE];
	int err = 0;
	if (!res || !new_index) {
		err = -ENOMEM;
		goto fail;
	}
	if (env->bpf_capable)
		opt_hard_wire_dead_code_branches(env);
	orig_of = malloc(cap * sizeof *orig_of);
	if (!orig_of) {
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
		if (env->bpf_capable && !aux->seen) {
			cnt = 0; /* dead code */
		} else if (insn->code == (BPF_JMP | BPF_JA) && insn->off == 0) {
			cnt = 0; /* a nop */
		} else if (aux->ptr_type == PTR_TO_CTX && env->ops &&
		           env->ops->convert_ctx_access &&
		           (BPF_CLASS(insn->code) == BPF_LDX || BPF_CLASS(insn->code) == BPF_STX ||
		            BPF_CLASS(insn->code) == BPF_ST) &&
		           (BPF_MODE(insn->code) == BPF_MEM || BPF_MODE(insn->code) == BPF_MEMSX)) {
			if ((err = convert_ctx_access(env, i, buf, &cnt)))
				goto fail;
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
		len += cnt;
		if (w == 2)
			i++;
	}
	new_index[n] = len;
	/* re-target jumps and calls between original insns */
	for (u32 k = 0; k < len; k++) {
		s32 off;
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
	free(new_index);
	free(orig_of);
	*out = res;
	*out_cnt = len;
	return 0;
fail:
	free(res);
	free(new_index);
	free(orig_of);
	return err;
}
