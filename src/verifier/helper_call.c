/* helper_call.c — a call of a helper function (check_helper_call).
 *
 * In the kernel's order: the prototype for the program type ("invalid func %s#%d" past the
 * last id, "program of this type cannot use helper %s#%d"), the license, sleepability,
 * every argument (helper_args.c), the map the call names (read-only maps refuse writing
 * helpers; a tail call's constant index is recorded), the stack bytes a helper fills,
 * released references, the calls that need more (tail calls may not leak, callbacks are
 * pushed for exploration as their own frames, bpf_snprintf's format is checked now); then
 * r1-r5 become unreadable and r0 gets the return type: a scalar (bounded for a few
 * helpers), a map value or NULL with a fresh id (not NULL for an array lookup with a
 * constant key in range), memory of the requested size with a reference to give back.
 * Last, the map and helper must be compatible (helper_compat.c's table).
 */
#include <string.h>

#include "core/cpu.h"
#include "maps/map.h"
#include "verifier/mem_internal.h"

#define BPF_MAP_KEY_POISON (1ULL << 63)
#define BPF_MAP_KEY_SEEN (1ULL << 62)
#define MAX_ERRNO 4095

static const u32 caller_saved[] = {BPF_REG_0, BPF_REG_1, BPF_REG_2,
                                   BPF_REG_3, BPF_REG_4, BPF_REG_5};

static bool is_acquire_function(int func_id, const struct bpf_map *map)
{
	u32 map_type = map ? map->map_type : BPF_MAP_TYPE_UNSPEC;
	if (func_id == BPF_FUNC_sk_lookup_tcp || func_id == BPF_FUNC_sk_lookup_udp ||
	    func_id == BPF_FUNC_skc_lookup_tcp || func_id == BPF_FUNC_ringbuf_reserve ||
	    func_id == BPF_FUNC_kptr_xchg)
		return true;
	return func_id == BPF_FUNC_map_lookup_elem &&
	       (map_type == BPF_MAP_TYPE_SOCKMAP || map_type == BPF_MAP_TYPE_SOCKHASH);
}

/* The prototype the program type gives for func_id; -ERANGE past the last helper id. */
static int get_helper_proto(struct bpf_verifier_env *env, int func_id,
                            const struct bpf_func_proto **ptr)
{
	if (func_id < 0 || func_id >= __BPF_FUNC_MAX_ID)
		return -ERANGE;
	if (env->ops && env->ops->get_func_proto)
		*ptr = env->ops->get_func_proto((u32)func_id, env->expected_attach_type);
	else
		*ptr = bpf_base_func_proto((u32)func_id);
	return *ptr ? 0 : -EINVAL;
}

static int record_func_map(struct bpf_verifier_env *env, const struct bpf_call_arg_meta *meta,
                           int func_id, int insn_idx)
{
	struct bpf_insn_aux_data *aux = &env->insn_aux_data[insn_idx];
	const struct bpf_map *map = meta->map_ptr;
	switch (func_id) {
	case BPF_FUNC_tail_call:
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_update_elem:
	case BPF_FUNC_map_delete_elem:
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_pop_elem:
	case BPF_FUNC_map_peek_elem:
	case BPF_FUNC_for_each_map_elem:
	case BPF_FUNC_redirect_map:
	case BPF_FUNC_map_lookup_percpu_elem:
		break;
	default:
		return 0;
	}
	if (!map) {
		verbose(env, "kernel subsystem misconfigured verifier\n");
		return -EINVAL;
	}
	/* a read-only map may not be changed from the program side */
	if ((map->map_flags & BPF_F_RDONLY_PROG) &&
	    (func_id == BPF_FUNC_map_delete_elem || func_id == BPF_FUNC_map_update_elem ||
	     func_id == BPF_FUNC_map_push_elem || func_id == BPF_FUNC_map_pop_elem)) {
		verbose(env, "write into map forbidden\n");
		return -EACCES;
	}
	if (!aux->map_ptr_state.map_ptr) {
		aux->map_ptr_state.map_ptr = map;
		aux->map_ptr_state.unpriv |= !env->bypass_spec_v1;
	} else if (aux->map_ptr_state.map_ptr != map) {
		aux->map_ptr_state.map_ptr = map;
		aux->map_ptr_state.poison = true;
	}
	return 0;
}

