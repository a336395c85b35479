/* cfg.c — the program's shape before the walk: subprograms, the control-flow graph
 * (check_cfg: unreachable insns, back-edges, prune and jump points), strongly connected
 * components (loops), the static liveness of registers (compute_live_registers) and,
 * after the walk, the combined stack depth of call chains (check_max_stack_depth).
 *
 * The encoding-level rules that come first in the kernel (jumps leaving a subprogram,
 * "last insn is not an exit or jmp", call targets) were already checked by
 * userbpf_isa_check, in the kernel's order.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier.h"

enum { DISCOVERED = 0x10, EXPLORED = 0x20, FALLTHROUGH = 1, BRANCH = 2 };
enum { DONE_EXPLORING = 0, KEEP_EXPLORING = 1 };

int find_subprog(struct bpf_verifier_env *env, int off)
{
	for (u32 i = 0; i < env->subprog_cnt; i++)
		if (env->subprog_info[i].start == (u32)off)
			return (int)i;
	return -ENOENT;
}

/* The subprogram containing insn idx. */
int bpf_subprog_of(struct bpf_verifier_env *env, u32 idx)
{
	int s = 0;
	for (u32 i = 1; i < env->subprog_cnt; i++)
		if (env->subprog_info[i].start <= idx)
			s = (int)i;
	return s;
}

int check_subprogs(struct bpf_verifier_env *env)
{
	u32 starts[BPF_MAX_SUBPROGS + 1];
	struct userbpf_error e;
	int n = userbpf_isa_subprogs(env->insns, env->len, starts, BPF_MAX_SUBPROGS + 1, &e);
	if (n < 0) {
		verbose(env, "%s\n", e.msg);
		return n;
	}
	if (n > BPF_MAX_SUBPROGS) {
		verbose(env, "too many subprograms\n");
		return -E2BIG;
	}
	if (n > 1 && !env->bpf_capable) {
		verbose(env,
		        "function calls to other bpf functions are allowed for CAP_BPF only\n");
		return -EPERM;
	}
	env->subprog_cnt = (u32)n;
	for (int i = 0; i < n; i++)
		env->subprog_info[i].start = starts[i];
	/* the fake 'exit' subprog: subprog_info[cnt].start is the program's end */
	env->subprog_info[n].start = env->len;
	if ((env->log.level & BPF_LOG_LEVEL2) && !env->subprogs_logged)
		for (int i = 0; i < n; i++)
			verbose(env, "func#%d @%u\n", i, env->subprog_info[i].start);
	for (u32 i = 0; i < env->len; i++) {
		const struct bpf_insn *in = &env->insns[i];
		struct bpf_subprog_info *sp = &env->subprog_info[bpf_subprog_of(env, i)];
		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 &&
		    in->imm == BPF_FUNC_tail_call)
			sp->has_tail_call = true;
		if (BPF_CLASS(in->code) == BPF_LD &&
		    (BPF_MODE(in->code) == BPF_ABS || BPF_MODE(in->code) == BPF_IND))
			sp->has_ld_abs = true;
	}
	return 0;
}

static void mark_prune_point(struct bpf_verifier_env *env, int idx)
{
	env->insn_aux_data[idx].prune_point = true;
}

static void mark_jmp_point(struct bpf_verifier_env *env, int idx)
{
	env->insn_aux_data[idx].jmp_point = true;
}

struct cfg_walk {
	int *state, *stack, *postorder;
	int cur_stack, cur_postorder;
};

static int push_insn(struct bpf_verifier_env *env, struct cfg_walk *c, int t, int w, int e)
{
	if (e == FALLTHROUGH && c->state[t] >= (DISCOVERED | FALLTHROUGH))
		return DONE_EXPLORING;
	if (e == BRANCH && c->state[t] >= (DISCOVERED | BRANCH))
		return DONE_EXPLORING;
	if (w < 0 || (u32)w >= env->len) {
		verbose(env, "jump out of range from insn %d to %d\n", t, w);
		return -EINVAL;
	}
	if (e == BRANCH) {
		/* branch targets are prune points */
		mark_prune_point(env, w);
		mark_jmp_point(env, w);
	}
	if (c->state[w] == 0) {
		/* tree edge */
		c->state[t] = DISCOVERED | e;
		c->state[w] = DISCOVERED;
		if (c->cur_stack >= (int)env->len)
			return -E2BIG;
		c->stack[c->cur_stack++] = w;
		return KEEP_EXPLORING;
	} else if ((c->state[w] & 0xF0) == DISCOVERED) {
		/* a back-edge: bounded loops are for privileged programs */
		if (env->bpf_capable)
			return DONE_EXPLORING;
		verbose(env, "back-edge from insn %d to %d\n", t, w);
		return -EINVAL;
	} else if (c->state[w] == EXPLORED) {
		/* forward or cross edge */
		c->state[t] = DISCOVERED | e;
	} else {
		verbose(env, "verifier bug: insn state internal bug\n");
		return -EFAULT;
	}
	return DONE_EXPLORING;
}

