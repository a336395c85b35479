/* map_ringbuf.c — BPF_MAP_TYPE_RINGBUF: creation rules, the double mapping, producers.
 *
 * Layout and wakeups: see ringbuf.h. Producers serialise on a spinlock in the producer
 * page (the kernel's rb->spinlock); the consumer never takes it. Positions only grow; the
 * offset of a position in the data is pos & (size - 1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "core/hook.h"
#include "core/lock.h"
#include "maps/map_wake.h"
#include "maps/ringbuf.h"
#include "maps/ringbuf_layout.h"

static int ringbuf_alloc_check(const union bpf_attr *attr)
{
	if (attr->map_flags & ~(uint32_t)BPF_F_NUMA_NODE)
		return -EINVAL;
	if (attr->key_size || attr->value_size || !attr->max_entries ||
	    (attr->max_entries & (attr->max_entries - 1)) || attr->max_entries % BPF_MAP_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

static uint64_t ringbuf_mem_size(const union bpf_attr *attr, int ncpus)
{
	return RINGBUF_DATA_OFF + 2 * (uint64_t)attr->max_entries;
}

static int ringbuf_init(struct bpf_map *map)
{
	struct ringbuf_prod_page *pp = ringbuf_prod_page(map->data);
	pp->mask = map->max_entries - 1;
	return 0;
}

/* [cons][prod][data][data again][mirror]: one reservation, three file mappings, so a single
 * munmap(map->data, map->data_map_len) undoes it. */
static int ringbuf_mmap(struct bpf_map *map, int fd)
{
	uint64_t size = (map->data_size - RINGBUF_DATA_OFF) / 2;
	size_t len = RINGBUF_DATA_OFF + 3 * size;
	char *base = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return -errno;
	const int prot = PROT_READ | PROT_WRITE, fl = MAP_SHARED | MAP_FIXED;
	if (ub_mmap(base, RINGBUF_DATA_OFF + size, prot, fl, fd, 0) == MAP_FAILED ||
	    ub_mmap(base + RINGBUF_DATA_OFF + size, size, prot, fl, fd, RINGBUF_DATA_OFF) ==
	            MAP_FAILED ||
	    ub_mmap(base + RINGBUF_DATA_OFF + 2 * size, size, prot, fl, fd,
	            (off_t)(RINGBUF_DATA_OFF + size)) == MAP_FAILED) {
		int err = -errno;
		ub_munmap(base, len);
		return err;
	}
	map->data = base;
	map->data_map_len = len;
	return 0;
}

/* The kernel refuses element commands on a ring buffer (no lookup/update/delete/next ops):
 * leaving them NULL lets the object layer answer ENOTSUPP (524) as the kernel does. */
const struct bpf_map_ops ringbuf_map_ops = {
        .map_alloc_check = ringbuf_alloc_check,
        .map_mem_size = ringbuf_mem_size,
        .map_init = ringbuf_init,
        .map_mmap = ringbuf_mmap,
};

