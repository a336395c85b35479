/* perf.h — BPF_MAP_TYPE_PERF_EVENT_ARRAY without perf events.
 *
 * In the kernel each slot of the array holds a perf event (opened by user space, usually
 * one per CPU, type PERF_COUNT_SW_BPF_OUTPUT), and bpf_perf_event_output appends a sample
 * to that event's mmapped ring. There are no perf events in user space, so each slot owns
 * a ring of PERF_RING_SIZE bytes inside the map's shared file, and the syscall-side value
 * of a slot (the perf event fd in the kernel) is an enable flag: updating a slot with any
 * u32 value turns its ring on, deleting it turns it off. Any process holding the map can
 * consume. The kernel's checks that need a real event (EBADF for a non-perf fd, EOPNOTSUPP
 * when the event is bound to another CPU) have no counterpart: any index may be written.
 *
 * Records in a ring: {u32 type (PERF_RECORD_SAMPLE), u32 size, size bytes}, 8-byte aligned,
 * wrapping at the end of the ring like perf's data area. Samples that do not fit are
 * counted as lost (as perf does) and reported to the consumer's lost callback.
 */
#ifndef USERBPF_MAPS_PERF_H
#define USERBPF_MAPS_PERF_H

#include <stdint.h>

#include "maps/map.h"

#define PERF_RING_SIZE (64u * 1024) /* bytes of each slot's ring */
#define PERF_RECORD_SAMPLE 9u       /* perf's record type for a sample */

/* The helper bpf_perf_event_output: flags holds the slot index or BPF_F_CURRENT_CPU.
 * 0, -EINVAL (other flag bits), -E2BIG (index >= max_entries), -ENOENT (slot off),
 * -ENOSPC (ring full: counted as lost). */
long perf_event_output(struct bpf_map *map, uint64_t flags, const void *data, uint64_t size);

/* libbpf's perf_buffer callbacks: cpu is the slot index. */
typedef void (*perf_sample_fn)(void *ctx, int cpu, void *data, uint32_t size);
typedef void (*perf_lost_fn)(void *ctx, int cpu, uint64_t cnt);

struct perf_consumer;

/* A consumer of every enabled slot of map (one consumer at a time, as with perf rings). */
struct perf_consumer *perf_consumer_new(struct bpf_map *map);
void perf_consumer_free(struct perf_consumer *c);

/* An eventfd readable when a producer in any process writes a sample (see map_wake.h). */
int perf_consumer_fd(struct perf_consumer *c);

/* Block until a sample or lost count is waiting, or timeout_ms passes (< 0: forever):
 * 1, 0 on timeout, -errno. */
int perf_consumer_wait(struct perf_consumer *c, int timeout_ms);

/* Read every slot's ring (slot order), calling lost_cb (may be NULL) for samples dropped
 * since the last call and sample_cb for each sample. Returns the number of samples. */
int perf_consume(struct perf_consumer *c, perf_sample_fn sample_cb, perf_lost_fn lost_cb,
                 void *ctx);
/* The same for one slot; -E2BIG when idx >= max_entries. */
int perf_consume_slot(struct perf_consumer *c, uint32_t idx, perf_sample_fn sample_cb,
                      perf_lost_fn lost_cb, void *ctx);

#endif /* USERBPF_MAPS_PERF_H */
