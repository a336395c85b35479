/* userbpf — the Linux BPF ABI, defined from the UAPI facts (numbers and layouts).
 *
 * Same names, values and layouts as <linux/bpf.h>, so code written for the kernel compiles
 * unchanged. A caller that included <linux/bpf.h> first keeps the system's definitions (they
 * are layout-identical); ours are skipped, and only constants newer than some system headers
 * are added below with #ifndef guards.
 */
#ifndef USERBPF_BPF_UAPI_H
#define USERBPF_BPF_UAPI_H

#include <stdint.h>

/* Our spellings of two kernel-header devices, usable whichever header came first:
 * a 64-bit integer carrying user pointers, 8-byte aligned on every ABI, and a context pointer
 * member padded to 8 bytes so 32- and 64-bit programs see the same layout. */
typedef uint64_t __attribute__((aligned(8))) userbpf_aligned_u64;
#define USERBPF_MD_PTR(type, name)                                                                 \
	union {                                                                                    \
		type name;                                                                         \
		uint64_t : 64;                                                                     \
	} __attribute__((aligned(8)))

/* Helper functions: FN(id, name) for each, in id order. id 0 is reserved. */
#define USERBPF_FUNC_MAPPER(FN)                                                                    \
	FN(0, unspec)                                                                              \
	FN(1, map_lookup_elem)                                                                     \
	FN(2, map_update_elem)                                                                     \
	FN(3, map_delete_elem)                                                                     \
	FN(4, probe_read)                                                                          \
	FN(5, ktime_get_ns)                                                                        \
	FN(6, trace_printk)                                                                        \
	FN(7, get_prandom_u32)                                                                     \
	FN(8, get_smp_processor_id)                                                                \
	FN(9, skb_store_bytes)                                                                     \
	FN(10, l3_csum_replace)                                                                    \
	FN(11, l4_csum_replace)                                                                    \
	FN(12, tail_call)                                                                          \
	FN(13, clone_redirect)                                                                     \
	FN(14, get_current_pid_tgid)                                                               \
	FN(15, get_current_uid_gid)                                                                \
	FN(16, get_current_comm)                                                                   \
	FN(17, get_cgroup_classid)                                                                 \
	FN(18, skb_vlan_push)                                                                      \
	FN(19, skb_vlan_pop)                                                                       \
	FN(20, skb_get_tunnel_key)                                                                 \
	FN(21, skb_set_tunnel_key)                                                                 \
	FN(22, perf_event_read)                                                                    \
	FN(23, redirect)                                                                           \
	FN(24, get_route_realm)                                                                    \
	FN(25, perf_event_output)                                                                  \
	FN(26, skb_load_bytes)                                                                     \
	FN(27, get_stackid)                                                                        \
	FN(28, csum_diff)                                                                          \
	FN(29, skb_get_tunnel_opt)                                                                 \
	FN(30, skb_set_tunnel_opt)                                                                 \
	FN(31, skb_change_proto)                                                                   \
	FN(32, skb_change_type)                                                                    \
	FN(33, skb_under_cgroup)                                                                   \
	FN(34, get_hash_recalc)                                                                    \
	FN(35, get_current_task)                                                                   \
	FN(36, probe_write_user)                                                                   \
	FN(37, current_task_under_cgroup)                                                          \
	FN(38, skb_change_tail)                                                                    \
	FN(39, skb_pull_data)                                                                      \
	FN(40, csum_update)                                                                        \
	FN(41, set_hash_invalid)                                                                   \
	FN(42, get_numa_node_id)                                                                   \
	FN(43, skb_change_head)                                                                    \
	FN(44, xdp_adjust_head)                                                                    \
	FN(45, probe_read_str)                                                                     \
	FN(46, get_socket_cookie)                                                                  \
	FN(47, get_socket_uid)                                                                     \
	FN(48, set_hash)                                                                           \
	FN(49, setsockopt)                                                                         \
	FN(50, skb_adjust_room)                                                                    \
	FN(51, redirect_map)                                                                       \
	FN(52, sk_redirect_map)                                                                    \
	FN(53, sock_map_update)                                                                    \
	FN(54, xdp_adjust_meta)                                                                    \
	FN(55, perf_event_read_value)                                                              \
	FN(56, perf_prog_read_value)                                                               \
	FN(57, getsockopt)                                                                         \
	FN(58, override_return)                                                                    \
	FN(59, sock_ops_cb_flags_set)                                                              \
	FN(60, msg_redirect_map)                                                                   \
	FN(61, msg_apply_bytes)                                                                    \
	FN(62, msg_cork_bytes)                                                                     \
	FN(63, msg_pull_data)                                                                      \
	FN(64, bind)                                                                               \
	FN(65, xdp_adjust_tail)                                                                    \
	FN(66, skb_get_xfrm_state)                                                                 \
	FN(67, get_stack)                                                                          \
	FN(68, skb_load_bytes_relative)                                                            \
	FN(69, fib_lookup)                                                                         \
	FN(70, sock_hash_update)                                                                   \
	FN(71, msg_redirect_hash)                                                                  \
	FN(72, sk_redirect_hash)                                                                   \
	FN(73, lwt_push_encap)                                                                     \
	FN(74, lwt_seg6_store_bytes)                                                               \
	FN(75, lwt_seg6_adjust_srh)                                                                \
	FN(76, lwt_seg6_action)                                                                    \
	FN(77, rc_repeat)                                                                          \
	FN(78, rc_keydown)                                                                         \
	FN(79, skb_cgroup_id)                                                                      \
	FN(80, get_current_cgroup_id)                                                              \
	FN(81, get_local_storage)                                                                  \
	FN(82, sk_select_reuseport)                                                                \
	FN(83, skb_ancestor_cgroup_id)                                                             \
	FN(84, sk_lookup_tcp)                                                                      \
	FN(85, sk_lookup_udp)                                                                      \
	FN(86, sk_release)                                                                         \
	FN(87, map_push_elem)                                                                      \
	FN(88, map_pop_elem)                                                                       \
	FN(89, map_peek_elem)                                                                      \
	FN(90, msg_push_data)                                                                      \
	FN(91, msg_pop_data)                                                                       \
	FN(92, rc_pointer_rel)                                                                     \
	FN(93, spin_lock)                                                                          \
	FN(94, spin_unlock)                                                                        \
	FN(95, sk_fullsock)                                                                        \
	FN(96, tcp_sock)                                                                           \
	FN(97, skb_ecn_set_ce)                                                                     \
	FN(98, get_listener_sock)                                                                  \
	FN(99, skc_lookup_tcp)                                                                     \
	FN(100, tcp_check_syncookie)                                                               \
	FN(101, sysctl_get_name)                                                                   \
	FN(102, sysctl_get_current_value)                                                          \
	FN(103, sysctl_get_new_value)                                                              \
	FN(104, sysctl_set_new_value)                                                              \
	FN(105, strtol)                                                                            \
	FN(106, strtoul)                                                                           \
	FN(107, sk_storage_get)                                                                    \
	FN(108, sk_storage_delete)                                                                 \
	FN(109, send_signal)                                                                       \
	FN(110, tcp_gen_syncookie)                                                                 \
	FN(111, skb_output)                                                                        \
	FN(112, probe_read_user)                                                                   \
	FN(113, probe_read_kernel)                                                                 \
	FN(114, probe_read_user_str)                                                               \
	FN(115, probe_read_kernel_str)                                                             \
	FN(116, tcp_send_ack)                                                                      \
	FN(117, send_signal_thread)                                                                \
	FN(118, jiffies64)                                                                         \
	FN(119, read_branch_records)                                                               \
	FN(120, get_ns_current_pid_tgid)                                                           \
	FN(121, xdp_output)                                                                        \
	FN(122, get_netns_cookie)                                                                  \
	FN(123, get_current_ancestor_cgroup_id)                                                    \
	FN(124, sk_assign)                                                                         \
	FN(125, ktime_get_boot_ns)                                                                 \
	FN(126, seq_printf)                                                                        \
	FN(127, seq_write)                                                                         \
	FN(128, sk_cgroup_id)                                                                      \
	FN(129, sk_ancestor_cgroup_id)                                                             \
	FN(130, ringbuf_output)                                                                    \
	FN(131, ringbuf_reserve)                                                                   \
	FN(132, ringbuf_submit)                                                                    \
	FN(133, ringbuf_discard)                                                                   \
	FN(134, ringbuf_query)                                                                     \
	FN(135, csum_level)                                                                        \
	FN(136, skc_to_tcp6_sock)                                                                  \
	FN(137, skc_to_tcp_sock)                                                                   \
	FN(138, skc_to_tcp_timewait_sock)                                                          \
	FN(139, skc_to_tcp_request_sock)                                                           \
	FN(140, skc_to_udp6_sock)                                                                  \
	FN(141, get_task_stack)                                                                    \
	FN(142, load_hdr_opt)                                                                      \
	FN(143, store_hdr_opt)                                                                     \
	FN(144, reserve_hdr_opt)                                                                   \
	FN(145, inode_storage_get)                                                                 \
	FN(146, inode_storage_delete)                                                              \
	FN(147, d_path)                                                                            \
	FN(148, copy_from_user)                                                                    \
	FN(149, snprintf_btf)                                                                      \
	FN(150, seq_printf_btf)                                                                    \
	FN(151, skb_cgroup_classid)                                                                \
	FN(152, redirect_neigh)                                                                    \
	FN(153, per_cpu_ptr)                                                                       \
	FN(154, this_cpu_ptr)                                                                      \
	FN(155, redirect_peer)                                                                     \
	FN(156, task_storage_get)                                                                  \
	FN(157, task_storage_delete)                                                               \
	FN(158, get_current_task_btf)                                                              \
	FN(159, bprm_opts_set)                                                                     \
	FN(160, ktime_get_coarse_ns)                                                               \
	FN(161, ima_inode_hash)                                                                    \
	FN(162, sock_from_file)                                                                    \
	FN(163, check_mtu)                                                                         \
	FN(164, for_each_map_elem)                                                                 \
	FN(165, snprintf)                                                                          \
	FN(166, sys_bpf)                                                                           \
	FN(167, btf_find_by_name_kind)                                                             \
	FN(168, sys_close)                                                                         \
	FN(169, timer_init)                                                                        \
	FN(170, timer_set_callback)                                                                \
	FN(171, timer_start)                                                                       \
	FN(172, timer_cancel)                                                                      \
	FN(173, get_func_ip)                                                                       \
	FN(174, get_attach_cookie)                                                                 \
	FN(175, task_pt_regs)                                                                      \
	FN(176, get_branch_snapshot)                                                               \
	FN(177, trace_vprintk)                                                                     \
	FN(178, skc_to_unix_sock)                                                                  \
	FN(179, kallsyms_lookup_name)                                                              \
	FN(180, find_vma)                                                                          \
	FN(181, loop)                                                                              \
	FN(182, strncmp)                                                                           \
	FN(183, get_func_arg)                                                                      \
	FN(184, get_func_ret)                                                                      \
	FN(185, get_func_arg_cnt)                                                                  \
	FN(186, get_retval)                                                                        \
	FN(187, set_retval)                                                                        \
	FN(188, xdp_get_buff_len)                                                                  \
	FN(189, xdp_load_bytes)                                                                    \
	FN(190, xdp_store_bytes)                                                                   \
	FN(191, copy_from_user_task)                                                               \
	FN(192, skb_set_tstamp)                                                                    \
	FN(193, ima_file_hash)                                                                     \
	FN(194, kptr_xchg)                                                                         \
	FN(195, map_lookup_percpu_elem)                                                            \
	FN(196, skc_to_mptcp_sock)                                                                 \
	FN(197, dynptr_from_mem)                                                                   \
	FN(198, ringbuf_reserve_dynptr)                                                            \
	FN(199, ringbuf_submit_dynptr)                                                             \
	FN(200, ringbuf_discard_dynptr)                                                            \
	FN(201, dynptr_read)                                                                       \
	FN(202, dynptr_write)                                                                      \
	FN(203, dynptr_data)                                                                       \
	FN(204, tcp_raw_gen_syncookie_ipv4)                                                        \
	FN(205, tcp_raw_gen_syncookie_ipv6)                                                        \
	FN(206, tcp_raw_check_syncookie_ipv4)                                                      \
	FN(207, tcp_raw_check_syncookie_ipv6)                                                      \
	FN(208, ktime_get_tai_ns)                                                                  \
	FN(209, user_ringbuf_drain)                                                                \
	FN(210, cgrp_storage_get)                                                                  \
	FN(211, cgrp_storage_delete)

