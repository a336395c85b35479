/* bench_kernel.c — see bench_kernel.h. */
#include <errno.h>
#include <stddef.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_kernel.h"

#define KBENCH_PKT_LEN 64 /* test runs of socket filters need at least an Ethernet header */

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's complaint is its last line, not counting the statistics line. */
static void last_log_line(const char *log, char *out, size_t len)
{
	const char *end = log + strlen(log), *start;

	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (start == log || strncmp(start, "processed ", 10) != 0)
			break;
		end = start;
	}
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

static int prog_load(const void *insns, size_t cnt, char *log, uint32_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)cnt;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = log_size;
		attr.log_level = 1;
		log[0] = 0;
	}
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
	return fd >= 0 ? fd : -errno;
}

int kbench_load(const void *insns, size_t cnt, char *why, size_t len)
{
	/* No log on the first try: a log of every walked iteration would overflow any buffer
	 * and fail the load with ENOSPC. On failure, load again for the verifier's reason;
	 * recent kernels keep the end of an overflowing log, which is where it is. */
	static char log[1 << 20];
	int fd = prog_load(insns, cnt, NULL, 0);

	if (fd >= 0)
		return fd;
	snprintf(why, len, "bpf(BPF_PROG_LOAD): %s", strerror(-fd));
	if (fd != -EPERM && fd != -ENOSYS) {
		int fd2 = prog_load(insns, cnt, log, sizeof(log));

		if (fd2 >= 0)
			close(fd2);
		else if (log[0])
			last_log_line(log, why, len);
	}
	return fd;
}

int kbench_run(int fd, uint32_t repeat, uint32_t *ns_per_run, uint32_t *retval)
{
	unsigned char pkt[KBENCH_PKT_LEN] = {0};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)fd;
	attr.test.data_in = (uint64_t)(uintptr_t)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr) < 0)
		return -errno;
	*ns_per_run = attr.test.duration;
	*retval = attr.test.retval;
	return 0;
}

void kbench_close(int fd)
{
	close(fd);
}

/* --- maps --- */

int kbench_map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                      uint32_t flags, char *why, size_t len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = type;
	attr.key_size = key_size;
	attr.value_size = value_size;
	attr.max_entries = max_entries;
	attr.map_flags = flags;
	int fd = (int)sys_bpf(BPF_MAP_CREATE, &attr);
	if (fd >= 0)
		return fd;
	fd = -errno;
	snprintf(why, len, "bpf(BPF_MAP_CREATE): %s", strerror(-fd));
	return fd;
}

static int map_elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.value = (uint64_t)(uintptr_t)value;
	attr.flags = flags;
	/* sized to the last field, as libbpf (and bench_maps for our side) passes it */
	return syscall(__NR_bpf, cmd, &attr, offsetof(union bpf_attr, flags) + sizeof(attr.flags)) <
	                       0
	               ? -errno
	               : 0;
}

int kbench_map_lookup(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int kbench_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
}

int kbench_map_delete(int fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

#define KI(c, d, s, o, i)                                                                          \
	((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})

int kbench_map_prog_load(int map_fd, enum kbench_prog_op op, int array_keys, uint32_t n, char *why,
                         size_t len)
{
	struct bpf_insn p[KBENCH_PROG_MAX];
	size_t c = kbench_map_prog_insns(map_fd, op, array_keys, n, p);
	return kbench_load(p, c, why, len);
}

size_t kbench_map_prog_insns(int map_fd, enum kbench_prog_op op, int array_keys, uint32_t n,
                             void *out)
{
	struct bpf_insn *p = out;
	int c = 0;

	/* prologue: r6 = i = 0; key prefixlen at fp-8; the update's value at fp-16 */
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
	p[c++] = KI(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 32);
	p[c++] = KI(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 7);
	int loop = c;
	/* key i at fp-4 (the ip of an 8-byte key, or an array index) */
	p[c++] = KI(BPF_ALU | BPF_MOV | BPF_X, 2, 6, 0, 0);
	p[c++] = KI(BPF_ALU | BPF_MUL | BPF_K, 2, 0, 0, (int32_t)BKEY_MUL);
	if (array_keys)
		p[c++] = KI(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, (int32_t)(n - 1));
	else
		p[c++] = KI(BPF_ALU | BPF_ADD | BPF_K, 2, 0, 0, (int32_t)BKEY_BASE);
	p[c++] = KI(BPF_STX | BPF_MEM | BPF_W, 10, 2, -4, 0);
	/* r1 = map, r2 = key, r3 = value, r4 = BPF_ANY: set up even when nothing is called,
	 * so the empty loop differs from the others by the call alone */
	p[c++] = KI(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[c++] = KI(0, 0, 0, 0, 0);
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[c++] = KI(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, array_keys ? -4 : -8);
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
	p[c++] = KI(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16);
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
	if (op == KPROG_LOOKUP)
		p[c++] = KI(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	else if (op == KPROG_UPDATE)
		p[c++] = KI(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem);
	p[c++] = KI(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
	p[c] = KI(BPF_JMP | BPF_JLT | BPF_K, 6, 0, (int16_t)(loop - (c + 1)), (int32_t)n);
	c++;
	p[c++] = KI(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[c++] = KI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return (size_t)c;
}
