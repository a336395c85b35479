/* isa_asm_atomic.c — the BPF_STX | BPF_ATOMIC forms: "lock ... += rS", the fetching calls
 * ("rS = atomic_fetch_add(...)", xchg, cmpxchg) and load_acquire / store_release. The
 * operation and width names come from isa_text.c, shared with the disassembler.
 */
#include "isa_asm_internal.h"
#include "isa_text.h"

static uint8_t atomic_code(int size)
{
	return BPF_STX | BPF_ATOMIC | size;
}

static char size_width(int size)
{
	return size == BPF_DW ? 'r' : 'w';
}

static void need_rmw_size(struct asmctx *c, int size)
{
	if (size != BPF_W && size != BPF_DW)
		asm_fail(c, "atomic operations need u32 or u64");
}

/* "rS = atomic_fetch_add((u64 *)(rD + off), rS)"; the kernel's atomic64_ spelling too. */
static void p_fetch(struct asmctx *c, struct reg d, int op)
{
	int16_t off;
	asm_expect(c, "(");
	int size = asm_parse_cast(c, NULL);
	need_rmw_size(c, size);
	struct reg base = asm_parse_mem(c, &off);
	asm_expect(c, ",");
	struct reg s = asm_parse_reg(c, size_width(size));
	asm_expect(c, ")");
	if (d.width != s.width || d.no != s.no)
		asm_fail(c, "fetch result must go to the source register %c%d", s.width, s.no);
	asm_emit(c, (struct bpf_insn){.code = atomic_code(size),
	                              .dst_reg = base.no,
	                              .src_reg = s.no,
	                              .off = off,
	                              .imm = op | BPF_FETCH});
}

/* "r0 = xchg_64(r1 + 0, r0)" / "r0 = cmpxchg_64(r1 + 0, r0, r2)"; 32-bit: xchg32_32. */
static void p_xchg(struct asmctx *c, struct reg d, const struct isa_text_xchg *x)
{
	bool cmp = x->imm == BPF_CMPXCHG;
	int size = x->size;
	char w = size_width(size);
	asm_expect(c, "(");
	struct reg base = asm_parse_reg(c, 'r');
	int16_t off = (int16_t)asm_parse_disp(c, INT16_MIN, INT16_MAX, "offset");
	asm_expect(c, ",");
	if (cmp && (asm_parse_reg(c, w).no != 0 || d.no != 0))
		asm_fail(c, "cmpxchg compares and returns %c0", w);
	if (cmp)
		asm_expect(c, ",");
	struct reg s = asm_parse_reg(c, w);
	asm_expect(c, ")");
	if (d.width != w || (!cmp && d.no != s.no))
		asm_fail(c, "xchg result must go to the source register %c%d", w, s.no);
	asm_emit(c, (struct bpf_insn){.code = atomic_code(size),
	                              .dst_reg = base.no,
	                              .src_reg = s.no,
	                              .off = off,
	                              .imm = x->imm});
}

/* "w0 = load_acquire((u8 *)(r1 + 0))" */
static void p_load_acq(struct asmctx *c, struct reg d)
{
	int16_t off;
	asm_expect(c, "(");
	int size = asm_parse_cast(c, NULL);
	struct reg s = asm_parse_mem(c, &off);
	asm_expect(c, ")");
	if (d.width != size_width(size))
		asm_fail(c, "load_acquire of this size needs a %c register", size_width(size));
	asm_emit(c, (struct bpf_insn){.code = atomic_code(size),
	                              .dst_reg = d.no,
	                              .src_reg = s.no,
	                              .off = off,
	                              .imm = BPF_LOAD_ACQ});
}

/* The atomic-call forms after "rD = "; false when the name is not one of them. */
bool asm_atomic_call(struct asmctx *c, struct reg d)
{
	static const char *const fetch_prefixes[] = {"atomic_fetch_", "atomic64_fetch_"};
	struct tok *t = asm_peek(c);

	for (int p = 0; p < 2; p++) {
		size_t n = strlen(fetch_prefixes[p]);
		if ((size_t)t->len <= n || memcmp(t->s, fetch_prefixes[p], n))
			continue;
		for (int i = 0; i < 16; i++) {
			const char *op = isa_text_atomic_ops[i];
			if (op && (size_t)t->len == n + strlen(op) &&
			    !memcmp(t->s + n, op, strlen(op)))
				return asm_next(c), p_fetch(c, d, i << 4), true;
		}
	}
	for (size_t i = 0; i < ASM_NELEM(isa_text_xchgs); i++)
		if (asm_tok_is(t, isa_text_xchgs[i].name))
			return asm_next(c), p_xchg(c, d, &isa_text_xchgs[i]), true;
	if (asm_tok_is(t, "load_acquire"))
		return asm_next(c), p_load_acq(c, d), true;
	return false;
}

/* "lock *(u64 *)(r0 + 0) += r1": the ALU spelling of an atomic operation, no fetch. */
void asm_lock(struct asmctx *c)
{
	int16_t off;
	asm_expect(c, "*");
	int size = asm_parse_cast(c, NULL);
	need_rmw_size(c, size);
	struct reg base = asm_parse_mem(c, &off);
	struct tok *op = asm_next(c);
	int imm = -1;
	for (int i = 0; i < 16; i++)
		if (isa_text_atomic_ops[i] && asm_tok_is(op, isa_text_alu_ops[i]))
			imm = i << 4;
	if (imm < 0)
		asm_fail_parse(c);
	struct reg s = asm_parse_reg(c, size_width(size));
	asm_emit(c, (struct bpf_insn){.code = atomic_code(size),
	                              .dst_reg = base.no,
	                              .src_reg = s.no,
	                              .off = off,
	                              .imm = imm});
}

/* "store_release((u32 *)(r1 + 0), w2)" */
void asm_store_rel(struct asmctx *c)
{
	int16_t off;
	asm_expect(c, "(");
	int size = asm_parse_cast(c, NULL);
	struct reg base = asm_parse_mem(c, &off);
	asm_expect(c, ",");
	struct reg s = asm_parse_reg(c, size_width(size));
	asm_expect(c, ")");
	asm_emit(c, (struct bpf_insn){.code = atomic_code(size),
	                              .dst_reg = base.no,
	                              .src_reg = s.no,
	                              .off = off,
	                              .imm = BPF_STORE_REL});
}
