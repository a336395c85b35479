/* verifier.c — bpf_check: the passes of one verification, in the kernel's order.
 *
 * subprograms (check_subprogs) → the CFG (check_cfg: unreachable code, back-edges,
 * prune points) → loops (compute_scc) → static register liveness → the walk (do_check
 * from the main program's entry, r1 = ctx) → the combined stack depth → the statistics
 * line → the rewrite the vm runs (rewrite.c). The log belongs to the caller.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maps/map.h"
#include "verifier/fixup.h"
#include "verifier/verifier.h"

static u64 now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

const char *subprog_name(struct bpf_verifier_env *env, int subprog)
{
	if (!env->btf || !env->subprog_info[subprog].btf_id)
		return "";
	return bpf_btf_func_name(env->btf, env->subprog_info[subprog].btf_id);
}

/* A global function's arguments as its BTF describes them (not the caller's values). */
static int init_global_func_args(struct bpf_verifier_env *env, int subprog,
                                 struct bpf_reg_state *regs)
{
	struct bpf_subprog_info *sub = &env->subprog_info[subprog];
	if (env->log.level & BPF_LOG_LEVEL)
		verbose(env, "Validating %s() func#%d...\n", subprog_name(env, subprog), subprog);
	int ret = bpf_btf_prepare_func_args(env, subprog);
	if (ret)
		return ret;
	for (u32 i = BPF_REG_1; i <= sub->arg_cnt; i++) {
		struct bpf_subprog_arg_info *arg = &sub->args[i - BPF_REG_1];
		struct bpf_reg_state *reg = &regs[i];
		if (arg->arg_type == ARG_PTR_TO_CTX) {
			reg->type = PTR_TO_CTX;
			mark_reg_known_zero(env, regs, i);
		} else if (arg->arg_type == ARG_ANYTHING) {
			reg->type = SCALAR_VALUE;
			mark_reg_unknown(env, regs, i);
		} else if (bpf_type_base(arg->arg_type) == ARG_PTR_TO_MEM) {
			reg->type = PTR_TO_MEM;
			reg->type |= arg->arg_type & (PTR_MAYBE_NULL | PTR_UNTRUSTED | MEM_RDONLY);
			mark_reg_known_zero(env, regs, i);
			reg->mem_size = arg->mem_size;
			if (arg->arg_type & PTR_MAYBE_NULL)
				reg->id = bpf_new_id(env);
		} else if (arg->arg_type == (ARG_PTR_TO_DYNPTR | MEM_RDONLY)) {
			mark_subprog_dynptr_arg(env, reg);
		} else {
			verbose(env, "verifier bug: unhandled arg#%u type %u\n", i - BPF_REG_1,
			        arg->arg_type);
			return -EFAULT;
		}
	}
	return 0;
}

static int do_check_common(struct bpf_verifier_env *env, int subprog)
{
	bool pop_log = !(env->log.level & BPF_LOG_LEVEL2);
	struct bpf_verifier_state *state;
	int ret;

	env->prev_linfo = NULL;
	env->pass_cnt++;
	state = calloc(1, sizeof *state);
	if (!state)
		return -ENOMEM;
	state->curframe = 0;
	state->speculative = false;
	state->branches = 1;
	state->frame[0] = calloc(1, sizeof *state->frame[0]);
	if (!state->frame[0]) {
		free(state);
		return -ENOMEM;
	}
	env->cur_state = state;
	init_func_state(env, state->frame[0], -1 /* BPF_MAIN_FUNC */, 0, subprog);
	state->first_insn_idx = env->subprog_info[subprog].start;
	state->last_insn_idx = (u32)-1;
	struct bpf_reg_state *regs = state->frame[0]->regs;
	if (subprog) {
		ret = init_global_func_args(env, subprog, regs);
		if (ret)
			goto out;
	} else {
		/* 1st arg to a function */
		regs[BPF_REG_1].type = PTR_TO_CTX;
		mark_reg_known_zero(env, regs, BPF_REG_1);
	}
	env->insn_idx = (int)env->subprog_info[subprog].start;

	ret = do_check(env);
out:
	if (env->cur_state) {
		free_verifier_state(env->cur_state, true);
		env->cur_state = NULL;
	}
	while (!pop_stack(env, NULL, NULL, false))
		;
	if (!ret && pop_log)
		bpf_vlog_reset(&env->log, 0);
	free_states(env);
	return ret;
}

