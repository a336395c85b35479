/* mem_internal.h — what the verifier's memory, helper-call and reference files share
 * (verifier-mem's part of src/verifier: mem_*.c, helper_*.c, ref_*.c).
 *
 * The kernel keeps all of this in verifier.c; the names are its own (check_stack_read,
 * check_map_access, check_helper_mem_access, struct bpf_call_arg_meta, ...) so that a
 * reader of one can find the other.
 */
#ifndef USERBPF_VERIFIER_MEM_INTERNAL_H
#define USERBPF_VERIFIER_MEM_INTERNAL_H

#include "verifier/verifier.h"

#define BPF_DYNPTR_SIZE 16
#define MAX_PACKET_OFF 0xffff
#define S64_MIN INT64_MIN

/* Who accesses memory: an instruction or a helper (check_map_access says which). */
enum bpf_access_src {
	ACCESS_DIRECT = 1,
	ACCESS_HELPER = 2,
};

/* What check_func_arg learns about a helper call's arguments. */
struct bpf_call_arg_meta {
	const struct bpf_map *map_ptr;
	bool raw_mode;   /* the memory argument is written by the helper (MEM_UNINIT) */
	bool pkt_access; /* the helper may take packet pointers */
	u8 release_regno;
	int regno;       /* raw mode: the memory argument's register */
	int access_size; /* raw mode: its size (the stack bytes the helper writes) */
	int mem_size;    /* ARG_CONST_ALLOC_SIZE_OR_ZERO: the size of the returned memory */
	u64 msize_max_value;
	int ref_obj_id;
	u32 dynptr_id; /* bpf_dynptr_data: the dynptr its slice comes from */
	u32 map_uid;
	int func_id;
	u32 subprogno; /* ARG_PTR_TO_FUNC */
	s64 const_map_key;
};

/* --- stack slots (mem_stack.c) --- */

static inline bool is_spilled_reg(const struct bpf_stack_state *stack)
{
	return stack->slot_type[BPF_REG_SIZE - 1] == STACK_SPILL;
}

static inline bool is_spilled_scalar_reg(const struct bpf_stack_state *stack)
{
	return is_spilled_reg(stack) && stack->spilled_ptr.type == SCALAR_VALUE;
}

static inline int insn_stack_access_flags(int frameno, int spi)
{
	return (int)(INSN_F_STACK_ACCESS | (u32)spi << INSN_F_SPI_SHIFT | (u32)frameno);
}

/* Bounds of a stack access through regno (grows the frame's stack): "invalid%s stack
 * R%d off=%d size=%d" and the variable-offset forms. */
int check_stack_access_within_bounds(struct bpf_verifier_env *env, int regno, int off,
                                     int access_size, enum bpf_access_type type);
int check_stack_read(struct bpf_verifier_env *env, int ptr_regno, int off, int size, int dst_regno);
int check_stack_write(struct bpf_verifier_env *env, int ptr_regno, int off, int size,
                      int value_regno, int insn_idx);
/* A helper reads (or, raw mode, writes) [regno + off, + access_size) of the stack. */
int check_stack_range_initialized(struct bpf_verifier_env *env, int regno, int off, int access_size,
                                  bool zero_size_allowed, enum bpf_access_type type,
                                  struct bpf_call_arg_meta *meta);

/* --- dynptrs on the stack (mem_dynptr.c) --- */

/* The slot of a dynptr argument's first 8 bytes; -EINVAL (logged) for a variable or
 * unaligned offset, -ERANGE past the allocated stack. */
int dynptr_get_spi(struct bpf_verifier_env *env, const struct bpf_reg_state *reg);
/* A store is about to change slot spi of state: an unreferenced dynptr there is destroyed
 * (with its slices), a referenced one refuses ("cannot overwrite referenced dynptr"). */
int destroy_if_dynptr_stack_slot(struct bpf_verifier_env *env, struct bpf_func_state *state,
                                 int spi);
/* ARG_PTR_TO_DYNPTR: make one (MEM_UNINIT) or check an initialised one of the type. */
int process_dynptr_func(struct bpf_verifier_env *env, int regno, int insn_idx, u32 arg_type);
/* An OBJ_RELEASE dynptr argument must be a referenced dynptr on the stack. */
int check_dynptr_release_arg(struct bpf_verifier_env *env, const struct bpf_reg_state *reg,
                             int regno);
