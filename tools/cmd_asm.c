/* cmd_asm.c — "userbpf asm" (text to raw instructions) and "userbpf disasm" (the reverse).
 *
 * Raw files are the kernel's in-memory layout: 8 bytes per instruction, little-endian
 * fields, no header; the same bytes bpf(BPF_PROG_LOAD) takes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <userbpf/asm.h>

#include "btf_dumper.h"
#include "cli.h"
#include "cmds.h"
#include "obj_util.h"
#include "xlated_dumper.h"

/* Instructions in the kernel's byte order: fields explicitly little-endian. */
static void insn_to_bytes(const struct bpf_insn *in, unsigned char b[8])
{
	uint16_t off = (uint16_t)in->off;
	uint32_t imm = (uint32_t)in->imm;
	b[0] = in->code;
	b[1] = (uint8_t)(in->dst_reg | in->src_reg << 4);
	b[2] = off & 0xff;
	b[3] = off >> 8;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (imm >> (8 * i)) & 0xff;
}

static void insn_from_bytes(struct bpf_insn *in, const unsigned char b[8])
{
	in->code = b[0];
	in->dst_reg = b[1] & 0xf;
	in->src_reg = b[1] >> 4;
	in->off = (int16_t)(uint16_t)(b[2] | b[3] << 8);
	in->imm = (int32_t)((uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
	                    (uint32_t)b[7] << 24);
}

static int write_insns(const char *path, const struct bpf_insn *insns, size_t cnt)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f) {
		fprintf(stderr, "userbpf asm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < cnt; i++) {
		unsigned char b[8];
		insn_to_bytes(&insns[i], b);
		fwrite(b, 1, sizeof b, f);
	}
	int bad = ferror(f) | (path ? fclose(f) : fflush(f));
	if (bad)
		fprintf(stderr, "userbpf asm: %s: write error\n", path ? path : "<stdout>");
	return bad ? 1 : 0;
}

static int asm_usage(FILE *f, int rc)
{
	fprintf(f, "usage: userbpf asm FILE [-o OUT]\n"
	           "Assemble BPF text (llvm-objdump or verifier-log syntax; FILE - is stdin)\n"
	           "into raw 8-byte little-endian instructions, written to OUT or stdout.\n");
	return rc;
}

int cmd_asm(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return asm_usage(stdout, 0);
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			out = argv[++i];
		else if (!in && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			in = argv[i];
		else
			return asm_usage(stderr, 1);
	}
	if (!in)
		return asm_usage(stderr, 1);

	size_t len;
	unsigned char *bytes;
	if (progfile_read_bytes(in, &bytes, &len))
		return 1; /* progfile said why, naming the file */
	char *text = (char *)bytes;
	const char *name = strcmp(in, "-") ? in : "<stdin>";
	if (strlen(text) != len) { /* the buffer is NUL-terminated after len bytes */
		fprintf(stderr, "userbpf asm: %s: contains a NUL byte (not a text file?)\n", name);
		free(text);
		return 1;
	}
	struct userbpf_error e;
	struct bpf_insn *insns;
	size_t cnt;
	int err = userbpf_asm(text, &insns, &cnt, &e);
	free(text);
	if (err) {
		/* e.msg starts with "line N: " */
		fprintf(stderr, "userbpf asm: %s: %s\n", name, e.msg);
		return 1;
	}
	int rc = write_insns(out, insns, cnt);
	free(insns);
	return rc;
}

static int disasm_usage(FILE *f, int rc)
{
	fprintf(f,
	        "usage: userbpf [--json [--pretty]] disasm FILE [--kernel] [--no-index] [--linum]\n"
	        "List the programs of FILE: a BPF ELF object (clang -target bpf; each program\n"
	        "with its section, function signatures and C source lines from BTF), or raw\n"
	        "instructions (8 bytes each; FILE - is stdin).\n"
	        "  --kernel    verifier-log spelling: (r1 +4), goto pc+3, call bpf_name#id\n"
	        "  --no-index  omit the \"  12: (bf) \" prefix and the annotations, so the\n"
	        "              text assembles again with userbpf asm\n"
	        "  --linum     with each source line its file, line and column (objects)\n"
	        "  --json      bpftool's \"prog dump xlated\" JSON: [{\"disasm\": ...}, ...]\n");
	return rc;
}

