/* obj_info.c — BPF_OBJ_GET_INFO_BY_FD for maps and BTF (programs: obj_prog_info.c).
 *
 * The kernel's info_len contract: bytes the caller offers beyond our struct must be zero
 * (E2BIG: the caller knows fields we do not), min(offered, ours) bytes are copied out and
 * that length is written back to info_len. The structs and their rules are Linux 6.18's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/sha256.h"
#include "object/object.h"

/* Bytes the caller offers from `from` to ulen must be zero: E2BIG (bpf_check_uarg_tail_zero),
 * EFAULT if they cannot be read. */
static int obj_info_tail_zero(const void *uinfo, uint32_t ulen, size_t from)
{
	if (ulen > OBJ_PAGE_SIZE)
		return -E2BIG;
	if (ulen <= from)
		return 0;
	unsigned char tail[OBJ_PAGE_SIZE];
	if (!uinfo || ub_copy_from_user(tail, (const char *)uinfo + from, ulen - from))
		return -EFAULT;
	for (size_t i = 0; i < ulen - from; i++)
		if (tail[i])
			return -E2BIG;
	return 0;
}

/* Linux 6.18 checks the tail from the end of hash_size (the struct's last 4 bytes are
 * padding, and must be zero too). */
#define OBJ_MAP_INFO_END (offsetof(struct bpf_map_info, hash_size) + sizeof(uint32_t))
#define OBJ_SHA256_SIZE 32

/* bpf_map_info as Linux 6.18 fills it: the caller's struct is read first, so fields we do
 * not set (offload ifindex/netns, BTF ids of a map without BTF) come back as given, and
 * hash / hash_size are inputs: a frozen ARRAY's values are hashed into *hash. */
static long obj_map_info(struct obj_entry *e, union bpf_attr *a, union bpf_attr *ua)
{
	void *uinfo = obj_u64_ptr(a->info.info);
	uint32_t len = a->info.info_len;
	int err = obj_info_tail_zero(uinfo, len, OBJ_MAP_INFO_END);
	if (err)
		return err;
	if (len > sizeof(struct bpf_map_info))
		len = sizeof(struct bpf_map_info);
	struct bpf_map_info info;
	memset(&info, 0, sizeof info);
	if (ub_copy_from_user(&info, uinfo, len))
		return -EFAULT;
	const struct bpf_map *map = e->map;
	const struct bpf_map_shared *sh = map->sh;
	info.type = map->map_type;
	info.id = e->id;
	info.key_size = map->key_size;
	info.value_size = map->value_size;
	info.max_entries = map->max_entries;
	info.map_flags = map->map_flags;
	info.map_extra = map->map_extra;
	memcpy(info.name, sh->name, sizeof info.name);
	if (sh->btf_id) {
		info.btf_id = sh->btf_id;
		info.btf_key_type_id = sh->btf_key_type_id;
		info.btf_value_type_id = sh->btf_value_type_id;
	}
	info.btf_vmlinux_value_type_id = sh->btf_vmlinux_value_type_id;
	if (info.hash) {
		if (map->map_type != BPF_MAP_TYPE_ARRAY || info.hash_size != OBJ_SHA256_SIZE)
			return -EINVAL;
		if (!__atomic_load_n(&sh->frozen, __ATOMIC_ACQUIRE))
			return -EPERM; /* only a frozen array's contents are stable */
		uint8_t digest[OBJ_SHA256_SIZE];
		ub_sha256(map->data, (size_t)map->round_value_size * map->max_entries, digest);
		if (ub_copy_to_user(obj_u64_ptr(info.hash), digest, sizeof digest))
			return -EFAULT;
	} else if (info.hash_size) {
		return -EINVAL;
	}
	if (ub_copy_to_user(uinfo, &info, len) || obj_put_u32(&ua->info.info_len, len))
		return -EFAULT;
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
	/* the caller's struct says where to put the blob and the name */
	struct bpf_btf_info info;
	memset(&info, 0, sizeof info);
	if (ub_copy_from_user(&info, uinfo, len))
		return -EFAULT;
	const struct obj_hdr *h = e->blob->hdr;
	uint32_t n = info.btf_size < h->btf_size ? info.btf_size : h->btf_size;
	if (n && ub_copy_to_user(obj_u64_ptr(info.btf), e->blob->payload, n))
		return -EFAULT;
	info.btf_size = h->btf_size;
	info.id = e->id;
	info.kernel_btf = 0;
	if (info.name_len) { /* user BTF has no name: an empty string */
		char nul = 0;
		if (ub_copy_to_user(obj_u64_ptr(info.name), &nul, 1))
			return -EFAULT;
	}
	info.name_len = 0;
	if (ub_copy_to_user(uinfo, &info, len) || obj_put_u32(&ua->info.info_len, len))
		return -EFAULT;
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
