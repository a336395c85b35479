/* helper_args.c — the arguments of a helper call, against its prototype (check_func_arg).
 *
 * For each argument kind the register must have one of the compatible types
 * (compatible_reg_types, "R%d type=%s expected=%s, %s"), an offset the kind allows, and
 * then what the kind means: a map (remembered for the key/value arguments after it), a
 * key or value sized by that map, memory sized by the next argument or a fixed size, a
 * known constant (ARG_CONST_ALLOC_SIZE_OR_ZERO), a string in a frozen read-only map, a
 * spin lock in a map value, a callback, a dynptr on the stack (mem_dynptr.c). An argument
 * that releases a reference must hold one. As the kernel's check_func_arg and friends, with its
 * messages.
 */
#include <string.h>

#include "maps/map.h"
#include "verifier/mem_internal.h"

struct bpf_reg_types {
	const enum bpf_reg_type types[10];
};

/* clang-format off */
static const struct bpf_reg_types sock_types = {{PTR_TO_SOCK_COMMON, PTR_TO_SOCKET,
	PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK}};
static const struct bpf_reg_types btf_id_sock_common_types = {{PTR_TO_SOCK_COMMON,
	PTR_TO_SOCKET, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK, PTR_TO_BTF_ID,
	PTR_TO_BTF_ID | PTR_TRUSTED}};
static const struct bpf_reg_types mem_types = {{PTR_TO_STACK, PTR_TO_PACKET, PTR_TO_PACKET_META,
	PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, PTR_TO_MEM, PTR_TO_MEM | MEM_RINGBUF, PTR_TO_BUF,
	PTR_TO_BTF_ID | PTR_TRUSTED}};
static const struct bpf_reg_types spin_lock_types = {{PTR_TO_MAP_VALUE,
	PTR_TO_BTF_ID | MEM_ALLOC}};
static const struct bpf_reg_types fullsock_types = {{PTR_TO_SOCKET}};
static const struct bpf_reg_types scalar_types = {{SCALAR_VALUE}};
static const struct bpf_reg_types context_types = {{PTR_TO_CTX}};
static const struct bpf_reg_types ringbuf_mem_types = {{PTR_TO_MEM | MEM_RINGBUF}};
static const struct bpf_reg_types const_map_ptr_types = {{CONST_PTR_TO_MAP}};
static const struct bpf_reg_types btf_ptr_types = {{PTR_TO_BTF_ID, PTR_TO_BTF_ID | PTR_TRUSTED,
	PTR_TO_BTF_ID | MEM_RCU}};
static const struct bpf_reg_types percpu_btf_ptr_types = {{PTR_TO_BTF_ID | MEM_PERCPU,
	PTR_TO_BTF_ID | MEM_PERCPU | MEM_RCU, PTR_TO_BTF_ID | MEM_PERCPU | PTR_TRUSTED}};
static const struct bpf_reg_types func_ptr_types = {{PTR_TO_FUNC}};
static const struct bpf_reg_types stack_ptr_types = {{PTR_TO_STACK}};
static const struct bpf_reg_types const_str_ptr_types = {{PTR_TO_MAP_VALUE}};
static const struct bpf_reg_types timer_types = {{PTR_TO_MAP_VALUE}};
static const struct bpf_reg_types kptr_xchg_dest_types = {{PTR_TO_MAP_VALUE,
	PTR_TO_BTF_ID | MEM_ALLOC}};
static const struct bpf_reg_types dynptr_types = {{PTR_TO_STACK, CONST_PTR_TO_DYNPTR}};

