/* obj_mmap.c — user mappings of maps: the kernel's bpf_map_mmap rules, and MAP_FREEZE's
 * "no writable mapping" rule.
 *
 * A map fd is a plain file here, so the kernel would let anyone map it any way. The
 * interposed mmap() (obj_hook.c) asks obj_mmap_check() first and answers as Linux 6.18's
 * bpf_map_mmap for the maps it can recognise: ENOTSUPP (524) for types without mmap,
 * EINVAL for private mappings, EPERM for a writable mapping of a frozen map, EACCES for a
 * writable mapping of a BPF_F_RDONLY_PROG map, EINVAL for an array without BPF_F_MMAPABLE
 * or a range past its values, EPERM for a writable ring buffer mapping other than the
 * consumer page.
 *
 * The kernel counts writable mappings (writecnt); we cannot see munmap() or process exit,
 * so MAP_FREEZE looks instead: it asks every process it may read for its shared writable
 * file mappings (PROCMAP_QUERY on /proc/<pid>/maps, Linux 6.11+; the text of the file
 * before) and looks for the map's file among them, ignoring the library's own views (this
 * process knows its own, core/hook.c; in others they are marked MADV_DONTDUMP: "dd" in
 * /proc/<pid>/smaps).
 * Not seen: processes of other users (unless we are root), and a writable mapping later
 * made read-only with mprotect() (the kernel still counts it; we do not).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/hook.h"
#include "object/object.h"

#define OBJ_ENOTSUPP 524

/* The header of the map behind fd, read from the file (fd may be any file). */
static bool obj_mmap_probe(int fd, struct bpf_map_shared *sh)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)BPF_MAP_PAGE_SIZE ||
	    st.st_size % BPF_MAP_PAGE_SIZE)
		return false;
	if (pread(fd, sh, sizeof *sh, st.st_size - BPF_MAP_PAGE_SIZE) != (ssize_t)sizeof *sh)
		return false; /* write-only fds cannot be mapped at all */
	return sh->magic == BPF_MAP_SHARED_MAGIC;
}

int obj_mmap_check(int fd, size_t len, int prot, int flags, off_t off)
{
	struct bpf_map_shared copy;
	const struct bpf_map_shared *sh;
	ub_rcu_read_lock();
	struct obj_entry *e = obj_fd_cached(fd);
	if (e && obj_fd_trusted) {
		sh = e->kind == OBJ_MAP ? e->map->sh : NULL;
	} else {
		sh = obj_mmap_probe(fd, &copy) ? &copy : NULL;
	}
	int err = 0;
	if (!sh)
		goto out; /* not a map: the kernel's business */
	uint32_t type = sh->map_type;
	int mtype = flags & MAP_TYPE;
	bool write = prot & PROT_WRITE;
	if (type != BPF_MAP_TYPE_ARRAY && type != BPF_MAP_TYPE_RINGBUF) {
		err = -OBJ_ENOTSUPP;
		goto out;
	}
	if (mtype != MAP_SHARED && mtype != MAP_SHARED_VALIDATE) {
		err = -EINVAL;
		goto out;
	}
	if (write) {
		/* a FREEZE in progress decides first, as the kernel's freeze_mutex makes it */
		uint32_t *freezing = (uint32_t *)&sh->freezing;
		for (unsigned spins = 0; sh != &copy && __atomic_load_n(freezing, __ATOMIC_ACQUIRE);
		     spins++)
			sched_yield();
		if (__atomic_load_n((uint32_t *)&sh->frozen, __ATOMIC_ACQUIRE)) {
			err = -EPERM;
			goto out;
		}
		if (sh->map_flags & BPF_F_RDONLY_PROG) {
			err = -EACCES;
			goto out;
		}
	}
	if (type == BPF_MAP_TYPE_ARRAY) {
		uint64_t values = ((uint64_t)sh->max_entries * ((sh->value_size + 7) & ~7u) +
		                   BPF_MAP_PAGE_SIZE - 1) &
		                  ~(uint64_t)(BPF_MAP_PAGE_SIZE - 1);
		if (!(sh->map_flags & BPF_F_MMAPABLE) || off < 0 || (uint64_t)off + len > values)
			err = -EINVAL;
	} else if (write && (off != 0 || len != BPF_MAP_PAGE_SIZE)) {
		err = -EPERM; /* a ring buffer: only the consumer page is writable */
	}
out:
	ub_rcu_read_unlock();
	return err;
}

bool obj_mmap_may_write(const struct bpf_map_shared *sh)
{
	/* obj_mmap_check's rules for PROT_WRITE: ENOTSUPP for other types, EINVAL for an array
	 * without BPF_F_MMAPABLE, EACCES for BPF_F_RDONLY_PROG */
	if (sh->map_flags & BPF_F_RDONLY_PROG)
		return false;
	return sh->map_type == BPF_MAP_TYPE_RINGBUF ||
	       (sh->map_type == BPF_MAP_TYPE_ARRAY && (sh->map_flags & BPF_F_MMAPABLE));
}

