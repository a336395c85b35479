/* states.c — verifier states: copies, the stack of states to explore, and pruning.
 *
 * The walk is depth first. A conditional jump pushes a copy of the current state for the
 * other side (push_stack); an exit pops the next one (pop_stack). At prune points
 * (is_state_visited) the current state is compared with the states already seen there:
 * if an old, fully explored state is at least as general (states_equal: regsafe for the
 * live registers, stacksafe for the stack slots it read, refsafe), the current path is
 * safe and stops. Otherwise the current state may become a new checkpoint: it is copied
 * into the list for that instruction and becomes the parent of the current state.
 *
 * Liveness (as 6.18): registers use the static per-insn sets of compute_live_registers,
 * stack slots the live stack analysis (live_stack.c); an explored state is "cleaned" of
 * what is dead before it is compared. Precision: old scalars that are not precise accept
 * any current scalar; precise ones require range and tnum containment. A hit propagates
 * the old state's precision to the current one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier.h"

struct bpf_verifier_stack_elem {
	/* the state before insn_idx, after prev_insn_idx */
	struct bpf_verifier_state st;
	int insn_idx;
	int prev_insn_idx;
	struct bpf_verifier_stack_elem *next;
	u64 log_pos; /* log length when pushed (level 1 drops a verified path's lines) */
};

enum exact_level { NOT_EXACT, EXACT, RANGE_WITHIN };

/* ---- copying and freeing ---- */

static void free_func_state(struct bpf_func_state *state)
{
	if (!state)
		return;
	free(state->stack);
	free(state);
}

void free_verifier_state(struct bpf_verifier_state *state, bool free_self)
{
	for (u32 i = 0; i <= state->curframe && i < MAX_CALL_FRAMES; i++) {
		free_func_state(state->frame[i]);
		state->frame[i] = NULL;
	}
	free(state->refs);
	state->refs = NULL;
	free(state->jmp_history);
	state->jmp_history = NULL;
	if (free_self)
		free(state);
}

static int copy_func_state(struct bpf_func_state *dst, const struct bpf_func_state *src)
{
	size_t n = (size_t)src->allocated_stack / BPF_REG_SIZE;
	struct bpf_stack_state *stack = dst->stack;
	if (n) {
		stack = realloc(stack, n * sizeof *stack);
		if (!stack)
			return -ENOMEM;
		memcpy(stack, src->stack, n * sizeof *stack);
	} else {
		free(stack);
		stack = NULL;
	}
	*dst = *src;
	dst->stack = stack;
	return 0;
}

static int copy_reference_state(struct bpf_verifier_state *dst,
                                const struct bpf_verifier_state *src)
{
	if (src->acquired_refs) {
		void *r = realloc(dst->refs, src->acquired_refs * sizeof *src->refs);
		if (!r)
			return -ENOMEM;
		dst->refs = r;
		memcpy(dst->refs, src->refs, src->acquired_refs * sizeof *src->refs);
	}
	dst->acquired_refs = src->acquired_refs;
	dst->active_locks = src->active_locks;
	dst->active_preempt_locks = src->active_preempt_locks;
	dst->active_rcu_lock = src->active_rcu_lock;
	dst->active_irq_id = src->active_irq_id;
	dst->active_lock_id = src->active_lock_id;
	dst->active_lock_ptr = src->active_lock_ptr;
	return 0;
}

int copy_verifier_state(struct bpf_verifier_state *dst, const struct bpf_verifier_state *src)
{
	int err;
	if (src->jmp_history_cnt) {
		void *h =
		        realloc(dst->jmp_history, src->jmp_history_cnt * sizeof *src->jmp_history);
		if (!h)
			return -ENOMEM;
		dst->jmp_history = h;
		memcpy(dst->jmp_history, src->jmp_history,
		       src->jmp_history_cnt * sizeof *src->jmp_history);
	}
	dst->jmp_history_cnt = src->jmp_history_cnt;
	/* frames dst has beyond src's go */
	for (u32 i = src->curframe + 1; i <= dst->curframe && i < MAX_CALL_FRAMES; i++) {
		free_func_state(dst->frame[i]);
		dst->frame[i] = NULL;
	}
	if ((err = copy_reference_state(dst, src)))
		return err;
	dst->speculative = src->speculative;
	dst->in_sleepable = src->in_sleepable;
	dst->cleaned = src->cleaned;
	dst->curframe = src->curframe;
	dst->branches = src->branches;
	dst->parent = src->parent;
	dst->insn_idx = src->insn_idx;
	dst->first_insn_idx = src->first_insn_idx;
	dst->last_insn_idx = src->last_insn_idx;
	dst->dfs_depth = src->dfs_depth;
	dst->callback_unroll_depth = src->callback_unroll_depth;
	dst->may_goto_depth = src->may_goto_depth;
	dst->equal_state = src->equal_state;
	dst->loop_entry = src->loop_entry;
	for (u32 i = 0; i <= src->curframe; i++) {
		if (!dst->frame[i]) {
			dst->frame[i] = calloc(1, sizeof *dst->frame[i]);
			if (!dst->frame[i])
				return -ENOMEM;
		}
		if ((err = copy_func_state(dst->frame[i], src->frame[i])))
			return err;
	}
	return 0;
}

