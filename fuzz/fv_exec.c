/* fv_exec.c — fuzz_verifier's harness: create the maps (and BTF) an input describes, load
 * the program through userbpf_sys_bpf(BPF_PROG_LOAD) as its program type, and, when it
 * verifies, run it with BPF_PROG_TEST_RUN on a few inputs in the guarded engine
 * (USERBPF_GUARDED=1), where every memory access is checked against what the program was
 * granted. A verified program that trips a guard is a verifier (or runtime) bug.
 *
 * What counts as a finding (r->finding, with r->what saying which):
 *  - a test run that stops with EFAULT (bad access), ENOENT (a helper the verifier allowed
 *    but the runtime lacks), EOVERFLOW (call depth) or an errno the kernel never gives;
 *  - a load that fails without errno or with an errno the kernel's verifier never returns;
 *  - a log buffer that is not NUL-terminated, or a log_true_size that does not cover the
 *    log, or ENOSPC with a log that fitted.
 * Not findings: E2BIG from a run (the guarded engine's instruction budget: a verified
 * program may legitimately run long, e.g. bpf_loop with 8M iterations), and EINVAL /
 * ENOTSUPP / EOPNOTSUPP / ENOSPC / EPERM (an input the program type does not take).
 * Crashes, sanitizer reports and hangs are found by the caller's process (libFuzzer).
 *
 * Every object is closed before returning, so nothing accumulates across inputs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fv_prog.h"

#define ENOTSUPP_K 524 /* the kernel's internal ENOTSUPP, as bpf() returns it */
#define LOG_BIG (256u << 10)
#define LOG_SMALL 256u
#define OUT_SIZE 8192
#define MAX_RUNS 3

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64: the same inputs on every machine */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static long kernel_bpf(int cmd, union bpf_attr *a, unsigned size)
{
	return syscall(SYS_bpf, cmd, a, size);
}

typedef long (*bpf_fn)(int cmd, union bpf_attr *a, unsigned size);

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

__attribute__((format(printf, 2, 3))) static void finding(struct fv_result *r, const char *fmt, ...)
{
	if (r->finding)
		return; /* the first one says most */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->what, sizeof r->what, fmt, ap);
	va_end(ap);
	r->finding = true;
}

static uint32_t map_type(uint8_t kind)
{
	static const uint32_t t[FV_MAP_KINDS] = {
	        [FV_MAP_ARRAY] = BPF_MAP_TYPE_ARRAY,
	        [FV_MAP_HASH] = BPF_MAP_TYPE_HASH,
	        [FV_MAP_RINGBUF] = BPF_MAP_TYPE_RINGBUF,
	        [FV_MAP_RODATA] = BPF_MAP_TYPE_ARRAY,
	        [FV_MAP_PROG_ARRAY] = BPF_MAP_TYPE_PROG_ARRAY,
	        [FV_MAP_PERCPU_ARRAY] = BPF_MAP_TYPE_PERCPU_ARRAY,
	        [FV_MAP_LRU_HASH] = BPF_MAP_TYPE_LRU_HASH,
	        [FV_MAP_QUEUE] = BPF_MAP_TYPE_QUEUE,
	        [FV_MAP_STACK] = BPF_MAP_TYPE_STACK,
	};
	return t[kind % FV_MAP_KINDS];
}

static uint32_t map_flags(const struct fv_map *m)
{
	uint32_t f = 0;
	if ((m->flags & FV_MF_NO_PREALLOC) && m->kind == FV_MAP_HASH)
		f |= BPF_F_NO_PREALLOC;
	if ((m->flags & FV_MF_MMAPABLE) && m->kind == FV_MAP_ARRAY && m->lock_off == FV_NO_LOCK)
		f |= BPF_F_MMAPABLE;
	bool data = m->kind != FV_MAP_RINGBUF && m->kind != FV_MAP_PROG_ARRAY;
	if (data && (m->flags & FV_MF_RDONLY_PROG))
		f |= BPF_F_RDONLY_PROG;
	else if (data && (m->flags & FV_MF_WRONLY_PROG))
		f |= BPF_F_WRONLY_PROG;
	return f;
}