/* A tail call with a constant index in range can be a direct jump: remember the index
 * (poisoned when another path uses another one). */
static int record_func_key(struct bpf_verifier_env *env, const struct bpf_call_arg_meta *meta,
                           int func_id, int insn_idx)
{
	struct bpf_insn_aux_data *aux = &env->insn_aux_data[insn_idx];
	const struct bpf_map *map = meta->map_ptr;
	if (func_id != BPF_FUNC_tail_call)
		return 0;
	if (!map || map->map_type != BPF_MAP_TYPE_PROG_ARRAY) {
		verbose(env, "expected prog array map for tail call"); /* 6.18: no newline */
		return -EINVAL;
	}
	const struct bpf_reg_state *reg = &cur_regs(env)[BPF_REG_3];
	u64 val = reg->var_off.value;
	if (!(is_reg_const(reg, false) && val < map->max_entries)) {
		aux->map_key_state |= BPF_MAP_KEY_POISON | BPF_MAP_KEY_SEEN;
		return 0;
	}
	int err = mark_chain_precision(env, BPF_REG_3);
	if (err)
		return err;
	bool poisoned = aux->map_key_state & BPF_MAP_KEY_POISON;
	if (!(aux->map_key_state & BPF_MAP_KEY_SEEN))
		aux->map_key_state = val | BPF_MAP_KEY_SEEN | (poisoned ? BPF_MAP_KEY_POISON : 0);
	else if (!poisoned &&
	         (aux->map_key_state & ~(BPF_MAP_KEY_SEEN | BPF_MAP_KEY_POISON)) != val)
		aux->map_key_state |= BPF_MAP_KEY_POISON;
	return 0;
}

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's internal "operation not supported" */
#endif

/* check_get_func_ip: the function address exists for kprobes and for tracing programs
 * attached through a trampoline (fentry, fexit, fmod_ret) only. */
static int check_get_func_ip(struct bpf_verifier_env *env)
{
	const int func_id = BPF_FUNC_get_func_ip;
	if (env->prog_type == BPF_PROG_TYPE_TRACING) {
		u32 eat = env->expected_attach_type;
		if (eat != BPF_TRACE_FENTRY && eat != BPF_TRACE_FEXIT && eat != BPF_MODIFY_RETURN) {
			verbose(env,
			        "func %s#%d supported only for fentry/fexit/fmod_ret programs\n",
			        bpf_func_id_name(func_id), func_id);
			return -ENOTSUPP;
		}
		return 0;
	}
	if (env->prog_type == BPF_PROG_TYPE_KPROBE)
		return 0;
	verbose(env, "func %s#%d not supported for program type %u\n", bpf_func_id_name(func_id),
	        func_id, env->prog_type);
	return -ENOTSUPP;
}

/* bpf_snprintf's format is checked at load time against the number of arguments. */
static int check_bpf_snprintf_call(struct bpf_verifier_env *env, struct bpf_reg_state *regs)
{
	const struct bpf_reg_state *fmt_reg = &regs[BPF_REG_3], *len_reg = &regs[BPF_REG_5];
	const struct bpf_map *fmt_map = fmt_reg->map_ptr;
	const void *base;
	if (len_reg->var_off.value % 8)
		return -EINVAL;
	u32 num_args = (u32)(len_reg->var_off.value / 8);
	u32 off = (u32)(fmt_reg->off + (s64)fmt_reg->var_off.value);
	if (bpf_map_direct_value_addr(fmt_map, off, &base)) {
		verbose(env, "verifier bug\n");
		return -EFAULT;
	}
	int err = bpf_bprintf_check((const char *)base + off, fmt_map->value_size - off, num_args);
	if (err < 0)
		verbose(env, "Invalid format string\n");
	return err;
}

