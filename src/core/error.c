/* error.c — filling a struct userbpf_error, shared by every layer. */
#include <stdarg.h>
#include <stdio.h>

#include <userbpf/error.h>

int userbpf_verrorf(struct userbpf_error *e, int err, int insn, const char *fmt, va_list ap)
{
	if (e) {
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		e->err = err;
		e->insn = insn;
	}
	return err;
}

int userbpf_errorf(struct userbpf_error *e, int err, int insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	userbpf_verrorf(e, err, insn, fmt, ap);
	va_end(ap);
	return err;
}
