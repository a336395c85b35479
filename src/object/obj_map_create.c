/* obj_map_create.c — BPF_MAP_CREATE: the checks common to every map type, then the type's.
 *
 * Order follows the kernel's map_create: attribute sanity (map_extra, access flags, NUMA
 * node, token and offload fields), the type's own check, the name, BTF and the inner map
 * template; then the object file is created, the map laid out in it, an id assigned, the
 * object registered, and its BTF held (obj_btf.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "object/obj_btf.h"
#include "object/object.h"

/* The kernel's object name rule: [A-Za-z0-9_.], NUL-terminated within 16 bytes. The bytes
 * after the NUL are not part of the name: cleared so the header holds only the name. */
int obj_name_check(char *name)
{
	size_t i;
	for (i = 0; i < BPF_OBJ_NAME_LEN && name[i]; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return -EINVAL;
	}
	if (i == BPF_OBJ_NAME_LEN)
		return -EINVAL;
	memset(name + i, 0, BPF_OBJ_NAME_LEN - i);
	return 0;
}

/* BTF given for the key/value types: the fd must be a BTF object, the ids in range, then
 * the kernel's map_check_btf (obj_btf_map_value); a struct bpf_spin_lock in the value is
 * found here (its offset in *lock_off, -1 without one). */
static int obj_map_btf(const union bpf_attr *a, uint32_t *btf_id, int32_t *lock_off)
{
	*btf_id = 0;
	*lock_off = -1;
	if (!a->btf_key_type_id && !a->btf_value_type_id && !a->btf_vmlinux_value_type_id)
		return 0; /* btf_fd alone is ignored, as in the kernel */
	struct obj_entry *e;
	int err = obj_fd_get((int)a->btf_fd, OBJ_BTF, &e);
	if (err)
		return err;
	uint32_t nr = e->blob->hdr->btf_nr_types;
	if (a->btf_key_type_id > nr || a->btf_value_type_id > nr || !a->btf_value_type_id)
		return -EINVAL;
	struct obj_btf_map q = {a->map_type,         a->key_size,  a->value_size,
	                        a->max_entries,      a->map_flags, a->btf_key_type_id,
	                        a->btf_value_type_id};
	long off = obj_btf_map_value(e->blob->payload, e->blob->hdr->btf_size, &q);
	if (off < 0 && off != -ENOENT)
		return (int)off;
	*lock_off = off >= 0 ? (int32_t)off : -1;
	*btf_id = e->id;
	return 0;
}

/* Map-in-map: the inner map fd is a template every inner map must match. */
static int obj_map_inner(const union bpf_attr *a, struct bpf_map **inner)
{
	*inner = NULL;
	if (a->map_type != BPF_MAP_TYPE_ARRAY_OF_MAPS && a->map_type != BPF_MAP_TYPE_HASH_OF_MAPS)
		return 0;
	struct obj_entry *e;
	int err = obj_fd_get((int)a->inner_map_fd, OBJ_MAP, &e);
	if (err)
		return err;
	uint32_t t = e->map->map_type;
	if (t == BPF_MAP_TYPE_ARRAY_OF_MAPS || t == BPF_MAP_TYPE_HASH_OF_MAPS ||
	    t == BPF_MAP_TYPE_PROG_ARRAY)
		return -EINVAL;
	*inner = e->map;
	return 0;
}

long obj_map_create(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	int err = bpf_map_check_common(a); /* first, as in the kernel's map_create */
	if (err)
		return err;
	int acc = obj_file_flags(a->map_flags);
	if (acc < 0)
		return acc;
	if ((a->map_flags & BPF_F_RDONLY_PROG) && (a->map_flags & BPF_F_WRONLY_PROG))
		return -EINVAL;
	/* no tokens here; a token fd without its flag is a bad attribute either way */
	if ((a->map_flags & BPF_F_TOKEN_FD) || a->map_token_fd)
		return -EINVAL;
	if (!(a->map_flags & BPF_F_VTYPE_BTF_OBJ_FD) && a->value_type_btf_obj_fd)
		return -EINVAL;
	const struct bpf_map_ops *ops = bpf_map_ops_get(a->map_type);
	if (!ops)
		return -EINVAL;
	if (a->map_ifindex)
		return -EOPNOTSUPP; /* device offload */
	err = ops->map_alloc_check ? ops->map_alloc_check(a) : 0;
	if (err)
		return err;
	if ((err = obj_name_check(a->map_name)))
		return err;
	uint32_t btf_id;
	int32_t lock_off;
	struct bpf_map *inner;
	if ((err = obj_map_btf(a, &btf_id, &lock_off)) || (err = obj_map_inner(a, &inner)))
		return err;

	obj_fd_revalidate(); /* fd numbers of closed objects are about to be reused */
	int fd = obj_file_create();
	if (fd < 0)
		return fd;
	struct bpf_map *map;
	err = bpf_map_create_in_fd(a, fd, &map);
	if (err) {
		close(fd);
		return err;
	}
	uint32_t id = obj_id_alloc(OBJ_MAP, &err);
	if (!id) {
		bpf_map_detach(map);
		close(fd);
		return err;
	}
	struct bpf_map_shared *sh = map->sh;
	sh->id = id;
	sh->btf_id = btf_id;
	sh->spin_lock_off = lock_off;
	if (inner) {
		sh->inner_map_type = inner->map_type;
		sh->inner_key_size = inner->key_size;
		sh->inner_value_size = inner->value_size;
		sh->inner_max_entries = inner->max_entries;
		sh->inner_map_flags = inner->map_flags;
	}
	fd = obj_file_user_fd(fd, acc);
	if (fd < 0) {
		bpf_map_detach(map);
		return fd;
	}
	unsigned access = acc == O_RDONLY   ? OBJ_CAN_READ
	                  : acc == O_WRONLY ? OBJ_CAN_WRITE
	                                    : OBJ_CAN_READ | OBJ_CAN_WRITE;
	if ((err = obj_fd_install_map(fd, map, access, id))) {
		close(fd);
		return err;
	}
	obj_registry_add(OBJ_MAP, id, fd);
	/* the map holds its BTF (the kernel's map->btf): after its registration, so that a
	 * concurrent sweep of BTF references sees the map alive */
	if (btf_id && (err = obj_btf_hold(OBJ_MAP, id, (int)a->btf_fd, btf_id))) {
		obj_fd_drop(fd);
		close(fd);
		return err;
	}
	return fd;
}