/* The kernel tree spells the guards _UAPI__LINUX_..., installed headers __LINUX_...: honour both.
 */
#if !defined(_UAPI__LINUX_BPF_COMMON_H__) && !defined(__LINUX_BPF_COMMON_H__)
#define _UAPI__LINUX_BPF_COMMON_H__
#define __LINUX_BPF_COMMON_H__

/* Instruction classes: the low three bits of the opcode. */
#define BPF_CLASS(code) ((code)&0x07)
#define BPF_LD 0x00
#define BPF_LDX 0x01
#define BPF_ST 0x02
#define BPF_STX 0x03
#define BPF_ALU 0x04
#define BPF_JMP 0x05
#define BPF_RET 0x06
#define BPF_MISC 0x07

/* Load/store: size in bits 3-4, mode in bits 5-7. */
#define BPF_SIZE(code) ((code)&0x18)
#define BPF_W 0x00
#define BPF_H 0x08
#define BPF_B 0x10
#define BPF_MODE(code) ((code)&0xe0)
#define BPF_IMM 0x00
#define BPF_ABS 0x20
#define BPF_IND 0x40
#define BPF_MEM 0x60
#define BPF_LEN 0x80
#define BPF_MSH 0xa0

/* ALU and jump: operation in bits 4-7, source in bit 3. */
#define BPF_OP(code) ((code)&0xf0)
#define BPF_ADD 0x00
#define BPF_SUB 0x10
#define BPF_MUL 0x20
#define BPF_DIV 0x30
#define BPF_OR 0x40
#define BPF_AND 0x50
#define BPF_LSH 0x60
#define BPF_RSH 0x70
#define BPF_NEG 0x80
#define BPF_MOD 0x90
#define BPF_XOR 0xa0

#define BPF_JA 0x00
#define BPF_JEQ 0x10
#define BPF_JGT 0x20
#define BPF_JGE 0x30
#define BPF_JSET 0x40

#define BPF_SRC(code) ((code)&0x08)
#define BPF_K 0x00
#define BPF_X 0x08

#ifndef BPF_MAXINSNS
#define BPF_MAXINSNS 4096
#endif

#endif /* LINUX_BPF_COMMON_H */

#if !defined(_UAPI__LINUX_BPF_H__) && !defined(__LINUX_BPF_H__)
#define _UAPI__LINUX_BPF_H__
#define __LINUX_BPF_H__

/* Extended BPF classes and sizes. */
#define BPF_JMP32 0x06
#define BPF_ALU64 0x07
#define BPF_DW 0x18
#define BPF_MEMSX 0x80
#define BPF_ATOMIC 0xc0
#define BPF_XADD 0xc0 /* old name of BPF_ATOMIC */

#define BPF_MOV 0xb0
#define BPF_ARSH 0xc0
#define BPF_END 0xd0
#define BPF_TO_LE 0x00
#define BPF_TO_BE 0x08
#define BPF_FROM_LE BPF_TO_LE
#define BPF_FROM_BE BPF_TO_BE

#define BPF_JNE 0x50
#define BPF_JLT 0xa0
#define BPF_JLE 0xb0
#define BPF_JSGT 0x60
#define BPF_JSGE 0x70
#define BPF_JSLT 0xc0
#define BPF_JSLE 0xd0
#define BPF_JCOND 0xe0
#define BPF_CALL 0x80
#define BPF_EXIT 0x90

/* Atomic operations, in the imm field of BPF_STX | BPF_ATOMIC. */
#define BPF_FETCH 0x01
#define BPF_XCHG (0xe0 | BPF_FETCH)
#define BPF_CMPXCHG (0xf0 | BPF_FETCH)

enum bpf_cond_pseudo_jmp {
	BPF_MAY_GOTO = 0,
};

enum {
	BPF_REG_0 = 0,
	BPF_REG_1,
	BPF_REG_2,
	BPF_REG_3,
	BPF_REG_4,
	BPF_REG_5,
	BPF_REG_6,
	BPF_REG_7,
	BPF_REG_8,
	BPF_REG_9,
	BPF_REG_10,
	__MAX_BPF_REG,
};
#define MAX_BPF_REG __MAX_BPF_REG

struct bpf_insn {
	uint8_t code;        /* opcode */
	uint8_t dst_reg : 4; /* destination register */
	uint8_t src_reg : 4; /* source register */
	int16_t off;         /* signed offset */
	int32_t imm;         /* signed immediate constant */
};

/* src_reg of BPF_LD | BPF_IMM | BPF_DW: what the 64-bit immediate refers to. */
#define BPF_PSEUDO_MAP_FD 1
#define BPF_PSEUDO_MAP_IDX 5
#define BPF_PSEUDO_MAP_VALUE 2
#define BPF_PSEUDO_MAP_IDX_VALUE 6
#define BPF_PSEUDO_BTF_ID 3
#define BPF_PSEUDO_FUNC 4

/* src_reg of BPF_JMP | BPF_CALL. */
#define BPF_PSEUDO_CALL 1
#define BPF_PSEUDO_KFUNC_CALL 2

/* Key of an LPM trie map: prefix length in bits, then the address bytes (old spelling). */
struct bpf_lpm_trie_key {
	uint32_t prefixlen;
	uint8_t data[0];
};

/* The header alone, and header plus byte data: the replacements for the struct above. */
struct bpf_lpm_trie_key_hdr {
	uint32_t prefixlen;
};

struct bpf_lpm_trie_key_u8 {
	union {
		struct bpf_lpm_trie_key_hdr hdr;
		uint32_t prefixlen;
	};
	uint8_t data[];
};

/* Key of the cgroup storage maps. */
struct bpf_cgroup_storage_key {
	uint64_t cgroup_inode_id;
	uint32_t attach_type;
};

/* Walk order of a cgroup iterator. */
enum bpf_cgroup_iter_order {
	BPF_CGROUP_ITER_ORDER_UNSPEC = 0,
	BPF_CGROUP_ITER_SELF_ONLY,
	BPF_CGROUP_ITER_DESCENDANTS_PRE,
	BPF_CGROUP_ITER_DESCENDANTS_POST,
	BPF_CGROUP_ITER_ANCESTORS_UP,
};

/* Iterator parameters passed with BPF_LINK_CREATE (link_create.iter_info). */
union bpf_iter_link_info {
	struct {
		uint32_t map_fd;
	} map;
	struct {
		enum bpf_cgroup_iter_order order;
		uint32_t cgroup_fd;
		uint64_t cgroup_id;
	} cgroup;
	struct {
		uint32_t tid;
		uint32_t pid;
		uint32_t pid_fd;
	} task;
};

