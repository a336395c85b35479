/* cpu.c — possible CPUs and the current CPU. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "core/cpu.h"

__thread unsigned ub_cpu_hint_left __attribute__((tls_model("initial-exec")));
__thread int ub_cpu_hint_cpu __attribute__((tls_model("initial-exec")));

/* Parse a cpulist such as "0-3,5" and return the highest CPU + 1. */
static int cpu_parse_possible(const char *s)
{
	int max = -1, a, b, n;
	while (*s) {
		if (sscanf(s, "%d%n", &a, &n) != 1)
			break;
		s += n;
		b = a;
		if (*s == '-' && sscanf(s + 1, "%d%n", &b, &n) == 1)
			s += 1 + n;
		if (b > max)
			max = b;
		if (*s != ',')
			break;
		s++;
	}
	return max + 1;
}

int ub_num_possible_cpus(void)
{
	static int cached;
	int n = __atomic_load_n(&cached, __ATOMIC_RELAXED);
	if (n > 0)
		return n;
	char buf[256] = "";
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	if (f) {
		if (!fgets(buf, sizeof buf, f))
			buf[0] = 0;
		fclose(f);
	}
	n = cpu_parse_possible(buf);
	if (n <= 0)
		n = (int)sysconf(_SC_NPROCESSORS_CONF);
	if (n <= 0)
		n = 1;
	__atomic_store_n(&cached, n, __ATOMIC_RELAXED);
	return n;
}

int ub_current_cpu(void)
{
	int cpu = sched_getcpu(); /* vDSO on x86-64: no syscall */
	int n = ub_num_possible_cpus();
	return cpu < 0 ? 0 : cpu % n;
}
