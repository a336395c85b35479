/* helper_cgroup.c — bpf_get_current_cgroup_id, bpf_get_current_ancestor_cgroup_id and
 * bpf_get_cgroup_classid (the base variant: the current task's net_cls class id).
 *
 * The kernel answers with the id of the calling task's cgroup in the default (v2)
 * hierarchy, or of its ancestor at a level (the root is level 0; a level deeper than the
 * task's cgroup gives 0). A cgroup's id is its kernfs node id, which on a 64-bit kernel is
 * also the inode number of its directory in a cgroup2 mount: user space reaches the same
 * number by stat(2) of <cgroup2 mount><path>, the path read from /proc/thread-self/cgroup
 * (its "0::" line). The lookups are made at every call, as the task may have moved.
 *
 * Limits (documented in docs/HELPERS.md): with no cgroup2 mount visible the helpers answer
 * 0; inside a cgroup namespace the path (and so the levels) are relative to the
 * namespace's root, where the kernel counts from the real root.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers/helper_internal.h"

#define CG_PATH_MAX 4096

/* The first cgroup2 mount whose root is the hierarchy's root, from mountinfo. */
static int cgroup2_mount(char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char line[CG_PATH_MAX];
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		/* id parent maj:min root mountpoint options [optional...] - fstype source opts */
		char root[CG_PATH_MAX], point[CG_PATH_MAX];
		const char *dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
		    strcmp(root, "/"))
			continue;
		if (strlen(point) < size) {
			strcpy(out, point);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The calling thread's cgroup2 path ("/" for the root), from its "0::" line. */
static int cgroup2_path(char *out, size_t size)
{
	FILE *f = fopen("/proc/thread-self/cgroup", "re");
	if (!f)
		return -1;
	char line[CG_PATH_MAX];
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		if (strlen(line + 3) < size) {
			strcpy(out, line + 3);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* The id of the thread's cgroup (level < 0) or of its ancestor at level; 0 when none. */
static uint64_t cgroup_id_at(long level)
{
	char mnt[CG_PATH_MAX], path[CG_PATH_MAX], dir[2 * CG_PATH_MAX + 2];
	if (cgroup2_mount(mnt, sizeof mnt) || cgroup2_path(path, sizeof path))
		return 0;
	if (level >= 0) {
		/* keep the first `level` components of the path */
		char *p = path;
		for (long l = 0; l < level; l++) {
			while (*p == '/')
				p++;
			if (!*p)
				return 0; /* deeper than the thread's cgroup */
			p += strcspn(p, "/");
		}
		*p = 0;
	}
	snprintf(dir, sizeof dir, "%s/%s", mnt, path);
	struct stat st;
	return stat(dir, &st) ? 0 : (uint64_t)st.st_ino;
}

uint64_t bpf_get_current_cgroup_id_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                          uint64_t r5, struct userbpf_run_ctx *rc)
{
	return cgroup_id_at(-1);
}

uint64_t bpf_get_current_ancestor_cgroup_id_helper(uint64_t level, uint64_t r2, uint64_t r3,
                                                   uint64_t r4, uint64_t r5,
                                                   struct userbpf_run_ctx *rc)
{
	/* the kernel takes an int level; a negative one finds no ancestor */
	int l = (int)level;
	return l < 0 ? 0 : cgroup_id_at(l);
}

/* --- bpf_get_cgroup_classid (base variant) --- */

/* The calling thread's cgroup v1 net_cls directory: its "N:...net_cls...:path" line and the
 * cgroup mount whose options name net_cls (path relative to that mount's root). */
static int net_cls_dir(char *out, size_t size)
{
	char line[CG_PATH_MAX], path[CG_PATH_MAX] = "";
	FILE *f = fopen("/proc/thread-self/cgroup", "re");
	if (!f)
		return -1;
	while (!path[0] && fgets(line, sizeof line, f)) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!p)
			continue;
		*p = 0;
		if (!strstr(ctl + 1, "net_cls"))
			continue;
		p[1 + strcspn(p + 1, "\n")] = 0;
		snprintf(path, sizeof path, "%s", p + 1);
	}
	fclose(f);
	if (!path[0] || !(f = fopen("/proc/self/mountinfo", "re")))
		return -1;
	int found = -1;
	while (found < 0 && fgets(line, sizeof line, f)) {
		char root[CG_PATH_MAX], point[CG_PATH_MAX];
		const char *dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "cgroup ", 7) || !strstr(dash, "net_cls") ||
		    sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2)
			continue;
		size_t rl = strcmp(root, "/") ? strlen(root) : 0;
		if (strncmp(path, root, rl))
			continue;
		snprintf(out, size, "%s%s", point, path + rl);
		found = 0;
	}
	fclose(f);
	return found;
}

/* __task_get_classid(current): the class id of the thread's net_cls cgroup; 0 without a
 * cgroup v1 net_cls hierarchy (cgroup v2 only hosts: always 0, as the kernel answers). */
uint64_t bpf_get_cgroup_classid_curr_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
                                            uint64_t r5, struct userbpf_run_ctx *rc)
{
	char dir[CG_PATH_MAX + 32], file[CG_PATH_MAX + 64];
	if (net_cls_dir(dir, sizeof dir))
		return 0;
	snprintf(file, sizeof file, "%s/net_cls.classid", dir);
	FILE *f = fopen(file, "re");
	unsigned long long id = 0;
	if (f) {
		if (fscanf(f, "%llu", &id) != 1)
			id = 0;
		fclose(f);
	}
	return (uint32_t)id;
}
