/* A "version" section (old kprobe objects carry LINUX_VERSION_CODE) and a GPL-compatible
 * license spelled "Dual MIT/GPL". */
#include "progs.h"

__u32 _version SEC("version") = 0x060c00; /* 6.12.0 */

SEC("kprobe/do_sys_openat2")
int kp_open(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
