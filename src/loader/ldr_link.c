/* ldr_link.c — one main program made loadable: its subprograms appended, calls and every
 * relocation resolved, func_info and line_info gathered.
 *
 * As libbpf does: the main program's code comes first; each subprogram it reaches (by a
 * BPF_PSEUDO_CALL or a BPF_PSEUDO_FUNC callback reference, relocated or not) is appended
 * once, in the order first reached, and scanned in turn, so the result is closed under
 * calls. A call's imm becomes the distance to the callee's copy. Map references get the
 * created map's fd (BPF_PSEUDO_MAP_FD), global data and .kconfig externs the map's fd and
 * the value offset (BPF_PSEUDO_MAP_VALUE). func_info/line_info records of each appended
 * function move with it (insn_off in instructions, as PROG_LOAD wants them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/ldr.h"

struct ldr_linker {
	struct userbpf_object *obj;
	struct userbpf_program *main;
	struct bpf_insn *out;
	uint32_t len, cap;
	struct userbpf_program **segs; /* functions in the order appended */
	uint32_t nr_segs, segs_cap;
};

static int ldr_link_append(struct ldr_linker *lk, struct userbpf_program *p)
{
	if (lk->len + p->sec_insn_cnt > LDR_MAX_INSNS)
		return ldr_err(lk->obj, -E2BIG,
		               "program '%s': more than %u instructions with its "
		               "subprograms",
		               lk->main->name, LDR_MAX_INSNS);
	if (lk->len + p->sec_insn_cnt > lk->cap) {
		uint32_t ncap = (lk->len + p->sec_insn_cnt) * 2;
		struct bpf_insn *n = realloc(lk->out, (size_t)ncap * sizeof *n);
		if (!n)
			return -ENOMEM;
		lk->out = n;
		lk->cap = ncap;
	}
	memcpy(lk->out + lk->len, p->code, (size_t)p->sec_insn_cnt * sizeof *p->code);
	p->sub_insn_off = lk->len;
	lk->len += p->sec_insn_cnt;
	int err = ldr_grow((void **)&lk->segs, lk->nr_segs, &lk->segs_cap, sizeof *lk->segs);
	if (err)
		return err;
	lk->segs[lk->nr_segs++] = p;
	return 0;
}

static int ldr_map_fd_for(struct ldr_linker *lk, const char *where, int map_idx, int *fd)
{
	struct userbpf_map *m = &lk->obj->maps[map_idx];
	if (m->fd < 0)
		return ldr_err(lk->obj, -ENOENT,
		               "%s: map '%s' is used but was not created "
		               "(autocreate off?)",
		               where, m->name);
	*fd = m->fd;
	return 0;
}

/* A call or function reference at out[idx] to instruction tgt of section sec. */
static int ldr_link_call(struct ldr_linker *lk, const char *where, uint32_t idx, uint32_t sec,
                         int64_t tgt)
{
	struct userbpf_object *obj = lk->obj;
	struct userbpf_program *sub =
	        tgt >= 0 && tgt <= UINT32_MAX ? ldr_prog_at(obj, sec, (uint32_t)tgt) : NULL;
	if (!sub)
		return ldr_err(
		        obj, -EINVAL,
		        "%s: call or function reference to insn %lld of section '%s', where no "
		        "function starts",
		        where, (long long)tgt, ldr_sec_name(obj, sec));
	if (sub->sub_insn_off == UINT32_MAX) {
		int err = ldr_link_append(lk, sub);
		if (err)
			return err;
	}
	lk->out[idx].imm = (int32_t)((int64_t)sub->sub_insn_off - idx - 1);
	return 0;
}