/* bpf() commands. */
enum bpf_cmd {
	BPF_MAP_CREATE,
	BPF_MAP_LOOKUP_ELEM,
	BPF_MAP_UPDATE_ELEM,
	BPF_MAP_DELETE_ELEM,
	BPF_MAP_GET_NEXT_KEY,
	BPF_PROG_LOAD,
	BPF_OBJ_PIN,
	BPF_OBJ_GET,
	BPF_PROG_ATTACH,
	BPF_PROG_DETACH,
	BPF_PROG_TEST_RUN,
	BPF_PROG_RUN = BPF_PROG_TEST_RUN,
	BPF_PROG_GET_NEXT_ID,
	BPF_MAP_GET_NEXT_ID,
	BPF_PROG_GET_FD_BY_ID,
	BPF_MAP_GET_FD_BY_ID,
	BPF_OBJ_GET_INFO_BY_FD,
	BPF_PROG_QUERY,
	BPF_RAW_TRACEPOINT_OPEN,
	BPF_BTF_LOAD,
	BPF_BTF_GET_FD_BY_ID,
	BPF_TASK_FD_QUERY,
	BPF_MAP_LOOKUP_AND_DELETE_ELEM,
	BPF_MAP_FREEZE,
	BPF_BTF_GET_NEXT_ID,
	BPF_MAP_LOOKUP_BATCH,
	BPF_MAP_LOOKUP_AND_DELETE_BATCH,
	BPF_MAP_UPDATE_BATCH,
	BPF_MAP_DELETE_BATCH,
	BPF_LINK_CREATE,
	BPF_LINK_UPDATE,
	BPF_LINK_GET_FD_BY_ID,
	BPF_LINK_GET_NEXT_ID,
	BPF_ENABLE_STATS,
	BPF_ITER_CREATE,
	BPF_LINK_DETACH,
	BPF_PROG_BIND_MAP,
	BPF_TOKEN_CREATE,
	__MAX_BPF_CMD,
};

/* Map types. The two *_DEPRECATED names keep their old aliases. */
enum bpf_map_type {
	BPF_MAP_TYPE_UNSPEC,
	BPF_MAP_TYPE_HASH,
	BPF_MAP_TYPE_ARRAY,
	BPF_MAP_TYPE_PROG_ARRAY,
	BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	BPF_MAP_TYPE_PERCPU_HASH,
	BPF_MAP_TYPE_PERCPU_ARRAY,
	BPF_MAP_TYPE_STACK_TRACE,
	BPF_MAP_TYPE_CGROUP_ARRAY,
	BPF_MAP_TYPE_LRU_HASH,
	BPF_MAP_TYPE_LRU_PERCPU_HASH,
	BPF_MAP_TYPE_LPM_TRIE,
	BPF_MAP_TYPE_ARRAY_OF_MAPS,
	BPF_MAP_TYPE_HASH_OF_MAPS,
	BPF_MAP_TYPE_DEVMAP,
	BPF_MAP_TYPE_SOCKMAP,
	BPF_MAP_TYPE_CPUMAP,
	BPF_MAP_TYPE_XSKMAP,
	BPF_MAP_TYPE_SOCKHASH,
	BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED,
	BPF_MAP_TYPE_CGROUP_STORAGE = BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED,
	BPF_MAP_TYPE_REUSEPORT_SOCKARRAY,
	BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED,
	BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE = BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED,
	BPF_MAP_TYPE_QUEUE,
	BPF_MAP_TYPE_STACK,
	BPF_MAP_TYPE_SK_STORAGE,
	BPF_MAP_TYPE_DEVMAP_HASH,
	BPF_MAP_TYPE_STRUCT_OPS,
	BPF_MAP_TYPE_RINGBUF,
	BPF_MAP_TYPE_INODE_STORAGE,
	BPF_MAP_TYPE_TASK_STORAGE,
	BPF_MAP_TYPE_BLOOM_FILTER,
	BPF_MAP_TYPE_USER_RINGBUF,
	BPF_MAP_TYPE_CGRP_STORAGE,
	BPF_MAP_TYPE_ARENA,
	__MAX_BPF_MAP_TYPE
};

/* Program types. */
enum bpf_prog_type {
	BPF_PROG_TYPE_UNSPEC,
	BPF_PROG_TYPE_SOCKET_FILTER,
	BPF_PROG_TYPE_KPROBE,
	BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_SCHED_ACT,
	BPF_PROG_TYPE_TRACEPOINT,
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_PERF_EVENT,
	BPF_PROG_TYPE_CGROUP_SKB,
	BPF_PROG_TYPE_CGROUP_SOCK,
	BPF_PROG_TYPE_LWT_IN,
	BPF_PROG_TYPE_LWT_OUT,
	BPF_PROG_TYPE_LWT_XMIT,
	BPF_PROG_TYPE_SOCK_OPS,
	BPF_PROG_TYPE_SK_SKB,
	BPF_PROG_TYPE_CGROUP_DEVICE,
	BPF_PROG_TYPE_SK_MSG,
	BPF_PROG_TYPE_RAW_TRACEPOINT,
	BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	BPF_PROG_TYPE_LWT_SEG6LOCAL,
	BPF_PROG_TYPE_LIRC_MODE2,
	BPF_PROG_TYPE_SK_REUSEPORT,
	BPF_PROG_TYPE_FLOW_DISSECTOR,
	BPF_PROG_TYPE_CGROUP_SYSCTL,
	BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
	BPF_PROG_TYPE_CGROUP_SOCKOPT,
	BPF_PROG_TYPE_TRACING,
	BPF_PROG_TYPE_STRUCT_OPS,
	BPF_PROG_TYPE_EXT,
	BPF_PROG_TYPE_LSM,
	BPF_PROG_TYPE_SK_LOOKUP,
	BPF_PROG_TYPE_SYSCALL,
	BPF_PROG_TYPE_NETFILTER,
	__MAX_BPF_PROG_TYPE
};

/* Attach points (expected_attach_type, attach_type). */
enum bpf_attach_type {
	BPF_CGROUP_INET_INGRESS,
	BPF_CGROUP_INET_EGRESS,
	BPF_CGROUP_INET_SOCK_CREATE,
	BPF_CGROUP_SOCK_OPS,
	BPF_SK_SKB_STREAM_PARSER,
	BPF_SK_SKB_STREAM_VERDICT,
	BPF_CGROUP_DEVICE,
	BPF_SK_MSG_VERDICT,
	BPF_CGROUP_INET4_BIND,
	BPF_CGROUP_INET6_BIND,
	BPF_CGROUP_INET4_CONNECT,
	BPF_CGROUP_INET6_CONNECT,
	BPF_CGROUP_INET4_POST_BIND,
	BPF_CGROUP_INET6_POST_BIND,
	BPF_CGROUP_UDP4_SENDMSG,
	BPF_CGROUP_UDP6_SENDMSG,
	BPF_LIRC_MODE2,
	BPF_FLOW_DISSECTOR,
	BPF_CGROUP_SYSCTL,
	BPF_CGROUP_UDP4_RECVMSG,
	BPF_CGROUP_UDP6_RECVMSG,
	BPF_CGROUP_GETSOCKOPT,
	BPF_CGROUP_SETSOCKOPT,
	BPF_TRACE_RAW_TP,
	BPF_TRACE_FENTRY,
	BPF_TRACE_FEXIT,
	BPF_MODIFY_RETURN,
	BPF_LSM_MAC,
	BPF_TRACE_ITER,
	BPF_CGROUP_INET4_GETPEERNAME,
	BPF_CGROUP_INET6_GETPEERNAME,
	BPF_CGROUP_INET4_GETSOCKNAME,
	BPF_CGROUP_INET6_GETSOCKNAME,
	BPF_XDP_DEVMAP,
	BPF_CGROUP_INET_SOCK_RELEASE,
	BPF_XDP_CPUMAP,
	BPF_SK_LOOKUP,
	BPF_XDP,
	BPF_SK_SKB_VERDICT,
	BPF_SK_REUSEPORT_SELECT,
	BPF_SK_REUSEPORT_SELECT_OR_MIGRATE,
	BPF_PERF_EVENT,
	BPF_TRACE_KPROBE_MULTI,
	BPF_LSM_CGROUP,
	BPF_STRUCT_OPS,
	BPF_NETFILTER,
	BPF_TCX_INGRESS,
	BPF_TCX_EGRESS,
	BPF_TRACE_UPROBE_MULTI,
	BPF_CGROUP_UNIX_CONNECT,
	BPF_CGROUP_UNIX_SENDMSG,
	BPF_CGROUP_UNIX_RECVMSG,
	BPF_CGROUP_UNIX_GETPEERNAME,
	BPF_CGROUP_UNIX_GETSOCKNAME,
	BPF_NETKIT_PRIMARY,
	BPF_NETKIT_PEER,
	__MAX_BPF_ATTACH_TYPE
};
#define MAX_BPF_ATTACH_TYPE __MAX_BPF_ATTACH_TYPE

