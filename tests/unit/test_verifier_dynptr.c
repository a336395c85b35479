/* test_verifier_dynptr.c — the verifier's dynptr rules against the host kernel.
 *
 * Programs that make dynptrs (bpf_dynptr_from_mem over a map value, a ring buffer's
 * bpf_ringbuf_reserve_dynptr), use them (bpf_dynptr_read/_write/_data), release them
 * (bpf_ringbuf_submit/discard_dynptr) and break the rules: where a dynptr may live on the
 * stack, what a store into its slots does, which argument takes which dynptr, what a
 * slice is and when it dies, references owed at exit. Each case is loaded in the host
 * kernel and in ours; verdict, errno and the log's last line must agree. The kernel's
 * answers are kept in tests/fixtures/verifier_dynptr_kernel.txt (re-record as root with
 * USERBPF_RECORD_FIXTURES=1), so the test means something without bpf(). The verifier
 * corpus (tests/verifier/cases/dynptr.txt) has more, with subprograms and callbacks.
 */
#define VH_CASES_FILE "tests/unit/test_verifier_dynptr.c"
#define VH_TESTS "test_verifier_dynptr"
#include "verifier_mem_harness.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* r7 = the {arr} value (48 bytes; key at fp-44, below the dynptrs), or "out" */
#define VALUE                                                                                      \
	"*(u32 *)(r10 - 44) = 0\nr1 = {arr} ll\nr2 = r10\nr2 += -44\ncall 1\n"                     \
	"if r0 == 0 goto out\nr7 = r0\n"
/* a local dynptr over the first n bytes of the value at fp+off */
#define LOCAL_AT(off, n)                                                                           \
	"r1 = r7\nr2 = " #n "\nr3 = 0\nr4 = r10\nr4 += " #off "\ncall bpf_dynptr_from_mem#197\n"
#define LOCAL VALUE LOCAL_AT(-16, 48)
/* a ring buffer dynptr of n bytes at fp+off */
#define RB_AT(off, n)                                                                              \
	"r1 = {rb} ll\nr2 = " #n "\nr3 = 0\nr4 = r10\nr4 += " #off                                 \
	"\ncall bpf_ringbuf_reserve_dynptr#198\n"
#define RB RB_AT(-16, 16)
#define RELEASE_AT(off, how)                                                                       \
	"r1 = r10\nr1 += " #off "\nr2 = 0\ncall bpf_ringbuf_" #how "_dynptr#" how##_ID "\n"
#define submit_ID "199"
#define discard_ID "200"
#define SUBMIT RELEASE_AT(-16, submit)
#define READ_FROM(src)                                                                             \
	"r1 = r10\nr1 += -40\nr2 = 8\nr3 = r10\nr3 += " #src "\nr4 = 0\nr5 = 0\n"                  \
	"call bpf_dynptr_read#201\n"
#define EXIT0 "r0 = 0\nexit\n"

