/* pt_trace.c — tracing program types: kprobe (struct pt_regs, x86-64 layout), tracepoint
 * (the raw trace record), perf_event (struct bpf_perf_event_data), raw_tracepoint (u64
 * arguments) and syscall (caller memory). Their contexts are plain memory: no rewrite.
 *
 * Test runs: raw_tracepoint and syscall have one (ctx_in only); kprobe, tracepoint and
 * perf_event have none in the kernel (-ENOTSUPP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progtypes/pt_run.h"
#include "progtypes/pt_types.h"

#define PT_BPF_TRACE_KPROBE_SESSION 56 /* newer than our uapi copy */
#define PT_BPF_TRACE_UPROBE_SESSION 57
#define MAX_BPF_FUNC_ARGS 12
#define PERF_MAX_TRACE_SIZE 8192
#define U16_MAX 0xffff

/* kprobe_prog_is_valid_access: aligned loads inside pt_regs */
static bool kprobe_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                   struct bpf_insn_access_aux *aux)
{
	int end = (int)sizeof(struct pt_regs_x86_64);
	if (off < 0 || off >= end || t != BPF_READ || size <= 0 || off % size != 0)
		return false;
	return off + size <= end;
}

/* tp_prog_is_valid_access: aligned loads of the trace record, except its first
 * sizeof(void *) bytes. The kernel compares off with sizeof(void *) as an unsigned
 * value, so negative offsets pass that test (and the upper bound): they load. */
static bool tp_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                               struct bpf_insn_access_aux *aux)
{
	if ((size_t)(long)off < sizeof(void *) || off >= PERF_MAX_TRACE_SIZE || t != BPF_READ ||
	    size <= 0)
		return false;
	return off % size == 0;
}

/* raw_tp_prog_is_valid_access: up to MAX_BPF_FUNC_ARGS u64 arguments */
static bool raw_tp_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                   struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= (int)(sizeof(uint64_t) * MAX_BPF_FUNC_ARGS) || t != BPF_READ ||
	    size <= 0)
		return false;
	return off % size == 0;
}

#define PE_OFF(f) offsetof(struct bpf_perf_event_data_x86_64, f)

/* pe_prog_is_valid_access: registers as whole longs, sample_period and addr narrowly */
static bool pe_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                               struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= (int)sizeof(struct bpf_perf_event_data_x86_64) || t != BPF_READ ||
	    size <= 0 || off % size != 0)
		return false;
	if ((off >= (int)PE_OFF(sample_period) && off < (int)PE_OFF(sample_period) + 8) ||
	    (off >= (int)PE_OFF(addr) && off < (int)PE_OFF(addr) + 8)) {
		aux->ctx_field_size = 8;
		return bpf_ctx_narrow_access_ok((uint32_t)off, (uint32_t)size, 8);
	}
	return size == 8;
}

/* pe_prog_convert_ctx_access, onto a struct of the user layout: the same offsets; the
 * u64 fields report their size for narrow loads. */
static uint32_t pe_convert_ctx_access(enum bpf_access_type t, const struct bpf_insn *si,
                                      struct bpf_insn *out, uint32_t eat, uint32_t *target_size)
{
	if (t != BPF_READ)
		return 0;
	if (si->off == (int16_t)PE_OFF(sample_period) || si->off == (int16_t)PE_OFF(addr)) {
		*target_size = 8;
		out[0] = pt_ldx(BPF_DW, si->dst_reg, si->src_reg, si->off);
		return 1;
	}
	out[0] = pt_ldx(BPF_SIZE(si->code), si->dst_reg, si->src_reg, si->off);
	return 1;
}

/* syscall_prog_is_valid_access: any aligned access below U16_MAX of the caller's buffer */
static bool syscall_is_valid_access(int off, int size, enum bpf_access_type t, uint32_t eat,
                                    struct bpf_insn_access_aux *aux)
{
	if (off < 0 || off >= U16_MAX || size <= 0)
		return false;
	return off % size == 0;
}

/* check_return_code: kprobe/uprobe sessions return 0 (run the exit probe) or 1 */
static bool kprobe_retval_range(uint32_t eat, struct bpf_retval_range *r)
{
	if (eat != PT_BPF_TRACE_KPROBE_SESSION && eat != PT_BPF_TRACE_UPROBE_SESSION)
		return false;
	r->minval = 0;
	r->maxval = 1;
	return true;
}

/* Run on the CPU the caller asked for (BPF_F_TEST_RUN_ON_CPU), as the kernel runs the
 * program there with smp_call_function_single: -ENXIO for a CPU that is not online. */
static int run_on_cpu(uint32_t cpu, cpu_set_t *saved, bool *moved)
{
	*moved = false;
	long n = sysconf(_SC_NPROCESSORS_CONF);
	if (cpu >= (uint32_t)(n > 0 ? n : 1))
		return -ENXIO;
	if (sched_getaffinity(0, sizeof *saved, saved))
		return 0;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one))
		return -ENXIO; /* offline (or not ours to use) */
	*moved = true;
	return 0;
}

