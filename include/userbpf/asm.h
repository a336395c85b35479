/* userbpf — text form of instructions: the disassembler and the assembler.
 *
 * The syntax is the one llvm-objdump prints for BPF and kernel verifier logs use:
 *   r0 = *(u32 *)(r1 + 4)     if r1 > r2 goto +35     w0 += w1      exit
 *   lock *(u64 *)(r0 + 0) += r1     r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)
 *   r1 = 0 ll     call 1     r0 = bswap16 r0     r0 = (s8)r1     gotol +1000
 * USERBPF_DISASM_KERNEL selects the verifier log's variants ("(r1 +4)", "goto pc+35").
 * The assembler accepts both, plus labels ("name:" on its own line, "goto name"), and
 * ".insn CODE, DST, SRC, OFF, IMM" for any raw encoding.
 *
 * One ambiguity comes from the verifier log itself: it prints a 64-bit immediate load as
 * "r1 = 0x0", the same text as a 32-bit mov. The assembler reads it as ld_imm64 only when
 * the value needs 64 bits or the line carries the log's "(18)" opcode prefix; canonical
 * text ("r1 = 0 ll") has no such ambiguity.
 */
#ifndef USERBPF_ASM_H
#define USERBPF_ASM_H

#include <stddef.h>
#include <stdio.h>

#include <userbpf/bpf_uapi.h>
#include <userbpf/error.h>

#ifdef __cplusplus
extern "C" {
#endif

enum userbpf_disasm_flags {
	USERBPF_DISASM_KERNEL = 1u << 0, /* verifier-log spelling */
};

/* Format the instruction at insns[0] (an ld_imm64 uses insns[0..1]; remaining says how many
 * are available). Returns the number of instructions consumed (1 or 2), or a negative
 * errno (-EINVAL: not a valid instruction; buf then holds a description such as
 * "invalid insn code 0x8e"). buf is always NUL-terminated. */
int userbpf_disasm_insn(const struct bpf_insn *insns, size_t remaining, unsigned flags, char *buf,
                        size_t len);

/* One instruction per line, as "%4d: (%02x) text\n" when with_index, else "text\n". */
int userbpf_disasm_prog(const struct bpf_insn *insns, size_t cnt, unsigned flags, int with_index,
                        FILE *out);

/* Assemble text into a malloc'd array (*out, *cnt; free with free()). Returns 0, or a
 * negative errno with e->insn = the 1-based source line and e->msg naming the problem. */
int userbpf_asm(const char *text, struct bpf_insn **out, size_t *cnt, struct userbpf_error *e);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_ASM_H */
