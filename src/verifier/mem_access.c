/* mem_access.c — every load and store through a pointer (check_mem_access) and the
 * atomic instructions (check_atomic).
 *
 * check_mem_access decides by the base register's type: the stack (mem_stack.c), map
 * keys and values, helper-given memory, the context (the program type's is_valid_access,
 * which also says what a load yields: a scalar or a packet pointer), packets, flow keys,
 * sockets (mem_sock.c), tracepoint and iterator buffers. Anything else — a scalar, a
 * pointer that may still be NULL — is "R%d invalid mem access '%s'". The value register
 * then holds what was loaded: a scalar zero-extended (or sign-extended for BPF_MEMSX) from
 * the access size, a filled spill, a constant read from a frozen read-only map, or the
 * pointer a ctx field yields. As the kernel's, with its messages.
 */
#include <string.h>

#include "maps/map.h"
#include "verifier/mem_internal.h"
#include "verifier/mem_sock.h"

/* The register type a ctx field load yields (progtype.h's aux->kind). */
static enum bpf_reg_type ctx_field_reg_type(enum bpf_ctx_field_kind kind)
{
	switch (kind) {
	case CTX_FIELD_PKT:
		return PTR_TO_PACKET;
	case CTX_FIELD_PKT_META:
		return PTR_TO_PACKET_META;
	case CTX_FIELD_PKT_END:
		return PTR_TO_PACKET_END;
	case CTX_FIELD_FLOW_KEYS:
		return PTR_TO_FLOW_KEYS;
	case CTX_FIELD_SOCK_COMMON_OR_NULL:
		return PTR_TO_SOCK_COMMON | PTR_MAYBE_NULL;
	case CTX_FIELD_SOCKET:
		return PTR_TO_SOCKET;
	case CTX_FIELD_SOCKET_OR_NULL:
		return PTR_TO_SOCKET | PTR_MAYBE_NULL;
	case CTX_FIELD_SCALAR:
	default:
		return SCALAR_VALUE;
	}
}

/* check_ctx_access: the program type decides (fixed offsets only). */
static int check_ctx_access(struct bpf_verifier_env *env, int insn_idx, int off, int size,
                            enum bpf_access_type t, enum bpf_reg_type *reg_type, bool is_ldsx)
{
	struct bpf_insn_access_aux info = {.kind = CTX_FIELD_SCALAR, .is_ldsx = is_ldsx};
	if (env->ops && env->ops->is_valid_access &&
	    env->ops->is_valid_access(off, size, t, env->expected_attach_type, &info)) {
		*reg_type = ctx_field_reg_type(info.kind);
		/* non-zero: a narrower load of this field is rewritten to a load plus mask */
		env->insn_aux_data[insn_idx].ctx_field_size = (int)info.ctx_field_size;
		/* the last ctx byte accessed: raw_tp/syscall test runs refuse a smaller ctx_in
		 * (found by fuzz_verifier: never set, a raw_tp run without ctx_in read NULL) */
		if (env->max_ctx_offset < (u32)off + (u32)size)
			env->max_ctx_offset = (u32)off + (u32)size;
		return 0;
	}
	verbose(env, "invalid bpf_context access off=%d size=%d\n", off, size);
	return -EACCES;
}

static int check_flow_keys_access(struct bpf_verifier_env *env, int off, int size)
{
	if (size < 0 || off < 0 || (u64)off + (u64)size > sizeof(struct bpf_flow_keys)) {
		verbose(env, "invalid access to flow keys off=%d size=%d\n", off, size);
		return -EACCES;
	}
	return 0;
}

/* Tracepoint and iterator buffers: fixed, non-negative offsets. */
static int check_buffer_access(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                               int regno, int off, int size, const char *buf_info)
{
	if (off < 0) {
		verbose(env, "R%d invalid %s buffer access: off=%d, size=%d\n", regno, buf_info,
		        off, size);
		return -EACCES;
	}
	if (!tnum_is_const(reg->var_off) || reg->var_off.value) {
		char tn_buf[48];
		tnum_strn(tn_buf, sizeof tn_buf, reg->var_off);
		verbose(env, "R%d invalid variable buffer offset: off=%d, var_off=%s\n", regno, off,
		        tn_buf);
		return -EACCES;
	}
	return 0;
}

