/* A perf event array with max_entries 0 (libbpf sizes it to the number of possible CPUs at
 * creation) written by a tracepoint program with bpf_perf_event_output. */
#include "progs.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(int));
} perf_out SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	__u64 pid = bpf_get_current_pid_tgid();
	bpf_perf_event_output(ctx, &perf_out, BPF_F_CURRENT_CPU, &pid, sizeof(pid));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
