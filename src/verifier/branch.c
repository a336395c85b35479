/* branch.c — conditional jumps (check_cond_jmp_op).
 *
 * A comparison whose outcome the abstract values decide (is_branch_taken) follows one side
 * only, and marks the compared scalars precise (the decision depends on their values).
 * Otherwise both sides are explored: the other side is pushed as a new state, and each side
 * learns from the comparison (reg_set_min_max: 64- or 32-bit ranges and tnums), including
 * every register linked to the compared one by id (sync_linked_regs); a null check turns
 * a maybe-null pointer into a pointer or a zero on the two sides (mark_ptr_or_null_regs);
 * packet pointers compared to pkt_end get a checked range (find_good_pkt_pointers).
 */
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/verifier.h"

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define SWAP(a, b)                                                                                 \
	do {                                                                                       \
		__typeof__(a) __t = (a);                                                           \
		(a) = (b);                                                                         \
		(b) = __t;                                                                         \
	} while (0)

enum { AT_PKT_END = -1, BEYOND_PKT_END = -2 };
#define MAX_PACKET_OFF 0xffff

static u8 flip_opcode(u32 opcode)
{
	/* How can we transform "a <op> b" into "b <op> a"? */
	switch (opcode) {
	case BPF_JGE:
		return BPF_JLE;
	case BPF_JGT:
		return BPF_JLT;
	case BPF_JLE:
		return BPF_JGE;
	case BPF_JLT:
		return BPF_JGT;
	case BPF_JSGE:
		return BPF_JSLE;
	case BPF_JSGT:
		return BPF_JSLT;
	case BPF_JSLE:
		return BPF_JSGE;
	case BPF_JSLT:
		return BPF_JSGT;
	default:
		return (u8)opcode; /* JEQ, JNE, JSET are symmetric */
	}
}

static u8 rev_opcode(u8 opcode)
{
	switch (opcode) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JNE:
		return BPF_JEQ;
	/* JSET has no reverse: BPF_X marks "not JSET" */
	case BPF_JSET:
		return BPF_JSET | BPF_X;
	case BPF_JSET | BPF_X:
		return BPF_JSET;
	case BPF_JGE:
		return BPF_JLT;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JLE:
		return BPF_JGT;
	case BPF_JLT:
		return BPF_JGE;
	case BPF_JSGE:
		return BPF_JSLT;
	case BPF_JSGT:
		return BPF_JSLE;
	case BPF_JSLE:
		return BPF_JSGT;
	case BPF_JSLT:
		return BPF_JSGE;
	default:
		return 0;
	}
}

static bool reg_is_pkt_pointer_any(const struct bpf_reg_state *reg)
{
	return type_is_pkt_pointer(reg->type) || reg->type == PTR_TO_PACKET_END;
}

static int is_scalar_branch_taken(struct bpf_reg_state *reg1, struct bpf_reg_state *reg2, u8 opcode,
                                  bool is_jmp32)
{
	struct tnum t1 = is_jmp32 ? tnum_subreg(reg1->var_off) : reg1->var_off;
	struct tnum t2 = is_jmp32 ? tnum_subreg(reg2->var_off) : reg2->var_off;
	u64 umin1 = is_jmp32 ? (u64)reg1->u32_min_value : reg1->umin_value;
	u64 umax1 = is_jmp32 ? (u64)reg1->u32_max_value : reg1->umax_value;
	s64 smin1 = is_jmp32 ? (s64)reg1->s32_min_value : reg1->smin_value;
	s64 smax1 = is_jmp32 ? (s64)reg1->s32_max_value : reg1->smax_value;
	u64 umin2 = is_jmp32 ? (u64)reg2->u32_min_value : reg2->umin_value;
	u64 umax2 = is_jmp32 ? (u64)reg2->u32_max_value : reg2->umax_value;
	s64 smin2 = is_jmp32 ? (s64)reg2->s32_min_value : reg2->smin_value;
	s64 smax2 = is_jmp32 ? (s64)reg2->s32_max_value : reg2->smax_value;

	switch (opcode) {
	case BPF_JEQ:
		if (tnum_is_const(t1) && tnum_is_const(t2))
			return t1.value == t2.value;
		if (!tnum_overlap(t1, t2))
			return 0;
		if (umin1 > umax2 || umax1 < umin2)
			return 0;
		if (smin1 > smax2 || smax1 < smin2)
			return 0;
		if (!is_jmp32) {
			/* the 32-bit subranges may exclude equality */
			if (reg1->u32_min_value > reg2->u32_max_value ||
			    reg1->u32_max_value < reg2->u32_min_value)
				return 0;
			if (reg1->s32_min_value > reg2->s32_max_value ||
			    reg1->s32_max_value < reg2->s32_min_value)
				return 0;
		}
		break;
	case BPF_JNE:
		if (tnum_is_const(t1) && tnum_is_const(t2))
			return t1.value != t2.value;
		if (!tnum_overlap(t1, t2))
			return 1;
		if (umin1 > umax2 || umax1 < umin2)
			return 1;
		if (smin1 > smax2 || smax1 < smin2)
			return 1;
		if (!is_jmp32) {
			if (reg1->u32_min_value > reg2->u32_max_value ||
			    reg1->u32_max_value < reg2->u32_min_value)
				return 1;
			if (reg1->s32_min_value > reg2->s32_max_value ||
			    reg1->s32_max_value < reg2->s32_min_value)
				return 1;
		}
		break;
	case BPF_JSET:
		if (!is_reg_const(reg2, is_jmp32)) {
			SWAP(reg1, reg2);
			SWAP(t1, t2);
		}
		if (!is_reg_const(reg2, is_jmp32))
			return -1;
		if ((~t1.mask & t1.value) & t2.value)
			return 1;
		if (!((t1.mask | t1.value) & t2.value))
			return 0;
		break;
	case BPF_JGT:
		if (umin1 > umax2)
			return 1;
		else if (umax1 <= umin2)
			return 0;
		break;
	case BPF_JSGT:
		if (smin1 > smax2)
			return 1;
		else if (smax1 <= smin2)
			return 0;
		break;
	case BPF_JLT:
		if (umax1 < umin2)
			return 1;
		else if (umin1 >= umax2)
			return 0;
		break;
	case BPF_JSLT:
		if (smax1 < smin2)
			return 1;
		else if (smin1 >= smax2)
			return 0;
		break;
	case BPF_JGE:
		if (umin1 >= umax2)
			return 1;
		else if (umax1 < umin2)
			return 0;
		break;
	case BPF_JSGE:
		if (smin1 >= smax2)
			return 1;
		else if (smax1 < smin2)
			return 0;
		break;
	case BPF_JLE:
		if (umax1 <= umin2)
			return 1;
		else if (umin1 > umax2)
			return 0;
		break;
	case BPF_JSLE:
		if (smax1 <= smin2)
			return 1;
		else if (smin1 > smax2)
			return 0;
		break;
	}
	return -1;
}

