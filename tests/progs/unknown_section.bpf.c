/* A program in a section no convention knows: open succeeds (the type may still be set by
 * hand, as with libbpf), load fails naming the program and the section. */
#include "progs.h"

SEC("not_a_known_hook")
int mystery(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