/* The kernel struct a map pointer points to, by map type (its map_btf_id), for messages. */
static const char *map_struct_name(u32 map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return "bpf_array";
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return "bpf_htab";
	case BPF_MAP_TYPE_LPM_TRIE:
		return "lpm_trie";
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return "bpf_queue_stack";
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		return "bpf_ringbuf_map";
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return "bpf_bloom_filter";
	case BPF_MAP_TYPE_STACK_TRACE:
		return "bpf_stack_map";
	default:
		return NULL;
	}
}

/* check_ptr_to_map_access: a map pointer read as its kernel struct (through BTF in the
 * kernel). We have no vmlinux BTF: reads are allowed within our own struct bpf_map (what
 * the register points to at run time) and give unknown scalars; the refusals for writes,
 * negative offsets and map types without a struct are the kernel's. */
static int check_ptr_to_map_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                                   enum bpf_access_type t, int value_regno)
{
	struct bpf_reg_state *regs = cur_regs(env);
	const struct bpf_map *map = regs[regno].map_ptr;
	const char *tname = map_struct_name(map->map_type);
	if (!tname) {
		verbose(env, "map_ptr access not supported for map type %d\n", (int)map->map_type);
		return -ENOTSUPP;
	}
	if (off < 0) {
		verbose(env, "R%u is %s invalid negative access: off=%d\n", regno, tname, off);
		return -EACCES;
	}
	if (t != BPF_READ) {
		verbose(env, "only read from %s is supported\n", tname);
		return -EACCES;
	}
	if ((u64)off + (u64)size > sizeof(struct bpf_map)) {
		verbose(env, "access beyond struct %s at off %u size %u\n", tname, (u32)off,
		        (u32)size);
		return -EACCES;
	}
	if (value_regno >= 0)
		mark_reg_unknown(env, regs, (u32)value_regno);
	return 0;
}

/* A load from a frozen read-only map (.rodata): the value is known at load time. */
static int bpf_map_direct_read(const struct bpf_map *map, int off, int size, u64 *val, bool is_ldsx)
{
	const void *base;
	int err = bpf_map_direct_value_addr(map, (u32)off, &base);
	if (err)
		return err;
	const unsigned char *ptr = (const unsigned char *)base + off;
	switch (size) {
	case 1:
		*val = is_ldsx ? (u64)(s64) * (const s8 *)ptr : *ptr;
		return 0;
	case 2: {
		u16 v;
		memcpy(&v, ptr, 2);
		*val = is_ldsx ? (u64)(s64)(s16)v : v;
		return 0;
	}
	case 4: {
		u32 v;
		memcpy(&v, ptr, 4);
		*val = is_ldsx ? (u64)(s64)(s32)v : v;
		return 0;
	}
	case 8:
		memcpy(val, ptr, 8);
		return 0;
	}
	return -EINVAL;
}

static int check_map_value_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                                  enum bpf_access_type t, int value_regno, bool is_ldsx)
{
	struct bpf_reg_state *regs = cur_regs(env), *reg = &regs[regno];
	int err;
	if (t == BPF_WRITE && value_regno >= 0 && is_pointer_value(env, value_regno)) {
		verbose(env, "R%d leaks addr into map\n", value_regno);
		return -EACCES;
	}
	if ((err = check_map_access_type(env, regno, off, size, t)))
		return err;
	if ((err = check_map_access(env, regno, off, size, false, ACCESS_DIRECT)))
		return err;
	if (t != BPF_READ || value_regno < 0)
		return 0;
	const struct bpf_map *map = reg->map_ptr;
	const void *addr;
	/* a read-only map's contents are constants the verifier may use */
	if (tnum_is_const(reg->var_off) && bpf_map_is_rdonly(map) &&
	    bpf_map_direct_value_addr(map, 0, &addr) != -EOPNOTSUPP) {
		u64 val = 0;
		if ((err = bpf_map_direct_read(map, off + (int)reg->var_off.value, size, &val,
		                               is_ldsx)))
			return err;
		regs[value_regno].type = SCALAR_VALUE;
		__mark_reg_known(&regs[value_regno], val);
	} else {
		mark_reg_unknown(env, regs, (u32)value_regno);
	}
	return 0;
}

