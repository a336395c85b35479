/* isa_disasm.c — instructions to text, in llvm-objdump or verifier-log spelling.
 *
 * Validity is decided by userbpf_isa_check() itself (on a tiny program built around the
 * instruction), so the disassembler never formats what the checker would reject and the
 * formatters below can trust every field they read. Every spelling comes from isa_text.c,
 * shared with the assembler, so both sides spell things identically.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <userbpf/asm.h>
#include <userbpf/isa.h>

#include "isa_text.h"

struct dis {
	char *buf;
	size_t len, pos;
	unsigned flags;
};

__attribute__((format(printf, 2, 3))) static void put(struct dis *d, const char *fmt, ...)
{
	va_list ap;
	if (d->pos >= d->len)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(d->buf + d->pos, d->len - d->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		d->pos = d->pos + (size_t)n < d->len ? d->pos + (size_t)n : d->len - 1;
}

static bool kernel(const struct dis *d)
{
	return d->flags & USERBPF_DISASM_KERNEL;
}

/* "r1 + 4" / "r10 - 8", or the verifier's "r1 +4" / "r10 -8". */
static void put_addr(struct dis *d, int reg, int64_t off, bool kstyle)
{
	int64_t mag = off < 0 ? -off : off;
	put(d, kstyle ? "r%d %c%" PRId64 : "r%d %c %" PRId64, reg, off < 0 ? '-' : '+', mag);
}

static void put_mem(struct dis *d, const char *size, int reg, int off)
{
	put(d, "*(%s *)(", size);
	put_addr(d, reg, off, kernel(d));
	put(d, ")");
}

static void put_target(struct dis *d, int32_t off)
{
	put(d, kernel(d) ? "pc%+d" : "%+d", off);
}

static const char *size_name(const struct bpf_insn *in)
{
	return isa_text_sizes[BPF_SIZE(in->code) >> 3];
}

/* An encoding the checker accepts but the syntax cannot express (e.g. exit with off != 0). */
static void put_raw(struct dis *d, const struct bpf_insn *in)
{
	put(d, ".insn 0x%02x, %d, %d, %d, %d", in->code, in->dst_reg, in->src_reg, in->off,
	    in->imm);
}

static void dis_mov(struct dis *d, const struct bpf_insn *in, char r)
{
	if (BPF_SRC(in->code) == BPF_K)
		put(d, "%c%d = %d", r, in->dst_reg, in->imm);
	else if (in->off)
		put(d, "%c%d = (s%d)%c%d", r, in->dst_reg, in->off, r, in->src_reg);
	else
		put(d, "%c%d = %c%d", r, in->dst_reg, r, in->src_reg);
}

static void dis_end(struct dis *d, const struct bpf_insn *in)
{
	for (size_t i = 0; i < sizeof isa_text_ends / sizeof isa_text_ends[0]; i++)
		if (isa_text_ends[i].code == in->code)
			return (void)put(d, "r%d = %s%d r%d", in->dst_reg, isa_text_ends[i].name,
			                 in->imm, in->dst_reg);
	put_raw(d, in); /* unreachable: the checker knows only the three above */
}

