/* fv_mutate.c — fuzz_verifier's structure-aware mutator (libFuzzer's custom mutator).
 *
 * Byte-level mutation of a BPF program mostly produces "unknown opcode": the verifier's
 * interesting code is past the decoder. This mutator decodes the input (fv_prog.h), makes
 * one to three changes that keep instructions well formed — a field of an instruction set to
 * an interesting value, an instruction or a typical snippet (map lookup + null check, packet
 * bounds check, spill/fill, bounded loop, ring buffer reserve/submit) inserted, instructions
 * deleted or duplicated, the header, a map or a function changed — and keeps jump offsets
 * pointing at the same instructions across insertions and deletions. Now and then it hands
 * the instruction bytes to libFuzzer's own mutator for the odd malformed instruction.
 */
#include <stdlib.h>
#include <string.h>

#include "fv_mutate.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

struct rng {
	uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
	r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(r->s >> 33);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? rnd(r) % n : 0;
}

static struct bpf_insn I(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
	return (struct bpf_insn){
	        .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

static const int32_t interesting_imm[] = {
        0,         1,      -1,  2,   4,    7,    8,  16,      31,     32,
        63,        64,     255, 256, 1514, 4096, -8, -512,    0x7fff, 0x7fffffff,
        INT32_MIN, 0xffff, -16, 12,  14,   20,   34, 0x10000, 100,    0x800};
static const int16_t interesting_off[] = {0,   1,   2,   4,     8,      -1,   -2, -4,   -8,  -16,
                                          -24, -32, -64, -128,  -256,   -512, 12, 16,   24,  76,
                                          80,  3,   -3,  32767, -32768, 6,    10, -511, 511, 7};
/* Helper ids worth calling more often than the rest (Linux numbering). */
static const int32_t hot_helpers[] = {1,   2,   3,   5,   6,   7,   8,   9,   12,  14, 25,  26,
                                      28,  44,  51,  65,  68,  87,  88,  89,  93,  94, 105, 113,
                                      130, 131, 132, 133, 134, 164, 165, 181, 189, 190};

#define PICK(r, a) ((a)[below(r, sizeof(a) / sizeof((a)[0]))])

static uint8_t reg(struct rng *r)
{
	/* r0-r5 most, r6-r9 some, r10 (read-only frame pointer) rarely as a destination */
	uint32_t x = below(r, 16);
	return x < 10 ? (uint8_t)x : x < 15 ? (uint8_t)below(r, 10) : 10;
}

static uint8_t src_reg(struct rng *r)
{
	uint32_t x = below(r, 12);
	return x == 11 ? 10 : (uint8_t)x; /* r10 often: stack pointers */
}

static int32_t imm(struct rng *r)
{
	switch (below(r, 4)) {
	case 0:
		return (int32_t)rnd(r);
	case 1:
		return (int32_t)below(r, 64) - 16;
	default:
		return PICK(r, interesting_imm);
	}
}

static int16_t off(struct rng *r)
{
	return below(r, 4) ? PICK(r, interesting_off) : (int16_t)((int)below(r, 128) - 64);
}

/* A random well-formed instruction (an ld_imm64 takes two slots: *two is set). */
static void random_insn(struct rng *r, const struct fv_prog *p, struct bpf_insn out[2], bool *two)
{
	static const uint8_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,  BPF_OR,
	                                  BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG,  BPF_MOD,
	                                  BPF_XOR, BPF_MOV, BPF_MOV, BPF_ARSH, BPF_END};
	static const uint8_t jmp_ops[] = {BPF_JA,   BPF_JEQ,  BPF_JGT,  BPF_JGE, BPF_JSET,
	                                  BPF_JNE,  BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE,
	                                  BPF_JSLT, BPF_JSLE, BPF_JEQ,  BPF_JNE, BPF_JGT};
	static const uint8_t sizes[] = {BPF_B, BPF_H, BPF_W, BPF_DW};
	static const int32_t atomics[] = {BPF_ADD,
	                                  BPF_OR,
	                                  BPF_AND,
	                                  BPF_XOR,
	                                  BPF_ADD | BPF_FETCH,
	                                  BPF_OR | BPF_FETCH,
	                                  BPF_AND | BPF_FETCH,
	                                  BPF_XOR | BPF_FETCH,
	                                  BPF_XCHG,
	                                  BPF_CMPXCHG,
	                                  0x100 /* load_acq */,
	                                  0x110 /* store_rel */};
	*two = false;
	uint32_t k = below(r, 100);
	if (k < 40) { /* ALU / ALU64 */
		uint8_t cls = below(r, 3) ? BPF_ALU64 : BPF_ALU;
		uint8_t op = PICK(r, alu_ops), s = below(r, 2) ? BPF_X : BPF_K;
		int16_t o = 0;
		int32_t v = imm(r);
		if (op == BPF_NEG)
			s = BPF_K, v = 0;
		if (op == BPF_END) {
			s = cls == BPF_ALU64 ? BPF_K : (below(r, 2) ? BPF_X : BPF_K);
			v = 16 << below(r, 3);
		}
		if ((op == BPF_DIV || op == BPF_MOD) && below(r, 3) == 0)
			o = 1; /* sdiv / smod */
		if (op == BPF_MOV && s == BPF_X && below(r, 4) == 0)
			o = (int16_t)(8 << below(r, 3)); /* movsx */
		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			v = (int32_t)below(r, 70);
		out[0] = I(cls | op | s, reg(r), s == BPF_X ? src_reg(r) : 0, o, v);
	} else if (k < 60) { /* conditional and unconditional jumps */
		uint8_t cls = below(r, 4) ? BPF_JMP : BPF_JMP32;
		uint8_t op = PICK(r, jmp_ops), s = below(r, 2) ? BPF_X : BPF_K;
		int16_t o = (int16_t)((int)below(r, 12) - 3);
		if (op == BPF_JA) {
			if (cls == BPF_JMP32) /* gotol: the offset is in imm */
				out[0] = I(BPF_JMP32 | BPF_JA, 0, 0, 0, o);
			else
				out[0] = I(BPF_JMP | BPF_JA, 0, 0, o, 0);
		} else {
			out[0] = I(cls | op | s, reg(r), s == BPF_X ? src_reg(r) : 0, o, imm(r));
		}
	} else if (k < 72) { /* loads */
		uint8_t sz = PICK(r, sizes), mode = below(r, 5) ? BPF_MEM : BPF_MEMSX;
		if (mode == BPF_MEMSX && sz == BPF_DW)
			mode = BPF_MEM;
		out[0] = I(BPF_LDX | mode | sz, reg(r), src_reg(r), off(r), 0);
	} else if (k < 80) { /* stores */
		uint8_t sz = PICK(r, sizes);
		if (below(r, 3) == 0)
			out[0] = I(BPF_ST | BPF_MEM | sz, src_reg(r), 0, off(r), imm(r));
		else
			out[0] = I(BPF_STX | BPF_MEM | sz, src_reg(r), reg(r), off(r), 0);
	} else if (k < 84) { /* atomics */
		uint8_t sz = below(r, 2) ? BPF_DW : BPF_W;
		out[0] = I(BPF_STX | BPF_ATOMIC | sz, src_reg(r), reg(r), off(r), PICK(r, atomics));
	} else if (k < 92) { /* helper calls, sometimes a bpf-to-bpf call */
		if (below(r, 8) == 0)
			out[0] =
			        I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, (int32_t)below(r, 16));
		else
			out[0] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			           below(r, 3) ? PICK(r, hot_helpers) : (int32_t)below(r, 212));
	} else if (k < 98) { /* ld_imm64: a constant, a map, a map value, a callback */
		uint32_t w = below(r, 4);
		uint8_t s = w == 0   ? 0
		            : w == 1 ? BPF_PSEUDO_MAP_IDX
		            : w == 2 ? BPF_PSEUDO_MAP_IDX_VALUE
		                     : BPF_PSEUDO_FUNC;
		int32_t lo = s == 0                 ? imm(r)
		             : s == BPF_PSEUDO_FUNC ? (int32_t)below(r, 16) + 1
		                                    : (int32_t)below(r, p->nr_maps + 1u);
		int32_t hi = s == BPF_PSEUDO_MAP_IDX_VALUE ? (int32_t)below(r, 3) * 8
		             : s == 0                      ? imm(r)
		                                           : 0;
		out[0] = I(BPF_LD | BPF_IMM | BPF_DW, (uint8_t)below(r, 10), s, 0, lo);
		out[1] = I(0, 0, 0, 0, hi);
		*two = true;
	} else {
		out[0] = below(r, 2)
		                 ? I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
		                 : I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, (int32_t)below(r, 4));
	}
}

