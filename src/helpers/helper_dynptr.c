/* helper_dynptr.c — dynptrs at run time (197-203): bpf_dynptr_from_mem,
 * bpf_ringbuf_{reserve,submit,discard}_dynptr, bpf_dynptr_read/_write/_data.
 *
 * A struct bpf_dynptr on the program's stack holds the kernel's struct bpf_dynptr_kern:
 * the data pointer, a u32 with the usable size (low 24 bits), the type (bits 28-30) and a
 * read-only bit (31), and an offset into the data. Helpers take their u32 arguments
 * truncated, as the kernel's BPF_CALL wrappers do, and answer the kernel's errnos: -EINVAL
 * for flags and for a NULL (failed) dynptr, -E2BIG for a size past 2^24 - 1 or an
 * offset/length past the size, -EINVAL for writes through a read-only dynptr and when the
 * ring has no room; bpf_dynptr_data answers NULL for all of those. A reservation that fails
 * leaves a NULL dynptr which must still be discarded (the verifier holds the reference).
 *
 * Guarded runs (no verifier proof, or USERBPF_GUARDED=1) check what the verifier proves:
 * the dynptr's 16 bytes and the memory it describes must be the run's; a ring buffer
 * dynptr's record is granted to the run and must still be being written at submit time.
 * A failed check stops the run (-EFAULT), since a verified program cannot get there.
 */
#include <errno.h>
#include <string.h>

#include "helpers/helper_internal.h"
#include "maps/ringbuf.h"

/* The kernel's struct bpf_dynptr_kern (include/linux/bpf.h), 16 bytes like the uapi's
 * opaque struct bpf_dynptr. */
struct bpf_dynptr_kern {
	void *data;
	uint32_t size; /* usable bytes | type << DYNPTR_TYPE_SHIFT | DYNPTR_RDONLY_BIT */
	uint32_t offset;
};
_Static_assert(sizeof(struct bpf_dynptr_kern) == sizeof(struct bpf_dynptr), "dynptr layout");

#define DYNPTR_MAX_SIZE ((1u << 24) - 1)
#define DYNPTR_TYPE_SHIFT 28
#define DYNPTR_SIZE_MASK 0xFFFFFFu
#define DYNPTR_RDONLY_BIT (1u << 31)

/* enum bpf_dynptr_type, the kernel's numbering */
enum { DYNPTR_LOCAL = 1, DYNPTR_RINGBUF = 2 };

static uint32_t dynptr_size(const struct bpf_dynptr_kern *p)
{
	return p->size & DYNPTR_SIZE_MASK;
}

static unsigned dynptr_type(const struct bpf_dynptr_kern *p)
{
	return (p->size & ~DYNPTR_RDONLY_BIT) >> DYNPTR_TYPE_SHIFT;
}

static void dynptr_init(struct bpf_dynptr_kern *p, void *data, unsigned type, uint32_t size)
{
	p->data = data;
	p->offset = 0;
	p->size = size | (uint32_t)type << DYNPTR_TYPE_SHIFT;
}

static void dynptr_set_null(struct bpf_dynptr_kern *p)
{
	memset(p, 0, sizeof *p);
}

/* [offset, offset + len) within the usable size? */
static int dynptr_check_off_len(const struct bpf_dynptr_kern *p, uint32_t offset, uint32_t len)
{
	uint32_t size = dynptr_size(p);
	return len > size || offset > size - len ? -E2BIG : 0;
}

/* Guarded runs: the dynptr argument itself, 16 bytes of the run's memory. NULL (the run
 * stops) when it is not. */
static struct bpf_dynptr_kern *dynptr_arg(struct userbpf_run_ctx *rc, uint64_t p, unsigned prot,
                                          const char *helper)
{
	if (userbpf_run_guarded(rc) &&
	    !helper_mem_ok(rc, p, sizeof(struct bpf_dynptr_kern), prot)) {
		userbpf_run_fail(rc, -EFAULT, "bpf_%s: dynptr at 0x%llx is not the program's",
		                 helper, (unsigned long long)p);
		return NULL;
	}
	return HELPER_PTR(p);
}

/* Guarded runs: the dynptr's data [off, off + len) must be the run's (a program that
 * forged the dynptr's bytes would otherwise reach any memory). */
static bool dynptr_data_ok(struct userbpf_run_ctx *rc, const struct bpf_dynptr_kern *p,
                           uint32_t off, uint32_t len, unsigned prot, const char *helper)
{
	uint64_t at = (uint64_t)(uintptr_t)p->data + p->offset + off;
	if (!userbpf_run_guarded(rc) || helper_mem_ok(rc, at, len, prot))
		return true;
	userbpf_run_fail(rc, -EFAULT, "bpf_%s: dynptr data 0x%llx+%u is not the program's", helper,
	                 (unsigned long long)at, len);
	return false;
}