static const struct bpf_reg_types *const compatible_reg_types[__BPF_ARG_TYPE_MAX] = {
	[ARG_PTR_TO_MAP_KEY] = &mem_types,
	[ARG_PTR_TO_MAP_VALUE] = &mem_types,
	[ARG_CONST_SIZE] = &scalar_types,
	[ARG_CONST_SIZE_OR_ZERO] = &scalar_types,
	[ARG_CONST_ALLOC_SIZE_OR_ZERO] = &scalar_types,
	[ARG_CONST_MAP_PTR] = &const_map_ptr_types,
	[ARG_PTR_TO_CTX] = &context_types,
	[ARG_PTR_TO_SOCK_COMMON] = &sock_types,
	[ARG_PTR_TO_BTF_ID_SOCK_COMMON] = &btf_id_sock_common_types,
	[ARG_PTR_TO_SOCKET] = &fullsock_types,
	[ARG_PTR_TO_BTF_ID] = &btf_ptr_types,
	[ARG_PTR_TO_SPIN_LOCK] = &spin_lock_types,
	[ARG_PTR_TO_MEM] = &mem_types,
	[ARG_PTR_TO_RINGBUF_MEM] = &ringbuf_mem_types,
	[ARG_PTR_TO_PERCPU_BTF_ID] = &percpu_btf_ptr_types,
	[ARG_PTR_TO_FUNC] = &func_ptr_types,
	[ARG_PTR_TO_STACK] = &stack_ptr_types,
	[ARG_PTR_TO_CONST_STR] = &const_str_ptr_types,
	[ARG_PTR_TO_TIMER] = &timer_types,
	[ARG_KPTR_XCHG_DEST] = &kptr_xchg_dest_types,
	[ARG_PTR_TO_DYNPTR] = &dynptr_types,
};
/* clang-format on */

#define DYNPTR_TYPE_FLAG_MASK                                                                      \
	(DYNPTR_TYPE_LOCAL | DYNPTR_TYPE_RINGBUF | DYNPTR_TYPE_SKB | DYNPTR_TYPE_XDP)

static bool arg_type_is_mem_size(u32 type)
{
	return type == ARG_CONST_SIZE || type == ARG_CONST_SIZE_OR_ZERO;
}

static bool arg_type_is_raw_mem(u32 type)
{
	return bpf_type_base(type) == ARG_PTR_TO_MEM && (type & MEM_UNINIT);
}

static bool arg_type_is_release(u32 type)
{
	return type & OBJ_RELEASE;
}

static bool arg_type_is_dynptr(u32 type)
{
	return bpf_type_base(type) == ARG_PTR_TO_DYNPTR;
}

/* check_func_proto: a well-formed prototype (one raw-mode memory argument at most, memory
 * and size arguments in pairs). */
int check_func_proto(const struct bpf_func_proto *fn)
{
	int raw = 0;
	for (int i = 0; i < BPF_FUNC_MAX_ARGS; i++)
		raw += arg_type_is_raw_mem(fn->arg_type[i]);
	if (raw > 1 || arg_type_is_mem_size(fn->arg_type[0]))
		return -EINVAL;
	for (int i = 0; i < BPF_FUNC_MAX_ARGS; i++) {
		bool is_fixed = fn->arg_type[i] & MEM_FIXED_SIZE, has_size = fn->arg_size[i] != 0;
		bool is_next_size =
		        i + 1 < BPF_FUNC_MAX_ARGS && arg_type_is_mem_size(fn->arg_type[i + 1]);
		if (bpf_type_base(fn->arg_type[i]) != ARG_PTR_TO_MEM) {
			if (is_next_size)
				return -EINVAL;
		} else if (has_size == is_next_size || is_next_size == is_fixed) {
			return -EINVAL;
		}
	}
	return 0;
}

static int check_reg_type(struct bpf_verifier_env *env, u32 regno, u32 arg_type,
                          struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	u32 type = reg->type;
	const struct bpf_reg_types *compatible = compatible_reg_types[bpf_type_base(arg_type)];
	int i, j;
	if (!compatible) {
		verbose(env, "verifier internal error: unsupported arg type %d\n", (int)arg_type);
		return -EFAULT;
	}
	/* read-only and maybe-NULL arguments take such registers too; memory arguments take
	 * dynptr-tagged memory */
	if (arg_type & MEM_RDONLY)
		type &= ~(u32)MEM_RDONLY;
	if (arg_type & PTR_MAYBE_NULL)
		type &= ~(u32)PTR_MAYBE_NULL;
	if (bpf_type_base(arg_type) == ARG_PTR_TO_MEM)
		type &= ~(u32)DYNPTR_TYPE_FLAG_MASK;
	for (i = 0; i < (int)(sizeof compatible->types / sizeof compatible->types[0]); i++) {
		enum bpf_reg_type expected = compatible->types[i];
		if (expected == NOT_INIT)
			break;
		if (type == (u32)expected)
			goto found;
	}
	verbose(env, "R%u type=%s expected=", regno, reg_type_str(env, reg->type));
	for (j = 0; j + 1 < i; j++)
		verbose(env, "%s, ", reg_type_str(env, compatible->types[j]));
	verbose(env, "%s\n", reg_type_str(env, compatible->types[j]));
	return -EACCES;
found:
	if (base_type(reg->type) != PTR_TO_BTF_ID)
		return 0;
	if (compatible == &mem_types && !(arg_type & MEM_RDONLY)) {
		verbose(env, "%s() may write into memory pointed by R%u type=%s\n",
		        bpf_func_id_name((u32)meta->func_id), regno, reg_type_str(env, reg->type));
		return -EACCES;
	}
	return 0; /* BTF types are not tracked further here */
}

