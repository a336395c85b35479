/* fv_prog.c — fuzz_verifier's byte format (fv_prog.h): decode, normalise, encode, dump.
 *
 * Normalisation keeps every field inside what the harness can create, so that a mutation
 * of any byte still gives a loadable description and the fuzzer's time goes to the
 * verifier, not to MAP_CREATE refusing a size.
 */
#include <stdlib.h>
#include <string.h>

#include "fv_prog.h"

/* Program types BPF_PROG_TEST_RUN serves (the packet ones first: the seeds mostly are),
 * then some that only verify. */
const struct fv_type fv_types[] = {
        {BPF_PROG_TYPE_SOCKET_FILTER, 0, "socket_filter", FV_RUN_PKT, "__sk_buff"},
        {BPF_PROG_TYPE_SCHED_CLS, 0, "sched_cls", FV_RUN_PKT, "__sk_buff"},
        {BPF_PROG_TYPE_SCHED_ACT, 0, "sched_act", FV_RUN_PKT, "__sk_buff"},
        {BPF_PROG_TYPE_XDP, 0, "xdp", FV_RUN_PKT, "xdp_md"},
        {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, "cgroup_skb_ingress", FV_RUN_PKT,
         "__sk_buff"},
        {BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, "cgroup_skb_egress", FV_RUN_PKT,
         "__sk_buff"},
        {BPF_PROG_TYPE_LWT_IN, 0, "lwt_in", FV_RUN_PKT, "__sk_buff"},
        {BPF_PROG_TYPE_LWT_XMIT, 0, "lwt_xmit", FV_RUN_PKT, "__sk_buff"},
        {BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, "flow_dissector", FV_RUN_PKT,
         "__sk_buff"},
        {BPF_PROG_TYPE_RAW_TRACEPOINT, 0, "raw_tracepoint", FV_RUN_ARGS, "bpf_raw_tracepoint_args"},
        {BPF_PROG_TYPE_SYSCALL, 0, "syscall", FV_RUN_CTX, "__sk_buff"},
        {BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, "sk_lookup", FV_RUN_SK_LOOKUP, "bpf_sk_lookup"},
        {BPF_PROG_TYPE_KPROBE, 0, "kprobe", FV_RUN_NONE, "pt_regs"},
        {BPF_PROG_TYPE_TRACEPOINT, 0, "tracepoint", FV_RUN_NONE, "__sk_buff"},
        {BPF_PROG_TYPE_PERF_EVENT, 0, "perf_event", FV_RUN_NONE, "bpf_perf_event_data"},
        {BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, "cgroup_sock", FV_RUN_NONE,
         "bpf_sock"},
};
const unsigned fv_nr_types = sizeof fv_types / sizeof fv_types[0];

static const char *const kind_names[FV_MAP_KINDS] = {
        "array",        "hash",     "ringbuf", "rodata", "prog_array",
        "percpu_array", "lru_hash", "queue",   "stack",
};

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static void wr16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}

/* v if it is in [lo, hi], else a value in range derived from it: idempotent, so a
 * normalised program encodes and decodes to itself. */
static unsigned in_range(unsigned v, unsigned lo, unsigned hi)
{
	return v >= lo && v <= hi ? v : lo + v % (hi - lo + 1);
}

static void normalize_map(struct fv_map *m)
{
	m->kind %= FV_MAP_KINDS;
	m->flags &= 0x3f;
	switch (m->kind) {
	case FV_MAP_ARRAY:
	case FV_MAP_PERCPU_ARRAY:
	case FV_MAP_PROG_ARRAY:
	case FV_MAP_RODATA:
		m->key_size = 4;
		break;
	case FV_MAP_HASH:
	case FV_MAP_LRU_HASH:
		m->key_size = (uint8_t)in_range(m->key_size, 1, 64);
		break;
	default: /* ringbuf, queue, stack: no key */
		m->key_size = 0;
		break;
	}
	if (m->kind == FV_MAP_PROG_ARRAY)
		m->value_size = 4;
	else if (m->kind == FV_MAP_RINGBUF)
		m->value_size = 0;
	else
		m->value_size = (uint16_t)in_range(m->value_size, 1, 1024);
	if (m->kind == FV_MAP_RINGBUF) { /* a power-of-two number of pages: 1, 2, 4, 8 */
		unsigned e = m->max_entries;
		if (e != 4096 && e != 8192 && e != 16384 && e != 32768)
			m->max_entries = (uint16_t)(4096u << (e % 4));
	} else if (m->kind == FV_MAP_RODATA) {
		m->max_entries = 1;
		m->flags |= FV_MF_RDONLY_PROG | FV_MF_FREEZE | FV_MF_FILL;
		m->flags &= (uint8_t)~FV_MF_WRONLY_PROG;
	} else {
		m->max_entries = (uint16_t)in_range(m->max_entries, 1, 64);
	}
	/* a spin lock sits 4-aligned inside the value of an array or hash */
	bool lockable = m->kind == FV_MAP_ARRAY || m->kind == FV_MAP_HASH;
	if (m->lock_off != FV_NO_LOCK) {
		unsigned slots = m->value_size >= 4 ? (m->value_size - 4) / 4 + 1 : 0;
		if (slots > 63)
			slots = 63; /* lock_off stays below 0xff */
		if (!lockable || !slots)
			m->lock_off = FV_NO_LOCK;
		else if (m->lock_off % 4 || m->lock_off / 4 >= slots)
			m->lock_off = (uint8_t)(m->lock_off % slots * 4);
	}
}