static int is_pkt_ptr_branch_taken(struct bpf_reg_state *dst_reg, struct bpf_reg_state *src_reg,
                                   u8 opcode)
{
	struct bpf_reg_state *pkt;
	if (src_reg->type == PTR_TO_PACKET_END) {
		pkt = dst_reg;
	} else if (dst_reg->type == PTR_TO_PACKET_END) {
		pkt = src_reg;
		opcode = flip_opcode(opcode);
	} else {
		return -1;
	}
	if (pkt->range >= 0)
		return -1;
	switch (opcode) {
	case BPF_JLE: /* pkt <= pkt_end */
	case BPF_JGT: /* pkt > pkt_end */
		if (pkt->range == BEYOND_PKT_END)
			return opcode == BPF_JGT;
		break;
	case BPF_JLT: /* pkt < pkt_end */
	case BPF_JGE: /* pkt >= pkt_end */
		if (pkt->range == BEYOND_PKT_END || pkt->range == AT_PKT_END)
			return opcode == BPF_JGE;
		break;
	}
	return -1;
}

/* 1: taken, 0: not taken, -1: unknown */
int is_branch_taken(struct bpf_reg_state *reg1, struct bpf_reg_state *reg2, u8 opcode,
                    bool is_jmp32)
{
	if (reg_is_pkt_pointer_any(reg1) && reg_is_pkt_pointer_any(reg2) && !is_jmp32)
		return is_pkt_ptr_branch_taken(reg1, reg2, opcode);

	if (__is_pointer_value(false, reg1) || __is_pointer_value(false, reg2)) {
		/* a non-NULL pointer against constant zero */
		if (!is_reg_const(reg2, is_jmp32)) {
			opcode = flip_opcode(opcode);
			SWAP(reg1, reg2);
		}
		if (!is_reg_const(reg2, is_jmp32))
			return -1;
		if (!reg_not_null(reg1))
			return -1;
		if (reg_const_value(reg2, is_jmp32) != 0)
			return -1;
		switch (opcode) {
		case BPF_JEQ:
			return 0;
		case BPF_JNE:
			return 1;
		default:
			return -1;
		}
	}
	return is_scalar_branch_taken(reg1, reg2, opcode, is_jmp32);
}