static const struct vm_case dynptr_cases[] = {
        /* where a dynptr may be */
        {"local at fp-16", 0, LOCAL READ_FROM(-16) OUT},
        {"local at fp-512", 0, VALUE LOCAL_AT(-512, 8) READ_FROM(-512) OUT},
        {"local at fp-8", 0, VALUE LOCAL_AT(-8, 8) OUT},
        {"local at fp-520", 0, VALUE LOCAL_AT(-520, 8) OUT},
        {"local at fp-20", 0, VALUE LOCAL_AT(-20, 8) OUT},
        {"local at fp-4", 0, VALUE LOCAL_AT(-4, 8) OUT},
        {"read variable offset", 0,
         LOCAL "r6 = *(u32 *)(r7 + 0)\nr6 &= 8\nr3 = r10\nr3 += -16\nr3 += r6\n"
               "r1 = r10\nr1 += -40\nr2 = 8\nr4 = 0\nr5 = 0\ncall bpf_dynptr_read#201\n" OUT},
        {"read never allocated stack", 0, READ_FROM(-64) EXIT0},
        {"ringbuf dynptr as r4 ctx", 0,
         "r4 = r1\nr1 = {rb} ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve_dynptr#198\n" EXIT0},
        /* what makes one */
        {"from_mem ctx", 0,
         "r4 = r10\nr4 += -16\nr2 = 8\nr3 = 0\ncall bpf_dynptr_from_mem#197\n" EXIT0},
        {"from_mem ringbuf record", 0,
         "r1 = {rb} ll\nr2 = 16\nr3 = 0\ncall bpf_ringbuf_reserve#131\nif r0 == 0 goto out\n"
         "r6 = r0\nr1 = r0\nr2 = 16\nr3 = 0\nr4 = r10\nr4 += -16\ncall bpf_dynptr_from_mem#197\n"
         "r1 = r6\nr2 = 0\ncall bpf_ringbuf_discard#133\n" OUT},
        {"from_mem value + 8", 0,
         VALUE "r1 = r7\nr1 += 8\nr2 = 40\nr3 = 0\nr4 = r10\nr4 += -16\n"
               "call bpf_dynptr_from_mem#197\n" READ_FROM(-16) OUT},
        {"from_mem value + 8 too long", 0,
         VALUE "r1 = r7\nr1 += 8\nr2 = 48\nr3 = 0\nr4 = r10\nr4 += -16\n"
               "call bpf_dynptr_from_mem#197\n" OUT},
        {"from_mem size 0", 0, VALUE LOCAL_AT(-16, 0) READ_FROM(-16) OUT},
        {"local never released is fine", 0, LOCAL OUT},
        /* stores into the slots */
        {"two dynptrs", 0, LOCAL RB_AT(-32, 8) RELEASE_AT(-32, discard) READ_FROM(-16) OUT},
        {"local made over a local", 0, LOCAL LOCAL_AT(-24, 48) READ_FROM(-16) OUT},
        {"local made over a local, new one used", 0, LOCAL LOCAL_AT(-24, 48) READ_FROM(-24) OUT},
        {"local made over a ringbuf dynptr", 0, VALUE RB LOCAL_AT(-24, 48) SUBMIT OUT},
        {"spill over a local", 0, LOCAL "*(u64 *)(r10 - 16) = r7\n" OUT},
        {"spill over a local, then used", 0, LOCAL "*(u64 *)(r10 - 8) = r10\n" READ_FROM(-16) OUT},
        {"spill over a ringbuf dynptr", 0, RB "*(u64 *)(r10 - 16) = r10\n" SUBMIT EXIT0},
        {"u32 store into second slot of a ringbuf dynptr", 0,
         RB "*(u32 *)(r10 - 4) = 0\n" SUBMIT EXIT0},
        {"atomic add into a local", 0,
         LOCAL "r1 = 1\nlock *(u64 *)(r10 - 16) += r1\n" READ_FROM(-16) OUT},
        {"stack write after submit", 0,
         RB SUBMIT "*(u64 *)(r10 - 16) = 1\nr0 = *(u64 *)(r10 - 16)\nexit\n"},
        {"stack read after submit", 0, RB SUBMIT "r0 = *(u64 *)(r10 - 16)\nexit\n"},
        /* helpers reading or writing the bytes */
        {"map update value is a dynptr", 0,
         LOCAL "r1 = {arr} ll\nr2 = r10\nr2 += -44\nr3 = r10\nr3 += -16\nr4 = 0\ncall 2\n" OUT},
        {"probe_read_kernel into a dynptr", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 8\nr3 = 0\ncall bpf_probe_read_kernel#113\n" OUT},
        /* arguments */
        {"submit a scalar", 0, "r1 = 0\nr2 = 0\ncall bpf_ringbuf_submit_dynptr#199\n" EXIT0},
        {"submit ctx", 0, "r2 = 0\ncall bpf_ringbuf_submit_dynptr#199\n" EXIT0},
        {"submit at offset -12", 0, RB RELEASE_AT(-12, submit) SUBMIT EXIT0},
        {"discard", 0, RB RELEASE_AT(-16, discard) EXIT0},
        {"discard twice", 0, RB RELEASE_AT(-16, discard) RELEASE_AT(-16, discard) EXIT0},
        {"data after discard", 0,
         RB RELEASE_AT(-16, discard) "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\n"
                                     "call bpf_dynptr_data#203\n" EXIT0},
        {"read len bounded", 0,
         LOCAL "r2 = *(u32 *)(r7 + 0)\nr2 &= 15\nr1 = r10\nr1 += -40\nr3 = r10\nr3 += -16\n"
               "r4 = 0\nr5 = 0\ncall bpf_dynptr_read#201\n" OUT},
        {"read len unbounded", 0,
         LOCAL "r2 = *(u64 *)(r7 + 0)\nr1 = r10\nr1 += -40\nr3 = r10\nr3 += -16\n"
               "r4 = 0\nr5 = 0\ncall bpf_dynptr_read#201\n" OUT},
        {"write from uninit stack", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 0\nr3 = r10\nr3 += -40\nr4 = 8\nr5 = 0\n"
               "call bpf_dynptr_write#202\n" OUT},
        {"write offset is any value", 0,
         LOCAL "*(u64 *)(r10 - 40) = 1\nr2 = *(u64 *)(r7 + 0)\nr1 = r10\nr1 += -16\n"
               "r3 = r10\nr3 += -40\nr4 = 8\nr5 = 0\ncall bpf_dynptr_write#202\n" OUT},
        {"write into a ringbuf dynptr", 0,
         RB "*(u64 *)(r10 - 40) = 1\nr1 = r10\nr1 += -16\nr2 = 8\nr3 = r10\nr3 += -40\n"
            "r4 = 8\nr5 = 0\ncall bpf_dynptr_write#202\n" SUBMIT EXIT0},
        /* slices */
        {"slice of 0 bytes", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 0\ncall bpf_dynptr_data#203\n"
               "if r0 == 0 goto out\nr0 = *(u8 *)(r0 + 0)\nexit\n" OUT},
        {"slice past its size", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 4\ncall bpf_dynptr_data#203\n"
               "if r0 == 0 goto out\nr0 = *(u32 *)(r0 + 2)\nexit\n" OUT},
        {"slice with variable offset", 0,
         LOCAL "r2 = *(u32 *)(r7 + 0)\nr1 = r10\nr1 += -16\nr3 = 8\ncall bpf_dynptr_data#203\n"
               "if r0 == 0 goto out\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT},
        {"slice arithmetic", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 16\ncall bpf_dynptr_data#203\n"
               "if r0 == 0 goto out\nr0 += 8\nr0 = *(u64 *)(r0 + 0)\nexit\n" OUT},
        {"slice survives dynptr_write", 0,
         LOCAL "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\n"
               "if r0 == 0 goto out\nr6 = r0\n*(u64 *)(r10 - 40) = 1\nr1 = r10\nr1 += -16\n"
               "r2 = 0\nr3 = r10\nr3 += -40\nr4 = 8\nr5 = 0\ncall bpf_dynptr_write#202\n"
               "r0 = *(u64 *)(r6 + 0)\nexit\n" OUT},
        {"slice dies when its local is remade", 0,
         LOCAL
         "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\n"
         "if r0 == 0 goto out\nr6 = r0\n" LOCAL_AT(-16, 48) "r0 = *(u64 *)(r6 + 0)\nexit\n" OUT},
        {"slice of another dynptr survives", 0,
         LOCAL LOCAL_AT(-32, 48) "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\n"
                                 "if r0 == 0 goto out\nr6 = r0\n*(u64 *)(r10 - 32) = 0\n"
                                 "r0 = *(u64 *)(r6 + 0)\nexit\n" OUT},
        {"slice released on the NULL branch", 0,
         RB "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\n"
            "if r0 != 0 goto skip\n" SUBMIT EXIT0 "skip:\n*(u64 *)(r0 + 0) = 3\n" SUBMIT EXIT0},
        {"slice passed to submit", 0,
         RB "r1 = r10\nr1 += -16\nr2 = 0\nr3 = 8\ncall bpf_dynptr_data#203\n"
            "if r0 == 0 goto skip\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit#132\n" EXIT0
            "skip:\n" SUBMIT EXIT0},
        /* program types and references */
        {"xdp", BPF_PROG_TYPE_XDP, RB SUBMIT "r0 = 2\nexit\n"},
        {"tail call with a ringbuf dynptr", 0,
         "r6 = r1\n" RB "r1 = r6\nr2 = {pa} ll\nr3 = 0\ncall 12\n" SUBMIT EXIT0},
        {"spin lock not needed", 0,
         RB "if r0 s< 0 goto fail\n" SUBMIT "r0 = 1\nexit\nfail:\n" RELEASE_AT(-16, discard) EXIT0},
};

static void test_dynptr_rules(void **state)
{
	assert_int_equal(vh_group("dynptr", USERBPF_FIXTURES_DIR "/verifier_dynptr_kernel.txt",
	                          dynptr_cases, N(dynptr_cases)),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dynptr_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
