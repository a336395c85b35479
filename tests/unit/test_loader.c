/* test_loader.c — the loader on every clang-built object in tests/progs: programs and maps
 * enumerated as their sources say (names, sections, types and attach types from libbpf's
 * section table, map attributes from the definitions, global-data sizes from the
 * variables), everything loaded, and the load-time effects checked: global data before
 * and after load (mmapped, .rodata frozen), prog_array and map-in-map slots, pinning and
 * reuse, iproute2 pins, .kconfig layout, func_info/line_info, autoload, the API's
 * before/after-load rules.
 *
 * The expectations are written from the .bpf.c sources and libbpf's documented
 * conventions, not from the loader's output; test_loader_kernel.c compares the same
 * objects against the host's libbpf and kernel.
 */
#define _GNU_SOURCE
#include <bpf/btf.h>

#include "test_loader_lib.h"

#include <sys/mman.h>
#include <sys/utsname.h>

#include "core/cpu.h"

struct exp_prog {
	const char *name, *sec;
	uint32_t type, attach;
	bool autoload;
};

struct exp_map {
	const char *name, *real_name;
	uint32_t type, key, value, max, flags;
};

struct exp_obj {
	const char *obj;
	struct exp_prog progs[32];
	struct exp_map maps[8];
};

#define P(n, s, t, a, al)                                                                          \
	{                                                                                          \
		n, s, BPF_PROG_TYPE_##t, a, al                                                     \
	}
#define M(n, r, t, k, v, m, f)                                                                     \
	{                                                                                          \
		n, r, BPF_MAP_TYPE_##t, k, v, m, f                                                 \
	}
#define MM BPF_F_MMAPABLE
#define RO BPF_F_RDONLY_PROG

