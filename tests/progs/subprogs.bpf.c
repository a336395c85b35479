/* BPF-to-BPF calls: static and global functions in .text, shared by two programs, calls
 * nested three deep, a function called from two call sites. The syscall programs return
 * computed values the test checks: calc_a = square(3) + twice(4) + 5 = 22,
 * calc_b = twice(square(2)) + nested(1) = 8 + 14 = 22. */
#include "progs.h"

static __attribute__((noinline)) int square(int x)
{
	return x * x;
}

__attribute__((noinline)) int twice(int x)
{
	return x + x;
}

static __attribute__((noinline)) int level3(int x)
{
	return x + 10;
}

static __attribute__((noinline)) int level2(int x)
{
	return level3(x) + 1;
}

__attribute__((noinline)) int nested(int x)
{
	return level2(x) + 2;
}

SEC("syscall")
int calc_a(void *ctx)
{
	return square(3) + twice(4) + 5;
}

SEC("syscall")
int calc_b(void *ctx)
{
	return twice(square(2)) + nested(1);
}

char LICENSE[] SEC("license") = "GPL";