/* Link kinds reported by bpf_link_info.type. */
enum bpf_link_type {
	BPF_LINK_TYPE_UNSPEC = 0,
	BPF_LINK_TYPE_RAW_TRACEPOINT = 1,
	BPF_LINK_TYPE_TRACING = 2,
	BPF_LINK_TYPE_CGROUP = 3,
	BPF_LINK_TYPE_ITER = 4,
	BPF_LINK_TYPE_NETNS = 5,
	BPF_LINK_TYPE_XDP = 6,
	BPF_LINK_TYPE_PERF_EVENT = 7,
	BPF_LINK_TYPE_KPROBE_MULTI = 8,
	BPF_LINK_TYPE_STRUCT_OPS = 9,
	BPF_LINK_TYPE_NETFILTER = 10,
	BPF_LINK_TYPE_TCX = 11,
	BPF_LINK_TYPE_UPROBE_MULTI = 12,
	BPF_LINK_TYPE_NETKIT = 13,
	__MAX_BPF_LINK_TYPE,
};
#define MAX_BPF_LINK_TYPE __MAX_BPF_LINK_TYPE

/* What a perf_event link is attached to. */
enum bpf_perf_event_type {
	BPF_PERF_EVENT_UNSPEC = 0,
	BPF_PERF_EVENT_UPROBE = 1,
	BPF_PERF_EVENT_URETPROBE = 2,
	BPF_PERF_EVENT_KPROBE = 3,
	BPF_PERF_EVENT_KRETPROBE = 4,
	BPF_PERF_EVENT_TRACEPOINT = 5,
	BPF_PERF_EVENT_EVENT = 6,
};

/* BPF_PROG_ATTACH / BPF_LINK_CREATE flags (cgroups, tcx, netkit ordering). */
#define BPF_F_ALLOW_OVERRIDE (1U << 0)
#define BPF_F_ALLOW_MULTI (1U << 1)
#define BPF_F_REPLACE (1U << 2)
#define BPF_F_BEFORE (1U << 3)
#define BPF_F_AFTER (1U << 4)
#define BPF_F_ID (1U << 5)
#define BPF_F_LINK BPF_F_LINK

/* BPF_PROG_LOAD prog_flags. */
#define BPF_F_STRICT_ALIGNMENT (1U << 0)
#define BPF_F_ANY_ALIGNMENT (1U << 1)
#define BPF_F_TEST_RND_HI32 (1U << 2)
#define BPF_F_TEST_STATE_FREQ (1U << 3)
#define BPF_F_SLEEPABLE (1U << 4)
#define BPF_F_XDP_HAS_FRAGS (1U << 5)
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#define BPF_F_TEST_REG_INVARIANTS (1U << 7)

/* link_create.kprobe_multi.flags / uprobe_multi.flags. */
enum { BPF_F_KPROBE_MULTI_RETURN = (1U << 0) };

enum { BPF_F_UPROBE_MULTI_RETURN = (1U << 0) };

/* link_create.netfilter.flags. */
#define BPF_F_NETFILTER_IP_DEFRAG (1U << 0)

/* BPF_MAP_UPDATE_ELEM (and lookup) flags. */
enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_EXIST = 2,
	BPF_F_LOCK = 4,
};

/* BPF_MAP_CREATE map_flags and BPF_OBJ_* file_flags. */
enum {
	BPF_F_NO_PREALLOC = (1U << 0),
	BPF_F_NO_COMMON_LRU = (1U << 1),
	BPF_F_NUMA_NODE = (1U << 2),
	BPF_F_RDONLY = (1U << 3),
	BPF_F_WRONLY = (1U << 4),
	BPF_F_STACK_BUILD_ID = (1U << 5),
	BPF_F_ZERO_SEED = (1U << 6),
	BPF_F_RDONLY_PROG = (1U << 7),
	BPF_F_WRONLY_PROG = (1U << 8),
	BPF_F_CLONE = (1U << 9),
	BPF_F_MMAPABLE = (1U << 10),
	BPF_F_PRESERVE_ELEMS = (1U << 11),
	BPF_F_INNER_MAP = (1U << 12),
	BPF_F_LINK = (1U << 13),
	BPF_F_PATH_FD = (1U << 14),
	BPF_F_VTYPE_BTF_OBJ_FD = (1U << 15),
	BPF_F_TOKEN_FD = (1U << 16),
	BPF_F_SEGV_ON_FAULT = (1U << 17), /* arena */
	BPF_F_NO_USER_CONV = (1U << 18),  /* arena */
};

/* BPF_PROG_QUERY query_flags. */
#define BPF_F_QUERY_EFFECTIVE (1U << 0)

/* BPF_PROG_TEST_RUN flags. */
#define BPF_F_TEST_RUN_ON_CPU (1U << 0)
#define BPF_F_TEST_XDP_LIVE_FRAMES (1U << 1)
#define BPF_F_TEST_SKB_CHECKSUM_COMPLETE (1U << 2) /* newer than the seed; in stable headers */

/* BPF_ENABLE_STATS type. */
enum bpf_stats_type {
	BPF_STATS_RUN_TIME = 0,
};

/* Entry of a BPF_F_STACK_BUILD_ID stack map. */
enum bpf_stack_build_id_status {
	BPF_STACK_BUILD_ID_EMPTY = 0,
	BPF_STACK_BUILD_ID_VALID = 1,
	BPF_STACK_BUILD_ID_IP = 2,
};
#define BPF_BUILD_ID_SIZE 20

struct bpf_stack_build_id {
	int32_t status;
	unsigned char build_id[BPF_BUILD_ID_SIZE];
	union {
		uint64_t offset;
		uint64_t ip;
	};
};

/* Length of map_name / prog_name, NUL included. */
#define BPF_OBJ_NAME_LEN 16U

