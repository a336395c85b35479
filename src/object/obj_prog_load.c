/* obj_prog_load.c — BPF_PROG_LOAD.
 *
 * Order as the kernel's bpf_prog_load (checked against the host kernel): prog_flags,
 * insn_cnt (E2BIG), the attach type (bpf_prog_load_check_attach), the instructions and
 * the license are copied (EFAULT), the program type, the name, then the verifier's log
 * attributes (bpf_vlog_init). Then bpf_check's work: the encoding (userbpf_isa_check), the
 * map references (fixup.c), the verifier (src/verifier) — errors in the log, in the
 * kernel's wording — and the rewritten program becomes a runtime. The result is a
 * program file (obj_prog.h) and an fd for it.
 *
 * The log is the verifier's (src/verifier/log.c): the kernel's rules for level, buffer
 * and size, the rotating or fixed window, ENOSPC for a log that did not fit (even when
 * the load would have succeeded), log_true_size the size it needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "object/obj_btf.h"
#include "object/obj_prog.h"
#include "progtypes/progtype.h"
#include "verifier/verifier.h"

#define END_OF(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

#define OBJ_PROG_FLAGS                                                                             \
	(BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_RND_HI32 |                      \
	 BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS |                           \
	 BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS | BPF_F_TOKEN_FD)
#define END_OF_LOG_TRUE_SIZE END_OF(log_true_size)

static bool obj_license_gpl(const char *s)
{
	static const char *const gpl[] = {
	        "GPL",          "GPL v2",       "GPL and additional rights",
	        "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"};
	for (size_t i = 0; i < sizeof gpl / sizeof gpl[0]; i++)
		if (!strcmp(s, gpl[i]))
			return true;
	return false;
}

/* The state of one load: the runtime being built and the user's map fds it used. */
struct obj_load {
	struct obj_prog *p;
	int map_fds[BPF_MAX_USED_MAPS]; /* a dup of the user's fd of each used map, for the links */
};

/* The entry of a used map's fd, checked against the file the fd names now (one fstat of
 * *dup_out, a duplicate of fd made first, so that a close of fd meanwhile does not matter):
 * a raw close(2) that the hook did not see may have left a stale entry. */
static int obj_load_map_entry(int fd, struct obj_entry **out, int *dup_out)
{
	for (int tries = 0; tries < 2; tries++) {
		struct obj_entry *e;
		int err = obj_fd_get(fd, OBJ_NONE, &e);
		if (err)
			return err;
		if (e->kind != OBJ_MAP)
			return -EINVAL;
		int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (nfd < 0)
			return -EBADF;
		struct stat st;
		if (fstat(nfd, &st) == 0 && st.st_dev == e->dev && st.st_ino == e->ino) {
			*out = e;
			*dup_out = nfd;
			return 0;
		}
		close(nfd);
		obj_fd_drop(fd); /* stale: look again */
	}
	return -EBADF;
}

/* Fixup callback: the map behind a user fd, attached for the program's own use. */
static int obj_load_map_from_fd(void *ctx, int fd, struct bpf_map **map)
{
	struct obj_load *ld = ctx;
	struct obj_prog *p = ld->p;
	struct obj_entry *e;
	int err = obj_fd_get(fd, OBJ_NONE, &e);
	if (err)
		return err;
	if (e->kind != OBJ_MAP)
		return -EINVAL;
	for (uint32_t i = 0; i < p->nr_maps; i++)
		if (p->maps[i]->sh->id == e->id) {
			*map = p->maps[i];
			return 0;
		}
	if (p->nr_maps == BPF_MAX_USED_MAPS)
		return -E2BIG;
	int nfd;
	if ((err = obj_load_map_entry(fd, &e, &nfd)))
		return err;
	/* the fd's own view, shared (not mapped again): the runtime holds a reference */
	uint32_t i = p->nr_maps;
	*map = bpf_map_get(e->map);
	ld->map_fds[i] = nfd;
	p->maps[p->nr_maps++] = *map;
	return 0;
}

