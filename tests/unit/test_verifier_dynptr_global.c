/* test_verifier_dynptr_global.c — global functions taking `struct bpf_dynptr *`, against
 * the host kernel.
 *
 * Linux types a global function's pointer to struct bpf_dynptr (or a forward declaration
 * of it) as ARG_PTR_TO_DYNPTR | MEM_RDONLY (btf_prepare_func_args): the caller must pass an
 * initialised dynptr on its stack (btf_check_func_arg_match → process_dynptr_func), the
 * callee sees a CONST_PTR_TO_DYNPTR of type local that it may read, write through and slice
 * but not remake or release. Each case is a program with BTF func_info (built here), loaded
 * in the host kernel and in ours with the same maps; the trace line is the verdict ("OK" or
 * "ERR <errno> <the log's last two lines>") and, for accepted programs, the return value of a
 * BPF_PROG_TEST_RUN and the first map value after it. The kernel's trace is kept in
 * tests/fixtures/verifier_dynptr_global_kernel.txt (re-record as root with
 * USERBPF_RECORD_FIXTURES=1), so the test means something without bpf().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "maptrace.h"
#include "testutil.h"

#include <userbpf/asm.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* --- bpf(): the kernel's or ours --- */

/* --- BTF: the types a case's functions use --- */

enum {
	T_INT = 1,  /* int */
	T_PINT,     /* int * */
	T_CTX,      /* struct __sk_buff (or xdp_md) */
	T_PCTX,     /* pointer to it */
	T_DYN,      /* struct bpf_dynptr, 16 bytes */
	T_PDYN,     /* struct bpf_dynptr * */
	T_CDYN,     /* const struct bpf_dynptr */
	T_PCDYN,    /* const struct bpf_dynptr * */
	T_FDYN,     /* struct bpf_dynptr; (forward declaration) */
	T_PFDYN,    /* pointer to it */
	T_FOTHER,   /* struct other; (forward declaration) */
	T_PFOTHER,  /* pointer to it */
	T_UDYN,     /* union bpf_dynptr, 16 bytes */
	T_PUDYN,    /* pointer to it */
	T_DYNLIKE,  /* struct bpf_dynptr_like, 16 bytes: a different name */
	T_PDYNLIKE, /* pointer to it */
	T_FIRST_FUNC
};

/* argument kinds in a case's function list, by the type they point at */
static const struct {
	const char *kind;
	uint32_t type;
} dg_kinds[] = {
        {"int", T_INT},  {"p", T_PINT},     {"ctx", T_PCTX}, {"d", T_PDYN},      {"cd", T_PCDYN},
        {"fd", T_PFDYN}, {"fo", T_PFOTHER}, {"ud", T_PUDYN}, {"dl", T_PDYNLIKE},
};

struct dg_buf {
	char *p;
	size_t len, cap;
};

