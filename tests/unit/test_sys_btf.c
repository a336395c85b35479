/* test_sys_btf.c — BPF_BTF_LOAD of malformed BTF, ours against the host kernel's verifier:
 * the errno and the log's last line (the line naming the problem, in the kernel's words),
 * for the header, the sections, the strings, each kind's meta data rules and the resolving
 * pass; and one valid blob whose whole log must agree. The kernel's answers are in
 * tests/fixtures/sys_btf_kernel.txt (sys_harness.h; USERBPF_UPDATE_FIXTURES=1 re-records).
 */
#include "sys_harness.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/sys_btf_kernel.txt"

#define INFO(kind, vlen, kflag) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))
enum {
	K_INT = 1,
	K_PTR,
	K_ARRAY,
	K_STRUCT,
	K_UNION,
	K_ENUM,
	K_FWD,
	K_TYPEDEF,
	K_VOLATILE,
	K_CONST,
	K_RESTRICT,
	K_FUNC,
	K_FUNC_PROTO,
	K_VAR,
	K_DATASEC,
	K_FLOAT,
	K_DECL_TAG,
	K_TYPE_TAG,
	K_ENUM64
};
#define INT_DATA(enc, off, bits) (((uint32_t)(enc) << 24) | ((uint32_t)(off) << 16) | (bits))

/* The strings every case shares: offsets 1 "int", 5 "a", 7 "b", 9 "s", 11 "1x", 14 ".sec",
 * 19 "tag". */
static const char strs[] = "\0int\0a\0b\0s\0"
                           "1x\0.sec\0tag";
#define S_INT 1
#define S_A 5
#define S_B 7
#define S_S 9
#define S_BAD 11
#define S_SEC 14
#define S_TAG 19

/* header (24 bytes) + types + strings, laid out as the header says */
struct hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

static size_t blob(unsigned char *buf, const uint32_t *types, size_t tlen)
{
	struct hdr h = {0xeB9F, 1, 0, 24, 0, (uint32_t)tlen, (uint32_t)tlen, sizeof strs};
	memcpy(buf, &h, sizeof h);
	memcpy(buf + 24, types, tlen);
	memcpy(buf + 24 + tlen, strs, sizeof strs);
	return 24 + tlen + sizeof strs;
}

/* Load; "ERRNO|last log line" (level 1 log). */
static void load(struct sc_env *env, const void *b, size_t n, char *out)
{
	static char log[65536];
	log[0] = 0;
	long fd = sc_btf_load(env, b, n, log, sizeof log, 1);
	char r[16];
	sc_res(r, fd);
	if (fd >= 0)
		sc_close((int)fd);
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		log[--len] = 0;
	const char *last = strrchr(log, '\n');
	last = last ? last + 1 : log;
	snprintf(out, SC_OUT, "%s|%.200s", r, last);
	for (char *p = out; *p; p++)
		if (*p == '\t')
			*p = ' ';
}

#define TYPES(...) (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__})

static void load_types(struct sc_env *env, char *out, const uint32_t *types, size_t tlen)
{
	unsigned char b[1024];
	load(env, b, blob(b, types, tlen), out);
}
#define T(name, ...)                                                                               \
	SC(name)                                                                                   \
	{                                                                                          \
		load_types(env, out, TYPES(__VA_ARGS__));                                          \
	}

/* an int: [1] int size 4 */
#define INT32 S_INT, INFO(K_INT, 0, 0), 4, INT_DATA(1, 0, 32)

