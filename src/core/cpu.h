/* cpu.h — CPUs as BPF sees them: possible CPUs (per-CPU value layout) and the current one. */
#ifndef USERBPF_CORE_CPU_H
#define USERBPF_CORE_CPU_H

/* Number of possible CPUs, as libbpf computes it from /sys/devices/system/cpu/possible
 * (falls back to sysconf). Cached; always >= 1. */
int ub_num_possible_cpus(void);

/* The CPU the calling thread runs on, in [0, ub_num_possible_cpus()). */
int ub_current_cpu(void);

#endif