/* What "reg1 <opcode> reg2" being true says about both. */
static void regs_refine_cond_op(struct bpf_reg_state *reg1, struct bpf_reg_state *reg2, u8 opcode,
                                bool is_jmp32)
{
	struct tnum t;
	u64 val;

	switch (opcode) {
	case BPF_JGE:
	case BPF_JGT:
	case BPF_JSGE:
	case BPF_JSGT:
		opcode = flip_opcode(opcode);
		SWAP(reg1, reg2);
		break;
	default:
		break;
	}

	switch (opcode) {
	case BPF_JEQ:
		if (is_jmp32) {
			reg1->u32_min_value = MAX(reg1->u32_min_value, reg2->u32_min_value);
			reg1->u32_max_value = MIN(reg1->u32_max_value, reg2->u32_max_value);
			reg1->s32_min_value = MAX(reg1->s32_min_value, reg2->s32_min_value);
			reg1->s32_max_value = MIN(reg1->s32_max_value, reg2->s32_max_value);
			reg2->u32_min_value = reg1->u32_min_value;
			reg2->u32_max_value = reg1->u32_max_value;
			reg2->s32_min_value = reg1->s32_min_value;
			reg2->s32_max_value = reg1->s32_max_value;
			t = tnum_intersect(tnum_subreg(reg1->var_off), tnum_subreg(reg2->var_off));
			reg1->var_off = tnum_with_subreg(reg1->var_off, t);
			reg2->var_off = tnum_with_subreg(reg2->var_off, t);
		} else {
			reg1->umin_value = MAX(reg1->umin_value, reg2->umin_value);
			reg1->umax_value = MIN(reg1->umax_value, reg2->umax_value);
			reg1->smin_value = MAX(reg1->smin_value, reg2->smin_value);
			reg1->smax_value = MIN(reg1->smax_value, reg2->smax_value);
			reg2->umin_value = reg1->umin_value;
			reg2->umax_value = reg1->umax_value;
			reg2->smin_value = reg1->smin_value;
			reg2->smax_value = reg1->smax_value;
			reg1->var_off = tnum_intersect(reg1->var_off, reg2->var_off);
			reg2->var_off = reg1->var_off;
		}
		break;
	case BPF_JNE:
		if (!is_reg_const(reg2, is_jmp32))
			SWAP(reg1, reg2);
		if (!is_reg_const(reg2, is_jmp32))
			break;
		/* a constant at the edge of reg1's range shrinks it */
		val = reg_const_value(reg2, is_jmp32);
		if (is_jmp32) {
			if (reg1->u32_min_value == (u32)val)
				reg1->u32_min_value++;
			if (reg1->u32_max_value == (u32)val)
				reg1->u32_max_value--;
			if (reg1->s32_min_value == (s32)val)
				reg1->s32_min_value++;
			if (reg1->s32_max_value == (s32)val)
				reg1->s32_max_value--;
		} else {
			if (reg1->umin_value == (u64)val)
				reg1->umin_value++;
			if (reg1->umax_value == (u64)val)
				reg1->umax_value--;
			if (reg1->smin_value == (s64)val)
				reg1->smin_value++;
			if (reg1->smax_value == (s64)val)
				reg1->smax_value--;
		}
		break;
	case BPF_JSET:
		if (!is_reg_const(reg2, is_jmp32))
			SWAP(reg1, reg2);
		if (!is_reg_const(reg2, is_jmp32))
			break;
		val = reg_const_value(reg2, is_jmp32);
		/* "r & mask" true only says which bit is set when mask is a single bit */
		if (!val || (val & (val - 1)))
			break;
		if (is_jmp32) {
			t = tnum_or(tnum_subreg(reg1->var_off), tnum_const(val));
			reg1->var_off = tnum_with_subreg(reg1->var_off, t);
		} else {
			reg1->var_off = tnum_or(reg1->var_off, tnum_const(val));
		}
		break;
	case BPF_JSET | BPF_X: /* !(r & mask): none of mask's bits is set */
		if (!is_reg_const(reg2, is_jmp32))
			SWAP(reg1, reg2);
		if (!is_reg_const(reg2, is_jmp32))
			break;
		val = reg_const_value(reg2, is_jmp32);
		/* forget the ranges first: a dead branch must not break invariants */
		__mark_reg_unbounded(reg1);
		if (is_jmp32) {
			t = tnum_and(tnum_subreg(reg1->var_off), tnum_const(~val));
			reg1->var_off = tnum_with_subreg(reg1->var_off, t);
		} else {
			reg1->var_off = tnum_and(reg1->var_off, tnum_const(~val));
		}
		break;
	case BPF_JLE:
		if (is_jmp32) {
			reg1->u32_max_value = MIN(reg1->u32_max_value, reg2->u32_max_value);
			reg2->u32_min_value = MAX(reg1->u32_min_value, reg2->u32_min_value);
		} else {
			reg1->umax_value = MIN(reg1->umax_value, reg2->umax_value);
			reg2->umin_value = MAX(reg1->umin_value, reg2->umin_value);
		}
		break;
	case BPF_JLT:
		if (is_jmp32) {
			reg1->u32_max_value = MIN(reg1->u32_max_value, reg2->u32_max_value - 1);
			reg2->u32_min_value = MAX(reg1->u32_min_value + 1, reg2->u32_min_value);
		} else {
			reg1->umax_value = MIN(reg1->umax_value, reg2->umax_value - 1);
			reg2->umin_value = MAX(reg1->umin_value + 1, reg2->umin_value);
		}
		break;
	case BPF_JSLE:
		if (is_jmp32) {
			reg1->s32_max_value = MIN(reg1->s32_max_value, reg2->s32_max_value);
			reg2->s32_min_value = MAX(reg1->s32_min_value, reg2->s32_min_value);
		} else {
			reg1->smax_value = MIN(reg1->smax_value, reg2->smax_value);
			reg2->smin_value = MAX(reg1->smin_value, reg2->smin_value);
		}
		break;
	case BPF_JSLT:
		if (is_jmp32) {
			reg1->s32_max_value = MIN(reg1->s32_max_value, reg2->s32_max_value - 1);
			reg2->s32_min_value = MAX(reg1->s32_min_value + 1, reg2->s32_min_value);
		} else {
			reg1->smax_value = MIN(reg1->smax_value, reg2->smax_value - 1);
			reg2->smin_value = MAX(reg1->smin_value + 1, reg2->smin_value);
		}
		break;
	default:
		return;
	}
}