static int ldr_link_insn(struct ldr_linker *lk, struct userbpf_program *p, uint32_t i, bool *wide)
{
	struct userbpf_object *obj = lk->obj;
	uint32_t idx = p->sub_insn_off + i, sec_insn = p->sec_insn_off + i;
	struct bpf_insn *in = &lk->out[idx];
	bool ld64 = in->code == (BPF_LD | BPF_IMM | BPF_DW);
	*wide = ld64;
	if (ld64 && i + 1 >= p->sec_insn_cnt)
		return ldr_err(obj, -EINVAL,
		               "section '%s', function '%s', insn %u: ld_imm64 is "
		               "truncated by the end of the function",
		               ldr_sec_name(obj, p->sec_idx), p->name, i);
	char where[200];
	snprintf(where, sizeof where, "section '%s', %s '%s', insn %u (offset %u)",
	         ldr_sec_name(obj, p->sec_idx), p->is_subprog ? "function" : "program", p->name, i,
	         sec_insn * LDR_INSN_SZ);
	const struct ldr_reloc *r = ldr_find_relo(&obj->secs[p->sec_idx], sec_insn);
	int fd = -1, err;
	if (!r) {
		/* calls and callbacks the compiler resolved itself: same section */
		bool call = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
		bool func = ld64 && in->src_reg == BPF_PSEUDO_FUNC;
		if (call || func)
			return ldr_link_call(lk, where, idx, p->sec_idx,
			                     (int64_t)sec_insn + in->imm + 1);
		return 0;
	}
	switch (r->type) {
	case LDR_RELO_MAP:
		if ((err = ldr_map_fd_for(lk, where, r->map_idx, &fd)))
			return err;
		in[0].src_reg = BPF_PSEUDO_MAP_FD;
		in[0].imm = fd;
		return 0;
	case LDR_RELO_DATA:
	case LDR_RELO_EXTERN:
		if ((err = ldr_map_fd_for(lk, where, r->map_idx, &fd)))
			return err;
		in[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		in[1].imm = r->type == LDR_RELO_DATA ? (int32_t)((int64_t)in[0].imm + r->sym_off)
		                                     : (int32_t)r->sym_off;
		in[0].imm = fd;
		return 0;
	case LDR_RELO_CALL:
		return ldr_link_call(lk, where, idx, obj->text_sec,
		                     (int64_t)(r->sym_off / LDR_INSN_SZ) + in->imm + 1);
	case LDR_RELO_SUBPROG_ADDR:
		in[0].src_reg = BPF_PSEUDO_FUNC;
		return ldr_link_call(lk, where, idx, obj->text_sec,
		                     ((int64_t)r->sym_off + in->imm) / LDR_INSN_SZ);
	default:
		return ldr_err(obj, -EINVAL, "%s: unknown relocation type %u", where, r->type);
	}
}

/* func_info / line_info of the appended functions, in order. */
static int ldr_link_ext(struct ldr_linker *lk, bool line)
{
	struct userbpf_object *obj = lk->obj;
	struct userbpf_program *mp = lk->main;
	size_t rsz = line ? sizeof(struct bpf_line_info) : sizeof(struct bpf_func_info);
	uint8_t *out = NULL;
	uint32_t n = 0, cap = 0;
	for (uint32_t s = 0; s < lk->nr_segs; s++) {
		const struct userbpf_program *p = lk->segs[s];
		const struct ldr_ext_sec *es = ldr_btf_ext_sec(obj, ldr_sec_name(obj, p->sec_idx));
		const struct ldr_ext_info *info = es ? (line ? &es->line : &es->func) : NULL;
		if (!info || !info->recs)
			continue;
		for (uint32_t k = 0; k < info->num; k++) {
			const uint8_t *rec = info->recs + (size_t)k * info->rec_size;
			uint32_t off;
			memcpy(&off, rec, 4);
			if (off % LDR_INSN_SZ)
				continue;
			uint32_t in = off / LDR_INSN_SZ;
			if (in < p->sec_insn_off || in >= p->sec_insn_off + p->sec_insn_cnt)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				uint8_t *nb = realloc(out, cap * rsz);
				if (!nb) {
					free(out);
					return -ENOMEM;
				}
				out = nb;
			}
			memcpy(out + n * rsz, rec, rsz);
			uint32_t noff = in - p->sec_insn_off + p->sub_insn_off;
			memcpy(out + n * rsz, &noff, 4);
			n++;
		}
	}
	if (line) {
		mp->line_info = (struct bpf_line_info *)out;
		mp->line_info_cnt = n;
	} else {
		mp->func_info = (struct bpf_func_info *)out;
		mp->func_info_cnt = n;
	}
	return 0;
}

/* What PROG_LOAD requires of func_info (first at 0, strictly ascending) and line_info
 * (ascending): records that break it came from a malformed .BTF.ext, and are dropped with a
 * message, as libbpf drops a .BTF.ext it cannot parse. */
static void ldr_link_ext_check(struct userbpf_object *obj, struct userbpf_program *p)
{
	bool ok = !p->func_info_cnt || p->func_info[0].insn_off == 0;
	for (uint32_t i = 1; ok && i < p->func_info_cnt; i++)
		ok = p->func_info[i].insn_off > p->func_info[i - 1].insn_off;
	for (uint32_t i = 1; ok && i < p->line_info_cnt; i++)
		ok = p->line_info[i].insn_off >= p->line_info[i - 1].insn_off;
	if (ok)
		return;
	ldr_info(obj, "program '%s': .BTF.ext func_info/line_info out of order: dropped", p->name);
	free(p->func_info);
	free(p->line_info);
	p->func_info = NULL;
	p->line_info = NULL;
	p->func_info_cnt = p->line_info_cnt = 0;
}

int ldr_prog_link(struct userbpf_object *obj, struct userbpf_program *prog)
{
	for (uint32_t i = 0; i < obj->nr_progs; i++)
		obj->progs[i].sub_insn_off = UINT32_MAX;
	free(prog->insns);
	free(prog->func_info);
	free(prog->line_info);
	prog->insns = NULL;
	prog->func_info = NULL;
	prog->line_info = NULL;
	prog->insn_cnt = prog->func_info_cnt = prog->line_info_cnt = 0;
	struct ldr_linker lk = {.obj = obj, .main = prog};
	int err = ldr_link_append(&lk, prog);
	for (uint32_t s = 0; !err && s < lk.nr_segs; s++) {
		struct userbpf_program *p = lk.segs[s];
		for (uint32_t i = 0; !err && i < p->sec_insn_cnt; i++) {
			bool wide = false;
			err = ldr_link_insn(&lk, p, i, &wide);
			if (wide)
				i++;
		}
	}
	if (!err)
		err = ldr_link_ext(&lk, false);
	if (!err)
		err = ldr_link_ext(&lk, true);
	if (!err)
		ldr_link_ext_check(obj, prog);
	free(lk.segs);
	if (err) {
		free(lk.out);
		free(prog->func_info);
		prog->func_info = NULL;
		prog->func_info_cnt = 0;
		return err;
	}
	prog->insns = lk.out;
	prog->insn_cnt = lk.len;
	return 0;
}
