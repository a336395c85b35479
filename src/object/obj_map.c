/* obj_map.c — MAP_CREATE and the element commands, routed per map type as the kernel does.
 *
 * The common checks come first (the kernel's map_create and map_*_elem), then the type's
 * ops. Types whose syscall side is not a plain key/value copy are routed here:
 * queue/stack (peek/push/pop), bloom filter (the value is the input), fd-holding maps
 * (the value is an fd in, an id out), ring buffers (no element commands).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lock.h"
#include "object/object.h"

#define OBJ_ENOTSUPP 524 /* the kernel's internal "operation not supported" */
/* Ops write into a bounce buffer and the caller's buffer is written only on success, as
 * the kernel copies out after the operation. Small values stay on the stack. */
#define OBJ_BOUNCE 256

static bool obj_is_queue(uint32_t t)
{
	return t == BPF_MAP_TYPE_QUEUE || t == BPF_MAP_TYPE_STACK;
}

size_t obj_map_value_size(const struct bpf_map *map)
{
	return bpf_map_value_size_sys(map);
}

/* A map fd with the access a command needs; a frozen map has lost syscall-side writes. */
int obj_map_get(int fd, unsigned need, struct obj_entry **out)
{
	struct obj_entry *e;
	int err = obj_fd_get(fd, OBJ_MAP, &e);
	if (err)
		return err;
	unsigned access = e->access;
	if (__atomic_load_n(&e->map->sh->frozen, __ATOMIC_ACQUIRE))
		access &= ~OBJ_CAN_WRITE;
	if ((access & need) != need)
		return -EPERM;
	*out = e;
	return 0;
}

/* The kernel's key copy: a key is required iff the map has one. */
static int obj_map_key(const struct bpf_map *map, uint64_t ukey, const void **key)
{
	*key = obj_u64_ptr(ukey);
	if (map->key_size)
		return *key ? 0 : -EFAULT;
	return *key ? -EINVAL : 0;
}

static int obj_map_lock_flag(const struct bpf_map *map, uint64_t flags)
{
	return (flags & BPF_F_LOCK) && map->sh->spin_lock_off < 0 ? -EINVAL : 0;
}

int obj_map_lookup_one(struct bpf_map *map, const void *key, void *value, uint64_t flags)
{
	const struct bpf_map_ops *ops = map->ops;
	switch (map->map_type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return ops->map_peek_elem ? (int)ops->map_peek_elem(map, value) : -OBJ_ENOTSUPP;
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		return -OBJ_ENOTSUPP;
	}
	if (!ops->map_lookup_elem_sys)
		return -OBJ_ENOTSUPP;
	return ops->map_lookup_elem_sys(map, key, value, flags);
}

/* For maps of fds: the object behind the fd in the value, as the id the map stores. */
static int obj_map_fd_value(struct bpf_map *map, const void *value, uint32_t *id)
{
	int32_t ufd;
	memcpy(&ufd, value, sizeof ufd);
	struct obj_entry *e;
	bool progs = map->map_type == BPF_MAP_TYPE_PROG_ARRAY;
	int err = obj_fd_get(ufd, progs ? OBJ_PROG : OBJ_MAP, &e);
	if (err)
		return err;
	if (progs) {
		/* bpf_prog_map_compatible: a prog array takes programs of one type, the first
		 * stored one's (kept as type + 1 in the header's inner_map_type, unused here) */
		uint32_t want = e->blob->hdr->type + 1, cur = 0;
		if (!__atomic_compare_exchange_n(&map->sh->inner_map_type, &cur, want, false,
		                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) &&
		    cur != want)
			return -EINVAL;
	} else {
		/* the inner map must match the template given at creation */
		const struct bpf_map_shared *t = map->sh;
		const struct bpf_map *in = e->map;
		if (in->map_type != t->inner_map_type || in->key_size != t->inner_key_size ||
		    in->value_size != t->inner_value_size || in->map_flags != t->inner_map_flags)
			return -EINVAL;
		/* arrays are sized by max_entries (the verifier relies on it) unless the
		 * template says BPF_F_INNER_MAP; other types may differ in size */
		bool array = in->map_type == BPF_MAP_TYPE_ARRAY ||
		             in->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
		if (array && !(t->inner_map_flags & BPF_F_INNER_MAP) &&
		    in->max_entries != t->inner_max_entries)
			return -EINVAL;
	}
	*id = e->id;
	return 0;
}

int obj_map_update_one(struct bpf_map *map, const void *key, const void *value, uint64_t flags)
{
	const struct bpf_map_ops *ops = map->ops;
	uint32_t id;
	int err;
	switch (map->map_type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return ops->map_push_elem ? (int)ops->map_push_elem(map, value, flags)
		                          : -OBJ_ENOTSUPP;
	case BPF_MAP_TYPE_RINGBUF:
		return -OBJ_ENOTSUPP;
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		if (flags != BPF_ANY)
			return -EINVAL;
		/* fallthrough */
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		err = obj_map_fd_value(map, value, &id);
		if (err)
			return err;
		return ops->map_update_elem ? ops->map_update_elem(map, key, &id, flags)
		                            : -OBJ_ENOTSUPP;
	}
	return ops->map_update_elem ? ops->map_update_elem(map, key, value, flags) : -OBJ_ENOTSUPP;
}