/* Deterministic contents: array and hash elements 0..3, two queue/stack pushes. */
static int fill_map(bpf_fn bpf, int fd, const struct fv_map *m, bool wild, struct rng *g)
{
	uint8_t key[64], val[1024];
	bool push = m->kind == FV_MAP_QUEUE || m->kind == FV_MAP_STACK;
	bool keyed = m->kind == FV_MAP_ARRAY || m->kind == FV_MAP_RODATA ||
	             m->kind == FV_MAP_HASH || m->kind == FV_MAP_LRU_HASH;
	if (!push && !keyed)
		return 0;
	uint32_t n = push ? 2 : m->max_entries < 4 ? m->max_entries : 4;
	for (uint32_t e = 0; e < n; e++) {
		memset(key, 0, sizeof key);
		memcpy(key, &e, m->key_size < 4 ? m->key_size : 4);
		/* small numbers in each 32-bit word (a value used as a loop bound or an
		 * offset stays cheap to verify), random bytes for one seed in eight */
		for (uint32_t v = 0; v < m->value_size; v++)
			val[v] = wild ? (uint8_t)rnd(g) : v % 4 ? 0 : (uint8_t)(rnd(g) % 32);
		if (m->lock_off != FV_NO_LOCK)
			memset(val + m->lock_off, 0, 4);
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)fd;
		a.key = push ? 0 : ptr(key);
		a.value = ptr(val);
		if (bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof a) < 0)
			return -errno;
	}
	return 0;
}

static bool load_errno_known(int e)
{
	switch (e) {
	case EINVAL:
	case EACCES:
	case EPERM:
	case E2BIG:
	case ENOSPC:
	case EFAULT: /* the kernel's "verifier bug" and a few ctx conversions */
	case ENOTSUPP_K:
	case EOPNOTSUPP:
	case ENOMEM:
	case EBUSY:
	case ENOENT:
	case EBADF:
	case EDEADLK:
	case ERANGE:
	case ELOOP:
	case ENXIO:
	case EEXIST:
	case EPROTO: /* a map index without fd_array, as the kernel */
		return true;
	default:
		return false;
	}
}

/* The program as loaded: map references become fd_array indices below nr_maps. */
static struct bpf_insn *fixed_insns(const struct fv_prog *p)
{
	struct bpf_insn *in = malloc(p->cnt ? p->cnt * sizeof *in : 1);
	if (!in)
		abort();
	memcpy(in, p->insns, p->cnt * sizeof *in);
	for (uint32_t i = 0; i + 1 < p->cnt; i++) {
		if (in[i].code != (BPF_LD | BPF_IMM | BPF_DW))
			continue;
		uint8_t s = in[i].src_reg;
		if (p->nr_maps && (s == BPF_PSEUDO_MAP_FD || s == BPF_PSEUDO_MAP_IDX ||
		                   s == BPF_PSEUDO_MAP_VALUE || s == BPF_PSEUDO_MAP_IDX_VALUE)) {
			bool value = s == BPF_PSEUDO_MAP_VALUE || s == BPF_PSEUDO_MAP_IDX_VALUE;
			in[i].src_reg = value ? BPF_PSEUDO_MAP_IDX_VALUE : BPF_PSEUDO_MAP_IDX;
			in[i].imm = (int32_t)((uint32_t)in[i].imm % p->nr_maps);
		}
		i++;
	}
	return in;
}

/* Environment switches userbpf reads at load / at the first run (not the kernel's). */
static void set_env(const char *name, bool on)
{
	if (on)
		setenv(name, "1", 1);
	else
		unsetenv(name);
}

/* BPF_OBJ_GET_INFO_BY_FD with every variable-length array asked for: the code that hands
 * back the rewritten program and its func/line info runs on every accepted input. */
static void read_info(bpf_fn bpf, int fd, struct fv_result *r)
{
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = ptr(&info);
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0) {
		finding(r, "OBJ_GET_INFO_BY_FD of an accepted program: %s", strerror(errno));
		return;
	}
	uint32_t xl = info.xlated_prog_len, nf = info.nr_func_info, nl = info.nr_line_info;
	uint32_t fs = info.func_info_rec_size, ls = info.line_info_rec_size;
	if (xl > (64u << 20) || nf > 65536 || nl > 65536 || fs > 64 || ls > 64) {
		finding(r, "OBJ_GET_INFO_BY_FD: absurd sizes (xlated %u, %u func, %u line)", xl, nf,
		        nl);
		return;
	}
	void *x = malloc(xl + 1), *f = malloc((size_t)nf * fs + 1),
	     *l = malloc((size_t)nl * ls + 1);
	if (!x || !f || !l)
		abort();
	memset(&info, 0, sizeof info);
	info.xlated_prog_len = xl;
	info.xlated_prog_insns = ptr(x);
	info.nr_func_info = nf;
	info.func_info_rec_size = fs;
	info.func_info = ptr(f);
	info.nr_line_info = nl;
	info.line_info_rec_size = ls;
	info.line_info = ptr(l);
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = ptr(&info);
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof a) < 0)
		finding(r, "OBJ_GET_INFO_BY_FD with buffers: %s", strerror(errno));
	free(x);
	free(f);
	free(l);
}

