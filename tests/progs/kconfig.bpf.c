/* .kconfig externs: LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, and CONFIG_* values of
 * every supported type (bool, tristate, int, char array), all __weak so a missing value
 * is zero. The syscall program copies them into .bss for the test to read. */
#include "progs.h"

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern _Bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;
extern enum libbpf_tristate CONFIG_USERBPF_TRISTATE __kconfig __weak;
extern int CONFIG_HZ __kconfig __weak;
extern unsigned long long CONFIG_USERBPF_BIG __kconfig __weak;
extern char CONFIG_USERBPF_NAME[8] __kconfig __weak;
extern int CONFIG_USERBPF_MISSING __kconfig __weak;

struct seen {
	__u32 kver;
	__u32 cookie;
	__u32 bpf_syscall;
	__u32 tristate;
	__s32 hz;
	__u32 missing;
	__u64 big;
	char name[8];
} seen;

SEC("syscall")
int read_kconfig(void *ctx)
{
	seen.kver = LINUX_KERNEL_VERSION;
	seen.cookie = LINUX_HAS_BPF_COOKIE;
	seen.bpf_syscall = CONFIG_BPF_SYSCALL;
	seen.tristate = CONFIG_USERBPF_TRISTATE;
	seen.hz = CONFIG_HZ;
	seen.missing = CONFIG_USERBPF_MISSING;
	seen.big = CONFIG_USERBPF_BIG;
	__builtin_memcpy(seen.name, CONFIG_USERBPF_NAME, sizeof(seen.name));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