/* Jumps and calls whose offset is relative to their own slot: the target of each. */
static bool jump_target(const struct bpf_insn *in, uint32_t cnt, uint32_t i, int64_t *t,
                        bool *in_imm)
{
	uint8_t cls = in[i].code & 7, op = in[i].code & 0xf0;
	*in_imm = false;
	if (cls == BPF_JMP || cls == BPF_JMP32) {
		if (op == BPF_EXIT)
			return false;
		if (op == BPF_CALL) {
			if (in[i].src_reg != BPF_PSEUDO_CALL)
				return false;
			*in_imm = true;
		} else if (cls == BPF_JMP32 && op == BPF_JA) {
			*in_imm = true;
		}
	} else if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW) && in[i].src_reg == BPF_PSEUDO_FUNC) {
		*in_imm = true;
	} else {
		return false;
	}
	*t = (int64_t)i + 1 + (*in_imm ? in[i].imm : in[i].off);
	(void)cnt;
	return true;
}

static void set_target(struct bpf_insn *in, uint32_t i, int64_t t, bool in_imm)
{
	int64_t o = t - (int64_t)i - 1;
	if (in_imm)
		in[i].imm = (int32_t)o;
	else if (o >= INT16_MIN && o <= INT16_MAX)
		in[i].off = (int16_t)o;
}

