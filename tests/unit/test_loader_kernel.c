/* test_loader_kernel.c — the same objects through the host's libbpf and kernel, and ours.
 *
 * For every object libbpf 1.x can open: the same programs (section, type, expected attach
 * type, autoload) and the same maps (type, sizes, entries, flags, map_extra, BTF key/value
 * type ids) at open; then each program loaded on its own on both sides: the same verdict,
 * the same relocated instructions (map references compared by map name: fds differ), and
 * the same created maps (kernel-visible name, attributes). The kernel's answers are kept in
 * tests/fixtures/loader_kernel.txt (USERBPF_RECORD_FIXTURE=1 rewrites it), so without
 * bpf() the test still holds ours against them.
 *
 * Verdicts must agree: a program one side accepts and the other refuses fails the test,
 * whatever its type (every program type of the test objects is implemented).
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "test_loader_lib.h"

#define FIXTURE USERBPF_FIXTURES_DIR "/loader_kernel.txt"
#define BPF_FS_MAGIC_ 0xcafe4a11

static const char kconfig_text[] =
        "CONFIG_BPF_SYSCALL=y\nCONFIG_USERBPF_TRISTATE=m\nCONFIG_HZ=250\n"
        "CONFIG_USERBPF_BIG=0x123456789\nCONFIG_USERBPF_NAME=\"abc\"\n";

/* libbpf 1.1 cannot open legacy_maps and iproute2_maps (no legacy maps since 1.0) and
 * missing_map (nobody can); core_missing is in: both sides refuse it. */
static const char *const objs[] = {
        "sock_filter",  "xdp_count",       "xdp_rewrite", "tc_cls",      "tracing",
        "syscall",      "maps_hash",       "maps_array",  "maps_lpm",    "maps_ringbuf",
        "maps_queue",   "tail_calls",      "map_in_map",  "global_data", "custom_data",
        "subprogs",     "callbacks",       "kconfig",     "core",        "core_target",
        "core_missing", "pinned",          "sk_types",    "sec_modern",  "autoload",
        "perf_array",   "license_version", "proprietary", "map_attrs",   "unknown_section",
};

static char pin_root[256];

static bool uses_pins(const char *obj)
{
	return !strncmp(obj, "pinned", 6);
}

static struct bpf_object *k_open(const char *obj)
{
	char target[4096];
	snprintf(target, sizeof target, "%s", tl_obj("core_target"));
	LIBBPF_OPTS(bpf_object_open_opts, o);
	if (!strcmp(obj, "core") || !strcmp(obj, "core_missing"))
		o.btf_custom_path = target;
	if (!strcmp(obj, "kconfig"))
		o.kconfig = kconfig_text;
	if (uses_pins(obj))
		o.pin_root_path = pin_root;
	return bpf_object__open_file(tl_obj(obj), &o);
}

static struct userbpf_object *u_open(const char *obj)
{
	char target[4096];
	snprintf(target, sizeof target, "%s", tl_obj("core_target"));
	struct userbpf_object_open_opts o = {.sz = sizeof o};
	if (!strcmp(obj, "core") || !strcmp(obj, "core_missing"))
		o.btf_custom_path = target;
	if (!strcmp(obj, "kconfig"))
		o.kconfig = kconfig_text;
	o.pin_root_path = "/sys/fs/bpf/ldr_kernel";
	return tl_open(obj, &o);
}

static int quiet_libbpf(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return getenv("USERBPF_LOADER_DEBUG") ? vprintf(fmt, ap) : 0;
}

/* FNV-1a over the instructions, each map reference replaced by its map's name. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

typedef const char *(*map_name_by_fd)(void *obj, int fd);

static const char *k_map_by_fd(void *obj, int fd)
{
	struct bpf_map *m;
	bpf_object__for_each_map(m, (struct bpf_object *)obj) if (bpf_map__fd(m) ==
	                                                          fd) return bpf_map__name(m);
	return "?";
}

static const char *u_map_by_fd(void *obj, int fd)
{
	struct userbpf_map *m;
	userbpf_object__for_each_map(
	        m, (struct userbpf_object *)obj) if (userbpf_map__fd(m) ==
	                                             fd) return userbpf_map__name(m);
	return "?";
}

static uint64_t insn_hash(const struct bpf_insn *in, size_t n, map_name_by_fd byfd, void *obj)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn x = in[i];
		bool ld = x.code == (BPF_LD | BPF_IMM | BPF_DW);
		if (ld && (x.src_reg == BPF_PSEUDO_MAP_FD || x.src_reg == BPF_PSEUDO_MAP_VALUE)) {
			const char *name = byfd(obj, x.imm);
			h = fnv(h, name, strlen(name));
			x.imm = 0;
		}
		h = fnv(h, &x, sizeof x);
	}
	return h;
}

/* ---- what the kernel said: live, or from the fixture ---- */