/* do_refine_retval_range: what some helpers' return values are known to be. */
static int do_refine_retval_range(struct bpf_verifier_env *env, struct bpf_reg_state *regs,
                                  u32 ret_type, int func_id, const struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *r = &regs[BPF_REG_0];
	if (ret_type != RET_INTEGER)
		return 0;
	switch (func_id) {
	case BPF_FUNC_get_stack:
	case BPF_FUNC_get_task_stack:
	case BPF_FUNC_probe_read_str:
	case BPF_FUNC_probe_read_kernel_str:
	case BPF_FUNC_probe_read_user_str:
		r->smax_value = (s64)meta->msize_max_value;
		r->s32_max_value = (s32)meta->msize_max_value;
		r->smin_value = -MAX_ERRNO;
		r->s32_min_value = -MAX_ERRNO;
		reg_bounds_sync(r);
		break;
	case BPF_FUNC_get_smp_processor_id: {
		u32 max = (u32)ub_num_possible_cpus() - 1;
		r->umax_value = r->u32_max_value = max;
		r->smax_value = r->s32_max_value = (s32)max;
		r->umin_value = r->u32_min_value = 0;
		r->smin_value = r->s32_min_value = 0;
		reg_bounds_sync(r);
		break;
	}
	default:
		break;
	}
	return reg_bounds_sanity_check(env, r, "retval");
}

