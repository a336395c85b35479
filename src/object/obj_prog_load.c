/* obj_prog_load.c — BPF_PROG_LOAD.
 *
 * Order as the kernel's bpf_prog_load (checked against the host kernel): prog_flags,
 * insn_cnt (E2BIG), the instructions and the license are copied (EFAULT), the program
 * type, the name, then the verifier's log attributes. Then what stands for the verifier
 * here: the strict ISA check and the map references (errors in the log, with the
 * kernel's wording), GPL-only helpers. There is no verifier yet, so the program runs in a
 * guarded vm. The result is a program file (obj_prog.h) and an fd for it.
 *
 * The log follows the kernel's rules: level without buffer is allowed (only the size is
 * reported), buffer and size go together, a buffer needs a level, level bits within
 * BPF_LOG_MASK, size below 2^30; the log ends with the "processed" summary line; a log
 * that does not fit is ENOSPC (even when the load would have succeeded), keeping the
 * tail (rotating) or, with BPF_LOG_FIXED, the head; log_true_size is the full size.
 * Differences: with no verifier walk, the summary counts insn_cnt insns on success
 * (0 on failure, as the kernel's early checks) and levels 2 and 4 add nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "object/obj_prog.h"

#define END_OF(field) (offsetof(union bpf_attr, field) + sizeof(((union bpf_attr *)0)->field))

#define OBJ_PROG_FLAGS                                                                             \
	(BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT | BPF_F_TEST_RND_HI32 |                      \
	 BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS |                           \
	 BPF_F_XDP_DEV_BOUND_ONLY | BPF_F_TEST_REG_INVARIANTS | BPF_F_TOKEN_FD)
/* the kernel's BPF_LOG_LEVEL1 | LEVEL2 | STATS | FIXED (verifier-internal names) */
#define OBJ_LOG_FIXED 8u
#define OBJ_LOG_MASK 15u
#define OBJ_LOG_MAX_SIZE (UINT32_MAX >> 2)

struct obj_log {
	uint32_t level, size;
	char *ubuf;
	char text[512]; /* our messages are few and short */
	size_t len;
};

static int obj_log_init(struct obj_log *l, const union bpf_attr *a)
{
	memset(l, 0, sizeof *l);
	l->level = a->log_level;
	l->size = a->log_size;
	l->ubuf = obj_u64_ptr(a->log_buf);
	if (!!l->ubuf != !!l->size || (l->ubuf && !l->level) || (l->level & ~OBJ_LOG_MASK) ||
	    l->size > OBJ_LOG_MAX_SIZE)
		return -EINVAL;
	return 0;
}

