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
 * so MAP_FREEZE looks instead: it scans /proc/<pid>/maps of every process it may read for a
 * shared writable mapping of the map's file, and ignores the library's own views (marked
 * MADV_DONTDUMP: "dd" in /proc/<pid>/smaps). FREEZE is rare; the scan costs milliseconds.
 * Not seen: processes of other users (unless we are root), and a writable mapping later
 * made read-only with mprotect() (the kernel still counts it; we do not).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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

/* A shared, writable mapping of (dev, ino) in process pid that is not the library's own. */
static bool obj_mmap_writable_in(const char *pid, dev_t dev, ino_t ino)
{
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
		found = !obj_mmap_ours(pid, start);
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
	struct dirent *de;
	while (!found && (de = readdir(proc))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		found = obj_mmap_writable_in(de->d_name, dev, ino);
	}
	closedir(proc);
	return found;
}
