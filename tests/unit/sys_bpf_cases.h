/* sys_bpf_cases.h — bpf(2) argument cases run against userbpf_sys_bpf() and the kernel
 * (tests/unit/sys_harness.h runs them; the kernel's answers are in
 * tests/fixtures/sys_bpf_kernel.txt). Included by the test files only.
 */
#ifndef USERBPF_TESTS_SYS_BPF_CASES_H
#define USERBPF_TESTS_SYS_BPF_CASES_H

#include "sys_harness.h"

/* --- the syscall's own rules --- */
SC(unknown_cmd)
{
	union bpf_attr a = {0};
	sc_res(out, env->bpf(1000, &a, sizeof a));
}
SC(tail_nonzero)
{
	static unsigned char big[4096];
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	memset(big, 0, sizeof big);
	((union bpf_attr *)big)->map_fd = (uint32_t)m;
	big[300] = 1;
	sc_res(out, env->bpf(BPF_MAP_FREEZE, (union bpf_attr *)big, sizeof big));
	sc_close(m);
}
SC(size_over_page)
{
	static unsigned char big[8192];
	sc_res(out, env->bpf(BPF_MAP_GET_NEXT_ID, (union bpf_attr *)big, sizeof big));
}
SC(attr_null)
{
	sc_res(out, env->bpf(BPF_MAP_CREATE, NULL, sizeof(union bpf_attr)));
}
SC(size_zero)
{
	union bpf_attr a = {0};
	sc_res(out, env->bpf(BPF_MAP_CREATE, &a, 0));
}

/* CHECK_ATTR: one byte set just after the command's last field */
static void sc_check_attr(struct sc_env *env, char *out, int cmd, size_t off, bool with_map)
{
	unsigned char buf[sizeof(union bpf_attr)];
	memset(buf, 0, sizeof buf);
	int m = with_map ? sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0) : -1;
	union bpf_attr *a = (union bpf_attr *)buf;
	if (cmd == BPF_MAP_CREATE) {
		a->map_type = BPF_MAP_TYPE_HASH;
		a->key_size = 4;
		a->value_size = 8;
		a->max_entries = 4;
	} else if (cmd == BPF_MAP_LOOKUP_BATCH) {
		a->batch.map_fd = (uint32_t)m;
	} else if (cmd == BPF_OBJ_GET_INFO_BY_FD) {
		a->info.bpf_fd = (uint32_t)m;
	} else if (with_map) {
		a->map_fd = (uint32_t)m;
	}
	buf[off] = 1;
	sc_res(out, env->bpf(cmd, a, sizeof buf));
	sc_close(m);
}
SC(check_map_create)
{
	sc_check_attr(env, out, BPF_MAP_CREATE, 80, false);
}
SC(check_lookup)
{
	sc_check_attr(env, out, BPF_MAP_LOOKUP_ELEM, 32, true);
}
SC(check_update)
{
	sc_check_attr(env, out, BPF_MAP_UPDATE_ELEM, 32, true);
}
SC(check_delete)
{
	sc_check_attr(env, out, BPF_MAP_DELETE_ELEM, 16, true);
}
SC(check_next_key)
{
	sc_check_attr(env, out, BPF_MAP_GET_NEXT_KEY, 24, true);
}
SC(check_lookup_and_delete)
{
	sc_check_attr(env, out, BPF_MAP_LOOKUP_AND_DELETE_ELEM, 32, true);
}
SC(check_freeze)
{
	sc_check_attr(env, out, BPF_MAP_FREEZE, 4, true);
}
SC(check_batch)
{
	sc_check_attr(env, out, BPF_MAP_LOOKUP_BATCH, 48, true);
}
SC(check_obj_get)
{
	sc_check_attr(env, out, BPF_OBJ_GET, 20, false);
}
SC(check_info)
{
	sc_check_attr(env, out, BPF_OBJ_GET_INFO_BY_FD, 16, true);
}
SC(check_next_id)
{
	sc_check_attr(env, out, BPF_MAP_GET_NEXT_ID, 8, false);
}
SC(check_map_fd_by_id)
{
	sc_check_attr(env, out, BPF_MAP_GET_FD_BY_ID, 12, false);
}
SC(check_prog_fd_by_id)
{
	sc_check_attr(env, out, BPF_PROG_GET_FD_BY_ID, 8, false);
}
SC(check_btf_load)
{
	sc_check_attr(env, out, BPF_BTF_LOAD, 32, false);
}
SC(btf_token_without_flag)
{
	sc_check_attr(env, out, BPF_BTF_LOAD, 28, false);
}

