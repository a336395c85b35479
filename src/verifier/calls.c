/* calls.c — bpf-to-bpf calls: frames, arguments, returns.
 *
 * Without BTF (func_info) every subprogram is static, as in the kernel: a call pushes a
 * frame whose r1-r5 are the caller's, the callee is walked inline, and its exit returns
 * r0 to the caller with r1-r5 clobbered and r6-r9 preserved. The frame limit and the
 * messages are the kernel's. Callbacks of helpers (bpf_loop, for_each_map_elem) need a
 * BPF_PSEUDO_FUNC ld_imm64, which the kernel refuses without BTF ("missing btf
 * func_info"); push_callback_call implements the kernel's model for when that comes.
 */
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/mem_internal.h"
#include "verifier/verifier.h"

static void init_reg_state(struct bpf_verifier_env *env, struct bpf_func_state *state)
{
	struct bpf_reg_state *regs = state->regs;
	for (int i = 0; i < MAX_BPF_REG; i++) {
		mark_reg_not_init(env, regs, (u32)i);
		regs[i].live = REG_LIVE_NONE;
		regs[i].parent = NULL;
		regs[i].subreg_def = DEF_NOT_SUBREG;
	}
	/* frame pointer */
	regs[BPF_REG_FP].type = PTR_TO_STACK;
	mark_reg_known_zero(env, regs, BPF_REG_FP);
	regs[BPF_REG_FP].frameno = state->frameno;
}

void init_func_state(struct bpf_verifier_env *env, struct bpf_func_state *state, int callsite,
                     int frameno, int subprogno)
{
	state->callsite = callsite;
	state->frameno = (u32)frameno;
	state->subprogno = (u32)subprogno;
	state->callback_ret_range.minval = 0;
	state->callback_ret_range.maxval = 0;
	init_reg_state(env, state);
	mark_verifier_state_scratched(env);
}

int set_callee_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                     struct bpf_func_state *callee, int insn_idx)
{
	(void)env;
	(void)insn_idx;
	/* r1-r5 are the arguments the callee can read */
	for (int i = BPF_REG_1; i <= BPF_REG_5; i++)
		callee->regs[i] = caller->regs[i];
	return 0;
}

static int setup_func_entry(struct bpf_verifier_env *env, int subprog, int callsite,
                            set_callee_state_fn set_callee_state_cb,
                            struct bpf_verifier_state *state)
{
	struct bpf_func_state *caller, *callee;
	int err;
	if (state->curframe + 1 >= MAX_CALL_FRAMES) {
		verbose(env, "the call stack of %u frames is too deep\n", state->curframe + 2);
		return -E2BIG;
	}
	if (state->frame[state->curframe + 1]) {
		verbose(env, "verifier bug: Frame %u already allocated\n", state->curframe + 1);
		return -EFAULT;
	}
	caller = state->frame[state->curframe];
	callee = calloc(1, sizeof *callee);
	if (!callee)
		return -ENOMEM;
	state->frame[state->curframe + 1] = callee;
	/* the callee reads its own stack only after writing it; it may use the caller's */
	init_func_state(env, callee, callsite, (int)state->curframe + 1, subprog);
	err = set_callee_state_cb(env, caller, callee, callsite);
	if (err) {
		free(callee->stack);
		free(callee);
		state->frame[state->curframe + 1] = NULL;
		return err;
	}
	state->curframe++;
	return 0;
}

static void clear_caller_saved_regs(struct bpf_verifier_env *env, struct bpf_reg_state *regs)
{
	/* after the call r0-r5 are scratched */
	for (u32 i = BPF_REG_0; i <= BPF_REG_5; i++) {
		mark_reg_not_init(env, regs, i);
		mark_reg_scratched(env, i);
		regs[i].subreg_def = DEF_NOT_SUBREG;
	}
}