static void dis_alu(struct dis *d, const struct bpf_insn *in)
{
	char r = BPF_CLASS(in->code) == BPF_ALU ? 'w' : 'r';
	uint8_t op = BPF_OP(in->code);
	const char *sym = isa_text_alu_ops[op >> 4];

	if (op == BPF_MOV)
		return dis_mov(d, in, r);
	if (op == BPF_NEG)
		return (void)put(d, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
	if (op == BPF_END)
		return dis_end(d, in);
	if (!sym)
		return put_raw(d, in);
	put(d, "%c%d %s%s ", r, in->dst_reg, in->off ? "s" : "", sym); /* off 1: sdiv/smod */
	if (BPF_SRC(in->code) == BPF_X)
		put(d, "%c%d", r, in->src_reg);
	else
		put(d, "%d", in->imm);
}

static void dis_ldx(struct dis *d, const struct bpf_insn *in)
{
	char sized[8];
	snprintf(sized, sizeof sized, "%s", size_name(in));
	if (BPF_MODE(in->code) == BPF_MEMSX)
		sized[0] = 's';
	put(d, "r%d = ", in->dst_reg);
	put_mem(d, sized, in->src_reg, in->off);
}

static void dis_st(struct dis *d, const struct bpf_insn *in)
{
	put_mem(d, size_name(in), in->dst_reg, in->off);
	put(d, " = %d", in->imm);
}

/* The fetching forms: atomic_fetch_<op>, xchg, cmpxchg. */
static void dis_atomic_fetch(struct dis *d, const struct bpf_insn *in, char r)
{
	const char *op = isa_text_atomic_ops[(in->imm & ~BPF_FETCH) >> 4];

	for (size_t i = 0; i < sizeof isa_text_xchgs / sizeof isa_text_xchgs[0]; i++) {
		const struct isa_text_xchg *x = &isa_text_xchgs[i];
		bool cmp = x->imm == BPF_CMPXCHG; /* compares with r0 and returns in r0 */
		if (x->imm != in->imm || x->size != BPF_SIZE(in->code))
			continue;
		put(d, "%c%d = %s(", r, cmp ? 0 : in->src_reg, x->name);
		put_addr(d, in->dst_reg, in->off, kernel(d));
		if (cmp)
			put(d, ", %c0", r);
		return (void)put(d, ", %c%d)", r, in->src_reg);
	}
	put(d, "%c%d = atomic_fetch_%s((%s *)(", r, in->src_reg, op, size_name(in));
	put_addr(d, in->dst_reg, in->off, kernel(d));
	put(d, "), %c%d)", r, in->src_reg);
}

static void dis_atomic(struct dis *d, const struct bpf_insn *in)
{
	bool w = BPF_SIZE(in->code) != BPF_DW;
	char r = w ? 'w' : 'r';

	if (in->imm == BPF_LOAD_ACQ) {
		put(d, "%c%d = load_acquire((%s *)(", r, in->dst_reg, size_name(in));
		put_addr(d, in->src_reg, in->off, kernel(d));
		return (void)put(d, "))");
	}
	if (in->imm == BPF_STORE_REL) {
		put(d, "store_release((%s *)(", size_name(in));
		put_addr(d, in->dst_reg, in->off, kernel(d));
		return (void)put(d, "), %c%d)", r, in->src_reg);
	}
	if (in->imm & BPF_FETCH)
		return dis_atomic_fetch(d, in, r);
	put(d, "lock ");
	put_mem(d, size_name(in), in->dst_reg, in->off);
	put(d, " %s %c%d", isa_text_alu_ops[in->imm >> 4], r, in->src_reg);
}

static void dis_stx(struct dis *d, const struct bpf_insn *in)
{
	if (BPF_MODE(in->code) == BPF_ATOMIC)
		return dis_atomic(d, in);
	put_mem(d, size_name(in), in->dst_reg, in->off);
	put(d, " = r%d", in->src_reg);
}

static void dis_call(struct dis *d, const struct bpf_insn *in)
{
	if (BPF_SRC(in->code) == BPF_X) {
		if (in->src_reg || in->off || in->imm)
			return put_raw(d, in);
		return (void)put(d, "callx r%d", in->dst_reg);
	}
	if (in->src_reg == BPF_PSEUDO_CALL)
		return (void)put(d, "call pc%+d", in->imm);
	if (in->src_reg != BPF_PSEUDO_KFUNC_CALL)
		return (void)put(d, "call %d", in->imm);
	put(d, "call kfunc %d", in->imm);
	if (in->off)
		put(d, ", %d", in->off);
}

static void dis_jmp(struct dis *d, const struct bpf_insn *in)
{
	bool jmp32 = BPF_CLASS(in->code) == BPF_JMP32;
	char r = jmp32 ? 'w' : 'r';
	uint8_t op = BPF_OP(in->code);

	switch (op) {
	case BPF_CALL:
		return dis_call(d, in);
	case BPF_EXIT:
		return in->off ? put_raw(d, in) : (void)put(d, "exit");
	case BPF_JA:
		put(d, jmp32 ? "gotol " : "goto ");
		return put_target(d, jmp32 ? in->imm : in->off);
	case BPF_JCOND:
		put(d, "may_goto ");
		return put_target(d, in->off);
	}
	if (!isa_text_jmp_ops[op >> 4])
		return put_raw(d, in);
	put(d, "if %c%d %s ", r, in->dst_reg, isa_text_jmp_ops[op >> 4]);
	if (BPF_SRC(in->code) == BPF_X)
		put(d, "%c%d goto ", r, in->src_reg);
	else
		put(d, "%d goto ", in->imm);
	put_target(d, in->off);
}

static void dis_ldimm64_plain(struct dis *d, const struct bpf_insn *in)
{
	uint64_t v = userbpf_insn_imm64(in);
	if (kernel(d))
		put(d, "r%d = 0x%" PRIx64, in->dst_reg, v);
	else if (v < 0x10000)
		put(d, "r%d = %" PRIu64 " ll", in->dst_reg, v);
	else
		put(d, "r%d = 0x%" PRIx64 " ll", in->dst_reg, v);
}

static void dis_ldimm64(struct dis *d, const struct bpf_insn *in)
{
	int32_t imm = in[0].imm, imm2 = in[1].imm;

	if (in->src_reg == 0)
		return dis_ldimm64_plain(d, in);
	put(d, "r%d = ", in->dst_reg);
	switch (in->src_reg) {
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_VALUE:
		put(d, "map[fd:%d]", imm);
		break;
	case BPF_PSEUDO_MAP_IDX:
	case BPF_PSEUDO_MAP_IDX_VALUE:
		put(d, "map[idx:%d]", imm);
		break;
	case BPF_PSEUDO_BTF_ID:
		put(d, "btf[id:%d]", imm);
		if (imm2)
			put(d, "[obj:%d]", imm2);
		break;
	case BPF_PSEUDO_FUNC:
		put(d, "func[pc%+d]", imm);
		if (imm2)
			put(d, "[%d]", imm2);
		break;
	}
	if (in->src_reg == BPF_PSEUDO_MAP_VALUE || in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE)
		put(d, "[0]+%u", (uint32_t)imm2); /* the value offset is unsigned */
	put(d, " ll");
}

static void dis_ld(struct dis *d, const struct bpf_insn *in)
{
	if (BPF_MODE(in->code) == BPF_IMM)
		return dis_ldimm64(d, in);
	put(d, "r0 = *(%s *)skb[", size_name(in));
	if (BPF_MODE(in->code) == BPF_IND)
		put_addr(d, in->src_reg, in->imm, false);
	else
		put(d, "%d", in->imm);
	put(d, "]");
}

static void (*const dis_class[8])(struct dis *, const struct bpf_insn *) = {
        [BPF_LD] = dis_ld,   [BPF_LDX] = dis_ldx, [BPF_ST] = dis_st,     [BPF_STX] = dis_stx,
        [BPF_ALU] = dis_alu, [BPF_JMP] = dis_jmp, [BPF_JMP32] = dis_jmp, [BPF_ALU64] = dis_alu,
};

/* The jump, call or func offset set to a harmless in-range value: validity of the fields
 * must not depend on where the instruction sits. */
static void neutralize_target(struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);

	if (in->code == (BPF_JMP32 | BPF_JA))
		in->imm = 0;
	else if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL && op != BPF_EXIT)
		in->off = 0;
	else if (userbpf_insn_is_pseudo_call(in))
		in->imm = 0; /* the exit after it */
	else if (userbpf_insn_is_pseudo_func(in))
		in->imm = 1; /* skips its own second half */
}

