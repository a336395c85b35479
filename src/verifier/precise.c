/* precise.c — precision backtracking (mark_chain_precision).
 *
 * Scalars start imprecise: pruning treats any two imprecise scalars as equivalent. When a
 * scalar's exact value decides safety (a size, a pointer offset, a branch known from
 * the values, a return value), it and every value it was computed from must be precise in
 * the checkpoint states, so that a later state only prunes against them if its values are
 * within theirs. Backtracking walks the instructions of the current state backwards (the
 * jump history gives the non-linear steps and the stack slots of spills/fills), turning
 * "r1 needs precision after insn i" into what it needs before i, then continues in the
 * parent checkpoint, marking its registers and slots precise. The log lines at level 2
 * ("mark_precise: frame0: regs=r1 stack= before 1: (b7) r1 = 5") are the kernel's.
 */
#include <stdio.h>
#include <string.h>

#include "verifier/verifier.h"

#define BPF_REGMASK_ARGS                                                                           \
	((1u << BPF_REG_1) | (1u << BPF_REG_2) | (1u << BPF_REG_3) | (1u << BPF_REG_4) |           \
	 (1u << BPF_REG_5))

static void bt_init(struct backtrack_state *bt, u32 frame)
{
	bt->frame = frame;
}

static void bt_reset(struct backtrack_state *bt)
{
	struct bpf_verifier_env *env = bt->env;
	memset(bt, 0, sizeof *bt);
	bt->env = env;
}

static u32 bt_empty(const struct backtrack_state *bt)
{
	u64 mask = 0;
	for (u32 i = 0; i <= bt->frame; i++)
		mask |= bt->reg_masks[i] | bt->stack_masks[i];
	return mask == 0;
}

static int bt_subprog_enter(struct backtrack_state *bt)
{
	if (bt->frame == MAX_CALL_FRAMES - 1)
		return -EFAULT;
	bt->frame++;
	return 0;
}

static int bt_subprog_exit(struct backtrack_state *bt)
{
	if (bt->frame == 0)
		return -EFAULT;
	bt->frame--;
	return 0;
}

static void bt_set_frame_reg(struct backtrack_state *bt, u32 frame, u32 reg)
{
	bt->reg_masks[frame] |= 1u << reg;
}

static void bt_clear_frame_reg(struct backtrack_state *bt, u32 frame, u32 reg)
{
	bt->reg_masks[frame] &= ~(1u << reg);
}

static void bt_set_reg(struct backtrack_state *bt, u32 reg)
{
	bt_set_frame_reg(bt, bt->frame, reg);
}

static void bt_clear_reg(struct backtrack_state *bt, u32 reg)
{
	bt_clear_frame_reg(bt, bt->frame, reg);
}

void bt_set_frame_slot(struct backtrack_state *bt, u32 frame, u32 slot)
{
	bt->stack_masks[frame] |= 1ull << slot;
}

static void bt_clear_frame_slot(struct backtrack_state *bt, u32 frame, u32 slot)
{
	bt->stack_masks[frame] &= ~(1ull << slot);
}

static u32 bt_reg_mask(const struct backtrack_state *bt)
{
	return bt->reg_masks[bt->frame];
}

static u64 bt_stack_mask(const struct backtrack_state *bt)
{
	return bt->stack_masks[bt->frame];
}

static bool bt_is_reg_set(const struct backtrack_state *bt, u32 reg)
{
	return bt->reg_masks[bt->frame] & (1u << reg);
}

static bool bt_is_frame_reg_set(const struct backtrack_state *bt, u32 frame, u32 reg)
{
	return bt->reg_masks[frame] & (1u << reg);
}

static bool bt_is_frame_slot_set(const struct backtrack_state *bt, u32 frame, u32 slot)
{
	return bt->stack_masks[frame] & (1ull << slot);
}

/* "r1,r6" */
static void fmt_reg_mask(char *buf, size_t sz, u32 mask)
{
	bool first = true;
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < 32 && n < sz; i++) {
		if (!(mask & (1u << i)))
			continue;
		n += (size_t)snprintf(buf + n, sz - n, "%sr%d", first ? "" : ",", i);
		first = false;
	}
}

