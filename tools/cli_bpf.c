/* cli_bpf.c — libbpf-style wrappers over userbpf_sys_bpf for the CLI (0/fd or -1 + errno).
 *
 * Named cli_* rather than libbpf's bpf_* so the CLI never interposes on libbpf symbols
 * that the library itself may link.
 */
#include <errno.h>
#include <string.h>

#include <userbpf/sys.h>

#include "cli.h"

static long sys(int cmd, union bpf_attr *attr)
{
	return userbpf_sys_bpf(cmd, attr, sizeof *attr);
}

int cli_obj_get(const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = (uint64_t)(uintptr_t)path;
	return (int)sys(BPF_OBJ_GET, &a);
}

int cli_obj_pin(int fd, const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = (uint64_t)(uintptr_t)path;
	a.bpf_fd = (uint32_t)fd;
	return (int)sys(BPF_OBJ_PIN, &a);
}

int cli_get_next_id(int cmd, uint32_t id, uint32_t *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.start_id = id;
	if (sys(cmd, &a) < 0)
		return -1;
	*next = a.next_id;
	return 0;
}

int cli_get_fd_by_id(int cmd, uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_id = id; /* the same field as map_id and btf_id */
	return (int)sys(cmd, &a);
}

int cli_obj_get_info(int fd, void *info, uint32_t *len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = *len;
	a.info.info = (uint64_t)(uintptr_t)info;
	if (sys(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return -1;
	*len = a.info.info_len;
	return 0;
}

int cli_prog_get_info(int fd, struct bpf_prog_info *info)
{
	uint32_t len = sizeof *info;
	return cli_obj_get_info(fd, info, &len);
}

int cli_map_get_info(int fd, struct bpf_map_info *info)
{
	uint32_t len = sizeof *info;
	memset(info, 0, sizeof *info);
	return cli_obj_get_info(fd, info, &len);
}

static int elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return (int)sys(cmd, &a);
}

int cli_map_lookup(int fd, const void *key, void *value)
{
	return elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int cli_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return elem(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
}

int cli_map_delete(int fd, const void *key)
{
	return elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

int cli_map_get_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	return (int)sys(BPF_MAP_GET_NEXT_KEY, &a);
}

int cli_map_lookup_and_delete(int fd, const void *key, void *value)
{
	return elem(BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, key, value, 0);
}

int cli_map_freeze(int fd)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_fd = (uint32_t)fd;
	return (int)sys(BPF_MAP_FREEZE, &a);
}

void cli_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		userbpf_close(fd);
		errno = saved;
	}
}
