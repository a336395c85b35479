/* live_stack.c — which stack slots may still be read (Linux 6.18's live stack analysis).
 *
 * Pruning only needs the stack slots a state's continuation may read. While walking, the
 * verifier records for each (call chain, instruction) the slots the instruction may read
 * ("may_read": union over visits) and the slots it surely writes in full ("must_write":
 * intersection over visits). After a path ends (and at each subprogram exit) a classic
 * backward data-flow pass per function instance computes
 *     live_before[i] = (U live_before[succ] \ must_write[i]) | may_read[i]
 * and, for calls, what a callee surely writes of its callers' stacks (must_write_acc at
 * its entry) and may read of them (live_before at its entry) flows to the call insn of the
 * caller's instance. clean_live_states then forgets the slots of explored states that are
 * not live (bpf_stack_slot_alive), and stacksafe never compares them.
 *
 * A call chain is the callsites of the frames plus the current function's start; the
 * level-2 log lines ("(0) frame 0 insn 7 +live -8", "(0) live stack update done in 2
 * iterations") are the kernel's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/verifier.h"

struct callchain {
	u32 callsites[MAX_CALL_FRAMES]; /* the call insn of each outer frame, then the start */
	u32 sp_starts[MAX_CALL_FRAMES]; /* subprogram start of each frame */
	u32 curframe;
};

struct per_frame_masks {
	u64 may_read;       /* slots this insn may read */
	u64 must_write;     /* slots this insn writes in full */
	u64 must_write_acc; /* slots this insn and all its successors write */
	u64 live_before;    /* slots this insn or a successor may read */
};

struct func_instance {
	struct callchain callchain;
	u32 insn_cnt;
	bool updated;
	bool must_write_dropped;
	struct per_frame_masks *frames[MAX_CALL_FRAMES]; /* [insn_cnt] each, lazily */
	bool *must_write_set;                            /* must_write initialised for insn */
};

struct bpf_liveness {
	struct func_instance **instances;
	u32 nr, cap;
	struct func_instance *cur_instance;
	u64 write_masks_acc[MAX_CALL_FRAMES]; /* writes of the insn being checked */
	u32 write_insn_idx;
	struct func_instance *query[MAX_CALL_FRAMES];
	u32 query_curframe, query_insn_idx;
};

static void compute_callchain(struct bpf_verifier_env *env, const struct bpf_verifier_state *st,
                              struct callchain *cc, u32 frameno)
{
	memset(cc, 0, sizeof *cc);
	for (u32 i = 0; i <= frameno; i++) {
		cc->sp_starts[i] = env->subprog_info[st->frame[i]->subprogno].start;
		if (i < st->curframe)
			cc->callsites[i] = (u32)st->frame[i + 1]->callsite;
	}
	cc->curframe = frameno;
	cc->callsites[frameno] = cc->sp_starts[frameno];
}

static bool same_chain(const struct callchain *a, const struct callchain *b)
{
	if (a->curframe != b->curframe)
		return false;
	for (int i = (int)a->curframe; i >= 0; i--)
		if (a->callsites[i] != b->callsites[i])
			return false;
	return true;
}

static struct func_instance *lookup_chain(struct bpf_verifier_env *env, const struct callchain *cc)
{
	struct bpf_liveness *lv = env->liveness;
	for (u32 i = 0; i < lv->nr; i++)
		if (same_chain(&lv->instances[i]->callchain, cc))
			return lv->instances[i];
	int sp = bpf_subprog_of(env, cc->sp_starts[cc->curframe]);
	u32 sz = env->subprog_info[sp + 1].start - env->subprog_info[sp].start;
	struct func_instance *fi = calloc(1, sizeof *fi);
	if (!fi)
		return NULL;
	fi->must_write_set = calloc(sz ? sz : 1, sizeof(bool));
	if (!fi->must_write_set ||
	    (lv->nr == lv->cap &&
	     !(lv->instances = realloc(lv->instances, (lv->cap = lv->cap ? lv->cap * 2 : 8) *
	                                                      sizeof *lv->instances)))) {
		free(fi->must_write_set);
		free(fi);
		return NULL;
	}
	fi->callchain = *cc;
	fi->insn_cnt = sz;
	lv->instances[lv->nr++] = fi;
	return fi;
}

