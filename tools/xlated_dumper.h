/* xlated_dumper.h — listing a program's instructions as bpftool "prog dump xlated" does:
 * "% 4d: (code) text" in the verifier log's spelling, function signatures from BTF
 * func_info ("int xdp_prog(struct xdp_md * ctx):"), C source lines from BTF line_info
 * ("; return XDP_PASS;"), optionally the opcode bytes; or the same as JSON. */
#ifndef USERBPF_TOOLS_XLATED_DUMPER_H
#define USERBPF_TOOLS_XLATED_DUMPER_H

#include <stdbool.h>
#include <stddef.h>

#include <userbpf/bpf_uapi.h>

#include "btf_dumper.h"

struct dump_data {
	const struct cbtf *btf; /* NULL: no signatures or source lines */
	const struct bpf_func_info *func_info;
	uint32_t nr_func_info;
	const struct bpf_line_info *line_info;
	uint32_t nr_line_info;
	unsigned disasm_flags; /* USERBPF_DISASM_KERNEL for the verifier log's spelling */
	bool map_ids;          /* ld_imm64 map references carry map ids: print map[id:N] */
};

/* The text of insns[0] ("r1 = map[id:3]", "call bpf_map_lookup_elem#1"); returns the
 * number of instructions it used (1 or 2) or -EINVAL (buf then describes the problem). */
int xlated_insn_text(const struct dump_data *dd, const struct bpf_insn *insns, size_t remaining,
                     char *buf, size_t len);

/* Returns 0, or -EINVAL when an instruction could not be decoded (it is still listed). */
int dump_xlated_plain(const struct dump_data *dd, const struct bpf_insn *insns, size_t cnt,
                      bool opcodes, bool linum);
int dump_xlated_json(const struct dump_data *dd, const struct bpf_insn *insns, size_t cnt,
                     bool opcodes, bool linum);

#endif
