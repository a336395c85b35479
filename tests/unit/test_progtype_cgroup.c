/* test_progtype_cgroup.c — the runtimes of the helpers only sysctl, sockopt and sk_lookup
 * programs call, which no kernel test run reaches (cgroup_sysctl has none): the sysctl
 * helpers on a hand-made struct pt_sysctl, bpf_get_retval / bpf_set_retval, and
 * bpf_sk_assign's flag and EEXIST rules. Expected values come from the kernel's code
 * (kernel/bpf/cgroup.c, net/core/filter.c): strscpy and copy_sysctl_value semantics.
 * Each helper is called from a one-call program in the guarded vm, with its arguments
 * in r1..r5 and exactly the ctx and the buffer granted.
 */
#include "progtypes/pt_helpers.h"

#include "progtype_testlib.h"

static char buf[128];
static char newbuf[4096];

/* Call helper id of the type with r1..r4 in the guarded vm; returns r0. */
static int64_t call(uint32_t type, uint32_t eat, uint32_t id, void *ctx, size_t ctx_len,
                    enum pt_ctx_kind kind, uint64_t r2, uint64_t r3, uint64_t r4)
{
	struct bpf_insn p[] = {I_CALL((int32_t)id), I_EXIT};
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	assert_int_equal(userbpf_vm_create(p, 2, &opts, &vm, &e), 0);
	bpf_prog_type_install_helpers(vm, bpf_prog_type_info(type), eat);
	struct userbpf_mem_region regions[] = {
	        {ctx, ctx_len, USERBPF_MEM_READ},
	        {buf, sizeof buf, USERBPF_MEM_READ | USERBPF_MEM_WRITE},
	};
	struct userbpf_run_args args = {.sz = sizeof args,
	                                .r = {(uintptr_t)ctx, r2, r3, r4},
	                                .regions = regions,
	                                .nr_regions = 2};
	pt_current_ctx = ctx;
	pt_current_kind = kind;
	uint64_t r0 = 0;
	assert_int_equal(userbpf_vm_run(vm, &args, &r0, &e), 0);
	pt_current_ctx = NULL;
	pt_current_kind = PT_CTX_NONE;
	userbpf_vm_destroy(vm);
	return (int64_t)r0;
}

static int64_t sysctl_call(struct pt_sysctl *c, uint32_t id, uint64_t len, uint64_t flags)
{
	memset(buf, 'x', sizeof buf);
	return call(BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, id, c, sizeof *c, PT_CTX_SYSCTL,
	            (uintptr_t)buf, len, flags);
}

static void test_sysctl_helpers(void **state)
{
	(void)state;
	struct pt_sysctl c = {.name = "net/ipv4/tcp_mem", .cur_val = "1 2 3\n", .cur_len = 6};
	/* the whole path fits: its length */
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_name, 17, 0), 16);
	assert_string_equal(buf, "net/ipv4/tcp_mem");
	/* one byte short: truncated, terminated, -E2BIG (strscpy) */
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_name, 16, 0), -E2BIG);
	assert_string_equal(buf, "net/ipv4/tcp_me");
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_name, 8, BPF_F_SYSCTL_BASE_NAME), 7);
	assert_string_equal(buf, "tcp_mem");
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_name, 8, 2), -EINVAL);
	/* the current value, zero-padded; too long: truncated and -E2BIG */
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_current_value, 10, 0), 6);
	assert_memory_equal(buf, "1 2 3\n\0\0\0\0x", 11);
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_current_value, 4, 0), -E2BIG);
	assert_memory_equal(buf, "1 2\0x", 5);
	/* a read: no new value (buffer zeroed), and it cannot be set */
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_new_value, 4, 0), -EINVAL);
	assert_memory_equal(buf, "\0\0\0\0x", 5);
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_set_new_value, 4, 0), -EINVAL);
	/* a write: the new value, and replacing it */
	memcpy(newbuf, "42\n", 3);
	c.uapi.write = 1;
	c.new_val = newbuf;
	c.new_len = 3;
	c.new_cap = sizeof newbuf;
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_new_value, 8, 0), 3);
	assert_memory_equal(buf, "42\n\0\0\0\0\0x", 9);
	memset(buf, 0, sizeof buf);
	memcpy(buf, "7", 1);
	assert_int_equal(call(BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL,
	                      BPF_FUNC_sysctl_set_new_value, &c, sizeof c, PT_CTX_SYSCTL,
	                      (uintptr_t)buf, 1, 0),
	                 0);
	assert_int_equal(c.new_len, 1);
	assert_true(c.new_updated);
	assert_memory_equal(newbuf, "7", 1);
	/* no current value: -EINVAL with the buffer zeroed */
	c.cur_val = NULL;
	assert_int_equal(sysctl_call(&c, BPF_FUNC_sysctl_get_current_value, 4, 0), -EINVAL);
	assert_memory_equal(buf, "\0\0\0\0x", 5);
	/* a ctx that is not the run's: refused in a guarded run */
	struct pt_sysctl other = c;
	pt_current_ctx = NULL;
	memset(buf, 'x', sizeof buf);
	assert_int_equal(call(BPF_PROG_TYPE_CGROUP_SYSCTL, BPF_CGROUP_SYSCTL,
	                      BPF_FUNC_sysctl_get_name, &other, sizeof other, PT_CTX_SKB,
	                      (uintptr_t)buf, 8, 0),
	                 -EINVAL);
}