int grow_stack_state(struct bpf_verifier_env *env, struct bpf_func_state *state, int size)
{
	size_t old_n = (size_t)state->allocated_stack / BPF_REG_SIZE, n;
	size = (size + BPF_REG_SIZE - 1) / BPF_REG_SIZE * BPF_REG_SIZE;
	n = (size_t)size / BPF_REG_SIZE;
	if (old_n >= n)
		return 0;
	struct bpf_stack_state *s = realloc(state->stack, n * sizeof *s);
	if (!s)
		return -ENOMEM;
	memset(s + old_n, 0, (n - old_n) * sizeof *s);
	state->stack = s;
	state->allocated_stack = size;
	/* the known maximum of the subprogram */
	if (env->subprog_info[state->subprogno].stack_depth < size)
		env->subprog_info[state->subprogno].stack_depth = (u16)size;
	return 0;
}

/* ---- the stack of states to explore ---- */

struct bpf_verifier_state *push_stack(struct bpf_verifier_env *env, int insn_idx, int prev_insn_idx,
                                      bool speculative)
{
	struct bpf_verifier_state *cur = env->cur_state;
	struct bpf_verifier_stack_elem *elem = calloc(1, sizeof *elem);
	if (!elem) {
		verbose(env, "out of memory\n");
		return NULL;
	}
	elem->insn_idx = insn_idx;
	elem->prev_insn_idx = prev_insn_idx;
	elem->next = env->head;
	elem->log_pos = env->log.end_pos;
	env->head = elem;
	env->stack_size++;
	if (copy_verifier_state(&elem->st, cur))
		return NULL; /* freed with the stack */
	elem->st.speculative |= speculative;
	if (env->stack_size > BPF_COMPLEXITY_LIMIT_JMP_SEQ) {
		verbose(env, "The sequence of %d jumps is too complex.\n", env->stack_size);
		return NULL;
	}
	if (elem->st.parent)
		++elem->st.parent->branches;
	return &elem->st;
}

int pop_stack(struct bpf_verifier_env *env, int *prev_insn_idx, int *insn_idx, bool pop_log)
{
	struct bpf_verifier_state *cur = env->cur_state;
	struct bpf_verifier_stack_elem *elem, *head = env->head;
	int err;
	if (!head)
		return -ENOENT;
	if (cur && (err = copy_verifier_state(cur, &head->st)))
		return err;
	if (pop_log)
		bpf_vlog_reset(&env->log, head->log_pos);
	if (insn_idx)
		*insn_idx = head->insn_idx;
	if (prev_insn_idx)
		*prev_insn_idx = head->prev_insn_idx;
	elem = head->next;
	free_verifier_state(&head->st, false);
	free(head);
	env->head = elem;
	env->stack_size--;
	return 0;
}

static bool incomplete_read_marks(struct bpf_verifier_env *env,
                                  const struct bpf_verifier_state *st);

/* An evicted checkpoint is freed once nothing explores below it (no current path can
 * reach it through parent pointers any more) and no pending backedge of its loop may
 * still walk through it. */
static void maybe_free_verifier_state(struct bpf_verifier_env *env,
                                      struct bpf_verifier_state_list *sl)
{
	if (!sl->in_free_list || sl->state.branches != 0 || incomplete_read_marks(env, &sl->state))
		return;
	if (sl->prev)
		sl->prev->next = sl->next;
	else
		env->free_list = sl->next;
	if (sl->next)
		sl->next->prev = sl->prev;
	env->free_list_size--;
	free_verifier_state(&sl->state, false);
	free(sl);
}

/* ---- loops: the first checkpoint inside an SCC (per call chain) enters it ----
 *
 * A path that is found equal to a checkpoint of a loop still being explored (a may_goto
 * iteration, or any checkpoint of a loop with pending backedges) is pruned with what that
 * checkpoint knows *so far*: paths of the loop not yet explored may still make more of its
 * scalars precise. So a copy of the pruned state is kept as a "backedge" of the loop's
 * visit; when the state that entered the loop has no branches left (the whole loop is
 * explored), the checkpoints' precision is propagated along every backedge again, until
 * nothing changes (propagate_backedges). Meanwhile checkpoints of that loop are compared
 * RANGE_WITHIN and are neither cleaned nor freed. Backedges count in peak_states. */

struct bpf_scc_backedge {
	struct bpf_scc_backedge *next;
	struct bpf_verifier_state state; /* the pruned state; equal_state: the checkpoint */
};

#define MAX_BACKEDGE_ITERS 64

static u32 frame_insn_idx(const struct bpf_verifier_state *st, u32 frame);

/* The call chain to the innermost loop of st: callsites outside loops, then the SCC. */
static bool compute_scc_callchain(struct bpf_verifier_env *env, const struct bpf_verifier_state *st,
                                  struct bpf_scc_visit *cc)
{
	memset(cc, 0, sizeof *cc);
	for (u32 i = 0; i <= st->curframe; i++) {
		u32 insn_idx = frame_insn_idx(st, i);
		u32 scc = env->insn_aux_data[insn_idx].scc;
		if (scc) {
			cc->scc = scc;
			return true;
		} else if (i < st->curframe) {
			cc->callsites[i] = insn_idx;
		} else {
			return false;
		}
	}
	return false;
}

static struct bpf_scc_visit *scc_visit_lookup(struct bpf_verifier_env *env,
                                              const struct bpf_scc_visit *cc)
{
	for (u32 i = 0; i < env->scc_visit_cnt; i++)
		if (env->scc_visits[i].scc == cc->scc &&
		    !memcmp(env->scc_visits[i].callsites, cc->callsites, sizeof cc->callsites))
			return &env->scc_visits[i];
	return NULL;
}

