/* obj_prog_info.c — BPF_OBJ_GET_INFO_BY_FD for programs (struct bpf_prog_info).
 *
 * As the kernel answers root: the xlated program with each map reference as
 * BPF_PSEUDO_MAP_FD / _VALUE and imm = the map's id (the stored form, obj_prog.h), the
 * used map ids, the tag, name, load time and uid. Arrays follow the kernel's rule: the
 * caller's count or length says how much room there is, min(room, ours) is copied and
 * the full count or length is written back. No JIT: jited_prog_len and the JIT arrays
 * are 0 (jited_line_info too); btf_id, func_info and line_info come from the program
 * file's BTF section (line info adjusted to the xlated insns, as the kernel's
 * bpf_adj_linfo); record sizes follow set_info_rec_size; no run statistics.
 * xlated insns are the verified program as rewritten (ctx accesses converted, LD_ABS
 * expanded, dead code removed; helper calls and map lookups are not inlined as the kernel
 * does); verified_insns is the verifier's processed count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "object/obj_prog.h"
#include "verifier/verifier.h"

/* The BTF section after a program file's trailer: this header, func_info records, then
 * line_info records (insn_off in xlated insns), both at the kernel's record sizes. */
struct obj_prog_btf_sec {
	uint32_t magic; /* OBJ_PROG_BTF_MAGIC */
	uint32_t btf_id;
	uint32_t nr_func_info, nr_line_info;
};
#define OBJ_PROG_BTF_MAGIC 0x46425055u /* "UPBF" */

size_t obj_prog_btf_info_size(const struct bpf_verifier_result *vr)
{
	return sizeof(struct obj_prog_btf_sec) +
	       (size_t)vr->func_info_cnt * sizeof(struct bpf_func_info) +
	       (size_t)vr->line_info_cnt * sizeof(struct bpf_line_info);
}

void obj_prog_btf_info_write(void *dst, const struct bpf_verifier_result *vr, uint32_t btf_id)
{
	struct obj_prog_btf_sec sec = {.magic = OBJ_PROG_BTF_MAGIC,
	                               .btf_id = btf_id,
	                               .nr_func_info = vr->func_info_cnt,
	                               .nr_line_info = vr->line_info_cnt};
	char *p = dst;
	memcpy(p, &sec, sizeof sec);
	p += sizeof sec;
	size_t fsz = (size_t)vr->func_info_cnt * sizeof(struct bpf_func_info);
	if (fsz)
		memcpy(p, vr->func_info, fsz);
	p += fsz;
	if (vr->line_info_cnt)
		memcpy(p, vr->line_info, (size_t)vr->line_info_cnt * sizeof(struct bpf_line_info));
}

/* The section of a stored program, NULL when its file has none (or a damaged one). */
static const struct obj_prog_btf_sec *obj_prog_btf_sec(const struct obj_blob *b)
{
	uint64_t off = b->hdr->map_ids_off + BPF_MAX_USED_MAPS * sizeof(uint32_t) +
	               sizeof(struct obj_prog_trailer);
	if (!obj_prog_trailer(b) || off + sizeof(struct obj_prog_btf_sec) > b->hdr->payload_size)
		return NULL;
	const struct obj_prog_btf_sec *sec =
	        (const struct obj_prog_btf_sec *)((const char *)b->payload + off);
	uint64_t need = sizeof *sec + (uint64_t)sec->nr_func_info * sizeof(struct bpf_func_info) +
	                (uint64_t)sec->nr_line_info * sizeof(struct bpf_line_info);
	if (sec->magic != OBJ_PROG_BTF_MAGIC || off + need > b->hdr->payload_size)
		return NULL;
	return sec;
}

/* set_info_rec_size: a record size the caller gives must be ours (or 0 with no count). */
static int obj_prog_info_rec_sizes(struct bpf_prog_info *info)
{
	if ((info->nr_func_info || info->func_info_rec_size) &&
	    info->func_info_rec_size != sizeof(struct bpf_func_info))
		return -EINVAL;
	if ((info->nr_line_info || info->line_info_rec_size) &&
	    info->line_info_rec_size != sizeof(struct bpf_line_info))
		return -EINVAL;
	if ((info->nr_jited_line_info || info->jited_line_info_rec_size) &&
	    info->jited_line_info_rec_size != sizeof(uint64_t))
		return -EINVAL;
	info->func_info_rec_size = sizeof(struct bpf_func_info);
	info->line_info_rec_size = sizeof(struct bpf_line_info);
	info->jited_line_info_rec_size = sizeof(uint64_t);
	return 0;
}

/* One of the record arrays: min(room, count) records out, the full count back. */
static int obj_prog_info_records(uint32_t *nr, uint64_t uptr, const void *src, uint32_t count,
                                 size_t rec)
{
	uint32_t room = *nr;
	*nr = count;
	if (!count || !room)
		return 0;
	uint32_t n = room < count ? room : count;
	void *dst = obj_u64_ptr(uptr);
	if (!dst)
		return -EFAULT;
	memcpy(dst, src, (size_t)n * rec);
	return 0;
}

/* bpf-to-bpf calls and callback addresses as a JIT'ing kernel shows them (jit_subprogs
 * restores them so): a pseudo call keeps its relative offset in off and names the callee's
 * subprogram index in imm; a pseudo func ld_imm64 keeps the offset in imm and the index in
 * the second half's imm. We run the offset form; the info shows the kernel's. */
