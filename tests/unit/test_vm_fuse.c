/* test_vm_fuse.c — the trusted engine's one-op form of the verifier's inlined array lookup
 * (src/vm/vm_fuse.c), against the plain instructions it replaces.
 *
 * Each program runs the kernel's array_map_gen_lookup sequence on a stand-in map (a struct
 * whose u64 at offset 16 is the data pointer, as r1 = *(u64 *)(r1 + 16) reads it) and
 * returns r0 - data (the element's offset) or -1 when r0 is NULL, plus checks that r1 = data
 * and r2 = &key afterwards. Expected values are worked out by hand from the instructions:
 * index < max_entries (64-bit unsigned compare with the sign-extended imm) → offset
 * ((index & mask) << shift, or * size), else NULL. Every case runs three ways: trusted
 * (fused: asserted by looking at the decoded op), trusted with USERBPF_NO_FUSE=1 and
 * guarded (both plain), and all three must agree with the expected value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "vm/vm_internal.h"

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define MOV64(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define N(p) (sizeof(p) / sizeof((p)[0]))

/* the stand-in map: data at offset 16; the key right after */
struct fake_map {
	uint64_t pad[2];
	uint64_t data;
	uint32_t key;
	uint32_t pad2;
};

#define NOT_FOUND ((uint64_t)-1)
#define BAD_REGS ((uint64_t)-2)

/* The sequence (masked: the w0 &= mask form; mul: r0 *= scale, else r0 <<= scale) at insn
 * 2 of a program: r1 = &map, r2 = &map.key. */
static size_t build(struct bpf_insn *p, bool masked, int32_t max, int32_t mask, bool mul,
                    int32_t scale)
{
	size_t n = 0;
	p[n++] = MOV64_X(2, 1);
	p[n++] = ADD64(2, 24);
	/* 2 */ p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, 16, 0);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, 0, 2, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_JGE | BPF_K, 0, 0, masked ? 4 : 3, max);
	if (masked)
		p[n++] = INSN(BPF_ALU | BPF_AND | BPF_K, 0, 0, 0, mask);
	p[n++] = INSN(BPF_ALU64 | (mul ? BPF_MUL : BPF_LSH) | BPF_K, 0, 0, 0, scale);
	p[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_JA, 0, 0, 1, 0);
	p[n++] = MOV64(0, 0);
	/* after: r3 = r2 - 24 must be the map (r6 holds it), r1 must be data */
	const struct bpf_insn tail[] = {
	        MOV64_X(3, 2),
	        ADD64(3, -24),
	        INSN(BPF_JMP | BPF_JNE | BPF_X, 3, 6, 5, 0),
	        INSN(BPF_LDX | BPF_MEM | BPF_DW, 4, 6, 16, 0),
	        INSN(BPF_JMP | BPF_JNE | BPF_X, 1, 4, 3, 0),
	        INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
	        INSN(BPF_ALU64 | BPF_SUB | BPF_X, 0, 1, 0, 0),
	        EXIT(),
	        MOV64(0, (int32_t)BAD_REGS),
	        EXIT(),
	        MOV64(0, (int32_t)NOT_FOUND),
	        EXIT(),
	};
	memcpy(&p[n], tail, sizeof tail);
	n += N(tail);
	return n;
}

/* r6 = r1 first: the program proper starts at insn 1, so the sequence is at insn 3. */
static size_t with_prologue(struct bpf_insn *p, size_t n)
{
	memmove(&p[1], p, n * sizeof *p);
	p[0] = MOV64_X(6, 1);
	return n + 1;
}

static bool fused_at(const struct userbpf_vm *vm, size_t i)
{
	const void *const *labels;
	vm_exec_trusted(NULL, NULL, &labels);
	return vm->ops[i].handler == labels[VM_K_array_lookup];
}

