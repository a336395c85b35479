/* progtype.c — the program type registry and what is shared by every type: installing
 * a type's helpers, the load-time attach type checks, the helpers that change packet
 * data, the LD_ABS expansion and the BPF_PROG_TEST_RUN dispatch.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "progtypes/pt_helpers.h"
#include "progtypes/pt_types.h"

static const struct bpf_prog_type_info *const prog_types[] = {
        [BPF_PROG_TYPE_SOCKET_FILTER] = &pt_sk_filter_info,
        [BPF_PROG_TYPE_KPROBE] = &pt_kprobe_info,
        [BPF_PROG_TYPE_SCHED_CLS] = &pt_sched_cls_info,
        [BPF_PROG_TYPE_SCHED_ACT] = &pt_sched_act_info,
        [BPF_PROG_TYPE_TRACEPOINT] = &pt_tracepoint_info,
        [BPF_PROG_TYPE_XDP] = &pt_xdp_info,
        [BPF_PROG_TYPE_PERF_EVENT] = &pt_perf_event_info,
        [BPF_PROG_TYPE_CGROUP_SKB] = &pt_cgroup_skb_info,
        [BPF_PROG_TYPE_LWT_IN] = &pt_lwt_in_info,
        [BPF_PROG_TYPE_LWT_OUT] = &pt_lwt_out_info,
        [BPF_PROG_TYPE_LWT_XMIT] = &pt_lwt_xmit_info,
        [BPF_PROG_TYPE_SK_SKB] = &pt_sk_skb_info,
        [BPF_PROG_TYPE_RAW_TRACEPOINT] = &pt_raw_tracepoint_info,
        [BPF_PROG_TYPE_LWT_SEG6LOCAL] = &pt_lwt_seg6local_info,
        [BPF_PROG_TYPE_FLOW_DISSECTOR] = &pt_flow_dissector_info,
        [BPF_PROG_TYPE_SYSCALL] = &pt_syscall_info,
        [BPF_PROG_TYPE_SOCK_OPS] = &pt_sock_ops_info,
        [BPF_PROG_TYPE_SK_MSG] = &pt_sk_msg_info,
        [BPF_PROG_TYPE_CGROUP_SOCK] = &pt_cgroup_sock_info,
        [BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = &pt_cgroup_sock_addr_info,
        [BPF_PROG_TYPE_CGROUP_DEVICE] = &pt_cgroup_device_info,
        [BPF_PROG_TYPE_SK_REUSEPORT] = &pt_sk_reuseport_info,
        [BPF_PROG_TYPE_CGROUP_SYSCTL] = &pt_cgroup_sysctl_info,
        [BPF_PROG_TYPE_CGROUP_SOCKOPT] = &pt_cgroup_sockopt_info,
        [BPF_PROG_TYPE_SK_LOOKUP] = &pt_sk_lookup_info,
};

const struct bpf_prog_type_info *bpf_prog_type_info(uint32_t prog_type)
{
	if (prog_type >= sizeof prog_types / sizeof prog_types[0])
		return NULL;
	return prog_types[prog_type];
}

/* The helpers a (type, expected attach type) installs: asking get_func_proto for every
 * id costs a search per id, so the answer is computed once per pair and kept. */
struct helper_entry {
	uint16_t id;
	userbpf_helper_fn fn;
};
struct helper_list {
	uint32_t nr;
	struct helper_entry e[];
};

#define CACHE_TYPES 64 /* prog types below this are cached */
#define CACHE_EATS 64  /* attach types below this, for types whose helpers depend on it */
static _Atomic(struct helper_list *) helper_cache[CACHE_TYPES][CACHE_EATS];

static struct helper_list *helper_list_build(const struct bpf_prog_type_info *t, uint32_t eat)
{
	struct helper_entry tmp[USERBPF_MAX_HELPER_ID];
	uint32_t nr = 0;
	for (uint32_t id = 1; id < USERBPF_MAX_HELPER_ID; id++) {
		const struct bpf_func_proto *fp = t->get_func_proto(id, eat);
		if (fp && fp->func)
			tmp[nr++] = (struct helper_entry){(uint16_t)id, fp->func};
	}
	if (t->ld_abs) {
		tmp[nr++] = (struct helper_entry){BPF_PT_FUNC_LD_ABS_8, pt_ld_abs_8};
		tmp[nr++] = (struct helper_entry){BPF_PT_FUNC_LD_ABS_16, pt_ld_abs_16};
		tmp[nr++] = (struct helper_entry){BPF_PT_FUNC_LD_ABS_32, pt_ld_abs_32};
	}
	struct helper_list *l = malloc(sizeof *l + nr * sizeof l->e[0]);
	if (l) {
		l->nr = nr;
		for (uint32_t i = 0; i < nr; i++)
			l->e[i] = tmp[i];
	}
	return l;
}