static const char *format_callchain(struct bpf_verifier_env *env, const struct bpf_scc_visit *cc)
{
	char *buf = env->tmp_str_buf;
	size_t n = 0, sz = sizeof env->tmp_str_buf;
	n += (size_t)snprintf(buf + n, sz - n, "(");
	for (u32 i = 0; i < MAX_CALL_FRAMES - 1 && cc->callsites[i] && n < sz; i++)
		n += (size_t)snprintf(buf + n, sz - n, "%u,", cc->callsites[i]);
	if (n < sz)
		snprintf(buf + n, sz - n, "%u)", cc->scc);
	return buf;
}

static int maybe_enter_scc(struct bpf_verifier_env *env, struct bpf_verifier_state *st)
{
	struct bpf_scc_visit cc, *visit;
	if (!compute_scc_callchain(env, st, &cc))
		return 0;
	visit = scc_visit_lookup(env, &cc);
	if (!visit) {
		void *n = realloc(env->scc_visits, (env->scc_visit_cnt + 1) * sizeof cc);
		if (!n)
			return -ENOMEM;
		env->scc_visits = n;
		visit = &env->scc_visits[env->scc_visit_cnt++];
		*visit = cc;
	}
	if (!visit->entry_state) {
		visit->entry_state = st;
		if (env->log.level & BPF_LOG_LEVEL2)
			verbose(env, "SCC enter %s\n", format_callchain(env, &cc));
	}
	return 0;
}

static void update_peak_states(struct bpf_verifier_env *env)
{
	u32 cur = env->explored_states_size + env->free_list_size + env->num_backedges;
	if (env->peak_states < cur)
		env->peak_states = cur;
}

/* Checkpoints of a loop that has pending backedges may still gain precision. */
static bool incomplete_read_marks(struct bpf_verifier_env *env, const struct bpf_verifier_state *st)
{
	struct bpf_scc_visit cc, *visit;
	if (!compute_scc_callchain(env, st, &cc))
		return false;
	visit = scc_visit_lookup(env, &cc);
	return visit && visit->backedges;
}

static void free_backedges(struct bpf_scc_visit *visit)
{
	struct bpf_scc_backedge *b, *next;
	for (b = visit->backedges; b; b = next) {
		next = b->next;
		free_verifier_state(&b->state, false);
		free(b);
	}
	visit->backedges = NULL;
}

static int add_scc_backedge(struct bpf_verifier_env *env, const struct bpf_verifier_state *st,
                            struct bpf_scc_backedge *backedge)
{
	struct bpf_scc_visit cc, *visit;
	if (!compute_scc_callchain(env, st, &cc)) {
		verbose(env,
		        "verifier bug: add backedge: no SCC in verification path, insn_idx %u\n",
		        st->insn_idx);
		return -EFAULT;
	}
	visit = scc_visit_lookup(env, &cc);
	if (!visit) {
		verbose(env, "verifier bug: add backedge: no visit info for call chain %s\n",
		        format_callchain(env, &cc));
		return -EFAULT;
	}
	if (env->log.level & BPF_LOG_LEVEL2)
		verbose(env, "SCC backedge %s\n", format_callchain(env, &cc));
	backedge->next = visit->backedges;
	visit->backedges = backedge;
	visit->num_backedges++;
	env->num_backedges++;
	update_peak_states(env);
	return 0;
}

static int propagate_precision(struct bpf_verifier_env *env, const struct bpf_verifier_state *old,
                               struct bpf_verifier_state *cur, bool *changed);

/* The loop is explored: what its checkpoints needed (precise scalars) flows along every
 * backedge into the pruned paths' ancestors, until a fixed point. */
static int propagate_backedges(struct bpf_verifier_env *env, struct bpf_scc_visit *visit)
{
	struct bpf_scc_backedge *b;
	bool changed;
	int i = 0, err;
	do {
		if (i++ > MAX_BACKEDGE_ITERS) {
			if (env->log.level & BPF_LOG_LEVEL2)
				verbose(env, "propagate_backedges: too many iterations\n");
			for (b = visit->backedges; b; b = b->next)
				mark_all_scalars_precise(env, &b->state);
			break;
		}
		changed = false;
		for (b = visit->backedges; b; b = b->next)
			if ((err = propagate_precision(env, b->state.equal_state, &b->state,
			                               &changed)))
				return err;
	} while (changed);
	free_backedges(visit);
	return 0;
}

static int maybe_exit_scc(struct bpf_verifier_env *env, struct bpf_verifier_state *st)
{
	struct bpf_scc_visit cc, *visit;
	if (!compute_scc_callchain(env, st, &cc))
		return 0;
	visit = scc_visit_lookup(env, &cc);
	if (!visit) {
		/* only a checkpoint (which entered its loop) can end a path inside one */
		verbose(env, "verifier bug: scc exit: no visit info for call chain %s\n",
		        format_callchain(env, &cc));
		return -EFAULT;
	}
	if (visit->entry_state != st)
		return 0;
	if (env->log.level & BPF_LOG_LEVEL2)
		verbose(env, "SCC exit %s\n", format_callchain(env, &cc));
	visit->entry_state = NULL;
	env->num_backedges -= visit->num_backedges;
	visit->num_backedges = 0;
	update_peak_states(env);
	return propagate_backedges(env, visit);
}

int update_branch_counts(struct bpf_verifier_env *env, struct bpf_verifier_state *st)
{
	bool is_sl = false; /* the first is the current state, its parents are checkpoints */
	int err;
	while (st) {
		u32 br = --st->branches;
		struct bpf_verifier_state *parent = st->parent;
		if (br)
			break;
		if ((err = maybe_exit_scc(env, st)))
			return err;
		if (is_sl)
			maybe_free_verifier_state(env, (struct bpf_verifier_state_list *)st);
		st = parent;
		is_sl = true;
	}
	return 0;
}

/* ---- history for precision backtracking ---- */

