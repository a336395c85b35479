/* Tracing program types: kprobe/kretprobe/uprobe (pt_regs), tracepoint/tp, raw_tracepoint/
 * raw_tp and perf_event. Each counts calls per CPU; raw_tp_sum adds the first two
 * tracepoint arguments (it is run by the test through BPF_PROG_TEST_RUN with ctx_in). */
#include "progs.h"
#include <asm/ptrace.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 8);
} hits SEC(".maps");

static __always_inline void hit(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&hits, &slot);
	if (v)
		(*v)++;
}

SEC("kprobe/do_nanosleep")
int BPF_KPROBE(kp_nanosleep, void *t)
{
	hit(0);
	return 0;
}

SEC("kretprobe/do_nanosleep")
int BPF_KRETPROBE(krp_nanosleep, int ret)
{
	hit(1);
	return 0;
}

SEC("uprobe//bin/true:main")
int up_true(struct pt_regs *ctx)
{
	hit(2);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_nanosleep")
int tp_nanosleep(void *ctx)
{
	hit(3);
	return 0;
}

SEC("tp/sched/sched_switch")
int tp_switch(void *ctx)
{
	hit(4);
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_enter(struct bpf_raw_tracepoint_args *ctx)
{
	hit(5);
	return 0;
}

SEC("raw_tp/sys_exit")
int raw_tp_sum(struct bpf_raw_tracepoint_args *ctx)
{
	hit(6);
	return (int)(ctx->args[0] + ctx->args[1]);
}

SEC("perf_event")
int perf_sample(struct bpf_perf_event_data *ctx)
{
	hit(7);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