/* The stored form: each map reference as the map's id (FD / VALUE forms). */
static void obj_insns_by_id(struct bpf_insn *out, const struct bpf_insn *fixed, uint32_t cnt,
                            const struct obj_prog *p)
{
	for (uint32_t i = 0; i + 1 < cnt; i++) {
		if (!userbpf_insn_is_ldimm64(&out[i]))
			continue;
		uint8_t src = out[i].src_reg;
		bool value = src == BPF_PSEUDO_MAP_VALUE || src == BPF_PSEUDO_MAP_IDX_VALUE;
		if (value || src == BPF_PSEUDO_MAP_FD || src == BPF_PSEUDO_MAP_IDX) {
			uintptr_t addr = (uintptr_t)userbpf_insn_imm64(&fixed[i]);
			for (uint32_t k = 0; k < p->nr_maps; k++) {
				const struct bpf_map *m = p->maps[k];
				uintptr_t data = (uintptr_t)m->data;
				bool hit = value ? addr >= data && addr < data + m->value_size
				                 : addr == (uintptr_t)m;
				if (hit) {
					out[i].src_reg =
					        value ? BPF_PSEUDO_MAP_VALUE : BPF_PSEUDO_MAP_FD;
					out[i].imm = (int32_t)m->sh->id;
					out[i + 1].imm = value ? (int32_t)(addr - data) : 0;
					break;
				}
			}
		}
		i++;
	}
}

/* Create the program file, its id, the user's fd and the keep-alive links. The file holds
 * the verified program (xlated, map references as ids); the tag is the original's. */
static long obj_prog_store(struct obj_load *ld, const union bpf_attr *a, const char *license,
                           bool gpl, const struct bpf_insn *orig,
                           const struct bpf_verifier_result *vr, uint32_t btf_id)
{
	struct obj_prog *p = ld->p;
	uint32_t cnt = vr->xlated_cnt;
	size_t isz = (size_t)cnt * sizeof(struct bpf_insn);
	size_t len = isz + BPF_MAX_USED_MAPS * sizeof(uint32_t) + sizeof(struct obj_prog_trailer) +
	             obj_prog_btf_info_size(vr);
	char *payload = calloc(1, len);
	if (!payload)
		return -ENOMEM;
	memcpy(payload, vr->xlated, isz);
	obj_insns_by_id((struct bpf_insn *)payload, vr->xlated, cnt, p);
	uint32_t *ids = (uint32_t *)(payload + isz);
	for (uint32_t i = 0; i < p->nr_maps; i++)
		ids[i] = p->maps[i]->sh->id;
	struct obj_prog_trailer *tr =
	        (struct obj_prog_trailer *)(payload + isz + BPF_MAX_USED_MAPS * sizeof(uint32_t));
	tr->magic = OBJ_PROG_TRAILER_MAGIC;
	tr->verified_insns = vr->insn_processed;
	tr->max_ctx_offset = vr->max_ctx_offset;
	obj_prog_btf_info_write(tr + 1, vr, btf_id); /* func/line info (obj_prog_info.c) */

	struct obj_hdr h;
	memset(&h, 0, sizeof h);
	h.magic = OBJ_PROG_MAGIC;
	h.type = a->prog_type;
	memcpy(h.name, a->prog_name, sizeof h.name);
	h.insn_cnt = cnt;
	h.prog_flags = a->prog_flags;
	h.expected_attach_type = p->expected_attach_type;
	h.nr_map_ids = p->nr_maps;
	h.map_ids_off = isz;
	h.btf_id = btf_id;
	h.gpl_compatible = gpl;
	snprintf(h.license, sizeof h.license, "%s", license);
	obj_prog_tag(orig, a->insn_cnt, h.tag);
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	h.load_time = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	h.created_by_uid = (uint32_t)getuid();
	int err = 0;
	h.id = p->id = obj_id_alloc(OBJ_PROG, &err);
	if (!h.id) {
		free(payload);
		return err;
	}
	/* programs loaded since the last sweep of dead programs' links: maybe sweep now */
	obj_prog_refs_sweep_due(h.id);
	/* a program that holds maps is a named file under .refs (obj_prog_file.c), so that
	 * the sweep tells cheaply when it is gone; the others are unnamed */
	bool named = p->nr_maps != 0;
	p->named = named;
	int fd = named ? obj_prog_file_create(h.id) : obj_file_create();
	if (fd < 0) {
		free(payload);
		return fd;
	}
	/* the file is mapped here only when something reads it (obj_entry_blob): a runtime is
	 * built from the instructions at hand */
	struct obj_blob *blob = NULL;
	struct stat st;
	uint64_t fsize;
	err = obj_blob_write(fd, &h, payload, len, &fsize);
	free(payload);
	if (!err && fstat(fd, &st) < 0)
		err = -errno;
	if (!err && !(blob = obj_blob_lazy(fd, fsize, h.id, &st)))
		err = -ENOMEM;
	if (!err && (err = obj_fd_install_blob_st(fd, OBJ_PROG, blob, OBJ_CAN_READ | OBJ_CAN_WRITE,
	                                          h.id, &st)))
		blob = NULL; /* the install freed it */
	if (!err) {
		/* registered first, so a concurrent sweep sees the program alive */
		obj_registry_add_st(OBJ_PROG, h.id, fd, &st);
		for (uint32_t i = 0; i < p->nr_maps && !err; i++)
			err = obj_prog_ref_map_view(h.id, ld->map_fds[i], p->maps[i]->sh->id,
			                            p->maps[i]);
		/* the kernel's prog->aux->btf: the program holds its BTF */
		if (!err && btf_id)
			err = obj_btf_hold(OBJ_PROG, h.id, (int)a->prog_btf_fd, btf_id);
		if (err)
			obj_fd_drop(fd);
	}
	if (err) {
		close(fd);
		if (named) {
			uint32_t map_ids[BPF_MAX_USED_MAPS];
			for (uint32_t i = 0; i < p->nr_maps; i++)
				map_ids[i] = p->maps[i]->sh->id;
			obj_prog_refs_drop(h.id, map_ids, p->nr_maps, true);
		}
		return err;
	}
	return fd;
}

