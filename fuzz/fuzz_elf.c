/* libFuzzer target: the object loader on arbitrary bytes (userbpf_object__open_mem), then
 * everything load does that needs no kernel-side object: CO-RE relocation against the
 * object's own BTF and the linking of every program with its subprograms, relocations,
 * func_info and line_info (maps get stand-in fds, nothing is created).
 *
 * Invariants (a violation aborts so the fuzzer keeps the input):
 *  - open either succeeds or returns NULL with errno set and a message that names the
 *    object ("fuzz: ...");
 *  - the accessors hold up on whatever opened;
 *  - a linked program's calls and callback references land inside it, at a function start
 *    recorded in func_info when there is one, and func_info/line_info are sorted and in
 *    range.
 * Seeds: scripts/fuzz-smoke.sh compiles tests/progs/<name>.bpf.c with clang.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"
#include <userbpf/loader.h>

#define FUZZ_MAX_SIZE (1u << 20)
#define FUZZ_FAKE_FD 100000

static void fail(const char *what)
{
	fprintf(stderr, "invariant violated: %s (last error: %s)\n", what, userbpf_last_error());
	abort();
}

static void check_accessors(struct userbpf_object *o)
{
	struct userbpf_program *p;
	struct userbpf_map *m;
	if (!userbpf_object__name(o) || !userbpf_object__license(o))
		fail("object name or license is NULL");
	userbpf_object__for_each_program(p, o)
	{
		if (!userbpf_program__name(p) || !userbpf_program__section_name(p) ||
		    !userbpf_program__attach_target(p))
			fail("program strings are NULL");
		if (!userbpf_program__insns(p) || !userbpf_program__insn_cnt(p))
			fail("an opened program has no instructions");
		if (userbpf_program__fd(p) != -1)
			fail("a program has an fd before load");
	}
	userbpf_object__for_each_map(m, o)
	{
		if (!userbpf_map__name(m) || !userbpf_map__real_name(m))
			fail("map names are NULL");
		size_t sz = 0;
		void *v = userbpf_map__initial_value(m, &sz);
		if (v && sz != userbpf_map__value_size(m))
			fail("initial value size differs from the value size");
		if (v && sz) /* the image must be writable before load (first page is enough) */
			memset(v, 0x5a, sz < 4096 ? sz : 4096);
		if (userbpf_object__find_map_by_name(o, userbpf_map__name(m)) == NULL)
			fail("a map is not found by its own name");
	}
}

static void check_linked(const struct userbpf_program *p)
{
	const struct bpf_insn *in = p->insns;
	for (uint32_t i = 0; i < p->insn_cnt; i++) {
		bool call = in[i].code == (BPF_JMP | BPF_CALL) && in[i].src_reg == BPF_PSEUDO_CALL;
		bool func = in[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		            in[i].src_reg == BPF_PSEUDO_FUNC;
		if (call || func) {
			int64_t t = (int64_t)i + in[i].imm + 1;
			if (t < 0 || t >= p->insn_cnt)
				fail("a linked call or callback leaves the program");
		}
		if (in[i].code == (BPF_LD | BPF_IMM | BPF_DW))
			i++;
	}
	for (uint32_t i = 0; i < p->func_info_cnt; i++) {
		if (p->func_info[i].insn_off >= p->insn_cnt)
			fail("func_info out of range");
		if (i && p->func_info[i].insn_off <= p->func_info[i - 1].insn_off)
			fail("func_info not sorted");
	}
	for (uint32_t i = 0; i < p->line_info_cnt; i++)
		if (p->line_info[i].insn_off >= p->insn_cnt)
			fail("line_info out of range");
}

/* What load does before it needs the kernel-side objects. */
static void relocate_and_link(struct userbpf_object *o)
{
	for (uint32_t i = 0; i < o->nr_maps; i++)
		o->maps[i].fd = FUZZ_FAKE_FD + (int)i;
	for (uint32_t i = 0; i < o->nr_progs; i++) {
		int err = ldr_core_relocate(o, &o->progs[i]);
		if (err > 0 || (err && !userbpf_last_error()[0]))
			fail("CO-RE failure without an errno or a message");
	}
	for (uint32_t i = 0; i < o->nr_progs; i++) {
		struct userbpf_program *p = &o->progs[i];
		if (p->is_subprog)
			continue;
		int err = ldr_prog_link(o, p);
		if (err > 0 || (err && !userbpf_last_error()[0]))
			fail("link failure without an errno or a message");
		if (!err)
			check_linked(p);
	}
	for (uint32_t i = 0; i < o->nr_maps; i++)
		o->maps[i].fd = -1; /* not ours to close */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* nothing here creates objects, but keep any accident out of the shared root */
	setenv("USERBPF_BPFFS", "/dev/shm/userbpf-fuzz-elf", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_SIZE)
		return -1;
	struct userbpf_object_open_opts opts = {.sz = sizeof opts, .object_name = "fuzz"};
	errno = 0;
	struct userbpf_object *o = userbpf_object__open_mem(data, size, &opts);
	if (!o) {
		if (errno <= 0)
			fail("open failed without errno");
		if (strncmp(userbpf_last_error(), "fuzz: ", 6) != 0 &&
		    strncmp(userbpf_last_error(), "<object>: ", 10) != 0)
			fail("open failed without a message naming the object");
		return 0;
	}
	check_accessors(o);
	relocate_and_link(o);
	userbpf_object__close(o);
	return 0;
}