/* 0, or -EINVAL with the reason in d: what userbpf_isa_check (relaxed) thinks of it. */
static int dis_validate(struct dis *d, const struct bpf_insn *insns, size_t remaining)
{
	struct bpf_insn prog[3] = {insns[0]};
	struct userbpf_error e;
	size_t n = 1;
	bool callx = insns->code == (BPF_JMP | BPF_CALL | BPF_X);

	if (!userbpf_isa_opcode_valid(insns->code) && !callx)
		return put(d, "invalid insn code 0x%02x", insns->code), -EINVAL;
	if (userbpf_insn_is_ldimm64(insns)) {
		if (remaining < 2)
			return put(d, "truncated ld_imm64 (needs 2 insns)"), -EINVAL;
		prog[n++] = insns[1];
	}
	prog[n++] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	neutralize_target(&prog[0]);
	if (userbpf_isa_check(prog, n, USERBPF_ISA_RELAXED, &e) < 0)
		return put(d, "%s", e.msg), -EINVAL;
	return 0;
}

int userbpf_disasm_insn(const struct bpf_insn *insns, size_t remaining, unsigned flags, char *buf,
                        size_t len)
{
	struct dis d = {.buf = buf, .len = len, .flags = flags};
	int err;

	if (!buf || !len)
		return -EINVAL;
	buf[0] = 0;
	if (!insns || !remaining)
		return put(&d, "no instruction"), -EINVAL;
	if ((err = dis_validate(&d, insns, remaining)))
		return err;
	dis_class[BPF_CLASS(insns->code)](&d, insns);
	return userbpf_insn_is_ldimm64(insns) ? 2 : 1;
}

/* An invalid instruction is listed as a raw .insn line (so the listing still assembles to
 * the same bytes) with the reason as a comment; the first error is returned at the end. */
int userbpf_disasm_prog(const struct bpf_insn *insns, size_t cnt, unsigned flags, int with_index,
                        FILE *out)
{
	char text[256], why[256];
	int first_err = 0;

	for (size_t i = 0; i < cnt;) {
		int n = userbpf_disasm_insn(&insns[i], cnt - i, flags, text, sizeof text);
		if (n < 0) {
			struct dis d = {.buf = text, .len = sizeof text};
			snprintf(why, sizeof why, "%s", text);
			text[0] = 0;
			put_raw(&d, &insns[i]);
			put(&d, " ; %.150s", why);
			first_err = first_err ? first_err : n;
			n = 1;
		}
		if (with_index)
			fprintf(out, "%4zu: (%02x) %s\n", i, insns[i].code, text);
		else
			fprintf(out, "%s\n", text);
		i += (size_t)n;
	}
	if (ferror(out))
		return -EIO;
	return first_err;
}