/* Global functions some verified path called, each on its own, until none is left. */
static int do_check_subprogs(struct bpf_verifier_env *env)
{
	if (!env->btf)
		return 0;
	for (;;) {
		int new_cnt = 0;
		for (u32 i = 1; i < env->subprog_cnt; i++) {
			struct bpf_subprog_info *sub = &env->subprog_info[i];
			if (!sub->is_global || !sub->called || sub->verified)
				continue;
			int ret = do_check_common(env, (int)i);
			if (ret)
				return ret;
			if (env->log.level & BPF_LOG_LEVEL)
				verbose(env,
				        "Func#%u ('%s') is safe for any args that match its "
				        "prototype\n",
				        i, subprog_name(env, (int)i));
			sub->verified = true;
			new_cnt++;
		}
		if (!new_cnt)
			return 0;
	}
}

/* LD_ABS and tail calls stay out of subprograms the BTF does not describe
 * (check_abnormal_return). */
static int check_abnormal_return(struct bpf_verifier_env *env)
{
	for (u32 i = 1; i < env->subprog_cnt; i++) {
		if (env->subprog_info[i].has_ld_abs) {
			verbose(env, "LD_ABS is not allowed in subprogs without BTF\n");
			return -EINVAL;
		}
		if (env->subprog_info[i].has_tail_call) {
			verbose(env, "tail_call is not allowed in subprogs without BTF\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* check_btf_info: func_info (the kernel's record size rules, checked against the BTF and
 * the subprograms) and line_info (check_btf_line), both kept in env for the log and for
 * the program's info. */
static int check_btf_info(struct bpf_verifier_env *env, const struct bpf_verifier_opts *opts)
{
	u32 cnt = opts->func_info_cnt, rec = opts->func_info_rec_size;
	if (!cnt && !opts->line_info_cnt)
		return check_abnormal_return(env);
	if (!opts->btf_data)
		return -EBADF;
	struct bpf_btf *btf = bpf_btf_parse(opts->btf_data, opts->btf_size);
	if (!btf)
		return -EINVAL;
	env->btf = btf;
	if (!cnt) {
		int ret = check_abnormal_return(env);
		if (ret)
			return ret;
	} else {
		if (rec < sizeof(struct bpf_func_info) || rec > 252 || rec % sizeof(u32)) {
			verbose(env, "invalid func info rec size %u\n", rec);
			return -EINVAL;
		}
		if (!opts->func_info)
			return -EFAULT;
		struct bpf_func_info *fi = calloc(cnt, sizeof *fi);
		if (!fi)
			return -ENOMEM;
		env->func_info = fi;
		env->func_info_cnt = cnt;
		for (u32 i = 0; i < cnt; i++) {
			const u8 *r = (const u8 *)opts->func_info + (size_t)i * rec;
			for (u32 b = sizeof *fi; b < rec; b++)
				if (r[b]) {
					verbose(env, "nonzero tailing record in func info");
					return -E2BIG;
				}
			memcpy(&fi[i], r, sizeof *fi);
		}
		int ret = bpf_btf_check_func_info_early(env, btf, fi, cnt);
		if (!ret)
			ret = bpf_btf_check_func_info(env, btf, fi, cnt);
		if (ret)
			return ret;
	}
	return bpf_btf_check_line_info(env, opts->line_info, opts->line_info_cnt,
	                               opts->line_info_rec_size);
}

static bool is_tracing_prog_type(u32 type)
{
	return type == BPF_PROG_TYPE_KPROBE || type == BPF_PROG_TYPE_TRACEPOINT ||
	       type == BPF_PROG_TYPE_PERF_EVENT || type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	       type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE;
}

/* check_map_prog_compatibility, for each map an ld_imm64 names (in program order). */
static int check_map_prog_compat(struct bpf_verifier_env *env)
{
	for (u32 i = 0; i + 1 < env->len; i++) {
		if (!userbpf_insn_is_ldimm64(&env->insns[i]))
			continue;
		u8 src = env->insns[i].src_reg;
		if (src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX ||
		    src == BPF_PSEUDO_MAP_VALUE || src == BPF_PSEUDO_MAP_IDX_VALUE) {
			const struct bpf_map *map = env->used_maps[env->insn_aux_data[i].map_index];
			if (map && map->sh && map->sh->spin_lock_off >= 0) {
				if (env->prog_type == BPF_PROG_TYPE_SOCKET_FILTER) {
					verbose(env, "socket filter progs cannot use bpf_spin_lock "
					             "yet\n");
					return -EINVAL;
				}
				if (is_tracing_prog_type(env->prog_type)) {
					verbose(env,
					        "tracing progs cannot use bpf_spin_lock yet\n");
					return -EINVAL;
				}
			}
			if (map && map->map_type == BPF_MAP_TYPE_STRUCT_OPS) {
				verbose(env, "bpf_struct_ops map cannot be used in prog\n");
				return -EINVAL;
			}
		}
		i++;
	}
	return 0;
}

static bool env_flag(const char *name)
{
	const char *g = getenv(name);
	return g && *g && strcmp(g, "0") != 0;
}

/* USERBPF_NO_INLINE=1 keeps every helper call (A/B measurements, debugging). Guarded
 * runtimes run inlined code too: they grant the map memory an inlined lookup reaches
 * (obj_prog_rt.c, userbpf_vm_set_regions). */
static bool keep_helper_calls(void)
{
	return env_flag("USERBPF_NO_INLINE");
}

/* USERBPF_COMPLEXITY_LIMIT=N (a test knob, e.g. for fuzzing: the kernel's 1M-insn walks cost
 * tens of seconds in instrumented builds) lowers the processed-insn limit; default: the
 * kernel's. */
static u32 insn_limit(void)
{
	const char *g = getenv("USERBPF_COMPLEXITY_LIMIT");
	long v = g ? strtol(g, NULL, 10) : 0;
	return v > 0 && v < BPF_COMPLEXITY_LIMIT_INSNS ? (u32)v : BPF_COMPLEXITY_LIMIT_INSNS;
}

static void print_verification_stats(struct bpf_verifier_env *env)
{
	if (env->log.level & BPF_LOG_STATS) {
		verbose(env, "verification time %u usec\n", env->verification_time_us);
		verbose(env, "stack depth ");
		for (u32 i = 0; i < env->subprog_cnt; i++) {
			verbose(env, "%u", env->subprog_info[i].stack_depth);
			if (i + 1 < env->subprog_cnt)
				verbose(env, "+");
		}
		verbose(env, "\n");
	}
	verbose(env,
	        "processed %u insns (limit %d) max_states_per_insn %u total_states %u "
	        "peak_states %u mark_read %u\n",
	        env->insn_processed, BPF_COMPLEXITY_LIMIT_INSNS, env->max_states_per_insn,
	        env->total_states, env->peak_states, 0u);
}

static void env_free(struct bpf_verifier_env *env)
{
	free_states(env);
	free(env->explored_states);
	free(env->insn_aux_data);
	free(env->insns);
	bpf_btf_free((struct bpf_btf *)env->btf);
	free(env->scc_visits);
	free(env->insn_postorder);
	free(env->func_info);
	free(env->linfo);
	bpf_stack_liveness_free(env);
	for (u32 i = 0; i < BPF_MAX_USED_MAPS; i++)
		free(env->inner_map_metas[i]);
	free(env);
}

/* userbpf_isa_check's last pass (fields and registers of each insn): the kernel checks
 * these in do_check, and so does our walk. Everything before that pass passed when it
 * reports one of these. */
static bool isa_error_is_field_check(const char *msg)
{
	static const char *const field_errors[] = {"BPF_NEG uses",
	                                           "BPF_END uses",
	                                           "BPF_MOV uses",
	                                           "BPF_ALU uses",
	                                           "BPF_STX uses",
	                                           "BPF_ST uses",
	                                           "BPF_CALL uses",
	                                           "BPF_JA uses",
	                                           "BPF_EXIT uses",
	                                           "BPF_JMP/JMP32 uses",
	                                           "BPF_LD_IMM64 uses",
	                                           "BPF_LD_[ABS|IND] uses",
	                                           "addr_space_cast insn",
	                                           "invalid atomic operand size",
	                                           "BPF_ATOMIC uses invalid atomic opcode",
	                                           "invalid may_goto imm",
	                                           "frame pointer is read only"};
	for (size_t i = 0; i < sizeof field_errors / sizeof field_errors[0]; i++)
		if (!strncmp(msg, field_errors[i], strlen(field_errors[i])))
			return true;
	return msg[0] == 'R' && strstr(msg, " is invalid") != NULL; /* "R11 is invalid" */
}

static int prepare_fail(struct bpf_verifier_log *log, const struct userbpf_error *e, int err)
{
	bpf_log(log, "%s\n", e->msg);
	bpf_log(log,
	        "processed 0 insns (limit %d) max_states_per_insn 0 total_states 0 peak_states 0 "
	        "mark_read 0\n",
	        BPF_COMPLEXITY_LIMIT_INSNS);
	return err;
}

int bpf_check_prepare(struct bpf_insn *insns, u32 cnt, struct bpf_fixup_env *fx,
                      struct bpf_verifier_log *log)
{
	struct userbpf_error e = {0};
	u32 starts[BPF_MAX_SUBPROGS + 1];
	/* add_subprog_and_kfunc: subprogram starts, logged before any other check */
	int n = userbpf_isa_subprogs(insns, cnt, starts, BPF_MAX_SUBPROGS + 1, &e);
	if (n < 0)
		return prepare_fail(log, &e, n);
	if (log->level & BPF_LOG_LEVEL2)
		for (int i = 0; i < n && i < BPF_MAX_SUBPROGS; i++)
			bpf_log(log, "func#%d @%u\n", i, starts[i]);
	int err = userbpf_isa_check(insns, cnt, 0, &e);
	if (err && !isa_error_is_field_check(e.msg))
		return prepare_fail(log, &e, err);
	if ((err = bpf_fixup_map_ldimm64(insns, cnt, fx, &e)))
		return prepare_fail(log, &e, err);
	return 0;
}

/* The kernel's check_attach_btf_id, as far as our program types reach it: a syscall
 * program runs from bpf() in process context and must be loaded sleepable. */
static int check_attach_sleepable(struct bpf_verifier_env *env)
{
	if (env->prog_type == BPF_PROG_TYPE_SYSCALL && !(env->prog_flags & BPF_F_SLEEPABLE)) {
		verbose(env, "Syscall programs can only be sleepable\n");
		return -EINVAL;
	}
	return 0;
}

int bpf_check(const struct bpf_insn *insns, u32 cnt, const struct bpf_verifier_opts *opts,
              struct bpf_verifier_result *res)
{
	u64 start = now_ns();
	struct bpf_verifier_env *env = calloc(1, sizeof *env);
	int ret;

	memset(res, 0, sizeof *res);
	if (!env)
		return -ENOMEM;
	states_init();
	env->len = cnt;
	env->insns = malloc((size_t)cnt * sizeof *insns);
	env->insn_aux_data = calloc(cnt, sizeof *env->insn_aux_data);
	env->explored_states = calloc(cnt, sizeof *env->explored_states);
	if (!env->insns || !env->insn_aux_data || !env->explored_states) {
		env_free(env);
		return -ENOMEM;
	}
	memcpy(env->insns, insns, (size_t)cnt * sizeof *insns);
	env->log = *opts->log;
	env->subprogs_logged = opts->prepared;
	env->prog_type = opts->prog_type;
	env->expected_attach_type = opts->expected_attach_type;
	env->prog_flags = opts->prog_flags;
	env->ops = bpf_prog_type_info(opts->prog_type);
	env->gpl_compatible = opts->gpl_compatible;
	env->strict_alignment = opts->prog_flags & BPF_F_STRICT_ALIGNMENT;
	env->test_state_freq = opts->prog_flags & BPF_F_TEST_STATE_FREQ;
	env->test_reg_invariants = opts->prog_flags & BPF_F_TEST_REG_INVARIANTS;
	bool priv = !opts->unprivileged;
	env->allow_ptr_leaks = priv;
	env->allow_uninit_stack = priv;
	env->bpf_capable = priv;
	env->bypass_spec_v1 = priv;
	env->bypass_spec_v4 = priv;
	env->no_inline = keep_helper_calls();
	env->insn_limit = insn_limit();
	env->bt.env = env;
	for (u32 i = 0; i < opts->used_map_cnt && i < BPF_MAX_USED_MAPS; i++)
		env->used_maps[i] = opts->used_maps[i];
	env->used_map_cnt = opts->used_map_cnt;
	/* map references: the pseudo form back, and which map (aux) */
	for (u32 i = 0; opts->map_refs && i < cnt; i++) {
		const struct bpf_fixup_ref *r = &opts->map_refs[i];
		if (!r->map)
			continue;
		env->insns[i].src_reg = r->src_reg;
		env->insn_aux_data[i].map_off = r->off;
		for (u32 k = 0; k < env->used_map_cnt; k++)
			if (env->used_maps[k] == r->map)
				env->insn_aux_data[i].map_index = k;
	}
	for (u32 i = 0; i < cnt; i++)
		env->insn_aux_data[i].orig_idx = i;

	ret = bpf_stack_liveness_init(env);
	if (!ret)
		ret = check_subprogs(env);
	if (!ret)
		ret = check_btf_info(env, opts);
	if (!ret)
		ret = check_map_prog_compat(env);
	if (!ret)
		ret = check_cfg(env);
	if (!ret)
		ret = compute_postorder(env);
	if (!ret)
		ret = check_attach_sleepable(env);
	if (!ret)
		ret = compute_scc(env);
	if (!ret)
		ret = compute_live_registers(env);
	if (!ret)
		ret = do_check_common(env, 0);
	if (!ret)
		ret = do_check_subprogs(env);
	if (!ret)
		ret = check_max_stack_depth(env);

	res->insn_processed = env->insn_processed;
	res->stack_depth = env->subprog_info[0].stack_depth;
	res->max_ctx_offset = env->max_ctx_offset;
	/* the kernel's fixups (and their messages) come before the statistics */
	if (!ret)
		ret = bpf_rewrite_program(env, res);
	env->verification_time_us = (u32)((now_ns() - start) / 1000);
	print_verification_stats(env);
	*opts->log = env->log; /* positions moved */
	env_free(env);
	return ret;
}