/* Argument of every bpf() command: one member (mostly anonymous) per command group. */
union bpf_attr {
	struct { /* BPF_MAP_CREATE */
		uint32_t map_type;
		uint32_t key_size;
		uint32_t value_size;
		uint32_t max_entries;
		uint32_t map_flags;
		uint32_t inner_map_fd;
		uint32_t numa_node;
		char map_name[BPF_OBJ_NAME_LEN];
		uint32_t map_ifindex;
		uint32_t btf_fd;
		uint32_t btf_key_type_id;
		uint32_t btf_value_type_id;
		uint32_t btf_vmlinux_value_type_id;
		uint64_t map_extra;
		int32_t value_type_btf_obj_fd;
		int32_t map_token_fd;
	};
	struct { /* BPF_MAP_*_ELEM, BPF_MAP_GET_NEXT_KEY */
		uint32_t map_fd;
		userbpf_aligned_u64 key;
		union {
			userbpf_aligned_u64 value;
			userbpf_aligned_u64 next_key;
		};
		uint64_t flags;
	};
	struct {
		userbpf_aligned_u64 in_batch;
		userbpf_aligned_u64 out_batch;
		userbpf_aligned_u64 keys;
		userbpf_aligned_u64 values;
		uint32_t count;
		uint32_t map_fd;
		uint64_t elem_flags;
		uint64_t flags;
	} batch;
	struct { /* BPF_PROG_LOAD */
		uint32_t prog_type;
		uint32_t insn_cnt;
		userbpf_aligned_u64 insns;
		userbpf_aligned_u64 license;
		uint32_t log_level;
		uint32_t log_size;
		userbpf_aligned_u64 log_buf;
		uint32_t kern_version;
		uint32_t prog_flags;
		char prog_name[BPF_OBJ_NAME_LEN];
		uint32_t prog_ifindex;
		uint32_t expected_attach_type;
		uint32_t prog_btf_fd;
		uint32_t func_info_rec_size;
		userbpf_aligned_u64 func_info;
		uint32_t func_info_cnt;
		uint32_t line_info_rec_size;
		userbpf_aligned_u64 line_info;
		uint32_t line_info_cnt;
		uint32_t attach_btf_id;
		union {
			uint32_t attach_prog_fd;
			uint32_t attach_btf_obj_fd;
		};
		uint32_t core_relo_cnt;
		userbpf_aligned_u64 fd_array;
		userbpf_aligned_u64 core_relos;
		uint32_t core_relo_rec_size;
		uint32_t log_true_size;
		int32_t prog_token_fd;
	};
	struct { /* BPF_OBJ_PIN, BPF_OBJ_GET */
		userbpf_aligned_u64 pathname;
		uint32_t bpf_fd;
		uint32_t file_flags;
		int32_t path_fd;
	};
	struct { /* BPF_PROG_ATTACH, BPF_PROG_DETACH */
		union {
			uint32_t target_fd;
			uint32_t target_ifindex;
		};
		uint32_t attach_bpf_fd;
		uint32_t attach_type;
		uint32_t attach_flags;
		uint32_t replace_bpf_fd;
		union {
			uint32_t relative_fd;
			uint32_t relative_id;
		};
		uint64_t expected_revision;
	};
	struct { /* BPF_PROG_TEST_RUN */
		uint32_t prog_fd;
		uint32_t retval;
		uint32_t data_size_in;
		uint32_t data_size_out;
		userbpf_aligned_u64 data_in;
		userbpf_aligned_u64 data_out;
		uint32_t repeat;
		uint32_t duration;
		uint32_t ctx_size_in;
		uint32_t ctx_size_out;
		userbpf_aligned_u64 ctx_in;
		userbpf_aligned_u64 ctx_out;
		uint32_t flags;
		uint32_t cpu;
		uint32_t batch_size;
	} test;
	struct { /* BPF_*_GET_NEXT_ID, BPF_*_GET_FD_BY_ID */
		union {
			uint32_t start_id;
			uint32_t prog_id;
			uint32_t map_id;
			uint32_t btf_id;
			uint32_t link_id;
		};
		uint32_t next_id;
		uint32_t open_flags;
	};
	struct { /* BPF_OBJ_GET_INFO_BY_FD */
		uint32_t bpf_fd;
		uint32_t info_len;
		userbpf_aligned_u64 info;
	} info;
	struct { /* BPF_PROG_QUERY */
		union {
			uint32_t target_fd;
			uint32_t target_ifindex;
		};
		uint32_t attach_type;
		uint32_t query_flags;
		uint32_t attach_flags;
		userbpf_aligned_u64 prog_ids;
		union {
			uint32_t prog_cnt;
			uint32_t count;
		};
		uint32_t : 32;
		userbpf_aligned_u64 prog_attach_flags;
		userbpf_aligned_u64 link_ids;
		userbpf_aligned_u64 link_attach_flags;
		uint64_t revision;
	} query;
	struct { /* BPF_RAW_TRACEPOINT_OPEN */
		uint64_t name;
		uint32_t prog_fd;
	} raw_tracepoint;
	struct { /* BPF_BTF_LOAD */
		userbpf_aligned_u64 btf;
		userbpf_aligned_u64 btf_log_buf;
		uint32_t btf_size;
		uint32_t btf_log_size;
		uint32_t btf_log_level;
		uint32_t btf_log_true_size;
		uint32_t btf_flags;
		int32_t btf_token_fd;
	};
	struct { /* BPF_TASK_FD_QUERY */
		uint32_t pid;
		uint32_t fd;
		uint32_t flags;
		uint32_t buf_len;
		userbpf_aligned_u64 buf;
		uint32_t prog_id;
		uint32_t fd_type;
		uint64_t probe_offset;
		uint64_t probe_addr;
	} task_fd_query;
	struct { /* BPF_LINK_CREATE */
		union {
			uint32_t prog_fd;
			uint32_t map_fd;
		};
		union {
			uint32_t target_fd;
			uint32_t target_ifindex;
		};
		uint32_t attach_type;
		uint32_t flags;
		union {
			uint32_t target_btf_id;
			struct {
				userbpf_aligned_u64 iter_info;
				uint32_t iter_info_len;
			};
			struct {
				uint64_t bpf_cookie;
			} perf_event;
			struct {
				uint32_t flags;
				uint32_t cnt;
				userbpf_aligned_u64 syms;
				userbpf_aligned_u64 addrs;
				userbpf_aligned_u64 cookies;
			} kprobe_multi;
			struct {
				uint32_t target_btf_id;
				uint64_t cookie;
			} tracing;
			struct {
				uint32_t pf;
				uint32_t hooknum;
				int32_t priority;
				uint32_t flags;
			} netfilter;
			struct {
				union {
					uint32_t relative_fd;
					uint32_t relative_id;
				};
				uint64_t expected_revision;
			} tcx;
			struct {
				userbpf_aligned_u64 path;
				userbpf_aligned_u64 offsets;
				userbpf_aligned_u64 ref_ctr_offsets;
				userbpf_aligned_u64 cookies;
				uint32_t cnt;
				uint32_t flags;
				uint32_t pid;
			} uprobe_multi;
			struct {
				union {
					uint32_t relative_fd;
					uint32_t relative_id;
				};
				uint64_t expected_revision;
			} netkit;
		};
	} link_create;
	struct { /* BPF_LINK_UPDATE */
		uint32_t link_fd;
		union {
			uint32_t new_prog_fd;
			uint32_t new_map_fd;
		};
		uint32_t flags;
		union {
			uint32_t old_prog_fd;
			uint32_t old_map_fd;
		};
	} link_update;
	struct { /* BPF_LINK_DETACH */
		uint32_t link_fd;
	} link_detach;
	struct { /* BPF_ENABLE_STATS */
		uint32_t type;
	} enable_stats;
	struct { /* BPF_ITER_CREATE */
		uint32_t link_fd;
		uint32_t flags;
	} iter_create;
	struct { /* BPF_PROG_BIND_MAP */
		uint32_t prog_fd;
		uint32_t map_fd;
		uint32_t flags;
	} prog_bind_map;
	struct { /* BPF_TOKEN_CREATE */
		uint32_t flags;
		uint32_t bpffs_fd;
	} token_create;
} __attribute__((aligned(8)));
/* Helper ids, numbered by USERBPF_FUNC_MAPPER. */
#define USERBPF_FUNC_ENUM_(id, name) BPF_FUNC_##name = id,
/* clang-format off */
enum bpf_func_id {
	USERBPF_FUNC_MAPPER(USERBPF_FUNC_ENUM_)
	__BPF_FUNC_MAX_ID,
};
/* clang-format on */
#undef USERBPF_FUNC_ENUM_

/* Helper flags: checksum, tunnel, stack, perf, adjust-room, storage, ring buffer, ... */
enum {
	BPF_F_RECOMPUTE_CSUM = (1ULL << 0),
	BPF_F_INVALIDATE_HASH = (1ULL << 1),
};

enum {
	BPF_F_HDR_FIELD_MASK = 0xfULL,
};

enum {
	BPF_F_PSEUDO_HDR = (1ULL << 4),
	BPF_F_MARK_MANGLED_0 = (1ULL << 5),
	BPF_F_MARK_ENFORCE = (1ULL << 6),
	BPF_F_IPV6 = (1ULL << 7),
};

enum {
	BPF_F_TUNINFO_IPV6 = (1ULL << 0),
};

enum {
	BPF_F_SKIP_FIELD_MASK = 0xffULL,
	BPF_F_USER_STACK = (1ULL << 8),
	BPF_F_FAST_STACK_CMP = (1ULL << 9),
	BPF_F_REUSE_STACKID = (1ULL << 10),
	BPF_F_USER_BUILD_ID = (1ULL << 11),
};

enum {
	BPF_F_ZERO_CSUM_TX = (1ULL << 1),
	BPF_F_DONT_FRAGMENT = (1ULL << 2),
	BPF_F_SEQ_NUMBER = (1ULL << 3),
	BPF_F_NO_TUNNEL_KEY = (1ULL << 4),
};

enum {
	BPF_F_TUNINFO_FLAGS = (1ULL << 4),
};

enum {
	BPF_F_INDEX_MASK = 0xffffffffULL,
	BPF_F_CURRENT_CPU = BPF_F_INDEX_MASK,
	BPF_F_CTXLEN_MASK = (0xfffffULL << 32),
};

enum {
	BPF_F_CURRENT_NETNS = (-1L),
};

enum {
	BPF_CSUM_LEVEL_QUERY,
	BPF_CSUM_LEVEL_INC,
	BPF_CSUM_LEVEL_DEC,
	BPF_CSUM_LEVEL_RESET,
};

enum {
	BPF_F_ADJ_ROOM_FIXED_GSO = (1ULL << 0),
	BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 = (1ULL << 1),
	BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 = (1ULL << 2),
	BPF_F_ADJ_ROOM_ENCAP_L4_GRE = (1ULL << 3),
	BPF_F_ADJ_ROOM_ENCAP_L4_UDP = (1ULL << 4),
	BPF_F_ADJ_ROOM_NO_CSUM_RESET = (1ULL << 5),
	BPF_F_ADJ_ROOM_ENCAP_L2_ETH = (1ULL << 6),
	BPF_F_ADJ_ROOM_DECAP_L3_IPV4 = (1ULL << 7),
	BPF_F_ADJ_ROOM_DECAP_L3_IPV6 = (1ULL << 8),
};

enum {
	BPF_ADJ_ROOM_ENCAP_L2_MASK = 0xff,
	BPF_ADJ_ROOM_ENCAP_L2_SHIFT = 56,
};
#define BPF_F_ADJ_ROOM_ENCAP_L2(len)                                                               \
	(((uint64_t)(len)&BPF_ADJ_ROOM_ENCAP_L2_MASK) << BPF_ADJ_ROOM_ENCAP_L2_SHIFT)

enum {
	BPF_F_SYSCTL_BASE_NAME = (1ULL << 0),
};

enum {
	BPF_LOCAL_STORAGE_GET_F_CREATE = (1ULL << 0),
	BPF_SK_STORAGE_GET_F_CREATE = BPF_LOCAL_STORAGE_GET_F_CREATE,
};

enum {
	BPF_F_GET_BRANCH_RECORDS_SIZE = (1ULL << 0),
};

enum {
	BPF_RB_NO_WAKEUP = (1ULL << 0),
	BPF_RB_FORCE_WAKEUP = (1ULL << 1),
};

enum {
	BPF_RB_AVAIL_DATA = 0,
	BPF_RB_RING_SIZE = 1,
	BPF_RB_CONS_POS = 2,
	BPF_RB_PROD_POS = 3,
};

enum {
	BPF_RINGBUF_BUSY_BIT = (1U << 31),
	BPF_RINGBUF_DISCARD_BIT = (1U << 30),
	BPF_RINGBUF_HDR_SZ = 8,
};

enum {
	BPF_SK_LOOKUP_F_REPLACE = (1ULL << 0),
	BPF_SK_LOOKUP_F_NO_REUSEPORT = (1ULL << 1),
};

/* bpf_skb_adjust_room() mode. */
enum bpf_adj_room_mode {
	BPF_ADJ_ROOM_NET,
	BPF_ADJ_ROOM_MAC,
};

/* bpf_skb_load_bytes_relative() base. */
enum bpf_hdr_start_off {
	BPF_HDR_START_MAC,
	BPF_HDR_START_NET,
};

/* bpf_lwt_push_encap() mode. */
enum bpf_lwt_encap_mode {
	BPF_LWT_ENCAP_SEG6,
	BPF_LWT_ENCAP_SEG6_INLINE,
	BPF_LWT_ENCAP_IP,
};

