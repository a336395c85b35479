/* CO-RE relocations that cannot be resolved: a field the target type lacks, and a type the
 * target lacks. libbpf "poisons" such instructions and the kernel's verifier rejects the
 * program; our loader refuses it, naming the type and the field (tests/unit/
 * test_loader_errors.c). The second program is not loaded unless asked for. */
#include "progs.h"

struct __sk_buff___bad {
	__u32 len;
	__u32 no_such_field;
} __attribute__((preserve_access_index));

struct not_in_any_btf___x {
	int a;
	int b;
} __attribute__((preserve_access_index));

SEC("socket")
int core_bad_field(struct __sk_buff *skb)
{
	return ((struct __sk_buff___bad *)skb)->no_such_field;
}

SEC("?socket")
int core_bad_type(struct __sk_buff *skb)
{
	struct not_in_any_btf___x *p = (void *)skb;
	return p->b;
}

char LICENSE[] SEC("license") = "GPL";
