/* helper_output.c — records out of a program: ring buffer (130-134) and perf event output (25).
 *
 * The semantics are the map layer's (maps/ringbuf.h, maps/perf.h, shared memory, any
 * number of producers in any process). What is added here is the helpers' contract:
 * flags checks and errnos as the kernel's helpers, and in guarded runs the checks a
 * verifier would have made — a reserved record is granted to the run, and a record passed
 * to submit/discard must be a record still being written in one of the program's rings.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helper_internal.h"
#include "maps/perf.h"
#include "maps/ringbuf.h"
#include "maps/ringbuf_layout.h"

/* bpf_ringbuf_output(map, data, size, flags): 0, -EINVAL (flags), -EAGAIN (no room). */
uint64_t bpf_ringbuf_output_helper(uint64_t r1, uint64_t data, uint64_t size, uint64_t flags,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r1, BPF_MAP_TYPE_RINGBUF);
	if (!map)
		return HELPER_ERR(-EINVAL);
	if (!helper_mem_ok(rc, data, size, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(ringbuf_output(map, HELPER_PTR(data), size, flags));
}

/* bpf_ringbuf_reserve(map, size, flags): a record or NULL (flags != 0, too big, full). */
uint64_t bpf_ringbuf_reserve_helper(uint64_t r1, uint64_t size, uint64_t flags, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r1, BPF_MAP_TYPE_RINGBUF);
	if (!map)
		return 0;
	void *rec = ringbuf_reserve(map, size, flags);
	if (rec && userbpf_run_guarded(rc) &&
	    userbpf_run_grant(rc, rec, (size_t)size, HELPER_RD | HELPER_WR)) {
		ringbuf_discard(map, rec, BPF_RB_NO_WAKEUP); /* out of grant slots: a miss */
		return 0;
	}
	return (uint64_t)(uintptr_t)rec;
}

bool helper_ringbuf_sample_ok(struct userbpf_run_ctx *rc, uint64_t sample)
{
	const struct bpf_run_env *env = userbpf_run_user(rc);
	if (!env)
		return false;
	for (uint32_t i = 0; i < env->nr_maps; i++) {
		struct bpf_map *m = env->maps[i];
		if (m->map_type != BPF_MAP_TYPE_RINGBUF)
			continue;
		char *base = m->data, *data = ringbuf_data(base);
		uint64_t size = ringbuf_prod_page(base)->mask + 1;
		uintptr_t hdr = (uintptr_t)sample - sizeof(struct ringbuf_hdr);
		if (sample < sizeof(struct ringbuf_hdr) || hdr < (uintptr_t)data ||
		    hdr >= (uintptr_t)data + size || (hdr - (uintptr_t)data) % 8)
			continue;
		const struct ringbuf_hdr *h = (const struct ringbuf_hdr *)hdr;
		uint32_t len = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
		return (len & BPF_RINGBUF_BUSY_BIT) &&
		       h->pg_off == ringbuf_pg_off(base, (const struct ringbuf_hdr *)hdr);
	}
	return false;
}

static uint64_t ringbuf_commit_helper(struct userbpf_run_ctx *rc, uint64_t sample, uint64_t flags,
                                      bool discard)
{
	if (userbpf_run_guarded(rc) && !helper_ringbuf_sample_ok(rc, sample)) {
		userbpf_run_fail(rc, -EFAULT, "bpf_ringbuf_%s: 0x%llx is not a reserved record",
		                 discard ? "discard" : "submit", (unsigned long long)sample);
		return 0;
	}
	if (discard)
		ringbuf_discard(NULL, HELPER_PTR(sample), flags);
	else
		ringbuf_submit(NULL, HELPER_PTR(sample), flags);
	return 0;
}

/* bpf_ringbuf_submit(data, flags) and bpf_ringbuf_discard(data, flags): no result. */
uint64_t bpf_ringbuf_submit_helper(uint64_t sample, uint64_t flags, uint64_t r3, uint64_t r4,
                                   uint64_t r5, struct userbpf_run_ctx *rc)
{
	return ringbuf_commit_helper(rc, sample, flags, false);
}

uint64_t bpf_ringbuf_discard_helper(uint64_t sample, uint64_t flags, uint64_t r3, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	return ringbuf_commit_helper(rc, sample, flags, true);
}

/* bpf_ringbuf_query(map, flags): a position or size, 0 for an unknown flag. */
uint64_t bpf_ringbuf_query_helper(uint64_t r1, uint64_t flags, uint64_t r3, uint64_t r4,
                                  uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r1, BPF_MAP_TYPE_RINGBUF);
	return map ? ringbuf_query(map, flags) : 0;
}

/* bpf_perf_event_output(ctx, map, flags, data, size): flags is the slot index or
 * BPF_F_CURRENT_CPU; 0, -EINVAL, -E2BIG, -ENOENT, -ENOSPC (see maps/perf.h). The ctx is not
 * read (the generic variant; skb/xdp programs' variants belong to src/progtypes). */
uint64_t bpf_perf_event_output_helper(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t data,
                                      uint64_t size, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r2, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	if (!map)
		return HELPER_ERR(-EINVAL);
	if (!helper_mem_ok(rc, data, size, HELPER_RD))
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(perf_event_output(map, flags, HELPER_PTR(data), size));
}