/* Is the mapping starting at `start` in /proc/<pid>/smaps one of the library's own
 * (VmFlags has "dd")? */
static bool obj_mmap_ours(const char *pid, unsigned long start)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%s/smaps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool in = false, dd = false;
	while (fgets(line, sizeof line, f)) {
		unsigned long s, e;
		char c;
		/* a mapping's first line is "start-end perms ..."; field lines are "Name: ..." */
		if (sscanf(line, "%lx-%lx %c", &s, &e, &c) == 3) {
			if (in)
				break; /* the next mapping: ours had no VmFlags line */
			in = s == start;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			dd = strstr(line + 8, " dd") != NULL;
			break;
		}
	}
	fclose(f);
	return dd;
}

/* Linux 6.11's PROCMAP_QUERY ioctl on /proc/<pid>/maps (uapi/linux/fs.h; defined here for
 * older headers): the next mapping at or after an address that has the asked-for properties,
 * in binary, without formatting every mapping of the process as text. */
struct obj_procmap_query {
	uint64_t size, query_flags, query_addr;
	uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define OBJ_PROCMAP_QUERY _IOWR(0x9f, 17, struct obj_procmap_query)
#define OBJ_PROCMAP_WRITABLE 0x02
#define OBJ_PROCMAP_SHARED 0x08
#define OBJ_PROCMAP_COVERING_OR_NEXT 0x10
#define OBJ_PROCMAP_FILE_BACKED 0x20

/* Is the mapping [start, end) of process pid one of the library's own views? Ours are
 * known without reading smaps. */
static bool obj_mmap_is_ours(const char *pid, bool self, unsigned long start, unsigned long end)
{
	return self ? ub_mmap_is_view(start, end) : obj_mmap_ours(pid, start);
}

/* The same question through PROCMAP_QUERY: 1 found, 0 none, -1 the ioctl is not there. Only
 * shared writable file mappings are visited. */
static int obj_procmap_missing; /* the ioctl answered "not supported" once: it will again */

static int obj_mmap_writable_query(const char *pid, bool self, dev_t dev, ino_t ino)
{
	if (__atomic_load_n(&obj_procmap_missing, __ATOMIC_RELAXED))
		return -1;
	char path[64];
	snprintf(path, sizeof path, "/proc/%s/maps", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct obj_procmap_query q;
	int found = 0;
	for (uint64_t addr = 0;;) {
		memset(&q, 0, sizeof q);
		q.size = sizeof q;
		q.query_flags = OBJ_PROCMAP_COVERING_OR_NEXT | OBJ_PROCMAP_FILE_BACKED |
		                OBJ_PROCMAP_WRITABLE | OBJ_PROCMAP_SHARED;
		q.query_addr = addr;
		if (ioctl(fd, OBJ_PROCMAP_QUERY, &q) < 0) {
			if (errno == ENOTTY)
				__atomic_store_n(&obj_procmap_missing, 1, __ATOMIC_RELAXED);
			if (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)
				found = addr ? 0 : -1; /* not supported (or nothing at all) */
			break;
		}
		if (q.inode == (uint64_t)ino && makedev(q.dev_major, q.dev_minor) == dev &&
		    !obj_mmap_is_ours(pid, self, (unsigned long)q.vma_start,
		                      (unsigned long)q.vma_end)) {
			found = 1;
			break;
		}
		if (q.vma_end <= addr)
			break;
		addr = q.vma_end;
	}
	close(fd);
	return found;
}

/* A shared, writable mapping of (dev, ino) in process pid that is not the library's own. */
static bool obj_mmap_writable_in(const char *pid, bool self, dev_t dev, ino_t ino)
{
	int q = obj_mmap_writable_query(pid, self, dev, ino);
	if (q >= 0)
		return q;
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%s/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned long start, end, pgoff, inode;
		unsigned maj, min;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &pgoff, &maj,
		           &min, &inode) != 7)
			continue;
		if (inode != (unsigned long)ino || makedev(maj, min) != dev || perms[1] != 'w' ||
		    perms[3] != 's')
			continue;
		found = !obj_mmap_is_ours(pid, self, start, end);
	}
	fclose(f);
	return found;
}

int obj_mmap_writable(dev_t dev, ino_t ino)
{
	DIR *proc = opendir("/proc");
	if (!proc)
		return 0;
	int found = 0;
	long me = (long)getpid();
	struct dirent *de;
	while (!found && (de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		found = obj_mmap_writable_in(de->d_name, strtol(de->d_name, NULL, 10) == me, dev,
		                             ino);
	}
	closedir(proc);
	return found;
}