static const struct exp_obj objs[] = {
        {"sock_filter",
         {P("sock_len", "socket", SOCKET_FILTER, 0, 1),
          P("sock_udp_only", "socket", SOCKET_FILTER, 0, 1)},
         {{0}}},
        {"xdp_count",
         {P("xdp_count", "xdp", XDP, BPF_XDP, 1),
          P("xdp_frags_pass", "xdp.frags", XDP, BPF_XDP, 1)},
         {M("pkt_count", "pkt_count", ARRAY, 4, 8, 3, 0)}},
        {"xdp_rewrite", {P("xdp_swap_mac", "xdp", XDP, BPF_XDP, 1)}, {{0}}},
        {"tc_cls",
         {P("tc_drop_v6", "tc", SCHED_CLS, 0, 1), P("cls_len", "classifier", SCHED_CLS, 0, 1),
          P("act_mark", "action", SCHED_ACT, 0, 1)},
         {{0}}},
        {"tracing",
         {P("kp_nanosleep", "kprobe/do_nanosleep", KPROBE, 0, 1),
          P("krp_nanosleep", "kretprobe/do_nanosleep", KPROBE, 0, 1),
          P("up_true", "uprobe//bin/true:main", KPROBE, 0, 1),
          P("tp_nanosleep", "tracepoint/syscalls/sys_enter_nanosleep", TRACEPOINT, 0, 1),
          P("tp_switch", "tp/sched/sched_switch", TRACEPOINT, 0, 1),
          P("rawtp_enter", "raw_tracepoint/sys_enter", RAW_TRACEPOINT, 0, 1),
          P("raw_tp_sum", "raw_tp/sys_exit", RAW_TRACEPOINT, 0, 1),
          P("perf_sample", "perf_event", PERF_EVENT, 0, 1)},
         {M("hits", "hits", PERCPU_ARRAY, 4, 8, 8, 0)}},
        {"syscall",
         {P("sys_add", "syscall", SYSCALL, 0, 1)},
         {M("syscall.bss", ".bss", ARRAY, 4, 8, 1, MM)}},
        {"maps_hash",
         {P("fill_hashes", "syscall", SYSCALL, 0, 1)},
         {M("h_plain", "h_plain", HASH, 8, 16, 16, 0),
          M("h_percpu", "h_percpu", PERCPU_HASH, 8, 16, 16, BPF_F_NO_PREALLOC),
          M("h_lru", "h_lru", LRU_HASH, 8, 16, 32, 0),
          M("h_lru_percpu", "h_lru_percpu", LRU_PERCPU_HASH, 8, 16, 32, BPF_F_NO_COMMON_LRU)}},
        {"maps_array",
         {P("fill_arrays", "syscall", SYSCALL, 0, 1)},
         {M("a_plain", "a_plain", ARRAY, 4, 8, 8, 0),
          M("a_percpu", "a_percpu", PERCPU_ARRAY, 4, 4, 8, 0),
          M("a_mmap", "a_mmap", ARRAY, 4, 8, 512, MM)}},
        {"maps_lpm",
         {P("lpm_src", "xdp", XDP, BPF_XDP, 1)},
         {M("routes", "routes", LPM_TRIE, 8, 4, 64, BPF_F_NO_PREALLOC)}},
        {"maps_ringbuf",
         {P("emit", "syscall", SYSCALL, 0, 1)},
         {M("events", "events", RINGBUF, 0, 0, 16 * 4096, 0)}},
        {"maps_queue",
         {P("push_pop", "xdp", XDP, BPF_XDP, 1)},
         {M("q", "q", QUEUE, 0, 4, 8, 0), M("s", "s", STACK, 0, 4, 8, 0),
          M("seen", "seen", BLOOM_FILTER, 0, 4, 64, 0)}},
        {"tail_calls",
         {P("tail_last", "xdp", XDP, BPF_XDP, 1), P("tail_add", "xdp", XDP, BPF_XDP, 1),
          P("entry", "xdp", XDP, BPF_XDP, 1), P("entry_empty", "xdp", XDP, BPF_XDP, 1)},
         {M("jmp_table", "jmp_table", PROG_ARRAY, 4, 4, 4, 0),
          M("tail_cal.bss", ".bss", ARRAY, 4, 4, 1, MM)}},
        {"map_in_map",
         {P("through_outer", "syscall", SYSCALL, 0, 1)},
         {M("inner_a", "inner_a", ARRAY, 4, 4, 1, 0), M("inner_b", "inner_b", ARRAY, 4, 4, 1, 0),
          M("outer_arr", "outer_arr", ARRAY_OF_MAPS, 4, 4, 2, 0),
          M("outer_hash", "outer_hash", HASH_OF_MAPS, 4, 4, 4, 0)}},
        /* .rodata: rd_base, rd_scale, bpf_printk's 18-byte format; .data: data_counter,
         * (pad), table[4], static_data; .bss: out (16), bss_runs; "global_data" literal */
        {"global_data",
         {P("compute", "syscall", SYSCALL, 0, 1), P("say_hello", "syscall", SYSCALL, 0, 0)},
         {M("global_d.rodata", ".rodata", ARRAY, 4, 26, 1, MM | RO),
          M("global_d.data", ".data", ARRAY, 4, 44, 1, MM),
          M("global_d.bss", ".bss", ARRAY, 4, 20, 1, MM),
          M(".rodata.str1.1", ".rodata.str1.1", ARRAY, 4, 12, 1, RO)}},
        {"custom_data",
         {P("use_custom", "syscall", SYSCALL, 0, 1)},
         {M(".data.fast", ".data.fast", ARRAY, 4, 4, 1, MM),
          M(".rodata.limits", ".rodata.limits", ARRAY, 4, 4, 1, MM | RO),
          M(".data.a_rather_long_section_name", ".data.a_rather_long_section_name", ARRAY, 4, 16, 1,
            MM),
          M(".bss.extra", ".bss.extra", ARRAY, 4, 4, 1, MM)}},
        {"subprogs",
         {P("calc_a", "syscall", SYSCALL, 0, 1), P("calc_b", "syscall", SYSCALL, 0, 1)},
         {{0}}},
        {"callbacks",
         {P("loop_sum", "syscall", SYSCALL, 0, 1), P("map_sum", "syscall", SYSCALL, 0, 1)},
         {M("vals", "vals", ARRAY, 4, 8, 4, 0)}},
        {"legacy_maps",
         {P("legacy_count", "socket", SOCKET_FILTER, 0, 1)},
         {M("legacy_counts", "legacy_counts", ARRAY, 4, 8, 4, 0),
          M("legacy_hash", "legacy_hash", HASH, 4, 4, 128, BPF_F_NO_PREALLOC)}},
        {"iproute2_maps",
         {P("tc_ingress_count", "classifier", SCHED_CLS, 0, 1)},
         {M("tc_counts", "tc_counts", ARRAY, 4, 8, 2, 0),
          M("tc_inner", "tc_inner", ARRAY, 4, 4, 1, 0),
          M("tc_outer", "tc_outer", ARRAY_OF_MAPS, 4, 4, 1, 0)}},
        /* .kconfig: u64 big, then the 4-byte ones (HZ, MISSING, VERSION, TRISTATE), then the
         * 1-byte ones (HAS_BPF_COOKIE, BPF_SYSCALL, NAME[8]): 8 + 16 + 10 = 34 */
        {"kconfig",
         {P("read_kconfig", "syscall", SYSCALL, 0, 1)},
         {M("kconfig.bss", ".bss", ARRAY, 4, 40, 1, MM),
          M("kconfig.kconfig", ".kconfig", ARRAY, 4, 34, 1, MM | RO)}},
        {"core",
         {P("core_skb", "socket", SOCKET_FILTER, 0, 1), P("core_bits", "syscall", SYSCALL, 0, 1)},
         {M("core.data", ".data", ARRAY, 4, 16, 1, MM),
          M("core.bss", ".bss", ARRAY, 4, 72, 1, MM)}},
        /* its only function is in .text: a program without a type (libbpf's legacy rule) */
        {"core_target",
         {{"target_ctx_types", ".text", 0, 0, 1}},
         {M("core_tar.bss", ".bss", ARRAY, 4, 16, 1, MM)}},
        {"core_missing",
         {P("core_bad_field", "socket", SOCKET_FILTER, 0, 1),
          P("core_bad_type", "socket", SOCKET_FILTER, 0, 0)},
         {{0}}},
        {"pinned",
         {P("bump", "syscall", SYSCALL, 0, 1)},
         {M("shared_counts", "shared_counts", HASH, 4, 8, 32, 0),
          M("unpinned_local", "unpinned_local", ARRAY, 4, 8, 1, 0)}},
        {"pinned_mismatch",
         {P("touch", "syscall", SYSCALL, 0, 1)},
         {M("shared_counts", "shared_counts", HASH, 4, 8, 64, 0)}},
        {"sk_types",
         {P("cg_ingress", "cgroup_skb/ingress", CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 1),
          P("cg_egress", "cgroup_skb/egress", CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 1),
          P("cg_skb", "cgroup/skb", CGROUP_SKB, 0, 1),
          P("sock_ops_prog", "sockops", SOCK_OPS, BPF_CGROUP_SOCK_OPS, 1),
          P("skb_parser", "sk_skb/stream_parser", SK_SKB, BPF_SK_SKB_STREAM_PARSER, 1),
          P("skb_verdict", "sk_skb/stream_verdict", SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 1),
          P("msg_verdict", "sk_msg", SK_MSG, BPF_SK_MSG_VERDICT, 1),
          P("dissect", "flow_dissector", FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 1),
          P("lwt_in_prog", "lwt_in", LWT_IN, 0, 1),
          P("lwt_out_prog", "lwt_out", LWT_OUT, 0, 1),
          P("lwt_xmit_prog", "lwt_xmit", LWT_XMIT, 0, 1),
          P("lwt_seg6", "lwt_seg6local", LWT_SEG6LOCAL, 0, 1),
          P("lookup", "sk_lookup", SK_LOOKUP, BPF_SK_LOOKUP, 1),
          P("reuseport", "sk_reuseport", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 1),
          P("sock_create", "cgroup/sock_create", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 1),
          P("sock_any", "cgroup/sock", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 1),
          P("post_bind4", "cgroup/post_bind4", CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 1),
          P("bind4", "cgroup/bind4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 1),
          P("connect4", "cgroup/connect4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 1),
          P("connect6", "cgroup/connect6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 1),
          P("sendmsg4", "cgroup/sendmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 1),
          P("recvmsg4", "cgroup/recvmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 1),
          P("getpeername4", "cgroup/getpeername4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME,
            1),
          P("sysctl", "cgroup/sysctl", CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 1),
          P("getsockopt", "cgroup/getsockopt", CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 1),
          P("setsockopt", "cgroup/setsockopt", CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 1),
          P("dev", "cgroup/dev", CGROUP_DEVICE, BPF_CGROUP_DEVICE, 1),
          P("xdp_devmap", "xdp/devmap", XDP, BPF_XDP_DEVMAP, 1),
          P("xdp_cpumap", "xdp/cpumap", XDP, BPF_XDP_CPUMAP, 1)},
         {{0}}},
        {"sec_modern",
         {P("tc_in", "tc/ingress", SCHED_CLS, BPF_TCX_INGRESS, 1),
          P("tc_out", "tc/egress", SCHED_CLS, BPF_TCX_EGRESS, 1),
          P("tcx_in", "tcx/ingress", SCHED_CLS, BPF_TCX_INGRESS, 1),
          P("nk_primary", "netkit/primary", SCHED_CLS, BPF_NETKIT_PRIMARY, 1),
          P("skb_verdict2", "sk_skb/verdict", SK_SKB, BPF_SK_SKB_VERDICT, 1),
          P("connect_unix", "cgroup/connect_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, 1),
          P("kp_multi", "kprobe.multi/do_nanosleep*", KPROBE, BPF_TRACE_KPROBE_MULTI, 1)},
         {{0}}},
        {"autoload",
         {P("always", "xdp", XDP, BPF_XDP, 1), P("on_demand", "xdp", XDP, BPF_XDP, 0),
          P("bad_not_loaded", "xdp", XDP, BPF_XDP, 0)},
         {{0}}},
        {"perf_array",
         {P("tp_getpid", "tracepoint/syscalls/sys_enter_getpid", TRACEPOINT, 0, 1)},
         {M("perf_out", "perf_out", PERF_EVENT_ARRAY, 4, 4, 0, 0)}},
        {"license_version", {P("kp_open", "kprobe/do_sys_openat2", KPROBE, 0, 1)}, {{0}}},
        {"proprietary",
         {P("plain", "socket", SOCKET_FILTER, 0, 1),
          P("gpl_helper", "socket", SOCKET_FILTER, 0, 0)},
         {M("propriet.rodata", ".rodata", ARRAY, 4, 3, 1, RO)}},
        {"map_attrs",
         {P("touch_maps", "socket", SOCKET_FILTER, 0, 1)},
         {M("sized_only", "sized_only", HASH, 16, 24, 100, BPF_F_NO_PREALLOC),
          M("read_only_for_prog", "read_only_for_prog", ARRAY, 4, 4, 3, RO),
          M("a_very_long_map_name_indeed", "a_very_long_map_name_indeed", HASH, 8, 8, 10, 0),
          M("bloom5", "bloom5", BLOOM_FILTER, 0, 8, 1000, 0)}},
        {"unknown_section", {{"mystery", "not_a_known_hook", 0, 0, 1}}, {{0}}},
};

/* Objects whose load must fail (tests/unit/test_loader_errors.c says why). */
static bool load_must_fail(const char *obj)
{
	return !strcmp(obj, "core_missing") || !strcmp(obj, "unknown_section") ||
	       !strcmp(obj, "core_target");
}

/* Open e->obj with the programs in skip[] not autoloaded. */
/* Each object pins under its own root, so pinned.bpf.o and pinned_mismatch.bpf.o (same map
 * name, incompatible definitions) do not meet here; test_pinning makes them meet. */
static const struct userbpf_object_open_opts *obj_opts(const struct exp_obj *e)
{
	static char root[128];
	static struct userbpf_object_open_opts opts;
	snprintf(root, sizeof root, "/sys/fs/bpf/objs/%s", e->obj);
	opts = (struct userbpf_object_open_opts){.sz = sizeof opts, .pin_root_path = root};
	return &opts;
}

static struct userbpf_object *open_skipping(const struct exp_obj *e, char skip[][64], size_t nskip)
{
	struct userbpf_object *o = tl_open(e->obj, obj_opts(e));
	assert_non_null(o);
	for (size_t i = 0; i < nskip; i++)
		userbpf_program__set_autoload(userbpf_object__find_program_by_name(o, skip[i]),
		                              false);
	return o;
}

/* The name in "... program 'NAME': BPF_PROG_LOAD failed ..." (a verifier rejection). */
static bool rejected_prog(const char *msg, char *name, size_t len)
{
	const char *p = strstr(msg, "program '"), *bad = strstr(msg, "BPF_PROG_LOAD failed");
	if (!p || !bad || bad < p)
		return false;
	p += 9;
	const char *q = strchr(p, '\'');
	if (!q || (size_t)(q - p) >= len)
		return false;
	memcpy(name, p, (size_t)(q - p));
	name[q - p] = 0;
	return true;
}

static void check_object(const struct exp_obj *e)
{
	struct userbpf_object *o = tl_open(e->obj, obj_opts(e));
	assert_non_null(o);
	assert_string_equal(userbpf_object__name(o), e->obj);
	size_t np = 0, nm = 0;
	for (; np < 32 && e->progs[np].name; np++) {
		const struct exp_prog *x = &e->progs[np];
		struct userbpf_program *p = userbpf_object__find_program_by_name(o, x->name);
		if (!p)
			fail_msg("%s: program %s not found", e->obj, x->name);
		assert_string_equal(userbpf_program__section_name(p), x->sec);
		if (userbpf_program__type(p) != x->type ||
		    userbpf_program__expected_attach_type(p) != x->attach ||
		    userbpf_program__autoload(p) != x->autoload)
			fail_msg("%s/%s: type %u attach %u autoload %d, expected %u %u %d", e->obj,
			         x->name, userbpf_program__type(p),
			         userbpf_program__expected_attach_type(p),
			         userbpf_program__autoload(p), x->type, x->attach, x->autoload);
		assert_int_equal(userbpf_program__fd(p), -1);
		assert_true(userbpf_program__insn_cnt(p) > 0);
	}
	for (; nm < 8 && e->maps[nm].name; nm++) {
		const struct exp_map *x = &e->maps[nm];
		struct userbpf_map *m = userbpf_object__find_map_by_name(o, x->name);
		if (!m)
			fail_msg("%s: map %s not found", e->obj, x->name);
		assert_string_equal(userbpf_map__real_name(m), x->real_name);
		if (userbpf_map__type(m) != x->type || userbpf_map__key_size(m) != x->key ||
		    userbpf_map__value_size(m) != x->value ||
		    userbpf_map__max_entries(m) != x->max || userbpf_map__map_flags(m) != x->flags)
			fail_msg("%s/%s: type %u key %u value %u max %u flags %#x, expected %u %u "
			         "%u "
			         "%u %#x",
			         e->obj, x->name, userbpf_map__type(m), userbpf_map__key_size(m),
			         userbpf_map__value_size(m), userbpf_map__max_entries(m),
			         userbpf_map__map_flags(m), x->type, x->key, x->value, x->max,
			         x->flags);
		assert_int_equal(userbpf_map__is_internal(m), x->real_name[0] == '.');
		assert_int_equal(userbpf_map__fd(m), -1);
	}
	size_t cnt = 0;
	struct userbpf_program *p;
	struct userbpf_map *m;
	userbpf_object__for_each_program(p, o) cnt++;
	assert_int_equal(cnt, np);
	cnt = 0;
	userbpf_object__for_each_map(m, o) cnt++;
	assert_int_equal(cnt, nm);

	int err = userbpf_object__load(o);
	if (load_must_fail(e->obj)) {
		assert_true(err < 0);
		userbpf_object__for_each_map(m, o) assert_int_equal(userbpf_map__fd(m), -1);
		userbpf_object__close(o);
		return;
	}
	/* The loader's part is done when PROG_LOAD is reached: a program the verifier
	 * refuses is reported (test_loader_kernel.c says whether the kernel agrees) and the
	 * object is loaded again without it, so the rest is still checked. */
	char skip[32][64];
	size_t nskip = 0;
	while (err && nskip < 32 && rejected_prog(userbpf_last_error(), skip[nskip], 64)) {
		print_message("  verifier rejects %s/%s: %s\n", e->obj, skip[nskip],
		              userbpf_last_error());
		nskip++;
		userbpf_object__close(o);
		o = open_skipping(e, skip, nskip);
		err = userbpf_object__load(o);
	}
	if (err)
		fail_msg("%s: load failed: %d %s", e->obj, err, userbpf_last_error());
	for (size_t i = 0; i < np; i++) {
		p = userbpf_object__find_program_by_name(o, e->progs[i].name);
		bool skipped = false;
		for (size_t k = 0; k < nskip; k++)
			skipped |= !strcmp(skip[k], e->progs[i].name);
		assert_int_equal(userbpf_program__fd(p) >= 0, e->progs[i].autoload && !skipped);
	}
	userbpf_object__for_each_map(m, o) assert_true(userbpf_map__fd(m) >= 0);
	userbpf_object__close(o);
}

static void test_all_objects(void **state)
{
	for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
		print_message("%s\n", objs[i].obj);
		check_object(&objs[i]);
	}
}

/* The missing_map object does not open; every other .bpf.c in tests/progs is listed. */
static void test_every_object_listed(void **state)
{
	size_t n = 0;
	char *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "ls %s", USERBPF_PROGS_SRC);
	FILE *ls = popen(cmd, "r");
	assert_non_null(ls);
	char line[256];
	while (fgets(line, sizeof line, ls)) {
		char *dot = strstr(line, ".bpf.c");
		if (!dot)
			continue;
		*dot = 0;
		n++;
		bool found = !strcmp(line, "missing_map");
		for (size_t i = 0; i < sizeof objs / sizeof objs[0] && !found; i++)
			found = !strcmp(objs[i].obj, line);
		if (!found)
			fprintf(f, " %s", line);
	}
	pclose(ls);
	fclose(f);
	if (len)
		fail_msg("objects without expectations:%s", list);
	free(list);
	assert_true(n >= 25);
}

static void test_section_table(void **state)
{
	static const struct {
		const char *sec;
		int err;
		uint32_t type, attach;
	} t[] = {
	        {"socket", 0, BPF_PROG_TYPE_SOCKET_FILTER, 0},
	        {"?socket", 0, BPF_PROG_TYPE_SOCKET_FILTER, 0},
	        {"socket/x", -ESRCH, 0, 0},
	        {"xdp", 0, BPF_PROG_TYPE_XDP, BPF_XDP},
	        {"xdp.frags", 0, BPF_PROG_TYPE_XDP, BPF_XDP},
	        {"xdp/foo", -ESRCH, 0, 0},
	        {"xdp.frags/devmap", 0, BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP},
	        {"tc", 0, BPF_PROG_TYPE_SCHED_CLS, 0},
	        {"tc/ingress", 0, BPF_PROG_TYPE_SCHED_CLS, BPF_TCX_INGRESS},
	        {"tc/other", -ESRCH, 0, 0},
	        {"classifier", 0, BPF_PROG_TYPE_SCHED_CLS, 0},
	        {"action", 0, BPF_PROG_TYPE_SCHED_ACT, 0},
	        {"kprobe", 0, BPF_PROG_TYPE_KPROBE, 0},
	        {"kprobe/sys_open", 0, BPF_PROG_TYPE_KPROBE, 0},
	        {"kprobesys", -ESRCH, 0, 0},
	        {"kretprobe/x", 0, BPF_PROG_TYPE_KPROBE, 0},
	        {"uprobe/bin:f", 0, BPF_PROG_TYPE_KPROBE, 0},
	        {"uprobe.s/bin:f", 0, BPF_PROG_TYPE_KPROBE, 0},
	        {"tracepoint/a/b", 0, BPF_PROG_TYPE_TRACEPOINT, 0},
	        {"tp/a/b", 0, BPF_PROG_TYPE_TRACEPOINT, 0},
	        {"raw_tracepoint/x", 0, BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
	        {"raw_tp/x", 0, BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
	        {"raw_tp.w/x", 0, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0},
	        {"tp_btf/x", 0, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP},
	        {"fentry/f", 0, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
	        {"fexit/f", 0, BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
	        {"lsm/f", 0, BPF_PROG_TYPE_LSM, BPF_LSM_MAC},
	        {"iter/task", 0, BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER},
	        {"perf_event", 0, BPF_PROG_TYPE_PERF_EVENT, 0},
	        {"cgroup_skb/ingress", 0, BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS},
	        {"cgroup/skb", 0, BPF_PROG_TYPE_CGROUP_SKB, 0},
	        {"sockops", 0, BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS},
	        {"sk_skb", 0, BPF_PROG_TYPE_SK_SKB, 0},
	        {"sk_skb/stream_parser", 0, BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_PARSER},
	        {"sk_skb/other", -ESRCH, 0, 0},
	        {"sk_msg", 0, BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT},
	        {"flow_dissector", 0, BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR},
	        {"syscall", 0, BPF_PROG_TYPE_SYSCALL, 0},
	        {"lwt_in", 0, BPF_PROG_TYPE_LWT_IN, 0},
	        {"lwt_xmit", 0, BPF_PROG_TYPE_LWT_XMIT, 0},
	        {"sk_lookup", 0, BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP},
	        {"netfilter", 0, BPF_PROG_TYPE_NETFILTER, BPF_NETFILTER},
	        {"struct_ops/x", 0, BPF_PROG_TYPE_STRUCT_OPS, 0},
	        {"", -ESRCH, 0, 0},
	        {".text", -ESRCH, 0, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		uint32_t type = 99, attach = 99;
		int err = userbpf_prog_type_by_section(t[i].sec, &type, &attach);
		if (err != t[i].err || (!err && (type != t[i].type || attach != t[i].attach)))
			fail_msg("'%s': %d type %u attach %u, expected %d %u %u", t[i].sec, err,
			         type, attach, t[i].err, t[i].type, t[i].attach);
	}
}

static void test_attach_target_and_flags(void **state)
{
	struct userbpf_object *o = tl_open("tracing", NULL);
	assert_non_null(o);
	static const char *const want[][2] = {{"kp_nanosleep", "do_nanosleep"},
	                                      {"up_true", "/bin/true:main"},
	                                      {"tp_switch", "sched/sched_switch"},
	                                      {"perf_sample", ""}};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(userbpf_program__attach_target(
		                            userbpf_object__find_program_by_name(o, want[i][0])),
		                    want[i][1]);
	userbpf_object__close(o);
}

/* Global data: the private image before load becomes the live, mmapped map after it. */
static void test_global_data(void **state)
{
	struct userbpf_object *o = tl_open("global_data", NULL);
	assert_non_null(o);
	struct userbpf_map *ro = userbpf_object__find_map_by_name(o, ".rodata");
	struct userbpf_map *data = userbpf_object__find_map_by_name(o, ".data");
	struct userbpf_map *bss = userbpf_object__find_map_by_name(o, ".bss");
	struct userbpf_map *str = userbpf_object__find_map_by_name(o, ".rodata.str1.1");
	assert_non_null(ro);
	assert_non_null(data);
	assert_non_null(bss);
	assert_non_null(str);
	size_t sz = 0;
	uint32_t *rov = userbpf_map__initial_value(ro, &sz);
	assert_non_null(rov);
	assert_int_equal(sz, 26);
	assert_int_equal(rov[0], 1000); /* rd_base */
	assert_int_equal(rov[1], 3);    /* rd_scale */
	assert_memory_equal((char *)rov + 8, "hello from %s: %d", 18);
	rov[0] = 2000; /* skeleton style: the host configures .rodata before load */
	uint32_t *dv = userbpf_map__initial_value(data, &sz);
	assert_int_equal(sz, 44);
	assert_int_equal(dv[0], 5);                   /* data_counter */
	assert_int_equal(((uint64_t *)dv)[1 + 2], 3); /* table[2] */
	assert_int_equal(dv[10], 11);                 /* static_data */
	char *sv = userbpf_map__initial_value(str, &sz);
	assert_string_equal(sv, "global_data");
	uint8_t zero[20] = {0};
	assert_memory_equal(userbpf_map__initial_value(bss, &sz), zero, 20);
	assert_int_equal(userbpf_map__set_initial_value(data, zero, 3), -EINVAL);

	assert_int_equal(userbpf_object__load(o), 0);
	/* same addresses, now the maps themselves */
	assert_ptr_equal(userbpf_map__initial_value(ro, &sz), rov);
	assert_ptr_equal(userbpf_map__initial_value(data, &sz), dv);
	uint32_t key = 0;
	uint8_t val[64];
	assert_int_equal(tl_lookup(userbpf_map__fd(ro), &key, val), 0);
	assert_int_equal(((uint32_t *)val)[0], 2000); /* what the host wrote before load */
	dv[0] = 123;                                  /* a write through the mapping ... */
	assert_int_equal(tl_lookup(userbpf_map__fd(data), &key, val), 0);
	assert_int_equal(((uint32_t *)val)[0], 123); /* ... is the map's value */
	((uint32_t *)val)[0] = 77;
	assert_int_equal(tl_update(userbpf_map__fd(data), &key, val), 0);
	assert_int_equal(dv[0], 77); /* and the other way round */
	/* .rodata is frozen: the syscall side may not write it */
	assert_int_equal(tl_update(userbpf_map__fd(ro), &key, val), -EPERM);
	struct bpf_map_info info;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf, userbpf_map__fd(ro), &info), 0);
	assert_string_equal(info.name, "global_d.rodata");
	assert_int_equal(info.map_flags, BPF_F_MMAPABLE | BPF_F_RDONLY_PROG);
	/* not mmapable (.rodata.str1.1): the initial value stays a private copy */
	assert_string_equal(userbpf_map__initial_value(str, &sz), "global_data");
	userbpf_object__close(o);
}

static void test_slots(void **state)
{
	struct userbpf_object *o = tl_open("map_in_map", NULL);
	assert_non_null(o);
	struct userbpf_map *oa = userbpf_object__find_map_by_name(o, "outer_arr");
	struct userbpf_map *inner = userbpf_map__inner_map(oa);
	assert_non_null(inner);
	assert_int_equal(userbpf_map__type(inner), BPF_MAP_TYPE_ARRAY);
	assert_int_equal(userbpf_map__max_entries(inner), 1);
	assert_int_equal(userbpf_object__load(o), 0);
	struct bpf_map_info a, b;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf,
	                                  userbpf_object__find_map_fd_by_name(o, "inner_a"), &a),
	                 0);
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf,
	                                  userbpf_object__find_map_fd_by_name(o, "inner_b"), &b),
	                 0);
	uint32_t k = 0, id = 0;
	assert_int_equal(tl_lookup(userbpf_map__fd(oa), &k, &id), 0);
	assert_int_equal(id, a.id);
	k = 1;
	assert_int_equal(tl_lookup(userbpf_map__fd(oa), &k, &id), 0);
	assert_int_equal(id, b.id);
	k = 3;
	assert_int_equal(tl_lookup(userbpf_object__find_map_fd_by_name(o, "outer_hash"), &k, &id),
	                 0);
	assert_int_equal(id, b.id);
	k = 0;
	assert_int_equal(tl_lookup(userbpf_object__find_map_fd_by_name(o, "outer_hash"), &k, &id),
	                 -ENOENT);
	userbpf_object__close(o);

	o = tl_open("tail_calls", NULL);
	assert_non_null(o);
	assert_int_equal(userbpf_object__load(o), 0);
	int jt = userbpf_object__find_map_fd_by_name(o, "jmp_table");
	struct bpf_prog_info pa, pl;
	assert_int_equal(tl_prog_info_with(userbpf_sys_bpf,
	                                   userbpf_program__fd(userbpf_object__find_program_by_name(
	                                           o, "tail_add")),
	                                   &pa),
	                 0);
	assert_int_equal(tl_prog_info_with(userbpf_sys_bpf,
	                                   userbpf_program__fd(userbpf_object__find_program_by_name(
	                                           o, "tail_last")),
	                                   &pl),
	                 0);
	k = 0;
	assert_int_equal(tl_lookup(jt, &k, &id), 0);
	assert_int_equal(id, pa.id);
	k = 2;
	assert_int_equal(tl_lookup(jt, &k, &id), 0);
	assert_int_equal(id, pl.id);
	k = 1;
	assert_int_equal(tl_lookup(jt, &k, &id), -ENOENT);
	userbpf_object__close(o);

	/* iproute2: the outer's inner_id names tc_inner, whose inner_idx is slot 0 */
	o = tl_open("iproute2_maps", NULL);
	assert_non_null(o);
	assert_string_equal(userbpf_map__pin_path(userbpf_object__find_map_by_name(o, "tc_counts")),
	                    "/sys/fs/bpf/tc/globals/tc_counts");
	assert_null(userbpf_map__pin_path(userbpf_object__find_map_by_name(o, "tc_inner")));
	assert_int_equal(userbpf_object__load(o), 0);
	assert_true(userbpf_map__is_pinned(userbpf_object__find_map_by_name(o, "tc_counts")));
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf,
	                                  userbpf_object__find_map_fd_by_name(o, "tc_inner"), &a),
	                 0);
	k = 0;
	assert_int_equal(tl_lookup(userbpf_object__find_map_fd_by_name(o, "tc_outer"), &k, &id), 0);
	assert_int_equal(id, a.id);
	userbpf_object__close(o);
}

static int pinned_map_id(const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.pathname = (uint64_t)(uintptr_t)path;
	int fd = (int)userbpf_sys_bpf(BPF_OBJ_GET, &a, sizeof a);
	if (fd < 0)
		return -errno;
	struct bpf_map_info info;
	int err = tl_map_info_with(userbpf_sys_bpf, fd, &info);
	userbpf_close(fd);
	return err ? err : (int)info.id;
}

static void test_pinning(void **state)
{
	struct userbpf_object_open_opts opts = {.sz = sizeof opts,
	                                        .pin_root_path = "/sys/fs/bpf/ldr_pins"};
	struct userbpf_object *a = tl_open("pinned", &opts);
	assert_non_null(a);
	struct userbpf_map *ma = userbpf_object__find_map_by_name(a, "shared_counts");
	assert_string_equal(userbpf_map__pin_path(ma), "/sys/fs/bpf/ldr_pins/shared_counts");
	assert_null(userbpf_map__pin_path(userbpf_object__find_map_by_name(a, "unpinned_local")));
	assert_int_equal(pinned_map_id("/sys/fs/bpf/ldr_pins/shared_counts"), -ENOENT);
	assert_int_equal(userbpf_object__load(a), 0);
	assert_true(userbpf_map__is_pinned(ma));
	struct bpf_map_info ia;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf, userbpf_map__fd(ma), &ia), 0);
	assert_int_equal(pinned_map_id("/sys/fs/bpf/ldr_pins/shared_counts"), (int)ia.id);

	/* a second object reuses the pinned map: same map, shared contents */
	struct userbpf_object *b = tl_open("pinned", &opts);
	assert_int_equal(userbpf_object__load(b), 0);
	struct userbpf_map *mb = userbpf_object__find_map_by_name(b, "shared_counts");
	struct bpf_map_info ib;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf, userbpf_map__fd(mb), &ib), 0);
	assert_int_equal(ib.id, ia.id);
	uint32_t k = 5;
	uint64_t v = 55, got = 0;
	assert_int_equal(tl_update(userbpf_map__fd(ma), &k, &v), 0);
	assert_int_equal(tl_lookup(userbpf_map__fd(mb), &k, &got), 0);
	assert_int_equal(got, 55);
	/* the unpinned map is not shared */
	struct bpf_map_info ua, ub;
	tl_map_info_with(userbpf_sys_bpf, userbpf_object__find_map_fd_by_name(a, "unpinned_local"),
	                 &ua);
	tl_map_info_with(userbpf_sys_bpf, userbpf_object__find_map_fd_by_name(b, "unpinned_local"),
	                 &ub);
	assert_int_not_equal(ua.id, ub.id);

	/* an incompatible definition under the same name is refused */
	struct userbpf_object *c = tl_open("pinned_mismatch", &opts);
	assert_non_null(c);
	assert_int_equal(userbpf_object__load(c), -EINVAL);
	assert_non_null(strstr(userbpf_last_error(), "parameter mismatch"));
	assert_non_null(strstr(userbpf_last_error(), "/sys/fs/bpf/ldr_pins/shared_counts"));
	assert_int_equal(userbpf_program__fd(userbpf_object__find_program_by_name(c, "touch")), -1);
	userbpf_object__close(c);

	/* unpin, and a new object creates a new map */
	assert_int_equal(userbpf_map__unpin(ma, NULL), 0);
	assert_false(userbpf_map__is_pinned(ma));
	assert_int_equal(pinned_map_id("/sys/fs/bpf/ldr_pins/shared_counts"), -ENOENT);
	c = tl_open("pinned_mismatch", &opts);
	assert_int_equal(userbpf_object__load(c), 0);
	assert_int_equal(userbpf_object__unpin_maps(c, NULL), 0);
	userbpf_object__close(c);

	/* programs and maps pinned by name under a directory */
	assert_int_equal(userbpf_object__pin_programs(a, "/sys/fs/bpf/ldr_pins/progs"), 0);
	union bpf_attr at;
	memset(&at, 0, sizeof at);
	at.pathname = (uint64_t)(uintptr_t) "/sys/fs/bpf/ldr_pins/progs/bump";
	int pfd = (int)userbpf_sys_bpf(BPF_OBJ_GET, &at, sizeof at);
	assert_true(pfd >= 0);
	userbpf_close(pfd);
	assert_int_equal(userbpf_object__unpin_programs(a, "/sys/fs/bpf/ldr_pins/progs"), 0);
	assert_int_equal(userbpf_object__pin_maps(a, "/sys/fs/bpf/ldr_pins/maps"), 0);
	assert_true(pinned_map_id("/sys/fs/bpf/ldr_pins/maps/unpinned_local") > 0);
	assert_int_equal(userbpf_object__unpin_maps(a, "/sys/fs/bpf/ldr_pins/maps"), 0);
	userbpf_object__close(b);
	userbpf_object__close(a);
}