/* Make room for n slots at pos (new slots are zero); jumps keep their targets. */
static bool insert_slots(struct fv_prog *p, uint32_t pos, uint32_t n)
{
	if (p->cnt + n > FV_MAX_INSNS)
		return false;
	struct bpf_insn *in = realloc(p->insns, (p->cnt + n) * sizeof *in);
	if (!in)
		abort();
	for (uint32_t i = 0; i < p->cnt; i++) {
		int64_t t;
		bool ii;
		if (!jump_target(in, p->cnt, i, &t, &ii))
			continue;
		int64_t ni = i >= pos ? i + n : i, nt = t > pos ? t + n : t;
		if (t == pos && i >= pos)
			nt = t + n; /* a backward jump to pos keeps its old target */
		int64_t o = nt - ni - 1;
		if (ii)
			in[i].imm = (int32_t)o;
		else if (o >= INT16_MIN && o <= INT16_MAX)
			in[i].off = (int16_t)o;
	}
	memmove(in + pos + n, in + pos, (p->cnt - pos) * sizeof *in);
	memset(in + pos, 0, n * sizeof *in);
	p->insns = in;
	p->cnt += n;
	return true;
}

static void delete_slots(struct fv_prog *p, uint32_t pos, uint32_t n)
{
	struct bpf_insn *in = p->insns;
	for (uint32_t i = 0; i < p->cnt; i++) {
		int64_t t;
		bool ii;
		if ((i >= pos && i < pos + n) || !jump_target(in, p->cnt, i, &t, &ii))
			continue;
		int64_t ni = i >= pos + n ? i - n : i;
		int64_t nt = t >= pos + n ? t - n : t > pos ? pos : t;
		set_target(in, i, nt - ni + (int64_t)i, ii); /* offset nt - ni - 1 */
	}
	memmove(in + pos, in + pos + n, (p->cnt - pos - n) * sizeof *in);
	p->cnt -= n;
}

/* Slot i starts an instruction (not the second half of an ld_imm64). */
static bool insn_start(const struct fv_prog *p, uint32_t i)
{
	return i == 0 || p->insns[i - 1].code != (BPF_LD | BPF_IMM | BPF_DW) ||
	       (i >= 2 && !insn_start(p, i - 1));
}

static uint32_t pick_pos(struct rng *r, const struct fv_prog *p)
{
	/* before the last instruction mostly, so the final exit stays last */
	uint32_t n = p->cnt > 1 ? p->cnt - 1 : p->cnt;
	for (int tries = 0; tries < 4; tries++) {
		uint32_t i = below(r, n + 1);
		if (i >= p->cnt || insn_start(p, i))
			return i;
	}
	return 0;
}