/* Run p in the three ways on key; all must give want. expect_fused: is insn `at` fused? */
static void check(const struct bpf_insn *p, size_t n, uint32_t key, uint64_t want,
                  bool expect_fused, size_t at)
{
	static const char *const how[3] = {"fused", "USERBPF_NO_FUSE", "guarded"};
	uint8_t values[64];
	struct fake_map m = {.data = (uint64_t)(uintptr_t)values, .key = key};
	for (int w = 0; w < 3; w++) {
		struct userbpf_vm_opts o = {.sz = sizeof o,
		                            .flags = w == 2 ? USERBPF_VM_UNVERIFIED : 0};
		struct userbpf_vm *vm;
		struct userbpf_error e;
		if (w == 1)
			setenv("USERBPF_NO_FUSE", "1", 1);
		assert_int_equal(userbpf_vm_create(p, n, &o, &vm, &e), 0);
		unsetenv("USERBPF_NO_FUSE");
		assert_int_equal(fused_at(vm, at), w == 0 && expect_fused);
		/* guarded: the map struct and the key are the run's region, the values are
		 * never touched (the result is an address) */
		uint64_t r0 = 0;
		int err = userbpf_vm_exec(vm, &m, sizeof m, &r0, &e);
		if (err || r0 != want)
			printf("key 0x%x %s: err %d (%s) r0 0x%llx, want 0x%llx\n", key, how[w],
			       err, e.msg, (unsigned long long)r0, (unsigned long long)want);
		assert_int_equal(err, 0);
		assert_int_equal(r0, want);
		userbpf_vm_destroy(vm);
	}
}

/* max_entries 5, 8-byte values: the privileged form (no mask) and the masked one */
static void test_shift_forms(void **state)
{
	for (int masked = 0; masked < 2; masked++) {
		struct bpf_insn p[32];
		size_t n = with_prologue(p, build(p, masked, 5, 7, false, 3));
		static const struct {
			uint32_t key;
			uint64_t want;
		} k[] = {
		        {0, 0},
		        {1, 8},
		        {4, 32},        /* the last element */
		        {5, NOT_FOUND}, /* max_entries */
		        {6, NOT_FOUND},
		        {0x7fffffff, NOT_FOUND},
		        {0x80000000, NOT_FOUND},
		        {0xffffffff, NOT_FOUND},
		};
		for (size_t i = 0; i < N(k); i++)
			check(p, n, k[i].key, k[i].want, true, 3);
	}
}

/* 24-byte values (not a power of two: r0 *= 24), max_entries 3 */
static void test_mul_form(void **state)
{
	struct bpf_insn p[32];
	size_t n = with_prologue(p, build(p, false, 3, 0, true, 24));
	check(p, n, 0, 0, true, 3);
	check(p, n, 2, 48, true, 3);
	check(p, n, 3, NOT_FOUND, true, 3);
	check(p, n, 0x80000002, NOT_FOUND, true, 3);
	n = with_prologue(p, build(p, true, 3, 3, true, 24));
	check(p, n, 2, 48, true, 3);
	check(p, n, 3, NOT_FOUND, true, 3);
}

/* What only the instructions say, not the generator's invariants: a mask that drops bits
 * of an in-range index (2 & 1 = 0), max_entries INT32_MAX with top-bit indices, and a
 * negative imm, which JGE sign-extends to 2^64 - 1 so that no u32 index is out of range,
 * a shift of 0 and a multiplier of -1 (sign-extended: r0 * (2^64 - 1) = -r0). */
static void test_instruction_semantics(void **state)
{
	struct bpf_insn p[32];
	size_t n = with_prologue(p, build(p, true, 5, 1, false, 3));
	check(p, n, 2, 0, true, 3);
	check(p, n, 3, 8, true, 3);
	n = with_prologue(p, build(p, false, INT32_MAX, 0, false, 3));
	check(p, n, 0x7ffffffe, 0x7ffffffeull * 8, true, 3);
	check(p, n, 0x7fffffff, NOT_FOUND, true, 3);
	check(p, n, 0x80000000, NOT_FOUND, true, 3);
	n = with_prologue(p, build(p, false, -1, 0, false, 3));
	check(p, n, 0xffffffff, 0xffffffffull * 8, true, 3);
	n = with_prologue(p, build(p, false, 5, 0, false, 0));
	check(p, n, 4, 4, true, 3);
	n = with_prologue(p, build(p, false, 5, 0, true, -1));
	check(p, n, 4, (uint64_t)-4, true, 3);
	n = with_prologue(p, build(p, false, 5, 0, true, 0));
	check(p, n, 3, 0, true, 3); /* r0 = data + 3 * 0: the first element's address */
}

