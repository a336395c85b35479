/* obj_prog_run.c — BPF_PROG_TEST_RUN and BPF_PROG_BIND_MAP.
 *
 * BPF_PROG_TEST_RUN is the kernel's bpf_prog_test_run: ctx_in and ctx_size_in go together,
 * as do ctx_out and ctx_size_out (EINVAL, before the fd is looked at); then the program's
 * type runs it as net/bpf/test_run.c does (src/progtypes: skb types, XDP, raw tracepoint,
 * syscall, ...). A type without a test run in the kernel (kprobe, tracepoint, perf_event,
 * sk_skb, ...) answers -ENOTSUPP (524), as the kernel does; so do the types the kernel can
 * test-run and we cannot yet (see docs/PROGTYPES.md).
 * Not in the kernel: a guarded run that faults (bad access, budget, unknown helper) stops
 * the command with that run's errno (EFAULT, E2BIG, ENOENT...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "object/obj_prog.h"
#include "progtypes/progtype.h"

long obj_prog_test_run(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	(void)size;
	if (!!a->test.ctx_size_in != !!a->test.ctx_in ||
	    !!a->test.ctx_size_out != !!a->test.ctx_out)
		return -EINVAL;
	struct obj_entry *e;
	int err = obj_fd_get((int)a->test.prog_fd, OBJ_PROG, &e);
	if (err)
		return err;
	struct obj_prog *p;
	if ((err = obj_prog_rt_get(e, &p)))
		return err;
	struct bpf_run_env env;
	obj_prog_run_env(p, &env);
	struct bpf_test_prog tp = {
	        .vm = p->vm,
	        .prog_type = p->prog_type,
	        .expected_attach_type = p->expected_attach_type,
	        .user = &env,
	        .max_ctx_offset = p->max_ctx_offset,
	};
	return bpf_prog_test_run(&tp, a, ua);
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
	struct obj_blob *b;
	if ((err = obj_entry_blob(pe, &b))) /* mapped on first use (object.h) */
		return err;
	struct obj_hdr *h = b->hdr;
	uint32_t *ids = obj_prog_map_ids(b);
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
