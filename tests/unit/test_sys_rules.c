/* test_sys_rules.c — more of bpf(2)'s rules, ours against the host kernel's (Linux 6.18):
 *   bad pointers: EFAULT wherever the kernel copies from or to the caller (never a crash);
 *   OBJ_GET_INFO_BY_FD of a map at 6.18's size: fields read from the caller's struct, the
 *     frozen-array SHA-256, the tail rules;
 *   mmap() of map fds and MAP_FREEZE with writable mappings (EBUSY / EPERM / ...);
 *   references: an inner map or a program in a map slot lives after its last fd is closed
 *     and goes with the slot.
 * The kernel's answers are in tests/fixtures/sys_rules_kernel.txt (sys_harness.h); with
 * USERBPF_UPDATE_FIXTURES=1 they are recorded again from the running kernel.
 */
#include "sys_harness.h"

#include <time.h>

#define FIXTURE USERBPF_FIXTURES_DIR "/sys_rules_kernel.txt"

/* Addresses that cannot be read: the first page, a page just unmapped, the kernel half. */
static void bad_ptrs(void *p[3])
{
	p[0] = (void *)8;
	void *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(q, 4096);
	p[1] = q;
	p[2] = (void *)(uintptr_t)0xffff880000000000ull;
}

/* Three results "A,B,C" of f applied to each bad pointer. */
#define FOR_BAD(out, expr)                                                                         \
	do {                                                                                       \
		void *bp[3];                                                                       \
		char r_[3][16];                                                                    \
		bad_ptrs(bp);                                                                      \
		for (int i_ = 0; i_ < 3; i_++) {                                                   \
			void *bad = bp[i_];                                                        \
			sc_res(r_[i_], (expr));                                                    \
		}                                                                                  \
		sprintf(out, "%s,%s,%s", r_[0], r_[1], r_[2]);                                     \
	} while (0)