/* --- header and sections --- */
static void load_hdr(struct sc_env *env, char *out, void (*edit)(unsigned char *b, size_t *n))
{
	unsigned char b[1024];
	size_t n = blob(b, TYPES(INT32));
	edit(b, &n);
	load(env, b, n, out);
}
#define H(name, body)                                                                              \
	static void edit_##name(unsigned char *b, size_t *n)                                       \
	{                                                                                          \
		struct hdr *h = (struct hdr *)b;                                                   \
		(void)h;                                                                           \
		body;                                                                              \
	}                                                                                          \
	SC(name)                                                                                   \
	{                                                                                          \
		load_hdr(env, out, edit_##name);                                                   \
	}
H(hdr_short, *n = 6)
H(hdr_len_past_end, h->hdr_len = 4000)
H(hdr_unknown_fields, {
	memmove(b + 32, b + 24, *n - 24);
	memset(b + 24, 0, 8);
	b[30] = 1;
	h->hdr_len = 32;
	*n += 8;
})
H(hdr_zero_tail_ok, {
	memmove(b + 32, b + 24, *n - 24);
	memset(b + 24, 0, 8);
	h->hdr_len = 32;
	*n += 8;
})
H(hdr_magic, h->magic = 0x9feb)
H(hdr_version, h->version = 2)
H(hdr_flags, h->flags = 1)
H(hdr_no_data, *n = 24)
H(sec_offset, h->str_off = 1000)
H(sec_gap, {
	h->type_off = 4;
	h->str_off += 4;
	memmove(b + 28, b + 24, *n - 24);
	*n += 4;
})
H(sec_overlap, h->str_off -= 4)
H(sec_too_long, h->str_len += 8)
H(sec_trailing, {
	b[*n] = 0;
	*n += 4;
})
H(str_not_at_end, {
	/* strings first, then the types */
	unsigned char t[16];
	memcpy(t, b + 24, 16);
	memmove(b + 24, b + 40, sizeof strs);
	memcpy(b + 24 + sizeof strs, t, 16);
	h->str_off = 0;
	h->type_off = sizeof strs;
})
H(str_first_not_nul, b[24 + 16] = 'x')
H(str_last_not_nul, b[*n - 1] = 'x')
H(no_types, {
	memmove(b + 24, b + 40, sizeof strs);
	h->type_len = 0;
	h->str_off = 0;
	*n -= 16;
})

/* --- pass 1: meta data --- */
T(meta_short, S_INT, INFO(K_INT, 0, 0))
T(meta_info_bits, S_INT, INFO(K_INT, 0, 0) | (1u << 29), 4, INT_DATA(1, 0, 32))
T(meta_kind_unknown, 0, INFO(20, 0, 0), 4)
T(meta_name_offset, 999, INFO(K_INT, 0, 0), 4, INT_DATA(1, 0, 32))
T(int_vlen, S_INT, INFO(K_INT, 1, 0), 4, INT_DATA(1, 0, 32))
T(int_kflag, S_INT, INFO(K_INT, 0, 1), 4, INT_DATA(1, 0, 32))
T(int_data, S_INT, INFO(K_INT, 0, 0), 4, 0x10000020)
T(int_bits_128, S_INT, INFO(K_INT, 0, 0), 16, INT_DATA(0, 8, 128))
T(int_bits_size, S_INT, INFO(K_INT, 0, 0), 2, INT_DATA(0, 0, 32))
T(int_encoding, S_INT, INFO(K_INT, 0, 0), 4, INT_DATA(3, 0, 32))
T(int_meta_left, S_INT, INFO(K_INT, 0, 0), 4)
T(ptr_name, INT32, S_A, INFO(K_PTR, 0, 0), 1)
T(ptr_type_id, INT32, 0, INFO(K_PTR, 0, 0), 0x100000)
T(typedef_noname, INT32, 0, INFO(K_TYPEDEF, 0, 0), 1)
T(typedef_badname, INT32, S_BAD, INFO(K_TYPEDEF, 0, 0), 1)
T(const_vlen, INT32, 0, INFO(K_CONST, 2, 0), 1)
T(array_name, INT32, S_A, INFO(K_ARRAY, 0, 0), 0, 1, 1, 4)
T(array_size, INT32, 0, INFO(K_ARRAY, 0, 0), 8, 1, 1, 4)
T(array_elem0, INT32, 0, INFO(K_ARRAY, 0, 0), 0, 0, 1, 4)
T(array_index0, INT32, 0, INFO(K_ARRAY, 0, 0), 0, 1, 0, 4)
T(array_meta_left, INT32, 0, INFO(K_ARRAY, 0, 0), 0, 1)
T(struct_meta_left, INT32, S_S, INFO(K_STRUCT, 2, 0), 8, S_A, 1, 0)
T(struct_badname, INT32, S_BAD, INFO(K_STRUCT, 1, 0), 4, S_A, 1, 0)
T(struct_member_name, INT32, S_S, INFO(K_STRUCT, 1, 0), 4, S_BAD, 1, 0)
T(struct_member_name_off, INT32, S_S, INFO(K_STRUCT, 1, 0), 4, 999, 1, 0)
T(struct_member_void, INT32, S_S, INFO(K_STRUCT, 1, 0), 4, S_A, 0, 0)
T(struct_member_order, INT32, S_S, INFO(K_STRUCT, 2, 0), 8, S_A, 1, 32, S_B, 1, 0)
T(struct_member_past, INT32, S_S, INFO(K_STRUCT, 1, 0), 4, S_A, 1, 64)
T(union_offset, INT32, S_S, INFO(K_UNION, 1, 0), 4, S_A, 1, 8)
T(enum_size, S_S, INFO(K_ENUM, 1, 0), 3, S_A, 1)
T(enum_member_noname, S_S, INFO(K_ENUM, 1, 0), 4, 0, 1)
T(enum64_meta_left, S_S, INFO(K_ENUM64, 1, 0), 8, S_A, 1)
T(fwd_type, S_S, INFO(K_FWD, 0, 0), 1)
T(fwd_noname, 0, INFO(K_FWD, 0, 0), 0)
T(func_linkage, INT32, 0, INFO(K_FUNC_PROTO, 0, 0), 1, S_A, INFO(K_FUNC, 3, 0), 2)
T(func_extern, INT32, 0, INFO(K_FUNC_PROTO, 0, 0), 1, S_A, INFO(K_FUNC, 2, 0), 2)
T(func_noname, INT32, 0, INFO(K_FUNC_PROTO, 0, 0), 1, 0, INFO(K_FUNC, 0, 0), 2)
T(func_proto_name, INT32, S_A, INFO(K_FUNC_PROTO, 0, 0), 1)
T(var_linkage, INT32, S_A, INFO(K_VAR, 0, 0), 1, 2)
T(var_void, INT32, S_A, INFO(K_VAR, 0, 0), 0, 0)
T(datasec_size0, INT32, S_A, INFO(K_VAR, 0, 0), 1, 0, S_SEC, INFO(K_DATASEC, 1, 0), 0, 2, 0, 4)
T(datasec_offset, INT32, S_A, INFO(K_VAR, 0, 0), 1, 0, S_SEC, INFO(K_DATASEC, 1, 0), 4, 2, 4, 4)
T(float_size, S_A, INFO(K_FLOAT, 0, 0), 3)
T(decl_tag_value, INT32, 0, INFO(K_DECL_TAG, 0, 0), 1, -1)
T(decl_tag_idx, INT32, S_TAG, INFO(K_DECL_TAG, 0, 0), 1, -2)
T(decl_tag_kflag, INT32, S_S, INFO(K_STRUCT, 1, 0), 4, S_A, 1, 0, S_TAG, INFO(K_DECL_TAG, 0, 1), 2,
  -1)
T(type_tag_kflag, INT32, S_TAG, INFO(K_TYPE_TAG, 0, 1), 1, 0, INFO(K_PTR, 0, 0), 2)

/* --- pass 2: resolving --- */
T(resolve_ptr_missing, 0, INFO(K_PTR, 0, 0), 5)
T(resolve_loop, S_A, INFO(K_TYPEDEF, 0, 0), 2, S_B, INFO(K_TYPEDEF, 0, 0), 1)
T(resolve_const_to_var, INT32, S_A, INFO(K_VAR, 0, 0), 1, 0, 0, INFO(K_CONST, 0, 0), 2)
T(resolve_member_past, INT32, S_S, INFO(K_STRUCT, 1, 0), 2, S_A, 1, 0)
T(resolve_member_not_aligned, INT32, 0, INFO(K_PTR, 0, 0), 1, S_S, INFO(K_STRUCT, 1, 0), 16, S_A, 2,
  4)
T(resolve_member_func_proto, 0, INFO(K_FUNC_PROTO, 0, 0), 0, S_S, INFO(K_STRUCT, 1, 0), 4, S_A, 1,
  0)
T(resolve_array_of_bits, S_INT, INFO(K_INT, 0, 0), 4, INT_DATA(0, 0, 3), 0, INFO(K_ARRAY, 0, 0), 0,
  1, 1, 4)
T(resolve_array_index, INT32, 0, INFO(K_PTR, 0, 0), 1, 0, INFO(K_ARRAY, 0, 0), 0, 1, 2, 4)
T(resolve_func_not_proto, INT32, S_A, INFO(K_FUNC, 0, 0), 1)
T(resolve_func_arg_noname, INT32, 0, INFO(K_FUNC_PROTO, 1, 0), 1, 0, 1, S_A, INFO(K_FUNC, 0, 0), 2)
T(resolve_proto_return, 0, INFO(K_FUNC_PROTO, 0, 0), 9)
T(resolve_datasec_not_var, INT32, S_SEC, INFO(K_DATASEC, 1, 0), 4, 1, 0, 4)
T(resolve_decl_tag_target, INT32, S_TAG, INFO(K_DECL_TAG, 0, 0), 1, -1)
T(resolve_depth, 0, INFO(K_PTR, 0, 0), 2, 0, INFO(K_PTR, 0, 0), 3, 0, INFO(K_PTR, 0, 0), 1)
T(type_tag_order, INT32, 0, INFO(K_CONST, 0, 0), 3, S_TAG, INFO(K_TYPE_TAG, 0, 0), 1, 0,
  INFO(K_PTR, 0, 0), 2)

/* A valid blob of every common kind: the whole log must agree. */
SC(valid_log)
{
	unsigned char b[1024];
	static const uint32_t types[] = {
	        INT32,                                                      /* [1] int */
	        0,     INFO(K_PTR, 0, 0),        1,                         /* [2] int * */
	        S_S,   INFO(K_STRUCT, 2, 0),     16, S_A, 1, 0, S_B, 2, 64, /* [3] struct s */
	        0,     INFO(K_ARRAY, 0, 0),      0,  1,   1, 4,             /* [4] int[4] */
	        S_B,   INFO(K_ENUM, 1, 0),       4,  S_A, 7,                /* [5] enum b */
	        0,     INFO(K_FUNC_PROTO, 1, 0), 1,  S_A, 2,                /* [6] int (int *a) */
	        S_A,   INFO(K_FUNC, 1, 0),       6,                         /* [7] a() */
	        S_A,   INFO(K_VAR, 0, 0),        1,  1,                     /* [8] int a */
	        S_SEC, INFO(K_DATASEC, 1, 0),    4,  8,   0, 4,             /* [9] .sec */
	};
	static char log[65536];
	size_t n = blob(b, types, sizeof types);
	long fd = sc_btf_load(env, b, n, log, sizeof log, 1);
	if (fd >= 0)
		sc_close((int)fd);
	/* the log without the header dump (the first 9 lines), newlines as '|' */
	const char *p = log;
	for (int i = 0; i < 9 && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	char r[16];
	sc_res(r, fd);
	/* the whole log by length and hash, and its start in clear */
	uint64_t h = 0xcbf29ce484222325ull;
	size_t len = p ? strlen(p) : 0;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	snprintf(out, SC_OUT, "%s len=%zu fnv=%016llx|%.160s", r, len, (unsigned long long)h,
	         p ? p : "");
	for (char *q = out; *q; q++)
		if (*q == '\n')
			*q = '|';
		else if (*q == '\t')
			*q = ' ';
}

/* The log's own rules still apply to a blob that fails: a log too small for what was
 * written is ENOSPC, whatever the blob's error (the kernel's bpf_vlog_finalize). */
SC(log_enospc_wins)
{
	unsigned char b[1024];
	size_t n = blob(b, TYPES(INT32));
	((struct hdr *)b)->magic = 0x1234;
	char log[16];
	char r[2][16];
	sc_res(r[0], sc_btf_load(env, b, n, log, sizeof log, 1));
	sc_res(r[1], sc_btf_load(env, b, n, log, sizeof log, 1 | 8 /* BPF_LOG_FIXED */));
	sprintf(out, "%s,%s", r[0], r[1]);
}

/* --- BPF_MAP_CREATE with BTF (map_check_btf): sizes, struct bpf_spin_lock --- */

/* own strings: 1 "int", 5 "bpf_spin_lock", 19 "v", 21 "l", 23 "a", 25 "b" */
static const char mstrs[] = "\0int\0bpf_spin_lock\0v\0l\0a\0b";
#define M_LOCK 5
#define M_V 19
#define M_L 21
#define M_A 23
#define M_B 25
/* [1] int, [2] struct bpf_spin_lock { int a; }, [3] struct v { int a; lock l; }, then a
 * case's own types from [4] */
static const uint32_t mbase[] = {
        S_INT,  INFO(K_INT, 0, 0),
        4,      INT_DATA(1, 0, 32), /* [1] */
        M_LOCK, INFO(K_STRUCT, 1, 0),
        4,      M_A,
        1,      0, /* [2] */
        M_V,    INFO(K_STRUCT, 2, 0),
        8,      M_A,
        1,      0,
        M_L,    2,
        32, /* [3] */
};

/* Load the BTF and create a map with it; "create[,F_LOCK update,F_LOCK lookup freeze=]" or
 * "errno (btf)" when the BTF itself is refused. */
static void map_btf(struct sc_env *env, char *out, const uint32_t *more, size_t more_len,
                    uint32_t type, uint32_t ks, uint32_t vs, uint32_t max, uint32_t key_id,
                    uint32_t value_id, uint32_t flags)
{
	unsigned char b[1024];
	uint32_t tlen = (uint32_t)(sizeof mbase + more_len);
	struct hdr h = {0xeB9F, 1, 0, 24, 0, tlen, tlen, sizeof mstrs};
	memcpy(b, &h, sizeof h);
	memcpy(b + 24, mbase, sizeof mbase);
	if (more_len)
		memcpy(b + 24 + sizeof mbase, more, more_len);
	memcpy(b + 24 + tlen, mstrs, sizeof mstrs);
	long btf = sc_btf_load(env, b, 24 + tlen + sizeof mstrs, NULL, 0, 0);
	if (btf < 0) {
		sc_res(out, btf);
		strcat(out, " (btf)");
		return;
	}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = key_id;
	a.btf_value_type_id = value_id;
	long m = sc_call(env, BPF_MAP_CREATE, &a);
	char r[3][16];
	sc_res(r[0], m);
	if (m < 0) {
		strcpy(out, r[0]);
	} else {
		uint32_t k = 0;
		uint64_t v[4] = {0, 0, 0, 0};
		sc_res(r[1], sc_elem(env, BPF_MAP_UPDATE_ELEM, (int)m, &k, v, BPF_F_LOCK));
		sc_res(r[2], sc_elem(env, BPF_MAP_LOOKUP_ELEM, (int)m, &k, v, BPF_F_LOCK));
		char fr[16];
		memset(&a, 0, sizeof a);
		a.map_fd = (uint32_t)m;
		sc_res(fr, sc_call(env, BPF_MAP_FREEZE, &a));
		sprintf(out, "%s,%s,%s freeze=%s", r[0], r[1], r[2], fr);
		sc_close((int)m);
	}
	sc_close((int)btf);
}
#define NOMORE NULL, 0
#define MORE(...) TYPES(__VA_ARGS__)
#define MB(name, ...)                                                                              \
	SC(name)                                                                                   \
	{                                                                                          \
		map_btf(env, out, __VA_ARGS__);                                                    \
	}
#define HASH BPF_MAP_TYPE_HASH
#define ARR BPF_MAP_TYPE_ARRAY
MB(map_hash_lock, NOMORE, HASH, 4, 8, 4, 1, 3, 0)
MB(map_hash_nolock, NOMORE, HASH, 4, 4, 4, 1, 1, 0)
MB(map_hash_nokey, NOMORE, HASH, 4, 8, 4, 0, 3, 0)
MB(map_array_lock, NOMORE, ARR, 4, 8, 4, 1, 3, 0)
MB(map_array_nokey, NOMORE, ARR, 4, 8, 4, 0, 3, 0)
MB(map_array_nokey_one, NOMORE, ARR, 4, 8, 1, 0, 3, 0)
MB(map_array_key_struct, NOMORE, ARR, 4, 8, 4, 2, 3, 0)
MB(map_lru_lock, NOMORE, BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 1, 3, 0)
MB(map_percpu_lock, NOMORE, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 1, 3, 0)
MB(map_value_size, NOMORE, HASH, 4, 16, 4, 1, 3, 0)
MB(map_key_size, NOMORE, HASH, 8, 8, 4, 1, 3, 0)
MB(map_value_id_past, NOMORE, HASH, 4, 8, 4, 1, 4, 0)
MB(map_lock_rdonly_prog, NOMORE, HASH, 4, 8, 4, 1, 3, BPF_F_RDONLY_PROG)
MB(map_two_locks, MORE(M_V, INFO(K_STRUCT, 3, 0), 12, M_A, 2, 0, M_L, 2, 32, M_B, 2, 64), HASH, 4,
   12, 4, 1, 4, 0)
MB(map_nested_lock, MORE(M_V, INFO(K_STRUCT, 2, 0), 12, M_A, 1, 0, M_B, 3, 32), HASH, 4, 12, 4, 1,
   4, 0)
MB(map_typedef_lock, MORE(M_V, INFO(K_TYPEDEF, 0, 0), 3), HASH, 4, 8, 4, 1, 4, 0)
MB(map_lock_misaligned, MORE(M_V, INFO(K_STRUCT, 2, 0), 8, M_A, 1, 0, M_L, 2, 16), HASH, 4, 8, 4, 1,
   4, 0)
MB(map_lock_wrong_size,
   MORE(M_LOCK, INFO(K_STRUCT, 1, 0), 8, M_A, 1, 0, M_V, INFO(K_STRUCT, 2, 0), 16, M_A, 1, 0, M_L,
        4, 64),
   HASH, 4, 16, 4, 1, 5, 0)

/* --- Lifetime: maps and programs hold their BTF (the kernel's map->btf, prog->aux->btf) ---
 *
 * A BTF object lives while an fd or a holder does; BTF_GET_FD_BY_ID and BTF_GET_NEXT_ID find it
 * by id from any process meanwhile, and answer ENOENT / skip it once it is gone. The kernel
 * frees a map's or program's references from a work queue after the last close, so "gone" is
 * polled for (up to 2 s). */

/* mbase + [4] FUNC_PROTO int(void) + [5] FUNC "a" (static): enough for a program's func_info */
static long life_btf(struct sc_env *env, size_t *size)
{
	static const uint32_t fn[] = {0, INFO(K_FUNC_PROTO, 0, 0), 1, M_A, INFO(K_FUNC, 0, 0), 4};
	unsigned char b[1024];
	uint32_t tlen = (uint32_t)(sizeof mbase + sizeof fn);
	struct hdr h = {0xeB9F, 1, 0, 24, 0, tlen, tlen, sizeof mstrs};
	memcpy(b, &h, sizeof h);
	memcpy(b + 24, mbase, sizeof mbase);
	memcpy(b + 24 + sizeof mbase, fn, sizeof fn);
	memcpy(b + 24 + tlen, mstrs, sizeof mstrs);
	*size = 24 + tlen + sizeof mstrs;
	return sc_btf_load(env, b, *size, NULL, 0, 0);
}

static long life_info(struct sc_env *env, int fd, void *info, uint32_t len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	memset(info, 0, len);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = len;
	a.info.info = (uintptr_t)info;
	return sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
}

static uint32_t life_btf_id(struct sc_env *env, int fd)
{
	struct bpf_btf_info bi;
	return life_info(env, fd, &bi, sizeof bi) ? 0 : bi.id;
}

static long life_get(struct sc_env *env, uint32_t id, uint32_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf_id = id;
	a.open_flags = flags;
	return sc_call(env, BPF_BTF_GET_FD_BY_ID, &a);
}

/* Does BTF_GET_NEXT_ID walk through id? */
static bool life_listed(struct sc_env *env, uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	for (int i = 0; i < 100000; i++) {
		if (sc_call(env, BPF_BTF_GET_NEXT_ID, &a) < 0)
			return false;
		if (a.next_id == id)
			return true;
		a.start_id = a.next_id;
	}
	return false;
}

/* BTF_GET_FD_BY_ID of id, polled until it fails (2 s at most): "ENOENT" once gone. */
static void life_poll_gone(struct sc_env *env, uint32_t id, char *r)
{
	long fd = 0;
	for (int i = 0; i < 200; i++) {
		fd = life_get(env, id, 0);
		if (fd < 0)
			break;
		sc_close((int)fd);
		usleep(10000);
	}
	sc_res(r, fd);
}

static long life_map(struct sc_env *env, int btf, uint32_t key_id, uint32_t value_id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = key_id;
	a.btf_value_type_id = value_id;
	return sc_call(env, BPF_MAP_CREATE, &a);
}

/* r0 = 0; exit, with func_info naming [5] when with_fi */
static long life_prog(struct sc_env *env, int btf, bool with_fi)
{
	static const struct bpf_insn insns[] = {
	        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0},
	        {.code = BPF_JMP | BPF_EXIT},
	};
	struct bpf_func_info fi = {0, 5};
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	a.prog_btf_fd = (uint32_t)btf;
	if (with_fi) {
		a.func_info = (uintptr_t)&fi;
		a.func_info_cnt = 1;
		a.func_info_rec_size = sizeof fi;
	}
	return sc_call(env, BPF_PROG_LOAD, &a);
}

/* What bpf_map_info and bpf_btf_info say about a map's BTF. */
SC(life_info_fields)
{
	size_t size;
	long btf = life_btf(env, &size), m = life_map(env, (int)btf, 1, 1);
	struct bpf_map_info mi;
	struct bpf_btf_info bi;
	char name[8] = "xxxxxxx";
	long r1 = life_info(env, (int)m, &mi, sizeof mi);
	memset(&bi, 0, sizeof bi);
	bi.name = (uintptr_t)name;
	bi.name_len = sizeof name;
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)btf;
	a.info.info_len = sizeof bi;
	a.info.info = (uintptr_t)&bi;
	long r2 = sc_call(env, BPF_OBJ_GET_INFO_BY_FD, &a);
	sprintf(out,
	        "map=%ld,%ld info=%ld,%ld btf_id=%s key=%u value=%u; size=%s name_len=%u name=%s "
	        "kernel_btf=%u",
	        btf < 0 ? btf : 0, m < 0 ? m : 0, r1, r2,
	        mi.btf_id && mi.btf_id == bi.id ? "same" : "differs", mi.btf_key_type_id,
	        mi.btf_value_type_id, bi.btf_size == size ? "same" : "differs", bi.name_len,
	        name[0] ? "?" : "empty", bi.kernel_btf);
	sc_close((int)m);
	sc_close((int)btf);
}