static void dg_add(struct dg_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void dg_u32(struct dg_buf *b, uint32_t v)
{
	dg_add(b, &v, 4);
}

static uint32_t dg_str(struct dg_buf *s, const char *str)
{
	uint32_t off = (uint32_t)s->len;
	dg_add(s, str, strlen(str) + 1);
	return off;
}

#define INFO(kind, vlen, kflag) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))

static void dg_type(struct dg_buf *t, struct dg_buf *s, const char *name, uint32_t info,
                    uint32_t size_or_type)
{
	dg_u32(t, name ? dg_str(s, name) : 0);
	dg_u32(t, info);
	dg_u32(t, size_or_type);
}

struct dg_func {
	char name[16];
	int global;
	int nargs;
	uint32_t args[5];
};

/* "main:g:ctx sub:g:d,int" → functions in layout order. Returns the count. */
static int dg_parse_funcs(const char *spec, struct dg_func *f, int max)
{
	char buf[256], *save, *tok;
	int n = 0;
	snprintf(buf, sizeof buf, "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(n < max);
		char *c1 = strchr(tok, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		assert_non_null(c2);
		*c1 = *c2 = 0;
		memset(&f[n], 0, sizeof f[n]);
		snprintf(f[n].name, sizeof f[n].name, "%s", tok);
		f[n].global = c1[1] == 'g';
		char *save2, *a;
		for (a = strtok_r(c2 + 1, ",", &save2); a; a = strtok_r(NULL, ",", &save2)) {
			uint32_t ty = 0;
			for (size_t k = 0; k < N(dg_kinds); k++)
				if (!strcmp(a, dg_kinds[k].kind))
					ty = dg_kinds[k].type;
			assert_int_not_equal(ty, 0);
			f[n].args[f[n].nargs++] = ty;
		}
		n++;
	}
	return n;
}

/* The BTF blob for the functions; func_ids[i] = FUNC type id of function i. */
static void dg_btf(const struct dg_func *f, int nf, uint32_t prog_type, struct dg_buf *blob,
                   uint32_t *func_ids)
{
	struct dg_buf t = {0}, s = {0};
	dg_str(&s, "");
	dg_type(&t, &s, "int", INFO(1, 0, 0), 4);
	dg_u32(&t, (1u << 24) | 32); /* signed, 32 bits */
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_INT);
	dg_type(&t, &s, prog_type == BPF_PROG_TYPE_XDP ? "xdp_md" : "__sk_buff", INFO(4, 0, 0), 0);
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_CTX);
	dg_type(&t, &s, "bpf_dynptr", INFO(4, 0, 0), 16);
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_DYN);
	dg_type(&t, &s, NULL, INFO(10, 0, 0), T_DYN); /* const */
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_CDYN);
	dg_type(&t, &s, "bpf_dynptr", INFO(7, 0, 0), 0); /* struct fwd */
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_FDYN);
	dg_type(&t, &s, "other", INFO(7, 0, 0), 0);
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_FOTHER);
	dg_type(&t, &s, "bpf_dynptr", INFO(5, 0, 0), 16); /* union */
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_UDYN);
	dg_type(&t, &s, "bpf_dynptr_like", INFO(4, 0, 0), 16);
	dg_type(&t, &s, NULL, INFO(2, 0, 0), T_DYNLIKE);
	uint32_t next = T_FIRST_FUNC;
	for (int i = 0; i < nf; i++) {
		static const char *const names[] = {"a0", "a1", "a2", "a3", "a4"};
		uint32_t proto = next++;
		dg_type(&t, &s, NULL, INFO(13, (uint32_t)f[i].nargs, 0), T_INT);
		for (int a = 0; a < f[i].nargs; a++) {
			dg_u32(&t, dg_str(&s, names[a]));
			dg_u32(&t, f[i].args[a]);
		}
		func_ids[i] = next++;
		dg_type(&t, &s, f[i].name, INFO(12, (uint32_t)f[i].global, 0), proto);
	}
	struct {
		uint16_t magic;
		uint8_t version, flags;
		uint32_t hdr_len, type_off, type_len, str_off, str_len;
	} h = {0xeb9f, 1, 0, 24, 0, (uint32_t)t.len, (uint32_t)t.len, (uint32_t)s.len};
	blob->len = 0;
	dg_add(blob, &h, sizeof h);
	dg_add(blob, t.p, t.len);
	dg_add(blob, s.p, s.len);
	free(t.p);
	free(s.p);
}

/* --- the cases --- */

struct dg_case {
	const char *name;
	uint32_t prog_type; /* 0: socket filter */
	const char *funcs;  /* one per subprogram, in layout order */
	const char *text;   /* {arr}: ARRAY 4 x 48 (value 0 = bytes 1..48), {rb}: RINGBUF 4096 */
};

/* r7 = array value 0 (key at fp-44), or goto out */
#define VALUE                                                                                      \
	"*(u32 *)(r10 - 44) = 0\nr1 = {arr} ll\nr2 = r10\nr2 += -44\ncall 1\n"                     \
	"if r0 == 0 goto out\nr7 = r0\n"
/* a local dynptr over the value's first 48 bytes at fp-16 */
#define LOCAL VALUE "r1 = r7\nr2 = 48\nr3 = 0\nr4 = r10\nr4 += -16\ncall bpf_dynptr_from_mem#197\n"
#define RB                                                                                         \
	"r1 = {rb} ll\nr2 = 16\nr3 = 0\nr4 = r10\nr4 += -16\ncall "                                \
	"bpf_ringbuf_reserve_dynptr#198\n"