int obj_map_delete_one(struct bpf_map *map, const void *key)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return -EINVAL;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return -EOPNOTSUPP;
	case BPF_MAP_TYPE_RINGBUF:
		return -OBJ_ENOTSUPP;
	}
	return map->ops->map_delete_elem ? map->ops->map_delete_elem(map, key) : -OBJ_ENOTSUPP;
}

/* Finish a command that read into a bounce buffer: copy out only on success, so the
 * caller's buffer changes only then (as the kernel's copy_to_user after the op); a NULL
 * user buffer is -EFAULT. Frees buf unless it is the on-stack one. */
static int obj_bounce_out(int err, void *value, const void *buf, size_t vs, const void *stack)
{
	if (!err && !value)
		err = -EFAULT;
	if (!err)
		memcpy(value, buf, vs);
	if (buf != stack)
		free((void *)buf);
	return err;
}

long obj_map_lookup_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if (a->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_READ, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	const void *key;
	if ((err = obj_map_lock_flag(map, a->flags)) || (err = obj_map_key(map, a->key, &key)))
		return err;
	void *value = obj_u64_ptr(a->value);
	size_t vs = obj_map_value_size(map);
	uint64_t stack[OBJ_BOUNCE / 8];
	void *buf = vs <= sizeof stack ? stack : malloc(vs);
	if (!buf)
		return -ENOMEM;
	err = 0;
	if (map->map_type == BPF_MAP_TYPE_BLOOM_FILTER) { /* the value is the question */
		if (value)
			memcpy(buf, value, vs);
		else
			err = -EFAULT;
	}
	if (!err)
		err = obj_map_lookup_one(map, key, buf, a->flags);
	return obj_bounce_out(err, value, buf, vs, stack);
}

long obj_map_update_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_WRITE, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	const void *key;
	if ((err = obj_map_lock_flag(map, a->flags)) || (err = obj_map_key(map, a->key, &key)))
		return err;
	const void *value = obj_u64_ptr(a->value);
	if (!value)
		return -EFAULT;
	return obj_map_update_one(map, key, value, a->flags);
}

long obj_map_delete_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_WRITE, &e);
	if (err)
		return err;
	const void *key;
	if ((err = obj_map_key(e->map, a->key, &key)))
		return err;
	return obj_map_delete_one(e->map, key);
}

long obj_map_get_next_key(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_READ, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	const void *key = obj_u64_ptr(a->key);
	if (key && !map->key_size)
		return -EINVAL;
	switch (map->map_type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return -EINVAL;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return -EOPNOTSUPP;
	case BPF_MAP_TYPE_RINGBUF:
		return -OBJ_ENOTSUPP;
	}
	if (!map->ops->map_get_next_key)
		return -OBJ_ENOTSUPP;
	void *unext = obj_u64_ptr(a->next_key);
	uint64_t stack[OBJ_BOUNCE / 8];
	void *buf = map->key_size <= sizeof stack ? stack : malloc(map->key_size);
	if (!buf)
		return -ENOMEM;
	err = map->ops->map_get_next_key(map, key, buf);
	if (!err && !unext)
		err = -EFAULT;
	if (!err)
		memcpy(unext, buf, map->key_size);
	if (buf != stack)
		free(buf);
	return err;
}

long obj_map_lookup_and_delete_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	if (a->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_READ | OBJ_CAN_WRITE, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	if (a->flags && obj_is_queue(map->map_type))
		return -EINVAL;
	const void *key;
	if ((err = obj_map_lock_flag(map, a->flags)) || (err = obj_map_key(map, a->key, &key)))
		return err;
	void *value = obj_u64_ptr(a->value);
	size_t vs = obj_map_value_size(map);
	uint64_t stack[OBJ_BOUNCE / 8];
	void *buf = vs <= sizeof stack ? stack : malloc(vs);
	if (!buf)
		return -ENOMEM;
	const struct bpf_map_ops *ops = map->ops;
	err = -OBJ_ENOTSUPP;
	switch (map->map_type) {
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		if (ops->map_pop_elem)
			err = (int)ops->map_pop_elem(map, buf);
		break;
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		if (ops->map_lookup_and_delete_elem)
			err = ops->map_lookup_and_delete_elem(map, key, buf, a->flags);
		break;
	}
	return obj_bounce_out(err, value, buf, vs, stack); /* on -EFAULT the element is gone,
	                                                    * as in the kernel */
}

long obj_map_freeze(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_entry *e;
	int err = obj_fd_get((int)a->map_fd, OBJ_MAP, &e);
	if (err)
		return err;
	struct bpf_map_shared *sh = e->map->sh;
	if (sh->spin_lock_off >= 0)
		return -OBJ_ENOTSUPP; /* maps with special fields cannot be frozen */
	if ((err = obj_map_get((int)a->map_fd, OBJ_CAN_WRITE, &e)))
		return err;
	ub_spin_lock(&sh->lock);
	if (__atomic_load_n(&sh->writable_mmaps, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&sh->frozen, __ATOMIC_ACQUIRE))
		err = -EBUSY;
	else
		__atomic_store_n(&sh->frozen, 1, __ATOMIC_RELEASE);
	ub_spin_unlock(&sh->lock);
	return err;
}
