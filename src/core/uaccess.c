/* uaccess.c — fault-tolerant user copies (see uaccess.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "core/uaccess.h"

/* ASan checks the copies when they are its memcpy: under ASan the generic path is used.
 * (TSan cannot longjmp out of its signal dispatch: it takes the fixup path.) */
#if defined(__SANITIZE_ADDRESS__)
#define UB_UA_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UB_UA_SANITIZED 1
#endif
#endif

#if defined(__x86_64__) && defined(__linux__) && !defined(UB_UA_SANITIZED)
#define UB_UA_FIXUP 1
/* ub_ua_copy(dst, src, n): 0, or -EFAULT (14) when the handler moved %rip to ub_ua_fixup.
 * A leaf that never touches the stack, so its error exit can be entered from any
 * instruction in it. 4-, 8- and 32-byte copies (keys, u64 values, element attrs) avoid
 * the rep prefix. */
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".globl ub_ua_copy\n"
        ".hidden ub_ua_copy\n"
        ".type ub_ua_copy,@function\n"
        "ub_ua_copy:\n"
#ifdef __CET__
        "  endbr64\n"
#endif
        "  cmp $8, %rdx\n"
        "  jne 1f\n"
        "  mov (%rsi), %rax\n"
        "  mov %rax, (%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "1:\n"
        "  cmp $4, %rdx\n"
        "  jne 2f\n"
        "  mov (%rsi), %eax\n"
        "  mov %eax, (%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "2:\n"
        "  cmp $32, %rdx\n"
        "  jne 3f\n"
        "  mov (%rsi), %rax\n"
        "  mov 8(%rsi), %rcx\n"
        "  mov 16(%rsi), %r8\n"
        "  mov 24(%rsi), %r9\n"
        "  mov %rax, (%rdi)\n"
        "  mov %rcx, 8(%rdi)\n"
        "  mov %r8, 16(%rdi)\n"
        "  mov %r9, 24(%rdi)\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        "3:\n"
        "  mov %rdx, %rcx\n"
        "  rep movsb\n"
        "  xor %eax, %eax\n"
        "  ret\n"
        ".globl ub_ua_fixup\n"
        ".hidden ub_ua_fixup\n"
        "ub_ua_fixup:\n"
        "  mov $-14, %eax\n"
        "  ret\n"
        ".size ub_ua_copy, .-ub_ua_copy\n"
        ".popsection\n");
int ub_ua_copy(void *dst, const void *src, size_t n);
void ub_ua_fixup(void);
#endif

/* The generic recovery point: set around a copy, taken by the handler. */
struct ub_ua_state {
	jmp_buf jb;
	volatile int active;
};
static __thread struct ub_ua_state ub_ua __attribute__((tls_model("initial-exec")));

static struct sigaction ub_ua_old_segv, ub_ua_old_bus;
static pthread_once_t ub_ua_once = PTHREAD_ONCE_INIT;

/* Not ours: behave as if we had never been installed. */
static void ub_ua_chain(int sig, siginfo_t *si, void *ctx)
{
	const struct sigaction *old = sig == SIGSEGV ? &ub_ua_old_segv : &ub_ua_old_bus;
	if (old->sa_flags & SA_SIGINFO) {
		old->sa_sigaction(sig, si, ctx);
		return;
	}
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		old->sa_handler(sig);
		return;
	}
	/* default action: restore it; a real fault repeats on return, a sent signal is
	 * raised again */
	struct sigaction dfl;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void ub_ua_handler(int sig, siginfo_t *si, void *ctx)
{
	if (si->si_code > 0) { /* raised by a fault, not sent */
#ifdef UB_UA_FIXUP
		ucontext_t *uc = ctx;
		greg_t *ip = &uc->uc_mcontext.gregs[REG_RIP];
		if ((uintptr_t)*ip >= (uintptr_t)ub_ua_copy &&
		    (uintptr_t)*ip < (uintptr_t)ub_ua_fixup) {
			*ip = (greg_t)(uintptr_t)ub_ua_fixup;
			return;
		}
#endif
		if (ub_ua.active) {
			ub_ua.active = 0;
			_longjmp(ub_ua.jb, 1); /* SA_NODEFER: the signal is not left blocked */
		}
	}
	ub_ua_chain(sig, si, ctx);
}

