/* isa_optab.c — which opcodes Linux accepts (its public instruction table). */
#include <userbpf/isa.h>

/* clang-format off */
#define KX(cls, op) [(cls) | (op) | BPF_K] = 1, [(cls) | (op) | BPF_X] = 1

#define ALU_OPS(cls)                                                             \
	KX(cls, BPF_ADD), KX(cls, BPF_SUB), KX(cls, BPF_MUL), KX(cls, BPF_DIV),  \
	KX(cls, BPF_OR), KX(cls, BPF_AND), KX(cls, BPF_LSH), KX(cls, BPF_RSH),   \
	KX(cls, BPF_MOD), KX(cls, BPF_XOR), KX(cls, BPF_MOV), KX(cls, BPF_ARSH), \
	[(cls) | BPF_NEG | BPF_K] = 1, /* NEG has no register form */            \
	[(cls) | BPF_END | BPF_TO_LE] = 1

#define JMP_CONDS(cls)                                                           \
	KX(cls, BPF_JEQ), KX(cls, BPF_JGT), KX(cls, BPF_JGE), KX(cls, BPF_JSET), \
	KX(cls, BPF_JNE), KX(cls, BPF_JSGT), KX(cls, BPF_JSGE), KX(cls, BPF_JLT), \
	KX(cls, BPF_JLE), KX(cls, BPF_JSLT), KX(cls, BPF_JSLE),                  \
	[(cls) | BPF_JA] = 1

#define SIZES(cls, mode)                                                         \
	[(cls) | (mode) | BPF_B] = 1, [(cls) | (mode) | BPF_H] = 1,              \
	[(cls) | (mode) | BPF_W] = 1, [(cls) | (mode) | BPF_DW] = 1

static const unsigned char isa_insntable[256] = {
	ALU_OPS(BPF_ALU),
	[BPF_ALU | BPF_END | BPF_TO_BE] = 1,
	ALU_OPS(BPF_ALU64),          /* ALU64 | END | TO_LE is bswap; no TO_BE form */
	JMP_CONDS(BPF_JMP),
	JMP_CONDS(BPF_JMP32),        /* JMP32 | JA is gotol */
	[BPF_JMP | BPF_CALL] = 1,
	[BPF_JMP | BPF_EXIT] = 1,
	[BPF_JMP | BPF_JCOND] = 1,   /* may_goto */
	SIZES(BPF_STX, BPF_ATOMIC),  /* B and H only for load-acquire / store-release */
	SIZES(BPF_STX, BPF_MEM),
	SIZES(BPF_ST, BPF_MEM),
	SIZES(BPF_LDX, BPF_MEM),
	[BPF_LDX | BPF_MEMSX | BPF_B] = 1,
	[BPF_LDX | BPF_MEMSX | BPF_H] = 1,
	[BPF_LDX | BPF_MEMSX | BPF_W] = 1,
	[BPF_LD | BPF_IMM | BPF_DW] = 1,
	/* Legacy packet loads, carried over from classic BPF and rewritten at load. */
	[BPF_LD | BPF_ABS | BPF_B] = 1,
	[BPF_LD | BPF_ABS | BPF_H] = 1,
	[BPF_LD | BPF_ABS | BPF_W] = 1,
	[BPF_LD | BPF_IND | BPF_B] = 1,
	[BPF_LD | BPF_IND | BPF_H] = 1,
	[BPF_LD | BPF_IND | BPF_W] = 1,
};
/* clang-format on */

bool userbpf_isa_opcode_valid(uint8_t code)
{
	return isa_insntable[code];
}
