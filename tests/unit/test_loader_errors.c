/* test_loader_errors.c — bad objects: every failure is a negative errno and one line naming
 * the file and, where there is one, the section, symbol and offset.
 *
 * The bad inputs are clang-built objects patched in memory (truncated, wrong machine or
 * byte order, a relocation pointing at the wrong instruction or symbol, a function crossing
 * its section's end, a map symbol moved) and objects that are wrong as written (unknown
 * section, a map declared but not defined, CO-RE relocations no target can satisfy, bad
 * .kconfig values, an unknown BTF map field).
 */
#define _GNU_SOURCE
#include <elf.h>

#include "test_loader_lib.h"

struct img {
	uint8_t *buf;
	size_t len;
};

static struct img load_img(const char *obj)
{
	struct img m;
	m.buf = (uint8_t *)tu_read_file(tl_obj(obj), &m.len);
	assert_non_null(m.buf);
	return m;
}

static Elf64_Shdr *shdr(struct img *m, unsigned i)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m->buf;
	return (Elf64_Shdr *)(m->buf + eh->e_shoff + (size_t)i * eh->e_shentsize);
}

static Elf64_Shdr *find_sec(struct img *m, const char *name, unsigned *idx)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m->buf;
	const char *strs = (const char *)m->buf + shdr(m, eh->e_shstrndx)->sh_offset;
	for (unsigned i = 1; i < eh->e_shnum; i++)
		if (!strcmp(strs + shdr(m, i)->sh_name, name)) {
			if (idx)
				*idx = i;
			return shdr(m, i);
		}
	fail_msg("no section %s", name);
	return NULL;
}

static Elf64_Sym *find_sym(struct img *m, const char *name, unsigned *idx)
{
	Elf64_Shdr *st = find_sec(m, ".symtab", NULL);
	const char *strs = (const char *)m->buf + shdr(m, st->sh_link)->sh_offset;
	Elf64_Sym *syms = (Elf64_Sym *)(m->buf + st->sh_offset);
	for (unsigned i = 1; i < st->sh_size / sizeof *syms; i++)
		if (!strcmp(strs + syms[i].st_name, name)) {
			if (idx)
				*idx = i;
			return &syms[i];
		}
	fail_msg("no symbol %s", name);
	return NULL;
}

/* Open from memory as "bad": expects NULL, errno == -err, and each needle in the message. */
static void expect_open_fail(struct img *m, size_t len, int err, const char *const needles[])
{
	struct userbpf_object_open_opts opts = {.sz = sizeof opts, .object_name = "bad"};
	errno = 0;
	struct userbpf_object *o = userbpf_object__open_mem(m->buf, len, &opts);
	if (o) {
		userbpf_object__close(o);
		fail_msg("open succeeded, expected errno %d", err);
	}
	const char *msg = userbpf_last_error();
	print_message("  %s\n", msg);
	if (err && errno != err)
		fail_msg("errno %d, expected %d (%s)", errno, err, msg);
	assert_true(!strncmp(msg, "bad: ", 5));
	for (size_t i = 0; needles && needles[i]; i++)
		if (!strstr(msg, needles[i]))
			fail_msg("'%s' not in '%s'", needles[i], msg);
}

static void test_truncated(void **state)
{
	struct img m = load_img("xdp_count");
	expect_open_fail(&m, 3, EINVAL, (const char *const[]){"not an ELF file", NULL});
	expect_open_fail(&m, 40, EINVAL, NULL); /* header cut */
	/* sections cut off: the header says more than the file has */
	for (size_t len = 64; len < m.len; len += m.len / 7) {
		struct userbpf_object_open_opts opts = {.sz = sizeof opts, .object_name = "bad"};
		struct userbpf_object *o = userbpf_object__open_mem(m.buf, len, &opts);
		if (o) /* a cut that keeps everything the loader reads may open */
			userbpf_object__close(o);
		else
			assert_true(!strncmp(userbpf_last_error(), "bad: ", 5));
	}
	expect_open_fail(&m, m.len - 1, 0, NULL);
	free(m.buf);
}

static void test_wrong_machine_class_order(void **state)
{
	struct img m = load_img("xdp_count");
	Elf64_Ehdr *eh = (Elf64_Ehdr *)m.buf;
	eh->e_machine = EM_X86_64;
	expect_open_fail(&m, m.len, EINVAL,
	                 (const char *const[]){"not a BPF object", "e_machine 62", NULL});
	eh->e_machine = EM_BPF;
	eh->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_open_fail(&m, m.len, EINVAL, (const char *const[]){"big-endian", NULL});
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	expect_open_fail(&m, m.len, EINVAL, (const char *const[]){"not a 64-bit ELF", NULL});
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_EXEC;
	expect_open_fail(&m, m.len, EINVAL,
	                 (const char *const[]){"not a relocatable object", NULL});
	free(m.buf);
}