/* "-8,-24" */
static void fmt_stack_mask(char *buf, size_t sz, u64 mask)
{
	bool first = true;
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < 64 && n < sz; i++) {
		if (!(mask & (1ull << i)))
			continue;
		n += (size_t)snprintf(buf + n, sz - n, "%s%d", first ? "" : ",", -(i + 1) * 8);
		first = false;
	}
}

static void bt_sync_linked_regs(struct backtrack_state *bt,
                                const struct bpf_jmp_history_entry *hist)
{
	u8 frameno[8], regno[8];
	bool is_reg[8], some_precise = false;
	int cnt;
	if (!hist || !hist->linked_regs)
		return;
	linked_regs_unpack(hist->linked_regs, &cnt, frameno, regno, is_reg);
	for (int i = 0; i < cnt; ++i)
		if ((is_reg[i] && bt_is_frame_reg_set(bt, frameno[i], regno[i])) ||
		    (!is_reg[i] && bt_is_frame_slot_set(bt, frameno[i], regno[i]))) {
			some_precise = true;
			break;
		}
	if (!some_precise)
		return;
	for (int i = 0; i < cnt; ++i) {
		if (is_reg[i])
			bt_set_frame_reg(bt, frameno[i], regno[i]);
		else
			bt_set_frame_slot(bt, frameno[i], regno[i]);
	}
}

static bool calls_callback(struct bpf_verifier_env *env, int idx)
{
	return idx >= 0 && (u32)idx < env->len && env->insn_aux_data[idx].calls_callback;
}

static bool is_sync_callback_calling_insn(struct bpf_verifier_env *env, int idx)
{
	return calls_callback(env, idx);
}

/* What the precision wanted after insn idx means before it. -ENOTSUPP: give up (all
 * scalars precise). */