struct kprog {
	char obj[32], name[64], sec[64];
	uint32_t type, attach;
	int autoload, verdict;
	uint64_t hash; /* relocated, as loaded */
	uint64_t raw;  /* as compiled: another clang makes other code, and the hash moot */
};

struct kmap {
	char obj[32], name[64], kname[16];
	uint32_t type, key, value, max, flags, btfk, btfv, kmax;
	uint64_t extra;
};

static struct kprog kprogs[256];
static struct kmap kmaps[128];
static size_t nkprogs, nkmaps;

static bool have_bpffs;

static void record_kernel(void)
{
	libbpf_set_print(quiet_libbpf);
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		const char *obj = objs[i];
		if (uses_pins(obj) && !have_bpffs) {
			print_message("  (no bpffs at /sys/fs/bpf: %s not asked)\n", obj);
			continue;
		}
		struct bpf_object *k = k_open(obj);
		if (!k)
			fail_msg("libbpf cannot open %s", obj);
		/* the whole object first: programs that need each other (a prog_array's
		 * initial slots) load together, as users load them */
		struct bpf_object *kw = k_open(obj);
		bool whole = bpf_object__load(kw) == 0;
		struct bpf_program *p;
		bpf_object__for_each_program(p, k)
		{
			struct kprog *kp = &kprogs[nkprogs++];
			snprintf(kp->obj, sizeof kp->obj, "%s", obj);
			snprintf(kp->name, sizeof kp->name, "%s", bpf_program__name(p));
			snprintf(kp->sec, sizeof kp->sec, "%s", bpf_program__section_name(p));
			kp->type = bpf_program__type(p);
			kp->attach = bpf_program__expected_attach_type(p);
			kp->raw = insn_hash(bpf_program__insns(p), bpf_program__insn_cnt(p),
			                    k_map_by_fd, k);
			kp->autoload = bpf_program__autoload(p);
			struct bpf_program *wp = bpf_object__find_program_by_name(kw, kp->name);
			if (whole && kp->autoload) {
				kp->verdict = 1;
				kp->hash = insn_hash(bpf_program__insns(wp),
				                     bpf_program__insn_cnt(wp), k_map_by_fd, kw);
				continue;
			}
			/* its own load: only this program */
			struct bpf_object *k1 = k_open(obj);
			struct bpf_program *q;
			bpf_object__for_each_program(q, k1) bpf_program__set_autoload(
			        q, !strcmp(bpf_program__name(q), kp->name));
			kp->verdict = bpf_object__load(k1) == 0;
			q = bpf_object__find_program_by_name(k1, kp->name);
			kp->hash = kp->verdict
			                   ? insn_hash(bpf_program__insns(q),
			                               bpf_program__insn_cnt(q), k_map_by_fd, k1)
			                   : 0;
			if (kp->verdict && uses_pins(obj))
				bpf_object__unpin_maps(k1, NULL);
			bpf_object__close(k1);
		}
		if (whole && uses_pins(obj))
			bpf_object__unpin_maps(kw, NULL);
		bpf_object__close(kw);
		/* maps: open-time attributes, then what the kernel created */
		struct bpf_object *kl = k_open(obj);
		bpf_object__for_each_program(p, kl) bpf_program__set_autoload(p, false);
		int lerr = bpf_object__load(kl);
		struct bpf_map *m;
		bpf_object__for_each_map(m, k)
		{
			struct kmap *km = &kmaps[nkmaps++];
			snprintf(km->obj, sizeof km->obj, "%s", obj);
			snprintf(km->name, sizeof km->name, "%s", bpf_map__name(m));
			km->type = bpf_map__type(m);
			km->key = bpf_map__key_size(m);
			km->value = bpf_map__value_size(m);
			km->max = bpf_map__max_entries(m);
			km->flags = bpf_map__map_flags(m);
			km->extra = bpf_map__map_extra(m);
			km->btfk = bpf_map__btf_key_type_id(m);
			km->btfv = bpf_map__btf_value_type_id(m);
			snprintf(km->kname, sizeof km->kname, "-");
			struct bpf_map *lm = bpf_object__find_map_by_name(kl, km->name);
			struct bpf_map_info info;
			uint32_t len = sizeof info;
			memset(&info, 0, sizeof info);
			if (!lerr && lm && !bpf_obj_get_info_by_fd(bpf_map__fd(lm), &info, &len)) {
				snprintf(km->kname, sizeof km->kname, "%s",
				         info.name[0] ? info.name : "-");
				km->kmax = info.max_entries;
			}
		}
		if (!lerr && uses_pins(obj))
			bpf_object__unpin_maps(kl, NULL);
		bpf_object__close(kl);
		bpf_object__close(k);
	}
}