/* xdp_count's one relocation: the ld_imm64 of pkt_count. */
static Elf64_Rel *xdp_rel(struct img *m)
{
	Elf64_Shdr *rs = find_sec(m, ".relxdp", NULL);
	assert_int_equal(rs->sh_size, sizeof(Elf64_Rel));
	return (Elf64_Rel *)(m->buf + rs->sh_offset);
}

static void test_bad_relocations(void **state)
{
	struct img m = load_img("xdp_count");
	Elf64_Rel *r = xdp_rel(&m);
	Elf64_Rel orig = *r;
	char at[64];
	/* onto the first instruction (not an ld_imm64) */
	r->r_offset = 0;
	expect_open_fail(&m, m.len, EINVAL,
	                 (const char *const[]){"section 'xdp'", "program 'xdp_count'", "insn 0",
	                                       "'pkt_count'", "not a call or ld_imm64", NULL});
	/* past the section */
	r->r_offset = 0x10000;
	expect_open_fail(
	        &m, m.len, EINVAL,
	        (const char *const[]){"section '.relxdp'", "invalid offset 0x10000", NULL});
	/* a symbol that does not exist */
	*r = orig;
	r->r_info = ELF64_R_INFO(9999, ELF64_R_TYPE(orig.r_info));
	expect_open_fail(&m, m.len, EINVAL, (const char *const[]){"symbol #9999 not found", NULL});
	/* a symbol in a section that is no map, data or code: the license string */
	*r = orig;
	unsigned lic;
	find_sym(&m, "LICENSE", &lic);
	r->r_info = ELF64_R_INFO(lic, ELF64_R_TYPE(orig.r_info));
	snprintf(at, sizeof at, "insn %u (offset %u)", (unsigned)(orig.r_offset / 8),
	         (unsigned)orig.r_offset);
	expect_open_fail(&m, m.len, EINVAL,
	                 (const char *const[]){"section 'xdp', program 'xdp_count'", at,
	                                       "relocation against 'LICENSE' in section 'license'",
	                                       NULL});
	free(m.buf);
}

static void test_bad_function_symbol(void **state)
{
	struct img m = load_img("xdp_count");
	Elf64_Sym *s = find_sym(&m, "xdp_frags_pass", NULL);
	s->st_size = 1 << 20;
	expect_open_fail(&m, m.len, EINVAL,
	                 (const char *const[]){"section 'xdp.frags'", "function 'xdp_frags_pass'",
	                                       "crosses the section end", NULL});
	free(m.buf);
	m = load_img("xdp_count");
	s = find_sym(&m, "xdp_frags_pass", NULL);
	s->st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC);
	expect_open_fail(&m, m.len, EOPNOTSUPP,
	                 (const char *const[]){"program 'xdp_frags_pass'", "static", NULL});
	free(m.buf);
}

static void test_unknown_section(void **state)
{
	struct userbpf_object *o = tl_open("unknown_section", NULL);
	assert_non_null(o); /* as libbpf: the type may still be set before load */
	assert_int_equal(userbpf_object__load(o), -EINVAL);
	const char *msg = userbpf_last_error();
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "unknown_section.bpf.o: "));
	assert_non_null(strstr(msg, "section 'not_a_known_hook', program 'mystery'"));
	assert_non_null(strstr(msg, "missing BPF program type"));
	userbpf_object__close(o);
}

static void test_missing_map(void **state)
{
	errno = 0;
	struct userbpf_object *o = userbpf_object__open_file(tl_obj("missing_map"), NULL);
	assert_null(o);
	assert_int_equal(errno, ENOENT);
	const char *msg = userbpf_last_error();
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "missing_map.bpf.o: "));
	assert_non_null(strstr(msg, "map 'not_defined_anywhere'"));
	assert_non_null(strstr(msg, "not defined"));
}

static void test_core_unresolvable(void **state)
{
	struct userbpf_object *o = tl_open("core_missing", NULL);
	assert_non_null(o);
	assert_int_equal(userbpf_object__load(o), -ESRCH);
	const char *msg = userbpf_last_error();
	print_message("  %s\n", msg);
	static const char *const want[] = {
	        "core_missing.bpf.o: ",   "section 'socket', program 'core_bad_field'",
	        "insn 0 (offset 0)",      "field 'no_such_field' not found",
	        "struct __sk_buff___bad", NULL};
	for (size_t i = 0; want[i]; i++)
		if (!strstr(msg, want[i]))
			fail_msg("'%s' not in '%s'", want[i], msg);
	userbpf_object__close(o);

	/* a type no BTF has */
	o = tl_open("core_missing", NULL);
	userbpf_program__set_autoload(userbpf_object__find_program_by_name(o, "core_bad_field"),
	                              false);
	userbpf_program__set_autoload(userbpf_object__find_program_by_name(o, "core_bad_type"),
	                              true);
	assert_int_equal(userbpf_object__load(o), -ESRCH);
	msg = userbpf_last_error();
	print_message("  %s\n", msg);
	assert_non_null(strstr(msg, "program 'core_bad_type'"));
	assert_non_null(strstr(msg, "struct not_in_any_btf___x not found"));
	userbpf_object__close(o);

	/* against a target BTF file: the field is missing there too */
	struct userbpf_object_open_opts opts = {.sz = sizeof opts};
	char target[4096];
	snprintf(target, sizeof target, "%s", tl_obj("core_target"));
	opts.btf_custom_path = target;
	o = tl_open("core_missing", &opts);
	assert_int_equal(userbpf_object__load(o), -ESRCH);
	assert_non_null(strstr(userbpf_last_error(), "no_such_field"));
	userbpf_object__close(o);

	/* a target BTF that cannot be read */
	opts.btf_custom_path = "/nonexistent/vmlinux";
	o = tl_open("core", &opts);
	assert_true(userbpf_object__load(o) < 0);
	assert_non_null(strstr(userbpf_last_error(), "/nonexistent/vmlinux"));
	userbpf_object__close(o);
}

