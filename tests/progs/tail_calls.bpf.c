/* Tail calls through a prog_array whose slots are filled at load from its values[]
 * initializer (.rel.maps): entry → slot 0 (tail_add) → slot 2 (tail_last). Each step adds
 * to the packet counter in .bss; tail_last returns XDP_TX (3). Slot 1 is left empty: a
 * tail call there falls through (entry_empty returns XDP_PASS). */
#include "progs.h"

__u32 steps;

int tail_add(struct xdp_md *ctx);
int tail_last(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} jmp_table SEC(".maps") = {
        .values = {[0] = (void *)&tail_add, [2] = (void *)&tail_last},
};

SEC("xdp")
int tail_last(struct xdp_md *ctx)
{
	steps += 100;
	return XDP_TX;
}

SEC("xdp")
int tail_add(struct xdp_md *ctx)
{
	steps += 10;
	bpf_tail_call(ctx, &jmp_table, 2);
	return XDP_ABORTED;
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
	steps += 1;
	bpf_tail_call(ctx, &jmp_table, 0);
	return XDP_DROP;
}

SEC("xdp")
int entry_empty(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jmp_table, 1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