enum {
	BPF_F_BPRM_SECUREEXEC = (1ULL << 0),
};

enum {
	BPF_F_INGRESS = (1ULL << 0),
	BPF_F_BROADCAST = (1ULL << 3),
	BPF_F_EXCLUDE_INGRESS = (1ULL << 4),
};
#define BPF_F_REDIRECT_FLAGS (BPF_F_INGRESS | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS)

/* __sk_buff.tstamp_type. */
enum {
	BPF_SKB_TSTAMP_UNSPEC,
	BPF_SKB_TSTAMP_DELIVERY_MONO,
};

/* Context of socket filter, tc, cgroup skb, lwt, sk_skb and flow dissector programs. */
struct __sk_buff {
	uint32_t len;
	uint32_t pkt_type;
	uint32_t mark;
	uint32_t queue_mapping;
	uint32_t protocol;
	uint32_t vlan_present;
	uint32_t vlan_tci;
	uint32_t vlan_proto;
	uint32_t priority;
	uint32_t ingress_ifindex;
	uint32_t ifindex;
	uint32_t tc_index;
	uint32_t cb[5];
	uint32_t hash;
	uint32_t tc_classid;
	uint32_t data;
	uint32_t data_end;
	uint32_t napi_id;
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t data_meta;
	USERBPF_MD_PTR(struct bpf_flow_keys *, flow_keys);
	uint64_t tstamp;
	uint32_t wire_len;
	uint32_t gso_segs;
	USERBPF_MD_PTR(struct bpf_sock *, sk);
	uint32_t gso_size;
	uint8_t tstamp_type;
	uint32_t : 24;
	uint64_t hwtstamp;
};

/* bpf_skb_get/set_tunnel_key() argument. */
struct bpf_tunnel_key {
	uint32_t tunnel_id;
	union {
		uint32_t remote_ipv4;
		uint32_t remote_ipv6[4];
	};
	uint8_t tunnel_tos;
	uint8_t tunnel_ttl;
	union {
		uint16_t tunnel_ext;
		uint16_t tunnel_flags;
	};
	uint32_t tunnel_label;
	union {
		uint32_t local_ipv4;
		uint32_t local_ipv6[4];
	};
};

/* bpf_skb_get_xfrm_state() result. */
struct bpf_xfrm_state {
	uint32_t reqid;
	uint32_t spi;
	uint16_t family;
	uint16_t ext;
	union {
		uint32_t remote_ipv4;
		uint32_t remote_ipv6[4];
	};
};

/* Return codes of lwt and flow dissector programs. */
enum bpf_ret_code {
	BPF_OK = 0,
	BPF_DROP = 2,
	BPF_REDIRECT = 7,
	BPF_LWT_REROUTE = 128,
	BPF_FLOW_DISSECTOR_CONTINUE = 129,
};

/* Read-only socket view (__sk_buff.sk, bpf_sk_lookup_*()). */
struct bpf_sock {
	uint32_t bound_dev_if;
	uint32_t family;
	uint32_t type;
	uint32_t protocol;
	uint32_t mark;
	uint32_t priority;
	uint32_t src_ip4;
	uint32_t src_ip6[4];
	uint32_t src_port;
	uint16_t dst_port;
	uint16_t : 16;
	uint32_t dst_ip4;
	uint32_t dst_ip6[4];
	uint32_t state;
	int32_t rx_queue_mapping;
};

/* TCP fields of a socket (bpf_tcp_sock()). */
struct bpf_tcp_sock {
	uint32_t snd_cwnd;
	uint32_t srtt_us;
	uint32_t rtt_min;
	uint32_t snd_ssthresh;
	uint32_t rcv_nxt;
	uint32_t snd_nxt;
	uint32_t snd_una;
	uint32_t mss_cache;
	uint32_t ecn_flags;
	uint32_t rate_delivered;
	uint32_t rate_interval_us;
	uint32_t packets_out;
	uint32_t retrans_out;
	uint32_t total_retrans;
	uint32_t segs_in;
	uint32_t data_segs_in;
	uint32_t segs_out;
	uint32_t data_segs_out;
	uint32_t lost_out;
	uint32_t sacked_out;
	uint64_t bytes_received;
	uint64_t bytes_acked;
	uint32_t dsack_dups;
	uint32_t delivered;
	uint32_t delivered_ce;
	uint32_t icsk_retransmits;
};

/* Lookup key of bpf_sk_lookup_tcp/udp(). */
struct bpf_sock_tuple {
	union {
		struct {
			uint32_t saddr;
			uint32_t daddr;
			uint16_t sport;
			uint16_t dport;
		} ipv4;
		struct {
			uint32_t saddr[4];
			uint32_t daddr[4];
			uint16_t sport;
			uint16_t dport;
		} ipv6;
	};
};

/* AF_XDP socket view (bpf_xdp_sock()). */
struct bpf_xdp_sock {
	uint32_t queue_id;
};

/* XDP: headroom before the packet, verdicts and the context. */
#define XDP_PACKET_HEADROOM 256

enum xdp_action {
	XDP_ABORTED = 0,
	XDP_DROP,
	XDP_PASS,
	XDP_TX,
	XDP_REDIRECT,
};

struct xdp_md {
	uint32_t data;
	uint32_t data_end;
	uint32_t data_meta;
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex;
};

/* Values of devmap and cpumap entries: target plus an optional program. */
struct bpf_devmap_val {
	uint32_t ifindex;
	union {
		int fd;
		uint32_t id;
	} bpf_prog;
};

struct bpf_cpumap_val {
	uint32_t qsize;
	union {
		int fd;
		uint32_t id;
	} bpf_prog;
};

/* Verdicts of sk_skb, sk_msg and sk_reuseport programs. */
enum sk_action {
	SK_DROP = 0,
	SK_PASS,
};

/* Context of sk_msg programs. */
struct sk_msg_md {
	USERBPF_MD_PTR(void *, data);
	USERBPF_MD_PTR(void *, data_end);
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t size;
	USERBPF_MD_PTR(struct bpf_sock *, sk);
};

/* Context of sk_reuseport programs. */
struct sk_reuseport_md {
	USERBPF_MD_PTR(void *, data);
	USERBPF_MD_PTR(void *, data_end);
	uint32_t len;
	uint32_t eth_protocol;
	uint32_t ip_protocol;
	uint32_t bind_inany;
	uint32_t hash;
	USERBPF_MD_PTR(struct bpf_sock *, sk);
	USERBPF_MD_PTR(struct bpf_sock *, migrating_sk);
};

/* BPF_OBJ_GET_INFO_BY_FD results: program, map, BTF object, link. */
#define BPF_TAG_SIZE 8

struct bpf_prog_info {
	uint32_t type;
	uint32_t id;
	uint8_t tag[BPF_TAG_SIZE];
	uint32_t jited_prog_len;
	uint32_t xlated_prog_len;
	userbpf_aligned_u64 jited_prog_insns;
	userbpf_aligned_u64 xlated_prog_insns;
	uint64_t load_time;
	uint32_t created_by_uid;
	uint32_t nr_map_ids;
	userbpf_aligned_u64 map_ids;
	char name[BPF_OBJ_NAME_LEN];
	uint32_t ifindex;
	uint32_t gpl_compatible : 1;
	uint32_t : 31;
	uint64_t netns_dev;
	uint64_t netns_ino;
	uint32_t nr_jited_ksyms;
	uint32_t nr_jited_func_lens;
	userbpf_aligned_u64 jited_ksyms;
	userbpf_aligned_u64 jited_func_lens;
	uint32_t btf_id;
	uint32_t func_info_rec_size;
	userbpf_aligned_u64 func_info;
	uint32_t nr_func_info;
	uint32_t nr_line_info;
	userbpf_aligned_u64 line_info;
	userbpf_aligned_u64 jited_line_info;
	uint32_t nr_jited_line_info;
	uint32_t line_info_rec_size;
	uint32_t jited_line_info_rec_size;
	uint32_t nr_prog_tags;
	userbpf_aligned_u64 prog_tags;
	uint64_t run_time_ns;
	uint64_t run_cnt;
	uint64_t recursion_misses;
	uint32_t verified_insns;
	uint32_t attach_btf_obj_id;
	uint32_t attach_btf_id;
	uint32_t : 32;
} __attribute__((aligned(8)));

struct bpf_map_info {
	uint32_t type;
	uint32_t id;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	char name[BPF_OBJ_NAME_LEN];
	uint32_t ifindex;
	uint32_t btf_vmlinux_value_type_id;
	uint64_t netns_dev;
	uint64_t netns_ino;
	uint32_t btf_id;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	uint32_t btf_vmlinux_id;
	uint64_t map_extra;
	userbpf_aligned_u64 hash; /* 6.18: in, where a frozen array's SHA-256 goes */
	uint32_t hash_size;       /* 6.18: in, must be 32 when hash is set */
} __attribute__((aligned(8)));

struct bpf_btf_info {
	userbpf_aligned_u64 btf;
	uint32_t btf_size;
	uint32_t id;
	userbpf_aligned_u64 name;
	uint32_t name_len;
	uint32_t kernel_btf;
} __attribute__((aligned(8)));