/* A map holds its BTF: found by id after the BTF fd is closed, and listed; gone with the map. */
SC(life_held_by_map)
{
	size_t size;
	long btf = life_btf(env, &size), m = life_map(env, (int)btf, 1, 1);
	uint32_t id = life_btf_id(env, (int)btf);
	sc_close((int)btf);
	char r[3][16];
	long fd = life_get(env, id, 0);
	sc_res(r[0], fd);
	struct bpf_btf_info bi;
	bool same = fd >= 0 && !life_info(env, (int)fd, &bi, sizeof bi) && bi.id == id &&
	            bi.btf_size == size;
	int fl = fd >= 0 ? fcntl((int)fd, F_GETFL) & O_ACCMODE : -1;
	sc_close((int)fd);
	bool listed = life_listed(env, id);
	sc_close((int)m);
	life_poll_gone(env, id, r[1]);
	bool listed_after = life_listed(env, id);
	sprintf(out, "get=%s info=%s mode=%s listed=%d; map closed: get=%s listed=%d", r[0],
	        same ? "same" : "differs",
	        fl == O_RDONLY ? "rdonly"
	        : fl < 0       ? "-"
	                       : "rdwr",
	        listed, r[1], listed_after);
}

/* BTF alone: gone with its last fd; id 0 and ids never used. */
SC(life_btf_alone)
{
	size_t size;
	long btf = life_btf(env, &size);
	uint32_t id = life_btf_id(env, (int)btf);
	char r[4][16];
	long fd = life_get(env, id, 0);
	sc_res(r[0], fd);
	sc_close((int)fd);
	sc_close((int)btf);
	life_poll_gone(env, id, r[1]);
	sc_res(r[2], life_get(env, 0, 0));
	sc_res(r[3], life_get(env, 0x7ffffff0, 0));
	sprintf(out, "open=%s closed=%s id0=%s unused=%s listed=%d", r[0], r[1], r[2], r[3],
	        life_listed(env, id));
}

