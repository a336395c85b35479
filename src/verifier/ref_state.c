/* ref_state.c — acquired references and held locks, per verifier state.
 *
 * A helper that hands out an object the program must give back (bpf_ringbuf_reserve)
 * acquires a reference: an id recorded in the state's refs[] with the instruction that
 * made it, and set as the ref_obj_id of the returned register and its copies. The
 * matching release (bpf_ringbuf_submit/discard) removes it and invalidates every register
 * that still holds it; a path that exits with a reference left is refused ("Unreleased
 * reference id=%d alloc_insn=%d"). A NULL check of the pointer releases it on the NULL
 * branch (the core's mark_ptr_or_null_regs calls release_reference_nomark).
 *
 * bpf_spin_lock takes a lock: a REF_TYPE_LOCK entry with the lock's identity (the map and
 * the register id of the value it is in) and state->active_locks; unlock must name the
 * same lock. Locks live in the same refs[] array, in the order taken (the kernel keeps it
 * a stack for IRQ flags). refs[] is malloc'd; states.c copies and frees it.
 */
#include <stdlib.h>
#include <string.h>

#include "verifier/mem_internal.h"

static int resize_reference_state(struct bpf_verifier_state *state, u32 n)
{
	if (n <= state->acquired_refs)
		return 0;
	struct bpf_reference_state *refs = realloc(state->refs, n * sizeof *refs);
	if (!refs)
		return -ENOMEM;
	memset(refs + state->acquired_refs, 0, (n - state->acquired_refs) * sizeof *refs);
	state->refs = refs;
	state->acquired_refs = n;
	return 0;
}

static struct bpf_reference_state *acquire_reference_state(struct bpf_verifier_env *env,
                                                           int insn_idx)
{
	struct bpf_verifier_state *state = env->cur_state;
	u32 new_ofs = state->acquired_refs;
	if (resize_reference_state(state, state->acquired_refs + 1))
		return NULL;
	state->refs[new_ofs].insn_idx = insn_idx;
	return &state->refs[new_ofs];
}

int acquire_reference(struct bpf_verifier_env *env, int insn_idx)
{
	struct bpf_reference_state *s = acquire_reference_state(env, insn_idx);
	if (!s)
		return -ENOMEM;
	s->type = REF_TYPE_PTR;
	s->id = (int)bpf_new_id(env);
	return s->id;
}

int acquire_lock_state(struct bpf_verifier_env *env, int insn_idx, enum ref_state_type type, int id,
                       const void *ptr)
{
	struct bpf_verifier_state *state = env->cur_state;
	struct bpf_reference_state *s = acquire_reference_state(env, insn_idx);
	if (!s)
		return -ENOMEM;
	s->type = type;
	s->id = id;
	s->ptr = ptr;
	state->active_locks++;
	state->active_lock_id = (u32)id;
	state->active_lock_ptr = ptr;
	return 0;
}

/* Remove refs[idx], keeping the order of the others (a stack for IRQ flags). */
static void release_reference_state(struct bpf_verifier_state *state, u32 idx)
{
	u32 last_idx = state->acquired_refs - 1;
	if (idx != last_idx)
		memmove(&state->refs[idx], &state->refs[idx + 1],
		        sizeof *state->refs * (last_idx - idx));
	memset(&state->refs[last_idx], 0, sizeof *state->refs);
	state->acquired_refs--;
}

int release_lock_state(struct bpf_verifier_state *state, int type, int id, const void *ptr)
{
	const void *prev_ptr = NULL;
	u32 prev_id = 0;
	for (u32 i = 0; i < state->acquired_refs; i++) {
		if ((int)state->refs[i].type == type && state->refs[i].id == id &&
		    state->refs[i].ptr == ptr) {
			release_reference_state(state, i);
			state->active_locks--;
			/* the lock taken before it (if any) is the active one again */
			state->active_lock_id = prev_id;
			state->active_lock_ptr = prev_ptr;
			return 0;
		}
		if (state->refs[i].type & REF_TYPE_LOCK_MASK) {
			prev_id = (u32)state->refs[i].id;
			prev_ptr = state->refs[i].ptr;
		}
	}
	return -EINVAL;
}

int release_reference_nomark(struct bpf_verifier_state *state, int ref_obj_id)
{
	for (u32 i = 0; i < state->acquired_refs; i++) {
		if (state->refs[i].type != REF_TYPE_PTR)
			continue;
		if (state->refs[i].id == ref_obj_id) {
			release_reference_state(state, i);
			return 0;
		}
	}
	return -EINVAL;
}

/* A register that held a released object: unusable (a privileged program may still read
 * it as a number). */
static void mark_reg_invalid(const struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	if (!env->allow_ptr_leaks)
		__mark_reg_not_init(env, reg);
	else
		__mark_reg_unknown(env, reg);
}

int release_reference(struct bpf_verifier_env *env, int ref_obj_id)
{
	struct bpf_verifier_state *vstate = env->cur_state;
	struct bpf_func_state *state;
	struct bpf_reg_state *reg;
	int err = release_reference_nomark(vstate, ref_obj_id);
	if (err)
		return err;
	bpf_for_each_reg_in_vstate(vstate, state, reg, {
		if (reg->ref_obj_id == (u32)ref_obj_id)
			mark_reg_invalid(env, reg);
	});
	return 0;
}

int check_reference_leak(struct bpf_verifier_env *env, bool exception_exit)
{
	struct bpf_verifier_state *state = env->cur_state;
	bool lingering = false;
	/* a subprogram may return with references held: its caller must release them */
	if (!exception_exit && cur_func(env)->frameno)
		return 0;
	for (u32 i = 0; i < state->acquired_refs; i++) {
		if (state->refs[i].type != REF_TYPE_PTR)
			continue;
		verbose(env, "Unreleased reference id=%d alloc_insn=%d\n", state->refs[i].id,
		        state->refs[i].insn_idx);
		lingering = true;
	}
	return lingering ? -EINVAL : 0;
}

int check_resource_leak(struct bpf_verifier_env *env, bool exception_exit, bool check_lock,
                        const char *prefix)
{
	struct bpf_verifier_state *st = env->cur_state;
	int err;
	if (check_lock && st->active_locks) {
		verbose(env, "%s cannot be used inside bpf_spin_lock-ed region\n", prefix);
		return -EINVAL;
	}
	if ((err = check_reference_leak(env, exception_exit))) {
		verbose(env, "%s would lead to reference leak\n", prefix);
		return err;
	}
	if (check_lock && st->active_irq_id) {
		verbose(env, "%s cannot be used inside bpf_local_irq_save-ed region\n", prefix);
		return -EINVAL;
	}
	if (check_lock && st->active_rcu_lock) {
		verbose(env, "%s cannot be used inside bpf_rcu_read_lock-ed region\n", prefix);
		return -EINVAL;
	}
	if (check_lock && st->active_preempt_locks) {
		verbose(env, "%s cannot be used inside bpf_preempt_disable-ed region\n", prefix);
		return -EINVAL;
	}
	return 0;
}
