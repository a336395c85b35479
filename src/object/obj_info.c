/* obj_info.c — BPF_OBJ_GET_INFO_BY_FD for maps and BTF (programs: obj_prog_info.c).
 *
 * The kernel's info_len contract: bytes the caller offers beyond our struct must be zero
 * (E2BIG: the caller knows fields we do not), min(offered, ours) bytes are copied out and
 * that length is written back to info_len.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "object/object.h"

static int obj_info_tail_zero(const void *uinfo, uint32_t ulen, size_t ours)
{
	if (ulen > OBJ_PAGE_SIZE)
		return -E2BIG;
	if (ulen <= ours)
		return 0;
	if (!uinfo)
		return -EFAULT;
	const unsigned char *p = uinfo;
	for (size_t i = ours; i < ulen; i++)
		if (p[i])
			return -E2BIG;
	return 0;
}

static long obj_map_info(struct obj_entry *e, union bpf_attr *a, union bpf_attr *ua)
{
	void *uinfo = obj_u64_ptr(a->info.info);
	uint32_t len = a->info.info_len;
	int err = obj_info_tail_zero(uinfo, len, sizeof(struct bpf_map_info));
	if (err)
		return err;
	if (len > sizeof(struct bpf_map_info))
		len = sizeof(struct bpf_map_info);
	const struct bpf_map *map = e->map;
	const struct bpf_map_shared *sh = map->sh;
	struct bpf_map_info info;
	memset(&info, 0, sizeof info);
	info.type = map->map_type;
	info.id = e->id;
	info.key_size = map->key_size;
	info.value_size = map->value_size;
	info.max_entries = map->max_entries;
	info.map_flags = map->map_flags;
	info.map_extra = map->map_extra;
	memcpy(info.name, sh->name, sizeof info.name);
	info.ifindex = sh->map_ifindex;
	info.btf_id = sh->btf_id;
	info.btf_key_type_id = sh->btf_key_type_id;
	info.btf_value_type_id = sh->btf_value_type_id;
	info.btf_vmlinux_value_type_id = sh->btf_vmlinux_value_type_id;
	if (len && !uinfo)
		return -EFAULT;
	memcpy(uinfo, &info, len);
	ua->info.info_len = len;
	return 0;
}

static long obj_btf_info(struct obj_entry *e, union bpf_attr *a, union bpf_attr *ua)
{
	void *uinfo = obj_u64_ptr(a->info.info);
	uint32_t len = a->info.info_len;
	int err = obj_info_tail_zero(uinfo, len, sizeof(struct bpf_btf_info));
	if (err)
		return err;
	if (len > sizeof(struct bpf_btf_info))
		len = sizeof(struct bpf_btf_info);
	if (len && !uinfo)
		return -EFAULT;
	/* the caller's struct says where to put the blob and the name */
	struct bpf_btf_info info;
	memset(&info, 0, sizeof info);
	memcpy(&info, uinfo, len);
	const struct obj_hdr *h = e->blob->hdr;
	uint32_t n = info.btf_size < h->btf_size ? info.btf_size : h->btf_size;
	if (n) {
		if (!info.btf)
			return -EFAULT;
		memcpy(obj_u64_ptr(info.btf), e->blob->payload, n);
	}
	info.btf_size = h->btf_size;
	info.id = e->id;
	info.kernel_btf = 0;
	if (info.name_len) {
		/* user BTF has no name: an empty string */
		if (!info.name)
			return -EFAULT;
		*(char *)obj_u64_ptr(info.name) = 0;
	}
	info.name_len = 0;
	memcpy(uinfo, &info, len);
	ua->info.info_len = len;
	return 0;
}

long obj_get_info_by_fd(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	obj_fd_revalidate(); /* the fd number may now name another file */
	struct obj_entry *e;
	/* the kernel answers EBADFD for a closed fd here */
	int err = obj_fd_get_err((int)a->info.bpf_fd, OBJ_NONE, EBADFD, &e);
	if (err)
		return err;
	switch (e->kind) {
	case OBJ_MAP:
		return obj_map_info(e, a, ua);
	case OBJ_BTF:
		return obj_btf_info(e, a, ua);
	case OBJ_PROG:
		return obj_prog_info(e, a, ua);
	default:
		return -EINVAL; /* links: not yet */
	}
}
