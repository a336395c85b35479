/* cpu.h — CPUs as BPF sees them: possible CPUs (per-CPU value layout) and the current one. */
#ifndef USERBPF_CORE_CPU_H
#define USERBPF_CORE_CPU_H

/* Number of possible CPUs, as libbpf computes it from /sys/devices/system/cpu/possible
 * (falls back to sysconf). Cached; always >= 1. */
int ub_num_possible_cpus(void);

/* The CPU the calling thread runs on, in [0, ub_num_possible_cpus()). */
int ub_current_cpu(void);

/* A recent CPU of the calling thread, re-read every 64 calls: for choosing among per-CPU
 * free lists and spares, where a stale answer costs only some sharing. */
extern __thread unsigned ub_cpu_hint_left __attribute__((tls_model("initial-exec")));
extern __thread int ub_cpu_hint_cpu __attribute__((tls_model("initial-exec")));
static inline int ub_cpu_hint(void)
{
	if (__builtin_expect(ub_cpu_hint_left-- == 0, 0)) {
		ub_cpu_hint_left = 63;
		ub_cpu_hint_cpu = ub_current_cpu();
	}
	return ub_cpu_hint_cpu;
}

#endif