/* --- fds --- */
SC(lookup_bad_fd)
{
	uint32_t k = 0;
	uint64_t v = 0;
	sc_res(out, sc_elem(env, BPF_MAP_LOOKUP_ELEM, 999, &k, &v, 0));
}
SC(lookup_not_bpf_fd)
{
	uint32_t k = 0;
	uint64_t v = 0;
	sc_res(out, sc_elem(env, BPF_MAP_LOOKUP_ELEM, env->notbpf, &k, &v, 0));
}
SC(lookup_btf_fd)
{
	unsigned char blob[128];
	int b = (int)sc_btf_load(env, blob, sc_btf_blob(blob), NULL, 0, 0);
	uint32_t k = 0;
	uint64_t v = 0;
	sc_res(out, b < 0 ? b : sc_elem(env, BPF_MAP_LOOKUP_ELEM, b, &k, &v, 0));
	sc_close(b);
}
SC(info_bad_fd)
{
	union bpf_attr a = {0};
	struct bpf_map_info info;
	a.info.bpf_fd = 999;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	sc_res(out, sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a));
}
SC(info_not_bpf_fd)
{
	union bpf_attr a = {0};
	struct bpf_map_info info;
	a.info.bpf_fd = (uint32_t)env->notbpf;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	sc_res(out, sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a));
}

/* --- elements --- */
SC(elem_hash)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1, nk;
	uint64_t v = 5;
	char r[12][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, NULL, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, NULL, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, NULL, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 8));
	sc_res(r[4], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, BPF_ANY));
	sc_res(r[5], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, BPF_NOEXIST));
	sc_res(r[6], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, NULL, 0));
	sc_res(r[7], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, 1));
	sc_res(r[8], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, BPF_F_LOCK));
	sc_res(r[9], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &k, &nk, 0));
	sc_res(r[10], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, &v, 0));
	sc_res(r[11], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, &v, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s v=%d", r[0], r[1], r[2], r[3], r[4], r[5],
	        r[6], r[7], r[8], r[9], r[10], r[11], (int)v);
	sc_close(m);
}
SC(delete_hash)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1;
	uint64_t v = 5;
	char r[3][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_DELETE_ELEM, m, &k, NULL, 0));
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	sc_res(r[1], sc_elem(env, BPF_MAP_DELETE_ELEM, m, &k, NULL, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_DELETE_ELEM, m, NULL, NULL, 0));
	sprintf(out, "%s,%s,%s", r[0], r[1], r[2]);
	sc_close(m);
}
SC(next_key_walk)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 3, 0);
	uint32_t k, nk = 99, bad = 7;
	char r[5][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, NULL, &nk, 0));
	k = nk;
	sc_res(r[1], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &k, &nk, 0));
	k = 2;
	sc_res(r[2], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &k, &nk, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &bad, &nk, 0));
	sc_res(r[4], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, &k, NULL, 0));
	sprintf(out, "%s,%s,%s,%s,%s nk=%u", r[0], r[1], r[2], r[3], r[4], nk);
	sc_close(m);
}
SC(array_elem)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 3, 0);
	uint32_t k = 5;
	uint64_t v = 1;
	char r[4][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0));
	k = 1;
	sc_res(r[2], sc_elem(env, BPF_MAP_DELETE_ELEM, m, &k, NULL, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, &v, 0));
	sprintf(out, "%s,%s,%s,%s", r[0], r[1], r[2], r[3]);
	sc_close(m);
}
SC(queue)
{
	int q = sc_map(env, BPF_MAP_TYPE_QUEUE, 0, 8, 2, 0);
	uint32_t k = 1;
	uint64_t v = 7, w = 0;
	char r[11][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, q, &k, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_UPDATE_ELEM, q, NULL, &v, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_LOOKUP_ELEM, q, &k, &w, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_LOOKUP_ELEM, q, NULL, &w, 0));
	sc_res(r[4], sc_elem(env, BPF_MAP_DELETE_ELEM, q, NULL, NULL, 0));
	sc_res(r[5], sc_elem(env, BPF_MAP_GET_NEXT_KEY, q, NULL, &k, 0));
	sc_res(r[6], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, q, NULL, &w, BPF_F_LOCK));
	sc_res(r[7], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, q, NULL, &w, 0));
	sc_res(r[8], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, q, NULL, &w, 0));
	sc_elem(env, BPF_MAP_UPDATE_ELEM, q, NULL, &v, 0);
	sc_elem(env, BPF_MAP_UPDATE_ELEM, q, NULL, &v, 0);
	sc_res(r[9], sc_elem(env, BPF_MAP_UPDATE_ELEM, q, NULL, &v, 0));
	sc_res(r[10], sc_elem(env, BPF_MAP_UPDATE_ELEM, q, NULL, &v, BPF_EXIST));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s w=%d", r[0], r[1], r[2], r[3], r[4], r[5],
	        r[6], r[7], r[8], r[9], r[10], (int)w);
	sc_close(q);
}
SC(ringbuf_elems)
{
	int m = sc_map(env, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	uint32_t k = 0;
	uint64_t v = 0;
	char r[5][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, NULL, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, NULL, &v, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_DELETE_ELEM, m, NULL, NULL, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, NULL, &k, 0));
	sc_res(r[4], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, NULL, &v, 0));
	sprintf(out, "%s,%s,%s,%s,%s", r[0], r[1], r[2], r[3], r[4]);
	sc_close(m);
}
SC(bloom)
{
	union bpf_attr a = {0};
	a.map_type = BPF_MAP_TYPE_BLOOM_FILTER;
	a.value_size = 8;
	a.max_entries = 16;
	a.map_extra = 3;
	int m = (int)sc_call(env, BPF_MAP_CREATE, &a);
	uint64_t v = 42, w = 43;
	char r[4][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, NULL, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, NULL, &v, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, NULL, &v, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_DELETE_ELEM, m, NULL, NULL, 0));
	(void)w;
	sprintf(out, "%s,%s,%s,%s", r[0], r[1], r[2], r[3]);
	sc_close(m);
}

