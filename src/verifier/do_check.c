/* do_check.c — the walk: one instruction at a time along every path (do_check).
 *
 * Each iteration checks the instruction at env->insn_idx against the current state and
 * updates the state. Prune points consult is_state_visited first. A path ends at an exit
 * of the main program (the return value is checked against the program type) or when it
 * is pruned; the next path is popped from the stack of pushed branches. The log is the
 * kernel's: the insn line, then "; R0=..." with what the insn changed (level 1 keeps
 * only the failing path, level 2 everything).
 */
#include <string.h>

#include "verifier/verifier.h"

#define PROCESS_BPF_EXIT 1

int check_reg_arg(struct bpf_verifier_env *env, u32 regno, enum reg_arg_type t)
{
	struct bpf_reg_state *regs = cur_regs(env);
	if (regno >= MAX_BPF_REG) {
		verbose(env, "R%u is invalid\n", regno);
		return -EINVAL;
	}
	mark_reg_scratched(env, regno);
	struct bpf_reg_state *reg = &regs[regno];
	if (t == SRC_OP) {
		if (reg->type == NOT_INIT) {
			verbose(env, "R%u !read_ok\n", regno);
			return -EACCES;
		}
		return 0;
	}
	if (regno == BPF_REG_FP) {
		verbose(env, "frame pointer is read only\n");
		return -EACCES;
	}
	reg->subreg_def = DEF_NOT_SUBREG;
	if (t == DST_OP)
		mark_reg_unknown(env, regs, regno);
	return 0;
}

int __check_ptr_off_reg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int regno,
                        bool fixed_off_ok)
{
	/* only the pointer as it was given may be used */
	if (reg->off < 0) {
		verbose(env, "negative offset %s ptr R%d off=%d disallowed\n",
		        reg_type_str(env, reg->type), regno, reg->off);
		return -EACCES;
	}
	if (!fixed_off_ok && reg->off) {
		verbose(env, "dereference of modified %s ptr R%d off=%d disallowed\n",
		        reg_type_str(env, reg->type), regno, reg->off);
		return -EACCES;
	}
	if (!tnum_is_const(reg->var_off) || reg->var_off.value) {
		char tn_buf[48];
		tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
		verbose(env, "variable %s access var_off=%s disallowed\n",
		        reg_type_str(env, reg->type), tn_buf);
		return -EACCES;
	}
	return 0;
}

int check_ptr_off_reg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int regno)
{
	return __check_ptr_off_reg(env, reg, regno, false);
}

static bool reg_type_mismatch_ok(enum bpf_reg_type type)
{
	switch (base_type(type)) {
	case PTR_TO_CTX:
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
	case PTR_TO_XDP_SOCK:
	case PTR_TO_BTF_ID:
	case PTR_TO_ARENA:
		return false;
	default:
		return true;
	}
}

int save_aux_ptr_type(struct bpf_verifier_env *env, enum bpf_reg_type type,
                      bool allow_trust_mismatch)
{
	enum bpf_reg_type *prev_type = &cur_aux(env)->ptr_type;
	if (*prev_type == NOT_INIT) {
		*prev_type = type;
	} else if (type != *prev_type &&
	           (!reg_type_mismatch_ok(type) || !reg_type_mismatch_ok(*prev_type))) {
		/* one insn, ctx on one path and another pointer on another: the rewrite
		 * of ctx accesses could not be right for both */
		if (allow_trust_mismatch && base_type(type) == PTR_TO_BTF_ID &&
		    base_type(*prev_type) == PTR_TO_BTF_ID) {
			*prev_type = PTR_TO_BTF_ID | PTR_UNTRUSTED;
		} else {
			verbose(env, "same insn cannot be used with different pointers\n");
			return -EINVAL;
		}
	}
	return 0;
}

const struct bpf_func_proto *bpf_env_func_proto(struct bpf_verifier_env *env, u32 func_id)
{
	if (env->ops && env->ops->get_func_proto)
		return env->ops->get_func_proto(func_id, env->expected_attach_type);
	return bpf_helper_proto(func_id);
}