static void ub_ua_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = ub_ua_handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &ub_ua_old_segv);
	sigaction(SIGBUS, &sa, &ub_ua_old_bus);
}

void ub_uaccess_init(void)
{
	pthread_once(&ub_ua_once, ub_ua_install);
}

/* A range that wraps around cannot be valid. */
static inline bool ub_ua_wraps(const void *p, size_t n)
{
	return (uintptr_t)p + n < (uintptr_t)p;
}

#if defined(__SANITIZE_THREAD__)
#define UB_UA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UB_UA_TSAN 1
#endif
#endif

#ifdef UB_UA_TSAN
/* TSan's memcpy would look up its shadow of a bad address and fault inside the runtime: a
 * plain loop it does not instrument (volatile: the compiler must not make it a memcpy). */
__attribute__((no_sanitize_thread)) static void ub_ua_memcpy(void *dst, const void *src, size_t n)
{
	volatile char *d = dst;
	const volatile char *s = src;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}
#else
#define ub_ua_memcpy memcpy /* ASan checks the copy, then the fault is ours to recover */
#endif

/* memcpy under the thread's recovery point. noinline: the recovery point belongs to this
 * frame only. */
__attribute__((noinline, unused)) static int ub_ua_copy_generic(void *dst, const void *src,
                                                                size_t n)
{
	if (_setjmp(ub_ua.jb))
		return -EFAULT;
	ub_ua.active = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ub_ua_memcpy(dst, src, n);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ub_ua.active = 0;
	return 0;
}

int ub_ua_copy_checked(void *dst, const void *src, size_t n)
{
	if (!n)
		return 0;
	if (!src || !dst || ub_ua_wraps(src, n) || ub_ua_wraps(dst, n))
		return -EFAULT;
#ifdef UB_UA_FIXUP
	return ub_ua_copy(dst, src, n);
#else
	return ub_ua_copy_generic(dst, src, n);
#endif
}

#ifdef UB_UA_FIXUP
/* Page by page through the fixup copy (no recovery point needed). */
long ub_strnlen_user(const char *s, size_t max)
{
	if (!s)
		return -EFAULT;
	char buf[256];
	size_t n = 0;
	while (n < max) {
		size_t chunk = 4096 - ((uintptr_t)(s + n) & 4095); /* not past the page */
		if (chunk > sizeof buf)
			chunk = sizeof buf;
		if (chunk > max - n)
			chunk = max - n;
		if (ub_ua_copy_checked(buf, s + n, chunk))
			return -EFAULT;
		const char *z = memchr(buf, 0, chunk);
		if (z)
			return (long)(n + (size_t)(z - buf));
		n += chunk;
	}
	return (long)max;
}
#else
__attribute__((noinline)) long ub_strnlen_user(const char *s, size_t max)
{
	if (!s)
		return -EFAULT;
	if (_setjmp(ub_ua.jb))
		return -EFAULT;
	ub_ua.active = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	size_t n = strnlen(s, max);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	ub_ua.active = 0;
	return (long)n;
}
#endif

int ub_strncpy_from_user(char *dst, const char *usrc, size_t max)
{
	if (!usrc)
		return -EFAULT;
	long n = ub_strnlen_user(usrc, max);
	if (n < 0)
		return (int)n;
	if ((size_t)n >= max)
		return -ENAMETOOLONG;
	if (ub_copy_from_user(dst, usrc, (size_t)n))
		return -EFAULT;
	dst[n] = 0;
	return 0;
}