static void put(struct fv_prog *p, uint32_t pos, const struct bpf_insn *s, uint32_t n)
{
	if (insert_slots(p, pos, n))
		memcpy(p->insns + pos, s, n * sizeof *s);
}

static int map_of_kind(struct rng *r, const struct fv_prog *p, int kind)
{
	int found[FV_MAX_MAPS], n = 0;
	for (int i = 0; i < p->nr_maps; i++)
		if (kind < 0 || p->maps[i].kind == kind)
			found[n++] = i;
	return n ? found[below(r, (uint32_t)n)] : (int)below(r, p->nr_maps + 1u);
}

/* Typical instruction sequences, each a unit the verifier has rules for. */
static void insert_snippet(struct rng *r, struct fv_prog *p)
{
	struct bpf_insn s[16];
	uint32_t n = 0, pos = pick_pos(r, p);
	const struct fv_type *t = &fv_types[p->type];
	uint8_t a = (uint8_t)(6 + below(r, 4)), b = (uint8_t)below(r, 6);
	switch (below(r, 6)) {
	case 0: { /* lookup + null check + access */
		int m = map_of_kind(r, p, below(r, 2) ? FV_MAP_ARRAY : FV_MAP_HASH);
		s[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (int32_t)below(r, 6));
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		s[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		s[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, m);
		s[n++] = I(0, 0, 0, 0, 0);
		s[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, 1);
		s[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0);
		s[n++] = below(r, 2) ? I(BPF_LDX | BPF_MEM | BPF_DW, b, 0, off(r), 0)
		                     : I(BPF_ST | BPF_MEM | BPF_W, 0, 0, off(r), imm(r));
		break;
	}
	case 1: { /* packet bounds check, then a read */
		bool xdp = t->prog_type == BPF_PROG_TYPE_XDP;
		s[n++] = I(BPF_LDX | BPF_MEM | BPF_W, a, 1, xdp ? 0 : 76, 0);
		s[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, xdp ? 4 : 80, 0);
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, a, 0, 0);
		s[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, (int32_t)below(r, 64));
		s[n++] =
		        I(BPF_JMP | PICK(r, ((const uint8_t[]){BPF_JGT, BPF_JGE, BPF_JLT})) | BPF_X,
		          4, 3, 1, 0);
		s[n++] = I(BPF_LDX | BPF_MEM | PICK(r, ((const uint8_t[]){BPF_B, BPF_H, BPF_W})), b,
		           a, (int16_t)below(r, 64), 0);
		break;
	}
	case 2: /* spill and fill */
		s[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, src_reg(r),
		           (int16_t)(-8 * (1 + below(r, 8))), 0);
		s[n++] = I(BPF_LDX | BPF_MEM | PICK(r, ((const uint8_t[]){BPF_DW, BPF_W, BPF_B})),
		           reg(r), 10, (int16_t)(-8 * (1 + below(r, 8))), 0);
		break;
	case 3: /* bounded loop */
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, a, 0, 0, 0);
		s[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, a, 0, 0, 1);
		s[n++] = I(BPF_JMP | BPF_JLT | BPF_K, a, 0, -2, (int32_t)below(r, 40));
		break;
	case 4: { /* ring buffer reserve, write, submit */
		int m = map_of_kind(r, p, FV_MAP_RINGBUF);
		s[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, m);
		s[n++] = I(0, 0, 0, 0, 0);
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 8 * (int32_t)(1 + below(r, 4)));
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
		s[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, 131);
		s[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0);
		s[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 0, 0, off(r), 1);
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
		s[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0);
		s[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, below(r, 2) ? 132 : 133);
		break;
	}
	default: /* a scalar bounded by a branch, then used as an offset */
		s[n++] = I(BPF_JMP | PICK(r, ((const uint8_t[]){BPF_JGT, BPF_JSGT, BPF_JGE})) |
		                   BPF_K,
		           b, 0, 2, (int32_t)below(r, 512));
		s[n++] = I(BPF_ALU64 | BPF_ADD | BPF_X, a, b, 0, 0);
		s[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 0, a, 0, 0);
		break;
	}
	put(p, pos, s, n);
}

