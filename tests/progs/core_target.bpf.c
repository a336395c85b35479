/* Not a program: the "target kernel" BTF for core.bpf.c (passed as btf_custom_path). Its
 * types are what core.bpf.c's local, flavored (___local) views get relocated against. */
#include "progs.h"

struct bits {
	unsigned int a : 3;
	unsigned int pad : 4;
	unsigned int b : 5;
	int c : 12;
	__u32 extra;
	__u16 plain;
};

enum core_color { GREEN = 3, RED = 7, BLUE = 9 };

struct bits target_bits;
enum core_color target_color;

/* keeps the context types in this BTF */
__attribute__((noinline)) int target_ctx_types(struct __sk_buff *skb, struct xdp_md *xdp)
{
	return skb->len + xdp->data;
}
