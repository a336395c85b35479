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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lock.h"
#include "core/racy.h"
#include "core/uaccess.h"
#include "object/object.h"

#define OBJ_ENOTSUPP 524 /* the kernel's internal "operation not supported" */
#define OBJ_BOUNCE 256   /* keys and values up to this size are copied via the stack */

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
	int err = obj_fd_lookup(fd, OBJ_MAP, &e);
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

/* The kernel's __bpf_copy_key: a key is required iff the map has one. It is copied in
 * (into stack, OBJ_BOUNCE bytes, when it fits) before the map sees it, so a bad pointer is
 * -EFAULT and never a fault while a map lock is held. *key is NULL for keyless maps. */
static int obj_key_in(const struct bpf_map *map, uint64_t ukey, void *stack, void **key)
{
	const void *u = obj_u64_ptr(ukey);
	*key = NULL;
	if (!map->key_size)
		return u ? -EINVAL : 0;
	if (!u)
		return -EFAULT;
	void *k = map->key_size <= OBJ_BOUNCE ? stack : malloc(map->key_size);
	if (!k)
		return -ENOMEM;
	if (ub_copy_from_user(k, u, map->key_size)) {
		if (k != stack)
			free(k);
		return -EFAULT;
	}
	*key = k;
	return 0;
}

