/* mem_dynptr.c — dynptrs on the stack: struct bpf_dynptr as two STACK_DYNPTR slots.
 *
 * A dynptr is 16 bytes of a frame's stack (two 8-byte slots, the first one at the lower
 * address). Both slots' spilled_ptr carry the dynptr's type (local, ringbuf), which slot
 * is the first, and an id shared with the slices bpf_dynptr_data hands out; a ring buffer
 * dynptr also holds a reference (ref_obj_id, in both slots) that only
 * bpf_ringbuf_submit_dynptr / bpf_ringbuf_discard_dynptr release.
 *
 * - An argument ARG_PTR_TO_DYNPTR | MEM_UNINIT makes one: the 16 bytes are written as a
 *   helper store would (which destroys an unreferenced dynptr there and refuses a
 *   referenced one), then marked.
 * - Other dynptr arguments need an initialised dynptr of the right type; a read of both
 *   slots is recorded for the live-stack analysis. OBJ_RELEASE arguments unmark it: its
 *   reference is released (slices die with it) and both slots become STACK_INVALID.
 * - A store into either slot (mem_stack.c calls destroy_if_dynptr_stack_slot) destroys
 *   an unreferenced dynptr and its slices, and is refused for a referenced one.
 *
 * As the kernel's dynptr_get_spi, mark_stack_slots_dynptr, unmark_stack_slots_dynptr,
 * destroy_if_dynptr_stack_slot, is_dynptr_reg_valid_{uninit,init}, process_dynptr_func,
 * with its messages.
 */
#include "verifier/mem_internal.h"

#define BPF_DYNPTR_NR_SLOTS (BPF_DYNPTR_SIZE / BPF_REG_SIZE)
#define DYNPTR_TYPE_FLAG_MASK                                                                      \
	(DYNPTR_TYPE_LOCAL | DYNPTR_TYPE_RINGBUF | DYNPTR_TYPE_SKB | DYNPTR_TYPE_XDP)

/* The argument's DYNPTR_TYPE_* flag as a dynptr type (INVALID: no type required). */
static const struct {
	u32 flag;
	enum bpf_dynptr_type type;
	const char *name; /* as the log spells it: "dynptr_ringbuf(...)" */
} dynptr_kinds[] = {
        {DYNPTR_TYPE_LOCAL, BPF_DYNPTR_TYPE_LOCAL, "local"},
        {DYNPTR_TYPE_RINGBUF, BPF_DYNPTR_TYPE_RINGBUF, "ringbuf"},
        {DYNPTR_TYPE_SKB, BPF_DYNPTR_TYPE_SKB, "skb"},
        {DYNPTR_TYPE_XDP, BPF_DYNPTR_TYPE_XDP, "xdp"},
};
#define NR_DYNPTR_KINDS (sizeof dynptr_kinds / sizeof dynptr_kinds[0])

static enum bpf_dynptr_type arg_to_dynptr_type(u32 arg_type)
{
	for (u32 i = 0; i < NR_DYNPTR_KINDS; i++)
		if ((arg_type & DYNPTR_TYPE_FLAG_MASK) == dynptr_kinds[i].flag)
			return dynptr_kinds[i].type;
	return BPF_DYNPTR_TYPE_INVALID;
}

static const char *dynptr_type_str(enum bpf_dynptr_type type)
{
	for (u32 i = 0; i < NR_DYNPTR_KINDS; i++)
		if (dynptr_kinds[i].type == type)
			return dynptr_kinds[i].name;
	return "<unknown>";
}

/* Only ring buffer dynptrs own something that must be given back. */
static bool dynptr_type_refcounted(enum bpf_dynptr_type type)
{
	return type == BPF_DYNPTR_TYPE_RINGBUF;
}

/* Slots [spi - nr_slots + 1, spi] inside the allocated stack? */
static bool is_spi_bounds_valid(const struct bpf_func_state *state, int spi, int nr_slots)
{
	return spi - nr_slots + 1 >= 0 && spi < state->allocated_stack / BPF_REG_SIZE;
}

/* The slot of the dynptr's first (lowest) 8 bytes: a constant, 8-aligned stack offset with
 * room for both slots. -EINVAL with a message, or -ERANGE (no message) when the slots are
 * past the allocated stack. */
