/* Ring buffer (max_entries: a power-of-2 multiple of the page size): the syscall program
 * reserves and submits one record and outputs another; returns 0 when both succeeded. */
#include "progs.h"

struct event {
	__u32 kind;
	__u32 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 4096);
} events SEC(".maps");

SEC("syscall")
int emit(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return -1;
	e->kind = 1;
	e->value = 1234;
	bpf_ringbuf_submit(e, 0);
	struct event o = {2, 5678};
	return bpf_ringbuf_output(&events, &o, sizeof(o), 0) ? -2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