static int backtrack_insn(struct bpf_verifier_env *env, int idx, int subseq_idx,
                          const struct bpf_jmp_history_entry *hist, struct backtrack_state *bt)
{
	struct bpf_insn *insn = env->insns + idx;
	u8 class = BPF_CLASS(insn->code), opcode = BPF_OP(insn->code), mode = BPF_MODE(insn->code);
	u32 dreg = insn->dst_reg, sreg = insn->src_reg, spi, fr;

	if (insn->code == 0)
		return 0;
	if (env->log.level & BPF_LOG_LEVEL2) {
		fmt_reg_mask(env->tmp_str_buf, sizeof env->tmp_str_buf, bt_reg_mask(bt));
		verbose(env, "mark_precise: frame%u: regs=%s ", bt->frame, env->tmp_str_buf);
		fmt_stack_mask(env->tmp_str_buf, sizeof env->tmp_str_buf, bt_stack_mask(bt));
		verbose(env, "stack=%s before ", env->tmp_str_buf);
		verbose(env, "%d: ", idx);
		print_bpf_insn(env, insn);
	}
	/* registers that gained range together at this insn share precision */
	bt_sync_linked_regs(bt, hist);

	if (class == BPF_ALU || class == BPF_ALU64) {
		if (!bt_is_reg_set(bt, dreg))
			return 0;
		if (opcode == BPF_END || opcode == BPF_NEG) {
			return 0; /* dreg still needs precision before */
		} else if (opcode == BPF_MOV) {
			bt_clear_reg(bt, dreg);
			if (BPF_SRC(insn->code) == BPF_X && sreg != BPF_REG_FP)
				bt_set_reg(bt, sreg);
		} else if (BPF_SRC(insn->code) == BPF_X) {
			if (sreg != BPF_REG_FP)
				bt_set_reg(bt, sreg);
		}
	} else if (class == BPF_LDX ||
	           (class == BPF_STX && mode == BPF_ATOMIC && insn->imm == BPF_LOAD_ACQ)) {
		if (!bt_is_reg_set(bt, dreg))
			return 0;
		bt_clear_reg(bt, dreg);
		/* only a fill from the stack carries a scalar's precision further */
		if (!hist || !(hist->flags & INSN_F_STACK_ACCESS))
			return 0;
		spi = (hist->flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
		fr = hist->flags & INSN_F_FRAMENO_MASK;
		bt_set_frame_slot(bt, fr, spi);
	} else if (class == BPF_STX || class == BPF_ST) {
		if (bt_is_reg_set(bt, dreg))
			return -ENOTSUPP; /* a scalar used as an address: pointer subtraction */
		if (!hist || !(hist->flags & INSN_F_STACK_ACCESS))
			return 0;
		spi = (hist->flags >> INSN_F_SPI_SHIFT) & INSN_F_SPI_MASK;
		fr = hist->flags & INSN_F_FRAMENO_MASK;
		if (!bt_is_frame_slot_set(bt, fr, spi))
			return 0;
		bt_clear_frame_slot(bt, fr, spi);
		if (class == BPF_STX)
			bt_set_reg(bt, sreg);
	} else if (class == BPF_JMP || class == BPF_JMP32) {
		if (userbpf_insn_is_pseudo_call(insn)) {
			/* a static subprog's call: we leave its frame; r1-r5 are the caller's */
			if (bt_reg_mask(bt) & ~BPF_REGMASK_ARGS)
				return -EFAULT;
			if (bt_stack_mask(bt) != 0)
				return -EFAULT;
			for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++) {
				if (bt_is_reg_set(bt, i)) {
					bt_clear_reg(bt, i);
					bt_set_frame_reg(bt, bt->frame - 1, i);
				}
			}
			return bt_subprog_exit(bt) ? -EFAULT : 0;
		} else if (is_sync_callback_calling_insn(env, idx) && idx != subseq_idx - 1) {
			/* leaving a callback for the helper that called it */
			if (bt_reg_mask(bt) & ~BPF_REGMASK_ARGS)
				return -EFAULT;
			if (bt_stack_mask(bt) != 0)
				return -EFAULT;
			for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
				bt_clear_reg(bt, i);
			return bt_subprog_exit(bt) ? -EFAULT : 0;
		} else if (opcode == BPF_CALL) {
			if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL && insn->imm == 0)
				return -ENOTSUPP;
			/* a helper sets r0; its arguments were found before */
			bt_clear_reg(bt, BPF_REG_0);
			if (bt_reg_mask(bt) & BPF_REGMASK_ARGS)
				return -EFAULT;
			if (insn->src_reg == 0 && insn->imm == BPF_FUNC_tail_call &&
			    subseq_idx - 1 != idx && bt_subprog_exit(bt))
				return -EFAULT;
		} else if (opcode == BPF_EXIT) {
			/* backwards into the callee that returned here */
			if (subseq_idx >= 0 && calls_callback(env, subseq_idx))
				for (u32 i = BPF_REG_1; i <= BPF_REG_5; i++)
					bt_clear_reg(bt, i);
			if (bt_reg_mask(bt) & BPF_REGMASK_ARGS)
				return -EFAULT;
			bool r0_precise =
			        subseq_idx - 1 >= 0 &&
			        userbpf_insn_is_pseudo_call(&env->insns[subseq_idx - 1]) &&
			        bt_is_reg_set(bt, BPF_REG_0);
			bt_clear_reg(bt, BPF_REG_0);
			if (bt_subprog_enter(bt))
				return -EFAULT;
			if (r0_precise)
				bt_set_reg(bt, BPF_REG_0);
			return 0;
		} else if (BPF_SRC(insn->code) == BPF_X) {
			if (!bt_is_reg_set(bt, dreg) && !bt_is_reg_set(bt, sreg))
				return 0;
			/* both sides of a comparison decided a range */
			if (!hist || !(hist->flags & INSN_F_SRC_REG_STACK))
				bt_set_reg(bt, sreg);
			if (!hist || !(hist->flags & INSN_F_DST_REG_STACK))
				bt_set_reg(bt, dreg);
		}
	} else if (class == BPF_LD) {
		if (!bt_is_reg_set(bt, dreg))
			return 0;
		bt_clear_reg(bt, dreg);
		if (mode == BPF_IND || mode == BPF_ABS)
			return -ENOTSUPP;
	}
	bt_sync_linked_regs(bt, hist);
	return 0;
}

static const struct bpf_jmp_history_entry *get_jmp_hist_entry(const struct bpf_verifier_state *st,
                                                              u32 hist_end, int insn_idx)
{
	if (hist_end > 0 && st->jmp_history[hist_end - 1].idx == (u32)insn_idx)
		return &st->jmp_history[hist_end - 1];
	return NULL;
}

