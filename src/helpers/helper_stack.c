/* helper_stack.c — bpf_get_stackid and bpf_get_stack: call chains in user space.
 *
 * The kernel records two chains for a program: the kernel stack (the functions that led
 * to the program, up to the system call entry) and the user stack (the process's frames
 * above the system call). userbpf has the same two halves in one native stack:
 *
 *   "kernel" stack  the runtime's own frames at the helper call, innermost first: the
 *                   interpreter, then the library up to and including the outermost
 *                   entry point it was called through (userbpf_sys_bpf for a
 *                   BPF_PROG_TEST_RUN, userbpf_vm_run / userbpf_vm_exec for a vm run) —
 *                   the analogue of the kernel's chain up to entry_SYSCALL_64;
 *   "user" stack    the host application's frames above that entry point, innermost
 *                   first (the return address into the caller of userbpf_sys_bpf first).
 *
 * The helper's own frames are left out, as the kernel leaves out perf's. Frames are
 * return addresses found by the unwinder (_Unwind_Backtrace: CFI, no frame pointers
 * needed); a chain with no entry point on it (a helper called outside a run) is all
 * "kernel" and has an empty user half. With BPF_F_STACK_BUILD_ID / BPF_F_USER_BUILD_ID the
 * user frames become (build id, file offset) pairs of the ELF object mapped there
 * (dl_iterate_phdr and the object's NT_GNU_BUILD_ID note); kernel frames keep their ips
 * (status BPF_STACK_BUILD_ID_IP), as in the kernel. The rest — skip counts, depth limits,
 * hashing, buckets, errnos — is the kernel's (maps/map_stack_trace.c for the map).
 *
 * An interpreter has no native frame per BPF instruction: two calls from different places
 * of one program (or of bpf-to-bpf subprograms) see the same chain; a callback run by
 * bpf_loop adds the interpreter frames of the callback.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <unwind.h>

#include <userbpf/sys.h>
#include <userbpf/vm.h>

#include "helpers/helper_internal.h"
#include "maps/map.h"
#include "maps/map_stack_trace.h"

#define STACK_WALK_MAX 512 /* frames looked at: the runtime's few plus 127 + 255 user ones */
#define BUILD_ID_SIZE_MAX 20

/* --- walking the native stack --- */

struct stack_walk {
	uint64_t ips[STACK_WALK_MAX];
	uint32_t nr;
	int32_t entry; /* index of the outermost library entry frame, -1 if none */
	bool started;  /* past the helper's own frames */
};

static uint64_t stack_capture(struct stack_walk *w);

/* The frames of this file that a chain leaves out (matched by function start, so that
 * inlining or a tail call changes nothing). */
static const uint64_t *stack_chain(struct stack_walk *w, bool user, uint32_t max_depth,
                                   uint32_t *nr);
typedef void (*stack_any_fn)(void);
static const stack_any_fn own_frame_fn[] = {
        (stack_any_fn)stack_capture,
        (stack_any_fn)stack_chain,
        (stack_any_fn)bpf_get_stackid_helper,
        (stack_any_fn)bpf_get_stack_helper,
};

/* The library's entry points: the outermost one ends the "kernel" half. */
static bool is_entry_fn(uintptr_t start)
{
	return start && (start == (uintptr_t)userbpf_sys_bpf ||
	                 start == (uintptr_t)userbpf_vm_run || start == (uintptr_t)userbpf_vm_exec);
}

static bool is_own_fn(uintptr_t start)
{
	for (size_t i = 0; i < sizeof own_frame_fn / sizeof own_frame_fn[0]; i++)
		if (start == (uintptr_t)own_frame_fn[i])
			return true;
	return false;
}