/* The release itself: the reference, its slices and the dynptr's slots go. */
int unmark_stack_slots_dynptr(struct bpf_verifier_env *env, const struct bpf_reg_state *reg);
/* A register that is a dynptr by itself (CONST_PTR_TO_DYNPTR of the type, a fresh id): a
 * callback's or a global function's struct bpf_dynptr * argument (the kernel's
 * mark_dynptr_cb_reg / __mark_dynptr_reg for subprogram arguments). */
void mark_dynptr_arg_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg,
                         enum bpf_dynptr_type type);
/* What an initialised dynptr argument is: its id (slices' dynptr_id), its reference, its
 * type (each may be NULL). -EFAULT when reg is not one. */
int dynptr_arg_info(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, u32 *id,
                    u32 *ref_obj_id, enum bpf_dynptr_type *type);

/* --- other memory (mem_access.c, mem_region.c) --- */

int check_ptr_alignment(struct bpf_verifier_env *env, const struct bpf_reg_state *reg, int off,
                        int size, bool strict_alignment_once);
int check_mem_region_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                            u32 mem_size, bool zero_size_allowed);
int check_map_access_type(struct bpf_verifier_env *env, u32 regno, int off, int size,
                          enum bpf_access_type type);
int check_map_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                     bool zero_size_allowed, enum bpf_access_src src);
int check_packet_access(struct bpf_verifier_env *env, u32 regno, int off, int size,
                        bool zero_size_allowed);
bool may_access_direct_pkt_data(struct bpf_verifier_env *env, const struct bpf_call_arg_meta *meta,
                                enum bpf_access_type t);
/* BPF_F_RDONLY_PROG and frozen with no writable mapping: loads see constants. */
bool bpf_map_is_rdonly(const struct bpf_map *map);
/* The kernel's map_direct_value_addr (array maps of one element): the value's address,
 * or -ENOTSUPP / -EINVAL; -EOPNOTSUPP when the type has no such op. */
int bpf_map_direct_value_addr(const struct bpf_map *map, u32 off, const void **addr);

/* --- helper arguments (mem_helper.c) --- */

int check_helper_mem_access(struct bpf_verifier_env *env, int regno, int access_size,
                            enum bpf_access_type access_type, bool zero_size_allowed,
                            struct bpf_call_arg_meta *meta);
int check_mem_size_reg(struct bpf_verifier_env *env, struct bpf_reg_state *reg, u32 regno,
                       enum bpf_access_type access_type, bool zero_size_allowed,
                       struct bpf_call_arg_meta *meta);

/* --- helper calls (helper_args.c) --- */

int check_func_arg(struct bpf_verifier_env *env, u32 arg, struct bpf_call_arg_meta *meta,
                   const struct bpf_func_proto *fn, int insn_idx);
int check_func_proto(const struct bpf_func_proto *fn);

/* --- references and locks (ref_state.c) --- */

int acquire_lock_state(struct bpf_verifier_env *env, int insn_idx, enum ref_state_type type, int id,
                       const void *ptr);
int release_lock_state(struct bpf_verifier_state *state, int type, int id, const void *ptr);
int release_reference_nomark(struct bpf_verifier_state *state, int ref_obj_id);
/* Every register and spilled register of every frame of vstate. */
#define bpf_for_each_reg_in_vstate(vstate, __state, __reg, __body)                                 \
	do {                                                                                       \
		for (u32 __fr = 0; __fr <= (vstate)->curframe; __fr++) {                           \
			(__state) = (vstate)->frame[__fr];                                         \
			for (int __r = 0; __r < MAX_BPF_REG; __r++) {                              \
				(__reg) = &(__state)->regs[__r];                                   \
				__body;                                                            \
			}                                                                          \
			for (int __s = 0; __s < (__state)->allocated_stack / BPF_REG_SIZE;         \
			     __s++) {                                                              \
				if (!is_spilled_reg(&(__state)->stack[__s]))                       \
					continue;                                                  \
				(__reg) = &(__state)->stack[__s].spilled_ptr;                      \
				__body;                                                            \
			}                                                                          \
		}                                                                                  \
	} while (0)

#endif /* USERBPF_VERIFIER_MEM_INTERNAL_H */
