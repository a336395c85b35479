/* kload: load raw BPF instructions into the host kernel and print its verdict.
 *
 * Test-only oracle tool (the library never calls bpf()). Reads 64-bit little-endian
 * instruction words as hex, one per line, from stdin; prints "OK" or "ERR <errno>"
 * followed by the kernel's last non-empty log line (log_level 1).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static struct bpf_insn insns[BPF_MAXINSNS * 16];
	static char log[1 << 20];
	int type = argc > 1 ? atoi(argv[1]) : BPF_PROG_TYPE_SOCKET_FILTER;
	char line[256];
	unsigned cnt = 0;
	while (fgets(line, sizeof line, stdin) && cnt < sizeof insns / sizeof insns[0]) {
		uint64_t w = strtoull(line, NULL, 16);
		memcpy(&insns[cnt++], &w, 8);
	}
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.prog_type = type;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = cnt;
	a.license = (uintptr_t) "GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof log;
	a.log_level = 1;
	int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0) {
		printf("OK\n");
		return 0;
	}
	int e = errno;
	/* last non-empty line that is not the "processed N insns" summary */
	char *last = NULL;
	for (char *p = strtok(log, "\n"); p; p = strtok(NULL, "\n"))
		if (*p && strncmp(p, "processed ", 10) && strncmp(p, "verification time", 17))
			last = p;
	printf("ERR %d %s\n", e, last ? last : "");
	return 1;
}