void fv_prog_normalize(struct fv_prog *p)
{
	p->type %= fv_nr_types;
	p->nr_maps %= FV_MAX_MAPS + 1;
	p->nr_funcs %= FV_MAX_FUNCS + 1;
	for (int i = 0; i < p->nr_maps; i++)
		normalize_map(&p->maps[i]);
	for (int i = 0; i < p->nr_funcs; i++) {
		p->funcs[i].global &= 1;
		p->funcs[i].nr_args %= FV_MAX_ARGS + 1;
		p->funcs[i].kinds &= 0x3ff;
	}
}

int fv_prog_decode(const uint8_t *data, size_t size, struct fv_prog *p)
{
	memset(p, 0, sizeof *p);
	if (size < FV_HDR_SIZE)
		return -1;
	p->type = data[0];
	p->flags = data[1];
	p->nr_maps = data[2] % (FV_MAX_MAPS + 1);
	p->nr_funcs = data[3] % (FV_MAX_FUNCS + 1);
	p->seed = data[4];
	p->runs = data[5];
	size_t off = FV_HDR_SIZE;
	if (size < off + (size_t)p->nr_maps * FV_MAP_SIZE + (size_t)p->nr_funcs * FV_FUNC_SIZE)
		return -1;
	for (int i = 0; i < p->nr_maps; i++, off += FV_MAP_SIZE) {
		struct fv_map *m = &p->maps[i];
		m->kind = data[off];
		m->flags = data[off + 1];
		m->key_size = data[off + 2];
		m->lock_off = data[off + 3];
		m->value_size = rd16(data + off + 4);
		m->max_entries = rd16(data + off + 6);
	}
	for (int i = 0; i < p->nr_funcs; i++, off += FV_FUNC_SIZE) {
		p->funcs[i].global = data[off];
		p->funcs[i].nr_args = data[off + 1];
		p->funcs[i].kinds = rd16(data + off + 2);
	}
	size_t cnt = (size - off) / sizeof(struct bpf_insn);
	if (cnt > FV_MAX_INSNS)
		return -1;
	p->cnt = (uint32_t)cnt;
	p->insns = malloc(cnt ? cnt * sizeof(struct bpf_insn) : 1);
	if (!p->insns)
		abort();
	memcpy(p->insns, data + off, cnt * sizeof(struct bpf_insn));
	fv_prog_normalize(p);
	return 0;
}

void fv_prog_free(struct fv_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->cnt = 0;
}

uint8_t *fv_prog_encode(const struct fv_prog *p, size_t *len)
{
	size_t n = FV_HDR_SIZE + (size_t)p->nr_maps * FV_MAP_SIZE +
	           (size_t)p->nr_funcs * FV_FUNC_SIZE + (size_t)p->cnt * sizeof(struct bpf_insn);
	uint8_t *b = calloc(1, n);
	if (!b)
		abort();
	b[0] = p->type;
	b[1] = p->flags;
	b[2] = p->nr_maps;
	b[3] = p->nr_funcs;
	b[4] = p->seed;
	b[5] = p->runs;
	size_t off = FV_HDR_SIZE;
	for (int i = 0; i < p->nr_maps; i++, off += FV_MAP_SIZE) {
		const struct fv_map *m = &p->maps[i];
		b[off] = m->kind;
		b[off + 1] = m->flags;
		b[off + 2] = m->key_size;
		b[off + 3] = m->lock_off;
		wr16(b + off + 4, m->value_size);
		wr16(b + off + 6, m->max_entries);
	}
	for (int i = 0; i < p->nr_funcs; i++, off += FV_FUNC_SIZE) {
		b[off] = p->funcs[i].global;
		b[off + 1] = p->funcs[i].nr_args;
		wr16(b + off + 2, p->funcs[i].kinds);
	}
	if (p->cnt)
		memcpy(b + off, p->insns, (size_t)p->cnt * sizeof(struct bpf_insn));
	*len = n;
	return b;
}

void fv_prog_dump(const struct fv_prog *p, FILE *out)
{
	const struct fv_type *t = &fv_types[p->type % fv_nr_types];
	fprintf(out, "type %s, log level %d%s%s%s%s%s%s, seed %u, runs 0x%02x\n", t->name,
	        p->flags & FV_F_LOG_MASK, p->flags & FV_F_SMALL_LOG ? ", small log" : "",
	        p->flags & FV_F_STRICT_ALIGN ? ", strict alignment" : "",
	        p->flags & FV_F_NO_INLINE ? ", no inlining" : "",
	        p->flags & FV_F_STATE_FREQ ? ", state_freq" : "",
	        p->flags & FV_F_UNPRIV ? ", unprivileged" : "",
	        p->flags & FV_F_PROPRIETARY ? ", proprietary" : "", p->seed, p->runs);
	for (int i = 0; i < p->nr_maps; i++) {
		const struct fv_map *m = &p->maps[i];
		fprintf(out, "map %d: %s key %u value %u entries %u flags 0x%x", i,
		        kind_names[m->kind % FV_MAP_KINDS], m->key_size, m->value_size,
		        m->max_entries, m->flags);
		if (m->lock_off != FV_NO_LOCK)
			fprintf(out, " lock at %u", m->lock_off);
		fputc('\n', out);
	}
	for (int i = 0; i < p->nr_funcs; i++) {
		const struct fv_func *f = &p->funcs[i];
		fprintf(out, "func %d: %s, %u args:", i, f->global ? "global" : "static",
		        f->nr_args);
		for (int a = 0; a < f->nr_args; a++) {
			static const char *const k[] = {"int", "ptr", "ctx", "int"};
			fprintf(out, " %s", k[(f->kinds >> (2 * a)) & 3]);
		}
		fputc('\n', out);
	}
	userbpf_disasm_prog(p->insns, p->cnt, 0, 1, out);
}
