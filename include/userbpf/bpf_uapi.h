/* userbpf — the Linux BPF ABI, defined from the UAPI facts (numbers and layouts).
 *
 * Same names, values and layouts as <linux/bpf.h>, so code written for the kernel compiles
 * unchanged. A caller that included <linux/bpf.h> first keeps the system's definitions (they
 * are layout-identical); ours are skipped, and only constants newer than some system headers
 * are added below with #ifndef guards.
 */
#ifndef USERBPF_BPF_UAPI_H
#define USERBPF_BPF_UAPI_H

#include <stdint.h>

/* The kernel tree spells the guards _UAPI__LINUX_..., installed headers __LINUX_...: honour both. */
#if !defined(_UAPI__LINUX_BPF_COMMON_H__) && !defined(__LINUX_BPF_COMMON_H__)
#define _UAPI__LINUX_BPF_COMMON_H__
#define __LINUX_BPF_COMMON_H__

/* Instruction classes: the low three bits of the opcode. */
#define BPF_CLASS(code) ((code) & 0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07

/* Load/store: size in bits 3-4, mode in bits 5-7. */
#define BPF_SIZE(code) ((code) & 0x18)
#define BPF_W 0x00
#define BPF_H 0x08
#define BPF_B 0x10
#define BPF_MODE(code) ((code) & 0xe0)
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_IND 0x40
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_MSH 0xa0

/* ALU and jump: operation in bits 4-7, source in bit 3. */
#define BPF_OP(code) ((code) & 0xf0)
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0

#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40

#define BPF_SRC(code) ((code) & 0x08)
#define BPF_K 0x00
#define BPF_X 0x08

#ifndef BPF_MAXINSNS
#define BPF_MAXINSNS 4096
#endif

#endif /* LINUX_BPF_COMMON_H */

#if !defined(_UAPI__LINUX_BPF_H__) && !defined(__LINUX_BPF_H__)
#define _UAPI__LINUX_BPF_H__
#define __LINUX_BPF_H__

/* Extended BPF classes and sizes. */
#define BPF_JMP32 0x06
#define BPF_ALU64 0x07
#define BPF_DW 0x18
#define BPF_MEMSX 0x80
#define BPF_ATOMIC 0xc0
#define BPF_XADD 0xc0 /* old name of BPF_ATOMIC */

#define BPF_MOV 0xb0
#define BPF_ARSH 0xc0
#define BPF_END 0xd0
#define BPF_TO_LE 0x00
#define BPF_TO_BE 0x08
#define BPF_FROM_LE BPF_TO_LE
#define BPF_FROM_BE BPF_TO_BE

#define BPF_JNE 0x50
#define BPF_JLT 0xa0
#define BPF_JLE 0xb0
#define BPF_JSGT 0x60
#define BPF_JSGE 0x70
#define BPF_JSLT 0xc0
#define BPF_JSLE 0xd0
#define BPF_JCOND 0xe0
#define BPF_CALL 0x80
#define BPF_EXIT 0x90

/* Atomic operations, in the imm field of BPF_STX | BPF_ATOMIC. */
#define BPF_FETCH 0x01
#define BPF_XCHG (0xe0 | BPF_FETCH)
#define BPF_CMPXCHG (0xf0 | BPF_FETCH)

enum bpf_cond_pseudo_jmp {
	BPF_MAY_GOTO = 0,
};

enum {
	BPF_REG_0 = 0,
	BPF_REG_1,
	BPF_REG_2,
	BPF_REG_3,
	BPF_REG_4,
	BPF_REG_5,
	BPF_REG_6,
	BPF_REG_7,
	BPF_REG_8,
	BPF_REG_9,
	BPF_REG_10,
	__MAX_BPF_REG,
};
#define MAX_BPF_REG __MAX_BPF_REG

struct bpf_insn {
	uint8_t code;      /* opcode */
	uint8_t dst_reg : 4; /* destination register */
	uint8_t src_reg : 4; /* source register */
	int16_t off;       /* signed offset */
	int32_t imm;       /* signed immediate constant */
};

/* src_reg of BPF_LD | BPF_IMM | BPF_DW: what the 64-bit immediate refers to. */
#define BPF_PSEUDO_MAP_FD 1
#define BPF_PSEUDO_MAP_IDX 5
#define BPF_PSEUDO_MAP_VALUE 2
#define BPF_PSEUDO_MAP_IDX_VALUE 6
#define BPF_PSEUDO_BTF_ID 3
#define BPF_PSEUDO_FUNC 4

/* src_reg of BPF_JMP | BPF_CALL. */
#define BPF_PSEUDO_CALL 1
#define BPF_PSEUDO_KFUNC_CALL 2

#endif /* LINUX_BPF_H */

/* Added to Linux after some system headers were cut: define them whichever header came first. */
#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100  /* atomic load-acquire, imm of BPF_STX | BPF_ATOMIC */
#define BPF_STORE_REL 0x110 /* atomic store-release */
#endif
#ifndef BPF_ADDR_SPACE_CAST
#define BPF_ADDR_SPACE_CAST 1 /* off of BPF_ALU64 | BPF_MOV | BPF_X: arena address cast */
#endif

#endif /* USERBPF_BPF_UAPI_H */