static struct func_instance *lookup_instance(struct bpf_verifier_env *env,
                                             const struct bpf_verifier_state *st, u32 frameno)
{
	struct callchain cc;
	compute_callchain(env, st, &cc, frameno);
	return lookup_chain(env, &cc);
}

int bpf_stack_liveness_init(struct bpf_verifier_env *env)
{
	env->liveness = calloc(1, sizeof *env->liveness);
	return env->liveness ? 0 : -ENOMEM;
}

void bpf_stack_liveness_free(struct bpf_verifier_env *env)
{
	struct bpf_liveness *lv = env->liveness;
	if (!lv)
		return;
	for (u32 i = 0; i < lv->nr; i++) {
		for (u32 f = 0; f < MAX_CALL_FRAMES; f++)
			free(lv->instances[i]->frames[f]);
		free(lv->instances[i]->must_write_set);
		free(lv->instances[i]);
	}
	free(lv->instances);
	free(lv);
	env->liveness = NULL;
}

static int relative_idx(const struct func_instance *fi, u32 insn_idx)
{
	return (int)insn_idx - (int)fi->callchain.sp_starts[fi->callchain.curframe];
}

static struct per_frame_masks *get_frame_masks(struct func_instance *fi, u32 frame, u32 insn_idx)
{
	int rel = relative_idx(fi, insn_idx);
	if (!fi->frames[frame] || rel < 0 || (u32)rel >= fi->insn_cnt)
		return NULL;
	return &fi->frames[frame][rel];
}

static struct per_frame_masks *alloc_frame_masks(struct func_instance *fi, u32 frame, u32 insn_idx)
{
	if (!fi->frames[frame]) {
		fi->frames[frame] =
		        calloc(fi->insn_cnt ? fi->insn_cnt : 1, sizeof(struct per_frame_masks));
		if (!fi->frames[frame])
			return NULL;
	}
	return get_frame_masks(fi, frame, insn_idx);
}

void bpf_reset_live_stack_callchain(struct bpf_verifier_env *env)
{
	if (env->liveness)
		env->liveness->cur_instance = NULL;
}

static int ensure_cur_instance(struct bpf_verifier_env *env)
{
	struct bpf_liveness *lv = env->liveness;
	if (lv->cur_instance)
		return 0;
	lv->cur_instance = lookup_instance(env, env->cur_state, env->cur_state->curframe);
	return lv->cur_instance ? 0 : -ENOMEM;
}

static int mark_stack_read(struct func_instance *fi, u32 frame, u32 insn_idx, u64 mask)
{
	struct per_frame_masks *m = alloc_frame_masks(fi, frame, insn_idx);
	if (!m)
		return -ENOMEM;
	u64 new_may_read = m->may_read | mask;
	if (new_may_read != m->may_read && (new_may_read | m->live_before) != m->live_before)
		fi->updated = true;
	m->may_read |= mask;
	return 0;
}

int bpf_mark_stack_read(struct bpf_verifier_env *env, u32 frame, u32 insn_idx, u64 mask)
{
	int err = ensure_cur_instance(env);
	return err ? err : mark_stack_read(env->liveness->cur_instance, frame, insn_idx, mask);
}

static void reset_stack_write_marks(struct bpf_verifier_env *env, struct func_instance *fi,
                                    u32 insn_idx)
{
	struct bpf_liveness *lv = env->liveness;
	lv->write_insn_idx = insn_idx;
	for (u32 i = 0; i <= fi->callchain.curframe; i++)
		lv->write_masks_acc[i] = 0;
}

int bpf_reset_stack_write_marks(struct bpf_verifier_env *env, u32 insn_idx)
{
	int err = ensure_cur_instance(env);
	if (!err)
		reset_stack_write_marks(env, env->liveness->cur_instance, insn_idx);
	return err;
}

void bpf_mark_stack_write(struct bpf_verifier_env *env, u32 frame, u64 mask)
{
	env->liveness->write_masks_acc[frame] |= mask;
}