static void mutate_field(struct rng *r, struct fv_prog *p)
{
	if (!p->cnt)
		return;
	uint32_t i = below(r, p->cnt);
	struct bpf_insn *in = &p->insns[i];
	switch (below(r, 7)) {
	case 0:
		in->dst_reg = reg(r);
		break;
	case 1:
		in->src_reg = src_reg(r);
		break;
	case 2:
		in->off = below(r, 2) ? off(r) : (int16_t)(in->off + (int)below(r, 5) - 2);
		break;
	case 3:
	case 4:
		in->imm = below(r, 2) ? imm(r) : (int32_t)((uint32_t)in->imm + below(r, 9) - 4);
		break;
	case 5: { /* same class, another operation or size */
		uint8_t cls = in->code & 7;
		if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_JMP || cls == BPF_JMP32)
			in->code = (uint8_t)((in->code & 0x0f) | (below(r, 16) << 4));
		else
			in->code = (uint8_t)((in->code & ~0x18) | (below(r, 4) << 3));
		break;
	}
	default: /* flip 32/64-bit, K/X */
		in->code ^= below(r, 2) ? 0x08 : ((in->code & 7) == BPF_ALU ? 0x03 : 0);
		break;
	}
}

static void mutate_header(struct rng *r, struct fv_prog *p)
{
	switch (below(r, 8)) {
	case 0:
	case 1:
		p->type = (uint8_t)below(r, fv_nr_types);
		break;
	case 2:
	case 3:
		p->flags ^= (uint8_t)(1u << below(r, 8));
		break;
	case 4:
		p->seed = (uint8_t)rnd(r);
		break;
	case 5:
		p->runs = (uint8_t)rnd(r);
		break;
	default: { /* a map: another kind, size, count, flags, lock */
		if (p->nr_maps < FV_MAX_MAPS && (p->nr_maps == 0 || below(r, 4) == 0)) {
			struct fv_map *m = &p->maps[p->nr_maps++];
			*m = (struct fv_map){(uint8_t)below(r, FV_MAP_KINDS),
			                     (uint8_t)below(r, 64),
			                     4,
			                     FV_NO_LOCK,
			                     (uint16_t)(8 << below(r, 4)),
			                     (uint16_t)(1 + below(r, 8))};
			break;
		}
		struct fv_map *m = &p->maps[below(r, p->nr_maps)];
		switch (below(r, 6)) {
		case 0:
			m->kind = (uint8_t)below(r, FV_MAP_KINDS);
			break;
		case 1:
			m->value_size =
			        (uint16_t)(below(r, 2) ? 1 + below(r, 64) : 8u << below(r, 7));
			break;
		case 2:
			m->max_entries = (uint16_t)(1 + below(r, 16));
			break;
		case 3:
			m->flags ^= (uint8_t)(1u << below(r, 6));
			break;
		case 4:
			m->lock_off =
			        m->lock_off == FV_NO_LOCK ? (uint8_t)(4 * below(r, 4)) : FV_NO_LOCK;
			break;
		default:
			m->key_size = (uint8_t)(1 + below(r, 16));
			break;
		}
	}
	}
}

/* Functions: one per subprogram when the program has any BTF at all. */
static void mutate_funcs(struct rng *r, struct fv_prog *p)
{
	uint32_t starts[FV_MAX_FUNCS + 1];
	struct userbpf_error e;
	int n = userbpf_isa_subprogs(p->insns, p->cnt, starts, FV_MAX_FUNCS + 1, &e);
	if (n <= 0)
		n = 1;
	if (n > FV_MAX_FUNCS)
		n = FV_MAX_FUNCS;
	for (int i = p->nr_funcs; i < n; i++)
		p->funcs[i] = (struct fv_func){0, (uint8_t)below(r, 3), 0};
	p->nr_funcs = (uint8_t)n;
	struct fv_func *f = &p->funcs[below(r, (uint32_t)n)];
	switch (below(r, 3)) {
	case 0:
		f->global ^= 1;
		break;
	case 1:
		f->nr_args = (uint8_t)below(r, FV_MAX_ARGS + 1);
		break;
	default:
		f->kinds = (uint16_t)(f->kinds ^ (1u << below(r, 10)));
		break;
	}
}