/* bpf_dynptr_from_mem(data, size, flags, ptr): a local dynptr over a map value. */
uint64_t bpf_dynptr_from_mem_helper(uint64_t data, uint64_t r2, uint64_t flags, uint64_t r4,
                                    uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t size = (uint32_t)r2;
	struct bpf_dynptr_kern *p = dynptr_arg(rc, r4, HELPER_WR, "dynptr_from_mem");
	if (!p)
		return HELPER_ERR(-EFAULT);
	int err = size > DYNPTR_MAX_SIZE ? -E2BIG : flags ? -EINVAL : 0;
	if (err) {
		dynptr_set_null(p);
		return HELPER_ERR(err);
	}
	if (userbpf_run_guarded(rc) && !helper_mem_ok(rc, data, size, HELPER_RD | HELPER_WR)) {
		dynptr_set_null(p);
		userbpf_run_fail(rc, -EFAULT, "bpf_dynptr_from_mem: 0x%llx+%u is not the program's",
		                 (unsigned long long)data, size);
		return HELPER_ERR(-EFAULT);
	}
	dynptr_init(p, HELPER_PTR(data), DYNPTR_LOCAL, size);
	return 0;
}

/* bpf_dynptr_read(dst, len, src, offset, flags) */
uint64_t bpf_dynptr_read_helper(uint64_t dst, uint64_t r2, uint64_t src, uint64_t r4,
                                uint64_t flags, struct userbpf_run_ctx *rc)
{
	uint32_t len = (uint32_t)r2, offset = (uint32_t)r4;
	const struct bpf_dynptr_kern *p = dynptr_arg(rc, src, HELPER_RD, "dynptr_read");
	if (!p)
		return HELPER_ERR(-EFAULT);
	if (!p->data || flags)
		return HELPER_ERR(-EINVAL);
	int err = dynptr_check_off_len(p, offset, len);
	if (err)
		return HELPER_ERR(err);
	switch (dynptr_type(p)) {
	case DYNPTR_LOCAL:
	case DYNPTR_RINGBUF:
		if (userbpf_run_guarded(rc) && !helper_mem_ok(rc, dst, len, HELPER_WR)) {
			userbpf_run_fail(rc, -EFAULT,
			                 "bpf_dynptr_read: 0x%llx+%u is not the program's",
			                 (unsigned long long)dst, len);
			return HELPER_ERR(-EFAULT);
		}
		if (!dynptr_data_ok(rc, p, offset, len, HELPER_RD, "dynptr_read"))
			return HELPER_ERR(-EFAULT);
		/* two dynptrs over one map value may overlap the destination */
		memmove(HELPER_PTR(dst), (char *)p->data + p->offset + offset, len);
		return 0;
	default:
		return HELPER_ERR(-EFAULT);
	}
}

/* bpf_dynptr_write(dst, offset, src, len, flags) */
uint64_t bpf_dynptr_write_helper(uint64_t dst, uint64_t r2, uint64_t src, uint64_t r4,
                                 uint64_t flags, struct userbpf_run_ctx *rc)
{
	uint32_t offset = (uint32_t)r2, len = (uint32_t)r4;
	const struct bpf_dynptr_kern *p = dynptr_arg(rc, dst, HELPER_RD, "dynptr_write");
	if (!p)
		return HELPER_ERR(-EFAULT);
	if (!p->data || (p->size & DYNPTR_RDONLY_BIT))
		return HELPER_ERR(-EINVAL);
	int err = dynptr_check_off_len(p, offset, len);
	if (err)
		return HELPER_ERR(err);
	switch (dynptr_type(p)) {
	case DYNPTR_LOCAL:
	case DYNPTR_RINGBUF:
		if (flags)
			return HELPER_ERR(-EINVAL);
		if (userbpf_run_guarded(rc) && !helper_mem_ok(rc, src, len, HELPER_RD)) {
			userbpf_run_fail(rc, -EFAULT,
			                 "bpf_dynptr_write: 0x%llx+%u is not the program's",
			                 (unsigned long long)src, len);
			return HELPER_ERR(-EFAULT);
		}
		if (!dynptr_data_ok(rc, p, offset, len, HELPER_WR, "dynptr_write"))
			return HELPER_ERR(-EFAULT);
		memmove((char *)p->data + p->offset + offset, HELPER_PTR(src), len);
		return 0;
	default:
		return HELPER_ERR(-EFAULT);
	}
}