static int check_load_mem(struct bpf_verifier_env *env, struct bpf_insn *insn, bool is_ldsx,
                          const char *ctx)
{
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_reg_arg(env, insn->dst_reg, DST_OP_NO_MARK)))
		return err;
	enum bpf_reg_type src_reg_type = regs[insn->src_reg].type;
	/* the state of dst_reg is set by check_mem_access */
	err = check_mem_access(env, env->insn_idx, insn->src_reg, insn->off, BPF_SIZE(insn->code),
	                       BPF_READ, insn->dst_reg, false, is_ldsx);
	if (!err)
		err = save_aux_ptr_type(env, src_reg_type, true);
	if (!err)
		err = reg_bounds_sanity_check(env, &regs[insn->dst_reg], ctx);
	return err;
}

static int check_store_reg(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
		return err;
	enum bpf_reg_type dst_reg_type = regs[insn->dst_reg].type;
	err = check_mem_access(env, env->insn_idx, insn->dst_reg, insn->off, BPF_SIZE(insn->code),
	                       BPF_WRITE, insn->src_reg, false, false);
	if (!err)
		err = save_aux_ptr_type(env, dst_reg_type, false);
	return err;
}

static int check_ld_imm(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_insn_aux_data *aux = cur_aux(env);
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if (BPF_SIZE(insn->code) != BPF_DW) {
		verbose(env, "invalid BPF_LD_IMM insn\n");
		return -EINVAL;
	}
	if (insn->off != 0) {
		verbose(env, "BPF_LD_IMM64 uses reserved fields\n");
		return -EINVAL;
	}
	if ((err = check_reg_arg(env, insn->dst_reg, DST_OP)))
		return err;
	struct bpf_reg_state *dst_reg = &regs[insn->dst_reg];
	if (insn->src_reg == 0) {
		dst_reg->type = SCALAR_VALUE;
		__mark_reg_known(dst_reg, userbpf_insn_imm64(insn));
		return 0;
	}
	/* special forms: a pointer with a zero offset */
	mark_reg_known_zero(env, regs, insn->dst_reg);
	if (insn->src_reg == BPF_PSEUDO_BTF_ID) {
		verbose(env, "kernel btf_id %d is not a function\n", insn->imm);
		return -EINVAL;
	}
	if (insn->src_reg == BPF_PSEUDO_FUNC) {
		/* callbacks need BTF func_info: only static functions may be called back */
		int subprogno = find_subprog(env, env->insn_idx + insn->imm + 1);
		if (!env->btf) {
			verbose(env, "missing btf func_info\n");
			return -EINVAL;
		}
		if (subprogno < 0 || env->subprog_info[subprogno].is_global) {
			verbose(env, "callback function not static\n");
			return -EINVAL;
		}
		dst_reg->type = PTR_TO_FUNC;
		dst_reg->subprogno = (u32)subprogno;
		return 0;
	}
	if (aux->map_index >= env->used_map_cnt) {
		verbose(env, "verifier bug: unexpected src reg value for ldimm64\n");
		return -EFAULT;
	}
	const struct bpf_map *map = env->used_maps[aux->map_index];
	dst_reg->map_ptr = map;
	if (insn->src_reg == BPF_PSEUDO_MAP_VALUE || insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
		dst_reg->type = PTR_TO_MAP_VALUE;
		dst_reg->off = (s32)aux->map_off;
	} else if (insn->src_reg == BPF_PSEUDO_MAP_FD || insn->src_reg == BPF_PSEUDO_MAP_IDX) {
		dst_reg->type = CONST_PTR_TO_MAP;
	} else {
		verbose(env, "verifier bug: unexpected src reg value for ldimm64\n");
		return -EFAULT;
	}
	return 0;
}