/* --- EFAULT --- */
SC(efault_lookup_key)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint64_t v;
	FOR_BAD(out, sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, bad, &v, 0));
	sc_close(m);
}
SC(efault_lookup_value)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1, missing = 2;
	uint64_t v = 7;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	char r[16];
	FOR_BAD(out, sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, bad, 0));
	sc_res(r, sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &missing, (void *)8, 0));
	sprintf(out + strlen(out), " missing=%s", r);
	sc_close(m);
}
SC(efault_array_value)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	uint32_t k = 1;
	char r[16];
	FOR_BAD(out, sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, bad, 0));
	sc_res(r, sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, (void *)8, 0));
	sprintf(out + strlen(out), " update=%s", r);
	sc_close(m);
}
SC(efault_update)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1, n = 0;
	uint64_t v = 7;
	char r[16];
	FOR_BAD(out, sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, bad, 0));
	sc_res(r, sc_elem(env, BPF_MAP_UPDATE_ELEM, m, (void *)8, &v, 0));
	uint32_t next;
	for (int rr = (int)sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, NULL, &next, 0); !rr;
	     rr = (int)sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &next, &next, 0))
		n++;
	sprintf(out + strlen(out), " key=%s left=%u", r, n);
	sc_close(m);
}
SC(efault_delete)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	FOR_BAD(out, sc_elem(env, BPF_MAP_DELETE_ELEM, m, bad, NULL, 0));
	sc_close(m);
}
SC(efault_next_key)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1, next;
	uint64_t v = 7;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	char r[16];
	FOR_BAD(out, sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, NULL, bad, 0));
	sc_res(r, sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, (void *)8, &next, 0));
	sprintf(out + strlen(out), " key=%s", r);
	sc_close(m);
}
SC(efault_lookup_and_delete)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1;
	uint64_t v = 7;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	char r[2][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, (void *)8, 0));
	/* the kernel deletes before it copies out: the element is gone */
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0));
	sprintf(out, "%s,%s", r[0], r[1]);
	sc_close(m);
}
SC(efault_attr)
{
	char r[3][16];
	sc_res(r[0], env->bpf(BPF_MAP_LOOKUP_ELEM, (union bpf_attr *)8, 32));
	sc_res(r[1], env->bpf(BPF_MAP_CREATE, (union bpf_attr *)8, sizeof(union bpf_attr)));
	void *bp[3];
	bad_ptrs(bp);
	sc_res(r[2], env->bpf(BPF_MAP_UPDATE_ELEM, bp[1], 32));
	sprintf(out, "%s,%s,%s", r[0], r[1], r[2]);
}
SC(efault_path)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	union bpf_attr a;
	char r[2][16];
	memset(&a, 0, sizeof a);
	a.bpf_fd = (uint32_t)m;
	a.pathname = 8;
	sc_res(r[0], sc_call(env, BPF_OBJ_PIN, &a));
	memset(&a, 0, sizeof a);
	a.pathname = 8;
	sc_res(r[1], sc_call(env, BPF_OBJ_GET, &a));
	sprintf(out, "%s,%s", r[0], r[1]);
	sc_close(m);
}
SC(efault_info)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	FOR_BAD(out, ({
		        union bpf_attr a;
		        memset(&a, 0, sizeof a);
		        a.info.bpf_fd = (uint32_t)m;
		        a.info.info_len = sizeof(struct bpf_map_info);
		        a.info.info = (uintptr_t)bad;
		        sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	        }));
	sc_close(m);
}
SC(efault_batch)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 8, 0);
	uint32_t keys[4] = {1, 2, 3, 4}, count;
	uint64_t vals[4] = {10, 20, 30, 40}, outb;
	union bpf_attr a;
	char r[4][16];
	memset(&a, 0, sizeof a);
	a.batch.map_fd = (uint32_t)m;
	a.batch.keys = 8;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = 4;
	sc_res(r[0], sc_call(env, BPF_MAP_UPDATE_BATCH, &a));
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = 8;
	a.batch.count = 4;
	sc_res(r[1], sc_call(env, BPF_MAP_UPDATE_BATCH, &a));
	count = a.batch.count;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = 4;
	sc_call(env, BPF_MAP_UPDATE_BATCH, &a);
	memset(&a, 0, sizeof a);
	a.batch.map_fd = (uint32_t)m;
	a.batch.out_batch = (uintptr_t)&outb;
	a.batch.keys = 8;
	a.batch.values = (uintptr_t)vals;
	a.batch.count = 4;
	sc_res(r[2], sc_call(env, BPF_MAP_LOOKUP_BATCH, &a));
	a.batch.keys = (uintptr_t)keys;
	a.batch.out_batch = 8;
	a.batch.count = 4;
	sc_res(r[3], sc_call(env, BPF_MAP_LOOKUP_BATCH, &a));
	sprintf(out, "%s,%s count=%u,%s,%s", r[0], r[1], count, r[2], r[3]);
	sc_close(m);
}
SC(efault_btf)
{
	unsigned char blob[128];
	size_t n = sc_btf_blob(blob);
	char r[3][16];
	sc_res(r[0], sc_btf_load(env, (void *)8, n, NULL, 0, 0));
	long fd = sc_btf_load(env, blob, n, (char *)8, 256, 1);
	sc_res(r[1], fd);
	if (fd >= 0)
		sc_close((int)fd);
	sc_res(r[2], sc_btf_load(env, NULL, n, NULL, 0, 0));
	sprintf(out, "%s,%s,%s", r[0], r[1], r[2]);
}