static int check_ctx_mem_access(struct bpf_verifier_env *env, int insn_idx, u32 regno, int off,
                                int size, enum bpf_access_type t, int value_regno, bool is_ldsx)
{
	struct bpf_reg_state *regs = cur_regs(env), *reg = &regs[regno];
	enum bpf_reg_type reg_type = SCALAR_VALUE;
	int err;
	if (t == BPF_WRITE && value_regno >= 0 && is_pointer_value(env, value_regno)) {
		verbose(env, "R%d leaks addr into ctx\n", value_regno);
		return -EACCES;
	}
	if ((err = check_ptr_off_reg(env, reg, (int)regno)) < 0)
		return err;
	if ((err = check_ctx_access(env, insn_idx, off, size, t, &reg_type, is_ldsx)))
		return err;
	if (t != BPF_READ || value_regno < 0)
		return 0;
	if (reg_type == SCALAR_VALUE) {
		mark_reg_unknown(env, regs, (u32)value_regno);
	} else {
		/* a packet (or socket) pointer at offset zero */
		mark_reg_known_zero(env, regs, (u32)value_regno);
		if (type_may_be_null(reg_type))
			regs[value_regno].id = bpf_new_id(env);
		regs[value_regno].subreg_def = DEF_NOT_SUBREG;
	}
	regs[value_regno].type = reg_type;
	return 0;
}