static int get_prev_insn_idx(const struct bpf_verifier_state *st, int i, u32 *history)
{
	u32 cnt = *history;
	if (i == (int)st->first_insn_idx) {
		if (cnt == 0)
			return -ENOENT;
		if (cnt == 1 && st->jmp_history[0].idx == (u32)i)
			return -ENOENT;
	}
	if (cnt && st->jmp_history[cnt - 1].idx == (u32)i) {
		i = (int)st->jmp_history[cnt - 1].prev_idx;
		(*history)--;
	} else {
		i--;
	}
	return i;
}

static bool is_spilled_scalar_reg(const struct bpf_stack_state *stack)
{
	return stack->slot_type[BPF_REG_SIZE - 1] == STACK_SPILL &&
	       stack->spilled_ptr.type == SCALAR_VALUE;
}

/* The big hammer: every scalar of every checkpoint on this path becomes precise. */
void mark_all_scalars_precise(struct bpf_verifier_env *env, struct bpf_verifier_state *st)
{
	if (env->log.level & BPF_LOG_LEVEL2)
		verbose(env, "mark_precise: frame%u: falling back to forcing all scalars precise\n",
		        st->curframe);
	for (st = st->parent; st; st = st->parent) {
		for (u32 i = 0; i <= st->curframe; i++) {
			struct bpf_func_state *func = st->frame[i];
			for (int j = 0; j < BPF_REG_FP; j++) {
				struct bpf_reg_state *reg = &func->regs[j];
				if (reg->type != SCALAR_VALUE || reg->precise)
					continue;
				reg->precise = true;
				if (env->log.level & BPF_LOG_LEVEL2)
					verbose(env,
					        "force_precise: frame%u: forcing r%d to be "
					        "precise\n",
					        i, j);
			}
			for (int j = 0; j < func->allocated_stack / BPF_REG_SIZE; j++) {
				if (!is_spilled_scalar_reg(&func->stack[j]))
					continue;
				struct bpf_reg_state *reg = &func->stack[j].spilled_ptr;
				if (reg->precise)
					continue;
				reg->precise = true;
				if (env->log.level & BPF_LOG_LEVEL2)
					verbose(env,
					        "force_precise: frame%u: forcing fp%d to be "
					        "precise\n",
					        i, -(j + 1) * 8);
			}
		}
	}
}