/* --- OBJ_GET_INFO_BY_FD of a map, Linux 6.18 --- */
static long info_call(struct sc_env *env, int fd, void *buf, uint32_t len, uint32_t *len_out)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uintptr_t)buf;
	long r = sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	if (len_out)
		*len_out = a.info.info_len;
	return r;
}
SC(info_618_fields)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct bpf_map_info in;
	memset(&in, 0, sizeof in);
	in.type = 99;
	in.map_flags = 7;
	in.ifindex = 7;
	in.btf_vmlinux_value_type_id = 9;
	in.netns_dev = 5;
	in.netns_ino = 6;
	in.btf_id = 11;
	in.btf_key_type_id = 12;
	in.btf_value_type_id = 13;
	in.btf_vmlinux_id = 14;
	in.map_extra = 15;
	uint32_t len;
	long r = info_call(env, m, &in, sizeof in, &len);
	sprintf(out,
	        "%ld len=%u type=%u flags=%u ifindex=%u bvvt=%u netns=%llu/%llu btf=%u/%u/%u "
	        "vmlinux=%u extra=%llu",
	        r, len, in.type, in.map_flags, in.ifindex, in.btf_vmlinux_value_type_id,
	        (unsigned long long)in.netns_dev, (unsigned long long)in.netns_ino, in.btf_id,
	        in.btf_key_type_id, in.btf_value_type_id, in.btf_vmlinux_id,
	        (unsigned long long)in.map_extra);
	sc_close(m);
}
SC(info_618_tail)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	static const int at[] = {99, 100, 103, 104, 150};
	static const uint32_t lens[] = {104, 104, 104, 256, 256};
	char r[5][16];
	uint32_t len[5];
	for (int i = 0; i < 5; i++) {
		unsigned char buf[256];
		memset(buf, 0, sizeof buf);
		buf[at[i]] = 1;
		sc_res(r[i], info_call(env, m, buf, lens[i], &len[i]));
	}
	unsigned char buf[256];
	memset(buf, 0, sizeof buf);
	uint32_t l100, l200;
	long r100 = info_call(env, m, buf, 100, &l100), r200 = info_call(env, m, buf, 200, &l200);
	sprintf(out, "%s,%s,%s,%s,%s 100:%ld=%u 200:%ld=%u", r[0], r[1], r[2], r[3], r[4], r100,
	        l100, r200, l200);
	sc_close(m);
}
static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}
SC(info_618_hash)
{
	int a = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 5, 3, 0);
	uint32_t k = 1;
	uint8_t v[5] = {1, 2, 3, 4, 5};
	sc_elem(env, BPF_MAP_UPDATE_ELEM, a, &k, v, 0);
	struct bpf_map_info in;
	uint8_t digest[40];
	char r[8][16];
	memset(&in, 0, sizeof in);
	in.hash = (uintptr_t)digest;
	in.hash_size = 32;
	sc_res(r[0], info_call(env, a, &in, sizeof in, NULL)); /* not frozen */
	sc_elem(env, BPF_MAP_FREEZE, a, NULL, NULL, 0);
	memset(digest, 0xaa, sizeof digest);
	memset(&in, 0, sizeof in);
	in.hash = (uintptr_t)digest;
	in.hash_size = 32;
	sc_res(r[1], info_call(env, a, &in, sizeof in, NULL));
	char dhex[80];
	hex(dhex, digest, 33);
	in.hash_size = 31;
	sc_res(r[2], info_call(env, a, &in, sizeof in, NULL));
	in.hash_size = 32;
	in.hash = 8;
	sc_res(r[3], info_call(env, a, &in, sizeof in, NULL));
	memset(&in, 0, sizeof in);
	in.hash_size = 32;
	sc_res(r[4], info_call(env, a, &in, sizeof in, NULL));
	memset(&in, 0, sizeof in);
	in.hash = (uintptr_t)digest;
	in.hash_size = 32;
	sc_res(r[5], info_call(env, a, &in, 96, NULL)); /* hash_size cut off */
	int h = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	int p = sc_map(env, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0);
	sc_elem(env, BPF_MAP_FREEZE, h, NULL, NULL, 0);
	sc_elem(env, BPF_MAP_FREEZE, p, NULL, NULL, 0);
	sc_res(r[6], info_call(env, h, &in, sizeof in, NULL));
	sc_res(r[7], info_call(env, p, &in, sizeof in, NULL));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s sha=%s", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
	        r[7], dhex);
	sc_close(a);
	sc_close(h);
	sc_close(p);
}