static void obj_log(struct obj_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void obj_log(struct obj_log *l, const char *fmt, ...)
{
	if (!l->level || l->len >= sizeof l->text - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->text + l->len, sizeof l->text - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < sizeof l->text - l->len ? (size_t)n
		                                              : sizeof l->text - 1 - l->len;
}

/* Write the log out (bpf_vlog_finalize): err unless the log was truncated (ENOSPC). */
static int obj_log_finish(struct obj_log *l, uint32_t processed, int err, union bpf_attr *ua,
                          unsigned size)
{
	uint32_t true_size = 0;
	if (l->level) {
		obj_log(l,
		        "processed %u insns (limit %u) max_states_per_insn 0 total_states 0 "
		        "peak_states 0 mark_read 0\n",
		        processed, OBJ_PROG_MAX_INSNS);
		true_size = (uint32_t)l->len + 1;
		if (l->ubuf) {
			size_t n = l->len < l->size ? l->len : l->size - 1;
			const char *from =
			        l->level & OBJ_LOG_FIXED ? l->text : l->text + l->len - n;
			memcpy(l->ubuf, from, n);
			l->ubuf[n] = 0;
			if (true_size > l->size)
				err = -ENOSPC;
		}
	}
	if (size >= END_OF(log_true_size))
		ua->log_true_size = true_size;
	return err;
}

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
	int map_fds[BPF_MAX_USED_MAPS]; /* read-write reopen of each used map, for the links */
};

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
	int rw = obj_file_reopen(fd, O_RDWR); /* a map fd of any mode may be used */
	if (rw < 0)
		return rw;
	if ((err = bpf_map_attach_fd(rw, map))) {
		close(rw);
		return err;
	}
	ld->map_fds[p->nr_maps] = rw;
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

/* A GPL-only helper called from a non-GPL program: the verifier's refusal. */
static int obj_gpl_check(const struct bpf_insn *insns, uint32_t cnt, struct obj_log *l)
{
	for (uint32_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		if (in->code != (BPF_JMP | BPF_CALL) || in->src_reg != 0)
			continue;
		const struct bpf_func_proto *fp = bpf_helper_proto((uint32_t)in->imm);
		if (fp && fp->gpl_only) {
			obj_log(l, "cannot call GPL-restricted function from non-GPL compatible "
			           "program\n");
			return -EINVAL;
		}
	}
	return 0;
}

/* Create the program file, its id, the user's fd and the keep-alive links. */
static long obj_prog_store(struct obj_load *ld, const union bpf_attr *a, const char *license,
                           bool gpl, const struct bpf_insn *orig, const struct bpf_insn *fixed)
{
	struct obj_prog *p = ld->p;
	uint32_t cnt = a->insn_cnt;
	size_t isz = (size_t)cnt * sizeof(struct bpf_insn);
	size_t len = isz + BPF_MAX_USED_MAPS * sizeof(uint32_t);
	char *payload = calloc(1, len);
	if (!payload)
		return -ENOMEM;
	memcpy(payload, orig, isz);
	obj_insns_by_id((struct bpf_insn *)payload, fixed, cnt, p);
	uint32_t *ids = (uint32_t *)(payload + isz);
	for (uint32_t i = 0; i < p->nr_maps; i++)
		ids[i] = p->maps[i]->sh->id;

	struct obj_hdr h;
	memset(&h, 0, sizeof h);
	h.magic = OBJ_PROG_MAGIC;
	h.type = a->prog_type;
	memcpy(h.name, a->prog_name, sizeof h.name);
	h.insn_cnt = cnt;
	h.prog_flags = a->prog_flags;
	h.expected_attach_type = a->expected_attach_type;
	h.nr_map_ids = p->nr_maps;
	h.map_ids_off = isz;
	h.btf_id = 0;
	h.gpl_compatible = gpl;
	snprintf(h.license, sizeof h.license, "%s", license);
	obj_prog_tag(orig, cnt, h.tag);
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
	int fd;
	struct obj_blob *blob;
	err = obj_blob_create(&h, payload, len, &fd, &blob);
	free(payload);
	if (err)
		return err;
	if ((err = obj_fd_install_blob(fd, OBJ_PROG, blob, OBJ_CAN_READ | OBJ_CAN_WRITE, h.id))) {
		close(fd);
		return err;
	}
	/* registered first, so a concurrent sweep sees the program alive */
	obj_registry_add(OBJ_PROG, h.id, fd);
	for (uint32_t i = 0; i < p->nr_maps && !err; i++)
		err = obj_prog_ref_map(h.id, ld->map_fds[i], p->maps[i]->sh->id);
	if (err) {
		obj_fd_drop(fd);
		close(fd);
		return err;
	}
	return fd;
}

long obj_prog_load(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if (a->prog_flags & ~OBJ_PROG_FLAGS)
		return -EINVAL;
	if (a->prog_flags & BPF_F_TOKEN_FD)
		return -EINVAL; /* no tokens here */
	if (!a->insn_cnt || a->insn_cnt > OBJ_PROG_MAX_INSNS)
		return -E2BIG;
	const struct bpf_insn *uinsns = obj_u64_ptr(a->insns);
	const char *ulicense = obj_u64_ptr(a->license);
	if (!uinsns || !ulicense)
		return -EFAULT;
	char license[128];
	snprintf(license, sizeof license, "%s", ulicense);
	bool gpl = obj_license_gpl(license);
	if (!a->prog_type || a->prog_type >= __MAX_BPF_PROG_TYPE)
		return -EINVAL;
	int err = obj_name_check(a->prog_name);
	if (err)
		return err;
	struct obj_log log;
	if ((err = obj_log_init(&log, a)))
		return err;
	obj_fd_revalidate(); /* map fds are looked up, and fd numbers are about to be reused */

	size_t isz = (size_t)a->insn_cnt * sizeof(struct bpf_insn);
	struct bpf_insn *fixed = malloc(isz);
	struct obj_load ld = {.p = calloc(1, sizeof *ld.p)};
	if (!fixed || !ld.p) {
		free(fixed);
		free(ld.p);
		return -ENOMEM;
	}
	memcpy(fixed, uinsns, isz);
	ld.p->prog_type = a->prog_type;
	struct userbpf_error e = {0};
	uint32_t processed = 0;
	err = userbpf_isa_check(fixed, a->insn_cnt, 0, &e);
	if (!err) {
		struct bpf_fixup_env fx = {.map_from_fd = obj_load_map_from_fd,
		                           .ctx = &ld,
		                           .fd_array = obj_u64_ptr(a->fd_array)};
		err = bpf_fixup_map_ldimm64(fixed, a->insn_cnt, &fx, &e);
	}
	if (err)
		obj_log(&log, "%s\n", e.msg);
	if (!err && !gpl)
		err = obj_gpl_check(fixed, a->insn_cnt, &log);
	if (!err && (err = obj_prog_rt_finish(ld.p, fixed, a->insn_cnt, &e)))
		obj_log(&log, "%s\n", e.msg);
	if (!err)
		processed = a->insn_cnt;
	err = obj_log_finish(&log, processed, err, ua, size);
	long ret = err;
	if (!err) {
		obj_prog_refs_sweep();
		ret = obj_prog_store(&ld, a, license, gpl, uinsns, fixed);
	}
	for (uint32_t i = 0; i < ld.p->nr_maps; i++)
		close(ld.map_fds[i]);
	if (ret >= 0)
		obj_prog_rt_publish(ld.p);
	else
		obj_prog_rt_free(ld.p);
	free(fixed);
	return ret;
}
