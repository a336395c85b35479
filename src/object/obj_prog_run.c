/* obj_prog_run.c — BPF_PROG_TEST_RUN (generic) and BPF_PROG_BIND_MAP.
 *
 * Until program types give r1 a context, every type runs with the generic convention:
 * r1 = a buffer holding data_in (max(data_size_in, data_size_out) bytes, zero-padded) and
 * r2 = data_size_in. The output is that buffer's first data_size_in bytes, copied back as
 * the kernel's bpf_test_finish does: data_size_out 0 means no limit, a smaller one copies
 * that much and fails with ENOSPC after setting data_size_out, retval and duration.
 * flags, cpu, batch_size and any ctx field must be 0 (EINVAL), as for kernel types
 * without them. Not in the kernel: a guarded run that faults (bad access, budget, unknown
 * helper) stops the command with that run's errno (EFAULT, E2BIG, ENOENT...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lock.h"
#include "object/obj_prog.h"

static uint64_t obj_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long obj_prog_test_run(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	(void)size;
	struct obj_entry *e;
	int err = obj_fd_get((int)a->test.prog_fd, OBJ_PROG, &e);
	if (err)
		return err;
	if (a->test.flags || a->test.cpu || a->test.batch_size)
		return -EINVAL;
	if (a->test.ctx_size_in || a->test.ctx_in || a->test.ctx_size_out || a->test.ctx_out)
		return -EINVAL;
	const void *din = obj_u64_ptr(a->test.data_in);
	uint32_t size_in = a->test.data_size_in, size_out = a->test.data_size_out;
	if (size_in && !din)
		return -EFAULT;
	struct obj_prog *p;
	if ((err = obj_prog_rt_get(e, &p)))
		return err;
	size_t blen = size_in > size_out ? size_in : size_out;
	/* the kernel's data buffers have tailroom too; at least a byte so r1 is never NULL */
	char *buf = calloc(1, blen ? blen : 1);
	if (!buf)
		return -ENOMEM;
	if (size_in)
		memcpy(buf, din, size_in);

	struct bpf_run_env env;
	obj_prog_run_env(p, &env);
	struct userbpf_mem_region region = {buf, blen, USERBPF_MEM_READ | USERBPF_MEM_WRITE};
	struct userbpf_run_args args = {.sz = sizeof args,
	                                .r = {(uintptr_t)buf, size_in},
	                                .regions = &region,
	                                .nr_regions = 1,
	                                .user = &env};
	uint32_t repeat = a->test.repeat ? a->test.repeat : 1;
	uint64_t r0 = 0, t0 = obj_now_ns();
	struct userbpf_error ve;
	for (uint32_t i = 0; i < repeat && !err; i++)
		err = userbpf_vm_run(p->vm, &args, &r0, &ve);
	uint64_t per = (obj_now_ns() - t0) / repeat;
	if (err) {
		free(buf);
		return err;
	}
	/* bpf_test_finish: data, then data_size_out, retval, duration */
	uint32_t copy = size_in;
	if (size_out && copy > size_out) {
		copy = size_out;
		err = -ENOSPC;
	}
	void *dout = obj_u64_ptr(a->test.data_out);
	if (dout && copy)
		memcpy(dout, buf, copy);
	free(buf);
	ua->test.data_size_out = size_in;
	ua->test.retval = (uint32_t)r0;
	ua->test.duration = per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
	return err;
}

long obj_prog_bind_map(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	(void)ua;
	(void)size;
	if (a->prog_bind_map.flags)
		return -EINVAL;
	struct obj_entry *pe, *me;
	int err = obj_fd_get((int)a->prog_bind_map.prog_fd, OBJ_PROG, &pe);
	if (err)
		return err;
	if ((err = obj_fd_get((int)a->prog_bind_map.map_fd, OBJ_MAP, &me)))
		return err;
	struct obj_hdr *h = pe->blob->hdr;
	uint32_t *ids = obj_prog_map_ids(pe->blob);
	/* across processes: the header's lock word orders appends */
	ub_spin_lock(&h->map_ids_lock);
	uint32_t nr = h->nr_map_ids;
	bool have = false;
	for (uint32_t i = 0; i < nr && !have; i++)
		have = ids[i] == me->id;
	if (!have && nr == BPF_MAX_USED_MAPS)
		err = -E2BIG;
	else if (!have && !(err = obj_prog_ref_map(pe->id, (int)a->prog_bind_map.map_fd, me->id))) {
		ids[nr] = me->id;
		__atomic_store_n(&h->nr_map_ids, nr + 1, __ATOMIC_RELEASE);
	}
	ub_spin_unlock(&h->map_ids_lock);
	return err;
}