static int commit_stack_write_marks(struct bpf_verifier_env *env, struct func_instance *fi)
{
	struct bpf_liveness *lv = env->liveness;
	if (!fi)
		return 0;
	int idx = relative_idx(fi, lv->write_insn_idx);
	if (idx < 0 || (u32)idx >= fi->insn_cnt)
		return 0;
	for (u32 frame = 0; frame <= fi->callchain.curframe; frame++) {
		u64 mask = lv->write_masks_acc[frame];
		if (!mask && !fi->must_write_set[idx])
			continue; /* no zero masks allocated */
		struct per_frame_masks *m = alloc_frame_masks(fi, frame, lv->write_insn_idx);
		if (!m)
			return -ENOMEM;
		u64 old = m->must_write;
		/* the first visit sets must_write, later ones intersect */
		if (fi->must_write_set[idx])
			mask &= old;
		if (old != mask) {
			m->must_write = mask;
			fi->updated = true;
		}
		if (old & ~mask)
			fi->must_write_dropped = true;
	}
	fi->must_write_set[idx] = true;
	lv->write_insn_idx = 0;
	return 0;
}

int bpf_commit_stack_write_marks(struct bpf_verifier_env *env)
{
	return commit_stack_write_marks(env, env->liveness->cur_instance);
}

static const char *fmt_callchain(struct bpf_verifier_env *env, const struct callchain *cc)
{
	char *buf = env->tmp_str_buf;
	size_t n = 0, sz = sizeof env->tmp_str_buf;
	n += (size_t)snprintf(buf, sz, "(");
	for (u32 i = 0; i <= cc->curframe && n < sz; i++)
		n += (size_t)snprintf(buf + n, sz - n, "%s%u", i ? "," : "", cc->callsites[i]);
	if (n < sz)
		snprintf(buf + n, sz - n, ")");
	return buf;
}

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

static void log_mask_change(struct bpf_verifier_env *env, const struct callchain *cc,
                            const char *pfx, u32 frame, u32 insn_idx, u64 old, u64 new)
{
	u64 changed = old ^ new, new_ones = new &changed, new_zeros = ~new &changed;
	char mbuf[400];
	if (!changed)
		return;
	bpf_log(&env->log, "%s frame %u insn %u ", fmt_callchain(env, cc), frame, insn_idx);
	if (new_ones) {
		fmt_stack_mask(mbuf, sizeof mbuf, new_ones);
		bpf_log(&env->log, "+%s %s ", pfx, mbuf);
	}
	if (new_zeros) {
		fmt_stack_mask(mbuf, sizeof mbuf, new_zeros);
		bpf_log(&env->log, "-%s %s", pfx, mbuf);
	}
	bpf_log(&env->log, "\n");
}

static struct func_instance *get_outer_instance(struct bpf_verifier_env *env,
                                                const struct func_instance *fi)
{
	struct callchain cc = fi->callchain;
	cc.callsites[cc.curframe] = 0;
	cc.sp_starts[cc.curframe] = 0;
	cc.curframe--;
	cc.callsites[cc.curframe] = cc.sp_starts[cc.curframe];
	return lookup_chain(env, &cc);
}

/* What a callee surely writes and may read of outer frames, at the call of its caller. */
static int propagate_to_outer_instance(struct bpf_verifier_env *env, struct func_instance *fi)
{
	struct callchain *cc = &fi->callchain;
	u32 this_start = cc->sp_starts[cc->curframe];
	struct func_instance *outer = get_outer_instance(env, fi);
	u32 callsite = cc->callsites[cc->curframe - 1];
	if (!outer)
		return -ENOMEM;
	reset_stack_write_marks(env, outer, callsite);
	for (u32 frame = 0; frame < cc->curframe; frame++) {
		struct per_frame_masks *m = get_frame_masks(fi, frame, this_start);
		if (!m)
			continue;
		bpf_mark_stack_write(env, frame, m->must_write_acc);
		int err = mark_stack_read(outer, frame, callsite, m->live_before);
		if (err)
			return err;
	}
	return commit_stack_write_marks(env, outer);
}