static bool is_sync_callback_calling_helper(u32 func_id)
{
	return func_id == BPF_FUNC_for_each_map_elem || func_id == BPF_FUNC_find_vma ||
	       func_id == BPF_FUNC_loop || func_id == BPF_FUNC_user_ringbuf_drain;
}

static bool is_async_callback_calling_helper(u32 func_id)
{
	return func_id == BPF_FUNC_timer_set_callback;
}

static int visit_func_call_insn(struct bpf_verifier_env *env, struct cfg_walk *c, int t,
                                bool visit_callee)
{
	int insn_sz = userbpf_insn_is_ldimm64(&env->insns[t]) ? 2 : 1;
	int ret = push_insn(env, c, t, t + insn_sz, FALLTHROUGH);
	if (ret)
		return ret;
	mark_prune_point(env, t + insn_sz);
	/* the return from the subprog is non-linear history */
	mark_jmp_point(env, t + insn_sz);
	if (visit_callee) {
		mark_prune_point(env, t);
		ret = push_insn(env, c, t, t + env->insns[t].imm + 1, BRANCH);
	}
	return ret;
}

static int visit_insn(struct bpf_verifier_env *env, struct cfg_walk *c, int t)
{
	struct bpf_insn *insn = &env->insns[t];
	int ret, off;

	if (userbpf_insn_is_pseudo_func(insn))
		return visit_func_call_insn(env, c, t, true);
	/* non-branch instructions have one fall-through edge */
	if (BPF_CLASS(insn->code) != BPF_JMP && BPF_CLASS(insn->code) != BPF_JMP32)
		return push_insn(env, c, t, t + (userbpf_insn_is_ldimm64(insn) ? 2 : 1),
		                 FALLTHROUGH);

	switch (BPF_OP(insn->code)) {
	case BPF_EXIT:
		return DONE_EXPLORING;
	case BPF_CALL:
		if (insn->src_reg == 0 && is_async_callback_calling_helper((u32)insn->imm))
			mark_prune_point(env, t);
		if (insn->src_reg == 0 && is_sync_callback_calling_helper((u32)insn->imm)) {
			/* a checkpoint before each callback iteration lets them converge */
			env->insn_aux_data[t].calls_callback = true;
			env->insn_aux_data[t].force_checkpoint = true;
			mark_prune_point(env, t);
			mark_jmp_point(env, t);
		}
		return visit_func_call_insn(env, c, t, insn->src_reg == BPF_PSEUDO_CALL);
	case BPF_JA:
		if (BPF_SRC(insn->code) != BPF_K)
			return -EINVAL;
		off = BPF_CLASS(insn->code) == BPF_JMP ? insn->off : insn->imm;
		ret = push_insn(env, c, t, t + off + 1, FALLTHROUGH);
		if (ret)
			return ret;
		mark_prune_point(env, t + off + 1);
		mark_jmp_point(env, t + off + 1);
		return ret;
	default:
		/* a conditional jump: two edges */
		mark_prune_point(env, t);
		if (BPF_OP(insn->code) == BPF_JCOND)
			env->insn_aux_data[t].force_checkpoint = true;
		ret = push_insn(env, c, t, t + 1, FALLTHROUGH);
		if (ret)
			return ret;
		return push_insn(env, c, t, t + insn->off + 1, BRANCH);
	}
}