int dynptr_get_spi(struct bpf_verifier_env *env, const struct bpf_reg_state *reg)
{
	if (!tnum_is_const(reg->var_off)) {
		verbose(env, "dynptr has to be at a constant offset\n");
		return -EINVAL;
	}
	int off = reg->off + (int)reg->var_off.value;
	if (off % BPF_REG_SIZE) {
		verbose(env, "cannot pass in dynptr at an offset=%d\n", off);
		return -EINVAL;
	}
	int spi = __get_spi(off);
	if (spi + 1 < BPF_DYNPTR_NR_SLOTS) {
		verbose(env, "cannot pass in dynptr at an offset=%d\n", off);
		return -EINVAL;
	}
	if (!is_spi_bounds_valid(func(env, reg), spi, BPF_DYNPTR_NR_SLOTS))
		return -ERANGE;
	return spi;
}

/* One slot's state. Its type is meaningless for STACK_DYNPTR slots, but a callback's
 * dynptr argument is a register of type CONST_PTR_TO_DYNPTR, so both use that type. */
static void mark_dynptr_reg(struct bpf_reg_state *reg, enum bpf_dynptr_type type, bool first_slot,
                            u32 dynptr_id)
{
	__mark_reg_known_zero(reg);
	reg->type = CONST_PTR_TO_DYNPTR;
	reg->id = dynptr_id; /* slices of this dynptr carry it as their dynptr_id */
	reg->dynptr.type = type;
	reg->dynptr.first_slot = first_slot;
}

void mark_dynptr_arg_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg,
                         enum bpf_dynptr_type type)
{
	mark_dynptr_reg(reg, type, true, bpf_new_id(env));
}

static void set_slot_types(struct bpf_func_state *state, int spi, u8 type)
{
	for (int i = 0; i < BPF_REG_SIZE; i++) {
		state->stack[spi].slot_type[i] = type;
		state->stack[spi - 1].slot_type[i] = type;
	}
}

static int mark_stack_slots_dynptr(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                   u32 arg_type, int insn_idx)
{
	struct bpf_func_state *state = func(env, reg);
	int spi = dynptr_get_spi(env, reg), err;
	if (spi < 0)
		return spi;
	/* the two slots may belong to two different dynptrs: destroy both */
	if ((err = destroy_if_dynptr_stack_slot(env, state, spi)) ||
	    (err = destroy_if_dynptr_stack_slot(env, state, spi - 1)))
		return err;
	set_slot_types(state, spi, STACK_DYNPTR);
	enum bpf_dynptr_type type = arg_to_dynptr_type(arg_type);
	if (type == BPF_DYNPTR_TYPE_INVALID)
		return -EINVAL;
	u32 id = bpf_new_id(env);
	mark_dynptr_reg(&state->stack[spi].spilled_ptr, type, true, id);
	mark_dynptr_reg(&state->stack[spi - 1].spilled_ptr, type, false, id);
	if (dynptr_type_refcounted(type)) {
		int ref = acquire_reference(env, insn_idx);
		if (ref < 0)
			return ref;
		state->stack[spi].spilled_ptr.ref_obj_id = (u32)ref;
		state->stack[spi - 1].spilled_ptr.ref_obj_id = (u32)ref;
	}
	mark_stack_slot_written(env, state, spi);
	mark_stack_slot_written(env, state, spi - 1);
	return 0;
}

/* Both slots back to never-written stack (their contents are no longer a dynptr). */
static void invalidate_dynptr(struct bpf_verifier_env *env, struct bpf_func_state *state, int spi)
{
	set_slot_types(state, spi, STACK_INVALID);
	__mark_reg_not_init(env, &state->stack[spi].spilled_ptr);
	__mark_reg_not_init(env, &state->stack[spi - 1].spilled_ptr);
	mark_stack_slot_written(env, state, spi);
	mark_stack_slot_written(env, state, spi - 1);
}

/* A release argument (submit/discard): the reference goes, and with it every slice and
 * every other dynptr holding it. */
int unmark_stack_slots_dynptr(struct bpf_verifier_env *env, const struct bpf_reg_state *reg)
{
	struct bpf_func_state *state = func(env, reg);
	int spi = dynptr_get_spi(env, reg);
	if (spi < 0)
		return spi;
	if (!dynptr_type_refcounted(state->stack[spi].spilled_ptr.dynptr.type)) {
		invalidate_dynptr(env, state, spi);
		return 0;
	}
	u32 ref_obj_id = state->stack[spi].spilled_ptr.ref_obj_id;
	/* release_reference invalidates the slices and clears the dynptr's own slots' regs
	 * only as registers; the slots are reset below */
	int err = release_reference(env, (int)ref_obj_id);
	if (err) {
		verbose(env, "verifier internal error: dynptr reference %u not held\n", ref_obj_id);
		return -EFAULT;
	}
	for (int i = 1; i < state->allocated_stack / BPF_REG_SIZE; i++) {
		if (state->stack[i].spilled_ptr.ref_obj_id != ref_obj_id)
			continue;
		if (state->stack[i].slot_type[0] != STACK_DYNPTR) {
			verbose(env, "verifier internal error: misconfigured ref_obj_id\n");
			return -EFAULT;
		}
		if (state->stack[i].spilled_ptr.dynptr.first_slot)
			invalidate_dynptr(env, state, i);
	}
	return 0;
}