int check_mem_access(struct bpf_verifier_env *env, int insn_idx, u32 regno, int off, int bpf_size,
                     enum bpf_access_type t, int value_regno, bool strict_alignment_once,
                     bool is_ldsx)
{
	struct bpf_reg_state *regs = cur_regs(env), *reg = &regs[regno];
	int size = bpf_size_to_bytes(bpf_size), err = 0;
	if (size < 0)
		return size;
	/* alignment adds reg->off itself */
	if ((err = check_ptr_alignment(env, reg, off, size, strict_alignment_once)))
		return err;
	off += reg->off; /* for the access checks, reg->off is part of off */

	switch ((int)reg->type) {
	case PTR_TO_MAP_KEY:
		if (t == BPF_WRITE) {
			verbose(env, "write to change key R%d not allowed\n", regno);
			return -EACCES;
		}
		err = check_mem_region_access(env, regno, off, size, reg->map_ptr->key_size, false);
		if (err)
			return err;
		if (value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case PTR_TO_MAP_VALUE:
		err = check_map_value_access(env, regno, off, size, t, value_regno, is_ldsx);
		break;
	case PTR_TO_CTX:
		err = check_ctx_mem_access(env, insn_idx, regno, off, size, t, value_regno,
		                           is_ldsx);
		break;
	case PTR_TO_STACK:
		if ((err = check_stack_access_within_bounds(env, (int)regno, off, size, t)))
			return err;
		if (t == BPF_READ)
			err = check_stack_read(env, (int)regno, off, size, value_regno);
		else
			err = check_stack_write(env, (int)regno, off, size, value_regno, insn_idx);
		break;
	case PTR_TO_PACKET:
	case PTR_TO_PACKET_META:
		if (t == BPF_WRITE && !may_access_direct_pkt_data(env, NULL, t)) {
			verbose(env, "cannot write into packet\n");
			return -EACCES;
		}
		if (t == BPF_WRITE && value_regno >= 0 && is_pointer_value(env, value_regno)) {
			verbose(env, "R%d leaks addr into packet\n", value_regno);
			return -EACCES;
		}
		err = check_packet_access(env, regno, off, size, false);
		if (!err && t == BPF_READ && value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case PTR_TO_FLOW_KEYS:
		if (t == BPF_WRITE && value_regno >= 0 && is_pointer_value(env, value_regno)) {
			verbose(env, "R%d leaks addr into flow keys\n", value_regno);
			return -EACCES;
		}
		err = check_flow_keys_access(env, off, size);
		if (!err && t == BPF_READ && value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case PTR_TO_SOCKET:
	case PTR_TO_SOCK_COMMON:
	case PTR_TO_TCP_SOCK:
	case PTR_TO_XDP_SOCK:
		if (t == BPF_WRITE) {
			verbose(env, "R%d cannot write into %s\n", regno,
			        reg_type_str(env, reg->type));
			return -EACCES;
		}
		err = check_sock_access(env, insn_idx, regno, off, size, t);
		if (!err && value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case PTR_TO_TP_BUFFER:
		err = check_buffer_access(env, reg, (int)regno, off, size, "tracepoint");
		if (!err && t == BPF_READ && value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case PTR_TO_ARENA:
		if (t == BPF_READ && value_regno >= 0)
			mark_reg_unknown(env, regs, (u32)value_regno);
		break;
	case CONST_PTR_TO_MAP:
		err = check_ptr_to_map_access(env, regno, off, size, t, value_regno);
		break;
	default:
		if (base_type(reg->type) == PTR_TO_MEM) {
			bool rdonly_mem = reg->type & MEM_RDONLY;
			if (type_may_be_null(reg->type)) {
				verbose(env, "R%d invalid mem access '%s'\n", regno,
				        reg_type_str(env, reg->type));
				return -EACCES;
			}
			if (t == BPF_WRITE && rdonly_mem) {
				verbose(env, "R%d cannot write into %s\n", regno,
				        reg_type_str(env, reg->type));
				return -EACCES;
			}
			if (t == BPF_WRITE && value_regno >= 0 &&
			    is_pointer_value(env, value_regno)) {
				verbose(env, "R%d leaks addr into mem\n", value_regno);
				return -EACCES;
			}
			err = check_mem_region_access(env, regno, off, size, reg->mem_size, false);
			if (!err && value_regno >= 0 && (t == BPF_READ || rdonly_mem))
				mark_reg_unknown(env, regs, (u32)value_regno);
			break;
		}
		if (base_type(reg->type) == PTR_TO_BUF) {
			bool rdonly_mem = reg->type & MEM_RDONLY;
			if (rdonly_mem && t == BPF_WRITE) {
				verbose(env, "R%d cannot write into %s\n", regno,
				        reg_type_str(env, reg->type));
				return -EACCES;
			}
			err = check_buffer_access(env, reg, (int)regno, off, size,
			                          rdonly_mem ? "rdonly" : "rdwr");
			if (!err && value_regno >= 0 && (rdonly_mem || t == BPF_READ))
				mark_reg_unknown(env, regs, (u32)value_regno);
			break;
		}
		verbose(env, "R%d invalid mem access '%s'\n", regno, reg_type_str(env, reg->type));
		return -EACCES;
	}

	if (!err && size < BPF_REG_SIZE && value_regno >= 0 && t == BPF_READ &&
	    regs[value_regno].type == SCALAR_VALUE) {
		if (!is_ldsx) /* b/h/w loads zero-extend */
			coerce_reg_to_size(&regs[value_regno], size);
		else
			coerce_reg_to_size_sx(&regs[value_regno], size);
	}
	return err;
}

/* --- atomics --- */

static bool atomic_ptr_type_ok(struct bpf_verifier_env *env, int regno)
{
	u32 type = cur_regs(env)[regno].type;
	return type != PTR_TO_CTX && !type_is_pkt_pointer(type) && type != PTR_TO_FLOW_KEYS &&
	       !type_is_sk_pointer(type);
}

static int check_atomic_rmw(struct bpf_verifier_env *env, int insn_idx, struct bpf_insn *insn)
{
	int load_reg, err;
	if (BPF_SIZE(insn->code) != BPF_W && BPF_SIZE(insn->code) != BPF_DW) {
		verbose(env, "invalid atomic operand size\n");
		return -EINVAL;
	}
	if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
		return err;
	if (insn->imm == BPF_CMPXCHG) {
		/* r0 is compared with the memory */
		if ((err = check_reg_arg(env, BPF_REG_0, SRC_OP)))
			return err;
		if (is_pointer_value(env, BPF_REG_0)) {
			verbose(env, "R%d leaks addr into mem\n", BPF_REG_0);
			return -EACCES;
		}
	}
	if (is_pointer_value(env, insn->src_reg)) {
		verbose(env, "R%d leaks addr into mem\n", insn->src_reg);
		return -EACCES;
	}
	if (!atomic_ptr_type_ok(env, insn->dst_reg)) {
		verbose(env, "BPF_ATOMIC stores into R%d %s is not allowed\n", insn->dst_reg,
		        reg_type_str(env, cur_regs(env)[insn->dst_reg].type));
		return -EACCES;
	}
	if (insn->imm & BPF_FETCH) {
		load_reg = insn->imm == BPF_CMPXCHG ? BPF_REG_0 : insn->src_reg;
		if ((err = check_reg_arg(env, (u32)load_reg, DST_OP)))
			return err;
	} else {
		load_reg = -1; /* the memory is accessed but nothing is loaded */
	}
	/* read the memory, then again into load_reg to simulate the fill */
	err = check_mem_access(env, insn_idx, insn->dst_reg, insn->off, BPF_SIZE(insn->code),
	                       BPF_READ, -1, true, false);
	if (!err && load_reg >= 0)
		err = check_mem_access(env, insn_idx, insn->dst_reg, insn->off,
		                       BPF_SIZE(insn->code), BPF_READ, load_reg, true, false);
	if (err)
		return err;
	if (cur_regs(env)[insn->dst_reg].type == PTR_TO_ARENA &&
	    (err = save_aux_ptr_type(env, PTR_TO_ARENA, false)))
		return err;
	return check_mem_access(env, insn_idx, insn->dst_reg, insn->off, BPF_SIZE(insn->code),
	                        BPF_WRITE, -1, true, false);
}

/* load-acquire: dst = *(src + off), as check_load_mem with strict alignment */
static int check_atomic_load(struct bpf_verifier_env *env, int insn_idx, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_reg_arg(env, insn->dst_reg, DST_OP_NO_MARK)))
		return err;
	enum bpf_reg_type src_type = regs[insn->src_reg].type;
	err = check_mem_access(env, insn_idx, insn->src_reg, insn->off, BPF_SIZE(insn->code),
	                       BPF_READ, insn->dst_reg, true, false);
	if (!err)
		err = save_aux_ptr_type(env, src_type, false);
	if (!err)
		err = reg_bounds_sanity_check(env, &regs[insn->dst_reg], "atomic_load");
	if (err)
		return err;
	if (!atomic_ptr_type_ok(env, insn->src_reg)) {
		verbose(env, "BPF_ATOMIC loads from R%d %s is not allowed\n", insn->src_reg,
		        reg_type_str(env, regs[insn->src_reg].type));
		return -EACCES;
	}
	return 0;
}

/* store-release: *(dst + off) = src, as check_store_reg with strict alignment */
static int check_atomic_store(struct bpf_verifier_env *env, int insn_idx, struct bpf_insn *insn)
{
	struct bpf_reg_state *regs = cur_regs(env);
	int err;
	if ((err = check_reg_arg(env, insn->src_reg, SRC_OP)))
		return err;
	if ((err = check_reg_arg(env, insn->dst_reg, SRC_OP)))
		return err;
	enum bpf_reg_type dst_type = regs[insn->dst_reg].type;
	err = check_mem_access(env, insn_idx, insn->dst_reg, insn->off, BPF_SIZE(insn->code),
	                       BPF_WRITE, insn->src_reg, true, false);
	if (!err)
		err = save_aux_ptr_type(env, dst_type, false);
	if (err)
		return err;
	if (!atomic_ptr_type_ok(env, insn->dst_reg)) {
		verbose(env, "BPF_ATOMIC stores into R%d %s is not allowed\n", insn->dst_reg,
		        reg_type_str(env, regs[insn->dst_reg].type));
		return -EACCES;
	}
	return 0;
}

int check_atomic(struct bpf_verifier_env *env, int insn_idx, struct bpf_insn *insn)
{
	switch (insn->imm) {
	case BPF_ADD:
	case BPF_ADD | BPF_FETCH:
	case BPF_AND:
	case BPF_AND | BPF_FETCH:
	case BPF_OR:
	case BPF_OR | BPF_FETCH:
	case BPF_XOR:
	case BPF_XOR | BPF_FETCH:
	case BPF_XCHG:
	case BPF_CMPXCHG:
		return check_atomic_rmw(env, insn_idx, insn);
	case BPF_LOAD_ACQ:
		return check_atomic_load(env, insn_idx, insn);
	case BPF_STORE_REL:
		return check_atomic_store(env, insn_idx, insn);
	default:
		verbose(env, "BPF_ATOMIC uses invalid atomic opcode %02x\n", insn->imm);
		return -EINVAL;
	}
}