int reg_set_min_max(struct bpf_verifier_env *env, struct bpf_reg_state *true_reg1,
                    struct bpf_reg_state *true_reg2, struct bpf_reg_state *false_reg1,
                    struct bpf_reg_state *false_reg2, u8 opcode, bool is_jmp32)
{
	int err;
	/* nothing is learnt about pointers' offsets from a comparison */
	if (false_reg1->type != SCALAR_VALUE || false_reg2->type != SCALAR_VALUE)
		return 0;
	/* a register compared with itself: the branch direction was decided */
	if (false_reg1 == false_reg2)
		return 0;
	/* fallthrough (FALSE) branch */
	regs_refine_cond_op(false_reg1, false_reg2, rev_opcode(opcode), is_jmp32);
	reg_bounds_sync(false_reg1);
	reg_bounds_sync(false_reg2);
	/* jump (TRUE) branch */
	regs_refine_cond_op(true_reg1, true_reg2, opcode, is_jmp32);
	reg_bounds_sync(true_reg1);
	reg_bounds_sync(true_reg2);

	err = reg_bounds_sanity_check(env, true_reg1, "true_reg1");
	if (!err)
		err = reg_bounds_sanity_check(env, true_reg2, "true_reg2");
	if (!err)
		err = reg_bounds_sanity_check(env, false_reg1, "false_reg1");
	if (!err)
		err = reg_bounds_sanity_check(env, false_reg2, "false_reg2");
	return err;
}

/* ---- null checks ---- */

const struct bpf_map *bpf_inner_map_meta(struct bpf_verifier_env *env, const struct bpf_map *map)
{
	for (u32 i = 0; i < env->used_map_cnt; i++) {
		if (env->used_maps[i] != map)
			continue;
		if (!env->inner_map_metas[i]) {
			struct bpf_map *m = calloc(1, sizeof *m);
			if (!m)
				return NULL;
			m->map_type = map->sh->inner_map_type;
			m->key_size = map->sh->inner_key_size;
			m->value_size = map->sh->inner_value_size;
			m->max_entries = map->sh->inner_max_entries;
			m->map_flags = map->sh->inner_map_flags;
			m->ops = bpf_map_ops_get(m->map_type);
			env->inner_map_metas[i] = m;
		}
		return env->inner_map_metas[i];
	}
	return NULL;
}

static bool map_is_of_maps(const struct bpf_map *map)
{
	return map && map->sh &&
	       (map->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	        map->map_type == BPF_MAP_TYPE_HASH_OF_MAPS);
}

void mark_ptr_not_null_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	if (base_type(reg->type) == PTR_TO_MAP_VALUE) {
		const struct bpf_map *map = reg->map_ptr;
		if (map_is_of_maps(map)) {
			const struct bpf_map *meta = bpf_inner_map_meta(env, map);
			reg->type = CONST_PTR_TO_MAP;
			reg->map_ptr = meta;
		} else if (map && map->map_type == BPF_MAP_TYPE_XSKMAP) {
			reg->type = PTR_TO_XDP_SOCK;
		} else if (map && (map->map_type == BPF_MAP_TYPE_SOCKMAP ||
		                   map->map_type == BPF_MAP_TYPE_SOCKHASH)) {
			reg->type = PTR_TO_SOCKET;
		} else {
			reg->type = PTR_TO_MAP_VALUE;
		}
		return;
	}
	reg->type &= ~PTR_MAYBE_NULL;
}

static void mark_ptr_or_null_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 id,
                                 bool is_null)
{
	if (!type_may_be_null(reg->type) || reg->id != id || !reg->id)
		return;
	/* no arithmetic is allowed on maybe-null pointers: the offset is zero */
	if (reg->smin_value || reg->smax_value || !tnum_equals_const(reg->var_off, 0))
		return;
	if (!(reg->type & (MEM_ALLOC | NON_OWN_REF)) && reg->off)
		return;
	if (is_null) {
		reg->type = SCALAR_VALUE;
		/* id and ref_obj_id are not needed any more: drop them for pruning */
		reg->id = 0;
		reg->ref_obj_id = 0;
		return;
	}
	mark_ptr_not_null_reg(env, reg);
	/* a map value with a spin lock keeps its id (the lock is tied to it) */
	if (!(reg->type == PTR_TO_MAP_VALUE && reg->map_ptr && reg->map_ptr->sh &&
	      reg->map_ptr->sh->spin_lock_off >= 0))
		reg->id = 0;
}

