/* mem_stack.c — loads and stores through PTR_TO_STACK: bounds, spill/fill, slot types.
 *
 * Each frame's stack is 8-byte slots; each byte of a slot has a type: STACK_INVALID
 * (never written), STACK_MISC (some data), STACK_ZERO (a known zero), STACK_SPILL (part
 * of a register saved with its full state), or a dynptr/iterator. An aligned store of a
 * register spills it (the slot remembers its type and bounds, so a fill gets them back);
 * a scalar keeps its bounds even when spilled in 1, 2 or 4 bytes; other stores leave
 * MISC or ZERO bytes. Variable-offset accesses (privileged only) make every byte they may
 * touch MISC, and a read through one sees a scalar, zero only if all bytes are zeros.
 *
 * As the kernel's check_stack_{read,write}_{fixed,var}_off, with its messages. Liveness of
 * slots goes through mark_stack_slot_read/written, precision through push_insn_history.
 */
#include <string.h>

#include "verifier/mem_internal.h"

/* A byte of a spilled register that is overwritten stops being part of the spill. */
static void scrub_spilled_slot(u8 *stype)
{
	if (*stype != STACK_INVALID)
		*stype = STACK_MISC;
}

/* The bytes of a slot not covered by a narrow spill: misc unless zero or never written. */
static void mark_stack_slot_misc(u8 *stype)
{
	if (*stype == STACK_ZERO || *stype == STACK_INVALID)
		return;
	*stype = STACK_MISC;
}

static bool is_stack_slot_special(const struct bpf_stack_state *stack)
{
	switch (stack->slot_type[BPF_REG_SIZE - 1]) {
	case STACK_SPILL:
	case STACK_DYNPTR:
	case STACK_ITER:
	case STACK_IRQ_FLAG:
		return true;
	default:
		return false;
	}
}

static bool is_bpf_st_mem(const struct bpf_insn *insn)
{
	return BPF_CLASS(insn->code) == BPF_ST && BPF_MODE(insn->code) == BPF_MEM;
}

/* How many bits the value can need: fls64(umax). */
static int get_reg_width(const struct bpf_reg_state *reg)
{
	return reg->umax_value ? 64 - __builtin_clzll(reg->umax_value) : 0;
}

/* A scalar about to be copied gets an id, so bounds learnt on one copy reach the other. */
static void assign_scalar_id_before_mov(struct bpf_verifier_env *env, struct bpf_reg_state *src)
{
	if (src->type != SCALAR_VALUE)
		return;
	if (src->id & BPF_ADD_CONST) {
		src->id = 0;
		src->off = 0;
	}
	if (!src->id && !tnum_is_const(src->var_off))
		src->id = bpf_new_id(env);
}

static void save_register_state(struct bpf_verifier_env *env, struct bpf_func_state *state, int spi,
                                const struct bpf_reg_state *reg, int size)
{
	int i;
	copy_register_state(&state->stack[spi].spilled_ptr, reg);
	if (size == BPF_REG_SIZE)
		mark_stack_slot_written(env, state, spi);
	for (i = BPF_REG_SIZE; i > BPF_REG_SIZE - size; i--)
		state->stack[spi].slot_type[i - 1] = STACK_SPILL;
	for (; i; i--) /* a narrow spill: the other bytes */
		mark_stack_slot_misc(&state->stack[spi].slot_type[i - 1]);
}

/* check_stack_write_fixed_off: off is the byte offset from the frame pointer (aligned to
 * size, in [-MAX_BPF_STACK, 0), checked by the caller). */