/* The caller's r1-r5 against the callee's BTF arguments (btf_check_func_arg_match). */
static int btf_check_subprog_call(struct bpf_verifier_env *env, int subprog,
                                  struct bpf_reg_state *regs)
{
	struct bpf_subprog_info *sub = &env->subprog_info[subprog];
	int err;
	if (!env->btf)
		return -EINVAL;
	if (!sub->btf_id)
		return -EFAULT;
	if (sub->unreliable)
		return -EINVAL;
	err = bpf_btf_prepare_func_args(env, subprog);
	for (u32 i = 0; !err && i < sub->arg_cnt; i++) {
		u32 regno = i + 1;
		struct bpf_reg_state *reg = &regs[regno];
		struct bpf_subprog_arg_info *arg = &sub->args[i];
		if (arg->arg_type == ARG_ANYTHING) {
			if (reg->type != SCALAR_VALUE) {
				verbose(env, "R%u is not a scalar\n", regno);
				err = -EINVAL;
			}
		} else if (arg->arg_type == ARG_PTR_TO_CTX) {
			err = __check_ptr_off_reg(env, reg, (int)regno, false);
			if (!err && reg->type != PTR_TO_CTX) {
				verbose(env, "arg#%u expects pointer to ctx\n", i);
				err = -EINVAL;
			}
		} else if (bpf_type_base(arg->arg_type) == ARG_PTR_TO_MEM) {
			/* the kernel answers EINVAL whatever the access check said */
			err = bpf_check_mem_reg(env, reg, regno, arg->mem_size) ? -EINVAL : 0;
			if (!err && !(arg->arg_type & PTR_MAYBE_NULL) &&
			    (reg->type & PTR_MAYBE_NULL)) {
				verbose(env, "arg#%u is expected to be non-NULL\n", i);
				err = -EINVAL;
			}
		} else if (arg->arg_type == (ARG_PTR_TO_DYNPTR | MEM_RDONLY)) {
			err = check_subprog_dynptr_arg(env, reg, regno);
		} else {
			verbose(env, "verifier bug: unrecognized arg#%u type %u\n", i,
			        arg->arg_type);
			return -EFAULT;
		}
	}
	/* a mismatch (or an optimized-out argument of a static function): no more checks */
	if (err)
		sub->unreliable = true;
	return err;
}

int check_func_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx)
{
	struct bpf_verifier_state *state = env->cur_state;
	int target_insn = *insn_idx + insn->imm + 1;
	int subprog = find_subprog(env, target_insn);
	int err;
	if (subprog < 0) {
		verbose(env, "verifier bug: target of func call at insn %d is not a program\n",
		        target_insn);
		return -EFAULT;
	}
	struct bpf_func_state *caller = state->frame[state->curframe];
	err = btf_check_subprog_call(env, subprog, caller->regs);
	if (err == -EFAULT)
		return err;
	if (env->subprog_info[subprog].is_global) {
		const char *sub_name = subprog_name(env, subprog);
		if (env->cur_state->active_locks) {
			verbose(env, "global function calls are not allowed while holding a lock,\n"
			             "use static function instead\n");
			return -EINVAL;
		}
		if (err) {
			verbose(env, "Caller passes invalid args into func#%d ('%s')\n", subprog,
			        sub_name);
			return err;
		}
		if (env->log.level & BPF_LOG_LEVEL)
			verbose(env, "Func#%d ('%s') is global and assumed valid.\n", subprog,
			        sub_name);
		/* verified after the main program, on its own */
		env->subprog_info[subprog].called = true;
		clear_caller_saved_regs(env, caller->regs);
		/* all global functions return a 64-bit scalar */
		mark_reg_unknown(env, caller->regs, BPF_REG_0);
		caller->regs[BPF_REG_0].subreg_def = DEF_NOT_SUBREG;
		return 0;
	}
	if ((err = setup_func_entry(env, subprog, *insn_idx, set_callee_state, state)))
		return err;
	clear_caller_saved_regs(env, caller->regs);
	/* and go analyze the first insn of the callee */
	*insn_idx = (int)env->subprog_info[subprog].start - 1;
	bpf_reset_live_stack_callchain(env);
	if (env->log.level & BPF_LOG_LEVEL) {
		verbose(env, "caller:\n");
		print_verifier_state(env, state, caller->frameno, true);
		verbose(env, "callee:\n");
		print_verifier_state(env, state, state->curframe, true);
	}
	return 0;
}

