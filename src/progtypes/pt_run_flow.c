/* pt_run_flow.c — BPF_PROG_TEST_RUN for flow dissector programs (the kernel's
 * bpf_prog_test_run_flow_dissector and bpf_flow_dissect).
 *
 * data_in is an Ethernet frame (at least ETH_HLEN bytes); the program sees all of it as
 * [data, data_end) and a struct bpf_flow_keys preset with n_proto (the frame's type),
 * nhoff = thoff = ETH_HLEN and the flags of ctx_in (a bpf_flow_keys where only flags may
 * be set). Afterwards nhoff and thoff are clamped into [ETH_HLEN, len]; data_out is the
 * flow keys, ctx_out the ctx_in keys as given. There is no skb behind the ctx, so
 * bpf_skb_load_bytes fails there, as in the kernel's test run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progtypes/pt_run.h"

#define FK_OFF(f) offsetof(struct bpf_flow_keys, f)
#define FK_END(f) (offsetof(struct bpf_flow_keys, f) + sizeof(((struct bpf_flow_keys *)0)->f))

struct flow_run {
	struct pt_run run;
	struct pt_skb skb;
	struct pt_pkt pkt;
	struct bpf_flow_keys keys;
};

static uint16_t clamp_u16(uint16_t v, uint16_t lo, uint16_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int pt_test_run_flow_dissector(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                               union bpf_attr *uattr)
{
	uint32_t size = kattr->test.data_size_in;
	if (kattr->test.flags || kattr->test.cpu || kattr->test.batch_size)
		return -EINVAL;
	if (size < PT_ETH_HLEN || size > 4096)
		return -EINVAL;
	const void *din = PT_PTR(kattr->test.data_in);
	if (!din)
		return -EFAULT;
	struct bpf_flow_keys *user;
	int err = pt_ctx_init(kattr, sizeof(struct bpf_flow_keys), (void **)&user);
	if (err)
		return err;
	uint32_t flags = 0;
	if (user) {
		if (!pt_range_is_zero(user, 0, FK_OFF(flags)) ||
		    !pt_range_is_zero(user, FK_END(flags), sizeof *user)) {
			free(user);
			return -EINVAL;
		}
		flags = user->flags;
	}
	struct flow_run *r = calloc(1, sizeof *r);
	uint8_t *buf = malloc(size);
	if (!r || !buf) {
		free(r);
		free(buf);
		free(user);
		return -ENOMEM;
	}
	if (ub_copy_from_user(buf, din, size)) {
		free(r);
		free(buf);
		free(user);
		return -EFAULT;
	}
	struct pt_skb *skb = &r->skb;
	skb->pkt = &r->pkt;
	r->pkt.buf = buf;
	r->pkt.buf_len = size;
	skb->data = (uintptr_t)buf;
	skb->data_end = skb->data + size;
	skb->uapi.flow_keys = &r->keys;

	struct pt_run *run = &r->run;
	run->ctx = skb;
	run->kind = PT_CTX_SKB;
	pt_run_region(run, skb, sizeof *skb, USERBPF_MEM_READ);
	pt_run_region(run, buf, size, USERBPF_MEM_READ);
	pt_run_region(run, &r->keys, sizeof r->keys, USERBPF_MEM_READ | USERBPF_MEM_WRITE);

	uint32_t repeat = kattr->test.repeat ? kattr->test.repeat : 1, retval = 0, duration = 0;
	uint64_t total = 0;
	for (uint32_t i = 0; i < repeat && !err; i++) {
		/* bpf_flow_dissect: the keys preset for each run, clamped after it */
		memset(&r->keys, 0, sizeof r->keys);
		memcpy(&r->keys.n_proto, buf + 12, 2);
		r->keys.nhoff = r->keys.thoff = PT_ETH_HLEN;
		r->keys.flags = flags;
		err = pt_run_prog(prog, run, 1, &retval, &duration);
		r->keys.nhoff = clamp_u16(r->keys.nhoff, PT_ETH_HLEN, (uint16_t)size);
		r->keys.thoff = clamp_u16(r->keys.thoff, r->keys.nhoff, (uint16_t)size);
		total += duration;
	}
	if (!err) {
		uint64_t per = total / repeat;
		err = pt_test_finish(kattr, uattr, &r->keys, sizeof r->keys, retval,
		                     per > UINT32_MAX ? UINT32_MAX : (uint32_t)per);
		if (!err)
			err = pt_ctx_finish(kattr, uattr, user, sizeof(struct bpf_flow_keys));
	}
	free(buf);
	free(r);
	free(user);
	return err;
}
