/* ringbuf.h — BPF_MAP_TYPE_RINGBUF: the producer side (for the helpers) and a consumer.
 *
 * The map's file is laid out as the kernel presents a ring buffer to user space, so a
 * reader written for the kernel (libbpf's ring_buffer) can consume it from the fd:
 *
 *   [0, 4096)                  consumer page: u64 consumer_pos at 0 (written by the consumer)
 *   [4096, 8192)               producer page: u64 producer_pos at 0 (read-only to consumers)
 *   [8192, 8192 + size)        data: records {u32 len | BUSY | DISCARD, u32 pg_off, payload}
 *   [8192 + size, + size)      mirror of the data
 *
 * The kernel maps the data pages twice in a row so a record that wraps past the end reads
 * contiguously. A file cannot be mapped onto itself, so an external consumer that maps
 * [4096, 4096 + 4096 + 2 * size) sees the mirror as the second copy: producers copy each
 * committed record into the mirror at the same offsets before publishing it. In our own
 * processes map_mmap maps the data range twice, so reserved records are contiguous.
 *
 * Wakeups: a shared futex word in the producer page (see map_wake.h). Producers wake a
 * consumer when it has caught up with the committed record (or on BPF_RB_FORCE_WAKEUP,
 * never on BPF_RB_NO_WAKEUP), as the kernel does.
 */
#ifndef USERBPF_MAPS_RINGBUF_H
#define USERBPF_MAPS_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

#include "maps/map.h"

/* --- producer side: the semantics of the bpf_ringbuf_* helpers --- */

/* A record of size bytes, or NULL (flags != 0, too big, or not enough free space). */
void *ringbuf_reserve(struct bpf_map *map, uint64_t size, uint64_t flags);
/* Publish / drop a reserved record. map may be NULL: the record's header finds its ring,
 * as the kernel's helpers (which take no map) do. */
void ringbuf_submit(struct bpf_map *map, void *sample, uint64_t flags);
void ringbuf_discard(struct bpf_map *map, void *sample, uint64_t flags);
/* Copy data into a new record: 0, -EINVAL (flags), -EAGAIN (no space). */
long ringbuf_output(struct bpf_map *map, const void *data, uint64_t size, uint64_t flags);
/* BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE, BPF_RB_CONS_POS, BPF_RB_PROD_POS; else 0. */
uint64_t ringbuf_query(struct bpf_map *map, uint64_t flags);

/* --- consumer side (libbpf's ring_buffer, for one ring) --- */

typedef int (*ringbuf_sample_fn)(void *ctx, void *data, size_t len);

struct ringbuf_consumer;

/* A consumer of map (this process's view; the map must outlive the consumer). NULL with
 * errno set when map is not a ring buffer. One consumer per ring at a time, as in the
 * kernel: the consumer position is the consumer's to advance. */
struct ringbuf_consumer *ringbuf_consumer_new(struct bpf_map *map);
void ringbuf_consumer_free(struct ringbuf_consumer *c);

/* An eventfd that becomes readable when a producer in any process wakes this ring (started
 * on first call: a thread of this process bridges the shared futex to the eventfd). Hand it
 * to epoll/poll, then call ringbuf_consume. -errno on failure. */
int ringbuf_consumer_fd(struct ringbuf_consumer *c);

/* Block until a record is ready to consume or timeout_ms passes (< 0: forever): 1, 0 on
 * timeout, -errno. Works across processes (futex on the shared producer page). */
int ringbuf_consumer_wait(struct ringbuf_consumer *c, int timeout_ms);

/* Call cb for every committed record in order, skipping discarded ones, advancing the
 * consumer position past each; stops at a record still being written. Returns the number
 * of records passed to cb, or cb's negative return (the record that failed is consumed). */
int ringbuf_consume(struct ringbuf_consumer *c, ringbuf_sample_fn cb, void *ctx);

#endif /* USERBPF_MAPS_RINGBUF_H */