/* bpf_prog_test_run_raw_tp: ctx_in only, the arguments; retval only. */
static int pt_test_run_raw_tp(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                              union bpf_attr *uattr)
{
	uint32_t size = kattr->test.ctx_size_in, cpu = kattr->test.cpu;
	if (kattr->test.data_in || kattr->test.data_out || kattr->test.ctx_out ||
	    kattr->test.duration || kattr->test.repeat || kattr->test.batch_size)
		return -EINVAL;
	if (size < prog->max_ctx_offset || size > MAX_BPF_FUNC_ARGS * sizeof(uint64_t))
		return -EINVAL;
	if (!(kattr->test.flags & BPF_F_TEST_RUN_ON_CPU) && cpu != 0)
		return -EINVAL;
	uint64_t args[MAX_BPF_FUNC_ARGS] = {0};
	if (size) {
		if (ub_copy_from_user(args, PT_PTR(kattr->test.ctx_in), size))
			return -EFAULT;
	}
	cpu_set_t saved;
	bool moved = false;
	int err = 0;
	if ((kattr->test.flags & BPF_F_TEST_RUN_ON_CPU) && (err = run_on_cpu(cpu, &saved, &moved)))
		return err;
	struct pt_run run = {.ctx = size ? args : NULL};
	if (size)
		pt_run_region(&run, args, size, USERBPF_MEM_READ);
	uint32_t retval, duration;
	err = pt_run_prog(prog, &run, 1, &retval, &duration);
	if (moved)
		sched_setaffinity(0, sizeof saved, &saved);
	if (!err && pt_put_u32(&uattr->test.retval, retval))
		err = -EFAULT;
	return err;
}

/* bpf_prog_test_run_syscall: ctx_in is the program's memory, copied back in place. */
static int pt_test_run_syscall(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                               union bpf_attr *uattr)
{
	uint32_t size = kattr->test.ctx_size_in;
	if (kattr->test.data_in || kattr->test.data_out || kattr->test.ctx_out ||
	    kattr->test.duration || kattr->test.repeat || kattr->test.flags ||
	    kattr->test.batch_size)
		return -EINVAL;
	if (size < prog->max_ctx_offset || size > U16_MAX)
		return -EINVAL;
	void *in = PT_PTR(kattr->test.ctx_in), *ctx = NULL;
	if (size) {
		if (!in)
			return -EFAULT;
		/* as much as any verified access may reach (off < U16_MAX), zero past ctx_in:
		 * memory safe even when no verifier reported max_ctx_offset */
		if (!(ctx = calloc(1, U16_MAX + sizeof(uint64_t))))
			return -ENOMEM;
		if (ub_copy_from_user(ctx, in, size)) {
			free(ctx);
			return -EFAULT;
		}
	}
	struct pt_run run = {.ctx = ctx};
	if (size)
		pt_run_region(&run, ctx, size, USERBPF_MEM_READ | USERBPF_MEM_WRITE);
	uint32_t retval, duration;
	int err = pt_run_prog(prog, &run, 1, &retval, &duration);
	if (!err &&
	    (pt_put_u32(&uattr->test.retval, retval) || (size && ub_copy_to_user(in, ctx, size))))
		err = -EFAULT;
	free(ctx);
	return err;
}

/* clang-format off */
const struct bpf_prog_type_info pt_kprobe_info = {
	.type = BPF_PROG_TYPE_KPROBE, .name = "kprobe",
	.ctx_size = sizeof(struct pt_regs_x86_64),
	.is_valid_access = kprobe_is_valid_access,
	.get_func_proto = pt_kprobe_func_proto,
	.retval_range = kprobe_retval_range,
};
const struct bpf_prog_type_info pt_tracepoint_info = {
	.type = BPF_PROG_TYPE_TRACEPOINT, .name = "tracepoint",
	.ctx_size = PERF_MAX_TRACE_SIZE,
	.is_valid_access = tp_is_valid_access,
	.get_func_proto = pt_tracepoint_func_proto,
};
const struct bpf_prog_type_info pt_perf_event_info = {
	.type = BPF_PROG_TYPE_PERF_EVENT, .name = "perf_event",
	.ctx_size = sizeof(struct bpf_perf_event_data_x86_64),
	.is_valid_access = pe_is_valid_access,
	.get_func_proto = pt_perf_event_func_proto,
	.convert_ctx_access = pe_convert_ctx_access,
};
const struct bpf_prog_type_info pt_raw_tracepoint_info = {
	.type = BPF_PROG_TYPE_RAW_TRACEPOINT, .name = "raw_tracepoint",
	.ctx_size = sizeof(uint64_t) * MAX_BPF_FUNC_ARGS,
	.is_valid_access = raw_tp_is_valid_access,
	.get_func_proto = pt_raw_tracepoint_func_proto,
	.test_run = pt_test_run_raw_tp,
};
const struct bpf_prog_type_info pt_syscall_info = {
	.type = BPF_PROG_TYPE_SYSCALL, .name = "syscall",
	.ctx_size = U16_MAX,
	.is_valid_access = syscall_is_valid_access,
	.get_func_proto = pt_syscall_func_proto,
	.test_run = pt_test_run_syscall,
};
/* clang-format on */