/* --- freeze and access modes --- */
SC(freeze)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1;
	uint64_t v = 5;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	char r[6][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_DELETE_ELEM, m, &k, NULL, 0));
	sc_res(r[4], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0));
	sc_res(r[5], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, &v, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s", r[0], r[1], r[2], r[3], r[4], r[5]);
	sc_close(m);
}
static void sc_access(struct sc_env *env, char *out, uint32_t flag)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, flag);
	uint32_t k = 1;
	uint64_t v = 5;
	char r[6][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, m, &k, &v, 0));
	sc_res(r[2], sc_elem(env, BPF_MAP_GET_NEXT_KEY, m, NULL, &k, 0));
	sc_res(r[3], sc_elem(env, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m, &k, &v, 0));
	sc_res(r[4], sc_elem(env, BPF_MAP_DELETE_ELEM, m, &k, NULL, 0));
	sc_res(r[5], sc_elem(env, BPF_MAP_FREEZE, m, NULL, NULL, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s acc=%d", r[0], r[1], r[2], r[3], r[4], r[5],
	        fcntl(m, F_GETFL) & O_ACCMODE);
	sc_close(m);
}
SC(rdonly_fd)
{
	sc_access(env, out, BPF_F_RDONLY);
}
SC(wronly_fd)
{
	sc_access(env, out, BPF_F_WRONLY);
}
SC(rdwr_fd)
{
	sc_access(env, out, 0);
}

/* --- MAP_CREATE --- */
static void sc_create(struct sc_env *env, char *out, union bpf_attr *a)
{
	long fd = sc_call(env, BPF_MAP_CREATE, a);
	sc_res(out, fd);
	if (fd >= 0)
		sc_close((int)fd);
}
static void sc_hash_attr(union bpf_attr *a)
{
	memset(a, 0, sizeof *a);
	a->map_type = BPF_MAP_TYPE_HASH;
	a->key_size = 4;
	a->value_size = 8;
	a->max_entries = 4;
}
#define SC_CREATE(name, ...)                                                                       \
	SC(name)                                                                                   \
	{                                                                                          \
		union bpf_attr a;                                                                  \
		sc_hash_attr(&a);                                                                  \
		__VA_ARGS__;                                                                       \
		sc_create(env, out, &a);                                                           \
	}