static int check_stack_write_fixed_off(struct bpf_verifier_env *env, struct bpf_func_state *state,
                                       int off, int size, int value_regno, int insn_idx)
{
	struct bpf_func_state *cur = cur_func(env);
	int i, slot = -off - 1, spi = slot / BPF_REG_SIZE, err;
	const struct bpf_insn *insn = &env->insns[insn_idx];
	struct bpf_reg_state *reg = NULL;
	int insn_flags = insn_stack_access_flags((int)state->frameno, spi);

	if (!env->allow_ptr_leaks && is_spilled_reg(&state->stack[spi]) &&
	    !is_spilled_scalar_reg(&state->stack[spi]) && size != BPF_REG_SIZE) {
		verbose(env, "attempt to corrupt spilled pointer on stack\n");
		return -EACCES;
	}
	if (value_regno >= 0)
		reg = &cur->regs[value_regno];
	if ((err = destroy_if_dynptr_stack_slot(env, state, spi)))
		return err;
	mark_stack_slot_scratched(env, (u32)spi);

	if (reg && !(off % BPF_REG_SIZE) && reg->type == SCALAR_VALUE && env->bpf_capable) {
		bool fits = get_reg_width(reg) <= 8 * size;
		if (fits)
			assign_scalar_id_before_mov(env, reg);
		save_register_state(env, state, spi, reg, size);
		if (!fits) /* a narrowing spill breaks the relation */
			state->stack[spi].spilled_ptr.id = 0;
	} else if (!reg && !(off % BPF_REG_SIZE) && is_bpf_st_mem(insn) && env->bpf_capable) {
		struct bpf_reg_state *tmp = &env->fake_reg[0];
		memset(tmp, 0, sizeof *tmp);
		__mark_reg_known(tmp, (u64)(s64)insn->imm);
		tmp->type = SCALAR_VALUE;
		save_register_state(env, state, spi, tmp, size);
	} else if (reg && is_spillable_regtype(reg->type)) {
		if (size != BPF_REG_SIZE) {
			verbose(env, "invalid size of register spill\n");
			return -EACCES;
		}
		if (state != cur && reg->type == PTR_TO_STACK) {
			verbose(env,
			        "cannot spill pointers to stack into stack frame of the caller\n");
			return -EINVAL;
		}
		save_register_state(env, state, spi, reg, size);
	} else {
		u8 type = STACK_MISC;
		/* a regular write of data destroys any spilled register */
		state->stack[spi].spilled_ptr.type = NOT_INIT;
		if (is_stack_slot_special(&state->stack[spi]))
			for (i = 0; i < BPF_REG_SIZE; i++)
				scrub_spilled_slot(&state->stack[spi].slot_type[i]);
		/* only a full overwrite screens reads from the parent state */
		if (size == BPF_REG_SIZE)
			mark_stack_slot_written(env, state, spi);
		if ((reg && register_is_null(reg)) || (!reg && is_bpf_st_mem(insn) && !insn->imm)) {
			/* not a spill (misaligned): the zero must stay exact */
			if (value_regno >= 0 && (err = mark_chain_precision(env, value_regno)))
				return err;
			type = STACK_ZERO;
		}
		for (i = 0; i < size; i++)
			state->stack[spi].slot_type[(slot - i) % BPF_REG_SIZE] = type;
		insn_flags = 0; /* not a register spill */
	}
	return insn_flags ? push_insn_history(env, env->cur_state, insn_flags, 0) : 0;
}

/* check_stack_write_var_off: the write may land on any byte of [min_off, max_off). */
static int check_stack_write_var_off(struct bpf_verifier_env *env, struct bpf_func_state *state,
                                     int ptr_regno, int off, int size, int value_regno,
                                     int insn_idx)
{
	struct bpf_func_state *cur = cur_func(env);
	struct bpf_reg_state *ptr_reg = &cur->regs[ptr_regno], *value_reg = NULL;
	const struct bpf_insn *insn = &env->insns[insn_idx];
	int min_off = (int)(ptr_reg->smin_value + off);
	int max_off = (int)(ptr_reg->smax_value + off + size);
	bool writing_zero = false, zero_used = false;
	int i, err;

	if (value_regno >= 0)
		value_reg = &cur->regs[value_regno];
	if ((value_reg && register_is_null(value_reg)) ||
	    (!value_reg && is_bpf_st_mem(insn) && !insn->imm))
		writing_zero = true;
	for (i = min_off; i < max_off; i++)
		if ((err = destroy_if_dynptr_stack_slot(env, state, __get_spi(i))))
			return err;
	for (i = min_off; i < max_off; i++) {
		int slot = -i - 1, spi = slot / BPF_REG_SIZE;
		u8 *stype = &state->stack[spi].slot_type[slot % BPF_REG_SIZE];
		u8 new_type;
		mark_stack_slot_scratched(env, (u32)spi);
		if (!env->allow_ptr_leaks && *stype != STACK_MISC && *stype != STACK_ZERO) {
			verbose(env,
			        "spilled ptr in range of var-offset stack write; insn %d, ptr off: "
			        "%d",
			        insn_idx, i);
			return -EINVAL;
		}
		/* a spilled zero stays a spilled zero when zero is written over it */
		if (writing_zero && *stype == STACK_SPILL &&
		    is_spilled_scalar_reg(&state->stack[spi])) {
			const struct bpf_reg_state *spill = &state->stack[spi].spilled_ptr;
			if (tnum_is_const(spill->var_off) && spill->var_off.value == 0) {
				zero_used = true;
				continue;
			}
		}
		state->stack[spi].spilled_ptr.type = NOT_INIT;
		new_type = STACK_MISC;
		if (writing_zero && *stype == STACK_ZERO) {
			new_type = STACK_ZERO;
			zero_used = true;
		}
		if (*stype == STACK_INVALID && !env->allow_uninit_stack) {
			verbose(env,
			        "uninit stack in range of var-offset write prohibited for !root; "
			        "insn %d, off: %d",
			        insn_idx, i);
			return -EINVAL;
		}
		*stype = new_type;
	}
	if (zero_used && value_regno >= 0 && (err = mark_chain_precision(env, value_regno)))
		return err;
	return 0;
}