#define DISCARD "r1 = r10\nr1 += -16\nr2 = 0\ncall bpf_ringbuf_discard_dynptr#200\n"
#define CALL_SUB "r1 = r10\nr1 += -16\ncall sub\n"
#define OUT "out:\nr0 = 0\nexit\n"
/* the callee: r0 = dynptr_read(fp-8, 8, r1, off, 0); r0 = r0 ? r0 : the 8 bytes read */
#define SUB_READ(off)                                                                              \
	"sub:\nr3 = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr4 = " #off "\nr5 = 0\n"                       \
	"call bpf_dynptr_read#201\nif r0 != 0 goto sub_out\nr0 = *(u64 *)(r10 - 8)\n"              \
	"sub_out:\nexit\n"
#define SUB_EXIT "sub:\nr0 = 0\nexit\n"

static const struct dg_case dg_cases[] = {
        /* what the caller may pass */
        {"local dynptr read by a global", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(8)},
        {"read past the end in the global", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(44)},
        {"ringbuf dynptr read by a global", 0, "main:g:ctx sub:g:d",
         RB "r1 = r10\nr1 += -16\ncall sub\nr6 = r0\n" DISCARD "r0 = r6\nexit\n" SUB_READ(20)},
        {"ringbuf dynptr not released after the call", 0, "main:g:ctx sub:g:d",
         RB CALL_SUB "exit\n" SUB_EXIT},
        {"null ringbuf dynptr (too big) read by a global", 0, "main:g:ctx sub:g:d",
         "r1 = {rb} ll\nr2 = 8192\nr3 = 0\nr4 = r10\nr4 += -16\n"
         "call bpf_ringbuf_reserve_dynptr#198\nr1 = r10\nr1 += -16\ncall sub\nr6 = r0\n" DISCARD
         "r0 = r6\nexit\n" SUB_READ(0)},
        {"uninitialised stack", 0, "main:g:ctx sub:g:d", CALL_SUB "exit\n" SUB_EXIT},
        {"scalar", 0, "main:g:ctx sub:g:d", "r1 = 0\ncall sub\nexit\n" SUB_EXIT},
        {"ctx", 0, "main:g:ctx sub:g:d", "call sub\nexit\n" SUB_EXIT},
        {"map value", 0, "main:g:ctx sub:g:d", VALUE "r1 = r7\ncall sub\nexit\n" OUT SUB_EXIT},
        {"dynptr at fp-12", 0, "main:g:ctx sub:g:d",
         LOCAL "r1 = r10\nr1 += -12\ncall sub\nexit\n" OUT SUB_EXIT},
        {"second slot of a dynptr", 0, "main:g:ctx sub:g:d",
         LOCAL "r1 = r10\nr1 += -8\ncall sub\nexit\n" OUT SUB_EXIT},
        {"variable offset", 0, "main:g:ctx sub:g:d",
         LOCAL "r2 = *(u32 *)(r7 + 0)\nr2 &= 8\nr1 = r10\nr1 += -16\nr1 += r2\ncall sub\nexit\n" OUT
                 SUB_EXIT},
        {"after discard", 0, "main:g:ctx sub:g:d", RB DISCARD CALL_SUB "exit\n" SUB_EXIT},
        {"after a store into it", 0, "main:g:ctx sub:g:d",
         LOCAL "*(u64 *)(r10 - 16) = 0\n" CALL_SUB "exit\n" OUT SUB_EXIT},
        {"dynptr in r2", 0, "main:g:ctx sub:g:int,d",
         LOCAL "r1 = 3\nr2 = r10\nr2 += -16\ncall sub\nexit\n" OUT
               "sub:\nr3 = r2\nr6 = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr4 = 0\nr5 = 0\n"
               "call bpf_dynptr_read#201\nr0 = *(u8 *)(r10 - 8)\nr0 += r6\nexit\n"},
        {"int where the dynptr goes", 0, "main:g:ctx sub:g:int,d",
         LOCAL "r1 = r10\nr1 += -16\nr2 = 3\ncall sub\nexit\n" OUT SUB_EXIT},
        {"dynptr still usable after the call", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "r6 = r0\nr1 = r10\nr1 += -24\nr2 = 1\nr3 = r10\nr3 += -16\nr4 = 3\n"
                        "r5 = 0\ncall bpf_dynptr_read#201\nr0 = *(u8 *)(r10 - 24)\nr0 += r6\n"
                        "exit\n" OUT SUB_READ(0)},
        {"xdp", BPF_PROG_TYPE_XDP, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "r0 = 2\nexit\n" OUT SUB_READ(0)},
        /* the types that make an argument a dynptr */
        {"const struct bpf_dynptr *", 0, "main:g:ctx sub:g:cd",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(1)},
        {"forward-declared struct bpf_dynptr *", 0, "main:g:ctx sub:g:fd",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(2)},
        {"union bpf_dynptr *", 0, "main:g:ctx sub:g:ud", LOCAL CALL_SUB "exit\n" OUT SUB_READ(3)},
        {"struct bpf_dynptr_like * is memory", 0, "main:g:ctx sub:g:dl",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(0)},
        {"struct bpf_dynptr_like * given 16 bytes", 0, "main:g:ctx sub:g:dl",
         "*(u64 *)(r10 - 16) = 5\n*(u64 *)(r10 - 8) = 6\n" CALL_SUB "exit\n"
         "sub:\nr0 = *(u64 *)(r1 + 8)\nexit\n"},
        {"forward-declared other struct", 0, "main:g:ctx sub:g:fo",
         LOCAL CALL_SUB "exit\n" OUT SUB_EXIT},
        {"static function, initialised", 0, "main:g:ctx sub:s:d",
         LOCAL CALL_SUB "exit\n" OUT SUB_READ(4)},
        {"static function, uninitialised", 0, "main:g:ctx sub:s:d", CALL_SUB "exit\n" SUB_READ(0)},
        /* what the callee may do with it */
        {"write through it", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "r0 = *(u32 *)(r7 + 0)\nexit\n" OUT
                        "sub:\n*(u64 *)(r10 - 8) = 0x55\nr3 = r10\nr3 += -8\nr2 = 0\nr4 = 1\n"
                        "r5 = 0\ncall bpf_dynptr_write#202\nexit\n"},
        {"slice of it", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT
                        "sub:\nr2 = 4\nr3 = 8\ncall bpf_dynptr_data#203\nif r0 == 0 goto null\n"
                        "r0 = *(u64 *)(r0 + 0)\nexit\nnull:\nr0 = 7\nexit\n"},
        {"slice past its size", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT
                        "sub:\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\nif r0 == 0 goto null\n"
                        "r0 = *(u64 *)(r0 + 4)\nexit\nnull:\nr0 = 7\nexit\n"},
        {"remake it with from_mem", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT
                        "sub:\nr4 = r1\nr1 = r10\nr1 += -8\n*(u64 *)(r10 - 8) = 0\nr2 = 8\nr3 = 0\n"
                        "call bpf_dynptr_from_mem#197\nr0 = 0\nexit\n"},
        {"submit it", 0, "main:g:ctx sub:g:d",
         RB CALL_SUB DISCARD "r0 = 0\nexit\n"
                             "sub:\nr2 = 0\ncall bpf_ringbuf_submit_dynptr#199\n"
                             "r0 = 0\nexit\n"},
        {"load from it", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\nr0 = *(u64 *)(r1 + 0)\nexit\n"},
        {"store into it", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\n*(u64 *)(r1 + 0) = 0\nr0 = 0\nexit\n"},
        {"pointer arithmetic on it", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\nr1 += 8\nr0 = 0\nexit\n"},
        {"spilled and filled", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT
                        "sub:\n*(u64 *)(r10 - 16) = r1\nr1 = *(u64 *)(r10 - 16)\nr3 = r1\n"
                        "r1 = r10\nr1 += -8\nr2 = 8\nr4 = 0\nr5 = 0\ncall bpf_dynptr_read#201\n"
                        "r0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"passed on to another global", 0, "main:g:ctx sub:g:d sub2:g:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\ncall sub2\nr0 += 1\nexit\n"
                        "sub2:\nr3 = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr4 = 8\nr5 = 0\n"
                        "call bpf_dynptr_read#201\nr0 = *(u64 *)(r10 - 8)\nexit\n"},
        {"passed on to a static", 0, "main:g:ctx sub:g:d sub2:s:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\ncall sub2\nr0 += 1\nexit\n"
                        "sub2:\nr3 = r1\nr1 = r10\nr1 += -8\nr2 = 8\nr4 = 16\n"
                        "r5 = 0\ncall bpf_dynptr_read#201\nr0 = *(u64 *)(r10 - 8)\n"
                        "exit\n"},
        {"passed as memory to a helper", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB
         "exit\n" OUT "sub:\nr3 = r1\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_probe_read_kernel#113\n"
         "r0 = 0\nexit\n"},
        {"compared with NULL", 0, "main:g:ctx sub:g:d",
         LOCAL CALL_SUB "exit\n" OUT "sub:\nr0 = 1\nif r1 == 0 goto z\nr0 = 2\nz:\nexit\n"},
};

/* --- loading and running --- */

struct dg_maps {
	int arr, rb;
};

static void dg_maps_create(int kernel, struct dg_maps *m)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 48;
	a.max_entries = 4;
	m->arr = mt_side_bpf(kernel, BPF_MAP_CREATE, &a);
	assert_true(m->arr >= 0);
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = 4096;
	m->rb = mt_side_bpf(kernel, BPF_MAP_CREATE, &a);
	assert_true(m->rb >= 0);
}

/* value 0 = bytes 1..48; *out = its first 8 bytes as a u64 after a run */
static void dg_value(int kernel, const struct dg_maps *m, int set, uint64_t *out)
{
	uint8_t v[48];
	uint32_t k = 0;
	for (int i = 0; i < 48; i++)
		v[i] = (uint8_t)(i + 1);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)m->arr;
	a.key = (uintptr_t)&k;
	a.value = (uintptr_t)v;
	assert_int_equal(mt_side_bpf(kernel, set ? BPF_MAP_UPDATE_ELEM : BPF_MAP_LOOKUP_ELEM, &a),
	                 0);
	if (out)
		memcpy(out, v, 8);
}

/* The case's text with {arr}/{rb} replaced by map[fd:N]. */
static void dg_subst(const char *text, const struct dg_maps *m, char *out, size_t len)
{
	size_t o = 0;
	while (*text && o + 32 < len) {
		if (!strncmp(text, "{arr}", 5) || !strncmp(text, "{rb}", 4)) {
			int arr = text[1] == 'a';
			o += (size_t)snprintf(out + o, len - o, "map[fd:%d]", arr ? m->arr : m->rb);
			text += arr ? 5 : 4;
		} else {
			out[o++] = *text++;
		}
	}
	out[o] = 0;
}

static int dg_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Subprogram starts: 0 and every bpf-to-bpf call target, ascending, distinct. */
static int dg_subprogs(const struct bpf_insn *insns, size_t cnt, uint32_t *starts, int max)
{
	int n = 0;
	starts[n++] = 0;
	for (size_t i = 0; i < cnt; i++)
		if (insns[i].code == (BPF_JMP | BPF_CALL) && insns[i].src_reg == BPF_PSEUDO_CALL) {
			uint32_t t = (uint32_t)((int64_t)i + insns[i].imm + 1);
			int seen = 0;
			for (int k = 0; k < n; k++)
				seen |= starts[k] == t;
			if (!seen && n < max)
				starts[n++] = t;
		}
	qsort(starts, (size_t)n, sizeof *starts, dg_cmp_u32);
	return n;
}

static void dg_one(int kernel, const struct dg_case *c, const struct dg_maps *m,
                   struct mt_trace *tr)
{
	static char text[8192], log[1 << 16];
	uint32_t prog_type = c->prog_type ? c->prog_type : BPF_PROG_TYPE_SOCKET_FILTER;
	dg_subst(c->text, m, text, sizeof text);
	struct bpf_insn *insns;
	size_t cnt;
	struct userbpf_error e;
	if (userbpf_asm(text, &insns, &cnt, &e)) {
		print_error("%s: asm line %d: %s\n%s\n", c->name, e.insn, e.msg, text);
		fail();
	}
	struct dg_func f[4];
	uint32_t func_ids[4], starts[4];
	int nf = dg_parse_funcs(c->funcs, f, 4);
	assert_int_equal(dg_subprogs(insns, cnt, starts, 4), nf);
	struct dg_buf blob = {0};
	dg_btf(f, nf, prog_type, &blob, func_ids);
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.btf = (uintptr_t)blob.p;
	a.btf_size = (uint32_t)blob.len;
	int btf_fd = mt_side_bpf(kernel, BPF_BTF_LOAD, &a);
	assert_true(btf_fd >= 0);
	struct bpf_func_info fi[4];
	for (int i = 0; i < nf; i++)
		fi[i] = (struct bpf_func_info){.insn_off = starts[i], .type_id = func_ids[i]};

	memset(&a, 0, sizeof a);
	a.prog_type = prog_type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	a.prog_btf_fd = (uint32_t)btf_fd;
	a.func_info = (uintptr_t)fi;
	a.func_info_cnt = (uint32_t)nf;
	a.func_info_rec_size = sizeof fi[0];
	log[0] = 0;
	int fd = mt_side_bpf(kernel, BPF_PROG_LOAD, &a);
	free(insns);
	free(blob.p);
	if (fd < 0) {
		/* the last two lines: "Caller passes invalid args" follows the reason */
		const char *last = "", *prev = "";
		for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
			if (*p && strncmp(p, "processed ", 10) &&
			    strncmp(p, "verification time", 17)) {
				prev = last;
				last = p;
			}
		mt_tr(tr, "%s: ERR %d %s | %s", c->name, -fd, prev, last);
		mt_side_close(kernel, btf_fd);
		return;
	}
	/* run it on a 64-byte frame, with value 0 reset first */
	dg_value(kernel, m, 1, NULL);
	uint8_t pkt[64] = {0};
	pkt[12] = 0x08;
	memset(&a, 0, sizeof a);
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uintptr_t)pkt;
	a.test.data_size_in = sizeof pkt;
	a.test.repeat = 1;
	int err = mt_side_bpf(kernel, BPF_PROG_TEST_RUN, &a);
	uint64_t v0;
	dg_value(kernel, m, 0, &v0);
	if (err)
		mt_tr(tr, "%s: OK run err %d", c->name, err);
	else
		mt_tr(tr, "%s: OK retval %d value 0x%016llx", c->name, (int)a.test.retval,
		      (unsigned long long)v0);
	mt_side_close(kernel, fd);
	mt_side_close(kernel, btf_fd);
}

