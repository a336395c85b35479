/* isa_optab.c — which opcodes Linux accepts (its public instruction table). */
#include <userbpf/isa.h>

#define ALU_OPS(cls)                                                                            \
	[cls | BPF_ADD | BPF_K] = 1, [cls | BPF_ADD | BPF_X] = 1, [cls | BPF_SUB | BPF_K] = 1,   \
	[cls | BPF_SUB | BPF_X] = 1, [cls | BPF_MUL | BPF_K] = 1, [cls | BPF_MUL | BPF_X] = 1,   \
	[cls | BPF_DIV | BPF_K] = 1, [cls | BPF_DIV | BPF_X] = 1, [cls | BPF_OR | BPF_K] = 1,    \
	[cls | BPF_OR | BPF_X] = 1, [cls | BPF_AND | BPF_K] = 1, [cls | BPF_AND | BPF_X] = 1,    \
	[cls | BPF_LSH | BPF_K] = 1, [cls | BPF_LSH | BPF_X] = 1, [cls | BPF_RSH | BPF_K] = 1,   \
	[cls | BPF_RSH | BPF_X] = 1, [cls | BPF_NEG | BPF_K] = 1, [cls | BPF_MOD | BPF_K] = 1,   \
	[cls | BPF_MOD | BPF_X] = 1, [cls | BPF_XOR | BPF_K] = 1, [cls | BPF_XOR | BPF_X] = 1,   \
	[cls | BPF_MOV | BPF_K] = 1, [cls | BPF_MOV | BPF_X] = 1, [cls | BPF_ARSH | BPF_K] = 1,  \
	[cls | BPF_ARSH | BPF_X] = 1, [cls | BPF_END | BPF_TO_LE] = 1

#define JMP_CONDS(cls)                                                                          \
	[cls | BPF_JEQ | BPF_K] = 1, [cls | BPF_JEQ | BPF_X] = 1, [cls | BPF_JGT | BPF_K] = 1,   \
	[cls | BPF_JGT | BPF_X] = 1, [cls | BPF_JGE | BPF_K] = 1, [cls | BPF_JGE | BPF_X] = 1,   \
	[cls | BPF_JSET | BPF_K] = 1, [cls | BPF_JSET | BPF_X] = 1, [cls | BPF_JNE | BPF_K] = 1, \
	[cls | BPF_JNE | BPF_X] = 1, [cls | BPF_JSGT | BPF_K] = 1, [cls | BPF_JSGT | BPF_X] = 1, \
	[cls | BPF_JSGE | BPF_K] = 1, [cls | BPF_JSGE | BPF_X] = 1, [cls | BPF_JLT | BPF_K] = 1, \
	[cls | BPF_JLT | BPF_X] = 1, [cls | BPF_JLE | BPF_K] = 1, [cls | BPF_JLE | BPF_X] = 1,   \
	[cls | BPF_JSLT | BPF_K] = 1, [cls | BPF_JSLT | BPF_X] = 1, [cls | BPF_JSLE | BPF_K] = 1, \
	[cls | BPF_JSLE | BPF_X] = 1, [cls | BPF_JA] = 1

#define SIZES(cls, mode)                                                                        \
	[cls | mode | BPF_B] = 1, [cls | mode | BPF_H] = 1, [cls | mode | BPF_W] = 1,           \
	[cls | mode | BPF_DW] = 1

static const unsigned char isa_insntable[256] = {
	ALU_OPS(BPF_ALU),
	[BPF_ALU | BPF_END | BPF_TO_BE] = 1,
	ALU_OPS(BPF_ALU64), /* ALU64 | END | TO_LE is bswap; there is no TO_BE form */
	JMP_CONDS(BPF_JMP),
	JMP_CONDS(BPF_JMP32), /* JMP32 | JA is gotol */
	[BPF_JMP | BPF_CALL] = 1,
	[BPF_JMP | BPF_EXIT] = 1,
	[BPF_JMP | BPF_JCOND] = 1, /* may_goto */
	SIZES(BPF_STX, BPF_ATOMIC), /* B and H only for load-acquire / store-release */
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

bool userbpf_isa_opcode_valid(uint8_t code)
{
	return isa_insntable[code];
}