/* A register reads stack bytes [min_off, max_off) that hold no spilled register:
 * a known zero if every byte is STACK_ZERO, else an unknown scalar. */
static void mark_reg_stack_read(struct bpf_verifier_env *env, struct bpf_func_state *ptr_state,
                                int min_off, int max_off, int dst_regno)
{
	struct bpf_func_state *state = cur_func(env);
	int zeros = 0;
	for (int i = min_off; i < max_off; i++) {
		int slot = -i - 1, spi = slot / BPF_REG_SIZE;
		mark_stack_slot_scratched(env, (u32)spi);
		if (ptr_state->stack[spi].slot_type[slot % BPF_REG_SIZE] != STACK_ZERO)
			break;
		zeros++;
	}
	if (zeros == max_off - min_off)
		__mark_reg_const_zero(env, &state->regs[dst_regno]);
	else
		mark_reg_unknown(env, state->regs, (u32)dst_regno);
}

/* check_stack_read_fixed_off: off is the byte offset from the frame pointer. */
static int check_stack_read_fixed_off(struct bpf_verifier_env *env,
                                      struct bpf_func_state *reg_state, int off, int size,
                                      int dst_regno)
{
	struct bpf_func_state *state = cur_func(env);
	int i, slot = -off - 1, spi = slot / BPF_REG_SIZE;
	u8 *stype = reg_state->stack[spi].slot_type, type;
	struct bpf_reg_state *reg = &reg_state->stack[spi].spilled_ptr;
	int insn_flags = insn_stack_access_flags((int)reg_state->frameno, spi);

	mark_stack_slot_scratched(env, (u32)spi);
	if (is_spilled_reg(&reg_state->stack[spi])) {
		u8 spill_size = 1;
		for (i = BPF_REG_SIZE - 1; i > 0 && stype[i - 1] == STACK_SPILL; i--)
			spill_size++;
		if (size != BPF_REG_SIZE || spill_size != BPF_REG_SIZE) {
			if (reg->type != SCALAR_VALUE) {
				verbose(env, "invalid size of register fill\n");
				return -EACCES;
			}
			mark_stack_slot_read(env, reg_state, spi);
			if (dst_regno < 0)
				return 0;
			if (size <= spill_size && !(off % BPF_REG_SIZE)) {
				/* a fill of the spilled bytes: the spilled scalar, narrowed */
				s32 subreg_def = state->regs[dst_regno].subreg_def;
				copy_register_state(&state->regs[dst_regno], reg);
				state->regs[dst_regno].subreg_def = subreg_def;
				if (get_reg_width(reg) > size * 8)
					state->regs[dst_regno].id = 0;
			} else {
				int spill_cnt = 0, zero_cnt = 0;
				for (i = 0; i < size; i++) {
					type = stype[(slot - i) % BPF_REG_SIZE];
					if (type == STACK_SPILL) {
						spill_cnt++;
						continue;
					}
					if (type == STACK_MISC)
						continue;
					if (type == STACK_ZERO) {
						zero_cnt++;
						continue;
					}
					if (type == STACK_INVALID && env->allow_uninit_stack)
						continue;
					verbose(env, "invalid read from stack off %d+%d size %d\n",
					        off, i, size);
					return -EACCES;
				}
				if (spill_cnt == size && tnum_is_const(reg->var_off) &&
				    reg->var_off.value == 0) {
					__mark_reg_const_zero(env, &state->regs[dst_regno]);
				} else if (zero_cnt == size) {
					__mark_reg_const_zero(env, &state->regs[dst_regno]);
					insn_flags = 0;
				} else {
					mark_reg_unknown(env, state->regs, (u32)dst_regno);
					insn_flags = 0;
				}
			}
		} else if (dst_regno >= 0) {
			copy_register_state(&state->regs[dst_regno], reg);
		} else if (__is_pointer_value(env->allow_ptr_leaks, reg)) {
			verbose(env, "leaking pointer from stack off %d\n", off);
			return -EACCES;
		}
		mark_stack_slot_read(env, reg_state, spi);
	} else {
		for (i = 0; i < size; i++) {
			type = stype[(slot - i) % BPF_REG_SIZE];
			if (type == STACK_MISC || type == STACK_ZERO)
				continue;
			if (type == STACK_INVALID && env->allow_uninit_stack)
				continue;
			verbose(env, "invalid read from stack off %d+%d size %d\n", off, i, size);
			return -EACCES;
		}
		mark_stack_slot_read(env, reg_state, spi);
		if (dst_regno >= 0)
			mark_reg_stack_read(env, reg_state, off, off + size, dst_regno);
		insn_flags = 0;
	}
	return insn_flags ? push_insn_history(env, env->cur_state, insn_flags, 0) : 0;
}