int push_insn_history(struct bpf_verifier_env *env, struct bpf_verifier_state *cur, int insn_flags,
                      u64 linked_regs)
{
	struct bpf_jmp_history_entry *p;
	/* a second record for the same insn only adds flags */
	if (env->cur_hist_ent) {
		env->cur_hist_ent->flags |= (u32)insn_flags;
		if (linked_regs)
			env->cur_hist_ent->linked_regs = linked_regs;
		return 0;
	}
	p = realloc(cur->jmp_history, (cur->jmp_history_cnt + 1) * sizeof *p);
	if (!p)
		return -ENOMEM;
	cur->jmp_history = p;
	p = &cur->jmp_history[cur->jmp_history_cnt++];
	p->idx = (u32)env->insn_idx;
	p->prev_idx = (u32)env->prev_insn_idx & 0xfffff;
	p->flags = (u32)insn_flags;
	p->linked_regs = linked_regs;
	env->cur_hist_ent = p;
	return 0;
}

/* ---- stack slot liveness (live_stack.c) ---- */

void mark_stack_slot_read(struct bpf_verifier_env *env, const struct bpf_func_state *state, int spi)
{
	if (spi >= 0 && spi < 64)
		bpf_mark_stack_read(env, state->frameno, (u32)env->insn_idx, 1ull << spi);
}

void mark_stack_slot_written(struct bpf_verifier_env *env, struct bpf_func_state *state, int spi)
{
	if (spi >= 0 && spi < 64)
		bpf_mark_stack_write(env, state->frameno, 1ull << spi);
}

/* ---- state equivalence ---- */

static u32 frame_insn_idx(const struct bpf_verifier_state *st, u32 frame)
{
	return frame == st->curframe ? st->insn_idx : (u32)st->frame[frame + 1]->callsite;
}

static void reset_idmap_scratch(struct bpf_verifier_env *env)
{
	env->idmap_scratch.cur_id = env->id_gen;
	memset(env->idmap_scratch.map, 0, sizeof env->idmap_scratch.map);
}

/* old and cur ids must correspond one to one */
static bool check_ids(u32 old_id, u32 cur_id, struct bpf_idmap *idmap)
{
	if (!!old_id != !!cur_id)
		return false;
	if (!old_id)
		return true;
	for (u32 i = 0; i < BPF_ID_MAP_SIZE; i++) {
		if (!idmap->map[i].old) {
			idmap->map[i].old = old_id;
			idmap->map[i].cur = cur_id;
			return true;
		}
		if (idmap->map[i].old == old_id)
			return idmap->map[i].cur == cur_id;
		if (idmap->map[i].cur == cur_id)
			return false;
	}
	return false;
}

/* scalars: an old id only matters if the old state relied on the link */
static bool check_scalar_ids(u32 old_id, u32 cur_id, struct bpf_idmap *idmap)
{
	if (!old_id)
		return true;
	cur_id = cur_id ? cur_id : ++idmap->cur_id;
	return check_ids(old_id, cur_id, idmap);
}

static bool range_within(const struct bpf_reg_state *old, const struct bpf_reg_state *cur)
{
	return old->umin_value <= cur->umin_value && old->umax_value >= cur->umax_value &&
	       old->smin_value <= cur->smin_value && old->smax_value >= cur->smax_value &&
	       old->u32_min_value <= cur->u32_min_value &&
	       old->u32_max_value >= cur->u32_max_value &&
	       old->s32_min_value <= cur->s32_min_value && old->s32_max_value >= cur->s32_max_value;
}

static bool regs_exact(const struct bpf_reg_state *rold, const struct bpf_reg_state *rcur,
                       struct bpf_idmap *idmap)
{
	return memcmp(rold, rcur, offsetof(struct bpf_reg_state, id)) == 0 &&
	       check_ids(rold->id, rcur->id, idmap) &&
	       check_ids(rold->ref_obj_id, rcur->ref_obj_id, idmap);
}

/* Is a program that was safe with rold in a register also safe with rcur there? */
static bool regsafe(struct bpf_verifier_env *env, struct bpf_reg_state *rold,
                    struct bpf_reg_state *rcur, struct bpf_idmap *idmap, enum exact_level exact)
{
	if (exact == EXACT)
		return regs_exact(rold, rcur, idmap);
	if (rold->type == NOT_INIT && (exact == NOT_EXACT || rcur->type == NOT_INIT))
		return true; /* the explored state cannot have used it */
	/* types must match exactly, flags included (a maybe-null pointer's id matters) */
	if (rold->type != rcur->type)
		return false;
	switch (base_type(rold->type)) {
	case SCALAR_VALUE:
		if (env->explore_alu_limits)
			return memcmp(rold, rcur, offsetof(struct bpf_reg_state, id)) == 0 &&
			       check_scalar_ids(rold->id, rcur->id, idmap);
		if (!rold->precise && exact == NOT_EXACT)
			return true;
		if ((rold->id & BPF_ADD_CONST) != (rcur->id & BPF_ADD_CONST))
			return false;
		if ((rold->id & BPF_ADD_CONST) && rold->off != rcur->off)
			return false;
		return range_within(rold, rcur) && tnum_in(rold->var_off, rcur->var_off) &&
		       check_scalar_ids(rold->id, rcur->id, idmap);
	case PTR_TO_MAP_KEY:
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MEM:
	case PTR_TO_BUF:
	case PTR_TO_TP_BUFFER:
		/* the same object; the new offsets within the old ones */
		return memcmp(rold, rcur, offsetof(struct bpf_reg_state, var_off)) == 0 &&
		       range_within(rold, rcur) && tnum_in(rold->var_off, rcur->var_off) &&
		       check_ids(rold->id, rcur->id, idmap) &&
		       check_ids(rold->ref_obj_id, rcur->ref_obj_id, idmap);
	case PTR_TO_PACKET_META:
	case PTR_TO_PACKET:
		/* at least the old checked range, the same fixed offset */
		if (rold->range > rcur->range)
			return false;
		if (rold->off != rcur->off)
			return false;
		if (!check_ids(rold->id, rcur->id, idmap))
			return false;
		return range_within(rold, rcur) && tnum_in(rold->var_off, rcur->var_off);
	case PTR_TO_STACK:
		/* fp-8 in one frame is not fp-8 in another */
		return regs_exact(rold, rcur, idmap) && rold->frameno == rcur->frameno;
	case PTR_TO_ARENA:
		return true;
	default:
		return regs_exact(rold, rcur, idmap);
	}
}