/* The r0 a helper leaves, by its return type. */
static int set_return_reg(struct bpf_verifier_env *env, const struct bpf_func_proto *fn,
                          int func_id, const struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *regs = cur_regs(env);
	u32 ret_flag = bpf_type_flags(fn->ret_type);
	switch (bpf_type_base(fn->ret_type)) {
	case RET_INTEGER:
		mark_reg_unknown(env, regs, BPF_REG_0);
		break;
	case RET_VOID:
		regs[BPF_REG_0].type = NOT_INIT;
		break;
	case RET_PTR_TO_MAP_VALUE:
		mark_reg_known_zero(env, regs, BPF_REG_0);
		if (!meta->map_ptr) {
			verbose(env, "kernel subsystem misconfigured verifier\n");
			return -EINVAL;
		}
		/* an array lookup with a constant key in range cannot miss */
		if (func_id == BPF_FUNC_map_lookup_elem &&
		    (meta->map_ptr->map_type == BPF_MAP_TYPE_ARRAY ||
		     meta->map_ptr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
		    meta->const_map_key >= 0 && meta->const_map_key < meta->map_ptr->max_entries)
			ret_flag &= ~(u32)PTR_MAYBE_NULL;
		regs[BPF_REG_0].map_ptr = meta->map_ptr;
		regs[BPF_REG_0].map_uid = meta->map_uid;
		regs[BPF_REG_0].type = PTR_TO_MAP_VALUE | ret_flag;
		/* values with a spin lock: each pointer names its own lock */
		if (!type_may_be_null(ret_flag) && meta->map_ptr->sh &&
		    meta->map_ptr->sh->spin_lock_off >= 0)
			regs[BPF_REG_0].id = bpf_new_id(env);
		break;
	case RET_PTR_TO_SOCKET:
		mark_reg_known_zero(env, regs, BPF_REG_0);
		regs[BPF_REG_0].type = PTR_TO_SOCKET | ret_flag;
		break;
	case RET_PTR_TO_SOCK_COMMON:
		mark_reg_known_zero(env, regs, BPF_REG_0);
		regs[BPF_REG_0].type = PTR_TO_SOCK_COMMON | ret_flag;
		break;
	case RET_PTR_TO_TCP_SOCK:
		mark_reg_known_zero(env, regs, BPF_REG_0);
		regs[BPF_REG_0].type = PTR_TO_TCP_SOCK | ret_flag;
		break;
	case RET_PTR_TO_BTF_ID:
		/* a kernel object typed by vmlinux BTF (get_current_task_btf, the skc_to_*
		 * casts, sock_from_file): we have no vmlinux BTF, so the type id stays 0 and
		 * only NULL checks and passing it on are understood */
		mark_reg_known_zero(env, regs, BPF_REG_0);
		regs[BPF_REG_0].type = PTR_TO_BTF_ID | ret_flag;
		break;
	case RET_PTR_TO_MEM:
		mark_reg_known_zero(env, regs, BPF_REG_0);
		regs[BPF_REG_0].type = PTR_TO_MEM | ret_flag;
		regs[BPF_REG_0].mem_size = (u32)meta->mem_size;
		break;
	default:
		verbose(env, "unknown return type %u of func %s#%d\n", bpf_type_base(fn->ret_type),
		        bpf_func_id_name((u32)func_id), func_id);
		return -EINVAL;
	}
	if (type_may_be_null(regs[BPF_REG_0].type))
		regs[BPF_REG_0].id = bpf_new_id(env);
	if (func_id == BPF_FUNC_dynptr_data) {
		/* a slice dies with its dynptr: by id when the dynptr is destroyed, by the
		 * reference when a ring buffer dynptr is submitted or discarded */
		regs[BPF_REG_0].dynptr_id = meta->dynptr_id;
		regs[BPF_REG_0].ref_obj_id = (u32)meta->ref_obj_id;
	} else if (is_acquire_function(func_id, meta->map_ptr)) {
		int id = acquire_reference(env, env->insn_idx);
		if (id < 0)
			return id;
		regs[BPF_REG_0].id = (u32)id;         /* for the NULL check */
		regs[BPF_REG_0].ref_obj_id = (u32)id; /* for the release */
	}
	return 0;
}

static bool arg_type_is_dynptr(u32 type)
{
	return bpf_type_base(type) == ARG_PTR_TO_DYNPTR;
}

/* The one dynptr argument of fn (bpf_dynptr_data, bpf_dynptr_write). */
static const struct bpf_reg_state *get_dynptr_arg_reg(struct bpf_verifier_env *env,
                                                      const struct bpf_func_proto *fn,
                                                      const struct bpf_reg_state *regs)
{
	const struct bpf_reg_state *found = NULL;
	for (int i = 0; i < BPF_FUNC_MAX_ARGS; i++) {
		if (!arg_type_is_dynptr(fn->arg_type[i]))
			continue;
		if (found) {
			verbose(env, "verifier internal error: multiple dynptr args\n");
			return NULL;
		}
		found = &regs[BPF_REG_1 + i];
	}
	if (!found)
		verbose(env, "verifier internal error: no dynptr arg found\n");
	return found;
}

int check_helper_call(struct bpf_verifier_env *env, struct bpf_insn *insn, int *insn_idx_p)
{
	const struct bpf_func_proto *fn = NULL;
	struct bpf_call_arg_meta meta;
	int insn_idx = *insn_idx_p, func_id = insn->imm, err;
	struct bpf_reg_state *regs;

	/* do_check's rule, which comes first: only bpf_spin_unlock may be called while a
	 * lock is held */
	if (env->cur_state->active_locks && func_id != BPF_FUNC_spin_unlock) {
		verbose(env, "function calls are not allowed while holding a lock\n");
		return -EINVAL;
	}
	err = get_helper_proto(env, func_id, &fn);
	if (err == -ERANGE) {
		verbose(env, "invalid func %s#%d\n", bpf_func_id_name((u32)func_id), func_id);
		return -EINVAL;
	}
	if (err) {
		verbose(env, "program of this type cannot use helper %s#%d\n",
		        bpf_func_id_name((u32)func_id), func_id);
		return err;
	}
	if (!env->gpl_compatible && fn->gpl_only) {
		verbose(env,
		        "cannot call GPL-restricted function from non-GPL compatible program\n");
		return -EINVAL;
	}
	/* a prototype may be offered to a type and still refuse some of its programs (the
	 * tracing variants of sk_storage_get/delete and d_path outside their hooks) */
	if (fn->allowed && !fn->allowed(env->prog_type, env->expected_attach_type)) {
		verbose(env, "helper call is not allowed in probe\n");
		return -EINVAL;
	}
	bool sleepable = env->prog_flags & BPF_F_SLEEPABLE;
	if (!sleepable && fn->might_sleep) {
		verbose(env, "helper call might sleep in a non-sleepable prog\n");
		return -EINVAL;
	}
	bool changes_data = bpf_helper_changes_pkt_data((u32)func_id);
	if (changes_data && fn->arg_type[0] != ARG_PTR_TO_CTX) {
		verbose(env, "kernel subsystem misconfigured func %s#%d: r1 != ctx\n",
		        bpf_func_id_name((u32)func_id), func_id);
		return -EINVAL;
	}
	memset(&meta, 0, sizeof meta);
	meta.pkt_access = fn->pkt_access;
	if (check_func_proto(fn)) {
		verbose(env, "kernel subsystem misconfigured func %s#%d\n",
		        bpf_func_id_name((u32)func_id), func_id);
		return -EINVAL;
	}
	const char *where = env->cur_state->active_rcu_lock        ? "rcu_read_lock region"
	                    : env->cur_state->active_preempt_locks ? "non-preemptible region"
	                    : env->cur_state->active_irq_id        ? "IRQ-disabled region"
	                                                           : NULL;
	if (where && fn->might_sleep) {
		verbose(env, "sleepable helper %s#%d in %s\n", bpf_func_id_name((u32)func_id),
		        func_id, where);
		return -EINVAL;
	}

	meta.func_id = func_id;
	for (u32 i = 0; i < BPF_FUNC_MAX_ARGS; i++)
		if ((err = check_func_arg(env, i, &meta, fn, insn_idx)))
			return err;
	if ((err = record_func_map(env, &meta, func_id, insn_idx)))
		return err;
	if ((err = record_func_key(env, &meta, func_id, insn_idx)))
		return err;
	/* raw mode: the helper fills the stack buffer, which becomes initialised */
	for (int i = 0; i < meta.access_size; i++)
		if ((err = check_mem_access(env, insn_idx, (u32)meta.regno, i, BPF_B, BPF_WRITE, -1,
		                            false, false)))
			return err;

	regs = cur_regs(env);
	if (meta.release_regno) {
		err = -EINVAL;
		if (arg_type_is_dynptr(fn->arg_type[meta.release_regno - BPF_REG_1])) {
			if (regs[meta.release_regno].type == CONST_PTR_TO_DYNPTR) {
				verbose(env,
				        "verifier internal error: CONST_PTR_TO_DYNPTR cannot be "
				        "released\n");
				return -EFAULT;
			}
			err = unmark_stack_slots_dynptr(env, &regs[meta.release_regno]);
		} else if (meta.ref_obj_id)
			err = release_reference(env, meta.ref_obj_id);
		else if (register_is_null(&regs[meta.release_regno]))
			err = 0; /* releasing NULL is allowed */
		if (err) {
			verbose(env, "func %s#%d reference has not been acquired before\n",
			        bpf_func_id_name((u32)func_id), func_id);
			return err;
		}
	}

	switch (func_id) {
	case BPF_FUNC_tail_call:
		err = check_resource_leak(env, false, true, "tail_call");
		break;
	case BPF_FUNC_get_local_storage:
		if (!register_is_null(&regs[BPF_REG_2])) {
			verbose(env, "get_local_storage() doesn't support non-zero flags\n");
			return -EINVAL;
		}
		break;
	case BPF_FUNC_for_each_map_elem:
		err = push_callback_call(env, insn, insn_idx, (int)meta.subprogno,
		                         set_map_elem_callback_state);
		break;
	case BPF_FUNC_snprintf:
		err = check_bpf_snprintf_call(env, regs);
		break;
	case BPF_FUNC_loop:
		update_loop_inline_state(env, meta.subprogno);
		/* the iteration count decides when the callback's exploration ends */
		if ((err = mark_chain_precision(env, BPF_REG_1)))
			return err;
		if (cur_func(env)->callback_depth < regs[BPF_REG_1].umax_value) {
			err = push_callback_call(env, insn, insn_idx, (int)meta.subprogno,
			                         set_loop_callback_state);
		} else {
			cur_func(env)->callback_depth = 0;
			if (env->log.level & BPF_LOG_LEVEL2)
				verbose(env, "frame%d bpf_loop iteration limit reached\n",
				        env->cur_state->curframe);
		}
		break;
	case BPF_FUNC_get_func_ip:
		if (check_get_func_ip(env))
			return -ENOTSUPP;
		break;
	case BPF_FUNC_dynptr_data: {
		const struct bpf_reg_state *dreg = get_dynptr_arg_reg(env, fn, regs);
		u32 id, ref_obj_id;
		if (!dreg)
			return -EFAULT;
		if (meta.ref_obj_id) {
			verbose(env, "verifier internal error: meta.ref_obj_id already set\n");
			return -EFAULT;
		}
		if (dynptr_arg_info(env, dreg, &id, &ref_obj_id, NULL)) {
			verbose(env, "verifier internal error: failed to obtain dynptr id\n");
			return -EFAULT;
		}
		meta.dynptr_id = id;
		meta.ref_obj_id = (int)ref_obj_id;
		break;
	}
	case BPF_FUNC_dynptr_write: {
		/* only skb/xdp dynptrs (which we do not make) would change packet data */
		const struct bpf_reg_state *dreg = get_dynptr_arg_reg(env, fn, regs);
		enum bpf_dynptr_type type;
		if (!dreg || dynptr_arg_info(env, dreg, NULL, NULL, &type))
			return -EFAULT;
		if (type == BPF_DYNPTR_TYPE_SKB || type == BPF_DYNPTR_TYPE_XDP)
			changes_data = true;
		break;
	}
	case BPF_FUNC_dynptr_from_mem:
		if (regs[BPF_REG_1].type != PTR_TO_MAP_VALUE) {
			verbose(env, "Unsupported reg type %s for bpf_dynptr_from_mem data\n",
			        reg_type_str(env, regs[BPF_REG_1].type));
			return -EACCES;
		}
		break;
	default:
		break;
	}
	if (err)
		return err;

	/* r0-r5 are clobbered by the call */
	for (u32 i = 0; i < sizeof caller_saved / sizeof caller_saved[0]; i++) {
		mark_reg_not_init(env, regs, caller_saved[i]);
		check_reg_arg(env, caller_saved[i], DST_OP_NO_MARK);
	}
	regs[BPF_REG_0].subreg_def = DEF_NOT_SUBREG; /* helpers return 64-bit values */
	if ((err = set_return_reg(env, fn, func_id, &meta)))
		return err;
	if ((err = do_refine_retval_range(env, regs, fn->ret_type, func_id, &meta)))
		return err;
	if (meta.map_ptr) {
		char msg[192];
		if (bpf_check_map_func_compat(meta.map_ptr->map_type, (u32)func_id, env->prog_type,
		                              env->expected_attach_type, msg, sizeof msg)) {
			verbose(env, "%s\n", msg);
			return -EINVAL;
		}
	}
	if (changes_data)
		clear_all_pkt_pointers(env);
	return 0;
}