static int check_func_arg_reg_off(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                                  int regno, u32 arg_type)
{
	u32 type = reg->type;
	/* a referenced register passed to a release function must point at the object */
	if (arg_type_is_release(arg_type)) {
		if (arg_type_is_dynptr(arg_type) && type == PTR_TO_STACK)
			return 0;
		if (reg->off) {
			verbose(env,
			        "R%d must have zero offset when passed to release func or trusted "
			        "arg to kfunc\n",
			        regno);
			return -EINVAL;
		}
		return __check_ptr_off_reg(env, reg, regno, false);
	}
	switch (type) {
	/* types where fixed and variable offsets are both allowed */
	case PTR_TO_STACK:
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
	case PTR_TO_MAP_KEY:
	case PTR_TO_MAP_VALUE:
	case PTR_TO_MEM:
	case PTR_TO_MEM | MEM_RDONLY:
	case PTR_TO_MEM | MEM_RINGBUF:
	case PTR_TO_BUF:
	case PTR_TO_BUF | MEM_RDONLY:
	case PTR_TO_ARENA:
	case SCALAR_VALUE:
		return 0;
	default:
		break;
	}
	if (base_type(type) == PTR_TO_BTF_ID)
		return __check_ptr_off_reg(env, reg, regno, true);
	return __check_ptr_off_reg(env, reg, regno, false);
}

/* Sockmaps hold sockets, bloom filters are peeked with a value. */
static int resolve_map_arg_type(struct bpf_verifier_env *env, const struct bpf_call_arg_meta *meta,
                                u32 *arg_type)
{
	if (!meta->map_ptr) {
		verbose(env, "invalid map_ptr to access map->type\n");
		return -EACCES;
	}
	switch (meta->map_ptr->map_type) {
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
		if (*arg_type == ARG_PTR_TO_MAP_VALUE) {
			*arg_type = ARG_PTR_TO_BTF_ID_SOCK_COMMON;
		} else {
			verbose(env, "invalid arg_type for sockmap/sockhash\n");
			return -EINVAL;
		}
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		if (meta->func_id == BPF_FUNC_map_peek_elem)
			*arg_type = ARG_PTR_TO_MAP_VALUE;
		break;
	default:
		break;
	}
	return 0;
}

/* The name the kernel logs for a map ('' for an inner map's template). */
static const char *map_name(const struct bpf_map *map)
{
	return map->sh ? map->sh->name : "";
}

static bool map_has_btf(const struct bpf_map *map)
{
	return map->sh && map->sh->btf_id;
}

/* ARG_PTR_TO_CONST_STR: a NUL-terminated string at a constant offset of a frozen
 * read-only map (.rodata), read now. */
static int check_reg_const_str(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno)
{
	const struct bpf_map *map = reg->map_ptr;
	const void *base;
	int err;
	if (reg->type != PTR_TO_MAP_VALUE)
		return -EINVAL;
	if (!bpf_map_is_rdonly(map)) {
		verbose(env, "R%u does not point to a readonly map'\n", regno);
		return -EACCES;
	}
	if (!tnum_is_const(reg->var_off)) {
		verbose(env, "R%u is not a constant address'\n", regno);
		return -EACCES;
	}
	if (bpf_map_direct_value_addr(map, 0, &base) == -EOPNOTSUPP) {
		verbose(env, "no direct value access support for this map type\n");
		return -EACCES;
	}
	err = check_map_access(env, regno, reg->off, (int)map->value_size - reg->off, false,
	                       ACCESS_HELPER);
	if (err)
		return err;
	u32 map_off = (u32)reg->off + (u32)reg->var_off.value;
	if ((err = bpf_map_direct_value_addr(map, map_off, &base))) {
		verbose(env, "direct value access on string failed\n");
		return err;
	}
	if (!memchr((const char *)base + map_off, 0, map->value_size - map_off)) {
		verbose(env, "string is not zero-terminated\n");
		return -EINVAL;
	}
	return 0;
}