/* --- mmap() of map fds, MAP_FREEZE and writable mappings --- */
static const char *mm(int fd, size_t len, int prot, int flags, off_t off, void **p, char *buf)
{
	*p = mmap(NULL, len, prot, flags, fd, off);
	if (*p != MAP_FAILED)
		return "ok";
	int e = errno;
	sc_res(buf, -e);
	return buf;
}
SC(mmap_freeze)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 512, BPF_F_MMAPABLE);
	void *p, *q, *x;
	char b[8][16], f[4][16];
	const char *r0 = mm(m, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &p, b[0]);
	sc_res(f[0], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	if (p != MAP_FAILED)
		munmap(p, 4096);
	const char *r1 = mm(m, 4096, PROT_READ, MAP_SHARED, 0, &q, b[1]);
	sc_res(f[1], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	const char *r2 = mm(m, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &x, b[2]);
	if (x != MAP_FAILED)
		munmap(x, 4096);
	const char *r3 = mm(m, 4096, PROT_READ, MAP_SHARED, 0, &x, b[3]);
	if (x != MAP_FAILED)
		munmap(x, 4096);
	const char *r4 = mm(m, 4096, PROT_READ, MAP_PRIVATE, 0, &x, b[4]);
	if (x != MAP_FAILED)
		munmap(x, 4096);
	if (q != MAP_FAILED)
		munmap(q, 4096);
	sprintf(out, "rw=%s freeze=%s ro=%s freeze=%s rw_frozen=%s ro_frozen=%s private=%s", r0,
	        f[0], r1, f[1], r2, r3, r4);
	sc_close(m);
}
SC(mmap_rules)
{
	int h = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 512, 0);
	int a = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 512, 0);
	int ro = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 512, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG);
	int mm_ = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 512, BPF_F_MMAPABLE);
	void *x;
	char b[6][16];
	const char *r[6];
	r[0] = mm(h, 4096, PROT_READ, MAP_SHARED, 0, &x, b[0]);
	r[1] = mm(a, 4096, PROT_READ, MAP_SHARED, 0, &x, b[1]);
	r[2] = mm(ro, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &x, b[2]);
	r[3] = mm(ro, 4096, PROT_READ, MAP_SHARED, 0, &x, b[3]);
	if (x != MAP_FAILED)
		munmap(x, 4096);
	r[4] = mm(mm_, 8192, PROT_READ, MAP_SHARED, 0, &x, b[4]); /* past the values */
	r[5] = mm(mm_, 4096, PROT_READ, MAP_SHARED, 4096, &x, b[5]);
	sprintf(out, "hash=%s plain_array=%s rdonly_prog_rw=%s rdonly_prog_ro=%s past=%s off=%s",
	        r[0], r[1], r[2], r[3], r[4], r[5]);
	sc_close(h);
	sc_close(a);
	sc_close(ro);
	sc_close(mm_);
}
/* A writable mapping held by a child process (inherited through fork) blocks FREEZE until
 * the child is gone. */