static bool update_insn(struct bpf_verifier_env *env, struct func_instance *fi, u32 frame,
                        u32 insn_idx)
{
	u32 succ[2];
	int succ_num = bpf_insn_successors(env, insn_idx, succ);
	if (succ_num == 0)
		return false;
	struct per_frame_masks *insn = get_frame_masks(fi, frame, insn_idx);
	if (!insn)
		return false;
	u64 new_after = 0, must_write_acc = UINT64_MAX;
	/* must_write_acc: written on every path from here; live_before: the read ones */
	for (int s = 0; s < succ_num; ++s) {
		struct per_frame_masks *si = get_frame_masks(fi, frame, succ[s]);
		if (!si)
			continue;
		new_after |= si->live_before;
		must_write_acc &= si->must_write_acc;
	}
	must_write_acc |= insn->must_write;
	u64 new_before = (new_after & ~insn->must_write) | insn->may_read;
	bool changed = new_before != insn->live_before || must_write_acc != insn->must_write_acc;
	if ((env->log.level & BPF_LOG_LEVEL2) &&
	    (insn->may_read || insn->must_write ||
	     insn_idx == fi->callchain.sp_starts[fi->callchain.curframe] ||
	     env->insn_aux_data[insn_idx].prune_point)) {
		log_mask_change(env, &fi->callchain, "live", frame, insn_idx, insn->live_before,
		                new_before);
		log_mask_change(env, &fi->callchain, "written", frame, insn_idx,
		                insn->must_write_acc, must_write_acc);
	}
	insn->live_before = new_before;
	insn->must_write_acc = must_write_acc;
	return changed;
}

static int update_instance(struct bpf_verifier_env *env, struct func_instance *fi)
{
	struct callchain *cc = &fi->callchain;
	u32 this_start = cc->sp_starts[cc->curframe];
	/* smaller must_write sets: recompute the accumulated ones from scratch */
	if (fi->must_write_dropped)
		for (u32 frame = 0; frame <= cc->curframe; frame++) {
			if (!fi->frames[frame])
				continue;
			for (u32 i = 0; i < fi->insn_cnt; i++)
				fi->frames[frame][i].must_write_acc = 0;
		}
	int sp = bpf_subprog_of(env, this_start);
	u32 po_start = env->subprog_info[sp].postorder_start;
	u32 po_end = env->subprog_info[sp + 1].postorder_start;
	u32 cnt = 0;
	bool changed;
	do {
		cnt++;
		changed = false;
		for (u32 frame = 0; frame <= cc->curframe; frame++) {
			if (!fi->frames[frame])
				continue;
			for (u32 i = po_start; i < po_end; i++)
				changed |= update_insn(env, fi, frame, (u32)env->insn_postorder[i]);
		}
	} while (changed);
	if (env->log.level & BPF_LOG_LEVEL2)
		bpf_log(&env->log, "%s live stack update done in %u iterations\n",
		        fmt_callchain(env, cc), cnt);
	if (cc->curframe > 0)
		return propagate_to_outer_instance(env, fi);
	return 0;
}

int bpf_update_live_stack(struct bpf_verifier_env *env)
{
	bpf_reset_live_stack_callchain(env);
	for (int frame = (int)env->cur_state->curframe; frame >= 0; --frame) {
		struct func_instance *fi = lookup_instance(env, env->cur_state, (u32)frame);
		if (!fi)
			return -ENOMEM;
		if (fi->updated) {
			int err = update_instance(env, fi);
			if (err)
				return err;
			fi->updated = false;
			fi->must_write_dropped = false;
		}
	}
	return 0;
}

static bool is_live_before(struct func_instance *fi, u32 insn_idx, u32 frameno, u32 spi)
{
	struct per_frame_masks *m = get_frame_masks(fi, frameno, insn_idx);
	return m && (m->live_before & (1ull << spi));
}

int bpf_live_stack_query_init(struct bpf_verifier_env *env, const struct bpf_verifier_state *st)
{
	struct bpf_liveness *lv = env->liveness;
	memset(lv->query, 0, sizeof lv->query);
	for (u32 frame = 0; frame <= st->curframe; frame++) {
		lv->query[frame] = lookup_instance(env, st, frame);
		if (!lv->query[frame])
			return -ENOMEM;
	}
	lv->query_curframe = st->curframe;
	lv->query_insn_idx = st->insn_idx;
	return 0;
}

bool bpf_stack_slot_alive(struct bpf_verifier_env *env, u32 frameno, u32 spi)
{
	/* read at or after the state's insn in its function, or, for an outer frame, after
	 * the call (at the call when it calls a callback again) */
	struct bpf_liveness *lv = env->liveness;
	struct func_instance *cur = lv->query[lv->query_curframe];
	if (spi >= 64 || is_live_before(cur, lv->query_insn_idx, frameno, spi))
		return true;
	for (u32 i = frameno; i < lv->query_curframe; i++) {
		u32 callsite = cur->callchain.callsites[i];
		bool cb = env->insn_aux_data[callsite].calls_callback;
		if (is_live_before(lv->query[i], cb ? callsite : callsite + 1, frameno, spi))
			return true;
	}
	return false;
}