static int check_ld_abs(struct bpf_verifier_env *env, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	const u32 ctx_reg = BPF_REG_6;
	u8 mode = BPF_MODE(insn->code);
	int err;
	if (!env->ops || !env->ops->ld_abs) {
		verbose(env, "BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
		return -EINVAL;
	}
	if (insn->dst_reg != BPF_REG_0 || insn->off != 0 || BPF_SIZE(insn->code) == BPF_DW ||
	    (mode == BPF_ABS && insn->src_reg != BPF_REG_0)) {
		verbose(env, "BPF_LD_[ABS|IND] uses reserved fields\n");
		return -EINVAL;
	}
	/* the implicit source operand: r6 holds the ctx */
	if ((err = check_reg_arg(env, ctx_reg, SRC_OP)))
		return err;
	/* the expansion may end the program: no reference may be held */
	if ((err = check_resource_leak(env, false, true, "BPF_LD_[ABS|IND]")))
		return err;
	if (regs[ctx_reg].type != PTR_TO_CTX) {
		verbose(env, "at the time of BPF_LD_ABS|IND R6 != pointer to skb\n");
		return -EINVAL;
	}
	if (mode == BPF_IND && (err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_ptr_off_reg(env, &regs[ctx_reg], ctx_reg)) < 0)
		return err;
	/* caller-saved registers are clobbered by the helper behind it */
	for (u32 i = BPF_REG_0; i <= BPF_REG_5; i++) {
		mark_reg_not_init(env, regs, i);
		check_reg_arg(env, i, DST_OP_NO_MARK);
	}
	/* r0 holds what was loaded from the packet (up to 32 bits) */
	mark_reg_unknown(env, regs, BPF_REG_0);
	regs[BPF_REG_0].subreg_def = env->insn_idx + 1;
	return 0;
}

static int check_return_code(struct bpf_verifier_env *env, int regno, const char *reg_name)
{
	const char *exit_ctx = "At program exit";
	struct bpf_func_state *frame = env->cur_state->frame[0];
	bool is_subprog = frame->subprogno != 0;
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	int ret;

	if ((ret = check_reg_arg(env, (u32)regno, SRC_OP)))
		return ret;
	if (is_pointer_value(env, regno)) {
		verbose(env, "R%d leaks addr as return value\n", regno);
		return -EACCES;
	}
	if (is_subprog) {
		if (reg->type != SCALAR_VALUE) {
			verbose(env,
			        "At subprogram exit the register R%d is not a scalar value (%s)\n",
			        regno, reg_type_str(env, reg->type));
			return -EINVAL;
		}
		return 0;
	}
	struct bpf_retval_range range;
	if (!env->ops || !env->ops->retval_range ||
	    !env->ops->retval_range(env->expected_attach_type, &range))
		return 0;
	if (reg->type != SCALAR_VALUE) {
		verbose(env, "%s the register R%d is not a known value (%s)\n", exit_ctx, regno,
		        reg_type_str(env, reg->type));
		return -EINVAL;
	}
	if ((ret = mark_chain_precision(env, regno)))
		return ret;
	if (!(range.minval <= reg->smin_value && reg->smax_value <= range.maxval)) {
		bpf_verbose_invalid_scalar(env, reg, range.minval, range.maxval, exit_ctx,
		                           reg_name);
		return -EINVAL;
	}
	return 0;
}

static int process_bpf_exit_full(struct bpf_verifier_env *env, bool *do_print_state)
{
	/* references must be released (a callback's must match its caller's) */
	int err = check_resource_leak(env, false, !env->cur_state->curframe,
	                              "BPF_EXIT instruction in main prog");
	if (err)
		return err;
	if (env->cur_state->curframe) {
		/* exit from a nested function */
		if ((err = prepare_func_exit(env, &env->insn_idx)))
			return err;
		*do_print_state = true;
		return 0;
	}
	if ((err = check_return_code(env, BPF_REG_0, "R0")))
		return err;
	return PROCESS_BPF_EXIT;
}

/* LD_ABS/LD_IND and bpf_tail_call inside a subprogram may leave it: a failed packet load
 * ends the program with 0 and a tail call never comes back. As 6.18, the fall-through is
 * pushed for later and this path returns to the caller at once, r0 = 0 (LD_ABS) or unknown
 * (tail call). 1: the path moved to the caller; 0: main program, go on. */
static int subprog_may_exit(struct bpf_verifier_env *env, bool r0_zero)
{
	if (!env->cur_state->curframe)
		return 0;
	if (!push_stack(env, env->insn_idx + 1, env->insn_idx, false))
		return -EFAULT;
	struct bpf_reg_state *regs = cur_regs(env);
	if (r0_zero)
		mark_reg_known_zero(env, regs, BPF_REG_0);
	else
		mark_reg_unknown(env, regs, BPF_REG_0);
	int err = prepare_func_exit(env, &env->insn_idx);
	return err ? err : 1;
}

static int do_check_insn(struct bpf_verifier_env *env, bool *do_print_state)
{
	struct bpf_insn *insn = &env->insns[env->insn_idx];
	u8 class = BPF_CLASS(insn->code);
	int err;

	if (class == BPF_ALU || class == BPF_ALU64) {
		if ((err = check_alu_op(env, insn)))
			return err;
	} else if (class == BPF_LDX) {
		bool is_ldsx = BPF_MODE(insn->code) == BPF_MEMSX;
		if ((err = check_load_mem(env, insn, is_ldsx, "ldx")))
			return err;
	} else if (class == BPF_STX) {
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			if ((err = check_atomic(env, env->insn_idx, insn)))
				return err;
			env->insn_idx++;
			return 0;
		}
		if (BPF_MODE(insn->code) != BPF_MEM || insn->imm != 0) {
			verbose(env, "BPF_STX uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_store_reg(env, insn)))
			return err;
	} else if (class == BPF_ST) {
		if (BPF_MODE(insn->code) != BPF_MEM || insn->src_reg != BPF_REG_0) {
			verbose(env, "BPF_ST uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
			return err;
		enum bpf_reg_type dst_reg_type = cur_regs(env)[insn->dst_reg].type;
		err = check_mem_access(env, env->insn_idx, insn->dst_reg, insn->off,
		                       BPF_SIZE(insn->code), BPF_WRITE, -1, false, false);
		if (!err)
			err = save_aux_ptr_type(env, dst_reg_type, false);
		if (err)
			return err;
	} else if (class == BPF_JMP || class == BPF_JMP32) {
		u8 opcode = BPF_OP(insn->code);
		env->jmps_processed++;
		if (opcode == BPF_CALL) {
			if (BPF_SRC(insn->code) != BPF_K ||
			    (insn->src_reg != BPF_PSEUDO_KFUNC_CALL && insn->off != 0) ||
			    (insn->src_reg != BPF_REG_0 && insn->src_reg != BPF_PSEUDO_CALL &&
			     insn->src_reg != BPF_PSEUDO_KFUNC_CALL) ||
			    insn->dst_reg != BPF_REG_0 || class == BPF_JMP32) {
				verbose(env, "BPF_CALL uses reserved fields\n");
				return -EINVAL;
			}
			/* helpers check the held lock themselves (check_helper_call) */
			if (env->cur_state->active_locks &&
			    insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
				verbose(env,
				        "function calls are not allowed while holding a lock\n");
				return -EINVAL;
			}
			if (insn->src_reg == BPF_PSEUDO_CALL) {
				err = check_func_call(env, insn, &env->insn_idx);
			} else if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
				verbose(env, "calling kernel functions are not allowed in "
				             "non-JITed programs\n");
				err = -EINVAL;
			} else {
				err = check_helper_call(env, insn, &env->insn_idx);
			}
			if (err)
				return err;
			mark_reg_scratched(env, BPF_REG_0);
			if (insn->src_reg == BPF_REG_0 && insn->imm == BPF_FUNC_tail_call &&
			    (err = subprog_may_exit(env, false)))
				return err < 0 ? err : 0;
		} else if (opcode == BPF_JA) {
			if (BPF_SRC(insn->code) != BPF_K || insn->src_reg != BPF_REG_0 ||
			    insn->dst_reg != BPF_REG_0 || (class == BPF_JMP && insn->imm != 0) ||
			    (class == BPF_JMP32 && insn->off != 0)) {
				verbose(env, "BPF_JA uses reserved fields\n");
				return -EINVAL;
			}
			env->insn_idx += (class == BPF_JMP ? insn->off : insn->imm) + 1;
			return 0;
		} else if (opcode == BPF_EXIT) {
			if (BPF_SRC(insn->code) != BPF_K || insn->imm != 0 ||
			    insn->src_reg != BPF_REG_0 || insn->dst_reg != BPF_REG_0 ||
			    class == BPF_JMP32) {
				verbose(env, "BPF_EXIT uses reserved fields\n");
				return -EINVAL;
			}
			return process_bpf_exit_full(env, do_print_state);
		} else {
			if ((err = check_cond_jmp_op(env, insn, &env->insn_idx)))
				return err;
		}
	} else if (class == BPF_LD) {
		u8 mode = BPF_MODE(insn->code);
		if (mode == BPF_ABS || mode == BPF_IND) {
			if ((err = check_ld_abs(env, insn)))
				return err;
			if ((err = subprog_may_exit(env, true)))
				return err < 0 ? err : 0;
		} else if (mode == BPF_IMM) {
			if ((err = check_ld_imm(env, insn)))
				return err;
			env->insn_idx++;
			env->insn_aux_data[env->insn_idx].seen = env->pass_cnt;
		} else {
			verbose(env, "invalid BPF_LD mode\n");
			return -EINVAL;
		}
	} else {
		verbose(env, "unknown insn class %d\n", class);
		return -EINVAL;
	}
	env->insn_idx++;
	return 0;
}

int do_check(struct bpf_verifier_env *env)
{
	bool pop_log = !(env->log.level & BPF_LOG_LEVEL2);
	struct bpf_verifier_state *state = env->cur_state;
	bool do_print_state = false;
	int prev_insn_idx = -1;

	for (;;) {
		struct bpf_insn *insn;
		int err;

		env->cur_hist_ent = NULL; /* a new instruction gets a new history entry */
		env->prev_insn_idx = (u32)prev_insn_idx;
		if ((u32)env->insn_idx >= env->len) {
			verbose(env, "invalid insn idx %d insn_cnt %u\n", env->insn_idx, env->len);
			return -EFAULT;
		}
		insn = &env->insns[env->insn_idx];
		if (++env->insn_processed > env->insn_limit) {
			verbose(env, "BPF program is too large. Processed %u insn\n",
			        env->insn_processed);
			return -E2BIG;
		}
		state->last_insn_idx = env->prev_insn_idx;
		state->insn_idx = (u32)env->insn_idx;

		if (env->insn_aux_data[env->insn_idx].prune_point) {
			err = is_state_visited(env, env->insn_idx);
			if (err < 0)
				return err;
			if (err == 1) {
				/* an equivalent state was explored: this path is safe */
				if (env->log.level & BPF_LOG_LEVEL) {
					if (do_print_state)
						verbose(env, "\nfrom %d to %d%s: safe\n",
						        (int)env->prev_insn_idx, env->insn_idx,
						        state->speculative
						                ? " (speculative execution)"
						                : "");
					else
						verbose(env, "%d: safe\n", env->insn_idx);
				}
				goto process_bpf_exit;
			}
		}
		if (env->insn_aux_data[env->insn_idx].jmp_point &&
		    (err = push_insn_history(env, state, 0, 0)))
			return err;

		if ((env->log.level & BPF_LOG_LEVEL2) && do_print_state) {
			verbose(env, "\nfrom %d to %d%s:", (int)env->prev_insn_idx, env->insn_idx,
			        state->speculative ? " (speculative execution)" : "");
			print_verifier_state(env, state, state->curframe, true);
			do_print_state = false;
		}
		if (env->log.level & BPF_LOG_LEVEL) {
			if (verifier_state_scratched(env))
				print_insn_state(env, state, state->curframe);
			verbose_linfo(env, (u32)env->insn_idx, "; ");
			env->prev_log_pos = env->log.end_pos;
			verbose(env, "%d: ", env->insn_idx);
			print_bpf_insn(env, insn);
			env->prev_insn_print_pos = env->log.end_pos - env->prev_log_pos;
			env->prev_log_pos = env->log.end_pos;
		}

		env->insn_aux_data[env->insn_idx].seen = env->pass_cnt;
		prev_insn_idx = env->insn_idx;

		if ((err = bpf_reset_stack_write_marks(env, (u32)env->insn_idx)))
			return err;
		err = do_check_insn(env, &do_print_state);
		if (err >= 0) {
			int marks_err = bpf_commit_stack_write_marks(env);
			if (marks_err)
				return marks_err;
		}
		if (err < 0)
			return err;
		if (err == PROCESS_BPF_EXIT)
			goto process_bpf_exit;
		continue;
	process_bpf_exit:
		mark_verifier_state_scratched(env);
		if ((err = update_branch_counts(env, env->cur_state)))
			return err;
		if ((err = bpf_update_live_stack(env)))
			return err;
		err = pop_stack(env, &prev_insn_idx, &env->insn_idx, pop_log);
		if (err < 0) {
			if (err != -ENOENT)
				return err;
			break;
		}
		do_print_state = true;
	}
	return 0;
}
