/* perf_consumer.c — reading a perf event array's rings: libbpf's perf_buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maps/perf_layout.h"

struct perf_consumer {
	struct bpf_map *map;
	struct map_wake_bridge *bridge;
	char buf[PERF_RING_SIZE]; /* a wrapped sample is copied here to be contiguous */
};

struct perf_consumer *perf_consumer_new(struct bpf_map *map)
{
	if (!map || map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		errno = EINVAL;
		return NULL;
	}
	struct perf_consumer *c = malloc(sizeof *c);
	if (c) {
		c->map = map;
		c->bridge = NULL;
	}
	return c;
}

void perf_consumer_free(struct perf_consumer *c)
{
	if (!c)
		return;
	map_wake_bridge_stop(c->bridge);
	free(c);
}

static bool perf_slot_ready(struct perf_slot *s)
{
	return __atomic_load_n(&s->head, __ATOMIC_ACQUIRE) !=
	               __atomic_load_n(&s->tail, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&s->lost, __ATOMIC_RELAXED);
}

static bool perf_ready(void *arg)
{
	struct perf_consumer *c = arg;
	for (uint32_t i = 0; i < c->map->max_entries; i++)
		if (perf_slot_ready(perf_slot(c->map, i)))
			return true;
	return false;
}

int perf_consumer_fd(struct perf_consumer *c)
{
	if (!c->bridge) {
		int err =
		        map_wake_bridge_start(&perf_head(c->map)->wake, perf_ready, c, &c->bridge);
		if (err)
			return err;
	}
	return map_wake_bridge_fd(c->bridge);
}

int perf_consumer_wait(struct perf_consumer *c, int timeout_ms)
{
	return map_wake_wait(&perf_head(c->map)->wake, perf_ready, c, timeout_ms);
}

int perf_consume_slot(struct perf_consumer *c, uint32_t idx, perf_sample_fn sample_cb,
                      perf_lost_fn lost_cb, void *ctx)
{
	if (idx >= c->map->max_entries)
		return -E2BIG;
	struct perf_slot *s = perf_slot(c->map, idx);
	uint64_t lost = __atomic_exchange_n(&s->lost, 0, __ATOMIC_RELAXED);
	if (lost && lost_cb)
		lost_cb(ctx, (int)idx, lost);
	char *ring = perf_ring(c->map, idx);
	uint64_t tail = __atomic_load_n(&s->tail, __ATOMIC_RELAXED);
	uint64_t head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
	int cnt = 0;
	while (tail < head) {
		/* Records are 8-byte aligned and the ring a multiple of 8: a header never wraps. */
		uint64_t off = tail % PERF_RING_SIZE;
		struct perf_rec *rec = (struct perf_rec *)(ring + off);
		char *data = (char *)(rec + 1);
		uint64_t room = PERF_RING_SIZE - off - sizeof *rec;
		if (rec->size > room) { /* the sample wraps: make it contiguous */
			memcpy(c->buf, data, room);
			memcpy(c->buf + room, ring, rec->size - room);
			data = c->buf;
		}
		if (sample_cb)
			sample_cb(ctx, (int)idx, data, rec->size);
		tail += perf_rec_len(rec->size);
		__atomic_store_n(&s->tail, tail, __ATOMIC_RELEASE); /* the space is free again */
		cnt++;
	}
	return cnt;
}

int perf_consume(struct perf_consumer *c, perf_sample_fn sample_cb, perf_lost_fn lost_cb, void *ctx)
{
	map_wake_bridge_drain(c->bridge);
	int total = 0;
	for (uint32_t i = 0; i < c->map->max_entries; i++) {
		struct perf_slot *s = perf_slot(c->map, i);
		if (perf_slot_ready(s))
			total += perf_consume_slot(c, i, sample_cb, lost_cb, ctx);
	}
	return total;
}