/* bpf_spin_lock / bpf_spin_unlock: the lock in a map value with BTF, at its offset. */
static int process_spin_lock(struct bpf_verifier_env *env, int regno, bool is_lock)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	struct bpf_verifier_state *cur = env->cur_state;
	const struct bpf_map *map = NULL;
	u64 val = reg->var_off.value;
	if (!tnum_is_const(reg->var_off)) {
		verbose(env,
		        "R%d doesn't have constant offset. bpf_spin_lock has to be at the constant "
		        "offset\n",
		        regno);
		return -EINVAL;
	}
	if (reg->type != PTR_TO_MAP_VALUE) {
		/* allocated objects (bpf_obj_new) need BTF we do not have */
		verbose(env, "%s '%s' has no valid bpf_spin_lock\n", "local", "kptr");
		return -EINVAL;
	}
	map = reg->map_ptr;
	if (!map_has_btf(map)) {
		verbose(env, "map '%s' has to have BTF in order to use bpf_spin_lock\n",
		        map_name(map));
		return -EINVAL;
	}
	int lock_off = map->sh ? map->sh->spin_lock_off : -1;
	if (lock_off < 0) {
		verbose(env, "%s '%s' has no valid bpf_spin_lock\n", "map", map_name(map));
		return -EINVAL;
	}
	if ((s64)lock_off != (s64)(val + (u64)(s64)reg->off)) {
		verbose(env, "off %lld doesn't point to 'struct bpf_spin_lock' that is at %d\n",
		        (long long)(val + (u64)(s64)reg->off), lock_off);
		return -EINVAL;
	}
	if (is_lock) {
		if (cur->active_locks) {
			verbose(env, "Locking two bpf_spin_locks are not allowed\n");
			return -EINVAL;
		}
		int err = acquire_lock_state(env, env->insn_idx, REF_TYPE_LOCK, (int)reg->id, map);
		if (err < 0) {
			verbose(env, "Failed to acquire lock state\n");
			return err;
		}
		return 0;
	}
	if (!cur->active_locks) {
		verbose(env, "bpf_spin_unlock without taking a lock\n");
		return -EINVAL;
	}
	if (release_lock_state(cur, REF_TYPE_LOCK, (int)reg->id, map)) {
		verbose(env, "bpf_spin_unlock of different lock\n");
		return -EINVAL;
	}
	return 0;
}

/* bpf_timer_*: the timer in a map value with BTF. Map BTF records are not parsed here, so
 * a map with BTF is said to have no timer. */
static int process_timer_func(struct bpf_verifier_env *env, int regno,
                              struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *reg = &cur_regs(env)[regno];
	const struct bpf_map *map = reg->map_ptr;
	(void)meta;
	if (!tnum_is_const(reg->var_off)) {
		verbose(env,
		        "R%d doesn't have constant offset. bpf_timer has to be at the constant "
		        "offset\n",
		        regno);
		return -EINVAL;
	}
	if (!map_has_btf(map)) {
		verbose(env, "map '%s' has to have BTF in order to use bpf_timer\n", map_name(map));
		return -EINVAL;
	}
	verbose(env, "map '%s' has no valid bpf_timer\n", map_name(map));
	return -EINVAL;
}

/* The key of an array lookup when it is a known constant on the stack (a spilled constant
 * of the key's size, or zeros): the lookup then cannot miss. -EOPNOTSUPP otherwise. */
static int get_constant_map_key(struct bpf_verifier_env *env, const struct bpf_reg_state *key,
                                u32 key_size, s64 *value)
{
	if (!env->bpf_capable || key->type != PTR_TO_STACK || !tnum_is_const(key->var_off))
		return -EOPNOTSUPP;
	struct bpf_func_state *state = func(env, key);
	int stack_off = key->off + (int)key->var_off.value;
	int slot = -stack_off - 1, spi = slot / BPF_REG_SIZE, off = slot % BPF_REG_SIZE, i;
	if (spi < 0 || spi >= state->allocated_stack / BPF_REG_SIZE)
		return -EOPNOTSUPP;
	const u8 *stype = state->stack[spi].slot_type;
	u32 zero_size = 0, spill_size = 0;
	for (i = off; i >= 0 && stype[i] == STACK_ZERO; i--)
		zero_size++;
	if (zero_size >= key_size) {
		*value = 0;
		return 0;
	}
	if (!is_spilled_scalar_reg(&state->stack[spi]))
		return -EOPNOTSUPP;
	for (i = off; i >= 0 && stype[i] == STACK_SPILL; i--)
		spill_size++;
	if (spill_size != key_size)
		return -EOPNOTSUPP;
	const struct bpf_reg_state *reg = &state->stack[spi].spilled_ptr;
	if (!tnum_is_const(reg->var_off))
		return -EOPNOTSUPP;
	/* the verdict relies on the constant: it must stay precise */
	bt_set_frame_slot(&env->bt, key->frameno, (u32)spi);
	int err = mark_chain_precision_batch(env);
	if (err < 0)
		return err;
	*value = (s64)reg->var_off.value;
	return 0;
}

