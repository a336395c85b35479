/* Our BPF ABI definitions (<userbpf/bpf_uapi.h>) against the kernel's.
 *
 * Only our header is included here. The system's <linux/bpf.h> enters as numbers: the table
 * uapi_sys_layout.h (made by gen_uapi_layout.py) holds sizeof/alignment of every struct, union
 * and named enum, offsetof/sizeof of every member, bitfield positions and every enum constant and
 * numeric macro, as compiled against the system header. The seed header (the ~v6.9 UAPI text in
 * shared/seeds) is read at run time for the values newer than the system's.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uapi_sys_layout.h"

/* Make sure the definitions under test are ours, not the system's: in ours a __u64 member is
 * uint64_t (unsigned long on LP64), in the system's it is unsigned long long. */
#if defined(__LP64__)
_Static_assert(
        __builtin_types_compatible_p(__typeof__(((union bpf_attr *)0)->map_extra), uint64_t),
        "the system <linux/bpf.h> was included: the checks below would compare it to itself");
#endif

static unsigned checks, failures;

static void check(int ok, const char *what, long long ours, long long want)
{
	checks++;
	if (!ok) {
		failures++;
		print_error("mismatch: %s: ours %lld, expected %lld\n", what, ours, want);
	}
}

/* Sizes of extensible structs and the __MAX_* style counts grow with every kernel release: for
 * these, ours (v6.9) must be at least the older reference's. Their exact v6.9 values are checked
 * in test_newer_than_system. */
static const char *const grows[] = {
        "sizeof(union bpf_attr)",
        "sizeof(union bpf_attr.query)",
        "sizeof(union bpf_attr.link_create)",
        "sizeof(struct bpf_link_info)",
        "sizeof(struct bpf_sock_ops)",
        "sizeof(struct bpf_map_info)",
        "__MAX_BPF_MAP_TYPE",
        "__MAX_BPF_ATTACH_TYPE",
        "MAX_BPF_ATTACH_TYPE",
        "MAX_BPF_LINK_TYPE",
        "__MAX_BPF_LINK_TYPE",
        "__BPF_FUNC_MAX_ID",
        "BPF_TCP_MAX_STATES",
};

static void check_eq(const char *what, long long ours, long long want)
{
	for (size_t i = 0; i < sizeof(grows) / sizeof(grows[0]); i++)
		if (!strcmp(what, grows[i])) {
			check(ours >= want, what, ours, want);
			return;
		}
	check(ours == want, what, ours, want);
}

static void report(const char *what)
{
	unsigned bad = failures;

	print_message("%s: %u checks, %u mismatches\n", what, checks, failures);
	checks = failures = 0;
	assert_int_equal(bad, 0);
}

