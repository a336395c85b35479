/* CO-RE relocations of every kind, resolved against core_target.bpf.o (or, without a
 * target, against this object's own unflavored types, which have the same layout):
 * field byte offset and size, existence, signedness, bitfield shifts, type existence,
 * size and match, enum value and existence. The programs return what they computed
 * (core_skb: skb->len + 1000 if a missing field "exists"; core_bits: the bitfields) and
 * store the values in .bss for the test. */
#include "progs.h"
#include <bpf/bpf_core_read.h>

/* the real layouts (also in core_target.bpf.c) */
struct bits {
	unsigned int a : 3;
	unsigned int pad : 4;
	unsigned int b : 5;
	int c : 12;
	__u32 extra;
	__u16 plain;
};
enum core_color { GREEN = 3, RED = 7, BLUE = 9 };
struct bits g_bits = {.a = 5, .pad = 0, .b = 17, .c = -100, .extra = 0xabcd, .plain = 0xbeef};
enum core_color g_color = BLUE;

/* this program's views: other order, other sizes, fields that do not exist */
struct __sk_buff___local {
	__u32 mark;
	__u32 len;
	__u32 does_not_exist_here;
} __attribute__((preserve_access_index));

struct bits___local {
	__u16 plain;
	int c : 12;
	unsigned int b : 5;
	unsigned int a : 3;
	__u64 missing;
} __attribute__((preserve_access_index));

enum core_color___local { RED___local = 0, BLUE___local = 1, PURPLE___local = 2 };

struct core_out {
	__u64 a, b;
	__s64 c;
	__u64 plain;
	__u32 plain_size, c_signed, a_signed, missing_exists;
	__u32 skb_exists, skb_size, absent_type_exists, red, blue, purple_exists;
} out;

SEC("socket")
int core_skb(struct __sk_buff *skb)
{
	struct __sk_buff___local *s = (void *)skb;
	__u32 r = s->len;
	if (bpf_core_field_exists(s->does_not_exist_here))
		r += 1000;
	return r;
}

struct absent_type___local {
	int x;
};

SEC("syscall")
int core_bits(void *ctx)
{
	struct bits___local *bp = (void *)&g_bits;
	out.a = BPF_CORE_READ_BITFIELD(bp, a);
	out.b = BPF_CORE_READ_BITFIELD(bp, b);
	out.c = BPF_CORE_READ_BITFIELD(bp, c);
	out.plain = bp->plain;
	out.plain_size = bpf_core_field_size(bp->plain);
	out.c_signed = __CORE_RELO(bp, c, SIGNED);
	out.a_signed = __CORE_RELO(bp, a, SIGNED);
	out.missing_exists = bpf_core_field_exists(bp->missing);
	out.skb_exists = bpf_core_type_exists(struct __sk_buff___local);
	out.skb_size = bpf_core_type_size(struct __sk_buff___local);
	out.absent_type_exists = bpf_core_type_exists(struct absent_type___local);
	out.red = bpf_core_enum_value(enum core_color___local, RED___local);
	out.blue = bpf_core_enum_value(enum core_color___local, BLUE___local);
	out.purple_exists = bpf_core_enum_value_exists(enum core_color___local, PURPLE___local);
	return (int)(out.a + out.b);
}

char LICENSE[] SEC("license") = "GPL";