/* open_flags of BTF_GET_FD_BY_ID. */
SC(life_get_flags)
{
	size_t size;
	long btf = life_btf(env, &size);
	uint32_t id = life_btf_id(env, (int)btf);
	char r[3][16];
	long fd;
	sc_res(r[0], fd = life_get(env, id, BPF_F_RDONLY));
	sc_close((int)fd);
	sc_res(r[1], fd = life_get(env, id, BPF_F_WRONLY));
	sc_close((int)fd);
	sc_res(r[2], fd = life_get(env, id, 1u << 10));
	sc_close((int)fd);
	sc_close((int)btf);
	sprintf(out, "rdonly=%s wronly=%s bad=%s", r[0], r[1], r[2]);
}

/* A map without BTF ids does not take the BTF (btf_fd alone is ignored). */
SC(life_btf_fd_alone)
{
	size_t size;
	long btf = life_btf(env, &size), m = life_map(env, (int)btf, 0, 0);
	uint32_t id = life_btf_id(env, (int)btf);
	struct bpf_map_info mi;
	life_info(env, (int)m, &mi, sizeof mi);
	sc_close((int)btf);
	char r[16];
	life_poll_gone(env, id, r);
	sprintf(out, "map=%s btf_id=%u get=%s", m >= 0 ? "ok" : "fail", mi.btf_id, r);
	sc_close((int)m);
}