size_t fv_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed)
{
	struct fv_prog p;
	struct rng r = {seed * 0x9e3779b97f4a7c15ull + 1};
	if (fv_prog_decode(data, size, &p))
		return LLVMFuzzerMutate(data, size, max_size);
	/* mostly one change: a verified parent stays verifiable more often, and verified
	 * programs are what the guarded runs check */
	uint32_t c3 = below(&r, 10);
	int changes = c3 < 7 ? 1 : c3 < 9 ? 2 : 3;
	for (int c = 0; c < changes; c++) {
		uint32_t k = below(&r, 100);
		if (k < 30) {
			mutate_field(&r, &p);
		} else if (k < 50) {
			struct bpf_insn two[2];
			bool is2;
			random_insn(&r, &p, two, &is2);
			put(&p, pick_pos(&r, &p), two, is2 ? 2 : 1);
		} else if (k < 62) {
			insert_snippet(&r, &p);
		} else if (k < 72) {
			uint32_t pos = pick_pos(&r, &p), n = 1 + below(&r, 3);
			if (pos < p.cnt) {
				if (pos + n > p.cnt)
					n = p.cnt - pos;
				delete_slots(&p, pos, n);
			}
		} else if (k < 76) {
			uint32_t pos = pick_pos(&r, &p), n = 1 + below(&r, 6);
			if (pos + n <= p.cnt) {
				struct bpf_insn copy[6];
				memcpy(copy, p.insns + pos, n * sizeof copy[0]);
				put(&p, pick_pos(&r, &p), copy, n);
			}
		} else if (k < 88) {
			mutate_header(&r, &p);
		} else if (k < 92) {
			mutate_funcs(&r, &p);
		} else if (p.cnt) { /* libFuzzer's bytes mutation on the instructions */
			size_t bytes = p.cnt * sizeof(struct bpf_insn);
			size_t cap = bytes + 64;
			uint8_t *b = malloc(cap);
			if (!b)
				abort();
			memcpy(b, p.insns, bytes);
			size_t nb = LLVMFuzzerMutate(b, bytes, cap) / sizeof(struct bpf_insn);
			if (nb && nb <= FV_MAX_INSNS) {
				struct bpf_insn *ni = realloc(p.insns, nb * sizeof *ni);
				if (!ni)
					abort();
				memcpy(ni, b, nb * sizeof *ni);
				p.insns = ni;
				p.cnt = (uint32_t)nb;
			}
			free(b);
		}
	}
	if (p.nr_funcs) /* keep func_info in step with the subprograms */
		mutate_funcs(&r, &p);
	fv_prog_normalize(&p);
	size_t len;
	uint8_t *out = fv_prog_encode(&p, &len);
	fv_prog_free(&p);
	if (len > max_size) {
		free(out);
		return size; /* unchanged */
	}
	memcpy(data, out, len);
	free(out);
	return len;
}

size_t fv_crossover(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out,
                    size_t max_out, unsigned seed)
{
	struct fv_prog a, b;
	struct rng r = {seed + 7};
	if (fv_prog_decode(d1, s1, &a))
		return 0;
	if (fv_prog_decode(d2, s2, &b)) {
		fv_prog_free(&a);
		return 0;
	}
	/* a's header and maps; a's first part, then b's tail */
	uint32_t ca = below(&r, a.cnt + 1), cb = below(&r, b.cnt + 1);
	uint32_t n = ca + (b.cnt - cb);
	if (n > FV_MAX_INSNS)
		n = FV_MAX_INSNS;
	struct bpf_insn *in = malloc((n ? n : 1) * sizeof *in);
	if (!in)
		abort();
	memcpy(in, a.insns, ca * sizeof *in);
	memcpy(in + ca, b.insns + cb, (n - ca) * sizeof *in);
	free(a.insns);
	a.insns = in;
	a.cnt = n;
	size_t len;
	uint8_t *enc = fv_prog_encode(&a, &len);
	size_t ret = 0;
	if (len <= max_out) {
		memcpy(out, enc, len);
		ret = len;
	}
	free(enc);
	fv_prog_free(&a);
	fv_prog_free(&b);
	return ret;
}
