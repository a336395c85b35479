/* helper_callback.c — helpers that call back into the program: bpf_loop (181) and
 * bpf_for_each_map_elem (164).
 *
 * The callback is a subprogram of the running program (its address came from an ld_imm64
 * BPF_PSEUDO_FUNC); userbpf_run_callback runs it in the next call frame of the same run,
 * so it shares the run's instruction budget and may use its caller's stack through the
 * context pointer. A callback returns 0 to go on and 1 to stop (the verifier holds it to
 * [0, 1]; at run time anything non-zero stops). If the run fails inside a callback, the
 * helper stops iterating and the run ends with that error.
 */
#include <errno.h>

#include "helpers/helper_internal.h"
#include "maps/map.h"

#define BPF_MAX_LOOPS (8 * 1024 * 1024)

/* bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback(i, ctx) for i in
 * [0, nr_loops) until it returns non-zero; the number of calls made. */
uint64_t bpf_loop_helper(uint64_t nr_loops, uint64_t fn, uint64_t ctx, uint64_t flags, uint64_t r5,
                         struct userbpf_run_ctx *rc)
{
	uint32_t n = (uint32_t)nr_loops;
	if (flags)
		return HELPER_ERR(-EINVAL);
	if (n > BPF_MAX_LOOPS)
		return HELPER_ERR(-E2BIG);
	uint32_t i;
	for (i = 0; i < n; i++) {
		uint64_t args[5] = {i, ctx, 0, 0, 0}, ret;
		if (userbpf_run_callback(rc, fn, args, NULL, 0, &ret))
			return 0;
		if (ret)
			return (uint64_t)i + 1;
	}
	return i;
}

struct each_ctx {
	struct userbpf_run_ctx *rc;
	uint64_t fn, ctx;
	unsigned value_prot;
};

static long each_elem(struct bpf_map *map, const void *key, void *value, void *arg)
{
	struct each_ctx *c = arg;
	uint64_t args[5] = {(uintptr_t)map, (uintptr_t)key, (uintptr_t)value, c->ctx, 0}, ret;
	/* a guarded callback may read the key and use the value for this call only */
	struct userbpf_mem_region grant[2] = {
	        {(void *)key, map->key_size, HELPER_RD},
	        {value, map->value_size, c->value_prot},
	};
	bool guarded = userbpf_run_guarded(c->rc);
	if (userbpf_run_callback(c->rc, c->fn, args, guarded ? grant : NULL, guarded ? 2 : 0, &ret))
		return 1;
	return ret != 0;
}

/* bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags): callback(map, key, value,
 * ctx) for each element (hash and array families); the number of calls made. */
uint64_t bpf_for_each_map_elem_helper(uint64_t r1, uint64_t fn, uint64_t ctx, uint64_t flags,
                                      uint64_t r5, struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg(rc, r1);
	if (!map || !map->ops->map_for_each_callback)
		return HELPER_ERR(-EINVAL);
	struct each_ctx c = {
	        .rc = rc,
	        .fn = fn,
	        .ctx = ctx,
	        .value_prot =
	                map->map_flags & BPF_F_RDONLY_PROG ? HELPER_RD : HELPER_RD | HELPER_WR,
	};
	return HELPER_ERR(map->ops->map_for_each_callback(map, each_elem, &c, flags));
}
