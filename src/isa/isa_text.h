/* isa_text.h — the text spellings of the ISA, private to src/isa.
 *
 * The assembler (isa_asm*.c) parses with these tables and the disassembler (isa_disasm.c)
 * prints with them, so both directions spell every operator identically and a spelling
 * changed here changes both at once. Tables indexed by an opcode field have NULL holes for
 * operations with their own syntax.
 */
#ifndef USERBPF_ISA_TEXT_H
#define USERBPF_ISA_TEXT_H

#include <stdint.h>

/* ALU operators by BPF_OP >> 4 ("+=", "s>>="); MOV, NEG and END have their own syntax. */
extern const char *const isa_text_alu_ops[16];

/* Conditional jump operators by BPF_OP >> 4 ("==", "s<="); JA, CALL, EXIT are statements. */
extern const char *const isa_text_jmp_ops[16];

/* Atomic read-modify-write operations by (imm & ~BPF_FETCH) >> 4 ("add" for
 * atomic_fetch_add); the non-fetching form uses the ALU operator ("lock ... += r1"). */
extern const char *const isa_text_atomic_ops[16];

/* Access sizes by BPF_SIZE >> 3 ("u32"); sign-extending loads spell the 'u' as 's'. */
extern const char *const isa_text_sizes[4];

/* Byte swaps, "rD = le16 rD": the name is followed by the width (16, 32 or 64). */
struct isa_text_end {
	const char *name;
	uint8_t code; /* the whole opcode */
};
extern const struct isa_text_end isa_text_ends[3];

/* The exchanges, "r0 = cmpxchg_64(r1 + 0, r0, r2)": one name per operation and width. */
struct isa_text_xchg {
	const char *name;
	int32_t imm;  /* BPF_XCHG or BPF_CMPXCHG */
	uint8_t size; /* BPF_W or BPF_DW */
};
extern const struct isa_text_xchg isa_text_xchgs[4];

#endif /* USERBPF_ISA_TEXT_H */