static void test_func_line_info(void **state)
{
	struct userbpf_object *o = tl_open("subprogs", NULL);
	assert_non_null(o);
	assert_int_equal(userbpf_object__load(o), 0);
	const struct btf *btf = userbpf_object__btf(o);
	assert_non_null(btf);
	assert_true(userbpf_object__btf_fd(o) >= 0);
	struct userbpf_program *p = userbpf_object__find_program_by_name(o, "calc_b");
	uint32_t n = 0, nl = 0;
	const struct bpf_func_info *fi = userbpf_program__func_info(p, &n);
	const struct bpf_line_info *li = userbpf_program__line_info(p, &nl);
	/* calc_b reaches twice, square, nested, level2 and level3: six functions */
	assert_int_equal(n, 6);
	assert_non_null(fi);
	assert_int_equal(fi[0].insn_off, 0);
	const char *want[] = {"calc_b", "twice", "square", "nested", "level2", "level3"};
	bool seen[6] = {0};
	size_t cnt = userbpf_program__insn_cnt(p);
	const struct bpf_insn *in = userbpf_program__insns(p);
	for (uint32_t i = 0; i < n; i++) {
		if (i)
			assert_true(fi[i].insn_off > fi[i - 1].insn_off);
		assert_true(fi[i].insn_off < cnt);
		/* every function after the first is the target of a call in the program */
		bool called = i == 0;
		for (size_t k = 0; k < cnt && !called; k++)
			called = in[k].code == (BPF_JMP | BPF_CALL) &&
			         in[k].src_reg == BPF_PSEUDO_CALL &&
			         (int64_t)k + in[k].imm + 1 == fi[i].insn_off;
		assert_true(called);
		const struct btf_type *t = btf__type_by_id(btf, fi[i].type_id);
		assert_non_null(t);
		const char *name = btf__name_by_offset(btf, t->name_off);
		for (size_t k = 0; k < 6; k++)
			if (!strcmp(name, want[k]))
				seen[k] = true;
	}
	for (size_t k = 0; k < 6; k++)
		assert_true(seen[k]);
	assert_true(nl >= n);
	assert_int_equal(li[0].insn_off, 0);
	for (uint32_t i = 1; i < nl; i++)
		assert_true(li[i].insn_off >= li[i - 1].insn_off);
	const char *file = btf__name_by_offset(btf, li[0].file_name_off);
	assert_non_null(strstr(file, "subprogs.bpf.c"));
	userbpf_object__close(o);
}