int check_cfg(struct bpf_verifier_env *env)
{
	struct cfg_walk c = {0};
	int ret = 0;
	c.state = calloc(env->len, sizeof(int));
	c.stack = calloc(env->len, sizeof(int));
	c.postorder = calloc(env->len, sizeof(int));
	if (!c.state || !c.stack || !c.postorder) {
		ret = -ENOMEM;
		goto out;
	}
	c.state[0] = DISCOVERED;
	c.stack[0] = 0;
	c.cur_stack = 1;
	while (c.cur_stack > 0) {
		int t = c.stack[c.cur_stack - 1];
		ret = visit_insn(env, &c, t);
		if (ret == DONE_EXPLORING) {
			c.state[t] = EXPLORED;
			c.cur_stack--;
			c.postorder[c.cur_postorder++] = t;
		} else if (ret != KEEP_EXPLORING) {
			goto out;
		}
	}
	for (u32 i = 0; i < env->len; i++) {
		if (c.state[i] != EXPLORED) {
			verbose(env, "unreachable insn %u\n", i);
			ret = -EINVAL;
			goto out;
		}
		if (userbpf_insn_is_ldimm64(&env->insns[i])) {
			if (c.state[i + 1] != 0) {
				verbose(env, "jump into the middle of ldimm64 insn %u\n", i);
				ret = -EINVAL;
				goto out;
			}
			i++;
		}
	}
	ret = 0;
out:
	free(c.state);
	free(c.stack);
	free(c.postorder);
	return ret;
}

int bpf_insn_successors(struct bpf_verifier_env *env, u32 idx, u32 succ[2])
{
	const struct bpf_insn *insn = &env->insns[idx];
	u8 class = BPF_CLASS(insn->code);
	if (userbpf_insn_is_ldimm64(insn)) {
		succ[0] = idx + 2;
		return 1;
	}
	if (class != BPF_JMP && class != BPF_JMP32) {
		succ[0] = idx + 1;
		return 1;
	}
	switch (BPF_OP(insn->code)) {
	case BPF_EXIT:
		return 0;
	case BPF_CALL:
		succ[0] = idx + 1;
		return 1;
	case BPF_JA:
		succ[0] = (u32)((int)idx + userbpf_insn_jump_off(insn) + 1);
		return 1;
	default:
		succ[0] = idx + 1;
		succ[1] = (u32)((int)idx + insn->off + 1);
		return 2;
	}
}

int compute_scc(struct bpf_verifier_env *env)
{
	const u32 NOT_ON_STACK = UINT32_MAX;
	u32 n = env->len, next_pre = 1, next_scc = 1, succ[2];
	u32 *stack = calloc(n, sizeof(u32)), *pre = calloc(n, sizeof(u32));
	u32 *low = calloc(n, sizeof(u32)), *dfs = calloc(n + 1, sizeof(u32));
	int err = 0;
	if (!stack || !pre || !low || !dfs) {
		err = -ENOMEM;
		goto out;
	}
	/* Tarjan's algorithm without recursion (Pearce's "Algorithm 3" lowlink update) */
	for (u32 i = 0; i < n; i++) {
		if (pre[i])
			continue;
		u32 stack_sz = 0, dfs_sz = 1;
		dfs[0] = i;
		while (dfs_sz) {
			u32 w = dfs[dfs_sz - 1];
			if (pre[w] == 0) {
				low[w] = pre[w] = next_pre++;
				stack[stack_sz++] = w;
			}
			int cnt = bpf_insn_successors(env, w, succ);
			bool descended = false;
			for (int j = 0; j < cnt; ++j) {
				if (succ[j] >= n)
					continue;
				if (pre[succ[j]]) {
					if (low[succ[j]] < low[w])
						low[w] = low[succ[j]];
				} else {
					dfs[dfs_sz++] = succ[j];
					descended = true;
					break;
				}
			}
			if (descended)
				continue;
			if (low[w] < pre[w]) {
				/* part of a loop rooted below: stays on the stack */
				dfs_sz--;
				continue;
			}
			/* w roots a component: a number only for loops (2+ insns or a self edge) */
			bool assign = stack[stack_sz - 1] != w;
			for (int j = 0; j < cnt; ++j)
				if (succ[j] == w)
					assign = true;
			u32 t;
			do {
				t = stack[--stack_sz];
				low[t] = NOT_ON_STACK;
				if (assign)
					env->insn_aux_data[t].scc = next_scc;
			} while (t != w);
			if (assign)
				next_scc++;
			dfs_sz--;
		}
	}
out:
	free(stack);
	free(pre);
	free(low);
	free(dfs);
	return err;
}

/* ---- static register liveness (compute_live_registers) ---- */

struct insn_live_regs {
	u16 use, def, in, out;
};

#define ALL_CALLER_SAVED_REGS 0x3fu /* r0-r5 */

static void compute_insn_live_regs(struct bpf_verifier_env *env, const struct bpf_insn *insn,
                                   struct insn_live_regs *info)
{
	u8 class = BPF_CLASS(insn->code), code = BPF_OP(insn->code), mode = BPF_MODE(insn->code);
	u16 src = (u16)(1u << insn->src_reg), dst = (u16)(1u << insn->dst_reg), r0 = 1;
	u16 def = 0, use = 0xffff;

