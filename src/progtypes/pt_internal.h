/* pt_internal.h — what the program-type files share: internal ctx layouts, the run state
 * packet helpers reach through the ctx, and instruction builders for convert_ctx_access.
 *
 * Internal ctx layouts start with the user-visible struct (so an unrewritten program in
 * the guarded vm still finds its scalar fields) and continue with what the kernel keeps
 * elsewhere: 64-bit packet pointers and a pointer to the run's packet state. A field whose
 * kernel representation differs from what the user struct shows (remote_port is loaded
 * as a u16 and shifted) keeps its raw value in the tail too.
 */
#ifndef USERBPF_PROGTYPES_PT_INTERNAL_H
#define USERBPF_PROGTYPES_PT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "progtypes/progtype.h"
#include "progtypes/pt_types.h"

#define PT_ETH_HLEN 14
#define PT_ETH_ALEN 6
/* BPF_SKB_MAX_LEN: SKB_MAX_ALLOC, four pages less an aligned skb_shared_info (320) */
#define PT_SKB_MAX_LEN (16384u - 320u)
#define PT_SHINFO_SIZE 320u   /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define PT_XDP_FRAME_SIZE 40u /* sizeof(struct xdp_frame): reserved at data_hard_start */

/* The packet of a run: one buffer with headroom and tailroom, as the kernel's. */
struct pt_pkt {
	uint8_t *buf;     /* the allocation */
	uint32_t buf_len; /* its size */
	uint32_t mac_off; /* offset of the mac header in buf (skb_mac_header) */
	uint32_t net_off; /* offset of the network header in buf */
	uint32_t max_len; /* skb: the most len may grow to (change_tail/head) */
	bool guarded;     /* the run checks memory: keep the packet region current */
	struct userbpf_mem_region *region; /* guarded: the packet's region (read, maybe write) */
	struct userbpf_mem_region *meta_region; /* guarded XDP: [data_meta, data) */
	unsigned prot;                          /* the packet region's permissions */
	uint8_t ip_summed;                      /* PT_CHECKSUM_*: the skb's checksum state */
	uint8_t csum_level;
	uint32_t csum; /* CHECKSUM_COMPLETE: the sum over the data */
	bool sw_hash, l4_hash;
	bool mac_set; /* skb_mac_header_was_set */
};

/* skb->ip_summed values */
enum { PT_CHECKSUM_NONE, PT_CHECKSUM_UNNECESSARY, PT_CHECKSUM_COMPLETE, PT_CHECKSUM_PARTIAL };

/* Internal sk_buff: __sk_buff at offset 0, then the kernel-private part. */
struct pt_skb {
	struct __sk_buff uapi;
	uint64_t data;      /* PTR_TO_PACKET */
	uint64_t data_end;  /* PTR_TO_PACKET_END: data + headlen */
	uint64_t data_meta; /* PTR_TO_PACKET_META (== data: no metadata on an skb here) */
	uint16_t sk_dport;  /* raw remote port (network order), what the kernel loads */
	uint16_t sk_num;    /* raw local port (host order) */
	uint32_t pad;
	struct pt_pkt *pkt; /* the packet state (helpers) */
	uint64_t sk_cookie; /* the socket's cookie once get_socket_cookie made one, else 0 */
};

/* A multi-buffer XDP frame's fragments (skb_shared_info frags): whole pages, each used
 * from its start. */
#define PT_MAX_SKB_FRAGS 17
#define PT_PAGE_SIZE 4096u
struct pt_xdp_frags {
	uint32_t nr;
	uint32_t size[PT_MAX_SKB_FRAGS];
	uint8_t *page[PT_MAX_SKB_FRAGS];
	uint32_t total; /* xdp_frags_size */
};

/* Internal xdp_buff: xdp_md at offset 0, then the pointers. */
struct pt_xdp {
	struct xdp_md uapi;
	uint64_t data, data_end, data_meta, data_hard_start;
	uint32_t frame_sz; /* data_hard_start + frame_sz is the end of the buffer */
	uint32_t pad;
	struct pt_pkt *pkt;
	struct pt_xdp_frags *frags; /* non-linear frame: nr > 0 */
};

/* Internal bpf_sk_lookup (the kernel's bpf_sk_lookup_kern): the user struct with every
 * field in the form the kernel loads it — family and protocol as u16, remote_port raw
 * (network order) and local_port as u16 in the low half, the addresses of the other family
 * zero (the kernel's are absent and read as 0) — then the socket selection. */
struct pt_sk_lookup {
	struct bpf_sk_lookup uapi;
	uint64_t selected_sk; /* struct bpf_sock * or 0: what ctx->sk reads */
	bool no_reuseport;
};

/* Internal sk_reuseport_md (sk_reuseport_kern): data/data_end, len, eth_protocol (u16 in
 * the low half), ip_protocol (u16), bind_inany (u8), hash, sk, migrating_sk, each where
 * the user struct has it. */
struct pt_sk_reuseport {
	struct sk_reuseport_md uapi;
};

/* Internal bpf_sysctl (bpf_sysctl_kern): write and the low half of the file position in
 * the user struct, then what the sysctl helpers read and write. */
