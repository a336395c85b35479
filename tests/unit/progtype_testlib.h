/* progtype_testlib.h — what the program-type tests share (test_progtype*.c, test_prog_run*.c):
 * instruction builders, a loader for any program type into the host kernel (the oracle),
 * the kernel's BPF_PROG_TEST_RUN, and fixture paths. Header-only, static functions.
 */
#ifndef USERBPF_TESTS_PROGTYPE_TESTLIB_H
#define USERBPF_TESTS_PROGTYPE_TESTLIB_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "testutil.h"

#define PT_N(a) (sizeof(a) / sizeof((a)[0]))

static inline struct bpf_insn ptl_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                                       int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}
/* Compound literals (a GNU C extension in static initializers), usable in tables. */
#define PTL_INSN(c, d, s, o, k)                                                                    \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (k)})
#define I_MOV_K(d, k) PTL_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define I_MOV_X(d, s) PTL_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define I_ADD_K(d, k) PTL_INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define I_ADD_X(d, s) PTL_INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define I_LSH_K(d, k) PTL_INSN(BPF_ALU64 | BPF_LSH | BPF_K, d, 0, 0, k)
#define I_LDX(sz, d, s, o) PTL_INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define I_LDSX(sz, d, s, o) PTL_INSN(BPF_LDX | BPF_MEMSX | (sz), d, s, o, 0)
#define I_STX(sz, d, s, o) PTL_INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define I_ST(sz, d, o, k) PTL_INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define I_JA(o) PTL_INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define I_JGT_X(d, s, o) PTL_INSN(BPF_JMP | BPF_JGT | BPF_X, d, s, o, 0)
#define I_JEQ_K(d, k, o) PTL_INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define I_CALL(id) PTL_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define I_EXIT PTL_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define I_LD_ABS(sz, k) PTL_INSN(BPF_LD | BPF_ABS | (sz), 0, 0, 0, k)
#define I_LD_IND(sz, s, k) PTL_INSN(BPF_LD | BPF_IND | (sz), 0, s, 0, k)

static inline uint8_t ptl_size_code(int bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : bytes == 4 ? BPF_W : BPF_DW;
}

/* Load into the host kernel; fd or -errno; errline gets the log's last line. */
static inline int ptl_kernel_load(uint32_t type, uint32_t eat, uint32_t flags,
                                  const struct bpf_insn *insns, size_t cnt, char *errline,
                                  size_t len)
{
	static char log[1 << 16];
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.prog_flags = flags;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = errline ? 1 : 0;
	if (!errline)
		a.log_buf = a.log_size = 0;
	log[0] = 0;
	int fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0)
		return fd;
	int err = -errno;
	if (errline && len) {
		const char *last = "";
		for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
			if (*p && strncmp(p, "processed ", 10) &&
			    strncmp(p, "verification time", 17))
				last = p;
		snprintf(errline, len, "%s", last);
	}
	return err;
}

/* The kernel's BPF_PROG_TEST_RUN with a whole attr; 0 or -errno, *a updated. */
static inline int ptl_kernel_test_run(union bpf_attr *a)
{
	long r = syscall(SYS_bpf, BPF_PROG_TEST_RUN, a, sizeof *a);
	return r < 0 ? -errno : 0;
}

static inline const char *ptl_fixture_path(const char *name)
{
	static char path[512];
	snprintf(path, sizeof path, "%s/%s", USERBPF_FIXTURES_DIR, name);
	return path;
}

static inline bool ptl_recording(void)
{
	return getenv("USERBPF_RECORD_FIXTURES") && tu_kernel_bpf_available();
}

#ifdef USERBPF_PROGTYPES_PROGTYPE_H
/* What the verifier will do to a program's ctx accesses, for tests that run programs
 * before the verifier exists: every load/store based on a register in ctx_regs is a ctx
 * access (tests keep ctx in r1/r6 only), rewritten by the type's convert_ctx_access with
 * the kernel's narrow-load handling; LD_ABS/LD_IND are expanded (ctx in r6); jump
 * offsets are fixed. Returns the new count, 0 when a conversion fails. */