static void dg_script(int kernel, struct mt_trace *tr)
{
	struct dg_maps m;
	dg_maps_create(kernel, &m);
	for (size_t i = 0; i < N(dg_cases); i++)
		dg_one(kernel, &dg_cases[i], &m, tr);
	mt_side_close(kernel, m.arr);
	mt_side_close(kernel, m.rb);
}

#define FIXTURE USERBPF_FIXTURES_DIR "/verifier_dynptr_global_kernel.txt"

static void test_fixture(void **state)
{
	(void)state;
	char *want = tu_read_file(FIXTURE, NULL);
	assert_non_null(want);
	struct mt_trace ours = {0};
	dg_script(0, &ours);
	int diffs = mt_compare("dynptr_global fixture", want, ours.buf);
	free(want);
	free(ours.buf);
	assert_int_equal(diffs, 0);
}

static void test_live_kernel(void **state)
{
	(void)state;
	if (!tu_kernel_bpf_available()) {
		printf("dynptr_global live kernel: skipped (no bpf() here; fixture checked)\n");
		skip();
	}
	struct mt_trace kern = {0}, ours = {0};
	dg_script(1, &kern);
	dg_script(0, &ours);
	if (getenv("USERBPF_RECORD_FIXTURES")) {
		struct utsname u;
		uname(&u);
		FILE *f = fopen(FIXTURE, "w");
		assert_non_null(f);
		fprintf(f,
		        "# The host kernel's answers to the cases of "
		        "tests/unit/test_verifier_dynptr_global.c (Linux %s).\n"
		        "# Re-record: USERBPF_RECORD_FIXTURES=1 test_verifier_dynptr_global (as "
		        "root).\n",
		        u.release);
		fputs(kern.buf, f);
		fclose(f);
	}
	int diffs = mt_compare("dynptr_global live kernel", kern.buf, ours.buf);
	free(kern.buf);
	free(ours.buf);
	assert_int_equal(diffs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_live_kernel),
	        cmocka_unit_test(test_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
