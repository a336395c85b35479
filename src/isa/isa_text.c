/* isa_text.c — the text spellings of the ISA (see isa_text.h). */
#include <userbpf/isa.h>

#include "isa_text.h"

const char *const isa_text_alu_ops[16] = {
        [BPF_ADD >> 4] = "+=",  [BPF_SUB >> 4] = "-=",    [BPF_MUL >> 4] = "*=",
        [BPF_DIV >> 4] = "/=",  [BPF_OR >> 4] = "|=",     [BPF_AND >> 4] = "&=",
        [BPF_LSH >> 4] = "<<=", [BPF_RSH >> 4] = ">>=",   [BPF_MOD >> 4] = "%=",
        [BPF_XOR >> 4] = "^=",  [BPF_ARSH >> 4] = "s>>=",
};

const char *const isa_text_jmp_ops[16] = {
        [BPF_JEQ >> 4] = "==",   [BPF_JGT >> 4] = ">",    [BPF_JGE >> 4] = ">=",
        [BPF_JSET >> 4] = "&",   [BPF_JNE >> 4] = "!=",   [BPF_JSGT >> 4] = "s>",
        [BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<",    [BPF_JLE >> 4] = "<=",
        [BPF_JSLT >> 4] = "s<",  [BPF_JSLE >> 4] = "s<=",
};

const char *const isa_text_atomic_ops[16] = {
        [BPF_ADD >> 4] = "add",
        [BPF_AND >> 4] = "and",
        [BPF_OR >> 4] = "or",
        [BPF_XOR >> 4] = "xor",
};

const char *const isa_text_sizes[4] = {
        [BPF_W >> 3] = "u32",
        [BPF_H >> 3] = "u16",
        [BPF_B >> 3] = "u8",
        [BPF_DW >> 3] = "u64",
};

/* Only these three opcodes are valid: ALU64 | END | TO_BE does not exist. */
const struct isa_text_end isa_text_ends[3] = {
        {"le", BPF_ALU | BPF_END | BPF_TO_LE},
        {"be", BPF_ALU | BPF_END | BPF_TO_BE},
        {"bswap", BPF_ALU64 | BPF_END | BPF_TO_LE},
};

/* The 32-bit names follow the kernel's "xchg32_32" (operand width, then access width). */
const struct isa_text_xchg isa_text_xchgs[4] = {
        {"xchg_64", BPF_XCHG, BPF_DW},
        {"xchg32_32", BPF_XCHG, BPF_W},
        {"cmpxchg_64", BPF_CMPXCHG, BPF_DW},
        {"cmpxchg32_32", BPF_CMPXCHG, BPF_W},
};
