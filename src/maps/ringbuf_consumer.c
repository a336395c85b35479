/* ringbuf_consumer.c — reading a ring buffer map: libbpf's ring_buffer, for one ring.
 *
 * The consumer owns consumer_pos: it reads records up to producer_pos, stops at one still
 * BUSY, and publishes its new position after each record so producers can reuse the space.
 * It reads through this process's double mapping, so wrapped records are contiguous.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "maps/map_wake.h"
#include "maps/ringbuf.h"
#include "maps/ringbuf_layout.h"

struct ringbuf_consumer {
	struct bpf_map *map;
	struct map_wake_bridge *bridge; /* started by ringbuf_consumer_fd */
};

struct ringbuf_consumer *ringbuf_consumer_new(struct bpf_map *map)
{
	if (!map || map->map_type != BPF_MAP_TYPE_RINGBUF) {
		errno = EINVAL;
		return NULL;
	}
	struct ringbuf_consumer *c = calloc(1, sizeof *c);
	if (c)
		c->map = map;
	return c;
}

void ringbuf_consumer_free(struct ringbuf_consumer *c)
{
	if (!c)
		return;
	map_wake_bridge_stop(c->bridge);
	free(c);
}

/* A record is ready when the one at consumer_pos is committed (or discarded). Only the
 * consuming thread may ask this: it alone moves consumer_pos, so the header it reads cannot
 * be reused by a producer meanwhile. */
static bool ringbuf_ready(void *arg)
{
	struct ringbuf_consumer *c = arg;
	char *base = c->map->data;
	struct ringbuf_prod_page *pp = ringbuf_prod_page(base);
	uint64_t cons = __atomic_load_n(ringbuf_cons_pos(base), __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(&pp->producer_pos, __ATOMIC_ACQUIRE);
	if (cons >= prod)
		return false;
	struct ringbuf_hdr *h = ringbuf_hdr_at(base, cons & pp->mask);
	return !(__atomic_load_n(&h->len, __ATOMIC_ACQUIRE) & BPF_RINGBUF_BUSY_BIT);
}

/* For the eventfd bridge thread, which runs beside the consumer: it must not read the
 * header at consumer_pos (the consumer may move past it and a producer reuse the space for
 * payload), so "the producer is ahead" is the test. A record still BUSY costs one spurious
 * wakeup; its submit wakes the consumer again. */
static bool ringbuf_pending(void *arg)
{
	struct ringbuf_consumer *c = arg;
	char *base = c->map->data;
	uint64_t cons = __atomic_load_n(ringbuf_cons_pos(base), __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(&ringbuf_prod_page(base)->producer_pos, __ATOMIC_ACQUIRE);
	return cons < prod;
}

int ringbuf_consumer_fd(struct ringbuf_consumer *c)
{
	if (!c->bridge) {
		struct ringbuf_prod_page *pp = ringbuf_prod_page(c->map->data);
		int err = map_wake_bridge_start(&pp->wake, ringbuf_pending, c, &c->bridge);
		if (err)
			return err;
	}
	return map_wake_bridge_fd(c->bridge);
}

int ringbuf_consumer_wait(struct ringbuf_consumer *c, int timeout_ms)
{
	struct ringbuf_prod_page *pp = ringbuf_prod_page(c->map->data);
	return map_wake_wait(&pp->wake, ringbuf_ready, c, timeout_ms);
}

int ringbuf_consume(struct ringbuf_consumer *c, ringbuf_sample_fn cb, void *ctx)
{
	char *base = c->map->data;
	struct ringbuf_prod_page *pp = ringbuf_prod_page(base);
	uint64_t mask = pp->mask;
	uint64_t *cons_pos = ringbuf_cons_pos(base);
	int cnt = 0;
	/* Reset the eventfd first: a record committed after this point signals it again. */
	map_wake_bridge_drain(c->bridge);
	uint64_t cons = __atomic_load_n(cons_pos, __ATOMIC_ACQUIRE);
	bool got;
	do {
		got = false;
		uint64_t prod = __atomic_load_n(&pp->producer_pos, __ATOMIC_SEQ_CST);
		while (cons < prod) {
			struct ringbuf_hdr *h = ringbuf_hdr_at(base, cons & mask);
			uint32_t len = __atomic_load_n(&h->len, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT)
				return cnt; /* the commit sees us caught up here and wakes us */
			got = true;
			cons += ringbuf_rec_len(len & ~(uint32_t)BPF_RINGBUF_DISCARD_BIT);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				int err = cb ? cb(ctx, h + 1, len) : 0;
				if (err < 0) {
					__atomic_store_n(cons_pos, cons, __ATOMIC_SEQ_CST);
					return err;
				}
				if (cnt < INT32_MAX)
					cnt++;
			}
			/* seq_cst: before the next load of producer_pos (see ringbuf_reserve). */
			__atomic_store_n(cons_pos, cons, __ATOMIC_SEQ_CST);
		}
	} while (got);
	return cnt;
}
