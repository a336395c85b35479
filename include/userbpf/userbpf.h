/* userbpf — the Linux eBPF system as a userspace runtime and library. Umbrella header. */
#ifndef USERBPF_USERBPF_H
#define USERBPF_USERBPF_H

#include <userbpf/bpf_uapi.h>
#include <userbpf/error.h>
#include <userbpf/isa.h>
#include <userbpf/asm.h>
#include <userbpf/vm.h>
#include <userbpf/sys.h>

#endif /* USERBPF_USERBPF_H */