void mark_ptr_or_null_regs_env(struct bpf_verifier_env *env, struct bpf_verifier_state *vstate,
                               u32 regno, bool is_null)
{
	struct bpf_func_state *state = vstate->frame[vstate->curframe];
	struct bpf_reg_state *regs = state->regs;
	u32 ref_obj_id = regs[regno].ref_obj_id;
	u32 id = regs[regno].id;

	if (ref_obj_id && ref_obj_id == id && is_null)
		/* the NULL side: the reference was never taken */
		release_reference_nomark(vstate, (int)id);
	for (u32 f = 0; f <= vstate->curframe; f++) {
		struct bpf_func_state *fs = vstate->frame[f];
		for (int i = 0; i < MAX_BPF_REG; i++)
			mark_ptr_or_null_reg(env, &fs->regs[i], id, is_null);
		for (int i = 0; i < fs->allocated_stack / BPF_REG_SIZE; i++)
			if (fs->stack[i].slot_type[BPF_REG_SIZE - 1] == STACK_SPILL)
				mark_ptr_or_null_reg(env, &fs->stack[i].spilled_ptr, id, is_null);
	}
}

/* ---- packet pointers ---- */

static void find_good_pkt_pointers(struct bpf_verifier_state *vstate, struct bpf_reg_state *dst_reg,
                                   enum bpf_reg_type type, bool range_right_open)
{
	int new_range;
	if (dst_reg->off < 0 || (dst_reg->off == 0 && range_right_open))
		return; /* no range */
	if (dst_reg->umax_value > MAX_PACKET_OFF ||
	    dst_reg->umax_value + (u64)(s64)dst_reg->off > MAX_PACKET_OFF)
		return; /* risk of overflow */
	new_range = dst_reg->off;
	if (range_right_open)
		new_range++;
	u32 id = dst_reg->id;
	for (u32 f = 0; f <= vstate->curframe; f++) {
		struct bpf_func_state *fs = vstate->frame[f];
		for (int i = 0; i < MAX_BPF_REG; i++) {
			struct bpf_reg_state *reg = &fs->regs[i];
			if (reg->type == type && reg->id == id)
				reg->range = MAX(reg->range, new_range);
		}
		for (int i = 0; i < fs->allocated_stack / BPF_REG_SIZE; i++) {
			if (fs->stack[i].slot_type[BPF_REG_SIZE - 1] != STACK_SPILL)
				continue;
			struct bpf_reg_state *reg = &fs->stack[i].spilled_ptr;
			if (reg->type == type && reg->id == id)
				reg->range = MAX(reg->range, new_range);
		}
	}
}

static void mark_pkt_end(struct bpf_verifier_state *vstate, int regn, bool range_open)
{
	struct bpf_reg_state *reg = &vstate->frame[vstate->curframe]->regs[regn];
	if (reg->type != PTR_TO_PACKET)
		return; /* PTR_TO_PACKET_META is not supported yet */
	reg->range = range_open ? BEYOND_PKT_END : AT_PKT_END;
}

static bool reg_is_init_pkt_pointer(const struct bpf_reg_state *reg, enum bpf_reg_type which)
{
	return reg->type == which && reg->id == 0 && reg->off == 0 &&
	       tnum_equals_const(reg->var_off, 0);
}

static bool try_match_pkt_pointers(const struct bpf_insn *insn, struct bpf_reg_state *dst_reg,
                                   struct bpf_reg_state *src_reg,
                                   struct bpf_verifier_state *this_branch,
                                   struct bpf_verifier_state *other_branch)
{
	if (BPF_SRC(insn->code) != BPF_X || BPF_CLASS(insn->code) == BPF_JMP32)
		return false;
	/* "data' op end" or "meta' op data", and the mirrored forms */
	bool left = (dst_reg->type == PTR_TO_PACKET && src_reg->type == PTR_TO_PACKET_END) ||
	            (dst_reg->type == PTR_TO_PACKET_META &&
	             reg_is_init_pkt_pointer(src_reg, PTR_TO_PACKET));
	bool right = (dst_reg->type == PTR_TO_PACKET_END && src_reg->type == PTR_TO_PACKET) ||
	             (reg_is_init_pkt_pointer(dst_reg, PTR_TO_PACKET) &&
	              src_reg->type == PTR_TO_PACKET_META);
	/* the side where the access is safe gets the range; the other knows pkt vs end */
	switch (BPF_OP(insn->code)) {
	case BPF_JGT:
		if (left) { /* pkt' > end: safe when not taken */
			find_good_pkt_pointers(this_branch, dst_reg, dst_reg->type, false);
			mark_pkt_end(other_branch, insn->dst_reg, true);
		} else if (right) { /* end > pkt': safe when taken */
			find_good_pkt_pointers(other_branch, src_reg, src_reg->type, true);
			mark_pkt_end(this_branch, insn->src_reg, false);
		} else {
			return false;
		}
		break;
	case BPF_JLT:
		if (left) { /* pkt' < end */
			find_good_pkt_pointers(other_branch, dst_reg, dst_reg->type, true);
			mark_pkt_end(this_branch, insn->dst_reg, false);
		} else if (right) { /* end < pkt' */
			find_good_pkt_pointers(this_branch, src_reg, src_reg->type, false);
			mark_pkt_end(other_branch, insn->src_reg, true);
		} else {
			return false;
		}
		break;
	case BPF_JGE:
		if (left) { /* pkt' >= end */
			find_good_pkt_pointers(this_branch, dst_reg, dst_reg->type, true);
			mark_pkt_end(other_branch, insn->dst_reg, false);
		} else if (right) { /* end >= pkt' */
			find_good_pkt_pointers(other_branch, src_reg, src_reg->type, false);
			mark_pkt_end(this_branch, insn->src_reg, true);
		} else {
			return false;
		}
		break;
	case BPF_JLE:
		if (left) { /* pkt' <= end */
			find_good_pkt_pointers(other_branch, dst_reg, dst_reg->type, false);
			mark_pkt_end(this_branch, insn->dst_reg, true);
		} else if (right) { /* end <= pkt' */
			find_good_pkt_pointers(this_branch, src_reg, src_reg->type, true);
			mark_pkt_end(other_branch, insn->src_reg, false);
		} else {
			return false;
		}
		break;
	default:
		return false;
	}
	return true;
}