int __mark_chain_precision(struct bpf_verifier_env *env, struct bpf_verifier_state *starting_state,
                           int regno, bool *changed)
{
	bool ignored;
	struct bpf_verifier_state *st = starting_state;
	struct backtrack_state *bt = &env->bt;
	int first_idx = (int)st->first_insn_idx;
	int last_idx = (int)starting_state->insn_idx;
	int subseq_idx = -1;
	bool skip_first = true;
	int err;

	if (!env->bpf_capable)
		return 0;
	changed = changed ? changed : &ignored;
	bt->env = env;
	bt_init(bt, starting_state->curframe);
	/* the current state itself is not marked: only checkpoints are compared */
	if (regno >= 0) {
		struct bpf_reg_state *reg = &st->frame[bt->frame]->regs[regno];
		if (reg->type != SCALAR_VALUE) {
			verbose(env, "verifier bug: backtracking misuse\n");
			bt_reset(bt);
			return -EFAULT;
		}
		bt_set_reg(bt, (u32)regno);
	}
	if (bt_empty(bt))
		return 0;

	for (;;) {
		u32 history = st->jmp_history_cnt;
		if (env->log.level & BPF_LOG_LEVEL2)
			verbose(env,
			        "mark_precise: frame%u: last_idx %d first_idx %d subseq_idx %d \n",
			        bt->frame, last_idx, first_idx, subseq_idx);
		if (last_idx < 0) {
			/* the entry of a subprogram verified on its own: its r1-r5 */
			if (st->curframe == 0 && st->frame[0]->subprogno > 0 &&
			    st->frame[0]->callsite == -1 && bt_stack_mask(bt) == 0 &&
			    (bt_reg_mask(bt) & ~BPF_REGMASK_ARGS) == 0) {
				for (int i = 0; i < 32; i++) {
					if (!(bt_reg_mask(bt) & (1u << i)))
						continue;
					struct bpf_reg_state *reg = &st->frame[0]->regs[i];
					bt_clear_reg(bt, (u32)i);
					if (reg->type == SCALAR_VALUE) {
						reg->precise = true;
						*changed = true;
					}
				}
				return 0;
			}
			verbose(env,
			        "verifier bug: backtracking func entry subprog %u reg_mask %x "
			        "stack_mask %llx\n",
			        st->frame[0]->subprogno, bt_reg_mask(bt),
			        (unsigned long long)bt_stack_mask(bt));
			bt_reset(bt);
			return -EFAULT;
		}

		for (int i = last_idx;;) {
			if (skip_first) {
				err = 0;
				skip_first = false;
			} else {
				const struct bpf_jmp_history_entry *hist =
				        get_jmp_hist_entry(st, history, i);
				err = backtrack_insn(env, i, subseq_idx, hist, bt);
			}
			if (err == -ENOTSUPP) {
				mark_all_scalars_precise(env, starting_state);
				bt_reset(bt);
				return 0;
			} else if (err) {
				verbose(env, "verifier bug: backtracking failed at insn %d\n", i);
				bt_reset(bt);
				return err;
			}
			if (bt_empty(bt))
				return 0; /* every tracked value was assigned in this state */
			subseq_idx = i;
			i = get_prev_insn_idx(st, i, &history);
			if (i == -ENOENT)
				break;
			if (i < 0 || (u32)i >= env->len) {
				verbose(env, "verifier bug: backtracking idx %d\n", i);
				bt_reset(bt);
				return -EFAULT;
			}
		}
		st = st->parent;
		if (!st)
			break;

		for (int fr = (int)bt->frame; fr >= 0; fr--) {
			struct bpf_func_state *func = st->frame[fr];
			for (int i = 0; i < 32; i++) {
				if (!(bt->reg_masks[fr] & (1u << i)))
					continue;
				struct bpf_reg_state *reg = &func->regs[i];
				if (reg->type != SCALAR_VALUE || reg->precise) {
					bt_clear_frame_reg(bt, (u32)fr, (u32)i);
				} else {
					reg->precise = true;
					*changed = true;
				}
			}
			for (int i = 0; i < 64; i++) {
				if (!(bt->stack_masks[fr] & (1ull << i)))
					continue;
				if (i >= func->allocated_stack / BPF_REG_SIZE) {
					verbose(env,
					        "verifier bug: stack slot %d, total slots %d\n", i,
					        func->allocated_stack / BPF_REG_SIZE);
					bt_reset(bt);
					return -EFAULT;
				}
				if (!is_spilled_scalar_reg(&func->stack[i])) {
					bt_clear_frame_slot(bt, (u32)fr, (u32)i);
					continue;
				}
				struct bpf_reg_state *reg = &func->stack[i].spilled_ptr;
				if (reg->precise) {
					bt_clear_frame_slot(bt, (u32)fr, (u32)i);
				} else {
					reg->precise = true;
					*changed = true;
				}
			}
			if (env->log.level & BPF_LOG_LEVEL2) {
				fmt_reg_mask(env->tmp_str_buf, sizeof env->tmp_str_buf,
				             bt->reg_masks[fr]);
				verbose(env, "mark_precise: frame%d: parent state regs=%s ", fr,
				        env->tmp_str_buf);
				fmt_stack_mask(env->tmp_str_buf, sizeof env->tmp_str_buf,
				               bt->stack_masks[fr]);
				verbose(env, "stack=%s: ", env->tmp_str_buf);
				print_verifier_state(env, st, (u32)fr, true);
			}
		}
		if (bt_empty(bt))
			return 0;
		subseq_idx = first_idx;
		last_idx = (int)st->last_insn_idx;
		first_idx = (int)st->first_insn_idx;
	}
	/* something was missed (e.g. a stack access not through r10): everything precise */
	if (!bt_empty(bt)) {
		mark_all_scalars_precise(env, starting_state);
		bt_reset(bt);
	}
	return 0;
}

int mark_chain_precision(struct bpf_verifier_env *env, int regno)
{
	return __mark_chain_precision(env, env->cur_state, regno, NULL);
}

int mark_chain_precision_batch(struct bpf_verifier_env *env)
{
	return __mark_chain_precision(env, env->cur_state, -1, NULL);
}