static struct bpf_reg_state unbound_reg;

static bool is_spilled_reg(const struct bpf_stack_state *stack)
{
	return stack->slot_type[BPF_REG_SIZE - 1] == STACK_SPILL;
}

static bool is_stack_all_misc(struct bpf_verifier_env *env, const struct bpf_stack_state *stack)
{
	for (int i = 0; i < BPF_REG_SIZE; ++i) {
		if (stack->slot_type[i] == STACK_MISC ||
		    (stack->slot_type[i] == STACK_INVALID && env->allow_uninit_stack))
			continue;
		return false;
	}
	return true;
}

/* A scalar the slot holds (a 64-bit spill) or would give (all misc bytes). */
static struct bpf_reg_state *scalar_reg_for_stack(struct bpf_verifier_env *env,
                                                  struct bpf_stack_state *stack)
{
	if (stack->slot_type[0] == STACK_SPILL && stack->spilled_ptr.type == SCALAR_VALUE)
		return &stack->spilled_ptr;
	if (is_stack_all_misc(env, stack))
		return &unbound_reg;
	return NULL;
}

static bool stacksafe(struct bpf_verifier_env *env, struct bpf_func_state *old,
                      struct bpf_func_state *cur, struct bpf_idmap *idmap, enum exact_level exact)
{
	/* slots only the current state has were never used by the explored one */
	for (int i = 0; i < old->allocated_stack; i++) {
		int spi = i / BPF_REG_SIZE, b = i % BPF_REG_SIZE;
		u8 ot = old->stack[spi].slot_type[b];
		if (exact != NOT_EXACT &&
		    (i >= cur->allocated_stack || ot != cur->stack[spi].slot_type[b]))
			return false;
		if (ot == STACK_INVALID)
			continue;
		if (env->allow_uninit_stack && ot == STACK_MISC)
			continue;
		if (i >= cur->allocated_stack)
			return false;
		/* a 64-bit scalar spill and all-misc bytes compare as scalars */
		struct bpf_reg_state *old_reg = scalar_reg_for_stack(env, &old->stack[spi]);
		struct bpf_reg_state *cur_reg = scalar_reg_for_stack(env, &cur->stack[spi]);
		if (old_reg && cur_reg) {
			if (!regsafe(env, old_reg, cur_reg, idmap, exact))
				return false;
			i += BPF_REG_SIZE - 1;
			continue;
		}
		/* misc data was safe, so zeroes are */
		u8 ct = cur->stack[spi].slot_type[b];
		if (ot == STACK_MISC && ct == STACK_ZERO)
			continue;
		if (ot != ct)
			return false;
		if (b != BPF_REG_SIZE - 1)
			continue;
		switch (old->stack[spi].slot_type[BPF_REG_SIZE - 1]) {
		case STACK_SPILL:
			if (!regsafe(env, &old->stack[spi].spilled_ptr,
			             &cur->stack[spi].spilled_ptr, idmap, exact))
				return false;
			break;
		case STACK_DYNPTR:
			old_reg = &old->stack[spi].spilled_ptr;
			cur_reg = &cur->stack[spi].spilled_ptr;
			if (old_reg->dynptr.type != cur_reg->dynptr.type ||
			    old_reg->dynptr.first_slot != cur_reg->dynptr.first_slot ||
			    !check_ids(old_reg->ref_obj_id, cur_reg->ref_obj_id, idmap))
				return false;
			break;
		case STACK_ITER:
			old_reg = &old->stack[spi].spilled_ptr;
			cur_reg = &cur->stack[spi].spilled_ptr;
			if (old_reg->iter.btf_id != cur_reg->iter.btf_id ||
			    old_reg->iter.state != cur_reg->iter.state ||
			    !check_ids(old_reg->ref_obj_id, cur_reg->ref_obj_id, idmap))
				return false;
			break;
		case STACK_IRQ_FLAG:
			old_reg = &old->stack[spi].spilled_ptr;
			cur_reg = &cur->stack[spi].spilled_ptr;
			if (!check_ids(old_reg->ref_obj_id, cur_reg->ref_obj_id, idmap))
				return false;
			break;
		case STACK_MISC:
		case STACK_ZERO:
		case STACK_INVALID:
			continue;
		default:
			return false;
		}
	}
	return true;
}