static void test_sizes(void **state)
{
	(void)state;
#define X(type, size, align)                                                                       \
	check_eq("sizeof(" #type ")", (long long)sizeof(type), size);                              \
	check_eq("_Alignof(" #type ")", (long long)_Alignof(type), align);
	USERBPF_SYS_SIZES(X)
#undef X
	report("sizes and alignments");
}

static void test_offsets(void **state)
{
	(void)state;
#define X(type, member, off, size)                                                                 \
	check_eq("offsetof(" #type ", " #member ")", (long long)offsetof(type, member), off);      \
	check_eq("sizeof(" #type "." #member ")", (long long)sizeof(((type *)0)->member), size);
	USERBPF_SYS_OFFSETS(X)
#undef X
#define X(type, member, off)                                                                       \
	check_eq("offsetof(" #type ", " #member ")", (long long)offsetof(type, member), off);
	USERBPF_SYS_FLEX(X)
#undef X
	report("member offsets and sizes");
}

/* Where a bitfield's bits land: first non-zero byte after setting only it, and 8 bytes from there.
 */
static void bit_position(const unsigned char *p, size_t n, size_t *first, unsigned long long *mask)
{
	size_t f = 0;
	unsigned long long m = 0;

	while (f < n && !p[f])
		f++;
	for (size_t k = 0; k < 8 && f + k < n; k++)
		m |= (unsigned long long)p[f + k] << (8 * k);
	*first = f;
	*mask = m;
}

static void test_bitfields(void **state)
{
	volatile unsigned long long all = ~0ULL;

	(void)state;
#define X(type, member, byte, bits)                                                                \
	{                                                                                          \
		type o;                                                                            \
		size_t first;                                                                      \
		unsigned long long mask;                                                           \
		memset(&o, 0, sizeof(o));                                                          \
		o.member = all;                                                                    \
		bit_position((const unsigned char *)&o, sizeof(o), &first, &mask);                 \
		check_eq("byte of " #type "." #member, (long long)first, byte);                    \
		check_eq("bits of " #type "." #member, (long long)mask, (long long)(bits));        \
	}
	USERBPF_SYS_BITFIELDS(X)
#undef X
	report("bitfields");
}

static void test_values(void **state)
{
	(void)state;
#define X(name, value) check_eq(#name, (long long)(name), value);
	USERBPF_SYS_VALUES(X)
#undef X
	report("enum constants and macros");
}

/* Function-like macros have no value to tabulate: check them on sample arguments. */
static void test_macros(void **state)
{
	(void)state;
	check_eq("BPF_CLASS", BPF_CLASS(0x95), 0x05);
	check_eq("BPF_SIZE", BPF_SIZE(0x7b), 0x18);
	check_eq("BPF_MODE", BPF_MODE(0x7b), 0x60);
	check_eq("BPF_OP", BPF_OP(0xbf), 0xb0);
	check_eq("BPF_SRC", BPF_SRC(0xbf), 0x08);
	check_eq("BPF_F_ADJ_ROOM_ENCAP_L2", (long long)BPF_F_ADJ_ROOM_ENCAP_L2(14),
	         (long long)(14ULL << 56));
	check_eq("BPF_LINE_INFO_LINE_NUM", BPF_LINE_INFO_LINE_NUM((123u << 10) | 45u), 123);
	check_eq("BPF_LINE_INFO_LINE_COL", BPF_LINE_INFO_LINE_COL((123u << 10) | 45u), 45);
	check_eq("BPF_F_REDIRECT_FLAGS", BPF_F_REDIRECT_FLAGS,
	         BPF_F_INGRESS | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS);
	report("function-like macros");
}

/* Facts of the v6.9-era ABI that this system's header is too old to hold. Offsets follow from
 * the member lists: each one is the running sum of the earlier members' sizes and alignment. */
static void test_newer_than_system(void **state)
{
	(void)state;
	check_eq("BPF_TOKEN_CREATE", BPF_TOKEN_CREATE, 36);
	check_eq("__MAX_BPF_CMD", __MAX_BPF_CMD, 37);
	check_eq("BPF_MAP_TYPE_CGRP_STORAGE", BPF_MAP_TYPE_CGRP_STORAGE, 32);
	check_eq("BPF_MAP_TYPE_ARENA", BPF_MAP_TYPE_ARENA, 33);
	check(__MAX_BPF_MAP_TYPE == 34, "__MAX_BPF_MAP_TYPE", __MAX_BPF_MAP_TYPE, 34);
	check_eq("BPF_PROG_TYPE_NETFILTER", BPF_PROG_TYPE_NETFILTER, 32);
	check_eq("BPF_NETKIT_PEER", BPF_NETKIT_PEER, 55);
	check(__MAX_BPF_ATTACH_TYPE == 56, "__MAX_BPF_ATTACH_TYPE", __MAX_BPF_ATTACH_TYPE, 56);
	check_eq("BPF_LINK_TYPE_NETKIT", BPF_LINK_TYPE_NETKIT, 13);
	check_eq("BPF_F_TOKEN_FD", BPF_F_TOKEN_FD, 1 << 16);
	check_eq("BPF_F_SEGV_ON_FAULT", BPF_F_SEGV_ON_FAULT, 1 << 17);
	check_eq("BPF_F_NO_USER_CONV", BPF_F_NO_USER_CONV, 1 << 18);
	check_eq("BPF_FUNC_user_ringbuf_drain", BPF_FUNC_user_ringbuf_drain, 209);
	check_eq("BPF_FUNC_cgrp_storage_get", BPF_FUNC_cgrp_storage_get, 210);
	check_eq("BPF_FUNC_cgrp_storage_delete", BPF_FUNC_cgrp_storage_delete, 211);
	check(__BPF_FUNC_MAX_ID == 212, "__BPF_FUNC_MAX_ID", __BPF_FUNC_MAX_ID, 212);
	check_eq("BPF_FIB_LOOKUP_MARK", BPF_FIB_LOOKUP_MARK, 1 << 5);
	check_eq("BPF_TCP_BOUND_INACTIVE", BPF_TCP_BOUND_INACTIVE, 13);

	check_eq("attr.map_token_fd", offsetof(union bpf_attr, map_token_fd), 76);
	check_eq("attr.value_type_btf_obj_fd", offsetof(union bpf_attr, value_type_btf_obj_fd), 72);
	check_eq("attr.prog_token_fd", offsetof(union bpf_attr, prog_token_fd), 144);
	check_eq("attr.log_true_size", offsetof(union bpf_attr, log_true_size), 140);
	check_eq("attr.path_fd", offsetof(union bpf_attr, path_fd), 16);
	check_eq("attr.expected_revision", offsetof(union bpf_attr, expected_revision), 24);
	check_eq("attr.test.batch_size", offsetof(union bpf_attr, test.batch_size), 72);
	check_eq("attr.query.revision", offsetof(union bpf_attr, query.revision), 56);
	check_eq("attr.btf_token_fd", offsetof(union bpf_attr, btf_token_fd), 36);
	check_eq("attr.link_create.uprobe_multi.pid",
	         offsetof(union bpf_attr, link_create.uprobe_multi.pid), 56);
	check_eq("attr.link_create.netkit.expected_revision",
	         offsetof(union bpf_attr, link_create.netkit.expected_revision), 24);
	check_eq("attr.token_create.bpffs_fd", offsetof(union bpf_attr, token_create.bpffs_fd), 4);
	check(sizeof(union bpf_attr) == 152, "bpf_attr size", sizeof(union bpf_attr), 152);

	check_eq("link_info.perf_event.kprobe.cookie",
	         offsetof(struct bpf_link_info, perf_event.kprobe.cookie), 56);
	check_eq("link_info.uprobe_multi.pid", offsetof(struct bpf_link_info, uprobe_multi.pid),
	         60);
	check_eq("link_info.kprobe_multi.cookies",
	         offsetof(struct bpf_link_info, kprobe_multi.cookies), 40);
	check_eq("link_info.netkit.attach_type", offsetof(struct bpf_link_info, netkit.attach_type),
	         20);
	check(sizeof(struct bpf_link_info) == 64, "bpf_link_info size",
	      sizeof(struct bpf_link_info), 64);
	check_eq("sock_ops.skb_hwtstamp", offsetof(struct bpf_sock_ops, skb_hwtstamp), 216);
	check(sizeof(struct bpf_sock_ops) == 224, "bpf_sock_ops size", sizeof(struct bpf_sock_ops),
	      224);
	check_eq("fib_lookup.mark", offsetof(struct bpf_fib_lookup, mark), 52);
	check_eq("sizeof(struct bpf_fib_lookup)", sizeof(struct bpf_fib_lookup), 64);
	check_eq("sizeof(struct bpf_list_node)", sizeof(struct bpf_list_node), 24);
	check_eq("sizeof(struct bpf_rb_node)", sizeof(struct bpf_rb_node), 32);
	check_eq("sizeof(struct bpf_refcount)", sizeof(struct bpf_refcount), 4);
	check_eq("sizeof(struct bpf_iter_num)", sizeof(struct bpf_iter_num), 8);
	/* Linux 6.18 (the host kernel answers with these): a frozen array's hash */
	check_eq("map_info.btf_vmlinux_id", offsetof(struct bpf_map_info, btf_vmlinux_id), 76);
	check_eq("map_info.hash", offsetof(struct bpf_map_info, hash), 88);
	check_eq("map_info.hash_size", offsetof(struct bpf_map_info, hash_size), 96);
	check(sizeof(struct bpf_map_info) == 104, "bpf_map_info size", sizeof(struct bpf_map_info),
	      104);
	report("v6.9 facts newer than the system header");
}

/* ---- The seed: a plain-text copy of the UAPI header, with its own comments. ---- */

struct seed_value {
	const char *name;
	long long ours;
	long long seed;
	int found;
};

static struct seed_value seed_values[] = {
#define X(name) {#name, (long long)(name), 0, 0},
        USERBPF_SEED_NAMES(X)
#undef X
};
#define N_SEED_VALUES (sizeof(seed_values) / sizeof(seed_values[0]))

static struct seed_value *seed_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < N_SEED_VALUES; i++)
		if (strlen(seed_values[i].name) == len && !memcmp(seed_values[i].name, name, len))
			return &seed_values[i];
	return NULL;
}

/* A tiny evaluator for the seed's constant expressions: numbers, names defined earlier, '-',
 * '<<', '|' and parentheses. Returns 0 on anything else. */
struct cursor {
	const char *p, *end;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static int eval_or(struct cursor *c, long long *v);

static int eval_primary(struct cursor *c, long long *v)
{
	skip_space(c);
	if (c->p >= c->end)
		return 0;
	if (*c->p == '(') {
		c->p++;
		if (!eval_or(c, v))
			return 0;
		skip_space(c);
		if (c->p >= c->end || *c->p != ')')
			return 0;
		c->p++;
		return 1;
	}
	if (*c->p == '-') {
		c->p++;
		if (!eval_primary(c, v))
			return 0;
		*v = -*v;
		return 1;
	}
	if (*c->p >= '0' && *c->p <= '9') {
		char *e;
		*v = (long long)strtoull(c->p, &e, 0);
		c->p = e;
		while (c->p < c->end && strchr("uUlL", *c->p))
			c->p++;
		return 1;
	}
	const char *s = c->p;
	while (c->p < c->end && (*c->p == '_' || (*c->p >= 'A' && *c->p <= 'Z') ||
	                         (*c->p >= 'a' && *c->p <= 'z') || (*c->p >= '0' && *c->p <= '9')))
		c->p++;
	struct seed_value *sv = seed_lookup(s, (size_t)(c->p - s));
	if (!sv || !sv->found)
		return 0;
	*v = sv->seed;
	return 1;
}

static int eval_shift(struct cursor *c, long long *v)
{
	if (!eval_primary(c, v))
		return 0;
	for (;;) {
		skip_space(c);
		if (c->end - c->p < 2 || c->p[0] != '<' || c->p[1] != '<')
			return 1;
		c->p += 2;
		long long r;
		if (!eval_primary(c, &r))
			return 0;
		*v = (long long)((unsigned long long)*v << r);
	}
}

static int eval_or(struct cursor *c, long long *v)
{
	if (!eval_shift(c, v))
		return 0;
	for (;;) {
		skip_space(c);
		if (c->p >= c->end || *c->p != '|')
			return 1;
		c->p++;
		long long r;
		if (!eval_shift(c, &r))
			return 0;
		*v |= r;
	}
}

static void seed_define(const char *name, size_t len, const char *expr, const char *end)
{
	struct seed_value *sv = seed_lookup(name, len);
	struct cursor c = {expr, end};
	long long v;

	if (sv && !sv->found && eval_or(&c, &v)) {
		sv->seed = v;
		sv->found = 1;
	}
}

/* Copy of the text with comments blanked out (the line structure is kept). */
static char *strip_comments(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	int in_comment = 0;

	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		if (!in_comment && text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
			in_comment = 1;
			out[i] = ' ';
		} else if (in_comment && text[i] == '*' && i + 1 < len && text[i + 1] == '/') {
			in_comment = 0;
			out[i] = out[i + 1] = ' ';
			i++;
		} else {
			out[i] = in_comment && text[i] != '\n' ? ' ' : text[i];
		}
	}
	out[len] = 0;
	return out;
}

static int is_ident(char ch)
{
	return ch == '_' || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9');
}

/* Walk #defines and enum bodies of the seed in order, giving each listed name its value. */
static void parse_seed(const char *s)
{
	const char *p = strstr(s, "#ifndef _UAPI__LINUX_BPF_H__");
	int in_enum = 0;
	long long next = 0;

	assert_non_null(p);
	while (*p) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (!in_enum && !strncmp(q, "#define ", 8)) {
			const char *n = q + 8, *ne = n;
			while (ne < eol && is_ident(*ne))
				ne++;
			if (ne < eol && (*ne == ' ' || *ne == '\t'))
				seed_define(n, (size_t)(ne - n), ne, eol);
		} else if (!in_enum && !strncmp(q, "enum", 4) &&
		           memchr(q, '{', (size_t)(eol - q)) &&
		           !memchr(q, ';', (size_t)(eol - q))) {
			in_enum = 1;
			next = 0;
		} else if (in_enum && *q == '}') {
			in_enum = 0;
		} else if (in_enum && is_ident(*q)) {
			/* One enumerator a line: NAME [= expr][,] */
			const char *ne = q;
			while (ne < eol && is_ident(*ne))
				ne++;
			const char *e = ne;
			while (e < eol && (*e == ' ' || *e == '\t'))
				e++;
			long long v = next;
			if (e < eol && *e == '=') {
				const char *x = e + 1, *xe = eol;
				while (xe > x && (xe[-1] == ',' || xe[-1] == ' ' ||
				                  xe[-1] == '\t' || xe[-1] == '\r'))
					xe--;
				struct cursor c = {x, xe};
				if (!eval_or(&c, &v))
					v = next; /* unknown form: leave the name unresolved below
					           */
			}
			struct seed_value *sv = seed_lookup(q, (size_t)(ne - q));
			if (sv && !sv->found) {
				sv->seed = v;
				sv->found = 1;
			}
			next = v + 1;
		}
		p = *eol ? eol + 1 : eol;
	}
}

static char *read_seed(size_t *len)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/seeds/003_bfb8c1ac8147b9f3.txt", USERBPF_SHARED_DIR);
	return tu_read_file(path, len);
}

static void test_seed_values(void **state)
{
	size_t len;
	char *text = read_seed(&len);

	(void)state;
	if (!text) {
		print_message("seed header not found under %s: skipped\n", USERBPF_SHARED_DIR);
		skip();
	}
	char *s = strip_comments(text, len);
	parse_seed(s);
	for (size_t i = 0; i < N_SEED_VALUES; i++) {
		check(seed_values[i].found, seed_values[i].name, seed_values[i].ours, -1);
		if (seed_values[i].found)
			check_eq(seed_values[i].name, seed_values[i].ours, seed_values[i].seed);
	}
	free(s);
	free(text);
	report("enum constants and macros of the seed");
}

/* The seed documents helpers in id order (a name documented twice is one helper); its text is
 * cut short, so every documented helper is checked, up to where it stops. */
static const char *const helper_names[] = {
#define X(id, name) [id] = #name,
        USERBPF_FUNC_MAPPER(X)
#undef X
};

static void test_seed_helper_ids(void **state)
{
	enum { MAX_SEEN = 256 };
	static char seen[MAX_SEEN][64];
	const size_t n_ours = sizeof(helper_names) / sizeof(helper_names[0]);
	size_t len, n = 0;
	char *text = read_seed(&len);

	(void)state;
	if (!text) {
		print_message("seed header not found under %s: skipped\n", USERBPF_SHARED_DIR);
		skip();
	}
	check_eq("helper name table size", (long long)n_ours, __BPF_FUNC_MAX_ID);
	const char *p = strstr(text, "Start of BPF helper function descriptions");
	assert_non_null(p);
	while ((p = strchr(p, '\n'))) {
		p++;
		const char *eol = strchr(p, '\n');
		if (!eol)
			break;
		/* "* <type> bpf_NAME(args)" followed by a "* Description" line */
		if (p[0] != '*' || strncmp(eol + 1, "* Description", 13))
			continue;
		const char *paren = memchr(p, '(', (size_t)(eol - p));
		if (!paren)
			continue;
		const char *b = paren;
		while (b > p && is_ident(b[-1]))
			b--;
		if (paren - b < 5 || strncmp(b, "bpf_", 4))
			continue;
		b += 4;
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(paren - b), b);
		int dup = 0;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(seen[k], name);
		if (dup)
			continue; /* one helper, documented once per context type */
		assert_true(n + 1 < MAX_SEEN);
		snprintf(seen[n], sizeof(seen[n]), "%s", name);
		n++; /* helper ids start at 1 */
		checks++;
		if (n >= n_ours || strcmp(helper_names[n], name)) {
			failures++;
			print_error("helper %zu: seed says %s, ours %s\n", n, name,
			            n < n_ours ? helper_names[n] : "(none)");
		}
	}
	print_message("the seed documents helpers 1..%zu before its text stops\n", n);
	check(n >= 100, "helpers documented in the seed", (long long)n, 100);
	free(text);
	report("helper ids against the seed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sizes),       cmocka_unit_test(test_offsets),
	        cmocka_unit_test(test_bitfields),   cmocka_unit_test(test_values),
	        cmocka_unit_test(test_macros),      cmocka_unit_test(test_newer_than_system),
	        cmocka_unit_test(test_seed_values), cmocka_unit_test(test_seed_helper_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
