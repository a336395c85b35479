/* obj_batch.c — BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH.
 *
 * One generic walk for every type, built on get_next_key and the element ops, with the
 * kernel's contract: count in = room, count out = elements done; in_batch / out_batch are
 * a cursor (here: the last key visited, key_size bytes); ENOENT once the map is exhausted,
 * with count and out_batch still written. Unlike the kernel's hash batch (a bucket index),
 * the cursor is a key: if that key is deleted between calls, the walk restarts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/uaccess.h"
#include "object/object.h"

#define OBJ_ENOTSUPP 524
#define OBJ_LOOKUP_RETRIES 3

static bool obj_is_hash(uint32_t t)
{
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool obj_is_array(uint32_t t)
{
	return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Which batch commands a map type has (the kernel's map_*_batch ops). */
static bool obj_batch_supported(uint32_t t, int cmd)
{
	switch (cmd) {
	case BPF_MAP_LOOKUP_BATCH:
	case BPF_MAP_UPDATE_BATCH:
		return obj_is_hash(t) || obj_is_array(t) || t == BPF_MAP_TYPE_LPM_TRIE ||
		       t == BPF_MAP_TYPE_HASH_OF_MAPS;
	case BPF_MAP_DELETE_BATCH:
		return obj_is_hash(t) || t == BPF_MAP_TYPE_LPM_TRIE ||
		       t == BPF_MAP_TYPE_HASH_OF_MAPS;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		return obj_is_hash(t);
	}
	return false;
}

static long obj_batch_lookup(struct bpf_map *map, union bpf_attr *a, union bpf_attr *ua, bool del)
{
	uint32_t max = a->batch.count;
	if (!max)
		return 0;
	if (obj_put_u32(&ua->batch.count, 0))
		return -EFAULT;
	size_t ks = map->key_size, vs = obj_map_value_size(map);
	char *keys = obj_u64_ptr(a->batch.keys), *values = obj_u64_ptr(a->batch.values);
	const void *in = obj_u64_ptr(a->batch.in_batch);
	void *out = obj_u64_ptr(a->batch.out_batch);
	char *buf = malloc(2 * ks + vs + 1);
	if (!buf)
		return -ENOMEM;
	char *prev = buf, *key = buf + ks, *value = buf + 2 * ks;
	bool have_prev = in != NULL;
	if (in && ub_copy_from_user(prev, in, ks)) {
		free(buf);
		return -EFAULT;
	}
	uint32_t cp = 0;
	int retry = OBJ_LOOKUP_RETRIES;
	long err = 0;
	while (cp < max) {
		err = map->ops->map_get_next_key(map, have_prev ? prev : NULL, key);
		if (err)
			break; /* ENOENT: the end */
		if (del)
			err = map->ops->map_lookup_and_delete_elem(map, key, value,
			                                           a->batch.elem_flags);
		else
			err = obj_map_lookup_one(map, key, value, a->batch.elem_flags);
		if (err == -ENOENT) { /* deleted meanwhile: look again from the same place */
			if (retry--)
				continue;
			err = -EINTR;
			break;
		}
		if (err)
			goto out;
		if (!keys || !values || ub_copy_to_user(keys + (size_t)cp * ks, key, ks) ||
		    ub_copy_to_user(values + (size_t)cp * vs, value, vs)) {
			err = -EFAULT;
			goto out;
		}
		char *t = prev;
		prev = key;
		key = t;
		have_prev = true;
		retry = OBJ_LOOKUP_RETRIES;
		cp++;
	}
	if (obj_put_u32(&ua->batch.count, cp))
		err = -EFAULT;
	if (cp && (!out || ub_copy_to_user(out, prev, ks)))
		err = -EFAULT;
out:
	free(buf);
	return err;
}

static long obj_batch_write(struct bpf_map *map, union bpf_attr *a, union bpf_attr *ua, bool del)
{
	uint32_t max = a->batch.count;
	if (!max)
		return 0;
	if (obj_put_u32(&ua->batch.count, 0))
		return -EFAULT;
	size_t ks = map->key_size, vs = obj_map_value_size(map);
	const char *keys = obj_u64_ptr(a->batch.keys), *values = obj_u64_ptr(a->batch.values);
	/* each key and value is copied in before the map sees it, as the kernel does */
	char *buf = malloc(ks + vs + 1);
	if (!buf)
		return -ENOMEM;
	char *key = buf, *value = buf + ks;
	uint32_t cp;
	long err = 0;
	for (cp = 0; cp < max; cp++) {
		if ((ks && (!keys || ub_copy_from_user(key, keys + (size_t)cp * ks, ks))) ||
		    (!del && (!values || ub_copy_from_user(value, values + (size_t)cp * vs, vs)))) {
			err = -EFAULT;
			break;
		}
		err = del ? obj_map_delete_one(map, ks ? key : NULL)
		          : obj_map_update_one(map, ks ? key : NULL, value, a->batch.elem_flags);
		if (err)
			break;
	}
	free(buf);
	if (obj_put_u32(&ua->batch.count, cp))
		err = -EFAULT;
	return err;
}

long obj_map_batch(union bpf_attr *a, union bpf_attr *ua, unsigned size)
{
	int cmd = obj_cur_cmd;
	unsigned need = cmd == BPF_MAP_LOOKUP_BATCH              ? OBJ_CAN_READ
	                : cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH ? OBJ_CAN_READ | OBJ_CAN_WRITE
	                                                         : OBJ_CAN_WRITE;
	struct obj_entry *e;
	long err = obj_map_get((int)a->batch.map_fd, need, &e);
	if (err)
		return err;
	struct bpf_map *map = e->map;
	if (!obj_batch_supported(map->map_type, cmd) || !map->ops->map_get_next_key)
		return -OBJ_ENOTSUPP;
	uint64_t ef = a->batch.elem_flags;
	/* only BPF_F_LOCK, even for updates (the kernel refuses BPF_NOEXIST here) */
	if ((ef & ~(uint64_t)BPF_F_LOCK) || a->batch.flags)
		return -EINVAL;
	if ((ef & BPF_F_LOCK) && map->sh->spin_lock_off < 0)
		return -EINVAL;
	switch (cmd) {
	case BPF_MAP_LOOKUP_BATCH:
		return obj_batch_lookup(map, a, ua, false);
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		if (!map->ops->map_lookup_and_delete_elem)
			return -OBJ_ENOTSUPP;
		return obj_batch_lookup(map, a, ua, true);
	case BPF_MAP_UPDATE_BATCH:
		return obj_batch_write(map, a, ua, false);
	default:
		return obj_batch_write(map, a, ua, true);
	}
}