/* A register that held a slice of a destroyed dynptr: unusable (a privileged program may
 * still read it as a number), as ref_state.c's release does. */
static void mark_slice_invalid(const struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	if (!env->allow_ptr_leaks)
		__mark_reg_not_init(env, reg);
	else
		__mark_reg_unknown(env, reg);
}

int destroy_if_dynptr_stack_slot(struct bpf_verifier_env *env, struct bpf_func_state *state,
                                 int spi)
{
	if (spi < 0 || spi >= state->allocated_stack / BPF_REG_SIZE)
		return 0;
	/* STACK_DYNPTR is never set partially: the first byte says it */
	if (state->stack[spi].slot_type[0] != STACK_DYNPTR)
		return 0;
	if (!state->stack[spi].spilled_ptr.dynptr.first_slot)
		spi++;
	if (spi >= state->allocated_stack / BPF_REG_SIZE)
		return 0; /* cannot happen: a dynptr's first slot is above its second */
	if (dynptr_type_refcounted(state->stack[spi].spilled_ptr.dynptr.type)) {
		verbose(env, "cannot overwrite referenced dynptr\n");
		return -EINVAL;
	}
	mark_stack_slot_scratched(env, (u32)spi);
	mark_stack_slot_scratched(env, (u32)spi - 1);
	set_slot_types(state, spi, STACK_INVALID);
	u32 dynptr_id = state->stack[spi].spilled_ptr.id;
	struct bpf_func_state *fs;
	struct bpf_reg_state *r;
	bpf_for_each_reg_in_vstate(env->cur_state, fs, r, {
		/* slices are PTR_TO_MEM or PTR_TO_MEM | PTR_MAYBE_NULL */
		if (r->type != (PTR_TO_MEM | PTR_MAYBE_NULL) && r->type != PTR_TO_MEM)
			continue;
		if (r->dynptr_id == dynptr_id)
			mark_slice_invalid(env, r);
	});
	/* not a release: the slots just stop being a dynptr */
	__mark_reg_not_init(env, &state->stack[spi].spilled_ptr);
	__mark_reg_not_init(env, &state->stack[spi - 1].spilled_ptr);
	mark_stack_slot_written(env, state, spi);
	mark_stack_slot_written(env, state, spi - 1);
	return 0;
}

/* May a new dynptr be made here? Any stack slot pair may (a dynptr already there is
 * destroyed by the writes that follow, or refused if referenced); past the allocated stack
 * is fine too, the writes grow it. */
static bool is_dynptr_reg_valid_uninit(struct bpf_verifier_env *env,
                                       const struct bpf_reg_state *reg)
{
	if (reg->type == CONST_PTR_TO_DYNPTR)
		return false;
	int spi = dynptr_get_spi(env, reg);
	return spi >= 0 || spi == -ERANGE;
}

static bool is_dynptr_reg_valid_init(struct bpf_verifier_env *env, const struct bpf_reg_state *reg)
{
	/* a CONST_PTR_TO_DYNPTR is the first slot of an initialised dynptr, at offset 0
	 * (check_func_arg_reg_off saw to that) */
	if (reg->type == CONST_PTR_TO_DYNPTR)
		return true;
	const struct bpf_func_state *state = func(env, reg);
	int spi = dynptr_get_spi(env, reg);
	if (spi < 0 || !state->stack[spi].spilled_ptr.dynptr.first_slot)
		return false;
	for (int i = 0; i < BPF_REG_SIZE; i++)
		if (state->stack[spi].slot_type[i] != STACK_DYNPTR ||
		    state->stack[spi - 1].slot_type[i] != STACK_DYNPTR)
			return false;
	return true;
}

static bool is_dynptr_type_expected(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                    u32 arg_type)
{
	if (arg_type == ARG_PTR_TO_DYNPTR) /* any type */
		return true;
	enum bpf_dynptr_type want = arg_to_dynptr_type(arg_type);
	if (reg->type == CONST_PTR_TO_DYNPTR)
		return reg->dynptr.type == want;
	int spi = dynptr_get_spi(env, reg);
	return spi >= 0 && func(env, reg)->stack[spi].spilled_ptr.dynptr.type == want;
}

