/* log_insn.c — instructions as the verifier log prints them (the kernel's
 * kernel/bpf/disasm.c print_bpf_insn): "(b7) r0 = 0", "(25) if r2 > 0x3 goto pc+1",
 * "(85) call bpf_map_lookup_elem#1", "(db) r0 = atomic64_fetch_add((u64 *)(r10 -8), r0)".
 * The log's spelling differs from llvm-objdump's in small ways (hex immediates in
 * conditional jumps, atomic names, helper names), so it has its own printer here.
 */
#include <stdio.h>

#include "verifier/verifier.h"

#ifndef BPF_ADDR_PERCPU
#define BPF_ADDR_PERCPU (-1) /* mov r, &(void __percpu *)(r): off -1 */
#endif

static const char *const alu_sign_string[16] = {[BPF_DIV >> 4] = "s/=", [BPF_MOD >> 4] = "s%="};
static const char *const movsx_string[4] = {"(s8)", "(s16)", NULL, "(s32)"};
static const char *const atomic_alu_string[16] = {[BPF_ADD >> 4] = "add",
                                                  [BPF_AND >> 4] = "and",
                                                  [BPF_OR >> 4] = "or",
                                                  [BPF_XOR >> 4] = "xor"};
static const char *const ldst_string[] = {"u32", "u16", "u8", "u64"};
static const char *const ldsx_string[] = {"s32", "s16", "s8", "s64"};
static const char *const jmp_string[16] = {
        [BPF_JA >> 4] = "jmp",    [BPF_JEQ >> 4] = "==",   [BPF_JGT >> 4] = ">",
        [BPF_JLT >> 4] = "<",     [BPF_JGE >> 4] = ">=",   [BPF_JLE >> 4] = "<=",
        [BPF_JSGT >> 4] = "s>",   [BPF_JSLT >> 4] = "s<",  [BPF_JSGE >> 4] = "s>=",
        [BPF_JSLE >> 4] = "s<=",  [BPF_JSET >> 4] = "&",   [BPF_JNE >> 4] = "!=",
        [BPF_CALL >> 4] = "call", [BPF_EXIT >> 4] = "exit"};
static const char *const class_string[8] = {"ld",  "ldx", "st",    "stx",
                                            "alu", "jmp", "jmp32", "alu64"};

static const char *str_or(const char *const *tab, unsigned idx, const char *dflt)
{
	return tab[idx] ? tab[idx] : dflt;
}

static void print_alu(struct bpf_verifier_env *env, const struct bpf_insn *insn)
{
	u8 class = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	char w = class == BPF_ALU ? 'w' : 'r';
	bool sdivmod = (op == BPF_DIV || op == BPF_MOD) && insn->off == 1;
	const char *opstr =
	        sdivmod ? alu_sign_string[op >> 4] : str_or(bpf_alu_string, op >> 4, "?");
	if (op == BPF_END) {
		if (class == BPF_ALU64)
			verbose(env, "(%02x) r%d = bswap%d r%d\n", insn->code, insn->dst_reg,
			        insn->imm, insn->dst_reg);
		else
			verbose(env, "(%02x) r%d = %s%d r%d\n", insn->code, insn->dst_reg,
			        BPF_SRC(insn->code) == BPF_TO_BE ? "be" : "le", insn->imm,
			        insn->dst_reg);
	} else if (op == BPF_NEG) {
		verbose(env, "(%02x) %c%d = -%c%d\n", insn->code, w, insn->dst_reg, w,
		        insn->dst_reg);
	} else if (class == BPF_ALU64 && op == BPF_MOV && BPF_SRC(insn->code) == BPF_X &&
	           insn->off == BPF_ADDR_SPACE_CAST) {
		verbose(env, "(%02x) r%d = addr_space_cast(r%d, %d, %d)\n", insn->code,
		        insn->dst_reg, insn->src_reg, ((u32)insn->imm) >> 16, (u16)insn->imm);
	} else if (class == BPF_ALU64 && op == BPF_MOV && BPF_SRC(insn->code) == BPF_X &&
	           insn->off == BPF_ADDR_PERCPU) {
		verbose(env, "(%02x) r%d = &(void __percpu *)(r%d)\n", insn->code, insn->dst_reg,
		        insn->src_reg);
	} else if (BPF_SRC(insn->code) == BPF_X) {
		bool movsx =
		        op == BPF_MOV && (insn->off == 8 || insn->off == 16 || insn->off == 32);
		verbose(env, "(%02x) %c%d %s %s%c%d\n", insn->code, w, insn->dst_reg, opstr,
		        movsx ? movsx_string[(insn->off >> 3) - 1] : "", w, insn->src_reg);
	} else {
		verbose(env, "(%02x) %c%d %s %d\n", insn->code, w, insn->dst_reg, opstr, insn->imm);
	}
}