/* The list for (t, eat): from the cache, or built and published there (the first of
 * racing builders wins; the others free theirs). *owned: the caller must free it (a pair
 * the cache does not hold). NULL when out of memory. */
static struct helper_list *helper_list_get(const struct bpf_prog_type_info *t, uint32_t eat,
                                           bool *owned)
{
	uint32_t key = pt_func_depends_on_attach(t->type) ? eat : 0;
	_Atomic(struct helper_list *) *slot =
	        t->type < CACHE_TYPES && key < CACHE_EATS ? &helper_cache[t->type][key] : NULL;
	*owned = false;
	struct helper_list *l = slot ? atomic_load_explicit(slot, memory_order_acquire) : NULL;
	if (l)
		return l;
	struct helper_list *fresh = helper_list_build(t, key);
	if (!fresh || !slot) {
		*owned = fresh != NULL;
		return fresh;
	}
	struct helper_list *expected = NULL;
	if (atomic_compare_exchange_strong_explicit(slot, &expected, fresh, memory_order_acq_rel,
	                                            memory_order_acquire))
		return fresh;
	free(fresh);
	return expected;
}

void bpf_prog_type_install_helpers(struct userbpf_vm *vm, const struct bpf_prog_type_info *t,
                                   uint32_t expected_attach_type)
{
	if (!t)
		return;
	bool owned;
	struct helper_list *l = helper_list_get(t, expected_attach_type, &owned);
	if (!l) { /* out of memory: ask id by id */
		for (uint32_t id = 1; id < USERBPF_MAX_HELPER_ID; id++) {
			const struct bpf_func_proto *fp =
			        t->get_func_proto(id, expected_attach_type);
			if (fp && fp->func)
				userbpf_vm_set_helper(vm, id, fp->func);
		}
		if (t->ld_abs) {
			userbpf_vm_set_helper(vm, BPF_PT_FUNC_LD_ABS_8, pt_ld_abs_8);
			userbpf_vm_set_helper(vm, BPF_PT_FUNC_LD_ABS_16, pt_ld_abs_16);
			userbpf_vm_set_helper(vm, BPF_PT_FUNC_LD_ABS_32, pt_ld_abs_32);
		}
		return;
	}
	for (uint32_t i = 0; i < l->nr; i++)
		userbpf_vm_set_helper(vm, l->e[i].id, l->e[i].fn);
	if (owned)
		free(l);
}

/* The attach types a program type accepts at load (bpf_prog_load_check_attach): a zero
 * list means any, zero_only that expected_attach_type must be 0, and default_eat what
 * bpf_prog_load_fixup_attach_type puts in place of 0. */
struct attach_rule {
	uint32_t prog_type;
	uint32_t default_eat;
	bool zero_only;
	uint32_t nr;
	uint32_t eats[20];
};

/* clang-format off */
static const struct attach_rule attach_rules[] = {
	{BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, false, 4,
	 {BPF_CGROUP_INET_SOCK_CREATE, BPF_CGROUP_INET_SOCK_RELEASE, BPF_CGROUP_INET4_POST_BIND,
	  BPF_CGROUP_INET6_POST_BIND}},
	{BPF_PROG_TYPE_CGROUP_SOCK_ADDR, 0, false, 18,
	 {BPF_CGROUP_INET4_BIND, BPF_CGROUP_INET6_BIND, BPF_CGROUP_INET4_CONNECT,
	  BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UNIX_CONNECT, BPF_CGROUP_INET4_GETPEERNAME,
	  BPF_CGROUP_INET6_GETPEERNAME, BPF_CGROUP_UNIX_GETPEERNAME, BPF_CGROUP_INET4_GETSOCKNAME,
	  BPF_CGROUP_INET6_GETSOCKNAME, BPF_CGROUP_UNIX_GETSOCKNAME, BPF_CGROUP_UDP4_SENDMSG,
	  BPF_CGROUP_UDP6_SENDMSG, BPF_CGROUP_UNIX_SENDMSG, BPF_CGROUP_UDP4_RECVMSG,
	  BPF_CGROUP_UDP6_RECVMSG, BPF_CGROUP_UNIX_RECVMSG}},
	{BPF_PROG_TYPE_CGROUP_SKB, 0, false, 2, {BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS}},
	{BPF_PROG_TYPE_CGROUP_SOCKOPT, 0, false, 2, {BPF_CGROUP_SETSOCKOPT, BPF_CGROUP_GETSOCKOPT}},
	{BPF_PROG_TYPE_SK_LOOKUP, 0, false, 1, {BPF_SK_LOOKUP}},
	{BPF_PROG_TYPE_SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, false, 2,
	 {BPF_SK_REUSEPORT_SELECT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE}},
	{BPF_PROG_TYPE_NETFILTER, 0, false, 1, {BPF_NETFILTER}},
	{BPF_PROG_TYPE_SYSCALL, 0, true, 0, {0}},
	{BPF_PROG_TYPE_EXT, 0, true, 0, {0}},
};
/* clang-format on */