int check_stack_range_initialized(struct bpf_verifier_env *env, int regno, int off, int access_size,
                                  bool zero_size_allowed, enum bpf_access_type type,
                                  struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	struct bpf_func_state *state = func(env, reg);
	int err, min_off, max_off, i, j, slot, spi;
	bool clobber = type == BPF_WRITE; /* the helper may write anything there */

	if (access_size == 0 && !zero_size_allowed) {
		verbose(env, "invalid zero-sized read\n");
		return -EACCES;
	}
	if ((err = check_stack_access_within_bounds(env, regno, off, access_size, type)))
		return err;
	if (tnum_is_const(reg->var_off)) {
		min_off = max_off = (int)reg->var_off.value + off;
	} else {
		if (!env->bypass_spec_v1) {
			char tn_buf[48];
			tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
			verbose(env,
			        "R%d variable offset stack access prohibited for !root, "
			        "var_off=%s\n",
			        regno, tn_buf);
			return -EACCES;
		}
		/* only an initialised buffer may be passed with a variable offset */
		if (meta && meta->raw_mode)
			meta = NULL;
		min_off = (int)(reg->smin_value + off);
		max_off = (int)(reg->smax_value + off);
	}
	if (meta && meta->raw_mode) {
		for (i = min_off; i < max_off + access_size; i++) {
			int stack_off = -i - 1;
			spi = __get_spi(i);
			if (state->allocated_stack <= stack_off)
				continue; /* raw mode may write past the allocated stack */
			if (state->stack[spi].slot_type[stack_off % BPF_REG_SIZE] == STACK_DYNPTR) {
				verbose(env, "potential write to dynptr at off=%d disallowed\n", i);
				return -EACCES;
			}
		}
		meta->access_size = access_size;
		meta->regno = regno;
		return 0;
	}
	for (i = min_off; i < max_off + access_size; i++) {
		u8 *stype;
		slot = -i - 1;
		spi = slot / BPF_REG_SIZE;
		if (state->allocated_stack <= slot) {
			verbose(env, "verifier bug: allocated_stack too small\n");
			return -EFAULT;
		}
		stype = &state->stack[spi].slot_type[slot % BPF_REG_SIZE];
		if (*stype == STACK_MISC)
			goto mark;
		if (*stype == STACK_ZERO || (*stype == STACK_INVALID && env->allow_uninit_stack)) {
			if (clobber)
				*stype = STACK_MISC;
			goto mark;
		}
		if (is_spilled_reg(&state->stack[spi]) &&
		    (state->stack[spi].spilled_ptr.type == SCALAR_VALUE || env->allow_ptr_leaks)) {
			if (clobber) {
				__mark_reg_unknown(env, &state->stack[spi].spilled_ptr);
				for (j = 0; j < BPF_REG_SIZE; j++)
					scrub_spilled_slot(&state->stack[spi].slot_type[j]);
			}
			goto mark;
		}
		if (tnum_is_const(reg->var_off)) {
			verbose(env, "invalid read from stack R%d off %d+%d size %d\n", regno,
			        min_off, i - min_off, access_size);
		} else {
			char tn_buf[48];
			tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
			verbose(env, "invalid read from stack R%d var_off %s+%d size %d\n", regno,
			        tn_buf, i - min_off, access_size);
		}
		return -EACCES;
	mark:
		/* reading any byte of a slot reads the whole slot */
		mark_stack_slot_read(env, state, spi);
	}
	return 0;
}