/* ---- linked scalars ---- */

#define LINKED_REGS_MAX 6

struct linked_reg {
	u8 frameno;
	u8 regno; /* or spi */
	bool is_reg;
};

struct linked_regs {
	int cnt;
	struct linked_reg entries[LINKED_REGS_MAX];
};

static void __collect_linked_regs(struct linked_regs *set, struct bpf_reg_state *reg, u32 id,
                                  u32 frameno, u32 spi_or_reg, bool is_reg)
{
	if (reg->type != SCALAR_VALUE || (reg->id & ~BPF_ADD_CONST) != id)
		return;
	if (set->cnt < LINKED_REGS_MAX) {
		struct linked_reg *e = &set->entries[set->cnt++];
		e->frameno = (u8)frameno;
		e->is_reg = is_reg;
		e->regno = (u8)spi_or_reg;
	} else {
		reg->id = 0; /* too many: this one is not linked any more */
	}
}

static u32 frame_insn_idx(const struct bpf_verifier_state *st, u32 frame)
{
	return frame == st->curframe ? st->insn_idx : (u32)st->frame[frame + 1]->callsite;
}

static void collect_linked_regs(struct bpf_verifier_env *env, struct bpf_verifier_state *vstate,
                                u32 id, struct linked_regs *linked_regs)
{
	id &= ~BPF_ADD_CONST;
	for (int i = (int)vstate->curframe; i >= 0; i--) {
		u16 live_regs = env->insn_aux_data[frame_insn_idx(vstate, (u32)i)].live_regs_before;
		struct bpf_func_state *func = vstate->frame[i];
		for (int j = 0; j < BPF_REG_FP; j++) {
			if (!(live_regs & (1u << j)))
				continue;
			__collect_linked_regs(linked_regs, &func->regs[j], id, (u32)i, (u32)j,
			                      true);
		}
		for (int j = 0; j < func->allocated_stack / BPF_REG_SIZE; j++) {
			if (func->stack[j].slot_type[BPF_REG_SIZE - 1] != STACK_SPILL)
				continue;
			__collect_linked_regs(linked_regs, &func->stack[j].spilled_ptr, id, (u32)i,
			                      (u32)j, false);
		}
	}
}

/* jmp history form: 3 bits count, then 10 bits per entry (frameno:3 spi/regno:6 is_reg:1) */
static u64 linked_regs_pack(const struct linked_regs *s)
{
	u64 val = 0;
	for (int i = 0; i < s->cnt; ++i) {
		const struct linked_reg *e = &s->entries[i];
		u64 tmp = 0;
		tmp |= e->frameno;
		tmp |= (u64)e->regno << 3;
		tmp |= (u64)(e->is_reg ? 1 : 0) << 9;
		val <<= 10;
		val |= tmp;
	}
	val <<= 3;
	val |= (u64)s->cnt;
	return val;
}

void linked_regs_unpack(u64 val, int *cnt, u8 frameno[], u8 regno[], bool is_reg[])
{
	*cnt = (int)(val & 7);
	val >>= 3;
	for (int i = 0; i < *cnt; ++i) {
		frameno[i] = val & 7;
		regno[i] = (val >> 3) & 0x3f;
		is_reg[i] = (val >> 9) & 1;
		val >>= 10;
	}
}