static inline size_t ptl_convert(uint32_t type, uint32_t eat, const struct bpf_insn *in, size_t n,
                                 unsigned ctx_regs, struct bpf_insn *out, size_t cap,
                                 uint32_t *max_ctx_offset)
{
	*max_ctx_offset = 0;
	const struct bpf_prog_type_info *t = bpf_prog_type_info(type);
	size_t *pos = calloc(n + 1, sizeof *pos), m = 0;
	if (!t || !pos)
		return 0;
	for (size_t i = 0; i < n; i++) {
		pos[i] = m;
		struct bpf_insn si = in[i], buf[BPF_PT_MAX_CONVERT + 4];
		uint8_t cls = BPF_CLASS(si.code), mode = BPF_MODE(si.code);
		uint32_t cnt = 0;
		if (cls == BPF_LD && (mode == BPF_ABS || mode == BPF_IND)) {
			cnt = bpf_prog_type_gen_ld_abs(&si, buf);
		} else if ((cls == BPF_LDX && (mode == BPF_MEM || mode == BPF_MEMSX) &&
		            (ctx_regs >> si.src_reg & 1)) ||
		           ((cls == BPF_STX || cls == BPF_ST) && mode == BPF_MEM &&
		            (ctx_regs >> si.dst_reg & 1))) {
			enum bpf_access_type at = cls == BPF_LDX ? BPF_READ : BPF_WRITE;
			int size = 1 << (BPF_SIZE(si.code) == BPF_W   ? 2
			                 : BPF_SIZE(si.code) == BPF_H ? 1
			                 : BPF_SIZE(si.code) == BPF_B ? 0
			                                              : 3);
			struct bpf_insn_access_aux aux = {.is_ldsx = mode == BPF_MEMSX};
			if (!t->is_valid_access(si.off, size, at, eat, &aux)) {
				free(pos);
				return 0;
			}
			if (si.off + size >
			    (int)*max_ctx_offset) /* the verifier's max_ctx_offset */
				*max_ctx_offset = (uint32_t)(si.off + size);
			if (!t->convert_ctx_access)
				goto copy;
			int16_t orig_off = si.off;
			uint32_t fs = aux.ctx_field_size, sd = bpf_ctx_off_adjust_machine(fs);
			bool narrow = fs && (uint32_t)size < fs;
			if (narrow) {
				si.off = (int16_t)(si.off & ~(int)(sd - 1));
				si.code = BPF_LDX | BPF_MEM | ptl_size_code((int)fs);
			}
			uint32_t target = 0;
			cnt = t->convert_ctx_access(at, &si, buf, eat, &target);
			if (!cnt || (fs && !target)) {
				free(pos);
				return 0;
			}
			if (narrow && (uint32_t)size < target) {
				uint8_t shift =
				        (uint8_t)(bpf_ctx_narrow_access_offset((uint32_t)orig_off,
				                                               (uint32_t)size, sd) *
				                  8);
				uint8_t alu = fs <= 4 ? BPF_ALU : BPF_ALU64;
				if (shift)
					buf[cnt++] = ptl_insn(alu | BPF_RSH | BPF_K, si.dst_reg, 0,
					                      0, shift);
				buf[cnt++] = ptl_insn(alu | BPF_AND | BPF_K, si.dst_reg, 0, 0,
				                      (int32_t)((1ull << size * 8) - 1));
			}
			if (mode == BPF_MEMSX) /* movsx dst, dst, size * 8 */
				buf[cnt++] = ptl_insn(BPF_ALU64 | BPF_MOV | BPF_X, si.dst_reg,
				                      si.dst_reg, (int16_t)(size * 8), 0);
		} else {
		copy:
			buf[0] = si;
			cnt = 1;
			if (cls == BPF_LD && si.code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < n) {
				buf[1] = in[++i];
				pos[i] = m + 1;
				cnt = 2;
			}
		}
		if (m + cnt > cap) {
			free(pos);
			return 0;
		}
		memcpy(out + m, buf, cnt * sizeof *buf);
		/* a jump sits alone in its expansion, at its last slot */
		pos[i] = m + cnt - 1;
		m += cnt;
	}
	pos[n] = m;
	for (size_t i = 0; i < n; i++) {
		uint8_t cls = BPF_CLASS(in[i].code), op = BPF_OP(in[i].code);
		if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL || op == BPF_EXIT)
			continue;
		size_t target = (size_t)((long)i + 1 + in[i].off);
		size_t at = pos[i];
		/* the first slot of the target's expansion */
		size_t tgt = target == 0 ? 0 : pos[target - 1] + 1;
		out[at].off = (int16_t)((long)tgt - (long)at - 1);
	}
	free(pos);
	return m;
}
#endif

#endif /* USERBPF_TESTS_PROGTYPE_TESTLIB_H */
