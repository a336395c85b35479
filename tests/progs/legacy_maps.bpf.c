/* The legacy "maps" section (libbpf < 1.0, samples/bpf, bcc-era objects): struct
 * bpf_map_def records, one symbol each. libbpf 1.x refuses these objects; we load them. */
#include "progs.h"

struct bpf_map_def SEC("maps") legacy_counts = {
        .type = BPF_MAP_TYPE_ARRAY,
        .key_size = sizeof(__u32),
        .value_size = sizeof(__u64),
        .max_entries = 4,
};

struct bpf_map_def SEC("maps") legacy_hash = {
        .type = BPF_MAP_TYPE_HASH,
        .key_size = sizeof(__u32),
        .value_size = sizeof(__u32),
        .max_entries = 128,
        .map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int legacy_count(struct __sk_buff *skb)
{
	__u32 k = 1, len = skb->len;
	__u64 *v = bpf_map_lookup_elem(&legacy_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	bpf_map_update_elem(&legacy_hash, &len, &k, BPF_ANY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
