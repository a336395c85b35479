/* mem_helper.c — memory a helper reads or writes through a pointer argument.
 *
 * A helper argument "pointer + size" (ARG_PTR_TO_MEM + ARG_CONST_SIZE, a map key or
 * value, a fixed-size buffer) is checked like a load or store of that many bytes at the
 * pointer: inside the map value, the packet range, the helper memory; on the stack, every
 * byte must be initialised unless the helper fills the buffer (raw mode, MEM_UNINIT), in
 * which case the bytes become STACK_MISC after the call. A size register must be a
 * bounded non-negative scalar; its maximum is what is checked. As the kernel's
 * check_helper_mem_access and check_mem_size_reg.
 */
#include "maps/map.h"
#include "verifier/mem_internal.h"

int check_helper_mem_access(struct bpf_verifier_env *env, int regno, int access_size,
                            enum bpf_access_type access_type, bool zero_size_allowed,
                            struct bpf_call_arg_meta *meta)
{
	struct bpf_reg_state *regs = cur_regs(env), *reg = &regs[regno];

	switch (base_type(reg->type)) {
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		return check_packet_access(env, (u32)regno, reg->off, access_size,
		                           zero_size_allowed);
	case PTR_TO_MAP_KEY:
		if (access_type == BPF_WRITE) {
			verbose(env, "R%d cannot write into %s\n", regno,
			        reg_type_str(env, reg->type));
			return -EACCES;
		}
		return check_mem_region_access(env, (u32)regno, reg->off, access_size,
		                               reg->map_ptr->key_size, false);
	case PTR_TO_MAP_VALUE:
		if (check_map_access_type(env, (u32)regno, reg->off, access_size, access_type))
			return -EACCES;
		return check_map_access(env, (u32)regno, reg->off, access_size, zero_size_allowed,
		                        ACCESS_HELPER);
	case PTR_TO_MEM:
		if ((reg->type & MEM_RDONLY) && access_type == BPF_WRITE) {
			verbose(env, "R%d cannot write into %s\n", regno,
			        reg_type_str(env, reg->type));
			return -EACCES;
		}
		return check_mem_region_access(env, (u32)regno, reg->off, access_size,
		                               reg->mem_size, zero_size_allowed);
	case PTR_TO_BUF:
		if ((reg->type & MEM_RDONLY) && access_type == BPF_WRITE) {
			verbose(env, "R%d cannot write into %s\n", regno,
			        reg_type_str(env, reg->type));
			return -EACCES;
		}
		if (reg->off < 0) {
			verbose(env, "R%d invalid %s buffer access: off=%d, size=%d\n", regno,
			        reg->type & MEM_RDONLY ? "rdonly" : "rdwr", reg->off, access_size);
			return -EACCES;
		}
		return 0;
	case PTR_TO_STACK:
		return check_stack_range_initialized(env, regno, reg->off, access_size,
		                                     zero_size_allowed, access_type, meta);
	case PTR_TO_CTX:
		/* a type without ctx rewrites (syscall programs): check the bytes directly */
		if (env->ops && !env->ops->convert_ctx_access) {
			if (access_size == 0)
				return zero_size_allowed ? 0 : -EACCES;
			return check_mem_access(env, env->insn_idx, (u32)regno, access_size - 1,
			                        BPF_B, access_type, -1, false, false);
		}
		/* fall through */
	default:
		/* a zero-sized access through NULL is fine, whatever the pointer type */
		if (zero_size_allowed && access_size == 0 && register_is_null(reg))
			return 0;
		verbose(env, "R%d type=%s ", regno, reg_type_str(env, reg->type));
		verbose(env, "expected=%s\n", reg_type_str(env, PTR_TO_STACK));
		return -EACCES;
	}
}

int check_mem_size_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno,
                       enum bpf_access_type access_type, bool zero_size_allowed,
                       struct bpf_call_arg_meta *meta)
{
	int err;
	/* an upper bound for helpers whose return value is at most the size */
	meta->msize_max_value = reg->umax_value;
	/* a variable size: the helper may fill only part, so the memory must be initialised */
	if (!tnum_is_const(reg->var_off))
		meta = NULL;
	if (reg->smin_value < 0) {
		verbose(env, "R%d min value is negative, either use unsigned or 'var &= const'\n",
		        regno);
		return -EACCES;
	}
	if (reg->umin_value == 0 && !zero_size_allowed) {
		verbose(env, "R%d invalid zero-sized read: u64=[%lld,%lld]\n", regno,
		        (long long)reg->umin_value, (long long)reg->umax_value);
		return -EACCES;
	}
	if (reg->umax_value >= BPF_MAX_VAR_SIZ) {
		verbose(env,
		        "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'\n",
		        regno);
		return -EACCES;
	}
	err = check_helper_mem_access(env, (int)regno - 1, (int)reg->umax_value, access_type,
	                              zero_size_allowed, meta);
	if (!err)
		err = mark_chain_precision(env, (int)regno);
	return err;
}
