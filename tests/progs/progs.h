/* progs.h — what the test programs share: the UAPI context types (vmlinux-free, from
 * <linux/bpf.h>), libbpf's helper definitions, and the legacy map layouts that libbpf 1.x
 * no longer ships (struct bpf_map_def, iproute2's struct bpf_elf_map).
 */
#ifndef USERBPF_TESTS_PROGS_H
#define USERBPF_TESTS_PROGS_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* libbpf < 1.0's legacy map definition (SEC("maps")) */
struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

/* iproute2's legacy map definition (tc's SEC("maps")) */
struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};
#define PIN_NONE 0
#define PIN_OBJECT_NS 1
#define PIN_GLOBAL_NS 2

#endif