static bool refsafe(const struct bpf_verifier_state *old, const struct bpf_verifier_state *cur,
                    struct bpf_idmap *idmap)
{
	if (old->acquired_refs != cur->acquired_refs || old->active_locks != cur->active_locks ||
	    old->active_preempt_locks != cur->active_preempt_locks ||
	    old->active_rcu_lock != cur->active_rcu_lock)
		return false;
	if (!check_ids(old->active_irq_id, cur->active_irq_id, idmap))
		return false;
	if (!check_ids(old->active_lock_id, cur->active_lock_id, idmap) ||
	    old->active_lock_ptr != cur->active_lock_ptr)
		return false;
	for (u32 i = 0; i < old->acquired_refs; i++) {
		if (!check_ids((u32)old->refs[i].id, (u32)cur->refs[i].id, idmap) ||
		    old->refs[i].type != cur->refs[i].type)
			return false;
		switch (old->refs[i].type) {
		case REF_TYPE_PTR:
		case REF_TYPE_IRQ:
			break;
		case REF_TYPE_LOCK:
		case REF_TYPE_RES_LOCK:
		case REF_TYPE_RES_LOCK_IRQ:
			if (old->refs[i].ptr != cur->refs[i].ptr)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

static bool func_states_equal(struct bpf_verifier_env *env, struct bpf_func_state *old,
                              struct bpf_func_state *cur, u32 insn_idx, enum exact_level exact)
{
	u16 live_regs = env->insn_aux_data[insn_idx].live_regs_before;
	if (old->callback_depth > cur->callback_depth)
		return false;
	for (int i = 0; i < MAX_BPF_REG; i++)
		if ((live_regs & (1u << i)) &&
		    !regsafe(env, &old->regs[i], &cur->regs[i], &env->idmap_scratch, exact))
			return false;
	return stacksafe(env, old, cur, &env->idmap_scratch, exact);
}

static bool states_equal(struct bpf_verifier_env *env, struct bpf_verifier_state *old,
                         struct bpf_verifier_state *cur, enum exact_level exact)
{
	if (old->curframe != cur->curframe)
		return false;
	reset_idmap_scratch(env);
	/* a speculative state never prunes a real one */
	if (old->speculative && !cur->speculative)
		return false;
	if (old->in_sleepable != cur->in_sleepable)
		return false;
	if (!refsafe(old, cur, &env->idmap_scratch))
		return false;
	for (u32 i = 0; i <= old->curframe; i++) {
		if (old->frame[i]->callsite != cur->frame[i]->callsite)
			return false;
		if (!func_states_equal(env, old->frame[i], cur->frame[i], frame_insn_idx(old, i),
		                       exact))
			return false;
	}
	return true;
}

/* ---- cleaning: what an explored state did not use is made "don't care" ---- */

static void clean_func_state(struct bpf_verifier_env *env, struct bpf_func_state *st, u32 ip,
                             u32 frame)
{
	u16 live_regs = env->insn_aux_data[ip].live_regs_before;
	for (int i = 0; i < BPF_REG_FP; i++)
		if (!(live_regs & (1u << i)))
			__mark_reg_not_init(env, &st->regs[i]);
	for (int i = 0; i < st->allocated_stack / BPF_REG_SIZE; i++) {
		if (bpf_stack_slot_alive(env, frame, (u32)i))
			continue;
		__mark_reg_not_init(env, &st->stack[i].spilled_ptr);
		for (int j = 0; j < BPF_REG_SIZE; j++)
			st->stack[i].slot_type[j] = STACK_INVALID;
	}
}

static bool same_callsites(const struct bpf_verifier_state *a, const struct bpf_verifier_state *b)
{
	if (a->curframe != b->curframe)
		return false;
	for (int fr = (int)a->curframe; fr >= 0; fr--)
		if (a->frame[fr]->callsite != b->frame[fr]->callsite)
			return false;
	return true;
}

/* The list of explored states for insn idx reached with the current frame's callsite: as
 * the kernel, a hash of both over len buckets (so states of other call sites are mostly
 * not visited, and colliding states of other insns are counted in max_states_per_insn). */
static struct bpf_verifier_state_list **explored_state(struct bpf_verifier_env *env, int idx)
{
	const struct bpf_func_state *state = env->cur_state->frame[env->cur_state->curframe];
	return &env->explored_states[((u32)idx ^ (u32)state->callsite) % env->len];
}

static void clean_live_states(struct bpf_verifier_env *env, int insn,
                              struct bpf_verifier_state *cur)
{
	for (struct bpf_verifier_state_list *sl = *explored_state(env, insn); sl; sl = sl->next) {
		if (sl->state.branches || sl->state.insn_idx != (u32)insn || sl->state.cleaned ||
		    !same_callsites(&sl->state, cur))
			continue;
		if (bpf_live_stack_query_init(env, &sl->state))
			continue;
		if (incomplete_read_marks(env, &sl->state))
			continue;
		sl->state.cleaned = true;
		for (u32 i = 0; i <= sl->state.curframe; i++)
			clean_func_state(env, sl->state.frame[i], frame_insn_idx(&sl->state, i), i);
	}
}

/* ---- hits: the current path inherits the precision the old one needed ---- */

static int propagate_precision(struct bpf_verifier_env *env, const struct bpf_verifier_state *old,
                               struct bpf_verifier_state *cur, bool *changed)
{
	bool any = false;
	for (int fr = (int)old->curframe; fr >= 0; fr--) {
		struct bpf_func_state *state = old->frame[fr];
		bool first = true;
		for (int i = 0; i < BPF_REG_FP; i++) {
			struct bpf_reg_state *r = &state->regs[i];
			if (r->type != SCALAR_VALUE || !r->precise)
				continue;
			if (env->log.level & BPF_LOG_LEVEL2) {
				if (first)
					verbose(env, "frame %d: propagating r%d", fr, i);
				else
					verbose(env, ",r%d", i);
			}
			env->bt.reg_masks[fr] |= 1u << i;
			first = false;
			any = true;
		}
		for (int i = 0; i < state->allocated_stack / BPF_REG_SIZE; i++) {
			if (!is_spilled_reg(&state->stack[i]))
				continue;
			struct bpf_reg_state *r = &state->stack[i].spilled_ptr;
			if (r->type != SCALAR_VALUE || !r->precise)
				continue;
			if (env->log.level & BPF_LOG_LEVEL2) {
				if (first)
					verbose(env, "frame %d: propagating fp%d", fr,
					        (-i - 1) * BPF_REG_SIZE);
				else
					verbose(env, ",fp%d", (-i - 1) * BPF_REG_SIZE);
			}
			bt_set_frame_slot(&env->bt, (u32)fr, (u32)i);
			first = false;
			any = true;
		}
		if (!first && (env->log.level & BPF_LOG_LEVEL2))
			verbose(env, "\n");
	}
	if (!any)
		return 0;
	return __mark_chain_precision(env, cur, -1, changed);
}

static void mark_all_scalars_imprecise(struct bpf_verifier_env *env, struct bpf_verifier_state *st)
{
	(void)env;
	for (u32 i = 0; i <= st->curframe; i++) {
		struct bpf_func_state *func = st->frame[i];
		for (int j = 0; j < BPF_REG_FP; j++)
			if (func->regs[j].type == SCALAR_VALUE)
				func->regs[j].precise = false;
		for (int j = 0; j < func->allocated_stack / BPF_REG_SIZE; j++)
			if (is_spilled_reg(&func->stack[j]) &&
			    func->stack[j].spilled_ptr.type == SCALAR_VALUE)
				func->stack[j].spilled_ptr.precise = false;
	}
}

static bool states_maybe_looping(const struct bpf_verifier_state *old,
                                 const struct bpf_verifier_state *cur)
{
	u32 fr = cur->curframe;
	if (old->curframe != fr)
		return false;
	for (int i = 0; i < MAX_BPF_REG; i++)
		if (memcmp(&old->frame[fr]->regs[i], &cur->frame[fr]->regs[i],
		           offsetof(struct bpf_reg_state, parent)))
			return false;
	return true;
}

int is_state_visited(struct bpf_verifier_env *env, int insn_idx)
{
	struct bpf_verifier_state *cur = env->cur_state;
	struct bpf_verifier_state_list **head = explored_state(env, insn_idx), **pprev = head, *sl;
	struct bpf_insn_aux_data *aux = &env->insn_aux_data[insn_idx];
	bool force_new_state, add_new_state, loop = false;
	int states_cnt = 0, err;

	/* forced checkpoints (loops of may_goto and callbacks); and never too long a history */
	force_new_state =
	        env->test_state_freq || aux->force_checkpoint || cur->jmp_history_cnt > 40;
	/* a new state only after at least 2 jumps and 8 insns since the last one */
	add_new_state = force_new_state;
	if (env->jmps_processed - env->prev_jmps_processed >= 2 &&
	    env->insn_processed - env->prev_insn_processed >= 8)
		add_new_state = true;

	clean_live_states(env, insn_idx, cur);

	while ((sl = *pprev)) {
		states_cnt++;
		if (sl->state.insn_idx != (u32)insn_idx) {
			pprev = &sl->next;
			continue;
		}
		if (sl->state.branches) {
			/* a state on the current path: this is a loop */
			if (env->insns[insn_idx].code == (BPF_JMP | BPF_JCOND) &&
			    env->insns[insn_idx].src_reg == BPF_MAY_GOTO) {
				/* may_goto: another iteration at another depth, but no wider */
				if (sl->state.may_goto_depth != cur->may_goto_depth &&
				    states_equal(env, &sl->state, cur, RANGE_WITHIN)) {
					loop = true;
					goto hit;
				}
			}
			if (aux->calls_callback) {
				/* a callback iteration that brings nothing new */
				if (states_equal(env, &sl->state, cur, RANGE_WITHIN))
					goto hit;
				goto skip_inf_loop_check;
			}
			if (states_maybe_looping(&sl->state, cur) &&
			    states_equal(env, &sl->state, cur, EXACT) &&
			    sl->state.may_goto_depth == cur->may_goto_depth &&
			    sl->state.callback_unroll_depth == cur->callback_unroll_depth) {
				verbose(env, "infinite loop detected at insn %d\n", insn_idx);
				verbose(env, "cur state:");
				print_verifier_state(env, cur, cur->curframe, true);
				verbose(env, "old state:");
				print_verifier_state(env, &sl->state, cur->curframe, true);
				return -EINVAL;
			}
		skip_inf_loop_check:
			/* loop iterations: add states less often */
			if (!force_new_state &&
			    env->jmps_processed - env->prev_jmps_processed < 20 &&
			    env->insn_processed - env->prev_insn_processed < 100)
				add_new_state = false;
			goto miss;
		}
		/* a checkpoint of a loop still being explored may gain precision later:
		 * compare ranges, and remember this pruning as a backedge */
		loop = incomplete_read_marks(env, &sl->state);
		if (states_equal(env, &sl->state, cur, loop ? RANGE_WITHIN : NOT_EXACT)) {
		hit:
			sl->hit_cnt++;
			/* the old state's continuation was safe: so is ours; what it needed
			 * (read slots, precise scalars) our ancestors need too */
			err = 0;
			if (aux->jmp_point)
				err = push_insn_history(env, cur, 0, 0);
			if (!err)
				err = propagate_precision(env, &sl->state, cur, NULL);
			if (err)
				return err;
			if (loop) {
				struct bpf_scc_backedge *b = calloc(1, sizeof *b);
				if (!b)
					return -ENOMEM;
				err = copy_verifier_state(&b->state, cur);
				b->state.equal_state = &sl->state;
				b->state.insn_idx = (u32)insn_idx;
				if (!err)
					err = add_scc_backedge(env, &sl->state, b);
				if (err) {
					free_verifier_state(&b->state, false);
					free(b);
					return err;
				}
			}
			return 1;
		}
	miss:
		if (add_new_state)
			sl->miss_cnt++;
		/* evict states that keep missing (loop iterations too: kept until their
		 * branches are done, since current paths still point to them) */
		u32 n = aux->force_checkpoint && sl->state.branches > 0 ? 64 : 3;
		if (sl->miss_cnt > sl->hit_cnt * n + n) {
			*pprev = sl->next;
			sl->in_free_list = true;
			sl->prev = NULL;
			sl->next = env->free_list;
			if (env->free_list)
				env->free_list->prev = sl;
			env->free_list = sl;
			env->free_list_size++;
			env->explored_states_size--;
			maybe_free_verifier_state(env, sl);
			continue;
		}
		pprev = &sl->next;
	}

	if (env->max_states_per_insn < (u32)states_cnt)
		env->max_states_per_insn = (u32)states_cnt;
	if (!env->bpf_capable && states_cnt > BPF_COMPLEXITY_LIMIT_STATES)
		return 0;
	if (!add_new_state)
		return 0;

	/* no equivalent state: remember this one as a checkpoint */
	struct bpf_verifier_state_list *new_sl = calloc(1, sizeof *new_sl);
	if (!new_sl)
		return -ENOMEM;
	env->total_states++;
	env->explored_states_size++;
	update_peak_states(env);
	env->prev_jmps_processed = env->jmps_processed;
	env->prev_insn_processed = env->insn_processed;

	/* forget inherited precision marks: the backtracking from here sets what matters */
	if (env->bpf_capable)
		mark_all_scalars_imprecise(env, cur);

	struct bpf_verifier_state *new = &new_sl->state;
	if ((err = copy_verifier_state(new, cur))) {
		free_verifier_state(new, false);
		free(new_sl);
		return err;
	}
	new->insn_idx = (u32)insn_idx;
	cur->parent = new;
	cur->first_insn_idx = (u32)insn_idx;
	cur->dfs_depth = new->dfs_depth + 1;
	cur->jmp_history_cnt = 0;
	env->cur_hist_ent = NULL;
	new_sl->next = *head;
	*head = new_sl;
	if ((err = maybe_enter_scc(env, new)))
		return err;
	return 0;
}

/* The most recent checkpoint at insn_idx on the current path below cur: cur loops to it. */
struct bpf_verifier_state *find_prev_entry(struct bpf_verifier_env *env,
                                           struct bpf_verifier_state *cur, int insn_idx)
{
	for (struct bpf_verifier_state_list *sl = *explored_state(env, insn_idx); sl;
	     sl = sl->next) {
		struct bpf_verifier_state *st = &sl->state;
		if (st->insn_idx == (u32)insn_idx && st->branches && same_callsites(st, cur) &&
		    st->dfs_depth < cur->dfs_depth)
			return st;
	}
	return NULL;
}

static void maybe_widen_reg(struct bpf_verifier_env *env, struct bpf_reg_state *rold,
                            struct bpf_reg_state *rcur, struct bpf_idmap *idmap)
{
	if (rold->type != SCALAR_VALUE || rold->type != rcur->type)
		return;
	if (rold->precise || rcur->precise || regs_exact(rold, rcur, idmap))
		return;
	__mark_reg_unknown(env, rcur);
}

/* Scalars that changed between two iterations of a loop and whose values did not matter
 * (imprecise) become unknown, so that the iterations converge. */
int widen_imprecise_scalars(struct bpf_verifier_env *env, struct bpf_verifier_state *old,
                            struct bpf_verifier_state *cur)
{
	reset_idmap_scratch(env);
	for (int fr = (int)old->curframe; fr >= 0; fr--) {
		struct bpf_func_state *fold = old->frame[fr], *fcur = cur->frame[fr];
		for (int i = 0; i < MAX_BPF_REG; i++)
			maybe_widen_reg(env, &fold->regs[i], &fcur->regs[i], &env->idmap_scratch);
		int n = fold->allocated_stack < fcur->allocated_stack ? fold->allocated_stack
		                                                      : fcur->allocated_stack;
		for (int i = 0; i < n / BPF_REG_SIZE; i++) {
			if (!is_spilled_reg(&fold->stack[i]) || !is_spilled_reg(&fcur->stack[i]))
				continue;
			maybe_widen_reg(env, &fold->stack[i].spilled_ptr,
			                &fcur->stack[i].spilled_ptr, &env->idmap_scratch);
		}
	}
	return 0;
}

void free_states(struct bpf_verifier_env *env)
{
	struct bpf_verifier_state_list *sl, *next;
	/* the visits live for one do_check_common pass */
	for (u32 i = 0; i < env->scc_visit_cnt; i++)
		free_backedges(&env->scc_visits[i]);
	env->scc_visit_cnt = 0;
	env->num_backedges = 0;
	for (sl = env->free_list; sl; sl = next) {
		next = sl->next;
		free_verifier_state(&sl->state, false);
		free(sl);
	}
	env->free_list = NULL;
	if (!env->explored_states)
		return;
	for (u32 i = 0; i < env->len; i++) {
		for (sl = env->explored_states[i]; sl; sl = next) {
			next = sl->next;
			free_verifier_state(&sl->state, false);
			free(sl);
		}
		env->explored_states[i] = NULL;
	}
}

void states_init(void)
{
	__mark_reg_unknown_imprecise(&unbound_reg);
}