static void sync_linked_regs(struct bpf_verifier_env *env, struct bpf_verifier_state *vstate,
                             struct bpf_reg_state *known_reg, struct linked_regs *linked_regs)
{
	for (int i = 0; i < linked_regs->cnt; ++i) {
		struct linked_reg *e = &linked_regs->entries[i];
		struct bpf_reg_state *reg =
		        e->is_reg ? &vstate->frame[e->frameno]->regs[e->regno]
		                  : &vstate->frame[e->frameno]->stack[e->regno].spilled_ptr;
		if (reg->type != SCALAR_VALUE || reg == known_reg)
			continue;
		if ((reg->id & ~BPF_ADD_CONST) != (known_reg->id & ~BPF_ADD_CONST))
			continue;
		s32 saved_subreg_def = reg->subreg_def;
		if ((!(reg->id & BPF_ADD_CONST) && !(known_reg->id & BPF_ADD_CONST)) ||
		    reg->off == known_reg->off) {
			copy_register_state(reg, known_reg);
			reg->subreg_def = saved_subreg_def;
		} else {
			/* reg = known_reg + (reg->off - known_reg->off) */
			s32 saved_off = reg->off;
			u32 saved_id = reg->id;
			struct bpf_reg_state fake = {0};
			fake.type = SCALAR_VALUE;
			__mark_reg_known(&fake, (u64)((s64)reg->off - (s64)known_reg->off));
			copy_register_state(reg, known_reg);
			/* keep off and the id's ADD_CONST flag: later syncs depend on them */
			reg->off = saved_off;
			reg->id = saved_id;
			reg->subreg_def = saved_subreg_def;
			scalar_min_max_add_nosync(reg, &fake);
			if ((reg->id | known_reg->id) & BPF_ADD_CONST32) {
				/* the add was in 32 bits: it wraps there and zero-extends */
				reg->var_off = tnum_subreg(reg->var_off);
				__reg_assign_32_into_64(reg);
			}
			reg_bounds_sync(reg);
		}
	}
}

/* ---- may_goto ---- */

static int check_may_goto(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx)
{
	int idx = *insn_idx;
	if (insn->code != (BPF_JMP | BPF_JCOND) || insn->src_reg != BPF_MAY_GOTO || insn->dst_reg ||
	    insn->imm) {
		verbose(env, "invalid may_goto imm %d\n", insn->imm);
		return -EINVAL;
	}
	struct bpf_verifier_state *prev_st =
	        env->cur_state->parent ? find_prev_entry(env, env->cur_state->parent, idx) : NULL;
	/* the fall-through is explored as a new state, one iteration deeper */
	struct bpf_verifier_state *queued = push_stack(env, idx + 1, idx, false);
	if (!queued)
		return -ENOMEM;
	queued->may_goto_depth++;
	if (prev_st)
		widen_imprecise_scalars(env, prev_st, queued);
	*insn_idx += insn->off;
	return 0;
}

