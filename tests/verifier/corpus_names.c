/* corpus_names.c — the names case files use for program types, attach types, map types and
 * helpers: bpftool's spelling for types, the kernel's enum names without prefix for attach
 * types, "bpf_" + the UAPI helper name for calls (from USERBPF_FUNC_MAPPER, so every helper
 * the ABI header knows is available by name).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corpus_internal.h"

/* index = enum bpf_prog_type */
static const char *const prog_types[] = {
        "unspec",
        "socket_filter",
        "kprobe",
        "sched_cls",
        "sched_act",
        "tracepoint",
        "xdp",
        "perf_event",
        "cgroup_skb",
        "cgroup_sock",
        "lwt_in",
        "lwt_out",
        "lwt_xmit",
        "sock_ops",
        "sk_skb",
        "cgroup_device",
        "sk_msg",
        "raw_tracepoint",
        "cgroup_sock_addr",
        "lwt_seg6local",
        "lirc_mode2",
        "sk_reuseport",
        "flow_dissector",
        "cgroup_sysctl",
        "raw_tracepoint_writable",
        "cgroup_sockopt",
        "tracing",
        "struct_ops",
        "ext",
        "lsm",
        "sk_lookup",
        "syscall",
        "netfilter",
};

/* index = enum bpf_map_type */
static const char *const map_types[] = {
        "unspec",
        "hash",
        "array",
        "prog_array",
        "perf_event_array",
        "percpu_hash",
        "percpu_array",
        "stack_trace",
        "cgroup_array",
        "lru_hash",
        "lru_percpu_hash",
        "lpm_trie",
        "array_of_maps",
        "hash_of_maps",
        "devmap",
        "sockmap",
        "cpumap",
        "xskmap",
        "sockhash",
        "cgroup_storage",
        "reuseport_sockarray",
        "percpu_cgroup_storage",
        "queue",
        "stack",
        "sk_storage",
        "devmap_hash",
        "struct_ops",
        "ringbuf",
        "inode_storage",
        "task_storage",
        "bloom_filter",
        "user_ringbuf",
        "cgrp_storage",
        "arena",
};

/* index = enum bpf_attach_type (the ones cases use; others by number) */
static const char *const attach_types[] = {
        "cgroup_inet_ingress",
        "cgroup_inet_egress",
        "cgroup_inet_sock_create",
        "cgroup_sock_ops",
        "sk_skb_stream_parser",
        "sk_skb_stream_verdict",
        "cgroup_device",
        "sk_msg_verdict",
        "cgroup_inet4_bind",
        "cgroup_inet6_bind",
        "cgroup_inet4_connect",
        "cgroup_inet6_connect",
        "cgroup_inet4_post_bind",
        "cgroup_inet6_post_bind",
        "cgroup_udp4_sendmsg",
        "cgroup_udp6_sendmsg",
        "lirc_mode2",
        "flow_dissector",
        "cgroup_sysctl",
        "cgroup_udp4_recvmsg",
        "cgroup_udp6_recvmsg",
        "cgroup_getsockopt",
        "cgroup_setsockopt",
        "trace_raw_tp",
        "trace_fentry",
        "trace_fexit",
        "modify_return",
        "lsm_mac",
        "trace_iter",
        "cgroup_inet4_getpeername",
        "cgroup_inet6_getpeername",
        "cgroup_inet4_getsockname",
        "cgroup_inet6_getsockname",
        "xdp_devmap",
        "cgroup_inet_sock_release",
        "xdp_cpumap",
        "sk_lookup",
        "xdp",
};

#define CX_HELPER_NAME_(id, name) [id] = #name,
static const char *const helpers[] = {USERBPF_FUNC_MAPPER(CX_HELPER_NAME_)};
#undef CX_HELPER_NAME_

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A name from the table, or a plain number. */
static int by_name(const char *const *tab, size_t n, const char *s, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i] && !strcasecmp(tab[i], s)) {
			*out = (uint32_t)i;
			return 0;
		}
	char *end;
	unsigned long v = strtoul(s, &end, 0);
	if (*s && !*end) {
		*out = (uint32_t)v;
		return 0;
	}
	return -1;
}

int cx_prog_type_by_name(const char *s, uint32_t *out)
{
	return by_name(prog_types, NELEM(prog_types), s, out);
}

int cx_map_type_by_name(const char *s, uint32_t *out)
{
	return by_name(map_types, NELEM(map_types), s, out);
}

int cx_attach_type_by_name(const char *s, uint32_t *out)
{
	return by_name(attach_types, NELEM(attach_types), s, out);
}

int cx_helper_by_name(const char *s, uint32_t *out)
{
	if (strncmp(s, "bpf_", 4))
		return -1;
	for (size_t i = 1; i < NELEM(helpers); i++)
		if (helpers[i] && !strcmp(helpers[i], s + 4)) {
			*out = (uint32_t)i;
			return 0;
		}
	return -1;
}

const char *cx_prog_type_name(uint32_t type)
{
	return type < NELEM(prog_types) ? prog_types[type] : "?";
}