void *ringbuf_reserve(struct bpf_map *map, uint64_t size, uint64_t flags)
{
	if (flags || size > RINGBUF_MAX_RECORD_SZ)
		return NULL;
	char *base = map->data;
	struct ringbuf_prod_page *pp = ringbuf_prod_page(base);
	uint64_t mask = pp->mask, len = ringbuf_rec_len((uint32_t)size);
	if (len > mask + 1)
		return NULL;
	uint64_t cons = __atomic_load_n(ringbuf_cons_pos(base), __ATOMIC_ACQUIRE);

	ub_spin_lock(&pp->lock);
	uint64_t pend = pp->pending_pos, prod = pp->producer_pos;
	/* Skip the committed records at the front of the uncommitted window: the oldest record
	 * still being written bounds how far producers may run ahead, so a slow writer's record
	 * is never overwritten even after the consumer passes it. */
	while (pend < prod) {
		struct ringbuf_hdr *h = ringbuf_hdr_at(base, pend & mask);
		uint32_t hl = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
		if (hl & BPF_RINGBUF_BUSY_BIT)
			break;
		pend += ringbuf_rec_len(hl & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT);
	}
	pp->pending_pos = pend;
	uint64_t new_prod = prod + len;
	/* Full at size - 1 bytes outstanding, as the kernel: prod == cons + size would be
	 * indistinguishable from an empty ring at the same offset. */
	if (new_prod - cons > mask || new_prod - pend > mask) {
		ub_spin_unlock(&pp->lock);
		return NULL;
	}
	struct ringbuf_hdr *hdr = ringbuf_hdr_at(base, prod & mask);
	hdr->pg_off = ringbuf_pg_off(base, hdr);
	__atomic_store_n(&hdr->len, (uint32_t)size | BPF_RINGBUF_BUSY_BIT, __ATOMIC_RELAXED);
	/* seq_cst: pairs with the consumer's store of consumer_pos then load of producer_pos,
	 * so a consumer that stops here is seen as caught up by the commit (wakeup). */
	__atomic_store_n(&pp->producer_pos, new_prod, __ATOMIC_SEQ_CST);
	ub_spin_unlock(&pp->lock);
	return hdr + 1;
}

/* Commit a record: mirror it for external readers, publish, maybe wake the consumer. */
static void ringbuf_commit(void *sample, uint64_t flags, bool discard)
{
	struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)sample - 1;
	/* pg_off finds the ring from the record, like the kernel's helpers (no map argument). */
	char *base = ringbuf_base_of(hdr);
	struct ringbuf_prod_page *pp = ringbuf_prod_page(base);
	uint64_t size = pp->mask + 1;
	uint64_t rec_off = (uint64_t)((char *)hdr - ringbuf_data(base));
	uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);
	uint32_t new_len = (len & ~(uint32_t)BPF_RINGBUF_BUSY_BIT) |
	                   (discard ? (uint32_t)BPF_RINGBUF_DISCARD_BIT : 0);
	if (!discard) {
		/* A discarded record's payload is never read: only committed bytes are mirrored.
		 * The header always starts inside the first copy, so only its payload can wrap. */
		char *mirror = ringbuf_data(base) + 2 * size;
		uint64_t total = ringbuf_rec_len(new_len), first = size - rec_off;
		if (first > total)
			first = total;
		memcpy(mirror + rec_off, hdr, first);
		memcpy(mirror, ringbuf_data(base), total - first);
		((struct ringbuf_hdr *)(mirror + rec_off))->len = new_len;
	}
	__atomic_exchange_n(&hdr->len, new_len, __ATOMIC_SEQ_CST);

	uint64_t cons = __atomic_load_n(ringbuf_cons_pos(base), __ATOMIC_SEQ_CST) & (size - 1);
	if ((flags & BPF_RB_FORCE_WAKEUP) || (cons == rec_off && !(flags & BPF_RB_NO_WAKEUP)))
		map_wake_signal(&pp->wake);
}

void ringbuf_submit(struct bpf_map *map, void *sample, uint64_t flags)
{
	ringbuf_commit(sample, flags, false);
}

void ringbuf_discard(struct bpf_map *map, void *sample, uint64_t flags)
{
	ringbuf_commit(sample, flags, true);
}

long ringbuf_output(struct bpf_map *map, const void *data, uint64_t size, uint64_t flags)
{
	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -EINVAL;
	void *rec = ringbuf_reserve(map, size, 0);
	if (!rec)
		return -EAGAIN;
	memcpy(rec, data, size);
	ringbuf_submit(map, rec, flags);
	return 0;
}

uint64_t ringbuf_query(struct bpf_map *map, uint64_t flags)
{
	char *base = map->data;
	struct ringbuf_prod_page *pp = ringbuf_prod_page(base);
	uint64_t cons = __atomic_load_n(ringbuf_cons_pos(base), __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(&pp->producer_pos, __ATOMIC_ACQUIRE);
	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return prod - cons;
	case BPF_RB_RING_SIZE:
		return pp->mask + 1;
	case BPF_RB_CONS_POS:
		return cons;
	case BPF_RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}