SC(mmap_freeze_child)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 512, BPF_F_MMAPABLE);
	void *p;
	char b[16], f[2][16];
	const char *r = mm(m, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, 0, &p, b);
	int pipefd[2];
	if (pipe(pipefd) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(pipefd[1]);
		if (read(pipefd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pipefd[0]);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	sc_res(f[0], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	close(pipefd[1]);
	waitpid(pid, NULL, 0);
	sc_res(f[1], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	sprintf(out, "rw=%s child_holds=%s child_gone=%s", r, f[0], f[1]);
	sc_close(m);
}

/* --- references held by map slots --- */
static uint32_t obj_id(struct sc_env *env, int fd)
{
	struct bpf_map_info info;
	memset(&info, 0, sizeof info);
	info_call(env, fd, &info, sizeof info, NULL);
	return info.id;
}
/* GET_FD_BY_ID until it fails (the kernel frees after an RCU grace period), at most 2 s. */
static const char *gone(struct sc_env *env, int cmd, uint32_t id, char *buf)
{
	for (int i = 0; i < 200; i++) {
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.map_id = id;
		long fd = sc_call(env, cmd, &a);
		if (fd < 0) {
			sc_res(buf, fd);
			return buf;
		}
		sc_close((int)fd);
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return "alive";
}
static const char *alive(struct sc_env *env, int cmd, uint32_t id, char *buf)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_id = id;
	long fd = sc_call(env, cmd, &a);
	sc_res(buf, fd);
	sc_close((int)fd);
	return buf;
}
SC(inner_map_lives)
{
	int tmpl = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	int inner = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	union bpf_attr c;
	memset(&c, 0, sizeof c);
	c.map_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	c.key_size = 4;
	c.value_size = 4;
	c.max_entries = 2;
	c.inner_map_fd = (uint32_t)tmpl;
	int outer = (int)sc_call(env, BPF_MAP_CREATE, &c);
	sc_close(tmpl);
	uint32_t id = obj_id(env, inner), k = 0, v = (uint32_t)inner;
	char r[4][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, outer, &k, &v, 0));
	close(inner); /* plain close(2): the slot holds the map */
	const char *held = alive(env, BPF_MAP_GET_FD_BY_ID, id, r[1]);
	sc_res(r[2], sc_elem(env, BPF_MAP_DELETE_ELEM, outer, &k, NULL, 0));
	const char *after = gone(env, BPF_MAP_GET_FD_BY_ID, id, r[3]);
	sprintf(out, "update=%s held=%s delete=%s after=%s", r[0], held, r[2], after);
	sc_close(outer);
}
SC(inner_map_replaced)
{
	int tmpl = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	int a = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	int b = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	union bpf_attr c;
	memset(&c, 0, sizeof c);
	c.map_type = BPF_MAP_TYPE_HASH_OF_MAPS;
	c.key_size = 8;
	c.value_size = 4;
	c.max_entries = 2;
	c.inner_map_fd = (uint32_t)tmpl;
	int outer = (int)sc_call(env, BPF_MAP_CREATE, &c);
	sc_close(tmpl);
	uint32_t ida = obj_id(env, a), idb = obj_id(env, b), v;
	uint64_t k = 0x1122334455667788ull;
	char r[4][16];
	v = (uint32_t)a;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, outer, &k, &v, 0);
	close(a);
	v = (uint32_t)b;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, outer, &k, &v, 0); /* a's only hold goes */
	close(b);
	const char *agone = gone(env, BPF_MAP_GET_FD_BY_ID, ida, r[0]);
	const char *bheld = alive(env, BPF_MAP_GET_FD_BY_ID, idb, r[1]);
	sc_close(outer); /* the outer map goes: so does b */
	const char *bgone = gone(env, BPF_MAP_GET_FD_BY_ID, idb, r[2]);
	sprintf(out, "a=%s b=%s b_after_outer=%s", agone, bheld, bgone);
}
SC(prog_array_holds_prog)
{
	static const struct bpf_insn prog[] = {
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1},
	        {.code = BPF_JMP | BPF_EXIT}};
	union bpf_attr l;
	memset(&l, 0, sizeof l);
	l.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	l.insns = (uintptr_t)prog;
	l.insn_cnt = 2;
	l.license = (uintptr_t) "GPL";
	int pfd = (int)sc_call(env, BPF_PROG_LOAD, &l);
	int pa = sc_map(env, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	info_call(env, pfd, &info, sizeof info, NULL);
	uint32_t id = info.id, k = 1, v = (uint32_t)pfd;
	char r[4][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, pa, &k, &v, 0));
	close(pfd);
	const char *held = alive(env, BPF_PROG_GET_FD_BY_ID, id, r[1]);
	sc_res(r[2], sc_elem(env, BPF_MAP_DELETE_ELEM, pa, &k, NULL, 0));
	const char *after = gone(env, BPF_PROG_GET_FD_BY_ID, id, r[3]);
	sprintf(out, "update=%s held=%s delete=%s after=%s", r[0], held, r[2], after);
	sc_close(pa);
}