static _Unwind_Reason_Code stack_walk_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct stack_walk *w = arg;
	uintptr_t start = _Unwind_GetRegionStart(ctx);
	uintptr_t ip = _Unwind_GetIP(ctx);
	if (!ip)
		return _URC_END_OF_STACK;
	if (!w->started) {
		if (is_own_fn(start))
			return _URC_NO_REASON;
		w->started = true;
	}
	if (is_entry_fn(start))
		w->entry = (int32_t)w->nr;
	w->ips[w->nr++] = ip;
	return w->nr == STACK_WALK_MAX ? _URC_END_OF_STACK : _URC_NO_REASON;
}

__attribute__((noinline)) static uint64_t stack_capture(struct stack_walk *w)
{
	w->nr = 0;
	w->entry = -1;
	w->started = false;
	_Unwind_Backtrace(stack_walk_frame, w);
	return w->nr;
}

/* The chain get_perf_callchain would give: the kernel or the user half, at most max_depth
 * entries. Returns the start in w->ips and the count in *nr. */
static const uint64_t *stack_chain(struct stack_walk *w, bool user, uint32_t max_depth,
                                   uint32_t *nr)
{
	stack_capture(w);
	uint32_t lo = 0, hi = w->nr;
	if (w->entry >= 0) {
		if (user)
			lo = (uint32_t)w->entry + 1;
		else
			hi = (uint32_t)w->entry + 1;
	} else if (user) {
		lo = hi; /* no entry point: no user half */
	}
	*nr = hi - lo < max_depth ? hi - lo : max_depth;
	return w->ips + lo;
}

/* --- build ids --- */

struct build_id_find {
	uint64_t ip;
	bool found;      /* a loaded segment of an object holds ip */
	bool have_id;    /* and the object has a usable build id */
	uint64_t offset; /* ip as a file offset in that object */
	unsigned char id[BUILD_ID_SIZE_MAX];
};

/* The NT_GNU_BUILD_ID note of a loaded object, as the kernel's parse_build_id takes it:
 * name "GNU", 1 to 20 bytes of id. */
static bool object_build_id(const struct dl_phdr_info *info, unsigned char id[BUILD_ID_SIZE_MAX])
{
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			ElfW(Nhdr) nh;
			memcpy(&nh, p, sizeof nh);
			const unsigned char *name = p + sizeof nh;
			const unsigned char *desc = name + ((nh.n_namesz + 3) & ~3u);
			const unsigned char *next = desc + ((nh.n_descsz + 3) & ~3u);
			if (next > end || next < p)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp(name, "GNU", 4) && nh.n_descsz > 0 &&
			    nh.n_descsz <= BUILD_ID_SIZE_MAX) {
				memset(id, 0, BUILD_ID_SIZE_MAX);
				memcpy(id, desc, nh.n_descsz);
				return true;
			}
			p = next;
		}
	}
	return false;
}

static int build_id_find_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct build_id_find *f = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uint64_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD || f->ip < start || f->ip - start >= ph->p_memsz)
			continue;
		/* the kernel's (vm_pgoff << PAGE_SHIFT) + ip - vm_start */
		f->found = true;
		f->offset = ph->p_offset + (f->ip - start);
		f->have_id = object_build_id(info, f->id);
		return 1;
	}
	return 0;
}

/* stack_map_get_build_id_offset: user frames become (build id, offset) where the object
 * has a build id; every other entry keeps its ip with status BPF_STACK_BUILD_ID_IP. */
static void stack_build_id_offset(struct bpf_stack_build_id *ids, uint32_t nr, bool user)
{
	for (uint32_t i = 0; i < nr; i++) {
		struct build_id_find f = {.ip = ids[i].ip};
		if (user)
			dl_iterate_phdr(build_id_find_object, &f);
		if (!f.found || !f.have_id) {
			ids[i].status = BPF_STACK_BUILD_ID_IP;
			memset(ids[i].build_id, 0, sizeof ids[i].build_id);
			continue;
		}
		ids[i].status = BPF_STACK_BUILD_ID_VALID;
		memcpy(ids[i].build_id, f.id, sizeof ids[i].build_id);
		ids[i].offset = f.offset;
	}
}