SC_CREATE(create_ok, (void)0)
SC_CREATE(create_rdonly_wronly, a.map_flags = BPF_F_RDONLY | BPF_F_WRONLY)
SC_CREATE(create_prog_rdonly_wronly, a.map_flags = BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
SC_CREATE(create_numa0, a.map_flags = BPF_F_NUMA_NODE; a.numa_node = 0)
SC_CREATE(create_numa999, a.map_flags = BPF_F_NUMA_NODE; a.numa_node = 999)
SC_CREATE(create_numa_none, a.map_flags = BPF_F_NUMA_NODE; a.numa_node = (uint32_t)-1)
SC_CREATE(create_numa999_noflag, a.numa_node = 999)
SC_CREATE(create_map_extra_hash, a.map_extra = 1)
SC_CREATE(create_bad_name, strcpy(a.map_name, "bad-name"))
SC_CREATE(create_name_no_nul, memset(a.map_name, 'a', sizeof a.map_name))
SC_CREATE(create_name_ok, strcpy(a.map_name, "ok.name_1"))
SC_CREATE(create_type_9999, a.map_type = 9999)
SC_CREATE(create_type_0, a.map_type = 0)
SC_CREATE(create_ifindex, a.map_ifindex = 1)
SC_CREATE(create_btf_fd_alone, a.btf_fd = (uint32_t)env->notbpf)
SC_CREATE(create_btf_not_btf, a.btf_fd = (uint32_t)env->notbpf; a.btf_value_type_id = 1)
SC_CREATE(create_btf_bad_fd, a.btf_fd = 999; a.btf_value_type_id = 1)
SC_CREATE(create_key0_hash, a.key_size = 0)
SC_CREATE(create_max0_hash, a.max_entries = 0)
SC_CREATE(create_hash_bad_flag, a.map_flags = BPF_F_MMAPABLE)

static void sc_aom_attr(union bpf_attr *a, int inner)
{
	memset(a, 0, sizeof *a);
	a->map_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	a->key_size = 4;
	a->value_size = 4;
	a->max_entries = 4;
	a->inner_map_fd = (uint32_t)inner;
}
SC(aom_inner_fds)
{
	union bpf_attr a;
	char r[3][16];
	sc_aom_attr(&a, 999);
	sc_create(env, r[0], &a);
	sc_aom_attr(&a, env->notbpf);
	sc_create(env, r[1], &a);
	int in = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	sc_aom_attr(&a, in);
	int aom = (int)sc_call(env, BPF_MAP_CREATE, &a);
	sc_aom_attr(&a, aom);
	sc_create(env, r[2], &a);
	sprintf(out, "%s,%s,%s", r[0], r[1], r[2]);
	sc_close(aom);
	sc_close(in);
}
SC(aom_update)
{
	union bpf_attr a;
	int in = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	int same = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	int other = sc_map(env, BPF_MAP_TYPE_HASH, 4, 16, 16, 0);
	int bigger = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 32, 0);
	sc_aom_attr(&a, in);
	int aom = (int)sc_call(env, BPF_MAP_CREATE, &a);
	uint32_t k = 0, v, id = 0;
	char r[8][16];
	v = (uint32_t)same;
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, aom, &k, &id, 0));
	struct bpf_map_info info = {0};
	union bpf_attr ia = {0};
	ia.info.bpf_fd = (uint32_t)same;
	ia.info.info_len = sizeof info;
	ia.info.info = (uintptr_t)&info;
	sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &ia);
	v = (uint32_t)other;
	sc_res(r[2], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, 0));
	v = (uint32_t)bigger;
	sc_res(r[3], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, 0));
	v = (uint32_t)same;
	sc_res(r[4], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, BPF_NOEXIST));
	v = 999;
	sc_res(r[5], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, 0));
	v = (uint32_t)env->notbpf;
	sc_res(r[6], sc_elem(env, BPF_MAP_UPDATE_ELEM, aom, &k, &v, 0));
	sc_res(r[7], sc_elem(env, BPF_MAP_DELETE_ELEM, aom, &k, NULL, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s id_matches=%d", r[0], r[1], r[2], r[3], r[4], r[5],
	        r[6], r[7], id == info.id);
	sc_close(aom);
	sc_close(in);
	sc_close(same);
	sc_close(other);
	sc_close(bigger);
}
SC(prog_array_map_fd)
{
	int pa = sc_map(env, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 0, v = (uint32_t)m, id;
	char r[2][16];
	sc_res(r[0], sc_elem(env, BPF_MAP_UPDATE_ELEM, pa, &k, &v, 0));
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, pa, &k, &id, 0));
	sprintf(out, "%s,%s", r[0], r[1]);
	sc_close(pa);
	sc_close(m);
}