static void test_autoload_and_api_rules(void **state)
{
	struct userbpf_object *o = tl_open("autoload", NULL);
	assert_non_null(o);
	struct userbpf_program *od = userbpf_object__find_program_by_name(o, "on_demand");
	assert_int_equal(userbpf_program__set_autoload(od, true), 0);
	struct userbpf_program *al = userbpf_object__find_program_by_name(o, "always");
	assert_int_equal(userbpf_program__set_log_level(al, 1), 0);
	assert_int_equal(userbpf_object__load(o), 0);
	assert_true(userbpf_program__fd(od) >= 0);
	assert_int_equal(
	        userbpf_program__fd(userbpf_object__find_program_by_name(o, "bad_not_loaded")), -1);
	assert_non_null(strstr(userbpf_program__log(al), "processed"));
	assert_int_equal(userbpf_program__set_autoload(od, false), -EBUSY);
	assert_int_equal(userbpf_program__set_type(od, BPF_PROG_TYPE_SOCKET_FILTER), -EBUSY);
	assert_int_equal(userbpf_object__load(o), -EINVAL);
	userbpf_object__close(o);

	/* an unknown section loads once the type is given by hand */
	o = tl_open("unknown_section", NULL);
	struct userbpf_program *p = userbpf_object__find_program_by_name(o, "mystery");
	assert_int_equal(userbpf_program__set_type(p, BPF_PROG_TYPE_SOCKET_FILTER), 0);
	assert_int_equal(userbpf_object__load(o), 0);
	assert_true(userbpf_program__fd(p) >= 0);
	userbpf_object__close(o);

	/* map definitions may change before load */
	o = tl_open("maps_hash", NULL);
	struct userbpf_map *m = userbpf_object__find_map_by_name(o, "h_plain");
	assert_int_equal(userbpf_map__set_max_entries(m, 1000), 0);
	assert_int_equal(
	        userbpf_map__set_autocreate(userbpf_object__find_map_by_name(o, "h_lru"), false),
	        0);
	/* fill_hashes uses h_lru: without it the program cannot load */
	assert_int_equal(userbpf_object__load(o), -ENOENT);
	assert_non_null(strstr(userbpf_last_error(), "h_lru"));
	userbpf_object__close(o);
	o = tl_open("maps_hash", NULL);
	m = userbpf_object__find_map_by_name(o, "h_plain");
	assert_int_equal(userbpf_map__set_max_entries(m, 1000), 0);
	assert_int_equal(userbpf_object__load(o), 0);
	struct bpf_map_info info;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf, userbpf_map__fd(m), &info), 0);
	assert_int_equal(info.max_entries, 1000);
	assert_int_equal(userbpf_map__set_max_entries(m, 5), -EBUSY);
	userbpf_object__close(o);

	/* open_mem: the name comes from the options */
	size_t len;
	char *img = tu_read_file(tl_obj("syscall"), &len);
	assert_non_null(img);
	struct userbpf_object_open_opts opts = {.sz = sizeof opts, .object_name = "frommem"};
	o = userbpf_object__open_mem(img, len, &opts);
	assert_non_null(o);
	free(img); /* the buffer is copied */
	assert_string_equal(userbpf_object__name(o), "frommem");
	assert_null(userbpf_object__path(o));
	assert_int_equal(userbpf_object__load(o), 0);
	userbpf_object__close(o);
}