static void test_bad_kconfig(void **state)
{
	static const struct {
		const char *text, *needle;
	} t[] = {
	        {"CONFIG_HZ=abc", "'CONFIG_HZ': invalid value 'abc'"},
	        {"CONFIG_BPF_SYSCALL=m", "value 'm' for a bool"},
	        {"CONFIG_HZ=\"str\"", "a string for a non-char-array"},
	        {"CONFIG_USERBPF_NAME=y", "'CONFIG_USERBPF_NAME': value 'y'"},
	        {"garbage line", "invalid line"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct userbpf_object_open_opts opts = {.sz = sizeof opts, .kconfig = t[i].text};
		errno = 0;
		struct userbpf_object *o = userbpf_object__open_file(tl_obj("kconfig"), &opts);
		assert_null(o);
		assert_int_equal(errno, EINVAL);
		print_message("  %s\n", userbpf_last_error());
		if (!strstr(userbpf_last_error(), t[i].needle))
			fail_msg("'%s' not in '%s'", t[i].needle, userbpf_last_error());
	}
}

/* An unknown field in a BTF map definition: libbpf's strict rule, or skipped when relaxed. */
static void test_unknown_map_field(void **state)
{
	struct img m = load_img("xdp_count");
	/* rename the BTF member "max_entries" to "max_entriez" in the string section */
	const char *needle = "max_entries";
	Elf64_Shdr *btf = find_sec(&m, ".BTF", NULL);
	uint8_t *p = memmem(m.buf + btf->sh_offset, btf->sh_size, needle, strlen(needle) + 1);
	assert_non_null(p);
	p[10] = 'z';
	expect_open_fail(&m, m.len, EOPNOTSUPP,
	                 (const char *const[]){"section '.maps', map 'pkt_count'",
	                                       "unknown field 'max_entriez'", NULL});
	struct userbpf_object_open_opts opts = {.sz = sizeof opts, .relaxed_maps = true};
	struct userbpf_object *o = userbpf_object__open_mem(m.buf, m.len, &opts);
	assert_non_null(o);
	assert_int_equal(userbpf_map__max_entries(userbpf_object__find_map_by_name(o, "pkt_count")),
	                 0);
	userbpf_object__close(o);
	free(m.buf);
}

static void test_files_and_options(void **state)
{
	errno = 0;
	assert_null(userbpf_object__open_file("/nonexistent.bpf.o", NULL));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(userbpf_last_error(), "/nonexistent.bpf.o"));
	assert_null(userbpf_object__open_file("/", NULL));
	assert_int_equal(errno, EINVAL);
	assert_null(userbpf_object__open_mem(NULL, 0, NULL));
	assert_int_equal(errno, EINVAL);
	/* options from the future: unknown non-zero bytes are refused, zero ones accepted */
	struct {
		struct userbpf_object_open_opts o;
		uint64_t future;
	} big = {{.sz = sizeof big}, 1};
	assert_null(userbpf_object__open_file(tl_obj("syscall"), &big.o));
	assert_int_equal(errno, EINVAL);
	big.future = 0;
	struct userbpf_object *o = userbpf_object__open_file(tl_obj("syscall"), &big.o);
	assert_non_null(o);
	userbpf_object__close(o);
	struct userbpf_object_open_opts tiny = {.sz = 2};
	assert_null(userbpf_object__open_file(tl_obj("syscall"), &tiny));
	assert_int_equal(errno, EINVAL);
}

int main(void)
{
	tl_private_root();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_wrong_machine_class_order),
	        cmocka_unit_test(test_bad_relocations),
	        cmocka_unit_test(test_bad_function_symbol),
	        cmocka_unit_test(test_unknown_section),
	        cmocka_unit_test(test_missing_map),
	        cmocka_unit_test(test_core_unresolvable),
	        cmocka_unit_test(test_bad_kconfig),
	        cmocka_unit_test(test_unknown_map_field),
	        cmocka_unit_test(test_files_and_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