/* Packet lengths the runs use: the Ethernet header alone, common headers, MTU. */
static const uint32_t pkt_lens[] = {14, 15, 34, 42, 54, 60, 64, 128, 512, 1514};

static uint32_t make_packet(struct rng *g, unsigned shape, uint8_t *pkt)
{
	uint32_t len = pkt_lens[shape % (sizeof pkt_lens / sizeof pkt_lens[0])];
	for (uint32_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)rnd(g);
	if ((shape & 16) == 0 && len >= 34) { /* Ethernet + IPv4 + TCP/UDP, ihl 5..15 */
		pkt[12] = 0x08;
		pkt[13] = 0x00;
		pkt[14] = (uint8_t)(0x40 | (5 + rnd(g) % 11));
		pkt[23] = shape & 32 ? 17 : 6;
	}
	return len;
}

static void test_run(bpf_fn bpf, const struct fv_prog *p, int fd, int round, struct rng *g,
                     struct fv_result *r)
{
	const struct fv_type *t = &fv_types[p->type];
	static uint8_t pkt[1514], out[OUT_SIZE];
	uint64_t args[12];
	static uint8_t ctx[4096];
	struct bpf_sk_lookup skl;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	switch (t->run) {
	case FV_RUN_PKT: {
		unsigned shape = (unsigned)(p->runs >> (2 * round)) ^ (unsigned)rnd(g);
		a.test.data_in = ptr(pkt);
		a.test.data_size_in = make_packet(g, shape, pkt);
		a.test.data_out = ptr(out);
		a.test.data_size_out = sizeof out;
		break;
	}
	case FV_RUN_ARGS: { /* no ctx_in, one argument, six, all twelve */
		static const uint32_t sizes[] = {0, 8, 48, 96};
		for (int i = 0; i < 12; i++)
			args[i] = rnd(g);
		a.test.ctx_size_in = sizes[(p->runs >> (2 * round)) & 3];
		a.test.ctx_in = a.test.ctx_size_in ? ptr(args) : 0;
		break;
	}
	case FV_RUN_CTX: { /* the program's own memory: none, 8, 64 or 4096 bytes */
		static const uint32_t sizes[] = {0, 8, 64, sizeof ctx};
		for (size_t i = 0; i < sizeof ctx; i++)
			ctx[i] = (uint8_t)rnd(g);
		a.test.ctx_size_in = sizes[(p->runs >> (2 * round)) & 3];
		a.test.ctx_in = a.test.ctx_size_in ? ptr(ctx) : 0;
		break;
	}
	case FV_RUN_SK_LOOKUP:
		memset(&skl, 0, sizeof skl);
		skl.family = 2; /* AF_INET */
		skl.protocol = rnd(g) & 1 ? 6 : 17;
		skl.remote_ip4 = (uint32_t)rnd(g);
		skl.local_ip4 = (uint32_t)rnd(g);
		skl.remote_port = (uint16_t)rnd(g);
		skl.local_port = (uint16_t)rnd(g);
		a.test.ctx_in = ptr(&skl);
		a.test.ctx_size_in = sizeof skl;
		break;
	default:
		return;
	}
	int idx = r->runs++;
	if (bpf(BPF_PROG_TEST_RUN, &a, sizeof a) == 0) {
		r->retvals[idx] = a.test.retval;
		return;
	}
	int e = errno;
	r->run_errno[idx] = e;
	switch (e) {
	case EINVAL:
	case ENOTSUPP_K:
	case EOPNOTSUPP:
	case ENOSPC:
	case EPERM:
		r->unsupported++;
		break;
	case E2BIG:
		r->budget++;
		break;
	default:
		finding(r,
		        "guard trip: TEST_RUN of a verified %s program failed with %s (run %d, "
		        "%u-byte input)",
		        t->name, strerror(e), round, a.test.data_size_in + a.test.ctx_size_in);
		break;
	}
}

