/* A syscall program: its context is the caller's buffer (BPF_PROG_TEST_RUN ctx_in), which it
 * may read and write; it also bumps a global counter the host reads through the mmapped
 * .bss. The test passes {a = 20, b = 22} and expects sum = 42, retval 7, calls = 1. */
#include "progs.h"

struct args {
	__u32 a, b;
	__u64 sum;
};

__u64 calls;

SEC("syscall")
int sys_add(struct args *ctx)
{
	ctx->sum = (__u64)ctx->a + ctx->b;
	calls++;
	return 7;
}

char LICENSE[] SEC("license") = "GPL";