static void test_retval_helpers(void **state)
{
	(void)state;
	/* what set_retval stores, get_retval gives back: an int, sign-extended */
	struct bpf_insn p[] = {I_MOV_K(1, -1), I_CALL(BPF_FUNC_set_retval),
	                       I_CALL(BPF_FUNC_get_retval), I_EXIT};
	struct userbpf_vm_opts opts = {.sz = sizeof opts, .flags = USERBPF_VM_UNVERIFIED};
	struct userbpf_vm *vm;
	struct userbpf_error e;
	assert_int_equal(userbpf_vm_create(p, PT_N(p), &opts, &vm, &e), 0);
	bpf_prog_type_install_helpers(vm, bpf_prog_type_info(BPF_PROG_TYPE_CGROUP_DEVICE),
	                              BPF_CGROUP_DEVICE);
	struct userbpf_run_args args = {.sz = sizeof args};
	uint64_t r0 = 0;
	assert_int_equal(userbpf_vm_run(vm, &args, &r0, &e), 0);
	assert_int_equal((int64_t)r0, -1);
	userbpf_vm_destroy(vm);
}

static void test_sk_assign(void **state)
{
	(void)state;
	struct pt_sk_lookup c = {0};
	c.uapi.family = 2;
	c.uapi.protocol = 6;
	struct bpf_sock sk = {.family = 2, .protocol = 6, .state = 10 /* TCP_LISTEN */};
	memcpy(buf, &sk, sizeof sk);
#define ASSIGN(p, flags)                                                                           \
	call(BPF_PROG_TYPE_SK_LOOKUP, BPF_SK_LOOKUP, BPF_FUNC_sk_assign, &c, sizeof c,             \
	     PT_CTX_SK_LOOKUP, p, flags, 0)
	assert_int_equal(ASSIGN(0, 4), -EINVAL);
	assert_int_equal(ASSIGN((uintptr_t)buf, 0), 0);
	assert_int_equal(c.selected_sk, (uintptr_t)buf);
	assert_int_equal(ASSIGN(0, 0), -EEXIST); /* already selected, no REPLACE */
	assert_int_equal(ASSIGN(0, BPF_SK_LOOKUP_F_REPLACE | BPF_SK_LOOKUP_F_NO_REUSEPORT), 0);
	assert_int_equal(c.selected_sk, 0);
	assert_true(c.no_reuseport);
	sk.state = 1; /* TCP_ESTABLISHED */
	memcpy(buf, &sk, sizeof sk);
	assert_int_equal(ASSIGN((uintptr_t)buf, 0), -ESOCKTNOSUPPORT);
	sk.protocol = 17;
	sk.state = 7; /* an unconnected UDP socket, but the packet is TCP */
	memcpy(buf, &sk, sizeof sk);
	assert_int_equal(ASSIGN((uintptr_t)buf, 0), -EPROTOTYPE);
	c.uapi.family = 10;
	c.uapi.protocol = 17;
	assert_int_equal(ASSIGN((uintptr_t)buf, 0), -EAFNOSUPPORT); /* AF_INET sk, v6 packet */
#undef ASSIGN
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sysctl_helpers),
	        cmocka_unit_test(test_retval_helpers),
	        cmocka_unit_test(test_sk_assign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
