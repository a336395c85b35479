/* xlated_dumper.c — instruction listings with signatures and source lines (bpftool's
 * xlated_dumper), on top of the library's disassembler. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <userbpf/asm.h>

#include "cli.h"
#include "xlated_dumper.h"

int xlated_insn_text(const struct dump_data *dd, const struct bpf_insn *insns, size_t remaining,
                     char *buf, size_t len)
{
	const struct bpf_insn *in = insns;
	/* the verifier log names helpers: "call bpf_map_lookup_elem#1" */
	if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 &&
	    (dd->disasm_flags & USERBPF_DISASM_KERNEL)) {
		const char *name = helper_str((uint32_t)in->imm);
		if (name)
			snprintf(buf, len, "call bpf_%s#%d", name, in->imm);
		else
			snprintf(buf, len, "call unknown#%d", in->imm);
		return 1;
	}
	/* A loaded program's bpf-to-bpf call has the kernel's jit_subprogs form (off: the
	 * relative offset, imm: the callee's index): bpftool prints "call pc%+d" from off for a
	 * program without jited symbols. */
	if (dd->map_ids && in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL) {
		snprintf(buf, len, "call pc%+d", in->off);
		return 1;
	}
	/* map references by id, as bpftool prints a loaded program (its print_imm) */
	if (dd->map_ids && in->code == (BPF_LD | BPF_IMM | BPF_DW) && remaining >= 2) {
		if (in->src_reg == BPF_PSEUDO_FUNC) {
			snprintf(buf, len, "r%d = subprog[%+d]", in->dst_reg, in->imm);
			return 2;
		}
		if (in->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
			snprintf(buf, len, "r%d = map[idx:%u]+%u", in->dst_reg, (uint32_t)in->imm,
			         (uint32_t)in[1].imm);
			return 2;
		}
		if (in->src_reg == BPF_PSEUDO_MAP_FD) {
			snprintf(buf, len, "r%d = map[id:%u]", in->dst_reg, (uint32_t)in->imm);
			return 2;
		}
		if (in->src_reg == BPF_PSEUDO_MAP_VALUE) {
			snprintf(buf, len, "r%d = map[id:%u][0]+%u", in->dst_reg, (uint32_t)in->imm,
			         (uint32_t)in[1].imm);
			return 2;
		}
	}
	return userbpf_disasm_insn(insns, remaining, dd->disasm_flags, buf, len);
}

/* Walks func_info and line_info alongside the instructions. */
struct info_cursor {
	uint32_t func, line;
};

static const struct bpf_func_info *next_func(const struct dump_data *dd, struct info_cursor *c,
                                             size_t i)
{
	while (c->func < dd->nr_func_info && dd->func_info[c->func].insn_off < i)
		c->func++;
	if (c->func < dd->nr_func_info && dd->func_info[c->func].insn_off == i)
		return &dd->func_info[c->func++];
	return NULL;
}

static const struct bpf_line_info *next_line(const struct dump_data *dd, struct info_cursor *c,
                                             size_t i)
{
	while (c->line < dd->nr_line_info && dd->line_info[c->line].insn_off < i)
		c->line++;
	if (c->line < dd->nr_line_info && dd->line_info[c->line].insn_off == i)
		return &dd->line_info[c->line++];
	return NULL;
}

int dump_xlated_plain(const struct dump_data *dd, const struct bpf_insn *insns, size_t cnt,
                      bool opcodes, bool linum)
{
	struct info_cursor cur = {0, 0};
	char text[256], sig[1024];
	int err = 0;
	for (size_t i = 0; i < cnt;) {
		if (dd->btf) {
			const struct bpf_func_info *f = next_func(dd, &cur, i);
			if (f) {
				btf_dumper_type_only(dd->btf, f->type_id, sig, sizeof sig);
				if (sig[0])
					printf("%s:\n", sig);
			}
			const struct bpf_line_info *l = next_line(dd, &cur, i);
			if (l)
				btf_dump_linfo_plain(dd->btf, l, "; ", linum);
		}
		int n = xlated_insn_text(dd, insns + i, cnt - i, text, sizeof text);
		if (n < 0) {
			err = -EINVAL;
			n = 1;
		}
		printf("%4zu: (%02x) %s\n", i, insns[i].code, text);
		if (opcodes) {
			printf("       ");
			fprint_hex(stdout, &insns[i], 8, " ");
			if (n == 2) {
				printf(" ");
				fprint_hex(stdout, &insns[i + 1], 8, " ");
			}
			printf("\n");
		}
		i += (size_t)n;
	}
	return err;
}

int dump_xlated_json(const struct dump_data *dd, const struct bpf_insn *insns, size_t cnt,
                     bool opcodes, bool linum)
{
	struct info_cursor cur = {0, 0};
	char text[256], sig[1024];
	int err = 0;
	jsonw_start_array(json_wtr);
	for (size_t i = 0; i < cnt;) {
		jsonw_start_object(json_wtr);
		if (dd->btf) {
			const struct bpf_func_info *f = next_func(dd, &cur, i);
			if (f) {
				btf_dumper_type_only(dd->btf, f->type_id, sig, sizeof sig);
				if (sig[0])
					jsonw_string_field(json_wtr, "proto", sig);
			}
			const struct bpf_line_info *l = next_line(dd, &cur, i);
			if (l)
				btf_dump_linfo_json(json_wtr, dd->btf, l, linum);
		}
		int n = xlated_insn_text(dd, insns + i, cnt - i, text, sizeof text);
		if (n < 0) {
			err = -EINVAL;
			n = 1;
		}
		char line[300];
		snprintf(line, sizeof line, "(%02x) %s", insns[i].code, text);
		jsonw_string_field(json_wtr, "disasm", line);
		if (opcodes) {
			const uint8_t *b = (const uint8_t *)&insns[i];
			jsonw_name(json_wtr, "opcodes");
			jsonw_start_object(json_wtr);
			jsonw_name(json_wtr, "code");
			jsonw_printf(json_wtr, "\"0x%02x\"", insns[i].code);
			jsonw_name(json_wtr, "src_reg");
			jsonw_printf(json_wtr, "\"0x%x\"", insns[i].src_reg);
			jsonw_name(json_wtr, "dst_reg");
			jsonw_printf(json_wtr, "\"0x%x\"", insns[i].dst_reg);
			jsonw_name(json_wtr, "off");
			print_hex_data_json(b + 2, 2);
			jsonw_name(json_wtr, "imm");
			print_hex_data_json(b + 4, n == 2 ? 12 : 4);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_object(json_wtr);
		i += (size_t)n;
	}
	jsonw_end_array(json_wtr);
	return err;
}
