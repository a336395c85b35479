/* userbpf — a diagnostic: what went wrong and where. */
#ifndef USERBPF_ERROR_H
#define USERBPF_ERROR_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every layer reports failures as a negative errno return plus, where the caller passes
 * one, this record: the errno, the instruction index (or line/offset, as the function
 * documents; -1 if none) and one line of text in the kernel's wording where it has one. */
struct userbpf_error {
	int err;       /* negative errno, 0 when no error */
	int insn;      /* instruction index (assembler: source line), -1 if none */
	char msg[128]; /* no trailing newline */
};

/* Fill *e (if not NULL) with err, insn and a printf-formatted message; returns err, so a
 * failing path can say: return userbpf_errorf(e, -EINVAL, i, "R%d is invalid", reg); */
int userbpf_errorf(struct userbpf_error *e, int err, int insn, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int userbpf_verrorf(struct userbpf_error *e, int err, int insn, const char *fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* USERBPF_ERROR_H */
