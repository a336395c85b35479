/* pt_types.h — every program type's struct bpf_prog_type_info and *_func_proto, for the
 * registry (progtype.c). */
#ifndef USERBPF_PROGTYPES_PT_TYPES_H
#define USERBPF_PROGTYPES_PT_TYPES_H

#include "progtypes/progtype.h"

extern const struct bpf_prog_type_info pt_sk_filter_info, pt_sched_cls_info, pt_sched_act_info,
        pt_cgroup_skb_info, pt_lwt_in_info, pt_lwt_out_info, pt_lwt_xmit_info,
        pt_lwt_seg6local_info, pt_sk_skb_info, pt_flow_dissector_info, pt_xdp_info, pt_kprobe_info,
        pt_tracepoint_info, pt_perf_event_info, pt_raw_tracepoint_info, pt_syscall_info,
        pt_sock_ops_info, pt_sk_msg_info, pt_cgroup_sock_info, pt_cgroup_sock_addr_info,
        pt_cgroup_device_info, pt_sk_lookup_info, pt_sk_reuseport_info, pt_cgroup_sysctl_info,
        pt_cgroup_sockopt_info;

#define PT_FUNC_PROTO_DECL(name) const struct bpf_func_proto *name(uint32_t id, uint32_t eat)
PT_FUNC_PROTO_DECL(pt_sk_filter_func_proto);
PT_FUNC_PROTO_DECL(pt_tc_cls_act_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_skb_func_proto);
PT_FUNC_PROTO_DECL(pt_lwt_in_func_proto);
PT_FUNC_PROTO_DECL(pt_lwt_out_func_proto);
PT_FUNC_PROTO_DECL(pt_lwt_xmit_func_proto);
PT_FUNC_PROTO_DECL(pt_lwt_seg6local_func_proto);
PT_FUNC_PROTO_DECL(pt_sk_skb_func_proto);
PT_FUNC_PROTO_DECL(pt_flow_dissector_func_proto);
PT_FUNC_PROTO_DECL(pt_xdp_func_proto);
PT_FUNC_PROTO_DECL(pt_kprobe_func_proto);
PT_FUNC_PROTO_DECL(pt_tracepoint_func_proto);
PT_FUNC_PROTO_DECL(pt_perf_event_func_proto);
PT_FUNC_PROTO_DECL(pt_raw_tracepoint_func_proto);
PT_FUNC_PROTO_DECL(pt_syscall_func_proto);
PT_FUNC_PROTO_DECL(pt_sock_ops_func_proto);
PT_FUNC_PROTO_DECL(pt_sk_msg_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_sock_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_sock_addr_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_dev_func_proto);
PT_FUNC_PROTO_DECL(pt_sk_lookup_func_proto);
PT_FUNC_PROTO_DECL(pt_sk_reuseport_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_sysctl_func_proto);
PT_FUNC_PROTO_DECL(pt_cg_sockopt_func_proto);

/* Test runs */
int pt_test_run_skb(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                    union bpf_attr *uattr);
int pt_test_run_xdp(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                    union bpf_attr *uattr);
int pt_test_run_sk_lookup(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                          union bpf_attr *uattr);
int pt_test_run_flow_dissector(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                               union bpf_attr *uattr);

#endif /* USERBPF_PROGTYPES_PT_TYPES_H */