/* The helper reads the dynptr: both slots stay live up to here. */
static int mark_dynptr_read(struct bpf_verifier_env *env, const struct bpf_reg_state *reg)
{
	if (reg->type == CONST_PTR_TO_DYNPTR)
		return 0; /* a register: check_reg_arg did it */
	int spi = dynptr_get_spi(env, reg);
	if (spi < 0)
		return spi;
	const struct bpf_func_state *state = func(env, reg);
	for (int i = 0; i < BPF_DYNPTR_NR_SLOTS; i++) {
		mark_stack_slot_read(env, state, spi - i);
		mark_stack_slot_scratched(env, (u32)(spi - i));
	}
	return 0;
}

int process_dynptr_func(struct bpf_verifier_env *env, int regno, int insn_idx, u32 arg_type)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	int err = 0;
	if (reg->type != PTR_TO_STACK && reg->type != CONST_PTR_TO_DYNPTR) {
		verbose(env, "arg#%d expected pointer to stack or const struct bpf_dynptr\n",
		        regno - 1);
		return -EINVAL;
	}
	/* a helper either makes a dynptr (MEM_UNINIT) or uses one, read-only or not */
	if ((arg_type & (MEM_UNINIT | MEM_RDONLY)) == (MEM_UNINIT | MEM_RDONLY)) {
		verbose(env, "verifier internal error: misconfigured dynptr helper type flags\n");
		return -EFAULT;
	}
	if (arg_type & MEM_UNINIT) {
		if (!is_dynptr_reg_valid_uninit(env, reg)) {
			verbose(env, "Dynptr has to be an uninitialized dynptr\n");
			return -EINVAL;
		}
		/* the helper writes all 16 bytes, 8 at a time */
		for (int i = 0; i < BPF_DYNPTR_SIZE; i += BPF_REG_SIZE)
			if ((err = check_mem_access(env, insn_idx, (u32)regno, i, BPF_DW, BPF_WRITE,
			                            -1, false, false)))
				return err;
		return mark_stack_slots_dynptr(env, reg, arg_type, insn_idx);
	}
	/* a dynptr on the stack is never const; a CONST_PTR_TO_DYNPTR (callback argument)
	 * may only go to helpers that do not change it */
	if (reg->type == CONST_PTR_TO_DYNPTR && !(arg_type & MEM_RDONLY)) {
		verbose(env, "cannot pass pointer to const bpf_dynptr, the helper mutates it\n");
		return -EINVAL;
	}
	if (!is_dynptr_reg_valid_init(env, reg)) {
		verbose(env, "Expected an initialized dynptr as arg #%d\n", regno - 1);
		return -EINVAL;
	}
	if (!is_dynptr_type_expected(env, reg, arg_type & ~(u32)MEM_RDONLY)) {
		verbose(env, "Expected a dynptr of type %s as arg #%d\n",
		        dynptr_type_str(arg_to_dynptr_type(arg_type)), regno - 1);
		return -EINVAL;
	}
	return mark_dynptr_read(env, reg);
}

int check_dynptr_release_arg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                             int regno)
{
	/* only a dynptr made on the stack can be released */
	if (reg->type != PTR_TO_STACK) {
		verbose(env, "cannot release unowned const bpf_dynptr\n");
		return -EINVAL;
	}
	int spi = dynptr_get_spi(env, reg);
	if (spi < 0 || !func(env, reg)->stack[spi].spilled_ptr.ref_obj_id) {
		verbose(env, "arg %d is an unacquired reference\n", regno);
		return -EINVAL;
	}
	return 0;
}

/* The first slot's state of an initialised dynptr argument (the register itself for a
 * CONST_PTR_TO_DYNPTR), or NULL. */
static const struct bpf_reg_state *dynptr_first_slot(struct bpf_verifier_env *env,
                                                     const struct bpf_reg_state *reg)
{
	if (reg->type == CONST_PTR_TO_DYNPTR)
		return reg;
	int spi = dynptr_get_spi(env, reg);
	return spi < 0 ? NULL : &func(env, reg)->stack[spi].spilled_ptr;
}

int dynptr_arg_info(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, u32 *id,
                    u32 *ref_obj_id, enum bpf_dynptr_type *type)
{
	const struct bpf_reg_state *slot = dynptr_first_slot(env, reg);
	if (!slot)
		return -EFAULT;
	if (id)
		*id = slot->id;
	if (ref_obj_id)
		*ref_obj_id = slot->ref_obj_id;
	if (type)
		*type = slot->dynptr.type;
	return 0;
}
