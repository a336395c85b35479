/* Global data: .data (initialized), .rodata (const volatile, set by the host before load),
 * .bss (zero), statics, arrays and a struct, and string literals (bpf_printk's format goes
 * to .rodata.str1.1, its own map). The syscall program computes from all of them:
 *   out.sum = rd_base + rd_scale * data_counter (rd_* from .rodata, data_counter = 5)
 *   out.count = ++bss_runs; data_counter += 1; table[2] = 77 */
#include "progs.h"

const volatile __u32 rd_base = 1000;
const volatile __u32 rd_scale = 3;
__u32 data_counter = 5;
__u64 table[4] = {1, 2, 3, 4};
static __u32 static_data = 11;

struct result {
	__u64 sum;
	__u32 count;
	__u32 pad;
} out;

__u32 bss_runs;

SEC("syscall")
int compute(void *ctx)
{
	out.sum = rd_base + (__u64)rd_scale * data_counter;
	out.count = ++bss_runs;
	data_counter += 1;
	table[2] = 77;
	static_data++;
	return 0;
}

SEC("?syscall")
int say_hello(void *ctx)
{
	bpf_printk("hello from %s: %d", "global_data", static_data);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