static void write_fixture(void)
{
	FILE *f = fopen(FIXTURE, "w");
	assert_non_null(f);
	fprintf(f,
	        "# test_loader_kernel: what host libbpf %u.%u + Linux answered for tests/progs\n",
	        libbpf_major_version(), libbpf_minor_version());
	fprintf(f, "# prog OBJ NAME SECTION TYPE ATTACH AUTOLOAD VERDICT INSN_HASH RAW_HASH\n");
	fprintf(f, "# map OBJ NAME TYPE KEY VALUE MAX FLAGS EXTRA BTF_KEY BTF_VALUE KNAME KMAX\n");
	for (size_t i = 0; i < nkprogs; i++) {
		struct kprog *p = &kprogs[i];
		fprintf(f, "prog %s %s %s %u %u %d %d %016llx %016llx\n", p->obj, p->name, p->sec,
		        p->type, p->attach, p->autoload, p->verdict, (unsigned long long)p->hash,
		        (unsigned long long)p->raw);
	}
	for (size_t i = 0; i < nkmaps; i++) {
		struct kmap *m = &kmaps[i];
		fprintf(f, "map %s %s %u %u %u %u %#x %llu %u %u %s %u\n", m->obj, m->name, m->type,
		        m->key, m->value, m->max, m->flags, (unsigned long long)m->extra, m->btfk,
		        m->btfv, m->kname, m->kmax);
	}
	fclose(f);
}

static void read_fixture(void)
{
	FILE *f = fopen(FIXTURE, "r");
	if (!f)
		fail_msg("no fixture %s", FIXTURE);
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "prog ", 5)) {
			struct kprog *p = &kprogs[nkprogs++];
			unsigned long long h, r;
			assert_int_equal(sscanf(line, "prog %31s %63s %63s %u %u %d %d %llx %llx",
			                        p->obj, p->name, p->sec, &p->type, &p->attach,
			                        &p->autoload, &p->verdict, &h, &r),
			                 9);
			p->hash = h;
			p->raw = r;
		} else if (!strncmp(line, "map ", 4)) {
			struct kmap *m = &kmaps[nkmaps++];
			unsigned long long extra;
			assert_int_equal(
			        sscanf(line, "map %31s %63s %u %u %u %u %x %llu %u %u %15s %u",
			               m->obj, m->name, &m->type, &m->key, &m->value, &m->max,
			               &m->flags, &extra, &m->btfk, &m->btfv, m->kname, &m->kmax),
			        12);
			m->extra = extra;
		}
	}
	fclose(f);
}