	switch (class) {
	case BPF_LD:
		if (mode == BPF_IMM && BPF_SIZE(insn->code) == BPF_DW) {
			def = dst;
			use = 0;
		}
		break;
	case BPF_LDX:
		if (mode == BPF_MEM || mode == BPF_MEMSX) {
			def = dst;
			use = src;
		}
		break;
	case BPF_ST:
		if (mode == BPF_MEM) {
			def = 0;
			use = dst;
		}
		break;
	case BPF_STX:
		if (mode == BPF_MEM) {
			def = 0;
			use = dst | src;
		} else if (mode == BPF_ATOMIC) {
			if (insn->imm == BPF_CMPXCHG) {
				use = r0 | dst | src;
				def = r0;
			} else if (insn->imm == BPF_LOAD_ACQ) {
				def = dst;
				use = src;
			} else if (insn->imm == BPF_STORE_REL) {
				def = 0;
				use = dst | src;
			} else {
				use = dst | src;
				def = (insn->imm & BPF_FETCH) ? src : 0;
			}
		}
		break;
	case BPF_ALU:
	case BPF_ALU64:
		if (code == BPF_END) {
			use = def = dst;
		} else if (code == BPF_MOV) {
			def = dst;
			use = BPF_SRC(insn->code) == BPF_K ? 0 : src;
		} else {
			def = dst;
			use = BPF_SRC(insn->code) == BPF_K ? dst : (dst | src);
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		switch (code) {
		case BPF_JA:
		case BPF_JCOND:
			def = 0;
			use = 0;
			break;
		case BPF_EXIT:
			def = 0;
			use = r0;
			break;
		case BPF_CALL:
			def = ALL_CALLER_SAVED_REGS;
			use = def & ~r0;
			if (insn->src_reg == 0) {
				/* a helper reads only its declared arguments */
				const struct bpf_func_proto *fn =
				        bpf_env_func_proto(env, (u32)insn->imm);
				if (fn) {
					int n = 0;
					while (n < BPF_FUNC_MAX_ARGS &&
					       fn->arg_type[n] != ARG_DONTCARE)
						n++;
					use = (u16)(((1u << (n + 1)) - 1) & ~1u);
				}
			}
			break;
		default:
			def = 0;
			use = BPF_SRC(insn->code) == BPF_K ? dst : (dst | src);
		}
		break;
	}
	info->def = def;
	info->use = use;
}

int compute_postorder(struct bpf_verifier_env *env)
{
	u32 n = env->len, cur = 0, succ[2];
	int *post = calloc(n, sizeof(int)), *state = calloc(n, sizeof(int));
	int *stack = calloc(n, sizeof(int));
	if (!post || !state || !stack) {
		free(post);
		free(state);
		free(stack);
		return -ENOMEM;
	}
	/* each subprogram on its own, calls not followed; both successors are pushed */
	for (u32 i = 0; i < env->subprog_cnt; i++) {
		u32 sz = 1;
		env->subprog_info[i].postorder_start = cur;
		stack[0] = (int)env->subprog_info[i].start;
		do {
			int top = stack[sz - 1];
			state[top] |= DISCOVERED;
			if (state[top] & EXPLORED) {
				post[cur++] = top;
				sz--;
				continue;
			}
			int cnt = bpf_insn_successors(env, (u32)top, succ);
			for (int s = 0; s < cnt; ++s)
				if (succ[s] < n && !state[succ[s]]) {
					stack[sz++] = (int)succ[s];
					state[succ[s]] |= DISCOVERED;
				}
			state[top] |= EXPLORED;
		} while (sz);
	}
	env->subprog_info[env->subprog_cnt].postorder_start = cur;
	env->insn_postorder = post;
	env->insn_postorder_cnt = cur;
	free(state);
	free(stack);
	return 0;
}

int compute_live_registers(struct bpf_verifier_env *env)
{
	const int *postorder = env->insn_postorder;
	int postorder_cnt = (int)env->insn_postorder_cnt;
	struct insn_live_regs *state = calloc(env->len, sizeof *state);
	u32 succ[2];
	if (!state)
		return -ENOMEM;
	for (u32 i = 0; i < env->len; ++i)
		compute_insn_live_regs(env, &env->insns[i], &state[i]);
	for (bool changed = true; changed;) {
		changed = false;
		for (int i = 0; i < postorder_cnt; ++i) {
			u32 idx = (u32)postorder[i];
			struct insn_live_regs *live = &state[idx];
			u16 new_out = 0, new_in;
			int cnt = bpf_insn_successors(env, idx, succ);
			for (int s = 0; s < cnt; ++s)
				if (succ[s] < env->len)
					new_out |= state[succ[s]].in;
			new_in = (u16)((new_out & ~live->def) | live->use);
			if (new_out != live->out || new_in != live->in) {
				live->in = new_in;
				live->out = new_out;
				changed = true;
			}
		}
	}
	for (u32 i = 0; i < env->len; ++i)
		env->insn_aux_data[i].live_regs_before = state[i].in;
	if (env->log.level & BPF_LOG_LEVEL2) {
		verbose(env, "Live regs before insn:\n");
		for (u32 i = 0; i < env->len; ++i) {
			if (env->insn_aux_data[i].scc)
				verbose(env, "%3u ", env->insn_aux_data[i].scc);
			else
				verbose(env, "    ");
			verbose(env, "%3u: ", i);
			for (int j = BPF_REG_0; j < BPF_REG_10; ++j)
				verbose(env, "%c", (state[i].in & (1u << j)) ? '0' + j : '.');
			verbose(env, " ");
			print_bpf_insn(env, &env->insns[i]);
			if (userbpf_insn_is_ldimm64(&env->insns[i]))
				i++;
		}
	}
	free(state);
	return 0;
}

/* ---- combined stack depth of call chains ---- */

static int round_up_stack_depth(int depth)
{
	/* the kernel rounds to 16 for a JIT (x86-64 always JITs) */
	return (depth + 15) / 16 * 16;
}

static int check_max_stack_depth_subprog(struct bpf_verifier_env *env, int idx)
{
	struct bpf_subprog_info *subprog = env->subprog_info;
	struct bpf_insn *insn = env->insns;
	int depth = 0, frame = 0, i, subprog_end;
	bool tail_call_reachable = false;
	int ret_insn[MAX_CALL_FRAMES], ret_prog[MAX_CALL_FRAMES];

	i = (int)subprog[idx].start;
process_func:
	/* tail calls from deep frames could overflow the kernel stack */
	if (idx && subprog[idx].has_tail_call && depth >= 256) {
		verbose(env,
		        "tail_calls are not allowed when call stack of previous frames is %d "
		        "bytes. "
		        "Too large\n",
		        depth);
		return -EACCES;
	}
	depth += round_up_stack_depth(subprog[idx].stack_depth);
	if (depth > MAX_BPF_STACK) {
		verbose(env, "combined stack size of %d calls is %d. Too large\n", frame + 1,
		        depth);
		return -EACCES;
	}
continue_func:
	subprog_end = (int)subprog[idx + 1].start;
	for (; i < subprog_end; i++) {
		if (!userbpf_insn_is_pseudo_call(insn + i) &&
		    !userbpf_insn_is_pseudo_func(insn + i))
			continue;
		/* remember where to return to */
		ret_insn[frame] = i + 1;
		ret_prog[frame] = idx;
		int next_insn = i + insn[i].imm + 1;
		int sidx = find_subprog(env, next_insn);
		if (sidx < 0) {
			verbose(env, "verifier bug: callee not found at insn %d\n", next_insn);
			return -EFAULT;
		}
		if (subprog[sidx].is_async_cb && !userbpf_insn_is_pseudo_call(insn + i))
			continue; /* async callbacks do not use this stack */
		i = next_insn;
		idx = sidx;
		if (subprog[idx].has_tail_call)
			tail_call_reachable = true;
		frame++;
		if (frame >= MAX_CALL_FRAMES) {
			verbose(env, "the call stack of %d frames is too deep !\n", frame);
			return -E2BIG;
		}
		goto process_func;
	}
	if (tail_call_reachable)
		for (int j = 0; j < frame; j++)
			subprog[ret_prog[j]].tail_call_reachable = true;
	if (frame == 0)
		return 0;
	depth -= round_up_stack_depth(subprog[idx].stack_depth);
	frame--;
	i = ret_insn[frame];
	idx = ret_prog[frame];
	goto continue_func;
}

int check_max_stack_depth(struct bpf_verifier_env *env)
{
	for (u32 i = 0; i < env->subprog_cnt; i++) {
		if (i && !env->subprog_info[i].is_async_cb)
			continue;
		int ret = check_max_stack_depth_subprog(env, (int)i);
		if (ret < 0)
			return ret;
	}
	return 0;
}