/* A program loaded with prog_btf_fd but no func_info / line_info does not take the BTF. */
SC(life_prog_no_func_info)
{
	size_t size;
	long btf = life_btf(env, &size), p = life_prog(env, (int)btf, false);
	uint32_t id = life_btf_id(env, (int)btf);
	struct bpf_prog_info pi;
	long ri = life_info(env, (int)p, &pi, sizeof pi);
	sc_close((int)btf);
	char r[2][16];
	sc_res(r[0], p);
	life_poll_gone(env, id, r[1]);
	sprintf(out, "load=%s info=%ld btf_id=%u get=%s", r[0], ri, pi.btf_id, r[1]);
	sc_close((int)p);
}

/* A program with func_info holds its BTF: prog info names it, found by id, gone with it. */
SC(life_held_by_prog)
{
	size_t size;
	long btf = life_btf(env, &size), p = life_prog(env, (int)btf, true);
	uint32_t id = life_btf_id(env, (int)btf);
	struct bpf_prog_info pi;
	long ri = life_info(env, (int)p, &pi, sizeof pi);
	sc_close((int)btf);
	char r[3][16];
	long fd;
	sc_res(r[0], p);
	sc_res(r[1], fd = life_get(env, id, 0));
	sc_close((int)fd);
	sc_close((int)p);
	life_poll_gone(env, id, r[2]);
	sprintf(out, "load=%s info=%ld btf_id=%s get=%s; closed: get=%s", r[0], ri,
	        pi.btf_id == id ? "same" : "differs", r[1], r[2]);
}