struct bpf_link_info {
	uint32_t type;
	uint32_t id;
	uint32_t prog_id;
	union {
		struct {
			userbpf_aligned_u64 tp_name;
			uint32_t tp_name_len;
		} raw_tracepoint;
		struct {
			uint32_t attach_type;
			uint32_t target_obj_id;
			uint32_t target_btf_id;
		} tracing;
		struct {
			uint64_t cgroup_id;
			uint32_t attach_type;
		} cgroup;
		struct {
			userbpf_aligned_u64 target_name;
			uint32_t target_name_len;
			union {
				struct {
					uint32_t map_id;
				} map;
			};
			union {
				struct {
					uint64_t cgroup_id;
					uint32_t order;
				} cgroup;
				struct {
					uint32_t tid;
					uint32_t pid;
				} task;
			};
		} iter;
		struct {
			uint32_t netns_ino;
			uint32_t attach_type;
		} netns;
		struct {
			uint32_t ifindex;
		} xdp;
		struct {
			uint32_t map_id;
		} struct_ops;
		struct {
			uint32_t pf;
			uint32_t hooknum;
			int32_t priority;
			uint32_t flags;
		} netfilter;
		struct {
			userbpf_aligned_u64 addrs;
			uint32_t count;
			uint32_t flags;
			uint64_t missed;
			userbpf_aligned_u64 cookies;
		} kprobe_multi;
		struct {
			userbpf_aligned_u64 path;
			userbpf_aligned_u64 offsets;
			userbpf_aligned_u64 ref_ctr_offsets;
			userbpf_aligned_u64 cookies;
			uint32_t path_size;
			uint32_t count;
			uint32_t flags;
			uint32_t pid;
		} uprobe_multi;
		struct {
			uint32_t type; /* enum bpf_perf_event_type */
			uint32_t : 32;
			union {
				struct {
					userbpf_aligned_u64 file_name;
					uint32_t name_len;
					uint32_t offset;
					uint64_t cookie;
				} uprobe;
				struct {
					userbpf_aligned_u64 func_name;
					uint32_t name_len;
					uint32_t offset;
					uint64_t addr;
					uint64_t missed;
					uint64_t cookie;
				} kprobe;
				struct {
					userbpf_aligned_u64 tp_name;
					uint32_t name_len;
					uint32_t : 32;
					uint64_t cookie;
				} tracepoint;
				struct {
					uint64_t config;
					uint32_t type;
					uint32_t : 32;
					uint64_t cookie;
				} event;
			};
		} perf_event;
		struct {
			uint32_t ifindex;
			uint32_t attach_type;
		} tcx;
		struct {
			uint32_t ifindex;
			uint32_t attach_type;
		} netkit;
	};
} __attribute__((aligned(8)));

/* Context of cgroup sock_addr programs (bind, connect, sendmsg, ...). */
struct bpf_sock_addr {
	uint32_t user_family;
	uint32_t user_ip4;
	uint32_t user_ip6[4];
	uint32_t user_port;
	uint32_t family;
	uint32_t type;
	uint32_t protocol;
	uint32_t msg_src_ip4;
	uint32_t msg_src_ip6[4];
	USERBPF_MD_PTR(struct bpf_sock *, sk);
};

/* Context of sock_ops programs. */
struct bpf_sock_ops {
	uint32_t op;
	union {
		uint32_t args[4];
		uint32_t reply;
		uint32_t replylong[4];
	};
	uint32_t family;
	uint32_t remote_ip4;
	uint32_t local_ip4;
	uint32_t remote_ip6[4];
	uint32_t local_ip6[4];
	uint32_t remote_port;
	uint32_t local_port;
	uint32_t is_fullsock;
	uint32_t snd_cwnd;
	uint32_t srtt_us;
	uint32_t bpf_sock_ops_cb_flags;
	uint32_t state;
	uint32_t rtt_min;
	uint32_t snd_ssthresh;
	uint32_t rcv_nxt;
	uint32_t snd_nxt;
	uint32_t snd_una;
	uint32_t mss_cache;
	uint32_t ecn_flags;
	uint32_t rate_delivered;
	uint32_t rate_interval_us;
	uint32_t packets_out;
	uint32_t retrans_out;
	uint32_t total_retrans;
	uint32_t segs_in;
	uint32_t data_segs_in;
	uint32_t segs_out;
	uint32_t data_segs_out;
	uint32_t lost_out;
	uint32_t sacked_out;
	uint32_t sk_txhash;
	uint64_t bytes_received;
	uint64_t bytes_acked;
	USERBPF_MD_PTR(struct bpf_sock *, sk);
	USERBPF_MD_PTR(void *, skb_data);
	USERBPF_MD_PTR(void *, skb_data_end);
	uint32_t skb_len;
	uint32_t skb_tcp_flags;
	uint64_t skb_hwtstamp;
};

/* bpf_sock_ops_cb_flags_set() bits. */
enum {
	BPF_SOCK_OPS_RTO_CB_FLAG = (1 << 0),
	BPF_SOCK_OPS_RETRANS_CB_FLAG = (1 << 1),
	BPF_SOCK_OPS_STATE_CB_FLAG = (1 << 2),
	BPF_SOCK_OPS_RTT_CB_FLAG = (1 << 3),
	BPF_SOCK_OPS_PARSE_ALL_HDR_OPT_CB_FLAG = (1 << 4),
	BPF_SOCK_OPS_PARSE_UNKNOWN_HDR_OPT_CB_FLAG = (1 << 5),
	BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG = (1 << 6),
	BPF_SOCK_OPS_ALL_CB_FLAGS = 0x7F,
};

/* bpf_sock_ops.op values. */
enum {
	BPF_SOCK_OPS_VOID,
	BPF_SOCK_OPS_TIMEOUT_INIT,
	BPF_SOCK_OPS_RWND_INIT,
	BPF_SOCK_OPS_TCP_CONNECT_CB,
	BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB,
	BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB,
	BPF_SOCK_OPS_NEEDS_ECN,
	BPF_SOCK_OPS_BASE_RTT,
	BPF_SOCK_OPS_RTO_CB,
	BPF_SOCK_OPS_RETRANS_CB,
	BPF_SOCK_OPS_STATE_CB,
	BPF_SOCK_OPS_TCP_LISTEN_CB,
	BPF_SOCK_OPS_RTT_CB,
	BPF_SOCK_OPS_PARSE_HDR_OPT_CB,
	BPF_SOCK_OPS_HDR_OPT_LEN_CB,
	BPF_SOCK_OPS_WRITE_HDR_OPT_CB,
};

/* bpf_sock_ops.state, bpf_sock.state: TCP states. */
enum {
	BPF_TCP_ESTABLISHED = 1,
	BPF_TCP_SYN_SENT,
	BPF_TCP_SYN_RECV,
	BPF_TCP_FIN_WAIT1,
	BPF_TCP_FIN_WAIT2,
	BPF_TCP_TIME_WAIT,
	BPF_TCP_CLOSE,
	BPF_TCP_CLOSE_WAIT,
	BPF_TCP_LAST_ACK,
	BPF_TCP_LISTEN,
	BPF_TCP_CLOSING,
	BPF_TCP_NEW_SYN_RECV,
	BPF_TCP_BOUND_INACTIVE,
	BPF_TCP_MAX_STATES
};

/* Extra TCP options for bpf_setsockopt() from sock_ops. */
enum {
	TCP_BPF_IW = 1001,
	TCP_BPF_SNDCWND_CLAMP = 1002,
	TCP_BPF_DELACK_MAX = 1003,
	TCP_BPF_RTO_MIN = 1004,
	TCP_BPF_SYN = 1005,
	TCP_BPF_SYN_IP = 1006,
	TCP_BPF_SYN_MAC = 1007,
};

/* TCP header option helpers. */
enum {
	BPF_LOAD_HDR_OPT_TCP_SYN = (1ULL << 0),
};

enum {
	BPF_WRITE_HDR_TCP_CURRENT_MSS = 1,
	BPF_WRITE_HDR_TCP_SYNACK_COOKIE = 2,
};

/* bpf_perf_event_read_value() result. */
struct bpf_perf_event_value {
	uint64_t counter;
	uint64_t enabled;
	uint64_t running;
};

/* bpf_cgroup_dev_ctx.access_type: access bits (low 16) and device kind (high 16). */
enum {
	BPF_DEVCG_ACC_MKNOD = (1ULL << 0),
	BPF_DEVCG_ACC_READ = (1ULL << 1),
	BPF_DEVCG_ACC_WRITE = (1ULL << 2),
};

enum {
	BPF_DEVCG_DEV_BLOCK = (1ULL << 0),
	BPF_DEVCG_DEV_CHAR = (1ULL << 1),
};

/* Context of cgroup device programs. */
struct bpf_cgroup_dev_ctx {
	uint32_t access_type;
	uint32_t major;
	uint32_t minor;
};

/* Context of raw tracepoint programs. */
struct bpf_raw_tracepoint_args {
	uint64_t args[0];
};

/* bpf_fib_lookup() flags and results. */
enum {
	BPF_FIB_LOOKUP_DIRECT = (1U << 0),
	BPF_FIB_LOOKUP_OUTPUT = (1U << 1),
	BPF_FIB_LOOKUP_SKIP_NEIGH = (1U << 2),
	BPF_FIB_LOOKUP_TBID = (1U << 3),
	BPF_FIB_LOOKUP_SRC = (1U << 4),
	BPF_FIB_LOOKUP_MARK = (1U << 5),
};

enum {
	BPF_FIB_LKUP_RET_SUCCESS,
	BPF_FIB_LKUP_RET_BLACKHOLE,
	BPF_FIB_LKUP_RET_UNREACHABLE,
	BPF_FIB_LKUP_RET_PROHIBIT,
	BPF_FIB_LKUP_RET_NOT_FWDED,
	BPF_FIB_LKUP_RET_FWD_DISABLED,
	BPF_FIB_LKUP_RET_UNSUPP_LWT,
	BPF_FIB_LKUP_RET_NO_NEIGH,
	BPF_FIB_LKUP_RET_FRAG_NEEDED,
	BPF_FIB_LKUP_RET_NO_SRC_ADDR,
};

