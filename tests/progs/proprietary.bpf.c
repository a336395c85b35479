/* A non-GPL license: programs may call only helpers that are not GPL-only. gpl_helper
 * calls bpf_trace_printk (GPL-only); every verifier must refuse it: "cannot call
 * GPL-restricted function from non-GPL compatible program". */
#include "progs.h"

SEC("socket")
int plain(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32() & 1;
}

SEC("?socket")
int gpl_helper(struct __sk_buff *skb)
{
	bpf_printk("no");
	return 0;
}

char LICENSE[] SEC("license") = "Proprietary";
