/* cli_bad.bpf.c — one program the kernel accepts and one it rejects: the second
 * dereferences a map lookup's result without a NULL check, which the kernel refuses with
 * "R0 invalid mem access 'map_value_or_null'" (errno EACCES). The map is a hash: since
 * Linux 6.14 an array lookup with a constant in-range key is known not to fail. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

SEC("socket")
int good_check(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	return v ? (int)*v : 0;
}

SEC("socket")
int bad_no_null_check(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&vals, &key);
	return (int)*v;
}

char LICENSE[] SEC("license") = "GPL";
