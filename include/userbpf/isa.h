/* userbpf — the instruction set: structural checks shared by every engine.
 *
 * userbpf_isa_check() is the first thing any program goes through. It rejects what the
 * kernel rejects before abstract interpretation starts (unknown opcodes, reserved fields,
 * bad registers, jumps out of range or into the middle of a 16-byte ld_imm64, malformed
 * ld_imm64 pairs), in the kernel's order and with the kernel's wording.
 */
#ifndef USERBPF_ISA_H
#define USERBPF_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <userbpf/bpf_uapi.h>
#include <userbpf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

#define USERBPF_STACK_SIZE 512    /* bytes of stack per frame (MAX_BPF_STACK) */
#define USERBPF_MAX_CALL_FRAMES 8 /* MAX_CALL_FRAMES */
#define USERBPF_MAX_SUBPROGS 256  /* BPF_MAX_SUBPROGS */
#define USERBPF_MAX_INSNS 1000000 /* BPF_COMPLEXITY_LIMIT_INSNS, also the load limit */

enum userbpf_isa_flags {
	/* ISA-test mode (unverified execution): keep only the checks execution needs: known
	 * opcodes, valid registers, in-range jumps, whole ld_imm64 pairs. Subprogram-boundary
	 * and "last insn" rules are left to the runtime guards, and callx (0x8d, not Linux ISA)
	 * is accepted. */
	USERBPF_ISA_RELAXED = 1u << 0,
};

/* Check a program's encoding. Returns 0 or a negative errno; on error fills *e (may be NULL). */
int userbpf_isa_check(const struct bpf_insn *insns, size_t cnt, unsigned flags,
                      struct userbpf_error *e);

/* True for opcodes in the kernel's public instruction table (bpf_opcode_in_insntable). */
bool userbpf_isa_opcode_valid(uint8_t code);

static inline bool userbpf_insn_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* The 64-bit immediate of an ld_imm64 pair. */
static inline uint64_t userbpf_insn_imm64(const struct bpf_insn *insn)
{
	return (uint64_t)(uint32_t)insn[0].imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
}

/* Offset of a jump: imm for gotol (JMP32 | JA), off otherwise. */
static inline int32_t userbpf_insn_jump_off(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP32 | BPF_JA) ? insn->imm : insn->off;
}

static inline bool userbpf_insn_is_pseudo_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
}

static inline bool userbpf_insn_is_pseudo_func(const struct bpf_insn *insn)
{
	return userbpf_insn_is_ldimm64(insn) && insn->src_reg == BPF_PSEUDO_FUNC;
}

/* Subprogram start indices, ascending, starting with 0: index 0 plus every target of a
 * pseudo call or pseudo func. Returns the number found (<= max), or a negative errno with
 * *e filled ("call to invalid destination"). Assumes nothing else about the program. */
int userbpf_isa_subprogs(const struct bpf_insn *insns, size_t cnt, uint32_t *starts, int max,
                         struct userbpf_error *e);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_ISA_H */
