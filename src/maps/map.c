/* map.c — creating, attaching and detaching map storage; value copies around spin locks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/hook.h"
#include "core/cpu.h"
#include "core/lock.h"
#include "core/racy.h"
#include "maps/map.h"

static uint64_t map_page_round(uint64_t n)
{
	return (n + BPF_MAP_PAGE_SIZE - 1) & ~(uint64_t)(BPF_MAP_PAGE_SIZE - 1);
}

/* Fill the process-local cache from the shared header. */
static void map_cache_attrs(struct bpf_map *map)
{
	const struct bpf_map_shared *sh = map->sh;
	map->map_type = sh->map_type;
	map->key_size = sh->key_size;
	map->value_size = sh->value_size;
	map->max_entries = sh->max_entries;
	map->map_flags = sh->map_flags;
	map->map_extra = sh->map_extra;
	map->ncpus = (int)sh->ncpus;
	map->data_size = sh->data_size;
	map->round_value_size = (sh->value_size + 7) & ~7u;
	map->lookup = map->ops->map_lookup_elem;
	if (map->ops->map_resolve)
		map->ops->map_resolve(map);
	switch (map->map_type) {
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LPM_TRIE:
		map->lookup_sys = map->ops->map_lookup_elem_sys_only
		                          ? map->ops->map_lookup_elem_sys_only
		                          : map->lookup;
		break;
	default:
		map->lookup_sys = NULL;
	}
}

/* Map the header page and the type's region. The region and the header are contiguous in
 * the file, so one mapping covers both (one mmap, one madvise); detach unmaps the two parts
 * separately, which munmap allows. A type with its own layout (a ring's double view) maps
 * its region itself. */
static int map_mmap_all(struct bpf_map *map, int fd, uint64_t data_size)
{
	map->data_size = data_size;
	if (map->ops->map_mmap) {
		void *hdr = ub_mmap(NULL, BPF_MAP_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		                    (off_t)data_size);
		if (hdr == MAP_FAILED)
			return -errno;
		map->sh = hdr;
		return map->ops->map_mmap(map, fd);
	}
	char *base = ub_mmap(NULL, data_size + BPF_MAP_PAGE_SIZE, PROT_READ | PROT_WRITE,
	                     MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	map->sh = (struct bpf_map_shared *)(base + data_size);
	if (data_size) {
		map->data = base;
		map->data_map_len = data_size;
	}
	return 0;
}

static void map_write_header(struct bpf_map_shared *sh, const union bpf_attr *attr,
                             uint64_t data_size, int ncpus)
{
	sh->magic = BPF_MAP_SHARED_MAGIC;
	sh->version = BPF_MAP_SHARED_VERSION;
	sh->map_type = attr->map_type;
	sh->key_size = attr->key_size;
	sh->value_size = attr->value_size;
	sh->max_entries = attr->max_entries;
	/* as bpf_map_flags_retain_permanent: the fd's access mode is not a map property */
	sh->map_flags = attr->map_flags & ~(uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY);
	sh->map_extra = attr->map_extra;
	sh->data_size = data_size;
	sh->ncpus = (uint32_t)ncpus;
	sh->numa_node = attr->map_flags & BPF_F_NUMA_NODE ? attr->numa_node : (uint32_t)-1;
	sh->spin_lock_off = -1;
	sh->btf_key_type_id = attr->btf_key_type_id;
	sh->btf_value_type_id = attr->btf_value_type_id;
	sh->btf_vmlinux_value_type_id = attr->btf_vmlinux_value_type_id;
	sh->map_ifindex = attr->map_ifindex;
	memcpy(sh->name, attr->map_name, sizeof sh->name);
}

/* Is node online? /sys/devices/system/node/online is a list like "0" or "0-1,4". */
static bool map_numa_online(uint32_t node)
{
	char buf[256];
	FILE *f = fopen("/sys/devices/system/node/online", "re");
	if (!f)
		return node == 0;
	bool ok = false;
	if (fgets(buf, sizeof buf, f)) {
		char *s = buf;
		while (*s && !ok) {
			char *end;
			unsigned long lo = strtoul(s, &end, 10), hi = lo;
			if (end == s)
				break;
			if (*end == '-')
				hi = strtoul(end + 1, &end, 10);
			ok = node >= lo && node <= hi;
			s = *end == ',' ? end + 1 : end;
		}
	}
	fclose(f);
	return ok;
}

int bpf_map_check_common(const union bpf_attr *attr)
{
	if (attr->map_extra && attr->map_type != BPF_MAP_TYPE_BLOOM_FILTER)
		return -EINVAL; /* map_extra is for bloom filters (and arenas, not here) */
	/* NUMA_NO_NODE (-1) with the flag set is accepted: "no preference" */
	if ((attr->map_flags & BPF_F_NUMA_NODE) && attr->numa_node != (uint32_t)-1 &&
	    !map_numa_online(attr->numa_node))
		return -EINVAL;
	return 0;
}

int bpf_map_create_in_fd(const union bpf_attr *attr, int fd, struct bpf_map **out)
{
	const struct bpf_map_ops *ops = bpf_map_ops_get(attr->map_type);
	if (!ops)
		return -EINVAL;
	int err = bpf_map_check_common(attr);
	if (!err && ops->map_alloc_check)
		err = ops->map_alloc_check(attr);
	if (err)
		return err;
	int ncpus = ub_num_possible_cpus();
	uint64_t data_size = map_page_round(ops->map_mem_size(attr, ncpus));
	if (data_size > ((uint64_t)1 << 40))
		return -E2BIG; /* more than we will ever back with memory */
	if (ftruncate(fd, (off_t)(data_size + BPF_MAP_PAGE_SIZE)) < 0)
		return errno == EFBIG || errno == EINVAL ? -E2BIG : -ENOMEM;
	struct bpf_map *map = calloc(1, sizeof *map);
	if (!map)
		return -ENOMEM;
	map->refcnt = 1;
	map->ops = ops;
	/* The header must exist before the type maps its region (ring buffers read it). */
	err = map_mmap_all(map, fd, data_size);
	if (!err) {
		map_write_header(map->sh, attr, data_size, ncpus);
		map_cache_attrs(map);
		err = ops->map_init ? ops->map_init(map) : 0;
	}
	if (err) {
		bpf_map_detach(map);
		return err;
	}
	*out = map;
	return 0;
}

int bpf_map_attach_fd(int fd, struct bpf_map **out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < (off_t)BPF_MAP_PAGE_SIZE || st.st_size % BPF_MAP_PAGE_SIZE)
		return -EINVAL;
	uint64_t data_size = (uint64_t)st.st_size - BPF_MAP_PAGE_SIZE;
	/* the header is read, not mapped, to see what the file is: one system call */
	struct bpf_map_shared sh;
	if (pread(fd, &sh, sizeof sh, (off_t)data_size) != (ssize_t)sizeof sh)
		return -EINVAL;
	bool ok = sh.magic == BPF_MAP_SHARED_MAGIC && sh.version == BPF_MAP_SHARED_VERSION &&
	          sh.data_size == data_size;
	const struct bpf_map_ops *ops = ok ? bpf_map_ops_get(sh.map_type) : NULL;
	if (!ops)
		return -EINVAL;
	struct bpf_map *map = calloc(1, sizeof *map);
	if (!map)
		return -ENOMEM;
	map->refcnt = 1;
	map->ops = ops;
	int err = map_mmap_all(map, fd, data_size);
	if (err) {
		bpf_map_detach(map);
		return err;
	}
	map_cache_attrs(map);
	*out = map;
	return 0;
}