int check_cond_jmp_op(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx)
{
	struct bpf_verifier_state *this_branch = env->cur_state;
	struct bpf_reg_state *regs = this_branch->frame[this_branch->curframe]->regs;
	struct bpf_reg_state *dst_reg, *src_reg, *other_branch_regs;
	struct linked_regs linked_regs = {0};
	u8 opcode = BPF_OP(insn->code);
	int insn_flags = 0, pred, err;
	bool is_jmp32;

	if (opcode == BPF_JA || opcode > BPF_JCOND) {
		verbose(env, "invalid BPF_JMP/JMP32 opcode %x\n", opcode);
		return -EINVAL;
	}
	if (opcode == BPF_JCOND)
		return check_may_goto(env, insn, insn_idx);

	if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
		return err;
	dst_reg = &regs[insn->dst_reg];
	if (BPF_SRC(insn->code) == BPF_X) {
		if (insn->imm != 0) {
			verbose(env, "BPF_JMP/JMP32 uses reserved fields\n");
			return -EINVAL;
		}
		if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
			return err;
		src_reg = &regs[insn->src_reg];
		if (!(reg_is_pkt_pointer_any(dst_reg) && reg_is_pkt_pointer_any(src_reg)) &&
		    is_pointer_value(env, insn->src_reg)) {
			verbose(env, "R%d pointer comparison prohibited\n", insn->src_reg);
			return -EACCES;
		}
		if (src_reg->type == PTR_TO_STACK)
			insn_flags |= INSN_F_SRC_REG_STACK;
		if (dst_reg->type == PTR_TO_STACK)
			insn_flags |= INSN_F_DST_REG_STACK;
	} else {
		if (insn->src_reg != BPF_REG_0) {
			verbose(env, "BPF_JMP/JMP32 uses reserved fields\n");
			return -EINVAL;
		}
		src_reg = &env->fake_reg[0];
		memset(src_reg, 0, sizeof *src_reg);
		src_reg->type = SCALAR_VALUE;
		__mark_reg_known(src_reg, (u64)(s64)insn->imm);
		if (dst_reg->type == PTR_TO_STACK)
			insn_flags |= INSN_F_DST_REG_STACK;
	}
	if (insn_flags && (err = push_insn_history(env, this_branch, insn_flags, 0)))
		return err;

	is_jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;
	pred = is_branch_taken(dst_reg, src_reg, opcode, is_jmp32);
	if (pred >= 0) {
		/* the decision depends on the values: they must be precise */
		if (!__is_pointer_value(false, dst_reg))
			err = mark_chain_precision(env, insn->dst_reg);
		if (BPF_SRC(insn->code) == BPF_X && !err && !__is_pointer_value(false, src_reg))
			err = mark_chain_precision(env, insn->src_reg);
		if (err)
			return err;
	}
	if (pred == 1) {
		/* only the jump is followed */
		if (env->log.level & BPF_LOG_LEVEL)
			print_insn_state(env, this_branch, this_branch->curframe);
		*insn_idx += insn->off;
		return 0;
	} else if (pred == 0) {
		/* only the fall-through is followed */
		if (env->log.level & BPF_LOG_LEVEL)
			print_insn_state(env, this_branch, this_branch->curframe);
		return 0;
	}

	/* linked scalars go to the history before the branch splits, so both sides share it */
	if (BPF_SRC(insn->code) == BPF_X && src_reg->type == SCALAR_VALUE && src_reg->id)
		collect_linked_regs(env, this_branch, src_reg->id, &linked_regs);
	if (dst_reg->type == SCALAR_VALUE && dst_reg->id)
		collect_linked_regs(env, this_branch, dst_reg->id, &linked_regs);
	if (linked_regs.cnt > 1 &&
	    (err = push_insn_history(env, this_branch, 0, linked_regs_pack(&linked_regs))))
		return err;

	struct bpf_verifier_state *other_branch =
	        push_stack(env, *insn_idx + insn->off + 1, *insn_idx, false);
	if (!other_branch)
		return -EFAULT;
	other_branch_regs = other_branch->frame[other_branch->curframe]->regs;

	if (BPF_SRC(insn->code) == BPF_X) {
		err = reg_set_min_max(env, &other_branch_regs[insn->dst_reg],
		                      &other_branch_regs[insn->src_reg], dst_reg, src_reg, opcode,
		                      is_jmp32);
	} else {
		/* two copies of the constant: reg_set_min_max may narrow them */
		env->fake_reg[1] = env->fake_reg[0];
		err = reg_set_min_max(env, &other_branch_regs[insn->dst_reg], &env->fake_reg[0],
		                      dst_reg, &env->fake_reg[1], opcode, is_jmp32);
	}
	if (err)
		return err;

	if (BPF_SRC(insn->code) == BPF_X && src_reg->type == SCALAR_VALUE && src_reg->id &&
	    src_reg->id == other_branch_regs[insn->src_reg].id) {
		sync_linked_regs(env, this_branch, src_reg, &linked_regs);
		sync_linked_regs(env, other_branch, &other_branch_regs[insn->src_reg],
		                 &linked_regs);
	}
	if (dst_reg->type == SCALAR_VALUE && dst_reg->id &&
	    dst_reg->id == other_branch_regs[insn->dst_reg].id) {
		sync_linked_regs(env, this_branch, dst_reg, &linked_regs);
		sync_linked_regs(env, other_branch, &other_branch_regs[insn->dst_reg],
		                 &linked_regs);
	}

	/* a maybe-null pointer equal to a non-null one is not null on that side */
	if (!is_jmp32 && BPF_SRC(insn->code) == BPF_X && __is_pointer_value(false, src_reg) &&
	    __is_pointer_value(false, dst_reg) &&
	    type_may_be_null(src_reg->type) != type_may_be_null(dst_reg->type) &&
	    base_type(src_reg->type) != PTR_TO_BTF_ID &&
	    base_type(dst_reg->type) != PTR_TO_BTF_ID) {
		struct bpf_reg_state *eq_branch_regs = NULL;
		if (opcode == BPF_JEQ)
			eq_branch_regs = other_branch_regs;
		else if (opcode == BPF_JNE)
			eq_branch_regs = regs;
		if (eq_branch_regs) {
			if (type_may_be_null(src_reg->type))
				mark_ptr_not_null_reg(env, &eq_branch_regs[insn->src_reg]);
			else
				mark_ptr_not_null_reg(env, &eq_branch_regs[insn->dst_reg]);
		}
	}

	if (!is_jmp32 && BPF_SRC(insn->code) == BPF_K && insn->imm == 0 &&
	    (opcode == BPF_JEQ || opcode == BPF_JNE) && type_may_be_null(dst_reg->type)) {
		/* r == 0 of a maybe-null pointer: every copy is a pointer or NULL */
		mark_ptr_or_null_regs_env(env, this_branch, insn->dst_reg, opcode == BPF_JNE);
		mark_ptr_or_null_regs_env(env, other_branch, insn->dst_reg, opcode == BPF_JEQ);
	} else if (!try_match_pkt_pointers(insn, dst_reg, &regs[insn->src_reg], this_branch,
	                                   other_branch) &&
	           is_pointer_value(env, insn->dst_reg)) {
		verbose(env, "R%d pointer comparison prohibited\n", insn->dst_reg);
		return -EACCES;
	}
	if (env->log.level & BPF_LOG_LEVEL)
		print_insn_state(env, this_branch, this_branch->curframe);
	return 0;
}
