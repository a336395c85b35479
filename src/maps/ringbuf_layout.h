/* ringbuf_layout.h — the ring buffer's pages and record header (internal to src/maps). */
#ifndef USERBPF_MAPS_RINGBUF_LAYOUT_H
#define USERBPF_MAPS_RINGBUF_LAYOUT_H

#include <stdint.h>

#include "maps/map.h"
#include "maps/map_wake.h"

#define RINGBUF_PROD_OFF BPF_MAP_PAGE_SIZE       /* producer page */
#define RINGBUF_DATA_OFF (2 * BPF_MAP_PAGE_SIZE) /* first copy of the data */
/* The largest record the kernel accepts (its length field also carries two flag bits). */
#define RINGBUF_MAX_RECORD_SZ (UINT32_MAX / 4)

struct ringbuf_hdr {
	uint32_t len;    /* payload bytes | BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT */
	uint32_t pg_off; /* pages from the ring's start to this header's page (see below) */
};

/* The producer page: producer_pos must stay at offset 0 (consumers read it); the rest is
 * private to producers, like the kernel's pending_pos after it. */
struct ringbuf_prod_page {
	uint64_t producer_pos;
	uint64_t pending_pos; /* oldest record possibly still BUSY */
	uint64_t mask;        /* size - 1: lets a record find its ring's size */
	uint32_t lock;        /* producers' spinlock */
	uint32_t pad;
	struct map_wake wake; /* consumer wakeups */
};

static inline uint64_t *ringbuf_cons_pos(char *base)
{
	return (uint64_t *)base;
}

static inline struct ringbuf_prod_page *ringbuf_prod_page(void *base)
{
	return (struct ringbuf_prod_page *)((char *)base + RINGBUF_PROD_OFF);
}

static inline char *ringbuf_data(char *base)
{
	return base + RINGBUF_DATA_OFF;
}

static inline struct ringbuf_hdr *ringbuf_hdr_at(char *base, uint64_t off)
{
	return (struct ringbuf_hdr *)(ringbuf_data(base) + off);
}

/* The kernel counts pg_off from its ring structure, one page before the consumer page;
 * ours counts from the same (absent) page so the header bytes are the kernel's. */
static inline uint32_t ringbuf_pg_off(char *base, const struct ringbuf_hdr *hdr)
{
	return (uint32_t)(((const char *)hdr - base) / BPF_MAP_PAGE_SIZE + 1);
}

static inline char *ringbuf_base_of(struct ringbuf_hdr *hdr)
{
	uintptr_t page = (uintptr_t)hdr & ~(uintptr_t)(BPF_MAP_PAGE_SIZE - 1);
	return (char *)(page - ((uintptr_t)hdr->pg_off - 1) * BPF_MAP_PAGE_SIZE);
}

/* Bytes a record of len payload bytes occupies: header plus payload, 8-byte aligned. */
static inline uint64_t ringbuf_rec_len(uint32_t len)
{
	return ((uint64_t)len + sizeof(struct ringbuf_hdr) + 7) & ~(uint64_t)7;
}

#endif /* USERBPF_MAPS_RINGBUF_LAYOUT_H */