/* Encoding, map references and the verifier (the kernel's bpf_check): 0 and *vr, or
 * -errno with the reason in the log. The log's "processed" line is always there. */
static int obj_prog_verify(struct obj_load *ld, const union bpf_attr *a, bool gpl, bool unpriv,
                           struct bpf_insn *fixed, struct bpf_verifier_log *log,
                           struct bpf_verifier_result *vr, uint32_t *btf_id)
{
	struct bpf_fixup_ref *refs = calloc(a->insn_cnt, sizeof *refs);
	if (!refs)
		return -ENOMEM;
	/* the kernel's order and log: subprograms, encoding, map references (fields are
	 * checked during the walk) */
	struct bpf_fixup_env fx = {.map_from_fd = obj_load_map_from_fd,
	                           .ctx = ld,
	                           .fd_array = obj_u64_ptr(a->fd_array),
	                           .refs = refs};
	int err = bpf_check_prepare(fixed, a->insn_cnt, &fx, log);
	if (err) {
		free(refs);
		return err;
	}
	const void *btf_data = NULL;
	uint32_t btf_size = 0;
	if (a->func_info_cnt || a->line_info_cnt) {
		/* the program's BTF (btf_get_by_fd): EBADF / EINVAL before the walk */
		struct obj_entry *be;
		if ((err = obj_fd_get((int)a->prog_btf_fd, OBJ_BTF, &be))) {
			bpf_log(log,
			        "processed 0 insns (limit %d) max_states_per_insn 0 total_states 0 "
			        "peak_states 0 mark_read 0\n",
			        BPF_COMPLEXITY_LIMIT_INSNS);
			free(refs);
			return err;
		}
		btf_data = be->blob->payload;
		btf_size = be->blob->hdr->btf_size;
		*btf_id = be->id;
	}
	struct bpf_verifier_opts vo = {
	        .btf_data = btf_data,
	        .btf_size = btf_size,
	        .func_info = obj_u64_ptr(a->func_info),
	        .func_info_cnt = a->func_info_cnt,
	        .func_info_rec_size = a->func_info_rec_size,
	        .line_info = obj_u64_ptr(a->line_info),
	        .line_info_cnt = a->line_info_cnt,
	        .line_info_rec_size = a->line_info_rec_size,
	        .prepared = true,
	        .prog_type = a->prog_type,
	        .expected_attach_type = ld->p->expected_attach_type,
	        .prog_flags = a->prog_flags,
	        .gpl_compatible = gpl,
	        .unprivileged = unpriv,
	        .used_maps = ld->p->maps,
	        .used_map_cnt = ld->p->nr_maps,
	        .map_refs = refs,
	        .log = log,
	};
	err = bpf_check(fixed, a->insn_cnt, &vo, vr);
	free(refs);
	return err;
}

