/* vm_exec_guarded.c — the guarded engine (USERBPF_VM_UNVERIFIED): memory checks and budget. */
#define VM_GUARDED 1
#define VM_EXEC vm_exec_guarded
#include "vm/vm_exec.inc"