/* bpf_dynptr_data(ptr, offset, len): a pointer to len bytes at offset, or NULL. */
uint64_t bpf_dynptr_data_helper(uint64_t ptr, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
                                struct userbpf_run_ctx *rc)
{
	uint32_t offset = (uint32_t)r2, len = (uint32_t)r3;
	const struct bpf_dynptr_kern *p = dynptr_arg(rc, ptr, HELPER_RD, "dynptr_data");
	if (!p || !p->data || dynptr_check_off_len(p, offset, len) || (p->size & DYNPTR_RDONLY_BIT))
		return 0;
	switch (dynptr_type(p)) {
	case DYNPTR_LOCAL:
	case DYNPTR_RINGBUF:
		/* the verifier lets the program write through the slice */
		if (!dynptr_data_ok(rc, p, offset, len, HELPER_RD | HELPER_WR, "dynptr_data"))
			return 0;
		return (uint64_t)(uintptr_t)((char *)p->data + p->offset + offset);
	default:
		return 0;
	}
}

/* bpf_ringbuf_reserve_dynptr(map, size, flags, ptr): 0, or -EINVAL (flags), -E2BIG (size),
 * -EINVAL (no room, or larger than the ring) with a NULL dynptr. */
uint64_t bpf_ringbuf_reserve_dynptr_helper(uint64_t r1, uint64_t r2, uint64_t flags, uint64_t r4,
                                           uint64_t r5, struct userbpf_run_ctx *rc)
{
	uint32_t size = (uint32_t)r2;
	struct bpf_dynptr_kern *p = dynptr_arg(rc, r4, HELPER_WR, "ringbuf_reserve_dynptr");
	if (!p)
		return HELPER_ERR(-EFAULT);
	struct bpf_map *map = bpf_helper_map_arg_type(rc, r1, BPF_MAP_TYPE_RINGBUF);
	int err = !map || flags ? -EINVAL : size > DYNPTR_MAX_SIZE ? -E2BIG : 0;
	void *rec = err ? NULL : ringbuf_reserve(map, size, 0);
	if (!err && !rec)
		err = -EINVAL; /* no room: the kernel says EINVAL here, not EAGAIN */
	if (rec && userbpf_run_guarded(rc) &&
	    userbpf_run_grant(rc, rec, size, HELPER_RD | HELPER_WR)) {
		ringbuf_discard(map, rec, BPF_RB_NO_WAKEUP); /* out of grant slots: a miss */
		err = -EINVAL;
	}
	if (err) {
		dynptr_set_null(p);
		return HELPER_ERR(err);
	}
	dynptr_init(p, rec, DYNPTR_RINGBUF, size);
	return 0;
}

static uint64_t ringbuf_commit_dynptr(struct userbpf_run_ctx *rc, uint64_t ptr, uint64_t flags,
                                      bool discard)
{
	const char *name = discard ? "ringbuf_discard_dynptr" : "ringbuf_submit_dynptr";
	struct bpf_dynptr_kern *p = dynptr_arg(rc, ptr, HELPER_RD | HELPER_WR, name);
	if (!p || !p->data)
		return 0; /* a failed reservation: nothing to give back */
	if (userbpf_run_guarded(rc) &&
	    !helper_ringbuf_sample_ok(rc, (uint64_t)(uintptr_t)p->data)) {
		userbpf_run_fail(rc, -EFAULT, "bpf_%s: 0x%llx is not a reserved record", name,
		                 (unsigned long long)(uintptr_t)p->data);
		return 0;
	}
	if (discard)
		ringbuf_discard(NULL, p->data, flags);
	else
		ringbuf_submit(NULL, p->data, flags);
	dynptr_set_null(p);
	return 0;
}

/* bpf_ringbuf_submit_dynptr(ptr, flags) / bpf_ringbuf_discard_dynptr(ptr, flags) */
uint64_t bpf_ringbuf_submit_dynptr_helper(uint64_t ptr, uint64_t flags, uint64_t r3, uint64_t r4,
                                          uint64_t r5, struct userbpf_run_ctx *rc)
{
	return ringbuf_commit_dynptr(rc, ptr, flags, false);
}

uint64_t bpf_ringbuf_discard_dynptr_helper(uint64_t ptr, uint64_t flags, uint64_t r3, uint64_t r4,
                                           uint64_t r5, struct userbpf_run_ctx *rc)
{
	return ringbuf_commit_dynptr(rc, ptr, flags, true);
}