/* --- the helpers --- */

#define STACKID_FLAGS                                                                              \
	(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID)
#define GET_STACK_FLAGS (BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK | BPF_F_USER_BUILD_ID)

/* bpf_get_stackid(ctx, map, flags): the id of the current chain in a STACK_TRACE map. The
 * ctx (the kernel reads registers from it) is not needed: the chain is our own stack. */
uint64_t bpf_get_stackid_helper(uint64_t ctx, uint64_t r2, uint64_t flags, uint64_t r4, uint64_t r5,
                                struct userbpf_run_ctx *rc)
{
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r2, BPF_MAP_TYPE_STACK_TRACE);
	if (!map)
		return HELPER_ERR(-EINVAL);
	if (flags & ~(uint64_t)STACKID_FLAGS)
		return HELPER_ERR(-EINVAL);
	uint32_t skip = flags & BPF_F_SKIP_FIELD_MASK;
	uint32_t max_depth = map->value_size / stack_map_data_size(map) + skip;
	if (max_depth > STACK_MAP_MAX_DEPTH)
		max_depth = STACK_MAP_MAX_DEPTH;
	struct stack_walk w;
	uint32_t nr;
	const uint64_t *chain = stack_chain(&w, flags & BPF_F_USER_STACK, max_depth, &nr);
	return HELPER_ERR(stack_map_get_stackid(map, chain, nr, flags, stack_build_id_offset));
}

/* bpf_get_stack(ctx, buf, size, flags): the chain copied into buf (ips, or build id
 * entries with BPF_F_USER_BUILD_ID), the rest of buf zeroed; the bytes copied, or -EINVAL /
 * -EFAULT with buf zeroed (__bpf_get_stack). */
uint64_t bpf_get_stack_helper(uint64_t ctx, uint64_t buf, uint64_t size64, uint64_t flags,
                              uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t size = (uint32_t)size64;
	if (!helper_mem_ok(rc, buf, size, HELPER_WR))
		return HELPER_ERR(-EFAULT);
	unsigned char *out = HELPER_PTR(buf);
	bool user_build_id = flags & BPF_F_USER_BUILD_ID;
	bool user = flags & BPF_F_USER_STACK;
	uint32_t skip = flags & BPF_F_SKIP_FIELD_MASK;
	long err = -EINVAL;
	if (flags & ~(uint64_t)GET_STACK_FLAGS)
		goto clear;
	if (!user && user_build_id)
		goto clear;
	uint32_t elem_size = user_build_id ? sizeof(struct bpf_stack_build_id) : sizeof(uint64_t);
	if (size % elem_size)
		goto clear;
	uint32_t num_elem = size / elem_size;
	uint32_t max_depth = num_elem + skip;
	if (max_depth > STACK_MAP_MAX_DEPTH)
		max_depth = STACK_MAP_MAX_DEPTH;
	struct stack_walk w;
	uint32_t nr;
	const uint64_t *chain = stack_chain(&w, user, max_depth, &nr);
	if (nr < skip) {
		err = -EFAULT;
		goto clear;
	}
	uint32_t trace_nr = nr - skip < num_elem ? nr - skip : num_elem;
	uint32_t copy_len = trace_nr * elem_size;
	if (user_build_id) {
		struct bpf_stack_build_id ids[STACK_MAP_MAX_DEPTH];
		memset(ids, 0, trace_nr * sizeof ids[0]);
		for (uint32_t i = 0; i < trace_nr; i++)
			ids[i].ip = chain[skip + i];
		stack_build_id_offset(ids, trace_nr, user);
		memcpy(out, ids, copy_len);
	} else if (copy_len) {
		memcpy(out, chain + skip, copy_len);
	}
	if (size > copy_len)
		memset(out + copy_len, 0, size - copy_len);
	return copy_len;
clear:
	if (size)
		memset(out, 0, size);
	return HELPER_ERR(err);
}