static void check_log(const char *log, uint32_t size, const union bpf_attr *a, int err,
                      struct fv_result *r)
{
	const char *nul = memchr(log, 0, size);
	bool touched = false;
	for (uint32_t i = 0; i < size && !touched; i++)
		touched = log[i] != 0x7f;
	if (!touched)
		return; /* refused before the verifier ran (attr checks): the kernel's too */
	if (!nul) {
		finding(r, "verifier log is not NUL-terminated within log_size %u", size);
		return;
	}
	uint32_t used = (uint32_t)(nul - log) + 1;
	if (a->log_true_size < used)
		finding(r, "log_true_size %u < the %u bytes the log holds", a->log_true_size, used);
	if (err == ENOSPC && a->log_true_size <= size)
		finding(r, "ENOSPC although log_true_size %u fits log_size %u", a->log_true_size,
		        size);
}

int fv_exec(const struct fv_prog *p, const struct fv_opts *o, struct fv_result *r)
{
	memset(r, 0, sizeof *r);
	bpf_fn bpf = o->kernel ? kernel_bpf : userbpf_sys_bpf;
	const struct fv_type *t = &fv_types[p->type % fv_nr_types];
	struct rng g = {0xf0220000u + p->seed};
	int map_fds[FV_MAX_MAPS], nr_fds = 0, btf_fd = -1, prog_fd = -1;
	union bpf_attr a;

	/* BTF: func_info and spin-lock values */
	uint32_t func_ids[FV_MAX_FUNCS] = {0}, val_ids[FV_MAX_MAPS] = {0}, int_id = 0;
	bool need_btf = p->nr_funcs > 0;
	for (int i = 0; i < p->nr_maps; i++)
		need_btf |= p->maps[i].lock_off != FV_NO_LOCK;
	if (need_btf) {
		uint32_t len;
		void *blob = fv_btf_build(p, &len, func_ids, val_ids, &int_id);
		memset(&a, 0, sizeof a);
		a.btf = ptr(blob);
		a.btf_size = len;
		btf_fd = (int)bpf(BPF_BTF_LOAD, &a, sizeof a);
		free(blob);
		if (btf_fd < 0) {
			r->outcome = FV_SETUP_FAILED;
			snprintf(r->what, sizeof r->what, "BTF_LOAD: %s", strerror(errno));
			goto out;
		}
	}
	for (int i = 0; i < p->nr_maps; i++) {
		const struct fv_map *m = &p->maps[i];
		memset(&a, 0, sizeof a);
		a.map_type = map_type(m->kind);
		a.key_size = m->key_size;
		a.value_size = m->value_size;
		a.max_entries = m->max_entries;
		a.map_flags = map_flags(m);
		if (m->lock_off != FV_NO_LOCK) {
			a.btf_fd = (uint32_t)btf_fd;
			a.btf_key_type_id = int_id;
			a.btf_value_type_id = val_ids[i];
		}
		int fd = (int)bpf(BPF_MAP_CREATE, &a, sizeof a);
		int err = fd < 0 ? -errno : 0;
		if (fd >= 0)
			map_fds[nr_fds++] = fd;
		if (!err && (m->flags & FV_MF_FILL))
			err = fill_map(bpf, fd, m, (p->seed & 0xe0) == 0xe0, &g);
		if (!err && (m->flags & FV_MF_FREEZE)) {
			memset(&a, 0, sizeof a);
			a.map_fd = (uint32_t)fd;
			if (bpf(BPF_MAP_FREEZE, &a, sizeof a) < 0)
				err = -errno;
		}
		if (err) {
			r->outcome = FV_SETUP_FAILED;
			snprintf(r->what, sizeof r->what, "map %d: %s", i, strerror(-err));
			goto out;
		}
	}

	uint32_t starts[FV_MAX_FUNCS + 1];
	struct bpf_func_info finfo[FV_MAX_FUNCS];
	if (p->nr_funcs) {
		struct userbpf_error e;
		int n = userbpf_isa_subprogs(p->insns, p->cnt, starts, FV_MAX_FUNCS + 1, &e);
		for (int i = 0; i < p->nr_funcs; i++) {
			finfo[i].insn_off = i < n ? starts[i] : p->cnt;
			finfo[i].type_id = func_ids[i];
		}
	}
	struct bpf_insn *insns = fixed_insns(p);
	uint32_t level = p->flags & FV_F_LOG_MASK;
	if (level == 3)
		level = 2 | 4; /* BPF_LOG_STATS */
	uint32_t log_size = p->flags & FV_F_SMALL_LOG ? LOG_SMALL : LOG_BIG;
	char *log = level ? malloc(log_size) : NULL;
	if (level && !log)
		abort();
	if (log)
		memset(log, 0x7f, log_size); /* no NUL unless the verifier writes one */
	memset(&a, 0, sizeof a);
	a.prog_type = t->prog_type;
	a.expected_attach_type = t->attach_type;
	a.insns = ptr(insns);
	a.insn_cnt = p->cnt;
	a.license = ptr(p->flags & FV_F_PROPRIETARY ? "Proprietary" : "GPL");
	if (log) {
		a.log_level = level;
		a.log_buf = ptr(log);
		a.log_size = log_size;
	}
	if (p->flags & FV_F_STRICT_ALIGN)
		a.prog_flags |= BPF_F_STRICT_ALIGNMENT;
	if (p->flags & FV_F_STATE_FREQ)
		a.prog_flags |= BPF_F_TEST_STATE_FREQ;
	if (t->prog_type == BPF_PROG_TYPE_SYSCALL) /* "Syscall programs can only be sleepable" */
		a.prog_flags |= BPF_F_SLEEPABLE;
	if (nr_fds)
		a.fd_array = ptr(map_fds);
	if (p->nr_funcs) {
		a.prog_btf_fd = (uint32_t)btf_fd;
		a.func_info = ptr(finfo);
		a.func_info_rec_size = sizeof finfo[0];
		a.func_info_cnt = p->nr_funcs;
	}
	memcpy(a.prog_name, "fv", 3);
	if (!o->kernel) { /* the verifier inlines array lookups unless told not to */
		set_env("USERBPF_NO_INLINE", p->flags & FV_F_NO_INLINE);
		set_env("USERBPF_UNPRIVILEGED", p->flags & FV_F_UNPRIV);
	}
	errno = 0;
	prog_fd = (int)bpf(BPF_PROG_LOAD, &a, sizeof a);
	int err = prog_fd < 0 ? errno : 0;
	if (!o->kernel) {
		set_env("USERBPF_NO_INLINE", false);
		set_env("USERBPF_UNPRIVILEGED", false);
	}
	free(insns);
	r->outcome = prog_fd >= 0 ? FV_ACCEPTED : FV_REJECTED;
	r->load_errno = err;
	if (prog_fd < 0 && !o->kernel && !load_errno_known(err))
		finding(r, "PROG_LOAD failed with %s (%d), not an errno the verifier returns",
		        err ? strerror(err) : "no errno", err);
	if (log && !o->kernel)
		check_log(log, log_size, &a, err, r);
	if (log && o->keep_log) {
		log[log_size - 1] = 0;
		r->log = strdup(log);
	}
	free(log);
	if (prog_fd < 0)
		goto out;

	read_info(bpf, prog_fd, r);
	for (int i = 0; i < p->nr_maps; i++) {
		if (p->maps[i].kind != FV_MAP_PROG_ARRAY)
			continue;
		uint32_t key = 0, val = (uint32_t)prog_fd; /* a self tail call: the count limit */
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)map_fds[i];
		a.key = ptr(&key);
		a.value = ptr(&val);
		bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof a);
	}
	if (o->run && t->run != FV_RUN_NONE) {
		unsigned n = 1 + p->runs % MAX_RUNS;
		for (unsigned i = 0; i < n && !r->finding; i++)
			test_run(bpf, p, prog_fd, (int)i, &g, r);
	}
out:
	if (prog_fd >= 0)
		close(prog_fd);
	for (int i = 0; i < nr_fds; i++)
		close(map_fds[i]);
	if (btf_fd >= 0)
		close(btf_fd);
	if (r->finding && !o->quiet)
		fprintf(stderr, "fuzz_verifier finding: %s\n", r->what);
	return 0;
}

void fv_result_free(struct fv_result *r)
{
	free(r->log);
	r->log = NULL;
}