static bool bpffs_available(void)
{
	struct statfs st;
	return statfs("/sys/fs/bpf", &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC_;
}

static int setup(void **state)
{
	snprintf(pin_root, sizeof pin_root, "/sys/fs/bpf/userbpf_ldrtest_%d", (int)getpid());
	bool live = tu_kernel_bpf_available();
	if (live) {
		have_bpffs = bpffs_available();
		if (have_bpffs)
			mkdir(pin_root, 0700);
		record_kernel();
		if (have_bpffs)
			rmdir(pin_root);
		print_message("kernel: %zu programs, %zu maps answered live\n", nkprogs, nkmaps);
		if (getenv("USERBPF_RECORD_FIXTURE"))
			write_fixture();
	} else {
		print_message("SKIP (live): no bpf(): comparing with %s\n", FIXTURE);
		read_fixture();
	}
	return 0;
}

/* ---- the comparisons ---- */

/* Did the kernel (or the fixture) answer for this object? */
static bool asked(const char *obj)
{
	for (size_t k = 0; k < nkprogs; k++)
		if (!strcmp(kprogs[k].obj, obj))
			return true;
	for (size_t k = 0; k < nkmaps; k++)
		if (!strcmp(kmaps[k].obj, obj))
			return true;
	return false;
}

static void test_open_attributes(void **state)
{
	size_t nmodern = 0;
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		if (!asked(objs[i]))
			continue;
		struct userbpf_object *u = u_open(objs[i]);
		assert_non_null(u);
		size_t nk = 0, nu = 0;
		for (size_t k = 0; k < nkprogs; k++) {
			struct kprog *kp = &kprogs[k];
			if (strcmp(kp->obj, objs[i]))
				continue;
			nk++;
			struct userbpf_program *p =
			        userbpf_object__find_program_by_name(u, kp->name);
			if (!p)
				fail_msg("%s: libbpf has program %s, we do not", kp->obj, kp->name);
			assert_string_equal(userbpf_program__section_name(p), kp->sec);
			assert_int_equal(userbpf_program__autoload(p), kp->autoload);
			if (kp->type == 0 && userbpf_program__type(p) != 0) {
				/* libbpf 1.1 predates this section name (tc/ingress, netkit, ...)
				 */
				nmodern++;
				continue;
			}
			if (userbpf_program__type(p) != kp->type ||
			    userbpf_program__expected_attach_type(p) != kp->attach)
				fail_msg("%s/%s: type %u attach %u, libbpf says %u %u", kp->obj,
				         kp->name, userbpf_program__type(p),
				         userbpf_program__expected_attach_type(p), kp->type,
				         kp->attach);
		}
		struct userbpf_program *p;
		userbpf_object__for_each_program(p, u) nu++;
		assert_int_equal(nu, nk);
		nk = nu = 0;
		/* BTF ids are the compiler's: compare them only for the fixture's build */
		bool same_build = true;
		for (size_t k = 0; k < nkprogs; k++) {
			struct kprog *kp = &kprogs[k];
			p = strcmp(kp->obj, objs[i])
			            ? NULL
			            : userbpf_object__find_program_by_name(u, kp->name);
			if (p && insn_hash(userbpf_program__insns(p), userbpf_program__insn_cnt(p),
			                   u_map_by_fd, u) != kp->raw)
				same_build = false;
		}
		for (size_t k = 0; k < nkmaps; k++) {
			struct kmap *km = &kmaps[k];
			if (strcmp(km->obj, objs[i]))
				continue;
			nk++;
			struct userbpf_map *m = userbpf_object__find_map_by_name(u, km->name);
			if (!m || strcmp(userbpf_map__name(m), km->name))
				fail_msg("%s: libbpf has map %s, we do not", km->obj, km->name);
			if (userbpf_map__type(m) != km->type ||
			    userbpf_map__key_size(m) != km->key ||
			    userbpf_map__value_size(m) != km->value ||
			    userbpf_map__max_entries(m) != km->max ||
			    userbpf_map__map_flags(m) != km->flags ||
			    userbpf_map__map_extra(m) != km->extra ||
			    (same_build && (userbpf_map__btf_key_type_id(m) != km->btfk ||
			                    userbpf_map__btf_value_type_id(m) != km->btfv)))
				fail_msg("%s/%s: ours type %u key %u value %u max %u flags %#x "
				         "extra %llu "
				         "btf %u/%u; libbpf %u %u %u %u %#x %llu %u/%u",
				         km->obj, km->name, userbpf_map__type(m),
				         userbpf_map__key_size(m), userbpf_map__value_size(m),
				         userbpf_map__max_entries(m), userbpf_map__map_flags(m),
				         (unsigned long long)userbpf_map__map_extra(m),
				         userbpf_map__btf_key_type_id(m),
				         userbpf_map__btf_value_type_id(m), km->type, km->key,
				         km->value, km->max, km->flags,
				         (unsigned long long)km->extra, km->btfk, km->btfv);
		}
		struct userbpf_map *m;
		userbpf_object__for_each_map(m, u) nu++;
		assert_int_equal(nu, nk);
		userbpf_object__close(u);
	}
	print_message("%zu programs and %zu maps agree with libbpf (%zu programs in sections "
	              "newer than the host's libbpf)\n",
	              nkprogs, nkmaps, nmodern);
}