/* Two processes: a child loads BTF, creates a map with it, pins the map and exits; the parent
 * opens the pin and finds the BTF by the map's btf_id. */
SC(life_two_process)
{
	if (!env->pin_dir) {
		strcpy(out, "skip");
		return;
	}
	char pin[256];
	snprintf(pin, sizeof pin, "%s/btf_life_map", env->pin_dir);
	size_t *size = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid = fork();
	if (pid == 0) {
		long btf = life_btf(env, size), m = life_map(env, (int)btf, 1, 1);
		union bpf_attr a;
		memset(&a, 0, sizeof a);
		a.bpf_fd = (uint32_t)m;
		a.pathname = (uintptr_t)pin;
		_exit(btf >= 0 && m >= 0 && sc_call(env, BPF_OBJ_PIN, &a) == 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = (uintptr_t)pin;
	long m = sc_call(env, BPF_OBJ_GET, &a);
	struct bpf_map_info mi;
	memset(&mi, 0, sizeof mi);
	if (m >= 0)
		life_info(env, (int)m, &mi, sizeof mi);
	char r[2][16];
	long fd = life_get(env, mi.btf_id, 0);
	sc_res(r[0], fd);
	struct bpf_btf_info bi;
	memset(&bi, 0, sizeof bi);
	if (fd >= 0)
		life_info(env, (int)fd, &bi, sizeof bi);
	sc_close((int)fd);
	sc_close((int)m);
	if (env->bpf == sc_our_bpf) /* our /sys/fs/bpf is the USERBPF_BPFFS root */
		snprintf(pin, sizeof pin, "%s/btf_life_map", getenv("USERBPF_BPFFS"));
	unlink(pin);
	life_poll_gone(env, mi.btf_id, r[1]);
	sprintf(out, "child=%d get=%s size=%s key=%u value=%u; unpinned: get=%s",
	        WIFEXITED(st) ? WEXITSTATUS(st) : -1, r[0],
	        bi.btf_size == *size ? "same" : "differs", mi.btf_key_type_id, mi.btf_value_type_id,
	        r[1]);
	munmap(size, 4096);
}

static const struct sc_case cases[] = {
        SC_ENTRY(hdr_short),
        SC_ENTRY(hdr_len_past_end),
        SC_ENTRY(hdr_unknown_fields),
        SC_ENTRY(hdr_zero_tail_ok),
        SC_ENTRY(hdr_magic),
        SC_ENTRY(hdr_version),
        SC_ENTRY(hdr_flags),
        SC_ENTRY(hdr_no_data),
        SC_ENTRY(sec_offset),
        SC_ENTRY(sec_gap),
        SC_ENTRY(sec_overlap),
        SC_ENTRY(sec_too_long),
        SC_ENTRY(sec_trailing),
        SC_ENTRY(str_not_at_end),
        SC_ENTRY(str_first_not_nul),
        SC_ENTRY(str_last_not_nul),
        SC_ENTRY(no_types),
        SC_ENTRY(meta_short),
        SC_ENTRY(meta_info_bits),
        SC_ENTRY(meta_kind_unknown),
        SC_ENTRY(meta_name_offset),
        SC_ENTRY(int_vlen),
        SC_ENTRY(int_kflag),
        SC_ENTRY(int_data),
        SC_ENTRY(int_bits_128),
        SC_ENTRY(int_bits_size),
        SC_ENTRY(int_encoding),
        SC_ENTRY(int_meta_left),
        SC_ENTRY(ptr_name),
        SC_ENTRY(ptr_type_id),
        SC_ENTRY(typedef_noname),
        SC_ENTRY(typedef_badname),
        SC_ENTRY(const_vlen),
        SC_ENTRY(array_name),
        SC_ENTRY(array_size),
        SC_ENTRY(array_elem0),
        SC_ENTRY(array_index0),
        SC_ENTRY(array_meta_left),
        SC_ENTRY(struct_meta_left),
        SC_ENTRY(struct_badname),
        SC_ENTRY(struct_member_name),
        SC_ENTRY(struct_member_name_off),
        SC_ENTRY(struct_member_void),
        SC_ENTRY(struct_member_order),
        SC_ENTRY(struct_member_past),
        SC_ENTRY(union_offset),
        SC_ENTRY(enum_size),
        SC_ENTRY(enum_member_noname),
        SC_ENTRY(enum64_meta_left),
        SC_ENTRY(fwd_type),
        SC_ENTRY(fwd_noname),
        SC_ENTRY(func_linkage),
        SC_ENTRY(func_extern),
        SC_ENTRY(func_noname),
        SC_ENTRY(func_proto_name),
        SC_ENTRY(var_linkage),
        SC_ENTRY(var_void),
        SC_ENTRY(datasec_size0),
        SC_ENTRY(datasec_offset),
        SC_ENTRY(float_size),
        SC_ENTRY(decl_tag_value),
        SC_ENTRY(decl_tag_idx),
        SC_ENTRY(decl_tag_kflag),
        SC_ENTRY(type_tag_kflag),
        SC_ENTRY(resolve_ptr_missing),
        SC_ENTRY(resolve_loop),
        SC_ENTRY(resolve_const_to_var),
        SC_ENTRY(resolve_member_past),
        SC_ENTRY(resolve_member_not_aligned),
        SC_ENTRY(resolve_member_func_proto),
        SC_ENTRY(resolve_array_of_bits),
        SC_ENTRY(resolve_array_index),
        SC_ENTRY(resolve_func_not_proto),
        SC_ENTRY(resolve_func_arg_noname),
        SC_ENTRY(resolve_proto_return),
        SC_ENTRY(resolve_datasec_not_var),
        SC_ENTRY(resolve_decl_tag_target),
        SC_ENTRY(resolve_depth),
        SC_ENTRY(type_tag_order),
        SC_ENTRY(valid_log),
        SC_ENTRY(log_enospc_wins),
        SC_ENTRY(map_hash_lock),
        SC_ENTRY(map_hash_nolock),
        SC_ENTRY(map_hash_nokey),
        SC_ENTRY(map_array_lock),
        SC_ENTRY(map_array_nokey),
        SC_ENTRY(map_array_nokey_one),
        SC_ENTRY(map_array_key_struct),
        SC_ENTRY(map_lru_lock),
        SC_ENTRY(map_percpu_lock),
        SC_ENTRY(map_value_size),
        SC_ENTRY(map_key_size),
        SC_ENTRY(map_value_id_past),
        SC_ENTRY(map_lock_rdonly_prog),
        SC_ENTRY(map_two_locks),
        SC_ENTRY(map_nested_lock),
        SC_ENTRY(map_typedef_lock),
        SC_ENTRY(map_lock_misaligned),
        SC_ENTRY(map_lock_wrong_size),
        SC_ENTRY(life_info_fields),
        SC_ENTRY(life_held_by_map),
        SC_ENTRY(life_btf_alone),
        SC_ENTRY(life_get_flags),
        SC_ENTRY(life_btf_fd_alone),
        SC_ENTRY(life_prog_no_func_info),
        SC_ENTRY(life_held_by_prog),
        SC_ENTRY(life_two_process),
};
#define NCASES (sizeof cases / sizeof cases[0])

static void test_kernel_matches_fixture(void **state)
{
	sc_check_kernel(cases, NCASES, FIXTURE,
	                "BTF_LOAD answers of the host kernel (tests/unit/test_sys_btf.c): "
	                "errno|last log line");
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