/* A program that tail-calls through a prog array holding that very program: once users
 * let go of both, the prog array lets go of its slots (the kernel's uref) and both go. */
SC(prog_array_cycle)
{
	int pa = sc_map(env, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	struct bpf_insn prog[] = {{.code = BPF_LD | BPF_DW | BPF_IMM,
	                           .dst_reg = 2,
	                           .src_reg = BPF_PSEUDO_MAP_FD,
	                           .imm = pa},
	                          {0},
	                          {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = 0},
	                          {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_tail_call},
	                          {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
	                          {.code = BPF_JMP | BPF_EXIT}};
	union bpf_attr l;
	memset(&l, 0, sizeof l);
	l.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	l.insns = (uintptr_t)prog;
	l.insn_cnt = sizeof prog / sizeof prog[0];
	l.license = (uintptr_t) "GPL";
	int pfd = (int)sc_call(env, BPF_PROG_LOAD, &l);
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	info_call(env, pfd, &info, sizeof info, NULL);
	uint32_t pid = info.id, mid = obj_id(env, pa), k = 0, v = (uint32_t)pfd;
	char r[4][16];
	sc_res(r[0], pfd);
	sc_res(r[1], sc_elem(env, BPF_MAP_UPDATE_ELEM, pa, &k, &v, 0));
	close(pfd);
	close(pa);
	const char *pgone = gone(env, BPF_PROG_GET_FD_BY_ID, pid, r[2]);
	const char *mgone = gone(env, BPF_MAP_GET_FD_BY_ID, mid, r[3]);
	sprintf(out, "load=%s update=%s prog=%s map=%s", pfd >= 0 ? "ok" : r[0], r[1], pgone,
	        mgone);
}

static const struct sc_case cases[] = {
        SC_ENTRY(efault_lookup_key),
        SC_ENTRY(efault_lookup_value),
        SC_ENTRY(efault_array_value),
        SC_ENTRY(efault_update),
        SC_ENTRY(efault_delete),
        SC_ENTRY(efault_next_key),
        SC_ENTRY(efault_lookup_and_delete),
        SC_ENTRY(efault_attr),
        SC_ENTRY(efault_path),
        SC_ENTRY(efault_info),
        SC_ENTRY(efault_batch),
        SC_ENTRY(efault_btf),
        SC_ENTRY(info_618_fields),
        SC_ENTRY(info_618_tail),
        SC_ENTRY(info_618_hash),
        SC_ENTRY(mmap_freeze),
        SC_ENTRY(mmap_rules),
        SC_ENTRY(mmap_freeze_child),
        SC_ENTRY(inner_map_lives),
        SC_ENTRY(inner_map_replaced),
        SC_ENTRY(prog_array_holds_prog),
        SC_ENTRY(prog_array_cycle),
};
#define NCASES (sizeof cases / sizeof cases[0])

static void test_kernel_matches_fixture(void **state)
{
	sc_check_kernel(cases, NCASES, FIXTURE,
	                "bpf(2) answers of the host kernel (tests/unit/test_sys_rules.c)");
}

static void test_ours_match_fixture(void **state)
{
	sc_check_ours(cases, NCASES, FIXTURE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_kernel_matches_fixture),
	        cmocka_unit_test(test_ours_match_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