/* Jumps into the sequence: the fused op stands only in the first slot, the others keep
 * their plain ops, so a run entering in the middle executes the instructions. A jump to
 * the scale (r0 preset to 3: offset 24) and one to the last insn (r0 = 0: NULL), decided
 * by key bit 31 before the sequence. */
static void test_jump_into_the_sequence(void **state)
{
	struct bpf_insn p[40];
	size_t n = build(p, false, 5, 0, false, 3); /* sequence at 2..8 */
	/* prologue (5 insns): r6 = r1; if key & 0x80000000: r1 = data, r0 = 3, goto scale */
	struct bpf_insn pro[] = {
	        MOV64_X(6, 1),
	        INSN(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 24, 0),
	        INSN(BPF_JMP32 | BPF_JSET | BPF_K, 3, 0, 0, 0), /* off set below */
	        INSN(BPF_JMP32 | BPF_JSET | BPF_K, 3, 0, 0, 0x40000000),
	        INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0), /* into the sequence's first insn */
	        /* 5 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, 16, 0),
	        MOV64_X(2, 6),
	        ADD64(2, 24),
	        MOV64(0, 3),
	        INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0), /* → scale */
	        /* 10 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, 16, 0),
	        MOV64_X(2, 6),
	        ADD64(2, 24),
	        INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0), /* → r0 = 0 */
	};
	size_t np = N(pro);
	memmove(&p[np], p, n * sizeof *p);
	memcpy(p, pro, sizeof pro);
	n += np;
	/* the sequence starts at np + 2: LDX, LDX, JGE, LSH(np+5), ADD, JA, MOV(np+8) */
	size_t seq = np + 2, scale = seq + 3, zero = seq + 6;
	p[2].imm = (int32_t)0x80000000;
	p[2].off = 5 - 3; /* → 5 */
	p[3].off = 10 - 4;
	p[4].off = (int16_t)(np - 5);
	p[9].off = (int16_t)(scale - 10);
	p[13].off = (int16_t)(zero - 14);
	check(p, n, 4, 32, true, seq);                 /* from the top: fused */
	check(p, n, 0x80000004, 24, true, seq);        /* into the scale: r0 = 3 << 3 */
	check(p, n, 0x40000000, NOT_FOUND, true, seq); /* into r0 = 0 */
}

/* Almost the sequence (one field off): not fused, and the plain ops' answer. The
 * sequence is at 3: LDX r1, LDX r0 (4), JGE (5), LSH, ADD, JA, MOV. */
static void test_not_fused(void **state)
{
	struct bpf_insn p[32], q[32];
	size_t n = with_prologue(p, build(p, false, 5, 0, false, 3));
	memcpy(q, p, sizeof p);
	q[4].off = 4; /* the key read at r2 + 4 (pad2 = 0): index 0 whatever the key */
	check(q, n, 3, 0, false, 3);
	memcpy(q, p, sizeof p);
	q[5].code = BPF_JMP | BPF_JGT | BPF_K; /* index 5 of 5 passes */
	check(q, n, 5, 40, false, 3);
	memcpy(q, p, sizeof p);
	q[5].code = BPF_JMP32 | BPF_JGE | BPF_K;
	check(q, n, 4, 32, false, 3);
	check(q, n, 5, NOT_FOUND, false, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shift_forms),
	        cmocka_unit_test(test_mul_form),
	        cmocka_unit_test(test_instruction_semantics),
	        cmocka_unit_test(test_jump_into_the_sequence),
	        cmocka_unit_test(test_not_fused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