int push_callback_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int insn_idx,
                       int subprog, set_callee_state_fn set_callee_state_cb)
{
	struct bpf_verifier_state *state = env->cur_state, *callback_state;
	struct bpf_func_state *caller = state->frame[state->curframe];
	int err;
	(void)insn;
	if (subprog < 0 || (u32)subprog >= env->subprog_cnt) {
		verbose(env, "verifier bug: callback subprog %d\n", subprog);
		return -EFAULT;
	}
	env->subprog_info[subprog].is_cb = true;
	/* the callback body is explored as a separate path that returns to the call insn
	 * (prepare_func_exit), where the next iteration is scheduled again; the checkpoint
	 * forced at the call lets the iterations converge */
	callback_state = push_stack(env, (int)env->subprog_info[subprog].start, insn_idx, false);
	if (!callback_state)
		return -EFAULT;
	err = setup_func_entry(env, subprog, insn_idx, set_callee_state_cb, callback_state);
	if (err)
		return err;
	callback_state->callback_unroll_depth++;
	callback_state->frame[callback_state->curframe - 1]->callback_depth++;
	caller->callback_depth = 0;
	return 0;
}

int set_map_elem_callback_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                                struct bpf_func_state *callee, int insn_idx)
{
	(void)insn_idx;
	/* long bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags):
	 * callback_fn(map, key, value, callback_ctx) */
	struct bpf_reg_state *map_reg = &caller->regs[BPF_REG_1];
	const struct bpf_map *map = map_reg->map_ptr;
	/* only maps that can walk their elements (arrays, hashes) */
	if (!map || !map->ops || !map->ops->map_for_each_callback) {
		verbose(env, "callback function not allowed for map\n");
		return -ENOTSUPP;
	}
	callee->regs[BPF_REG_1] = caller->regs[BPF_REG_1];
	callee->regs[BPF_REG_2].type = PTR_TO_MAP_KEY;
	__mark_reg_known_zero(&callee->regs[BPF_REG_2]);
	callee->regs[BPF_REG_2].type = PTR_TO_MAP_KEY;
	callee->regs[BPF_REG_2].map_ptr = map_reg->map_ptr;
	__mark_reg_known_zero(&callee->regs[BPF_REG_3]);
	callee->regs[BPF_REG_3].type = PTR_TO_MAP_VALUE;
	callee->regs[BPF_REG_3].map_ptr = map_reg->map_ptr;
	callee->regs[BPF_REG_4] = caller->regs[BPF_REG_3];
	__mark_reg_not_init(env, &callee->regs[BPF_REG_5]);
	callee->in_callback_fn = true;
	callee->callback_ret_range.minval = 0;
	callee->callback_ret_range.maxval = 1;
	return 0;
}

/* bpf_loop's flags (r4) are a known 0: the rewrite can inline the loop. Known values
 * decide how the program is rewritten, so r4 becomes precise. */
static bool loop_flag_is_zero(struct bpf_verifier_env *env)
{
	struct bpf_reg_state *reg = &cur_regs(env)[BPF_REG_4];
	bool zero = register_is_null(reg);
	if (zero)
		mark_chain_precision(env, BPF_REG_4);
	return zero;
}

void update_loop_inline_state(struct bpf_verifier_env *env, u32 subprogno)
{
	struct bpf_loop_inline_state *st = &env->insn_aux_data[env->insn_idx].loop_inline_state;
	if (!st->initialized) {
		st->initialized = true;
		st->fit_for_inline = loop_flag_is_zero(env);
		st->callback_subprogno = subprogno;
		return;
	}
	if (!st->fit_for_inline)
		return;
	st->fit_for_inline = loop_flag_is_zero(env) && st->callback_subprogno == subprogno;
}

int set_loop_callback_state(struct bpf_verifier_env *env, struct bpf_func_state *caller,
                            struct bpf_func_state *callee, int insn_idx)
{
	(void)insn_idx;
	/* bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback_fn(u32 index, ctx) */
	__mark_reg_unknown(env, &callee->regs[BPF_REG_1]);
	callee->regs[BPF_REG_2] = caller->regs[BPF_REG_3];
	for (int i = BPF_REG_3; i <= BPF_REG_5; i++)
		__mark_reg_not_init(env, &callee->regs[i]);
	callee->in_callback_fn = true;
	callee->callback_ret_range.minval = 0;
	callee->callback_ret_range.maxval = 1;
	return 0;
}