struct bpf_map *bpf_map_get(struct bpf_map *map)
{
	__atomic_add_fetch(&map->refcnt, 1, __ATOMIC_RELAXED);
	return map;
}

void bpf_map_detach(struct bpf_map *map)
{
	if (!map || __atomic_sub_fetch(&map->refcnt, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (map->data && map->data_map_len)
		ub_munmap(map->data, map->data_map_len);
	if (map->sh)
		ub_munmap(map->sh, BPF_MAP_PAGE_SIZE);
	free(map);
}

int bpf_map_create_anon(const union bpf_attr *attr, struct bpf_map **out, int *fd_out)
{
	int fd = memfd_create("userbpf-map", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = bpf_map_create_in_fd(attr, fd, out);
	if (err || !fd_out)
		close(fd);
	else
		*fd_out = fd;
	return err;
}

void bpf_map_copy_value(const struct bpf_map *map, void *dst, const void *src)
{
	int32_t off = map->sh->spin_lock_off;
	if (off < 0) {
		ub_racy_copy(dst, src, map->value_size); /* lock-free readers may be copying it */
		return;
	}
	/* everything but the 4-byte lock word */
	ub_racy_copy(dst, src, (size_t)off);
	ub_racy_copy((char *)dst + off + 4, (const char *)src + off + 4,
	             map->value_size - (size_t)off - 4);
}

void bpf_map_copy_value_locked(const struct bpf_map *map, void *dst, const void *src, bool lock_dst)
{
	uint32_t *lock = bpf_map_value_lock(map, lock_dst ? dst : (void *)src);
	if (lock)
		ub_spin_lock(lock);
	bpf_map_copy_value(map, dst, src);
	if (lock)
		ub_spin_unlock(lock);
}