struct pt_sysctl {
	struct bpf_sysctl uapi;
	const char *name;    /* "net/ipv4/tcp_mem": the path under /proc/sys */
	const char *cur_val; /* the current value as text, or NULL (unreadable) */
	size_t cur_len;      /* its length */
	char *new_val;       /* write: the value being written (set_new_value may replace) */
	size_t new_len, new_cap;
	bool new_updated; /* set_new_value was called */
};

/* Internal bpf_sockopt (bpf_sockopt_kern): the same layout as the user struct (pointers
 * 64-bit, then level, optname, optlen, retval). */
struct pt_sockopt {
	struct bpf_sockopt uapi;
};

/* The ctx of the run in progress on this thread, for helpers to check r1 in a guarded
 * run (a program could pass any readable memory as ctx there). */
extern _Thread_local void *pt_current_ctx;

/* Instruction builders (the kernel's BPF_LDX_MEM, ... as functions). */
static inline struct bpf_insn pt_insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
                                      int32_t imm)
{
	struct bpf_insn i = {.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
	return i;
}
static inline struct bpf_insn pt_ldx(uint8_t size, uint8_t dst, uint8_t src, int16_t off)
{
	return pt_insn(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
}
/* A store of the class of si (BPF_STX: si's src_reg, BPF_ST: si's imm) at off. */
static inline struct bpf_insn pt_store_like(uint8_t size, const struct bpf_insn *si, int16_t off)
{
	uint8_t cls = si->code & 0x07;
	return pt_insn(cls | BPF_MEM | size, si->dst_reg, si->src_reg, off, si->imm);
}
static inline struct bpf_insn pt_alu32_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return pt_insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
static inline struct bpf_insn pt_alu64_imm(uint8_t op, uint8_t dst, int32_t imm)
{
	return pt_insn(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
}
static inline struct bpf_insn pt_alu32_reg(uint8_t op, uint8_t dst, uint8_t src)
{
	return pt_insn(BPF_ALU | op | BPF_X, dst, src, 0, 0);
}
static inline struct bpf_insn pt_mov64_reg(uint8_t dst, uint8_t src)
{
	return pt_insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
static inline struct bpf_insn pt_mov64_imm(uint8_t dst, int32_t imm)
{
	return pt_insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
static inline struct bpf_insn pt_jmp_imm(uint8_t op, uint8_t dst, int32_t imm, int16_t off)
{
	return pt_insn(BPF_JMP | op | BPF_K, dst, 0, off, imm);
}
static inline struct bpf_insn pt_ja(int16_t off)
{
	return pt_insn(BPF_JMP | BPF_JA, 0, 0, off, 0);
}
static inline struct bpf_insn pt_call(int32_t id)
{
	return pt_insn(BPF_JMP | BPF_CALL, 0, 0, 0, id);
}
static inline struct bpf_insn pt_exit(void)
{
	return pt_insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* One ctx field's rewrite onto an internal ctx (pt_ctx_rewrite.c): the kernel's
 * *_convert_ctx_access cases, as data. A field matches accesses whose first byte is in
 * [start, end]; the verifier has already widened narrow loads to the field's start. */
struct pt_ctx_field {
	uint16_t start, end; /* user offsets */
	uint16_t ioff;       /* internal offset of the value (PT_CF_RANGED: of `start`) */
	uint8_t size;        /* bytes the kernel loads or stores (its target size) */
	uint8_t flags;       /* PT_CF_* */
	int32_t imm;         /* PT_CF_AND: the mask; PT_CF_LSH: the shift */
};
enum {
	PT_CF_RANGED = 1 << 0,      /* any offset in the field: ioff + (off - start) */
	PT_CF_ACCESS_SIZE = 1 << 1, /* the access's own size, not `size` (cb[]) */
	PT_CF_TARGET = 1 << 2,      /* the kernel reports *target_size = size */
	PT_CF_AND = 1 << 3,         /* w_dst &= imm after the load */
	PT_CF_LSH = 1 << 4,         /* w_dst <<= imm after the load */
	PT_CF_ZERO = 1 << 5,        /* a load is w_dst = 0 (padding the kernel reads as 0) */
	PT_CF_U16_STORE = 1 << 6,   /* stores of 0xffff and above are dropped (queue_mapping) */
	PT_CF_NONE = 1 << 7,        /* no case in the kernel: "misconfigured" */
};
#define PT_N_FIELDS(tab) (sizeof(tab) / sizeof((tab)[0]))
/* The field whose [start, end] holds off, or NULL. */
const struct pt_ctx_field *pt_ctx_field_at(const struct pt_ctx_field *tab, size_t n, int off);
/* Rewrite si (a load or store of field f) into out[]; returns the count, 0 when the
 * kernel has no conversion for it. */
uint32_t pt_ctx_rewrite(const struct pt_ctx_field *f, enum bpf_access_type t,
                        const struct bpf_insn *si, struct bpf_insn *out, uint32_t *target_size);
/* Find si's field in tab, then rewrite (0: none). */
uint32_t pt_ctx_rewrite_in(const struct pt_ctx_field *tab, size_t n, enum bpf_access_type t,
                           const struct bpf_insn *si, struct bpf_insn *out, uint32_t *target_size);

/* BPF_B/H/W/DW for a size in bytes. */
static inline uint8_t pt_size_code(uint32_t bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : bytes == 4 ? BPF_W : BPF_DW;
}

#endif /* USERBPF_PROGTYPES_PT_INTERNAL_H */
