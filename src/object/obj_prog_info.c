/* obj_prog_info.c — BPF_OBJ_GET_INFO_BY_FD for programs (struct bpf_prog_info).
 *
 * As the kernel answers root: the xlated program with each map reference as
 * BPF_PSEUDO_MAP_FD / _VALUE and imm = the map's id (the stored form, obj_prog.h), the
 * used map ids, the tag, name, load time and uid. Arrays follow the kernel's rule: the
 * caller's count or length says how much room there is, min(room, ours) is copied and
 * the full count or length is written back. No JIT: jited_prog_len and the JIT arrays
 * are 0; no BTF, func or line info yet; no run statistics (BPF_ENABLE_STATS).
 * xlated insns are the verified program as rewritten (ctx accesses converted, LD_ABS
 * expanded, dead code removed; helper calls and map lookups are not inlined as the kernel
 * does); verified_insns is the verifier's processed count.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "object/obj_prog.h"

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
	const struct obj_blob *b = e->blob;
	const struct obj_hdr *h = b->hdr;

	uint32_t room = info.xlated_prog_len;
	info.xlated_prog_len = h->insn_cnt * (uint32_t)sizeof(struct bpf_insn);
	if (room && info.xlated_prog_len) {
		if (!info.xlated_prog_insns)
			return -EFAULT;
		uint32_t n = room < info.xlated_prog_len ? room : info.xlated_prog_len;
		memcpy(obj_u64_ptr(info.xlated_prog_insns), b->payload, n);
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
	info.btf_id = h->btf_id;
	info.nr_func_info = info.nr_line_info = info.nr_jited_line_info = 0;
	info.func_info_rec_size = info.line_info_rec_size = info.jited_line_info_rec_size = 0;
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
