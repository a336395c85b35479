/* Custom global data sections, each its own map named after the section (libbpf names
 * .data.foo / .rodata.foo maps without the object prefix, truncated to 15 characters). */
#include "progs.h"

__u32 fast_counter SEC(".data.fast") = 1;
const volatile __u32 limit SEC(".rodata.limits") = 64;
__u64 long_named[2] SEC(".data.a_rather_long_section_name") = {5, 6};
__u32 zeroed SEC(".bss.extra");

SEC("syscall")
int use_custom(void *ctx)
{
	fast_counter += limit;
	long_named[1] += 1;
	zeroed = 9;
	return (int)(fast_counter + long_named[0]);
}

char LICENSE[] SEC("license") = "GPL";