/* --- pin and get --- */
static long sc_pin(struct sc_env *env, int fd, const char *path, uint32_t flags)
{
	union bpf_attr a = {0};
	a.bpf_fd = (uint32_t)fd;
	a.pathname = (uintptr_t)path;
	a.file_flags = flags;
	return sc_call(env, BPF_OBJ_PIN, &a);
}
static long sc_get(struct sc_env *env, const char *path, uint32_t flags)
{
	union bpf_attr a = {0};
	a.pathname = (uintptr_t)path;
	a.file_flags = flags;
	return sc_call(env, BPF_OBJ_GET, &a);
}
SC(pin_rules)
{
	if (!env->pin_dir) {
		strcpy(out, "skip");
		return;
	}
	char p[512], nodir[512], r[10][16];
	snprintf(p, sizeof p, "%s/sc_pin", env->pin_dir);
	snprintf(nodir, sizeof nodir, "%s/nodir/x", env->pin_dir);
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	unsigned char blob[128];
	int b = (int)sc_btf_load(env, blob, sc_btf_blob(blob), NULL, 0, 0);
	sc_res(r[0], sc_pin(env, m, "/tmp/userbpf_sc_pin_outside", 0));
	sc_res(r[1], sc_pin(env, m, "/nonexistent_dir_x/y", 0));
	sc_res(r[2], sc_pin(env, m, nodir, 0));
	sc_res(r[3], sc_pin(env, m, p, 0));
	sc_res(r[4], sc_pin(env, m, p, 0));
	sc_res(r[5], sc_pin(env, env->notbpf, p, 0));
	sc_res(r[6], sc_pin(env, 999, p, 0));
	sc_res(r[7], sc_pin(env, m, NULL, 0));
	sc_res(r[8], sc_pin(env, m, p, 1));
	snprintf(nodir, sizeof nodir, "%s/sc_btf", env->pin_dir);
	sc_res(r[9], sc_pin(env, b, nodir, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
	        r[7], r[8], r[9]);
	unlink(p);
	sc_close(m);
	sc_close(b);
}
SC(get_rules)
{
	if (!env->pin_dir) {
		strcpy(out, "skip");
		return;
	}
	char p[512], miss[512], r[11][16];
	snprintf(p, sizeof p, "%s/sc_get", env->pin_dir);
	snprintf(miss, sizeof miss, "%s/sc_missing", env->pin_dir);
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	uint32_t k = 1;
	uint64_t v = 77, w = 0;
	sc_elem(env, BPF_MAP_UPDATE_ELEM, m, &k, &v, 0);
	sc_pin(env, m, p, 0);
	sc_close(m);
	long g = sc_get(env, p, 0);
	sc_res(r[0], g);
	sc_res(r[1], sc_elem(env, BPF_MAP_LOOKUP_ELEM, (int)g, &k, &w, 0));
	long ro = sc_get(env, p, BPF_F_RDONLY);
	sc_res(r[2], sc_elem(env, BPF_MAP_UPDATE_ELEM, (int)ro, &k, &v, 0));
	int acc = ro >= 0 ? fcntl((int)ro, F_GETFL) & O_ACCMODE : -1;
	long wo = sc_get(env, p, BPF_F_WRONLY);
	sc_res(r[3], sc_elem(env, BPF_MAP_LOOKUP_ELEM, (int)wo, &k, &w, 0));
	sc_res(r[4], sc_get(env, p, BPF_F_RDONLY | BPF_F_WRONLY));
	sc_res(r[5], sc_get(env, p, BPF_F_NUMA_NODE));
	union bpf_attr a = {0};
	a.pathname = (uintptr_t)p;
	a.bpf_fd = 1;
	sc_res(r[6], sc_call(env, BPF_OBJ_GET, &a));
	sc_res(r[7], sc_get(env, "/etc/passwd", 0));
	sc_res(r[8], sc_get(env, miss, 0));
	sc_res(r[9], sc_get(env, env->pin_dir, 0));
	sc_res(r[10], sc_get(env, NULL, 0));
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s w=%d acc=%d", r[0], r[1], r[2], r[3], r[4],
	        r[5], r[6], r[7], r[8], r[9], r[10], (int)w, acc);
	unlink(p);
	sc_close((int)g);
	sc_close((int)ro);
	sc_close((int)wo);
}