static void print_stx(struct bpf_verifier_env *env, const struct bpf_insn *insn)
{
	const char *sz = ldst_string[BPF_SIZE(insn->code) >> 3];
	const char *b64 = BPF_SIZE(insn->code) == BPF_DW ? "64" : "";
	s32 imm = insn->imm;
	if (BPF_MODE(insn->code) == BPF_MEM) {
		verbose(env, "(%02x) *(%s *)(r%d %+d) = r%d\n", insn->code, sz, insn->dst_reg,
		        insn->off, insn->src_reg);
	} else if (BPF_MODE(insn->code) != BPF_ATOMIC) {
		verbose(env, "BUG_%02x\n", insn->code);
	} else if (imm == BPF_ADD || imm == BPF_AND || imm == BPF_OR || imm == BPF_XOR) {
		verbose(env, "(%02x) lock *(%s *)(r%d %+d) %s r%d\n", insn->code, sz, insn->dst_reg,
		        insn->off, bpf_alu_string[BPF_OP(imm) >> 4], insn->src_reg);
	} else if (imm == (BPF_ADD | BPF_FETCH) || imm == (BPF_AND | BPF_FETCH) ||
	           imm == (BPF_OR | BPF_FETCH) || imm == (BPF_XOR | BPF_FETCH)) {
		verbose(env, "(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)\n", insn->code,
		        insn->src_reg, b64, atomic_alu_string[BPF_OP(imm) >> 4], sz, insn->dst_reg,
		        insn->off, insn->src_reg);
	} else if (imm == BPF_CMPXCHG) {
		verbose(env, "(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)\n", insn->code,
		        b64, sz, insn->dst_reg, insn->off, insn->src_reg);
	} else if (imm == BPF_XCHG) {
		verbose(env, "(%02x) r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)\n", insn->code,
		        insn->src_reg, b64, sz, insn->dst_reg, insn->off, insn->src_reg);
	} else if (imm == BPF_LOAD_ACQ) {
		verbose(env, "(%02x) r%d = load_acquire((%s *)(r%d %+d))\n", insn->code,
		        insn->dst_reg, sz, insn->src_reg, insn->off);
	} else if (imm == BPF_STORE_REL) {
		verbose(env, "(%02x) store_release((%s *)(r%d %+d), r%d)\n", insn->code, sz,
		        insn->dst_reg, insn->off, insn->src_reg);
	} else {
		verbose(env, "BUG_%02x\n", insn->code);
	}
}

static void print_jmp(struct bpf_verifier_env *env, const struct bpf_insn *insn)
{
	u8 class = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	char w = class == BPF_JMP32 ? 'w' : 'r';
	if (op == BPF_CALL) {
		if (insn->src_reg == BPF_PSEUDO_CALL)
			verbose(env, "(%02x) call pc%+d\n", insn->code, insn->imm);
		else if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL)
			verbose(env, "(%02x) call kernel-function#%d\n", insn->code, insn->imm);
		else if (insn->src_reg == 0 && insn->imm >= 0)
			verbose(env, "(%02x) call %s#%d\n", insn->code,
			        bpf_func_id_name((u32)insn->imm), insn->imm);
		else
			verbose(env, "(%02x) call unknown#%d\n", insn->code, insn->imm);
	} else if (insn->code == (BPF_JMP | BPF_JA)) {
		verbose(env, "(%02x) goto pc%+d\n", insn->code, insn->off);
	} else if (insn->code == (BPF_JMP | BPF_JCOND) && insn->src_reg == BPF_MAY_GOTO) {
		verbose(env, "(%02x) may_goto pc%+d\n", insn->code, insn->off);
	} else if (insn->code == (BPF_JMP32 | BPF_JA)) {
		verbose(env, "(%02x) gotol pc%+d\n", insn->code, insn->imm);
	} else if (insn->code == (BPF_JMP | BPF_EXIT)) {
		verbose(env, "(%02x) exit\n", insn->code);
	} else if (BPF_SRC(insn->code) == BPF_X) {
		verbose(env, "(%02x) if %c%d %s %c%d goto pc%+d\n", insn->code, w, insn->dst_reg,
		        str_or(jmp_string, op >> 4, "?"), w, insn->src_reg, insn->off);
	} else {
		verbose(env, "(%02x) if %c%d %s 0x%x goto pc%+d\n", insn->code, w, insn->dst_reg,
		        str_or(jmp_string, op >> 4, "?"), (u32)insn->imm, insn->off);
	}
}