/* An ELF object: each program as the loader opened it (before any load). */
static int disasm_object(const char *path, const unsigned char *raw, size_t len, unsigned flags,
                         int with_index, bool linum)
{
#ifdef USERBPF_HAVE_LOADER
	struct userbpf_object_open_opts opts;
	memset(&opts, 0, sizeof opts);
	opts.sz = sizeof opts;
	struct userbpf_object *obj = obj_open(path, &opts);
	if (!obj)
		return 1;
	size_t blen = 0;
	void *b = obj_elf_btf(raw, len, &blen);
	struct cbtf *btf = b ? cbtf_new(b, blen, NULL, 0) : NULL;
	free(b);
	int bad = 0, first = 1;
	struct userbpf_program *prog;
	if (json_output)
		jsonw_start_array(json_wtr);
	userbpf_object__for_each_program(prog, obj)
	{
		uint32_t nfi = 0, nli = 0;
		const struct bpf_func_info *fi = userbpf_program__func_info(prog, &nfi);
		const struct bpf_line_info *li = userbpf_program__line_info(prog, &nli);
		struct bpf_func_info *own_fi = NULL;
		struct bpf_line_info *own_li = NULL;
		if (!fi && !li && btf && /* before a load the loader has none: read .BTF.ext */
		    !obj_elf_prog_info(raw, len, btf, userbpf_program__section_name(prog),
		                       userbpf_program__name(prog), &own_fi, &nfi, &own_li, &nli)) {
			fi = own_fi;
			li = own_li;
		}
		const struct bpf_insn *insns = userbpf_program__insns(prog);
		size_t cnt = userbpf_program__insn_cnt(prog);
		struct dump_data dd = {.btf = btf,
		                       .func_info = fi,
		                       .nr_func_info = btf ? nfi : 0,
		                       .line_info = li,
		                       .nr_line_info = btf ? nli : 0,
		                       .disasm_flags = flags};
		if (json_output) {
			jsonw_start_object(json_wtr);
			jsonw_string_field(json_wtr, "name", userbpf_program__name(prog));
			jsonw_string_field(json_wtr, "section",
			                   userbpf_program__section_name(prog));
			jsonw_name(json_wtr, "insns");
			bad |= dump_xlated_json(&dd, insns, cnt, false, linum) != 0;
			jsonw_end_object(json_wtr);
		} else if (!with_index) {
			bad |= userbpf_disasm_prog(insns, cnt, flags, 0, stdout) == -EINVAL;
		} else {
			printf("%s%s (section %s):\n", first ? "" : "\n",
			       userbpf_program__name(prog), userbpf_program__section_name(prog));
			bad |= dump_xlated_plain(&dd, insns, cnt, false, linum) != 0;
		}
		first = 0;
		free(own_fi);
		free(own_li);
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	cbtf_free(btf);
	userbpf_object__close(obj);
	if (bad)
		fprintf(stderr, "userbpf disasm: %s: contains invalid instructions\n", path);
	return bad ? 1 : 0;
#else
	(void)raw;
	(void)len;
	(void)flags;
	(void)with_index;
	(void)linum;
	fprintf(stderr, "userbpf disasm: %s: an ELF object, and this userbpf has no loader\n",
	        path);
	return 1;
#endif
}

int cmd_disasm(int argc, char **argv)
{
	const char *in = NULL;
	unsigned flags = 0;
	int with_index = 1;
	bool linum = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return disasm_usage(stdout, 0);
		if (!strcmp(argv[i], "--kernel"))
			flags |= USERBPF_DISASM_KERNEL;
		else if (!strcmp(argv[i], "--no-index"))
			with_index = 0;
		else if (!strcmp(argv[i], "--linum"))
			linum = true;
		else if (!in && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			in = argv[i];
		else
			return disasm_usage(stderr, 1);
	}
	if (!in)
		return disasm_usage(stderr, 1);

	/* Bytes, not progfile_read(): a listing of any file name, and of an empty file too. */
	size_t len;
	unsigned char *raw;
	if (progfile_read_bytes(in, &raw, &len))
		return 1;
	if (obj_is_elf(raw, len)) {
		int rc = disasm_object(in, raw, len, flags, with_index, linum);
		free(raw);
		return rc;
	}
	if (len % 8) {
		fprintf(stderr,
		        "userbpf disasm: %s: size %zu is not a multiple of 8 (not raw BPF "
		        "instructions?)\n",
		        in, len);
		free(raw);
		return 1;
	}
	size_t cnt = len / 8;
	struct bpf_insn *insns = calloc(cnt ? cnt : 1, sizeof *insns);
	if (!insns) {
		fprintf(stderr, "userbpf disasm: %s: out of memory\n", in);
		free(raw);
		return 1;
	}
	for (size_t i = 0; i < cnt; i++)
		insn_from_bytes(&insns[i], raw + 8 * i);
	free(raw);
	int err;
	if (json_output) {
		struct dump_data dd = {.disasm_flags = flags};
		err = dump_xlated_json(&dd, insns, cnt, false, false);
	} else {
		err = userbpf_disasm_prog(insns, cnt, flags, with_index, stdout);
	}
	free(insns);
	if (err == -EIO) {
		fprintf(stderr, "userbpf disasm: write error\n");
		return 1;
	}
	if (err) {
		/* the listing marks them; still a failure for scripts */
		fprintf(stderr, "userbpf disasm: %s: contains invalid instructions\n", in);
		return 1;
	}
	return 0;
}