/* --- ids --- */
SC(ids)
{
	union bpf_attr a = {0};
	char r[5][16];
	a.start_id = 0x7fffff00;
	sc_res(r[0], sc_call(env, BPF_MAP_GET_NEXT_ID, &a));
	memset(&a, 0, sizeof a);
	a.map_id = 0x7fffff00;
	sc_res(r[1], sc_call(env, BPF_MAP_GET_FD_BY_ID, &a));
	a.map_id = 0;
	sc_res(r[2], sc_call(env, BPF_MAP_GET_FD_BY_ID, &a));
	a.map_id = 1;
	a.open_flags = BPF_F_NUMA_NODE;
	sc_res(r[3], sc_call(env, BPF_MAP_GET_FD_BY_ID, &a));
	a.open_flags = BPF_F_RDONLY | BPF_F_WRONLY;
	sc_res(r[4], sc_call(env, BPF_MAP_GET_FD_BY_ID, &a));
	sprintf(out, "%s,%s,%s,%s,%s", r[0], r[1], r[2], r[3], r[4]);
}
SC(id_roundtrip)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	struct bpf_map_info info = {0};
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)m;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	memset(&a, 0, sizeof a);
	a.start_id = info.id - 1;
	long r0 = sc_call(env, BPF_MAP_GET_NEXT_ID, &a);
	uint32_t next = a.next_id;
	memset(&a, 0, sizeof a);
	a.map_id = info.id;
	a.open_flags = BPF_F_RDONLY;
	long fd = sc_call(env, BPF_MAP_GET_FD_BY_ID, &a);
	uint32_t k = 1;
	uint64_t v = 1;
	char r[3][16];
	sc_res(r[0], r0);
	sc_res(r[1], fd);
	sc_res(r[2], sc_elem(env, BPF_MAP_UPDATE_ELEM, (int)fd, &k, &v, 0));
	sprintf(out, "%s,%s,%s next_is_id=%d", r[0], r[1], r[2], next == info.id);
	sc_close((int)fd);
	sc_close(m);
}

/* --- OBJ_GET_INFO_BY_FD's info_len --- */
SC(info_len)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 4, 0);
	unsigned char buf[256];
	union bpf_attr a = {0};
	char r[5][16];
	uint32_t len[5];
	uint32_t lens[5] = {sizeof(struct bpf_map_info), 256, 8, 0, 256};
	for (int i = 0; i < 5; i++) {
		memset(buf, 0, sizeof buf);
		if (i == 4)
			buf[200] = 1;
		a.info.bpf_fd = (uint32_t)m;
		a.info.info_len = lens[i];
		a.info.info = (uintptr_t)buf;
		sc_res(r[i], sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a));
		len[i] = a.info.info_len;
	}
	a.info.info_len = sizeof(struct bpf_map_info);
	a.info.info = 0;
	char rn[16];
	sc_res(rn, sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a));
	/* 256: the kernel's struct may be longer than ours; only "ours or more" is compared */
	sprintf(out, "%s=%u,%s,%s=%u,%s=%u,%s=%u,%s", r[0], len[0], r[1], r[2], len[2], r[3],
	        len[3], r[4], len[4], rn);
	sc_close(m);
}
SC(info_fields)
{
	union bpf_attr c;
	sc_hash_attr(&c);
	c.map_flags = BPF_F_NO_PREALLOC;
	strcpy(c.map_name, "counts");
	int m = (int)sc_call(env, BPF_MAP_CREATE, &c);
	struct bpf_map_info info = {0};
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)m;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	long r = sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	sprintf(out, "%ld type=%u ks=%u vs=%u max=%u flags=%u name=%s", r, info.type, info.key_size,
	        info.value_size, info.max_entries, info.map_flags, info.name);
	sc_close(m);
}