/* check_stack_read_var_off: the value is a scalar (zero if all bytes may only be zero). */
static int check_stack_read_var_off(struct bpf_verifier_env *env, int ptr_regno, int off, int size,
                                    int dst_regno)
{
	struct bpf_reg_state *reg = &cur_regs(env)[ptr_regno];
	struct bpf_func_state *ptr_state = func(env, reg);
	int err = check_stack_range_initialized(env, ptr_regno, off, size, false, BPF_READ, NULL);
	if (err)
		return err;
	int min_off = (int)(reg->smin_value + off), max_off = (int)(reg->smax_value + off);
	mark_reg_stack_read(env, ptr_state, min_off, max_off + size, dst_regno);
	return 0;
}

int check_stack_read(struct bpf_verifier_env *env, int ptr_regno, int off, int size, int dst_regno)
{
	struct bpf_reg_state *reg = &cur_regs(env)[ptr_regno];
	struct bpf_func_state *state = func(env, reg);
	bool var_off = !tnum_is_const(reg->var_off);

	/* a read that does not go to a register (atomics) needs a fixed offset */
	if (dst_regno < 0 && var_off) {
		char tn_buf[48];
		tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
		verbose(env,
		        "variable offset stack pointer cannot be passed into helper function; "
		        "var_off=%s off=%d size=%d\n",
		        tn_buf, off, size);
		return -EACCES;
	}
	if (!var_off)
		return check_stack_read_fixed_off(env, state, off + (int)reg->var_off.value, size,
		                                  dst_regno);
	return check_stack_read_var_off(env, ptr_regno, off, size, dst_regno);
}

int check_stack_write(struct bpf_verifier_env *env, int ptr_regno, int off, int size,
                      int value_regno, int insn_idx)
{
	struct bpf_reg_state *reg = &cur_regs(env)[ptr_regno];
	struct bpf_func_state *state = func(env, reg);
	if (tnum_is_const(reg->var_off))
		return check_stack_write_fixed_off(env, state, off + (int)reg->var_off.value, size,
		                                   value_regno, insn_idx);
	return check_stack_write_var_off(env, state, ptr_regno, off, size, value_regno, insn_idx);
}

/* The lowest valid offset is -MAX_BPF_STACK for writes, the allocated stack for reads. */
static int check_stack_slot_within_bounds(struct bpf_verifier_env *env, s64 off,
                                          const struct bpf_func_state *state,
                                          enum bpf_access_type t)
{
	int min_valid_off = t == BPF_WRITE || env->allow_uninit_stack ? -MAX_BPF_STACK
	                                                              : -state->allocated_stack;
	return off < min_valid_off || off > -1 ? -EACCES : 0;
}

int check_stack_access_within_bounds(struct bpf_verifier_env *env, int regno, int off,
                                     int access_size, enum bpf_access_type type)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	struct bpf_func_state *state = func(env, reg);
	const char *err_extra = type == BPF_READ ? " read from" : " write to";
	s64 min_off, max_off;
	int err;

	if (tnum_is_const(reg->var_off)) {
		min_off = (s64)reg->var_off.value + off;
		max_off = min_off + access_size;
	} else {
		if (reg->smax_value >= BPF_MAX_VAR_OFF || reg->smin_value <= -BPF_MAX_VAR_OFF) {
			verbose(env, "invalid unbounded variable-offset%s stack R%d\n", err_extra,
			        regno);
			return -EACCES;
		}
		min_off = reg->smin_value + off;
		max_off = reg->smax_value + off + access_size;
	}
	err = check_stack_slot_within_bounds(env, min_off, state, type);
	if (!err && max_off > 0)
		err = -EINVAL; /* into non-negative offsets */
	if (!err && access_size < 0)
		err = -EFAULT;
	if (err) {
		if (tnum_is_const(reg->var_off)) {
			verbose(env, "invalid%s stack R%d off=%d size=%d\n", err_extra, regno, off,
			        access_size);
		} else {
			char tn_buf[48];
			tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
			verbose(env,
			        "invalid variable-offset%s stack R%d var_off=%s off=%d size=%d\n",
			        err_extra, regno, tn_buf, off, access_size);
		}
		return err;
	}
	/* no access at offset 0: the size needed is -min_off */
	return grow_stack_state(env, state, (int)-min_off);
}