static void obj_prog_info_calls(struct bpf_insn *x, uint32_t cnt)
{
	uint32_t starts[USERBPF_MAX_SUBPROGS + 1];
	int n = userbpf_isa_subprogs(x, cnt, starts, USERBPF_MAX_SUBPROGS + 1, NULL);
	for (uint32_t i = 0; n > 1 && i < cnt; i++) {
		bool call = userbpf_insn_is_pseudo_call(&x[i]);
		bool func = userbpf_insn_is_pseudo_func(&x[i]) && i + 1 < cnt;
		if (!call && !func)
			continue;
		int64_t t = (int64_t)i + x[i].imm + 1;
		int sub = -1;
		for (int k = 0; k < n; k++)
			if (starts[k] == t)
				sub = k;
		if (sub < 0)
			continue;
		if (call) {
			x[i].off = (int16_t)x[i].imm;
			x[i].imm = sub;
		} else {
			x[++i].imm = sub;
		}
	}
}

long obj_prog_info(struct obj_entry *e, union bpf_attr *a, union bpf_attr *ua)
{
	void *uinfo = obj_u64_ptr(a->info.info);
	uint32_t len = a->info.info_len;
	if (len > OBJ_PAGE_SIZE)
		return -E2BIG;
	if (len > sizeof(struct bpf_prog_info)) {
		/* bytes the caller offers beyond our struct must be zero */
		if (!uinfo)
			return -EFAULT;
		for (size_t i = sizeof(struct bpf_prog_info); i < len; i++)
			if (((const unsigned char *)uinfo)[i])
				return -E2BIG;
		len = sizeof(struct bpf_prog_info);
	}
	if (len && !uinfo)
		return -EFAULT;
	struct bpf_prog_info info;
	memset(&info, 0, sizeof info);
	if (len)
		memcpy(&info, uinfo, len); /* where the caller wants the arrays */
	struct obj_blob *b;
	int err = obj_entry_blob(e, &b); /* mapped on first use (object.h) */
	if (err)
		return err;
	const struct obj_hdr *h = b->hdr;

	if ((err = obj_prog_info_rec_sizes(&info)))
		return err;

	uint32_t room = info.xlated_prog_len;
	info.xlated_prog_len = h->insn_cnt * (uint32_t)sizeof(struct bpf_insn);
	if (room && info.xlated_prog_len) {
		if (!info.xlated_prog_insns)
			return -EFAULT;
		uint32_t n = room < info.xlated_prog_len ? room : info.xlated_prog_len;
		struct bpf_insn *x = malloc(info.xlated_prog_len);
		if (!x)
			return -ENOMEM;
		memcpy(x, b->payload, info.xlated_prog_len);
		obj_prog_info_calls(x, h->insn_cnt);
		memcpy(obj_u64_ptr(info.xlated_prog_insns), x, n);
		free(x);
	}
	room = info.nr_map_ids;
	info.nr_map_ids = __atomic_load_n(&h->nr_map_ids, __ATOMIC_ACQUIRE);
	uint32_t n = room < info.nr_map_ids ? room : info.nr_map_ids;
	if (n) {
		if (!info.map_ids)
			return -EFAULT;
		memcpy(obj_u64_ptr(info.map_ids), obj_prog_map_ids(b), n * sizeof(uint32_t));
	}

	info.type = h->type;
	info.id = e->id;
	memcpy(info.tag, h->tag, sizeof info.tag);
	info.jited_prog_len = 0;
	info.load_time = h->load_time;
	info.created_by_uid = h->created_by_uid;
	memcpy(info.name, h->name, sizeof info.name);
	info.ifindex = 0;
	info.gpl_compatible = h->gpl_compatible ? 1 : 0;
	info.netns_dev = info.netns_ino = 0;
	info.nr_jited_ksyms = info.nr_jited_func_lens = 0;
	const struct obj_prog_btf_sec *sec = obj_prog_btf_sec(b);
	info.btf_id = sec ? sec->btf_id : h->btf_id;
	const char *recs = sec ? (const char *)(sec + 1) : NULL;
	uint32_t nfi = sec ? sec->nr_func_info : 0, nli = sec ? sec->nr_line_info : 0;
	if ((err = obj_prog_info_records(&info.nr_func_info, info.func_info, recs, nfi,
	                                 sizeof(struct bpf_func_info))))
		return err;
	if ((err = obj_prog_info_records(&info.nr_line_info, info.line_info,
	                                 recs ? recs + (size_t)nfi * sizeof(struct bpf_func_info)
	                                      : NULL,
	                                 nli, sizeof(struct bpf_line_info))))
		return err;
	info.nr_jited_line_info = 0; /* no JIT: no jited_linfo */
	/* one tag per subprogram in the kernel; one program here */
	room = info.nr_prog_tags;
	info.nr_prog_tags = 1;
	if (room) {
		if (!info.prog_tags)
			return -EFAULT;
		memcpy(obj_u64_ptr(info.prog_tags), h->tag, BPF_TAG_SIZE);
	}
	info.run_time_ns = info.run_cnt = info.recursion_misses = 0;
	const struct obj_prog_trailer *tr = obj_prog_trailer(b);
	info.verified_insns = tr ? tr->verified_insns : h->insn_cnt;
	info.attach_btf_obj_id = info.attach_btf_id = 0;
	if (len)
		memcpy(uinfo, &info, len);
	ua->info.info_len = len;
	return 0;
}
