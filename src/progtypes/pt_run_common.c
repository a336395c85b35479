/* pt_run_common.c — what every BPF_PROG_TEST_RUN shares (the kernel's net/bpf/test_run.c
 * bpf_ctx_init, bpf_ctx_finish, bpf_test_finish, bpf_test_run), the run of a program on
 * a ctx, and network devices as a test run sees them (/sys/class/net).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/uaccess.h"
#include "maps/map.h"
#include "progtypes/pt_helpers.h"
#include "progtypes/pt_run.h"

#define PT_PAGE_SIZE 4096u

static void *u64_ptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

int pt_ctx_init(const union bpf_attr *kattr, uint32_t max_size, void **out)
{
	const uint8_t *in = u64_ptr(kattr->test.ctx_in);
	uint32_t size = kattr->test.ctx_size_in;
	*out = NULL;
	if (!in && !kattr->test.ctx_out)
		return 0;
	uint8_t *data = calloc(1, max_size);
	if (!data)
		return -ENOMEM;
	if (in) {
		/* bpf_check_uarg_tail_zero: bytes past what we know must be zero */
		uint8_t page[PT_PAGE_SIZE];
		int err = size > PT_PAGE_SIZE ? -E2BIG : ub_copy_from_user(page, in, size);
		for (uint32_t i = max_size; !err && i < size; i++)
			if (page[i])
				err = -E2BIG;
		if (err) {
			free(data);
			return err;
		}
		memcpy(data, page, size < max_size ? size : max_size);
	}
	*out = data;
	return 0;
}

int pt_ctx_finish(const union bpf_attr *kattr, union bpf_attr *uattr, const void *data,
                  uint32_t size)
{
	void *out = u64_ptr(kattr->test.ctx_out);
	if (!data || !out)
		return 0;
	int err = 0;
	uint32_t copy = size;
	if (copy > kattr->test.ctx_size_out) {
		copy = kattr->test.ctx_size_out;
		err = -ENOSPC;
	}
	if (ub_copy_to_user(out, data, copy) || pt_put_u32(&uattr->test.ctx_size_out, size))
		return -EFAULT;
	return err;
}

int pt_test_finish(const union bpf_attr *kattr, union bpf_attr *uattr, const void *data,
                   uint32_t size, uint32_t retval, uint32_t duration)
{
	void *out = u64_ptr(kattr->test.data_out);
	int err = 0;
	uint32_t copy = size;
	if (kattr->test.data_size_out && copy > kattr->test.data_size_out) {
		copy = kattr->test.data_size_out;
		err = -ENOSPC;
	}
	if (out && ub_copy_to_user(out, data, copy))
		return -EFAULT;
	return pt_put_results(uattr, size, retval, duration) ? -EFAULT : err;
}

int pt_put_u32(uint32_t *uaddr, uint32_t v)
{
	return ub_copy_to_user(uaddr, &v, sizeof v);
}

int pt_put_results(union bpf_attr *uattr, uint32_t size, uint32_t retval, uint32_t duration)
{
	if (pt_put_u32(&uattr->test.data_size_out, size) ||
	    pt_put_u32(&uattr->test.retval, retval) || pt_put_u32(&uattr->test.duration, duration))
		return -EFAULT;
	return 0;
}

bool pt_range_is_zero(const void *buf, size_t from, size_t to)
{
	const uint8_t *p = buf;
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int pt_run_prog(const struct bpf_test_prog *prog, struct pt_run *run, uint32_t repeat,
                uint32_t *retval, uint32_t *duration)
{
	if (!repeat)
		repeat = 1;
	size_t own_regions = run->nr_regions;
	struct userbpf_run_args args = {.sz = sizeof args,
	                                .r = {(uintptr_t)run->ctx},
	                                .regions = run->regions,
	                                .nr_regions = run->nr_regions,
	                                .user = prog->user};
	void *saved_ctx = pt_current_ctx;
	enum pt_ctx_kind saved_kind = pt_current_kind;
	pt_current_ctx = run->ctx;
	pt_current_kind = run->kind;
	uint64_t r0 = 0, t0 = now_ns();
	int err = 0;
	for (uint32_t i = 0; i < repeat && !err; i++)
		err = userbpf_vm_run(prog->vm, &args, &r0, &run->error);
	uint64_t per = (now_ns() - t0) / repeat;
	pt_current_ctx = saved_ctx;
	pt_current_kind = saved_kind;
	run->nr_regions = own_regions;
	*retval = (uint32_t)r0;
	*duration = per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
	return err;
}

void pt_run_region(struct pt_run *run, void *base, size_t len, unsigned prot)
{
	if (run->nr_regions < PT_RUN_MAX_REGIONS)
		run->regions[run->nr_regions++] = (struct userbpf_mem_region){base, len, prot};
}

/* Grant the guarded vm the ctx: readable as a whole (with the 64-bit pointers after
 * it, for rewritten programs), writable where the type may store. */
void pt_run_grant_ctx(struct pt_run *run, const struct bpf_prog_type_info *t, uint32_t eat,
                      void *ctx, size_t internal_size)
{
	pt_run_region(run, ctx, internal_size, USERBPF_MEM_READ);
	for (uint32_t off = 0; off < t->ctx_size; off += 4) {
		for (int size = 8; size >= 4; size -= 4) {
			struct bpf_insn_access_aux aux = {0};
			if (off + (uint32_t)size <= t->ctx_size &&
			    t->is_valid_access((int)off, size, BPF_WRITE, eat, &aux)) {
				pt_run_region(run, (uint8_t *)ctx + off, (size_t)size,
				              USERBPF_MEM_READ | USERBPF_MEM_WRITE);
				off += (uint32_t)size - 4;
				break;
			}
		}
	}
}

static int read_sys(const char *name, const char *attr, char *buf, size_t len)
{
	char path[128];
	snprintf(path, sizeof path, "/sys/class/net/%s/%s", name, attr);
	FILE *f = fopen(path, "r");
	if (!f)
		return -ENODEV;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -ENODEV;
}

static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6] = {0};
	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) == 6)
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)v[i];
}

int pt_netdev_get(uint32_t ifindex, struct pt_netdev *d)
{
	memset(d, 0, sizeof *d);
	d->ifindex = ifindex;
	if (!if_indextoname(ifindex, d->name))
		return -ENODEV;
	char buf[64];
	if (!read_sys(d->name, "address", buf, sizeof buf))
		parse_mac(buf, d->addr);
	if (!read_sys(d->name, "broadcast", buf, sizeof buf))
		parse_mac(buf, d->broadcast);
	return 0;
}

bool pt_netdev_has_rx_queue(const struct pt_netdev *d, uint32_t queue)
{
	char path[160];
	struct stat st;
	snprintf(path, sizeof path, "/sys/class/net/%s/queues/rx-%u", d->name, queue);
	return stat(path, &st) == 0;
}

int pt_loopback_ifindex(void)
{
	unsigned idx = if_nametoindex("lo");
	return idx ? (int)idx : 1;
}