static void test_verdicts_and_relocations(void **state)
{
	size_t both = 0, neither = 0, refused = 0, accepted_more = 0, recompiled = 0;
	for (size_t k = 0; k < nkprogs; k++) {
		struct kprog *kp = &kprogs[k];
		struct userbpf_object *u = u_open(kp->obj);
		struct userbpf_program *p = userbpf_object__find_program_by_name(u, kp->name);
		bool same_code = insn_hash(userbpf_program__insns(p), userbpf_program__insn_cnt(p),
		                           u_map_by_fd, u) == kp->raw;
		/* as on the kernel side: autoload programs with the whole object when that loads
		 * there, the others alone */
		bool whole = false;
		if (kp->autoload) {
			struct userbpf_object *w = u_open(kp->obj);
			whole = userbpf_object__load(w) == 0;
			userbpf_object__close(w);
		}
		if (!whole)
			userbpf_object__for_each_program(p, u) userbpf_program__set_autoload(
			        p, !strcmp(userbpf_program__name(p), kp->name));
		if (kp->type == 0 &&
		    userbpf_program__type(userbpf_object__find_program_by_name(u, kp->name)) != 0) {
			userbpf_object__close(u); /* a section newer than the host's libbpf */
			continue;
		}
		int err = userbpf_object__load(u);
		bool ok = err == 0;
		const char *msg = userbpf_last_error();
		if (kp->verdict && !ok) {
			/* the kernel takes it: everything up to PROG_LOAD must work for us */
			if (!strstr(msg, "BPF_PROG_LOAD failed"))
				fail_msg("%s/%s: the kernel accepts it, our loader fails: %s",
				         kp->obj, kp->name, msg);
			/* Verdicts must agree, for every program type (no known gaps left) */
			fail_msg("%s/%s: the kernel accepts it, our PROG_LOAD refuses: %s", kp->obj,
			         kp->name, msg);
			refused++;
		} else if (!kp->verdict && ok) {
			fail_msg("%s/%s: the kernel refuses it, userbpf accepts it", kp->obj,
			         kp->name);
		} else if (ok) {
			both++;
			p = userbpf_object__find_program_by_name(u, kp->name);
			uint64_t h = insn_hash(userbpf_program__insns(p),
			                       userbpf_program__insn_cnt(p), u_map_by_fd, u);
			if (!same_code)
				recompiled++; /* the fixture's clang made other code: nothing to
				                 compare */
			else if (h != kp->hash)
				fail_msg("%s/%s: relocated instructions differ from libbpf's",
				         kp->obj, kp->name);
		} else {
			neither++;
		}
		userbpf_object__close(u);
	}
	print_message("%zu programs: %zu loaded on both sides with identical relocated "
	              "instructions, %zu refused by both, %zu refused only by our PROG_LOAD, %zu "
	              "accepted only by ours\n",
	              nkprogs, both - recompiled, neither, refused, accepted_more);
	if (recompiled)
		print_message(
		        "%zu programs compiled differently from the fixture's: instructions not "
		        "compared\n",
		        recompiled);
}

static void test_created_maps(void **state)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		if (!asked(objs[i]))
			continue;
		struct userbpf_object *u = u_open(objs[i]);
		struct userbpf_program *p;
		userbpf_object__for_each_program(p, u) userbpf_program__set_autoload(p, false);
		int err = userbpf_object__load(u);
		for (size_t k = 0; k < nkmaps; k++) {
			struct kmap *km = &kmaps[k];
			if (strcmp(km->obj, objs[i]) || !strcmp(km->kname, "-"))
				continue;
			assert_int_equal(err, 0);
			struct bpf_map_info info;
			int fd = userbpf_object__find_map_fd_by_name(u, km->name);
			assert_int_equal(tl_map_info_with(userbpf_sys_bpf, fd, &info), 0);
			if (strcmp(info.name, km->kname) || info.max_entries != km->kmax)
				fail_msg("%s/%s: created as '%s' with %u entries, the kernel has "
				         "'%s' %u",
				         km->obj, km->name, info.name, info.max_entries, km->kname,
				         km->kmax);
			n++;
		}
		userbpf_object__unpin_maps(u, NULL);
		userbpf_object__close(u);
	}
	print_message("%zu created maps have the kernel's names and sizes\n", n);
}

int main(void)
{
	tl_private_root();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_open_attributes),
	        cmocka_unit_test(test_verdicts_and_relocations),
	        cmocka_unit_test(test_created_maps),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
