/* cli_maps.bpf.c — the CLI end-to-end test's program: counts runs in a BTF-described
 * struct, scaled by a factor that the test sets from another process with "map update".
 *
 * Independent expectations (tests/cli/test_cli.py): with config[0] = m (or no entry: m = 1)
 * every run returns m + 40 and adds 1 to stats[0].packets and m to stats[0].bytes; tag is
 * "seen", color RED, pair {7, 9}. The context is not read, so the result does not depend
 * on how a program type lays out its context. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum color { GREEN = 1, RED = 2 };

struct stats {
	__u64 packets;
	__u64 bytes;
	char tag[8];
	enum color color;
	struct {
		__u16 a, b;
	} pair;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} config SEC(".maps");

SEC("socket")
int count_runs(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 m = 1;
	__u64 *mult = bpf_map_lookup_elem(&config, &key);
	if (mult)
		m = *mult;
	struct stats *s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return 0;
	s->packets += 1;
	s->bytes += m;
	__builtin_memcpy(s->tag, "seen", 5);
	s->color = RED;
	s->pair.a = 7;
	s->pair.b = 9;
	return (int)(m + 40);
}

char LICENSE[] SEC("license") = "GPL";
