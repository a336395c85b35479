/* '?' before the section name: not loaded unless the user asks. bad_not_loaded would be
 * rejected by any verifier (it reads past the packet without a bounds check), so the
 * object loads only because it is not autoloaded. */
#include "progs.h"

SEC("xdp")
int always(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("?xdp")
int on_demand(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("?xdp")
int bad_not_loaded(struct xdp_md *ctx)
{
	return *(__u8 *)(long)ctx->data;
}

char LICENSE[] SEC("license") = "GPL";