static void verbose_invalid_scalar(struct bpf_verifier_env *env, struct bpf_reg_state *reg,
                                   s32 minval, s32 maxval, const char *ctx, const char *reg_name)
{
	bool unknown = true;
	verbose(env, "%s the register %s has", ctx, reg_name);
	if (reg->smin_value > INT64_MIN) {
		verbose(env, " smin=%lld", (long long)reg->smin_value);
		unknown = false;
	}
	if (reg->smax_value < INT64_MAX) {
		verbose(env, " smax=%lld", (long long)reg->smax_value);
		unknown = false;
	}
	if (unknown)
		verbose(env, " unknown scalar value");
	verbose(env, " should have been in [%d, %d]\n", minval, maxval);
}

/* A memory argument of a global function: readable and writable for its size
 * (check_mem_reg); a maybe-NULL pointer is checked as if it were not NULL. */
int bpf_check_mem_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno,
                      u32 mem_size)
{
	bool may_be_null = type_may_be_null(reg->type);
	struct bpf_reg_state saved = *reg;
	int err;
	if (register_is_null(reg))
		return 0;
	if (may_be_null)
		mark_ptr_not_null_reg(env, reg);
	err = check_helper_mem_access(env, (int)regno, (int)mem_size, BPF_READ, true, NULL);
	if (!err)
		err = check_helper_mem_access(env, (int)regno, (int)mem_size, BPF_WRITE, true,
		                              NULL);
	if (may_be_null)
		*reg = saved;
	return err;
}

void bpf_verbose_invalid_scalar(struct bpf_verifier_env *env, struct bpf_reg_state *reg, s32 minval,
                                s32 maxval, const char *ctx, const char *reg_name)
{
	verbose_invalid_scalar(env, reg, minval, maxval, ctx, reg_name);
}

int prepare_func_exit(struct bpf_verifier_env *env, int *insn_idx)
{
	struct bpf_verifier_state *state = env->cur_state;
	struct bpf_func_state *callee = state->frame[state->curframe];
	struct bpf_func_state *caller = state->frame[state->curframe - 1];
	struct bpf_reg_state *r0 = &callee->regs[BPF_REG_0];
	bool in_callback_fn;
	int err;

	if ((err = bpf_update_live_stack(env)))
		return err;
	if (r0->type == PTR_TO_STACK) {
		/* the callee's stack is gone; the kernel refuses any stack pointer */
		verbose(env, "cannot return stack pointer to the caller\n");
		return -EINVAL;
	}
	if (callee->in_callback_fn) {
		if (r0->type != SCALAR_VALUE) {
			verbose(env, "R0 not a scalar value\n");
			return -EACCES;
		}
		if ((err = mark_chain_precision(env, BPF_REG_0)))
			return err;
		if (!(callee->callback_ret_range.minval <= r0->smin_value &&
		      r0->smax_value <= callee->callback_ret_range.maxval)) {
			verbose_invalid_scalar(env, r0, callee->callback_ret_range.minval,
			                       callee->callback_ret_range.maxval,
			                       "At callback return", "R0");
			return -EINVAL;
		}
	} else {
		/* r0 of the callee is r0 of the caller */
		caller->regs[BPF_REG_0] = *r0;
	}
	/* a callback returns to its helper's call, which schedules the next iteration */
	in_callback_fn = callee->in_callback_fn;
	*insn_idx = in_callback_fn ? callee->callsite : callee->callsite + 1;
	if (env->log.level & BPF_LOG_LEVEL) {
		verbose(env, "returning from callee:\n");
		print_verifier_state(env, state, callee->frameno, true);
		verbose(env, "to caller at %d:\n", *insn_idx);
		print_verifier_state(env, state, caller->frameno, true);
	}
	free(callee->stack);
	free(callee);
	state->frame[state->curframe--] = NULL;
	/* callbacks: widen what changed between iterations (as for iterators) */
	if (in_callback_fn) {
		struct bpf_verifier_state *prev_st = find_prev_entry(env, state, *insn_idx);
		if (prev_st && (err = widen_imprecise_scalars(env, prev_st, state)))
			return err;
	}
	return 0;
}
