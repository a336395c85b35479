/* pt_run.h — the parts of BPF_PROG_TEST_RUN every program type shares (pt_run_common.c).
 *
 * Memory the caller of bpf() names (data_in/out, ctx_in/out, the attr) is read and written
 * with ub_copy_from_user / ub_copy_to_user: a bad pointer is EFAULT, as in the kernel.
 *
 * A run is the ctx handed to the program in r1 and, for a guarded vm, the memory the
 * program may touch: exactly the ctx (read, plus write for fields the type may store
 * to) and the packet, with regions that helpers move when they change the packet.
 */
#ifndef USERBPF_PROGTYPES_PT_RUN_H
#define USERBPF_PROGTYPES_PT_RUN_H

#include <net/if.h>

#include "core/uaccess.h"
#include "progtypes/pt_helpers.h"

#define PT_RUN_MAX_REGIONS 48 /* the run's own, then two per array map */

struct pt_run {
	void *ctx;
	enum pt_ctx_kind kind;
	struct userbpf_mem_region regions[PT_RUN_MAX_REGIONS];
	size_t nr_regions;
	struct userbpf_error error; /* a guarded run that stopped */
};

/* bpf_ctx_init: NULL (*out) when neither ctx_in nor ctx_out is given; else max_size zeroed
 * bytes with ctx_in copied in (E2BIG for non-zero bytes past max_size). */
int pt_ctx_init(const union bpf_attr *kattr, uint32_t max_size, void **out);
/* bpf_ctx_finish: ctx_out (ENOSPC when ctx_size_out is smaller; ctx_size_out = size). */
int pt_ctx_finish(const union bpf_attr *kattr, union bpf_attr *uattr, const void *data,
                  uint32_t size);
/* bpf_test_finish: data_out (ENOSPC when data_size_out is non-zero and smaller; what fits
 * is copied), then data_size_out, retval, duration. */
int pt_test_finish(const union bpf_attr *kattr, union bpf_attr *uattr, const void *data,
                   uint32_t size, uint32_t retval, uint32_t duration);
/* Writes to the caller's attr (put_user): 0 or -EFAULT. pt_put_results writes
 * data_size_out, retval and duration, in the kernel's order. */
int pt_put_u32(uint32_t *uaddr, uint32_t v);
int pt_put_results(union bpf_attr *uattr, uint32_t size, uint32_t retval, uint32_t duration);

/* memchr_inv == NULL over [from, to) */
bool pt_range_is_zero(const void *buf, size_t from, size_t to);

/* Run the program repeat times (0: once) on run->ctx: *retval of the last run, *duration
 * the mean in ns. A guarded run that stops returns its errno (run->error has the text). */
int pt_run_prog(const struct bpf_test_prog *prog, struct pt_run *run, uint32_t repeat,
                uint32_t *retval, uint32_t *duration);
/* Grant a region to the guarded vm (ignored by a trusted one). */
void pt_run_region(struct pt_run *run, void *base, size_t len, unsigned prot);

/* A network device of the caller's namespace. */
struct pt_netdev {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	uint8_t addr[6], broadcast[6];
};
int pt_netdev_get(uint32_t ifindex, struct pt_netdev *d); /* -ENODEV */
bool pt_netdev_has_rx_queue(const struct pt_netdev *d, uint32_t queue);
int pt_loopback_ifindex(void);

/* Grant the guarded vm the ctx: internal_size bytes readable, and writable wherever the
 * type's is_valid_access accepts a 4- or 8-byte store. */
void pt_run_grant_ctx(struct pt_run *run, const struct bpf_prog_type_info *t, uint32_t eat,
                      void *ctx, size_t internal_size);

#endif /* USERBPF_PROGTYPES_PT_RUN_H */