int check_subprog_dynptr_arg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno)
{
	int err = check_func_arg_reg_off(env, reg, (int)regno, ARG_PTR_TO_DYNPTR);
	if (err)
		return err;
	/* read-only use: no insn index needed (nothing is made or released) */
	return process_dynptr_func(env, (int)regno, -1, ARG_PTR_TO_DYNPTR | MEM_RDONLY);
}

void mark_subprog_dynptr_arg(struct bpf_verifier_env *env, struct bpf_reg_state *reg)
{
	/* the callee cannot know the caller's dynptr type: the kernel assumes a local one */
	mark_dynptr_arg_reg(env, reg, BPF_DYNPTR_TYPE_LOCAL);
}

int check_func_arg(struct bpf_verifier_env *env, u32 arg, struct bpf_call_arg_meta *meta,
                   const struct bpf_func_proto *fn, int insn_idx)
{
	u32 regno = BPF_REG_1 + arg;
	struct bpf_reg_state *regs = cur_regs(env), *reg = &regs[regno];
	u32 arg_type = fn->arg_type[arg];
	u32 type = reg->type;
	int err = 0;

	if (arg_type == ARG_DONTCARE)
		return 0;
	if ((err = check_reg_arg(env, regno, SRC_OP)))
		return err;
	if (arg_type == ARG_ANYTHING) {
		if (is_pointer_value(env, (int)regno)) {
			verbose(env, "R%u leaks addr into helper function\n", regno);
			return -EACCES;
		}
		return 0;
	}
	if (type_is_pkt_pointer(type) && !may_access_direct_pkt_data(env, meta, BPF_READ)) {
		verbose(env, "helper access to the packet is not allowed\n");
		return -EACCES;
	}
	if (bpf_type_base(arg_type) == ARG_PTR_TO_MAP_VALUE &&
	    (err = resolve_map_arg_type(env, meta, &arg_type)))
		return err;
	/* a NULL register is a scalar: no type to check */
	if (!(register_is_null(reg) && (arg_type & PTR_MAYBE_NULL))) {
		if ((err = check_reg_type(env, regno, arg_type, meta)))
			return err;
		if ((err = check_func_arg_reg_off(env, reg, (int)regno, arg_type)))
			return err;
	}
	if (arg_type_is_release(arg_type)) {
		if (arg_type_is_dynptr(arg_type)) {
			if ((err = check_dynptr_release_arg(env, reg, (int)regno)))
				return err;
		} else if (!reg->ref_obj_id && !register_is_null(reg)) {
			verbose(env, "R%u must be referenced when passed to release function\n",
			        regno);
			return -EINVAL;
		}
		if (meta->release_regno) {
			verbose(env, "verifier internal error: more than one release argument\n");
			return -EFAULT;
		}
		meta->release_regno = (u8)regno;
	}
	if (reg->ref_obj_id && bpf_type_base(arg_type) != ARG_KPTR_XCHG_DEST) {
		if (meta->ref_obj_id) {
			verbose(env,
			        "verifier internal error: more than one arg with ref_obj_id R%u %u "
			        "%u\n",
			        regno, reg->ref_obj_id, meta->ref_obj_id);
			return -EFAULT;
		}
		meta->ref_obj_id = (int)reg->ref_obj_id;
	}

	switch (bpf_type_base(arg_type)) {
	case ARG_CONST_MAP_PTR:
		/* a map argument twice (timers): both must be the same map */
		if (meta->map_ptr &&
		    (meta->map_ptr != reg->map_ptr || meta->map_uid != reg->map_uid)) {
			verbose(env,
			        "timer pointer in R1 map_uid=%d doesn't match map pointer in R2 "
			        "map_uid=%d\n",
			        meta->map_uid, reg->map_uid);
			return -EINVAL;
		}
		meta->map_ptr = reg->map_ptr;
		meta->map_uid = reg->map_uid;
		break;
	case ARG_PTR_TO_MAP_KEY:
		if (!meta->map_ptr) {
			verbose(env, "invalid map_ptr to access map->key\n");
			return -EACCES;
		}
		err = check_helper_mem_access(env, (int)regno, (int)meta->map_ptr->key_size,
		                              BPF_READ, false, NULL);
		if (err)
			return err;
		if (meta->map_ptr->map_type == BPF_MAP_TYPE_ARRAY ||
		    meta->map_ptr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			err = get_constant_map_key(env, reg, meta->map_ptr->key_size,
			                           &meta->const_map_key);
			if (err < 0) {
				meta->const_map_key = -1;
				if (err == -EOPNOTSUPP)
					err = 0;
			}
		}
		break;
	case ARG_PTR_TO_MAP_VALUE:
		if ((arg_type & PTR_MAYBE_NULL) && register_is_null(reg))
			return 0;
		if (!meta->map_ptr) {
			verbose(env, "invalid map_ptr to access map->value\n");
			return -EACCES;
		}
		meta->raw_mode = arg_type & MEM_UNINIT;
		err = check_helper_mem_access(env, (int)regno, (int)meta->map_ptr->value_size,
		                              arg_type & MEM_WRITE ? BPF_WRITE : BPF_READ, false,
		                              meta);
		break;
	case ARG_PTR_TO_SPIN_LOCK:
		if (meta->func_id == BPF_FUNC_spin_lock)
			err = process_spin_lock(env, (int)regno, true);
		else if (meta->func_id == BPF_FUNC_spin_unlock)
			err = process_spin_lock(env, (int)regno, false);
		else {
			verbose(env, "verifier internal error\n");
			return -EFAULT;
		}
		break;
	case ARG_PTR_TO_TIMER:
		err = process_timer_func(env, (int)regno, meta);
		break;
	case ARG_PTR_TO_FUNC:
		meta->subprogno = reg->subprogno;
		break;
	case ARG_PTR_TO_MEM:
		/* checked with the size argument that follows, or now for a fixed size */
		meta->raw_mode = arg_type & MEM_UNINIT;
		if (arg_type & MEM_FIXED_SIZE) {
			err = check_helper_mem_access(env, (int)regno, (int)fn->arg_size[arg],
			                              arg_type & MEM_WRITE ? BPF_WRITE : BPF_READ,
			                              false, meta);
			if (!err && (arg_type & MEM_ALIGNED))
				err = check_ptr_alignment(env, reg, 0, (int)fn->arg_size[arg],
				                          true);
		}
		break;
	case ARG_CONST_SIZE:
		err = check_mem_size_reg(env, reg, regno,
		                         fn->arg_type[arg - 1] & MEM_WRITE ? BPF_WRITE : BPF_READ,
		                         false, meta);
		break;
	case ARG_CONST_SIZE_OR_ZERO:
		err = check_mem_size_reg(env, reg, regno,
		                         fn->arg_type[arg - 1] & MEM_WRITE ? BPF_WRITE : BPF_READ,
		                         true, meta);
		break;
	case ARG_PTR_TO_DYNPTR:
		err = process_dynptr_func(env, (int)regno, insn_idx, arg_type);
		break;
	case ARG_CONST_ALLOC_SIZE_OR_ZERO:
		if (!tnum_is_const(reg->var_off)) {
			verbose(env, "R%u is not a known constant'\n", regno);
			return -EACCES;
		}
		meta->mem_size = (int)reg->var_off.value;
		err = mark_chain_precision(env, (int)regno);
		break;
	case ARG_PTR_TO_CONST_STR:
		err = check_reg_const_str(env, reg, regno);
		break;
	case ARG_KPTR_XCHG_DEST:
		if (!map_has_btf(reg->map_ptr)) {
			verbose(env, "map '%s' has to have BTF in order to use bpf_kptr_xchg\n",
			        map_name(reg->map_ptr));
			return -EINVAL;
		}
		verbose(env, "R%u has no valid kptr\n", regno);
		return -EINVAL;
	default:
		break;
	}
	return err;
}