/* --- batches --- */
static long sc_batch(struct sc_env *env, int cmd, int fd, void *in, void *outb, void *keys,
                     void *values, uint32_t *count, uint64_t elem_flags)
{
	union bpf_attr a = {0};
	a.batch.map_fd = (uint32_t)fd;
	a.batch.in_batch = (uintptr_t)in;
	a.batch.out_batch = (uintptr_t)outb;
	a.batch.keys = (uintptr_t)keys;
	a.batch.values = (uintptr_t)values;
	a.batch.count = *count;
	a.batch.elem_flags = elem_flags;
	long r = sc_call(env, cmd, &a);
	*count = a.batch.count;
	return r;
}
SC(batch_array)
{
	int m = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	uint32_t keys[8] = {0, 1, 2, 3}, ob = 0, cnt;
	uint64_t vals[8] = {10, 11, 12, 13};
	char r[6][16];
	uint32_t c[6];
	cnt = 4;
	sc_res(r[0], sc_batch(env, BPF_MAP_UPDATE_BATCH, m, NULL, NULL, keys, vals, &cnt, 0));
	c[0] = cnt;
	memset(vals, 0, sizeof vals);
	cnt = 2;
	sc_res(r[1], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, NULL, &ob, keys, vals, &cnt, 0));
	c[1] = cnt;
	cnt = 8;
	sc_res(r[2], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, &ob, &ob, keys + 2, vals + 2, &cnt, 0));
	c[2] = cnt;
	cnt = 8;
	sc_res(r[3], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, &ob, &ob, keys, vals, &cnt, 0));
	c[3] = cnt;
	cnt = 1;
	sc_res(r[4], sc_batch(env, BPF_MAP_DELETE_BATCH, m, NULL, NULL, keys, NULL, &cnt, 0));
	c[4] = cnt;
	cnt = 1;
	sc_res(r[5], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, NULL, NULL, keys, vals, &cnt, 8));
	c[5] = cnt;
	sprintf(out, "%s/%u,%s/%u,%s/%u,%s/%u,%s/%u,%s/%u v=%d,%d,%d,%d", r[0], c[0], r[1], c[1],
	        r[2], c[2], r[3], c[3], r[4], c[4], r[5], c[5], (int)vals[0], (int)vals[1],
	        (int)vals[2], (int)vals[3]);
	sc_close(m);
}
SC(batch_hash)
{
	int m = sc_map(env, BPF_MAP_TYPE_HASH, 4, 8, 16, 0);
	uint32_t keys[16] = {1, 2, 3, 4, 5}, ob = 0, cnt, total = 0;
	uint64_t vals[16] = {1, 2, 3, 4, 5}, sum = 0;
	char r[5][16];
	cnt = 5;
	sc_res(r[0], sc_batch(env, BPF_MAP_UPDATE_BATCH, m, NULL, NULL, keys, vals, &cnt, 0));
	cnt = 5;
	sc_res(r[1],
	       sc_batch(env, BPF_MAP_UPDATE_BATCH, m, NULL, NULL, keys, vals, &cnt, BPF_NOEXIST));
	uint32_t c1 = cnt;
	memset(vals, 0, sizeof vals);
	cnt = 16;
	sc_res(r[2],
	       sc_batch(env, BPF_MAP_LOOKUP_AND_DELETE_BATCH, m, NULL, &ob, keys, vals, &cnt, 0));
	total = cnt;
	for (int i = 0; i < 16; i++)
		sum += vals[i];
	cnt = 16;
	sc_res(r[3], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, NULL, &ob, keys, vals, &cnt, 0));
	uint32_t c3 = cnt;
	cnt = 0;
	sc_res(r[4], sc_batch(env, BPF_MAP_LOOKUP_BATCH, m, NULL, &ob, keys, vals, &cnt, 0));
	sprintf(out, "%s,%s/%u,%s/%u sum=%d,%s/%u,%s", r[0], r[1], c1, r[2], total, (int)sum, r[3],
	        c3, r[4]);
	sc_close(m);
}
SC(batch_unsupported)
{
	int q = sc_map(env, BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0);
	int ar = sc_map(env, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	uint32_t keys[4], cnt = 4;
	uint64_t vals[4];
	char r[3][16];
	sc_res(r[0], sc_batch(env, BPF_MAP_LOOKUP_BATCH, q, NULL, NULL, keys, vals, &cnt, 0));
	cnt = 4;
	sc_res(r[1],
	       sc_batch(env, BPF_MAP_LOOKUP_AND_DELETE_BATCH, ar, NULL, NULL, keys, vals, &cnt, 0));
	cnt = 4;
	sc_res(r[2], sc_batch(env, BPF_MAP_LOOKUP_BATCH, 999, NULL, NULL, keys, vals, &cnt, 0));
	sprintf(out, "%s,%s,%s", r[0], r[1], r[2]);
	sc_close(q);
	sc_close(ar);
}

/* --- BTF_LOAD --- */
SC(btf)
{
	unsigned char blob[128], bad[128];
	size_t n = sc_btf_blob(blob);
	char log[4096], r[9][16];
	long fd = sc_btf_load(env, blob, n, NULL, 0, 0);
	sc_res(r[0], fd);
	memcpy(bad, blob, n);
	bad[0] = 0;
	sc_res(r[1], sc_btf_load(env, bad, n, NULL, 0, 0));
	sc_res(r[2], sc_btf_load(env, blob, n, log, sizeof log, 0));
	sc_res(r[3], sc_btf_load(env, blob, n, log, 0, 1));
	sc_res(r[4], sc_btf_load(env, blob, n, log, 8, 1));
	sc_res(r[5], sc_btf_load(env, NULL, n, NULL, 0, 0));
	memcpy(bad, blob, n);
	bad[2] = 2; /* version 2 */
	sc_res(r[6], sc_btf_load(env, bad, n, NULL, 0, 0));
	memcpy(bad, blob, n);
	((uint32_t *)bad)[5] = 3; /* str_len short: a gap at the end */
	sc_res(r[7], sc_btf_load(env, bad, n, NULL, 0, 0));
	sc_res(r[8], sc_btf_load(env, blob, 4, NULL, 0, 0));
	struct bpf_btf_info info = {0};
	unsigned char copy[128] = {0};
	info.btf = (uintptr_t)copy;
	info.btf_size = sizeof copy;
	union bpf_attr a = {0};
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof info;
	a.info.info = (uintptr_t)&info;
	long ri = sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	int acc = fd >= 0 ? fcntl((int)fd, F_GETFL) & O_ACCMODE : -1;
	sprintf(out, "%s,%s,%s,%s,%s,%s,%s,%s,%s info=%ld size=%u same=%d acc=%d", r[0], r[1], r[2],
	        r[3], r[4], r[5], r[6], r[7], r[8], ri, info.btf_size, !memcmp(copy, blob, n), acc);
	sc_close((int)fd);
}

static const struct sc_case sc_cases[] = {
        SC_ENTRY(unknown_cmd),
        SC_ENTRY(tail_nonzero),
        SC_ENTRY(size_over_page),
        SC_ENTRY(attr_null),
        SC_ENTRY(size_zero),
        SC_ENTRY(check_map_create),
        SC_ENTRY(check_lookup),
        SC_ENTRY(check_update),
        SC_ENTRY(check_delete),
        SC_ENTRY(check_next_key),
        SC_ENTRY(check_lookup_and_delete),
        SC_ENTRY(check_freeze),
        SC_ENTRY(check_batch),
        SC_ENTRY(check_obj_get),
        SC_ENTRY(check_info),
        SC_ENTRY(check_next_id),
        SC_ENTRY(check_map_fd_by_id),
        SC_ENTRY(check_prog_fd_by_id),
        SC_ENTRY(check_btf_load),
        SC_ENTRY(btf_token_without_flag),
        SC_ENTRY(lookup_bad_fd),
        SC_ENTRY(lookup_not_bpf_fd),
        SC_ENTRY(lookup_btf_fd),
        SC_ENTRY(info_bad_fd),
        SC_ENTRY(info_not_bpf_fd),
        SC_ENTRY(elem_hash),
        SC_ENTRY(delete_hash),
        SC_ENTRY(next_key_walk),
        SC_ENTRY(array_elem),
        SC_ENTRY(queue),
        SC_ENTRY(ringbuf_elems),
        SC_ENTRY(bloom),
        SC_ENTRY(freeze),
        SC_ENTRY(rdonly_fd),
        SC_ENTRY(wronly_fd),
        SC_ENTRY(rdwr_fd),
        SC_ENTRY(create_ok),
        SC_ENTRY(create_rdonly_wronly),
        SC_ENTRY(create_prog_rdonly_wronly),
        SC_ENTRY(create_numa0),
        SC_ENTRY(create_numa999),
        SC_ENTRY(create_numa_none),
        SC_ENTRY(create_numa999_noflag),
        SC_ENTRY(create_map_extra_hash),
        SC_ENTRY(create_bad_name),
        SC_ENTRY(create_name_no_nul),
        SC_ENTRY(create_name_ok),
        SC_ENTRY(create_type_9999),
        SC_ENTRY(create_type_0),
        SC_ENTRY(create_ifindex),
        SC_ENTRY(create_btf_fd_alone),
        SC_ENTRY(create_btf_not_btf),
        SC_ENTRY(create_btf_bad_fd),
        SC_ENTRY(create_key0_hash),
        SC_ENTRY(create_max0_hash),
        SC_ENTRY(create_hash_bad_flag),
        SC_ENTRY(aom_inner_fds),
        SC_ENTRY(aom_update),
        SC_ENTRY(prog_array_map_fd),
        SC_ENTRY(pin_rules),
        SC_ENTRY(get_rules),
        SC_ENTRY(ids),
        SC_ENTRY(id_roundtrip),
        SC_ENTRY(info_len),
        SC_ENTRY(info_fields),
        SC_ENTRY(batch_array),
        SC_ENTRY(batch_hash),
        SC_ENTRY(batch_unsupported),
        SC_ENTRY(btf),
};
#define SC_NCASES (sizeof sc_cases / sizeof sc_cases[0])

#endif /* USERBPF_TESTS_SYS_BPF_CASES_H */