static void obj_key_free(void *key, void *stack)
{
	if (key != stack)
		free(key);
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
		struct obj_blob *b;
		if ((err = obj_entry_blob(e, &b)))
			return err;
		uint32_t want = b->hdr->type + 1, cur = 0;
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

/* A slot of a prog array or map of maps takes the object's id, and holds a reference to
 * it (obj_refs.c) from the moment the id is visible. */
static int obj_map_update_fd_slot(struct bpf_map *map, const void *key, const void *value,
                                  uint64_t flags)
{
	uint32_t id;
	int err = obj_map_fd_value(map, value, &id);
	if (err)
		return err;
	if (!map->ops->map_update_elem)
		return -OBJ_ENOTSUPP;
	int32_t ufd;
	memcpy(&ufd, value, sizeof ufd);
	char tmp[PATH_MAX + 64];
	ub_spin_lock(&map->sh->refs_lock);
	/* if the link cannot be made (another root), the slot works without holding */
	bool linked = obj_slot_ref_prepare(map, ufd, tmp, sizeof tmp) == 0;
	err = map->ops->map_update_elem(map, key, &id, flags);
	if (linked && !err)
		obj_slot_ref_commit(map, key, tmp);
	else if (linked)
		obj_slot_ref_abort(tmp);
	ub_spin_unlock(&map->sh->refs_lock);
	return err;
}

static bool obj_map_holds_fds(uint32_t t)
{
	return t == BPF_MAP_TYPE_PROG_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       t == BPF_MAP_TYPE_HASH_OF_MAPS;
}

int obj_map_update_one(struct bpf_map *map, const void *key, const void *value, uint64_t flags)
{
	const struct bpf_map_ops *ops = map->ops;
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
		return obj_map_update_fd_slot(map, key, value, flags);
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
	if (!map->ops->map_delete_elem)
		return -OBJ_ENOTSUPP;
	if (!obj_map_holds_fds(map->map_type))
		return map->ops->map_delete_elem(map, key);
	ub_spin_lock(&map->sh->refs_lock);
	int err = map->ops->map_delete_elem(map, key);
	if (!err)
		obj_slot_ref_drop(map, key);
	ub_spin_unlock(&map->sh->refs_lock);
	return err;
}

static void obj_elem_of(const union bpf_attr *a, struct obj_elem_attr *ea)
{
	ea->map_fd = a->map_fd;
	ea->pad = 0;
	ea->key = a->key;
	ea->value = a->value;
	ea->flags = a->flags;
}

/* Ops write into a bounce buffer and the caller's buffer is written only on success, as
 * the kernel copies out after the operation. */
long obj_map_lookup_x(const struct obj_elem_attr *ea)
{
	if (ea->flags & ~(uint64_t)BPF_F_LOCK)
		return -EINVAL;
	struct obj_entry *e;
	int err = obj_map_get((int)ea->map_fd, OBJ_CAN_READ, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	if ((err = obj_map_lock_flag(map, ea->flags)))
		return err;
	uint64_t kstack[OBJ_BOUNCE / 8], vstack[OBJ_BOUNCE / 8];
	void *key;
	if ((err = obj_key_in(map, ea->key, kstack, &key)))
		return err;
	void *uvalue = obj_u64_ptr(ea->value);
	size_t vs = bpf_map_value_size_sys(map);
	void *buf = vs <= sizeof vstack ? vstack : malloc(vs);
	if (!buf) {
		obj_key_free(key, kstack);
		return -ENOMEM;
	}
	if (map->map_type == BPF_MAP_TYPE_BLOOM_FILTER) /* the value is the question */
		err = uvalue ? ub_copy_from_user(buf, uvalue, vs) : -EFAULT;
	if (!err)
		err = obj_map_lookup_one(map, key, buf, ea->flags);
	if (!err)
		err = uvalue ? ub_copy_to_user(uvalue, buf, vs) : -EFAULT;
	if (buf != vstack)
		free(buf);
	obj_key_free(key, kstack);
	return err;
}

long obj_map_update_x(const struct obj_elem_attr *ea)
{
	struct obj_entry *e;
	int err = obj_map_get((int)ea->map_fd, OBJ_CAN_WRITE, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	if ((err = obj_map_lock_flag(map, ea->flags)))
		return err;
	uint64_t kstack[OBJ_BOUNCE / 8], vstack[OBJ_BOUNCE / 8];
	void *key;
	if ((err = obj_key_in(map, ea->key, kstack, &key)))
		return err;
	const void *uvalue = obj_u64_ptr(ea->value);
	size_t vs = bpf_map_value_size_sys(map);
	void *buf = vs <= sizeof vstack ? vstack : malloc(vs);
	if (!buf)
		err = -ENOMEM;
	else if (!uvalue || ub_copy_from_user(buf, uvalue, vs))
		err = -EFAULT;
	else
		err = obj_map_update_one(map, key, buf, ea->flags);
	if (buf != vstack)
		free(buf);
	obj_key_free(key, kstack);
	return err;
}

long obj_map_delete_x(const struct obj_elem_attr *ea)
{
	struct obj_entry *e;
	int err = obj_map_get((int)ea->map_fd, OBJ_CAN_WRITE, &e);
	if (err)
		return err;
	uint64_t kstack[OBJ_BOUNCE / 8];
	void *key;
	if ((err = obj_key_in(e->map, ea->key, kstack, &key)))
		return err;
	err = obj_map_delete_one(e->map, key);
	obj_key_free(key, kstack);
	return err;
}

long obj_map_lookup_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_elem_attr ea;
	obj_elem_of(a, &ea);
	return obj_map_lookup_x(&ea);
}

long obj_map_update_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_elem_attr ea;
	obj_elem_of(a, &ea);
	return obj_map_update_x(&ea);
}

long obj_map_delete_elem(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_elem_attr ea;
	obj_elem_of(a, &ea);
	return obj_map_delete_x(&ea);
}

long obj_map_get_next_key(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	struct obj_entry *e;
	int err = obj_map_get((int)a->map_fd, OBJ_CAN_READ, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	const void *ukey = obj_u64_ptr(a->key);
	if (ukey && !map->key_size)
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
	/* a NULL key asks for the first one: copied in only when given */
	uint64_t kstack[OBJ_BOUNCE / 8], nstack[OBJ_BOUNCE / 8];
	void *key = NULL;
	if (ukey && (err = obj_key_in(map, a->key, kstack, &key)))
		return err;
	void *unext = obj_u64_ptr(a->next_key);
	void *buf = map->key_size <= sizeof nstack ? nstack : malloc(map->key_size);
	if (!buf)
		err = -ENOMEM;
	else
		err = map->ops->map_get_next_key(map, key, buf);
	if (!err)
		err = unext ? ub_copy_to_user(unext, buf, map->key_size) : -EFAULT;
	if (buf != nstack)
		free(buf);
	obj_key_free(key, kstack);
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
	uint64_t kstack[OBJ_BOUNCE / 8], vstack[OBJ_BOUNCE / 8];
	void *key;
	if ((err = obj_map_lock_flag(map, a->flags)) ||
	    (err = obj_key_in(map, a->key, kstack, &key)))
		return err;
	void *uvalue = obj_u64_ptr(a->value);
	size_t vs = obj_map_value_size(map);
	void *buf = vs <= sizeof vstack ? vstack : malloc(vs);
	if (!buf) {
		obj_key_free(key, kstack);
		return -ENOMEM;
	}
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
	case BPF_MAP_TYPE_STACK_TRACE: /* Linux 6.18 allows it (an empty bucket: ENOENT) */
		if (ops->map_lookup_and_delete_elem)
			err = ops->map_lookup_and_delete_elem(map, key, buf, a->flags);
		break;
	}
	/* on -EFAULT the element is gone, as in the kernel */
	if (!err)
		err = uvalue ? ub_copy_to_user(uvalue, buf, vs) : -EFAULT;
	if (buf != vstack)
		free(buf);
	obj_key_free(key, kstack);
	return err;
}

/* MAP_FREEZE: while it looks for writable user mappings (obj_mmap.c), "freezing" makes a
 * concurrent mmap() of the map wait for the outcome, as the kernel's freeze_mutex does. */
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
	if (__atomic_load_n(&sh->frozen, __ATOMIC_ACQUIRE)) {
		err = -EBUSY;
	} else {
		__atomic_store_n(&sh->freezing, 1, __ATOMIC_RELEASE);
		/* only maps the kernel lets users map writable can have such a mapping: the
		 * others are frozen without looking through every process */
		if (obj_mmap_may_write(sh) && obj_mmap_writable(e->dev, e->ino))
			err = -EBUSY;
		else
			__atomic_store_n(&sh->frozen, 1, __ATOMIC_RELEASE);
		__atomic_store_n(&sh->freezing, 0, __ATOMIC_RELEASE);
	}
	ub_spin_unlock(&sh->lock);
	return err;
}