/* bpf_fib_lookup() parameters and result. */
struct bpf_fib_lookup {
	uint8_t family;
	uint8_t l4_protocol;
	uint16_t sport;
	uint16_t dport;
	union {
		uint16_t tot_len;
		uint16_t mtu_result;
	} __attribute__((packed, aligned(2)));
	uint32_t ifindex;
	union {
		uint8_t tos;
		uint32_t flowinfo;
		uint32_t rt_metric;
	};
	union {
		uint32_t ipv4_src;
		uint32_t ipv6_src[4];
	};
	union {
		uint32_t ipv4_dst;
		uint32_t ipv6_dst[4];
	};
	union {
		struct {
			uint16_t h_vlan_proto;
			uint16_t h_vlan_TCI;
		};
		uint32_t tbid;
	};
	union {
		struct {
			uint32_t mark; /* in: policy routing mark */
		};
		struct {
			uint8_t smac[6]; /* out: source and destination MAC */
			uint8_t dmac[6];
		};
	};
};

/* bpf_redirect_neigh() next hop. */
struct bpf_redir_neigh {
	uint32_t nh_family;
	union {
		uint32_t ipv4_nh;
		uint32_t ipv6_nh[4];
	};
};

/* bpf_check_mtu() flags and results. */
enum bpf_check_mtu_flags {
	BPF_MTU_CHK_SEGS = (1U << 0),
};

enum bpf_check_mtu_ret {
	BPF_MTU_CHK_RET_SUCCESS,
	BPF_MTU_CHK_RET_FRAG_NEEDED,
	BPF_MTU_CHK_RET_SEGS_TOOBIG,
};

/* BPF_TASK_FD_QUERY fd_type. */
enum bpf_task_fd_type {
	BPF_FD_TYPE_RAW_TRACEPOINT,
	BPF_FD_TYPE_TRACEPOINT,
	BPF_FD_TYPE_KPROBE,
	BPF_FD_TYPE_KRETPROBE,
	BPF_FD_TYPE_UPROBE,
	BPF_FD_TYPE_URETPROBE,
};

/* bpf_flow_keys.flags. */
enum {
	BPF_FLOW_DISSECTOR_F_PARSE_1ST_FRAG = (1U << 0),
	BPF_FLOW_DISSECTOR_F_STOP_AT_FLOW_LABEL = (1U << 1),
	BPF_FLOW_DISSECTOR_F_STOP_AT_ENCAP = (1U << 2),
};

/* Context and output of flow dissector programs. */
struct bpf_flow_keys {
	uint16_t nhoff;
	uint16_t thoff;
	uint16_t addr_proto;
	uint8_t is_frag;
	uint8_t is_first_frag;
	uint8_t is_encap;
	uint8_t ip_proto;
	uint16_t n_proto;
	uint16_t sport;
	uint16_t dport;
	union {
		struct {
			uint32_t ipv4_src;
			uint32_t ipv4_dst;
		};
		struct {
			uint32_t ipv6_src[4];
			uint32_t ipv6_dst[4];
		};
	};
	uint32_t flags;
	uint32_t flow_label;
};

/* BTF function and line records (BPF_PROG_LOAD func_info, line_info). */
struct bpf_func_info {
	uint32_t insn_off;
	uint32_t type_id;
};
#define BPF_LINE_INFO_LINE_NUM(line_col) ((line_col) >> 10)
#define BPF_LINE_INFO_LINE_COL(line_col) ((line_col)&0x3ff)

struct bpf_line_info {
	uint32_t insn_off;
	uint32_t file_name_off;
	uint32_t line_off;
	uint32_t line_col;
};

/* Objects embedded in map values; only their size and alignment matter here. */
struct bpf_spin_lock {
	uint32_t val;
};

struct bpf_timer {
	uint64_t __opaque[2];
} __attribute__((aligned(8)));

/* bpf_timer_start() flags. */

enum {
	BPF_F_TIMER_ABS = (1ULL << 0),
	BPF_F_TIMER_CPU_PIN = (1ULL << 1),
};

struct bpf_dynptr {
	uint64_t __opaque[2];
} __attribute__((aligned(8)));

/* Heads and nodes of the kernel's BPF-owned lists and rbtrees, and a refcount: opaque. */
struct bpf_list_head {
	uint64_t __opaque[2];
} __attribute__((aligned(8)));

struct bpf_list_node {
	uint64_t __opaque[3];
} __attribute__((aligned(8)));

struct bpf_rb_root {
	uint64_t __opaque[2];
} __attribute__((aligned(8)));

struct bpf_rb_node {
	uint64_t __opaque[4];
} __attribute__((aligned(8)));

struct bpf_refcount {
	uint32_t __opaque[1];
} __attribute__((aligned(4)));

/* Context of cgroup sysctl programs. */
struct bpf_sysctl {
	uint32_t write;
	uint32_t file_pos;
};

/* Context of cgroup get/setsockopt programs. */
struct bpf_sockopt {
	USERBPF_MD_PTR(struct bpf_sock *, sk);
	USERBPF_MD_PTR(void *, optval);
	USERBPF_MD_PTR(void *, optval_end);
	int32_t level;
	int32_t optname;
	int32_t optlen;
	int32_t retval;
};

/* bpf_get_ns_current_pid_tgid() result. */
struct bpf_pidns_info {
	uint32_t pid;
	uint32_t tgid;
};

/* Context of sk_lookup programs. */
struct bpf_sk_lookup {
	union {
		USERBPF_MD_PTR(struct bpf_sock *, sk);
		uint64_t cookie;
	};
	uint32_t family;
	uint32_t protocol;
	uint32_t remote_ip4;
	uint32_t remote_ip6[4];
	uint16_t remote_port;
	uint16_t : 16;
	uint32_t local_ip4;
	uint32_t local_ip6[4];
	uint32_t local_port;
	uint32_t ingress_ifindex;
};

/* bpf_snprintf_btf() / bpf_seq_printf_btf() object and its flags. */
struct btf_ptr {
	void *ptr;
	uint32_t type_id;
	uint32_t flags;
};

enum {
	BTF_F_COMPACT = (1ULL << 0),
	BTF_F_NONAME = (1ULL << 1),
	BTF_F_PTR_RAW = (1ULL << 2),
	BTF_F_ZERO = (1ULL << 3),
};

/* CO-RE relocations (BPF_PROG_LOAD core_relos). */
enum bpf_core_relo_kind {
	BPF_CORE_FIELD_BYTE_OFFSET = 0,
	BPF_CORE_FIELD_BYTE_SIZE = 1,
	BPF_CORE_FIELD_EXISTS = 2,
	BPF_CORE_FIELD_SIGNED = 3,
	BPF_CORE_FIELD_LSHIFT_U64 = 4,
	BPF_CORE_FIELD_RSHIFT_U64 = 5,
	BPF_CORE_TYPE_ID_LOCAL = 6,
	BPF_CORE_TYPE_ID_TARGET = 7,
	BPF_CORE_TYPE_EXISTS = 8,
	BPF_CORE_TYPE_SIZE = 9,
	BPF_CORE_ENUMVAL_EXISTS = 10,
	BPF_CORE_ENUMVAL_VALUE = 11,
	BPF_CORE_TYPE_MATCHES = 12,
};

struct bpf_core_relo {
	uint32_t insn_off;
	uint32_t type_id;
	uint32_t access_str_off;
	enum bpf_core_relo_kind kind;
};

/* State of the open-coded numeric iterator (bpf_iter_num_new/next/destroy kfuncs). */
struct bpf_iter_num {
	uint64_t __opaque[1];
} __attribute__((aligned(8)));

#endif /* LINUX_BPF_H */

/* Added to Linux after some system headers were cut: define them whichever header came first. */
#ifndef BPF_JMP32
#define BPF_JMP32 0x06
#endif
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0
#endif
#ifndef BPF_LOAD_ACQ
#define BPF_LOAD_ACQ 0x100  /* atomic load-acquire, imm of BPF_STX | BPF_ATOMIC */
#define BPF_STORE_REL 0x110 /* atomic store-release */
#endif
#ifndef BPF_ADDR_SPACE_CAST
#define BPF_ADDR_SPACE_CAST 1 /* off of BPF_ALU64 | BPF_MOV | BPF_X: arena address cast */
#endif
#ifndef BPF_F_BEFORE
#define BPF_F_BEFORE (1U << 3) /* attach ordering: before the relative program or link */
#define BPF_F_AFTER (1U << 4)
#define BPF_F_ID (1U << 5)
#endif
#ifndef BPF_F_LINK
#define BPF_F_LINK (1U << 13) /* the relative target is a link (also a map flag) */
#endif
#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif
#ifndef BPF_F_TEST_REG_INVARIANTS
#define BPF_F_TEST_REG_INVARIANTS (1U << 7)
#endif
#ifndef BPF_F_NETFILTER_IP_DEFRAG
#define BPF_F_NETFILTER_IP_DEFRAG (1U << 0)
#endif
#ifndef BPF_F_TEST_SKB_CHECKSUM_COMPLETE
#define BPF_F_TEST_SKB_CHECKSUM_COMPLETE (1U << 2)
#endif

#endif /* USERBPF_BPF_UAPI_H */