long obj_prog_load(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if (a->prog_flags & ~OBJ_PROG_FLAGS)
		return -EINVAL;
	if (a->prog_flags & BPF_F_TOKEN_FD)
		return -EINVAL; /* no tokens here */
	/* USERBPF_UNPRIVILEGED=1: the kernel's rules for a loader without CAP_BPF */
	const char *unpriv_env = getenv("USERBPF_UNPRIVILEGED");
	bool unpriv = unpriv_env && *unpriv_env && strcmp(unpriv_env, "0") != 0;
	if (unpriv && a->prog_type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    a->prog_type != BPF_PROG_TYPE_CGROUP_SKB)
		return -EPERM;
	if (!a->insn_cnt || a->insn_cnt > (unpriv ? BPF_MAXINSNS : OBJ_PROG_MAX_INSNS))
		return -E2BIG;
	uint32_t expected_attach_type = a->expected_attach_type;
	if (bpf_prog_type_check_attach(a->prog_type, &expected_attach_type))
		return -EINVAL;
	const struct bpf_insn *uinsns = obj_u64_ptr(a->insns);
	const char *ulicense = obj_u64_ptr(a->license);
	if (!uinsns || !ulicense)
		return -EFAULT;
	char license[128];
	snprintf(license, sizeof license, "%s", ulicense);
	bool gpl = obj_license_gpl(license);
	if (!a->prog_type || a->prog_type >= __MAX_BPF_PROG_TYPE ||
	    !bpf_prog_type_info(a->prog_type))
		return -EINVAL;
	int err = obj_name_check(a->prog_name);
	if (err)
		return err;
	struct bpf_verifier_log log;
	if ((err = bpf_vlog_init(&log, a->log_level, obj_u64_ptr(a->log_buf), a->log_size)))
		return err;
	/* No revalidation of every cached fd here: the fds this load uses are checked one by
	 * one (obj_load_map_entry), and installing the new fd replaces a stale entry. */

	size_t isz = (size_t)a->insn_cnt * sizeof(struct bpf_insn);
	struct bpf_insn *fixed = malloc(isz);
	struct obj_load ld = {.p = calloc(1, sizeof *ld.p)};
	struct bpf_verifier_result vr = {0};
	if (!fixed || !ld.p) {
		free(fixed);
		free(ld.p);
		bpf_vlog_free(&log);
		return -ENOMEM;
	}
	memcpy(fixed, uinsns, isz);
	ld.p->prog_type = a->prog_type;
	ld.p->expected_attach_type = expected_attach_type;
	uint32_t btf_id = 0;
	err = obj_prog_verify(&ld, a, gpl, unpriv, fixed, &log, &vr, &btf_id);
	if (!err) {
		struct userbpf_error e = {0};
		ld.p->max_ctx_offset = vr.max_ctx_offset;
		/* the vm takes plain ld_imm64 of addresses */
		struct bpf_insn *run = malloc((size_t)vr.xlated_cnt * sizeof *run);
		if (!run) {
			err = -ENOMEM;
		} else {
			memcpy(run, vr.xlated, (size_t)vr.xlated_cnt * sizeof *run);
			for (uint32_t i = 0; i + 1 < vr.xlated_cnt; i++)
				if (userbpf_insn_is_ldimm64(&run[i])) {
					if (run[i].src_reg != BPF_PSEUDO_FUNC)
						run[i].src_reg = 0;
					i++;
				}
			if ((err = obj_prog_rt_finish(ld.p, run, vr.xlated_cnt, &e)))
				bpf_log(&log, "%s\n", e.msg);
			free(run);
		}
	}
	uint32_t true_size;
	int lerr = bpf_vlog_finalize(&log, &true_size);
	bpf_vlog_free(&log);
	if (lerr)
		err = lerr; /* the kernel: a log that did not fit fails the load */
	if (size >= END_OF_LOG_TRUE_SIZE)
		ua->log_true_size = true_size;
	long ret = err;
	if (!err)
		ret = obj_prog_store(&ld, a, license, gpl, uinsns, &vr, btf_id);
	for (uint32_t i = 0; i < ld.p->nr_maps; i++)
		close(ld.map_fds[i]);
	if (ret >= 0)
		obj_prog_rt_publish(ld.p);
	else
		obj_prog_rt_free(ld.p);
	free(vr.xlated);
	free(vr.func_info);
	free(vr.line_info);
	free(fixed);
	return ret;
}