/* --- the fast path: LOOKUP / UPDATE / DELETE_ELEM straight from the user's attr ---
 *
 * For a cached map fd of a plain type (array, hash, LRU hash, LPM trie: map->lookup_sys),
 * no BPF_F_LOCK and keys and values of at most OBJ_BOUNCE bytes, the command is: read the
 * attr, find the entry, copy the key in, find or change the element, copy the value. Every
 * other case goes to the general handlers above, which give the same answers. */

static inline bool obj_fast_map(const struct obj_entry *e, unsigned need)
{
	return e && e->kind == OBJ_MAP && (e->access & need) == need &&
	       __atomic_load_n(&obj_fd_trusted, __ATOMIC_RELAXED) && e->map->lookup_sys &&
	       e->map->key_size <= OBJ_BOUNCE && e->map->value_size <= OBJ_BOUNCE &&
	       e->map->sh->spin_lock_off < 0;
}

static long obj_fast_lookup(const struct obj_elem_attr *ea)
{
	struct obj_entry *e = obj_fd_cached((int)ea->map_fd);
	if (!obj_fast_map(e, OBJ_CAN_READ) || ea->flags)
		return obj_map_lookup_x(ea);
	struct bpf_map *map = e->map;
	uint64_t key[OBJ_BOUNCE / 8];
	const void *ukey = obj_u64_ptr(ea->key), *uvalue = obj_u64_ptr(ea->value);
	if (!ukey || ub_copy_from_user(key, ukey, map->key_size))
		return -EFAULT;
	const void *p = map->lookup_sys(map, key);
	if (!p)
		return -ENOENT;
#ifdef UB_TSAN
	/* the value may be rewritten meanwhile: read it as a race the tool accepts */
	uint64_t bounce[OBJ_BOUNCE / 8];
	ub_racy_copy(bounce, p, map->value_size);
	p = bounce;
#endif
	return uvalue ? ub_copy_to_user((void *)uvalue, p, map->value_size) : -EFAULT;
}

static long obj_fast_update(const struct obj_elem_attr *ea)
{
	struct obj_entry *e = obj_fd_cached((int)ea->map_fd);
	if (!obj_fast_map(e, OBJ_CAN_WRITE) || (ea->flags & BPF_F_LOCK) ||
	    __atomic_load_n(&e->map->sh->frozen, __ATOMIC_ACQUIRE))
		return obj_map_update_x(ea);
	struct bpf_map *map = e->map;
	uint64_t key[OBJ_BOUNCE / 8], value[OBJ_BOUNCE / 8];
	const void *ukey = obj_u64_ptr(ea->key), *uvalue = obj_u64_ptr(ea->value);
	if (!ukey || ub_copy_from_user(key, ukey, map->key_size) || !uvalue ||
	    ub_copy_from_user(value, uvalue, map->value_size))
		return -EFAULT;
	return map->ops->map_update_elem(map, key, value, ea->flags);
}

static long obj_fast_delete(const struct obj_elem_attr *ea)
{
	struct obj_entry *e = obj_fd_cached((int)ea->map_fd);
	if (!obj_fast_map(e, OBJ_CAN_WRITE) ||
	    __atomic_load_n(&e->map->sh->frozen, __ATOMIC_ACQUIRE))
		return obj_map_delete_x(ea);
	struct bpf_map *map = e->map;
	uint64_t key[OBJ_BOUNCE / 8];
	const void *ukey = obj_u64_ptr(ea->key);
	if (!ukey || ub_copy_from_user(key, ukey, map->key_size))
		return -EFAULT;
	return map->ops->map_delete_elem(map, key);
}

long obj_map_elem_fast(int cmd, const void *uattr, unsigned size)
{
	struct obj_elem_attr ea;
	if (size == sizeof ea) {
		if (ub_copy_from_user(&ea, uattr, sizeof ea))
			return -EFAULT;
	} else {
		memset(&ea, 0, sizeof ea);
		if (ub_copy_from_user(&ea, uattr, size))
			return -EFAULT;
	}
	long ret;
	ub_rcu_read_lock();
	if (cmd == BPF_MAP_LOOKUP_ELEM)
		ret = obj_fast_lookup(&ea);
	else if (cmd == BPF_MAP_UPDATE_ELEM)
		ret = obj_fast_update(&ea);
	else /* DELETE: value and flags lie past its last field (CHECK_ATTR) */
		ret = ea.value || ea.flags ? -EINVAL : obj_fast_delete(&ea);
	ub_rcu_read_unlock();
	obj_fd_temp_release();
	return ret;
}