static void test_perf_array_and_license(void **state)
{
	struct userbpf_object *o = tl_open("perf_array", NULL);
	assert_int_equal(userbpf_object__load(o), 0);
	struct bpf_map_info info;
	assert_int_equal(tl_map_info_with(userbpf_sys_bpf,
	                                  userbpf_object__find_map_fd_by_name(o, "perf_out"),
	                                  &info),
	                 0);
	/* max_entries 0: one slot per possible CPU */
	assert_int_equal(info.max_entries, (uint32_t)ub_num_possible_cpus());
	userbpf_object__close(o);

	o = tl_open("license_version", NULL);
	assert_string_equal(userbpf_object__license(o), "Dual MIT/GPL");
	assert_int_equal(userbpf_object__kversion(o), 0x060c00);
	userbpf_object__close(o);
	o = tl_open("proprietary", NULL);
	assert_string_equal(userbpf_object__license(o), "Proprietary");
	assert_int_equal(userbpf_object__kversion(o), 0);
	userbpf_object__close(o);
}

/* .kconfig: values from the options; missing ones zero; layout as libbpf's. */
static void test_kconfig(void **state)
{
	struct userbpf_object_open_opts opts = {
	        .sz = sizeof opts,
	        .kconfig = "CONFIG_BPF_SYSCALL=y\nCONFIG_USERBPF_TRISTATE=m\n  CONFIG_HZ=250\n"
	                   "CONFIG_USERBPF_BIG=0x123456789\nCONFIG_USERBPF_NAME=\"abc\"\n"
	                   "# CONFIG_UNRELATED is not set\nCONFIG_NOBODY_ASKED=7\n"};
	struct userbpf_object *o = tl_open("kconfig", &opts);
	assert_non_null(o);
	struct userbpf_map *m = userbpf_object__find_map_by_name(o, ".kconfig");
	size_t sz = 0;
	uint8_t *v = userbpf_map__initial_value(m, &sz);
	assert_int_equal(sz, 34);
	/* 8-aligned first, then by size, then by name: BIG @0; HZ @8, MISSING @12,
	 * USERBPF_TRISTATE @16, LINUX_KERNEL_VERSION... sorted by name among 4-byte:
	 * CONFIG_HZ, CONFIG_USERBPF_MISSING, CONFIG_USERBPF_TRISTATE, LINUX_KERNEL_VERSION;
	 * then 1-byte: CONFIG_BPF_SYSCALL @24, LINUX_HAS_BPF_COOKIE @25; then NAME[8] @26 */
	uint64_t big;
	memcpy(&big, v, 8);
	assert_int_equal(big, 0x123456789ull);
	int32_t hz, missing, tri;
	uint32_t kver;
	memcpy(&hz, v + 8, 4);
	memcpy(&missing, v + 12, 4);
	memcpy(&tri, v + 16, 4);
	memcpy(&kver, v + 20, 4);
	assert_int_equal(hz, 250);
	assert_int_equal(missing, 0);
	assert_int_equal(tri, 2); /* TRI_MODULE */
	unsigned a = 0, b = 0, c = 0;
	struct utsname u;
	uname(&u);
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	assert_int_equal(kver, (a << 16) | (b << 8) | (c > 255 ? 255 : c));
	assert_int_equal(v[24], 1); /* CONFIG_BPF_SYSCALL=y */
	assert_int_equal(v[25], 1); /* LINUX_HAS_BPF_COOKIE */
	assert_string_equal((char *)v + 26, "abc");
	assert_int_equal(userbpf_object__load(o), 0);
	userbpf_object__close(o);
}

int main(void)
{
	tl_private_root();
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_object_listed),
	        cmocka_unit_test(test_section_table),
	        cmocka_unit_test(test_all_objects),
	        cmocka_unit_test(test_attach_target_and_flags),
	        cmocka_unit_test(test_global_data),
	        cmocka_unit_test(test_slots),
	        cmocka_unit_test(test_pinning),
	        cmocka_unit_test(test_func_line_info),
	        cmocka_unit_test(test_autoload_and_api_rules),
	        cmocka_unit_test(test_perf_array_and_license),
	        cmocka_unit_test(test_kconfig),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