void print_bpf_insn(struct bpf_verifier_env *env, const struct bpf_insn *insn)
{
	u8 class = BPF_CLASS(insn->code);
	switch (class) {
	case BPF_ALU:
	case BPF_ALU64:
		print_alu(env, insn);
		break;
	case BPF_STX:
		print_stx(env, insn);
		break;
	case BPF_ST:
		if (BPF_MODE(insn->code) == BPF_MEM)
			verbose(env, "(%02x) *(%s *)(r%d %+d) = %d\n", insn->code,
			        ldst_string[BPF_SIZE(insn->code) >> 3], insn->dst_reg, insn->off,
			        insn->imm);
		else
			verbose(env, "BUG_st_%02x\n", insn->code);
		break;
	case BPF_LDX:
		if (BPF_MODE(insn->code) != BPF_MEM && BPF_MODE(insn->code) != BPF_MEMSX) {
			verbose(env, "BUG_ldx_%02x\n", insn->code);
			break;
		}
		verbose(env, "(%02x) r%d = *(%s *)(r%d %+d)\n", insn->code, insn->dst_reg,
		        BPF_MODE(insn->code) == BPF_MEM ? ldst_string[BPF_SIZE(insn->code) >> 3]
		                                        : ldsx_string[BPF_SIZE(insn->code) >> 3],
		        insn->src_reg, insn->off);
		break;
	case BPF_LD:
		if (BPF_MODE(insn->code) == BPF_ABS) {
			verbose(env, "(%02x) r0 = *(%s *)skb[%d]\n", insn->code,
			        ldst_string[BPF_SIZE(insn->code) >> 3], insn->imm);
		} else if (BPF_MODE(insn->code) == BPF_IND) {
			verbose(env, "(%02x) r0 = *(%s *)skb[r%d + %d]\n", insn->code,
			        ldst_string[BPF_SIZE(insn->code) >> 3], insn->src_reg, insn->imm);
		} else if (BPF_MODE(insn->code) == BPF_IMM && BPF_SIZE(insn->code) == BPF_DW) {
			u64 imm = (u32)insn->imm;
			if ((u32)(insn - env->insns) + 1 < env->len)
				imm |= (u64)(u32)insn[1].imm << 32;
			bool is_ptr = insn->src_reg == BPF_PSEUDO_MAP_FD ||
			              insn->src_reg == BPF_PSEUDO_MAP_VALUE;
			if (is_ptr && !env->allow_ptr_leaks)
				imm = 0;
			/* a map's address: 16 digits, the width of the kernel's 0xffff8881...
			 * pointers, so the state after it lines up as in the kernel's log */
			bool map_ref = insn->src_reg && insn->src_reg != BPF_PSEUDO_FUNC &&
			               insn->src_reg != BPF_PSEUDO_BTF_ID && imm;
			verbose(env, map_ref ? "(%02x) r%d = 0x%016llx\n" : "(%02x) r%d = 0x%llx\n",
			        insn->code, insn->dst_reg, (unsigned long long)imm);
		} else {
			verbose(env, "BUG_ld_%02x\n", insn->code);
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		print_jmp(env, insn);
		break;
	default:
		verbose(env, "(%02x) %s\n", insn->code, class_string[class]);
	}
}