int bpf_prog_type_check_attach(uint32_t prog_type, uint32_t *expected_attach_type)
{
	for (size_t i = 0; i < sizeof attach_rules / sizeof attach_rules[0]; i++) {
		const struct attach_rule *r = &attach_rules[i];
		if (r->prog_type != prog_type)
			continue;
		if (!*expected_attach_type && r->default_eat)
			*expected_attach_type = r->default_eat;
		if (r->zero_only)
			return *expected_attach_type ? -EINVAL : 0;
		for (uint32_t k = 0; k < r->nr; k++)
			if (r->eats[k] == *expected_attach_type)
				return 0;
		return -EINVAL;
	}
	return 0;
}

bool bpf_helper_changes_pkt_data(uint32_t func_id)
{
	static const uint16_t ids[] = {
	        BPF_FUNC_clone_redirect,
	        BPF_FUNC_l3_csum_replace,
	        BPF_FUNC_l4_csum_replace,
	        BPF_FUNC_lwt_push_encap,
	        BPF_FUNC_lwt_seg6_action,
	        BPF_FUNC_lwt_seg6_adjust_srh,
	        BPF_FUNC_lwt_seg6_store_bytes,
	        BPF_FUNC_msg_pop_data,
	        BPF_FUNC_msg_pull_data,
	        BPF_FUNC_msg_push_data,
	        BPF_FUNC_skb_adjust_room,
	        BPF_FUNC_skb_change_head,
	        BPF_FUNC_skb_change_proto,
	        BPF_FUNC_skb_change_tail,
	        BPF_FUNC_skb_pull_data,
	        BPF_FUNC_skb_store_bytes,
	        BPF_FUNC_skb_vlan_pop,
	        BPF_FUNC_skb_vlan_push,
	        BPF_FUNC_store_hdr_opt,
	        BPF_FUNC_xdp_adjust_head,
	        BPF_FUNC_xdp_adjust_meta,
	        BPF_FUNC_xdp_adjust_tail,
	        BPF_FUNC_tail_call, /* the callee may change it */
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (ids[i] == func_id)
			return true;
	return false;
}

uint32_t bpf_prog_type_gen_ld_abs(const struct bpf_insn *orig, struct bpf_insn *out)
{
	uint32_t n = 0;
	if (BPF_MODE(orig->code) == BPF_IND) {
		out[n++] = pt_mov64_reg(BPF_REG_2, orig->src_reg);
		if (orig->imm)
			out[n++] = pt_alu64_imm(BPF_ADD, BPF_REG_2, orig->imm);
	} else {
		out[n++] = pt_mov64_imm(BPF_REG_2, orig->imm);
	}
	out[n++] = pt_mov64_reg(BPF_REG_1, BPF_REG_6); /* the verifier keeps ctx in R6 */
	switch (BPF_SIZE(orig->code)) {
	case BPF_B:
		out[n++] = pt_call(BPF_PT_FUNC_LD_ABS_8);
		break;
	case BPF_H:
		out[n++] = pt_call(BPF_PT_FUNC_LD_ABS_16);
		break;
	default:
		out[n++] = pt_call(BPF_PT_FUNC_LD_ABS_32);
		break;
	}
	out[n++] = pt_jmp_imm(BPF_JSGE, BPF_REG_0, 0, 2);
	out[n++] = pt_alu32_reg(BPF_XOR, BPF_REG_0, BPF_REG_0);
	out[n++] = pt_exit();
	return n;
}

int bpf_prog_test_run(const struct bpf_test_prog *prog, const union bpf_attr *kattr,
                      union bpf_attr *uattr)
{
	const struct bpf_prog_type_info *t = bpf_prog_type_info(prog->prog_type);
	if (!t || !t->test_run)
		return -ENOTSUPP;
	return t->test_run(prog, kattr, uattr);
}
