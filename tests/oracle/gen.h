/* gen — random ALU/JMP programs that the Linux verifier accepts as a privileged socket filter.
 *
 * A program is a prelude that gives r0..r9 constants (r1, the ctx, is overwritten), a body of
 * random ALU/ALU64 instructions and forward jumps over r0..r9, usually a fold of every
 * register into r0 (the only value a socket filter returns), and exit. Every program is a
 * pure function of (seed, index), so a failure is reproduced from those two numbers alone.
 */
#ifndef ORACLE_GEN_H
#define ORACLE_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <userbpf/bpf_uapi.h>

/* Upper bound on a generated program's length: 10 ld_imm64 pairs, the body (at most 60),
 * the register fold (21), exit. */
#define OG_MAX_INSNS 128

/* Write program number index of the stream seed into out (at least OG_MAX_INSNS slots);
 * returns its length. */
size_t og_gen_prog(uint64_t seed, uint64_t index, struct bpf_insn *out);

/* The fixture encoding of one instruction: its 8 bytes as a little-endian u64 (the kernel's
 * layout on a little-endian host, whatever this host is). */
uint64_t og_insn_word(const struct bpf_insn *insn);
struct bpf_insn og_word_insn(uint64_t word);

/* Print "prog <word> <word> ...\n". */
void og_print_words(FILE *out, const struct bpf_insn *insns, size_t cnt);

#endif
